#!/usr/bin/env bash
# The seed failures where they happened: inside a devpod. A privileged container started by a
# private containerd and runc (scripts/devpod/devpod.sh), its root the overlayfs snapshotter's
# overlay, its own PID, mount, UTS and cgroup namespaces, a Longhorn-shaped ext4 "PVC" at
# /home/coder. From inside it, `fstrace run` must make the findings the host tests make, with the
# paths the container sees: (a) docker's nested overlay on the container's root overlay (EINVAL),
# with a system-wide `fstrace record --dir` on the host agreeing; (b) an npm race on the PVC;
# (c) ext4 corruption of the PVC, done from the node with debugfs while it is mounted.
source "$(dirname "$0")/lib.sh"
# shellcheck source=../scripts/devpod/devpod.sh
source "$FST_REPO/scripts/devpod/devpod.sh"

for tool in containerd ctr runc debugfs npm; do
	PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null || fail "$tool is missing (make deps)"
done

D=$T/devpod
cleanup() {
	fst_kill_helpers "$T"
	devpod_down "$D" || echo "cleanup: devpod_down left something behind" >&2
}
fst_on_exit cleanup

# pod_run NAME CMD...: fstrace run inside the devpod, bounded in time, recording to
# /out/NAME.jsonl.gz with its JSON report in /out/NAME.json ($D/out on the host). The exit code
# lands in RUN_RC.
pod_run() {
	local name=$1
	shift
	FST_REC=$D/out/$name.jsonl.gz
	RUN_RC=0
	note "in the devpod: fstrace run --record /out/$name.jsonl.gz -- $*"
	devpod_exec timeout -k 5 "$FST_RUN_TIMEOUT" env "${FST_TRIGGER_ENV[@]}" "${POD_ENV[@]}" \
		/opt/fstrace/bin/fstrace run --record "/out/$name.jsonl.gz" -o "/out/$name.json" --format json -- "$@" \
		</dev/null || RUN_RC=$?
	[[ $RUN_RC -ne 124 ]] || fail "$name: fstrace run in the devpod did not finish within ${FST_RUN_TIMEOUT}s"
	[[ $RUN_RC -lt 125 ]] || fail "$name: fstrace run in the devpod exited $RUN_RC, not the trigger's exit code"
	check_recording "$FST_REC"
	# The report of the recording, made inside too: what the user there would run next.
	devpod_exec /opt/fstrace/bin/fstrace report --format json "/out/$name.jsonl.gz" >"$D/out/$name.file.json" </dev/null ||
		fail "$name: fstrace report --format json in the devpod failed"
	check_report_schema "$D/out/$name.file.json"
	note_findings "$D/out/$name.file.json"
}
POD_ENV=()
SCN=/opt/fstrace/scripts/scenario.sh

# The volume starts with a project whose node_modules holds left-pad (the home a devpod restores);
# (c) corrupts it from the node.
seed=$T/seed
mkdir -p "$seed/project/node_modules/left-pad" "$T/pkg/left-pad"
printf '{"name":"left-pad","version":"1.3.0"}\n' >"$seed/project/node_modules/left-pad/package.json"
printf 'module.exports = leftPad;\n' >"$seed/project/node_modules/left-pad/index.js"
cp "$seed/project/node_modules/left-pad/"* "$T/pkg/left-pad/"

echo "== the devpod: containerd, runc, the overlayfs snapshotter, a Longhorn PVC"
start=$SECONDS
DEVPOD_QUIET=1 DEVPOD_PVC_SEED=$seed devpod_up "$D" || fail "devpod_up failed"
note "up in $((SECONDS - start)) s: pod $DEVPOD_NAMESPACE/$DEVPOD_POD, container $DEVPOD_CID, volume $DEVPOD_PV"
pvc=/dev/longhorn/$DEVPOD_PV
majmin=$(<"$D/loopdev.majmin")
[[ -b $pvc && $(fst_majmin "$pvc") == "$majmin" ]] || fail "$pvc is not a block node of the loop device ($majmin)"
[[ $(findmnt -n -o SOURCE "$DEVPOD_PVC_MNT") == "$pvc" ]] ||
	fail "the PVC is not mounted from $pvc at $DEVPOD_PVC_MNT: $(findmnt -n -o SOURCE "$DEVPOD_PVC_MNT")"

