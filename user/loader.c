// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "loader.h"
#include "log.h"
#include "source_table.h"
#include "syncookie.h"
#include "synlimit.skel.h"
#include "util.h"

/* The maps pinned by name (the skeleton's .rodata is the program's own):
 * every map of bpf/maps.h, which cookie mode's TC program shares by name.
 * config first: it says which ABI the rest has. */
static const char *const pinned_maps[] = {
	"config",
	"stats",
	"limit_tables",
	"sources",
	"first_attempts",
	"blocked_sources",
	"blocked_occupancy",
	"lock_stripes",
	"events",
	"event_budget",
	"fixed_clock",
	"iface_stats",
	"port_tables",
	"bans",
	"flood_cache", /* show adds the drops its CPUs have not folded in */
	SYNCOOKIE_PINNED_MAPS,
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
	close_fd(&l->port_tables_fd);
	close_fd(&l->bans_fd);
	close_fd(&l->iface_stats_fd);
	close_fd(&l->flood_cache_fd);
	close_fd(&l->first_attempts_fd);
	pin_dir_close(&l->dir);
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

static const char *map_type_name(__u32 type)
{
	const char *name = libbpf_bpf_map_type_str((enum bpf_map_type)type);

	return name ? name : "unknown";
}

/* Is the map at fd the one this synlimit pins as `want`? Nothing is read
 * from a map before this says yes. */
static int check_map(int fd, const char *dir, const struct bpf_map *want, __u32 *id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), min = bpf_map__max_entries(want), max = min;
	const char *name = bpf_map__name(want);
	char entries[32];

	/* the two state tables are sized at the first attach, in buckets, the
	 * first-attempt lines with sources, a line a bucket, and the blocked
	 * table's occupancy bitmap with it, a bit a bucket */
	if (!strcmp(name, "sources") || !strcmp(name, "blocked_sources") ||
	    !strcmp(name, "first_attempts")) {
		min = SOURCE_BUCKETS(TABLE_SIZE_MIN);
		max = SOURCE_BUCKETS(TABLE_SIZE_MAX);
	} else if (!strcmp(name, "blocked_occupancy")) {
		min = OCCUPANCY_WORDS(SOURCE_BUCKETS(TABLE_SIZE_MIN));
		max = OCCUPANCY_WORDS(SOURCE_BUCKETS(TABLE_SIZE_MAX));
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	if (info.type == (__u32)bpf_map__type(want) && info.key_size == bpf_map__key_size(want) &&
	    info.value_size == bpf_map__value_size(want) &&
	    info.map_flags == bpf_map__map_flags(want) && info.max_entries >= min &&
	    info.max_entries <= max)
		return 0;
	if (min == max)
		snprintf(entries, sizeof(entries), "%u", max);
	else
		snprintf(entries, sizeof(entries), "%u to %u", min, max);
	pr_warn("%s/%s: not a map this synlimit pins: %s, %u-byte keys, %u-byte values, %u "
		"entries, flags %#x; expected %s, %u, %u, %s, %#x: refusing it\n",
		dir, name, map_type_name(info.type), info.key_size, info.value_size,
		info.max_entries, info.map_flags, map_type_name(bpf_map__type(want)),
		bpf_map__key_size(want), bpf_map__value_size(want), entries,
		bpf_map__map_flags(want));
	return -EPROTO;
}

/* Does the loaded program carry the BTF of this synlimit's object, byte
 * for byte (libbpf loads it unchanged where the kernel has every feature)? */
static int same_btf(__u32 btf_id, const struct btf *want)
{
	struct btf *have = btf_id ? btf__load_from_kernel_by_id(btf_id) : NULL;
	__u32 have_size = 0, want_size = 0;
	const void *have_raw = have ? btf__raw_data(have, &have_size) : NULL;
	const void *want_raw = want ? btf__raw_data(want, &want_size) : NULL;
	int same = have_raw && want_raw && have_size == want_size &&
		   !memcmp(have_raw, want_raw, want_size);

	btf__free(have);
	return same;
}

/* Is the program at fd this synlimit's XDP program (same name, same BTF),
 * using the pinned maps ids[from..to-1]? */
static int check_prog(int fd, const char *dir, const struct synlimit_bpf *skel, const __u32 *ids,
		      size_t from, size_t to)
{
	const char *want_name = bpf_program__name(skel->progs.synlimit_xdp);
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), used[64];
	size_t i, k;

	info.nr_map_ids = ARRAY_SIZE(used);
	info.map_ids = (__u64)(unsigned long)used;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_PROG_TYPE_XDP || strcmp(info.name, want_name)) {
		pr_warn("%s/%s: not this synlimit's program (type %u, name '%s'; expected XDP "
			"'%s'): refusing it\n",
			dir, PROG_PIN, info.type, info.name, want_name);
		return -EPROTO;
	}
	if (!same_btf(info.btf_id, bpf_object__btf(skel->obj))) {
		pr_warn("%s/%s: a program of another synlimit build (its BTF differs): use the "
			"synlimit that attached it, or detach and attach again\n",
			dir, PROG_PIN);
		return -EPROTO;
	}
	for (i = from; i < to; i++) {
		for (k = 0; k < info.nr_map_ids && k < ARRAY_SIZE(used); k++)
			if (used[k] == ids[i])
				break;
		if (k == info.nr_map_ids || k == ARRAY_SIZE(used)) {
			pr_warn("%s/%s: the program does not use the pinned map '%s' (id %u): "
				"refusing them\n",
				dir, PROG_PIN, pinned_maps[i], ids[i]);
			return -EPROTO;
		}
	}
	return 0;
}

