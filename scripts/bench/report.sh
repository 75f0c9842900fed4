#!/usr/bin/env bash
# report.sh RAW.csv META OUTDIR: the benchmark's table (stdout), its dated section in
# OUTDIR/RESULTS.md and the plot OUTDIR/overhead.png, from one run's raw numbers.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
raw=$1 meta=$2 outdir=$3
work=$(mktemp -d /tmp/fstrace-bench-report.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$here/report.py" "$raw" "$meta" "$outdir" "$work"
if (cd "$work" && gnuplot overhead.gp 2>gnuplot.err); then
	echo "plot: ${outdir%/}/overhead.png"
else
	echo "report: gnuplot failed: $(head -n 3 "$work/gnuplot.err")" >&2
fi
