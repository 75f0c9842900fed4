/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Sample records for the unit tests, and a field-by-field comparison. */
#ifndef FSTRACE_TEST_RECORDS_H
#define FSTRACE_TEST_RECORDS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "recording/record.h"

static inline bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static inline bool record_equal(const struct record *a, const struct record *b)
{
	return a->type == b->type && a->ts_ns == b->ts_ns && a->pid == b->pid && a->tid == b->tid &&
	       a->ppid == b->ppid && a->has_vpid == b->has_vpid && a->has_vppid == b->has_vppid &&
	       (!a->has_vpid || a->vpid == b->vpid) && (!a->has_vppid || a->vppid == b->vppid) &&
	       memcmp(a->comm, b->comm, sizeof(a->comm)) == 0 &&
	       a->cgroup_id == b->cgroup_id && a->mntns == b->mntns && str_eq(a->syscall, b->syscall) &&
	       a->has_ret == b->has_ret && a->ret == b->ret && a->err == b->err &&
	       str_eq(a->path, b->path) && str_eq(a->path2, b->path2) && str_eq(a->cwd, b->cwd) &&
	       str_eq(a->fstype, b->fstype) && str_eq(a->data, b->data) &&
	       a->dev_major == b->dev_major && a->dev_minor == b->dev_minor && a->has_dev == b->has_dev &&
	       a->ino == b->ino && str_eq(a->func, b->func) && a->line == b->line &&
	       str_eq(a->msg, b->msg) && a->fd == b->fd && a->flags == b->flags &&
	       a->has_flags == b->has_flags && a->count == b->count && (a->count <= 1 || a->last_ns == b->last_ns);
}

static inline char *dup_or_die(const char *s)
{
	char *d = strdup(s);

	REQUIRE(d);
	return d;
}

/* Record number i: cycles through every event type, each with the fields it carries. */
static inline void sample_record(struct record *r, unsigned i)
{
	static const char *const proc_kinds[] = { "fork", "exec", "exit" };
	char buf[256];

	record_init(r);
	r->type = (enum rec_type)(REC_SYSCALL + i % 7);
	r->ts_ns = 1000000000ull * i + i;
	r->pid = 1000 + i;
	r->tid = 2000 + i;
	r->ppid = i % 3 ? 1 : 0;
	snprintf(r->comm, sizeof(r->comm), "proc-%u\xc3\xa9", i);
	r->cgroup_id = 0x100000000ull + i;
	r->mntns = 4026531840u + i % 5;
	switch (r->type) {
	case REC_SYSCALL:
		r->syscall = dup_or_die(i % 2 ? "openat" : "renameat2");
		r->has_ret = true;
		r->ret = -ENOENT;
		r->err = ENOENT;
		snprintf(buf, sizeof(buf), "dir %u/\"quoted\"\tfile\n", i);
		r->path = dup_or_die(buf);
		r->cwd = dup_or_die("/home/user");
		if (i % 2 == 0)
			r->path2 = dup_or_die("/tmp/target");
		r->fd = i % 4 ? -1 : 3;
		r->has_flags = true;
		r->flags = 0x80241;
		break;
	case REC_MOUNT:
		r->syscall = dup_or_die("mount");
		r->has_ret = true;
		r->ret = i % 2 ? 0 : -EINVAL;
		r->err = i % 2 ? 0 : EINVAL;
		r->path = dup_or_die("/var/lib/docker/overlay2/merged");
		r->path2 = dup_or_die("overlay");
		r->fstype = dup_or_die("overlay");
		r->data = dup_or_die("lowerdir=/l1:/l2,upperdir=/u,workdir=/w");
		r->has_flags = true;
		r->flags = 0;
		break;
	case REC_REMOVE:
	case REC_RENAME:
		r->syscall = dup_or_die(r->type == REC_REMOVE ? "unlinkat" : "rename");
		r->has_ret = true;
		r->path = dup_or_die("/srv/data/\xe6\x97\xa5\xe6\x9c\xac.txt");
		if (r->type == REC_RENAME)
			r->path2 = dup_or_die("/srv/data/new");
		r->has_dev = true;
		r->dev_major = 259;
		r->dev_minor = i;
		r->ino = 1234567 + i;
		break;
	case REC_EXT4_ERROR:
		r->has_dev = true;
		r->dev_major = 8;
		r->dev_minor = 1;
		r->ino = i % 2 ? 0 : 12;
		r->func = dup_or_die("ext4_lookup");
		r->line = 1855;
		break;
	case REC_KMSG:
		r->msg = dup_or_die("overlayfs: upper fs does not support tmpfile.");
		break;
	default:
		r->syscall = dup_or_die(proc_kinds[i % 3]);
		if (i % 3 == 1)
			r->data = dup_or_die("/usr/bin/make");
		if (i % 3 == 2) {
			r->has_ret = true;
			r->ret = 2;
		}
		break;
	}
}

#endif
