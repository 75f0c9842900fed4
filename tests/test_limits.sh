#!/usr/bin/env bash
# limit and cross_device: real EMFILE, ENAMETOOLONG, ELOOP and EXDEV, each a finding with its cause.
#  - python under `ulimit -n 20` opening files until it fails: one limit/open_files finding naming
#    the limit and the descriptors held, its traceback line linked, and no missing_path findings
#  - cat of a name of 300 bytes: limit/name_too_long
#  - cat of a symlink cycle (ln -s a b; ln -s b a): limit/symlink_loop with the chain
#  - node's fs.renameSync between two tmpfs mounts: cross_device naming both mounts
#  - a write to a binary while it runs (ETXTBSY) and rmdir of a mount point (EBUSY): busy, the
#    first naming the process running it, the second the mount
source "$(dirname "$0")/lib.sh"

m1=$T/vol1
m2=$T/vol2
m3=$T/busymnt
busy_pid=
cleanup() {
	local m
	[[ -n $busy_pid ]] && kill "$busy_pid" 2>/dev/null
	for m in "$m1" "$m2" "$m3"; do
		mountpoint -q "$m" 2>/dev/null && umount "$m"
	done
	true
}
fst_on_exit cleanup

finding_of() { # REPORT CLASS CAUSE
	jq -c --arg c "$2" --arg k "$3" '[.findings[] | select(.class == $c and .cause == $k)] | first' "$1"
}

echo "== EMFILE under ulimit -n 20"
command -v python3 >/dev/null || fail "python3 is not installed"
cat >"$T/many.py" <<'EOF'
import sys
held = [open("%s/f%d" % (sys.argv[1], i), "w") for i in range(100)]
EOF
mkdir "$T/files"
fst_run "$T/emfile.jsonl.gz" -o "$T/emfile.json" --format json -- \
	sh -c 'ulimit -n 20 && exec python3 "$1" "$2"' sh "$T/many.py" "$T/files" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "python under ulimit -n 20: exit $RUN_RC, expected 1"
check_recording "$T/emfile.jsonl.gz"
check_report_schema "$T/emfile.json"
note_findings "$T/emfile.json"
expect_rec "$T/emfile.jsonl.gz" "no limits state in the recording" \
	'any(.[]; .type == "state" and .syscall == "limits" and (.data | contains("nofile_soft=20")))'
f=$(finding_of "$T/emfile.json" limit open_files)
[[ $f != null ]] || fail "no limit/open_files finding"
jq -e '.errno == "EMFILE" and .comm == "python3" and (.title | contains("ulimit -n 20")) and
	any(.details[]; contains("descriptors"))' <<<"$f" >/dev/null ||
	fail "the open_files finding does not name the limit 20 and the descriptors held: $(jq -c '{errno, comm, title, details}' <<<"$f")"
jq -e 'any(.command_output[]; .line | contains("Too many open files"))' <<<"$f" >/dev/null ||
	fail "python's 'Too many open files' line is not linked to the finding"
jq -e '[.findings[] | select(.class == "limit")] | length == 1' "$T/emfile.json" >/dev/null ||
	fail "more than one limit finding for one process: $(jq -c '[.findings[] | .title]' "$T/emfile.json")"
jq -e 'all(.findings[]; .class != "missing_path")' "$T/emfile.json" >/dev/null ||
	fail "the EMFILE is drowned by missing_path findings: $(jq -c '[.findings[] | select(.class == "missing_path") | .path]' "$T/emfile.json")"

echo "== ENAMETOOLONG"
long=$T/$(printf 'n%.0s' $(seq 300))
fst_run "$T/long.jsonl.gz" -o "$T/long.json" --format json -- cat "$long" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "cat of a 300-byte name: exit $RUN_RC, expected 1"
check_recording "$T/long.jsonl.gz"
check_report_schema "$T/long.json"
note_findings "$T/long.json"
f=$(finding_of "$T/long.json" limit name_too_long)
[[ $f != null ]] || fail "no limit/name_too_long finding"
jq -e '.errno == "ENAMETOOLONG" and (.title | contains("300 bytes"))' <<<"$f" >/dev/null ||
	fail "the name_too_long finding does not say 300 bytes: $(jq -c '{errno, title}' <<<"$f")"

