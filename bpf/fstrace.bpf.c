// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fstrace kernel programs: failing file syscalls of the traced tree, removals and renames and the
 * mount family system-wide, ext4 errors, filesystem kernel messages, and the process tree.
 *
 * Every program is a raw tracepoint (raw_tp): it loads without the kernel's BTF naming its target, so
 * userspace needs no 5 MB BTF parse at start (CO-RE offsets come from a small cached extract, see
 * user/load/core_btf.c), and detaching one is cheap, unlike a classic tracepoint's RCU grace period.
 * The syscall-exit one is BTF-typed where it can be (fst_sys_exit_typed, user/load/typed_tp.c).
 *
 * One program at syscall exit serves every syscall, on the raw_syscalls:sys_exit tracepoint, and the
 * per-syscall argument layout (rodata, indexed by syscall number, from user/load/syscalls.c) says
 * which calls matter and which argument is which. Attaching to the ~40 syscalls:sys_*_<name>
 * tracepoints instead works too, but detaching them costs an RCU grace period each: seconds at
 * the end of every run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "fstrace.h"
#include "maps.bpf.h"
#include "scope.bpf.h"
#include "pidns.bpf.h"
#include "emit.bpf.h"
#include "paths.bpf.h"
#include "victims.bpf.h"
#include "repeats.bpf.h"
#include "held.bpf.h"

#define ENOENT 2 /* include/uapi/asm-generic/errno-base.h: vmlinux.h has no macros */
#define ENOTDIR 20
#define ENOTEMPTY 39
#define ESTALE 116

#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_PATH 3
#define FSCONFIG_SET_PATH_EMPTY 4

/* errnos (include/uapi/asm-generic/errno*.h) and inode types (include/uapi/linux/stat.h):
 * vmlinux.h has types, not macros */
#define EIO 5
#define ERANGE 34
#define ENOSPC 28
#define ENODATA 61
#define EBADMSG 74
#define EOPNOTSUPP 95
#define EDQUOT 122
#define EUCLEAN 117
#define S_IFMT 00170000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline const volatile struct fst_syscall_layout *layout_of(long nr)
{
	if (nr < 0 || nr >= FST_SYSCALL_SLOTS)
		return NULL;
	return &layouts[nr];
}

/* Which register (struct call_args' order) holds argument slot 0-7, four bits each: arguments
 * 0-5 are di, si, dx, r10, r8, r9; FST_ARG_CWD and FST_ARG_NONE read the cleared ax and cx. */
#define SLOT_REGS 0x43120567u

/* Read by the slot masked where it is used, with no test: every "slot < 6" split the verifier's
 * walk of emit_call in two for the rest of the function, and a slot spilled after a test comes
 * back with its old bound on 6.1 (0-255), so an index tested earlier is refused. */
static __always_inline __u64 arg(const struct call_args *call, __u8 slot)
{
	return call->regs[ASM_MASK(SLOT_REGS >> (ASM_MASK(slot, 7) * 4), 7)];
}

/* A path argument is relative when its first byte is neither '/' nor the end of the string. */
static __always_inline bool is_relative(struct fst_event *e, __u32 start, int idx)
{
	char first = *SCRATCH_AT(e, start);

	return e->str_len[idx] && first != '/' && first != '\0';
}

static __always_inline int dirfd_of(const struct call_args *call, __u8 dirfd_slot)
{
	return dirfd_slot == FST_ARG_CWD ? AT_FDCWD : (int)arg(call, dirfd_slot);
}

/*
 * The compatible path's per-CPU slot for the call (fstrace.bpf.c's on_sys_exit and emit_call): a
 * global function takes no pointer before 5.12, and 5.10 counts every frame of the deepest chain
 * of calls (sys_exit -> emit_call -> put_base_dir -> put_dir, the walk unrolled) against one
 * 512-byte stack, so the arguments live here, not on the stack. One entry; in both objects,
 * the default path leaves it unused.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct call_args);
} call_slot SEC(".maps");

/* The saved argument registers in one copy, ax (the return value) and cx (the return address)
 * cleared: what arg() reads for a slot with no argument. */
static __always_inline int read_args(struct call_args *call, const void *regs)
{
	if (bpf_probe_read_kernel(call->regs, sizeof(call->regs), regs + __builtin_offsetof(struct pt_regs, r10)))
		return -1;
	call->regs[3] = 0;
	call->regs[4] = 0;
	return 0;
}

