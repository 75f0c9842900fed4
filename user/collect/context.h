/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Correlate, part one: what only the live machine can say, written into the recording beside the
 * events so that a report read later (elsewhere) says the same as the live one:
 *   - the device a failing path sits on (the event's `dev`),
 *   - for a failing overlay mount, the filesystem each layer sat on ("layer" records),
 *   - what each device involved is: name, loop file, Longhorn volume, PV, ext4's error record
 *     ("device" records, again at the end with ext4's final counters),
 *   - the container and pod of a task that failed, mounted or removed ("cgroup" records,
 *     context_cgroups.h).
 */
#ifndef FSTRACE_CONTEXT_H
#define FSTRACE_CONTEXT_H

#include <stdbool.h>
#include "recording/record.h"

typedef void (*context_emit_fn)(const struct record *r, void *ctx);

struct context;

/* kube: also read Longhorn volumes from the cluster with kubectl (--kube). */
struct context *context_new(context_emit_fn emit, void *ctx, bool kube);
/* Before r is kept: fills in what the event itself lacks (a failure's device). */
void context_annotate(struct context *c, struct record *r);
/* After r is kept: emits the layer, device and cgroup records it calls for. */
void context_follow(struct context *c, const struct record *r);
/* About once a second: a device whose ext4 error count moved is described again. */
void context_tick(struct context *c);
/* At the end: the devices again, with what they say now; and a note if kubectl was wanted. */
void context_finish(struct context *c);
void context_free(struct context *c);

#endif
