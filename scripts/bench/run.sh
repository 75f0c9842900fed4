#!/usr/bin/env bash
# `make bench`: fstrace's cost against the untraced run, strace, perf trace and bpftrace.
#
# Every traced run is paired with an untraced run of the same workload, back to back (their order
# alternating), and each figure is the median of the per-pair ratios: the machine is noisy, so
# only ratios taken within one pair are compared. Configurations rotate within each repetition.
# Then the failure storm's accounting (every failing call recorded or counted lost), the attach
# time, and the report: a table on stdout, a dated section in bench/RESULTS.md, bench/overhead.png,
# and every run's raw numbers in bench/raw/<timestamp>.csv.
#
#   BENCH_QUICK=1     a ~2 minute smoke run (one repetition, smaller workloads)
#   BENCH_BUDGET=S    start no pair that would end after S seconds (default 900, quick 115)
#   FSTRACE=PATH      the binary to measure (default build/fstrace; copied, so a rebuild during
#                     the run cannot change it halfway)
set -euo pipefail

BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_SRC/../.." && pwd)
FSTRACE=${FSTRACE:-$REPO/build/fstrace}
QUICK=${BENCH_QUICK:-0}
[[ $QUICK == 1 ]] && BUDGET=${BENCH_BUDGET:-115} || BUDGET=${BENCH_BUDGET:-900}
CLK_TCK=$(getconf CLK_TCK)
START=$EPOCHREALTIME

source "$BENCH_SRC/measure.sh"
source "$BENCH_SRC/configs.sh"
source "$BENCH_SRC/workloads.sh"
source "$BENCH_SRC/costmodel.sh"

# The terminal's stderr, kept: a trap can fire inside a function whose own stderr is a run's log.
exec {BENCH_ERR}>&2
say() { printf '%s\n' "$*" >&"$BENCH_ERR"; }
die() {
	say "bench: $*"
	exit 1
}
elapsed() { awk -v s="$START" -v n="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", n - s }'; }

[[ $(id -u) -eq 0 ]] || die "must run as root (BPF, loop devices, mounts)"
[[ -x $FSTRACE ]] || die "no fstrace binary at $FSTRACE (run make)"
bash "$BENCH_SRC/deps.sh"
for tool in jq bpftool losetup mkfs.ext4 mountpoint tar python3 cc zcat gnuplot; do
	command -v "$tool" >/dev/null || die "$tool is missing (make deps; bench deps: scripts/bench/deps.sh)"
