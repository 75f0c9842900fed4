# shellcheck shell=bash
# Seed: npm install on a Longhorn volume (ext4, one replica) fails with TAR_ENTRY_ERROR while the
# block device reports itself healthy: the damage is in ext4's metadata. Here a directory entry
# points at an inode that debugfs has zeroed (`clri`), as a lost write would leave it; ext4 notices
# only when a lookup reaches that entry, fires the ext4:ext4_error tracepoint, logs
#   EXT4-fs error (device loop0): ext4_lookup:1789: inode #13: comm tar: deleted inode referenced: 14
# and fails the caller with EUCLEAN ("Structure needs cleaning").
#
# The stage is shaped like a Longhorn volume on a Kubernetes node, so that fstrace's device
# resolution meets what it meets there: a block node /dev/longhorn/<volume> with the loop device's
# major:minor (Longhorn v1 exposes each attached volume so), and the filesystem mounted where
# kubelet mounts a CSI volume for a pod, .../pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount.
#
# Layout under DIR:
#   disk.img              16 MiB ext4 image holding node_modules/left-pad/{package.json,index.js}
#   left-pad.tar          the package the trigger extracts over it
#   var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~csi/pvc-<uuid>/mount/   the image, loop-mounted
#   mountpoint, pv.name   that mount point, and its PV name (pvc-<uuid>)
#   longhorn.name         the volume's name, fstrace-test-<random>: /dev/longhorn/<name> is a block
#                         node of the loop device, removed by cleanup (and by fst_sweep)
#   longhorn.created      present when setup created /dev/longhorn itself (cleanup removes it then)
#   loopdev, loopdev.majmin   the loop device and its "major:minor" (the ext4_error event's dev)
#   corrupt.ino           the zeroed inode; corrupt.path: the entry that references it

scenario_describe() {
	echo "ext4 corruption: extracting a package over a directory entry whose inode was zeroed fires ext4_error (EUCLEAN), on a Longhorn-shaped volume"
}

scenario_setup() {
	local dir=$1 ino loop majmin name pv mnt
	name=fstrace-test-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	pv=pvc-$(</proc/sys/kernel/random/uuid)
	mnt=$dir/var/lib/kubelet/pods/$(</proc/sys/kernel/random/uuid)/volumes/kubernetes.io~csi/$pv/mount
	mkdir -p "$dir/src/node_modules/left-pad" "$dir/pkg/left-pad" "$mnt"
	echo "$pv" >"$dir/pv.name"
	echo "$mnt" >"$dir/mountpoint"
	printf '{"name":"left-pad","version":"1.3.0"}\n' >"$dir/src/node_modules/left-pad/package.json"
	printf 'module.exports = leftPad;\n' >"$dir/src/node_modules/left-pad/index.js"
	cp "$dir/src/node_modules/left-pad/"* "$dir/pkg/left-pad/"
	tar -cf "$dir/left-pad.tar" -C "$dir/pkg" left-pad
	truncate -s 16M "$dir/disk.img"
	# -d fills the image from a directory, without mounting it first.
	mkfs.ext4 -q -F -d "$dir/src" "$dir/disk.img"
	ino=$(DEBUGFS_PAGER=__none__ debugfs -R "stat /node_modules/left-pad/package.json" "$dir/disk.img" 2>/dev/null |
		sed -n 's/^Inode: \([0-9][0-9]*\).*/\1/p')
	[[ -n $ino ]] || die "debugfs found no inode for package.json in $dir/disk.img"
	debugfs -w -R "clri <$ino>" "$dir/disk.img" 2>/dev/null
	echo "$ino" >"$dir/corrupt.ino"
	echo "$mnt/node_modules/left-pad/package.json" >"$dir/corrupt.path"
	fst_loop_attach "$dir/disk.img" "$dir" || die "no loop device for $dir/disk.img"
	loop=$(<"$dir/loopdev")
	majmin=$(<"$dir/loopdev.majmin")
	# The name is on disk before the node exists, so that a cleanup after any failure finds it.
	echo "$name" >"$dir/longhorn.name"
	if [[ ! -d /dev/longhorn ]]; then
		mkdir /dev/longhorn
		: >"$dir/longhorn.created"
	fi
	mknod -m 600 "/dev/longhorn/$name" b "${majmin%:*}" "${majmin#*:}"
	# errors=continue: keep the filesystem writable after the error, as the seed's volume stayed.
	mount -t ext4 -o errors=continue "$loop" "$mnt"
}

# npm-like: unpack the package over node_modules, then look at what is there.
scenario_trigger() {
	local dir=$1 mnt rc=0
	mnt=$(<"$dir/mountpoint")
	tar -xf "$dir/left-pad.tar" -C "$mnt/node_modules" || rc=$?
	ls -l "$mnt/node_modules/left-pad" || rc=$?
	return "$rc"
}

scenario_cleanup() {
	local dir=$1 mnt
	if [[ -f $dir/mountpoint ]]; then
		mnt=$(<"$dir/mountpoint")
		if [[ -e $mnt ]] && mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || true; fi
	fi
	if [[ -f $dir/loopdev ]]; then losetup -d "$(<"$dir/loopdev")" 2>/dev/null || true; fi
	# fst_sweep also removes the /dev/longhorn node (and /dev/longhorn, if setup created it).
	fst_sweep "$dir"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg dev "$(<"$2/loopdev.majmin")" \
		'any(.[]; .type == "ext4_error" and .dev == $dev)' >/dev/null
}

# Without fstrace: ext4 logs the error and the ext4:ext4_error tracepoint fires (checked in a
# tracefs instance of its own, so the global trace buffer is left alone).
scenario_verify() {
	local dir=$1 tag inst rc=0 dev tp
	tag="ext4_corruption $dir"
	fst_tracefs
	inst=$FST_TRACEFS/instances/fstrace-verify-$$
	mkdir "$inst" || { echo "cannot create tracefs instance $inst"; return 1; }
	echo 1 >"$inst/events/ext4/ext4_error/enable"
	fst_kmsg_mark "$tag"
	scenario_trigger "$dir" >/dev/null 2>&1 || rc=$?
	echo 0 >"$inst/events/ext4/ext4_error/enable"
	dev=$(<"$dir/loopdev.majmin")
	tp=$(grep -F "ext4_error: dev ${dev/:/,} " "$inst/trace" | head -n 3)
	rmdir "$inst"
	[[ $rc -ne 0 ]] || { echo "trigger did not fail"; return 1; }
	[[ -n $tp ]] || { echo "ext4:ext4_error did not fire for dev $dev"; return 1; }
	echo "$tp"
	fst_kmsg_since "$tag" | grep -F "EXT4-fs error (device $(basename "$(<"$dir/loopdev")"))" ||
		{ echo "no EXT4-fs error kernel message"; return 1; }
}

# The finding fstrace must make of it: class and cause.
scenario_finding() {
	echo fs_corruption ext4_errors
}
