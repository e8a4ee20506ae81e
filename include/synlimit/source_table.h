/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The per-source tables (sources, blocked_sources): set-associative hash
 * tables in BPF array maps, one array element a bucket of SOURCE_WAYS
 * entries. The program finds an entry by comparing the bucket's tags, then
 * the key; a new source takes a free way, else the way updated longest ago.
 *
 * Why not the kernel's LRU hash: its insert into a full table costs 200 ns
 * and more (its LRU lists and their locks), and every element carries 64
 * bytes of header and bucket besides key and value. A bucket here costs an
 * inlined array lookup, an insert takes one striped lock, and an entry is
 * its key and state (48 bytes in sources).
 *
 * The hash is keyed (config.table_seed, random, set when the tables are
 * made): a flooder that could compute its own bucket could evict its own
 * state by spoofing sources of the same bucket, and never reach its limit.
 * Shared by the program and the controller (show ADDR finds an entry the
 * way the program does).
 */
#ifndef SYNLIMIT_SOURCE_TABLE_H
#define SYNLIMIT_SOURCE_TABLE_H

#include <linux/types.h>
#include "abi.h"

#ifdef __bpf__
#define TABLE_FN static __always_inline
#else
#define TABLE_FN static inline
#endif

#define SOURCE_WAYS 4 /* entries a bucket */

/* The tables' sizes in entries where the controller sets none. */
#define SYNLIMIT_DEFAULT_SOURCES 262144U
#define SYNLIMIT_DEFAULT_BLOCKED 65536U

/* Buckets for a table of at least n entries (n = 0: one). */
#define SOURCE_BUCKETS(n) ((n) ? ((n) + SOURCE_WAYS - 1) / SOURCE_WAYS : 1)

/* Words of the blocked table's occupancy bitmap (a bit a bucket). */
#define OCCUPANCY_WORDS(buckets) (((buckets) + 63) / 64)

/* tag[w] != 0: way w holds key[w] and state[w]. The tags come first, so a
 * miss reads one cache line, and so does choosing the way a new entry
 * takes (seen). The head is the same in both tables. */
struct bucket_head {
	__u32 tag[SOURCE_WAYS];
	__u32 seen[SOURCE_WAYS]; /* sources: last update, in units of 2^20 ns */
	struct source_key key[SOURCE_WAYS];
};

struct source_bucket {
	struct bucket_head head;
	struct source_state state[SOURCE_WAYS];
};
_Static_assert(sizeof(struct source_bucket) == 208, "sources bucket: 52 bytes an entry");

struct blocked_bucket {
	struct bucket_head head;
	struct blocked_state state[SOURCE_WAYS];
};
_Static_assert(sizeof(struct blocked_bucket) == 304, "blocked bucket: 76 bytes an entry");

/*
 * A new source's first attempt makes no entry: its time and tag go to the
 * slot of its bucket's line in first_attempts (a line a bucket of the
 * sources table), and the entry is made at its second attempt, with the
 * state the first would have made stepped by the second.
 * A spoofed flood, each source once, writes one slot a SYN with one
 * compare-and-swap, no lock, and leaves the sources table to the sources
 * that come back. A slot is taken over by the next first attempt that
 * hashes to it; a source whose record went sends its next attempt as a
 * first again. A record stays when the entry is made: a source evicted
 * from the table later, whose record is still there, comes back with its
 * first attempt counted as such (decayed since), not afresh.
 */
struct first_attempt {
	__u64 stamp_ns;
	__u32 tag;   /* the source's tag; 0: none */
	__u32 shape; /* the rule's (rule.shape) */
};

/*
 * A bucket's line: copies of its tags, written with them under the
 * bucket's lock, and its first-attempt slot. A SYN reads the line first: a
 * tag not there is a new source, decided from these 32 bytes (512 KiB for
 * 65536 sources) without a read of the bucket (3.4 MB), whose lines a
 * spoofed flood would otherwise miss in turn. A copy may lag its bucket
 * for an instant: a source found new that has just been added meets its
 * entry again at the insert, under the lock.
 */
struct first_line {
	__u32 tag[SOURCE_WAYS];
	struct first_attempt first;
};
_Static_assert(sizeof(struct first_line) == 32, "a bucket's line: 32 bytes");

/* A keyed hash of a state key: each 32-bit word is mixed in with a
 * multiply and a fold, so every input bit reaches the bits the bucket and
 * the tag are taken from. */
TABLE_FN __u64 source_key_hash(const struct source_key *key, __u64 seed)
{
	__u32 last = (__u32)key->scope << 16 | key->prefixlen;
	__u64 h = seed;

	h = (h ^ key->addr.u32[0]) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 32;
	h = (h ^ key->addr.u32[1]) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 32;
	h = (h ^ key->addr.u32[2]) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 32;
	h = (h ^ key->addr.u32[3]) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 32;
	h = (h ^ last) * 0xc2b2ae3d27d4eb4fULL;
	return h ^ (h >> 29);
}

/* The tag: never 0 (a free way). */
TABLE_FN __u32 source_hash_tag(__u64 h)
{
	return (__u32)(h >> 32) | 1;
}

/* The bucket: the low half scaled to the table (any number of buckets). */
TABLE_FN __u32 source_hash_bucket(__u64 h, __u32 buckets)
{
	return (__u32)(((__u64)(__u32)h * buckets) >> 32);
}

