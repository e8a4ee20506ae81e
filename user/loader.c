// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "loader.h"
#include "log.h"
#include "synlimit.skel.h"
#include "util.h"

/* The maps pinned by name (the skeleton's .rodata is the program's own). */
static const char *const pinned_maps[] = {
	"stats",  "limit_tables", "sources",	 "blocked_sources", "lock_stripes",
	"events", "event_budget", "fixed_clock", "config",	    "iface_stats",
};
#define PROG_PIN "prog"

static int is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

int loader_ensure_bpffs(const char *pin_dir)
{
	char copy[PATH_MAX];
	const char *parent;

	if (strlen(pin_dir) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, pin_dir);
	parent = dirname(copy);
	if (is_bpffs(parent))
		return 0;
	if (!strcmp(parent, "/sys/fs/bpf")) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
			pr_warn("cannot mount a bpf filesystem on /sys/fs/bpf: %s\n",
				strerror(errno));
			return -errno;
		}
		pr_debug("mounted a bpf filesystem on /sys/fs/bpf\n");
		return 0;
	}
	pr_warn("%s is not on a bpf filesystem (mount one: mount -t bpf bpf %s)\n", pin_dir,
		parent);
	return -ENOTSUP;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void loader_close(struct loaded *l)
{
	close_fd(&l->prog_fd);
	close_fd(&l->stats_fd);
	close_fd(&l->tables_fd);
	close_fd(&l->sources_fd);
	close_fd(&l->blocked_fd);
	close_fd(&l->events_fd);
	close_fd(&l->config_fd);
	close_fd(&l->iface_stats_fd);
}

static int get_pinned(const char *dir, const char *name, int read_only)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = read_only ? BPF_F_RDONLY : 0);
	char path[PATH_MAX];
	int fd, err = pin_path(path, sizeof(path), dir, "%s", name);

	if (err)
		return err;
	fd = bpf_obj_get_opts(path, &opts);
	return fd < 0 ? -errno : fd;
}

/* The sizes this synlimit expects, so pins of another layout are refused
 * rather than misread. */
static int check_value_size(int fd, const char *name, __u32 expected)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != expected) {
		pr_warn("pinned map '%s' has %u-byte values, this synlimit expects %u: it was "
			"pinned by another version\n",
			name, info.value_size, expected);
		return -EPROTO;
	}
	return 0;
}

int config_read(const struct loaded *l, struct synlimit_config *config)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(l->config_fd, &zero, config) ? -errno : 0;
}

int config_write(const struct loaded *l, const struct synlimit_config *config)
{
	__u32 zero = 0;

	return bpf_map_update_elem(l->config_fd, &zero, config, BPF_ANY) ? -errno : 0;
}

int loader_open(const char *pin_dir, int read_only, struct loaded *out)
{
	struct synlimit_config config;
	int err;

	memset(out, 0, sizeof(*out));
	out->prog_fd = out->stats_fd = out->tables_fd = out->sources_fd = -1;
	out->blocked_fd = out->events_fd = out->config_fd = out->iface_stats_fd = -1;
	snprintf(out->pin_dir, sizeof(out->pin_dir), "%s", pin_dir);

	out->config_fd = get_pinned(pin_dir, "config", read_only);
	if (out->config_fd < 0) {
		err = out->config_fd;
		goto fail;
	}
	/* the version first: nothing else is read from pins of another ABI */
	err = check_value_size(out->config_fd, "config", sizeof(config));
	if (!err)
		err = config_read(out, &config);
	if (!err && config.abi_version != SYNLIMIT_ABI_VERSION) {
		pr_warn("%s was pinned by a synlimit with ABI version %u; this one speaks %u: "
			"detach with that version (or remove %s) first\n",
			pin_dir, config.abi_version, SYNLIMIT_ABI_VERSION, pin_dir);
		err = -EPROTO;
	}
	if (err)
		goto fail;

	out->stats_fd = get_pinned(pin_dir, "stats", read_only);
	out->tables_fd = get_pinned(pin_dir, "limit_tables", read_only);
	out->sources_fd = get_pinned(pin_dir, "sources", read_only);
	out->blocked_fd = get_pinned(pin_dir, "blocked_sources", read_only);
	out->events_fd = get_pinned(pin_dir, "events", read_only);
	out->iface_stats_fd = get_pinned(pin_dir, "iface_stats", read_only);
	out->prog_fd = get_pinned(pin_dir, PROG_PIN, 0);
	if (out->stats_fd < 0 || out->tables_fd < 0 || out->sources_fd < 0 || out->blocked_fd < 0 ||
	    out->events_fd < 0 || out->iface_stats_fd < 0 || out->prog_fd < 0) {
		int errs[] = { out->stats_fd,	out->tables_fd, out->sources_fd,
			       out->blocked_fd, out->events_fd, out->iface_stats_fd,
			       out->prog_fd };
		size_t i;

		for (i = 0, err = -ENOENT; i < ARRAY_SIZE(errs); i++)
			if (errs[i] < 0 && errs[i] != -ENOENT)
				err = errs[i];
		goto fail;
	}
	err = check_value_size(out->sources_fd, "sources", sizeof(struct source_state));
	if (!err)
		err = check_value_size(out->blocked_fd, "blocked_sources",
				       sizeof(struct blocked_state));
	if (err)
		goto fail;
	return 0;
fail:
	loader_close(out);
	return err;
}

