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
#include "pin_dir.h"
#include "synlimit/abi.h"

#define PIN_DIR_DEFAULT "/sys/fs/bpf/synlimit"

/* The sizes attach --max-sources and --max-blocked take, in sources; a
 * pinned table holds SOURCE_BUCKETS() of them, and one outside is not ours. */
#define TABLE_SIZE_MIN 64U
#define TABLE_SIZE_MAX 67108864U /* 2^26; not a shift: SOURCE_BUCKETS() tests it for 0 */

struct loaded {
	struct pin_dir dir; /* open, checked and locked while loaded */
	int prog_fd;
	int stats_fd;
	int tables_fd;
	int sources_fd;
	int blocked_fd;
	int events_fd;
	int config_fd;
	int port_tables_fd;
	int bans_fd;
	int iface_stats_fd;
	int flood_cache_fd;
	int first_attempts_fd;
};

struct load_options {
	__u32 max_sources;
	__u32 max_blocked;
};

enum loader_flags {
	LOADER_READ_ONLY = 1 << 0, /* maps opened BPF_F_RDONLY */
	LOADER_EXCLUSIVE = 1 << 1, /* hold the pin directory's lock exclusively (else shared) */
};

/*
 * Open what is pinned in pin_dir, holding its lock (enum loader_flags) until
 * loader_close. Every pinned object is checked before anything is read from
 * it: each map's type, key and value sizes, entries and flags, and that the
 * program is this synlimit's XDP program using these maps. -ENOENT: nothing
 * is pinned (or only an interrupted load's leftovers); -EPROTO: something
 * pinned is not what this synlimit pins (reported).
 */
int loader_open(const char *pin_dir, int flags, struct loaded *out);

/* Load the program and pin it all; the pin directory appears complete or
 * not at all. -EEXIST if it exists (another controller pinned it first).
 * Open it with loader_open afterwards. */
int loader_create(const char *pin_dir, const struct load_options *opts);

void loader_close(struct loaded *l);

/* Say why loader_open failed, in words an operator can act on. */
void loader_explain(const char *pin_dir, int err);

/* Remove the pins (maps and program) and the pin directory; the caller
 * holds its lock and has detached every link. */
int loader_unpin(struct pin_dir *dir);

/* Make sure pin_dir can be created on a bpf filesystem: mount one on
 * /sys/fs/bpf if nothing is mounted there (a fresh machine often has none). */
int loader_ensure_bpffs(const char *pin_dir);

int config_read(const struct loaded *l, struct synlimit_config *config);
int config_write(const struct loaded *l, const struct synlimit_config *config);

#endif /* SYNLIMIT_LOADER_H */
