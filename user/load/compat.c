// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The compatible object and the probes that choose it (load/compat.h). The probes ask the kernel
 * itself (libbpf loads a two-instruction program calling the helper) or its BTF, not its version
 * number: distributions backport BPF features, and a version says nothing about either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "fstrace.h" /* before the skeletons: their rodata holds fst_syscall_layout */
#include "fstrace.skel.h"
#include "fstrace_compat.skel.h"
#include "load/compat.h"

#define FACT "features"

const void *compat_elf_bytes(size_t *size)
{
	return fstrace_compat_bpf__elf_bytes(size);
}

/* fstrace_bpf__open_opts with the compatible object's bytes: the Makefile checks that both
 * objects have the programs, maps and globals the default skeleton names, in the same layout. */
struct fstrace_bpf *compat_open(const struct bpf_object_open_opts *opts)
{
	struct fstrace_bpf *obj = calloc(1, sizeof(*obj));
	int err;

	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	err = fstrace_bpf__create_skeleton(obj);
	if (!err) {
		obj->skeleton->data = compat_elf_bytes(&obj->skeleton->data_sz);
		err = bpf_object__open_skeleton(obj->skeleton, opts);
	}
	if (err) {
		fstrace_bpf__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

/*
 * Whether fentry on vfs_rmdir sees every rmdir: Debian 11's 5.10 has it in BTF, but gcc split it
 * (partial inlining): callers run its head inlined and call vfs_rmdir.part.0, never vfs_rmdir
 * itself. /proc/kallsyms shows such a part; fstrace then takes the LSM hook vfs_rmdir calls.
 */
static bool rmdir_is_whole(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[256];
	bool split = false;

	if (!f)
		return true; /* nothing to go by: BTF's word */
	while (!split && fgets(line, sizeof(line), f))
		split = strstr(line, " vfs_rmdir.") != NULL;
	fclose(f);
	return !split;
}

/* A helper the kernel offers raw tracepoint programs (tp_btf ones get the same set). */
static bool has_helper(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, id, NULL) == 1;
}

int kernel_basics_check(char *err, size_t errlen)
{
	if (libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL) != 1) {
		snprintf(err, errlen,
			 "this kernel has no BPF raw tracepoints (Linux 4.17 and later have them): "
			 "fstrace cannot run here");
		return -1;
	}
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1) {
		snprintf(err, errlen,
			 "this kernel has no BPF ring buffer (Linux 5.8 and later have it): "
			 "fstrace cannot run here");
		return -1;
	}
	return 0;
}

int kernel_features_get(struct core_btf *cb, struct kernel_features *f, char *err, size_t errlen)
{
	char fact[128];
	int loop, anc, mem, rmdir;
	struct btf *vmlinux;

	if (core_btf_fact_get(cb, FACT, fact, sizeof(fact)) == 0 &&
	    sscanf(fact, "bpf_loop=%d ancestor_cgroup=%d mem_alloc=%d vfs_rmdir=%d", &loop, &anc, &mem, &rmdir) ==
		    4) {
		*f = (struct kernel_features){ loop, anc, mem, rmdir };
		return 0;
	}
	if (kernel_basics_check(err, errlen))
		return -1;
	vmlinux = core_btf_kernel(cb);
	f->bpf_loop = has_helper(BPF_FUNC_loop);
	f->ancestor_cgroup = has_helper(BPF_FUNC_get_current_ancestor_cgroup_id);
	/* 6.1's allocator (commit 7c8199e24fa0, "bpf: Introduce any context BPF specific memory
	 * allocator") is what made run-time allocating maps safe in tracing programs. */
	f->mem_alloc = vmlinux && btf__find_by_name_kind(vmlinux, "bpf_mem_alloc", BTF_KIND_STRUCT) > 0;
	f->vfs_rmdir =
		vmlinux && btf__find_by_name_kind(vmlinux, "vfs_rmdir", BTF_KIND_FUNC) > 0 && rmdir_is_whole();
	if (!vmlinux)
		return 0; /* not a lasting answer: asked again next time */
	snprintf(fact, sizeof(fact), "bpf_loop=%d ancestor_cgroup=%d mem_alloc=%d vfs_rmdir=%d", f->bpf_loop,
		 f->ancestor_cgroup, f->mem_alloc, f->vfs_rmdir);
	core_btf_fact_put(cb, FACT, fact);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of /proc/kallsyms, sorted; NULL if it cannot be read. */
static char **kallsyms_names(size_t *count, char **blob)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	size_t cap = 0, len = 0, n = 0, ncap = 0;
	char line[512], **names = NULL, *buf = NULL;

	*count = 0;
	*blob = NULL;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *name = strchr(line, ' '), *end;

		if (!name || !(name = strchr(name + 1, ' ')))
			continue;
		name++;
		end = name + strcspn(name, " \t\n");
		if (len + (end - name) + 1 > cap) {
			char *grown = realloc(buf, cap = (cap ? cap * 2 : 1 << 20) + (end - name) + 1);

			if (!grown)
				goto fail;
			buf = grown;
		}
		memcpy(buf + len, name, end - name);
		buf[len + (end - name)] = '\0';
		len += end - name + 1;
		n++;
	}
	fclose(f);
	f = NULL;
	if (!n || !(names = malloc(n * sizeof(*names))))
		goto fail;
	for (size_t at = 0; ncap < n; at += strlen(buf + at) + 1)
		names[ncap++] = buf + at;
	qsort(names, n, sizeof(*names), name_cmp);
	*count = n;
	*blob = buf;
	return names;
fail:
	if (f)
		fclose(f);
	free(buf);
	free(names);
	return NULL;
}

#define BTF_FACT "btf_matches"

int btf_check_kernel(struct core_btf *cb, const char *path, char *err, size_t errlen)
{
	char fact[16], *blob;
	size_t count, funcs = 0, missing = 0;
	char **names;
	struct btf *btf;

	if (core_btf_fact_get(cb, BTF_FACT, fact, sizeof(fact)) == 0 && !strcmp(fact, "yes"))
		return 0;
	if (!(btf = core_btf_kernel(cb)) || !(names = kallsyms_names(&count, &blob)))
		return 0; /* nothing to compare with: the load will tell */
	for (__u32 id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		funcs++;
		missing += !bsearch(&name, names, count, sizeof(*names), name_cmp);
	}
	free(names);
	free(blob);
	/* A kernel's own BTF names functions nearly all of which have a symbol (1.7% have none on
	 * 6.18: freed __init code); another version's names thousands that this one lacks, and its
	 * struct layouts would put every CO-RE read at the wrong offset. */
	if (!funcs || missing * 20 > funcs) {
		snprintf(err, errlen,
			 "--btf %s does not describe the running kernel: %zu of the %zu functions it "
			 "names are not in /proc/kallsyms (give the BTF of this kernel's build, `uname -r`)",
			 path, missing, funcs);
		return -1;
	}
	core_btf_fact_put(cb, BTF_FACT, "yes");
	return 0;
}
