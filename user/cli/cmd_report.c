// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fstrace report FILE: the recording fed through the same report as a live run. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli/commands.h"
#include "report/report.h"
#include "lib/util.h"

int cmd_report(const struct options *o)
{
	uint64_t cut_after;
	struct report *rep = report_load(o->recording, &cut_after);
	int status = 0;

	if (!rep)
		return EXIT_FAILURE_FSTRACE;
	if (report_write(rep, stdout, o->format))
		status = EXIT_FAILURE_FSTRACE;
	else if (o->format == REPORT_BEAD && !report_nfindings(rep))
		say("no finding: no bead ticket");
	/* What was read is worth its report (a recorder killed mid-way), but a script must not take
	 * it for the whole story: one line, and a non-zero exit. */
	if (cut_after != UINT64_MAX) {
		fflush(stdout);
		say("%s: cut short after %llu events (no trailer: the recorder was killed, or is still "
		    "writing); the report covers only those",
		    o->recording, (unsigned long long)cut_after);
		status = EXIT_FAILURE_FSTRACE;
	}
	report_free(rep);
	return status;
}
