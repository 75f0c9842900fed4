#!/usr/bin/env bash
# Node mode (`record --dir`): recordings rotate on time and on SIGHUP, each gets its reports, the
# oldest go past the disk budget, and a recorder killed with SIGKILL leaves a readable file whose
# report the next start writes.
source "$(dirname "$0")/lib.sh"

id=$RANDOM$RANDOM
cname=fstn${id:0:10}
dir=$T/node
ln -s "$(command -v cat)" "$T/$cname"
cleanup() { fst_kill_helpers "$T"; }
fst_on_exit cleanup

fail_some() { # n failing calls from the filtered command
	for _ in $(seq "$1"); do "$T/$cname" "/nonexistent/node-$id" 2>/dev/null || true; done
}

recordings() { find "$dir" -name 'fstrace-*.jsonl.gz' | sort; }

echo "== rotation on time and on SIGHUP, reports beside each recording"
(
	trap - INT HUP
	exec "$FSTRACE" record --dir "$dir" --comm "$cname" --rotate-time 1.5 --max-disk 100
) </dev/null >"$T/record.out" 2>"$T/record.err" &
rec_pid=$!
echo "$rec_pid" >"$T/recorder.pid"
for _ in $(seq 100); do [[ -n $(recordings) ]] && break; sleep 0.1; done
sleep 0.5
fail_some 3
sleep 2 # a rotation on time
fail_some 3
kill -HUP "$rec_pid"
sleep 0.5
fail_some 3
kill -INT "$rec_pid"
wait "$rec_pid" || fail "fstrace record --dir exited non-zero: $(head -n 3 "$T/record.err")"
rm -f "$T/recorder.pid"
mapfile -t files < <(recordings)
note "recordings: ${#files[@]}"
[[ ${#files[@]} -ge 3 ]] || fail "expected at least 3 recordings (time and SIGHUP rotations), found ${#files[@]}"
total=0
for f in "${files[@]}"; do
	gzip -t "$f" || fail "$f is not a complete gzip file"
	zcat "$f" | tail -n 1 | jq -e '.type == "trailer" and .lost == 0' >/dev/null || fail "$f has no trailer"
	[[ -s ${f%.jsonl.gz}.report.txt && -s ${f%.jsonl.gz}.report.json ]] || fail "no reports beside $f"
	jq -e -f "$FST_REPO/tests/report_schema.jq" "${f%.jsonl.gz}.report.json" >/dev/null ||
		fail "${f%.jsonl.gz}.report.json does not match the report schema"
	[[ $(stat -c %a "$f") == 600 ]] || fail "$f is not mode 0600"
	n=$(zcat "$f" | jq -s --arg p "/nonexistent/node-$id" '[.[] | select(.type == "syscall" and .path == $p)] | length')
	total=$((total + n))
done
[[ $total -eq 9 ]] || fail "the 9 failing calls are spread over the recordings $total times, not 9"

echo "== SIGKILL: the last file stays readable, the next start writes its report"
rm -rf "$dir"
"$FSTRACE" record --dir "$dir" --comm "$cname" </dev/null >/dev/null 2>&1 &
rec_pid=$!
echo "$rec_pid" >"$T/recorder.pid"
for _ in $(seq 100); do [[ -n $(recordings) ]] && break; sleep 0.1; done
sleep 0.5
fail_some 2
sleep 1.5 # one flush
kill -KILL "$rec_pid"
wait "$rec_pid" 2>/dev/null || true
rm -f "$T/recorder.pid"
killed=$(recordings | head -n 1)
[[ ! -e ${killed%.jsonl.gz}.report.txt ]] || fail "a killed recorder cannot have written its report"
rc=0
"$FSTRACE" report "$killed" >"$T/killed.txt" 2>"$T/killed.err" || rc=$?
[[ $rc -eq 1 ]] || fail "fstrace report of the killed recording exited $rc, expected 1 (a report, but of a file cut short)"
grep -q "cut short" "$T/killed.txt" || fail "the report does not say the recording was cut short"
{ [[ $(wc -l <"$T/killed.err") -eq 1 ]] && grep -q "cut short after [0-9]* events" "$T/killed.err"; } ||
	fail "fstrace report did not say in one line that the file was cut short: $(head -n 3 "$T/killed.err")"
"$FSTRACE" record --dir "$dir" --comm "$cname" --duration 0.5 2>/dev/null || fail "restart failed"
[[ -s ${killed%.jsonl.gz}.report.txt ]] || fail "the restart did not write the killed recording's report"

echo "== the disk budget removes the oldest"
"$FSTRACE" record --dir "$dir" --comm "$cname" --duration 0.5 --max-disk 0 2>/dev/null ||
	fail "record with a tiny budget failed"
mapfile -t files < <(recordings)
[[ ${#files[@]} -eq 1 ]] || fail "with a budget of 0 only the current recording may stay, found ${#files[@]}"
echo "ok"
