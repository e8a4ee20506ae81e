// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prometheus naming (https://prometheus.io/docs/practices/naming/): one
 * family per thing counted, counters end in _total, what a sample is split
 * by is a label (class, outcome, reason, table, interface) so that the sum
 * over a label is meaningful.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "stats.h"
#include "util.h"
#include "xdp.h"

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *out, const char *value)
{
	for (; *value; value++) {
		if (*value == '\\' || *value == '"')
			fputc('\\', out);
		if (*value == '\n')
			fputs("\\n", out);
		else
			fputc(*value, out);
	}
}

static void sample(FILE *out, const char *name, const char *label, const char *value, __u64 count)
{
	fprintf(out, "%s{%s=\"", name, label);
	label_value(out, value);
	fprintf(out, "\"} %llu\n", (unsigned long long)count);
}

/* A metric without labels. */
static void single(FILE *out, const char *name, __u64 count)
{
	fprintf(out, "%s %llu\n", name, (unsigned long long)count);
}

/* Counters whose stat names share a prefix: the rest of the name is the label. */
static void stat_range(FILE *out, const struct stats_snapshot *s, const char *name,
		       const char *label, int first, int last, const char *prefix)
{
	size_t skip = strlen(prefix);
	int i;

	for (i = first; i <= last; i++) {
		const char *stat = stat_name(i);

		sample(out, name, label, strncmp(stat, prefix, skip) ? stat : stat + skip, s->c[i]);
	}
}

static void render_counters(FILE *out, const struct stats_snapshot *s)
{
	family(out, "synlimit_packets_total", "counter",
	       "Packets seen by the XDP program, by class (each packet in exactly one).");
	stat_range(out, s, "synlimit_packets_total", "class", STAT_CLASS_FIRST, STAT_CLASS_LAST,
		   "");
	family(out, "synlimit_connection_attempts_total", "counter",
	       "Connection attempts (class syn), by what the limiter decided.");
	stat_range(out, s, "synlimit_connection_attempts_total", "outcome", STAT_SYN_FIRST,
		   STAT_SYN_LAST, "syn_");
	family(out, "synlimit_dropped_packets_total", "counter", "Packets dropped, by reason.");
	sample(out, "synlimit_dropped_packets_total", "reason", "limit", s->c[STAT_SYN_DROP_LIMIT]);
	sample(out, "synlimit_dropped_packets_total", "reason", "block", s->c[STAT_SYN_DROP_BLOCK]);
	sample(out, "synlimit_dropped_packets_total", "reason", "deny", s->c[STAT_SYN_DROP_DENY]);
	sample(out, "synlimit_dropped_packets_total", "reason", "synack_cap",
	       s->c[STAT_SYN_COOKIE_CAPPED]);
	sample(out, "synlimit_dropped_packets_total", "reason", "malformed", s->sum.malformed);
	family(out, "synlimit_events_total", "counter",
	       "Block and unblock events: sent to the ring buffer, suppressed by the event rate "
	       "limit, or lost (ring buffer full).");
	stat_range(out, s, "synlimit_events_total", "outcome", STAT_EVENTS_SENT, STAT_EVENTS_LOST,
		   "events_");
	family(out, "synlimit_cookie_total", "counter",
	       "Cookie mode: verified sources' attempts, attempts unfit for a cookie, handshake "
	       "ACKs by outcome, sources verified, auto mode switching on and off.");
	stat_range(out, s, "synlimit_cookie_total", "outcome", STAT_COOKIE_VERIFIED_SYN,
		   STAT_COOKIE_AUTO_OFF, "cookie_");
}

