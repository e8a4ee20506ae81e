// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The shared helpers of util.h that are functions. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "util.h"

int pin_path(char *buf, size_t size, const char *dir, const char *fmt, ...)
{
	va_list ap;
	size_t used;
	int n = snprintf(buf, size, "%s/", dir);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	used = (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size - used ? -ENAMETOOLONG : 0;
}
