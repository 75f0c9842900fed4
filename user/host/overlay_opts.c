// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Overlay options read the way fs/overlayfs/params.c reads them, so what fstrace shows is what
 * the kernel saw: ',' ends an option unless escaped (ovl_next_opt), ':' separates lowerdir layers
 * and "::" starts the data-only ones (ovl_parse_param_split_lowerdirs), and a backslash makes the
 * next character literal (ovl_unescape) in lowerdir, upperdir and workdir, but not in lowerdir+
 * and datadir+, which the kernel looks up as given (ovl_mount_dir_noesc).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/overlay_opts.h"
#include "host/paths.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

#define OOM() fail(err, errlen, "out of memory")

/* Appends s; the capacity doubles at each power of two, so the struct needs no capacity field. */
static int push(char ***v, size_t *n, char *s)
{
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 1;
		char **nv = realloc(*v, cap * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = s;
	return 0;
}

static void free_list(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* True when s ends in a backslash that escapes nothing ("a\\" is an escaped backslash, fine). */
static bool lone_backslash(const char *s)
{
	for (; *s; s++)
		if (*s == '\\' && !*++s)
			return true;
	return false;
}

/*
 * src[0..n) as a path: escape backslashes dropped when unescape, then a relative result anchored
 * at cwd. The kernel resolves a relative layer against the mounting process's cwd, which is how
 * containerd keeps long layer lists under a page ("lowerdir=2/fs:1/fs" inside snapshots/).
 * Absolute paths stay as given. NULL when memory runs out.
 */
static char *make_path(const char *src, size_t n, bool unescape, const char *cwd)
{
	char *s = malloc(n + 1), *d = s, *joined;

	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (unescape && src[i] == '\\' && i + 1 < n)
			i++;
		*d++ = src[i];
	}
	*d = '\0';
	if (!cwd || !*cwd || !s[0] || s[0] == '/')
		return s;
	joined = path_join(cwd, s);
	free(s);
	return joined;
}

static int add_layer(struct overlay_opts *o, bool data, const char *src, size_t n, bool unescape, const char *cwd,
		     char *err, size_t errlen)
{
	char *s;

	/* The kernel counts lower and data-only layers together against OVL_MAX_STACK. */
	if (o->nlower + o->ndata >= OVL_MAX_LOWER)
		return fail(err, errlen, "more than %d lower layers", OVL_MAX_LOWER);
	s = make_path(src, n, unescape, cwd);
	if (!s || push(data ? &o->data : &o->lower, data ? &o->ndata : &o->nlower, s)) {
		free(s);
		return OOM();
	}
	return 0;
}

static int split_lowerdir(struct overlay_opts *o, const char *v, const char *cwd, char *err, size_t errlen)
{
	const char *start = v;
	bool data = false;

	/* "lowerdir=" is accepted by the parser (fsparam_string_empty); the mount fails later. */
	if (!*v)
		return 0;
	if (*v == ':')
		return fail(err, errlen, "lowerdir starts with ':' (an empty first layer)");
	for (const char *p = v;; p++) {
		if (*p == '\\') {
			if (!p[1])
				return fail(err, errlen, "lowerdir ends with a lone '\\'");
			p++;
			continue;
		}
		if (*p && *p != ':')
			continue;
		if (p == start)
			return fail(err, errlen, "empty layer in lowerdir");
		if (add_layer(o, data, start, p - start, true, cwd, err, errlen))
			return -1;
		if (!*p)
			return 0;
		if (p[1] == ':') {
			if (p[2] == ':')
				return fail(err, errlen, "':::' in lowerdir (only ':' and '::' separate layers)");
			data = true;
			p++;
		} else if (data) {
			return fail(err, errlen, "a regular layer follows a data-only ('::') layer in lowerdir");
		}
		if (!p[1])
			return fail(err, errlen, "lowerdir ends with ':'");
		start = p + 1;
	}
}

/* upperdir/workdir: unescaped like lowerdir; given twice, the last one wins as in the kernel. */
static int set_dir(char **dst, bool *has, const char *key, const char *v, const char *cwd, char *err,
		   size_t errlen)
{
	if (lone_backslash(v))
		return fail(err, errlen, "%s ends with a lone '\\'", key);
	free(*dst);
	*has = true;
	*dst = make_path(v, strlen(v), true, cwd);
	return *dst ? 0 : OOM();
}

int overlay_opts_add(struct overlay_opts *o, const char *key, const char *value, const char *cwd, char *err,
		     size_t errlen)
{
	bool data;
	char *s;
	int r;

	if (!o || !key)
		return fail(err, errlen, "no option name");
	if (strcmp(key, "lowerdir") == 0) {
		/* A new lowerdir replaces every lower layer before it, lowerdir+ ones included. */
		free_list(&o->lower, &o->nlower);
		free_list(&o->data, &o->ndata);
		o->has_lower = true;
		r = split_lowerdir(o, value ? value : "", cwd, err, errlen);
		if (r) { /* the kernel drops the half-parsed list too (ovl_reset_lowerdirs) */
			free_list(&o->lower, &o->nlower);
			free_list(&o->data, &o->ndata);
		}
		return r;
	}
	if (strcmp(key, "lowerdir+") == 0 || strcmp(key, "datadir+") == 0) {
		/*
		 * One layer each, no escapes. The kernel also refuses these after a whole "lowerdir"; that
		 * needs state this struct does not keep, and the mount's own error reports it.
		 */
		data = key[0] == 'd';
		if (!value || !*value)
			return fail(err, errlen, "%s needs a directory", key);
		if (!data && o->ndata)
			return fail(err, errlen, "lowerdir+ after datadir+ (data-only layers come last)");
		if (add_layer(o, data, value, strlen(value), false, cwd, err, errlen))
			return -1;
		o->has_lower |= !data;
		return 0;
	}
	if (strcmp(key, "upperdir") == 0)
		return set_dir(&o->upper, &o->has_upper, key, value ? value : "", cwd, err, errlen);
	if (strcmp(key, "workdir") == 0)
		return set_dir(&o->work, &o->has_work, key, value ? value : "", cwd, err, errlen);

	if (value) {
		size_t kl = strlen(key), vl = strlen(value);

		s = malloc(kl + vl + 2);
		if (s) {
			memcpy(s, key, kl);
			s[kl] = '=';
			memcpy(s + kl + 1, value, vl + 1);
		}
	} else {
		s = strdup(key);
	}
	if (!s || push(&o->other, &o->nother, s)) {
		free(s);
		return OOM();
	}
	return 0;
}

int overlay_opts_parse(const char *data, const char *cwd, struct overlay_opts *o, char *err, size_t errlen)
{
	char *buf, *opt;
	int r = 0;

	memset(o, 0, sizeof(*o));
	if (err && errlen)
		err[0] = '\0';
	if (!data) /* mount(2) with no data: no options at all */
		return 0;
	buf = strdup(data);
	if (!buf)
		return OOM();
	opt = buf;
	for (char *p = buf;; p++) {
		char *eq;
		bool last;

		/* An escaped character, ',' included, stays in the option with its backslash. */
		if (*p == '\\') {
			if (!p[1]) {
				r = fail(err, errlen, "options end with a lone '\\'");
				break;
			}
			p++;
			continue;
		}
		if (*p && *p != ',')
			continue;
		last = !*p;
		*p = '\0';
		if (*opt) { /* empty options (",,") are skipped, as vfs_parse_monolithic_sep does */
			eq = strchr(opt, '=');
			if (eq)
				*eq = '\0';
			r = overlay_opts_add(o, opt, eq ? eq + 1 : NULL, cwd, err, errlen);
			if (r)
				break;
		}
		if (last)
			break;
		opt = p + 1;
	}
	free(buf);
	if (r)
		overlay_opts_free(o);
	return r;
}

void overlay_opts_free(struct overlay_opts *o)
{
	if (!o)
		return;
	free_list(&o->lower, &o->nlower);
	free_list(&o->data, &o->ndata);
	free_list(&o->other, &o->nother);
	free(o->upper);
	free(o->work);
	memset(o, 0, sizeof(*o));
}
