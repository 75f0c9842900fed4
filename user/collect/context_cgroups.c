// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "collect/context_cgroups.h"
#include "host/pidns.h"
#include "lib/util.h"

/* Ids already described: cleared when full, so a weeks-long recording stays bounded (a cgroup
 * seen again after that is described again: a few lines more, never a wrong answer). */
#define MAX_SEEN 8192
/* A cgroup created after the last walk is found by the next one, due within a second. */
#define RETRY_NS 250000000ull
#define MAX_TRIES 8

struct seen {
	uint64_t id;       /* 0: empty */
	uint64_t retry_ns; /* not described yet: try again from then */
	unsigned tries;
	bool done; /* described, or given up on */
};

struct cgroup_tracker {
	struct cgroup_map *map;
	struct seen v[MAX_SEEN * 2];
	uint16_t used[MAX_SEEN]; /* the slots of v in use: forgetting clears those, not 512 KiB */
	size_t n;
};

struct cgroup_tracker *cgroup_tracker_new(const struct cgroup_roots *roots)
{
	struct cgroup_tracker *t = calloc(1, sizeof(*t));

	if (t && !(t->map = cgroup_map_new(roots))) {
		free(t);
		return NULL;
	}
	return t;
}

void cgroup_tracker_free(struct cgroup_tracker *t)
{
	if (!t)
		return;
	cgroup_map_free(t->map);
	free(t);
}

void cgroup_tracker_forget(struct cgroup_tracker *t)
{
	if (t) {
		for (size_t i = 0; i < t->n; i++)
			memset(&t->v[t->used[i]], 0, sizeof(t->v[0]));
		t->n = 0;
	}
}

static struct seen *seen_slot(struct cgroup_tracker *t, uint64_t id)
{
	const size_t cap = sizeof(t->v) / sizeof(t->v[0]);
	size_t i = (size_t)(id * 11400714819323198485ull) % cap;

	for (; t->v[i].id; i = (i + 1) % cap)
		if (t->v[i].id == id)
			return &t->v[i];
	if (t->n == MAX_SEEN) {
		cgroup_tracker_forget(t);
		i = (size_t)(id * 11400714819323198485ull) % cap;
	}
	t->used[t->n++] = (uint16_t)i;
	t->v[i].id = id;
	return &t->v[i];
}

/* The tasks whose container matters: who failed, who mounted, who removed what others then
 * missed. Not ext4 errors and kernel messages: their task is whoever tripped over it. */
static bool matters(const struct record *r)
{
	return r->type == REC_SYSCALL || r->type == REC_MOUNT || r->type == REC_REMOVE || r->type == REC_RENAME;
}

bool cgroup_tracker_want(struct cgroup_tracker *t, const struct record *r, struct record *out)
{
	struct cgroup_info *ci;
	struct seen *s;
	bool retry;

	if (!t || !r->cgroup_id || !matters(r))
		return false;
	s = seen_slot(t, r->cgroup_id);
	if (s->done || (s->retry_ns && boottime_ns() < s->retry_ns))
		return false;
	if (!(ci = calloc(1, sizeof(*ci))))
		return false;
	if (cgroup_describe(t->map, r->cgroup_id, pidns_proc_pid(r), ci, &retry)) {
		free(ci);
		if (retry && ++s->tries < MAX_TRIES)
			s->retry_ns = boottime_ns() + RETRY_NS;
		else
			s->done = true; /* gone before we looked: a short-lived container */
		return false;
	}
	s->done = true;
	record_init(out);
	out->type = REC_CGROUP;
	out->ts_ns = boottime_ns();
	out->pid = r->pid; /* the task it was first seen with */
	out->tid = r->tid;
	out->ppid = r->ppid;
	out->vpid = r->vpid, out->has_vpid = r->has_vpid;
	out->vppid = r->vppid, out->has_vppid = r->has_vppid;
	memcpy(out->comm, r->comm, sizeof(out->comm));
	out->cgroup_id = r->cgroup_id;
	out->mntns = r->mntns;
	out->cgroup = ci;
	return true;
}
