/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bans (synlimit ban/unban/bans): addresses and networks whose every SYN the
 * data path drops until the ban expires, kept in the pinned bans trie.
 * Blocklist files for ban --file: one address or network a line.
 */
#ifndef SYNLIMIT_BANS_H
#define SYNLIMIT_BANS_H

#include <stddef.h>
#include <stdio.h>
#include "synlimit/abi.h"

#define BAN_FOR_MAX_NS (3650ULL * 86400 * 1000000000ULL) /* ten years */

struct ban_item {
	struct rule_key key;
	struct ban ban;
};

/* Does the data path still enforce ban at CLOCK_MONOTONIC now? */
static inline int ban_live(const struct ban *ban, __u64 now)
{
	return !ban->expires_ns || (__s64)(now - ban->expires_ns) < 0;
}

/* "ADDR" or "ADDR/LEN", IPv4 or IPv6, quoted or not; not "*". Returns 0,
 * or -EINVAL with *why set. */
int ban_parse_key(const char *text, struct rule_key *key, const char **why);

/* A blocklist: one address or network a line, '#' or ';' comments, blank
 * lines. Every bad line reported to diag as NAME:LINE: message; *keys only
 * when the whole file is good (0), else -EINVAL (or -errno, -ENOMEM).
 * path "-" reads standard input. */
int ban_file_load(const char *path, FILE *diag, struct rule_key **keys, size_t *n);

/* Ban keys[0..n) with *ban, each replacing an earlier ban of its key. All
 * or nothing: on a failure the earlier bans come back. 0 or -errno.
 * The functions that change bans keep config.bans (config_fd) true to it:
 * the program looks bans up only where it is set (bans.c). */
int bans_add(int bans_fd, int config_fd, const struct rule_key *keys, size_t n,
	     const struct ban *ban);

/* Lift the ban of exactly key; -ENOENT when there is none. */
int bans_remove(int bans_fd, int config_fd, const struct rule_key *key);

/* Every entry, expired ones too, sorted by address; free(*items). */
int bans_list(int bans_fd, struct ban_item **items, size_t *n);

/* The ban the data path enforces on addr at now, as it looks it up (an
 * expired ban yields to a shorter one): 1 and *out, or 0. */
int ban_find(int bans_fd, const union synlimit_addr *addr, __u64 now, struct ban_item *out);

/* Delete the bans that expired before now; returns how many or -errno. */
int bans_purge(int bans_fd, int config_fd, __u64 now);

#endif /* SYNLIMIT_BANS_H */
