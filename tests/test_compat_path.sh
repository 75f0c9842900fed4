#!/usr/bin/env bash
# The compatible programs (bpf/, FST_COMPAT: for kernels without bpf_loop, 5.10-5.16) on this
# kernel, forced with --compat, so that `make test` covers both paths and not only `make
# test-kernel`: the recording's header says which path and walk were used, and what each path
# changed still works for real: a relative path resolved by the unrolled directory walk, the
# traced tree (preallocated where the kernel needs it), repeats counted through scalar-argument
# global functions, record --cgroup without the ancestor cgroup helper, and a seed scenario
# diagnosed end to end. Nothing stays attached.
source "$(dirname "$0")/lib.sh"

id=$$-$RANDOM
cg=$(findmnt -n -t cgroup2 -o TARGET | head -n 1)
[[ -n $cg && -w $cg/cgroup.procs ]] || fail "no writable cgroup v2 mount (findmnt -t cgroup2)"
group=$cg/fstrace-test-compat-$id.slice
leaf=$group/job-$id.scope
scenario=
cleanup() {
	local d pid
	fst_kill_helpers "$T"
	if [[ -n $scenario ]]; then "$SCENARIO" cleanup "$scenario" "$T/$scenario" || true; fi
	for d in "$leaf" "$group"; do
		[[ -d $d ]] || continue
		while read -r pid; do echo "$pid" >"$cg/cgroup.procs" 2>/dev/null || true; done <"$d/cgroup.procs"
		rmdir "$d" 2>/dev/null || echo "cleanup: cannot remove $d" >&2
	done
}
fst_on_exit cleanup
baseline=$(fst_bpf_state)

# mode REC HOOK: the attach mode the recording's header gives HOOK.
mode() {
	zcat "$1" | head -n 1 | jq -r --arg h "$2" '.attach[$h] // "none"'
}

echo "== the header says which path: default, --compat, FSTRACE_COMPAT=1"
fst_run "$T/default.jsonl.gz" -- true
[[ $RUN_RC -eq 0 ]] || fail "run -- true exited $RUN_RC"
default_walk=$(mode "$T/default.jsonl.gz" dirwalk)
note "default: path $(mode "$T/default.jsonl.gz" path), dirwalk $default_walk"
[[ $(mode "$T/default.jsonl.gz" path) == default || $(mode "$T/default.jsonl.gz" path) == compatible* ]] ||
	fail "the header's attach.path is '$(mode "$T/default.jsonl.gz" path)'"
fst_run "$T/forced.jsonl.gz" --compat -- true
[[ $(mode "$T/forced.jsonl.gz" path) == "compatible (forced by --compat)" ]] ||
	fail "run --compat: the header's attach.path is '$(mode "$T/forced.jsonl.gz" path)'"
[[ $(mode "$T/forced.jsonl.gz" dirwalk) == unrolled ]] ||
	fail "run --compat: the header's attach.dirwalk is '$(mode "$T/forced.jsonl.gz" dirwalk)', expected unrolled"
[[ $(mode "$T/forced.jsonl.gz" cgroup_filter) == "cgroup ancestors read"* ]] ||
	fail "run --compat: the header's attach.cgroup_filter is '$(mode "$T/forced.jsonl.gz" cgroup_filter)'"
[[ $(mode "$T/forced.jsonl.gz" traced_map) != none ]] || fail "run --compat: no attach.traced_map in the header"
FST_REC=$T/env.jsonl.gz
FSTRACE_COMPAT=1 timeout -k 5 60 "$FSTRACE" run --record "$T/env.jsonl.gz" -- true || fail "FSTRACE_COMPAT=1 run -- true failed"
[[ $(mode "$T/env.jsonl.gz" path) == "compatible (forced by FSTRACE_COMPAT=1)" ]] ||
	fail "FSTRACE_COMPAT=1: the header's attach.path is '$(mode "$T/env.jsonl.gz" path)'"
check_detached "$baseline" "after the runs"

echo "== --compat: a relative path resolved in the kernel by the unrolled walk, 30 levels deep"
deep=$(realpath "$T")/deep
for i in $(seq 30); do deep=$deep/d$i; done
mkdir -p "$deep"
rec=$T/relative.jsonl.gz
fst_run "$rec" --compat -- sh -c "cd $deep && cat missing-file"
[[ $RUN_RC -eq 1 ]] || fail "run --compat -- cat missing-file: exit $RUN_RC, expected 1"
check_recording "$rec"
expect_rec "$rec" "no failing openat with path $deep/missing-file (the walk did not resolve the cwd)" \
	--arg p "$deep/missing-file" 'any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == $p)'

