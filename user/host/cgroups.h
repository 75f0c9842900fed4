/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Whose task was it: from an event's cgroup v2 id to its cgroup path, and from the path to the
 * container runtime, container id, Kubernetes pod UID and QoS class (the runtimes name their
 * cgroups after the container: docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
 * libpod-<id>.scope, kubepods-burstable-pod<uid>.slice, /kubepods/burstable/pod<uid>/<id>), and
 * the pod's name and namespace from kubelet's log directories.
 *
 * Resolved where fstrace runs, while it runs, and stored in the recording ("cgroup" records):
 * a container's cgroup is gone soon after it exits, so a report read later cannot ask.
 */
#ifndef FSTRACE_CGROUPS_H
#define FSTRACE_CGROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/json.h"

/* Where to look. cgroupfs NULL: the cgroup2 mount of /proc/self/mountinfo (/sys/fs/cgroup, or
 * /sys/fs/cgroup/unified on a hybrid v1/v2 host). Tests point both at a fake tree. */
struct cgroup_roots {
	const char *cgroupfs;
	const char *pod_logs; /* "/var/log/pods": <namespace>_<name>_<uid> directories */
};

extern const struct cgroup_roots cgroup_roots_default;

/* All strings owned, NULL when unknown. */
struct cgroup_info {
	uint64_t id;        /* the cgroup directory's inode number, as the kernel reports it */
	char *path;         /* as /proc/<pid>/cgroup names it: "/system.slice/docker-<id>.scope" */
	char *runtime;      /* "docker", "containerd", "cri-o", "podman" */
	char *container_id; /* 64 hex digits */
	char *pod_uid;      /* with its dashes restored */
	char *qos;          /* "Guaranteed", "Burstable", "BestEffort" */
	char *pod_name, *pod_namespace;
};

/* Fills runtime, container_id, pod_uid and qos from path (nothing else). 0, or -1 when memory
 * runs out; a path that names no container leaves them NULL. */
int cgroup_parse_path(const char *path, struct cgroup_info *ci);
/* A container's or pod's name and namespace from pod_logs; 0 when found. */
int cgroup_pod_names(const struct cgroup_roots *roots, const char *uid, char **name, char **ns);
/* Whether the path names a container or a pod: the report shows only those. */
bool cgroup_info_attributed(const struct cgroup_info *ci);

/* What one cgroup directory's name says (cgroups_path.c). */
enum cgroup_dir_kind { CGDIR_NONE, CGDIR_CONTAINER, CGDIR_CONMON, CGDIR_POD };
/* container: id (65 bytes) and runtime; pod: uid (37 bytes, dashes) and qos. parent: the name
 * of the directory above ("" at the top), which the cgroupfs driver's shapes depend on. */
enum cgroup_dir_kind cgroup_dir_parse(const char *name, const char *parent, bool under_kubepods, char *id,
				      const char **runtime_or_qos);

/* The id -> path map of one cgroup tree, refreshed (a walk) on a miss at most once a second. */
struct cgroup_map;

struct cgroup_map *cgroup_map_new(const struct cgroup_roots *roots);
void cgroup_map_free(struct cgroup_map *m);
/* Describes cgroup id into ci (zeroed here): path, attribution, pod names. pid: a task in it,
 * whose /proc/<pid>/cgroup is tried before the map (0: none). 0 when found; -1 when the id is
 * not (or not yet) there; *retry says whether a later call could find it (the walk was due). */
int cgroup_describe(struct cgroup_map *m, uint64_t id, uint32_t pid, struct cgroup_info *ci, bool *retry);

/* The cgroup2 mount: its mount point and the cgroup path of its root ("/" but in a cgroup
 * namespace). 0, or -1 when there is none. */
int cgroup2_mount(char *mnt, size_t mntlen, char *root, size_t rootlen);

/* Calls fn for the root of the tree at mnt (cgroup path root: "/", or the mount's root in a
 * cgroup namespace) and every directory below, depth first, parents before children. */
typedef void (*cgroup_walk_fn)(void *ctx, uint64_t id, const char *path, const char *name, const char *parent,
			       bool under_kubepods);
int cgroup_walk(const char *mnt, const char *root, cgroup_walk_fn fn, void *ctx);

enum cgroup_find_kind { CGFIND_CONTAINER, CGFIND_POD };
/* --container ID (full or unique prefix) / --pod UID: the cgroup directory (absolute, under the
 * mount) that holds it; for a pod, the pod's own directory, which holds its containers'. 0, or
 * -1 with one line in err. */
int cgroup_find(const struct cgroup_roots *roots, enum cgroup_find_kind kind, const char *arg, char *dir,
		size_t dirlen, char *err, size_t errlen);

/* record's filter: --cgroup PATH, else --container ID or --pod UID (NULL: not given) -> the
 * cgroup's id and level for the kernel. 0 (also when none is given), or -1 after one line. */
int cgroup_filter(const char *cgroup, const char *container, const char *pod, uint64_t *id, uint32_t *level);

void cgroup_info_free(struct cgroup_info *ci);
int cgroup_info_copy(struct cgroup_info *dst, const struct cgroup_info *src);
/* The "cgroup" object of a cgroup record; from_json: 0, or -1 with "key: problem" in err. */
void cgroup_info_to_json(const struct cgroup_info *ci, struct jbuf *out);
int cgroup_info_from_json(const struct jval *obj, struct cgroup_info *ci, char *err, size_t errlen);

#endif
