# shellcheck shell=bash
# Seed: `docker build` inside a Kubernetes dev pod fails "mount source: overlay ... err: invalid
# argument". The pod's root is itself an overlay (containerd's snapshotter), and overlayfs refuses an
# upperdir that lives on an overlay: it needs d_type, xattrs and O_TMPFILE semantics that an
# overlay upper cannot promise. The only reason is in the kernel log, e.g.
#   overlay: filesystem on /tmp/fstrace-x/outer/var/lib/docker/overlay2/l2/diff not supported as upperdir
#
# Layout under DIR:
#   base/                 tmpfs: lower/ upper/ work/ of the pod's overlay
#   outer/                the pod's root (overlay, works)
#   outer/var/lib/docker/overlay2/{l1,l2}/diff, l2/work, merged/   docker's layers, on the overlay

scenario_describe() {
	echo "nested overlay: an overlay mount whose upperdir is on an overlay fails EINVAL (docker build in a k8s pod)"
}

#
# Inside a real container whose root is containerd's overlay (scripts/devpod), NESTED_OVERLAY_ROOT=/
# makes that root the pod's: setup mounts nothing and docker's layers go to /var/lib/docker/overlay2,
# as dockerd in the devpod puts them.

nested_overlay_docker() {
	local root=${NESTED_OVERLAY_ROOT:-$1/outer}
	echo "${root%/}/var/lib/docker/overlay2"
}

scenario_setup() {
	local dir=$1 d
	if [[ -z ${NESTED_OVERLAY_ROOT:-} ]]; then
		mkdir -p "$dir/base" "$dir/outer"
		mount -t tmpfs -o size=16m,mode=0755 fstrace-base "$dir/base"
		mkdir -p "$dir/base/lower/etc" "$dir/base/upper" "$dir/base/work"
		echo "pod image" >"$dir/base/lower/etc/issue"
		mount -t overlay overlay \
			-o "lowerdir=$dir/base/lower,upperdir=$dir/base/upper,workdir=$dir/base/work" "$dir/outer"
	fi
	mkdir -p "$dir"
	d=$(nested_overlay_docker "$dir")
	mkdir -p "$d/l1/diff/bin" "$d/l2/diff" "$d/l2/work" "$d/merged"
	echo "layer 1" >"$d/l1/diff/bin/hello"
}

# What dockerd's overlay2 driver does for a build step: lower = image layers, upper = new layer.
scenario_trigger() {
	local dir=$1 d
	d=$(nested_overlay_docker "$dir")
	if mount -t overlay overlay \
		-o "lowerdir=$d/l1/diff,upperdir=$d/l2/diff,workdir=$d/l2/work" "$d/merged"; then
		umount "$d/merged"
		echo "nested_overlay: the nested overlay mount succeeded; this kernel allows it" >&2
		return 0
	fi
	return 1
}

scenario_cleanup() {
	if [[ -n ${NESTED_OVERLAY_ROOT:-} ]]; then
		local d
		d=$(nested_overlay_docker "$1")
		if mountpoint -q "$d/merged" 2>/dev/null; then umount "$d/merged" || true; fi
		rm -rf "$d/l1" "$d/l2" "$d/merged"
	fi
	fst_sweep "$1"
}

# The recording shows the fault: an overlay mount that failed EINVAL.
scenario_caught() {
	zcat "$1" | jq -e -s 'any(.[]; .type == "mount" and .fstype == "overlay" and .errno == "EINVAL")' >/dev/null
}

# Without fstrace: the trigger fails and the kernel says why.
scenario_verify() {
	fst_verify_nested_overlay nested_overlay "$1"
}

# The finding fstrace must make of it: class and cause.
scenario_finding() {
	echo overlay_mount nested_overlay
}
