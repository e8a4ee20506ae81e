// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_prog: what synlimit's XDP program costs per packet, measured with
 * BPF_PROG_TEST_RUN against a bare XDP_DROP program in the same run,
 * alternating the two, R rounds; the kernel's accounting of map memory;
 * and two CPUs against one CPU. Prints markdown rows for the report.
 *
 * Usage: bench_prog [--quick] [--parts | --targets | --only TEXT]
 *   --quick    a few thousand packets a figure (make test's smoke run)
 *   --parts    only the pieces (bench_parts.bpf.c)
 *   --targets  only the four rows the per-packet targets are read from, set
 *              up as in the full run, then a line "target<TAB>TARGET<TAB>
 *              OVERHEAD_NS<TAB>BOUND_NS" each: make bench runs this several
 *              times across its run (tests/bench/targets.sh), so that one
 *              slow stretch of a shared machine does not decide a target
 *   --only     only the rows whose name contains TEXT (while working on one)
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bans.h"
#include "limit_table.h"
#include "harness.h"
#include "pkt.h"
#include "rule.h"
#include "synlimit.skel.h"
#include "source_table.h"
#include "stats.h"

/* Rounds a figure: many short ones, so that a row sees the machine's fast
 * and slow stretches alike, and its fast figure has rounds to come from. */
#define ROUNDS 21

static int quick, parts_only, targets_only;
static const char *only; /* --only: rows whose name has this */

/* Is a row to be measured in this run? */
static int wanted(const char *name)
{
	return !only || strstr(name, only);
}
static int bare_drop_fd;

struct packet {
	__u8 data[128];
	__u32 len;
};

/* The measured packets; the sources are in 198.18.0.0/16 and 2001:db8::/32. */
static struct packet ack4, udp4, syn4, syn6, syn4_blocked, syn6_blocked, syn4_b2, flood6;

/* The per-packet targets, each read from the overhead of one row. */
enum target { TARGET_NON_SYN, TARGET_BLOCKED, TARGET_KNOWN, TARGET_NEW_SOURCES, TARGETS };

static const struct {
	const char *text;
	double bound_ns;
} targets[TARGETS] = {
	[TARGET_NON_SYN] = { "<= 10 ns over bare for non-SYN traffic", 10 },
	[TARGET_BLOCKED] = { "<= 40 ns for a SYN from a blocked source", 40 },
	[TARGET_KNOWN] = { "<= 60 ns for a SYN from a known source under its limit", 60 },
	[TARGET_NEW_SOURCES] = { "<= 150 ns for a new source, full table "
				 "(new sources back to back)",
				 150 },
};
static double target_ns[TARGETS], target_fast_ns[TARGETS];

/* The fast figure of the last row (report_rounds): the first quartile of
 * synlimit's rounds minus that of bare XDP_DROP's. This VM's per-instruction
 * speed changes by up to twice over seconds (see the yardstick, part_alu),
 * and a row's median is then the median of whichever stretch it fell in;
 * the lower quartiles are each program's time in the machine's faster
 * stretches, measured in the same rounds. */
static double row_fast_ns;

static void make_packet(struct packet *p, enum pkt_l3 l3, const char *src, __u8 proto, __u8 flags)
{
	struct pkt_spec spec = { .l3 = l3, .src = src, .proto = proto, .tcp_flags = flags };

	p->len = (__u32)pkt_build(&spec, p->data, sizeof(p->data));
}

/* ns per run over `repeat` runs of one packet (the kernel's own timing). */
static double run_ns(int prog_fd, const struct packet *p, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	return (double)opts.duration;
}

/* The verdict of one run of p, or -1. */
static int run_verdict(int prog_fd, const struct packet *p)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len,
		    .repeat = 1);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	return (int)opts.retval;
}

/* A program of bench_parts.bpf.c. */
static int part_fd(struct bpf_object *parts, const char *name)
{
	return bpf_program__fd(bpf_object__find_program_by_name(parts, name));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat3 {
	double median, min, max;
};

static struct stat3 summarize(double *v, int n)
{
	struct stat3 s;

	qsort(v, n, sizeof(*v), cmp_double);
	s.median = v[n / 2];
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

/* A row from ROUNDS rounds of bare XDP_DROP and synlimit taken in turn;
 * returns the median overhead. */
static double report_rounds(const char *name, double *bare_ns, double *sl_ns)
{
	double over[ROUNDS], ratio[ROUNDS];
	struct stat3 o, r, b, s;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		over[i] = sl_ns[i] - bare_ns[i];
		ratio[i] = sl_ns[i] / (bare_ns[i] > 0 ? bare_ns[i] : 1);
	}
	o = summarize(over, ROUNDS);
	r = summarize(ratio, ROUNDS);
	b = summarize(bare_ns, ROUNDS); /* sorts them */
	s = summarize(sl_ns, ROUNDS);
	row_fast_ns = sl_ns[ROUNDS / 4] - bare_ns[ROUNDS / 4];
	printf("| %s | %.1f | %.1f | **%.1f** (%.1f .. %.1f) | %.2f (%.2f .. %.2f) |\n", name,
	       b.median, s.median, o.median, o.min, o.max, r.median, r.min, r.max);
	fflush(stdout);
	return o.median;
}

/* Programs a and b in turn on the same packet, ROUNDS rounds of a long run
 * each: their times to a_ns[] and b_ns[]. */
static void alternate(int prog_a, int prog_b, const struct packet *p, double *a_ns, double *b_ns)
{
	__u32 repeat = quick ? 10000 : 400000;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		a_ns[i] = run_ns(prog_a, p, repeat);
		b_ns[i] = run_ns(prog_b, p, repeat);
	}
}

/* Alternate bare and synlimit on the same packet, ROUNDS rounds; the
 * median overhead, NAN for a row not wanted. */
static double row_same_packet(const char *name, int prog_fd, const struct packet *p)
{
	double bare_ns[ROUNDS], sl_ns[ROUNDS];

	row_fast_ns = NAN;
	if (!wanted(name))
		return NAN;
	alternate(bare_drop_fd, prog_fd, p, bare_ns, sl_ns);
	return report_rounds(name, bare_ns, sl_ns);
}

/*
 * A flood: bench_parts.bpf.c's gen_name (part_flood, part_flood_1k) gives
 * each run of p (an untagged IPv6 frame) a source never seen, or the next of
 * 1024, and tail-calls bare XDP_DROP or synlimit in turn, ROUNDS rounds of
 * `repeat` runs: the sources back to back, with the code hot, as the XDP
 * program meets them. Returns the median overhead, NAN for a row not wanted.
 */
