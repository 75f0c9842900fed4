// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fstrace bead [--prefix P] [--parent ID] [--dry-run] [--force] FILE: the recording's report filed
 * as a bead ticket with `bd create` (bead.c), the same ticket `report --format bead` prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bead/bead.h"
#include "cli/commands.h"
#include "report/report.h"
#include "lib/util.h"

int cmd_bead(const struct options *o)
{
	struct bead_target bt = {
		.prefix = o->bead_prefix, .parent = o->bead_parent, .dry_run = o->dry_run, .force = o->force
	};
	uint64_t cut_after; /* the ticket's own text says the recording was cut short */
	struct report *rep = report_load(o->recording, &cut_after);
	char *jsonl = NULL, *path = NULL;
	size_t len = 0;
	FILE *m;
	int status = EXIT_FAILURE_FSTRACE;

	if (!rep)
		return EXIT_FAILURE_FSTRACE;
	if (!(m = open_memstream(&jsonl, &len))) {
		say("out of memory");
		goto out;
	}
	if (report_write(rep, m, REPORT_BEAD) | fclose(m)) {
		say("cannot build the ticket: %s", strerror(errno));
		goto out;
	}
	/* Beside the recording, where whoever looks for it will look. */
	if (asprintf(&path, "%s.bead.jsonl", o->recording) < 0) {
		path = NULL;
		say("out of memory");
		goto out;
	}
	bt.jsonl_path = path;
	switch (bead_file(jsonl, len, &bt)) {
	case BEAD_NOTHING: /* bead_file said so */
	case BEAD_FILED:
		status = 0;
		break;
	case BEAD_SAVED: /* not filed: the caller (a script, CI) must see that */
	case BEAD_ERROR:
		break;
	}
out:
	free(path);
	free(jsonl);
	report_free(rep);
	return status;
}