void loader_explain(const char *pin_dir, int err)
{
	if (err == -ENOENT)
		pr_warn("nothing attached (nothing pinned in %s): run synlimit attach first\n",
			pin_dir);
	else if (err == -EPERM || err == -EACCES)
		pr_warn("cannot read %s: %s (needs CAP_BPF, or read access to the pins with "
			"kernel.unprivileged_bpf_disabled=0)\n",
			pin_dir, strerror(-err));
	else if (err != -EPROTO) /* already explained */
		pr_warn("cannot open %s: %s\n", pin_dir, strerror(-err));
}

static int unpin_all(const char *dir)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pinned_maps); i++)
		if (!pin_path(path, sizeof(path), dir, "%s", pinned_maps[i]))
			unlink(path);
	if (!pin_path(path, sizeof(path), dir, "%s", PROG_PIN))
		unlink(path);
	return rmdir(dir) && errno != ENOENT ? -errno : 0;
}

int loader_unpin(const char *pin_dir)
{
	return unpin_all(pin_dir);
}

/* A load killed half way leaves DIR-tmp-PID (bpffs refuses dots in names): remove those whose PID
 * is gone. */
static void remove_stale_tmp(const char *pin_dir)
{
	char copy[PATH_MAX], prefix[PATH_MAX], path[PATH_MAX];
	const char *parent, *base;
	struct dirent *de;
	DIR *d;

	snprintf(copy, sizeof(copy), "%s", pin_dir);
	base = strrchr(pin_dir, '/') ? strrchr(pin_dir, '/') + 1 : pin_dir;
	snprintf(prefix, sizeof(prefix), "%s-tmp-", base);
	parent = dirname(copy);
	d = opendir(parent);
	if (!d)
		return;
	while ((de = readdir(d))) {
		long pid;

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		pid = strtol(de->d_name + strlen(prefix), NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if (!pin_path(path, sizeof(path), parent, "%s", de->d_name))
			unpin_all(path);
	}
	closedir(d);
}

int loader_create(const char *pin_dir, const struct load_options *opts, struct loaded *out)
{
	struct synlimit_config config = { .abi_version = SYNLIMIT_ABI_VERSION };
	char tmp[PATH_MAX], path[PATH_MAX];
	struct synlimit_bpf *skel;
	struct bpf_map *map;
	__u32 zero = 0;
	int err;

	remove_stale_tmp(pin_dir);
	skel = synlimit_bpf__open();
	if (!skel)
		return -errno;
	if (opts->max_sources)
		bpf_map__set_max_entries(skel->maps.sources, opts->max_sources);
	if (opts->max_blocked)
		bpf_map__set_max_entries(skel->maps.blocked_sources, opts->max_blocked);
	err = synlimit_bpf__load(skel);
	if (err) {
		pr_warn("cannot load the XDP program: %s%s\n", strerror(-err),
			err == -EPERM ? " (needs root: CAP_BPF and CAP_NET_ADMIN)" : "");
		goto out;
	}

	if (snprintf(tmp, sizeof(tmp), "%s-tmp-%d", pin_dir, (int)getpid()) >= (int)sizeof(tmp)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	if (mkdir(tmp, 0700)) {
		err = -errno;
		pr_warn("cannot create %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	bpf_object__for_each_map(map, skel->obj)
	{
		size_t i;

		for (i = 0; i < ARRAY_SIZE(pinned_maps); i++)
			if (!strcmp(bpf_map__name(map), pinned_maps[i]))
				break;
		if (i == ARRAY_SIZE(pinned_maps))
			continue;
		err = pin_path(path, sizeof(path), tmp, "%s", pinned_maps[i]);
		if (!err)
			err = bpf_map__pin(map, path);
		if (err)
			goto unpin;
	}
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &config, BPF_ANY);
	if (!err)
		err = pin_path(path, sizeof(path), tmp, "%s", PROG_PIN);
	if (!err)
		err = bpf_program__pin(skel->progs.synlimit_xdp, path);
	if (err)
		goto unpin;
	/* the whole directory appears at once, complete */
	if (rename(tmp, pin_dir)) {
		err = errno == EEXIST || errno == ENOTEMPTY ? -EEXIST : -errno;
		goto unpin;
	}
	synlimit_bpf__destroy(skel);
	return loader_open(pin_dir, 0, out);
unpin:
	if (err != -EEXIST)
		pr_warn("cannot pin under %s: %s\n", tmp, strerror(-err));
	unpin_all(tmp);
out:
	synlimit_bpf__destroy(skel);
	return err;
}
