#!/usr/bin/env bash
# fstrace inside a pid namespace, as in every container: the kernel names tasks by their host
# pids, fstrace and the user by the namespace's. `run` must trace its command there, keep itself
# out, and report the pids the user sees with the host's beside them; `record --pid` takes the
# namespace's pid. Real namespaces from unshare(1): with their own /proc (a container's), two
# levels deep, and with the host's /proc left mounted. A racing deleter on the host is named as
# a host process; the nested overlay is diagnosed from inside.
source "$(dirname "$0")/lib.sh"

scenario=
cleanup() {
	fst_kill_helpers "$T"
	if [[ -n $scenario ]]; then "$SCENARIO" cleanup "$scenario" "$T/$scenario" || true; fi
}
fst_on_exit cleanup

# in_pidns REC LEVELS PROC [RUN-OPTIONS...] -- CMD...: fstrace run in LEVELS nested pid
# namespaces, each with its own /proc when PROC is "own"; its exit code in RUN_RC.
in_pidns() {
	local rec=$1 levels=$2 proc=$3 wrap=() i
	shift 3
	for ((i = 0; i < levels; i++)); do
		wrap+=(unshare --pid --fork)
		[[ $proc != own ]] || wrap+=(--mount-proc)
	done
	FST_REC=$rec
	RUN_RC=0
	note "${wrap[*]} fstrace run --record ${rec##*/} $*"
	env "${FST_TRIGGER_ENV[@]}" timeout -k 5 "$FST_RUN_TIMEOUT" "${wrap[@]}" "$FSTRACE" run --record "$rec" "$@" ||
		RUN_RC=$?
	[[ $RUN_RC -ne 124 ]] || fail "fstrace run did not finish within ${FST_RUN_TIMEOUT}s"
}

# The command's failure is traced, with a namespace pid unlike the host's, and the report names it
# "pid V (host H)"; fstrace itself (pid 1 there: unshare --fork execs it) made no event.
check_missing() {
	local rec=$1 level=$2 what=$3 ev vpid pid
	[[ $RUN_RC -eq 3 ]] || fail "$what: fstrace run exited $RUN_RC, not the command's 3"
	check_recording "$rec"
	expect_rec "$rec" "$what: the header does not say pid namespace level $level" \
		--arg l "level $level," '.[0].attach.pidns | startswith($l)'
	ev=$(rec_jq "$rec" -c '[.[] | select(.type == "syscall" and .path == "/nonexistent/pidns-probe")] | first')
	[[ $ev != null ]] || fail "$what: the command's openat ENOENT /nonexistent/pidns-probe was not traced"
	vpid=$(jq -r '.vpid' <<<"$ev")
	pid=$(jq -r '.pid' <<<"$ev")
	note "$what: event $ev"
	[[ $vpid =~ ^[0-9]+$ && $vpid -gt 1 && $vpid -ne $pid ]] ||
		fail "$what: the event's vpid ($vpid) is not a namespace pid apart from the host's ($pid)"
	expect_rec "$rec" "$what: an event of fstrace's own process (pid 1 in the namespace)" \
		'all(.[]; ((.type | IN("syscall", "remove", "rename", "mount")) | not) or .vpid != 1)'
	"$FSTRACE" report "$rec" >"$T/report.txt" 2>&1 || true
	grep -q "pid $vpid (host $pid) cat" "$T/report.txt" ||
		fail "$what: the text report does not name 'pid $vpid (host $pid) cat': $(grep failed: "$T/report.txt")"
	"$FSTRACE" report --format json "$rec" | jq -e --argjson v "$vpid" --argjson p "$pid" \
		'any(.findings[]; .pid == $p and .vpid == $v)' >/dev/null ||
		fail "$what: no JSON finding with pid $pid and vpid $vpid"
}

echo "== run in a pid namespace with its own /proc (a container's)"
in_pidns "$T/own.jsonl.gz" 1 own -- sh -c 'cat /nonexistent/pidns-probe; exit 3'
check_missing "$T/own.jsonl.gz" 1 "own /proc"

echo "== run two pid namespaces deep"
in_pidns "$T/deep.jsonl.gz" 2 own -- sh -c 'cat /nonexistent/pidns-probe; exit 3'
check_missing "$T/deep.jsonl.gz" 2 "two levels"

