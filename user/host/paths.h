/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Path text helpers: the kernel's leaf-first directories, joining, and ancestry. */
#ifndef FSTRACE_PATHS_H
#define FSTRACE_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* "c/b/a" (leaf first, from the kernel) -> "/a/b/c"; "" -> "/"; a walk cut short -> ".../b/c".
 * Returns NULL for an unresolved directory ("?") or on allocation failure. */
char *dir_from_kernel(const char *leaf_first);
/* dir + "/" + rel, with "." and ".." folded lexically (the kernel already resolved dir itself). */
char *path_join(const char *dir, const char *rel);
/* Folds "//", "/./" and "/../" in place; keeps a leading "/". */
void path_normalize(char *path);
/* Cuts dir (in place) to the longest directory it shares with path: the common ancestor. */
void path_common(char *dir, const char *path);
/* True when ancestor is path itself or one of its parent directories. */
bool path_is_within(const char *path, const char *ancestor);
/* Whether a path a tool printed names PATH: equal, or relative and PATH ends with it. */
bool path_named_by(const char *printed, const char *path);
/* A file a libc, a loader or a shell looks for on every start and rarely finds. */
bool path_is_system_noise(const char *path);

#endif