static double row_flood(const char *name, int prog_fd, struct bpf_object *parts,
			const char *gen_name, const struct packet *p)
{
	int gen = bpf_program__fd(bpf_object__find_program_by_name(parts, gen_name));
	int next = bpf_object__find_map_fd_by_name(parts, "part_flood_next");
	double bare_ns[ROUNDS], sl_ns[ROUNDS];
	__u32 repeat = quick ? 10000 : 200000, zero = 0;
	int i;

	row_fast_ns = NAN;
	if (!wanted(name))
		return NAN;
	for (i = 0; i < ROUNDS; i++) {
		bpf_map_update_elem(next, &zero, &bare_drop_fd, BPF_ANY);
		bare_ns[i] = run_ns(gen, p, repeat);
		bpf_map_update_elem(next, &zero, &prog_fd, BPF_ANY);
		sl_ns[i] = run_ns(gen, p, repeat);
	}
	bpf_map_delete_elem(next, &zero);
	return report_rounds(name, bare_ns, sl_ns);
}

/* New sources: every packet distinct, one run each, synlimit and bare in
 * turn on the same packet; the medians of the per-packet times. */
static void row_new_sources(const char *name, int prog_fd, const struct packet *pkts, int n)
{
	double *bare, *sl, over[ROUNDS];
	struct stat3 o, b, s;
	int i, round, per = n / ROUNDS;

	if (!wanted(name))
		return;
	bare = calloc(n, sizeof(double));
	sl = calloc(n, sizeof(double));

	for (round = 0; round < ROUNDS; round++) {
		for (i = round * per; i < (round + 1) * per; i++) {
			bare[i] = run_ns(bare_drop_fd, &pkts[i], 1);
			sl[i] = run_ns(prog_fd, &pkts[i], 1);
		}
		b = summarize(bare + round * per, per);
		s = summarize(sl + round * per, per);
		over[round] = s.median - b.median;
	}
	o = summarize(over, ROUNDS);
	b = summarize(bare, per * ROUNDS);
	s = summarize(sl, per * ROUNDS);
	printf("| %s | %.1f | %.1f | **%.1f** (%.1f .. %.1f) | %.2f |\n", name, b.median, s.median,
	       o.median, o.min, o.max, s.median / (b.median > 0 ? b.median : 1));
	fflush(stdout);
	free(bare);
	free(sl);
}

/* Two programs alternating on the same packet, ROUNDS rounds: what b costs
 * over a, with the drift of a shared machine in both. */
static void row_ab(const char *name, int prog_a, int prog_b, const struct packet *p)
{
	double a_ns[ROUNDS], b_ns[ROUNDS], diff[ROUNDS];
	struct stat3 a, b, d;
	int i;

	if (!wanted(name))
		return;
	alternate(prog_a, prog_b, p, a_ns, b_ns);
	for (i = 0; i < ROUNDS; i++)
		diff[i] = b_ns[i] - a_ns[i];
	a = summarize(a_ns, ROUNDS);
	b = summarize(b_ns, ROUNDS);
	d = summarize(diff, ROUNDS);
	printf("| %s | %.1f | %.1f | **%.1f** (%.1f .. %.1f) |\n", name, a.median, b.median,
	       d.median, d.min, d.max);
	fflush(stdout);
}

static struct synlimit_bpf *load(__u32 max_sources)
{
	struct synlimit_bpf *skel = synlimit_bpf__open();
	__u32 taken_from;

