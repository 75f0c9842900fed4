# shellcheck shell=bash
# Issue 13: a single process failing on distinct paths as fast as it can (a retry loop gone
# wrong, a crawler over a tree that is not there). The storm of scripts/bench/storm.c with one
# worker: openat, newfstatat and unlink in turn on DIR/absent/<i%1000>/<i>, each a distinct path.
# The command succeeds; what is checked is the accounting: the storm prints how many of its calls
# failed ("total=N failed"), and a recording of it must hold recorded + lost = N.
#
# Layout under DIR:
#   storm                 the helper, built by setup from scripts/bench/storm.c
#   absent/               never made: every call fails ENOENT

FAILURE_STORM_CALLS=${FAILURE_STORM_CALLS:-300000}

scenario_describe() {
	echo "failure storm: one process fails $FAILURE_STORM_CALLS calls on distinct paths as fast as it can; nothing may be lost"
}

scenario_setup() {
	local dir=$1
	command -v cc >/dev/null || die "no C compiler (cc) to build the storm helper"
	mkdir -p "$dir"
	cc -O2 -o "$dir/storm" "$FST_REPO/scripts/bench/storm.c" || die "cannot build the storm helper"
}

scenario_trigger() {
	"$1/storm" --procs 1 --count "$FAILURE_STORM_CALLS" --prefix "$1/absent"
}

scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg p "$2/absent/" '
		[.[] | select(.type == "syscall" and ((.path // "") | startswith($p)))] | length > 0' >/dev/null
}

scenario_verify() {
	local out
	out=$(scenario_trigger "$1" 2>&1) || { echo "storm failed: $out"; return 1; }
	grep -F " total=$FAILURE_STORM_CALLS failed, 1 procs" <<<"$out" || { echo "not $FAILURE_STORM_CALLS failures: $out"; return 1; }
}

# It succeeds, with nothing above low: a storm of misses is no fault.
scenario_expect() {
	echo succeeds
}
scenario_finding() {
	echo none
}
