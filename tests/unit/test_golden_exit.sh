#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The golden-file test's own exit status: on a copy of tests/limits with one
# .expected made wrong it must print a FAIL line and exit non-zero (tests/run.sh
# and CI rely on both), and on the untouched copy exit 0.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$top/tests/limits" "$work/limits"
golden() { LIMITS_DIR="$work/limits" sh "$top/tests/unit/test_limits_golden.sh" >"$work/out" 2>&1; }

golden
rc=$?
if [ $rc -eq 0 ] && ! grep -q '^FAIL:' "$work/out"; then
	echo "PASS: golden test on an untouched copy: exit 0, no FAIL line"
else
	echo "FAIL: golden test on an untouched copy: exit $rc:"
	sed 's/^/    /' "$work/out"
fi

f=$(ls "$work"/limits/valid/*.expected | head -n 1)
echo "a line the parser never prints" >>"$f"
golden
rc=$?
# the inner FAIL line is reported here in other words: run.sh counts FAIL lines
if [ $rc -ne 0 ] && grep -q "^FAIL: limits golden valid/$(basename "${f%.expected}").limits" "$work/out"; then
	echo "PASS: golden test with a wrong $(basename "$f"): prints its failure and exits $rc"
else
	echo "FAIL: golden test with a wrong $(basename "$f"): expected a failure line and a non-zero exit, got exit $rc:"
	sed 's/^/    /' "$work/out"
fi
