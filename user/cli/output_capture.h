/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The traced command's stdout and stderr, passed through byte for byte and also split into lines
 * for the report (tools name the path they failed on: "npm warn tar TAR_ENTRY_ERROR ENOENT ...").
 *
 * A stream that is a terminal gets a pseudo-terminal, so the command still sees a terminal (its
 * colours, progress bars and line buffering do not change); both terminal streams share it, as they
 * share the terminal. Any other stream gets a pipe. stdin is left alone.
 */
#ifndef FSTRACE_OUTPUT_CAPTURE_H
#define FSTRACE_OUTPUT_CAPTURE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_LINE_MAX 8192 /* a longer line is reported in pieces */

typedef void (*capture_line_fn)(const char *stream, const char *line, size_t len, void *ctx);

struct capture_stream {
	const char *name; /* "stdout", "stderr", or "terminal" (a pty, shared by both when both are one) */
	int read_fd;      /* ours; -1 once at its end */
	int child_fd;     /* the child's end, closed in the parent after fork */
	int out_fd;       /* where the bytes go on to: our own 1 or 2 */
	char line[CAPTURE_LINE_MAX];
	size_t len;
};

struct output_capture {
	struct capture_stream s[2];
	int count;
	int pty_master; /* -1 without a terminal */
};

/* Before fork. 0, or -1 with err (then nothing is captured: the caller may go on without). */
int output_capture_start(struct output_capture *c, char *err, size_t errlen);
/* In the child, before exec: the captured ends become its stdout/stderr. */
void output_capture_child(struct output_capture *c);
/* In the parent, after fork: close the child's ends. */
void output_capture_parent(struct output_capture *c);
/* The descriptors to poll for input; returns how many were written to fds (at most 2). */
int output_capture_pollfds(const struct output_capture *c, struct pollfd *fds);
/* Reads what is ready (never blocks), writes it through, and calls fn for each complete line. */
void output_capture_pump(struct output_capture *c, capture_line_fn fn, void *ctx);
/* After the command exited: whatever is still buffered, then the last partial lines. */
void output_capture_finish(struct output_capture *c, capture_line_fn fn, void *ctx);
/* The terminal was resized: pass the new size on to the pseudo-terminal. */
void output_capture_resize(struct output_capture *c);

#endif
