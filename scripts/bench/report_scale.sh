#!/usr/bin/env bash
# The report at scale: `fstrace report` of a recording of BENCH_REPORT_EVENTS events (default 10M,
# BENCH_QUICK=1: 1M), grown from the real late_race recording (report_scale.py), timed with its
# peak RSS, and checked for the late race the real run ended with. Targets: at most 64 MiB RSS, at
# least 1M events/s, the race found with its actor. Prints a small table; the recording is cached
# in build/bench/ (it takes a minute to make). No root needed.
#
#   FSTRACE=build/fstrace scripts/bench/report_scale.sh
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FSTRACE=${FSTRACE:-$REPO/build/fstrace}
[[ ${BENCH_QUICK:-0} == 1 ]] && EVENTS=${BENCH_REPORT_EVENTS:-1000000} || EVENTS=${BENCH_REPORT_EVENTS:-10000000}
SRC=$REPO/tests/golden/late_race/recording.jsonl.gz
DIR=$REPO/build/bench
REC=$DIR/report-$EVENTS.jsonl.gz
MAX_RSS_KB=$((64 * 1024))
MIN_RATE=1000000

[[ -x $FSTRACE ]] || { echo "report_scale: no fstrace binary at $FSTRACE (run make)" >&2; exit 1; }
mkdir -p "$DIR"
if [[ ! -s $REC || $REC -ot $SRC ]]; then
	echo "report_scale: making a $EVENTS-event recording from ${SRC#"$REPO"/} (once)" >&2
	python3 "$REPO/scripts/bench/report_scale.py" "$SRC" "$EVENTS" "$REC.tmp" >/dev/null
	mv "$REC.tmp" "$REC"
fi

out=$DIR/report-$EVENTS.json
time_file=$DIR/report-$EVENTS.time
/usr/bin/time -f "%e %M" -o "$time_file" "$FSTRACE" report --format json "$REC" >"$out"
read -r secs rss_kb <"$time_file"
total=$(jq '.events_total' "$out")
rate=$(awk -v n="$total" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
race=$(jq -r '[.findings[] | select(.class == "enoent_race")] | first | if . then "\(.severity), actor \(.actor.comm)" else "not found" end' "$out")
summed=$(jq '.summed_up.calls' "$out")
unanalysed=$(jq '.events_not_analysed' "$out")

verdict() { if [[ $1 == 1 ]]; then echo PASS; else echo MISS; fi; }
printf '| %-28s | %-22s | %-14s | %s |\n' "report of $total events" "measured" "target" "verdict"
printf '|------------------------------|------------------------|----------------|---------|\n'
printf '| %-28s | %-22s | %-14s | %s |\n' "peak RSS" "$((rss_kb / 1024)) MiB" "<= 64 MiB" "$(verdict $((rss_kb <= MAX_RSS_KB)))"
printf '| %-28s | %-22s | %-14s | %s |\n' "rate" "$rate events/s ($secs s)" ">= 1M events/s" "$(verdict $((rate >= MIN_RATE)))"
printf '| %-28s | %-22s | %-14s | %s |\n' "the late race" "$race" "high, actor rm" "$(verdict "$([[ $race == "high, actor rm" ]] && echo 1 || echo 0)")"
printf '| %-28s | %-22s | %-14s | %s |\n' "summed up / not analysed" "$summed / $unanalysed" "- / 0" "$(verdict $((unanalysed == 0)))"
