// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synlimit blocked, top and show: sources and what their state means now
 * (source_view.c), each command as text and as JSON side by side.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "clock.h"
#include "json.h"
#include "limit_table.h"
#include "log.h"
#include "report.h"
#include "syncookie.h"
#include "rule.h"
#include "table_dump.h"
#include "util.h"

char *format_rule_origin(const struct synlimit_config *config, __u32 line, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%u", config->limits_path[0] ? config->limits_path : "?", line);
	return buf;
}

static const char *rule_origin(const struct source_view *v, const struct synlimit_config *config,
			       char *buf, size_t size)
{
	return v->has_rule ? format_rule_origin(config, v->rule.line, buf, size) : NULL;
}

static const char *rule_text(const struct source_view *v, char *buf, size_t size)
{
	return v->has_rule ? format_rule(&v->rule, buf, size) : NULL;
}

static const char *or_dash(const char *text)
{
	return text ? text : "-";
}

static char *format_rate(const struct source_view *v, char *buf, size_t size)
{
	char period[32];

	if (isnan(v->rate))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.2f/%s", v->rate,
			 format_duration(v->rule.period_ns, period, sizeof(period)));
	return buf;
}

/* One source as a JSON object: an element of blocked and top, show's state. */
static void print_source_json(struct json *j, const struct source_view *v,
			      const struct synlimit_config *config)
{
	char text[ADDR_TEXT_MAX], origin[300], limit[128], when[32];

	json_object_begin(j);
	json_string_field(j, "addr", addr_format(&v->addr, v->prefixlen, text, sizeof(text)));
	json_string_field(j, "rule", rule_origin(v, config, origin, sizeof(origin)));
	json_string_field(j, "limit", rule_text(v, limit, sizeof(limit)));
	json_double_field(j, "rate", v->rate);
	json_bool_field(j, "blocked", v->blocked);
	if (v->in_blocked) {
		json_u64_field(j, "drops", v->drops);
		json_string_field(j, "since", format_mono_time(v->since_ns, when, sizeof(when)));
		json_double_field(j, "remaining_s", v->remaining_s);
	}
	json_bool_field(j, "dry_run", v->has_rule && (v->rule.flags & RULE_F_DRY_RUN));
	json_object_end(j);
}

/* A list of sources as {"NAME":[...]}. */
static void print_sources_json(const char *name, const struct source_view *views, size_t n,
			       const struct synlimit_config *config)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, name);
	json_array_begin(&j);
	for (i = 0; i < n; i++)
		print_source_json(&j, &views[i], config);
	json_array_end(&j);
	json_object_end(&j);
	json_end_line(&j);
}

/* ---- blocked ---- */

static void print_blocked_plain(const struct source_view *views, size_t n,
				const struct synlimit_config *config, __u64 now)
{
	char text[ADDR_TEXT_MAX], origin[300], limit[128], rate[48], since[32];
	size_t i;

	printf("%-24s %-24s %-14s %10s %9s %10s  %s\n", "ADDRESS", "LIMIT", "RATE", "DROPS",
	       "SINCE", "REMAINING", "RULE");
	for (i = 0; i < n; i++) {
		const struct source_view *v = &views[i];

		snprintf(since, sizeof(since), "%llus ago",
			 (unsigned long long)((now - v->since_ns) / NSEC_PER_SEC));
		/* the rule's FILE:LINE last: a long path cannot push the columns */
		printf("%-24s %-24s %-14s %10llu %9s %9.1fs  %s\n",
		       addr_format(&v->addr, v->prefixlen, text, sizeof(text)),
		       or_dash(rule_text(v, limit, sizeof(limit))),
		       format_rate(v, rate, sizeof(rate)), (unsigned long long)v->drops, since,
		       v->remaining_s, or_dash(rule_origin(v, config, origin, sizeof(origin))));
	}
	if (!n)
		printf("(no source is blocked)\n");
}

/* Biggest offenders first. */
static int by_drops(const void *a, const void *b)
{
	const struct source_view *x = a, *y = b;

	return x->drops < y->drops ? 1 : x->drops > y->drops ? -1 : 0;
}

int report_blocked(const struct loaded *l, const struct report_options *opts)
{
	struct synlimit_config config;
	struct source_view *views;
	size_t n, i, shown = 0;
	__u64 now = mono_now_ns();
	int err = config_read(l, &config);

	if (!err)
		err = source_views_load(l, 0, now, &views, &n);
	if (err) {
		pr_warn("cannot read the blocked table: %s\n", strerror(-err));
		return err;
	}
	qsort(views, n, sizeof(*views), by_drops);
	/* entries the next packet would let out are blocked no longer */
	for (i = 0; i < n; i++)
		if (views[i].blocked)
			views[shown++] = views[i];
	if (opts->json)
		print_sources_json("blocked", views, shown, &config);
	else
		print_blocked_plain(views, shown, &config, now);
	free(views);
	return 0;
}

/* ---- top ---- */

static void print_top_plain(const struct source_view *views, size_t n,
			    const struct synlimit_config *config)
{
	char text[ADDR_TEXT_MAX], origin[300], rate[48];
	size_t i;

	printf("%-24s %-14s %-7s  %s\n", "ADDRESS", "RATE", "BLOCKED", "RULE");
	for (i = 0; i < n; i++)
		printf("%-24s %-14s %-7s  %s\n",
		       addr_format(&views[i].addr, views[i].prefixlen, text, sizeof(text)),
		       format_rate(&views[i], rate, sizeof(rate)), views[i].blocked ? "yes" : "no",
		       or_dash(rule_origin(&views[i], config, origin, sizeof(origin))));
}

