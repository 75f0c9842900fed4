// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/options.h"
#include "lib/util.h"

void usage(FILE *out)
{
	fprintf(out,
		"Usage: fstrace run [OPTIONS] -- COMMAND [ARGS...]\n"
		"       fstrace record (-o FILE | --dir DIR) [OPTIONS]\n"
		"       fstrace report [--format text|json|md|bead] FILE\n"
		"       fstrace bead [--prefix P] [--parent ID] [--dry-run] [--force] FILE\n"
		"       fstrace check [--format text|json|md] [OPTIONS] [PATH...]\n"
		"\n"
		"Traces filesystem failures with eBPF: failing file syscalls, the mounts, ext4 errors, the\n"
		"kernel's own messages, and who removed a path that a later call could not find.\n"
		"\n"
		"run: runs COMMAND (and every descendant) traced; its stdin/stdout/stderr pass through; exits\n"
		"with its exit code (128+N when killed by signal N); prints a report to stderr. SIGINT, SIGTERM\n"
		"(HUP, QUIT, USR1, USR2) sent to fstrace go to COMMAND, which may handle them: fstrace records\n"
		"until it exits. One that comes before COMMAND started: it is not run (exit 128+N).\n"
		"  --record FILE        also keep the full recording (gzip JSON Lines)\n"
		"  -o, --output REPORT  write the report to REPORT instead of stderr\n"
		"  --format text|json|md|bead  report format (default text; md: a Markdown ticket)\n"
		"  --follow             print each event to stderr as it happens\n"
		"  --kube               read the Longhorn volume behind a device with kubectl (run, record,\n"
		"                       check)\n"
		"  --bead [--prefix P] [--parent ID]  file a bead ticket (see bead) if something was found\n"
		"\n"
		"record: system-wide until SIGINT/SIGTERM or --duration; a complete file either way.\n"
		"  -o, --output FILE    the recording to write (or --dir)\n"
		"  --duration SEC       stop after SEC seconds\n"
		"  --dir DIR            node mode instead of -o: rotated recordings in DIR, each with its\n"
		"                       report (.report.txt, .report.json); SIGHUP rotates; each finding\n"
		"                       also on stdout as a JSON line (fstrace.finding/1) within seconds\n"
		"  --rotate-size MB     rotate when a recording reaches MB (default 64)\n"
		"  --rotate-time SEC    rotate after SEC seconds (default 3600)\n"
		"  --max-disk MB        remove the oldest recordings past MB in DIR (default 1024)\n"
		"  --metrics FILE       with --dir: Prometheus metrics into FILE (NAME.prom) for\n"
		"                       node_exporter's textfile collector, atomically, every 15 s\n"
		"  --pid PID            only this process and the children it starts from now on (its pid\n"
		"                       as fstrace sees it, also inside a container)\n"
		"  --cgroup PATH        only this cgroup (v2) and its descendants\n"
		"  --container ID       only this container (full id or a unique prefix; docker, containerd,\n"
		"                       cri-o, podman), found by its cgroup\n"
		"  --pod UID            only this Kubernetes pod's containers, found by its cgroup\n"
		"  --comm NAME          only tasks with this command name\n"
		"\n"
		"report: prints the report of a recording, the same as the live run printed; one cut short\n"
		"(recorder killed) as far as it goes, then exit 1; a damaged one: one line, no report, exit 1.\n"
		"  --format text|json|md|bead  report format (default text)\n"
		"\n"
		"bead: files a recording's report with `bd create`, the Markdown report on its stdin, and\n"
		"prints the new id; without bd on PATH writes FILE.bead.jsonl for `bd import -i` (exit 1).\n"
		"  --prefix P, --parent ID  bd create --prefix P, --deps discovered-from:ID\n"
		"  --dry-run            print bd's arguments (one a line, shell-quoted) and the body\n"
		"\n"
		"check: a preflight, no BPF: container data roots on overlayfs (a nested overlay to come), ext4\n"
		"that has logged errors or sits in emergency_ro, filesystems near the end of their space or\n"
		"inodes, fstrace's kernel features. PATHs: these data roots and their filesystems only; none: the\n"
		"usual data roots and every mounted filesystem. Exit 1 when something is found, 0 when clean.\n"
		"  --docker-config FILE  Docker's daemon.json, for its data-root (default /etc/docker/daemon.json)\n"
		"  --max-used PCT       space or inodes used at or above PCT is a finding (default 90)\n"
		"  --min-free-inodes N  fewer free inodes than N is a finding (default 1000)\n"
		"  --kube               read Longhorn volumes' replica counts with kubectl\n"
		"\n"
		"Common options:\n"
		"  --force              replace an existing output file (never through a symlink)\n"
		"  --ringbuf-mb N       ring buffer size in MiB, a power of two (default: run 2, record 4)\n"
		"  --btf PATH           the kernel's BTF from PATH (raw BTF or an ELF vmlinux) instead of\n"
		"                       /sys/kernel/btf/vmlinux\n"
		"  --compat             load the compatible programs (no bpf_loop, for 5.10-5.16) even where\n"
		"                       the kernel takes the default ones (also FSTRACE_COMPAT=1)\n"
		"  --all-removals       record every removal and rename; by default the kernel holds them and\n"
		"                       sends those a failure may need, the rest summed up per process\n"
		"  -v, --verbose        libbpf's messages and attach details\n"
		"  -h, --help           this help;  -V, --version  the version\n"
		"\n"
		"Exit status: run passes the command's through (127: command not found); otherwise 0 on\n"
		"success, 1 on a runtime error, 2 on a usage error. Needs CAP_BPF and CAP_PERFMON (root).\n"
		"See fstrace(8), and docs/recording-format.md for the recording's fields.\n");
}

