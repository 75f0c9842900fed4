// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * analysis_evict.c: far more distinct failing calls than the table holds, then the decisive one.
 * The late race is still found and its actor named, memory stays bounded, nothing goes
 * unanalysed, and what was forgotten is summed up by directory and process. Must not fire: the
 * same storm with the removal coming after the failure (its rm forked later) is no race.
 */
#include <errno.h>
#include <string.h>

#include "diagnose/analysis.h"
#include "check.h"
#include "diagnose/findings.h"

#define MISSES (ANALYSIS_MAX_CALLS * 3)
#define MS 1000000ull

static void put(struct analysis *a, enum rec_type type, uint64_t ts, uint32_t pid, const char *comm,
		const char *syscall, int err, const char *path, int64_t ret)
{
	struct record r;

	record_init(&r);
	r.type = type;
	r.ts_ns = ts;
	r.pid = r.tid = pid;
	r.ppid = 1;
	strncpy(r.comm, comm, sizeof(r.comm) - 1);
	r.syscall = (char *)syscall;
	r.err = err;
	r.has_ret = type == REC_PROC || err;
	r.ret = type == REC_PROC ? ret : -err;
	r.path = (char *)path;
	analysis_add(a, &r);
}

/* A header search's misses, then (when RACE) an rm -rf of gen/ just before cat reads gen/config.h;
 * otherwise the rm is forked only after cat failed. The script exits 1 either way. */
static struct analysis *storm_then(bool race)
{
	static char *argv[] = { "build.sh" };
	struct recording_header h = { .mode = "run", .argv = argv, .argc = 1 };
	struct analysis *a = analysis_new(&h);
	char path[64];
	uint64_t t = 1000 * MS, rm_at;

	REQUIRE(a);
	for (int i = 0; i < MISSES; i++) {
		snprintf(path, sizeof(path), "/w/inc/%d/h%d.h", i % 50, i);
		put(a, REC_SYSCALL, t + (uint64_t)i * 1000, 10, "misses", "openat", ENOENT, path, 0);
	}
	t += (uint64_t)MISSES * 1000 + MS;
	put(a, REC_PROC, t, 10, "misses", "exit", 0, NULL, 0);
	rm_at = race ? t + MS : t + 10 * MS;
	put(a, REC_PROC, rm_at - MS / 2, 20, "rm", "fork", 0, NULL, 0);
	put(a, REC_REMOVE, rm_at, 20, "rm", "unlinkat", 0, "/w/gen/config.h", 0);
	put(a, REC_REMOVE, rm_at + 1000, 20, "rm", "unlinkat", 0, "/w/gen", 0);
	put(a, REC_SYSCALL, t + 5 * MS, 30, "cat", "openat", ENOENT, "/w/gen/config.h", 0);
	put(a, REC_PROC, t + 6 * MS, 30, "cat", "exit", 0, NULL, 1);
	analysis_end(a, MISSES + 7, 0, 1, NULL, false);
	return a;
}

static const struct finding *race_of(const struct findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].class, "enoent_race"))
			return &f->v[i];
	return NULL;
}

static void late_race_kept(void)
{
	struct analysis *a = storm_then(true);
	struct findings f;
	const struct finding *x;

	CHECK(a->calls.count <= ANALYSIS_MAX_CALLS);
	CHECK(a->over_limit == 0);
	CHECK(a->forgotten.calls > 0 && a->forgotten.calls == a->forgotten.groups);
	/* The forgotten misses were all misses.c's, in /w/inc/N. */
	CHECK(!strcmp(a->forgotten.comms[0].name, "misses") || !strcmp(a->forgotten.comms[1].name, "misses"));
	REQUIRE(findings_build(a, &f) == 0);
	x = race_of(&f);
	CHECK(x && x->severity == SEV_HIGH && !strcmp(x->actor.removal->comm, "rm"));
	CHECK(f.routine.forgotten + f.routine.probe + f.routine.search + f.routine.system >= a->forgotten.calls);
	CHECK(f.verdict.command_failed && f.verdict.explained);
	findings_free(&f);
	analysis_free(a);
}

static void removal_after_failure_is_no_race(void)
{
	struct analysis *a = storm_then(false);
	struct findings f;

	REQUIRE(findings_build(a, &f) == 0);
	CHECK(race_of(&f) == NULL);
	findings_free(&f);
	analysis_free(a);
}

int main(void)
{
	late_race_kept();
	removal_after_failure_is_no_race();
	return CHECK_RESULT();
}
