#!/usr/bin/env bash
# Issue 13, no race where there was none (scenario npm_install_then_cleanup): npm install of three
# local tarballs succeeds, then the same script runs rm -rf node_modules. npm's existence checks
# came before the rm was forked. Target: no race, nothing above low. No network.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/builds_lib.sh"

build_setup npm_install_then_cleanup
build_trigger
[[ $RUN_RC -eq 0 ]] || fail "npm install then cleanup failed (exit $RUN_RC): $(tail -n 3 "$BUILD_OUT" | tr '\n' ' ')"
[[ ! -e $BUILD_DIR/app/node_modules ]] || fail "node_modules is still there after the cleanup"
expect_rec "$BUILD_REC" "the recording has no removal by rm under node_modules" --arg m "$BUILD_DIR/app/node_modules" \
	'any(.[]; .type == "remove" and .comm == "rm" and ((.path // "") | startswith($m)))'

target "no enoent_race (found: $(jq -r '[.findings[] | select(.class == "enoent_race") | "\(.severity) \(.title[0:70])"] |
	join(", ") | if . == "" then "none" else . end' "$BUILD_JSON"))" 'all(.findings[]; .class != "enoent_race")'
target_nothing_above_low
target_all_analysed
build_verdict
