/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What the report formats share: struct render and the helpers in render.c. */
#ifndef FSTRACE_REPORT_RENDER_H
#define FSTRACE_REPORT_RENDER_H

#include <stdbool.h>
#include <stdio.h>
#include "diagnose/analysis.h"
#include "diagnose/findings.h"

struct render {
	const struct analysis *a;
	const struct findings *f;
	FILE *out;
	bool color;
};

/* The traced command as one line ("" in record mode); free() it. */
char *render_command(const struct analysis *a);
/* "Longhorn volume pvc-1 (/dev/longhorn/pvc-1, loop0, 7:0)" or "loop0 (7:0)". */
void render_device(const struct record *devrec, char *buf, size_t len);
/* "containerd 0123456789ab (pod ci/web-0 uid <uid>, Burstable)": the container and pod of a
 * cgroup record; false (buf untouched) when it names neither. */
bool render_container(const struct record *cgrec, char *buf, size_t len);
/* "devpod/coder-0 (name from env POD_NAME, namespace from ...)": the pod fstrace ran in, and
 * how each part was learned; false (buf untouched) when it ran in none. */
bool render_pod(const struct analysis *a, char *buf, size_t len);
/* "no filesystem failure explains ...": when the command failed and no finding accounts for it
 * (struct verdict); false (buf untouched) otherwise. */
bool render_verdict(const struct render *r, char *buf, size_t len);
/* The stream a verdict quotes the command's last lines from: stderr (true) when it wrote any,
 * else stdout; how many lines in *n (0: it printed nothing). */
bool render_tail_stream(const struct render *r, size_t *n);
/* "openat ENOENT /x by pid 3 (npm), 17.6 ms before it exited 1": the latest miss the failed
 * command's output does not name; false when there is none. */
bool render_last_miss(const struct render *r, char *buf, size_t len);
/* "200000 failing calls on 199990 paths; most in /usr/include (120000); by misses (200000)":
 * what the analysis summed up to stay in memory; false when it forgot nothing. */
bool render_forgotten(const struct render *r, char *buf, size_t len);
/* "openat ENOENT /path": the failing call of a finding. */
void render_call(const struct record *r, char *buf, size_t len);

#endif
