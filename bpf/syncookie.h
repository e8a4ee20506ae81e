/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SYN cookies at XDP (include/synlimit/cookie.h has the cookie's layout):
 * the maps, the keyed hash, the TCP option parser and the port set, shared
 * by the XDP program, which answers a SYN (syncookie_syn.h), and by
 * bpf/syncookie_tc.bpf.c, which checks the ACK that completes the handshake.
 */
#ifndef SYNLIMIT_SYNCOOKIE_H
#define SYNLIMIT_SYNCOOKIE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "synlimit/cookie.h"
#include "maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cookie_config);
} cookie_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct cookie_iface);
} cookie_ifaces SEC(".maps");

/* A bit per destination port, for --syncookie-ports. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, COOKIE_PORT_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} cookie_ports SEC(".maps");

/* Sources that completed a cookie handshake, and when (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, union synlimit_addr);
	__type(value, __u64);
} verified SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cookie_budget);
} cookie_budget SEC(".maps");

/* ---- SipHash-2-4 (Aumasson and Bernstein), six 64-bit words in ---- */

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static __always_inline void sip_round(__u64 *v0, __u64 *v1, __u64 *v2, __u64 *v3)
{
	*v0 += *v1;
	*v1 = SIP_ROTL(*v1, 13);
	*v1 ^= *v0;
	*v0 = SIP_ROTL(*v0, 32);
	*v2 += *v3;
	*v3 = SIP_ROTL(*v3, 16);
	*v3 ^= *v2;
	*v0 += *v3;
	*v3 = SIP_ROTL(*v3, 21);
	*v3 ^= *v0;
	*v2 += *v1;
	*v1 = SIP_ROTL(*v1, 17);
	*v1 ^= *v2;
	*v2 = SIP_ROTL(*v2, 32);
}

