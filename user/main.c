// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fstrace: capture (bpf/) -> collect (collect/) -> diagnose (diagnose/) -> report (report/); see user/README.md. */
#include <stdbool.h>
#include <string.h>
#include "cli/commands.h"
#include "cli/options.h"

int main(int argc, char **argv)
{
	struct options o;
	bool done;
	int ret;

	/* check shares no option with the others: its own parser. */
	if (argc > 1 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	ret = options_parse(argc, argv, &o, &done);
	if (ret || done)
		return ret;
	switch (o.command) {
	case CMD_RUN:
		return cmd_run(&o);
	case CMD_RECORD:
		return cmd_record(&o);
	case CMD_REPORT:
		return cmd_report(&o);
	case CMD_BEAD:
		return cmd_bead(&o);
	}
	return EXIT_USAGE;
}
