#!/usr/bin/env bash
# Signals, for real: SIGTERM and SIGINT sent to `fstrace run` are passed to the command (which
# dies of them, or handles them and finishes), fstrace records until the command exits, then
# writes a complete recording and its report and exits as the command did. A signal before the
# command started: it is never run, the files are still complete; so too when the command's
# process, forked early, is killed while it waits for the attach. The command killed by
# SIGKILL from outside: 137, as a shell says. Its stdout into a pipe whose reader leaves: SIGPIPE
# for the command, 141, not for fstrace. `fstrace record` stopped by SIGTERM (test_record
# does SIGINT). fstrace itself killed by SIGKILL. After each, no fstrace program or link is left.
# shellcheck disable=SC2034 # FST_REC is read by lib.sh's fail(), to show the recording
source "$(dirname "$0")/lib.sh"

id=$RANDOM$RANDOM
cleanup() { fst_kill_helpers "$T"; }
fst_on_exit cleanup
baseline=$(fst_bpf_state)

# Waits (at most 10 s) for FILE, which the traced command writes once it runs.
wait_for_file() {
	for _ in $(seq 100); do
		[[ -s $1 ]] && return 0
		kill -0 "$RUNNER" 2>/dev/null || fail "fstrace exited before the command wrote $1: $(head -n 3 "$T/run.err")"
		sleep 0.1
	done
	fail "the command never wrote $1 (did it start?)"
}

# fstrace run (RUNNER, recording to FST_REC) ends within 15 s with CODE, its recording complete
# and REPORT saying so; WHEN says what happened, for the failure message.
expect_run_end() {
	local code=$1 report=$2 when=$3
	fst_wait_exit "$RUNNER" 15
	[[ $WAIT_RC -eq $code ]] || fail "fstrace run exited $WAIT_RC $when, expected $code: $(head -n 3 "$T/run.err")"
	check_run_recording "$FST_REC" "$code"
	grep -q "exited $code" "$report" || fail "no complete report $when: $(head -n 1 "$report")"
}

# Until FILE exists (run creates its report file just before it forks and attaches), busy: the
# attach takes ~10 ms, less than $(seq 100000) alone takes to expand.
await_file() {
	local i=0
	while [[ ! -e $1 ]] && ((i++ < 1000000)); do :; done
}

# The recording is complete, its trailer and the command's own exit event say CODE.
check_run_recording() {
	local rec=$1 code=$2
	check_recording "$rec"
	expect_rec "$rec" "the trailer's exit_code is not $code" --argjson c "$code" '.[-1].exit_code == $c'
}

for sig in TERM INT; do
	want=$((128 + $(kill -l "$sig")))
	echo "== SIG$sig to fstrace run: passed to the command, which dies of it: $want"
	rec=$T/$sig.jsonl.gz
	FST_REC=$rec
	fst_start_run --record "$rec" -o "$T/$sig.report" -- sh -c "echo \$\$ >'$T/$sig-cmd.pid'; exec sleep 60"
	wait_for_file "$T/$sig-cmd.pid"
	cmd_pid=$(<"$T/$sig-cmd.pid")
	kill -"$sig" "$RUNNER"
	fst_wait_exit "$RUNNER" 15
	[[ $WAIT_RC -eq $want ]] || fail "fstrace run exited $WAIT_RC after SIG$sig, expected $want: $(head -n 3 "$T/run.err")"
	kill -0 "$cmd_pid" 2>/dev/null && fail "the command (pid $cmd_pid) outlived fstrace: SIG$sig was not passed on"
	[[ ! -s $T/run.err ]] || fail "fstrace printed on stderr with -o: $(head -n 3 "$T/run.err")"
	check_run_recording "$rec" "$want"
	expect_rec "$rec" "no exit event of the command (pid $cmd_pid) with status $want" \
		--argjson p "$cmd_pid" --argjson c "$want" \
		'any(.[]; .type == "proc" and .syscall == "exit" and .pid == $p and .ret == $c)'
	grep -q "exited $want" "$T/$sig.report" || fail "the report does not say the command exited $want: $(head -n 1 "$T/$sig.report")"
	check_detached "$baseline" "after SIG$sig to fstrace run"
done

echo "== SIGTERM to fstrace run, the command handles it and finishes its work: its exit code"
rec=$T/handled.jsonl.gz
FST_REC=$rec
after=/nonexistent/after-term-$id
fst_start_run --record "$rec" -o "$T/handled.report" -- sh -c \
	"trap 'cat $after; echo handled >\"$T/handled\"; exit 7' TERM; echo \$\$ >'$T/handled-cmd.pid'
	 while :; do sleep 0.1; done"
wait_for_file "$T/handled-cmd.pid"
kill -TERM "$RUNNER"
fst_wait_exit "$RUNNER" 15
[[ $WAIT_RC -eq 7 ]] || fail "fstrace run exited $WAIT_RC, expected the command's own 7 after it handled SIGTERM"
[[ -s $T/handled ]] || fail "the command's SIGTERM handler never ran"
check_run_recording "$rec" 7
# Recorded after the signal: fstrace went on recording until the command was done.
expect_rec "$rec" "the handler's failing cat of $after (after the signal) is not in the recording" \
	--arg p "$after" 'any(.[]; .type == "syscall" and .path == $p and .errno == "ENOENT")'
