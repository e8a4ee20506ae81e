// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Host tests of the rate math in include/synlimit/rate.h, the very code the
 * XDP program runs, against references:
 *   ewma   - a double-precision model of Exim's ratelimit formula
 *   bucket - an exact rational GCRA in 128-bit integers
 * on random traces (fixed seed, printed), plus the exp tables, the 128-bit
 * multiply, the README's worked example and the overflow corners.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "rng.h"
#include "rule.h"
#include "synlimit/rate.h"

typedef unsigned __int128 u128;
typedef __int128 i128;

static double uniform(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng() >> 11) / (double)(1ULL << 53);
}

static double log_uniform(double lo, double hi)
{
	return exp(uniform(log(lo), log(hi)));
}

static struct rule compile_or_die(const struct limit_spec *spec)
{
	struct rule rule;
	const char *err = NULL;

	if (rule_compile(spec, &rule, &err)) {
		fprintf(stderr, "rule_compile: %s\n", err);
		exit(2);
	}
	return rule;
}

static struct limit_spec limit(enum rule_algo algo, __u64 limit_milli, __u64 period_ns, int leaky)
{
	struct limit_spec spec = {
		.action = RULE_LIMIT,
		.algo = algo,
		.leaky = leaky,
		.limit_milli = limit_milli,
		.period_ns = period_ns,
		.per_prefix = 128,
	};
	return spec;
}

/* ---- building blocks ---- */

static void test_mul(void)
{
	int i, bad = 0;

	for (i = 0; i < 1000000; i++) {
		__u64 a = rng() >> (rng() & 63), b = rng() >> (rng() & 63);
		u128 p = (u128)a * b;
		struct u128 r = mul_64x64(a, b);
		unsigned int shift = 1 + rng() % 127;
		u128 want = p >> shift;
		__u64 got = mul_shr(a, b, shift);

		if (r.hi != (__u64)(p >> 64) || r.lo != (__u64)p)
			bad++;
		if (got != (want >> 64 ? ~0ULL : (__u64)want))
			bad++;
	}
	CHECK_EQ_U64("mul_64x64 and mul_shr agree with __int128 on 10^6 random pairs (mismatches)",
		     0, bad);
}

static void test_exp_tables(void)
{
	long double one = 9223372036854775808.0L; /* 2^63 */
	int n, bad = 0;

	for (n = 0; n < 64; n++)
		if (fabsl(exp_neg_int_q63[n] - expl(-(long double)n) * one) > 2)
			bad++;
	for (n = 0; n < 256; n++)
		if (fabsl(exp_neg_frac_q63[n] - expl(-(long double)n / 256) * one) > 2)
			bad++;
	CHECK_EQ_U64("exp tables equal round(e^-v * 2^63) within 2 units (entries off)", 0, bad);
}

static void test_exp_and_weight(void)
{
	double worst_exp = 0, worst_abs = 0, worst_a = 0, worst_weight = 0;
	int i;

	for (i = 0; i < 300000; i++) {
		/* the whole range, and densely around the series/table boundary 2^-6 */
		double x = i < 100000	? log_uniform(1e-12, 64)
			   : i < 200000 ? uniform(0, 1)
					: uniform(0.0150, 0.0163);
		__u64 xq = (__u64)(x * 4294967296.0);
		double xd = (double)xq / 4294967296.0;
		__u64 a = exp_neg_q32(xq);
		struct ewma_factors f = ewma_factors_q32(xq);
		double ref = exp(-xd), got = (double)a / 9223372036854775808.0;
		double fa = (double)f.a / 9223372036854775808.0, gref;

		if (fabs(got - ref) > worst_abs)
			worst_abs = fabs(got - ref);
		/* Q63 resolves e^-x to 1e-10 relative down to e^-x = 1e-9 */
		if (ref > 1e-9 && fabs(got - ref) / ref > worst_exp)
			worst_exp = fabs(got - ref) / ref;
		if (fabs(fa - ref) > worst_a)
			worst_a = fabs(fa - ref);
		gref = xq ? -expm1(-xd) / xd : 1.0;
		if (fabs((double)f.g / 4294967296.0 - gref) > worst_weight)
			worst_weight = fabs((double)f.g / 4294967296.0 - gref);
	}
	check(worst_exp < 1e-9, "exp_neg_q32: worst relative error %.3g < 1e-9 where e^-x > 1e-9",
	      worst_exp);
	/* the series for e^-r stops at r^3: r^4/24 < 2^-32/24 */
	check(worst_abs < 1e-11, "exp_neg_q32: worst absolute error %.3g < 1e-11", worst_abs);
	check(worst_a < 1e-11, "ewma_factors_q32: e^-x, worst absolute error %.3g < 1e-11",
	      worst_a);
	/* g is Q32 and enters the Q16 rate: 1e-9 is ample */
	check(worst_weight < 1e-9,
	      "ewma_factors_q32: (1 - e^-x)/x, worst absolute error %.3g < 1e-9", worst_weight);
}

