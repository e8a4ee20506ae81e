/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * synlimit replay: every packet of a capture through the real XDP program
 * (BPF_PROG_TEST_RUN), its clock set to the packet's timestamp, so a limits
 * file can be tried on real traffic before it is deployed.
 */
#ifndef SYNLIMIT_REPLAY_H
#define SYNLIMIT_REPLAY_H

#include "limits_file.h"

/* Returns 0, -EINVAL for an unreadable capture (reported), or -errno. */
int replay_run(const char *limits_path, const struct limits *limits, const char *capture, int json);

#endif /* SYNLIMIT_REPLAY_H */
