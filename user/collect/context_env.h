/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Correlate: where fstrace itself runs. The pod it is in (pod.h), and what it could not read
 * there (no cgroup2 mount, the host's cgroup paths hidden by a cgroup namespace, no /sys/dev/block),
 * each once, as a "pod" record and "note" records at the start of every recording file.
 */
#ifndef FSTRACE_CONTEXT_ENV_H
#define FSTRACE_CONTEXT_ENV_H

#include "host/pod.h"
#include "recording/record.h"

/* Where to look; context_env_default is this machine. Tests use a fake tree. */
struct env_roots {
	const struct pod_roots *pod; /* NULL: this machine's */
	const char *self_cgroup;     /* "/proc/self/cgroup" */
	const char *sys_block;       /* "/sys/dev/block" */
	const char *mountinfo;       /* "/proc/self/mountinfo": is there a cgroup2 mount */
	const char *cgroup_ns;       /* "/proc/self/ns/cgroup": which cgroup namespace fstrace is in */
};

extern const struct env_roots env_roots_default;

struct env_context {
	struct record *v; /* the pod record (if any), then the notes */
	size_t n;
};

/* Learns it once; what could not be learned is simply not there. */
void env_context_learn(struct env_context *e, const struct env_roots *roots);
void env_context_free(struct env_context *e);

#endif
