#!/usr/bin/env bash
# Trims a real recording for a golden case: keeps the header, every event, and the trailer, except
# that of the events holding every PATTERN (fixed strings, e.g. '"type":"syscall"' '"comm":"misses"')
# only the first KEEP are kept. The trailer's "events" is rewritten to the number of event lines
# kept, so header, events and trailer stay consistent (today's `fstrace report` trusts the trailer's
# count without checking it); its "lost" is left as recorded. Prints what it dropped.
#
#   tests/golden/trim.sh IN.jsonl.gz OUT.jsonl.gz KEEP PATTERN...
set -euo pipefail

[[ $# -ge 4 ]] || {
	sed -n 's/^#   /usage: /p' "${BASH_SOURCE[0]}" >&2
	exit 2
}
in=$1 out=$2 keep=$3
shift 3
pats=$(printf '%s\n' "$@")
zcat "$in" | awk -v keep="$keep" -v pats="$pats" '
	BEGIN { np = split(pats, p, "\n") }
	/^\{"type":"trailer"/ {
		sub(/"events":[0-9]+/, "\"events\":" n)
		print
		printf "trim: kept %d events, dropped %d of %d matching\n", n, dropped, seen > "/dev/stderr"
		next
	}
	/^\{"type":"header"/ { print; next }
	{
		m = 1
		for (i = 1; i <= np; i++) if (index($0, p[i]) == 0) { m = 0; break }
		if (m && ++seen > keep) { dropped++; next }
		n++
		print
	}' | gzip -9 >"$out"
