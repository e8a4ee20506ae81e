/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What a source's stored state means now: its rate, whether its next
 * attempt would be refused and for how long. Pure: computed from the state,
 * its rule and a time with the same rate.h functions the XDP program runs;
 * no map is read here.
 */
#ifndef SYNLIMIT_SOURCE_VIEW_H
#define SYNLIMIT_SOURCE_VIEW_H

#include <linux/types.h>
#include "synlimit/abi.h"

struct source_view {
	union synlimit_addr addr;
	__u8 prefixlen;
	int has_rule;
	struct rule rule;
	int in_blocked; /* the state came from the blocked table */
	int blocked;	/* the next attempt would be dropped */
	double rate;	/* ewma: rate now, per period; NAN for bucket or none */
	__u64 drops, since_ns;
	double remaining_s; /* until an attempt passes again, to the millisecond */
	char ports[256];    /* a port rule's ports ("25,465,587"), "" for a port-less rule */
};

/* Fill rate, blocked, drops, since_ns and remaining_s of *v (whose rule,
 * has_rule and in_blocked are set) from the stored state at time now.
 * For a source of the sources table only blk->state is read. */
void source_view_compute(struct source_view *v, const struct blocked_state *blk, __u64 now);

#endif /* SYNLIMIT_SOURCE_VIEW_H */
