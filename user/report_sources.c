// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synlimit blocked, top and show: sources and what their state means now
 * (source_view.c), each command as text and as JSON side by side.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "addr.h"
#include "bans_report.h"
#include "clock.h"
#include "json.h"
#include "limit_table.h"
#include "port_rules.h"
#include "log.h"
#include "report.h"
#include "syncookie.h"
#include "rule.h"
#include "source_table.h"
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

/* FILE:LINE, and port=... for a port rule: the RULE column. */
static const char *rule_column(const struct source_view *v, const struct synlimit_config *config,
			       char *buf, size_t size)
{
	size_t used;

	if (!rule_origin(v, config, buf, size))
		return "-";
	used = strlen(buf);
	if (v->ports[0])
		snprintf(buf + used, size - used, " port=%s", v->ports);
	return buf;
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
	json_string_field(j, "ports", v->ports[0] ? v->ports : NULL); /* null: port-less */
	json_bool_field(j, "ban", 0);
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

/* A list of sources as {"NAME":[...]}, bans first. */
static void print_sources_json(const char *name, const struct source_view *views, size_t n,
			       const struct ban_item *bans, size_t n_bans,
			       const struct synlimit_config *config, __u64 now)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, name);
	json_array_begin(&j);
	for (i = 0; i < n_bans; i++)
		ban_blocked_json(&j, &bans[i], now);
	for (i = 0; i < n; i++)
		print_source_json(&j, &views[i], config);
	json_array_end(&j);
	json_object_end(&j);
	json_end_line(&j);
}

/* ---- blocked ---- */

static void print_blocked_plain(const struct source_view *views, size_t n,
				const struct ban_item *bans, size_t n_bans,
				const struct synlimit_config *config, __u64 now)
{
	char text[ADDR_TEXT_MAX], origin[600], limit[128], rate[48], since[32];
	size_t i;

	printf("%-24s %-24s %-14s %10s %9s %10s  %s\n", "ADDRESS", "LIMIT", "RATE", "DROPS",
	       "SINCE", "REMAINING", "RULE");
	for (i = 0; i < n_bans; i++)
		ban_blocked_line(&bans[i], now);
	for (i = 0; i < n; i++) {
		const struct source_view *v = &views[i];

		snprintf(since, sizeof(since), "%llus ago",
			 (unsigned long long)((now - v->since_ns) / NSEC_PER_SEC));
		/* the rule's FILE:LINE last: a long path cannot push the columns */
		printf("%-24s %-24s %-14s %10llu %9s %9.1fs  %s\n",
		       addr_format(&v->addr, v->prefixlen, text, sizeof(text)),
		       or_dash(rule_text(v, limit, sizeof(limit))),
		       format_rate(v, rate, sizeof(rate)), (unsigned long long)v->drops, since,
		       v->remaining_s, rule_column(v, config, origin, sizeof(origin)));
	}
	if (!n && !n_bans)
		printf("(no source is blocked or banned)\n");
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
	struct ban_item *bans = NULL;
	size_t n, i, shown = 0, n_bans = 0;
	__u64 now = mono_now_ns();
	int err = config_read(l, &config);

	if (!err)
		err = bans_in_force(l->bans_fd, now, &bans, &n_bans);
	if (!err)
		err = source_views_load(l, 0, now, &views, &n);
	if (err) {
		pr_warn("cannot read the blocked table: %s\n", strerror(-err));
		free(bans);
		return err;
	}
	qsort(views, n, sizeof(*views), by_drops);
	/* entries the next packet would let out are blocked no longer */
	for (i = 0; i < n; i++)
		if (views[i].blocked)
			views[shown++] = views[i];
	/* bans first: they end only by time or unban */
	if (opts->json)
		print_sources_json("blocked", views, shown, bans, n_bans, &config, now);
	else
		print_blocked_plain(views, shown, bans, n_bans, &config, now);
	free(views);
	free(bans);
	return 0;
}

/* ---- top ---- */

static void print_top_plain(const struct source_view *views, size_t n,
			    const struct synlimit_config *config)
{
	char text[ADDR_TEXT_MAX], origin[600], rate[48];
	size_t i;

	printf("%-24s %-14s %-7s  %s\n", "ADDRESS", "RATE", "BLOCKED", "RULE");
	for (i = 0; i < n; i++)
		printf("%-24s %-14s %-7s  %s\n",
		       addr_format(&views[i].addr, views[i].prefixlen, text, sizeof(text)),
		       format_rate(&views[i], rate, sizeof(rate)), views[i].blocked ? "yes" : "no",
		       rule_column(&views[i], config, origin, sizeof(origin)));
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
		print_sources_json("top", views, shown, NULL, 0, &config, 0);
	else
		print_top_plain(views, shown, &config);
	free(views);
	return 0;
}

