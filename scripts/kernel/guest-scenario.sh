#!/bin/bash
# `make test-kernel`, inside the guest: one scenario under fstrace, judged as `make demo` judges it.
# Setup, then the trigger under `fstrace run -v`; the fault must have happened (the trigger failed),
# the recording must show it (scenario.sh caught), and fstrace's JSON report must match its schema
# and hold the finding scenario.sh names. Cleanup must leave nothing behind.
#
#   guest-scenario.sh NAME[:compat]   verdict lines to $FSTK_OUT: START, ATTACH..., ATTACHED, VERIFIED,
#                               NOTE, PASS or FAIL; exit 0 on PASS, 3 on FAIL (anything else: it
#                               stopped without a verdict). NAME:compat runs fstrace with --compat, so
#                               the compatible programs are tested on every kernel, not only old ones.
#
# fstrace -v lists the attach mode of each hook ("fstrace:   syscalls    raw_tp"); they are passed on
# as ATTACH lines. One is judged: Debian's 6.1 allows fentry, so removed_ino must be "fentry" there
# (the same binary says "unavailable" on the CI host, which refuses fentry), and a race's actor must
# then carry the removed inode.
set -uo pipefail

repo=/opt/fstrace
label=$1
name=${label%:compat}
compat=()
[[ $label == "$name" ]] || compat=(--compat)
FSTRACE=$repo/build/fstrace
SCENARIO=$repo/scripts/scenario.sh
# shellcheck disable=SC2034 # lib.sh's die and warn name it
FST_PROG=guest-scenario
# shellcheck source=../scenarios/lib.sh
source "$repo/scripts/scenarios/lib.sh"

say() {
	printf '%s\n' "$*" >>"$FSTK_OUT"
	printf 'fstrace-guest: %s\n' "$*"
}

start=$SECONDS
dir=$(fst_mktemp "kernel-$name")
rec=$dir/rec.jsonl.gz
say "START $label"

# What explains a failure goes to the console (the host shows its tail): the end of what fstrace
# and the trigger printed.
show_run_log() {
	[[ -s $dir/run.err ]] || return 0
	echo "--- fstrace run -v: the last lines of its stderr"
	grep -v '^libbpf: ' "$dir/run.err" | tail -n 40
}

verdict() {
	local word=$1
	shift
	"$SCENARIO" cleanup "$name" "$dir" >/dev/null 2>&1
	local left
	left=$(fst_leftovers "$dir" | tr '\n' ' ')
	if [[ -n $left && $word == PASS ]]; then
		word=FAIL
		set -- "cleanup left behind: $left"
	fi
	say "$word $label $((SECONDS - start))s $*"
	[[ $word == PASS ]] || exit 3
	exit 0
}

if ! out=$("$SCENARIO" setup "$name" "$dir" 2>&1); then
	printf '%s\n' "$out" | tail -n 20
	verdict FAIL "setup failed: $(tail -n 1 <<<"$out")"
fi

rc=0
env "${FST_TRIGGER_ENV[@]}" "$FSTRACE" run -v "${compat[@]}" --record "$rec" -- \
	/bin/bash "$SCENARIO" trigger "$name" "$dir" </dev/null >"$dir/run.out" 2>"$dir/run.err" || rc=$?

# An indented "fstrace:   HOOK MODE..." line per hook; MODE may say more ("unavailable (why)").
attach=0
while read -r hook mode; do
	say "ATTACH $hook $mode"
	attach=$((attach + 1))
done < <(sed -n 's/^fstrace:  \+\([a-z0-9_]\+\) \+\([^ ].*\)$/\1 \2/p' "$dir/run.err")
[[ $attach -gt 0 ]] || say "ATTACH ? (fstrace -v printed no attach mode)"
secs=$(sed -n 's/^fstrace: attached in \([0-9.]\+\) s\b.*$/\1/p' "$dir/run.err" | head -n 1)
[[ -z $secs ]] || say "ATTACHED $secs"
# The verifier's count for the program every syscall runs (fstrace -v: "verified instructions:").
verified=$(sed -n 's/^fstrace: verified instructions: \(fst_sys_exit[a-z_]*\) \([0-9]\+\).*$/\1 \2/p' "$dir/run.err" | head -n 1)
[[ -z $verified ]] || say "VERIFIED $verified"

