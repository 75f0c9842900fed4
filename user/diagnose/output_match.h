/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The command's own words: recognising, in a line the traced command printed, the filesystem
 * error it reports and the path or mount it names, so the line can be put beside the finding.
 *
 * Shapes recognised (each a real tool's message):
 *   node/npm/node-tar:  "npm warn tar TAR_ENTRY_ERROR ENOENT: no such file or directory, open '/p'"
 *                       "Error: EACCES: permission denied, mkdir '/p'"   (", rename '/a' -> '/b'")
 *   docker/containerd:  "... mount source: \"overlay\", target: \"/t\", fstype: overlay, flags: 0,
 *                        data: \"lowerdir=...\", err: invalid argument"  (quotes optional)
 *   coreutils & co:     "cat: /p: No such file or directory"
 *                       "mkdir: cannot create directory '/p': No such file or directory"
 *                       "tar: x/y: Cannot open: No such file or directory"
 *   anything else:      a path (quoted any way, or a word with a '/') and an errno's text or
 *                       name in the same line ("OSError: [Errno 24] Too many open files: '/p'",
 *                       "mkdir: cannot create directory ‘/p’: Permission denied"): loose
 */
#ifndef FSTRACE_OUTPUT_MATCH_H
#define FSTRACE_OUTPUT_MATCH_H

#include <stdbool.h>
#include <stddef.h>

enum output_kind {
	OUTPUT_NONE = 0,
	OUTPUT_FS_ERROR,    /* a call on a path failed */
	OUTPUT_MOUNT_ERROR, /* a mount failed */
};

struct output_match {
	enum output_kind kind;
	int err;       /* errno number when the line names one (ENOENT, or by its strerror text), else 0 */
	char *syscall; /* the call the tool says failed ("open", "lstat", "mkdir"), NULL if not said */
	char *path;    /* the path it names, as printed (may be relative) */
	char *path2;   /* a second path (rename's target), NULL if none */
	char *fstype;  /* mount errors: fstype when printed */
	char *target;  /* mount errors: the target */
	char *data;    /* mount errors: the data/options string */
	char *tool;    /* "npm", "tar", "cat"... the prefix before the first ':' when there is one */
	bool loose;    /* no known format: a path and an errno's text or name somewhere in the line;
			 * linked only to a finding of that very errno (finding_link_output) */
};

/* 1 with *m filled (free with output_match_free), 0 when the line says nothing we recognise,
 * -1 when memory runs out. The line has no trailing newline; any bytes are accepted. */
int output_match_line(const char *line, size_t len, struct output_match *m);
void output_match_free(struct output_match *m);

#endif
