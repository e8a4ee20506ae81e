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
#include "source_table.h"
#include "step.h"
#include "flood_cache.h"
#include "syncookie_syn.h"

/*
 * make bench builds this file again with SYNLIMIT_BENCH_CUT set to 1..6:
 * the program then returns at that stage of a new source's way (1..5) or
 * of a non-SYN packet's (6), so that the report can say where that way's
 * time goes (tests/bench/bench_prog.c, rows_cuts and rows_cuts_non_syn).
 * Every other build has 0, and no cut is compiled in.
 */
#ifndef SYNLIMIT_BENCH_CUT
#define SYNLIMIT_BENCH_CUT 0
#endif
#define BENCH_CUT(stage, outcome)                                                                  \
	do {                                                                                       \
		if (SYNLIMIT_BENCH_CUT == (stage))                                                 \
			return (outcome);                                                          \
	} while (0)

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

enum fast_result {
	FAST_NONE = 0, /* not an attempt at the state's instant: take the lock */
	FAST_EXACT,    /* the attempt that reaches the limit: the exact clock decides */
	FAST_PASS,
	FAST_OVER,
};

/* Whether an attempt on rate (Q16) is the one that takes it from under
 * rule's limit to it: that one is decided with the exact clock. */
static __always_inline int reaches_limit(__u64 rate, const struct rule *rule)
{
	return rate < rule->limit_q16 && rate + Q16_ONE >= rule->limit_q16;
}

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
		if (reaches_limit(seen, rule))
			return FAST_EXACT;
		next = seen + Q16_ONE;
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

/*
 * Where a state key's entries are, no lock, nothing created: its way in the
 * blocked table (ref->blocked_way), and its way in the sources table
 * (returned; -1: none). Global functions, so that the verifier follows one
 * unknown way out of each, not each of the ways a bucket has. The sources
 * table is looked at only once cookie mode has passed the SYN on: a spoofed
 * SYN answered with a cookie reads no bucket of it.
 */
__noinline int find_blocked(struct source_ref *ref)
{
	struct blocked_bucket *b = NULL;
	__u64 *occupied;

	if (!ref)
		return -1;
	occupied = occupancy_of(ref->blocked_bucket);
	if (occupied && *occupied & occupancy_bit(ref->blocked_bucket))
		b = bpf_map_lookup_elem(&blocked_sources, &ref->blocked_bucket);
	ref->blocked_way = b ? bucket_find(&b->head, &ref->key, ref->tag) : -1;
	return ref->blocked_way;
}

__noinline int find_source(const struct source_ref *ref)
{
	struct first_line *line;
	struct source_bucket *b;
	__u32 tag;

	if (!ref)
		return -1;
	/* the bucket's line first: a tag not there is a new source, and its
	 * bucket is not read at all */
	line = bpf_map_lookup_elem(&first_attempts, &ref->source_bucket);
	tag = ref->tag;
	if (line && !line_holds(line, tag))
		return -1;
	b = bpf_map_lookup_elem(&sources, &ref->source_bucket);
	if (!b)
		return -1;
	return bucket_find(&b->head, &ref->key, tag);
}

enum first_result {
	FIRST_NONE = 0,	     /* no record of this source to build on: make the entry now */
	FIRST_RECORDED,	     /* the source's first attempt, recorded */
	FIRST_AGAIN,	     /* its second: the state is made from both, in *state */
	FIRST_AGAIN_AT_ONCE, /* ...at the first's instant and under the limit */
	FIRST_AGAIN_OVER,    /* ...over the limit */
};

/*
 * A new source's attempt against its first-attempt slot (include/synlimit/
 * source_table.h): recorded there if the slot holds another source's or
 * none; if it holds this source's, this is the second attempt, and *state
 * is what the first made, stepped by this one (*now: the time it was
 * decided at). The time and the rule's shape are stored before the tag's
 * compare-and-swap: two CPUs recording one source at once, one swap wins,
 * and the other sees its tag and counts as the second, so two attempts
 * count as two. A first attempt under a rule of another shape (a reload
 * changed it) is not built on: the entry starts afresh, as an entry of
 * that shape would. Where a third source takes the slot in the same
 * instant, an attempt can count as a first again or its time be that
 * source's, of the same moment. A global function, so the steps are
 * checked once.
 */
