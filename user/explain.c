// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "explain.h"
#include "paths.h"

#define OUTSIDERS 4096
#define FAILURES 256
#define LOOKBACK_NS (30ull * 1000000000) /* a removal this old no longer explains a miss */
/* Events reach the ring buffer at syscall exit: a deleter's rmdir can return after the victim's
 * failing call although the directory was already gone, so a removal may trail the failure. */
#define TRAIL_NS (200ull * 1000000)

struct slot {
	struct record rec;
	bool used, kept;
};

struct failure {
	uint64_t ts_ns;
	char *path, *path2;
};

struct explain_window {
	keep_fn keep;
	void *ctx;
	struct slot outsiders[OUTSIDERS];
	unsigned next_outsider;
	struct failure failures[FAILURES];
	unsigned next_failure;
	uint64_t last_removal_ns; /* lets the common case, no outsider removal lately, skip the scan */
};

struct explain_window *explain_new(keep_fn keep, void *ctx)
{
	struct explain_window *w = calloc(1, sizeof(*w));

	if (w) {
		w->keep = keep;
		w->ctx = ctx;
	}
	return w;
}

void explain_free(struct explain_window *w)
{
	if (!w)
		return;
	for (int i = 0; i < OUTSIDERS; i++)
		if (w->outsiders[i].used)
			record_free(&w->outsiders[i].rec);
	for (int i = 0; i < FAILURES; i++) {
		free(w->failures[i].path);
		free(w->failures[i].path2);
	}
	free(w);
}

/* The errors a vanished path produces. */
static bool is_vanished_error(int err)
{
	return err == ENOENT || err == ESTALE || err == ENOTDIR;
}

static bool within(const char *path, const char *removed)
{
	return path && removed && path_is_within(path, removed);
}

static bool explains(const struct record *removal, uint64_t fail_ts, const char *path, const char *path2)
{
	if (removal->ts_ns > fail_ts + TRAIL_NS || removal->ts_ns + LOOKBACK_NS < fail_ts)
		return false;
	return within(path, removal->path) || within(path2, removal->path);
}

static void keep_slot(struct explain_window *w, struct slot *s)
{
	if (s->kept)
		return;
	s->kept = true;
	w->keep(&s->rec, w->ctx);
}

static struct slot *remember(struct explain_window *w, const struct record *r)
{
	struct slot *s = &w->outsiders[w->next_outsider++ % OUTSIDERS];

	if (s->used)
		record_free(&s->rec);
	s->used = false;
	if (record_copy(&s->rec, r))
		return NULL;
	s->used = true;
	s->kept = false;
	return s;
}

static bool is_removal(const struct record *r)
{
	return r->type == REC_REMOVE || r->type == REC_RENAME;
}

void explain_outsider(struct explain_window *w, const struct record *r)
{
	struct slot *s;

	if (r->type == REC_MOUNT && r->err) {
		/* A daemon's failing mount: keep it with the fsopen/fsconfig steps that led to it. */
		for (int i = 0; i < OUTSIDERS; i++) {
			struct slot *o = &w->outsiders[i];

			if (o->used && o->rec.type == REC_MOUNT && o->rec.pid == r->pid &&
			    o->rec.ts_ns + LOOKBACK_NS >= r->ts_ns)
				keep_slot(w, o);
		}
		w->keep(r, w->ctx);
		return;
	}
	if (!is_removal(r) && r->type != REC_MOUNT)
		return;
	s = remember(w, r);
	if (!s || !is_removal(r))
		return;
	if (r->ts_ns > w->last_removal_ns)
		w->last_removal_ns = r->ts_ns;
	for (int i = 0; i < FAILURES; i++) {
		struct failure *f = &w->failures[i];

		if (f->ts_ns && explains(&s->rec, f->ts_ns, f->path, f->path2)) {
			keep_slot(w, s);
			return;
		}
	}
}

void explain_insider(struct explain_window *w, const struct record *r)
{
	struct failure *f;

	if (r->type != REC_SYSCALL || !is_vanished_error(r->err) || !r->path)
		return;
	for (int i = 0; i < OUTSIDERS && w->last_removal_ns + LOOKBACK_NS >= r->ts_ns; i++) {
		struct slot *o = &w->outsiders[i];

		if (o->used && !o->kept && is_removal(&o->rec) && explains(&o->rec, r->ts_ns, r->path, r->path2))
			keep_slot(w, o);
	}
	f = &w->failures[w->next_failure++ % FAILURES];
	free(f->path);
	free(f->path2);
	f->ts_ns = r->ts_ns;
	f->path = strdup(r->path);
	f->path2 = r->path2 ? strdup(r->path2) : NULL;
}