[[ $(devpod_exec hostname </dev/null) == "$DEVPOD_POD" ]] || fail "the devpod's hostname is not $DEVPOD_POD"
[[ $(devpod_exec sh -c 'echo "$POD_NAME $POD_NAMESPACE"' </dev/null) == "$DEVPOD_POD $DEVPOD_NAMESPACE" ]] ||
	fail "POD_NAME and POD_NAMESPACE are not set as the downward API would"
[[ $(devpod_exec cat /var/run/secrets/kubernetes.io/serviceaccount/namespace </dev/null) == "$DEVPOD_NAMESPACE" ]] ||
	fail "no service account namespace file"
for ns in pid mnt uts cgroup; do
	inside=$(devpod_exec readlink "/proc/self/ns/$ns" </dev/null)
	[[ -n $inside && $inside != "$(readlink "/proc/self/ns/$ns")" ]] || fail "the devpod shares the host's $ns namespace ($inside)"
done
devpod_exec grep -qx '0::/' /proc/self/cgroup </dev/null || fail "/proc/self/cgroup in the devpod does not read 0::/ (no cgroup namespace)"
root=$(devpod_exec findmnt -n -o FSTYPE,OPTIONS / </dev/null)
note "the devpod's root: $root"
[[ $root == overlay\ * && $root =~ upperdir=$DEVPOD_ROOT/io\.containerd\.snapshotter\.v1\.overlayfs/snapshots/[0-9]+/fs, ]] ||
	fail "the devpod's root is not the overlayfs snapshotter's overlay: $root"
home=$(devpod_exec findmnt -n -o SOURCE,FSTYPE /home/coder </dev/null)
[[ $home == "$pvc ext4" ]] || fail "/home/coder in the devpod is '$home', not '$pvc ext4'"

# (c)'s corruption now, from the node, on the mounted volume, before anything reads the entry: a
# lost write of the inode table as Longhorn's single replica would leave it. debugfs writes through
# the block device's page cache, which ext4's own buffers share, so the next lookup sees it.
ino=$(DEBUGFS_PAGER=__none__ debugfs -R "stat /project/node_modules/left-pad/package.json" "$pvc" 2>/dev/null |
	sed -n 's/^Inode: \([0-9][0-9]*\).*/\1/p')
[[ -n $ino ]] || fail "debugfs found no inode for project/node_modules/left-pad/package.json on $pvc"
debugfs -w -R "clri <$ino>" "$pvc" 2>/dev/null || fail "debugfs could not zero inode $ino on $pvc"

echo "== (a) nested overlay: docker's overlay on the devpod's root overlay; record --dir on the host"
node=$T/node
before=$(fst_bpf_progs | sort)
(
	trap - INT
	exec "$FSTRACE" record --dir "$node"
) </dev/null >"$T/node.out" 2>"$T/node.err" &
echo $! >"$T/recorder.pid"
for _ in $(seq 100); do
	kill -0 "$(<"$T/recorder.pid")" 2>/dev/null || fail "fstrace record --dir exited early: $(head -n 3 "$T/node.err")"
	[[ -z $(comm -13 <(echo "$before") <(fst_bpf_progs | sort)) ]] || break
	sleep 0.1
done
devpod_exec env NESTED_OVERLAY_ROOT=/ /bin/bash "$SCN" setup nested_overlay /tmp/nested </dev/null ||
	fail "nested_overlay: setup in the devpod failed"
POD_ENV=(NESTED_OVERLAY_ROOT=/)
pod_run nested /bin/bash "$SCN" trigger nested_overlay /tmp/nested
POD_ENV=()
kill -INT "$(<"$T/recorder.pid")"
fst_wait_exit "$(<"$T/recorder.pid")" 20
[[ $WAIT_RC -eq 0 ]] || fail "fstrace record --dir exited $WAIT_RC: $(head -n 3 "$T/node.err")"
[[ $RUN_RC -ne 0 ]] || fail "nested: the nested overlay mount in the devpod did not fail"

docker=/var/lib/docker/overlay2
expect_rec "$FST_REC" "nested: no overlay mount of $docker/merged failing EINVAL with upperdir=$docker/l2/diff" \
	--arg t "$docker/merged" --arg u "upperdir=$docker/l2/diff," \
	'any(.[]; .type == "mount" and .fstype == "overlay" and .errno == "EINVAL" and .path == $t and (.data | contains($u)))'
