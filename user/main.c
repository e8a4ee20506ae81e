// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * synlimit: global options, command table, dispatch, and the commands that
 * change the data path (attach, detach, reload) or only read a file (check).
 * Exit status: 0 success, 1 runtime failure, 2 bad usage or invalid input.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "addr.h"
#include "limit_table.h"
#include "limits_file.h"
#include "loader.h"
#include "log.h"
#include "replay.h"
#include "report.h"
#include "synlimit.skel.h"
#include "synlimit/abi.h"
#include "watch.h"
#include "xdp.h"

#define SYNLIMIT_VERSION "0.1.0"
#define EXIT_RUNTIME	 1
#define EXIT_USAGE	 2

enum opt_bit {
	O_JSON = 1 << 0,
	O_LIMITS = 1 << 1,
	O_MODE = 1 << 2,
	O_PERIOD = 1 << 3,
	O_DRY_RUN = 1 << 4,
	O_ALL = 1 << 5,
	O_TOP_N = 1 << 6,
	O_SIZES = 1 << 7,
};

struct options {
	const char *pin_dir;
	const char *limits;
	int json, dry_run, all, top_n;
	int xdp_mode_set, bare_mode_set, period_set;
	enum xdp_mode xdp_mode;
	int leaky;
	__u64 period_ns;
	__u32 max_sources, max_blocked;
	unsigned int given; /* enum opt_bit */
};

struct command {
	const char *name;
	int (*run)(struct options *o, int argc, char **argv);
	int min_args, max_args;
	unsigned int takes; /* enum opt_bit */
	const char *usage;
	const char *help;
};

static const struct command *find_command(const char *name);

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

/* Open the pinned data path; a clear message and an exit status if not. */
static int open_pinned(const struct options *o, int read_only, struct loaded *l)
{
	int err = loader_open(o->pin_dir, read_only, l);

	if (err)
		loader_explain(o->pin_dir, err);
	return err ? EXIT_RUNTIME : 0;
}

static int load_limits(const char *path, __u64 period_ns, int leaky, int dry_run,
		       struct limits *limits)
{
	struct limits_options lo = {
		.period_ns = period_ns,
		.leaky = leaky,
		.dry_run = dry_run,
		.diag = stderr,
	};
	int err = limits_load(path, &lo, limits);

	if (err == -ENOMEM)
		pr_warn("%s: out of memory\n", path);
	else if (err && limits->errors)
		pr_warn("%s: %d error%s, nothing changed\n", path, limits->errors,
			limits->errors == 1 ? "" : "s");
	return err;
}

/* Install a parsed file as the live table and record it in the config. */
static int install_limits(const struct loaded *l, const char *path, const struct limits *limits,
			  struct synlimit_config *config)
{
	char *real = realpath(path, NULL);
	int table = limit_table_create(limits->entries, limits->count), err;

	if (table < 0) {
		pr_warn("cannot create the limit table: %s\n", strerror(-table));
		free(real);
		return table;
	}
	err = limit_table_swap(l->tables_fd, table);
	close(table);
	if (err) {
		pr_warn("cannot swap in the new limit table: %s\n", strerror(-err));
		free(real);
		return err;
	}
	snprintf(config->limits_path, sizeof(config->limits_path), "%s", real ? real : path);
	free(real);
	config->rule_count = (__u32)limits->count;
	config->loaded_at = (__u64)time(NULL);
	err = config_write(l, config);
	if (err)
		pr_warn("the new limits are live, but recording them failed: %s\n", strerror(-err));
	return err;
}

/* ---- attach, detach, reload, check ---- */

