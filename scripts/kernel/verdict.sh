#!/usr/bin/env bash
# `make test-kernel`, step 4: judge the guest's verdict lines (ttyS1, written by guest-init.sh and
# guest-scenario.sh) against the scenarios the host asked for, and print the summary.
#
#   scripts/kernel/verdict.sh VERDICTS SCENARIO...
#
# Passes only when the guest reached /init (BOOT), got to the end (END), said PASS exactly once for
# every scenario asked for (NAME:compat is NAME run with --compat), said nothing else is wrong (no
# FAIL, no SKIP line of any kind) and found the kernel untainted at the end (TAINT 0). The last line
# sums the kernel up for CI logs:
#   test-kernel: <release>: N/N scenarios passed (dirwalk: ..., attach: ...)
# A guest that crashed, hung or left a scenario out therefore fails: the absence of a FAIL is
# never taken as a pass.
set -uo pipefail

[[ $# -ge 2 ]] || {
	echo "usage: verdict.sh VERDICTS SCENARIO..." >&2
	exit 2
}
file=$1
shift
lines=()
[[ -r $file ]] && mapfile -t lines < <(tr -d '\r' <"$file")

problems=()
field() { # the lines that start with WORD, without it
	local l
	for l in "${lines[@]}"; do
		[[ $l == "$1 "* ]] && echo "${l#"$1 "}"
	done
	return 0
}

has() { # a line that is WORD, or starts with it
	local l
	for l in "${lines[@]}"; do [[ $l == "$1" || $l == "$1 "* ]] && return 0; done
	return 1
}

boot=$(field BOOT | head -n 1)
kernel=$(field KERNEL | head -n 1)
[[ -n $boot ]] || problems+=("the guest never reached /init (no BOOT line)")
has END || problems+=("the guest stopped before the end (no END line: a crash, a panic or the time limit)")
taint=$(field TAINT | head -n 1)
if has END && [[ $taint != 0 ]]; then
	problems+=("the kernel is tainted at the end (/proc/sys/kernel/tainted ${taint:-not read}; dmesg in console.log)")
fi
# A scenario's FAIL shows in its own line below; any other (a module, BTF) is a problem of its own.
while read -r l; do
	[[ -n $l && " $* " != *" ${l%% *} "* ]] && problems+=("FAIL $l")
done < <(field FAIL)
while read -r l; do
	[[ -n $l ]] && problems+=("skipped: $l")
done < <(field SKIP)

# The default programs refused where fstrace chose them: it falls back to the compatible ones
# and every scenario still passes, so only this says that a change crossed a limit of this kernel
# (a stack, the verifier's) on the path its users get. The fallback is for kernels not tested here.
refusal=$(field ATTACH | sed -n 's/^path compatible (the default refused: \(.*[^)]\))*$/\1/p' | head -n 1)
[[ -z $refusal ]] || problems+=("the default programs were refused, fstrace fell back: $refusal")

passed=0 failed=0
results=()
for name in "$@"; do
	mapfile -t pass < <(field PASS | awk -v n="$name" '$1 == n')
	fail=$(field FAIL | awk -v n="$name" '$1 == n' | head -n 1)
	if [[ ${#pass[@]} -eq 1 && -z $fail ]]; then
		passed=$((passed + 1))
		read -r _ secs rest <<<"${pass[0]}"
		results+=("$(printf '  PASS  %-18s %5s  %s' "$name" "$secs" "$rest")")
	else
		failed=$((failed + 1))
		if [[ -n $fail ]]; then
			results+=("$(printf '  FAIL  %-18s %s' "$name" "${fail#"$name" }")")
		elif [[ ${#pass[@]} -gt 1 ]]; then
			results+=("$(printf '  FAIL  %-18s said PASS %d times' "$name" "${#pass[@]}")")
			problems+=("$name: PASS ${#pass[@]} times")
		else
			results+=("$(printf '  FAIL  %-18s no verdict (not run, or stopped)' "$name")")
			problems+=("$name: no PASS")
		fi
	fi
done

# The attach modes fstrace -v printed for each run (START opens a run), passed on, not judged.
attach=$(printf '%s\n' "${lines[@]}" | awk '
	$1 == "START" { run = $2; order[++n] = run }
	$1 == "ATTACH" { mode = $0; sub(/^ATTACH [^ ]+ /, "", mode)
		modes[run] = modes[run] ($2 == "?" ? " (fstrace -v printed no attach mode)" : " " $2 "=" mode) }
	$1 == "ATTACHED" { secs[run] = " (attached in " $2 " s)" }
	$1 == "VERIFIED" { secs[run] = secs[run] " (" $3 " verified insns of " $2 ")" }
	END { for (i = 1; i <= n; i++) if (modes[order[i]] != "") printf "  attach %-18s%s%s\n", order[i], modes[order[i]], secs[order[i]] }')

# The summary: the modes of the first run of each path (the first word of each), and the verifier's
# count for the syscall-exit program on each path.
summary=$(printf '%s\n' "${lines[@]}" | awk '
	$1 == "START" { path = ($2 ~ /:compat$/) ? "compat" : "default" }
	$1 == "ATTACH" && !((path, $2) in mode) { mode[path, $2] = $3 }
	$1 == "VERIFIED" && !(path in insns) { insns[path] = $3 }
	END {
		d = mode["default", "dirwalk"]; c = mode["compat", "dirwalk"]
		printf "dirwalk: %s%s, attach: syscalls=%s removed_ino=%s traced_map=%s path=%s, sys_exit verified insns: %s default, %s compat",
			d == "" ? "?" : d, c == "" || c == d ? "" : " (--compat: " c ")",
			mode["default", "syscalls"], mode["default", "removed_ino"], mode["default", "traced_map"],
			mode["default", "path"], insns["default"] == "" ? "?" : insns["default"],
			insns["compat"] == "" ? "?" : insns["compat"]
	}')

echo "test-kernel: ${kernel:-unknown kernel} under qemu TCG, /init at ${boot:-?} s of kernel uptime"
printf '%s\n' "${results[@]}"
[[ -z $attach ]] || echo "$attach"
# Notes (a BPF program the kernel refused, which fstrace did without) are shown, not judged.
while read -r l; do
	[[ -n $l ]] && echo "  note: $l"
done < <(field NOTE)
for p in "${problems[@]}"; do echo "  problem: $p"; done
echo "test-kernel: ${kernel:-unknown kernel}: $passed/$# scenarios passed ($summary)"
[[ $failed -eq 0 && ${#problems[@]} -eq 0 ]]
