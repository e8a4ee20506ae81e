/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Changing the data path: attach (load or adopt, limits, interfaces) and
 * reload. Shared by the attach and reload commands and by the agent (run),
 * so the one-shot commands and the service do exactly the same thing.
 */
#ifndef SYNLIMIT_CONTROL_H
#define SYNLIMIT_CONTROL_H

#include <stdio.h>
#include "limits_file.h"
#include "loader.h"
#include "syncookie.h"
#include "xdp.h"

#define CONTROL_MAX_IFACES 64

struct attach_request {
	const char *pin_dir;
	const char *limits; /* NULL: none */
	char *const *ifaces;
	int n_ifaces;
	enum xdp_mode xdp_mode;
	/* how bare numbers compile; applied on a first load, or with limits */
	int compile_set; /* --dry-run, --period or --mode strict|leaky given */
	int dry_run, leaky;
	__u64 period_ns;
	__u32 max_sources, max_blocked; /* in sources; 0: not given */
	int allow_empty;		/* a limits file with no rules is accepted */
	/* --syncookies and the rest, when given (NULL: each interface's cookie
	 * mode stays as it is) */
	const struct syncookie_options *cookies;
	FILE *diag; /* where the limits file's FILE:LINE messages go */
};

/* Read and compile a limits file; every problem reported (FILE:LINE to
 * diag). 0, -EINVAL (errors in the file), or -errno. */
int control_compile(const char *path, __u64 period_ns, int leaky, int dry_run, int allow_empty,
		    FILE *diag, struct limits *limits);

/* Attach all of req or nothing. On success *l is open (close it) and
 * *adopted says whether every interface was already attached by synlimit.
 * Returns 0, -EINVAL for a bad request or limits file, or -errno. */
int control_attach(const struct attach_request *req, struct loaded *l, int *adopted);

/* Validate path and swap its limits in, with the pinned compile settings
 * unless period_ns / leaky (>= 0) override them. A file with errors changes
 * nothing but the reload error count. Returns 0, -EINVAL (bad file), or
 * -errno; *rules is the new rule count. */
int control_reload(const struct loaded *l, const char *path, const __u64 *period_ns, int leaky,
		   int allow_empty, FILE *diag, size_t *rules);

#endif /* SYNLIMIT_CONTROL_H */
