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

struct port_list {
	struct port_range *ranges;
	__u32 n;
};

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

static int cmp_range(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* "25,465,587", "8000-8099", or both: sorted, adjacent ranges joined. A
 * port named twice is an error. Returns 0 or -EINVAL (reported). */
static int parse_ports(struct parser *p, unsigned int line, char *text, struct port_list *out)
{
	struct port_range *ranges;
	char *save = NULL, *item;
	__u32 n = 0, i, max = (__u32)strlen(text) / 2 + 1;

	if (!*text || text[0] == ',' || text[strlen(text) - 1] == ',' || strstr(text, ",,")) {
		parse_error(p, line,
			    "port= takes ports from 1 to 65535 and ranges of them (as in "
			    "port=25,465,8000-8099)");
		return -EINVAL;
	}
	ranges = calloc(max, sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	for (item = strtok_r(text, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(item, '-');
		__u64 lo, hi;

		if (dash)
			*dash = '\0';
		if (parse_count(item, 1, 65535, &lo) ||
		    (dash && parse_count(dash + 1, 1, 65535, &hi))) {
			if (dash)
				*dash = '-';
			parse_error(p, line,
				    "port= takes ports from 1 to 65535 and ranges of them (as in "
				    "port=25,465,8000-8099), not '%s'",
				    item);
			goto bad;
		}
		if (!dash)
			hi = lo;
		if (hi < lo) {
			parse_error(p, line, "port range %llu-%llu runs backwards",
				    (unsigned long long)lo, (unsigned long long)hi);
			goto bad;
		}
		ranges[n].lo = (__u16)lo;
		ranges[n++].hi = (__u16)hi;
	}
	qsort(ranges, n, sizeof(*ranges), cmp_range);
	for (i = 1; i < n; i++)
		if (ranges[i].lo <= ranges[i - 1].hi) {
			parse_error(p, line, "port= names port %u twice", ranges[i].lo);
			goto bad;
		}
	out->n = 0;
	for (i = 0; i < n; i++) { /* 25,26,27-30 is 25-30 */
		if (out->n && ranges[i].lo == ranges[out->n - 1].hi + 1)
			ranges[out->n - 1].hi = ranges[i].hi;
		else
			ranges[out->n++] = ranges[i];
	}
	out->ranges = ranges;
	return 0;
bad:
	free(ranges);
	return -EINVAL;
}

/*
 * The data of one entry: "allow", "deny", "N", or "N/PERIOD" followed by
 * words. key_prefix and v4 describe the key, for per=. port= goes to *ports.
 */
static int parse_spec(struct parser *p, unsigned int line, char *data, unsigned int key_prefix,
		      int v4, int star, struct limit_spec *spec, struct port_list *ports)
{
	int seen_mode = 0, seen_algo = 0, seen_burst = 0, seen_block = 0, seen_per = 0;
	int seen_dry = 0, seen_cookies = 0, seen_port = 0, bad = 0;
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
		} else if (!strcmp(word, "port") && value) {
			dup = seen_port++;
			if (!dup && parse_ports(p, line, value, ports))
				bad = 1;
		} else if (spec->action != RULE_LIMIT) {
			parse_error(p, line, "'%s' does not go with %s (only port= and dry-run do)",
				    word, spec->action == RULE_ALLOW ? "allow" : "deny");
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

/* Does an entry's data name ports? (before its words are parsed) */
static int names_ports(const char *data)
{
	const char *at;

	for (at = data; (at = strstr(at, "port=")); at++)
		if (at == data || isspace((unsigned char)at[-1]))
			return 1;
	return 0;
}

/* Duplicate keys of port-less rules, reported on the later line;
 * entries[].rule.line holds the key's line here (the rules are not compiled
 * yet). Rules that name ports are checked port by port once parsed. */
static void check_duplicates(struct parser *p, const struct limit_entry *entries, size_t n)
{
	struct limit_entry *sorted = malloc((n ? n : 1) * sizeof(*sorted));
	char text[ADDR_TEXT_MAX];
	size_t i, k;

	if (!sorted)
		return;
	for (i = 0, k = 0; i < n; i++) /* entries is NULL for a file with no keys */
		if (!names_ports(p->data[i]))
			sorted[k++] = entries[i];
	n = k;
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

	for (i = 0; i < n; i++)
		if (star_by_line[sorted[i].rule.line])
			parse_warning(
			    p, sorted[i].rule.line, "%s",
			    "Exim's plain iplsearch never matches a * line for an address "
			    "(only iplsearch* does): there an unlisted host gets an empty "
			    "limit, 0, and is refused; synlimit applies this line to it");

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

char *format_ports(const struct port_range *ranges, __u32 n, char *buf, size_t size)
{
	size_t used = 0;
	__u32 i;

	buf[0] = '\0';
	for (i = 0; i < n && used < size; i++) {
		if (ranges[i].lo == ranges[i].hi)
			used +=
			    snprintf(buf + used, size - used, "%s%u", i ? "," : "", ranges[i].lo);
		else
			used += snprintf(buf + used, size - used, "%s%u-%u", i ? "," : "",
					 ranges[i].lo, ranges[i].hi);
	}
	return buf;
}

/* The first port two sorted range lists share, 0 if none. */
static unsigned int shared_port(const struct limit_entry *a, const struct limit_entry *b)
{
	__u32 i = 0, k = 0;

	while (i < a->n_ports && k < b->n_ports) {
		const struct port_range *x = &a->ports[i], *y = &b->ports[k];

		if (x->hi < y->lo)
			i++;
		else if (y->hi < x->lo)
			k++;
		else
			return x->lo > y->lo ? x->lo : y->lo;
	}
	return 0;
}

/* Port rules of one key that share a port: the later line is an error. */
static void check_port_duplicates(struct parser *p, const struct limit_entry *sorted, size_t n)
{
	char text[ADDR_TEXT_MAX];
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = i + 1; k < n && !cmp_key(&sorted[i], &sorted[k]); k++) {
			unsigned int a = sorted[i].rule.line, b = sorted[k].rule.line;
			unsigned int port = shared_port(&sorted[i], &sorted[k]);

			if (!port)
				continue;
			parse_error(p, a > b ? a : b,
				    "duplicate key %s for port %u (also on line %u)",
				    addr_format(&sorted[k].key.addr, sorted[k].key.prefixlen, text,
						sizeof(text)),
				    port, a < b ? a : b);
		}
}

/* Port rules are looked up first, whatever their prefix: a port-less rule
 * inside a broader port rule does not decide for that rule's ports. */
static void check_port_shadows(struct parser *p, const struct limit_entry *portless, size_t n,
			       const struct limit_entry *ports, size_t m)
{
	unsigned char lens[129] = { 0 };
	char text[ADDR_TEXT_MAX], list[128];
	size_t i, k;
	unsigned int len;

	for (k = 0; k < m; k++)
		lens[ports[k].key.prefixlen] = 1;
	for (i = 0; i < n && m; i++) {
		const struct limit_entry *e = &portless[i];

		for (len = 0; len < e->key.prefixlen; len++) {
			struct limit_entry probe = { .key.prefixlen = len };
			const struct limit_entry *hit;
			union synlimit_addr mask;
			int w;

			if (!lens[len])
				continue;
			prefix_mask(&mask, len);
			for (w = 0; w < 4; w++)
				probe.key.addr.u32[w] = e->key.addr.u32[w] & mask.u32[w];
			hit = bsearch(&probe, ports, m, sizeof(*ports), cmp_key);
			if (!hit)
				continue;
			while (hit > ports && !cmp_key(hit - 1, &probe))
				hit--;
			for (; hit < ports + m && !cmp_key(hit, &probe); hit++)
				parse_warning(
				    p, e->rule.line,
				    "for port%s %s this line does not decide: the port rule on "
				    "line "
				    "%u (%s) is looked up first",
				    limit_entry_port_count(hit) > 1 ? "s" : "",
				    format_ports(hit->ports, hit->n_ports, list, sizeof(list)),
				    hit->rule.line,
				    addr_format(&hit->key.addr, hit->key.prefixlen, text,
						sizeof(text)));
		}
	}
}

static int cmp_port_set(const void *a, const void *b)
{
	const struct limit_entry *x = *(const struct limit_entry *const *)a;
	const struct limit_entry *y = *(const struct limit_entry *const *)b;
	__u32 i;

	for (i = 0; i < x->n_ports && i < y->n_ports; i++) {
		if (x->ports[i].lo != y->ports[i].lo)
			return x->ports[i].lo < y->ports[i].lo ? -1 : 1;
		if (x->ports[i].hi != y->ports[i].hi)
			return x->ports[i].hi < y->ports[i].hi ? -1 : 1;
	}
	return x->n_ports < y->n_ports ? -1 : x->n_ports > y->n_ports;
}

/* 16 bits of FNV-1a over the ranges, never 0 (0 is the port-less scope). */
static __u16 port_set_hash(const struct limit_entry *e)
{
	__u32 h = 2166136261U, i;
	__u16 folded;

	for (i = 0; i < e->n_ports; i++) {
		__u16 v[2] = { e->ports[i].lo, e->ports[i].hi };
		const unsigned char *b = (const unsigned char *)v;
		size_t k;

		for (k = 0; k < sizeof(v); k++)
			h = (h ^ b[k]) * 16777619U;
	}
	folded = (__u16)(h ^ h >> 16);
	return folded ? folded : 1;
}

/*
 * rule.scope of each port rule: rules naming the same ports share one, and
 * a source keeps a state per scope. It is a hash of the port set, so that a
 * reload keeps a source's history under an unchanged port= (unless two sets
 * of one file collide: then the later in port order takes the next free).
 */
static int assign_scopes(struct parser *p, struct limit_entry *entries, size_t n,
			 unsigned int last_line)
{
	struct limit_entry **with = malloc((n ? n : 1) * sizeof(*with));
	unsigned char *used = calloc(65536, 1);
	size_t i, m = 0, sets = 0;
	__u16 scope = 0;
	int err = 0;

	if (!with || !used) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (entries[i].ports)
			with[m++] = &entries[i];
	qsort(with, m, sizeof(*with), cmp_port_set);
	for (i = 0; i < m; i++) {
		if (!i || cmp_port_set(&with[i - 1], &with[i])) {
			if (++sets > 65535) {
				parse_error(p, last_line, "more than 65535 different port= sets");
				goto out;
			}
			for (scope = port_set_hash(with[i]); used[scope]; scope++)
				if (scope == 65535)
					scope = 0; /* wraps to 1 with the increment */
			used[scope] = 1;
		}
		with[i]->rule.scope = scope;
	}
out:
	free(with);
	free(used);
	return err;
}

/* Port rules and port-less rules, each sorted by key, then the checks that
 * need both. */
static int check_ports(struct parser *p, struct limit_entry *entries, size_t n,
		       const unsigned char *star_by_line, unsigned int last_line)
{
	struct limit_entry *portless = malloc((n ? n : 1) * sizeof(*portless));
	struct limit_entry *ports = malloc((n ? n : 1) * sizeof(*ports));
	size_t i, np = 0, nl = 0, keys = 0;
	int err = 0;

	if (!portless || !ports) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (entries[i].ports) {
			ports[np++] = entries[i];
			keys += limit_entry_port_count(&entries[i]);
		} else {
			portless[nl++] = entries[i];
		}
	}
	qsort(portless, nl, sizeof(*portless), cmp_key);
	qsort(ports, np, sizeof(*ports), cmp_key);
	check_across(p, portless, nl, star_by_line);
	check_port_duplicates(p, ports, np);
	check_port_shadows(p, portless, nl, ports, np);
	if (keys > SYNLIMIT_MAX_PORT_KEYS)
		parse_error(p, last_line, "port rules name more than %u ports in all",
			    SYNLIMIT_MAX_PORT_KEYS);
	err = assign_scopes(p, entries, n, last_line);
out:
	free(portless);
	free(ports);
	return err;
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

		struct port_list ports = { 0 };

		if (parse_spec(&p, p.key_line[i], p.data[i], e->key.prefixlen, v4, p.star[i], &spec,
			       &ports)) {
			free(ports.ranges);
			continue;
		}
		if (rule_compile(&spec, &e->rule, &why)) {
			parse_error(&p, spec.line, "%s", why);
			free(ports.ranges);
			continue;
		}
		e->ports = ports.ranges;
		e->n_ports = ports.n;
		/* a "*" port rule is synlimit's own: no Exim default to warn of */
		star_by_line[spec.line] = p.star[i] && !e->ports;
		out->entries[kept++] = *e;
	}
	/* across the lines that are good in themselves, even if others are not */
	out->count = kept;
	err = check_ports(&p, out->entries, out->count, star_by_line, line);
	if (kept) /* entries may be NULL: qsort's pointer must not be */
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
		limits_free(out);
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
	size_t i;

	for (i = 0; i < limits->count; i++)
		free((void *)limits->entries[i].ports);
	free(limits->entries);
	limits->entries = NULL;
	limits->count = 0;
}