enum {
	OPT_RECORD = 256,
	OPT_FORMAT,
	OPT_FOLLOW,
	OPT_FORCE,
	OPT_DURATION,
	OPT_PID,
	OPT_CGROUP,
	OPT_CONTAINER,
	OPT_POD,
	OPT_COMM,
	OPT_RINGBUF,
	OPT_KUBE,
	OPT_DIR,
	OPT_ROTATE_SIZE,
	OPT_ROTATE_TIME,
	OPT_MAX_DISK,
	OPT_BEAD,
	OPT_PREFIX,
	OPT_PARENT,
	OPT_DRY_RUN,
	OPT_BTF,
	OPT_COMPAT,
	OPT_ALL_REMOVALS,
	OPT_METRICS
};

static const struct option long_options[] = {
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "pod", required_argument, NULL, OPT_POD },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "ringbuf-mb", required_argument, NULL, OPT_RINGBUF },
	{ "btf", required_argument, NULL, OPT_BTF },
	{ "compat", no_argument, NULL, OPT_COMPAT },
	{ "all-removals", no_argument, NULL, OPT_ALL_REMOVALS },
	{ "kube", no_argument, NULL, OPT_KUBE },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
	{ "rotate-time", required_argument, NULL, OPT_ROTATE_TIME },
	{ "max-disk", required_argument, NULL, OPT_MAX_DISK },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "bead", no_argument, NULL, OPT_BEAD },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "parent", required_argument, NULL, OPT_PARENT },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{},
};

/* Which options each command accepts: the rest are a usage error, not silently ignored. */
static bool allowed(enum command cmd, int opt)
{
	switch (opt) {
	case OPT_RECORD:
	case OPT_FOLLOW:
		return cmd == CMD_RUN;
	case 'o':
		return cmd == CMD_RUN || cmd == CMD_RECORD;
	case OPT_FORMAT:
		return cmd == CMD_RUN || cmd == CMD_REPORT;
	case OPT_DURATION:
	case OPT_PID:
	case OPT_CGROUP:
	case OPT_CONTAINER:
	case OPT_POD:
	case OPT_COMM:
	case OPT_DIR:
	case OPT_ROTATE_SIZE:
	case OPT_ROTATE_TIME:
	case OPT_MAX_DISK:
	case OPT_METRICS:
		return cmd == CMD_RECORD;
	case OPT_FORCE:
		return cmd != CMD_REPORT;
	case OPT_RINGBUF:
	case OPT_KUBE:
	case OPT_BTF:
	case OPT_COMPAT:
		return cmd == CMD_RUN || cmd == CMD_RECORD;
	case OPT_BEAD:
		return cmd == CMD_RUN;
	case OPT_PREFIX:
	case OPT_PARENT:
		return cmd == CMD_RUN || cmd == CMD_BEAD;
	case OPT_DRY_RUN:
		return cmd == CMD_BEAD;
	default:
		return true;
	}
}

