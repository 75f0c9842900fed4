// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fstrace.h"
#include "collect/decode.h"
#include "host/paths.h"
#include "load/syscalls.h"
#include "lib/util.h"

static const enum rec_type type_of[] = {
	[FST_EV_SYSCALL] = REC_SYSCALL, [FST_EV_MOUNT] = REC_MOUNT,           [FST_EV_REMOVE] = REC_REMOVE,
	[FST_EV_RENAME] = REC_RENAME,   [FST_EV_EXT4_ERROR] = REC_EXT4_ERROR, [FST_EV_KMSG] = REC_KMSG,
	[FST_EV_PROC] = REC_PROC,
};

/* Splits the packed strings; every present one must end inside the event with its NUL. */
static int split_strings(const struct fst_event *e, size_t size, const char *str[FST_STR_COUNT])
{
	size_t off = sizeof(*e);

	for (int i = 0; i < FST_STR_COUNT; i++) {
		size_t len = e->str_len[i];

		str[i] = NULL;
		if (!len)
			continue;
		if (off + len > size || ((const char *)e)[off + len - 1] != '\0')
			return -1;
		str[i] = (const char *)e + off;
		off += len;
	}
	return 0;
}

/* A path argument made absolute with the directory the kernel resolved it against. */
static void resolve(const char *arg, const char *leaf_first_dir, char **path, char **cwd)
{
	char *dir = leaf_first_dir ? dir_from_kernel(leaf_first_dir) : NULL;

	if (arg && dir && arg[0] == '/') {
		/* The mount family sends the caller's cwd even for an absolute target: overlay's
		 * relative lowerdirs are taken from it. */
		*path = strdup(arg);
		if (cwd)
			*cwd = dir;
		else
			free(dir);
		return;
	}
	if (arg && dir) {
		*path = path_join(dir, arg);
		if (cwd)
			*cwd = dir;
		else
			free(dir);
		return;
	}
	if (!arg && dir && cwd) { /* fsconfig and friends: no path, just the cwd */
		*cwd = dir;
		*path = NULL;
		return;
	}
	free(dir);
	*path = dup_or_null(arg);
}

static void decode_call(const struct fst_event *e, const char *str[], struct record *r)
{
	const struct fst_syscall_layout *lay;

	r->syscall = dup_or_null(syscall_name(e->syscall));
	r->has_ret = true;
	r->ret = e->ret;
	r->err = e->ret < 0 ? (int)-e->ret : 0;
	if ((lay = syscall_layout(e->syscall)) && lay->fd < 6) {
		/* A call on a descriptor: the kernel resolved the open file itself (bpf/fstrace.h);
		 * none when the descriptor was gone by the call's exit (close). */
		r->fd = e->dirfd;
		r->path = str[FST_STR_DIR] ? dir_from_kernel(str[FST_STR_DIR]) : NULL;
		r->data = dup_or_null(str[FST_STR_DATA]); /* an xattr's name */
		return;
	}
	resolve(str[FST_STR_PATH], str[FST_STR_DIR], &r->path, &r->cwd);
	resolve(str[FST_STR_PATH2], str[FST_STR_DIR2], &r->path2, NULL);
	if (e->type != FST_EV_MOUNT) {
		r->data = dup_or_null(str[FST_STR_DATA]); /* a path xattr call's attribute name */
		return;
	}
	r->has_flags = true;
	r->flags = e->flags;
	if (e->syscall == __NR_fsconfig || e->syscall == __NR_fsmount)
		r->fd = e->dirfd;
	if (e->syscall == __NR_fsconfig) {
		/* fsconfig(fd, cmd, key, value): "key=value", or the bare key for a flag */
		const char *key = str[FST_STR_FSTYPE], *value = str[FST_STR_DATA];

		if (key && value && asprintf(&r->data, "%s=%s", key, value) < 0)
			r->data = NULL;
		else if (key && !value)
			r->data = strdup(key);
		return;
	}
	r->fstype = dup_or_null(str[FST_STR_FSTYPE]);
	r->data = dup_or_null(str[FST_STR_DATA]);
}

static void decode_proc(const struct fst_event *e, const char *str[], struct record *r)
{
	static const char *const kinds[] = {
		[FST_PROC_FORK] = "fork", [FST_PROC_EXEC] = "exec", [FST_PROC_EXIT] = "exit"
	};
	int status = (int)e->ret;

	if (e->syscall < sizeof(kinds) / sizeof(kinds[0]) && kinds[e->syscall])
		r->syscall = strdup(kinds[e->syscall]);
	switch (e->syscall) {
	case FST_PROC_FORK: /* seen from the parent: the event is about the child */
		r->ppid = e->pid;
		r->vppid = e->vpid;
		r->pid = r->tid = (uint32_t)e->ret;
		r->vpid = e->flags;
		r->has_vpid = r->vpid != r->pid;
		r->has_vppid = r->vppid != r->ppid;
		break;
	case FST_PROC_EXEC:
		r->path = dup_or_null(str[FST_STR_DATA]);
		r->cwd = str[FST_STR_DIR] ? dir_from_kernel(str[FST_STR_DIR]) : NULL;
		break;
	case FST_PROC_EXIT: /* as a shell reports it: the code, or 128 + the signal */
		r->has_ret = true;
		r->ret = (status & 0x7f) ? 128 + (status & 0x7f) : (status >> 8) & 0xff;
		break;
	}
}

