// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Read-ahead: the thread calls next() and packs each record into a batch (its strings copied into
 * the batch's pool, its context object moved); the caller takes batches in order. Three batches
 * circulate, so the thread runs at most two ahead: memory stays bounded whatever the file's size.
 * The lock is taken once per batch, never per record.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "recording/recording_ahead.h"

#define BATCH_RECORDS 2048
#define BATCH_POOL (256 * 1024) /* strings of a batch; a record larger than this gets its own */
#define NBATCHES 3

struct batch {
	struct record rec[BATCH_RECORDS];
	size_t n, taken;
	char *pool;
	size_t used, cap;
	int end; /* 1: more batches follow; else next()'s last result, after rec[] */
};

struct read_ahead {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	read_fn *next;
	void *src;
	struct batch b[NBATCHES];
	unsigned long filled, consumed; /* batches posted by the thread, given back by the caller */
	struct batch *cur;              /* the caller's, between filled and consumed */
	bool stop;
};

/* r into b if its strings fit (an empty batch grows to fit them): true, or false (b is full). */
static bool batch_put(struct batch *b, struct record *r)
{
	size_t need = record_strings_size(r);

	if (need > b->cap - b->used) {
		char *grown;

		if (b->n || !(grown = realloc(b->pool, need))) /* no pointer into an empty pool */
			return false;
		b->pool = grown;
		b->cap = need;
	}
	b->rec[b->n] = *r; /* the context object moves with it */
	record_pack_strings(&b->rec[b->n++], b->pool + b->used);
	b->used += need;
	record_init(r);
	return true;
}

static bool stopping(struct read_ahead *ra)
{
	return __atomic_load_n(&ra->stop, __ATOMIC_RELAXED);
}

static void *read_thread(void *arg)
{
	struct read_ahead *ra = arg;
	struct record pending;
	bool have_pending = false;
	int rc = 1;

	while (rc == 1) {
		struct batch *b;

		pthread_mutex_lock(&ra->lock);
		while (!stopping(ra) && ra->filled - ra->consumed >= NBATCHES)
			pthread_cond_wait(&ra->changed, &ra->lock);
		b = stopping(ra) ? NULL : &ra->b[ra->filled % NBATCHES];
		pthread_mutex_unlock(&ra->lock);
		if (!b)
			break;
		b->n = b->taken = b->used = 0;
		b->end = 1;
		if (have_pending && batch_put(b, &pending))
			have_pending = false;
		while (!have_pending && b->n < BATCH_RECORDS && !stopping(ra)) {
			if ((rc = ra->next(ra->src, &pending)) != 1) {
				b->end = rc;
				break;
			}
			/* pending's strings stay valid: next() is not called again before they are packed. */
			have_pending = !batch_put(b, &pending);
		}
		if (have_pending && !b->n) { /* too large even alone: out of memory */
			record_free(&pending);
			have_pending = false;
			b->end = rc = -1;
		}
		pthread_mutex_lock(&ra->lock);
		ra->filled++;
		pthread_cond_broadcast(&ra->changed);
		pthread_mutex_unlock(&ra->lock);
	}
	if (have_pending)
		record_free(&pending);
	return NULL;
}

struct read_ahead *read_ahead_start(read_fn *next, void *src)
{
	struct read_ahead *ra = calloc(1, sizeof(*ra));

	if (!ra)
		return NULL;
	ra->next = next;
	ra->src = src;
	for (int i = 0; i < NBATCHES; i++) {
		if (!(ra->b[i].pool = malloc(BATCH_POOL)))
			goto fail;
		ra->b[i].cap = BATCH_POOL;
	}
	if (pthread_mutex_init(&ra->lock, NULL))
		goto fail;
	if (pthread_cond_init(&ra->changed, NULL)) {
		pthread_mutex_destroy(&ra->lock);
		goto fail;
	}
	if (pthread_create(&ra->thread, NULL, read_thread, ra)) {
		pthread_cond_destroy(&ra->changed);
		pthread_mutex_destroy(&ra->lock);
		goto fail;
	}
	return ra;
fail:
	for (int i = 0; i < NBATCHES; i++)
		free(ra->b[i].pool);
	free(ra);
	return NULL;
}

int read_ahead_next(struct read_ahead *ra, struct record *out)
{
	for (;;) {
		struct batch *b = ra->cur;

		if (b && b->taken < b->n) {
			struct record *r = &b->rec[b->taken++];

			*out = *r; /* the caller frees the context object; the strings stay in the pool */
			r->device = NULL;
			r->cgroup = NULL;
			r->pod = NULL;
			return 1;
		}
		if (b && b->end != 1) {
			record_init(out);
			return b->end;
		}
		pthread_mutex_lock(&ra->lock);
		if (b) { /* its records handed out: the thread may refill it */
			ra->consumed++;
			pthread_cond_broadcast(&ra->changed);
		}
		while (ra->filled == ra->consumed)
			pthread_cond_wait(&ra->changed, &ra->lock);
		ra->cur = &ra->b[ra->consumed % NBATCHES];
		pthread_mutex_unlock(&ra->lock);
	}
}

void read_ahead_stop(struct read_ahead *ra)
{
	if (!ra)
		return;
	pthread_mutex_lock(&ra->lock);
	__atomic_store_n(&ra->stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&ra->changed);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	/* Records posted but not handed out still own their context objects. */
	for (unsigned long k = ra->consumed; k < ra->filled; k++) {
		struct batch *b = &ra->b[k % NBATCHES];

		for (size_t i = b->taken; i < b->n; i++)
			record_free(&b->rec[i]);
	}
	for (int i = 0; i < NBATCHES; i++)
		free(ra->b[i].pool);
	pthread_cond_destroy(&ra->changed);
	pthread_mutex_destroy(&ra->lock);
	free(ra);
}
