#!/usr/bin/env bash
# Issue 13, a failure that is not a filesystem one (scenario npm_bad_json): npm install on a
# package.json with a syntax error fails EJSONPARSE. Target: no finding above low, and a line
# saying that no filesystem failure explains the failure. No network (--offline).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/builds_lib.sh"

build_setup npm_bad_json
build_trigger
[[ $RUN_RC -ne 0 ]] || fail "npm install on a broken package.json succeeded"
grep -q EJSONPARSE "$BUILD_OUT" || fail "npm did not fail EJSONPARSE: $(head -n 3 "$BUILD_OUT" | tr '\n' ' ')"

target_nothing_above_low
target_no_fs_cause_line
target_all_analysed
build_verdict
