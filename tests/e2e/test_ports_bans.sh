#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Port rules and bans with real TCP on a veth pair in namespaces made here:
# a client limited to 3/5s on one port connects freely on another port that
# has its own rule (and on a third under the port-less rule); blocked, show
# and top name the port rule; a banned client is refused at once and
# connects after unban; bans outlive a reload; ban --for ends by itself;
# ban --file is all or nothing.
set -u
. "$(dirname "$0")/lib.sh"
need_root
topology_up

cat >"$WORK/ports.limits" <<'EOF2'
*                 100/1s
198.18.0.0/24     3/5s  port=2525,4650
198.18.0.0/24     50/5s port=8080
"2001:db8::/64"   3/5s  port=2525
EOF2

expect_rc "attach with port rules" 0 sl attach s0 --limits "$WORK/ports.limits"
for port in 2525 4650 8080 9090; do
	start_server 198.18.0.2 $port
done
start_server 2001:db8::2 2525

# ---- port rules ----
expect_eq "port 2525 under 3/5s port=2525,4650: 3 connect, then dropped" "CCCxx" "$(connect_n 198.18.0.2 2525 5)"
expect_eq "port 4650 shares that rule's state: dropped at once" "x" "$(connect_n 198.18.0.2 4650 1)"
expect_eq "port 8080 has its own rule (50/5s): connects freely" "CCCCCCCCCC" "$(connect_n 198.18.0.2 8080 10)"
expect_eq "port 9090 has no port rule: the port-less 100/1s" "CCCCCCCCCC" "$(connect_n 198.18.0.2 9090 10)"
expect_eq "IPv6 2525 under its own 3/5s" "CCCxx" "$(connect_n 2001:db8::2 2525 5)"

sl --json blocked >"$WORK/blocked.json"
expect_eq "blocked --json: 198.18.0.1 under the rule of line 2, ports 2525,4650" \
	"198.18.0.1 $WORK/ports.limits:2 2525,4650 false" \
	"$(python3 -c '
import json, sys
for b in json.load(open(sys.argv[1]))["blocked"]:
    if b["addr"] == "198.18.0.1":
        print(b["addr"], b["rule"], b["ports"], str(b["ban"]).lower())' "$WORK/blocked.json")"
sl blocked >"$WORK/out"
expect_out "blocked (text) names the port rule" "^198.18.0.1 .*3/5s strict .*ports.limits:2 port=2525,4650$"
expect_out "blocked (text) names the IPv6 port rule" "^2001:db8::1 .*ports.limits:4 port=2525$"
sl --json show 198.18.0.1 >"$WORK/show.json"
expect_eq "show --json: port-less rule line 1, two port rules" "$WORK/ports.limits:1 2" \
	"$(json .rule <"$WORK/show.json") $(json .port_rules <"$WORK/show.json" | python3 -c 'import ast,sys; print(len(ast.literal_eval(sys.stdin.read())))')"
expect_eq "show --json: ports 2525,4650 blocked, 8080 not" "2525,4650 true 8080 false" \
	"$(json .port_rules.0.ports <"$WORK/show.json") $(json .port_rules.0.state.blocked <"$WORK/show.json") $(json .port_rules.1.ports <"$WORK/show.json") $(json .port_rules.1.state.blocked <"$WORK/show.json")"
sl show 198.18.0.1 >"$WORK/out"
expect_out "show (text): the port section" "^  port 2525,4650:"
sl --json top -n 10 >"$WORK/top.json"
expect_eq "top --json: 198.18.0.1's blocked state names its ports" "2525,4650" \
	"$(python3 -c '
import json, sys
print(" ".join(t["ports"] for t in json.load(open(sys.argv[1]))["top"]
               if t["addr"] == "198.18.0.1" and t["blocked"]))' "$WORK/top.json")"
expect_eq "top --json: 198.18.0.1 has three states (2525/4650, 8080, port-less)" "3" \
	"$(python3 -c '
import json, sys
print(sum(1 for t in json.load(open(sys.argv[1]))["top"] if t["addr"] == "198.18.0.1"))' "$WORK/top.json")"

