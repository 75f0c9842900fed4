// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The JSON report, schema "fstrace.report/1" (docs/report-schema.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cgroups.h"
#include "host/devices.h"
#include "lib/errnames.h"
#include "recording/event_json.h"
#include "host/pod.h"
#include "report/formats.h"

static void device_json(struct jbuf *b, const struct record *devrec)
{
	jobj_key(b, "device");
	if (devrec && devrec->device) {
		device_info_to_json(devrec->device, b);
	} else {
		char dev[32];

		snprintf(dev, sizeof(dev), "%u:%u", devrec->dev_major, devrec->dev_minor);
		jobj_begin(b);
		jobj_str(b, "dev", dev);
		jobj_end(b);
	}
}

/* The container and pod of a task, when its cgroup names one: "id" is the container's. */
static void container_json(struct jbuf *b, const struct record *cgrec)
{
	const struct cgroup_info *c = cgrec ? cgrec->cgroup : NULL;

	if (!cgroup_info_attributed(c))
		return;
	jobj_key(b, "container");
	jobj_begin(b);
	jobj_str(b, "runtime", c->runtime);
	jobj_str(b, "id", c->container_id);
	jobj_str(b, "pod_uid", c->pod_uid);
	jobj_str(b, "pod_name", c->pod_name);
	jobj_str(b, "pod_namespace", c->pod_namespace);
	jobj_str(b, "qos", c->qos);
	jobj_str(b, "cgroup", c->path);
	jobj_end(b);
}

/* "pid" is the kernel's (the host's); "vpid" the one the user saw inside a pid namespace, only
 * from inside one (0: the process was outside that namespace). The parent's with PARENT. */
static void pid_json(struct jbuf *b, const struct record *r, bool parent)
{
	jobj_u64(b, parent ? "ppid" : "pid", parent ? r->ppid : r->pid);
	if (parent ? r->has_vppid : r->has_vpid)
		jobj_u64(b, parent ? "vppid" : "vpid", parent ? r->vppid : r->vpid);
}

static void tally_json(struct jbuf *b, const char *key, const char *name, const struct tally *t)
{
	jobj_key(b, key);
	jarr_begin(b);
	for (size_t i = 0; i < ANALYSIS_TALLY; i++) {
		if (!t[i].count)
			continue;
		jobj_begin(b);
		jobj_str(b, name, t[i].name);
		jobj_u64(b, "count", t[i].count);
		jobj_end(b);
	}
	jarr_end(b);
}

/* What the analysis summed up and forgot to stay in bounded memory: always there, zeros when
 * nothing was. Tallies are approximate past their size (space-saving): a count may include
 * others' that its entry replaced. */
static void forgotten_json(struct jbuf *b, const struct analysis *a)
{
	const struct forgotten *f = &a->forgotten;

	jobj_key(b, "summed_up");
	jobj_begin(b);
	jobj_u64(b, "calls", f->calls);
	jobj_u64(b, "paths", f->groups);
	jobj_u64(b, "probe", f->probe);
	jobj_u64(b, "system", f->system);
	jobj_u64(b, "expected_errors", f->answers);
	jobj_u64(b, "other", f->other);
	tally_json(b, "directories", "dir", f->dirs);
	tally_json(b, "processes", "comm", f->comms);
	jobj_end(b);
}

/* Run mode: whether the findings explain the command's failure; if not, what it said last and
 * the latest miss its output does not name (shown, not blamed). */
