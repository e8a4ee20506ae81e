/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The live port rules as reports need them: which port rule a source's
 * state belongs to (by its scope), and which port rules decide for an
 * address, each with the ports it decides.
 */
#ifndef SYNLIMIT_PORT_RULES_H
#define SYNLIMIT_PORT_RULES_H

#include <stddef.h>
#include "synlimit/abi.h"

struct port_rule_item {
	struct port_rule_key key;
	struct rule rule;
};

struct port_rules {
	struct port_rule_item *items; /* sorted by port, then longest prefix first */
	size_t n;
};

/* A port rule that decides for an address, and the ports it decides. */
struct port_decision {
	struct rule rule;
	char ports[256]; /* "25,465,587", "8000-8099" */
};

/* The live table's port rules (none: n = 0). 0 or -errno. */
int port_rules_load(int tables_fd, int port_tables_fd, struct port_rules *out);
void port_rules_free(struct port_rules *pr);

/* The port rule whose state scope `scope` holds for addr: 1 and *out, or 0. */
int port_rules_of_scope(const struct port_rules *pr, const union synlimit_addr *addr, __u16 scope,
			struct port_decision *out);

/* The port rules that decide for SYNs from addr, one per rule, by line;
 * at most max. Returns how many. */
size_t port_rules_for_addr(const struct port_rules *pr, const union synlimit_addr *addr,
			   struct port_decision *out, size_t max);

#endif /* SYNLIMIT_PORT_RULES_H */
