/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Filing the report as a bead ticket with beads' `bd` CLI. The ticket is the JSON line that
 * `report --format bead` prints (report_bead.c); `bd create`'s arguments are read back from that
 * line, so what `bd import` would get and what `bd create` gets cannot drift apart. Used by
 * `fstrace bead FILE` (bead_cmd.c) and by `fstrace run --bead` on its in-memory report.
 */
#ifndef FSTRACE_BEAD_H
#define FSTRACE_BEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "cli/options.h"

struct bead_target {
	const char *prefix;     /* bd create --prefix P: file it in the rig with that prefix */
	const char *parent;     /* --deps discovered-from:ID */
	bool dry_run;           /* print bd's argv and the body instead of running it */
	bool force;             /* replace an existing JSONL file */
	bool announce;          /* run: the new id in a line on stderr; stdout is the command's */
	const char *jsonl_path; /* where the tickets go if bd is missing or fails; NULL:
				 * ./fstrace-<ref>.bead.jsonl */
};

enum bead_result {
	BEAD_FILED,   /* bd created it (its id printed), or --dry-run printed it */
	BEAD_NOTHING, /* no findings: nothing to file */
	BEAD_SAVED,   /* bd is not on PATH: the JSONL was written instead (one line said so) */
	BEAD_ERROR,   /* said why; the JSONL was written if it could be */
};

/* Files each ticket of jsonl (render_bead's lines) that rests on at least one finding. */
enum bead_result bead_file(const char *jsonl, size_t len, const struct bead_target *t);

/* bead_run.c. Whether execvp would find bd (searched first, so that a missing bd is known before
 * anything runs). */
bool bd_on_path(void);
/* Runs argv (argv[0] "bd") with body on its stdin; its stdout in *out (free it), its stderr passed
 * through. The exit status as a shell reports it, or -1. */
int bd_run(const char **argv, const char *body, char **out);
/* The new issue's id in what `bd create` printed, or false. */
bool bd_created_id(const char *out, char *id, size_t idlen);

/* run --bead: the ticket is rendered into memory beside the report, then filed. */
struct bead_capture {
	FILE *f;
	char *buf;
	size_t len;
};

/* The stream session_finish writes the REPORT_BEAD output to; NULL after saying why. */
FILE *bead_capture_start(struct bead_capture *c);
/* Files it when something was found (the JSONL beside --record's file if bd is missing). */
void bead_capture_file(struct bead_capture *c, const struct options *o);

#endif
