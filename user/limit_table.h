/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The limit table: an LPM trie of rules, swapped in as a whole through slot
 * 0 of the limit_tables array of maps, so a packet sees one table or the
 * other and never a mix.
 */
#ifndef SYNLIMIT_LIMIT_TABLE_H
#define SYNLIMIT_LIMIT_TABLE_H

#include <stddef.h>
#include "synlimit/abi.h"

struct limit_entry {
	struct rule_key key;
	struct rule rule;
};

/* A new table holding entries[0..n): its fd, or -errno. */
int limit_table_create(const struct limit_entry *entries, size_t n);

/* Make table_fd the live table. Returns 0 or -errno. */
int limit_table_swap(int tables_fd, int table_fd);

/* fd of the live table, -ENOENT when none is loaded, -EPROTO when it is not
 * a table of rules, or -errno. */
int limit_table_live(int tables_fd);

#endif /* SYNLIMIT_LIMIT_TABLE_H */
