// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * missing_path: ENOENT with nothing competing: no one removed the path, no filesystem error on its
 * device. The path simply was not there. Most such misses are routine and must not drown the
 * report: a PATH or library search tries a name in several directories, a stat asks "does it
 * exist?" and "no" is an answer, a libc looks for locale files.
 * And a process that exited 0 handled every miss it met (npm looks for a dozen optional files),
 * as did a command that succeeded. Those are counted, not listed, unless the command's own output
 * names the path.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "host/paths.h"
#include "diagnose/routine.h"
#include "lib/util.h"

#define MAX_MISSING 200 /* findings listed; past this they are counted in routine.total */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * Names missed in two or more directories: a search, not a loss. Counted by hashes only (a name's,
 * and its first and latest directory's), so a run with tens of thousands of misses stays small.
 */
struct name_count {
	uint64_t name, dir1, dir2;
	uint32_t dirs;
};

struct name_counts {
	struct name_count *v;
	size_t cap;
};

static uint64_t hash_of(const char *s, size_t n)
{
	uint64_t h = fnv1a(FNV1A_INIT, s, n);

	return h ? h : 1; /* 0 marks a free slot */
}

static struct name_count *name_slot(const struct name_counts *t, uint64_t name)
{
	size_t i;

	for (i = name % t->cap; t->v[i].name && t->v[i].name != name; i = (i + 1) % t->cap)
		;
	return &t->v[i];
}

static void count_basenames(struct group **all, size_t n, struct name_counts *t)
{
	t->cap = n * 2 + 1;
	if (!(t->v = calloc(t->cap, sizeof(*t->v))))
		return;
	for (size_t i = 0; all[i]; i++) {
		const char *path = all[i]->first.path, *base;
		struct name_count *c;
		uint64_t dir;

		if (all[i]->first.err != ENOENT || !path)
			continue;
		base = base_name(path);
		dir = hash_of(path, base - path);
		c = name_slot(t, hash_of(base, strlen(base)));
		if (!c->name) {
			c->name = hash_of(base, strlen(base));
			c->dir1 = c->dir2 = dir;
			c->dirs = 1;
		} else if (dir != c->dir1 && dir != c->dir2) {
			c->dir2 = dir;
			c->dirs++;
		}
	}
}

static uint32_t dirs_missing(const struct name_counts *t, const char *path)
{
	const char *base = base_name(path);

	return t->v ? name_slot(t, hash_of(base, strlen(base)))->dirs : 0;
}

/*
 * Paths another finding already explains (a race, corruption), by hash: the command's own lines
 * about such a path are linked there, and its other misses of it, such as npm's statx before it
 * writes the file a deleter then takes away, are the command's checks rather than a second cause.
 */
struct path_set {
	uint64_t *v;
	size_t cap;
};

static uint64_t *path_slot(const struct path_set *s, uint64_t h)
{
	size_t i;

	for (i = h % s->cap; s->v[i] && s->v[i] != h; i = (i + 1) % s->cap)
		;
	return &s->v[i];
}

static void collect_explained(struct group **all, size_t n, const struct findings *f, struct path_set *s)
{
	s->cap = n * 2 + 1;
	if (!(s->v = calloc(s->cap, sizeof(*s->v))))
		return;
	for (size_t i = 0; all[i]; i++) {
		const char *path = all[i]->first.path;

		if (path && findings_claimed(f, all[i]))
			*path_slot(s, hash_of(path, strlen(path))) = hash_of(path, strlen(path));
	}
}

static bool explained(const struct path_set *s, const char *path)
{
	return s->v && *path_slot(s, hash_of(path, strlen(path)));
}

static void note_last_miss(const struct analysis *a, struct findings *f, const struct record *r)
{
	int status = analysis_exit_status(a, r);

	if (status <= 0 || (f->verdict.last_miss && f->verdict.last_miss->ts_ns >= r->ts_ns))
		return;
	f->verdict.last_miss = r;
	f->verdict.last_miss_exit = status;
	f->verdict.last_miss_exit_rec = analysis_exit(a, r);
}

