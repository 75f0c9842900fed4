// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The "access" and "links" states: which component refuses a uid, read from a real tree (made by
 * whoever runs the test, judged for uid 65534, who owns none of it), and a symlink cycle. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "recording/record.h"
#include "collect/state.h"

static char top[256];

static void gather(int (*fn)(const struct record *, struct record *), const char *syscall, int err,
		   const char *path, struct record *out)
{
	struct record f;

	record_init(&f);
	record_init(out);
	f.type = REC_SYSCALL;
	f.pid = (uint32_t)getpid();
	f.uid = f.gid = 65534;
	f.has_uid = true;
	f.err = err;
	f.syscall = (char *)syscall;
	f.path = (char *)path;
	REQUIRE(fn(&f, out) == 0);
}

static void check_denier(const char *syscall, const char *path, const char *denier, const char *need,
			 uint64_t mode)
{
	struct record s;
	char buf[512];
	uint64_t v;

	gather(state_gather_access, syscall, EACCES, path, &s);
	CHECK(state_str(&s, "denier", buf, sizeof(buf)) && !strcmp(buf, denier));
	CHECK(state_str(&s, "need", buf, sizeof(buf)) && !strcmp(buf, need));
	CHECK(state_u64(&s, "mode", &v) && v == mode);
	CHECK(state_u64(&s, "uid", &v) && v == 65534);
	CHECK(state_str(&s, "mnt", buf, sizeof(buf)) && buf[0] == '/');
	free(s.data);
}

int main(void)
{
	char locked[300], sub[320], closed[300], inner[330], file[300], a[300], b[300];
	struct record s;
	char chain[2048];

	snprintf(top, sizeof(top), "%s/fstrace-state-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	REQUIRE(mkdtemp(top));
	REQUIRE(chmod(top, 0755) == 0);
	snprintf(locked, sizeof(locked), "%s/locked", top);
	snprintf(sub, sizeof(sub), "%s/sub", locked);
	snprintf(closed, sizeof(closed), "%s/closed", top);
	snprintf(inner, sizeof(inner), "%s/inner/file", closed);
	snprintf(file, sizeof(file), "%s/secret", top);
	REQUIRE(mkdir(locked, 0755) == 0 && chmod(locked, 0755) == 0);
	REQUIRE(mkdir(closed, 0700) == 0);
	FILE *fp = fopen(file, "w");
	REQUIRE(fp);
	fclose(fp);
	REQUIRE(chmod(file, 0600) == 0);

	if (getuid() != 65534) {
		check_denier("mkdir", sub, locked, "write", 0755);     /* a create: the parent */
		check_denier("openat", inner, closed, "search", 0700); /* a directory above */
		check_denier("openat", file, file, "read", 0600);      /* the leaf itself */
	}

	/* a -> b -> a */
	snprintf(a, sizeof(a), "%s/a", top);
	snprintf(b, sizeof(b), "%s/b", top);
	REQUIRE(symlink(b, a) == 0 && symlink(a, b) == 0);
	gather(state_gather_links, "openat", ELOOP, a, &s);
	CHECK(state_str(&s, "chain", chain, sizeof(chain)));
	{
		char want[1024];

		snprintf(want, sizeof(want), "%s -> %s -> %s", a, b, a);
		CHECK(!strcmp(chain, want));
	}
	free(s.data);

	unlink(a);
	unlink(b);
	unlink(file);
	rmdir(closed);
	rmdir(locked);
	rmdir(top);
	return CHECK_RESULT();
}
