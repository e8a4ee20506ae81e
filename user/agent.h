/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * synlimit run: the long-running agent for systemd (Type=notify). Attaches
 * or adopts the data path, reloads the limits on SIGHUP and when the file
 * changes, logs every block and unblock event, serves the metrics, and
 * tells systemd what it is doing through sd_notify.
 */
#ifndef SYNLIMIT_AGENT_H
#define SYNLIMIT_AGENT_H

#include "agent_log.h"
#include "control.h"
#include "metrics_http.h"

struct agent_options {
	struct attach_request attach;	      /* limits is required */
	const struct metrics_listen *metrics; /* NULL: no HTTP endpoint */
	enum log_format log_format;
	int detach_on_exit; /* else SIGTERM leaves the data path attached */
	const char *version;
};

/* Runs until SIGTERM or SIGINT. Returns 0, -EINVAL (bad request or limits
 * file at start), or -errno. */
int agent_run(const struct agent_options *o);

#endif /* SYNLIMIT_AGENT_H */
