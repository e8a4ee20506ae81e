// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synflood: send TCP SYNs at millions of packets per second out of an
 * interface, from one or many (spoofed) sources, with valid IP and TCP
 * checksums, for synlimit's tests and benchmarks. Built on BPF_PROG_RUN's
 * live-frames mode: see synflood.bpf.c.
 *
 * Sources and destination must lie in the ranges reserved for testing,
 * 198.18.0.0/15 and 2001:db8::/32: this tool sends floods.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "pkt.h"
#include "synflood.skel.h"

#ifndef BPF_F_TEST_XDP_LIVE_FRAMES
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: synflood -i IFACE --src ADDR --dst ADDR [options]\n"
		"  -i, --iface IFACE     send out of IFACE (frames are XDP_TX'd from it)\n"
		"      --src ADDR        first source address (198.18.0.0/15 or 2001:db8::/32)\n"
		"      --sources N       spoofed sources from ADDR on (1 .. 16777216, default 1)\n"
		"      --random          pick sources at random (default: in sequence)\n"
		"      --dst ADDR        destination address (same ranges)\n"
		"      --dport PORT      destination port (default 25)\n"
		"      --dst-mac MAC     destination MAC (default ff:ff:ff:ff:ff:ff)\n"
		"      --vlan ID         add an 802.1Q tag\n"
		"  -n, --count N         SYNs to send (default 1000000)\n"
		"      --rate PPS        at most PPS a second (default: as fast as possible)\n"
		"  -q, --quiet           no summary line\n"
		"Prints what it sent: count, sources, time and rate.\n");
}

