/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * When a removal or rename can explain a failing call: one home for the rule, used where the
 * collector decides which outsiders' removals to keep (explain.c), where the analysis matches
 * them as events arrive (analysis.c) and where findings are drawn (find_race.c).
 */
#ifndef FSTRACE_RACE_RULES_H
#define FSTRACE_RACE_RULES_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* Older than this, a removal is history rather than a race. */
#define RACE_LOOKBACK_NS 30000000000ull
/* Both sides are stamped at syscall exit: a deleter's rmdir can return just after its victim's
 * failing call although the directory was gone before it. */
#define RACE_TRAIL_NS 200000000ull

/* The errors a path that vanished produces: gone, a parent gone (or replaced by a file), an NFS
 * handle gone stale, and rmdir's "not empty" when another process refills it meanwhile. */
static inline bool race_errno(int err)
{
	return err == ENOENT || err == ENOTDIR || err == ESTALE || err == ENOTEMPTY;
}

/*
 * Whether a removal that returned at REMOVED_NS, whose call cannot have started before
 * NOT_BEFORE_NS (its thread's previous event, or its process's start; 0 when unknown), can
 * have made a call that failed at FAILED_NS fail: the removal's call must have started before
 * the failure, and not be so old as to be history.
 */
static inline bool race_possible(uint64_t removed_ns, uint64_t not_before_ns, uint64_t failed_ns)
{
	return removed_ns <= failed_ns + RACE_TRAIL_NS && removed_ns + RACE_LOOKBACK_NS >= failed_ns &&
	       not_before_ns < failed_ns;
}

#endif
