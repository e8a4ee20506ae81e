#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Install the Debian packages named on the command line that are missing.
# Quiet when everything is there; one clear message when it cannot install.
set -u
missing=""
for pkg in "$@"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "synlimit: missing Debian packages:$missing" >&2
	echo "  install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "synlimit: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# An old or empty package list cannot find them: refresh once, then install.
if ! apt-get install -y -qq $missing >/tmp/synlimit-apt.log 2>&1; then
	apt-get update -qq >>/tmp/synlimit-apt.log 2>&1
	if ! apt-get install -y -qq $missing >>/tmp/synlimit-apt.log 2>&1; then
		echo "synlimit: could not install:$missing (log: /tmp/synlimit-apt.log)" >&2
		tail -n 5 /tmp/synlimit-apt.log >&2
		exit 1
	fi
fi
