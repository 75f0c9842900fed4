// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The preflight's rules, each a seed failure seen before it happens:
 *   - a container data root on overlayfs: Docker's overlay2, containerd's overlayfs snapshotter and
 *     BuildKit mount overlays whose upper and work dirs lie under it, and the kernel refuses an
 *     overlayfs directory there (EINVAL, "not supported as upperdir"): the devpod's `docker build`;
 *   - ext4 that has logged errors (/sys/fs/ext4/<dev>/errors_count, kept in the superblock until
 *     e2fsck clears it): the corrupted Longhorn volume under `npm ci`;
 *   - ext4 in emergency_ro: errors=remount-ro tripped, the superblock's options (mountinfo's 11th
 *     field on) say "emergency_ro" (6.15+; before, "ro") while the mount's own still say "rw", so
 *     /proc/mounts looks healthy and every write fails EROFS;
 *   - a filesystem near the end of its inodes or space (--max-used, --min-free-inodes);
 *   - with --kube, a Longhorn volume with one replica: nothing to heal a damaged ext4 from.
 * The machine is read through struct preflight_host, the mounts through mountinfo.c, overlay
 * options through overlay_opts.c, devices (ext4's error record, Longhorn) through devices.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "diagnose/remedies.h"
#include "host/overlay_opts.h"
#include "preflight/preflight.h"

#define MAX_STACK 4 /* overlays on overlays followed this deep */

static void describe(char *buf, size_t len, const struct mount_entry *m)
{
	snprintf(buf, len, "%s mounted at %s (%s, device %u:%u)", m->fstype, m->mountpoint, m->source, m->major,
		 m->minor);
}

/* One layer directory of an overlay, and what it lies on, deeper while that is overlay too. */
static void layer_stack(struct preflight_item *x, const struct mount_table *t, const char *what, const char *dir,
			int depth)
{
	const struct mount_entry *m;
	struct overlay_opts oo = {};
	struct stat st;
	char where[1024], err[128];

	if (stat(dir, &st)) {
		/* Mounted from another mount namespace (a container's root filesystem, whose layers
		 * are on the node): the path means nothing here. */
		preflight_detail(x,
				 "%*s%s %s: not visible from here (mounted from another mount namespace: "
				 "its layers are on the node)",
				 depth * 2, "", what, dir);
		return;
	}
	if (!(m = mount_table_find_path(t, dir)))
		return;
	describe(where, sizeof(where), m);
	preflight_detail(x, "%*s%s %s: on %s", depth * 2, "", what, dir, where);
	if (strcmp(m->fstype, "overlay") || depth >= MAX_STACK ||
	    overlay_opts_parse(m->super_options, NULL, &oo, err, sizeof(err)))
		return;
	if (oo.upper)
		layer_stack(x, t, "upperdir", oo.upper, depth + 1);
	overlay_opts_free(&oo);
}

int preflight_check_roots(struct preflight *p, const struct mount_table *t)
{
	for (size_t i = 0; i < p->nroots; i++) {
		struct preflight_root *r = &p->roots[i];
		const struct mount_entry *m;
		struct preflight_item *x;
		struct overlay_opts oo = {};
		char where[1024], err[128];

		if (!r->exists || !(m = mount_table_find_path(t, r->path)))
			continue;
		r->mountpoint = strdup(m->mountpoint);
		r->fstype = strdup(m->fstype);
		if (strcmp(m->fstype, "overlay"))
			continue;
		x = preflight_add(p, SEV_HIGH, "overlay_mount", "nested_overlay",
				  "data root %s is on overlayfs (mounted at %s): the overlay mounts of "
				  "Docker, containerd or BuildKit there will fail EINVAL (a nested overlay)",
				  r->path, m->mountpoint);
		if (!x)
			return -1;
		x->path = strdup(r->path);
		x->mountpoint = strdup(m->mountpoint);
		x->fstype = strdup(m->fstype);
		x->source = strdup(m->source);
		if (asprintf(&x->device, "%u:%u", m->major, m->minor) < 0)
			x->device = NULL;
		x->remedy = remedy_for("overlay_mount", "nested_overlay", NULL);
		describe(where, sizeof(where), m);
		preflight_detail(x, "%s (%s): on %s", r->path, r->from, where);
		if (!strcmp(m->mountpoint, "/"))
			preflight_detail(x, "that overlay at / is this container's root filesystem");
		if (overlay_opts_parse(m->super_options, NULL, &oo, err, sizeof(err))) {
			preflight_detail(x, "its options could not be read: %s", err);
			continue;
		}
		if (oo.upper)
			layer_stack(x, t, "upperdir", oo.upper, 1);
		if (oo.nlower)
			layer_stack(x, t, "lowerdir", oo.lower[0], 1);
		if (oo.nlower > 1)
			preflight_detail(x, "  (%zu more lowerdirs)", oo.nlower - 1);
		preflight_detail(x,
				 "the kernel will say: overlay: filesystem on .../diff not supported as upperdir");
		overlay_opts_free(&oo);
	}
	return 0;
}

/* Types with no space or inodes of their own to run out of, or that are full by design. */
static bool pseudo(const char *type)
{
	static const char *const skip[] = {
		"proc",        "sysfs",  "cgroup",  "cgroup2",    "devpts",    "securityfs", "debugfs",
		"tracefs",     "bpf",    "pstore",  "mqueue",     "hugetlbfs", "configfs",   "fusectl",
		"binfmt_misc", "autofs", "nsfs",    "rpc_pipefs", "efivarfs",  "squashfs",   "iso9660",
		"erofs",       "ramfs",  "overlay", "nfsd",
	};

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(type, skip[i]))
			return true;
	return false;
}

