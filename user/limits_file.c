// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The limits file parser. Line by line, every error reported as
 * FILE:LINE: message; then the checks across lines (duplicate keys, Exim's
 * first-match order, a missing default). Nothing is produced unless the
 * whole file is good.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "addr.h"
#include "clock.h"
#include "limits_file.h"

struct message {
	unsigned int line, seq;
	char *text;
};

struct parser {
	const char *name;
	struct message *msgs; /* printed sorted by line at the end */
	size_t n_msgs, cap_msgs;
	const struct limits_options *opts;
	struct limits *out;
	size_t cap;
	unsigned char *star;	/* per entry: the key was "*" (Exim's default) */
	char **data;		/* per entry: the data, joined with continuation lines */
	unsigned int *key_line; /* per entry: the line that holds the key */
	enum {
		ENTRY_NONE, /* a continuation line here is an error */
		ENTRY_OPEN, /* continuation lines join the last entry */
		ENTRY_SKIP, /* the key line was bad (reported): ignore them */
	} state;
};

__attribute__((format(printf, 3, 4))) static void diag(struct parser *p, unsigned int line,
						       const char *fmt, ...)
{
	struct message *m;
	va_list ap;
	char *text = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (p->n_msgs == p->cap_msgs) {
		size_t cap = p->cap_msgs ? 2 * p->cap_msgs : 16;

		m = realloc(p->msgs, cap * sizeof(*m));
		if (!m) {
			free(text);
			return;
		}
		p->msgs = m;
		p->cap_msgs = cap;
	}
	m = &p->msgs[p->n_msgs];
	m->line = line;
	m->seq = (unsigned int)p->n_msgs++;
	m->text = text;
}

static int cmp_message(const void *a, const void *b)
{
	const struct message *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_messages(struct parser *p)
{
	size_t i;

	if (p->n_msgs)
		qsort(p->msgs, p->n_msgs, sizeof(*p->msgs), cmp_message);
	for (i = 0; i < p->n_msgs; i++) {
		fprintf(p->opts->diag, "%s:%u: %s\n", p->name, p->msgs[i].line, p->msgs[i].text);
		free(p->msgs[i].text);
	}
	free(p->msgs);
	p->msgs = NULL;
	p->n_msgs = p->cap_msgs = 0;
}

#define parse_error(p, line, ...)                                                                  \
	do {                                                                                       \
		diag((p), (line), __VA_ARGS__);                                                    \
		(p)->out->errors++;                                                                \
	} while (0)

#define parse_warning(p, line, fmt, ...)                                                           \
	do {                                                                                       \
		diag((p), (line), "warning: " fmt, __VA_ARGS__);                                   \
		(p)->out->warnings++;                                                              \
	} while (0)

/* "12", "2.5", "0.125": at most 3 decimals, at most 10^9. */
static int parse_limit(const char *text, __u64 *milli)
{
	__u64 whole = 0, frac = 0;
	int digits = 0, decimals = 0;
	const char *s = text;

	while (isdigit((unsigned char)*s)) {
		if (++digits > 10)
			return -ERANGE;
		whole = whole * 10 + (__u64)(*s++ - '0');
	}
	if (!digits)
		return -EINVAL;
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			if (++decimals > 3)
				return -EDOM;
			frac = frac * 10 + (__u64)(*s++ - '0');
		}
		if (!decimals)
			return -EINVAL;
		while (decimals++ < 3)
			frac *= 10;
	}
	if (*s)
		return -EINVAL;
	if (whole > 1000000000ULL || (whole == 1000000000ULL && frac))
		return -ERANGE;
	*milli = whole * 1000 + frac;
	return 0;
}

/* Whole numbers for burst= and per=/: digits only, within [lo, hi]. */
static int parse_count(const char *text, __u64 lo, __u64 hi, __u64 *out)
{
	__u64 v = 0;
	const char *s = text;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (__u64)(*s - '0');
		if (v > hi)
			return -ERANGE;
	}
	if (v < lo)
		return -ERANGE;
	*out = v;
	return 0;
}

