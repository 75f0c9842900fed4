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

static __always_inline bool in_scope(__u32 tgid)
{
	if (tgid == self_tgid)
		return false;
	if (targ_use_traced && !bpf_map_lookup_elem(&traced, &tgid))
		return false;
	/* The ancestor at the filter's level: a pod's cgroup also holds its containers' cgroups. */
	if (targ_cgroup_id && bpf_get_current_ancestor_cgroup_id(targ_cgroup_level) != targ_cgroup_id)
		return false;
	if (targ_use_comm && !comm_matches())
		return false;
	return true;
}

#endif
