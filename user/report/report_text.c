// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The text report: one summary line per finding first, then each finding with its evidence. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "host/devices.h"
#include "report/display.h"
#include "lib/errnames.h"
#include "report/event_text.h"
#include "report/formats.h"

#define EVIDENCE_LINES 8
#define OUTPUT_LINES 5
#define OTHER_LINES 5

static const char *sev_color(const struct render *r, enum severity s)
{
	static const char *const colors[] = { "\033[2m", "\033[33m", "\033[1;31m", "\033[1;37;41m" };

	return r->color ? colors[s] : "";
}

static const char *reset(const struct render *r)
{
	return r->color ? "\033[0m" : "";
}

static void upper(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i];
	dst[i] = '\0';
}

/* A failed command no finding explains: say so, and show what does (its own last words). */
static void verdict(const struct render *r)
{
	char line[1024];
	size_t n;
	bool err;

	if (!render_verdict(r, line, sizeof(line)))
		return;
	fprintf(r->out, "%s\n", line);
	err = render_tail_stream(r, &n);
	if (n)
		fprintf(r->out, "its last lines (%s):\n", err ? "stderr" : "stdout");
	for (size_t i = 0; i < n; i++)
		fprintf(r->out, "  | %s\n", shown(analysis_tail(r->a, err, i, &n)->msg));
	if (render_last_miss(r, line, sizeof(line)))
		fprintf(r->out,
			"the last miss before a process failed, not named by its output (shown, not blamed): %s\n",
			shown(line));
}

static void header(const struct render *r)
{
	const struct analysis *a = r->a;
	char *cmd = render_command(a), pod[1024];
	size_t counts[4] = {};

	for (size_t i = 0; i < r->f->n; i++)
		counts[r->f->v[i].severity]++;
	fprintf(r->out, "fstrace: ");
	if (a->h.argc)
		fprintf(r->out, "`%s` ", shown(cmd));
	else
		fprintf(r->out, "recording on %s: ", a->h.hostname ? shown(a->h.hostname) : "?");
	if (a->exit_code >= 0)
		fprintf(r->out, "exited %d; ", a->exit_code);
	fprintf(r->out, "%zu finding%s", r->f->n, r->f->n == 1 ? "" : "s");
	if (r->f->n)
		fprintf(r->out, " (%zu critical, %zu high, %zu medium, %zu low)", counts[SEV_CRITICAL],
			counts[SEV_HIGH], counts[SEV_MEDIUM], counts[SEV_LOW]);
	fprintf(r->out, "; %" PRIu64 " events, %" PRIu64 " lost%s\n", a->events, a->lost,
		a->truncated ? "; the recording was cut short (no trailer)" : "");
	free(cmd);
	if (render_pod(a, pod, sizeof(pod)))
		fprintf(r->out, "pod: %s\n", shown(pod));
	if (a->lost)
		fprintf(r->out,
			"WARNING: %" PRIu64 " events were lost (ring buffer full): this report may miss "
			"failures (try --ringbuf-mb)\n",
			a->lost);
	for (size_t i = 0; i < a->notes.n; i++)
		fprintf(r->out, "note: %s\n", shown(a->notes.v[i].msg));
	if (a->over_limit)
		fprintf(r->out,
			"note: %" PRIu64 " events past the analysis limits (%d distinct failing calls) are in "
			"the recording but not in this report\n",
			a->over_limit, ANALYSIS_MAX_CALLS);
	verdict(r);
}

static void summary(const struct render *r)
{
	const struct routine_misses *m = &r->f->routine;

	for (size_t i = 0; i < r->f->n; i++) {
		const struct finding *x = &r->f->v[i];
		char sev[16];

		upper(sev, severity_name(x->severity), sizeof(sev));
		fprintf(r->out, "  %s%-8s%s [%zu] %s/%s: %s\n", sev_color(r, x->severity), sev, reset(r), i + 1,
			x->class, x->cause, x->title ? shown(x->title) : "");
	}
	if (m->total)
		fprintf(r->out,
			"routine misses, not listed: %" PRIu64 " (names searched in several directories "
			"%" PRIu64 ", existence checks %" PRIu64 ", system files %" PRIu64
			", handled by a process "
			"that succeeded %" PRIu64 "%s",
			m->total, m->search, m->probe, m->system, m->handled,
			m->unnamed || m->forgotten || m->under_load ? "" : ")\n");
	if (m->unnamed)
		fprintf(r->out, ", not named by the failed command's output %" PRIu64 "%s", m->unnamed,
			m->forgotten || m->under_load ? "" : ")\n");
	if (m->forgotten)
		fprintf(r->out, ", older ones summed up %" PRIu64 "%s", m->forgotten, m->under_load ? "" : ")\n");
	if (m->under_load)
		fprintf(r->out,
			", counted by process while the collector fell behind, paths not kept %" PRIu64 ")\n",
			m->under_load);
	{
		char line[1024];

		if (render_forgotten(r, line, sizeof(line)))
			fprintf(r->out, "summed up to stay in memory: %s\n", shown(line));
	}
	if (m->answers)
		fprintf(r->out,
			"expected errors, not listed: %" PRIu64 " (mkdir EEXIST, readlink EINVAL, no tty)\n",
			m->answers);
	if (r->f->nother) {
		fprintf(r->out, "other failed calls: ");
		for (size_t i = 0; i < r->f->nother && i < OTHER_LINES; i++) {
			char call[512];

			render_call(&r->f->other[i]->first, call, sizeof(call));
			fprintf(r->out, "%s%s (%" PRIu64 "x)", i ? "; " : "", shown(call), r->f->other[i]->count);
		}
		if (r->f->nother > OTHER_LINES)
			fprintf(r->out, "; and %zu more", r->f->nother - OTHER_LINES);
		fprintf(r->out, "\n");
	}
}

