// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "diagnose/groups.h"

/* Eight bytes a step (a byte-at-a-time hash is most of a lookup on 100-byte paths), then a
 * finaliser so that the low bits the buckets use depend on every byte. Never stored. */
static uint64_t hash(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	for (; n >= 8; n -= 8, s += 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

static size_t slot_of(const struct group_table *t, uint64_t h, const char *key)
{
	size_t mask = t->nslots - 1, i;

	for (i = h & mask; t->slots[i].g; i = (i + 1) & mask)
		if (t->slots[i].hash == h && strcmp(t->slots[i].g->key, key) == 0)
			break;
	return i;
}

static int grow(struct group_table *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 256;
	struct group_slot *v = calloc(n, sizeof(*v));

	if (!v)
		return -1;
	for (size_t i = 0; i < t->nslots; i++) {
		size_t j;

		if (!t->slots[i].g)
			continue;
		for (j = t->slots[i].hash & (n - 1); v[j].g; j = (j + 1) & (n - 1))
			;
		v[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = v;
	t->nslots = n;
	return 0;
}

/* The age list: a group moves to the new end whenever an event is counted in it. */
static void age_unlink(struct group_table *t, struct group *g)
{
	if (g->older)
		g->older->newer = g->newer;
	else
		t->oldest = g->newer;
	if (g->newer)
		g->newer->older = g->older;
	else
		t->newest = g->older;
	g->older = g->newer = NULL;
}

static void age_append(struct group_table *t, struct group *g)
{
	g->older = t->newest;
	g->newer = NULL;
	if (t->newest)
		t->newest->newer = g;
	else
		t->oldest = g;
	t->newest = g;
}

struct group *groups_add(struct group_table *t, const char *key, const struct record *r)
{
	uint64_t h = hash(key);
	struct group *g;
	size_t i;

	if (t->count * 2 >= t->nslots && grow(t))
		return NULL;
	i = slot_of(t, h, key);
	if ((g = t->slots[i].g)) {
		g->count += record_calls(r); /* a folded repeat stands for count calls */
		if (g->last == &g->first) {  /* a record of its own from now on */
			struct record *own = malloc(sizeof(*own));

			if (own && record_copy(own, r) == 0)
				g->last = own;
			else
				free(own); /* no memory: last stays the first event */
		} else {
			record_assign(g->last, r);
		}
		if (t->newest != g) {
			age_unlink(t, g);
			age_append(t, g);
		}
		return g;
	}
	/* One allocation for the group, its key and its first event's strings (which first borrows):
	 * a storm of distinct failures makes and forgets a group per event. */
	size_t keylen = strlen(key) + 1;
	if (!(g = malloc(sizeof(*g) + keylen + record_strings_size(r))))
		return NULL;
	memset(g, 0, sizeof(*g));
	g->key = memcpy((char *)(g + 1), key, keylen);
	if (record_copy_into(&g->first, r, g->key + keylen)) {
		free(g);
		return NULL;
	}
	/* Most groups are one event (a storm of distinct paths): last is first until a second event
	 * comes, saving a record and a copy of each string, and freeing them. */
	g->last = &g->first;
	g->count = record_calls(r);
	g->hash = h;
	t->slots[i] = (struct group_slot){ h, g };
	age_append(t, g);
	t->count++;
	return g;
}

struct group *groups_find(const struct group_table *t, const char *key)
{
	return t->nslots ? t->slots[slot_of(t, hash(key), key)].g : NULL;
}

static void group_free(struct group *g)
{
	record_free(&g->first);
	if (g->last != &g->first) {
		record_free(g->last);
		free(g->last);
	}
	free(g);
}

void groups_remove(struct group_table *t, struct group *g)
{
	size_t mask = t->nslots - 1, i, j;

	for (i = g->hash & mask; t->slots[i].g != g; i = (i + 1) & mask)
		if (!t->slots[i].g)
			return; /* not in this table */
	/* Backward shift: each later slot of the run moves into the hole unless its home lies
	 * cyclically after the hole, so that no lookup meets a free slot before its group. */
	for (j = (i + 1) & mask; t->slots[j].g; j = (j + 1) & mask) {
		size_t home = t->slots[j].hash & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i] = (struct group_slot){ 0, NULL };
	age_unlink(t, g);
	group_free(g);
	t->count--;
}

static int by_count(const void *a, const void *b)
{
	const struct group *x = *(struct group *const *)a, *y = *(struct group *const *)b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->first.ts_ns < y->first.ts_ns ? -1 : x->first.ts_ns > y->first.ts_ns;
}

struct group **groups_sorted(const struct group_table *t)
{
	struct group **all = malloc((t->count + 1) * sizeof(*all));
	size_t n = 0;

	if (!all)
		return NULL;
	for (struct group *g = t->oldest; g; g = g->newer)
		all[n++] = g;
	qsort(all, n, sizeof(*all), by_count);
	all[n] = NULL;
	return all;
}

void groups_free(struct group_table *t)
{
	for (struct group *g = t->oldest, *newer; g; g = newer) {
		newer = g->newer;
		group_free(g);
	}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
