/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI shared by the XDP program (bpf/) and the controller (user/):
 * map keys and values, the rule, the stats enum and the event record.
 * Fixed-size types only; every struct is padded explicitly so that both
 * compilers agree on its layout.
 */
#ifndef SYNLIMIT_ABI_H
#define SYNLIMIT_ABI_H

#include <linux/types.h>

/* Bumped whenever a map's key or value layout changes. Pinned maps carry it
 * in the config map, and a controller refuses pins of another version. */
#define SYNLIMIT_ABI_VERSION 13

/* Limits of the packet walk (see bpf/parse.h). */
#define SYNLIMIT_MAX_VLAN_TAGS 2
#define SYNLIMIT_MAX_IPV6_EXT  8

/* Most rules one limit table holds (a no-prealloc trie: no cost unused). */
#define SYNLIMIT_MAX_RULES (1U << 21)

/* Most port-rule keys (one per rule and port) and most bans. */
#define SYNLIMIT_MAX_PORT_KEYS (1U << 21)
#define SYNLIMIT_MAX_BANS      (1U << 20)

/* Striped locks that serialise updates of one source's state across CPUs
 * (an LRU hash value cannot hold a bpf_spin_lock). Power of two. */
#define SYNLIMIT_LOCK_STRIPES 1024

/*
 * Every packet ends in exactly one class (STAT_CLASS_FIRST..STAT_CLASS_LAST),
 * so the class counters add up to the packets seen. Connection attempts are
 * further split by what the limiter decided (STAT_SYN_FIRST..STAT_SYN_LAST),
 * and those add up to STAT_SYN. The rest are bookkeeping.
 */
enum synlimit_stat {
	/* classes */
	STAT_NOT_IP = 0,     /* ARP, LLDP, ...: pass */
	STAT_IPV4_OTHER,     /* IPv4, not TCP: pass */
	STAT_IPV6_OTHER,     /* IPv6, not TCP (or no upper layer): pass */
	STAT_TCP_OTHER,	     /* TCP, not a connection attempt: pass */
	STAT_FRAGMENT,	     /* non-first fragment, no TCP header: pass */
	STAT_SYN,	     /* connection attempt: SYN without ACK/RST/FIN */
	STAT_BAD_L2_TRUNC,   /* frame or VLAN tag cut short: pass */
	STAT_BAD_VLAN_DEPTH, /* more than 2 VLAN tags: drop */
	STAT_BAD_L3_TRUNC,   /* IP header cut short: drop */
	STAT_BAD_VERSION,    /* IP version does not match the ethertype: drop */
	STAT_BAD_IHL,	     /* IPv4 IHL < 5: drop */
	STAT_BAD_LENGTH,     /* IP length field below header or beyond frame: drop */
	STAT_BAD_EXT_DEPTH,  /* IPv6 extension chain longer than the walk: drop */
	STAT_BAD_L4_TRUNC,   /* TCP header (or options) cut short: drop */
	STAT_BAD_DOFF,	     /* TCP data offset < 5: drop */
	STAT_BAD_FLAGS,	     /* SYN with RST or FIN: drop */
	STAT_BAD_V4MAPPED,   /* IPv6 SYN from ::ffff:a.b.c.d: drop */
	/* what happened to connection attempts */
	STAT_SYN_NO_RULE,	/* no rule matched: pass */
	STAT_SYN_ALLOWED,	/* allow rule: pass */
	STAT_SYN_PASSED,	/* under its limit: pass */
	STAT_SYN_WOULD_DROP,	/* over the limit of a dry-run rule: pass */
	STAT_SYN_DROP_DENY,	/* deny rule: drop */
	STAT_SYN_DROP_LIMIT,	/* over the limit: drop */
	STAT_SYN_DROP_BLOCK,	/* inside a block=DURATION: drop */
	STAT_SYN_DROP_BAN,	/* banned source (synlimit ban): drop */
	STAT_SYN_NO_STATE,	/* could not track the source: pass */
	STAT_SYN_COOKIE_SENT,	/* unverified source: answered with a SYN cookie (XDP_TX) */
	STAT_SYN_COOKIE_CAPPED, /* unverified source, SYN-ACK cap reached: drop */
	/* bookkeeping: table churn (evictions = inserts - deletes - entries) */
	STAT_SOURCE_INSERTS, /* the sources table is never deleted from */
	STAT_SOURCE_FIRST,   /* a new source's first attempt, recorded (first_attempts) */
	STAT_BLOCKED_INSERTS,
	STAT_BLOCKED_DELETES,
	STAT_EVENTS_SENT,
	STAT_EVENTS_SUPPRESSED, /* over the event rate limit */
	STAT_EVENTS_LOST,	/* ring buffer full */
	/* cookie mode (include/synlimit/cookie.h) */
	STAT_COOKIE_VERIFIED_SYN,  /* a verified source's SYN: on to its limit */
	STAT_COOKIE_UNFIT,	   /* IPv4 options or IPv6 extension headers: limited as before */
	STAT_COOKIE_ACK_VALID,	   /* an ACK with our cookie: handed to the kernel */
	STAT_COOKIE_ACK_INVALID,   /* an ACK for no connection, no valid cookie: drop */
	STAT_COOKIE_ACK_KERNEL,	   /* an ACK with the kernel's own cookie: pass */
	STAT_COOKIE_ASSIGN_FAILED, /* valid, but the kernel refused the request: pass */
	STAT_COOKIE_VERIFIED,	   /* a source entered the verified table */
	STAT_COOKIE_AUTO_ON,	   /* auto mode switched cookies on */
	STAT_COOKIE_AUTO_OFF,	   /* ...and off */
	STAT_MAX,
};

