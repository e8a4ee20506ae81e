// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
/* pcap's classic-BPF header clashes with linux/bpf.h, and is not needed */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "json.h"
#include "limit_table.h"
#include "log.h"
#include "replay.h"
#include "source_table.h"
#include "stats.h"
#include "synlimit.skel.h"
#include "util.h"

/* BPF_PROG_TEST_RUN takes one page less XDP headroom and tailroom. */
#define TEST_RUN_MAX 3500

/* Replay's source tables: the default sizes, hashed with a fixed key. */
#define REPLAY_TABLE_SEED 0x73796e6c696d6974ULL /* "synlimit" */

/*
 * Where the IP header starts (Ethernet, up to two VLAN tags) and its
 * source, for the report; the program does its own, stricter parsing.
 */
static int ip_header(const __u8 *pkt, size_t len, size_t *l3, int *v6)
{
	size_t off = 12;
	__u16 type;
	int tags;

	for (tags = 0; tags <= 2; tags++) {
		if (off + 2 > len)
			return 0;
		type = (__u16)(pkt[off] << 8 | pkt[off + 1]);
		off += 2;
		if (type == 0x0800 || type == 0x86dd) {
			*l3 = off;
			*v6 = type == 0x86dd;
			return off + (*v6 ? 40 : 20) <= len;
		}
		if (type != 0x8100 && type != 0x88a8)
			return 0;
		off += 2; /* the tag's TCI; its type is read next */
	}
	return 0;
}

static const char *source_of(const __u8 *pkt, size_t len, char *buf, size_t size)
{
	union synlimit_addr addr = { 0 };
	size_t l3;
	int v6;

	if (!ip_header(pkt, len, &l3, &v6))
		return NULL;
	if (v6) {
		memcpy(addr.u8, pkt + l3 + 8, 16);
	} else {
		addr.u32[2] = htonl(0xffff);
		memcpy(&addr.u32[3], pkt + l3 + 12, 4);
	}
	return addr_format(&addr, 128, buf, size);
}

/* A packet too long for a test run keeps its headers; its payload is cut and
 * the IP length lowered to match, so it is classified as it was sent. */
static size_t clip(__u8 *pkt, size_t len)
{
	size_t l3;
	int v6;

	if (len <= TEST_RUN_MAX)
		return len;
	if (ip_header(pkt, TEST_RUN_MAX, &l3, &v6)) {
		size_t ip_len = TEST_RUN_MAX - l3 - (v6 ? 40 : 0);
		size_t at = l3 + (v6 ? 4 : 2);
		size_t declared = (size_t)(pkt[at] << 8 | pkt[at + 1]);

		if (declared > ip_len) {
			pkt[at] = (__u8)(ip_len >> 8);
			pkt[at + 1] = (__u8)ip_len;
		}
	}
	return TEST_RUN_MAX;
}

static enum synlimit_stat changed(const __u64 *before, const __u64 *after, int first, int last)
{
	int i;

	for (i = first; i <= last; i++)
		if (after[i] != before[i])
			return (enum synlimit_stat)i;
	return STAT_MAX;
}

