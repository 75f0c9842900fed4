// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The kernel-to-record boundary: variable-length events built as the BPF side builds them. */
#include <string.h>
#include <sys/syscall.h>
#include "check.h"
#include "collect/decode.h"
#include "fstrace.h"
#include "host/paths.h"

struct builder {
	unsigned char buf[FST_SCRATCH_SIZE];
	size_t off;
};

static struct fst_event *start(struct builder *b, __u32 type)
{
	struct fst_event *e = (struct fst_event *)b->buf;

	memset(b, 0, sizeof(*b));
	e->type = type;
	e->pid = e->tid = 42;
	e->ppid = 1;
	e->dirfd = -1;
	strcpy(e->comm, "tar");
	b->off = sizeof(*e);
	return e;
}

/* Strings must be added in enum fst_str order, as the kernel writes them. */
static void put(struct builder *b, int idx, const char *s)
{
	struct fst_event *e = (struct fst_event *)b->buf;
	size_t n = strlen(s) + 1;

	memcpy(b->buf + b->off, s, n);
	e->str_len[idx] = n;
	b->off += n;
}

static void test_relative_path_is_resolved(void)
{
	struct builder b;
	struct fst_event *e = start(&b, FST_EV_SYSCALL);
	struct record r;

	e->syscall = __NR_openat;
	e->ret = -2;
	put(&b, FST_STR_PATH, "../pkg/./index.js");
	put(&b, FST_STR_DIR, "node_modules/app/home"); /* leaf first: /home/app/node_modules */
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(r.type == REC_SYSCALL);
	CHECK(strcmp(r.syscall, "openat") == 0);
	CHECK(r.err == 2 && r.has_ret && r.ret == -2);
	CHECK(strcmp(r.cwd, "/home/app/node_modules") == 0);
	CHECK(strcmp(r.path, "/home/app/pkg/index.js") == 0);
	CHECK(strcmp(r.comm, "tar") == 0 && r.pid == 42);
	record_free(&r);
}

static void test_absolute_and_unresolved(void)
{
	struct builder b;
	struct fst_event *e = start(&b, FST_EV_REMOVE);
	struct record r;

	e->syscall = __NR_unlinkat;
	put(&b, FST_STR_PATH, "x/f");
	put(&b, FST_STR_DIR, "?"); /* a dirfd the kernel could not resolve */
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(r.type == REC_REMOVE && r.err == 0);
	CHECK(strcmp(r.path, "x/f") == 0 && r.cwd == NULL);
	record_free(&r);

	e = start(&b, FST_EV_RENAME);
	e->syscall = __NR_renameat2;
	put(&b, FST_STR_PATH, "/a/b");
	put(&b, FST_STR_PATH2, "c");
	put(&b, FST_STR_DIR2, "deep/!"); /* leaf "deep", the walk cut short above it */
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(strcmp(r.path, "/a/b") == 0);
	CHECK(strcmp(r.path2, ".../deep/c") == 0);
	record_free(&r);
}

static void test_mount_family(void)
{
	struct builder b;
	struct fst_event *e = start(&b, FST_EV_MOUNT);
	struct record r;

	e->syscall = __NR_mount;
	e->ret = -22;
	put(&b, FST_STR_PATH, "/merged");
	put(&b, FST_STR_PATH2, "overlay");
	put(&b, FST_STR_FSTYPE, "overlay");
	put(&b, FST_STR_DATA, "lowerdir=/l,upperdir=/u,workdir=/w");
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(r.type == REC_MOUNT && r.err == 22);
	CHECK(strcmp(r.fstype, "overlay") == 0 && strcmp(r.path2, "overlay") == 0);
	CHECK(strcmp(r.data, "lowerdir=/l,upperdir=/u,workdir=/w") == 0);
	CHECK(r.fd == -1 && r.has_flags);
	record_free(&r);

	e = start(&b, FST_EV_MOUNT);
	e->syscall = __NR_fsconfig;
	e->dirfd = 5;
	e->flags = 1; /* FSCONFIG_SET_STRING */
	put(&b, FST_STR_FSTYPE, "upperdir");
	put(&b, FST_STR_DATA, "/u");
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(strcmp(r.syscall, "fsconfig") == 0 && r.fd == 5);
	CHECK(strcmp(r.data, "upperdir=/u") == 0 && r.fstype == NULL);
	record_free(&r);
}

static void test_kernel_sources(void)
{
	struct builder b;
	struct fst_event *e = start(&b, FST_EV_EXT4_ERROR);
	struct record r;

	e->dev = (7u << 20) | 3;
	e->syscall = 1785;
	put(&b, FST_STR_DATA, "ext4_lookup");
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(r.has_dev && r.dev_major == 7 && r.dev_minor == 3);
	CHECK(strcmp(r.func, "ext4_lookup") == 0 && r.line == 1785);
	record_free(&r);

	e = start(&b, FST_EV_KMSG);
	put(&b, FST_STR_DATA, "overlay: filesystem on /u not supported as upperdir\n");
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(strcmp(r.msg, "overlay: filesystem on /u not supported as upperdir") == 0);
	record_free(&r);

	e = start(&b, FST_EV_PROC);
	e->syscall = FST_PROC_EXIT;
	e->ret = 9; /* killed by SIGKILL, as a wait status */
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(strcmp(r.syscall, "exit") == 0 && r.ret == 137);
	record_free(&r);

	e = start(&b, FST_EV_PROC);
	e->syscall = FST_PROC_FORK;
	e->ret = 4711;
	REQUIRE(event_decode(b.buf, b.off, &r) == 0);
	CHECK(r.pid == 4711 && r.ppid == 42);
	record_free(&r);
}

static void test_malformed_is_refused(void)
{
	struct builder b;
	struct fst_event *e = start(&b, FST_EV_SYSCALL);
	struct record r;

	CHECK(event_decode(b.buf, sizeof(*e) - 1, &r) == -1); /* shorter than the header */
	put(&b, FST_STR_PATH, "/x");
	CHECK(event_decode(b.buf, b.off - 1, &r) == -1); /* string runs past the end */
	b.buf[b.off - 1] = 'x';
	CHECK(event_decode(b.buf, b.off, &r) == -1); /* string without its NUL */
	e->type = 99;
	CHECK(event_decode(b.buf, b.off, &r) == -1); /* unknown type */
}

static void test_paths(void)
{
	char p[64];

	strcpy(p, "/a/./b//../c/");
	path_normalize(p);
	CHECK(strcmp(p, "/a/c") == 0);
	strcpy(p, "/../..");
	path_normalize(p);
	CHECK(strcmp(p, "/") == 0);
	strcpy(p, "a/../../b");
	path_normalize(p);
	CHECK(strcmp(p, "../b") == 0);
	CHECK(path_is_within("/a/b/c", "/a/b"));
	CHECK(path_is_within("/a/b", "/a/b"));
	CHECK(!path_is_within("/a/bc", "/a/b"));
	CHECK(path_is_within("/x", "/"));
}

int main(void)
{
	test_relative_path_is_resolved();
	test_absolute_and_unresolved();
	test_mount_family();
	test_kernel_sources();
	test_malformed_is_refused();
	test_paths();
	return CHECK_RESULT();
}
