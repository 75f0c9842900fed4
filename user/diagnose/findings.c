// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/findings.h"
#include "host/paths.h"
#include "diagnose/routine.h"

const char *severity_name(enum severity s)
{
	static const char *const names[] = { "low", "medium", "high", "critical" };

	return (unsigned)s < 4 ? names[s] : "low";
}

struct finding *findings_new(struct findings *f, const char *class, const char *cause, enum severity sev)
{
	struct finding *x;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct finding *v = realloc(f->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		f->v = v;
		f->cap = cap;
	}
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->class = class;
	x->cause = cause;
	x->severity = sev;
	return x;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

void finding_title(struct finding *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(x->title);
	x->title = vformat(fmt, ap);
	va_end(ap);
}

/* One more formatted line at the end of a finding's list of lines (*lines, *n). */
static void add_line(char ***lines, size_t *n, const char *fmt, va_list ap)
{
	char **v = realloc(*lines, (*n + 1) * sizeof(*v));

	if (!v)
		return;
	*lines = v;
	if ((v[*n] = vformat(fmt, ap)))
		(*n)++;
}

void finding_detail(struct finding *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&x->details, &x->ndetails, fmt, ap);
	va_end(ap);
}

void finding_rule_out(struct finding *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&x->ruled_out, &x->nruled_out, fmt, ap);
	va_end(ap);
}

void finding_evidence(struct finding *x, const struct record *r)
{
	const struct record **v;

	for (size_t i = 0; i < x->nevidence; i++)
		if (x->evidence[i] == r)
			return;
	if (!(v = realloc(x->evidence, (x->nevidence + 1) * sizeof(*v))))
		return;
	x->evidence = v;
	v[x->nevidence++] = r;
}

/* The claimed groups: an open-addressing set of pointers, so a big run stays linear. */
static size_t slot_of(const struct group *g, size_t cap)
{
	return ((uintptr_t)g >> 4) * 11400714819323198485ull % cap;
}

void finding_take(struct findings *f, struct finding *x, const struct group *g)
{
	findings_claim(f, g);
	x->count += g->count;
	finding_evidence(x, &g->first);
	if (!x->failure || g->first.ts_ns < x->failure->ts_ns)
		x->failure = &g->first;
}

void findings_claim(struct findings *f, const struct group *g)
{
	if ((f->nclaimed + 1) * 2 > f->capclaimed) {
		size_t cap = f->capclaimed ? f->capclaimed * 2 : 256;
		const struct group **v = calloc(cap, sizeof(*v));

		if (!v)
			return;
		for (size_t i = 0; i < f->capclaimed; i++) {
			size_t j;

			if (!f->claimed[i])
				continue;
			for (j = slot_of(f->claimed[i], cap); v[j]; j = (j + 1) % cap)
				;
			v[j] = f->claimed[i];
		}
		free(f->claimed);
		f->claimed = v;
		f->capclaimed = cap;
	}
	for (size_t j = slot_of(g, f->capclaimed);; j = (j + 1) % f->capclaimed) {
		if (f->claimed[j] == g)
			return;
		if (!f->claimed[j]) {
			f->claimed[j] = g;
			f->nclaimed++;
			return;
		}
	}
}

bool findings_claimed(const struct findings *f, const struct group *g)
{
	if (!f->capclaimed)
		return false;
	for (size_t j = slot_of(g, f->capclaimed); f->claimed[j]; j = (j + 1) % f->capclaimed)
		if (f->claimed[j] == g)
			return true;
	return false;
}

void finding_link_output(const struct analysis *a, struct finding *x, const char *path, enum link_scope scope)
{
	for (size_t i = 0; i < a->noutputs; i++) {
		const struct output_line *o = &a->outputs[i];
		const struct output_line **v;
		bool ours;

		if (scope == LINK_MOUNT) /* mount(8)'s lines, or a tool's naming the target and errno */
			ours = (o->m.kind == OUTPUT_MOUNT_ERROR &&
				(!o->m.target || !path || path_named_by(o->m.target, path))) ||
			       (o->m.kind == OUTPUT_FS_ERROR && path && path_named_by(o->m.path, path) &&
				x->failure && o->m.err == x->failure->err);
		else
			ours = o->m.kind == OUTPUT_FS_ERROR &&
			       (path_named_by(o->m.path, path) || path_named_by(o->m.path2, path) ||
				(scope == LINK_WITHIN && o->m.path && o->m.path[0] == '/' && path &&
				 path_is_within(o->m.path, path)));
		/* A line of no known format speaks of this finding only with its errno too: a path
		 * beside "Permission denied" says nothing about that path's ENOENT. */
		if (ours && o->m.loose)
			ours = x->failure && o->m.err == x->failure->err;
		for (size_t k = 0; ours && k < x->noutput; k++)
			ours = x->output[k] != o; /* linked already */
		if (!ours || !(v = realloc(x->output, (x->noutput + 1) * sizeof(*v))))
			continue;
		x->output = v;
		v[x->noutput++] = o;
	}
}

bool failure_named_in_output(const struct analysis *a, const struct record *r, const char *path)
{
	struct finding probe = { .failure = r };
	bool yes;

	finding_link_output(a, &probe, path ? path : r->path, LINK_PATH);
	yes = probe.noutput > 0;
	free(probe.output);
	return yes;
}

bool failure_decisive(const struct analysis *a, const struct findings *f, const struct record *r, bool searched)
{
	if (r->path && failure_named_in_output(a, r, NULL))
		return true;
	if (searched || routine_answer(r))
		return false;
	/* The command failed and this was the last thing that failed in it: `test -w /x || exit 1`
	 * fails on a probe, and nothing after it is to blame instead. */
	if (r == f->latest_failure && a->h.argc && a->exit_code > 0 && !analysis_ran_later(a, r))
		return true;
	if (routine_probe(r->syscall))
		return false;
	return analysis_exit_status(a, r) > 0;
}

