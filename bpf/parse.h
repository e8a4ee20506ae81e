/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bounded, always-inline header parsers. classify() puts every packet in
 * exactly one class of enum synlimit_stat and, for a connection attempt,
 * returns its source address in the 128-bit space (IPv4 as ::ffff:a.b.c.d)
 * and its destination port (network byte order).
 *
 * Policy (README "Classification"): what the kernel would certainly drop as
 * malformed IP or TCP we drop here, cheaper; what could hide a SYN from the
 * limiter (a third VLAN tag, an extension chain past the walk) we drop, so
 * wrapping cannot bypass it; anything else we do not understand we pass.
 * Non-SYN traffic is validated only as far as it takes to classify it.
 */
#ifndef SYNLIMIT_PARSE_H
#define SYNLIMIT_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"

/* Not in the UAPI headers. */
struct vlan_tag {
	__be16 tci;
	__be16 encapsulated_proto;
};

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

#define IPV4_FRAG_OFFSET 0x1fff
#define IPV6_FRAG_OFFSET 0xfff8

static __always_inline int is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/*
 * TCP at l4, inside the IP datagram that ends at l3_end. Only a possible
 * connection attempt is validated further (data offset, options present).
 */
static __always_inline enum synlimit_stat classify_tcp(void *l4, void *l3_end, void *data_end,
						       __be16 *dport)
{
	struct tcphdr *th = l4;

	if ((void *)(th + 1) > data_end || (void *)(th + 1) > l3_end)
		return STAT_BAD_L4_TRUNC;
	if (!th->syn || th->ack)
		return STAT_TCP_OTHER;
	if (th->rst || th->fin) /* the kernel discards these: never a connection */
		return STAT_BAD_FLAGS;
	if (th->doff < 5)
		return STAT_BAD_DOFF;
	if (l4 + th->doff * 4 > l3_end || l4 + th->doff * 4 > data_end)
		return STAT_BAD_L4_TRUNC;
	*dport = th->dest;
	return STAT_SYN;
}

/*
 * ::ffff:saddr into src (8-byte aligned: struct syn_source): its low half
 * in one 8-byte store, as the copies of the address read it. Two 4-byte
 * stores read back as one 8-byte load cannot be forwarded from the store
 * buffer, and the load then waits for both stores to reach the cache.
 */
static __always_inline void v4mapped_store(union synlimit_addr *src, __be32 saddr)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u64 low = (__u64)saddr << 32 | bpf_htonl(0xffff);
#else
	__u64 low = (__u64)bpf_htonl(0xffff) << 32 | saddr;
#endif

	__builtin_memcpy(__builtin_assume_aligned(&src->u32[2], 8), &low, 8);
}

static __always_inline enum synlimit_stat classify_ipv4(void *l3, void *data_end,
							union synlimit_addr *src, __be16 *dport)
{
	struct iphdr *ip = l3;
	__u32 hdr_len, tot_len;

	if ((void *)(ip + 1) > data_end)
		return STAT_BAD_L3_TRUNC;
	/* version 4 and no options, nearly every packet: one compare */
	hdr_len = sizeof(*ip);
	if (*(__u8 *)ip != 0x45) {
		if (ip->version != 4)
			return STAT_BAD_VERSION;
		if (ip->ihl < 5)
			return STAT_BAD_IHL;
		hdr_len = ip->ihl * 4;
		if (l3 + hdr_len > data_end)
			return STAT_BAD_L3_TRUNC;
	}
	tot_len = bpf_ntohs(ip->tot_len);
	/* Bytes past tot_len are Ethernet padding; fewer bytes are a lie. */
	if (tot_len < hdr_len || l3 + tot_len > data_end)
		return STAT_BAD_LENGTH;
	if (ip->frag_off & bpf_htons(IPV4_FRAG_OFFSET))
		return STAT_FRAGMENT;
	if (ip->protocol != IPPROTO_TCP)
		return STAT_IPV4_OTHER;
	src->u32[0] = 0;
	src->u32[1] = 0;
	v4mapped_store(src, ip->saddr);
	return classify_tcp(l3 + hdr_len, l3 + tot_len, data_end, dport);
}

static __always_inline int is_v4mapped(const union synlimit_addr *a)
{
	return !a->u32[0] && !a->u32[1] && a->u32[2] == bpf_htonl(0xffff);
}

/*
 * IPv6: walk at most SYNLIMIT_MAX_IPV6_EXT extension headers. A chain that
 * is still going after that could hide a SYN, so it is dropped.
 */
