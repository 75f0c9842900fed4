#!/usr/bin/env bash
# fstrace check on real filesystems made here: a healthy ext4 (nothing found, exit 0); a Docker
# data root on a real overlay mount (nested_overlay, exit 1, and the overlay mount it predicts
# really fails EINVAL), also found through --docker-config's daemon.json; an ext4 that has logged an
# error (trigger_fs_error, errors=continue); an ext4 in emergency_ro (errors=remount-ro) whose mount
# options still say rw; an ext4 with 5 free inodes; bad usage (exit 2, one line); and, not root,
# what it says it cannot see.
source "$(dirname "$0")/lib.sh"

cleanup() { fst_release_under "$T" || true; }
fst_on_exit cleanup

# mkext4 NAME SIZE_MB MOUNT_OPTS [MKFS_OPTS...]: an ext4 image on a loop device mounted at $T/NAME/mnt.
mkext4() {
	local name=$1 size=$2 opts=$3
	shift 3
	mkdir -p "$T/$name/mnt"
	truncate -s "${size}M" "$T/$name/disk.img"
	mkfs.ext4 -q -F "$@" "$T/$name/disk.img" || fail "mkfs.ext4 $name failed"
	fst_loop_attach "$T/$name/disk.img" "$T/$name" || fail "no loop device for $name"
	mount -t ext4 -o "$opts" "$(<"$T/$name/loopdev")" "$T/$name/mnt" || fail "cannot mount $name"
}

# check NAME ARGS...: fstrace check --format json ARGS, the report in $T/NAME.json, the exit in RC.
check() {
	local name=$1
	shift
	RC=0
	"$FSTRACE" check --format json "$@" >"$T/$name.json" 2>"$T/$name.err" || RC=$?
	note "fstrace check $* -> exit $RC: $(jq -c '[.findings[] | "\(.severity) \(.class)/\(.cause)"]' "$T/$name.json" 2>/dev/null)"
	if [[ $RC -ne 2 ]]; then
		jq -e '.schema == "fstrace.check/1"' "$T/$name.json" >/dev/null || fail "$name: not an fstrace.check/1 report"
	fi
}

# finding NAME CLASS CAUSE: the one finding of that class and cause in $T/NAME.json.
finding() {
	local f
	f=$(jq -c --arg c "$2" --arg k "$3" '[.findings[] | select(.class == $c and .cause == $k)]' "$T/$1.json")
	[[ $(jq length <<<"$f") -eq 1 ]] || fail "$1: expected one $2/$3 finding, found: $(jq -c '[.findings[] | "\(.class)/\(.cause)"]' "$T/$1.json")"
	jq -c '.[0]' <<<"$f"
}

# The ext4's error record as sysfs shows it; the superblock is updated by a work item, so wait.
wait_errors() {
	local dev=$1
	for _ in $(seq 50); do
		[[ $(cat "/sys/fs/ext4/$dev/errors_count") -gt 0 ]] && return 0
		sleep 0.1
	done
	fail "/sys/fs/ext4/$dev/errors_count stayed 0 after trigger_fs_error"
}

echo "== a healthy ext4: nothing found, exit 0"
mkext4 good 64 rw
mkdir -p "$T/good/mnt/dir"
check good "$T/good/mnt/dir"
[[ $RC -eq 0 ]] || fail "a healthy ext4: exit $RC, expected 0: $(jq -c .findings "$T/good.json")"
jq -e --arg m "$T/good/mnt" '.filesystems == [.filesystems[0]] and .filesystems[0].mountpoint == $m and
	.filesystems[0].fstype == "ext4" and .filesystems[0].ext4_errors == 0' "$T/good.json" >/dev/null ||
	fail "a healthy ext4: filesystems looked at: $(jq -c .filesystems "$T/good.json")"
"$FSTRACE" check "$T/good/mnt/dir" >"$T/good.txt" || fail "the text report of a healthy ext4 exited $?"
grep -q ': nothing found; 1 data root, 1 filesystem, ' "$T/good.txt" || fail "text: $(head -n 1 "$T/good.txt")"

echo "== a Docker data root on a real overlay mount: nested_overlay, exit 1"
o=$T/good/mnt/ovl
mkdir -p "$o/lower" "$o/upper" "$o/work" "$T/ovl/merged"
mount -t overlay overlay -o "lowerdir=$o/lower,upperdir=$o/upper,workdir=$o/work" "$T/ovl/merged" ||
	fail "cannot mount the outer overlay"