/*
 * The data of one entry: "allow", "deny", "N", or "N/PERIOD" followed by
 * words. key_prefix and v4 describe the key, for per=.
 */
static int parse_spec(struct parser *p, unsigned int line, char *data, unsigned int key_prefix,
		      int v4, int star, struct limit_spec *spec)
{
	int seen_mode = 0, seen_algo = 0, seen_burst = 0, seen_block = 0, seen_per = 0;
	int seen_dry = 0, seen_cookies = 0, bad = 0;
	char *save = NULL, *word, *first;
	__u64 per = 0;

	memset(spec, 0, sizeof(*spec));
	spec->line = line;
	spec->per_prefix = 128;
	spec->leaky = p->opts->leaky;
	spec->period_ns = p->opts->period_ns;
	spec->dry_run = p->opts->dry_run;

	first = strtok_r(data, " \t", &save);
	if (!first) {
		/* Exim reads a key with no data as limit 0: refuse every source */
		parse_error(p, line, "no limit after the key (Exim would read it as limit 0)");
		return -EINVAL;
	}
	if (!strcmp(first, "allow")) {
		spec->action = RULE_ALLOW;
	} else if (!strcmp(first, "deny")) {
		spec->action = RULE_DENY;
	} else {
		char *slash = strchr(first, '/');
		int err;

		spec->action = RULE_LIMIT;
		if (slash) {
			*slash = '\0';
			if (parse_duration(slash + 1, &spec->period_ns)) {
				parse_error(p, line, "bad period '%s' (e.g. 500ms, 5s, 1m, 1h, 1d)",
					    slash + 1);
				bad = 1;
			}
		}
		err = parse_limit(first, &spec->limit_milli);
		if (err == -ERANGE) {
			parse_error(p, line, "limit '%s' is over 1000000000", first);
			bad = 1;
		} else if (err == -EDOM) {
			parse_error(p, line, "limit '%s' has more than 3 decimals", first);
			bad = 1;
		} else if (err) {
			parse_error(p, line, "unknown word '%s': expected a limit, allow or deny",
				    first);
			return -EINVAL;
		}
	}

	while ((word = strtok_r(NULL, " \t", &save))) {
		char *value = strchr(word, '=');
		int dup = 0;

		if (value)
			*value++ = '\0';
		if (!strcmp(word, "dry-run") && !value) {
			dup = seen_dry++;
			spec->dry_run = 1;
		} else if (spec->action != RULE_LIMIT) {
			parse_error(p, line, "'%s' does not go with %s (only dry-run does)", word,
				    spec->action == RULE_ALLOW ? "allow" : "deny");
			bad = 1;
			continue;
		} else if ((!strcmp(word, "strict") || !strcmp(word, "leaky")) && !value) {
			dup = seen_mode++;
			spec->leaky = word[0] == 'l';
		} else if ((!strcmp(word, "ewma") || !strcmp(word, "bucket")) && !value) {
			dup = seen_algo++;
			spec->algo = word[0] == 'b' ? ALGO_BUCKET : ALGO_EWMA;
		} else if (!strcmp(word, "burst") && value) {
			dup = seen_burst++;
			if (parse_count(value, 1, 1000000000ULL, &spec->burst)) {
				parse_error(p, line,
					    "burst must be a whole number from 1 to "
					    "1000000000, not '%s'",
					    value);
				bad = 1;
			}
		} else if (!strcmp(word, "block") && value) {
			dup = seen_block++;
			if (parse_duration(value, &spec->block_ns) || !spec->block_ns) {
				parse_error(p, line, "bad block duration '%s' (e.g. 60s, 10m, 1h)",
					    value);
				bad = 1;
			}
		} else if (!strcmp(word, "syncookies") && value) {
			dup = seen_cookies++;
			if (strcmp(value, "on") && strcmp(value, "off")) {
				parse_error(p, line, "syncookies= takes on or off, not '%s'",
					    value);
				bad = 1;
			}
			spec->syncookies =
			    strcmp(value, "on") ? RULE_F_COOKIES_OFF : RULE_F_COOKIES_ON;
		} else if (!strcmp(word, "per") && value) {
			dup = seen_per++;
			if (value[0] != '/' || parse_count(value + 1, 1, v4 ? 32 : 128, &per)) {
				parse_error(p, line, "per= takes /N with N from 1 to %d, not '%s'",
					    v4 ? 32 : 128, value);
				bad = 1;
			}
		} else {
			parse_error(p, line, "unknown word '%s%s%s'", word, value ? "=" : "",
				    value ? value : "");
			bad = 1;
			continue;
		}
		if (dup) {
			parse_error(p, line, "'%s' given more than once", word);
			bad = 1;
		}
	}
	if (seen_mode > 1 || seen_algo > 1)
		return -EINVAL;
	if (spec->action != RULE_LIMIT)
		return bad ? -EINVAL : 0;
	if (seen_burst && spec->algo != ALGO_BUCKET) {
		parse_error(p, line, "burst= needs the bucket algorithm");
		bad = 1;
	}
	if (seen_per && per) {
		if (star) {
			parse_error(p, line,
				    "per= needs an IPv4 or IPv6 key, not * (add 0.0.0.0/0 "
				    "and \"::/0\" lines)");
			bad = 1;
		} else if ((v4 ? 96 : 0) + per < key_prefix) {
			parse_error(p, line, "per=/%llu is shorter than the key's own prefix",
				    (unsigned long long)per);
			bad = 1;
		} else {
			spec->per_prefix = (__u8)((v4 ? 96 : 0) + per);
		}
	}
	return bad ? -EINVAL : 0;
}

