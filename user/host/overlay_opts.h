/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Overlay mount options as the kernel reads them: lowerdir (several, ':'-separated), upperdir,
 * workdir, from a mount(2) data string or from fsconfig keys. Relative directories are resolved
 * against the caller's cwd: containerd chdirs into the snapshots directory and passes relative
 * lowerdirs when the options would not fit in a page.
 */
#ifndef FSTRACE_OVERLAY_OPTS_H
#define FSTRACE_OVERLAY_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#define OVL_MAX_LOWER 500 /* the kernel's own limit */

struct overlay_opts {
	char **lower; /* lowerdirs, top first, unescaped, absolute when a cwd was given */
	size_t nlower;
	char **data; /* datadir+ (data-only lower layers, 6.7+) */
	size_t ndata;
	char *upper, *work;                  /* NULL when not given */
	bool has_lower, has_upper, has_work; /* the option appeared (even if empty) */
	char **other;                        /* every other option, as given ("index=on", "userxattr") */
	size_t nother;
};

/*
 * Parses a mount(2) overlay data string. Escapes follow the kernel: a backslash makes the next
 * character literal, so "\," and "\:" are part of a path and "\\" is a backslash. "lowerdir=a::b"
 * (data-only layers after "::") puts b in data. cwd (may be NULL) resolves relative paths.
 * Returns 0, or -1 on a malformed string (err says why) or when memory runs out.
 */
int overlay_opts_parse(const char *data, const char *cwd, struct overlay_opts *o, char *err, size_t errlen);
/*
 * Adds one fsconfig key/value (the new mount API): "lowerdir" (whole list), "lowerdir+" and
 * "datadir+" (one layer each, no escapes), "upperdir", "workdir", anything else to other.
 * o must be zeroed before the first call. 0, or -1 as above.
 */
int overlay_opts_add(struct overlay_opts *o, const char *key, const char *value, const char *cwd, char *err,
		     size_t errlen);
void overlay_opts_free(struct overlay_opts *o);

#endif
