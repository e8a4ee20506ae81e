/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Times and durations: what the data path stamps, what people read and write. */
#ifndef SYNLIMIT_CLOCK_H
#define SYNLIMIT_CLOCK_H

#include <stddef.h>
#include <time.h>
#include <linux/types.h>

/* The data path stamps CLOCK_MONOTONIC; reports show wall time (UTC). */
__u64 mono_now_ns(void);
char *format_mono_time(__u64 mono_ns, char *buf, size_t size);
char *format_unix_time(time_t t, char *buf, size_t size);

/* Parse a duration: "500ms", "5s", "2m", "1h30m", "1d", or bare seconds.
 * Returns 0 or -EINVAL. */
int parse_duration(const char *text, __u64 *ns);

/* Format a duration compactly ("5s", "1h30m", "250ms"). */
char *format_duration(__u64 ns, char *buf, size_t size);

#endif /* SYNLIMIT_CLOCK_H */
