// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synlimit: the option tables of every command (options.h), the command
 * table, dispatch, and the commands that change the data path (attach,
 * detach, reload: the work of attach and reload is in control.c, shared
 * with the agent that run starts, agent.c) or only read a file (check).
 * The read-only commands render in report_*.c and watch.c.
 * Exit status: 0 success, 1 runtime failure, 2 bad usage or invalid input.
 */
#include <errno.h>
#include <stddef.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "addr.h"
#include "bans.h"
#include "bans_report.h"
#include "agent.h"
#include "clock.h"
#include "control.h"
#include "limit_table.h"
#include "limits_file.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "options.h"
#include "replay.h"
#include "report.h"
#include "syncookie.h"
#include "synlimit.skel.h"
#include "synlimit/abi.h"
#include "util.h"
#include "watch.h"
#include "xdp.h"

#define SYNLIMIT_VERSION "0.1.0"
#define EXIT_RUNTIME	 1
#define EXIT_USAGE	 2

/* Options of every command, wherever they stand on the line. */
struct global_opts {
	const char *pin_dir;
	int log_level; /* enum log_level */
	int help, version;
};

static const struct global_opts global_defaults = { .pin_dir = PIN_DIR_DEFAULT,
						    .log_level = LOG_INFO };
static struct global_opts g;

static const struct opt_def global_options[] = {
	OPTION("pin-dir", 0, OPT_PATH, struct global_opts, pin_dir, "DIR",
	       "where the data path is pinned", .max = 200),
	OPTION("verbose", 'v', OPT_FLAG, struct global_opts, log_level, NULL,
	       "more detail, libbpf's messages too", .set_to = LOG_DEBUG),
	OPTION("quiet", 'q', OPT_FLAG, struct global_opts, log_level, NULL,
	       "warnings and errors only", .set_to = LOG_WARN),
	OPTION("help", 'h', OPT_FLAG, struct global_opts, help, NULL,
	       "this help; synlimit COMMAND --help for one command", .set_to = 1),
	OPTION("version", 'V', OPT_FLAG, struct global_opts, version, NULL, "version and ABI",
	       .set_to = 1),
	{},
};

/* The options several commands take; each struct that takes one has the
 * field its macro names. */
static const struct opt_value bare_modes[] = { { "strict", 0 }, { "leaky", 1 }, {} };
static const struct opt_value xdp_modes[] = {
	{ "auto", XDP_MODE_AUTO },
	{ "native", XDP_MODE_NATIVE },
	{ "generic", XDP_MODE_GENERIC },
	{},
};

#define OPT_BARE_MODE(st)                                                                          \
	OPTION("mode", 0, OPT_ENUM, st, leaky, NULL, "how bare-number limits count",               \
	       .values = bare_modes,                                                               \
	       .hint = "the XDP attach mode is --xdp-mode auto|native|generic")
#define OPT_BARE_PERIOD(st)                                                                        \
	OPTION("period", 0, OPT_DURATION, st, period_ns, "DURATION",                               \
	       "the period of bare-number limits", .min = PERIOD_MIN_NS, .max = PERIOD_MAX_NS)
#define OPT_LIMITS(st) OPTION("limits", 0, OPT_STRING, st, limits, "FILE", "the limits file")
#define OPT_JSON(st)   OPTION("json", 0, OPT_FLAG, st, json, NULL, "JSON output", .set_to = 1)
#define OPT_ALLOW_EMPTY(st)                                                                        \
	OPTION("allow-empty", 0, OPT_FLAG, st, allow_empty, NULL,                                  \
	       "accept a limits file with no rules (it lifts every limit)", .set_to = 1)
#define OPT_TABLE_SIZE(st, field, what)                                                            \
	OPTION("max-" #what, 0, OPT_U32, st, field, "N",                                           \
	       "entries of the " #what " table, first attach (rounded up to a multiple of 4)",     \
	       .min = TABLE_SIZE_MIN, .max = TABLE_SIZE_MAX)

#define BARE_PERIOD_DEFAULT (5 * NSEC_PER_SEC)

/* attach, and run: attach's options and the agent's own */
struct attach_opts {
	const char *limits;
	int xdp_mode; /* enum xdp_mode */
	int leaky;
	__u64 period_ns;
	int dry_run;
	__u32 max_sources, max_blocked; /* 0: the program's own sizes */
	int syncookies;			/* enum cookie_mode */
	const char *syncookie_ports;
	__u32 synack_cap;
	int allow_empty;
	const char *metrics; /* run only, as the next two */
	int log_format;	     /* enum log_format */
	int detach_on_exit;
};
enum {
	ATTACH_LIMITS,
	ATTACH_XDP_MODE,
	ATTACH_MODE,
	ATTACH_PERIOD,
	ATTACH_DRY_RUN,
	ATTACH_MAX_SOURCES,
	ATTACH_MAX_BLOCKED,
	ATTACH_SYNCOOKIES,
	ATTACH_SYNCOOKIE_PORTS,
	ATTACH_SYNACK_CAP,
	ATTACH_ALLOW_EMPTY,
	RUN_METRICS,
	RUN_LOG_FORMAT,
	RUN_DETACH_ON_EXIT,
};
static const struct opt_value cookie_modes[] = {
	{ "off", COOKIE_MODE_OFF },
	{ "on", COOKIE_MODE_ON },
	{ "auto", COOKIE_MODE_AUTO },
	{},
};
static const struct attach_opts attach_defaults = { .xdp_mode = XDP_MODE_AUTO,
						    .period_ns = BARE_PERIOD_DEFAULT,
						    .synack_cap = COOKIE_SYNACK_CAP_DEFAULT,
						    .log_format = LOG_FORMAT_AUTO };
