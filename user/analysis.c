// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "analysis.h"
#include "devices.h"

/* Bounds: a report is about a handful of causes; past these, counts still grow, lists do not. */
#define MAX_MOUNTS 1024
#define MAX_LAYERS 4096
#define MAX_KMSGS 4096
#define MAX_DEVICES 256
#define MAX_OUTPUTS 1024
#define MAX_NOTES 16

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

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct analysis *analysis_new(const struct recording_header *h)
{
	struct analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->exit_code = -1;
	a->h.kernel = dup_or_null(h->kernel);
	a->h.hostname = dup_or_null(h->hostname);
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

static void add_device(struct analysis *a, const struct record *r)
{
	/* Described again at the end of a run, with ext4's final counters: the last one wins. */
	for (size_t i = 0; i < a->devices.n; i++) {
		struct record *d = &a->devices.v[i];

		if (d->dev_major == r->dev_major && d->dev_minor == r->dev_minor) {
			struct record copy;

			if (record_copy(&copy, r) == 0) {
				record_free(d);
				*d = copy;
			}
			return;
		}
	}
	list_add(&a->devices, r, MAX_DEVICES);
}

static void add_note(struct analysis *a, const struct record *r)
{
	for (size_t i = 0; i < a->notes.n; i++)
		if (strcmp(a->notes.v[i].msg, r->msg) == 0)
			return;
	list_add(&a->notes, r, MAX_NOTES);
}

static void add_output(struct analysis *a, const struct record *r)
{
	struct output_match m;
	struct output_line *grown;

	a->output_lines++;
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

void analysis_add(struct analysis *a, const struct record *r)
{
	char *key = NULL;

	switch (r->type) {
	case REC_SYSCALL:
		if (asprintf(&key, "%s %d %s %s", r->syscall ? r->syscall : "?", r->err,
			     r->path ? r->path : "", r->path2 ? r->path2 : "") >= 0)
			groups_add(&a->calls, key, r);
		break;
	case REC_MOUNT:
		if (r->err)
			list_add(&a->mounts, r, MAX_MOUNTS);
		break;
	case REC_LAYER:
		list_add(&a->layers, r, MAX_LAYERS);
		break;
	case REC_EXT4_ERROR:
		if (asprintf(&key, "%u:%u %s %u", r->dev_major, r->dev_minor, r->func ? r->func : "",
			     r->line) >= 0)
			groups_add(&a->ext4, key, r);
		break;
	case REC_REMOVE:
	case REC_RENAME:
		/* Keyed by the path that went away: a failure looks its ancestors up here. */
		if (r->path)
			groups_add(&a->removals, r->path, r);
		break;
	case REC_KMSG:
		if (r->msg)
			list_add(&a->kmsgs, r, MAX_KMSGS);
		break;
	case REC_DEVICE:
		if (r->device)
			add_device(a, r);
		if (r->msg)
			add_note(a, r);
		break;
	case REC_OUTPUT:
		add_output(a, r);
		break;
	default:
		break;
	}
	free(key);
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

const struct record *analysis_device(const struct analysis *a, uint32_t major, uint32_t minor)
{
	for (size_t i = 0; i < a->devices.n; i++)
		if (a->devices.v[i].dev_major == major && a->devices.v[i].dev_minor == minor)
			return &a->devices.v[i];
	return NULL;
}

void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	recording_header_free(&a->h);
	free(a->ended);
	groups_free(&a->calls);
	groups_free(&a->removals);
	groups_free(&a->ext4);
	list_free(&a->mounts);
	list_free(&a->layers);
	list_free(&a->kmsgs);
	list_free(&a->devices);
	list_free(&a->notes);
	for (size_t i = 0; i < a->noutputs; i++) {
		record_free(&a->outputs[i].rec);
		output_match_free(&a->outputs[i].m);
	}
	free(a->outputs);
	free(a);
}
