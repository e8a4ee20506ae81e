// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-source tables from the controller's side: array maps of buckets,
 * SOURCE_WAYS entries each, found by the keyed hash the program uses.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "source_table.h"

/* Buckets read at once by a walk: 72 KiB of blocked buckets. */
#define WALK_BATCH 256

/* The two buckets differ only in their states, which follow the same head. */
_Static_assert(offsetof(struct source_bucket, state) == sizeof(struct bucket_head) &&
		   offsetof(struct blocked_bucket, state) == sizeof(struct bucket_head),
	       "states right after the head in both tables");

static size_t bucket_size(int blocked)
{
	return blocked ? sizeof(struct blocked_bucket) : sizeof(struct source_bucket);
}

static size_t state_size_of(int blocked)
{
	return blocked ? sizeof(struct blocked_state) : sizeof(struct source_state);
}

static const void *bucket_state(const void *bucket, int blocked, int way)
{
	return (const char *)bucket + sizeof(struct bucket_head) + way * state_size_of(blocked);
}

void source_tables_setup(struct synlimit_bpf *skel, __u32 max_sources, __u32 max_blocked,
			 __u64 seed)
{
	if (max_sources) {
		bpf_map__set_max_entries(skel->maps.sources, SOURCE_BUCKETS(max_sources));
		bpf_map__set_max_entries(skel->maps.first_attempts, SOURCE_BUCKETS(max_sources));
		skel->rodata->cfg_source_buckets = SOURCE_BUCKETS(max_sources);
	}
	if (max_blocked) {
		bpf_map__set_max_entries(skel->maps.blocked_sources, SOURCE_BUCKETS(max_blocked));
		/* a bit a bucket: a bucket past the bitmap would never be looked in */
		bpf_map__set_max_entries(skel->maps.blocked_occupancy,
					 OCCUPANCY_WORDS(SOURCE_BUCKETS(max_blocked)));
		skel->rodata->cfg_blocked_buckets = SOURCE_BUCKETS(max_blocked);
	}
	skel->rodata->cfg_table_seed = seed;
}

int source_table_seed(__u64 *seed)
{
	return getrandom(seed, sizeof(*seed), 0) == (ssize_t)sizeof(*seed) ? 0 : -errno;
}

__u32 source_table_buckets(int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(map_fd, &info, &len) ? 0 : info.max_entries;
}

__u64 source_table_capacity(int map_fd)
{
	return (__u64)source_table_buckets(map_fd) * SOURCE_WAYS;
}

int bucket_way(const struct bucket_head *head, __u32 tag, const struct source_key *key)
{
	int w;

	if (!tag) /* a free way's: never a key's */
		return -1;
	for (w = 0; w < SOURCE_WAYS; w++)
		if (head->tag[w] == tag && !memcmp(&head->key[w], key, sizeof(*key)))
			return w;
	return -1;
}

size_t bucket_entries(const void *bucket, int blocked, struct source_key *keys, void *states)
{
	const struct bucket_head *head = bucket;
	size_t size = state_size_of(blocked), n = 0;
	int w;

	for (w = 0; w < SOURCE_WAYS; w++) {
		if (!head->tag[w])
			continue;
		keys[n] = head->key[w];
		memcpy((char *)states + n * size, bucket_state(bucket, blocked, w), size);
		n++;
	}
	return n;
}

/* What one CPU's entry e counted that its blocked entry has not taken:
 * (drops, adds); a gap of FLOOD_GAP_MAX or more is a copy of folded newer
 * than the counts copied with it (the program leaves it too). */
static void unfolded_of(const struct flood_entry *e, __u64 *drops, __u64 *adds)
{
	__u32 d = e->drops - (__u32)e->folded, a = e->adds - (__u32)(e->folded >> 32);

	if (d < FLOOD_GAP_MAX && a < FLOOD_GAP_MAX) {
		*drops += d;
		*adds += a;
	}
}

int flood_cache_block(int cache_fd, __u32 slot, struct flood_block *blocks)
{
	__u32 block = slot / FLOOD_BLOCK_ENTRIES;

	return bpf_map_lookup_elem(cache_fd, &block, blocks) ? -errno : 0;
}

