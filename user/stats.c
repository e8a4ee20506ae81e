// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stats.h"
#include "source_table.h"

static const char *const stat_names[STAT_MAX] = {
	[STAT_NOT_IP] = "not_ip",
	[STAT_IPV4_OTHER] = "ipv4_not_tcp",
	[STAT_IPV6_OTHER] = "ipv6_not_tcp",
	[STAT_TCP_OTHER] = "tcp_not_syn",
	[STAT_FRAGMENT] = "fragment",
	[STAT_SYN] = "syn",
	[STAT_BAD_L2_TRUNC] = "bad_l2_truncated",
	[STAT_BAD_VLAN_DEPTH] = "bad_vlan_depth",
	[STAT_BAD_L3_TRUNC] = "bad_l3_truncated",
	[STAT_BAD_VERSION] = "bad_ip_version",
	[STAT_BAD_IHL] = "bad_ihl",
	[STAT_BAD_LENGTH] = "bad_ip_length",
	[STAT_BAD_EXT_DEPTH] = "bad_ipv6_ext_depth",
	[STAT_BAD_L4_TRUNC] = "bad_l4_truncated",
	[STAT_BAD_DOFF] = "bad_tcp_doff",
	[STAT_BAD_FLAGS] = "bad_tcp_flags",
	[STAT_BAD_V4MAPPED] = "bad_v4mapped_source",
	[STAT_SYN_NO_RULE] = "syn_no_rule",
	[STAT_SYN_ALLOWED] = "syn_allowed",
	[STAT_SYN_PASSED] = "syn_passed",
	[STAT_SYN_WOULD_DROP] = "syn_would_drop",
	[STAT_SYN_DROP_DENY] = "syn_dropped_deny",
	[STAT_SYN_DROP_LIMIT] = "syn_dropped_limit",
	[STAT_SYN_DROP_BLOCK] = "syn_dropped_block",
	[STAT_SYN_DROP_BAN] = "syn_dropped_ban",
	[STAT_SYN_NO_STATE] = "syn_untracked",
	[STAT_SYN_COOKIE_SENT] = "syn_cookie_sent",
	[STAT_SYN_COOKIE_CAPPED] = "syn_cookie_capped",
	[STAT_SOURCE_INSERTS] = "source_inserts",
	[STAT_SOURCE_FIRST] = "source_first_attempts",
	[STAT_BLOCKED_INSERTS] = "blocked_inserts",
	[STAT_BLOCKED_DELETES] = "blocked_deletes",
	[STAT_EVENTS_SENT] = "events_sent",
	[STAT_EVENTS_SUPPRESSED] = "events_suppressed",
	[STAT_EVENTS_LOST] = "events_lost",
	[STAT_COOKIE_VERIFIED_SYN] = "cookie_verified_syn",
	[STAT_COOKIE_UNFIT] = "cookie_unfit",
	[STAT_COOKIE_ACK_VALID] = "cookie_ack_valid",
	[STAT_COOKIE_ACK_INVALID] = "cookie_ack_invalid",
	[STAT_COOKIE_ACK_KERNEL] = "cookie_ack_kernel",
	[STAT_COOKIE_ASSIGN_FAILED] = "cookie_assign_failed",
	[STAT_COOKIE_VERIFIED] = "cookie_verified",
	[STAT_COOKIE_AUTO_ON] = "cookie_auto_on",
	[STAT_COOKIE_AUTO_OFF] = "cookie_auto_off",
};

const char *stat_name(enum synlimit_stat stat)
{
	if ((unsigned int)stat >= STAT_MAX || !stat_names[stat])
		return "unknown";
	return stat_names[stat];
}

/* Every CPU's counters of one value into out (added). */
static void add_counts(__u64 out[STAT_MAX], const struct synlimit_stats *c, int ncpu, size_t stride)
{
	int cpu, i;

	for (cpu = 0; cpu < ncpu; cpu++, c = (const void *)((const char *)c + stride))
		for (i = 0; i < STAT_MAX; i++)
			out[i] += c->count[i];
}

int stats_read(int stats_fd, int iface_stats_fd, __u64 out[STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	/* per-CPU values are each rounded up to 8 bytes; both are u64 arrays */
	struct iface_stats *slots;
	__u64 *values;
	__u32 zero = 0, slot;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	values = calloc(ncpu, sizeof(struct synlimit_stats));
	slots = calloc(ncpu, sizeof(*slots));
	if (!values || !slots) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(stats_fd, &zero, values)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, sizeof(__u64) * STAT_MAX);
	add_counts(out, (const struct synlimit_stats *)values, ncpu, sizeof(struct synlimit_stats));
	for (slot = 0; iface_stats_fd >= 0 && slot <= SYNLIMIT_IFACE_RETIRED; slot++) {
		if (bpf_map_lookup_elem(iface_stats_fd, &slot, slots)) {
			err = -errno;
			break;
		}
		add_counts(out, &slots[0].counts, ncpu, sizeof(*slots));
	}
out:
	free(values);
	free(slots);
	return err;
}

