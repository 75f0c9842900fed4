#!/usr/bin/env bash
# Issue 13, a failure storm (scenario failure_storm): one process fails 300,000 calls on distinct
# paths as fast as it can and says how many failed. Checked: recorded + lost = issued (an event
# standing for several calls, once the kernel aggregates repeats, counts as its "count"), nothing
# lost at the default ring size (once the collector falls behind, the kernel counts the storm's
# misses by process instead of sending each: "under_load"), nothing above low, all analysed.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/builds_lib.sh"

build_setup failure_storm
build_trigger
[[ $RUN_RC -eq 0 ]] || fail "the storm failed (exit $RUN_RC): $(tail -n 3 "$BUILD_OUT" | tr '\n' ' ')"
issued=$(sed -n 's/^storm: .* total=\([0-9]*\) failed.*/\1/p' "$BUILD_OUT")
[[ -n $issued ]] || fail "the storm did not say how many calls failed: $(head -n 3 "$BUILD_OUT" | tr '\n' ' ')"
# Streamed, not slurped: 300k lines.
recorded=$(zcat "$BUILD_REC" | jq -r --arg p "$BUILD_DIR/absent/" \
	'select(.type == "syscall" and ((.path // "") | startswith($p))) | (.count // 1)' | awk '{ n += $1 } END { print n + 0 }')
lost=$(zcat "$BUILD_REC" | tail -n 1 | jq '.lost')
note "storm: issued $issued, recorded $recorded, lost $lost"
# Never more than issued, whatever the ring did: more would be invented or doubled events.
[[ $recorded -le $issued ]] || fail "recorded $recorded of the storm's calls, more than the $issued it made"
[[ $((recorded + lost)) -ge $issued ]] || fail "recorded $recorded + lost $lost < issued $issued: calls vanished uncounted"

target_nothing_lost
target_nothing_above_low
target_all_analysed
build_verdict
