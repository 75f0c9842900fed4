// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fstrace: capture (bpf/) -> collect (collector.c) -> correlate and report (report.c). */
#include <stdbool.h>
#include "cli/commands.h"
#include "cli/options.h"

int main(int argc, char **argv)
{
	struct options o;
	bool done;
	int ret = options_parse(argc, argv, &o, &done);

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
