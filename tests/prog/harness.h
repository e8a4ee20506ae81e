/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the BPF_PROG_TEST_RUN tests share: counter deltas, and tables
 * numbered as attach and reload number them (user/control.c): each
 * table's rules carry the next generation, recorded in the config map once
 * the table is live. The flood cache (bpf/flood_cache.h) holds a drop only
 * under the generation that made it, so tests that load tables this way
 * run the program as the controller drives it.
 */
#ifndef SYNLIMIT_TEST_HARNESS_H
#define SYNLIMIT_TEST_HARNESS_H

#include <errno.h>
#include <stddef.h>
#include <bpf/bpf.h>
#include "limit_table.h"
#include "stats.h"
#include "synlimit.skel.h"

/* A counter now, less its value in base (from stats_read). */
static inline __u64 stat_since(int stats_fd, const __u64 *base, enum synlimit_stat stat)
{
	__u64 now[STAT_MAX];

	stats_read(stats_fd, -1, now);
	return now[stat] - base[stat];
}

/* The generation the next table gets; its rules are numbered with it. */
static inline __u32 generation_next(struct synlimit_bpf *skel, struct limit_entry *entries,
				    size_t n)
{
	struct synlimit_config config = { 0 };
	__u32 zero = 0;
	size_t i;

	bpf_map_lookup_elem(bpf_map__fd(skel->maps.config), &zero, &config);
	for (i = 0; i < n; i++)
		entries[i].rule.generation = config.generation + 1;
	return config.generation + 1;
}

/* Record generation as the live table's. */
static inline int generation_set(struct synlimit_bpf *skel, __u32 generation)
{
	struct synlimit_config config = { 0 };
	int fd = bpf_map__fd(skel->maps.config);
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &config))
		return -errno;
	config.generation = generation;
	return bpf_map_update_elem(fd, &zero, &config, BPF_ANY) ? -errno : 0;
}

#endif /* SYNLIMIT_TEST_HARNESS_H */
