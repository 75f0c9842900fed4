#!/usr/bin/env bash
# A devpod built from real parts, for the tests and the demo: a privileged container started by a
# private containerd (Debian's containerd + runc) the way a k3s node starts a Kubernetes devpod.
#   - containerd's own config, root under a k3s-shaped path
#     (DIR/var/lib/rancher/k3s/agent/containerd), state and socket under DIR/run/k3s/containerd,
#     the overlayfs snapshotter: the container's root is the overlay whose upperdir is
#     .../io.containerd.snapshotter.v1.overlayfs/snapshots/N/fs, as on the node.
#   - an image built here without a registry (an OCI tarball, `ctr images import`): a Debian 12
#     merged-/usr skeleton; the node's /usr is bind-mounted read-only (bash, node, npm, mount).
#   - its own PID, mount, UTS, cgroup (and network) namespaces, the pod's name as hostname, and
#     POD_NAME / POD_NAMESPACE as the downward API sets them (runc-pod adds what ctr cannot).
#   - a "PVC": an ext4 image on a loop device, exposed as /dev/longhorn/pvc-<uuid>, mounted from
#     that node at DIR/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~csi/pvc-<uuid>/mount and
#     bind-mounted into the container at /home/coder.
#   - fstrace at /opt/fstrace/bin/fstrace and the repo's scripts/ at /opt/fstrace/scripts
#     (read-only), DIR/out at /out for what the host reads back.
#
# Sourced:   devpod_up DIR; devpod_exec CMD...; devpod_down [DIR]
# Run:       devpod.sh up DIR | exec DIR CMD... | down DIR
# Settings:  FSTRACE (the binary to mount), DEVPOD_POD_NAME, DEVPOD_POD_NAMESPACE,
#            DEVPOD_PVC_SEED (a directory the volume starts with, as a restored home would)
#
# devpod_down undoes everything devpod_up did, whatever step it stopped at, and may run any number
# of times: what it must find is written under DIR before it exists (devpod.vars, the pid files,
# the flag files of what was created outside DIR).

[[ -n ${FST_SCENARIO_DIR:-} ]] || FST_SCENARIO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../scenarios" && pwd)
# shellcheck source=../scenarios/lib.sh
source "$FST_SCENARIO_DIR/lib.sh"
DEVPOD_HERE=$FST_REPO/scripts/devpod

DEVPOD_DIR=
DEVPOD_EXECS=0

# ctr against the private containerd, in the namespace k3s uses for pods.
devpod_ctr() {
	ctr --address "$DEVPOD_SOCK" --namespace k8s.io "$@"
}

devpod_log() {
	[[ -n ${DEVPOD_QUIET:-} ]] || echo "devpod: $*" >&2
}

