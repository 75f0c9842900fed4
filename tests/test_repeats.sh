#!/usr/bin/env bash
# A failure repeated by one process (a retry loop) is counted in the kernel instead of sent a
# million times (bpf/repeats.bpf.h): the recording holds a handful of records whose counts add up
# to exactly the calls made, and the report counts the calls, not the records. Failures that
# differ in process, path, directory or errno are never folded together, and distinct failures
# as fast as one process can make them lose nothing.
source "$(dirname "$0")/lib.sh"

id=$RANDOM$RANDOM
cc -O2 -o "$T/fail_loop" "$FST_REPO/tests/helpers/fail_loop.c" || fail "cannot build tests/helpers/fail_loop.c"
cc -O2 -o "$T/storm" "$FST_REPO/scripts/bench/storm.c" || fail "cannot build scripts/bench/storm.c"
cleanup() {
	[[ -f $T/recorder.pid ]] && kill -INT "$(<"$T/recorder.pid")" 2>/dev/null
	fst_kill_helpers "$T"
}
fst_on_exit cleanup

# The calls the recording stands for under a jq condition: the sum of the records' counts.
calls() {
	local rec=$1 cond=$2
	shift 2
	rec_jq "$rec" "$@" "[.[] | select(.type == \"syscall\" and ($cond)) | (.count // 1)] | add // 0"
}
records() {
	local rec=$1 cond=$2
	shift 2
	rec_jq "$rec" "$@" "[.[] | select(.type == \"syscall\" and ($cond))] | length"
}

echo "== one process, the same failing open 1,000,000 times"
path=/nonexistent/repeats-$id/a
rec=$T/loop.jsonl.gz
fst_run "$rec" --format json -o "$T/loop.json" -- "$T/fail_loop" -e 1 1000000 "openw:$path" >"$T/loop.out"
[[ $RUN_RC -eq 1 ]] || fail "fail_loop exited $RUN_RC under fstrace run, expected 1"
check_recording "$rec"
made=$(awk '{print $3}' "$T/loop.out")
[[ $made -eq 1000000 ]] || fail "fail_loop made $made failing calls, expected 1000000"
n=$(records "$rec" '.path == $p' --arg p "$path")
got=$(calls "$rec" '.path == $p' --arg p "$path")
note "1000000 calls: $n records, counts summing to $got"
[[ $got -eq $made ]] || fail "the records of $path stand for $got calls, the process made $made"
[[ $n -le 64 ]] || fail "$n records for one repeated failure: the repeats were not folded"
expect_rec "$rec" "a folded record has no last_ns at or after its ts_ns, or is not an ENOENT openat" \
	--arg p "$path" 'all(.[]; .type != "syscall" or .path != $p or ((.count // 1) == 1) or
		(.last_ns >= .ts_ns and .errno == "ENOENT" and .syscall == "openat"))'
expect_rec "$rec" "a record with count 1 carries count or last_ns (the format adds them only above 1)" \
	'all(.[]; (.count // 2) > 1 and ((.count == null) == (.last_ns == null)))'
check_report_schema "$T/loop.json"
note_findings "$T/loop.json"
# fail_loop prints nothing about the path, so the miss is not called the cause: it is the verdict's
# last miss, and the analysis counts every folded call of it as a miss its output does not name.
jq -e --arg p "$path" --argjson n "$made" '.verdict.last_miss.path == $p and .routine_misses.unnamed == $n' \
	"$T/loop.json" >/dev/null ||
	fail "the report does not count $made calls for $path: $(jq -c '{verdict, routine_misses}' "$T/loop.json")"

# Nothing to fold here: every call is a new key, and its event goes out at once. The identity
# must hold exactly; losses themselves are the collector's throughput (on the project's VM the
# ring buffer overflows at ~120k distinct failures/s with or without folding: see the note).
echo "== one process, 100,000 distinct failing paths as fast as it goes: recorded + lost = issued"
rec=$T/storm.jsonl.gz
prefix=/nonexistent/repeats-$id/storm
fst_run "$rec" -- "$T/storm" --procs 1 --count 100000 --prefix "$prefix" >"$T/storm.out"
[[ $RUN_RC -eq 0 ]] || fail "storm exited $RUN_RC under fstrace run"
made=$(sed -n 's/.* total=\([0-9]*\) failed.*/\1/p' "$T/storm.out")
[[ $made -eq 100000 ]] || fail "storm made ${made:-no} failing calls, expected 100000: $(cat "$T/storm.out")"
got=$(calls "$rec" '(.path // "") | startswith($p)' --arg p "$prefix/")
lost=$(rec_jq "$rec" '.[-1].lost_by_type.syscall // 0')
note "issued $made, recorded $got, lost $lost ($(sed 's/^storm: //' "$T/storm.out"))"
[[ $((got + lost)) -eq $made ]] || fail "recorded ($got) + lost ($lost) != issued ($made)"
[[ $lost -eq 0 ]] || note "NOTE: $lost of $made distinct failures lost at the default ring size"

echo "== never folded together: two paths, two errnos, two directories, two processes"
mkdir -p "$T/d1" "$T/d2" "$T/dir"
cname=fstrep${id:0:9}
ln -s "$T/fail_loop" "$T/$cname"
rec=$T/apart.jsonl.gz
fst_start_recorder "$rec" --comm "$cname"
recorder=$RECORDER
p1=/nonexistent/repeats-$id/p1 p2=/nonexistent/repeats-$id/p2
rounds=50000
"$T/$cname" "$rounds" "stat:$p1" "stat:$p2" "openw:$T/dir" "openx:$T/dir" "stat:$T/d1:rel" "stat:$T/d2:rel" \
	>"$T/first.out" &
first=$!
"$T/$cname" "$rounds" "stat:$p1" >"$T/second.out" &
second=$!
wait "$first" "$second"
kill -INT "$recorder"
fst_wait_exit "$recorder" 15
[[ $WAIT_RC -eq 0 ]] || fail "fstrace record exited $WAIT_RC: $(head -n 3 "$T/record.err")"
check_recording "$rec"
grep -q "repeated calls folded into them (0 lost)" "$T/record.err" ||
	fail "fstrace record's summary does not count the folded calls: $(cat "$T/record.err")"
while read -r spec errno made; do
	case $spec in
	stat:"$T"/d1:rel) p=$(realpath "$T")/d1/rel ;;
	stat:"$T"/d2:rel) p=$(realpath "$T")/d2/rel ;;
	*) p=${spec#*:} ;;
	esac
	sc=newfstatat
	[[ $spec == open* ]] && sc=openat
	got=$(calls "$rec" '.pid == $pid and .path == $p and .errno == $e and .syscall == $sc' \
		--argjson pid "$first" --arg p "$p" --arg e "$errno" --arg sc "$sc")
	note "$spec: $errno x$made, recorded $got"
	[[ $got -eq $made && $made -eq $rounds ]] || fail "$spec ($errno): made $made, the recording counts $got"
done <"$T/first.out"
read -r _ errno made <"$T/second.out"
got=$(calls "$rec" '.pid == $pid and .path == $p' --argjson pid "$second" --arg p "$p1")
[[ $got -eq $made && $made -eq $rounds ]] || fail "the second process's $p1: made $made, the recording counts $got"
echo "ok"
