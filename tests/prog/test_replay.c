// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synlimit replay, the command itself, on captures written here:
 *  - every packet of the classifier's table gives the verdict and class
 *    the table expects (IPv6, VLAN and malformed packets among them);
 *  - timestamps drive the limiter: bursts of 10 SYNs 1 ms apart from an
 *    IPv4, an IPv6 and a VLAN-tagged source against 5/5s strict give
 *    PPPPPDDDDD each, and the next SYN passes from 4.198 s on, as the
 *    limiter tests and README's worked example say;
 *  - captures that cannot be replayed are refused with exit status 2.
 */
#include <errno.h>
/* pcap's classic-BPF header clashes with linux/bpf.h */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/pcap.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "classify_cases.h"
#include "pkt.h"
#include "stats.h"

#define SYNLIMIT	  "build/synlimit"
#define NSEC_PER_SEC_TEST 1000000000ULL

static char dir[] = "/tmp/synlimit-replay.XXXXXX";

struct stamped {
	struct pkt_spec spec;
	__u64 time_ns;
};

static int write_pcap(const char *path, const struct stamped *pkts, size_t n, int linktype)
{
	pcap_t *dead =
	    pcap_open_dead_with_tstamp_precision(linktype, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *dump = dead ? pcap_dump_open(dead, path) : NULL;
	size_t i;

	if (!dump)
		return -1;
	for (i = 0; i < n; i++) {
		__u8 frame[PKT_MAX];
		struct pcap_pkthdr hdr = { 0 };

		hdr.caplen = hdr.len = (__u32)pkt_build(&pkts[i].spec, frame, sizeof(frame));
		hdr.ts.tv_sec = (time_t)(pkts[i].time_ns / 1000000000ULL);
		hdr.ts.tv_usec = (suseconds_t)(pkts[i].time_ns % 1000000000ULL); /* ns precision */
		pcap_dump((u_char *)dump, &hdr, frame);
	}
	pcap_dump_close(dump);
	pcap_close(dead);
	return 0;
}

/* Run replay; its stdout lines in *out (caller frees), exit status returned. */
static int replay(const char *limits, const char *capture, const char *extra, char **out)
{
	char cmd[1024];
	size_t len = 0, cap = 1 << 16;
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), SYNLIMIT " replay --limits %s %s %s 2>%s/stderr", limits,
		 capture, extra, dir);
	*out = calloc(1, cap);
	p = popen(cmd, "r");
	if (!p || !*out)
		return -1;
	while (len + 1 < cap && fgets(*out + len, (int)(cap - len), p))
		len += strlen(*out + len);
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value of "key": in one JSON line (strings without quotes). */
static const char *field(const char *line, const char *key, char *buf, size_t size)
{
	char pattern[64];
	const char *at;
	size_t n = 0;

	snprintf(pattern, sizeof(pattern), "\"%s\":", key);
	at = strstr(line, pattern);
	buf[0] = '\0';
	if (!at)
		return buf;
	at += strlen(pattern);
	if (*at == '"')
		at++;
	while (at[n] && at[n] != '"' && at[n] != ',' && at[n] != '}' && n + 1 < size)
		n++;
	memcpy(buf, at, n);
	buf[n] = '\0';
	return buf;
}

static void test_packet_table(void)
{
	struct stamped pkts[N_CLASSIFY_CASES];
	char limits[256], capture[256], verdict[16], class[48], *out, *line, *save = NULL;
	size_t i, seen = 0;
	int bad = 0, rc;
	FILE *f;

	snprintf(limits, sizeof(limits), "%s/empty.limits", dir);
	snprintf(capture, sizeof(capture), "%s/table.pcap", dir);
	f = fopen(limits, "w");
	if (f)
		fclose(f);
	for (i = 0; i < N_CLASSIFY_CASES; i++) {
		pkts[i].spec = cases[i].pkt;
		pkts[i].time_ns = 1700000000000000000ULL + i * 1000000ULL;
	}
	if (!check(write_pcap(capture, pkts, N_CLASSIFY_CASES, DLT_EN10MB) == 0,
		   "write the packet table as a capture"))
		return;
	rc = replay(limits, capture, "--json", &out);
	check(rc == 0, "replay the packet table: exit status 0 (got %d)", rc);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char pkt_no[16];
		size_t n;

		if (strstr(line, "\"summary\""))
			continue;
		n = strtoul(field(line, "pkt", pkt_no, sizeof(pkt_no)), NULL, 10);
		if (n != seen + 1 || n > N_CLASSIFY_CASES) {
			check(0, "replay line %zu: expected pkt %zu, got '%s'", seen + 1, seen + 1,
			      line);
			bad++;
			break;
		}
		field(line, "verdict", verdict, sizeof(verdict));
		field(line, "class", class, sizeof(class));
		if (strcmp(verdict, cases[n - 1].verdict == XDP_DROP ? "drop" : "pass") ||
		    strcmp(class, stat_name(cases[n - 1].class))) {
			check(0, "replay of '%s': expected %s %s, got %s %s", cases[n - 1].name,
			      cases[n - 1].verdict == XDP_DROP ? "drop" : "pass",
			      stat_name(cases[n - 1].class), verdict, class);
			bad++;
		}
		seen = n;
	}
	check(
	    seen == N_CLASSIFY_CASES && !bad,
	    "replay: all %zu packets of the table (IPv6, VLAN, malformed) give the table's verdict "
	    "and class (%zu lines, %d wrong)",
	    N_CLASSIFY_CASES, seen, bad);
	free(out);
}

