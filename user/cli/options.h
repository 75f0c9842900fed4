/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The command line: fstrace run | record | report | bead, and the options of each. */
#ifndef FSTRACE_OPTIONS_H
#define FSTRACE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "report/report.h"

enum command { CMD_RUN, CMD_RECORD, CMD_REPORT, CMD_BEAD };

struct options {
	enum command command;
	const char *recording;  /* run --record FILE, record -o FILE, report FILE, bead FILE */
	const char *report_out; /* run -o REPORT */
	enum report_format format;
	bool follow, force, verbose;
	bool kube;               /* run, record: read Longhorn volumes with kubectl */
	bool bead;               /* run --bead: file a bead ticket when something was found */
	bool dry_run;            /* bead --dry-run: print bd's argv and the body */
	const char *bead_prefix; /* run --bead, bead: --prefix P, passed to bd create */
	const char *bead_parent; /* run --bead, bead: --parent ID (--deps discovered-from:ID) */
	double duration;         /* record --duration, 0 = until a signal */
	const char *dir;         /* record --dir: node mode, rotated recordings */
	double rotate_mb, rotate_sec, max_disk_mb;
	const char *metrics;   /* record --dir --metrics FILE: Prometheus text for node_exporter */
	pid_t pid;             /* record --pid */
	const char *cgroup;    /* record --cgroup */
	const char *container; /* record --container: a container id or unique prefix */
	const char *pod;       /* record --pod: a pod UID */
	const char *comm;      /* record --comm */
	uint32_t ringbuf_bytes;
	const char *btf_path; /* run, record --btf: the kernel's BTF from this file */
	bool compat;          /* run, record --compat: the compatible programs, whatever the kernel */
	bool all_removals;    /* run, record --all-removals: send every removal, none held in the kernel */
	int argc;             /* run: the command */
	char **argv;
};

/* Exit statuses of fstrace's own (as opposed to the traced command's). */
#define EXIT_USAGE 2
#define EXIT_FAILURE_FSTRACE 1

/* 0 with *o filled; else the status to exit with (0 after --help/--version), message printed. */
int options_parse(int argc, char **argv, struct options *o, bool *done);
void usage(FILE *out);

#endif
