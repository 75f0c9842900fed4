/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Building one variable-length event: the fixed header, then strings appended in enum fst_str
 * order, then one copy of exactly the used bytes into the ring buffer.
 */
#ifndef FSTRACE_EMIT_BPF_H
#define FSTRACE_EMIT_BPF_H

static __always_inline struct fst_event *scratch_event(void)
{
	__u32 zero = 0;
	struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);

	return s ? (struct fst_event *)s->buf : NULL;
}

static __always_inline struct fst_event *event_start(__u32 type)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fst_event *e = scratch_event();

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_boot_ns();
	e->type = type;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	if (targ_pidns_ino) {
		e->vpid = ns_tgid_of((__u64)task);
		e->vppid = ns_tgid_of((__u64)BPF_CORE_READ(task, real_parent));
	} else {
		e->vpid = e->pid;
		e->vppid = e->ppid;
	}
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->gid = bpf_get_current_uid_gid() >> 32;
	e->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->dirfd = -1;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/*
 * A pointer into the scratch buffer at an offset already checked to be below FST_SCRATCH_LIMIT,
 * so that any string written there still fits.
 * The mask changes nothing at run time, but clang checks one copy of the offset and adds
 * another; in asm it cannot be optimised away, so the verifier sees the bound where it is used.
 */
#define ASM_MASK(v, mask)                                         \
	({                                                        \
		__u64 __v = (v);                                  \
		asm volatile("%0 &= %1" : "+r"(__v) : "i"(mask)); \
		__v;                                              \
	})
#define SCRATCH_AT(e, off) ((char *)(e) + ASM_MASK(off, FST_SCRATCH_LIMIT - 1))
/* A string index already checked below FST_STR_COUNT, for the same reason. */
#define STR_SLOT(idx) ASM_MASK(idx, 7)

/*
 * The string appenders are global functions, not inlined: the verifier checks each once on its
 * own instead of once per path through the programs that call them, which would not fit its
 * budget. They take only scalars, find the event in the per-CPU scratch buffer themselves, and
 * return the offset after what they wrote.
 */
__noinline __u32 put_string(__u32 off, __u32 idx, __u64 src, __u32 max, __u32 from_user)
{
	struct fst_event *e = scratch_event();
	__u32 size = ASM_MASK(max, FST_SCRATCH_LIMIT - 1);
	long n;

	if (!e || !src || off >= FST_SCRATCH_LIMIT || idx >= FST_STR_COUNT)
		return off;
	if (from_user)
		n = bpf_probe_read_user_str(SCRATCH_AT(e, off), size, (const void *)src);
	else
		n = bpf_probe_read_kernel_str(SCRATCH_AT(e, off), size, (const void *)src);
	if (n <= 0)
		return off;
	e->str_len[STR_SLOT(idx)] = n;
	return off + ASM_MASK(n, FST_SCRATCH_LIMIT - 1);
}

#define put_user_string(off, idx, src, max) put_string(off, idx, src, max, 1)
#define put_kernel_string(off, idx, src, max) put_string(off, idx, src, max, 0)

static __always_inline void event_submit(struct fst_event *e, __u32 size)
{
	__u32 type = e->type & (FST_LOST_SLOTS - 1);
	__u64 *count;

	/* A wakeup per event costs the traced task an irq_work and the collector a pass per event:
	 * below the mark the event waits for the collector's own poll (every 100 ms) or for the
	 * event that crosses it. */
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < targ_wakeup_bytes ? BPF_RB_NO_WAKEUP : 0;

	/* Strings start below FST_SCRATCH_LIMIT and are shorter than the rest: size < the buffer. */
	if (bpf_ringbuf_output(&events, e, ASM_MASK(size, FST_SCRATCH_SIZE - 1), flags) == 0)
		return;
	count = bpf_map_lookup_elem(&lost, &type);
	if (count)
		(*count)++;
}

#endif
