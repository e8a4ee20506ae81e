/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flood cache: the flood's own packets dropped with no rule lookup.
 *
 * Per CPU, two ways a set, from a SYN's source (and its destination port
 * where port rules apply) to the entry of the blocked table its last drop
 * was counted in, with the few fields of its rule a drop needs; a set's
 * tags are read first, so that a source with no entry (a spoofed flood's)
 * reads none (source_table.h, flood_block). A SYN that finds its entry,
 * under the same limit table (the generation), in a blocked entry still
 * holding the same tag, is dropped if the drop is certain with no lock:
 * inside the block window, or an ewma rate already at or over the limit at
 * the instant of its last update (an attempt at that instant adds exactly
 * 1 in strict mode and nothing in leaky mode, so it stays over). At a new
 * tick the cache moves the rate itself, under the bucket's lock as the
 * full way does, where the attempt is still over (flood_move). Anything
 * else (a rate under the limit, a reload, a removed entry) goes the full
 * way, which fills the cache again. Once a CPU found the source over at an
 * instant, counting in its own counts, the rest of that instant's SYNs are
 * dropped from its entry alone (over_ns): a block window or a rate over the
 * limit at an instant stays so at that instant, and an entry removed
 * meanwhile is seen at the next one. (One edge: a CPU whose clock read came
 * just before the tick moves the state back to the tick before, as the full
 * way's step does, and a third CPU at the tick may then find it decayed
 * under the limit and end the block; the entry drops until the next tick.)
 *
 * Where the source is its own state key (per-host rules), the drop is
 * counted in the CPU's own entry, not in the shared blocked entry, which
 * stays read-only during the flood: CPUs dropping the same source do not
 * pass its cache line between them. Whichever moves its rate to a new
 * instant, the full way or flood_move, first folds every CPU's counts into
 * the blocked entry (at
 * that instant each attempt added exactly 1, so the sum is the same rate),
 * and a CPU folds its own when it refills the entry for another source.
 * Counts a CPU makes while another folds are folded at the next instant,
 * as attempts that arrive late are (rate_step). The controller adds what
 * is not folded yet when it shows a source (user/source_table.c). Other
 * keys (a network per rule) are counted in the shared entry with atomic
 * adds, exactly as the full way counts them.
 *
 * A known source under its limit has an entry too, once it sent a second
 * attempt at the instant of its state (a busy source: a proxy, a NAT):
 * pointing to its state in the sources table, it passes further attempts at
 * that instant with one compare-and-swap, while the rate stays under the
 * limit after the attempt, exactly where the full way's lock-free step
 * passes them (fast_attempt). The attempt that would reach the limit, a new
 * tick, a reload take the full way. A source blocked meanwhile does not
 * pass here: the bit of its bucket in the blocked table is set from its
 * first drop on, and a set bit sends the SYN the full way. (Its state in
 * the sources table stays as the first drop left it, at or over the limit,
 * except where another CPU that had looked before the block moved it to a
 * new tick.) Cookie mode decides every
 * SYN itself (its auto mode counts them), so known entries are not used
 * while it is set up on any interface.
 *
 * Bans are checked before the cache, so a ban still overrides. Only ewma
 * rules of periods of a second or more are cached: they read the coarse
 * clock, whose instants the flood shares. Per CPU, so an entry is never
 * torn by another CPU's fill.
 */
#ifndef SYNLIMIT_FLOOD_CACHE_H
#define SYNLIMIT_FLOOD_CACHE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "synlimit/rate.h"
#include "maps.h"
#include "source_table.h"
#include "step.h"
#include "syncookie.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOOD_BLOCKS);
	__type(key, __u32);
	__type(value, struct flood_block);
} flood_cache SEC(".maps");

/* This CPU's block holding slot (a set's first entry), or NULL. */
static __always_inline struct flood_block *flood_block_at(__u32 slot)
{
	__u32 block = slot / FLOOD_BLOCK_ENTRIES;
	struct flood_block *b = bpf_map_lookup_elem(&flood_cache, &block);

	if (!b)
		return NULL;
	/* offsets after the check: the verifier refuses them on a maybe-NULL */
	asm volatile("" : "+r"(b));
	return b;
}

