/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Cookie mode's XDP side: the decision for a SYN (cookies wanted here? a
 * verified source? the SYN-ACK cap, auto mode) and the SYN-ACK written over
 * the SYN. The cookie itself, and what the TC program that checks the ACK
 * shares, are in syncookie.h.
 */
#ifndef SYNLIMIT_SYNCOOKIE_SYN_H
#define SYNLIMIT_SYNCOOKIE_SYN_H

#include "syncookie.h"

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
	long frame_len;
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
	frame_len = data_end - data;
	/* the frame's length as a number first: the compiler must not
	 * reassociate this into 32-bit pointer arithmetic, which the verifier
	 * refuses */
	asm volatile("" : "+r"(frame_len));
	delta = (int)new_len - (int)frame_len;
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
__noinline int syncookie_syn(struct xdp_md *ctx, struct synlimit_stats *st, const struct rule *rule,
			     const struct syn_source *syn, __u64 now)
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

	if (!ctx || !st || !rule || !syn)
		return 0;
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
	since = bpf_map_lookup_elem(&verified, &syn->addr);
	/* signed: the TC program stamps with the exact clock, this may be coarse */
	if (since && (__s64)(now - *since) < (__s64)cfg->verified_ttl_ns) {
		st->count[STAT_COOKIE_VERIFIED_SYN]++;
		return 0;
	}
	if (syn->blocked)
		return 0; /* blocked: its block decides, no SYN-ACK */
	if (over_cap(cfg, now))
		return STAT_SYN_COOKIE_CAPPED;
	if (write_synack(ctx, cfg, ifc, &h, now)) {
		st->count[STAT_COOKIE_UNFIT]++;
		return 0;
	}
	return STAT_SYN_COOKIE_SENT;
}

#endif /* SYNLIMIT_SYNCOOKIE_SYN_H */
