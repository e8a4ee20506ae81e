// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * status, stats, blocked, top, show. What a source's state means now is
 * computed with the same rate.h functions the XDP program runs.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "addr.h"
#include "json.h"
#include "limit_table.h"
#include "limits_file.h"
#include "log.h"
#include "report.h"
#include "stats.h"
#include "synlimit/rate.h"
#include "xdp.h"

#define MAX_IFACES 256

__u64 mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static char *format_unix(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

char *format_mono_time(__u64 mono_ns, char *buf, size_t size)
{
	struct timespec real;
	__u64 now = mono_now_ns();

	clock_gettime(CLOCK_REALTIME, &real);
	return format_unix(real.tv_sec - (time_t)((now - mono_ns) / 1000000000ULL), buf, size);
}

char *format_rule_origin(const struct synlimit_config *config, const struct rule *rule, char *buf,
			 size_t size)
{
	snprintf(buf, size, "%s:%u", config->limits_path[0] ? config->limits_path : "?",
		 rule->line);
	return buf;
}

/* ---- reading tables that change under us ---- */

struct table_dump {
	void *keys, *values;
	size_t count;
};

/*
 * Every entry of a hash map, by batches. A table churning under a flood
 * may show an entry twice or miss one; the walk still ends, bounded by
 * twice the table's size.
 */
static int table_dump(int fd, size_t key_size, size_t value_size, struct table_dump *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), batch_token[4], count;
	size_t cap, limit;
	int first = 1, err = 0;

	memset(out, 0, sizeof(*out));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	limit = 2 * (size_t)info.max_entries + 1024;
	cap = 4096;
	out->keys = malloc(cap * key_size);
	out->values = malloc(cap * value_size);
	if (!out->keys || !out->values)
		return -ENOMEM;
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		if (out->count + 4096 > cap) {
			void *k, *v;

			cap *= 2;
			k = realloc(out->keys, cap * key_size);
			if (k)
				out->keys = k;
			v = realloc(out->values, cap * value_size);
			if (v)
				out->values = v;
			if (!k || !v)
				return -ENOMEM;
		}
		count = 4096;
		err = bpf_map_lookup_batch(fd, first ? NULL : batch_token, batch_token,
					   (char *)out->keys + out->count * key_size,
					   (char *)out->values + out->count * value_size, &count,
					   &opts);
		first = 0;
		if (err && errno != ENOENT)
			return -errno;
		out->count += count;
		if (err || out->count >= limit) /* ENOENT: the last batch */
			return 0;
	}
}

static void table_free(struct table_dump *d)
{
	free(d->keys);
	free(d->values);
}

static long table_entries(int fd, size_t key_size, size_t value_size)
{
	struct table_dump d;
	long n;
	int err = table_dump(fd, key_size, value_size, &d);

	n = err ? err : (long)d.count;
	table_free(&d);
	return n;
}