static int bad(const char *fmt, const char *what)
{
	fputs("fstrace: ", stderr);
	fprintf(stderr, fmt, what);
	fputs(" (see fstrace --help)\n", stderr);
	return EXIT_USAGE;
}

static int parse_number(const char *s, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !(*out >= min && *out <= max) ? -1 : 0;
}

static int parse_option(struct options *o, int opt, const char *arg)
{
	double v;

	switch (opt) {
	case OPT_RECORD:
		o->recording = arg;
		break;
	case 'o':
		if (o->command == CMD_RUN)
			o->report_out = arg;
		else
			o->recording = arg;
		break;
	case OPT_FORMAT:
		if (report_format_parse(arg, &o->format))
			return bad("unknown format '%s': use text, json, md or bead", arg);
		break;
	case OPT_FOLLOW:
		o->follow = true;
		break;
	case OPT_FORCE:
		o->force = true;
		break;
	case OPT_DURATION:
		if (parse_number(arg, 0.001, 1e9, &o->duration))
			return bad("--duration wants a positive number of seconds, not '%s'", arg);
		break;
	case OPT_PID:
		if (parse_number(arg, 1, INT_MAX, &v) || v != (pid_t)v)
			return bad("--pid wants a process id, not '%s'", arg);
		o->pid = (pid_t)v;
		break;
	case OPT_CGROUP:
		o->cgroup = arg;
		break;
	case OPT_CONTAINER:
		o->container = arg;
		break;
	case OPT_POD:
		o->pod = arg;
		break;
	case OPT_COMM:
		if (strlen(arg) == 0 || strlen(arg) > 15)
			return bad("--comm wants a command name of 1 to 15 characters, not '%s'", arg);
		o->comm = arg;
		break;
	case OPT_RINGBUF:
		if (parse_number(arg, 1, 1024, &v) || v != (int)v || ((int)v & ((int)v - 1)))
			return bad("--ringbuf-mb wants a power of two from 1 to 1024, not '%s'", arg);
		o->ringbuf_bytes = (uint32_t)v << 20;
		break;
	case OPT_BTF:
		if (!*arg)
			return bad("--btf wants a file%s", "");
		o->btf_path = arg;
		break;
	case OPT_COMPAT:
		o->compat = true;
		break;
	case OPT_ALL_REMOVALS:
		o->all_removals = true;
		break;
	case 'v':
		o->verbose = true;
		break;
	case OPT_KUBE:
		o->kube = true;
		break;
	case OPT_BEAD:
		o->bead = true;
		break;
	case OPT_PREFIX:
		o->bead_prefix = arg;
		break;
	case OPT_PARENT:
		o->bead_parent = arg;
		break;
	case OPT_DRY_RUN:
		o->dry_run = true;
		break;
	case OPT_DIR:
		o->dir = arg;
		break;
	case OPT_ROTATE_SIZE:
		if (parse_number(arg, 0.001, 1e7, &o->rotate_mb))
			return bad("--rotate-size wants a size in MB, not '%s'", arg);
		break;
	case OPT_ROTATE_TIME:
		if (parse_number(arg, 0.001, 1e9, &o->rotate_sec))
			return bad("--rotate-time wants a number of seconds, not '%s'", arg);
		break;
	case OPT_MAX_DISK:
		if (parse_number(arg, 0, 1e9, &o->max_disk_mb))
			return bad("--max-disk wants a size in MB, not '%s'", arg);
		break;
	case OPT_METRICS: {
		size_t len = strlen(arg);

		/* node_exporter's textfile collector reads *.prom and nothing else */
		if (len < 6 || strcmp(arg + len - 5, ".prom") || arg[len - 6] == '/')
			return bad(
				"--metrics wants a file named NAME.prom (node_exporter reads only those), not '%s'",
				arg);
		o->metrics = arg;
		break;
	}
	}
	return 0;
}

