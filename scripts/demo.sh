#!/usr/bin/env bash
# `make demo`: reproduce every fault of the scenario table under `fstrace run` and show fstrace's
# report for each. The triggers are meant to fail; the demo exits 0 when every fault was reproduced
# (the trigger failed) and caught (the recording shows it), non-zero otherwise.
#
# Without arguments it ends with the seed's nested overlay where it happened: from inside a devpod
# (scripts/devpod/devpod.sh: containerd, runc, the overlayfs snapshotter's root overlay), skipped
# with one line where containerd cannot start one.
#
#   FSTRACE=build/fstrace scripts/demo.sh [SCENARIO...]
set -euo pipefail

FST_PROG=demo
# shellcheck source=scenarios/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/scenarios/lib.sh"
SCENARIO=$FST_REPO/scripts/scenario.sh
FSTRACE=${FSTRACE:-$FST_REPO/build/fstrace}
# shellcheck source=devpod/devpod.sh
source "$FST_REPO/scripts/devpod/devpod.sh"

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
pod=
cleanup() {
	if [[ -n $dir ]]; then "$SCENARIO" cleanup "$name" "$dir" >/dev/null 2>&1 || true; fi
	dir=
	if [[ -n $pod ]]; then
		devpod_down "$pod" >/dev/null 2>&1 || true
		fst_sweep "$pod" || true
	fi
	pod=
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
	tries=1
	fst_scenario_racy "$name" && tries=3
	for ((try = 1; try <= tries; try++)); do
		rc=0
		env "${FST_TRIGGER_ENV[@]}" "$FSTRACE" run --record "$dir/rec.jsonl.gz" --force -o "$dir/report.txt" -- \
			/bin/bash "$SCENARIO" trigger "$name" "$dir" </dev/null || rc=$?
		[[ $rc -eq 0 && $try -lt $tries && $("$SCENARIO" expect "$name") == fails ]] || break
		echo "demo: $name: the race missed its window (the trigger succeeded); again ($((try + 1))/$tries)"
	done

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

# The nested overlay from inside a devpod: the same trigger, the root overlay the container's own.
devpod_demo() {
	local tool rc=0 verdict
	printf '\n%s=== [devpod] nested_overlay inside a pod: docker'"'"'s overlay on the container'"'"'s own root overlay%s\n' \
		"$bold" "$plain"
	for tool in containerd ctr runc; do
		if ! PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null; then
			echo "skipped: $tool is not installed (make deps installs containerd and runc)"
			return 0
		fi
	done
	pod=$(fst_mktemp demo-devpod)
	# devpod_up dies on a failed step: in a subshell, so that the demo goes on to its summary.
	if ! (DEVPOD_QUIET=1 FSTRACE=$FSTRACE devpod_up "$pod") 2>"$pod/up.err"; then
		echo "skipped: containerd could not start the devpod: $(grep -v '^ *$' "$pod/up.err" | tail -n 1)"
		cleanup
		return 0
	fi
	devpod_load "$pod"
	devpod_exec env NESTED_OVERLAY_ROOT=/ /bin/bash /opt/fstrace/scripts/scenario.sh setup nested_overlay /tmp/nested </dev/null
	printf '%s[%s/%s]$ fstrace run --record /out/rec.jsonl.gz -- scenario.sh trigger nested_overlay DIR%s\n' \
		"$bold" "$DEVPOD_NAMESPACE" "$DEVPOD_POD" "$plain"
	devpod_exec env "${FST_TRIGGER_ENV[@]}" NESTED_OVERLAY_ROOT=/ /opt/fstrace/bin/fstrace run --record /out/rec.jsonl.gz \
		-o /out/report.txt -- /bin/bash /opt/fstrace/scripts/scenario.sh trigger nested_overlay /tmp/nested </dev/null || rc=$?
	printf '%s--- fstrace report, inside the pod (the command exited %d)%s\n' "$bold" "$rc" "$plain"
	if [[ -s $pod/out/report.txt ]]; then cat "$pod/out/report.txt"; else echo "(no report written)"; fi
	devpod_exec /opt/fstrace/bin/fstrace report --format json /out/rec.jsonl.gz >"$pod/out/report.json" </dev/null || true
	if [[ $rc -eq 0 ]]; then
		verdict="not reproduced: the trigger succeeded"
	elif jq -e 'any(.findings[]; .class == "overlay_mount" and .cause == "nested_overlay")' "$pod/out/report.json" \
		>/dev/null 2>&1; then
		verdict="ok: overlay_mount/nested_overlay"
	else
		verdict="not diagnosed: no overlay_mount finding with cause nested_overlay"
	fi
	[[ $verdict == ok* ]] || failed=$((failed + 1))
	results+=("$(printf '%-28s %s' "devpod: nested_overlay" "$verdict")")
	cleanup
}
[[ $# -gt 0 ]] || devpod_demo

printf '\n%s=== summary%s\n' "$bold" "$plain"
printf '%s\n' "${results[@]}"
[[ $failed -eq 0 ]] || die "$failed of ${#results[@]} faults not reproduced or not caught"
