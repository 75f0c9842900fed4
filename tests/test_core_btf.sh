#!/usr/bin/env bash
# The kernel-type extract (user/load/core_btf.c) that spares every start a 5 MB BTF parse: it must give
# libbpf the very offsets the whole BTF gives, be built once and then read from the cache, survive a
# damaged or foreign cache file, work without a usable cache directory, and --btf PATH must work
# with a real BTF file and refuse a missing one in one line.
source "$(dirname "$0")/lib.sh"

cache=$T/cache
export FSTRACE_CACHE_DIR=$cache

# -v: libbpf's "patched insn" lines are the CO-RE offsets it wrote into the programs.
verbose_run() {
	local out=$1
	shift
	timeout -k 5 60 "$@" "$FSTRACE" run -v -- cat /nonexistent/core-btf-$$ >"$out" 2>&1 || true
	grep -q 'attached in' "$out" || fail "fstrace run -v did not attach: $(grep '^fstrace:' "$out" | head -n 3)"
}
patched() {
	grep -o "prog '[a-z_0-9]*': relo #[0-9]*: patched insn #[0-9]* ([A-Z0-9/]*) [a-z]* [0-9]* -> [0-9]*" "$1" | sort || true
}
how() {
	sed -n 's/.*kernel types from \(.*\)$/\1/p' "$1"
}

verbose_run "$T/first.log"
[[ $(how "$T/first.log") == "$cache"/core-*.btf" (built)" ]] || fail "first run: kernel types from '$(how "$T/first.log")', expected a new extract in $cache"
extract=$(ls "$cache"/core-*.btf)
[[ $(stat -c %a "$cache") == 700 && $(stat -c '%a %U' "$extract") == "644 root" ]] ||
	fail "cache modes: dir $(stat -c %a "$cache"), file $(stat -c '%a %U' "$extract")"
size=$(stat -c %s "$extract")
[[ $size -lt 200000 ]] || fail "the extract is $size bytes: not much smaller than the kernel's BTF"
note "extract: $size bytes (the kernel's BTF: $(stat -c %s /sys/kernel/btf/vmlinux 2>/dev/null || echo '?') bytes)"

verbose_run "$T/second.log"
[[ $(how "$T/second.log") == "$extract (cached)" ]] || fail "second run: kernel types from '$(how "$T/second.log")', expected the cached $extract"

# The same offsets as libbpf computes from the whole BTF.
verbose_run "$T/full.log" env FSTRACE_CORE_BTF=full
[[ $(how "$T/full.log") == *"whole BTF"* ]] || fail "FSTRACE_CORE_BTF=full: kernel types from '$(how "$T/full.log")'"
n=$(patched "$T/full.log" | wc -l)
[[ $n -gt 20 ]] || fail "only $n CO-RE patches in the whole-BTF run's log"
diff <(patched "$T/full.log") <(patched "$T/second.log") >"$T/patch.diff" ||
	fail "the extract gives other CO-RE offsets than the whole BTF: $(head -n 4 "$T/patch.diff" | tr '\n' ' ')"
note "$n CO-RE patches, identical with the extract and with the whole BTF"

# A damaged extract is not used: it is rebuilt, and the run still catches the failing call.
head -c 100 /dev/urandom >"$extract"
rec=$T/damaged.jsonl.gz
fst_run "$rec" -v -- cat /nonexistent/core-btf-damaged
[[ $RUN_RC -eq 1 ]] || fail "after damaging the cache: run exited $RUN_RC"
expect_rec "$rec" "the failing open was not recorded with a rebuilt extract" \
	'any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == "/nonexistent/core-btf-damaged")'
[[ $(stat -c %s "$extract") -eq $size ]] || fail "the damaged extract was not rebuilt ($(stat -c %s "$extract") bytes)"

# Nor one that someone other than root could have written.
chmod 666 "$extract"
verbose_run "$T/foreign.log"
[[ $(how "$T/foreign.log") == "$extract (built)" && $(stat -c %a "$extract") == 644 ]] ||
	fail "a world-writable extract was $(how "$T/foreign.log"), mode now $(stat -c %a "$extract")"

