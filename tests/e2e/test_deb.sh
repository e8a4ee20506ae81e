#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make deb builds a package lintian has nothing against, and it installs and
# works with dpkg -i: on a copy-on-write overlay of this machine's root, in
# a private mount and network namespace, so the machine itself is never
# touched. There the installed synlimit attaches to lo, dpkg -r detaches it
# (prerm) and removes the files, dpkg --purge removes the configuration.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }
if [ "$(id -u)" -ne 0 ]; then
	skip "$(basename "$0"): needs root for the overlay and dpkg"
	exit 0
fi
for tool in dpkg-deb lintian unshare chroot; do
	if ! command -v $tool >/dev/null 2>&1; then
		skip "$(basename "$0"): needs $tool"
		exit 0
	fi
done
WORK=$(mktemp -d /tmp/synlimit-deb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if make -s -C "$TOP" deb >"$WORK/build.log" 2>&1; then
	pass "make deb: built and lintian-clean (no error, no warning)"
else
	fail "make deb:"
	sed 's/^/    /' "$WORK/build.log"
	exit 1
fi
deb=$(ls "$TOP"/build/synlimit_*.deb)
cp "$deb" "$WORK/synlimit.deb"

# Everything below runs in a new mount and network namespace: the overlay,
# the bpffs and lo are its own and vanish with it.
unshare -m -n sh -c '
	W=$1
	mount --make-rprivate / || exit 1
	mkdir -p "$W/ovl" && mount -t tmpfs tmpfs "$W/ovl" &&
		mkdir "$W/ovl/upper" "$W/ovl/work" "$W/ovl/root" &&
		mount -t overlay overlay \
			-o "lowerdir=/,upperdir=$W/ovl/upper,workdir=$W/ovl/work" "$W/ovl/root" || exit 1
	R=$W/ovl/root
	mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev" &&
		mount -t sysfs sysfs "$R/sys" && mount -t bpf bpf "$R/sys/fs/bpf" &&
		mount -t tmpfs tmpfs "$R/tmp" && cp "$W/synlimit.deb" "$R/tmp/" || exit 1
	ip link set lo up
	in_root() { chroot "$R" "$@"; }
	result() { echo "$1 $2" >>"$W/results"; }

	in_root dpkg -i --no-triggers /tmp/synlimit.deb >"$W/dpkg-i.log" 2>&1
	result dpkg-i $?
	in_root dpkg-query -W -f "\${Status}" synlimit >"$W/status" 2>&1
	result status "$(cat "$W/status" | tr " " _)"
	in_root synlimit check /etc/synlimit/limits >/dev/null 2>&1
	result check $?
	in_root synlimit attach lo --limits /etc/synlimit/limits >"$W/attach.log" 2>&1
	result attach $?
	result attached "$(in_root synlimit --json status | grep -c "\"attached\":true")"
	in_root dpkg -r synlimit >"$W/dpkg-r.log" 2>&1
	result dpkg-r $?
	result xdp-on-lo "$(ip link show lo | grep -c xdp)"
	result binary "$(test -e "$R/usr/sbin/synlimit" && echo present || echo gone)"
	result conffile "$(test -e "$R/etc/synlimit/limits" && echo present || echo gone)"
	in_root dpkg --purge synlimit >/dev/null 2>&1
	result purge $?
	result etc "$(test -e "$R/etc/synlimit" && echo present || echo gone)"
' sh "$WORK"
got() { sed -n "s/^$1 //p" "$WORK/results" 2>/dev/null; }
check() { # NAME KEY EXPECTED [LOG]
	if [ "$(got "$2")" = "$3" ]; then
		pass "$1: $3"
	else
		fail "$1: expected '$3', got '$(got "$2")'"
		[ -n "${4:-}" ] && sed 's/^/    /' "$4"
	fi
}
check "dpkg -i synlimit.deb (on an overlay of this machine's root)" dpkg-i 0 "$WORK/dpkg-i.log"
check "... the package is installed" status install_ok_installed
check "... synlimit check /etc/synlimit/limits (the example)" check 0
check "... the installed synlimit attaches to lo" attach 0 "$WORK/attach.log"
check "... and status says attached" attached 1
check "dpkg -r synlimit" dpkg-r 0 "$WORK/dpkg-r.log"
check "... detaches what it attached (prerm): no XDP on lo" xdp-on-lo 0
check "... removes the binary" binary gone
check "... keeps the configuration" conffile present
check "dpkg --purge synlimit" purge 0
check "... removes /etc/synlimit" etc gone
