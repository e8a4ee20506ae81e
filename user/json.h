/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* A small streaming JSON writer: commas and escaping are its business. */
#ifndef SYNLIMIT_JSON_H
#define SYNLIMIT_JSON_H

#include <stdio.h>
#include <linux/types.h>

#define JSON_MAX_DEPTH 16

struct json {
	FILE *out;
	int depth;
	int count[JSON_MAX_DEPTH]; /* members written at each level */
	int after_key;
};

void json_init(struct json *j, FILE *out);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *value); /* NULL writes null */
void json_u64(struct json *j, __u64 value);
void json_double(struct json *j, double value);
void json_bool(struct json *j, int value);
void json_null(struct json *j);
/* A member of the object being written: its key, then its value. */
void json_string_field(struct json *j, const char *key, const char *value);
void json_u64_field(struct json *j, const char *key, __u64 value);
void json_double_field(struct json *j, const char *key, double value); /* NaN writes null */
void json_bool_field(struct json *j, const char *key, int value);
/* Ends a top-level document with a newline (one document or one line). */
void json_end_line(struct json *j);

#endif /* SYNLIMIT_JSON_H */
