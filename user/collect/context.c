// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "collect/context.h"
#include "diagnose/fs_rules.h"
#include "host/pidns.h"
#include "collect/context_cgroups.h"
#include "collect/context_env.h"
#include "host/devices.h"
#include "host/mountinfo.h"
#include "host/overlay_opts.h"
#include "collect/state.h"
#include "lib/util.h"

#define DIR_CACHE 4096     /* directories whose device is known; cleared when full */
#define MAX_DEVICES 256    /* devices described in one recording */
#define MAX_FS_CONTEXTS 64 /* overlay fsopen contexts being configured at once */

struct dir_dev {
	char *dir;
	uint32_t major, minor;
};

/* An fsopen("overlay") fd being configured with fsconfig, for the new mount API's failures. */
struct fs_context {
	uint32_t pid;
	int fd;
	struct overlay_opts opts;
	bool used;
};

struct context {
	context_emit_fn emit;
	void *ctx;
	bool kube;
	struct dir_dev dirs[DIR_CACHE];
	size_t ndirs;
	struct known_device {
		uint32_t major, minor;
		uint64_t ext4_errors; /* as last described: a change is described again */
		char *ext4_count;     /* its /sys/fs/ext4/<name>/errors_count, NULL when not ext4 */
		bool kube_read;       /* kubectl is asked once per device, not at every description */
		bool has_longhorn;
		int64_t replicas;
		char *robustness, *state, *kube_note;
	} devices[MAX_DEVICES];
	size_t ndevices;
	struct fs_context fsc[MAX_FS_CONTEXTS];
	bool ext4_errors_seen;
	struct cgroup_tracker *cgroups;
	struct state_tracker *states; /* the machine at the moment of a failure (state.h) */
	struct env_context env;       /* the pod fstrace runs in, what it could not read */
	bool env_described;           /* in the current recording file */
};

struct context *context_new(context_emit_fn emit, void *ctx, bool kube)
{
	struct context *c = calloc(1, sizeof(*c));

	if (c) {
		c->emit = emit;
		c->ctx = ctx;
		c->kube = kube;
		c->cgroups = cgroup_tracker_new(&cgroup_roots_default); /* NULL: no attribution, no harm */
		c->states = state_tracker_new(emit, ctx);               /* NULL: no states, no harm */
		env_context_learn(&c->env, NULL);
	}
	return c;
}

static void forget_dirs(struct context *c)
{
	for (size_t i = 0; i < c->ndirs; i++)
		free(c->dirs[i].dir);
	c->ndirs = 0;
}

/* The device of a path's directory, one stat per distinct directory (a failure storm in one
 * directory costs one). A path that failed may not exist: its nearest existing ancestor counts. */
static int dir_device(struct context *c, const char *path, uint32_t *major, uint32_t *minor)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash && slash != path ? (size_t)(slash - path) : 1;
	char *dir;

	for (size_t i = 0; i < c->ndirs; i++) {
		if (strlen(c->dirs[i].dir) == len && strncmp(c->dirs[i].dir, path, len) == 0) {
			*major = c->dirs[i].major;
			*minor = c->dirs[i].minor;
			return 0;
		}
	}
	if (!(dir = strndup(path, len)) || path_device(dir, major, minor)) {
		free(dir);
		return -1;
	}
	if (c->ndirs == DIR_CACHE)
		forget_dirs(c);
	c->dirs[c->ndirs++] = (struct dir_dev){ dir, *major, *minor };
	return 0;
}

/* The cluster's view of a Longhorn volume, read once and repeated in later descriptions. */
static void add_longhorn(struct context *c, struct known_device *k, struct device_info *d, struct record *r)
{
	char note[256] = "";

	if (!c->kube || !d->longhorn_volume)
		return;
	if (!k->kube_read) {
		k->kube_read = true;
		if (device_read_longhorn(d, note, sizeof(note)))
			k->kube_note = strdup(note); /* e.g. "kubectl not found": said, never fatal */
		k->has_longhorn = d->has_longhorn;
		k->replicas = d->longhorn_replicas;
		k->robustness = dup_or_null(d->longhorn_robustness);
		k->state = dup_or_null(d->longhorn_state);
	} else if (k->has_longhorn) {
		d->has_longhorn = true;
		d->longhorn_replicas = k->replicas;
		d->longhorn_robustness = dup_or_null(k->robustness);
		d->longhorn_state = dup_or_null(k->state);
	}
	r->msg = dup_or_null(k->kube_note);
}