/* The run's latest failing call that is no answer (mkdir EEXIST...), for failure_decisive. */
static const struct record *latest_failure(const struct analysis *a)
{
	const struct record *latest = NULL;

	for (const struct group *g = a->calls.oldest; g; g = g->newer)
		if (!routine_answer(&g->last) && (!latest || g->last.ts_ns > latest->ts_ns))
			latest = &g->last;
	return latest;
}

const struct record *first_failure_on(const struct analysis *a, const char *path)
{
	const struct record *first = NULL;

	for (const struct group *g = path ? a->calls.oldest : NULL; g; g = g->newer)
		if (path_named_by(path, g->first.path) && (!first || g->first.ts_ns < first->ts_ns))
			first = &g->first;
	return first;
}

enum severity finding_consequence(const struct analysis *a, const struct finding *x)
{
	int status = x->failure ? analysis_exit_status(a, x->failure) : -1;

	/* A command that succeeded got past it (its shell tried elsewhere), unless it said so. */
	if (a->h.argc && a->exit_code == 0 && x->noutput == 0)
		return SEV_LOW;
	if (status > 0 || x->noutput > 0)
		return SEV_HIGH;
	return status == 0 ? SEV_LOW : SEV_MEDIUM;
}

bool kubelet_volume_of(const char *path, char *buf, size_t len)
{
	static const char pods[] = "/var/lib/kubelet/pods/";
	const char *p = path ? strstr(path, pods) : NULL;
	char uid[128], plugin[128], name[256];

	/* The pod's view of its volume is elsewhere; the node's (and a test's prefix) is this. */
	if (!p || sscanf(p + sizeof(pods) - 1, "%127[^/]/volumes/%127[^/]/%255[^/]", uid, plugin, name) != 3)
		return false;
	snprintf(buf, len, "pod %s, volume %s/%s", uid, plugin, name);
	return true;
}

/* Failures no finding explains and that are not "no such file": listed, briefly. */
static void collect_other(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);

	for (size_t i = 0; all && all[i]; i++) {
		const struct group **v;

		if (findings_claimed(f, all[i]) || all[i]->first.err == ENOENT)
			continue;
		if (routine_answer(&all[i]->first)) {
			f->routine.answers += all[i]->count;
			continue;
		}
		if (!(v = realloc(f->other, (f->nother + 1) * sizeof(*v))))
			break;
		f->other = v;
		v[f->nother++] = all[i];
	}
	free(all);
}

static int by_severity(const void *pa, const void *pb)
{
	const struct finding *x = pa, *y = pb;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (!x->failure || !y->failure)
		return 0;
	return x->failure->ts_ns < y->failure->ts_ns ? -1 : x->failure->ts_ns > y->failure->ts_ns;
}

/* Severity follows consequence: what a command that exited 0 got past broke nothing. Corruption
 * stays what it is: the volume is damaged whether or not this command noticed; and so do I/O
 * errors: data lost at writeback never reaches the exit code. */
static void weigh_consequence(const struct analysis *a, struct findings *f)
{
	if (!a->h.argc || a->exit_code != 0)
		return;
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		/* Unless the command said it failed at it (npm's TAR_ENTRY_ERROR warnings): its
		 * output is then incomplete, which a later step will meet. */
		enum severity most = x->noutput > 0 ? SEV_MEDIUM : SEV_LOW;

		if (x->severity > most && strcmp(x->class, "fs_corruption") != 0 &&
		    strcmp(x->class, "io_error") != 0) {
			x->severity = most;
			finding_detail(x, "the command exited 0: this did not make it fail");
		}
	}
}

/* Whether the findings account for a failed command (struct verdict). */
static void judge(const struct analysis *a, struct findings *f)
{
	struct verdict *v = &f->verdict;

	v->command_failed = a->h.argc && a->exit_code > 0;
	for (size_t i = 0; i < f->n && !v->explained; i++)
		v->explained = f->v[i].severity > SEV_LOW || f->v[i].noutput > 0;
}

int findings_build(const struct analysis *a, struct findings *f)
{
	memset(f, 0, sizeof(*f));
	f->latest_failure = latest_failure(a);
	/* Most specific first: a path removed by someone is a race before it is a missing path. */
	find_overlay(a, f);
	find_race(a, f);
	find_corruption(a, f);
	find_readonly(a, f); /* after corruption: ext4's emergency read-only points at its finding */
	find_nospace(a, f);
	find_ioerror(a, f);
	find_permission(a, f);
	find_limits(a, f);
	find_missing(a, f);
	find_other(a, f);
	collect_other(a, f);
	/* Whose task it was, from the cgroup records the recorder wrote beside the events. */
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		if (x->failure)
			x->cgroup = analysis_cgroup(a, x->failure->cgroup_id);
		if (x->actor.present)
			x->actor.cgroup = analysis_cgroup(a, x->actor.removal->cgroup_id);
	}
	weigh_consequence(a, f);
	judge(a, f);
	findings_rule_out(a, f);
	if (f->n > 1) /* qsort wants an array, even an empty one */
		qsort(f->v, f->n, sizeof(*f->v), by_severity);
	return 0;
}

void findings_free(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		free(x->title);
		free(x->first_syscall);
		for (size_t j = 0; j < x->ndetails; j++)
			free(x->details[j]);
		free(x->details);
		for (size_t j = 0; j < x->nruled_out; j++)
			free(x->ruled_out[j]);
		free(x->ruled_out);
		free(x->evidence);
		free(x->output);
	}
	free(f->v);
	free(f->other);
	free(f->claimed);
	memset(f, 0, sizeof(*f));
}