	if (!skel)
		return NULL;
	source_tables_setup(skel, max_sources, 0, 0x5eed5eed5eedULL);
	if (synlimit_bpf__load(skel)) {
		fprintf(stderr, "bench_prog: cannot load synlimit (%u sources)\n", max_sources);
		synlimit_bpf__destroy(skel);
		return NULL;
	}
	/* BPF_PROG_TEST_RUN's packets come in on the loopback: its slot,
	 * claimed as attach claims an interface's, so that every row counts
	 * its packets in the interface's totals as an attached program does */
	if (iface_stats_claim(bpf_map__fd(skel->maps.iface_stats), if_nametoindex("lo"), 1,
			      &taken_from) < 0) {
		fprintf(stderr, "bench_prog: cannot claim the loopback's interface counters\n");
		synlimit_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * The key of the j-th IPv4 rule of a large table, all in 198.19.0.0/16:
 * its 65536 /32s, then its 32768 /31s, then its 16384 /30s (114688 keys).
 * None covers the measured sources of 198.18.0.0/16.
 */
static void v4_rule_key(struct rule_key *key, __u32 j)
{
	__u32 level = j < 65536 ? 0 : j < 98304 ? 1 : 2;
	__u32 first = level == 0 ? 0 : level == 1 ? 65536 : 98304;

	key->prefixlen = 128 - level;
	key->addr.u32[2] = htonl(0xffff);
	key->addr.u32[3] = htonl(0xc6130000U + (((j - first) << level) & 0xffff));
}

/* A table: def for everything, plus n extra /32s and wider (IPv4, n <= 114688)
 * or /64s (IPv6, v6_rules), 1000 a period, that the measured sources do not match. */
static int load_rules_with(struct synlimit_bpf *skel, const struct limit_spec *def, int n,
			   int v6_rules, int *table_fd_out)
{
	struct limit_entry *e = calloc((size_t)n + 1, sizeof(*e));
	struct limit_spec spec = *def;
	__u32 generation;
	const char *err;
	int i, fd, ret;

	if (!e)
		return -ENOMEM;
	rule_compile(&spec, &e[0].rule, &err); /* "*" */
	spec.limit_milli = 1000000;
	for (i = 1; i <= n; i++) {
		rule_compile(&spec, &e[i].rule, &err);
		if (v6_rules) { /* 2001:db8:I:I::/64 */
			e[i].key.prefixlen = 64;
			e[i].key.addr.u32[0] = htonl(0x20010db8);
			e[i].key.addr.u32[1] = htonl((__u32)i * 7919U);
		} else { /* in 198.19.0.0/16, away from the measured 198.18.0.0/16 */
			v4_rule_key(&e[i].key, (__u32)i - 1);
		}
	}
	generation = generation_next(skel, e, (size_t)n + 1);
	fd = limit_table_create(e, (size_t)n + 1);
	free(e);
	if (fd < 0)
		return fd;
	ret = limit_table_swap(bpf_map__fd(skel->maps.limit_tables), fd);
	if (!ret)
		ret = generation_set(skel, generation);
	if (table_fd_out)
		*table_fd_out = fd;
	else
		close(fd);
	return ret;
}

static int load_rules(struct synlimit_bpf *skel, __u64 default_milli, __u64 period_ns, int n,
		      int v6_rules, int *table_fd_out)
{
	struct limit_spec spec = { .action = RULE_LIMIT,
				   .limit_milli = default_milli,
				   .period_ns = period_ns,
				   .per_prefix = 128 };

	return load_rules_with(skel, &spec, n, v6_rules, table_fd_out);
}

/* A limit for everything, and one rule for 198.18.0.0/16 (where the
 * measured sources are) naming port (the packets go to port 25); port 0:
 * the same rule without a port. */
static int load_port_rules(struct synlimit_bpf *skel, __u16 port)
{
	static struct port_range range;
	struct limit_spec spec = { .action = RULE_LIMIT,
				   .limit_milli = 1000000000000ULL,
				   .period_ns = NSEC_PER_SEC,
				   .per_prefix = 128 };
	struct limit_entry e[2] = { { .key = { .prefixlen = 0 } } };
	__u32 generation;
	const char *err;

	range.lo = range.hi = port;
	rule_compile(&spec, &e[0].rule, &err);
	rule_compile(&spec, &e[1].rule, &err);
	e[1].rule.scope = 1;
	e[1].key.prefixlen = 96 + 16;
	e[1].key.addr.u32[2] = htonl(0xffff);
	e[1].key.addr.u32[3] = htonl(0xc6120000);
	e[1].ports = port ? &range : NULL;
	e[1].n_ports = port ? 1 : 0;
	generation = generation_next(skel, e, 2);
	return limit_table_install(bpf_map__fd(skel->maps.limit_tables),
				   bpf_map__fd(skel->maps.port_tables), e, 2)
		   ?: generation_set(skel, generation);
}

/* ---- the rows the per-packet targets are read from ----
 * The full run and --targets both measure them with these, so that every
 * pass of a target measures the same thing. */

/* 10 rules whose limits no row reaches: a source stays under its limit. */
static int load_rules_under_limit(struct synlimit_bpf *skel)
{
	return load_rules(skel, 1000000000000ULL, NSEC_PER_SEC, 10, 0, NULL);
}

/* 10 rules of 1 SYN a day (1/1d): a source is blocked at once. */
static int load_rules_blocking(struct synlimit_bpf *skel)
{
	return load_rules(skel, 1000, 86400 * NSEC_PER_SEC, 10, 0, NULL);
}

/* The non-SYN target's row, under load_rules_under_limit(). */
static void row_non_syn(int prog_fd)
{
	target_ns[TARGET_NON_SYN] =
	    row_same_packet("IPv4 TCP ACK (not a connection attempt)", prog_fd, &ack4);
	target_fast_ns[TARGET_NON_SYN] = row_fast_ns;
}

/* A known source under n_rules rules that it never reaches, loaded here:
 * the overhead (the target is read at 10 rules, where the full run starts). */
static double row_known_source(struct synlimit_bpf *skel, int n_rules)
{
	char name[128];

	load_rules(skel, 1000000000000ULL, NSEC_PER_SEC, n_rules, 0, NULL);
	snprintf(name, sizeof(name), "IPv4 SYN, known source under its limit, %d rules", n_rules);
	return row_same_packet(name, bpf_program__fd(skel->progs.synlimit_xdp), &syn4);
}

/* The blocked-source target's row; loads load_rules_blocking(), which the
 * rows after it keep. */
static void row_blocked_source(struct synlimit_bpf *skel)
{
	load_rules_blocking(skel);
	target_ns[TARGET_BLOCKED] = row_same_packet(
	    "IPv4 SYN, blocked source", bpf_program__fd(skel->progs.synlimit_xdp), &syn4_blocked);
	target_fast_ns[TARGET_BLOCKED] = row_fast_ns;
}

/* A table of 65536 entries under load_rules_under_limit(), filled past full
 * (in --quick too: the fill takes a fraction of a second, and the row's
 * name says the table is full). Two SYNs a source: the first is only
 * recorded (first_attempts), the second makes the entry. */
static struct synlimit_bpf *load_full_table(void)
{
	struct synlimit_bpf *skel = load(65536);
	char src[64];
	int i;

	if (!skel)
		return NULL;
	load_rules_under_limit(skel);
	for (i = 0; i < 70000; i++) {
		struct packet p;

		snprintf(src, sizeof(src), "2001:db8:2::%x:%x", i >> 16, i & 0xffff);
		make_packet(&p, PKT_IPV6, src, 0, 0);
		run_ns(bpf_program__fd(skel->progs.synlimit_xdp), &p, 1);
		run_ns(bpf_program__fd(skel->progs.synlimit_xdp), &p, 1);
	}
	return skel;
}

/* The new-source target's row, on a table from load_full_table(). */
static void row_new_sources_full_table(int prog_fd, struct bpf_object *flood)
{
	target_ns[TARGET_NEW_SOURCES] =
	    row_flood("IPv6 SYNs, new sources back to back (a spoofed flood), table full "
		      "(65536 entries)",
		      prog_fd, flood, "part_flood", &flood6);
	target_fast_ns[TARGET_NEW_SOURCES] = row_fast_ns;
}

#define YARDSTICK "yardstick: 85 ALU instructions, no memory (part_alu)"

/* --targets: the four rows, in the full run's order and setup, then the
 * yardstick, a program whose work never changes: what its time does across
 * the passes is what the machine did. */
static int targets_pass(struct bpf_object *flood)
{
	struct synlimit_bpf *skel = load(262144);
	double yardstick;
	int i;

	if (!skel)
		return -1;
	load_rules_under_limit(skel);
	row_non_syn(bpf_program__fd(skel->progs.synlimit_xdp));
	target_ns[TARGET_KNOWN] = row_known_source(skel, 10);
	target_fast_ns[TARGET_KNOWN] = row_fast_ns;
	row_blocked_source(skel);
	synlimit_bpf__destroy(skel);
	skel = load_full_table();
	if (!skel)
		return -1;
	row_new_sources_full_table(bpf_program__fd(skel->progs.synlimit_xdp), flood);
	synlimit_bpf__destroy(skel);
	yardstick = row_same_packet(YARDSTICK, part_fd(flood, "part_alu"), &ack4);
	for (i = 0; i < TARGETS; i++)
		printf("target\t%s\t%.1f\t%.0f\t%.1f\n", targets[i].text, target_ns[i],
		       targets[i].bound_ns, target_fast_ns[i]);
	printf("yardstick\t%s\t%.1f\t-\t%.1f\n", YARDSTICK, yardstick, row_fast_ns);
	return 0;
}

static long memlock_of(int fd)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* ---- two CPUs ---- */

struct worker {
	int prog_fd, cpu;
	const struct packet *p;
	__u32 repeat;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	run_ns(w->prog_fd, w->p, w->repeat);
	return NULL;
}

static double wall_mpps(int prog_fd, const struct packet *a, const struct packet *b, int cpus,
			__u32 repeat)
{
	struct worker w[2] = { { prog_fd, 0, a, repeat }, { prog_fd, 1, b, repeat } };
	pthread_t t[2];
	struct timespec t0, t1;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < cpus; i++)
		pthread_create(&t[i], NULL, work, &w[i]);
	for (i = 0; i < cpus; i++)
		pthread_join(t[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)repeat * cpus /
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) * 1e3;
}

static void row_scaling(const char *name, int prog_fd, const struct packet *a,
			const struct packet *b)
{
	__u32 repeat = quick ? 20000 : 1000000; /* 21 rounds of 1M: as 5 of 4M were */
	double one[ROUNDS], two[ROUNDS], ratio[ROUNDS];
	struct stat3 o, t, r;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		one[i] = wall_mpps(prog_fd, a, a, 1, repeat);
		two[i] = wall_mpps(prog_fd, a, b, 2, repeat);
		ratio[i] = two[i] / one[i];
	}
	o = summarize(one, ROUNDS);
	t = summarize(two, ROUNDS);
	r = summarize(ratio, ROUNDS);
	printf("| %s | %.2f | %.2f | **%.2f** (%.2f .. %.2f) |\n", name, o.median, t.median,
	       r.median, r.min, r.max);
	fflush(stdout);
}

