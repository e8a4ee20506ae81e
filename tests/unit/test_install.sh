#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make install / uninstall into a DESTDIR: every file in place, the
# configuration never overwritten, uninstall leaves nothing but what the
# operator changed; systemd-analyze verify on the unit; bash completion
# driven as bash drives it.
set -u
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
WORK=$(mktemp -d /tmp/synlimit-install.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
D=$WORK/dest

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1: $3"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}
files() { (cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' '); }

EXPECTED="etc/default/synlimit etc/synlimit/limits usr/local/lib/systemd/system/synlimit.service \
usr/local/sbin/synlimit usr/local/share/bash-completion/completions/synlimit \
usr/local/share/man/man5/synlimit.limits.5 usr/local/share/man/man8/synlimit.8 "

make -s install DESTDIR="$D" >"$WORK/out" 2>&1 || {
	fail "make install DESTDIR: $(cat "$WORK/out")"
	exit 1
}
expect_eq "make install DESTDIR puts every file in place" "$EXPECTED" "$(files "$D")"
expect_eq "the binary is executable" "yes" "$([ -x "$D/usr/local/sbin/synlimit" ] && echo yes)"
expect_eq "the unit runs the installed binary" \
	"ExecStart=/usr/local/sbin/synlimit run \$SYNLIMIT_INTERFACES --limits \${SYNLIMIT_LIMITS} \$SYNLIMIT_OPTIONS" \
	"$(grep '^ExecStart=' "$D/usr/local/lib/systemd/system/synlimit.service")"
expect_eq "the example limits file is valid" "0" \
	"$(build/synlimit check "$D/etc/synlimit/limits" >/dev/null 2>&1; echo $?)"

echo "# the operator's line" >>"$D/etc/synlimit/limits"
make -s install DESTDIR="$D" >"$WORK/out" 2>&1
expect_eq "a second install keeps the operator's limits file" "# the operator's line" \
	"$(tail -n 1 "$D/etc/synlimit/limits")"
expect_eq "... and says so" "1" "$(grep -c "kept .*etc/synlimit/limits (never overwritten)" "$WORK/out")"

make -s uninstall DESTDIR="$D" >"$WORK/out" 2>&1
expect_eq "make uninstall removes all but the changed limits file" "etc/synlimit/limits " "$(files "$D")"
rm -rf "$D"
make -s install DESTDIR="$D" >/dev/null 2>&1
make -s uninstall DESTDIR="$D" >/dev/null 2>&1
expect_eq "install then uninstall leaves no file" "" "$(files "$D")"

# ---- systemd-analyze verify: on the unit installed with a PREFIX of its
# own, so that the programs and man pages it names exist ----
if command -v systemd-analyze >/dev/null 2>&1; then
	P=$WORK/prefix
	make -s install PREFIX="$P/usr" SYSCONFDIR="$P/etc" >/dev/null 2>&1
	unit=$P/usr/lib/systemd/system/synlimit.service
	if MANPATH=$P/usr/share/man systemd-analyze verify "$unit" >"$WORK/out" 2>&1; then
		pass "systemd-analyze verify synlimit.service"
	else
		fail "systemd-analyze verify synlimit.service:"
		sed 's/^/    /' "$WORK/out"
	fi
	sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/synlimit|' "$unit" >"$WORK/broken.service"
	expect_eq "... and it refuses a unit whose program is missing (the check can fail)" "1" \
		"$(MANPATH=$P/usr/share/man systemd-analyze verify "$WORK/broken.service" >/dev/null 2>&1; echo $?)"
else
	skip "systemd-analyze verify: needs systemd-analyze (Debian package systemd)"
fi

# ---- bash completion, as bash calls it ----
if [ -f /usr/share/bash-completion/bash_completion ] && command -v bash >/dev/null; then
	mkdir -p "$WORK/bin" && ln -s "$TOP/build/synlimit" "$WORK/bin/synlimit"
	# complete LINE: the candidates for the last word of LINE
	complete_line() {
		PATH=$WORK/bin:$PATH bash -c '
			. /usr/share/bash-completion/bash_completion
			. "$1"
			read -ra COMP_WORDS <<<"$2"
			case $2 in *" ") COMP_WORDS+=("") ;; esac
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE=$2
			COMP_POINT=${#2}
			_synlimit
			[ ${#COMPREPLY[@]} -eq 0 ] ||
				printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort | tr "\n" " "' \
			sh "$TOP/docs/dist/synlimit.bash-completion" "$1"
	}
	expect_eq "complete: commands" "reload replay run " "$(complete_line "synlimit r")"
	expect_eq "complete: run's options" "--detach-on-exit --dry-run " \
		"$(complete_line "synlimit run eth0 --d")"
	expect_eq "complete: --log-format's values" "journal json text " \
		"$(complete_line "synlimit run eth0 --log-format ")"
	expect_eq "complete: stats' options" "--prometheus " "$(complete_line "synlimit stats --p")"
	expect_eq "complete: interface names" "lo " "$(complete_line "synlimit attach l")"
	expect_eq "complete: a file for check" "docs/dist/limits.example " \
		"$(complete_line "synlimit check docs/dist/limits.e")"
	expect_eq "complete: a file for --limits" "docs/dist/limits.example " \
		"$(complete_line "synlimit run lo --limits docs/dist/limits.e")"
	expect_eq "complete: nothing for a number" "" "$(complete_line "synlimit top -n ")"
	expect_eq "complete: global options before the command" "--pin-dir " \
		"$(complete_line "synlimit --pin")"
else
	skip "bash completion: needs bash and the bash-completion package"
fi
