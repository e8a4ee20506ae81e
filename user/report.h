/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The read-only commands: status, stats, blocked, top, show. */
#ifndef SYNLIMIT_REPORT_H
#define SYNLIMIT_REPORT_H

#include "loader.h"

struct report_options {
	int json;
	int top_n;
};

int report_status(const char *pin_dir, const struct report_options *opts);
int report_stats(const struct loaded *l, const struct report_options *opts);
int report_blocked(const struct loaded *l, const struct report_options *opts);
int report_top(const struct loaded *l, const struct report_options *opts);
int report_show(const struct loaded *l, const char *addr, const struct report_options *opts);

/* Times: the data path stamps CLOCK_MONOTONIC; reports show wall time. */
__u64 mono_now_ns(void);
char *format_mono_time(__u64 mono_ns, char *buf, size_t size);
/* "FILE:LINE" of a rule from the pinned config. */
char *format_rule_origin(const struct synlimit_config *config, const struct rule *rule, char *buf,
			 size_t size);

#endif /* SYNLIMIT_REPORT_H */
