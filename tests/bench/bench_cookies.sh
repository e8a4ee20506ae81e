#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Spoofed floods against SYN cookies on the veth path: tests/tools/synflood
# floods the server namespace from 64K random IPv4 or 1M random IPv6
# sources as fast as it can, while a real client makes 100 connections,
# against each contender in turn (alternating, R rounds):
#   bare XDP_DROP (the baseline), no protection, an nftables meter,
#   iptables hashlimit, nftables synproxy (conntrack + SYNPROXY), synlimit
#   cookie mode with no SYN-ACK cap and with its default cap.
# As in bench_flood.sh the generator and the server share the CPUs, so the
# flood rate follows the server's cost. Then what cookie mode costs other
# packets, through BPF_PROG_TEST_RUN of the attached programs (bpftool prog
# run): an ACK of an established connection at the TC program, a verified
# source's SYN at the XDP program.
# Prints a markdown section. Usage: bench_cookies.sh [--quick]
# BENCH_BETWEEN_SIZES: a shell command run between two sizes' floods (make
# bench takes a pass of the per-packet targets there, so that its passes
# spread over the whole run and not only between the benchmarks).
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/contenders.sh"
need_root
need_tools bench_cookies nft iptables ip6tables nstat bpftool ethtool
topology_up
quick=0
[ "${1:-}" = "--quick" ] && quick=1
if [ $quick = 1 ]; then
	rounds=1
	count=100000
	sizes="65536"
	contenders="bare cookies"
	tries=10
else
	rounds=2
	count=4000000
	sizes="65536 1048576"
	contenders="bare bare-tx none nftables iptables synproxy cookies cookies-cap cookies-rxdrop"
	tries=100
fi

# the server answers spoofed sources when it can (a route back); a veth
# takes XDP_TX'd frames only with an XDP program or NAPI (GRO) on the
# receiving side: GRO on s0 for the flood when no XDP program runs there,
# an XDP_PASS program on c0 for the SYN-ACKs. The same for every contender.
in_server ethtool -K s0 gro on >/dev/null 2>&1
ip -n "$NS_S" route add default via 198.18.0.1
ip -n "$NS_S" -6 route add default via 2001:db8::1
ip -n "$NS_C" link set dev c0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_pass
in_server sysctl -q -w net.ipv4.tcp_syncookies=1
start_server 198.18.0.2 25
cat >"$WORK/limits" <<'EOF'
*                5/5s strict
198.18.0.0/24    1000000000/1s
EOF

setup() {
	case $1 in
	bare-tx) in_server ip link set dev s0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_tx ;;
	cookies) sl -q attach s0 --limits "$WORK/limits" --syncookies on --synack-cap 0 ;;
	cookies-cap) sl -q attach s0 --limits "$WORK/limits" --syncookies on ;;
	cookies-rxdrop) # the SYN-ACKs dropped by the client side's XDP: what receiving costs
		sl -q attach s0 --limits "$WORK/limits" --syncookies on --synack-cap 0
		ip -force -n "$NS_C" link set dev c0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_drop
		;;
	synproxy) # the recipe of nft(8): SYNs untracked, SYNPROXY answers them
		in_server nft -f - <<'EOF'
table inet synbench {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		tcp dport 25 tcp flags syn notrack
	}
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 25 ct state invalid,untracked synproxy mss 1460 wscale 7 timestamp sack-perm
		ct state invalid drop
	}
}
EOF
		in_server sysctl -q -w net.netfilter.nf_conntrack_tcp_loose=0
		;;
	*) contender_setup "$1" ;;
	esac
}

teardown() {
	case $1 in
	cookies*)
		sl -q detach --all
		ip -force -n "$NS_C" link set dev c0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_pass
		;;
	synproxy) in_server nft delete table inet synbench ;;
	bare-tx) in_server ip link set dev s0 xdp off ;;
	*) contender_teardown "$1" ;;
	esac
}

nstat_of() { in_server nstat -asz "$1" | awk -v k="$1" '$1 == k { print $2 }'; }