/* The flood cache as a lookup of the table reads it: each block (every
 * CPU's copy, 16.5 KiB each) read at most once, when an entry first needs it,
 * however many entries of a dump add its counts. */
struct flood_view {
	int fd; /* -1: no cache */
	int ncpu;
	struct flood_block *blocks[FLOOD_BLOCKS];
	unsigned char unreadable[FLOOD_BLOCKS];
};

static void flood_view_init(struct flood_view *v, int cache_fd)
{
	memset(v, 0, sizeof(*v));
	v->fd = cache_fd;
	v->ncpu = libbpf_num_possible_cpus();
}

static void flood_view_free(struct flood_view *v)
{
	size_t i;

	for (i = 0; i < FLOOD_BLOCKS; i++)
		free(v->blocks[i]);
	memset(v->blocks, 0, sizeof(v->blocks));
}

/* Every CPU's copy of slot's block, or NULL. */
static const struct flood_block *flood_view_block(struct flood_view *v, __u32 slot)
{
	__u32 i = slot / FLOOD_BLOCK_ENTRIES % FLOOD_BLOCKS;

	if (!v->blocks[i] && !v->unreadable[i]) {
		v->blocks[i] = calloc((size_t)v->ncpu, sizeof(struct flood_block));
		if (!v->blocks[i] || flood_cache_block(v->fd, slot, v->blocks[i])) {
			free(v->blocks[i]);
			v->blocks[i] = NULL;
			v->unreadable[i] = 1;
		}
	}
	return v->blocks[i];
}

/* The drops (and their adds to the rate) the CPUs' flood cache entries
 * counted for key's blocked entry, in bucket and way under tag, that it has
 * not taken yet (bpf/flood_cache.h), added to *blk. */
static void flood_unfolded_add(struct flood_view *v, __u64 seed, const struct source_key *key,
			       __u32 bucket, int way, __u32 tag, struct blocked_state *blk)
{
	const struct flood_block *b;
	__u64 drops = 0, adds = 0;
	__u32 slot;
	int c, i;

	/* below FLOOD_SHARED_DROPS no CPU counts on its own */
	if (v->fd < 0 || key->prefixlen != 128 || blk->drops < FLOOD_SHARED_DROPS || v->ncpu <= 0)
		return;
	slot = flood_cache_set(&key->addr, seed) * FLOOD_CACHE_WAYS;
	b = flood_view_block(v, slot);
	for (c = 0; b && c < v->ncpu; c++)
		for (i = 0; i < FLOOD_CACHE_WAYS; i++) {
			const struct flood_entry *e = &b[c].e[(slot + i) % FLOOD_BLOCK_ENTRIES];

			if (e->own_counts && e->bucket == bucket && e->way == way && e->tag == tag)
				unfolded_of(e, &drops, &adds);
		}
	blk->drops += drops;
	blk->state.value += adds << 16;
}

int source_first_attempt(int first_fd, __u32 buckets, __u64 seed, const struct source_key *key,
			 struct first_attempt *out)
{
	__u64 h = source_key_hash(key, seed);
	__u32 bucket = source_hash_bucket(h, buckets);
	struct first_line line;

	if (!buckets)
		return -EINVAL;
	if (bpf_map_lookup_elem(first_fd, &bucket, &line))
		return -errno;
	*out = line.first;
	return out->tag == source_hash_tag(h) ? 0 : -ENOENT;
}

int source_table_find(int map_fd, __u32 buckets, __u64 seed, const struct source_key *key,
		      void *state_out, size_t state_size, int blocked, int cache_fd)
{
	union {
		struct source_bucket sources;
		struct blocked_bucket blocked;
	} bucket;
	__u64 h = source_key_hash(key, seed);
	__u32 index = source_hash_bucket(h, buckets);
	int way;

	if (!buckets)
		return -EINVAL;
	if (bpf_map_lookup_elem(map_fd, &index, &bucket))
		return -errno;
	way = bucket_way(&bucket.sources.head, source_hash_tag(h), key);
	if (way < 0)
		return -ENOENT;
	if (blocked) {
		struct blocked_state blk;
		struct flood_view v;

		memcpy(&blk, bucket_state(&bucket, blocked, way), sizeof(blk));
		flood_view_init(&v, cache_fd);
		flood_unfolded_add(&v, seed, key, index, way, source_hash_tag(h), &blk);
		flood_view_free(&v);
		memcpy(state_out, &blk, state_size < sizeof(blk) ? state_size : sizeof(blk));
		return 0;
	}
	if (state_size > state_size_of(blocked))
		state_size = state_size_of(blocked);
	memcpy(state_out, bucket_state(&bucket, blocked, way), state_size);
	return 0;
}

