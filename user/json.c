// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <math.h>
#include "json.h"

void json_init(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->count[0] = 0;
	j->after_key = 0;
}

/* Before any value: a comma unless it is the first or follows its key. */
static void separate(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->count[j->depth]++)
		fputc(',', j->out);
}

static void open_level(struct json *j, char c)
{
	separate(j);
	fputc(c, j->out);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_level(struct json *j, char c)
{
	fputc(c, j->out);
	if (j->depth > 0)
		j->depth--;
}

void json_object_begin(struct json *j)
{
	open_level(j, '{');
}

void json_object_end(struct json *j)
{
	close_level(j, '}');
}

void json_array_begin(struct json *j)
{
	open_level(j, '[');
}

void json_array_end(struct json *j)
{
	close_level(j, ']');
}

static void write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void json_key(struct json *j, const char *key)
{
	separate(j);
	write_string(j->out, key);
	fputc(':', j->out);
	j->after_key = 1;
}

void json_string(struct json *j, const char *value)
{
	separate(j);
	if (value)
		write_string(j->out, value);
	else
		fputs("null", j->out);
}

void json_u64(struct json *j, __u64 value)
{
	separate(j);
	fprintf(j->out, "%llu", (unsigned long long)value);
}

void json_double(struct json *j, double value)
{
	separate(j);
	if (isfinite(value))
		fprintf(j->out, "%.6g", value);
	else
		fputs("null", j->out);
}

void json_bool(struct json *j, int value)
{
	separate(j);
	fputs(value ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	separate(j);
	fputs("null", j->out);
}

void json_end_line(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
	j->depth = 0;
	j->count[0] = 0;
	j->after_key = 0;
}

void json_string_field(struct json *j, const char *key, const char *value)
{
	json_key(j, key);
	json_string(j, value);
}

void json_u64_field(struct json *j, const char *key, __u64 value)
{
	json_key(j, key);
	json_u64(j, value);
}

void json_double_field(struct json *j, const char *key, double value)
{
	json_key(j, key);
	json_double(j, value);
}

void json_bool_field(struct json *j, const char *key, int value)
{
	json_key(j, key);
	json_bool(j, value);
}
