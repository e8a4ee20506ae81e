// SPDX-License-Identifier: GPL-2.0-only
/*
 * synlimit: count TCP connection attempts per source at the NIC and drop
 * floods beyond the limit that applies to the source.
 *
 * parse -> classify -> (connection attempt) ban? -> rule -> source state -> verdict.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "synlimit/rate.h"
#include "maps.h"
#include "parse.h"
#include "clock.h"
#include "syncookie.h"

/* Load-time settings (set through the skeleton before load). */
const volatile __u64 cfg_event_interval_ns = 10000000; /* 100 events/s per CPU */
const volatile __u64 cfg_event_burst = 64;

/*
 * An ewma rule with a period of a second or more reads the coarse clock: a
 * tick (4 ms at HZ=250) is at most 0.4% of its period, and the attempts of
 * one tick then share one instant, where the rate step is an atomic add
 * (see fast_attempt). A token bucket keeps the exact clock: its emission
 * interval can be shorter than a tick.
 */
static __always_inline int rule_clock_coarse(const struct rule *rule)
{
	return rule->algo == ALGO_EWMA && rule->period_ns >= 1000000000ULL;
}

static __always_inline void count(struct synlimit_stats *st, enum synlimit_stat stat)
{
	if (stat < STAT_MAX)
		st->count[stat]++;
}

static __always_inline int class_drops(enum synlimit_stat class)
{
	return class >= STAT_MALFORMED_DROP_FIRST && class <= STAT_MALFORMED_DROP_LAST;
}

static __always_inline int outcome_drops(enum synlimit_stat outcome)
{
	return (outcome >= STAT_SYN_DROP_DENY && outcome <= STAT_SYN_DROP_BAN) ||
	       outcome == STAT_SYN_COOKIE_CAPPED;
}

/* A drop under a dry-run rule is counted and the packet passes. */
static __always_inline enum synlimit_stat over(const struct rule *rule, enum synlimit_stat drop)
{
	return rule->flags & RULE_F_DRY_RUN ? STAT_SYN_WOULD_DROP : drop;
}

/* 32-bit hash of a state key: picks the lock stripe, and tags the state. */
static __always_inline __u32 key_tag(const struct source_key *key)
{
	__u32 h = key->addr.u32[0] ^ key->addr.u32[1] ^ key->addr.u32[2] ^ key->addr.u32[3] ^
		  ((__u32)key->scope << 8 | key->prefixlen);

	return h * 0x9e3779b1U; /* Fibonacci hashing: the top bits mix every input bit */
}

static __always_inline struct bpf_spin_lock *stripe_for(__u32 tag)
{
	__u32 idx = tag >> (32 - 10);
	struct lock_stripe *stripe;

	_Static_assert(SYNLIMIT_LOCK_STRIPES == 1 << 10, "stripe index width");
	stripe = bpf_map_lookup_elem(&lock_stripes, &idx);
	return stripe ? &stripe->lock : NULL;
}

/*
 * Block and unblock events, at most cfg_event_burst at once and one per
 * cfg_event_interval_ns after that on each CPU (a GCRA again), so a flood of
 * transitions cannot flood userspace.
 */
static __always_inline void emit_event(struct synlimit_stats *st, __u8 type,
				       const struct source_key *key, const struct rule *rule,
				       const struct blocked_state *blk, __u64 now)
{
	/* GCRA: a burst of B fits when the tolerance is B - 1 intervals */
	__u64 tolerance = (cfg_event_burst - 1) * cfg_event_interval_ns;
	struct synlimit_event *ev;
	struct event_budget *budget;
	__u32 zero = 0;

	budget = bpf_map_lookup_elem(&event_budget, &zero);
	if (!budget)
		return;
	if (budget->stamp_ns > now + tolerance) {
		count(st, STAT_EVENTS_SUPPRESSED);
		return;
	}
	budget->stamp_ns =
	    (budget->stamp_ns > now ? budget->stamp_ns : now) + cfg_event_interval_ns;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count(st, STAT_EVENTS_LOST);
		return;
	}
	ev->time_ns = now;
	ev->addr = key->addr;
	ev->prefixlen = key->prefixlen;
	ev->type = type;
	ev->dry_run = !!(rule->flags & RULE_F_DRY_RUN);
	ev->pad = 0;
	ev->line = rule->line;
	ev->rate_q16 = rule->algo == ALGO_EWMA ? blk->state.value : 0;
	ev->drops = blk->drops;
	ev->generation = rule->generation;
	ev->pad2 = 0;
	bpf_ringbuf_submit(ev, 0);
	count(st, STAT_EVENTS_SENT);
}