echo "== run in a pid namespace that still shows the host's /proc"
in_pidns "$T/hostproc.jsonl.gz" 1 host -- sh -c 'cat /nonexistent/pidns-probe; exit 3'
check_missing "$T/hostproc.jsonl.gz" 1 "host /proc"

# scenario_in_pidns NAME: scenario NAME set up on the host, its trigger run under fstrace in a pid
# namespace with its own /proc; the recording in $T/NAME.jsonl.gz, the JSON report in $T/NAME.json.
scenario_in_pidns() {
	scenario=$1
	mkdir -p "$T/$scenario"
	"$SCENARIO" setup "$scenario" "$T/$scenario"
	in_pidns "$T/$scenario.jsonl.gz" 1 own -o "$T/$scenario.json" --format json -- \
		/bin/bash "$SCENARIO" trigger "$scenario" "$T/$scenario"
	check_recording "$T/$scenario.jsonl.gz"
}

echo "== the nested overlay, from inside (the layers are looked up through the namespace's /proc)"
scenario_in_pidns nested_overlay
[[ $RUN_RC -ne 0 && $RUN_RC -lt 125 ]] || fail "nested overlay: fstrace run exited $RUN_RC"
jq -e '[.findings[] | select(.class == "overlay_mount")] | length == 1 and
	(.[0] | .cause == "nested_overlay" and .vpid > 0 and .vpid != .pid and
	 any(.evidence[]; .type == "layer" and .data == "upperdir" and .fstype == "overlay"))' \
	"$T/nested_overlay.json" >/dev/null ||
	fail "nested overlay: no overlay_mount finding with cause nested_overlay, a namespace pid and the upperdir on overlay"
"$SCENARIO" cleanup "$scenario" "$T/$scenario"
scenario=

echo "== a deleter on the host, a failure inside: the actor is a host process"
scenario_in_pidns racing_deleter
jq -e 'any(.findings[]; .class == "enoent_race" and .vpid > 0 and .actor.vpid == 0 and .actor.pid > 0)' \
	"$T/racing_deleter.json" >/dev/null ||
	fail "racing deleter: no enoent_race finding whose failure has a namespace pid and whose actor is outside (vpid 0)"
"$FSTRACE" report "$T/racing_deleter.jsonl.gz" 2>&1 | grep -q "actor: host pid [0-9]* (rm" ||
	fail "racing deleter: the text report does not name the actor as 'host pid N (rm'"
"$SCENARIO" cleanup "$scenario" "$T/$scenario"
scenario=

echo "== record --pid with the namespace's pid"
cat >"$T/record.sh" <<EOF
sh -c 'while :; do cat /nonexistent/pidns-record 2>/dev/null; sleep 0.05; done' &
p=\$!
echo "\$p" >"$T/record.vpid"
"$FSTRACE" record --pid "\$p" -o "$T/record.jsonl.gz" --duration 1 2>"$T/record.err"
rc=\$?
kill "\$p"
exit \$rc
EOF
RUN_RC=0
timeout -k 5 "$FST_RUN_TIMEOUT" unshare --pid --fork --mount-proc bash "$T/record.sh" || RUN_RC=$?
[[ $RUN_RC -eq 0 ]] || fail "record --pid in a pid namespace exited $RUN_RC: $(cat "$T/record.err")"
check_recording "$T/record.jsonl.gz"
# The loop's children are traced: their vppid is the loop's namespace pid.
expect_rec "$T/record.jsonl.gz" "record --pid: no failure of the loop's cat children, named by their namespace pids" \
	--argjson p "$(cat "$T/record.vpid")" \
	'any(.[]; .type == "syscall" and .path == "/nonexistent/pidns-record" and .vppid == $p and .vpid != .pid)'
RUN_RC=0
unshare --pid --fork --mount-proc "$FSTRACE" record --pid 4242 -o "$T/nopid.jsonl.gz" --duration 1 \
	>"$T/nopid.out" 2>&1 || RUN_RC=$?
[[ $RUN_RC -ne 0 && $(wc -l <"$T/nopid.out") -eq 1 ]] ||
	fail "record --pid of a pid not in the namespace: exit $RUN_RC, output: $(cat "$T/nopid.out")"
echo "ok"
