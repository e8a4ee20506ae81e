// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Port rules and bans in the real XDP program, through BPF_PROG_TEST_RUN
 * with the program's clock set by the test. Tables come from limits-file
 * text through the parser and limit_table_install, as reload makes them;
 * bans through bans_add/bans_remove, as the ban commands make them:
 *  - port rules decide their ports, port-less rules the rest, each rule
 *    with its own state for one source; ranges; IPv4 and IPv6;
 *  - a table with port rules and no default; reloads between tables with
 *    and without ports (slots alternate, history kept per port set);
 *  - a ban overrides allow and a limit, expires at its time, unban;
 *  - one source's two ports, each dropped from its own flood cache entry.
 */
#include <bpf/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "bans.h"
#include "check.h"
#include "limit_table.h"
#include "limits_file.h"
#include "harness.h"
#include "pkt.h"
#include "rule.h"
#include "source_table.h"
#include "stats.h"
#include "synlimit.skel.h"
#include "synlimit/source_table.h"

#define T0 (1000 * NSEC_PER_SEC)

static struct synlimit_bpf *skel;
static int prog_fd, stats_fd;
static __u64 base[STAT_MAX];

/* Parse text as a limits file and make it the live table. */
static int load_text(const char *text)
{
	struct limits_options lo = { .period_ns = 5 * NSEC_PER_SEC, .diag = stderr };
	struct limits limits;
	int err = limits_parse("test.limits", text, strlen(text), &lo, &limits);
	__u32 generation = err ? 0 : generation_next(skel, limits.entries, limits.count);

	if (!err)
		err = limit_table_install(bpf_map__fd(skel->maps.limit_tables),
					  bpf_map__fd(skel->maps.port_tables), limits.entries,
					  limits.count);
	if (!err)
		err = generation_set(skel, generation);
	limits_free(&limits);
	return err;
}

/* One SYN from src to port at now: 'P' or 'D' ('?' on error). */
static char syn(const char *src, __u16 port, __u64 now)
{
	struct pkt_spec spec = { .l3 = strchr(src, ':') ? PKT_IPV6 : PKT_IPV4,
				 .src = src,
				 .dport = port };
	__u8 frame[PKT_MAX];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .repeat = 1);
	__u32 zero = 0;

	opts.data_size_in = pkt_build(&spec, frame, sizeof(frame));
	bpf_map_update_elem(bpf_map__fd(skel->maps.fixed_clock), &zero, &now, BPF_ANY);
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return '?';
	return opts.retval == XDP_DROP ? 'D' : 'P';
}

/* n SYNs from src to port at one instant, as a string of P and D. */
static const char *syns(const char *src, __u16 port, __u64 now, int n)
{
	static char out[32];
	int i;

	for (i = 0; i < n && i < 31; i++)
		out[i] = syn(src, port, now);
	out[i] = '\0';
	return out;
}

static void mark(void)
{
	stats_read(stats_fd, -1, base);
}

static __u64 delta(enum synlimit_stat stat)
{
	__u64 now[STAT_MAX];

	stats_read(stats_fd, -1, now);
	return now[stat] - base[stat];
}

static int expect(const char *name, const char *want, const char *got)
{
	return check(!strcmp(want, got), "%s: expected %s, got %s", name, want, got);
}

/* The scopes of src's states in the sources table, as "count". */
static int states_of(const char *src)
{
	int fd = bpf_map__fd(skel->maps.sources), n = 0, w;
	__u32 i, buckets = bpf_map__max_entries(skel->maps.sources);
	union synlimit_addr addr;
	struct source_bucket b;
	unsigned int prefix;
	const char *why;

	addr_parse(src, &addr, &prefix, &why);
	for (i = 0; i < buckets; i++) {
		if (bpf_map_lookup_elem(fd, &i, &b))
			continue;
		for (w = 0; w < SOURCE_WAYS; w++)
			n += b.head.tag[w] && !memcmp(&b.head.key[w].addr, &addr, sizeof(addr)) &&
			     b.head.key[w].prefixlen == 128;
	}
	return n;
}

