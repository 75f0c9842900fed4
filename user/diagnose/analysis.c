// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diagnose/analysis.h"
#include "host/devices.h"
#include "host/paths.h"
#include "diagnose/fs_rules.h"
#include "lib/util.h"

#define RECENT (sizeof(((struct analysis *)0)->recent) / sizeof(((struct analysis *)0)->recent[0]))

/* Bounds: a report is about a handful of causes; past these, counts still grow, lists do not. */
#define MAX_MOUNTS 1024
#define MAX_LAYERS 4096
#define MAX_KMSGS 4096
#define MAX_DEVICES 256
#define MAX_CGROUPS 4096
#define MAX_OUTPUTS 1024
#define MAX_NOTES 16
#define MAX_STATES 4096

static int list_add(struct record_list *l, const struct record *r, size_t max)
{
	if (l->n == max) {
		l->dropped++;
		return -1;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct record *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (record_copy(&l->v[l->n], r))
		return -1;
	l->n++;
	return 0;
}

static void list_free(struct record_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		record_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct analysis *analysis_new(const struct recording_header *h)
{
	struct analysis *a = calloc(1, sizeof(*a));

	if (!a || !(a->threads = calloc(ANALYSIS_THREADS, sizeof(*a->threads)))) {
		free(a);
		return NULL;
	}
	a->exit_code = -1;
	a->h.kernel = dup_or_null(h->kernel);
	a->h.hostname = dup_or_null(h->hostname);
	a->h.boot_id = dup_or_null(h->boot_id); /* with started, names the run (a bead's external_ref) */
	a->h.started = dup_or_null(h->started);
	a->h.mode = dup_or_null(h->mode);
	a->h.started_boot_ns = h->started_boot_ns;
	a->h.argv = calloc(h->argc + 1, sizeof(char *));
	for (int i = 0; a->h.argv && i < h->argc; i++)
		if ((a->h.argv[i] = strdup(h->argv[i])))
			a->h.argc = i + 1;
	for (size_t i = 0; i < h->nattach; i++)
		recording_header_add_attach(&a->h, h->attach[i].hook, h->attach[i].mode);
	return a;
}

static bool same_device(const struct record *x, const struct record *y)
{
	return x->dev_major == y->dev_major && x->dev_minor == y->dev_minor;
}

static bool same_cgroup(const struct record *x, const struct record *y)
{
	return x->cgroup_id == y->cgroup_id;
}

/* Devices are described again at the end with ext4's final counters: the last one wins. */
static void keep_latest(struct record_list *l, const struct record *r, size_t max,
			bool (*same)(const struct record *, const struct record *))
{
	for (size_t i = 0; i < l->n; i++) {
		if (same(&l->v[i], r)) {
			struct record copy;

			if (record_copy(&copy, r) == 0) {
				record_free(&l->v[i]);
				l->v[i] = copy;
			}
			return;
		}
	}
	list_add(l, r, max);
}

static void add_note(struct analysis *a, const struct record *r)
{
	for (size_t i = 0; i < a->notes.n; i++)
		if (strcmp(a->notes.v[i].msg, r->msg) == 0)
			return;
	list_add(&a->notes, r, MAX_NOTES);
}

static void keep_tail(struct analysis *a, const struct record *r)
{
	int s = r->data && strcmp(r->data, "stderr") == 0;
	struct record *slot = &a->tail[s][a->tail_n[s] % ANALYSIS_TAIL_LINES];
	struct record copy;

	if (record_copy(&copy, r))
		return;
	record_free(slot);
	*slot = copy;
	a->tail_n[s]++;
}

const struct record *analysis_tail(const struct analysis *a, bool stderr_stream, size_t i, size_t *n)
{
	int s = stderr_stream;
	uint64_t seen = a->tail_n[s];

	*n = seen < ANALYSIS_TAIL_LINES ? seen : ANALYSIS_TAIL_LINES;
	if (i >= *n)
		return NULL;
	return &a->tail[s][(seen - *n + i) % ANALYSIS_TAIL_LINES];
}

static void add_output(struct analysis *a, const struct record *r)
{
	struct output_match m;
	struct output_line *grown;

	a->output_lines++;
	keep_tail(a, r);
	if (!r->msg || output_match_line(r->msg, strlen(r->msg), &m) != 1)
		return;
	if (a->noutputs == MAX_OUTPUTS || !(grown = realloc(a->outputs, (a->noutputs + 1) * sizeof(*grown)))) {
		output_match_free(&m);
		return;
	}
	a->outputs = grown;
	if (record_copy(&grown[a->noutputs].rec, r)) {
		output_match_free(&m);
		return;
	}
	grown[a->noutputs++].m = m;
}

static uint64_t distance(uint64_t x, uint64_t y)
{
	return x > y ? x - y : y - x;
}

/* Keeps, for a failing call, the removal closest in time to it that could explain it. */
static void offer_race(struct analysis *a, const char *key, uint64_t fail_ts, const struct record *removal)
{
	struct group *g = groups_find(&a->races, key);
	struct record copy;

	if (!g) {
		groups_add(&a->races, key, removal);
		return;
	}
	if (distance(removal->ts_ns, fail_ts) >= distance(g->first.ts_ns, fail_ts) || record_copy(&copy, removal))
		return;
	record_free(&g->first);
	g->first = copy; /* still one event: last is first, the new one */
}

/*
 * The race candidates are found as the events arrive, in time order: a failure meets the latest
 * removal so far of its path and of each ancestor (`rm -rf d` removes d/x/f, d/x, then d: the
 * last is closest), and a removal that arrives later meets the recent failures it may explain.
 */
static void race_on_failure(struct analysis *a, const char *key, const struct record *r)
{
	struct recent_failure *f;
	char *path = NULL;
	size_t len = strlen(r->path);

	/* No removal lately (the common case, a failure storm included): nothing to walk. */
	if (a->last_removal_ns + RACE_LOOKBACK_NS >= r->ts_ns) {
		jbuf_reset(&a->ancestor);
		jbuf_write(&a->ancestor, r->path, len);
		path = a->ancestor.oom ? NULL : a->ancestor.p;
	}
	while (path) {
		const struct group *g = groups_find(&a->removals, path);
		char *slash;

		if (!g)
			g = groups_find(&a->removals_old, path);
		/* Events are stamped before they are queued, so a removal stamped just after the
		 * failure can already be here. */
		if (g && g->last->pid != r->pid && race_possible(g->last->ts_ns, g->not_before_ns, r->ts_ns))
			offer_race(a, key, r->ts_ns, g->last);
		/* The parent: the last '/' before the end already cut, not a rescan from the start. */
		if (!(slash = memrchr(path, '/', len)) || slash == path)
			break;
		*slash = '\0';
		len = (size_t)(slash - path);
	}
	f = &a->recent[a->next_recent++ % RECENT];
	jbuf_reset(&f->key);
	jbuf_write(&f->key, key, strlen(key) + 1);
	jbuf_reset(&f->path);
	jbuf_write(&f->path, r->path, strlen(r->path) + 1);
	f->used = !f->key.oom && !f->path.oom;
	f->pid = r->pid;
	f->ts_ns = r->ts_ns;
}

static void race_on_removal(struct analysis *a, const struct record *r, uint64_t not_before_ns)
{
	for (size_t i = 0; i < RECENT; i++) {
		const struct recent_failure *f = &a->recent[i];

		/* Late in the stream, whatever its time: stamped after the failure, or an outsider
		 * kept only once the failure it explains was (explain.c). */
		if (f->used && f->pid != r->pid && race_possible(r->ts_ns, not_before_ns, f->ts_ns) &&
		    path_is_within(f->path.p, r->path))
			offer_race(a, f->key.p, f->ts_ns, r);
	}
}

/*
 * Each thread's latest event (its process's fork or exec for a new one): a call that thread makes
 * next cannot have started before it. A fixed table: a thread pushed out is simply not known,
 * which can only keep a race in, never invent one.
 */
static struct thread_seen *thread_slot(struct analysis *a, uint32_t tid)
{
	return &a->threads[(tid * 2654435761u) % ANALYSIS_THREADS];
}

static uint64_t thread_last_ns(struct analysis *a, uint32_t tid)
{
	const struct thread_seen *t = thread_slot(a, tid);

	return t->tid == tid ? t->ts_ns : 0;
}

static void thread_seen(struct analysis *a, uint32_t tid, uint64_t ts_ns)
{
	struct thread_seen *t = thread_slot(a, tid);

	if (t->tid != tid || ts_ns > t->ts_ns) {
		t->tid = tid;
		t->ts_ns = ts_ns;
	}
}

/* A failing call's key, "syscall errno path path2", in a buffer reused call after call: the
 * table copies it only for a call not seen before. */
static const char *call_key(struct analysis *a, const struct record *r)
{
	char err[12];

	jbuf_reset(&a->key);
	jbuf_puts(&a->key, r->syscall ? r->syscall : "?");
	jbuf_putc(&a->key, ' ');
	if (r->err < 0) /* never from the kernel; a recording may say anything */
		jbuf_putc(&a->key, '-');
	jbuf_write(&a->key, err, u32_decimal(err, r->err < 0 ? 0u - (uint32_t)r->err : (uint32_t)r->err));
	jbuf_putc(&a->key, ' ');
	jbuf_puts(&a->key, r->path ? r->path : "");
	jbuf_putc(&a->key, ' ');
	jbuf_puts(&a->key, r->path2 ? r->path2 : "");
	return a->key.oom ? NULL : a->key.p;
}

void analysis_add(struct analysis *a, const struct record *r)
{
	struct group *g;
	char *key = NULL;

	switch (r->type) {
	case REC_SYSCALL:
		/* Counted, never grouped by its path: the count is of any path (record.h). */
		if (r->under_load) {
			a->under_load += record_calls(r);
			break;
		}
		if (!call_key(a, r))
			break;
		/* A full table makes room (analysis_evict.c): a new failing call is always counted. */
		if (a->calls.count >= ANALYSIS_MAX_CALLS && !groups_find(&a->calls, a->key.p))
			analysis_make_room(a);
		if (groups_add(&a->calls, a->key.p, r) && race_errno(r->err) && r->path && r->path[0] == '/')
			race_on_failure(a, a->key.p, r);
		break;
	case REC_MOUNT:
		if (r->err)
			list_add(&a->mounts, r, MAX_MOUNTS);
		break;
	case REC_LAYER:
		list_add(&a->layers, r, MAX_LAYERS);
		break;
	case REC_EXT4_ERROR:
		if (asprintf(&key, "%u:%u %s %u", r->dev_major, r->dev_minor, r->func ? r->func : "", r->line) >=
		    0)
			groups_add(&a->ext4, key, r);
		break;
	case REC_REMOVE:
	case REC_RENAME:
		/* A summary names a directory, not a path that went: never a removal to match. */
		if (r->summary) {
			list_add(&a->removal_sums, r, ANALYSIS_MAX_REMOVAL_SUMS);
			break;
		}
		/* Keyed by the path that went away: a failure looks its ancestors up here. */
		if (r->path && a->removals.count >= ANALYSIS_MAX_REMOVALS && !groups_find(&a->removals, r->path)) {
			groups_free(&a->removals_old);
			a->removals_old = a->removals;
			memset(&a->removals, 0, sizeof(a->removals));
		}
		if (r->path && (g = groups_add(&a->removals, r->path, r))) {
			g->not_before_ns = thread_last_ns(a, r->tid);
			/* A removal the kernel held comes after its thread's later events: its call returned
			 * before the failure that sent it up, so nothing bounds it from below. */
			if (g->not_before_ns >= r->ts_ns)
				g->not_before_ns = 0;
			if (r->ts_ns > a->last_removal_ns)
				a->last_removal_ns = r->ts_ns;
			race_on_removal(a, r, g->not_before_ns);
		}
		break;
	case REC_KMSG:
		if (r->msg)
			list_add(&a->kmsgs, r, MAX_KMSGS);
		break;
	case REC_DEVICE:
		if (r->device)
			keep_latest(&a->devices, r, MAX_DEVICES, same_device);
		if (r->msg)
			add_note(a, r);
		break;
	case REC_OUTPUT:
		add_output(a, r);
		break;
	case REC_NOTE:
		if (r->msg)
			add_note(a, r);
		break;
	case REC_STATE:
		list_add(&a->states, r, MAX_STATES);
		break;
	case REC_POD:
		if (r->pod) { /* the latest description counts, as for devices */
			struct record copy;

			if (record_copy(&copy, r) == 0) {
				record_free(&a->pod);
				a->pod = copy;
			}
		}
		break;
	case REC_CGROUP:
		if (r->cgroup && r->cgroup_id)
			keep_latest(&a->cgroups, r, MAX_CGROUPS, same_cgroup);
		break;
	case REC_PROC:
		if (r->syscall && !strcmp(r->syscall, "exit") && asprintf(&key, "%u", r->pid) >= 0) {
			/* A long build runs more processes than fit: the oldest exits go first. */
			if (a->exits.count >= ANALYSIS_MAX_EXITS && !groups_find(&a->exits, key)) {
				groups_free(&a->exits_old);
				a->exits_old = a->exits;
				memset(&a->exits, 0, sizeof(a->exits));
			}
			groups_add(&a->exits, key, r);
		} else if (r->syscall && !strcmp(r->syscall, "exec") && r->path) {
			const char *base = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;

			if (a->execs.count < ANALYSIS_MAX_EXECS || groups_find(&a->execs, base))
				groups_add(&a->execs, base, r);
			if (r->cwd &&
			    (a->workdirs.count < ANALYSIS_MAX_WORKDIRS || groups_find(&a->workdirs, r->cwd)))
				groups_add(&a->workdirs, r->cwd, r);
			key = NULL;
		} else {
			key = NULL;
		}
		break;
	default:
		break;
	}
	free(key);
	if (r->tid && r->type <= REC_PROC) /* the kernel's events, not the collector's context */
		thread_seen(a, r->tid, r->ts_ns);
}

void analysis_end(struct analysis *a, uint64_t events, uint64_t lost, int exit_code, const char *ended,
		  bool truncated)
{
	a->events = events;
	a->lost = lost;
	a->exit_code = exit_code;
	free(a->ended);
	a->ended = dup_or_null(ended);
	a->truncated = truncated;
}

bool analysis_ran_later(const struct analysis *a, const struct record *r)
{
	const char *base = r->path && strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
	const struct group *g = base && *base ? groups_find(&a->execs, base) : NULL;

	return g && g->last->ts_ns > r->ts_ns;
}

const struct record *analysis_exit(const struct analysis *a, const struct record *r)
{
	char key[12];
	const struct group *g;

	u32_decimal(key, r->pid);
	if (!(g = groups_find(&a->exits, key)))
		g = groups_find(&a->exits_old, key);
	if (!g || g->last->ts_ns < r->ts_ns) /* still running, or a pid used again */
		return NULL;
	return g->last;
}

int analysis_exit_status(const struct analysis *a, const struct record *r)
{
	const struct record *exit = analysis_exit(a, r);

	return exit ? (int)exit->ret : -1;
}

const struct record *analysis_device(const struct analysis *a, uint32_t major, uint32_t minor)
{
	for (size_t i = 0; i < a->devices.n; i++)
		if (a->devices.v[i].dev_major == major && a->devices.v[i].dev_minor == minor)
			return &a->devices.v[i];
	return NULL;
}

const struct record *analysis_cgroup(const struct analysis *a, uint64_t cgroup_id)
{
	for (size_t i = 0; cgroup_id && i < a->cgroups.n; i++)
		if (a->cgroups.v[i].cgroup_id == cgroup_id)
			return &a->cgroups.v[i];
	return NULL;
}

void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	recording_header_free(&a->h);
	free(a->threads);
	free(a->ended);
	jbuf_free(&a->key);
	jbuf_free(&a->ancestor);
	groups_free(&a->calls);
	groups_free(&a->removals);
	groups_free(&a->removals_old);
	groups_free(&a->races);
	for (size_t i = 0; i < RECENT; i++) {
		jbuf_free(&a->recent[i].key);
		jbuf_free(&a->recent[i].path);
	}
	groups_free(&a->ext4);
	groups_free(&a->exits);
	groups_free(&a->exits_old);
	groups_free(&a->execs);
	groups_free(&a->workdirs);
	list_free(&a->mounts);
	list_free(&a->removal_sums);
	list_free(&a->layers);
	list_free(&a->kmsgs);
	list_free(&a->devices);
	list_free(&a->cgroups);
	list_free(&a->notes);
	list_free(&a->states);
	record_free(&a->pod);
	for (size_t i = 0; i < a->noutputs; i++) {
		record_free(&a->outputs[i].rec);
		output_match_free(&a->outputs[i].m);
	}
	free(a->outputs);
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < ANALYSIS_TAIL_LINES; i++)
			record_free(&a->tail[s][i]);
	free(a);
}

const struct record *analysis_summed_removal(const struct analysis *a, const char *path, uint64_t ts_ns)
{
	for (size_t i = 0; path && i < a->removal_sums.n; i++) {
		const struct record *s = &a->removal_sums.v[i];

		if (s->path && path_is_within(path, s->path) && s->ts_ns <= ts_ns + RACE_TRAIL_NS &&
		    (s->last_ns ? s->last_ns : s->ts_ns) + RACE_LOOKBACK_NS >= ts_ns)
			return s;
	}
	return NULL;
}
