// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pieces of synlimit's per-SYN work, one XDP program each, so that
 * bench_prog can say where the time goes (this machine has no PMU for
 * bpftool prog profile): the clocks, a state-table lookup and insert (and
 * the same in the kernel's LRU hash, for comparison), the striped lock, an
 * atomic add, one EWMA step; and a yardstick of fixed ALU work. Each returns
 * XDP_DROP, like the bare baseline.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "synlimit/rate.h"
#include "maps.h" /* the program's own maps, as it declares them */
#include "source_table.h"

/* [0]: the rule; the state is read from and written back to part_state */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rule);
} part_rule SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct source_state);
} part_state SEC(".maps");

/* [0]: bpf_ktime_get_coarse_ns() and bpf_ktime_get_ns() of the last run of
 * part_clock_sample, for the coarse clock's resolution and lag */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} part_clock_now SEC(".maps");

/* the sources table as an LRU hash (what synlimit used before its own
 * buckets), and with per-CPU LRU lists (BPF_F_NO_COMMON_LRU), to compare */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct source_key);
	__type(value, struct source_state);
} part_sources_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct source_key);
	__type(value, struct source_state);
} part_sources_percpu_lru SEC(".maps");

/* new keys for part_insert */
__u32 part_next_key;

SEC("xdp")
int part_clock(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_ktime_get_ns() ? XDP_DROP : XDP_ABORTED;
}

SEC("xdp")
int part_clock_coarse(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_ktime_get_coarse_ns() ? XDP_DROP : XDP_ABORTED;
}

SEC("xdp")
int part_clock_sample(struct xdp_md *ctx)
{
	__u32 coarse = 0, exact = 1;
	__u64 *c = bpf_map_lookup_elem(&part_clock_now, &coarse);
	__u64 *e = bpf_map_lookup_elem(&part_clock_now, &exact);

	(void)ctx;
	if (!c || !e)
		return XDP_ABORTED;
	*c = bpf_ktime_get_coarse_ns();
	*e = bpf_ktime_get_ns();
	return XDP_DROP;
}

/* the lock-free step of an attempt at the state's instant */
SEC("xdp")
int part_atomic(struct xdp_md *ctx)
{
	struct source_state *state;
	__u32 zero = 0;

	(void)ctx;
	state = bpf_map_lookup_elem(&part_state, &zero);
	if (!state)
		return XDP_ABORTED;
	__sync_fetch_and_add(&state->value, 1ULL << 16);
	return XDP_DROP;
}

static __always_inline void new_key(struct source_key *key)
{
	key->prefixlen = 128;
	key->addr.u32[0] = bpf_htonl(0x20010db8);
	key->addr.u32[3] = __sync_fetch_and_add(&part_next_key, 1);
}

/* a new source's lookup, as synlimit's find_source: a key never seen, so
 * its bucket's line is out of cache (what a spoofed flood's SYN waits
 * for); the line's slot, or NULL where the tag is in the line */
static __always_inline struct first_attempt *lookup_new(struct source_ref *ref)
{
	struct first_line *line;

	new_key(&ref->key);
	source_ref_of(ref);
	line = bpf_map_lookup_elem(&first_attempts, &ref->source_bucket);
	if (!line)
		return NULL;
	if (line_holds(line, ref->tag))
		return NULL;
	return &line->first;
}

SEC("xdp")
int part_miss(struct xdp_md *ctx)
{
	struct source_ref ref = {};

	(void)ctx;
	return lookup_new(&ref) ? XDP_DROP : XDP_ABORTED;
}

/* a new source's first attempt, as synlimit records it (first_attempt):
 * the lookup, then its time and tag in its slot, by compare-and-swap */
SEC("xdp")
int part_first(struct xdp_md *ctx)
{
	struct source_ref ref = {};
	struct first_attempt *fa;
	__u32 tag;

	(void)ctx;
	fa = lookup_new(&ref);
	if (!fa)
		return XDP_ABORTED;
	tag = *(volatile __u32 *)&fa->tag;
	*(volatile __u64 *)&fa->stamp_ns = ref.key.addr.u32[3];
	return __sync_val_compare_and_swap(&fa->tag, tag, ref.tag) == tag ? XDP_DROP : XDP_ABORTED;
}

/* a new source: a key never seen, into a full table, as synlimit adds one
 * (bpf/synlimit.bpf.c find_source, source_insert): find, lock, find again,
 * evict */
SEC("xdp")
int part_insert(struct xdp_md *ctx)
{
	struct source_state state = { .value = 1ULL << 16 };
	struct bpf_spin_lock *lock;
	struct source_bucket *b;
	struct source_ref ref = {};
	int w;

	(void)ctx;
	new_key(&ref.key);
	source_ref_of(&ref);
	b = bpf_map_lookup_elem(&sources, &ref.source_bucket);
	lock = stripe_for(ref.source_bucket);
	if (!b || !lock)
		return XDP_ABORTED;
	bucket_touch(b);
	if (bucket_find(&b->head, &ref.key, ref.tag) >= 0)
		return XDP_ABORTED;
	state.tag = ref.tag;
	bpf_spin_lock(lock);
	w = bucket_find(&b->head, &ref.key, ref.tag);
	if (w < 0) {
		w = source_victim(b, ref.tag);
		bucket_claim(&b->head, w, &ref.key);
		b->state[w & (SOURCE_WAYS - 1)] = state;
		b->head.seen[w & (SOURCE_WAYS - 1)] = seen_of(ref.key.addr.u32[3]);
		bucket_publish(&b->head, w, ref.tag);
	}
	bpf_spin_unlock(lock);
	return XDP_DROP;
}