static __u32 table_max(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

/* ---- what a state means now ---- */

struct view {
	union synlimit_addr addr;
	__u8 prefixlen;
	int has_rule;
	struct rule rule;
	int in_blocked;
	int blocked; /* the next attempt would be dropped */
	double rate; /* ewma: rate now, per period; NAN for bucket or none */
	__u64 drops, since_ns;
	double remaining_s; /* until an attempt passes again */
};

/* Would an attempt at `at` be refused? (on a copy: nothing is stored) */
static int refused_at(const struct blocked_state *blk, int in_blocked, const struct rule *rule,
		      __u64 at)
{
	struct source_state copy = blk->state;

	if (in_blocked && rule->block_ns && at - blk->hold_ns < rule->block_ns)
		return 1;
	return rate_step(&copy, rule, at);
}

static void view_compute(struct view *v, const struct blocked_state *blk, __u64 now)
{
	const struct rule *rule = &v->rule;

	v->rate = NAN;
	v->blocked = 0;
	v->remaining_s = 0;
	if (!v->has_rule || rule->action != RULE_LIMIT)
		return;
	if (rule->algo == ALGO_EWMA) {
		if (blk->state.shape != rule->shape)
			v->rate = 0; /* history restarts under this rule */
		else if (now <= blk->state.stamp_ns)
			v->rate = (double)blk->state.value / Q16_ONE;
		else if ((now - blk->state.stamp_ns) >> EWMA_FORGET_PERIODS_SHIFT >=
			 rule->period_ns)
			v->rate = 0;
		else
			v->rate = (double)qmul63(exp_neg_q32(interval_over_period_q32(
						     now - blk->state.stamp_ns, rule)),
						 blk->state.value) /
				  Q16_ONE;
	}
	if (!v->in_blocked)
		return;
	v->drops = blk->drops;
	v->since_ns = blk->since_ns;
	v->blocked = refused_at(blk, 1, rule, now);
	if (v->blocked) {
		/* the first moment it passes: refusal only ends as time goes on */
		__u64 lo = now, hi = now + (64 * rule->period_ns) + rule->block_ns + 1;

		while (hi - lo > 1000000) { /* to the millisecond */
			__u64 mid = lo + (hi - lo) / 2;

			if (refused_at(blk, 1, rule, mid))
				lo = mid;
			else
				hi = mid;
		}
		v->remaining_s = (double)(hi - now) / 1e9;
	}
}

static int live_rule(int table_fd, const union synlimit_addr *addr, struct rule *rule)
{
	struct rule_key key = { .prefixlen = 128, .addr = *addr };

	return table_fd >= 0 && !bpf_map_lookup_elem(table_fd, &key, rule);
}

/* ---- status ---- */

static void totals(const __u64 c[STAT_MAX], __u64 *packets, __u64 *dropped)
{
	int i;

	*packets = *dropped = 0;
	for (i = STAT_CLASS_FIRST; i <= STAT_CLASS_LAST; i++)
		*packets += c[i];
	for (i = STAT_BAD_VLAN_DEPTH; i <= STAT_BAD_FLAGS; i++)
		*dropped += c[i];
	*dropped += c[STAT_SYN_DROP_DENY] + c[STAT_SYN_DROP_LIMIT] + c[STAT_SYN_DROP_BLOCK];
}

int report_status(const char *pin_dir, const struct report_options *opts)
{
	struct xdp_iface ifaces[MAX_IFACES];
	struct synlimit_config config;
	struct loaded l;
	struct json j;
	__u64 c[STAT_MAX], packets, dropped;
	char when[32], period[32];
	long sources, blocked;
	int n, i, err;

	err = loader_open(pin_dir, 1, &l);
	if (err == -ENOENT) {
		if (opts->json) {
			json_init(&j, stdout);
			json_object_begin(&j);
			json_key(&j, "attached");
			json_bool(&j, 0);
			json_key(&j, "pin_dir");
			json_string(&j, pin_dir);
			json_object_end(&j);
			json_end_line(&j);
		} else {
			printf("synlimit: not attached (nothing pinned in %s)\n", pin_dir);
		}
		return 0;
	}
	if (err) {
		loader_explain(pin_dir, err);
		return err;
	}
	n = xdp_list(pin_dir, ifaces, MAX_IFACES);
	err = config_read(&l, &config);
	if (!err)
		err = stats_read(l.stats_fd, c);
	if (err || n < 0) {
		pr_warn("cannot read %s: %s\n", pin_dir, strerror(err ? -err : -n));
		loader_close(&l);
		return err ? err : n;
	}
	totals(c, &packets, &dropped);
	sources =
	    table_entries(l.sources_fd, sizeof(struct source_key), sizeof(struct source_state));
	blocked =
	    table_entries(l.blocked_fd, sizeof(struct source_key), sizeof(struct blocked_state));
	format_unix((time_t)config.loaded_at, when, sizeof(when));
	format_duration(config.bare_period_ns, period, sizeof(period));

	if (opts->json) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		bpf_obj_get_info_by_fd(l.prog_fd, &info, &len);
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "attached");
		json_bool(&j, n > 0);
		json_key(&j, "pin_dir");
		json_string(&j, pin_dir);
		json_key(&j, "abi");
		json_u64(&j, config.abi_version);
		json_key(&j, "program_id");
		json_u64(&j, info.id);
		json_key(&j, "interfaces");
		json_array_begin(&j);
		for (i = 0; i < n; i++) {
			json_object_begin(&j);
			json_key(&j, "name");
			json_string(&j, ifaces[i].name[0] ? ifaces[i].name : NULL);
			json_key(&j, "ifindex");
			json_u64(&j, ifaces[i].ifindex);
			json_key(&j, "mode");
			json_string(&j, ifaces[i].mode);
			json_key(&j, "link_id");
			json_u64(&j, ifaces[i].link_id);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_key(&j, "limits");
		json_object_begin(&j);
		json_key(&j, "path");
		json_string(&j, config.limits_path[0] ? config.limits_path : NULL);
		json_key(&j, "rules");
		json_u64(&j, config.rule_count);
		json_key(&j, "loaded_at");
		if (config.loaded_at)
			json_string(&j, when);
		else
			json_null(&j);
		json_key(&j, "reloads");
		json_u64(&j, config.reloads);
		json_key(&j, "bare_period");
		json_string(&j, period);
		json_key(&j, "bare_mode");
		json_string(&j, config.flags & CONFIG_F_LEAKY ? "leaky" : "strict");
		json_object_end(&j);
		json_key(&j, "dry_run");
		json_bool(&j, !!(config.flags & CONFIG_F_DRY_RUN));
		json_key(&j, "totals");
		json_object_begin(&j);
		json_key(&j, "packets");
		json_u64(&j, packets);
		json_key(&j, "syn");
		json_u64(&j, c[STAT_SYN]);
		json_key(&j, "dropped");
		json_u64(&j, dropped);
		json_object_end(&j);
		json_key(&j, "tables");
		json_object_begin(&j);
		json_key(&j, "sources");
		json_u64(&j, sources < 0 ? 0 : (__u64)sources);
		json_key(&j, "sources_max");
		json_u64(&j, table_max(l.sources_fd));
		json_key(&j, "blocked");
		json_u64(&j, blocked < 0 ? 0 : (__u64)blocked);
		json_key(&j, "blocked_max");
		json_u64(&j, table_max(l.blocked_fd));
		json_object_end(&j);
		json_object_end(&j);
		json_end_line(&j);
	} else {
		printf("synlimit: %s (pin dir %s, ABI %u)\n",
		       n > 0 ? "attached"
			     : "loaded, attached "
			       "nowhere",
		       pin_dir, config.abi_version);
		for (i = 0; i < n; i++)
			printf("  %-16s %-8s link %u\n",
			       ifaces[i].name[0] ? ifaces[i].name : "(gone)", ifaces[i].mode,
			       ifaces[i].link_id);
		if (config.limits_path[0])
			printf("limits:  %s, %u rules, loaded %s, %llu reloads\n",
			       config.limits_path, config.rule_count, when,
			       (unsigned long long)config.reloads);
		else
			printf("limits:  none loaded: every connection attempt passes\n");
		printf("bare numbers: per %s, %s%s\n", period,
		       config.flags & CONFIG_F_LEAKY ? "leaky" : "strict",
		       config.flags & CONFIG_F_DRY_RUN ? "; dry-run: nothing is dropped" : "");
		printf("totals:  %llu packets, %llu connection attempts, %llu dropped\n",
		       (unsigned long long)packets, (unsigned long long)c[STAT_SYN],
		       (unsigned long long)dropped);
		printf("tables:  %ld of %u sources, %ld of %u blocked\n", sources,
		       table_max(l.sources_fd), blocked, table_max(l.blocked_fd));
	}
	loader_close(&l);
	return 0;
}

