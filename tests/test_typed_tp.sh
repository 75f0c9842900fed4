#!/usr/bin/env bash
# The syscall-exit program as a BTF-typed raw tracepoint (user/load/typed_tp.c): with the kernel's BTF in
# sysfs it is the one loaded, with the type id the kernel's BTF gives btf_trace_sys_exit, cached;
# a refusal (a wrong cached id here, which the kernel really rejects) falls back to the plain
# raw_tp program and is remembered; --btf FILE means plain. Each way, failing calls are recorded.
source "$(dirname "$0")/lib.sh"

cache=$T/cache
export FSTRACE_CACHE_DIR=$cache
[[ -r /sys/kernel/btf/vmlinux ]] || fail "no /sys/kernel/btf/vmlinux: this test needs the kernel's BTF"

# run NAME [fstrace options]: a traced command that fails one open and lists the BPF programs
# loaded while it runs (it is traced, so fstrace's are attached by then).
run() {
	local name=$1
	shift
	fst_run "$T/$name.jsonl.gz" -v "$@" -- sh -c "grep -h '^prog_id:' /proc/\$PPID/fdinfo/* | cut -f 2 >'$T/$name.ids'; bpftool -j prog show >'$T/$name.progs'; cat /nonexistent/typed-$name" \
		2>"$T/$name.log"
	[[ $RUN_RC -eq 1 ]] || fail "$name: run exited $RUN_RC: $(grep '^fstrace:' "$T/$name.log" | head -n 3)"
	expect_rec "$T/$name.jsonl.gz" "$name: the failing open was not recorded" \
		"any(.[]; .type == \"syscall\" and .errno == \"ENOENT\" and .path == \"/nonexistent/typed-$name\")"
}
mode() { sed -n 's/^fstrace:   syscalls *//p' "$T/$1.log"; }
# The type of each syscall-exit program this run's fstrace (the command's parent) held, as
# "name type": a previous run's may linger a moment in the kernel after its process exited.
loaded() {
	jq -r --slurpfile ids "$T/$1.ids" '.[] | select((.name // "" | startswith("fst_sys_exit")) and
		(.id as $id | $ids | index($id))) | "\(.name) \(.type)"' "$T/$1.progs" | sort
}
fact() { cat "$cache"/core-*.sys_exit_tp_btf 2>/dev/null; }

# The kernel's own id for the tracepoint's type, as bpftool reads it.
want=$(bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	sed -n "s/^\[\([0-9]*\)\] TYPEDEF 'btf_trace_sys_exit' .*/\1/p")
[[ -n $want ]] || fail "bpftool finds no btf_trace_sys_exit in the kernel's BTF"

run typed
[[ $(mode typed) == tp_btf ]] || fail "syscalls attached as '$(mode typed)', expected tp_btf"
[[ $(loaded typed) == "fst_sys_exit_typed tracing" ]] || fail "loaded during the run: $(loaded typed | tr '\n' ';')"
[[ $(fact) == "id $want" ]] || fail "cached fact '$(fact)', expected 'id $want'"
note "typed: syscalls tp_btf, btf_trace_sys_exit id $want cached"

run cached
[[ $(mode cached) == tp_btf && $(fact) == "id $want" ]] || fail "second run: '$(mode cached)', fact '$(fact)'"

# A wrong id (1, an integer type on any kernel): the kernel refuses the program, fstrace loads the
# plain one, and remembers the refusal so the next start goes straight to it.
printf 'id 1' >"$cache"/core-*.sys_exit_tp_btf
run refused
[[ $(mode refused) == "raw_tp (tp_btf: refused: Invalid argument)" ]] || fail "with a refused typed program syscalls attached as '$(mode refused)'"
[[ $(loaded refused) == "fst_sys_exit raw_tracepoint" ]] || fail "loaded after the refusal: $(loaded refused | tr '\n' ';')"
[[ $(fact) == refused:* ]] || fail "the refusal was not remembered: fact '$(fact)'"
note "a refused typed program: syscalls raw_tp, fact '$(fact)'"
refusal() { grep -c "prog 'fst_sys_exit_typed': BPF program load failed" "$T/$1.log" || true; }
[[ $(refusal refused) -ge 1 ]] || fail "libbpf's log shows no refusal of the typed program"
run remembered
[[ $(mode remembered) == "raw_tp (tp_btf: refused: Invalid argument)" ]] || fail "after a remembered refusal: '$(mode remembered)'"
[[ $(refusal remembered) -eq 0 ]] || fail "the remembered refusal was tried again"

# --btf FILE: the kernel's BTF is not where the kernel can load against it: plain.
cat /sys/kernel/btf/vmlinux >"$T/vmlinux.btf"
run custom --btf "$T/vmlinux.btf"
[[ $(mode custom) == "raw_tp (tp_btf: kernel BTF from --btf, not sysfs)" ]] || fail "with --btf FILE syscalls attached as '$(mode custom)'"
echo "ok"
