#!/usr/bin/env bash
# An ext4 error on one device is not blamed for an ENOENT on another. Under one `fstrace run`, the
# corrupted ext4 volume fails a lookup (EUCLEAN, ext4_error on the loop device) while, within the
# same second, the command also misses a path on another filesystem (the one holding /tmp). The
# fs_corruption finding must rest only on failures on its own device; the other path is what it is,
# a missing_path finding.
source "$(dirname "$0")/lib.sh"

S=$T/scn
rec=$T/rec.jsonl.gz
report=$T/report.json
cleanup() { "$SCENARIO" cleanup ext4_corruption "$S" || true; }
fst_on_exit cleanup

mkdir -p "$S"
"$SCENARIO" setup ext4_corruption "$S"
dev=$(<"$S/loopdev.majmin")
corrupt=$(<"$S/corrupt.path")
id=$$-$RANDOM$RANDOM
elsewhere=$(realpath "$T")/elsewhere-$id
other_dev=$(findmnt -n -o MAJ:MIN -T "$T" | tr -d ' ')
[[ -n $other_dev && $other_dev != "$dev" ]] || fail "$T is on device '$other_dev', expected another device than the loop device $dev"
note "corrupted volume on $dev; the other misses under $elsewhere (device $other_dev, $(findmnt -n -o FSTYPE -T "$T"))"

# Misses on the other filesystem just before, between and just after the ext4 errors.
# shellcheck disable=SC2016
fst_run "$rec" -o "$report" --format json -- env "${FST_TRIGGER_ENV[@]}" /bin/bash -c '
	cat "$1/before/missing"
	/bin/bash "$2" trigger ext4_corruption "$3" &
	cat "$1/during/missing"
	wait $!
	rc=$?
	cat "$1/after/missing"
	exit $rc' fst-devices "$elsewhere" "$SCENARIO" "$S" </dev/null
[[ $RUN_RC -ne 0 && $RUN_RC -lt 125 ]] || fail "fstrace run exited $RUN_RC, expected the failing trigger's exit code"
check_recording "$rec"
check_report_schema "$report"
note_findings "$report"

# The faults happened, on the devices this test means, within a second of each other.
expect_rec "$rec" "no ext4_error event on the loop device $dev" \
	--arg dev "$dev" 'any(.[]; .type == "ext4_error" and .dev == $dev)'
expect_rec "$rec" "no EUCLEAN on $corrupt" \
	--arg p "$corrupt" 'any(.[]; .type == "syscall" and .errno == "EUCLEAN" and .path == $p)'
for w in before during after; do
	expect_rec "$rec" "no ENOENT event on $elsewhere/$w/missing" \
		--arg p "$elsewhere/$w/missing" 'any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == $p)'
done
expect_rec "$rec" "an ENOENT under $elsewhere is annotated with the loop device $dev" \
	--arg e "$elsewhere/" --arg dev "$dev" \
	'all(.[]; .type != "syscall" or ((.path // "") | startswith($e) | not) or .dev != $dev)'
spread=$(rec_jq "$rec" --arg e "$elsewhere/" --arg dev "$dev" '
	[.[] | select((.type == "ext4_error" and .dev == $dev) or
		(.type == "syscall" and ((.path // "") | startswith($e))))] | (map(.ts_ns) | max - min) / 1e6 | floor')
note "the ext4 errors and the other misses spread over $spread ms"
[[ $spread -lt 1000 ]] || fail "the ext4 errors and the other misses are $spread ms apart, not within a second (the test would prove nothing)"

finding=$(jq -c --arg dev "$dev" '[.findings[] | select(.class == "fs_corruption" and .device.dev == $dev)] | first' "$report")
[[ $finding != null ]] || fail "no fs_corruption finding for the loop device $dev"
jq -e --arg e "$elsewhere/" 'all(.evidence[]; (.path // "") | startswith($e) | not)' <<<"$finding" >/dev/null ||
	fail "the fs_corruption finding on $dev cites a failure on another filesystem: $(jq -c --arg e "$elsewhere/" '[.evidence[] | select((.path // "") | startswith($e)) | {syscall, errno, path, dev}]' <<<"$finding")"
jq -e --arg dev "$dev" 'all(.evidence[]; .type != "syscall" or .dev == $dev)' <<<"$finding" >/dev/null ||
	fail "the fs_corruption finding on $dev cites a failing call on another device: $(jq -c --arg dev "$dev" '[.evidence[] | select(.type == "syscall" and .dev != $dev) | {syscall, errno, path, dev}]' <<<"$finding")"
jq -e --arg p "$corrupt" 'any(.evidence[]; .type == "syscall" and .errno == "EUCLEAN" and .path == $p)' <<<"$finding" >/dev/null ||
	fail "the fs_corruption finding lacks the EUCLEAN on $corrupt"
jq -e --arg dev "$other_dev" 'all(.findings[]; .class != "fs_corruption" or .device.dev != $dev)' "$report" >/dev/null ||
	fail "an fs_corruption finding for $other_dev, a device without ext4 errors"
for w in before during after; do
	jq -e --arg p "$elsewhere/$w/missing" 'any(.findings[]; .class == "missing_path" and .path == $p)' "$report" >/dev/null ||
		fail "$elsewhere/$w/missing is not a missing_path finding (on another device than the ext4 errors, nothing else explains it)"
done
echo "ok"
