#!/usr/bin/env bash
# Node mode over time: `fstrace record --dir` under a steady failure load, rotating on time and on
# SIGHUP, with the recorder's RSS and the directory's size sampled every few seconds. Prints the
# samples and a verdict: memory flat (the last third's peak within 10% of the first third's), disk
# within the budget at every sample, every rotation complete.
#
#   sudo scripts/bench/soak.sh [SECONDS=600] [RATE=5000 failing calls/s]
set -euo pipefail
secs=${1:-600}
rate=${2:-5000}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
fstrace=${FSTRACE:-$repo/build/fstrace}
work=$(mktemp -d /tmp/fstrace-soak.XXXXXX)
budget_mb=8
trap 'kill $rec $storm 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

cc -O2 -o "$work/soakstorm" "$here/storm.c"
"$fstrace" record --dir "$work/dir" --comm soakstorm --rotate-time 60 --rotate-size 4 --max-disk "$budget_mb" \
	2>"$work/record.err" &
rec=$!
sleep 1
"$work/soakstorm" --procs 1 --count $((rate * secs)) --rate "$rate" --prefix /nonexistent/soak >/dev/null &
storm=$!

echo "t_s rss_kib dir_kib recordings"
samples=()
for ((t = 0; t < secs; t += 10)); do
	sleep 10
	# A SIGHUP rotation every 90 s, on top of the time and size rotations.
	((t % 90 != 80)) || kill -HUP "$rec"
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$rec/status")
	disk=$(du -sk "$work/dir" | cut -f1)
	n=$(find "$work/dir" -name 'fstrace-*.jsonl.gz' | wc -l)
	echo "$((t + 10)) $rss $disk $n"
	samples+=("$rss $disk")
done
kill "$storm" 2>/dev/null || true
kill -INT "$rec"
wait "$rec" || true

n=${#samples[@]}
third=$((n / 3))
first=$(printf '%s\n' "${samples[@]:0:third}" | awk 'max < $1 {max = $1} END {print max}')
last=$(printf '%s\n' "${samples[@]:n-third}" | awk 'max < $1 {max = $1} END {print max}')
maxdisk=$(printf '%s\n' "${samples[@]}" | awk 'max < $2 {max = $2} END {print max}')
complete=0
total=0
for f in "$work/dir"/fstrace-*.jsonl.gz; do
	total=$((total + 1))
	zcat "$f" | tail -n 1 | grep -q '"type":"trailer"' && [[ -s ${f%.jsonl.gz}.report.json ]] && complete=$((complete + 1))
done
echo "rss first third peak ${first} KiB, last third peak ${last} KiB; disk peak ${maxdisk} KiB of ${budget_mb} MiB budget; $complete of $total recordings left complete with their reports"
awk -v a="$first" -v b="$last" 'BEGIN {exit !(b <= a * 1.10)}' && echo "memory: flat" || echo "memory: GROWING"
((maxdisk <= budget_mb * 1024)) && echo "disk: within budget" || echo "disk: OVER budget"