/* The first slot of the set of a source's hash (flood_cache_hash). */
static __always_inline __u32 flood_slot_of(__u32 hash)
{
	return flood_cache_set_of(hash) * FLOOD_CACHE_WAYS;
}

/* Does e hold this SYN's source (and its port, where that matters)? */
static __always_inline int flood_match(const struct flood_entry *e, const struct syn_source *syn)
{
	return e->generation && (e->any_port || e->dport == syn->dport) &&
	       e->src.u32[0] == syn->addr.u32[0] && e->src.u32[1] == syn->addr.u32[1] &&
	       e->src.u32[2] == syn->addr.u32[2] && e->src.u32[3] == syn->addr.u32[3];
}

static __always_inline enum synlimit_stat flood_over(__u8 flags, enum synlimit_stat drop)
{
	return flags & RULE_F_DRY_RUN ? STAT_SYN_WOULD_DROP : drop;
}

/* Does the cache take a rule's sources (the coarse clock's rules)? */
static __always_inline int flood_cacheable(const struct rule *rule)
{
	return rule->algo == ALGO_EWMA && rule->period_ns >= 1000000000ULL;
}

/* A fold: the blocked entry whose counts are collected (bucket, way, tag),
 * the set its source's entries are in, and what was collected. */
struct flood_fold {
	__u32 slot;
	__u32 key; /* the block being looked up: the callback has no stack to spare */
	__u32 bucket;
	__u32 way;
	__u32 tag;
	__u32 drops; /* each CPU's below FLOOD_GAP_MAX; a handful of CPUs' at a time */
	__u32 adds;
};

/* Does e count for f's blocked entry? Read as another CPU may be writing. */
static __always_inline int flood_counts_for(const struct flood_entry *e, const struct flood_fold *f)
{
	return *(volatile const __u8 *)&e->own_counts &&
	       *(volatile const __u32 *)&e->bucket == f->bucket &&
	       *(volatile const __u16 *)&e->way == f->way &&
	       *(volatile const __u32 *)&e->tag == f->tag;
}

/*
 * What e counted for f's entry that the entry does not have yet, into f:
 * e->folded moves on to e's counts by compare-and-swap, so no two CPUs
 * take the same drops. e's own CPU may be counting, or refilling e for
 * another source; it stores the new source before counting for it (with a
 * barrier after, flood_fill), so counts read before e is seen to still
 * count for f are f's; and it folds its own counts before it refills,
 * which moves folded on, so a swap from a folded value read before the
 * refill fails. folded is read by an atomic add of 0, which orders the
 * reads of the counts after it where the CPU does not (arm64); a gap that
 * is not a count (FLOOD_GAP_MAX) is left for the next fold.
 */
static __always_inline void flood_take(struct flood_entry *e, struct flood_fold *f)
{
	__u64 folded, counts;
	__u32 drops, adds;
	int i;

	for (i = 0; i < 4; i++) {
		if (!flood_counts_for(e, f))
			return;
		folded = __sync_fetch_and_add(&e->folded, 0);
		drops = *(volatile __u32 *)&e->drops;
		adds = *(volatile __u32 *)&e->adds;
		asm volatile("" ::: "memory");
		if (!flood_counts_for(e, f))
			return;
		counts = (__u64)adds << 32 | drops;
		if (counts == folded || (__u32)(drops - (__u32)folded) >= FLOOD_GAP_MAX ||
		    (__u32)(adds - (__u32)(folded >> 32)) >= FLOOD_GAP_MAX)
			return;
		if (__sync_val_compare_and_swap(&e->folded, folded, counts) == folded) {
			f->drops += (__u32)(drops - (__u32)folded);
			f->adds += (__u32)(adds - (__u32)(folded >> 32));
			return;
		}
	}
}

