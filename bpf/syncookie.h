/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SYN cookies at XDP (include/synlimit/cookie.h has the cookie's layout):
 * the maps, the keyed hash, the TCP option parser, and the SYN-ACK that the
 * XDP program writes over a SYN in place. The ACK that completes the
 * handshake is checked by bpf/syncookie_tc.bpf.c with the same functions.
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

/* ---- the SYN-ACK ---- */

static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* One's complement sum of n 32-bit words as they lie in memory (read with
 * memcpy: a struct read through a __u32 pointer breaks strict aliasing). */
static __always_inline __u64 csum_words(const void *mem, int n, __u64 sum)
{
	int i;

#pragma unroll
	for (i = 0; i < n; i++) {
		__u32 w;

		__builtin_memcpy(&w, (const __u8 *)mem + 4 * i, 4);
		sum += w;
	}
	return sum;
}

/* The TCP header and options of a SYN-ACK: 5 + up to 5 words. */
struct synack_tcp {
	struct tcphdr th;
	__u32 opt[5];
};

/* Options as the kernel orders them in a SYN-ACK (tcp_options_write). */
static __always_inline int synack_options(struct synack_tcp *s, __u16 mss, int ws, int sack, int ts,
					  __u32 tsval, __u32 tsecr)
{
	__u32 ws_word = bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_WINDOW << 16 | TCPOLEN_WINDOW << 8 |
				  COOKIE_OUR_WSCALE);
	__u32 ts_word = bpf_htonl((sack ? TCPOPT_SACK_PERM << 24 | TCPOLEN_SACK_PERM << 16
					: TCPOPT_NOP << 24 | TCPOPT_NOP << 16) |
				  TCPOPT_TIMESTAMP << 8 | TCPOLEN_TIMESTAMP);
	__u32 sack_word = bpf_htonl(TCPOPT_NOP << 24 | TCPOPT_NOP << 16 | TCPOPT_SACK_PERM << 8 |
				    TCPOLEN_SACK_PERM);

	s->opt[0] = bpf_htonl(TCPOPT_MSS << 24 | TCPOLEN_MSS << 16 | mss);
	s->opt[1] = s->opt[2] = s->opt[3] = s->opt[4] = 0;
	if (ts) {
		s->opt[1] = ts_word;
		s->opt[2] = bpf_htonl(tsval);
		s->opt[3] = bpf_htonl(tsecr);
		if (ws)
			s->opt[4] = ws_word;
		return ws ? 5 : 4;
	}
	if (sack) {
		s->opt[1] = sack_word;
		if (ws)
			s->opt[2] = ws_word;
		return ws ? 3 : 2;
	}
	if (ws)
		s->opt[1] = ws_word;
	return ws ? 2 : 1;
}

/* Copy n words (n <= 5) to the packet at p, each access checked. */
static __always_inline int put_words(void *p, void *data_end, const __u32 *w, int n)
{
	int i;

#pragma unroll
	for (i = 0; i < 5; i++) {
		__u32 *dst = (__u32 *)p + i;

		if (i >= n)
			break;
		if ((void *)(dst + 1) > data_end)
			return -1;
		*dst = w[i];
	}
	return 0;
}

/*
 * Write the SYN-ACK for the SYN in ctx over it, in place: MACs, addresses
 * and ports swapped, the cookie as sequence number, our options. 0 when
 * it is ready for XDP_TX, -1 (frame unchanged) when it could not be built.
 */