static __always_inline __u64 siphash_6u64(const __u64 key[2], const __u64 w[6])
{
	__u64 v0 = 0x736f6d6570736575ULL ^ key[0];
	__u64 v1 = 0x646f72616e646f6dULL ^ key[1];
	__u64 v2 = 0x6c7967656e657261ULL ^ key[0];
	__u64 v3 = 0x7465646279746573ULL ^ key[1];
	__u64 last = 48ULL << 56; /* the message length, no tail bytes */
	int i;

#pragma unroll
	for (i = 0; i < 6; i++) {
		v3 ^= w[i];
		sip_round(&v0, &v1, &v2, &v3);
		sip_round(&v0, &v1, &v2, &v3);
		v0 ^= w[i];
	}
	v3 ^= last;
	sip_round(&v0, &v1, &v2, &v3);
	sip_round(&v0, &v1, &v2, &v3);
	v0 ^= last;
	v2 ^= 0xff;
	sip_round(&v0, &v1, &v2, &v3);
	sip_round(&v0, &v1, &v2, &v3);
	sip_round(&v0, &v1, &v2, &v3);
	sip_round(&v0, &v1, &v2, &v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- the cookie ---- */

/* A connection as the client opened it (addresses in the 128-bit space). */
struct cookie_tuple {
	union synlimit_addr client, server;
	__be16 client_port, server_port;
	__u32 client_isn; /* host order */
};

/* Bits 0..31: the ISN's hash bits; 32..39: the TSval's. */
static __always_inline __u64 cookie_hash(const struct cookie_config *cfg,
					 const struct cookie_tuple *t, __u64 slot, __u32 low)
{
	__u64 w[6];

	__builtin_memcpy(&w[0], &t->client, 16);
	__builtin_memcpy(&w[2], &t->server, 16);
	w[4] = (__u64)t->client_port << 48 | (__u64)t->server_port << 32 | t->client_isn;
	w[5] = slot << 8 | (low & 0xff);
	return siphash_6u64(cfg->key, w);
}

/* MSS classes a cookie can carry (the kernel's own tables). */
static __always_inline __u32 cookie_mss_index(__u32 mss, int v6)
{
	if (v6)
		return mss >= 8940 ? 3 : mss >= 1440 ? 2 : mss >= 1420 ? 1 : 0;
	return mss >= 1460 ? 3 : mss >= 1440 ? 2 : mss >= 1300 ? 1 : 0;
}

/* (No static table: clang 14 emits BTF for it that the kernel refuses.) */
static __always_inline __u16 cookie_mss_value(__u32 index, int v6)
{
	switch (index & 3) {
	case 0:
		return v6 ? 1220 : 536;
	case 1:
		return v6 ? 1420 : 1300;
	case 2:
		return 1440;
	default:
		return v6 ? 8940 : 1460;
	}
}

/*
 * The ACK's cookie (its ack_seq - 1) against the tuple, at time now. With
 * timestamps, the ACK's TSecr must echo the TSval's hash byte too. 0 if valid.
 */
static __always_inline int cookie_check(const struct cookie_config *cfg,
					const struct cookie_tuple *t, __u32 cookie, __u64 now,
					int has_ts, __u32 tsecr)
{
	__u64 slot = now >> COOKIE_SLOT_SHIFT, hash;

	if ((slot & 1) != ((cookie & COOKIE_SLOT_BIT) >> 8))
		slot--; /* made in the previous slot */
	if ((cookie & COOKIE_WSCALE) > COOKIE_MAX_WSCALE &&
	    (cookie & COOKIE_WSCALE) != COOKIE_WSCALE)
		return -1;
	hash = cookie_hash(cfg, t, slot, cookie);
	if (((__u32)hash & COOKIE_HASH_MASK) != (cookie & COOKIE_HASH_MASK))
		return -1;
	if (has_ts && (tsecr & 0xff) != ((hash >> 32) & 0xff))
		return -1;
	return 0;
}

/* ---- TCP options ---- */

/* The option kinds and lengths (include/net/tcp.h is not UAPI). */
#ifndef TCPOPT_EOL
#define TCPOPT_EOL	  0
#define TCPOPT_NOP	  1
#define TCPOPT_MSS	  2
#define TCPOPT_WINDOW	  3
#define TCPOPT_SACK_PERM  4
#define TCPOPT_TIMESTAMP  8
#define TCPOLEN_MSS	  4
#define TCPOLEN_WINDOW	  3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TIMESTAMP 10
#endif

struct tcp_opts {
	__u16 mss;    /* 0: none */
	__u8 wscale;  /* COOKIE_WSCALE: none */
	__u8 sack_ok; /* SACK permitted */
	__u8 has_ts;
	__u32 tsval, tsecr;
};

#define TCP_OPT_BYTES_MAX 40

/* One option per bpf_loop step: the loop is verified once, not unrolled
 * 40 times (which the verifier cannot finish). */
struct opt_walk {
	void *data, *data_end; /* packet pointers, spilled: the callback reads them */
	__u32 base;	       /* offset of the first option byte */
	__u32 off;	       /* of the next option, from base */
	__u32 opt_len;
	struct tcp_opts o;
};

static long opt_step(__u32 index, void *arg)
{
	struct opt_walk *w = arg;
	__u8 *p, kind, len;

	(void)index;
	if (w->off >= w->opt_len || w->off >= TCP_OPT_BYTES_MAX)
		return 1;
	/* below 128: 2 VLAN tags, an IPv6 header, a 60-byte TCP header */
	p = w->data + ((w->base + w->off) & 0x7f);
	if ((void *)(p + 2) > w->data_end)
		return 1;
	kind = p[0];
	if (kind == TCPOPT_EOL)
		return 1;
	if (kind == TCPOPT_NOP) {
		w->off++;
		return 0;
	}
	len = p[1];
	if (len < 2 || w->off + len > w->opt_len)
		return 1;
	if (kind == TCPOPT_MSS && len == TCPOLEN_MSS && (void *)(p + 4) <= w->data_end) {
		w->o.mss = (__u16)(p[2] << 8 | p[3]);
	} else if (kind == TCPOPT_WINDOW && len == TCPOLEN_WINDOW &&
		   (void *)(p + 3) <= w->data_end) {
		w->o.wscale = p[2] > COOKIE_MAX_WSCALE ? COOKIE_MAX_WSCALE : p[2];
	} else if (kind == TCPOPT_SACK_PERM && len == TCPOLEN_SACK_PERM) {
		w->o.sack_ok = 1;
	} else if (kind == TCPOPT_TIMESTAMP && len == TCPOLEN_TIMESTAMP &&
		   (void *)(p + 10) <= w->data_end) {
		w->o.has_ts = 1;
		w->o.tsval = (__u32)p[2] << 24 | (__u32)p[3] << 16 | (__u32)p[4] << 8 | p[5];
		w->o.tsecr = (__u32)p[6] << 24 | (__u32)p[7] << 16 | (__u32)p[8] << 8 | p[9];
	}
	w->off += len;
	return 0;
}

/* The options of the TCP header at l4_off (its data offset already checked
 * against the frame). */
static __always_inline void tcp_parse_opts(void *data, void *data_end, __u32 l4_off, __u32 opt_len,
					   struct tcp_opts *o)
{
	struct opt_walk w = {
		.data = data,
		.data_end = data_end,
		.base = l4_off + 20,
		.opt_len = opt_len,
		.o = { .wscale = COOKIE_WSCALE },
	};

	bpf_loop(TCP_OPT_BYTES_MAX, opt_step, &w, 0);
	*o = w.o;
}

/* ---- where the headers are ---- */

/*
 * The IP and TCP headers of a frame, for the cookie paths: up to 2 VLAN
 * tags, IPv4 without options or IPv6 without extension headers (what a
 * SYN-ACK can be written over in place). 0, or -1 for any other shape.
 */
struct l34 {
	__u32 l3_off, l4_off;
	int v6;
};

static __always_inline int locate_l34(void *data, void *data_end, struct l34 *h)
{
	struct ethhdr *eth = data;
	__be16 proto;
	__u32 off = sizeof(*eth);
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < SYNLIMIT_MAX_VLAN_TAGS; i++) {
		__be16 *inner = data + off + 2;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(inner + 1) > data_end)
			return -1;
		proto = *inner;
		off += 4;
	}
	h->l3_off = off;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_TCP)
			return -1;
		h->v6 = 0;
		h->l4_off = off + sizeof(*ip);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > data_end || ip6->nexthdr != IPPROTO_TCP)
			return -1;
		h->v6 = 1;
		h->l4_off = off + sizeof(*ip6);
	} else {
		return -1;
	}
	return (void *)(data + h->l4_off + sizeof(struct tcphdr)) > data_end ? -1 : 0;
}