done
[[ ! -e ${STORM_PREFIX%/*} ]] || die "${STORM_PREFIX%/*} exists: the storm's calls must fail"

# What each workload gets: repetitions for fstrace and bpftrace, then for strace and perf trace
# (5-100x slower: fewer pairs of them fit in the time, and their ratio needs less precision; on
# tar100k one strace run alone took 80-90 s here, and on npm5x1000 47 s, so their strace figures
# are tar20k's and the storm's),
# then more of fstrace run and the floor on the extractions: the 1.03x target is read there, and
# with run-to-run noise of +-10% it takes ~25 pairs to tell 1% apart.
# shellcheck disable=SC2034 # REPS_* are read through a nameref (schedule_phase)
if [[ $QUICK == 1 ]]; then
	WORKLOADS=(storm50k tar10k clean10k npm5x300 tar20k)
	declare -A REPS_FAST=([storm50k]=1 [tar10k]=1 [clean10k]=1 [npm5x300]=1 [tar20k]=1)
	declare -A REPS_SLOW=([storm50k]=1 [tar10k]=1 [clean10k]=0 [npm5x300]=1 [tar20k]=0)
	declare -A REPS_MORE=([storm50k]=0 [tar10k]=0 [clean10k]=0 [npm5x300]=0 [tar20k]=1)
	ACCOUNT=("storm1M@200k 1" "storm1M 1")
	MODEL_FIXED=5 MODEL_PERCALL=2 MODEL_CALLS=1000000
	IMAGE_GB=1
else
	WORKLOADS=(storm100k tar20k clean20k npm5x1000 npmci tar100k)
	declare -A REPS_FAST=([storm100k]=5 [tar20k]=9 [clean20k]=7 [npm5x1000]=3 [npmci]=2 [tar100k]=3)
	declare -A REPS_SLOW=([storm100k]=1 [tar20k]=2 [clean20k]=0 [npm5x1000]=0 [npmci]=0 [tar100k]=0)
	declare -A REPS_MORE=([storm100k]=0 [tar20k]=12 [clean20k]=8 [npm5x1000]=0 [npmci]=0 [tar100k]=2)
	ACCOUNT=("storm1M@200k 2" "storm1M 1")
	MODEL_FIXED=20 MODEL_PERCALL=11 MODEL_CALLS=1000000
	IMAGE_GB=2
fi

NOTES=()
if ! command -v npm >/dev/null; then
	NOTES+=("npm not found: the npm workload is left out")
	for i in "${!WORKLOADS[@]}"; do [[ ${WORKLOADS[$i]} == npm* ]] && unset "WORKLOADS[$i]"; done
	WORKLOADS=("${WORKLOADS[@]}")
fi

BENCH_DIR=
LOG=/dev/null
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	cfg_bg_stop
	cgroup_cleanup
	wl_cleanup
	if [[ -n $BENCH_DIR && -d $BENCH_DIR ]]; then
		if mountpoint -q "$BENCH_DIR/mnt" 2>/dev/null; then
			say "bench: $BENCH_DIR/mnt is still mounted; left in place"
		else
			rm -rf "$BENCH_DIR"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say "bench: interrupted"; exit 130' INT
trap 'say "bench: terminated"; exit 143' TERM

BENCH_DIR=$(mktemp -d /tmp/fstrace-bench-XXXXXX)
BENCH_BIN=$BENCH_DIR/bin
mkdir -p "$BENCH_BIN" "$BENCH_DIR/runs" "$REPO/bench/raw"
cp "$FSTRACE" "$BENCH_BIN/fstrace"
cc -O2 -Wall -o "$BENCH_BIN/storm" "$BENCH_SRC/storm.c"
cc -O2 -Wall -o "$BENCH_BIN/rusage" "$BENCH_SRC/rusage.c"
cc -O2 -Wall -o "$BENCH_BIN/syscall_cost" "$BENCH_SRC/syscall_cost.c"
cc -O2 -Wall -o "$BENCH_BIN/floor" "$BENCH_SRC/floor.c" -Wl,-Bstatic -lbpf -lelf -lz -Wl,-Bdynamic
cgroup_setup || true

STAMP=$(date +%Y%m%d-%H%M%S)
CSV=$REPO/bench/raw/$STAMP.csv
LOG=$REPO/bench/raw/$STAMP.log # what the tracers and workloads said when something failed
: >"$LOG"
META=$BENCH_DIR/meta
echo "workload,config,rep,pair,role,wall_s,user_s,sys_s,tracer_cpu_s,cpu_s,collector_hwm_kb,collector_anon_kb,collector_cpu_s,status,tracer_status,events,lost,captured,issued,rec_bytes,others_attached,lingered,attach_s,lost_syscall,others_cpu_s" >"$CSV"
{
	echo "date=$(date '+%Y-%m-%d %H:%M')"
	echo "host=$(hostname)"
	echo "kernel=$(uname -r)"
	echo "cpus=$(nproc)"
	echo "quick=$QUICK"
	echo "fstrace=$("$BENCH_BIN/fstrace" --version 2>&1 | head -n 1 | sed 's/^fstrace //') ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- user bpf 2>/dev/null || echo ', user/ or bpf/ modified'))"
} >"$META"

say "bench: $([[ $QUICK == 1 ]] && echo quick || echo full) run in $BENCH_DIR, raw numbers to ${CSV#"$REPO"/}"
mapfile -t -O "${#NOTES[@]}" NOTES < <(cfg_probe)
for line in "${NOTES[@]}"; do
	say "bench: $line"
	echo "note=$line" >>"$META"
done
if [[ -z $CG_ROOT ]]; then
	line="no cgroup v2 mount: CPU is wait4's, which misses what a tracer does not wait for (perf trace's command)"
	say "bench: $line"
	echo "note=$line" >>"$META"
fi

for wl in "${WORKLOADS[@]}"; do
	((REPS_SLOW[$wl] > 0)) || echo "note=strace -f -Z and perf trace are not run on $wl (too slow for the time budget)" >>"$META"
done

say "bench: generating workloads (${WORKLOADS[*]})"
wl_prepare "$IMAGE_GB" "${WORKLOADS[@]}"

# rec_stats FILE PREFIX: events, lost and lost syscall events (the trailer's lost_by_type) from the
# trailer, the gzip size, and (PREFIX set) how many calls the syscall records with a path under
# PREFIX stand for: the storm's calls among everything else recorded.
rec_stats() {
	R_EVENTS='' R_LOST='' R_LOST_SYSCALL='' R_BYTES='' R_CAPTURED=''
	[[ -s $1 ]] || return 0
	local trailer
	trailer=$(zcat "$1" 2>/dev/null | tail -n 1)
	read -r R_EVENTS R_LOST R_LOST_SYSCALL < <(jq -r 'select(.type == "trailer") |
		"\(.events) \(.lost) \(.lost_by_type.syscall // (if .lost == 0 then 0 else "" end))"' <<<"$trailer" 2>/dev/null) || true
	R_BYTES=$(stat -c %s "$1")
	if [[ -n $2 ]]; then
		# A record of repeats folded in the kernel stands for its "count" calls.
		R_CAPTURED=$(zcat "$1" 2>/dev/null | awk -v p="\"path\":\"$2/" '
			index($0, "\"type\":\"syscall\"") && index($0, p) {
				n = 1
				if (match($0, /"count":[0-9]+/)) n = substr($0, RSTART + 8, RLENGTH - 8)
				c += n
			} END { print c + 0 }')
	fi
}

RUN_N=0
declare -A BASE_WALL=() BASE_COST=() # workload -> its last untraced run: wall, and all it took
# run_one WORKLOAD CONFIG REP PAIR ROLE: one measured run, one CSV row.
run_one() {
	local wl=$1 cfg=$2 rep=$3 pair=$4 role=$5 id files storm=0 cpu0=0 others
	local tracer_cpu=0 coll_hwm='' coll_anon='' coll_cpu='' tstatus='' t0=$EPOCHREALTIME
	id=$((++RUN_N))
	files=$BENCH_DIR/runs/$id-$wl-$cfg
	wl_setup "$wl" "r$id"
	[[ $wl == storm* ]] && storm=1
	others=$(others_attached)
	cfg_prefix "$cfg" "$files"
	if cfg_is_background "$cfg"; then
		if ! cfg_bg_start "$cfg" "$files" "$storm" 2>>"$LOG"; then
			say "bench: $wl $cfg: the tracer did not start (see $LOG)"
			echo "$wl,$cfg,$rep,$pair,$role,,,,,,,,,,start_failed,,,,,,$others,,,," >>"$CSV"
			wl_teardown
			return 1
		fi
		cpu0=$(proc_cpu "$BG_TPID")
	fi

	local busy0 busy1
	busy0=$(sys_busy)
	measure "$files.ru" "${CFG_PREFIX[@]}" "${WL_CMD[@]}" </dev/null >"$files.out" 2>"$files.err"
	busy1=$(sys_busy)

	if cfg_is_background "$cfg"; then
		cfg_bg_stop
		declare -A T
		load_rusage "$files.tracer" T
		tracer_cpu=$(awk -v u="${T[user]}" -v s="${T[sys]}" -v c="$cpu0" 'BEGIN { printf "%.3f", u + s - c }')
		coll_hwm=$((T[hwm_kb] > T[maxrss_kb] ? T[hwm_kb] : T[maxrss_kb]))
		coll_anon=${T[anon_kb]}
		coll_cpu=$tracer_cpu
		tstatus=${T[status]}
	elif [[ $cfg != untraced ]]; then
		coll_hwm=${M[hwm_kb]}
		coll_anon=${M[anon_kb]}
		coll_cpu=${M[selfcpu]}
	fi
	R_EVENTS='' R_LOST='' R_LOST_SYSCALL='' R_BYTES='' R_CAPTURED=''
	[[ $cfg == run || $cfg == record ]] && rec_stats "$files.rec.gz" "$WL_PREFIX"
	local issued=
	[[ $storm == 1 ]] && issued=$(wl_issued "$files.out")
	local cpu others_cpu
	cpu=$(awk -v u="${M[user]}" -v s="${M[sys]}" -v t="$tracer_cpu" 'BEGIN { printf "%.3f", u + s + t }')
	others_cpu=$(awk -v a="$busy0" -v b="$busy1" -v c="$cpu" 'BEGIN { o = b - a - c; printf "%.2f", (o > 0 ? o : 0) }')
	echo "$wl,$cfg,$rep,$pair,$role,${M[wall]},${M[user]},${M[sys]},$tracer_cpu,$cpu,$coll_hwm,$coll_anon,$coll_cpu,${M[status]},$tstatus,$R_EVENTS,$R_LOST,$R_CAPTURED,$issued,$R_BYTES,$others,${M[lingered]},,$R_LOST_SYSCALL,$others_cpu" >>"$CSV"
	if [[ ${M[status]} != 0 || ${tstatus:-0} != 0 ]]; then
		say "bench: $wl $cfg exited ${M[status]} (tracer ${tstatus:-n/a}): $(tail -n 2 "$files.err" | tr '\n' ' ')"
		{
			echo "== run $id: $wl, $(cfg_label "$cfg"), exit ${M[status]}, tracer ${tstatus:-n/a}"
			tail -n 20 "$files.err" "$files.tracer.err" 2>/dev/null
		} >>"$LOG"
	fi
	printf '  %-13s %-15s rep %s  wall %7.3f s%s\n' "$wl" "$(cfg_label "$cfg")" "$rep" "${M[wall]}" \
		"${R_EVENTS:+  events $R_EVENTS lost $R_LOST (syscall ${R_LOST_SYSCALL:-?})}${issued:+ issued $issued}" >&2
	rm -f "$files.rec.gz"
	wl_teardown
	if [[ $role == base ]]; then
		BASE_WALL[$wl]=${M[wall]}
		BASE_COST[$wl]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }')
	fi
}

# The storm's accounting: fstrace alone, 1M failing calls, rate-limited then unlimited; the lost
# calls are the trailer's lost_by_type.syscall (lost counts every kind of event: exits too).
say "bench: storm accounting (recorded + lost = issued)"
for spec in "${ACCOUNT[@]}"; do
	read -r wl reps <<<"$spec"
	for ((rep = 1; rep <= reps; rep++)); do
		for cfg in run record; do
			run_one "$wl" "$cfg" "$rep" 0 acct || true
		done
	done
done

# What the extraction ratios are made of, measured apart (costmodel.sh).
say "bench: attach time and fixed cost (true, fstrace run -- true, fstrace run -v -- true, $MODEL_FIXED times)"
model_fixed "$MODEL_FIXED"
say "bench: cost per syscall (syscall_cost: untraced, the floor, fstrace run; $MODEL_PERCALL rounds)"
model_percall "$MODEL_PERCALL" "$MODEL_CALLS"
say "bench: syscalls per extraction (perf stat)"
mapfile -t extractions < <(printf '%s\n' "${WORKLOADS[@]}" | grep '^tar')
model_syscalls "${extractions[@]}"

# The overhead matrix: each traced run paired with an untraced run. fstrace and bpftrace first,
# repetition by repetition across the workloads (their order rotating), then strace and perf trace:
# when the time budget runs out, what goes is the last repetitions, and the slowest tracers' first.
schedule() {
	schedule_phase REPS_FAST run record bpftrace floor
	schedule_phase REPS_SLOW strace perf
	REP_AFTER=REPS_FAST schedule_phase REPS_MORE run floor
}

# schedule_phase REPS CONFIG...: "workload config rep" lines, repetition by repetition (numbered on
# from a workload's REP_AFTER repetitions, when that names another REPS).
schedule_phase() {
	local -n reps=$1 after=${REP_AFTER:-REPS_NONE}
	shift
	local cfgs=("$@") rep wl k max=0
	for wl in "${WORKLOADS[@]}"; do ((${reps[$wl]} > max)) && max=${reps[$wl]}; done
	for ((rep = 1; rep <= max; rep++)); do
		for wl in "${WORKLOADS[@]}"; do
			((rep <= ${reps[$wl]})) || continue
			for ((k = 0; k < ${#cfgs[@]}; k++)); do
				echo "$wl ${cfgs[$(((k + rep - 1) % ${#cfgs[@]}))]} $((rep + ${after[$wl]:-0}))"
			done
		done
	done
}

# shellcheck disable=SC2034 # read through a nameref (schedule_phase), like REPS_FAST
declare -A REPS_NONE=()

# pair_estimate WORKLOAD CONFIG: seconds a pair will take: the last one's, or before any, from the
# workload's untraced run and how much slower each tracer typically makes it (strace 5-30x).
declare -A PAIR_COST=()
declare -A SLOWDOWN=([run]=2 [record]=2 [bpftrace]=2 [floor]=2 [strace]=10 [perf]=6)
pair_estimate() {
	if [[ -n ${PAIR_COST[$1/$2]:-} ]]; then
		echo "${PAIR_COST[$1/$2]}"
	elif [[ -n ${BASE_COST[$1]:-} ]]; then
		awk -v c="${BASE_COST[$1]}" -v w="${BASE_WALL[$1]}" -v f="${SLOWDOWN[$2]}" 'BEGIN { printf "%.0f\n", 2 * c + w * (f - 1) }'
	else
		echo 0
	fi
}

PAIR=0
SKIPPED=()
last=
while read -r wl cfg rep; do
	[[ -z ${CFG_WHY[$cfg]:-} ]] || continue
	[[ $cfg == strace || $cfg == perf ]] && phase="strace, perf trace" || phase="fstrace, bpftrace, the floor"
	[[ "$rep $phase" == "$last" ]] || say "bench: overhead, repetition $rep ($phase)"
	last="$rep $phase"
	if (($(elapsed) + $(pair_estimate "$wl" "$cfg") > BUDGET)); then
		SKIPPED+=("$wl/$cfg#$rep")
		continue
	fi
	t0=$EPOCHREALTIME
	PAIR=$((PAIR + 1))
	if ((rep % 2)); then
		if run_one "$wl" untraced "$rep" "$PAIR" base; then run_one "$wl" "$cfg" "$rep" "$PAIR" traced || true; fi
	else
		if run_one "$wl" "$cfg" "$rep" "$PAIR" traced; then run_one "$wl" untraced "$rep" "$PAIR" base || true; fi
	fi
	PAIR_COST[$wl/$cfg]=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", b - a + 0.5 }')
done < <(schedule)
if ((${#SKIPPED[@]})); then
	note="time budget (${BUDGET} s) reached: skipped ${#SKIPPED[@]} pairs: ${SKIPPED[*]}"
	say "bench: $note"
	echo "note=$note" >>"$META"
fi

echo "runtime_s=$(elapsed)" >>"$META"
cp "$META" "$REPO/bench/raw/$STAMP.meta" # beside the CSV: the report can be made again from the two
bash "$BENCH_SRC/report.sh" "$CSV" "$META" "$REPO/bench"
# The report at scale (issue 13): a 10M-event recording (1M quick), its RSS, rate and late race.
say "bench: the report at scale"
{
	printf '\n### The report at scale (scripts/bench/report_scale.sh)\n\n'
	FSTRACE=$FSTRACE bash "$BENCH_SRC/report_scale.sh"
} | tee -a "$REPO/bench/RESULTS.md"
say "bench: done in $(elapsed) s"
