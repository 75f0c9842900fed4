/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one event schema shared by the kernel programs (bpf/) and the collector (user/).
 * Only fixed-width types: this header is compiled by clang -target bpf and by the host compiler.
 *
 * Every event is a fixed header followed by up to FST_STR_COUNT strings packed back to back
 * (each NUL-terminated, its length including the NUL in str_len[]), so an event carries only
 * the bytes it has instead of empty PATH_MAX buffers.
 */
#ifndef FSTRACE_H
#define FSTRACE_H

#ifndef __VMLINUX_H__ /* the BPF side gets these types from vmlinux.h */
#include <linux/types.h>
#endif

#define FST_COMM_LEN 16
#define FST_PATH_MAX 1024 /* one path argument as the process passed it */
#define FST_DIR_MAX 1024  /* a directory resolved in the kernel (cwd or dirfd) */
#define FST_DATA_MAX 4096 /* mount(2) data: overlay option strings run long */
#define FST_MSG_MAX 512   /* one kernel message */
#define FST_DIR_DEPTH 48  /* d_parent steps before a resolved directory is cut short */

/* The scratch buffer an event is built in: big enough for the header and every string. */
#define FST_SCRATCH_SIZE 16384
#define FST_SCRATCH_LIMIT 8192 /* strings start below this offset; the largest string still fits */

enum fst_event_type {
	FST_EV_SYSCALL = 1, /* a failing file syscall of a traced process */
	FST_EV_MOUNT,       /* a call of the mount family, success or failure */
	FST_EV_REMOVE,      /* a successful unlink/unlinkat/rmdir, system-wide */
	FST_EV_RENAME,      /* a successful rename*, system-wide */
	FST_EV_EXT4_ERROR,  /* ext4:ext4_error, system-wide */
	FST_EV_KMSG,        /* a kernel message from a filesystem, system-wide */
	FST_EV_PROC,        /* fork/exec/exit of a traced process */
};

/* The strings that may follow the header, in this order. */
enum fst_str {
	FST_STR_PATH,   /* first path argument; removals: the removed path */
	FST_STR_PATH2,  /* second path argument (rename/link target, mount source) */
	FST_STR_DIR,    /* directory PATH is relative to (cwd or dirfd), resolved in the kernel;
			 * for the mount family always there: the caller's cwd; for a call on a
			 * descriptor (layout.fd) the open file's own path */
	FST_STR_DIR2,   /* directory PATH2 is relative to */
	FST_STR_FSTYPE, /* mount fstype, fsopen fs name, fsconfig key */
	FST_STR_DATA,   /* mount data, fsconfig value, kmsg text, ext4 function, exec filename,
			 * xattr name */
	FST_STR_COUNT,
};

/*
 * A resolved directory arrives leaf first ("c/b/a" for /a/b/c) because the kernel walks
 * d_parent upwards; the collector reverses it. A last component "!" marks a walk cut short at
 * FST_DIR_DEPTH; the string "?" a directory that could not be resolved (bad dirfd).
 */
#define FST_DIR_TRUNCATED '!'
#define FST_DIR_UNKNOWN '?'

/*
 * A FST_EV_KMSG with syscall == FST_KMSG_BLOCK_ERROR carries no text: it is block:block_rq_error,
 * a request the block layer failed, with dev the disk (major << 20 | minor), ino the first sector,
 * ret the blk_status_t (BLK_STS_NOSPC = 3, BLK_STS_IOERR = 10...), flags the request's op
 * (REQ_OP_WRITE = 1) and dirfd the bytes it had left. The collector writes it as a kmsg record
 * with a text of its own ("block_rq_error: ...").
 */
#define FST_KMSG_BLOCK_ERROR 1

/* Process lifecycle, in fst_event.syscall for FST_EV_PROC. */
enum fst_proc_kind {
	FST_PROC_FORK = 1,
	FST_PROC_EXEC,
	FST_PROC_EXIT,
};

struct fst_event {
	__u64 ts_ns; /* bpf_ktime_get_boot_ns(): comparable across the whole machine */
	__u64 cgroup_id;
	__u64 ino;        /* inode where the kernel offered one, else 0 */
	__s64 ret;        /* syscall return; exit code for FST_PROC_EXIT */
	__u64 repeat_key; /* FST_EV_SYSCALL: its repeats are being counted in the kernel under this
			   * key (struct fst_repeat_key's hash; bit 0 the generation), 0 = not */
	__u32 type;       /* enum fst_event_type */
	__u32 pid;        /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 mntns;                  /* mount namespace inode number */
	__u32 dev;                    /* kernel dev_t: major << 20 | minor; a descriptor's: its filesystem's,
			   * or for a block device file the device itself (i_rdev) */
	__u32 syscall;                /* syscall number (x86-64), or enum fst_proc_kind, or ext4 line */
	__s32 dirfd;                  /* dirfd argument, or fd for fsconfig/fsmount */
	__u32 flags;                  /* flags argument / fsconfig cmd; FST_PROC_FORK: the child's vpid */
	__u32 in_scope;               /* 1 when the task is traced: out-of-scope removals only explain failures */
	__u32 vpid;                   /* pid and ppid in fstrace's pid namespace (a container's): equal to pid */
	__u32 vppid;                  /* and ppid on the host, 0 for a task outside that namespace */
	__u32 uid;                    /* the caller's credentials (fsuid/fsgid are what a permission check uses, */
	__u32 gid;                    /* and are these but under setfsuid): in the init user namespace */
	__u16 str_len[FST_STR_COUNT]; /* bytes of each string including its NUL, 0 when absent */
	char comm[FST_COMM_LEN];
	/* the strings follow at sizeof(struct fst_event), after the padding */
};

