// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Some kernels refuse fentry (this project's CI VM answers EPERM at load, with an empty verifier
 * log, and has no kprobes either); Debian's 6.1 allows it. The probe loads a two-instruction
 * fentry program on vfs_unlink and attaches it. Naming vfs_unlink to the kernel needs its BTF id,
 * which means the whole kernel BTF (11 ms to parse on 6.18), so the answer is cached with the BTF
 * extract and the probe runs once per kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "load/core_btf.h"
#include "load/fentry_probe.h"

#define FACT "fentry"
#define PROBE_TARGET "vfs_unlink"

/* 0 when a fentry program on PROBE_TARGET loads and attaches, else the errno. */
static int probe(struct core_btf *cb)
{
	struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct btf *vmlinux = core_btf_kernel(cb);
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, PROBE_TARGET, BTF_KIND_FUNC) : -ENOENT;
	int prog, link, err = 0;

	if (id < 0)
		return ENOENT;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY, .attach_btf_id = id);
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "fst_probe", "GPL", ret0, 2, &opts);
	if (prog < 0)
		return errno;
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0)
		err = errno;
	else
		close(link);
	close(prog);
	return err;
}

bool fentry_usable(struct core_btf *cb, bool custom_btf, char *why, size_t len)
{
	char fact[128];
	int err;

	if (custom_btf) {
		snprintf(why, len, "kernel BTF from --btf, not sysfs");
		return false;
	}
	if (core_btf_fact_get(cb, FACT, fact, sizeof(fact)) == 0) {
		snprintf(why, len, "%s", fact);
		return strcmp(fact, "ok") == 0;
	}
	err = probe(cb);
	if (err == 524)
		snprintf(why, len, "not supported by this kernel");
	else if (err == ENOENT)
		snprintf(why, len, "no %s in the kernel's BTF", PROBE_TARGET);
	else
		snprintf(why, len, "%s", err ? strerror(err) : "ok");
	if (core_btf_errno_lasting(err))
		core_btf_fact_put(cb, FACT, why);
	return err == 0;
}
