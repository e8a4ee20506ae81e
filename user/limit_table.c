// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "limit_table.h"

/* A trie with the attributes of the inner maps declared in bpf/maps.h. */
static int trie_create(const char *name, __u32 key_size, __u32 max_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	int fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, name, key_size, sizeof(struct rule),
				max_entries, &opts);

	return fd < 0 ? -errno : fd;
}

static int insert(int fd, const void *key, const struct rule *rule)
{
	if (bpf_map_update_elem(fd, key, rule, BPF_NOEXIST)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return 0;
}

/* The port-less rules; each names port_table (0: the file has no port
 * rules). A table with port rules always has a ::/0 entry, so that every
 * source finds a rule naming them (RULE_NONE where the file has none). */
static int create_portless(const struct limit_entry *entries, size_t n, __u8 port_table)
{
	int fd, has_default = 0, err;
	size_t i;

	if (n > SYNLIMIT_MAX_RULES)
		return -E2BIG;
	fd = trie_create("synlimit_rules", sizeof(struct rule_key), SYNLIMIT_MAX_RULES);
	if (fd < 0)
		return fd;
	for (i = 0; i < n; i++) {
		struct rule rule = entries[i].rule;

		if (entries[i].ports)
			continue;
		has_default |= entries[i].key.prefixlen == 0;
		rule.port_table = port_table;
		err = insert(fd, &entries[i].key, &rule);
		if (err)
			return err;
	}
	if (port_table && !has_default) {
		struct rule_key key = { .prefixlen = 0 };
		struct rule none = { .action = RULE_NONE, .port_table = port_table };

		err = insert(fd, &key, &none);
		if (err)
			return err;
	}
	return fd;
}

int limit_table_create(const struct limit_entry *entries, size_t n)
{
	return create_portless(entries, n, 0);
}

/* One key per rule and port: a port range is not a prefix of the key. */
static int create_ports(const struct limit_entry *entries, size_t n)
{
	size_t i, keys = 0;
	int fd, err;

	for (i = 0; i < n; i++)
		keys += limit_entry_port_count(&entries[i]);
	if (keys > SYNLIMIT_MAX_PORT_KEYS)
		return -E2BIG;
	fd = trie_create("synlimit_ports", sizeof(struct port_rule_key), SYNLIMIT_MAX_PORT_KEYS);
	if (fd < 0)
		return fd;
	for (i = 0; i < n; i++) {
		struct port_rule_key key = { .prefixlen = 32 + entries[i].key.prefixlen,
					     .addr = entries[i].key.addr };
		__u32 r;

		for (r = 0; r < entries[i].n_ports; r++) {
			unsigned int port;

			for (port = entries[i].ports[r].lo; port <= entries[i].ports[r].hi;
			     port++) {
				key.port = htons((__u16)port);
				err = insert(fd, &key, &entries[i].rule);
				if (err)
					return err;
			}
		}
	}
	return fd;
}

int limit_table_swap(int tables_fd, int table_fd)
{
	__u32 zero = 0;

	/* one pointer store in the kernel: RCU keeps the old table alive for
	 * packets still using it */
	if (bpf_map_update_elem(tables_fd, &zero, &table_fd, BPF_ANY))
		return -errno;
	return 0;
}

int limit_table_live(int tables_fd)
{
	struct bpf_map_info info = {};
	__u32 zero = 0, id, len = sizeof(info);
	int fd;

	if (bpf_map_lookup_elem(tables_fd, &zero, &id))
		return errno == ENOENT ? -ENOENT : -errno;
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	/* read as rules only if it is a table of rules (the kernel holds every
	 * table to the pinned template; this keeps readers safe regardless) */
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != BPF_MAP_TYPE_LPM_TRIE ||
	    info.key_size != sizeof(struct rule_key) || info.value_size != sizeof(struct rule)) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

/* The port_tables slot + 1 the live table names, 0 if none. */
static int live_port_slot(int tables_fd)
{
	struct rule_key key = { .prefixlen = 0 };
	struct rule rule;
	int table = limit_table_live(tables_fd), slot = 0;

	if (table < 0)
		return table == -ENOENT ? 0 : table;
	if (!bpf_map_lookup_elem(table, &key, &rule))
		slot = rule.port_table;
	close(table);
	return slot;
}

int limit_table_install(int tables_fd, int port_tables_fd, const struct limit_entry *entries,
			size_t n)
{
	int live = live_port_slot(tables_fd), slot = 0, table, err;
	__u32 idx;
	size_t i;

	if (live < 0)
		return live;
	for (i = 0; i < n && !slot; i++)
		if (entries[i].ports)
			slot = live == 1 ? 2 : 1;
	if (slot) {
		int ports = create_ports(entries, n);

		if (ports < 0)
			return ports;
		idx = slot - 1;
		err = bpf_map_update_elem(port_tables_fd, &idx, &ports, BPF_ANY) ? -errno : 0;
		close(ports);
		if (err)
			return err;
	}
	table = create_portless(entries, n, (__u8)slot);
	if (table < 0)
		return table;
	err = limit_table_swap(tables_fd, table);
	close(table);
	if (err)
		return err;
	/* the swap waited for the packets that used the old port rules */
	if (live && live != slot) {
		idx = live - 1;
		bpf_map_delete_elem(port_tables_fd, &idx);
	}
	return 0;
}

int limit_table_live_ports(int tables_fd, int port_tables_fd)
{
	int slot = live_port_slot(tables_fd), fd;
	__u32 idx, id;

	if (slot <= 0)
		return slot ? slot : -ENOENT;
	idx = slot - 1;
	if (bpf_map_lookup_elem(port_tables_fd, &idx, &id))
		return -errno;
	fd = bpf_map_get_fd_by_id(id);
	return fd < 0 ? -errno : fd;
}
