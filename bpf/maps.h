/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The XDP program's maps and the structs only BPF code uses: one definition
 * for bpf/synlimit.bpf.c and for the benchmark programs that time its pieces
 * (tests/bench/bench_parts.bpf.c), so the two cannot drift apart.
 * The layouts the controller reads are in include/synlimit/abi.h.
 */
#ifndef SYNLIMIT_MAPS_H
#define SYNLIMIT_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "synlimit/abi.h"
#include "synlimit/source_table.h"

/* A connection attempt's source and destination port. port_rules: the
 * port-less rule for the source names a port table, so the rule that
 * applies depends on the port; blocked: the source is in the blocked table. */
struct syn_source {
	union synlimit_addr addr;
	__be16 dport;
	__u8 port_rules;
	__u8 blocked;
} __attribute__((aligned(8))); /* addr's halves as 8-byte words (parse.h) */

/* The counters of packets from interfaces without a slot of their own in
 * iface_stats, and the TC program's. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synlimit_stats);
} stats SEC(".maps");

/* Per CPU, so counting needs no atomics; an interface's slot is claimed
 * by the controller, and the last one holds retired counts
 * (include/synlimit/abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNLIMIT_MAX_IFACES + 1);
	__type(key, __u32);
	__type(value, struct iface_stats);
} iface_stats SEC(".maps");

/* The limit table is replaced as a whole: the controller fills a new trie
 * and swaps it into slot 0, so a packet sees the old table or the new one. */
struct limit_table {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	/* a trie allocates per rule; LPM refuses BPF_F_INNER_MAP, so every
	 * table the controller makes has exactly these attributes */
	__uint(max_entries, SYNLIMIT_MAX_RULES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	/* sizes, not types: BTF of an inner map's key is only a forward here */
	__uint(key_size, sizeof(struct rule_key));
	__uint(value_size, sizeof(struct rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct limit_table);
} limit_tables SEC(".maps");

/* The port rules of a limit table, in a trie of their own (its key is
 * longer). Two slots: a reload fills the slot the live table does not name,
 * then swaps the port-less table that names it (rule.port_table), so a
 * packet sees the old pair or the new one. */
struct port_table {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SYNLIMIT_MAX_PORT_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct port_rule_key));
	__uint(value_size, sizeof(struct rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct port_table);
} port_tables SEC(".maps");

/* Bans, by address or network; pinned, so they outlive reloads and the
 * controller. Expired entries stay until the controller purges them. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SYNLIMIT_MAX_BANS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rule_key);
	__type(value, struct ban);
} bans SEC(".maps");

/* The per-source tables, a bucket of SOURCE_WAYS entries an element
 * (bpf/source_table.h). Sizes are load-time settings: the controller sets
 * max_entries and cfg_*_buckets together (source_tables_setup). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SOURCE_BUCKETS(SYNLIMIT_DEFAULT_SOURCES));
	__type(key, __u32);
	__type(value, struct source_bucket);
} sources SEC(".maps");

/* A line a bucket of sources (include/synlimit/source_table.h), sized with it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SOURCE_BUCKETS(SYNLIMIT_DEFAULT_SOURCES));
	__type(key, __u32);
	__type(value, struct first_line);
} first_attempts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SOURCE_BUCKETS(SYNLIMIT_DEFAULT_BLOCKED));
	__type(key, __u32);
	__type(value, struct blocked_bucket);
} blocked_sources SEC(".maps");

/* A bit for each bucket of the blocked table that holds an entry, set and
 * cleared under the bucket's lock: a SYN from a source in an empty bucket
 * (nearly every SYN: few sources are blocked) reads a bit that stays in
 * cache, not a bucket of a table of megabytes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OCCUPANCY_WORDS(SOURCE_BUCKETS(SYNLIMIT_DEFAULT_BLOCKED)));
	__type(key, __u32);
	__type(value, __u64);
} blocked_occupancy SEC(".maps");

/* A cache line each, so two CPUs on different sources do not share one. */
struct lock_stripe {
	struct bpf_spin_lock lock;
	__u32 pad[15];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNLIMIT_LOCK_STRIPES);
	__type(key, __u32);
	__type(value, struct lock_stripe);
} lock_stripes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_budget);
} event_budget SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} fixed_clock SEC(".maps");

/* Written by the controller only; here so that it is pinned with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synlimit_config);
} config SEC(".maps");

#endif /* SYNLIMIT_MAPS_H */
