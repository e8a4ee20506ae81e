// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "bans.h"

#define BAN_LINE_MAX 1024

int ban_parse_key(const char *text, struct rule_key *key, const char **why)
{
	char unquoted[BAN_LINE_MAX];
	size_t len = strlen(text);
	unsigned int prefix;

	if (len >= 2 && text[0] == '"' && text[len - 1] == '"' && len - 2 < sizeof(unquoted)) {
		memcpy(unquoted, text + 1, len - 2);
		unquoted[len - 2] = '\0';
		text = unquoted;
	}
	if (!strcmp(text, "*")) {
		*why = "not an address or network (to ban everyone, ban 0.0.0.0/0 and ::/0)";
		return -EINVAL;
	}
	memset(key, 0, sizeof(*key));
	if (addr_parse(text, &key->addr, &prefix, why))
		return -EINVAL;
	key->prefixlen = prefix;
	return 0;
}

/* One line of a blocklist: its key, 0 when there is none (blank or
 * comment), -EINVAL when it is bad (*why set). */
static int ban_line(char *text, struct rule_key *key, const char **why)
{
	char *c, *end;

	for (c = text; *c; c++) /* a comment: at the start or after white space */
		if ((*c == '#' || *c == ';') && (c == text || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			break;
		}
	while (isspace((unsigned char)*text))
		text++;
	end = text + strlen(text);
	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (!*text)
		return 0;
	if (strpbrk(text, " \t")) {
		*why = "one address or network a line";
		return -EINVAL;
	}
	return ban_parse_key(text, key, why) ? -EINVAL : 1;
}

int ban_file_load(const char *path, FILE *diag, struct rule_key **keys, size_t *n)
{
	int std_in = !strcmp(path, "-"), errors = 0, err = 0;
	const char *name = std_in ? "(stdin)" : path;
	FILE *f = std_in ? stdin : fopen(path, "re");
	struct rule_key *out = NULL;
	size_t count = 0, cap = 0, buf_size = 0;
	unsigned int line = 0;
	char *buf = NULL;
	ssize_t len;

	*keys = NULL;
	*n = 0;
	if (!f) {
		fprintf(diag, "%s: cannot read: %s\n", name, strerror(errno));
		return -errno;
	}
	while ((len = getline(&buf, &buf_size, f)) >= 0) {
		const char *why = NULL;
		struct rule_key key;
		int got;

		line++;
		if (memchr(buf, '\0', (size_t)len)) {
			fprintf(diag, "%s:%u: NUL byte in the line\n", name, line);
			errors++;
			continue;
		}
		if (len > BAN_LINE_MAX) {
			fprintf(diag, "%s:%u: line longer than %d bytes\n", name, line,
				BAN_LINE_MAX);
			errors++;
			continue;
		}
		got = ban_line(buf, &key, &why);
		if (got < 0) {
			fprintf(diag, "%s:%u: bad address or network '%s': %s\n", name, line,
				buf + strspn(buf, " \t"), why);
			errors++;
		}
		if (got <= 0 || errors)
			continue;
		if (count == cap) {
			struct rule_key *grown;

			cap = cap ? 2 * cap : 256;
			grown = realloc(out, cap * sizeof(*out));
			if (!grown) {
				err = -ENOMEM;
				break;
			}
			out = grown;
		}
		out[count++] = key;
	}
	if (!err && ferror(f)) {
		err = -EIO;
		fprintf(diag, "%s: read error\n", name);
	}
	if (!err && !errors && count > SYNLIMIT_MAX_BANS) {
		fprintf(diag, "%s:%u: more than %u bans\n", name, line, SYNLIMIT_MAX_BANS);
		errors++;
	}
	if (!err && errors) {
		fprintf(diag, "%s: %d error%s, nothing banned\n", name, errors,
			errors == 1 ? "" : "s");
		err = -EINVAL;
	}
	free(buf);
	if (!std_in)
		fclose(f);
	if (err) {
		free(out);
		return err;
	}
	*keys = out;
	*n = count;
	return 0;
}

/*
 * config.bans tells the program whether to look bans up at all: set before
 * a ban goes in, cleared once none is left, so a SYN never misses a ban in
 * force and, with none, costs no trie lookup. The commands that change
 * bans hold the pin directory's lock, so no other writer comes between.
 */
static int bans_mark(int config_fd, __u32 on)
{
	struct synlimit_config config;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(config_fd, &zero, &config))
		return -errno;
	if (config.bans == on)
		return 0;
	config.bans = on;
	return bpf_map_update_elem(config_fd, &zero, &config, BPF_ANY) ? -errno : 0;
}

