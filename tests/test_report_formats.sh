#!/usr/bin/env bash
# The report's formats, on a recording of a real fault (the nested overlay mount, the quickest):
# Markdown is a ticket (title, summary table, a section per finding with its remedy); JSON matches
# the documented schema "fstrace.report/1" (tests/report_schema.jq); the live `run -o X --format
# json` and `report --format json` of its recording are the same report.
source "$(dirname "$0")/lib.sh"

S=$T/scn
rec=$T/rec.jsonl.gz
cleanup() { "$SCENARIO" cleanup nested_overlay "$S" || true; }
fst_on_exit cleanup

mkdir -p "$S"
"$SCENARIO" setup nested_overlay "$S"
FST_RUN_OPTS=(-o "$T/live.json" --format json)
fst_run_trigger "$rec" nested_overlay "$S"
[[ $RUN_RC -ne 0 && $RUN_RC -lt 125 ]] || fail "fstrace run exited $RUN_RC, expected the failing mount's exit code"
check_recording "$rec"
"$SCENARIO" cleanup nested_overlay "$S" # the reports below read only the recording

echo "== json"
check_report_schema "$T/live.json"
"$FSTRACE" report --format json "$rec" >"$T/file.json" || fail "fstrace report --format json failed"
check_report_schema "$T/file.json"
note_findings "$T/file.json"
diff <(jq -S . "$T/live.json") <(jq -S . "$T/file.json") >&"$FST_LOG" ||
	fail "run -o --format json and report --format json of its recording differ (diff in the log)"
jq -e --arg c "/bin/bash $SCENARIO trigger nested_overlay $S" \
	'.mode == "run" and .command == $c and .exit_code == 1 and .truncated == false and .events_lost == 0' \
	"$T/file.json" >/dev/null ||
	fail "the report's frame is $(jq -c '{mode, command, exit_code, truncated, events_lost}' "$T/file.json")"
jq -e --argjson n "$(rec_jq "$rec" '.[-1].events')" '.events_total == $n' "$T/file.json" >/dev/null ||
	fail "events_total is $(jq .events_total "$T/file.json"), the trailer says $(rec_jq "$rec" '.[-1].events')"
jq -e '[.findings[] | select(.class == "overlay_mount" and .cause == "nested_overlay")] | length == 1' "$T/file.json" >/dev/null ||
	fail "not exactly one overlay_mount finding with cause nested_overlay"
# Every evidence event is one of the recording's own lines.
rec_jq "$rec" -c '[.[] | select(.type != "header" and .type != "trailer")]' >"$T/events.json"
jq -e --slurpfile ev "$T/events.json" 'all(.findings[].evidence[]; . as $e | any($ev[0][]; . == $e))' "$T/file.json" >/dev/null ||
	fail "an evidence event of the report is not an event of the recording"

# The schema check itself must refuse what is wrong, or the checks above prove nothing.
schema_rejects() {
	local what=$1 filter=$2
	jq "$filter" "$T/file.json" >"$T/bad.json"
	if jq -f "$FST_REPO/tests/report_schema.jq" "$T/bad.json" >/dev/null 2>&1; then
		fail "tests/report_schema.jq accepts a report with $what"
	fi
}
schema_rejects "another schema name" '.schema = "fstrace.report/2"'
schema_rejects "no findings key" 'del(.findings)'
schema_rejects "no routine_misses.expected_errors" 'del(.routine_misses.expected_errors)'
schema_rejects "an unknown class" '.findings[0].class = "bad_luck"'
schema_rejects "a cause of another class" '.findings[0].cause = "removed"'
schema_rejects "an unknown severity" '.findings[0].severity = "urgent"'
schema_rejects "a string count" '.findings[0].count = "1"'
schema_rejects "an evidence event without ts_ns" 'del(.findings[0].evidence[0].ts_ns)'
schema_rejects "an evidence event of an unknown type" '.findings[0].evidence[0].type = "gossip"'
schema_rejects "a device without dev" '.findings[0].device = {"name": "loop0"}'
schema_rejects "an actor with a string pid" '.findings[0].actor = {"pid": "1", "comm": "rm", "syscall": "unlinkat", "path": "/x", "type": "remove", "delta_ms": 1}'
schema_rejects "a notes entry that is not a string" '.notes = [1]'

echo "== md"
"$FSTRACE" report --format md "$rec" >"$T/report.md" || fail "fstrace report --format md failed"
[[ $(head -c 11 "$T/report.md") == "# fstrace: " ]] ||
	fail "the Markdown report does not start with '# fstrace: ': $(head -n 1 "$T/report.md")"
grep -qE '^\| *1 *\|.*\| *overlay_mount *\|' "$T/report.md" ||
	fail "the Markdown report has no summary table row with overlay_mount: $(grep '^|' "$T/report.md" | head -n 3 | tr '\n' ' ')"
grep -qE '^\|[- |]+\|$' "$T/report.md" || fail "the Markdown summary table has no header separator row"
grep -q '^## 1\. ' "$T/report.md" || fail "the Markdown report has no '## 1.' section"
# The first finding's section: from "## 1." up to the next "## " heading.
sed -n '/^## 1\. /,/^## [0-9]/p' "$T/report.md" >"$T/section1.md"
grep -q 'Remedy' "$T/section1.md" || fail "the Markdown section '## 1.' has no Remedy"
grep -q 'not supported as upperdir' "$T/section1.md" || fail "the Markdown section '## 1.' does not quote the kernel's reason"
remedy=$(jq -r '.findings[0].remedy' "$T/file.json")
grep -qF "$remedy" "$T/section1.md" || fail "the Markdown section's remedy is not the JSON finding's remedy"

echo "== text"
"$FSTRACE" report "$rec" >"$T/report.txt" || fail "fstrace report (text) failed"
grep -q overlay_mount "$T/report.txt" || fail "the text report does not name the overlay_mount finding"
echo "ok"
