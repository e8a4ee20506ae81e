/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attaching to interfaces through bpf_links pinned as PIN_DIR/link_IFINDEX:
 * the link keeps the program attached after we exit, and only we can
 * detach it. A program synlimit did not attach is never replaced.
 */
#ifndef SYNLIMIT_XDP_H
#define SYNLIMIT_XDP_H

#include <linux/types.h>
#include <net/if.h>
#include "loader.h"

enum xdp_mode {
	XDP_MODE_AUTO = 0, /* native where the driver has it, else generic */
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

struct xdp_iface {
	char name[IF_NAMESIZE]; /* "" when the interface is gone */
	__u32 ifindex;
	__u32 link_id;
	__u32 prog_id;
	const char *mode; /* "native", "generic", "offload", "gone", "?" */
};

/* 0: attached; 1: already attached by us (nothing done); -errno (reported). */
int xdp_attach(const struct loaded *l, const char *ifname, enum xdp_mode mode);

/* Detach our link from ifindex and remove its pin. -ENOENT when not ours. */
int xdp_detach(const struct pin_dir *dir, __u32 ifindex);

/* Our pinned links; returns how many (at most max), or -errno. */
int xdp_list(const struct pin_dir *dir, struct xdp_iface *out, int max);

#endif /* SYNLIMIT_XDP_H */
