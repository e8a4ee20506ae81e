/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* synlimit watch: block and unblock events from the ring buffer, as text or JSON lines. */
#ifndef SYNLIMIT_WATCH_H
#define SYNLIMIT_WATCH_H

#include "loader.h"
#include "report.h"

/* Print events until SIGINT or SIGTERM. The ring buffer has one consumer
 * position, so events are not copied to each reader: one consumer at a time
 * (-EBUSY, reported, while another runs). Releases the pin directory's
 * lock, and takes it shared only to read the config. Returns 0 or -errno. */
/* The consumer's lock: an flock on a subdirectory of the pin directory,
 * for the one reader of the event ring buffer (watch or the agent) to hold
 * until it exits. Returns the fd that holds it, -EBUSY (reported) when
 * another consumer holds it, or -errno. */
int watch_consumer_lock(const struct loaded *l);

int watch_run(const struct loaded *l, const struct report_options *opts);

#endif /* SYNLIMIT_WATCH_H */
