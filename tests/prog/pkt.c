// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Build test frames from struct pkt_spec (see pkt.h). */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>
#include "pkt.h"

#define DEFAULT_SRC4 "198.18.0.1"
#define DEFAULT_DST4 "198.19.0.1"
#define DEFAULT_SRC6 "2001:db8::1"
#define DEFAULT_DST6 "2001:db8:1::1"

struct cursor {
	__u8 *buf;
	size_t len, cap;
	int overflow;
};

static __u8 *put(struct cursor *c, size_t n)
{
	__u8 *p;

	if (c->len + n > c->cap) {
		c->overflow = 1;
		return NULL;
	}
	p = c->buf + c->len;
	memset(p, 0, n);
	c->len += n;
	return p;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(__u8 *p, __u32 v)
{
	put16(p, (__u16)(v >> 16));
	put16(p + 2, (__u16)v);
}

__u32 pkt_sum16(const __u8 *p, size_t n, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (__u32)p[n - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* L4 header and payload at buf[l4]; checksummed with the pseudo-header. */
static void put_l4(struct cursor *c, const struct pkt_spec *s, __u8 proto)
{
	__u8 *h;
	size_t hlen;

	if (proto == IPPROTO_TCP) {
		__u8 words = s->tcp_opts ? s->tcp_opts_len / 4 : s->tcp_opt_words;
		__u8 doff = s->doff ? s->doff : 5 + words;

		hlen = 20 + words * 4;
		h = put(c, hlen);
		if (!h)
			return;
		put16(h, s->sport ? s->sport : 40000);
		put16(h + 2, s->dport ? s->dport : 25);
		put32(h + 4, s->seq ? s->seq : 0x12000000);
		put32(h + 8, s->ack_seq);
		h[12] = doff << 4;
		h[13] = s->tcp_none ? 0 : s->tcp_flags ? s->tcp_flags : F_SYN;
		put16(h + 14, 64240);
		if (s->tcp_opts)
			memcpy(h + 20, s->tcp_opts, words * 4);
		else
			memset(h + 20, 1, words * 4); /* NOP options */
	} else {
		h = put(c, 8); /* UDP, ICMP and ICMPv6 headers are 8 bytes */
		if (!h)
			return;
	}
	put(c, s->payload);
}

static void tcp_checksum(__u8 *l4, size_t l4_len, const __u8 *src, const __u8 *dst, size_t alen,
			 __u8 proto)
{
	__u32 sum = pkt_sum16(src, alen, 0);
	size_t csum_off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;

	if (l4_len < csum_off + 2)
		return;
	sum = pkt_sum16(dst, alen, sum);
	sum += proto + (__u32)l4_len;
	sum = pkt_sum16(l4, l4_len, sum);
	put16(l4 + csum_off, fold(sum));
}

static void build_ipv4(struct cursor *c, const struct pkt_spec *s, __u8 proto)
{
	size_t l3 = c->len, l4;
	__u8 *ip = put(c, 20 + s->ipv4_opt_words * 4);
	struct in_addr src, dst;

	if (!ip)
		return;
	inet_pton(AF_INET, s->src ? s->src : DEFAULT_SRC4, &src);
	inet_pton(AF_INET, s->dst ? s->dst : DEFAULT_DST4, &dst);
	ip[0] = (s->ip_version ? s->ip_version : 4) << 4 |
		((s->ihl ? s->ihl : 5 + s->ipv4_opt_words) & 0xf);
	put16(ip + 6, s->frag);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	memset(ip + 20, 1, s->ipv4_opt_words * 4);
	l4 = c->len;
	put_l4(c, s, proto);
	if (c->overflow)
		return;
	ip = c->buf + l3;
	put16(ip + 2, (__u16)(c->len - l3 + s->len_delta));
	put16(ip + 10, fold(pkt_sum16(ip, 20 + s->ipv4_opt_words * 4, 0)));
	tcp_checksum(c->buf + l4, c->len - l4, ip + 12, ip + 16, 4, proto);
}

static void build_ipv6(struct cursor *c, const struct pkt_spec *s, __u8 proto)
{
	size_t l3 = c->len, l4;
	__u8 *ip = put(c, 40);
	__u8 *nexthdr;
	int i;

	if (!ip)
		return;
	ip[0] = (s->ip_version ? s->ip_version : 6) << 4;
	ip[7] = 64;
	inet_pton(AF_INET6, s->src ? s->src : DEFAULT_SRC6, ip + 8);
	inet_pton(AF_INET6, s->dst ? s->dst : DEFAULT_DST6, ip + 24);
	nexthdr = ip + 6;
	for (i = 0; i < s->n_ext && i < PKT_MAX_EXT; i++) {
		__u8 type = s->ext[i];
		__u8 *h;

		*nexthdr = type;
		if (type == IPPROTO_FRAGMENT) {
			h = put(c, 8);
			if (!h)
				return;
			put16(h + 2, (s->frag6_offset & 0xfff8) | (s->frag6_more ? 1 : 0));
		} else if (type == IPPROTO_AH) {
			h = put(c, 16); /* hdrlen 2: (2 + 2) * 4 bytes */
			if (!h)
				return;
			h[1] = 2;
		} else {
			h = put(c, 8); /* hdrlen 0: 8 bytes, PadN filled */
			if (!h)
				return;
			h[2] = 1;
			h[3] = 4;
		}
		nexthdr = h;
	}
	*nexthdr = s->nexthdr_last ? s->nexthdr_last : proto;
	l4 = c->len;
	put_l4(c, s, proto);
	if (c->overflow)
		return;
	ip = c->buf + l3;
	put16(ip + 4, (__u16)(c->len - l3 - 40 + s->len_delta));
	tcp_checksum(c->buf + l4, c->len - l4, ip + 8, ip + 24, 16, proto);
}

size_t pkt_build(const struct pkt_spec *s, __u8 *buf, size_t cap)
{
	struct cursor c = { .buf = buf, .cap = cap };
	__u8 proto = s->proto ? s->proto : IPPROTO_TCP;
	__u16 type;
	__u8 *eth = put(&c, 14);
	int i;

	if (!eth)
		return 0;
	memcpy(eth, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	type = s->l3 == PKT_IPV4 ? ETH_P_IP : s->l3 == PKT_IPV6 ? ETH_P_IPV6 : s->ethertype;
	if (s->vlan_tags) {
		put16(eth + 12, s->vlan_tpid[0] ? s->vlan_tpid[0] : ETH_P_8021Q);
		for (i = 0; i < s->vlan_tags; i++) {
			__u8 *tag = put(&c, 4);
			__u16 next = i + 1 < s->vlan_tags
					 ? (s->vlan_tpid[i + 1] ? s->vlan_tpid[i + 1] : ETH_P_8021Q)
					 : type;

			if (!tag)
				return 0;
			put16(tag, 100 + i); /* VLAN id */
			put16(tag + 2, next);
		}
	} else {
		put16(eth + 12, type);
	}

	if (s->l3 == PKT_IPV4)
		build_ipv4(&c, s, proto);
	else if (s->l3 == PKT_IPV6)
		build_ipv6(&c, s, proto);
	else
		put(&c, 28); /* an ARP-sized body */
	if (c.overflow)
		return 0;

	if (s->truncate > 0 && (size_t)s->truncate < c.len)
		c.len = s->truncate;
	else if (s->truncate < 0 && (size_t)-s->truncate <= c.len)
		c.len -= -s->truncate;
	return c.len;
}
