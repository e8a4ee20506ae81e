/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The rate math: pure integer functions with no helpers and no floating
 * point, compiled into the XDP program and into the host unit tests, which
 * check them against a double-precision model of Exim's formula.
 *
 * Fixed-point formats: Qn means value * 2^n.
 *   rate     Q16 events per period (u64)
 *   x = i/p  Q32 (interval over period)
 *   a        Q63 (smoothing factor e^-x)
 */
#ifndef SYNLIMIT_RATE_H
#define SYNLIMIT_RATE_H

#include <linux/types.h>
#include "abi.h"
#include "exp_table.h"

#ifdef __bpf__
#define RATE_FN static __always_inline
#else
#define RATE_FN static inline
#endif

#define Q16_ONE (1ULL << 16)
#define Q32_ONE (1ULL << 32)
#define Q63_ONE (1ULL << 63)
/* Rates saturate here (2^46 events per period) instead of wrapping. */
#define RATE_MAX_Q16 (1ULL << 62)
/* Beyond 64 periods e^-x is below 2^-92: the old rate is forgotten. */
#define EWMA_FORGET_PERIODS_SHIFT 6

struct u128 {
	__u64 hi, lo;
};

/* Full 64x64 -> 128-bit product from 32-bit halves (BPF has no mulhi). */
RATE_FN struct u128 mul_64x64(__u64 a, __u64 b)
{
	__u64 a_lo = (__u32)a, a_hi = a >> 32;
	__u64 b_lo = (__u32)b, b_hi = b >> 32;
	__u64 p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
	__u64 mid = (p0 >> 32) + (__u32)p1 + (__u32)p2;
	struct u128 r;

	r.lo = (mid << 32) | (__u32)p0;
	r.hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
	return r;
}

/* (a * b) >> shift for shift in 1..127, saturating at 2^64 - 1. */
RATE_FN __u64 mul_shr(__u64 a, __u64 b, __u32 shift)
{
	struct u128 p = mul_64x64(a, b);

	if (shift >= 64)
		return p.hi >> (shift - 64);
	if (p.hi >> shift)
		return ~0ULL;
	return (p.hi << (64 - shift)) | (p.lo >> shift);
}

RATE_FN __u64 qmul63(__u64 a, __u64 b)
{
	return mul_shr(a, b, 63);
}

/* y / 6 and y / 24 without a division: mulhi(y, 0xAAAAAAAAAAAAAAAB) >> 2 is y / 6. */
#define DIV6_MAGIC 0xAAAAAAAAAAAAAAABULL

/*
 * e^-x for x in Q32, result in Q63. x = n + j/256 + r with r < 1/256:
 * e^-n and e^-(j/256) come from tables, e^-r = 1 - r + r^2/2 - r^3/6 with
 * an error below r^4/24 < 1e-11 relative. (1 - a) / x amplifies the error of
 * a for small x, hence the cubic term.
 */
RATE_FN __u64 exp_neg_q32(__u64 x)
{
	__u64 n = x >> 32;
	__u32 j = (x >> 24) & 0xff;
	__u64 r, r2, r3, poly;

	if (n >= 64)
		return 0;
	r = (x & 0xffffff) << 31; /* Q63, below 2^55 */
	r2 = qmul63(r, r);
	r3 = qmul63(r2, r);
	poly = Q63_ONE - r + (r2 >> 1) - mul_shr(r3, DIV6_MAGIC, 66);
	return qmul63(qmul63(exp_neg_int_q63[n], exp_neg_frac_q63[j]), poly);
}

/* The smoothing factor and the weight of one event, for x = i/p in Q32. */
struct ewma_factors {
	__u64 a; /* e^-x, Q63 */
	__u64 g; /* (1 - e^-x) / x, Q32: the weight of one event in the new rate */
};

/*
 * Small x (a flood: intervals far below the period) takes one power series
 * for both, sharing x^2..x^4 and no division:
 *   e^-x           = 1 - x + x^2/2 - x^3/6 + x^4/24    (error < x^5/120 < 7e-12)
 *   (1 - e^-x) / x = 1 - x/2 + x^2/6 - x^3/24 + x^4/120 (error < x^5/720)
 * Larger x: the tables, and one division.
 */
