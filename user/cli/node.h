/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Node mode (`fstrace record --dir DIR`): for weeks on a CI node. Recordings rotate by size and by
 * time (and on SIGHUP) as DIR/fstrace-<UTC time>.jsonl.gz, each with its findings report beside it
 * (.report.txt and .report.json, written at rotation and on exit); the oldest are removed past a
 * disk budget. After a crash or SIGKILL the last file stays readable, and the next start writes
 * the reports it never got.
 */
#ifndef FSTRACE_NODE_H
#define FSTRACE_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include "cli/session.h"

struct node_dir {
	const char *dir;
	uint64_t rotate_bytes;  /* 0: never by size */
	uint64_t rotate_ns;     /* 0: never by time */
	uint64_t budget_bytes;  /* recordings and reports together */
	char current[PATH_MAX]; /* the recording being written */
	uint64_t opened_ns;
	unsigned files; /* recordings begun by this run */
};

/* Creates DIR (0700) if needed, writes the reports an earlier run left unwritten, keeps the budget,
 * and names the first recording in n->current. 0, or -1 after saying why. */
int node_prepare(struct node_dir *n);
/* Whether the current recording is due for rotation (size or time). */
bool node_due(struct node_dir *n);
/* Rotates: the current file's reports, a new file, the budget. 0, or -1 after saying why. */
int node_rotate(struct node_dir *n, struct session *s);
/* At the end: the last file's reports, the budget. */
int node_finish(struct node_dir *n, struct session *s, int exit_code);

#endif
