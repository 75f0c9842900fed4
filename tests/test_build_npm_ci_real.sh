#!/usr/bin/env bash
# Issue 13, a real `npm ci` (scenario npm_ci_real): 467 packages from the npm registry, the
# lockfile in scripts/scenarios/data/npm_ci_real/, npm's cache kept between runs in
# /var/cache/fstrace-test/npm (NPM_CI_REAL_CACHE). The only test that needs the network; without
# the registry it fails at setup with one line. Target: npm ci succeeds, the run is analysed whole,
# nothing above low, nothing lost. About 15 s with a warm cache, 20-40 s cold.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/builds_lib.sh"

# shellcheck disable=SC2034 # read by fst_run_trigger
FST_RUN_TIMEOUT=150
build_setup npm_ci_real
build_trigger
[[ $RUN_RC -eq 0 ]] || fail "npm ci failed (exit $RUN_RC): $(grep -m 3 'npm error' "$BUILD_OUT" | tr '\n' ' ')"
added=$(sed -n 's/^added \([0-9]*\) packages.*/\1/p' "$BUILD_OUT")
[[ ${added:-0} -ge 400 ]] || fail "npm ci added ${added:-no} packages, not 400 or more"
note "npm ci added $added packages: $(jq '.events_total' "$BUILD_JSON") events in ${BUILD_WALL}s"

target_all_analysed
target_nothing_above_low
target_nothing_lost
build_verdict
