#!/usr/bin/env bash
# The report path under valgrind: `fstrace report` in every format, and `bead --dry-run`, over a
# real recording of a failing command with findings of three classes, and over that recording
# cut short and damaged (the paths that stop early must free what they built too). Any memory
# error or definite leak fails. The sanitizer build (make SANITIZE=1 test) cannot run under
# valgrind; there ASan and LeakSanitizer check the same invocations instead.
source "$(dirname "$0")/lib.sh"

id=$RANDOM$RANDOM
bin=$FSTRACE
if grep -q __asan_init "$FSTRACE"; then
	checker=asan
	note "an ASan build: ASan and LeakSanitizer check the report path instead of valgrind"
else
	command -v valgrind >/dev/null || fail "valgrind is missing (run make deps)"
	checker=valgrind
	# valgrind replaces malloc through the loader, which a static binary has none of: it would see
	# no allocation at all ("0 allocs") and report static glibc's start-up code instead. The same
	# objects linked with glibc dynamically stand in; make test builds build/fstrace-dynamic.
	if ! LC_ALL=C readelf -lW "$FSTRACE" | grep -q 'program interpreter'; then
		bin=${FSTRACE_DYNAMIC:-${FSTRACE%/*}/fstrace-dynamic}
		[[ -x $bin ]] || fail "$FSTRACE is static, which valgrind cannot check, and there is no $bin (make build/fstrace-dynamic)"
		stale=$(find "${bin%/*}" -maxdepth 1 -name '*.o' -newer "$bin" -printf '%f ' 2>/dev/null)
		[[ -z $stale ]] || fail "$bin is older than ${stale}(make build/fstrace-dynamic)"
		note "$FSTRACE is static: valgrind checks $bin, the same objects with glibc linked dynamically"
	fi
fi

# checked WANT-RC NAME ARGS...: fstrace ARGS under the checker; its exit code must be WANT-RC and
# the checker must have found nothing. stdout in $T/NAME.out.
checked() {
	local want=$1 name=$2 rc=0
	shift 2
	if [[ $checker == valgrind ]]; then
		valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--log-file="$T/$name.vg" "$bin" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err" || rc=$?
		# The summary line also proves valgrind ran the program to its end.
		if [[ $rc -eq 99 ]] || ! grep -q "ERROR SUMMARY: 0 errors" "$T/$name.vg"; then
			fail "valgrind: fstrace $* (exit $rc): $(grep -E '^==[0-9]+== +[^ ]' "$T/$name.vg" | sed -n '/Command:/,$p' | head -n 25 | cut -c1-200)"
		fi
	else
		ASAN_OPTIONS=detect_leaks=1 "$FSTRACE" "$@" </dev/null >"$T/$name.out" 2>"$T/$name.err" || rc=$?
		! grep -qE 'Sanitizer|runtime error' "$T/$name.err" ||
			fail "sanitizer: fstrace $* (exit $rc): $(head -n 20 "$T/$name.err")"
	fi
	[[ $rc -eq $want ]] || fail "fstrace $*: exit $rc, expected $want: $(head -n 3 "$T/$name.err")"
	note "$checker: fstrace $*: exit $rc, clean"
}

echo "== a recording with a race, a failed overlay mount and a missing path"
mkdir "$T/upper" "$T/work" "$T/mnt"
rec=$T/rec.jsonl.gz
fst_run "$rec" -o /dev/null -- sh -c "mkdir '$T/d'; touch '$T/d/f'; rm -rf '$T/d'; cat '$T/d/f'
	cat /nonexistent/valgrind-$id
	mount -t overlay overlay -o lowerdir=$T/no-lower,upperdir=$T/upper,workdir=$T/work '$T/mnt'
	exit 1" </dev/null >/dev/null 2>&1
[[ $RUN_RC -eq 1 ]] || fail "the failing command exited $RUN_RC, expected 1"
check_recording "$rec"
if findmnt -rn "$T/mnt" >/dev/null; then umount "$T/mnt"; fail "the overlay mount with a missing lowerdir succeeded"; fi

echo "== report in every format, bead --dry-run"
checked 0 json report --format json "$rec"
classes=$(jq -r '[.findings[].class] | sort | join(" ")' "$T/json.out")
[[ $classes == "enoent_race missing_path overlay_mount" ]] ||
	fail "the recording's findings are '$classes', expected a race, a failed overlay mount and a missing path"
checked 0 text report "$rec"
checked 0 md report --format md "$rec"
checked 0 bead report --format bead "$rec"
for f in text md bead; do
	grep -q "valgrind-$id" "$T/$f.out" || fail "the $f report does not name the missing path: the report was not rendered"
done
checked 0 dryrun bead --dry-run "$rec"

echo "== the paths that stop early: cut short, a broken line, not a recording"
size=$(stat -c %s "$rec")
head -c $((size * 2 / 3)) "$rec" >"$T/cut.jsonl.gz"
checked 1 cut report --format json "$T/cut.jsonl.gz"
jq -e '.truncated == true' "$T/cut.out" >/dev/null || fail "the report of the cut recording does not say truncated"
zcat "$rec" | awk 'NR == 20 { print "{\"ts_ns\":" ; next } { print }' | gzip >"$T/broken.jsonl.gz"
checked 1 broken report "$T/broken.jsonl.gz"
grep -q "line 20:" "$T/broken.err" || fail "the broken recording was not refused at line 20: $(head -n 2 "$T/broken.err")"
echo "not a recording" | gzip >"$T/foreign.jsonl.gz"
checked 1 foreign report --format md "$T/foreign.jsonl.gz"
echo "ok"
