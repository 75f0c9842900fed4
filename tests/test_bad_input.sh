#!/usr/bin/env bash
# Bad input met for real: a command that is not there or cannot be run (127 and 126, as a shell
# says), fstrace without the capabilities BPF needs (setpriv drops them), output paths that are
# taken or are symlinks, a start that fails (it removes only what it created), file names that would
# drive a terminal or split a report's lines, and recordings that are damaged, cut short or from
# a newer fstrace.
# Each answer is one line on stderr and a non-zero exit; test_cli_errors covers plain usage errors.
source "$(dirname "$0")/lib.sh"

id=$RANDOM$RANDOM
umask 000 # output files must be 0600 because fstrace says so, not because of the umask

# stderr holds exactly one line, matching the extended regex WANT.
one_line() {
	local what=$1 err=$2 want=$3
	[[ $(wc -l <"$err") -eq 1 ]] || fail "$what: $(wc -l <"$err") lines on stderr, expected one: $(head -n 5 "$err" | cat -v)"
	grep -Eq -- "$want" "$err" || fail "$what: stderr says '$(cat "$err")', expected /$want/"
	note "$what: $(cat "$err")"
}

echo "== a command that is not there: 127, one line, and the report and recording of the attempt"
for cmd in "no-such-command-$id" "/nonexistent/$id/cmd"; do
	rec=$T/notfound.jsonl.gz
	rm -f "$rec" "$T/notfound.report"
	fst_run "$rec" -o "$T/notfound.report" -- "$cmd" arg </dev/null 2>"$T/err"
	[[ $RUN_RC -eq 127 ]] || fail "run -- $cmd: exit $RUN_RC, expected 127 (a shell's 'command not found')"
	one_line "run -- $cmd" "$T/err" "^fstrace: $cmd: command not found$"
	check_recording "$rec"
	expect_rec "$rec" "the trailer's exit_code is not 127" '.[-1].exit_code == 127'
	expect_rec "$rec" "no failing execve of $cmd in the recording" --arg c "$cmd" \
		'any(.[]; .type == "syscall" and .syscall == "execve" and .errno == "ENOENT" and ((.path // "") | endswith($c)))'
	grep -q "exited 127" "$T/notfound.report" || fail "the report of run -- $cmd does not say it exited 127"
done

echo "== a command that cannot be run: 126, one line"
printf 'not a program\n' >"$T/plain-file"
chmod 0644 "$T/plain-file"
mkdir "$T/a-directory"
for cmd in "$T/plain-file" "$T/a-directory"; do
	rec=$T/noexec.jsonl.gz
	rm -f "$rec"
	fst_run "$rec" -o /dev/null -- "$cmd" </dev/null 2>"$T/err"
	[[ $RUN_RC -eq 126 ]] || fail "run -- $cmd: exit $RUN_RC, expected 126 (found but not executable)"
	one_line "run -- $cmd" "$T/err" "^fstrace: $cmd: Permission denied$"
	check_recording "$rec"
	expect_rec "$rec" "the trailer's exit_code is not 126" '.[-1].exit_code == 126'
done

