#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench: every benchmark, measured in this run on this machine, into
# build/bench/report.md with the machine, the kernel and the commands.
# --quick: a smoke run of seconds (make test runs it so the bench cannot rot).
set -u
cd "$(dirname "$0")/../.." || exit 1
quick=""
[ "${1:-}" = "--quick" ] && quick=--quick
mkdir -p build/bench
report=build/bench/report${quick:+-quick}.md
start=$(date +%s)
# The per-packet target rows are taken in passes spread over the run
# (tests/bench/targets.sh): a slow stretch of a shared machine then decides
# one pass, not a verdict. --quick: the first and the last pass only.
targets() { sh tests/bench/targets.sh $quick "$@"; }
if [ -n "$quick" ]; then
	where="one before bench_prog, one at the end"
else
	where="before bench_prog, after it, after the veth floods, between the cookie floods' two sizes, at the end"
fi
targets start
{
	echo "# synlimit benchmarks"
	echo
	echo "Measured $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`make bench\` (tests/bench/run.sh${quick:+ --quick})."
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| CPU | $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs |"
	echo "| kernel | $(uname -r) |"
	echo "| clocksource | $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null) |"
	echo "| synlimit | $(git describe --always --dirty 2>/dev/null || echo unknown) |"
	echo
	echo "Commands: \`build/tests/bench_prog $quick\` (per-packet cost, memory, two CPUs),"
	echo "\`sh tests/bench/bench_flood.sh $quick\` (floods on the veth path), \`sh tests/bench/bench_cookies.sh"
	echo "$quick\` (spoofed floods against cookie mode and the alternatives) and \`build/tests/bench_prog"
	echo "$quick --targets\` (the per-packet targets' rows again: $where)."
	echo
	targets pass
	build/tests/bench_prog $quick
	echo
	[ -n "$quick" ] || targets pass
	sh tests/bench/bench_flood.sh $quick
	[ -n "$quick" ] || targets pass
	BENCH_BETWEEN_SIZES="sh '$PWD/tests/bench/targets.sh' $quick pass" sh tests/bench/bench_cookies.sh $quick
	targets pass
	targets report "$where"
	echo "Run time: $(($(date +%s) - start)) s."
} >"$report" 2>&1
rc=$?
echo "report: $report"
exit $rc
