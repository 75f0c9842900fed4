#!/usr/bin/env bash
# Issue 14: a build fails "No space left on device" while `df -h` shows the disk almost empty. Real
# faults: an ext4 made with 64 inodes, an ext4 whose blocks are used up, the same with only root's
# reserved blocks left for a non-root caller, and a tmpfs with size= and nr_inodes=. Each must give
# a no_space finding with the right cause, the numbers statfs gave at the moment of the failure,
# the device, the shell's error line linked, and the ENOSPC not also listed among other failures.
# A command that meets ENOSPC, handles it and succeeds must get no finding.
#   FST_KEEP_RECORDINGS=DIR   copies each recording there (to make the golden cases)
source "$(dirname "$0")/lib.sh"

S=$T/scn
cleanup() { fst_sweep "$S" || true; }
fst_on_exit cleanup
mkdir -p "$S"

keep() {
	[[ -z ${FST_KEEP_RECORDINGS:-} ]] || cp "$1" "$FST_KEEP_RECORDINGS/no_space_$2.jsonl.gz"
}

# mkext4 NAME SIZE MKFS-OPTIONS...: a loop-mounted ext4 at $S/NAME, world-writable; its major:minor.
mkext4() {
	local name=$1 size=$2 loop
	shift 2
	mkdir -p "$S/$name"
	truncate -s "$size" "$S/$name.img"
	mkfs.ext4 -q -F "$@" "$S/$name.img"
	loop=$(losetup --find --show "$S/$name.img")
	mount -t ext4 "$loop" "$S/$name"
	chmod 1777 "$S/$name"
	fst_majmin "$loop"
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

# finding NAME CAUSE: the report's no_space finding of that cause, or fail.
finding() {
	local f
	f=$(jq -c --arg c "$2" '[.findings[] | select(.class == "no_space" and .cause == $c)] | first' "$T/$1.json")
	[[ $f != null ]] || fail "[$1] no no_space/$2 finding: $(jq -c '[.findings[] | {class, cause, title}]' "$T/$1.json")"
	echo "$f"
}

# expect_f NAME FINDING MESSAGE JQ-FILTER [ARGS...]
expect_f() {
	local name=$1 f=$2 msg=$3
	shift 3
	jq -e "$@" <<<"$f" >/dev/null || fail "[$name] $msg: $(jq -c '{severity, title, details, device: .device.dev, command_output}' <<<"$f")"
}

not_other() {
	jq -e '[.other_failures[]? | select(.errno == "ENOSPC" or .errno == "EDQUOT")] | length == 0' "$T/$1.json" >/dev/null ||
		fail "[$1] the ENOSPC is also among the other failed calls: $(jq -c .other_failures "$T/$1.json")"
}

echo "== inodes: an ext4 with 64 inodes, 1% of its blocks used"
"$SCENARIO" setup no_space_inodes "$S/ni"
dev=$(<"$S/ni/loopdev.majmin")
note "df -i: $(df --output=iused,itotal "$S/ni/mnt" | tail -n 1)"
run_in inodes "$S/ni/mnt" sh -c 'echo x > f99'
[[ $RUN_RC -eq 2 ]] || fail "[inodes] sh exited $RUN_RC, not 2 (cannot create)"
f=$(finding inodes inodes)
expect_f inodes "$f" "not high although sh exited 2 on it" '.severity == "high"'
expect_f inodes "$f" "title does not give 64 of 64 inodes used and 1% of blocks" \
	'.title | contains("64 of 64 inodes used, 1% of blocks")'
expect_f inodes "$f" "device.dev is not the loop device $dev" --arg d "$dev" '.device.dev == $d'
expect_f inodes "$f" "the failing call is not openat on f99" '.syscall == "openat" and (.path | endswith("/f99"))'
expect_f inodes "$f" "the shell's 'cannot create f99' line is not linked" \
	'any(.command_output[]; .line | contains("cannot create f99: No space left on device"))'
expect_f inodes "$f" "no detail says df -h misleads" 'any(.details[]; contains("df -i"))'
expect_f inodes "$f" "the remedy does not say mkfs.ext4 -N or -i" '.remedy | contains("mkfs.ext4 -N")'
expect_f inodes "$f" "no state record in the evidence" 'any(.evidence[]; .type == "state")'
expect_f inodes "$f" "no ruled-out line says blocks were free" 'any(.ruled_out[]; startswith("not blocks:"))'
expect_f inodes "$f" "no ruled-out line says it is not a quota" 'any(.ruled_out[]; startswith("not a quota:"))'
not_other inodes
jq -e '.verdict.explained' "$T/inodes.json" >/dev/null || fail "[inodes] the verdict does not call the exit explained"

echo "== handled: the same ENOSPC, probed and got past: no finding"
run_in handled "$S/ni/mnt" sh -c 'mkdir probe 2>/dev/null || mkdir "$0/elsewhere"' "$S"
[[ $RUN_RC -eq 0 ]] || fail "[handled] the command exited $RUN_RC, not 0"
jq -e '[.findings[] | select(.class == "no_space")] | length == 0' "$T/handled.json" >/dev/null ||
	fail "[handled] a no_space finding for an ENOSPC the command handled: $(jq -c '[.findings[].title]' "$T/handled.json")"
expect_rec "$FST_REC" "[handled] the recording has no mkdir ENOSPC" 'any(.[]; .type == "syscall" and .errno == "ENOSPC")'

echo "== blocks: an ext4 whose blocks are used up, then mkdir"
dev=$(mkext4 blocks 4M -m 0)
dd if=/dev/zero of="$S/blocks/fill" bs=64k status=none 2>/dev/null || true
sync
# ext4 keeps a few clusters back for its metadata: directories use them up.
i=0
while mkdir "$S/blocks/d$i" 2>/dev/null; do i=$((i + 1)); done
note "then $i directories"
note "df: $(df --output=used,avail,iused,itotal "$S/blocks" | tail -n 1)"
# As a non-root user: the blocks still free are ext4's own reserve, not root's (-m 0).
run_in blocks "$S/blocks" setpriv --reuid=65534 --regid=65534 --clear-groups mkdir newdir
[[ $RUN_RC -eq 1 ]] || fail "[blocks] mkdir exited $RUN_RC, not 1"
f=$(finding blocks blocks)
expect_f blocks "$f" "not high although mkdir exited 1" '.severity == "high"'
expect_f blocks "$f" "title does not say 100% of blocks used" '.title | contains("100% of blocks used")'
expect_f blocks "$f" "device.dev is not the loop device $dev" --arg d "$dev" '.device.dev == $d'
expect_f blocks "$f" "mkdir's own error line is not linked" 'any(.command_output[]; .line | contains("newdir"))'
expect_f blocks "$f" "no detail says the blocks left are ext4's own reserve" 'any(.details[]; contains("ext4'"'"'s own reserve"))'
not_other blocks

echo "== reserved: only root's blocks left, a non-root mkdir"
dev=$(mkext4 reserved 4M -m 20)
# Root takes what a user could have; nobody's directories take what is left of it.
read -r avail bsize < <(stat -f -c '%a %S' "$S/reserved")
fallocate -l $((avail * bsize)) "$S/reserved/fill" 2>/dev/null || true
(cd "$S/reserved" && setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'i=0; while mkdir d$i 2>/dev/null; do i=$((i + 1)); done')
sync
note "df: $(df --output=used,avail "$S/reserved" | tail -n 1)"
run_in reserved "$S/reserved" setpriv --reuid=65534 --regid=65534 --clear-groups mkdir newdir
[[ $RUN_RC -eq 1 ]] || fail "[reserved] mkdir as nobody exited $RUN_RC, not 1"
f=$(finding reserved reserved)
expect_f reserved "$f" "the title does not name uid 65534" '.title | contains("none for uid 65534")'
expect_f reserved "$f" "the remedy does not say tune2fs -m" '.remedy | contains("tune2fs -m")'

echo "== tmpfs: size=1m,nr_inodes=16"
mkdir -p "$S/tmpfs"
mount -t tmpfs -o size=1m,nr_inodes=16 fstrace-test "$S/tmpfs"
i=0
while mkdir "$S/tmpfs/d$i" 2>/dev/null; do i=$((i + 1)); done
note "made $i directories"
run_in tmpfs "$S/tmpfs" mkdir -p a/b
[[ $RUN_RC -eq 1 ]] || fail "[tmpfs] mkdir exited $RUN_RC, not 1"
f=$(finding tmpfs tmpfs)
expect_f tmpfs "$f" "the title does not give size=1024k and nr_inodes=16" \
	'.title | contains("size=1024k") and contains("nr_inodes=16")'
expect_f tmpfs "$f" "the title does not say every inode is used" '.title | contains("every inode used")'
expect_f tmpfs "$f" "the remedy does not say nr_inodes=" '.remedy | contains("nr_inodes=")'
not_other tmpfs

echo "== overlay_upper: an overlay whose upper layer is on a full tmpfs"
mkdir -p "$S/lower/src" "$S/upfs" "$S/ov"
mount -t tmpfs -o size=512k,nr_inodes=64 fstrace-test "$S/upfs"
mkdir -p "$S/upfs/u" "$S/upfs/w"
mount -t overlay overlay -o "lowerdir=$S/lower,upperdir=$S/upfs/u,workdir=$S/upfs/w" "$S/ov"
dd if=/dev/zero of="$S/ov/fill" bs=64k status=none 2>/dev/null || true
i=0
while [[ $i -lt 1000 ]] && mkdir "$S/ov/d$i" 2>/dev/null; do i=$((i + 1)); done
run_in overlay "$S/ov" mkdir src/obj
[[ $RUN_RC -eq 1 ]] || fail "[overlay] mkdir exited $RUN_RC, not 1"
f=$(finding overlay overlay_upper)
expect_f overlay "$f" "the title does not name the upper layer's tmpfs" --arg m "$S/upfs" \
	'.title | contains("upper layer'"'"'s filesystem (tmpfs at \($m))")'
expect_f overlay "$f" "no detail names the upper layer" --arg u "$S/upfs/u" 'any(.details[]; startswith("the upper layer \($u) is on tmpfs"))'
not_other overlay
echo "ok"
