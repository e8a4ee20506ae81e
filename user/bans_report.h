/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* What bans are in force: `synlimit bans`, and the ban rows of `blocked`. */
#ifndef SYNLIMIT_BANS_REPORT_H
#define SYNLIMIT_BANS_REPORT_H

#include "bans.h"
#include "json.h"
#include "report.h"

/* The bans in force at now (CLOCK_MONOTONIC), sorted by address. */
int bans_in_force(int bans_fd, __u64 now, struct ban_item **items, size_t *n);

/* Seconds until the ban ends, negative for a ban until unban. */
double ban_remaining_s(const struct ban *ban, __u64 now);

/* `synlimit bans [--json]`. */
int report_bans(const struct loaded *l, const struct report_options *opts);

/* One ban as a row of `blocked`, in its text columns or as a JSON object. */
void ban_blocked_line(const struct ban_item *item, __u64 now);
void ban_blocked_json(struct json *j, const struct ban_item *item, __u64 now);

#endif /* SYNLIMIT_BANS_REPORT_H */
