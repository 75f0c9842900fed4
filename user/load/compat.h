/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The two BPF objects and the kernel features that choose between them. The default object uses
 * bpf_loop (5.17) with a callback (5.13), pointer arguments to global functions (5.12) and, for
 * --cgroup/--container/--pod, bpf_get_current_ancestor_cgroup_id in tracing programs (5.14); the
 * compatible one (FST_COMPAT, bpf/maps.bpf.h) does without, for 5.10 to 5.16. Both have the same
 * programs, maps and globals, so the default skeleton opens either.
 */
#ifndef FSTRACE_COMPAT_H
#define FSTRACE_COMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include "load/core_btf.h"

struct bpf_object_open_opts;
struct fstrace_bpf;

struct kernel_features {
	bool bpf_loop;        /* the bpf_loop helper (5.17): the default object loads */
	bool ancestor_cgroup; /* bpf_get_current_ancestor_cgroup_id in tracing programs (5.14) */
	bool mem_alloc;       /* the BPF memory allocator (6.1): tracing programs may use maps that
				 allocate at run time without a WARN */
	bool vfs_rmdir;       /* fentry on vfs_rmdir sees every rmdir (not on Debian 11's 5.10,
				 which calls a split-off part of it) */
};

/* The kernel's answers: from the cache beside the BTF extract, or probed now (a few ms) and cached,
 * after kernel_basics_check: -1 with its line in err when the kernel cannot run fstrace at all. */
int kernel_features_get(struct core_btf *cb, struct kernel_features *f, char *err, size_t errlen);
/* 0 when the kernel has what every fstrace needs (BPF ring buffers, raw tracepoints), else -1 with
 * one line in err naming the missing feature and the Linux version that has it. */
int kernel_basics_check(char *err, size_t errlen);
/* --btf PATH: 0 when PATH's BTF is the running kernel's as far as /proc/kallsyms can tell (the
 * functions it names have symbols), else -1 with one line in err. Cached as a fact once it passed. */
int btf_check_kernel(struct core_btf *cb, const char *path, char *err, size_t errlen);
/* The compatible object's ELF image, and the object opened through the default skeleton. */
const void *compat_elf_bytes(size_t *size);
struct fstrace_bpf *compat_open(const struct bpf_object_open_opts *opts);

#endif
