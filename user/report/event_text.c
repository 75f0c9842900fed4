// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <inttypes.h>
#include "host/cgroups.h"
#include "report/display.h"
#include "lib/errnames.h"
#include "report/event_text.h"
#include "host/pod.h"

static void print_call(FILE *out, const struct record *r)
{
	const char *sc = r->syscall ? shown(r->syscall) : "?"; /* a recording can say anything */

	switch (r->type) {
	case REC_REMOVE:
		fprintf(out, "removed %s (%s)", r->path ? shown(r->path) : "?", sc);
		return;
	case REC_RENAME:
		fprintf(out, "renamed %s -> %s (%s)", r->path ? shown(r->path) : "?",
			r->path2 ? shown(r->path2) : "?", sc);
		return;
	case REC_MOUNT:
		fprintf(out, "%s", sc);
		if (r->fstype)
			fprintf(out, " %s", shown(r->fstype));
		if (r->path2)
			fprintf(out, " from %s", shown(r->path2));
		if (r->path)
			fprintf(out, " on %s", shown(r->path));
		if (r->data)
			fprintf(out, " \"%s\"", shown(r->data));
		if (r->err)
			fprintf(out, " -> %s", errno_name(r->err));
		else
			fprintf(out, " -> %" PRId64, r->ret);
		return;
	default:
		fprintf(out, "%s %s %s", sc, errno_name(r->err), r->path ? shown(r->path) : "(no path)");
		if (r->path2)
			fprintf(out, " %s", shown(r->path2));
		if (r->count > 1) /* repeats folded in the kernel, up to last_ns */
			fprintf(out, " (x%" PRIu64 " in %.6fs)", r->count,
				(double)(r->last_ns - (r->ts_ns <= r->last_ns ? r->ts_ns : r->last_ns)) / 1e9);
	}
}

void event_text_line(FILE *out, const struct record *r, uint64_t base_ns)
{
	double t = (double)(r->ts_ns - (base_ns <= r->ts_ns ? base_ns : 0)) / 1e9;

	fprintf(out, "%s%.6fs  ", base_ns ? "+" : "", t);
	switch (r->type) {
	case REC_SYSCALL:
	case REC_MOUNT:
	case REC_REMOVE:
	case REC_RENAME:
		print_call(out, r);
		break;
	case REC_EXT4_ERROR:
		fprintf(out, "ext4 error on %u:%u in %s:%u", r->dev_major, r->dev_minor,
			r->func ? shown(r->func) : "?", r->line);
		break;
	case REC_KMSG:
		fprintf(out, "kernel: %s", r->msg ? shown(r->msg) : "");
		break;
	case REC_LAYER:
		fprintf(out, "overlay %s %s", r->data ? shown(r->data) : "layer", r->path ? shown(r->path) : "?");
		if (r->err)
			fprintf(out, ": %s", errno_name(r->err));
		else
			fprintf(out, " on %s at %s%s", r->fstype ? shown(r->fstype) : "?",
				r->path2 ? shown(r->path2) : "?",
				r->has_flags && (r->flags & LAYER_READONLY) ? " (read-only)" : "");
		break;
	case REC_DEVICE:
		fprintf(out, "device %u:%u described", r->dev_major, r->dev_minor);
		break;
	case REC_CGROUP:
		fprintf(out, "cgroup %s described", r->cgroup && r->cgroup->path ? shown(r->cgroup->path) : "?");
		break;
	case REC_POD:
		fprintf(out, "pod %s/%s described", r->pod && r->pod->namespace ? shown(r->pod->namespace) : "?",
			r->pod && r->pod->name ? shown(r->pod->name) : "?");
		break;
	case REC_NOTE:
		fprintf(out, "note: %s", r->msg ? shown(r->msg) : "");
		break;
	case REC_STATE:
		fprintf(out, "state %s of %s: %s", r->syscall ? shown(r->syscall) : "?",
			r->path ? shown(r->path) : "?", r->data ? shown(r->data) : "");
		break;
	case REC_OUTPUT:
		fprintf(out, "%s: %s", r->data ? shown(r->data) : "output", r->msg ? shown(r->msg) : "");
		break;
	case REC_PROC:
		fprintf(out, "%s", r->syscall ? shown(r->syscall) : "proc");
		if (r->path)
			fprintf(out, " %s", shown(r->path));
		if (r->has_ret)
			fprintf(out, " status %" PRId64, r->ret);
		break;
	default:
		fprintf(out, "event");
	}
	char pid[48];

	/* A message read from the kernel's log names no task (kmsg.h). */
	if (r->type == REC_KMSG && !r->pid && !r->comm[0])
		fprintf(out, "  [kernel log]\n");
	else
		fprintf(out, "  [%s %s]\n", pid_label(r, false, pid, sizeof(pid)), shown(r->comm));
}
