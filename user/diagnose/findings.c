// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The driver: the finders in the order of their table, then consequence, verdict and order. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/finders.h"
#include "diagnose/findings.h"
#include "diagnose/routine.h"
#include "diagnose/ruled_out.h"

/* Most specific first: a path removed by someone is a race before it is a missing path; ext4's
 * emergency read-only points at the corruption finding, so read_only comes after it. */
static const struct finder finders[] = {
	{ "overlay_mount", find_overlay }, { "enoent_race", find_race }, { "fs_corruption", find_corruption },
	{ "read_only", find_readonly },    { "no_space", find_nospace }, { "io_error", find_ioerror },
	{ "permission", find_permission }, { "limit", find_limits },     { "missing_path", find_missing },
	{ "other", find_other },
};

/* The run's latest failing call that is no answer (mkdir EEXIST...), for failure_decisive. */
static const struct record *latest_failure(const struct analysis *a)
{
	const struct record *latest = NULL;

	for (const struct group *g = a->calls.oldest; g; g = g->newer)
		if (!routine_answer(g->last) && (!latest || g->last->ts_ns > latest->ts_ns))
			latest = g->last;
	return latest;
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
	for (size_t i = 0; i < sizeof(finders) / sizeof(finders[0]); i++)
		finders[i].find(a, f);
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
