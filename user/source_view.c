// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* What a source's state means now (see source_view.h): no maps, no clock. */
#include <math.h>
#include "source_view.h"
#include "synlimit/rate.h"
#include "util.h"

/* Would an attempt at `at` be refused? (on a copy: nothing is stored) */
static int refused_at(const struct blocked_state *blk, const struct rule *rule, __u64 at)
{
	struct source_state copy = blk->state;

	/* signed, as the data path reads it: hold_ns may be another CPU's
	 * stamp a moment after `at` */
	if (rule->block_ns && (__s64)(at - blk->hold_ns) < (__s64)rule->block_ns)
		return 1;
	return rate_step(&copy, rule, at);
}

static double ewma_rate_now(const struct source_state *state, const struct rule *rule, __u64 now)
{
	if (state->shape != rule->shape)
		return 0; /* history restarts under this rule */
	if (now <= state->stamp_ns)
		return (double)state->value / Q16_ONE;
	if ((now - state->stamp_ns) >> EWMA_FORGET_PERIODS_SHIFT >= rule->period_ns)
		return 0;
	return (double)qmul63(exp_neg_q32(interval_over_period_q32(now - state->stamp_ns, rule)),
			      state->value) /
	       Q16_ONE;
}

void source_view_compute(struct source_view *v, const struct blocked_state *blk, __u64 now)
{
	const struct rule *rule = &v->rule;

	v->rate = NAN;
	v->blocked = 0;
	v->remaining_s = 0;
	if (!v->has_rule || rule->action != RULE_LIMIT)
		return;
	if (rule->algo == ALGO_EWMA)
		v->rate = ewma_rate_now(&blk->state, rule, now);
	if (!v->in_blocked)
		return;
	v->drops = blk->drops;
	v->since_ns = blk->since_ns;
	v->blocked = refused_at(blk, rule, now);
	if (v->blocked) {
		/* the first moment it passes: refusal only ends as time goes on */
		__u64 lo = now, hi = now + (64 * rule->period_ns) + rule->block_ns + 1;

		while (hi - lo > NSEC_PER_MSEC) {
			__u64 mid = lo + (hi - lo) / 2;

			if (refused_at(blk, rule, mid))
				lo = mid;
			else
				hi = mid;
		}
		v->remaining_s = (double)(hi - now) / NSEC_PER_SEC;
	}
}
