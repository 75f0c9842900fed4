/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Which tasks are in scope: the traced tree (run, record --pid) and the record filters. */
#ifndef FSTRACE_SCOPE_BPF_H
#define FSTRACE_SCOPE_BPF_H

static __always_inline bool comm_matches(void)
{
	char comm[FST_COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < FST_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* Flavours of struct cgroup's ancestors: their ids until 6.0 (commit 7f203bc89eb6, "cgroup:
 * Replace cgroup->ancestor_ids[] with ->ancestors[]"), then the cgroups themselves. */
struct cgroup___ids {
	int level;
	__u64 ancestor_ids[];
};
struct cgroup___ptrs {
	int level;
	struct cgroup *ancestors[];
};

/*
 * The compatible path's ancestor: bpf_get_current_ancestor_cgroup_id is allowed in tracing
 * programs only since 5.14 (commit 2d3a1e3615c5, "bpf: Add rdonly_mem/ancestor cgroup id helpers
 * for tracing"), so the task's default-hierarchy cgroup is read instead, its ancestor at LEVEL
 * taken from the cgroup's own table, and that cgroup's id from its kernfs node.
 */
static __always_inline __u64 ancestor_cgroup_id(__u32 level)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cgroup *cgrp = BPF_CORE_READ(task, cgroups, dfl_cgrp), *anc = NULL;
	__u64 id = 0;

	if (!cgrp || level > 1024 || (__u32)BPF_CORE_READ((struct cgroup___ptrs *)cgrp, level) < level)
		return 0;
	if (bpf_core_field_exists(struct cgroup___ids, ancestor_ids)) {
		bpf_core_read(&id, sizeof(id), &((struct cgroup___ids *)cgrp)->ancestor_ids[level]);
		return id;
	}
	bpf_core_read(&anc, sizeof(anc), &((struct cgroup___ptrs *)cgrp)->ancestors[level]);
	return anc ? BPF_CORE_READ(anc, kn, id) : 0;
}

static __always_inline bool in_scope(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (targ_use_traced && !bpf_map_lookup_elem(&traced, &tgid))
		return false;
		/* The ancestor at the filter's level: a pod's cgroup also holds its containers' cgroups. */
#if FST_COMPAT
	if (targ_cgroup_id && ancestor_cgroup_id(targ_cgroup_level) != targ_cgroup_id)
		return false;
#else
	if (targ_cgroup_id && bpf_get_current_ancestor_cgroup_id(targ_cgroup_level) != targ_cgroup_id)
		return false;
#endif
	if (targ_use_comm && !comm_matches())
		return false;
	return true;
}

#endif