static void test_limiter_timing(void)
{
	static const char *const srcs[] = { "198.18.0.1", "2001:db8::1", "198.18.0.2" };
	struct stamped pkts[48];
	char limits[256], capture[256], verdict[16], src[64], seq[3][16] = { "", "", "" };
	char *out, *line, *save = NULL, late[2][16] = { "", "" };
	const __u64 t0 = 1700000000000000000ULL;
	size_t n = 0, i;
	int s, rc;
	FILE *f;

	snprintf(limits, sizeof(limits), "%s/five.limits", dir);
	snprintf(capture, sizeof(capture), "%s/bursts.pcap", dir);
	f = fopen(limits, "w");
	if (f) {
		fputs("*  5/5s strict\n", f);
		fclose(f);
	}
	for (s = 0; s < 3; s++)
		for (i = 0; i < 10; i++, n++) {
			memset(&pkts[n], 0, sizeof(pkts[n]));
			pkts[n].spec.l3 = strchr(srcs[s], ':') ? PKT_IPV6 : PKT_IPV4;
			pkts[n].spec.src = srcs[s];
			pkts[n].spec.vlan_tags = s == 2; /* the third source is VLAN tagged */
			pkts[n].time_ns = t0 + i * 1000000ULL + (__u64)s * 100000ULL;
		}
	/* the worked example: one probe per source, as a drop counts in strict
	 * mode: 198.18.0.1 at 4.198 s; 198.18.0.3, after the same burst, at 4.197 s */
	memset(&pkts[n], 0, sizeof(pkts[n]));
	pkts[n].spec.src = srcs[0];
	pkts[n++].time_ns = t0 + 4198 * 1000000ULL;
	for (i = 0; i < 11; i++, n++) {
		memset(&pkts[n], 0, sizeof(pkts[n]));
		pkts[n].spec.src = "198.18.0.3";
		pkts[n].time_ns =
		    t0 + 5 * NSEC_PER_SEC_TEST + (i < 10 ? i * 1000000ULL : 4197000000ULL);
	}
	if (!check(write_pcap(capture, pkts, n, DLT_EN10MB) == 0, "write the burst capture"))
		return;
	rc = replay(limits, capture, "--json", &out);
	check(rc == 0, "replay the bursts: exit status 0 (got %d)", rc);
	i = 0;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char *v = field(line, "verdict", verdict, sizeof(verdict)) ? verdict : verdict;
		const char *letter = !strcmp(v, "drop") ? "D" : "P";

		if (i < 30) {
			strcat(seq[i / 10], letter);
			if (i % 10 == 0)
				check(
				    !strcmp(field(line, "src", src, sizeof(src)), srcs[i / 10]),
				    "replay reports the source of packet %zu: expected %s, got %s",
				    i + 1, srcs[i / 10], src);
		} else if (i == 30) {
			strcat(late[1], letter); /* 198.18.0.1 at 4.198 s */
		} else if (i == 41) {
			strcat(late[0], letter); /* 198.18.0.3 at 4.197 s */
		}
	}
	check(!strcmp(seq[0], "PPPPPDDDDD"),
	      "replay: 10 IPv4 SYNs 1 ms apart against 5/5s strict: "
	      "expected PPPPPDDDDD, got %s",
	      seq[0]);
	check(!strcmp(seq[1], "PPPPPDDDDD"), "replay: 10 IPv6 SYNs: expected PPPPPDDDDD, got %s",
	      seq[1]);
	check(!strcmp(seq[2], "PPPPPDDDDD"),
	      "replay: 10 VLAN-tagged SYNs are limited too: expected PPPPPDDDDD, got %s", seq[2]);
	check(!strcmp(late[0], "D") && !strcmp(late[1], "P"),
	      "replay: after the burst the next SYN is dropped at 4.197 s and passes at 4.198 s: "
	      "expected D P, got %s %s",
	      late[0], late[1]);
	free(out);
}

static void test_refusals(void)
{
	struct stamped one = { .spec = { .l3 = PKT_IPV4 }, .time_ns = 1 };
	char capture[256], limits[256], *out;
	int rc;

	snprintf(limits, sizeof(limits), "%s/five.limits", dir);
	snprintf(capture, sizeof(capture), "%s/raw.pcap", dir);
	write_pcap(capture, &one, 1, DLT_RAW);
	rc = replay(limits, capture, "", &out);
	check(rc == 2, "replay of a capture that is not Ethernet: expected exit 2, got %d", rc);
	free(out);
	rc = replay(limits, "/nonexistent/capture.pcap", "", &out);
	check(rc == 2, "replay of a missing capture: expected exit 2, got %d", rc);
	free(out);
	snprintf(capture, sizeof(capture), "%s/table.pcap", dir);
	rc = replay("/nonexistent/limits", capture, "", &out);
	check(rc == 2, "replay with a missing limits file: expected exit 2, got %d", rc);
	free(out);
}

int main(void)
{
	char cmd[128];

	if (geteuid() != 0) {
		check_skip("replay: BPF_PROG_TEST_RUN needs root");
		return check_done();
	}
	if (!mkdtemp(dir)) {
		check(0, "make a temporary directory: %s", strerror(errno));
		return check_done();
	}
	test_packet_table();
	test_limiter_timing();
	test_refusals();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
	return check_done();
}
