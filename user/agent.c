// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One thread polls everything: signals (signalfd), the limits file's
 * directory (inotify: editors save by writing a new file and renaming it
 * over the old one, which a watch on the file itself would miss), the
 * event ring buffer and two timers. The metrics endpoint answers on a
 * thread of its own.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include "agent.h"
#include "bans.h"
#include "clock.h"
#include "log.h"
#include "stats.h"
#include "util.h"
#include "watch.h"

/* Editors write in steps (create, write, rename): reload once it settles. */
#define SETTLE_MS	  150
#define STATUS_PERIOD_SEC 5

struct agent {
	const struct agent_options *o;
	struct loaded l;
	FILE *diag;
	struct ring_buffer *events;
	struct metrics_server *metrics;
	int signal_fd, inotify_fd, settle_fd, status_fd;
	int consumer; /* the lock that makes the agent the ring buffer's one consumer */
	/* the file as named and, behind a symlink, the file it points to */
	char names[2][NAME_MAX + 1];
	char last_status[256];
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct agent *a = ctx;
	struct synlimit_config config = { 0 };
	struct event_view v;

	if (size < sizeof(struct synlimit_event))
		return 0;
	/* the path of the file loaded now, read whole, not mid-reload */
	flock(a->l.dir.fd, LOCK_SH);
	config_read(&a->l, &config);
	flock(a->l.dir.fd, LOCK_UN);
	event_view_init(&v, data, &config);
	agent_log_event(&v);
	return 0;
}

/* "protecting s0, s1: 8 rules; 2 blocked, 1234 dropped" (blocked: entries of
 * the blocked table, sources dropped on their last attempt) */
static void update_status(struct agent *a, const char *prefix)
{
	const struct attach_request *req = &a->o->attach;
	struct synlimit_config config = { 0 };
	struct stats_snapshot s = { 0 };
	char status[sizeof(a->last_status)];
	size_t len = 0;
	int i;

	/* the counters too: an attach moving a slot's counts to the retired
	 * slot holds the lock exclusively (user/stats.c) */
	flock(a->l.dir.fd, LOCK_SH);
	config_read(&a->l, &config);
	stats_snapshot_read(&a->l, &s);
	flock(a->l.dir.fd, LOCK_UN);
	len += snprintf(status + len, sizeof(status) - len, "%sprotecting", prefix ? prefix : "");
	for (i = 0; i < req->n_ifaces && len < sizeof(status); i++)
		len += snprintf(status + len, sizeof(status) - len, "%s%s", i ? ", " : " ",
				req->ifaces[i]);
	if (len < sizeof(status))
		snprintf(status + len, sizeof(status) - len,
			 ": %u rule%s; %llu blocked, %llu dropped", config.rule_count,
			 config.rule_count == 1 ? "" : "s", (unsigned long long)s.blocked,
			 (unsigned long long)s.sum.dropped);
	if (strcmp(status, a->last_status)) {
		sd_notifyf(0, "STATUS=%s", status);
		snprintf(a->last_status, sizeof(a->last_status), "%s", status);
	}
}

/* Expired bans out of the trie, every status period: once none is left the
 * program stops looking there (config.bans), where without the agent only
 * the next ban or unban command would purge them. With no mark there is
 * nothing to purge and no lock is taken; a command holding the lock makes
 * it wait for the next period, not the agent's loop. */
static void purge_bans(struct agent *a)
{
	struct synlimit_config config = { 0 };
	int purged;

	if (config_read(&a->l, &config) || !config.bans || flock(a->l.dir.fd, LOCK_EX | LOCK_NB))
		return;
	purged = bans_purge(a->l.bans_fd, a->l.config_fd, mono_now_ns());
	flock(a->l.dir.fd, LOCK_UN);
	if (purged > 0)
		pr_info("%d expired ban%s removed\n", purged, purged == 1 ? "" : "s");
}

static void reload(struct agent *a, const char *why)
{
	const char *path = a->o->attach.limits;
	struct timespec now;
	size_t rules = 0;
	int err;

	clock_gettime(CLOCK_MONOTONIC, &now);
	sd_notifyf(
	    0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    ((unsigned long long)now.tv_sec * NSEC_PER_SEC + (unsigned long long)now.tv_nsec) /
		1000);
	pr_info("reloading %s (%s)\n", path, why);
	/* a read-modify-write of the data path: exclusive, as reload's (and
	 * the ban commands', which write the same config) */
	if (flock(a->l.dir.fd, LOCK_EX)) {
		err = -errno;
	} else {
		err = control_reload(&a->l, path, NULL, -1, a->o->attach.allow_empty, a->diag,
				     &rules);
		flock(a->l.dir.fd, LOCK_UN);
	}
	fflush(a->diag);
	if (err == -EINVAL)
		pr_warn("%s: not loaded; the limits in force stay\n", path);
	else if (err)
		pr_warn("%s: reload failed: %s; the limits in force stay\n", path, strerror(-err));
	a->last_status[0] = '\0';
	sd_notify(0, "READY=1");
	update_status(a, err ? "last reload failed (see the log); " : NULL);
}

