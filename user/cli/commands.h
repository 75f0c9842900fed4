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
/* fstrace check: parses its own options (argv[0] is "check"); cmd_check.c. */
int cmd_check(int argc, char **argv);

#endif
