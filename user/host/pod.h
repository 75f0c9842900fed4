/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The Kubernetes pod fstrace itself runs in, learned from what the pod has: the downward API's
 * POD_NAME / POD_NAMESPACE, the service account's namespace file, the /etc/hosts and
 * /dev/termination-log that kubelet bind-mounts from pods/<uid>/ on the node, and the hostname
 * (the pod's name unless spec.hostname or hostNetwork changes it). Under a cgroup namespace
 * /proc/self/cgroup reads "0::/" and names no container: this is what is left.
 *
 * Resolved where fstrace runs and stored in the recording (a "pod" record), so a report read
 * later, elsewhere, names the same pod. Nothing is called a pod without a sign that it is one:
 * a hostname alone never is.
 */
#ifndef FSTRACE_POD_H
#define FSTRACE_POD_H

#include <stdbool.h>
#include "lib/json.h"

/* Where to look. roots NULL: this machine (the defaults shown); in a given roots a NULL member is
 * not looked at. Tests point them at a fake tree. */
struct pod_roots {
	char *const *env;           /* fstrace's own environment ("K=V", NULL-terminated): environ */
	const char *init_environ;   /* "/proc/1/environ": sudo strips POD_NAME, the container's init keeps it */
	const char *serviceaccount; /* "/var/run/secrets/kubernetes.io/serviceaccount" */
	const char *hostname;       /* "/proc/sys/kernel/hostname" */
	const char *mountinfo;      /* "/proc/self/mountinfo" */
};

/* All strings owned, NULL when unknown; each *_from says how the value was learned. */
struct pod_info {
	char *name, *name_from;
	char *namespace, *namespace_from;
	char *uid, *uid_from;
	char *container; /* the container's name in the pod spec */
	char *hostname;
};

/* Fills p when fstrace runs in a pod. 1: in a pod; 0: no sign of one (p all NULL); -1: no memory. */
int pod_identify(const struct pod_roots *roots, struct pod_info *p);

void pod_info_free(struct pod_info *p);
int pod_info_copy(struct pod_info *dst, const struct pod_info *src);
/* The "pod" object of a pod record; from_json: 0, or -1 with "key: problem" in err. */
void pod_info_to_json(const struct pod_info *p, struct jbuf *out);
int pod_info_from_json(const struct jval *obj, struct pod_info *p, char *err, size_t errlen);

#endif