#define ATTACH_OPTIONS                                                                             \
	[ATTACH_LIMITS] = OPT_LIMITS(struct attach_opts),                                          \
	[ATTACH_XDP_MODE] =                                                                        \
	    OPTION("xdp-mode", 0, OPT_ENUM, struct attach_opts, xdp_mode, NULL,                    \
		   "auto: native where the driver has it, else generic", .values = xdp_modes),     \
	[ATTACH_MODE] = OPT_BARE_MODE(struct attach_opts),                                         \
	[ATTACH_PERIOD] = OPT_BARE_PERIOD(struct attach_opts),                                     \
	[ATTACH_DRY_RUN] = OPTION("dry-run", 0, OPT_FLAG, struct attach_opts, dry_run, NULL,       \
				  "count what would be dropped, drop nothing", .set_to = 1),       \
	[ATTACH_MAX_SOURCES] = OPT_TABLE_SIZE(struct attach_opts, max_sources, sources),           \
	[ATTACH_MAX_BLOCKED] = OPT_TABLE_SIZE(struct attach_opts, max_blocked, blocked),           \
	[ATTACH_SYNCOOKIES] =                                                                      \
	    OPTION("syncookies", 0, OPT_ENUM, struct attach_opts, syncookies, NULL,                \
		   "SYN cookies for sources that have not completed a handshake",                  \
		   .values = cookie_modes),                                                        \
	[ATTACH_SYNCOOKIE_PORTS] =                                                                 \
	    OPTION("syncookie-ports", 0, OPT_STRING, struct attach_opts, syncookie_ports, "LIST",  \
		   "the ports that get cookies, e.g. 25,8000-8099 (default "                       \
		   "every port)"),                                                                 \
	[ATTACH_SYNACK_CAP] =                                                                      \
	    OPTION("synack-cap", 0, OPT_U32, struct attach_opts, synack_cap, "N",                  \
		   "SYN-ACKs a second, all CPUs; 0: no cap", .min = 0, .max = 1000000000),         \
	[ATTACH_ALLOW_EMPTY] = OPT_ALLOW_EMPTY(struct attach_opts)
static const struct opt_def attach_options[] = {
	ATTACH_OPTIONS,
	{},
};
static const struct opt_value log_formats[] = {
	{ "text", LOG_FORMAT_TEXT },
	{ "json", LOG_FORMAT_JSON },
	{ "journal", LOG_FORMAT_JOURNAL },
	{},
};
static const struct opt_def run_options[] = {
	ATTACH_OPTIONS,
	[RUN_METRICS] = OPTION("metrics", 0, OPT_STRING, struct attach_opts, metrics, "ADDR:PORT",
			       "serve Prometheus metrics on http://ADDR:PORT/metrics (ADDR "
			       "defaults to 127.0.0.1)"),
	[RUN_LOG_FORMAT] = OPTION("log-format", 0, OPT_ENUM, struct attach_opts, log_format, NULL,
				  "the log: default the journal under systemd, else text on "
				  "stderr",
				  .values = log_formats),
	[RUN_DETACH_ON_EXIT] =
	    OPTION("detach-on-exit", 0, OPT_FLAG, struct attach_opts, detach_on_exit, NULL,
		   "on SIGTERM detach, instead of leaving the data path attached", .set_to = 1),
	{},
};

struct detach_opts {
	int all;
};
static const struct detach_opts detach_defaults;
static const struct opt_def detach_options[] = {
	OPTION("all", 0, OPT_FLAG, struct detach_opts, all, NULL,
	       "every interface synlimit is attached to", .set_to = 1),
	{},
};

/* reload and check: how bare numbers compile */
struct bare_opts {
	int leaky;
	__u64 period_ns;
	int allow_empty;
};
enum { BARE_MODE, BARE_PERIOD, BARE_ALLOW_EMPTY };
static const struct bare_opts bare_defaults = { .period_ns = BARE_PERIOD_DEFAULT };
static const struct opt_def bare_options[] = {
	[BARE_MODE] = OPT_BARE_MODE(struct bare_opts),
	[BARE_PERIOD] = OPT_BARE_PERIOD(struct bare_opts),
	[BARE_ALLOW_EMPTY] = OPT_ALLOW_EMPTY(struct bare_opts),
	{},
};

