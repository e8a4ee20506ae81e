/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The limit table: an LPM trie of rules, swapped in as a whole through slot
 * 0 of the limit_tables array of maps, so a packet sees one table or the
 * other and never a mix. Rules that name destination ports live in a trie
 * of their own (port_tables), named by the port-less table's rules.
 */
#ifndef SYNLIMIT_LIMIT_TABLE_H
#define SYNLIMIT_LIMIT_TABLE_H

#include <stddef.h>
#include "synlimit/abi.h"

/* Destination ports lo..hi, host byte order. */
struct port_range {
	__u16 lo, hi;
};

struct limit_entry {
	struct rule_key key;
	struct rule rule;
	const struct port_range *ports; /* NULL: a port-less rule */
	__u32 n_ports;			/* ranges in ports[] */
};

/* A new port-less table holding the port-less entries of entries[0..n):
 * its fd, or -errno. */
int limit_table_create(const struct limit_entry *entries, size_t n);

/* Make table_fd the live table. Returns 0 or -errno. */
int limit_table_swap(int tables_fd, int table_fd);

/* fd of the live table, -ENOENT when none is loaded, -EPROTO when it is not
 * a table of rules, or -errno. */
int limit_table_live(int tables_fd);

/* Make entries[0..n) live, port rules and all: the port rules go into the
 * port_tables slot the live table does not name, then the port-less table
 * that names it is swapped in, then the old port rules are freed. A file
 * without port rules makes exactly the table limit_table_create makes.
 * Returns 0 or -errno (nothing live changed). */
int limit_table_install(int tables_fd, int port_tables_fd, const struct limit_entry *entries,
			size_t n);

/* fd of the port-rule table the live table names, -ENOENT if none. */
int limit_table_live_ports(int tables_fd, int port_tables_fd);

/* Destination ports covered by entry (0 for a port-less rule). */
static inline size_t limit_entry_port_count(const struct limit_entry *entry)
{
	size_t count = 0;
	__u32 i;

	for (i = 0; i < entry->n_ports; i++)
		count += (size_t)entry->ports[i].hi - entry->ports[i].lo + 1;
	return count;
}

#endif /* SYNLIMIT_LIMIT_TABLE_H */
