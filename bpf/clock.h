/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one place a program reads the time, shared by the XDP program and the
 * cookie-checking TC program. With cfg_fixed_clock unset the verifier sees
 * a constant and removes the map read from the program; tests and replay
 * set it and supply the time in fixed_clock (bpf/maps.h).
 */
#ifndef SYNLIMIT_CLOCK_H
#define SYNLIMIT_CLOCK_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"

const volatile __u8 cfg_fixed_clock = 0;

/* coarse: the time of the last tick (CLOCK_MONOTONIC_COARSE, a few ns where
 * the exact clock costs about 30), for uses where a tick does not matter. */
static __always_inline __u64 clock_now(int coarse)
{
	if (cfg_fixed_clock) {
		__u32 zero = 0;
		__u64 *now = bpf_map_lookup_elem(&fixed_clock, &zero);

		return now ? *now : 0;
	}
	return coarse ? bpf_ktime_get_coarse_ns() : bpf_ktime_get_ns();
}

#endif /* SYNLIMIT_CLOCK_H */