echo "== without CAP_BPF and CAP_PERFMON: one line naming them, nothing created, nothing run"
drop=(setpriv --inh-caps=-all --ambient-caps=-all)
caps_of() { "${drop[@]}" --bounding-set="$1" awk '/^CapEff/ { print $2 }' /proc/self/status; }
# The premise, checked: setpriv really leaves the process with no capability (or only CAP_BPF).
[[ $(caps_of -all) == 0000000000000000 ]] || fail "setpriv --bounding-set=-all left capabilities $(caps_of -all)"
[[ $(caps_of -all,+bpf) == 0000008000000000 ]] || fail "setpriv --bounding-set=-all,+bpf left $(caps_of -all,+bpf)"
for caps in -all -all,+bpf; do
	for mode in run record; do
		rc=0
		if [[ $mode == run ]]; then
			"${drop[@]}" --bounding-set="$caps" timeout -k 5 20 "$FSTRACE" run -o "$T/nocap.report" \
				--record "$T/nocap.jsonl.gz" -- touch "$T/ran" </dev/null >"$T/out" 2>"$T/err" || rc=$?
		else
			"${drop[@]}" --bounding-set="$caps" timeout -k 5 20 "$FSTRACE" record -o "$T/nocap.jsonl.gz" \
				--duration 1 </dev/null >"$T/out" 2>"$T/err" || rc=$?
		fi
		[[ $rc -eq 1 ]] || fail "$mode with capabilities $caps: exit $rc, expected 1"
		one_line "$mode with capabilities $caps" "$T/err" "CAP_BPF.*CAP_PERFMON.*CAP_SYS_ADMIN"
		[[ ! -s $T/out ]] || fail "$mode with capabilities $caps printed on stdout: $(head -c 200 "$T/out")"
		[[ ! -e $T/ran ]] || fail "run without capabilities ran its command untraced"
		[[ ! -e $T/nocap.jsonl.gz && ! -e $T/nocap.report ]] ||
			fail "$mode with capabilities $caps left an output file: $(ls "$T"/nocap.* 2>/dev/null)"
	done
done
# The line names what suffices: with exactly those two, fstrace runs.
"${drop[@]}" --bounding-set=-all,+bpf,+perfmon timeout -k 5 30 "$FSTRACE" run --record "$T/bpfperf.jsonl.gz" \
	-o /dev/null -- true </dev/null 2>"$T/err" || fail "run with only CAP_BPF and CAP_PERFMON failed: $(head -n 3 "$T/err")"
check_recording "$T/bpfperf.jsonl.gz"

echo "== output paths: taken or a symlink, refused before anything runs; new files are 0600"
: >"$T/taken"
ln -s "$T/symlink-target" "$T/symlink"
for args in "--record $T/taken" "--force --record $T/symlink" "--force -o $T/symlink"; do
	rc=0
	# shellcheck disable=SC2086 # args is split on purpose
	timeout -k 5 20 "$FSTRACE" run $args -- touch "$T/ran" </dev/null >/dev/null 2>"$T/err" || rc=$?
	[[ $rc -eq 1 ]] || fail "run $args: exit $rc, expected 1"
	one_line "run $args" "$T/err" "already exists|symbolic link"
done
timeout -k 5 20 "$FSTRACE" record --force -o "$T/symlink" --duration 0.1 </dev/null 2>"$T/err" && fail "record -o through a symlink succeeded"
one_line "record --force -o SYMLINK" "$T/err" "symbolic link"
[[ ! -e $T/ran && ! -e $T/symlink-target && ! -s $T/taken ]] ||
	fail "a refused output path still ran the command, wrote through the symlink or over the file"
fst_run "$T/new.jsonl.gz" -o "$T/new.report" -- true </dev/null
[[ $RUN_RC -eq 0 ]] || fail "run --record -o into fresh paths exited $RUN_RC"
timeout -k 5 20 "$FSTRACE" record -o "$T/new-record.jsonl.gz" --duration 0.2 </dev/null 2>/dev/null ||
	fail "record -o into a fresh path failed"
# --force replaces a taken file with a new one: another name for the old file keeps its bytes.
echo keep >"$T/taken"
ln "$T/taken" "$T/taken-hardlink"
fst_run "$T/taken" --force -o /dev/null -- true </dev/null
[[ $RUN_RC -eq 0 ]] || fail "run --force --record over a taken file exited $RUN_RC"
check_recording "$T/taken"
[[ $(<"$T/taken-hardlink") == keep ]] || fail "--force wrote through the old file (its hard link changed)"
for f in "$T/new.jsonl.gz" "$T/new.report" "$T/new-record.jsonl.gz" "$T/taken"; do
	[[ $(stat -c %a "$f") == 600 ]] || fail "${f##*/} was created mode $(stat -c %a "$f") under umask 000, expected 600"
done

