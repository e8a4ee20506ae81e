/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Reading the pinned tables that change under us, by batches. */
#ifndef SYNLIMIT_TABLE_DUMP_H
#define SYNLIMIT_TABLE_DUMP_H

#include <stddef.h>
#include "loader.h"
#include "source_view.h"

struct table_dump {
	void *keys, *values;
	size_t count;
};

/*
 * Every entry of a hash map, by batches. A table churning under a flood
 * may show an entry twice or miss one; the walk still ends, bounded by
 * twice the table's size. Returns 0 or -errno; free with table_dump_free()
 * either way.
 */
int table_dump(int fd, size_t key_size, size_t value_size, struct table_dump *out);
void table_dump_free(struct table_dump *d);

/* Entries in a hash map now (by a dump), or -errno. */
long table_count(int fd, size_t key_size, size_t value_size);

/* A map's max_entries, 0 if it cannot be read. */
__u32 table_max_entries(int fd);

/* The rule of the live limit table (table_fd, may be < 0) for one address. */
int source_rule_live(int table_fd, const union synlimit_addr *addr, struct rule *rule);

/* One view per source of the blocked table (and of the sources table if
 * with_sources), each with its live rule, computed at time now. *out is
 * calloc'd: the caller frees it. Returns 0 or -errno. */
int source_views_load(const struct loaded *l, int with_sources, __u64 now, struct source_view **out,
		      size_t *n);

#endif /* SYNLIMIT_TABLE_DUMP_H */