static void test_port_rules(void)
{
	static const char file[] = "*                  100/1s\n"
				   "198.18.1.0/24      3/5s port=25,465,587\n"
				   "198.18.1.0/24      2/5s port=80\n"
				   "198.18.2.0/24      deny port=22\n"
				   "198.18.2.0/24      allow\n"
				   "198.18.3.7         allow\n"
				   "198.18.3.0/24      deny port=8000-8099\n"
				   "\"2001:db8:1::/48\" 2/5s port=443\n"
				   "\"2001:db8::/32\"   deny\n";
	static const __u16 range_ports[] = { 7999, 8000, 8050, 8099, 8100 };
	char seq[6];
	int i;

	if (!check(load_text(file) == 0, "ports: load a file with port rules"))
		return;
	mark();
	/* at one instant each SYN adds 1 to the rate: a limit of N passes N-1 */
	expect("ports: 198.18.1.1 to 25 under 3/5s port=25,465,587", "PPD",
	       syns("198.18.1.1", 25, T0, 3));
	expect("ports: ...to 465 shares that rule's state", "D", syns("198.18.1.1", 465, T0, 1));
	expect("ports: ...to 587 at the same instant", "D", syns("198.18.1.1", 587, T0, 1));
	expect("ports: ...to 80 its own 2/5s state", "PDD", syns("198.18.1.1", 80, T0, 3));
	expect("ports: ...to 443 the port-less * 100/1s", "PPPPP", syns("198.18.1.1", 443, T0, 5));
	CHECK_EQ_U64("ports: syn_dropped_limit for the mail and web drops", 5,
		     delta(STAT_SYN_DROP_LIMIT));
	CHECK_EQ_U64("ports: three states for 198.18.1.1 (mail, web, port-less)", 3,
		     states_of("198.18.1.1"));

	mark();
	expect("ports: deny port=22 beats the allow of the same /24", "D",
	       syns("198.18.2.1", 22, T0, 1));
	expect("ports: ...port 23 takes the allow", "P", syns("198.18.2.1", 23, T0, 1));
	CHECK_EQ_U64("ports: syn_dropped_deny +1", 1, delta(STAT_SYN_DROP_DENY));
	CHECK_EQ_U64("ports: syn_allowed +1", 1, delta(STAT_SYN_ALLOWED));
	for (i = 0; i < 5; i++)
		seq[i] = syn("198.18.3.7", range_ports[i], T0);
	seq[5] = '\0';
	expect("ports: range 8000-8099 beats a longer port-less allow: 7999 8000 8050 8099 8100",
	       "PDDDP", seq);
	expect("ports: IPv6 2001:db8:1::1 to 443 under 2/5s", "PDD",
	       syns("2001:db8:1::1", 443, T0, 3));
	expect("ports: IPv6 2001:db8:1::1 to 80 takes the port-less deny", "D",
	       syns("2001:db8:1::1", 80, T0, 1));
	expect("ports: IPv6 2001:db8:2::1 to 443 (outside the /48) takes the deny", "D",
	       syns("2001:db8:2::1", 443, T0, 1));
}

static int slot_used(__u32 slot)
{
	__u32 id;

	return !bpf_map_lookup_elem(bpf_map__fd(skel->maps.port_tables), &slot, &id);
}

