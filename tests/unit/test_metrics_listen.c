// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * run --metrics ADDR:PORT: what is accepted, where it listens (the address
 * defaults to 127.0.0.1, never to every address), and what is refused.
 */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "metrics_http.h"
#include "util.h"

static const struct {
	const char *text;
	int err;
	const char *listens; /* as the agent says it */
} cases[] = {
	{ "9419", 0, "127.0.0.1:9419" },
	{ ":9419", 0, "127.0.0.1:9419" },
	{ "127.0.0.1:9419", 0, "127.0.0.1:9419" },
	{ "0.0.0.0:80", 0, "0.0.0.0:80" },
	{ "198.18.0.2:65535", 0, "198.18.0.2:65535" },
	{ "[::1]:9419", 0, "[::1]:9419" },
	{ "[2001:db8::2]:1", 0, "[2001:db8::2]:1" },
	{ "127.0.0.1:0", -EINVAL, NULL },
	{ "127.0.0.1:65536", -EINVAL, NULL },
	{ "127.0.0.1:-1", -EINVAL, NULL },
	{ "127.0.0.1:", -EINVAL, NULL },
	{ "127.0.0.1", -EINVAL, NULL }, /* an address alone is not a port */
	{ "localhost:9419", -EINVAL, NULL },
	{ "::1:9419", -EINVAL, NULL }, /* IPv6 goes in brackets */
	{ "[::1]9419", -EINVAL, NULL },
	{ "[::1:9419", -EINVAL, NULL },
	{ "256.0.0.1:9419", -EINVAL, NULL },
	{ "9419x", -EINVAL, NULL },
	{ "", -EINVAL, NULL },
};

int main(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct metrics_listen listen;
		int err = metrics_listen_parse(cases[i].text, &listen);

		if (!check(err == cases[i].err, "--metrics '%s': expected %s, got %s",
			   cases[i].text, cases[i].err ? "refused" : "accepted",
			   err ? "refused" : "accepted") ||
		    err)
			continue;
		check(!strcmp(listen.text, cases[i].listens),
		      "--metrics '%s' listens on %s (got %s)", cases[i].text, cases[i].listens,
		      listen.text);
	}
	return check_done();
}
