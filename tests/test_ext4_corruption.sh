#!/usr/bin/env bash
# Seed: npm install on a corrupted ext4 Longhorn volume with one replica. The failing call only says
# EUCLEAN or ENOENT; the recording must carry ext4's own error, on the right device, and the report
# must name the device as the node knows it: the loop device (standing in for Longhorn's block
# device) behind /dev/longhorn/<volume>, mounted where kubelet mounts the PV, and with --kube the
# volume's replica count read with kubectl, so it can blame the filesystem and the single replica
# rather than npm.
source "$(dirname "$0")/lib.sh"

S=$T/scn
cleanup() { "$SCENARIO" cleanup ext4_corruption "$S" || true; }
fst_on_exit cleanup

mkdir -p "$S"
"$SCENARIO" setup ext4_corruption "$S"
dev=$(<"$S/loopdev.majmin")
corrupt=$(<"$S/corrupt.path")
volume=$(<"$S/longhorn.name")
pv=$(<"$S/pv.name")
mnt=$(realpath "$(<"$S/mountpoint")")
img=$(realpath "$S/disk.img")
note "image on $(<"$S/loopdev") ($dev), zeroed inode $(<"$S/corrupt.ino") behind $corrupt"
note "Longhorn volume /dev/longhorn/$volume, PV $pv, mounted at $mnt"
[[ -b /dev/longhorn/$volume ]] || fail "setup made no block node /dev/longhorn/$volume"
[[ $(fst_majmin "/dev/longhorn/$volume") == "$dev" ]] ||
	fail "/dev/longhorn/$volume is $(fst_majmin "/dev/longhorn/$volume"), not the loop device's $dev"
mountpoint -q "$mnt" || fail "the image is not mounted at $mnt"

# The checks every run's fs_corruption finding passes; prints the finding.
corruption_finding() {
	local report=$1 what=$2 finding
	check_report_schema "$report"
	note_findings "$report"
	finding=$(jq -c --arg dev "$dev" '[.findings[] | select(.class == "fs_corruption" and .device.dev == $dev)] | first' "$report")
	[[ $finding != null ]] || fail "$what: no fs_corruption finding whose device.dev is $dev (the loop device)"
	jq -e --arg v "$volume" '.device.longhorn_volume == $v' <<<"$finding" >/dev/null ||
		fail "$what: device.longhorn_volume is $(jq -c .device.longhorn_volume <<<"$finding"), not $volume (/dev/longhorn/$volume has the loop device's major:minor)"
	jq -e --arg pv "$pv" '.device.pv == $pv' <<<"$finding" >/dev/null ||
		fail "$what: device.pv is $(jq -c .device.pv <<<"$finding"), not $pv (from the kubelet mount path)"
	jq -e --arg m "$mnt" '.device.mountpoint == $m' <<<"$finding" >/dev/null ||
		fail "$what: device.mountpoint is $(jq -c .device.mountpoint <<<"$finding"), not $mnt"
	jq -e --arg f "$img" '.device.backing_file == $f' <<<"$finding" >/dev/null ||
		fail "$what: device.backing_file is $(jq -c .device.backing_file <<<"$finding"), not the image $img"
	jq -e '(.reason // "") | contains("EXT4-fs error")' <<<"$finding" >/dev/null ||
		fail "$what: the finding's reason is $(jq -c .reason <<<"$finding"), not ext4's 'EXT4-fs error ...' message"
	jq -e '.remedy | contains("Longhorn")' <<<"$finding" >/dev/null ||
		fail "$what: the remedy does not mention Longhorn: $(jq -c .remedy <<<"$finding")"
	jq -e --arg p "$corrupt" 'any(.evidence[]; .type == "syscall" and .errno == "EUCLEAN" and .path == $p)' \
		<<<"$finding" >/dev/null || fail "$what: no failing call with EUCLEAN on $corrupt in the finding's evidence"
	echo "$finding"
}

echo "== without --kube"
rec=$T/rec.jsonl.gz
FST_RUN_OPTS=(-o "$T/report.json" --format json)
fst_run_trigger "$rec" ext4_corruption "$S"
[[ $RUN_RC -ne 0 ]] || fail "extracting over the corrupted entry did not fail (fstrace run exited 0)"
[[ $RUN_RC -lt 125 ]] || fail "fstrace run exited $RUN_RC, not the trigger's exit code"
check_recording "$rec"

expect_rec "$rec" "no ext4_error event with dev $dev (the loop device)" \
	--arg dev "$dev" 'any(.[]; .type == "ext4_error" and .dev == $dev)'
expect_rec "$rec" "the ext4_error event has no func (ext4's function name, e.g. ext4_lookup)" \
	--arg dev "$dev" 'any(.[]; .type == "ext4_error" and .dev == $dev and ((.func // "") | startswith("ext4_")))'
expect_rec "$rec" "no failing syscall with errno EUCLEAN on $corrupt" \
	--arg p "$corrupt" 'any(.[]; .type == "syscall" and .errno == "EUCLEAN" and .path == $p)'