/* Each CPU's entries of f's set (bpf_loop), until there is no such CPU. */
static long flood_take_cpu(__u32 cpu, void *ctx)
{
	struct flood_fold *f = ctx;
	struct flood_block *b;
	struct flood_entry *e;
	int i;

	f->key = f->slot / FLOOD_BLOCK_ENTRIES;
	b = bpf_map_lookup_percpu_elem(&flood_cache, &f->key, cpu);
	if (!b)
		return 1;
	for (i = 0; i < FLOOD_CACHE_WAYS; i++) {
		e = &b->e[(f->slot + i) & (FLOOD_BLOCK_ENTRIES - 1)];
		flood_take(e, f);
	}
	return 0;
}

/* What f took, into its blocked entry in b, if that still holds it. */
static __always_inline void flood_give(struct blocked_bucket *b, const struct flood_fold *f)
{
	struct blocked_state *blk = &b->state[f->way & (SOURCE_WAYS - 1)];

	if (*(volatile __u32 *)&b->head.tag[f->way & (SOURCE_WAYS - 1)] != f->tag)
		return;
	if (f->adds)
		__sync_fetch_and_add(&blk->state.value, f->adds * Q16_ONE);
	if (f->drops)
		__sync_fetch_and_add(&blk->drops, f->drops);
}

/* What this CPU's e counted, into its blocked entry (a way of b). A
 * function of its own: its fold's stack is not added to the XDP program's,
 * which calls cookie mode's deep one. */
static __noinline void flood_own_fold(struct flood_entry *e, struct blocked_bucket *b)
{
	struct flood_fold f = { .bucket = e->bucket, .way = e->way, .tag = e->tag };

	flood_take(e, &f);
	if (f.drops || f.adds)
		flood_give(b, &f);
}

/* One drop by e (its blocked entry is way e->way of b), and with add an
 * attempt added to the rate: in e's own counts where it has them, else in
 * the shared blocked entry. The first of a new tick gives the entry what e
 * counted before, so that a source dropped with no full way (a block=
 * window) has its drops in its entry a tick later, for blocked_victim. */
static __always_inline void flood_count(struct flood_entry *e, struct blocked_bucket *b,
					struct blocked_state *blk, int add, __u64 now)
{
	e->hits++;
	if (e->own_counts && e->used_ns != now)
		flood_own_fold(e, b);
	e->used_ns = now;
	if (e->own_counts && *(volatile __u64 *)&blk->drops >= FLOOD_SHARED_DROPS) {
		e->drops++;
		if (add)
			e->adds++;
		return;
	}
	if (add)
		__sync_fetch_and_add(&blk->state.value, Q16_ONE);
	__sync_fetch_and_add(&blk->drops, 1);
}

/* The CPUs a fold looks at, at most (it stops at the first past the last). */
#define FLOOD_FOLD_CPUS 8192

/* Every CPU's counts for the blocked entry (bucket, way, tag) of the
 * per-host key src (in b), into it, once its episode has
 * FLOOD_SHARED_DROPS (below that, no CPU has counts of its own). */
static __always_inline void flood_fold_host(struct blocked_bucket *b, __u32 bucket, __u32 way,
					    __u32 tag, const union synlimit_addr *src)
{
	struct flood_fold f = { .bucket = bucket, .way = way & (SOURCE_WAYS - 1), .tag = tag };

	if (*(volatile __u64 *)&b->state[f.way].drops < FLOOD_SHARED_DROPS)
		return;
	f.slot = flood_slot_of(flood_cache_hash(src, cfg_table_seed));
	bpf_loop(FLOOD_FOLD_CPUS, flood_take_cpu, &f, 0);
	if (f.drops || f.adds)
		flood_give(b, &f);
}

/* Every CPU's counts for ref's blocked entry (in b), into it. Only a
 * per-host key's source under a rule the cache takes counts in its own
 * entries (all in one set). */
