// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * "mount": the mount a failing path sits on, as the failing process saw it at that moment: its
 * mount point, per-mount options (a read-only bind mount says "ro" only there), the superblock's
 * options (ext4 since 6.15 says "emergency_ro" there after errors=remount-ro tripped, while
 * /proc/mounts and the per-mount options still say "rw"), and what a tmpfs was sized to.
 * Read again an hour later, the filesystem has been remounted or the tmpfs is gone.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "lib/json.h"
#include "host/mountinfo.h"
#include "host/overlay_opts.h"
#include "host/pidns.h"
#include "collect/state.h"

/* Whether opt is one of the comma-separated options in list. */
static bool has_option(const char *list, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, opt, n))
			return true;
		p = end ? end + 1 : p + len;
	}
	return false;
}

/* An overlay writes into its upper layer: the mount that layer sits on is the one that fills up
 * (overlay's statfs is that filesystem's). Its path is as the overlay's mounter saw it. */
static void upper_of(const struct mount_table *mt, const struct mount_entry *e, struct jbuf *b)
{
	struct overlay_opts o = {};
	const struct mount_entry *u;
	char err[128];

	if (!e->fstype || strcmp(e->fstype, "overlay") || !e->super_options ||
	    overlay_opts_parse(e->super_options, NULL, &o, err, sizeof(err)) || !o.upper || o.upper[0] != '/') {
		overlay_opts_free(&o);
		return;
	}
	state_put_str(b, "upper", o.upper);
	if ((u = mount_table_find_path(mt, o.upper))) {
		state_put_str(b, "upper_mnt", u->mountpoint);
		state_put_str(b, "upper_fstype", u->fstype);
		state_put_str(b, "upper_super", u->super_options);
	}
	overlay_opts_free(&o);
}

void state_put_mount(const struct record *f, const char *path, const char *prefix, struct jbuf *b)
{
	struct mount_table t = {};
	const struct mount_entry *m;
	char info[64], key[32];

	snprintf(info, sizeof(info), "/proc/%u/mountinfo", pidns_proc_pid(f));
	if (mount_table_load(&t, info) != 0 && mount_table_load(&t, "/proc/self/mountinfo") != 0)
		return;
	if ((m = mount_table_find_path(&t, path))) {
		snprintf(key, sizeof(key), "%smnt", prefix);
		state_put_str(b, key, m->mountpoint);
		snprintf(key, sizeof(key), "%sfstype", prefix);
		state_put_str(b, key, m->fstype);
		snprintf(key, sizeof(key), "%ssource", prefix);
		state_put_str(b, key, m->source);
		snprintf(key, sizeof(key), "%sopts", prefix);
		state_put_str(b, key, m->options);
	}
	mount_table_free(&t);
}

/*
 * "mount": the mount a failing call's path sits on, as the process saw it (EROFS, ENOSPC, EDQUOT:
 * read-only how, an overlay's upper layer), its second path's (EXDEV: the two volumes) and, for
 * ETXTBSY, the process running the file.
 */
int state_gather_mount(const struct record *failure, struct record *out)
{
	struct mount_table mt = {};
	const struct mount_entry *e;
	char path[64];
	struct jbuf b = {};

	if (failure->path[0] != '/')
		return -1;
	snprintf(path, sizeof(path), "/proc/%u/mountinfo", pidns_proc_pid(failure));
	if (mount_table_load(&mt, path) && mount_table_load(&mt, "/proc/self/mountinfo"))
		return -1;
	if (!(e = mount_table_find_path(&mt, failure->path))) {
		mount_table_free(&mt);
		return -1;
	}
	state_put_str(&b, "mnt", e->mountpoint);
	state_put_str(&b, "fstype", e->fstype);
	state_put_str(&b, "source", e->source);
	state_put_str(&b, "root", e->root);
	state_put_str(&b, "opts", e->options);
	state_put_str(&b, "super", e->super_options);
	state_put_u64(&b, "ro", e->readonly);
	state_put_u64(&b, "sb_ro", has_option(e->super_options, "ro"));
	state_put_u64(&b, "emergency_ro", has_option(e->super_options, "emergency_ro"));
	upper_of(&mt, e, &b);
	if (failure->path2 && failure->path2[0] == '/')
		state_put_mount(failure, failure->path2, "to_", &b);
	if (failure->err == ETXTBSY)
		state_put_runner(failure->path, &b);
	out->has_dev = true;
	out->dev_major = e->major;
	out->dev_minor = e->minor;
	mount_table_free(&mt);
	if (b.oom) {
		jbuf_free(&b);
		return -1;
	}
	out->data = b.p;
	return 0;
}

const char *state_mount_server(const char *fstype)
{
	static const char *const network[] = { "nfs", "nfs4", "cifs", "smb3", "9p", "ceph", "afs", "glusterfs" };

	if (!fstype)
		return NULL;
	/* fuseblk has a block device under it, but its I/O still goes through the daemon. */
	if (!strcmp(fstype, "fuse") || !strcmp(fstype, "fuseblk") || !strncmp(fstype, "fuse.", 5))
		return "fuse";
	for (size_t i = 0; i < sizeof(network) / sizeof(network[0]); i++)
		if (!strcmp(fstype, network[i]))
			return "network";
	return NULL;
}