__noinline int first_attempt(struct synlimit_stats *st, const struct rule *rule,
			     const struct source_ref *ref, struct source_state *state, __u64 *now)
{
	struct first_attempt *fa;
	struct first_line *line;
	__u32 tag, seen;
	__u64 first_ns;
	int at_once;

	if (!st || !rule || !ref || !state || !now)
		return FIRST_NONE;
	line = bpf_map_lookup_elem(&first_attempts, &ref->source_bucket);
	if (!line)
		return FIRST_NONE;
	fa = &line->first;
	tag = *(volatile __u32 *)&fa->tag;
	if (tag != ref->tag) {
		*(volatile __u64 *)&fa->stamp_ns = *now;
		*(volatile __u32 *)&fa->shape = rule->shape;
		seen = __sync_val_compare_and_swap(&fa->tag, tag, ref->tag);
		if (seen == tag) {
			count(st, STAT_SOURCE_FIRST);
			return FIRST_RECORDED;
		}
		if (seen != ref->tag)
			return FIRST_NONE;
	}
	/* an atomic read: after the tag's, where loads are not kept in order
	 * (arm64), so that the time is the one stored before that tag */
	first_ns = __sync_fetch_and_add(&fa->stamp_ns, 0);
	if (*(volatile __u32 *)&fa->shape != rule->shape)
		return FIRST_NONE; /* *state untouched: the caller's fresh step */
	__builtin_memset(state, 0, sizeof(*state));
	state->tag = ref->tag;
	rate_step(state, rule, first_ns);
	/* at the first's instant, as a known source's attempt there
	 * (fast_attempt): the one that reaches the limit is decided by the
	 * exact clock, and one under it can be passed by the flood cache */
	at_once = rule->algo == ALGO_EWMA && state->stamp_ns == *now;
	if (at_once && reaches_limit(state->value, rule)) {
		*now = clock_now(0);
		at_once = 0;
	}
	if (rate_step(state, rule, *now))
		return FIRST_AGAIN_OVER;
	return at_once ? FIRST_AGAIN_AT_ONCE : FIRST_AGAIN;
}

/*
 * The functions below that take the locks are global: the verifier checks
 * each once, on its own, and each call returns a number it need not follow
 * into every way it was computed. Inline, their lookups under the lock
 * multiplied the paths of rule_verdict past the verifier's limit. Their
 * pointer arguments are checked for NULL, as a global function's may be.
 */

/*
 * First drop: a copy of the state goes to the blocked table, out of reach
 * of the churn in the sources table, and is looked up first from now on.
 * Sets ref->blocked_way; returns the outcome.
 */
__noinline int first_drop(struct synlimit_stats *st, const struct rule *rule,
			  struct source_ref *ref, const struct source_state *state, __u64 now)
{
	struct blocked_state *blk;
	struct blocked_bucket *b;
	struct bpf_spin_lock *lock;
	__u64 *occupied;
	int w, added;

	if (!st || !rule || !ref || !state)
		return STAT_SYN_NO_STATE;
	b = bpf_map_lookup_elem(&blocked_sources, &ref->blocked_bucket);
	occupied = occupancy_of(ref->blocked_bucket);
	lock = stripe_for(ref->blocked_bucket);
	if (!b || !occupied || !lock)
		return over(rule, STAT_SYN_DROP_LIMIT);
	bpf_spin_lock(lock);
	w = bucket_find(&b->head, &ref->key, ref->tag);
	added = w < 0;
	blk = &b->state[w & (SOURCE_WAYS - 1)];
	if (added) {
		w = blocked_victim(b, ref->tag, now);
		blk = &b->state[w & (SOURCE_WAYS - 1)];
		bucket_claim(&b->head, w, &ref->key);
		blk->state = *state;
		blk->since_ns = now;
		blk->hold_ns = now;
		blk->drops = 1;
		bucket_publish(&b->head, w, ref->tag);
		__sync_fetch_and_or(occupied, occupancy_bit(ref->blocked_bucket));
	} else {
		/* another CPU blocked it at the same moment: one episode */
		__sync_fetch_and_add(&blk->drops, 1);
	}
	bpf_spin_unlock(lock);
	ref->blocked_way = w;
	if (added) {
		count(st, STAT_BLOCKED_INSERTS);
		emit_event(st, EVENT_BLOCK, &ref->key, rule, blk, now);
	}
	return over(rule, STAT_SYN_DROP_LIMIT);
}