/* ---- ewma against Exim's formula ---- */

struct ref_ewma {
	int seen;
	double rate;
	__u64 stamp_ns;
};

/* Exim's acl_ratelimit() for per_conn, times in ns instead of s+us. */
static int ref_ewma_step(struct ref_ewma *r, double limit, __u64 period_ns, int leaky, __u64 now,
			 double *computed)
{
	double rate;
	int over;

	if (!r->seen) {
		rate = 1.0;
	} else {
		double interval = now > r->stamp_ns ? (double)(now - r->stamp_ns) / 1e9 : 1e-9;
		double i_over_p = interval / ((double)period_ns / 1e9);
		double a = exp(-i_over_p);

		rate = (1 - a) / i_over_p + a * r->rate;
		if (rate < 1.0)
			rate = 1.0;
	}
	*computed = rate;
	over = rate >= limit;
	if (!over || !leaky) {
		r->seen = 1;
		r->rate = rate;
		r->stamp_ns = now;
	}
	return over;
}

static void test_ewma_traces(void)
{
	const int traces = 10000, events = 100;
	long steps = 0, overs = 0, mismatches = 0, excused = 0;
	double worst_rate_err = 0;
	int t, e;

	for (t = 0; t < traces; t++) {
		double lim = log_uniform(1, 1e6);
		__u64 limit_milli = t % 4 ? (__u64)lim * 1000 : (__u64)(lim * 1000);
		__u64 period_ns = (__u64)log_uniform(1, 86400000) * NSEC_PER_MSEC;
		int leaky = t & 1;
		struct limit_spec spec = limit(ALGO_EWMA, limit_milli, period_ns, leaky);
		struct rule rule = compile_or_die(&spec);
		struct source_state st = { 0 };
		struct ref_ewma ref = { 0 };
		double limit_f = (double)limit_milli / 1000;
		__u64 now = 1000000000000000ULL + rng() % 1000000000000ULL;

		for (e = 0; e < events; e++) {
			double near = (double)period_ns / (limit_f ? limit_f : 1) * uniform(0.3, 3);
			double gap = e % 2 ? near : log_uniform(1e3, 10.0 * period_ns);
			double computed, err;
			__u64 next_q16;
			int want, got;

			if (gap < 1e3)
				gap = 1e3;
			if (gap > 10.0 * period_ns)
				gap = 10.0 * period_ns;
			now += e ? (__u64)gap : 0;
			next_q16 = st.shape != rule.shape
				       ? Q16_ONE
				       : ewma_next_q16(st.value, st.stamp_ns, now, &rule);
			want = ref_ewma_step(&ref, limit_f, period_ns, leaky, now, &computed);
			got = rate_step(&st, &rule, now);
			steps++;
			overs += want;
			err = fabs((double)next_q16 / 65536 - computed) / computed;
			if (err > worst_rate_err)
				worst_rate_err = err;
			if (want == got)
				continue;
			if (fabs(computed - limit_f) <= 0.001 * limit_f) {
				/* too close to call: carry on from the reference's state */
				excused++;
				st.shape = rule.shape;
				st.stamp_ns = ref.stamp_ns;
				st.value = (__u64)llround(ref.rate * 65536);
				continue;
			}
			if (mismatches++ < 5)
				printf(
				    "  trace %d event %d: limit %.3f period %llums %s rate %.6f: "
				    "expected %s, got %s\n",
				    t, e, limit_f, (unsigned long long)(period_ns / NSEC_PER_MSEC),
				    leaky ? "leaky" : "strict", computed, want ? "over" : "under",
				    got ? "over" : "under");
		}
	}
	check(mismatches == 0,
	      "ewma: %d traces, %ld attempts (%ld over): verdicts identical to Exim's formula "
	      "in doubles, %ld within 0.1%% of the limit excused; expected 0 other mismatches, "
	      "got %ld",
	      traces, steps, overs, excused, mismatches);
	check(overs > steps / 20 && overs < steps - steps / 20,
	      "ewma traces exercise both verdicts (%ld over of %ld)", overs, steps);
	check(worst_rate_err <= 0.001, "ewma: worst rate error %.3g <= 0.1%%", worst_rate_err);
}

