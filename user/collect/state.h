/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The machine at the moment of a failure: what only the live machine can say about a failing
 * call's object (how full its filesystem was, who owns the directory that denied it, the
 * process's open-file limit), taken by the collector as the failure arrives and written into
 * the recording as a REC_STATE record, so that a report read later says the same as the live one.
 *
 * Collector side: state_follow() runs the gatherers the failure's errno calls for (one table in
 * state.c; each gatherer in its own file). Report side: state_find() and state_u64()/state_str()
 * read them back. A state's data is "key=value" pairs separated by single spaces; a value holds
 * no space (paths are %-escaped: "%20" for a space, "%25" for '%').
 */
#ifndef FSTRACE_STATE_H
#define FSTRACE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "recording/record.h"

struct analysis;
struct jbuf;

/* Collector side. A gatherer fills out->data (and out->msg, out->has_dev/dev_*) for failure,
 * reading the machine; out arrives initialised with type, ts_ns, pid, tid, comm, syscall (the
 * kind) and path set. Returns 0 to emit out, -1 to emit nothing. */
typedef int (*state_gather_fn)(const struct record *failure, struct record *out);

struct state_tracker;

typedef void (*state_emit_fn)(const struct record *r, void *ctx);
struct state_tracker *state_tracker_new(state_emit_fn emit, void *ctx);
/* After a failing call is kept: emits the states its errno calls for, each (kind, path) once
 * and at most STATE_MAX_PER_RUN in all, so a storm of failures does not storm the machine. */
void state_follow(struct state_tracker *t, const struct record *failure);
void state_tracker_free(struct state_tracker *t);
#define STATE_MAX_PER_RUN 512

/*
 * The root directory a failing process saw, as a path the collector can look through: /proc/PID/root
 * while the process lives, else its parent's when that is in the same mount namespace (the event's
 * mntns), else "" when the collector itself is; NULL when nothing is left to look through (the
 * process and its parent are gone, and their namespace is not the collector's).
 */
const char *state_root(const struct record *f, char *buf, size_t len);
/* The failing process's view of path: state_root's + path, else path. Returns buf. */
const char *state_path_in_root(const struct record *f, const char *path, char *buf, size_t len);
/* "key=value " appenders for gatherers; state_put_str %-escapes the value. */
void state_put_u64(struct jbuf *b, const char *key, uint64_t v);
void state_put_str(struct jbuf *b, const char *key, const char *v);

/* The gatherers, one file each (state_*.c), and the errnos that call them: state.c's table. */
int state_gather_statfs(const struct record *failure, struct record *out); /* state_space.c */
int state_gather_mount(const struct record *failure, struct record *out);  /* state_mount.c */
int state_gather_access(const struct record *failure, struct record *out); /* state_access.c */
int state_gather_limits(const struct record *failure, struct record *out); /* state_limits.c */
int state_gather_links(const struct record *failure, struct record *out);  /* state_limits.c */
/* "PREFIXmnt=... PREFIXfstype= PREFIXsource= PREFIXopts=": the mount path sits on, as f's process
 * saw it (state_mount.c). */
void state_put_mount(const struct record *f, const char *path, const char *prefix, struct jbuf *b);
/* "runner_pid=... runner_comm=...": a process running the binary at path (ETXTBSY). */
void state_put_runner(const char *path, struct jbuf *b); /* state_access.c */

/* Report side. The state of this kind taken for failure (same process and path, the nearest
 * after it), else one of the same path, else NULL. */
const struct record *state_find(const struct analysis *a, const char *kind, const struct record *failure);
bool state_u64(const struct record *s, const char *key, uint64_t *out);
/* The value, unescaped, into buf; false when absent. */
bool state_str(const struct record *s, const char *key, char *buf, size_t len);
/* Who answers for a mount of fstype: "fuse" (a daemon in user space: fuse, fuse.NAME), "network"
 * (a server: nfs, cifs, 9p, ceph...), or NULL (a device under it). state_mount.c. */
const char *state_mount_server(const char *fstype);

#endif
