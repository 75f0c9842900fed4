#!/usr/bin/env bash
# Seed: "npm warn tar TAR_ENTRY_ERROR ENOENT" with real npm and node-tar, while a cleanup loop
# started outside fstrace removes node_modules/bigpkg/lib. The report must name the cleanup's rm
# as the actor, quote npm's own warning beside the finding, and never call it a missing path.
source "$(dirname "$0")/lib.sh"

command -v npm >/dev/null || fail "npm is not installed (the seed needs real npm)"
S=$T/scn
rec=$T/rec.jsonl.gz
report=$T/report.json
cleanup() { "$SCENARIO" cleanup npm_race "$S" || true; }
fst_on_exit cleanup

mkdir -p "$S"
"$SCENARIO" setup npm_race "$S"
deleter=$(<"$S/deleter.pid")
FST_RUN_OPTS=(-o "$report" --format json)
# The race is real, so it can miss: on a loaded machine the deleter may not hit npm's extraction
# window. Each try is a fresh install; three misses in a row mean the scenario is broken.
for try in 1 2 3; do
	rm -rf "$S/app/node_modules" "$S/app/package-lock.json" "$S/npm-cache"
	fst_run_trigger "$rec" npm_race "$S"
	[[ $RUN_RC -ne 0 ]] && break
	note "try $try: npm did not warn TAR_ENTRY_ERROR; trying again"
done
[[ $RUN_RC -eq 1 ]] || fail "npm did not warn TAR_ENTRY_ERROR in 3 tries (trigger exited $RUN_RC)"
check_recording "$rec"
jq -e -f "$FST_REPO/tests/report_schema.jq" "$report" >/dev/null 2>"$T/schema.err" ||
	fail "the JSON report does not match the schema: $(head -n 3 "$T/schema.err")"

lib=$S/app/node_modules/bigpkg/lib
race=$(jq -c --arg lib "$lib" '[.findings[] | select(.class == "enoent_race")] | first' "$report")
[[ $race != null ]] || fail "no enoent_race finding"
note "race: $(jq -c '{title, actor, count}' <<<"$race")"
jq -e --arg lib "$lib" '.actor.comm == "rm" and (.actor.path == $lib or (.actor.path | startswith($lib)))' \
	<<<"$race" >/dev/null || fail "the actor is not the cleanup's rm of $lib"
# The actor's own removal event is in the evidence, and it is a child of the deleter loop.
jq -e --argjson d "$deleter" '.actor.pid as $a | any(.evidence[]; .type == "remove" and .pid == $a and .ppid == $d)' \
	<<<"$race" >/dev/null || fail "the actor's removal (a child of deleter $deleter) is not in the evidence"
jq -e '.path | test("/node_modules/bigpkg/lib")' <<<"$race" >/dev/null || fail "the failing path is not under bigpkg/lib"
jq -e '.command_output | length > 0 and all(.[]; .line | contains("TAR_ENTRY_ERROR ENOENT")) and
	any(.[]; .syscall == "open" and (.first_failed_syscall | type == "string"))' <<<"$race" >/dev/null ||
	fail "npm's TAR_ENTRY_ERROR lines are not linked to the race, with the call that failed first"
plain=$(jq -c --arg lib "$lib" '[.findings[] | select(.class == "missing_path" and ((.path // "") | startswith($lib)))
	| {path, count, first: .evidence[0]}]' "$report")
[[ $plain == "[]" ]] || fail "a path the cleanup removed is reported as a plain missing path: $plain"
jq -e 'all(.findings[]; .class != "fs_corruption")' "$report" >/dev/null || fail "a race was blamed on corruption"
echo "ok"