/* ---- token bucket against exact rationals ---- */

struct ref_bucket {
	int seen;
	i128 tat; /* in units of 1/limit_milli ns */
};

static int ref_bucket_step(struct ref_bucket *r, __u64 limit_milli, __u64 period_ns, __u64 burst,
			   int leaky, __u64 now, i128 *margin)
{
	i128 t = (i128)now * limit_milli, interval = (i128)period_ns * 1000;
	i128 tolerance = interval * (i128)(burst - 1);
	i128 tat = r->seen ? r->tat : t;
	int over = tat > t + tolerance;

	*margin = tat - (t + tolerance);
	if (!over) {
		r->tat = (tat > t ? tat : t) + interval;
		r->seen = 1;
	} else if (!leaky) {
		i128 cap = t + tolerance + (i128)period_ns * limit_milli;

		r->tat = tat + interval < cap ? tat + interval : cap;
	}
	return over;
}

static void test_bucket_traces(void)
{
	const int traces = 10000, events = 100;
	long steps = 0, overs = 0, mismatches = 0, excused = 0;
	int t, e;

	for (t = 0; t < traces; t++) {
		__u64 limit_milli = (__u64)log_uniform(1, 1e6) * (t % 3 ? 1000 : 1) + 1;
		__u64 period_ns = (__u64)log_uniform(1, 86400000) * NSEC_PER_MSEC;
		__u64 burst = 1 + rng() % (2 * (limit_milli / 1000) + 3);
		int leaky = t & 1;
		struct limit_spec spec = limit(ALGO_BUCKET, limit_milli, period_ns, leaky);
		struct rule rule;
		struct source_state st = { 0 };
		struct ref_bucket ref = { 0 };
		__u64 now = 1000000000000000ULL + rng() % 1000000000000ULL;
		double interval = (double)period_ns * 1000 / limit_milli;

		spec.burst = burst;
		rule = compile_or_die(&spec);
		for (e = 0; e < events; e++) {
			double gap = e % 3 ? interval * uniform(0.2, 2.5)
					   : log_uniform(1e3, 10.0 * period_ns);
			i128 margin;
			int want, got;

			now += e ? (__u64)(gap < 1 ? 1 : gap) : 0;
			want = ref_bucket_step(&ref, limit_milli, period_ns, burst, leaky, now,
					       &margin);
			got = rate_step(&st, &rule, now);
			steps++;
			overs += want;
			if (want == got)
				continue;
			/* rounding of T (up) and tau (down) is below 2^-32 ns a step */
			if (margin < 0)
				margin = -margin;
			if (margin * ((i128)1 << 32) <= (i128)(e + 2) * limit_milli) {
				excused++;
				st.shape = rule.shape;
				st.stamp_ns = (__u64)(ref.tat / limit_milli);
				st.value = (__u64)(((ref.tat % limit_milli) << 32) / limit_milli);
				continue;
			}
			if (mismatches++ < 5)
				printf(
				    "  trace %d event %d: limit %llu.%03llu/%llums burst %llu %s: "
				    "expected %s, got %s\n",
				    t, e, (unsigned long long)(limit_milli / 1000),
				    (unsigned long long)(limit_milli % 1000),
				    (unsigned long long)(period_ns / NSEC_PER_MSEC),
				    (unsigned long long)burst, leaky ? "leaky" : "strict",
				    want ? "over" : "under", got ? "over" : "under");
		}
	}
	check(mismatches == 0,
	      "bucket: %d traces, %ld attempts (%ld over): verdicts identical to exact "
	      "rationals, %ld within rounding (2^-32 ns a step) excused; expected 0 other "
	      "mismatches, got %ld",
	      traces, steps, overs, excused, mismatches);
	check(overs > steps / 20 && overs < steps - steps / 20,
	      "bucket traces exercise both verdicts (%ld over of %ld)", overs, steps);
}

