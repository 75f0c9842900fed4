/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Events grouped by a key (e.g. syscall + errno + path): a count and the first event of each.
 * The count is of calls: a record of repeats folded in the kernel counts as its count. */
#ifndef FSTRACE_GROUPS_H
#define FSTRACE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "recording/record.h"

struct group {
	uint64_t hash;               /* of key: no rehash to move or remove it */
	char *key;                   /* in the group's own allocation, as are first's strings at first */
	struct group *older, *newer; /* by latest event: the table's oldest first */
	uint64_t count;
	uint64_t not_before_ns; /* removals: last's call cannot have started before this (0: unknown) */
	struct record first;
	/* The latest event: first itself while the group has one (a storm of distinct failures
	 * makes 32768 such groups, 232 bytes each saved), then a record of its own. */
	struct record *last;
};

/* Open addressing, each slot holding its group's hash: a lookup in a table of 10^5 groups
 * compares hashes in one array and touches a group (a cache miss each) only on a match. */
struct group_slot {
	uint64_t hash;
	struct group *g; /* NULL: free */
};

struct group_table {
	struct group_slot *slots;
	size_t nslots, count;          /* nslots: a power of two, at least twice count */
	struct group *oldest, *newest; /* the group whose latest event is oldest, and newest: walk
					* from oldest along ->newer to visit every group */
};

/* Counts r under key; NULL only when memory runs out. */
struct group *groups_add(struct group_table *t, const char *key, const struct record *r);
/* The group counted under key, or NULL. */
struct group *groups_find(const struct group_table *t, const char *key);
/* Takes g out of the table and frees it. */
void groups_remove(struct group_table *t, struct group *g);
/* The groups, most frequent first (ties: earliest first); free() the array, not the groups. */
struct group **groups_sorted(const struct group_table *t);
void groups_free(struct group_table *t);

#endif
