// SPDX-License-Identifier: GPL-2.0-only
/*
 * synlimit: count TCP connection attempts per source at the NIC and drop
 * floods beyond the limit that applies to the source.
 *
 * parse -> classify -> (connection attempt) limit -> verdict.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "parse.h"

struct synlimit_stats {
	__u64 count[STAT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synlimit_stats);
} stats SEC(".maps");

/* Malformed classes that are dropped (README "Classification"). */
static __always_inline int class_drops(enum synlimit_stat class)
{
	return class >= STAT_BAD_VLAN_DEPTH && class <= STAT_BAD_FLAGS;
}

SEC("xdp")
int synlimit_xdp(struct xdp_md *ctx)
{
	union synlimit_addr src;
	enum synlimit_stat class;
	struct synlimit_stats *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&stats, &zero);
	if (!st) /* cannot happen for a per-CPU array; keeps the verifier happy */
		return XDP_PASS;
	class = classify(ctx, &src);
	if (class >= STAT_MAX)
		return XDP_PASS;
	st->count[class]++;
	if (class == STAT_SYN) {
		st->count[STAT_SYN_NO_RULE]++; /* no limit table yet */
		return XDP_PASS;
	}
	return class_drops(class) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
