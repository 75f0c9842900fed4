# shellcheck shell=bash
# Issue 14: a build fails "No space left on device" while `df -h` shows its disk 1% used. The
# filesystem ran out of inodes, not blocks: an ext4 made for few large files (mkfs.ext4 -N, or a
# large -i) holding a build's many small ones. Here an 8 MiB ext4 made with 64 inodes, all used.
#
# Layout under DIR:
#   disk.img                 the image; mnt/ its loop mount (world-writable), full of empty files
#   loopdev, loopdev.majmin  the loop device and its "major:minor"

scenario_describe() {
	echo "no space: an ext4 made with 64 inodes, all used, 1% of its blocks: a shell redirection fails ENOSPC"
}

scenario_setup() {
	local dir=$1 loop i=0
	mkdir -p "$dir/mnt"
	truncate -s 8M "$dir/disk.img"
	mkfs.ext4 -q -F -N 64 "$dir/disk.img"
	fst_loop_attach "$dir/disk.img" "$dir" || die "no loop device for $dir/disk.img"
	loop=$(<"$dir/loopdev")
	mount -t ext4 "$loop" "$dir/mnt"
	chmod 1777 "$dir/mnt"
	while : 2>/dev/null >"$dir/mnt/f$i"; do i=$((i + 1)); done
}

# A build step writing its output.
scenario_trigger() {
	cd "$1/mnt" && sh -c 'echo built > out.o'
}

# fst_sweep unmounts DIR/mnt and detaches the loop device backed by DIR/disk.img.
scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s 'any(.[]; .type == "syscall" and .errno == "ENOSPC")' >/dev/null
}

# Without fstrace: the write fails ENOSPC, statfs says no inode is free and most blocks are.
scenario_verify() {
	local dir=$1 out rc=0 ffree bfree blocks
	out=$(scenario_trigger "$dir" 2>&1) || rc=$?
	[[ $rc -ne 0 ]] || { echo "trigger did not fail"; return 1; }
	grep -q "No space left on device" <<<"$out" || { echo "trigger failed otherwise: $out"; return 1; }
	read -r ffree bfree blocks < <(stat -f -c '%d %f %b' "$dir/mnt")
	[[ $ffree -eq 0 && $bfree -gt $((blocks / 2)) ]] || { echo "free inodes $ffree, free blocks $bfree of $blocks"; return 1; }
	echo "$out; free inodes $ffree, free blocks $bfree of $blocks"
}

scenario_finding() {
	echo no_space inodes
}
