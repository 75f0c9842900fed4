// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The explain window: which outsiders a traced failure keeps, and when the end of a run waits. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "collect/explain.h"
#include "recording/record.h"

static int kept;

static void count_kept(const struct record *r, void *ctx)
{
	kept++;
}

static struct record call(enum rec_type type, uint64_t ts, const char *syscall, int err, const char *path)
{
	struct record r;

	record_init(&r);
	r.type = type;
	r.ts_ns = ts;
	r.syscall = (char *)syscall;
	r.err = err;
	r.path = (char *)path;
	return r;
}

#define MS 1000000ull

int main(void)
{
	struct explain_window *w = explain_new(count_kept, NULL);
	struct record r;

	REQUIRE(w);
	CHECK(!explain_awaiting(w, 0));

	/* A PATH search and a loader's probe are not worth waiting for. */
	r = call(REC_SYSCALL, 100 * MS, "execve", ENOENT, "/usr/local/bin/true");
	explain_insider(w, &r);
	r = call(REC_SYSCALL, 101 * MS, "access", ENOENT, "/etc/ld.so.preload");
	explain_insider(w, &r);
	CHECK(!explain_awaiting(w, 0));

	/* A real miss is, until a removal of an ancestor arrives (after it: emitted at syscall exit). */
	r = call(REC_SYSCALL, 200 * MS, "openat", ENOENT, "/w/node_modules/pkg/lib/a.js");
	explain_insider(w, &r);
	CHECK(explain_awaiting(w, 150 * MS));
	CHECK(!explain_awaiting(w, 201 * MS)); /* only recent failures count */
	r = call(REC_REMOVE, 199 * MS, "rmdir", 0, "/w/node_modules/pkg");
	explain_outsider(w, &r);
	CHECK(kept == 1);
	CHECK(!explain_awaiting(w, 150 * MS));

	/* A removal already in the window explains a later failure at once. */
	r = call(REC_REMOVE, 300 * MS, "unlinkat", 0, "/w/gone");
	explain_outsider(w, &r);
	CHECK(kept == 1);
	r = call(REC_SYSCALL, 301 * MS, "statx", ENOENT, "/w/gone");
	explain_insider(w, &r);
	CHECK(kept == 2);
	CHECK(!explain_awaiting(w, 250 * MS));

	/* An unrelated removal explains nothing. */
	r = call(REC_SYSCALL, 400 * MS, "openat", ENOENT, "/w/other");
	explain_insider(w, &r);
	r = call(REC_REMOVE, 400 * MS, "unlinkat", 0, "/w/else");
	explain_outsider(w, &r);
	CHECK(kept == 2);
	CHECK(explain_awaiting(w, 350 * MS));

	explain_free(w);
	return CHECK_RESULT();
}
