// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Host tests of the source tables' layout as the controller reads it
 * (user/source_table.c): sizes in whole buckets, finding a key among a
 * bucket's ways, the entries a bucket yields to a dump; and of the keyed
 * hash both sides use (include/synlimit/source_table.h): in range, keyed,
 * spread evenly also over consecutive addresses. And the sizing of an
 * opened (not loaded) object.
 */
#include <string.h>
#include "check.h"
#include "loader.h"
#include "rng.h"
#include "source_table.h"

static struct source_key v4_key(__u32 host, __u8 prefixlen, __u16 scope)
{
	struct source_key key = { .prefixlen = prefixlen, .scope = scope };

	key.addr.u32[2] =
	    0xffff0000U; /* ::ffff:a.b.c.d, in network order on a little-endian host */
	key.addr.u32[3] = host;
	return key;
}

static struct source_key random_key(void)
{
	struct source_key key = { .prefixlen = 128 };
	int i;

	for (i = 0; i < 4; i++)
		key.addr.u32[i] = (__u32)rng();
	return key;
}

static void test_sizes(void)
{
	static const struct {
		__u32 asked;
		__u64 buckets;
	} cases[] = {
		{ 1, 1 },	   { 4, 1 },
		{ 5, 2 },	   { TABLE_SIZE_MIN, 16 },
		{ 65, 17 },	   { 4096, 1024 },
		{ 65536, 16384 },  { 262144, 65536 },
		{ 262145, 65537 }, { TABLE_SIZE_MAX, 1U << 24 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(SOURCE_BUCKETS(cases[i].asked) == cases[i].buckets &&
			  source_table_capacity_for(cases[i].asked) == cases[i].buckets * 4,
		      "--max-sources %u: %llu buckets of 4, %llu sources (got %u, %llu)",
		      cases[i].asked, (unsigned long long)cases[i].buckets,
		      (unsigned long long)cases[i].buckets * 4,
		      (unsigned)SOURCE_BUCKETS(cases[i].asked),
		      (unsigned long long)source_table_capacity_for(cases[i].asked));
}

static void test_bucket_way(void)
{
	struct bucket_head head = { 0 };
	struct source_key a = v4_key(0x010012c6, 128, 0), b = v4_key(0x020012c6, 128, 0);
	struct source_key a_port = v4_key(0x010012c6, 128, 7), a_24 = v4_key(0x000012c6, 120, 0);

	head.tag[1] = 0x1234567;
	head.key[1] = a;
	head.tag[3] = 0x89abcdf;
	head.key[3] = b;
	head.key[2] = a; /* a free way with a stale key: never a match */
	CHECK_EQ_U64("bucket_way: the way holding the key", 1, bucket_way(&head, 0x1234567, &a));
	CHECK_EQ_U64("bucket_way: another way", 3, bucket_way(&head, 0x89abcdf, &b));
	check(bucket_way(&head, 0x89abcdf, &a) == -1,
	      "bucket_way: a key under another key's tag is not found");
	check(bucket_way(&head, 0x1234567, &a_port) == -1,
	      "bucket_way: same address, same tag, another scope: not found");
	check(bucket_way(&head, 0x1234567, &a_24) == -1,
	      "bucket_way: same tag, the /24 aggregate of the address: not found");
	check(bucket_way(&head, 0, &a) == -1, "bucket_way: a free way (tag 0) never matches");
}

static void test_bucket_entries(void)
{
	struct source_bucket sb = { 0 };
	struct blocked_bucket bb = { 0 };
	struct source_key keys[SOURCE_WAYS];
	struct source_state states[SOURCE_WAYS];
	struct blocked_state blocked[SOURCE_WAYS];
	size_t n;

	n = bucket_entries(&sb, 0, keys, states);
	CHECK_EQ_U64("bucket_entries: an empty bucket yields nothing", 0, n);

	sb.head.tag[1] = 5;
	sb.head.key[1] = v4_key(1, 128, 0);
	sb.state[1] = (struct source_state){ .stamp_ns = 11, .value = 12, .shape = 13, .tag = 5 };
	sb.head.tag[3] = 9;
	sb.head.key[3] = v4_key(3, 120, 2);
	sb.state[3] = (struct source_state){ .stamp_ns = 31, .value = 32 };
	sb.head.key[0] = v4_key(99, 128, 0); /* free: not yielded */
	n = bucket_entries(&sb, 0, keys, states);
	check(n == 2 && !memcmp(&keys[0], &sb.head.key[1], sizeof(keys[0])) &&
		  !memcmp(&keys[1], &sb.head.key[3], sizeof(keys[1])) &&
		  !memcmp(&states[0], &sb.state[1], sizeof(states[0])) &&
		  !memcmp(&states[1], &sb.state[3], sizeof(states[1])),
	      "bucket_entries: sources ways 1 and 3, keys and states in way order (got %zu)", n);

	for (n = 0; n < SOURCE_WAYS; n++) {
		bb.head.tag[n] = (__u32)n + 1;
		bb.head.key[n] = v4_key((__u32)n, 128, 0);
		bb.state[n].state.value = 100 + n;
		bb.state[n].since_ns = 200 + n;
		bb.state[n].hold_ns = 300 + n;
		bb.state[n].drops = 400 + n;
	}
	bb.head.tag[2] = 0;
	n = bucket_entries(&bb, 1, keys, blocked);
	check(n == 3 && keys[2].addr.u32[3] == 3 && blocked[2].drops == 403 &&
		  blocked[2].since_ns == 203 && blocked[2].hold_ns == 303 &&
		  blocked[2].state.value == 103 && blocked[1].drops == 401,
	      "bucket_entries: blocked ways 0, 1 and 3, whole blocked states (got %zu)", n);
}

/* Every bucket in range, every tag non-zero, for tables of any size. */
static void test_hash_range(void)
{
	static const __u32 sizes[] = { 1, 16, 17, 1000, 65536, 65537, 1U << 24 };
	size_t s;
	int i;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		__u32 worst = 0, zero_tags = 0;

		for (i = 0; i < 100000; i++) {
			struct source_key key = random_key();
			__u64 h = source_key_hash(&key, rng());
			__u32 bucket = source_hash_bucket(h, sizes[s]);

			if (bucket >= worst)
				worst = bucket;
			zero_tags += !source_hash_tag(h);
		}
		check(worst < sizes[s] && !zero_tags,
		      "hash: %u buckets: 100000 keys in range (highest %u), no tag 0 (%u)",
		      sizes[s], worst, zero_tags);
	}
}

/* The key matters: another seed puts a key elsewhere, so a flooder who
 * does not know the seed cannot aim at one bucket. */
static void test_hash_keyed(void)
{
	__u64 seed_a = 0x0123456789abcdefULL, seed_b = seed_a ^ 1;
	int i, moved = 0, scope_moved = 0;

	for (i = 0; i < 10000; i++) {
		struct source_key key = random_key(), other_scope;

		moved += source_hash_bucket(source_key_hash(&key, seed_a), 65536) !=
			 source_hash_bucket(source_key_hash(&key, seed_b), 65536);
		other_scope = key;
		other_scope.scope = 1;
		scope_moved +=
		    source_key_hash(&key, seed_a) != source_key_hash(&other_scope, seed_a);
	}
	check(moved >= 9900, "hash: a seed one bit apart moves %d of 10000 keys (want >= 9900)",
	      moved);
	CHECK_EQ_U64("hash: the scope is hashed (10000 keys, each moved by scope 1)", 10000,
		     scope_moved);
}

/* n keys into buckets buckets: the fullest bucket. */
static __u32 fullest(__u32 buckets, int consecutive, __u64 seed)
{
	static __u32 load[16384];
	__u32 i, worst = 0;

	memset(load, 0, sizeof(load));
	for (i = 0; i < 4 * buckets; i++) {
		struct source_key key =
		    consecutive ? v4_key(__builtin_bswap32(0xc6120000U + i), 128, 0) : random_key();
		__u32 b = source_hash_bucket(source_key_hash(&key, seed), buckets);

		if (++load[b] > worst)
			worst = load[b];
	}
	return worst;
}

/* A table filled to its capacity: 4 keys a bucket on average. With an even
 * spread (Poisson, mean 4) one of 16384 buckets over 18 is a 1-in-1000 event. */
static void test_hash_spread(void)
{
	__u32 random_worst = fullest(16384, 0, 0x5eed), seq_worst = fullest(16384, 1, 0x5eed);

	check(random_worst <= 18, "hash: 65536 random keys in 16384 buckets, fullest %u (<= 18)",
	      random_worst);
	check(seq_worst <= 18,
	      "hash: 65536 consecutive IPv4 sources (198.18.0.0/16) in 16384 buckets, fullest %u "
	      "(<= 18)",
	      seq_worst);
}

/* The flood cache's hash (bpf/flood_cache.h reads a set's tags before its
 * entries): the set is its top bits, the tag is never 0 (a way never
 * filled), and 10000 random sources that share a set share no tag (two
 * share one only where their addresses fold to one word: 1 in 2^32 a pair). */
static void test_flood_cache_hash(void)
{
	static __u32 tags[1U << FLOOD_CACHE_BITS][64];
	static __u8 count[1U << FLOOD_CACHE_BITS];
	union synlimit_addr zero = { 0 };
	int i, j, bad_set = 0, same_tag = 0;

	for (i = 0; i < 10000; i++) {
		union synlimit_addr a = random_key().addr;
		__u32 h = flood_cache_hash(&a, 0x5eed), set = flood_cache_set(&a, 0x5eed);

		bad_set += set != h >> (32 - FLOOD_CACHE_BITS) || set >= 1U << FLOOD_CACHE_BITS;
		for (j = 0; j < count[set] && j < 64; j++)
			same_tag += tags[set][j] == flood_cache_tag(h);
		if (count[set] < 64)
			tags[set][count[set]++] = flood_cache_tag(h);
	}
	check(!bad_set, "flood cache: a source's set is its hash's top %d bits (%d not)",
	      FLOOD_CACHE_BITS, bad_set);
	check(flood_cache_tag(flood_cache_hash(&zero, 0)) == 1 && flood_cache_tag(0x80000000U) != 0,
	      "flood cache: a tag is never 0, also of a hash 0");
	check(!same_tag, "flood cache: 10000 random sources, no two of a set with one tag (%d)",
	      same_tag);
}

/* source_tables_setup on an opened object (no load, no root): the maps,
 * the occupancy bitmap and the program's bucket counts agree. */
static void test_setup(void)
{
	struct synlimit_bpf *skel = synlimit_bpf__open();

	if (!skel) {
		check_skip("source_tables_setup: cannot open the BPF object");
		return;
	}
	check(
	    bpf_map__max_entries(skel->maps.sources) == skel->rodata->cfg_source_buckets &&
		bpf_map__max_entries(skel->maps.blocked_sources) ==
		    skel->rodata->cfg_blocked_buckets &&
		skel->rodata->cfg_source_buckets == SOURCE_BUCKETS(262144) &&
		skel->rodata->cfg_blocked_buckets == SOURCE_BUCKETS(65536),
	    "the object's defaults: 65536 and 16384 buckets, in the maps and the program (%u, %u)",
	    skel->rodata->cfg_source_buckets, skel->rodata->cfg_blocked_buckets);
	source_tables_setup(skel, 0, 0, 0x1234);
	check(skel->rodata->cfg_source_buckets == 65536 &&
		  skel->rodata->cfg_blocked_buckets == 16384 &&
		  bpf_map__max_entries(skel->maps.sources) == 65536 &&
		  skel->rodata->cfg_table_seed == 0x1234,
	      "setup with sizes 0 keeps the defaults, sets the seed");
	source_tables_setup(skel, 1001, 262145, 0x5678);
	check(bpf_map__max_entries(skel->maps.sources) == 251 &&
		  skel->rodata->cfg_source_buckets == 251 &&
		  bpf_map__max_entries(skel->maps.blocked_sources) == 65537 &&
		  skel->rodata->cfg_blocked_buckets == 65537 &&
		  bpf_map__max_entries(skel->maps.blocked_occupancy) == OCCUPANCY_WORDS(65537) &&
		  bpf_map__max_entries(skel->maps.first_attempts) == 251 &&
		  skel->rodata->cfg_table_seed == 0x5678,
	      "setup 1001 and 262145 sources: 251 and 65537 buckets, a %u-word bitmap, %u "
	      "first-attempt lines (got %u, %u, %u, %u)",
	      OCCUPANCY_WORDS(65537), 251, bpf_map__max_entries(skel->maps.sources),
	      bpf_map__max_entries(skel->maps.blocked_sources),
	      bpf_map__max_entries(skel->maps.blocked_occupancy),
	      bpf_map__max_entries(skel->maps.first_attempts));
	synlimit_bpf__destroy(skel);
}

int main(void)
{
	test_sizes();
	test_setup();
	test_bucket_way();
	test_bucket_entries();
	test_hash_range();
	test_hash_keyed();
	test_hash_spread();
	test_flood_cache_hash();
	return check_done();
}