int replay_run(const char *limits_path, const struct limits *limits, const char *capture, int json)
{
	char errbuf[PCAP_ERRBUF_SIZE], src_buf[ADDR_TEXT_MAX];
	struct synlimit_bpf *skel = NULL;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	__u64 n = 0, passed = 0, dropped = 0, clipped = 0, before[STAT_MAX], after[STAT_MAX];
	__u8 frame[TEST_RUN_MAX + 64];
	struct json j;
	pcap_t *pcap;
	__u32 zero = 0;
	int err = 0, rc, prog_fd, stats_fd, clock_fd;

	pcap = pcap_open_offline_with_tstamp_precision(capture, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!pcap) {
		pr_warn("%s: %s\n", capture, errbuf);
		return -EINVAL;
	}
	if (pcap_datalink(pcap) != DLT_EN10MB) {
		pr_warn("%s: link type %s is not Ethernet (capture on the interface, not on "
			"'any')\n",
			capture, pcap_datalink_val_to_name(pcap_datalink(pcap)) ?: "?");
		err = -EINVAL;
		goto out;
	}

	skel = synlimit_bpf__open();
	if (!skel) {
		err = -errno;
		goto out;
	}
	skel->rodata->cfg_fixed_clock = 1;
	/* a fixed hash key: the same capture meets the same bucket collisions,
	 * and replays to the same verdicts, every time */
	source_tables_setup(skel, 0, 0, REPLAY_TABLE_SEED);
	err = synlimit_bpf__load(skel);
	if (err) {
		pr_warn("cannot load the XDP program: %s%s\n", strerror(-err),
			err == -EPERM ? " (replay needs root: CAP_BPF)" : "");
		goto out;
	}
	err = limit_table_install(bpf_map__fd(skel->maps.limit_tables),
				  bpf_map__fd(skel->maps.port_tables), limits->entries,
				  limits->count);
	if (err)
		goto out;
	prog_fd = bpf_program__fd(skel->progs.synlimit_xdp);
	/* no interface slot is claimed here: the stats map counts every packet */
	stats_fd = bpf_map__fd(skel->maps.stats);
	clock_fd = bpf_map__fd(skel->maps.fixed_clock);

	json_init(&j, stdout);
	while ((rc = pcap_next_ex(pcap, &hdr, &data)) == 1) {
		__u64 now = (__u64)hdr->ts.tv_sec * NSEC_PER_SEC + (__u64)hdr->ts.tv_usec;
		size_t len = hdr->caplen < sizeof(frame) ? hdr->caplen : sizeof(frame);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .repeat = 1);
		enum synlimit_stat class = STAT_BAD_L2_TRUNC, outcome = STAT_MAX;
		const char *src;
		int drop = 0;

		n++;
		memcpy(frame, data, len);
		src = source_of(frame, len, src_buf, sizeof(src_buf));
		if (len > TEST_RUN_MAX) {
			len = clip(frame, len);
			clipped++;
		}
		/* shorter than an Ethernet header: the program passes such a frame
		 * (bad_l2_truncated), and a test run cannot take it */
		if (len >= 14) {
			opts.data_size_in = (__u32)len;
			if (bpf_map_update_elem(clock_fd, &zero, &now, BPF_ANY) ||
			    stats_read(stats_fd, -1, before) ||
			    bpf_prog_test_run_opts(prog_fd, &opts) ||
			    stats_read(stats_fd, -1, after)) {
				err = -errno;
				pr_warn("%s: packet %llu: test run failed: %s\n", capture,
					(unsigned long long)n, strerror(-err));
				goto out;
			}
			drop = opts.retval == XDP_DROP;
			class = changed(before, after, STAT_CLASS_FIRST, STAT_CLASS_LAST);
			outcome = changed(before, after, STAT_SYN_FIRST, STAT_SYN_LAST);
		}
		drop ? dropped++ : passed++;
		if (json) {
			json_object_begin(&j);
			json_key(&j, "pkt");
			json_u64(&j, n);
			json_key(&j, "verdict");
			json_string(&j, drop ? "drop" : "pass");
			json_key(&j, "src");
			json_string(&j, src);
			json_key(&j, "class");
			json_string(&j, stat_name(class));
			json_key(&j, "outcome");
			json_string(&j, outcome == STAT_MAX ? NULL : stat_name(outcome));
			json_key(&j, "time_ns");
			json_u64(&j, now);
			json_object_end(&j);
			json_end_line(&j);
		} else {
			printf("%llu %s %s %s%s%s\n", (unsigned long long)n, drop ? "drop" : "pass",
			       src ? src : "-", stat_name(class), outcome == STAT_MAX ? "" : " ",
			       outcome == STAT_MAX ? "" : stat_name(outcome));
		}
	}
	if (rc == PCAP_ERROR) {
		pr_warn("%s: %s (after packet %llu)\n", capture, pcap_geterr(pcap),
			(unsigned long long)n);
		err = -EINVAL;
		goto out;
	}
	if (json) {
		json_object_begin(&j);
		json_key(&j, "summary");
		json_object_begin(&j);
		json_key(&j, "packets");
		json_u64(&j, n);
		json_key(&j, "passed");
		json_u64(&j, passed);
		json_key(&j, "dropped");
		json_u64(&j, dropped);
		json_key(&j, "clipped");
		json_u64(&j, clipped);
		json_key(&j, "limits");
		json_string(&j, limits_path);
		json_object_end(&j);
		json_object_end(&j);
		json_end_line(&j);
	} else {
		printf("%llu packets: %llu passed, %llu dropped (limits %s)\n",
		       (unsigned long long)n, (unsigned long long)passed,
		       (unsigned long long)dropped, limits_path);
		if (clipped)
			printf("%llu packets longer than %d bytes ran with their payload cut\n",
			       (unsigned long long)clipped, TEST_RUN_MAX);
	}
out:
	synlimit_bpf__destroy(skel);
	pcap_close(pcap);
	return err;
}