# One flood against what is set up: prints "RATE_PPS CONNECTED STACK_SEGS LOST"
# (STACK_SEGS: TCP segments the server's stack took in, TcpInSegs; LOST: the
# flood's frames the veth ring dropped before s0 saw them)
measure() {
	sources=$1
	if [ "$sources" -gt 65536 ]; then
		src="2001:db8:100::"
		dst=2001:db8::2
	else
		src=198.18.128.0
		dst=198.18.0.2
	fi
	segs0=$(nstat_of TcpInSegs)
	lost0=$(xmit_lost)
	ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" --src "$src" \
		--sources "$sources" --random --dst "$dst" -n "$count" >"$WORK/flood" 2>&1 &
	fpid=$!
	sleep 0.2
	client=$(connect_n 198.18.0.2 25 $tries 1)
	during=$(kill -0 $fpid 2>/dev/null && echo 1 || echo 0)
	wait $fpid
	rate=$(sed -n 's/.*: \([0-9]*\) pps$/\1/p' "$WORK/flood")
	echo "${rate:-0} $(printf '%s' "$client" | tr -cd C | wc -c) $(($(nstat_of TcpInSegs) - segs0)) $(($(xmit_lost) - lost0)) $during"
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "## Spoofed floods: SYN cookies and the alternatives"
echo
echo "tests/tools/synflood floods s0 with $count SYNs from random spoofed sources (64K: IPv4"
echo "198.18.128.0 on; 1M: IPv6) as fast as it can while a real client from 198.18.0.1 makes"
echo "$tries connections (1 s each); $rounds round(s), the contenders alternating within each"
echo "round; medians. \"delivered\" is the share of the flood that the veth ring did not drop before"
echo "s0 saw it; cost per delivered SYN over bare XDP_DROP is (1/rate - 1/rate_bare) / delivered: it includes"
echo "what answering costs (SYN-ACKs built, sent back over the veth and dropped by the client"
echo "namespace's stack, for every contender that answers). The server has a route back to"
echo "the spoofed sources. Limits as in the previous section, except that synlimit's client"
echo "network is limited at 10^9/s instead of allowed, so that its first connection goes"
echo "through a cookie like everyone's; \"stack segs\" is the server's TcpInSegs over the flood"
echo "(what reached its TCP stack), per flood SYN. bare-tx is an XDP program that sends every"
echo "frame back as it came (XDP_TX): the floor under any answer from XDP on this veth path,"
echo "where the frame is received by the client namespace on the same two CPUs (a physical NIC"
echo "sends it off the machine). cookies-rxdrop is cookie mode with the client namespace's XDP"
echo "program dropping every frame (its client cannot connect)."
echo
for n in $sizes; do
	[ "$n" = "${sizes%% *}" ] || [ -z "${BENCH_BETWEEN_SIZES:-}" ] || sh -c "$BENCH_BETWEEN_SIZES"
	for c in $contenders; do
		: >"$WORK/rates.$c"
		: >"$WORK/client.$c"
		: >"$WORK/segs.$c"
		: >"$WORK/lost.$c"
		: >"$WORK/during.$c"
	done
	r=0
	while [ $r -lt $rounds ]; do
		for c in $contenders; do
			setup $c >/dev/null 2>&1
			set -- $(measure $n)
			echo "$1" >>"$WORK/rates.$c"
			echo "$2" >>"$WORK/client.$c"
			echo "$3" >>"$WORK/segs.$c"
			echo "$4" >>"$WORK/lost.$c"
			echo "$5" >>"$WORK/during.$c"
			teardown $c >/dev/null 2>&1
			sleep 1
		done
		r=$((r + 1))
	done
	bare=$(median $(cat "$WORK/rates.bare"))
	echo "### $n spoofed sources"
	echo
	echo "| contender | flood rate, kpps | delivered | cost over bare XDP_DROP, ns per delivered SYN | client connected, of $tries per round | stack segs per delivered SYN | flood still on when the client was done, rounds |"
	echo "|---|---|---|---|---|---|---|"
	for c in $contenders; do
		rate=$(median $(cat "$WORK/rates.$c"))
		delivered=$(awk -v l="$(median $(cat "$WORK/lost.$c"))" -v n="$count" 'BEGIN { printf "%.3f", (n - l) / n }')
		# the time over bare is spent on the frames that reached s0
		cost=$(awk -v r="$rate" -v b="$bare" -v d="$delivered" 'BEGIN { if (r > 0 && b > 0 && d > 0) printf "%.0f", (1e9 / r - 1e9 / b) / d; else print "-" }')
		segs=$(awk -v s="$(median $(cat "$WORK/segs.$c"))" -v n="$count" -v d="$delivered" 'BEGIN { printf "%.3f", (d > 0 ? s / (n * d) : 0) }')
		echo "$c $cost" >>"$WORK/costs.$n"
		printf '| %s | %d | %s | %s | %s | %s | %s of %s |\n' "$c" $((rate / 1000)) "$delivered" \
			"$([ "$c" = bare ] && echo "0 (baseline)" || echo "$cost")" \
			"$(tr '\n' ' ' <"$WORK/client.$c")" "$segs" \
			"$(grep -c 1 "$WORK/during.$c")" "$rounds"
	done
	echo
	tx=$(awk '$1 == "bare-tx" { print $2 }' "$WORK/costs.$n")
	ck=$(awk '$1 == "cookies" { print $2 }' "$WORK/costs.$n")
	[ -n "$tx" ] && [ -n "$ck" ] &&
		echo "- of cookie mode's $ck ns, $tx ns is the bare XDP_TX floor of this path; the rest, $((ck - tx)) ns, is the cookie program (lookups, option parsing, SipHash, the SYN-ACK written)."
	for mine in cookies cookies-cap; do
		mc=$(awk -v c=$mine '$1 == c { print $2 }' "$WORK/costs.$n")
		[ -n "$mc" ] || continue
		for other in nftables:10 synproxy:3; do
			oc=$(awk -v c="${other%:*}" '$1 == c { print $2 }' "$WORK/costs.$n")
			[ -n "$oc" ] && awk -v s="$mc" -v o="$oc" -v name="${other%:*}" -v t="${other#*:}" -v m=$mine 'BEGIN {
				if (s > 0) printf "- %s costs %.1f times as much per spoofed SYN as synlimit %s (%s ns vs %s ns); target at least %s times: %s.\n", name, o / s, m, o, s, t, (o / s >= t ? "met" : "**falls short**")
				else printf "- synlimit %s costs nothing measurable over bare XDP_DROP; %s costs %s ns.\n", m, name, o }'
		done
	done
	echo