static __always_inline int write_synack(struct xdp_md *ctx, const struct cookie_config *cfg,
					const struct cookie_iface *ifc, const struct l34 *h,
					__u64 now)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcphdr *th = data + (h->l4_off & 0x7f);
	struct cookie_tuple t;
	struct synack_tcp out;
	struct tcp_opts o;
	__u32 low, isn, tsval, words, tcp_len, new_len;
	__u64 hash, slot = now >> COOKIE_SLOT_SHIFT, sum;
	int ecn, ws, sack, ts, n, delta;
	__u16 mss;

	if ((void *)(th + 1) > data_end || read_tuple(data, data_end, h, &t))
		return -1;
	tcp_parse_opts(data, data_end, h->l4_off, th->doff * 4 - 20, &o);
	ecn = th->ece && th->cwr; /* an ECN-setup SYN (RFC 3168) */
	ws = o.wscale != COOKIE_WSCALE && !(cfg->flags & COOKIE_F_NO_WSCALE);
	sack = o.sack_ok && !(cfg->flags & COOKIE_F_NO_SACK);
	ts = o.has_ts && !(cfg->flags & COOKIE_F_NO_TS);
	low = cookie_mss_index(o.mss   ? o.mss
			       : h->v6 ? 1220
				       : 536,
			       h->v6)
		  << COOKIE_MSS_SHIFT |
	      (ecn ? COOKIE_ECN : 0) | (sack ? COOKIE_SACK : 0) | (ws ? o.wscale : COOKIE_WSCALE);
	hash = cookie_hash(cfg, &t, slot, low);
	isn = ((__u32)hash & COOKIE_HASH_MASK) | (__u32)(slot & 1) << 8 | low;
	/* the kernel continues the connection's timestamps from this TSval */
	tsval = ((__u32)(now >> 20) & ~0xffU) | (__u32)((hash >> 32) & 0xff);
	mss = h->v6 ? ifc->mss6 : ifc->mss4;

	__builtin_memset(&out, 0, sizeof(out));
	n = synack_options(&out, mss, ws, sack, ts, tsval, o.tsval);
	out.th.source = t.server_port;
	out.th.dest = t.client_port;
	out.th.seq = bpf_htonl(isn);
	out.th.ack_seq = bpf_htonl(t.client_isn + 1);
	out.th.doff = 5 + n;
	out.th.syn = 1;
	out.th.ack = 1;
	out.th.ece = ecn;
	/* never more than the kernel's own first window will be: no shrinking */
	out.th.window = bpf_htons(10 * mss > 65535 ? 65535 : 10 * mss);
	words = 5 + n;
	tcp_len = words * 4;

	/* pseudo-header, then the segment */
	if (h->v6)
		sum = csum_words(t.server.u32, 4, csum_words(t.client.u32, 4, 0));
	else
		sum = (__u64)t.client.u32[3] + t.server.u32[3];
	sum += bpf_htons(IPPROTO_TCP) + bpf_htons((__u16)tcp_len);
	sum = csum_words(&out, 10, sum); /* unused words are zero */
	out.th.check = csum_fold64(sum);

	new_len = h->l4_off + tcp_len;
	delta = (int)new_len - (int)(data_end - data);
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return -1;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + ((h->l4_off + tcp_len) & 0xff) > data_end) {
		if (delta)
			bpf_xdp_adjust_tail(ctx, -delta); /* the SYN as it came */
		return -1;
	}

	{
		struct ethhdr *eth = data;
		__u8 mac[ETH_ALEN];

		if ((void *)(eth + 1) > data_end)
			return -1;
		__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
		__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
		__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	}
	if (h->v6) {
		struct ipv6hdr *ip6 = data + (h->l3_off & 0x3f);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);
		ip6->payload_len = bpf_htons((__u16)tcp_len);
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = 64;
		__builtin_memcpy(&ip6->saddr, &t.server, 16);
		__builtin_memcpy(&ip6->daddr, &t.client, 16);
	} else {
		struct iphdr *ip = data + (h->l3_off & 0x3f);
		struct iphdr hdr = {
			.version = 4,
			.ihl = 5,
			.tot_len = bpf_htons((__u16)(20 + tcp_len)),
			.frag_off = bpf_htons(0x4000), /* DF */
			.ttl = 64,
			.protocol = IPPROTO_TCP,
			.saddr = t.server.u32[3],
			.daddr = t.client.u32[3],
		};

		if ((void *)(ip + 1) > data_end)
			return -1;
		hdr.check = csum_fold64(csum_words(&hdr, 5, 0));
		__builtin_memcpy(ip, &hdr, sizeof(hdr));
	}
	th = data + (h->l4_off & 0x7f);
	if ((void *)(th + 1) > data_end)
		return -1;
	__builtin_memcpy(th, &out.th, sizeof(out.th));
	return put_words(th + 1, data_end, out.opt, n);
}

/* ---- the decision for a SYN ---- */

static __always_inline int port_wanted(const struct cookie_config *cfg, __be16 port)
{
	__u32 p = bpf_ntohs(port), word = p >> 6;
	__u64 *bits;

	if (cfg->flags & COOKIE_F_ALL_PORTS)
		return 1;
	bits = bpf_map_lookup_elem(&cookie_ports, &word);
	return bits && (*bits >> (p & 63)) & 1;
}

/* Auto mode: count the attempt in this second's window; on as soon as the
 * window holds auto_on_rate attempts, off when windows have stayed under
 * auto_off_rate for auto_hold_ns (decided at the first attempt after a
 * window ends). Returns whether cookies are on. */
static __always_inline int auto_update(struct synlimit_stats *st, const struct cookie_config *cfg,
				       struct cookie_iface *ifc, __u32 ifindex, __u64 now)
{
	__u64 start = ifc->window_start_ns, rate;
	struct synlimit_event *ev;
	int was = ifc->active, is = was;

