// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "clock.h"
#include "json.h"
#include "log.h"
#include "syncookie.h"
#include "synlimit/abi.h"
#include "syncookie_tc.skel.h"

/* Not in the UAPI headers of Debian 12 (6.1); tcx came with Linux 6.6. */
#ifndef BPF_TCX_INGRESS
#define BPF_TCX_INGRESS 46
#endif

#define SYSCTL_SYNCOOKIES "/proc/sys/net/ipv4/tcp_syncookies"
#define SYSCTL_UNTOUCHED  0xff

static int parse_port(const char *text, char **end, unsigned long *port)
{
	errno = 0;
	if (*text < '0' || *text > '9')
		return -EINVAL;
	*port = strtoul(text, end, 10);
	return errno || *port < 1 || *port > 65535 ? -EINVAL : 0;
}

int syncookie_parse_ports(const char *text, __u64 bits[COOKIE_PORT_WORDS], const char **why)
{
	const char *p = text;

	memset(bits, 0, COOKIE_PORT_WORDS * sizeof(bits[0]));
	*why = "a list of ports and ranges, e.g. 25,465,587,8000-8099";
	if (!*p)
		return -EINVAL;
	while (*p) {
		unsigned long lo, hi, port;
		char *end;

		if (parse_port(p, &end, &lo))
			return -EINVAL;
		hi = lo;
		if (*end == '-' && parse_port(end + 1, &end, &hi))
			return -EINVAL;
		if (hi < lo) {
			*why = "a range goes from low to high";
			return -EINVAL;
		}
		for (port = lo; port <= hi; port++)
			bits[port >> 6] |= 1ULL << (port & 63);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return -EINVAL;
		p = end;
	}
	return 0;
}

struct syncookie_tc_bpf *syncookie_tc_load(int (*map_fd)(const char *name, void *arg), void *arg,
					   int fixed_clock)
{
	struct syncookie_tc_bpf *skel = syncookie_tc_bpf__open();
	struct bpf_map *map;
	int err = 0;

	if (!skel)
		return NULL;
	skel->rodata->cfg_fixed_clock = (__u8)fixed_clock;
	bpf_object__for_each_map(map, skel->obj)
	{
		int fd;

		if (bpf_map__is_internal(map))
			continue;
		fd = map_fd(bpf_map__name(map), arg);
		if (fd < 0) {
			err = fd;
			pr_warn("cookie mode: no map '%s' to share: %s\n", bpf_map__name(map),
				strerror(-fd));
			goto fail;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err)
			goto fail;
	}
	err = syncookie_tc_bpf__load(skel);
	if (err) {
		pr_warn("cookie mode: cannot load the TC program: %s (needs Linux 6.9 or later "
			"with CONFIG_SYN_COOKIES for bpf_sk_assign_tcp_reqsk)\n",
			strerror(-err));
		goto fail;
	}
	return skel;
fail:
	syncookie_tc_bpf__destroy(skel);
	errno = err < 0 ? -err : EINVAL;
	return NULL;
}

static int read_sysctl(const char *path)
{
	char buf[16] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -errno;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -EIO;
}

static int write_sysctl(const char *path, int value)
{
	char buf[16];
	int fd = open(path, O_WRONLY | O_CLOEXEC), n, err = 0;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", value);
	if (write(fd, buf, (size_t)n) != n)
		err = -errno;
	close(fd);
	return err;
}

/* Options the kernel would refuse in bpf_sk_assign_tcp_reqsk are not offered. */
static __u32 stack_flags(void)
{
	return (read_sysctl("/proc/sys/net/ipv4/tcp_sack") == 0 ? COOKIE_F_NO_SACK : 0) |
	       (read_sysctl("/proc/sys/net/ipv4/tcp_timestamps") == 0 ? COOKIE_F_NO_TS : 0) |
	       (read_sysctl("/proc/sys/net/ipv4/tcp_window_scaling") == 0 ? COOKIE_F_NO_WSCALE : 0);
}

