#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# synlimit on real packets: SYN floods from tests/tools/synflood (spoofed
# sources, valid checksums) cross a veth pair into the server namespace,
# where synlimit runs on s0 and a real TCP server listens; real clients
# connect during the floods. Every count is exact: the generator's sends
# against synlimit's counters.
#
# Against 5/5s strict a fast flood passes exactly 5: at microsecond
# spacing the 5th attempt's rate is 4.99998 < 5, the 6th's 5.99997.
set -u
. "$(dirname "$0")/lib.sh"
need_root
topology_up

cat >"$WORK/limits" <<'EOF'
*                    5/5s strict
198.18.0.9           allow
198.18.60.0/24       deny
198.18.50.0/24       100/5s per=/24
"2001:db8:64::/48"   50/5s per=/64
198.18.70.0/24       100/5s dry-run
198.18.128.0/17      100/5s
198.19.0.0/16        100/5s
EOF
printf '*  allow\n' >"$WORK/allow.limits"
printf '*  deny\n' >"$WORK/deny.limits"

expect_rc "attach s0 (native) with a 4096-source table" 0 sl attach s0 --limits "$WORK/limits" --max-sources 4096
start_server 198.18.0.2 25
start_server 2001:db8::2 25

# snapshot / since: counter deltas around a scenario; delivered: what the
# generator sent minus what the veth ring dropped before synlimit saw it
snapshot() {
	sl --json stats >"$WORK/snap.json"
	lost0=$(xmit_lost)
}
since() { echo $(($(counter "$1") - $(json ".counters.$1" <"$WORK/snap.json"))); }
sent_of() { sed -n 's/^synflood: sent \([0-9]*\) SYNs.*/\1/p' "$1"; }
delivered() { # FILE: sets n (reached s0) and lost (dropped by the veth ring)
	lost=$(($(xmit_lost) - lost0))
	n=$(($(sent_of "$1") - lost))
}
flood_to() { # FILE ARGS...: a foreground flood, its summary kept in FILE
	out=$1
	shift
	flood "$@" >"$out" 2>&1
}

# ---- one flooder, a legitimate client connects meanwhile ----
snapshot
ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" --src 198.18.1.66 \
	--dst 198.18.0.2 -n 150000 --rate 50000 >"$WORK/flood1" 2>&1 &
flood_pid=$!
sleep 1
expect_eq "a client from 198.18.0.1 connects during the flood" "CCC" "$(connect_n 198.18.0.2 25 3 1)"
sl --json blocked >"$WORK/blocked.json"
wait $flood_pid
delivered "$WORK/flood1"
sent=$n
expect_eq "the flooder is listed by blocked during the flood" "198.18.1.66" \
	"$(json .blocked.0.addr <"$WORK/blocked.json")"
expect_eq "every SYN that reached s0 counted once (syn = delivered + 3 of the client; $lost lost in the veth ring)" \
	"$((sent + 3))" "$(since syn)"
expect_eq "the flooder passed exactly 5, the client 3 (syn_passed)" "8" "$(since syn_passed)"
expect_eq "all the flooder's other SYNs dropped (syn_dropped_limit)" "$((sent - 5))" "$(since syn_dropped_limit)"
expect_eq "blocked reports the flooder's drops" "$((sent - 5))" "$(sl --json blocked | json .blocked.0.drops)"

# ---- aggregation, allow, deny, dry-run on real packets ----
snapshot
flood_to "$WORK/f" --src 198.18.50.0 --sources 256 --dst 198.18.0.2 -n 10000
delivered "$WORK/f"
expect_eq "per=/24: 256 sources of one /24 share its 100 (syn_passed)" "100" "$(since syn_passed)"
expect_eq "per=/24: the rest of the $n delivered dropped" "$((n - 100))" "$(since syn_dropped_limit)"
expect_eq "per=/24: blocked lists the /24" "yes" \
	"$(sl --json blocked | grep -q '"addr":"198.18.50.0/24"' && echo yes || echo no)"
snapshot
flood_to "$WORK/f" --src 2001:db8:64:1::1 --sources 1000 --dst 2001:db8::2 -n 10000
delivered "$WORK/f"
expect_eq "per=/64: 1000 IPv6 sources of one /64 share its 50 (syn_passed)" "50" "$(since syn_passed)"
expect_eq "per=/64: the rest of the $n delivered dropped" "$((n - 50))" "$(since syn_dropped_limit)"
expect_eq "per=/64: blocked lists the /64" "yes" \
	"$(sl --json blocked | grep -q '"addr":"2001:db8:64:1::/64"' && echo yes || echo no)"
