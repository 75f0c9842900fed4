// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include "fstrace.h"
#include "cli/session.h"
#include "lib/util.h"

#define FLUSH_EVERY_NS 1000000000ull

/* One line: the instructions the verifier processed for each program (0: the kernel did not say). */
static void say_verified(const struct tracer *t)
{
	char line[512];
	size_t n = 0;

	for (int i = 0; i < t->verified_count && n < sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, "%s%s %u", i ? ", " : "", t->verified[i].prog,
			      t->verified[i].insns);
	if (t->verified_count)
		say("verified instructions: %s", line);
}

int session_start(struct session *s, const struct options *o, const struct tracer_options *to)
{
	const char *mode = o->command == CMD_RUN ? "run" : "record";
	char err[512];

	memset(s, 0, sizeof(*s));
	if (recording_header_fill(&s->header, mode, o->command == CMD_RUN ? o->argc : 0,
				  o->command == CMD_RUN ? o->argv : NULL, err, sizeof(err))) {
		say("%s", err);
		return -1;
	}
	if (tracer_start(&s->tracer, to, err, sizeof(err))) {
		say("%s", err);
		recording_header_free(&s->header);
		return -1;
	}
	for (int i = 0; i < s->tracer.mode_count; i++)
		recording_header_add_attach(&s->header, s->tracer.modes[i].hook, s->tracer.modes[i].mode);
	if (o->verbose) {
		say("attached in %.3f s; kernel types from %s (%s)", s->tracer.attach_seconds,
		    s->tracer.core_btf.path, s->tracer.core_btf.how);
		for (int i = 0; i < s->tracer.mode_count; i++)
			say("  %-11s %s", s->tracer.modes[i].hook, s->tracer.modes[i].mode);
		say_verified(&s->tracer);
	}
	if (o->recording &&
	    !(s->writer = recording_create(o->recording, o->force, &s->header, err, sizeof(err)))) {
		say("%s", err);
		goto fail;
	}
	s->report = report_new(&s->header);
	if (!s->report ||
	    collector_init(&s->collector, &s->tracer, o->command == CMD_RUN, o->kube, err, sizeof(err))) {
		say("%s", s->report ? err : "out of memory");
		goto fail;
	}
	s->collector.writer = s->writer;
	s->collector.report = s->report;
	if (o->follow) {
		s->collector.follow = stderr;
		s->collector.follow_base_ns = s->header.started_boot_ns;
	}
	s->next_flush_ns = boottime_ns() + FLUSH_EVERY_NS;
	s->started = true;
	return 0;
fail:
	if (s->writer) {
		recording_close(s->writer, 0, 0, -1, NULL, 0);
		unlink(o->recording);
	}
	report_free(s->report);
	tracer_stop(&s->tracer);
	recording_header_free(&s->header);
	return -1;
}

static void keep_output_line(const char *stream, const char *line, size_t len, void *ctx)
{
	struct session *s = ctx;
	struct record r;

	record_init(&r);
	r.type = REC_OUTPUT;
	r.ts_ns = boottime_ns();
	r.pid = r.tid = s->command_pid;
	r.vpid = s->command_vpid;
	r.has_vpid = r.vpid != r.pid;
	memcpy(r.comm, s->command_comm, sizeof(r.comm));
	r.data = (char *)stream;
	r.msg = (char *)line;
	collector_add(&s->collector, &r);
	(void)len;
}

void session_poll(struct session *s, int timeout_ms)
{
	struct pollfd fds[3] = { { .fd = collector_fd(&s->collector), .events = POLLIN } };
	int n = 1;
	uint64_t now;

	if (s->capture)
		n += output_capture_pollfds(s->capture, fds + 1);
	/* Drained on every return, woken or not: the kernel holds back wakeups until a batch is
	 * queued (bpf/emit.bpf.h), so a trickle of events is read at the timeout. */
	if (poll(fds, n, timeout_ms) > 0 && s->capture)
		output_capture_pump(s->capture, keep_output_line, s);
	collector_drain(&s->collector);
	now = boottime_ns();
	if (now >= s->next_flush_ns) {
		collector_tick(&s->collector);
		if (s->writer && recording_flush(s->writer) && !s->collector.write_error)
			s->collector.write_error = errno ? errno : EIO;
		s->next_flush_ns = now + FLUSH_EVERY_NS;
	}
}