/* Whether a failure of a call with these class bits is worth an event at all: decided on the
 * errno alone, before the arguments are read. */
static __always_inline bool errno_counts(__u8 class, long ret)
{
	if (class & FST_SC_IOERR_ONLY)
		return ret == -EIO || ret == -EUCLEAN || ret == -EBADMSG;
	if (class & FST_SC_XATTR_ANSWERS)
		return ret != -ENODATA && ret != -EOPNOTSUPP && ret != -ERANGE;
	return true;
}

/* The open file a descriptor call worked on, when it is one whose failure says something about
 * storage: a regular file, a directory or a block device. Pipes, sockets and ttys fail EAGAIN,
 * EPIPE and EINTR by design, billions of times in a build; they are dropped here, before the
 * ring buffer. *keep says whether to go on: a descriptor gone by the call's exit (close took it)
 * counts only for the errors that mean lost data. */
static __always_inline struct file *fd_file(int fd, long ret, bool *keep)
{
	struct file *file = dirfd_file((struct task_struct *)bpf_get_current_task(), fd);
	__u32 type;

	if (!file) {
		*keep = ret == -EIO || ret == -ENOSPC || ret == -EDQUOT;
		return NULL;
	}
	type = BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT;
	*keep = type == S_IFREG || type == S_IFDIR || type == S_IFBLK;
	return file;
}

#define EMITTED_FAILURE 1 /* emit_call sent a failure's event: it is still in the scratch buffer */

/*
 * One event for a call the program at exit chose. Global: the verifier checks it once for every
 * event type, where inlined it was checked once per type (2501 instructions processed -> 2004).
 * The arguments are read through callp, not copied: the copy's 56 bytes took the deepest chain
 * of calls (sys_exit -> emit_call -> put_base_dir -> put_dir -> dir_walk_step) past the 512
 * bytes of stack 6.1's verifier allows ("combined stack size of 5 calls is 544").
 * The compatible object passes no pointer (5.10 refuses one, see repeats.bpf.h): the arguments
 * wait in the per-CPU call_slot instead, where on_sys_exit put them.
 */
