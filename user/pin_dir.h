/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The pin directory, trusted only after checks and used only through file
 * descriptors. Its parent may be a sticky, world-writable bpffs mount (what
 * `mount -t bpf bpf DIR` gives), where another user can plant names: no path
 * with a symbolic link in it is followed, and the directory must be a real
 * directory on bpffs, owned by root (or us), writable by nobody else.
 * Every pinned object in it is reached as /proc/self/fd/N/NAME after the
 * same checks on the entry.
 *
 * The directory is also the lock (flock, as xdp-tools' prog_lock_acquire):
 * exclusive around every read-modify-write of the data path, shared for a
 * consistent read of it.
 */
#ifndef SYNLIMIT_PIN_DIR_H
#define SYNLIMIT_PIN_DIR_H

#include <dirent.h>
#include <limits.h>
#include <stddef.h>

/* The subdirectory whose flock says that the event ring buffer has a consumer. */
#define PIN_DIR_CONSUMER "consumer"

struct pin_dir {
	char path[PATH_MAX];
	char parent_path[PATH_MAX];
	char base[NAME_MAX + 1]; /* the last component of path */
	int parent_fd;		 /* where the directory is created, renamed, removed */
	int fd;			 /* the directory itself; -1 when it does not exist */
	int lock;		 /* LOCK_SH or LOCK_EX while held, else 0 */
};

/*
 * Open path (absolute) and check it. lock: 0, LOCK_SH or LOCK_EX, taken
 * before returning; a directory removed while we waited for the lock is
 * opened again. -ENOENT when it does not exist (d->parent_fd is then open,
 * for creating it); -EPROTO when it is refused (reported, naming the path);
 * -EACCES or -EPERM unreported, for the caller to explain.
 */
int pin_dir_open(const char *path, int lock, struct pin_dir *d);

void pin_dir_unlock(struct pin_dir *d);

/* The open directory as a path that resolves through its descriptor
 * (/proc/self/fd/N), for code that takes a directory path: nothing planted
 * on the way to it is followed. Falls back to d->path when it is not open. */
const char *pin_dir_fd_path(const struct pin_dir *d, char *buf, size_t size);
void pin_dir_close(struct pin_dir *d);

/* Check that a directory opened without following links may be trusted:
 * a directory on bpffs, owned by root or us, not group- or world-writable.
 * -EPROTO (reported, naming path) when not. */
int pin_dir_check(int fd, const char *path);

/* An object pinned in the directory at dir_fd: checked (a regular bpffs
 * file, not a link, owned by root or us, writable by nobody else), then
 * opened with bpf_obj_get. Returns the fd or -errno (-ENOENT quietly,
 * -EPROTO reported). */
int pin_get(int dir_fd, const char *dir_path, const char *name, int read_only);

/* Pin obj_fd as name in the directory at dir_fd. */
int pin_put(int dir_fd, const char *name, int obj_fd);

/* Remove a pin (or PIN_DIR_CONSUMER) from the directory at dir_fd. */
int pin_remove(int dir_fd, const char *name);

/* Empty the directory at dir_fd of pins and the consumer directory, then
 * remove `name` from parent_fd. Anything else in it is left (and reported). */
int pin_dir_remove(int parent_fd, int dir_fd, const char *path, const char *name);

/* The entries of the directory at dir_fd (closedir when done), or NULL. */
DIR *pin_dir_list(int dir_fd);

/* Open a subdirectory of dir_fd without following a link, and check it. */
int pin_subdir_open(int dir_fd, const char *dir_path, const char *name);

#endif /* SYNLIMIT_PIN_DIR_H */
