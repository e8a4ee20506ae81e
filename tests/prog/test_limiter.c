// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The limiter in the real XDP program, through BPF_PROG_TEST_RUN with the
 * program's clock set by the test (cfg_fixed_clock): rule lookup, the
 * verdicts of every rule kind, aggregation, block windows, dry-run, reload,
 * events, eviction counting, blocked sources surviving a spoofed flood, the
 * same verdicts as the host functions on random traces, and two CPUs on one
 * source.
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "check.h"
#include "rng.h"
#include "limit_table.h"
#include "harness.h"
#include "pkt.h"
#include "rule.h"
#include "source_table.h"
#include "stats.h"
#include "synlimit.skel.h"
#include "synlimit/cookie.h"
#include "synlimit/rate.h"

#define SEC_NS	  NSEC_PER_SEC
#define T0	  (1000 * SEC_NS)
#define TEST_SEED 0x5eed5eed5eedULL

struct env {
	struct synlimit_bpf *skel;
	int prog_fd, stats_fd, tables_fd, clock_fd;
	__u64 base[STAT_MAX];
};

static int env_open(struct env *env, __u32 max_sources, __u32 max_blocked)
{
	memset(env, 0, sizeof(*env));
	env->skel = synlimit_bpf__open();
	if (!env->skel)
		return -errno;
	env->skel->rodata->cfg_fixed_clock = 1;
	source_tables_setup(env->skel, max_sources, max_blocked, TEST_SEED);
	if (synlimit_bpf__load(env->skel)) {
		synlimit_bpf__destroy(env->skel);
		env->skel = NULL;
		return -errno;
	}
	env->prog_fd = bpf_program__fd(env->skel->progs.synlimit_xdp);
	env->stats_fd = bpf_map__fd(env->skel->maps.stats);
	env->tables_fd = bpf_map__fd(env->skel->maps.limit_tables);
	env->clock_fd = bpf_map__fd(env->skel->maps.fixed_clock);
	return 0;
}

static void env_close(struct env *env)
{
	synlimit_bpf__destroy(env->skel);
	env->skel = NULL;
}

/* key's state in the sources table, or with blocked in the blocked table
 * (a struct blocked_state then). 0 or -ENOENT. */
static int find_state(struct synlimit_bpf *skel, const struct source_key *key, void *out,
		      int blocked)
{
	struct bpf_map *map = blocked ? skel->maps.blocked_sources : skel->maps.sources;

	return source_table_find(bpf_map__fd(map), bpf_map__max_entries(map), TEST_SEED, key, out,
				 blocked ? sizeof(struct blocked_state)
					 : sizeof(struct source_state),
				 blocked, bpf_map__fd(skel->maps.flood_cache));
}

/* A rule line: "KEY SPEC" is too much parser for here; tests build specs. */
struct test_rule {
	const char *key;
	struct limit_spec spec;
};

#define LIMIT(n, period_ms, ...)                                                                   \
	{                                                                                          \
		.action = RULE_LIMIT, .limit_milli = (n)*1000ULL,                                  \
		.period_ns = (period_ms)*NSEC_PER_MSEC, __VA_ARGS__                                \
	}
#define ALLOW                                                                                      \
	{                                                                                          \
		.action = RULE_ALLOW                                                               \
	}
#define DENY                                                                                       \
	{                                                                                          \
		.action = RULE_DENY                                                                \
	}

static int env_load(struct env *env, const struct test_rule *rules, size_t n)
{
	struct limit_entry *entries = calloc(n ? n : 1, sizeof(*entries));
	__u32 generation;
	size_t i;
	int fd, err = 0;

	for (i = 0; i < n && !err; i++) {
		const char *why = NULL;
		unsigned int prefix;
		struct limit_spec spec = rules[i].spec;

		if (!spec.per_prefix) /* not given: per host */
			spec.per_prefix = 128;

		err = addr_parse(rules[i].key, &entries[i].key.addr, &prefix, &why);
		entries[i].key.prefixlen = prefix;
		spec.line = i + 1;
		if (!err)
			err = rule_compile(&spec, &entries[i].rule, &why);
		if (err)
			fprintf(stderr, "rule %zu (%s): %s\n", i, rules[i].key, why);
	}
	generation = generation_next(env->skel, entries, n);
	fd = err ? err : limit_table_create(entries, n);
	free(entries);
	if (fd < 0)
		return fd;
	err = limit_table_swap(env->tables_fd, fd);
	close(fd);
	return err ? err : generation_set(env->skel, generation);
}

static void set_clock(struct env *env, __u64 now)
{
	__u32 zero = 0;

	bpf_map_update_elem(env->clock_fd, &zero, &now, BPF_ANY);
}

/* One SYN from src at time now; returns the XDP verdict (-1 on error). */
static int syn_at(struct env *env, const char *src, __u64 now)
{
	struct pkt_spec spec = { .l3 = strchr(src, ':') ? PKT_IPV6 : PKT_IPV4, .src = src };
	__u8 frame[PKT_MAX];
	size_t len = pkt_build(&spec, frame, sizeof(frame));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len, .repeat = 1);

	set_clock(env, now);
	if (bpf_prog_test_run_opts(env->prog_fd, &opts))
		return -1;
	return (int)opts.retval;
}

/* "P" or "D" for each of n SYNs from src at now (no time passes). */
static const char *burst(struct env *env, const char *src, __u64 now, int n)
{
	static char out[64];
	int i;

	for (i = 0; i < n && i < 63; i++)
		out[i] = syn_at(env, src, now) == XDP_DROP ? 'D' : 'P';
	out[i] = '\0';
	return out;
}

/* The verdict of one SYN as 'P' or 'D'. */
static char one(struct env *env, const char *src, __u64 now)
{
	return syn_at(env, src, now) == XDP_DROP ? 'D' : 'P';
}

static void mark(struct env *env)
{
	stats_read(env->stats_fd, -1, env->base);
}

static __u64 delta(struct env *env, enum synlimit_stat stat)
{
	return stat_since(env->stats_fd, env->base, stat);
}

/* A function, not a macro: `actual` sends packets and must run once. */
static int CHECK_STR(const char *name, const char *expected, const char *actual)
{
	return check(!strcmp(expected, actual), "%s: expected %s, got %s", name, expected, actual);
}

/* ---- rule lookup ---- */

static void test_lookup(struct env *env)
{
	static const struct test_rule rules[] = {
		{ "*", DENY },
		{ "0.0.0.0/0", LIMIT(100, 1000) },
		{ "198.18.0.0/16", ALLOW },
		{ "198.18.5.0/24", DENY },
		{ "198.18.5.7", LIMIT(2, 1000) },
		{ "2001:db8::/32", LIMIT(100, 1000) },
		{ "2001:db8:a::/48", ALLOW },
		{ "2001:db8:a:b::/64", DENY },
	};
	static const struct {
		const char *src;
		int verdict;
		enum synlimit_stat outcome;
	} cases[] = {
		{ "198.18.9.9", XDP_PASS, STAT_SYN_ALLOWED },	     /* /16 allow */
		{ "198.18.5.9", XDP_DROP, STAT_SYN_DROP_DENY },	     /* /24 deny beats /16 */
		{ "198.18.5.7", XDP_PASS, STAT_SYN_PASSED },	     /* /32 limit beats /24 */
		{ "198.19.0.1", XDP_PASS, STAT_SYN_PASSED },	     /* IPv4 0.0.0.0/0 */
		{ "2001:db8:1::1", XDP_PASS, STAT_SYN_PASSED },	     /* /32 limit */
		{ "2001:db8:a::1", XDP_PASS, STAT_SYN_ALLOWED },     /* /48 allow */
		{ "2001:db8:a:b::1", XDP_DROP, STAT_SYN_DROP_DENY }, /* /64 deny */
	};
	size_t i;

	if (!check(env_load(env, rules, sizeof(rules) / sizeof(rules[0])) == 0,
		   "lookup: load 8 rules"))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int verdict;

		mark(env);
		verdict = syn_at(env, cases[i].src, T0);
		check(verdict == cases[i].verdict && delta(env, cases[i].outcome) == 1 &&
			  delta(env, STAT_SYN) == 1,
		      "lookup: %s -> %s +1 (%s): got verdict %d, %s +%llu", cases[i].src,
		      stat_name(cases[i].outcome), cases[i].verdict == XDP_DROP ? "drop" : "pass",
		      verdict, stat_name(cases[i].outcome),
		      (unsigned long long)delta(env, cases[i].outcome));
	}

	/* an IPv6 header with an IPv4-mapped source never reaches the rules:
	 * it would be counted as the IPv4 host */
	mark(env);
	check(syn_at(env, "::ffff:198.18.5.7", T0) == XDP_DROP &&
		  delta(env, STAT_BAD_V4MAPPED) == 1 && delta(env, STAT_SYN) == 0,
	      "lookup: an IPv6 SYN from ::ffff:198.18.5.7 is dropped as bad_v4mapped_source "
	      "(+%llu), not looked up (syn +%llu)",
	      (unsigned long long)delta(env, STAT_BAD_V4MAPPED),
	      (unsigned long long)delta(env, STAT_SYN));

	/* "*" is ::/0: covers IPv6 outside 2001:db8::/32, IPv4 has its own /0
	 * (0.0.0.0/0 = ::ffff:0:0/96) which is longer and wins */
	{
		static const struct test_rule v4only[] = { { "0.0.0.0/0", DENY } };

		env_load(env, v4only, 1);
		mark(env);
		check(syn_at(env, "2001:db8:1::1", T0) == XDP_PASS &&
			  delta(env, STAT_SYN_NO_RULE) == 1,
		      "lookup: no rule matches an IPv6 source under an IPv4-only table: pass, "
		      "syn_no_rule +1 (got +%llu)",
		      (unsigned long long)delta(env, STAT_SYN_NO_RULE));
		mark(env);
		check(syn_at(env, "198.18.0.1", T0) == XDP_DROP &&
			  delta(env, STAT_SYN_DROP_DENY) == 1,
		      "lookup: 0.0.0.0/0 covers every IPv4 source (deny +%llu)",
		      (unsigned long long)delta(env, STAT_SYN_DROP_DENY));
	}
	{
		mark(env);
		env_load(env, NULL, 0);
		check(syn_at(env, "198.18.0.1", T0) == XDP_PASS &&
			  delta(env, STAT_SYN_NO_RULE) == 1,
		      "lookup: an empty table passes everything: syn_no_rule +%llu",
		      (unsigned long long)delta(env, STAT_SYN_NO_RULE));
	}
}

/* ---- limits, aggregation, block, dry-run ---- */