#define STAT_CLASS_FIRST STAT_NOT_IP
#define STAT_CLASS_LAST	 STAT_BAD_V4MAPPED
#define STAT_SYN_FIRST	 STAT_SYN_NO_RULE
#define STAT_SYN_LAST	 STAT_SYN_COOKIE_CAPPED
/* The malformed classes whose packets are dropped (README "Classification"). */
#define STAT_MALFORMED_DROP_FIRST STAT_BAD_VLAN_DEPTH
#define STAT_MALFORMED_DROP_LAST  STAT_BAD_V4MAPPED

/* The counters, one per enum synlimit_stat. */
struct synlimit_stats {
	__u64 count[STAT_MAX];
};

/* Per-interface counters: each interface the program is attached to
 * counts its packets in a slot of its own, every counter of enum
 * synlimit_stat, so that a packet costs one array lookup and its counts (a
 * non-SYN packet, one add), and its verdicts' totals follow from its classes
 * and outcomes. A per-CPU array; an interface's slot is its ifindex
 * modulo SYNLIMIT_MAX_IFACES, claimed by the controller at attach by writing
 * the ifindex into it. The program counts a packet whose ifindex its slot
 * does not hold (no slot, or a shared one) in the stats map, and a slot
 * given to another interface leaves its counts in the retired slot, which
 * the program never counts in: the totals are the sum of the stats map and
 * every slot. */
#define SYNLIMIT_MAX_IFACES	     256 /* a power of 2 */
#define SYNLIMIT_IFACE_SLOT(ifindex) ((ifindex) & (SYNLIMIT_MAX_IFACES - 1))
#define SYNLIMIT_IFACE_RETIRED	     SYNLIMIT_MAX_IFACES
struct iface_stats {
	__u32 ifindex; /* the slot's interface; 0: none */
	__u32 pad;
	struct synlimit_stats counts;
};

/* Addresses live in one 128-bit space; IPv4 is ::ffff:a.b.c.d. No 64-bit
 * member: 4-byte alignment keeps the address right after rule_key's
 * prefixlen, where the LPM trie reads it. */