static void render_tables(FILE *out, const struct stats_snapshot *s)
{
	family(out, "synlimit_table_entries", "gauge",
	       "Entries in the source tables now (blocked: sources being dropped).");
	sample(out, "synlimit_table_entries", "table", "sources", s->sources);
	sample(out, "synlimit_table_entries", "table", "blocked", s->blocked);
	family(out, "synlimit_table_capacity", "gauge", "Most entries each source table holds.");
	sample(out, "synlimit_table_capacity", "table", "sources", s->sources_max);
	sample(out, "synlimit_table_capacity", "table", "blocked", s->blocked_max);
	family(out, "synlimit_table_inserts_total", "counter",
	       "Entries added to the source tables.");
	sample(out, "synlimit_table_inserts_total", "table", "sources", s->c[STAT_SOURCE_INSERTS]);
	sample(out, "synlimit_table_inserts_total", "table", "blocked", s->c[STAT_BLOCKED_INSERTS]);
	family(out, "synlimit_first_attempts_total", "counter",
	       "New sources' first attempts, recorded without an entry (the second makes it).");
	single(out, "synlimit_first_attempts_total", s->c[STAT_SOURCE_FIRST]);
	family(out, "synlimit_table_evictions_total", "counter",
	       "Entries the tables dropped to make room (their sources start afresh).");
	sample(out, "synlimit_table_evictions_total", "table", "sources", s->evicted_sources);
	sample(out, "synlimit_table_evictions_total", "table", "blocked", s->evicted_blocked);
}

static void render_interfaces(FILE *out, const struct loaded *l, const struct stats_snapshot *s)
{
	struct xdp_iface attached[SYNLIMIT_MAX_IFACES];
	int n_attached = xdp_list(&l->dir, attached, SYNLIMIT_MAX_IFACES), i, v;

	family(out, "synlimit_interfaces_attached", "gauge",
	       "Interfaces the XDP program is attached to.");
	single(out, "synlimit_interfaces_attached", n_attached < 0 ? 0 : (__u64)n_attached);
	family(out, "synlimit_interface_packets_total", "counter",
	       "Packets seen on each interface, by verdict.");
	for (i = 0; i < s->n_ifaces; i++) {
		const struct iface_total *it = &s->ifaces[i];
		const char *verdicts[] = { "passed", "dropped", "answered" };
		__u64 counts[] = { it->total.passed, it->total.dropped, it->total.answered };
		char name[32];

		if (it->name[0])
			snprintf(name, sizeof(name), "%s", it->name);
		else
			snprintf(name, sizeof(name), "ifindex_%u", it->ifindex);
		for (v = 0; v < (int)ARRAY_SIZE(verdicts); v++) {
			fputs("synlimit_interface_packets_total{interface=\"", out);
			label_value(out, name);
			fprintf(out, "\",verdict=\"%s\"} %llu\n", verdicts[v],
				(unsigned long long)counts[v]);
		}
	}
}

static void render_config(FILE *out, const struct synlimit_config *config, const char *version)
{
	family(out, "synlimit_info", "gauge",
	       "Version of synlimit and ABI of the pinned data path.");
	fprintf(out, "synlimit_info{version=\"");
	label_value(out, version);
	fprintf(out, "\",abi=\"%u\"} 1\n", config->abi_version);
	family(out, "synlimit_rules", "gauge", "Rules in the live limit table.");
	single(out, "synlimit_rules", config->rule_count);
	family(out, "synlimit_limits_loaded_timestamp_seconds", "gauge",
	       "When the live limits were loaded (Unix time).");
	single(out, "synlimit_limits_loaded_timestamp_seconds", config->loaded_at);
	family(out, "synlimit_reloads_total", "counter", "Limits files loaded by a reload.");
	single(out, "synlimit_reloads_total", config->reloads);
	family(out, "synlimit_reload_errors_total", "counter",
	       "Reloads refused because the file had errors (the old limits stayed).");
	single(out, "synlimit_reload_errors_total", config->reload_errors);
	family(out, "synlimit_dry_run", "gauge",
	       "1 when attached with --dry-run: nothing dropped.");
	single(out, "synlimit_dry_run", !!(config->flags & CONFIG_F_DRY_RUN));
}

int metrics_render(const struct loaded *l, const char *version, FILE *out)
{
	struct synlimit_config config;
	struct stats_snapshot s;
	int err = config_read(l, &config);

	if (!err)
		err = stats_snapshot_read(l, &s);
	if (err)
		return err;
	render_config(out, &config, version);
	render_counters(out, &s);
	render_tables(out, &s);
	render_interfaces(out, l, &s);
	return fflush(out) || ferror(out) ? -EIO : 0;
}

int metrics_render_buffer(const struct loaded *l, const char *version, char **text, size_t *len)
{
	FILE *out = open_memstream(text, len);
	int err;

	if (!out)
		return -errno;
	err = metrics_render(l, version, out);
	if (fclose(out) && !err)
		err = -ENOMEM;
	if (err) {
		free(*text);
		*text = NULL;
	}
	return err;
}