echo "== a run that cannot start removes the report file it created, never a device or FIFO given as -o"
# --btf naming no file fails the start after the report is opened (as root, with every capability).
mknod "$T/null" c 1 3
mkfifo "$T/fifo"
timeout 20 cat "$T/fifo" >/dev/null & # the FIFO's reader, so that fstrace's open does not wait
reader=$!
for out in "$T/null" "$T/fifo" "$T/created.report"; do
	rc=0
	timeout -k 5 20 "$FSTRACE" run -o "$out" --btf "$T/no-such-btf" -- touch "$T/ran" </dev/null >/dev/null 2>"$T/err" || rc=$?
	[[ $rc -eq 1 ]] || fail "run -o ${out##*/} with a missing --btf: exit $rc, expected 1"
	one_line "run -o ${out##*/} with a missing --btf" "$T/err" "no kernel BTF at $T/no-such-btf"
done
wait "$reader" || fail "the FIFO's reader did not see fstrace close it (exit $?)"
[[ -c $T/null ]] || fail "a failed start removed the character device given as -o"
[[ -p $T/fifo ]] || fail "a failed start removed the FIFO given as -o"
[[ ! -e $T/created.report ]] || fail "a failed start left behind the report file it created"
[[ ! -e $T/ran ]] || fail "a run that could not start ran its command"

echo "== names that would drive a terminal or split a line: escaped in every report, exact in the recording"
# A file name can hold any byte but '/' and NUL. Failing on three such names, the command gives
# fstrace an escape sequence (ESC ] 0 ; ... BEL sets a terminal's title), a newline (which would
# start a line that looks like a finding) and bytes that are not UTF-8.
hostile=/nonexistent/hostile-$id
rec=$T/hostile.jsonl.gz
fst_run "$rec" -o "$T/hostile.txt" -- bash -c \
	"cat '$hostile/esc'$'\e]0;owned\a''/x' '$hostile/nl'$'\n''fake/y' '$hostile/bytes'$'\xff\xfe''/z'" </dev/null 2>/dev/null
[[ $RUN_RC -eq 1 ]] || fail "the hostile names' run exited $RUN_RC, expected cat's 1"
# Exact in the recording (JSON escapes them): the names the kernel saw, byte for byte.
expect_rec "$rec" "the recording does not hold the name with ESC and BEL exactly" \
	--arg p "$hostile/esc"$'\e]0;owned\a''/x' 'any(.[]; .type == "syscall" and .path == $p)'
expect_rec "$rec" "the recording does not hold the name with a newline exactly" \
	--arg p "$hostile/nl"$'\n''fake/y' 'any(.[]; .type == "syscall" and .path == $p)'
"$FSTRACE" report --format md "$rec" >"$T/hostile.md" 2>"$T/err" || fail "report --format md failed: $(head -n 2 "$T/err")"
"$FSTRACE" report "$rec" >"$T/hostile.report" 2>"$T/err" || fail "report failed: $(head -n 2 "$T/err")"
"$FSTRACE" report --format bead "$rec" | jq -r '.title, .description' >"$T/hostile.bead" ||
	fail "report --format bead did not give a bead's JSON"
for out in hostile.txt hostile.report hostile.md hostile.bead; do
	bad=$(LC_ALL=C grep -c $'[\x01-\x09\x0b-\x1f\x7f]' "$T/$out") || true
	[[ $bad -eq 0 ]] || fail "$out has $bad lines with control characters: $(LC_ALL=C grep -m 1 $'[\x01-\x09\x0b-\x1f\x7f]' "$T/$out" | cat -v)"
	grep -qF "$hostile/esc\e]0;owned\x07/x" "$T/$out" || fail "$out does not show the ESC name escaped: $(grep -m 1 -F "$hostile/esc" "$T/$out" | cat -v)"
	grep -qF "$hostile/nl\nfake/y" "$T/$out" || fail "$out does not show the newline name escaped"
	[[ $(grep -c '^fake/y' "$T/$out") -eq 0 ]] || fail "a name's newline started a line of its own in $out"