static void test_limits(struct env *env)
{
	static const struct test_rule rules[] = {
		{ "198.18.1.0/24", LIMIT(3, 1000) },
		{ "198.18.2.0/24", LIMIT(3, 1000, .leaky = 1) },
		{ "198.18.100.0/22", LIMIT(3, 1000, .per_prefix = 96 + 24) },
		{ "2001:db8:64::/48", LIMIT(2, 1000, .per_prefix = 64) },
		{ "198.18.3.0/24", LIMIT(2, 1000, .block_ns = 10 * SEC_NS) },
		{ "198.18.4.0/24", LIMIT(2, 1000, .dry_run = 1) },
		{ "198.18.6.0/24", { .action = RULE_DENY, .dry_run = 1 } },
		{ "198.18.7.0/24", LIMIT(3, 1000, .algo = ALGO_BUCKET, .burst = 3, .leaky = 1) },
	};
	char seq[8];

	if (!check(env_load(env, rules, sizeof(rules) / sizeof(rules[0])) == 0,
		   "limits: load 8 rules"))
		return;

	/* no time passes: every attempt adds exactly 1 to the rate */
	mark(env);
	CHECK_STR("3/1s strict, 6 simultaneous SYNs", "PPDDDD", burst(env, "198.18.1.1", T0, 6));
	check(delta(env, STAT_SYN_PASSED) == 2 && delta(env, STAT_SYN_DROP_LIMIT) == 4 &&
		  delta(env, STAT_BLOCKED_INSERTS) == 1,
	      "3/1s strict: syn_passed +2, syn_dropped_limit +4, blocked_inserts +1 (got +%llu, "
	      "+%llu, +%llu)",
	      (unsigned long long)delta(env, STAT_SYN_PASSED),
	      (unsigned long long)delta(env, STAT_SYN_DROP_LIMIT),
	      (unsigned long long)delta(env, STAT_BLOCKED_INSERTS));
	/* strict: the 4 drops counted, rate 6 at T0; leaky: rate stays 2 */
	CHECK_STR("3/1s strict, 0.5s later (rate 6 decayed to 3.6+)", "D",
		  burst(env, "198.18.1.1", T0 + SEC_NS / 2, 1));
	CHECK_STR("3/1s leaky, 6 simultaneous SYNs", "PPDDDD", burst(env, "198.18.2.1", T0, 6));
	CHECK_STR("3/1s leaky, 0.5s later (rate 2 decayed)", "P",
		  burst(env, "198.18.2.1", T0 + SEC_NS / 2, 1));

	mark(env);
	seq[0] = one(env, "198.18.100.1", T0);
	seq[1] = one(env, "198.18.100.2", T0);
	seq[2] = one(env, "198.18.100.3", T0);
	seq[3] = '\0';
	CHECK_STR("per=/24: .1 .2 .3 of one /24 share a limit of 3", "PPD", seq);
	CHECK_STR("per=/24: another /24 under the same rule has its own", "P",
		  burst(env, "198.18.101.1", T0, 1));
	/* .1 is the /24's first attempt, .2 its second, which makes its
	 * entry; another /24's first is only recorded */
	CHECK_EQ_U64("per=/24: one entry made, at the /24's second attempt (source_inserts)", 1,
		     delta(env, STAT_SOURCE_INSERTS));
	CHECK_EQ_U64("per=/24: two first attempts recorded (source_first_attempts)", 2,
		     delta(env, STAT_SOURCE_FIRST));
	seq[0] = one(env, "2001:db8:64:1::1", T0);
	seq[1] = one(env, "2001:db8:64:1::2", T0);
	seq[2] = '\0';
	CHECK_STR("per=/64: two hosts of one /64 share a limit of 2", "PD", seq);
	CHECK_STR("per=/64: another /64 has its own", "P", burst(env, "2001:db8:64:2::1", T0, 1));

	mark(env);
	CHECK_STR("block=10s: over the limit", "PD", burst(env, "198.18.3.1", T0, 2));
	CHECK_STR("block=10s: 3s later the rate is low, the block holds", "DD",
		  burst(env, "198.18.3.1", T0 + 3 * SEC_NS, 2));
	CHECK_EQ_U64("block=10s: syn_dropped_block counts the drops inside the window", 2,
		     delta(env, STAT_SYN_DROP_BLOCK));
	CHECK_STR("block=10s: 10.5s later the block is over", "P",
		  burst(env, "198.18.3.1", T0 + 10 * SEC_NS + SEC_NS / 2, 1));
	CHECK_EQ_U64("block=10s: back in the sources table (blocked_deletes)", 1,
		     delta(env, STAT_BLOCKED_DELETES));

	mark(env);
	CHECK_STR("dry-run 2/1s: nothing dropped", "PPPP", burst(env, "198.18.4.1", T0, 4));
	CHECK_EQ_U64("dry-run 2/1s: syn_would_drop", 3, delta(env, STAT_SYN_WOULD_DROP));
	CHECK_STR("dry-run deny: nothing dropped", "PP", burst(env, "198.18.6.1", T0, 2));
	CHECK_EQ_U64("dry-run: syn_would_drop after the deny", 5, delta(env, STAT_SYN_WOULD_DROP));
	CHECK_EQ_U64("dry-run: syn_dropped_*", 0,
		     delta(env, STAT_SYN_DROP_LIMIT) + delta(env, STAT_SYN_DROP_DENY));

	CHECK_STR("bucket 3/1s burst=3 leaky: 5 simultaneous", "PPPDD",
		  burst(env, "198.18.7.1", T0, 5));
	CHECK_STR("bucket 3/1s burst=3 leaky: one token back after 1/3 s", "PD",
		  burst(env, "198.18.7.1", T0 + SEC_NS / 3 + 1, 2));
}

/* A reload keeps every source's history; a changed period starts afresh. */
static void test_reload_keeps_history(struct env *env)
{
	static const struct test_rule before[] = { { "198.18.8.0/24", LIMIT(3, 1000) } };
	static const struct test_rule same[] = { { "198.18.9.0/24", ALLOW },
						 { "198.18.8.0/24", LIMIT(3, 1000) } };
	static const struct test_rule higher[] = { { "198.18.8.0/24", LIMIT(10, 1000) } };
	static const struct test_rule period[] = { { "198.18.8.0/24", LIMIT(3, 2000) } };

	env_load(env, before, 1);
	CHECK_STR("reload: 2 of 3 used before the reload", "PP", burst(env, "198.18.8.1", T0, 2));
	env_load(env, same, 2);
	CHECK_STR("reload: same limit in a new table, the 3rd is over", "D",
		  burst(env, "198.18.8.1", T0, 1));
	env_load(env, higher, 1);
	CHECK_STR("reload: limit raised to 10, rate 3 is under it", "P",
		  burst(env, "198.18.8.1", T0, 1));
	env_load(env, period, 1);
	CHECK_STR("reload: period changed, the source starts afresh (rate 1, 2, 3)", "PPD",
		  burst(env, "198.18.8.1", T0, 3));
}

/* ---- events ---- */

struct event_log {
	int blocks, unblocks;
	char last_addr[ADDR_TEXT_MAX];
	__u32 last_line;
	__u64 last_drops;
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct event_log *log = ctx;
	const struct synlimit_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == EVENT_BLOCK)
		log->blocks++;
	else if (ev->type == EVENT_UNBLOCK)
		log->unblocks++;
	addr_format(&ev->addr, ev->prefixlen, log->last_addr, sizeof(log->last_addr));
	log->last_line = ev->line;
	log->last_drops = ev->drops;
	return 0;
}

static void test_events(struct env *env)
{
	static const struct test_rule rules[] = { { "198.18.0.0/16", LIMIT(1, 1000) },
						  { "198.18.10.0/24", LIMIT(2, 1000) } };
	struct event_log log = { 0 };
	struct ring_buffer *rb;
	/* later than any earlier test: the event budget follows the clock */
	const __u64 te = T0 + 2000 * SEC_NS;
	char src[32];
	int i;

	rb = ring_buffer__new(bpf_map__fd(env->skel->maps.events), on_event, &log, NULL);
	if (!check(rb != NULL, "events: open the ring buffer"))
		return;
	env_load(env, rules, 2);
	ring_buffer__consume(rb);
	memset(&log, 0, sizeof(log));

	mark(env);
	burst(env, "198.18.10.1", te, 4);
	ring_buffer__consume(rb);
	check(log.blocks == 1 && !strcmp(log.last_addr, "198.18.10.1") && log.last_line == 2,
	      "events: one block event for 198.18.10.1, rule line 2 (got %d, %s, line %u)",
	      log.blocks, log.last_addr, log.last_line);
	burst(env, "198.18.10.1", te + 5 * SEC_NS, 1);
	ring_buffer__consume(rb);
	check(log.unblocks == 1 && log.last_drops == 3,
	      "events: one unblock event carrying the episode's 3 drops (got %d, %llu)",
	      log.unblocks, (unsigned long long)log.last_drops);

	/* 100 sources blocked at one instant: the per-CPU budget is 64 */
	memset(&log, 0, sizeof(log));
	mark(env);
	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "198.18.20.%d", i + 1);
		syn_at(env, src, te + 100 * SEC_NS);
	}
	ring_buffer__consume(rb);
	check(log.blocks == 64 && delta(env, STAT_EVENTS_SENT) == 64 &&
		  delta(env, STAT_EVENTS_SUPPRESSED) == 36,
	      "events: 100 blocks at once: 64 sent (burst), 36 suppressed (got %d, sent +%llu, "
	      "suppressed +%llu)",
	      log.blocks, (unsigned long long)delta(env, STAT_EVENTS_SENT),
	      (unsigned long long)delta(env, STAT_EVENTS_SUPPRESSED));
	ring_buffer__free(rb);
}

/*
 * Another CPU may stamp a block window a moment after this CPU read its
 * clock: an attempt whose time is just before hold_ns is inside the window
 * (a drop of the block), and the window stays where it is.
 */
static void test_block_window_clock_skew(struct env *env)
{
	static const struct test_rule rules[] = {
		{ "198.18.30.0/24", LIMIT(2, 1000, .block_ns = 10 * SEC_NS) },
	};
	const __u64 t = T0 + 5000 * SEC_NS;
	struct source_key key = { .prefixlen = 128 };
	struct blocked_state blk = { 0 };
	unsigned int prefix;
	const char *why;

	if (!check(env_load(env, rules, 1) == 0, "clock skew: load the rule"))
		return;
	CHECK_STR("clock skew: 2/1s block=10s, blocked at t", "PD",
		  burst(env, "198.18.30.1", t, 2));
	mark(env);
	CHECK_STR("clock skew: an attempt stamped 1us before the window opened is dropped", "D",
		  burst(env, "198.18.30.1", t - 1000, 1));
	check(delta(env, STAT_SYN_DROP_BLOCK) == 1 && delta(env, STAT_SYN_DROP_LIMIT) == 0,
	      "clock skew: it is a drop of the block (syn_dropped_block +1, syn_dropped_limit "
	      "+0; got +%llu, +%llu)",
	      (unsigned long long)delta(env, STAT_SYN_DROP_BLOCK),
	      (unsigned long long)delta(env, STAT_SYN_DROP_LIMIT));
	addr_parse("198.18.30.1", &key.addr, &prefix, &why);
	if (check(!find_state(env->skel, &key, &blk, 1),
		  "clock skew: the source is in the blocked table"))
		CHECK_EQ_U64("clock skew: the window did not move back (hold_ns)", t, blk.hold_ns);
}

/* A source's state as the program left it, from either table. */
static int state_of(struct env *env, const char *src, struct blocked_state *out)
{
	struct source_key key = { .prefixlen = 128 };
	unsigned int prefix;
	const char *err;

	memset(out, 0, sizeof(*out));
	addr_parse(src, &key.addr, &prefix, &err);
	if (!find_state(env->skel, &key, out, 1))
		return 1;
	return find_state(env->skel, &key, &out->state, 0) ? -1 : 0;
}

/* src's blocked entry as the blocked table holds it, without the drops
 * the flood cache has not folded into it yet. 0 or -ENOENT. */
static int raw_blocked_of(struct env *env, const char *src, struct blocked_state *out)
{
	struct bpf_map *map = env->skel->maps.blocked_sources;
	struct source_key key = { .prefixlen = 128 };
	unsigned int prefix;
	const char *err;

	addr_parse(src, &key.addr, &prefix, &err);
	return source_table_find(bpf_map__fd(map), bpf_map__max_entries(map), TEST_SEED, &key, out,
				 sizeof(*out), 1, -1);
}

/* ---- the flood cache: drops decided with no rule lookup ---- */

/* Over every CPU's flood cache entries for src: the SYNs they decided,
 * or with known, how many of them point to a state under its limit. */
