// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The preflight's driver and its report's building blocks (preflight.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "preflight/preflight.h"
#include "lib/util.h"

static int real_statvfs(const char *path, struct statvfs *st)
{
	return statvfs(path, st);
}

const struct preflight_host preflight_host_default = {
	.roots = { .sysfs = "/sys", .dev = "/dev", .mountinfo = "/proc/self/mountinfo" },
	.statvfs = real_statvfs,
	.btf = "/sys/kernel/btf/vmlinux",
	.tracefs = "/sys/kernel/tracing",
	.lockdown = "/sys/kernel/security/lockdown",
};

static char *vfmt(const char *fmt, va_list ap)
{
	char *s;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

struct preflight_item *preflight_add(struct preflight *p, enum severity sev, const char *class, const char *cause,
				     const char *fmt, ...)
{
	struct preflight_item *v = realloc(p->items, (p->n + 1) * sizeof(*v)), *x;
	va_list ap;

	if (!v)
		return NULL;
	p->items = v;
	x = &v[p->n++];
	memset(x, 0, sizeof(*x));
	x->severity = sev;
	x->class = class;
	x->cause = cause;
	x->remedy = "";
	va_start(ap, fmt);
	x->title = vfmt(fmt, ap);
	va_end(ap);
	return x;
}

void preflight_detail(struct preflight_item *x, const char *fmt, ...)
{
	char **v, *s;
	va_list ap;

	if (!x)
		return;
	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	if (!s || !(v = realloc(x->details, (x->ndetails + 1) * sizeof(*v)))) {
		free(s);
		return;
	}
	x->details = v;
	x->details[x->ndetails++] = s;
}

void preflight_note(struct preflight *p, const char *fmt, ...)
{
	char **v, *s;
	va_list ap;

	va_start(ap, fmt);
	s = vfmt(fmt, ap);
	va_end(ap);
	for (size_t i = 0; s && i < p->nnotes; i++)
		if (!strcmp(p->notes[i], s)) { /* the same reason for several mounts: once */
			free(s);
			return;
		}
	if (!s || !(v = realloc(p->notes, (p->nnotes + 1) * sizeof(*v)))) {
		free(s);
		return;
	}
	p->notes = v;
	p->notes[p->nnotes++] = s;
}

void preflight_sort(struct preflight *p)
{
	/* Insertion sort: stable, and a preflight finds a handful of things. */
	for (size_t i = 1; i < p->n; i++) {
		struct preflight_item x = p->items[i];
		size_t j = i;

		for (; j > 0 && p->items[j - 1].severity < x.severity; j--)
			p->items[j] = p->items[j - 1];
		p->items[j] = x;
	}
}

int preflight_run(struct preflight *p, const struct preflight_options *o, const struct preflight_host *h)
{
	struct mount_table t = {};
	struct utsname u;
	char host[256] = "";
	int ret = -1;

	memset(p, 0, sizeof(*p));
	p->root = h->root;
	p->max_used = o->max_used;
	p->min_free_inodes = o->min_free_inodes;
	gethostname(host, sizeof(host) - 1);
	p->hostname = strdup(host);
	p->kernel = strdup(h->release ? h->release : uname(&u) == 0 ? u.release : "unknown");
	if (mount_table_load(&t, h->roots.mountinfo)) {
		say("%s: cannot read the mount table: %s", h->roots.mountinfo, strerror(errno));
		return -1;
	}
	if (preflight_roots(p, o) || preflight_check_roots(p, &t) || preflight_check_filesystems(p, o, h, &t))
		goto out;
	preflight_check_kernel(p, h);
	if (!h->root)
		preflight_note(p, "not root: directories only root may enter (a data root's parent, "
				  "kubelet's pod volumes) and /sys/kernel/tracing are not looked into, and what "
				  "fstrace run and record need (CAP_BPF, CAP_PERFMON) is not there");
	preflight_sort(p);
	ret = 0;
out:
	mount_table_free(&t);
	return ret;
}

void preflight_free(struct preflight *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct preflight_item *x = &p->items[i];

		free(x->title);
		free(x->path);
		free(x->mountpoint);
		free(x->fstype);
		free(x->source);
		free(x->device);
		for (size_t j = 0; j < x->ndetails; j++)
			free(x->details[j]);
		free(x->details);
	}
	for (size_t i = 0; i < p->nroots; i++) {
		free(p->roots[i].path);
		free(p->roots[i].from);
		free(p->roots[i].mountpoint);
		free(p->roots[i].fstype);
	}
	for (size_t i = 0; i < p->nfs; i++) {
		free(p->fs[i].mountpoint);
		free(p->fs[i].fstype);
		free(p->fs[i].source);
		free(p->fs[i].device);
	}
	for (size_t i = 0; i < p->nfeatures; i++)
		free(p->features[i].detail);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->items);
	free(p->roots);
	free(p->fs);
	free(p->features);
	free(p->notes);
	free(p->hostname);
	free(p->kernel);
	memset(p, 0, sizeof(*p));
}
