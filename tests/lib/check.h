/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A small harness for the C tests. Each check prints one line:
 *   PASS: name        FAIL: name: expected X, got Y        SKIP: name: why
 * tests/run.sh counts those lines over every test program.
 */
#ifndef SYNLIMIT_CHECK_H
#define SYNLIMIT_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int check_passed, check_failed, check_skipped;

static inline void check_vline(const char *tag, const char *fmt, va_list ap)
{
	printf("%s: ", tag);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

/* Record one outcome; the message names the check and, on failure, says
 * what was expected and what came back. Returns ok. */
__attribute__((format(printf, 2, 3))) static inline int check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vline(ok ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	if (ok)
		check_passed++;
	else
		check_failed++;
	return ok;
}

__attribute__((format(printf, 1, 2))) static inline void check_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vline("SKIP", fmt, ap);
	va_end(ap);
	check_skipped++;
}

#define CHECK_EQ_U64(name, expected, actual)                                                       \
	check((unsigned long long)(expected) == (unsigned long long)(actual),                      \
	      "%s: expected %llu, got %llu", (name), (unsigned long long)(expected),               \
	      (unsigned long long)(actual))

/* Exit status of a test program: non-zero when any check failed. */
static inline int check_done(void)
{
	printf("# %d passed, %d failed, %d skipped\n", check_passed, check_failed, check_skipped);
	return check_failed ? 1 : 0;
}

#endif /* SYNLIMIT_CHECK_H */
