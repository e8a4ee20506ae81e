// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Cookie mode through BPF_PROG_TEST_RUN, with the programs' clock set by
 * the test: the SYN-ACK the XDP program writes over a SYN (IPv4, IPv6,
 * VLAN tags: checksums, addresses, options as the kernel would answer), the
 * TC program on the ACK that completes the handshake (valid, forged,
 * stale, without a listener), what verification changes, and who gets no
 * SYN-ACK: denied and blocked sources, ports without cookies, rules with
 * syncookies=off, SYNs over the SYN-ACK cap. Auto mode's switching.
 *
 * The test runs in a network namespace of its own with listeners on port 25
 * (IPv4 and IPv6), for the TC program's socket lookup. Under
 * BPF_PROG_TEST_RUN the packet is not at TC ingress, so the kernel refuses
 * bpf_sk_assign_tcp_reqsk (-EINVAL): a valid ACK is counted as
 * cookie_assign_failed here; the end-to-end test sees it assigned.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "check.h"
#include "limit_table.h"
#include "limits_file.h"
#include "harness.h"
#include "pkt.h"
#include "stats.h"
#include "syncookie.h"
#include "synlimit.skel.h"
#include "syncookie_tc.skel.h"

#define SEC_NS	 1000000000ULL
#define T0	 (1000 * SEC_NS)
#define LO	 1 /* the namespace's loopback: the ifindex the XDP runs claim */
#define OUR_MSS4 1460
#define OUR_MSS6 1440

struct env {
	struct synlimit_bpf *skel;
	struct syncookie_tc_bpf *tc;
	int xdp_fd, tc_fd, stats_fd, clock_fd, config_fd, ifaces_fd, verified_fd;
	__u64 base[STAT_MAX];
};

static int dup_map_fd(const char *name, void *arg)
{
	struct env *env = arg;
	int fd = bpf_object__find_map_fd_by_name(env->skel->obj, name);

	return fd < 0 ? fd : dup(fd);
}

static void set_clock(struct env *env, __u64 now)
{
	__u32 zero = 0;

	bpf_map_update_elem(env->clock_fd, &zero, &now, BPF_ANY);
}

static void update_config(struct env *env, void (*change)(struct cookie_config *, __u64),
			  __u64 value)
{
	struct cookie_config cfg;
	__u32 zero = 0;

	bpf_map_lookup_elem(env->config_fd, &zero, &cfg);
	change(&cfg, value);
	bpf_map_update_elem(env->config_fd, &zero, &cfg, BPF_ANY);
}

static void set_ifaces(struct cookie_config *cfg, __u64 n)
{
	cfg->ifaces = (__u32)n;
}

static void set_cap(struct cookie_config *cfg, __u64 cap)
{
	cfg->synack_cap = cap;
}

static void set_iface(struct env *env, enum cookie_mode mode)
{
	struct cookie_iface ifc = {
		.mode = mode, .active = mode == COOKIE_MODE_ON, .mss4 = OUR_MSS4, .mss6 = OUR_MSS6
	};
	__u32 ifindex = LO;

	bpf_map_update_elem(env->ifaces_fd, &ifindex, &ifc, BPF_ANY);
}

static const char limits_text[] = "*                 5/1s\n"
				  "198.18.60.0/24    deny\n"
				  "198.18.7.0/24     2/1m\n"
				  "198.18.8.0/24     5/1s syncookies=off\n"
				  "198.18.9.0/24     5/1s syncookies=on\n"
				  "\"2001:db8::/32\"   5/1s\n";