static __u64 cache_count(struct env *env, const char *src, int known)
{
	int fd = bpf_map__fd(env->skel->maps.flood_cache), ncpu = libbpf_num_possible_cpus(), c, i;
	struct flood_block *per_cpu = calloc(ncpu > 0 ? ncpu : 1, sizeof(*per_cpu));
	union synlimit_addr addr;
	unsigned int prefix;
	const char *why;
	__u64 sum = 0;
	__u32 slot;

	addr_parse(src, &addr, &prefix, &why);
	for (slot = 0; per_cpu && slot < FLOOD_BLOCKS * FLOOD_BLOCK_ENTRIES;
	     slot += FLOOD_BLOCK_ENTRIES)
		if (!flood_cache_block(fd, slot, per_cpu))
			for (c = 0; c < ncpu; c++)
				for (i = 0; i < FLOOD_BLOCK_ENTRIES; i++) {
					const struct flood_entry *e = &per_cpu[c].e[i];

					if (e->generation && !memcmp(&e->src, &addr, 16))
						sum += known ? e->known : e->hits;
				}
	free(per_cpu);
	return sum;
}

static __u64 cache_hits(struct env *env, const char *src)
{
	return cache_count(env, src, 0);
}

/* Buckets of the blocked table whose occupancy bit does not say whether
 * they hold an entry. */
static int occupancy_mismatches(struct synlimit_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.blocked_sources);
	int bits_fd = bpf_map__fd(skel->maps.blocked_occupancy);
	__u32 i, word, buckets = bpf_map__max_entries(skel->maps.blocked_sources);
	struct blocked_bucket b;
	int bad = 0;
	__u64 bits;

	for (i = 0; i < buckets; i++) {
		word = i / 64;
		if (bpf_map_lookup_elem(fd, &i, &b) || bpf_map_lookup_elem(bits_fd, &word, &bits))
			return -1;
		bad += !!(bits >> (i % 64) & 1) !=
		       !!(b.head.tag[0] | b.head.tag[1] | b.head.tag[2] | b.head.tag[3]);
	}
	return bad;
}

/* Ways of the sources table whose tag the bucket's first-attempt line
 * does not copy (-1: unreadable). */
static int line_mismatches(struct synlimit_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.sources), lines_fd = bpf_map__fd(skel->maps.first_attempts);
	__u32 i, buckets = bpf_map__max_entries(skel->maps.sources);
	struct first_line line;
	struct source_bucket b;
	int bad = 0, w;

	for (i = 0; i < buckets; i++) {
		if (bpf_map_lookup_elem(fd, &i, &b) || bpf_map_lookup_elem(lines_fd, &i, &line))
			return -1;
		for (w = 0; w < SOURCE_WAYS; w++)
			bad += b.head.tag[w] != line.tag[w];
	}
	return bad;
}

/* One SYN from each of the flood cache test's sources at now. */
static const char *seq_of(struct env *env, __u64 now)
{
	static const char *const srcs[] = { "198.18.40.1", "198.18.41.1", "198.18.42.1",
					    "198.18.43.1", "198.18.44.1" };
	static char seq[6];
	int i;

	for (i = 0; i < 5; i++)
		seq[i] = one(env, srcs[i], now);
	seq[5] = '\0';
	return seq;
}

/* SYNs from a, b, a, b at now. */
static const char *seq2(struct env *env, const char *a, const char *b, __u64 now)
{
	static char seq[5];

	seq[0] = one(env, a, now);
	seq[1] = one(env, b, now);
	seq[2] = one(env, a, now);
	seq[3] = one(env, b, now);
	seq[4] = '\0';
	return seq;
}

/* The flood cache's set of an address, as the program computes it. */
static __u32 flood_set(const char *src)
{
	union synlimit_addr a;
	unsigned int prefix;
	const char *why;

	addr_parse(src, &a, &prefix, &why);
	return flood_cache_set(&a, TEST_SEED);
}

/* Two blocked sources of one set of the flood cache both stay in it. */
static void test_flood_cache_set(struct env *env, __u64 t)
{
	char a[32] = "198.19.0.1", b[32] = "";
	int i;

	for (i = 2; i < 65536 && !b[0]; i++) {
		snprintf(b, sizeof(b), "198.19.%d.%d", i / 256, i % 256);
		if (i % 256 == 0 || flood_set(b) != flood_set(a))
			b[0] = '\0';
	}
	if (!check(b[0], "flood cache: a source of the same set as %s", a))
		return;
	CHECK_STR("flood cache: two sources of one set blocked", "PPDD", seq2(env, a, b, t));
	CHECK_STR("flood cache: ...then in turns", "DDDD", seq2(env, a, b, t));
	CHECK_EQ_U64("flood cache: the first kept its entry (hits)", 2, cache_hits(env, a));
	CHECK_EQ_U64("flood cache: the second kept its entry (hits)", 2, cache_hits(env, b));
}

/*
 * A per-host source's drops beyond the first FLOOD_SHARED_DROPS (64) of an
 * episode are counted in the CPU's own cache entry; the full way folds them
 * into the blocked entry before the rate moves to the next instant.
 */
static void test_flood_own_counts(struct env *env, __u64 t)
{
	static const struct test_rule rules[] = { { "198.18.45.0/24", LIMIT(2, 1000) } };
	const char *src = "198.18.45.1";
	struct blocked_state raw, seen;
	struct limit_spec spec = rules[0].spec;
	struct source_state host = { 0 };
	struct rule compiled;
	const char *why;
	int i, drops = 0;

	if (!check(env_load(env, rules, 1) == 0, "own counts: load 2/1s per host"))
		return;
	for (i = 0; i < 200; i++)
		drops += syn_at(env, src, t) == XDP_DROP;
	CHECK_EQ_U64("own counts: 200 SYNs at one instant, all but the first dropped", 199, drops);
	if (!check(raw_blocked_of(env, src, &raw) == 0 && state_of(env, src, &seen) == 1,
		   "own counts: the source is blocked"))
		return;
	/* the first drop and 63 by the cache in the shared entry: 64 drops,
	 * a rate of 2 + 63; the other 135 in this CPU's entry */
	CHECK_EQ_U64("own counts: the blocked entry itself holds the first 64 drops", 64,
		     raw.drops);
	CHECK_EQ_U64("own counts: ...and their attempts (rate 65.0)", 65ULL << 16, raw.state.value);
	CHECK_EQ_U64("own counts: shown with the cache's, every drop (199)", 199, seen.drops);
	CHECK_EQ_U64("own counts: shown with the cache's, every attempt (rate 200.0)", 200ULL << 16,
		     seen.state.value);

	/* the next tick: the cache folds every CPU's counts, then steps the
	 * rate from 200; its own drop is in its own counts again */
	CHECK_STR("own counts: at the next tick, dropped", "D",
		  burst(env, src, t + 4 * NSEC_PER_MSEC, 1));
	spec.per_prefix = 128;
	if (!check(rule_compile(&spec, &compiled, &why) == 0, "own counts: the rule compiles"))
		return;
	host.shape = compiled.shape;
	host.stamp_ns = t;
	host.value = 200ULL << 16;
	rate_step(&host, &compiled, t + 4 * NSEC_PER_MSEC);
	if (!check(raw_blocked_of(env, src, &raw) == 0, "own counts: still blocked"))
		return;
	CHECK_EQ_U64("own counts: folded, the blocked entry holds the 199 drops before it", 199,
		     raw.drops);
	CHECK_EQ_U64(
	    "own counts: ...and the rate of 200 attempts, stepped 4 ms on (host rate_step)",
	    host.value, raw.state.value);
	state_of(env, src, &seen);
	CHECK_EQ_U64("own counts: shown, all 200", 200, seen.drops);
}

/* n SYNs from src at now; how many were dropped. */
static int drops_of(struct env *env, const char *src, __u64 now, int n)
{
	int i, drops = 0;

	for (i = 0; i < n; i++)
		drops += syn_at(env, src, now) == XDP_DROP;
	return drops;
}

/* Drops of src's blocked entry: as the table holds it (raw) and as shown. */
static void check_drops(struct env *env, const char *what, const char *src, __u64 raw_want,
			__u64 shown_want)
{
	struct blocked_state raw = { 0 }, seen = { 0 };

	raw_blocked_of(env, src, &raw);
	state_of(env, src, &seen);
	check(raw.drops == raw_want && seen.drops == shown_want,
	      "%s: the blocked entry holds %llu drops, shown %llu (expected %llu, %llu)", what,
	      (unsigned long long)raw.drops, (unsigned long long)seen.drops,
	      (unsigned long long)raw_want, (unsigned long long)shown_want);
}

/* Move every CPU's own counts for src up to just below 2^32 (the gaps
 * kept), so that the next counts wrap. */
static int flood_counts_near_wrap(struct env *env, const char *src)
{
	int fd = bpf_map__fd(env->skel->maps.flood_cache), ncpu = libbpf_num_possible_cpus(), c, i;
	struct flood_block *b = calloc(ncpu > 0 ? ncpu : 1, sizeof(*b));
	__u32 slot = flood_set(src) * FLOOD_CACHE_WAYS, block = slot / FLOOD_BLOCK_ENTRIES;
	union synlimit_addr addr;
	unsigned int prefix;
	const char *why;
	int moved = 0;

	addr_parse(src, &addr, &prefix, &why);
	if (!b || flood_cache_block(fd, slot, b)) {
		free(b);
		return 0;
	}
	for (c = 0; c < ncpu; c++)
		for (i = 0; i < FLOOD_CACHE_WAYS; i++) {
			struct flood_entry *e = &b[c].e[(slot + i) % FLOOD_BLOCK_ENTRIES];
			__u32 gap_d = e->drops - (__u32)e->folded;
			__u32 gap_a = e->adds - (__u32)(e->folded >> 32);

			if (!e->own_counts || memcmp(&e->src, &addr, sizeof(addr)))
				continue;
			e->folded = 0xfffffff0ULL << 32 | 0xfffffff0U;
			e->drops = 0xfffffff0U + gap_d;
			e->adds = 0xfffffff0U + gap_a;
			moved++;
		}
	bpf_map_update_elem(fd, &block, b, BPF_ANY);
	free(b);
	return moved;
}

/* A CPU refilling its entry for another source first gives the old one
 * its own counts; counts near 2^32 wrap in the program and the controller. */
static void test_flood_own_refill(struct env *env, __u64 t)
{
	char a[32] = "198.19.200.1", b[32] = "", c[32] = "";
	int i;

	for (i = 0; i < 65536 && !c[0]; i++) {
		char *slot = b[0] ? c : b;

		snprintf(slot, sizeof(b), "198.19.%d.%d", 201 + i / 256, i % 256);
		if (i % 256 == 0 || flood_set(slot) != flood_set(a))
			slot[0] = '\0';
	}
	if (!check(c[0], "own counts: two sources of the same set as %s", a))
		return;
	static const struct test_rule rules[] = { { "198.19.0.0/16", LIMIT(2, 1000) } };
	__u64 dropped;

	if (!check(env_load(env, rules, 1) == 0, "own counts, refill: load 2/1s"))
		return;
	dropped = drops_of(env, a, t, 100);
	CHECK_EQ_U64("own counts, refill: 100 SYNs from the first at one instant, 99 dropped", 99,
		     dropped);
	check_drops(env, "own counts, refill: before", a, 64, 99);
	CHECK_STR("own counts, refill: the second blocked a tick later", "PD",
		  burst(env, b, t + 4 * NSEC_PER_MSEC, 2));
	CHECK_STR("own counts, refill: the third too, in the first's cache entry", "PD",
		  burst(env, c, t + 4 * NSEC_PER_MSEC, 2));
	check_drops(env, "own counts, refill: the first's counts went to its entry", a, 99, 99);

	dropped = drops_of(env, "198.19.210.1", t, 100);
	CHECK_EQ_U64("own counts, wrap: 100 SYNs from another source, 99 dropped", 99, dropped);
	check(flood_counts_near_wrap(env, "198.19.210.1") > 0,
	      "own counts, wrap: its cache entry's counts moved to just below 2^32");
	check_drops(env, "own counts, wrap: the same drops shown", "198.19.210.1", 64, 99);
	dropped = drops_of(env, "198.19.210.1", t, 50);
	CHECK_EQ_U64("own counts, wrap: 50 more at the instant, past 2^32", 50, dropped);
	check_drops(env, "own counts, wrap: shown across the wrap", "198.19.210.1", 64, 149);
	CHECK_STR("own counts, wrap: the next tick folds", "D",
		  burst(env, "198.19.210.1", t + 4 * NSEC_PER_MSEC, 1));
	check_drops(env, "own counts, wrap: folded across the wrap", "198.19.210.1", 149, 150);
}

