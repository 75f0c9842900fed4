#!/usr/bin/env bash
# `make test`'s integration tests (as root): every tests/test_*.sh, or those named, each in a
# fresh directory under /tmp with a time limit. A test passes when it exits 0 and leaves no mount,
# loop device, helper process or fstrace BPF program behind. Logs: build/test-logs/NAME.log.
#
#   FSTRACE=build/fstrace tests/run.sh [NAME...]
#   FST_PROG_PREFIX   name prefix of fstrace's BPF programs (default fst_)
#   FST_TEST_TIMEOUT  seconds per test (default 180)
set -uo pipefail

FST_PROG=tests
# shellcheck source=../scripts/scenarios/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/scripts/scenarios/lib.sh"
export FSTRACE=${FSTRACE:-$FST_REPO/build/fstrace}
export FST_PROG_PREFIX=${FST_PROG_PREFIX:-fst_}
FST_TEST_TIMEOUT=${FST_TEST_TIMEOUT:-180}
logs=$FST_REPO/build/test-logs

[[ $(id -u) -eq 0 ]] || die "must run as root (the tests mount, attach loop devices and load BPF)"
[[ -x $FSTRACE ]] || die "no fstrace binary at $FSTRACE (run make)"
for tool in jq bpftool losetup findmnt zcat timeout; do
	command -v "$tool" >/dev/null || die "$tool is missing (run make deps)"
done

# fstrace's BPF programs loaded now: "id name" lines. A link keeps its program loaded, so no
# program left means no link left either (test_signals also lists the links themselves).
bpf_progs() {
	bpftool -j prog show 2>/dev/null |
		jq -r --arg p "$FST_PROG_PREFIX" '.[] | select((.name // "") | startswith($p)) | "\(.id) \(.name)"' |
		sort
}

# Programs not in the baseline, after giving the kernel a moment to free a closed object's.
bpf_leftovers() {
	local left
	for _ in $(seq 30); do
		left=$(comm -13 <(echo "$baseline") <(bpf_progs))
		[[ -n $left ]] || return 0
		sleep 0.1
	done
	echo "$left" | tr '\n' ' '
}

if [[ $# -gt 0 ]]; then
	tests=()
	for name in "$@"; do tests+=("$FST_REPO/tests/${name%.sh}.sh"); done
else
	tests=("$FST_REPO"/tests/test_*.sh)
fi

rm -rf "$logs"
mkdir -p "$logs"
baseline=$(bpf_progs)
[[ -z $baseline ]] || warn "fstrace BPF programs were already loaded before the tests (ignored): $(echo "$baseline" | tr '\n' ' ')"

passed=0
failed=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	log=$logs/$name.log
	[[ -f $t ]] || { echo "FAIL  $name: no such test"; failed=$((failed + 1)); continue; }
	dir=$(fst_mktemp "test-${name#test_}")
	start=$SECONDS
	rc=0
	# timeout signals the whole process group of the test, fstrace and the helpers included.
	TEST_DIR=$dir timeout -k 10 "$FST_TEST_TIMEOUT" bash "$t" </dev/null >"$log" 2>&1 || rc=$?
	secs=$((SECONDS - start))

	reason=
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		reason="timed out after ${FST_TEST_TIMEOUT}s"
	elif [[ $rc -ne 0 ]]; then
		reason=$(grep -m 1 '^FAIL: ' "$log" | sed 's/^FAIL: //')
		[[ -n $reason ]] || reason="exited $rc: $(grep -v '^ ' "$log" | tail -n 1)"
	fi
	left=$(fst_leftovers "$dir" | grep -v '^dir ' | tr '\n' ' ')
	for f in "$dir"/*.jsonl.gz "$dir"/*/*.jsonl.gz; do
		[[ -f $f ]] && cp "$f" "$logs/$name.${f##*/}"
	done
	fst_sweep "$dir" 2>>"$log" || left+="(sweep failed: see $log)"
	[[ -z $left ]] || reason="${reason:+$reason; }left behind: $left"
	bpf=$(bpf_leftovers)
	if [[ -n $bpf ]]; then
		reason="${reason:+$reason; }BPF programs left loaded: $bpf"
		baseline=$(bpf_progs) # blame the next test only for its own
	fi

	if [[ -z $reason ]]; then
		printf 'PASS  %-24s %3ds\n' "$name" "$secs"
		passed=$((passed + 1))
	else
		printf 'FAIL  %-24s %3ds  %s\n' "$name" "$secs" "$reason"
		sed '/^--- its last 30 syscall events/,$d' "$log" | tail -n 25 | sed 's/^/      | /'
		echo "      (log: $log)"
		failed=$((failed + 1))
	fi
done

# The suite as a whole must not leave fstrace attached anywhere.
bpf=$(bpf_leftovers)
stale=$(findmnt -rn -o TARGET | grep '^/tmp/fstrace-' | tr '\n' ' ')
stale+=$(losetup -n -l -O NAME,BACK-FILE 2>/dev/null | awk '$2 ~ /^\/tmp\/fstrace-/ { printf "%s ", $1 }')
if [[ -z $bpf && -z $stale ]]; then
	printf 'PASS  %-24s\n' "no_leftovers"
	passed=$((passed + 1))
else
	printf 'FAIL  %-24s %s%s\n' "no_leftovers" "${bpf:+BPF programs still loaded: $bpf}" "${stale:+ mounts/loop devices: $stale}"
	failed=$((failed + 1))
fi

echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