/* status, stats, blocked, show, watch; and top */
static const struct report_options report_defaults = { .top_n = 10 };
static const struct opt_def report_options[] = {
	OPT_JSON(struct report_options),
	{},
};
static const struct opt_def stats_options[] = {
	OPT_JSON(struct report_options),
	OPTION("prometheus", 0, OPT_FLAG, struct report_options, prometheus, NULL,
	       "the metrics in the Prometheus text format (node-exporter's textfile collector)",
	       .set_to = 1),
	{},
};
static const struct opt_def top_options[] = {
	OPT_JSON(struct report_options),
	OPTION(NULL, 'n', OPT_U32, struct report_options, top_n, "N", "how many sources", .min = 1,
	       .max = 1000000),
	{},
};

struct replay_opts {
	const char *limits;
	int json;
	int leaky;
	__u64 period_ns;
};
static const struct replay_opts replay_defaults = { .period_ns = BARE_PERIOD_DEFAULT };
static const struct opt_def replay_options[] = {
	OPT_LIMITS(struct replay_opts),
	OPT_JSON(struct replay_opts),
	OPT_BARE_MODE(struct replay_opts),
	OPT_BARE_PERIOD(struct replay_opts),
	{},
};

struct ban_opts {
	__u64 for_ns; /* 0: until unban */
	const char *reason;
	const char *file;
};
static const struct ban_opts ban_defaults;
static const struct opt_def ban_options[] = {
	OPTION("for", 0, OPT_DURATION, struct ban_opts, for_ns, "DURATION",
	       "how long (a bare number is seconds); default until unban", .min = NSEC_PER_MSEC,
	       .max = 100 * 86400 * NSEC_PER_SEC),
	OPTION("reason", 0, OPT_STRING, struct ban_opts, reason, "TEXT",
	       "why, shown by bans and blocked"),
	OPTION("file", 0, OPT_STRING, struct ban_opts, file, "FILE",
	       "a blocklist: one address or network a line; - for standard input"),
	{},
};
static const struct opt_def no_options[] = { {} };
static const int no_defaults;

struct invocation;

struct command {
	const char *name;
	int (*run)(const struct invocation *in);
	int min_args, max_args;
	const struct opt_def *options;
	const void *defaults;
	size_t opts_size;
	/* the read-only commands: what renders them, and whether the maps
	 * open read-only (watch's consuming moves the ring's position) */
	int (*report)(const struct loaded *l, const struct report_options *opts);
	int read_only;
	const char *usage;
	const char *help;
};

/* One command as the line gives it. */
struct invocation {
	const struct command *cmd;
	const void *opts; /* the command's options struct */
	unsigned int given;
	int argc;
	char **argv;
};

/* ---- helpers ---- */

/* Effective capabilities: CAP_BPF (or CAP_SYS_ADMIN) and CAP_NET_ADMIN. */
static int have_caps(int net_admin)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	__u64 eff;

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	eff = (__u64)data[1].effective << 32 | data[0].effective;
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
	return (eff & (1ULL << CAP_SYS_ADMIN) || eff & (1ULL << CAP_BPF)) &&
	       (!net_admin || eff & (1ULL << CAP_NET_ADMIN));
}

static int need_caps(const char *cmd, int net_admin)
{
	if (have_caps(net_admin))
		return 0;
	pr_warn("%s needs root (CAP_BPF%s)\n", cmd, net_admin ? " and CAP_NET_ADMIN" : "");
	return EXIT_RUNTIME;
}

/* Open the pinned data path (enum loader_flags), holding its lock; a clear
 * message and an exit status if not. */
static int open_pinned(int flags, struct loaded *l)
{
	int err = loader_open(g.pin_dir, flags, l);

	if (err)
		loader_explain(g.pin_dir, err);
	return err ? EXIT_RUNTIME : 0;
}

/* ---- attach, detach, reload, check ---- */

static int exit_status(int err)
{
	return err == -EINVAL ? EXIT_USAGE : err ? EXIT_RUNTIME : 0;
}

#define COOKIE_OPTS                                                                                \
	(OPT_BIT(ATTACH_SYNCOOKIES) | OPT_BIT(ATTACH_SYNCOOKIE_PORTS) | OPT_BIT(ATTACH_SYNACK_CAP))

/* attach's cookie options as user/syncookie.c takes them. */
static int cookie_options(const struct invocation *in, struct syncookie_options *c)
{
	const struct attach_opts *o = in->opts;
	const char *why;

	memset(c, 0, sizeof(*c));
	c->mode = (enum cookie_mode)o->syncookies;
	if (in->given & (OPT_BIT(ATTACH_SYNCOOKIE_PORTS) | OPT_BIT(ATTACH_SYNACK_CAP)) &&
	    c->mode == COOKIE_MODE_OFF) {
		pr_warn(
		    "attach: --syncookie-ports and --synack-cap go with --syncookies on|auto\n");
		return -EINVAL;
	}
	if (in->given & OPT_BIT(ATTACH_SYNCOOKIE_PORTS)) {
		if (syncookie_parse_ports(o->syncookie_ports, c->ports, &why)) {
			pr_warn("--syncookie-ports takes %s, not '%s'\n", why, o->syncookie_ports);
			return -EINVAL;
		}
		c->ports_given = 1;
	}
	c->cap_given = !!(in->given & OPT_BIT(ATTACH_SYNACK_CAP));
	c->synack_cap = o->synack_cap;
	return 0;
}