/* Inside a block= window no SYN takes the full way: each CPU gives its
 * entry what it counted at its first drop of each new tick. */
static void test_flood_own_window(struct env *env, __u64 t)
{
	static const struct test_rule rules[] = { { "198.18.46.0/24",
						    LIMIT(2, 1000, .block_ns = 10 * SEC_NS) } };
	const char *src = "198.18.46.1";
	__u64 dropped;

	if (!check(env_load(env, rules, 1) == 0, "own counts, window: load 2/1s block=10s"))
		return;
	mark(env);
	dropped = drops_of(env, src, t, 200);
	CHECK_EQ_U64("own counts, window: 200 SYNs at one instant, 199 dropped", 199, dropped);
	CHECK_EQ_U64("own counts, window: all but the first drop in the window", 198,
		     delta(env, STAT_SYN_DROP_BLOCK));
	check_drops(env, "own counts, window: at the instant", src, 64, 199);
	CHECK_STR("own counts, window: a tick later, still in the window", "D",
		  burst(env, src, t + 4 * NSEC_PER_MSEC, 1));
	check_drops(env, "own counts, window: the tick's first drop gave the entry the rest", src,
		    199, 200);
}

/* src's bucket of the blocked table (index, copy) and its way there; -1: none. */
static int blocked_bucket_of(struct env *env, const char *src, __u32 *index,
			     struct blocked_bucket *b)
{
	struct bpf_map *map = env->skel->maps.blocked_sources;
	struct source_key key = { .prefixlen = 128 };
	unsigned int prefix;
	const char *why;
	__u64 h;

	addr_parse(src, &key.addr, &prefix, &why);
	h = source_key_hash(&key, TEST_SEED);
	*index = source_hash_bucket(h, bpf_map__max_entries(map));
	if (bpf_map_lookup_elem(bpf_map__fd(map), index, b))
		return -1;
	return bucket_way(&b->head, source_hash_tag(h), &key);
}

/* src's blocked entry made free (tag 0), as an unblock or an eviction on
 * another CPU leaves it; *saved: the bucket before, for blocked_restore. */
static int blocked_remove(struct env *env, const char *src, struct blocked_bucket *saved)
{
	struct blocked_bucket b;
	__u32 index;
	int w = blocked_bucket_of(env, src, &index, &b);

	if (w < 0)
		return -1;
	*saved = b;
	b.head.tag[w] = 0;
	return bpf_map_update_elem(bpf_map__fd(env->skel->maps.blocked_sources), &index, &b,
				   BPF_ANY);
}

static int blocked_restore(struct env *env, const char *src, const struct blocked_bucket *saved)
{
	struct blocked_bucket b;
	__u32 index;

	blocked_bucket_of(env, src, &index, &b);
	return bpf_map_update_elem(bpf_map__fd(env->skel->maps.blocked_sources), &index, saved,
				   BPF_ANY);
}

/*
 * The first SYN of a new tick from a blocked source: the cache folds, then
 * moves the rate itself, exactly as the full way would (host rate_step),
 * where the source is still over; where it is not, the full way decides
 * (and ends the block). Leaky: a refused attempt moves nothing.
 */
static void test_flood_move(struct env *env, __u64 t)
{
	static const struct test_rule rules[] = { { "198.19.232.0/24", LIMIT(2, 1000) },
						  { "198.19.233.0/24",
						    LIMIT(2, 1000, .leaky = 1) } };
	const char *strict = "198.19.232.1", *leaky = "198.19.233.1";
	const __u64 next = t + 4 * NSEC_PER_MSEC, after = t + 8 * NSEC_PER_MSEC;
	struct limit_spec spec = rules[0].spec;
	struct source_state host = { 0 };
	struct blocked_state raw, before;
	struct rule compiled;
	const char *why;

	spec.per_prefix = 128;
	if (!check(env_load(env, rules, 2) == 0, "move: load 2/1s strict and leaky") ||
	    !check(rule_compile(&spec, &compiled, &why) == 0, "move: the rule compiles"))
		return;
	CHECK_STR("move: strict, five at one instant", "PDDDD", burst(env, strict, t, 5));
	mark(env);
	CHECK_STR("move: strict, at the next tick, dropped", "D", burst(env, strict, next, 1));
	CHECK_EQ_U64("move: ...by the cache (a fourth hit)", 4, cache_hits(env, strict));
	CHECK_EQ_U64("move: ...as a limit drop", 1, delta(env, STAT_SYN_DROP_LIMIT));
	host.shape = compiled.shape;
	host.stamp_ns = t;
	host.value = 5ULL << 16;
	rate_step(&host, &compiled, next);
	if (check(raw_blocked_of(env, strict, &raw) == 0, "move: strict, still blocked")) {
		CHECK_EQ_U64("move: the rate moved to the tick", next, raw.state.stamp_ns);
		CHECK_EQ_U64("move: ...the rate of 5 stepped 4 ms on (host rate_step)", host.value,
			     raw.state.value);
		CHECK_EQ_U64("move: the drop in the episode", 5, raw.drops);
	}

	CHECK_STR("move: leaky, five at one instant", "PDDDD", burst(env, leaky, t, 5));
	mark(env);
	/* 1.0 decays, and with the attempt is just under 2: the full way
	 * passes it and ends the block; the next is dropped and blocks again */
	CHECK_STR("move: leaky, at the next tick under the limit: passed, then dropped", "PD",
		  burst(env, leaky, next, 2));
	CHECK_EQ_U64("move: ...the block ended (blocked_deletes)", 1,
		     delta(env, STAT_BLOCKED_DELETES));
	CHECK_EQ_U64("move: ...the cache decided neither (filled again)", 0,
		     cache_hits(env, leaky));
	if (!check(raw_blocked_of(env, leaky, &before) == 0, "move: leaky, blocked again"))
		return;
	CHECK_STR("move: leaky, the tick after, dropped", "D", burst(env, leaky, after, 1));
	CHECK_EQ_U64("move: ...by the cache", 1, cache_hits(env, leaky));
	if (check(raw_blocked_of(env, leaky, &raw) == 0, "move: leaky, still blocked")) {
		CHECK_EQ_U64("move: leaky, the refused attempt moved nothing (stamp)",
			     before.state.stamp_ns, raw.state.stamp_ns);
		CHECK_EQ_U64("move: leaky, ...nor the rate", before.state.value, raw.state.value);
	}
}

/*
 * Once a CPU found a source over at an instant, counting in its own
 * counts, the rest of that instant's SYNs are dropped from its entry alone:
 * an entry removed meanwhile (here by hand) is seen at the next instant.
 * Strict counts each attempt in the rate, a block window none.
 */
static void test_flood_over_now(struct env *env, __u64 t)
{
	static const struct test_rule rules[] = {
		{ "198.19.234.0/24", LIMIT(2, 1000) },
		{ "198.19.235.0/24", LIMIT(2, 1000, .block_ns = 10 * SEC_NS) },
		{ "198.19.236.0/24", LIMIT(2, 10000, .leaky = 1) },
		{ "198.19.237.0/24", LIMIT(2, 10000, .block_ns = SEC_NS) },
		{ "198.19.238.0/24", LIMIT(2, 1000, .dry_run = 1) },
	};
	const char *strict = "198.19.234.1", *held = "198.19.235.1", *leaky = "198.19.236.1",
		   *reopened = "198.19.237.1", *dry = "198.19.238.1";
	const __u64 later = t + SEC_NS + 4 * NSEC_PER_MSEC;
	struct blocked_state seen, before;
	struct blocked_bucket saved;
	__u64 hits, dropped;

	if (!check(env_load(env, rules, 5) == 0, "over now: load 2/1s strict, block=10s; "
						 "2/10s leaky, block=1s; 2/1s dry run"))
		return;
	dropped = drops_of(env, strict, t, 100);
	CHECK_EQ_U64("over now: 100 SYNs at one instant, 99 dropped", 99, dropped);
	hits = cache_hits(env, strict);
	if (!check(blocked_remove(env, strict, &saved) == 0, "over now: its blocked entry removed"))
		return;
	mark(env);
	CHECK_STR("over now: at the same instant, still dropped", "DD", burst(env, strict, t, 2));
	CHECK_EQ_U64("over now: ...by the cache", hits + 2, cache_hits(env, strict));
	CHECK_EQ_U64("over now: ...as limit drops", 2, delta(env, STAT_SYN_DROP_LIMIT));
	blocked_restore(env, strict, &saved);
	if (check(state_of(env, strict, &seen) == 1, "over now: blocked (entry put back)")) {
		CHECK_EQ_U64("over now: shown, every drop (101)", 101, seen.drops);
		CHECK_EQ_U64("over now: shown, every attempt in the rate (102.0)", 102ULL << 16,
			     seen.state.value);
	}
	blocked_remove(env, strict, &saved);
	CHECK_STR("over now: removed, at the next tick", "D",
		  burst(env, strict, t + 4 * NSEC_PER_MSEC, 1));
	CHECK_EQ_U64("over now: ...the full way decided (entry filled again)", 0,
		     cache_hits(env, strict));
	if (check(state_of(env, strict, &seen) == 1, "over now: blocked anew"))
		CHECK_EQ_U64("over now: ...a new episode", 1, seen.drops);

	dropped = drops_of(env, held, t, 100);
	CHECK_EQ_U64("over now, window: 100 SYNs at one instant, 99 dropped", 99, dropped);
	if (!check(blocked_remove(env, held, &saved) == 0,
		   "over now, window: its blocked entry removed"))
		return;
	mark(env);
	CHECK_STR("over now, window: at the same instant, still dropped", "D",
		  burst(env, held, t, 1));
	CHECK_EQ_U64("over now, window: ...as a block drop", 1, delta(env, STAT_SYN_DROP_BLOCK));
	blocked_restore(env, held, &saved);
	if (check(state_of(env, held, &seen) == 1, "over now, window: blocked (entry put back)")) {
		CHECK_EQ_U64("over now, window: shown, every drop (100)", 100, seen.drops);
		CHECK_EQ_U64("over now, window: the rate rests in the window (2.0)", 2ULL << 16,
			     seen.state.value);
	}

	/* leaky: at its state's instant the rate stays under the limit, and
	 * each attempt is decided with the exact clock (the full way); at a
	 * later tick an over attempt moves nothing, so the rest of that tick
	 * is the entry's */
	CHECK_STR("over now, leaky 2/10s: passed, then blocked", "PD", burst(env, leaky, t, 2));
	CHECK_STR("over now, leaky: a tick later passed again, then blocked again", "PD",
		  burst(env, leaky, t + 4 * NSEC_PER_MSEC, 2));
	dropped = drops_of(env, leaky, t + 8 * NSEC_PER_MSEC, 100);
	CHECK_EQ_U64("over now, leaky: 100 SYNs at the next tick, all dropped", 100, dropped);
	if (!check(state_of(env, leaky, &before) == 1 && blocked_remove(env, leaky, &saved) == 0,
		   "over now, leaky: its blocked entry removed"))
		return;
	CHECK_STR("over now, leaky: at the same instant, still dropped", "D",
		  burst(env, leaky, t + 8 * NSEC_PER_MSEC, 1));
	blocked_restore(env, leaky, &saved);
	if (check(state_of(env, leaky, &seen) == 1, "over now, leaky: blocked (entry put back)")) {
		CHECK_EQ_U64("over now, leaky: shown, every drop of the episode (102)", 102,
			     seen.drops);
		CHECK_EQ_U64("over now, leaky: refused attempts left the rate", before.state.value,
			     seen.state.value);
	}

	/* a limit drop after the window opens the next one: the rest of its
	 * instant is in that window */
	dropped = drops_of(env, reopened, t, 100);
	CHECK_EQ_U64("over now, reopened: 100 SYNs at one instant, 99 dropped", 99, dropped);
	mark(env);
	CHECK_STR("over now, reopened: after the 1 s window, still over: two dropped", "DD",
		  burst(env, reopened, later, 2));
	CHECK_EQ_U64("over now, reopened: the first a limit drop", 1,
		     delta(env, STAT_SYN_DROP_LIMIT));
	CHECK_EQ_U64("over now, reopened: the second in the window it opened", 1,
		     delta(env, STAT_SYN_DROP_BLOCK));

	/* dry run: the same drops, counted as would-drops, every SYN passed */
	mark(env);
	dropped = drops_of(env, dry, t, 100);
	CHECK_EQ_U64("over now, dry run: 100 SYNs at one instant, none dropped", 0, dropped);
	CHECK_EQ_U64("over now, dry run: ...99 would have been", 99,
		     delta(env, STAT_SYN_WOULD_DROP));
	hits = cache_hits(env, dry);
	if (!check(blocked_remove(env, dry, &saved) == 0,
		   "over now, dry run: its blocked entry removed"))
		return;
	mark(env);
	CHECK_STR("over now, dry run: at the same instant, still passed", "PP",
		  burst(env, dry, t, 2));
	CHECK_EQ_U64("over now, dry run: ...by the cache", hits + 2, cache_hits(env, dry));
	CHECK_EQ_U64("over now, dry run: ...as would-drops", 2, delta(env, STAT_SYN_WOULD_DROP));
	CHECK_EQ_U64("over now, dry run: ...no limit drop", 0, delta(env, STAT_SYN_DROP_LIMIT));
	blocked_restore(env, dry, &saved);
	if (check(state_of(env, dry, &seen) == 1, "over now, dry run: blocked (entry put back)")) {
		CHECK_EQ_U64("over now, dry run: shown, every would-drop (101)", 101, seen.drops);
		CHECK_EQ_U64("over now, dry run: shown, every attempt in the rate (102.0)",
			     102ULL << 16, seen.state.value);
	}
}

