# shellcheck shell=bash
# Seed: `npm install` fails "TAR_ENTRY_ERROR ENOENT" on a dev pod's volume. One of the ways an
# extraction sees ENOENT for a directory it has just created: someone else removes it in between
# (a cleanup job, a second install, a watcher). The extractor's error names only its own path; the
# culprit is a different process that never failed, which is why fstrace keeps successful removals
# system-wide and ties them to the failing path.
#
# Layout under DIR:
#   work/                 where the extractor unpacks d/x/f1..f8 again and again
#   deleter.pid           the deleter loop (started by setup, outside the traced command); each
#                         removal is done by an `rm -rf` child of it

RACING_DELETER_SECS=${RACING_DELETER_SECS:-20} # the trigger gives up (exit 0) after this long
RACING_DELETER_LIFE=${RACING_DELETER_LIFE:-300} # the deleter stops by itself after this long

scenario_describe() {
	echo "racing deleter: an extractor (mkdir -p, then create files, as npm's tar does) meets ENOENT because an unrelated rm -rf removed its directory"
}

scenario_setup() {
	local dir=$1
	mkdir -p "$dir/work"
	# Bounded twice: by its lifetime, and by DIR disappearing. Its own stdio goes nowhere so that
	# a caller capturing the setup's output does not wait for it.
	bash -c 'end=$((SECONDS + $2)); while ((SECONDS < end)) && [[ -d $1 ]]; do rm -rf "$1/d" 2>/dev/null; done' \
		racing-deleter "$dir/work" "$RACING_DELETER_LIFE" </dev/null >/dev/null 2>&1 &
	echo $! >"$dir/deleter.pid"
}

scenario_trigger() {
	local w=$1/work n=0 i end=$((SECONDS + RACING_DELETER_SECS))
	while ((SECONDS < end)); do
		n=$((n + 1))
		mkdir -p "$w/d/x" || { echo "racing_deleter: extraction failed in round $n" >&2; return 1; }
		for i in 1 2 3 4 5 6 7 8; do
			# The redirection is an openat(O_CREAT) by this shell itself.
			: >"$w/d/x/f$i" || { echo "racing_deleter: extraction failed in round $n" >&2; return 1; }
		done
	done
	echo "racing_deleter: no ENOENT in ${RACING_DELETER_SECS}s ($n rounds)" >&2
	return 0
}

scenario_cleanup() {
	fst_sweep "$1"
}

scenario_caught() {
	zcat "$1" | jq -e -s --arg w "$2/work/d" '
		any(.[]; .type == "syscall" and .errno == "ENOENT" and ((.path // "") | startswith($w))) and
		any(.[]; .type == "remove" and ((.path // "") | startswith($w)))' >/dev/null
}

scenario_verify() {
	local dir=$1 rc=0 out
	kill -0 "$(<"$dir/deleter.pid")" 2>/dev/null || { echo "deleter is not running"; return 1; }
	out=$(scenario_trigger "$dir" 2>&1) || rc=$?
	[[ $rc -ne 0 ]] || { echo "trigger did not fail: $out"; return 1; }
	grep -F "No such file or directory" <<<"$out" || { echo "no ENOENT: $out"; return 1; }
}

# The finding fstrace must make of it: class and cause.
scenario_finding() {
	echo enoent_race removed
}
