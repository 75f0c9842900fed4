# shellcheck shell=bash
# configs.sh: how each configuration runs a workload. Sourced by run.sh.
#
# Foreground configurations wrap the command (their cost includes their own start and end);
# background ones are started, ready (attached) before the workload and stopped with SIGINT after it.

# shellcheck disable=SC2034 # used by run.sh
CONFIGS=(run record bpftrace floor strace perf)
declare -A CFG_WHY=() # configuration -> why it is not available

cfg_is_background() { [[ $1 == record || $1 == bpftrace || $1 == floor ]]; }

# cfg_probe: which tracers this machine can run; prints a line for each one it cannot.
cfg_probe() {
	local err
	command -v strace >/dev/null || CFG_WHY[strace]="strace not installed"
	command -v bpftrace >/dev/null || CFG_WHY[bpftrace]="bpftrace not installed"
	if ! command -v perf >/dev/null; then
		CFG_WHY[perf]="perf not installed"
	elif ! err=$(perf trace --failure -o /dev/null -- true 2>&1 >/dev/null); then
		CFG_WHY[perf]=$(grep -m1 -v '^ *$' <<<"$err" || echo "perf trace failed")
	fi
	local c
	for c in strace bpftrace perf; do
		[[ -z ${CFG_WHY[$c]:-} ]] || echo "$(cfg_label "$c"): not available (${CFG_WHY[$c]})"
	done
}

cfg_label() {
	case $1 in
	untraced) echo "untraced" ;;
	run) echo "fstrace run" ;;
	record) echo "fstrace record" ;;
	strace) echo "strace -f -Z" ;;
	perf) echo "perf trace" ;;
	bpftrace) echo "bpftrace" ;;
	floor) echo "empty raw_tp" ;;
	esac
}

# cfg_prefix CONFIG FILES_PREFIX: the words before the workload's command (CFG_PREFIX array).
cfg_prefix() {
	case $1 in
	untraced | record | bpftrace | floor) CFG_PREFIX=() ;;
	run) CFG_PREFIX=("$BENCH_BIN/fstrace" run --record "$2.rec.gz" -o "$2.report" --) ;;
	strace) CFG_PREFIX=(strace -f -Z -o /dev/null) ;;
	perf) CFG_PREFIX=(perf trace --failure -o /dev/null --) ;;
	esac
}

# cfg_bg_start CONFIG FILES_PREFIX STORM: starts a background tracer under the rusage helper and
# waits until it is attached; BG_PID is the helper, BG_TPID the tracer. STORM=1: record only
# the storm (--comm storm), so its count can be checked.
BG_PID=
BG_TPID=
cfg_bg_start() {
	local cfg=$1 files=$2 storm=$3 cmd
	case $cfg in
	record)
		cmd=("$BENCH_BIN/fstrace" record -o "$files.rec.gz")
		[[ $storm == 1 ]] && cmd+=(--comm storm)
		;;
	bpftrace) cmd=(env BPFTRACE_STRLEN=200 bpftrace -o /dev/null "$BENCH_SRC/failures.bt") ;;
	floor) cmd=("$BENCH_BIN/floor") ;;
	esac
	"$BENCH_BIN/rusage" "$files.tracer" -- "${cmd[@]}" </dev/null >"$files.tracer.out" 2>"$files.tracer.err" &
	BG_PID=$!
	BG_TPID=$(rusage_pid "$files.tracer") || { echo "bench: $cfg did not start" >&2; cfg_bg_stop; return 1; }
	if ! wait_attached "$BG_TPID" 60; then
		echo "bench: $cfg did not attach: $(tail -n 3 "$files.tracer.err" | tr '\n' ' ')" >&2
		cfg_bg_stop
		return 1
	fi
}

# cfg_bg_stop: SIGINT (through the helper), then wait for the tracer to finish its file.
cfg_bg_stop() {
	[[ -n $BG_PID ]] || return 0
	kill -INT "$BG_PID" 2>/dev/null || true
	local i
	for i in $(seq 600); do
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$BG_PID" 2>/dev/null; then
		echo "bench: background tracer $BG_TPID did not stop in 60 s; killing it" >&2
		kill -KILL "$BG_TPID" 2>/dev/null || true
	fi
	wait "$BG_PID" 2>/dev/null || true
	BG_PID=
	BG_TPID=
}