/* ---- stats ---- */

int report_stats(const struct loaded *l, const struct report_options *opts)
{
	__u64 c[STAT_MAX], packets, dropped, malformed = 0;
	long sources, blocked;
	__s64 ev_sources, ev_blocked;
	struct json j;
	int i, err = stats_read(l->stats_fd, c);

	if (err) {
		pr_warn("cannot read the counters: %s\n", strerror(-err));
		return err;
	}
	totals(c, &packets, &dropped);
	for (i = STAT_BAD_VLAN_DEPTH; i <= STAT_BAD_FLAGS; i++)
		malformed += c[i];
	sources =
	    table_entries(l->sources_fd, sizeof(struct source_key), sizeof(struct source_state));
	blocked =
	    table_entries(l->blocked_fd, sizeof(struct source_key), sizeof(struct blocked_state));
	/* the sources table is never deleted from: what left it was evicted */
	ev_sources = (__s64)c[STAT_SOURCE_INSERTS] - sources;
	ev_blocked = (__s64)c[STAT_BLOCKED_INSERTS] - (__s64)c[STAT_BLOCKED_DELETES] - blocked;
	if (ev_sources < 0)
		ev_sources = 0; /* an insert not yet counted on another CPU */
	if (ev_blocked < 0)
		ev_blocked = 0;

	if (opts->json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "packets");
		json_u64(&j, packets);
		json_key(&j, "syn");
		json_u64(&j, c[STAT_SYN]);
		json_key(&j, "passed");
		json_u64(&j, packets - dropped);
		json_key(&j, "dropped");
		json_u64(&j, dropped);
		json_key(&j, "dropped_by_reason");
		json_object_begin(&j);
		json_key(&j, "limit");
		json_u64(&j, c[STAT_SYN_DROP_LIMIT]);
		json_key(&j, "block");
		json_u64(&j, c[STAT_SYN_DROP_BLOCK]);
		json_key(&j, "deny");
		json_u64(&j, c[STAT_SYN_DROP_DENY]);
		json_key(&j, "malformed");
		json_u64(&j, malformed);
		json_object_end(&j);
		json_key(&j, "would_drop");
		json_u64(&j, c[STAT_SYN_WOULD_DROP]);
		json_key(&j, "evictions");
		json_object_begin(&j);
		json_key(&j, "sources");
		json_u64(&j, (__u64)ev_sources);
		json_key(&j, "blocked");
		json_u64(&j, (__u64)ev_blocked);
		json_object_end(&j);
		json_key(&j, "counters");
		json_object_begin(&j);
		for (i = 0; i < STAT_MAX; i++) {
			json_key(&j, stat_name(i));
			json_u64(&j, c[i]);
		}
		json_object_end(&j);
		json_object_end(&j);
		json_end_line(&j);
		return 0;
	}
	printf("%-22s %llu\n", "packets", (unsigned long long)packets);
	printf("%-22s %llu\n", "passed", (unsigned long long)(packets - dropped));
	printf("%-22s %llu (limit %llu, block %llu, deny %llu, malformed %llu)\n", "dropped",
	       (unsigned long long)dropped, (unsigned long long)c[STAT_SYN_DROP_LIMIT],
	       (unsigned long long)c[STAT_SYN_DROP_BLOCK],
	       (unsigned long long)c[STAT_SYN_DROP_DENY], (unsigned long long)malformed);
	printf("%-22s %llu\n", "would_drop (dry-run)", (unsigned long long)c[STAT_SYN_WOULD_DROP]);
	printf("%-22s sources %lld, blocked %lld\n", "evictions", (long long)ev_sources,
	       (long long)ev_blocked);
	printf("\n");
	for (i = 0; i < STAT_MAX; i++) {
		if (i == STAT_SYN_FIRST || i == STAT_SOURCE_INSERTS)
			printf("\n");
		printf("%-22s %llu\n", stat_name(i), (unsigned long long)c[i]);
	}
	return 0;
}

