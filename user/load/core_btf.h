/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The kernel types fstrace's CO-RE relocations need, extracted from the kernel's BTF and cached.
 *
 * libbpf resolves every CO-RE relocation by scanning the whole kernel BTF (5 MB, ~150k types on
 * 6.18): parsing it and searching it cost ~25 ms of every start, a third of a short `fstrace run`.
 * The extract holds only the structs, unions and enums the BPF object names, with their members
 * (pointers reduced to void *, which CO-RE treats as compatible with any pointer), so libbpf reads
 * a few KB instead. It is built once per kernel and BPF object, then read from the cache.
 */
#ifndef FSTRACE_CORE_BTF_H
#define FSTRACE_CORE_BTF_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

#define CORE_BTF_DEFAULT_SOURCE "/sys/kernel/btf/vmlinux"
#define CORE_BTF_DEFAULT_CACHE "/var/cache/fstrace"

struct core_btf {
	char path[512];     /* for bpf_object_open_opts.btf_custom_path */
	int memfd;          /* when the extract could not be cached: it lives here, -1 otherwise */
	const char *how;    /* for -v: "cached", "built", "built, kept in memory", "whole BTF" */
	char source[512];   /* the whole kernel BTF */
	struct btf *kernel; /* parsed, while a start still needs it (core_btf_kernel) */
};

/*
 * Finds or builds the extract for the kernel BTF at source (NULL: the running kernel's) and the
 * BPF object whose ELF image is obj/obj_size. open_local opens that object's BTF when the extract
 * must be built (the object's own type names say which kernel types to keep). The cache directory
 * is $FSTRACE_CACHE_DIR, else CORE_BTF_DEFAULT_CACHE. FSTRACE_CORE_BTF=full skips the extract and
 * hands libbpf the whole BTF (slower; for comparing). 0, or -1 with one line in err.
 */
int core_btf_prepare(struct core_btf *cb, const char *source, const void *obj, size_t obj_size,
		     struct btf *(*open_local)(void *ctx), void *ctx, char *err, size_t errlen);
void core_btf_release(struct core_btf *cb);

/*
 * The whole kernel BTF, parsed once per start at most: kept from building the extract, or parsed
 * now (~11 ms on 6.18) for a fact not yet cached. NULL if it cannot be read. core_btf_drop_kernel
 * frees it as soon as the start is past its last use.
 */
struct btf *core_btf_kernel(struct core_btf *cb);
void core_btf_drop_kernel(struct core_btf *cb);

/*
 * Small facts about this kernel cached beside the extract (same key), e.g. whether fentry loads:
 * 0 with the fact's text in buf, or -1 when it is not cached (or the extract is not in the cache).
 */
int core_btf_fact_get(const struct core_btf *cb, const char *name, char *buf, size_t len);
void core_btf_fact_put(const struct core_btf *cb, const char *name, const char *value);
/*
 * The id of the kernel BTF type NAME of KIND, > 0, cached as fact FACT beside the extract (parsing
 * the whole kernel BTF, ~11 ms, only the first time); or 0 with why not in why (MISSING when the
 * kernel has no such type).
 */
int core_btf_cached_id(struct core_btf *cb, const char *fact, const char *name, int kind, const char *missing,
		       char *why, size_t len);
/*
 * Registers SECTION, a section libbpf does not know, for programs loaded as BTF-typed tracing
 * programs of ATTACH (a bpf_attach_type: tp_btf's BPF_TRACE_RAW_TP, BPF_TRACE_ITER) against kernel
 * type ID. libbpf takes them for plain raw tracepoints, so it parses no kernel BTF to find the id.
 * Before any object is opened; 0, or -errno (-EBUSY: SECTION is already registered with another id).
 */
int core_btf_register_section(const char *section, int attach, int id);
/* Whether an errno from the kernel is its lasting answer (policy, build), worth keeping as a fact,
 * rather than a passing shortage (ENOMEM, EAGAIN, EINTR) to be asked again next time. */
bool core_btf_errno_lasting(int err);

/* The extract itself, from a parsed kernel BTF: the types named in local. NULL on ENOMEM. */
struct btf *core_btf_extract(const struct btf *kernel, const struct btf *local);

#endif
