/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One event as the collector, the recording and the report see it: decoded from the ring buffer
 * live, or parsed back from a recording. Both paths meet here, so a report from a file is the
 * same as a live one.
 */
#ifndef FSTRACE_RECORD_H
#define FSTRACE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rec_type {
	REC_NONE = 0,
	REC_SYSCALL,
	REC_MOUNT,
	REC_REMOVE,
	REC_RENAME,
	REC_EXT4_ERROR,
	REC_KMSG,
	REC_PROC,
	/* Context the collector adds while it runs, so a report read later needs nothing else: */
	REC_DEVICE, /* what a device number is (devices.h), in `device` */
	REC_LAYER,  /* the filesystem an overlay layer sat on when its mount failed */
	REC_OUTPUT, /* a line the traced command printed: data = "stdout"|"stderr", msg = the line */
	REC_CGROUP, /* the container and pod a cgroup id belongs to (cgroups.h), in `cgroup` */
	REC_POD,    /* the pod fstrace runs in, from what the pod has (pod.h), in `pod` */
	REC_NOTE,   /* something the collector could not read where it ran: msg */
	REC_STATE,  /* what the machine said about a failing call's object the moment it failed, which
		     * a report read later cannot ask (user/state.h): syscall = the kind of fact
		     * ("statfs", "access", "limits"...), pid and path = the failure's, data =
		     * "key=value" pairs separated by spaces, msg = a line for humans, dev */
};
#define REC_TYPES (REC_STATE + 1)

/* A REC_LAYER's flags. */
#define LAYER_READONLY 1u /* its mount is read-only */
#define LAYER_UNDER_UNSEEN \
	2u /* on an overlay whose own upper layer fstrace cannot see: that
				 * overlay is a container's root, its layers on the node */

struct device_info;
struct cgroup_info;
struct pod_info;

/* Strings are owned by the record (heap) and NULL when the event does not have them. Fields
 * by size, widest last but the flags: a report's analysis holds two records per group of 32768
 * (user/diagnose/groups.h), and padding between mixed sizes made each 280 bytes, not 232. */
struct record {
	enum rec_type type;
	uint32_t pid, tid, ppid; /* as the kernel names them: the host's */
	/* pid and ppid in the pid namespace fstrace ran in (a container's), as the user and its /proc
	 * see them, 0 for a process outside that namespace; only where has_vpid / has_vppid say so:
	 * without them (the host, a record made by fstrace itself) pid and ppid are what users see. */
	uint32_t vpid, vppid;
	/* The caller's uid and gid (the host's), for a failing call or a mount: what a permission
	 * check weighed. Only where has_uid says so (older recordings lack them). */
	uint32_t uid, gid;
	uint32_t mntns;
	int err; /* errno number when ret < 0, else 0 */
	uint32_t dev_major, dev_minor;
	uint32_t line; /* ext4_error line */
	int fd;        /* fsconfig/fsmount fd, or -1 */
	uint32_t flags;
	uint64_t ts_ns; /* CLOCK_BOOTTIME nanoseconds */
	uint64_t cgroup_id;
	int64_t ret; /* return value; proc exit: the exit status */
	uint64_t ino;
	/* How many calls this record stands for: 1, or for a failure the kernel saw repeated (the
	 * same process, call, errno and path within about a second, bpf/repeats.bpf.h) the repeats
	 * folded into it, ts_ns the first of them and last_ns the last. */
	uint64_t count;
	uint64_t last_ns;
	char *syscall; /* "openat", or for proc: "fork"/"exec"/"exit" */
	char *path;    /* absolute where the kernel could resolve it */
	char *path2;
	char *cwd; /* directory a relative path was resolved against */
	char *fstype;
	char *data;                 /* mount data, fsconfig "key=value", exec filename */
	char *func;                 /* ext4_error function */
	char *msg;                  /* kernel message text */
	struct device_info *device; /* REC_DEVICE only; owned */
	struct cgroup_info *cgroup; /* REC_CGROUP only; owned */
	struct pod_info *pod;       /* REC_POD only; owned */
	char comm[16];
	bool has_vpid, has_vppid, has_uid, has_ret, has_dev, has_flags;
	/* A mount, removal or rename by a process outside what fstrace traces (run's command tree,
	 * record's filters): a daemon, a cleanup job, or something unrelated on the machine. */
	bool outsider;
	/* The count is of one process's misses of this call and errno on any path, folded in the
	 * kernel while the ring was half full (bpf/repeats.bpf.h): path is only the first of them. */
	bool under_load;
	/* A REC_REMOVE or REC_RENAME that sums up count removals (renames) of one process the kernel
	 * held and no failure asked for (bpf/held.bpf.h), from ts_ns to last_ns: path is the
	 * directory they all lie under, not a path that went. Which paths they were is not known. */
	bool summary;
	/* The strings are borrowed, not owned: they point into a buffer that outlives the record
	 * (a recording reader's parsed line, a group's one allocation), so record_free leaves them.
	 * Saves a malloc and a free per string of each of a recording's millions of events. */
	bool borrowed;
};

const char *rec_type_name(enum rec_type type);
/* How a report names r's process (its parent with PARENT): "pid 12345" on the host; inside a pid
 * namespace the pid the user sees with the kernel's beside it, "pid 37 (host 12345)", or
 * "host pid 12345" for a process outside that namespace. Returns buf. */
const char *pid_label(const struct record *r, bool parent, char *buf, size_t len);
enum rec_type rec_type_from_name(const char *name);
void record_init(struct record *r);
/* The calls r stands for: its count, never less than 1 (a recording may say 0). */
static inline uint64_t record_calls(const struct record *r)
{
	return r->count ? r->count : 1;
}
void record_free(struct record *r);
/* src into dst, an initialised record of the same kind, keeping dst's strings that are equal:
 * a group's latest event differs from the one before mostly in its time and pid. A context
 * record's object (device, cgroup, pod) is not carried. 0, or -1 (dst then empty). */
int record_assign(struct record *dst, const struct record *src);
/* Deep copy of src into dst (dst uninitialised). Returns 0, or -1 on allocation failure. */
int record_copy(struct record *dst, const struct record *src);
/* The bytes record_copy_into needs for src's strings. */
size_t record_strings_size(const struct record *src);
/* src into dst (uninitialised) with its strings copied into buf (record_strings_size bytes,
 * owned by the caller): dst borrows them. Its context object (device, cgroup, pod) is copied as
 * record_copy does. 0, or -1 on allocation failure (dst then empty). */
int record_copy_into(struct record *dst, const struct record *src, char *buf);
/* r's strings into buf (record_strings_size bytes, the caller's): r borrows them from now on. */
void record_pack_strings(struct record *r, char *buf);

#endif
