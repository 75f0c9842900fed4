/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Collect: the repeats the kernel counted instead of sending (bpf/repeats.bpf.h), turned back
 * into records. Each key's first failure arrived as an event naming the key; its repeats become
 * one more record, a copy of that event carrying `count`, `ts_ns` the first repeat and `last_ns`
 * the last. The kernel fills one generation's map while the collector reads the other, so every
 * repeat is counted exactly once: in a record, or (when the event it would copy was lost with a
 * full ring buffer) as lost.
 */
#ifndef FSTRACE_REPEATS_H
#define FSTRACE_REPEATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fstrace.h"

struct repeats;

/* The kernel side: the two generations' maps and the programs' generation variable. */
struct repeat_maps {
	int fd[2];
	volatile uint32_t *gen;
	volatile uint64_t *path_keys; /* [2]: path keys the programs opened per generation */
};

/* Hands over one key's repeats: the event that opened the key and what was counted under it. */
typedef void (*repeats_emit_fn)(const struct fst_event *e, size_t size, const struct fst_repeat_val *v, void *ctx);

struct repeats *repeats_new(const struct repeat_maps *maps);
/* An event from the ring buffer: kept when it opened a key (e->repeat_key), for its repeats. */
void repeats_note(struct repeats *r, const struct fst_event *e, size_t size);
/* Keys opened in the generation the programs fill now: when none, a flip has nothing to read. */
bool repeats_pending(const struct repeats *r);
/*
 * Points the programs at the other generation and waits until none still uses the old one.
 * Returns the old generation, for repeats_harvest once the ring buffer is drained (the events
 * that opened its keys are in it). final: the programs are detached; nothing is flipped.
 */
unsigned repeats_flip(struct repeats *r, bool final);
/* Reads and empties generation gen's map, calling emit for each key that was repeated. */
void repeats_harvest(struct repeats *r, unsigned gen, repeats_emit_fn emit, void *ctx);
/* Repeats that could not be made records (their key's event was lost): lost calls. */
uint64_t repeats_lost(const struct repeats *r);
void repeats_free(struct repeats *r);

#endif