# A program the kernel refused is worth seeing even when fstrace did without it (an optional hook):
# a NOTE line names it, and its verifier log goes to the console.
refused=$(sed -n "s/^libbpf: prog '\([^']*\)': BPF program load failed: \(.*\)$/\1 (\2)/p" "$dir/run.err" |
	sort -u | tr '\n' ' ')
if [[ -n $refused ]]; then
	say "NOTE $label: the kernel refused ${refused}(fstrace run -v's verifier log is in console.log)"
	echo "--- fstrace run -v: the verifier's log"
	sed -n '/BPF program load failed/p; /-- BEGIN PROG LOAD LOG --/,/-- END PROG LOAD LOG --/p' "$dir/run.err" |
		head -n 200
fi

read -r class cause < <("$SCENARIO" finding "$name")
if [[ ! -s $rec ]]; then
	show_run_log
	verdict FAIL "not caught: fstrace wrote no recording (it exited $rc)"
elif [[ $rc -eq 0 ]]; then
	show_run_log
	verdict FAIL "not reproduced: the trigger succeeded"
elif ! zcat "$rec" | tail -n 1 | jq -e '.type == "trailer"' >/dev/null 2>&1; then
	show_run_log
	verdict FAIL "the recording has no trailer: fstrace did not finish it (it exited $rc)"
elif ! "$SCENARIO" caught "$name" "$dir" "$rec" 2>/dev/null; then
	show_run_log
	verdict FAIL "not caught: the recording does not show the fault"
elif ! "$FSTRACE" report --format json "$rec" >"$dir/report.json" 2>"$dir/report.err"; then
	tail -n 5 "$dir/report.err"
	verdict FAIL "fstrace report --format json failed"
elif ! err=$(jq -e -f "$repo/tests/report_schema.jq" "$dir/report.json" 2>&1 >/dev/null); then
	verdict FAIL "the JSON report does not match its schema: $(head -n 3 <<<"$err" | tr '\n' ' ')"
elif ! jq -e --arg c "$class" --arg k "$cause" 'any(.findings[]; .class == $c and (.cause | startswith($k)))' \
	"$dir/report.json" >/dev/null; then
	echo "--- findings: $(jq -c '[.findings[] | {class, cause, path}]' "$dir/report.json")"
	verdict FAIL "not diagnosed: no $class finding with cause $cause"
fi
if ! grep -Eq '^fstrace:  *removed_ino  *fentry( \(.*\))?$' "$dir/run.err"; then
	verdict FAIL "removed_ino is not on fentry, which this kernel allows: $(grep '^fstrace:  *removed_ino' "$dir/run.err")"
elif [[ $class == enoent_race ]] &&
	! jq -e 'any(.findings[]; .class == "enoent_race" and (.actor.ino // 0) > 0 and (.actor.dev // "") != "")' \
		"$dir/report.json" >/dev/null; then
	echo "--- actors: $(jq -c '[.findings[] | .actor // empty]' "$dir/report.json")"
	verdict FAIL "the race's actor carries no removed inode although removed_ino is on fentry"
fi
# The whole text report, for whoever reads console.log: what fstrace says on this kernel.
"$FSTRACE" report "$rec" 2>&1 | sed 's/^/  | /'
# Lost events are shown, not judged: the finding above is what the scenario asks for.
lost=$(zcat "$rec" | tail -n 1 | jq -r '.lost')
verdict PASS "$class/$(jq -r --arg c "$class" '[.findings[] | select(.class == $c)][0].cause' "$dir/report.json") lost=$lost"