/* ---- where the time goes ---- */

/*
 * The coarse clock's resolution (the step between the distinct values it
 * shows) and how far it lags the exact clock, sampled for 200 ms.
 */
static void coarse_clock_resolution(struct bpf_object *parts, const struct packet *p)
{
	int fd = part_fd(parts, "part_clock_sample");
	int now_fd = bpf_object__find_map_fd_by_name(parts, "part_clock_now");
	static double steps[4096], lags[65536];
	__u64 last = 0, first_exact = 0, exact = 0;
	__u32 coarse_key = 0, exact_key = 1;
	int i, n = 0, m = 0, over_tick = 0;
	struct stat3 s, l;

	do {
		__u64 coarse;

		run_ns(fd, p, 1);
		bpf_map_lookup_elem(now_fd, &coarse_key, &coarse);
		bpf_map_lookup_elem(now_fd, &exact_key, &exact);
		if (!first_exact)
			first_exact = exact;
		if (m < 65536)
			lags[m++] = (double)(exact - coarse) / 1e6;
		if (last && coarse != last && n < 4096)
			steps[n++] = (double)(coarse - last) / 1e6;
		last = coarse;
	} while (exact - first_exact < 200 * NSEC_PER_MSEC);
	if (!n) {
		printf("\nbpf_ktime_get_coarse_ns(): no step seen in 200 ms\n");
		return;
	}
	s = summarize(steps, n);
	for (i = 0; i < m; i++)
		over_tick += lags[i] > s.median;
	l = summarize(lags, m);
	printf("\nbpf_ktime_get_coarse_ns() resolution here: steps of %.3f ms (min %.3f, max "
	       "%.3f, %d steps in 200 ms); it lags bpf_ktime_get_ns() by %.3f ms at the median, "
	       "%.3f ms at most, more than one step in %d of %d samples.\n",
	       s.median, s.min, s.max, n, l.median, l.max, over_tick, m);
}

