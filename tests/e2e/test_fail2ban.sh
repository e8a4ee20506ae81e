#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# fail2ban (Debian's own) with contrib/fail2ban/action.d/synlimit.conf as its
# ban action: a jail over a log file written here bans the client after three
# failures, synlimit drops the client's SYNs at once (an allow rule for it
# notwithstanding), fail2ban's unban and its stop let them through again.
set -u
. "$(dirname "$0")/lib.sh"
need_root
if ! command -v fail2ban-client >/dev/null 2>&1 || ! command -v fail2ban-server >/dev/null 2>&1; then
	skip "test_fail2ban: needs fail2ban (apt-get install fail2ban)"
	exit 0
fi
topology_up
F2B=$WORK/fail2ban
f2b() { fail2ban-client -c "$F2B" -s "$WORK/f2b.sock" -p "$WORK/f2b.pid" "$@"; }
# stop fail2ban before the namespaces and pins go
trap 'f2b stop >/dev/null 2>&1; cleanup' EXIT

mkdir -p "$F2B/action.d" "$F2B/filter.d"
cp "$TOP/contrib/fail2ban/action.d/synlimit.conf" "$F2B/action.d/"
cat >"$F2B/fail2ban.conf" <<EOF2
[Definition]
loglevel = INFO
logtarget = $WORK/fail2ban.log
socket = $WORK/f2b.sock
pidfile = $WORK/f2b.pid
dbfile = :memory:
syslogsocket = auto
EOF2
cat >"$F2B/filter.d/synlimit-test.conf" <<'EOF2'
[Definition]
failregex = FAILED LOGIN from <HOST>$
datepattern = {^LN-BEG}%%Y-%%m-%%d %%H:%%M:%%S
EOF2
cat >"$F2B/jail.conf" <<EOF2
[DEFAULT]
backend = polling
[synlimit-test]
enabled = true
filter = synlimit-test
logpath = $WORK/auth.log
maxretry = 3
findtime = 600
bantime = 600
action = synlimit[name=synlimit-test, synlimit=$SYNLIMIT, pin_dir=$PIN]
EOF2
: >"$WORK/auth.log"
cat >"$WORK/a.limits" <<'EOF2'
*               100/1s
198.18.0.0/24   allow
EOF2

fail_logins() {
	for _ in 1 2 3; do
		echo "$(date '+%Y-%m-%d %H:%M:%S') FAILED LOGIN from $1" >>"$WORK/auth.log"
	done
}
# wait_bans WANT: until `synlimit bans --json` lists WANT bans (10 s at most)
wait_bans() {
	i=0
	while [ "$(sl --json bans | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["bans"]))')" != "$1" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.1
	done
}

expect_rc "attach s0" 0 sl attach s0 --limits "$WORK/a.limits"
start_server 198.18.0.2 2222
expect_eq "before fail2ban: the allowed client connects" "CCC" "$(connect_n 198.18.0.2 2222 3)"
expect_rc "fail2ban-client start (jail synlimit-test, action synlimit)" 0 f2b start
expect_rc "fail2ban-client status synlimit-test" 0 f2b status synlimit-test

fail_logins 198.18.0.1
wait_bans 1
sl --json bans >"$WORK/bans.json"
expect_eq "after 3 failures fail2ban bans 198.18.0.1 through synlimit" "198.18.0.1 fail2ban synlimit-test" \
	"$(json .bans.0.addr <"$WORK/bans.json") $(json .bans.0.reason <"$WORK/bans.json")"
left=$(json .bans.0.remaining_s <"$WORK/bans.json")
if python3 -c "import sys; sys.exit(0 if 590 < float(sys.argv[1]) <= 600 else 1)" "$left"; then
	pass "the ban carries fail2ban's bantime: ${left}s left of 600"
else
	fail "the ban should have about 600s left, has '$left'"
fi
before=$(counter syn_dropped_ban)
expect_eq "the banned client is refused at once, its allow rule notwithstanding" "xxx" "$(connect_n 198.18.0.2 2222 3)"
expect_eq "stats: syn_dropped_ban +3" "3" "$(($(counter syn_dropped_ban) - before))"
sl blocked >"$WORK/out"
expect_out "blocked lists the ban with its reason" "^198.18.0.1 .* ban .*ban: fail2ban synlimit-test$"
expect_eq "fail2ban sees it banned" "1" \
	"$(f2b status synlimit-test | sed -n 's/.*Currently banned:[[:space:]]*//p')"

expect_rc "fail2ban-client set synlimit-test unbanip 198.18.0.1" 0 f2b set synlimit-test unbanip 198.18.0.1
wait_bans 0
expect_eq "after fail2ban's unban synlimit holds no ban" "0" \
	"$(sl --json bans | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["bans"]))')"
expect_eq "after the unban the client connects" "CCC" "$(connect_n 198.18.0.2 2222 3)"

fail_logins 198.18.0.1
wait_bans 1
expect_eq "banned again after 3 more failures" "x" "$(connect_n 198.18.0.2 2222 1)"
expect_rc "fail2ban-client stop" 0 f2b stop
wait_bans 0
expect_eq "stopping fail2ban lifts its bans: the client connects" "CCC" "$(connect_n 198.18.0.2 2222 3)"
if grep -q "ERROR" "$WORK/fail2ban.log"; then
	fail "fail2ban logged errors: $(grep ERROR "$WORK/fail2ban.log" | head -n 3)"
else
	pass "fail2ban logged no error running the synlimit action"
fi
finish
