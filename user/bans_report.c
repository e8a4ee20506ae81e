// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "addr.h"
#include "bans_report.h"
#include "clock.h"
#include "log.h"

int bans_in_force(int bans_fd, __u64 now, struct ban_item **items, size_t *n)
{
	size_t i, k = 0;
	int err = bans_list(bans_fd, items, n);

	if (err)
		return err;
	for (i = 0; i < *n; i++)
		if (ban_live(&(*items)[i].ban, now))
			(*items)[k++] = (*items)[i];
	*n = k;
	return 0;
}

double ban_remaining_s(const struct ban *ban, __u64 now)
{
	return ban->expires_ns ? (double)(ban->expires_ns - now) / 1e9 : -1;
}

static char *format_created(const struct ban *ban, char *buf, size_t size)
{
	time_t t = (time_t)ban->created;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static char *format_remaining(const struct ban *ban, __u64 now, char *buf, size_t size)
{
	if (ban->expires_ns)
		snprintf(buf, size, "%.1fs", ban_remaining_s(ban, now));
	else
		snprintf(buf, size, "until unban");
	return buf;
}

static void ban_json_fields(struct json *j, const struct ban_item *item, __u64 now)
{
	char text[ADDR_TEXT_MAX], when[32];

	json_key(j, "addr");
	json_string(j, addr_format(&item->key.addr, item->key.prefixlen, text, sizeof(text)));
	json_key(j, "reason");
	json_string(j, item->ban.reason[0] ? item->ban.reason : NULL);
	json_key(j, "since");
	json_string(j, format_created(&item->ban, when, sizeof(when)));
	json_key(j, "remaining_s"); /* null: until unban */
	if (item->ban.expires_ns)
		json_double(j, ban_remaining_s(&item->ban, now));
	else
		json_null(j);
}

int report_bans(const struct loaded *l, const struct report_options *opts)
{
	struct ban_item *items;
	__u64 now = mono_now_ns();
	size_t n, i;
	int err = bans_in_force(l->bans_fd, now, &items, &n);

	if (err) {
		pr_warn("cannot read the bans: %s\n", strerror(-err));
		return err;
	}
	if (opts->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "bans");
		json_array_begin(&j);
		for (i = 0; i < n; i++) {
			json_object_begin(&j);
			ban_json_fields(&j, &items[i], now);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_end_line(&j);
	} else {
		char text[ADDR_TEXT_MAX], when[32], left[32];

		printf("%-24s %-20s %-12s  %s\n", "ADDRESS", "SINCE", "REMAINING", "REASON");
		for (i = 0; i < n; i++)
			printf("%-24s %-20s %-12s  %s\n",
			       addr_format(&items[i].key.addr, items[i].key.prefixlen, text,
					   sizeof(text)),
			       format_created(&items[i].ban, when, sizeof(when)),
			       format_remaining(&items[i].ban, now, left, sizeof(left)),
			       items[i].ban.reason[0] ? items[i].ban.reason : "-");
		if (!n)
			printf("(no bans)\n");
	}
	free(items);
	return 0;
}

void ban_blocked_line(const struct ban_item *item, __u64 now)
{
	char text[ADDR_TEXT_MAX], since[32], left[32];
	struct timespec real;

	clock_gettime(CLOCK_REALTIME, &real);
	snprintf(since, sizeof(since), "%llus ago",
		 (unsigned long long)(real.tv_sec > (time_t)item->ban.created
					  ? real.tv_sec - (time_t)item->ban.created
					  : 0));
	/* the columns of blocked: ADDRESS LIMIT RATE DROPS SINCE REMAINING RULE */
	printf("%-24s %-24s %-14s %10s %9s %10s  ban%s%s\n",
	       addr_format(&item->key.addr, item->key.prefixlen, text, sizeof(text)), "ban", "-",
	       "-", since, format_remaining(&item->ban, now, left, sizeof(left)),
	       item->ban.reason[0] ? ": " : "", item->ban.reason);
}

void ban_blocked_json(struct json *j, const struct ban_item *item, __u64 now)
{
	json_object_begin(j);
	ban_json_fields(j, item, now);
	json_key(j, "ban");
	json_bool(j, 1);
	json_key(j, "rule");
	json_null(j);
	json_key(j, "limit");
	json_string(j, "ban");
	json_key(j, "blocked");
	json_bool(j, 1);
	json_object_end(j);
}
