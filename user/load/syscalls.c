// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The syscall table: which calls are traced and which argument is which. The kernel programs are
 * generic; this table, copied into their read-only data at load, is what makes them specific.
 */
#include <stddef.h>
#include <string.h>
#include <asm/unistd.h>
#include "load/syscalls.h"

#define N FST_ARG_NONE
#define CWD FST_ARG_CWD

/* class, path, dirfd, path2, dirfd2, fstype, data, flags, fd */
#define FAIL(path, dirfd)                                  \
	{                                                  \
		FST_SC_FAIL, path, dirfd, N, N, N, N, N, N \
	}
#define FAIL2(path, dirfd, path2, dirfd2)                           \
	{                                                           \
		FST_SC_FAIL, path, dirfd, path2, dirfd2, N, N, N, N \
	}
#define REMOVE(path, dirfd)                                                \
	{                                                                  \
		FST_SC_FAIL | FST_SC_REMOVE, path, dirfd, N, N, N, N, N, N \
	}
#define RENAME(path, dirfd, path2, dirfd2)                                          \
	{                                                                           \
		FST_SC_FAIL | FST_SC_RENAME, path, dirfd, path2, dirfd2, N, N, N, N \
	}
#define MOUNT(path, dirfd, path2, dirfd2, fstype, data, flags)                   \
	{                                                                        \
		FST_SC_MOUNT, path, dirfd, path2, dirfd2, fstype, data, flags, N \
	}
/* A call on a descriptor (bpf/fstrace.h, layout.fd); name: an xattr name argument, or N */
#define FD(fd, name)                                    \
	{                                               \
		FST_SC_FAIL, N, N, N, N, N, name, N, fd \
	}
/* read family: only EIO, EUCLEAN and EBADMSG */
#define FD_READ(fd)                                                      \
	{                                                                \
		FST_SC_FAIL | FST_SC_IOERR_ONLY, N, N, N, N, N, N, N, fd \
	}
/* xattr reads, where "no such attribute" and the size probe are answers */
#define FD_XATTR_GET(fd, name)                                                 \
	{                                                                      \
		FST_SC_FAIL | FST_SC_XATTR_ANSWERS, N, N, N, N, N, name, N, fd \
	}
#define PATH_XATTR(path, name)                              \
	{                                                   \
		FST_SC_FAIL, path, CWD, N, N, N, name, N, N \
	}
#define PATH_XATTR_GET(path, name)                                                 \
	{                                                                          \
		FST_SC_FAIL | FST_SC_XATTR_ANSWERS, path, CWD, N, N, N, name, N, N \
	}

#define SC(name, layout)                   \
	{                                  \
#name, __NR_##name, layout \
	}

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
	{ "fsconfig", __NR_fsconfig, { FST_SC_MOUNT | FST_SC_FSCONFIG, N, 0, N, N, 2, 3, 1, N } },
	SC(fsmount, MOUNT(N, 0, N, N, N, N, 1)),
	/* move_mount(from_dfd, from_path, to_dfd, to_path, flags): path is the target */
	SC(move_mount, MOUNT(3, 2, 1, 0, N, N, 4)),
	SC(fspick, MOUNT(1, 0, N, N, N, N, 2)),
	SC(open_tree, MOUNT(1, 0, N, N, N, N, 2)),
	/* The write side: where data is lost (ENOSPC, EDQUOT, EIO at fsync or close) */
	SC(write, FD(0, N)),
	SC(pwrite64, FD(0, N)),
	SC(writev, FD(0, N)),
	SC(pwritev, FD(0, N)),
	SC(pwritev2, FD(0, N)),
	SC(fsync, FD(0, N)),
	SC(fdatasync, FD(0, N)),
	SC(sync_file_range, FD(0, N)),
	SC(close, FD(0, N)),
	SC(fallocate, FD(0, N)),
	SC(ftruncate, FD(0, N)),
	/* copy_file_range(fd_in, off_in, fd_out, ...), sendfile(out_fd, in_fd, ...): the output */
	SC(copy_file_range, FD(2, N)),
	SC(sendfile, FD(0, N)),
	SC(fchmod, FD(0, N)),
	SC(fchown, FD(0, N)),
	SC(fchdir, FD(0, N)),
	SC(fsetxattr, FD(0, 1)),
	SC(fgetxattr, FD_XATTR_GET(0, 1)),
	SC(flistxattr, FD_XATTR_GET(0, N)),
	SC(fremovexattr, FD(0, 1)),
	SC(setxattr, PATH_XATTR(0, 1)),
	SC(lsetxattr, PATH_XATTR(0, 1)),
	SC(removexattr, PATH_XATTR(0, 1)),
	SC(lremovexattr, PATH_XATTR(0, 1)),
	SC(getxattr, PATH_XATTR_GET(0, 1)),
	SC(lgetxattr, PATH_XATTR_GET(0, 1)),
	SC(listxattr, PATH_XATTR_GET(0, N)),
	SC(llistxattr, PATH_XATTR_GET(0, N)),
	/* The read side: only errors of the medium or the filesystem */
	SC(read, FD_READ(0)),
	SC(pread64, FD_READ(0)),
	SC(readv, FD_READ(0)),
};

const struct fst_syscall_layout *syscall_layout(int nr)
{
	for (int i = 0; i < traced_syscall_count; i++)
		if (traced_syscalls[i].nr == nr)
			return &traced_syscalls[i].layout;
	return NULL;
}

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
