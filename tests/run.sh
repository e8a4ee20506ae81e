#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Run every test program and script; each prints PASS:/FAIL:/SKIP: lines.
# TESTS="test_rate flood.sh fuzz": only the tests so named (as "== NAME"
# prints them, with or without the test_ prefix and the extension).
# Ends with the line CI reads: "N passed, N failed, N skipped".
# A program that dies without its summary counts as one more failure.
set -u
cd "$(dirname "$0")/.." || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
crashed=0
ran=""
TESTS=${TESTS:-}

# What a name is compared by: no test_ prefix, no extension, no "(...)".
key() {
	k=${1%% *}
	k=${k#test_}
	echo "${k%.*}"
}

wanted() {
	[ -z "$TESTS" ] && return 0
	for w in $TESTS; do
		[ "$(key "$w")" = "$(key "$1")" ] && return 0
	done
	return 1
}

run() {
	name=$1
	shift
	wanted "$name" || return 0
	ran="$ran $(key "$name")"
	echo "== $name"
	"$@" >"$log.out" 2>&1
	rc=$?
	cat "$log.out"
	cat "$log.out" >>"$log"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL:' "$log.out"; then
		echo "FAIL: $name exited with status $rc and reported no failure"
		crashed=$((crashed + 1))
	fi
	rm -f "$log.out"
}

for t in build/tests/test_*; do
	[ -x "$t" ] && run "$(basename "$t")" "$t"
done
for t in tests/unit/test_*.sh tests/e2e/test_*.sh; do
	[ -f "$t" ] && run "$(basename "$t")" sh "$t"
done
run "fuzz (limits parser)" sh tests/fuzz/run.sh "${FUZZ_SECONDS:-20}"
for w in $TESTS; do
	case " $ran " in
	*" $(key "$w") "*) ;;
	*) echo "FAIL: TESTS names '$w', and there is no such test" | tee -a "$log" ;;
	esac
done

passed=$(grep -c '^PASS:' "$log")
failed=$(($(grep -c '^FAIL:' "$log") + crashed))
skipped=$(grep -c '^SKIP:' "$log")
echo
grep '^FAIL:' "$log" | sed 's/^/  /'
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