/*
 * A source into its bucket of the sources table with its first state, or
 * its state written over where it has an entry (replace), under the
 * bucket's lock. Returns its way; SOURCE_WAYS + way when another CPU had
 * added it first and it was not to be replaced; -1 if it cannot be.
 */
static __always_inline int insert_source(struct synlimit_stats *st, const struct source_ref *ref,
					 const struct source_state *first, int replace, __u64 now)
{
	struct source_bucket *b = bpf_map_lookup_elem(&sources, &ref->source_bucket);
	struct first_line *line = bpf_map_lookup_elem(&first_attempts, &ref->source_bucket);
	struct bpf_spin_lock *lock = stripe_for(ref->source_bucket);
	int w, found;

	if (!b || !line || !lock)
		return -1;
	bucket_touch(b);
	bpf_spin_lock(lock);
	w = bucket_find(&b->head, &ref->key, ref->tag);
	found = w >= 0;
	if (!found) {
		w = source_victim(b, ref->tag);
		bucket_claim(&b->head, w, &ref->key);
	}
	if (!found || replace) {
		b->state[w & (SOURCE_WAYS - 1)] = *first;
		b->head.seen[w & (SOURCE_WAYS - 1)] = seen_of(now);
	}
	if (!found) {
		bucket_publish(&b->head, w, ref->tag);
		/* the line's copy after the bucket's tag: a lookup that sees
		 * the copy finds the entry */
		*(volatile __u32 *)&line->tag[w & (SOURCE_WAYS - 1)] = ref->tag;
	}
	bpf_spin_unlock(lock);
	if (!found)
		count(st, STAT_SOURCE_INSERTS);
	return found && !replace ? SOURCE_WAYS + w : w;
}

/* The same as a function of its own, for a new source. */
__noinline int source_insert(struct synlimit_stats *st, const struct source_ref *ref,
			     const struct source_state *first, __u64 now)
{
	if (!st || !ref || !first)
		return -1;
	return insert_source(st, ref, first, 0, now);
}

/* First pass after drops: the state goes back to the sources table (in
 * place where the source still has an entry there), and its blocked entry
 * is removed; the CPU that removes it reports the episode's end. */