/* Blocked first, then the highest rate. */
static int by_rate(const void *a, const void *b)
{
	const struct source_view *x = a, *y = b;
	double rx = isnan(x->rate) ? -1 : x->rate, ry = isnan(y->rate) ? -1 : y->rate;

	if (x->blocked != y->blocked)
		return y->blocked - x->blocked;
	return rx < ry ? 1 : rx > ry ? -1 : 0;
}

int report_top(const struct loaded *l, const struct report_options *opts)
{
	struct synlimit_config config;
	struct source_view *views;
	size_t n, shown;
	int err = config_read(l, &config);

	if (!err)
		err = source_views_load(l, 1, mono_now_ns(), &views, &n);
	if (err) {
		pr_warn("cannot read the source tables: %s\n", strerror(-err));
		return err;
	}
	qsort(views, n, sizeof(*views), by_rate);
	shown = (size_t)opts->top_n < n ? (size_t)opts->top_n : n;
	if (opts->json)
		print_sources_json("top", views, shown, &config);
	else
		print_top_plain(views, shown, &config);
	free(views);
	return 0;
}

/* ---- show ---- */

struct shown_source {
	const char *text; /* the address as given */
	struct source_view v;
	struct source_key key; /* where its state would be */
	int found;	       /* a state is stored */
	int verified;	       /* by a cookie handshake, verified_age_ns ago */
	__u64 verified_age_ns;
};

static const char *action_name(const struct source_view *v)
{
	if (!v->has_rule)
		return "none";
	return v->rule.action == RULE_ALLOW  ? "allow"
	       : v->rule.action == RULE_DENY ? "deny"
					     : "limit";
}

static void print_show_json(const struct shown_source *s, const struct synlimit_config *config)
{
	char origin[300], limit[128];
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_string_field(&j, "addr", s->text);
	json_string_field(&j, "action", action_name(&s->v));
	json_string_field(&j, "rule", rule_origin(&s->v, config, origin, sizeof(origin)));
	json_string_field(&j, "limit", rule_text(&s->v, limit, sizeof(limit)));
	json_bool_field(&j, "verified", s->verified);
	json_key(&j, "state");
	if (s->found)
		print_source_json(&j, &s->v, config);
	else
		json_null(&j);
	json_object_end(&j);
	json_end_line(&j);
}

static void print_show_plain(const struct shown_source *s, const struct synlimit_config *config)
{
	const struct source_view *v = &s->v;
	char origin[300], limit[128], text[ADDR_TEXT_MAX], rate[48];

	printf("%s\n", s->text);
	if (s->verified)
		printf("  verified by a SYN cookie handshake %.0fs ago\n",
		       (double)s->verified_age_ns / 1e9);
	if (!v->has_rule) {
		printf("  rule     none: connection attempts pass\n");
		return;
	}
	printf("  rule     %s  %s\n", rule_origin(v, config, origin, sizeof(origin)),
	       rule_text(v, limit, sizeof(limit)));
	if (v->rule.action != RULE_LIMIT)
		return;
	printf("  state    %s\n", addr_format(&s->key.addr, s->key.prefixlen, text, sizeof(text)));
	if (!s->found) {
		printf("  seen     no (or evicted): its next attempt starts afresh\n");
		return;
	}
	printf("  rate     %s\n", format_rate(v, rate, sizeof(rate)));
	if (v->blocked)
		printf("  blocked  yes: %llu drops since %s, passes again in %.1fs\n",
		       (unsigned long long)v->drops,
		       format_mono_time(v->since_ns, text, sizeof(text)), v->remaining_s);
	else
		printf("  blocked  no\n");
}

int report_show(const struct loaded *l, const struct report_options *opts)
{
	const char *text = opts->addr;
	struct synlimit_config config;
	struct shown_source s = { .text = text };
	struct blocked_state blk = { 0 };
	union synlimit_addr addr;
	unsigned int prefix;
	const char *why = NULL;
	char via[32];
	int table, err;

	if (addr_parse(text, &addr, &prefix, &why) || prefix != 128) {
		pr_warn("show: '%s' is not an address: %s\n", text, why ? why : "a network");
		return -EINVAL;
	}
	err = config_read(l, &config);
	if (err)
		return err;
	table = limit_table_live(l->tables_fd);
	s.v.has_rule = source_rule_live(table, &addr, &s.v.rule);
	if (table >= 0)
		close(table);
	s.verified = syncookie_verified(pin_dir_fd_path(&l->dir, via, sizeof(via)), &addr,
					mono_now_ns(), &s.verified_age_ns) == 1;
	if (s.v.has_rule && s.v.rule.action == RULE_LIMIT) {
		addr_mask(&addr, s.v.rule.per_prefix, &s.key.addr);
		s.key.prefixlen = s.v.rule.per_prefix;
		s.v.addr = s.key.addr;
		s.v.prefixlen = s.key.prefixlen;
		if (!bpf_map_lookup_elem(l->blocked_fd, &s.key, &blk))
			s.found = s.v.in_blocked = 1;
		else if (!bpf_map_lookup_elem(l->sources_fd, &s.key, &blk.state))
			s.found = 1;
		if (s.found)
			source_view_compute(&s.v, &blk, mono_now_ns());
	}
	if (opts->json)
		print_show_json(&s, &config);
	else
		print_show_plain(&s, &config);
	return 0;
}
