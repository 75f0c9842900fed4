/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Resolving the directory a relative path is taken from (the cwd or a dirfd) in the kernel, at
 * the moment of the call: by the time userspace reads the event the process may have moved, or
 * exited, and /proc/PID/cwd would lie. A bounded d_parent walk, crossing mounts upwards, stopping
 * at the task's own root so a container's paths read as the container sees them.
 */
#ifndef FSTRACE_PATHS_BPF_H
#define FSTRACE_PATHS_BPF_H

#define NAME_READ_MAX 256

struct dir_walk {
	struct fst_event *e;
	struct dentry *dentry, *root_dentry;
	struct vfsmount *vfsmnt, *root_mnt;
	struct mount *mnt;
	__u32 off, start;
	bool complete;
};

/* One step up the tree: 1 once the walk is over. The event by reference, read where it is used:
 * read up front, it cost the default path's verifier work at every step. */
static __always_inline long walk_step(struct dir_walk *w, struct fst_event *const *ep)
{
	/* Copies: CO-RE reads must start from a kernel pointer, not from a field of our struct. */
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt, *parent;
	long n;

	if (dentry == w->root_dentry && vfsmnt == w->root_mnt) {
		w->complete = true;
		return 1;
	}
	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
		parent = BPF_CORE_READ(mnt, mnt_parent);
		if (parent == mnt) { /* the top of the mount tree */
			w->complete = true;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = parent;
		w->vfsmnt = &parent->mnt;
		return 0;
	}
	if (w->off - w->start > FST_DIR_MAX - NAME_READ_MAX || w->off >= FST_SCRATCH_LIMIT)
		return 1;
	n = bpf_probe_read_kernel_str(SCRATCH_AT(*ep, w->off), NAME_READ_MAX, BPF_CORE_READ(dentry, d_name.name));
	if (n <= 0)
		return 1;
	/* The NUL becomes the separator: components go out leaf first, "c/b/a". */
	*SCRATCH_AT(*ep, w->off + n - 1) = '/';
	w->off += n;
	w->dentry = BPF_CORE_READ(dentry, d_parent);
	return 0;
}

/* The compatible path's walk state, per CPU: in a map, not on the stack (see put_dir). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dir_walk);
} walk_slot SEC(".maps");

#if FST_COMPAT
/*
 * Without bpf_loop (5.17) and callbacks (5.13): the same FST_DIR_DEPTH steps, unrolled, in put_dir
 * itself. The verifier then checks every step (a longer load, ~FST_DIR_DEPTH times the step), and
 * the state lives in a per-CPU map: put_dir is the deepest of the global functions, and 5.10 counts
 * every frame's stack against one 512-byte budget.
 */
static __always_inline void dir_walk(struct dir_walk *w, struct fst_event *e)
{
#pragma unroll
	for (__u32 i = 0; i < FST_DIR_DEPTH; i++)
		if (walk_step(w, &e))
			break;
}
#else
/* A bpf_loop callback, so the verifier checks it once, not per iteration. */
static long dir_walk_step(__u32 i, void *data)
{
	struct dir_walk *w = data;

	return walk_step(w, &w->e);
}
#endif

/* Writes the directory leaf first, components separated by '/': "c/b/a" for /a/b/c.
 * Global, like the string appenders (emit.bpf.h): checked once by the verifier. */
__noinline __u32 put_dir(__u32 off, __u32 idx, __u64 dentry, __u64 vfsmnt)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fst_event *e = scratch_event();
#define DIR_WALK_INIT(event)                                         \
	{                                                            \
		.e = (event),                                        \
		.root_dentry = BPF_CORE_READ(task, fs, root.dentry), \
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),       \
		.dentry = (struct dentry *)dentry,                   \
		.vfsmnt = (struct vfsmount *)vfsmnt,                 \
		.off = off,                                          \
		.start = off,                                        \
	}
#if FST_COMPAT
	__u32 zero = 0;
	struct dir_walk *w = bpf_map_lookup_elem(&walk_slot, &zero);

	if (!w)
		return off;
	*w = (struct dir_walk)DIR_WALK_INIT(NULL); /* a pointer kept in a map reads back as a number */
#else
	struct dir_walk walk = DIR_WALK_INIT(e), *w = &walk;
#endif

	if (!e || off + 4 >= FST_SCRATCH_LIMIT || idx >= FST_STR_COUNT || !dentry || !vfsmnt)
		return off;
	/* container_of with a relocated offset: struct mount is private and moves between kernels */
	w->mnt = (void *)w->vfsmnt - bpf_core_field_offset(struct mount, mnt);
#if FST_COMPAT
	dir_walk(w, e);
#else
	bpf_loop(FST_DIR_DEPTH, dir_walk_step, w, 0);
#endif
	off = w->off;
	if (off + 2 >= FST_SCRATCH_LIMIT)
		return w->start; /* no room left to finish the string: leave it out */
	if (!w->complete) {
		/* A last component "!" tells userspace the walk was cut short. */
		*SCRATCH_AT(e, off) = FST_DIR_TRUNCATED;
		*SCRATCH_AT(e, off + 1) = '/';
		off += 2;
	}
	/* The trailing separator becomes the terminator; the root directory is "". */
	if (off > w->start)
		*SCRATCH_AT(e, off - 1) = '\0';
	else
		*SCRATCH_AT(e, off++) = '\0';
	e->str_len[STR_SLOT(idx)] = off - w->start;
	return off;
}

#define AT_FDCWD -100

/* The open file behind a dirfd of the current task, or NULL (not open: the call's EBADF). */
static __always_inline struct file *dirfd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds) ||
	    bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/* The directory a relative path is taken from: the cwd (AT_FDCWD) or a dirfd. */
__noinline __u32 put_base_dir(__u32 off, __u32 idx, int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fst_event *e = scratch_event();
	struct file *file;

	if (!e || off + 2 >= FST_SCRATCH_LIMIT || idx >= FST_STR_COUNT)
		return off;
	if (fd == AT_FDCWD)
		return put_dir(off, idx, (__u64)BPF_CORE_READ(task, fs, pwd.dentry),
			       (__u64)BPF_CORE_READ(task, fs, pwd.mnt));
	if ((file = dirfd_file(task, fd)))
		return put_dir(off, idx, (__u64)BPF_CORE_READ(file, f_path.dentry),
			       (__u64)BPF_CORE_READ(file, f_path.mnt));
	*SCRATCH_AT(e, off) = FST_DIR_UNKNOWN;
	*SCRATCH_AT(e, off + 1) = '\0';
	e->str_len[STR_SLOT(idx)] = 2;
	return off + 2;
}

#endif
