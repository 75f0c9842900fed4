// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What fstrace itself needs from the kernel, read from files, without loading anything: BTF for
 * CO-RE, the BPF ring buffer (5.8), the tracepoints its programs attach to (bpf/fstrace.bpf.c's
 * raw_tp sections), and no lockdown in confidentiality mode (which refuses bpf_probe_read_kernel).
 * A missing required one is a finding (`run` and `record` would not start); a missing optional
 * one only says what fstrace will not see.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "preflight/preflight.h"

static void feature(struct preflight *p, const char *name, bool known, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void feature(struct preflight *p, const char *name, bool known, bool ok, const char *fmt, ...)
{
	struct preflight_feature *v = realloc(p->features, (p->nfeatures + 1) * sizeof(*v)), *f;
	va_list ap;

	if (!v)
		return;
	p->features = v;
	f = &v[p->nfeatures++];
	f->name = name;
	f->known = known;
	f->ok = ok;
	va_start(ap, fmt);
	if (vasprintf(&f->detail, fmt, ap) < 0)
		f->detail = NULL;
	va_end(ap);
}

static struct preflight_item *missing(struct preflight *p, enum severity sev, const char *cause, const char *title,
				      const char *remedy)
{
	struct preflight_item *x = preflight_add(p, sev, "kernel", cause, "%s", title);

	if (x)
		x->remedy = remedy;
	return x;
}

static const struct tracepoint {
	const char *name, *dir; /* the name shown, the directory under events/ */
	bool required;
	const char *without; /* what fstrace does not see without it */
} tracepoints[] = {
	{ "raw_syscalls:sys_exit", "raw_syscalls/sys_exit", true, "failing system calls" },
	{ "sched:sched_process_fork", "sched/sched_process_fork", true, "which process started which" },
	{ "sched:sched_process_exec", "sched/sched_process_exec", true, "what each process runs" },
	{ "sched:sched_process_exit", "sched/sched_process_exit", true, "how processes ended" },
	{ "ext4:ext4_error", "ext4/ext4_error", false, "ext4 errors as they happen" },
	{ "printk:console", "printk/console", false, "the kernel's messages (only /dev/kmsg is left)" },
	{ "block:block_rq_error", "block/block_rq_error", false, "block I/O errors" },
};

void preflight_check_kernel(struct preflight *p, const struct preflight_host *h)
{
	unsigned major = 0, minor = 0;
	char path[512], buf[256];
	FILE *f;

	if (access(h->btf, R_OK) == 0)
		feature(p, "btf", true, true, "%s", h->btf);
	else if (errno == EACCES)
		feature(p, "btf", false, false, "%s: permission denied", h->btf);
	else {
		feature(p, "btf", true, false, "%s: %s", h->btf, strerror(errno));
		missing(p, SEV_HIGH, "no_btf",
			"the kernel has no BTF (/sys/kernel/btf/vmlinux): fstrace run and "
			"record need --btf FILE",
			"Give fstrace the kernel's BTF with --btf FILE (a vmlinux with .BTF, or a file from "
			"BTFHub for this exact kernel), or run a kernel built with CONFIG_DEBUG_INFO_BTF=y.");
	}

	if (sscanf(p->kernel, "%u.%u", &major, &minor) == 2) {
		bool ok = major > 5 || (major == 5 && minor >= 8);

		feature(p, "ringbuf", true, ok, "kernel %u.%u (the BPF ring buffer came in 5.8)", major, minor);
		if (!ok)
			missing(p, SEV_HIGH, "old_kernel",
				"the kernel is older than 5.8: no BPF ring buffer, fstrace "
				"run and record cannot start",
				"Run fstrace on a kernel of 5.8 or later.");
	}

	for (size_t i = 0; i < sizeof(tracepoints) / sizeof(tracepoints[0]); i++) {
		const struct tracepoint *tp = &tracepoints[i];

		snprintf(path, sizeof(path), "%s/events", h->tracefs);
		if (access(path, X_OK)) {
			feature(p, tp->name, false, false, "%s: %s", path, strerror(errno));
			if (errno == EACCES)
				preflight_note(
					p, "%s: permission denied: the tracepoints are not checked; run as root",
					h->tracefs);
			else
				preflight_note(
					p,
					"%s is not there (tracefs not mounted here): the tracepoints are not "
					"checked",
					path);
			continue;
		}
		snprintf(path, sizeof(path), "%s/events/%s", h->tracefs, tp->dir);
		if (access(path, F_OK) == 0) {
			feature(p, tp->name, true, true, "tracepoint");
			continue;
		}
		feature(p, tp->name, true, false, "no tracepoint: fstrace will not see %s", tp->without);
		if (tp->required) {
			struct preflight_item *x =
				preflight_add(p, SEV_HIGH, "kernel", "no_tracepoint",
					      "the kernel has no %s tracepoint: fstrace run and "
					      "record need it for %s",
					      tp->name, tp->without);

			if (x)
				x->remedy = "Run fstrace on a kernel built with CONFIG_FTRACE_SYSCALLS and "
					    "CONFIG_TRACEPOINTS (every distribution kernel is).";
		}
	}

	if ((f = fopen(h->lockdown, "r"))) {
		bool conf = fgets(buf, sizeof(buf), f) && strstr(buf, "[confidentiality]");

		fclose(f);
		feature(p, "lockdown", true, !conf, "%s",
			conf ? "confidentiality: BPF may not read kernel memory" : "not in confidentiality mode");
		if (conf)
			missing(p, SEV_HIGH, "lockdown",
				"kernel lockdown is in confidentiality mode: BPF programs "
				"that read kernel memory (all of fstrace's) are refused",
				"Boot with lockdown=integrity (or none), or turn Secure Boot's lockdown off for this "
				"machine: confidentiality mode forbids what every BPF tracer does.");
	} else if (errno == EACCES) {
		feature(p, "lockdown", false, false, "%s: permission denied", h->lockdown);
	} else {
		feature(p, "lockdown", true, true, "no lockdown (%s absent)", h->lockdown);
	}
}
