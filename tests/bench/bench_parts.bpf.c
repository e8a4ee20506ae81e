// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pieces of synlimit's per-SYN work, one XDP program each, so that
 * bench_prog can say where the time goes (this machine has no PMU for
 * bpftool prog profile): the clock, a state-table lookup, the striped lock,
 * one EWMA step. Each returns XDP_DROP, like the bare baseline.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "synlimit/rate.h"
#include "maps.h" /* the program's own maps, as it declares them */

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

SEC("xdp")
int part_clock(struct xdp_md *ctx)
{
	(void)ctx;
	return bpf_ktime_get_ns() ? XDP_DROP : XDP_ABORTED;
}

SEC("xdp")
int part_lookup(struct xdp_md *ctx)
{
	struct source_key key = { .prefixlen = 128 };

	(void)ctx;
	key.addr.u32[2] = bpf_htonl(0xffff);
	key.addr.u32[3] = bpf_htonl(0xc6120001); /* 198.18.0.1, inserted by bench_prog */
	return bpf_map_lookup_elem(&sources, &key) ? XDP_DROP : XDP_ABORTED;
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
