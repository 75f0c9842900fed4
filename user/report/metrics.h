/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * `record --dir ... --metrics FILE`: the recorder's counters in Prometheus' text format, for
 * node_exporter's textfile collector (docs/node-mode.md#metrics). Written whole to a temporary
 * file in FILE's directory and renamed over FILE, so a scrape never reads half of it.
 */
#ifndef FSTRACE_METRICS_H
#define FSTRACE_METRICS_H

#include <stdint.h>
#include <stdio.h>
#include "report/live.h"
#include "recording/record.h"
#include "recording/recording.h"

#define METRICS_EVERY_NS 15000000000ull
#define METRICS_ERRNOS 256 /* errno numbers counted one by one; above, under their own number too */

struct metrics_values {
	const uint64_t *events_by_type; /* REC_TYPES, indexed by enum rec_type */
	const uint64_t *lost_by_type;   /* lost_types, indexed likewise */
	int lost_types;
	const uint64_t *failing_by_errno; /* METRICS_ERRNOS: calls, repeats included */
	const struct live_tally *tally;   /* findings established, by class, cause and severity */
	size_t ntally;
	uint64_t withdrawn;
	const struct recording_attach *attach;
	size_t nattach;
	double started_unix, last_report_unix; /* 0: no report yet */
	double cpu_seconds;                    /* the recorder's, user and system */
	uint64_t diagnoses;                    /* live diagnoses of the window */
	double diagnosis_seconds;              /* their CPU time */
};

/* The text exposition of v. 0, or -1 when writing failed. */
int metrics_render(FILE *out, const struct metrics_values *v);
/* Whether path's directory exists and is writable: 0, or -1 after saying why (before attaching,
 * rather than at the first write). */
int metrics_dir_usable(const char *path);
/* Renders v into a temporary file beside path, then renames it to path. 0, or -1 (errno set). */
int metrics_write(const char *path, const struct metrics_values *v);

#endif