echo "== --compat: the traced tree (a grandchild in, an unrelated process out)"
bash -c 'end=$((SECONDS + 30)); while ((SECONDS < end)); do cat "$1" 2>/dev/null; sleep 0.01; done' \
	unrelated "/nonexistent/compat-unrelated-$id" </dev/null >/dev/null 2>&1 &
echo $! >"$T/unrelated.pid"
rec=$T/tree.jsonl.gz
fst_run "$rec" --compat -- sh -c "sh -c 'sleep 0.3; cat /nonexistent/compat-grandchild-$id'"
[[ $RUN_RC -eq 1 ]] || fail "run --compat (grandchild): exit $RUN_RC, expected 1"
check_recording "$rec"
expect_rec "$rec" "the grandchild's failure is not in the recording" \
	--arg p "/nonexistent/compat-grandchild-$id" 'any(.[]; .type == "syscall" and .path == $p and .comm == "cat")'
expect_rec "$rec" "the unrelated process's failure is in the recording" \
	--arg p "/nonexistent/compat-unrelated-$id" 'all(.[]; .path != $p)'
fst_kill_helpers "$T"

echo "== --compat: one process failing the same open 300 times is folded, every call counted"
path=/nonexistent/compat-repeat-$id
rec=$T/repeat.jsonl.gz
fst_run "$rec" --compat -- bash -c 'for i in $(seq 300); do : <"$1"; done 2>/dev/null; exit 1' bash "$path"
check_recording "$rec"
n=$(rec_jq "$rec" --arg p "$path" '[.[] | select(.type == "syscall" and .path == $p)] | length')
got=$(rec_jq "$rec" --arg p "$path" '[.[] | select(.type == "syscall" and .path == $p) | (.count // 1)] | add // 0')
note "300 calls: $n records, counts summing to $got"
[[ $got -eq 300 ]] || fail "the records of $path stand for $got calls, the shell made 300"
[[ $n -lt 300 ]] || fail "$n records for 300 repeats: nothing was folded"

echo "== record --compat --cgroup: the filter without the ancestor cgroup helper"
mkdir -p "$leaf"
rec=$T/cgroup.jsonl.gz
fst_start_recorder "$rec" --compat --cgroup "$group"
sleep 0.3
sh -c 'echo $$ >"$1/cgroup.procs" && exec cat "$2"' sh "$leaf" "/nonexistent/compat-in-$id" 2>/dev/null || true
cat "/nonexistent/compat-out-$id" 2>/dev/null || true
sleep 0.3
kill -INT "$RECORDER" 2>/dev/null || fail "fstrace record --compat --cgroup ended early: $(head -n 3 "$T/record.err")"
wait "$RECORDER" || fail "fstrace record --compat --cgroup exited $?: $(head -n 3 "$T/record.err")"
rm -f "$T/recorder.pid"
check_recording "$rec"
expect_rec "$rec" "the failure in a child cgroup of $group is not in the recording" \
	--arg p "/nonexistent/compat-in-$id" 'any(.[]; .type == "syscall" and .path == $p)'
expect_rec "$rec" "the failure outside $group is in the recording" \
	--arg p "/nonexistent/compat-out-$id" 'all(.[]; .path != $p)'

echo "== --compat: the nested overlay, diagnosed end to end"
scenario=nested_overlay
mkdir -p "$T/$scenario"
"$SCENARIO" setup "$scenario" "$T/$scenario"
rec=$T/$scenario.jsonl.gz
FST_RUN_OPTS=(--compat -o "$T/$scenario.json" --format json)
fst_run_trigger "$rec" "$scenario" "$T/$scenario"
[[ $RUN_RC -ne 0 ]] || fail "$scenario: the trigger succeeded under --compat"
check_recording "$rec"
"$SCENARIO" caught "$scenario" "$T/$scenario" "$rec" || fail "$scenario: the recording does not show the fault"
check_report_schema "$T/$scenario.json"
read -r class cause < <("$SCENARIO" finding "$scenario")
jq -e --arg c "$class" --arg k "$cause" 'any(.findings[]; .class == $c and (.cause | startswith($k)))' \
	"$T/$scenario.json" >/dev/null || { note_findings "$T/$scenario.json"; fail "$scenario: no $class/$cause finding under --compat"; }

check_detached "$baseline" "after the --compat runs"
echo "ok"