/* An event's size: its header and its strings, as the ring buffer carries it (a removal held in
 * the kernel, held.bpf.h, keeps only the event, and both sides take its size from it). */
static inline __u32 fst_event_size(const struct fst_event *e)
{
	__u32 size = sizeof(*e);

	for (int i = 0; i < FST_STR_COUNT; i++)
		size += e->str_len[i];
	return size;
}

/* One process of fstrace's pid namespace, as the task iterator lists it (bpf/pidns.bpf.h). */
struct fst_pid_pair {
	__u32 host_tgid;
	__u32 ns_tgid;
	__u32 level; /* the namespace's level below the host's */
};

/*
 * The same failure repeated (a retry loop) is counted in the kernel instead of sent again: one map
 * per generation (bpf/repeats.bpf.h), keyed by process, call, errno and a hash of the path
 * argument; the collector flips the generation about once a second and turns the counts of the
 * old one into records (user/collect/repeats.c).
 */
#define FST_REPEAT_SLOTS 2048 /* keys per generation; past them, failures go out one by one */
#define FST_REPEAT_CALLS 4ull /* in a key's hash: it counts a process's misses under load, any path */

struct fst_repeat_key {
	__u64 hash; /* path bytes (seeded), and for a relative path its base directory; | 2 | gen */
	__u32 tgid;
	__u32 nr;
	__s32 err;
	__u32 pad; /* zero: the key is hashed and compared as bytes */
};

struct fst_repeat_val {
	__u64 count;    /* repeats folded since the event that opened the key */
	__u64 first_ns; /* the first and last of them, bpf_ktime_get_boot_ns() */
	__u64 last_ns;
};

/*
 * Removals and renames held in the kernel (bpf/held.bpf.h) until a failure could be explained by
 * them: each generation's map holds the whole event (header and strings, its size the header's
 * plus its str_len[]), keyed by a hash of the removed name (FST_HELD_NAME_*).
 */
#define FST_HELD_SLOTS 16384                     /* removals per generation; past them, they go out one by one */
#define FST_HELD_EVENT_MAX 256                   /* an event this big or bigger is sent, not held */
#define FST_HELD_NAME_SEED 0xcbf29ce484222325ull /* FNV-1a over one path component's bytes, */
#define FST_HELD_NAME_MUL 0x100000001b3ull       /* bit 0 then set: 0 means no name */

struct fst_held {
	__u8 event[FST_HELD_EVENT_MAX];
};

/* Per-syscall argument layout, indexed by syscall number in the programs' read-only data. */
#define FST_SYSCALL_SLOTS 512
#define FST_ARG_CWD 6  /* a dirfd slot: the path is relative to the cwd (no dirfd argument) */
#define FST_ARG_NONE 7 /* no such argument; as a dirfd: the path is not resolved (mount source) */

enum fst_syscall_class {
	FST_SC_FAIL = 1 << 0,     /* report failures of traced processes */
	FST_SC_REMOVE = 1 << 1,   /* report successes system-wide as FST_EV_REMOVE */
	FST_SC_RENAME = 1 << 2,   /* report successes system-wide as FST_EV_RENAME */
	FST_SC_MOUNT = 1 << 3,    /* mount family: report every call, as FST_EV_MOUNT */
	FST_SC_FSCONFIG = 1 << 4, /* value is a string only for some commands */
	/* read family: only a failure that speaks of the medium or the filesystem counts (EIO,
	 * EUCLEAN, EBADMSG); read's EAGAIN/EINTR/EISDIR are how programs talk to pipes and ttys */
	FST_SC_IOERR_ONLY = 1 << 5,
	/* xattr reads: ENODATA, EOPNOTSUPP and ERANGE are answers (no such attribute, no xattrs
	 * here, the buffer-size probe), not failures */
	FST_SC_XATTR_ANSWERS = 1 << 6,
};

/* Which of args[0..5] holds what; FST_ARG_NONE when the syscall has no such argument. */
struct fst_syscall_layout {
	__u8 class;  /* enum fst_syscall_class bits; 0 = not traced */
	__u8 path;   /* user string -> FST_STR_PATH */
	__u8 dirfd;  /* dirfd for path (AT_FDCWD = cwd), or FST_ARG_CWD / FST_ARG_NONE */
	__u8 path2;  /* user string -> FST_STR_PATH2 */
	__u8 dirfd2; /* dirfd for path2 */
	__u8 fstype; /* user string -> FST_STR_FSTYPE */
	__u8 data;   /* user string -> FST_STR_DATA (up to FST_DATA_MAX) */
	__u8 flags;  /* integer -> flags */
	/* A descriptor the call works on (write, fsync, ftruncate...): resolved in the kernel to the
	 * open file's path (FST_STR_DIR, leaf first, with no FST_STR_PATH), the header's dev and ino
	 * its inode's, dirfd the fd number. Only regular files, directories and block devices are
	 * reported: pipes, sockets and ttys fail EAGAIN/EPIPE/EINTR all day. A call whose fd is
	 * gone by its exit (close) is reported without a path, and only for EIO/ENOSPC/EDQUOT. */
	__u8 fd;
};

#endif /* FSTRACE_H */