void session_command_done(struct session *s)
{
	if (s->capture)
		output_capture_finish(s->capture, keep_output_line, s);
	s->capture = NULL;
}

/* Calls that reached no record: the kernel's count of events it could not queue, and the repeats
 * it counted whose first event was among them (counted in calls, so recorded + lost = issued). */
uint64_t session_lost(struct session *s)
{
	uint64_t lost = tracer_lost(&s->tracer, s->lost_by_type), folded = collector_repeats_lost(&s->collector);

	s->lost_by_type[FST_EV_SYSCALL] += folded;
	return lost + folded;
}

/* Ends the current recording file and its report: the trailer's counts are this file's own. */
static int close_current(struct session *s, uint64_t lost_total, int exit_code, const struct report_out *outs,
			 int nouts)
{
	uint64_t kept = s->collector.kept - s->kept_base, lost = lost_total - s->lost_base;
	uint64_t by_type[TRACER_LOST_TYPES];
	char ended[32];
	int ret = 0;

	for (int i = 0; i < TRACER_LOST_TYPES; i++)
		by_type[i] = s->lost_by_type[i] - s->lost_by_type_base[i];
	if (s->writer && recording_close(s->writer, kept, lost, exit_code, by_type, TRACER_LOST_TYPES) &&
	    !s->collector.write_error)
		s->collector.write_error = errno ? errno : EIO;
	s->writer = s->collector.writer = NULL;
	if (s->collector.write_error) {
		say("writing the recording failed: %s", strerror(s->collector.write_error));
		ret = -1;
	}
	recording_timestamp(ended, sizeof(ended));
	report_end(s->report, kept, lost, exit_code, ended, false);
	if (s->window_end)
		s->window_end(s->window_ctx, report_analysis(s->report));
	for (int i = 0; i < nouts; i++) {
		if (outs[i].file && report_write(s->report, outs[i].file, outs[i].fmt)) {
			say("writing the report failed: %s", strerror(errno));
			ret = -1;
		}
	}
	report_free(s->report);
	s->report = s->collector.report = NULL;
	return ret;
}

int session_rotate(struct session *s, const char *path, const struct report_out *outs, int nouts)
{
	uint64_t lost;
	char err[512];
	int ret;

	collector_drain(&s->collector);
	lost = session_lost(s);
	ret = close_current(s, lost, -1, outs, nouts);
	s->kept_base = s->collector.kept;
	s->lost_base = lost;
	memcpy(s->lost_by_type_base, s->lost_by_type, sizeof(s->lost_by_type));
	s->collector.write_error = 0;
	recording_header_free(&s->header);
	if (recording_header_fill(&s->header, "record", 0, NULL, err, sizeof(err))) {
		say("%s", err);
		return -1;
	}
	for (int i = 0; i < s->tracer.mode_count; i++)
		recording_header_add_attach(&s->header, s->tracer.modes[i].hook, s->tracer.modes[i].mode);
	if (!(s->writer = recording_create(path, false, &s->header, err, sizeof(err)))) {
		say("%s", err);
		ret = -1;
	}
	if (!(s->report = report_new(&s->header))) {
		say("out of memory");
		ret = -1;
	}
	s->collector.writer = s->writer;
	s->collector.report = s->report;
	/* Devices are described in every file, so each one reads on its own. */
	collector_finish(&s->collector);
	return ret;
}

int session_finish(struct session *s, int exit_code, const struct report_out *outs, int nouts)
{
	uint64_t lost;
	int ret = 0;

	session_command_done(s);
	/* The command's events, its kernel messages and ext4 errors included, were committed in its own
	 * context before it exited: only another process's removal can still be on its way. */
	collector_settle(&s->collector);
	tracer_detach(&s->tracer);
	collector_drain(&s->collector);
	/* Detached first, so the counts in the kernel are final: none is left behind. */
	collector_repeats(&s->collector, true);
	collector_held(&s->collector, true);
	collector_finish(&s->collector);
	lost = s->lost = session_lost(s);
	collector_free(&s->collector);
	tracer_stop(&s->tracer);
	if (s->collector.malformed)
		say("%llu events could not be decoded (kernel/userspace schema mismatch?)",
		    (unsigned long long)s->collector.malformed);
	if (close_current(s, lost, exit_code, outs, nouts))
		ret = -1;
	recording_header_free(&s->header);
	s->started = false;
	return ret;
}