static void emit_device(struct context *c, struct known_device *k)
{
	struct device_info *d = calloc(1, sizeof(*d));
	struct record r;

	if (!d || device_resolve(k->major, k->minor, &device_roots_default, d)) {
		free(d);
		return;
	}
	record_init(&r);
	r.type = REC_DEVICE;
	r.ts_ns = boottime_ns();
	r.has_dev = true;
	r.dev_major = k->major;
	r.dev_minor = k->minor;
	r.device = d;
	k->ext4_errors = d->ext4_errors_count;
	if (d->has_ext4 && d->name && !k->ext4_count &&
	    asprintf(&k->ext4_count, "%s/fs/ext4/%s/errors_count", device_roots_default.sysfs, d->name) < 0)
		k->ext4_count = NULL;
	add_longhorn(c, k, d, &r);
	c->emit(&r, c->ctx);
	record_free(&r);
}

/* How full the filesystem under a loop device's backing file is: a loop device on a full
 * filesystem fails its writes at writeback, long after the writer was told they succeeded. */
static void describe_backing(struct context *c, uint32_t major, uint32_t minor)
{
	struct device_info d = {};
	struct record r, at;

	if (device_resolve(major, minor, &device_roots_default, &d) || !d.backing_file ||
	    d.backing_file[0] != '/') {
		device_info_free(&d);
		return;
	}
	record_init(&at);
	at.type = REC_KMSG;
	at.path = d.backing_file;
	record_init(&r);
	r.type = REC_STATE;
	r.ts_ns = boottime_ns();
	r.syscall = strdup("statfs");
	r.path = strdup(d.backing_file);
	if (r.syscall && r.path && state_gather_statfs(&at, &r) == 0) {
		if (asprintf(&r.msg, "the backing file of %s", d.name ? d.name : "the loop device") < 0)
			r.msg = NULL;
		c->emit(&r, c->ctx);
	}
	record_free(&r);
	device_info_free(&d);
}

static bool known_device(const struct context *c, uint32_t major, uint32_t minor)
{
	for (size_t i = 0; i < c->ndevices; i++)
		if (c->devices[i].major == major && c->devices[i].minor == minor)
			return true;
	return false;
}

/* Describes a device once (major 0 is an anonymous device: nothing to describe). */
static void want_device(struct context *c, uint32_t major, uint32_t minor)
{
	struct known_device *k;

	if (!major || c->ndevices == MAX_DEVICES)
		return;
	for (size_t i = 0; i < c->ndevices; i++)
		if (c->devices[i].major == major && c->devices[i].minor == minor)
			return;
	k = &c->devices[c->ndevices++];
	memset(k, 0, sizeof(*k));
	k->major = major;
	k->minor = minor;
	emit_device(c, k);
}

void context_annotate(struct context *c, struct record *r)
{
	uint32_t major, minor;

	if (r->type != REC_SYSCALL || !r->path || r->path[0] != '/' || r->has_dev)
		return;
	/* A device only matters to tie a failure to a filesystem's errors: an error that points at
	 * the filesystem, or any failure once ext4 has reported one (its event comes first: the
	 * kernel logs it inside the call that then fails). Otherwise no stat on the hot path. */
	if (!fs_errno(r->err) && !c->ext4_errors_seen)
		return;
	if (dir_device(c, r->path, &major, &minor) == 0) {
		r->has_dev = true;
		r->dev_major = major;
		r->dev_minor = minor;
	}
}

/* The mounting process's root, held open: it often exits right after its mount failed, and a
 * path through /proc/PID/root would then fail halfway through the layers. -1 when it is gone. */
