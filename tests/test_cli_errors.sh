#!/usr/bin/env bash
# A usage or input error ends with a non-zero exit (not a crash) and exactly one line on stderr.
source "$(dirname "$0")/lib.sh"

: >"$T/empty.jsonl.gz"
printf '{"type":"header"}\n' >"$T/plain.jsonl"
head -c 4096 /dev/urandom >"$T/random.bin"

expect_usage_error() {
	local what=$1 rc=0 lines
	shift
	timeout -k 5 20 "$FSTRACE" "$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	[[ $rc -ne 124 ]] || fail "$what (fstrace $*): did not finish within 20 s"
	[[ $rc -ne 0 ]] || fail "$what (fstrace $*): exit code 0"
	[[ $rc -lt 126 ]] || fail "$what (fstrace $*): exit code $rc (a crash or a signal)"
	lines=$(wc -l <"$T/err")
	[[ $lines -eq 1 && $(tail -c 1 "$T/err" | od -An -c | tr -d ' ') == '\n' ]] ||
		fail "$what (fstrace $*): $lines lines on stderr, expected exactly one: $(head -n 5 "$T/err" | cat -v)"
	[[ -n $(tr -d '[:space:]' <"$T/err") ]] || fail "$what (fstrace $*): the stderr line is empty"
	note "$what: exit $rc: $(cat "$T/err")"
}

expect_usage_error "unknown command" no-such-command
expect_usage_error "unknown option" --no-such-option
expect_usage_error "unknown run option" run --no-such-option -- true
expect_usage_error "no command after --" run --
expect_usage_error "bad --format" run --format xml -- true
expect_usage_error "record without -o" record --duration 1
expect_usage_error "report of a missing file" report "$T/missing.jsonl.gz"
expect_usage_error "report of an empty file" report "$T/empty.jsonl.gz"
expect_usage_error "report of a file that is not gzip" report "$T/plain.jsonl"
expect_usage_error "report of random bytes" report "$T/random.bin"
expect_usage_error "bead without a recording" bead
expect_usage_error "bead of a missing file" bead "$T/missing.jsonl.gz"
expect_usage_error "bead with -o" bead -o x "$T/missing.jsonl.gz"
expect_usage_error "--parent without --bead" run --parent fs-0 -- true
expect_usage_error "--dry-run on run" run --bead --dry-run -- true
expect_usage_error "--metrics without --dir" record -o "$T/r.jsonl.gz" --metrics "$T/m.prom"
expect_usage_error "--metrics not *.prom" record --dir "$T/node" --metrics "$T/metrics.txt"
expect_usage_error "--metrics in no directory" record --dir "$T/node" --metrics "$T/missing/m.prom"
[[ ! -e $T/node ]] || fail "record --dir made its directory although --metrics was refused"
# The line names the option, not its argument.
expect_usage_error "--ringbuf-mb on report" report --ringbuf-mb 2 "$T/missing.jsonl.gz"
grep -q "option '--ringbuf-mb' does not apply" "$T/err" || fail "the misplaced option is not named: $(cat "$T/err")"
# Output paths: an existing file needs --force, a symlink is never followed; the command never ran.
: >"$T/exists.txt"
ln -s "$T/target.txt" "$T/link.txt"
expect_usage_error "run -o over an existing file" run -o "$T/exists.txt" -- touch "$T/ran"
expect_usage_error "run -o through a symlink" run --force -o "$T/link.txt" -- touch "$T/ran"
expect_usage_error "record -o over an existing file" record -o "$T/exists.txt" --duration 0.1
[[ ! -e $T/ran && ! -e $T/target.txt ]] || fail "a refused run still ran its command or wrote through the symlink"
echo "ok"
