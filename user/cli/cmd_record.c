// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* fstrace record: system-wide (or filtered in the kernel) until a signal or --duration. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "cli/commands.h"
#include "cli/node.h"
#include "cli/session.h"
#include "diagnose/analysis.h"
#include "host/cgroups.h"
#include "lib/util.h"
#include "report/live.h"
#include "report/metrics.h"

static volatile sig_atomic_t stop, rotate;

static void on_stop(int sig)
{
	stop = sig;
}

static void on_hup(int sig)
{
	rotate = 1;
}

/* Node mode's outputs beside the recordings: live findings and metrics. */
struct node_out {
	struct live live;
	char window[PATH_MAX]; /* the recording of the current window */
	const char *metrics;
	uint64_t next_metrics_ns;
	uint64_t established; /* live.established at the last metrics write */
	double started_unix, last_report_unix;
	bool metrics_failed;
};

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What can make a live finding: failures but misses, races, ext4 errors and kernel messages. */
static uint64_t live_news(const struct session *s)
{
	const struct analysis *a = report_analysis(s->report);
	uint64_t n = s->collector.by_type[REC_EXT4_ERROR] + s->collector.by_type[REC_KMSG];

	for (int e = 1; e < 256; e++)
		if (e != ENOENT)
			n += s->collector.by_errno[e];
	return n + (a ? a->races.count : 0);
}

static void window_end(void *ctx, const struct analysis *a)
{
	struct node_out *n = ctx;

	live_window_end(&n->live, a, n->window);
}

static void write_metrics(struct node_out *n, struct session *s)
{
	struct rusage ru = {};
	struct metrics_values v = {
		.events_by_type = s->collector.by_type,
		.lost_by_type = s->lost_by_type,
		.lost_types = TRACER_LOST_TYPES,
		.failing_by_errno = s->collector.by_errno,
		.tally = n->live.tally,
		.ntally = n->live.ntally,
		.withdrawn = n->live.withdrawn,
		.attach = s->header.attach,
		.nattach = s->header.nattach,
		.started_unix = n->started_unix,
		.last_report_unix = n->last_report_unix,
		.diagnoses = n->live.builds,
		.diagnosis_seconds = (double)n->live.build_ns / 1e9,
	};

	if (!n->metrics)
		return;
	session_lost(s);
	getrusage(RUSAGE_SELF, &ru);
	v.cpu_seconds = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	if (metrics_write(n->metrics, &v)) {
		if (!n->metrics_failed) /* once, not every 15 s */
			say("--metrics %s: %s", n->metrics, strerror(errno));
		n->metrics_failed = true;
	} else {
		n->metrics_failed = false;
	}
	n->established = n->live.established;
	n->next_metrics_ns = boottime_ns() + METRICS_EVERY_NS;
}

int cmd_record(const struct options *o)
{
	struct node_out out = { .metrics = o->metrics, .started_unix = unix_now() };
	struct tracer_options to = { .use_traced = o->pid != 0,
				     .seed_pid = o->pid,
				     .comm = o->comm,
				     .ringbuf_bytes = o->ringbuf_bytes,
				     .verbose = o->verbose,
				     .btf_path = o->btf_path,
				     .compat = o->compat,
				     .all_removals = o->all_removals };
	struct sigaction sa = { .sa_handler = on_stop };
	struct node_dir node = { .dir = o->dir,
				 .rotate_bytes = (uint64_t)(o->rotate_mb * 1048576),
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
	if (o->metrics && metrics_dir_usable(o->metrics))
		return EXIT_FAILURE_FSTRACE;
	if (node.dir) {
		if (node_prepare(&node))
			return EXIT_FAILURE_FSTRACE;
		opts.recording = node.current;
	}
	if (session_start(&s, &opts, &to))
		return EXIT_FAILURE_FSTRACE;
	if (node.dir) {
		/* Findings to stdout as JSON lines; everything else fstrace says stays on stderr. */
		live_init(&out.live, stdout);
		snprintf(out.window, sizeof(out.window), "%s", node.current);
		s.window_end = window_end;
		s.window_ctx = &out;
		write_metrics(&out, &s);
	}
	if (o->duration > 0)
		deadline = boottime_ns() + (uint64_t)(o->duration * 1e9);
	while (!stop && (!deadline || boottime_ns() < deadline)) {
		session_poll(&s, 100);
		if (!node.dir)
			continue;
		live_poll(&out.live, report_analysis(s.report), out.window, live_news(&s), boottime_ns());
		if (rotate || node_due(&node)) {
			rotate = 0;
			if (node_rotate(&node, &s))
				say("rotation failed; recording goes on");
			else
				out.last_report_unix = unix_now();
			snprintf(out.window, sizeof(out.window), "%s", node.current);
			write_metrics(&out, &s);
		}
		/* At the interval, and at once when a finding was established: an alert need not
		 * wait 15 s more than the log line. */
		if (boottime_ns() >= out.next_metrics_ns || out.live.established != out.established)
			write_metrics(&out, &s);
	}
	ret = node.dir ? node_finish(&node, &s, -1) : session_finish(&s, -1, NULL, 0);
	if (node.dir) {
		if (!ret)
			out.last_report_unix = unix_now();
		write_metrics(&out, &s);
		live_free(&out.live);
	}
	/* Repeats folded in the kernel are calls too: the events, plus them, plus the lost, are the
	 * calls made. */
	fprintf(stderr, "fstrace: recorded %llu events", (unsigned long long)s.collector.kept);
	if (s.collector.folded)
		fprintf(stderr, " and %llu repeated calls folded into them",
			(unsigned long long)s.collector.folded);
	fprintf(stderr, " (%llu lost) to %s\n", (unsigned long long)s.lost, node.dir ? node.dir : o->recording);
	return ret ? EXIT_FAILURE_FSTRACE : 0;
}
