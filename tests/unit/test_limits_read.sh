#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# How a limits file is read (`synlimit check`, the same read as attach and
# reload): a FIFO is refused at once instead of waiting for a writer; a file
# whose size says 0 but which has content (/proc) is refused; a file rewritten
# in place while commands read it is either read whole or refused, never taken
# empty or in part.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SYNLIMIT:-$top/build/synlimit}
work=$(mktemp -d)
writer=""
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# expect NAME RC PATTERN COMMAND...: exit status and a line of its output
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	"$@" >"$work/out" 2>&1
	got=$?
	if [ "$got" = "$want" ] && grep -q -- "$pattern" "$work/out"; then
		echo "PASS: $name: exit $got, '$pattern'"
	else
		echo "FAIL: $name: expected exit $want and a line '$pattern', got exit $got:"
		sed 's/^/    /' "$work/out"
	fi
}

mkfifo "$work/fifo"
start=$(date +%s%N)
expect "a FIFO as limits file" 2 "fifo: not a regular file" timeout 10 "$bin" check "$work/fifo"
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -lt 2000 ]; then
	echo "PASS: a FIFO is refused at once (${ms} ms), not after waiting for a writer"
else
	echo "FAIL: a FIFO took ${ms} ms to refuse (it waited for a writer)"
fi
expect "a directory as limits file" 2 "not a regular file" "$bin" check "$work"
expect "a /proc file (size 0, content) is refused" 2 \
	"/proc/version: [0-9]* bytes read, but its size is 0" "$bin" check /proc/version
: >"$work/empty.limits"
expect "an empty file is refused" 2 "empty.limits: no rules (empty, or only comments)" \
	"$bin" check "$work/empty.limits"
expect "  ...unless --allow-empty" 0 "empty.limits: 0 rules, no errors" \
	"$bin" check --allow-empty "$work/empty.limits"

# 100 rules in one write of under a page: a reader sees the file empty
# (truncated) or whole, and the size and mtime tell it whether it changed
python3 - "$work/race.limits" <<'PY' &
import sys, time
text = "* 10/5s\n" + "".join("198.18.%d.%d 5/1s\n" % (i // 200, i % 200 + 1) for i in range(99))
assert len(text) < 4096
while True:
    with open(sys.argv[1], "w") as f:  # truncates: empty until the write
        f.flush()
        time.sleep(0.0005)
        f.write(text)
    time.sleep(0.0005)
PY
writer=$!
# the reads start once the writer has made the file (python's start-up can
# take longer than any fixed sleep on a busy machine: a read before it
# finds no file, rightly refused, but not what this test is about)
i=0
while [ ! -s "$work/race.limits" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
whole=0 refused=0 bad=0
i=0
while [ $i -lt 400 ]; do
	"$bin" check "$work/race.limits" >"$work/out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q ": 100 rules, no errors" "$work/out"; then
		whole=$((whole + 1))
	elif [ $rc -eq 2 ] && grep -q "no rules (empty\|changed while it was read" "$work/out"; then
		refused=$((refused + 1))
	else
		bad=$((bad + 1))
		[ $bad -le 3 ] && sed "s/^/    rc $rc: /" "$work/out"
	fi
	i=$((i + 1))
done
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
writer=""
if [ $bad -eq 0 ]; then
	echo "PASS: 400 reads of a file rewritten in place: $whole whole (100 rules), $refused refused, none empty or partial"
else
	echo "FAIL: 400 reads of a file rewritten in place: $bad taken empty or partial ($whole whole, $refused refused)"
fi
