/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The subcommands; each returns the status fstrace exits with. */
#ifndef FSTRACE_COMMANDS_H
#define FSTRACE_COMMANDS_H

#include <stdint.h>
#include "cli/options.h"

int cmd_run(const struct options *o);
int cmd_record(const struct options *o);
int cmd_report(const struct options *o);
int cmd_bead(const struct options *o);

struct report;
/* A recording read whole into a report (report_cmd.c), as `report` and `bead` both need it;
 * NULL after saying why (unreadable, or damaged: no half report). *cut_after: the events read
 * before a missing trailer (the recorder was killed, or is still writing), else UINT64_MAX. */
struct report *report_load(const char *path, uint64_t *cut_after);

#endif
