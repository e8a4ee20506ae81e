#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Floods absorbed on the veth path: tests/tools/synflood floods the server
# namespace as fast as it can while a real client connects, against each
# contender in turn (alternating, R rounds), for 1, 1K, 64K and 1M sources:
#   bare XDP_DROP (the baseline), synlimit native, synlimit generic,
#   an nftables meter, iptables hashlimit, and no protection.
# The generator and the server share the CPUs, so the flood rate follows the
# server's cost: cost per packet over bare = 1/rate - 1/rate_bare. Where
# synlimit drops the flood (1 and 1K sources) the server's CPU per packet is
# also measured directly, with perf, for bare, synlimit, nftables and
# iptables alike (server_ns), and the target's verdict is on that.
# Prints a markdown section. Usage: bench_flood.sh [--quick]; FLOOD_SIZES,
# FLOOD_CONTENDERS, FLOOD_ROUNDS, FLOOD_CPU_ROUNDS and FLOOD_COUNT narrow it
# to some rows.
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/contenders.sh"
need_root
need_tools bench_flood nft iptables ip6tables ethtool
topology_up
quick=0
[ "${1:-}" = "--quick" ] && quick=1
if [ $quick = 1 ]; then
	rounds=1
	count=100000
	sizes="1 1024"
	contenders="bare synlimit-native nftables iptables"
else
	rounds=3
	count=1500000
	sizes="1 1024 65536 1048576"
	contenders="bare synlimit-native synlimit-generic nftables iptables none"
fi
# rounds of the server CPU floods (1 and 1K sources)
cpu_rounds=5
[ $quick = 1 ] && cpu_rounds=1
# One row again, e.g. FLOOD_SIZES=1024 FLOOD_CONTENDERS="bare synlimit-native"
rounds=${FLOOD_ROUNDS:-$rounds}
count=${FLOOD_COUNT:-$count}
sizes=${FLOOD_SIZES:-$sizes}
contenders=${FLOOD_CONTENDERS:-$contenders}
cpu_rounds=${FLOOD_CPU_ROUNDS:-$cpu_rounds}

stats_was=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$stats_was; cleanup' EXIT

# GRO gives the veth NAPI, which it needs to take XDP_TX frames when no
# native program runs on it; on for every contender alike.
in_server ethtool -K s0 gro on >/dev/null 2>&1
start_server 198.18.0.2 25
bench_limits "$WORK/limits"

setup() {
	case $1 in
	synlimit-native) sl -q attach s0 --xdp-mode native --limits "$WORK/limits" --max-sources 1048576 ;;
	synlimit-generic) sl -q attach s0 --xdp-mode generic --limits "$WORK/limits" --max-sources 1048576 ;;
	*) contender_setup "$1" ;;
	esac
}

teardown() {
	case $1 in
	synlimit-*) sl -q detach --all ;;
	*) contender_teardown "$1" ;;
	esac
}

# One flood against what is set up: prints "RATE_PPS CONNECTED/TRIED"
measure() {
	ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" $(flood_args "$1") \
		-n "$count" >"$WORK/flood" 2>&1 &
	fpid=$!
	sleep 0.2
	client=$(connect_n 198.18.0.2 25 3 1)
	wait $fpid
	rate=$(sed -n 's/.*: \([0-9]*\) pps$/\1/p' "$WORK/flood")
	echo "${rate:-0} $(printf '%s' "$client" | tr -cd C | wc -c)/3"
}

# The server's CPU time per flood packet, whatever the contender does with
# it: perf samples both CPUs through a flood of its own (perf_flood), and
# poll_ns takes the time in s0's NAPI poll. Prints NS, or nothing without
# perf.
server_ns() {
	command -v perf >/dev/null 2>&1 || return 0
	perf_flood "$1" "$count" >/dev/null || return 0
	poll_ns "$flood_packets" <"$WORK/samples"
}