/* Tries of the locked step against CPUs adding without the lock. Each
 * failed try means another CPU's add landed, and a CPU has one add in
 * flight, so 2 CPUs need at most 2 tries, N CPUs N. */
#define STEP_TRIES 8

/*
 * The rate step of a state other CPUs may be adding to (see fast_attempt),
 * under the source's lock: computed on the rate as read, and stored only
 * if no add landed meanwhile (compare-and-swap), else computed again on the
 * new rate, so the verdict is that of the rate it replaced. After
 * STEP_TRIES, the step is stored anyway and the adds that landed are added
 * back on top: no attempt is lost, one verdict may not have seen them.
 */
static __always_inline int step_locked(struct source_state *state, const struct rule *rule,
				       __u64 now)
{
	struct source_state next;
	__u64 seen = 0, old;
	int is_over = 0, i;

#pragma clang loop unroll(disable)
	for (i = 0; i < STEP_TRIES; i++) {
		next = *state;
		seen = next.value;
		is_over = rate_step(&next, rule, now);
		if (next.value == seen ||
		    __sync_val_compare_and_swap(&state->value, seen, next.value) == seen)
			goto stored;
	}
	old = __sync_lock_test_and_set(&state->value, next.value);
	__sync_fetch_and_add(&state->value, old - seen);
stored:
	/* stamp_ns last: a CPU that sees the new stamp adds to the new rate */
	state->shape = next.shape;
	state->stamp_ns = next.stamp_ns;
	return is_over;
}

enum fast_result {
	FAST_NONE = 0, /* not an attempt at the state's instant: take the lock */
	FAST_EXACT,    /* the attempt that reaches the limit: the exact clock decides */
	FAST_PASS,
	FAST_OVER,
};

/*
 * An ewma attempt at the instant of the last update (a flood within one
 * tick of the coarse clock) adds exactly 1 to the rate, whatever the order
 * of the attempts, so it needs no lock: strict adds atomically and the value
 * the add returns decides, so two CPUs get exactly the verdicts of one;
 * leaky adds only when under, by compare-and-swap. *rate is the rate this
 * attempt saw, with its own 1 added where it counted.
 * The attempt that would take the rate from under the limit to it is
 * decided under the lock with the exact clock instead: attempts really a
 * few microseconds apart add a little less than 1 each, so a fast burst of
 * `limit` attempts passes, as in Exim, where one coarse instant would stop
 * the last of them.
 */
static __always_inline enum fast_result
fast_attempt(struct source_state *state, const struct rule *rule, __u64 now, __u64 *rate)
{
	__u64 seen, next;
	int i;

	if (rule->algo != ALGO_EWMA || state->shape != rule->shape ||
	    *(volatile __u64 *)&state->stamp_ns != now)
		return FAST_NONE;
#pragma clang loop unroll(disable)
	for (i = 0; i < STEP_TRIES; i++) {
		seen = *(volatile __u64 *)&state->value;
		if (seen >= RATE_MAX_Q16 - Q16_ONE) /* saturated: the lock path clamps */
			return FAST_NONE;
		next = seen + Q16_ONE;
		if (next >= rule->limit_q16 && seen < rule->limit_q16)
			return FAST_EXACT;
		if (!(rule->flags & RULE_F_LEAKY)) {
			next = __sync_fetch_and_add(&state->value, Q16_ONE) + Q16_ONE;
			*rate = next;
			return next >= rule->limit_q16 ? FAST_OVER : FAST_PASS;
		}
		if (next >= rule->limit_q16) {
			*rate = seen; /* leaky: a refused attempt leaves no trace */
			return FAST_OVER;
		}
		if (__sync_val_compare_and_swap(&state->value, seen, next) == seen) {
			*rate = next;
			return FAST_PASS;
		}
	}
	return FAST_NONE;
}

