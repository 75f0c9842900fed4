#!/usr/bin/env bash
# The real builds of issue 13 under `fstrace run`, one scenario each, and what the report made of
# them: one Markdown table row per case (events, lost, findings by severity, the top finding,
# events_not_analysed, wall time), for bench/BUILDS-BEFORE.md and the closing note's "after".
# Keeps every recording and report in OUT (default /tmp/fstrace-builds-<time>).
#
#   sudo scripts/bench/builds.sh [-o OUT] [CASE...]
#       (default: late_race npm_ci_real npm_install_then_cleanup npm_bad_json npm_offline_cold
#        failure_storm; npm_ci_real needs the npm registry)
#   FSTRACE=PATH  the binary (default build/fstrace)
#   BUILDS_RUN_OPTS  extra `fstrace run` options (e.g. "--ringbuf-mb 16")
set -euo pipefail

FST_PROG=builds
# shellcheck source=../scenarios/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scenarios/lib.sh"
SCENARIO=$FST_REPO/scripts/scenario.sh
FSTRACE=${FSTRACE:-$FST_REPO/build/fstrace}
read -r -a run_opts <<<"${BUILDS_RUN_OPTS:-}"

out=
if [[ ${1:-} == -o ]]; then
	out=$2
	shift 2
fi
out=${out:-/tmp/fstrace-builds-$(date +%Y%m%d-%H%M%S)}
fst_need_root
[[ -x $FSTRACE ]] || die "no fstrace binary at $FSTRACE (run make)"
if [[ $# -gt 0 ]]; then cases=("$@"); else
	cases=(late_race npm_ci_real npm_install_then_cleanup npm_bad_json npm_offline_cold failure_storm)
fi
mkdir -p "$out"

dir=
name=
cleanup() {
	if [[ -n $dir ]]; then "$SCENARIO" cleanup "$name" "$dir" >/dev/null 2>&1 || true; fi
	dir=
}
fst_on_exit cleanup

echo "| Case | Exit | Events | Lost | Issued | Findings (crit/high/med/low) | Top finding | events_not_analysed | Wall |"
echo "|---|---|---|---|---|---|---|---|---|"
for name in "${cases[@]}"; do
	dir=$(fst_mktemp "builds-$name")
	if ! "$SCENARIO" setup "$name" "$dir" >"$out/$name.setup" 2>&1; then
		echo "| $name | setup failed: $(tail -n 1 "$out/$name.setup") | | | | | | | |"
		cleanup
		continue
	fi
	rc=0
	t0=$EPOCHREALTIME
	env "${FST_TRIGGER_ENV[@]}" timeout -k 5 600 "$FSTRACE" run --record "$out/$name.jsonl.gz" "${run_opts[@]}" \
		-o "$out/$name.txt" -- /bin/bash "$SCENARIO" trigger "$name" "$dir" </dev/null >"$out/$name.out" 2>&1 || rc=$?
	wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }')
	cleanup
	"$FSTRACE" report --format json "$out/$name.jsonl.gz" >"$out/$name.json" 2>/dev/null || true
	# The storm says how many of its calls failed: the count recorded + lost must reach.
	issued=$(sed -n 's/^storm: .* total=\([0-9]*\) failed.*/\1/p' "$out/$name.out")
	jq -r --arg n "$name" --arg rc "$rc" --arg wall "$wall" --arg issued "${issued:--}" '
		def sev($s): [.findings[] | select(.severity == $s)] | length;
		"| \($n) | \($rc) | \(.events_total) | \(.events_lost) | \($issued) | " +
		"\(sev("critical"))/\(sev("high"))/\(sev("medium"))/\(sev("low")) | " +
		"\(if (.findings | length) > 0 then "\(.findings[0].severity) \(.findings[0].class)/\(.findings[0].cause): \(.findings[0].title | gsub("\\|"; "/") | .[0:90])" else "-" end) | " +
		"\(.events_not_analysed) | \($wall) |"' "$out/$name.json" 2>/dev/null ||
		echo "| $name | $rc | no JSON report | | | | | | $wall |"
done
echo
echo "recordings and reports: $out"
