# shellcheck shell=bash
# Sourced by every tests/test_*.sh. tests/run.sh gives each test TEST_DIR (a fresh directory under
# /tmp, swept after the test) and FSTRACE (the binary). A test prints what it does, and on the first
# failed check one line "FAIL: reason" (tests/run.sh shows it) followed by what helps to debug it.

set -euo pipefail

FST_PROG=${0##*/}
# shellcheck source=../scripts/scenarios/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/scenarios/lib.sh"
# shellcheck disable=SC2034 # SCENARIO and T are for the tests that source this file
SCENARIO=$FST_REPO/scripts/scenario.sh
FST_PROG_PREFIX=${FST_PROG_PREFIX:-fst_}

# shellcheck disable=SC2034
T=${TEST_DIR:?run the tests through tests/run.sh, which sets TEST_DIR}
FSTRACE=${FSTRACE:?run the tests through tests/run.sh, which sets FSTRACE}
FST_RUN_TIMEOUT=${FST_RUN_TIMEOUT:-60}
FST_REC=           # the recording the checks are about; dumped on failure
RUN_RC=0           # exit code of the last fst_run
exec {FST_LOG}>&1  # notes go to the log even where a test redirects stdout

# The checks' verdict. Anything after the FAIL line is context for a human.
fail() {
	echo "FAIL: $*"
	if [[ -n $FST_REC && -f $FST_REC ]]; then
		echo "--- recording $FST_REC: $(zcat "$FST_REC" 2>/dev/null | jq -s -c 'group_by(.type) |
			map({(.[0].type): length}) | add' 2>/dev/null)"
		echo "--- its events other than syscall and proc (at most 30):"
		zcat "$FST_REC" 2>/dev/null | jq -c 'select(.type | IN("syscall", "proc", "header", "trailer") | not) |
			del(.ts_ns, .cgroup_id, .mntns)' 2>/dev/null | head -n 30 || true
		echo "--- its last 30 syscall events:"
		zcat "$FST_REC" 2>/dev/null | jq -c 'select(.type == "syscall") | del(.ts_ns, .cgroup_id, .mntns)' 2>/dev/null |
			tail -n 30 || true
	fi
	exit 1
}

note() {
	echo "  $*" >&"$FST_LOG"
}

[[ -x $FSTRACE ]] || fail "no fstrace binary at $FSTRACE"

# fst_run RECORDING [RUN-OPTIONS...] -- CMD...: `fstrace run --record RECORDING ...`, bounded in
# time; its exit code lands in RUN_RC and never stops the test by itself.
fst_run() {
	local rec=$1
	shift
	FST_REC=$rec
	RUN_RC=0
	note "fstrace run --record ${rec##*/} $*"
	timeout -k 5 "$FST_RUN_TIMEOUT" "$FSTRACE" run --record "$rec" "$@" || RUN_RC=$?
	[[ $RUN_RC -ne 124 ]] || fail "fstrace run did not finish within ${FST_RUN_TIMEOUT}s"
}

# fst_run_trigger RECORDING NAME DIR: scenario NAME's trigger under fstrace run, in the quiet
# environment the demo uses too; FST_RUN_OPTS holds extra run options.
FST_RUN_OPTS=()
fst_run_trigger() {
	local rec=$1 name=$2 dir=$3
	FST_REC=$rec
	RUN_RC=0
	note "fstrace run --record ${rec##*/} -- scenario.sh trigger $name $dir"
	env "${FST_TRIGGER_ENV[@]}" timeout -k 5 "$FST_RUN_TIMEOUT" "$FSTRACE" run --record "$rec" "${FST_RUN_OPTS[@]}" -- \
		/bin/bash "$SCENARIO" trigger "$name" "$dir" || RUN_RC=$?
	[[ $RUN_RC -ne 124 ]] || fail "fstrace run did not finish within ${FST_RUN_TIMEOUT}s"
}

# zcat RECORDING | jq -s ARGS...: the whole recording as one array.
rec_jq() {
	local rec=$1
	shift
	zcat "$rec" | jq -s "$@"
}

# Pass when jq FILTER (over the recording as an array, with ARGS) yields true.
expect_rec() {
	local rec=$1 msg=$2
	shift 2
	rec_jq "$rec" -e "$@" >/dev/null || fail "$msg"
}

# The recording's frame: gzip, JSON on every line, a header first, a trailer last whose events
# count the lines between them.
check_recording() {
	local rec=$1 n
	FST_REC=$rec
	[[ -s $rec ]] || fail "no recording at $rec (fstrace exited $RUN_RC)"
	gzip -t "$rec" 2>/dev/null || fail "recording $rec is not a complete gzip file"
	zcat "$rec" | jq -e -s 'all(.[]; type == "object" and (.type | type == "string"))' >/dev/null 2>&1 ||
		fail "recording $rec has a line that is not a JSON object with a type"
	expect_rec "$rec" "recording does not start with a header line" '.[0].type == "header"'
	expect_rec "$rec" "recording does not end with a trailer line" '.[-1].type == "trailer"'
	n=$(zcat "$rec" | wc -l)
	expect_rec "$rec" "trailer.events is not the number of event lines ($((n - 2)))" \
		--argjson n "$((n - 2))" '.[-1].events == $n'
	# None of the tests comes near filling the ring buffer: a loss here is a bug.
	check_no_loss "$rec"
}

check_no_loss() {
	expect_rec "$1" "the trailer reports lost events (or has no lost field)" '.[-1].lost == 0'
}

# Ids of the fstrace BPF programs loaded now, one a line.
fst_bpf_progs() {
	bpftool -j prog show 2>/dev/null |
		jq -r --arg p "$FST_PROG_PREFIX" '.[] | select((.name // "") | startswith($p)) | .id'
}

# fstrace's BPF links attached now, "link ID prog ID" a line: a program may stay loaded only as
# long as a link holds it, so this and fst_bpf_progs together say nothing is left attached.
fst_bpf_links() {
	local progs
	progs=$(fst_bpf_progs | paste -sd, -)
	bpftool -j link show 2>/dev/null |
		jq -r --arg ids "$progs" '($ids | split(",")) as $p | .[] | select(.prog_id | tostring | IN($p[])) |
			"link \(.id) prog \(.prog_id)"'
}

# Fails unless the fstrace programs and links loaded now are those of BASELINE (fst_bpf_state
# taken before), after giving the kernel a moment to free a closed object's.
fst_bpf_state() {
	{ fst_bpf_progs | sed 's/^/prog /'; fst_bpf_links; } | sort
}
check_detached() {
	local baseline=$1 what=$2 left
	for _ in $(seq 30); do
		left=$(comm -13 <(echo "$baseline") <(fst_bpf_state))
		[[ -n $left ]] || return 0
		sleep 0.1
	done
	fail "$what: fstrace BPF objects still attached: $(echo "$left" | tr '\n' ' ')"
}

# fst_start_run [RUN-OPTIONS...] -- CMD...: `fstrace run` in the background with SIGINT not
# ignored (as a terminal starts it); its pid in RUNNER and $T/runner.pid (for cleanup), its
# stdout and stderr in $T/run.out and $T/run.err.
fst_start_run() {
	note "fstrace run $* &"
	(
		trap - INT
		exec "$FSTRACE" run "$@"
	) </dev/null >"$T/run.out" 2>"$T/run.err" &
	RUNNER=$!
	echo "$RUNNER" >"$T/runner.pid"
}

# fst_wait_exit PID SECONDS: waits for a background job; its exit code in WAIT_RC.
fst_wait_exit() {
	local pid=$1 secs=$2
	for _ in $(seq $((secs * 10))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "pid $pid (fstrace) still running after ${secs}s"
	WAIT_RC=0
	# shellcheck disable=SC2034 # for the tests that source this file
	wait "$pid" || WAIT_RC=$?
	rm -f "$T/runner.pid" "$T/recorder.pid"
}

# A JSON report that matches the "fstrace.report/1" schema (tests/report_schema.jq).
check_report_schema() {
	local report=$1 err
	[[ -s $report ]] || fail "no JSON report at $report (fstrace exited $RUN_RC)"
	err=$(jq -f "$FST_REPO/tests/report_schema.jq" "$report" 2>&1 >/dev/null) ||
		fail "${report##*/} does not match the report schema: $(sed -n '1,12p' <<<"$err" | sed 's/^jq: error ([^)]*): //' | tr '\n' ' ')"
}

# One line per finding of a JSON report, into the log: what a failed check is about.
note_findings() {
	note "findings of ${1##*/}: $(jq -c '[.findings[] | {class, cause, severity, path, count}]' "$1" 2>/dev/null)"
}

# fst_start_recorder RECORDING [RECORD-OPTIONS...]: `fstrace record -o RECORDING ...` in the
# background, returning once its programs are loaded (at most 10 s). Its pid is in RECORDER and
# $T/recorder.pid (for cleanup); its stderr in $T/record.err.
fst_start_recorder() {
	local rec=$1 before
	shift
	FST_REC=$rec
	before=$(fst_bpf_progs | sort)
	# A background job of a script starts with SIGINT ignored; undo that, as a terminal would have it.
	(
		trap - INT
		exec "$FSTRACE" record -o "$rec" "$@"
	) </dev/null >"$T/record.out" 2>"$T/record.err" &
	RECORDER=$!
	echo "$RECORDER" >"$T/recorder.pid"
	for _ in $(seq 100); do
		kill -0 "$RECORDER" 2>/dev/null || fail "fstrace record exited early: $(head -n 3 "$T/record.err")"
		[[ -z $(comm -13 <(echo "$before") <(fst_bpf_progs | sort)) ]] || return 0
		sleep 0.1
	done
	fail "fstrace record loaded no programs within 10 s"
}