static int env_open(struct env *env)
{
	struct limits_options lo = { .period_ns = 5 * SEC_NS, .diag = stderr };
	struct syncookie_options opts = { .mode = COOKIE_MODE_ON };
	struct limits limits = { 0 };
	int table, err;

	memset(env, 0, sizeof(*env));
	env->skel = synlimit_bpf__open();
	if (!env->skel)
		return -errno;
	env->skel->rodata->cfg_fixed_clock = 1;
	err = synlimit_bpf__load(env->skel);
	if (err)
		return err;
	env->tc = syncookie_tc_load(dup_map_fd, env, 1);
	if (!env->tc)
		return -errno;
	env->xdp_fd = bpf_program__fd(env->skel->progs.synlimit_xdp);
	env->tc_fd = bpf_program__fd(env->tc->progs.synlimit_cookie_ack);
	env->stats_fd = bpf_map__fd(env->skel->maps.stats);
	env->clock_fd = bpf_map__fd(env->skel->maps.fixed_clock);
	env->config_fd = bpf_map__fd(env->skel->maps.cookie_config);
	env->ifaces_fd = bpf_map__fd(env->skel->maps.cookie_ifaces);
	env->verified_fd = bpf_map__fd(env->skel->maps.verified);

	err = limits_parse("test.limits", limits_text, strlen(limits_text), &lo, &limits);
	if (err)
		return err;
	table = limit_table_create(limits.entries, limits.count);
	limits_free(&limits);
	if (table < 0)
		return table;
	err = limit_table_swap(bpf_map__fd(env->skel->maps.limit_tables), table);
	close(table);
	if (err)
		return err;
	err = syncookie_configure(env->config_fd, bpf_map__fd(env->skel->maps.cookie_ports), &opts);
	if (err)
		return err;
	update_config(env, set_ifaces, 1);
	set_iface(env, COOKIE_MODE_ON);
	set_clock(env, T0);
	return 0;
}

static void env_close(struct env *env)
{
	syncookie_tc_bpf__destroy(env->tc);
	synlimit_bpf__destroy(env->skel);
}

/* Counter deltas since the last mark. */
static void mark(struct env *env)
{
	stats_read(env->stats_fd, -1, env->base);
}

static __u64 delta(struct env *env, enum synlimit_stat stat)
{
	return stat_since(env->stats_fd, env->base, stat);
}

/* ---- packets ---- */

/* A SYN's options as Linux sends them: MSS, SACK_PERM, TS, NOP, WS. */
static const __u8 linux_syn_opts[20] = {
	2, 4, 0x05, 0xb4,			  /* MSS 1460 */
	4, 2, 8,    10,	  0x11, 0x22, 0x33, 0x44, /* SACK_PERM, TS val 0x11223344 */
	0, 0, 0,    0,	  1,	3,    3,    9,	  /* TS ecr 0, NOP, WS 9 */
};

struct frame {
	__u8 data[PKT_MAX];
	__u32 len;
};

static int run(int prog_fd, struct frame *in, struct frame *out, int xdp)
{
	struct xdp_md ctx = { .data_end = in->len, .ingress_ifindex = LO };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data, .data_size_in = in->len,
		    .data_out = out->data, .data_size_out = sizeof(out->data), .repeat = 1);

	if (xdp) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -1;
	out->len = opts.data_size_out;
	return (int)opts.retval;
}

static void build(struct frame *f, struct pkt_spec spec)
{
	f->len = (__u32)pkt_build(&spec, f->data, sizeof(f->data));
}

/* ---- reading a SYN-ACK ---- */

struct parsed {
	int v6, l3, l4, tcp_len;
	__u32 seq, ack_seq;
	__u8 flags;
	__u16 sport, dport, window, mss;
	int ws, sack, ts;
	__u32 tsval, tsecr;
};

