#!/usr/bin/env bash
# A path that simply is not there is a missing_path finding, low severity, and nothing more: no
# race (nobody removed it) and no corruption (no filesystem error). The misses every program has on
# its way up (a PATH search for the command, locale files, /etc/ld.so.preload) are counted as
# routine, never listed as findings. Once with an absolute path, once with a relative one after cd
# (the finding names the absolute path the kernel resolved).
source "$(dirname "$0")/lib.sh"

id=$$-$RANDOM$RANDOM
dir=$(realpath "$T")/rel
mkdir -p "$dir" "$T/empty1" "$T/empty2"
# Routine misses on purpose: cat is searched for in two directories without it first, and a
# locale that is not installed sends libc looking under /usr/lib/locale.
run_env=(env "PATH=$T/empty1:$T/empty2:/usr/bin:/bin" LC_ALL=xx_YY.UTF-8)

check_missing() {
	local label=$1 path=$2 rec=$T/$1.jsonl.gz report=$T/$1.json finding
	check_recording "$rec"
	check_report_schema "$report"
	note_findings "$report"
	expect_rec "$rec" "$label: no failing openat ENOENT of $path by cat in the recording" \
		--arg p "$path" 'any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == $p and .comm == "cat")'
	finding=$(jq -c --arg p "$path" '[.findings[] | select(.class == "missing_path" and .path == $p)] | first' "$report")
	[[ $finding != null ]] || fail "$label: no missing_path finding with path $path"
	jq -e '.severity == "low" and .cause == "not_found" and .errno == "ENOENT" and .comm == "cat" and .count >= 1' \
		<<<"$finding" >/dev/null ||
		fail "$label: the missing_path finding is $(jq -c '{severity, cause, errno, comm, count}' <<<"$finding"), expected severity low, cause not_found, ENOENT by cat"
	jq -e --arg p "$path" 'any(.evidence[]; .type == "syscall" and .errno == "ENOENT" and .path == $p)' <<<"$finding" >/dev/null ||
		fail "$label: the missing_path finding's evidence lacks the failing call on $path"
	jq -e 'all(.findings[]; .class != "enoent_race" and .class != "fs_corruption")' "$report" >/dev/null ||
		fail "$label: an enoent_race or fs_corruption finding for a path nobody removed on a healthy filesystem: $(jq -c '[.findings[] | select(.class == "enoent_race" or .class == "fs_corruption") | {class, path}]' "$report")"

	# The routine misses happened, and are counted rather than listed.
	expect_rec "$rec" "$label: no ENOENT under /usr/lib/locale in the recording (the locale lookup this test causes)" \
		'any(.[]; .type == "syscall" and .errno == "ENOENT" and ((.path // "") | startswith("/usr/lib/locale/")))'
	expect_rec "$rec" "$label: no execve ENOENT of $T/empty1/cat in the recording (the PATH search this test causes)" \
		--arg p "$T/empty1/cat" 'any(.[]; .type == "syscall" and .syscall == "execve" and .errno == "ENOENT" and .path == $p)'
	jq -e 'all(.findings[]; (.path // "") | startswith("/usr/lib/locale/") | not)' "$report" >/dev/null ||
		fail "$label: a locale file libc looked for is listed as a finding: $(jq -c '[.findings[] | select((.path // "") | startswith("/usr/lib/locale/")) | .path]' "$report")"
	jq -e --arg e "$T/empty" 'all(.findings[]; (.path // "") | startswith($e) | not)' "$report" >/dev/null ||
		fail "$label: a miss of the PATH search for cat is listed as a finding: $(jq -c --arg e "$T/empty" '[.findings[] | select((.path // "") | startswith($e)) | .path]' "$report")"
	jq -e 'all(.findings[]; .path != "/etc/ld.so.preload")' "$report" >/dev/null ||
		fail "$label: /etc/ld.so.preload (looked for by every dynamic program) is listed as a finding"
	jq -e '.routine_misses | .system > 0 and .search > 0 and .total >= .system + .search' "$report" >/dev/null ||
		fail "$label: routine_misses $(jq -c .routine_misses "$report") does not count the locale and PATH-search misses"
	jq -e '[.findings[] | select(.class == "missing_path")] | length == 1' "$report" >/dev/null ||
		fail "$label: more than one missing_path finding for one missing file: $(jq -c '[.findings[] | select(.class == "missing_path") | .path]' "$report")"

	# The text report's summary (the lines before the first blank one) names the class.
	"$FSTRACE" report "$rec" >"$T/$label.txt" || fail "$label: fstrace report failed"
	sed '/^$/,$d' "$T/$label.txt" | grep -q missing_path ||
		fail "$label: the text report's summary lines do not mention missing_path: $(sed '/^$/,$d' "$T/$label.txt" | head -n 5 | tr '\n' '|')"
	sed '/^$/,$d' "$T/$label.txt" | grep -qF "$path" ||
		fail "$label: the text report's summary lines do not name $path"
}

echo "== absolute path"
path=/nonexistent-$id/file
fst_run "$T/abs.jsonl.gz" -o "$T/abs.json" --format json -- "${run_env[@]}" cat "$path" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "run -- cat $path: exit code $RUN_RC, expected 1"
check_missing abs "$path"

echo "== relative path, after cd"
fst_run "$T/rel.jsonl.gz" -o "$T/rel.json" --format json -- "${run_env[@]}" \
	sh -c 'cd "$1" && exec cat "$2"' sh "$dir" "missing-$id/file" </dev/null
[[ $RUN_RC -eq 1 ]] || fail "run -- sh -c 'cd $dir && exec cat missing-$id/file': exit code $RUN_RC, expected 1"
check_missing rel "$dir/missing-$id/file"
echo "ok"
