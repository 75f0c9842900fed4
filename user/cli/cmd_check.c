// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fstrace check [--format text|json|md] [--docker-config FILE] [--max-used PCT]
 *               [--min-free-inodes N] [--kube] [PATH...]
 * The preflight (preflight.h): no BPF, no recording, no root needed (what it cannot see without
 * root it says). Exit 1 when something was found, 0 when clean, 2 on a usage error or when it
 * could not look at all. Its options are its own, parsed here: none of run's apply.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/commands.h"
#include "cli/options.h"
#include "preflight/preflight.h"

enum { OPT_FORMAT = 256, OPT_DOCKER_CONFIG, OPT_MAX_USED, OPT_MIN_FREE_INODES, OPT_KUBE };

static const struct option check_options[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "docker-config", required_argument, NULL, OPT_DOCKER_CONFIG },
	{ "max-used", required_argument, NULL, OPT_MAX_USED },
	{ "min-free-inodes", required_argument, NULL, OPT_MIN_FREE_INODES },
	{ "kube", no_argument, NULL, OPT_KUBE },
	{ "help", no_argument, NULL, 'h' },
	{},
};

static int bad(const char *fmt, const char *what)
{
	fputs("fstrace: ", stderr);
	fprintf(stderr, fmt, what);
	fputs(" (see fstrace --help)\n", stderr);
	return EXIT_USAGE;
}

int cmd_check(int argc, char **argv)
{
	struct preflight_options po = { .max_used = 90, .min_free_inodes = 1000 };
	struct preflight_host host = preflight_host_default;
	enum report_format fmt = REPORT_TEXT;
	struct preflight p;
	char *end;
	int opt, status;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", check_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_FORMAT:
			if (report_format_parse(optarg, &fmt) || fmt == REPORT_BEAD)
				return bad("check: unknown format '%s': use text, json or md", optarg);
			break;
		case OPT_DOCKER_CONFIG:
			if (!*optarg)
				return bad("--docker-config wants a file%s", "");
			po.docker_config = optarg;
			po.docker_config_given = true;
			break;
		case OPT_MAX_USED:
			errno = 0;
			po.max_used = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(po.max_used > 0 && po.max_used <= 100))
				return bad("--max-used wants a percentage above 0, at most 100, not '%s'", optarg);
			break;
		case OPT_MIN_FREE_INODES:
			errno = 0;
			po.min_free_inodes = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return bad("--min-free-inodes wants a number of inodes, not '%s'", optarg);
			break;
		case OPT_KUBE:
			po.kube = true;
			break;
		default:
			if (optopt && optopt < 256)
				return bad("option -%s does not apply to check, or lacks its argument",
					   (char[]){ optopt, 0 });
			return bad("option '%s' does not apply to check, or lacks its argument", argv[optind - 1]);
		}
	}
	po.paths = argv + optind;
	po.npaths = (size_t)(argc - optind);
	host.root = geteuid() == 0;
	if (preflight_run(&p, &po, &host)) {
		preflight_free(&p);
		return EXIT_USAGE;
	}
	status = p.n ? 1 : 0;
	if (preflight_write(&p, stdout, fmt)) {
		fprintf(stderr, "fstrace: cannot write the report: %s\n", strerror(errno));
		status = EXIT_USAGE;
	}
	preflight_free(&p);
	return status;
}
