// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * enoent_race: a traced call could not find a path because another process had just removed it,
 * or an ancestor, or renamed it away. The victim's error names only its own path; the actor never
 * failed, which is why removals are recorded from every process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "errnames.h"
#include "findings.h"

/* A deleter's event can trail its victim's: both are queued at syscall exit. */
#define TRAIL_NS 200000000ull
/* Older than this, a removal is history rather than a race. */
#define LOOKBACK_NS 30000000000ull

static bool vanished(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENOTEMPTY;
}

/*
 * The removal that made the path vanish: of the path itself or of an ancestor, by another
 * process. `rm -rf d` removes d/x/f, then d/x, then d: of the removals that returned before the
 * failure, the latest explains it. Only when none had returned yet does one that returned just
 * after count (both are timed at syscall exit; the removal itself happened first).
 */
static const struct record *removal_before(const struct analysis *a, const struct record *fail)
{
	const struct record *before = NULL, *after = NULL;
	char *path = fail->path && fail->path[0] == '/' ? strdup(fail->path) : NULL;

	while (path) {
		const struct group *g = groups_find(&a->removals, path);
		char *slash = strrchr(path, '/');

		for (int i = 0; g && i < 2; i++) {
			const struct record *r = i ? &g->first : &g->last;

			if (r->pid == fail->pid || r->ts_ns + LOOKBACK_NS < fail->ts_ns)
				continue;
			if (r->ts_ns <= fail->ts_ns && (!before || r->ts_ns > before->ts_ns))
				before = r;
			else if (r->ts_ns > fail->ts_ns && r->ts_ns <= fail->ts_ns + TRAIL_NS &&
				 (!after || r->ts_ns < after->ts_ns))
				after = r;
		}
		if (!slash || slash == path)
			break;
		*slash = '\0';
	}
	free(path);
	return before ? before : after;
}

/* One finding per actor and removed path: a cleanup loop forks a new rm each round, so the
 * actor is its command and parent, not one pid. */
static struct finding *finding_for_actor(struct findings *f, const struct record *removal)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct record *r = f->v[i].actor.removal;

		if (strcmp(f->v[i].class, "enoent_race") == 0 && r->ppid == removal->ppid &&
		    !strcmp(r->comm, removal->comm) && !strcmp(r->path, removal->path))
			return &f->v[i];
	}
	return NULL;
}

void find_race(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *fail = &all[i]->last, *removal;
		struct finding *x;

		if (!vanished(fail->err) || findings_claimed(f, all[i]) || !(removal = removal_before(a, fail)))
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
				       SEV_HIGH)))
			break;
		x->failure = fail;
		x->count = all[i]->count;
		x->actor.present = true;
		x->actor.removal = removal;
		finding_evidence(x, removal);
		finding_evidence(x, fail);
		x->remedy = remedy_for(x->class, x->cause, NULL);
		finding_link_output(a, x, removal->path, LINK_WITHIN);
	}
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];
		const struct record *fail = x->failure, *removal = x->actor.removal;

		if (strcmp(x->class, "enoent_race") != 0)
			continue;
		x->actor.delta_ms = ((double)fail->ts_ns - (double)removal->ts_ns) / 1e6;
		finding_title(x, "%s %s %s: pid %u (%s) %s %s %.1f ms before%s", fail->syscall,
			      errno_name(fail->err), fail->path, removal->pid, removal->comm,
			      removal->type == REC_RENAME ? "renamed away" : "removed", removal->path,
			      x->actor.delta_ms > 0 ? x->actor.delta_ms : 0.0,
			      x->count > 1 ? " (and more calls like it)" : "");
		if (x->actor.delta_ms < 0)
			finding_detail(x, "the removal's call returned %.1f ms after the failure: they ran at "
				       "the same moment", -x->actor.delta_ms);
	}
	free(all);
}
