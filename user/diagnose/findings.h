/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Findings: what the events amount to. Each has a class, a cause, the events it rests on and a
 * remedy. Built from an analysis when a report is written; they borrow its records. The driver
 * (findings.c) walks the table of finders (finders.h) in order, then weighs and sorts.
 *
 *   overlay_mount   a failing overlay mount, and why (find_overlay.c)
 *   enoent_race     a path another process removed or renamed away just before (find_race.c)
 *   fs_corruption   ext4 errors on a device, and the failures on it (find_corruption.c)
 *   read_only       a write refused EROFS, and why the filesystem was read-only (find_readonly.c)
 *   no_space        a create refused ENOSPC or EDQUOT, and what ran out (find_nospace.c)
 *   io_error        I/O errors the kernel logged or calls failed EIO: data may be lost, even
 *                   when the command exited 0 (find_ioerror.c)
 *   missing_path    a path that simply was not there (find_missing.c)
 *   permission      EACCES/EPERM: a mode, a noexec mount, an immutable inode (find_permission.c)
 *   limit           open files, name length, symlink loops, argument size (find_limits.c)
 *   cross_device, busy, stale, unknown: the other failures that made a command fail (find_other.c)
 */
#ifndef FSTRACE_FINDINGS_H
#define FSTRACE_FINDINGS_H

#include "diagnose/finding.h"

int findings_build(const struct analysis *a, struct findings *f);
void findings_free(struct findings *f);

#endif
