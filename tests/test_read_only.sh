#!/usr/bin/env bash
# Issue 14: a write refused "Read-only file system", and why. Real faults: an ext4 mounted
# errors=remount-ro that trips over an inode debugfs cleared, then a mkdir (the EROFS must be
# tied to the ext4 error, with the moment ext4 switched, while /proc/mounts still says rw); a
# read-only bind mount of a writable filesystem where kubelet mounts a pod's volume; an ext4
# mounted ro. A command that meets EROFS, handles it and succeeds must get no finding.
#   FST_KEEP_RECORDINGS=DIR   copies each recording there (to make the golden cases)
source "$(dirname "$0")/lib.sh"

S=$T/scn
cleanup() { fst_sweep "$S" || true; }
fst_on_exit cleanup
mkdir -p "$S"

keep() {
	[[ -z ${FST_KEEP_RECORDINGS:-} ]] || cp "$1" "$FST_KEEP_RECORDINGS/read_only_$2.jsonl.gz"
}

# run_in NAME DIR CMD...: fstrace run of CMD in DIR, JSON report at $T/NAME.json.
run_in() {
	local name=$1 dir=$2
	shift 2
	FST_REC=$T/$name.jsonl.gz
	RUN_RC=0
	note "[$name] fstrace run -- $*"
	(cd "$dir" && env "${FST_TRIGGER_ENV[@]}" timeout -k 5 "$FST_RUN_TIMEOUT" "$FSTRACE" run --record "$FST_REC" \
		-o "$T/$name.json" --format json -- "$@") || RUN_RC=$?
	check_recording "$FST_REC"
	check_report_schema "$T/$name.json"
	note_findings "$T/$name.json"
	keep "$FST_REC" "$name"
}

finding() {
	local f
	f=$(jq -c --arg c "$2" '[.findings[] | select(.class == "read_only" and .cause == $c)] | first' "$T/$1.json")
	[[ $f != null ]] || fail "[$1] no read_only/$2 finding: $(jq -c '[.findings[] | {class, cause, title}]' "$T/$1.json")"
	echo "$f"
}

expect_f() {
	local name=$1 f=$2 msg=$3
	shift 3
	jq -e "$@" <<<"$f" >/dev/null || fail "[$name] $msg: $(jq -c '{severity, title, details, ruled_out, device: .device.dev, command_output}' <<<"$f")"
}

not_other() {
	jq -e '[.other_failures[]? | select(.errno == "EROFS")] | length == 0' "$T/$1.json" >/dev/null ||
		fail "[$1] the EROFS is also among the other failed calls: $(jq -c .other_failures "$T/$1.json")"
}

echo "== emergency_ro: errors=remount-ro trips over a cleared inode, then mkdir"
"$SCENARIO" setup ext4_remount_ro "$S/rro"
dev=$(<"$S/rro/loopdev.majmin")
run_in emergency "$S/rro/mnt" sh -c 'cat d/file >/dev/null 2>&1; mkdir build'
[[ $RUN_RC -eq 1 ]] || fail "[emergency] the command exited $RUN_RC, not mkdir's 1"
f=$(finding emergency emergency_ro)
expect_f emergency "$f" "not high although mkdir failed the command" '.severity == "high"'
expect_f emergency "$f" "the failing call is not mkdir EROFS on build" \
	'.syscall == "mkdir" and .errno == "EROFS" and (.path | endswith("/build"))'
expect_f emergency "$f" "device.dev is not the loop device $dev" --arg d "$dev" '.device.dev == $d'
expect_f emergency "$f" "no detail says when the kernel switched it (the ext4 error in ext4_lookup)" \
	'any(.details[]; contains("switched it read-only at the ext4 error in ext4_lookup"))'
expect_f emergency "$f" "no detail says /proc/mounts still says rw and the superblock emergency_ro" \
	'any(.details[]; contains("/proc/mounts still says rw") and contains("emergency_ro"))'
