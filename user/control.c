// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "control.h"
#include "limit_table.h"
#include "log.h"
#include "source_table.h"
#include "stats.h"

int control_compile(const char *path, __u64 period_ns, int leaky, int dry_run, int allow_empty,
		    FILE *diag, struct limits *limits)
{
	struct limits_options lo = {
		.period_ns = period_ns,
		.leaky = leaky,
		.dry_run = dry_run,
		.allow_empty = allow_empty,
		.diag = diag,
	};
	int err = limits_load(path, &lo, limits);

	if (err == -ENOMEM)
		pr_warn("%s: out of memory\n", path);
	else if (err && limits->errors)
		pr_warn("%s: %d error%s, nothing changed\n", path, limits->errors,
			limits->errors == 1 ? "" : "s");
	return err == -ENOMEM ? err : err ? -EINVAL : 0;
}

/*
 * Install a compiled file as the live table and record it in the config,
 * under the pin directory's lock. Its rules carry the table's generation,
 * and so do the events they cause, so that an event is never labelled with
 * another table's FILE:LINE. The config goes first: from then on what the
 * flood cache learnt under the old table is stale (bpf/flood_cache.h), also
 * while the swap waits for the readers of the old one. If the table cannot
 * be installed, the config is put back.
 */
static int install_limits(const struct loaded *l, const char *path, struct limits *limits,
			  struct synlimit_config *config)
{
	struct synlimit_config before = *config;
	__u32 generation = config->generation + 1;
	char *real = realpath(path, NULL);
	size_t i;
	int err;

	for (i = 0; i < limits->count; i++)
		limits->entries[i].rule.generation = generation;
	snprintf(config->limits_path, sizeof(config->limits_path), "%s", real ? real : path);
	free(real);
	config->rule_count = (__u32)limits->count;
	config->generation = generation;
	config->loaded_at = (__u64)time(NULL);
	err = config_write(l, config);
	if (err) {
		pr_warn("cannot record the new limits: %s\n", strerror(-err));
		*config = before;
		return err;
	}
	err = limit_table_install(l->tables_fd, l->port_tables_fd, limits->entries, limits->count);
	if (err) {
		pr_warn("cannot install the new limit table: %s\n", strerror(-err));
		*config = before;
		config_write(l, config);
	}
	return err;
}

/* --max-sources or --max-blocked asked (0: not given) for another
 * capacity than the loaded table's, rounded up to whole buckets as at load. */
static int size_differs(int map_fd, __u32 asked)
{
	return asked && source_table_capacity(map_fd) != source_table_capacity_for(asked);
}

static __u32 compile_flags(int dry_run, int leaky)
{
	return (dry_run ? CONFIG_F_DRY_RUN : 0) | (leaky ? CONFIG_F_LEAKY : 0);
}

/* Open what is pinned, or load and pin it, holding the pin directory's
 * lock exclusively; *created when this call loaded it. */
static int open_or_create(const struct attach_request *req, struct loaded *l, int *created)
{
	struct load_options lo = { .max_sources = req->max_sources,
				   .max_blocked = req->max_blocked };
	int tries, err;

	*created = 0;
	err = loader_ensure_bpffs(req->pin_dir);
	if (err)
		return err;
	/* a detach may remove a load before we hold its lock: load again */
	for (tries = 0; tries < 10; tries++) {
		err = loader_open(req->pin_dir, LOADER_EXCLUSIVE, l);
		if (err != -ENOENT)
			break;
		err = loader_create(req->pin_dir, &lo);
		/* -EEXIST: another controller was quicker: use its load */
		if (err && err != -EEXIST)
			break;
		*created = !err;
	}
	if (err && err != -EPROTO)
		pr_warn("cannot load or open %s: %s\n", req->pin_dir, strerror(-err));
	return err;
}

/* --syncookies on ifname; *done when this call turned them on. */
static int attach_cookies(const char *pin_dir, const struct syncookie_options *c,
			  const char *ifname, int *done)
{
	int err;

	if (c->mode == COOKIE_MODE_OFF) {
		err = syncookie_detach(pin_dir, if_nametoindex(ifname));
		if (!err)
			pr_info("%s: syncookies off\n", ifname);
		return err == -ENOENT ? 0 : err;
	}
	err = syncookie_attach(pin_dir, ifname, c);
	if (err < 0)
		return err;
	*done = err == 0;
	pr_info("%s: syncookies %s\n", ifname, c->mode == COOKIE_MODE_ON ? "on" : "auto");
	return 0;
}

/* The interface's per-interface counters; without them it is still
 * protected, so a failure is only reported. A slot another interface holds
 * is taken only with take set. 1 when this call gave the interface its
 * slot, else 0. */
static int claim_iface_slot(const struct loaded *l, const char *ifname, int take)
{
	char other[IF_NAMESIZE];
	__u32 taken_from;
	int err = iface_stats_claim(l->iface_stats_fd, if_nametoindex(ifname), take, &taken_from);

	if (err < 0)
		pr_warn("%s: no per-interface counters: %s\n", ifname, strerror(-err));
	else if (taken_from)
		pr_warn("%s: its per-interface counters take the slot of %s (ifindex %u), whose "
			"counting stops\n",
			ifname, if_indextoname(taken_from, other) ? other : "?", taken_from);
	return err > 0;
}