echo "== ELOOP"
ln -s "$T/loop-a" "$T/loop-b"
ln -s "$T/loop-b" "$T/loop-a"
fst_run "$T/loop.jsonl.gz" -o "$T/loop.json" --format json -- cat "$T/loop-a" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "cat of a symlink loop: exit $RUN_RC, expected 1"
check_recording "$T/loop.jsonl.gz"
check_report_schema "$T/loop.json"
note_findings "$T/loop.json"
f=$(finding_of "$T/loop.json" limit symlink_loop)
[[ $f != null ]] || fail "no limit/symlink_loop finding"
jq -e --arg a "$T/loop-a" --arg b "$T/loop-b" '.errno == "ELOOP" and .path == $a and
	any(.details[]; contains($a + " -> " + $b + " -> " + $a))' <<<"$f" >/dev/null ||
	fail "the symlink_loop finding does not give the chain a -> b -> a: $(jq -c '{errno, path, details}' <<<"$f")"
jq -e '.command_output | length >= 1' <<<"$f" >/dev/null || fail "cat's 'Too many levels of symbolic links' line is not linked"

echo "== EXDEV: node renameSync across two tmpfs mounts"
command -v node >/dev/null || fail "node is not installed"
mkdir -p "$m1" "$m2"
mount -t tmpfs -o size=1m fstcache "$m1" || fail "cannot mount a tmpfs on $m1"
mount -t tmpfs -o size=1m fstmodules "$m2" || fail "cannot mount a tmpfs on $m2"
echo pkg >"$m1/pkg.tgz"
fst_run "$T/exdev.jsonl.gz" -o "$T/exdev.json" --format json -- \
	node -e 'require("fs").renameSync(process.argv[1], process.argv[2])' "$m1/pkg.tgz" "$m2/pkg.tgz" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "node renameSync across mounts: exit $RUN_RC, expected 1"
check_recording "$T/exdev.jsonl.gz"
check_report_schema "$T/exdev.json"
note_findings "$T/exdev.json"
f=$(finding_of "$T/exdev.json" cross_device different_mounts)
[[ $f != null ]] || fail "no cross_device finding"
jq -e --arg a "$m1" --arg b "$m2" '.errno == "EXDEV" and (.title | contains($a + " (tmpfs fstcache)")) and
	(.title | contains($b + " (tmpfs fstmodules)"))' <<<"$f" >/dev/null ||
	fail "the cross_device finding does not name both mounts: $(jq -c '{errno, title}' <<<"$f")"
jq -e '.command_output | length >= 1' <<<"$f" >/dev/null || fail "node's EXDEV line is not linked to the finding"

echo "== ETXTBSY: writing a binary while it runs"
cp "$(command -v sleep)" "$T/busybin"
"$T/busybin" 30 &
busy_pid=$!
sleep 0.2
fst_run "$T/txt.jsonl.gz" -o "$T/txt.json" --format json -- sh -c 'echo x >"$1"' sh "$T/busybin" </dev/null
kill "$busy_pid" 2>/dev/null
wait "$busy_pid" 2>/dev/null || true
busy_pid=
[[ $RUN_RC -ne 0 ]] || fail "writing a running binary succeeded"
check_recording "$T/txt.jsonl.gz"
check_report_schema "$T/txt.json"
note_findings "$T/txt.json"
f=$(finding_of "$T/txt.json" busy text_busy)
[[ $f != null ]] || fail "no busy/text_busy finding"
jq -e --arg p "$T/busybin" '.errno == "ETXTBSY" and .path == $p' <<<"$f" >/dev/null ||
	fail "the text_busy finding is not ETXTBSY on $T/busybin: $(jq -c '{errno, path}' <<<"$f")"
jq -e 'any(.details[]; test("was running it"))' <<<"$f" >/dev/null ||
	fail "the text_busy finding does not name the process running the binary: $(jq -c '.details' <<<"$f")"

echo "== EBUSY: rmdir of a mount point"
mkdir -p "$m3"
mount -t tmpfs -o size=1m fstbusy "$m3" || fail "cannot mount a tmpfs on $m3"
fst_run "$T/ebusy.jsonl.gz" -o "$T/ebusy.json" --format json -- rmdir "$m3" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "rmdir of a mount point: exit $RUN_RC, expected 1"
check_recording "$T/ebusy.jsonl.gz"
check_report_schema "$T/ebusy.json"
note_findings "$T/ebusy.json"
f=$(finding_of "$T/ebusy.json" busy in_use)
[[ $f != null ]] || fail "no busy/in_use finding"
jq -e --arg m "$m3" '.errno == "EBUSY" and (.title | contains($m + " (tmpfs fstbusy)")) and (.command_output | length >= 1)' \
	<<<"$f" >/dev/null || fail "the in_use finding does not name the mount $m3 or link rmdir's line: $(jq -c '{errno, title}' <<<"$f")"
echo "ok"