RATE_FN struct ewma_factors ewma_factors_q32(__u64 x)
{
	struct ewma_factors f;

	if (x == 0) {
		f.a = Q63_ONE;
		f.g = Q32_ONE;
	} else if (x < (1ULL << 26)) {
		__u64 xq = x << 31; /* Q63 */
		__u64 x2 = qmul63(xq, xq);
		__u64 x3 = qmul63(x2, xq);
		__u64 x4 = qmul63(x3, xq);
		/* x / 120 = (x / 24) / 5; mulhi(y, 0xCCCCCCCCCCCCCCCD) >> 2 is y / 5 */
		__u64 x4_24 = mul_shr(x4, DIV6_MAGIC, 68);

		f.a = Q63_ONE - xq + (x2 >> 1) - mul_shr(x3, DIV6_MAGIC, 66) + x4_24;
		f.g = (Q63_ONE - (xq >> 1) + mul_shr(x2, DIV6_MAGIC, 66) -
		       mul_shr(x3, DIV6_MAGIC, 68) + mul_shr(x4_24, 0xCCCCCCCCCCCCCCCDULL, 66)) >>
		      31;
	} else {
		f.a = exp_neg_q32(x);
		f.g = ((Q63_ONE - f.a) / x) << 1; /* Q63 / Q32 = Q31 */
	}
	return f;
}

/* interval / period in Q32 through the rule's reciprocal (no division). */
RATE_FN __u64 interval_over_period_q32(__u64 interval_ns, const struct rule *rule)
{
	return mul_shr(interval_ns, rule->recip, rule->recip_shift);
}

/*
 * Exim's smoothed rate after one more event at `now`:
 *   a = exp(-i/p); rate' = (1 - a) / (i/p) + a * rate; rate' >= 1.
 * A clock that goes backwards (another CPU's older timestamp) counts as no
 * time passing, as Exim clamps the interval to almost nothing.
 */
RATE_FN __u64 ewma_next_q16(__u64 rate, __u64 stamp_ns, __u64 now, const struct rule *rule)
{
	__u64 interval = now > stamp_ns ? now - stamp_ns : 0;
	struct ewma_factors f;
	__u64 x, next;

	if ((interval >> EWMA_FORGET_PERIODS_SHIFT) >= rule->period_ns)
		return Q16_ONE;
	x = interval_over_period_q32(interval, rule);
	f = ewma_factors_q32(x);
	next = ((f.g + (1ULL << 15)) >> 16) + qmul63(f.a, rate);
	if (next < Q16_ONE)
		next = Q16_ONE;
	if (next > RATE_MAX_Q16)
		next = RATE_MAX_Q16;
	return next;
}

/* A moment with a Q32 fraction of a nanosecond, for the token bucket. */
RATE_FN int moment_le(__u64 a_ns, __u64 a_frac, __u64 b_ns, __u64 b_frac)
{
	return a_ns < b_ns || (a_ns == b_ns && a_frac <= b_frac);
}

/* Advance a moment by (ns, frac), carrying the fraction. */
RATE_FN void moment_add(__u64 *ns, __u64 *frac, __u64 add_ns, __u64 add_frac)
{
	*frac += add_frac;
	*ns += add_ns + (*frac >> 32);
	*frac &= 0xffffffffULL;
}

/*
 * One connection attempt against a rule's limit. Returns 1 when it is over
 * the limit. Updates *st as the mode says: strict always, leaky only when
 * the attempt is accepted. A state of another shape (never seen: shape 0,
 * or the rule's algorithm or period changed by a reload) starts afresh, as
 * Exim starts a new key: rate 1, or a full bucket.
 *
 * ewma:   over when rate' >= limit.
 * bucket: GCRA. Conforming when TAT <= now + tau; then TAT = max(TAT, now) + T.
 *         Strict mode charges a refused attempt too, with the debt capped
 *         at one period so a source that stops is let in within a period.
 */
RATE_FN int rate_step(struct source_state *st, const struct rule *rule, __u64 now)
{
	int fresh = st->shape != rule->shape;
	int strict = !(rule->flags & RULE_F_LEAKY);
	int over;

	if (rule->algo == ALGO_BUCKET) {
		__u64 tat_ns = fresh ? now : st->stamp_ns;
		__u64 tat_frac = fresh ? 0 : st->value & 0xffffffffULL;
		__u64 lim_ns = now + rule->tolerance_ns;

		over = !moment_le(tat_ns, tat_frac, lim_ns, rule->tolerance_frac);
		if (over && !strict)
			return over;
		if (!over && tat_ns < now) {
			tat_ns = now;
			tat_frac = 0;
		}
		moment_add(&tat_ns, &tat_frac, rule->interval_ns, rule->interval_frac);
		if (over &&
		    !moment_le(tat_ns, tat_frac, lim_ns + rule->period_ns, rule->tolerance_frac)) {
			tat_ns = lim_ns + rule->period_ns;
			tat_frac = rule->tolerance_frac;
		}
		st->stamp_ns = tat_ns;
		st->value = tat_frac;
	} else {
		__u64 rate = fresh ? Q16_ONE : ewma_next_q16(st->value, st->stamp_ns, now, rule);

		over = rate >= rule->limit_q16;
		if (over && !strict)
			return over;
		st->stamp_ns = now;
		st->value = rate;
	}
	st->shape = rule->shape;
	return over;
}

#endif /* SYNLIMIT_RATE_H */