/* ---- semantics ---- */

/* The first millisecond from `from_ms` at which an attempt would pass,
 * by the implementation (on a copy) and by the reference. */
static void first_pass_ms(const struct source_state *st, const struct rule *rule,
			  const struct ref_ewma *ref, double limit, int leaky, __u64 t0,
			  __u64 from_ms, __u64 *impl_ms, __u64 *ref_ms)
{
	__u64 ms;

	*impl_ms = *ref_ms = 0;
	for (ms = from_ms; ms < 60000 && (!*impl_ms || !*ref_ms); ms++) {
		struct source_state probe = *st;
		struct ref_ewma ref_probe = *ref;
		double computed;

		if (!*impl_ms && !rate_step(&probe, rule, t0 + ms * NSEC_PER_MSEC))
			*impl_ms = ms;
		if (!*ref_ms && !ref_ewma_step(&ref_probe, limit, rule->period_ns, leaky,
					       t0 + ms * NSEC_PER_MSEC, &computed))
			*ref_ms = ms;
	}
}

/*
 * README's worked example: 10 SYNs 1 ms apart against 5/5s. The 5th has a
 * rate of 4.998 < 5 and passes (Exim: a fast burst of `limit` goes through).
 */
static void test_worked_example(void)
{
	static const char *const mode[] = { "strict", "leaky" };
	static const __u64 expected_ms[] = { 4198, 1002 };
	__u64 t0 = 1000 * NSEC_PER_SEC, impl_ms, ref_ms;
	int leaky, i;

	for (leaky = 0; leaky < 2; leaky++) {
		struct limit_spec spec = limit(ALGO_EWMA, 5000, 5 * NSEC_PER_SEC, leaky);
		struct rule rule = compile_or_die(&spec);
		struct source_state st = { 0 };
		struct ref_ewma ref = { 0 };
		char verdicts[11] = "", ref_verdicts[11] = "";
		double computed;

		for (i = 0; i < 10; i++) {
			__u64 now = t0 + i * NSEC_PER_MSEC;

			verdicts[i] = rate_step(&st, &rule, now) ? 'D' : 'P';
			ref_verdicts[i] =
			    ref_ewma_step(&ref, 5, rule.period_ns, leaky, now, &computed) ? 'D'
											  : 'P';
		}
		check(!strcmp(verdicts, "PPPPPDDDDD") && !strcmp(ref_verdicts, verdicts),
		      "5/5s %s, 10 SYNs 1 ms apart: expected PPPPPDDDDD, got %s (Exim's formula: "
		      "%s)",
		      mode[leaky], verdicts, ref_verdicts);
		first_pass_ms(&st, &rule, &ref, 5, leaky, t0, 10, &impl_ms, &ref_ms);
		check(impl_ms == expected_ms[leaky] && ref_ms == impl_ms,
		      "5/5s %s after the burst: the next attempt passes from t=%llums (expected "
		      "%llums, Exim's formula %llums)",
		      mode[leaky], (unsigned long long)impl_ms,
		      (unsigned long long)expected_ms[leaky], (unsigned long long)ref_ms);
	}
}

