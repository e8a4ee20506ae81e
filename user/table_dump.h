/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The pinned source tables as one view per source, read while they change. */
#ifndef SYNLIMIT_TABLE_DUMP_H
#define SYNLIMIT_TABLE_DUMP_H

#include <stddef.h>
#include "loader.h"
#include "source_view.h"

/* The rule of the live limit table (table_fd, may be < 0) for one address. */
int source_rule_live(int table_fd, const union synlimit_addr *addr, struct rule *rule);

/* One view per source of the blocked table (and of the sources table if
 * with_sources), each with its live rule, computed at time now. *out is
 * calloc'd: the caller frees it. Returns 0 or -errno. */
int source_views_load(const struct loaded *l, int with_sources, __u64 now, struct source_view **out,
		      size_t *n);

#endif /* SYNLIMIT_TABLE_DUMP_H */