/* The flood cache (bpf/flood_cache.h): per CPU, two ways a set, a blocked
 * source's SYNs dropped, and a known source's passed at the instant of its
 * state, with no rule lookup. */
#define FLOOD_CACHE_BITS 12 /* sets */
#define FLOOD_CACHE_WAYS 2  /* entries a set: 8192 a CPU */

/* An episode's drops counted in its shared blocked entry before the CPUs'
 * flood cache entries count their own: the blocked table keeps the sources
 * with more drops (blocked_victim), and a flooder blocked in the current
 * tick must already count more than the spoofed sources blocked once each
 * that would push it out. Below it, no CPU has counts of its own to fold. */
#define FLOOD_SHARED_DROPS 64

/* Counts waiting to be folded are far below this; a difference above it is
 * a copy of folded newer than the counts it was read with: nothing to take. */
#define FLOOD_GAP_MAX (1U << 31)

/* A source's address hashed for the flood cache: its set is the top
 * FLOOD_CACHE_BITS bits (its first entry is set * FLOOD_CACHE_WAYS), its
 * tag the whole hash (flood_block). */
TABLE_FN __u32 flood_cache_hash(const union synlimit_addr *src, __u64 seed)
{
	return (src->u32[0] ^ src->u32[1] ^ src->u32[2] ^ src->u32[3] ^ (__u32)seed) * 0x9e3779b1U;
}

TABLE_FN __u32 flood_cache_set_of(__u32 hash)
{
	return hash >> (32 - FLOOD_CACHE_BITS);
}

TABLE_FN __u32 flood_cache_set(const union synlimit_addr *src, __u64 seed)
{
	return flood_cache_set_of(flood_cache_hash(src, seed));
}

/* Never 0, the tag of an entry never filled. */
TABLE_FN __u32 flood_cache_tag(__u32 hash)
{
	return hash | 1;
}

struct flood_entry {
	/* What a drop at the instant this CPU found its source over reads
	 * and writes, first: one cache line where the entry starts on one (a
	 * per-CPU element is only 8-byte aligned, so two where it does not). */
	union synlimit_addr src;
	__u32 generation; /* of the rule's table; 0: empty */
	__be16 dport;
	__u8 any_port; /* no port rule can apply to src: dport is not compared */
	__u8 flags;    /* the rule's RULE_F_* */
	/* With own_counts: how many of the counts below its blocked entry has
	 * taken, adds << 32 | drops, moved on by compare-and-swap by whichever
	 * CPU folds them in; then the drops this CPU counted here and, of them,
	 * the attempts added to the rate, ever (mod 2^32; only this CPU writes
	 * them). folded comes first: a copy made in address order then never
	 * shows more folded than counted. */
	__u64 folded;
	/* The coarse instant at which this CPU found the source's blocked
	 * entry over (in its block window: over_held), counting in its own
	 * counts; 0: none. At that instant it stays over (see flood_drop). */
	__u64 over_ns;
	__u32 drops;
	__u32 adds;
	__u32 hits;	 /* SYNs this entry decided since it was filled (tests read it) */
	__u8 own_counts; /* src is its state key: drops counted here, folded in later */
	__u8 known;	 /* points to a state under its limit, not a blocked one */
	__u8 over_held;
	__u8 pad;
	__u64 used_ns; /* last filled or used: the older of a set gives way */
	/* Where its state is, and the rule's fields the full checks need. */
	__u32 bucket; /* where in the blocked table (known: in the sources table) */
	__u16 way;
	__u16 pad2;
	__u32 tag;
	__u32 shape; /* the rule's */
	__u64 limit_q16;
	__u64 block_ns;
	/* src's key's bucket of the blocked table (known: its bit must be clear) */
	__u32 blocked_bucket;
	/* the rule's period and its reciprocal: a blocked entry moves its
	 * rate to a new tick itself (flood_move) */
	__u32 recip_shift;
	__u64 period_ns;
	__u64 recip;
	__u64 pad3;
};
_Static_assert(sizeof(struct flood_entry) == 128, "a flood cache entry: two cache lines");

/*
 * The cache's map holds its entries in blocks, an element of a per-CPU map
 * each: a lookup then reads its CPU's copy through a table of 64 pointers,
 * which stays in cache, not through one of 8192. A set's two ways are in
 * one block. Each entry's tag, the hash of the source it was last filled
 * for, comes first, a set's two side by side: a SYN whose source has no
 * entry (a spoofed flood's new sources) reads those two tags, not the two
 * entries (32 KiB of tags a CPU, which stay in cache, against 1 MiB of
 * entries).
 */
#define FLOOD_BLOCK_ENTRIES 128
#define FLOOD_BLOCKS	    ((FLOOD_CACHE_WAYS << FLOOD_CACHE_BITS) / FLOOD_BLOCK_ENTRIES)

struct flood_block {
	__u32 tag[FLOOD_BLOCK_ENTRIES];
	struct flood_entry e[FLOOD_BLOCK_ENTRIES];
};
_Static_assert(sizeof(struct flood_block) <= 32768, "a flood cache block: a per-CPU element");

#endif /* SYNLIMIT_SOURCE_TABLE_H */