/* First drop: a copy of the state goes to the blocked table, out of reach
 * of the churn in the sources table, and is looked up first from now on. */
static __always_inline enum synlimit_stat first_drop(struct synlimit_stats *st,
						     const struct rule *rule,
						     const struct source_key *key,
						     const struct source_state *state, __u64 now)
{
	struct blocked_state moved = {
		.state = *state,
		.since_ns = now,
		.hold_ns = now,
		.drops = 1,
	};
	struct blocked_state *blk;

	if (!bpf_map_update_elem(&blocked_sources, key, &moved, BPF_NOEXIST)) {
		count(st, STAT_BLOCKED_INSERTS);
		emit_event(st, EVENT_BLOCK, key, rule, &moved, now);
	} else {
		/* another CPU blocked it at the same moment: one episode */
		blk = bpf_map_lookup_elem(&blocked_sources, key);
		if (blk)
			__sync_fetch_and_add(&blk->drops, 1);
	}
	return over(rule, STAT_SYN_DROP_LIMIT);
}

/* First pass after drops: the state goes back to the sources table, written
 * in place (an update of an existing LRU key would free the element under
 * other CPUs' pointers), and the blocked entry is deleted. */
static __always_inline enum synlimit_stat
unblock_source(struct synlimit_stats *st, const struct source_key *key, const struct rule *rule,
	       const struct blocked_state *blk, struct bpf_spin_lock *lock, __u64 now)
{
	struct source_state *state = bpf_map_lookup_elem(&sources, key);

	if (state) {
		bpf_spin_lock(lock);
		if (state->tag == blk->state.tag)
			*state = blk->state;
		bpf_spin_unlock(lock);
	} else if (!bpf_map_update_elem(&sources, key, &blk->state, BPF_NOEXIST)) {
		count(st, STAT_SOURCE_INSERTS);
	}
	if (!bpf_map_delete_elem(&blocked_sources, key))
		count(st, STAT_BLOCKED_DELETES);
	emit_event(st, EVENT_UNBLOCK, key, rule, blk, now);
	return STAT_SYN_PASSED;
}

/* A drop of a blocked source: counted in its episode, and where the rule
 * has a block window, the first drop after one starts the next. */
static __always_inline enum synlimit_stat
blocked_drop(const struct rule *rule, struct blocked_state *blk, int held, __u64 now)
{
	__sync_fetch_and_add(&blk->drops, 1);
	if (held)
		return over(rule, STAT_SYN_DROP_BLOCK);
	if (rule->block_ns)
		blk->hold_ns = now;
	return over(rule, STAT_SYN_DROP_LIMIT);
}

/*
 * A source in the blocked table: inside its block window, or still over.
 * Neither needs the lock: a block window only reads hold_ns (the rate rests
 * inside it), and an attempt at the instant of the last update is an add.
 */
static __always_inline enum synlimit_stat
limit_blocked(struct synlimit_stats *st, const struct rule *rule, const struct source_key *key,
	      struct blocked_state *blk, __u32 tag, __u64 now)
{
	struct blocked_state released;
	struct bpf_spin_lock *lock;
	enum fast_result fast;
	__u64 rate;
	int is_over;

	if (blk->state.tag != tag) /* the entry was deleted and reused while we held it */
		return STAT_SYN_NO_STATE;
	/* signed: another CPU may have stamped hold_ns just after our now */
	if (rule->block_ns &&
	    (__s64)(now - *(volatile __u64 *)&blk->hold_ns) < (__s64)rule->block_ns)
		return blocked_drop(rule, blk, 1, now);

	fast = fast_attempt(&blk->state, rule, now, &rate);
	if (fast == FAST_OVER)
		return blocked_drop(rule, blk, 0, now);
	if (fast == FAST_EXACT)
		now = clock_now(0);

	lock = stripe_for(tag);
	if (!lock)
		return STAT_SYN_NO_STATE;
	bpf_spin_lock(lock);
	if (blk->state.tag != tag) {
		bpf_spin_unlock(lock);
		return STAT_SYN_NO_STATE;
	}
	is_over = fast == FAST_PASS ? 0 : step_locked(&blk->state, rule, now);
	if (!is_over)
		released = *blk;
	bpf_spin_unlock(lock);
	if (is_over)
		return blocked_drop(rule, blk, 0, now);
	return unblock_source(st, key, rule, &released, lock, now);
}

