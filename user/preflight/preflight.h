/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `fstrace check`: a preflight that predicts the seed failures before any build runs, from the
 * machine's state alone (no BPF, no recording): a container data root on overlayfs (the next
 * overlay mount there fails: a nested overlay), an ext4 that has logged errors or sits in
 * emergency_ro while its mount still says rw, a filesystem near the end of its inodes or space, a
 * Longhorn volume with one replica (--kube), and the kernel features fstrace itself needs.
 *
 * The rules (preflight/preflight_rules.c) read the machine through struct preflight_host, so the unit tests
 * give them a fake mountinfo, sysfs and statvfs. Data roots: preflight_roots.c; kernel features:
 * preflight_kernel.c; text, JSON ("fstrace.check/1", docs/check.md) and Markdown:
 * preflight_render.c; the command: cli/cmd_check.c.
 */
#ifndef FSTRACE_PREFLIGHT_H
#define FSTRACE_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include "host/devices.h"
#include "diagnose/findings.h"
#include "host/mountinfo.h"
#include "report/report.h"

/* Where the rules read the machine; preflight_host_default() is the real one. */
struct preflight_host {
	struct device_roots roots; /* /sys, /dev, /proc/self/mountinfo */
	int (*statvfs)(const char *path, struct statvfs *st);
	const char *btf;      /* "/sys/kernel/btf/vmlinux" */
	const char *tracefs;  /* "/sys/kernel/tracing" */
	const char *lockdown; /* "/sys/kernel/security/lockdown" */
	const char *release;  /* the kernel release (uname -r) */
	bool root;            /* euid 0: what is not visible without it is said so */
};

struct preflight_options {
	char **paths; /* PATH...: these as data roots, and only their filesystems */
	size_t npaths;
	const char *docker_config; /* daemon.json (default /etc/docker/daemon.json) */
	bool docker_config_given;  /* --docker-config: unreadable is an error, not a note */
	double max_used;           /* --max-used PCT: space or inodes used at or above it (default 90) */
	uint64_t min_free_inodes;  /* --min-free-inodes N: fewer free inodes than this (default 1000) */
	bool kube;                 /* --kube: read Longhorn volumes with kubectl */
};

/* One thing found. Strings owned, class/cause/remedy static. */
struct preflight_item {
	enum severity severity;
	const char *class, *cause; /* the report's classes where the failure it predicts has one */
	char *title;
	char *path; /* the data root, or the mountpoint */
	char *mountpoint, *fstype, *source, *device;
	char **details; /* the mount stack, the numbers */
	size_t ndetails;
	const char *remedy;
};

struct preflight_root {    /* a container data root looked at */
	char *path, *from; /* from: "argument", "default", "daemon.json FILE" */
	bool exists;
	char *mountpoint, *fstype; /* the mount it lies on */
};

struct preflight_fs { /* a filesystem looked at, once per device */
	char *mountpoint, *fstype, *source, *device;
	bool has_stats;                   /* statvfs answered */
	double used_pct, inodes_used_pct; /* -1: not applicable (no blocks, no inode count) */
	uint64_t free_inodes;
	int64_t ext4_errors; /* -1: not ext4 */
};

struct preflight_feature { /* a kernel feature fstrace needs */
	const char *name;
	bool ok, known; /* known false: could not be read (then detail says why) */
	char *detail;
};

struct preflight {
	struct preflight_item *items;
	size_t n;
	struct preflight_root *roots;
	size_t nroots;
	struct preflight_fs *fs;
	size_t nfs;
	struct preflight_feature *features;
	size_t nfeatures;
	char **notes; /* what could not be seen, and why */
	size_t nnotes;
	char *hostname, *kernel;
	bool root;
	double max_used;
	uint64_t min_free_inodes;
};

extern const struct preflight_host preflight_host_default;

/* The whole preflight; 0, or -1 with one line said (a PATH that does not exist, a --docker-config
 * that cannot be read, no mountinfo). */
int preflight_run(struct preflight *p, const struct preflight_options *o, const struct preflight_host *h);
void preflight_free(struct preflight *p);

/* preflight_roots.c: the data roots to look at (PATHs, or the defaults and daemon.json's). */
int preflight_roots(struct preflight *p, const struct preflight_options *o);
/* preflight_rules.c */
int preflight_check_roots(struct preflight *p, const struct mount_table *t);
int preflight_check_filesystems(struct preflight *p, const struct preflight_options *o,
				const struct preflight_host *h, const struct mount_table *t);
/* preflight_kernel.c */
void preflight_check_kernel(struct preflight *p, const struct preflight_host *h);

/* Adding to the report (preflight.c's helpers): an item, a detail line, a note. */
struct preflight_item *preflight_add(struct preflight *p, enum severity sev, const char *class, const char *cause,
				     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void preflight_detail(struct preflight_item *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void preflight_note(struct preflight *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Most severe first, then in the order found. */
void preflight_sort(struct preflight *p);

/* preflight_render.c: REPORT_TEXT, REPORT_JSON or REPORT_MD. 0, or -1 when writing failed. */
int preflight_write(const struct preflight *p, FILE *out, enum report_format fmt);

#endif
