/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The classifier's packet table: {description, packet, expected verdict,
 * expected class}. Run through BPF_PROG_TEST_RUN by test_classify.c and
 * through `synlimit replay` by test_replay.c.
 */
#ifndef SYNLIMIT_TEST_CLASSIFY_CASES_H
#define SYNLIMIT_TEST_CLASSIFY_CASES_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include "pkt.h"
#include "synlimit/abi.h"

struct classify_case {
	const char *name;
	struct pkt_spec pkt;
	int verdict;
	enum synlimit_stat class;
};

#define V4   .l3 = PKT_IPV4
#define V6   .l3 = PKT_IPV6
#define PASS XDP_PASS
#define DROP XDP_DROP
/* IPv6 extension header chains */
#define EXT1(a) .n_ext = 1, .ext = { a }
#define HBH	IPPROTO_HOPOPTS
#define RT	IPPROTO_ROUTING
#define DST	IPPROTO_DSTOPTS
#define AH	IPPROTO_AH
#define FRAG	IPPROTO_FRAGMENT

static const struct classify_case cases[] = {
	/* layer 2 */
	{ "14-byte frame, IPv4 ethertype", { V4, .truncate = 14 }, DROP, STAT_BAD_L3_TRUNC },
	{ "14-byte frame, ARP ethertype",
	  { .l3 = PKT_NOT_IP, .ethertype = ETH_P_ARP, .truncate = 14 },
	  PASS,
	  STAT_NOT_IP },
	{ "ARP", { .l3 = PKT_NOT_IP, .ethertype = ETH_P_ARP }, PASS, STAT_NOT_IP },
	{ "LLDP", { .l3 = PKT_NOT_IP, .ethertype = 0x88cc }, PASS, STAT_NOT_IP },
	{ "ARP in one VLAN tag",
	  { .l3 = PKT_NOT_IP, .ethertype = ETH_P_ARP, .vlan_tags = 1 },
	  PASS,
	  STAT_NOT_IP },
	{ "SYN in one 802.1Q tag", { V4, .vlan_tags = 1 }, PASS, STAT_SYN },
	{ "SYN in one 802.1ad tag",
	  { V4, .vlan_tags = 1, .vlan_tpid = { ETH_P_8021AD } },
	  PASS,
	  STAT_SYN },
	{ "SYN in 802.1ad + 802.1Q (QinQ)",
	  { V4, .vlan_tags = 2, .vlan_tpid = { ETH_P_8021AD, ETH_P_8021Q } },
	  PASS,
	  STAT_SYN },
	{ "SYN in two 802.1Q tags", { V4, .vlan_tags = 2 }, PASS, STAT_SYN },
	{ "IPv6 SYN in one VLAN tag", { V6, .vlan_tags = 1 }, PASS, STAT_SYN },
	{ "SYN in three VLAN tags", { V4, .vlan_tags = 3 }, DROP, STAT_BAD_VLAN_DEPTH },
	{ "ARP in three VLAN tags",
	  { .l3 = PKT_NOT_IP, .ethertype = ETH_P_ARP, .vlan_tags = 3 },
	  DROP,
	  STAT_BAD_VLAN_DEPTH },
	{ "VLAN tag cut short", { V4, .vlan_tags = 1, .truncate = 16 }, PASS, STAT_BAD_L2_TRUNC },
	{ "second VLAN tag cut short",
	  { V4, .vlan_tags = 2, .truncate = 20 },
	  PASS,
	  STAT_BAD_L2_TRUNC },
	/* IPv4 */
	{ "IPv4 TCP SYN", { V4 }, PASS, STAT_SYN },
	{ "IPv4 header cut short", { V4, .truncate = 14 + 19 }, DROP, STAT_BAD_L3_TRUNC },
	{ "IPv4 IHL 0", { V4, .ihl = 0xf0 }, DROP, STAT_BAD_IHL }, /* 0xf0 & 0xf = 0 */
	{ "IPv4 IHL 4", { V4, .ihl = 4 }, DROP, STAT_BAD_IHL },
	{ "IPv4 IHL 15 with 40 bytes of options", { V4, .ipv4_opt_words = 10 }, PASS, STAT_SYN },
	{ "IPv4 IHL 15, options cut short", { V4, .ihl = 15 }, DROP, STAT_BAD_L3_TRUNC },
	{ "IPv4 with 8 bytes of options", { V4, .ipv4_opt_words = 2 }, PASS, STAT_SYN },
	{ "IPv4 version 6 under the IPv4 ethertype",
	  { V4, .ip_version = 6 },
	  DROP,
	  STAT_BAD_VERSION },
	{ "IPv4 total length below the header", { V4, .len_delta = -30 }, DROP, STAT_BAD_LENGTH },
	{ "IPv4 total length one past the frame", { V4, .len_delta = 1 }, DROP, STAT_BAD_LENGTH },
	{ "IPv4 frame cut short of its total length",
	  { V4, .truncate = -1 },
	  DROP,
	  STAT_BAD_LENGTH },
	{ "SYN with Ethernet padding after the datagram",
	  { V4, .payload = 6, .len_delta = -6 },
	  PASS,
	  STAT_SYN },
	{ "first fragment with SYN", { V4, .frag = 0x2000 }, PASS, STAT_SYN },
	{ "non-first fragment of TCP", { V4, .frag = 0x2000 | 185 }, PASS, STAT_FRAGMENT },
	{ "last fragment of TCP", { V4, .frag = 185 }, PASS, STAT_FRAGMENT },
	{ "non-first fragment of UDP",
	  { V4, .proto = IPPROTO_UDP, .frag = 0x2000 | 3 },
	  PASS,
	  STAT_FRAGMENT },
	{ "first fragment too short for the TCP header (RFC 1858)",
	  { V4, .frag = 0x2000, .len_delta = -12 },
	  DROP,
	  STAT_BAD_L4_TRUNC },
	{ "UDP", { V4, .proto = IPPROTO_UDP }, PASS, STAT_IPV4_OTHER },
	{ "ICMP", { V4, .proto = IPPROTO_ICMP }, PASS, STAT_IPV4_OTHER },
	{ "GRE", { V4, .proto = IPPROTO_GRE }, PASS, STAT_IPV4_OTHER },
	/* IPv6 */
	{ "IPv6 TCP SYN", { V6 }, PASS, STAT_SYN },
	{ "IPv6 header cut short", { V6, .truncate = 14 + 39 }, DROP, STAT_BAD_L3_TRUNC },
	{ "IPv6 version 4 under the IPv6 ethertype",
	  { V6, .ip_version = 4 },
	  DROP,
	  STAT_BAD_VERSION },
	{ "IPv6 payload length one past the frame", { V6, .len_delta = 1 }, DROP, STAT_BAD_LENGTH },
	{ "IPv6 UDP", { V6, .proto = IPPROTO_UDP }, PASS, STAT_IPV6_OTHER },
	{ "ICMPv6", { V6, .proto = IPPROTO_ICMPV6 }, PASS, STAT_IPV6_OTHER },
	{ "IPv6 hop-by-hop, SYN", { V6, EXT1(HBH) }, PASS, STAT_SYN },
	{ "IPv6 routing header, SYN", { V6, EXT1(RT) }, PASS, STAT_SYN },
	{ "IPv6 destination options, SYN", { V6, EXT1(DST) }, PASS, STAT_SYN },
	{ "IPv6 AH, SYN", { V6, EXT1(AH) }, PASS, STAT_SYN },
	{ "IPv6 first fragment, SYN", { V6, EXT1(FRAG), .frag6_more = 1 }, PASS, STAT_SYN },
	{ "IPv6 non-first fragment",
	  { V6, EXT1(FRAG), .frag6_offset = 1480 },
	  PASS,
	  STAT_FRAGMENT },
	{ "IPv6 hop-by-hop, routing, fragment, AH, destination options, SYN",
	  { V6, .n_ext = 5, .ext = { HBH, RT, FRAG, AH, DST } },
	  PASS,
	  STAT_SYN },
	{ "IPv6 chain at the walk limit (8 headers), SYN",
	  { V6, .n_ext = 8, .ext = { HBH, DST, RT, DST, DST, DST, AH, DST } },
	  PASS,
	  STAT_SYN },
	{ "IPv6 chain one past the walk limit (9 headers), SYN",
	  { V6, .n_ext = 9, .ext = { HBH, DST, RT, DST, DST, DST, AH, DST, DST } },
	  DROP,
	  STAT_BAD_EXT_DEPTH },
	{ "IPv6 chain one past the walk limit, UDP",
	  { V6, .proto = IPPROTO_UDP, .n_ext = 9,
	    .ext = { HBH, DST, RT, DST, DST, DST, AH, DST, DST } },
	  DROP,
	  STAT_BAD_EXT_DEPTH },
	{ "IPv6 next header NONE", { V6, .nexthdr_last = 59 }, PASS, STAT_IPV6_OTHER },
	{ "IPv6 hop-by-hop then NONE",
	  { V6, EXT1(HBH), .nexthdr_last = 59 },
	  PASS,
	  STAT_IPV6_OTHER },
	{ "IPv6 ESP (opaque)", { V6, .nexthdr_last = 50 }, PASS, STAT_IPV6_OTHER },
	{ "IPv6 extension header cut by the payload length",
	  { V6, EXT1(HBH), .len_delta = -27 },
	  DROP,
	  STAT_BAD_L3_TRUNC },
	{ "IPv6 fragment header cut by the payload length",
	  { V6, EXT1(FRAG), .len_delta = -24 },
	  DROP,
	  STAT_BAD_L3_TRUNC },
	{ "IPv6 SYN|ACK", { V6, .tcp_flags = F_SYN | F_ACK }, PASS, STAT_TCP_OTHER },
	{ "IPv6 SYN with doff 4", { V6, .doff = 4 }, DROP, STAT_BAD_DOFF },
	{ "IPv6 TCP header cut by the payload length",
	  { V6, .len_delta = -1 },
	  DROP,
	  STAT_BAD_L4_TRUNC },
	{ "IPv6 SYN from an IPv4-mapped source (::ffff:198.18.0.1)",
	  { V6, .src = "::ffff:198.18.0.1" },
	  DROP,
	  STAT_BAD_V4MAPPED },
	{ "IPv6 SYN|ACK from an IPv4-mapped source (not a connection attempt)",
	  { V6, .src = "::ffff:198.18.0.1", .tcp_flags = F_SYN | F_ACK },
	  PASS,
	  STAT_TCP_OTHER },
	{ "IPv6 SYN from ::fffe:c612:1 (next to the mapped range)",
	  { V6, .src = "::fffe:c612:1" },
	  PASS,
	  STAT_SYN },
	{ "IPv6 SYN from ::198.18.0.1 (IPv4-compatible, deprecated, not mapped)",
	  { V6, .src = "::198.18.0.1" },
	  PASS,
	  STAT_SYN },
	/* TCP */
	{ "SYN|ACK", { V4, .tcp_flags = F_SYN | F_ACK }, PASS, STAT_TCP_OTHER },
	{ "ACK", { V4, .tcp_flags = F_ACK }, PASS, STAT_TCP_OTHER },
	{ "RST", { V4, .tcp_flags = F_RST }, PASS, STAT_TCP_OTHER },
	{ "FIN|ACK", { V4, .tcp_flags = F_FIN | F_ACK }, PASS, STAT_TCP_OTHER },
	{ "no flags (null scan)", { V4, .tcp_none = 1 }, PASS, STAT_TCP_OTHER },
	{ "SYN|RST", { V4, .tcp_flags = F_SYN | F_RST }, DROP, STAT_BAD_FLAGS },
	{ "SYN|FIN", { V4, .tcp_flags = F_SYN | F_FIN }, DROP, STAT_BAD_FLAGS },
	{ "SYN with ECE|CWR (ECN setup)",
	  { V4, .tcp_flags = F_SYN | F_ECE | F_CWR },
	  PASS,
	  STAT_SYN },
	{ "SYN|PSH|URG", { V4, .tcp_flags = F_SYN | F_PSH | F_URG }, PASS, STAT_SYN },
	{ "SYN with doff 4", { V4, .doff = 4 }, DROP, STAT_BAD_DOFF },
	{ "SYN with doff 0", { V4, .doff = 0xf0 }, DROP, STAT_BAD_DOFF }, /* written as 0 */
	{ "SYN with doff 15 and 40 bytes of options", { V4, .tcp_opt_words = 10 }, PASS, STAT_SYN },
	{ "SYN with doff 15, options cut short", { V4, .doff = 15 }, DROP, STAT_BAD_L4_TRUNC },
	{ "ACK with doff 4 (not a connection attempt: not validated)",
	  { V4, .tcp_flags = F_ACK, .doff = 4 },
	  PASS,
	  STAT_TCP_OTHER },
	{ "TCP header cut by the IPv4 total length",
	  { V4, .len_delta = -1 },
	  DROP,
	  STAT_BAD_L4_TRUNC },
	{ "SYN with payload (TCP Fast Open)", { V4, .payload = 100 }, PASS, STAT_SYN },
	{ "SYN with MSS/SACK/TS/WS-sized options", { V4, .tcp_opt_words = 5 }, PASS, STAT_SYN },
};

#define N_CLASSIFY_CASES (sizeof(cases) / sizeof(cases[0]))

#endif /* SYNLIMIT_TEST_CLASSIFY_CASES_H */
