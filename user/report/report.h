/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Report: the findings of a run or a recording, as text (the default: a summary line per finding,
 * then each in turn), JSON (schema "fstrace.report/1", documented in docs/report-schema.md) or Markdown (a
 * ticket), or a bead (report_bead.c: a JSON line for beads' `bd import`, the Markdown ticket as
 * its description). Fed the same kept events live as from a file, so `fstrace report FILE` prints
 * what the live run printed.
 */
#ifndef FSTRACE_REPORT_H
#define FSTRACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "recording/record.h"
#include "recording/recording.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_MD, REPORT_BEAD };

/* 0 and *f set, or -1 for a name that is not a format. */
int report_format_parse(const char *name, enum report_format *f);

struct report;
struct analysis;

struct report *report_new(const struct recording_header *h);
void report_add(struct report *rep, const struct record *r);
/* The end of the run: counts from the trailer (or the live collector), the exit code (-1: none). */
void report_end(struct report *rep, uint64_t events, uint64_t lost, int exit_code, const char *ended,
		bool truncated);
/* Colour only when out is a terminal and NO_COLOR is unset. 0, or -1 when writing failed. */
int report_write(const struct report *rep, FILE *out, enum report_format fmt);
/* How many findings the report has (REPORT_BEAD writes nothing without one). */
size_t report_nfindings(const struct report *rep);
void report_free(struct report *rep);
/* What the report is drawn from (node mode's live findings diagnose it as it grows). */
const struct analysis *report_analysis(const struct report *rep);

/* A recording read whole into a report (report_load.c), as `report`, `bead` and node mode's
 * orphans need it; NULL after saying why (unreadable, or damaged: no half report). *cut_after:
 * the events read before a missing trailer (the recorder was killed, or is still writing), else
 * UINT64_MAX. */
struct report *report_load(const char *path, uint64_t *cut_after);

#endif