void stats_summarize(const __u64 c[STAT_MAX], struct stats_summary *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = STAT_CLASS_FIRST; i <= STAT_CLASS_LAST; i++)
		sum->packets += c[i];
	for (i = STAT_MALFORMED_DROP_FIRST; i <= STAT_MALFORMED_DROP_LAST; i++)
		sum->malformed += c[i];
	for (i = STAT_CLASS_FIRST; i < STAT_MALFORMED_DROP_FIRST; i++)
		if (i != STAT_SYN)
			sum->passed += c[i];
	sum->passed += c[STAT_SYN_NO_RULE] + c[STAT_SYN_ALLOWED] + c[STAT_SYN_PASSED] +
		       c[STAT_SYN_WOULD_DROP] + c[STAT_SYN_NO_STATE];
	sum->syn = c[STAT_SYN];
	sum->answered = c[STAT_SYN_COOKIE_SENT];
	sum->dropped = sum->malformed + c[STAT_SYN_DROP_DENY] + c[STAT_SYN_DROP_LIMIT] +
		       c[STAT_SYN_DROP_BLOCK] + c[STAT_SYN_DROP_BAN] + c[STAT_SYN_COOKIE_CAPPED];
}

__u64 stats_evicted(__u64 inserts, __u64 deletes, long entries)
{
	__s64 evicted = (__s64)inserts - (__s64)deletes - entries;

	return evicted < 0 ? 0 : (__u64)evicted;
}

static int by_ifindex(const void *a, const void *b)
{
	const struct iface_total *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/* The per-CPU values of slot into values (ncpu of them). */
static int iface_slot_read(int fd, __u32 slot, struct iface_stats *values)
{
	return bpf_map_lookup_elem(fd, &slot, values) ? -errno : 0;
}

int iface_stats_read(int iface_stats_fd, struct iface_total *out, int max)
{
	int ncpu = libbpf_num_possible_cpus(), n = 0, err = 0;
	struct iface_stats *values;
	__u64 c[STAT_MAX];
	__u32 slot;

	if (ncpu < 0)
		return ncpu;
	values = calloc(ncpu, sizeof(*values));
	if (!values)
		return -ENOMEM;
	/* slots follow ifindex order modulo the size: sorted below */
	for (slot = 0; slot < SYNLIMIT_MAX_IFACES && n < max; slot++) {
		err = iface_slot_read(iface_stats_fd, slot, values);
		if (err)
			break;
		if (!values[0].ifindex)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].ifindex = values[0].ifindex;
		memset(c, 0, sizeof(c));
		add_counts(c, &values[0].counts, ncpu, sizeof(*values));
		stats_summarize(c, &out[n].total);
		if (!if_indextoname(out[n].ifindex, out[n].name))
			out[n].name[0] = '\0';
		n++;
	}
	free(values);
	if (err)
		return err;
	qsort(out, n, sizeof(*out), by_ifindex);
	return n;
}

/* Slot's values on every CPU into *values (ncpu of them; free it), 0 or
 * -errno. */
static int slot_values(int fd, __u32 slot, struct iface_stats **values, int *ncpu)
{
	int err;

	*values = NULL;
	*ncpu = libbpf_num_possible_cpus();
	if (*ncpu < 0)
		return *ncpu;
	*values = calloc(*ncpu, sizeof(**values));
	if (!*values)
		return -ENOMEM;
	err = iface_slot_read(fd, slot, *values);
	if (err) {
		free(*values);
		*values = NULL;
	}
	return err;
}

/* What values (slot's, on each of ncpu CPUs) counted, added to the retired
 * slot's (sign 1) or taken back from it (-1); 0 or -errno. */
static int retire(int fd, const struct iface_stats *values, int ncpu, int sign)
{
	__u32 slot = SYNLIMIT_IFACE_RETIRED;
	struct iface_stats *retired;
	int cpu, i, err = slot_values(fd, slot, &retired, &ncpu);

	if (err)
		return err;
	for (cpu = 0; cpu < ncpu; cpu++)
		for (i = 0; i < STAT_MAX; i++)
			retired[cpu].counts.count[i] += sign * values[cpu].counts.count[i];
	err = bpf_map_update_elem(fd, &slot, retired, BPF_ANY) ? -errno : 0;
	free(retired);
	return err;
}

