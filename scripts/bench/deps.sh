#!/usr/bin/env bash
# Packages only `make bench` needs (the comparison tracers and the plot), installed only if missing,
# by scripts/deps.sh. strace and npm are checked by run.sh, which says what it skips.
exec bash "$(dirname "${BASH_SOURCE[0]}")/../deps.sh" bpftrace gnuplot-nox linux-perf strace