static int arm(int timer_fd, __u64 first_ms, __u64 period_ms)
{
	struct itimerspec t = {
		.it_value = { .tv_sec = first_ms / 1000,
			      .tv_nsec = (first_ms % 1000) * NSEC_PER_MSEC },
		.it_interval = { .tv_sec = period_ms / 1000,
				 .tv_nsec = (period_ms % 1000) * NSEC_PER_MSEC },
	};

	return timerfd_settime(timer_fd, 0, &t, NULL) ? -errno : 0;
}

static int watch_dir_of(struct agent *a, const char *path, int slot)
{
	char dir_copy[PATH_MAX], base_copy[PATH_MAX];
	const char *dir;

	snprintf(dir_copy, sizeof(dir_copy), "%s", path);
	snprintf(base_copy, sizeof(base_copy), "%s", path);
	dir = dirname(dir_copy);
	snprintf(a->names[slot], sizeof(a->names[slot]), "%s", basename(base_copy));
	if (inotify_add_watch(a->inotify_fd, dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
				  IN_DELETE) < 0) {
		pr_warn("cannot watch %s for changes: %s (reload with SIGHUP)\n", dir,
			strerror(errno));
		return -errno;
	}
	return 0;
}

static int watch_limits_file(struct agent *a)
{
	const char *path = a->o->attach.limits;
	char *real = realpath(path, NULL);
	int err;

	a->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->inotify_fd < 0)
		return -errno;
	err = watch_dir_of(a, path, 0);
	if (!err && real && strcmp(real, path))
		err = watch_dir_of(a, real, 1);
	free(real);
	return err;
}

/* Did an inotify event name the limits file? */
static int limits_file_touched(struct agent *a)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len, off;
	int touched = 0;

	while ((len = read(a->inotify_fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < len;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			if (ev->len && (!strcmp(ev->name, a->names[0]) ||
					(a->names[1][0] && !strcmp(ev->name, a->names[1]))))
				touched = 1;
			off += sizeof(*ev) + ev->len;
		}
	}
	return touched;
}

static void drain(int fd)
{
	__u64 value;

	while (read(fd, &value, sizeof(value)) == sizeof(value))
		;
}

static int open_fds(struct agent *a, const sigset_t *signals)
{
	a->signal_fd = signalfd(-1, signals, SFD_CLOEXEC | SFD_NONBLOCK);
	a->settle_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	a->status_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (a->signal_fd < 0 || a->settle_fd < 0 || a->status_fd < 0)
		return -errno;
	a->events = ring_buffer__new(a->l.events_fd, on_event, a, NULL);
	if (!a->events) {
		pr_warn("cannot open the event ring buffer: %s\n", strerror(errno));
		return -errno;
	}
	watch_limits_file(a); /* without it, SIGHUP still reloads */
	return arm(a->status_fd, STATUS_PERIOD_SEC * 1000, STATUS_PERIOD_SEC * 1000);
}

