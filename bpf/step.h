/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The locked rate step of a source's state, shared by the full way and the
 * flood cache (which moves a blocked source's rate to a new tick itself).
 */
#ifndef SYNLIMIT_STEP_H
#define SYNLIMIT_STEP_H

#include <linux/bpf.h>
#include "synlimit/abi.h"
#include "synlimit/rate.h"

/* Tries of the locked step against CPUs adding without the lock. Each
 * failed try means another CPU's add landed, and a CPU has one add in
 * flight, so 2 CPUs need at most 2 tries, N CPUs N. */
#define STEP_TRIES 8

/*
 * The rate step of a state other CPUs may be adding to (see fast_attempt),
 * under the source's lock: computed on the rate as read, and stored only
 * if no add landed meanwhile (compare-and-swap), else computed again on the
 * new rate, so the verdict is that of the rate it replaced. After
 * STEP_TRIES, the step is stored anyway and the adds that landed are added
 * back on top: no attempt is lost, one verdict may not have seen them.
 * only_over: the step is stored only where it is over (0: nothing stored).
 */
static __always_inline int step_locked(struct source_state *state, const struct rule *rule,
				       __u64 now, int only_over)
{
	struct source_state next;
	__u64 seen = 0, old;
	int is_over = 0, i;

#pragma clang loop unroll(disable)
	for (i = 0; i < STEP_TRIES; i++) {
		next = *state;
		seen = next.value;
		is_over = rate_step(&next, rule, now);
		if (only_over && !is_over)
			return 0;
		if (next.value == seen ||
		    __sync_val_compare_and_swap(&state->value, seen, next.value) == seen)
			goto stored;
	}
	old = __sync_lock_test_and_set(&state->value, next.value);
	__sync_fetch_and_add(&state->value, old - seen);
stored:
	/* stamp_ns last: a CPU that sees the new stamp adds to the new rate */
	state->shape = next.shape;
	state->stamp_ns = next.stamp_ns;
	return is_over;
}

#endif /* SYNLIMIT_STEP_H */
