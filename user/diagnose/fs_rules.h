/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The filesystem rules more than one file applies, each in one place:
 *   - when a removal or rename can explain a failing call: where the collector decides which
 *     outsiders' removals to keep (collect/explain.c), where the analysis matches them as events
 *     arrive (analysis.c) and where findings are drawn (find_race.c);
 *   - which errnos point at the filesystem itself rather than at the path: where the collector
 *     describes the device of a failure (collect/context.c) and where corruption is found
 *     (find_corruption.c).
 */
#ifndef FSTRACE_FS_RULES_H
#define FSTRACE_FS_RULES_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* Older than this, a removal is history rather than a race. */
#define RACE_LOOKBACK_NS 30000000000ull
/* Both sides are stamped at syscall exit: a deleter's rmdir can return just after the call it
 * made fail, although the directory was gone before that call. */
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

/* The filesystem's damage: ext4's "structure needs cleaning", failed I/O, a bad checksum, an
 * NFS handle gone stale. */
static inline bool fs_damage_errno(int err)
{
	return err == EUCLEAN || err == EIO || err == EBADMSG || err == ESTALE;
}

/* Errors that point at the filesystem rather than at the path: its damage, its being read-only,
 * its being full (the report names the device that ran out). */
static inline bool fs_errno(int err)
{
	return fs_damage_errno(err) || err == EROFS || err == ENOSPC || err == EDQUOT;
}

#endif
