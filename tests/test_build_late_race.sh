#!/usr/bin/env bash
# Issue 13, a late failure after a build's worth of misses (scenario late_race): 200,000 routine
# misses, then `cat` of a file a concurrent rm -rf (outside fstrace) removed; the script exits 1.
# Target: an enoent_race finding naming that rm as the actor, the whole run analysed; what was lost
# at the default ring size is noted as a figure.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/builds_lib.sh"

build_setup late_race
deleter=$(<"$BUILD_DIR/deleter.pid")
build_trigger
[[ $RUN_RC -eq 1 ]] || fail "the script did not exit 1 (exit $RUN_RC): $(tail -n 3 "$BUILD_OUT" | tr '\n' ' ')"
grep -q "misses: 200000 failed" "$BUILD_OUT" || fail "the helper did not make 200000 misses: $(head -n 3 "$BUILD_OUT" | tr '\n' ' ')"
grep -q "gen/config.h: No such file or directory" "$BUILD_OUT" || fail "cat did not fail ENOENT on gen/config.h"

f=$BUILD_DIR/gen/config.h
target "an enoent_race finding on $f whose actor is the deleter's rm (a child of pid $deleter)" \
	--arg f "$f" --arg g "${f%/*}" --argjson d "$deleter" '
	any(.findings[]; .class == "enoent_race" and .path == $f and .actor.comm == "rm" and
		(.actor.path == $f or .actor.path == $g) and
		(.actor.pid as $a | any(.evidence[]; .type == "remove" and .pid == $a and .ppid == $d)))'
target "the race is the top finding, high or above" --arg f "$f" \
	'(.findings[0] // {}) | .class == "enoent_race" and .path == $f and (.severity | IN("high", "critical"))'
target_all_analysed
target_nothing_lost
build_verdict