/* ---- show ---- */

/* One rule that decides for the address asked about, and its state there. */
struct shown_source {
	struct source_view v;
	struct source_key key; /* where its state would be */
	int found;	       /* a state is stored */
	int first;	       /* none, but its first attempt is recorded, first_ago_ns ago */
	__u64 first_ago_ns;
};

#define SHOW_PORT_RULES 64

struct shown {
	const char *text; /* the address as given */
	int verified;	  /* by a cookie handshake, verified_age_ns ago */
	__u64 verified_age_ns;
	int banned;
	struct ban_item ban;
	struct shown_source portless;
	struct shown_source ports[SHOW_PORT_RULES]; /* v.ports says which */
	size_t n_ports;
};

static const char *action_name(const struct source_view *v)
{
	if (!v->has_rule)
		return "none";
	return v->rule.action == RULE_ALLOW  ? "allow"
	       : v->rule.action == RULE_DENY ? "deny"
					     : "limit";
}

static void print_rule_json(struct json *j, const struct shown_source *s,
			    const struct synlimit_config *config)
{
	char origin[300], limit[128];

	json_string_field(j, "action", action_name(&s->v));
	json_string_field(j, "rule", rule_origin(&s->v, config, origin, sizeof(origin)));
	json_string_field(j, "limit", rule_text(&s->v, limit, sizeof(limit)));
	json_key(j, "state");
	if (s->found)
		print_source_json(j, &s->v, config);
	else
		json_null(j);
	json_key(j, "first_attempt_ago_s"); /* null: none recorded (or a state) */
	if (s->first)
		json_double(j, (double)s->first_ago_ns / 1e9);
	else
		json_null(j);
}

static void print_show_json(const struct shown *s, const struct synlimit_config *config, __u64 now)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_string_field(&j, "addr", s->text);
	json_bool_field(&j, "verified", s->verified);
	json_key(&j, "ban"); /* null: not banned */
	if (s->banned)
		ban_blocked_json(&j, &s->ban, now);
	else
		json_null(&j);
	print_rule_json(&j, &s->portless, config);
	json_key(&j, "port_rules");
	json_array_begin(&j);
	for (i = 0; i < s->n_ports; i++) {
		json_object_begin(&j);
		json_string_field(&j, "ports", s->ports[i].v.ports);
		print_rule_json(&j, &s->ports[i], config);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_end_line(&j);
}

static void print_rule_plain(const struct shown_source *s, const struct synlimit_config *config,
			     const char *in)
{
	const struct source_view *v = &s->v;
	char origin[300], limit[128], text[ADDR_TEXT_MAX], rate[48];

	if (!v->has_rule) {
		printf("%srule     none: connection attempts pass\n", in);
		return;
	}
	printf("%srule     %s  %s\n", in, rule_origin(v, config, origin, sizeof(origin)),
	       rule_text(v, limit, sizeof(limit)));
	if (v->rule.action != RULE_LIMIT)
		return;
	printf("%sstate    %s\n", in,
	       addr_format(&s->key.addr, s->key.prefixlen, text, sizeof(text)));
	if (s->first) {
		printf("%sseen     once, %.1fs ago: its next attempt makes its entry\n", in,
		       (double)s->first_ago_ns / 1e9);
		return;
	}
	if (!s->found) {
		printf("%sseen     no (or evicted): its next attempt starts afresh\n", in);
		return;
	}
	printf("%srate     %s\n", in, format_rate(v, rate, sizeof(rate)));
	if (v->blocked)
		printf("%sblocked  yes: %llu drops since %s, passes again in %.1fs\n", in,
		       (unsigned long long)v->drops,
		       format_mono_time(v->since_ns, text, sizeof(text)), v->remaining_s);
	else
		printf("%sblocked  no\n", in);
}

