/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* fstrace speaks about its own problems in one line on stderr, prefixed "fstrace: ". */
#ifndef FSTRACE_UTIL_H
#define FSTRACE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t boottime_ns(void);
/* CLOCK_MONOTONIC in seconds: for intervals and deadlines fstrace times itself. */
double monotonic_seconds(void);
/* strdup that passes NULL through (a record's absent fields). */
char *dup_or_null(const char *s);
/* v in decimal into buf (at least 11 bytes), NUL-terminated; returns the length. For keys built
 * per event, where snprintf is a tenth of a report's time. */
size_t u32_decimal(char *buf, uint32_t v);
/* FNV-1a over len bytes, continuing from h (start from FNV1A_INIT): cheap keys for tables and caches. */
#define FNV1A_INIT 0xcbf29ce484222325ull
uint64_t fnv1a(uint64_t h, const void *data, size_t len);
/* An output file (a recording, a bead ticket): created 0600, never through a symlink, an existing
 * one replaced only with force. An open fd, or -1 with one line in err. */
int create_output(const char *path, bool force, char *err, size_t errlen);
/* run and record ignore SIGPIPE: their report, or --follow, going into a pipe whose reader has
 * left must not cost the recording (a write then fails with EPIPE, and they go on). The programs
 * they start get SIGPIPE back as fstrace was given it (sigpipe_restore, in the child). */
void sigpipe_ignore(void);
void sigpipe_restore(void);

#endif