static int parts_rows(void)
{
	struct bpf_object *parts = bpf_object__open_file("build/bench_parts.bpf.o", NULL);
	struct limit_spec spec = { .action = RULE_LIMIT,
				   .limit_milli = 1000000000000ULL,
				   .period_ns = NSEC_PER_SEC,
				   .per_prefix = 128 };
	struct source_key key = { .prefixlen = 128 };
	struct source_state state = { .stamp_ns = 1ULL << 40, .value = 1ULL << 20 };
	struct rule rule;
	const char *err;
	__u32 zero = 0;

	printf("\n## Where a SYN's time goes\n\nThe pieces of the per-source work, each alone in "
	       "an XDP program (tests/bench/bench_parts.bpf.c), measured like the rows above; "
	       "this machine has no PMU for bpftool prog profile.\n\n");
	printf("| piece | bare XDP_DROP ns | piece + XDP_DROP ns | piece ns | ratio |\n"
	       "|---|---|---|---|---|\n");
	if (!parts || bpf_object__load(parts)) {
		fprintf(stderr, "bench_prog: cannot load build/bench_parts.bpf.o\n");
		return 1;
	}
	rule_compile(&spec, &rule, &err);
	state.shape = rule.shape;
	key.addr.u32[2] = htonl(0xffff);
	key.addr.u32[3] = htonl(0xc6120001);
	{
		/* the parts' tables use the object's own settings: seed 0, the
		 * default number of buckets of the sources table */
		__u64 h = source_key_hash(&key, 0);
		__u32 idx = source_hash_bucket(h, SOURCE_BUCKETS(SYNLIMIT_DEFAULT_SOURCES));
		struct source_bucket b = { 0 };

		b.head.tag[0] = source_hash_tag(h);
		b.head.key[0] = key;
		b.state[0] = state;
		bpf_map_update_elem(bpf_object__find_map_fd_by_name(parts, "sources"), &idx, &b,
				    BPF_ANY);
	}
	bpf_map_update_elem(bpf_object__find_map_fd_by_name(parts, "part_sources_lru"), &key,
			    &state, BPF_ANY);
	bpf_map_update_elem(bpf_object__find_map_fd_by_name(parts, "part_rule"), &zero, &rule,
			    BPF_ANY);
	bpf_map_update_elem(bpf_object__find_map_fd_by_name(parts, "part_state"), &zero, &state,
			    BPF_ANY);
	row_same_packet(YARDSTICK, part_fd(parts, "part_alu"), &syn4);
	row_same_packet("bpf_ktime_get_ns()", part_fd(parts, "part_clock"), &syn4);
	row_same_packet("bpf_ktime_get_coarse_ns()", part_fd(parts, "part_clock_coarse"), &syn4);
	row_same_packet("state table lookup (hash, bucket of 4 in an array, hit)",
			part_fd(parts, "part_lookup"), &syn4);
	row_same_packet("the same lookup in an LRU hash, for comparison",
			part_fd(parts, "part_lookup_lru"), &syn4);
	row_same_packet("bans trie lookup, no bans (every SYN's ban check)",
			part_fd(parts, "part_ban_lookup"), &syn4);
	row_same_packet("bpf_spin_lock + unlock (uncontended)", part_fd(parts, "part_lock"), &syn4);
	row_same_packet("atomic add to the rate (an attempt at the state's instant)",
			part_fd(parts, "part_atomic"), &syn4);
	row_same_packet("one EWMA step (rate.h, interval 1 us)", part_fd(parts, "part_ewma"),
			&syn4);
	/* fill the tables first, so that every insert evicts */
	run_ns(part_fd(parts, "part_insert"), &syn4, SYNLIMIT_DEFAULT_SOURCES + 10000);
	row_same_packet("lookup of a new source (262144 entries, full): its bucket's "
			"first-attempt line (tags and slot) out of cache",
			part_fd(parts, "part_miss"), &syn4);
	row_same_packet("first attempt of a new source: the lookup, then its record "
			"(one compare-and-swap)",
			part_fd(parts, "part_first"), &syn4);
	row_same_packet("insert of a new source (262144 entries, full and evicting)",
			part_fd(parts, "part_insert"), &syn4);
	run_ns(part_fd(parts, "part_insert_lru"), &syn4, 70000);
	row_same_packet("the same insert into an LRU hash (65536 entries), for comparison",
			part_fd(parts, "part_insert_lru"), &syn4);
	run_ns(part_fd(parts, "part_insert_percpu_lru"), &syn4, 70000);
	row_same_packet("the same into a per-CPU LRU (BPF_F_NO_COMMON_LRU), for comparison",
			part_fd(parts, "part_insert_percpu_lru"), &syn4);
	coarse_clock_resolution(parts, &syn4);
	bpf_object__close(parts);
	return 0;
}

/* obj's map that map stands for: the same name, or for an internal map
 * (named after its object) the same section. */
static struct bpf_map *same_map(struct bpf_object *obj, const struct bpf_map *map)
{
	const char *section = strchr(bpf_map__name(map), '.');
	struct bpf_map *m;

	if (!bpf_map__is_internal(map) || !section)
		return bpf_object__find_map_by_name(obj, bpf_map__name(map));
	bpf_object__for_each_map(m, obj)
	{
		const char *s = strchr(bpf_map__name(m), '.');

		if (bpf_map__is_internal(m) && s && !strcmp(s, section))
			return m;
	}
	return NULL;
}

/*
 * synlimit cut short at stage n of a new source's way (make bench builds
 * build/bench_cutN.bpf.o from bpf/synlimit.bpf.c with SYNLIMIT_BENCH_CUT=N),
 * loaded on skel's maps, its settings (.rodata) included, so that it sees
 * the same rules and the same full table; NULL if it cannot be loaded.
 */
static struct bpf_object *load_cut(struct synlimit_bpf *skel, int n)
{
	struct bpf_object *cut;
	struct bpf_map *map, *same;
	char path[64];

	snprintf(path, sizeof(path), "build/bench_cut%d.bpf.o", n);
	cut = bpf_object__open_file(path, NULL);
	if (!cut)
		return NULL;
	bpf_object__for_each_map(map, cut)
	{
		same = same_map(skel->obj, map);
		if (!same || bpf_map__reuse_fd(map, bpf_map__fd(same)))
			break;
	}
	if (map || bpf_object__load(cut)) {
		bpf_object__close(cut);
		return NULL;
	}
	return cut;
}

#define CUTS	    5
#define CUT_NON_SYN 6 /* the non-SYN way's cut */

/* Where a new source's time goes: the spoofed-flood row of the target, on
 * its full table, with synlimit cut short after each stage of the way
 * (load_cut), then whole. The cuts add no source, so the table is as full
 * for the whole program too, as in the target's row. */
static int rows_cuts(struct bpf_object *flood)
{
	static const char *const stage[CUTS] = {
		"classified (what every packet costs)",
		"+ the ban check, the flood cache and the rule lookup",
		"+ the keyed hash, the blocked table's bit and the clock",
		"+ cookie mode's check and the lookup of the bucket's line",
		"+ the new source's first rate step, on the stack",
	};
	char names[CUTS + 1][128];
	struct synlimit_bpf *skel;
	int i, any = 0;

	for (i = 0; i < CUTS; i++)
		snprintf(names[i], sizeof(names[i]), "new source, cut after stage %d: %s", i + 1,
			 stage[i]);
	snprintf(names[CUTS], sizeof(names[CUTS]),
		 "new source, the whole program (+ the first attempt's record)");
	printf("\n## Where a new source's time goes\n\nThe target's row (new sources back to "
	       "back, full table of 65536 entries) with synlimit cut short after each stage "
	       "(SYNLIMIT_BENCH_CUT in bpf/synlimit.bpf.c), then whole; measured like the rows "
	       "above.\n\n");
	printf("| synlimit | bare XDP_DROP ns | synlimit ns | overhead ns | ratio |\n"
	       "|---|---|---|---|---|\n");
	for (i = 0; i <= CUTS; i++)
		any |= wanted(names[i]);
	if (!any)
		return 0;
	skel = load_full_table();
	if (!skel)
		return -1;
	for (i = 0; i < CUTS; i++) {
		struct bpf_object *cut = load_cut(skel, i + 1);

		if (!cut) {
			fprintf(stderr, "bench_prog: cannot load build/bench_cut%d.bpf.o\n", i + 1);
			synlimit_bpf__destroy(skel);
			return -1;
		}
		row_flood(names[i], part_fd(cut, "synlimit_xdp"), flood, "part_flood", &flood6);
		bpf_object__close(cut);
	}
	row_flood(names[CUTS], bpf_program__fd(skel->progs.synlimit_xdp), flood, "part_flood",
		  &flood6);
	synlimit_bpf__destroy(skel);
	return 0;
}

