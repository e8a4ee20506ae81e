/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Test packets from a readable description instead of hex blobs. Every
 * field defaults to a well-formed TCP SYN over IPv4 when left zero; a test
 * case changes the one thing it is about.
 */
#ifndef SYNLIMIT_TEST_PKT_H
#define SYNLIMIT_TEST_PKT_H

#include <linux/types.h>
#include <stddef.h>

#define PKT_MAX 2048

enum pkt_l3 {
	PKT_IPV4 = 0,
	PKT_IPV6,
	PKT_NOT_IP, /* ethertype from .ethertype (e.g. ARP) and a small payload */
};

/* TCP flag bits as on the wire (byte 13). */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10
#define F_URG 0x20
#define F_ECE 0x40
#define F_CWR 0x80

#define PKT_MAX_EXT 12

struct pkt_spec {
	enum pkt_l3 l3;
	__u16 ethertype;    /* PKT_NOT_IP: the ethertype */
	__u8 vlan_tags;	    /* 802.1Q/802.1ad tags before the payload type */
	__u16 vlan_tpid[4]; /* 0: 0x8100 */
	const char *src;    /* source address text; default by family */
	const char *dst;
	__u8 proto; /* L4 protocol; 0: TCP */
	/* IPv4 */
	__u8 ihl;	     /* 0: 5 + ipv4_opt_words; else written as is */
	__u8 ip_version;     /* 0: 4 or 6; else written as is (both families) */
	__u8 ipv4_opt_words; /* NOP options, 4 bytes each */
	__u16 frag;	     /* IPv4 flags+offset field, host order (0x2000 = MF) */
	int len_delta;	     /* added to the IP length field */
	/* IPv6 */
	__u8 ext[PKT_MAX_EXT]; /* extension headers in order (IPPROTO_HOPOPTS, ...) */
	__u8 n_ext;
	__u16 frag6_offset; /* fragment header: offset in bytes (multiple of 8) */
	__u8 frag6_more;    /* fragment header: M flag */
	__u8 nexthdr_last;  /* 0: proto; else the last next-header value */
	/* TCP */
	__u8 tcp_flags; /* 0 means SYN; use .tcp_none for no flags */
	__u8 tcp_none;
	__u8 doff; /* 0: 5 + tcp_opt_words; else written as is */
	__u8 tcp_opt_words;
	__u16 sport, dport;
	__u32 seq, ack_seq;   /* 0: 0x12000000 and 0 */
	const __u8 *tcp_opts; /* raw options instead of NOPs, tcp_opts_len bytes (4n) */
	__u8 tcp_opts_len;
	__u16 payload; /* bytes after the L4 header */
	/* damage */
	int truncate; /* > 0: keep this many bytes; < 0: cut this many off */
};

/* Build the frame; returns its length (0 if it would not fit). */
size_t pkt_build(const struct pkt_spec *spec, __u8 *buf, size_t cap);

/* The ones' complement sum of n bytes as big-endian 16-bit words, added to
 * sum (not folded): checksums over a frame. */
__u32 pkt_sum16(const __u8 *p, size_t n, __u32 sum);

#endif /* SYNLIMIT_TEST_PKT_H */