static __always_inline enum synlimit_stat limit_source(struct synlimit_stats *st,
						       const struct rule *rule,
						       const struct source_key *key, __u64 now)
{
	__u32 tag = key_tag(key);
	struct source_state *state, after;
	struct bpf_spin_lock *lock;
	struct blocked_state *blk;
	enum fast_result fast;
	int is_over = 0, lost;
	__u64 rate;

	blk = bpf_map_lookup_elem(&blocked_sources, key);
	if (blk)
		return limit_blocked(st, rule, key, blk, tag, now);

	state = bpf_map_lookup_elem(&sources, key);
	if (!state) {
		/* A new source's first step depends on nothing shared (shape 0
		 * starts it afresh): take it on the stack, then insert it, with
		 * no lock and no second lookup. */
		struct source_state first = { .tag = tag };

		if (rate_step(&first, rule, now)) /* limit <= 1: over at once */
			return first_drop(st, rule, key, &first, now);
		if (!bpf_map_update_elem(&sources, key, &first, BPF_NOEXIST)) {
			count(st, STAT_SOURCE_INSERTS);
			return STAT_SYN_PASSED;
		}
		/* another CPU inserted it first: count ours on its state */
		state = bpf_map_lookup_elem(&sources, key);
		if (!state)
			return STAT_SYN_NO_STATE;
	}

	if (state->tag != tag) /* evicted and reused for another source while we held it */
		return STAT_SYN_NO_STATE;
	fast = fast_attempt(state, rule, now, &rate);
	if (fast == FAST_EXACT)
		now = clock_now(0);
	if (fast == FAST_PASS)
		return STAT_SYN_PASSED;
	if (fast == FAST_OVER) {
		after = *state;
		after.stamp_ns = now;
		after.value = rate;
		return first_drop(st, rule, key, &after, now);
	}

	lock = stripe_for(tag);
	if (!lock)
		return STAT_SYN_NO_STATE;
	bpf_spin_lock(lock);
	lost = state->tag != tag;
	if (!lost) {
		is_over = step_locked(state, rule, now);
		if (is_over)
			after = *state;
	}
	bpf_spin_unlock(lock);
	if (lost)
		return STAT_SYN_NO_STATE;
	if (!is_over)
		return STAT_SYN_PASSED;
	return first_drop(st, rule, key, &after, now);
}

/* Expired bans of ever shorter prefixes looked past before giving up (the
 * controller purges expired bans whenever it changes the bans). */
#define BAN_LOOKUPS 4

/* A ban on src that has not expired (synlimit ban); it overrides every rule.
 * An expired ban must not hide a live one of a shorter prefix: look again
 * below it. */
static __always_inline int banned(const union synlimit_addr *src)
{
	struct rule_key key = { .prefixlen = 128, .addr = *src };
	struct ban *ban;
	int i;

	for (i = 0; i < BAN_LOOKUPS; i++) {
		ban = bpf_map_lookup_elem(&bans, &key);
		if (!ban)
			return 0;
		/* signed: a ban set by the controller a moment after our clock read */
		if (!ban->expires_ns || (__s64)(clock_now(1) - ban->expires_ns) < 0)
			return 1;
		if (!ban->prefixlen)
			return 0;
		key.prefixlen = ban->prefixlen - 1;
	}
	return 0;
}

/* The port rule for (dport, src), longest prefix, or the port-less rule
 * when none matches. Only tables whose file names ports get here. */
static __always_inline const struct rule *port_rule(const struct rule *portless,
						    const union synlimit_addr *src, __be16 dport)
{
	struct port_rule_key key = { .prefixlen = 32 + 128, .port = dport, .addr = *src };
	__u32 slot = portless->port_table - 1;
	const struct rule *rule;
	void *table;

	table = bpf_map_lookup_elem(&port_tables, &slot);
	if (!table)
		return portless;
	rule = bpf_map_lookup_elem(table, &key);
	return rule ? rule : portless;
}