/* Cookie mode set up on an interface (1) or on none (0). */
static void cookies_set_up(struct env *env, __u32 ifaces)
{
	int fd = bpf_map__fd(env->skel->maps.cookie_config);
	struct cookie_config cfg;
	__u32 zero = 0;

	if (!bpf_map_lookup_elem(fd, &zero, &cfg)) {
		cfg.ifaces = ifaces;
		bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY);
	}
}

/* A source's rate in the sources table under a per-network key. */
static __u64 net_rate(struct env *env, const char *net)
{
	struct source_key key = { 0 };
	struct source_state state = { 0 };
	unsigned int prefix;
	const char *why;

	addr_parse(net, &key.addr, &prefix, &why);
	key.prefixlen = prefix;
	return find_state(env->skel, &key, &state, 0) ? 0 : state.value;
}

/*
 * A known source's second attempt at the instant of its state fills a
 * known entry; the cache passes what follows at that instant while the
 * rate after it stays under the limit, exactly as the full way would.
 */
static void test_flood_known(struct env *env, __u64 t)
{
	static const struct test_rule rules[] = {
		{ "198.18.50.0/24", LIMIT(10, 1000) },
		{ "198.18.51.0/24", LIMIT(10, 1000, .leaky = 1) },
		{ "198.18.52.0/24", LIMIT(100, 1000, .per_prefix = 24 + 96) },
		{ "198.18.53.0/24", LIMIT(10, 500) },
		{ "198.18.64.0/18", LIMIT(10, 1000) },
	};
	static const char *const mode[] = { "strict", "leaky" };
	static const char *const src[] = { "198.18.50.1", "198.18.51.1" };
	const __u64 next = t + 4 * NSEC_PER_MSEC;
	struct blocked_state blk;
	char flooder[2][32] = { "", "" }, busy[32] = "198.18.64.1";
	int m, i, found = 0;

	if (!check(env_load(env, rules, ARRAY_SIZE(rules)) == 0, "known: load the rules"))
		return;
	for (m = 0; m < 2; m++) {
		mark(env);
		CHECK_STR("known: 10/1s, nine at one instant pass", "PPPPPPPPP",
			  burst(env, src[m], t, 9));
		CHECK_EQ_U64("known: the second filled a known entry", 1,
			     cache_count(env, src[m], 1));
		CHECK_EQ_U64("known: the third to the ninth were the cache's", 7,
			     cache_hits(env, src[m]));
		CHECK_EQ_U64("known: counted as passed (syn_passed)", 9,
			     delta(env, STAT_SYN_PASSED));
		if (check(state_of(env, src[m], &blk) == 0, "known: %s source not blocked",
			  mode[m]))
			CHECK_EQ_U64("known: every attempt in the rate (9.0)", 9ULL << 16,
				     blk.state.value);
		/* the attempt that reaches the limit: the full way, then a
		 * blocked entry takes the known one's place */
		CHECK_STR("known: the tenth reaches the limit, then blocked", "DDD",
			  burst(env, src[m], t, 3));
		CHECK_EQ_U64("known: the entry now drops (known entries)", 0,
			     cache_count(env, src[m], 1));
		if (check(state_of(env, src[m], &blk) == 1, "known: %s source blocked", mode[m]))
			CHECK_EQ_U64("known: the blocked rate (strict 12.0, leaky 9.0)",
				     (m ? 9ULL : 12ULL) << 16, blk.state.value);
	}
	CHECK_STR("known: a period under a second reads the exact clock: no cache", "PPPP",
		  burst(env, "198.18.53.1", t, 4));
	CHECK_EQ_U64("known: ...no entry", 0, cache_count(env, "198.18.53.1", 1));

	/* per /24: two hosts' entries point to the network's one state */
	CHECK_STR("known: per /24, three from one host", "PPP", burst(env, "198.18.52.1", t, 3));
	CHECK_STR("known: ...three from another", "PPP", burst(env, "198.18.52.2", t, 3));
	CHECK_EQ_U64("known: per /24, the network's rate has all six (6.0)", 6ULL << 16,
		     net_rate(env, "198.18.52.0/24"));
	CHECK_EQ_U64("known: the first host's third and the other's second and third: hits", 3,
		     cache_hits(env, "198.18.52.1") + cache_hits(env, "198.18.52.2"));

	/* at the next tick the first attempt takes the full way (the locked
	 * step moves the instant), then the entry passes the others */
	CHECK_STR("known: at the next tick", "PPP", burst(env, "198.18.52.1", next, 3));
	CHECK_EQ_U64("known: the entry passed the second and third too", 3,
		     cache_hits(env, "198.18.52.1"));

	/* cookie mode decides every SYN itself: no known entry is used */
	cookies_set_up(env, 1);
	CHECK_STR("known: cookie mode set up, not on this interface", "PPP",
		  burst(env, "198.18.52.2", next, 3));
	CHECK_EQ_U64("known: ...its entry passed none of them", 2, cache_hits(env, "198.18.52.2"));
	cookies_set_up(env, 0);

	/* a reload: the entry belongs to the old table */
	if (!check(env_load(env, rules, ARRAY_SIZE(rules)) == 0, "known: reload the rules"))
		return;
	CHECK_STR("known: after a reload, the full way refills, then the cache", "PPP",
		  burst(env, "198.18.52.2", next, 3));
	CHECK_EQ_U64("known: two hits after the refill", 2, cache_hits(env, "198.18.52.2"));
	/* 6.0 at t, 4 ms of a 1 s period's decay, then nine more attempts */
	check(net_rate(env, "198.18.52.0/24") >> 16 == 14,
	      "known: the network's rate has every attempt (14.9..15.0, got %.3f)",
	      (double)net_rate(env, "198.18.52.0/24") / 65536);

	/* two flooders dropped in this tick keep their set from a busy source */
	for (i = 2; i < 64 * 256 && found < 2; i++) {
		snprintf(flooder[found], sizeof(flooder[0]), "198.18.%d.%d", 64 + i / 256, i % 256);
		if (i % 256 && 64 + i / 256 != 100 && 64 + i / 256 != 101 &&
		    flood_set(flooder[found]) == flood_set(busy))
			found++;
	}
	if (!check(found == 2, "known: two sources of the set of %s", busy))
		return;
	CHECK_STR("known: two flooders blocked", "PPPPPPPPPDDD", burst(env, flooder[0], next, 12));
	CHECK_STR("known: ...both", "PPPPPPPPPDDD", burst(env, flooder[1], next, 12));
	CHECK_STR("known: a busy source in their set, the same tick", "PPPP",
		  burst(env, busy, next, 4));
	CHECK_EQ_U64("known: ...gets no entry", 0, cache_count(env, busy, 1));
	CHECK_EQ_U64("known: the flooders kept theirs", 4,
		     cache_hits(env, flooder[0]) + cache_hits(env, flooder[1]));
	CHECK_STR("known: a tick later the busy source takes the older", "PPP",
		  burst(env, busy, next + 4 * NSEC_PER_MSEC, 3));
	CHECK_EQ_U64("known: ...as a known entry", 1, cache_count(env, busy, 1));
}

/* The test thread on CPU cpu (0 or 1). */
static void on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* src's state in the sources table (a per-host key) set to rate at now, as
 * a CPU that had looked before src was blocked leaves it. 0 or -1. */
static int sources_state_set(struct env *env, const char *src, __u64 now, __u64 rate)
{
	int fd = bpf_map__fd(env->skel->maps.sources), w;
	struct source_key key = { .prefixlen = 128 };
	struct source_bucket b;
	unsigned int prefix;
	const char *why;
	__u32 index;
	__u64 h;

	addr_parse(src, &key.addr, &prefix, &why);
	h = source_key_hash(&key, TEST_SEED);
	index = source_hash_bucket(h, bpf_map__max_entries(env->skel->maps.sources));
	if (bpf_map_lookup_elem(fd, &index, &b))
		return -1;
	w = bucket_way(&b.head, source_hash_tag(h), &key);
	if (w < 0)
		return -1;
	b.state[w].stamp_ns = now;
	b.state[w].value = rate;
	return bpf_map_update_elem(fd, &index, &b, BPF_ANY) ? -1 : 0;
}

/*
 * A CPU that looked at the blocked table before another CPU blocked the
 * source may step the source's state in the sources table to a new tick,
 * under the limit: a known entry another CPU still holds must not pass the
 * blocked source's SYNs then (the blocked table's bit sends them the full
 * way, here into the block window).
 */
static void test_flood_known_blocked(struct env *env, __u64 t)
{
	static const struct test_rule rules[] = {
		{ "198.18.54.0/24", LIMIT(10, 1000, .block_ns = 10 * SEC_NS) },
	};
	const char *src = "198.18.54.1";
	const __u64 next = t + 4 * NSEC_PER_MSEC;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		check_skip("known, blocked on another CPU: this machine has one CPU");
		return;
	}
	if (!check(env_load(env, rules, 1) == 0, "known, blocked elsewhere: load 10/1s block=10s"))
		return;
	CHECK_STR("known, blocked elsewhere: CPU 0 learns the source", "PPP",
		  burst(env, src, t, 3));
	on_cpu(1);
	CHECK_STR("known, blocked elsewhere: CPU 1 blocks it", "PPPPPPD", burst(env, src, t, 7));
	on_cpu(0);
	CHECK_EQ_U64("known, blocked elsewhere: CPU 0 still holds its known entry", 1,
		     cache_count(env, src, 1));
	if (!check(sources_state_set(env, src, next, 1ULL << 16) == 0,
		   "known, blocked elsewhere: its sources state stepped to the next tick, 1.0"))
		return;
	mark(env);
	CHECK_STR("known, blocked elsewhere: CPU 0 drops it in the window", "DD",
		  burst(env, src, next, 2));
	CHECK_EQ_U64("known, blocked elsewhere: as block drops (syn_dropped_block)", 2,
		     delta(env, STAT_SYN_DROP_BLOCK));
}