static void verdict_json(struct jbuf *b, const struct render *r)
{
	const struct verdict *v = &r->f->verdict;
	char line[1024];

	jobj_key(b, "verdict");
	jobj_begin(b);
	jobj_bool(b, "command_failed", v->command_failed);
	jobj_bool(b, "explained", !v->command_failed || v->explained);
	if (render_verdict(r, line, sizeof(line))) {
		size_t n;

		jobj_str(b, "text", line);
		jobj_key(b, "last_lines");
		jarr_begin(b);
		for (int s = 1; s >= 0; s--) {
			analysis_tail(r->a, s, 0, &n);
			for (size_t i = 0; i < n; i++) {
				const struct record *t = analysis_tail(r->a, s, i, &n);

				jobj_begin(b);
				jobj_str(b, "stream", t->data);
				jobj_str(b, "line", t->msg);
				jobj_end(b);
			}
		}
		jarr_end(b);
	}
	if (v->command_failed && !v->explained && v->last_miss) {
		jobj_key(b, "last_miss");
		jobj_begin(b);
		jobj_str(b, "syscall", v->last_miss->syscall);
		jobj_str(b, "errno", errno_name(v->last_miss->err));
		jobj_str(b, "path", v->last_miss->path);
		pid_json(b, v->last_miss, false);
		jobj_str(b, "comm", v->last_miss->comm);
		jobj_i64(b, "exit_code", v->last_miss_exit);
		if (v->last_miss_exit_rec)
			jobj_u64(b, "before_exit_us", (v->last_miss_exit_rec->ts_ns - v->last_miss->ts_ns) / 1000);
		jobj_end(b);
	}
	jobj_end(b);
}

static void actor_json(struct jbuf *b, const struct finding_actor *a)
{
	const struct record *r = a->removal;
	char num[32];

	jobj_key(b, "actor");
	jobj_begin(b);
	pid_json(b, r, false);
	pid_json(b, r, true);
	jobj_str(b, "comm", r->comm);
	jobj_str(b, "syscall", r->syscall);
	jobj_str(b, "path", r->path);
	jobj_str(b, "type", rec_type_name(r->type));
	if (r->ino) { /* where fentry gave it: the file that went, on which device */
		jobj_u64(b, "ino", r->ino);
		snprintf(num, sizeof(num), "%u:%u", r->dev_major, r->dev_minor);
		jobj_str(b, "dev", num);
	}
	snprintf(num, sizeof(num), "%.1f", a->delta_ms); /* to 0.1 ms */
	jobj_raw(b, "delta_ms", num);
	container_json(b, a->cgroup);
	jobj_end(b);
}

void render_finding_json(struct jbuf *b, const struct analysis *a, const struct finding *x)
{
	const struct record *fail = x->failure;

	jobj_begin(b);
	jobj_str(b, "class", x->class);
	jobj_str(b, "cause", x->cause);
	jobj_str(b, "severity", severity_name(x->severity));
	jobj_str(b, "title", x->title);
	if (fail) {
		jobj_str(b, "syscall", fail->syscall);
		if (fail->err)
			jobj_str(b, "errno", errno_name(fail->err));
		jobj_str(b, "path", fail->path);
		pid_json(b, fail, false);
		jobj_str(b, "comm", fail->comm);
		if (fail->type == REC_MOUNT) {
			jobj_str(b, "fstype", fail->fstype);
			jobj_str(b, "data", fail->data);
		}
	}
	jobj_u64(b, "count", x->count);
	jobj_str(b, "reason", x->reason);
	if (x->inode)
		jobj_u64(b, "inode", x->inode);
	if (x->device)
		device_json(b, x->device);
	container_json(b, x->cgroup);
	if (x->actor.present)
		actor_json(b, &x->actor);
	jobj_key(b, "details");
	jarr_begin(b);
	for (size_t i = 0; i < x->ndetails; i++)
		jarr_str(b, x->details[i]);
	jarr_end(b);
	jobj_key(b, "ruled_out");
	jarr_begin(b);
	for (size_t i = 0; i < x->nruled_out; i++)
		jarr_str(b, x->ruled_out[i]);
	jarr_end(b);
	jobj_key(b, "command_output");
	jarr_begin(b);
	for (size_t i = 0; i < x->noutput; i++) {
		const struct output_line *o = x->output[i];

		jobj_begin(b);
		jobj_str(b, "stream", o->rec.data);
		jobj_str(b, "line", o->rec.msg);
		const struct record *first = first_failure_on(a, o->m.path);

		jobj_str(b, "syscall", o->m.syscall);
		jobj_str(b, "path", o->m.path ? o->m.path : o->m.target);
		/* what failed first on that path, which the tool may not have named */
		if (first) {
			jobj_str(b, "first_failed_syscall", first->syscall);
			jobj_str(b, "first_failed_errno", errno_name(first->err));
		}
		jobj_end(b);
	}
	jarr_end(b);
	jobj_str(b, "remedy", x->remedy);
	jobj_key(b, "evidence");
	jarr_begin(b);
	for (size_t i = 0; i < x->nevidence; i++)
		record_to_json(x->evidence[i], b);
	jarr_end(b);
	jobj_end(b);
}

