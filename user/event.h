/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A block or unblock event from the ring buffer, as watch and the agent's
 * log show it. */
#ifndef SYNLIMIT_EVENT_H
#define SYNLIMIT_EVENT_H

#include <stdio.h>
#include "addr.h"
#include "json.h"
#include "synlimit/abi.h"

struct event_view {
	const char *type; /* "block" or "unblock" */
	char when[32];
	char addr[ADDR_TEXT_MAX];
	/* FILE:LINE, or for an event made under another table (one replaced
	 * since, or a load not yet recorded) which line of which generation */
	char rule[SYNLIMIT_PATH_MAX + 64];
	int current; /* made under the table in force */
	__u32 line, generation;
	int has_rate; /* ewma rules have a rate */
	double rate;
	__u64 drops;
	int unblock, dry_run;
};

/* config: the pinned one now (a reload may have changed the file's path). */
void event_view_init(struct event_view *v, const struct synlimit_event *ev,
		     const struct synlimit_config *config);

/* Its members into an object that the caller opened. */
void event_json_fields(struct json *j, const struct event_view *v);

/* One line without the time: "block 198.18.1.66 rule FILE:LINE rate 12.00". */
void event_text(FILE *out, const struct event_view *v);

#endif /* SYNLIMIT_EVENT_H */
