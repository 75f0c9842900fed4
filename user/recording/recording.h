/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The recording file: gzip-compressed JSON Lines, readable with zcat and jq.
 *   line 1   {"type":"header","format":"fstrace.recording","format_version":1,...}
 *   then     one event per line (event_json.h; every field: docs/recording-format.md)
 *   last     {"type":"trailer","events":N,"lost":M,"ended":"...","exit_code":C}
 * A recorder that is killed leaves no trailer; everything up to its last flush still reads.
 */
#ifndef FSTRACE_RECORDING_H
#define FSTRACE_RECORDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/json.h"
#include "recording/record.h"

#define RECORDING_FORMAT "fstrace.recording"
#define RECORDING_FORMAT_VERSION 1

struct recording_attach {
	char *hook; /* e.g. "syscalls" */
	char *mode; /* how it attached, e.g. "fentry" */
};

/* All strings owned (heap); NULL when unknown. Zero-initialise or fill, then recording_header_free. */
struct recording_header {
	int format_version;
	char *fstrace_version;
	char *kernel; /* uname release */
	char *hostname;
	char *boot_id;            /* event ts_ns only compare within one boot */
	char *started;            /* RFC 3339, UTC */
	uint64_t started_boot_ns; /* CLOCK_BOOTTIME at start, the clock of event ts_ns */
	char *mode;               /* "run" or "record" */
	int argc;                 /* run mode: the command; argv is NULL-terminated */
	char **argv;
	struct recording_attach *attach;
	size_t nattach;
};

/* Fills h for this machine and now; argv (argc > 0) is the command in run mode, else NULL. */
int recording_header_fill(struct recording_header *h, const char *mode, int argc, char *const argv[], char *err,
			  size_t errlen);
int recording_header_add_attach(struct recording_header *h, const char *hook, const char *mode);
void recording_header_free(struct recording_header *h);
void recording_header_to_json(const struct recording_header *h, struct jbuf *out);
/* 0; 1 when obj is not an fstrace header at all; -1 with a message (newer format, bad field). */
int recording_header_from_json(const struct jval *obj, struct recording_header *h, char *err, size_t errlen);
/* The current time as RFC 3339 UTC ("2024-05-01T12:00:00Z"); buf needs 32 bytes. */
void recording_timestamp(char *buf, size_t len);

/* ---- writing ---- */

struct recording_writer;

/*
 * Creates path (mode 0600, never through a symlink) and writes the header. An existing path
 * is refused; with force a regular file is replaced, a symlink or anything else still refused.
 */
struct recording_writer *recording_create(const char *path, bool force, const struct recording_header *h,
					  char *err, size_t errlen);
/* Buffered: no system call per event. -1 with errno set and recording_writer_error(). */
int recording_write(struct recording_writer *w, const struct record *r);
/* Makes everything written so far decodable by a reader even if the process dies next. */
int recording_flush(struct recording_writer *w);
const char *recording_writer_error(const struct recording_writer *w);
/* Writes the trailer (exit_code < 0: none, record mode) and frees w. -1 with errno set.
 * lost_by_type (NULL: none), indexed by enum rec_type, adds "lost_by_type" {type: count}. */
int recording_close(struct recording_writer *w, uint64_t events, uint64_t lost, int exit_code,
		    const uint64_t *lost_by_type, size_t ntypes);

/* ---- reading ---- */

struct recording_reader;

/* Opens and checks the file, filling h (free with recording_header_free); NULL with one line in err. */
struct recording_reader *recording_open(const char *path, struct recording_header *h, char *err, size_t errlen);
/*
 * 1 with the next event in *out (overwritten, not freed: record_free it), its strings borrowed
 * from the reader until its next call (record_copy what is kept), 0 at the end, -1 on damage ("line N: ..." from recording_error; later calls return -1 too).
 * A recording cut short is not damage: its complete lines are returned, then 0.
 */
int recording_next(struct recording_reader *r, struct record *out);
/* Before the first recording_next: read ahead on a second thread or not (the default: for
 * files of 1 MiB or more). The records are the same either way. */
void recording_read_ahead(struct recording_reader *r, bool on);
const char *recording_error(const struct recording_reader *r);
/* After 0 from recording_next: the file ended without a trailer (recorder killed). */
bool recording_truncated(const struct recording_reader *r);
/* Whether a trailer was read; its counts (exit_code -1 when the recording had none). */
bool recording_trailer(const struct recording_reader *r, uint64_t *events, uint64_t *lost, int *exit_code);
/* The trailer's "ended" time, or NULL. */
const char *recording_trailer_ended(const struct recording_reader *r);
void recording_close_reader(struct recording_reader *r);

#endif