/*
 * What rule says for a SYN from src. A global function: the verifier checks
 * it once, on its own, whatever the caller's state. Inline, it was walked
 * again for every map the rule can come from (the port-less table, a port
 * table) and every way there, which took the program past the verifier's
 * million instructions once cookies made this part large. Its pointers are
 * checked for NULL, as a global function's arguments may be.
 */
__noinline int rule_verdict(struct xdp_md *ctx, struct synlimit_stats *st, const struct rule *rule,
			    const union synlimit_addr *src)
{
	struct source_key key = {};
	enum synlimit_stat cookie;
	__u64 now;

	if (!ctx || !st || !rule || !src)
		return STAT_SYN_NO_RULE;
	if (rule->action == RULE_NONE)
		return STAT_SYN_NO_RULE;
	if (rule->action == RULE_ALLOW)
		return STAT_SYN_ALLOWED;
	if (rule->action == RULE_DENY)
		return over(rule, STAT_SYN_DROP_DENY);

	key.addr.u32[0] = src->u32[0] & rule->per_mask.u32[0];
	key.addr.u32[1] = src->u32[1] & rule->per_mask.u32[1];
	key.addr.u32[2] = src->u32[2] & rule->per_mask.u32[2];
	key.addr.u32[3] = src->u32[3] & rule->per_mask.u32[3];
	key.prefixlen = rule->per_prefix;
	key.scope = rule->scope;
	now = clock_now(rule_clock_coarse(rule));
	cookie = syncookie_syn(ctx, st, rule, src, &key, now);
	if (cookie)
		return cookie;
	return limit_source(st, rule, &key, now);
}

/* The rule for src (longest prefix; rules naming dport first), then what
 * it says. */
static __always_inline enum synlimit_stat limit_syn(struct xdp_md *ctx, struct synlimit_stats *st,
						    const union synlimit_addr *src, __be16 dport)
{
	struct rule_key rule_key = { .prefixlen = 128, .addr = *src };
	const struct rule *rule;
	__u32 zero = 0;
	void *table;

	if (banned(src))
		return STAT_SYN_DROP_BAN;
	table = bpf_map_lookup_elem(&limit_tables, &zero);
	if (!table)
		return STAT_SYN_NO_RULE;
	rule = bpf_map_lookup_elem(table, &rule_key);
	if (!rule)
		return STAT_SYN_NO_RULE;
	if (rule->port_table) /* the file names ports: their rules come first */
		rule = port_rule(rule, src, dport);
	return rule_verdict(ctx, st, rule, src);
}

static __always_inline int decide(struct xdp_md *ctx)
{
	enum synlimit_stat class, outcome;
	union synlimit_addr src;
	struct synlimit_stats *st;
	__be16 dport = 0;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&stats, &zero);
	if (!st) /* cannot happen for a per-CPU array; keeps the verifier happy */
		return XDP_PASS;
	class = classify(ctx, &src, &dport);
	count(st, class);
	if (class != STAT_SYN)
		return class_drops(class) ? XDP_DROP : XDP_PASS;

	outcome = limit_syn(ctx, st, &src, dport);
	count(st, outcome);
	if (outcome == STAT_SYN_COOKIE_SENT)
		return XDP_TX;
	return outcome_drops(outcome) ? XDP_DROP : XDP_PASS;
}

/* Totals of the interface the packet came in on, in the slot the
 * controller claimed for it; a packet of an interface without one (not
 * attached through synlimit, or sharing its slot) is counted only in the
 * global stats. */
static __always_inline void count_iface(__u32 ifindex, int verdict)
{
	__u32 slot = SYNLIMIT_IFACE_SLOT(ifindex);
	struct iface_stats *is = bpf_map_lookup_elem(&iface_stats, &slot);

	if (!is || is->ifindex != ifindex)
		return;
	is->packets++;
	if (verdict == XDP_DROP)
		is->dropped++;
	else if (verdict == XDP_TX)
		is->answered++;
	else
		is->passed++;
}

SEC("xdp")
int synlimit_xdp(struct xdp_md *ctx)
{
	int verdict = decide(ctx);

	count_iface(ctx->ingress_ifindex, verdict);
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
