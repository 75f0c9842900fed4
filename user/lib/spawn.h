/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Running another program and capturing what it says: kubectl (host/devices_kube.c) and beads'
 * bd (bead/bead_run.c). Never through a shell (arguments carry paths and volume names); the
 * program is found on PATH by execvp. Its pipes are served together with poll, so a program that
 * talks before it has read all of its input cannot stall either side.
 */
#ifndef FSTRACE_SPAWN_H
#define FSTRACE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

struct spawn {
	char *const *argv; /* argv[0] is looked up on PATH */
	const char *input; /* written to its stdin, then closed; NULL: stdin on /dev/null */
	bool capture_err;  /* its stderr into err; else passed through to fstrace's */
	int timeout_ms;    /* > 0: past it, its process group (its own) is killed */
	size_t max_output; /* what is kept of each stream; the rest is read and dropped */
};

enum spawn_result {
	SPAWN_EXITED,      /* status is waitpid's */
	SPAWN_NOT_STARTED, /* exec_err is execvp's errno (ENOENT: not on PATH) */
	SPAWN_TIMED_OUT,   /* killed */
	SPAWN_ERROR,       /* no pipe or fork: errno says why */
};

struct spawned {
	char *out, *err; /* NUL-terminated (never NULL after SPAWN_EXITED); free both */
	size_t out_len, err_len;
	bool oom; /* memory ran out: the captured output is incomplete */
	int status;
	int exec_err;
};

enum spawn_result spawn_capture(const struct spawn *s, struct spawned *r);
void spawned_free(struct spawned *r);

#endif