static __u32 be32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static __u16 be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u16 folded(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* Parse f as Ethernet [VLAN]... IP TCP; checks every checksum. */
static int parse(const struct frame *f, struct parsed *p, const char *name)
{
	const __u8 *d = f->data;
	int off = 12, ok = 1;
	__u16 type = be16(d + 12);
	__u32 sum;

	memset(p, 0, sizeof(*p));
	while (type == 0x8100 || type == 0x88a8) {
		off += 4;
		type = be16(d + off);
	}
	p->l3 = off + 2;
	p->v6 = type == 0x86dd;
	if (p->v6) {
		p->l4 = p->l3 + 40;
		p->tcp_len = be16(d + p->l3 + 4);
		ok &= check(d[p->l3 + 6] == 6 && d[p->l3 + 7] == 64 && d[p->l3] == 0x60,
			    "%s: IPv6 next header TCP, hop limit 64", name);
		sum = pkt_sum16(d + p->l3 + 8, 32, 0);
	} else {
		p->l4 = p->l3 + 20;
		p->tcp_len = be16(d + p->l3 + 2) - 20;
		ok &= check(folded(pkt_sum16(d + p->l3, 20, 0)) == 0xffff,
			    "%s: IPv4 header checksum valid", name);
		ok &= check(d[p->l3 + 8] == 64 && d[p->l3 + 9] == 6, "%s: IPv4 TTL 64, TCP", name);
		sum = pkt_sum16(d + p->l3 + 12, 8, 0);
	}
	ok &= check(f->len == (__u32)(p->l4 + p->tcp_len),
		    "%s: frame length %u = headers + TCP length %d", name, f->len,
		    p->l4 + p->tcp_len);
	sum += 6 + (__u32)p->tcp_len;
	sum = pkt_sum16(d + p->l4, (size_t)p->tcp_len, sum);
	ok &= check(folded(sum) == 0xffff, "%s: TCP checksum valid", name);

	p->sport = be16(d + p->l4);
	p->dport = be16(d + p->l4 + 2);
	p->seq = be32(d + p->l4 + 4);
	p->ack_seq = be32(d + p->l4 + 8);
	p->flags = d[p->l4 + 13];
	p->window = be16(d + p->l4 + 14);
	p->ws = -1;
	for (off = p->l4 + 20; off < p->l4 + (d[p->l4 + 12] >> 4) * 4;) {
		__u8 kind = d[off];

		if (kind == 0)
			break;
		if (kind == 1) {
			off++;
			continue;
		}
		if (kind == 2)
			p->mss = be16(d + off + 2);
		else if (kind == 3)
			p->ws = d[off + 2];
		else if (kind == 4)
			p->sack = 1;
		else if (kind == 8) {
			p->ts = 1;
			p->tsval = be32(d + off + 2);
			p->tsecr = be32(d + off + 6);
		}
		off += d[off + 1] ? d[off + 1] : 1;
	}
	return ok;
}

/* The ACK a client sends for synack, with a TS option when it had one. */
static void ack_for(struct frame *ack, const struct parsed *sa, const char *src, const char *dst,
		    int vlan_tags, __u32 tsecr_xor)
{
	__u8 opts[12] = { 1, 1, 8, 10 };

	opts[4] = 0x11, opts[5] = 0x22, opts[6] = 0x33, opts[7] = 0x45; /* TSval */
	opts[8] = (__u8)((sa->tsval ^ tsecr_xor) >> 24);
	opts[9] = (__u8)((sa->tsval ^ tsecr_xor) >> 16);
	opts[10] = (__u8)((sa->tsval ^ tsecr_xor) >> 8);
	opts[11] = (__u8)(sa->tsval ^ tsecr_xor);
	build(ack, (struct pkt_spec){ .l3 = sa->v6 ? PKT_IPV6 : PKT_IPV4,
				      .vlan_tags = (__u8)vlan_tags,
				      .src = src,
				      .dst = dst,
				      .sport = sa->dport,
				      .dport = sa->sport,
				      .seq = sa->ack_seq,
				      .ack_seq = sa->seq + 1,
				      .tcp_flags = F_ACK,
				      .tcp_opts = sa->ts ? opts : NULL,
				      .tcp_opts_len = sa->ts ? 12 : 0 });
}

/* ---- the cases ---- */

static void syn_ack_case(struct env *env, const char *name, struct pkt_spec spec, int want_ws,
			 int want_sack, int want_ts, int want_ecn, __u16 want_mss)
{
	struct frame in, out;
	struct parsed p;
	int verdict;
	__u8 orig[PKT_MAX];

	build(&in, spec);
	memcpy(orig, in.data, in.len);
	mark(env);
	verdict = run(env->xdp_fd, &in, &out, 1);
	if (!check(verdict == XDP_TX, "%s: XDP_TX (expected %d, got %d)", name, XDP_TX, verdict))
		return;
	CHECK_EQ_U64("  syn_cookie_sent", 1, delta(env, STAT_SYN_COOKIE_SENT));
	CHECK_EQ_U64("  no source state created (source_inserts)", 0,
		     delta(env, STAT_SOURCE_INSERTS));
	CHECK_EQ_U64("  ...nor a first attempt recorded (source_first_attempts)", 0,
		     delta(env, STAT_SOURCE_FIRST));
	parse(&out, &p, name);
	check(!memcmp(out.data, orig + 6, 6) && !memcmp(out.data + 6, orig, 6),
	      "%s: MAC addresses swapped", name);
	check(!memcmp(out.data + 12, orig + 12, (size_t)p.l3 - 12),
	      "%s: ethertype and VLAN tags as they came", name);
	if (p.v6)
		check(!memcmp(out.data + p.l3 + 8, orig + p.l3 + 24, 16) &&
			  !memcmp(out.data + p.l3 + 24, orig + p.l3 + 8, 16),
		      "%s: IPv6 addresses swapped", name);
	else
		check(!memcmp(out.data + p.l3 + 12, orig + p.l3 + 16, 4) &&
			  !memcmp(out.data + p.l3 + 16, orig + p.l3 + 12, 4),
		      "%s: IPv4 addresses swapped", name);
	check(p.sport == (spec.dport ? spec.dport : 25) &&
		  p.dport == (spec.sport ? spec.sport : 40000),
	      "%s: ports swapped (%u -> %u)", name, p.sport, p.dport);
	check(p.flags == (0x12 | (want_ecn ? 0x40 : 0)), "%s: flags SYN|ACK%s (got 0x%02x)", name,
	      want_ecn ? "|ECE" : "", p.flags);
	check(p.ack_seq == (spec.seq ? spec.seq : 0x12000000) + 1, "%s: acknowledges ISN + 1",
	      name);
	check(p.mss == want_mss, "%s: MSS %u (got %u)", name, want_mss, p.mss);
	check(want_ws ? p.ws == COOKIE_OUR_WSCALE : p.ws == -1, "%s: window scale %s (got %d)",
	      name, want_ws ? "7" : "absent", p.ws);
	check(p.sack == want_sack, "%s: SACK permitted %s", name, want_sack ? "echoed" : "absent");
	check(p.ts == want_ts && (!want_ts || p.tsecr == 0x11223344),
	      "%s: timestamps %s (TSecr 0x%08x)", name, want_ts ? "echo TSval" : "absent", p.tsecr);
	check(p.window > 0 && p.window <= 10 * want_mss, "%s: window %u, at most 10 MSS", name,
	      p.window);
}

static void test_synacks(struct env *env)
{
	const __u8 *o = linux_syn_opts;

	syn_ack_case(env, "IPv4 SYN from Linux (MSS, SACK, TS, WS, ECN setup)",
		     (struct pkt_spec){
			 .tcp_opts = o, .tcp_opts_len = 20, .tcp_flags = F_SYN | F_ECE | F_CWR },
		     1, 1, 1, 1, OUR_MSS4);
	syn_ack_case(env, "IPv6 SYN from Linux",
		     (struct pkt_spec){ .l3 = PKT_IPV6, .tcp_opts = o, .tcp_opts_len = 20 }, 1, 1,
		     1, 0, OUR_MSS6);
	syn_ack_case(env, "IPv4 SYN behind a VLAN tag",
		     (struct pkt_spec){ .vlan_tags = 1, .tcp_opts = o, .tcp_opts_len = 20 }, 1, 1,
		     1, 0, OUR_MSS4);
	syn_ack_case(env, "IPv6 SYN behind 802.1ad + 802.1Q tags",
		     (struct pkt_spec){ .l3 = PKT_IPV6,
					.vlan_tags = 2,
					.vlan_tpid = { 0x88a8 },
					.tcp_opts = o,
					.tcp_opts_len = 20 },
		     1, 1, 1, 0, OUR_MSS6);
	syn_ack_case(env, "IPv4 SYN without options (RFC 793 client)",
		     (struct pkt_spec){ .src = "198.18.0.2" }, 0, 0, 0, 0, OUR_MSS4);
	syn_ack_case(env, "IPv4 SYN with 40 bytes of NOPs (the SYN-ACK is shorter)",
		     (struct pkt_spec){ .src = "198.18.0.3", .tcp_opt_words = 10 }, 0, 0, 0, 0,
		     OUR_MSS4);
}

/* A handshake through the cookie: SYN at t_syn, ACK at t_ack. Returns the
 * TC verdict on the ACK; *sa gets the SYN-ACK. */
static int handshake(struct env *env, const char *src, int v6, __u16 dport, __u64 t_syn,
		     __u64 t_ack, __u32 tsecr_xor, __u32 cookie_xor, struct parsed *sa)
{
	struct frame syn, out, ack, ack_out;
	const char *dst = v6 ? "2001:db8:1::1" : "198.19.0.1";

	set_clock(env, t_syn);
	build(&syn, (struct pkt_spec){ .l3 = v6 ? PKT_IPV6 : PKT_IPV4,
				       .src = src,
				       .dst = dst,
				       .dport = dport,
				       .seq = 0x01020304,
				       .tcp_opts = linux_syn_opts,
				       .tcp_opts_len = 20 });
	if (run(env->xdp_fd, &syn, &out, 1) != XDP_TX)
		return -2;
	parse(&out, sa, "  the SYN-ACK");
	sa->seq ^= cookie_xor;
	ack_for(&ack, sa, src, dst, 0, tsecr_xor);
	set_clock(env, t_ack);
	mark(env);
	return run(env->tc_fd, &ack, &ack_out, 0);
}

union addr16 {
	__u8 b[16];
	__u32 w[4];
};

/* An address in the 128-bit space, as the verified table keys it. */
static union addr16 addr16(const char *text)
{
	union addr16 a = { { 0 } };

	if (strchr(text, ':')) {
		inet_pton(AF_INET6, text, a.b);
	} else {
		a.w[2] = htonl(0xffff);
		inet_pton(AF_INET, text, &a.w[3]);
	}
	return a;
}

static int is_verified(struct env *env, const char *text)
{
	union addr16 a = addr16(text);
	__u64 since;

	return !bpf_map_lookup_elem(env->verified_fd, &a, &since);
}

static void test_acks(struct env *env)
{
	struct parsed sa;
	struct frame syn, out;
	int v;

	v = handshake(env, "198.18.1.1", 0, 25, T0, T0 + SEC_NS, 0, 0, &sa);
	check(v == TC_ACT_OK, "IPv4: the ACK with our cookie passes (verdict %d)", v);
	CHECK_EQ_U64("  ...counted as handed to the kernel, which refuses it outside TC ingress "
		     "(cookie_assign_failed)",
		     1, delta(env, STAT_COOKIE_ASSIGN_FAILED));
	CHECK_EQ_U64("  ...and not as invalid", 0, delta(env, STAT_COOKIE_ACK_INVALID));
	CHECK_EQ_U64("  ...the source verified (cookie_verified)", 1,
		     delta(env, STAT_COOKIE_VERIFIED));
	check(is_verified(env, "198.18.1.1"), "  ...198.18.1.1 is in the verified table");

	/* the verified source's next SYN meets its limit: 5/1s passes 5 */
	build(&syn, (struct pkt_spec){ .src = "198.18.1.1" });
	mark(env);
	v = run(env->xdp_fd, &syn, &out, 1);
	check(v == XDP_PASS, "a verified source's SYN passes to its limit (verdict %d)", v);
	CHECK_EQ_U64("  ...syn_passed", 1, delta(env, STAT_SYN_PASSED));
	CHECK_EQ_U64("  ...cookie_verified_syn", 1, delta(env, STAT_COOKIE_VERIFIED_SYN));
	CHECK_EQ_U64("  ...its first attempt recorded now (source_first_attempts)", 1,
		     delta(env, STAT_SOURCE_FIRST));

	v = handshake(env, "2001:db8::77", 1, 25, T0, T0 + SEC_NS, 0, 0, &sa);
	check(v == TC_ACT_OK && is_verified(env, "2001:db8::77"),
	      "IPv6: the ACK with our cookie passes and verifies the source (verdict %d)", v);

	v = handshake(env, "198.18.1.2", 0, 25, T0, T0 + SEC_NS, 0, 1 << 20, &sa);
	check(v == TC_ACT_SHOT, "a forged ACK (a cookie hash bit flipped) is dropped (verdict %d)",
	      v);
	CHECK_EQ_U64("  ...cookie_ack_invalid", 1, delta(env, STAT_COOKIE_ACK_INVALID));
	check(!is_verified(env, "198.18.1.2"), "  ...198.18.1.2 not verified");

	v = handshake(env, "198.18.1.3", 0, 25, T0, T0 + SEC_NS, 0, 0x20, &sa);
	check(v == TC_ACT_SHOT,
	      "an ACK whose cookie claims other options (ECN bit flipped) is dropped (verdict %d)",
	      v);

	v = handshake(env, "198.18.1.4", 0, 25, T0, T0 + SEC_NS, 0x01, 0, &sa);
	check(v == TC_ACT_SHOT,
	      "an ACK whose TSecr does not echo the cookie's TSval byte is dropped (verdict %d)",
	      v);

	v = handshake(env, "198.18.1.5", 0, 25, T0, T0 + (2ULL << COOKIE_SLOT_SHIFT), 0, 0, &sa);
	check(v == TC_ACT_SHOT, "a stale ACK (two 68.7 s slots later) is dropped (verdict %d)", v);
	CHECK_EQ_U64("  ...cookie_ack_invalid", 1, delta(env, STAT_COOKIE_ACK_INVALID));
	v = handshake(env, "198.18.1.6", 0, 25, T0, T0 + (1ULL << COOKIE_SLOT_SHIFT), 0, 0, &sa);
	check(v == TC_ACT_OK, "an ACK one slot later still passes (verdict %d)", v);

	v = handshake(env, "198.18.1.7", 0, 26, T0, T0 + SEC_NS, 0, 1 << 20, &sa);
	check(v == TC_ACT_OK,
	      "an ACK to a port with no listener passes, for the kernel to reset (verdict %d)", v);
	CHECK_EQ_U64("  ...neither valid nor invalid", 0,
		     delta(env, STAT_COOKIE_ACK_INVALID) + delta(env, STAT_COOKIE_ASSIGN_FAILED));
}

static int syn_verdict(struct env *env, const char *src, __u16 dport, struct frame *out)
{
	struct frame syn;

	build(&syn, (struct pkt_spec){ .src = src, .dport = dport });
	return run(env->xdp_fd, &syn, out, 1);
}

static void test_no_synack(struct env *env)
{
	struct syncookie_options opts = { .mode = COOKIE_MODE_ON, .ports_given = 1 };
	struct parsed sa;
	struct frame out;
	const char *why;
	int v, i;
	char verdicts[8] = "";

	set_clock(env, T0 + 10 * SEC_NS);
	mark(env);
	v = syn_verdict(env, "198.18.60.1", 25, &out);
	check(v == XDP_DROP, "a denied source gets no SYN-ACK: dropped (verdict %d)", v);
	CHECK_EQ_U64("  ...syn_dropped_deny", 1, delta(env, STAT_SYN_DROP_DENY));
	CHECK_EQ_U64("  ...no cookie", 0, delta(env, STAT_SYN_COOKIE_SENT));

	mark(env);
	v = syn_verdict(env, "198.18.8.1", 25, &out);
	check(v == XDP_PASS, "syncookies=off: the rule's sources meet their limit (verdict %d)", v);
	CHECK_EQ_U64("  ...syn_passed", 1, delta(env, STAT_SYN_PASSED));

	/* 198.18.7.7 verifies, then goes over 2/1m and is blocked; out of the
	 * verified table, its SYNs still get no SYN-ACK, only its block */
	v = handshake(env, "198.18.7.7", 0, 25, T0 + 10 * SEC_NS, T0 + 10 * SEC_NS, 0, 0, &sa);
	for (i = 0; i < 3; i++)
		verdicts[i] = syn_verdict(env, "198.18.7.7", 25, &out) == XDP_PASS ? 'P' : 'D';
	check(v == TC_ACT_OK && !strcmp(verdicts, "PDD"),
	      "a verified source over 2/1m: P then D D (got %s)", verdicts);
	{
		union addr16 a = addr16("198.18.7.7");

		bpf_map_delete_elem(env->verified_fd, &a);
	}
	mark(env);
	v = syn_verdict(env, "198.18.7.7", 25, &out);
	check(v == XDP_DROP, "a blocked source no longer verified gets no SYN-ACK (verdict %d)", v);
	CHECK_EQ_U64("  ...its drop counted by its limit (syn_dropped_limit)", 1,
		     delta(env, STAT_SYN_DROP_LIMIT));
	CHECK_EQ_U64("  ...no cookie", 0, delta(env, STAT_SYN_COOKIE_SENT));

	/* --syncookie-ports 25,8000-8099: port 80 is limited as before */
	if (syncookie_parse_ports("25,8000-8099", opts.ports, &why) ||
	    syncookie_configure(env->config_fd, bpf_map__fd(env->skel->maps.cookie_ports), &opts)) {
		check(0, "--syncookie-ports 25,8000-8099 configured");
		return;
	}
	mark(env);
	v = syn_verdict(env, "198.18.2.1", 80, &out);
	check(v == XDP_PASS,
	      "--syncookie-ports 25,8000-8099: a SYN to port 80 meets its limit "
	      "(verdict %d)",
	      v);
	v = syn_verdict(env, "198.18.2.2", 8050, &out);
	check(v == XDP_TX, "  ...a SYN to port 8050 gets a cookie (verdict %d)", v);
	CHECK_EQ_U64("  ...one cookie, one pass", 11,
		     delta(env, STAT_SYN_COOKIE_SENT) * 10 + delta(env, STAT_SYN_PASSED));

	/* the cap: 2 SYN-ACKs in a second's window, the third dropped */
	update_config(env, set_cap, 2);
	set_clock(env, T0 + 100 * SEC_NS);
	mark(env);
	for (i = 0; i < 4; i++)
		verdicts[i] = syn_verdict(env, "198.18.3.1", 25, &out) == XDP_TX ? 'T' : 'D';
	verdicts[4] = '\0';
	check(!strcmp(verdicts, "TTDD"), "SYN-ACK cap 2/s: T T then D D (got %s)", verdicts);
	CHECK_EQ_U64("  ...syn_cookie_capped", 2, delta(env, STAT_SYN_COOKIE_CAPPED));
	set_clock(env, T0 + 102 * SEC_NS);
	v = syn_verdict(env, "198.18.3.1", 25, &out);
	check(v == XDP_TX, "  ...and a SYN-ACK again in the next window (verdict %d)", v);
	update_config(env, set_cap, 0);
}

/* Auto: on when a second's window holds auto_on_rate attempts, off after
 * auto_hold_ns of windows under auto_off_rate. */
static void test_auto(struct env *env)
{
	struct frame out;
	int i, v;

	set_iface(env, COOKIE_MODE_AUTO);
	set_clock(env, T0 + 200 * SEC_NS);
	v = syn_verdict(env, "198.18.4.1", 25, &out);
	check(v == XDP_PASS, "auto, quiet: a SYN meets its limit (verdict %d)", v);
	for (i = 0; i < COOKIE_AUTO_ON_DEFAULT - 3; i++) /* the 2nd .. 1998th */
		syn_verdict(env, "198.18.4.1", 25, &out);
	mark(env);
	v = syn_verdict(env, "198.18.4.2", 25, &out);
	check(v != XDP_TX, "auto: the %dth attempt in a second still meets its limit (verdict %d)",
	      COOKIE_AUTO_ON_DEFAULT - 1, v);
	v = syn_verdict(env, "198.18.4.2", 25, &out);
	check(v == XDP_TX, "auto: the %dth attempt in the same second gets a cookie (verdict %d)",
	      COOKIE_AUTO_ON_DEFAULT, v);
	CHECK_EQ_U64("  ...cookie_auto_on", 1, delta(env, STAT_COOKIE_AUTO_ON));
	CHECK_EQ_U64("  ...one event sent", 1, delta(env, STAT_EVENTS_SENT));
	set_clock(env, T0 + 201 * SEC_NS + 1);
	v = syn_verdict(env, "198.18.4.2", 25, &out);
	check(v == XDP_TX, "auto: next second, still on (verdict %d)", v);
	set_clock(env, T0 + 203 * SEC_NS);
	v = syn_verdict(env, "198.18.4.3", 25, &out);
	check(v == XDP_TX, "auto: quiet for 2 s, still on (hold 5 s) (verdict %d)", v);
	set_clock(env, T0 + 205 * SEC_NS);
	syn_verdict(env, "198.18.4.4", 25, &out);
	set_clock(env, T0 + 207 * SEC_NS);
	v = syn_verdict(env, "198.18.4.5", 25, &out);
	check(v == XDP_PASS, "auto: quiet for more than 5 s, off again (verdict %d)", v);
	CHECK_EQ_U64("  ...cookie_auto_off", 1, delta(env, STAT_COOKIE_AUTO_OFF));
	v = syn_verdict(env, "198.18.9.1", 25, &out);
	check(v == XDP_TX,
	      "auto, idle: a rule with syncookies=on still answers with a cookie "
	      "(verdict %d)",
	      v);
	set_iface(env, COOKIE_MODE_ON);
}

static int own_netns_with_listeners(int *fds)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(25) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(25) };
	struct ifreq ifr = { .ifr_name = "lo" };
	int one = 1, s;

	if (unshare(CLONE_NEWNET))
		return -errno;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	close(s);
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = socket(AF_INET6, SOCK_STREAM, 0);
	if (fds[0] < 0 || fds[1] < 0 ||
	    setsockopt(fds[1], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	    bind(fds[0], (struct sockaddr *)&a4, sizeof(a4)) ||
	    bind(fds[1], (struct sockaddr *)&a6, sizeof(a6)) || listen(fds[0], 16) ||
	    listen(fds[1], 16))
		return -errno;
	return 0;
}

int main(void)
{
	struct env env;
	int fds[2], err;

	if (geteuid()) {
		check_skip("test_syncookie: needs root for BPF_PROG_TEST_RUN and a network "
			   "namespace");
		return check_done();
	}
	err = own_netns_with_listeners(fds);
	if (err) {
		check(0, "a network namespace with listeners on port 25: %s", strerror(-err));
		return check_done();
	}
	err = env_open(&env);
	if (err) {
		check(0, "load the XDP and TC programs with cookie mode: %s", strerror(-err));
		env_close(&env);
		return check_done();
	}
	test_synacks(&env);
	test_acks(&env);
	test_no_synack(&env);
	test_auto(&env);
	env_close(&env);
	close(fds[0]);
	close(fds[1]);
	return check_done();
}
