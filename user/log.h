/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Messages to stderr: warnings and info by default, debug with -v, nothing but warnings with -q. */
#ifndef SYNLIMIT_LOG_H
#define SYNLIMIT_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_WARN = 0,
	LOG_INFO,
	LOG_DEBUG,
};

extern enum log_level log_level;

__attribute__((format(printf, 2, 3))) void log_print(enum log_level level, const char *fmt, ...);
__attribute__((format(printf, 2, 0))) void log_print_v(enum log_level level, const char *fmt,
						       va_list ap);

/* Messages go to the sink instead of stderr when one is set (the agent's
 * journal or JSON log); one call per message, without the "synlimit: ". */
typedef void (*log_sink_fn)(enum log_level level, const char *message);
void log_set_sink(log_sink_fn sink);

#define pr_warn(...)  log_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_print(LOG_DEBUG, __VA_ARGS__)

/* Route libbpf's own messages through log_print (shown with -v). */
void log_libbpf_init(void);

#endif /* SYNLIMIT_LOG_H */
