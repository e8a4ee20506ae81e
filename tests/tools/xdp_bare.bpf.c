// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bare XDP programs: the baseline synlimit is measured against, and the
 * "program synlimit did not attach" that it must never replace. xdp_tx
 * sends every frame back as it came: the floor under cookie mode's cost.
 */
#include <linux/bpf.h>
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
int xdp_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
