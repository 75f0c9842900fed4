/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Whether this kernel lets BPF programs attach by fentry. */
#ifndef FSTRACE_FENTRY_PROBE_H
#define FSTRACE_FENTRY_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct core_btf;

/*
 * true when fentry loads and attaches here; else false and why ("Operation not permitted", "no
 * kernel BTF in sysfs"). custom_btf: the kernel's BTF came from --btf, not sysfs, so the kernel
 * cannot resolve fentry targets. The answer is cached beside cb's extract.
 */
bool fentry_usable(struct core_btf *cb, bool custom_btf, char *why, size_t len);

#endif