/* ---- blocked, top ---- */

static void view_json(struct json *j, const struct view *v, const struct synlimit_config *config)
{
	char text[ADDR_TEXT_MAX], rule_text[128], when[32];

	json_object_begin(j);
	json_key(j, "addr");
	json_string(j, addr_format(&v->addr, v->prefixlen, text, sizeof(text)));
	json_key(j, "rule");
	json_string(j, v->has_rule
			   ? format_rule_origin(config, &v->rule, rule_text, sizeof(rule_text))
			   : NULL);
	json_key(j, "limit");
	json_string(j, v->has_rule ? format_rule(&v->rule, rule_text, sizeof(rule_text)) : NULL);
	json_key(j, "rate");
	if (isnan(v->rate))
		json_null(j);
	else
		json_double(j, v->rate);
	json_key(j, "blocked");
	json_bool(j, v->blocked);
	if (v->in_blocked) {
		json_key(j, "drops");
		json_u64(j, v->drops);
		json_key(j, "since");
		json_string(j, format_mono_time(v->since_ns, when, sizeof(when)));
		json_key(j, "remaining_s");
		json_double(j, v->remaining_s);
	}
	json_key(j, "dry_run");
	json_bool(j, v->has_rule && (v->rule.flags & RULE_F_DRY_RUN));
	json_object_end(j);
}

static char *format_rate(const struct view *v, char *buf, size_t size)
{
	char period[32];

	if (isnan(v->rate))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.2f/%s", v->rate,
			 format_duration(v->rule.period_ns, period, sizeof(period)));
	return buf;
}

static void view_line(const struct view *v, const struct synlimit_config *config, __u64 now)
{
	char text[ADDR_TEXT_MAX], origin[300], limit[128], rate[48], since[32];

	snprintf(since, sizeof(since), "%llus ago",
		 (unsigned long long)((now - v->since_ns) / 1000000000ULL));
	/* the rule's FILE:LINE last: a long path cannot push the columns */
	printf("%-24s %-24s %-14s %10llu %9s %9.1fs  %s\n",
	       addr_format(&v->addr, v->prefixlen, text, sizeof(text)),
	       v->has_rule ? format_rule(&v->rule, limit, sizeof(limit)) : "-",
	       format_rate(v, rate, sizeof(rate)), (unsigned long long)v->drops, since,
	       v->remaining_s,
	       v->has_rule ? format_rule_origin(config, &v->rule, origin, sizeof(origin)) : "-");
}

