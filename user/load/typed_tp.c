// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A BTF-typed raw tracepoint lets the program read the syscall number from pt_regs with a plain
 * load instead of a bpf_probe_read_kernel call: on sys_exit, which every syscall of the machine
 * passes, that is ~50 ns a call. libbpf 1.1 would find the tracepoint's type id by parsing the
 * whole kernel BTF (11 ms) at every start, so the id is cached with the BTF extract, and the
 * program's section is one libbpf does not know: a handler registered here presents it to libbpf
 * as a plain raw tracepoint (which needs no kernel BTF) and to the kernel as the typed one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "load/core_btf.h"
#include "load/typed_tp.h"

#define FACT "sys_exit_tp_btf"
#define SECTION "fstrace.tp_btf/"
#define TYPE_NAME "btf_trace_sys_exit"

int typed_tp_sys_exit_id(struct core_btf *cb, bool custom_btf, char *why, size_t len)
{
	if (custom_btf) {
		snprintf(why, len, "kernel BTF from --btf, not sysfs");
		return 0;
	}
	return core_btf_cached_id(cb, FACT, TYPE_NAME, BTF_KIND_TYPEDEF, "no " TYPE_NAME " in the kernel's BTF",
				  why, len);
}

void typed_tp_refused(struct core_btf *cb, int err)
{
	char fact[128];

	if (!core_btf_errno_lasting(err))
		return;
	snprintf(fact, sizeof(fact), "refused: %s", strerror(err));
	core_btf_fact_put(cb, FACT, fact);
}

int typed_tp_register(int id)
{
	return core_btf_register_section(SECTION, BPF_TRACE_RAW_TP, id);
}

struct bpf_link *typed_tp_attach(struct bpf_program *prog)
{
	/* No name: a typed program's tracepoint is the one its type id names. */
	return bpf_program__attach_raw_tracepoint(prog, NULL);
}
