#!/usr/bin/env bash
# `run` traces the command and every descendant, and nothing else: a grandchild's failure is in the
# recording, a concurrent unrelated process's identical failure is not.
source "$(dirname "$0")/lib.sh"

rec=$T/rec.jsonl.gz
id=$$-$RANDOM
mine=/nonexistent/grandchild-$id
theirs=/nonexistent/unrelated-$id
cleanup() { fst_kill_helpers "$T"; }
fst_on_exit cleanup

# Started outside fstrace run, and bounded by itself.
bash -c 'end=$((SECONDS + 60)); while ((SECONDS < end)); do cat "$1" 2>/dev/null; sleep 0.01; done' \
	unrelated "$theirs" </dev/null >/dev/null 2>&1 &
echo $! >"$T/unrelated.pid"
sleep 0.2

# The sleep keeps the traced tree alive while the unrelated loop fails a few dozen times.
fst_run "$rec" -- sh -c "sh -c 'sleep 0.5; cat $mine'"
[[ $RUN_RC -eq 1 ]] || fail "fstrace run exited $RUN_RC, expected cat's 1"
kill -0 "$(<"$T/unrelated.pid")" 2>/dev/null || fail "the unrelated loop was not running during the run"
check_recording "$rec"

expect_rec "$rec" "no openat event with errno ENOENT and path $mine (the grandchild's failure)" \
	--arg p "$mine" 'any(.[]; .type == "syscall" and (.syscall | IN("openat", "open", "openat2"))
		and .errno == "ENOENT" and .path == $p)'
expect_rec "$rec" "the grandchild's event has no comm cat" \
	--arg p "$mine" 'any(.[]; .type == "syscall" and .path == $p and .comm == "cat")'
expect_rec "$rec" "the unrelated process's failure ($theirs) is in the recording" \
	--arg id "unrelated-$id" 'all(.[]; ((.path // "") | contains($id)) | not)'
echo "ok"
