/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* xorshift64*: a small PRNG whose sequence is the same on every machine, so
 * a failing random trace can be replayed from the printed seed. */
#ifndef SYNLIMIT_TEST_RNG_H
#define SYNLIMIT_TEST_RNG_H

#include <linux/types.h>

static __u64 rng_state = 0x5eed5eed12345678ULL;

static inline __u64 rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

#endif /* SYNLIMIT_TEST_RNG_H */