/*
 * The XDP program reads the coarse clock for ewma rules of a second or more:
 * the time of the last tick. On random floods, a source whose attempts and
 * probes are stamped that way is let back in within one tick of the moment
 * computed with exact times (strict; in leaky mode where the flood's own
 * verdicts came out the same), for ticks of 1, 4 and 10 ms (HZ 1000, 250,
 * 100) at a random phase.
 */
static void test_coarse_clock_unblock(void)
{
	static const __u64 ticks_ms[] = { 1, 4, 10 };
	const __u64 grid = 50000; /* probe spacing, ns */
	int trial, trials = 3000, within = 0, excused = 0;
	__u64 worst = 0;

	for (trial = 0; trial < trials; trial++) {
		__u64 n = 2 + rng() % 49, period_ms = 1000 + rng() % 59000;
		__u64 tick = ticks_ms[trial % 3] * NSEC_PER_MSEC, phase = rng() % tick;
		int leaky = (trial / 3) % 2, k, attempts = (int)(n + rng() % (4 * n));
		struct limit_spec spec =
		    limit(ALGO_EWMA, n * 1000, period_ms * NSEC_PER_MSEC, leaky);
		struct rule rule = compile_or_die(&spec);
		struct source_state fine = { 0 }, coarse = { 0 };
		__u64 t = 1000 * NSEC_PER_SEC + rng() % NSEC_PER_SEC, fine_at = 0, coarse_at = 0;
		int same = 1;

		for (k = 0; k < attempts; k++) {
			t += rng() % (3 * period_ms * NSEC_PER_MSEC / n);
			same &= rate_step(&fine, &rule, t) ==
				rate_step(&coarse, &rule, t - (t + phase) % tick);
		}
		for (; !fine_at || !coarse_at; t += grid) {
			struct source_state f = fine, c = coarse;

			if (!fine_at && !rate_step(&f, &rule, t))
				fine_at = t;
			if (!coarse_at && !rate_step(&c, &rule, t - (t + phase) % tick))
				coarse_at = t;
		}
		if (!same) {
			excused++;
			continue;
		}
		{
			__u64 diff =
			    fine_at > coarse_at ? fine_at - coarse_at : coarse_at - fine_at;

			if (diff * 1000 / tick > worst)
				worst = diff * 1000 / tick;
			within += diff <= tick + grid;
		}
	}
	check(within == trials - excused && excused < trials / 20,
	      "coarse clock: %d random floods, strict and leaky, ticks of 1/4/10 ms: the first "
	      "pass within one tick (+%llu us probe spacing) of the exact clock's in %d of %d "
	      "(worst %.3f ticks; %d leaky floods excused whose own verdicts differed)",
	      trials, (unsigned long long)(grid / 1000), within, trials - excused,
	      (double)worst / 1000, excused);
}

