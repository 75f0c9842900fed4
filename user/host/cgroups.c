// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cgroup id -> path, and --container / --pod -> directory. A cgroup v2 id is its directory's
 * inode number (kernfs), so the tree is walked once and kept as a map; a node with thousands of
 * cgroups costs one getdents per directory (kernfs readdir's d_ino is the id: no stat). A miss
 * walks again, at most once a second. Before the map, the task's own /proc/<pid>/cgroup is
 * tried: one read, checked against the id, and it finds a cgroup created a moment ago.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "host/cgroups.h"
#include "host/mountinfo.h"
#include "lib/util.h"

#define MAX_DEPTH 16      /* kind's nested kubelet is 6 deep; docker in docker adds 2 */
#define MAX_WALKED 200000 /* directories per walk: a bound, not a node's real size */
#define WALK_INTERVAL_NS 1000000000ull

const struct cgroup_roots cgroup_roots_default = { .cgroupfs = NULL, .pod_logs = "/var/log/pods" };

int cgroup2_mount(char *mnt, size_t mntlen, char *root, size_t rootlen)
{
	struct mount_table t = {};
	const struct mount_entry *best = NULL;

	if (mount_table_load(&t, "/proc/self/mountinfo"))
		return -1;
	/* The last of the usual places: a DaemonSet's hostPath /sys hides the runtime's own
	 * /sys/fs/cgroup (its container's subtree) under the host's, mounted after it. */
	for (size_t i = 0; i < t.n; i++) {
		const struct mount_entry *e = &t.m[i];
		bool usual = e->mountpoint && (!strcmp(e->mountpoint, "/sys/fs/cgroup") ||
					       !strcmp(e->mountpoint, "/sys/fs/cgroup/unified"));

		if (e->fstype && !strcmp(e->fstype, "cgroup2") && e->mountpoint &&
		    (usual || !best ||
		     (strcmp(best->mountpoint, "/sys/fs/cgroup") &&
		      strcmp(best->mountpoint, "/sys/fs/cgroup/unified"))))
			best = e;
	}
	if (best) {
		snprintf(mnt, mntlen, "%s", best->mountpoint);
		/* A mount from outside our cgroup namespace has a root of "/../..": it is the host's
		 * whole tree, and its paths are the host's names. */
		snprintf(root, rootlen, "%s", best->root && strncmp(best->root, "/..", 3) ? best->root : "/");
	}
	mount_table_free(&t);
	return best ? 0 : -1;
}

/* ---- the walk ---- */

struct walk {
	cgroup_walk_fn fn;
	void *ctx;
	bool use_dino; /* kernfs: d_ino is the cgroup id. A fake tree in a test: stat. */
	size_t count;
	char path[4096]; /* the cgroup path of the directory being read, "" for the root */
};

static void walk_dir(struct walk *w, int fd, size_t len, const char *parent, bool kube, int depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;

	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) && w->count < MAX_WALKED) {
		size_t n = strlen(e->d_name);
		struct stat st;
		uint64_t id = e->d_ino;
		int sub;

		if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) ||
		    len + 1 + n >= sizeof(w->path))
			continue;
		if (!w->use_dino || e->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
				continue;
			id = st.st_ino;
		}
		w->path[len] = '/';
		memcpy(w->path + len + 1, e->d_name, n + 1);
		w->count++;
		w->fn(w->ctx, id, w->path, e->d_name, parent, kube);
		if (depth < MAX_DEPTH &&
		    (sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0)
			walk_dir(w, sub, len + 1 + n, e->d_name, kube || strstr(e->d_name, "kubepods"), depth + 1);
		w->path[len] = '\0';
	}
	closedir(d);
}

int cgroup_walk(const char *mnt, const char *root, cgroup_walk_fn fn, void *ctx)
{
	struct walk *w = calloc(1, sizeof(*w));
	struct statfs fs;
	struct stat st;
	size_t len;
	int fd;

	if (!w)
		return -1;
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || fstatfs(fd, &fs)) {
		if (fd >= 0)
			close(fd);
		free(w);
		return -1;
	}
	w->fn = fn;
	w->ctx = ctx;
	w->use_dino = fs.f_type == CGROUP2_SUPER_MAGIC;
	snprintf(w->path, sizeof(w->path), "%s", strcmp(root, "/") ? root : "");
	len = strlen(w->path);
	fn(ctx, st.st_ino, len ? w->path : "/", "", "", false);
	walk_dir(w, fd, len, strrchr(root, '/') + 1, strstr(root, "kubepods") != NULL, 1);
	free(w);
	return 0;
}

/* ---- the map ---- */

struct slot {
	uint64_t id; /* 0: empty (no cgroup has inode 0) */
	char *path;
};

