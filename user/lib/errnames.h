/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* errno numbers as the names people search for ("ENOENT"), both ways. */
#ifndef FSTRACE_ERRNAMES_H
#define FSTRACE_ERRNAMES_H

/* "ENOENT"; an errno without a name becomes "E<n>" (per-thread buffer, valid until the next call). */
const char *errno_name(int err);
/* The reverse, also accepting "E<n>" and the aliases EWOULDBLOCK/ENOTSUP/EDEADLOCK; -1 if unknown. */
int errno_from_name(const char *name);

#endif