note "ext4_error: $(rec_jq "$rec" -c '[.[] | select(.type == "ext4_error") | {pid, comm, dev, func, line}] | .[:2]')"
finding=$(corruption_finding "$T/report.json" "without --kube")
jq -e '.cause == "ext4_errors" and (.device | has("longhorn") | not)' <<<"$finding" >/dev/null ||
	fail "without --kube: cause $(jq -c .cause <<<"$finding") and device.longhorn $(jq -c .device.longhorn <<<"$finding"): nothing was read from the cluster"

echo "== --kube, with a stand-in kubectl"
# It answers only the exact query fstrace must make, and logs every call.
mkdir -p "$T/bin"
cat >"$T/bin/kubectl" <<KUBECTL
#!/bin/sh
echo "\$*" >>"$T/kubectl.calls"
if [ "\$*" = "get volumes.longhorn.io -n longhorn-system $volume -o json" ]; then
	cat <<'JSON'
{"apiVersion":"longhorn.io/v1beta2","kind":"Volume",
 "metadata":{"name":"$volume","namespace":"longhorn-system"},
 "spec":{"numberOfReplicas":1,"dataEngine":"v1","frontend":"blockdev"},
 "status":{"robustness":"healthy","state":"attached","currentNodeID":"node-1"}}
JSON
	exit 0
fi
echo "error: the server doesn't have a resource type for: \$*" >&2
exit 1
KUBECTL
chmod 755 "$T/bin/kubectl"
rec=$T/kube.jsonl.gz
FST_RUN_OPTS=(--kube -o "$T/kube.json" --format json)
FST_TRIGGER_ENV=(LC_ALL=C "PATH=$T/bin:/usr/bin:/usr/sbin:/bin:/sbin")
fst_run_trigger "$rec" ext4_corruption "$S"
[[ $RUN_RC -ne 0 && $RUN_RC -lt 125 ]] || fail "--kube: fstrace run exited $RUN_RC, not the failing trigger's exit code"
check_recording "$rec"
[[ -s $T/kubectl.calls ]] || fail "--kube: fstrace never ran kubectl (the stand-in first on PATH)"
note "kubectl calls: $(tr '\n' ';' <"$T/kubectl.calls")"
grep -qxF "get volumes.longhorn.io -n longhorn-system $volume -o json" "$T/kubectl.calls" ||
	fail "--kube: kubectl was not asked for volumes.longhorn.io $volume in longhorn-system: $(head -n 3 "$T/kubectl.calls")"
finding=$(corruption_finding "$T/kube.json" "--kube")
jq -e '.cause == "ext4_errors_single_replica"' <<<"$finding" >/dev/null ||
	fail "--kube: cause is $(jq -c .cause <<<"$finding"), not ext4_errors_single_replica (kubectl said numberOfReplicas 1)"
jq -e '.device.longhorn.replicas == 1 and .device.longhorn.robustness == "healthy" and .device.longhorn.state == "attached"' \
	<<<"$finding" >/dev/null ||
	fail "--kube: device.longhorn is $(jq -c .device.longhorn <<<"$finding"), not {replicas 1, robustness healthy, state attached}"
jq -e '.notes | all(contains("kubectl") | not)' "$T/kube.json" >/dev/null ||
	fail "--kube: a note about kubectl although it answered: $(jq -c .notes "$T/kube.json")"

echo "== --kube, without kubectl"
# A PATH holding only what the trigger runs: whatever kubectl this machine has is not on it.
mkdir -p "$T/nokube"
for tool in timeout tar ls; do
	ln -s "$(command -v "$tool")" "$T/nokube/$tool"
done
! PATH=$T/nokube command -v kubectl >/dev/null || fail "kubectl is still on the PATH $T/nokube"
rec=$T/nokube.jsonl.gz
FST_RUN_OPTS=(--kube -o "$T/nokube.json" --format json)
FST_TRIGGER_ENV=(LC_ALL=C "PATH=$T/nokube")
fst_run_trigger "$rec" ext4_corruption "$S"
[[ $RUN_RC -ne 0 && $RUN_RC -lt 125 ]] || fail "--kube without kubectl: fstrace run exited $RUN_RC, not the failing trigger's exit code"
check_recording "$rec"
note "notes: $(jq -c .notes "$T/nokube.json")"
jq -e 'any(.notes[]; contains("kubectl"))' "$T/nokube.json" >/dev/null ||
	fail "--kube without kubectl: no note mentioning kubectl: $(jq -c .notes "$T/nokube.json")"
finding=$(corruption_finding "$T/nokube.json" "--kube without kubectl")
jq -e '.cause == "ext4_errors" and (.device | has("longhorn") | not)' <<<"$finding" >/dev/null ||
	fail "--kube without kubectl: cause $(jq -c .cause <<<"$finding"), device.longhorn $(jq -c .device.longhorn <<<"$finding")"
"$FSTRACE" report "$rec" >"$T/nokube.txt" 2>&1 || fail "--kube without kubectl: fstrace report of the recording failed"
grep -q kubectl "$T/nokube.txt" || fail "--kube without kubectl: the text report does not carry the kubectl note"
echo "ok"