static int in_test_range(const char *text, int *v6, __u32 *low)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, text, &a4) == 1) {
		*v6 = 0;
		*low = ntohl(a4.s_addr);
		return (*low & 0xfffe0000U) == 0xc6120000U; /* 198.18.0.0/15 */
	}
	if (inet_pton(AF_INET6, text, &a6) == 1) {
		*v6 = 1;
		*low = ntohl(a6.s6_addr32[3]);
		return ntohl(a6.s6_addr32[0]) == 0x20010db8U; /* 2001:db8::/32 */
	}
	return 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "src", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, 'S' },
		{ "random", no_argument, NULL, 'r' },
		{ "dst", required_argument, NULL, 'd' },
		{ "dport", required_argument, NULL, 'p' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "vlan", required_argument, NULL, 'v' },
		{ "count", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *iface = NULL, *src = NULL, *dst = NULL;
	unsigned long long count = 1000000, rate = 0, sources = 1, sent = 0;
	unsigned int mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, dport = 25, vlan = 0;
	int random = 0, quiet = 0, c, v6, dst_v6, i, err;
	struct pkt_spec spec = { 0 };
	struct synflood_bpf *skel;
	__u8 frame[PKT_MAX];
	__u32 low, dst_low, ifindex;
	size_t len, l3;
	__u64 start, elapsed;

	while ((c = getopt_long(argc, argv, "i:n:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 's':
			src = optarg;
			break;
		case 'S':
			sources = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			random = 1;
			break;
		case 'd':
			dst = optarg;
			break;
		case 'p':
			dport = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			if (sscanf(optarg, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3],
				   &mac[4], &mac[5]) != 6) {
				fprintf(stderr, "synflood: bad MAC '%s'\n", optarg);
				return 2;
			}
			break;
		case 'v':
			vlan = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			count = strtoull(optarg, NULL, 10);
			break;
		case 'R':
			rate = strtoull(optarg, NULL, 10);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!iface || !src || !dst || optind != argc) {
		usage(stderr);
		return 2;
	}
	ifindex = if_nametoindex(iface);
	if (!ifindex) {
		fprintf(stderr, "synflood: %s: no such interface\n", iface);
		return 2;
	}
	if (!in_test_range(src, &v6, &low) || !in_test_range(dst, &dst_v6, &dst_low) ||
	    v6 != dst_v6) {
		fprintf(stderr, "synflood: --src and --dst must be of one family, in 198.18.0.0/15 "
				"or 2001:db8::/32\n");
		return 2;
	}
	if (sources < 1 || sources > (1ULL << 24) || low + (sources - 1) < low ||
	    (!v6 && ((low + (sources - 1)) & 0xfffe0000U) != 0xc6120000U) || dport > 65535 ||
	    vlan > 4094 || count == 0) {
		fprintf(stderr,
			"synflood: --sources must be 1..16777216 and stay in the test range "
			"(198.18.0.0/15 holds 131072); port, VLAN id or count out of range\n");
		return 2;
	}

	spec.l3 = v6 ? PKT_IPV6 : PKT_IPV4;
	spec.src = src;
	spec.dst = dst;
	spec.dport = (__u16)dport;
	spec.vlan_tags = vlan ? 1 : 0;
	len = pkt_build(&spec, frame, sizeof(frame));
	for (i = 0; i < 6; i++)
		frame[i] = (__u8)mac[i];
	if (vlan) { /* pkt_build numbers its tags from 100 */
		frame[14] = (__u8)(vlan >> 8);
		frame[15] = (__u8)vlan;
	}
	l3 = 14 + (vlan ? 4 : 0);

	skel = synflood_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->cfg_addr_offset = (__u32)(l3 + (v6 ? 20 : 12));
	skel->rodata->cfg_ip_csum_offset = v6 ? 0 : (__u32)(l3 + 10);
	skel->rodata->cfg_tcp_csum_offset = (__u32)(l3 + (v6 ? 40 : 20) + 16);
	skel->rodata->cfg_base = low;
	skel->rodata->cfg_sources = (__u32)sources;
	skel->rodata->cfg_random = (__u8)random;
	if (len > sizeof(skel->rodata->cfg_template) || len % 2) {
		fprintf(stderr, "synflood: template of %zu bytes does not fit\n", len);
		return 1;
	}
	memcpy((void *)skel->rodata->cfg_template, frame, len);
	skel->rodata->cfg_template_words = (__u32)(len / 2);
	memcpy((void *)&skel->rodata->cfg_ip_csum, frame + l3 + 10, 2);
	memcpy((void *)&skel->rodata->cfg_tcp_csum, frame + l3 + (v6 ? 40 : 20) + 16, 2);
	err = synflood_bpf__load(skel);
	if (err) {
		fprintf(stderr, "synflood: cannot load: %s (needs root)\n", strerror(-err));
		return 1;
	}

	start = now_ns();
	while (sent < count) {
		/* with a rate: 100 ms worth at a time, then wait for the clock. A
		 * live-frames run costs ~25 ms to set up once frames of the last
		 * one are in flight (measured with strace -T), so smaller chunks
		 * could not keep up */
		unsigned long long chunk = rate ? (rate / 10 ? rate / 10 : 1) : 1ULL << 20;
		struct xdp_md ctx = { .data_end = (__u32)len, .ingress_ifindex = ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame, .data_size_in = (__u32)len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64);

		if (chunk > count - sent)
			chunk = count - sent;
		run.repeat = (__u32)chunk;
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.synflood_xdp), &run)) {
			fprintf(stderr, "synflood: live-frames run failed: %s\n", strerror(errno));
			synflood_bpf__destroy(skel);
			return 1;
		}
		sent += chunk;
		if (rate) {
			__u64 due = start + sent * 1000000000ULL / rate;
			__u64 now = now_ns();

			if (due > now) {
				struct timespec ts = { .tv_sec =
							   (time_t)((due - now) / 1000000000ULL),
						       .tv_nsec =
							   (long)((due - now) % 1000000000ULL) };

				nanosleep(&ts, NULL);
			}
		}
	}
	elapsed = now_ns() - start;
	if (!quiet)
		printf("synflood: sent %llu SYNs from %llu source%s (%s, %s) to %s port %u on %s "
		       "in %.3f s: %.0f pps\n",
		       sent, sources, sources == 1 ? "" : "s", src,
		       random ? "random" : "in sequence", dst, dport, iface, (double)elapsed / 1e9,
		       (double)sent * 1e9 / (double)elapsed);
	synflood_bpf__destroy(skel);
	return 0;
}
