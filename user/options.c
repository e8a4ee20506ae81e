// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Option tables (see options.h): storing a value, saying what one takes. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "log.h"
#include "options.h"
#include "util.h"

const char *opt_display(const struct opt_def *def, char *buf, size_t size)
{
	if (def->name)
		snprintf(buf, size, "--%s", def->name);
	else
		snprintf(buf, size, "-%c", def->short_name);
	return buf;
}

const struct opt_def *opt_find(const struct opt_def *defs, const char *name, int short_name)
{
	for (; defs && (defs->name || defs->short_name); defs++)
		if (name ? defs->name && !strcmp(defs->name, name) : defs->short_name == short_name)
			return defs;
	return NULL;
}

int opt_takes_value(const struct opt_def *def)
{
	return def->type != OPT_FLAG;
}

static int parse_u64(const char *text, __u64 lo, __u64 hi, __u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "a, b or c" (between ", ", last " or "), or "a|b|c" */
static char *join_values(const struct opt_value *values, const char *between, const char *last,
			 char *buf, size_t size)
{
	const struct opt_value *v;
	size_t used = 0;

	buf[0] = '\0';
	for (v = values; v->name && used < size; v++)
		used += snprintf(buf + used, size - used, "%s%s",
				 v == values ? ""
				 : v[1].name ? between
					     : last,
				 v->name);
	return buf;
}

static void say_takes(const struct opt_def *def, const char *arg)
{
	char name[64], lo[32], hi[32], values[128];

	opt_display(def, name, sizeof(name));
	switch (def->type) {
	case OPT_U32:
		pr_warn("%s takes a number from %llu to %llu, not '%s'\n", name,
			(unsigned long long)def->min, (unsigned long long)def->max, arg);
		break;
	case OPT_DURATION:
		pr_warn("%s takes whole milliseconds from %s to %s (e.g. 5s), not '%s'\n", name,
			format_duration(def->min, lo, sizeof(lo)),
			format_duration(def->max, hi, sizeof(hi)), arg);
		break;
	case OPT_PATH:
		pr_warn("%s takes an absolute path (at most %llu bytes)\n", name,
			(unsigned long long)def->max);
		break;
	case OPT_ENUM:
		pr_warn("%s takes %s, not '%s'%s%s%s\n", name,
			join_values(def->values, ", ", " or ", values, sizeof(values)), arg,
			def->hint ? " (" : "", def->hint ? def->hint : "", def->hint ? ")" : "");
		break;
	default:
		break;
	}
}

int opt_set(const struct opt_def *def, const char *arg, void *opts)
{
	char *field = (char *)opts + def->offset;
	const struct opt_value *v;
	__u64 n;

	switch (def->type) {
	case OPT_FLAG:
		*(int *)field = def->set_to;
		return 0;
	case OPT_STRING:
		*(const char **)field = arg;
		return 0;
	case OPT_PATH:
		if (arg[0] != '/' || strlen(arg) > def->max)
			break;
		*(const char **)field = arg;
		return 0;
	case OPT_U32:
		if (parse_u64(arg, def->min, def->max, &n))
			break;
		*(__u32 *)field = (__u32)n;
		return 0;
	case OPT_DURATION:
		if (parse_duration(arg, &n) || n < def->min || n > def->max || n % NSEC_PER_MSEC)
			break;
		*(__u64 *)field = n;
		return 0;
	case OPT_ENUM:
		for (v = def->values; v->name; v++)
			if (!strcmp(v->name, arg)) {
				*(int *)field = v->value;
				return 0;
			}
		break;
	}
	say_takes(def, arg);
	return -EINVAL;
}

static void print_default(FILE *out, const struct opt_def *def, const void *defaults)
{
	const char *field = (const char *)defaults + def->offset;
	const struct opt_value *v;
	char text[32];

	switch (def->type) {
	case OPT_STRING:
	case OPT_PATH:
		if (*(const char *const *)field)
			fprintf(out, " (default %s)", *(const char *const *)field);
		break;
	case OPT_U32:
		if (*(const __u32 *)field)
			fprintf(out, " (default %u)", *(const __u32 *)field);
		break;
	case OPT_DURATION:
		if (*(const __u64 *)field)
			fprintf(out, " (default %s)",
				format_duration(*(const __u64 *)field, text, sizeof(text)));
		break;
	case OPT_ENUM:
		for (v = def->values; v->name; v++)
			if (v->value == *(const int *)field)
				fprintf(out, " (default %s)", v->name);
		break;
	default:
		break;
	}
}

void opt_print_help(FILE *out, const struct opt_def *defs, const void *defaults)
{
	for (; defs->name || defs->short_name; defs++) {
		char name[64], values[128];
		const char *metavar = defs->metavar;
		int pad;

		if (defs->type == OPT_ENUM)
			metavar = join_values(defs->values, "|", "|", values, sizeof(values));
		if (defs->name && defs->short_name) /* "-v, --verbose" */
			snprintf(name, sizeof(name), "-%c, --%s", defs->short_name, defs->name);
		else
			opt_display(defs, name, sizeof(name));
		pad = 28 - (int)strlen(name) - (metavar ? 1 : 0);
		fprintf(out, "  %s%s%-*s %s", name, metavar ? " " : "", pad > 0 ? pad : 0,
			metavar ? metavar : "", defs->help);
		if (defaults)
			print_default(out, defs, defaults);
		fprintf(out, "\n");
	}
}

#define OPT_MAX 64

/* getopt_long's val for entry i of table t (above any short option letter) */
static int long_val(int t, int i)
{
	return 256 + t * OPT_MAX + i;
}

int opt_parse(int argc, char **argv, struct opt_table *tables, int n_tables, int *first, char *bad,
	      size_t bad_size)
{
	struct option longs[OPT_MAX + 1];
	char shorts[2 * OPT_MAX + 2] = ":"; /* ':' first: a missing value returns ':' */
	size_t n_longs = 0, n_shorts = 1;
	int t, i, c;

	for (t = 0; t < n_tables; t++)
		for (i = 0; tables[t].defs[i].name || tables[t].defs[i].short_name; i++) {
			const struct opt_def *d = &tables[t].defs[i];

			if (d->name && n_longs < OPT_MAX)
				longs[n_longs++] =
				    (struct option){ d->name,
						     opt_takes_value(d) ? required_argument
									: no_argument,
						     NULL, long_val(t, i) };
			if (d->short_name && n_shorts + 2 < sizeof(shorts)) {
				shorts[n_shorts++] = (char)d->short_name;
				if (opt_takes_value(d))
					shorts[n_shorts++] = ':';
			}
		}
	longs[n_longs] = (struct option){ 0 };
	shorts[n_shorts] = '\0';
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct opt_def *d = NULL;

		if (c == '?' || c == ':') {
			/* optopt: the short letter, or 0 for a long option */
			if (optopt > 0 && optopt < 256)
				snprintf(bad, bad_size, "-%c", optopt);
			else
				snprintf(bad, bad_size, "%.*s", (int)strcspn(argv[optind - 1], "="),
					 argv[optind - 1]);
			if (c == '?')
				return -ENOENT;
			pr_warn("%s needs a value\n", bad);
			return -EINVAL;
		}
		for (t = 0; t < n_tables && !d; t++) {
			for (i = 0; tables[t].defs[i].name || tables[t].defs[i].short_name; i++) {
				d = &tables[t].defs[i];
				if (c >= 256 ? c == long_val(t, i) : d->short_name == c)
					break;
				d = NULL;
			}
			if (d) {
				tables[t].given |= OPT_BIT(i);
				if (opt_set(d, optarg, tables[t].opts))
					return -EINVAL;
			}
		}
		if (!d) { /* cannot happen: getopt only returns what it was given */
			snprintf(bad, bad_size, "?");
			return -ENOENT;
		}
	}
	*first = optind;
	return 0;
}
