#!/usr/bin/env bash
# `make demo`: reproduce every fault of the scenario table under `fstrace run` and show fstrace's
# report for each. The triggers are meant to fail; the demo exits 0 when every fault was reproduced
# (the trigger failed) and caught (the recording shows it), non-zero otherwise.
#
#   FSTRACE=build/fstrace scripts/demo.sh [SCENARIO...]
set -euo pipefail

FST_PROG=demo
# shellcheck source=scenarios/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/scenarios/lib.sh"
SCENARIO=$FST_REPO/scripts/scenario.sh
FSTRACE=${FSTRACE:-$FST_REPO/build/fstrace}

fst_need_root
[[ -x $FSTRACE ]] || die "no fstrace binary at $FSTRACE (run make first)"
command -v jq >/dev/null || die "jq is missing (run make deps)"

# Unless named, the scenarios that need the network (npm_ci_real: the npm registry) are left out.
if [[ $# -gt 0 ]]; then names=("$@"); else
	names=()
	for name in $(fst_scenarios); do
		if fst_scenario_offline "$name"; then names+=("$name"); else echo "demo: $name left out (needs the network: scripts/demo.sh $name)"; fi
	done
fi

bold=
plain=
if [[ -t 1 ]]; then
	bold=$(printf '\033[1m')
	plain=$(printf '\033[0m')
fi

dir=
cleanup() {
	if [[ -n $dir ]]; then "$SCENARIO" cleanup "$name" "$dir" >/dev/null 2>&1 || true; fi
	dir=
}
fst_on_exit cleanup

results=()
failed=0
i=0
for name in "${names[@]}"; do
	i=$((i + 1))
	printf '\n%s=== [%d/%d] %s: %s%s\n' "$bold" "$i" "${#names[@]}" "$name" "$("$SCENARIO" describe "$name")" "$plain"
	dir=$(fst_mktemp "demo-$name")
	"$SCENARIO" setup "$name" "$dir"

	printf '%s$ fstrace run --record %s -- scenario.sh trigger %s DIR%s\n' \
		"$bold" "$dir/rec.jsonl.gz" "$name" "$plain"
	rc=0
	env "${FST_TRIGGER_ENV[@]}" "$FSTRACE" run --record "$dir/rec.jsonl.gz" -o "$dir/report.txt" -- \
		/bin/bash "$SCENARIO" trigger "$name" "$dir" </dev/null || rc=$?

	printf '%s--- fstrace report (the command exited %d)%s\n' "$bold" "$rc" "$plain"
	if [[ -s $dir/report.txt ]]; then cat "$dir/report.txt"; else echo "(no report written)"; fi

	verdict=ok
	read -r class cause < <("$SCENARIO" finding "$name")
	expect=$("$SCENARIO" expect "$name")
	# A real build that must not be blamed ("none"): no finding above low, whatever it did.
	if [[ $expect == fails && $rc -eq 0 ]]; then
		verdict="not reproduced: the trigger succeeded"
	elif [[ $expect == succeeds && $rc -ne 0 ]]; then
		verdict="not reproduced: the build failed (exit $rc)"
	elif [[ ! -s $dir/rec.jsonl.gz ]]; then
		verdict="not caught: fstrace wrote no recording"
	elif ! "$SCENARIO" caught "$name" "$dir" "$dir/rec.jsonl.gz" 2>/dev/null; then
		verdict="not caught: the recording does not show the fault"
	elif ! "$FSTRACE" report --format json "$dir/rec.jsonl.gz" >"$dir/report.json" ||
		! jq -e -f "$FST_REPO/tests/report_schema.jq" "$dir/report.json" >/dev/null 2>&1; then
		verdict="not diagnosed: the JSON report does not match its schema"
	elif [[ $class == none ]]; then
		if jq -e 'all(.findings[]; .severity == "low")' "$dir/report.json" >/dev/null; then
			verdict="ok: nothing above low"
		else
			verdict="wrongly diagnosed: $(jq -r '[.findings[] | select(.severity != "low") | "\(.severity) \(.class)/\(.cause)"] | unique | join(", ")' "$dir/report.json")"
		fi
	elif ! jq -e --arg c "$class" --arg k "$cause" 'any(.findings[]; .class == $c and (.cause | startswith($k)))' \
		"$dir/report.json" >/dev/null; then
		verdict="not diagnosed: no $class finding with cause $cause"
	else
		verdict="ok: $class/$(jq -r --arg c "$class" '[.findings[] | select(.class == $c)][0].cause' "$dir/report.json")"
	fi
	[[ $verdict == ok* ]] || failed=$((failed + 1))
	results+=("$(printf '%-28s %s' "$name" "$verdict")")
	cleanup
done

printf '\n%s=== summary%s\n' "$bold" "$plain"
printf '%s\n' "${results[@]}"
[[ $failed -eq 0 ]] || die "$failed of ${#names[@]} faults not reproduced or not caught"
