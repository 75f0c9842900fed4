/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The removals the kernel held that no failure asked for (bpf/held.bpf.h): read back when a
 * generation is emptied, and summed up as one record per process and kind (a REC_REMOVE or
 * REC_RENAME with summary set: how many, when, under which directory), so a report can still
 * say who was removing what, and never claims that nothing removed a path it cannot vouch for.
 */
#ifndef FSTRACE_HELD_H
#define FSTRACE_HELD_H

#include <stdbool.h>
#include <stdint.h>
#include "fstrace.h"
#include "recording/record.h"

/* The kernel side: the two generations' maps (fd -1: removals are not held), the programs'
 * generation and their entry counts. */
struct held_maps {
	int fd[2];
	volatile uint32_t *gen;
	volatile int64_t *count; /* [2] */
};

/* Hands over one summary (or a removal alone in its group, as itself). */
typedef void (*held_emit_fn)(struct record *r, void *ctx);

/* NULL when removals are not held (or out of memory: then the kernel's tables fill and every
 * removal goes out one by one, as without them). */
struct held *held_new(const struct held_maps *maps);
/*
 * About once a second: empties a generation whose removals are all older than the look-back of
 * a race (RACE_LOOKBACK_NS), or sooner when the live one is half full, and flips the programs to
 * an emptied one every look-back. final: the programs are detached; both are emptied.
 */
void held_tick(struct held *h, bool final, held_emit_fn emit, void *ctx);
void held_free(struct held *h);

#endif
