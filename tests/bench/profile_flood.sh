#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Where synlimit's time goes in a flood on the veth path, by source line:
# synlimit native on s0 (limits as bench_flood.sh's), a flood from SOURCES
# sources (default 1024) of COUNT SYNs (default 3000000) under `perf record
# -a -g`, then the samples in the program (and the helpers it called) mapped
# to its lines through its JIT line info (prog_lines, profile_lines.py).
# Also prints the server's CPU per packet in s0's NAPI poll (bench_flood.sh's
# measure). As root: sh tests/bench/profile_flood.sh [SOURCES [COUNT]]
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/contenders.sh"
need_root
need_tools profile_flood perf ethtool
sources=${1:-1024}
count=${2:-3000000}
topology_up
in_server ethtool -K s0 gro on >/dev/null 2>&1
bench_limits "$WORK/limits"
sl -q attach s0 --xdp-mode native --limits "$WORK/limits" --max-sources 1048576 2>/dev/null || {
	fail "profile_flood: cannot attach synlimit"
	exit 1
}
profile_synlimit "$sources" "$count"