static void test_no_default_and_reloads(void)
{
	static const char only_ports[] = "198.18.4.0/24 3/5s port=25\n";
	static const char mail_and_web[] = "198.18.4.0/24 3/5s port=25\n"
					   "198.18.4.0/24 10/5s port=80\n";
	static const char portless[] = "198.18.4.0/24 3/5s\n";
	__u32 slot;

	if (!check(load_text(only_ports) == 0, "reloads: load a file of port rules only"))
		return;
	mark();
	expect("no default: 198.18.4.1 to 25 limited", "PPD", syns("198.18.4.1", 25, T0, 3));
	expect("no default: ...to 80 no rule", "PP", syns("198.18.4.1", 80, T0, 2));
	expect("no default: 198.18.9.9 to 25 no rule", "P", syns("198.18.9.9", 25, T0, 1));
	CHECK_EQ_U64("no default: syn_no_rule +3", 3, delta(STAT_SYN_NO_RULE));
	slot = slot_used(0) ? 0 : 1;
	check(slot_used(slot) && !slot_used(!slot), "reloads: the port rules take one slot");

	load_text(mail_and_web);
	check(!slot_used(slot) && slot_used(!slot),
	      "reloads: the next port rules take the other slot, the first is freed");
	expect("reloads: port=25 unchanged keeps its history (still over)", "D",
	       syns("198.18.4.1", 25, T0, 1));
	expect("reloads: the new port=80 rule limits", "PPPPPPPPPD",
	       syns("198.18.4.1", 80, T0, 10));
	load_text(portless);
	check(!slot_used(0) && !slot_used(1), "reloads: a file without ports frees both slots");
	expect("reloads: without ports 25 takes the port-less 3/5s (a state of its own)", "PPD",
	       syns("198.18.4.1", 25, T0, 3));
	expect("reloads: ...and 80 shares it", "D", syns("198.18.4.1", 80, T0, 1));
}

static int ban(const char *what, __u64 expires_ns)
{
	struct ban value = { .expires_ns = expires_ns };
	struct rule_key key;
	const char *why;

	strcpy(value.reason, "test");
	if (ban_parse_key(what, &key, &why))
		return -EINVAL;
	return bans_add(bpf_map__fd(skel->maps.bans), bpf_map__fd(skel->maps.config), &key, 1,
			&value);
}

static int unban(const char *what)
{
	struct rule_key key;
	const char *why;

	if (ban_parse_key(what, &key, &why))
		return -EINVAL;
	return bans_remove(bpf_map__fd(skel->maps.bans), bpf_map__fd(skel->maps.config), &key);
}

/* config.bans: whether the program looks bans up */
static __u32 bans_marked(void)
{
	struct synlimit_config config;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.config), &zero, &config))
		return ~0U;
	return config.bans;
}