# The attached XDP program's own time per packet (kernel.bpf_stats_enabled)
# over a flood of its own: prints NS. Stats cost every program run a clock
# read or two, so they are on only here, never in the floods timed above.
prog_ns() {
	id=$(xdp_prog_id)
	run() { # "RUN_TIME_NS RUN_CNT" (bpftool shows them once the program has run)
		t=$(bpftool prog show id "$id" | sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p')
		echo "${t:-0 0}"
	}
	sysctl -qw kernel.bpf_stats_enabled=1
	before=$(run)
	measure "$1" >/dev/null
	after=$(run)
	sysctl -qw kernel.bpf_stats_enabled=0
	echo "$before $after" | awk '{ if ($4 > $2) printf "%.1f\n", ($3 - $1) / ($4 - $2); else print 0 }'
}

# nftables' and iptables' cost against synlimit's where perf cannot say
# (64K and 1M sources, or no perf): ratios N SL_COST SL_RATE_COST
ratios() {
	for other in nftables iptables; do
		oc=$(awk -v c=$other '$1 == c { print $2 }' "$WORK/costs.$1")
		[ -n "$oc" ] && awk -v s="$2" -v r="$3" -v o="$oc" -v name=$other -v n="$1" 'BEGIN {
			how = (s == r) ? "by the flood rates" : (r > 0 ? sprintf("by its rate, synlimit by its program time; by the rates alone %.1f times", o / r) : "by its rate, synlimit by its program time; the rates alone cannot tell synlimit from bare XDP_DROP here")
			if (s > 0) printf "\n%s costs %.1f times as much per packet as synlimit native (%s ns vs %s ns %s, %s source%s); target at least 10 times: %s.\n", name, o / s, o, s, how, n, (n == 1 ? "" : "s"), (o / s >= 10 ? "met" : "**falls short**")
			else printf "\nsynlimit native costs nothing measurable over bare XDP_DROP here; %s costs %s ns.\n", name, o }'
	done
}

