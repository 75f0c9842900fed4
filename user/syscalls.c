// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The syscall table: which calls are traced and which argument is which. The kernel programs are
 * generic; this table, copied into their read-only data at load, is what makes them specific.
 */
#include <stddef.h>
#include <string.h>
#include <asm/unistd.h>
#include "syscalls.h"

#define N FST_ARG_NONE
#define CWD FST_ARG_CWD

/* class, path, dirfd, path2, dirfd2, fstype, data, flags */
#define FAIL(path, dirfd) { FST_SC_FAIL, path, dirfd, N, N, N, N, N }
#define FAIL2(path, dirfd, path2, dirfd2) { FST_SC_FAIL, path, dirfd, path2, dirfd2, N, N, N }
#define REMOVE(path, dirfd) { FST_SC_FAIL | FST_SC_REMOVE, path, dirfd, N, N, N, N, N }
#define RENAME(path, dirfd, path2, dirfd2) { FST_SC_FAIL | FST_SC_RENAME, path, dirfd, path2, dirfd2, N, N, N }
#define MOUNT(path, dirfd, path2, dirfd2, fstype, data, flags) \
	{ FST_SC_MOUNT, path, dirfd, path2, dirfd2, fstype, data, flags }

#define SC(name, layout) { #name, __NR_##name, layout }

const struct traced_syscall traced_syscalls[] = {
	SC(open, FAIL(0, CWD)),
	SC(openat, FAIL(1, 0)),
	SC(openat2, FAIL(1, 0)),
	SC(creat, FAIL(0, CWD)),
	SC(mkdir, FAIL(0, CWD)),
	SC(mkdirat, FAIL(1, 0)),
	SC(unlink, REMOVE(0, CWD)),
	SC(unlinkat, REMOVE(1, 0)),
	SC(rmdir, REMOVE(0, CWD)),
	SC(rename, RENAME(0, CWD, 1, CWD)),
	SC(renameat, RENAME(1, 0, 3, 2)),
	SC(renameat2, RENAME(1, 0, 3, 2)),
	SC(link, FAIL2(1, CWD, 0, CWD)),
	SC(linkat, FAIL2(3, 2, 1, 0)),
	/* path is the link being created; path2 its target, text that is never resolved */
	SC(symlink, FAIL2(1, CWD, 0, N)),
	SC(symlinkat, FAIL2(2, 1, 0, N)),
	SC(stat, FAIL(0, CWD)),
	SC(lstat, FAIL(0, CWD)),
	SC(newfstatat, FAIL(1, 0)),
	SC(statx, FAIL(1, 0)),
	SC(access, FAIL(0, CWD)),
	SC(faccessat, FAIL(1, 0)),
	SC(faccessat2, FAIL(1, 0)),
	SC(readlink, FAIL(0, CWD)),
	SC(readlinkat, FAIL(1, 0)),
	SC(utimensat, FAIL(1, 0)),
	SC(chmod, FAIL(0, CWD)),
	SC(fchmodat, FAIL(1, 0)),
	SC(chown, FAIL(0, CWD)),
	SC(lchown, FAIL(0, CWD)),
	SC(fchownat, FAIL(1, 0)),
	SC(truncate, FAIL(0, CWD)),
	SC(chdir, FAIL(0, CWD)),
	SC(execve, FAIL(0, CWD)),
	SC(execveat, FAIL(1, 0)),
	/* mount(source, target, fstype, flags, data): path is the target, path2 the source */
	SC(mount, MOUNT(1, CWD, 0, N, 2, 4, 3)),
	SC(umount2, MOUNT(0, CWD, N, N, N, N, 1)),
	SC(fsopen, MOUNT(N, N, N, N, 0, N, 1)),
	/* fsconfig(fd, cmd, key, value, aux): the key goes in fstype's slot, cmd in flags */
	{ "fsconfig", __NR_fsconfig, { FST_SC_MOUNT | FST_SC_FSCONFIG, N, 0, N, N, 2, 3, 1 } },
	SC(fsmount, MOUNT(N, 0, N, N, N, N, 1)),
	/* move_mount(from_dfd, from_path, to_dfd, to_path, flags): path is the target */
	SC(move_mount, MOUNT(3, 2, 1, 0, N, N, 4)),
	SC(fspick, MOUNT(1, 0, N, N, N, N, 2)),
	SC(open_tree, MOUNT(1, 0, N, N, N, N, 2)),
};

const int traced_syscall_count = sizeof(traced_syscalls) / sizeof(traced_syscalls[0]);

const char *syscall_name(int nr)
{
	for (int i = 0; i < traced_syscall_count; i++)
		if (traced_syscalls[i].nr == nr)
			return traced_syscalls[i].name;
	return NULL;
}

int syscall_nr(const char *name)
{
	for (int i = 0; i < traced_syscall_count; i++)
		if (strcmp(traced_syscalls[i].name, name) == 0)
			return traced_syscalls[i].nr;
	return -1;
}
