// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* What libbpf says while an object loads, read for the verifier's verdict, and the privileges
 * a load needs: attach.c's start-up, kept apart so the lifecycle reads in one file. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "load/core_btf.h"
#include "load/fentry_probe.h"
#include "host/pidns.h"
#include "load/syscalls.h"
#include "load/typed_tp.h"
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#include "load/load_log.h"

/* What the verifier said while an object loaded, taken from libbpf's messages: the program it
 * refused and its reason in one line (for the fallback's message and the error), and the count
 * of instructions it processed per program (with -v). */
struct load_log load_log;

static bool log_line_is_stats(const char *line)
{
	static const char *const stats[] = {
		"processed ", "verification time", "stack depth", "max_states", "peak_states", "-- END", ""
	};

	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (!strncmp(line, stats[i], strlen(stats[i])) && (stats[i][0] || !line[0]))
			return true;
	return false;
}

/* "prog 'NAME': -- BEGIN PROG LOAD LOG --\n...-- END PROG LOAD LOG --\n" (libbpf 1.1), after a
 * refusal or, with a log level set, after a load; "prog 'NAME': BPF program load failed: ..." */
static void note_load_message(const char *msg)
{
	const char *name = strstr(msg, "prog '"), *end, *log, *line, *next;
	char prog[32];
	unsigned int insns;

	if (!name || !(end = strchr(name + 6, '\'')) || end - name - 6 >= (long)sizeof(prog))
		return;
	snprintf(prog, sizeof(prog), "%.*s", (int)(end - name - 6), name + 6);
	if (strstr(end, "BPF program load failed: ")) {
		snprintf(load_log.prog, sizeof(load_log.prog), "%s", prog);
		snprintf(load_log.reason, sizeof(load_log.reason), "%s", strstr(end, "failed: ") + 8);
		load_log.reason[strcspn(load_log.reason, "\n")] = '\0';
		return;
	}
	if (!(log = strstr(end, "-- BEGIN PROG LOAD LOG --\n")))
		return;
	log += strlen("-- BEGIN PROG LOAD LOG --\n");
	if ((line = strstr(log, "processed ")) && sscanf(line, "processed %u insns", &insns) == 1 &&
	    load_log.on_verified)
		load_log.on_verified(load_log.ctx, prog, insns);
	if (strcmp(prog, load_log.prog))
		return; /* a log after a success: statistics only */
	/* The verifier's last word before its statistics is the reason. */
	for (line = log; *line && strncmp(line, "-- END PROG LOAD LOG", 20); line = next + (*next == '\n')) {
		next = line + strcspn(line, "\n");
		if (!log_line_is_stats(line) && next > line)
			snprintf(load_log.reason, sizeof(load_log.reason), "%.*s", (int)(next - line), line);
	}
}

int load_log_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	va_list copy;
	int n;

	va_copy(copy, ap);
	if (vasprintf(&msg, fmt, copy) >= 0 && strstr(msg, "prog '"))
		note_load_message(msg);
	va_end(copy);
	/* Without -v failures are reported by fstrace itself, as one line. */
	n = load_log.verbose && msg ? fputs(msg, stderr) : 0;
	free(msg);
	return n;
}

static bool has_cap(const struct __user_cap_data_struct *data, int cap)
{
	return data[cap / 32].effective & (1u << (cap % 32));
}

/* Loading BPF needs CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN on older kernels). */
int check_privileges(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	bool got = syscall(SYS_capget, &hdr, data) == 0, bpf = got && has_cap(data, CAP_BPF),
	     perfmon = got && has_cap(data, CAP_PERFMON);

	if (got && (has_cap(data, CAP_SYS_ADMIN) || (bpf && perfmon)))
		return 0;
	/* A container's default capabilities have neither: say what the pod spec must add. */
	snprintf(err, errlen,
		 "needs root: CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load BPF programs; "
		 "missing %s; in a container: securityContext: {capabilities: {add: [BPF, PERFMON]}}, or "
		 "privileged: true",
		 bpf       ? "CAP_PERFMON"
		 : perfmon ? "CAP_BPF"
			   : "CAP_BPF and CAP_PERFMON");
	return -1;
}