done

# ---- what cookie mode costs other packets ----
# An established connection from the server namespace to itself: its ACKs
# are looked up by the TC program and found established.
ip netns exec "$NS_S" python3 -c '
import socket, sys, time
c = socket.create_connection(("198.18.0.2", 25))
print(c.getsockname()[1], flush=True)
time.sleep(600)' >"$WORK/conn" &
BG_PIDS="$BG_PIDS $!"
sleep 0.5
cport=$(cat "$WORK/conn")
python3 - "$WORK" "$cport" "$(ip -n "$NS_S" -j link show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')" <<'EOF'
import struct, sys
work, cport, ifindex = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def frame(src, dst, sport, dport, flags):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, 5 << 4, flags, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + tcp

server, client = bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1])
open(work + "/ack.bin", "wb").write(frame(server, server, cport, 25, 0x10))
open(work + "/syn.bin", "wb").write(frame(client, server, 40000, 25, 0x02))
syn_len = 54
# struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex
open(work + "/xdp_ctx.bin", "wb").write(struct.pack("6I", 0, syn_len, 0, ifindex, 0, 0))
EOF
runs=1000000
[ $quick = 1 ] && runs=10000
prog_ns() { # PROG_ID DATA [CTX]: ns per run
	in_server bpftool prog run id "$1" data_in "$2" ${3:+ctx_in "$3"} repeat $runs 2>&1 |
		sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p'
}
sl -q attach s0 --limits "$WORK/limits" --syncookies on --synack-cap 0
tc_id=$(sl --json status | json .interfaces.0.syncookies.tc_program_id)
xdp_id=$(sl --json status | json .program_id)
connect_n 198.18.0.2 25 1 1 >/dev/null # verifies the client
ack_ns=$(prog_ns "$tc_id" "$WORK/ack.bin")
syn_on_ns=$(prog_ns "$xdp_id" "$WORK/syn.bin" "$WORK/xdp_ctx.bin")
sl -q attach s0 --syncookies off
syn_off_ns=$(prog_ns "$xdp_id" "$WORK/syn.bin" "$WORK/xdp_ctx.bin")
sl -q detach --all
echo "### What cookie mode costs other packets"
echo
echo "BPF_PROG_TEST_RUN of the attached programs (\`bpftool prog run ... repeat $runs\`), ns per packet:"
echo
echo "| packet | cookies off | cookies on |"
echo "|---|---|---|"
echo "| ACK of an established connection (TC ingress program: parse, socket lookup) | 0 (no TC program) | ${ack_ns:-?} |"
echo "| SYN of a verified source (XDP program: cookie checks, then its limit) | ${syn_off_ns:-?} | ${syn_on_ns:-?} |"
echo
echo "(A SYN answered with a cookie cannot be timed this way: the first run turns the frame into"
echo "a SYN-ACK, and repeats time that. Its cost is in the flood tables above.)"
echo "With cookies off the XDP program's path for packets that are not SYNs is unchanged, and"
echo "there is no TC program: the previous sections' non-SYN figures hold."
echo
finish
