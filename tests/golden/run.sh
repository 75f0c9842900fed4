#!/usr/bin/env bash
# `make check`'s golden replay (no root, no BPF): every tests/golden/CASE/recording.jsonl.gz, a
# real recording, goes through `fstrace report` in each format and must give, byte for byte, the
# case's expected.txt, expected.json, expected.md and expected.bead, and the exit code and stderr
# in expected.status. A report is a function of its recording: each report is made twice, the
# second time under another time zone and locale, and the two must be the same.
#
#   tests/golden/run.sh [CASE...]            check (all cases, or those named)
#   tests/golden/run.sh --update [CASE...]   rewrite the expected files from the recordings
#   FSTRACE   the binary (default build/fstrace)
set -uo pipefail

golden=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$golden/../.." && pwd)
FSTRACE=${FSTRACE:-$repo/build/fstrace}
[[ $FSTRACE == /* ]] || FSTRACE=$PWD/$FSTRACE

# The expected files were made this way; nothing in a report should depend on either, and the
# second run of each report changes both to prove it.
export TZ=UTC LC_ALL=C
unset NO_COLOR # colour is only for a terminal; the reports here go to files

# format -> expected file's suffix
formats=(text json md bead)
declare -A suffix=([text]=txt [json]=json [md]=md [bead]=bead)

die() {
	echo "golden: $*" >&2
	exit 1
}

update=0
if [[ ${1:-} == --update ]]; then
	update=1
	shift
fi
[[ -x $FSTRACE ]] || die "no fstrace binary at $FSTRACE (run make)"

cases=()
if [[ $# -gt 0 ]]; then
	for c in "$@"; do
		c=${c%/}
		c=${c##*/}
		[[ -d $golden/$c ]] || die "no case $c in $golden"
		cases+=("$c")
	done
else
	for d in "$golden"/*/; do
		d=${d%/}
		cases+=("${d##*/}")
	done
fi
[[ ${#cases[@]} -gt 0 ]] || die "no cases in $golden"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fstrace-golden.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# fstrace reads the Longhorn volume behind a device with kubectl only while it records (run and
# record with --kube), and files beads with bd only for `bead` and `run --bead`: `report` runs
# neither. Stand-ins that log their call come first on PATH, so that a report that tried to reach
# a cluster, or this machine's bd, fails the check instead of depending on it.
mkdir -p "$tmp/bin"
for tool in kubectl bd; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 1\n' "$tool" "$tmp" >"$tmp/bin/$tool"
	chmod +x "$tmp/bin/$tool"
done
export PATH="$tmp/bin:$PATH"

# report CASE FORMAT OUT: the report on OUT, "exit N" and the stderr lines on OUT.status. Run in the
# case's directory with the relative name, because a cut-short recording's stderr line names the
# file as it was given.
report() {
	local rc=0
	(cd "$golden/$1" && "$FSTRACE" report --format "$2" recording.jsonl.gz >"$3" 2>"$3.err") || rc=$?
	{
		echo "exit $rc"
		cat "$3.err"
	} >"$3.status"
}

# show_diff CASE WHAT OLD NEW OLD-LABEL NEW-LABEL: the case, what differs, its README (how the
# recording was made, what the case proves) and the start of a unified diff.
show_diff() {
	echo "FAIL $1 ($2)"
	if [[ -f $golden/$1/README ]]; then
		sed 's/^/  | /' "$golden/$1/README"
	fi
	diff -u --label "$5" --label "$6" "$3" "$4" | head -n 40
}

passed=0
failed=0
for c in "${cases[@]}"; do
	dir=$golden/$c
	if [[ ! -f $dir/recording.jsonl.gz ]]; then
		echo "FAIL $c: no recording.jsonl.gz"
		failed=$((failed + 1))
		continue
	fi
	ok=1
	for fmt in "${formats[@]}"; do
		out=$tmp/$c.${suffix[$fmt]}
		expected=$dir/expected.${suffix[$fmt]}
		report "$c" "$fmt" "$out"
		# The same report again, elsewhere in the world: a difference is something that is not
		# in the recording (the clock, the zone, the locale) leaking into the report.
		TZ=Pacific/Chatham LC_ALL=C.UTF-8 report "$c" "$fmt" "$out.again"
		if ! cmp -s "$out" "$out.again" || ! cmp -s "$out.status" "$out.again.status"; then
			show_diff "$c" "$fmt: not the same twice" "$out" "$out.again" "TZ=UTC LC_ALL=C" \
				"TZ=Pacific/Chatham LC_ALL=C.UTF-8"
			ok=0
			continue
		fi
		# A format may end otherwise than text: bead of a report without a finding prints no
		# ticket and says so on stderr. Its own expected.FORMAT.status then, only where it differs.
		status=$dir/expected.status
		[[ ! -f $dir/expected.${suffix[$fmt]}.status ]] || status=$dir/expected.${suffix[$fmt]}.status
		if [[ $update -eq 1 ]]; then
			cp "$out" "$expected"
			if [[ $fmt == text ]]; then
				cp "$out.status" "$dir/expected.status"
			elif cmp -s "$out.status" "$dir/expected.status"; then
				rm -f "$dir/expected.${suffix[$fmt]}.status"
			else
				cp "$out.status" "$dir/expected.${suffix[$fmt]}.status"
			fi
			continue
		fi
		if [[ ! -f $expected ]]; then
			echo "FAIL $c ($fmt): no expected.${suffix[$fmt]} (tests/golden/run.sh --update $c makes it)"
			ok=0
		elif ! cmp -s "$expected" "$out"; then
			show_diff "$c" "$fmt" "$expected" "$out" "tests/golden/$c/${expected##*/}" "fstrace report --format $fmt"
			ok=0
		fi
		# Every format ends the same way (but see above): a cut-short recording exits 1 with its
		# line in each.
		if [[ ! -f $status ]]; then
			echo "FAIL $c ($fmt): no expected.status (tests/golden/run.sh --update $c makes it)"
			ok=0
		elif ! cmp -s "$status" "$out.status"; then
			show_diff "$c" "$fmt: exit code and stderr" "$status" "$out.status" \
				"tests/golden/$c/${status##*/}" "fstrace report --format $fmt"
			ok=0
		fi
	done
	if [[ -s $tmp/called ]]; then
		echo "FAIL $c: fstrace report ran $(tr '\n' ';' <"$tmp/called")"
		rm -f "$tmp/called"
		ok=0
	fi
	if [[ $ok -eq 1 ]]; then
		passed=$((passed + 1))
		if [[ $update -eq 1 ]]; then
			echo "  GOLDEN   $c (updated)"
		else
			echo "  GOLDEN   $c"
		fi
	else
		failed=$((failed + 1))
	fi
done

echo "golden: $passed passed, $failed failed"
if [[ $update -eq 1 && $failed -eq 0 ]]; then
	echo "golden: expected files rewritten; review them with git diff tests/golden/"
fi
[[ $failed -eq 0 ]]
