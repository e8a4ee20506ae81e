// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading the pinned source tables while the data path writes them: the
 * blocked and sources tables merged into one source_view per source.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "limit_table.h"
#include "port_rules.h"
#include "source_table.h"
#include "table_dump.h"

int source_rule_live(int table_fd, const union synlimit_addr *addr, struct rule *rule)
{
	struct rule_key key = { .prefixlen = 128, .addr = *addr };

	return table_fd >= 0 && !bpf_map_lookup_elem(table_fd, &key, rule) &&
	       rule->action != RULE_NONE;
}

/* The rule a state was kept under: a port rule by its scope, else the
 * port-less rule. */
static int state_rule(int table_fd, const struct port_rules *pr, const struct source_key *key,
		      struct source_view *v)
{
	struct port_decision d;

	v->ports[0] = '\0';
	if (!key->scope)
		return source_rule_live(table_fd, &key->addr, &v->rule);
	if (!port_rules_of_scope(pr, &key->addr, key->scope, &d))
		return 0;
	v->rule = d.rule;
	snprintf(v->ports, sizeof(v->ports), "%s", d.ports);
	return 1;
}

static int cmp_source_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct source_key));
}

int source_views_load(const struct loaded *l, int with_sources, __u64 now, struct source_view **out,
		      size_t *n)
{
	struct source_dump blocked = { 0 }, sources = { 0 };
	struct source_key *sorted_blocked = NULL;
	struct port_rules pr = { 0 };
	struct source_view *views;
	size_t i, k = 0;
	int table = limit_table_live(l->tables_fd), err;
	struct synlimit_config config;

	*out = NULL;
	*n = 0;
	err = config_read(l, &config);
	if (!err)
		err = port_rules_load(l->tables_fd, l->port_tables_fd, &pr);
	if (!err)
		err = source_table_dump(l->blocked_fd, 1, l->flood_cache_fd, config.table_seed,
					&blocked);
	if (!err && with_sources)
		err = source_table_dump(l->sources_fd, 0, -1, 0, &sources);
	views = err ? NULL : calloc(blocked.count + sources.count + 1, sizeof(*views));
	if (!views) {
		err = err ? err : -ENOMEM;
		goto out;
	}
	sorted_blocked = malloc((blocked.count ? blocked.count : 1) * sizeof(struct source_key));
	if (!sorted_blocked) {
		free(views);
		err = -ENOMEM;
		goto out;
	}
	memcpy(sorted_blocked, blocked.keys, blocked.count * sizeof(struct source_key));
	qsort(sorted_blocked, blocked.count, sizeof(struct source_key), cmp_source_key);
	for (i = 0; i < blocked.count + sources.count; i++) {
		int in_blocked = i < blocked.count;
		const struct source_key *key =
		    in_blocked ? &blocked.keys[i] : &sources.keys[i - blocked.count];
		struct blocked_state blk = { 0 };
		struct source_view *v = &views[k];

		/* a blocked source's entry in the sources table is its stale
		 * pre-block copy: the blocked table holds the live one */
		if (!in_blocked && bsearch(key, sorted_blocked, blocked.count,
					   sizeof(struct source_key), cmp_source_key))
			continue;
		if (in_blocked)
			blk = ((struct blocked_state *)blocked.states)[i];
		else
			blk.state = ((struct source_state *)sources.states)[i - blocked.count];
		v->addr = key->addr;
		v->prefixlen = key->prefixlen;
		v->in_blocked = in_blocked;
		v->has_rule = state_rule(table, &pr, key, v);
		source_view_compute(v, &blk, now);
		k++;
	}
	*out = views;
	*n = k;
out:
	free(sorted_blocked);
	port_rules_free(&pr);
	if (table >= 0)
		close(table);
	source_dump_free(&blocked);
	source_dump_free(&sources);
	return err;
}
