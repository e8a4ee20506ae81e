/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The limits file (synlimit.limits(5)): an Exim iplsearch file whose data is
 * the limit, and richer. Parsing reports every bad line as FILE:LINE and
 * produces nothing unless the whole file is good.
 */
#ifndef SYNLIMIT_LIMITS_FILE_H
#define SYNLIMIT_LIMITS_FILE_H

#include <stdio.h>
#include "limit_table.h"
#include "rule.h"

#define LIMITS_LINE_MAX 4096
#define LIMITS_FILE_MAX (256U << 20)

struct limits_options {
	__u64 period_ns; /* for a bare number: --period (default 5s) */
	int leaky;	 /* for a bare number: --mode (default strict) */
	int dry_run;	 /* every rule counts instead of dropping */
	int allow_empty; /* limits_load: a file with no rules is not an error */
	FILE *diag;	 /* where FILE:LINE messages go */
};

struct limits {
	struct limit_entry *entries; /* sorted by line */
	size_t count;
	int errors;
	int warnings;
};

/* Parse a whole buffer; `name` is the FILE of FILE:LINE. Returns 0 when it
 * has no error, -EINVAL when it has (all reported), -ENOMEM. On success
 * *out holds the entries; free them with limits_free(). */
int limits_parse(const char *name, const char *buf, size_t len, const struct limits_options *opts,
		 struct limits *out);

/* Read a regular file once and parse it. -errno for I/O problems, a file
 * that changed while read (-EAGAIN) or one that is not a regular file
 * (-EINVAL), all reported to diag; a file with no rules is an error
 * (-EINVAL) unless opts->allow_empty. */
int limits_load(const char *path, const struct limits_options *opts, struct limits *out);

void limits_free(struct limits *limits);

#endif /* SYNLIMIT_LIMITS_FILE_H */
