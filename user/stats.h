/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The per-CPU counters of the XDP program: names and summing. */
#ifndef SYNLIMIT_STATS_H
#define SYNLIMIT_STATS_H

#include <linux/types.h>
#include "synlimit/abi.h"

/* Stable name of a counter, as printed by `stats` and used as JSON key. */
const char *stat_name(enum synlimit_stat stat);

/* Sum the per-CPU stats map into out[STAT_MAX]. Returns 0 or -errno. */
int stats_read(int stats_fd, __u64 out[STAT_MAX]);

#endif /* SYNLIMIT_STATS_H */
