#!/usr/bin/env bash
# `fstrace record`: system-wide recording with a filter, stopped by SIGINT (as Ctrl-C would) or
# by --duration; either way the file ends with a trailer.
source "$(dirname "$0")/lib.sh"

id=$RANDOM$RANDOM
cname=fstq${id:0:10}      # comm is the executable's name, at most 15 characters
mine=/nonexistent/record-$id
theirs=/nonexistent/record-other-$id
ln -s "$(command -v cat)" "$T/$cname"
cleanup() { fst_kill_helpers "$T"; }
fst_on_exit cleanup

echo "== record --comm $cname, stopped by SIGINT"
rec=$T/rec.jsonl.gz
fst_start_recorder "$rec" --comm "$cname"
recorder=$RECORDER
sleep 0.3
for _ in $(seq 10); do
	"$T/$cname" "$mine" 2>/dev/null || true
	cat "$theirs" 2>/dev/null || true
	sleep 0.1
done

kill -INT "$recorder"
fst_wait_exit "$recorder" 15
rc=$WAIT_RC
[[ $rc -eq 0 ]] || fail "fstrace record exited $rc after SIGINT, expected 0: $(head -n 3 "$T/record.err")"
check_recording "$rec"
expect_rec "$rec" "no failing openat with comm $cname and path $mine" \
	--arg c "$cname" --arg p "$mine" \
	'any(.[]; .type == "syscall" and .comm == $c and .errno == "ENOENT" and .path == $p)'
expect_rec "$rec" "a failure of another comm ($theirs, by cat) is in the recording" \
	--arg id "record-other-$id" 'all(.[]; ((.path // "") | contains($id)) | not)'
expect_rec "$rec" "a syscall event of another comm than $cname is in the recording" \
	--arg c "$cname" 'all(.[]; .type != "syscall" or .comm == $c)'

echo "== record --duration 1"
rec=$T/duration.jsonl.gz
start=$SECONDS
rc=0
timeout -k 5 20 "$FSTRACE" record -o "$rec" --duration 1 --comm "$cname" </dev/null >/dev/null 2>"$T/duration.err" || rc=$?
[[ $rc -ne 124 ]] || fail "fstrace record --duration 1 still running after 20 s"
[[ $rc -eq 0 ]] || fail "fstrace record --duration 1 exited $rc: $(head -n 3 "$T/duration.err")"
[[ $((SECONDS - start)) -le 10 ]] || fail "fstrace record --duration 1 took $((SECONDS - start)) s"
check_recording "$rec"
echo "ok"