/* attach's options (and run's, which has them all) as a request;
 * -EINVAL for cookie options that do not go together. */
static int attach_request_init(const struct attach_opts *o, unsigned int given,
			       const struct invocation *in, struct attach_request *req)
{
	static struct syncookie_options cookies; /* 8 KiB of port bits: not on the stack */

	if (cookie_options(in, &cookies))
		return -EINVAL;
	*req = (struct attach_request){
		.pin_dir = g.pin_dir,
		.limits = o->limits,
		.ifaces = in->argv,
		.n_ifaces = in->argc,
		.xdp_mode = (enum xdp_mode)o->xdp_mode,
		.compile_set = !!(given & (OPT_BIT(ATTACH_DRY_RUN) | OPT_BIT(ATTACH_PERIOD) |
					   OPT_BIT(ATTACH_MODE))),
		.dry_run = o->dry_run,
		.leaky = o->leaky,
		.period_ns = o->period_ns,
		.max_sources = o->max_sources,
		.max_blocked = o->max_blocked,
		.allow_empty = o->allow_empty,
		.cookies = given & COOKIE_OPTS ? &cookies : NULL,
		.diag = stderr,
	};
	return 0;
}

static int cmd_attach(const struct invocation *in)
{
	struct attach_request req;
	struct loaded l;
	int adopted, err;

	if (attach_request_init(in->opts, in->given, in, &req))
		return EXIT_USAGE;
	if (need_caps("attach", 1))
		return EXIT_RUNTIME;
	err = control_attach(&req, &l, &adopted);
	if (!err)
		loader_close(&l);
	return exit_status(err);
}

static int cmd_detach(const struct invocation *in)
{
	const struct detach_opts *o = in->opts;
	int argc = in->argc;
	char **argv = in->argv;
	struct xdp_iface ifaces[256];
	struct pin_dir dir;
	char via[32];
	int n, i, err, rc = 0;

	if (!o->all && !argc) {
		pr_warn("detach: name interfaces or give --all\n");
		return EXIT_USAGE;
	}
	if (o->all && argc) {
		pr_warn("detach: interfaces and --all do not go together\n");
		return EXIT_USAGE;
	}
	if (need_caps("detach", 1))
		return EXIT_RUNTIME;
	/* only the directory is needed (and locked): pins of another version
	 * can be detached too */
	err = pin_dir_open(g.pin_dir, LOCK_EX, &dir);
	if (err && err != -ENOENT) {
		pin_dir_close(&dir);
		if (err != -EPROTO)
			pr_warn("cannot open %s: %s\n", g.pin_dir, strerror(-err));
		return EXIT_RUNTIME;
	}
	if (o->all) {
		n = xdp_list(&dir, ifaces, 256);
		for (i = 0; i < n; i++) {
			syncookie_detach(pin_dir_fd_path(&dir, via, sizeof(via)),
					 ifaces[i].ifindex);
			err = xdp_detach(&dir, ifaces[i].ifindex);
			if (err) {
				pr_warn("%s: cannot detach: %s\n", ifaces[i].name, strerror(-err));
				rc = EXIT_RUNTIME;
			} else {
				pr_info("%s: detached\n",
					ifaces[i].name[0] ? ifaces[i].name : "(interface gone)");
			}
		}
	} else {
		for (i = 0; i < argc; i++) {
			__u32 ifindex = if_nametoindex(argv[i]);

			if (ifindex && dir.fd >= 0)
				syncookie_detach(pin_dir_fd_path(&dir, via, sizeof(via)), ifindex);
			err = !ifindex ? -ENODEV : dir.fd < 0 ? -ENOENT : xdp_detach(&dir, ifindex);
			if (err == -ENOENT || err == -ENODEV) {
				pr_warn("%s: %s\n", argv[i],
					err == -ENODEV ? "no such interface"
						       : "not attached by synlimit");
				rc = EXIT_RUNTIME;
			} else if (err) {
				pr_warn("%s: cannot detach: %s\n", argv[i], strerror(-err));
				rc = EXIT_RUNTIME;
			} else {
				pr_info("%s: detached\n", argv[i]);
			}
		}
	}
	/* the maps and program go with the last interface */
	if (dir.fd >= 0 && xdp_list(&dir, ifaces, 1) == 0) {
		err = loader_unpin(&dir);
		if (err) {
			pr_warn("cannot remove %s: %s\n", g.pin_dir, strerror(-err));
			rc = EXIT_RUNTIME;
		}
	}
	pin_dir_close(&dir);
	return rc;
}