done
grep -qF "$hostile/bytes\xff\xfe/z" "$T/hostile.txt" || fail "the live report does not show the bytes that are not UTF-8 as \\xNN"
[[ $(grep -c '^  LOW .*missing_path/not_found: openat ENOENT /nonexistent/hostile' "$T/hostile.txt") -eq 3 ]] ||
	fail "expected one summary line for each of the three names: $(grep -c 'hostile' "$T/hostile.txt") lines name them"

echo "== recordings that are damaged, cut short, empty of lines or from a newer fstrace"
rec=$T/good.jsonl.gz
fst_run "$rec" -o /dev/null -- sh -c "cat /nonexistent/bad-input-$id; ls /nonexistent/bad-input-$id-2; exit 1" \
	</dev/null 2>/dev/null
check_recording "$rec"
lines=$(zcat "$rec" | wc -l)
[[ $lines -ge 10 ]] || fail "the recording to damage has only $lines lines"

# report FILE must refuse with one line, print nothing on stdout (no half report), exit 1.
refused() {
	local what=$1 file=$2 want=$3 rc=0
	timeout -k 5 20 "$FSTRACE" report "$file" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	[[ $rc -eq 1 ]] || fail "report of $what: exit $rc, expected 1"
	one_line "report of $what" "$T/err" "$want"
	[[ ! -s $T/out ]] || fail "report of $what printed a report from before the damage: $(head -n 2 "$T/out")"
}

# A line in the middle made invalid JSON: the error names that line.
bad=$((lines / 2))
zcat "$rec" | awk -v n="$bad" 'NR == n { print "{\"ts_ns\":1,\"type\":" ; next } { print }' | gzip >"$T/badline.jsonl.gz"
refused "a recording with a broken line $bad" "$T/badline.jsonl.gz" "^fstrace: .*badline.jsonl.gz: line $bad: "
# Compressed bytes overwritten in the middle of the file: the lines before them decode, so the
# damage is found past line 1.
size=$(stat -c %s "$rec")
cp "$rec" "$T/corrupt.jsonl.gz"
head -c 24 /dev/zero | tr '\0' '\245' | dd of="$T/corrupt.jsonl.gz" bs=1 seek=$((size / 2)) conv=notrunc status=none
refused "a recording with corrupt gzip data" "$T/corrupt.jsonl.gz" "^fstrace: .*corrupt.jsonl.gz: line ([2-9]|[1-9][0-9]+): "
# A header from a newer fstrace: refused rather than misread.
zcat "$rec" | sed '1s/"format_version":1,/"format_version":2,/' | gzip >"$T/future.jsonl.gz"
[[ $(zcat "$T/future.jsonl.gz" | head -n 1 | jq .format_version) == 2 ]] || fail "could not make a version 2 header"
refused "a recording from a newer fstrace" "$T/future.jsonl.gz" "recording format 2 is newer than this fstrace understands \(1\)"
# gzip of nothing, and a gzip file that is not a recording.
gzip -c </dev/null >"$T/nolines.jsonl.gz"
refused "a gzip file with no lines" "$T/nolines.jsonl.gz" "not an fstrace recording"
echo '{"hello":"world"}' | gzip >"$T/foreign.jsonl.gz"
refused "a gzip file of foreign JSON" "$T/foreign.jsonl.gz" "not an fstrace recording"

# Cut short (a recorder killed, a copy interrupted): the lines before the cut are reported, and
# one line on stderr says the file is incomplete; exit 1 all the same.
head -c $((size * 2 / 3)) "$rec" >"$T/cut.jsonl.gz"
rc=0
"$FSTRACE" report "$T/cut.jsonl.gz" </dev/null >"$T/out" 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] || fail "report of a recording cut short: exit $rc, expected 1"
one_line "report of a recording cut short" "$T/err" "cut short after [0-9]+ events"
read_events=$(grep -Eo 'after [0-9]+ events' "$T/err" | grep -Eo '[0-9]+')
[[ $read_events -lt $((lines - 2)) ]] || fail "a cut recording reported $read_events events, the whole file has $((lines - 2))"
grep -q "the recording was cut short" "$T/out" || fail "the report of a cut recording does not say so: $(head -n 1 "$T/out")"
echo "ok"