union synlimit_addr {
	__u8 u8[16];
	__u32 u32[4];
};

/* Key of the limit table (LPM trie): prefixlen counts from the top of the
 * 128-bit address, so IPv4 a.b.c.d/24 is stored as prefixlen 96 + 24. */
struct rule_key {
	__u32 prefixlen;
	union synlimit_addr addr;
};
_Static_assert(sizeof(struct rule_key) == 20, "LPM key: prefixlen then 16 bytes, no padding");

enum rule_action {
	RULE_LIMIT = 0,
	RULE_ALLOW = 1,
	RULE_DENY = 2,
	RULE_NONE = 3, /* no port-less rule here; only carries port_table */
};

enum rule_algo {
	ALGO_EWMA = 0,	 /* Exim's ratelimit: smoothed rate per period */
	ALGO_BUCKET = 1, /* token bucket (GCRA) */
};

#define RULE_F_LEAKY   (1U << 0) /* only accepted attempts update the state */
#define RULE_F_DRY_RUN (1U << 1) /* count "would drop", pass */
#define RULE_F_COOKIES_ON                                                                          \
	(1U << 2) /* syncookies=on: whenever the interface has cookies on or auto */
#define RULE_F_COOKIES_OFF (1U << 3) /* syncookies=off: never */

/*
 * A rule, compiled by the controller (user/rule.c) so that the data path
 * needs no division on its hot path. Times are nanoseconds; rates are Q16
 * fixed point (events per period * 65536).
 */
struct rule {
	__u8 action;	  /* enum rule_action */
	__u8 algo;	  /* enum rule_algo */
	__u8 flags;	  /* RULE_F_* */
	__u8 per_prefix;  /* aggregation prefix in the 128-bit space (1..128) */
	__u32 line;	  /* line in the limits file, for reports */
	__u32 shape;	  /* algo and period: state of another shape restarts */
	__u32 generation; /* of the table holding it: events carry it (config.generation) */
	__u16 scope;	  /* port rule: its port set's id, kept in the state key */
	__u8 port_table;  /* port-less rule: 0, or the port_tables slot + 1 */
	__u8 pad;
	__u32 pad1;
	union synlimit_addr per_mask; /* source & per_mask = state key */
	__u64 period_ns;
	__u64 block_ns; /* block=DURATION, 0 if none */
	/* ewma: over when rate >= limit_q16 */
	__u64 limit_q16;
	__u64 recip;	   /* floor(2^(63 + k) / period_ns), k = floor(log2 period) */
	__u32 recip_shift; /* 31 + k: (i * recip) >> recip_shift = i/period in Q32 */
	__u32 pad2;
	/* bucket: emission interval T = period / N and tolerance tau = (burst-1) T,
	 * each as whole nanoseconds plus a Q32 fraction */
	__u64 interval_ns;
	__u64 interval_frac;
	__u64 tolerance_ns;
	__u64 tolerance_frac;
};

/* Key of the per-source state: the source masked to the rule's
 * aggregation prefix. The prefix is part of the key so that host 198.18.5.0
 * and the aggregate 198.18.5.0/24 never share a state. scope separates the
 * states one source has under different rules: 0 for port-less rules. */
struct source_key {
	union synlimit_addr addr;
	__u8 prefixlen;
	__u8 pad;
	__u16 scope;
};
_Static_assert(sizeof(struct source_key) == 20, "state key: 16-byte address, prefix, scope");

/* Key of a port-rule table (LPM trie): the destination port, then the
 * address. prefixlen = 32 + the address prefix: port and pad always match
 * whole, so one table holds every port's rules. */
struct port_rule_key {
	__u32 prefixlen;
	__be16 port; /* network byte order, as in the TCP header */
	__u16 pad;
	union synlimit_addr addr;
};
_Static_assert(sizeof(struct port_rule_key) == 24, "LPM key: prefixlen then 20 bytes");

/* A ban (synlimit ban): every SYN from the prefix is dropped until
 * expires_ns, checked by the data path against its own clock. */
