# shellcheck shell=bash
# Issue 14: a build's mkdir fails "Read-only file system" on a volume /proc/mounts calls rw. The
# ext4 is mounted errors=remount-ro; an earlier read met a corrupted inode (cleared here with
# debugfs clri, as in ext4_corruption), ext4 logged the error and stopped writing. Since Linux
# 6.15 only the superblock's options say so ("emergency_ro"); before, the superblock went ro.
#
# Layout under DIR:
#   disk.img                 16 MiB ext4 image holding d/file, whose inode is cleared
#   mnt/                     its loop mount, errors=remount-ro
#   loopdev, loopdev.majmin  the loop device and its "major:minor"

scenario_describe() {
	echo "read-only: an errors=remount-ro ext4 trips over a cleared inode, then the build's mkdir fails EROFS"
}

scenario_setup() {
	local dir=$1 ino loop
	mkdir -p "$dir/src/d" "$dir/mnt"
	echo hello >"$dir/src/d/file"
	truncate -s 16M "$dir/disk.img"
	mkfs.ext4 -q -F -d "$dir/src" "$dir/disk.img"
	ino=$(DEBUGFS_PAGER=__none__ debugfs -R "stat /d/file" "$dir/disk.img" 2>/dev/null |
		sed -n 's/^Inode: \([0-9][0-9]*\).*/\1/p')
	[[ -n $ino ]] || die "debugfs found no inode for /d/file in $dir/disk.img"
	debugfs -w -R "clri <$ino>" "$dir/disk.img" 2>/dev/null
	fst_loop_attach "$dir/disk.img" "$dir" || die "no loop device for $dir/disk.img"
	loop=$(<"$dir/loopdev")
	mount -t ext4 -o errors=remount-ro "$loop" "$dir/mnt"
}

# A build that reads its sources (one of them damaged), then makes its output directory.
scenario_trigger() {
	cd "$1/mnt" && sh -c 'cat d/file >/dev/null 2>&1; mkdir build'
}

# fst_sweep unmounts DIR/mnt and detaches the loop device backed by DIR/disk.img.
scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg dev "$(<"$2/loopdev.majmin")" \
		'any(.[]; .type == "ext4_error" and .dev == $dev) and any(.[]; .type == "syscall" and .errno == "EROFS")' >/dev/null
}

# Without fstrace: mkdir fails EROFS, the mount's own options still say rw, and the superblock's
# say emergency_ro (or ro, before 6.15).
scenario_verify() {
	local dir=$1 out rc=0 opts super
	out=$(scenario_trigger "$dir" 2>&1) || rc=$?
	[[ $rc -ne 0 ]] || { echo "trigger did not fail"; return 1; }
	grep -q "Read-only file system" <<<"$out" || { echo "trigger failed otherwise: $out"; return 1; }
	read -r opts super < <(findmnt -n -o OPTIONS,FS-OPTIONS --mountpoint "$dir/mnt")
	[[ ,$super, == *,emergency_ro,* || ,$super, == *,ro,* || ,$opts, == *,ro,* ]] ||
		{ echo "the mount does not say read-only: $opts / $super"; return 1; }
	echo "$out; mount options $opts, superblock $super"
}

scenario_finding() {
	echo read_only emergency_ro
}
