// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * record --cgroup PATH / --container ID / --pod UID: the kernel's cgroup filter (an id and a level).
 * A container or pod is found by the cgroup directory named after it, in any of the shapes
 * cgroups_path.c knows. A pod's directory
 * holds all its containers' (and its sandbox's), so filtering on it keeps the whole pod.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "host/cgroups.h"
#include "lib/util.h"

struct search {
	enum cgroup_find_kind kind;
	char want[80]; /* the argument, normalised: lower case, a UID's '_' as '-' */
	size_t wantlen;
	char found[80];  /* the full id or UID of the first match */
	char path[4096]; /* its cgroup path */
	char other[80];  /* a second, different id that also matched */
};

static void visit(void *ctx, uint64_t id, const char *path, const char *name, const char *parent, bool kube)
{
	struct search *s = ctx;
	char full[80];
	const char *what;
	enum cgroup_dir_kind k = cgroup_dir_parse(name, parent, kube, full, &what);

	/* conmon's cgroup is the runtime's monitor, not the container's processes */
	if (k != (s->kind == CGFIND_POD ? CGDIR_POD : CGDIR_CONTAINER) || strncmp(full, s->want, s->wantlen))
		return;
	if (!s->found[0]) {
		snprintf(s->found, sizeof(s->found), "%s", full);
		snprintf(s->path, sizeof(s->path), "%s", path);
	} else if (strcmp(s->found, full) && !s->other[0]) {
		snprintf(s->other, sizeof(s->other), "%s", full);
	}
}

static bool valid_arg(struct search *s, const char *arg)
{
	size_t n = strlen(arg);

	if (n == 0 || n >= sizeof(s->want))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)arg[i]);

		if (s->kind == CGFIND_POD && (c == '_' || c == '-'))
			c = '-';
		else if (!isxdigit((unsigned char)c))
			return false;
		s->want[i] = c;
	}
	s->want[n] = '\0';
	s->wantlen = n;
	return s->kind == CGFIND_POD || n <= 64;
}

int cgroup_find(const struct cgroup_roots *roots, enum cgroup_find_kind kind, const char *arg, char *dir,
		size_t dirlen, char *err, size_t errlen)
{
	const char *opt = kind == CGFIND_POD ? "--pod" : "--container";
	const char *what = kind == CGFIND_POD ? "pod" : "container";
	struct search *s = calloc(1, sizeof(*s));
	char mnt[4096], root[4096];
	size_t rootlen;
	int ret = -1;

	if (!s) {
		snprintf(err, errlen, "%s %s: out of memory", opt, arg);
		return -1;
	}
	s->kind = kind;
	if (roots->cgroupfs) {
		snprintf(mnt, sizeof(mnt), "%s", roots->cgroupfs);
		strcpy(root, "/");
	} else if (cgroup2_mount(mnt, sizeof(mnt), root, sizeof(root))) {
		snprintf(err, errlen, "%s %s: no cgroup v2 hierarchy is mounted", opt, arg);
		goto out;
	}
	if (!valid_arg(s, arg)) {
		snprintf(err, errlen, "%s %s: not a %s", opt, arg,
			 kind == CGFIND_POD ? "pod UID (hex digits and dashes)"
					    : "container id (up to 64 hex digits)");
		goto out;
	}
	if (cgroup_walk(mnt, root, visit, s)) {
		snprintf(err, errlen, "%s %s: cannot read %s", opt, arg, mnt);
		goto out;
	}
	if (!s->found[0]) {
		snprintf(err, errlen, "%s %s: no cgroup of that %s on this node", opt, arg, what);
		goto out;
	}
	if (s->other[0]) {
		snprintf(err, errlen, "%s %s: matches more than one %s (%.12s, %.12s): give more of it", opt, arg,
			 what, s->found, s->other);
		goto out;
	}
	rootlen = strcmp(root, "/") ? strlen(root) : 0;
	snprintf(dir, dirlen, "%s%s", mnt, s->path + rootlen);
	ret = 0;
out:
	free(s);
	return ret;
}

/* p is mnt or below it. */
static bool under(const char *p, const char *mnt)
{
	size_t n = strlen(mnt);

	return !strcmp(mnt, "/") || (!strncmp(p, mnt, n) && (p[n] == '/' || !p[n]));
}

static unsigned depth_of(const char *p)
{
	unsigned n = 0;

	for (; *p; p++)
		n += *p == '/' && p[1] && p[1] != '/';
	return n;
}

/* A cgroup v2 directory's id is its inode number; its level, how deep it sits under the
 * hierarchy's root, the kernel's count (bpf_get_current_ancestor_cgroup_id). The mount is found
 * rather than assumed: a hybrid v1/v2 host has it at /sys/fs/cgroup/unified. */
static int dir_filter(const char *opt, const char *arg, const char *dir, uint64_t *id, uint32_t *level)
{
	char mnt[4096], root[4096], path[8200], real[PATH_MAX];
	struct statfs fs;
	struct stat st;

	if (cgroup2_mount(mnt, sizeof(mnt), root, sizeof(root))) {
		say("%s %s: no cgroup v2 hierarchy is mounted", opt, arg);
		return -1;
	}
	if (dir[0] == '/' && !under(dir, mnt) && access(dir, F_OK) != 0) /* "/kubepods/..." as cgroup names it */
		snprintf(path, sizeof(path), "%s%s", mnt,
			 strcmp(root, "/") && under(dir, root) ? dir + strlen(root) : dir);
	else
		snprintf(path, sizeof(path), "%s", dir);
	errno = 0;
	if (!realpath(path, real) || stat(real, &st) || !S_ISDIR(st.st_mode)) {
		say("%s %s: %s", opt, arg, errno ? strerror(errno) : "not a directory");
		return -1;
	}
	if (statfs(real, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC || !under(real, mnt)) {
		say("%s %s: not a cgroup v2 directory under %s", opt, arg, mnt);
		return -1;
	}
	*id = st.st_ino;
	*level = depth_of(root) + depth_of(real + (strcmp(mnt, "/") ? strlen(mnt) : 0));
	return 0;
}

int cgroup_filter(const char *cgroup, const char *container, const char *pod, uint64_t *id, uint32_t *level)
{
	char dir[8200], err[512];

	if (cgroup)
		return dir_filter("--cgroup", cgroup, cgroup, id, level);
	if (!container && !pod)
		return 0;
	if (cgroup_find(&cgroup_roots_default, container ? CGFIND_CONTAINER : CGFIND_POD,
			container ? container : pod, dir, sizeof(dir), err, sizeof(err))) {
		say("%s", err);
		return -1;
	}
	return dir_filter(container ? "--container" : "--pod", container ? container : pod, dir, id, level);
}
