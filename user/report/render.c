// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The pieces every report format prints the same way (render.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/analysis.h"
#include "host/cgroups.h"
#include "host/devices.h"
#include "host/pod.h"
#include "lib/errnames.h"
#include "lib/json.h"
#include "report/render.h"

char *render_command(const struct analysis *a)
{
	struct jbuf b = {};

	for (int i = 0; i < a->h.argc; i++) {
		if (i)
			jbuf_putc(&b, ' ');
		jbuf_puts(&b, a->h.argv[i]);
	}
	if (b.oom || !b.p) {
		jbuf_free(&b);
		return strdup("");
	}
	return b.p;
}

void render_device(const struct record *devrec, char *buf, size_t len)
{
	const struct device_info *d = devrec ? devrec->device : NULL;

	if (!d) {
		snprintf(buf, len, "%u:%u", devrec ? devrec->dev_major : 0, devrec ? devrec->dev_minor : 0);
		return;
	}
	if (d->longhorn_volume)
		snprintf(buf, len, "Longhorn volume %s (/dev/longhorn/%s, %s, %u:%u)", d->longhorn_volume,
			 d->longhorn_volume, d->name ? d->name : "?", d->major, d->minor);
	else
		snprintf(buf, len, "%s%s%s (%u:%u)", d->name ? "/dev/" : "", d->name ? d->name : "device",
			 d->dm_name ? " [dm]" : "", d->major, d->minor);
}

bool render_verdict(const struct render *r, char *buf, size_t len)
{
	const struct verdict *v = &r->f->verdict;

	if (!v->command_failed || v->explained)
		return false;
	int code = r->a->exit_code;
	const char *sig = code > 128 && code < 128 + 65 ? sigabbrev_np(code - 128) : NULL;

	snprintf(buf, len,
		 "no filesystem failure explains the exit status %d%s%s%s: nothing the command printed names "
		 "a failed call, and no race, overlay mount or ext4 error accounts for it",
		 code, sig ? " (killed by SIG" : "", sig ? sig : "", sig ? ")" : "");
	return true;
}

bool render_tail_stream(const struct render *r, size_t *n)
{
	analysis_tail(r->a, true, 0, n);
	if (*n)
		return true;
	analysis_tail(r->a, false, 0, n);
	return false;
}

bool render_last_miss(const struct render *r, char *buf, size_t len)
{
	const struct verdict *v = &r->f->verdict;
	char call[512], pid[48];

	if (!v->last_miss)
		return false;
	render_call(v->last_miss, call, sizeof(call));
	if (v->last_miss_exit_rec)
		snprintf(buf, len, "%s by %s (%s), %.1f ms before it exited %d", call,
			 pid_label(v->last_miss, false, pid, sizeof(pid)), v->last_miss->comm,
			 (double)(v->last_miss_exit_rec->ts_ns - v->last_miss->ts_ns) / 1e6, v->last_miss_exit);
	else
		snprintf(buf, len, "%s by %s (%s), which exited %d", call,
			 pid_label(v->last_miss, false, pid, sizeof(pid)), v->last_miss->comm, v->last_miss_exit);
	return true;
}

static int by_tally(const void *x, const void *y)
{
	const struct tally *p = x, *q = y;

	return p->count < q->count ? 1 : p->count > q->count ? -1 : strcmp(p->name, q->name);
}

/* The top few of a tally, "a (3), b (1)", largest first. */
static void tally_list(const struct tally *t, char *buf, size_t len)
{
	struct tally sorted[ANALYSIS_TALLY];
	size_t used = 0;

	memcpy(sorted, t, sizeof(sorted));
	qsort(sorted, ANALYSIS_TALLY, sizeof(sorted[0]), by_tally);
	buf[0] = '\0';
	for (size_t i = 0; i < 4 && sorted[i].count && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s (%" PRIu64 ")", i ? ", " : "", sorted[i].name,
				 sorted[i].count);
}

bool render_forgotten(const struct render *r, char *buf, size_t len)
{
	const struct forgotten *f = &r->a->forgotten;
	char dirs[512], comms[256];

	if (!f->calls)
		return false;
	tally_list(f->dirs, dirs, sizeof(dirs));
	tally_list(f->comms, comms, sizeof(comms));
	snprintf(buf, len,
		 "%" PRIu64 " failing calls on %" PRIu64 " paths, the oldest routine ones; most in %s; by %s",
		 f->calls, f->groups, dirs[0] ? dirs : "-", comms[0] ? comms : "-");
	return true;
}

void render_call(const struct record *r, char *buf, size_t len)
{
	if (!r) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%s %s %s%s%s", r->syscall ? r->syscall : "?", r->err ? errno_name(r->err) : "ok",
		 r->path ? r->path : "", r->path2 ? " " : "", r->path2 ? r->path2 : "");
}

bool render_pod(const struct analysis *a, char *buf, size_t len)
{
	const struct pod_info *p = a->pod.pod;
	int n;

	if (!p)
		return false;
	n = snprintf(buf, len, "%s/%s (name from %s, namespace from %s", p->namespace ? p->namespace : "?",
		     p->name ? p->name : "?", p->name_from ? p->name_from : "-",
		     p->namespace_from ? p->namespace_from : "-");
	if (n >= 0 && (size_t)n < len && p->uid)
		n += snprintf(buf + n, len - (size_t)n, "; uid %s from the %s", p->uid,
			      p->uid_from ? p->uid_from : "?");
	if (n >= 0 && (size_t)n < len && p->container)
		n += snprintf(buf + n, len - (size_t)n, "; container %s", p->container);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ")");
	return true;
}

bool render_container(const struct record *cgrec, char *buf, size_t len)
{
	const struct cgroup_info *c = cgrec ? cgrec->cgroup : NULL;
	char pod[512] = "";

	if (!cgroup_info_attributed(c))
		return false;
	if (c->pod_uid)
		snprintf(pod, sizeof(pod), "pod %s%s%s%suid %s%s%s", c->pod_namespace ? c->pod_namespace : "",
			 c->pod_namespace ? "/" : "", c->pod_name ? c->pod_name : "", c->pod_name ? " " : "",
			 c->pod_uid, c->qos ? ", " : "", c->qos ? c->qos : "");
	/* 12 hex digits: as docker ps and crictl ps show a container id */
	snprintf(buf, len, "%s%s%.12s%s%s%s", c->runtime ? c->runtime : "", c->runtime ? " " : "",
		 c->container_id ? c->container_id : "-", *pod ? " (" : "", pod, *pod ? ")" : "");
	return true;
}