/* The fd kept in *out for a pinned map, or NULL for one only checked. */
static int *kept_fd(struct loaded *out, const char *name)
{
	if (!strcmp(name, "stats"))
		return &out->stats_fd;
	if (!strcmp(name, "limit_tables"))
		return &out->tables_fd;
	if (!strcmp(name, "sources"))
		return &out->sources_fd;
	if (!strcmp(name, "blocked_sources"))
		return &out->blocked_fd;
	if (!strcmp(name, "events"))
		return &out->events_fd;
	if (!strcmp(name, "config"))
		return &out->config_fd;
	if (!strcmp(name, "port_tables"))
		return &out->port_tables_fd;
	if (!strcmp(name, "bans"))
		return &out->bans_fd;
	if (!strcmp(name, "iface_stats"))
		return &out->iface_stats_fd;
	if (!strcmp(name, "flood_cache"))
		return &out->flood_cache_fd;
	if (!strcmp(name, "first_attempts"))
		return &out->first_attempts_fd;
	return NULL;
}

#define N_PINNED_MAPS ARRAY_SIZE(pinned_maps)

/* Pinned maps from..to-1: checked, kept in *out or closed; ids[] for check_prog. */
static int open_maps(struct loaded *out, const struct synlimit_bpf *skel, int read_only,
		     size_t from, size_t to, __u32 ids[N_PINNED_MAPS])
{
	const char *dir = out->dir.path;
	size_t i;
	int err = 0;

	for (i = from; i < to && !err; i++) {
		const struct bpf_map *want =
		    bpf_object__find_map_by_name(skel->obj, pinned_maps[i]);
		int *keep = kept_fd(out, pinned_maps[i]);
		int fd = pin_get(out->dir.fd, dir, pinned_maps[i], read_only);

		if (fd < 0) {
			err = fd;
			break;
		}
		err = want ? check_map(fd, dir, want, &ids[i]) : -ENOENT;
		if (keep && !err)
			*keep = fd;
		else
			close(fd);
	}
	return err;
}

