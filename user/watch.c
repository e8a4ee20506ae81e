// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* synlimit watch: each block and unblock event as a text line or a JSON line. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "event.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "watch.h"

struct watcher {
	const struct loaded *l;
	int json;
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct watcher *w = ctx;
	struct synlimit_config config = { 0 };
	struct event_view v;

	if (size < sizeof(struct synlimit_event))
		return 0;
	config_read(w->l, &config); /* a reload may have changed the path */
	event_view_init(&v, data, &config);
	if (w->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j);
		event_json_fields(&j, &v);
		json_object_end(&j);
		json_end_line(&j);
	} else {
		printf("%s ", v.when);
		event_text(stdout, &v);
		printf("\n");
		fflush(stdout);
	}
	return 0;
}

int watch_run(const struct loaded *l, const struct report_options *opts)
{
	struct watcher w = { .l = l, .json = opts->json };
	struct ring_buffer *rb;
	struct pollfd fds[2];
	sigset_t mask;
	int sfd, err = 0;

	/* signals arrive as a file descriptor: no work in a handler */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return -errno;
	rb = ring_buffer__new(l->events_fd, on_event, &w, NULL);
	if (!rb) {
		err = -errno;
		pr_warn("cannot open the event ring buffer: %s\n", strerror(-err));
		close(sfd);
		return err;
	}
	fds[0] = (struct pollfd){ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	if (!opts->json)
		fprintf(stderr, "watching block/unblock events (Ctrl-C to stop)\n");
	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (fds[1].revents)
			break;
		if (fds[0].revents && ring_buffer__consume(rb) < 0) {
			err = -EIO;
			break;
		}
	}
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	close(sfd);
	return err;
}