int syncookie_configure(int config_fd, int ports_fd, const struct syncookie_options *opts)
{
	struct cookie_config cfg;
	__u32 zero = 0, i;

	if (bpf_map_lookup_elem(config_fd, &zero, &cfg))
		return -errno;
	if (!cfg.key[0] && !cfg.key[1]) { /* the first use: a secret and the defaults */
		if (getrandom(cfg.key, sizeof(cfg.key), 0) != sizeof(cfg.key))
			return -EIO;
		cfg.verified_ttl_ns = COOKIE_VERIFIED_TTL_DEFAULT;
		cfg.synack_cap = COOKIE_SYNACK_CAP_DEFAULT;
		cfg.auto_on_rate = COOKIE_AUTO_ON_DEFAULT;
		cfg.auto_off_rate = COOKIE_AUTO_OFF_DEFAULT;
		cfg.auto_hold_ns = COOKIE_AUTO_HOLD_DEFAULT;
		cfg.flags = COOKIE_F_ALL_PORTS;
		cfg.sysctl_saved = SYSCTL_UNTOUCHED;
	}
	cfg.flags = (cfg.flags & COOKIE_F_ALL_PORTS) | stack_flags();
	if (opts->cap_given)
		cfg.synack_cap = opts->synack_cap;
	if (opts->ports_given) {
		for (i = 0; i < COOKIE_PORT_WORDS; i++)
			if (bpf_map_update_elem(ports_fd, &i, &opts->ports[i], BPF_ANY))
				return -errno;
		cfg.flags &= ~COOKIE_F_ALL_PORTS;
	}
	return bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY) ? -errno : 0;
}

/* ---- pinned objects ---- */

struct pins {
	const char *dir;
};

static int open_pin(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	return fd < 0 ? -errno : fd;
}

static int pinned_map_fd(const char *name, void *arg)
{
	return open_pin(((struct pins *)arg)->dir, name);
}

static int tclink_path(char *buf, size_t size, const char *pin_dir, __u32 ifindex)
{
	int n = snprintf(buf, size, "%s/tclink_%u", pin_dir, ifindex);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int iface_mtu(const char *ifname)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/class/net/%s/mtu", ifname);
	return read_sysctl(path);
}

/* The TC program on ifindex, through a pinned tcx link. */
static int attach_tc(const char *pin_dir, __u32 ifindex, const char *path)
{
	struct pins pins = { pin_dir };
	struct syncookie_tc_bpf *skel = syncookie_tc_load(pinned_map_fd, &pins, 0);
	int link_fd, err = 0;

	if (!skel)
		return -errno;
	link_fd = bpf_link_create(bpf_program__fd(skel->progs.synlimit_cookie_ack), (int)ifindex,
				  BPF_TCX_INGRESS, NULL);
	if (link_fd < 0) {
		err = -errno;
		pr_warn("cookie mode: cannot attach the TC ingress program: %s (tcx needs Linux "
			"6.6 or later)\n",
			strerror(-err));
	} else if (bpf_obj_pin(link_fd, path)) {
		err = -errno;
		pr_warn("cookie mode: cannot pin %s: %s\n", path, strerror(-err));
	}
	if (link_fd >= 0)
		close(link_fd); /* unpinned, closing it detaches it */
	syncookie_tc_bpf__destroy(skel);
	return err;
}

/* net.ipv4.tcp_syncookies must not be 0: with 0 the kernel ignores the
 * request sockets bpf_sk_assign_tcp_reqsk hands it. Set to 1 only if 0,
 * remembered so that the last detach puts it back. */
static int sysctl_take(struct cookie_config *cfg)
{
	int now = read_sysctl(SYSCTL_SYNCOOKIES);

	cfg->sysctl_saved = SYSCTL_UNTOUCHED;
	if (now < 0) {
		pr_warn("cookie mode: cannot read %s: %s\n", SYSCTL_SYNCOOKIES, strerror(-now));
		return now;
	}
	if (now)
		return 0;
	if (write_sysctl(SYSCTL_SYNCOOKIES, 1)) {
		pr_warn("cookie mode: net.ipv4.tcp_syncookies is 0 and cannot be set to 1\n");
		return -EPERM;
	}
	cfg->sysctl_saved = 0;
	pr_info("net.ipv4.tcp_syncookies set to 1 for cookie mode (0 again at the last detach)\n");
	return 0;
}

