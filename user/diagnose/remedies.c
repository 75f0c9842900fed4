// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What to do about each cause: concrete, and drawn from the incidents fstrace was built for (a
 * Docker build inside a Kubernetes dev pod; npm installs on a corrupted single-replica Longhorn
 * volume; installers racing each other).
 */
#include <string.h>
#include "host/devices.h"
#include "diagnose/remedies.h"

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
	{ "overlay_mount", NULL, "Read the kernel's message above: it says which option overlayfs refused." },
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
	{ "read_only", "emergency_ro",
	  "ext4 stopped writing after an error (errors=remount-ro) to protect what is left: fix the damage, "
	  "not the build. Unmount it, run fsck.ext4 -f on the device (its errors: dmesg, "
	  "/sys/fs/ext4/<device>/errors_count), then mount it again; a remount,rw without fsck fails or "
	  "trips again." },
	{ "read_only", "ro_mount",
	  "This mount is read-only while its filesystem is not: a read-only bind mount (docker -v ...:ro, "
	  "a pod's volumeMounts readOnly: true, a readOnly PVC). Write elsewhere (an emptyDir, /tmp), or "
	  "make the mount writable (mount -o remount,bind,rw MOUNTPOINT; readOnly: false in the pod spec)." },
	{ "read_only", "ro_filesystem",
	  "The filesystem is mounted read-only: write elsewhere, or mount it read-write (mount -o "
	  "remount,rw MOUNTPOINT) if it is meant to be written; a container image's root is read-only by "
	  "design (readOnlyRootFilesystem: give the build an emptyDir)." },
	{ "read_only", NULL,
	  "The filesystem refused the write as read-only: check its mount options (findmnt -o "
	  "TARGET,OPTIONS,FS-OPTIONS) and dmesg for why it went read-only." },
	{ "no_space", "inodes",
	  "The filesystem has no free inodes left although it has free blocks (df -i shows it, df -h does "
	  "not). Remove small files (caches, node_modules), or make the filesystem again with more inodes: "
	  "mkfs.ext4 -N COUNT or -i BYTES-PER-INODE (e.g. -i 4096 for many small files); resizing an ext4 "
	  "(resize2fs) adds inodes in proportion." },
	{ "no_space", "blocks",
	  "The filesystem is full: clean up what the build leaves (caches, old artifacts, docker system "
	  "prune), or grow it (resize2fs after growing the device or PVC; a larger emptyDir sizeLimit)." },
	{ "no_space", "reserved",
	  "Only root's reserved blocks are left and the build does not run as root: free space, grow the "
	  "filesystem, or lower the reservation on a data volume: tune2fs -m 1 DEVICE (or -m 0)." },
	{ "no_space", "quota",
	  "The user's or project's disk quota is used up (EDQUOT): see quota -u USER or repquota, clean up, "
	  "or raise the limit (setquota; xfs_quota -x -c 'limit ...'; a pod's ephemeral-storage limit)." },
	{ "no_space", "tmpfs",
	  "The tmpfs reached its size= or nr_inodes= limit: mount it larger (mount -o remount,size=2G,"
	  "nr_inodes=1m MOUNTPOINT; an emptyDir with medium Memory counts against sizeLimit and the pod's "
	  "memory), or put the build's output on disk." },
	{ "no_space", "overlay_upper",
	  "An overlay writes into its upper layer, whose filesystem is full (a container's writable layer "
	  "on the node's disk): free space there (docker system prune, crictl rmi --prune) or give the "
	  "container a volume for what it writes." },
	{ "no_space", NULL,
	  "The filesystem said it was full: look at df -h and df -i on it while the build runs, and at "
	  "quotas (EDQUOT) and tmpfs limits." },
	{ "io_error", "backing_full",
	  "The loop device's backing file sits on a filesystem that is full, so the kernel could not "
	  "write back what the command wrote: treat that data as lost. Free space there or move the "
	  "backing file to a filesystem with room (a sparse backing file needs its full size: allocate "
	  "it up front with fallocate -l), then fsck the filesystem on the loop device and write the "
	  "data again. Size a tmpfs that holds backing files for them (mount -o remount,size=...)." },
	{ "io_error", "write_lost",
	  "The kernel failed to write data back after the calls had returned, so the command could not "
	  "know: treat what it wrote as lost. Find the failing layer in the messages above (the device "
	  "under the filesystem: its space, its health in dmesg and SMART), fix it, fsck the filesystem "
	  "and write the data again. Programs that must know call fsync and check its result." },
	{ "io_error", "fuse_daemon",
	  "The FUSE daemon serving the mount answered EIO: the fault is in it or in what it reads from "
	  "(its log, the remote store or archive it serves, its credentials), not in a disk, so fsck does "
	  "not apply. Fix or restart the daemon (unmount with umount -l or fusermount -u, mount again) "
	  "and read the file again." },
	{ "io_error", "network_server",
	  "The network filesystem's server (or the connection to it) answered EIO: check the server's "
	  "logs and health and the network path to it, not a local disk; remount once it answers, and "
	  "read or write the data again." },
	{ "io_error", NULL,
	  "The device under the filesystem failed I/O: check it (dmesg, SMART, the storage under a loop "
	  "or network device), fsck the filesystem, and restore what was lost from a backup." },
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
	{ "stale", "disconnected",
	  "The daemon serving the FUSE mount (or the network filesystem's connection) is gone: the kernel "
	  "fails every call on the mount with ENOTCONN until it is unmounted. Find why the daemon exited "
	  "(its log, the OOM killer in dmesg), unmount the dead mount (umount -l MOUNTPOINT, or "
	  "fusermount -uz as its user) and mount it again with a running daemon." },
	{ "stale", NULL,
	  "The network or FUSE filesystem lost the object or its server: remount it, and check the "
	  "server or the FUSE daemon that went away." },
	{ "unknown", NULL,
	  "fstrace has no rule for this errno: the call, path and the kernel's text above are what made "
	  "the command fail; read them against the tool's own message." },
	{ "missing_path", "removals_summed",
	  "Another process was removing paths under it at that moment, and fstrace kept those removals "
	  "only as a count (the kernel holds removals no failure asked for in time): whether this path "
	  "was one of them is not known. Rerun with --all-removals to record each removal, and keep the "
	  "cleanup from running while the build reads that directory." },
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
