#!/usr/bin/env bash
# What node mode's live findings cost the collector: `fstrace record --dir --metrics` under a failure
# storm (scripts/bench/storm.c, distinct paths, so the window's table of failing calls grows to its
# bound and each diagnosis walks all of it). Prints the recorder's CPU time and the part of it the
# live diagnoses took, from the recorder's own metrics (fstrace_cpu_seconds_total,
# fstrace_live_diagnosis_cpu_seconds_total), per second of wall time.
#
#   sudo scripts/bench/live_cost.sh [SECONDS=60] [RATE=5000 failing calls/s, 0: as fast as it can] [ERRNO=ENOENT]
# ERRNO ENOTDIR makes the storm's paths go through a regular file: failures that can make a live
# finding, so the window is diagnosed again and again (the worst case); ENOENT: plain misses.
set -euo pipefail
secs=${1:-60}
rate=${2:-5000}
errno=${3:-ENOENT}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fstrace=${FSTRACE:-$repo/build/fstrace}
work=$(mktemp -d /tmp/fstrace-livecost.XXXXXX)
rec=''
storm=''
# storm forks its processes: they go first, by their parent's pid, then storm itself.
stop_storm() { [[ -z $storm ]] || { pkill -TERM -P "$storm" 2>/dev/null; kill "$storm" 2>/dev/null; wait "$storm" 2>/dev/null; storm=; }; }
trap 'stop_storm; kill $rec 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

cc -O2 -o "$work/livestorm" "$here/storm.c"
"$fstrace" record --dir "$work/dir" --metrics "$work/fstrace.prom" --comm livestorm --rotate-time 3600 \
	--rotate-size 1024 --max-disk 4096 >"$work/live.out" 2>"$work/record.err" &
rec=$!
sleep 1
prefix=/nonexistent/livecost
[[ $errno == ENOENT ]] || { touch "$work/file"; prefix=$work/file/livecost; }
args=(--procs 2 --count 1000000000 --prefix "$prefix")
((rate == 0)) || args+=(--rate "$rate")
"$work/livestorm" "${args[@]}" >"$work/storm.out" &
storm=$!
sleep "$secs"
stop_storm || true
kill -INT "$rec"
wait "$rec" || true
rec=
metric() { awk -v n="$1" '$1 == n { print $2 }' "$work/fstrace.prom"; }
calls=$(awk '$1 ~ /^fstrace_failing_calls_total/ { s += $2 } END { print s }' "$work/fstrace.prom")
cpu=$(metric fstrace_cpu_seconds_total)
live=$(metric fstrace_live_diagnosis_cpu_seconds_total)
n=$(metric fstrace_live_diagnoses_total)
lost=$(awk '$1 ~ /^fstrace_events_lost_total/ { s += $2 } END { print s }' "$work/fstrace.prom")
awk -v errno="$errno" -v s="$secs" -v c="$cpu" -v l="$live" -v n="$n" -v calls="$calls" -v lost="$lost" 'BEGIN {
	printf "storm %d s (" errno "): %d failing calls (%.0f/s), %d lost\n", s, calls, calls / s, lost
	printf "recorder CPU %.2f s (%.1f%% of one core); live diagnoses %d, %.3f s CPU (%.2f%% of one core, %.1f ms each, %.1f%% of the recorder)\n",
		c, 100 * c / s, n, l, 100 * l / s, n ? 1000 * l / n : 0, c ? 100 * l / c : 0
}'
echo "live lines: $(wc -l <"$work/live.out")"
