#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Golden files for the limits parser: `synlimit -v check FILE` on every
# tests/limits/*/*.limits must print exactly FILE's .expected (messages and
# the exit status). UPDATE=1 rewrites the .expected files, to be reviewed.
# LIMITS_DIR runs another tree of golden files (tests/unit/test_golden_exit.sh).
# Exits non-zero when any file fails.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SYNLIMIT:-$top/build/synlimit}
cd "${LIMITS_DIR:-$top/tests/limits}" || exit 1
out=$(mktemp)
trap 'rm -f "$out" "$out.diff"' EXIT
failed=0
for f in valid/*.limits invalid/*.limits; do
	args=""
	[ -f "${f%.limits}.args" ] && args=$(cat "${f%.limits}.args")
	# shellcheck disable=SC2086
	"$bin" -v check $args "$f" >"$out" 2>&1
	echo "exit $?" >>"$out"
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$out" "${f%.limits}.expected"
		echo "SKIP: $f: expected output rewritten (UPDATE=1), review it"
	elif [ ! -f "${f%.limits}.expected" ]; then
		echo "FAIL: $f: no ${f%.limits}.expected"
		failed=$((failed + 1))
	elif diff -u "${f%.limits}.expected" "$out" >"$out.diff"; then
		echo "PASS: limits golden $f: $(tail -n 1 "$out"), $(($(wc -l <"$out") - 1)) lines as expected"
	else
		echo "FAIL: limits golden $f: output differs from ${f%.limits}.expected:"
		sed 's/^/    /' "$out.diff"
		failed=$((failed + 1))
	fi
	rm -f "$out.diff"
done
[ "$failed" -eq 0 ]
