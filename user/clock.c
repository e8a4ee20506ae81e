// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Time as synlimit reads and writes it: the data path's CLOCK_MONOTONIC
 * stamps shown as wall time, and durations as limits files and options
 * write them ("500ms", "5s", "1h30m").
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "util.h"

__u64 mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

char *format_unix_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

char *format_mono_time(__u64 mono_ns, char *buf, size_t size)
{
	struct timespec real;
	__u64 now = mono_now_ns();

	clock_gettime(CLOCK_REALTIME, &real);
	return format_unix_time(real.tv_sec - (time_t)((now - mono_ns) / NSEC_PER_SEC), buf, size);
}

/* Duration units, largest first (format_duration writes them in this order;
 * "m" never takes the "m" of "ms": a unit must not be followed by a letter). */
static const struct {
	const char *unit;
	__u64 ns;
} units[] = {
	{ "d", NSEC_PER_DAY }, { "h", NSEC_PER_HOUR },	{ "m", NSEC_PER_MIN },
	{ "s", NSEC_PER_SEC }, { "ms", NSEC_PER_MSEC },
};

/* Durations: one or more NUMBER UNIT (ms s m h d), or bare seconds. */
int parse_duration(const char *text, __u64 *ns)
{
	const char *s = text;
	__u64 total = 0;

	if (!*s)
		return -EINVAL;
	while (*s) {
		__u64 value = 0, unit_ns = 0;
		size_t i, digits = 0;

		while (isdigit((unsigned char)*s)) {
			if (value > 1000000000ULL) /* far beyond any limit we take */
				return -EINVAL;
			value = value * 10 + (__u64)(*s++ - '0');
			digits++;
		}
		if (!digits)
			return -EINVAL;
		if (!*s && s == text + digits) { /* bare number: seconds */
			unit_ns = NSEC_PER_SEC;
		} else {
			for (i = 0; i < ARRAY_SIZE(units); i++) {
				size_t n = strlen(units[i].unit);

				if (!strncmp(s, units[i].unit, n) &&
				    !isalpha((unsigned char)s[n])) {
					unit_ns = units[i].ns;
					s += n;
					break;
				}
			}
			if (!unit_ns)
				return -EINVAL;
		}
		total += value * unit_ns;
		if (total > 100 * NSEC_PER_DAY)
			return -EINVAL;
	}
	*ns = total;
	return 0;
}

char *format_duration(__u64 ns, char *buf, size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(units) && used < size; i++) {
		if (ns >= units[i].ns) {
			used += snprintf(buf + used, size - used, "%llu%s",
					 (unsigned long long)(ns / units[i].ns), units[i].unit);
			ns %= units[i].ns;
		}
	}
	if (!buf[0])
		snprintf(buf, size, "0s");
	return buf;
}