# No usable cache directory: built for this run only, in memory.
verbose_run "$T/nocache.log" env FSTRACE_CACHE_DIR=/proc/fstrace-no-cache
[[ $(how "$T/nocache.log") == /proc/self/fd/*"kept in memory"* ]] ||
	fail "without a cache directory: kernel types from '$(how "$T/nocache.log")'"

# --btf PATH: another copy of the kernel's BTF works (and gets its own extract)...
cat /sys/kernel/btf/vmlinux >"$T/vmlinux.btf"
rec=$T/btf-file.jsonl.gz
fst_run "$rec" --btf "$T/vmlinux.btf" -- cat /nonexistent/core-btf-file
[[ $RUN_RC -eq 1 ]] || fail "run --btf FILE exited $RUN_RC"
expect_rec "$rec" "the failing open was not recorded with --btf FILE" \
	'any(.[]; .type == "syscall" and .errno == "ENOENT" and .path == "/nonexistent/core-btf-file")'
[[ $(find "$cache" -maxdepth 1 -name 'core-*.btf' | wc -l) -eq 2 ]] || fail "--btf FILE did not get an extract of its own: $(ls "$cache")"

# ...and a missing one is one line, exit 1, nothing attached.
set +e
"$FSTRACE" run --btf "$T/missing.btf" -- true >"$T/missing.out" 2>"$T/missing.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "run --btf MISSING exited $rc, expected 1"
{ [[ $(wc -l <"$T/missing.err") -eq 1 ]] && grep -q "^fstrace: no kernel BTF at $T/missing.btf: No such file or directory" "$T/missing.err"; } ||
	fail "run --btf MISSING said: $(cat "$T/missing.err")"
[[ ! -s $T/missing.out ]] || fail "run --btf MISSING ran the command: $(cat "$T/missing.out")"
note "run --btf MISSING: $(cat "$T/missing.err")"

# ...and BTF that is not this kernel's (here a BPF object's own, whose functions the kernel has
# none of): one line naming the file, exit 1, the command not run, nothing attached.
foreign=$FST_REPO/build/fstrace.bpf.o
[[ -f $foreign ]] || fail "no $foreign to use as a foreign BTF (run make)"
baseline=$(fst_bpf_state)
set +e
"$FSTRACE" run --btf "$foreign" -- touch "$T/foreign-ran" >"$T/foreign.out" 2>"$T/foreign.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "run --btf FOREIGN exited $rc, expected 1"
if ! { [[ $(wc -l <"$T/foreign.err") -eq 1 ]] &&
	grep -q "^fstrace: --btf $foreign does not describe the running kernel: " "$T/foreign.err"; }; then
	fail "run --btf FOREIGN said: $(cat "$T/foreign.err")"
fi
[[ ! -e $T/foreign-ran ]] || fail "run --btf FOREIGN ran the command"
check_detached "$baseline" "run --btf FOREIGN"
note "run --btf FOREIGN: $(cat "$T/foreign.err")"

# A kernel without BTF (here /sys/kernel/btf hidden under a tmpfs in a private mount namespace):
# one line that points to --btf and BTFHub, exit 1, the command not run, nothing attached.
set +e
unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" run -- touch "$1"' "$FSTRACE" "$T/nobtf-ran" \
	>"$T/nobtf.out" 2>"$T/nobtf.err"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "run without kernel BTF exited $rc, expected 1: $(cat "$T/nobtf.err")"
if ! { [[ $(wc -l <"$T/nobtf.err") -eq 1 ]] &&
	grep -q "^fstrace: no kernel BTF at /sys/kernel/btf/vmlinux: .*--btf PATH, e.g. from BTFHub" "$T/nobtf.err"; }; then
	fail "run without kernel BTF said: $(cat "$T/nobtf.err")"
fi
[[ ! -e $T/nobtf-ran ]] || fail "run without kernel BTF ran the command"
check_detached "$baseline" "run without kernel BTF"
note "run without kernel BTF: $(cat "$T/nobtf.err")"
echo "ok"