static void bans_unmark_if_none(int bans_fd, int config_fd)
{
	struct rule_key any;

	if (bpf_map_get_next_key(bans_fd, NULL, &any) && errno == ENOENT)
		bans_mark(config_fd, 0);
}

int bans_add(int bans_fd, int config_fd, const struct rule_key *keys, size_t n,
	     const struct ban *ban)
{
	struct ban *before = calloc(n ? n : 1, sizeof(*before));
	unsigned char *had = calloc(n ? n : 1, 1);
	size_t i, done;
	int err = 0;

	if (!before || !had) {
		err = -ENOMEM;
		goto out;
	}
	if (!n) /* nothing to ban: no mark either */
		goto out;
	err = bans_mark(config_fd, 1);
	if (err)
		goto out;
	for (done = 0; done < n; done++) {
		struct ban value = *ban;

		value.prefixlen = keys[done].prefixlen;
		had[done] = !bpf_map_lookup_elem(bans_fd, &keys[done], &before[done]);
		if (bpf_map_update_elem(bans_fd, &keys[done], &value, BPF_ANY)) {
			err = -errno;
			break;
		}
	}
	if (err) { /* all or nothing: put back what was there */
		for (i = 0; i < done; i++) {
			if (had[i])
				bpf_map_update_elem(bans_fd, &keys[i], &before[i], BPF_ANY);
			else
				bpf_map_delete_elem(bans_fd, &keys[i]);
		}
		bans_unmark_if_none(bans_fd, config_fd);
	}
out:
	free(before);
	free(had);
	return err;
}

int ban_find(int bans_fd, const union synlimit_addr *addr, __u64 now, struct ban_item *out)
{
	struct rule_key key = { .prefixlen = 128, .addr = *addr };
	int i;

	for (i = 0; i < 4; i++) { /* BAN_LOOKUPS in bpf/synlimit.bpf.c */
		if (bpf_map_lookup_elem(bans_fd, &key, &out->ban))
			return 0;
		if (ban_live(&out->ban, now)) {
			out->key.prefixlen = out->ban.prefixlen;
			addr_mask(addr, out->ban.prefixlen, &out->key.addr);
			return 1;
		}
		if (!out->ban.prefixlen)
			return 0;
		key.prefixlen = out->ban.prefixlen - 1;
	}
	return 0;
}

int bans_remove(int bans_fd, int config_fd, const struct rule_key *key)
{
	int err = bpf_map_delete_elem(bans_fd, key) ? -errno : 0;

	if (!err)
		bans_unmark_if_none(bans_fd, config_fd);
	return err;
}

static int cmp_item(const void *a, const void *b)
{
	const struct ban_item *x = a, *y = b;
	int c = memcmp(&x->key.addr, &y->key.addr, sizeof(x->key.addr));

	return c				     ? c
	       : x->key.prefixlen < y->key.prefixlen ? -1
						     : x->key.prefixlen > y->key.prefixlen;
}

int bans_list(int bans_fd, struct ban_item **items, size_t *n)
{
	struct rule_key key, next;
	struct ban_item *out = NULL;
	size_t count = 0, cap = 0;
	void *prev = NULL;

	*items = NULL;
	*n = 0;
	/* an LPM trie has no batch lookup: key by key, bounded by its size */
	while (count <= SYNLIMIT_MAX_BANS && !bpf_map_get_next_key(bans_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (count == cap) {
			struct ban_item *grown;

			cap = cap ? 2 * cap : 64;
			grown = realloc(out, cap * sizeof(*out));
			if (!grown) {
				free(out);
				return -ENOMEM;
			}
			out = grown;
		}
		if (bpf_map_lookup_elem(bans_fd, &key, &out[count].ban))
			continue; /* unbanned meanwhile */
		out[count++].key = key;
	}
	if (count)
		qsort(out, count, sizeof(*out), cmp_item);
	*items = out;
	*n = count;
	return 0;
}

int bans_purge(int bans_fd, int config_fd, __u64 now)
{
	struct ban_item *items;
	size_t n, i;
	int err = bans_list(bans_fd, &items, &n), purged = 0;

	if (err)
		return err;
	for (i = 0; i < n; i++)
		if (!ban_live(&items[i].ban, now) && !bpf_map_delete_elem(bans_fd, &items[i].key))
			purged++;
	free(items);
	bans_unmark_if_none(bans_fd, config_fd);
	return purged;
}
