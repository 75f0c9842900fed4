#!/usr/bin/env bash
# io_error and stale from a real FUSE filesystem: tests/helpers/fuse_fault.c, a daemon speaking
# the kernel's protocol on /dev/fuse (no libfuse), mounted as fuse.fstfault (source fstfault).
#  - cat MNT/good, a file that reads fine: exit 0, its text, and no io_error
#  - cat MNT/bad, whose every READ the daemon answers -EIO: a read EIO in the recording with the
#    file's path (from the descriptor) and a mount state; one io_error/fuse_daemon finding, HIGH or
#    CRITICAL, covering that call, naming the mount, its fstype and the daemon, no fsck remedy
#  - the daemon killed (SIGKILL), the mount left behind: ls MNT fails ENOTCONN, and a
#    stale/disconnected finding names the mount and says its FUSE daemon is gone
# The mount is unmounted (lazily once the daemon is dead) and the daemon killed on any exit.
#   FST_KEEP_RECORDINGS=DIR   copies each recording there (to make the golden cases)
source "$(dirname "$0")/lib.sh"

mnt=$T/fuse
cleanup() {
	fst_kill_helpers "$T"
	fst_release_under "$T" || true
}
fst_on_exit cleanup

keep() { # RECORDING CASE
	[[ -z ${FST_KEEP_RECORDINGS:-} ]] || cp "$1" "$FST_KEEP_RECORDINGS/$2.jsonl.gz"
}

finding_of() { # REPORT CLASS CAUSE
	jq -c --arg c "$2" --arg k "$3" '[.findings[] | select(.class == $c and .cause == $k)] | first' "$1"
}

[[ -c /dev/fuse ]] || fail "no /dev/fuse: the kernel has no FUSE"
cc -O2 -Wall -o "$T/fuse_fault" "$FST_REPO/tests/helpers/fuse_fault.c" || fail "cannot build tests/helpers/fuse_fault.c"
mkdir -p "$mnt"
"$T/fuse_fault" -p "$T/fuse.pid" "$mnt" </dev/null 2>"$T/fuse.err" &
daemon=$!
for _ in $(seq 50); do
	[[ -s $T/fuse.pid ]] && break
	sleep 0.1
done
[[ -s $T/fuse.pid ]] || fail "fuse_fault did not mount $mnt within 5 s: $(head -n 3 "$T/fuse.err")"
[[ $(<"$T/fuse.pid") -eq $daemon ]] || fail "fuse_fault wrote pid $(<"$T/fuse.pid"), started as $daemon"
findmnt -rn -o FSTYPE,SOURCE "$mnt" | grep -qx 'fuse.fstfault fstfault' ||
	fail "$mnt is not a fuse.fstfault mount: $(findmnt -rn -o FSTYPE,SOURCE "$mnt")"
# shellcheck disable=SC2012 # two known names
[[ $(ls "$mnt" | tr '\n' ' ') == "bad good " ]] || fail "ls $mnt: $(ls "$mnt" 2>&1 | tr '\n' ' ')"

echo "== cat of a FUSE file that reads fine: no io_error"
fst_run "$T/good.jsonl.gz" -o "$T/good.json" --format json -- cat "$mnt/good" >"$T/good.out" </dev/null
[[ $RUN_RC -eq 0 ]] || fail "cat $mnt/good: exit $RUN_RC, expected 0"
[[ $(<"$T/good.out") == "fstfault good" ]] || fail "cat $mnt/good printed '$(head -c 100 "$T/good.out")'"
check_recording "$T/good.jsonl.gz"
check_report_schema "$T/good.json"
note_findings "$T/good.json"
keep "$T/good.jsonl.gz" io_error_fuse_good
jq -e 'all(.findings[]; .class != "io_error")' "$T/good.json" >/dev/null ||
	fail "an io_error for a file that read fine: $(jq -c '[.findings[] | .title]' "$T/good.json")"

echo "== cat of a FUSE file whose daemon answers reads EIO"
fst_run "$T/bad.jsonl.gz" -o "$T/bad.json" --format json -- cat "$mnt/bad" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "cat $mnt/bad: exit $RUN_RC, expected 1"
check_recording "$T/bad.jsonl.gz"
check_report_schema "$T/bad.json"
note_findings "$T/bad.json"
keep "$T/bad.jsonl.gz" io_error_fuse_read
expect_rec "$T/bad.jsonl.gz" "no read/pread64/readv failing EIO on $mnt/bad in the recording" --arg p "$mnt/bad" \
	'any(.[]; .type == "syscall" and (.syscall | IN("read", "pread64", "readv")) and .errno == "EIO" and .path == $p)'
