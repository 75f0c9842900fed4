// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "collect/held.h"
#include "collect/decode.h"
#include "diagnose/fs_rules.h"
#include "host/paths.h"
#include "lib/util.h"

#define BATCH 1024
#define GROUPS 64 /* processes summed up at once; a harvest with more emits and starts anew */

/* One process's removals (or renames) of one harvest. */
struct group {
	struct record first; /* who, and the kind; its path becomes the directory they share */
	char *dir;
	uint64_t count, first_ns, last_ns;
};

struct held {
	struct held_maps maps;
	unsigned seen_gen;
	double since[2]; /* when each generation last became the live one */
	uint64_t keys[BATCH];
	struct fst_held values[BATCH];
	struct group groups[GROUPS];
	int ngroups;
};

struct held *held_new(const struct held_maps *maps)
{
	struct held *h;

	if (maps->fd[0] < 0 || maps->fd[1] < 0 || !(h = calloc(1, sizeof(*h))))
		return NULL;
	h->maps = *maps;
	h->seen_gen = *maps->gen & 1;
	h->since[h->seen_gen] = monotonic_seconds();
	return h;
}

static void emit_groups(struct held *h, held_emit_fn emit, void *ctx)
{
	for (int i = 0; i < h->ngroups; i++) {
		struct group *g = &h->groups[i];

		if (g->count > 1) {
			/* the group's own path goes; the shared directory stands in its place */
			if (!g->first.borrowed)
				free(g->first.path);
			g->first.path = g->dir;
			g->dir = NULL;
			if (!g->first.borrowed) {
				free(g->first.path2);
				free(g->first.cwd);
			}
			g->first.path2 = g->first.cwd = NULL;
			g->first.ino = 0;
			g->first.has_dev = false;
			g->first.summary = true;
			g->first.count = g->count;
			g->first.ts_ns = g->first_ns;
			g->first.last_ns = g->last_ns;
		}
		emit(&g->first, ctx);
		free(g->dir);
		record_free(&g->first);
	}
	h->ngroups = 0;
}

/* Whether the directory dir shares with path is still two levels deep ("/tmp/build", not "/" or
 * "/tmp"): a summary under "/" would cover every failure, and say nothing. */
static bool shares_enough(const char *dir, const char *path)
{
	char *common = dir ? strdup(dir) : NULL;
	int depth = 0;

	if (!common || !path)
		return free(common), !dir && !path;
	path_common(common, path);
	for (const char *p = common; *p; p++)
		depth += *p == '/' && p[1];
	free(common);
	return depth >= 2;
}

static void add(struct held *h, struct record *r, held_emit_fn emit, void *ctx)
{
	struct group *g = NULL;

	for (int i = 0; i < h->ngroups && !g; i++)
		if (h->groups[i].first.pid == r->pid && h->groups[i].first.type == r->type &&
		    h->groups[i].first.outsider == r->outsider && shares_enough(h->groups[i].dir, r->path))
			g = &h->groups[i];
	if (g) {
		g->count++;
		if (r->ts_ns < g->first_ns)
			g->first_ns = r->ts_ns;
		if (r->ts_ns > g->last_ns)
			g->last_ns = r->ts_ns;
		if (g->dir && r->path)
			path_common(g->dir, r->path);
		record_free(r);
		return;
	}
	if (h->ngroups == GROUPS)
		emit_groups(h, emit, ctx);
	g = &h->groups[h->ngroups++];
	*g = (struct group){ .first = *r, .count = 1, .first_ns = r->ts_ns, .last_ns = r->ts_ns };
	g->dir = r->path ? strdup(r->path) : NULL;
	record_init(r); /* the group owns its strings now */
}

/* Reads and deletes every entry of one generation, summed up by process. */
static void harvest(struct held *h, unsigned gen, held_emit_fn emit, void *ctx)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	uint64_t in = 0, out = 0;
	bool first = true, more = true;

	while (more) {
		__u32 n = BATCH;
		int err = bpf_map_lookup_and_delete_batch(h->maps.fd[gen], first ? NULL : &in, &out, h->keys,
							  h->values, &n, &opts);

		if (err && errno != ENOENT)
			break;
		more = !err;
		first = false;
		in = out;
		for (__u32 i = 0; i < n; i++) {
			const struct fst_event *e = (const struct fst_event *)h->values[i].event;
			size_t size = fst_event_size(e);
			struct record r;

			if (size >= FST_HELD_EVENT_MAX || event_decode(e, size, &r))
				continue;
			add(h, &r, emit, ctx);
		}
	}
	emit_groups(h, emit, ctx);
	h->maps.count[gen] = 0;
}

void held_tick(struct held *h, bool final, held_emit_fn emit, void *ctx)
{
	const double lookback = RACE_LOOKBACK_NS / 1e9;
	unsigned live, other;
	double now = monotonic_seconds();

	if (!h)
		return;
	if (final) {
		harvest(h, 0, emit, ctx);
		harvest(h, 1, emit, ctx);
		return;
	}
	live = *h->maps.gen & 1;
	if (live != h->seen_gen) { /* the kernel flipped: its generation was full */
		h->seen_gen = live;
		h->since[live] = now;
	}
	other = live ^ 1;
	/* The other generation's newest removal is as old as the live one's time in service. */
	if (h->maps.count[other] > 0 &&
	    (now - h->since[live] >= lookback || h->maps.count[live] >= FST_HELD_SLOTS / 2))
		harvest(h, other, emit, ctx);
	if (h->maps.count[other] <= 0 && h->maps.count[live] > 0 && now - h->since[live] >= lookback) {
		*h->maps.gen = other;
		h->seen_gen = other;
		h->since[other] = now;
	}
}

void held_free(struct held *h)
{
	free(h);
}
