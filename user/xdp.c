// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "xdp.h"

static void link_pin_name(char *buf, size_t size, __u32 ifindex)
{
	snprintf(buf, size, "link_%u", ifindex);
}

static int link_info(int link_fd, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(link_fd, info, &len) ? -errno : 0;
}

static const char *mode_of(__u32 ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)ifindex, 0, &q))
		return "?";
	if (q.drv_prog_id == prog_id)
		return "native";
	if (q.skb_prog_id == prog_id)
		return "generic";
	if (q.hw_prog_id == prog_id)
		return "offload";
	return "?";
}

static const char *prog_name(__u32 id, char *buf, size_t size)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, size, "?");
	if (fd >= 0) {
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			snprintf(buf, size, "%s", info.name);
		close(fd);
	}
	return buf;
}

int xdp_attach(const struct loaded *l, const char *ifname, enum xdp_mode mode)
{
	static const __u32 mode_flags[] = { 0, XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE };
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode_flags[mode]);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char pin[32], name[BPF_OBJ_NAME_LEN];
	struct bpf_link_info info;
	__u32 ifindex = if_nametoindex(ifname);
	int link_fd, err;

	if (!ifindex) {
		pr_warn("%s: no such interface\n", ifname);
		return -ENODEV;
	}
	link_pin_name(pin, sizeof(pin), ifindex);
	link_fd = pin_get(l->dir.fd, l->dir.path, pin, 0);
	if (link_fd == -EPROTO)
		return link_fd;
	if (link_fd >= 0) {
		err = link_info(link_fd, &info);
		close(link_fd);
		if (!err && info.xdp.ifindex == ifindex) {
			const char *now = mode_of(ifindex, info.prog_id);

			if ((mode == XDP_MODE_NATIVE && strcmp(now, "native")) ||
			    (mode == XDP_MODE_GENERIC && strcmp(now, "generic"))) {
				pr_warn("%s: already attached in %s mode; detach it first to "
					"change the mode\n",
					ifname, now);
				return -EEXIST;
			}
			return 1;
		}
		pin_remove(l->dir.fd, pin); /* a link whose interface went away */
	}

	if (bpf_xdp_query((int)ifindex, 0, &q)) {
		err = -errno;
		pr_warn("%s: cannot query XDP: %s\n", ifname, strerror(-err));
		return err;
	}
	if (q.prog_id || q.drv_prog_id || q.skb_prog_id || q.hw_prog_id) {
		__u32 id = q.prog_id	   ? q.prog_id
			   : q.drv_prog_id ? q.drv_prog_id
			   : q.skb_prog_id ? q.skb_prog_id
					   : q.hw_prog_id;

		pr_warn("%s: already has an XDP program that synlimit did not attach (id %u, "
			"%s); synlimit never replaces it (remove it with: ip link set dev %s "
			"xdp off)\n",
			ifname, id, prog_name(id, name, sizeof(name)), ifname);
		return -EBUSY;
	}

	link_fd = bpf_link_create(l->prog_fd, (int)ifindex, BPF_XDP, &opts);
	if (link_fd < 0) {
		err = -errno;
		if (mode == XDP_MODE_NATIVE && (err == -EOPNOTSUPP || err == -EINVAL))
			pr_warn("%s: the driver has no native XDP; use --mode generic or auto\n",
				ifname);
		else
			pr_warn("%s: cannot attach: %s%s\n", ifname, strerror(-err),
				err == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
		return err;
	}
	err = pin_put(l->dir.fd, pin, link_fd);
	if (err) {
		pr_warn("%s: cannot pin the link at %s/%s: %s\n", ifname, l->dir.path, pin,
			strerror(-err));
		close(link_fd); /* unpinned: closing the last fd detaches it */
		return err;
	}
	close(link_fd);
	return 0;
}

int xdp_detach(const struct pin_dir *dir, __u32 ifindex)
{
	char pin[32];
	int link_fd, err = 0;

	link_pin_name(pin, sizeof(pin), ifindex);
	link_fd = pin_get(dir->fd, dir->path, pin, 0);
	if (link_fd < 0)
		return link_fd;
	/* a link whose interface is gone is already detached */
	if (bpf_link_detach(link_fd) && errno != ENOLINK && errno != EINVAL)
		err = -errno;
	close(link_fd);
	if (!err)
		err = pin_remove(dir->fd, pin);
	return err;
}

int xdp_list(const struct pin_dir *dir, struct xdp_iface *out, int max)
{
	struct dirent *de;
	DIR *d = dir->fd < 0 ? NULL : pin_dir_list(dir->fd);
	int n = 0;

	if (!d)
		return dir->fd < 0 ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		struct bpf_link_info info;
		struct xdp_iface *it = &out[n];
		int fd;

		if (strncmp(de->d_name, "link_", 5))
			continue;
		fd = pin_get(dir->fd, dir->path, de->d_name, 0);
		if (fd < 0)
			continue;
		memset(it, 0, sizeof(*it));
		it->ifindex = (__u32)strtoul(de->d_name + 5, NULL, 10);
		if (!link_info(fd, &info)) {
			it->link_id = info.id;
			it->prog_id = info.prog_id;
		}
		close(fd);
		if (!if_indextoname(it->ifindex, it->name))
			it->name[0] = '\0';
		it->mode = it->name[0] ? mode_of(it->ifindex, it->prog_id) : "gone";
		n++;
	}
	closedir(d);
	return n;
}
