// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "collect/explain.h"
#include "host/paths.h"
#include "diagnose/fs_rules.h"
#include "lib/util.h"

#define OUTSIDERS 4096
#define FAILURES 256
#define INDEX_SIZE (OUTSIDERS * 4)

struct slot {
	struct record rec;
	bool used, kept;
};

struct failure {
	uint64_t ts_ns;
	char *path, *path2;
	bool explained;
	bool awaited; /* worth waiting for at the end: not a PATH search or a loader's probe */
};

struct explain_window {
	keep_fn keep;
	void *ctx;
	struct slot outsiders[OUTSIDERS];
	unsigned next_outsider;
	struct failure failures[FAILURES];
	unsigned next_failure;
	/* Outsider removals by path, so a failure looks up its ancestors instead of scanning every
	 * slot: open addressing, the latest slot per path; an entry whose slot was reused since is
	 * recognised as stale by its path. */
	struct {
		uint64_t hash;
		unsigned slot;
		bool used;
	} index[INDEX_SIZE];
	unsigned indexed;
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
	/* Only the slots ever filled: reading the rest would fault in pages calloc never touched
	 * (3 ms of a `fstrace run -- true`). */
	for (unsigned i = 0; i < OUTSIDERS && i < w->next_outsider; i++)
		if (w->outsiders[i].used)
			record_free(&w->outsiders[i].rec);
	for (int i = 0; i < FAILURES; i++) {
		free(w->failures[i].path);
		free(w->failures[i].path2);
	}
	free(w);
}

static bool within(const char *path, const char *removed)
{
	return path && removed && path_is_within(path, removed);
}

static bool explains(const struct record *removal, uint64_t fail_ts, const char *path, const char *path2)
{
	/* Kept generously here (the thread's previous event is not known to the window): the
	 * analysis applies the whole rule. */
	if (!race_possible(removal->ts_ns, 0, fail_ts))
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

static uint64_t path_hash(const char *s, size_t n)
{
	return fnv1a(FNV1A_INIT, s, n);
}

static bool is_removal(const struct record *r);

static void index_slot(struct explain_window *w, unsigned slot)
{
	const char *path = w->outsiders[slot].rec.path;
	uint64_t h;
	size_t i;

	if (!path)
		return;
	if (w->indexed >= INDEX_SIZE / 2) { /* mostly stale by now: rebuild from the live slots */
		memset(w->index, 0, sizeof(w->index));
		w->indexed = 0;
		for (unsigned k = 0; k < OUTSIDERS; k++)
			if (k != slot && w->outsiders[k].used && !w->outsiders[k].kept &&
			    is_removal(&w->outsiders[k].rec))
				index_slot(w, k);
	}
	h = path_hash(path, strlen(path));
	for (i = h % INDEX_SIZE; w->index[i].used && w->index[i].hash != h; i = (i + 1) % INDEX_SIZE)
		;
	if (!w->index[i].used)
		w->indexed++;
	w->index[i].hash = h;
	w->index[i].slot = slot;
	w->index[i].used = true;
}

/* The latest remembered removal of exactly this path (len bytes of it, hashing to h), or NULL. */
static struct slot *lookup_hashed(struct explain_window *w, const char *path, size_t len, uint64_t h)
{
	for (size_t i = h % INDEX_SIZE; w->index[i].used; i = (i + 1) % INDEX_SIZE) {
		struct slot *s = &w->outsiders[w->index[i].slot];

		if (w->index[i].hash == h && s->used && s->rec.path && strlen(s->rec.path) == len &&
		    !memcmp(s->rec.path, path, len))
			return s;
	}
	return NULL;
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
			    o->rec.ts_ns + RACE_LOOKBACK_NS >= r->ts_ns)
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
	index_slot(w, (unsigned)(s - w->outsiders));
	for (int i = 0; i < FAILURES; i++) {
		struct failure *f = &w->failures[i];

		if (f->ts_ns && explains(&s->rec, f->ts_ns, f->path, f->path2)) {
			f->explained = true;
			keep_slot(w, s);
			return;
		}
	}
}

/* The removals that could have made a path vanish: of the path and each of its ancestors
 * ("/a/b/c", "/a/b", "/a"), their hashes taken in one pass. Every failure of a storm comes here,
 * most of them with nothing remembered to look up. */
static bool keep_removals_of(struct explain_window *w, const struct record *r, const char *path)
{
	uint64_t h = FNV1A_INIT;
	bool found = false;
	size_t done = 0, len;

	if (!w->indexed)
		return false;
	for (len = 1; path[0]; len++) {
		bool end = !path[len];

		if (end || path[len] == '/') {
			struct slot *o;

			h = fnv1a(h, path + done, len - done);
			done = len;
			o = lookup_hashed(w, path, len, h);
			if (o && explains(&o->rec, r->ts_ns, r->path, r->path2)) {
				keep_slot(w, o);
				found = true;
			}
		}
		if (end)
			break;
	}
	return found;
}

void explain_insider(struct explain_window *w, const struct record *r)
{
	struct failure *f;

	bool found;

	if (r->type != REC_SYSCALL || !race_errno(r->err) || !r->path)
		return;
	found = keep_removals_of(w, r, r->path);
	if (r->path2 && keep_removals_of(w, r, r->path2))
		found = true;
	f = &w->failures[w->next_failure++ % FAILURES];
	free(f->path);
	free(f->path2);
	f->ts_ns = r->ts_ns;
	f->path = strdup(r->path);
	f->path2 = dup_or_null(r->path2);
	f->explained = found;
	f->awaited = strcmp(r->syscall ? r->syscall : "", "execve") && !path_is_system_noise(r->path);
}

bool explain_awaiting(const struct explain_window *w, uint64_t since_ns)
{
	for (int i = 0; i < FAILURES; i++)
		if (w->failures[i].ts_ns >= since_ns && w->failures[i].awaited && !w->failures[i].explained)
			return true;
	return false;
}
