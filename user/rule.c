// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Compile a limit into struct rule: the constants that let the XDP program
 * do its rate math without division on the hot path. 128-bit arithmetic
 * here, so nothing the data path computes can overflow. format_rule turns
 * a compiled rule back into the words of a limits file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "clock.h"
#include "rule.h"

typedef unsigned __int128 u128;

static unsigned int floor_log2(__u64 v)
{
	return 63 - __builtin_clzll(v);
}

/* n / d as whole nanoseconds and a Q32 fraction, rounded down or up. */
static void split_q32(u128 n, __u64 d, __u64 *ns, __u64 *frac, int round_up)
{
	u128 whole = n / d, rem = n % d;
	u128 f = (rem << 32) / d;

	if (round_up && (rem << 32) % d)
		f++;
	if (f >> 32) { /* rounding carried into the nanoseconds */
		whole++;
		f = 0;
	}
	*ns = (__u64)whole;
	*frac = (__u64)f;
}

static int compile_bucket(const struct limit_spec *spec, struct rule *rule, const char **err)
{
	__u64 burst = spec->burst;
	u128 interval_q32, tolerance_q32;

	if (spec->limit_milli == 0) {
		*err = "a bucket with limit 0 never passes anything: use deny";
		return -EINVAL;
	}
	if (!burst)
		burst = spec->limit_milli >= 1000 ? spec->limit_milli / 1000 : 1;
	/* T = period / limit, rounded up: the sustained rate is never above the
	 * limit. tau = (burst - 1) * T of that same T, so that exactly `burst`
	 * simultaneous attempts conform. */
	split_q32((u128)spec->period_ns * 1000, spec->limit_milli, &rule->interval_ns,
		  &rule->interval_frac, 1);
	interval_q32 = (u128)rule->interval_ns << 32 | rule->interval_frac;
	tolerance_q32 = interval_q32 * (burst - 1);
	if (tolerance_q32 >> 32 >= (1ULL << 62)) {
		*err = "burst times period over limit is too long (over 146 years)";
		return -EINVAL;
	}
	rule->tolerance_ns = (__u64)(tolerance_q32 >> 32);
	rule->tolerance_frac = (__u64)tolerance_q32 & 0xffffffffULL;
	return 0;
}

int rule_compile(const struct limit_spec *spec, struct rule *rule, const char **err)
{
	unsigned int k;

	memset(rule, 0, sizeof(*rule));
	rule->action = spec->action;
	rule->line = spec->line;
	rule->flags = (spec->leaky ? RULE_F_LEAKY : 0) | (spec->dry_run ? RULE_F_DRY_RUN : 0) |
		      spec->syncookies;
	if (spec->action != RULE_LIMIT)
		return 0;

	if (spec->period_ns < PERIOD_MIN_NS || spec->period_ns > PERIOD_MAX_NS ||
	    spec->period_ns % NSEC_PER_MSEC) {
		*err = "period must be whole milliseconds from 1ms to 1d";
		return -EINVAL;
	}
	if (spec->limit_milli > LIMIT_MAX_MILLI) {
		*err = "limit must be at most 1000000000 per period";
		return -EINVAL;
	}
	if (spec->block_ns > BLOCK_MAX_NS) {
		*err = "block must be at most 7d";
		return -EINVAL;
	}
	if (spec->per_prefix < 1 || spec->per_prefix > 128) {
		*err = "aggregation prefix out of range";
		return -EINVAL;
	}

	rule->algo = spec->algo;
	rule->per_prefix = spec->per_prefix;
	prefix_mask(&rule->per_mask, spec->per_prefix);
	rule->period_ns = spec->period_ns;
	rule->block_ns = spec->block_ns;
	/* never 0 (period >= 1ms): a fresh state has shape 0 */
	rule->shape = (__u32)spec->algo << 31 | (__u32)(spec->period_ns / NSEC_PER_MSEC);

	/* ewma: the limit in Q16, rounded to nearest */
	rule->limit_q16 = (__u64)(((u128)spec->limit_milli * 65536 + 500) / 1000);
	/* i/p in Q32 = (i * recip) >> (31 + k), recip = 2^(63+k) / p, p in [2^k, 2^(k+1)) */
	k = floor_log2(spec->period_ns);
	rule->recip = (__u64)(((u128)1 << (63 + k)) / spec->period_ns);
	rule->recip_shift = 31 + k;

	if (spec->algo == ALGO_BUCKET)
		return compile_bucket(spec, rule, err);
	return 0;
}

char *format_rule(const struct rule *rule, char *buf, size_t size)
{
	char period[32], block[32];
	__u64 milli = (rule->limit_q16 * 1000 + 32768) >> 16;
	int used;

	if (rule->action != RULE_LIMIT) {
		snprintf(buf, size, "%s%s", rule->action == RULE_ALLOW ? "allow" : "deny",
			 rule->flags & RULE_F_DRY_RUN ? " dry-run" : "");
		return buf;
	}
	format_duration(rule->period_ns, period, sizeof(period));
	if (milli % 1000) {
		char frac[8];
		int end =
		    snprintf(frac, sizeof(frac), "%03llu", (unsigned long long)(milli % 1000));

		while (end > 1 && frac[end - 1] == '0') /* 2.5, not 2.500 */
			frac[--end] = '\0';
		used = snprintf(buf, size, "%llu.%s/%s", (unsigned long long)(milli / 1000), frac,
				period);
	} else
		used = snprintf(buf, size, "%llu/%s", (unsigned long long)(milli / 1000), period);
	if (rule->algo == ALGO_BUCKET) {
		unsigned __int128 t =
		    (unsigned __int128)rule->interval_ns << 32 | rule->interval_frac;
		unsigned __int128 tau =
		    (unsigned __int128)rule->tolerance_ns << 32 | rule->tolerance_frac;

		used += snprintf(buf + used, size - used, " bucket burst=%llu",
				 (unsigned long long)(tau / t + 1));
	}
	used += snprintf(buf + used, size - used, " %s",
			 rule->flags & RULE_F_LEAKY ? "leaky" : "strict");
	if (rule->block_ns)
		used += snprintf(buf + used, size - used, " block=%s",
				 format_duration(rule->block_ns, block, sizeof(block)));
	if (rule->per_prefix != 128)
		used += snprintf(buf + used, size - used, " per=/%u",
				 rule->per_prefix >= 96 ? rule->per_prefix - 96 : rule->per_prefix);
	if (rule->flags & (RULE_F_COOKIES_ON | RULE_F_COOKIES_OFF))
		used += snprintf(buf + used, size - used, " syncookies=%s",
				 rule->flags & RULE_F_COOKIES_ON ? "on" : "off");
	if (rule->flags & RULE_F_DRY_RUN)
		snprintf(buf + used, size - used, " dry-run");
	return buf;
}
