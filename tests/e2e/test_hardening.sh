#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# synlimit against a hostile user and a careless operator: links planted
# next to the pin directory, a pin directory others can write, foreign maps
# and programs under the pinned names, commands racing each other, a second
# watch, an empty limits file. The bpffs for the pins is mounted by the test
# as `mount -t bpf` gives it: mode 1777, where any user can plant names.
set -u
. "$(dirname "$0")/lib.sh"
need_root
need_tools test_hardening bpftool flock
topology_up

cat >"$WORK/a.limits" <<'EOF'
*               5/5s strict
198.18.0.9      allow
EOF
cat >"$WORK/b.limits" <<'EOF'
*               5/5s strict
198.18.0.9      allow
"2001:db8::/64" 3/5s
EOF
: >"$WORK/empty.limits"

# files a planted link points to: none may be removed
mkdir "$WORK/victim"
for f in config stats prog sources limit_tables blocked_sources events link_1; do
	echo "not synlimit's" >"$WORK/victim/$f"
done
victims() { ls "$WORK/victim" | wc -l; }

# a pid that is not running: its temp dir counts as stale
dead=4194000
while kill -0 $dead 2>/dev/null; do dead=$((dead + 1)); done

# ---- item 1: links planted in the pin directory's parent ----
expect_eq "the bpffs of the pins is world-writable and sticky, as mount gives it" "1777" \
	"$(stat -c %a "$WORK/bpf")"
ln -s "$WORK/victim" "$WORK/bpf/synlimit-tmp-$dead"
expect_rc "attach with a link planted as a stale temp dir" 0 sl attach s0 --limits "$WORK/a.limits"
expect_out "  ...refuses to follow it, naming it" "synlimit-tmp-$dead: a symbolic link .*refusing to follow it"
expect_eq "  ...the files it points to survive" "8" "$(victims)"
expect_eq "  ...and the link is left where it was" "yes" \
	"$([ -L "$WORK/bpf/synlimit-tmp-$dead" ] && echo yes || echo no)"
rm "$WORK/bpf/synlimit-tmp-$dead"

ln -s "$WORK/victim" "$WORK/bpf/evil"
expect_rc "detach --all with a symlinked --pin-dir" 1 \
	ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$WORK/bpf/evil" detach --all
expect_out "  ...refuses to follow it" "bpf/evil: a symbolic link .*refusing to follow it"
expect_eq "  ...the files it points to survive" "8" "$(victims)"
expect_rc "status with a symlinked --pin-dir" 1 \
	ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$WORK/bpf/evil" status
expect_rc "a link on the way to the pin dir (evil/synlimit)" 1 \
	ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$WORK/bpf/evil/synlimit" detach --all
expect_out "  ...is refused too" "a symbolic link .*refusing to follow it"
expect_eq "  ...the files survive" "8" "$(victims)"
rm "$WORK/bpf/evil"

mkdir -m 0777 "$WORK/bpf/loose"
expect_rc "a pin dir anyone can write" 1 \
	ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$WORK/bpf/loose" status
expect_out "  ...is refused, naming the path and mode" "bpf/loose: writable by others (mode 0777)"
mkdir -m 0700 "$WORK/bpf/theirs" && chown 65534 "$WORK/bpf/theirs"
expect_rc "a pin dir another user owns" 1 \
	ip netns exec "$NS_S" "$SYNLIMIT" --pin-dir "$WORK/bpf/theirs" attach s0
expect_out "  ...is refused, naming the path and owner" "bpf/theirs: owned by uid 65534"
rmdir "$WORK/bpf/loose" "$WORK/bpf/theirs" 2>/dev/null