/*
 * Where a non-SYN packet's time goes: the target's row (an IPv4 ACK, 10
 * rules) with synlimit cut short after its parse, then whole (+ its
 * counters), beside the yardstick, a fixed piece of work of about as many
 * instructions as the whole way.
 */
static int rows_cuts_non_syn(struct bpf_object *parts)
{
	static const char *const name[] = {
		"non-SYN, cut after stage 6: classified, nothing counted (the parse)",
		"non-SYN, the whole program (+ its class's count in the interface's counters)",
	};
	struct synlimit_bpf *skel;
	struct bpf_object *cut;

	printf("\n## Where a non-SYN packet's time goes\n\nThe non-SYN target's row (an IPv4 TCP "
	       "ACK, 10 rules) with synlimit cut short after its parse (SYNLIMIT_BENCH_CUT=%d), "
	       "then whole, and the yardstick, a fixed piece of work of about as many "
	       "instructions as the whole way; measured like the rows above.\n\n",
	       CUT_NON_SYN);
	printf("| synlimit | bare XDP_DROP ns | synlimit ns | overhead ns | ratio |\n"
	       "|---|---|---|---|---|\n");
	if (!wanted(name[0]) && !wanted(name[1]) && !wanted(YARDSTICK))
		return 0;
	skel = load(262144);
	if (!skel)
		return -1;
	load_rules_under_limit(skel);
	cut = load_cut(skel, CUT_NON_SYN);
	if (!cut) {
		fprintf(stderr, "bench_prog: cannot load build/bench_cut%d.bpf.o\n", CUT_NON_SYN);
		synlimit_bpf__destroy(skel);
		return -1;
	}
	row_same_packet(name[0], part_fd(cut, "synlimit_xdp"), &ack4);
	bpf_object__close(cut);
	row_same_packet(name[1], bpf_program__fd(skel->progs.synlimit_xdp), &ack4);
	row_same_packet(YARDSTICK, part_fd(parts, "part_alu"), &ack4);
	synlimit_bpf__destroy(skel);
	return 0;
}

static const char *verdict(double measured, double bound)
{
	return measured <= bound ? "met" : "**falls short**";
}

/* A target's row; fast: its fast figure (row_fast_ns), NAN for none. */
static void target_row(const char *target, double measured, double fast, double bound,
		       const char *unit)
{
	printf("| %s | %.1f %s | %s |", target, measured, unit, verdict(measured, bound));
	if (isnan(fast))
		printf(" - | |\n");
	else
		printf(" %.1f %s | %s |\n", fast, unit, verdict(fast, bound));
}

/* The rows of one table of 262144 entries, from no table to blocked sources. */
static void rows_known_and_blocked(struct synlimit_bpf *skel, struct bpf_object *flood)
{
	int i, prog_fd = bpf_program__fd(skel->progs.synlimit_xdp), rules[] = { 1000, 100000 };

	row_same_packet("IPv4 SYN, no limit table loaded", prog_fd, &syn4);
	{
		struct limit_entry allow = { .key = { .prefixlen = 0 },
					     .rule = { .action = RULE_ALLOW } };
		int fd = limit_table_create(&allow, 1);

		limit_table_swap(bpf_map__fd(skel->maps.limit_tables), fd);
		close(fd);
		row_same_packet("IPv4 SYN, allow rule (lookup, no state)", prog_fd, &syn4);
	}
	load_rules_under_limit(skel);
	row_non_syn(prog_fd);
	row_same_packet("IPv4 UDP", prog_fd, &udp4);
	target_ns[TARGET_KNOWN] = row_known_source(skel, 10);
	target_fast_ns[TARGET_KNOWN] = row_fast_ns;
	for (i = 0; i < 2; i++)
		row_known_source(skel, rules[i]);
	load_port_rules(skel, 80);
	row_same_packet("IPv4 SYN, known source, a port rule for another port", prog_fd, &syn4);
	load_port_rules(skel, 25);
	row_same_packet("IPv4 SYN, known source under its port's own rule", prog_fd, &syn4);
	{
		int bans_fd = bpf_map__fd(skel->maps.bans),
		    config_fd = bpf_map__fd(skel->maps.config);
		struct rule_key key = { .prefixlen = 128 };
		struct ban forever = { 0 };

		key.addr.u32[2] = htonl(0xffff);
		key.addr.u32[3] = htonl(0xc6120001); /* syn4's source */
		/* as the ban command makes it: the program looks bans up only
		 * where the config's mark says there are some */
		if (bans_add(bans_fd, config_fd, &key, 1, &forever) ||
		    run_verdict(prog_fd, &syn4) != XDP_DROP) {
			fprintf(stderr, "bench_prog: the banned source's SYN was not dropped\n");
			exit(1);
		}
		row_same_packet("IPv4 SYN, banned source", prog_fd, &syn4);
		bans_remove(bans_fd, config_fd, &key);
	}
	load_rules(skel, 1000000000000ULL, NSEC_PER_SEC, quick ? 1000 : 1000000, 1, NULL);
	row_same_packet(quick ? "IPv6 SYN, known source under its limit, 1000 IPv6 rules"
			      : "IPv6 SYN, known source under its limit, 1000000 IPv6 rules",
			prog_fd, &syn6);
	{
		/* the locked step with the exact clock, where the coarse one is not used */
		struct limit_spec spec = { .action = RULE_LIMIT,
					   .limit_milli = 1000000000000ULL,
					   .period_ns = NSEC_PER_SEC / 2,
					   .per_prefix = 128 };

		load_rules_with(skel, &spec, 10, 0, NULL);
		row_same_packet("IPv4 SYN, known source under its limit, ewma 500 ms period "
				"(exact clock, locked step)",
				prog_fd, &syn4);
		spec.algo = ALGO_BUCKET;
		spec.period_ns = NSEC_PER_SEC;
		load_rules_with(skel, &spec, 10, 0, NULL);
		row_same_packet("IPv4 SYN, known source under its limit, bucket (exact clock, "
				"locked step)",
				prog_fd, &syn4);
		/* 1/1d block=1d: blocked at once, then inside the window */
		spec.algo = ALGO_EWMA;
		spec.limit_milli = 1000;
		spec.period_ns = 86400 * NSEC_PER_SEC;
		spec.block_ns = 86400 * NSEC_PER_SEC;
		load_rules_with(skel, &spec, 10, 0, NULL);
		row_same_packet("IPv4 SYN, blocked source inside a block= window", prog_fd,
				&syn4_b2);
	}
	row_blocked_source(skel);
	row_same_packet("IPv6 SYN, blocked source", prog_fd, &syn6_blocked);
	row_flood("IPv6 SYNs from 1024 blocked sources in turn", prog_fd, flood, "part_flood_1k",
		  &flood6);
}