static int cmp_source_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct source_key));
}

static int load_views(const struct loaded *l, int with_sources, struct view **out, size_t *n,
		      __u64 now)
{
	struct table_dump blocked = { 0 }, sources = { 0 };
	struct source_key *sorted_blocked = NULL;
	struct view *views;
	size_t i, k = 0;
	int table = limit_table_live(l->tables_fd), err;

	*out = NULL;
	*n = 0;
	err = table_dump(l->blocked_fd, sizeof(struct source_key), sizeof(struct blocked_state),
			 &blocked);
	if (!err && with_sources)
		err = table_dump(l->sources_fd, sizeof(struct source_key),
				 sizeof(struct source_state), &sources);
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
		    in_blocked ? (struct source_key *)blocked.keys + i
			       : (struct source_key *)sources.keys + (i - blocked.count);
		struct blocked_state blk = { 0 };
		struct view *v = &views[k];

		/* a blocked source's entry in the sources table is its stale
		 * pre-block copy: the blocked table holds the live one */
		if (!in_blocked && bsearch(key, sorted_blocked, blocked.count,
					   sizeof(struct source_key), cmp_source_key))
			continue;
		if (in_blocked)
			blk = ((struct blocked_state *)blocked.values)[i];
		else
			blk.state = ((struct source_state *)sources.values)[i - blocked.count];
		v->addr = key->addr;
		v->prefixlen = key->prefixlen;
		v->in_blocked = in_blocked;
		v->has_rule = live_rule(table, &key->addr, &v->rule);
		view_compute(v, &blk, now);
		k++;
	}
	*out = views;
	*n = k;
out:
	free(sorted_blocked);
	if (table >= 0)
		close(table);
	table_free(&blocked);
	table_free(&sources);
	return err;
}

/* Biggest offenders first. */
static int by_drops(const void *a, const void *b)
{
	const struct view *x = a, *y = b;

	return x->drops < y->drops ? 1 : x->drops > y->drops ? -1 : 0;
}

int report_blocked(const struct loaded *l, const struct report_options *opts)
{
	struct synlimit_config config;
	struct view *views;
	size_t n, i, shown = 0;
	__u64 now = mono_now_ns();
	struct json j;
	int err = config_read(l, &config);

	if (!err)
		err = load_views(l, 0, &views, &n, now);
	if (err) {
		pr_warn("cannot read the blocked table: %s\n", strerror(-err));
		return err;
	}
	if (opts->json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "blocked");
		json_array_begin(&j);
	} else {
		printf("%-24s %-24s %-14s %10s %9s %10s  %s\n", "ADDRESS", "LIMIT", "RATE", "DROPS",
		       "SINCE", "REMAINING", "RULE");
	}
	qsort(views, n, sizeof(*views), by_drops);
	/* entries the next packet would let out are blocked no longer */
	for (i = 0; i < n; i++) {
		if (!views[i].blocked)
			continue;
		shown++;
		if (opts->json)
			view_json(&j, &views[i], &config);
		else
			view_line(&views[i], &config, now);
	}
	if (opts->json) {
		json_array_end(&j);
		json_object_end(&j);
		json_end_line(&j);
	} else if (!shown) {
		printf("(no source is blocked)\n");
	}
	free(views);
	return 0;
}

static int by_rate(const void *a, const void *b)
{
	const struct view *x = a, *y = b;
	double rx = isnan(x->rate) ? -1 : x->rate, ry = isnan(y->rate) ? -1 : y->rate;

	if (x->blocked != y->blocked)
		return y->blocked - x->blocked;
	return rx < ry ? 1 : rx > ry ? -1 : 0;
}

