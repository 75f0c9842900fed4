// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Bounded memory whatever the volume: when the failing calls fill their table, the analysis
 * forgets the oldest routine ones, summed up by kind, directory and process (struct forgotten),
 * instead of refusing new ones. A build's decisive failure comes late (a race after 200,000
 * header-search misses), so the newest are the ones to keep. Never forgotten while room can be
 * made otherwise: a failure a removal may explain, one the command's output names, one whose
 * process exited non-zero, and any that is not a miss (EACCES, EIO, EROFS...).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/analysis.h"
#include "host/paths.h"
#include "diagnose/routine.h"

/* Space-saving top-k: a name not counted yet replaces the smallest count and inherits it, so a
 * frequent name is never missed, at the price of over-counting a rare one by that much. */
static void tally(struct tally *t, size_t n, const char *name, size_t len, uint64_t count)
{
	struct tally *min = &t[0];

	if (len >= sizeof(t->name))
		len = sizeof(t->name) - 1;
	for (size_t i = 0; i < n; i++) {
		if (t[i].count && t[i].len == len && !memcmp(t[i].name, name, len)) {
			t[i].count += count;
			return;
		}
		if (t[i].count < min->count)
			min = &t[i];
	}
	memcpy(min->name, name, len);
	min->name[len] = '\0';
	min->len = len;
	min->count += count;
}

static void forget(struct analysis *a, struct group *g)
{
	struct forgotten *f = &a->forgotten;
	const struct record *r = g->last;
	const char *slash = r->path ? strrchr(r->path, '/') : NULL;

	f->calls += g->count;
	f->groups++;
	if (routine_answer(r))
		f->answers += g->count;
	else if (r->path && path_is_system_noise(r->path))
		f->system += g->count;
	else if (routine_probe(r->syscall))
		f->probe += g->count;
	else
		f->other += g->count;
	if (slash)
		tally(f->dirs, ANALYSIS_TALLY, r->path, slash > r->path ? (size_t)(slash - r->path) : 1, g->count);
	tally(f->comms, ANALYSIS_TALLY, r->comm, strnlen(r->comm, sizeof(r->comm)), g->count);
}

static bool output_names(const struct analysis *a, const char *path)
{
	for (size_t i = 0; path && i < a->noutputs; i++)
		if (path_named_by(a->outputs[i].m.path, path) || path_named_by(a->outputs[i].m.path2, path))
			return true;
	return false;
}

static bool worth_keeping(const struct analysis *a, const struct group *g)
{
	const struct record *r = g->last;

	if (r->err != ENOENT && r->err != ENOTDIR && !routine_answer(r))
		return true;
	return groups_find(&a->races, g->key) || output_names(a, r->path) || analysis_exit_status(a, r) > 0;
}

void analysis_make_room(struct analysis *a)
{
	struct group_table *t = &a->calls;
	/* A few at a time: freed memory is reused at once by the groups that replace them. */
	size_t target = ANALYSIS_MAX_CALLS - 256;
	struct group *g, *newer;

	/* Oldest first: the age list is kept in the order of each group's latest event. */
	for (g = t->oldest; g && t->count > target; g = newer) {
		newer = g->newer;
		if (!worth_keeping(a, g)) {
			forget(a, g);
			groups_remove(t, g);
		}
	}
	/* All worth keeping, and still too many: memory wins, and the report says how much of
	 * the recording it could not analyse. */
	for (g = t->oldest; g && t->count > target; g = newer) {
		newer = g->newer;
		a->over_limit += g->count;
		groups_remove(t, g);
	}
}