# ---- item 2: foreign objects under the pinned names ----
pinned_id() { bpftool -j "$1" show pinned "$PIN/$2" | json .id; }
# plant NAME bpftool-map-create-arguments...: a foreign map in NAME's place
plant() {
	name=$1
	shift
	saved_id=$(pinned_id map "$name")
	rm "$PIN/$name"
	bpftool map create "$PIN/$name" "$@" name foreign
}
restore() {
	rm -f "$PIN/$1"
	bpftool "$2" pin id "$saved_id" "$PIN/$1"
}
# every command that opens the pins refuses them, exit 1, no crash
refused_by_all() {
	what=$1 pattern=$2
	for cmd in "status" "stats" "top" "blocked" "show 198.18.0.1" "reload $WORK/a.limits" \
		"attach s0"; do
		# shellcheck disable=SC2086
		expect_rc "$what: $cmd refuses" 1 sl $cmd
		expect_out "  ...saying why" "$pattern"
	done
}
sl reload "$WORK/b.limits" >/dev/null 2>&1
reloads_before=$(sl --json status | json .limits.reloads)

# the tables are arrays of buckets (some 200 bytes in sources): an array of
# 1 KiB values, filled, has more bytes a bucket than a reader sized for a
# bucket has room for
bucket=$(bpftool -j map show pinned "$PIN/sources" | json .bytes_value)
plant sources type array key 4 value 1024 entries 64
python3 -c '
import sys
for i in range(16):
    key = " ".join(str(b) for b in i.to_bytes(4, "little"))
    print("map update pinned %s key %s value %s" % (sys.argv[1], key, " 255" * 1024))' \
	"$PIN/sources" >"$WORK/fill.batch"
bpftool batch file "$WORK/fill.batch" >/dev/null
refused_by_all "an array of filled 1 KiB values as sources" \
	"sources: not a map this synlimit pins: array, 4-byte keys, 1024-byte values, 64 entries"
restore sources map
plant sources type lru_hash key 20 value 24 entries 4096
refused_by_all "an LRU hash of the previous layout as sources" \
	"sources: not a map this synlimit pins: lru_hash, 20-byte keys, 24-byte values, 4096 entries"
restore sources map
plant sources type array key 4 value "$bucket" entries 8
refused_by_all "an array of buckets smaller than any --max-sources as sources" \
	"sources: not a map this synlimit pins: array, 4-byte keys, $bucket-byte values, 8 entries, flags 0; expected array, 4, $bucket, 16 to 16777216, 0"
restore sources map
# the first-attempt lines, 32 bytes a bucket, fewer than any --max-sources has
plant first_attempts type array key 4 value 32 entries 8
refused_by_all "an array of first-attempt lines smaller than any --max-sources" \
	"first_attempts: not a map this synlimit pins: array, 4-byte keys, 32-byte values, 8 entries, flags 0; expected array, 4, 32, 16 to 16777216, 0"
restore first_attempts map
plant stats type percpu_array key 4 value 32768 entries 1
refused_by_all "a 32 KiB percpu array as stats" \
	"stats: not a map this synlimit pins: percpu_array, 4-byte keys, 32768-byte values"
restore stats map
plant limit_tables type array key 4 value 4 entries 1
refused_by_all "a plain array as limit_tables" \
	"limit_tables: not a map this synlimit pins: array, 4-byte keys, 4-byte values, 1 entries"
restore limit_tables map
plant sources type array key 4 value "$bucket" entries 1024
refused_by_all "a map of the right layout the program does not use as sources" \
	"the program does not use the pinned map 'sources'"
restore sources map
# a copy of the config, ABI version and all: the ban commands would mark
# bans in a config the data path never reads
config_bytes=$(bpftool -j map show pinned "$PIN/config" | json .bytes_value)
bpftool -j map lookup pinned "$PIN/config" key 0 0 0 0 |
	python3 -c 'import json, sys; print(" ".join(str(int(b, 16)) for b in json.load(sys.stdin)["value"]))' >"$WORK/config.bytes"
plant config type array key 4 value "$config_bytes" entries 1
# shellcheck disable=SC2046
bpftool map update pinned "$PIN/config" key 0 0 0 0 value $(cat "$WORK/config.bytes")
refused_by_all "a copy of the config the program does not use" \
	"the program does not use the pinned map 'config'"
