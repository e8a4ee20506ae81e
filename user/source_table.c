// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-source tables from the controller's side: array maps of buckets,
 * SOURCE_WAYS entries each, found by the keyed hash the program uses, and
 * the arrays of their tags, an element a bucket.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "source_table.h"
#include "synlimit.skel.h"

/* Buckets read at once by a walk: 68 KiB of blocked buckets, 8 KiB of tags. */
#define WALK_BATCH 256

/* Both buckets are their keys, then their states: a way's key is found
 * the same in either, and its state after the keys. */
_Static_assert(offsetof(struct source_bucket, key) == 0 &&
		   offsetof(struct blocked_bucket, key) == 0 &&
		   offsetof(struct source_bucket, state) == offsetof(struct blocked_bucket, state),
	       "keys first, states after them, in both tables");

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
	return (const char *)bucket + offsetof(struct source_bucket, state) +
	       way * state_size_of(blocked);
}

void source_tables_setup(struct synlimit_bpf *skel, __u32 max_sources, __u32 max_blocked,
			 __u64 seed)
{
	/* the tags bucket for bucket: a bucket without its own would be read
	 * past the tags map, or never looked in */
	if (max_sources) {
		bpf_map__set_max_entries(skel->maps.sources, SOURCE_BUCKETS(max_sources));
		bpf_map__set_max_entries(skel->maps.source_tags, SOURCE_BUCKETS(max_sources));
		skel->rodata->cfg_source_buckets = SOURCE_BUCKETS(max_sources);
	}
	if (max_blocked) {
		bpf_map__set_max_entries(skel->maps.blocked_sources, SOURCE_BUCKETS(max_blocked));
		bpf_map__set_max_entries(skel->maps.blocked_tags, SOURCE_BUCKETS(max_blocked));
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

/* Are t's maps arrays of this layout, its tags one a bucket? Their
 * buckets to *buckets (if not NULL). Nothing is read from a table before
 * this says yes: a map of another layout would be read past its values,
 * a tags map of fewer elements past its end. */
static int table_check(const struct source_table *t, __u32 *buckets)
{
	struct bpf_map_info info = {}, tags = {};
	__u32 len = sizeof(info), tags_len = sizeof(tags);

	if (bpf_obj_get_info_by_fd(t->fd, &info, &len) ||
	    bpf_obj_get_info_by_fd(t->tags_fd, &tags, &tags_len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != bucket_size(t->blocked) || !info.max_entries ||
	    tags.type != BPF_MAP_TYPE_ARRAY || tags.key_size != sizeof(__u32) ||
	    tags.value_size != sizeof(struct bucket_tags) || tags.max_entries != info.max_entries)
		return -EPROTO;
	if (buckets)
		*buckets = info.max_entries;
	return 0;
}

__u32 source_table_buckets(const struct source_table *t)
{
	__u32 buckets;

	return table_check(t, &buckets) ? 0 : buckets;
}

__u64 source_table_capacity(const struct source_table *t)
{
	return (__u64)source_table_buckets(t) * SOURCE_WAYS;
}

int bucket_way(const struct bucket_tags *tags, const struct source_key keys[SOURCE_WAYS], __u32 tag,
	       const struct source_key *key)
{
	int w;

	if (!tag) /* a free way's: never a key's */
		return -1;
	for (w = 0; w < SOURCE_WAYS; w++)
		if (tags->tag[w] == tag && !memcmp(&keys[w], key, sizeof(*key)))
			return w;
	return -1;
}

size_t bucket_entries(const struct bucket_tags *tags, const void *bucket, int blocked,
		      struct source_key *keys, void *states)
{
	const struct source_key *bucket_keys = bucket; /* keys first in both */
	size_t size = state_size_of(blocked), n = 0;
	int w;

	for (w = 0; w < SOURCE_WAYS; w++) {
		if (!tags->tag[w])
			continue;
		keys[n] = bucket_keys[w];
		memcpy((char *)states + n * size, bucket_state(bucket, blocked, w), size);
		n++;
	}
	return n;
}

int source_table_find(const struct source_table *t, __u64 seed, const struct source_key *key,
		      void *state_out, size_t state_size)
{
	union {
		struct source_bucket sources;
		struct blocked_bucket blocked;
	} bucket;
	struct bucket_tags tags;
	__u64 h = source_key_hash(key, seed);
	__u32 buckets, index;
	int way, err = table_check(t, &buckets);

	if (err)
		return err;
	index = source_hash_bucket(h, buckets);
	/* the tags first, as the program reads them: a way taken meanwhile
	 * is missed, not read as the key's */
	if (bpf_map_lookup_elem(t->tags_fd, &index, &tags) ||
	    bpf_map_lookup_elem(t->fd, &index, &bucket))
		return -errno;
	way = bucket_way(&tags, bucket.sources.key, source_hash_tag(h), key);
	if (way < 0)
		return -ENOENT;
	if (state_size > state_size_of(t->blocked))
		state_size = state_size_of(t->blocked);
	memcpy(state_out, bucket_state(&bucket, t->blocked, way), state_size);
	return 0;
}

/* Up to *count elements of the array at fd, from the index after *from
 * (from NULL: from index 0), their indexes to indexes[]; *count to how
 * many, the last one's index to *next. 1 after the last element, else 0,
 * or -errno. */
static int read_batch(int fd, __u32 *from, __u32 *next, __u32 *indexes, void *values, __u32 *count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!bpf_map_lookup_batch(fd, from, next, indexes, values, count, &opts))
		return 0;
	return errno == ENOENT ? 1 : -errno; /* ENOENT: the last batch, *count or none */
}

/* A bucket to visit: its tags, its keys and states (NULL in a walk of the
 * tags alone), whether it is the blocked table's, and the walk's context. */
typedef int (*bucket_visit)(const struct bucket_tags *tags, const void *bucket, int blocked,
			    void *ctx);

/*
 * Every bucket of table t to visit, by batches of the same range of
 * indexes in both maps, the tags read first; with_buckets 0: the tags
 * alone. Stops at the first error visit returns. An entry taken between
 * the two reads is missed; one freed between them is shown once more.
 */
static int table_walk(const struct source_table *t, int with_buckets, bucket_visit visit, void *ctx)
{
	size_t size = bucket_size(t->blocked);
	__u32 indexes[WALK_BATCH], bucket_indexes[WALK_BATCH], from = 0, next = 0;
	__u32 count, bucket_count, i;
	struct bucket_tags *tags = NULL;
	char *buckets = NULL;
	int first = 1, last = 0, bucket_last, err;

	err = table_check(t, NULL);
	if (err)
		return err;
	tags = malloc(WALK_BATCH * sizeof(*tags));
	buckets = with_buckets ? malloc(WALK_BATCH * size) : NULL;
	if (!tags || (with_buckets && !buckets)) {
		err = -ENOMEM;
		goto out;
	}
	while (!last && !err) {
		count = bucket_count = WALK_BATCH;
		last = read_batch(t->tags_fd, first ? NULL : &from, &next, indexes, tags, &count);
		if (last < 0) {
			err = last;
			break;
		}
		if (buckets) {
			bucket_last = read_batch(t->fd, first ? NULL : &from, &next, bucket_indexes,
						 buckets, &bucket_count);
			if (bucket_last < 0) {
				err = bucket_last;
				break;
			}
			/* two arrays of as many elements: the same range */
			if (bucket_count != count ||
			    memcmp(indexes, bucket_indexes, count * sizeof(*indexes))) {
				err = -EPROTO;
				break;
			}
		}
		first = 0;
		from = next;
		for (i = 0; i < count && !err; i++)
			err = visit(&tags[i], buckets ? buckets + i * size : NULL, t->blocked, ctx);
	}
out:
	free(buckets);
	free(tags);
	return err;
}

struct dump_walk {
	struct source_dump *out;
	size_t cap; /* entries out has room for */
};

static int dump_bucket(const struct bucket_tags *tags, const void *bucket, int blocked, void *ctx)
{
	struct dump_walk *d = ctx;
	struct source_dump *out = d->out;
	size_t state_size = state_size_of(blocked);

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
	out->count += bucket_entries(tags, bucket, blocked, out->keys + out->count,
				     (char *)out->states + out->count * state_size);
	return 0;
}

int source_table_dump(const struct source_table *t, struct source_dump *out)
{
	struct dump_walk d = { .out = out };

	memset(out, 0, sizeof(*out));
	return table_walk(t, 1, dump_bucket, &d);
}

void source_dump_free(struct source_dump *d)
{
	free(d->keys);
	free(d->states);
	memset(d, 0, sizeof(*d));
}

static int count_bucket(const struct bucket_tags *tags, const void *bucket, int blocked, void *ctx)
{
	long *n = ctx;
	int w;

	(void)bucket;
	(void)blocked;
	for (w = 0; w < SOURCE_WAYS; w++)
		*n += !!tags->tag[w];
	return 0;
}

long source_table_count(const struct source_table *t)
{
	long n = 0;
	int err = table_walk(t, 0, count_bucket, &n);

	return err ? err : n;
}