check_detached "$baseline" "after SIGTERM to fstrace run (handled)"

echo "== the command killed by SIGKILL from outside: 137, the report on stderr, a complete recording"
rec=$T/killed.jsonl.gz
FST_REC=$rec
fst_start_run --record "$rec" -- sh -c "echo \$\$ >'$T/killed-cmd.pid'; exec sleep 60"
wait_for_file "$T/killed-cmd.pid"
kill -KILL "$(<"$T/killed-cmd.pid")"
fst_wait_exit "$RUNNER" 15
[[ $WAIT_RC -eq 137 ]] || fail "fstrace run exited $WAIT_RC when its command was SIGKILLed, expected 137"
grep -q "exited 137" "$T/run.err" || fail "no report on stderr saying the command exited 137: $(head -n 3 "$T/run.err")"
check_run_recording "$rec" 137
check_detached "$baseline" "after the command's SIGKILL"

echo "== SIGTERM while run waits to open -o FIFO (before anything is attached): not run, one line"
mkfifo "$T/report.fifo"
fst_start_run --record "$T/fifo.jsonl.gz" -o "$T/report.fifo" -- touch "$T/fifo-ran"
# Blocked in openat (257 on x86-64) of the FIFO, which has no reader.
for _ in $(seq 100); do
	[[ $(cut -d' ' -f1 "/proc/$RUNNER/syscall" 2>/dev/null) == 257 ]] && break
	sleep 0.05
done
[[ $(cut -d' ' -f1 "/proc/$RUNNER/syscall" 2>/dev/null) == 257 ]] || fail "fstrace run never blocked opening the FIFO"
kill -TERM "$RUNNER"
fst_wait_exit "$RUNNER" 10
[[ $WAIT_RC -eq 143 ]] || fail "fstrace run exited $WAIT_RC after SIGTERM before the command started, expected 143"
if [[ $(wc -l <"$T/run.err") -ne 1 ]] || ! grep -q "^fstrace: SIGTERM before touch started: it was not run$" "$T/run.err"; then
	fail "expected one line saying the command was not run: $(head -n 3 "$T/run.err" | cat -v)"
fi
[[ ! -e $T/fifo-ran && ! -e $T/fifo.jsonl.gz ]] || fail "the command ran, or a recording was started, after SIGTERM"
check_detached "$baseline" "after SIGTERM before the command started"

echo "== SIGTERM while run attaches: the run stops, the recording and report are complete"
rec=$T/attach.jsonl.gz
FST_REC=$rec
fst_start_run --record "$rec" -o "$T/attach.report" -- sh -c "touch '$T/attach-ran'; exec sleep 60"
# Stopped as soon as the report file exists (created just before the fork and the attach), the
# signal lands in the attach, or at the latest while the command waits for the go-ahead.
await_file "$T/attach.report"
kill -STOP "$RUNNER"
kill -TERM "$RUNNER"
kill -CONT "$RUNNER"
expect_run_end 143 "$T/attach.report" "after SIGTERM during attach"
# Where the signal lands depends on how far the attach got before SIGSTOP: before the go-ahead
# (the command is not started, one line says so; or, in the moment the go-ahead is sent, the
# signal passed on kills the waiting process first, and one line says that), or after it (passed
# on to the command, which dies of it, and that exit is recorded).
if grep -Eq "^fstrace: SIGTERM (before sh|killed sh before it) started: it was not run$" "$T/run.err"; then
	[[ ! -e $T/attach-ran ]] || fail "fstrace said the command was not run, but it ran"
	note "the signal landed before the go-ahead: $(cat "$T/run.err")"
else
	expect_rec "$rec" "the signal was not honoured before the go-ahead, yet the command did not die of it" \
		'any(.[]; .type == "proc" and .syscall == "exit" and .ret == 143)'
	note "the signal landed after the go-ahead, and was passed on to the command$([[ -e $T/attach-ran ]] || echo ' (before its exec)')"
fi
check_detached "$baseline" "after SIGTERM during attach"

