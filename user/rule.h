/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A limit as written in a limits file, its compilation to struct rule, and back. */
#ifndef SYNLIMIT_RULE_H
#define SYNLIMIT_RULE_H

#include <linux/types.h>
#include <stddef.h>
#include "synlimit/abi.h"
#include "util.h"

#define PERIOD_MIN_NS	NSEC_PER_MSEC
#define PERIOD_MAX_NS	NSEC_PER_DAY
#define BLOCK_MAX_NS	(7 * PERIOD_MAX_NS)
#define LIMIT_MAX_MILLI (1000000000ULL * 1000) /* 10^9 per period */

struct limit_spec {
	enum rule_action action;
	enum rule_algo algo;
	int leaky;
	int dry_run;
	__u64 limit_milli; /* the limit in thousandths: "2.5" is 2500 */
	__u64 period_ns;   /* whole milliseconds, PERIOD_MIN_NS..PERIOD_MAX_NS */
	__u64 burst;	   /* bucket only; 0: the limit, at least 1 */
	__u64 block_ns;	   /* 0: no block */
	__u8 per_prefix;   /* aggregation prefix in the 128-bit space, 1..128 */
	__u8 syncookies;   /* 0: as the interface says; RULE_F_COOKIES_ON or _OFF */
	__u32 line;
};

/*
 * Fill *rule from *spec. Returns 0, or -EINVAL with *err saying what cannot
 * be represented (the parser has already checked the syntax and ranges, so
 * this is the last word on arithmetic limits).
 */
int rule_compile(const struct limit_spec *spec, struct rule *rule, const char **err);

/* The inverse: a rule's limit as written ("5/5s strict", "allow", ...). */
char *format_rule(const struct rule *rule, char *buf, size_t size);

#endif /* SYNLIMIT_RULE_H */
