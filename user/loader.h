/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Loading the XDP program once and finding it again: everything lives
 * pinned under the pin directory (default /sys/fs/bpf/synlimit), so the
 * data path runs on after the controller exits and any later controller
 * finds it.
 */
#ifndef SYNLIMIT_LOADER_H
#define SYNLIMIT_LOADER_H

#include <linux/types.h>
#include <limits.h>
#include "synlimit/abi.h"

#define PIN_DIR_DEFAULT "/sys/fs/bpf/synlimit"

struct loaded {
	char pin_dir[PATH_MAX];
	int prog_fd;
	int stats_fd;
	int tables_fd;
	int sources_fd;
	int blocked_fd;
	int events_fd;
	int config_fd;
	int iface_stats_fd;
};

struct load_options {
	__u32 max_sources;
	__u32 max_blocked;
};

/* Open what is pinned in pin_dir. -ENOENT: nothing is (or only an
 * interrupted load's leftovers); -EPROTO: pinned by another ABI version
 * (reported). Read-only opens the maps with BPF_F_RDONLY. */
int loader_open(const char *pin_dir, int read_only, struct loaded *out);

/* Load the program and pin it all; the pin directory appears complete or
 * not at all. -EEXIST if another controller pinned it first. */
int loader_create(const char *pin_dir, const struct load_options *opts, struct loaded *out);

void loader_close(struct loaded *l);

/* Say why loader_open failed, in words an operator can act on. */
void loader_explain(const char *pin_dir, int err);

/* Remove the pins (maps and program); the caller has detached every link. */
int loader_unpin(const char *pin_dir);

/* Make sure pin_dir can be created on a bpf filesystem: mount one on
 * /sys/fs/bpf if nothing is mounted there (a fresh machine often has none). */
int loader_ensure_bpffs(const char *pin_dir);

int config_read(const struct loaded *l, struct synlimit_config *config);
int config_write(const struct loaded *l, const struct synlimit_config *config);

#endif /* SYNLIMIT_LOADER_H */