expect_f emergency "$f" "the ext4 error is not in the evidence" --arg d "$dev" 'any(.evidence[]; .type == "ext4_error" and .dev == $d)'
expect_f emergency "$f" "mkdir's error line is not linked" 'any(.command_output[]; .line | contains("Read-only file system"))'
expect_f emergency "$f" "the remedy does not say fsck" '.remedy | contains("fsck.ext4")'
expect_f emergency "$f" "no ruled-out line says the mount itself is rw" 'any(.ruled_out[]; contains("not a read-only mount"))'
jq -e --arg d "$dev" 'any(.findings[]; .class == "fs_corruption" and .device.dev == $d)' "$T/emergency.json" >/dev/null ||
	fail "[emergency] no fs_corruption finding on $dev beside it"
not_other emergency

echo "== emergency_ro, tripped before fstrace started: ext4's own record says when"
run_in emergency_before "$S/rro/mnt" mkdir build2
[[ $RUN_RC -eq 1 ]] || fail "[emergency_before] mkdir exited $RUN_RC, not 1"
f=$(finding emergency_before emergency_ro)
expect_f emergency_before "$f" "not high although mkdir failed" '.severity == "high"'
expect_f emergency_before "$f" "no detail gives ext4's first error, its function and UTC time" \
	'any(.details[]; test("switched it read-only at [0-9-]+ [0-9:]+ UTC, at ext4.s first error \\(in ext4_lookup:"))'
expect_f emergency_before "$f" "device.dev is not the loop device $dev" --arg d "$dev" '.device.dev == $d'
"$SCENARIO" cleanup ext4_remount_ro "$S/rro"

echo "== ro_mount: a read-only bind mount of a writable directory, where kubelet mounts a pod volume"
uid=$(</proc/sys/kernel/random/uuid)
vol=$S/var/lib/kubelet/pods/$uid/volumes/kubernetes.io~empty-dir/cache
mkdir -p "$S/data" "$vol"
mount --bind "$S/data" "$vol"
mount -o remount,bind,ro "$vol"
run_in bind "$vol" touch out.o
[[ $RUN_RC -eq 1 ]] || fail "[bind] touch exited $RUN_RC, not 1"
f=$(finding bind ro_mount)
expect_f bind "$f" "not high although touch failed" '.severity == "high"'
expect_f bind "$f" "the title does not name the mount's ro options" --arg m "$vol" '.title | startswith($m + " is a read-only mount (ro,")'
expect_f bind "$f" "no detail names the pod volume" --arg u "$uid" \
	'any(.details[]; . == "pod \($u), volume kubernetes.io~empty-dir/cache")'
expect_f bind "$f" "no ruled-out line says no emergency_ro" 'any(.ruled_out[]; contains("no emergency_ro"))'
expect_f bind "$f" "no ruled-out line says the superblock is rw" 'any(.ruled_out[]; contains("its superblock is rw"))'
expect_f bind "$f" "the remedy does not say remount,bind,rw" '.remedy | contains("remount,bind,rw")'
not_other bind

echo "== handled: the same EROFS, then a write elsewhere: no finding"
run_in handled "$S" sh -c 'touch "$0/out.o" 2>/dev/null || touch "$1/out.o"' "$vol" "$S/data"
[[ $RUN_RC -eq 0 ]] || fail "[handled] the command exited $RUN_RC, not 0"
jq -e '[.findings[] | select(.class == "read_only")] | length == 0' "$T/handled.json" >/dev/null ||
	fail "[handled] a read_only finding for an EROFS the command handled: $(jq -c '[.findings[].title]' "$T/handled.json")"
expect_rec "$FST_REC" "[handled] the recording has no EROFS" 'any(.[]; .type == "syscall" and .errno == "EROFS")'

echo "== ro_filesystem: an ext4 mounted ro"
truncate -s 8M "$S/ro.img"
mkfs.ext4 -q -F "$S/ro.img"
mkdir -p "$S/ro"
loop=$(losetup --find --show "$S/ro.img")
mount -t ext4 -o ro "$loop" "$S/ro"
run_in rofs "$S/ro" mkdir out
[[ $RUN_RC -eq 1 ]] || fail "[rofs] mkdir exited $RUN_RC, not 1"
f=$(finding rofs ro_filesystem)
expect_f rofs "$f" "device.dev is not $(fst_majmin "$loop")" --arg d "$(fst_majmin "$loop")" '.device.dev == $d'
echo "ok"
