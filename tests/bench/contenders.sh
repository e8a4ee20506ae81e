# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Sourced by bench_flood.sh, bench_cookies.sh and profile_flood.sh: the
# contenders they measure, set up and removed in the server namespace
# (tests/e2e/lib.sh's in_server), and what their floods share. Limits: 5
# SYNs per 5 s per source, the client 198.18.0.1 accepted.

# The same limits as synlimit's file: bench_limits FILE
bench_limits() {
	printf '*             5/5s strict\n198.18.0.1    allow\n' >"$1"
}

# The generator's source and destination for N sources: prints its options
flood_args() {
	if [ "$1" -gt 65536 ]; then
		echo "--src 2001:db8:100:: --sources $1 --random --dst 2001:db8::2"
	elif [ "$1" = 1 ]; then
		echo "--src 198.18.1.66 --sources 1 --dst 198.18.0.2"
	else
		echo "--src 198.18.0.0 --sources $1 --random --dst 198.18.0.2"
	fi
}

# The id of the XDP program on s0
xdp_prog_id() {
	in_server ip link show dev s0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'
}

# The server's CPU time a packet, from `perf script -F period,ip,sym` of a
# `perf record -a -g` on stdin: the time of the samples taken inside
# veth_poll, the NAPI poll of s0, where the server does everything with a
# flood packet (the XDP program, or the skb, GRO, netfilter and the TCP
# stack, and the page given back), over PACKETS. c0 has no NAPI poll (no XDP
# program, GRO off), so no sample of the client side counts. Prints NS, or
# nothing without samples: poll_ns PACKETS
poll_ns() {
	awk -v n="$1" 'function flush() { if (inpoll) t += period; period = 0; inpoll = 0 }
		/^ *[0-9]+ *$/ { flush(); period = $1; next }
		/(^|[ \t])veth_poll$/ { inpoll = 1 }
		END { flush(); if (n > 0 && t > 0) printf "%.1f\n", t / n }'
}

# A flood of COUNT SYNs from SOURCES sources under `perf record -a -g`
# (cpu-clock, 10 kHz, with call chains): its samples as `perf script -F
# period,ip,sym` in $WORK/samples, the frames that reached s0 in
# flood_packets; prints synflood's summary. Fails without a recording.
# perf_flood SOURCES COUNT
perf_flood() {
	lost=$(xmit_lost)
	perf record -q -a -g -F 10000 -o "$WORK/perf.data" -- ip netns exec "$NS_C" "$TOP/build/synflood" \
		-i c0 --dst-mac "$(server_mac)" $(flood_args "$1") -n "$2" >"$WORK/perf.flood" 2>&1 ||
		return 1
	sed -n 's/^synflood: //p' "$WORK/perf.flood"
	flood_packets=$(($2 - ($(xmit_lost) - lost)))
	perf script -i "$WORK/perf.data" -F period,ip,sym 2>/dev/null >"$WORK/samples"
	rm -f "$WORK/perf.data"
}

# Where synlimit's time goes through a flood of COUNT SYNs from SOURCES
# sources, synlimit attached to s0 (perf_flood): the samples in the program
# (and the helpers it called) mapped to its lines through its JIT line info
# (prog_lines, profile_lines.py, its LINES busiest lines), and the server's
# CPU a packet in s0's NAPI poll (poll_ns).
# profile_synlimit SOURCES COUNT [LINES]
profile_synlimit() {
	perf_flood "$1" "$2" || return 1
	"$TOP/build/tests/prog_lines" "$(xdp_prog_id)" >"$WORK/lines" || return 1
	echo "synlimit native, $1 source(s), $flood_packets SYNs reached s0"
	echo "server CPU in s0's NAPI poll: $(poll_ns "$flood_packets" <"$WORK/samples") ns a packet (bare XDP_DROP included)"
	echo
	python3 "$TOP/tests/bench/profile_lines.py" "$WORK/lines" "$flood_packets" ${3:-} <"$WORK/samples"
}

contender_setup() {
	case $1 in
	bare) in_server ip link set dev s0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_drop ;;
	bare-read) in_server ip link set dev s0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_read ;;
	nftables)
		in_server nft -f - <<'NFT'
table inet synbench {
	chain prerouting {
		type filter hook prerouting priority -300; policy accept;
		ip saddr 198.18.0.1 accept
		tcp flags & (syn | ack) == syn meter syn4 size 1048576 { ip saddr limit rate over 1/second burst 5 packets } drop
		tcp flags & (syn | ack) == syn meter syn6 size 1048576 { ip6 saddr limit rate over 1/second burst 5 packets } drop
	}
}
NFT
		;;
	iptables)
		in_server iptables -t raw -A PREROUTING -s 198.18.0.1 -j ACCEPT
		in_server iptables -t raw -A PREROUTING -p tcp --syn -m hashlimit --hashlimit-above 1/sec \
			--hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name synb \
			--hashlimit-htable-size 1048576 --hashlimit-htable-max 1048576 -j DROP
		in_server ip6tables -t raw -A PREROUTING -p tcp --syn -m hashlimit --hashlimit-above 1/sec \
			--hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name synb6 \
			--hashlimit-htable-size 1048576 --hashlimit-htable-max 1048576 -j DROP
		;;
	none) ;;
	esac
}

contender_teardown() {
	case $1 in
	bare | bare-read) in_server ip link set dev s0 xdp off ;;
	nftables) in_server nft delete table inet synbench ;;
	iptables)
		in_server iptables -t raw -F PREROUTING
		in_server ip6tables -t raw -F PREROUTING
		;;
	none) ;;
	esac
}
