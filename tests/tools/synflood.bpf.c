// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SYN flood generator's XDP program, run by BPF_PROG_RUN in live-frames
 * mode (BPF_F_TEST_XDP_LIVE_FRAMES): each run takes the template SYN, gives
 * it the next source address, fixes the IP and TCP checksums and returns
 * XDP_TX, which sends it out of the generator's interface.
 *
 * Frames come from a recycled page pool, and a frame that the receiver
 * passed to its stack may come back changed in place (untagging a VLAN
 * frame moves its MAC header): so every run writes the whole frame from the
 * template, then the varying source and the checksums.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Set through the skeleton before load. */
const volatile __u32 cfg_addr_offset;	 /* where the varying 32 bits of saddr are */
const volatile __u32 cfg_ip_csum_offset; /* IPv4 header checksum; 0 for IPv6 */
const volatile __u32 cfg_tcp_csum_offset;
const volatile __u32 cfg_base;	  /* template's varying word, host order */
const volatile __u32 cfg_sources; /* 1 .. 2^24 */
const volatile __u8 cfg_random;
const volatile __u16 cfg_ip_csum; /* the template's checksums, as in memory */
const volatile __u16 cfg_tcp_csum;
#define TEMPLATE_WORDS 64
const volatile __u16 cfg_template[TEMPLATE_WORDS]; /* the frame, 2 bytes a word */
const volatile __u32 cfg_template_words;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} next_source SEC(".maps");

/* One's complement update for a 32-bit field changing from `from` to `to`
 * (RFC 1624, eqn. 3); all values as stored in the packet. */
static __always_inline __u16 csum_replace4(__u16 check, __u32 from, __u32 to)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~from + (__u16)(~from >> 16) + (__u16)to + (__u16)(to >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int synflood_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, index, from, to;
	__u64 *next;

	/* the template is at least this long (checked by the loader); the
	 * masks keep the verifier's offsets bounded */
	if (data + (cfg_addr_offset & 0x7f) + 4 > data_end ||
	    data + (cfg_ip_csum_offset & 0x7f) + 2 > data_end ||
	    data + (cfg_tcp_csum_offset & 0x7f) + 2 > data_end)
		return XDP_ABORTED;
	/* the template, word by word; its length is the frame's (the kernel
	 * resets the frame's bounds between runs) */
	for (__u32 i = 0; i < TEMPLATE_WORDS; i++) {
		__u16 *word = (__u16 *)data + i;

		if (i >= cfg_template_words || (void *)(word + 1) > data_end)
			break;
		*word = cfg_template[i];
	}
	if (cfg_random) {
		index = bpf_get_prandom_u32() % cfg_sources;
	} else {
		next = bpf_map_lookup_elem(&next_source, &zero);
		if (!next)
			return XDP_ABORTED;
		index = (__u32)(__sync_fetch_and_add(next, 1) % cfg_sources);
	}
	from = __builtin_bswap32(cfg_base);
	to = __builtin_bswap32(cfg_base + index);
	*(__u32 *)(data + (cfg_addr_offset & 0x7f)) = to;
	if (cfg_ip_csum_offset)
		*(__u16 *)(data + (cfg_ip_csum_offset & 0x7f)) =
		    csum_replace4(cfg_ip_csum, from, to);
	*(__u16 *)(data + (cfg_tcp_csum_offset & 0x7f)) = csum_replace4(cfg_tcp_csum, from, to);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
