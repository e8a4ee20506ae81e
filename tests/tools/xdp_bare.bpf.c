// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bare XDP programs: the baseline synlimit is measured against, and the
 * "program synlimit did not attach" that it must never replace. xdp_tx
 * sends every frame back as it came: the floor under cookie mode's cost.
 * xdp_read reads the headers' line and drops: the floor under any filter
 * that looks at a packet.
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
int xdp_read(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;

	/* the Ethernet type and a TCP SYN's flags behind an IPv4 header: the
	 * first and last bytes a SYN's parse reads */
	if (data + 48 <= data_end)
		asm volatile("" ::"r"(*(volatile __u8 *)(data + 12)),
			     "r"(*(volatile __u8 *)(data + 47)));
	return XDP_DROP;
}

SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	(void)ctx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
