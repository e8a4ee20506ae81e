/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flood cache: the flood's own packets dropped with no rule lookup.
 *
 * Per CPU, two ways a set, from a SYN's source (and its destination port
 * where port rules apply) to the entry of the blocked table its last drop
 * was counted in, with the few fields of its rule a drop needs. A SYN that
 * finds its entry, under the same limit table (the generation), in a blocked
 * entry still holding the same tag, is dropped if the drop is certain with
 * no lock: inside the block window, or an ewma rate already at or over the
 * limit at the instant of its last update (an attempt at that instant adds
 * exactly 1 in strict mode and nothing in leaky mode, so it stays over).
 * It is counted in the shared state exactly as the full path counts it.
 * Anything else (a new tick, a rate under the limit, a reload, a removed
 * entry) goes the full way, which fills the cache again.
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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOOD_CACHE_WAYS << FLOOD_CACHE_BITS);
	__type(key, __u32);
	__type(value, struct flood_entry);
} flood_cache SEC(".maps");

/* The first slot of src's set. */
static __always_inline __u32 flood_set_of(const union synlimit_addr *src)
{
	return flood_cache_set(src, cfg_table_seed) * FLOOD_CACHE_WAYS;
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

/* The outcome of a SYN from a source the cache knows to be over its limit,
 * counted in its state; 0: take the full way. */
static __always_inline enum synlimit_stat flood_drop(const struct syn_source *syn)
{
	__u32 slot = flood_set_of(&syn->addr), zero = 0;
	const struct synlimit_config *cfg;
	struct blocked_bucket *b;
	struct blocked_state *blk;
	struct flood_entry *e;
	__u64 now, seen;

	e = bpf_map_lookup_elem(&flood_cache, &slot);
	if (!e)
		return 0;
	if (!flood_match(e, syn)) {
		slot++;
		e = bpf_map_lookup_elem(&flood_cache, &slot);
		if (!e || !flood_match(e, syn))
			return 0;
	}
	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || cfg->generation != e->generation)
		return 0;
	b = bpf_map_lookup_elem(&blocked_sources, &e->bucket);
	if (!b || *(volatile __u32 *)&b->head.tag[e->way & (SOURCE_WAYS - 1)] != e->tag)
		return 0;
	blk = &b->state[e->way & (SOURCE_WAYS - 1)];
	now = clock_now(1);
	/* signed: another CPU may have stamped hold_ns just after our now */
	if (e->block_ns && (__s64)(now - *(volatile __u64 *)&blk->hold_ns) < (__s64)e->block_ns) {
		e->hits++;
		e->used_ns = now;
		__sync_fetch_and_add(&blk->drops, 1);
		return flood_over(e->flags, STAT_SYN_DROP_BLOCK);
	}
	if (blk->state.shape != e->shape || *(volatile __u64 *)&blk->state.stamp_ns != now)
		return 0;
	seen = *(volatile __u64 *)&blk->state.value;
	if (seen < e->limit_q16 || seen >= RATE_MAX_Q16 - Q16_ONE)
		return 0;
	e->hits++;
	e->used_ns = now;
	if (!(e->flags & RULE_F_LEAKY))
		__sync_fetch_and_add(&blk->state.value, Q16_ONE);
	__sync_fetch_and_add(&blk->drops, 1);
	if (e->block_ns)
		blk->hold_ns = now;
	return flood_over(e->flags, STAT_SYN_DROP_LIMIT);
}

/* After the full way dropped a SYN whose source is in the blocked table
 * (ref): remember where, for the next, in the way of its set that holds
 * it, else an empty one, else the one used longer ago. */
static __always_inline void flood_fill(const struct syn_source *syn, const struct rule *rule,
				       const struct source_ref *ref, __u64 now)
{
	__u32 slot = flood_set_of(&syn->addr), other = slot + 1;
	struct flood_entry *e, *e1;

	if (rule->algo != ALGO_EWMA || rule->period_ns < 1000000000ULL)
		return;
	e = bpf_map_lookup_elem(&flood_cache, &slot);
	e1 = bpf_map_lookup_elem(&flood_cache, &other);
	if (!e || !e1)
		return;
	if (!flood_match(e, syn) &&
	    (flood_match(e1, syn) ||
	     (e->generation && (!e1->generation || e1->used_ns < e->used_ns))))
		e = e1;
	e->src = syn->addr;
	e->generation = rule->generation;
	e->dport = syn->dport;
	e->any_port = !syn->port_rules;
	e->flags = rule->flags;
	e->bucket = ref->blocked_bucket;
	e->way = ref->blocked_way;
	e->tag = ref->tag;
	e->shape = rule->shape;
	e->limit_q16 = rule->limit_q16;
	e->block_ns = rule->block_ns;
	e->hits = 0;
	e->used_ns = now;
}

#endif /* SYNLIMIT_FLOOD_CACHE_H */
