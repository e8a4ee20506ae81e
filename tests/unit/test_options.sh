#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The command line without root or BPF: per-command options (--xdp-mode
# for attach, --mode strict|leaky for bare numbers), usage errors with exit
# status 2 and a message that names the option, options on either side of
# the command word. Nothing here touches a pin directory that exists.
set -u
cd "$(dirname "$0")/../.." || exit 1
bin=build/synlimit
out=$(mktemp)
nopin=$(mktemp -d)/none
trap 'rm -f "$out"; rmdir "${nopin%/none}"' EXIT
limits=tests/limits/valid/exim-proxy-limits.limits

# expect NAME STATUS PATTERN ARGS...: exit status and a line of the output
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	"$bin" --pin-dir "$nopin" "$@" >"$out" 2>&1
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $name: expected exit $want, got $got:"
		sed 's/^/    /' "$out"
	elif ! grep -q -- "$pattern" "$out"; then
		echo "FAIL: $name: exit $got, but no line matching '$pattern' in:"
		sed 's/^/    /' "$out"
	else
		echo "PASS: $name: exit $got, '$pattern'"
	fi
}

expect "no command is a usage error" 2 "^Usage: synlimit \[OPTIONS\] COMMAND"
expect "--help without a command" 0 "^  attach IFACE" --help
expect "an unknown command" 2 "unknown command 'frob'" frob
expect "an unknown option" 2 "unknown option '--frob'" status --frob
expect "--mode native is not the XDP mode" 2 \
	"--mode takes strict or leaky, not 'native' (the XDP attach mode is --xdp-mode" \
	attach lo --mode native
expect "--xdp-mode takes the XDP modes" 2 "--xdp-mode takes auto, native or generic, not 'leaky'" \
	attach lo --xdp-mode leaky
expect "--xdp-mode is attach's only" 2 "reload: --xdp-mode does not apply to it" \
	reload "$limits" --xdp-mode native
expect "an option another command takes" 2 "stats: --limits does not apply to it" \
	stats --limits "$limits"
expect "-n is top's only" 2 "status: -n does not apply to it" status -n 5
expect "-n out of range" 2 "-n takes a number from 1 to 1000000, not '0'" top -n 0
expect "--period out of range" 2 "--period takes whole milliseconds from 1ms to 1d (e.g. 5s), not '2d'" \
	check "$limits" --period 2d
expect "--max-sources out of range" 2 "--max-sources takes a number from 64 to 67108864, not '8'" \
	attach lo --max-sources 8
expect "--pin-dir must be absolute" 2 "--pin-dir takes an absolute path" --pin-dir relative status
expect "a value missing at the end" 2 "--limits needs a value" replay x.pcap --limits
expect "too many arguments" 2 "^Usage: synlimit check FILE" check "$limits" "$limits"
expect "attach --help lists its options with defaults" 0 \
	"^  --xdp-mode auto|native|generic .*(default auto)" attach --help
expect "check --mode leaky, options before the command" 0 \
	"exim-proxy-limits.limits: 6 rules, no errors, 3 warnings" --mode leaky --period 1h check "$limits"
expect "check -v prints rules as compiled with --mode leaky" 0 \
	"exim-proxy-limits.limits:[0-9]*: .* 50/1h leaky" -v check "$limits" --period 1h --mode leaky
expect "status with nothing pinned" 0 "not attached (nothing pinned in $nopin)" status
