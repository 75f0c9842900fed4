// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fstrace record: system-wide (or filtered in the kernel) until a signal or --duration. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "host/cgroups.h"
#include "cli/commands.h"
#include "cli/node.h"
#include "cli/session.h"
#include "lib/util.h"

static volatile sig_atomic_t stop, rotate;

static void on_stop(int sig)
{
	stop = sig;
}

static void on_hup(int sig)
{
	rotate = 1;
}

int cmd_record(const struct options *o)
{
	struct tracer_options to = { .use_traced = o->pid != 0, .seed_pid = o->pid, .comm = o->comm,
				     .ringbuf_bytes = o->ringbuf_bytes, .verbose = o->verbose, .btf_path = o->btf_path };
	struct sigaction sa = { .sa_handler = on_stop };
	struct node_dir node = { .dir = o->dir, .rotate_bytes = (uint64_t)(o->rotate_mb * 1048576),
				 .rotate_ns = (uint64_t)(o->rotate_sec * 1e9),
				 .budget_bytes = (uint64_t)(o->max_disk_mb * 1048576) };
	struct options opts = *o;
	uint64_t deadline = 0;
	struct session s;
	int ret;

	if (o->pid && kill(o->pid, 0) && errno == ESRCH) {
		say("--pid %d: no such process", o->pid);
		return EXIT_FAILURE_FSTRACE;
	}
	if (cgroup_filter(o->cgroup, o->container, o->pod, &to.cgroup_id, &to.cgroup_level))
		return EXIT_FAILURE_FSTRACE;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sigpipe_ignore();
	if (node.dir) {
		if (node_prepare(&node))
			return EXIT_FAILURE_FSTRACE;
		opts.recording = node.current;
	}
	if (session_start(&s, &opts, &to))
		return EXIT_FAILURE_FSTRACE;
	if (o->duration > 0)
		deadline = boottime_ns() + (uint64_t)(o->duration * 1e9);
	while (!stop && (!deadline || boottime_ns() < deadline)) {
		session_poll(&s, 100);
		if (node.dir && (rotate || node_due(&node))) {
			rotate = 0;
			if (node_rotate(&node, &s))
				say("rotation failed; recording goes on");
		}
	}
	ret = node.dir ? node_finish(&node, &s, -1) : session_finish(&s, -1, NULL, 0);
	/* Repeats folded in the kernel are calls too: the events, plus them, plus the lost, are the
	 * calls made. */
	fprintf(stderr, "fstrace: recorded %llu events", (unsigned long long)s.collector.kept);
	if (s.collector.folded)
		fprintf(stderr, " and %llu repeated calls folded into them", (unsigned long long)s.collector.folded);
	fprintf(stderr, " (%llu lost) to %s\n", (unsigned long long)s.lost, node.dir ? node.dir : o->recording);
	return ret ? EXIT_FAILURE_FSTRACE : 0;
}