# ---- bans ----
in_client ip addr add 198.18.0.21/24 dev c0
in_client ip addr add 198.18.0.22/24 dev c0
expect_rc "ban 198.18.0.21 --reason" 0 sl ban 198.18.0.21 --reason "brute force"
before=$(counter syn_dropped_ban)
expect_eq "the banned client is refused at once" "xxx" "$(connect_n 198.18.0.2 9090 3 0.3 198.18.0.21)"
expect_eq "stats: syn_dropped_ban +3" "3" "$(($(counter syn_dropped_ban) - before))"
expect_eq "stats: the ban drops are in the dropped total" \
	"$(sl --json stats | python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["dropped_by_reason"]; print(sum(r.values()))')" \
	"$(sl --json stats | json .dropped)"
expect_eq "another client of the same /24 still connects" "C" "$(connect_n 198.18.0.2 9090 1 0.3 198.18.0.22)"
sl --json bans >"$WORK/bans.json"
expect_eq "bans --json: address, reason, no end" "198.18.0.21 brute force null" \
	"$(json .bans.0.addr <"$WORK/bans.json") $(json .bans.0.reason <"$WORK/bans.json") $(json .bans.0.remaining_s <"$WORK/bans.json")"
sl blocked >"$WORK/out"
expect_out "blocked lists the ban, until unban, with its reason" "^198.18.0.21 .* ban .*until unban  ban: brute force$"
expect_rc "reload keeps the bans" 0 sl reload "$WORK/ports.limits"
expect_eq "  ...still refused after the reload" "x" "$(connect_n 198.18.0.2 9090 1 0.3 198.18.0.21)"
expect_rc "unban 198.18.0.21" 0 sl unban 198.18.0.21
expect_eq "after unban it connects" "CC" "$(connect_n 198.18.0.2 9090 2 0.3 198.18.0.21)"
expect_rc "unban of an address not banned" 1 sl unban 198.18.0.21
expect_out "  ...says so" "198.18.0.21 is not banned"

expect_rc "ban 198.18.0.22 --for 2s" 0 sl ban 198.18.0.22 --for 2s
expect_eq "  ...refused while the ban lasts" "x" "$(connect_n 198.18.0.2 9090 1 0.3 198.18.0.22)"
sleep 2.2
expect_eq "  ...connects once it expired, with nothing run in between" "C" "$(connect_n 198.18.0.2 9090 1 0.3 198.18.0.22)"

expect_rc "ban an IPv6 network" 0 sl ban 2001:db8::/64
expect_eq "  ...the IPv6 client is refused" "x" "$(connect_n 2001:db8::2 2525 1)"
expect_rc "  ...unban it" 0 sl unban 2001:db8::/64

cat >"$WORK/blocklist.txt" <<'EOF2'
# a blocklist
198.18.0.21            # one host
"2001:db8::1"
198.18.1.0/24 ; another comment style

2001:db8:5::/48
EOF2
expect_rc "ban --file a blocklist" 0 sl ban --file "$WORK/blocklist.txt" --reason blocklist
expect_eq "  ...bans all four" "4" "$(sl --json bans | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["bans"]))')"
expect_eq "  ...198.18.0.21 refused" "x" "$(connect_n 198.18.0.2 9090 1 0.3 198.18.0.21)"
cat >"$WORK/bad-blocklist.txt" <<'EOF2'
198.18.0.22
198.18.2.1/24
not-an-address
198.18.3.0/24 198.18.4.0/24
EOF2
expect_rc "ban --file with bad lines" 2 sl ban --file "$WORK/bad-blocklist.txt"
expect_out "  ...line 2" "bad-blocklist.txt:2: bad address or network '198.18.2.1/24': host bits set below the prefix length"
expect_out "  ...line 3" "bad-blocklist.txt:3: bad address or network 'not-an-address': not an IP address"
expect_out "  ...line 4" "bad-blocklist.txt:4: bad address or network '198.18.3.0/24 198.18.4.0/24': one address or network a line"
expect_out "  ...nothing banned" "3 errors, nothing banned"
expect_eq "  ...198.18.0.22 (line 1) is not banned" "C" "$(connect_n 198.18.0.2 9090 1 0.3 198.18.0.22)"
expect_rc "ban with no address" 2 sl ban
expect_rc "ban with an address and --file" 2 sl ban 198.18.0.9 --file "$WORK/blocklist.txt"
expect_rc "ban *" 2 sl ban '*'
expect_rc "ban --for 0" 2 sl ban 198.18.0.9 --for 0
finish