static int grow(struct parser *p)
{
	size_t cap = p->cap ? p->cap * 2 : 64;
	struct limit_entry *entries;
	unsigned char *star;
	char **data;
	unsigned int *key_line;

	entries = realloc(p->out->entries, cap * sizeof(*entries));
	if (!entries)
		return -ENOMEM;
	p->out->entries = entries;
	star = realloc(p->star, cap);
	if (!star)
		return -ENOMEM;
	p->star = star;
	data = realloc(p->data, cap * sizeof(*data));
	if (!data)
		return -ENOMEM;
	p->data = data;
	key_line = realloc(p->key_line, cap * sizeof(*key_line));
	if (!key_line)
		return -ENOMEM;
	p->key_line = key_line;
	p->cap = cap;
	return 0;
}

/* Cut a trailing comment: '#' at the start or after white space. */
static void cut_comment(char *s)
{
	char *c;

	for (c = s; (c = strchr(c, '#')); c++)
		if (c == s || isspace((unsigned char)c[-1])) {
			*c = '\0';
			return;
		}
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One line with a key: split it, keep its data for continuation lines. */
static int take_key_line(struct parser *p, unsigned int line, char *text)
{
	struct limit_entry *entry;
	char *key = text, *rest;
	unsigned int prefix;
	const char *why = NULL;
	int err;

	p->state = ENTRY_SKIP; /* until the key is good */
	if (*text == '"') {
		rest = strchr(text + 1, '"');
		if (!rest) {
			parse_error(p, line, "unterminated quoted key");
			return 0;
		}
		key = text + 1;
		*rest++ = '\0';
		if (*rest == ':')
			rest++;
	} else {
		size_t token = strcspn(text, " \t"), i, colons = 0;

		for (i = 0; i < token; i++)
			colons += text[i] == ':';
		if (colons > 1) { /* the key would end at its first colon */
			if (token && text[token - 1] == ':')
				token--; /* "key:" ends at the colon */
			parse_error(p, line, "an IPv6 key must be quoted, as in Exim: \"%.*s\"",
				    (int)token, text);
			return 0;
		}
		rest = text + strcspn(text, ": \t");
		if (*rest)
			*rest++ = '\0';
	}

	if (p->out->count == p->cap && (err = grow(p)))
		return err;
	entry = &p->out->entries[p->out->count];
	memset(entry, 0, sizeof(*entry));
	if (addr_parse(key, &entry->key.addr, &prefix, &why)) {
		parse_error(p, line, "bad key '%s': %s", key, why);
		return 0;
	}
	entry->key.prefixlen = prefix;
	entry->rule.line = line;
	p->star[p->out->count] = !strcmp(key, "*");
	p->data[p->out->count] = strdup(rest);
	if (!p->data[p->out->count])
		return -ENOMEM;
	p->key_line[p->out->count] = line;
	p->out->count++;
	p->state = ENTRY_OPEN;
	return 0;
}

/* Data of continuation lines joins the entry above, as in Exim's lsearch. */
static int continue_data(struct parser *p, unsigned int line, const char *more)
{
	char **data;
	char *joined;

	if (p->state == ENTRY_SKIP)
		return 0;
	if (p->state == ENTRY_NONE) {
		parse_error(p, line,
			    "continuation line (starts with white space) with no key "
			    "above it");
		return 0;
	}
	data = &p->data[p->out->count - 1];
	joined = malloc(strlen(*data) + strlen(more) + 2);
	if (!joined)
		return -ENOMEM;
	sprintf(joined, "%s %s", *data, more);
	free(*data);
	*data = joined;
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct limit_entry *x = a, *y = b;

	if (x->key.prefixlen != y->key.prefixlen)
		return x->key.prefixlen < y->key.prefixlen ? -1 : 1;
	return memcmp(&x->key.addr, &y->key.addr, sizeof(x->key.addr));
}

/* Duplicate keys, reported on the later line; entries[].rule.line holds
 * the key's line here (the rules are not compiled yet). */
static void check_duplicates(struct parser *p, const struct limit_entry *entries, size_t n)
{
	struct limit_entry *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	char text[ADDR_TEXT_MAX];
	size_t i;

	if (!sorted)
		return;
	if (n) /* entries is NULL for a file with no keys */
		memcpy(sorted, entries, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_key);
	for (i = 1; i < n; i++) {
		unsigned int a = sorted[i - 1].rule.line, b = sorted[i].rule.line;

		if (cmp_key(&sorted[i - 1], &sorted[i]))
			continue;
		parse_error(
		    p, a > b ? a : b, "duplicate key %s (also on line %u)",
		    addr_format(&sorted[i].key.addr, sorted[i].key.prefixlen, text, sizeof(text)),
		    a < b ? a : b);
	}
	free(sorted);
}

static int cmp_line(const void *a, const void *b)
{
	const struct limit_entry *x = a, *y = b;

	return x->rule.line < y->rule.line ? -1 : x->rule.line > y->rule.line;
}

/* Across lines: duplicates (errors), Exim's first-match order and a missing
 * default (warnings). entries[] holds compiled rules, sorted by key. */
static void check_across(struct parser *p, struct limit_entry *sorted, size_t n,
			 const unsigned char *star_by_line)
{
	unsigned char lens[129] = { 0 };
	char text[ADDR_TEXT_MAX];
	int v4_default = 0, v6_default = 0;
	size_t i;
	unsigned int len;

	for (i = 0; i < n; i++) {
		const struct rule_key *k = &sorted[i].key;

		lens[k->prefixlen] = 1;
		if (k->prefixlen == 0)
			v4_default = v6_default = 1;
		if (k->prefixlen == 96 && addr_is_v4(&k->addr))
			v4_default = 1;
	}

	/* Exim's iplsearch takes the first line that matches; synlimit the
	 * longest prefix. They differ where a broader line comes first. A "*"
	 * line is Exim's iplsearch* default, looked up last: never first. */
	for (i = 0; i < n; i++) {
		const struct limit_entry *e = &sorted[i];
		unsigned int first_line = 0;

		for (len = 0; len < e->key.prefixlen; len++) {
			struct limit_entry probe;
			const struct limit_entry *hit;

			if (!lens[len])
				continue;
			memset(&probe, 0, sizeof(probe));
			probe.key.prefixlen = len;
			addr_mask(&e->key.addr, len, &probe.key.addr);
			hit = bsearch(&probe, sorted, n, sizeof(*sorted), cmp_key);
			if (hit && hit->rule.line < e->rule.line && !star_by_line[hit->rule.line] &&
			    (!first_line || hit->rule.line < first_line))
				first_line = hit->rule.line;
		}
		if (first_line) {
			const struct limit_entry *hit = NULL;
			size_t k;

			for (k = 0; k < n && !hit; k++)
				if (sorted[k].rule.line == first_line)
					hit = &sorted[k];
			parse_warning(
			    p, e->rule.line,
			    "in Exim, line %u (%s) comes first and would match these "
			    "addresses; synlimit uses this line, the longest prefix",
			    first_line,
			    addr_format(&hit->key.addr, hit->key.prefixlen, text, sizeof(text)));
		}
	}

	if (!v4_default || !v6_default)
		parse_warning(p, 1,
			      "no default line for %s sources (*%s): they are not limited; in "
			      "Exim an empty lookup is limit 0, which refuses them",
			      !v4_default && !v6_default ? "IPv4 and IPv6"
			      : !v4_default		 ? "IPv4"
							 : "IPv6",
			      !v4_default && !v6_default ? ""
			      : !v4_default		 ? " or 0.0.0.0/0"
							 : " or \"::/0\"");
}

int limits_parse(const char *name, const char *buf, size_t len, const struct limits_options *opts,
		 struct limits *out)
{
	struct parser p = { .name = name, .opts = opts, .out = out };
	unsigned char *star_by_line = NULL;
	char line_buf[LIMITS_LINE_MAX + 2];
	unsigned int line = 0;
	size_t pos = 0, i, kept, parsed = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len && !err) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char *text;

		line++;
		if (n > LIMITS_LINE_MAX || memchr(buf + pos, '\0', n)) {
			if (n > LIMITS_LINE_MAX)
				parse_error(&p, line, "line longer than %d bytes", LIMITS_LINE_MAX);
			else
				parse_error(&p, line, "NUL byte in the line");
			pos += n + 1;
			p.state = ENTRY_SKIP;
			continue;
		}
		memcpy(line_buf, buf + pos, n);
		line_buf[n] = '\0';
		pos += n + 1;
		if (n && line_buf[n - 1] == '\r')
			line_buf[n - 1] = '\0';

		if (line_buf[0] == '#')
			continue;
		cut_comment(line_buf);
		if (isspace((unsigned char)line_buf[0])) {
			text = trim(line_buf);
			if (*text)
				err = continue_data(&p, line, text);
			continue;
		}
		text = trim(line_buf);
		if (*text)
			err = take_key_line(&p, line, text);
	}
	if (err)
		goto out;
	if (out->count > SYNLIMIT_MAX_RULES) {
		parse_error(&p, line, "more than %u rules", SYNLIMIT_MAX_RULES);
		goto out;
	}

	parsed = out->count;
	check_duplicates(&p, out->entries, out->count);

	/* the data of every entry, now that continuation lines are joined */
	star_by_line = calloc(line + 1, 1);
	if (!star_by_line) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, kept = 0; i < out->count; i++) {
		struct limit_entry *e = &out->entries[i];
		struct limit_spec spec;
		const char *why = NULL;
		int v4 = addr_is_v4(&e->key.addr) && e->key.prefixlen >= 96;

		if (parse_spec(&p, p.key_line[i], p.data[i], e->key.prefixlen, v4, p.star[i],
			       &spec))
			continue;
		if (rule_compile(&spec, &e->rule, &why)) {
			parse_error(&p, spec.line, "%s", why);
			continue;
		}
		star_by_line[spec.line] = p.star[i];
		out->entries[kept++] = *e;
	}
	/* across the lines that are good in themselves, even if others are not */
	out->count = kept;
	if (kept) /* entries may be NULL: qsort's pointer must not be */
		qsort(out->entries, out->count, sizeof(*out->entries), cmp_key);
	check_across(&p, out->entries, out->count, star_by_line);
	if (kept)
		qsort(out->entries, out->count, sizeof(*out->entries), cmp_line);
