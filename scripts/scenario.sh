#!/usr/bin/env bash
# The scenario table's one entry point, shared by scripts/demo.sh and tests/: each scenario in
# scripts/scenarios/NAME.sh causes one real filesystem fault (a fault from a seed incident).
#
#   scenario.sh list                       names, one a line
#   scenario.sh describe NAME              one line
#   scenario.sh setup NAME DIR             build the fault's stage under DIR (root)
#   scenario.sh trigger NAME DIR           the command that fails: run it under `fstrace run --`;
#                                          exits non-zero when the fault happened. Quietest as
#                                          env "${FST_TRIGGER_ENV[@]}" fstrace run -- /bin/bash scenario.sh trigger ...
#   scenario.sh cleanup NAME DIR           undo setup, whatever state it is in; idempotent
#   scenario.sh caught NAME DIR RECORDING  exit 0 when the recording shows the fault
#   scenario.sh finding NAME               the finding fstrace must make of it: "class cause", or
#                                          "none": nothing above low (a build that is no fault)
#   scenario.sh expect NAME                "fails" (the trigger exits non-zero: most scenarios) or
#                                          "succeeds" (a real build that must not be blamed)
#   scenario.sh verify [NAME...]           without fstrace: set up, trigger, check the kernel's
#                                          own evidence (dmesg, tracefs), clean up, check leftovers;
#                                          with no NAME, those that need the network are left out
set -euo pipefail

FST_PROG=scenario.sh
# shellcheck source=scenarios/lib.sh
here=${BASH_SOURCE[0]%/*}
[[ $here != "${BASH_SOURCE[0]}" ]] || here=.
source "$here/scenarios/lib.sh"

usage() {
	sed -n 's/^#   scenario.sh /usage: scenario.sh /p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

need_args() {
	[[ $1 -ge $2 ]] || usage
}

verify_one() {
	local name=$1 dir rc=0 out left
	dir=$(fst_mktemp "verify-$name")
	fst_load_scenario "$name"
	# shellcheck disable=SC2064
	trap "scenario_cleanup '$dir' >/dev/null 2>&1 || true" EXIT
	if ! out=$(scenario_setup "$dir" 2>&1); then
		rc=1
		out="setup failed: $out"
	elif ! out=$(scenario_verify "$dir" 2>&1); then
		rc=1
	fi
	scenario_cleanup "$dir" >/dev/null 2>&1 || true
	trap - EXIT
	left=$(fst_leftovers "$dir")
	if [[ -n $left ]]; then
		rc=1
		out+=$'\n'"left behind: $left"
	fi
	if [[ $rc -eq 0 ]]; then
		echo "ok    $name"
	else
		echo "FAIL  $name"
	fi
	[[ -z $out ]] || printf '      %s\n' "${out//$'\n'/$'\n'      }"
	return "$rc"
}

[[ $# -ge 1 ]] || usage
cmd=$1
shift
case $cmd in
list)
	fst_scenarios
	;;
describe)
	need_args $# 1
	fst_load_scenario "$1"
	scenario_describe
	;;
setup | trigger | cleanup)
	need_args $# 2
	fst_need_root
	fst_load_scenario "$1"
	"scenario_$cmd" "$2"
	;;
caught)
	need_args $# 3
	fst_load_scenario "$1"
	scenario_caught "$3" "$2"
	;;
finding)
	need_args $# 1
	fst_load_scenario "$1"
	scenario_finding
	;;
expect)
	need_args $# 1
	fst_load_scenario "$1"
	if declare -F scenario_expect >/dev/null; then scenario_expect; else echo fails; fi
	;;
verify)
	fst_need_root
	argv=("$@")
	if [[ $# -eq 0 ]]; then
		argv=()
		for name in $(fst_scenarios); do
			if fst_scenario_offline "$name"; then argv+=("$name"); else echo "skip  $name (needs the network: name it to run it)"; fi
		done
	fi
	failed=0
	for name in "${argv[@]}"; do
		(verify_one "$name") || failed=$((failed + 1))
	done
	[[ $failed -eq 0 ]]
	;;
*)
	usage
	;;
esac
