/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * SYN cookie mode, shared by the XDP program (which answers SYNs of
 * unverified sources with a SYN-ACK whose sequence number is a cookie), the
 * TC ingress program (which checks the ACK that completes the handshake and
 * hands the connection to the kernel with bpf_sk_assign_tcp_reqsk) and the
 * controller (user/syncookie.c), which sets it all up.
 *
 * The cookie, 32 bits of the SYN-ACK's sequence number:
 *
 *   | 31 .. 9 | 8          | 7 6       | 5   | 4    | 3 .. 0                 |
 *   | hash    | time slot  | MSS index | ECN | SACK | client's window scale  |
 *   |         | parity     |           |     |      | (15: none offered)     |
 *
 * hash is keyed SipHash-2-4 over both addresses, both ports, the client's
 * sequence number, the time slot and bits 8..0 (so the options cannot be
 * changed). When the client offers timestamps, 8 more bits of the same
 * hash are the low byte of the SYN-ACK's TSval, and the ACK must echo them.
 * A time slot is 2^36 ns (68.7 s); an ACK is accepted in the slot of its
 * SYN-ACK and the next one.
 */
#ifndef SYNLIMIT_COOKIE_H
#define SYNLIMIT_COOKIE_H

#include <linux/types.h>

#define COOKIE_SLOT_SHIFT 36
#define COOKIE_HASH_MASK  0xfffffe00U
#define COOKIE_SLOT_BIT	  (1U << 8)
#define COOKIE_MSS_SHIFT  6
#define COOKIE_ECN	  (1U << 5)
#define COOKIE_SACK	  (1U << 4)
#define COOKIE_WSCALE	  0xfU /* 0xf: the client offered no window scaling */
#define COOKIE_LOW_BITS	  0x1ffU

/* Our own window scale in a SYN-ACK (the kernel's usual choice), and the
 * largest the kernel accepts from a client (RFC 7323: treat more as 14). */
#define COOKIE_OUR_WSCALE 7
#define COOKIE_MAX_WSCALE 14

enum cookie_mode {
	COOKIE_MODE_OFF = 0,
	COOKIE_MODE_ON = 1,
	COOKIE_MODE_AUTO = 2, /* on while the rate of connection attempts is high */
};

/* Key ifindex: an interface synlimit is attached to with cookies on or auto.
 * The auto fields are updated by the data path with atomics; a race that
 * loses a count or starts a window twice is harmless (the rate is a
 * threshold test, not a limit). */
struct cookie_iface {
	__u32 mode;   /* enum cookie_mode */
	__u32 active; /* cookies are being sent now (on: always; auto: above threshold) */
	__u16 mss4;   /* the MSS our SYN-ACKs announce, from the interface's MTU */
	__u16 mss6;
	__u32 pad;
	__u64 window_start_ns; /* auto: the current one-second window */
	__u64 window_syns;     /* auto: connection attempts in it */
	__u64 calm_since_ns;   /* auto: first quiet window while active (0: none) */
	__u64 switched_ns;     /* last transition, for status */
	__u64 last_rate;       /* attempts in the last complete window */
};

#define COOKIE_F_ALL_PORTS (1U << 0) /* every destination port gets cookies */
#define COOKIE_F_NO_SACK   (1U << 1) /* net.ipv4.tcp_sack = 0: do not offer it */
#define COOKIE_F_NO_TS	   (1U << 2) /* net.ipv4.tcp_timestamps = 0 */
#define COOKIE_F_NO_WSCALE (1U << 3) /* net.ipv4.tcp_window_scaling = 0 */

/* Single-entry array, written by the controller. */
struct cookie_config {
	__u64 key[2];	       /* SipHash key, from getrandom() at the first attach */
	__u64 verified_ttl_ns; /* a verified source stays verified this long */
	__u64 synack_cap;      /* SYN-ACKs a second, all CPUs; 0: no cap */
	__u64 auto_on_rate;    /* auto: attempts a second that turn cookies on */
	__u64 auto_off_rate;   /* auto: ...below which, for auto_hold_ns, off again */
	__u64 auto_hold_ns;
	__u32 flags;	   /* COOKIE_F_* */
	__u32 ifaces;	   /* interfaces with cookies on or auto: 0 skips it all */
	__u8 sysctl_saved; /* net.ipv4.tcp_syncookies before we set it; 0xff: untouched */
	__u8 pad[7];
};

/* The SYN-ACK cap: one-second windows, shared by all CPUs. */
struct cookie_budget {
	__u64 window; /* now >> 30 (about a second) */
	__u64 sent;
};

#define COOKIE_PORT_WORDS 1024 /* 65536 bits: destination ports that get cookies */

#define COOKIE_VERIFIED_TTL_DEFAULT (600ULL * 1000000000ULL)
#define COOKIE_SYNACK_CAP_DEFAULT   100000
#define COOKIE_AUTO_ON_DEFAULT	    2000
#define COOKIE_AUTO_OFF_DEFAULT	    500
#define COOKIE_AUTO_HOLD_DEFAULT    (5ULL * 1000000000ULL)

#endif /* SYNLIMIT_COOKIE_H */
