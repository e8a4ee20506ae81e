/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Small helpers every part of the controller uses, defined once. */
#ifndef SYNLIMIT_UTIL_H
#define SYNLIMIT_UTIL_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MIN  (60 * NSEC_PER_SEC)
#define NSEC_PER_HOUR (3600 * NSEC_PER_SEC)
#define NSEC_PER_DAY  (86400 * NSEC_PER_SEC)

/* "DIR/NAME" into buf, NAME formatted like printf. Returns 0, or
 * -ENAMETOOLONG when it does not fit (nothing truncated is ever used). */
__attribute__((format(printf, 4, 5))) int pin_path(char *buf, size_t size, const char *dir,
						   const char *fmt, ...);

#endif /* SYNLIMIT_UTIL_H */