expect_rc "  ...ban refuses it too" 1 sl ban 198.18.0.99
expect_out "  ...saying why" "the program does not use the pinned map 'config'"
restore config map
saved_id=$(pinned_id prog prog)
rm "$PIN/prog"
bpftool prog load "$TOP/build/xdp_bare.bpf.o" "$PIN/prog" type xdp
refused_by_all "a foreign XDP program as prog" "prog: not this synlimit's program"
restore prog prog
expect_rc "with every object restored, status works again" 0 sl status
expect_eq "  ...and no refused reload counted or applied" "$reloads_before 3" \
	"$(sl --json status | json .limits.reloads) $(sl --json status | json .limits.rules)"

# ---- item 3: the pin directory's lock ----
# each command that changes the data path waits for the lock; status waits
# for a writer too
for cmd in "reload $WORK/a.limits" "attach s0" "detach lo" "status"; do
	flock -x "$PIN" sleep 1.5 &
	holder=$!
	sleep 0.3
	start=$(date +%s%N)
	# shellcheck disable=SC2086
	sl $cmd >/dev/null 2>&1
	ms=$((($(date +%s%N) - start) / 1000000))
	wait $holder
	if [ $ms -ge 900 ]; then
		pass "$cmd waits for the pin directory's lock (${ms} ms)"
	else
		fail "$cmd did not wait for the pin directory's lock (${ms} ms)"
	fi
done

# two reloads at once, 50 rounds: every reload counted, and status names the
# file whose table is in force (a.limits has 2 rules, b.limits 3)
live_rules() {
	id=$(bpftool -j map lookup pinned "$PIN/limit_tables" key 0 0 0 0 |
		python3 -c 'import json,sys; v=json.load(sys.stdin)["value"]; print(int.from_bytes(bytes(int(b,16) for b in v[:4]),"little"))')
	bpftool -j map dump id "$id" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
base=$(sl --json status | json .limits.reloads)
wrong=0
round=0
while [ $round -lt 50 ]; do
	sl reload "$WORK/a.limits" >/dev/null 2>&1 &
	r1=$!
	sl reload "$WORK/b.limits" >/dev/null 2>&1 &
	r2=$!
	wait $r1 $r2
	sl --json status >"$WORK/race.json"
	named=$(json .limits.path <"$WORK/race.json")
	rules=$(json .limits.rules <"$WORK/race.json")
	live=$(live_rules)
	case "$named $rules $live" in
	"$WORK/a.limits 2 2" | "$WORK/b.limits 3 3") ;;
	*)
		wrong=$((wrong + 1))
		[ $wrong -le 3 ] && echo "    round $round: status names $named ($rules rules), $live rules in force"
		;;
	esac
	round=$((round + 1))
done
expect_eq "50 rounds of two racing reloads: every reload counted" "$((base + 100))" \
	"$(sl --json status | json .limits.reloads)"
expect_eq "  ...and status always names the table in force (rounds where not)" "0" "$wrong"

# ---- item 4: one consumer of the events ----
ip netns exec "$NS_S" timeout -k 10 -s INT --preserve-status 4 env $WATCH_ENV "$SYNLIMIT" --pin-dir "$PIN" \
	watch >"$WORK/watch1.out" 2>&1 &
watch_pid=$!
sleep 0.8
expect_rc "a second watch while one runs" 1 \
	ip netns exec "$NS_S" timeout -k 10 -s INT --preserve-status 2 env $WATCH_ENV "$SYNLIMIT" --pin-dir "$PIN" watch
expect_out "  ...is refused, saying why" "another synlimit is consuming the events of $PIN: one consumer at a time"
wait $watch_pid
expect_eq "  ...and the first one ran to its end" "0" "$?"
expect_rc "a watch after the first ended" 0 \
	ip netns exec "$NS_S" timeout -k 10 -s INT --preserve-status 1 env $WATCH_ENV "$SYNLIMIT" --pin-dir "$PIN" watch

