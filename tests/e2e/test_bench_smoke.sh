#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The benchmarks in miniature (seconds), so that make bench cannot rot:
# every table must come out with numbers.
set -u
cd "$(dirname "$0")/../.." || exit 1
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: bench smoke: needs root"
	exit 0
fi
sh tests/bench/run.sh --quick >/dev/null 2>&1
report=build/bench/report-quick.md
check() { # NAME PATTERN
	if grep -Eq "$2" "$report"; then
		echo "PASS: bench smoke: $1"
	else
		echo "FAIL: bench smoke: $1: no line matching '$2' in $report:"
		sed 's/^/    /' "$report" | head -n 60
	fi
}
check "per-packet cost of a SYN from a blocked source" '^\| IPv4 SYN, blocked source \| [0-9.]+ \| [0-9.]+ \| \*\*-?[0-9.]+\*\*'
check "per-packet cost of a new source" '^\| IPv6 SYN, new source, table full \(65536 entries\) .* \| \*\*-?[0-9.]+\*\*'
check "new sources back to back" '^\| IPv6 SYNs, new sources back to back \(a spoofed flood\), table full \(65536 entries\) .* \| \*\*-?[0-9.]+\*\*'
check "a new source cut short after each stage" '^\| new source, cut after stage 5: .* \| \*\*-?[0-9.]+\*\*'
check "a new source through the whole program" '^\| new source, the whole program \(\+ the first attempt.s record\) \| [0-9.]+ \| [0-9.]+ \| \*\*-?[0-9.]+\*\*'
check "a non-SYN packet cut after its parse" '^\| non-SYN, cut after stage 6: .* \| \*\*-?[0-9.]+\*\*'
check "a non-SYN packet through the whole program" '^\| non-SYN, the whole program .* \| [0-9.]+ \| [0-9.]+ \| \*\*-?[0-9.]+\*\*'
check "target of a new source" '^\| <= 150 ns for a new source, full table \(new sources back to back\) \| -?[0-9.]+ ns \| (met|\*\*falls short\*\*) \|'
check "memory per tracked source" 'per tracked source'
check "two CPUs" '^\| synlimit, disjoint blocked sources \| [0-9.]+ \| [0-9.]+ \|'
check "flood rate of synlimit native" '^\| synlimit-native \| [0-9]+ \('
check "flood rate of nftables" '^\| nftables \| [0-9]+ \('
check "flood rate of iptables" '^\| iptables \| [0-9]+ \('
check "server CPU per flood packet of synlimit native" '^\| synlimit-native \| -?[0-9]+ \(-?[0-9]+ \.\. -?[0-9]+\) \|$'
check "server CPU per flood packet of nftables" '^\| nftables \| -?[0-9]+ \(-?[0-9]+ \.\. -?[0-9]+\) \|$'
check "the veth flood's profile: the program's time" '^- program and its helpers: [0-9.]+ ns a packet$'
check "the veth flood's profile: its groups" '^\| flood cache lookup \| [0-9.]+ \| [0-9]+% \|$'
check "target verdicts" '^\| <= 60 ns for a SYN from a known source under its limit \| -?[0-9.]+ ns \| (met|\*\*falls short\*\*) \|'
check "target of a blocked source" '^\| <= 40 ns for a SYN from a blocked source \| -?[0-9.]+ ns \| (met|\*\*falls short\*\*) \|'
# --quick takes the target rows in 2 passes: each target's line has both
# passes' figures (their fast figures in brackets), the medians and verdicts
check "target passes across the run" '^\| target \| pass 1, [0-9:]+Z \| pass 2, [0-9:]+Z \| median of 2 \| \| fast stretches, median of 2 \| \|$'
check "known source across the run" '^\| <= 60 ns for a SYN from a known source under its limit \|( -?[0-9.]+ \(-?[0-9.]+\) \|){2}( -?[0-9.]+ ns \| (met|\*\*falls short\*\*) \|){2}$'
check "new sources across the run" '^\| <= 150 ns for a new source, full table \(new sources back to back\) \|( -?[0-9.]+ \(-?[0-9.]+\) \|){2}( -?[0-9.]+ ns \| (met|\*\*falls short\*\*) \|){2}$'
check "the yardstick across the run, no verdict" '^\| yardstick: 85 ALU instructions, no memory \(part_alu\) \|( -?[0-9.]+ \(-?[0-9.]+\) \|){2}( -?[0-9.]+ ns \| \|){2}$'
check "fast stretches in the one-pass targets" '^\| <= 40 ns for a SYN from a blocked source \| -?[0-9.]+ ns \| (met|\*\*falls short\*\*) \| -?[0-9.]+ ns \| (met|\*\*falls short\*\*) \|$'
check "every pass's rows" '^\| 2 \| [0-9:]+Z \| IPv4 SYN, blocked source \| [0-9.]+ \| [0-9.]+ \| \*\*-?[0-9.]+\*\*'
check "the coarse clock's resolution" '^bpf_ktime_get_coarse_ns\(\) resolution here: steps of [0-9.]+ ms'
# a cost can come out below 0 in seconds-long runs on a shared machine
check "cookie mode against a spoofed flood" '^\| cookies \| [0-9]+ \| [0-9.]+ \| -?[0-9]+ \| [0-9 ]+\| [0-9.]+ \|'
check "an established ACK at the TC program" '^\| ACK of an established connection .* \| [0-9]+ \|$'
# the veth profiler (tests/bench/profile_flood.sh), on a short flood
sh tests/bench/profile_flood.sh 1 1000000 >build/bench/profile-quick.txt 2>&1
report=build/bench/profile-quick.txt
check "profile: the program's time a packet" '^program and its helpers: [0-9.]+ ns a packet$'
check "profile: groups of lines" '^\| [a-z][a-z ,:()'"'"'-]+ \| [0-9.]+ \| [0-9]+% \|$'
check "profile: lines of the program's source" '^\| `[0-9]+  .+` \| [0-9.]+ \|$'
