/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * fstrace in a pid namespace (a container, a devpod): the kernel programs see host pids, while
 * fstrace, the user and the container's /proc see the namespace's. This is where the two meet:
 * which namespace fstrace is in, the host tgids of its processes (from the task iterator of
 * bpf/pidns.bpf.h, run once at start), and which pid /proc knows a recorded process by.
 */
#ifndef FSTRACE_PIDNS_H
#define FSTRACE_PIDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fstrace.h"

struct bpf_program;
struct core_btf;
struct record;

struct pidns {
	uint32_t ino;               /* nsfs inode of fstrace's pid namespace */
	uint32_t level;             /* levels below the host's; 0 on the host */
	struct fst_pid_pair *pairs; /* every process of the namespace when fstrace started */
	size_t count;
};

/* Which pid namespace fstrace runs in; 0, or -1 with errno. */
int pidns_detect(struct pidns *ns);
bool pidns_is_host(const struct pidns *ns);
/*
 * The task iterator's BTF id in the running kernel (bpf_iter_task), > 0, cached beside cb's
 * extract; or 0 and why not. Then, before any bpf_object is opened, the section handler that
 * loads SEC("?fstrace.iter/task") with it: 0 or -errno.
 */
int pidns_iter_id(struct core_btf *cb, bool custom_btf, char *why, size_t len);
int pidns_iter_register(int id);
/* Lists the namespace's processes with PROG (fst_pidns_iter, loaded); sets ns->level.
 * 0, or -1 with one line in err. */
int pidns_list(struct pidns *ns, struct bpf_program *prog, char *err, size_t errlen);
/* The host tgid of the namespace's process NS_PID: itself on the host, 0 when not listed. */
uint32_t pidns_host_pid(const struct pidns *ns, pid_t ns_pid);
void pidns_free(struct pidns *ns);

/* /proc's namespace: the host's (a container that sees the host's /proc) or fstrace's own.
 * Set once the collector's own host tgid is known; the host's by default (replay, tests). */
void pidns_set_proc(const struct pidns *ns, uint32_t self_host_pid);
/* The pid /proc/<pid> of this machine knows r's process by, 0 when it cannot be there. */
uint32_t pidns_proc_pid(const struct record *r);

#endif
