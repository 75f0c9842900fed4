#!/usr/bin/env bash
# `make test-kernel` checks its own judge first: verdict.sh must pass a complete run and fail every
# way a guest can go wrong without saying FAIL (it crashed, hung, skipped or left a scenario out),
# so that a green test-kernel means the scenarios really passed. Runs in well under a second.
#
#   scripts/kernel/verdict-selftest.sh
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fstrace-kernel-verdict.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
names=(nested_overlay racing_deleter ext4_corruption nested_overlay:compat)

# A complete passing run, as the serial port delivers it (CRLF).
good() {
	printf '%s\r\n' "BOOT 5.05" "KERNEL 6.1.0-test" "MODULE overlay.ko" "BTF 4119994" \
		"START nested_overlay" "ATTACH syscalls tp_btf" "ATTACHED 0.6" "PASS nested_overlay 8s overlay_mount/nested_overlay" \
		"START racing_deleter" "ATTACH syscalls tp_btf" "PASS racing_deleter 15s enoent_race/removed" \
		"START ext4_corruption" "ATTACH syscalls raw_tp" "PASS ext4_corruption 10s fs_corruption/ext4_errors" \
		"START nested_overlay:compat" "ATTACH dirwalk unrolled" "VERIFIED fst_sys_exit 30310" \
		"PASS nested_overlay:compat 9s overlay_mount/nested_overlay" "TAINT 0" "END"
}

failures=0 broken=0
# expect RC CASE: verdict.sh on $tmp/CASE.log must exit RC.
expect() {
	local want=$1 case=$2 rc=0
	[[ $want -eq 0 ]] || broken=$((broken + 1))
	bash "$here/verdict.sh" "$tmp/$case.log" "${names[@]}" >"$tmp/$case.out" 2>&1 || rc=$?
	if [[ $rc -ne $want ]]; then
		echo "verdict-selftest: $case: verdict.sh exited $rc, expected $want" >&2
		sed 's/^/  | /' "$tmp/$case.out" >&2
		failures=$((failures + 1))
	fi
}

good >"$tmp/complete.log"
expect 0 complete
good | grep -v '^END' >"$tmp/no_end.log"
expect 1 no_end
good | grep -v '^BOOT' >"$tmp/no_boot.log"
expect 1 no_boot
: >"$tmp/empty.log"
expect 1 empty
good | grep -v '^PASS racing_deleter' >"$tmp/missing_pass.log"
expect 1 missing_pass
good | sed 's/^PASS ext4_corruption .*/FAIL ext4_corruption 9s not caught/' >"$tmp/failed.log"
expect 1 failed
good | sed 's/^PASS ext4_corruption .*/SKIP ext4_corruption no loop device/' >"$tmp/skipped.log"
expect 1 skipped
{ good | sed '$d'; printf 'PASS racing_deleter 1s again\r\nEND\r\n'; } >"$tmp/twice.log"
expect 1 twice
{ good | sed '$d'; printf 'FAIL module loop.ko: bad\r\nEND\r\n'; } >"$tmp/module.log"
expect 1 module
# A PASS cut off mid-line by the power-off still names the scenario: it must not count without END.
good | sed '$d' | head -c -3 >"$tmp/cut.log"
expect 1 cut
# Attach modes are shown, never judged: a kernel where every hook falls back still passes.
good | sed 's/ATTACH syscalls tp_btf/ATTACH syscalls tracepoint\r\nATTACH removed_ino unavailable (fentry: refused)/' \
	>"$tmp/other_modes.log"
expect 0 other_modes
grep -q 'racing_deleter *syscalls=tracepoint removed_ino=unavailable (fentry: refused)$' "$tmp/other_modes.out" ||
	{ echo "verdict-selftest: the attach modes are not in the summary" >&2; failures=$((failures + 1)); }
# But the default programs refused and the compatible ones loaded in their place: a regression on
# a kernel the default path is for, even though every scenario passed.
good | sed 's/^ATTACH syscalls tp_btf/ATTACH path compatible (the default refused: fst_sys_exit_typed: combined stack size of 5 calls is 544. Too/' \
	>"$tmp/default_refused.log"
expect 1 default_refused
grep -q 'problem: the default programs were refused, fstrace fell back: fst_sys_exit_typed: combined stack' \
	"$tmp/default_refused.out" || { echo "verdict-selftest: the refusal is not named" >&2; failures=$((failures + 1)); }
# Nor a program the kernel refused and fstrace did without: a note, not a failure.
good | sed 's/^END/NOTE racing_deleter: the kernel refused fst_x (Permission denied)\r\nEND/' >"$tmp/note.log"
expect 0 note
grep -q '^  note: racing_deleter: the kernel refused fst_x' "$tmp/note.out" ||
	{ echo "verdict-selftest: the note is not in the summary" >&2; failures=$((failures + 1)); }

# The kernel must end untainted (a WARN taints it), and say so.
good | sed 's/^TAINT 0/TAINT 512/' >"$tmp/tainted.log"
expect 1 tainted
good | grep -v '^TAINT' >"$tmp/no_taint.log"
expect 1 no_taint
# The compatible path's run counts like any other.
good | grep -v '^PASS nested_overlay:compat' >"$tmp/no_compat.log"
expect 1 no_compat
grep -q '^test-kernel: 6.1.0-test: 4/4 scenarios passed (dirwalk: .*--compat: unrolled.*30310 compat)$' "$tmp/complete.out" ||
	{ echo "verdict-selftest: no one-line summary of the kernel: $(tail -n 1 "$tmp/complete.out")" >&2; failures=$((failures + 1)); }

[[ $failures -eq 0 ]] || exit 1
echo "verdict-selftest: verdict.sh passes a complete run and fails $broken broken ones"
