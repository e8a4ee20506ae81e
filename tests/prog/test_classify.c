// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The classifier's packet table, run through the real XDP program with
 * BPF_PROG_TEST_RUN: {description, packet, expected verdict, expected
 * counter deltas}. Every class and every malformed reason appears here.
 * No limits are loaded, so a connection attempt also counts syn_no_rule.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "classify_cases.h"
#include "pkt.h"
#include "stats.h"
#include "synlimit.skel.h"

static const char *verdict_name(__u32 verdict)
{
	return verdict == XDP_PASS ? "pass" : verdict == XDP_DROP ? "drop" : "other";
}

/* iface_fd >= 0: the counters are read with the interfaces' slots */
static int run_case(int prog_fd, int stats_fd, int iface_fd, const struct classify_case *tc)
{
	__u8 frame[PKT_MAX];
	__u64 before[STAT_MAX], after[STAT_MAX];
	size_t len = pkt_build(&tc->pkt, frame, sizeof(frame));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .repeat = 1);
	int i, ok = 1;

	if (!len)
		return check(0, "%s: packet does not build", tc->name);
	if (stats_read(stats_fd, iface_fd, before) || bpf_prog_test_run_opts(prog_fd, &opts) ||
	    stats_read(stats_fd, iface_fd, after))
		return check(0, "%s: test run failed: %m", tc->name);

	if (opts.retval != (__u32)tc->verdict) {
		check(0, "%s: expected verdict %s, got %s (%u)", tc->name,
		      verdict_name(tc->verdict), verdict_name(opts.retval), opts.retval);
		ok = 0;
	}
	for (i = 0; i < STAT_MAX; i++) {
		__u64 expected =
		    i == (int)tc->class || (tc->class == STAT_SYN && i == STAT_SYN_NO_RULE);

		if (after[i] - before[i] != expected) {
			check(0, "%s: expected %s +%llu, got +%llu", tc->name, stat_name(i),
			      (unsigned long long)expected,
			      (unsigned long long)(after[i] - before[i]));
			ok = 0;
		}
	}
	if (ok)
		check(1, "%s%s: %s, %s +1", iface_fd >= 0 ? "in lo's slot: " : "", tc->name,
		      verdict_name(tc->verdict), stat_name(tc->class));
	return ok;
}

/* One interface's totals from its slot (iface_stats_read); 0 if it has none. */
static int iface_totals(int iface_fd, __u32 ifindex, struct stats_summary *out)
{
	static struct iface_total t[SYNLIMIT_MAX_IFACES];
	int i, n = iface_stats_read(iface_fd, t, SYNLIMIT_MAX_IFACES);

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		if (t[i].ifindex == ifindex) {
			*out = t[i].total;
			return 1;
		}
	return 0;
}

/*
 * The packet table again with the loopback's slot claimed (test runs come
 * in on it): the program counts every packet there alone, its verdicts'
 * totals follow from the counters, and a slot taken by another interface
 * (a colliding ifindex) and then given back keeps its counts in the totals.
 */
static void check_iface_slot(struct synlimit_bpf *skel)
{
	int prog_fd = bpf_program__fd(skel->progs.synlimit_xdp),
	    stats_fd = bpf_map__fd(skel->maps.stats),
	    iface_fd = bpf_map__fd(skel->maps.iface_stats);
	__u32 lo = if_nametoindex("lo"), taken_from;
	__u64 map_before[STAT_MAX], map_after[STAT_MAX], total[STAT_MAX], later[STAT_MAX];
	unsigned long long drops = 0, n = sizeof(cases) / sizeof(cases[0]);
	struct stats_summary t;
	size_t i;
	int rc;

	rc = iface_stats_claim(iface_fd, lo, 0, &taken_from);
	if (!check(rc == 1 && !taken_from, "claim lo's slot: 1, taken from none (got %d, %u)", rc,
		   taken_from))
		return;
	stats_read(stats_fd, -1, map_before);
	for (i = 0; i < n; i++) {
		run_case(prog_fd, stats_fd, iface_fd, &cases[i]);
		drops += cases[i].verdict == XDP_DROP;
	}
	stats_read(stats_fd, -1, map_after);
	check(!memcmp(map_before, map_after, sizeof(map_before)),
	      "with lo's slot claimed, the stats map counts none of its packets");
	iface_totals(iface_fd, lo, &t);
	check(t.packets == n && t.dropped == drops && t.passed == n - drops && !t.answered,
	      "lo's totals: %llu packets, %llu dropped, %llu passed, 0 answered (got %llu, %llu, "
	      "%llu, %llu)",
	      n, drops, n - drops, (unsigned long long)t.packets, (unsigned long long)t.dropped,
	      (unsigned long long)t.passed, (unsigned long long)t.answered);

	stats_read(stats_fd, iface_fd, total);
	rc = iface_stats_claim(iface_fd, lo + SYNLIMIT_MAX_IFACES, 1, &taken_from);
	check(rc == 1 && taken_from == lo, "a colliding ifindex takes lo's slot (got %d, from %u)",
	      rc, taken_from);
	stats_read(stats_fd, iface_fd, later);
	check(!memcmp(total, later, sizeof(total)),
	      "...and the totals keep what the slot counted for lo");
	check(!iface_totals(iface_fd, lo, &t) &&
		  iface_totals(iface_fd, lo + SYNLIMIT_MAX_IFACES, &t) && !t.packets,
	      "...lo has no slot now, the new owner's starts from 0 (got %llu packets)",
	      (unsigned long long)t.packets);
	rc = iface_stats_release(iface_fd, lo + SYNLIMIT_MAX_IFACES);
	stats_read(stats_fd, iface_fd, later);
	check(!rc && !memcmp(total, later, sizeof(total)),
	      "released, the slot's counts stay in the totals (rc %d)", rc);
}

/* The table must name every class at least once. */
static void check_coverage(void)
{
	int seen[STAT_MAX] = { 0 };
	size_t i;
	int c;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		seen[cases[i].class]++;
	for (c = STAT_CLASS_FIRST; c <= STAT_CLASS_LAST; c++)
		check(seen[c] > 0, "packet table covers class %s (%d cases)", stat_name(c),
		      seen[c]);
	check(sizeof(cases) / sizeof(cases[0]) >= 50, "packet table has %zu cases (>= 50)",
	      sizeof(cases) / sizeof(cases[0]));
}

int main(void)
{
	struct synlimit_bpf *skel;
	size_t i;

	check_coverage();
	if (geteuid() != 0) {
		check_skip("packet table: BPF_PROG_TEST_RUN needs root");
		return check_done();
	}
	skel = synlimit_bpf__open_and_load();
	if (!skel) {
		check(0, "load the XDP program: %m");
		return check_done();
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(bpf_program__fd(skel->progs.synlimit_xdp), bpf_map__fd(skel->maps.stats),
			 -1, &cases[i]);
	check_iface_slot(skel);
	synlimit_bpf__destroy(skel);
	return check_done();
}
