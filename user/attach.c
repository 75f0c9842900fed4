// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The skeleton's lifecycle in one order: privileges -> tracefs -> open -> rodata -> load ->
 * attach, and back out of everything on the first error.
 *
 * Tracepoints are the primary path: on some kernels (this project's CI VM among them) fentry is
 * refused and kprobes are not built in, while syscall tracepoints, tp_btf and ring buffers work.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "fstrace.h" /* before the skeleton: its rodata holds fst_syscall_layout */
#include "fstrace.skel.h"
#include "attach.h"
#include "syscalls.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const char *tracefs_root;

static bool verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose_libbpf && level != LIBBPF_WARN)
		return 0;
	if (!verbose_libbpf)
		return 0; /* failures are reported by fstrace itself, as one line */
	return vfprintf(stderr, fmt, ap);
}

static bool has_cap(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Loading BPF needs CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN on older kernels). */
static int check_privileges(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data) == 0 &&
	    (has_cap(data, CAP_SYS_ADMIN) || (has_cap(data, CAP_BPF) && has_cap(data, CAP_PERFMON))))
		return 0;
	snprintf(err, errlen, "needs root: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs");
	return -1;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Tracepoint ids live in tracefs, which a minimal container or VM may not have mounted yet. */
static void find_tracefs(void)
{
	if (dir_exists("/sys/kernel/tracing/events"))
		tracefs_root = "/sys/kernel/tracing";
	else if (dir_exists("/sys/kernel/debug/tracing/events"))
		tracefs_root = "/sys/kernel/debug/tracing";
	else if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
		 dir_exists("/sys/kernel/tracing/events"))
		tracefs_root = "/sys/kernel/tracing";
}

static bool tracepoint_exists(const char *category, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs_root, category, name);
	return access(path, F_OK) == 0;
}

static void set_mode(struct tracer *t, const char *hook, const char *fmt, ...)
{
	struct hook_mode *m = &t->modes[t->mode_count++];
	va_list ap;

	m->hook = hook;
	va_start(ap, fmt);
	vsnprintf(m->mode, sizeof(m->mode), fmt, ap);
	va_end(ap);
}

static int keep_link(struct tracer *t, struct bpf_link *link)
{
	if (t->link_count == t->link_cap) {
		int cap = t->link_cap ? t->link_cap * 2 : 128;
		struct bpf_link **links = realloc(t->links, cap * sizeof(*links));

		if (!links)
			return -ENOMEM;
		t->links = links;
		t->link_cap = cap;
	}
	t->links[t->link_count++] = link;
	return 0;
}

/* Attaches one program by its section and keeps the link for tracer_detach. */
static int attach_one(struct tracer *t, struct bpf_program *prog, char *err, size_t errlen)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link || keep_link(t, link)) {
		int e = errno;

		bpf_link__destroy(link);
		snprintf(err, errlen, "attaching %s failed: %s", bpf_program__name(prog), strerror(e));
		return -1;
	}
	return 0;
}

/* Programs attached by BTF-typed tracepoint (tp_btf): each is one attachment. */
static int attach_btf_progs(struct tracer *t, const char *hook, struct bpf_program **progs, int count,
			    char *err, size_t errlen)
{
	for (int i = 0; i < count; i++)
		if (attach_one(t, progs[i], err, errlen))
			return -1;
	set_mode(t, hook, "tp_btf");
	return 0;
}

/*
 * A hook with two ways in: tp_btf when the kernel's BTF describes the tracepoint (detaching is
 * cheap), else the classic tracepoint (needs tracefs; detaching waits for an RCU grace period),
 * else none: ext4 may be a module not loaded yet. Chosen before load, since a tp_btf program whose
 * target is missing would fail the whole load.
 */
struct optional_hook {
	const char *hook, *category, *name;
	struct bpf_program *btf_prog, *tp_prog, *chosen;
};

static void choose(struct tracer *t, struct optional_hook *h)
{
	bool btf = libbpf_find_vmlinux_btf_id(h->name, BPF_TRACE_RAW_TP) >= 0;
	bool tp = !btf && tracefs_root && tracepoint_exists(h->category, h->name);

	bpf_program__set_autoload(h->btf_prog, btf);
	bpf_program__set_autoload(h->tp_prog, tp);
	h->chosen = btf ? h->btf_prog : tp ? h->tp_prog : NULL;
	if (!h->chosen)
		set_mode(t, h->hook, "unavailable (no %s:%s)", h->category, h->name);
}

static int attach_chosen(struct tracer *t, struct optional_hook *h, char *err, size_t errlen)
{
	if (!h->chosen)
		return 0;
	if (attach_one(t, h->chosen, err, errlen))
		return -1;
	set_mode(t, h->hook, h->chosen == h->btf_prog ? "tp_btf" : "tracepoint");
	return 0;
}