snapshot
flood_to "$WORK/f" --src 198.18.0.9 --dst 198.18.0.2 -n 5000
delivered "$WORK/f"
expect_eq "allow: every SYN from 198.18.0.9 allowed ($n delivered)" "$n 0" "$(since syn_allowed) $(since syn_dropped_limit)"
snapshot
flood_to "$WORK/f" --src 198.18.60.1 --sources 100 --dst 198.18.0.2 -n 5000
delivered "$WORK/f"
expect_eq "deny: every SYN from 198.18.60.0/24 dropped ($n delivered)" "$n 0" "$(since syn_dropped_deny) $(since syn_passed)"
snapshot
flood_to "$WORK/f" --src 198.18.70.5 --dst 198.18.0.2 -n 5000
delivered "$WORK/f"
expect_eq "dry-run 100/5s: 100 passed, the rest of the $n delivered would have been dropped, none were" "100 $((n - 100)) 0" \
	"$(since syn_passed) $(since syn_would_drop) $(since syn_dropped_limit)"

# ---- IPv6 and VLAN-tagged SYNs are limited too ----
snapshot
flood_to "$WORK/f" --src 2001:db8::66 --dst 2001:db8::2 -n 20000
delivered "$WORK/f"
expect_eq "IPv6: one source, $n SYNs delivered: 5 passed, the rest dropped" "5 $((n - 5))" \
	"$(since syn_passed) $(since syn_dropped_limit)"
snapshot
flood_to "$WORK/f" --src 198.18.5.5 --vlan 7 --dst 198.18.0.2 -n 20000
delivered "$WORK/f"
expect_eq "VLAN 7: one source, $n tagged SYNs delivered: 5 passed, the rest dropped" "5 $((n - 5))" \
	"$(since syn_passed) $(since syn_dropped_limit)"

# ---- 100 reloads during a flood: nothing lost, nothing counted twice ----
# (10 s of flood: on a loaded machine 100 reloads have taken longer than 4 s)
sl reload "$WORK/allow.limits" >/dev/null 2>&1
snapshot
ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" --src 198.18.3.3 \
	--dst 198.18.0.2 -n 1000000 --rate 100000 >"$WORK/flood2" 2>&1 &
flood_pid=$!
reloads=0
while [ $reloads -lt 100 ]; do
	if [ $((reloads % 2)) = 0 ]; then
		sl reload "$WORK/deny.limits" >/dev/null 2>&1 || break
	else
		sl reload "$WORK/allow.limits" >/dev/null 2>&1 || break
	fi
	reloads=$((reloads + 1))
done
still_flooding=$(kill -0 $flood_pid 2>/dev/null && echo yes || echo no)
wait $flood_pid
delivered "$WORK/flood2"
sent=$n
expect_eq "100 reloads done, the flood still running after the last" "100 yes" \
	"$reloads $still_flooding"
expect_eq "every SYN that reached s0 counted once ($lost lost in the veth ring)" "$sent" "$(since syn)"
expect_eq "every SYN saw the old table or the new one (allowed + denied = sent, none without a rule)" \
	"$sent 0" "$(($(since syn_allowed) + $(since syn_dropped_deny))) $(since syn_no_rule)"
expect_eq "both tables were live during the flood" "yes" \
	"$([ "$(since syn_allowed)" -gt 0 ] && [ "$(since syn_dropped_deny)" -gt 0 ] && echo yes || echo no)"
sl reload "$WORK/limits" >/dev/null 2>&1

# ---- a spoofed flood from 10x more sources than the table holds ----
flood --src 198.18.2.77 --dst 198.18.0.2 -n 1000 >/dev/null
snapshot
ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" --src 198.18.128.0 \
	--sources 40960 --random --dst 198.18.0.2 -n 600000 --rate 200000 >"$WORK/flood3" 2>&1 &
