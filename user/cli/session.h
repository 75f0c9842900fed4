/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What `run` and `record` share: attach, open the recording, collect until told to stop, then
 * drain, detach, and close the recording with its trailer so the file is complete.
 */
#ifndef FSTRACE_SESSION_H
#define FSTRACE_SESSION_H

#include <stdio.h>
#include "load/attach.h"
#include "collect/collector.h"
#include "cli/output_capture.h"
#include "cli/options.h"
#include "recording/recording.h"
#include "report/report.h"

/* Where a report goes, and in which format. */
struct report_out {
	FILE *file;
	enum report_format fmt;
};

struct session {
	struct tracer tracer;
	struct collector collector;
	struct recording_header header;
	struct recording_writer *writer;
	struct report *report;
	uint64_t next_flush_ns;
	uint64_t lost;                 /* set by session_finish */
	uint64_t kept_base, lost_base; /* the counts when the current recording file began */
	uint64_t lost_by_type[TRACER_LOST_TYPES], lost_by_type_base[TRACER_LOST_TYPES];
	struct output_capture *capture; /* run: the command's output, relayed and kept as lines */
	uint32_t command_pid;           /* host tgid, as the events name it */
	uint32_t command_vpid;          /* as fstrace sees it (a container's pid namespace) */
	char command_comm[16];
	bool started;
	/* Node mode: each window's ended analysis, before its report is freed (live findings). */
	void (*window_end)(void *ctx, const struct analysis *a);
	void *window_ctx;
};

/* 0, or -1 after saying why (nothing stays attached then). */
int session_start(struct session *s, const struct options *o, const struct tracer_options *to);
/* Collects (events, and the command's output when captured) for up to timeout_ms; flushes the
 * recording about once a second. */
void session_poll(struct session *s, int timeout_ms);
/* The command has exited: the rest of its output. */
void session_command_done(struct session *s);
/*
 * Node mode: closes the current recording (trailer), writes its report to report_out, and goes
 * on into a new recording at path with a fresh report, without detaching anything. 0, or -1 after
 * saying why (recording then goes on in the old file, if it could not be closed, or nowhere).
 */
int session_rotate(struct session *s, const char *path, const struct report_out *outs, int nouts);
/* Events lost so far (the kernel's count, and repeats whose first event was lost), by type into
 * s->lost_by_type: since the start, read again at each call. */
uint64_t session_lost(struct session *s);
/* Drains, detaches, closes the recording and writes the report to each of outs.
 * Returns 0, or -1 when the recording could not be completed (said why). */
int session_finish(struct session *s, int exit_code, const struct report_out *outs, int nouts);

#endif
