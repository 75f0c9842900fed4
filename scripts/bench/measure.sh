# shellcheck shell=bash
# measure.sh: what one run costs. Sourced by run.sh.
# The numbers come from the rusage helper (rusage.c, wait4 + /proc samples of the direct child).

# shellcheck disable=SC2034 # M is filled through a nameref
declare -A M=() # the last measure()

# measure OUT CMD...: runs CMD in the foreground (stdout/stderr as the caller redirected them) and
# loads the result into M[wall user sys maxrss_kb hwm_kb anon_kb selfcpu lingered status]. With
# CG_ROOT set (a cgroup v2 directory of ours), CMD runs in a cgroup of its own below it, so user/sys
# count every process of the run, waited for or not.
CG_ROOT=
MEASURE_N=0
measure() {
	local out=$1 cg=()
	shift
	[[ -n $CG_ROOT ]] && cg=(--cgroup "$CG_ROOT/m$((++MEASURE_N))")
	"$BENCH_BIN/rusage" "${cg[@]}" "$out" -- "$@" || true
	load_rusage "$out" M
}

# cgroup_setup: CG_ROOT, a cgroup v2 directory for this run's measurements (none on a machine
# without a cgroup2 mount: CPU then comes from wait4 alone).
cgroup_setup() {
	local mnt
	mnt=$(findmnt -t cgroup2 -n -o TARGET 2>/dev/null | head -n 1)
	[[ -n $mnt ]] && mkdir "$mnt/fstrace-bench-$$" 2>/dev/null && CG_ROOT=$mnt/fstrace-bench-$$
}

cgroup_cleanup() {
	[[ -n $CG_ROOT && -d $CG_ROOT ]] || return 0
	find "$CG_ROOT" -mindepth 1 -maxdepth 1 -type d -exec rmdir {} + 2>/dev/null || true
	rmdir "$CG_ROOT" 2>/dev/null || echo "bench: could not remove $CG_ROOT" >&2
	CG_ROOT=
}

# load_rusage FILE ARRAY: the key=value line the helper wrote last, into an associative array.
# shellcheck disable=SC2004 # into is an associative array (a nameref), not arithmetic
load_rusage() {
	local -n into=$2
	local kv k
	into=()
	for k in wall user sys maxrss_kb hwm_kb anon_kb selfcpu lingered status; do into[$k]=0; done
	k=status
	into[$k]=255 # until the result line says otherwise: the helper itself failed
	for kv in $(tail -n 1 "$1"); do
		[[ $kv == *=* ]] && into[${kv%%=*}]=${kv#*=}
	done
}

# rusage_pid FILE: the pid of the command the helper started (its first line), once it is written.
rusage_pid() {
	local _
	for _ in $(seq 200); do
		if [[ -s $1 ]] && read -r tag pid <"$1" && [[ $tag == pid ]]; then
			echo "$pid"
			return 0
		fi
		sleep 0.01
	done
	return 1
}

# proc_cpu PID: utime+stime of a live process in seconds (fields 14 and 15 of /proc/PID/stat,
# counted after the ")" that ends comm, which may itself hold spaces).
proc_cpu() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	stat=${stat##*) }
	awk -v hz="$CLK_TCK" '{ printf "%.2f\n", ($12 + $13) / hz }' <<<"$stat"
}

# wait_attached PID SECONDS: until PID has BPF programs attached to raw_syscalls:sys_exit (where
# both fstrace and failures.bt see a call's result) and its attachments stopped changing for two
# polls, i.e. every hook is in. bpftool perf show lists attachments per owning process, so another
# tracer on the machine cannot be mistaken for ours. Fails when PID exits or time runs out.
wait_attached() {
	local pid=$1 deadline=$((SECONDS + $2)) now last='' stable=0
	while ((SECONDS < deadline)); do
		kill -0 "$pid" 2>/dev/null || return 1
		now=$(bpftool -j perf show 2>/dev/null |
			jq -r --argjson p "$pid" '[.[] | select(.pid == $p) | .tracepoint // .fd_type] | sort | join(",")' 2>/dev/null) || now=''
		if [[ ,$now, == *,sys_exit,* && $now == "$last" ]]; then
			((++stable >= 2)) && return 0
		else
			stable=0
		fi
		last=$now
		sleep 0.05
	done
	return 1
}

# others_attached: how many other processes have BPF programs on the raw_syscalls tracepoints right
# now (another tracer, e.g. a test suite's fstrace, slows every syscall of the machine): per run.
others_attached() {
	bpftool -j perf show 2>/dev/null |
		jq '[.[] | select(.tracepoint == "sys_enter" or .tracepoint == "sys_exit") | .pid] | unique | length' 2>/dev/null || echo 0
}

# sys_busy: CPU seconds the machine has been busy since boot (user nice system irq softirq steal,
# all CPUs); around a run, minus the run's own CPU, it tells how much else was running.
sys_busy() {
	awk -v hz="$CLK_TCK" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}