# The server CPU rounds of N sources ($WORK/cpu.N: "ROUND CONTENDER NS"):
# each contender's cost over bare XDP_DROP in its round, as "median (min ..
# max)"; server_cost N CONTENDER
server_cost() {
	set -- $(stats3 $(awk -v c="$2" '$2 == "bare" { b[$1] = $3 } $2 == c { v[$1] = $3 }
		END { for (r in v) if (r in b) printf "%.0f\n", v[r] - b[r] }' "$WORK/cpu.$1"))
	[ $# -eq 3 ] && echo "$1 ($2 .. $3)"
}

# The same rounds' ratios of OTHER's cost to synlimit native's, round by
# round (their floods seconds apart): "median min max"; server_ratio N OTHER
server_ratio() {
	stats3 $(awk -v c="$2" '{ v[$2, $1] = $3; r[$1] = 1 }
		END { for (i in r) if ((c, i) in v && v["synlimit-native", i] > v["bare", i])
			printf "%.1f\n", (v[c, i] - v["bare", i]) / (v["synlimit-native", i] - v["bare", i]) }' "$WORK/cpu.$1")
}

stats3() { # values... -> "median min max"
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], v[1], v[NR] }'
}

echo "## Floods absorbed on the veth path"
echo
echo "tests/tools/synflood floods s0 in the server namespace with $count SYNs as fast as it can"
echo "while a real client from 198.18.0.1 makes 3 connections; $rounds round(s), the contenders"
echo "alternating within each round. The generator and the server share the two CPUs, so the"
echo "flood rate follows the server's cost: cost per packet over bare XDP_DROP is"
echo "1/rate - 1/rate_bare. Limits: 5 SYNs per 5 s per source (synlimit \`* 5/5s\`, nftables"
echo "\`meter ... limit rate over 1/second burst 5\`, iptables \`hashlimit --hashlimit-above 1/sec"
echo "--hashlimit-burst 5\`), the client's address allowed; 1M sources are IPv6."
echo
echo "\"client connected\" counts connections completed within 1 s, one column per round. On veth the"
echo "flood and the client's SYNs share the receiving ring, so at the highest flood rates a client"
echo "SYN can be lost in the ring before any filter sees it (bare XDP_DROP drops the client too)."
echo "With many sources nearly every SYN is within its source's limit and passes to the stack, so"
echo "the stack's work dominates every contender's cost there."
echo
for n in $sizes; do
	for c in $contenders; do
		: >"$WORK/rates.$c"
		: >"$WORK/client.$c"
	done
	r=0
	while [ $r -lt $rounds ]; do
		for c in $contenders; do
			setup $c >/dev/null 2>&1
			set -- $(measure $n)
			echo "$1" >>"$WORK/rates.$c"
			echo "$2" >>"$WORK/client.$c"
			teardown $c >/dev/null 2>&1
		done
		# where synlimit drops the flood (each source's first 5 SYNs pass)
		for c in bare bare-read synlimit-native; do
			[ "$n" -le 1024 ] || break
			setup $c >/dev/null 2>&1
			prog_ns $n >>"$WORK/progns.$c.$n"
			teardown $c >/dev/null 2>&1
		done
		r=$((r + 1))
	done
	# the server's CPU per packet, where synlimit drops the flood; its own
	# rounds, each contender once a round, back to back
	: >"$WORK/cpu.$n"
	r=0
	while [ "$n" -le 1024 ] && [ $r -lt $cpu_rounds ]; do
		for c in bare synlimit-native nftables iptables; do
			setup $c >/dev/null 2>&1
			ns=$(server_ns $n)
			[ -n "$ns" ] && echo "$r $c $ns" >>"$WORK/cpu.$n"
			teardown $c >/dev/null 2>&1
		done
		r=$((r + 1))
	done
	set -- $(stats3 $(cat "$WORK/rates.bare"))
	bare=$1
	echo "### $n source$([ "$n" = 1 ] || echo s)"
	echo
	echo "| contender | flood rate, kpps: median (min .. max) | cost over bare XDP_DROP, ns/packet | client connected |"
	echo "|---|---|---|---|"
	for c in $contenders; do
		set -- $(stats3 $(cat "$WORK/rates.$c"))
		cost=$(awk -v r="$1" -v b="$bare" 'BEGIN { if (r > 0 && b > 0) printf "%.0f", 1e9 / r - 1e9 / b; else print "-" }')
		echo "$c $cost" >>"$WORK/costs.$n"
		printf '| %s | %d (%d .. %d) | %s | %s |\n' "$c" $(($1 / 1000)) $(($2 / 1000)) $(($3 / 1000)) \
			"$([ "$c" = bare ] && echo "0 (baseline)" || echo "$cost")" "$(tr '\n' ' ' <"$WORK/client.$c")"
	done
	sl_cost=$(awk '$1 == "synlimit-native" { print $2 }' "$WORK/costs.$n")
	if [ "$n" -gt 1024 ]; then
		ratios "$n" "$sl_cost" "$sl_cost"
		echo
		continue
	fi
	sl_rate_cost=$sl_cost
	set -- $(stats3 $(cat "$WORK/progns.bare.$n"))
	pb=$1 pb_lo=$2 pb_hi=$3
	set -- $(stats3 $(cat "$WORK/progns.bare-read.$n"))
	pr=$1 pr_lo=$2 pr_hi=$3
	set -- $(stats3 $(cat "$WORK/progns.synlimit-native.$n"))
	sl_cost=$(awk -v s="$1" -v b="$pb" 'BEGIN { printf "%.0f", s - b }')
	read_cost=$(awk -v r="$pr" -v b="$pb" 'BEGIN { printf "%.0f", r - b }')
	echo
	echo "XDP program time per packet (kernel.bpf_stats_enabled, in floods of their own after each"
	echo "round): bare $pb ns ($pb_lo .. $pb_hi), synlimit native $1 ns ($2 .. $3): synlimit costs"
	echo "**$sl_cost ns** per packet over bare XDP_DROP. Everything else the server does with a dropped"
	echo "flood packet (the veth ring, the page returned) is the same for both; left out are the 5"
	echo "SYNs of each source that pass to the stack ($((5 * n)) of $count, for every contender alike)."
	echo "The flood rates above estimate synlimit's cost as ${sl_rate_cost:-?} ns, through their spread."
	if awk -v r="$pr" -v b="$pb_lo" 'BEGIN { exit !(r > 0 && r >= b) }'; then
		echo "Of it, reading the packet's headers (bare-read: an XDP program that reads the first and"
		echo "last header bytes a SYN's parse reads and drops, $pr ns ($pr_lo .. $pr_hi)) is $read_cost ns, which"
		echo "every filter that looks at the packet pays; the rest, $((sl_cost - read_cost)) ns, is synlimit's own"
		echo "work (medians of separate floods: compare the ranges)."
	else
		echo "bare-read (the header read alone) measured ${pr:-nothing} ns, under bare's least: it did not"
		echo "run, and synlimit's cost is not split."
	fi
	if [ ! -s "$WORK/cpu.$n" ]; then
		echo
		echo "The server's CPU per packet was not measured (perf is not installed): the verdict is"
		echo "on synlimit's program time against the contenders' flood rates."
		ratios "$n" "$sl_cost" "$sl_rate_cost"
		echo
		continue
	fi
	echo
	echo "The server's CPU per flood packet ($cpu_rounds round(s) of their own, each contender flooded"
	echo "once a round, back to back: \`perf record -a -g -F 10000\` through the flood, the time of the"
	echo "samples inside veth_poll, s0's NAPI poll, where the server does all it does with a flood"
	echo "packet, over the frames that reached s0), over bare XDP_DROP's in the same round:"
	echo
	echo "| contender | server CPU per packet over bare XDP_DROP, ns: median (min .. max) |"
	echo "|---|---|"
	for c in synlimit-native nftables iptables; do
		echo "| $c | $(server_cost $n $c) |"
	done
	bare_cpu=$(stats3 $(awk '$2 == "bare" { print $3 }' "$WORK/cpu.$n"))
	echo
	echo "Bare XDP_DROP's own: $(echo $bare_cpu | awk '{ printf "%s ns (%s .. %s)", $1, $2, $3 }') a packet."
	for other in nftables iptables; do
		set -- $(server_ratio $n $other)
		[ $# -eq 3 ] || continue
		echo
		echo "$other costs the server $1 times as much CPU per flood packet as synlimit native"
		echo "(median of the rounds' ratios, $2 .. $3; $n source$([ "$n" = 1 ] || echo s)); target at least 10 times: $(awk -v r="$1" 'BEGIN { print (r >= 10 ? "met" : "**falls short**") }')."
	done
	echo
	echo "By synlimit's program time against the contenders' flood rates (the measure of earlier runs):"
	ratios "$n" "$sl_cost" "$sl_rate_cost" | sed -e '/^$/d' -e 's/; target at least 10 times: .*\./\./' -e 's/^/- /'
	echo
	echo "Where synlimit native's time goes in such a flood: one more flood of $count SYNs under"
	echo "\`perf record -a -g\`, its samples in the program and the helpers it called mapped to the"
	echo "program's source lines (\`sh tests/bench/profile_flood.sh $n $count\` does the same on its"
	echo "own). cpu-clock samples: a stretch run with interrupts off lands on the line that turns them"
	echo "back on (the lock's unlock)."
	echo
	setup synlimit-native >/dev/null 2>&1
	profile_synlimit "$n" "$count" 12 2>&1 | sed -e '/^[a-z]/s/^/- /'
	teardown synlimit-native >/dev/null 2>&1
	echo
done
finish
