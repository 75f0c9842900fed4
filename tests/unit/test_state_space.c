// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The "statfs" state of a failing create whose process is gone by the time the collector reads
 * it (a slow machine, a short-lived shell): the walk up from the never-created path must stop at
 * the process's root, not climb to /proc, whose statfs (no inodes at all) read as "out of
 * blocks" on an ext4 that was out of inodes (seen on Linux 6.1 under qemu TCG). Its parent, in
 * the same mount namespace, is looked through instead; with neither and another namespace,
 * nothing is said.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "recording/record.h"
#include "collect/state.h"

/* A pid that was ours a moment ago and is no more. */
static uint32_t gone_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	REQUIRE(pid > 0 && waitpid(pid, NULL, 0) == pid);
	return (uint32_t)pid;
}

static uint32_t own_mntns(void)
{
	struct stat st;

	REQUIRE(stat("/proc/self/ns/mnt", &st) == 0);
	return (uint32_t)st.st_ino;
}

int main(void)
{
	char top[256], path[300];
	struct statvfs want;
	struct record f, s;
	uint64_t files = 0, ffree = 0;

	snprintf(top, sizeof(top), "%s/fstrace-space-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	REQUIRE(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/never/created.o", top);
	REQUIRE(statvfs(top, &want) == 0);

	record_init(&f);
	f.type = REC_SYSCALL;
	f.err = ENOSPC;
	f.syscall = (char *)"openat";
	f.path = path;
	f.pid = gone_pid();
	f.ppid = (uint32_t)getpid(); /* alive, in the same namespace: looked through */
	f.mntns = own_mntns();
	record_init(&s);
	REQUIRE(state_gather_statfs(&f, &s) == 0);
	CHECK(state_u64(&s, "files", &files) && files == want.f_files);
	CHECK(state_u64(&s, "ffree", &ffree));
	free(s.data);

	/* Both gone, and our own namespace: the path as the collector sees it. */
	f.ppid = gone_pid();
	record_init(&s);
	REQUIRE(state_gather_statfs(&f, &s) == 0);
	CHECK(state_u64(&s, "files", &files) && files == want.f_files);
	free(s.data);

	/* Both gone, and another namespace: nothing to look through, nothing said. */
	f.mntns = own_mntns() + 1;
	record_init(&s);
	CHECK(state_gather_statfs(&f, &s) != 0);

	rmdir(top);
	return CHECK_RESULT();
}