/* New sources into an empty table of 1M entries and a full one of 65536;
 * returns the full one, which the memory and two-CPU rows use. */
static struct synlimit_bpf *rows_new_sources(struct bpf_object *flood)
{
	int i, n_fresh = quick ? 2000 : 100000;
	struct packet *fresh = calloc(n_fresh, sizeof(*fresh));
	struct synlimit_bpf *skel = NULL;
	char src[64];

	if (!fresh)
		return NULL;
	for (i = 0; i < n_fresh; i++) { /* distinct packets */
		snprintf(src, sizeof(src), "2001:db8:1::%x:%x", i >> 16, i & 0xffff);
		make_packet(&fresh[i], PKT_IPV6, src, 0, 0);
	}
	skel = load(1 << 20);
	if (!skel)
		goto out;
	load_rules_under_limit(skel);
	row_new_sources("IPv6 SYN, new source, table empty (1M entries)",
			bpf_program__fd(skel->progs.synlimit_xdp), fresh, n_fresh);
	row_flood("IPv6 SYNs, new sources back to back (a spoofed flood), table of 1M entries",
		  bpf_program__fd(skel->progs.synlimit_xdp), flood, "part_flood", &flood6);
	synlimit_bpf__destroy(skel);
	skel = load_full_table();
	if (!skel)
		goto out;
	row_new_sources("IPv6 SYN, new source, table full (65536 entries)",
			bpf_program__fd(skel->progs.synlimit_xdp), fresh, n_fresh);
	row_new_sources_full_table(bpf_program__fd(skel->progs.synlimit_xdp), flood);
out:
	free(fresh);
	return skel;
}

/* Port rules against the same rule without a port. */
static int rows_port_rules(void)
{
	struct synlimit_bpf *ab[3] = { load(65536), load(65536), load(65536) };
	__u16 ports[3] = { 0, 80, 25 };
	int i, ret = 0;

	printf("\n## Port rules\n\nThree programs with one rule each for the measured source "
	       "(198.18.0.0/16 and a `*` limit): without a port (A), naming another port than the "
	       "SYN's (B), naming the SYN's port (C); run alternately, %d rounds, median (min .. "
	       "max) of the difference in ns.\n\n",
	       ROUNDS);
	printf("| case | A ns | B or C ns | difference ns |\n|---|---|---|---|\n");
	for (i = 0; i < 3; i++)
		if (!ab[i] || load_port_rules(ab[i], ports[i])) {
			fprintf(stderr, "bench_prog: cannot load the port rule tables\n");
			ret = -1;
			goto out;
		}
	row_ab("file with port rules, none for the SYN's port (B - A)",
	       bpf_program__fd(ab[0]->progs.synlimit_xdp),
	       bpf_program__fd(ab[1]->progs.synlimit_xdp), &syn4);
	row_ab("SYN under its port's own rule (C - A)", bpf_program__fd(ab[0]->progs.synlimit_xdp),
	       bpf_program__fd(ab[2]->progs.synlimit_xdp), &syn4);
out:
	for (i = 0; i < 3; i++)
		synlimit_bpf__destroy(ab[i]);
	return ret;
}

/* The memory rows of skel's tables; returns the bytes per tracked source. */
static double rows_memory(struct synlimit_bpf *skel)
{
	long src_mem = memlock_of(bpf_map__fd(skel->maps.sources));
	long first_mem = memlock_of(bpf_map__fd(skel->maps.first_attempts));
	__u32 first_cap = bpf_map__max_entries(skel->maps.first_attempts);
	long blk_mem = memlock_of(bpf_map__fd(skel->maps.blocked_sources));
	__u32 src_cap = bpf_map__max_entries(skel->maps.sources) * SOURCE_WAYS;
	__u32 blk_cap = bpf_map__max_entries(skel->maps.blocked_sources) * SOURCE_WAYS;
	long rules_mem, empty_mem;
	int n = quick ? 1000 : 100000, empty_fd, table_fd;

	printf("\n## Memory\n\nThe kernel's own accounting (fdinfo memlock) of the maps.\n\n");
	load_rules(skel, 1000, NSEC_PER_SEC, 0, 0, &empty_fd);
	empty_mem = memlock_of(empty_fd);
	close(empty_fd);
	load_rules(skel, 1000, NSEC_PER_SEC, n, 0, &table_fd);
	rules_mem = memlock_of(table_fd);
	close(table_fd);
	printf("| what | bytes |\n|---|---|\n");
	printf("| sources table, %u entries | %ld (%.1f per entry) |\n", src_cap, src_mem,
	       (double)src_mem / src_cap);
	printf("| first-attempt lines (a bucket's tags and slot), %u | %ld (%.1f per line) |\n",
	       first_cap, first_mem, (double)first_mem / first_cap);
	printf("| both, a tracked source's share | **%.1f per tracked source** |\n",
	       (double)(src_mem + first_mem) / src_cap);
	printf("| blocked table, %u entries | %ld (%.1f per blocked source) |\n", blk_cap, blk_mem,
	       (double)blk_mem / blk_cap);
	printf("| limit table, %d rules | %ld (**%.1f per rule**; 1 rule: %ld) |\n", n + 1,
	       rules_mem, (double)(rules_mem - empty_mem) / n, empty_mem);
	{
		/* what the same state costs in the kernel's LRU hash */
		int fd =
		    bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "lru_probe", sizeof(struct source_key),
				   sizeof(struct source_state), 65536, NULL);
		long lru_mem = fd >= 0 ? memlock_of(fd) : -1;

		printf("| for comparison: the same key and state in an LRU hash, 65536 "
		       "entries | %ld (%.1f per entry) |\n",
		       lru_mem, (double)lru_mem / 65536);
		if (fd >= 0)
			close(fd);
	}
	printf("| state tables at the default sizes (%u + %u) | %.1f MiB |\n",
	       SYNLIMIT_DEFAULT_SOURCES, SYNLIMIT_DEFAULT_BLOCKED,
	       ((double)(src_mem + first_mem) / src_cap * SYNLIMIT_DEFAULT_SOURCES +
		(double)blk_mem / blk_cap * SYNLIMIT_DEFAULT_BLOCKED) /
		   1048576);
	return (double)(src_mem + first_mem) / src_cap;
}

