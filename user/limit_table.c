// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <errno.h>
#include <unistd.h>
#include "limit_table.h"

int limit_table_create(const struct limit_entry *entries, size_t n)
{
	/* the attributes of the inner map declared in bpf/synlimit.bpf.c */
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
	size_t i;
	int fd, err;

	if (n > SYNLIMIT_MAX_RULES)
		return -E2BIG;
	fd = bpf_map_create(BPF_MAP_TYPE_LPM_TRIE, "synlimit_rules", sizeof(struct rule_key),
			    sizeof(struct rule), SYNLIMIT_MAX_RULES, &opts);
	if (fd < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		if (bpf_map_update_elem(fd, &entries[i].key, &entries[i].rule, BPF_NOEXIST)) {
			err = -errno;
			close(fd);
			return err;
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