flood_pid=$!
sleep 1
expect_eq "a client connects during the spoofed flood" "CCC" "$(connect_n 198.18.0.2 25 3 1)"
expect_rc "blocked terminates while the tables churn" 0 sl blocked
expect_rc "top terminates while the tables churn" 0 sl top -n 5
expect_rc "stats while the tables churn" 0 sl stats
wait $flood_pid
delivered "$WORK/flood3"
sent=$n
sl --json status >"$WORK/status.json"
sl --json stats >"$WORK/stats.json"
expect_eq "every spoofed SYN that reached s0 counted once ($lost lost in the veth ring)" "$((sent + 3))" "$(since syn)"
expect_eq "the sources table stays within its 4096 entries" "yes" \
	"$([ "$(json .tables.sources <"$WORK/status.json")" -le 4096 ] && echo yes || echo no)"
# 1024 buckets of 4, some 40 spoofed sources each, some 15 inserts a
# bucket (below): every way taken but for a rare bucket with fewer than 4
expect_eq "the table of 4096 sources (1024 buckets of 4) holds at least 4088" "4096 yes" \
	"$(json .tables.sources_max <"$WORK/status.json") $([ "$(json .tables.sources <"$WORK/status.json")" -ge 4088 ] && echo yes || echo no)"
evicted=$(json .evictions.sources <"$WORK/stats.json")
expect_eq "evictions are counted: inserts - entries" \
	"$(($(json .counters.source_inserts <"$WORK/stats.json") - $(json .tables.sources <"$WORK/status.json")))" "$evicted"
# a spoofed source's next attempt makes its entry only where no other
# source of its bucket (some 40) took the bucket's first-attempt slot in
# between: about one SYN in 40, some 15000 inserts of 600000 SYNs
expect_eq "40960 sources through 4096 entries: the table turned over (evicted at least 4096)" \
	"yes" "$([ "$evicted" -ge 4096 ] && echo yes || echo no)"
snapshot
flood --src 198.18.2.77 --dst 198.18.0.2 -n 100 >/dev/null
expect_eq "the flooder blocked before the spoofed flood is still dropped" "100" "$(since syn_dropped_limit)"

# ---- SIGKILL the controller during a flood ----
snapshot
ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" --src 198.18.4.4 \
	--dst 198.18.0.2 -n 300000 --rate 100000 >"$WORK/flood4" 2>&1 &
flood_pid=$!
ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" watch >/dev/null 2>&1 &
watch_pid=$!
sleep 0.5
kill -9 $watch_pid
ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" reload "$WORK/limits" >/dev/null 2>&1 &
reload_pid=$!
kill -9 $reload_pid
wait $watch_pid $reload_pid 2>/dev/null
dropped_at_kill=$(since syn_dropped_limit)
wait $flood_pid
delivered "$WORK/flood4"
sent=$n
expect_eq "after SIGKILL filtering went on: all but 5 dropped" "$((sent - 5))" "$(since syn_dropped_limit)"
expect_eq "  ...including after the kill" "yes" \
	"$([ "$(since syn_dropped_limit)" -gt "$dropped_at_kill" ] && echo yes || echo no)"
expect_eq "a new controller reports the same state (blocked, drops)" "198.18.4.4 $((sent - 5))" \
	"$(sl --json show 198.18.4.4 | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["addr"], d["state"]["drops"])')"

# ---- generic mode ----
expect_rc "detach --all" 0 sl detach --all
expect_eq "detach leaves no program on s0 and no pins" "none no" \
	"$(in_server ip -j link show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("xdp", {}).get("prog", {}).get("id", "none"))') $([ -e "$PIN" ] && echo yes || echo no)"
# a veth with no native program receives XDP_TX frames only with NAPI (GRO) on
if command -v ethtool >/dev/null 2>&1; then
	in_server ethtool -K s0 gro on >/dev/null 2>&1
	expect_rc "attach --xdp-mode generic" 0 sl attach s0 --xdp-mode generic --limits "$WORK/limits"
	expect_eq "status says generic" "generic" "$(sl --json status | json .interfaces.0.mode)"
	snapshot
	flood_to "$WORK/f" --src 198.18.6.6 --dst 198.18.0.2 -n 20000
	delivered "$WORK/f"
	expect_eq "generic: one source, $n SYNs delivered: 5 passed, the rest dropped" "5 $((n - 5))" \
		"$(since syn_passed) $(since syn_dropped_limit)"
	expect_eq "generic: a client connects" "CC" "$(connect_n 198.18.0.2 25 2 1)"
	expect_rc "detach" 0 sl detach s0
else
	skip "generic mode: ethtool is needed to turn on GRO on the veth"
fi
finish