static int cmd_reload(const struct invocation *in)
{
	const struct bare_opts *o = in->opts;
	struct loaded l;
	size_t rules;
	int err;

	if (need_caps("reload", 0))
		return EXIT_RUNTIME;
	if (open_pinned(LOADER_EXCLUSIVE, &l))
		return EXIT_RUNTIME;
	/* bare numbers keep the period and mode they were attached with */
	err = control_reload(
	    &l, in->argv[0], in->given & OPT_BIT(BARE_PERIOD) ? &o->period_ns : NULL,
	    in->given & OPT_BIT(BARE_MODE) ? o->leaky : -1, o->allow_empty, stderr, &rules);
	loader_close(&l);
	return exit_status(err);
}

static int cmd_check(const struct invocation *in)
{
	const struct bare_opts *o = in->opts;
	const char *path = in->argv[0];
	struct limits limits = { 0 };
	size_t i;

	if (control_compile(path, o->period_ns, o->leaky, 0, o->allow_empty, stderr, &limits))
		return EXIT_USAGE;
	/* -v: each rule as it will be enforced */
	for (i = 0; i < limits.count && log_level >= LOG_DEBUG; i++) {
		const struct limit_entry *e = &limits.entries[i];
		char key[ADDR_TEXT_MAX], spec[128], ports[LIMITS_LINE_MAX];

		printf("%s:%u: %s %s%s%s\n", path, e->rule.line,
		       addr_format(&e->key.addr, e->key.prefixlen, key, sizeof(key)),
		       format_rule(&e->rule, spec, sizeof(spec)), e->ports ? " port=" : "",
		       format_ports(e->ports, e->n_ports, ports, sizeof(ports)));
	}
	printf("%s: %zu rules, no errors, %d warning%s\n", path, limits.count, limits.warnings,
	       limits.warnings == 1 ? "" : "s");
	limits_free(&limits);
	return 0;
}

/* ---- the read-only commands ---- */

static int cmd_status(const struct invocation *in)
{
	return report_status(g.pin_dir, in->opts) ? EXIT_RUNTIME : 0;
}

/* stats, blocked, top, show, watch: the command's report on the pinned maps */
static int cmd_read(const struct invocation *in)
{
	struct report_options o = *(const struct report_options *)in->opts;
	struct loaded l;
	int err;

	o.addr = in->argc ? in->argv[0] : NULL;
	if (open_pinned(in->cmd->read_only ? LOADER_READ_ONLY : 0, &l))
		return EXIT_RUNTIME;
	err = in->cmd->report(&l, &o);
	loader_close(&l);
	return err == -EINVAL ? EXIT_USAGE : err ? EXIT_RUNTIME : 0;
}

static int cmd_stats(const struct invocation *in)
{
	const struct report_options *o = in->opts;
	struct loaded l;
	int err;

	if (o->json && o->prometheus) {
		pr_warn("stats: --json or --prometheus, not both\n");
		return EXIT_USAGE;
	}
	if (!o->prometheus)
		return cmd_read(in);
	if (open_pinned(1, &l))
		return EXIT_RUNTIME;
	err = metrics_render(&l, SYNLIMIT_VERSION, stdout);
	if (err)
		pr_warn("cannot read the counters: %s\n", strerror(-err));
	loader_close(&l);
	return exit_status(err);
}

static int cmd_run(const struct invocation *in)
{
	const struct attach_opts *o = in->opts;
	struct metrics_listen listen;
	struct agent_options ao = {
		.log_format = (enum log_format)o->log_format,
		.detach_on_exit = o->detach_on_exit,
		.version = SYNLIMIT_VERSION,
	};

	if (!o->limits) {
		pr_warn("run: --limits FILE is required\n");
		return EXIT_USAGE;
	}
	if (o->metrics) {
		if (metrics_listen_parse(o->metrics, &listen)) {
			pr_warn("--metrics takes ADDR:PORT, [IPV6]:PORT or PORT (1 to 65535), not "
				"'%s'\n",
				o->metrics);
			return EXIT_USAGE;
		}
		ao.metrics = &listen;
	}
	if (attach_request_init(o, in->given, in, &ao.attach))
		return EXIT_USAGE;
	if (need_caps("run", 1))
		return EXIT_RUNTIME;
	return exit_status(agent_run(&ao));
}

static int cmd_replay(const struct invocation *in)
{
	const struct replay_opts *o = in->opts;
	struct limits limits = { 0 };
	int err;

	if (!o->limits) {
		pr_warn("replay: --limits FILE is required\n");
		return EXIT_USAGE;
	}
	if (control_compile(o->limits, o->period_ns, o->leaky, 0, 1, stderr, &limits))
		return EXIT_USAGE;
	if (need_caps("replay", 0)) {
		limits_free(&limits);
		return EXIT_RUNTIME;
	}
	err = replay_run(o->limits, &limits, in->argv[0], o->json);
	limits_free(&limits);
	return err == -EINVAL ? EXIT_USAGE : err ? EXIT_RUNTIME : 0;
}

/* ---- ban, unban, bans ---- */

