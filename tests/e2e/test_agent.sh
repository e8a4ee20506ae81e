#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# synlimit run, the agent, as systemd would run it: a socket that plays
# systemd's NOTIFY_SOCKET records READY/RELOADING/STOPPING/STATUS; reloads
# by editor-style rename and by SIGHUP take effect within a second; a bad
# file keeps the limits in force; a flood's block events reach the log
# (stderr as text or JSON, or a journal socket in a private mount
# namespace); SIGKILL leaves the data path dropping the flood and a new
# agent adopts it; SIGTERM exits 0 and leaves it attached unless
# --detach-on-exit.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_tools test_agent.sh bpftool
topology_up

CONF=$WORK/conf
LIMITS=$CONF/limits
SINK=$TOP/tests/tools/dgram_sink.py
mkdir -p "$CONF" "$WORK/elsewhere"
printf '*                5/5s strict\n' >"$LIMITS"

rules() { sl --json status | json .limits.rules; }
rules_are() { [ "$(rules)" = "$1" ]; }
notified() { grep -c "^$2\$" "$1" 2>/dev/null || true; }
notified_at_least() { [ "$(notified "$1" "$2")" -ge "$3" ]; }
in_log() { grep -q -- "$2" "$1"; }
# an editor's save: a new file renamed over the old one
save_as_editor() {
	cat >"$CONF/.limits.swp"
	mv "$CONF/.limits.swp" "$LIMITS"
}
start_sink() { # SOCKET OUT
	python3 "$SINK" "$1" "$2" &
	BG_PIDS="$BG_PIDS $!"
	wait_ms 3000 test -S "$1"
}
cookie_tc_progs() { ls "$PIN" 2>/dev/null | grep -c "^tclink_" || true; }
sent_of() { sed -n 's/^synflood: sent \([0-9]*\) SYNs.*/\1/p' "$1"; }
# bans in the pinned trie, expired or not (`synlimit bans` shows those in force)
bans_in_trie() { bpftool -j map dump pinned "$PIN/bans" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
bans_in_trie_are() { [ "$(bans_in_trie)" = "$1" ]; }

# ---- usage and a bad file at start: nothing attached ----
expect_rc "run without --limits is a usage error" 2 sl run s0
expect_rc "run with a bad --metrics is a usage error" 2 sl run s0 --limits "$LIMITS" --metrics 127.0.0.1:0
printf '*  5/5s strict\n198.18.0.0/15 7/5s sometimes\n' >"$WORK/bad.limits"
expect_rc "run with a bad limits file exits 2" 2 sl run s0 --limits "$WORK/bad.limits"
expect_out "... naming FILE:LINE" "bad.limits:2: "
expect_eq "... and attaches nothing" "false" "$(sl --json status | json .attached)"

# ---- agent 1: text log on stderr, a fake NOTIFY_SOCKET ----
start_sink "$WORK/notify1.sock" "$WORK/notify1.log"
ip netns exec "$NS_S" env NOTIFY_SOCKET="$WORK/notify1.sock" "$SYNLIMIT" --pin-dir "$PIN" \
	run s0 --limits "$LIMITS" 2>"$WORK/agent1.log" &
agent=$!
BG_PIDS="$BG_PIDS $agent"
if wait_ms 5000 notified_at_least "$WORK/notify1.log" READY=1 1; then
	pass "agent sends READY=1"
else
	fail "agent sent no READY=1 in 5 s; its log:"
	sed 's/^/    /' "$WORK/agent1.log"
fi
expect_eq "when READY=1 is sent, s0 is attached" "true" "$(sl --json status | json .attached)"
expect_eq "... and no reload has happened yet" "0" "$(notified "$WORK/notify1.log" RELOADING=1)"
expect_eq "STATUS says what it protects" "1" \
	"$(notified "$WORK/notify1.log" 'STATUS=protecting s0: 1 rule; 0 blocked, 0 dropped')"
link=$(sl --json status | json .interfaces.0.link_id)
# the agent is the ring buffer's one consumer, and holds no lock between changes
expect_rc "watch while the agent runs" 1 timeout -s INT --preserve-status 3 \
	ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" watch
expect_out "  ...is refused, saying why" "another synlimit is consuming the events of $PIN: one consumer at a time"
expect_rc "reload by the command while the agent runs" 0 timeout 3 \
	ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" reload "$LIMITS"

# an expired ban leaves the trie within a status period (5 s) of the agent,
# with no ban command run after it, so that SYNs stop looking there
expect_rc "ban for a second while the agent runs" 0 sl ban 198.18.77.7 --for 1s
expect_eq "... the trie holds it" "1" "$(bans_in_trie)"
if wait_ms 8000 bans_in_trie_are 0; then
	pass "... the agent removes it once expired, with no command run"
else
	fail "... still $(bans_in_trie) ban(s) in the trie 8 s later; the agent's log:"
	sed 's/^/    /' "$WORK/agent1.log"
fi
if in_log "$WORK/agent1.log" "1 expired ban removed"; then
	pass "... and logs it"
else
	fail "... no '1 expired ban removed' in the agent's log:"
	sed 's/^/    /' "$WORK/agent1.log"
fi

start=$(now_ms)
printf '*                5/5s strict\n198.18.200.0/24  allow\n' | save_as_editor
if wait_ms 1000 rules_are 2; then
	pass "an editor's save (write, rename) is in force within a second ($(($(now_ms) - start)) ms)"
else
	fail "an editor's save: rules $(rules) after a second, expected 2"
fi
expect_eq "... announced as RELOADING=1" "1" "$(notified "$WORK/notify1.log" RELOADING=1)"
wait_ms 1000 notified_at_least "$WORK/notify1.log" READY=1 2
expect_eq "... then READY=1 again" "2" "$(notified "$WORK/notify1.log" READY=1)"

# A write through a hard link in another directory is invisible to the
# watch on the file's directory: only SIGHUP can load it.
ln "$LIMITS" "$WORK/elsewhere/limits"
printf '*                5/5s strict\n198.18.200.0/24  allow\n198.18.201.0/24  deny\n' \
	>"$WORK/elsewhere/limits"
sleep 0.4
expect_eq "a change the directory watch cannot see is not loaded by itself" "2" "$(rules)"
start=$(now_ms)
kill -HUP "$agent"
if wait_ms 1000 rules_are 3; then
	pass "SIGHUP reloads within a second ($(($(now_ms) - start)) ms)"
else
	fail "SIGHUP: rules $(rules) after a second, expected 3"
fi
expect_eq "... announced as RELOADING=1" "2" "$(notified "$WORK/notify1.log" RELOADING=1)"

printf '*                5/5s strict\n198.18.202.0/24  5/5z\n198.18.203.0/24  deny\n' | save_as_editor
wait_ms 1000 in_log "$WORK/agent1.log" "not loaded"
sleep 0.2
expect_eq "a file with errors leaves the limits in force (3 rules)" "3" "$(rules)"
if in_log "$WORK/agent1.log" "conf/limits:2: "; then
	pass "... and its error is logged as FILE:LINE"
else
	fail "... no 'limits:2:' error in the log:"
	sed 's/^/    /' "$WORK/agent1.log"
fi
expect_eq "... counted as a reload error" "synlimit_reload_errors_total 1" \
	"$(sl stats --prometheus | grep '^synlimit_reload_errors_total ')"
wait_ms 1000 notified_at_least "$WORK/notify1.log" READY=1 4
expect_eq "... and the agent stays ready (READY=1 after RELOADING=1)" "4" \
	"$(notified "$WORK/notify1.log" READY=1)"
printf '*                5/5s strict\n' | save_as_editor
wait_ms 1000 rules_are 1

# ---- a flood: its block event in the log, per-interface counters ----
flood --src 198.18.1.66 --dst 198.18.0.2 -n 3000 >"$WORK/flood1" 2>&1
if wait_ms 2000 in_log "$WORK/agent1.log" "block   198.18.1.66 .* rule $LIMITS:1 rate "; then
	pass "the flooder's block event is logged with its rule (FILE:LINE) and rate"
else
	fail "no block event for 198.18.1.66 in the log:"
	sed 's/^/    /' "$WORK/agent1.log"
fi
sl --json stats >"$WORK/stats.json"
expect_eq "stats: per-interface counters name s0" "s0" "$(json .interfaces.0.name <"$WORK/stats.json")"
expect_eq "stats: s0's packets are every packet (one interface)" \
	"$(json .packets <"$WORK/stats.json")" "$(json .interfaces.0.packets <"$WORK/stats.json")"
expect_eq "stats: s0's drops are every drop" \
	"$(json .dropped <"$WORK/stats.json")" "$(json .interfaces.0.dropped <"$WORK/stats.json")"
expect_eq "stats: s0's passed are every pass" \
	"$(json .passed <"$WORK/stats.json")" "$(json .interfaces.0.passed <"$WORK/stats.json")"

# ---- SIGKILL: the data path keeps dropping; a new agent adopts it ----
kill -KILL "$agent"
wait "$agent" 2>/dev/null
dropped0=$(counter syn_dropped_limit)
lost0=$(xmit_lost)
flood --src 198.18.1.66 --dst 198.18.0.2 -n 2000 >"$WORK/flood2" 2>&1
delivered=$(($(sent_of "$WORK/flood2") - ($(xmit_lost) - lost0)))
expect_eq "after SIGKILL of the agent, every SYN of the flood that reached s0 is dropped" \
	"$delivered" "$(($(counter syn_dropped_limit) - dropped0))"

# agent 2 runs as under systemd: JOURNAL_STREAM names its stderr, so it logs
# to the journal's socket (/run/systemd in a private mount namespace)
start_sink "$WORK/notify2.sock" "$WORK/notify2.log"
ip netns exec "$NS_S" sh -c '
	mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/journal || exit 1
	python3 "$1" /run/systemd/journal/socket "$2/journal.log" &
	echo $! >"$2/journal.pid"
	while [ ! -S /run/systemd/journal/socket ]; do sleep 0.05; done
	# as systemd says that stderr is the journal: the device and inode of the stream
	exec env NOTIFY_SOCKET="$2/notify2.sock" JOURNAL_STREAM="$(stat -c %d:%i "$2/agent2.stderr")" \
		"$3" --pin-dir "$4" run s0 --limits "$5"' sh "$SINK" "$WORK" "$SYNLIMIT" "$PIN" "$LIMITS" \
	2>"$WORK/agent2.stderr" &
agent=$!
BG_PIDS="$BG_PIDS $agent"
wait_ms 5000 notified_at_least "$WORK/notify2.log" READY=1 1
BG_PIDS="$BG_PIDS $(cat "$WORK/journal.pid" 2>/dev/null)"
expect_eq "a new agent is READY" "1" "$(notified "$WORK/notify2.log" READY=1)"
expect_eq "... on the same link (adopted, not attached again)" "$link" \
	"$(sl --json status | json .interfaces.0.link_id)"
if wait_ms 1000 in_log "$WORK/journal.log" "^MESSAGE=adopted the data path"; then
	pass "... and says so in the journal"
else
	fail "no 'adopted' message in the journal:"
	sed 's/^/    /' "$WORK/journal.log"
fi
flood --src 198.18.1.77 --dst 198.18.0.2 -n 2000 >/dev/null 2>&1
wait_ms 2000 in_log "$WORK/journal.log" "^SYNLIMIT_ADDR=198.18.1.77$"
# the datagram of that event, as its fields
awk '/^--$/ { if (e) exit; n = 0; next } { f[n++] = $0 } /^SYNLIMIT_ADDR=198.18.1.77$/ { e = 1 }
	END { for (i = 0; i < n; i++) print f[i] }' "$WORK/journal.log" >"$WORK/event"
for field in "SYNLIMIT_EVENT=block" "SYNLIMIT_RULE=$LIMITS:1" "PRIORITY=5" \
	"MESSAGE_ID=dfd5c7cf68484a3ba09ac11b761d66f8" "SYSLOG_IDENTIFIER=synlimit"; do
	if grep -qx -- "$field" "$WORK/event"; then
		pass "journal: the block event of 198.18.1.77 has $field"
	else
		fail "journal: the block event of 198.18.1.77 lacks $field; it has:"
		sed 's/^/    /' "$WORK/event"
	fi
done
expect_eq "journal: the event's rate is a number" "yes" \
	"$(grep -qE '^SYNLIMIT_RATE=[0-9]+\.[0-9]{2}$' "$WORK/event" && echo yes || echo no)"

kill -TERM "$agent"
wait "$agent"
expect_eq "SIGTERM: the agent exits 0" "0" "$?"
expect_eq "under JOURNAL_STREAM nothing went to stderr, all to the journal" "" \
	"$(cat "$WORK/agent2.stderr")"
expect_eq "... after STOPPING=1" "1" "$(notified "$WORK/notify2.log" STOPPING=1)"
expect_eq "... and s0 stays attached" "true" "$(sl --json status | json .attached)"

# ---- agent 3: JSON log, an unblock event, --detach-on-exit ----
# 2/1s leaky: a fast burst passes 2; a second later the rate is below 2
printf '*                5/5s strict\n198.18.9.0/24    2/1s leaky\n' | save_as_editor
ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" run s0 --limits "$LIMITS" \
	--log-format json --detach-on-exit 2>"$WORK/agent3.log" &
agent=$!
BG_PIDS="$BG_PIDS $agent"
wait_ms 5000 in_log "$WORK/agent3.log" "adopted"
# the limits file's own warnings (Exim's plain iplsearch and the * line)
# come first; every line must still be one JSON object
expect_eq "--log-format json: one JSON object a line" "yes" \
	"$(python3 -c 'import json, sys
print("yes" if all(isinstance(json.loads(l), dict) for l in open(sys.argv[1]) if l.strip()) else "no")' "$WORK/agent3.log")"
expect_eq "... the adoption is logged at level info" "info" \
	"$(grep -m1 adopted "$WORK/agent3.log" | json .level)"
lost0=$(xmit_lost)
flood --src 198.18.9.1 --dst 198.18.0.2 -n 20 >"$WORK/flood3" 2>&1
delivered=$(($(sent_of "$WORK/flood3") - ($(xmit_lost) - lost0)))
sleep 1.2
flood --src 198.18.9.1 --dst 198.18.0.2 -n 1 >/dev/null 2>&1
wait_ms 2000 in_log "$WORK/agent3.log" '"event":"unblock"'
grep '"event":"unblock"' "$WORK/agent3.log" | head -n 1 >"$WORK/unblock.json"
expect_eq "the unblock event is logged (JSON) for 198.18.9.1" "198.18.9.1" \
	"$(json .addr <"$WORK/unblock.json")"
expect_eq "... with its rule" "$LIMITS:2" "$(json .rule <"$WORK/unblock.json")"
expect_eq "... and the drops of the episode (delivered $delivered, 2 passed)" \
	"$((delivered - 2))" "$(json .drops <"$WORK/unblock.json")"
kill -TERM "$agent"
wait "$agent"
expect_eq "--detach-on-exit: SIGTERM exits 0" "0" "$?"
expect_eq "... and detaches" "false" "$(sl --json status | json .attached)"

# ---- agent 4: cookie mode from run, and off again with --detach-on-exit ----
ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" run s0 --limits "$LIMITS" \
	--syncookies on --synack-cap 1000 --detach-on-exit 2>"$WORK/agent4.log" &
agent=$!
BG_PIDS="$BG_PIDS $agent"
if wait_ms 5000 in_log "$WORK/agent4.log" "s0: syncookies on"; then
	pass "run --syncookies on turns cookie mode on"
else
	fail "run --syncookies on: no 's0: syncookies on' in 5 s; its log:"
	sed 's/^/    /' "$WORK/agent4.log"
fi
expect_eq "... status: on" "on" "$(sl --json status | json .interfaces.0.syncookies.mode)"
expect_eq "... with its TC link pinned" "1" "$(cookie_tc_progs)"
flood --src 198.18.7.1 --dst 198.18.0.2 -n 5 >/dev/null 2>&1
sl --json stats >"$WORK/stats4.json"
answered=$(json .interfaces.0.answered <"$WORK/stats4.json")
expect_eq "stats: s0's answered are the SYNs answered with a cookie" \
	"$(json .counters.syn_cookie_sent <"$WORK/stats4.json")" "$answered"
expect_eq "... and there are some" "yes" "$([ "${answered:-0}" -gt 0 ] && echo yes || echo no)"
kill -TERM "$agent"
wait "$agent"
expect_eq "--detach-on-exit with cookies: SIGTERM exits 0" "0" "$?"
expect_eq "... detaches" "false" "$(sl --json status | json .attached)"
expect_eq "... and leaves no TC link pinned" \
	"0" "$(cookie_tc_progs)"
finish
