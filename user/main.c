// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* synlimit: global options, command table, dispatch. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "synlimit.skel.h"
#include "synlimit/abi.h"

#define SYNLIMIT_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(out, "Usage: synlimit [-v|-q] COMMAND [ARGS]\n"
		     "       synlimit --help | --version\n");
}

static int cmd_version(void)
{
	size_t size = 0;

	synlimit_bpf__elf_bytes(&size);
	printf("synlimit %s (ABI %d, XDP object %zu bytes)\n", SYNLIMIT_VERSION,
	       SYNLIMIT_ABI_VERSION, size);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+hVvq", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return cmd_version();
		case 'v':
			log_level = LOG_DEBUG;
			break;
		case 'q':
			log_level = LOG_WARN;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_libbpf_init();
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	pr_warn("unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
