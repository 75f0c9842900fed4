#!/usr/bin/env bash
# fstrace inside a pod, seen from inside: in a mount, UTS, cgroup and PID namespace of its own
# (made with unshare, as a container's are), where
#   - the "PVC" is an ext4 loop volume mounted at $T/home/coder from /dev/longhorn/pvc-<uuid>, a
#     node that is then removed (a pod does not see the node's /dev/longhorn), and corrupted;
#   - the "container's root" is an overlay whose layer directories are hidden afterwards (the
#     node's, invisible from a pod), and a Docker-style overlay mount puts its upperdir on it;
#   - the pod is named by POD_NAME/POD_NAMESPACE (downward API), the service account's namespace
#     file (bind-mounted over a private /run) and the hostname; /proc/self/cgroup reads 0::/.
# Asserts on the JSON reports: the Longhorn volume named from the mount source, the commands
# that show what only the cluster can see, the nested overlay's cause and a devpod remedy, the
# pod and how it was learned, the cgroup namespace noted. Everything is undone, also on failure.
source "$(dirname "$0")/lib.sh"

command -v unshare >/dev/null || fail "no unshare (util-linux)"
S=$T/pod
uuid=$(</proc/sys/kernel/random/uuid)
pvc=pvc-$uuid
node=/dev/longhorn/$pvc
loop=
made_longhorn=
cleanup() {
	[[ -b $node ]] && rm -f "$node"
	[[ -n $made_longhorn ]] && rmdir /dev/longhorn 2>/dev/null
	# The namespace's mounts went with its last process; the loop device is the host's.
	[[ -n $loop ]] && losetup -d "$loop" 2>/dev/null
	fst_sweep "$S" || true
}
fst_on_exit cleanup

# The volume: left-pad in node_modules, its package.json's inode zeroed (scenario ext4_corruption).
mkdir -p "$S/src/node_modules/left-pad" "$S/pkg/left-pad"
printf '{"name":"left-pad","version":"1.3.0"}\n' >"$S/src/node_modules/left-pad/package.json"
cp "$S/src/node_modules/left-pad/package.json" "$S/pkg/left-pad/"
tar -cf "$S/left-pad.tar" -C "$S/pkg" left-pad
truncate -s 16M "$S/disk.img"
mkfs.ext4 -q -F -d "$S/src" "$S/disk.img"
ino=$(DEBUGFS_PAGER=__none__ debugfs -R "stat /node_modules/left-pad/package.json" "$S/disk.img" 2>/dev/null |
	sed -n 's/^Inode: \([0-9][0-9]*\).*/\1/p')
[[ -n $ino ]] || fail "debugfs found no inode for package.json"
debugfs -w -R "clri <$ino>" "$S/disk.img" 2>/dev/null
loop=$(losetup --find --show "$S/disk.img")
majmin=$(fst_majmin "$loop")
if [[ ! -d /dev/longhorn ]]; then
	mkdir /dev/longhorn
	made_longhorn=1
fi
mknod -m 600 "$node" b "${majmin%:*}" "${majmin#*:}"
echo devpod-sa >"$S/sa-namespace"
note "volume $pvc on $loop ($majmin); pod namespace: unshare --mount --uts --cgroup --pid --fork --mount-proc"

# shellcheck disable=SC2016 # expanded inside the namespace
unshare --mount --uts --cgroup --pid --fork --mount-proc /bin/bash -euo pipefail -c '
	S=$1 node=$2 FSTRACE=$3 timeout=$4 out=$5
	hostname coder-0-7f9c
	# The pod: a private /run holding the service account, as kubelet mounts it.
	mount -t tmpfs pod-run /run
	mkdir -p /run/secrets/kubernetes.io/serviceaccount
	: >/run/secrets/kubernetes.io/serviceaccount/namespace
	mount --bind "$S/sa-namespace" /run/secrets/kubernetes.io/serviceaccount/namespace
	# The PVC at /home/coder; then the node goes, as the node'"'"'s /dev/longhorn is not in a pod.
	mkdir -p "$S/home/coder"
	mount -t ext4 -o errors=continue "$node" "$S/home/coder"
	rm -f "$node"
	# The container'"'"'s root: an overlay whose layers are then hidden (they are the node'"'"'s).
	mkdir -p "$S/node" "$S/croot"
	mount -t tmpfs pod-layers "$S/node"
	mkdir -p "$S/node/lower" "$S/node/upper" "$S/node/work"
	mount -t overlay overlay -o "lowerdir=$S/node/lower,upperdir=$S/node/upper,workdir=$S/node/work" "$S/croot"
	d=$S/croot/var/lib/docker/overlay2
	mkdir -p "$d/l1/diff" "$d/l2/diff" "$d/l2/work" "$d/merged"
	mount -t tmpfs node-hidden "$S/node"

	rc=0
	POD_NAME=coder-0 POD_NAMESPACE=devpod timeout -k 5 "$timeout" "$FSTRACE" run --record "$out/pvc.jsonl.gz" \
		-o "$out/pvc.json" --format json -- tar -xf "$S/left-pad.tar" -C "$S/home/coder/node_modules" || rc=$?
	echo "$rc" >"$out/pvc.rc"
	rc=0
	env -u POD_NAME -u POD_NAMESPACE timeout -k 5 "$timeout" "$FSTRACE" run --record "$out/overlay.jsonl.gz" \
		-o "$out/overlay.json" --format json -- mount -t overlay overlay \
		-o "lowerdir=$d/l1/diff,upperdir=$d/l2/diff,workdir=$d/l2/work" "$d/merged" || rc=$?
	echo "$rc" >"$out/overlay.rc"
	cat /proc/self/cgroup >"$out/cgroup"