static void test_bans(void)
{
	static const char file[] = "*               100/1s\n"
				   "198.18.7.0/24   allow\n"
				   "198.18.10.0/24  2/5s\n"
				   "\"2001:db8:7::/48\" allow\n";

	if (!check(load_text(file) == 0, "bans: load a file with allow rules"))
		return;
	CHECK_EQ_U64("bans: none yet: the program does not look (config.bans)", 0, bans_marked());
	check(bans_add(bpf_map__fd(skel->maps.bans), bpf_map__fd(skel->maps.config), NULL, 0,
		       &(struct ban){ 0 }) == 0,
	      "bans: an empty list bans nothing");
	CHECK_EQ_U64("bans: ...and sets no mark", 0, bans_marked());
	mark();
	check(ban("198.18.7.0/24", 0) == 0, "bans: ban 198.18.7.0/24 until unban");
	CHECK_EQ_U64("bans: ...now it looks", 1, bans_marked());
	expect("bans: a ban overrides allow", "DD", syns("198.18.7.5", 25, T0, 2));
	CHECK_EQ_U64("bans: syn_dropped_ban +2", 2, delta(STAT_SYN_DROP_BAN));
	CHECK_EQ_U64("bans: no rule was looked at (syn_allowed +0)", 0, delta(STAT_SYN_ALLOWED));
	expect("bans: a ban overrides a limit (198.18.8.1 under 100/1s)", "P",
	       syns("198.18.8.1", 25, T0, 1));
	ban("198.18.8.1", 0);
	expect("bans: ...banned host", "D", syns("198.18.8.1", 25, T0, 1));
	check(unban("198.18.7.0/24") == 0, "bans: unban the /24");
	CHECK_EQ_U64("bans: ...one ban left: it still looks", 1, bans_marked());
	check(unban("198.18.8.1") == 0, "bans: unban the host");
	CHECK_EQ_U64("bans: ...none left: it looks no more", 0, bans_marked());
	expect("bans: after unban the allow applies again", "P", syns("198.18.7.5", 25, T0, 1));
	expect("bans: after unban the limit applies again", "P", syns("198.18.8.1", 25, T0, 1));
	check(unban("198.18.8.1") == -ENOENT, "bans: unban of an address not banned is -ENOENT");

	/* a blocked source's drops come from the flood cache: a ban still wins */
	expect("bans: 198.18.10.1 blocked under 2/5s", "PDD", syns("198.18.10.1", 25, T0, 3));
	ban("198.18.10.1", 0);
	mark();
	expect("bans: ...then banned", "DD", syns("198.18.10.1", 25, T0, 2));
	CHECK_EQ_U64("bans: the ban decides, not the cached block (syn_dropped_ban +2)", 2,
		     delta(STAT_SYN_DROP_BAN));
	CHECK_EQ_U64("bans: ...syn_dropped_limit +0", 0, delta(STAT_SYN_DROP_LIMIT));
	unban("198.18.10.1");
	expect("bans: after unban its block goes on", "D", syns("198.18.10.1", 25, T0, 1));
	CHECK_EQ_U64("bans: ...as a limit drop", 1, delta(STAT_SYN_DROP_LIMIT));

	/* the data path's own clock ends a ban, nothing else runs */
	ban("198.18.9.0/24", T0 + 10 * NSEC_PER_SEC);
	mark();
	expect("bans: until T0+10s: dropped at T0+9.999999999s", "D",
	       syns("198.18.9.1", 25, T0 + 10 * NSEC_PER_SEC - 1, 1));
	expect("bans: ...passes at T0+10s exactly", "P",
	       syns("198.18.9.1", 25, T0 + 10 * NSEC_PER_SEC, 1));
	CHECK_EQ_U64("bans: one ban drop before the expiry", 1, delta(STAT_SYN_DROP_BAN));
	check(bans_purge(bpf_map__fd(skel->maps.bans), bpf_map__fd(skel->maps.config),
			 T0 + 10 * NSEC_PER_SEC) == 1,
	      "bans: purge removes the expired ban");
	CHECK_EQ_U64("bans: ...the last: the program looks no more (config.bans)", 0,
		     bans_marked());
	/* a later ban of the same key replaces the earlier */
	ban("198.18.9.0/24", T0 + 20 * NSEC_PER_SEC);
	ban("198.18.9.0/24", T0 + 5 * NSEC_PER_SEC);
	expect("bans: the later ban of a key replaces the earlier (expired at T0+5s)", "P",
	       syns("198.18.9.1", 25, T0 + 6 * NSEC_PER_SEC, 1));
	unban("198.18.9.0/24");

	ban("2001:db8:7::/48", 0);
	ban("2001:db8:7:1::5", T0 + NSEC_PER_SEC);
	expect("bans: IPv6 /48 ban overrides its allow", "D", syns("2001:db8:7:2::1", 443, T0, 1));
	expect("bans: the longest ban decides: the host's ban expired, the /48 still holds", "D",
	       syns("2001:db8:7:1::5", 443, T0 + 2 * NSEC_PER_SEC, 1));
	unban("2001:db8:7::/48");
	expect("bans: ...the host alone, expired: passes", "P",
	       syns("2001:db8:7:1::5", 443, T0 + 2 * NSEC_PER_SEC, 1));
	unban("2001:db8:7:1::5");

	/* what the mark gates: a ban put in the trie behind the commands'
	 * backs is not looked at until the mark says there are bans */
	{
		struct ban value = { 0 };
		struct rule_key key;
		const char *why;

		ban_parse_key("198.18.9.0/24", &key, &why);
		value.prefixlen = key.prefixlen;
		check(!bpf_map_update_elem(bpf_map__fd(skel->maps.bans), &key, &value, BPF_ANY),
		      "bans: a ban straight into the trie");
		expect("bans: ...unmarked, the program does not look (passes)", "P",
		       syns("198.18.9.2", 25, T0 + 7 * NSEC_PER_SEC, 1));
		check(ban("198.18.9.0/24", 0) == 0, "bans: the same ban by the command");
		expect("bans: ...marked, it drops", "D",
		       syns("198.18.9.2", 25, T0 + 7 * NSEC_PER_SEC, 1));
		unban("198.18.9.0/24");
	}
	CHECK_EQ_U64("bans: every ban lifted: config.bans 0", 0, bans_marked());
}