static void rows_two_cpus(struct synlimit_bpf *skel)
{
	int prog_fd = bpf_program__fd(skel->progs.synlimit_xdp);

	printf("\n## Two CPUs\n\nTwo threads pinned to CPU 0 and 1 running BPF_PROG_TEST_RUN, "
	       "against one thread; wall-clock Mpps, %d rounds.\n\n",
	       ROUNDS);
	printf("| case | 1 CPU Mpps | 2 CPUs Mpps | 2 CPUs / 1 CPU |\n|---|---|---|---|\n");
	load_rules_blocking(skel);
	row_scaling("bare XDP_DROP", bare_drop_fd, &syn4_blocked, &syn4_b2);
	row_scaling("synlimit, one blocked source on both CPUs", prog_fd, &syn4_blocked,
		    &syn4_blocked);
	row_scaling("synlimit, disjoint blocked sources", prog_fd, &syn4_blocked, &syn4_b2);
	load_rules_under_limit(skel);
	row_scaling("synlimit, one source under its limit on both CPUs", prog_fd, &syn4, &syn4);
	row_scaling("synlimit, disjoint sources under their limits", prog_fd, &syn4, &ack4);
}

/* The targets from this run's rows: each per-packet figure is one pass. */
static void targets_table(double bytes_per_source)
{
	int i;

	printf("\n## Targets (per-packet and memory), one pass\n\nEach per-packet figure is its "
	       "row above, measured once in this run of bench_prog; `make bench` measures these "
	       "rows again in passes spread over its whole run (\"Targets across the run\", at "
	       "the end of its report). Measured: the median of the row's rounds; fast "
	       "stretches: the first quartile of synlimit's rounds minus that of bare XDP_DROP's "
	       "(the yardstick's rows show what the machine's speed does to a fixed piece of "
	       "work).\n\n| target | measured | | fast stretches | |\n|---|---|---|---|---|\n");
	for (i = 0; i < TARGETS; i++)
		target_row(targets[i].text, target_ns[i], target_fast_ns[i], targets[i].bound_ns,
			   "ns");
	target_row("<= 96 bytes of kernel memory per tracked source", bytes_per_source, NAN, 96,
		   "bytes");
}

/* Every section, in the report's order. */
static int full_run(struct bpf_object *flood)
{
	struct synlimit_bpf *skel = load(262144);
	double bytes_per_source;

	printf("## Per-packet cost\n\n");
	printf("BPF_PROG_TEST_RUN, %s runs a figure, bare XDP_DROP and synlimit alternating, "
	       "%d rounds; overhead = synlimit - bare, median (min .. max) in ns.\n\n",
	       quick ? "10000" : "400000 (the floods 200000)", ROUNDS);
	printf("| case | bare XDP_DROP ns | synlimit ns | overhead ns | ratio "
	       "|\n|---|---|---|---|---|\n");
	if (!skel)
		return -1;
	rows_known_and_blocked(skel, flood);
	synlimit_bpf__destroy(skel);
	skel = rows_new_sources(flood);
	if (!skel)
		return -1;
	if (rows_port_rules() || parts_rows() || rows_cuts(flood) || rows_cuts_non_syn(flood)) {
		synlimit_bpf__destroy(skel);
		return -1;
	}
	bytes_per_source = rows_memory(skel);
	rows_two_cpus(skel);
	synlimit_bpf__destroy(skel);
	if (!only) /* with --only the rows the targets come from were not all measured */
		targets_table(bytes_per_source);
	return 0;
}

static void make_packets(void)
{
	make_packet(&ack4, PKT_IPV4, "198.18.0.1", 0, F_ACK);
	make_packet(&udp4, PKT_IPV4, "198.18.0.1", IPPROTO_UDP, 0);
	make_packet(&syn4, PKT_IPV4, "198.18.0.1", 0, 0);
	make_packet(&syn6, PKT_IPV6, "2001:db8::1", 0, 0);
	make_packet(&syn4_blocked, PKT_IPV4, "198.18.0.2", 0, 0);
	make_packet(&syn4_b2, PKT_IPV4, "198.18.0.3", 0, 0);
	make_packet(&syn6_blocked, PKT_IPV6, "2001:db8::2", 0, 0);
	make_packet(&flood6, PKT_IPV6, "2001:db8:3::", 0, 0); /* part_flood sets the rest */
}

/* The options of the usage comment at the top; 0, or 2 for a bad one. */
static int parse_options(int argc, char **argv)
{
	static const struct option opts[] = { { "quick", no_argument, NULL, 'q' },
					      { "parts", no_argument, NULL, 'p' },
					      { "targets", no_argument, NULL, 't' },
					      { "only", required_argument, NULL, 'o' },
					      { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = 1;
			break;
		case 'p':
			parts_only = 1;
			break;
		case 't':
			targets_only = 1;
			break;
		case 'o':
			only = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind == argc && parts_only + targets_only + !!only <= 1)
		return 0;
usage:
	fprintf(stderr, "usage: bench_prog [--quick] [--parts | --targets | --only TEXT]\n");
	return 2;
}

static struct bpf_object *open_object(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "bench_prog: cannot load %s\n", path);
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

int main(int argc, char **argv)
{
	struct bpf_object *bare = NULL, *flood = NULL;
	int ret = parse_options(argc, argv);

	if (ret)
		return ret;
	ret = 1;
	bare = open_object("build/xdp_bare.bpf.o");
	flood = open_object("build/bench_parts.bpf.o");
	if (!bare || !flood)
		goto out;
	bare_drop_fd = bpf_program__fd(bpf_object__find_program_by_name(bare, "xdp_drop"));
	make_packets();
	if (parts_only)
		ret = parts_rows() ? 1 : 0;
	else if (targets_only)
		ret = targets_pass(flood) ? 1 : 0;
	else
		ret = full_run(flood) ? 1 : 0;
out:
	bpf_object__close(flood);
	bpf_object__close(bare);
	return ret;
}
