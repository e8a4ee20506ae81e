#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Run the limits parser fuzzer for $1 seconds (default 20) from the golden
# files as a seed corpus; reports one PASS or FAIL line.
set -u
cd "$(dirname "$0")/../.." || exit 1
secs=${1:-20}
bin=build/tests/fuzz_limits
corpus=build/fuzz/corpus
if [ ! -x "$bin" ]; then
	echo "SKIP: limits parser fuzzing: $bin not built (needs clang's libFuzzer, libclang-rt-14-dev)"
	exit 0
fi
mkdir -p "$corpus" build/fuzz/crashes
cp tests/limits/*/*.limits "$corpus"/ 2>/dev/null
log=build/fuzz/fuzz.log
"$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix=build/fuzz/crashes/ "$corpus" >"$log" 2>&1
rc=$?
runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -n 1)
if [ $rc -eq 0 ]; then
	echo "PASS: limits parser fuzzed for ${secs}s under ASan+UBSan: ${runs:-?}, no crash or leak"
else
	echo "FAIL: limits parser fuzzing found a problem (exit $rc): see $log and build/fuzz/crashes/"
	grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5
fi