struct cgroup_map {
	struct cgroup_roots roots;
	char mnt[4096], root[4096];
	bool have_mount;
	struct slot *v;
	size_t n, cap;
	uint64_t last_walk_ns; /* 0: never */
};

static size_t slot_of(uint64_t id, size_t cap)
{
	return (size_t)(id * 11400714819323198485ull) & (cap - 1);
}

static void map_clear(struct slot *v, size_t cap)
{
	for (size_t i = 0; i < cap; i++)
		free(v[i].path);
	free(v);
}

static void map_put(struct cgroup_map *m, uint64_t id, const char *path)
{
	size_t i;

	if (!id)
		return;
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		struct slot *v = calloc(cap, sizeof(*v));

		if (!v)
			return;
		for (size_t k = 0; k < m->cap; k++) {
			if (!m->v[k].id)
				continue;
			for (i = slot_of(m->v[k].id, cap); v[i].id; i = (i + 1) & (cap - 1))
				;
			v[i] = m->v[k];
		}
		free(m->v);
		m->v = v;
		m->cap = cap;
	}
	for (i = slot_of(id, m->cap); m->v[i].id && m->v[i].id != id; i = (i + 1) & (m->cap - 1))
		;
	if (m->v[i].id) { /* an id is never reused while the kernel runs; the path may have moved */
		free(m->v[i].path);
	} else {
		m->v[i].id = id;
		m->n++;
	}
	m->v[i].path = strdup(path);
}

static const char *map_get(const struct cgroup_map *m, uint64_t id)
{
	for (size_t i = m->cap ? slot_of(id, m->cap) : 0; m->cap && m->v[i].id; i = (i + 1) & (m->cap - 1))
		if (m->v[i].id == id)
			return m->v[i].path;
	return NULL;
}

static void put_walked(void *ctx, uint64_t id, const char *path, const char *name, const char *parent, bool kube)
{
	map_put(ctx, id, path);
}

static void refresh(struct cgroup_map *m)
{
	map_clear(m->v, m->cap);
	m->v = NULL;
	m->n = m->cap = 0;
	m->last_walk_ns = boottime_ns();
	if (m->have_mount)
		cgroup_walk(m->mnt, m->root, put_walked, m);
}

struct cgroup_map *cgroup_map_new(const struct cgroup_roots *roots)
{
	struct cgroup_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->roots = *roots;
	if (roots->cgroupfs) {
		snprintf(m->mnt, sizeof(m->mnt), "%s", roots->cgroupfs);
		strcpy(m->root, "/");
		m->have_mount = true;
	} else {
		m->have_mount = cgroup2_mount(m->mnt, sizeof(m->mnt), m->root, sizeof(m->root)) == 0;
	}
	return m;
}

void cgroup_map_free(struct cgroup_map *m)
{
	if (!m)
		return;
	map_clear(m->v, m->cap);
	free(m);
}

/* The task's own line "0::<path>", if it is still there and still in that cgroup. */
static char *path_from_pid(struct cgroup_map *m, uint64_t id, uint32_t pid)
{
	char file[64], line[4200], dir[8400];
	size_t rootlen = strcmp(m->root, "/") ? strlen(m->root) : 0;
	char *path = NULL;
	struct stat st;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%u/cgroup", pid);
	if (!pid || m->roots.cgroupfs || !m->have_mount || !(f = fopen(file, "re")))
		return NULL;
	while (!path && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* "/.." when the task is outside our cgroup namespace: the map knows its real name */
		if (strncmp(line, "0::/", 4) || strncmp(line + 3, m->root, rootlen) || strstr(line, "/.."))
			continue;
		snprintf(dir, sizeof(dir), "%s%s", m->mnt, line + 3 + rootlen);
		if (stat(dir, &st) == 0 && st.st_ino == id)
			path = strdup(line + 3);
	}
	fclose(f);
	if (path)
		map_put(m, id, path);
	return path;
}

int cgroup_describe(struct cgroup_map *m, uint64_t id, uint32_t pid, struct cgroup_info *ci, bool *retry)
{
	const char *known;
	char *path;

	memset(ci, 0, sizeof(*ci));
	*retry = false;
	if (!id || !m->have_mount)
		return -1;
	path = path_from_pid(m, id, pid);
	if (!path && !(known = map_get(m, id))) {
		if (m->last_walk_ns && boottime_ns() - m->last_walk_ns < WALK_INTERVAL_NS) {
			*retry = true;
			return -1;
		}
		refresh(m);
		known = map_get(m, id);
	}
	if (!path && !(path = known ? strdup(known) : NULL))
		return -1;
	ci->id = id;
	ci->path = path;
	if (cgroup_parse_path(path, ci)) {
		cgroup_info_free(ci);
		return -1;
	}
	if (ci->pod_uid)
		cgroup_pod_names(&m->roots, ci->pod_uid, &ci->pod_name, &ci->pod_namespace);
	return 0;
}