/* --reason as the ban records it: printable, at most 79 bytes. */
static int ban_reason(const char *text, struct ban *ban)
{
	size_t i;

	for (i = 0; text && text[i]; i++)
		if ((unsigned char)text[i] < ' ') {
			pr_warn("ban: --reason takes printable text\n");
			return -EINVAL;
		}
	if (i >= sizeof(ban->reason)) {
		pr_warn("ban: --reason takes at most %zu bytes\n", sizeof(ban->reason) - 1);
		return -EINVAL;
	}
	if (i) /* no --reason: text is NULL */
		memcpy(ban->reason, text, i);
	return 0;
}

static int cmd_ban(const struct invocation *in)
{
	const struct ban_opts *o = in->opts;
	struct ban ban = { .created = (__u64)time(NULL) };
	struct rule_key one, *keys = &one;
	const char *why = NULL;
	char what[ADDR_TEXT_MAX], dur[32];
	struct loaded l;
	size_t n = 1;
	int err, rc = EXIT_RUNTIME;

	if (!in->argc == !o->file) {
		pr_warn("ban: give one ADDR[/LEN] or --file FILE\n");
		return EXIT_USAGE;
	}
	if (ban_reason(o->reason, &ban))
		return EXIT_USAGE;
	if (in->argc && ban_parse_key(in->argv[0], &one, &why)) {
		pr_warn("ban: '%s' is not an address or network: %s\n", in->argv[0], why);
		return EXIT_USAGE;
	}
	if (!in->argc) {
		err = ban_file_load(o->file, stderr, &keys, &n);
		if (err)
			return err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (need_caps("ban", 0) || open_pinned(LOADER_EXCLUSIVE, &l))
		goto out;
	if (o->for_ns)
		ban.expires_ns = mono_now_ns() + o->for_ns;
	bans_purge(l.bans_fd, l.config_fd, mono_now_ns()); /* expired ones are not worth keeping */
	err = bans_add(l.bans_fd, l.config_fd, keys, n, &ban);
	if (err) {
		pr_warn("ban: %s: %s\n", in->argc ? in->argv[0] : "nothing banned", strerror(-err));
	} else {
		if (in->argc)
			snprintf(what, sizeof(what), "%s", in->argv[0]);
		else
			snprintf(what, sizeof(what), "%s: %zu address%s and network%s", o->file, n,
				 n == 1 ? "" : "es", n == 1 ? "" : "s");
		pr_info("%s: banned %s%s\n", what, o->for_ns ? "for " : "until unban",
			o->for_ns ? format_duration(o->for_ns, dur, sizeof(dur)) : "");
		rc = 0;
	}
	loader_close(&l);
out:
	if (keys != &one)
		free(keys);
	return rc;
}

static int cmd_unban(const struct invocation *in)
{
	struct rule_key key;
	const char *why = NULL;
	struct loaded l;
	int err;

	if (ban_parse_key(in->argv[0], &key, &why)) {
		pr_warn("unban: '%s' is not an address or network: %s\n", in->argv[0], why);
		return EXIT_USAGE;
	}
	if (need_caps("unban", 0) || open_pinned(LOADER_EXCLUSIVE, &l))
		return EXIT_RUNTIME;
	err = bans_remove(l.bans_fd, l.config_fd, &key);
	bans_purge(l.bans_fd, l.config_fd, mono_now_ns());
	loader_close(&l);
	if (err) {
		pr_warn("unban: %s %s\n", in->argv[0],
			err == -ENOENT ? "is not banned" : strerror(-err));
		return EXIT_RUNTIME;
	}
	pr_info("%s: unbanned\n", in->argv[0]);
	return 0;
}

/* ---- the table ---- */

#define OPTIONS(table, dflt) .options = table, .defaults = &dflt, .opts_size = sizeof(dflt)
/* a read-only command: cmd_read opens the pins and calls its report */
#define READS(fn, ro, min, max)                                                                    \
	.run = cmd_read, .min_args = min, .max_args = max, .report = fn, .read_only = ro

static const struct command commands[] = {
	{ "attach", cmd_attach, 1, 64, OPTIONS(attach_options, attach_defaults),
	  .usage = "attach IFACE... [--limits FILE] [--xdp-mode auto|native|generic] [--dry-run]\n"
		   "       [--period DURATION] [--mode strict|leaky]\n"
		   "       [--max-sources N] [--max-blocked N] [--allow-empty]\n"
		   "       [--syncookies off|on|auto] [--syncookie-ports LIST] [--synack-cap N]",
	  .help = "Load the XDP program once (pinned under the pin directory), load FILE's\n"
		  "limits, and attach to each interface; all or nothing. Never replaces an XDP\n"
		  "program synlimit did not attach. --dry-run counts what the rules would drop\n"
		  "and drops nothing for them (bans still drop). --period and --mode apply to\n"
		  "bare-number limits. The table sizes apply to the first attach. --syncookies\n"
		  "on answers connection attempts of sources that have not completed a handshake\n"
		  "with SYN cookies from XDP (Linux 6.9 or later); auto does so while attempts\n"
		  "exceed 2000/s; off removes it. Without --syncookies the interface's cookie\n"
		  "mode stays as it is.\n"
		  "A limits file with no rules is refused unless --allow-empty is given." },
	{ "run", cmd_run, 1, 64, OPTIONS(run_options, attach_defaults),
	  .usage = "run IFACE... --limits FILE [--xdp-mode auto|native|generic] [--dry-run]\n"
		   "       [--period DURATION] [--mode strict|leaky]\n"
		   "       [--max-sources N] [--max-blocked N]\n"
		   "       [--allow-empty] [--syncookies off|on|auto] [--syncookie-ports LIST]\n"
		   "       [--synack-cap N] [--metrics ADDR:PORT]\n"
		   "       [--log-format text|json|journal] [--detach-on-exit]",
	  .help = "The agent, for systemd (Type=notify): attach as attach does (same options),\n"
		  "or adopt what is attached already, then stay: reload FILE on SIGHUP and when\n"
		  "it changes (a file with errors is logged and the limits in force stay), log\n"
		  "every block and unblock event, serve Prometheus metrics, report to systemd\n"
		  "with sd_notify. The log goes to the journal under systemd, else to stderr,\n"
		  "one line each. SIGTERM ends it with status 0 and leaves the data path\n"
		  "attached, unless --detach-on-exit." },
	{ "detach", cmd_detach, 0, 64, OPTIONS(detach_options, detach_defaults),
	  .usage = "detach IFACE... | --all",
	  .help = "Detach from the interfaces; the pinned maps and program go with the last one." },
	{ "reload", cmd_reload, 1, 1, OPTIONS(bare_options, bare_defaults),
	  .usage = "reload FILE [--period D] [--mode strict|leaky] [--allow-empty]",
	  .help = "Validate FILE, then swap in its limits atomically: a packet sees the old\n"
		  "table or the new one. Counters and every source's history are kept. A bad\n"
		  "file changes nothing. Bare numbers keep the period and mode given at attach\n"
		  "unless set here. FILE is read once; one rewritten while read, one that is\n"
		  "not a regular file, and one with no rules (unless --allow-empty: it lifts\n"
		  "every limit) are refused." },
	{ "check", cmd_check, 1, 1, OPTIONS(bare_options, bare_defaults),
	  .usage = "check FILE [--period D] [--mode strict|leaky] [--allow-empty]",
	  .help = "Validate FILE only: every error and warning as FILE:LINE: message." },
	{ "status", cmd_status, 0, 0, OPTIONS(report_options, report_defaults),
	  .usage = "status [--json]",
	  .help = "Interfaces and modes, program, limits file and its load time, totals." },
	{ "stats", cmd_stats, 0, 0, .report = report_stats, .read_only = 1,
	  OPTIONS(stats_options, report_defaults), .usage = "stats [--json | --prometheus]",
	  .help = "Counters: packets, connection attempts, passed, dropped by reason, evictions,\n"
		  "and per interface. --prometheus: the agent's metrics as text, for\n"
		  "node-exporter's textfile collector." },
	{ "blocked", READS(report_blocked, 1, 0, 0), OPTIONS(report_options, report_defaults),
	  .usage = "blocked [--json]",
	  .help = "Sources (or aggregated prefixes) blocked now: rule FILE:LINE (and port= for\n"
		  "a port rule), limit, rate, drops, since when and how long until an attempt\n"
		  "passes again. Bans first, with the time left and the reason." },
	{ "top", READS(report_top, 1, 0, 0), OPTIONS(top_options, report_defaults),
	  .usage = "top [--json] [-n N]",
	  .help = "The N sources with the highest rate now; blocked ones first." },
	{ "show", READS(report_show, 1, 1, 1), OPTIONS(report_options, report_defaults),
	  .usage = "show ADDR [--json]",
	  .help = "The rule that applies to ADDR (FILE:LINE) and ADDR's state; each port rule\n"
		  "that decides for ADDR, with its ports and ADDR's state under it; ADDR's ban." },
	{ "watch", READS(watch_run, 0, 0, 0), OPTIONS(report_options, report_defaults),
	  .usage = "watch [--json]",
	  .help = "Stream block and unblock events until interrupted (one JSON object a line\n"
		  "with --json). One consumer at a time: each event is delivered once, so a\n"
		  "second watch is refused. An event made under an earlier limits table is\n"
		  "labelled with its line and generation, not with the current file." },
	{ "ban", cmd_ban, 0, 1, OPTIONS(ban_options, ban_defaults),
	  .usage = "ban ADDR[/LEN] [--for DURATION] [--reason TEXT]\n"
		   "       ban --file FILE [--for DURATION] [--reason TEXT]",
	  .help = "Drop every SYN from ADDR (a host or a network, IPv4 or IPv6) until the ban\n"
		  "ends: after DURATION, checked by the data path itself, or without --for at\n"
		  "unban. A ban overrides every rule, allow too, and outlives reloads and the\n"
		  "controller; a later ban of the same ADDR replaces it. --file bans a whole\n"
		  "blocklist (# or ; comments, IPv6 quoted or not), all of it or nothing." },
	{ "unban", cmd_unban, 1, 1, OPTIONS(no_options, no_defaults), .usage = "unban ADDR[/LEN]",
	  .help = "Lift the ban of exactly ADDR[/LEN]." },
	{ "bans", READS(report_bans, 1, 0, 0), OPTIONS(report_options, report_defaults),
	  .usage = "bans [--json]",
	  .help = "The bans in force: address, since when, time left, reason." },
	{ "replay", cmd_replay, 1, 1, OPTIONS(replay_options, replay_defaults),
	  .usage = "replay --limits FILE CAPTURE.pcap [--json] [--period D] [--mode strict|leaky]",
	  .help = "Run every packet of an Ethernet capture through the real XDP program with its\n"
		  "clock set to the packet's timestamp and FILE's limits; one line per packet\n"
		  "with its verdict, then a summary. Nothing attached is touched." },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Does some command (or the global table) know this option, and does a
 * value follow it? -1: nobody knows it. */
static int option_known(const char *name, int letter)
{
	const struct opt_def *d = opt_find(global_options, name, letter);
	size_t i;

	for (i = 0; !d && i < ARRAY_SIZE(commands); i++)
		d = opt_find(commands[i].options, name, letter);
	return d ? opt_takes_value(d) : -1;
}

/* Where the command word stands: the first argument that is neither an
 * option nor an option's value (options may come before and after it).
 * 0 if there is none. */
static int command_index(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *p;
		char name[64];

		if (!strcmp(a, "--"))
			return i + 1 < argc ? i + 1 : 0;
		if (a[0] != '-' || !a[1])
			return i;
		if (a[1] == '-') {
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(a + 2, "="), a + 2);
			if (!strchr(a, '=') && option_known(name, 0) == 1)
				i++;
			continue;
		}
		for (p = a + 1; *p; p++) /* -vq, -n5, -n 5 */
			if (option_known(NULL, *p) == 1) {
				if (!p[1])
					i++;
				break;
			}
	}
	return 0;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: synlimit [OPTIONS] COMMAND [ARGS]\n\n"
		     "Stop TCP connection floods at the NIC: per-source limits on connection\n"
		     "attempts, enforced by an XDP program.\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out, "\nOptions:\n");
	opt_print_help(out, global_options, &global_defaults);
	fprintf(out, "\nExit status: 0 success, 1 runtime failure, 2 bad usage or invalid input.\n"
		     "See synlimit(8) and synlimit.limits(5).\n");
}

