/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Correlate: the container and pod behind the events that matter (failures, mounts, removals),
 * described once per cgroup id in a "cgroup" record beside them (context.c emits it), not for
 * every event.
 */
#ifndef FSTRACE_CONTEXT_CGROUPS_H
#define FSTRACE_CONTEXT_CGROUPS_H

#include "host/cgroups.h"
#include "recording/record.h"

struct cgroup_tracker;

struct cgroup_tracker *cgroup_tracker_new(const struct cgroup_roots *roots);
/* After r was kept: true with a REC_CGROUP record in out (free it) the first time r's cgroup is
 * seen and could be described; false otherwise (seen, not an event that matters, gone). */
bool cgroup_tracker_want(struct cgroup_tracker *t, const struct record *r, struct record *out);
/* Every cgroup is described again when next seen: each recording of node mode reads on its own. */
void cgroup_tracker_forget(struct cgroup_tracker *t);
void cgroup_tracker_free(struct cgroup_tracker *t);

#endif