static __always_inline void flood_fold(const struct rule *rule, const struct source_ref *ref,
				       struct blocked_bucket *b)
{
	if (ref->key.prefixlen == 128 && flood_cacheable(rule))
		flood_fold_host(b, ref->blocked_bucket, ref->blocked_way, ref->tag, &ref->key.addr);
}

/*
 * The first SYN of a new tick from a blocked source (way e->way of b):
 * every CPU's counts folded in, then its rate moved to now under the
 * bucket's lock, as the full way moves it (limit_blocked), but stored only
 * where the attempt is still over (returns 1). 0: it is not, or the entry
 * went: the full way decides, on a rate the step left as it was (the fold
 * only moved counts into the entry, which the full way does first too). A
 * function of its own, as the full way's lock users are (bpf/synlimit.bpf.c).
 */
__noinline int flood_move(struct flood_entry *e, struct blocked_bucket *b, __u64 now)
{
	struct rule rule = { .algo = ALGO_EWMA };
	struct bpf_spin_lock *lock;
	int w, is_over;

	if (!e || !b)
		return 0;
	rule.shape = e->shape;
	rule.flags = e->flags;
	rule.limit_q16 = e->limit_q16;
	rule.period_ns = e->period_ns;
	rule.recip = e->recip;
	rule.recip_shift = e->recip_shift;
	w = e->way & (SOURCE_WAYS - 1);
	if (e->own_counts)
		flood_fold_host(b, e->bucket, w, e->tag, &e->src);
	lock = stripe_for(e->bucket);
	if (!lock)
		return 0;
	bpf_spin_lock(lock);
	is_over = b->head.tag[w] == e->tag && step_locked(&b->state[w].state, &rule, now, 1);
	bpf_spin_unlock(lock);
	return is_over;
}

/* Is cookie mode set up on some interface? Then it decides every SYN. */
static __always_inline int flood_cookies_set_up(void)
{
	const struct cookie_config *cc;
	__u32 zero = 0;

	cc = bpf_map_lookup_elem(&cookie_config, &zero);
	return !cc || cc->ifaces;
}

/* Compare-and-swap tries of a known entry's pass before the full way. */
#define FLOOD_PASS_TRIES 4

/* A SYN from a known source at the instant of its state (e points to it),
 * passed where the rate after it is still under the limit; 0: take the
 * full way. */
static __always_inline enum synlimit_stat flood_pass(struct flood_entry *e)
{
	struct source_state *state;
	struct source_bucket *b;
	__u64 now, seen, *occupied;
	int i;

	if (flood_cookies_set_up())
		return 0;
	occupied = occupancy_of(e->blocked_bucket);
	if (!occupied || *occupied & occupancy_bit(e->blocked_bucket))
		return 0;
	b = bpf_map_lookup_elem(&sources, &e->bucket);
	if (!b || *(volatile __u32 *)&b->head.tag[e->way & (SOURCE_WAYS - 1)] != e->tag)
		return 0;
	state = &b->state[e->way & (SOURCE_WAYS - 1)];
	now = clock_now(1);
	if (state->shape != e->shape || *(volatile __u64 *)&state->stamp_ns != now)
		return 0;
#pragma clang loop unroll(disable)
	for (i = 0; i < FLOOD_PASS_TRIES; i++) {
		seen = *(volatile __u64 *)&state->value;
		if (seen + Q16_ONE >= e->limit_q16)
			return 0;
		if (__sync_val_compare_and_swap(&state->value, seen, seen + Q16_ONE) == seen) {
			e->hits++;
			e->used_ns = now;
			return STAT_SYN_PASSED;
		}
	}
	return 0;
}

/*
 * After a drop counted in e's own counts: the rest of this instant's drops
 * need not look at the blocked entry. At one instant a source found over
 * stays over: in strict mode an attempt there adds exactly 1, in leaky mode
 * a refused one nothing, and a block window that covers the instant covers
 * it for good (its start only moves on). held: they are block-window drops
 * (a window, or a limit drop that started one).
 */