static void test_flood_cache(struct env *env)
{
	static const struct test_rule rules[] = {
		{ "198.18.40.0/24", LIMIT(2, 1000) },
		{ "198.18.41.0/24", LIMIT(2, 1000, .block_ns = 10 * SEC_NS) },
		{ "198.18.42.0/24", LIMIT(2, 1000, .leaky = 1) },
		{ "198.18.43.0/24", LIMIT(2, 1000, .dry_run = 1) },
		{ "198.18.44.0/24", LIMIT(2, 500) },
		{ "198.19.0.0/16", LIMIT(2, 1000) },
	};
	static const struct test_rule allowed[] = {
		{ "198.18.40.0/24", ALLOW },
	};
	const __u64 t = T0 + 7000 * SEC_NS;
	struct blocked_state blk;

	if (!check(env_load(env, rules, ARRAY_SIZE(rules)) == 0, "flood cache: load the rules"))
		return;
	mark(env);
	CHECK_STR("flood cache: 2/1s strict, five at one instant", "PDDDD",
		  burst(env, "198.18.40.1", t, 5));
	CHECK_EQ_U64("flood cache: the three after the first drop were the cache's", 3,
		     cache_hits(env, "198.18.40.1"));
	CHECK_EQ_U64("flood cache: counted as limit drops (syn_dropped_limit)", 4,
		     delta(env, STAT_SYN_DROP_LIMIT));
	if (check(state_of(env, "198.18.40.1", &blk) == 1, "flood cache: the source is blocked")) {
		CHECK_EQ_U64("flood cache: strict, every attempt in the rate (5.0)", 5ULL << 16,
			     blk.state.value);
		CHECK_EQ_U64("flood cache: every drop in the episode", 4, blk.drops);
	}
	CHECK_STR("flood cache: at the next tick the cache moves the rate itself", "D",
		  burst(env, "198.18.40.1", t + 4 * NSEC_PER_MSEC, 1));
	CHECK_EQ_U64("flood cache: ...a fourth hit", 4, cache_hits(env, "198.18.40.1"));
	CHECK_STR("flood cache: then the cache at that instant", "DD",
		  burst(env, "198.18.40.1", t + 4 * NSEC_PER_MSEC, 2));
	CHECK_EQ_U64("flood cache: two more hits", 6, cache_hits(env, "198.18.40.1"));

	mark(env);
	CHECK_STR("flood cache: block=10s, blocked", "PDD", burst(env, "198.18.41.1", t, 3));
	CHECK_STR("flood cache: inside the window, a second later", "DD",
		  burst(env, "198.18.41.1", t + SEC_NS, 2));
	/* the first drop opened the window: the third attempt is in it */
	CHECK_EQ_U64("flood cache: window drops counted as block drops (syn_dropped_block)", 3,
		     delta(env, STAT_SYN_DROP_BLOCK));
	CHECK_EQ_U64("flood cache: the window drops were the cache's", 3,
		     cache_hits(env, "198.18.41.1"));

	CHECK_STR("flood cache: 2/1s leaky, five at one instant", "PDDDD",
		  burst(env, "198.18.42.1", t, 5));
	if (check(state_of(env, "198.18.42.1", &blk) == 1, "flood cache: leaky source blocked"))
		CHECK_EQ_U64("flood cache: leaky, refused attempts leave the rate (1.0)",
			     1ULL << 16, blk.state.value);
	mark(env);
	CHECK_STR("flood cache: dry run passes what it would drop", "PPPP",
		  burst(env, "198.18.43.1", t, 4));
	CHECK_EQ_U64("flood cache: dry run, syn_would_drop", 3, delta(env, STAT_SYN_WOULD_DROP));
	CHECK_EQ_U64("flood cache: dry run, hits", 2, cache_hits(env, "198.18.43.1"));
	CHECK_STR("flood cache: a period under a second reads the exact clock: no cache", "PDDD",
		  burst(env, "198.18.44.1", t, 4));
	CHECK_EQ_U64("flood cache: ...no hits", 0, cache_hits(env, "198.18.44.1"));

	/* a reload: the cached drop belongs to the old table */
	if (!check(env_load(env, allowed, 1) == 0, "flood cache: reload, 198.18.40.0/24 allowed"))
		return;
	mark(env);
	CHECK_STR("flood cache: after the reload the new rule decides", "PP",
		  burst(env, "198.18.40.1", t + 4 * NSEC_PER_MSEC, 2));
	CHECK_EQ_U64("flood cache: as allowed (syn_allowed)", 2, delta(env, STAT_SYN_ALLOWED));
	/* the same rules again: a new generation, refilled by the full way */
	if (!check(env_load(env, rules, ARRAY_SIZE(rules)) == 0, "flood cache: reload the rules"))
		return;
	CHECK_STR("flood cache: blocked still (history kept), full way, then cache", "DD",
		  burst(env, "198.18.40.1", t + 8 * NSEC_PER_MSEC, 2));
	CHECK_EQ_U64("flood cache: one hit after the refill", 1, cache_hits(env, "198.18.40.1"));

	test_flood_cache_set(env, t);
	test_flood_own_counts(env, t);
	test_flood_own_refill(env, t);
	test_flood_own_window(env, t);
	test_flood_move(env, t);
	test_flood_over_now(env, t);
	test_flood_known(env, t);
	test_flood_known_blocked(env, t);

	/* 20 s later every block here has ended: the first SYN of each passes
	 * and empties its entry of the blocked table */
	CHECK_STR("occupancy: the blocked sources, 20 s later", "PPPPP",
		  seq_of(env, t + 20 * SEC_NS));
	CHECK_EQ_U64("occupancy: a bucket's bit is set exactly while it holds an entry", 0,
		     occupancy_mismatches(env->skel));
}

/* Flip bit `bit` (0 = the top bit of the 128-bit address) of an address. */
static void flip_bit(const char *text, unsigned int bit, char *out, size_t size)
{
	union synlimit_addr a;
	unsigned int prefix;
	const char *why;

	addr_parse(text, &a, &prefix, &why);
	a.u8[bit / 8] ^= 0x80 >> (bit % 8);
	addr_format(&a, 128, out, size);
}

/*
 * per=/N masks every 32-bit word of the address: two hosts that differ in
 * one bit share a state exactly when that bit is at or after N, whichever
 * word it is in. N in each of the four words.
 */
static void test_per_masks_every_word(struct env *env)
{
	static const unsigned int prefixes[] = { 16, 48, 80, 112 };
	const char *base = "2001:db8:1111:2222:3333:4444:5555:6666";
	__u64 t = T0 + 6000 * SEC_NS;
	size_t i;
	int w;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const struct test_rule rules[] = {
			{ "::/0", LIMIT(2, 1000, .per_prefix = prefixes[i]) },
		};
		unsigned int bits[6], n = 0, k;

		if (!check(env_load(env, rules, 1) == 0, "per=/%u: load the rule", prefixes[i]))
			return;
		bits[n++] = prefixes[i] - 1; /* the last bit of the prefix */
		bits[n++] = prefixes[i];     /* the first bit after it */
		for (w = 0; w < 4; w++)
			if ((unsigned int)w != prefixes[i] / 32)
				bits[n++] = 32 * w + 5;
		for (k = 0; k < n; k++) {
			int shared = bits[k] >= prefixes[i];
			char other[ADDR_TEXT_MAX], seq[3];

			flip_bit(base, bits[k], other, sizeof(other));
			/* 100 periods apart: every state has forgotten the last check */
			t += 100 * SEC_NS;
			seq[0] = one(env, base, t);
			seq[1] = one(env, other, t);
			seq[2] = '\0';
			check(!strcmp(seq, shared ? "PD" : "PP"),
			      "per=/%u, limit 2: %s then %s (bit %u, word %u) %s a state: expected "
			      "%s, got %s",
			      prefixes[i], base, other, bits[k], bits[k] / 32,
			      shared ? "share" : "do not share", shared ? "PD" : "PP", seq);
		}
	}
}

/* ---- tables: eviction counting, blocked sources survive churn ---- */

/* Entries in a state table now: ways with a tag. */
static long count_entries(int map_fd, __u32 buckets)
{
	struct blocked_bucket b; /* the larger bucket: its head is the same */
	long n = 0;
	__u32 i;
	int w;

	for (i = 0; i < buckets; i++)
		if (!bpf_map_lookup_elem(map_fd, &i, &b))
			for (w = 0; w < SOURCE_WAYS; w++)
				n += b.head.tag[w] != 0;
	return n;
}

static int key_present(struct synlimit_bpf *skel, const char *src, int blocked)
{
	struct source_key key = { .prefixlen = 128 };
	struct blocked_state value; /* large enough for either table's state */
	unsigned int prefix;
	const char *err;

	addr_parse(src, &key.addr, &prefix, &err);
	return find_state(skel, &key, &value, blocked) == 0;
}

static void test_tables(void)
{
	static const struct test_rule rules[] = { { "198.18.0.0/15", LIMIT(2, 1000) } };
	struct env env;
	int sources_fd, i;
	long entries;
	char src[32];

	if (!check(env_open(&env, 128, 16) == 0, "tables: load with 128 sources, 16 blocked"))
		return;
	sources_fd = bpf_map__fd(env.skel->maps.sources);
	env_load(&env, rules, 1);

	/* a flooder is blocked, then goes quiet */
	CHECK_STR("tables: flooder blocked", "PDD", burst(&env, "198.19.255.1", T0, 3));
	mark(&env);
	/* 5000 spoofed sources, far more than the table holds, two SYNs each:
	 * a second attempt stamps a source's entry as recent */
	for (i = 0; i < 5000; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		syn_at(&env, src, T0 + SEC_NS / 10);
		syn_at(&env, src, T0 + SEC_NS / 10);
	}
	entries = count_entries(sources_fd, SOURCE_BUCKETS(128));
	CHECK_EQ_U64("tables: every new source inserted once (source_inserts)", 5000,
		     delta(&env, STAT_SOURCE_INSERTS));
	check(entries > 0 && entries <= 128,
	      "tables: the sources table stays within its 128 entries (holds %ld)", entries);
	check(!key_present(env.skel, "198.19.255.1", 0),
	      "tables: the flood evicted the flooder's old entry from the sources table");
	check(key_present(env.skel, "198.19.255.1", 1),
	      "tables: the flooder is still in the blocked table");
	CHECK_STR("tables: the flooder is still dropped after the spoofed flood", "D",
		  burst(&env, "198.19.255.1", T0 + SEC_NS / 5, 1));
	CHECK_EQ_U64("tables: after the churn, every occupancy bit is right", 0,
		     occupancy_mismatches(env.skel));
	CHECK_EQ_U64("tables: ...and every first-attempt line copies its bucket's tags", 0,
		     line_mismatches(env.skel));
	/* evictions = inserts - entries (the sources table is never deleted from):
	 * an evicted source comes back as new, its first attempt recorded again
	 * (its slot went to later sources too: 128 slots), its second making
	 * its entry */
	mark(&env);
	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		syn_at(&env, src, T0 + SEC_NS / 5);
		syn_at(&env, src, T0 + 3 * SEC_NS / 10);
	}
	CHECK_EQ_U64("tables: the first 100 spoofed sources, evicted, return as new: first "
		     "attempts (source_first_attempts)",
		     100, delta(&env, STAT_SOURCE_FIRST));
	CHECK_EQ_U64("tables: ...their second attempts make their entries (source_inserts)", 100,
		     delta(&env, STAT_SOURCE_INSERTS));
	env_close(&env);
}