static void sysctl_give_back(struct cookie_config *cfg)
{
	if (cfg->sysctl_saved == SYSCTL_UNTOUCHED)
		return;
	if (write_sysctl(SYSCTL_SYNCOOKIES, cfg->sysctl_saved))
		pr_warn("cookie mode: cannot set net.ipv4.tcp_syncookies back to %u\n",
			cfg->sysctl_saved);
	else
		pr_info("net.ipv4.tcp_syncookies set back to %u\n", cfg->sysctl_saved);
	cfg->sysctl_saved = SYSCTL_UNTOUCHED;
}

struct cookie_maps {
	int config, ifaces, ports;
};

static int open_maps(const char *pin_dir, struct cookie_maps *m)
{
	m->config = open_pin(pin_dir, "cookie_config");
	m->ifaces = open_pin(pin_dir, "cookie_ifaces");
	m->ports = open_pin(pin_dir, "cookie_ports");
	if (m->config >= 0 && m->ifaces >= 0 && m->ports >= 0)
		return 0;
	return m->config < 0 ? m->config : m->ifaces < 0 ? m->ifaces : m->ports;
}

static void close_maps(struct cookie_maps *m)
{
	if (m->config >= 0)
		close(m->config);
	if (m->ifaces >= 0)
		close(m->ifaces);
	if (m->ports >= 0)
		close(m->ports);
}

int syncookie_attach(const char *pin_dir, const char *ifname, const struct syncookie_options *opts)
{
	struct cookie_iface ifc = { .mode = opts->mode, .active = opts->mode == COOKIE_MODE_ON };
	__u32 ifindex = if_nametoindex(ifname), zero = 0;
	struct cookie_config cfg;
	struct cookie_maps m;
	char path[PATH_MAX];
	int err, mtu, linked;

	if (!ifindex)
		return -ENODEV;
	err = open_maps(pin_dir, &m);
	if (!err)
		err = tclink_path(path, sizeof(path), pin_dir, ifindex);
	if (err)
		goto out;
	err = syncookie_configure(m.config, m.ports, opts);
	if (!err && bpf_map_lookup_elem(m.config, &zero, &cfg))
		err = -errno;
	if (err)
		goto out;
	linked = !access(path, F_OK);
	if (linked) { /* already on: only the mode can change */
		struct cookie_iface old;

		err = 1;
		if (!bpf_map_lookup_elem(m.ifaces, &ifindex, &old) && old.mode == opts->mode)
			goto out;
	} else {
		if (!cfg.ifaces && (err = sysctl_take(&cfg)))
			goto out;
		err = attach_tc(pin_dir, ifindex, path);
		if (err)
			goto give_back;
		cfg.ifaces++;
	}
	mtu = iface_mtu(ifname);
	if (mtu < 1280)
		mtu = 1500;
	ifc.mss4 = (__u16)(mtu - 40 > 65495 ? 65495 : mtu - 40);
	ifc.mss6 = (__u16)(mtu - 60 > 65475 ? 65475 : mtu - 60);
	/* the TC program is in place before the XDP program sends a cookie */
	if (bpf_map_update_elem(m.ifaces, &ifindex, &ifc, BPF_ANY) ||
	    bpf_map_update_elem(m.config, &zero, &cfg, BPF_ANY)) {
		err = -errno;
		pr_warn("%s: cannot record cookie mode: %s\n", ifname, strerror(-err));
		if (!linked) {
			unlink(path);
			goto give_back;
		}
	}
	goto out;
give_back:
	if (!cfg.ifaces)
		sysctl_give_back(&cfg);
out:
	close_maps(&m);
	return err;
}

int syncookie_detach(const char *pin_dir, __u32 ifindex)
{
	struct cookie_config cfg;
	struct cookie_maps m;
	char path[PATH_MAX];
	__u32 zero = 0;
	int err, link_fd;

	err = open_maps(pin_dir, &m);
	if (!err)
		err = tclink_path(path, sizeof(path), pin_dir, ifindex);
	if (err)
		goto out;
	link_fd = bpf_obj_get(path);
	if (link_fd < 0) {
		err = -ENOENT;
		goto out;
	}
	/* no more cookies from XDP first, then the ACK checks go */
	bpf_map_delete_elem(m.ifaces, &ifindex);
	if (!bpf_map_lookup_elem(m.config, &zero, &cfg) && cfg.ifaces) {
		if (!--cfg.ifaces)
			sysctl_give_back(&cfg);
		bpf_map_update_elem(m.config, &zero, &cfg, BPF_ANY);
	}
	if (bpf_link_detach(link_fd) && errno != ENOLINK && errno != EINVAL)
		err = -errno;
	close(link_fd);
	if (unlink(path) && !err)
		err = -errno;
out:
	close_maps(&m);
	return err;
}

