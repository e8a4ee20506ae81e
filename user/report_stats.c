// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* synlimit stats: the counters and what they add up to, as text or JSON. */
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "log.h"
#include "report.h"
#include "stats.h"

static void print_stats_json(const struct stats_snapshot *s)
{
	struct json j;
	int i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_u64_field(&j, "packets", s->sum.packets);
	json_u64_field(&j, "syn", s->sum.syn);
	json_u64_field(&j, "passed", s->sum.passed);
	json_u64_field(&j, "answered", s->sum.answered);
	json_u64_field(&j, "dropped", s->sum.dropped);
	json_key(&j, "dropped_by_reason");
	json_object_begin(&j);
	json_u64_field(&j, "limit", s->c[STAT_SYN_DROP_LIMIT]);
	json_u64_field(&j, "block", s->c[STAT_SYN_DROP_BLOCK]);
	json_u64_field(&j, "deny", s->c[STAT_SYN_DROP_DENY]);
	json_u64_field(&j, "ban", s->c[STAT_SYN_DROP_BAN]);
	json_u64_field(&j, "malformed", s->sum.malformed);
	json_u64_field(&j, "syn_ack_cap", s->c[STAT_SYN_COOKIE_CAPPED]);
	json_object_end(&j);
	json_u64_field(&j, "would_drop", s->c[STAT_SYN_WOULD_DROP]);
	json_key(&j, "evictions");
	json_object_begin(&j);
	json_u64_field(&j, "sources", s->evicted_sources);
	json_u64_field(&j, "blocked", s->evicted_blocked);
	json_object_end(&j);
	json_key(&j, "interfaces");
	json_array_begin(&j);
	for (i = 0; i < s->n_ifaces; i++) {
		json_object_begin(&j);
		json_string_field(&j, "name", s->ifaces[i].name[0] ? s->ifaces[i].name : NULL);
		json_u64_field(&j, "ifindex", s->ifaces[i].ifindex);
		json_u64_field(&j, "packets", s->ifaces[i].total.packets);
		json_u64_field(&j, "passed", s->ifaces[i].total.passed);
		json_u64_field(&j, "dropped", s->ifaces[i].total.dropped);
		json_u64_field(&j, "answered", s->ifaces[i].total.answered);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "counters");
	json_object_begin(&j);
	for (i = 0; i < STAT_MAX; i++)
		json_u64_field(&j, stat_name(i), s->c[i]);
	json_object_end(&j);
	json_object_end(&j);
	json_end_line(&j);
}

static void print_stats_plain(const struct stats_snapshot *s)
{
	int i;

	printf("%-22s %llu\n", "packets", (unsigned long long)s->sum.packets);
	printf("%-22s %llu\n", "passed", (unsigned long long)s->sum.passed);
	if (s->sum.answered || s->c[STAT_SYN_COOKIE_CAPPED]) /* cookie mode */
		printf("%-22s %llu (SYN-ACKs with a cookie; %llu more dropped by the cap)\n",
		       "answered", (unsigned long long)s->sum.answered,
		       (unsigned long long)s->c[STAT_SYN_COOKIE_CAPPED]);
	printf("%-22s %llu (limit %llu, block %llu, deny %llu, ban %llu, malformed %llu)\n",
	       "dropped", (unsigned long long)s->sum.dropped,
	       (unsigned long long)s->c[STAT_SYN_DROP_LIMIT],
	       (unsigned long long)s->c[STAT_SYN_DROP_BLOCK],
	       (unsigned long long)s->c[STAT_SYN_DROP_DENY],
	       (unsigned long long)s->c[STAT_SYN_DROP_BAN], (unsigned long long)s->sum.malformed);
	printf("%-22s %llu\n", "would_drop (dry-run)",
	       (unsigned long long)s->c[STAT_SYN_WOULD_DROP]);
	printf("%-22s sources %llu, blocked %llu\n", "evictions",
	       (unsigned long long)s->evicted_sources, (unsigned long long)s->evicted_blocked);
	for (i = 0; i < s->n_ifaces; i++)
		printf("interface %-12s packets %llu, passed %llu, dropped %llu, answered %llu\n",
		       s->ifaces[i].name[0] ? s->ifaces[i].name : "(gone)",
		       (unsigned long long)s->ifaces[i].total.packets,
		       (unsigned long long)s->ifaces[i].total.passed,
		       (unsigned long long)s->ifaces[i].total.dropped,
		       (unsigned long long)s->ifaces[i].total.answered);
	printf("\n");
	for (i = 0; i < STAT_MAX; i++) {
		if (i == STAT_SYN_FIRST || i == STAT_SOURCE_INSERTS)
			printf("\n");
		printf("%-22s %llu\n", stat_name(i), (unsigned long long)s->c[i]);
	}
}

int report_stats(const struct loaded *l, const struct report_options *opts)
{
	struct stats_snapshot s;
	int err = stats_snapshot_read(l, &s);

	if (err) {
		pr_warn("cannot read the counters: %s\n", strerror(-err));
		return err;
	}
	if (opts->json)
		print_stats_json(&s);
	else
		print_stats_plain(&s);
	return 0;
}
