/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* /proc/<pid>/mountinfo: which mount a path sits on, and where a device is mounted. */
#ifndef FSTRACE_MOUNTINFO_H
#define FSTRACE_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mount_entry {
	int id, parent_id;
	uint32_t major, minor; /* st_dev of files on this mount (overlay: an anonymous 0:N) */
	char *root;            /* the mount's root within its filesystem */
	char *mountpoint;      /* unescaped (\040 -> space) */
	char *options;         /* per-mount options: "rw,relatime" */
	char *fstype;          /* "ext4", "overlay" */
	char *source;          /* "/dev/loop0", "overlay" */
	char *super_options;   /* superblock options: overlay's "lowerdir=...,upperdir=..." */
	bool readonly;         /* "ro" in options */
};

struct mount_table {
	struct mount_entry *m;
	size_t n;
};

/* Parses a mountinfo file (e.g. "/proc/self/mountinfo"). 0, or -1 with errno. */
int mount_table_load(struct mount_table *t, const char *path);
void mount_table_free(struct mount_table *t);
/* The mount an absolute, normalised path lies on: the longest mountpoint prefix, the last mounted
 * of equals (it hides the others). NULL when the table is empty. */
const struct mount_entry *mount_table_find_path(const struct mount_table *t, const char *path);
/* The i-th (from 0) mount of a device, in table order; NULL past the last. */
const struct mount_entry *mount_table_find_dev(const struct mount_table *t, uint32_t major, uint32_t minor,
					       size_t i);
/* Whether opt is one of the comma-separated options in list ("rw,relatime", a superblock's
 * "ro,emergency_ro"); list may be NULL. */
bool mount_has_option(const char *list, const char *opt);

#endif