int syncookie_iface_status(const char *pin_dir, __u32 ifindex, struct syncookie_iface_status *out)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);
	struct cookie_iface ifc;
	char path[PATH_MAX];
	int fd = open_pin(pin_dir, "cookie_ifaces"), err = 0;

	memset(out, 0, sizeof(*out));
	if (fd < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(fd, &ifindex, &ifc))
		err = -ENOENT;
	close(fd);
	if (err)
		return err;
	snprintf(out->mode, sizeof(out->mode), "%s", ifc.mode == COOKIE_MODE_AUTO ? "auto" : "on");
	out->active = (int)ifc.active;
	out->last_rate = ifc.last_rate;
	if (!tclink_path(path, sizeof(path), pin_dir, ifindex)) {
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (!bpf_obj_get_info_by_fd(fd, &info, &len))
				out->tc_prog_id = info.prog_id;
			close(fd);
		}
	}
	return 0;
}

int syncookie_verified(const char *pin_dir, const void *addr, __u64 now_ns, __u64 *age_ns)
{
	int fd = open_pin(pin_dir, "verified"), cfg_fd, found;
	struct cookie_config cfg = { 0 };
	__u32 zero = 0;
	__u64 since;

	if (fd < 0)
		return fd;
	found = !bpf_map_lookup_elem(fd, addr, &since);
	close(fd);
	cfg_fd = open_pin(pin_dir, "cookie_config");
	if (cfg_fd >= 0) {
		bpf_map_lookup_elem(cfg_fd, &zero, &cfg);
		close(cfg_fd);
	}
	if (!found || now_ns - since >= cfg.verified_ttl_ns)
		return 0;
	*age_ns = now_ns - since;
	return 1;
}

void syncookie_status_json(struct json *j, const char *pin_dir, __u32 ifindex)
{
	struct syncookie_iface_status s;

	json_key(j, "syncookies");
	if (syncookie_iface_status(pin_dir, ifindex, &s)) {
		json_string(j, "off");
		return;
	}
	json_object_begin(j);
	json_key(j, "mode");
	json_string(j, s.mode);
	json_key(j, "active");
	json_bool(j, s.active);
	json_key(j, "attempts_per_s");
	json_u64(j, s.last_rate);
	json_key(j, "tc_program_id");
	json_u64(j, s.tc_prog_id);
	json_object_end(j);
}

char *syncookie_status_text(const char *pin_dir, __u32 ifindex, char *buf, size_t size)
{
	struct syncookie_iface_status s;

	if (syncookie_iface_status(pin_dir, ifindex, &s))
		snprintf(buf, size, "syncookies off");
	else if (!strcmp(s.mode, "auto"))
		snprintf(buf, size, "syncookies auto (%s, %llu attempts/s), TC program %u",
			 s.active ? "sending" : "idle", (unsigned long long)s.last_rate,
			 s.tc_prog_id);
	else
		snprintf(buf, size, "syncookies on, TC program %u", s.tc_prog_id);
	return buf;
}

int syncookie_print_event(const struct synlimit_event *ev, int json)
{
	const char *type = ev->type == EVENT_COOKIES_ON ? "syncookies_on" : "syncookies_off";
	char when[32], name[IF_NAMESIZE] = "?";
	__u64 rate = ev->rate_q16 >> 16;

	format_mono_time(ev->time_ns, when, sizeof(when));
	if_indextoname(ev->line, name); /* the event's line is the interface */
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "time");
		json_string(&j, when);
		json_key(&j, "event");
		json_string(&j, type);
		json_key(&j, "interface");
		json_string(&j, name);
		json_key(&j, "attempts_per_s");
		json_u64(&j, rate);
		json_object_end(&j);
		json_end_line(&j);
	} else {
		printf("%s %s %s: %llu connection attempts/s\n", when, type, name,
		       (unsigned long long)rate);
		fflush(stdout);
	}
	return 0;
}
