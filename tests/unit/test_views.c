// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Host tests of what the reports compute, without BPF: a source's state
 * read at a time (user/source_view.c: rate now, blocked or not, how long
 * until it passes) and what the counters add up to (user/stats.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rule.h"
#include "source_view.h"
#include "stats.h"
#include "synlimit/rate.h"
#include "util.h"

#define T0 (1000 * NSEC_PER_SEC)

static struct rule compile(enum rule_action action, enum rule_algo algo, __u64 limit,
			   __u64 period_ns, __u64 block_ns)
{
	struct limit_spec spec = {
		.action = action,
		.algo = algo,
		.limit_milli = limit * 1000,
		.period_ns = period_ns,
		.block_ns = block_ns,
		.per_prefix = 128,
	};
	struct rule rule;
	const char *err = NULL;

	if (rule_compile(&spec, &rule, &err)) {
		fprintf(stderr, "rule_compile: %s\n", err);
		exit(2);
	}
	return rule;
}

/* The state after n attempts at `at`, as the data path leaves it. */
static struct blocked_state attempts(const struct rule *rule, int n, __u64 at)
{
	struct blocked_state blk = { .since_ns = at, .hold_ns = at, .drops = 7 };
	int i;

	for (i = 0; i < n; i++)
		rate_step(&blk.state, rule, at);
	return blk;
}

static struct source_view view_at(const struct rule *rule, int has_rule, int in_blocked,
				  const struct blocked_state *blk, __u64 now)
{
	struct source_view v = { .has_rule = has_rule, .in_blocked = in_blocked };

	if (rule)
		v.rule = *rule;
	source_view_compute(&v, blk, now);
	return v;
}

static int near(double got, double want, double tolerance)
{
	return fabs(got - want) <= tolerance;
}

static void test_no_limit(void)
{
	struct rule allow = compile(RULE_ALLOW, ALGO_EWMA, 0, 0, 0);
	struct blocked_state blk = { 0 };
	struct source_view v = view_at(NULL, 0, 1, &blk, T0);

	check(isnan(v.rate) && !v.blocked && v.remaining_s == 0,
	      "no rule: no rate, not blocked (got rate %g, blocked %d, remaining %g)", v.rate,
	      v.blocked, v.remaining_s);
	v = view_at(&allow, 1, 1, &blk, T0);
	check(isnan(v.rate) && !v.blocked, "allow rule: no rate, not blocked (got %g, %d)", v.rate,
	      v.blocked);
}

static void test_ewma_rate(void)
{
	struct rule rule = compile(RULE_LIMIT, ALGO_EWMA, 5, 5 * NSEC_PER_SEC, 0);
	struct blocked_state blk = attempts(&rule, 3, T0);
	struct source_view v = view_at(&rule, 1, 0, &blk, T0);
	double stored = (double)blk.state.value / Q16_ONE;

	check(v.rate == stored,
	      "ewma rate at the last update is the stored rate: expected %g, got %g", stored,
	      v.rate);
	v = view_at(&rule, 1, 0, &blk, T0 + 5 * NSEC_PER_SEC);
	check(near(v.rate, stored * exp(-1), stored * 1e-4),
	      "ewma rate one period later has decayed by e: expected %g, got %g", stored * exp(-1),
	      v.rate);
	v = view_at(&rule, 1, 0, &blk, T0 + 64 * 5 * NSEC_PER_SEC);
	check(v.rate == 0, "ewma rate 64 periods later is forgotten: expected 0, got %g", v.rate);
	check(!v.blocked && v.remaining_s == 0,
	      "a source of the sources table is never shown blocked (got %d, %g)", v.blocked,
	      v.remaining_s);

	rule = compile(RULE_LIMIT, ALGO_EWMA, 5, 10 * NSEC_PER_SEC, 0); /* another shape */
	v = view_at(&rule, 1, 0, &blk, T0);
	check(v.rate == 0, "ewma state of another period restarts at 0: got %g", v.rate);
}

static void test_bucket_blocked(void)
{
	struct rule rule = compile(RULE_LIMIT, ALGO_BUCKET, 1, NSEC_PER_SEC, 0);
	struct blocked_state blk = attempts(&rule, 1, T0);
	struct source_view v = view_at(&rule, 1, 1, &blk, T0 + 400 * NSEC_PER_MSEC);

	check(isnan(v.rate), "bucket: no rate (got %g)", v.rate);
	check(v.blocked && near(v.remaining_s, 0.6, 0.0011),
	      "bucket 1/1s, 0.4s after a pass: blocked for 0.6s more, got blocked %d, %.4fs",
	      v.blocked, v.remaining_s);
	CHECK_EQ_U64("blocked source: drops come from the blocked table", 7, v.drops);
	CHECK_EQ_U64("blocked source: since comes from the blocked table", T0, v.since_ns);
	v = view_at(&rule, 1, 1, &blk, T0 + NSEC_PER_SEC);
	check(!v.blocked && v.remaining_s == 0,
	      "bucket 1/1s, 1s after a pass: passes again (got blocked %d, %gs)", v.blocked,
	      v.remaining_s);
}

static void test_block_duration(void)
{
	struct rule rule = compile(RULE_LIMIT, ALGO_EWMA, 1000, NSEC_PER_SEC, 10 * NSEC_PER_SEC);
	struct blocked_state blk = attempts(&rule, 1, T0);
	struct source_view v = view_at(&rule, 1, 1, &blk, T0 + 3 * NSEC_PER_SEC);

	check(v.blocked && near(v.remaining_s, 7.0, 0.0011),
	      "block=10s, 3s into it: blocked for 7s more, got blocked %d, %.4fs", v.blocked,
	      v.remaining_s);
}

/* hold_ns stamped by a CPU whose clock reads a little later than ours:
 * the window has begun, not ended (signed, as the data path reads it) */
static void test_block_stamped_later(void)
{
	struct rule rule = compile(RULE_LIMIT, ALGO_EWMA, 1000, NSEC_PER_SEC, 10 * NSEC_PER_SEC);
	struct blocked_state blk = attempts(&rule, 1, T0);
	struct source_view v;

	blk.hold_ns = T0 + 1000;
	v = view_at(&rule, 1, 1, &blk, T0);
	check(v.blocked && near(v.remaining_s, 10.0, 0.0011),
	      "block=10s stamped 1us after now: blocked for 10s more, got blocked %d, %.4fs",
	      v.blocked, v.remaining_s);
}

static void test_counters(void)
{
	__u64 c[STAT_MAX] = { 0 };
	struct stats_summary sum;
	int i;

	for (i = 0; i < STAT_MAX; i++)
		c[i] = (__u64)i + 1;
	stats_summarize(c, &sum);
	/* classes are 0..STAT_CLASS_LAST: 1 + 2 + ... + (STAT_CLASS_LAST + 1) */
	CHECK_EQ_U64("packets: the sum of the class counters",
		     (STAT_CLASS_LAST + 1) * (STAT_CLASS_LAST + 2) / 2, sum.packets);
	CHECK_EQ_U64("syn: the connection attempt counter", STAT_SYN + 1, sum.syn);
	CHECK_EQ_U64("malformed: the dropped malformed classes",
		     (STAT_MALFORMED_DROP_FIRST + 1 + STAT_MALFORMED_DROP_LAST + 1) *
			 (STAT_MALFORMED_DROP_LAST - STAT_MALFORMED_DROP_FIRST + 1) / 2,
		     sum.malformed);
	CHECK_EQ_U64("dropped: malformed plus deny, limit, block, ban and SYN-ACK cap drops",
		     sum.malformed + STAT_SYN_DROP_DENY + 1 + STAT_SYN_DROP_LIMIT + 1 +
			 STAT_SYN_DROP_BLOCK + 1 + STAT_SYN_DROP_BAN + 1 + STAT_SYN_COOKIE_CAPPED +
			 1,
		     sum.dropped);
	CHECK_EQ_U64("answered: the SYNs answered with a cookie", STAT_SYN_COOKIE_SENT + 1,
		     sum.answered);
	CHECK_EQ_U64("passed: the passing classes but SYN, and the passing SYN outcomes",
		     STAT_NOT_IP + 1 + STAT_IPV4_OTHER + 1 + STAT_IPV6_OTHER + 1 + STAT_TCP_OTHER +
			 1 + STAT_FRAGMENT + 1 + STAT_BAD_L2_TRUNC + 1 + STAT_SYN_NO_RULE + 1 +
			 STAT_SYN_ALLOWED + 1 + STAT_SYN_PASSED + 1 + STAT_SYN_WOULD_DROP + 1 +
			 STAT_SYN_NO_STATE + 1,
		     sum.passed);
	/* a SYN counted in its class, its outcome not yet: in packets, in no verdict */
	memset(c, 0, sizeof(c));
	c[STAT_TCP_OTHER] = 3;
	c[STAT_SYN] = 2;
	c[STAT_SYN_DROP_LIMIT] = 1;
	stats_summarize(c, &sum);
	CHECK_EQ_U64("a SYN still being decided: 5 packets", 5, sum.packets);
	CHECK_EQ_U64("...3 passed (not 4: no verdict goes down when it is decided)", 3, sum.passed);
	CHECK_EQ_U64("...1 dropped", 1, sum.dropped);
	CHECK_EQ_U64("evicted: inserts - deletes - entries", 5, stats_evicted(100, 20, 75));
	CHECK_EQ_U64("evicted: an uncounted insert is not a negative eviction", 0,
		     stats_evicted(10, 0, 11));
}

int main(void)
{
	test_no_limit();
	test_ewma_rate();
	test_bucket_blocked();
	test_block_duration();
	test_block_stamped_later();
	test_counters();
	return check_done();
}
