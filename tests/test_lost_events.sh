#!/usr/bin/env bash
# A ring buffer that overflows loses events, and says how many: the kernel counts every event it
# could not queue, the trailer and the report carry the count. The recorder is stopped (SIGSTOP)
# while a known number of failing calls is made, so the 1 MiB ring buffer must overflow. The
# calls fail ENAMETOOLONG: misses (ENOENT) would be counted by process once the ring is half
# full (under_load), and lose nothing.
source "$(dirname "$0")/lib.sh"

id=$RANDOM$RANDOM
cname=fstl${id:0:10}
calls=30000
ln -s /usr/bin/python3 "$T/$cname" # the real binary: a pyenv shim would dispatch on its name
cleanup() {
	[[ -f $T/recorder.pid ]] && kill -CONT "$(<"$T/recorder.pid")" 2>/dev/null
	fst_kill_helpers "$T"
}
fst_on_exit cleanup

rec=$T/rec.jsonl.gz
fst_start_recorder "$rec" --comm "$cname" --ringbuf-mb 1
recorder=$RECORDER
sleep 0.3

kill -STOP "$recorder"
# $calls failing stats of distinct paths (about 400 bytes each in the ring buffer: 12 MiB).
"$T/$cname" -c "
import os
for i in range($calls):
    try:
        os.stat('$T/lost-$id-%d-' % i + 'x' * 260)
    except OSError:
        pass
"
kill -CONT "$recorder"
kill -INT "$recorder"
rc=0
wait "$recorder" || rc=$?
rm -f "$T/recorder.pid"
[[ $rc -eq 0 ]] || fail "fstrace record exited $rc: $(head -n 3 "$T/record.err")"

recorded=$(rec_jq "$rec" --arg p "$T/lost-$id-" \
	'[.[] | select(.type == "syscall" and ((.path // "") | startswith($p)))] | length')
lost=$(rec_jq "$rec" '.[-1].lost')
note "issued $calls, recorded $recorded, lost $lost"
[[ $lost -gt 0 ]] || fail "the ring buffer cannot have held $calls events, yet lost is $lost"
[[ $recorded -lt $calls ]] || fail "recorded $recorded of $calls with a full ring buffer"
# Other processes' removals may also have been dropped, so lost can exceed the storm's share.
[[ $((recorded + lost)) -ge $calls ]] ||
	fail "recorded ($recorded) + lost ($lost) < issued ($calls): events vanished without being counted"
grep -q "$lost lost" "$T/record.err" || fail "fstrace record did not say how many events were lost"
"$FSTRACE" report "$rec" >"$T/report.txt" || fail "fstrace report failed"
grep -q "WARNING: $lost events were lost" "$T/report.txt" || fail "the report does not warn about the $lost lost events"
echo "ok"
