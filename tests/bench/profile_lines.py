#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Where an XDP program's time goes, by source line, from perf samples.

profile_lines.py LINES PACKETS [TOP] < perf-script-output

LINES is prog_lines' output for the program; the input is `perf script -F
period,ip,sym` of a `perf record -g` taken while PACKETS packets went
through it. A sample counts for the program where its leaf is in the
program's JIT image (by the line that starts at or before it) or in a kernel
function the program called (a helper: the program is in its call chain).
Prints ns per packet: the total, the groups below, then the TOP busiest
lines (30 by default)."""
import bisect
import collections
import re
import sys

# Groups of synlimit's lines by their source text (first match wins).
GROUPS = [
    ("flood cache lookup", r"fb->tag|flood_block|block = slot|e->generation &&|e->src\.u32|0x9e3779b1|"
     r"head\.tag\[e->way|e->any_port|flood_match|!fb"),
    ("tick move: fold, lock, step", r"folded|f->drops|f->adds|f->slot|flood_take|flood_counts_for|e->own_counts|"
     r"counts ==|drops = \*|adds = \*|f->key|flood_give|b->e\[\(f->slot|flood_move|spin_|"
     r"step_locked|percpu_elem"),
    ("counters", r"iface_stats|is->|is &&|counters_of|SYNLIMIT_IFACE_SLOT|st->count|&stats|stat < STAT_MAX"),
    ("clock", r"ktime|clock_now|coarse|set_normalized"),
]


def group_of(text):
    for name, rx in GROUPS:
        if re.search(rx, text):
            return name
    return "the rest (parse, ban check, generation, the drop's counts, calls)"


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    top = int(sys.argv[3]) if len(sys.argv) == 4 else 30
    starts, funcs = [], []
    for line in open(sys.argv[1]):
        f = line.rstrip("\n").split(" ", 2)
        if f[0] == "func":
            funcs.append((int(f[1], 16), int(f[2])))
        else:
            starts.append((int(f[0], 16), int(f[1]), f[2].strip() if len(f) > 2 else ""))
    starts.sort()
    addrs = [a for a, _, _ in starts]
    packets = int(sys.argv[2])

    def in_prog(ip):
        return any(a <= ip < a + n for a, n in funcs)

    by_line, by_group = collections.Counter(), collections.Counter()
    sample = []  # (period, [(ip, sym), ...]) of the sample being read

    def flush():
        if not sample or not sample[0][1]:
            return
        period, chain = sample[0]
        ip, sym = chain[0]
        if in_prog(ip):
            i = bisect.bisect_right(addrs, ip) - 1
            _, num, text = starts[i] if i >= 0 else (0, 0, "")
            key = "%d  %s" % (num, text[:90])
        elif any(in_prog(a) for a, _ in chain[1:]):
            key = "helper " + sym
        else:
            return
        by_line[key] += period
        by_group[group_of(key)] += period

    for raw in sys.stdin:
        s = raw.strip()
        if not s:
            flush()
            sample.clear()
            continue
        f = s.split()
        if len(f) == 1 and f[0].isdigit():
            flush()
            sample[:] = [(int(f[0]), [])]
        elif sample and len(f) >= 2:
            try:
                sample[0][1].append((int(f[0], 16), f[1]))
            except ValueError:
                pass
    flush()
    total = sum(by_line.values())
    if not total or not packets:
        sys.exit("profile_lines: no samples in the program")
    print("program and its helpers: %.1f ns a packet" % (total / packets))
    print()
    print("| group (by source text) | ns a packet | share |")
    print("|---|---|---|")
    for name, v in by_group.most_common():
        print("| %s | %.1f | %.0f%% |" % (name, v / packets, 100.0 * v / total))
    print()
    print("| line | ns a packet |")
    print("|---|---|")
    for key, v in by_line.most_common(top):
        print("| `%s` | %.2f |" % (key.replace("|", "\\|"), v / packets))


main()
