// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect/context_env.h"
#include "host/mountinfo.h"
#include "lib/util.h"

const struct env_roots env_roots_default = {
	.pod = NULL,
	.self_cgroup = "/proc/self/cgroup",
	.sys_block = "/sys/dev/block",
	.mountinfo = "/proc/self/mountinfo",
	.cgroup_ns = "/proc/self/ns/cgroup",
};

static void add(struct env_context *e, struct record *r)
{
	struct record *grown = realloc(e->v, (e->n + 1) * sizeof(*grown));

	if (!grown) {
		record_free(r);
		return;
	}
	e->v = grown;
	e->v[e->n++] = *r;
}

static void note(struct env_context *e, const char *msg)
{
	struct record r;

	record_init(&r);
	r.type = REC_NOTE;
	if ((r.msg = strdup(msg)))
		add(e, &r);
}

static bool has_cgroup2(const char *mountinfo)
{
	struct mount_table t;
	bool found = false;

	if (mount_table_load(&t, mountinfo))
		return false;
	for (size_t i = 0; i < t.n && !found; i++)
		found = t.m[i].fstype && !strcmp(t.m[i].fstype, "cgroup2");
	mount_table_free(&t);
	return found;
}

/* CGROUP_NS_INIT_INO in include/linux/proc_ns.h: the host's cgroup namespace. */
#define HOST_CGROUP_NS "cgroup:[4026531835]"

/* "0::/" in a cgroup namespace of its own is that namespace's root: a container's. In the host's
 * namespace it is the root cgroup itself, where fstrace runs on a machine without systemd (or
 * in a container without a cgroup namespace): nothing is hidden then. */
static bool cgroup_namespace_root(const char *self_cgroup, const char *cgroup_ns)
{
	char line[256] = "", ns[64];
	ssize_t n = cgroup_ns ? readlink(cgroup_ns, ns, sizeof(ns) - 1) : -1;
	FILE *f;
	bool root = false;

	if (n > 0) {
		ns[n] = '\0';
		if (!strcmp(ns, HOST_CGROUP_NS))
			return false;
	}
	if (!(f = fopen(self_cgroup, "re")))
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strcmp(line, "0::/\n") || !strcmp(line, "0::/"))
			root = true;
	fclose(f);
	return root;
}

void env_context_learn(struct env_context *e, const struct env_roots *roots)
{
	const struct env_roots *r = roots ? roots : &env_roots_default;
	struct pod_info *p = calloc(1, sizeof(*p));
	struct record rec;

	memset(e, 0, sizeof(*e));
	if (p && pod_identify(r->pod, p) == 1) {
		record_init(&rec);
		rec.type = REC_POD;
		rec.pod = p;
		add(e, &rec);
	} else {
		free(p);
	}
	if (!has_cgroup2(r->mountinfo))
		note(e, "no cgroup2 mount: containers and pods are not named from cgroups");
	else if (cgroup_namespace_root(r->self_cgroup, r->cgroup_ns))
		note(e, "/proc/self/cgroup reads 0::/ (a cgroup namespace): the host's cgroup paths are "
			"not visible, containers are named only from the cgroups below this one");
	if (access(r->sys_block, R_OK | X_OK))
		note(e, "/sys/dev/block not readable: block devices are named from mountinfo only");
}

void env_context_free(struct env_context *e)
{
	for (size_t i = 0; i < e->n; i++)
		record_free(&e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}