static void command_usage(const struct command *c, FILE *out)
{
	fprintf(out, "Usage: synlimit %s\n\n%s\n", c->usage, c->help);
	if (c->options[0].name || c->options[0].short_name) {
		fprintf(out, "\nOptions:\n");
		opt_print_help(out, c->options, c->defaults);
	}
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
	_Alignas(max_align_t) unsigned char cmd_opts[128] = { 0 };
	struct opt_table tables[2] = { { global_options, &g, 0 } };
	const struct command *cmd = NULL;
	int at = command_index(argc, argv), first, nargs, err;
	char bad[64];

	g = global_defaults;
	if (at) {
		cmd = find_command(argv[at]);
		if (!cmd) {
			pr_warn("unknown command '%s'\n", argv[at]);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (cmd->opts_size > sizeof(cmd_opts)) { /* a new command's options outgrew it */
			pr_warn("%s: its options need more than %zu bytes\n", cmd->name,
				sizeof(cmd_opts));
			return EXIT_RUNTIME;
		}
		memcpy(cmd_opts, cmd->defaults, cmd->opts_size);
		tables[1] = (struct opt_table){ cmd->options, cmd_opts, 0 };
	}
	err = opt_parse(argc, argv, tables, cmd ? 2 : 1, &first, bad, sizeof(bad));
	if (err == -ENOENT && cmd && option_known(bad[1] == '-' ? bad + 2 : NULL, bad[1]) >= 0) {
		/* options the command does not take are a usage error, not ignored */
		pr_warn("%s: %s does not apply to it\n", cmd->name, bad);
		command_usage(cmd, stderr);
		return EXIT_USAGE;
	}
	if (err == -ENOENT)
		pr_warn("unknown option '%s'\n", bad);
	if (err) {
		if (err == -ENOENT)
			usage(stderr);
		return EXIT_USAGE;
	}
	if (g.version)
		return cmd_version();
	log_level = (enum log_level)g.log_level;
	log_libbpf_init();
	if (!cmd) {
		usage(g.help ? stdout : stderr);
		return g.help ? 0 : EXIT_USAGE;
	}
	if (g.help) {
		command_usage(cmd, stdout);
		return 0;
	}
	/* what getopt left, in order: [--] COMMAND ARGS... */
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	nargs = argc - first - 1;
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		command_usage(cmd, stderr);
		return EXIT_USAGE;
	}
	return cmd->run(
	    &(struct invocation){ cmd, cmd_opts, tables[1].given, nargs, argv + first + 1 });
}
