// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* A recording read whole into a report: for `report`, `bead` and node mode's orphans (report.h). */
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "recording/recording.h"
#include "report/report.h"
#include "lib/util.h"

/* Something the file does not reconcile, said in the report as a note. */
static void reconcile_note(struct report *rep, const char *fmt, ...)
{
	struct record note;
	va_list ap;

	record_init(&note);
	note.type = REC_NOTE;
	va_start(ap, fmt);
	if (vasprintf(&note.msg, fmt, ap) < 0)
		note.msg = NULL;
	va_end(ap);
	if (note.msg)
		report_add(rep, &note);
	record_free(&note);
}

/* Events are stamped on many CPUs and queued in one ring: a few microseconds out of order is
 * normal, a second is not (files joined, or edited). */
#define DISORDER_NS 1000000000ull

struct report *report_load(const char *path, uint64_t *cut_after)
{
	uint64_t latest = 0, disordered = 0;
	struct recording_header h = {};
	struct recording_reader *rd;
	uint64_t events = 0, lost = 0, read_count = 0;
	int exit_code = -1, ret;
	struct report *rep;
	struct record r;
	char err[512];

	*cut_after = UINT64_MAX;
	rd = recording_open(path, &h, err, sizeof(err));
	if (!rd) {
		say("%s", err);
		return NULL;
	}
	rep = report_new(&h);
	if (!rep) {
		say("out of memory");
		recording_close_reader(rd);
		recording_header_free(&h);
		return NULL;
	}
	while ((ret = recording_next(rd, &r)) == 1) {
		/* A record the kernel folded repeats into is written after its last repeat, and
		 * stamped with its first: it is in order by its last. */
		uint64_t written_ns = r.last_ns > r.ts_ns ? r.last_ns : r.ts_ns;

		if (written_ns + DISORDER_NS < latest)
			disordered++;
		else if (written_ns > latest)
			latest = written_ns;
		report_add(rep, &r);
		record_free(&r);
		read_count++;
	}
	if (ret < 0) {
		/* Nothing past the damage is trusted: say where, print no half report. */
		say("%s: %s", path, recording_error(rd));
		report_free(rep);
		rep = NULL;
	} else {
		bool whole = recording_trailer(rd, &events, &lost, &exit_code);

		if (whole && events != read_count)
			reconcile_note(
				rep,
				"the trailer counts %llu events, the file holds %llu: they disagree (a file "
				"edited, cut or joined); the report covers the %llu read",
				(unsigned long long)events, (unsigned long long)read_count,
				(unsigned long long)read_count);
		if (disordered)
			reconcile_note(rep,
				       "%llu events are more than a second older than one read before them "
				       "(files joined, or edited): races and exits are matched in the order read",
				       (unsigned long long)disordered);
		report_end(rep, whole ? events : read_count, lost, exit_code, recording_trailer_ended(rd),
			   recording_truncated(rd));
		if (recording_truncated(rd))
			*cut_after = read_count;
	}
	recording_close_reader(rd);
	recording_header_free(&h);
	return rep;
}