static void finding(const struct render *r, size_t n, const struct finding *x)
{
	const struct record *fail = x->failure;
	char sev[16], buf[1024], pid[48], ppid[48];

	upper(sev, severity_name(x->severity), sizeof(sev));
	fprintf(r->out, "\n[%zu] %s%s%s %s (%s)\n    %s\n", n, sev_color(r, x->severity), sev, reset(r), x->class,
		x->cause, x->title ? shown(x->title) : "");
	if (fail) {
		render_call(fail, buf, sizeof(buf));
		fprintf(r->out, "    failed: %s  (%s %s)%s", shown(buf), pid_label(fail, false, pid, sizeof(pid)),
			shown(fail->comm), x->count > 1 ? "" : "\n");
		if (x->count > 1)
			fprintf(r->out, ", %" PRIu64 " calls\n", x->count);
		if (fail->type == REC_MOUNT && fail->data)
			fprintf(r->out, "    options: %s\n", shown(fail->data));
	}
	if (x->reason)
		fprintf(r->out, "    kernel: %s\n", shown(x->reason));
	if (x->inode)
		fprintf(r->out, "    inode: %" PRIu64 "\n", x->inode);
	if (x->device) {
		render_device(x->device, buf, sizeof(buf));
		fprintf(r->out, "    device: %s\n", shown(buf));
	}
	if (render_container(x->cgroup, buf, sizeof(buf)))
		fprintf(r->out, "    container: %s\n", shown(buf));
	if (x->actor.present) {
		const struct record *rm = x->actor.removal;

		fprintf(r->out, "    actor: %s (%s, child of %s) %s %s", pid_label(rm, false, pid, sizeof(pid)),
			shown(rm->comm), pid_label(rm, true, ppid, sizeof(ppid)), shown(rm->syscall),
			shown(rm->path));
		if (rm->ino)
			fprintf(r->out, " (inode %" PRIu64 " on %u:%u)", rm->ino, rm->dev_major, rm->dev_minor);
		fprintf(r->out, ", %.1f ms before\n", x->actor.delta_ms > 0 ? x->actor.delta_ms : 0.0);
		if (render_container(x->actor.cgroup, buf, sizeof(buf)))
			fprintf(r->out, "    actor's container: %s\n", shown(buf));
	}
	for (size_t i = 0; i < x->ndetails; i++)
		fprintf(r->out, "    %s\n", shown(x->details[i]));
	for (size_t i = 0; i < x->nruled_out; i++)
		fprintf(r->out, "    ruled out: %s\n", shown(x->ruled_out[i]));
	for (size_t i = 0; i < x->noutput && i < OUTPUT_LINES; i++) {
		const struct output_line *o = x->output[i];

		const struct record *first = first_failure_on(r->a, o->m.path);

		fprintf(r->out, "    the command said (%s): %s\n", o->rec.data ? shown(o->rec.data) : "?",
			shown(o->rec.msg));
		/* node-tar names the call that reported the error, not always the one that failed first. */
		if (o->m.syscall && first && first->syscall && !strstr(first->syscall, o->m.syscall))
			fprintf(r->out, "      (it names %s; the first call that failed on that path was %s %s)\n",
				shown(o->m.syscall), shown(first->syscall), errno_name(first->err));
	}
	if (x->noutput > OUTPUT_LINES)
		fprintf(r->out, "    ... and %zu more lines of output about it\n", x->noutput - OUTPUT_LINES);
	if (x->remedy && *x->remedy)
		fprintf(r->out, "    remedy: %s\n", shown(x->remedy));
	fprintf(r->out, "    evidence:\n");
	for (size_t i = 0; i < x->nevidence && i < EVIDENCE_LINES; i++) {
		fprintf(r->out, "      ");
		event_text_line(r->out, x->evidence[i], r->a->h.started_boot_ns);
	}
	if (x->nevidence > EVIDENCE_LINES)
		fprintf(r->out, "      ... and %zu more (--format json has them all)\n",
			x->nevidence - EVIDENCE_LINES);
}

int render_text(const struct render *r)
{
	header(r);
	if (!r->f->n)
		fprintf(r->out, "no filesystem failure worth a finding\n");
	summary(r);
	for (size_t i = 0; i < r->f->n; i++)
		finding(r, i + 1, &r->f->v[i]);
	return 0;
}
