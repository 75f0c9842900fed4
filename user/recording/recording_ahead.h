/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Reading ahead on a second thread: a large recording's decompression and parsing run beside
 * the analysis of the events already read, in batches. The producer is any "next record"
 * function; the consumer sees the same records in the same order, one call at a time.
 */
#ifndef FSTRACE_RECORDING_AHEAD_H
#define FSTRACE_RECORDING_AHEAD_H

#include "recording/record.h"

/* Like recording_next: 1 with a record (its strings borrowed until the next call), 0 at the
 * end, -1 on damage. Called only from the read-ahead thread once it has started. */
typedef int read_fn(void *src, struct record *out);

struct read_ahead;

/* Starts the thread reading src with next; NULL when it cannot (read on without it). */
struct read_ahead *read_ahead_start(read_fn *next, void *src);
/* The next record, as next gave it; the last call returns next's 0 or -1. Once it has, src is
 * the caller's again (the thread is done with it). */
int read_ahead_next(struct read_ahead *ra, struct record *out);
/* Stops the thread (also before the end) and frees everything. */
void read_ahead_stop(struct read_ahead *ra);

#endif
