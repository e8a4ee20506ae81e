#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The per-packet targets across a make bench. One row's 21 rounds take about
# 2 s, and this kind of shared machine is slow in stretches of seconds to
# minutes, so a verdict read from one run of a row is the verdict of one
# stretch. make bench takes the target rows in several passes spread over
# its run, and judges each target by the median of its passes:
#   start         forget the passes of an earlier run
#   pass          measure the target rows once more (bench_prog --targets)
#   report WHERE  the markdown section: every pass with its UTC time, the
#                 median, the verdict; WHERE says when the passes were taken
# --quick: make test's smoke run (packet counts and files of its own).
# Usage: targets.sh [--quick] start | pass | report WHERE
set -u
cd "$(dirname "$0")/../.." || exit 1
quick=""
[ "${1:-}" = "--quick" ] && quick=--quick && shift
passes=build/bench/targets${quick:+-quick}.tsv # PASS TIME TARGET OVERHEAD_NS BOUND_NS FAST_NS
rows=build/bench/targets-rows${quick:+-quick}.md # each pass's rows of bench_prog

# The number the next pass gets.
next_pass() {
	echo $(($(cut -f1 "$passes" | sort -u | wc -l) + 1))
}

pass() {
	n=$(next_pass)
	time=$(date -u +%H:%M:%SZ)
	out=$(build/tests/bench_prog $quick --targets) || {
		echo "targets.sh: pass $n at $time failed" >&2
		return 1
	}
	printf '%s\n' "$out" | awk -F '\t' -v OFS='\t' -v n="$n" -v t="$time" \
		'$1 == "target" || $1 == "yardstick" { print n, t, $2, $3, $4, $5 }' >>"$passes"
	printf '%s\n' "$out" | sed -n "s/^| /| $n | $time | /p" >>"$rows"
}

# One line a target, in the order of its first pass: every pass's figure
# (its fast figure in brackets), the median of the passes (the mean of the
# middle two for an even count) and met against the bound, for both. The
# yardstick (bound "-") has no verdict.
targets_table() {
	awk -F '\t' '
	function median(name, col,    n, p, i, j, x, v) {
		n = 0
		for (p = 1; p <= last; p++)
			if ((name, p) in ns)
				v[++n] = (col == 4 ? ns[name, p] : fast[name, p]) + 0
		for (i = 2; i <= n; i++) # insertion sort: a handful of passes
			for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
				x = v[j]; v[j] = v[j - 1]; v[j - 1] = x
			}
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	function verdict(name, x) {
		return bound[name] == "-" ? " " : x <= bound[name] ? " met " : " **falls short** "
	}
	!($3 in bound) { order[++targets] = $3; bound[$3] = $5 }
	!($1 in time) { time[$1] = $2; if ($1 > last) last = $1 }
	{ ns[$3, $1] = $4; fast[$3, $1] = $6 }
	END {
		printf "| target |"
		for (p = 1; p <= last; p++)
			printf " pass %d, %s |", p, time[p]
		printf " median of %d | | fast stretches, median of %d | |\n|---|", last, last
		for (p = 1; p <= last + 4; p++)
			printf "---|"
		printf "\n"
		for (t = 1; t <= targets; t++) {
			name = order[t]
			printf "| %s |", name
			for (p = 1; p <= last; p++)
				if ((name, p) in ns)
					printf " %s (%s) |", ns[name, p], fast[name, p]
				else
					printf " - |"
			m = median(name, 4)
			f = median(name, 6)
			printf " %.1f ns |%s| %.1f ns |%s|\n", m, verdict(name, m), f, verdict(name, f)
		}
	}' "$passes"
}

report() {
	where=$1
	echo "## Targets across the run"
	echo
	if [ ! -s "$passes" ]; then
		echo "No pass of the target rows was measured in this run (see the errors above)."
		echo
		return 1
	fi
	echo "\`build/tests/bench_prog $quick --targets\` measured the rows of the per-packet targets"
	echo "again, each set up as in the full run and measured as in its table (bare XDP_DROP and"
	echo "synlimit alternating, the median overhead of the rounds in ns), in $(($(next_pass) - 1)) passes"
	echo "spread over this run. Each target is judged by the median of its passes (of an even"
	echo "number, the mean of the middle two), so that one slow stretch of the machine moves one"
	echo "pass, not the verdict. The targets table of bench_prog above is a single pass of its own,"
	echo "taken during its full run, and is not one of these. Memory per tracked source is not a"
	echo "timing: its figure is the one in that table."
	echo
	echo "Fast stretches: this machine's speed per instruction changes by up to twice over"
	echo "seconds, and a pass's median is that of the stretch it fell in. Each pass also gives,"
	echo "in brackets, the first quartile of synlimit's rounds minus that of bare XDP_DROP's (of"
	echo "the same rounds): the cost in the faster stretches, judged the same way. The yardstick,"
	echo "a program of fixed ALU work measured like the targets, shows the swing: its work never"
	echo "changes."
	echo
	echo "When the passes were taken: $where (the column heads give each pass's start, UTC)."
	echo
	targets_table
	echo
	echo "Every pass's rows:"
	echo
	echo "| pass | UTC | case | bare XDP_DROP ns | synlimit ns | overhead ns | ratio |"
	echo "|---|---|---|---|---|---|---|"
	cat "$rows"
	echo
}

case "${1:-}" in
start) mkdir -p build/bench && : >"$passes" && : >"$rows" ;;
pass) pass ;;
report) report "${2:-?}" ;;
*)
	echo "usage: targets.sh [--quick] start | pass | report WHERE" >&2
	exit 2
	;;
esac