static int cmd_attach(struct options *o, int argc, char **argv)
{
	struct load_options lo = { .max_sources = o->max_sources, .max_blocked = o->max_blocked };
	struct synlimit_config config;
	struct limits limits = { 0 };
	struct loaded l;
	int attached[64] = { 0 }, created = 0, i, err, rc = EXIT_RUNTIME;

	if (argc > 64) {
		pr_warn("attach: at most 64 interfaces at once\n");
		return EXIT_USAGE;
	}
	for (i = 0; i < argc; i++)
		if (!if_nametoindex(argv[i])) {
			pr_warn("%s: no such interface\n", argv[i]);
			return EXIT_USAGE;
		}
	if (need_caps("attach", 1))
		return EXIT_RUNTIME;
	if (o->limits && load_limits(o->limits, o->period_ns, o->leaky, o->dry_run, &limits))
		return EXIT_USAGE;
	if (limits.warnings)
		pr_info("%s: %d warning%s\n", o->limits, limits.warnings,
			limits.warnings == 1 ? "" : "s");
	if (loader_ensure_bpffs(o->pin_dir))
		goto out;

	err = loader_open(o->pin_dir, 0, &l);
	if (err == -ENOENT) {
		err = loader_create(o->pin_dir, &lo, &l);
		if (err == -EEXIST) /* another controller was quicker: use its load */
			err = loader_open(o->pin_dir, 0, &l);
		else
			created = !err;
	}
	if (err) {
		if (err != -EPROTO)
			pr_warn("cannot load or open %s: %s\n", o->pin_dir, strerror(-err));
		goto out;
	}
	if (config_read(&l, &config))
		goto close;
	if (created) {
		config.bare_period_ns = o->period_ns;
		config.flags =
		    (o->dry_run ? CONFIG_F_DRY_RUN : 0) | (o->leaky ? CONFIG_F_LEAKY : 0);
	} else if (o->given & (O_DRY_RUN | O_PERIOD) || o->bare_mode_set) {
		if (!o->limits) {
			pr_warn(
			    "attach: already loaded; --dry-run, --period and --mode strict|leaky "
			    "change how limits are compiled: give --limits FILE too, or use "
			    "reload\n");
			rc = EXIT_USAGE;
			goto close;
		}
		config.bare_period_ns = o->period_ns;
		config.flags =
		    (o->dry_run ? CONFIG_F_DRY_RUN : 0) | (o->leaky ? CONFIG_F_LEAKY : 0);
	} else if (o->given & O_SIZES) {
		pr_warn("attach: already loaded with its table sizes; --max-sources and "
			"--max-blocked apply to a first attach (detach --all to change them)\n");
	}
	/* limits first, so they are in force the moment a packet arrives */
	if (o->limits) {
		if (install_limits(&l, o->limits, &limits, &config))
			goto rollback;
		pr_info("%s: %zu rules loaded\n", o->limits, limits.count);
	} else if (created) {
		config_write(&l, &config);
		pr_info("no limits loaded: connection attempts pass until synlimit reload FILE\n");
	}
	for (i = 0; i < argc; i++) {
		err = xdp_attach(&l, argv[i], o->xdp_mode);
		if (err < 0)
			goto rollback;
		attached[i] = err == 0;
		pr_info("%s: %s\n", argv[i], err ? "already attached" : "attached");
	}
	rc = 0;
	goto close;
rollback:
	/* all or nothing: undo what this command attached */
	for (i = 0; i < argc; i++)
		if (attached[i])
			xdp_detach(o->pin_dir, if_nametoindex(argv[i]));
	if (created) {
		struct xdp_iface any[1];

		if (xdp_list(o->pin_dir, any, 1) == 0)
			loader_unpin(o->pin_dir);
	}
close:
	loader_close(&l);
out:
	limits_free(&limits);
	return rc;
}

