// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <math.h>
#include <stdio.h>
#include "clock.h"
#include "event.h"
#include "report.h"

void event_view_init(struct event_view *v, const struct synlimit_event *ev,
		     const struct synlimit_config *config)
{
	v->type = ev->type == EVENT_BLOCK ? "block" : "unblock";
	v->unblock = ev->type == EVENT_UNBLOCK;
	format_mono_time(ev->time_ns, v->when, sizeof(v->when));
	addr_format(&ev->addr, ev->prefixlen, v->addr, sizeof(v->addr));
	v->line = ev->line;
	v->generation = ev->generation;
	/* an event made under another table is not labelled with this table's file */
	v->current = ev->generation == config->generation;
	if (v->current)
		format_rule_origin(config, ev->line, v->rule, sizeof(v->rule));
	else
		snprintf(v->rule, sizeof(v->rule),
			 "line %u of an earlier table (generation %u, now %u)", ev->line,
			 ev->generation, config->generation);
	v->has_rate = ev->rate_q16 != 0;
	v->rate = (double)ev->rate_q16 / 65536;
	v->drops = ev->drops;
	v->dry_run = ev->dry_run;
}

void event_json_fields(struct json *j, const struct event_view *v)
{
	json_string_field(j, "time", v->when);
	json_string_field(j, "event", v->type);
	json_string_field(j, "addr", v->addr);
	json_string_field(j, "rule", v->current ? v->rule : NULL);
	json_u64_field(j, "line", v->line);
	json_u64_field(j, "generation", v->generation);
	json_bool_field(j, "earlier_table", !v->current);
	json_double_field(j, "rate", v->has_rate ? v->rate : NAN);
	json_u64_field(j, "drops", v->drops);
	json_bool_field(j, "dry_run", v->dry_run);
}

void event_text(FILE *out, const struct event_view *v)
{
	fprintf(out, "%-7s %-24s rule %s", v->type, v->addr, v->rule);
	if (v->has_rate)
		fprintf(out, " rate %.2f", v->rate);
	if (v->unblock)
		fprintf(out, " drops %llu", (unsigned long long)v->drops);
	fprintf(out, "%s", v->dry_run ? " (dry-run)" : "");
}
