// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* synlimit watch: each block and unblock event as a text line or a JSON line. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "event.h"
#include "json.h"
#include "log.h"
#include "report.h"
#include "syncookie.h"
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
	if (((const struct synlimit_event *)data)->type == EVENT_COOKIES_ON ||
	    ((const struct synlimit_event *)data)->type == EVENT_COOKIES_OFF)
		return syncookie_print_event(data, w->json);
	/* a reload may have changed the path: read it whole, not mid-reload */
	flock(w->l->dir.fd, LOCK_SH);
	config_read(w->l, &config);
	flock(w->l->dir.fd, LOCK_UN);
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

int watch_consumer_lock(const struct loaded *l)
{
	int fd = pin_subdir_open(l->dir.fd, l->dir.path, PIN_DIR_CONSUMER);

	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		if (err == -EBUSY)
			pr_warn("another synlimit is consuming the events of %s: one consumer "
				"at a time (each event is delivered once)\n",
				l->dir.path);
		return err;
	}
	return fd;
}

int watch_run(const struct loaded *l, const struct report_options *opts)
{
	struct watcher w = { .l = l, .json = opts->json };
	struct ring_buffer *rb;
	struct pollfd fds[2];
	sigset_t mask;
	int sfd, consumer, err = 0;

	consumer = watch_consumer_lock(l);
	if (consumer < 0)
		return consumer;
	/* a watch runs for long: commands that change the data path go on
	 * (loader_close unlocks again, harmlessly) */
	flock(l->dir.fd, LOCK_UN);

	/* signals arrive as a file descriptor: no work in a handler */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL)) {
		err = -errno;
		close(consumer);
		return err;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		err = -errno;
		close(consumer);
		return err;
	}
	rb = ring_buffer__new(l->events_fd, on_event, &w, NULL);
	if (!rb) {
		err = -errno;
		pr_warn("cannot open the event ring buffer: %s\n", strerror(-err));
		close(sfd);
		close(consumer);
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
	close(consumer);
	return err;
}
