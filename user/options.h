/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Command-line options as tables: each command declares its options (name,
 * type, field, enum values, range) and a struct of defaults; one parser
 * fills the command's own options struct, and one printer lists them with
 * their defaults in --help. One name, one meaning, per command.
 */
#ifndef SYNLIMIT_OPTIONS_H
#define SYNLIMIT_OPTIONS_H

#include <stddef.h>
#include <stdio.h>
#include <getopt.h>
#include <linux/types.h>

enum opt_type {
	OPT_FLAG,     /* int: set to .set_to */
	OPT_STRING,   /* const char *: the argument as given */
	OPT_U32,      /* __u32 from .min to .max */
	OPT_DURATION, /* __u64 nanoseconds, whole milliseconds from .min to .max */
	OPT_ENUM,     /* int: the value of one of .values */
	OPT_PATH,     /* const char *: an absolute path of at most .max bytes */
};

struct opt_value {
	const char *name;
	int value;
};

struct opt_def {
	const char *name; /* --name; NULL for a short option only */
	int short_name;	  /* -x, or 0 */
	enum opt_type type;
	size_t offset; /* of the field in the options struct */
	const char *metavar;
	const char *help;
	const struct opt_value *values; /* OPT_ENUM: ends with { NULL } */
	__u64 min, max;
	int set_to;	  /* OPT_FLAG: the value stored */
	const char *hint; /* added to the message for a value out of range */
};

/* A table entry: long name (or NULL), short letter (or 0), type, the field
 * of options struct st it fills, metavar, help; then any of .values, .min,
 * .max, .set_to, .hint. */
#define OPTION(long_name, letter, kind, st, field, meta, text, ...)                                \
	{                                                                                          \
		.name = long_name, .short_name = letter, .type = kind,                             \
		.offset = offsetof(st, field), .metavar = meta, .help = text, __VA_ARGS__          \
	}

/* Bit of table entry i in a `given` mask. */
#define OPT_BIT(i) (1U << (i))

/* "--name" or "-x", for messages. */
const char *opt_display(const struct opt_def *def, char *buf, size_t size);

/* The table entry for a long name or a short letter (name NULL), or NULL.
 * A table ends with an entry whose name and short_name are both 0. */
const struct opt_def *opt_find(const struct opt_def *defs, const char *name, int short_name);

/* Whether an argument follows the option. */
int opt_takes_value(const struct opt_def *def);

/* Store arg (NULL for a flag) in opts as def says. Returns 0, or -EINVAL
 * after saying what the option takes. */
int opt_set(const struct opt_def *def, const char *arg, void *opts);

/* A table and where its options go: given gets OPT_BIT(i) for each entry
 * i that argv sets. */
struct opt_table {
	const struct opt_def *defs;
	void *opts;
	unsigned int given;
};

/*
 * Parse every option of argv (getopt_long, options and other arguments in
 * any order) into the tables' structs. The other arguments are left in
 * order at argv[*first..argc). Returns 0; -EINVAL after saying what an
 * option takes; -ENOENT for an option in none of the tables, named in
 * bad (not reported: the caller knows whose option it might be).
 */
int opt_parse(int argc, char **argv, struct opt_table *tables, int n_tables, int *first, char *bad,
	      size_t bad_size);

/* One line per option: name, metavar, help, enum values, and the default
 * read from defaults (NULL: none shown). */
void opt_print_help(FILE *out, const struct opt_def *defs, const void *defaults);

#endif /* SYNLIMIT_OPTIONS_H */
