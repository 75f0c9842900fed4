# shellcheck shell=bash
# costmodel.sh: fstrace run's cost on an extraction, taken apart into figures that short runs can
# measure precisely, since a whole extraction varies by +-10% from run to run here. Sourced by
# run.sh (BENCH_BIN, BENCH_DIR, CSV, META, LOG set).
#
#   per syscall  syscall_cost.c untraced, beside the floor and under `fstrace run`, rotating:
#                what the floor and fstrace add to every syscall of the traced command
#   fixed        `true` against `fstrace run -- true`, interleaved: start, attach, detach and
#                report (a `fstrace run -v -- true` beside them gives the attach time)
#   syscalls     how many syscalls one untraced run of a workload makes (perf stat)
#
# report.py puts them together: ratio = 1 + (syscalls x added ns + fixed) / untraced wall.

# model_percall ROUNDS COUNT: one CSV row per run, role "percall", wall_s the loop's own seconds,
# issued the number of calls.
model_percall() {
	local rounds=$1 count=$2 i k cfg cfgs=(untraced floor run) files out status
	for ((i = 1; i <= rounds; i++)); do
		for ((k = 0; k < 3; k++)); do
			cfg=${cfgs[$(((k + i) % 3))]}
			files=$BENCH_DIR/runs/percall-$i-$cfg
			if [[ $cfg == floor ]]; then
				if ! cfg_bg_start floor "$files" 0 2>>"$LOG"; then
					echo "percall,$cfg,$i,0,percall,,,,,,,,,,start_failed,,,,,,,,,," >>"$CSV"
					continue
				fi
				sleep 0.2 # bpftool's polls (wait_attached) out of the way
			fi
			status=0
			if [[ $cfg == run ]]; then
				"$BENCH_BIN/fstrace" run -- "$BENCH_BIN/syscall_cost" "$count" >"$files.out" 2>"$files.err" || status=$?
			else
				"$BENCH_BIN/syscall_cost" "$count" >"$files.out" 2>"$files.err" || status=$?
			fi
			[[ $cfg == floor ]] && cfg_bg_stop
			out=$(sed -n 's/^syscall_cost: .* seconds=\([0-9.]*\) .*/\1/p' "$files.out")
			[[ -n $out || $status != 0 ]] || status=1 # it ran but said nothing: not a figure
			echo "percall,$cfg,$i,0,percall,$out,,,,,,,,$status,,,,,$count,,,,,," >>"$CSV"
			printf '  %-13s %-15s rep %s  %s\n' percall "$(cfg_label "$cfg")" "$i" \
				"$(sed -n 's/.*ns_per_call=\([0-9.]*\).*/\1 ns per syscall/p' "$files.out")" >&2
		done
	done
}

# model_fixed ROUNDS: `true` (role "fixed") and `fstrace run -- true` (role "attach": the
# difference is run's fixed cost, as a user pays it), then `fstrace run -v -- true` (role
# "attach_v", for its "attached in X s": -v also prints libbpf's ~1000 lines and asks the verifier
# for its statistics, so its wall time is not the fixed cost), in turn.
model_fixed() {
	local i f t
	for ((i = 1; i <= $1; i++)); do
		f=$BENCH_DIR/runs/fixed-$i
		measure "$f.ru" true </dev/null >/dev/null 2>&1
		echo "attach,untraced,$i,0,fixed,${M[wall]},${M[user]},${M[sys]},0,,,,,${M[status]},,,,,,,,${M[lingered]},,," >>"$CSV"
		f=$BENCH_DIR/runs/attach-$i
		measure "$f.ru" "$BENCH_BIN/fstrace" run -- true </dev/null >/dev/null 2>"$f.err"
		echo "attach,run,$i,0,attach,${M[wall]},${M[user]},${M[sys]},0,,${M[hwm_kb]},${M[anon_kb]},${M[selfcpu]},${M[status]},,,,,,,,${M[lingered]},,," >>"$CSV"
		f=$BENCH_DIR/runs/attach-v-$i
		measure "$f.ru" "$BENCH_BIN/fstrace" run -v -- true </dev/null >/dev/null 2>"$f.err"
		t=$(sed -n 's/.*attached in \([0-9.]*\) s.*/\1/p' "$f.err" | head -n 1)
		echo "attach,run,$i,0,attach_v,${M[wall]},${M[user]},${M[sys]},0,,${M[hwm_kb]},${M[anon_kb]},${M[selfcpu]},${M[status]},,,,,,,,${M[lingered]},$t,," >>"$CSV"
	done
}

# model_syscalls WORKLOAD...: "syscalls_<workload>=N" in META, counted by perf stat on the
# raw_syscalls:sys_enter tracepoint over one untraced run (children included); nothing where perf
# cannot count it, and the report says so.
model_syscalls() {
	local wl n f
	for wl in "$@"; do
		f=$BENCH_DIR/runs/syscalls-$wl
		wl_setup "$wl" "count-$wl"
		n=$(perf stat -x, -e raw_syscalls:sys_enter -o "$f.perf" -- "${WL_CMD[@]}" </dev/null \
			>"$f.out" 2>"$f.err" && awk -F, '/raw_syscalls:sys_enter/ { print $1 }' "$f.perf")
		wl_teardown
		if [[ $n =~ ^[0-9]+$ ]]; then
			echo "syscalls_$wl=$n" >>"$META"
			say "  $wl makes $n syscalls"
		else
			echo "note=perf stat could not count $wl's syscalls: $(tail -n 1 "$f.err" "$f.perf" 2>/dev/null | tr '\n' ' ')" >>"$META"
		fi
	done
}
