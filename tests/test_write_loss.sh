#!/usr/bin/env bash
# Silent write loss: ext4 on a loop device whose sparse backing file sits on a tmpfs too small for
# it. The command writes 60 MB and exits 0; at writeback (its sync) the kernel fails the loop
# device's writes and logs them as warnings, which printk:console never sees. The recording must
# carry those messages (from /dev/kmsg), and the report a CRITICAL io_error finding naming the loop
# device, its backing file and that the backing file's filesystem is full.
source "$(dirname "$0")/lib.sh"

back=$T/back mnt=$T/mnt loop=
# The loop device goes before the tmpfs under it: once that is unmounted, its backing file reads
# as "/backing.img" and no sweep by directory finds it. A device that wrote back errors can stay
# busy a moment after its filesystem is unmounted, and LOOP_CLR_FD then leaves it attached.
detach_loop() {
	local i
	[[ -n $loop ]] || return 0
	for i in $(seq 50); do
		[[ -e /sys/block/${loop#/dev/}/loop/backing_file ]] || return 0
		losetup -d "$loop" 2>/dev/null || true
		sleep 0.1
	done
	warn "cannot detach $loop"
}
cleanup() {
	umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
	detach_loop
	fst_release_under "$T" || true
}
fst_on_exit cleanup
mkdir -p "$back" "$mnt"
mount -t tmpfs -o size=24m fst-write-loss "$back"
truncate -s 128M "$back/backing.img"
loop=$(losetup -f --show "$back/backing.img")
mkfs.ext4 -q "$loop"
mount "$loop" "$mnt"
img=$(realpath "$back/backing.img")
majmin=$(fst_majmin "$loop")
note "$loop ($majmin) on $img, a 128 MB sparse file on a 24 MB tmpfs, mounted at $mnt"

rec=$T/rec.jsonl.gz
fst_run "$rec" -o "$T/report.json" --format json -- sh -c \
	"dd if=/dev/urandom of=$mnt/data bs=1M count=60 status=none; sync; exit 0"
[[ $RUN_RC -eq 0 ]] || fail "fstrace run exited $RUN_RC: the command exits 0 (data lost at writeback)"
check_recording "$rec"
expect_rec "$rec" "no kernel message about the failed writes of ${loop#/dev/} (a warning: /dev/kmsg only)" \
	--arg d "$majmin" \
	'any(.[]; .type == "kmsg" and .dev == $d and (.msg | test("I/O error|critical space allocation error|potential data loss")))'
expect_rec "$rec" "no statfs state of the backing file's filesystem" --arg f "$img" \
	'any(.[]; .type == "state" and .syscall == "statfs" and .path == $f and (.data | test("bavail=0( |$)")))'
expect_rec "$rec" "the same kernel message twice within a second (printk:console and /dev/kmsg)" \
	'[.[] | select(.type == "kmsg" and .pid == 0) | .msg] as $log |
	 [.[] | select(.type == "kmsg" and .pid != 0) | .msg] as $con | all($log[]; . as $m | ($con | index([$m])) == null)'
# block:block_rq_error, where the kernel has it: the failed requests themselves, with device and sector.
if [[ $(rec_jq "$rec" -r '.[0].attach.block_error // ""') == raw_tp* ]]; then
	expect_rec "$rec" "no block_rq_error record of a failed WRITE on $majmin" --arg d "$majmin" \
		'any(.[]; .type == "kmsg" and .dev == $d and (.msg | test("^block_rq_error: .* sector [0-9]+ op WRITE")))'
else
	note "block:block_rq_error not attached here: $(rec_jq "$rec" -c '.[0].attach.block_error')"
fi
check_report_schema "$T/report.json"
note_findings "$T/report.json"
finding=$(jq -c --arg d "$majmin" '[.findings[] | select(.class == "io_error" and .device.dev == $d)] | first' "$T/report.json")
[[ $finding != null ]] || fail "no io_error finding on $loop ($majmin)"
jq -e '.severity == "critical"' <<<"$finding" >/dev/null || fail "the io_error finding is $(jq -r .severity <<<"$finding"), not critical"
jq -e '.cause == "backing_full"' <<<"$finding" >/dev/null || fail "its cause is $(jq -r .cause <<<"$finding"), not backing_full"
jq -e --arg l "${loop#/dev/}" --arg f "$img" '(.title | contains($l)) and (.title | contains($f)) and (.title | contains("full filesystem"))' \
	<<<"$finding" >/dev/null || fail "its title does not name ${loop#/dev/}, $img and the full filesystem: $(jq -r .title <<<"$finding")"
jq -e --arg f "$img" '.device.backing_file == $f' <<<"$finding" >/dev/null ||
	fail "its device.backing_file is $(jq -c .device.backing_file <<<"$finding"), not $img"
# The loop device must go when the test ends (the EXIT trap does it; checked here once).
umount "$mnt"
detach_loop
[[ ! -e /sys/block/${loop#/dev/}/loop/backing_file ]] || fail "$loop is still attached after cleanup"
echo ok
