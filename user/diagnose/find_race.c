// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * enoent_race: a traced call could not find a path because another process had just removed it,
 * or an ancestor, or renamed it away. The failing call's error names only its own path; the actor never
 * failed, which is why removals are recorded from every process. Of the removals that could explain
 * a failure, the one closest in time to it is the actor (matched in analysis.c as events arrive).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "host/paths.h"
#include "diagnose/fs_rules.h"

/* The removal analysis.c matched to this failing call as the events arrived. */
static const struct record *removal_for(const struct analysis *a, const struct group *call)
{
	const struct group *g = groups_find(&a->races, call->key);

	return g ? &g->first : NULL;
}

/* Severity follows consequence: a miss its process went on to get past (it exited 0) broke
 * nothing, whatever removed the path. (A command that exited 0: weigh_consequence, findings.c.) */
static bool handled(const struct analysis *a, const struct record *fail)
{
	return analysis_exit_status(a, fail) == 0;
}

/* One finding per actor: a cleanup loop forks a new rm each round, and rm -rf removes every
 * file before its directory, so the actor is a command and its parent, not one pid or path. */
static struct finding *finding_for_actor(struct findings *f, const struct record *removal)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct record *r = f->v[i].actor.removal;

		if (strcmp(f->v[i].class, "enoent_race") == 0 && r->ppid == removal->ppid &&
		    !strcmp(r->comm, removal->comm))
			return &f->v[i];
	}
	return NULL;
}

/* The directory shared by the evidence of one type: what was removed, what failed. */
static char *common_dir(const struct finding *x, enum rec_type type)
{
	char *dir = NULL;

	for (size_t i = 0; i < x->nevidence; i++) {
		const struct record *r = x->evidence[i];

		if (r->type != type && !(type == REC_REMOVE && r->type == REC_RENAME))
			continue;
		if (!dir)
			dir = strdup(r->path);
		else
			path_common(dir, r->path);
	}
	return dir;
}

static void describe(const struct analysis *a, struct finding *x)
{
	const struct record *fail = x->failure, *removal = x->actor.removal;
	char pid[48], ppid[48];
	char *removed = common_dir(x, REC_REMOVE), *failed = common_dir(x, REC_SYSCALL);

	/* The tool's lines about any path this race covers, or under what was removed. */
	finding_link_output(a, x, removed ? removed : removal->path, LINK_WITHIN);
	for (size_t e = 0; e < x->nevidence; e++)
		if (x->evidence[e]->type == REC_SYSCALL)
			finding_link_output(a, x, x->evidence[e]->path, LINK_PATH);
	x->actor.delta_ms = ((double)fail->ts_ns - (double)removal->ts_ns) / 1e6;
	if (x->count == 1)
		finding_title(x, "%s %s %s: %s (%s) %s %s %.1f ms before", fail->syscall, errno_name(fail->err),
			      fail->path, pid_label(removal, false, pid, sizeof(pid)), removal->comm,
			      removal->type == REC_RENAME ? "renamed away" : "removed", removal->path,
			      x->actor.delta_ms > 0 ? x->actor.delta_ms : 0.0);
	else
		finding_title(x,
			      "%" PRIu64 " calls failed (first: %s %s) under %s: %s, child of %s, was "
			      "removing %s at the same time",
			      x->count, fail->syscall, errno_name(fail->err), failed ? failed : fail->path,
			      removal->comm, pid_label(removal, true, ppid, sizeof(ppid)),
			      removed ? removed : removal->path);
	if (x->actor.delta_ms < 0)
		finding_detail(x,
			       "the removal's call returned %.1f ms after the failure: they ran at the "
			       "same moment",
			       -x->actor.delta_ms);
	free(removed);
	free(failed);
}

void find_race(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *fail = all[i]->last, *removal;
		struct finding *x;

		if (!race_errno(fail->err) || findings_claimed(f, all[i]) || !(removal = removal_for(a, all[i])))
			continue;
		findings_claim(f, all[i]);
		if ((x = finding_for_actor(f, removal))) {
			x->count += all[i]->count;
			finding_evidence(x, removal);
			finding_evidence(x, fail);
			if (fail->ts_ns < x->failure->ts_ns) { /* the earliest failure speaks for them */
				x->failure = fail;
				x->actor.removal = removal;
			}
			continue;
		}
		if (!(x = findings_new(f, "enoent_race", removal->type == REC_RENAME ? "renamed_away" : "removed",
				       handled(a, fail) ? SEV_LOW : SEV_HIGH)))
			break;
		x->failure = fail;
		x->count = all[i]->count;
		x->actor.present = true;
		x->actor.removal = removal;
		finding_evidence(x, removal);
		finding_evidence(x, fail);
		x->remedy = remedy_for(x->class, x->cause, NULL);
	}
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		if (strcmp(x->class, "enoent_race") != 0)
			continue;
		describe(a, x);
		/* npm's TAR_ENTRY_ERROR: it exits 0 and says files were not written. */
		if (x->severity == SEV_LOW && x->noutput > 0) {
			x->severity = SEV_MEDIUM;
			finding_detail(x, "the process exited 0, but it reported these failures: what it "
					  "wrote is incomplete");
		}
	}
	free(all);
}
