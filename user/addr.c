// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"

void prefix_mask(union synlimit_addr *mask, unsigned int prefix)
{
	unsigned int i;

	memset(mask, 0, sizeof(*mask));
	for (i = 0; i < 16 && prefix; i++) {
		unsigned int bits = prefix < 8 ? prefix : 8;

		mask->u8[i] = (__u8)(0xff00 >> bits);
		prefix -= bits;
	}
}

void addr_mask(const union synlimit_addr *addr, unsigned int prefix, union synlimit_addr *out)
{
	union synlimit_addr mask;
	int i;

	prefix_mask(&mask, prefix);
	for (i = 0; i < 4; i++)
		out->u32[i] = addr->u32[i] & mask.u32[i];
}

int addr_is_v4(const union synlimit_addr *addr)
{
	return addr->u32[0] == 0 && addr->u32[1] == 0 && addr->u32[2] == htonl(0xffff);
}

int addr_parse(const char *text, union synlimit_addr *addr, unsigned int *prefix, const char **err)
{
	char buf[INET6_ADDRSTRLEN + 8];
	union synlimit_addr masked;
	const char *slash;
	unsigned int max, base, len;
	size_t n;

	memset(addr, 0, sizeof(*addr));
	if (!strcmp(text, "*")) {
		*prefix = 0;
		return 0;
	}
	slash = strchr(text, '/');
	n = slash ? (size_t)(slash - text) : strlen(text);
	if (n == 0 || n >= sizeof(buf)) {
		*err = "not an IP address";
		return -EINVAL;
	}
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &addr->u32[3]) == 1) {
		addr->u32[2] = htonl(0xffff);
		max = 32;
		base = 96;
	} else if (inet_pton(AF_INET6, buf, addr->u8) == 1) {
		max = 128;
		base = 0;
	} else {
		*err = "not an IP address";
		return -EINVAL;
	}

	len = max;
	if (slash) {
		const char *digits = slash + 1;
		char *end;
		unsigned long v;

		/* digits only: strtoul would take "+8", " 8" or "0x8" */
		if (!*digits || strspn(digits, "0123456789") != strlen(digits) ||
		    strlen(digits) > 3) {
			*err = "bad prefix length";
			return -EINVAL;
		}
		v = strtoul(digits, &end, 10);
		if (v > max) {
			*err = max == 32 ? "IPv4 prefix length above 32"
					 : "IPv6 prefix length above 128";
			return -EINVAL;
		}
		len = (unsigned int)v;
	}
	addr_mask(addr, base + len, &masked);
	if (memcmp(&masked, addr, sizeof(masked))) {
		*err = "host bits set below the prefix length";
		return -EINVAL;
	}
	*prefix = base + len;
	return 0;
}

char *addr_format(const union synlimit_addr *addr, unsigned int prefix, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN];
	int v4 = addr_is_v4(addr) && prefix >= 96;

	if (prefix == 0) {
		snprintf(buf, size, "*");
		return buf;
	}
	if (v4)
		inet_ntop(AF_INET, &addr->u32[3], text, sizeof(text));
	else
		inet_ntop(AF_INET6, addr->u8, text, sizeof(text));
	if (prefix == 128)
		snprintf(buf, size, "%s", text);
	else
		snprintf(buf, size, "%s/%u", text, v4 ? prefix - 96 : prefix);
	return buf;
}