static void test_limit_zero_and_one(void)
{
	struct limit_spec spec = limit(ALGO_EWMA, 0, NSEC_PER_SEC, 0);
	struct rule rule = compile_or_die(&spec);
	struct source_state st = { 0 };
	int i, passes = 0;

	for (i = 0; i < 100; i++)
		passes += !rate_step(&st, &rule, NSEC_PER_SEC * (1000 + i * 100));
	CHECK_EQ_U64("limit 0 (as Exim): passes of 100 widely spaced attempts", 0, passes);

	spec.limit_milli = 1000;
	rule = compile_or_die(&spec);
	memset(&st, 0, sizeof(st));
	for (i = 0, passes = 0; i < 100; i++)
		passes += !rate_step(&st, &rule, NSEC_PER_SEC * (1000 + i * 100));
	CHECK_EQ_U64("limit 1: a new source starts at rate 1, which is over (passes)", 0, passes);

	spec.limit_milli = 2000;
	rule = compile_or_die(&spec);
	memset(&st, 0, sizeof(st));
	for (i = 0, passes = 0; i < 100; i++)
		passes += !rate_step(&st, &rule, NSEC_PER_SEC * (1000 + i * 100));
	CHECK_EQ_U64("limit 2/1s, one attempt per 100s: all pass", 100, passes);
}

static void test_bucket_burst(void)
{
	struct limit_spec spec = limit(ALGO_BUCKET, 100000, NSEC_PER_SEC, 1);
	struct rule rule;
	struct source_state st = { 0 };
	__u64 t0 = 5000 * NSEC_PER_SEC;
	int i, passes = 0;

	spec.burst = 200;
	rule = compile_or_die(&spec);
	for (i = 0; i < 1000; i++)
		passes += !rate_step(&st, &rule, t0);
	CHECK_EQ_U64("bucket 100/1s burst=200: passes of 1000 simultaneous attempts", 200, passes);
	for (i = 0, passes = 0; i < 1000; i++)
		passes += !rate_step(&st, &rule, t0 + NSEC_PER_SEC);
	CHECK_EQ_U64("bucket 100/1s burst=200, leaky: passes 1s later", 100, passes);

	spec.leaky = 0;
	rule = compile_or_die(&spec);
	memset(&st, 0, sizeof(st));
	for (i = 0, passes = 0; i < 1000; i++)
		passes += !rate_step(&st, &rule, t0);
	for (i = 0; i < 1000; i++)
		passes += !rate_step(&st, &rule, t0 + NSEC_PER_SEC);
	/* 800 refusals push TAT to t+10s, capped at t + tau + 1s = t+2.99s: one
	 * period of silence later (t+1s) exactly one attempt conforms */
	CHECK_EQ_U64("bucket 100/1s burst=200, strict: refused attempts cost a token, debt "
		     "capped at one period (passes at t, then at t+1s)",
		     201, passes);
	/* TAT capped at t+1+1.99+1 = t+3.99s; at t+2.01s the limit is t+4.0s:
	 * two attempts fit (TAT 3.99 and 4.00), the third does not */
	for (i = 0, passes = 0; i < 1000; i++)
		passes += !rate_step(&st, &rule, t0 + 2 * NSEC_PER_SEC + NSEC_PER_SEC / 100);
	CHECK_EQ_U64("bucket strict: passes at t+2.01s after a flood at t+1s", 2, passes);
}