/* How long a program run that found a slot before it changed hands can
 * still count in it: an XDP program runs for microseconds. */
#define SLOT_QUIET_US 10000

/*
 * Slot (its values as read, ncpu of them) to ifindex (0: nobody), starting
 * from zero, its counts kept in the totals through the retired slot. An
 * unused slot is written at once. Else the slot goes to nobody first, with
 * its counts as read: from then on a packet of its old owner is counted in
 * the stats map, and a program run that had found the slot writes its count
 * over those. Once no run can still be in it, its counts, read again, move
 * to the retired slot, and the slot to ifindex; a failure takes them back.
 * The callers hold the pin directory's exclusive lock, and readers of the
 * totals hold it shared, so no total is read with the counts in both slots
 * or in neither. Counts the old owner made between the first read and the
 * first write (microseconds) are lost. 0 or -errno.
 */
static int slot_hand_over(int fd, __u32 slot, __u32 ifindex, struct iface_stats *values, int ncpu)
{
	struct iface_stats *counted = calloc(ncpu, sizeof(*counted));
	int cpu, err = 0, used = 0;
	size_t i;

	for (i = 0; !used && i < ncpu * sizeof(*values); i++)
		used = ((const __u8 *)values)[i] != 0;
	if (!counted)
		return -ENOMEM;
	if (used) {
		for (cpu = 0; cpu < ncpu; cpu++)
			values[cpu].ifindex = 0;
		if (bpf_map_update_elem(fd, &slot, values, BPF_ANY)) {
			err = -errno;
			goto out;
		}
		usleep(SLOT_QUIET_US);
		err = iface_slot_read(fd, slot, counted) ?: retire(fd, counted, ncpu, 1);
		if (err)
			goto out;
	}
	memset(values, 0, ncpu * sizeof(*values));
	for (cpu = 0; cpu < ncpu; cpu++)
		values[cpu].ifindex = ifindex;
	if (bpf_map_update_elem(fd, &slot, values, BPF_ANY)) {
		err = -errno;
		if (used)
			retire(fd, counted, ncpu, -1);
	}
out:
	free(counted);
	return err;
}

int iface_stats_claim(int iface_stats_fd, __u32 ifindex, int take, __u32 *taken_from)
{
	__u32 slot = SYNLIMIT_IFACE_SLOT(ifindex);
	struct iface_stats *values;
	char name[IF_NAMESIZE];
	int ncpu, err = slot_values(iface_stats_fd, slot, &values, &ncpu);

	*taken_from = 0;
	if (err || values[0].ifindex == ifindex)
		goto out;
	/* an interface that still exists loses its counters: say so */
	if (values[0].ifindex && if_indextoname(values[0].ifindex, name)) {
		if (!take)
			goto out;
		*taken_from = values[0].ifindex;
	}
	err = slot_hand_over(iface_stats_fd, slot, ifindex, values, ncpu) ?: 1;
out:
	free(values);
	return err;
}

int iface_stats_release(int iface_stats_fd, __u32 ifindex)
{
	__u32 slot = SYNLIMIT_IFACE_SLOT(ifindex);
	struct iface_stats *values;
	int ncpu, err = slot_values(iface_stats_fd, slot, &values, &ncpu);

	if (!err && values[0].ifindex == ifindex)
		err = slot_hand_over(iface_stats_fd, slot, 0, values, ncpu);
	free(values);
	return err;
}

int stats_snapshot_read(const struct loaded *l, struct stats_snapshot *s)
{
	long sources, blocked;
	int err = stats_read(l->stats_fd, l->iface_stats_fd, s->c);

	if (err)
		return err;
	stats_summarize(s->c, &s->sum);
	sources = source_table_count(l->sources_fd, 0);
	blocked = source_table_count(l->blocked_fd, 1);
	s->sources = sources < 0 ? 0 : (__u64)sources;
	s->blocked = blocked < 0 ? 0 : (__u64)blocked;
	s->sources_max = source_table_capacity(l->sources_fd);
	s->blocked_max = source_table_capacity(l->blocked_fd);
	/* the sources table is never deleted from: what left it was evicted */
	s->evicted_sources = stats_evicted(s->c[STAT_SOURCE_INSERTS], 0, sources);
	s->evicted_blocked =
	    stats_evicted(s->c[STAT_BLOCKED_INSERTS], s->c[STAT_BLOCKED_DELETES], blocked);
	s->n_ifaces = iface_stats_read(l->iface_stats_fd, s->ifaces, SYNLIMIT_MAX_IFACES);
	return s->n_ifaces < 0 ? s->n_ifaces : 0;
}
