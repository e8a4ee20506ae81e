// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "limit_table.h"
#include "port_rules.h"

static int cmp_item(const void *a, const void *b)
{
	const struct port_rule_item *x = a, *y = b;
	__u16 px = ntohs(x->key.port), py = ntohs(y->key.port);

	if (px != py)
		return px < py ? -1 : 1;
	return x->key.prefixlen > y->key.prefixlen ? -1 : x->key.prefixlen < y->key.prefixlen;
}

int port_rules_load(int tables_fd, int port_tables_fd, struct port_rules *out)
{
	struct port_rule_key key, next;
	size_t cap = 0;
	void *prev = NULL;
	int fd = limit_table_live_ports(tables_fd, port_tables_fd), err = 0;

	memset(out, 0, sizeof(*out));
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	while (out->n < SYNLIMIT_MAX_PORT_KEYS && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (out->n == cap) {
			struct port_rule_item *grown;

			cap = cap ? 2 * cap : 256;
			grown = realloc(out->items, cap * sizeof(*grown));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			out->items = grown;
		}
		if (!bpf_map_lookup_elem(fd, &key, &out->items[out->n].rule))
			out->items[out->n++].key = key;
	}
	close(fd);
	if (err) {
		port_rules_free(out);
		return err;
	}
	if (out->n)
		qsort(out->items, out->n, sizeof(*out->items), cmp_item);
	return 0;
}

void port_rules_free(struct port_rules *pr)
{
	free(pr->items);
	pr->items = NULL;
	pr->n = 0;
}

static int covers(const struct port_rule_item *item, const union synlimit_addr *addr)
{
	union synlimit_addr masked;

	addr_mask(addr, item->key.prefixlen - 32, &masked);
	return !memcmp(&masked, &item->key.addr, sizeof(masked));
}

/* Append port to a list being written in ascending order, joining runs. */
static void add_port(char *buf, size_t size, unsigned int port, unsigned int *last,
		     unsigned int *run_start)
{
	size_t used = strlen(buf);

	if (*last && port == *last + 1) {
		/* extend the run: rewrite its end */
		char *dash = *run_start != *last ? strrchr(buf, '-') : NULL;

		if (dash)
			*dash = '\0';
		used = strlen(buf);
		snprintf(buf + used, size - used, "-%u", port);
	} else {
		snprintf(buf + used, size - used, "%s%u", used ? "," : "", port);
		*run_start = port;
	}
	*last = port;
}

/* The item that decides port `port` for addr: the first covering one
 * (items of a port are sorted longest prefix first). */
static const struct port_rule_item *decider(const struct port_rules *pr, size_t first,
					    const union synlimit_addr *addr, size_t *next)
{
	const struct port_rule_item *found = NULL;
	size_t i;

	for (i = first; i < pr->n && pr->items[i].key.port == pr->items[first].key.port; i++)
		if (!found && covers(&pr->items[i], addr))
			found = &pr->items[i];
	*next = i;
	return found;
}

/* Decisions for addr, filtered by scope when scope is not 0. */
static size_t decisions(const struct port_rules *pr, const union synlimit_addr *addr, __u16 scope,
			struct port_decision *out, size_t max)
{
	unsigned int last[64] = { 0 }, start[64] = { 0 };
	size_t i = 0, n = 0, k;

	while (i < pr->n) {
		const struct port_rule_item *d = decider(pr, i, addr, &i);

		if (!d || (scope && d->rule.scope != scope))
			continue;
		for (k = 0; k < n && out[k].rule.line != d->rule.line; k++)
			;
		if (k == n) {
			if (n == max || n == 64)
				continue;
			memset(&out[n], 0, sizeof(out[n]));
			out[n++].rule = d->rule;
		}
		add_port(out[k].ports, sizeof(out[k].ports), ntohs(d->key.port), &last[k],
			 &start[k]);
	}
	return n;
}

int port_rules_of_scope(const struct port_rules *pr, const union synlimit_addr *addr, __u16 scope,
			struct port_decision *out)
{
	/* one scope may span several rules (one port set at several prefixes):
	 * the state's rule is the longest prefix, the first found per port */
	return scope && decisions(pr, addr, scope, out, 1) == 1;
}

size_t port_rules_for_addr(const struct port_rules *pr, const union synlimit_addr *addr,
			   struct port_decision *out, size_t max)
{
	return decisions(pr, addr, 0, out, max);
}