' pod-view "$S" "$node" "$FSTRACE" "$FST_RUN_TIMEOUT" "$T" || fail "the namespace's set-up failed"

grep -qx '0::/' "$T/cgroup" || fail "/proc/self/cgroup in the namespace has no 0::/ line: $(tr '\n' ' ' <"$T/cgroup")"
for run in pvc overlay; do
	rc=$(<"$T/$run.rc")
	[[ $rc -ne 0 && $rc -lt 124 ]] || fail "fstrace run ($run) exited $rc, expected the failing command's code"
	check_recording "$T/$run.jsonl.gz"
	check_report_schema "$T/$run.json"
	note_findings "$T/$run.json"
	"$FSTRACE" report "$T/$run.jsonl.gz" >"$T/$run.txt" || fail "fstrace report $run.jsonl.gz failed"
done

echo "== the PVC: a Longhorn volume named from the mount source, what only the cluster can say"
r=$T/pvc.json
FST_REC=$T/pvc.jsonl.gz
f=$(jq -c '[.findings[] | select(.class == "fs_corruption")] | first' "$r")
[[ $f != null ]] || fail "no fs_corruption finding for the corrupted PVC"
jq -e '.vpid > 0 and .vpid != .pid' <<<"$f" >/dev/null ||
	fail "the failing tar is not named by the pod's pid beside the host's: $(jq -c '{pid, vpid}' <<<"$f")"
jq -e --arg dev "$majmin" --arg pvc "$pvc" --arg m "$S/home/coder" '.device.dev == $dev and
	.device.longhorn_volume == $pvc and .device.longhorn_from == "mount source" and .device.mountpoint == $m' \
	<<<"$f" >/dev/null || fail "the finding's device is not $pvc from the mount source at $S/home/coder: $(jq -c .device <<<"$f")"
jq -e --arg pvc "$pvc" 'any(.details[]; contains("kubectl -n longhorn-system get volumes.longhorn.io \($pvc) -o yaml"))
	and any(.details[]; contains("kubectl get pv \($pvc)")) and any(.details[]; contains("from inside the container"))' \
	<<<"$f" >/dev/null || fail "the finding does not say what only the cluster shows: $(jq -c .details <<<"$f")"
jq -e '.pod == {name: "coder-0", name_from: "env POD_NAME", namespace: "devpod",
	namespace_from: "env POD_NAMESPACE", hostname: "coder-0-7f9c"}' "$r" >/dev/null ||
	fail "the report's pod is not coder-0 in devpod from the downward API: $(jq -c .pod "$r")"
jq -e 'any(.notes[]; contains("0::/ (a cgroup namespace)"))' "$r" >/dev/null ||
	fail "the cgroup namespace is not noted: $(jq -c .notes "$r")"
grep -q "^pod: devpod/coder-0 (name from env POD_NAME, namespace from env POD_NAMESPACE)" "$T/pvc.txt" ||
	fail "the text report has no pod line: $(head -n 5 "$T/pvc.txt")"

echo "== the nested overlay on the container's root, its layers out of sight"
r=$T/overlay.json
FST_REC=$T/overlay.jsonl.gz
f=$(jq -c '[.findings[] | select(.class == "overlay_mount")] | first' "$r")
[[ $f != null ]] || fail "no overlay_mount finding"
jq -e '.cause == "nested_overlay"' <<<"$f" >/dev/null || fail "cause $(jq -c .cause <<<"$f"), expected nested_overlay"
jq -e --arg c "$S/croot" --arg u "$S/node/upper" 'any(.details[]; contains("upperdir") and contains("on overlay mounted at \($c)"))
	and any(.details[]; contains("own upperdir \($u) is not visible from here"))' <<<"$f" >/dev/null ||
	fail "the details do not name the root overlay and its unseen layers: $(jq -c .details <<<"$f")"
jq -e '.remedy | contains("emptyDir") and contains("/var/lib/docker") and contains("fuse-overlayfs")' <<<"$f" >/dev/null ||
	fail "the remedy does not fit a devpod: $(jq -c .remedy <<<"$f")"
expect_rec "$T/overlay.jsonl.gz" "no upperdir layer record flagged as on an unseen overlay (flags & 2)" \
	'any(.[]; .type == "layer" and .data == "upperdir" and ((.flags // 0) / 2 | floor) % 2 == 1)'
jq -e --arg ns "$S/sa-namespace" '.pod.name == "coder-0-7f9c" and .pod.name_from == "hostname" and
	.pod.namespace == "devpod-sa" and .pod.namespace_from == "/var/run/secrets/kubernetes.io/serviceaccount/namespace"' \
	"$r" >/dev/null || fail "without the downward API the pod is not named from the hostname and the service account: $(jq -c .pod "$r")"
echo "ok"