static int cmd_detach(struct options *o, int argc, char **argv)
{
	struct xdp_iface ifaces[256];
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
	if (o->all) {
		n = xdp_list(o->pin_dir, ifaces, 256);
		for (i = 0; i < n; i++) {
			err = xdp_detach(o->pin_dir, ifaces[i].ifindex);
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

			err = ifindex ? xdp_detach(o->pin_dir, ifindex) : -ENODEV;
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
	if (xdp_list(o->pin_dir, ifaces, 1) == 0 && !access(o->pin_dir, F_OK)) {
		err = loader_unpin(o->pin_dir);
		if (err) {
			pr_warn("cannot remove %s: %s\n", o->pin_dir, strerror(-err));
			rc = EXIT_RUNTIME;
		}
	}
	return rc;
}

static int cmd_reload(struct options *o, int argc, char **argv)
{
	struct synlimit_config config;
	struct limits limits = { 0 };
	struct loaded l;
	int rc = EXIT_RUNTIME;

	(void)argc;
	if (need_caps("reload", 0))
		return EXIT_RUNTIME;
	if (open_pinned(o, 0, &l))
		return EXIT_RUNTIME;
	if (config_read(&l, &config))
		goto close;
	/* bare numbers keep the period and mode they were attached with */
	if (o->period_set)
		config.bare_period_ns = o->period_ns;
	if (o->bare_mode_set)
		config.flags = (config.flags & ~CONFIG_F_LEAKY) | (o->leaky ? CONFIG_F_LEAKY : 0);
	if (load_limits(argv[0], config.bare_period_ns, !!(config.flags & CONFIG_F_LEAKY),
			!!(config.flags & CONFIG_F_DRY_RUN), &limits)) {
		rc = EXIT_USAGE;
		goto close;
	}
	config.reloads++;
	if (!install_limits(&l, argv[0], &limits, &config)) {
		pr_info("%s: %zu rules loaded%s\n", argv[0], limits.count,
			limits.warnings ? " (see the warnings above)" : "");
		rc = 0;
	}
	limits_free(&limits);
close:
	loader_close(&l);
	return rc;
}

static int cmd_check(struct options *o, int argc, char **argv)
{
	struct limits limits = { 0 };

	(void)argc;
	size_t i;

	if (load_limits(argv[0], o->period_ns, o->leaky, 0, &limits))
		return EXIT_USAGE;
	/* -v: each rule as it will be enforced */
	for (i = 0; i < limits.count && log_level >= LOG_DEBUG; i++) {
		const struct limit_entry *e = &limits.entries[i];
		char key[ADDR_TEXT_MAX], spec[128];

		printf("%s:%u: %s %s\n", argv[0], e->rule.line,
		       addr_format(&e->key.addr, e->key.prefixlen, key, sizeof(key)),
		       format_rule(&e->rule, spec, sizeof(spec)));
	}
	printf("%s: %zu rules, no errors, %d warning%s\n", argv[0], limits.count, limits.warnings,
	       limits.warnings == 1 ? "" : "s");
	limits_free(&limits);
	return 0;
}

/* ---- the read-only commands ---- */

static int cmd_status(struct options *o, int argc, char **argv)
{
	struct report_options ro = { .json = o->json };

	(void)argc, (void)argv;
	return report_status(o->pin_dir, &ro) ? EXIT_RUNTIME : 0;
}

#define READ_COMMAND(fn, call)                                                                     \
	static int fn(struct options *o, int argc, char **argv)                                    \
	{                                                                                          \
		struct report_options ro = { .json = o->json, .top_n = o->top_n };                 \
		struct loaded l;                                                                   \
		int err;                                                                           \
                                                                                                   \
		(void)argc, (void)argv;                                                            \
		if (open_pinned(o, 1, &l))                                                         \
			return EXIT_RUNTIME;                                                       \
		err = call;                                                                        \
		loader_close(&l);                                                                  \
		return err == -EINVAL ? EXIT_USAGE : err ? EXIT_RUNTIME : 0;                       \
	}

READ_COMMAND(cmd_stats, report_stats(&l, &ro))
READ_COMMAND(cmd_blocked, report_blocked(&l, &ro))
READ_COMMAND(cmd_top, report_top(&l, &ro))
READ_COMMAND(cmd_show, report_show(&l, argv[0], &ro))

static int cmd_watch(struct options *o, int argc, char **argv)
{
	struct loaded l;
	int err;

	(void)argc, (void)argv;
	/* consuming the ring buffer moves its consumer position: read-write */
	if (open_pinned(o, 0, &l))
		return EXIT_RUNTIME;
	err = watch_run(&l, o->json);
	loader_close(&l);
	return err ? EXIT_RUNTIME : 0;
}

static int cmd_replay(struct options *o, int argc, char **argv)
{
	struct limits limits = { 0 };
	int err;

	(void)argc;
	if (!o->limits) {
		pr_warn("replay: --limits FILE is required\n");
		return EXIT_USAGE;
	}
	if (load_limits(o->limits, o->period_ns, o->leaky, 0, &limits))
		return EXIT_USAGE;
	if (need_caps("replay", 0)) {
		limits_free(&limits);
		return EXIT_RUNTIME;
	}
	err = replay_run(o->limits, &limits, argv[0], o->json);
	limits_free(&limits);
	return err == -EINVAL ? EXIT_USAGE : err ? EXIT_RUNTIME : 0;
}

/* ---- the table ---- */

static const struct command commands[] = {
	{ "attach", cmd_attach, 1, 64, O_LIMITS | O_MODE | O_PERIOD | O_DRY_RUN | O_SIZES,
	  "attach IFACE... [--limits FILE] [--mode auto|native|generic] [--dry-run]\n"
	  "       [--period DURATION] [--mode strict|leaky] [--max-sources N] [--max-blocked N]",
	  "Load the XDP program once (pinned under the pin directory), load FILE's limits,\n"
	  "and attach to each interface; all or nothing. Never replaces an XDP program\n"
	  "synlimit did not attach. --mode auto (default) is native where the driver has\n"
	  "it, else generic. --dry-run counts what would be dropped and drops nothing.\n"
	  "--period and --mode strict|leaky apply to bare-number limits (default 5s strict).\n"
	  "--max-sources (default 262144) and --max-blocked (default 65536) size the\n"
	  "state tables on the first attach." },
	{ "detach", cmd_detach, 0, 64, O_ALL, "detach IFACE... | --all",
	  "Detach from the interfaces; the pinned maps and program go with the last one." },
	{ "reload", cmd_reload, 1, 1, O_MODE | O_PERIOD,
	  "reload FILE [--period D] [--mode strict|leaky]",
	  "Validate FILE, then swap in its limits atomically: a packet sees the old table or\n"
	  "the new one. Counters and every source's history are kept. A bad file changes\n"
	  "nothing. Bare numbers keep the period and mode given at attach unless set here." },
	{ "check", cmd_check, 1, 1, O_MODE | O_PERIOD,
	  "check FILE [--period D] [--mode strict|leaky]",
	  "Validate FILE only: every error and warning as FILE:LINE: message." },
	{ "status", cmd_status, 0, 0, O_JSON, "status [--json]",
	  "Interfaces and modes, program, limits file and its load time, totals." },
	{ "stats", cmd_stats, 0, 0, O_JSON, "stats [--json]",
	  "Counters: packets, connection attempts, passed, dropped by reason, evictions." },
	{ "blocked", cmd_blocked, 0, 0, O_JSON, "blocked [--json]",
	  "Sources (or aggregated prefixes) blocked now: rule FILE:LINE, limit, rate, drops,\n"
	  "since when and how long until an attempt passes again." },
	{ "top", cmd_top, 0, 0, O_JSON | O_TOP_N, "top [--json] [-n N]",
	  "The N (default 10) sources with the highest rate now; blocked ones first." },
	{ "show", cmd_show, 1, 1, O_JSON, "show ADDR [--json]",
	  "The rule that applies to ADDR (FILE:LINE) and ADDR's state." },
	{ "watch", cmd_watch, 0, 0, O_JSON, "watch [--json]",
	  "Stream block and unblock events until interrupted (one JSON object a line with\n"
	  "--json). One watcher at a time: watchers share the ring buffer." },
	{ "replay", cmd_replay, 1, 1, O_LIMITS | O_JSON | O_MODE | O_PERIOD,
	  "replay --limits FILE CAPTURE.pcap [--json]",
	  "Run every packet of an Ethernet capture through the real XDP program with its\n"
	  "clock set to the packet's timestamp and FILE's limits; one line per packet with\n"
	  "its verdict, then a summary. Nothing attached is touched." },
};

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: synlimit [OPTIONS] COMMAND [ARGS]\n\n"
		     "Stop TCP connection floods at the NIC: per-source limits on connection\n"
		     "attempts, enforced by an XDP program.\n\nCommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out,
		"\nOptions:\n"
		"  --pin-dir DIR   where the data path is pinned (default %s)\n"
		"  -v, --verbose   more detail, libbpf's messages too\n"
		"  -q, --quiet     warnings and errors only\n"
		"  -h, --help      this help; synlimit COMMAND --help for one command\n"
		"  -V, --version   version and ABI\n\n"
		"Exit status: 0 success, 1 runtime failure, 2 bad usage or invalid input.\n"
		"See synlimit(8) and synlimit.limits(5).\n",
		PIN_DIR_DEFAULT);
}

