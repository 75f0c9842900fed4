// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli/node.h"
#include "recording/recording.h"
#include "report/report.h"
#include "lib/util.h"

#define PREFIX "fstrace-"
#define SUFFIX ".jsonl.gz"

/* A new recording's name: the UTC time, which also sorts them oldest first. */
static void next_name(struct node_dir *n)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* Two rotations within a second (SIGHUP twice) must not collide. */
	snprintf(n->current, sizeof(n->current), "%s/" PREFIX "%s-%u" SUFFIX, n->dir, stamp, n->files++);
	if (access(n->current, F_OK) == 0)
		snprintf(n->current, sizeof(n->current), "%s/" PREFIX "%s-%u-%d" SUFFIX, n->dir, stamp, n->files++,
			 getpid());
	n->opened_ns = boottime_ns();
}

static void report_name(const char *recording, const char *ext, char *out, size_t len)
{
	size_t base = strlen(recording) - strlen(SUFFIX);

	snprintf(out, len, "%.*s.report.%s", (int)base, recording, ext);
}

/* Report files are created like recordings: 0600, never through a symlink. */
static FILE *create_report(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		say("cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

static int open_reports(const char *recording, struct report_out outs[2])
{
	char path[PATH_MAX + 16];

	report_name(recording, "txt", path, sizeof(path));
	outs[0] = (struct report_out){ create_report(path), REPORT_TEXT };
	report_name(recording, "json", path, sizeof(path));
	outs[1] = (struct report_out){ create_report(path), REPORT_JSON };
	return outs[0].file && outs[1].file ? 0 : -1;
}

static int close_reports(struct report_out outs[2])
{
	int ret = 0;

	for (int i = 0; i < 2; i++)
		if (outs[i].file && fclose(outs[i].file))
			ret = -1;
	return ret;
}

static bool is_recording(const char *name)
{
	size_t len = strlen(name);

	return !strncmp(name, PREFIX, strlen(PREFIX)) && len > strlen(SUFFIX) &&
	       !strcmp(name + len - strlen(SUFFIX), SUFFIX);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The recordings in DIR, oldest first; NULL-terminated, free each and the array. */
static char **list_recordings(const char *dir)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *e;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		char **grown;

		if (!is_recording(e->d_name) || !(grown = realloc(v, (n + 2) * sizeof(*v))))
			continue;
		v = grown;
		if (asprintf(&v[n], "%s/%s", dir, e->d_name) >= 0)
			n++;
	}
	closedir(d);
	if (v) {
		v[n] = NULL;
		qsort(v, n, sizeof(*v), by_name);
	}
	return v;
}

/* A recording an earlier run left without reports (it was killed): report what it holds, read
 * the way `fstrace report` reads it (report_load); a damaged one is left as it is. */
static void report_orphan(const char *recording)
{
	struct report_out outs[2];
	uint64_t cut_after;
	struct report *rep;

	if (!(rep = report_load(recording, &cut_after))) {
		say("%s: left as it is", recording);
		return;
	}
	if (open_reports(recording, outs) == 0)
		for (int i = 0; i < 2; i++)
			report_write(rep, outs[i].file, outs[i].fmt);
	close_reports(outs);
	report_free(rep);
}

static uint64_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Removes the oldest recordings (and their reports) until DIR fits the budget; never the current. */
static void keep_budget(struct node_dir *n)
{
	char **v = list_recordings(n->dir), path[PATH_MAX + 16];
	uint64_t total = 0, budget;
	size_t i;

	for (i = 0; v && v[i]; i++) {
		total += size_of(v[i]);
		report_name(v[i], "txt", path, sizeof(path));
		total += size_of(path);
		report_name(v[i], "json", path, sizeof(path));
		total += size_of(path);
	}
	/* Room for the current recording to grow to its rotation size: the budget is a ceiling. */
	budget = n->rotate_bytes && n->rotate_bytes < n->budget_bytes ? n->budget_bytes - n->rotate_bytes : 0;
	if (!n->rotate_bytes)
		budget = n->budget_bytes;
	for (i = 0; v && v[i] && total > budget; i++) {
		if (!strcmp(v[i], n->current))
			continue;
		total -= size_of(v[i]);
		unlink(v[i]);
		report_name(v[i], "txt", path, sizeof(path));
		total -= size_of(path);
		unlink(path);
		report_name(v[i], "json", path, sizeof(path));
		total -= size_of(path);
		unlink(path);
	}
	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int node_prepare(struct node_dir *n)
{
	char **v, path[PATH_MAX + 16];

	if (mkdir(n->dir, 0700) && errno != EEXIST) {
		say("--dir %s: %s", n->dir, strerror(errno));
		return -1;
	}
	if (access(n->dir, W_OK | X_OK)) {
		say("--dir %s: %s", n->dir, strerror(errno));
		return -1;
	}
	v = list_recordings(n->dir);
	for (size_t i = 0; v && v[i]; i++) {
		report_name(v[i], "txt", path, sizeof(path));
		if (access(path, F_OK))
			report_orphan(v[i]);
		free(v[i]);
	}
	free(v);
	next_name(n);
	keep_budget(n);
	return 0;
}

bool node_due(struct node_dir *n)
{
	return (n->rotate_ns && boottime_ns() - n->opened_ns >= n->rotate_ns) ||
	       (n->rotate_bytes && size_of(n->current) >= n->rotate_bytes);
}

int node_rotate(struct node_dir *n, struct session *s)
{
	struct report_out outs[2];
	char previous[PATH_MAX];
	int ret;

	snprintf(previous, sizeof(previous), "%s", n->current);
	next_name(n);
	open_reports(previous, outs);
	ret = session_rotate(s, n->current, outs, 2);
	if (close_reports(outs))
		ret = -1;
	keep_budget(n);
	return ret;
}

int node_finish(struct node_dir *n, struct session *s, int exit_code)
{
	struct report_out outs[2];
	int ret;

	open_reports(n->current, outs);
	ret = session_finish(s, exit_code, outs, 2);
	if (close_reports(outs))
		ret = -1;
	keep_budget(n);
	return ret;
}
