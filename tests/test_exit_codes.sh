#!/usr/bin/env bash
# `fstrace run` is transparent: the command's exit code (128+N for a signal), and its stdin, stdout
# and stderr byte for byte. Every recording ends with a trailer that lost nothing.
source "$(dirname "$0")/lib.sh"

expect_exit() {
	local want=$1 label=$2 rec
	shift 2
	rec=$T/$label.jsonl.gz
	fst_run "$rec" -o "$T/$label.report" -- "$@" </dev/null
	[[ $RUN_RC -eq $want ]] || fail "run -- $*: exit code $RUN_RC, expected $want"
	check_recording "$rec"
	check_no_loss "$rec"
	[[ -f $T/$label.report ]] || fail "run -o $T/$label.report wrote no report"
}

expect_exit 0 true true
expect_exit 3 exit3 sh -c 'exit 3'
expect_exit 137 kill9 sh -c 'kill -9 $$'
expect_exit 143 term sh -c 'kill -TERM $$'

# Pass-through: binary data, no trailing newline, stdout larger than any pipe buffer. The report
# goes to -o so that stderr holds only the command's bytes.
head -c 300000 /dev/urandom >"$T/out.bin"
printf 'err\0\001\377 line one\nno newline at the end' >"$T/err.bin"
head -c 100000 /dev/urandom >"$T/in.bin"
rec=$T/io.jsonl.gz
fst_run "$rec" -o "$T/io.report" -- sh -c 'cat "$1"; cat "$2" >&2; cat >"$3"' _ \
	"$T/out.bin" "$T/err.bin" "$T/in.got" <"$T/in.bin" >"$T/out.got" 2>"$T/err.got"
[[ $RUN_RC -eq 0 ]] || fail "the pass-through command exited $RUN_RC"
cmp -s "$T/out.bin" "$T/out.got" || fail "stdout differs from the command's ($(stat -c %s "$T/out.got") of 300000 bytes)"
cmp -s "$T/err.bin" "$T/err.got" ||
	fail "stderr differs from the command's (with -o, fstrace itself must print nothing): $(head -c 300 "$T/err.got" | cat -v)"
cmp -s "$T/in.bin" "$T/in.got" || fail "the command's stdin differs from what was piped to fstrace"
check_recording "$rec"
check_no_loss "$rec"

# Without -o the report goes to stderr, after the command's own output.
rec=$T/stderr.jsonl.gz
fst_run "$rec" -- sh -c 'echo to-stdout; echo to-stderr >&2; cat /nonexistent/exit-codes-$$' \
	</dev/null >"$T/stdout2.got" 2>"$T/stderr2.got"
[[ $RUN_RC -eq 1 ]] || fail "run -- sh -c '...; cat /nonexistent/...': exit code $RUN_RC, expected 1"
[[ $(<"$T/stdout2.got") == to-stdout ]] || fail "stdout is not the command's: $(head -c 300 "$T/stdout2.got" | cat -v)"
[[ $(head -n 1 "$T/stderr2.got") == to-stderr ]] || fail "stderr does not start with the command's own line"
[[ $(wc -l <"$T/stderr2.got") -gt 2 ]] || fail "no report on stderr after the command's output"
echo "ok"