__noinline int unblock_source(struct synlimit_stats *st, const struct rule *rule,
			      const struct source_ref *ref, struct blocked_state *released,
			      __u64 now)
{
	struct bpf_spin_lock *lock;
	struct blocked_bucket *b;
	__u64 *occupied;
	int w, removed;

	if (!st || !rule || !ref || !released)
		return STAT_SYN_PASSED;
	insert_source(st, ref, &released->state, 1, now);
	b = bpf_map_lookup_elem(&blocked_sources, &ref->blocked_bucket);
	occupied = occupancy_of(ref->blocked_bucket);
	lock = stripe_for(ref->blocked_bucket);
	if (!b || !occupied || !lock)
		return STAT_SYN_PASSED;
	w = ref->blocked_way & (SOURCE_WAYS - 1);
	bpf_spin_lock(lock);
	removed = b->head.tag[w] == ref->tag && same_key(&b->head.key[w], &ref->key);
	if (removed)
		__sync_lock_test_and_set(&b->head.tag[w], 0);
	if (removed && !b->head.tag[0] && !b->head.tag[1] && !b->head.tag[2] && !b->head.tag[3])
		__sync_fetch_and_and(occupied, ~occupancy_bit(ref->blocked_bucket));
	bpf_spin_unlock(lock);
	if (removed) {
		count(st, STAT_BLOCKED_DELETES);
		emit_event(st, EVENT_UNBLOCK, &ref->key, rule, released, now);
	}
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
static __always_inline enum synlimit_stat limit_blocked(struct synlimit_stats *st,
							const struct rule *rule,
							const struct source_ref *ref,
							struct blocked_bucket *b, __u64 now)
{
	int w = ref->blocked_way & (SOURCE_WAYS - 1);
	struct blocked_state *blk = &b->state[w];
	struct bpf_spin_lock *lock;
	enum fast_result fast;
	__u64 rate;
	int is_over, lost;

	/* signed: another CPU may have stamped hold_ns just after our now */
	if (rule->block_ns &&
	    (__s64)(now - *(volatile __u64 *)&blk->hold_ns) < (__s64)rule->block_ns)
		return blocked_drop(rule, blk, 1, now);

	fast = fast_attempt(&blk->state, rule, now, &rate);
	if (fast == FAST_OVER)
		return blocked_drop(rule, blk, 0, now);
	if (fast == FAST_EXACT)
		now = clock_now(0);
	/* the drops CPUs counted in their flood caches, before the rate moves on */
	if (fast != FAST_PASS)
		flood_fold(rule, ref, b);

	lock = stripe_for(ref->blocked_bucket);
	if (!lock)
		return STAT_SYN_NO_STATE;
	bpf_spin_lock(lock);
	/* the entry was removed or reused while we held it */
	lost = b->head.tag[w] != ref->tag;
	is_over = lost || fast == FAST_PASS ? 0 : step_locked(&blk->state, rule, now, 0);
	bpf_spin_unlock(lock);
	if (lost)
		return STAT_SYN_NO_STATE;
	if (is_over)
		return blocked_drop(rule, blk, 0, now);
	/* the entry as it is now: other CPUs' adds since the step count too */
	return unblock_source(st, rule, ref, blk, now);
}

/* The limit for a SYN from ref's key; *known: the way of its state in the
 * sources table where it passed at the state's instant, else -1. */
static __always_inline enum synlimit_stat limit_source(struct synlimit_stats *st,
						       const struct rule *rule,
						       struct source_ref *ref, __u64 now,
						       int *known)
{
	struct blocked_bucket *blocked;
	struct source_state *state, after;
	struct bpf_spin_lock *lock;
	struct source_bucket *b;
	enum fast_result fast;
	int is_over = 0, lost, w, first;
	__u64 rate;

	if (ref->blocked_way >= 0) {
		blocked = bpf_map_lookup_elem(&blocked_sources, &ref->blocked_bucket);
		return blocked ? limit_blocked(st, rule, ref, blocked, now) : STAT_SYN_NO_STATE;
	}
	b = bpf_map_lookup_elem(&sources, &ref->source_bucket);
	if (!b)
		return STAT_SYN_NO_STATE;
	w = find_source(ref);
	BENCH_CUT(4, w < 0 ? STAT_SYN_DROP_DENY : STAT_SYN_PASSED);
	if (w < 0) {
		/* A new source's first step depends on nothing shared (shape 0
		 * starts it afresh): take it on the stack. Under the limit, it
		 * is only recorded; the second attempt makes the entry. */
		__builtin_memset(&after, 0, sizeof(after));
		after.tag = ref->tag;
		if (rate_step(&after, rule, now)) /* limit <= 1: over at once */
			goto drop;
		BENCH_CUT(5, STAT_SYN_DROP_DENY);
		first = first_attempt(st, rule, ref, &after, &now);
		if (first == FIRST_RECORDED)
			return STAT_SYN_PASSED;
		/* the entry, over the limit or not, as a known source's step
		 * leaves it: its history outlives a blocked entry */
		w = source_insert(st, ref, &after, now);
		if (w < 0)
			return STAT_SYN_NO_STATE;
		if (w < SOURCE_WAYS) {
			if (first == FIRST_AGAIN_OVER)
				goto drop;
			/* a second attempt passed at the first's instant, as a
			 * known source's there: the flood cache may take it */
			if (first == FIRST_AGAIN_AT_ONCE)
				*known = w;
			return STAT_SYN_PASSED;
		}
		/* another CPU added it first: count ours on its state */
	}
	state = &b->state[w & (SOURCE_WAYS - 1)];
	fast = fast_attempt(state, rule, now, &rate);
	if (fast == FAST_EXACT)
		now = clock_now(0);
	if (fast == FAST_PASS) {
		*known = w & (SOURCE_WAYS - 1);
		return STAT_SYN_PASSED;
	}
	if (fast == FAST_OVER) {
		after = *state;
		after.stamp_ns = now;
		after.value = rate;
		goto drop;
	}

	lock = stripe_for(ref->source_bucket);
	if (!lock)
		return STAT_SYN_NO_STATE;
	bpf_spin_lock(lock);
	/* evicted and reused for another source while we held it */
	lost = b->head.tag[w & (SOURCE_WAYS - 1)] != ref->tag;
	if (!lost) {
		is_over = step_locked(state, rule, now, 0);
		b->head.seen[w & (SOURCE_WAYS - 1)] = seen_of(now);
		if (is_over)
			after = *state;
	}
	bpf_spin_unlock(lock);
	if (lost)
		return STAT_SYN_NO_STATE;
	if (!is_over)
		return STAT_SYN_PASSED;
drop:
	return first_drop(st, rule, ref, &after, now);
}

/* Expired bans of ever shorter prefixes looked past before giving up (the
 * controller purges expired bans whenever it changes the bans). */
#define BAN_LOOKUPS 4

/* A ban on src that has not expired (synlimit ban); it overrides every rule.
 * An expired ban must not hide a live one of a shorter prefix: look again
 * below it. With no ban, config.bans says so, and a SYN costs no trie
 * lookup. */
static __always_inline int banned(const union synlimit_addr *src)
{
	struct rule_key key = { .prefixlen = 128, .addr = *src };
	const struct synlimit_config *cfg;
	struct ban *ban;
	__u32 zero = 0;
	int i;

	cfg = bpf_map_lookup_elem(&config, &zero);
	if (cfg && !cfg->bans)
		return 0;
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

/* A limited SYN's state key, where it is blocked, and the time. */
struct limit_ctx {
	struct source_ref ref;
	__u64 now;
};

/*
 * The per-source limit for a SYN under rule. A global function: the
 * verifier checks it once, on its own, whatever the caller's state, and
 * its stack is not added to cookie mode's. Inline, it was walked again for
 * every map the rule can come from (the port-less table, a port table) and
 * every way there. Its pointers are checked for NULL, as a global
 * function's arguments may be.
 */
__noinline int limit_rule(struct synlimit_stats *st, const struct rule *rule,
			  const struct syn_source *syn, struct limit_ctx *lc)
{
	enum synlimit_stat outcome;
	int known = -1;

	if (!st || !rule || !syn || !lc)
		return STAT_SYN_NO_STATE;
	outcome = limit_source(st, rule, &lc->ref, lc->now, &known);
	if (known >= 0 || (lc->ref.blocked_way >= 0 &&
			   (outcome == STAT_SYN_DROP_LIMIT || outcome == STAT_SYN_DROP_BLOCK ||
			    outcome == STAT_SYN_WOULD_DROP)))
		flood_fill(syn, rule, &lc->ref, known, lc->now);
	return outcome;
}

/*
 * What rule says for a SYN: allow and deny at once; else the state key and
 * where its entries are, then cookie mode (which looks whether the source
 * is blocked), then the limit.
 */
static __always_inline enum synlimit_stat rule_verdict(struct xdp_md *ctx,
						       struct synlimit_stats *st,
						       const struct rule *rule,
						       struct syn_source *syn)
{
	struct limit_ctx lc = {};
	enum synlimit_stat cookie;

	if (rule->action == RULE_NONE)
		return STAT_SYN_NO_RULE;
	if (rule->action == RULE_ALLOW)
		return STAT_SYN_ALLOWED;
	if (rule->action == RULE_DENY)
		return over(rule, STAT_SYN_DROP_DENY);

	lc.ref.key.addr.u32[0] = syn->addr.u32[0] & rule->per_mask.u32[0];
	lc.ref.key.addr.u32[1] = syn->addr.u32[1] & rule->per_mask.u32[1];
	lc.ref.key.addr.u32[2] = syn->addr.u32[2] & rule->per_mask.u32[2];
	lc.ref.key.addr.u32[3] = syn->addr.u32[3] & rule->per_mask.u32[3];
	lc.ref.key.prefixlen = rule->per_prefix;
	lc.ref.key.scope = rule->scope;
	source_ref_of(&lc.ref);
	find_blocked(&lc.ref);
	lc.now = clock_now(rule_clock_coarse(rule));
	syn->blocked = lc.ref.blocked_way >= 0;
	BENCH_CUT(3, lc.ref.blocked_way < 0 && lc.now ? STAT_SYN_DROP_DENY : STAT_SYN_PASSED);
	cookie = syncookie_syn(ctx, st, rule, syn, lc.now);
	if (cookie)
		return cookie;
	return limit_rule(st, rule, syn, &lc);
}

/* The rule for a SYN (longest prefix; rules naming its port first), then
 * what it says; a source the flood cache knows to be over needs neither. */
static __always_inline enum synlimit_stat limit_syn(struct xdp_md *ctx, struct synlimit_stats *st,
						    struct syn_source *syn)
{
	struct rule_key rule_key = { .prefixlen = 128, .addr = syn->addr };
	enum synlimit_stat cached;
	const struct rule *rule;
	__u32 zero = 0;
	void *table;

	BENCH_CUT(1, STAT_SYN_DROP_DENY);
	if (banned(&syn->addr))
		return STAT_SYN_DROP_BAN;
	cached = flood_drop(syn);
	if (cached)
		return cached;
	table = bpf_map_lookup_elem(&limit_tables, &zero);
	if (!table)
		return STAT_SYN_NO_RULE;
	rule = bpf_map_lookup_elem(table, &rule_key);
	if (!rule)
		return STAT_SYN_NO_RULE;
	if (rule->port_table) { /* the file names ports: their rules come first */
		syn->port_rules = 1;
		rule = port_rule(rule, &syn->addr, syn->dport);
	}
	BENCH_CUT(2, rule->action == RULE_LIMIT ? STAT_SYN_DROP_DENY : STAT_SYN_PASSED);
	return rule_verdict(ctx, st, rule, syn);
}

/* The counters of the interface the packet came in on, in the slot the
 * controller claimed for it; a packet of an interface without one (not
 * attached through synlimit, or sharing its slot) is counted in the stats
 * map. One lookup a packet, and one add (a SYN's outcome, one more): its
 * verdict's totals follow from its class and outcome (include/synlimit/abi.h). */
static __always_inline struct synlimit_stats *counters_of(__u32 ifindex)
{
	__u32 slot = SYNLIMIT_IFACE_SLOT(ifindex), zero = 0;
	struct iface_stats *is = bpf_map_lookup_elem(&iface_stats, &slot);

	if (is && is->ifindex == ifindex)
		return &is->counts;
	return bpf_map_lookup_elem(&stats, &zero);
}

static __always_inline int decide(struct xdp_md *ctx)
{
	enum synlimit_stat class, outcome;
	struct syn_source syn = {};
	struct synlimit_stats *st;

	class = classify(ctx, &syn.addr, &syn.dport);
	/* opaque from here: else each of classify's returns carries its
	 * verdict as a second constant, an instruction more on every path */
	asm volatile("" : "+r"(class));
	BENCH_CUT(6, class_drops(class) ? XDP_DROP : XDP_PASS);
	st = counters_of(ctx->ingress_ifindex);
	if (!st) /* cannot happen for a per-CPU array; keeps the verifier happy */
		return XDP_PASS;
	count(st, class);
	if (class != STAT_SYN)
		return class_drops(class) ? XDP_DROP : XDP_PASS;

	outcome = limit_syn(ctx, st, &syn);
	count(st, outcome);
	if (outcome == STAT_SYN_COOKIE_SENT)
		return XDP_TX;
	return outcome_drops(outcome) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int synlimit_xdp(struct xdp_md *ctx)
{
	return decide(ctx);
}

char LICENSE[] SEC("license") = "GPL";