#if FST_COMPAT
__noinline int emit_call(__u32 type, long ret)
{
	__u32 zero = 0;
	struct call_args *callp = bpf_map_lookup_elem(&call_slot, &zero);
#else
__noinline int emit_call(__u32 type, long ret, struct call_args *callp)
{
#endif
	const volatile struct fst_syscall_layout *lay;
	__u8 path, path2, dirfd, dirfd2, fstype, data, flags, class, fd;
	struct file *file = NULL;
	struct inode *inode;
	struct fst_event *e;
	bool keep = true;
	__u32 off, path_at, path2_at, nr;
	__u64 repeat = 0;

	if (!callp)
		return 0;
	nr = callp->nr;
	if (!(lay = layout_of(nr)) || !(e = scratch_event()))
		return 0;
	path = lay->path, path2 = lay->path2, dirfd = lay->dirfd, dirfd2 = lay->dirfd2;
	fstype = lay->fstype, data = lay->data, flags = lay->flags, class = lay->class, fd = lay->fd;
	if (fd < 6) {
		file = fd_file((int)arg(callp, fd), ret, &keep);
		if (!keep)
			return 0;
	}

	/* The path first, before the header: a repeat (repeats.bpf.h) needs nothing else. */
	off = path_at = sizeof(*e);
	if (path < 6)
		off = put_user_string(off, FST_STR_PATH, arg(callp, path), FST_PATH_MAX);
	/* Single-path calls only: a rename's or a link's failure is rarely retried in a loop. */
	if (type == FST_EV_SYSCALL && path2 == FST_ARG_NONE && dirfd != FST_ARG_NONE && off > path_at) {
		if ((ret == -ENOENT || ret == -ENOTDIR) && targ_pressure_bytes &&
		    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= targ_pressure_bytes)
			repeat = repeat_fold_calls(nr, ret);
		else
			repeat = repeat_fold(path_at, off - path_at, dirfd_of(callp, dirfd), nr, ret);
		if (repeat == REPEAT_FOLDED)
			return 0;
	} else if (type == FST_EV_SYSCALL && file) {
		/* A descriptor's repeats (a logger retrying its write on a full disk) fold under its
		 * inode's identity, written where a path would be: "/" and the pointer, 16 bytes the
		 * event does not carry (its path's length stays 0). */
		*(__u64 *)SCRATCH_AT(e, path_at) = '/';
		*(__u64 *)SCRATCH_AT(e, path_at + 8) = (__u64)BPF_CORE_READ(file, f_inode);
		repeat = repeat_fold(path_at, 16, AT_FDCWD, nr, ret);
		if (repeat == REPEAT_FOLDED)
			return 0;
	}
	if (!(e = event_start(type))) /* clears the header, the path's length with it */
		return 0;
	e->str_len[FST_STR_PATH] = off - path_at;
	e->repeat_key = repeat;
	e->ret = ret;
	e->syscall = nr;
	e->in_scope = type == FST_EV_SYSCALL || in_scope(e->pid);
	if (type == FST_EV_REMOVE || type == FST_EV_RENAME)
		take_victim(e, e->tid);
	/* 0 where the call has no such argument, as event_start left them */
	e->dirfd = (int)arg(callp, dirfd);
	e->flags = (__u32)arg(callp, flags);
	if (fd < 6)
		e->dirfd = (int)arg(callp, fd);
	if (file) {
		inode = BPF_CORE_READ(file, f_inode);
		e->ino = BPF_CORE_READ(inode, i_ino);
		/* A block device file's own device is the one its errors are about, not devtmpfs's. */
		if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) == S_IFBLK)
			e->dev = BPF_CORE_READ(inode, i_rdev);
		else
			e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	}

	path2_at = off;
	if (path2 < 6)
		off = put_user_string(off, FST_STR_PATH2, arg(callp, path2), FST_PATH_MAX);
	if (dirfd != FST_ARG_NONE && is_relative(e, path_at, FST_STR_PATH))
		off = put_base_dir(off, FST_STR_DIR, dirfd_of(callp, dirfd));
	else if (class & FST_SC_MOUNT) /* overlay's relative lowerdirs are taken from the cwd */
		off = put_base_dir(off, FST_STR_DIR, AT_FDCWD);
	else if (file) /* the descriptor's file itself, as a "directory" walked from its dentry */
		off = put_dir(off, FST_STR_DIR, (__u64)BPF_CORE_READ(file, f_path.dentry),
			      (__u64)BPF_CORE_READ(file, f_path.mnt));
	if (dirfd2 != FST_ARG_NONE && is_relative(e, path2_at, FST_STR_PATH2))
		off = put_base_dir(off, FST_STR_DIR2, dirfd_of(callp, dirfd2));
	if (fstype < 6)
		off = put_user_string(off, FST_STR_FSTYPE, arg(callp, fstype), 256);
	/* fsconfig's value is a string only for some commands; for the others it is an fd or NULL. */
	if (data < 6 && (!(class & FST_SC_FSCONFIG) || e->flags == FSCONFIG_SET_STRING ||
			 e->flags == FSCONFIG_SET_PATH || e->flags == FSCONFIG_SET_PATH_EMPTY))
		off = put_user_string(off, FST_STR_DATA, arg(callp, data), FST_DATA_MAX);
	/* A removal waits in the kernel for a failure that needs it (held.bpf.h). */
	if ((type == FST_EV_REMOVE || type == FST_EV_RENAME) &&
	    held_keep(e, off, path_at, e->str_len[FST_STR_PATH]))
		return 0;
	event_submit(e, off);
	return type == FST_EV_SYSCALL ? EMITTED_FAILURE : 0;
}

/* The vanished-path errnos (race_errno, user/diagnose/fs_rules.h): a failure with one of them
 * sends up what is held under its names (held.bpf.h). */
static __always_inline bool vanished(long ret)
{
	return ret == -ENOENT || ret == -ENOTDIR || ret == -ESTALE || ret == -ENOTEMPTY;
}

#define TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */

/* A 32-bit task's syscall numbers index the ia32 table, not the layouts: leave them alone. */
static __always_inline bool is_compat_task(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	if (!bpf_core_field_exists(task->thread_info.status))
		return false;
	return BPF_CORE_READ(task, thread_info.status) & TS_COMPAT;
}

/*
 * At syscall exit the arguments are still in the task's saved registers (the kernel leaves them
 * for ptrace and restart), and the user strings they point to are still there: so one program at
 * exit does it all, and a call that succeeded costs a table lookup, not a map update per syscall.
 */
