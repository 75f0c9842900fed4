// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * missing_path: ENOENT with nothing competing: no one removed the path, no filesystem error on its
 * device. The path simply was not there. Most such misses are routine and must not drown the
 * report: a PATH or library search tries a name in several directories, a stat asks "does it
 * exist?" and "no" is an answer, mkdir -p starts with the leaf, a libc looks for locale files.
 * And a process that exited 0 handled every miss it met (npm looks for a dozen optional files),
 * as did a command that succeeded. Those are counted, not listed, unless the command's own output
 * names the path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "errnames.h"
#include "findings.h"

#define MAX_MISSING 200 /* findings listed; past this they are counted in routine.total */

/* Files a libc, a loader or a shell looks for on every start and rarely finds. */
static const char *const system_prefixes[] = {
	"/etc/ld.so.preload", "/etc/selinux/", "/sys/fs/smackfs", "/usr/lib/locale/",
	"/usr/share/locale/", "/usr/lib/x86_64-linux-gnu/gconv/", "/usr/share/zoneinfo/",
	"/run/mount/utab", "/sbin/mount.", "/sbin/fs.d/", "/sbin/fs/", "/proc/", "/dev/tty",
};

static bool is_system_noise(const char *path)
{
	for (size_t i = 0; i < sizeof(system_prefixes) / sizeof(system_prefixes[0]); i++)
		if (strncmp(path, system_prefixes[i], strlen(system_prefixes[i])) == 0)
			return true;
	return false;
}

/* Calls that ask whether something exists; "no" is an answer, not a failure. */
static bool is_probe(const char *sc)
{
	/* mkdir too: mkdir -p (and node's recursive mkdir) try the leaf first, then its parents. */
	static const char *const probes[] = { "stat", "lstat", "newfstatat", "statx", "access",
					      "faccessat", "faccessat2", "readlink", "readlinkat",
					      "mkdir", "mkdirat" };

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(sc, probes[i]) == 0)
			return true;
	return false;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static bool same_dir(const char *a, const char *b)
{
	return base_name(a) - a == base_name(b) - b && strncmp(a, b, base_name(a) - a) == 0;
}

/* Names missed in two or more directories: a search, not a loss. A group's count is the number
 * of directories its name was missed in (told apart from the first and the latest seen). */
static void count_basenames(struct group **all, struct group_table *names)
{
	for (size_t i = 0; all[i]; i++) {
		const struct record *r = &all[i]->first;
		const struct group *g;

		if (r->err != ENOENT || !r->path)
			continue;
		g = groups_find(names, base_name(r->path));
		if (!g || (!same_dir(g->first.path, r->path) && !same_dir(g->last.path, r->path)))
			groups_add(names, base_name(r->path), r);
	}
}

static bool mentioned_in_output(const struct analysis *a, const char *path)
{
	struct finding probe = {};
	bool yes;

	finding_link_output(a, &probe, path, LINK_PATH);
	yes = probe.noutput > 0;
	free(probe.output);
	return yes;
}

static struct finding *finding_for_path(struct findings *f, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].class, "missing_path") == 0 && strcmp(f->v[i].failure->path, path) == 0)
			return &f->v[i];
	return NULL;
}

void find_missing(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);
	struct group_table names = {};
	/* Only a command that failed has misses worth listing; a recording has no command. */
	bool failed = a->h.argc && a->exit_code > 0;
	size_t listed = 0;

	if (!all)
		return;
	count_basenames(all, &names);
	for (size_t i = 0; all[i]; i++) {
		const struct record *r = &all[i]->first;
		const struct group *same_name;
		struct finding *x;

		if (r->err != ENOENT || !r->path || findings_claimed(f, all[i]))
			continue;
		findings_claim(f, all[i]);
		same_name = groups_find(&names, base_name(r->path));
		if (!mentioned_in_output(a, r->path)) {
			if (is_system_noise(r->path)) {
				f->routine.system += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
			if (same_name && same_name->count > 1) {
				f->routine.search += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
			if (is_probe(r->syscall)) {
				f->routine.probe += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
			if (!failed || analysis_exit_status(a, r) == 0) {
				f->routine.handled += all[i]->count;
				f->routine.total += all[i]->count;
				continue;
			}
		}
		if ((x = finding_for_path(f, r->path))) { /* another call on the same path */
			x->count += all[i]->count;
			finding_evidence(x, r);
			if (r->ts_ns < x->failure->ts_ns)
				x->failure = r;
			continue;
		}
		if (listed == MAX_MISSING) {
			f->routine.total += all[i]->count;
			continue;
		}
		if (!(x = findings_new(f, "missing_path", "not_found", SEV_LOW)))
			break;
		listed++;
		x->failure = r;
		x->count = all[i]->count;
		finding_evidence(x, r);
		x->remedy = remedy_for(x->class, x->cause, NULL);
		finding_link_output(a, x, r->path, LINK_PATH);
	}
	/* Titles once every call on each path is known: the first call that failed names it. */
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		if (strcmp(x->class, "missing_path") == 0 && !x->title)
			finding_title(x, "%s %s %s: not there, and nothing removed it", x->failure->syscall,
				      errno_name(x->failure->err), x->failure->path);
	}
	groups_free(&names);
	free(all);
}
