#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make demo: synlimit protecting a TCP server in a network namespace from a
# SYN flood, while a legitimate client keeps connecting. Everything it makes
# (namespaces, veth pair, pins) is removed at the end, also on Ctrl-C.
set -u
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root (network namespaces, XDP)" >&2
	exit 1
fi
topology_up

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() {
	printf '$ %s\n' "$*"
	"$@"
}
synlimit() { sl "$@"; }

# The demo's limits file, embedded: an Exim-style default and a few rules.
cat >"$WORK/limits" <<'EOF'
# synlimit demo: connection attempts per source address
*                 20/5s strict      # everyone else: 20 per 5 seconds, Exim's default recipe
198.18.0.0/24     10/5s strict      # the demo's client network: 10 per 5 seconds
198.18.99.0/24    deny              # a network we never want to hear from
EOF

step "the setup"
echo "client namespace $NS_C (c0 198.18.0.1) --veth--> server namespace $NS_S (s0 198.18.0.2, TCP port 25)"
echo "limits file:"
sed 's/^/    /' "$WORK/limits"
start_server 198.18.0.2 25

step "attach synlimit to the server's interface"
show synlimit attach s0 --limits "$WORK/limits"

step "a legitimate client (198.18.0.1) connects once every 0.6 s, in the background"
in_client python3 -c '
import socket, time
letters = ""
for _ in range(10):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(("198.18.0.2", 25)); letters += "C"
    except OSError:
        letters += "x"
    s.close()
    time.sleep(0.6)
print(letters)' >"$WORK/client" 2>&1 &
client_pid=$!

step "three flooders (198.18.0.66-68) and a spoofed flood from 4096 random sources"
flood --src 198.18.0.66 --sources 3 --dst 198.18.0.2 -n 600000 --rate 200000 &
floods=$!
flood --src 198.18.128.0 --sources 4096 --random --dst 198.18.0.2 -n 400000 --rate 200000 &
floods="$floods $!"
flood --src 198.18.99.1 --sources 254 --dst 198.18.0.2 -n 100000 --rate 50000 &
floods="$floods $!"
sleep 1
step "synlimit blocked (while the flood is on)"
show synlimit blocked | head -n 8
wait $client_pid $floods

step "synlimit stats"
show synlimit stats | sed -n '1,5p;/^syn_/p'

step "what the legitimate client saw (C connected, x refused)"
letters=$(cat "$WORK/client")
connected=$(printf '%s' "$letters" | tr -cd C | wc -c)
echo "$letters: $connected of ${#letters} connections succeeded during the flood"

step "cookie mode: a spoofed flood from 65536 random sources, each under its own limit"
echo "Per-source limits cannot stop this one: every source is new. With --syncookies on the XDP"
echo "program answers unverified sources with SYN cookies; only those completing the handshake"
echo "reach the server, and the server's stack sees no spoofed SYN. (The flood stays under the"
echo "SYN-ACK cap, 100000 a second by default: above it, a new client's SYN gets a SYN-ACK only"
echo "as often as the cap allows, until its first handshake verifies it.)"
ip -n "$NS_S" route add default via 198.18.0.1 # the server could answer the spoofed sources
ip -n "$NS_C" link set dev c0 xdpdrv obj "$TOP/build/xdp_bare.bpf.o" sec xdp program xdp_pass
show synlimit attach s0 --syncookies on
syncookies0=$(in_server nstat -asz TcpExtSyncookiesSent | awk '$1 == "TcpExtSyncookiesSent" { print $2 }')
flood --src 198.18.128.0 --sources 65536 --random --dst 198.18.0.2 -n 400000 --rate 80000 >/dev/null &
floods=$!
sleep 0.5
letters=$(connect_n 198.18.0.2 25 5 1)
wait $floods
show synlimit stats | sed -n '/^syn_passed/p;/^syn_cookie/p;/^cookie_ack_valid/p;/^cookie_verified /p'
echo "the server's stack during the flood: $(($(in_server nstat -asz TcpExtSyncookiesSent | awk '$1 == "TcpExtSyncookiesSent" { print $2 }') - syncookies0)) kernel SYN cookies sent"
echo "the client: $letters: $(printf '%s' "$letters" | tr -cd C | wc -c) of 5 connections succeeded during the flood"
show synlimit show 198.18.0.1

step "detach and clean up"
show synlimit detach s0