static __always_inline int on_sys_exit(const void *regs, long nr, long ret)
{
	const volatile struct fst_syscall_layout *lay = layout_of(nr);
#if !FST_COMPAT
	struct call_args call;
#endif
	__u32 tgid, type;
	__u8 class;

	/* Every syscall on the machine returns through here: leave at once unless it is one of ours. */
	if (!lay || !(class = lay->class))
		return 0;
	if (class & FST_SC_MOUNT)
		type = FST_EV_MOUNT;
	else if (ret < 0)
		type = class & FST_SC_FAIL && errno_counts(class, ret) ? FST_EV_SYSCALL : 0;
	else if (class & FST_SC_REMOVE)
		type = FST_EV_REMOVE;
	else if (class & FST_SC_RENAME)
		type = FST_EV_RENAME;
	else
		return 0;
	if (!type || is_compat_task())
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	/* Removals, renames and mounts are wanted from everyone: the actor is rarely the victim. */
	if (type == FST_EV_SYSCALL ? !in_scope(tgid) : tgid == self_tgid)
		return 0;
#if FST_COMPAT
	{
		__u32 zero = 0;
		struct call_args *slot = bpf_map_lookup_elem(&call_slot, &zero);

		if (!slot || read_args(slot, regs))
			return 0;
		slot->nr = nr;
	}
	if (emit_call(type, ret) == EMITTED_FAILURE && vanished(ret))
		held_miss();
#else
	/* Filled here, not where declared: the calls that leave above write no stack. */
	if (read_args(&call, regs))
		return 0;
	call.nr = nr;
	/* After emit_call, not inside it: there every path through it would check this again. */
	if (emit_call(type, ret, &call) == EMITTED_FAILURE && vanished(ret))
		held_miss();
#endif
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(fst_sys_exit, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, BPF_CORE_READ(regs, orig_ax), ret);
}

/*
 * The same where the kernel's BTF types the tracepoint's arguments: the syscall number is a plain
 * load, not a bpf_probe_read_kernel call, ~50 ns less on every syscall of the machine. Loaded as
 * a BTF-typed raw tracepoint (tp_btf) with the type id from fstrace's cache (user/load/typed_tp.c),
 * so libbpf parses no whole kernel BTF for it; where that fails, fst_sys_exit is loaded instead.
 */
SEC("?fstrace.tp_btf/sys_exit")
int BPF_PROG(fst_sys_exit_typed, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, regs->orig_ax, ret);
}

static __always_inline void emit_ext4_error(__u32 dev, const char *function, __u32 line)
{
	/* System-wide whatever the scope: the task that trips over corruption may be a kworker. */
	struct fst_event *e = event_start(FST_EV_EXT4_ERROR);
	__u32 off = sizeof(*e);

	if (!e)
		return;
	e->dev = dev;
	e->syscall = line;
	off = put_kernel_string(off, FST_STR_DATA, (__u64)function, 64);
	event_submit(e, off);
}

SEC("raw_tp/ext4_error")
int BPF_PROG(fst_ext4_error, struct super_block *sb, const char *function, unsigned int line)
{
	emit_ext4_error(BPF_CORE_READ(sb, s_dev), function, line);
	return 0;
}

/* Kernel messages worth keeping: filesystems and the block layer under them. A message is matched
 * on its first 8 bytes as one word, against each prefix (cut to 8 bytes): 11 compares for the
 * verifier, where a byte-by-byte loop per prefix cost it 2.5 ms at every start. */
static __always_inline bool word_starts(__u64 word, const char *prefix, int len)
{
	__u64 want = 0, mask = len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;

	for (int i = 0; i < len && i < 8; i++)
		want |= (__u64)(unsigned char)prefix[i] << (8 * i);
	return (word & mask) == want;
}

static __always_inline bool fs_message(__u64 w)
{
	return word_starts(w, "overlay", 7) || word_starts(w, "EXT4-fs", 7) || word_starts(w, "JBD2", 4) ||
	       word_starts(w, "Buffer I", 8) || word_starts(w, "I/O erro", 8) || word_starts(w, "blk_upda", 8) ||
	       word_starts(w, "XFS (", 5) || word_starts(w, "BTRFS", 5) || word_starts(w, "EROFS", 5) ||
	       word_starts(w, "squashfs", 8) || word_starts(w, "fuse", 4);
}