/* Every bucket of the table at map_fd to visit(bucket, its index, blocked,
 * ctx), by batches; stops at the first error visit returns. */
static int table_walk(int map_fd, int blocked, int (*visit)(const void *, __u32, int, void *),
		      void *ctx)
{
	struct bpf_map_info info = {};
	size_t size = bucket_size(blocked);
	__u32 len = sizeof(info), indexes[WALK_BATCH], token = 0, count, i;
	char *buckets = NULL;
	int first = 1, last = 0, err = 0;

	/* a map of another layout would be read past its values */
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != size)
		return -EPROTO;
	buckets = malloc(WALK_BATCH * size);
	if (!buckets)
		return -ENOMEM;
	while (!last && !err) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		count = WALK_BATCH;
		if (bpf_map_lookup_batch(map_fd, first ? NULL : &token, &token, indexes, buckets,
					 &count, &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				break;
			}
			last = 1; /* ENOENT: the last batch, count buckets or none */
		}
		first = 0;
		for (i = 0; i < count && !err; i++)
			err = visit(buckets + i * size, indexes[i], blocked, ctx);
	}
	free(buckets);
	return err;
}

struct dump_walk {
	struct source_dump *out;
	size_t cap; /* entries out has room for */
	struct flood_view cache;
	__u64 seed;
};

static int dump_bucket(const void *bucket, __u32 index, int blocked, void *ctx)
{
	const struct bucket_head *head = bucket;
	struct dump_walk *d = ctx;
	struct source_dump *out = d->out;
	size_t state_size = state_size_of(blocked), k = out->count;
	int w;

	if (out->count + SOURCE_WAYS > d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 4096;
		void *keys = realloc(out->keys, cap * sizeof(*out->keys));
		void *states;

		if (!keys)
			return -ENOMEM;
		out->keys = keys;
		states = realloc(out->states, cap * state_size);
		if (!states)
			return -ENOMEM;
		out->states = states;
		d->cap = cap;
	}
	out->count += bucket_entries(bucket, blocked, out->keys + out->count,
				     (char *)out->states + out->count * state_size);
	/* entries k.. are the bucket's used ways, in order */
	for (w = 0; blocked && w < SOURCE_WAYS; w++)
		if (head->tag[w]) {
			flood_unfolded_add(&d->cache, d->seed, &out->keys[k], index, w,
					   head->tag[w], (struct blocked_state *)out->states + k);
			k++;
		}
	return 0;
}

int source_table_dump(int map_fd, int blocked, int cache_fd, __u64 seed, struct source_dump *out)
{
	struct dump_walk d = { .out = out, .seed = seed };
	int err;

	memset(out, 0, sizeof(*out));
	flood_view_init(&d.cache, cache_fd);
	err = table_walk(map_fd, blocked, dump_bucket, &d);
	flood_view_free(&d.cache);
	return err;
}

void source_dump_free(struct source_dump *d)
{
	free(d->keys);
	free(d->states);
	memset(d, 0, sizeof(*d));
}

static int count_bucket(const void *bucket, __u32 index, int blocked, void *ctx)
{
	const struct bucket_head *head = bucket;
	long *n = ctx;
	int w;

	(void)index;
	(void)blocked;
	for (w = 0; w < SOURCE_WAYS; w++)
		*n += !!head->tag[w];
	return 0;
}

long source_table_count(int map_fd, int blocked)
{
	long n = 0;
	int err = table_walk(map_fd, blocked, count_bucket, &n);

	return err ? err : n;
}