root=$T/ovl/merged/var/lib/docker
mkdir -p "$root"
check ovl "$root"
[[ $RC -eq 1 ]] || fail "a data root on overlay: exit $RC, expected 1"
f=$(finding ovl overlay_mount nested_overlay)
jq -e --arg p "$root" --arg m "$T/ovl/merged" '.severity == "high" and .path == $p and .mountpoint == $m and
	.fstype == "overlay"' <<<"$f" >/dev/null || fail "the nested_overlay finding: $f"
jq -e --arg u "upperdir $o/upper: on ext4 mounted at $T/good/mnt" 'any(.details[]; contains($u))' <<<"$f" >/dev/null ||
	fail "the mount stack does not say the overlay's upperdir is on the ext4: $(jq -c .details <<<"$f")"
jq -e '.remedy | contains("emptyDir")' <<<"$f" >/dev/null || fail "no remedy: $(jq -c .remedy <<<"$f")"
# The prediction, for real: an overlay with its upper and work dirs in that data root is refused.
mkdir -p "$root/overlay2/l/diff" "$root/overlay2/u/diff" "$root/overlay2/u/work" "$root/overlay2/m"
if mount -t overlay overlay -o "lowerdir=$root/overlay2/l/diff,upperdir=$root/overlay2/u/diff,workdir=$root/overlay2/u/work" \
	"$root/overlay2/m" 2>"$T/mount.err"; then
	umount "$root/overlay2/m"
	fail "the kernel took an overlay in the data root that check said would fail"
fi
note "the predicted mount failed: $(head -n 1 "$T/mount.err")"
# Found through daemon.json's data-root too, with a healthy PATH beside it.
printf '{"data-root": "%s", "storage-driver": "overlay2"}\n' "$root" >"$T/daemon.json"
check dj --docker-config "$T/daemon.json" "$T/good/mnt/dir"
[[ $RC -eq 1 ]] || fail "daemon.json's data-root on overlay: exit $RC, expected 1"
jq -e --arg p "$root" --arg f "daemon.json $T/daemon.json" '[.data_roots[] | select(.path == $p and .from == $f and .fstype == "overlay")] | length == 1' \
	"$T/dj.json" >/dev/null || fail "daemon.json's data-root was not looked at: $(jq -c .data_roots "$T/dj.json")"
finding dj overlay_mount nested_overlay >/dev/null

echo "== an ext4 that has logged an error: fs_corruption, exit 1"
mkext4 errs 32 errors=continue
dev=$(basename "$(<"$T/errs/loopdev")")
echo 1 >"/sys/fs/ext4/$dev/trigger_fs_error"
wait_errors "$dev"
findmnt -n -o OPTIONS "$T/errs/mnt" | grep -q '^rw' || fail "errors=continue left the mount read-only"
check errs "$T/errs/mnt"
[[ $RC -eq 1 ]] || fail "an ext4 with errors: exit $RC"
f=$(finding errs fs_corruption ext4_errors)
jq -e --arg d "/dev/$dev" '.severity == "high" and (.title | contains("has logged")) and (.device | startswith($d))' \
	<<<"$f" >/dev/null || fail "the fs_corruption finding: $f"
jq -e --arg c "/sys/fs/ext4/$dev/errors_count: $(<"/sys/fs/ext4/$dev/errors_count")" 'any(.details[]; startswith($c))' \
	<<<"$f" >/dev/null || fail "the finding does not give errors_count: $(jq -c .details <<<"$f")"
jq -e '[.findings[] | select(.cause == "emergency_ro")] == []' "$T/errs.json" >/dev/null ||
	fail "errors=continue is no emergency_ro"

echo "== an ext4 in emergency_ro, its mount options still rw: read_only/emergency_ro, exit 1"
mkext4 ero 32 errors=remount-ro
dev=$(basename "$(<"$T/ero/loopdev")")
echo 1 >"/sys/fs/ext4/$dev/trigger_fs_error"
wait_errors "$dev"
line=$(awk -v m="$T/ero/mnt" '$5 == m' /proc/self/mountinfo)
note "mountinfo: $line"
[[ $(awk '{ print $6 }' <<<"$line") == rw* ]] || fail "the mount options are not rw: $line"
check ero "$T/ero/mnt"
[[ $RC -eq 1 ]] || fail "an emergency_ro ext4: exit $RC"
if [[ $line == *emergency_ro* ]]; then
	f=$(finding ero read_only emergency_ro)
	jq -e '.severity == "critical" and (.title | contains("still say rw"))' <<<"$f" >/dev/null ||
		fail "the emergency_ro finding: $f"