/* The message is len bytes at text, not always NUL-terminated. */
static __always_inline void emit_kmsg(const char *text, __u64 len)
{
	__u64 head = 0; /* the first 8 bytes, little-endian: byte 0 lowest */
	struct fst_event *e;
	__u32 n = len < FST_MSG_MAX - 1 ? len : FST_MSG_MAX - 1;

	if (bpf_probe_read_kernel(&head, sizeof(head), text) || !fs_message(head))
		return;
	e = event_start(FST_EV_KMSG);
	if (!e || bpf_probe_read_kernel((char *)e + sizeof(*e), n & (FST_MSG_MAX - 1), text))
		return;
	((char *)e + sizeof(*e))[n & (FST_MSG_MAX - 1)] = '\0';
	e->str_len[FST_STR_DATA] = n + 1;
	event_submit(e, sizeof(*e) + n + 1);
}

SEC("raw_tp/console")
int BPF_PROG(fst_console, const char *text, size_t len)
{
	emit_kmsg(text, len);
	return 0;
}

/* Failed block requests, system-wide: a dying disk fails thousands a second, and the first ones
 * say what is needed. The count is read, then added to without fetching (an atomic fetch-and-add
 * is 5.12's, BPF_FETCH): CPUs racing may send a few past the bound, never fewer. */
#define BLOCK_ERRORS_MAX 4096
__u64 block_errors = 0;

/* The request's disk: request.rq_disk until 5.16 (commit f3fa33acca9f, "block: remove the
 * ->rq_disk field in struct request"), then only through its queue, request_queue.disk (5.15). */
struct request___rq_disk {
	struct gendisk *rq_disk;
};

static __always_inline struct gendisk *request_disk(struct request *rq)
{
	if (bpf_core_field_exists(struct request___rq_disk, rq_disk))
		return BPF_CORE_READ((struct request___rq_disk *)rq, rq_disk);
	return BPF_CORE_READ(rq, q, disk);
}

SEC("raw_tp/block_rq_error")
int BPF_PROG(fst_block_rq_error, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	struct gendisk *disk = request_disk(rq);
	struct fst_event *e;

	if (block_errors >= BLOCK_ERRORS_MAX || !(e = event_start(FST_EV_KMSG)))
		return 0;
	__sync_fetch_and_add(&block_errors, 1);
	e->syscall = FST_KMSG_BLOCK_ERROR;
	if (disk)
		e->dev = (BPF_CORE_READ(disk, major) << 20) | BPF_CORE_READ(disk, first_minor);
	e->ino = BPF_CORE_READ(rq, __sector);
	e->ret = error;
	e->flags = BPF_CORE_READ(rq, cmd_flags) & 0xff; /* REQ_OP_MASK */
	e->dirfd = nr_bytes;
	event_submit(e, sizeof(*e));
	return 0;
}

static __always_inline bool is_traced(__u32 tgid)
{
	return targ_use_traced && bpf_map_lookup_elem(&traced, &tgid);
}

static __always_inline void emit_proc(__u32 kind, long ret, __u32 child_vpid, const char *filename)
{
	struct fst_event *e = event_start(FST_EV_PROC);
	__u32 off = sizeof(*e);

	if (!e)
		return;
	e->syscall = kind;
	e->ret = ret;
	e->flags = child_vpid;
	e->in_scope = 1;
	/* Only exec has a filename: fork's and exit's programs then carry no string appender for
	 * the verifier to check at every start. */
	if (filename) {
		/* Where the program starts working: what ties a run to the filesystems it wrote on
		 * (find_ioerror.c), since successful writes are not traced. Strings go in enum order. */
		off = put_base_dir(off, FST_STR_DIR, AT_FDCWD);
		off = put_kernel_string(off, FST_STR_DATA, (__u64)filename, FST_PATH_MAX);
	}
	event_submit(e, off);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(fst_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid), ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;

	/* New threads share the tgid and are already in; only new processes join the tree. */
	if (ptgid == ctgid || !is_traced(ptgid))
		return 0;
	bpf_map_update_elem(&traced, &ctgid, &one, BPF_ANY);
	emit_proc(FST_PROC_FORK, ctgid, targ_pidns_ino ? ns_tgid_of((__u64)child) : ctgid, NULL);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(fst_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!in_scope(BPF_CORE_READ(task, tgid)))
		return 0;
	emit_proc(FST_PROC_EXEC, 0, 0, BPF_CORE_READ(bprm, filename));
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(fst_exit, struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	/* Only the whole process leaving matters, when its leader exits. */
	if (BPF_CORE_READ(task, pid) != tgid || !in_scope(tgid))
		return 0;
	emit_proc(FST_PROC_EXIT, BPF_CORE_READ(task, exit_code), 0, NULL);
	if (targ_use_traced)
		bpf_map_delete_elem(&traced, &tgid);
	return 0;
}
