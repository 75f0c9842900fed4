// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What to do about each cause: concrete, and drawn from the incidents fstrace was built for (a
 * Docker build inside a Kubernetes dev pod; npm installs on a corrupted single-replica Longhorn
 * volume; installers racing each other).
 */
#include <string.h>
#include "devices.h"
#include "findings.h"

static const struct remedy {
	const char *class, *cause, *text;
} remedies[] = {
	{ "overlay_mount", "nested_overlay",
	  "The kernel does not take an overlayfs directory as an overlay's upper or work dir, and a "
	  "container's root filesystem is one. Give Docker's data-root a volume that is not overlay: in "
	  "the pod spec, volumes: [{name: docker, emptyDir: {}}] and volumeMounts: [{name: docker, "
	  "mountPath: /var/lib/docker}] (an emptyDir lives on the node's disk; /var/lib/containerd for "
	  "containerd's snapshotter; emptyDir medium: Memory for a tmpfs). Or use the fuse-overlayfs "
	  "storage driver (needs /dev/fuse) or vfs (slow: it copies every layer), or build outside the "
	  "pod (a CI runner, a remote BuildKit)." },
	{ "overlay_mount", "layer_not_found",
	  "A layer directory was missing when the mount ran: check that every lowerdir exists (a "
	  "snapshot removed under the runtime, a relative lowerdir resolved against the wrong cwd)." },
	{ "overlay_mount", "upper_work_different_mounts",
	  "Put upperdir and workdir on the same mount (the same filesystem and the same mount point): "
	  "overlayfs renames between them." },
	{ "overlay_mount", "readonly_upper",
	  "The upper layer must be writable: mount its filesystem read-write, or use a different "
	  "writable directory for upperdir and workdir." },
	{ "overlay_mount", "missing_option",
	  "Give overlay its options: lowerdir is required, and upperdir and workdir go together." },
	{ "overlay_mount", NULL,
	  "Read the kernel's message above: it says which option overlayfs refused." },
	{ "enoent_race", NULL,
	  "Another process removed the path while this one was using it. Serialise the two (run the "
	  "installers one after the other, or lock around them), give each its own directory (its own "
	  "node_modules or cache), or keep the cleanup job named above away from the tree during builds." },
	{ "fs_corruption", "ext4_errors_single_replica",
	  "The filesystem is damaged and the Longhorn volume has a single replica, so there is nothing "
	  "to heal from. Scale the workload down, then fsck the volume from the node (fsck.ext4 -f "
	  "/dev/longhorn/<volume>); recreate the volume with 3 replicas (numberOfReplicas: 3 in the "
	  "StorageClass or on the volume) and restore the data. Meanwhile build on a tmpfs (node_modules "
	  "and the package store on an emptyDir with medium Memory, e.g. pnpm --store-dir /tmp/store)." },
	{ "fs_corruption", "longhorn",
	  "The filesystem on this Longhorn volume is damaged. Scale the workload down, fsck the volume "
	  "from the node (fsck.ext4 -f /dev/longhorn/<volume>), and check its replica count: with fewer "
	  "than 3 replicas Longhorn cannot heal it; recreate it with 3. Meanwhile build on a tmpfs "
	  "(node_modules and the package store on an emptyDir with medium Memory)." },
	{ "fs_corruption", NULL,
	  "The filesystem is damaged: stop writing to it, unmount it and run fsck.ext4 -f on the "
	  "device; look for I/O errors under it (dmesg, SMART), and restore from a backup if fsck "
	  "cannot repair it." },
	{ "permission", "mode",
	  "The component named above refuses the caller: run the step as a user it lets in, or change "
	  "the owner or mode of that directory or file (chown/chmod, or fsGroup and runAsUser in a pod); "
	  "for a create, the parent directory must be writable and searchable by the caller." },
	{ "permission", "noexec",
	  "The mount is noexec: the kernel refuses to execute anything on it. Run the script through its "
	  "interpreter (sh script.sh), or build on a mount without noexec (remount, or another volume)." },
	{ "permission", "immutable",
	  "The inode has the immutable flag: no one may change, rename or remove it, root included. "
	  "Clear it with chattr -i if it was set by mistake (lsattr shows it)." },
	{ "permission", "append_only",
	  "The inode is append-only (chattr +a): it may only be appended to. Clear it with chattr -a." },
	{ "permission", NULL,
	  "The caller was refused: check its uid and gid against the path's owners and modes, ACLs "
	  "(getfacl), capabilities, and AppArmor or SELinux denials in the kernel log." },
	{ "limit", "open_files",
	  "The process ran out of file descriptors: raise its limit (ulimit -n, LimitNOFILE= in a "
	  "systemd unit, nofile in a container runtime) or find what it leaves open." },
	{ "limit", "system_open_files",
	  "The system ran out of open files: raise fs.file-max (sysctl) or find the process holding them." },
	{ "limit", "name_too_long",
	  "A name exceeds the filesystem's limits (255 bytes a component, 4096 a path): shorten the "
	  "path, or look for a runaway recursion that nests directories." },
	{ "limit", "symlink_loop",
	  "The symbolic links named above lead back to themselves: point one of them at a real file." },
	{ "limit", "arg_list_too_long",
	  "The arguments and environment passed to execve exceed ARG_MAX: pass file lists through "
	  "xargs or a response file, and trim the environment." },
	{ "cross_device", NULL,
	  "rename() and link() cannot cross mounts: put both paths on one volume (the package cache "
	  "beside node_modules), or copy then remove instead of renaming." },
	{ "busy", NULL,
	  "The object was in use: a mount point with processes or mounts under it, or a binary being "
	  "written while it ran. Find the holder (fuser -m, lsof) and retry once it is done." },
	{ "stale", NULL,
	  "The network or FUSE filesystem lost the object or its server: remount it, and check the "
	  "server or the FUSE daemon that went away." },
	{ "unknown", NULL,
	  "fstrace has no rule for this errno: the call, path and the kernel's text above are what made "
	  "the command fail; read them against the tool's own message." },
	{ "missing_path", NULL,
	  "Nothing removed it while fstrace watched, and its filesystem reported no error: the path was "
	  "never there. Check the path the command was given, and the step that should have created it." },
};

const char *remedy_for(const char *class, const char *cause, const struct record *device)
{
	/* On a Longhorn volume the remedy names Longhorn, whatever the replica count we could read. */
	if (!strcmp(class, "fs_corruption") && !strcmp(cause, "ext4_errors") && device && device->device &&
	    device->device->longhorn_volume)
		cause = "longhorn";
	for (size_t i = 0; i < sizeof(remedies) / sizeof(remedies[0]); i++)
		if (!strcmp(remedies[i].class, class) && (!remedies[i].cause || !strcmp(remedies[i].cause, cause)))
			return remedies[i].text;
	return "";
}
