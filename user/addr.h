/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Addresses in synlimit's one 128-bit space (IPv4 as ::ffff:a.b.c.d). */
#ifndef SYNLIMIT_ADDR_H
#define SYNLIMIT_ADDR_H

#include "synlimit/abi.h"

/* Longest text addr_format writes, with the NUL. */
#define ADDR_TEXT_MAX 64

/*
 * Parse "a.b.c.d", "a.b.c.d/N", "IPV6", "IPV6/N" or "*" (everything, /0).
 * IPv4 prefixes are returned in the 128-bit space (N + 96). Host bits set
 * below the prefix are an error. Returns 0, or -EINVAL with *err set.
 */
int addr_parse(const char *text, union synlimit_addr *addr, unsigned int *prefix, const char **err);

/* Format with the prefix ("198.18.0.0/24", "2001:db8::/32", "*"); a full
 * length prefix (/32 for IPv4, /128) is left out. Returns buf. */
char *addr_format(const union synlimit_addr *addr, unsigned int prefix, char *buf, size_t size);

/* 128-bit mask of the top `prefix` bits, in network byte order. */
void prefix_mask(union synlimit_addr *mask, unsigned int prefix);

/* addr with every bit below the top `prefix` cleared (out may be addr). */
void addr_mask(const union synlimit_addr *addr, unsigned int prefix, union synlimit_addr *out);

/* True when addr is in ::ffff:0:0/96. */
int addr_is_v4(const union synlimit_addr *addr);

#endif /* SYNLIMIT_ADDR_H */