jq -e --arg t "$docker/merged" '[.findings[] | select(.class == "overlay_mount")] | length == 1 and
	(.[0] | .cause == "nested_overlay" and .errno == "EINVAL" and .path == $t and
	 (.reason | contains("not supported as upperdir")) and (.remedy | length > 0) and
	 any(.evidence[]; .type == "layer" and .data == "upperdir" and .fstype == "overlay"))' \
	"$D/out/nested.file.json" >/dev/null ||
	fail "nested: no overlay_mount finding for $docker/merged with cause nested_overlay, the kernel's reason and an upperdir layer on overlay"
# The layer the upperdir sits on is the devpod's root: the snapshotter's overlay, seen from inside.
jq -e --arg s "upperdir=$DEVPOD_ROOT/io.containerd.snapshotter.v1.overlayfs/snapshots/" \
	'any(.findings[0].evidence[]; .type == "layer" and .data == "upperdir" and ((.msg // "") | contains($s)))' \
	"$D/out/nested.file.json" >/dev/null ||
	fail "nested: the upperdir's layer is not described as the snapshotter's overlay ($DEVPOD_ROOT/...)"
# Pids as the devpod sees them, the host's beside them: the mount was made by a process of the pod.
expect_rec "$FST_REC" "nested: the failing mount carries no vpid (the pid in the devpod's namespace) apart from the host pid" \
	'any(.[]; .type == "mount" and .errno == "EINVAL" and (.vpid // 0) > 0 and .vpid != .pid)'
cmp -s <(jq -S . "$D/out/nested.json") <(jq -S . "$D/out/nested.file.json") ||
	fail "nested: the report of the recording differs from the live run's"

