#!/usr/bin/env bash
# Issue 13, a failure that is not a filesystem one (scenario npm_offline_cold): npm ci --offline
# of the 467-package lockfile with an empty cache fails ENOTCACHED. Target: no finding above low,
# and a line saying that no filesystem failure explains the failure. No network.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/builds_lib.sh"

build_setup npm_offline_cold
build_trigger
[[ $RUN_RC -ne 0 ]] || fail "npm ci --offline with an empty cache succeeded"
grep -q ENOTCACHED "$BUILD_OUT" || fail "npm did not fail ENOTCACHED: $(head -n 3 "$BUILD_OUT" | tr '\n' ' ')"

target_nothing_above_low
target_no_fs_cause_line
target_all_analysed
build_verdict
