// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

enum log_level log_level = LOG_INFO;

static void log_vprint(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	if (level == LOG_WARN)
		fputs("synlimit: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings are mostly the details of an error we report
	 * ourselves; show them, and its chatter, only with -v. */
	(void)level;
	if (log_level < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_libbpf_init(void)
{
	libbpf_set_print(libbpf_print);
}
