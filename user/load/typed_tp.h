/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The syscall-exit program as a BTF-typed raw tracepoint (tp_btf) without libbpf parsing the
 * whole kernel BTF: the tracepoint's type id comes from fstrace's cache, and a libbpf section
 * handler for SEC("?fstrace.tp_btf/<tracepoint>") loads the program with it.
 */
#ifndef FSTRACE_TYPED_TP_H
#define FSTRACE_TYPED_TP_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_link;
struct bpf_program;
struct core_btf;

/*
 * The BTF id of the sys_exit tracepoint's type (btf_trace_sys_exit) in the running kernel, > 0;
 * or 0 and why not. custom_btf: the BTF came from --btf, so the kernel has none to load against.
 * Cached beside cb's extract, like a refusal noted by typed_tp_refused.
 */
int typed_tp_sys_exit_id(struct core_btf *cb, bool custom_btf, char *why, size_t len);

/* Notes that the kernel refused the typed program (err: its errno), so later starts skip it; a
 * passing shortage (ENOMEM, EAGAIN) is not noted. */
void typed_tp_refused(struct core_btf *cb, int err);

/* Before any bpf_object is opened: the section handler, loading with type id `id`. 0 or -errno. */
int typed_tp_register(int id);

/* Attaches a loaded typed program to its tracepoint (the kernel knows which from its type). */
struct bpf_link *typed_tp_attach(struct bpf_program *prog);

#endif
