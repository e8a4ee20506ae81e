// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* synlimit status: what is loaded and attached where, as text or JSON. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "stats.h"
#include "syncookie.h"
#include "source_table.h"
#include "xdp.h"

#define MAX_IFACES 256

struct status {
	const char *pin_dir;
	const char *pins; /* pin_dir through its checked descriptor */
	char via[32];
	struct xdp_iface ifaces[MAX_IFACES];
	int n_ifaces;
	__u32 prog_id;
	struct synlimit_config config;
	struct stats_summary sum;
	long sources, blocked;
	__u64 sources_max, blocked_max; /* sources each holds */
	char loaded_at[32], bare_period[32];
};

static const char *bare_mode(const struct synlimit_config *config)
{
	return config->flags & CONFIG_F_LEAKY ? "leaky" : "strict";
}

static void print_unattached_json(const char *pin_dir)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_bool_field(&j, "attached", 0);
	json_string_field(&j, "pin_dir", pin_dir);
	json_object_end(&j);
	json_end_line(&j);
}

static void print_unattached_plain(const char *pin_dir)
{
	printf("synlimit: not attached (nothing pinned in %s)\n", pin_dir);
}

static void print_status_json(const struct status *s)
{
	const struct synlimit_config *config = &s->config;
	struct json j;
	int i;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_bool_field(&j, "attached", s->n_ifaces > 0);
	json_string_field(&j, "pin_dir", s->pin_dir);
	json_u64_field(&j, "abi", config->abi_version);
	json_u64_field(&j, "program_id", s->prog_id);
	json_key(&j, "interfaces");
	json_array_begin(&j);
	for (i = 0; i < s->n_ifaces; i++) {
		const struct xdp_iface *it = &s->ifaces[i];

		json_object_begin(&j);
		json_string_field(&j, "name", it->name[0] ? it->name : NULL);
		json_u64_field(&j, "ifindex", it->ifindex);
		json_string_field(&j, "mode", it->mode);
		json_u64_field(&j, "link_id", it->link_id);
		syncookie_status_json(&j, s->pins, it->ifindex);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "limits");
	json_object_begin(&j);
	json_string_field(&j, "path", config->limits_path[0] ? config->limits_path : NULL);
	json_u64_field(&j, "rules", config->rule_count);
	json_string_field(&j, "loaded_at", config->loaded_at ? s->loaded_at : NULL);
	json_u64_field(&j, "reloads", config->reloads);
	json_u64_field(&j, "generation", config->generation);
	json_string_field(&j, "bare_period", s->bare_period);
	json_string_field(&j, "bare_mode", bare_mode(config));
	json_object_end(&j);
	json_bool_field(&j, "dry_run", !!(config->flags & CONFIG_F_DRY_RUN));
	json_key(&j, "totals");
	json_object_begin(&j);
	json_u64_field(&j, "packets", s->sum.packets);
	json_u64_field(&j, "syn", s->sum.syn);
	json_u64_field(&j, "dropped", s->sum.dropped);
	json_object_end(&j);
	json_key(&j, "tables");
	json_object_begin(&j);
	json_u64_field(&j, "sources", s->sources < 0 ? 0 : (__u64)s->sources);
	json_u64_field(&j, "sources_max", s->sources_max);
	json_u64_field(&j, "blocked", s->blocked < 0 ? 0 : (__u64)s->blocked);
	json_u64_field(&j, "blocked_max", s->blocked_max);
	json_object_end(&j);
	json_object_end(&j);
	json_end_line(&j);
}

static void print_status_plain(const struct status *s)
{
	const struct synlimit_config *config = &s->config;
	char cookies[96];
	int i;

	printf("synlimit: %s (pin dir %s, ABI %u)\n",
	       s->n_ifaces > 0 ? "attached" : "loaded, attached nowhere", s->pin_dir,
	       config->abi_version);
	for (i = 0; i < s->n_ifaces; i++)
		printf(
		    "  %-16s %-8s link %u, %s\n",
		    s->ifaces[i].name[0] ? s->ifaces[i].name : "(gone)", s->ifaces[i].mode,
		    s->ifaces[i].link_id,
		    syncookie_status_text(s->pins, s->ifaces[i].ifindex, cookies, sizeof(cookies)));
	if (config->limits_path[0])
		printf("limits:  %s, %u rules, loaded %s, %llu reloads\n", config->limits_path,
		       config->rule_count, s->loaded_at, (unsigned long long)config->reloads);
	else
		printf("limits:  none loaded: every connection attempt passes\n");
	printf("bare numbers: per %s, %s%s\n", s->bare_period, bare_mode(config),
	       config->flags & CONFIG_F_DRY_RUN ? "; dry-run: nothing is dropped" : "");
	printf("totals:  %llu packets, %llu connection attempts, %llu dropped\n",
	       (unsigned long long)s->sum.packets, (unsigned long long)s->sum.syn,
	       (unsigned long long)s->sum.dropped);
	printf("tables:  %ld of %llu sources, %ld of %llu blocked\n", s->sources,
	       (unsigned long long)s->sources_max, s->blocked, (unsigned long long)s->blocked_max);
}

/* Everything status shows, read from the pins. */
static int status_read(const struct loaded *l, struct status *s)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	__u64 c[STAT_MAX];
	int err;

	s->n_ifaces = xdp_list(&l->dir, s->ifaces, MAX_IFACES);
	err = config_read(l, &s->config);
	if (!err)
		err = stats_read(l->stats_fd, l->iface_stats_fd, c);
	if (err || s->n_ifaces < 0)
		return err ? err : s->n_ifaces;
	if (!bpf_obj_get_info_by_fd(l->prog_fd, &info, &len))
		s->prog_id = info.id;
	stats_summarize(c, &s->sum);
	s->sources = source_table_count(l->sources_fd, 0);
	s->blocked = source_table_count(l->blocked_fd, 1);
	s->sources_max = source_table_capacity(l->sources_fd);
	s->blocked_max = source_table_capacity(l->blocked_fd);
	format_unix_time((time_t)s->config.loaded_at, s->loaded_at, sizeof(s->loaded_at));
	format_duration(s->config.bare_period_ns, s->bare_period, sizeof(s->bare_period));
	return 0;
}

int report_status(const char *pin_dir, const struct report_options *opts)
{
	struct status s = { .pin_dir = pin_dir };
	struct loaded l;
	int err;

	err = loader_open(pin_dir, LOADER_READ_ONLY, &l);
	if (err == -ENOENT) {
		if (opts->json)
			print_unattached_json(pin_dir);
		else
			print_unattached_plain(pin_dir);
		return 0;
	}
	if (err) {
		loader_explain(pin_dir, err);
		return err;
	}
	s.pins = pin_dir_fd_path(&l.dir, s.via, sizeof(s.via));
	err = status_read(&l, &s);
	if (err)
		pr_warn("cannot read %s: %s\n", pin_dir, strerror(-err));
	else if (opts->json)
		print_status_json(&s);
	else
		print_status_plain(&s);
	loader_close(&l);
	return err;
}