static __always_inline void flood_over_now(struct flood_entry *e, const struct blocked_state *blk,
					   int held, __u64 now)
{
	if (e->own_counts && *(volatile __u64 *)&blk->drops >= FLOOD_SHARED_DROPS) {
		e->over_held = held;
		e->over_ns = now;
	}
}

/* The outcome of a SYN from a source the cache knows to be over its limit,
 * counted in its state, or known and under it; 0: take the full way. A
 * global function: inline, its stack was added to the XDP program's, which
 * cookie mode's deep one left no room for (512 bytes in all). */
__noinline int flood_drop(const struct syn_source *syn)
{
	__u32 hash, tag, slot, zero = 0;
	const struct synlimit_config *cfg;
	struct blocked_bucket *b;
	struct blocked_state *blk;
	struct flood_block *fb;
	struct flood_entry *e;
	__u64 now, seen;

	if (!syn)
		return 0;
	hash = flood_cache_hash(&syn->addr, cfg_table_seed);
	tag = flood_cache_tag(hash);
	slot = flood_slot_of(hash);
	fb = flood_block_at(slot);
	if (!fb)
		return 0;
	/* the tags first: a source with no entry reads no entry. Both ways
	 * can hold its tag (one source's two ports under port rules, two
	 * addresses of one hash): a way is its only where it matches. */
	e = &fb->e[slot & (FLOOD_BLOCK_ENTRIES - 1)];
	if (fb->tag[slot & (FLOOD_BLOCK_ENTRIES - 1)] != tag || !flood_match(e, syn)) {
		e = &fb->e[(slot + 1) & (FLOOD_BLOCK_ENTRIES - 1)];
		if (fb->tag[(slot + 1) & (FLOOD_BLOCK_ENTRIES - 1)] != tag || !flood_match(e, syn))
			return 0;
	}
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || cfg->generation != e->generation)
		return 0;
	if (e->known)
		return flood_pass(e);
	now = clock_now(1);
	if (e->over_ns == now && now) {
		e->hits++;
		e->drops++;
		if (!e->over_held && !(e->flags & RULE_F_LEAKY))
			e->adds++;
		return flood_over(e->flags,
				  e->over_held ? STAT_SYN_DROP_BLOCK : STAT_SYN_DROP_LIMIT);
	}
	b = bpf_map_lookup_elem(&blocked_sources, &e->bucket);
	if (!b || *(volatile __u32 *)&b->head.tag[e->way & (SOURCE_WAYS - 1)] != e->tag)
		return 0;
	blk = &b->state[e->way & (SOURCE_WAYS - 1)];
	/* signed: another CPU may have stamped hold_ns just after our now */
	if (e->block_ns && (__s64)(now - *(volatile __u64 *)&blk->hold_ns) < (__s64)e->block_ns) {
		flood_count(e, b, blk, 0, now);
		flood_over_now(e, blk, 1, now);
		return flood_over(e->flags, STAT_SYN_DROP_BLOCK);
	}
	if (blk->state.shape != e->shape)
		return 0;
	if (*(volatile __u64 *)&blk->state.stamp_ns != now) {
		if (!flood_move(e, b, now))
			return 0;
		/* flood_move folded this CPU's counts too, where the episode
		 * has any of its own (FLOOD_SHARED_DROPS); counts left from an
		 * earlier episode of the same entry wait for the next fold */
		e->used_ns = now;
		flood_count(e, b, blk, 0, now);
	} else {
		seen = *(volatile __u64 *)&blk->state.value;
		if (seen < e->limit_q16 || seen >= RATE_MAX_Q16 - Q16_ONE)
			return 0;
		flood_count(e, b, blk, !(e->flags & RULE_F_LEAKY), now);
	}
	if (e->block_ns)
		blk->hold_ns = now;
	flood_over_now(e, blk, e->block_ns != 0, now);
	return flood_over(e->flags, STAT_SYN_DROP_LIMIT);
}

/* Before this CPU's entry e counts for another blocked entry: what it
 * counted for its own, into that one (where it is still held). */
