// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "groups.h"

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

static void chain_push(struct group **head, struct group *g)
{
	g->next = *head;
	if (g->next)
		g->next->pprev = &g->next;
	g->pprev = head;
	*head = g;
}

static int grow(struct group_table *t)
{
	size_t n = t->nbuckets ? t->nbuckets * 2 : 256;
	struct group **b = calloc(n, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct group *g = t->buckets[i], *next; g; g = next) {
			next = g->next;
			chain_push(&b[g->hash % n], g);
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
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

	if (t->count >= t->nbuckets && grow(t))
		return NULL;
	for (g = t->buckets[h % t->nbuckets]; g; g = g->next) {
		if (g->hash == h && strcmp(g->key, key) == 0) {
			g->count += record_calls(r); /* a folded repeat stands for count calls */
			if (g->last_is_first) { /* its own strings from now on */
				g->last_is_first = false;
				if (record_copy(&g->last, r))
					record_init(&g->last);
			} else {
				record_assign(&g->last, r);
			}
			if (t->newest != g) {
				age_unlink(t, g);
				age_append(t, g);
			}
			return g;
		}
	}
	g = calloc(1, sizeof(*g));
	if (!g || !(g->key = strdup(key)) || record_copy(&g->first, r)) {
		if (g)
			free(g->key);
		free(g);
		return NULL;
	}
	/* Most groups are one event (a storm of distinct paths): last shares first's strings until a
	 * second event comes, saving a copy of each string, and freeing it. */
	g->last = g->first;
	g->last_is_first = true;
	g->count = record_calls(r);
	g->hash = h;
	chain_push(&t->buckets[h % t->nbuckets], g);
	age_append(t, g);
	t->count++;
	return g;
}

struct group *groups_find(const struct group_table *t, const char *key)
{
	uint64_t h;

	if (!t->nbuckets)
		return NULL;
	h = hash(key);
	for (struct group *g = t->buckets[h % t->nbuckets]; g; g = g->next)
		if (g->hash == h && strcmp(g->key, key) == 0)
			return g;
	return NULL;
}

void groups_remove(struct group_table *t, struct group *g)
{
	*g->pprev = g->next;
	if (g->next)
		g->next->pprev = g->pprev;
	age_unlink(t, g);
	free(g->key);
	record_free(&g->first);
	if (!g->last_is_first)
		record_free(&g->last);
	free(g);
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
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct group *g = t->buckets[i]; g; g = g->next)
			all[n++] = g;
	qsort(all, n, sizeof(*all), by_count);
	all[n] = NULL;
	return all;
}

void groups_free(struct group_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		for (struct group *g = t->buckets[i], *next; g; g = next) {
			next = g->next;
			free(g->key);
			record_free(&g->first);
			if (!g->last_is_first)
				record_free(&g->last);
			free(g);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}
