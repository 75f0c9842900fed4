#!/usr/bin/env bash
# What one removal costs fstrace record, held in the kernel (the default) against sent at once
# (--all-removals): the syscall-exit program's own time per call (kernel.bpf_stats_enabled), the
# collector's CPU from start to exit (its final read-back of held removals included) and the
# recording's records, over `rm -rf` of N files (default 20000, 100 per directory) on a tmpfs,
# ROUNDS rounds alternating (default 5). Root; prints one line per run and the medians.
#
#   sudo bash scripts/bench/removal_cost.sh [N] [ROUNDS]
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FSTRACE=${FSTRACE:-$REPO/build/fstrace}
N=${1:-20000}
ROUNDS=${2:-5}
[[ $(id -u) -eq 0 ]] || { echo "removal_cost: must run as root" >&2; exit 1; }
[[ -x $FSTRACE ]] || { echo "removal_cost: no fstrace at $FSTRACE (run make)" >&2; exit 1; }

dir=$(mktemp -d /tmp/fstrace-rmcost-XXXXXX)
stats_before=$(sysctl -n kernel.bpf_stats_enabled)
rec_pid=
cleanup() {
	[[ -z $rec_pid ]] || kill -INT "$rec_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled="$stats_before"
	mountpoint -q "$dir/fs" && umount "$dir/fs"
	rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/fs" "$dir/src/x"
mount -t tmpfs -o size=1g fstrace-rmcost "$dir/fs"
for ((d = 0; d < N / 100; d++)); do
	mkdir "$dir/src/x/d$d"
	for ((f = 0; f < 100; f++)); do : >"$dir/src/x/d$d/f$((d * 100 + f)).js"; done
done
tar -C "$dir/src" -cf "$dir/tree.tar" x
rm -rf "$dir/src"
sysctl -qw kernel.bpf_stats_enabled=1

# prog_stats: "run_time_ns run_cnt" of the syscall-exit program.
prog_stats() {
	bpftool prog show | awk '/name fst_sys_exit/ { id = $1; sub(":", "", id) } END { print id }' |
		xargs -r -I{} bpftool prog show id {} | grep -o 'run_time_ns [0-9]* run_cnt [0-9]*' | awk '{ print $2, $4 }'
}

results=()
for ((r = 1; r <= ROUNDS; r++)); do
	for mode in held all; do
		tar -C "$dir/fs" -xf "$dir/tree.tar"
		sync
		opts=()
		[[ $mode == all ]] && opts=(--all-removals)
		/usr/bin/time -o "$dir/time" -f '%U %S' "$FSTRACE" record --force "${opts[@]}" \
			-o "$dir/rec.jsonl.gz" 2>"$dir/rec.err" &
		rec_pid=$!
		for _ in $(seq 50); do [[ -n $(prog_stats) ]] && break; sleep 0.1; done
		sleep 0.3
		read -r t0 c0 < <(prog_stats)
		s=$EPOCHREALTIME
		rm -rf "$dir/fs/x"
		wall=$(awk -v s="$s" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.3f", e - s }')
		read -r t1 c1 < <(prog_stats)
		sleep 0.2
		pkill -INT -P "$rec_pid" || true
		wait "$rec_pid" || true
		rec_pid=
		removes=$(zcat "$dir/rec.jsonl.gz" | grep -c '"type":"remove"' || true)
		line=$(awk -v m="$mode" -v w="$wall" -v t="$((t1 - t0))" -v c="$((c1 - c0))" -v n="$N" \
			-v cpu="$(awk '{ print ($1 + $2) * 1000 }' "$dir/time")" -v rec="$removes" 'BEGIN {
			printf "%s rm_wall_s %s prog_ns_per_call %.0f prog_ms %.1f collector_cpu_ms %d remove_records %d\n",
				m, w, t / c, t / 1e6, cpu, rec }')
		echo "$line"
		results+=("$line")
	done
done
echo "medians over $ROUNDS rounds, rm -rf of $N files:"
for mode in held all; do
	line=$mode
	for k in rm_wall_s prog_ns_per_call prog_ms collector_cpu_ms remove_records; do
		line+=" $k $(printf '%s\n' "${results[@]}" | awk -v m="$mode" -v k="$k" '$1 == m {
			for (i = 2; i < NF; i += 2) if ($i == k) print $(i + 1) }' | sort -n |
			awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
	done
	echo "$line"
done