/* The connection's tuple, from a packet the client sent. */
static __always_inline int read_tuple(void *data, void *data_end, const struct l34 *h,
				      struct cookie_tuple *t)
{
	struct tcphdr *th = data + (h->l4_off & 0x7f);

	if ((void *)(th + 1) > data_end)
		return -1;
	if (h->v6) {
		struct ipv6hdr *ip6 = data + (h->l3_off & 0x3f);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		__builtin_memcpy(&t->client, &ip6->saddr, 16);
		__builtin_memcpy(&t->server, &ip6->daddr, 16);
	} else {
		struct iphdr *ip = data + (h->l3_off & 0x3f);

		if ((void *)(ip + 1) > data_end)
			return -1;
		t->client.u32[0] = t->client.u32[1] = 0;
		t->client.u32[2] = bpf_htonl(0xffff);
		t->client.u32[3] = ip->saddr;
		t->server.u32[0] = t->server.u32[1] = 0;
		t->server.u32[2] = bpf_htonl(0xffff);
		t->server.u32[3] = ip->daddr;
	}
	t->client_port = th->source;
	t->server_port = th->dest;
	t->client_isn = bpf_ntohl(th->seq);
	return 0;
}

/* ---- the ports that want cookies ---- */

static __always_inline int port_wanted(const struct cookie_config *cfg, __be16 port)
{
	__u32 p = bpf_ntohs(port), word = p >> 6;
	__u64 *bits;

	if (cfg->flags & COOKIE_F_ALL_PORTS)
		return 1;
	bits = bpf_map_lookup_elem(&cookie_ports, &word);
	return bits && (*bits >> (p & 63)) & 1;
}

#endif /* SYNLIMIT_SYNCOOKIE_H */
