// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * limit: a call refused because something ran past a bound, not because anything was wrong with
 * the path: EMFILE/ENFILE (the process's or the system's open-file limit: every open after the
 * first failure fails too, so one finding per process covers them all, and the misses that
 * follow, a python looking for its modules with no descriptor left, are its consequence),
 * ENAMETOOLONG (the path or a component too long), ELOOP (a symlink cycle), E2BIG (execve's
 * arguments and environment too big).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "diagnose/routine.h"
#include "collect/state.h"

static struct finding *same(struct findings *f, const struct record *r, bool by_pid)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct record *o = f->v[i].failure;

		if (strcmp(f->v[i].class, "limit") || !o || o->err != r->err)
			continue;
		if (by_pid ? o->pid == r->pid : (o->path && r->path && !strcmp(o->path, r->path)))
			return &f->v[i];
	}
	return NULL;
}

/* The "limits" state is taken once per process (state.c), for whichever of its failures came
 * first to the collector: that path's, else any of the same process. */
static const struct record *limits_of(const struct analysis *a, const struct record *r)
{
	const struct record *s = state_find(a, "limits", r);

	for (size_t i = 0; !s && i < a->states.n; i++)
		if (a->states.v[i].pid == r->pid && a->states.v[i].syscall &&
		    !strcmp(a->states.v[i].syscall, "limits"))
			s = &a->states.v[i];
	return s;
}

static void open_files(const struct analysis *a, struct finding *x)
{
	const struct record *r = x->failure, *s = limits_of(a, r);
	char soft[32] = "?", hard[32] = "?";
	uint64_t fds = 0, nr = 0, max = 0;
	bool have_fds = s && state_u64(s, "open_fds", &fds);

	if (s) {
		state_str(s, "nofile_soft", soft, sizeof(soft));
		state_str(s, "nofile_hard", hard, sizeof(hard));
	}
	if (r->err == ENFILE) {
		x->cause = "system_open_files";
		finding_title(x, "%s ENFILE %s: the system ran out of open files (fs.file-max)", r->syscall,
			      r->path ? r->path : "");
	} else if (s) {
		x->cause = "open_files";
		finding_title(x, "%s EMFILE %s: %s (pid %u) ran out of file descriptors: ulimit -n %s (hard %s)%s",
			      r->syscall, r->path ? r->path : "", r->comm, r->pid, soft, hard, "");
		if (have_fds)
			finding_detail(
				x,
				"it held %llu descriptors when fstrace looked, just after the call failed; its limit (RLIMIT_NOFILE) "
				"was %s, the hard limit %s",
				(unsigned long long)fds, soft, hard);
	} else {
		x->cause = "open_files";
		finding_title(x, "%s EMFILE %s: %s (pid %u) ran out of file descriptors (ulimit -n)", r->syscall,
			      r->path ? r->path : "", r->comm, r->pid);
	}
	if (s && state_u64(s, "file_nr", &nr) && state_u64(s, "file_max", &max))
		finding_detail(x, "the system had %llu files open of fs.file-max %llu", (unsigned long long)nr,
			       (unsigned long long)max);
}

static void name_length(struct finding *x)
{
	const struct record *r = x->failure;
	const char *p = r->path, *longest = p;
	size_t lmax = 0, total = strlen(p);

	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n > lmax) {
			lmax = n;
			longest = c;
		}
		c += n;
		c += *c == '/';
	}
	x->cause = "name_too_long";
	if (lmax > NAME_MAX)
		finding_title(x, "%s ENAMETOOLONG: a component of %zu bytes (NAME_MAX is %d): %.40s...",
			      r->syscall, lmax, NAME_MAX, longest);
	else
		finding_title(x, "%s ENAMETOOLONG: the path is %zu bytes as recorded (PATH_MAX is %d): %.60s...",
			      r->syscall, total, PATH_MAX, p);
	finding_detail(x, "the path as recorded: %zu bytes, its longest component %zu bytes", total, lmax);
}

static void symlink_loop(const struct analysis *a, struct finding *x)
{
	const struct record *r = x->failure, *s = state_find(a, "links", r);
	char chain[4096];

	x->cause = "symlink_loop";
	if (s && state_str(s, "chain", chain, sizeof(chain))) {
		finding_title(x, "%s ELOOP %s: symbolic links that lead back to themselves", r->syscall, r->path);
		finding_detail(x, "the links when the call failed: %s", chain);
	} else {
		finding_title(x, "%s ELOOP %s: too many levels of symbolic links", r->syscall, r->path);
	}
}

void find_limits(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first;
		bool fds = r->err == EMFILE || r->err == ENFILE;
		struct finding *x;

		if ((!fds && r->err != ENAMETOOLONG && r->err != ELOOP && r->err != E2BIG) ||
		    r->type != REC_SYSCALL || findings_claimed(f, all[i]))
			continue;
		/* Running out of descriptors is never routine: listed whatever the process did next. */
		if (!fds && (!r->path ||
			     (!failure_decisive(a, f, r, false) && !failure_decisive(a, f, all[i]->last, false))))
			continue;
		findings_claim(f, all[i]);
		if ((x = same(f, r, fds))) {
			x->count += all[i]->count;
			finding_evidence(x, r);
			if (r->ts_ns < x->failure->ts_ns) {
				x->failure = r;
				x->title = (free(x->title), NULL);
			}
			continue;
		}
		if (!(x = findings_new(f, "limit", "open_files", SEV_MEDIUM)))
			break;
		x->failure = r;
		x->count = all[i]->count;
		finding_evidence(x, r);
	}
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		if (strcmp(x->class, "limit") || x->title)
			continue;
		if (x->failure->err == EMFILE || x->failure->err == ENFILE)
			open_files(a, x);
		else if (x->failure->err == ENAMETOOLONG && x->failure->path)
			name_length(x);
		else if (x->failure->err == ELOOP)
			symlink_loop(a, x);
		else {
			x->cause = "arg_list_too_long";
			finding_title(
				x, "%s E2BIG %s: the arguments and environment exceed what execve takes (ARG_MAX)",
				x->failure->syscall, x->failure->path ? x->failure->path : "");
		}
		x->remedy = remedy_for(x->class, x->cause, NULL);
		if (x->failure->path)
			finding_link_output(a, x, x->failure->path, LINK_PATH);
	}
	free(all);
}
