#!/usr/bin/env bash
# Seed: npm's extraction fails TAR_ENTRY_ERROR ENOENT. The extractor's ENOENT alone does not say
# who is at fault: the recording must also hold the successful removal, by a process that fstrace
# does not trace (the deleter is started outside `fstrace run`), of the failing path or an ancestor.
source "$(dirname "$0")/lib.sh"

S=$T/scn
rec=$T/rec.jsonl.gz
cleanup() { "$SCENARIO" cleanup racing_deleter "$S" || true; }
fst_on_exit cleanup

mkdir -p "$S"
"$SCENARIO" setup racing_deleter "$S"
deleter=$(<"$S/deleter.pid")
kill -0 "$deleter" 2>/dev/null || fail "the deleter (pid $deleter) is not running"
note "deleter pid $deleter (its rm -rf children do the removals)"

fst_run_trigger "$rec" racing_deleter "$S"
[[ $RUN_RC -ne 0 ]] || fail "the extraction never met ENOENT (fstrace run exited 0)"
[[ $RUN_RC -lt 125 ]] || fail "fstrace run exited $RUN_RC, not the trigger's exit code"
kill -0 "$deleter" 2>/dev/null || fail "the deleter died during the run"
check_recording "$rec"

w=$S/work/d
failing=$(rec_jq "$rec" -c --arg w "$w" '
	[.[] | select(.type == "syscall" and .errno == "ENOENT" and ((.path // "") | startswith($w)))]')
[[ $(jq length <<<"$failing") -gt 0 ]] ||
	fail "no syscall event with errno ENOENT and a path under $w (the extractor's failure)"
note "failing: $(jq -c '[.[] | {comm, syscall, path}]' <<<"$failing")"
jq -e --argjson d "$deleter" 'all(.[]; .pid != $d)' <<<"$failing" >/dev/null ||
	fail "an ENOENT event is attributed to the deleter, which is not traced"

# A removal explains a failure when it removed the failing path itself or one of its ancestors.
expect_rec "$rec" "no remove event (rmdir/unlinkat/unlink) by the deleter (pid $deleter or its child) of a failing path or an ancestor" \
	--argjson d "$deleter" --argjson f "$failing" '
	[.[] | select(.type == "remove" and (.syscall | IN("rmdir", "unlinkat", "unlink"))
		and (.pid == $d or .ppid == $d))] as $removed
	| any($f[]; .path as $p | any($removed[]; .path as $r | $p == $r or ($p | startswith($r + "/"))))'
note "removals: $(rec_jq "$rec" -c --argjson d "$deleter" \
	'[.[] | select(.type == "remove" and (.pid == $d or .ppid == $d)) | {pid, comm, syscall, path}] | .[:4]')"
echo "ok"
