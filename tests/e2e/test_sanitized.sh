#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# One pass of the command tests (and of the limits-file read tests) with
# synlimit built under ASan and UBSan (build/san/synlimit): every command
# runs at least once under the sanitizers, foreign pins included. A finding
# aborts the command with exit status 86 (the tests then fail on it), and
# its report is kept and shown here.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
san=$top/build/san/synlimit
if [ ! -x "$san" ]; then
	echo "SKIP: sanitizer pass: $san is not built (make test builds it)"
	exit 0
fi
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
export SYNLIMIT="$san"
export ASAN_OPTIONS="exitcode=86:abort_on_error=0:detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=86:print_stacktrace=1:log_path=$reports/ubsan"
# watch without LeakSanitizer: its leak check, stopping the process's
# threads at exit after SIGINT, once spun for minutes and held the whole
# pass up. ASan and UBSan still watch it; the other commands keep the
# leak check.
export WATCH_ENV="ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0"
for t in tests/e2e/test_commands.sh tests/e2e/test_hardening.sh tests/unit/test_limits_read.sh; do
	echo "# $t under ASan and UBSan"
	# the inner lines count as this test's own
	sh "$top/$t" 2>&1 | sed 's/^\(PASS\|FAIL\|SKIP\): /\1: [asan+ubsan] /'
done
if ls "$reports"/* >/dev/null 2>&1; then
	echo "FAIL: sanitizer reports from synlimit:"
	cat "$reports"/* | sed 's/^/    /'
else
	echo "PASS: no ASan or UBSan report from any synlimit command of the pass"
fi