#define SYNLIMIT_BAN_REASON_MAX 80
struct ban {
	__u64 expires_ns; /* CLOCK_MONOTONIC; 0: until unban */
	__u64 created;	  /* CLOCK_REALTIME seconds, for reports */
	__u32 prefixlen;  /* the key's: an expired ban yields to shorter ones */
	__u32 pad;
	char reason[SYNLIMIT_BAN_REASON_MAX];
};

/*
 * What the limiter remembers of a source, 24 bytes. The limit is not in
 * here, so a reload that changes limits keeps every source's history.
 *   ewma:   stamp_ns = time of the last update, value = rate in Q16
 *   bucket: stamp_ns = theoretical arrival time (TAT), value = its Q32 fraction
 * tag is a 32-bit hash of the key: an LRU element can be reused for another
 * key while a CPU still holds a pointer to it, and the tag tells that CPU it
 * lost the element.
 * An ewma attempt at the instant of stamp_ns only adds 1 to the rate, and
 * CPUs do that with an atomic add, without the lock; whoever moves stamp_ns
 * holds the lock and keeps the adds that land meanwhile (bpf/synlimit.bpf.c).
 */
struct source_state {
	__u64 stamp_ns;
	__u64 value;
	__u32 shape;
	__u32 tag;
};

/* A blocked source lives in its own table (copied there on the first drop,
 * back on the first pass), so a spoofed flood churning the big sources
 * table cannot evict it. Entries of the sources table are never deleted or
 * replaced, only written in place under the lock (see source_state.tag). */
struct blocked_state {
	struct source_state state;
	__u64 since_ns; /* first drop of this episode */
	__u64 hold_ns;	/* start of the current block=DURATION window */
	__u64 drops;	/* drops in this episode */
};

/* One slot of the per-CPU event budget (a token bucket). */
struct event_budget {
	__u64 stamp_ns;
	__u64 tokens;
};

enum event_type {
	EVENT_BLOCK = 1,
	EVENT_UNBLOCK = 2,
	EVENT_COOKIES_ON = 3, /* auto mode: addr unused, line = ifindex, rate_q16 = attempts/s */
	EVENT_COOKIES_OFF = 4,
};

struct synlimit_event {
	__u64 time_ns; /* CLOCK_MONOTONIC */
	union synlimit_addr addr;
	__u8 prefixlen;
	__u8 type; /* enum event_type */
	__u8 dry_run;
	__u8 pad;
	__u32 line;	  /* rule's line in the limits file */
	__u64 rate_q16;	  /* ewma rate, 0 for bucket */
	__u64 drops;	  /* for UNBLOCK: drops in the episode */
	__u32 generation; /* of the limit table the rule came from */
	__u32 pad2;
};

/* Single-entry array describing what is loaded; pinned with the maps, so a
 * later controller knows what an earlier one did. */
#define SYNLIMIT_PATH_MAX 256
#define CONFIG_F_DRY_RUN  (1U << 0) /* attach --dry-run: every rule counts only */
#define CONFIG_F_LEAKY	  (1U << 1) /* --mode leaky for bare numbers */
struct synlimit_config {
	__u32 abi_version;
	__u32 rule_count;
	__u64 loaded_at; /* CLOCK_REALTIME seconds of the last load/reload */
	__u64 reloads;
	__u64 bare_period_ns; /* --period for bare numbers */
	__u64 table_seed;     /* the source tables' hash key (source_table.h), set once */
	__u32 flags;	      /* CONFIG_F_* */
	__u32 generation;     /* of the table in force: 0 none yet, then 1 up, one per load */
	__u32 reload_errors;  /* reloads refused: the file had errors */
	__u32 bans;	      /* 1: bans may hold a ban, and the program looks there (bans.c) */
	char limits_path[SYNLIMIT_PATH_MAX];
};

#endif /* SYNLIMIT_ABI_H */
