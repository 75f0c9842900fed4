/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The event contract: one struct record as one JSON object, the unit of a recording line and
 * of JSON export. Keys, in order, each only when the event has it:
 *   ts_ns type pid tid ppid vpid vppid comm cgroup_id mntns uid gid syscall ret errno path path2 cwd
 *   fstype data dev ino func line msg fd flags outsider count last_ns under_load, then a context
 *   record's
 *   object: device, cgroup or pod
 * errno is a name ("ENOENT"), dev is "major:minor". vpid and vppid (the pids in the container's
 * pid namespace fstrace ran in, 0 for a process outside it) only from inside one: absent means
 * pid and ppid are what the user saw. outsider (true, else absent): a mount, removal or rename by
 * a process outside the traced tree or record's filters. count and last_ns only on a syscall
 * record that stands for count > 1 calls: the same failure repeated (process, call, errno,
 * path), folded in the kernel; ts_ns is then the first of them and last_ns the last; absent,
 * count is 1. under_load (true, else absent): count is of one process's misses (ENOENT, ENOTDIR)
 * of that call on any path, folded while the ring buffer was half full; path is the first. uid
 * and gid (the caller's, the host's ids) on syscall and mount records.
 * A call on a descriptor (write, fsync, close...): path is the open file's, resolved in the
 * kernel (absent for close), dev and ino its file's (a block device file: that device), fd the
 * number. A kmsg read from /dev/kmsg: pid 0, no comm, dev when its text names a block device. Readers ignore keys they do not know, so a newer fstrace may add keys without a
 * format version bump.
 */
#ifndef FSTRACE_EVENT_JSON_H
#define FSTRACE_EVENT_JSON_H

#include <stddef.h>

#include "json.h"
#include "record.h"

/* Appends the object to out, without a newline. Check out->oom afterwards. */
void record_to_json(const struct record *r, struct jbuf *out);

/*
 * Fills r (initialised here; free it with record_free) from a parsed object. Returns 0, or -1
 * with "key: problem" in err and r left empty. type and ts_ns are required; a type this
 * fstrace does not know gives r->type == REC_NONE, for the caller to skip.
 */
int record_from_json(const struct jval *obj, struct record *r, char *err, size_t errlen);
/* The same, r's strings borrowed from obj's (r->borrowed): r is valid while obj is. */
int record_from_json_view(const struct jval *obj, struct record *r, char *err, size_t errlen);
/* An event line straight into r, its strings borrowed from a until its next reset, without
 * building the object: 0, or -1 (r empty) when the line is not a well-formed flat event (a
 * header, a trailer, a context record's object, damage), for the caller to parse whole. */
int record_from_json_line(struct json_arena *a, const char *line, size_t len, struct record *r);

#endif
