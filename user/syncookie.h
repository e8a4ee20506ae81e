/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Cookie mode's setup (include/synlimit/cookie.h): per interface, a TC
 * ingress program (bpf/syncookie_tc.bpf.c) attached through a tcx bpf_link
 * pinned as PIN_DIR/tclink_IFINDEX, and the interface's entry in the
 * cookie_ifaces map; once, the cookie secret and settings; and
 * net.ipv4.tcp_syncookies, set to 1 only if it was 0, and put back when the
 * last interface goes.
 */
#ifndef SYNLIMIT_SYNCOOKIE_H
#define SYNLIMIT_SYNCOOKIE_H

#include <linux/types.h>
#include <stddef.h>
#include <net/if.h>
#include "synlimit/cookie.h"

struct syncookie_tc_bpf;

/* The maps cookie mode adds to the pinned set (user/loader.c). */
#define SYNCOOKIE_PINNED_MAPS                                                                      \
	"cookie_config", "cookie_ifaces", "cookie_ports", "verified", "cookie_budget"

struct syncookie_options {
	enum cookie_mode mode;
	int ports_given;
	__u64 ports[COOKIE_PORT_WORDS]; /* --syncookie-ports, as bits */
	int cap_given;
	__u64 synack_cap; /* --synack-cap N (0: none) */
};

/* "25,465,587,8000-8099" into bits. 0 or -EINVAL (with *why). */
int syncookie_parse_ports(const char *text, __u64 bits[COOKIE_PORT_WORDS], const char **why);

/*
 * Open and load the TC program with every map it shares with the XDP
 * program taken from map_fd(name, arg) (a pin directory, or the tests'
 * skeleton). NULL with errno set on failure.
 */
struct syncookie_tc_bpf *syncookie_tc_load(int (*map_fd)(const char *name, void *arg), void *arg,
					   int fixed_clock);

/* Write the settings the data path reads (and the port bits, if given),
 * choosing a secret and the defaults on first use. 0 or -errno. */
int syncookie_configure(int config_fd, int ports_fd, const struct syncookie_options *opts);

/* Cookie mode on ifname (attached to by synlimit already): 0 when turned
 * on now, 1 when it was on already (its mode set to opts->mode), or -errno
 * (reported). */
int syncookie_attach(const char *pin_dir, const char *ifname, const struct syncookie_options *opts);

/* Cookie mode off on ifindex: the TC link, the entry, and the sysctl with
 * the last one. 0, or -ENOENT when it had none. */
int syncookie_detach(const char *pin_dir, __u32 ifindex);

struct syncookie_iface_status {
	char mode[8];	 /* "on", "auto" */
	int active;	 /* cookies being sent now */
	__u64 last_rate; /* auto: attempts in the last second */
	__u32 tc_prog_id;
};

/* The cookie mode of ifindex: 0 (filled), or -ENOENT (off). */
int syncookie_iface_status(const char *pin_dir, __u32 ifindex, struct syncookie_iface_status *out);

/* Whether addr (the 128-bit space) is in the verified table: 1 (with its
 * age in *age_ns), 0, or -errno. */
int syncookie_verified(const char *pin_dir, const void *addr, __u64 now_ns, __u64 *age_ns);

struct json;

/* For status: "syncookies": "off" or {mode, active, attempts_per_s,
 * tc_program_id}; and the same as one line of text. */
void syncookie_status_json(struct json *j, const char *pin_dir, __u32 ifindex);
char *syncookie_status_text(const char *pin_dir, __u32 ifindex, char *buf, size_t size);

struct synlimit_event;

/* watch: an auto-mode transition, as a line of text or JSON. Returns 0. */
int syncookie_print_event(const struct synlimit_event *ev, int json);

#endif /* SYNLIMIT_SYNCOOKIE_H */
