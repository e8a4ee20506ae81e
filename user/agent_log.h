/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The agent's log: its messages and every block and unblock event, to the
 * journal with structured fields (SYNLIMIT_EVENT=, SYNLIMIT_ADDR=, ...) when
 * it runs under systemd, else one line each on stderr, as text or JSON.
 */
#ifndef SYNLIMIT_AGENT_LOG_H
#define SYNLIMIT_AGENT_LOG_H

#include "event.h"

enum log_format {
	LOG_FORMAT_AUTO = 0, /* journal when stderr is systemd's journal stream, else text */
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
	LOG_FORMAT_JOURNAL,
};

/* Route every message (pr_warn, pr_info, ...) through the log; returns the
 * format in use (never AUTO). */
enum log_format agent_log_open(enum log_format format);
void agent_log_close(void);

void agent_log_event(const struct event_view *v);

/* A stream for the limits file's FILE:LINE messages: each line becomes a
 * warning of its own in the log. Close it with fclose(). */
FILE *agent_log_diag_open(void);

#endif /* SYNLIMIT_AGENT_LOG_H */