# ---- item 4: events are labelled from the table they were made under ----
printf '*               5/5s strict\n' >"$WORK/one.limits"
printf '# the same limit, on line 4\n198.18.0.9 allow\n"2001:db8::/64" 3/5s\n* 5/5s strict\n' \
	>"$WORK/four.limits"
start_server 198.18.0.2 2525
sl reload "$WORK/one.limits" >/dev/null 2>&1
gen_one=$(sl --json status | json .limits.generation)
# no watch runs: the block event waits in the ring buffer
expect_eq "10 connects from 198.18.0.1 under one.limits: blocked after 5" "CCCCCxxxxx" \
	"$(connect_n 198.18.0.2 2525 10)"
sl reload "$WORK/four.limits" >/dev/null 2>&1
gen_four=$(sl --json status | json .limits.generation)
expect_eq "each load has its own generation" "yes" "$([ "$gen_four" -gt "$gen_one" ] && echo yes)"
ip netns exec "$NS_S" timeout -k 10 -s INT --preserve-status 4 env $WATCH_ENV "$SYNLIMIT" --pin-dir "$PIN" \
	watch --json >"$WORK/watch.json" 2>&1 &
watch_pid=$!
sleep 0.8
in_client ip addr add 198.18.0.12/24 dev c0
expect_eq "10 connects from 198.18.0.12 under four.limits: blocked after 5" "CCCCCxxxxx" \
	"$(connect_n 198.18.0.2 2525 10 0.3 198.18.0.12)"
wait $watch_pid
# event ADDR FIELD: a field of the first block event of ADDR
event() { grep "\"event\":\"block\",\"addr\":\"$1\"" "$WORK/watch.json" | head -n 1 | json "$2"; }
expect_eq "the event made under one.limits, read after the reload: no file named, its line and generation" \
	"null 1 $gen_one true" \
	"$(event 198.18.0.1 .rule) $(event 198.18.0.1 .line) $(event 198.18.0.1 .generation) $(event 198.18.0.1 .earlier_table)"
expect_eq "the event made under four.limits: its FILE:LINE" \
	"$WORK/four.limits:4 $gen_four false" \
	"$(event 198.18.0.12 .rule) $(event 198.18.0.12 .generation) $(event 198.18.0.12 .earlier_table)"
sl reload "$WORK/one.limits" >/dev/null 2>&1
in_client ip addr add 198.18.0.13/24 dev c0
connect_n 198.18.0.2 2525 10 0.3 198.18.0.13 >/dev/null
sl reload "$WORK/four.limits" >/dev/null 2>&1
ip netns exec "$NS_S" timeout -k 10 -s INT --preserve-status 1 env $WATCH_ENV "$SYNLIMIT" --pin-dir "$PIN" \
	watch >"$WORK/out" 2>&1
expect_out "watch (text) says an event is from an earlier table" \
	"block   198.18.0.13 .* rule line 1 of an earlier table (generation [0-9]*, now [0-9]*)"

# ---- item 5: an empty limits file never lifts the limits by accident ----
rules_before=$(sl --json status | json .limits.rules)
expect_rc "reload of an empty file" 2 sl reload "$WORK/empty.limits"
expect_out "  ...is refused" "empty.limits: no rules (empty, or only comments)"
expect_eq "  ...the table in force is unchanged" "$rules_before $rules_before" \
	"$(sl --json status | json .limits.rules) $(live_rules)"
expect_rc "reload --allow-empty of an empty file" 0 sl reload --allow-empty "$WORK/empty.limits"
expect_eq "  ...loads no rules" "0 0" "$(sl --json status | json .limits.rules) $(live_rules)"
mkfifo "$WORK/fifo"
expect_rc "reload of a FIFO" 2 timeout 10 "$SYNLIMIT" --pin-dir "$PIN" reload "$WORK/fifo"
expect_out "  ...refused at once" "fifo: not a regular file"

expect_rc "detach --all" 0 sl detach --all
expect_eq "  ...removes the pin directory" "no" "$([ -e "$PIN" ] && echo yes || echo no)"
finish