static int open_root_of(uint32_t pid)
{
	char root[64];

	snprintf(root, sizeof(root), "/proc/%u/root", pid);
	return open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* A path as the mounting process sees it: through its root, or fstrace's own view without one. */
static void in_root(int root, const char *path, char *out, size_t len)
{
	if (root >= 0)
		snprintf(out, len, "/proc/self/fd/%d%s", root, path);
	else
		snprintf(out, len, "%s", path);
}

/* What one overlay layer sat on when the mount failed. */
static void emit_layer(struct context *c, const struct record *m, const struct mount_table *mt, int root,
		       const char *role, const char *dir)
{
	char at[4096];
	struct record r;
	struct stat st;

	record_init(&r);
	r.type = REC_LAYER;
	r.ts_ns = m->ts_ns; /* with pid: which mount it belongs to */
	r.pid = m->pid;
	r.tid = m->tid;
	r.ppid = m->ppid;
	r.vpid = m->vpid, r.has_vpid = m->has_vpid;
	r.vppid = m->vppid, r.has_vppid = m->has_vppid;
	memcpy(r.comm, m->comm, sizeof(r.comm));
	r.data = strdup(role);
	r.path = strdup(dir);
	in_root(root, dir, at, sizeof(at));
	if (dir[0] != '/' || stat(at, &st)) {
		r.has_ret = true;
		r.err = dir[0] != '/' ? ENOENT : errno;
		r.ret = -r.err;
	} else {
		const struct mount_entry *e = mount_table_find_path(mt, dir);

		r.has_dev = true;
		r.dev_major = major(st.st_dev);
		r.dev_minor = minor(st.st_dev);
		if (e) {
			r.fstype = dup_or_null(e->fstype);
			r.path2 = dup_or_null(e->mountpoint);
			r.has_flags = true;
			r.flags = e->readonly ? LAYER_READONLY : 0;
			/* On overlay: its own layers, and the device its upper layer is really on. Inside a
			 * container that overlay is its root, whose layers are on the node: their paths
			 * are not ours, and a nearest existing ancestor here would name a wrong device. */
			if (e->fstype && strcmp(e->fstype, "overlay") == 0 && e->super_options) {
				struct overlay_opts inner = {};
				char err[128];
				struct stat ust;

				r.msg = strdup(e->super_options);
				if (overlay_opts_parse(e->super_options, NULL, &inner, err, sizeof(err)) == 0 &&
				    inner.upper) {
					in_root(root, inner.upper, at, sizeof(at));
					/* The path is as the overlay's mounter saw it: containerd's, the node's.
					 * fstrace recording on the node sees it in its own root, where a
					 * process in the container does not. */
					if (inner.upper[0] == '/' &&
					    (stat(at, &ust) == 0 || stat(inner.upper, &ust) == 0)) {
						r.dev_major = major(ust.st_dev);
						r.dev_minor = minor(ust.st_dev);
					} else {
						r.flags |= LAYER_UNDER_UNSEEN;
					}
				}
				overlay_opts_free(&inner);
			}
		}
		want_device(c, r.dev_major, r.dev_minor);
	}
	c->emit(&r, c->ctx);
	record_free(&r);
}

static void emit_layers(struct context *c, const struct record *m, const struct overlay_opts *o)
{
	struct mount_table mt = {};
	int root = open_root_of(pidns_proc_pid(m));
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/mountinfo", pidns_proc_pid(m));
	if (mount_table_load(&mt, path))
		mount_table_load(&mt, "/proc/self/mountinfo");
	for (size_t i = 0; i < o->nlower; i++)
		emit_layer(c, m, &mt, root, "lowerdir", o->lower[i]);
	for (size_t i = 0; i < o->ndata; i++)
		emit_layer(c, m, &mt, root, "datadir", o->data[i]);
	if (o->upper)
		emit_layer(c, m, &mt, root, "upperdir", o->upper);
	if (o->work)
		emit_layer(c, m, &mt, root, "workdir", o->work);
	mount_table_free(&mt);
	if (root >= 0)
		close(root);
}

static struct fs_context *fs_context_of(struct context *c, uint32_t pid, int fd, bool create)
{
	struct fs_context *free_slot = NULL;

	for (int i = 0; i < MAX_FS_CONTEXTS; i++) {
		struct fs_context *f = &c->fsc[i];

		if (f->used && f->pid == pid && f->fd == fd)
			return f;
		if (!f->used && !free_slot)
			free_slot = f;
	}
	if (!create)
		return NULL;
	if (!free_slot) { /* contexts whose fds were never mounted: recycle the first */
		free_slot = &c->fsc[0];
		overlay_opts_free(&free_slot->opts);
	}
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->pid = pid;
	free_slot->fd = fd;
	return free_slot;
}

/* The new mount API: fsopen("overlay") -> fsconfig(key, value)... -> CMD_CREATE / fsmount. */
static void follow_fs_context(struct context *c, const struct record *r)
{
	struct fs_context *f;
	char err[128], *eq;

	if (strcmp(r->syscall, "fsopen") == 0) {
		if (!r->err && r->fstype && strcmp(r->fstype, "overlay") == 0)
			fs_context_of(c, r->pid, (int)r->ret, true);
		return;
	}
	if (!(f = fs_context_of(c, r->pid, r->fd, false)))
		return;
	if (strcmp(r->syscall, "fsconfig") == 0 && r->data) {
		char *kv = strdup(r->data);

		if (kv) {
			eq = strchr(kv, '=');
			if (eq)
				*eq++ = '\0';
			overlay_opts_add(&f->opts, kv, eq ? eq : "", r->cwd, err, sizeof(err));
			free(kv);
		}
	}
	if (r->err)
		emit_layers(c, r, &f->opts);
	if (r->err || strcmp(r->syscall, "fsmount") == 0) {
		overlay_opts_free(&f->opts);
		f->used = false;
	}
}

/* Once per recording file, at its start (the first event or tick): each file reads on its own. */
static void describe_env(struct context *c)
{
	if (c->env_described)
		return;
	c->env_described = true; /* first: emitting comes back here through context_follow */
	for (size_t i = 0; i < c->env.n; i++) {
		c->env.v[i].ts_ns = boottime_ns();
		c->emit(&c->env.v[i], c->ctx);
	}
}

void context_follow(struct context *c, const struct record *r)
{
	struct record cg;

	describe_env(c);
	if (cgroup_tracker_want(c->cgroups, r, &cg)) {
		c->emit(&cg, c->ctx);
		record_free(&cg);
	}
	switch (r->type) {
	case REC_SYSCALL:
		if (r->has_dev && fs_errno(r->err))
			want_device(c, r->dev_major, r->dev_minor);
		state_follow(c->states, r);
		break;
	case REC_EXT4_ERROR:
		c->ext4_errors_seen = true;
		want_device(c, r->dev_major, r->dev_minor);
		break;
	case REC_KMSG: /* a device the kernel says failed I/O: what it is, and for a loop device
			* how full its backing file's filesystem is, once */
		if (r->has_dev && r->msg && strstr(r->msg, "error") &&
		    !known_device(c, r->dev_major, r->dev_minor)) {
			want_device(c, r->dev_major, r->dev_minor);
			describe_backing(c, r->dev_major, r->dev_minor);
		}
		break;
	case REC_MOUNT:
		if (!r->syscall)
			break;
		if (strcmp(r->syscall, "mount") == 0) {
			struct overlay_opts o = {};
			char err[128];

			if (r->err && r->fstype && strcmp(r->fstype, "overlay") == 0 &&
			    overlay_opts_parse(r->data ? r->data : "", r->cwd, &o, err, sizeof(err)) == 0)
				emit_layers(c, r, &o);
			overlay_opts_free(&o);
		} else {
			follow_fs_context(c, r);
		}
		break;
	default:
		break;
	}
}

void context_tick(struct context *c)
{
	describe_env(c);
	/* ext4 counts an error after the tracepoint fires: describe a device again once its
	 * count moved, so even a recording cut short holds the count. Only the counter is read. */
	for (size_t i = 0; i < c->ndevices; i++) {
		struct known_device *k = &c->devices[i];
		unsigned long long count;
		FILE *f;

		if (!k->ext4_count || !(f = fopen(k->ext4_count, "re")))
			continue;
		if (fscanf(f, "%llu", &count) == 1 && count != k->ext4_errors)
			emit_device(c, k);
		fclose(f);
	}
}

void context_finish(struct context *c)
{
	cgroup_tracker_forget(c->cgroups); /* node mode's next file describes them again when seen */
	describe_env(c);                   /* a run too short for a tick or an event */
	for (size_t i = 0; i < c->ndevices; i++)
		emit_device(c, &c->devices[i]);
	c->env_described = false; /* node mode's next file, at its first tick */
}

void context_free(struct context *c)
{
	if (!c)
		return;
	forget_dirs(c);
	cgroup_tracker_free(c->cgroups);
	state_tracker_free(c->states);
	env_context_free(&c->env);
	for (size_t i = 0; i < c->ndevices; i++) {
		free(c->devices[i].robustness);
		free(c->devices[i].state);
		free(c->devices[i].kube_note);
		free(c->devices[i].ext4_count);
	}
	for (int i = 0; i < MAX_FS_CONTEXTS; i++)
		if (c->fsc[i].used)
			overlay_opts_free(&c->fsc[i].opts);
	free(c);
}