mapfile -t host_reports < <(find "$node" -name 'fstrace-*.report.json' | sort)
[[ ${#host_reports[@]} -gt 0 ]] || fail "record --dir on the host wrote no report.json"
host=$(jq -s -c --arg t "$docker/merged" '[.[].findings[] | select(.path == $t)] | first' "${host_reports[@]}")
note "host's finding: $(jq -c '{class, cause, path, reason}' <<<"$host")"
[[ $host != null ]] || fail "nested: record --dir on the host made no finding for $docker/merged"
inside=$(jq -c '[.findings[] | select(.class == "overlay_mount")] | first' "$D/out/nested.file.json")
[[ $(jq -r .class <<<"$host") == "$(jq -r .class <<<"$inside")" ]] ||
	fail "nested: the host's finding class $(jq -c .class <<<"$host") differs from the devpod's $(jq -c .class <<<"$inside")"
[[ $(jq -r .cause <<<"$host") == nested_overlay ]] ||
	fail "nested: the host's cause is $(jq -c .cause <<<"$host"), the devpod's nested_overlay"
# The host recorder's live line on stdout: the same finding, the same container as its report says.
live=$(jq -c --arg t "$docker/merged" 'select(.event == "established" and .finding.path == $t)' "$T/node.out" | head -n 1)
[[ -n $live ]] || fail "nested: record --dir on the host printed no live line for $docker/merged: $(head -c 300 "$T/node.out")"
note "host's live line: $(jq -c 'del(.finding)' <<<"$live")"
jq -e --argjson h "$host" '.class == $h.class and .cause == $h.cause and .container.id == $h.container.id and
	.container.runtime == $h.container.runtime and .pod.uid == $h.container.pod_uid' <<<"$live" >/dev/null ||
	fail "nested: the live line's finding or container differs from the host report's ($(jq -c .container <<<"$host"))"
devpod_exec env NESTED_OVERLAY_ROOT=/ /bin/bash "$SCN" cleanup nested_overlay /tmp/nested </dev/null ||
	fail "nested: cleanup in the devpod failed"

echo "== (c) ext4 corruption of the PVC, corrupted from the node"
# The scenario's trigger (tar over node_modules, then ls) with its stage in /out: the mount point
# file names the project on the PVC as the container sees it.
mkdir -p "$D/out/ext4"
echo /home/coder/project >"$D/out/ext4/mountpoint"
tar -cf "$D/out/ext4/left-pad.tar" -C "$T/pkg" left-pad
corrupt=/home/coder/project/node_modules/left-pad/package.json
pod_run ext4 /bin/bash "$SCN" trigger ext4_corruption /out/ext4
[[ $RUN_RC -ne 0 ]] || fail "ext4: extracting over the corrupted entry did not fail"
expect_rec "$FST_REC" "ext4: no ext4_error event on $majmin (the PVC's loop device)" \
	--arg d "$majmin" 'any(.[]; .type == "ext4_error" and .dev == $d)'
finding=$(jq -c --arg d "$majmin" '[.findings[] | select(.class == "fs_corruption" and .device.dev == $d)] | first' \
	"$D/out/ext4.file.json")
[[ $finding != null ]] || fail "ext4: no fs_corruption finding whose device.dev is $majmin"
jq -e '.cause == "ext4_errors" and ((.reason // "") | contains("EXT4-fs error"))' <<<"$finding" >/dev/null ||
	fail "ext4: cause $(jq -c .cause <<<"$finding"), reason $(jq -c .reason <<<"$finding"): not ext4_errors with ext4's message"
jq -e --arg v "$DEVPOD_PV" '.device.longhorn_volume == $v' <<<"$finding" >/dev/null ||
	fail "ext4: device.longhorn_volume is $(jq -c .device.longhorn_volume <<<"$finding"), not $DEVPOD_PV"
jq -e '.device.mountpoint == "/home/coder"' <<<"$finding" >/dev/null ||
	fail "ext4: device.mountpoint is $(jq -c .device.mountpoint <<<"$finding"), not /home/coder (the devpod's view)"
jq -e --arg p "$corrupt" 'any(.evidence[]; .type == "syscall" and .errno == "EUCLEAN" and .path == $p)' <<<"$finding" \
	>/dev/null || fail "ext4: no failing call with EUCLEAN on $corrupt in the finding's evidence"

echo "== (b) npm race on the PVC"
# A race: on a loaded node npm now and then extracts between two removals and never warns. Up to
# three installs, each into a fresh project with its own deleter; the first that warns is checked.
for attempt in 1 2 3; do
	S=/home/coder/npm-$attempt
	devpod_exec /bin/bash "$SCN" setup npm_race "$S" </dev/null || fail "npm_race: setup in the devpod failed"
	pod_run npm /bin/bash "$SCN" trigger npm_race "$S"
	devpod_exec sh -c 'kill "$(cat "$1/deleter.pid")"' sh "$S" </dev/null || true
	[[ $RUN_RC -ne 1 ]] || break
	note "attempt $attempt: npm did not warn TAR_ENTRY_ERROR (trigger exited $RUN_RC)"
done
[[ $RUN_RC -eq 1 ]] || fail "npm: npm in the devpod did not warn TAR_ENTRY_ERROR in 3 installs (trigger exited $RUN_RC)"
lib=$S/app/node_modules/bigpkg/lib
race=$(jq -c '[.findings[] | select(.class == "enoent_race")] | first' "$D/out/npm.file.json")
[[ $race != null ]] || fail "npm: no enoent_race finding"
note "race: $(jq -c '{cause, path, actor: (.actor | {comm, path})}' <<<"$race")"
jq -e '.cause == "removed"' <<<"$race" >/dev/null || fail "npm: the race's cause is $(jq -c .cause <<<"$race"), not removed"
jq -e --arg lib "$lib" '.actor.comm == "rm" and (.actor.path | startswith($lib))' <<<"$race" >/dev/null ||
	fail "npm: the actor is not the cleanup's rm of $lib: $(jq -c .actor <<<"$race")"
jq -e --arg lib "$lib/" '.path | startswith($lib)' <<<"$race" >/dev/null || fail "npm: the failing path is not under $lib"
if jq -e 'has("device")' <<<"$race" >/dev/null; then
	jq -e --arg v "$DEVPOD_PV" '.device.longhorn_volume == $v' <<<"$race" >/dev/null ||
		fail "npm: device.longhorn_volume is $(jq -c .device.longhorn_volume <<<"$race"), not $DEVPOD_PV"
fi
jq -e 'all(.findings[]; .class != "fs_corruption")' "$D/out/npm.file.json" >/dev/null || fail "npm: a race was blamed on corruption"
devpod_exec sh -c 'rm -rf /home/coder/npm-*' </dev/null || true

echo "== down"
start=$SECONDS
devpod_down "$D" || fail "devpod_down left something behind"
note "down in $((SECONDS - start)) s"
left=$(fst_leftovers "$D" | grep -v '^dir ' || true)
[[ -z $left ]] || fail "devpod_down left: $left"
[[ ! -e $pvc ]] || fail "devpod_down left $pvc"
[[ -z $(devpod_shims) ]] || fail "devpod_down left shims: $(devpod_shims | tr '\n' ' ')"
for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
	[[ ! -d $h$DEVPOD_CGROUP_TOP ]] || fail "devpod_down left the cgroup $h$DEVPOD_CGROUP_TOP"
done
devpod_down "$D" || fail "a second devpod_down failed"
echo "ok"
