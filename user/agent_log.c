// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <systemd/sd-journal.h>
#include "agent_log.h"
#include "json.h"

/* syslog.h (through sd-journal.h) names priorities LOG_INFO and LOG_DEBUG,
 * as log.h names its levels: keep the priorities, then take log.h's names. */
enum {
	PRIO_WARNING = LOG_WARNING,
	PRIO_NOTICE = LOG_NOTICE,
	PRIO_INFO = LOG_INFO,
	PRIO_DEBUG = LOG_DEBUG,
};
#undef LOG_INFO
#undef LOG_DEBUG
#include "log.h"

/* journalctl MESSAGE_ID=... finds every block (or unblock) event. */
#define MESSAGE_ID_BLOCK   "dfd5c7cf68484a3ba09ac11b761d66f8"
#define MESSAGE_ID_UNBLOCK "377a58a2626144a1a80c6580b67b13af"

static enum log_format log_format = LOG_FORMAT_TEXT;

/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it connected stderr
 * to: only then is stderr the journal (not a redirect by a child shell). */
static int stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!stream || sscanf(stream, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st))
		return 0;
	return st.st_dev == dev && st.st_ino == ino;
}

static void now_text(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *level_name(enum log_level level)
{
	return level == LOG_WARN ? "warning" : level == LOG_INFO ? "info" : "debug";
}

/* prefix: in text only, after the time ("warning: ") */
static void log_line(enum log_level level, const char *prefix, const char *message)
{
	size_t len = strlen(message);
	char when[32];

	while (len && message[len - 1] == '\n')
		len--;
	if (log_format == LOG_FORMAT_JOURNAL) {
		int prio = level == LOG_WARN   ? PRIO_WARNING
			   : level == LOG_INFO ? PRIO_INFO
					       : PRIO_DEBUG;

		sd_journal_send("MESSAGE=%.*s", (int)len, message, "PRIORITY=%d", prio,
				"SYSLOG_IDENTIFIER=synlimit", NULL);
		return;
	}
	now_text(when, sizeof(when));
	if (log_format == LOG_FORMAT_JSON) {
		char *copy = strndup(message, len);
		struct json j;

		json_init(&j, stderr);
		json_object_begin(&j);
		json_key(&j, "time");
		json_string(&j, when);
		json_key(&j, "level");
		json_string(&j, level_name(level));
		json_key(&j, "message");
		json_string(&j, copy ? copy : "(out of memory)");
		json_object_end(&j);
		json_end_line(&j);
		free(copy);
	} else {
		fprintf(stderr, "%s %s%.*s\n", when, prefix, (int)len, message);
	}
	fflush(stderr);
}

static void sink(enum log_level level, const char *message)
{
	log_line(level, level == LOG_WARN ? "warning: " : "", message);
}

enum log_format agent_log_open(enum log_format format)
{
	if (format == LOG_FORMAT_AUTO)
		format = stderr_is_journal() ? LOG_FORMAT_JOURNAL : LOG_FORMAT_TEXT;
	log_format = format;
	log_set_sink(sink);
	return format;
}

void agent_log_close(void)
{
	log_set_sink(NULL);
}

void agent_log_event(const struct event_view *v)
{
	char *line = NULL, rate[32] = "";
	size_t len = 0;
	FILE *out;

	if (log_format == LOG_FORMAT_JSON) {
		struct json j;

		json_init(&j, stderr);
		json_object_begin(&j);
		event_json_fields(&j, v);
		json_object_end(&j);
		json_end_line(&j);
		fflush(stderr);
		return;
	}
	out = open_memstream(&line, &len);
	if (!out)
		return;
	event_text(out, v);
	if (fclose(out))
		return;
	if (log_format == LOG_FORMAT_JOURNAL) {
		if (v->has_rate)
			snprintf(rate, sizeof(rate), "%.2f", v->rate);
		sd_journal_send(
		    "MESSAGE=%s", line, "PRIORITY=%d", PRIO_NOTICE, "SYSLOG_IDENTIFIER=synlimit",
		    "MESSAGE_ID=%s", v->unblock ? MESSAGE_ID_UNBLOCK : MESSAGE_ID_BLOCK,
		    "SYNLIMIT_EVENT=%s", v->type, "SYNLIMIT_ADDR=%s", v->addr, "SYNLIMIT_RULE=%s",
		    v->rule, "SYNLIMIT_RATE=%s", rate, "SYNLIMIT_DROPS=%llu",
		    (unsigned long long)v->drops, "SYNLIMIT_DRY_RUN=%d", v->dry_run, NULL);
	} else {
		fprintf(stderr, "%s %s\n", v->when, line);
		fflush(stderr);
	}
	free(line);
}

struct diag_line {
	char text[1024];
	size_t len;
};

static ssize_t diag_write(void *cookie, const char *buf, size_t size)
{
	struct diag_line *line = cookie;
	size_t i;

	for (i = 0; i < size; i++) {
		if (buf[i] != '\n' && line->len < sizeof(line->text) - 1) {
			line->text[line->len++] = buf[i];
			continue;
		}
		if (buf[i] != '\n')
			continue; /* the rest of an overlong line */
		line->text[line->len] = '\0';
		if (line->len) /* FILE:LINE: [warning: ]message as the parser wrote it */
			log_line(LOG_WARN, "", line->text);
		line->len = 0;
	}
	return (ssize_t)size;
}

static int diag_close(void *cookie)
{
	struct diag_line *line = cookie;

	if (line->len) {
		line->text[line->len] = '\0';
		log_line(LOG_WARN, "", line->text);
	}
	free(line);
	return 0;
}

FILE *agent_log_diag_open(void)
{
	cookie_io_functions_t io = { .write = diag_write, .close = diag_close };
	struct diag_line *line = calloc(1, sizeof(*line));
	FILE *diag = line ? fopencookie(line, "w", io) : NULL;

	if (!diag) {
		free(line);
		return NULL;
	}
	setvbuf(diag, NULL, _IOLBF, 0);
	return diag;
}