static __always_inline int lru_insert_new(void *table)
{
	struct source_state state = { .value = 1ULL << 16 };
	struct source_key key = {};

	new_key(&key);
	bpf_map_update_elem(table, &key, &state, BPF_NOEXIST);
	return XDP_DROP;
}

SEC("xdp")
int part_insert_lru(struct xdp_md *ctx)
{
	(void)ctx;
	return lru_insert_new(&part_sources_lru);
}

SEC("xdp")
int part_insert_percpu_lru(struct xdp_md *ctx)
{
	(void)ctx;
	return lru_insert_new(&part_sources_percpu_lru);
}

static __always_inline void known_key(struct source_key *key)
{
	key->prefixlen = 128;
	key->addr.u32[2] = bpf_htonl(0xffff);
	key->addr.u32[3] = bpf_htonl(0xc6120001); /* 198.18.0.1, written by bench_prog */
}

/* a known source's entry: the keyed hash, the bucket, its tags and key */
SEC("xdp")
int part_lookup(struct xdp_md *ctx)
{
	struct source_bucket *b;
	struct source_ref ref = {};

	(void)ctx;
	known_key(&ref.key);
	source_ref_of(&ref);
	b = bpf_map_lookup_elem(&sources, &ref.source_bucket);
	return b && bucket_find(&b->head, &ref.key, ref.tag) >= 0 ? XDP_DROP : XDP_ABORTED;
}

SEC("xdp")
int part_lookup_lru(struct xdp_md *ctx)
{
	struct source_key key = {};

	(void)ctx;
	known_key(&key);
	return bpf_map_lookup_elem(&part_sources_lru, &key) ? XDP_DROP : XDP_ABORTED;
}

/* What every SYN pays for bans when there are none: a miss in an empty trie. */
SEC("xdp")
int part_ban_lookup(struct xdp_md *ctx)
{
	struct rule_key key = { .prefixlen = 128 };

	(void)ctx;
	key.addr.u32[2] = bpf_htonl(0xffff);
	key.addr.u32[3] = bpf_htonl(0xc6120001);
	return bpf_map_lookup_elem(&bans, &key) ? XDP_ABORTED : XDP_DROP;
}

/* Five ALU chains, 85 instructions, no memory: the same work every run,
 * so that a change in its time is the machine's (the yardstick of
 * bench_prog --targets). */
#define PART_ALU_5 "r1 += 3; r2 ^= r1; r3 += r2; r4 ^= r3; r5 += 7;"
#define PART_ALU_40                                                                                \
	PART_ALU_5 PART_ALU_5 PART_ALU_5 PART_ALU_5 PART_ALU_5 PART_ALU_5 PART_ALU_5 PART_ALU_5

SEC("xdp")
int part_alu(struct xdp_md *ctx)
{
	(void)ctx;
	asm volatile("r1 = 1; r2 = 2; r3 = 3; r4 = 4; r5 = 5;" PART_ALU_40 PART_ALU_40 ::
			 : "r1", "r2", "r3", "r4", "r5");
	return XDP_DROP;
}

SEC("xdp")
int part_lock(struct xdp_md *ctx)
{
	struct lock_stripe *stripe;
	__u32 zero = 0;

	(void)ctx;
	stripe = bpf_map_lookup_elem(&lock_stripes, &zero);
	if (!stripe)
		return XDP_ABORTED;
	bpf_spin_lock(&stripe->lock);
	bpf_spin_unlock(&stripe->lock);
	return XDP_DROP;
}

SEC("xdp")
int part_ewma(struct xdp_md *ctx)
{
	struct source_state *state;
	struct rule *rule;
	__u32 zero = 0;

	(void)ctx;
	rule = bpf_map_lookup_elem(&part_rule, &zero);
	state = bpf_map_lookup_elem(&part_state, &zero);
	if (!rule || !state)
		return XDP_ABORTED;
	/* a flood's step: 1 us after the last, the full math */
	rate_step(state, rule, state->stamp_ns + 1000);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";

/*
 * A spoofed flood in BPF_PROG_TEST_RUN: each run gives the IPv6 frame a
 * source never seen before (the low 64 bits from a counter), or one of
 * 1024 in turn (part_flood_1k), then
 * tail-calls the program in part_flood_next[0] (synlimit, or a bare
 * XDP_DROP for the baseline). With repeat = N that is N new sources back
 * to back, the code and the small maps hot as in a flood, where one
 * packet a test run measures a cold start every time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} part_flood_next SEC(".maps");

__u64 part_flood_source, part_flood_turn;

static __always_inline int flood_from(struct xdp_md *ctx, __u32 hi, __u32 lo)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);

	if ((void *)(ip6 + 1) > end)
		return XDP_ABORTED;
	ip6->saddr.in6_u.u6_addr32[2] = bpf_htonl(hi);
	ip6->saddr.in6_u.u6_addr32[3] = bpf_htonl(lo);
	bpf_tail_call(ctx, &part_flood_next, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int part_flood(struct xdp_md *ctx)
{
	__u64 n = ++part_flood_source;

	return flood_from(ctx, (__u32)(n >> 32), (__u32)n);
}

/* The same from 1024 sources in turn (::ffff:ffff:0 to 3ff), a botnet's
 * flood whose sources are all blocked after their first SYNs. */
SEC("xdp")
int part_flood_1k(struct xdp_md *ctx)
{
	return flood_from(ctx, 0xffffffff, (__u32)(++part_flood_turn & 1023));
}