static struct finding *finding_for_path(struct findings *f, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].class, "missing_path") == 0 && strcmp(f->v[i].failure->path, path) == 0)
			return &f->v[i];
	return NULL;
}

void find_missing(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);
	struct name_counts names = {};
	struct path_set elsewhere = {};
	/* Only a command that failed has misses worth listing; a recording has no command. */
	bool failed = a->h.argc && a->exit_code > 0;
	size_t listed = 0;

	if (!all)
		return;
	/* What the analysis forgot to stay in bounds counts here too, by the kind it was. */
	f->routine.total += a->forgotten.calls - a->forgotten.answers;
	f->routine.probe += a->forgotten.probe;
	f->routine.system += a->forgotten.system;
	f->routine.forgotten += a->forgotten.other;
	f->routine.answers += a->forgotten.answers;
	f->routine.under_load = a->under_load;
	f->routine.total += a->under_load;
	count_basenames(all, a->calls.count, &names);
	collect_explained(all, a->calls.count, f, &elsewhere);
	for (size_t i = 0; all[i]; i++) {
		const struct record *r = &all[i]->first;
		struct finding *x;

		if (r->err != ENOENT || !r->path || findings_claimed(f, all[i]))
			continue;
		findings_claim(f, all[i]);
		if (explained(&elsewhere, r->path) || !failure_named_in_output(a, r, NULL)) {
			if (path_is_system_noise(r->path)) {
				f->routine.system += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
			if (dirs_missing(&names, r->path) > 1) {
				f->routine.search += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
			if (routine_probe(r->syscall)) {
				f->routine.probe += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
			if (!failed || analysis_exit_status(a, r) == 0) {
				f->routine.handled += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
			/* A miss nothing printed names is not the cause, only the latest one before a
			 * process failed is worth showing: npm on a broken package.json misses .npmrc,
			 * yarn.lock and a dozen more on its way to a JSON error. */
			f->routine.unnamed += all[i]->count;
			f->routine.total += all[i]->count;
			note_last_miss(a, f, all[i]->last);
			continue;
		}
		if ((x = finding_for_path(f, r->path))) { /* another call on the same path */
			x->count += all[i]->count;
			finding_evidence(x, r);
			if (r->ts_ns < x->failure->ts_ns)
				x->failure = r;
			continue;
		}
		if (listed == MAX_MISSING) {
			f->routine.total += all[i]->count;
			continue;
		}
		if (!(x = findings_new(f, "missing_path", "not_found", SEV_LOW)))
			break;
		listed++;
		x->failure = r;
		x->count = all[i]->count;
		finding_evidence(x, r);
		x->remedy = remedy_for(x->class, x->cause, NULL);
		finding_link_output(a, x, r->path, LINK_PATH);
	}
	/* Titles once every call on each path is known: the first call that failed names it. */
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		const struct record *sum;
		char pid[48];

		if (strcmp(x->class, "missing_path") != 0 || x->title)
			continue;
		/* Removals the kernel kept only as a count may have taken it: say so, claim nothing. */
		if ((sum = analysis_summed_removal(a, x->failure->path, x->failure->ts_ns))) {
			x->cause = "removals_summed";
			x->remedy = remedy_for(x->class, x->cause, NULL);
			finding_title(x,
				      "%s %s %s: not there; %s (%s) removed %" PRIu64
				      " paths under %s around then, "
				      "kept as a count, not one by one",
				      x->failure->syscall, errno_name(x->failure->err), x->failure->path,
				      sum->comm, pid_label(sum, false, pid, sizeof(pid)), sum->count, sum->path);
		} else
			finding_title(x, "%s %s %s: not there, and nothing removed it", x->failure->syscall,
				      errno_name(x->failure->err), x->failure->path);
	}
	free(names.v);
	free(elsewhere.v);
	free(all);
}