/* Until SIGTERM or SIGINT. */
static int loop(struct agent *a)
{
	enum { SIGNALS, EVENTS, FILE_CHANGED, SETTLED, STATUS, N_FDS };
	struct pollfd fds[N_FDS] = {
		[SIGNALS] = { .fd = a->signal_fd, .events = POLLIN },
		[EVENTS] = { .fd = ring_buffer__epoll_fd(a->events), .events = POLLIN },
		[FILE_CHANGED] = { .fd = a->inotify_fd, .events = POLLIN },
		[SETTLED] = { .fd = a->settle_fd, .events = POLLIN },
		[STATUS] = { .fd = a->status_fd, .events = POLLIN },
	};
	struct signalfd_siginfo si;

	for (;;) {
		if (poll(fds, N_FDS, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (fds[EVENTS].revents && ring_buffer__consume(a->events) < 0)
			pr_warn("cannot read the event ring buffer\n");
		if (fds[FILE_CHANGED].revents && limits_file_touched(a))
			arm(a->settle_fd, SETTLE_MS, 0); /* again: the last change counts */
		if (fds[SETTLED].revents) {
			drain(a->settle_fd);
			if (access(a->o->attach.limits, F_OK))
				pr_warn("%s is gone; the limits in force stay\n",
					a->o->attach.limits);
			else
				reload(a, "the file changed");
		}
		if (fds[STATUS].revents) {
			drain(a->status_fd);
			purge_bans(a);
			update_status(a, NULL);
		}
		while (read(a->signal_fd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(a, "SIGHUP");
				continue;
			}
			pr_info("%s: stopping\n", strsignal((int)si.ssi_signo));
			return 0;
		}
	}
}

/* --detach-on-exit: cookies and XDP off the named interfaces, under the
 * pin directory's exclusive lock; the pins go with the last interface. */
static void detach_named(struct agent *a)
{
	const struct attach_request *req = &a->o->attach;
	struct xdp_iface any[1];
	char via[32];
	int i, err;

	flock(a->l.dir.fd, LOCK_EX);
	for (i = 0; i < req->n_ifaces; i++) {
		__u32 ifindex = if_nametoindex(req->ifaces[i]);

		syncookie_detach(pin_dir_fd_path(&a->l.dir, via, sizeof(via)), ifindex);
		err = xdp_detach(&a->l.dir, ifindex);
		if (err)
			pr_warn("%s: cannot detach: %s\n", req->ifaces[i], strerror(-err));
		else
			pr_info("%s: detached\n", req->ifaces[i]);
	}
	if (xdp_list(&a->l.dir, any, 1) == 0 && loader_unpin(&a->l.dir))
		pr_warn("cannot remove %s\n", req->pin_dir);
	flock(a->l.dir.fd, LOCK_UN);
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

int agent_run(const struct agent_options *o)
{
	struct agent a = {
		.o = o,
		.signal_fd = -1,
		.inotify_fd = -1,
		.settle_fd = -1,
		.status_fd = -1,
		.consumer = -1,
	};
	struct attach_request req = o->attach;
	sigset_t signals;
	int adopted, err;

	/* signals wait in the queue from now on, also during the attach */
	sigemptyset(&signals);
	sigaddset(&signals, SIGHUP);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	if (sigprocmask(SIG_BLOCK, &signals, NULL))
		return -errno;
	agent_log_open(o->log_format);
	a.diag = agent_log_diag_open();
	if (!a.diag) {
		err = -ENOMEM;
		goto out_log;
	}
	req.diag = a.diag;
	err = control_attach(&req, &a.l, &adopted);
	fflush(a.diag);
	if (err) {
		sd_notifyf(0, "STATUS=cannot attach: %s",
			   err == -EINVAL ? "see the log" : strerror(-err));
		goto out_diag;
	}
	if (adopted)
		pr_info("adopted the data path attached before\n");
	/* the one consumer of the events, as watch is */
	a.consumer = watch_consumer_lock(&a.l);
	if (a.consumer < 0) {
		err = a.consumer;
		sd_notifyf(0, "STATUS=another synlimit consumes the events");
		goto out;
	}
	/* control_attach held the pin directory's lock exclusively: other
	 * commands run while the agent stays; it locks again for each change */
	pin_dir_unlock(&a.l.dir);
	err = open_fds(&a, &signals);
	if (err)
		goto out;
	if (o->metrics) {
		a.metrics = metrics_server_start(o->metrics, &a.l, o->version);
		if (!a.metrics) {
			err = -errno;
			goto out;
		}
		pr_info("metrics on http://%s/metrics\n", o->metrics->text);
	}
	update_status(&a, NULL);
	sd_notify(0, "READY=1");
	err = loop(&a);
	sd_notify(0, "STOPPING=1");
	ring_buffer__consume(a.events); /* the events that came in meanwhile */
	if (o->detach_on_exit)
		detach_named(&a);
	else
		pr_info("the data path stays attached (protection outlives the agent)\n");
out:
	metrics_server_stop(a.metrics);
	ring_buffer__free(a.events);
	close_fd(a.signal_fd);
	close_fd(a.inotify_fd);
	close_fd(a.settle_fd);
	close_fd(a.status_fd);
	close_fd(a.consumer);
	loader_close(&a.l);
out_diag:
	fclose(a.diag);
out_log:
	agent_log_close();
	sigprocmask(SIG_UNBLOCK, &signals, NULL);
	return err;
}