int control_attach(const struct attach_request *req, struct loaded *l, int *adopted)
{
	struct synlimit_config config;
	struct limits limits = { 0 };
	int attached[CONTROL_MAX_IFACES] = { 0 }, cookies[CONTROL_MAX_IFACES] = { 0 };
	int claimed[CONTROL_MAX_IFACES] = { 0 };
	char via[32];
	int created = 0, taken, i, err;

	*adopted = 1;
	if (req->n_ifaces > CONTROL_MAX_IFACES) {
		pr_warn("at most %d interfaces at once\n", CONTROL_MAX_IFACES);
		return -EINVAL;
	}
	for (i = 0; i < req->n_ifaces; i++)
		if (!if_nametoindex(req->ifaces[i])) {
			pr_warn("%s: no such interface\n", req->ifaces[i]);
			return -EINVAL;
		}
	if (req->limits) {
		err = control_compile(req->limits, req->period_ns, req->leaky, req->dry_run,
				      req->allow_empty, req->diag, &limits);
		if (err)
			return err;
		if (limits.warnings)
			pr_info("%s: %d warning%s\n", req->limits, limits.warnings,
				limits.warnings == 1 ? "" : "s");
	}
	err = open_or_create(req, l, &created);
	if (err)
		goto out;
	err = config_read(l, &config);
	if (err)
		goto close;
	if (created || (req->compile_set && req->limits)) {
		config.bare_period_ns = req->period_ns;
		config.flags = compile_flags(req->dry_run, req->leaky);
	} else if (req->compile_set) {
		pr_warn("already loaded; --dry-run, --period and --mode strict|leaky change how "
			"limits are compiled: give --limits FILE too, or use reload\n");
		err = -EINVAL;
		goto close;
	} else if (size_differs(l->sources_fd, req->max_sources) ||
		   size_differs(l->blocked_fd, req->max_blocked)) {
		pr_warn("already loaded with its table sizes (%llu sources, %llu blocked); "
			"--max-sources and --max-blocked apply to a first attach (detach --all to "
			"change them)\n",
			(unsigned long long)source_table_capacity(l->sources_fd),
			(unsigned long long)source_table_capacity(l->blocked_fd));
	}
	/* limits first, so they are in force the moment a packet arrives */
	if (req->limits) {
		err = install_limits(l, req->limits, &limits, &config);
		if (err)
			goto rollback;
		pr_info("%s: %zu rules loaded\n", req->limits, limits.count);
	} else if (created) {
		config_write(l, &config);
		pr_info("no limits loaded: connection attempts pass until synlimit reload FILE\n");
	}
	for (i = 0; i < req->n_ifaces; i++) {
		/* a free slot first, so the interface's counters see its first
		 * packet; one another interface holds is taken only once this
		 * one is attached, so a refused attach stops no one's counting */
		claimed[i] = claim_iface_slot(l, req->ifaces[i], 0);
		err = xdp_attach(l, req->ifaces[i], req->xdp_mode);
		if (err < 0)
			goto rollback;
		attached[i] = err == 0;
		*adopted &= !attached[i];
		pr_info("%s: %s\n", req->ifaces[i], err ? "already attached" : "attached");
		taken = claim_iface_slot(l, req->ifaces[i], 1);
		/* attached before this call: it keeps its slot whatever comes */
		claimed[i] = attached[i] && (claimed[i] || taken);
		if (req->cookies) {
			err = attach_cookies(pin_dir_fd_path(&l->dir, via, sizeof(via)),
					     req->cookies, req->ifaces[i], &cookies[i]);
			if (err)
				goto rollback;
		}
	}
	err = 0;
	goto out;
rollback:
	/* all or nothing: undo what this call attached */
	for (i = 0; i < req->n_ifaces; i++) {
		if (cookies[i])
			syncookie_detach(pin_dir_fd_path(&l->dir, via, sizeof(via)),
					 if_nametoindex(req->ifaces[i]));
		if (attached[i])
			xdp_detach(&l->dir, if_nametoindex(req->ifaces[i]));
		if (claimed[i])
			iface_stats_release(l->iface_stats_fd, if_nametoindex(req->ifaces[i]));
	}
	if (created) {
		struct xdp_iface any[1];

		if (xdp_list(&l->dir, any, 1) == 0)
			loader_unpin(&l->dir);
	}
close:
	loader_close(l);
out:
	limits_free(&limits);
	return err;
}

int control_reload(const struct loaded *l, const char *path, const __u64 *period_ns, int leaky,
		   int allow_empty, FILE *diag, size_t *rules)
{
	struct synlimit_config config;
	struct limits limits = { 0 };
	int err = config_read(l, &config);

	if (err)
		return err;
	/* bare numbers keep the period and mode they were attached with */
	if (period_ns)
		config.bare_period_ns = *period_ns;
	if (leaky >= 0)
		config.flags = (config.flags & ~CONFIG_F_LEAKY) | (leaky ? CONFIG_F_LEAKY : 0);
	err = control_compile(path, config.bare_period_ns, !!(config.flags & CONFIG_F_LEAKY),
			      !!(config.flags & CONFIG_F_DRY_RUN), allow_empty, diag, &limits);
	if (err == -EINVAL) {
		/* counted where every reader of the counters sees it */
		if (!config_read(l, &config)) {
			config.reload_errors++;
			config_write(l, &config);
		}
		return err;
	}
	if (err)
		return err;
	config.reloads++;
	err = install_limits(l, path, &limits, &config);
	if (!err) {
		pr_info("%s: %zu rules loaded%s\n", path, limits.count,
			limits.warnings ? " (see the warnings above)" : "");
		*rules = limits.count;
	}
	limits_free(&limits);
	return err;
}
