// SPDX-License-Identifier: GPL-2.0-only
/*
 * synlimit's TC ingress program for cookie mode: the ACK that completes a
 * handshake whose SYN-ACK the XDP program sent (bpf/syncookie.h) is checked
 * here and handed to the kernel as a request socket with
 * bpf_sk_assign_tcp_reqsk (Linux 6.9 and later): the listener makes the
 * connection from it as from one of its own SYN cookies. The source is
 * marked verified, so its next SYNs meet their limit instead of a cookie.
 *
 * An ACK for no connection at a listener that carries neither our cookie
 * nor the kernel's own is dropped. Everything else passes untouched.
 *
 * A separate object from the XDP program, loaded only when cookies are
 * wanted, so that the XDP program keeps loading on kernels without the
 * kfunc. It shares the XDP program's maps (the controller reuses them by
 * name), and so includes the same map headers.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "synlimit/cookie.h"
#include "maps.h"
#include "clock.h"
#include "syncookie.h"

/* The kernel's types this program names. Only pointers to struct sock are
 * passed on (the verifier checks them against the kernel's BTF), so an
 * empty definition is enough. */
struct sock {
};

struct bpf_tcp_req_attrs {
	__u32 rcv_tsval;
	__u32 rcv_tsecr;
	__u16 mss;
	__u8 rcv_wscale;
	__u8 snd_wscale;
	__u8 ecn_ok;
	__u8 wscale_ok;
	__u8 sack_ok;
	__u8 tstamp_ok;
	__u8 usec_ts_ok;
	__u8 reserved[3];
};

extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs, int attrs__sz) __ksym;

static __always_inline void tc_count(enum synlimit_stat stat)
{
	__u32 zero = 0;
	struct synlimit_stats *st = bpf_map_lookup_elem(&stats, &zero);

	if (st && stat < STAT_MAX)
		st->count[stat]++;
}

static __always_inline void mark_verified(const union synlimit_addr *src, __u64 now)
{
	__u64 *since = bpf_map_lookup_elem(&verified, src);

	if (since) {
		*since = now;
		return;
	}
	if (!bpf_map_update_elem(&verified, src, &now, BPF_NOEXIST))
		tc_count(STAT_COOKIE_VERIFIED);
}

/* What the kernel needs to make the connection, from the cookie and the
 * ACK's own timestamps. */
static __always_inline void req_attrs(struct bpf_tcp_req_attrs *a, __u32 cookie, int v6,
				      const struct tcp_opts *o)
{
	__u32 ws = cookie & COOKIE_WSCALE;

	__builtin_memset(a, 0, sizeof(*a));
	a->mss = cookie_mss_value(cookie >> COOKIE_MSS_SHIFT, v6);
	a->wscale_ok = ws != COOKIE_WSCALE;
	a->snd_wscale = a->wscale_ok ? ws : 0;
	a->rcv_wscale = a->wscale_ok ? COOKIE_OUR_WSCALE : 0;
	a->sack_ok = !!(cookie & COOKIE_SACK);
	a->ecn_ok = !!(cookie & COOKIE_ECN);
	a->tstamp_ok = o->has_ts;
	a->rcv_tsval = o->tsval;
	a->rcv_tsecr = o->tsecr; /* our SYN-ACK's TSval: the kernel goes on from it */
}

/* A valid cookie ACK at a listener: the request socket goes with the skb. */
static __always_inline int assign(struct __sk_buff *skb, struct bpf_sock *skc, __u32 cookie, int v6,
				  const struct tcp_opts *o)
{
	struct bpf_tcp_req_attrs attrs;
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(skc);

	if (!tp)
		return -1;
	req_attrs(&attrs, cookie, v6, o);
	return bpf_sk_assign_tcp_reqsk(skb, (struct sock *)tp, &attrs, sizeof(attrs));
}

SEC("tc")
int synlimit_cookie_ack(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct bpf_sock_tuple tuple = {};
	const struct cookie_config *cfg;
	struct cookie_tuple t;
	struct bpf_sock *skc;
	struct tcphdr *th;
	struct tcp_opts o;
	__u32 zero = 0, cookie, tuple_size;
	__u64 now;
	struct l34 h;
	int ret = TC_ACT_OK, kernel_cookie;
	void *ip;

	if (locate_l34(data, data_end, &h))
		return TC_ACT_OK;
	th = data + (h.l4_off & 0x7f);
	if ((void *)(th + 1) > data_end || !th->ack || th->syn || th->rst)
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&cookie_config, &zero);
	if (!cfg || !port_wanted(cfg, th->dest) || read_tuple(data, data_end, &h, &t))
		return TC_ACT_OK;

	if (h.v6) {
		__builtin_memcpy(tuple.ipv6.saddr, &t.client, 16);
		__builtin_memcpy(tuple.ipv6.daddr, &t.server, 16);
		tuple.ipv6.sport = t.client_port;
		tuple.ipv6.dport = t.server_port;
		tuple_size = sizeof(tuple.ipv6);
	} else {
		tuple.ipv4.saddr = t.client.u32[3];
		tuple.ipv4.daddr = t.server.u32[3];
		tuple.ipv4.sport = t.client_port;
		tuple.ipv4.dport = t.server_port;
		tuple_size = sizeof(tuple.ipv4);
	}
	skc = bpf_skc_lookup_tcp(skb, &tuple, tuple_size, BPF_F_CURRENT_NETNS, 0);
	if (!skc)
		return TC_ACT_OK; /* no listener: the kernel answers with a reset */
	if (skc->state != BPF_TCP_LISTEN)
		goto release; /* a connection, a request or a time-wait: theirs */

	now = clock_now(0);
	tcp_parse_opts(data, data_end, h.l4_off, th->doff * 4 - 20, &o);
	cookie = bpf_ntohl(th->ack_seq) - 1;
	t.client_isn = bpf_ntohl(th->seq) - 1;
	if (!cookie_check(cfg, &t, cookie, now, o.has_ts, o.tsecr)) {
		if (assign(skb, skc, cookie, h.v6, &o))
			tc_count(STAT_COOKIE_ASSIGN_FAILED);
		else
			tc_count(STAT_COOKIE_ACK_VALID);
		/* the client answered at its address either way */
		mark_verified(&t.client, now);
		goto release;
	}

	ip = data + (h.l3_off & 0x3f);
	if (h.v6)
		kernel_cookie =
		    ip + sizeof(struct ipv6hdr) <= data_end &&
		    !bpf_tcp_check_syncookie(skc, ip, sizeof(struct ipv6hdr), th, sizeof(*th));
	else
		kernel_cookie =
		    ip + sizeof(struct iphdr) <= data_end &&
		    !bpf_tcp_check_syncookie(skc, ip, sizeof(struct iphdr), th, sizeof(*th));
	if (kernel_cookie) {
		tc_count(STAT_COOKIE_ACK_KERNEL);
	} else {
		tc_count(STAT_COOKIE_ACK_INVALID);
		ret = TC_ACT_SHOT;
	}
release:
	bpf_sk_release(skc);
	return ret;
}

char LICENSE[] SEC("license") = "GPL";