expect_rec "$T/bad.jsonl.gz" "no mount state naming fuse.fstfault for the EIO" --arg p "$mnt/bad" \
	'any(.[]; .type == "state" and .syscall == "mount" and .path == $p and (.data | contains("fstype=fuse.fstfault")))'
jq -e '[.findings[] | select(.class == "io_error")] | length == 1' "$T/bad.json" >/dev/null ||
	fail "not one io_error finding: $(jq -c '[.findings[] | {class, cause, title}]' "$T/bad.json")"
f=$(finding_of "$T/bad.json" io_error fuse_daemon)
[[ $f != null ]] || fail "no io_error/fuse_daemon finding: $(jq -c '[.findings[] | {class, cause, title}]' "$T/bad.json")"
jq -e --arg p "$mnt/bad" '.severity | IN("high", "critical")' <<<"$f" >/dev/null ||
	fail "the io_error finding is $(jq -r .severity <<<"$f"), expected high or critical"
jq -e --arg p "$mnt/bad" '.errno == "EIO" and .path == $p and (.syscall | IN("read", "pread64", "readv")) and
	.count >= 1' <<<"$f" >/dev/null ||
	fail "the io_error finding does not cover cat's failing read of $mnt/bad: $(jq -c '{syscall, errno, path, count}' <<<"$f")"
jq -e --arg m "$mnt" '(.title | contains($m + " (fuse.fstfault fstfault)")) and (.title | contains("FUSE daemon")) and
	(.title | contains("unnamed device") | not)' <<<"$f" >/dev/null ||
	fail "the io_error title does not name the FUSE mount and its daemon: $(jq -r .title <<<"$f")"
jq -e 'any(.details[]; contains("daemon serving it"))' <<<"$f" >/dev/null ||
	fail "the io_error finding does not say the daemon answered EIO: $(jq -c .details <<<"$f")"
jq -e '(.remedy | contains("daemon")) and (.remedy | test("fsck the|run fsck") | not)' <<<"$f" >/dev/null ||
	fail "the io_error remedy does not point at the daemon: $(jq -r .remedy <<<"$f")"
jq -e '.command_output | length >= 1' <<<"$f" >/dev/null || fail "cat's 'Input/output error' line is not linked"

echo "== the daemon killed: ls of its mount fails ENOTCONN"
kill -KILL "$daemon"
wait "$daemon" 2>/dev/null || true # reaped: a zombie would still answer kill -0
kill -0 "$daemon" 2>/dev/null && fail "fuse_fault $daemon still running after SIGKILL"
rm -f "$T/fuse.pid"
mounted() { findmnt -rn -o TARGET | grep -qxF "$mnt"; } # never stats the dead mount's root
mounted || fail "the mount $mnt went away with its daemon"
fst_run "$T/gone.jsonl.gz" -o "$T/gone.json" --format json -- ls "$mnt" </dev/null
[[ $RUN_RC -ne 0 ]] || fail "ls of a mount with no daemon succeeded"
check_recording "$T/gone.jsonl.gz"
check_report_schema "$T/gone.json"
note_findings "$T/gone.json"
keep "$T/gone.jsonl.gz" stale_fuse_disconnected
expect_rec "$T/gone.jsonl.gz" "no call on $mnt failing ENOTCONN in the recording" --arg m "$mnt" \
	'any(.[]; .type == "syscall" and .errno == "ENOTCONN" and .path == $m)'
f=$(finding_of "$T/gone.json" stale disconnected)
[[ $f != null ]] || fail "no stale/disconnected finding: $(jq -c '[.findings[] | {class, cause, title}]' "$T/gone.json")"
jq -e --arg m "$mnt" '.errno == "ENOTCONN" and .path == $m and (.title | contains($m + " (fuse.fstfault fstfault)")) and
	(.title | contains("FUSE daemon is gone"))' <<<"$f" >/dev/null ||
	fail "the disconnected finding does not name the mount and its gone daemon: $(jq -c '{errno, path, title}' <<<"$f")"
jq -e '(.remedy | contains("umount -l")) and (.command_output | length >= 1)' <<<"$f" >/dev/null ||
	fail "the disconnected finding has no unmount remedy or ls's line: $(jq -c '{remedy, command_output}' <<<"$f")"

umount -l "$mnt" || fail "cannot unmount the dead FUSE mount $mnt"
mounted && fail "$mnt still mounted after umount -l"
echo "ok"
