/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The read-only commands: status (report_status.c), stats (report_stats.c),
 * blocked, top and show (report_sources.c). Each renders as text or JSON.
 */
#ifndef SYNLIMIT_REPORT_H
#define SYNLIMIT_REPORT_H

#include "loader.h"

struct report_options {
	int json;
	__u32 top_n;	  /* top: how many */
	const char *addr; /* show: the address asked about */
	int prometheus;	  /* stats: the metrics' text instead */
};

int report_status(const char *pin_dir, const struct report_options *opts);
int report_stats(const struct loaded *l, const struct report_options *opts);
int report_blocked(const struct loaded *l, const struct report_options *opts);
int report_top(const struct loaded *l, const struct report_options *opts);
int report_show(const struct loaded *l, const struct report_options *opts);

/* "FILE:LINE" of a rule's line in the limits file the pinned config names. */
char *format_rule_origin(const struct synlimit_config *config, __u32 line, char *buf, size_t size);

#endif /* SYNLIMIT_REPORT_H */
