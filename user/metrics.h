/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The counters in the Prometheus text format: what the agent serves on
 * /metrics and what `synlimit stats --prometheus` prints for node-exporter's
 * textfile collector. No address is ever a label (unbounded cardinality).
 */
#ifndef SYNLIMIT_METRICS_H
#define SYNLIMIT_METRICS_H

#include <stdio.h>
#include "loader.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Write every metric to out. Returns 0 or -errno (nothing useful written). */
int metrics_render(const struct loaded *l, const char *version, FILE *out);

/* The same into a malloc'ed buffer (free it), for the HTTP server. */
int metrics_render_buffer(const struct loaded *l, const char *version, char **text, size_t *len);

#endif /* SYNLIMIT_METRICS_H */
