#!/usr/bin/env bash
# The write side: a write that fails ENOSPC on a full tmpfs is recorded with the file it went to
# (resolved from the descriptor in the kernel), its device and inode, the fd and the caller's uid;
# a write to a closed pipe (EPIPE) is not: pipes fail by design, and a build's would flood the ring.
# The run must report no io_error: ENOSPC and EPIPE are not I/O errors.
source "$(dirname "$0")/lib.sh"

mnt=$T/small
cleanup() { fst_release_under "$T" || true; }
fst_on_exit cleanup
mkdir -p "$mnt"
mount -t tmpfs -o size=1m fst-write-side "$mnt"
dev=$(mountpoint -d "$mnt")
file=$(realpath "$mnt")/out

rec=$T/rec.jsonl.gz
FST_RUN_OPTS=()
fst_run "$rec" -o "$T/report.json" --format json -- sh -c \
	"dd if=/dev/zero of=$file bs=64k count=64 2>/dev/null; yes | head -n 1 >/dev/null; exit 0"
[[ $RUN_RC -eq 0 ]] || fail "the command exited $RUN_RC"
check_recording "$rec"
ino=$(stat -c %i "$file")
note "dd into $file ($dev, inode $ino) on a 1 MB tmpfs"

expect_rec "$rec" "no write ENOSPC on $file with dev $dev, inode $ino, an fd and uid 0" \
	--arg f "$file" --arg d "$dev" --argjson i "$ino" \
	'any(.[]; .type == "syscall" and .syscall == "write" and .errno == "ENOSPC" and .path == $f and
	     .dev == $d and .ino == $i and (.fd | type == "number") and .fd >= 0 and .uid == 0 and .comm == "dd")'
expect_rec "$rec" "the ENOSPC write has no statfs state of its filesystem" --arg f "$file" \
	'any(.[]; .type == "state" and .syscall == "statfs" and .path == $f)'
expect_rec "$rec" "a write to a closed pipe (EPIPE) was recorded: pipes must be dropped in the kernel" \
	'all(.[]; .type != "syscall" or .errno != "EPIPE")'
expect_rec "$rec" "a failing call on a pipe or socket was recorded" \
	'all(.[]; .type != "syscall" or ((.syscall | IN("write", "writev")) | not) or .path != null)'
check_report_schema "$T/report.json"
note_findings "$T/report.json"
jq -e '[.findings[] | select(.class == "io_error")] | length == 0' "$T/report.json" >/dev/null ||
	fail "an io_error finding for ENOSPC and EPIPE, which are no I/O errors"

# A retry loop on a full disk: 20000 failing writes to one descriptor fold in the kernel under the
# file's inode, into a few records whose counts are exactly the calls.
rec2=$T/repeats.jsonl.gz
fst_run "$rec2" -- python3 -c "
import os
fd = os.open('$file', os.O_WRONLY | os.O_APPEND)
n = 0
for i in range(20000):
    try:
        os.write(fd, b'y' * 4096)
    except OSError:
        n += 1
assert n == 20000, n
"
[[ $RUN_RC -eq 0 ]] || fail "the retry loop exited $RUN_RC (its 20000 writes did not all fail ENOSPC?)"
check_recording "$rec2"
expect_rec "$rec2" "20000 failing writes are not 20000 calls in at most 10 records" --arg f "$file" \
	'[.[] | select(.type == "syscall" and .syscall == "write" and .path == $f and .errno == "ENOSPC")] |
	 (map(.count // 1) | add) == 20000 and length <= 10'
note "20000 failing writes: $(rec_jq "$rec2" -c --arg f "$file" '[.[] | select(.type == "syscall" and .path == $f)] | length') records"
echo ok