# devpod_image ROOTFS OUT.tar: a one-layer OCI image of ROOTFS, with index.json naming it
# $DEVPOD_IMAGE (the annotation ctr import reads the name from).
devpod_image() {
	local rootfs=$1 out=$2 oci blobs layer config manifest
	oci=$(mktemp -d "${out%/*}/oci.XXXXXX")
	blobs=$oci/blobs/sha256
	mkdir -p "$blobs"
	# A reproducible layer: numeric root ownership, sorted, no timestamps to vary.
	tar -C "$rootfs" --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -cf "$oci/layer.tar" .
	layer=$(devpod_blob "$blobs" "$oci/layer.tar")
	jq -n -c --arg diff "${layer%% *}" '{architecture: "amd64", os: "linux",
		config: {Env: ["PATH=/opt/fstrace/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
			Cmd: ["/usr/bin/sleep", "infinity"], WorkingDir: "/"},
		rootfs: {type: "layers", diff_ids: [$diff]}}' >"$oci/config.json"
	config=$(devpod_blob "$blobs" "$oci/config.json")
	jq -n -c --arg c "${config%% *}" --argjson cs "${config##* }" --arg l "${layer%% *}" --argjson ls "${layer##* }" '
		{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		 config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		 layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$oci/manifest.json"
	manifest=$(devpod_blob "$blobs" "$oci/manifest.json")
	jq -n -c --arg m "${manifest%% *}" --argjson ms "${manifest##* }" --arg name "$DEVPOD_IMAGE" '
		{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		 digest: $m, size: $ms, platform: {architecture: "amd64", os: "linux"},
		 annotations: {"io.containerd.image.name": $name, "org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))}}]}' \
		>"$oci/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
	tar -C "$oci" -cf "$out" oci-layout index.json blobs
	rm -rf "$oci"
}

# devpod_blob BLOBS FILE: moves FILE into BLOBS under its digest; prints "sha256:HEX SIZE".
devpod_blob() {
	local blobs=$1 file=$2 sum size
	sum=$(sha256sum "$file" | cut -d ' ' -f 1)
	size=$(stat -c %s "$file")
	mv "$file" "$blobs/$sum"
	echo "sha256:$sum $size"
}

# devpod_rootfs DIR: the image's tree. Debian 12's merged /usr (bin, lib, lib64, sbin are links
# into usr/, which the node's /usr fills), a minimal /etc, the service account's namespace file
# kubelet projects into every pod, and the mount points of the home volume and of a docker.
devpod_rootfs() {
	local r=$1 d
	for d in usr/bin usr/lib usr/lib64 usr/sbin etc root tmp var/tmp var/lib/docker home/coder \
		proc sys dev run opt/fstrace/bin opt/fstrace/scripts out var/run/secrets/kubernetes.io/serviceaccount; do
		mkdir -p "$r/$d"
	done
	chmod 1777 "$r/tmp" "$r/var/tmp"
	chmod 700 "$r/root"
	for d in bin lib lib64 sbin; do ln -s "usr/$d" "$r/$d"; done
	ln -s ../proc/self/mounts "$r/etc/mtab"
	# As Debian images have it (UTC); without it every ls -l or date looks for it in vain.
	ln -s /usr/share/zoneinfo/Etc/UTC "$r/etc/localtime"
	printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' 'coder:x:1000:1000:coder:/home/coder:/bin/bash' \
		'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$r/etc/passwd"
	printf '%s\n' 'root:x:0:' 'coder:x:1000:' 'nogroup:x:65534:' >"$r/etc/group"
	printf '%s\n' '127.0.0.1 localhost' '::1 localhost ip6-localhost ip6-loopback' >"$r/etc/hosts"
	# As kubelet writes it for a ClusterFirst pod on k3s (cluster DNS at 10.43.0.10).
	printf '%s\n' 'nameserver 10.43.0.10' "search $DEVPOD_NAMESPACE.svc.cluster.local svc.cluster.local cluster.local" \
		'options ndots:5' >"$r/etc/resolv.conf"
	printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files dns' >"$r/etc/nsswitch.conf"
	# Debian images carry one; without it every exec probes each library directory (ENOENTs that
	# would be in every recording).
	if [[ -f /etc/ld.so.cache ]]; then cp /etc/ld.so.cache "$r/etc/ld.so.cache"; fi
	# The node's /usr/bin/awk, editor, ... are links through /etc/alternatives, as in a Debian image.
	if [[ -d /etc/alternatives ]]; then cp -a /etc/alternatives "$r/etc/"; fi
	printf '%s' "$DEVPOD_NAMESPACE" >"$r/var/run/secrets/kubernetes.io/serviceaccount/namespace"
}

devpod_config() {
	cat <<EOF
# The private containerd of scripts/devpod/devpod.sh: paths as k3s lays them out, under $DEVPOD_DIR.
version = 2
root = "$DEVPOD_ROOT"
state = "$DEVPOD_STATE"
# No CRI (no kubelet talks to it) and nothing that would write outside this directory.
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$DEVPOD_SOCK"

[ttrpc]
  address = "$DEVPOD_SOCK.ttrpc"

# The tasks service needs the v1 runtime loaded, even unused: its runc root here, not in /run.
[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$DEVPOD_DIR/run/runc-v1"

[plugins."io.containerd.service.v1.diff-service"]
  default = ["walking"]
EOF
}

# The names of one devpod: written to DIR/devpod.vars first, so that devpod_down finds them
# after any failure, and `devpod.sh exec/down DIR` from another shell.
devpod_vars() {
	local dir=$1 uid
	uid=$(</proc/sys/kernel/random/uuid)
	DEVPOD_DIR=$dir
	DEVPOD_ROOT=$dir/var/lib/rancher/k3s/agent/containerd
	DEVPOD_STATE=$dir/run/k3s/containerd
	DEVPOD_SOCK=$DEVPOD_STATE/containerd.sock
	DEVPOD_IMAGE=registry.local/fstrace/devpod:1
	DEVPOD_POD=${DEVPOD_POD_NAME:-devpod-coder-7d9f}
	DEVPOD_NAMESPACE=${DEVPOD_POD_NAMESPACE:-coder}
	DEVPOD_POD_UID=$uid
	# A CRI container id (64 hex), in a cgroupfs-driver pod cgroup under a top of our own.
	DEVPOD_CID=$(head -c 32 /dev/urandom | sha256sum | cut -c 1-64)
	DEVPOD_CGROUP_TOP=fstrace-test-devpod-${DEVPOD_CID:0:12}
	DEVPOD_CGROUP=/$DEVPOD_CGROUP_TOP/kubepods/besteffort/pod$uid/$DEVPOD_CID
	DEVPOD_PV=pvc-$(</proc/sys/kernel/random/uuid)
	DEVPOD_PVC_MNT=$dir/var/lib/kubelet/pods/$uid/volumes/kubernetes.io~csi/$DEVPOD_PV/mount
	declare -p DEVPOD_DIR DEVPOD_ROOT DEVPOD_STATE DEVPOD_SOCK DEVPOD_IMAGE DEVPOD_POD DEVPOD_NAMESPACE \
		DEVPOD_POD_UID DEVPOD_CID DEVPOD_CGROUP_TOP DEVPOD_CGROUP DEVPOD_PV DEVPOD_PVC_MNT |
		sed 's/^declare -- /declare -g /' >"$dir/devpod.vars"
}

devpod_load() {
	local dir=$1
	[[ -f $dir/devpod.vars ]] || return 1
	# shellcheck source=/dev/null
	source "$dir/devpod.vars"
}

# The "PVC": ext4 on a loop device, the block node Longhorn v1 would make for the volume, and the
# mount kubelet's CSI staging would make of it, from that node (so that mountinfo's source is
# /dev/longhorn/pvc-<uuid>, here and in the container).
devpod_pvc() {
	local dir=$1 loop majmin seed=${DEVPOD_PVC_SEED:-}
	truncate -s 96M "$dir/pvc.img"
	mkfs.ext4 -q -F -L "${DEVPOD_PV:0:16}" ${seed:+-d "$seed"} "$dir/pvc.img"
	[[ -e /dev/loop-control ]] || modprobe loop 2>/dev/null || true
	loop=$(losetup --find --show "$dir/pvc.img")
	echo "$loop" >"$dir/loopdev"
	majmin=$(fst_majmin "$loop")
	echo "$majmin" >"$dir/loopdev.majmin"
	# The name first, then the node: fst_sweep and devpod_down remove what the name says.
	echo "$DEVPOD_PV" >"$dir/longhorn.name"
	if [[ ! -d /dev/longhorn ]]; then
		mkdir /dev/longhorn
		: >"$dir/longhorn.created"
	fi
	mknod -m 600 "/dev/longhorn/$DEVPOD_PV" b "${majmin%:*}" "${majmin#*:}"
	mkdir -p "$DEVPOD_PVC_MNT"
	# errors=continue: the volume stays writable after an ext4 error, as the seed's did.
	mount -t ext4 -o errors=continue "/dev/longhorn/$DEVPOD_PV" "$DEVPOD_PVC_MNT"
	# The pod runs as root, but the home is coder's, as an fsGroup would leave it.
	chown 1000:1000 "$DEVPOD_PVC_MNT"
}

devpod_start_containerd() {
	local dir=$1
	mkdir -p "$DEVPOD_ROOT" "$DEVPOD_STATE" "$dir/run/runc" "$dir/run/fifo"
	devpod_config >"$dir/containerd.toml"
	# containerd's shims put their sockets in /run/containerd/s whatever the config says
	# (containerd 1.6): note whether that directory is ours to remove.
	[[ -d /run/containerd ]] || : >"$dir/run-containerd.created"
	containerd --config "$dir/containerd.toml" --log-level warn </dev/null >"$dir/containerd.log" 2>&1 &
	echo $! >"$dir/containerd.pid"
	for _ in $(seq 100); do
		if [[ -S $DEVPOD_SOCK ]] && devpod_ctr version >/dev/null 2>&1; then return 0; fi
		kill -0 "$(<"$dir/containerd.pid")" 2>/dev/null ||
			die "containerd exited at start: $(tail -n 3 "$dir/containerd.log")"
		sleep 0.1
	done
	die "containerd's socket $DEVPOD_SOCK did not answer within 10 s: $(tail -n 3 "$dir/containerd.log")"
}

# devpod_up DIR: the devpod, running; DIR is created if needed (absolute, under /tmp).
devpod_up() {
	local dir=$1 fstrace
	fst_need_root
	for tool in containerd ctr runc jq mkfs.ext4 losetup; do
		command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null ||
			die "$tool is missing (make deps installs containerd and runc)"
	done
	fstrace=$(realpath "${FSTRACE:-$FST_REPO/build/fstrace}")
	[[ -x $fstrace ]] || die "no fstrace binary at $fstrace"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[[ $dir == /tmp/* ]] || die "the devpod's directory must be under /tmp (fst_sweep's rule): $dir"
	devpod_vars "$dir"
	mkdir -p "$dir/out"

	devpod_log "containerd (root $DEVPOD_ROOT)"
	devpod_start_containerd "$dir"

	devpod_log "image $DEVPOD_IMAGE"
	mkdir -p "$dir/image/rootfs"
	devpod_rootfs "$dir/image/rootfs"
	devpod_image "$dir/image/rootfs" "$dir/image/devpod.oci.tar"
	devpod_ctr images import "$dir/image/devpod.oci.tar" >/dev/null

	devpod_log "volume /dev/longhorn/$DEVPOD_PV"
	devpod_pvc "$dir"

	devpod_log "pod $DEVPOD_NAMESPACE/$DEVPOD_POD, container ${DEVPOD_CID:0:12}"
	devpod_ctr run --detach --null-io --privileged \
		--runc-binary "$DEVPOD_HERE/runc-pod" --runc-root "$dir/run/runc" --cgroup "$DEVPOD_CGROUP" \
		--annotation "io.kubernetes.cri.container-type=container" \
		--annotation "io.kubernetes.cri.container-name=dev" \
		--annotation "io.kubernetes.cri.sandbox-name=$DEVPOD_POD" \
		--annotation "io.kubernetes.cri.sandbox-namespace=$DEVPOD_NAMESPACE" \
		--annotation "io.kubernetes.cri.sandbox-uid=$DEVPOD_POD_UID" \
		--label "io.kubernetes.pod.name=$DEVPOD_POD" --label "io.kubernetes.pod.namespace=$DEVPOD_NAMESPACE" \
		--label "io.kubernetes.pod.uid=$DEVPOD_POD_UID" \
		--env "POD_NAME=$DEVPOD_POD" --env "POD_NAMESPACE=$DEVPOD_NAMESPACE" \
		--mount type=bind,src=/usr,dst=/usr,options=rbind:ro \
		--mount "type=bind,src=$DEVPOD_PVC_MNT,dst=/home/coder,options=rbind:rw" \
		--mount "type=bind,src=$fstrace,dst=/opt/fstrace/bin/fstrace,options=bind:ro" \
		--mount "type=bind,src=$FST_REPO/scripts,dst=/opt/fstrace/scripts,options=rbind:ro" \
		--mount "type=bind,src=$dir/out,dst=/out,options=rbind:rw" \
		"$DEVPOD_IMAGE" "$DEVPOD_CID" /usr/bin/sleep infinity
	for _ in $(seq 50); do
		[[ $(devpod_ctr task ls 2>/dev/null | awk -v c="$DEVPOD_CID" '$1 == c { print $3 }') == RUNNING ]] && return 0
		sleep 0.1
	done
	die "the devpod's task is not RUNNING: $(devpod_ctr task ls 2>&1 | tail -n 2)"
}

# devpod_exec CMD...: CMD in the running devpod (a new exec process, as kubectl exec makes), its
# stdout and stderr passed through; returns its exit code.
devpod_exec() {
	[[ -n $DEVPOD_DIR ]] || die "devpod_exec: no devpod (devpod_up first)"
	DEVPOD_EXECS=$((DEVPOD_EXECS + 1))
	devpod_ctr task exec --exec-id "exec-$$-$DEVPOD_EXECS-$RANDOM" --fifo-dir "$DEVPOD_DIR/run/fifo" \
		"$DEVPOD_CID" "$@"
}

# The pid of the devpod's first process on the host (0 when it is not running).
devpod_pid() {
	devpod_ctr task ls 2>/dev/null | awk -v c="$DEVPOD_CID" '$1 == c { print $2; found = 1 } END { if (!found) print 0 }'
}

# Pids on the host whose command line names this containerd's socket: its shims.
devpod_shims() {
	local p
	for p in /proc/[0-9]*; do
		# A process may be gone between the glob and the read.
		{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "-address $DEVPOD_SOCK " && echo "${p#/proc/}"
	done
	return 0
}

# Kill PID (TERM, then KILL after a second) and reap it if it is ours.
devpod_kill() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 20); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# devpod_down [DIR]: everything devpod_up made, undone; idempotent. Returns non-zero when
# something is left.
devpod_down() {
	local dir=${1:-$DEVPOD_DIR} rc=0 pid h c
	[[ -n $dir && -d $dir ]] || return 0
	# No vars: devpod_up stopped before it made anything.
	devpod_load "$dir" || return 0

	# Through containerd while it answers: the task, the container and its snapshot, the image.
	if [[ -f $dir/containerd.pid ]] && kill -0 "$(<"$dir/containerd.pid")" 2>/dev/null && [[ -S $DEVPOD_SOCK ]]; then
		timeout 10 ctr --address "$DEVPOD_SOCK" --namespace k8s.io task kill --all -s SIGKILL "$DEVPOD_CID" >/dev/null 2>&1 || true
		for _ in $(seq 50); do
			[[ $(devpod_ctr task ls 2>/dev/null | awk -v c="$DEVPOD_CID" '$1 == c { print $3 }') == RUNNING ]] || break
			sleep 0.1
		done
		timeout 10 ctr --address "$DEVPOD_SOCK" --namespace k8s.io task delete --force "$DEVPOD_CID" >/dev/null 2>&1 || true
		timeout 10 ctr --address "$DEVPOD_SOCK" --namespace k8s.io containers delete "$DEVPOD_CID" >/dev/null 2>&1 || true
		timeout 10 ctr --address "$DEVPOD_SOCK" --namespace k8s.io images rm --sync "$DEVPOD_IMAGE" >/dev/null 2>&1 || true
		while read -r c _; do
			[[ -n $c && $c != KEY ]] || continue
			timeout 10 ctr --address "$DEVPOD_SOCK" --namespace k8s.io snapshots rm "$c" >/dev/null 2>&1 || true
		done < <(timeout 10 ctr --address "$DEVPOD_SOCK" --namespace k8s.io snapshots ls 2>/dev/null | tac)
	fi
	if [[ -f $dir/containerd.pid ]]; then
		devpod_kill "$(<"$dir/containerd.pid")"
		rm -f "$dir/containerd.pid"
	fi
	# A shim outlives a containerd that was killed, and the container's processes a killed shim.
	for pid in $(devpod_shims); do devpod_kill "$pid"; done
	for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		[[ -f $h$DEVPOD_CGROUP/cgroup.procs ]] || continue
		while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$h$DEVPOD_CGROUP/cgroup.procs"
	done
	# runc's cgroups, leaf first, in every hierarchy (cgroup v1 and the unified one).
	for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		[[ -d $h$DEVPOD_CGROUP_TOP ]] || continue
		for _ in $(seq 20); do
			find "$h$DEVPOD_CGROUP_TOP" -depth -type d -exec rmdir {} + 2>/dev/null || true
			[[ -d $h$DEVPOD_CGROUP_TOP ]] || break
			sleep 0.1
		done
		[[ ! -d $h$DEVPOD_CGROUP_TOP ]] || { warn "cannot remove cgroup $h$DEVPOD_CGROUP_TOP"; rc=1; }
	done

	fst_release_under "$dir" || rc=1
	fst_remove_longhorn_nodes "$dir" || rc=1
	rm -f "$dir/longhorn.name" "$dir/longhorn.created"
	if [[ -f $dir/run-containerd.created ]]; then
		rmdir /run/containerd/s /run/containerd 2>/dev/null || true
		[[ -d /run/containerd ]] || rm -f "$dir/run-containerd.created"
	fi
	[[ $dir != "$DEVPOD_DIR" ]] || DEVPOD_DIR=
	return "$rc"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	set -euo pipefail
	FST_PROG=devpod
	case ${1:-} in
	up)
		[[ $# -eq 2 ]] || die "usage: devpod.sh up DIR"
		devpod_up "$2"
		echo "devpod $DEVPOD_NAMESPACE/$DEVPOD_POD up: devpod.sh exec $DEVPOD_DIR CMD..., devpod.sh down $DEVPOD_DIR"
		;;
	exec)
		[[ $# -ge 3 ]] || die "usage: devpod.sh exec DIR CMD..."
		devpod_load "$2" || die "no devpod in $2"
		shift 2
		devpod_exec "$@"
		;;
	down)
		[[ $# -eq 2 ]] || die "usage: devpod.sh down DIR"
		devpod_down "$2"
		;;
	*) die "usage: devpod.sh up DIR | exec DIR CMD... | down DIR" ;;
	esac
fi