out:
	flush_messages(&p);
	for (i = 0; i < (parsed ? parsed : out->count) && p.data; i++)
		free(p.data[i]);
	free(p.data);
	free(p.star);
	free(p.key_line);
	free(star_by_line);
	if (err || out->errors) {
		free(out->entries);
		out->entries = NULL;
		out->count = 0;
		return err ? err : -EINVAL;
	}
	return 0;
}

/* What an fstat says about the content: a file rewritten while read changes one. */
static int same_file_state(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ino == b->st_ino;
}

/*
 * Read the whole file once into memory, to be parsed from there: a file
 * rewritten during the read is refused, not parsed half old, half new. A
 * FIFO or device is refused at once (O_NONBLOCK: opening a FIFO with no
 * writer would wait for one).
 */
static int read_once(const char *path, FILE *diag, char **out, size_t *len)
{
	struct stat before, after;
	size_t done = 0, cap;
	char *buf = NULL;
	int fd, err = 0;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 || fstat(fd, &before)) {
		err = -errno;
		fprintf(diag, "%s: cannot read: %s\n", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(before.st_mode)) {
		err = -EINVAL;
		fprintf(diag, "%s: not a regular file\n", path);
		goto out;
	}
	if (before.st_size > LIMITS_FILE_MAX) {
		err = -EFBIG;
		fprintf(diag, "%s: larger than %u MiB\n", path, LIMITS_FILE_MAX >> 20);
		goto out;
	}
	/* to the end of the file, whatever its size said: that is compared below */
	cap = (size_t)before.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (done == cap) {
			char *bigger = cap > LIMITS_FILE_MAX ? NULL : realloc(buf, 2 * cap);

			if (!bigger) {
				err = cap > LIMITS_FILE_MAX ? -EFBIG : -ENOMEM;
				fprintf(diag, "%s: larger than %u MiB\n", path,
					LIMITS_FILE_MAX >> 20);
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + done, cap - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			fprintf(diag, "%s: read error: %s\n", path, strerror(-err));
			goto out;
		}
		if (!n)
			break;
		done += (size_t)n;
	}
	if (fstat(fd, &after)) {
		err = -errno;
		fprintf(diag, "%s: cannot read: %s\n", path, strerror(errno));
		goto out;
	}
	if (!same_file_state(&before, &after) || done != (size_t)before.st_size) {
		err = -EAGAIN;
		fprintf(diag,
			"%s: %zu bytes read, but its size is %lld (%lld after the read): it "
			"changed while it was read, or it is not a plain file; replace a limits "
			"file with rename(2), not in place\n",
			path, done, (long long)before.st_size, (long long)after.st_size);
		goto out;
	}
	*out = buf;
	*len = done;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}

int limits_load(const char *path, const struct limits_options *opts, struct limits *out)
{
	char *buf;
	size_t len;
	int err;

	memset(out, 0, sizeof(*out));
	err = read_once(path, opts->diag, &buf, &len);
	if (err)
		return err;
	err = limits_parse(path, buf, len, opts, out);
	free(buf);
	/* an empty table lifts every limit: only when asked for */
	if (!err && !out->count && !opts->allow_empty) {
		fprintf(opts->diag,
			"%s: no rules (empty, or only comments): loading it would lift every "
			"limit; give --allow-empty if that is meant\n",
			path);
		out->errors = 1;
		err = -EINVAL;
	}
	return err;
}

void limits_free(struct limits *limits)
{
	free(limits->entries);
	limits->entries = NULL;
	limits->count = 0;
}