static void human(char *buf, size_t len, double bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	int u = 0;

	while (bytes >= 1024 && u < 5) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

static void where_of(struct preflight_item *x, const struct mount_entry *m, const char *device)
{
	if (!x)
		return;
	x->path = strdup(m->mountpoint);
	x->mountpoint = strdup(m->mountpoint);
	x->fstype = strdup(m->fstype);
	x->source = strdup(m->source);
	x->device = device ? strdup(device) : NULL;
}

/* Space and inodes, as df computes them: used / (used + available to users). */
static void check_usage(struct preflight *p, const struct preflight_options *o, const struct preflight_host *h,
			const struct mount_entry *m, struct preflight_fs *fs)
{
	const char *cause;
	struct preflight_item *x;
	struct statvfs st;
	char a[32], b[32];

	if (h->statvfs(m->mountpoint, &st)) {
		if (errno == EACCES || errno == EPERM)
			preflight_note(p, "%s: cannot statfs it (%s): run as root to see its space and inodes",
				       m->mountpoint, strerror(errno));
		return;
	}
	fs->has_stats = true;
	if (st.f_blocks) {
		double used = (double)(st.f_blocks - st.f_bfree), avail = (double)st.f_bavail;

		fs->used_pct = used + avail > 0 ? 100.0 * used / (used + avail) : 100.0;
	}
	if (st.f_files) {
		fs->free_inodes = st.f_ffree;
		fs->inodes_used_pct = 100.0 * (double)(st.f_files - st.f_ffree) / (double)st.f_files;
	}
	/* A read-only mount cannot fill up, and its fullness is no risk (a squashfs is always full). */
	if (m->readonly)
		return;
	if (fs->used_pct >= o->max_used) {
		cause = !strcmp(m->fstype, "tmpfs") ? "tmpfs" : "blocks";
		human(a, sizeof(a), (double)st.f_bavail * st.f_frsize);
		human(b, sizeof(b), (double)st.f_blocks * st.f_frsize);
		x = preflight_add(p, st.f_bavail == 0 || fs->used_pct >= 99 ? SEV_HIGH : SEV_MEDIUM, "no_space",
				  cause, "%s (%s) is %.0f%% full: %s free of %s", m->mountpoint, m->fstype,
				  fs->used_pct, a, b);
		where_of(x, m, fs->device);
		if (x) {
			preflight_detail(x,
					 "df: %" PRIu64 " blocks of %lu bytes, %" PRIu64 " free, %" PRIu64
					 " available to users",
					 (uint64_t)st.f_blocks, st.f_frsize, (uint64_t)st.f_bfree,
					 (uint64_t)st.f_bavail);
			x->remedy = remedy_for("no_space", cause, NULL);
		}
	}
	if (st.f_files && (st.f_ffree < o->min_free_inodes || fs->inodes_used_pct >= o->max_used)) {
		cause = !strcmp(m->fstype, "tmpfs") ? "tmpfs" : "inodes";
		x = preflight_add(p, st.f_ffree < o->min_free_inodes ? SEV_HIGH : SEV_MEDIUM, "no_space", cause,
				  "%s (%s) has %" PRIu64 " free inodes of %" PRIu64 " (%.0f%% used): when they "
				  "are gone, creating a file fails ENOSPC with space left",
				  m->mountpoint, m->fstype, (uint64_t)st.f_ffree, (uint64_t)st.f_files,
				  fs->inodes_used_pct);
		where_of(x, m, fs->device);
		if (x) {
			preflight_detail(x,
					 "df -i: %" PRIu64 " inodes, %" PRIu64 " free (--min-free-inodes %" PRIu64
					 ", --max-used %.0f%%)",
					 (uint64_t)st.f_files, (uint64_t)st.f_ffree, o->min_free_inodes,
					 o->max_used);
			x->remedy = remedy_for("no_space", cause, NULL);
		}
	}
}

static void ext4_error_detail(struct preflight_item *x, const char *which, const struct ext4_error_record *e)
{
	char when[64] = "at a time ext4 did not record";
	time_t t = (time_t)e->time;
	struct tm tm;

	if (!e->func)
		return;
	if (t && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	preflight_detail(x, "%s error: %s:%u, inode %" PRIu64 ", %s", which, e->func, e->line, e->ino, when);
}

/* ext4's own record of damage, and emergency_ro. Returns the errors item (or NULL). */
static struct preflight_item *check_ext4(struct preflight *p, const struct mount_entry *m,
					 const struct device_info *d, struct preflight_fs *fs)
{
	struct preflight_item *x = NULL, *ro;
	bool emergency = mount_has_option(m->super_options, "emergency_ro");

	/* Before 6.15 ext4 set the superblock itself read-only: "ro" there, "rw" on the mount. */
	if (!emergency && d->has_ext4 && mount_has_option(m->super_options, "ro") && !m->readonly)
		emergency = d->ext4_errors_count > 0;
	if (d->has_ext4) {
		fs->ext4_errors = (int64_t)d->ext4_errors_count;
	}
	if (emergency) {
		ro = preflight_add(p, SEV_CRITICAL, "read_only", "emergency_ro",
				   "ext4 on %s mounted at %s has stopped writing (emergency_ro) while its mount "
				   "options still say %s: every write there fails EROFS",
				   fs->device, m->mountpoint, m->readonly ? "ro" : "rw");
		where_of(ro, m, fs->device);
		if (ro) {
			preflight_detail(ro, "mount options: %s; superblock options: %s", m->options,
					 m->super_options ? m->super_options : "");
			ro->remedy = remedy_for("read_only", "emergency_ro", NULL);
		}
	}
	if (d->has_ext4 && d->ext4_errors_count > 0) {
		x = preflight_add(
			p, SEV_HIGH, "fs_corruption", d->longhorn_volume ? "longhorn" : "ext4_errors",
			"ext4 on %s mounted at %s has logged %" PRIu64 " error%s: the filesystem is damaged",
			fs->device, m->mountpoint, d->ext4_errors_count, d->ext4_errors_count == 1 ? "" : "s");
		where_of(x, m, fs->device);
		if (x) {
			preflight_detail(x,
					 "/sys/fs/ext4/%s/errors_count: %" PRIu64 " (kept in the superblock until "
					 "e2fsck clears it)",
					 d->name, d->ext4_errors_count);
			ext4_error_detail(x, "first", &d->ext4_first);
			ext4_error_detail(x, "last", &d->ext4_last);
			x->remedy = remedy_for("fs_corruption", x->cause, NULL);
		}
	}
	return x;
}

static const char single_replica_remedy[] =
	"A Longhorn volume with one replica has nothing to rebuild from: a damaged filesystem or a lost "
	"node loses the data. Raise it to 3 (numberOfReplicas on the volume, or in its StorageClass), "
	"or keep build caches on an emptyDir.";

static void check_longhorn(struct preflight *p, const struct preflight_options *o, const struct mount_entry *m,
			   struct device_info *d, struct preflight_fs *fs, struct preflight_item *errors)
{
	struct preflight_item *x;
	char note[256];

	if (!d->longhorn_volume)
		return;
	if (!o->kube) {
		preflight_note(p, "%s is Longhorn volume %s: its replica count is read with --kube", m->mountpoint,
			       d->longhorn_volume);
		return;
	}
	if (device_read_longhorn(d, note, sizeof(note))) {
		preflight_note(p, "Longhorn volume %s: %s", d->longhorn_volume, note);
		return;
	}
	if (d->longhorn_replicas != 1)
		return;
	if (errors) { /* damaged, and nothing to heal from: the seed */
		errors->severity = SEV_CRITICAL;
		errors->cause = "ext4_errors_single_replica";
		errors->remedy = remedy_for("fs_corruption", errors->cause, NULL);
		preflight_detail(errors, "Longhorn volume %s keeps 1 replica (robustness %s)", d->longhorn_volume,
				 d->longhorn_robustness ? d->longhorn_robustness : "?");
		return;
	}
	x = preflight_add(p, SEV_MEDIUM, "longhorn", "single_replica",
			  "%s is on Longhorn volume %s, which keeps a single replica", m->mountpoint,
			  d->longhorn_volume);
	where_of(x, m, fs->device);
	if (x) {
		preflight_detail(x, "volumes.longhorn.io %s: numberOfReplicas 1, robustness %s, state %s",
				 d->longhorn_volume, d->longhorn_robustness ? d->longhorn_robustness : "?",
				 d->longhorn_state ? d->longhorn_state : "?");
		x->remedy = single_replica_remedy;
	}
}

static int check_mount(struct preflight *p, const struct preflight_options *o, const struct preflight_host *h,
		       const struct mount_entry *m)
{
	struct preflight_fs *v, *fs;
	struct device_info d = {};
	struct preflight_item *errors;

	for (size_t i = 0; i < p->nfs; i++)
		if (!strcmp(p->fs[i].mountpoint, m->mountpoint)) /* two PATHs on one mount */
			return 0;
	if (!(v = realloc(p->fs, (p->nfs + 1) * sizeof(*v))))
		return -1;
	p->fs = v;
	fs = &v[p->nfs++];
	memset(fs, 0, sizeof(*fs));
	fs->used_pct = fs->inodes_used_pct = -1;
	fs->ext4_errors = -1;
	fs->mountpoint = strdup(m->mountpoint);
	fs->fstype = strdup(m->fstype);
	fs->source = strdup(m->source);
	if (device_resolve(m->major, m->minor, &h->roots, &d))
		return -1;
	if ((d.name ? asprintf(&fs->device, "/dev/%s (%u:%u)", d.name, m->major, m->minor)
		    : asprintf(&fs->device, "%u:%u", m->major, m->minor)) < 0)
		fs->device = NULL;
	check_usage(p, o, h, m, fs);
	errors = check_ext4(p, m, &d, fs);
	check_longhorn(p, o, m, &d, fs, errors);
	device_info_free(&d);
	return 0;
}

int preflight_check_filesystems(struct preflight *p, const struct preflight_options *o,
				const struct preflight_host *h, const struct mount_table *t)
{
	/* With PATHs: the filesystems they lie on, whatever their type. Without: every mounted one,
	 * once per device (bind mounts and a device mounted twice share space, inodes, errors). */
	if (o->npaths) {
		for (size_t i = 0; i < p->nroots; i++) {
			const struct mount_entry *m = mount_table_find_path(t, p->roots[i].path);

			if (m && check_mount(p, o, h, m))
				return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct mount_entry *m = &t->m[i];
		bool seen = false;

		if (pseudo(m->fstype))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = t->m[j].major == m->major && t->m[j].minor == m->minor && !pseudo(t->m[j].fstype);
		if (!seen && check_mount(p, o, h, m))
			return -1;
	}
	return 0;
}
