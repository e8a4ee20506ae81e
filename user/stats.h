/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The per-CPU counters of the XDP program: names, summing, what they add up to. */
#ifndef SYNLIMIT_STATS_H
#define SYNLIMIT_STATS_H

#include <linux/types.h>
#include <net/if.h>
#include "loader.h"
#include "synlimit/abi.h"

/* Stable name of a counter, as printed by `stats` and used as JSON key. */
const char *stat_name(enum synlimit_stat stat);

/* What the counters add up to. */
struct stats_summary {
	__u64 packets; /* every class */
	/* the classes and SYN outcomes that pass, counted as such: a SYN whose
	 * class is counted and whose outcome is not yet (another CPU deciding
	 * it) is in packets only, so that no total ever goes down */
	__u64 passed;
	__u64 syn;	 /* connection attempts */
	__u64 dropped;	 /* malformed and dropped, or refused attempts */
	__u64 malformed; /* the malformed classes that are dropped */
	__u64 answered;	 /* SYNs answered with a SYN cookie: neither passed nor dropped */
};
void stats_summarize(const __u64 c[STAT_MAX], struct stats_summary *sum);

/* Entries a table lost to eviction: what was inserted and not deleted but
 * is not there (0 while an insert on another CPU is not yet counted). */
__u64 stats_evicted(__u64 inserts, __u64 deletes, long entries);

/* The counters, summed over CPUs, into out[STAT_MAX]: the stats map's and
 * every slot's of the per-interface map (iface_stats_fd; none if < 0).
 * Returns 0 or -errno. */
int stats_read(int stats_fd, int iface_stats_fd, __u64 out[STAT_MAX]);

/* One interface's totals: what its slot's counters add up to. packets =
 * passed + dropped + answered (SYNs answered with a SYN cookie, XDP_TX), but
 * for the SYNs being decided as the counters are read. */
struct iface_total {
	__u32 ifindex;
	char name[IF_NAMESIZE]; /* "" when the interface is gone */
	struct stats_summary total;
};

/* Every interface with a slot, by ifindex; returns how many (at most max)
 * or -errno. */
int iface_stats_read(int iface_stats_fd, struct iface_total *out, int max);

/* Give ifindex its slot of the per-interface counters (kept when it has it
 * already: an attach that adopts keeps the counts). A slot another
 * existing interface holds is taken only with take set; *taken_from: that
 * interface (its counting stops), or 0. What a slot counted before goes to
 * the retired slot, so the totals keep it. 1 when this call gave ifindex
 * the slot; 0 when it had it, or another holds it and take is not set; or
 * -errno. */
int iface_stats_claim(int iface_stats_fd, __u32 ifindex, int take, __u32 *taken_from);

/* Free ifindex's slot if it holds it (an attach rolled back), its counts
 * retired as above; 0 or -errno. */
int iface_stats_release(int iface_stats_fd, __u32 ifindex);

/* What stats and the metrics report, read together: the counters, what
 * they add up to, the tables' occupancy, and each interface's totals. */
struct stats_snapshot {
	__u64 c[STAT_MAX];
	struct stats_summary sum;
	__u64 sources, sources_max;
	__u64 blocked, blocked_max;
	__u64 evicted_sources, evicted_blocked;
	struct iface_total ifaces[SYNLIMIT_MAX_IFACES];
	int n_ifaces;
};

/* Returns 0 or -errno. */
int stats_snapshot_read(const struct loaded *l, struct stats_snapshot *s);

#endif /* SYNLIMIT_STATS_H */
