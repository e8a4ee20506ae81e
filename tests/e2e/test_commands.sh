#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The synlimit commands end to end on a veth pair in namespaces made here:
# attach, status, reload (good, then bad: the live table unchanged byte for
# byte), blocked/show/stats/top/watch on real connections, SIGKILL of the
# controller, a foreign XDP program, an ABI mismatch, usage errors, detach.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_tools "test_commands (it dumps the live table)" bpftool
topology_up

cat >"$WORK/a.limits" <<'EOF'
*               5/5s strict
198.18.0.9      allow
EOF
cat >"$WORK/b.limits" <<'EOF'
*               5/5s strict
198.18.0.9      allow
"2001:db8::/64" 3/5s
EOF
cat >"$WORK/bad.limits" <<'EOF'
*               5/5s strict
198.18.0.0/24   10/5s fast
"2001:db8::/64"
EOF

# The live limit table, every entry: the inner map slot 0 points to.
live_table() {
	id=$(bpftool -j map lookup pinned "$PIN/limit_tables" key 0 0 0 0 |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(int.from_bytes(bytes(int(b,16) for b in v[:4]),"little"))')
	bpftool map dump id "$id"
}

# ---- usage errors: exit 2, nothing touched ----
expect_rc "attach with no interface" 2 sl attach
expect_rc "attach to an interface that does not exist" 2 sl attach nosuch0
expect_out "  ...says so" "nosuch0: no such interface"
expect_rc "--xdp-mode with a bad value" 2 sl attach s0 --xdp-mode fast
expect_rc "--mode native is a usage error" 2 sl attach s0 --mode native
expect_out "  ...that names --xdp-mode" "the XDP attach mode is --xdp-mode auto|native|generic"
expect_rc "an option the command does not take" 2 sl stats --limits "$WORK/a.limits"
expect_rc "attach with a bad limits file" 2 sl attach s0 --limits "$WORK/bad.limits"
expect_out "  ...names the bad line" "bad.limits:2: unknown word 'fast'"
expect_eq "  ...and attaches nothing" "no" "$([ -d "$PIN" ] && echo yes || echo no)"
expect_rc "status before attach" 0 sl status
expect_out "  ...says not attached" "not attached"

# ---- attach ----
expect_rc "attach s0 with a.limits" 0 sl attach s0 --limits "$WORK/a.limits"
sl --json status >"$WORK/status.json"
expect_eq "status --json: attached" "true" "$(json .attached <"$WORK/status.json")"
expect_eq "status --json: interface" "s0" "$(json .interfaces.0.name <"$WORK/status.json")"
expect_eq "status --json: mode (auto is native on veth)" "native" "$(json .interfaces.0.mode <"$WORK/status.json")"
expect_eq "status --json: rules" "2" "$(json .limits.rules <"$WORK/status.json")"
expect_eq "status --json: table capacities in sources, the defaults" "262144 65536" \
	"$(json .tables.sources_max <"$WORK/status.json") $(json .tables.blocked_max <"$WORK/status.json")"
expect_eq "ip link sees our program on s0" "$(json .program_id <"$WORK/status.json")" \
	"$(in_server ip -j link show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')"
expect_rc "attach again is idempotent" 0 sl attach s0
expect_out "  ...and says so" "s0: already attached"
expect_rc "attach again in generic mode is refused" 1 sl attach s0 --xdp-mode generic
expect_out "  ...saying why" "already attached in native mode"
expect_rc "attach again with --max-sources 262143 (rounded up: the size loaded)" 0 \
	sl attach s0 --max-sources 262143
expect_eq "  ...does not warn about the sizes" "0" "$(grep -c "table sizes" "$WORK/out")"
expect_rc "attach again with another --max-sources" 0 sl attach s0 --max-sources 1000
expect_out "  ...keeps the loaded sizes, saying so" \
	"already loaded with its table sizes (262144 sources, 65536 blocked)"

# ---- an unprivileged user gets a clear refusal ----
if command -v setpriv >/dev/null 2>&1; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$SYNLIMIT" --pin-dir "$PIN" "$@"; }
	expect_rc "status as an unprivileged user" 1 nobody status
	expect_out "  ...says what it needs" "cannot read $PIN: .*needs CAP_BPF"
	expect_rc "reload as an unprivileged user" 1 nobody reload "$WORK/a.limits"
	expect_out "  ...says what it needs" "reload needs root (CAP_BPF)"
	expect_rc "detach as an unprivileged user" 1 nobody detach s0
	expect_out "  ...says what it needs" "detach needs root (CAP_BPF and CAP_NET_ADMIN)"
else
	skip "unprivileged refusals: setpriv is not installed"
fi

# ---- reload: good, then bad ----
expect_rc "reload b.limits" 0 sl reload "$WORK/b.limits"
sl --json status >"$WORK/status.json"
expect_eq "status after reload: rules" "3" "$(json .limits.rules <"$WORK/status.json")"
expect_eq "status after reload: reloads" "1" "$(json .limits.reloads <"$WORK/status.json")"
live_table >"$WORK/table.before"
expect_rc "reload a bad file" 2 sl reload "$WORK/bad.limits"
expect_out "  ...names line 2" "bad.limits:2: unknown word 'fast'"
expect_out "  ...names line 3" "bad.limits:3: no limit after the key"
expect_out "  ...changes nothing" "2 errors, nothing changed"
live_table >"$WORK/table.after"
if cmp -s "$WORK/table.before" "$WORK/table.after" && [ -s "$WORK/table.before" ]; then
	pass "the live table is byte for byte the same after the bad reload ($(grep -c '^key' "$WORK/table.before") entries)"
else
	fail "the live table changed after a bad reload"
fi
sl --json status >"$WORK/status2.json"
expect_eq "  ...and so is the recorded load" "$(json .limits.loaded_at <"$WORK/status.json") 1" \
	"$(json .limits.loaded_at <"$WORK/status2.json") $(json .limits.reloads <"$WORK/status2.json")"

# ---- real connections against 5/5s strict ----
start_server 198.18.0.2 2525
sl --json stats >"$WORK/stats0.json"
ip netns exec "$NS_S" timeout -k 10 -s INT --preserve-status 6 env $WATCH_ENV "$SYNLIMIT" --pin-dir "$PIN" \
	watch --json >"$WORK/watch.out" 2>&1 &
watch_pid=$!
sleep 0.5
expect_eq "10 connects from 198.18.0.1: 5 complete, then dropped" "CCCCCxxxxx" "$(connect_n 198.18.0.2 2525 10)"
expect_eq "the allowed host 198.18.0.9 is never limited" "CCCCCCCCCC" \
	"$(in_client sh -c "ip addr add 198.18.0.9/24 dev c0 && python3 $TOP/tests/tools/tcp_connect.py 198.18.0.2 2525 10 0.3 198.18.0.9")"
sl --json stats >"$WORK/stats1.json"
delta() { echo $(($(json ".counters.$1" <"$WORK/stats1.json") - $(json ".counters.$1" <"$WORK/stats0.json"))); }
expect_eq "stats: syn_dropped_limit +5" "5" "$(delta syn_dropped_limit)"
expect_eq "stats: syn_passed +5" "5" "$(delta syn_passed)"
expect_eq "stats: syn_allowed +10" "10" "$(delta syn_allowed)"
expect_eq "stats: the classes add up to the packets" "$(json .packets <"$WORK/stats1.json")" \
	"$(json .counters <"$WORK/stats1.json" | python3 -c '
import ast, sys
c = ast.literal_eval(sys.stdin.read())
names = ["not_ip","ipv4_not_tcp","ipv6_not_tcp","tcp_not_syn","fragment","syn","bad_l2_truncated",
         "bad_vlan_depth","bad_l3_truncated","bad_ip_version","bad_ihl","bad_ip_length",
         "bad_ipv6_ext_depth","bad_l4_truncated","bad_tcp_doff","bad_tcp_flags",
         "bad_v4mapped_source"]
print(sum(c[n] for n in names))')"

# read while 198.18.0.1 is blocked for sure: its block ends a second or two
# after its last drop, sooner than a dozen assertions take on a busy machine
sl --json blocked >"$WORK/blocked.json"
sl --json top >"$WORK/top.json"
sl --json show 198.18.0.1 >"$WORK/show1.json"
sl blocked >"$WORK/blocked.txt"
expect_eq "blocked --json: one source" "1" "$(json .blocked <"$WORK/blocked.json" | python3 -c 'import ast,sys; print(len(ast.literal_eval(sys.stdin.read())))')"
expect_eq "blocked --json: it is 198.18.0.1" "198.18.0.1" "$(json .blocked.0.addr <"$WORK/blocked.json")"
expect_eq "blocked --json: rule FILE:LINE" "$WORK/b.limits:1" "$(json .blocked.0.rule <"$WORK/blocked.json")"
expect_eq "blocked --json: its 5 drops" "5" "$(json .blocked.0.drops <"$WORK/blocked.json")"
expect_eq "blocked --json: limit" "5/5s strict" "$(json .blocked.0.limit <"$WORK/blocked.json")"
cp "$WORK/blocked.txt" "$WORK/out"
expect_out "blocked (text) lists 198.18.0.1 with its limit and rule" "^198.18.0.1 .*5/5s strict .*b.limits:1$"
expect_eq "show --json 198.18.0.1: action, rule, blocked" "limit $WORK/b.limits:1 true" \
	"$(json .action <"$WORK/show1.json") $(json .rule <"$WORK/show1.json") $(json .state.blocked <"$WORK/show1.json")"
sl --json show 198.18.0.9 >"$WORK/show.json"
expect_eq "show --json 198.18.0.9: allow, line 2" "allow $WORK/b.limits:2" \
	"$(json .action <"$WORK/show.json") $(json .rule <"$WORK/show.json")"
expect_rc "show a network is a usage error" 2 sl show 198.18.0.0/24
# 198.18.0.9 matches an allow rule: allowed sources keep no state
expect_eq "top --json: the blocked source, listed once" "198.18.0.1 true 1" \
	"$(json .top.0.addr <"$WORK/top.json") $(json .top.0.blocked <"$WORK/top.json") $(json .top <"$WORK/top.json" | python3 -c 'import ast,sys; print(len(ast.literal_eval(sys.stdin.read())))')"
# a source under its limit: its state is in the sources table, found the
# way the program finds it (the keyed hash of the config's table_seed)
in_client ip addr add 198.18.0.12/24 dev c0
expect_eq "3 connects from 198.18.0.12: all complete" "CCC" "$(connect_n 198.18.0.2 2525 3 0.3 198.18.0.12)"
sl --json show 198.18.0.12 >"$WORK/show.json"
expect_eq "show --json 198.18.0.12: its state, not blocked, a rate of 1 or more" "198.18.0.12 false yes" \
	"$(json .state.addr <"$WORK/show.json") $(json .state.blocked <"$WORK/show.json") $(json .state.rate <"$WORK/show.json" | python3 -c 'import sys; print("yes" if float(sys.stdin.read()) >= 1 else "no")')"
sl show 198.18.0.33 >"$WORK/out"
expect_out "show 198.18.0.33, a source never seen: no state" "seen     no (or evicted)"
# a source seen once: its first attempt is recorded, its entry made at the second
in_client ip addr add 198.18.0.13/24 dev c0
expect_eq "1 connect from 198.18.0.13: completes" "C" "$(connect_n 198.18.0.2 2525 1 0.3 198.18.0.13)"
sl show 198.18.0.13 >"$WORK/out"
expect_out "show 198.18.0.13, seen once: its first attempt, no entry yet" \
	"seen     once, [0-9.]*s ago: its next attempt makes its entry"
sl --json show 198.18.0.13 >"$WORK/show.json"
expect_eq "show --json 198.18.0.13: no state, a first attempt under a minute ago" "null yes" \
	"$(json .state <"$WORK/show.json") $(json .first_attempt_ago_s <"$WORK/show.json" | python3 -c 'import sys; print("yes" if 0 <= float(sys.stdin.read()) < 60 else "no")')"
sl --json status >"$WORK/status.json"
expect_eq "status --json: 198.18.0.12 counted in the sources table" "yes" \
	"$([ "$(json .tables.sources <"$WORK/status.json")" -ge 1 ] && echo yes || echo no)"
sl --json top >"$WORK/top.json"
expect_eq "top --json: 198.18.0.1 and 198.18.0.12 (not blocked), each once" "198.18.0.1 198.18.0.12:False" \
	"$(python3 -c '
import json, sys
top = json.load(open(sys.argv[1]))["top"]
print(" ".join(sorted(s["addr"] + (":%s" % s["blocked"] if s["addr"] == "198.18.0.12" else "") for s in top)))' "$WORK/top.json")"

wait $watch_pid
watch_rc=$?
expect_eq "watch stops cleanly on SIGINT" "0" "$watch_rc"
expect_eq "watch --json: one block event for 198.18.0.1" "1" \
	"$(grep -c '"event":"block","addr":"198.18.0.1"' "$WORK/watch.out")"
if python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("{"):
        json.loads(line)' "$WORK/watch.out" 2>/dev/null; then
	pass "watch --json: every line is a JSON object"
else
	fail "watch --json: a line is not JSON: $(cat "$WORK/watch.out")"
fi

# ---- SIGKILL: the data path runs on, a new controller finds it ----
ip netns exec "$NS_S" env $WATCH_ENV "$SYNLIMIT" --pin-dir "$PIN" watch >/dev/null 2>&1 &
kill_pid=$!
sleep 0.3
kill -9 $kill_pid 2>/dev/null
wait $kill_pid 2>/dev/null
python3 - "$WORK/big.limits" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("* 5/5s strict\n198.18.0.9 allow\n")
    for i in range(200000):
        f.write('"2001:db8:%x:%x::/64" 10/5s\n' % (i >> 16, i & 0xffff))
EOF
ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" reload "$WORK/big.limits" >/dev/null 2>&1 &
reload_pid=$!
sleep 0.4
kill -9 $reload_pid 2>/dev/null
wait $reload_pid 2>/dev/null
rules=$(sl --json status | json .limits.rules)
case "$rules" in
3 | 200002) pass "after SIGKILL mid-reload the live table is the old or the new one ($rules rules)" ;;
*) fail "after SIGKILL mid-reload: $rules rules live" ;;
esac
expect_eq "after SIGKILL a new controller still finds s0 attached" "s0 native" \
	"$(sl --json status | json .interfaces.0.name) $(sl --json status | json .interfaces.0.mode)"
