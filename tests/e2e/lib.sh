# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared by the end-to-end tests (sourced, not run): a client and a server
# network namespace joined by a veth pair, a private bpffs for the pins, and
# assertions that print PASS:/FAIL:/SKIP: lines. Everything made here is
# removed on exit, also on failure or interruption.
#
#   client namespace $NS_C: c0 198.18.0.1/24 2001:db8::1/64
#   server namespace $NS_S: s0 198.18.0.2/24 2001:db8::2/64, synlimit on s0

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SYNLIMIT=${SYNLIMIT:-$TOP/build/synlimit} # test_sanitized.sh runs another build
# variables `env` sets for a watch (test_sanitized.sh: no leak check at its exit)
WATCH_ENV=${WATCH_ENV:-}
TAG=sl$$
NS_C=${TAG}c
NS_S=${TAG}s
WORK=$(mktemp -d /tmp/synlimit-e2e.XXXXXX)
PIN=$WORK/bpf/synlimit
BG_PIDS=""
failures=0

pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
skip() { echo "SKIP: $*"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1: $3"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# expect_rc NAME RC COMMAND...: the exit status, output kept in $WORK/out
expect_rc() {
	name=$1
	want=$2
	shift 2
	"$@" >"$WORK/out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then
		pass "$name: exit $got"
	else
		fail "$name: expected exit $want, got $got; output:"
		sed 's/^/    /' "$WORK/out"
	fi
}

# expect_out NAME PATTERN: $WORK/out has a line matching the grep pattern
expect_out() {
	if grep -q -- "$2" "$WORK/out"; then
		pass "$1"
	else
		fail "$1: no line matching '$2' in:"
		sed 's/^/    /' "$WORK/out"
	fi
}

# A JSON field of a document on stdin: jq-like paths such as .tables.blocked
json() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for part in sys.argv[1].strip(".").split("."):
    if part:
        v = v[int(part)] if isinstance(v, list) else v.get(part)
print("null" if v is None else str(v).lower() if isinstance(v, bool) else v)' "$1"
}

# synlimit as the server's controller; cli/srv run a command in a namespace
sl() { ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$PIN" "$@"; }
in_client() { ip netns exec "$NS_C" "$@"; }
in_server() { ip netns exec "$NS_S" "$@"; }

cleanup() {
	for pid in $BG_PIDS; do
		kill "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -d "$PIN" ]; then
		sl -q detach --all >/dev/null 2>&1
	fi
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	umount "$WORK/bpf" 2>/dev/null
	rm -rf "$WORK"
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "$(basename "$0"): needs root for network namespaces and XDP"
		exit 0
	fi
	need_tools "$(basename "$0")" ip python3
}

# need_tools WHAT TOOL...: skip the script (exit 0) unless every TOOL is
# installed; WHAT says what the script is.
need_tools() {
	what=$1
	shift
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			skip "$what: needs $tool"
			exit 0
		fi
	done
}

now_ms() { date +%s%3N; }
# wait_ms MS COMMAND...: true as soon as COMMAND is, false after MS
wait_ms() {
	end=$(($(now_ms) + $1))
	shift
	until "$@"; do
		[ "$(now_ms)" -ge "$end" ] && return 1
		sleep 0.05
	done
}

# Namespaces, the veth pair and the bpffs for the pins.
topology_up() {
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS_C" && ip netns add "$NS_S" &&
		ip link add c0 netns "$NS_C" type veth peer name s0 netns "$NS_S" &&
		ip -n "$NS_C" addr add 198.18.0.1/24 dev c0 &&
		ip -n "$NS_S" addr add 198.18.0.2/24 dev s0 &&
		ip -n "$NS_C" addr add 2001:db8::1/64 dev c0 nodad &&
		ip -n "$NS_S" addr add 2001:db8::2/64 dev s0 nodad &&
		ip -n "$NS_C" link set lo up && ip -n "$NS_S" link set lo up &&
		ip -n "$NS_C" link set c0 up && ip -n "$NS_S" link set s0 up &&
		mkdir -p "$WORK/bpf" && mount -t bpf bpf "$WORK/bpf" || {
		fail "$(basename "$0"): cannot build the test topology"
		exit 1
	}
}

# The server's MAC, for the flood generator's frames to reach its stack.
server_mac() {
	ip -n "$NS_S" -j link show s0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'
}

# A SYN flood out of the client's c0 (tests/tools/synflood.c), in the
# foreground; prints synflood's summary line. Background floods call
# ip netns exec directly, so that $! is the generator.
flood() {
	ip netns exec "$NS_C" "$TOP/build/synflood" -i c0 --dst-mac "$(server_mac)" "$@"
}

# Frames the generator sent that never reached the server: veth counts the
# XDP_TX frames its peer's ring had no room for as tx_queue_N_xdp_xmit_errors. Counts
# are checked against what reached synlimit: sent minus these.
xmit_lost() {
	ip netns exec "$NS_C" ethtool -S c0 2>/dev/null |
		awk '/tx_queue_[0-9]+_xdp_xmit_errors?:/ { n += $2 } END { print n + 0 }'
}

# A counter from `synlimit stats --json`.
counter() {
	sl --json stats | json ".counters.$1"
}

# A TCP server that accepts and closes, in the server namespace.
start_server() {
	# not through a shell function: $! must be the server itself
	# (ip netns exec execs its command), or the kill misses it
	ip netns exec "$NS_S" python3 "$TOP/tests/tools/tcp_server.py" "$1" "$2" &
	BG_PIDS="$BG_PIDS $!"
	i=0
	while ! in_server python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
s.settimeout(0.2)
s.connect((sys.argv[1], int(sys.argv[2])))" "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 50 ] && break
		sleep 0.1
	done
}

# N connection attempts from the client: one letter each, C connected, x not.
connect_n() {
	in_client python3 "$TOP/tests/tools/tcp_connect.py" "$@"
}

finish() {
	exit 0 # failures are counted from the FAIL: lines
}
