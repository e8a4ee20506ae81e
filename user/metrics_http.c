// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One polling thread of libmicrohttpd's own answers each scrape; the agent's
 * loop never waits on a scraper. Rendering reads the pinned maps through the
 * agent's descriptors, which stay open (and unchanged) while it serves, under
 * the pin directory's shared lock taken on a descriptor of its own (a lock
 * belongs to an open file, which the agent's loop locks and unlocks itself):
 * a command that moves counters between slots (attach) then never runs in
 * the middle of a scrape, whose totals would count them twice or not at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"

struct metrics_server {
	struct MHD_Daemon *daemon;
	const struct loaded *l;
	const char *version;
	int lock_fd; /* the pin directory, opened again for the scrapes' lock */
};

int metrics_listen_parse(const char *text, struct metrics_listen *out)
{
	char host[64] = "127.0.0.1";
	const char *port_text = text, *colon;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->addr;
	unsigned long port;
	char *end;

	memset(out, 0, sizeof(*out));
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
			return -EINVAL;
		memcpy(host, text + 1, close - text - 1);
		host[close - text - 1] = '\0';
		port_text = close + 2;
	} else if ((colon = strrchr(text, ':'))) {
		if ((size_t)(colon - text) >= sizeof(host) || strchr(text, ':') != colon)
			return -EINVAL; /* IPv6 addresses go in brackets */
		if (colon > text) {
			memcpy(host, text, colon - text);
			host[colon - text] = '\0';
		}
		port_text = colon + 1;
	}
	errno = 0;
	port = strtoul(port_text, &end, 10);
	if (errno || end == port_text || *end || port_text[0] == '-' || port < 1 || port > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)port);
		out->len = sizeof(*v4);
		snprintf(out->text, sizeof(out->text), "%s:%lu", host, port);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)port);
		out->len = sizeof(*v6);
		snprintf(out->text, sizeof(out->text), "[%s]:%lu", host, port);
	} else {
		return -EINVAL;
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *response = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!response) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, response);
	MHD_destroy_response(response);
	return ret;
}

#define TEXT_PLAIN "text/plain; charset=utf-8"

/* A scrape waits for a command that changes the data path (attach, reload,
 * ban) at most this long, then answers 503: the scrapes share one thread. */
#define SCRAPE_LOCK_WAIT_MS 2000

/* The pin directory's shared lock on fd within SCRAPE_LOCK_WAIT_MS: 0,
 * -EWOULDBLOCK, or -errno. */
static int lock_shared(int fd)
{
	int waited;

	for (waited = 0;; waited += 10) {
		if (!flock(fd, LOCK_SH | LOCK_NB))
			return 0;
		if (errno != EWOULDBLOCK)
			return -errno;
		if (waited >= SCRAPE_LOCK_WAIT_MS)
			return -EWOULDBLOCK;
		usleep(10000);
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	static const char index[] = "synlimit agent: metrics at /metrics\n";
	static const char not_found[] = "not found: metrics are at /metrics\n";
	static const char bad_method[] = "only GET and HEAD\n";
	static const char busy[] = "busy: a synlimit command holds the pin directory\n";
	struct metrics_server *server = cls;
	char *text = NULL;
	size_t len = 0;
	int err;

	(void)version, (void)upload, (void)upload_size, (void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT_PLAIN, (void *)bad_method,
			     sizeof(bad_method) - 1, MHD_RESPMEM_PERSISTENT);
	if (!strcmp(url, "/"))
		return reply(conn, MHD_HTTP_OK, TEXT_PLAIN, (void *)index, sizeof(index) - 1,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, TEXT_PLAIN, (void *)not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	err = lock_shared(server->lock_fd);
	if (!err) {
		err = metrics_render_buffer(server->l, server->version, &text, &len);
		flock(server->lock_fd, LOCK_UN);
	}
	if (err == -EWOULDBLOCK)
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, TEXT_PLAIN, (void *)busy,
			     sizeof(busy) - 1, MHD_RESPMEM_PERSISTENT);
	if (err) {
		char failed[96];

		pr_warn("metrics: cannot read the counters: %s\n", strerror(-err));
		snprintf(failed, sizeof(failed), "cannot read the counters: %s\n", strerror(-err));
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, TEXT_PLAIN, failed,
			     strlen(failed), MHD_RESPMEM_MUST_COPY);
	}
	return reply(conn, MHD_HTTP_OK, METRICS_CONTENT_TYPE, text, len, MHD_RESPMEM_MUST_FREE);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	pr_debug("metrics: %s%s", line, line[0] && line[strlen(line) - 1] == '\n' ? "" : "\n");
}

struct metrics_server *metrics_server_start(const struct metrics_listen *listen,
					    const struct loaded *l, const char *version)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	struct metrics_server *server = calloc(1, sizeof(*server));

	if (!server)
		return NULL;
	server->l = l;
	server->version = version;
	server->lock_fd = openat(l->dir.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (server->lock_fd < 0) {
		int err = errno;

		pr_warn("metrics: cannot open the pin directory %s: %s\n", l->dir.path,
			strerror(err));
		free(server);
		errno = err;
		return NULL;
	}
	if (listen->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	server->daemon = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR, &listen->addr,
	    MHD_OPTION_CONNECTION_LIMIT, 16U, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!server->daemon) {
		int err = errno ? errno : EADDRINUSE;

		pr_warn("metrics: cannot listen on %s: %s\n", listen->text, strerror(err));
		close(server->lock_fd);
		free(server);
		errno = err;
		return NULL;
	}
	return server;
}

void metrics_server_stop(struct metrics_server *server)
{
	if (!server)
		return;
	MHD_stop_daemon(server->daemon);
	close(server->lock_fd);
	free(server);
}
