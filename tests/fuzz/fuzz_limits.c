// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the limits file parser, built with ASan and UBSan.
 * Any input must give a clean result: entries or errors, no crash, no leak,
 * and never both entries and errors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "limits_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct limits_options opts = { .period_ns = 5000000000ULL };
	struct limits limits;
	int err;

	if (!sink)
		sink = fopen("/dev/null", "w");
	opts.diag = sink;
	err = limits_parse("fuzz", (const char *)data, size, &opts, &limits);
	if ((err == 0) != (limits.errors == 0) || (err && limits.count))
		abort(); /* half a result is the one thing that must never happen */
	limits_free(&limits);
	return 0;
}
