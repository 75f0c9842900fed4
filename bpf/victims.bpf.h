/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The inode a removal or a rename took away, where the kernel lets fentry in (userspace probes it
 * and loads these programs only then; elsewhere removal events carry no inode). The syscall's own
 * path says what name went; the inode says which file it was, and on which device.
 *
 * fentry on vfs_unlink/vfs_rmdir/vfs_rename notes the victim by thread; sys_exit takes it into the
 * removal's event. A call that removed nothing still overwrites or clears the note, so a later
 * removal never inherits an earlier one's inode.
 */
#ifndef FSTRACE_VICTIMS_BPF_H
#define FSTRACE_VICTIMS_BPF_H

const volatile bool targ_victims = false; /* the fentry programs below are loaded */

struct victim {
	__u64 ino;
	__u32 dev;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* tid */
	__type(value, struct victim);
} victims SEC(".maps");

/* Flavours: the idmapped-mounts field, before and after its type changed. */
struct vfsmount___userns {
	struct user_namespace *mnt_userns;
};
struct vfsmount___idmap {
	struct mnt_idmap *mnt_idmap;
};

/*
 * vfs_unlink(dir, dentry, ...) became vfs_unlink(mnt_userns, dir, dentry, ...) with idmapped mounts
 * in 5.12 (commit 6521f8917082, "namei: prepare for idmapped mounts"), and that first argument a
 * struct mnt_idmap * in 6.3 (commit abf08576afe3, "fs: port vfs_*() helpers to struct mnt_idmap"):
 * 6.1 has vfsmount.mnt_userns, 6.18 vfsmount.mnt_idmap, both take the dentry third. vfs_rmdir alike.
 */
static __always_inline bool dentry_is_third(void)
{
	return bpf_core_field_exists(struct vfsmount___idmap, mnt_idmap) ||
	       bpf_core_field_exists(struct vfsmount___userns, mnt_userns);
}

/* A context argument read as one load at a constant offset, in asm: clang would otherwise fold
 * the two branches below into one load through a computed pointer, which the verifier refuses
 * ("dereference of modified ctx ptr", seen on 6.1). Only the branch CO-RE keeps is checked. */
#define CTX_ARG(ctx, n)                                                               \
	({                                                                            \
		__u64 v_;                                                             \
		asm volatile("%0 = *(u64 *)(%1 + " #n " * 8)" : "=r"(v_) : "r"(ctx)); \
		v_;                                                                   \
	})

static __always_inline struct dentry *victim_dentry(__u64 *ctx)
{
	if (dentry_is_third())
		return (struct dentry *)CTX_ARG(ctx, 2);
	return (struct dentry *)CTX_ARG(ctx, 1);
}

static __always_inline void note_victim(struct dentry *dentry)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct inode *inode = dentry ? BPF_CORE_READ(dentry, d_inode) : NULL;
	struct victim v = {};

	if (inode) {
		v.ino = BPF_CORE_READ(inode, i_ino);
		v.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	}
	bpf_map_update_elem(&victims, &tid, &v, BPF_ANY);
}

SEC("fentry/vfs_unlink")
int fst_vfs_unlink(__u64 *ctx)
{
	note_victim(victim_dentry(ctx));
	return 0;
}

SEC("fentry/vfs_rmdir")
int fst_vfs_rmdir(__u64 *ctx)
{
	note_victim(victim_dentry(ctx));
	return 0;
}

/* Where fentry on vfs_rmdir would miss rmdirs (Debian 11's 5.10: gcc split it, and callers call
 * vfs_rmdir.part.0 directly, see user/load/compat.c): the LSM hook vfs_rmdir calls with the same
 * dentry, security_inode_rmdir(dir, dentry), whose arguments never changed. Userspace loads one. */
SEC("fentry/security_inode_rmdir")
int fst_security_rmdir(__u64 *ctx)
{
	note_victim((struct dentry *)CTX_ARG(ctx, 1));
	return 0;
}

/*
 * What a rename takes away is the file it replaces, new_dentry's inode (none when the name was
 * free). One struct renamedata holds the arguments since 5.12 (commit 9fe61450972d, "namei:
 * introduce struct renamedata"); before, new_dentry was the fourth argument.
 */
SEC("fentry/vfs_rename")
int fst_vfs_rename(__u64 *ctx)
{
	if (bpf_core_type_exists(struct renamedata))
		note_victim(BPF_CORE_READ((struct renamedata *)ctx[0], new_dentry));
	else
		note_victim((struct dentry *)CTX_ARG(ctx, 3));
	return 0;
}

/* Into the removal's event: the victim its call noted, if any; the note goes either way. */
static __always_inline void take_victim(struct fst_event *e, __u32 tid)
{
	struct victim *v;

	if (!targ_victims || !(v = bpf_map_lookup_elem(&victims, &tid)))
		return;
	e->ino = v->ino;
	e->dev = v->dev;
	bpf_map_delete_elem(&victims, &tid);
}

#endif