/* Extreme periods and limits: rates saturate, never wrap. */
static void test_overflow_corners(void)
{
	static const __u64 periods[] = { PERIOD_MIN_NS, NSEC_PER_SEC, PERIOD_MAX_NS };
	static const __u64 limits[] = { 0, 1000, LIMIT_MAX_MILLI };
	static const __u64 gaps[] = { 0, 1, 1000, PERIOD_MAX_NS };
	int p, l, g, i, bad = 0, combos = 0;

	for (p = 0; p < 3; p++)
		for (l = 0; l < 3; l++)
			for (g = 0; g < 4; g++) {
				struct limit_spec spec = limit(ALGO_EWMA, limits[l], periods[p], 0);
				struct rule rule = compile_or_die(&spec);
				struct source_state st = { 0 };
				__u64 now = 1ULL << 50, prev = 0;

				for (i = 0; i < 100000; i++) {
					now += gaps[g];
					rate_step(&st, &rule, now);
					if (st.value > RATE_MAX_Q16 || st.value < Q16_ONE ||
					    (gaps[g] <= 1000 && st.value < prev))
						bad++;
					prev = st.value;
				}
				combos++;
			}
	check(bad == 0,
	      "ewma: %d combinations of period 1ms..1d, limit 0..10^9, gap 0..1d, "
	      "10^5 attempts each: rate stays in [1, 2^46] and never falls during a "
	      "flood (violations %d)",
	      combos, bad);

	/* one rate near saturation: the largest rate * the largest a still fits */
	{
		struct limit_spec spec = limit(ALGO_EWMA, LIMIT_MAX_MILLI, PERIOD_MAX_NS, 0);
		struct rule rule = compile_or_die(&spec);
		__u64 next = ewma_next_q16(RATE_MAX_Q16, 1000, 1000, &rule);

		CHECK_EQ_U64("ewma: a saturated rate stays saturated", RATE_MAX_Q16, next);
	}
	{
		struct limit_spec spec = limit(ALGO_BUCKET, LIMIT_MAX_MILLI, PERIOD_MAX_NS, 0);
		struct rule rule;
		struct source_state st = { 0 };
		int passes = 0;

		spec.burst = 1000000000;
		rule = compile_or_die(&spec);
		for (i = 0; i < 1000; i++)
			passes += !rate_step(&st, &rule, (1ULL << 50) + i);
		CHECK_EQ_U64("bucket 10^9/1d burst=10^9: 1000 attempts 1ns apart all pass", 1000,
			     passes);
	}
}

static void test_compile_errors(void)
{
	static const struct {
		struct limit_spec spec;
		const char *err;
	} bad[] = {
		{ { .algo = ALGO_EWMA, .limit_milli = 5000, .period_ns = 0, .per_prefix = 128 },
		  "period must be whole milliseconds from 1ms to 1d" },
		{ { .algo = ALGO_EWMA,
		    .limit_milli = 5000,
		    .period_ns = 1500000 + 1,
		    .per_prefix = 128 },
		  "period must be whole milliseconds from 1ms to 1d" },
		{ { .algo = ALGO_EWMA,
		    .limit_milli = 5000,
		    .period_ns = PERIOD_MAX_NS + 1000000,
		    .per_prefix = 128 },
		  "period must be whole milliseconds from 1ms to 1d" },
		{ { .algo = ALGO_EWMA,
		    .limit_milli = LIMIT_MAX_MILLI + 1,
		    .period_ns = NSEC_PER_SEC,
		    .per_prefix = 128 },
		  "limit must be at most 1000000000 per period" },
		{ { .algo = ALGO_BUCKET,
		    .limit_milli = 0,
		    .period_ns = NSEC_PER_SEC,
		    .per_prefix = 128 },
		  "a bucket with limit 0 never passes anything: use deny" },
		{ { .algo = ALGO_BUCKET,
		    .limit_milli = 1,
		    .period_ns = PERIOD_MAX_NS,
		    .burst = 1000000000,
		    .per_prefix = 128 },
		  "burst times period over limit is too long (over 146 years)" },
		{ { .algo = ALGO_EWMA,
		    .limit_milli = 1000,
		    .period_ns = NSEC_PER_SEC,
		    .block_ns = BLOCK_MAX_NS + 1,
		    .per_prefix = 128 },
		  "block must be at most 7d" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rule rule;
		const char *err = "(none)";
		int ret = rule_compile(&bad[i].spec, &rule, &err);

		check(ret == -EINVAL && !strcmp(err, bad[i].err),
		      "rule_compile refuses case %zu: expected -EINVAL \"%s\", got %d \"%s\"", i,
		      bad[i].err, ret, err);
	}
}

int main(void)
{
	printf("# random seed 0x%llx\n", (unsigned long long)rng_state);
	test_mul();
	test_exp_tables();
	test_exp_and_weight();
	test_ewma_traces();
	test_bucket_traces();
	test_worked_example();
	test_coarse_clock_unblock();
	test_limit_zero_and_one();
	test_bucket_burst();
	test_overflow_corners();
	test_compile_errors();
	return check_done();
}
