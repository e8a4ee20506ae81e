// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "log.h"
#include "pin_dir.h"

/* Open a path with no symbolic link anywhere in it (openat2
 * RESOLVE_NO_SYMLINKS; before Linux 5.6, only the last component). */
static int open_no_links(const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = open(path, (int)how.flags);
	return fd < 0 ? -errno : (int)fd;
}

static int trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

int pin_dir_check(int fd, const char *path)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st) || fstatfs(fd, &sfs)) {
		pr_warn("%s: cannot check: %s\n", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || sfs.f_type != BPF_FS_MAGIC) {
		pr_warn("%s: not a directory on a bpf filesystem: refusing to use it\n", path);
		return -EPROTO;
	}
	if (!trusted_owner(st.st_uid)) {
		pr_warn("%s: owned by uid %u, not root: refusing to use it\n", path,
			(unsigned int)st.st_uid);
		return -EPROTO;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		pr_warn("%s: writable by others (mode %04o): refusing to use it\n", path,
			(unsigned int)(st.st_mode & 07777));
		return -EPROTO;
	}
	return 0;
}

/* Report why path did not open; a link on the way becomes -EPROTO (reported). */
static int why_not_opened(const char *path, int err)
{
	if (err == -ELOOP || err == -ENOTDIR || err == -EXDEV) {
		pr_warn("%s: a symbolic link (or not a directory) on the way: refusing to "
			"follow it\n",
			path);
		return -EPROTO;
	}
	if (err != -ENOENT && err != -EACCES && err != -EPERM)
		pr_warn("%s: cannot open: %s\n", path, strerror(-err));
	return err;
}

int pin_subdir_open(int dir_fd, const char *dir_path, const char *name)
{
	char path[PATH_MAX];
	int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), err;

	snprintf(path, sizeof(path), "%s/%s", dir_path, name);
	if (fd < 0)
		return why_not_opened(path, -errno);
	err = pin_dir_check(fd, path);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int open_parent(struct pin_dir *d)
{
	const char *slash = strrchr(d->path, '/');
	int fd;

	if (d->path[0] != '/' || !slash || !slash[1] || strlen(slash + 1) > NAME_MAX)
		return -EINVAL;
	snprintf(d->base, sizeof(d->base), "%s", slash + 1);
	snprintf(d->parent_path, sizeof(d->parent_path), "%.*s",
		 slash == d->path ? 1 : (int)(slash - d->path), d->path);
	fd = open_no_links(d->parent_path);
	return fd < 0 ? why_not_opened(d->parent_path, fd) : fd;
}

void pin_dir_unlock(struct pin_dir *d)
{
	if (d->lock && d->fd >= 0)
		flock(d->fd, LOCK_UN);
	d->lock = 0;
}

void pin_dir_close(struct pin_dir *d)
{
	pin_dir_unlock(d);
	if (d->fd >= 0)
		close(d->fd);
	if (d->parent_fd >= 0)
		close(d->parent_fd);
	d->fd = d->parent_fd = -1;
}

const char *pin_dir_fd_path(const struct pin_dir *d, char *buf, size_t size)
{
	int n;

	if (d->fd < 0)
		return d->path;
	n = snprintf(buf, size, "/proc/self/fd/%d", d->fd);
	return n < 0 || (size_t)n >= size ? d->path : buf;
}

int pin_dir_open(const char *path, int lock, struct pin_dir *d)
{
	int tries, err = 0;

	memset(d, 0, sizeof(*d));
	d->fd = d->parent_fd = -1;
	if (strlen(path) >= sizeof(d->path))
		return -ENAMETOOLONG;
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->parent_fd = open_parent(d);
	if (d->parent_fd < 0) {
		err = d->parent_fd;
		d->parent_fd = -1;
		return err;
	}
	/* a directory removed (detach) while we waited for its lock is not
	 * the pin directory any more: open the name again */
	for (tries = 0; tries < 100; tries++) {
		struct stat st;

		d->fd =
		    openat(d->parent_fd, d->base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (d->fd < 0)
			return why_not_opened(d->path, -errno);
		err = pin_dir_check(d->fd, d->path);
		if (err || !lock)
			return err;
		if (flock(d->fd, lock)) {
			err = -errno;
			pr_warn("%s: cannot lock: %s\n", d->path, strerror(errno));
			return err;
		}
		d->lock = lock;
		if (!fstat(d->fd, &st) && st.st_nlink > 0)
			return 0;
		pin_dir_unlock(d);
		close(d->fd);
		d->fd = -1;
	}
	return -ENOENT;
}

/* Is the entry name of dir_fd a pinned object we may trust? */
static int check_entry(int dir_fd, const char *dir_path, const char *name)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		pr_warn("%s/%s: not a pinned object (a link or a directory): refusing it\n",
			dir_path, name);
		return -EPROTO;
	}
	if (!trusted_owner(st.st_uid) || st.st_mode & (S_IWGRP | S_IWOTH)) {
		pr_warn("%s/%s: owned by uid %u, mode %04o: refusing it\n", dir_path, name,
			(unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		return -EPROTO;
	}
	return 0;
}

static int fd_path(char *buf, size_t size, int dir_fd, const char *name)
{
	int n = snprintf(buf, size, "/proc/self/fd/%d/%s", dir_fd, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int pin_get(int dir_fd, const char *dir_path, const char *name, int read_only)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = read_only ? BPF_F_RDONLY : 0);
	char path[PATH_MAX];
	int fd, err = check_entry(dir_fd, dir_path, name);

	if (!err)
		err = fd_path(path, sizeof(path), dir_fd, name);
	if (err)
		return err;
	fd = bpf_obj_get_opts(path, &opts);
	return fd < 0 ? -errno : fd;
}

int pin_put(int dir_fd, const char *name, int obj_fd)
{
	char path[PATH_MAX];
	int err = fd_path(path, sizeof(path), dir_fd, name);

	if (!err && bpf_obj_pin(obj_fd, path))
		err = -errno;
	return err;
}

int pin_remove(int dir_fd, const char *name)
{
	if (!unlinkat(dir_fd, name, 0))
		return 0;
	if (errno == EISDIR && !unlinkat(dir_fd, name, AT_REMOVEDIR))
		return 0;
	return errno == ENOENT ? 0 : -errno;
}

DIR *pin_dir_list(int dir_fd)
{
	/* a description of its own: a dup would share (and move) dir_fd's position */
	int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd < 0 ? NULL : fdopendir(fd);

	if (!dir && fd >= 0)
		close(fd);
	return dir;
}

int pin_dir_remove(int parent_fd, int dir_fd, const char *path, const char *name)
{
	DIR *dir = pin_dir_list(dir_fd);
	struct dirent *de;
	int err = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_type == DT_REG)
			err = unlinkat(dir_fd, de->d_name, 0) ? -errno : err;
		else if (de->d_type == DT_DIR && !strcmp(de->d_name, PIN_DIR_CONSUMER))
			err = unlinkat(dir_fd, de->d_name, AT_REMOVEDIR) ? -errno : err;
		else if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			pr_warn("%s/%s: not synlimit's: left alone\n", path, de->d_name);
	}
	closedir(dir);
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) && errno != ENOENT)
		err = -errno;
	return err;
}