int report_top(const struct loaded *l, const struct report_options *opts)
{
	struct synlimit_config config;
	struct view *views;
	size_t n, i, limit;
	__u64 now = mono_now_ns();
	struct json j;
	int err = config_read(l, &config);

	if (!err)
		err = load_views(l, 1, &views, &n, now);
	if (err) {
		pr_warn("cannot read the source tables: %s\n", strerror(-err));
		return err;
	}
	qsort(views, n, sizeof(*views), by_rate);
	limit = (size_t)opts->top_n < n ? (size_t)opts->top_n : n;
	if (opts->json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "top");
		json_array_begin(&j);
		for (i = 0; i < limit; i++)
			view_json(&j, &views[i], &config);
		json_array_end(&j);
		json_object_end(&j);
		json_end_line(&j);
	} else {
		char text[ADDR_TEXT_MAX], origin[300], rate[48];

		printf("%-24s %-14s %-7s  %s\n", "ADDRESS", "RATE", "BLOCKED", "RULE");
		for (i = 0; i < limit; i++)
			printf("%-24s %-14s %-7s  %s\n",
			       addr_format(&views[i].addr, views[i].prefixlen, text, sizeof(text)),
			       format_rate(&views[i], rate, sizeof(rate)),
			       views[i].blocked ? "yes" : "no",
			       views[i].has_rule ? format_rule_origin(&config, &views[i].rule,
								      origin, sizeof(origin))
						 : "-");
	}
	free(views);
	return 0;
}

/* ---- show ---- */

int report_show(const struct loaded *l, const char *text, const struct report_options *opts)
{
	struct synlimit_config config;
	union synlimit_addr addr;
	struct source_key key = { 0 };
	struct blocked_state blk = { 0 };
	struct view v = { 0 };
	unsigned int prefix;
	const char *why = NULL;
	char origin[300], limit[128], key_text[ADDR_TEXT_MAX], rate[48];
	__u64 now = mono_now_ns();
	int table, found = 0, w, err;

	if (addr_parse(text, &addr, &prefix, &why) || prefix != 128) {
		pr_warn("show: '%s' is not an address: %s\n", text, why ? why : "a network");
		return -EINVAL;
	}
	err = config_read(l, &config);
	if (err)
		return err;
	table = limit_table_live(l->tables_fd);
	v.has_rule = live_rule(table, &addr, &v.rule);
	if (table >= 0)
		close(table);
	if (v.has_rule && v.rule.action == RULE_LIMIT) {
		for (w = 0; w < 4; w++)
			key.addr.u32[w] = addr.u32[w] & v.rule.per_mask.u32[w];
		key.prefixlen = v.rule.per_prefix;
		v.addr = key.addr;
		v.prefixlen = key.prefixlen;
		if (!bpf_map_lookup_elem(l->blocked_fd, &key, &blk)) {
			found = v.in_blocked = 1;
		} else if (!bpf_map_lookup_elem(l->sources_fd, &key, &blk.state)) {
			found = 1;
		}
		if (found)
			view_compute(&v, &blk, now);
	}

	if (opts->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "addr");
		json_string(&j, text);
		json_key(&j, "action");
		json_string(&j, !v.has_rule		      ? "none"
				: v.rule.action == RULE_ALLOW ? "allow"
				: v.rule.action == RULE_DENY  ? "deny"
							      : "limit");
		json_key(&j, "rule");
		json_string(&j, v.has_rule
				    ? format_rule_origin(&config, &v.rule, origin, sizeof(origin))
				    : NULL);
		json_key(&j, "limit");
		json_string(&j, v.has_rule ? format_rule(&v.rule, limit, sizeof(limit)) : NULL);
		json_key(&j, "state");
		if (found)
			view_json(&j, &v, &config);
		else
			json_null(&j);
		json_object_end(&j);
		json_end_line(&j);
		return 0;
	}
	printf("%s\n", text);
	if (!v.has_rule) {
		printf("  rule     none: connection attempts pass\n");
		return 0;
	}
	printf("  rule     %s  %s\n", format_rule_origin(&config, &v.rule, origin, sizeof(origin)),
	       format_rule(&v.rule, limit, sizeof(limit)));
	if (v.rule.action != RULE_LIMIT)
		return 0;
	printf("  state    %s\n",
	       addr_format(&key.addr, key.prefixlen, key_text, sizeof(key_text)));
	if (!found) {
		printf("  seen     no (or evicted): its next attempt starts afresh\n");
		return 0;
	}
	printf("  rate     %s\n", format_rate(&v, rate, sizeof(rate)));
	if (v.blocked)
		printf("  blocked  yes: %llu drops since %s, passes again in %.1fs\n",
		       (unsigned long long)v.drops,
		       format_mono_time(v.since_ns, key_text, sizeof(key_text)), v.remaining_s);
	else
		printf("  blocked  no\n");
	return 0;
}
