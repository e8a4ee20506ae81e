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

static int run_case(int prog_fd, int stats_fd, const struct classify_case *tc)
{
	__u8 frame[PKT_MAX];
	__u64 before[STAT_MAX], after[STAT_MAX];
	size_t len = pkt_build(&tc->pkt, frame, sizeof(frame));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .repeat = 1);
	int i, ok = 1;

	if (!len)
		return check(0, "%s: packet does not build", tc->name);
	if (stats_read(stats_fd, before) || bpf_prog_test_run_opts(prog_fd, &opts) ||
	    stats_read(stats_fd, after))
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
		check(1, "%s: %s, %s +1", tc->name, verdict_name(tc->verdict),
		      stat_name(tc->class));
	return ok;
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
			 &cases[i]);
	synlimit_bpf__destroy(skel);
	return check_done();
}
