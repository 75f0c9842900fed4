// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The recording's first line: where and when it was made, so a report can say so. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "recording/recording.h"

#ifndef FSTRACE_VERSION
#define FSTRACE_VERSION "unknown"
#endif

void recording_timestamp(char *buf, size_t len)
{
	struct tm tm;
	time_t now = time(NULL);

	if (!gmtime_r(&now, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "unknown");
}

void recording_header_free(struct recording_header *h)
{
	char **strs[] = { &h->fstrace_version, &h->kernel, &h->hostname, &h->boot_id, &h->started, &h->mode };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (int i = 0; h->argv && i < h->argc; i++)
		free(h->argv[i]);
	free(h->argv);
	for (size_t i = 0; i < h->nattach; i++) {
		free(h->attach[i].hook);
		free(h->attach[i].mode);
	}
	free(h->attach);
	memset(h, 0, sizeof(*h));
}

/* argv[0..argc) copied, NULL-terminated; -1 on allocation failure (h->argv then freeable). */
static int set_argv(struct recording_header *h, int argc, const char *const *argv)
{
	if (argc < 0 || !(h->argv = calloc((size_t)argc + 1, sizeof(char *))))
		return -1;
	for (; h->argc < argc; h->argc++)
		if (!(h->argv[h->argc] = strdup(argv[h->argc] ? argv[h->argc] : "")))
			return -1;
	return 0;
}

int recording_header_add_attach(struct recording_header *h, const char *hook, const char *mode)
{
	struct recording_attach *a;

	if (!hook || !mode || !(a = reallocarray(h->attach, h->nattach + 1, sizeof(*a))))
		return -1;
	h->attach = a;
	a += h->nattach;
	a->hook = strdup(hook);
	a->mode = strdup(mode);
	if (!a->hook || !a->mode) {
		free(a->hook);
		free(a->mode);
		return -1;
	}
	h->nattach++;
	return 0;
}

/* The boot this recording's timestamps belong to; NULL when the kernel does not say. */
static char *read_boot_id(void)
{
	char buf[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? strdup(buf) : NULL;
}

int recording_header_fill(struct recording_header *h, const char *mode, int argc, char *const argv[], char *err,
			  size_t errlen)
{
	char host[HOST_NAME_MAX + 1] = "", started[32];
	struct utsname u;
	struct timespec ts;

	memset(h, 0, sizeof(*h));
	h->format_version = RECORDING_FORMAT_VERSION;
	if (uname(&u) || clock_gettime(CLOCK_BOOTTIME, &ts)) {
		snprintf(err, errlen, "cannot read the kernel version or boot time: %m");
		return -1;
	}
	/* Taken together so a report can map ts_ns to wall-clock time. */
	h->started_boot_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	recording_timestamp(started, sizeof(started));
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	h->boot_id = read_boot_id();
	if (!(h->fstrace_version = strdup(FSTRACE_VERSION)) || !(h->kernel = strdup(u.release)) ||
	    !(h->hostname = strdup(host)) || !(h->started = strdup(started)) ||
	    (mode && !(h->mode = strdup(mode))) || (argc > 0 && set_argv(h, argc, (const char *const *)argv))) {
		recording_header_free(h);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void recording_header_to_json(const struct recording_header *h, struct jbuf *out)
{
	jobj_begin(out);
	jobj_str(out, "type", "header");
	jobj_str(out, "format", RECORDING_FORMAT);
	jobj_i64(out, "format_version", RECORDING_FORMAT_VERSION);
	jobj_str(out, "fstrace_version", h->fstrace_version);
	jobj_str(out, "kernel", h->kernel);
	jobj_str(out, "hostname", h->hostname);
	jobj_str(out, "boot_id", h->boot_id);
	jobj_str(out, "started", h->started);
	jobj_u64(out, "started_boot_ns", h->started_boot_ns);
	jobj_str(out, "mode", h->mode);
	if (h->argv) {
		jobj_key(out, "command");
		jarr_begin(out);
		for (int i = 0; i < h->argc; i++)
			jarr_str(out, h->argv[i]);
		jarr_end(out);
	}
	jobj_key(out, "attach");
	jobj_begin(out);
	for (size_t i = 0; i < h->nattach; i++)
		jobj_str(out, h->attach[i].hook, h->attach[i].mode);
	jobj_end(out);
	jobj_end(out);
}

/* The header's optional fields; -1 with the first problem in err. */
static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "header: %s", what);
	return -1;
}

static int header_fields(const struct jval *obj, struct recording_header *h, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"fstrace_version", "kernel", "hostname", "boot_id", "started", "mode"
	};
	char **dst[] = { &h->fstrace_version, &h->kernel, &h->hostname, &h->boot_id, &h->started, &h->mode };
	const struct jval *v;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!(v = jval_get(obj, keys[i])))
			continue;
		if (!jval_str(v)) {
			snprintf(err, errlen, "header: %s: expected a string", keys[i]);
			return -1;
		}
		if (!(*dst[i] = strdup(jval_str(v))))
			return fail(err, errlen, "out of memory");
	}
	if ((v = jval_get(obj, "started_boot_ns")) && !jval_u64(v, &h->started_boot_ns))
		return fail(err, errlen, "started_boot_ns: expected an unsigned integer");
	if ((v = jval_get(obj, "command"))) {
		bool ok = v->type == JSON_ARR && v->arr.n < INT_MAX;

		for (size_t i = 0; ok && i < v->arr.n; i++)
			ok = jval_str(&v->arr.v[i]) != NULL;
		if (!ok)
			return fail(err, errlen, "command: expected an array of strings");
		const char **argv = calloc(v->arr.n + 1, sizeof(*argv));
		if (!argv)
			return fail(err, errlen, "out of memory");
		for (size_t i = 0; i < v->arr.n; i++)
			argv[i] = jval_str(&v->arr.v[i]);
		int rc = set_argv(h, (int)v->arr.n, argv);
		free(argv);
		if (rc)
			return fail(err, errlen, "out of memory");
	}
	if ((v = jval_get(obj, "attach"))) {
		if (v->type != JSON_OBJ)
			return fail(err, errlen, "attach: expected an object of strings");
		for (size_t i = 0; i < v->obj.n; i++) {
			const char *mode = jval_str(&v->obj.m[i].val);

			if (!mode)
				return fail(err, errlen, "attach: expected an object of strings");
			if (recording_header_add_attach(h, v->obj.m[i].key, mode))
				return fail(err, errlen, "out of memory");
		}
	}
	return 0;
}

int recording_header_from_json(const struct jval *obj, struct recording_header *h, char *err, size_t errlen)
{
	const char *type = jval_str(jval_get(obj, "type"));
	const char *format = jval_str(jval_get(obj, "format"));
	int64_t version;

	memset(h, 0, sizeof(*h));
	if (!type || strcmp(type, "header") || !format || strcmp(format, RECORDING_FORMAT))
		return 1;
	if (!jval_i64(jval_get(obj, "format_version"), &version) || version < 1)
		return fail(err, errlen, "format_version: expected a positive integer");
	if (version > RECORDING_FORMAT_VERSION) {
		snprintf(err, errlen, "recording format %lld is newer than this fstrace understands (%d)",
			 (long long)version, RECORDING_FORMAT_VERSION);
		return -1;
	}
	h->format_version = (int)version;
	if (header_fields(obj, h, err, errlen) == 0)
		return 0;
	recording_header_free(h);
	return -1;
}