else # before 6.15 the superblock itself went ro
	[[ $(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") print $(i + 3) }' <<<"$line") == ro* ]] ||
		fail "neither emergency_ro nor a read-only superblock after remount-ro: $line"
	finding ero read_only emergency_ro >/dev/null
fi
touch "$T/ero/mnt/x" 2>/dev/null && fail "a write to the emergency_ro ext4 succeeded"

echo "== an ext4 with 5 free inodes: no_space/inodes, exit 1"
mkext4 few 16 rw -N 32
free=$(df --output=iavail "$T/few/mnt" | tail -n 1)
for ((i = 0; i < free - 5; i++)); do : >"$T/few/mnt/f$i"; done
[[ $(df --output=iavail "$T/few/mnt" | tail -n 1) -eq 5 ]] || fail "could not leave 5 free inodes"
check few "$T/few/mnt"
[[ $RC -eq 1 ]] || fail "5 free inodes: exit $RC"
f=$(finding few no_space inodes)
jq -e '.severity == "high" and (.title | test("has 5 free inodes of [0-9]+"))' <<<"$f" >/dev/null ||
	fail "the inodes finding: $f"
check few2 --min-free-inodes 5 --max-used 100 "$T/few/mnt"
[[ $RC -eq 0 ]] || fail "--min-free-inodes 5 --max-used 100 on 5 free inodes: exit $RC, expected 0"

echo "== no PATH: every mounted filesystem, the damaged ones found without being named"
check all
[[ $RC -eq 1 ]] || fail "check with no PATH, with this test's damaged ext4s mounted: exit $RC"
for m in good errs ero few; do
	jq -e --arg m "$T/$m/mnt" 'any(.filesystems[]; .mountpoint == $m)' "$T/all.json" >/dev/null ||
		fail "check with no PATH did not look at $T/$m/mnt"
done
jq -e --arg m "$T/ero/mnt" 'any(.findings[]; .cause == "emergency_ro" and .mountpoint == $m)' "$T/all.json" >/dev/null ||
	fail "check with no PATH missed the emergency_ro ext4"
jq -e --arg m "$T/few/mnt" 'any(.findings[]; .cause == "inodes" and .mountpoint == $m)' "$T/all.json" >/dev/null ||
	fail "check with no PATH missed the ext4 with 5 free inodes"
jq -e '.data_roots | length >= 6' "$T/all.json" >/dev/null || fail "the usual data roots were not looked at"

echo "== bad usage: exit 2, one line"
for args in "$T/nonexistent" "--max-used abc $T" "--max-used 0 $T" "--format bead $T" "--min-free-inodes -1 $T" \
	"--docker-config $T/none.json $T" "--bogus"; do
	rc=0
	# shellcheck disable=SC2086
	"$FSTRACE" check $args >"$T/bad.out" 2>"$T/bad.err" || rc=$?
	[[ $rc -eq 2 && ! -s $T/bad.out && $(wc -l <"$T/bad.err") -eq 1 ]] ||
		fail "check $args: exit $rc, stdout $(wc -c <"$T/bad.out") bytes, stderr '$(head -c 200 "$T/bad.err")'"
done
echo '{"data-root": ' >"$T/broken.json"
rc=0
"$FSTRACE" check --docker-config "$T/broken.json" "$T" 2>"$T/bad.err" >/dev/null || rc=$?
if [[ $rc -ne 2 ]] || ! grep -q 'not a JSON object' "$T/bad.err"; then
	fail "a broken daemon.json: exit $rc, '$(head -c 200 "$T/bad.err")'"
fi

echo "== not root: what it cannot see, it says"
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$FSTRACE" check --format json --max-used 100 \
	--min-free-inodes 0 / >"$T/nobody.json" 2>"$T/nobody.err" || rc=$?
[[ $rc -le 1 ]] || fail "check as nobody exited $rc: $(head -c 200 "$T/nobody.err")"
jq -e '.root == false and any(.not_seen[]; startswith("not root:"))' "$T/nobody.json" >/dev/null ||
	fail "check as nobody did not say what it cannot see: $(jq -c .not_seen "$T/nobody.json")"
if [[ $(stat -c %a /sys/kernel/tracing 2>/dev/null) == 700 ]]; then
	jq -e 'any(.not_seen[]; contains("/sys/kernel/tracing: permission denied")) and
		any(.kernel_features[]; .name == "raw_syscalls:sys_exit" and .ok == null)' "$T/nobody.json" >/dev/null ||
		fail "as nobody, tracefs (mode 700) is not said to be unseen: $(jq -c .not_seen "$T/nobody.json")"
fi
echo "ok"
