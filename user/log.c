// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

enum log_level log_level = LOG_INFO;
static log_sink_fn log_sink;

void log_set_sink(log_sink_fn sink)
{
	log_sink = sink;
}

void log_print_v(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	if (log_sink) {
		char message[1024];

		vsnprintf(message, sizeof(message), fmt, ap);
		log_sink(level, message);
		return;
	}
	if (level == LOG_WARN)
		fputs("synlimit: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_print_v(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings are mostly the details of an error we report
	 * ourselves; show them, and its chatter, only with -v. */
	(void)level;
	if (log_level < LOG_DEBUG)
		return 0;
	log_print_v(LOG_DEBUG, fmt, ap);
	return 0;
}

void log_libbpf_init(void)
{
	libbpf_set_print(libbpf_print);
}