int render_json(const struct render *r)
{
	const struct analysis *a = r->a;
	struct jbuf b = {};
	char *cmd = render_command(a);
	int ret;

	jobj_begin(&b);
	jobj_str(&b, "schema", "fstrace.report/1");
	jobj_str(&b, "command", a->h.argc ? cmd : NULL);
	if (a->exit_code >= 0)
		jobj_i64(&b, "exit_code", a->exit_code);
	jobj_str(&b, "mode", a->h.mode);
	jobj_str(&b, "hostname", a->h.hostname);
	jobj_str(&b, "kernel", a->h.kernel);
	if (a->pod.pod) { /* the pod fstrace ran in, and how each part was learned */
		jobj_key(&b, "pod");
		pod_info_to_json(a->pod.pod, &b);
	}
	jobj_key(&b, "attach_mode");
	jobj_begin(&b);
	for (size_t i = 0; i < a->h.nattach; i++)
		jobj_str(&b, a->h.attach[i].hook, a->h.attach[i].mode);
	jobj_end(&b);
	jobj_str(&b, "started", a->h.started);
	jobj_str(&b, "ended", a->ended);
	jobj_u64(&b, "events_total", a->events);
	jobj_u64(&b, "events_lost", a->lost);
	jobj_bool(&b, "truncated", a->truncated);
	jobj_u64(&b, "events_not_analysed", a->over_limit);
	jobj_key(&b, "findings");
	jarr_begin(&b);
	for (size_t i = 0; i < r->f->n; i++)
		render_finding_json(&b, a, &r->f->v[i]);
	jarr_end(&b);
	jobj_key(&b, "routine_misses");
	jobj_begin(&b);
	jobj_u64(&b, "total", r->f->routine.total);
	jobj_u64(&b, "search", r->f->routine.search);
	jobj_u64(&b, "probe", r->f->routine.probe);
	jobj_u64(&b, "system", r->f->routine.system);
	jobj_u64(&b, "expected_errors", r->f->routine.answers);
	jobj_u64(&b, "handled", r->f->routine.handled);
	jobj_u64(&b, "unnamed", r->f->routine.unnamed);
	jobj_u64(&b, "forgotten", r->f->routine.forgotten);
	if (r->f->routine.under_load) /* only then: reports of calm runs stay as they were */
		jobj_u64(&b, "under_load", r->f->routine.under_load);
	jobj_end(&b);
	forgotten_json(&b, a);
	if (a->h.argc)
		verdict_json(&b, r);
	jobj_key(&b, "other_failures");
	jarr_begin(&b);
	for (size_t i = 0; i < r->f->nother; i++) {
		const struct record *o = &r->f->other[i]->first;

		jobj_begin(&b);
		jobj_str(&b, "syscall", o->syscall);
		jobj_str(&b, "errno", errno_name(o->err));
		jobj_str(&b, "path", o->path);
		jobj_u64(&b, "count", r->f->other[i]->count);
		pid_json(&b, o, false);
		jobj_str(&b, "comm", o->comm);
		jobj_end(&b);
	}
	jarr_end(&b);
	jobj_key(&b, "notes");
	jarr_begin(&b);
	for (size_t i = 0; i < a->notes.n; i++)
		jarr_str(&b, a->notes.v[i].msg);
	jarr_end(&b);
	jobj_end(&b);
	jbuf_putc(&b, '\n');
	ret = b.oom || fwrite(b.p, 1, b.len, r->out) != b.len ? -1 : 0;
	jbuf_free(&b);
	free(cmd);
	return ret;
}
