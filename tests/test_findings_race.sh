#!/usr/bin/env bash
# Seed: npm's TAR_ENTRY_ERROR ENOENT, caused by another process removing the tree being extracted.
# The report must say so as a finding: class enoent_race, naming the deleter's `rm` (a child of the
# deleter loop started outside `fstrace run`) as the actor, with the removed path being the failing
# path or an ancestor of it, and must not also call that path simply "not found" (missing_path).
source "$(dirname "$0")/lib.sh"

S=$T/scn
rec=$T/rec.jsonl.gz
report=$T/report.json
cleanup() { "$SCENARIO" cleanup racing_deleter "$S" || true; }
fst_on_exit cleanup

mkdir -p "$S"
"$SCENARIO" setup racing_deleter "$S"
deleter=$(<"$S/deleter.pid")
kill -0 "$deleter" 2>/dev/null || fail "the deleter (pid $deleter) is not running"
note "deleter pid $deleter (its rm -rf children do the removals)"

FST_RUN_OPTS=(--format json -o "$report")
fst_run_trigger "$rec" racing_deleter "$S"
[[ $RUN_RC -ne 0 ]] || fail "the extraction never met ENOENT (fstrace run exited 0)"
[[ $RUN_RC -lt 125 ]] || fail "fstrace run exited $RUN_RC, not the trigger's exit code"
kill -0 "$deleter" 2>/dev/null || fail "the deleter died during the run"
check_recording "$rec"
check_report_schema "$report"
note_findings "$report"

w=$S/work/d
races=$(jq -c --arg w "$w" '[.findings[] | select(.class == "enoent_race" and ((.path // "") | startswith($w + "/") or . == $w))]' "$report")
[[ $(jq length <<<"$races") -gt 0 ]] || fail "no enoent_race finding for a path under $w (the extractor's ENOENT)"
note "races: $(jq -c '[.[] | {path, syscall, errno, actor}]' <<<"$races")"

# The finding that blames the deleter: its actor is rm, a child of the deleter loop (or the loop
# itself), as the removal event in the evidence shows; it removed the failing path or an ancestor.
blamed=$(jq -c --argjson d "$deleter" '[.[] | . as $f
	| select(.actor.comm == "rm")
	| select(any(.evidence[]; .type == "remove" and .pid == $f.actor.pid and (.pid == $d or .ppid == $d)))
	| select($f.actor.path == $f.path or ($f.path | startswith($f.actor.path + "/")))] | first' <<<"$races")
if [[ $blamed == null ]]; then
	jq -e 'any(.[]; .actor.comm == "rm")' <<<"$races" >/dev/null ||
		fail "no enoent_race finding names rm as the actor: $(jq -c '[.[].actor]' <<<"$races")"
	jq -e --argjson d "$deleter" 'any(.[]; . as $f | any(.evidence[]; .type == "remove" and .pid == $f.actor.pid
		and (.pid == $d or .ppid == $d)))' <<<"$races" >/dev/null ||
		fail "no enoent_race finding whose actor's removal event (in evidence) is by the deleter $deleter or its child"
	fail "no enoent_race finding whose actor path is the failing path or an ancestor of it: $(jq -c '[.[] | {path, actor: .actor.path}]' <<<"$races")"
fi
failing=$(jq -r .path <<<"$blamed")
note "blamed: $(jq -c '{path, syscall, errno, actor}' <<<"$blamed")"
jq -e '.errno == "ENOENT" and .count >= 1 and .severity != "low"' <<<"$blamed" >/dev/null ||
	fail "the enoent_race finding has errno $(jq -c .errno <<<"$blamed"), count $(jq -c .count <<<"$blamed"), severity $(jq -c .severity <<<"$blamed")"
jq -e --arg p "$failing" 'any(.evidence[]; .type == "syscall" and .errno == "ENOENT" and .path == $p)' <<<"$blamed" >/dev/null ||
	fail "the enoent_race finding's evidence lacks the failing call on $failing"
expect_rec "$rec" "the actor's removal is not in the recording as a remove event by that pid" \
	--argjson a "$(jq -c .actor <<<"$blamed")" 'any(.[]; .type == "remove" and .pid == $a.pid and .path == $a.path)'
# The actor names its parent: the deleter loop, which outlives the rm it forks each round.
jq -e --argjson d "$deleter" '.actor.pid == $d or .actor.ppid == $d' <<<"$blamed" >/dev/null ||
	fail "the actor is pid $(jq .actor.pid <<<"$blamed") with ppid $(jq .actor.ppid <<<"$blamed"): neither is the deleter $deleter"

# No false "not found": the race explains the failing path, so missing_path must not claim it.
jq -e --arg p "$failing" 'all(.findings[]; .class != "missing_path" or .path != $p)' "$report" >/dev/null ||
	fail "a missing_path finding for $failing, which the deleter removed (a false 'not found')"
jq -e --arg w "$w" 'all(.findings[]; .class != "missing_path" or ((.path // "") | startswith($w) | not))' "$report" >/dev/null ||
	fail "a missing_path finding under $w, where every ENOENT is the deleter's doing: $(jq -c --arg w "$w" '[.findings[] | select(.class == "missing_path" and (.path | startswith($w))) | .path]' "$report")"

# The report read back from the recording says the same.
"$FSTRACE" report --format json "$rec" >"$T/file.json" || fail "fstrace report --format json failed"
diff <(jq -S . "$report") <(jq -S . "$T/file.json") >&"$FST_LOG" ||
	fail "the report from the recording differs from the live run's"
echo "ok"