echo "== the command's process killed while it waits for the attach: not run, 137, one line, complete files"
# fstrace forks the command's process before it loads its programs (the fork overlaps the attach);
# that process waits for the go-ahead. Killed then, fstrace must say so and finish its files,
# not die of SIGPIPE when it sends the go-ahead. Stopped as soon as the report file exists (just
# before the fork), fstrace is held while its waiting child is killed.
rec=$T/waiting.jsonl.gz
FST_REC=$rec
landed=
for attempt in 1 2 3; do
	rm -f "$rec" "$T/waiting.report" "$T/waiting-ran"
	fst_start_run --record "$rec" -o "$T/waiting.report" -- sh -c "touch '$T/waiting-ran'; exec sleep 60"
	await_file "$T/waiting.report"
	waiter=
	for _ in $(seq 1000); do
		kill -STOP "$RUNNER"
		read -r waiter _ <"/proc/$RUNNER/task/$RUNNER/children" || true
		[[ -n $waiter ]] && break
		kill -CONT "$RUNNER"
	done
	[[ -n $waiter ]] || fail "fstrace run never had a child to kill"
	kill -KILL "$waiter"
	# Dead before fstrace goes on: a zombie has closed its end of the go-ahead socket. On a busy
	# machine the killed process could otherwise still be alive to take the go-ahead.
	for _ in $(seq 1000); do
		[[ $(awk '{ print $3 }' "/proc/$waiter/stat" 2>/dev/null) == Z ]] && break
		sleep 0.01
	done
	kill -CONT "$RUNNER"
	expect_run_end 137 "$T/waiting.report" "when its command's process was SIGKILLed"
	if grep -q "^fstrace: SIGKILL killed sh before it started: it was not run$" "$T/run.err"; then
		[[ $(wc -l <"$T/run.err") -eq 1 ]] || fail "expected one line on stderr: $(head -n 3 "$T/run.err")"
		[[ ! -e $T/waiting-ran ]] || fail "fstrace said the command was not run, but it ran"
		landed=1
		break
	fi
	note "attempt $attempt: the kill came after the go-ahead (the command was killed as it ran): $(head -n 1 "$T/run.err")"
done
[[ -n $landed ]] || fail "in 3 attempts the kill never reached the command's process while it waited"
check_detached "$baseline" "after the command's process was killed while it waited"

echo "== stdout into a pipe whose reader leaves (| head -n 1): the command gets SIGPIPE, as without fstrace"
# fstrace relays the command's output; when head has gone, the command must find the pipe broken
# (141, as a shell says), and fstrace must not die of SIGPIPE itself: the recording and report
# are complete.
rec=$T/pipe.jsonl.gz
FST_REC=$rec
note "fstrace run --record pipe.jsonl.gz -o pipe.report -- seq 1 5000000 | head -n 1"
{
	rc=0
	timeout -k 5 60 "$FSTRACE" run --record "$rec" -o "$T/pipe.report" -- seq 1 5000000 </dev/null 2>"$T/run.err" || rc=$?
	echo "$rc" >"$T/pipe.rc"
} | head -n 1 >"$T/pipe.head" || true
[[ $(<"$T/pipe.head") == 1 ]] || fail "head did not read seq's first line through fstrace: '$(<"$T/pipe.head")'"
[[ $(<"$T/pipe.rc") -eq 141 ]] || fail "fstrace run under | head -n 1 exited $(<"$T/pipe.rc"), expected seq's SIGPIPE, 141: $(head -n 3 "$T/run.err")"
check_run_recording "$rec" 141
grep -q "exited 141" "$T/pipe.report" || fail "no complete report: '$(head -n 1 "$T/pipe.report")'"
[[ ! -s $T/run.err ]] || fail "fstrace printed on stderr with -o: $(head -n 3 "$T/run.err")"
check_detached "$baseline" "after the command's SIGPIPE"

echo "== SIGTERM to fstrace record while failures are recorded: every one of them in a complete file"
cname=fsts${id:0:10}
ln -s "$(command -v cat)" "$T/$cname"
rec=$T/record.jsonl.gz
fst_start_recorder "$rec" --comm "$cname"
recorder=$RECORDER
for i in $(seq 20); do "$T/$cname" "/nonexistent/signals-$id/$i" 2>/dev/null || true; done
kill -TERM "$recorder"
fst_wait_exit "$recorder" 15
[[ $WAIT_RC -eq 0 ]] || fail "fstrace record exited $WAIT_RC after SIGTERM, expected 0: $(head -n 3 "$T/record.err")"
check_recording "$rec"
n=$(rec_jq "$rec" --arg p "/nonexistent/signals-$id/" '[.[] | select(.type == "syscall" and ((.path // "") | startswith($p)))] | length')
[[ $n -eq 20 ]] || fail "$n of the 20 failing calls made before SIGTERM are in the recording"
check_detached "$baseline" "after SIGTERM to fstrace record"

echo "== fstrace run itself killed by SIGKILL: the kernel detaches everything; the file reads to its last flush"
rec=$T/sigkill.jsonl.gz
FST_REC=$rec
fst_start_run --record "$rec" -o "$T/sigkill.report" -- sh -c "echo \$\$ >'$T/sigkill-cmd.pid'; exec sleep 60"
wait_for_file "$T/sigkill-cmd.pid"
sleep 1.2 # one flush
kill -KILL "$RUNNER"
fst_wait_exit "$RUNNER" 10
check_detached "$baseline" "after SIGKILL to fstrace run"
kill -TERM "$(<"$T/sigkill-cmd.pid")" 2>/dev/null || true # nothing is left to pass it on
rc=0
"$FSTRACE" report "$rec" >"$T/sigkill.txt" 2>"$T/sigkill.err" || rc=$?
if [[ $rc -ne 1 ]] || ! grep -q "cut short" "$T/sigkill.err"; then
	fail "report of a SIGKILLed run's recording: exit $rc, $(head -n 2 "$T/sigkill.err")"
fi
echo "ok"