int options_parse(int argc, char **argv, struct options *o, bool *done)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	int opt, ret;

	memset(o, 0, sizeof(*o));
	o->rotate_mb = 64;
	o->rotate_sec = 3600;
	o->max_disk_mb = 1024; /* mapped into the collector: counts in its RSS */
	*done = false;
	if (!name)
		return bad("%s", "missing command: run, record, report, bead or check");
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		usage(stdout);
		*done = true;
		return 0;
	}
	if (!strcmp(name, "-V") || !strcmp(name, "--version")) {
		printf("fstrace %s\n", FSTRACE_VERSION);
		*done = true;
		return 0;
	}
	/* run pays for the ring buffer at every start (allocating and mapping 4 MiB took 1-2 ms of
	 * the ~12 ms); 2 MiB still holds 200 000 failing calls a second. record starts once. */
	if (!strcmp(name, "run")) {
		o->command = CMD_RUN;
		o->ringbuf_bytes = 2u << 20;
	} else if (!strcmp(name, "record")) {
		o->command = CMD_RECORD;
		o->ringbuf_bytes = 4u << 20;
	} else if (!strcmp(name, "report")) {
		o->command = CMD_REPORT;
	} else if (!strcmp(name, "bead")) {
		o->command = CMD_BEAD;
	} else {
		return bad("unknown command '%s': use run, record, report, bead or check", name);
	}

	argc--;
	argv++;
	optind = 1;
	opterr = 0;
	/* '+': stop at the first non-option, so the traced command keeps its own options. */
	for (int at = optind; (opt = getopt_long(argc, argv, "+o:vhV", long_options, NULL)) != -1; at = optind) {
		if (opt == 'h') {
			usage(stdout);
			*done = true;
			return 0;
		}
		if (opt == 'V') {
			printf("fstrace %s\n", FSTRACE_VERSION);
			*done = true;
			return 0;
		}
		if (opt == '?' || opt == ':') {
			if (optopt && optopt < 256)
				return bad("option -%s is unknown or lacks its argument", (char[]){ optopt, 0 });
			return bad("option '%s' is unknown or lacks its argument", argv[optind - 1]);
		}
		/* argv[at] is the option itself; argv[optind - 1] may be its argument */
		if (!allowed(o->command, opt)) {
			argv[at][strcspn(argv[at], "=")] = '\0';
			return bad("option '%s' does not apply to this command", argv[at]);
		}
		if ((ret = parse_option(o, opt, optarg)))
			return ret;
	}
	argc -= optind;
	argv += optind;

	switch (o->command) {
	case CMD_RUN:
		if (argc == 0)
			return bad("%s", "run needs a command: fstrace run [OPTIONS] -- COMMAND [ARGS...]");
		if ((o->bead_prefix || o->bead_parent) && !o->bead)
			return bad("%s", "--prefix and --parent go with --bead");
		o->argc = argc;
		o->argv = argv;
		break;
	case CMD_RECORD:
		/* The kernel filters on one cgroup (an id and its level). */
		if (!!o->cgroup + !!o->container + !!o->pod > 1)
			return bad("%s", "--cgroup, --container and --pod each name one cgroup: give only one");
		if (argc)
			return bad("record takes no arguments, found '%s' (did you mean run?)", argv[0]);
		if (!o->recording == !o->dir)
			return bad("%s", "record needs -o FILE or --dir DIR (one of them)");
		if (o->metrics && !o->dir)
			return bad("%s", "--metrics goes with --dir (node mode)");
		break;
	case CMD_REPORT:
		if (argc != 1)
			return bad("%s", "report needs exactly one recording FILE");
		o->recording = argv[0];
		break;
	case CMD_BEAD:
		if (argc != 1)
			return bad("%s", "bead needs exactly one recording FILE");
		o->recording = argv[0];
		break;
	}
	return 0;
}
