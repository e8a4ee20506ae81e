/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding, adding and removing entries of the per-source tables (layout and
 * hash in include/synlimit/source_table.h).
 *
 * Lookups take no lock: the tags are compared, then the key. An entry is
 * written, replaced or removed only under the lock stripe of its bucket,
 * which is also the lock under which its state takes a locked step, so a
 * state checked under its lock is the entry's. A way's tag is withdrawn
 * before its key is written and published after its key and state, so a
 * lookup that matches a tag finds the key written for it (bucket_publish
 * says where that holds).
 */
#ifndef SYNLIMIT_BPF_SOURCE_TABLE_H
#define SYNLIMIT_BPF_SOURCE_TABLE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/source_table.h"
#include "maps.h"

/* Load-time settings (the controller's source_tables_setup()): the hash key
 * and the tables' sizes in buckets, which must match the maps'. */
const volatile __u64 cfg_table_seed = 0;
const volatile __u32 cfg_source_buckets = SOURCE_BUCKETS(SYNLIMIT_DEFAULT_SOURCES);
const volatile __u32 cfg_blocked_buckets = SOURCE_BUCKETS(SYNLIMIT_DEFAULT_BLOCKED);

/* A state key and where it lives: its tag, its bucket in each table, and
 * its way in the blocked table (-1: not there). */
struct source_ref {
	struct source_key key;
	__u32 tag;
	__u32 source_bucket;
	__u32 blocked_bucket;
	__s32 blocked_way;
};

static __always_inline void source_ref_of(struct source_ref *ref)
{
	__u64 h = source_key_hash(&ref->key, cfg_table_seed);

	ref->tag = source_hash_tag(h);
	ref->source_bucket = source_hash_bucket(h, cfg_source_buckets);
	ref->blocked_bucket = source_hash_bucket(h, cfg_blocked_buckets);
}

/* The word of the occupancy bitmap (maps.h) that holds bucket's bit. */
static __always_inline __u64 *occupancy_of(__u32 bucket)
{
	__u32 word = bucket >> 6;

	return bpf_map_lookup_elem(&blocked_occupancy, &word);
}

static __always_inline __u64 occupancy_bit(__u32 bucket)
{
	return 1ULL << (bucket & 63);
}

static __always_inline struct bpf_spin_lock *stripe_for(__u32 bucket)
{
	__u32 idx = bucket & (SYNLIMIT_LOCK_STRIPES - 1);
	struct lock_stripe *stripe = bpf_map_lookup_elem(&lock_stripes, &idx);

	return stripe ? &stripe->lock : NULL;
}

static __always_inline int same_key(const struct source_key *a, const struct source_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	_Static_assert(sizeof(*a) == 5 * sizeof(__u32), "a key is five words");
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3] && x[4] == y[4];
}

/* Whether line copies tag: only then can its bucket hold the source. */
static __always_inline int line_holds(const struct first_line *line, __u32 tag)
{
	return *(volatile const __u32 *)&line->tag[0] == tag ||
	       *(volatile const __u32 *)&line->tag[1] == tag ||
	       *(volatile const __u32 *)&line->tag[2] == tag ||
	       *(volatile const __u32 *)&line->tag[3] == tag;
}

/* The way of head holding key, or -1. */
static __always_inline int bucket_find(const struct bucket_head *head, const struct source_key *key,
				       __u32 tag)
{
	int w;

#pragma unroll
	for (w = 0; w < SOURCE_WAYS; w++)
		if (*(volatile const __u32 *)&head->tag[w] == tag && same_key(&head->key[w], key))
			return w;
	return -1;
}

/*
 * Every cache line of a sources bucket asked for at once, before the lock
 * is taken. An insert (a source's second attempt) writes a key and a state
 * in lines of the bucket its lookup did not read, and each of those misses
 * was waited for in turn (a store waits in the store buffer for its line,
 * the lock's locked instruction for the store buffer). Loads that nothing
 * waits for go out together: one at the bucket's start, one every 64 bytes
 * after it and the last word touch each line the bucket spans, wherever in
 * a line it starts.
 */
