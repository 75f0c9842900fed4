# shellcheck shell=bash
# Issue 14: silent write loss. A volume's backing file sits on a filesystem that fills up (a
# replica disk out of space): the build writes 60 MB, every call succeeds, the command exits 0,
# and at writeback the kernel fails the loop device's writes and logs them as warnings
# ("critical space allocation error", "I/O error 3 writing to inode") that printk:console never
# sees. Here: ext4 on a loop device whose 128 MB sparse backing file is on a 24 MB tmpfs.
#
# Layout under DIR:
#   back/backing.img     the sparse backing file, on back/ (a 24 MB tmpfs)
#   mnt/                 the loop device's ext4 (world-writable)
#   loopdev, loopdev.majmin  the loop device and its "major:minor"

scenario_describe() {
	echo "write loss: ext4 on a loop device whose backing file's tmpfs is full; 60 MB written, exit 0, lost at writeback"
}

scenario_setup() {
	local dir=$1 loop
	mkdir -p "$dir/back" "$dir/mnt"
	mount -t tmpfs -o size=24m fst-write-loss "$dir/back"
	truncate -s 128M "$dir/back/backing.img"
	fst_loop_attach "$dir/back/backing.img" "$dir" || die "no loop device for $dir/back/backing.img"
	loop=$(<"$dir/loopdev")
	mkfs.ext4 -q "$loop"
	mount -t ext4 "$loop" "$dir/mnt"
	chmod 1777 "$dir/mnt"
}

# A build step in its work directory writing its artifact, then syncing: it exits 0 whatever
# writeback met. dd starting in mnt/ is what ties the run to the loop device (find_ioerror.c).
scenario_trigger() {
	cd "$1/mnt" && dd if=/dev/urandom of=artifact.bin bs=1M count=60 status=none && sync
}

# The loss is silent: the build succeeds, and the report must still say its data may be lost.
scenario_expect() {
	echo succeeds
}

# The loop device goes before the tmpfs under it (once that is unmounted, its backing file reads
# as "/backing.img" and no sweep by directory finds it); a device that wrote back errors can stay
# busy a moment after its filesystem is unmounted.
scenario_cleanup() {
	local dir=$1 loop
	if [[ -d $dir/mnt ]] && mountpoint -q "$dir/mnt"; then
		umount "$dir/mnt" 2>/dev/null || umount -l "$dir/mnt" 2>/dev/null || true
	fi
	if [[ -f $dir/loopdev ]]; then
		loop=$(<"$dir/loopdev")
		for _ in $(seq 50); do
			[[ -e /sys/block/${loop#/dev/}/loop/backing_file ]] || break
			losetup -d "$loop" 2>/dev/null || true
			sleep 0.1
		done
	fi
	if [[ -d $dir/back ]] && mountpoint -q "$dir/back"; then umount "$dir/back" 2>/dev/null || true; fi
	fst_sweep "$dir"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg d "$(<"$2/loopdev.majmin")" \
		'any(.[]; .type == "kmsg" and .dev == $d)' >/dev/null
}

# Without fstrace: the command succeeds, yet 60 MB went to a device whose 24 MB backing store is
# full: the loss is certain. (The kernel's messages about it are rate-limited, so a run right
# after another may print none: said, not required.)
scenario_verify() {
	local dir=$1 loop rc=0 avail said=", and the kernel logged failed writes of"
	loop=$(<"$dir/loopdev")
	(scenario_trigger "$dir") || rc=$?
	[[ $rc -eq 0 ]] || { echo "trigger failed ($rc): the loss must be silent"; return 1; }
	avail=$(stat -f -c '%a' "$dir/back")
	[[ $avail -eq 0 ]] || { echo "the backing file's tmpfs still has $avail blocks free"; return 1; }
	dmesg 2>/dev/null | tail -n 200 | grep -q "${loop#/dev/}" || said=", though the kernel logged nothing (rate-limited) about"
	echo "dd and sync exited 0; the backing tmpfs is full$said ${loop#/dev/}"
}

scenario_finding() {
	echo io_error backing_full
}