static int attach_syscalls(struct tracer *t, char *err, size_t errlen)
{
	struct bpf_program *progs[] = { t->skel->progs.fst_sys_exit };

	return attach_btf_progs(t, "syscalls", progs, 1, err, errlen);
}

static int attach_proc(struct tracer *t, char *err, size_t errlen)
{
	struct bpf_program *progs[] = { t->skel->progs.fst_fork, t->skel->progs.fst_exec,
					 t->skel->progs.fst_exit };

	return attach_btf_progs(t, "proc", progs, 3, err, errlen);
}

static void configure(struct fstrace_bpf *skel, const struct tracer_options *o)
{
	struct fstrace_bpf__rodata *ro = skel->rodata;

	ro->targ_self_pid = getpid();
	ro->targ_use_traced = o->use_traced;
	ro->targ_cgroup_id = o->cgroup_id;
	ro->targ_cgroup_level = o->cgroup_level;
	if (o->comm) {
		ro->targ_use_comm = true;
		strncpy((char *)ro->targ_comm, o->comm, sizeof(ro->targ_comm) - 1);
	}
	for (int i = 0; i < traced_syscall_count; i++) {
		int nr = traced_syscalls[i].nr;

		if (nr >= 0 && nr < FST_SYSCALL_SLOTS)
			ro->layouts[nr] = traced_syscalls[i].layout;
	}
	bpf_map__set_max_entries(skel->maps.events, o->ringbuf_bytes);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int tracer_start(struct tracer *t, const struct tracer_options *o, char *err, size_t errlen)
{
	double started = now_seconds();
	int ret;

	memset(t, 0, sizeof(*t));
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);
	if (check_privileges(err, errlen))
		return -1;
	find_tracefs(); /* only for the classic-tracepoint fallbacks: not having it is not fatal */

	t->skel = fstrace_bpf__open();
	if (!t->skel) {
		snprintf(err, errlen, "opening the BPF object failed: %s", strerror(errno));
		return -1;
	}
	configure(t->skel, o);
	struct optional_hook hooks[] = {
		{ .hook = "ext4_error", .category = "ext4", .name = "ext4_error",
		  .btf_prog = t->skel->progs.fst_ext4_error_btf, .tp_prog = t->skel->progs.fst_ext4_error },
		{ .hook = "kmsg", .category = "printk", .name = "console",
		  .btf_prog = t->skel->progs.fst_console_btf, .tp_prog = t->skel->progs.fst_console },
	};
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		choose(t, &hooks[i]);
	ret = fstrace_bpf__load(t->skel);
	if (ret) {
		snprintf(err, errlen, "loading the BPF programs failed: %s%s", strerror(-ret),
			 access("/sys/kernel/btf/vmlinux", R_OK) ? " (no kernel BTF at /sys/kernel/btf/vmlinux)"
								 : " (run with -v for the verifier log)");
		goto fail;
	}
	if (o->seed_pid && tracer_trace_pid(t, o->seed_pid)) {
		snprintf(err, errlen, "cannot trace pid %d: %s", o->seed_pid, strerror(errno));
		goto fail;
	}
	if (attach_proc(t, err, errlen) || attach_syscalls(t, err, errlen) ||
	    attach_chosen(t, &hooks[0], err, errlen) || attach_chosen(t, &hooks[1], err, errlen))
		goto fail;
	t->attach_seconds = now_seconds() - started;
	return 0;
fail:
	tracer_stop(t);
	return -1;
}

int tracer_trace_pid(struct tracer *t, pid_t pid)
{
	__u32 key = pid;
	__u8 one = 1;

	return bpf_map__update_elem(t->skel->maps.traced, &key, sizeof(key), &one, sizeof(one), BPF_ANY);
}

uint64_t tracer_lost(const struct tracer *t, uint64_t by_type[TRACER_LOST_TYPES])
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t total = 0;

	if (by_type)
		memset(by_type, 0, sizeof(uint64_t) * TRACER_LOST_TYPES);
	if (!t->skel || ncpus <= 0)
		return 0;
	uint64_t values[ncpus];
	for (__u32 type = 0; type < TRACER_LOST_TYPES; type++) {
		if (bpf_map__lookup_elem(t->skel->maps.lost, &type, sizeof(type), values,
					 sizeof(values[0]) * ncpus, 0))
			continue;
		for (int i = 0; i < ncpus; i++) {
			total += values[i];
			if (by_type)
				by_type[type] += values[i];
		}
	}
	return total;
}

int tracer_ringbuf_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.events);
}

void tracer_detach(struct tracer *t)
{
	for (int i = 0; i < t->link_count; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	t->links = NULL;
	t->link_count = t->link_cap = 0;
}

void tracer_stop(struct tracer *t)
{
	tracer_detach(t);
	fstrace_bpf__destroy(t->skel);
	t->skel = NULL;
}
