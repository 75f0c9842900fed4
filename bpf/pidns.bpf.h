/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fstrace inside a container: the kernel names every task by its host pid, the user (and /proc)
 * by the pid of the container's pid namespace. Two pieces bridge them:
 * - ns_tgid_of(): a task's tgid in fstrace's own pid namespace, carried by every event so that
 *   reports show the pids the user sees;
 * - fst_pidns_iter: a task iterator run once after load, before anything attaches, listing the
 *   host tgid of every process of that namespace, so that run's command, record --pid's process
 *   and fstrace itself are known by their host tgids before the first event.
 * Both find the namespace by its nsfs inode, not a pointer: userspace reads it from
 * /proc/self/ns/pid. On the host (targ_pidns_ino 0) neither is used and the verifier prunes them.
 */
#ifndef FSTRACE_PIDNS_BPF_H
#define FSTRACE_PIDNS_BPF_H

#define FST_PIDNS_MAX_LEVEL 32 /* MAX_PID_NS_LEVEL in include/linux/pid_namespace.h */

/* The pid a struct pid has at LEVEL when that level's namespace is fstrace's, else 0. */
static __always_inline __u32 pid_nr_at(struct pid *pid, __u32 level)
{
	struct upid up;

	if (!pid || level >= FST_PIDNS_MAX_LEVEL || BPF_CORE_READ(pid, level) < level)
		return 0;
	if (bpf_core_read(&up, sizeof(up), &pid->numbers[level]) ||
	    BPF_CORE_READ(up.ns, ns.inum) != targ_pidns_ino)
		return 0;
	return up.nr;
}

/*
 * The tgid of the task at TASK_ADDR in fstrace's pid namespace; 0 when the task lives outside it
 * (a host process, a sibling container). Global, with a scalar argument: checked once by the
 * verifier for every event type, and loadable where global functions take no pointers (< 5.12).
 */
__noinline __u32 ns_tgid_of(__u64 task_addr)
{
	struct task_struct *task = (struct task_struct *)task_addr;

	if (!task)
		return 0;
	return pid_nr_at(BPF_CORE_READ(task, group_leader, thread_pid), pidns_level);
}

/* Loaded only when fstrace runs in a pid namespace other than the host's (user/load/attach.c), as a
 * task iterator: the section is fstrace's own so that libbpf does not parse the whole kernel BTF
 * to find the iterator's type, which comes from fstrace's cache instead (user/host/pidns.c). */
SEC("?fstrace.iter/task")
int fst_pidns_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct fst_pid_pair p;
	struct pid *pid;
	__u32 top;

	if (!task || BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0; /* one line per process: its leader */
	pid = BPF_CORE_READ(task, thread_pid);
	if (!pid)
		return 0;
	top = BPF_CORE_READ(pid, level);
	/* The level is not known yet here: try each of the task's levels for fstrace's namespace. */
	for (__u32 level = 1; level < FST_PIDNS_MAX_LEVEL && level <= top; level++) {
		__u32 nr = pid_nr_at(pid, level);

		if (!nr)
			continue;
		p.host_tgid = BPF_CORE_READ(task, tgid);
		p.ns_tgid = nr;
		p.level = level;
		bpf_seq_write(ctx->meta->seq, &p, sizeof(p));
		break;
	}
	return 0;
}

#endif
