# shellcheck shell=bash
# Issue 13: a late failure after a build's worth of routine misses. A script makes 200,000
# failing lookups (a header search over 50 include dirs, every header found in the last one, as a
# C++ build's does; a small C helper, so that it is fast), then reads a generated file that a
# concurrent `rm -rf`, started outside the traced command, has just removed: `cat` fails ENOENT
# and the script exits 1. The one failure that broke the build comes last, after all the misses.
#
# Layout under DIR:
#   misses                the helper (scripts/scenarios/helpers/misses.c), built by setup
#   inc/0 .. inc/49       the include dirs; inc/49 holds h0.h .. h4082.h
#   gen/config.h          the generated file the script reads at the end
#   go                    made by the trigger after its misses: the deleter's signal
#   done.fifo             the deleter writes a line into it once its rm -rf has returned, so the
#                         read is certain to come after the removal (the order the seed had)
#   deleter.pid           the deleter (outside the traced command); its removal is an `rm -rf`
#                         child of it

LATE_RACE_MISSES=${LATE_RACE_MISSES:-200000} # failing lookups before the decisive read
LATE_RACE_DIRS=50                            # include dirs searched for each header
LATE_RACE_LIFE=${LATE_RACE_LIFE:-300}        # the deleter gives up by itself after this long

scenario_describe() {
	echo "late race: $LATE_RACE_MISSES routine misses (a header search), then cat of a file a concurrent rm -rf removed: ENOENT, exit 1"
}

scenario_setup() {
	local dir=$1 k j
	command -v cc >/dev/null || die "no C compiler (cc) to build the misses helper"
	mkdir -p "$dir/gen"
	cc -O2 -o "$dir/misses" "$FST_SCENARIO_DIR/helpers/misses.c" || die "cannot build the misses helper"
	for ((k = 0; k < LATE_RACE_DIRS; k++)); do mkdir -p "$dir/inc/$k"; done
	for ((j = 0; j <= LATE_RACE_MISSES / (LATE_RACE_DIRS - 1) + 1; j++)); do
		: >"$dir/inc/$((LATE_RACE_DIRS - 1))/h$j.h"
	done
	echo '#define FSTRACE_LATE_RACE 1' >"$dir/gen/config.h"
	mkfifo "$dir/done.fifo"
	# Waits (untraced, polling) for the trigger's go, removes gen/ with a child rm -rf, then lets
	# the trigger go on. Bounded by its lifetime and by DIR disappearing.
	bash -c 'end=$((SECONDS + $2)); while ((SECONDS < end)) && [[ -d $1 ]]; do
			if [[ -e $1/go ]]; then rm -rf "$1/gen"; echo removed >"$1/done.fifo"; exit 0; fi
			sleep 0.01
		done' late-race-deleter "$dir" "$LATE_RACE_LIFE" </dev/null >/dev/null 2>&1 &
	echo $! >"$dir/deleter.pid"
}

scenario_trigger() {
	local dir=$1 line fd
	"$dir/misses" "$LATE_RACE_MISSES" "$dir/inc" "$LATE_RACE_DIRS" || return 1
	# Read-write, so that the open cannot block if the deleter is gone; then at most 30 s.
	exec {fd}<>"$dir/done.fifo"
	: >"$dir/go"
	read -r -t 30 -u "$fd" line || { echo "late_race: the deleter did not answer" >&2; exec {fd}<&-; return 1; }
	exec {fd}<&-
	cat "$dir/gen/config.h" >/dev/null || { echo "late_race: the generated config.h is gone" >&2; return 1; }
	echo "late_race: config.h was still there (the deleter said: $line)" >&2
	return 0
}

scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg f "$2/gen/config.h" --arg g "$2/gen" '
		any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == $f) and
		any(.[]; .type == "remove" and ((.path // "") | . == $f or . == $g))' >/dev/null
}

scenario_verify() {
	local dir=$1 rc=0 out
	kill -0 "$(<"$dir/deleter.pid")" 2>/dev/null || { echo "deleter is not running"; return 1; }
	out=$(scenario_trigger "$dir" 2>&1) || rc=$?
	[[ $rc -ne 0 ]] || { echo "trigger did not fail: $out"; return 1; }
	grep -F "misses: $LATE_RACE_MISSES failed" <<<"$out" || { echo "not $LATE_RACE_MISSES misses: $out"; return 1; }
	grep -F "No such file or directory" <<<"$out" || { echo "no ENOENT: $out"; return 1; }
}

scenario_finding() {
	echo enoent_race removed
}