int loader_open(const char *pin_dir, int flags, struct loaded *out)
{
	struct synlimit_config config;
	struct synlimit_bpf *skel = NULL;
	__u32 ids[N_PINNED_MAPS] = { 0 };
	int read_only = !!(flags & LOADER_READ_ONLY), err;

	memset(out, 0, sizeof(*out));
	out->prog_fd = out->stats_fd = out->tables_fd = out->sources_fd = -1;
	out->blocked_fd = out->events_fd = out->config_fd = out->iface_stats_fd = -1;
	out->port_tables_fd = out->bans_fd = out->flood_cache_fd = out->first_attempts_fd = -1;
	out->dir.fd = out->dir.parent_fd = -1;

	err = pin_dir_open(pin_dir, flags & LOADER_EXCLUSIVE ? LOCK_EX : LOCK_SH, &out->dir);
	if (err)
		goto fail;
	/* what this synlimit pins, from its own object: opened, not loaded */
	skel = synlimit_bpf__open();
	if (!skel) {
		err = -errno;
		goto fail;
	}
	/* the version, before anything else is opened */
	err = open_maps(out, skel, read_only, 0, 1, ids);
	if (!err)
		err = config_read(out, &config);
	if (!err && config.abi_version != SYNLIMIT_ABI_VERSION) {
		pr_warn("%s was pinned by a synlimit with ABI version %u; this one speaks %u: "
			"detach with that version (or remove %s) first\n",
			pin_dir, config.abi_version, SYNLIMIT_ABI_VERSION, pin_dir);
		err = -EPROTO;
	}
	if (!err)
		err = open_maps(out, skel, read_only, 1, N_PINNED_MAPS, ids);
	if (err)
		goto fail;
	out->prog_fd = pin_get(out->dir.fd, pin_dir, PROG_PIN, 0);
	if (out->prog_fd < 0) {
		err = out->prog_fd;
		goto fail;
	}
	err = check_prog(out->prog_fd, pin_dir, skel, ids, 0, N_PINNED_MAPS);
	if (err)
		goto fail;
	synlimit_bpf__destroy(skel);
	return 0;
fail:
	synlimit_bpf__destroy(skel);
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

int loader_unpin(struct pin_dir *dir)
{
	return pin_dir_remove(dir->parent_fd, dir->fd, dir->path, dir->base);
}

/* A load killed half way leaves DIR-tmp-PID (bpffs refuses dots in names):
 * remove those whose PID is gone. The parent may be world-writable: a name
 * there that is a link, or a directory we did not make, is left alone. */
static void remove_stale_tmp(const struct pin_dir *d)
{
	char prefix[NAME_MAX + 8], path[PATH_MAX];
	DIR *dir = pin_dir_list(d->parent_fd);
	struct dirent *de;

	if (!dir)
		return;
	snprintf(prefix, sizeof(prefix), "%s-tmp-", d->base);
	while ((de = readdir(dir))) {
		long pid;
		int fd;

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		pid = strtol(de->d_name + strlen(prefix), NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		fd = pin_subdir_open(d->parent_fd, d->parent_path, de->d_name);
		if (fd < 0)
			continue; /* reported */
		snprintf(path, sizeof(path), "%s/%s", d->parent_path, de->d_name);
		pin_dir_remove(d->parent_fd, fd, path, de->d_name);
		close(fd);
	}
	closedir(dir);
}

/* Pin the loaded object's maps, program and consumer directory in tmp_fd;
 * the config says the ABI and the hash key the program was loaded with. */
static int pin_all(struct synlimit_bpf *skel, __u64 table_seed, int tmp_fd)
{
	struct synlimit_config config = { .abi_version = SYNLIMIT_ABI_VERSION,
					  .table_seed = table_seed };
	__u32 zero = 0;
	size_t i;
	int err = bpf_map_update_elem(bpf_map__fd(skel->maps.config), &zero, &config, BPF_ANY);

	for (i = 0; i < N_PINNED_MAPS && !err; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, pinned_maps[i]);

		err = map ? pin_put(tmp_fd, pinned_maps[i], bpf_map__fd(map)) : -ENOENT;
	}
	if (!err)
		err = pin_put(tmp_fd, PROG_PIN, bpf_program__fd(skel->progs.synlimit_xdp));
	if (!err && mkdirat(tmp_fd, PIN_DIR_CONSUMER, 0700))
		err = -errno;
	return err;
}

int loader_create(const char *pin_dir, const struct load_options *opts)
{
	char tmp[NAME_MAX + 1], tmp_path[PATH_MAX];
	struct synlimit_bpf *skel = NULL;
	struct pin_dir d;
	__u64 seed;
	int tmp_fd = -1, err;

	err = pin_dir_open(pin_dir, 0, &d);
	if (err != -ENOENT || d.parent_fd < 0) {
		pin_dir_close(&d);
		return err ? err : -EEXIST;
	}
	remove_stale_tmp(&d);
	/* a flooder who knew the key could spoof sources of its own bucket */
	err = source_table_seed(&seed);
	if (err) {
		pr_warn("cannot draw the source tables' hash key: %s\n", strerror(-err));
		goto out;
	}
	skel = synlimit_bpf__open();
	if (!skel) {
		err = -errno;
		goto out;
	}
	source_tables_setup(skel, opts->max_sources, opts->max_blocked, seed);
	err = synlimit_bpf__load(skel);
	if (err) {
		pr_warn("cannot load the XDP program: %s%s\n", strerror(-err),
			err == -EPERM ? " (needs root: CAP_BPF and CAP_NET_ADMIN)" : "");
		goto out;
	}

	if (snprintf(tmp, sizeof(tmp), "%s-tmp-%d", d.base, (int)getpid()) >= (int)sizeof(tmp) ||
	    snprintf(tmp_path, sizeof(tmp_path), "%s/%s", d.parent_path, tmp) >=
		(int)sizeof(tmp_path)) {
		err = -ENAMETOOLONG;
		goto out;
	}
	if (mkdirat(d.parent_fd, tmp, 0700)) {
		err = -errno;
		pr_warn("cannot create %s: %s\n", tmp_path, strerror(errno));
		goto out;
	}
	tmp_fd = pin_subdir_open(d.parent_fd, d.parent_path, tmp);
	if (tmp_fd < 0) {
		err = tmp_fd;
		goto out;
	}
	err = pin_all(skel, seed, tmp_fd);
	if (err) {
		pr_warn("cannot pin under %s: %s\n", tmp_path, strerror(-err));
		goto unpin;
	}
	/* the whole directory appears at once, complete */
	if (renameat2(d.parent_fd, tmp, d.parent_fd, d.base, RENAME_NOREPLACE)) {
		err = errno == EEXIST || errno == ENOTEMPTY ? -EEXIST : -errno;
		if (err != -EEXIST)
			pr_warn("cannot rename %s to %s: %s\n", tmp_path, pin_dir, strerror(-err));
		goto unpin;
	}
	goto out;
unpin:
	pin_dir_remove(d.parent_fd, tmp_fd, tmp_path, tmp);
out:
	if (tmp_fd >= 0)
		close(tmp_fd);
	synlimit_bpf__destroy(skel);
	pin_dir_close(&d);
	return err;
}
