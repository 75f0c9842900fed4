/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Under `run`, the events of processes outside the traced tree are kept only when they explain
 * something that happened inside it: a removal or rename of a path (or an ancestor) that a traced
 * call then failed to find, or the fsopen/fsconfig steps before a daemon's failing mount. This is
 * the window of recent out-of-scope events that such a failure is checked against.
 */
#ifndef FSTRACE_EXPLAIN_H
#define FSTRACE_EXPLAIN_H

#include <stdbool.h>
#include "recording/record.h"

typedef void (*keep_fn)(const struct record *r, void *ctx);

struct explain_window;

struct explain_window *explain_new(keep_fn keep, void *ctx);
void explain_free(struct explain_window *w);
/* An out-of-scope event: kept at once when it explains a recent failure, else remembered. */
void explain_outsider(struct explain_window *w, const struct record *r);
/* An in-scope event (already kept by the caller): releases the outsiders that explain it. */
void explain_insider(struct explain_window *w, const struct record *r);
/* Whether a vanished-path failure since since_ns (boot clock) still has no removal explaining it. */
bool explain_awaiting(const struct explain_window *w, uint64_t since_ns);

#endif
