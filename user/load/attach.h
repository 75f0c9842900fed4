/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Loading and attaching the kernel programs, with feature probes and a record of what attached how. */
#ifndef FSTRACE_ATTACH_H
#define FSTRACE_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "load/compat.h"
#include "load/core_btf.h"
#include "host/pidns.h"
#include "collect/repeats.h"
#include "collect/held.h"

struct tracer_options {
	bool use_traced;    /* only the traced process tree (run, record --pid) */
	pid_t seed_pid;     /* record --pid: the tree's root, traced before attach */
	uint64_t cgroup_id; /* record --cgroup, 0 = any */
	uint32_t cgroup_level;
	const char *comm;       /* record --comm, NULL = any */
	uint32_t ringbuf_bytes; /* power of two */
	bool verbose;           /* libbpf's own messages */
	const char *btf_path;   /* --btf: the kernel's BTF from this file, NULL = the running kernel's */
	bool compat;            /* --compat: the compatible object whatever the probes say */
	bool all_removals;      /* --all-removals: none held in the kernel (bpf/held.bpf.h) */
};

#define TRACER_MAX_HOOKS 12
#define TRACER_MAX_VERIFIED 16

struct hook_mode {
	const char *hook; /* "syscalls", "ext4_error", "kmsg", "block_error", "proc" */
	char mode[96];    /* "raw_tp", "fentry", "unavailable (why)" */
};

struct tracer {
	struct fstrace_bpf *skel;
	struct bpf_link **links;
	int link_count, link_cap;
	struct hook_mode modes[TRACER_MAX_HOOKS];
	int mode_count;
	struct core_btf core_btf;
	bool typed_sys_exit;   /* fst_sys_exit_typed loaded (tp_btf), not fst_sys_exit (raw_tp) */
	char typed_why[128];   /* else why not, for -v and the recording's header */
	double attach_seconds; /* from open to the last attach */
	struct kernel_features features;
	bool compat;          /* the compatible object was loaded (load/compat.h) */
	char compat_why[160]; /* why: forced, a feature missing, or the default one refused */
	/* With -v: the verifier's count of instructions it processed, per loaded program (the
	 * syscall-exit programs from the verifier's statistics, the rest from the kernel's
	 * bpf_prog_info.verified_insns, 5.16 and later; 0 when neither says). */
	struct {
		char prog[32];
		unsigned int insns;
	} verified[TRACER_MAX_VERIFIED];
	int verified_count;
	struct pidns pidns; /* fstrace's pid namespace and, inside one, the host pids of its processes */
};

/* Opens, loads and attaches everything. On failure, err holds one line and nothing stays attached. */
int tracer_start(struct tracer *t, const struct tracer_options *o, char *err, size_t errlen);
/* Adds a process, by the pid fstrace sees, to the traced tree (before it runs anything, so nothing
 * is missed). -1 with errno ESRCH when it was not in fstrace's pid namespace at start. */
int tracer_trace_pid(struct tracer *t, pid_t pid);
/* The host tgid (the kernel's, the events') of a process fstrace sees as PID; 0 when unknown. */
uint32_t tracer_host_pid(const struct tracer *t, pid_t pid);
#define TRACER_LOST_TYPES 8 /* indexed like enum fst_event_type (and enum rec_type) */
/* Events the kernel could not queue because the ring buffer was full; by type when by_type. */
uint64_t tracer_lost(const struct tracer *t, uint64_t by_type[TRACER_LOST_TYPES]);
int tracer_ringbuf_fd(const struct tracer *t);
/* Where the kernel counts repeated failures (bpf/repeats.bpf.h), for the collector to read. */
struct repeat_maps tracer_repeat_maps(const struct tracer *t);
/* The held removals' maps and counters; fd -1 when removals are not held. */
struct held_maps tracer_held_maps(const struct tracer *t);
/* Detaches every program; the maps stay readable (drain the ring buffer, read the lost count). */
void tracer_detach(struct tracer *t);
/* Detaches every program and frees the maps; safe to call twice. */
void tracer_stop(struct tracer *t);

#endif
