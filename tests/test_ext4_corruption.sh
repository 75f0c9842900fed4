#!/usr/bin/env bash
# Seed: npm install on a corrupted ext4 (Longhorn) volume. The failing call only says EUCLEAN or
# ENOENT; the recording must carry ext4's own error, on the right device, so the report can point
# at the filesystem rather than at npm.
source "$(dirname "$0")/lib.sh"

S=$T/scn
rec=$T/rec.jsonl.gz
cleanup() { "$SCENARIO" cleanup ext4_corruption "$S" || true; }
fst_on_exit cleanup

mkdir -p "$S"
"$SCENARIO" setup ext4_corruption "$S"
dev=$(<"$S/loopdev.majmin")
corrupt=$(<"$S/corrupt.path")
note "image on $(<"$S/loopdev") ($dev), zeroed inode $(<"$S/corrupt.ino") behind $corrupt"

fst_run_trigger "$rec" ext4_corruption "$S"
[[ $RUN_RC -ne 0 ]] || fail "extracting over the corrupted entry did not fail (fstrace run exited 0)"
[[ $RUN_RC -lt 125 ]] || fail "fstrace run exited $RUN_RC, not the trigger's exit code"
check_recording "$rec"

expect_rec "$rec" "no ext4_error event with dev $dev (the loop device)" \
	--arg dev "$dev" 'any(.[]; .type == "ext4_error" and .dev == $dev)'
expect_rec "$rec" "the ext4_error event has no func (ext4's function name, e.g. ext4_lookup)" \
	--arg dev "$dev" 'any(.[]; .type == "ext4_error" and .dev == $dev and ((.func // "") | startswith("ext4_")))'
expect_rec "$rec" "no failing syscall with errno EUCLEAN on $corrupt" \
	--arg p "$corrupt" 'any(.[]; .type == "syscall" and .errno == "EUCLEAN" and .path == $p)'
note "ext4_error: $(rec_jq "$rec" -c '[.[] | select(.type == "ext4_error") | {pid, comm, dev, func, line}] | .[:2]')"
echo "ok"
