#!/usr/bin/env bash
# permission: real EACCES and EPERM, each a finding that names who refused and why, and the routine
# EACCES of a shell's PATH search that must stay quiet.
#  - mkdir into a root-owned 0755 directory as uid 65534 (setpriv): cause mode, the directory, its
#    owner and mode, and the caller's uid; mkdir's own line is linked
#  - the same user's shell searching PATH through a root-only 0700 directory, for a command that
#    succeeds: the stat EACCES are in the recording, no finding
#  - a script executed from a noexec tmpfs: cause noexec, the mount named
#  - a write to a chattr +i file (tmpfs, or a small loop ext4 where tmpfs refuses chattr): cause
#    immutable
source "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv is not installed"
mnt=$T/noexec
imm_mnt=$T/imm
loopimg=
cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	mountpoint -q "$imm_mnt" 2>/dev/null && { chattr -i "$imm_mnt/locked-file" 2>/dev/null; umount "$imm_mnt"; }
	[[ -n $loopimg ]] && rm -f "$loopimg"
	[[ -f $T/imm-file ]] && chattr -i "$T/imm-file" 2>/dev/null
	true
}
fst_on_exit cleanup
# uid 65534 must reach the test's directories: only the ones made to refuse it should.
chmod 0755 "$T"
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

finding_of() { # REPORT CLASS PATH
	jq -c --arg c "$2" --arg p "$3" '[.findings[] | select(.class == $c and .path == $p)] | first' "$1"
}

echo "== mkdir into a root-owned 0755 directory as uid 65534"
mkdir -m 0755 "$T/locked"
fst_run "$T/mode.jsonl.gz" -o "$T/mode.json" --format json -- "${nobody[@]}" mkdir "$T/locked/sub" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "mkdir as uid 65534: exit $RUN_RC, expected 1"
check_recording "$T/mode.jsonl.gz"
check_report_schema "$T/mode.json"
note_findings "$T/mode.json"
expect_rec "$T/mode.jsonl.gz" "no access state for $T/locked/sub in the recording" \
	--arg p "$T/locked/sub" 'any(.[]; .type == "state" and .syscall == "access" and .path == $p)'
f=$(finding_of "$T/mode.json" permission "$T/locked/sub")
[[ $f != null ]] || fail "no permission finding for $T/locked/sub"
jq -e --arg d "$T/locked" '.cause == "mode" and .errno == "EACCES" and (.title | contains($d + " (owner 0, group 0, mode 0755)")) and
	(.title | contains("uid 65534 write"))' <<<"$f" >/dev/null ||
	fail "the permission finding does not name $T/locked, owner 0, mode 0755 and uid 65534 writing: $(jq -c '{cause, title}' <<<"$f")"
jq -e '.command_output | length >= 1' <<<"$f" >/dev/null ||
	fail "mkdir's 'Permission denied' line is not linked to the finding"
jq -e '.verdict.explained' "$T/mode.json" >/dev/null || fail "the verdict does not count the failure explained"

echo "== PATH search through a root-only directory, by a command that succeeds"
mkdir -m 0700 "$T/rootonly"
fst_run "$T/search.jsonl.gz" -o "$T/search.json" --format json -- "${nobody[@]}" \
	env "PATH=$T/rootonly/bin:/usr/bin:/bin" sh -c 'cat /etc/hostname; true' </dev/null
[[ $RUN_RC -eq 0 ]] || fail "the PATH search command exited $RUN_RC, expected 0"
check_recording "$T/search.jsonl.gz"
check_report_schema "$T/search.json"
expect_rec "$T/search.jsonl.gz" "no EACCES under $T/rootonly in the recording (the search this test causes)" \
	--arg p "$T/rootonly/" 'any(.[]; .type == "syscall" and .errno == "EACCES" and ((.path // "") | startswith($p)))'
jq -e 'all(.findings[]; .class != "permission")' "$T/search.json" >/dev/null ||
	fail "a PATH search's EACCES became a permission finding: $(jq -c '[.findings[] | select(.class == "permission") | .title]' "$T/search.json")"

echo "== a script run from a noexec tmpfs"
mkdir -p "$mnt"
mount -t tmpfs -o noexec,size=1m tmpfs "$mnt" || fail "cannot mount a tmpfs on $mnt"
printf '#!/bin/sh\necho built\n' >"$mnt/build.sh"
chmod 0755 "$mnt/build.sh"
fst_run "$T/noexec.jsonl.gz" -o "$T/noexec.json" --format json -- sh -c "$mnt/build.sh" </dev/null
[[ $RUN_RC -eq 126 ]] || fail "running $mnt/build.sh: exit $RUN_RC, expected 126"
check_recording "$T/noexec.jsonl.gz"
check_report_schema "$T/noexec.json"
note_findings "$T/noexec.json"
f=$(finding_of "$T/noexec.json" permission "$mnt/build.sh")
[[ $f != null ]] || fail "no permission finding for $mnt/build.sh"
jq -e --arg m "$mnt" '.cause == "noexec" and .syscall == "execve" and (.title | contains($m + " is mounted noexec"))' <<<"$f" >/dev/null ||
	fail "the finding for $mnt/build.sh is not noexec naming $mnt: $(jq -c '{cause, syscall, title}' <<<"$f")"

echo "== a write to an immutable file"
target=$T/imm-file
echo old >"$target"
if ! chattr +i "$target" 2>/dev/null; then
	note "chattr +i refused on $T's filesystem: a small loop ext4 instead"
	loopimg=$T/imm.img
	truncate -s 8M "$loopimg"
	mkfs.ext4 -q -F "$loopimg" || fail "mkfs.ext4 failed"
	mkdir -p "$imm_mnt"
	mount -o loop "$loopimg" "$imm_mnt" || fail "cannot mount $loopimg"
	target=$imm_mnt/locked-file
	echo old >"$target"
	chattr +i "$target" || fail "chattr +i $target failed"
fi
fst_run "$T/imm.jsonl.gz" -o "$T/imm.json" --format json -- sh -c 'echo new >"$1"' sh "$target" </dev/null
[[ $RUN_RC -ne 0 ]] || fail "writing the immutable $target succeeded"
chattr -i "$target"
check_recording "$T/imm.jsonl.gz"
check_report_schema "$T/imm.json"
note_findings "$T/imm.json"
f=$(finding_of "$T/imm.json" permission "$target")
[[ $f != null ]] || fail "no permission finding for $target"
jq -e '.cause == "immutable" and .errno == "EPERM" and (.title | contains("immutable"))' <<<"$f" >/dev/null ||
	fail "the finding for $target is not immutable/EPERM: $(jq -c '{cause, errno, title}' <<<"$f")"
echo "ok"