static __always_inline void flood_refold(struct flood_entry *e)
{
	struct blocked_bucket *b;

	if (!e->own_counts)
		return;
	b = bpf_map_lookup_elem(&blocked_sources, &e->bucket);
	if (b)
		flood_own_fold(e, b);
}

/* May a known source's entry take e? Not where e drops a flood in this
 * tick: a busy source must not cost a flooder its entry. */
static __always_inline int flood_known_may_take(const struct flood_entry *e, __u64 now)
{
	return !e->generation || e->known || e->used_ns != now;
}

/* The way of syn's set (its first entry in fb at i) to fill: the one that
 * holds its source, else an empty one, else the one used longer ago; for a
 * known entry, not one a known entry may not take. -1: none. */
static __always_inline int flood_way(const struct flood_block *fb, __u32 i,
				     const struct syn_source *syn, int known, __u64 now)
{
	const struct flood_entry *e = &fb->e[i & (FLOOD_BLOCK_ENTRIES - 1)],
				 *e1 = &fb->e[(i + 1) & (FLOOD_BLOCK_ENTRIES - 1)];
	int w = 0;

	if (!flood_match(e, syn) &&
	    (flood_match(e1, syn) || (known && !flood_known_may_take(e, now)) ||
	     (e->generation && (!e1->generation || e1->used_ns < e->used_ns)))) {
		e = e1;
		w = 1;
	}
	if (known && !flood_match(e, syn) && !flood_known_may_take(e, now))
		return -1;
	return w;
}

/*
 * After the full way decided a SYN of ref's key: remember where its state
 * is, for the next. known_way < 0: it was dropped and is in the blocked
 * table (ref->blocked_way); else it passed at the instant of its state,
 * way known_way of its bucket in the sources table (a known entry). What
 * the entry counted for the blocked entry it pointed to goes there first.
 */
static __always_inline void flood_fill(const struct syn_source *syn, const struct rule *rule,
				       const struct source_ref *ref, int known_way, __u64 now)
{
	int known = known_way >= 0,
	    way = (known ? known_way : ref->blocked_way) & (SOURCE_WAYS - 1);
	__u32 bucket = known ? ref->source_bucket : ref->blocked_bucket;
	struct flood_block *fb;
	struct flood_entry *e;
	__u32 hash, slot;
	int moved, w;

	if (!flood_cacheable(rule) || (known && flood_cookies_set_up()))
		return;
	hash = flood_cache_hash(&syn->addr, cfg_table_seed);
	slot = flood_slot_of(hash);
	fb = flood_block_at(slot);
	if (!fb)
		return;
	w = flood_way(fb, slot, syn, known, now);
	if (w < 0)
		return;
	slot += w;
	e = &fb->e[slot & (FLOOD_BLOCK_ENTRIES - 1)];
	moved = e->known != known || e->bucket != bucket || e->way != way || e->tag != ref->tag;
	if (moved)
		flood_refold(e);
	e->src = syn->addr;
	e->generation = rule->generation;
	e->dport = syn->dport;
	e->any_port = !syn->port_rules;
	e->flags = rule->flags;
	e->bucket = bucket;
	e->way = way;
	e->tag = ref->tag;
	e->own_counts = !known && rule->per_prefix == 128;
	e->known = known;
	e->blocked_bucket = ref->blocked_bucket;
	e->shape = rule->shape;
	e->limit_q16 = rule->limit_q16;
	e->block_ns = rule->block_ns;
	e->period_ns = rule->period_ns;
	e->recip = rule->recip;
	e->recip_shift = rule->recip_shift;
	e->hits = 0;
	e->over_ns = 0;
	e->used_ns = now;
	/* where stores are not seen in order (arm64): the new entry before
	 * anything counted for it (flood_take) */
	if (moved)
		__sync_fetch_and_add(&e->folded, 0);
	fb->tag[slot & (FLOOD_BLOCK_ENTRIES - 1)] = flood_cache_tag(hash);
}

#endif /* SYNLIMIT_FLOOD_CACHE_H */