/* The kernel's names for a blk_status_t (block/blk-core.c, blk_errors[]), as it logs them. */
static const char *blk_status_name(int64_t status)
{
	static const char *const names[] = {
		[1] = "operation not supported",
		[2] = "timeout",
		[3] = "critical space allocation",
		[4] = "recoverable transport",
		[5] = "critical target",
		[6] = "reservation conflict",
		[7] = "critical medium",
		[8] = "protection",
		[9] = "kernel resource",
		[10] = "I/O",
		[11] = "device resource",
		[12] = "zone resource",
		[13] = "open zones",
		[14] = "active zones",
		[15] = "offline",
	};

	return status > 0 && status < (int64_t)(sizeof(names) / sizeof(names[0])) && names[status] ? names[status]
												   : "I/O";
}

/* A failed block request as a kernel message of fstrace's own (bpf/fstrace.h). */
static void decode_block_error(const struct fst_event *e, struct record *r)
{
	static const char *const ops[] = { "READ", "WRITE", "FLUSH", "DISCARD" };
	char link[64], target[256] = "";
	const char *name = NULL;
	ssize_t n;

	r->has_dev = true;
	r->dev_major = e->dev >> 20;
	r->dev_minor = e->dev & 0xfffff;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", r->dev_major, r->dev_minor);
	if ((n = readlink(link, target, sizeof(target) - 1)) > 0) {
		target[n] = '\0';
		name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	}
	if (asprintf(&r->msg, "block_rq_error: %s error, dev %s%s%u:%u, sector %llu op %s, %u bytes",
		     blk_status_name(e->ret), name ? name : "", name ? " " : "", r->dev_major, r->dev_minor,
		     (unsigned long long)e->ino, e->flags < 4 ? ops[e->flags] : "OTHER", (unsigned)e->dirfd) < 0)
		r->msg = NULL;
	r->ino = 0; /* a sector, not an inode */
}

int event_decode(const void *data, size_t size, struct record *r)
{
	const struct fst_event *e = data;
	const char *str[FST_STR_COUNT];

	if (size < sizeof(*e) || e->type >= sizeof(type_of) / sizeof(type_of[0]) || !type_of[e->type] ||
	    split_strings(e, size, str))
		return -1;
	record_init(r);
	r->type = type_of[e->type];
	r->ts_ns = e->ts_ns;
	r->pid = e->pid;
	r->tid = e->tid;
	r->ppid = e->ppid;
	r->vpid = e->vpid;
	r->vppid = e->vppid;
	/* Only these are taken from outside the scope; ext4 errors and kernel messages have no
	 * scope at all. */
	r->outsider =
		!e->in_scope && (e->type == FST_EV_MOUNT || e->type == FST_EV_REMOVE || e->type == FST_EV_RENAME);
	/* On the host they are the same: kept only where they differ, as in a recording. */
	r->has_vpid = r->vpid != r->pid;
	r->has_vppid = r->vppid != r->ppid;
	memcpy(r->comm, e->comm, sizeof(r->comm));
	r->comm[sizeof(r->comm) - 1] = '\0';
	r->cgroup_id = e->cgroup_id;
	r->has_uid = e->type == FST_EV_SYSCALL || e->type == FST_EV_MOUNT;
	r->uid = r->has_uid ? e->uid : 0;
	r->gid = r->has_uid ? e->gid : 0;
	r->mntns = e->mntns;
	r->ino = e->ino;

	switch (e->type) {
	case FST_EV_SYSCALL:
	case FST_EV_MOUNT:
	case FST_EV_REMOVE:
	case FST_EV_RENAME:
		decode_call(e, str, r);
		if (e->ino) { /* the removed inode where fentry noted it, or a descriptor's */
			r->has_dev = true;
			r->dev_major = e->dev >> 20;
			r->dev_minor = e->dev & 0xfffff;
		}
		break;
	case FST_EV_EXT4_ERROR:
		r->has_dev = true;
		r->dev_major = e->dev >> 20;
		r->dev_minor = e->dev & 0xfffff;
		r->func = dup_or_null(str[FST_STR_DATA]);
		r->line = e->syscall;
		break;
	case FST_EV_KMSG:
		if (e->syscall == FST_KMSG_BLOCK_ERROR) {
			decode_block_error(e, r);
			break;
		}
		r->msg = dup_or_null(str[FST_STR_DATA]);
		if (r->msg)
			r->msg[strcspn(r->msg, "\n")] = '\0';
		break;
	case FST_EV_PROC:
		decode_proc(e, str, r);
		break;
	}
	return 0;
}
