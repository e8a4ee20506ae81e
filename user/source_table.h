/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The per-source tables (sources, blocked_sources) from the controller's
 * side; their layout and hash are in include/synlimit/source_table.h.
 * Sizing them before a load, finding one source's entry the way the XDP
 * program does, and reading every entry for the reports.
 */
#ifndef SYNLIMIT_USER_SOURCE_TABLE_H
#define SYNLIMIT_USER_SOURCE_TABLE_H

#include <stddef.h>
#include <linux/types.h>
#include "synlimit/source_table.h"
#include "synlimit.skel.h"

/* Sizes in sources (0: the object's own), each rounded up to whole
 * buckets, and the hash key, of an opened, not yet loaded program: each
 * map's max_entries (and the blocked table's occupancy bitmap's) and the
 * program's bucket count are set together. */
void source_tables_setup(struct synlimit_bpf *skel, __u32 max_sources, __u32 max_blocked,
			 __u64 seed);

/* A random hash key for new tables. 0 or -errno. */
int source_table_seed(__u64 *seed);

/* Sources a table asked for with n (--max-sources n) holds: whole buckets. */
static inline __u64 source_table_capacity_for(__u32 n)
{
	return (__u64)SOURCE_BUCKETS(n) * SOURCE_WAYS;
}

/* A table's buckets (its max_entries), 0 if they cannot be read. */
__u32 source_table_buckets(int map_fd);

/* The sources a table holds (buckets * SOURCE_WAYS), 0 if unreadable. */
__u64 source_table_capacity(int map_fd);

/*
 * The state of key in the table at map_fd (of `buckets` buckets, hashed
 * with seed): the first state_size bytes of its struct source_state, or
 * with blocked of its struct blocked_state, copied to state_out; a blocked
 * state with the drops the flood cache at cache_fd (-1: none) has not
 * folded into it yet. 0, -ENOENT when the table holds no such key, or -errno.
 */
int source_table_find(int map_fd, __u32 buckets, __u64 seed, const struct source_key *key,
		      void *state_out, size_t state_size, int blocked, int cache_fd);

/* key's first attempt into *out, where its bucket's slot in first_attempts
 * (at first_fd, beside a sources table of `buckets`) still holds it: a
 * source with no entry yet. 0, -ENOENT, or -errno. */
int source_first_attempt(int first_fd, __u32 buckets, __u64 seed, const struct source_key *key,
			 struct first_attempt *out);

/* The flood cache's block (struct flood_block) of entry `slot` as each of
 * ncpu CPUs holds it, into blocks[0..ncpu-1]; the entry is
 * blocks[c].e[slot % FLOOD_BLOCK_ENTRIES]. 0 or -errno. */
int flood_cache_block(int cache_fd, __u32 slot, struct flood_block *blocks);

/* Every entry of a table: count keys and as many states, each a struct
 * source_state, or a struct blocked_state for the blocked table. */
struct source_dump {
	struct source_key *keys;
	void *states;
	size_t count;
};

/*
 * Every entry of the table at map_fd (blocked: the blocked table, with
 * what the flood cache at cache_fd has not folded in, as source_table_find
 * adds it), read by batches of buckets. A table churning under a flood may
 * show an entry twice or miss one. 0 or -errno; free with
 * source_dump_free() either way.
 */
int source_table_dump(int map_fd, int blocked, int cache_fd, __u64 seed, struct source_dump *out);
void source_dump_free(struct source_dump *d);

/* Entries in a table now, or -errno. */
long source_table_count(int map_fd, int blocked);

/* Pure, for the above and the host tests. */

/* The way of the bucket holding key, whose hash tag is tag; -1 if none. */
int bucket_way(const struct bucket_head *head, __u32 tag, const struct source_key *key);

/* The entries of one bucket (a struct source_bucket, or with blocked a
 * struct blocked_bucket): the keys of its used ways to keys[], their
 * states to states[]. Returns how many (0..SOURCE_WAYS). */
size_t bucket_entries(const void *bucket, int blocked, struct source_key *keys, void *states);

#endif /* SYNLIMIT_USER_SOURCE_TABLE_H */
