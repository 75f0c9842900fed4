/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Maps and load-time settings shared by every fstrace program. Included once, by fstrace.bpf.c. */
#ifndef FSTRACE_MAPS_BPF_H
#define FSTRACE_MAPS_BPF_H

/* Set through the skeleton's rodata before load, so the verifier prunes what is switched off. */
const volatile __u32 targ_pidns_ino = 0;     /* fstrace's pid namespace (nsfs inode), 0 = the host's */
const volatile bool targ_use_traced = false; /* run, record --pid: only the traced process tree */
const volatile __u64 targ_cgroup_id = 0;     /* record --cgroup: this cgroup and its descendants */
const volatile __u32 targ_cgroup_level = 0;
const volatile bool targ_use_comm = false; /* record --comm */
const volatile char targ_comm[FST_COMM_LEN] = {};
const volatile struct fst_syscall_layout layouts[FST_SYSCALL_SLOTS] = {};
const volatile __u64 targ_wakeup_bytes = 0;   /* wake the collector once this much is queued */
const volatile __u64 targ_pressure_bytes = 0; /* past this much queued, misses fold by directory */

/* Known only once the task iterator has run, after load, so not rodata: the collector itself
 * (never traced) by its host tgid, and the level of fstrace's pid namespace below the host's. */
__u32 self_tgid = 0;
__u32 pidns_level = 0;

/* Every event goes through this one ring buffer; its size is set from userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* default: --ringbuf-mb */
} events SEC(".maps");

/* Events dropped because the ring buffer was full: counted per event type, never silent. */
#define FST_LOST_SLOTS 8
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FST_LOST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Where an event is assembled before it is copied, at its real size, into the ring buffer. */
struct scratch {
	char buf[FST_SCRATCH_SIZE];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* The process tree being traced (tgids): seeded from userspace, grown at fork, shrunk at exit.
 * Not preallocated, and 16384 live processes at most: the kernel allocates a bucket per entry
 * at every start anyway (65536 cost 0.65 ms), for a tree of dozens or hundreds. Preallocated
 * (userspace clears the flag) where the kernel has no BPF memory allocator (bpf_mem_alloc, 6.1):
 * before it, a tracing program's map that allocates at run time makes 5.7-6.0 print a WARN,
 * tainting the kernel, and PREEMPT_RT refuses it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} traced SEC(".maps");

/* A syscall's number and arguments, as read from its registers at exit: struct pt_regs from r10
 * to di (the ptrace ABI, fixed on x86-64), copied as they lie, with no temporary on the stack.
 * arg() in fstrace.bpf.c maps an argument's slot to its register; ax and cx, no argument, are
 * cleared to stand for FST_ARG_CWD and FST_ARG_NONE. */
struct call_args {
	__u64 regs[8]; /* r10, r9, r8, ax, cx, dx, si, di */
	__u64 nr;      /* 64 bits: no padding left unwritten on the stack a global function reads */
};

/*
 * FST_COMPAT=1 builds the compatible object (build/fstrace.compat.bpf.o), loaded where the kernel
 * lacks what the default one uses (user/load/compat.c): bpf_loop and callbacks (5.17, 5.13), pointer
 * arguments to global functions (5.12), bpf_get_current_ancestor_cgroup_id in tracing programs
 * (5.14). Both objects have the same programs, maps and globals, so one skeleton serves both
 * (the Makefile checks their skeletons match).
 */
#ifndef FST_COMPAT
#define FST_COMPAT 0
#endif

#endif