/* key for src under a per-host rule */
static struct source_key host_key(const char *src)
{
	struct source_key key = { .prefixlen = 128 };
	unsigned int prefix;
	const char *err;

	addr_parse(src, &key.addr, &prefix, &err);
	return key;
}

/* The slot of src's first attempt (its bucket's), by the program's hash,
 * in env's table. */
static __u32 first_slot_of(struct env *env, const char *src, __u32 *tag)
{
	struct source_key key = host_key(src);
	__u64 h = source_key_hash(&key, TEST_SEED);

	*tag = source_hash_tag(h);
	return source_hash_bucket(h, bpf_map__max_entries(env->skel->maps.sources));
}

/* Another source's first attempt takes the slot between a source's two:
 * its next attempt is a first again, and the one after makes its entry. */
static void first_attempt_taken(struct env *env)
{
	__u32 slot_a, tag_a, tag_b;
	char a[32], b[32];
	int i;

	snprintf(a, sizeof(a), "198.19.4.1");
	slot_a = first_slot_of(env, a, &tag_a);
	for (i = 2; i < 250; i++) {
		snprintf(b, sizeof(b), "198.19.4.%d", i);
		if (first_slot_of(env, b, &tag_b) == slot_a && tag_b != tag_a)
			break;
	}
	if (!check(i < 250, "first attempts: a source of the same slot as %s (%s)", a, b))
		return;
	mark(env);
	CHECK_STR("first attempts: a and b of the same slot in turn, twice each", "PPPP",
		  seq2(env, a, b, T0 + 3 * SEC_NS));
	CHECK_EQ_U64("first attempts: ...each a first attempt (source_first_attempts)", 4,
		     delta(env, STAT_SOURCE_FIRST));
	CHECK_EQ_U64("first attempts: ...no entry made (source_inserts)", 0,
		     delta(env, STAT_SOURCE_INSERTS));
	/* b's record holds the slot now: a's next is a first again, the one
	 * after that its second */
	CHECK_STR("first attempts: a twice more", "PP", burst(env, a, T0 + 3 * SEC_NS, 2));
	CHECK_EQ_U64("first attempts: ...the first of them a first attempt (source_first_attempts)",
		     5, delta(env, STAT_SOURCE_FIRST));
	CHECK_EQ_U64("first attempts: ...the second makes a's entry (source_inserts)", 1,
		     delta(env, STAT_SOURCE_INSERTS));
}

/* A reload that changes the rule's shape between a source's two attempts:
 * the entry starts afresh, as an entry made under the old shape would. */
static void first_attempt_reload(struct env *env)
{
	static const struct test_rule before[] = { { "198.19.5.0/24", LIMIT(3, 1000) } },
				      after[] = { { "198.19.5.0/24", LIMIT(3, 2000) } };
	struct source_key key = host_key("198.19.5.1");
	struct source_state got;

	env_load(env, before, 1);
	mark(env);
	CHECK_STR("first attempts, reload: the first under 3/1s", "P",
		  burst(env, "198.19.5.1", T0 + 4 * SEC_NS, 1));
	env_load(env, after, 1);
	CHECK_STR("first attempts, reload: the second under 3/2s", "P",
		  burst(env, "198.19.5.1", T0 + 4 * SEC_NS, 1));
	CHECK_EQ_U64("first attempts, reload: ...makes the entry (source_inserts)", 1,
		     delta(env, STAT_SOURCE_INSERTS));
	if (check(find_state(env->skel, &key, &got, 0) == 0,
		  "first attempts, reload: ...in the sources table"))
		CHECK_EQ_U64("first attempts, reload: ...afresh, rate 1.0 (not 2.0)", 1ULL << 16,
			     got.value);
}

/*
 * A new source's first attempt is only recorded (first_attempts); its
 * second makes its entry, with the state both attempts make, or, over the
 * limit, the entry a known source's drop leaves and its blocked entry. A
 * spoofed flood, each source once, leaves the sources table as it was.
 */
static void test_first_attempts(void)
{
	static const struct test_rule rules[] = {
		{ "198.18.0.0/15", LIMIT(3, 1000) },
		{ "198.19.2.0/24", LIMIT(2, 1000) },
	};
	struct test_rule spec = rules[0];
	struct source_key key = host_key("198.19.1.1"), known[100];
	struct source_state host = { 0 }, got;
	struct blocked_state blk;
	int i, held = 0, kept = 0;
	struct rule compiled;
	const char *err;
	struct env env;
	char src[32];

	if (!check(env_open(&env, 256, 64) == 0,
		   "first attempts: load with 256 sources, 64 blocked"))
		return;
	env_load(&env, rules, 2);
	mark(&env);
	CHECK_STR("first attempts: a new source's first SYN passes", "P",
		  burst(&env, "198.19.1.1", T0, 1));
	CHECK_EQ_U64("first attempts: ...recorded (source_first_attempts)", 1,
		     delta(&env, STAT_SOURCE_FIRST));
	CHECK_EQ_U64("first attempts: ...no entry made (source_inserts)", 0,
		     delta(&env, STAT_SOURCE_INSERTS));
	check(find_state(env.skel, &key, &got, 0) == -ENOENT,
	      "first attempts: ...none in the sources table");
	CHECK_STR("first attempts: its second, 0.3s later, passes", "P",
		  burst(&env, "198.19.1.1", T0 + 3 * SEC_NS / 10, 1));
	CHECK_EQ_U64("first attempts: ...and makes its entry (source_inserts)", 1,
		     delta(&env, STAT_SOURCE_INSERTS));
	CHECK_EQ_U64("first attempts: ...not a first attempt (source_first_attempts)", 1,
		     delta(&env, STAT_SOURCE_FIRST));
	spec.spec.line = 1;
	spec.spec.per_prefix = 128;
	rule_compile(&spec.spec, &compiled, &err);
	rate_step(&host, &compiled, T0);
	rate_step(&host, &compiled, T0 + 3 * SEC_NS / 10);
	if (check(find_state(env.skel, &key, &got, 0) == 0,
		  "first attempts: ...in the sources table")) {
		CHECK_EQ_U64("first attempts: its rate, as both attempts make it", host.value,
			     got.value);
		CHECK_EQ_U64("first attempts: its time, the second's", host.stamp_ns, got.stamp_ns);
	}

	/* 2/1s: the second attempt at the same instant is over */
	key = host_key("198.19.2.1");
	mark(&env);
	CHECK_STR("first attempts: 2/1s, two at one instant", "PD",
		  burst(&env, "198.19.2.1", T0, 2));
	CHECK_EQ_U64("first attempts: ...the second makes the entry (source_inserts)", 1,
		     delta(&env, STAT_SOURCE_INSERTS));
	CHECK_EQ_U64("first attempts: ...and blocks (blocked_inserts)", 1,
		     delta(&env, STAT_BLOCKED_INSERTS));
	if (check(find_state(env.skel, &key, &got, 0) == 0,
		  "first attempts: ...its entry holds the rate over the limit"))
		CHECK_EQ_U64("first attempts: ...2.0", 2ULL << 16, got.value);
	if (check(find_state(env.skel, &key, &blk, 1) == 0,
		  "first attempts: ...and so does its blocked entry"))
		CHECK_EQ_U64("first attempts: ...2.0 there too", 2ULL << 16, blk.state.value);

	/* 100 sources with entries (two attempts each, 0.1s apart) */
	for (i = 0; i < 100; i++) {
		snprintf(src, sizeof(src), "198.18.200.%d", i + 1);
		syn_at(&env, src, T0 + SEC_NS);
		syn_at(&env, src, T0 + SEC_NS + SEC_NS / 10);
		known[i] = host_key(src);
	}
	for (i = 0; i < 100; i++)
		held += find_state(env.skel, &known[i], &got, 0) == 0;
	check(held > 0, "first attempts: the sources table holds entries (%d of 100)", held);
	mark(&env);
	for (i = 0; i < 5000; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		syn_at(&env, src, T0 + 2 * SEC_NS);
	}
	CHECK_EQ_U64("first attempts: 5000 spoofed sources once each: all recorded "
		     "(source_first_attempts)",
		     5000, delta(&env, STAT_SOURCE_FIRST));
	CHECK_EQ_U64("first attempts: ...and passed (syn_passed)", 5000,
		     delta(&env, STAT_SYN_PASSED));
	CHECK_EQ_U64("first attempts: ...no entry made (source_inserts)", 0,
		     delta(&env, STAT_SOURCE_INSERTS));
	for (i = 0; i < 100; i++)
		kept += find_state(env.skel, &known[i], &got, 0) == 0;
	CHECK_EQ_U64("first attempts: ...every entry the table held is still there", held, kept);
	first_attempt_taken(&env);
	first_attempt_reload(&env);
	env_close(&env);
}

/* ---- the program agrees with the host functions on random traces ---- */

/* ties: a third of the gaps are 0, attempts at one instant, which the
 * program counts with atomic adds and no lock */
static void test_traces_match_host(struct env *env, int ties)
{
	const int traces = 200, events = 60;
	int t, e, mismatches = 0, overs = 0;

	rng_state = ties ? 0x71e5a7011c0ffeeULL : 0x0ddba11cafef00dULL;

	for (t = 0; t < traces; t++) {
		__u64 limit_n = 1 + rng() % 50;
		__u64 period_ms = 100 + rng() % 10000;
		struct test_rule rule = { "198.18.0.0/15", LIMIT(limit_n, period_ms) };
		struct rule compiled;
		struct source_state host = { 0 };
		const char *err;
		__u64 now = T0 + rng() % (1000 * SEC_NS), last = now;
		char src[32];

		rule.spec.algo = t % 2 ? ALGO_BUCKET : ALGO_EWMA;
		rule.spec.leaky = (t / 2) % 2;
		rule.spec.line = 1;
		rule.spec.per_prefix = 128;
		rule_compile(&rule.spec, &compiled, &err);
		env_load(env, &rule, 1);
		snprintf(src, sizeof(src), "198.19.%d.%d", t / 250, t % 250 + 1);
		for (e = 0; e < events; e++) {
			/* gaps around the limit's own spacing, some much longer */
			__u64 spacing = period_ms * NSEC_PER_MSEC / limit_n;
			int want, got;

			now += e % 7 == 6 ? spacing * (rng() % 20) : spacing * (rng() % 200) / 100;
			if (ties && rng() % 3 == 0)
				now = last;
			last = now;
			want = rate_step(&host, &compiled, now);
			got = syn_at(env, src, now) == XDP_DROP;
			overs += want;
			if (want != got && mismatches++ < 3)
				printf("  trace %d (%s %s %llu/%llums) event %d: host %s, program "
				       "%s\n",
				       t, t % 2 ? "bucket" : "ewma",
				       rule.spec.leaky ? "leaky" : "strict",
				       (unsigned long long)limit_n, (unsigned long long)period_ms,
				       e, want ? "drop" : "pass", got ? "drop" : "pass");
		}
	}
	check(mismatches == 0 && overs > 0,
	      "%d random traces x %d SYNs%s through the program: verdicts identical to the "
	      "host rate_step (%d drops; expected 0 mismatches, got %d)",
	      traces, events, ties ? " (a third at the previous one's instant)" : "", overs,
	      mismatches);
}

/* ---- two CPUs on one source ---- */

