// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "collect/repeats.h"

/* Twice the kernel's keys per generation: the table stays half empty, probes stay short. */
#define TABLE_SLOTS (2 * FST_REPEAT_SLOTS)
#define BATCH 256

struct slot {
	struct fst_repeat_key key;
	void *event; /* a copy of the event that opened the key; NULL = free */
	size_t size;
};

struct repeats {
	struct repeat_maps maps;
	struct slot *table[2]; /* by generation: the events that opened its keys */
	size_t used[2];
	int barrier_inner, barrier_outer; /* a map-in-map, updated only to wait for the programs */
	uint64_t lost;
};

static size_t slot_of(const struct fst_repeat_key *k)
{
	uint64_t h = k->hash ^ ((uint64_t)k->tgid << 32 | k->nr) * 0x9e3779b97f4a7c15ull ^ (uint32_t)k->err;

	return (h ^ h >> 31) % TABLE_SLOTS;
}

static struct slot *find(struct slot *t, const struct fst_repeat_key *k, bool for_insert)
{
	for (size_t i = slot_of(k), n = 0; n < TABLE_SLOTS; i = (i + 1) % TABLE_SLOTS, n++) {
		if (!t[i].event)
			return for_insert ? &t[i] : NULL;
		if (!memcmp(&t[i].key, k, sizeof(*k)))
			return &t[i];
	}
	return NULL;
}

static void clear(struct repeats *r, unsigned gen)
{
	struct slot *t = r->table[gen];

	for (size_t i = 0; r->used[gen] && i < TABLE_SLOTS; i++) {
		if (t[i].event) {
			free(t[i].event);
			t[i].event = NULL;
			r->used[gen]--;
		}
	}
}

struct repeats *repeats_new(const struct repeat_maps *maps)
{
	struct repeats *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->maps = *maps;
	r->barrier_inner = r->barrier_outer = -1;
	/* calloc'd, so untouched pages cost nothing: a run without repeats never touches them */
	r->table[0] = calloc(TABLE_SLOTS, sizeof(struct slot));
	r->table[1] = calloc(TABLE_SLOTS, sizeof(struct slot));
	if (!r->table[0] || !r->table[1]) {
		repeats_free(r);
		return NULL;
	}
	return r;
}

void repeats_note(struct repeats *r, const struct fst_event *e, size_t size)
{
	struct fst_repeat_key k = {
		.hash = e->repeat_key, .tgid = e->pid, .nr = e->syscall, .err = (int32_t)-e->ret
	};
	unsigned gen = e->repeat_key & 1;
	struct slot *s = find(r->table[gen], &k, true);
	void *copy;

	if (!s || !(copy = malloc(size)))
		return; /* its repeats will count as lost: said, not wrong */
	memcpy(copy, e, size);
	if (s->event)
		free(s->event);
	else
		r->used[gen]++;
	s->key = k;
	s->event = copy;
	s->size = size;
}

bool repeats_pending(const struct repeats *r)
{
	return r->used[*r->maps.gen & 1] > 0;
}

/*
 * Returns once no program still runs with the generation it read before: updating a map-in-map
 * waits for an RCU grace period (kernel/bpf/syscall.c, maybe_wait_bpf_programs, there since 4.x),
 * and a tracing program runs inside one. About 0.1 ms on the project's VM.
 */
static void wait_for_programs(struct repeats *r)
{
	uint32_t zero = 0;

	if (r->barrier_outer < 0) {
		r->barrier_inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "fst_barrier_in", 4, 4, 1, NULL);
		if (r->barrier_inner >= 0) {
			LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = r->barrier_inner);
			r->barrier_outer =
				bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "fst_barrier", 4, 4, 1, &opts);
		}
	}
	if (r->barrier_outer < 0 || bpf_map_update_elem(r->barrier_outer, &zero, &r->barrier_inner, BPF_ANY))
		usleep(20000); /* no map-in-map: a program runs for microseconds */
}

unsigned repeats_flip(struct repeats *r, bool final)
{
	unsigned old = *r->maps.gen & 1;

	if (!final)
		*r->maps.gen = old ^ 1;
	wait_for_programs(r);
	return old;
}

static void take(struct repeats *r, unsigned gen, const struct fst_repeat_key *k, const struct fst_repeat_val *v,
		 repeats_emit_fn emit, void *ctx)
{
	struct slot *s;

	if (!v->count)
		return;
	s = find(r->table[gen], k, false);
	if (s)
		emit(s->event, s->size, v, ctx);
	else
		r->lost += v->count;
}

/* Without batch operations (a kernel before 5.6): key by key. The map is idle, so exact. */
static void harvest_walk(struct repeats *r, unsigned gen, repeats_emit_fn emit, void *ctx)
{
	int fd = r->maps.fd[gen];
	struct fst_repeat_key k, next;
	struct fst_repeat_val v;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &k, &next)) {
		first = false;
		k = next;
		if (!bpf_map_lookup_elem(fd, &k, &v))
			take(r, gen, &k, &v, emit, ctx);
	}
	while (!bpf_map_get_next_key(fd, NULL, &k))
		if (bpf_map_delete_elem(fd, &k))
			break;
}

void repeats_harvest(struct repeats *r, unsigned gen, repeats_emit_fn emit, void *ctx)
{
	struct fst_repeat_key keys[BATCH];
	struct fst_repeat_val vals[BATCH];
	struct fst_repeat_key token; /* a hash map's batch position: any size up to a key's */
	int fd = r->maps.fd[gen & 1];
	bool first = true;

	gen &= 1;
	for (;;) {
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		__u32 n = BATCH;
		int err =
			bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token, keys, vals, &n, &opts);

		int why = err ? errno : 0;

		first = false;
		for (__u32 i = 0; i < n; i++)
			take(r, gen, &keys[i], &vals[i], emit, ctx);
		if (why && why != ENOENT) /* EINVAL: no batch operations here; the rest key by key */
			harvest_walk(r, gen, emit, ctx);
		if (err)
			break;
	}
	/* The map is empty and idle (its generation is not the programs'): room for new keys. */
	if (r->maps.path_keys)
		r->maps.path_keys[gen] = 0;
	clear(r, gen);
}

uint64_t repeats_lost(const struct repeats *r)
{
	return r ? r->lost : 0;
}

void repeats_free(struct repeats *r)
{
	if (!r)
		return;
	for (unsigned g = 0; g < 2; g++) {
		if (r->table[g])
			clear(r, g);
		free(r->table[g]);
	}
	if (r->barrier_outer >= 0)
		close(r->barrier_outer);
	if (r->barrier_inner >= 0)
		close(r->barrier_inner);
	free(r);
}