static void print_show_plain(const struct shown *s, const struct synlimit_config *config, __u64 now)
{
	size_t i;

	printf("%s\n", s->text);
	if (s->verified)
		printf("  verified by a SYN cookie handshake %.0fs ago\n",
		       (double)s->verified_age_ns / 1e9);
	if (s->banned) {
		char left[48];

		if (s->ban.ban.expires_ns)
			snprintf(left, sizeof(left), "for %.1fs more",
				 ban_remaining_s(&s->ban.ban, now));
		printf("  banned   yes, %s%s%s: every connection attempt is dropped\n",
		       s->ban.ban.expires_ns ? left : "until unban",
		       s->ban.ban.reason[0] ? ", " : "", s->ban.ban.reason);
	}
	/* a file with port rules: the port-less rule decides the other ports */
	if (s->n_ports)
		printf("  other ports:\n");
	print_rule_plain(&s->portless, config, s->n_ports ? "    " : "  ");
	for (i = 0; i < s->n_ports; i++) {
		printf("  port %s:\n", s->ports[i].v.ports);
		print_rule_plain(&s->ports[i], config, "    ");
	}
}

/* s->v's rule is set: addr's state under it, kept under scope, where the
 * program would find it (the tables' hash key is in the config). */
static void find_state(const struct loaded *l, const struct synlimit_config *config,
		       const union synlimit_addr *addr, __u16 scope, struct shown_source *s,
		       __u64 now)
{
	struct blocked_state blk = { 0 };
	struct first_attempt first;
	__u64 seed = config->table_seed;

	if (!s->v.has_rule || s->v.rule.action != RULE_LIMIT)
		return;
	addr_mask(addr, s->v.rule.per_prefix, &s->key.addr);
	s->key.prefixlen = s->v.rule.per_prefix;
	s->key.scope = scope;
	s->v.addr = s->key.addr;
	s->v.prefixlen = s->key.prefixlen;
	if (!source_table_find(l->blocked_fd, source_table_buckets(l->blocked_fd), seed, &s->key,
			       &blk, sizeof(blk), 1, l->flood_cache_fd))
		s->found = s->v.in_blocked = 1;
	else if (!source_table_find(l->sources_fd, source_table_buckets(l->sources_fd), seed,
				    &s->key, &blk.state, sizeof(blk.state), 0, -1))
		s->found = 1;
	if (s->found)
		source_view_compute(&s->v, &blk, now);
	/* a record under a rule of another shape is not built on (afresh) */
	else if (!source_first_attempt(l->first_attempts_fd, source_table_buckets(l->sources_fd),
				       seed, &s->key, &first) &&
		 first.shape == s->v.rule.shape) {
		s->first = 1;
		s->first_ago_ns = now > first.stamp_ns ? now - first.stamp_ns : 0;
	}
}

int report_show(const struct loaded *l, const struct report_options *opts)
{
	struct port_decision decisions[SHOW_PORT_RULES];
	struct synlimit_config config;
	struct port_rules pr = { 0 };
	struct shown *s = calloc(1, sizeof(*s));
	union synlimit_addr addr;
	unsigned int prefix;
	const char *why = NULL;
	__u64 now = mono_now_ns();
	char via[32];
	int table, err;
	size_t i;

	if (!s)
		return -ENOMEM;
	s->text = opts->addr;
	err = addr_parse(s->text, &addr, &prefix, &why) || prefix != 128 ? -EINVAL : 0;
	if (err)
		pr_warn("show: '%s' is not an address: %s\n", s->text, why ? why : "a network");
	if (!err)
		err = config_read(l, &config);
	if (!err)
		err = port_rules_load(l->tables_fd, l->port_tables_fd, &pr);
	if (err) {
		free(s);
		return err;
	}
	s->banned = ban_find(l->bans_fd, &addr, now, &s->ban);
	table = limit_table_live(l->tables_fd);
	s->portless.v.has_rule = source_rule_live(table, &addr, &s->portless.v.rule);
	if (table >= 0)
		close(table);
	s->verified = syncookie_verified(pin_dir_fd_path(&l->dir, via, sizeof(via)), &addr, now,
					 &s->verified_age_ns) == 1;
	find_state(l, &config, &addr, 0, &s->portless, now);
	s->n_ports = port_rules_for_addr(&pr, &addr, decisions, SHOW_PORT_RULES);
	for (i = 0; i < s->n_ports; i++) {
		s->ports[i].v.has_rule = 1;
		s->ports[i].v.rule = decisions[i].rule;
		find_state(l, &config, &addr, decisions[i].rule.scope, &s->ports[i], now);
		snprintf(s->ports[i].v.ports, sizeof(s->ports[i].v.ports), "%s",
			 decisions[i].ports);
	}
	if (opts->json)
		print_show_json(s, &config, now);
	else
		print_show_plain(s, &config, now);
	port_rules_free(&pr);
	free(s);
	return 0;
}
