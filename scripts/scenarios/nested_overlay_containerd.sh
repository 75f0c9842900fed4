# shellcheck shell=bash
# The nested overlay fault as containerd's snapshotter causes it. When the lowerdir list is longer
# than a page, containerd forks a child that chdir()s into the snapshots directory and passes the
# layers as relative paths ("lowerdir=2/fs:1/fs"), so the mount data alone no longer says where the
# layers are: only the caller's cwd does.

# shellcheck source=nested_overlay.sh
source "$FST_SCENARIO_DIR/nested_overlay.sh"

scenario_describe() {
	echo "nested overlay, containerd style: relative lowerdirs from inside the snapshots dir, upperdir on an overlay fails EINVAL"
}

nested_overlay_snapshots() {
	echo "$1/outer/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"
}

scenario_setup() {
	local dir=$1 s
	mkdir -p "$dir/base" "$dir/outer"
	mount -t tmpfs -o size=16m,mode=0755 fstrace-base "$dir/base"
	mkdir -p "$dir/base/lower" "$dir/base/upper" "$dir/base/work"
	mount -t overlay overlay \
		-o "lowerdir=$dir/base/lower,upperdir=$dir/base/upper,workdir=$dir/base/work" "$dir/outer"
	s=$(nested_overlay_snapshots "$dir")
	mkdir -p "$s/1/fs/bin" "$s/2/fs/etc" "$s/3/fs" "$s/3/work" "$dir/outer/run/rootfs"
	echo "layer 1" >"$s/1/fs/bin/hello"
	echo "layer 2" >"$s/2/fs/etc/os-release"
}

scenario_trigger() {
	local dir=$1 s
	s=$(nested_overlay_snapshots "$dir")
	# A subshell, like containerd's forked helper: only it changes directory.
	if (cd "$s" && mount -t overlay overlay \
		-o "lowerdir=2/fs:1/fs,upperdir=$s/3/fs,workdir=$s/3/work" "$dir/outer/run/rootfs"); then
		umount "$dir/outer/run/rootfs"
		echo "nested_overlay_containerd: the nested overlay mount succeeded; this kernel allows it" >&2
		return 0
	fi
	return 1
}

scenario_verify() {
	fst_verify_nested_overlay nested_overlay_containerd "$1"
}

# The finding fstrace must make of it: class and cause.
scenario_finding() {
	echo overlay_mount nested_overlay
}