in_client ip addr add 198.18.0.11/24 dev c0
expect_eq "after SIGKILL the data path still limits a new source" "CCCCCxxxxx" \
	"$(connect_n 198.18.0.2 2525 10 0.3 198.18.0.11)"
expect_rc "after SIGKILL a reload works" 0 sl reload "$WORK/a.limits"

# ---- an incompatible ABI in the pins is refused, not misread ----
# the config's size and the ABI as this build has them, not copied here
config_bytes=$(bpftool -j map show pinned "$PIN/config" | python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes_value"])')
abi=$("$SYNLIMIT" --version | sed -n 's/.*(ABI \([0-9]*\),.*/\1/p')
config_with_abi() {
	python3 -c 'import sys; print(" ".join([sys.argv[1], "0", "0", "0"] + ["0"] * (int(sys.argv[2]) - 4)))' "$1" "$config_bytes"
}
bpftool -j map lookup pinned "$PIN/config" key 0 0 0 0 |
	python3 -c 'import json, sys; print(" ".join(str(int(b, 16)) for b in json.load(sys.stdin)["value"]))' >"$WORK/config.bytes"
bpftool map update pinned "$PIN/config" key 0 0 0 0 value $(config_with_abi 99)
expect_rc "status on pins of another ABI version" 1 sl status
expect_out "  ...says why" "ABI version 99; this one speaks $abi"
expect_rc "reload on pins of another ABI version" 1 sl reload "$WORK/a.limits"
# the config as it was, byte for byte: it also holds the tables' hash key
bpftool map update pinned "$PIN/config" key 0 0 0 0 value $(cat "$WORK/config.bytes")
sl --json show 198.18.0.11 >"$WORK/show.json"
expect_eq "with the config restored, show finds 198.18.0.11's state again" "198.18.0.11" \
	"$(json .state.addr <"$WORK/show.json")"

# ---- detach, then a foreign program is never replaced ----
expect_rc "detach s0" 0 sl detach s0
expect_eq "detach removed the pins" "no" "$([ -e "$PIN" ] && echo yes || echo no)"
expect_eq "no XDP program left on s0" "none" \
	"$(in_server ip -j link show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("xdp", {}).get("prog", {}).get("id", "none"))')"
in_server ip link set dev s0 xdpgeneric obj "$TOP/build/xdp_bare.bpf.o" sec xdp
foreign=$(in_server ip -j link show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
expect_rc "attach over a foreign XDP program is refused" 1 sl attach s0 --limits "$WORK/a.limits"
expect_out "  ...saying whose it is" "already has an XDP program that synlimit did not attach (id $foreign, xdp_pass)"
expect_eq "  ...the foreign program is still there" "$foreign" \
	"$(in_server ip -j link show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')"
expect_eq "  ...and a refused first attach leaves no pins" "no" "$([ -e "$PIN" ] && echo yes || echo no)"
# attached elsewhere, a refused attach gives back the counter slot it claimed
iface_names() {
	sl --json stats | python3 -c 'import json,sys; print(" ".join(i["name"] for i in json.load(sys.stdin)["interfaces"]))'
}
expect_rc "attach lo (generic)" 0 sl attach lo --xdp-mode generic --limits "$WORK/a.limits"
expect_rc "attach s0 over the foreign program is refused" 1 sl attach s0 --xdp-mode generic
expect_eq "  ...and leaves s0 without per-interface counters" "lo" "$(iface_names)"
# s0's slot held by another interface (lo's ifindex, as a colliding ifindex
# would hold it): a refused attach takes nothing from it
s0_slot=$(($(in_server cat /sys/class/net/s0/ifindex) % 256))
lo_ifindex=$(in_server cat /sys/class/net/lo/ifindex)
# the slot's value: lo's ifindex first (struct iface_stats), every counter 0
value_size=$(bpftool -j map show pinned "$PIN/iface_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_value"])')
# shellcheck disable=SC2046
bpftool map update pinned "$PIN/iface_stats" key $s0_slot 0 0 0 \
	value $(python3 -c 'import sys; print(" ".join([sys.argv[1], "0", "0", "0"] + ["0"] * (int(sys.argv[2]) - 4)))' "$lo_ifindex" "$value_size")
expect_eq "  (s0's slot planted as lo's)" "lo lo" "$(iface_names)"
expect_rc "attach s0 over the foreign program, its slot held by lo, is refused" 1 \
	sl attach s0 --xdp-mode generic
expect_eq "  ...and the slot stays lo's" "lo lo" "$(iface_names)"
in_server ip link set dev s0 xdpgeneric off
expect_rc "attach s0, its slot held by lo" 0 sl attach s0 --xdp-mode generic
expect_out "  ...takes it, saying so" "s0: its per-interface counters take the slot of lo (ifindex $lo_ifindex), whose counting stops"
expect_eq "  ...and s0 has it" "lo s0" "$(iface_names)"
expect_rc "detach --all" 0 sl detach --all

# ---- the default pin dir where no bpffs is mounted: attach mounts one ----
# ip netns exec gives each command a fresh /sys without a bpffs: one shell
# inside runs the whole scenario, as design.md says
expect_rc "attach with the default pin dir, no bpffs mounted: mounts one" 0 \
	ip netns exec "$NS_S" sh -c "
		grep -q ' /sys/fs/bpf bpf ' /proc/mounts && { echo 'a bpffs was already mounted'; exit 9; }
		$SYNLIMIT attach s0 --limits $WORK/a.limits &&
		grep -q ' /sys/fs/bpf bpf ' /proc/mounts &&
		$SYNLIMIT --json status | grep -q '\"attached\":true' &&
		$SYNLIMIT detach s0 &&
		[ ! -e /sys/fs/bpf/synlimit ]"

# ---- generic mode ----
expect_rc "attach --xdp-mode generic, tables of 1001 and 65 sources" 0 \
	sl attach s0 --xdp-mode generic --limits "$WORK/a.limits" --max-sources 1001 --max-blocked 65
expect_eq "status: generic" "generic" "$(sl --json status | json .interfaces.0.mode)"
sl status >"$WORK/out"
expect_out "status: the sizes rounded up to buckets of 4" "^tables:  0 of 1004 sources, 0 of 68 blocked$"
expect_rc "detach --all" 0 sl detach --all
expect_rc "detach when nothing is attached" 1 sl detach s0
expect_out "  ...says so" "s0: not attached by synlimit"
finish