struct hammer {
	struct env *env;
	const char *src;
	int cpu, batches, tick_every; /* tick_every: move the clock after each batch */
	__u32 repeat;		      /* SYNs a batch */
	int err;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;
	struct pkt_spec spec = { .l3 = PKT_IPV4, .src = h->src };
	__u8 frame[PKT_MAX];
	size_t len = pkt_build(&spec, frame, sizeof(frame));
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = len,
		    .repeat = h->repeat);
	cpu_set_t set;
	int b;

	CPU_ZERO(&set);
	CPU_SET(h->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		h->err = -errno;
	for (b = 0; b < h->batches && !h->err; b++) {
		if (bpf_prog_test_run_opts(h->env->prog_fd, &opts))
			h->err = -errno;
		if (h->tick_every)
			set_clock(h->env, T0 + (__u64)(b + 1) * h->tick_every);
	}
	return NULL;
}

/* Two threads on CPU 0 and 1, `batches` x `repeat` SYNs each from src. */
static int hammer_two(struct env *env, const char *src, int batches, __u32 repeat, int tick_every)
{
	struct hammer h[2];
	pthread_t threads[2];
	int i;

	for (i = 0; i < 2; i++) {
		h[i] = (struct hammer){ .env = env,
					.src = src,
					.cpu = i,
					.batches = batches,
					.repeat = repeat,
					/* one CPU moves the clock, the other races it */
					.tick_every = i == 0 ? tick_every : 0 };
		pthread_create(&threads[i], NULL, hammer_run, &h[i]);
	}
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	return h[0].err ? h[0].err : h[1].err;
}

/*
 * A blocked source flooded from both CPUs while one moves the clock every
 * 100 SYNs: each CPU counts drops in its own flood cache entry, and the
 * full way folds both CPUs' counts in at every new instant while the other
 * CPU goes on counting. No drop or attempt may be lost or taken twice.
 */
/* hammer_two from T0, with the SYNs passed and dropped for the limit. */
static int hammer_counted(struct env *env, const char *src, int batches, __u32 repeat,
			  int tick_every, __u64 *passed, __u64 *dropped)
{
	int err;

	set_clock(env, T0);
	mark(env);
	err = hammer_two(env, src, batches, repeat, tick_every);
	*passed = delta(env, STAT_SYN_PASSED);
	*dropped = delta(env, STAT_SYN_DROP_LIMIT);
	return err;
}

static void test_two_cpus_blocked(struct env *env)
{
	/* a day's period: over the test's 1 ms of clock, decay is below 1e-8 */
	static const struct test_rule rules[] = { { "198.18.204.0/24", LIMIT(1000, 86400000) },
						  { "198.18.205.0/24",
						    LIMIT(1000, 86400000, .leaky = 1) } };
	static const char *const mode[] = { "strict", "leaky" };
	static const char *const src[] = { "198.18.204.1", "198.18.205.1" };
	struct blocked_state seen, raw, after;
	__u64 passed, dropped, lost, rate;
	int m, err;

	env_load(env, rules, 2);
	for (m = 0; m < 2; m++) {
		err = hammer_counted(env, src[m], 1000, 100, 1000, &passed, &dropped);
		lost = delta(env, STAT_SYN_NO_STATE);
		/* strict: one episode; leaky sits at the limit, and an episode
		 * that ends under one CPU while the other holds its entry passes
		 * that CPU's attempt untracked (the edge of a block) */
		check(m == 0 ? lost == 0 : lost <= 16,
		      "two CPUs %s, blocked, clock moving: %s attempt lost its state (%llu)",
		      mode[m], m == 0 ? "no" : "at most 16 at episode edges: an",
		      (unsigned long long)lost);
		if (!check(!err && state_of(env, src[m], &seen) == 1 &&
			       passed + dropped + lost == 200000 && passed >= 999 && passed <= 1000,
			   "two CPUs %s, blocked, clock moving every 100 SYNs: 999 or 1000 of "
			   "200000 passed, the rest dropped or untracked (got %llu, %llu and %llu)",
			   mode[m], (unsigned long long)passed, (unsigned long long)dropped,
			   (unsigned long long)lost))
			continue;

		rate = (seen.state.value + (1 << 15)) >> 16;
		if (m == 0) {
			/* one episode; the drops made on the sources table's copy
			 * while the first drop's insert was in flight are not its */
			check(seen.drops <= dropped && seen.drops + 16 >= dropped,
			      "two CPUs strict, blocked, clock moving: the episode counts every "
			      "drop made on it (%llu of %llu, at most 16 made before it)",
			      (unsigned long long)seen.drops, (unsigned long long)dropped);
			check(rate <= 200000 && rate + 16 >= 200000,
			      "two CPUs strict, blocked, clock moving: the rate counts every "
			      "attempt (%llu of 200000, at most 16 short)",
			      (unsigned long long)rate);
		} else {
			/* leaky sits at the limit: an attempt at a later instant may
			 * pass and start the next episode, so only the rate is exact */
			CHECK_EQ_U64("two CPUs leaky, blocked, clock moving: the rate counts the "
				     "passed attempts only",
				     passed, rate);
		}
		/* the next instant folds what the CPUs still had; its own drop
		 * is counted in this CPU's entry again */
		syn_at(env, src[m], T0 + 10 * NSEC_PER_MSEC);
		if (raw_blocked_of(env, src[m], &raw) == 0 && state_of(env, src[m], &after) == 1)
			check(raw.drops == seen.drops && after.drops == seen.drops + 1,
			      "two CPUs %s, blocked: one SYN later the blocked entry holds every "
			      "drop before it itself (%llu; shown %llu; %llu and + 1 expected)",
			      mode[m], (unsigned long long)raw.drops,
			      (unsigned long long)after.drops, (unsigned long long)seen.drops);
		else
			check(0, "two CPUs %s, blocked: still blocked one SYN later", mode[m]);
	}
}

/* A host of 198.18.NET.0/24 whose bucket of the blocked table is empty. */
static void free_blocked_bucket(struct env *env, char *src, size_t size, int net)
{
	int fd = bpf_map__fd(env->skel->maps.blocked_occupancy), host;
	__u32 buckets = bpf_map__max_entries(env->skel->maps.blocked_sources), bucket, word;
	struct source_key key = { .prefixlen = 128 };
	unsigned int prefix;
	const char *why;
	__u64 bits;

	for (host = 1; host < 255; host++) {
		snprintf(src, size, "198.18.%d.%d", net, host);
		addr_parse(src, &key.addr, &prefix, &why);
		bucket = source_hash_bucket(source_key_hash(&key, TEST_SEED), buckets);
		word = bucket / 64;
		if (!bpf_map_lookup_elem(fd, &word, &bits) && !(bits & 1ULL << (bucket % 64)))
			return;
	}
}

static void test_two_cpus(struct env *env)
{
	static const struct test_rule strict[] = { { "198.18.200.0/24", LIMIT(1000, 1000) },
						   { "198.18.201.0/24",
						     LIMIT(1000, 1000, .leaky = 1) } };
	/* a day's period: over the test's 2 ms of clock, decay is below 1e-7 */
	static const struct test_rule never_over[] = {
		{ "198.18.202.0/24", LIMIT(1000000000, 86400000) },
		{ "198.18.203.0/24", LIMIT(1000000000, 86400000, .leaky = 1) }
	};
	static const char *const mode[] = { "strict", "leaky" };
	static const char *const src[] = { "198.18.200.1", "198.18.201.1" };
	char src_ticking[2][32];
	struct blocked_state blk;
	__u64 passed, dropped;
	int m, err, where;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		check_skip("two CPUs on one source: this machine has one CPU");
		return;
	}
	env_load(env, strict, 2);
	for (m = 0; m < 2; m++) {
		err = hammer_counted(env, src[m], 1, 100000, 0, &passed, &dropped);
		/* at one instant each attempt adds exactly 1: attempts 1..999 pass,
		 * whatever the interleaving of the two CPUs' atomic adds */
		check(!err && passed == 999 && passed + dropped == 200000,
		      "two CPUs x 100000 SYNs from one source against 1000/1s %s at one instant: "
		      "expected exactly 999 passed and 199001 dropped, got %llu and %llu",
		      mode[m], (unsigned long long)passed, (unsigned long long)dropped);
		CHECK_EQ_U64("two CPUs: no attempt lost its state (syn_untracked)", 0,
			     delta(env, STAT_SYN_NO_STATE));
		where = state_of(env, src[m], &blk);
		if (m == 0) {
			/* strict: every drop was added to the blocked copy's rate
			 * without the lock, except those another CPU made on the
			 * old copy while the first drop's insert was in flight */
			__u64 rate = blk.state.value >> 16;

			check(where == 1 && rate <= 200000 && rate >= 200000 - 16 &&
				  blk.drops >= 199001 - 16 && blk.drops <= 199001,
			      "two CPUs strict: the blocked copy counts the flood: rate %llu of "
			      "200000 (at most 16 short), episode drops %llu of 199001",
			      (unsigned long long)rate, (unsigned long long)blk.drops);
		} else {
			check(where == 1 && blk.state.value == 999ULL << 16,
			      "two CPUs leaky: the refused attempts left the rate at 999 (got "
			      "%.3f)",
			      (double)blk.state.value / 65536);
		}
	}

	/* The clock moves every 100 SYNs on one CPU while the other adds
	 * without the lock at the instant it read: the locked step that moves
	 * the instant must keep every add. 200000 attempts within 2 ms of a
	 * day's period make a rate of 200000 (decay and rounding < 0.01). */
	env_load(env, never_over, 2);
	for (m = 0; m < 2; m++) {
		/* a host whose bucket of the blocked table holds no blocked
		 * source: a set bit sends known sources the full way */
		free_blocked_bucket(env, src_ticking[m], sizeof(src_ticking[m]), 202 + m);
		err = hammer_counted(env, src_ticking[m], 1000, 100, 1000, &passed, &dropped);
		where = state_of(env, src_ticking[m], &blk);
		check(!err && passed == 200000 && where == 0 &&
			  (blk.state.value + (1 << 15)) >> 16 == 200000,
		      "two CPUs %s, clock moving every 100 SYNs: the rate counts all 200000 "
		      "attempts (got %.3f, %llu passed)",
		      mode[m], (double)blk.state.value / 65536, (unsigned long long)passed);
		check(cache_hits(env, src_ticking[m]) > 0,
		      "two CPUs %s, clock moving: known entries passed some of them (%llu)",
		      mode[m], (unsigned long long)cache_hits(env, src_ticking[m]));
	}
	test_two_cpus_blocked(env);
}

/* The BPF object carries no floating point (BTF would show a FLOAT type). */
static void test_no_float(void)
{
	struct btf *btf = btf__parse_elf("build/synlimit.bpf.o", NULL);
	__u32 i, floats = 0;

	if (!check(btf != NULL, "read BTF of build/synlimit.bpf.o"))
		return;
	for (i = 1; i < btf__type_cnt(btf); i++)
		if (btf_kind(btf__type_by_id(btf, i)) == BTF_KIND_FLOAT)
			floats++;
	CHECK_EQ_U64("the BPF object has no floating point types", 0, floats);
	btf__free(btf);
}

int main(void)
{
	struct env env;
	cpu_set_t cpu0;

	/* one CPU for the sequential tests: the event budget is per CPU */
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	test_no_float();
	if (geteuid() != 0) {
		check_skip("limiter tests: BPF_PROG_TEST_RUN needs root");
		return check_done();
	}
	if (!check(env_open(&env, 4096, 1024) == 0, "load the XDP program with a fixed clock"))
		return check_done();
	test_lookup(&env);
	test_limits(&env);
	test_reload_keeps_history(&env);
	test_events(&env);
	test_traces_match_host(&env, 0);
	test_traces_match_host(&env, 1);
	test_block_window_clock_skew(&env);
	test_flood_cache(&env);
	test_per_masks_every_word(&env);
	test_two_cpus(&env);
	env_close(&env);
	test_tables();
	test_first_attempts();
	return check_done();
}
