// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bare XDP programs: the baseline synlimit is measured against, and the
 * "program synlimit did not attach" that it must never replace. xdp_tx
 * sends every frame back as it came: the floor under cookie mode's cost.
 * xdp_read reads the frame's first bytes, then drops: the floor under any
 * filter's cost, which must look at the headers bare XDP_DROP never reads.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_DROP;
}

SEC("xdp")
int xdp_read(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	return eth->h_proto ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