static void command_usage(const struct command *c, FILE *out)
{
	fprintf(out, "Usage: synlimit %s\n\n%s\n", c->usage, c->help);
}

static int cmd_version(void)
{
	size_t size = 0;

	synlimit_bpf__elf_bytes(&size);
	printf("synlimit %s (ABI %d, XDP object %zu bytes)\n", SYNLIMIT_VERSION,
	       SYNLIMIT_ABI_VERSION, size);
	return 0;
}

static int parse_u32(const char *text, __u32 lo, __u32 hi, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = (__u32)v;
	return 0;
}

enum {
	OPT_PIN_DIR = 256,
	OPT_JSON,
	OPT_LIMITS,
	OPT_MODE,
	OPT_PERIOD,
	OPT_DRY_RUN,
	OPT_ALL,
	OPT_MAX_SOURCES,
	OPT_MAX_BLOCKED,
};

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "limits", required_argument, NULL, OPT_LIMITS },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "max-sources", required_argument, NULL, OPT_MAX_SOURCES },
		{ "max-blocked", required_argument, NULL, OPT_MAX_BLOCKED },
		{},
	};
	struct options o = { .pin_dir = PIN_DIR_DEFAULT,
			     .period_ns = 5 * NSEC_PER_SEC,
			     .top_n = 10 };
	const struct command *cmd = NULL;
	int c, help = 0, nargs;
	__u32 n;

	while ((c = getopt_long(argc, argv, "hVvqn:", long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help = 1;
			break;
		case 'V':
			return cmd_version();
		case 'v':
			log_level = LOG_DEBUG;
			break;
		case 'q':
			log_level = LOG_WARN;
			break;
		case 'n':
			if (parse_u32(optarg, 1, 1000000, &n)) {
				pr_warn("-n takes a number from 1 to 1000000, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			o.top_n = (int)n;
			o.given |= O_TOP_N;
			break;
		case OPT_PIN_DIR:
			if (optarg[0] != '/' || strlen(optarg) > 200) {
				pr_warn("--pin-dir takes an absolute path (at most 200 bytes)\n");
				return EXIT_USAGE;
			}
			o.pin_dir = optarg;
			break;
		case OPT_JSON:
			o.json = 1;
			o.given |= O_JSON;
			break;
		case OPT_LIMITS:
			o.limits = optarg;
			o.given |= O_LIMITS;
			break;
		case OPT_MODE:
			o.given |= O_MODE;
			if (!strcmp(optarg, "auto") || !strcmp(optarg, "native") ||
			    !strcmp(optarg, "generic")) {
				o.xdp_mode = optarg[0] == 'a'	? XDP_MODE_AUTO
					     : optarg[0] == 'n' ? XDP_MODE_NATIVE
								: XDP_MODE_GENERIC;
				o.xdp_mode_set = 1;
			} else if (!strcmp(optarg, "strict") || !strcmp(optarg, "leaky")) {
				o.leaky = optarg[0] == 'l';
				o.bare_mode_set = 1;
			} else {
				pr_warn("--mode takes auto, native or generic (XDP), or strict or "
					"leaky (bare-number limits), not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_PERIOD:
			if (parse_duration(optarg, &o.period_ns) || o.period_ns < PERIOD_MIN_NS ||
			    o.period_ns > PERIOD_MAX_NS || o.period_ns % NSEC_PER_MSEC) {
				pr_warn(
				    "--period takes whole milliseconds from 1ms to 1d (e.g. 5s), "
				    "not '%s'\n",
				    optarg);
				return EXIT_USAGE;
			}
			o.period_set = 1;
			o.given |= O_PERIOD;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			o.given |= O_DRY_RUN;
			break;
		case OPT_ALL:
			o.all = 1;
			o.given |= O_ALL;
			break;
		case OPT_MAX_SOURCES:
		case OPT_MAX_BLOCKED:
			if (parse_u32(optarg, 64, 1U << 26, &n)) {
				pr_warn("--max-%s takes a number from 64 to 67108864, not '%s'\n",
					c == OPT_MAX_SOURCES ? "sources" : "blocked", optarg);
				return EXIT_USAGE;
			}
			*(c == OPT_MAX_SOURCES ? &o.max_sources : &o.max_blocked) = n;
			o.given |= O_SIZES;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_libbpf_init();
	if (optind < argc) {
		cmd = find_command(argv[optind]);
		if (!cmd) {
			pr_warn("unknown command '%s'\n", argv[optind]);
			usage(stderr);
			return EXIT_USAGE;
		}
		optind++;
	}
	if (!cmd) {
		usage(help ? stdout : stderr);
		return help ? 0 : EXIT_USAGE;
	}
	if (help) {
		command_usage(cmd, stdout);
		return 0;
	}
	/* options the command does not take are a usage error, not ignored */
	if (o.given & ~cmd->takes) {
		pr_warn("%s: an option given does not apply to it\n", cmd->name);
		command_usage(cmd, stderr);
		return EXIT_USAGE;
	}
	if (o.xdp_mode_set && strcmp(cmd->name, "attach")) {
		pr_warn("%s: --mode auto|native|generic applies to attach only\n", cmd->name);
		return EXIT_USAGE;
	}
	nargs = argc - optind;
	if (nargs < cmd->min_args || nargs > cmd->max_args) {
		command_usage(cmd, stderr);
		return EXIT_USAGE;
	}
	return cmd->run(&o, nargs, argv + optind);
}