/* The hits of src's flood cache entry for port on CPU 0 (the tests run
 * there), or -1 where it has none. */
static long cache_hits(const char *src, __u16 port)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct flood_block *blocks = calloc(ncpu > 0 ? ncpu : 1, sizeof(*blocks));
	union synlimit_addr addr;
	unsigned int prefix;
	const char *why;
	long hits = -1;
	__u32 slot;

	addr_parse(src, &addr, &prefix, &why);
	slot = flood_cache_set(&addr, skel->rodata->cfg_table_seed) * FLOOD_CACHE_WAYS;
	if (blocks && !flood_cache_block(bpf_map__fd(skel->maps.flood_cache), slot, blocks))
		for (i = 0; i < FLOOD_CACHE_WAYS; i++) {
			const struct flood_entry *e =
			    &blocks[0].e[(slot + i) % FLOOD_BLOCK_ENTRIES];

			if (e->generation && !memcmp(&e->src, &addr, sizeof(addr)) &&
			    e->dport == bpf_htons(port))
				hits = e->hits;
		}
	free(blocks);
	return hits;
}

/*
 * One source flooding two ports under two port rules has two flood cache
 * entries in one set, both with its tag: each port's SYNs are dropped by
 * its own entry, whichever way it took.
 */
static void test_two_ports_cached(void)
{
	if (!check(load_text("198.18.6.0/24 3/5s port=25\n198.18.6.0/24 3/5s port=80\n") == 0,
		   "cache: load two port rules"))
		return;
	expect("cache: 198.18.6.1 to 25, blocked", "PPD", syns("198.18.6.1", 25, T0, 3));
	expect("cache: ...to 80, blocked under its own rule", "PPD", syns("198.18.6.1", 80, T0, 3));
	expect("cache: ...ten more to 80", "DDDDDDDDDD", syns("198.18.6.1", 80, T0, 10));
	CHECK_EQ_U64("cache: ...all ten dropped by port 80's entry", 10,
		     (__u64)cache_hits("198.18.6.1", 80));
	expect("cache: ...ten more to 25", "DDDDDDDDDD", syns("198.18.6.1", 25, T0, 10));
	CHECK_EQ_U64("cache: ...all ten dropped by port 25's entry", 10,
		     (__u64)cache_hits("198.18.6.1", 25));
}

int main(void)
{
	cpu_set_t cpu0;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	sched_setaffinity(0, sizeof(cpu0), &cpu0);
	if (geteuid() != 0) {
		check_skip("port and ban tests: BPF_PROG_TEST_RUN needs root");
		return check_done();
	}
	skel = synlimit_bpf__open();
	if (skel)
		skel->rodata->cfg_fixed_clock = 1;
	if (!check(skel && !synlimit_bpf__load(skel), "load the XDP program with a fixed clock"))
		return check_done();
	prog_fd = bpf_program__fd(skel->progs.synlimit_xdp);
	stats_fd = bpf_map__fd(skel->maps.stats);
	test_port_rules();
	test_no_default_and_reloads();
	test_bans();
	test_two_ports_cached();
	synlimit_bpf__destroy(skel);
	return check_done();
}
