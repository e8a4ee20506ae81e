/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The agent's Prometheus endpoint: GET /metrics over HTTP (libmicrohttpd). */
#ifndef SYNLIMIT_METRICS_HTTP_H
#define SYNLIMIT_METRICS_HTTP_H

#include <sys/socket.h>
#include "loader.h"

struct metrics_listen {
	struct sockaddr_storage addr;
	socklen_t len;
	char text[64]; /* as an operator writes it: 127.0.0.1:9419, [::1]:9419 */
};

/* "ADDR:PORT", "[IPV6]:PORT", ":PORT" or "PORT" (the address defaults to
 * 127.0.0.1: metrics are not for the world unless asked). 0 or -EINVAL. */
int metrics_listen_parse(const char *text, struct metrics_listen *out);

struct metrics_server;

/* Serve l's metrics on its own thread until stopped. NULL with errno set
 * (and reported) when it cannot listen. */
struct metrics_server *metrics_server_start(const struct metrics_listen *listen,
					    const struct loaded *l, const char *version);
void metrics_server_stop(struct metrics_server *server);

#endif /* SYNLIMIT_METRICS_HTTP_H */