static __always_inline void bucket_touch(const struct source_bucket *b)
{
	const char *p = (const char *)b;
	__u32 z = *(volatile const __u32 *)p;
	__u32 a = *(volatile const __u32 *)(p + 64);
	__u32 c = *(volatile const __u32 *)(p + 128);
	__u32 d = *(volatile const __u32 *)(p + 192);
	__u32 e = *(volatile const __u32 *)(p + sizeof(*b) - 4);

	_Static_assert(sizeof(*b) > 192 && sizeof(*b) <= 256, "five loads 64 bytes apart");
	asm volatile("" ::"r"(z), "r"(a), "r"(c), "r"(d), "r"(e));
}

/* A free way of head, or -1. */
static __always_inline int bucket_free_way(const struct bucket_head *head)
{
	int w;

#pragma unroll
	for (w = 0; w < SOURCE_WAYS; w++)
		if (!head->tag[w])
			return w;
	return -1;
}

/* Under the bucket's lock: withdraw way w's tag, then write key there. The
 * caller writes the state between bucket_claim and bucket_publish. Plain
 * stores, in order, as in bucket_publish: the lock taken just before is
 * the only locked instruction a new source's insert needs. */
static __always_inline void bucket_claim(struct bucket_head *head, int w,
					 const struct source_key *key)
{
	*(volatile __u32 *)&head->tag[w & (SOURCE_WAYS - 1)] = 0;
	asm volatile("" ::: "memory");
	head->key[w & (SOURCE_WAYS - 1)] = *key;
}

/* The tag last, after the key and state: a plain store, which the CPU
 * makes visible after the stores before it (x86; elsewhere a lookup may
 * see the tag before the key, miss, and find the entry again under the
 * lock); the lock's release follows. An atomic exchange here would wait
 * for the misses of those stores. */
static __always_inline void bucket_publish(struct bucket_head *head, int w, __u32 tag)
{
	asm volatile("" ::: "memory");
	*(volatile __u32 *)&head->tag[w & (SOURCE_WAYS - 1)] = tag;
}

/*
 * The way a new entry takes: a free one, else the one with the lowest
 * score (in the sources table, when it was updated). Ties, common when a
 * flood's attempts share a clock tick, go to the first from way `start`: a
 * bit of the new key's hash, so that no way keeps its entry for the tie
 * alone.
 */
static __always_inline int pick_victim(const struct bucket_head *head, const __u64 *score,
				       __u32 start)
{
	int w = bucket_free_way(head), i;
	__u64 lowest = ~0ULL;

	if (w >= 0)
		return w;
#pragma unroll
	for (i = 0; i < SOURCE_WAYS; i++) {
		__u32 k = (start + i) & (SOURCE_WAYS - 1);

		if (score[k] < lowest) {
			lowest = score[k];
			w = k;
		}
	}
	return w;
}

static __always_inline int source_victim(const struct source_bucket *b, __u32 tag)
{
	__u64 seen[SOURCE_WAYS];
	int i;

#pragma unroll
	for (i = 0; i < SOURCE_WAYS; i++)
		seen[i] = b->head.seen[i];
	return pick_victim(&b->head, seen, tag >> 8);
}

/* A way's last update, as head.seen keeps it. */
static __always_inline __u32 seen_of(__u64 now)
{
	return (__u32)(now >> 20);
}

/*
 * In the blocked table the way to give up is the one with the fewest drops,
 * halved for every second (2^30 ns) since it was last updated (a block
 * window counts as an update): a loud flooder keeps its entry while it is
 * quiet for a while, against newly blocked sources that each dropped once
 * (a flooder spoofing sources to push itself out), and what went quiet long
 * ago makes room.
 */
static __always_inline int blocked_victim(const struct blocked_bucket *b, __u32 tag, __u64 now)
{
	__u64 score[SOURCE_WAYS], seen, age;
	int i;

#pragma unroll
	for (i = 0; i < SOURCE_WAYS; i++) {
		seen = b->state[i].state.stamp_ns > b->state[i].hold_ns ? b->state[i].state.stamp_ns
									: b->state[i].hold_ns;
		age = now > seen ? (now - seen) >> 30 : 0;
		score[i] = age > 63 ? 0 : b->state[i].drops >> age;
	}
	return pick_victim(&b->head, score, tag >> 8);
}

#endif /* SYNLIMIT_BPF_SOURCE_TABLE_H */