static __always_inline enum synlimit_stat classify_ipv6(void *l3, void *data_end,
							union synlimit_addr *src, __be16 *dport)
{
	struct ipv6hdr *ip6 = l3;
	enum synlimit_stat class;
	void *l3_end, *cur;
	__u8 nexthdr;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return STAT_BAD_L3_TRUNC;
	if (ip6->version != 6)
		return STAT_BAD_VERSION;
	l3_end = (void *)(ip6 + 1) + bpf_ntohs(ip6->payload_len);
	if (l3_end > data_end)
		return STAT_BAD_LENGTH;
	nexthdr = ip6->nexthdr;
	cur = ip6 + 1;

#pragma unroll
	for (i = 0; i < SYNLIMIT_MAX_IPV6_EXT; i++) {
		struct ipv6_ext *ext = cur;

		if (nexthdr == IPPROTO_TCP)
			break;
		if (nexthdr == IPPROTO_FRAGMENT) {
			struct ipv6_frag *frag = cur;

			if ((void *)(frag + 1) > l3_end || (void *)(frag + 1) > data_end)
				return STAT_BAD_L3_TRUNC;
			if (frag->frag_off & bpf_htons(IPV6_FRAG_OFFSET))
				return STAT_FRAGMENT;
			nexthdr = frag->nexthdr;
			cur = frag + 1;
			continue;
		}
		if (nexthdr != IPPROTO_HOPOPTS && nexthdr != IPPROTO_ROUTING &&
		    nexthdr != IPPROTO_DSTOPTS && nexthdr != IPPROTO_AH)
			return STAT_IPV6_OTHER; /* ICMPv6, UDP, NONE, ESP, ... */
		/* l3_end <= data_end, but the verifier learns bounds only from data_end */
		if ((void *)(ext + 1) > l3_end || (void *)(ext + 1) > data_end)
			return STAT_BAD_L3_TRUNC;
		/* AH counts 4-byte units minus 2, the others 8-byte units minus 1 */
		if (nexthdr == IPPROTO_AH)
			cur += (ext->hdrlen + 2) * 4;
		else
			cur += (ext->hdrlen + 1) * 8;
		nexthdr = ext->nexthdr;
	}
	if (nexthdr != IPPROTO_TCP)
		return STAT_BAD_EXT_DEPTH;
	__builtin_memcpy(src, &ip6->saddr, sizeof(*src));
	class = classify_tcp(cur, l3_end, data_end, dport);
	/* ::ffff:a.b.c.d is where IPv4 sources live in our address space: an
	 * IPv6 SYN from there would share (and could get blocked) a real IPv4
	 * host's state. The kernel refuses such SYNs too (tcp_v6_conn_request). */
	if (class == STAT_SYN && is_v4mapped(src))
		return STAT_BAD_V4MAPPED;
	return class;
}

/* Ethernet, then up to SYNLIMIT_MAX_VLAN_TAGS 802.1Q/802.1ad tags, then IP. */
static __always_inline enum synlimit_stat classify(struct xdp_md *ctx, union synlimit_addr *src,
						   __be16 *dport)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *cur = eth + 1;
	__be16 proto;
	int i;

	if (cur > data_end)
		return STAT_BAD_L2_TRUNC;
	/* an aligned load: struct ethhdr is packed, and its field is read a
	 * byte at a time */
	proto = *(__be16 *)(data + offsetof(struct ethhdr, h_proto));
	/* untagged IPv4 first: the VLAN walk would end at once for it */
	if (proto == bpf_htons(ETH_P_IP))
		return classify_ipv4(cur, data_end, src, dport);

#pragma unroll
	for (i = 0; i < SYNLIMIT_MAX_VLAN_TAGS; i++) {
		struct vlan_tag *tag = cur;

		if (!is_vlan(proto))
			break;
		if ((void *)(tag + 1) > data_end)
			return STAT_BAD_L2_TRUNC;
		proto = tag->encapsulated_proto;
		cur = tag + 1;
	}
	if (is_vlan(proto))
		return STAT_BAD_VLAN_DEPTH;
	if (proto == bpf_htons(ETH_P_IP))
		return classify_ipv4(cur, data_end, src, dport);
	if (proto == bpf_htons(ETH_P_IPV6))
		return classify_ipv6(cur, data_end, src, dport);
	return STAT_NOT_IP;
}

#endif /* SYNLIMIT_PARSE_H */