	if (now - start < 1000000000ULL) {
		rate = __sync_fetch_and_add(&ifc->window_syns, 1) + 1;
		/* on as soon as the window holds enough; off only at its end */
		if (was || rate < cfg->auto_on_rate)
			return was;
		is = 1;
		goto switched;
	}
	rate = ifc->window_syns;
	if (now - start >= 2000000000ULL)
		rate = 0; /* a whole window passed without an attempt */
	ifc->window_start_ns = now;
	ifc->window_syns = 1;
	ifc->last_rate = rate;
	if (!was && rate >= cfg->auto_on_rate) {
		is = 1;
	} else if (was && rate < cfg->auto_off_rate) {
		if (!ifc->calm_since_ns)
			ifc->calm_since_ns = start;
		if (now - ifc->calm_since_ns >= cfg->auto_hold_ns)
			is = 0;
	} else if (was) {
		ifc->calm_since_ns = 0;
	}
	if (is == was)
		return was;
switched:
	ifc->last_rate = rate;
	ifc->active = is;
	ifc->calm_since_ns = 0;
	ifc->switched_ns = now;
	st->count[is ? STAT_COOKIE_AUTO_ON : STAT_COOKIE_AUTO_OFF]++;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		st->count[STAT_EVENTS_LOST]++;
		return is;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->time_ns = now;
	ev->type = is ? EVENT_COOKIES_ON : EVENT_COOKIES_OFF;
	ev->line = ifindex;
	ev->rate_q16 = rate << 16;
	bpf_ringbuf_submit(ev, 0);
	st->count[STAT_EVENTS_SENT]++;
	return is;
}

/* The SYN-ACK cap: at most cfg->synack_cap a second over all CPUs. The
 * window reset races (two CPUs may both reset it): harmless, the cap is a
 * safety valve, not an exact limit. */
static __always_inline int over_cap(const struct cookie_config *cfg, __u64 now)
{
	struct cookie_budget *b;
	__u32 zero = 0;

	if (!cfg->synack_cap)
		return 0;
	b = bpf_map_lookup_elem(&cookie_budget, &zero);
	if (!b)
		return 0;
	if (b->window != now >> 30) {
		b->window = now >> 30;
		b->sent = 0;
	}
	return __sync_fetch_and_add(&b->sent, 1) >= cfg->synack_cap;
}

/*
 * Cookie mode for a connection attempt that its rule would limit. 0: on to
 * the limit (cookies not wanted here, a verified source, a blocked one, a
 * frame a SYN-ACK cannot be written over); else the outcome,
 * STAT_SYN_COOKIE_SENT (the frame is now a SYN-ACK for XDP_TX) or
 * STAT_SYN_COOKIE_CAPPED. Lookups only: nothing is created for the source.
 */
static __always_inline enum synlimit_stat
syncookie_syn(struct xdp_md *ctx, struct synlimit_stats *st, const struct rule *rule,
	      const union synlimit_addr *src, const struct source_key *key, __u64 now)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, ifindex = ctx->ingress_ifindex;
	const struct cookie_config *cfg;
	struct cookie_iface *ifc;
	struct tcphdr *th;
	struct l34 h;
	__u64 *since;
	int active;

	cfg = bpf_map_lookup_elem(&cookie_config, &zero);
	if (!cfg || !cfg->ifaces || rule->flags & RULE_F_COOKIES_OFF)
		return 0;
	ifc = bpf_map_lookup_elem(&cookie_ifaces, &ifindex);
	if (!ifc)
		return 0;
	active = ifc->mode == COOKIE_MODE_ON ||
		 (ifc->mode == COOKIE_MODE_AUTO && auto_update(st, cfg, ifc, ifindex, now));
	if (!active && !(rule->flags & RULE_F_COOKIES_ON))
		return 0;
	if (locate_l34(data, data_end, &h)) {
		st->count[STAT_COOKIE_UNFIT]++;
		return 0;
	}
	th = data + (h.l4_off & 0x7f);
	if ((void *)(th + 1) > data_end || !port_wanted(cfg, th->dest))
		return 0;
	since = bpf_map_lookup_elem(&verified, src);
	/* signed: the TC program stamps with the exact clock, this may be coarse */
	if (since && (__s64)(now - *since) < (__s64)cfg->verified_ttl_ns) {
		st->count[STAT_COOKIE_VERIFIED_SYN]++;
		return 0;
	}
	if (bpf_map_lookup_elem(&blocked_sources, key))
		return 0; /* blocked: its block decides, no SYN-ACK */
	if (over_cap(cfg, now))
		return STAT_SYN_COOKIE_CAPPED;
	if (write_synack(ctx, cfg, ifc, &h, now)) {
		st->count[STAT_COOKIE_UNFIT]++;
		return 0;
	}
	return STAT_SYN_COOKIE_SENT;
}

#endif /* SYNLIMIT_SYNCOOKIE_H */
