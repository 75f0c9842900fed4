// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The Markdown report: a ticket. Title, summary table, a section per finding, its evidence. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "host/devices.h"
#include "report/display.h"
#include "lib/errnames.h"
#include "report/event_text.h"
#include "report/formats.h"

/* Text inside a table cell: a '|' would end the cell (a newline the row: shown() escapes it). */
static void cell(FILE *out, const char *s)
{
	for (s = shown(s); s && *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else
			fputc(*s, out);
	}
}

/* The longest run of backticks in S: a code span or fence must be longer to hold S. */
static int longest_backticks(const char *s)
{
	int run = 0, longest = 0;

	for (; s && *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest;
}

/* Inline code that holds any text: a fence longer than any run of backticks inside. */
static void code(FILE *out, const char *s)
{
	int longest;

	s = shown(s);
	longest = longest_backticks(s);
	for (int i = 0; i <= longest; i++)
		fputc('`', out);
	fprintf(out, longest ? " %s " : "%s", s);
	for (int i = 0; i <= longest; i++)
		fputc('`', out);
}

/* A code fence of N backticks, and its line's end. */
static void backticks(FILE *out, int n)
{
	while (n-- > 0)
		fputc('`', out);
	fputc('\n', out);
}

static void section(const struct render *r, size_t n, const struct finding *x)
{
	const struct record *fail = x->failure;
	char buf[1024], pid[48], ppid[48];

	fprintf(r->out, "\n## %zu. ", n);
	cell(r->out, x->title);
	fprintf(r->out, "\n\n- **Class / cause:** %s / %s (severity %s)\n", x->class, x->cause,
		severity_name(x->severity));
	if (fail) {
		render_call(fail, buf, sizeof(buf));
		fprintf(r->out, "- **Failed:** ");
		code(r->out, buf);
		fprintf(r->out, " by %s (%s)", pid_label(fail, false, pid, sizeof(pid)), shown(fail->comm));
		if (x->count > 1)
			fprintf(r->out, ", %" PRIu64 " calls", x->count);
		fprintf(r->out, "\n");
		if (fail->type == REC_MOUNT && fail->data) {
			fprintf(r->out, "- **Options:** ");
			code(r->out, fail->data);
			fprintf(r->out, "\n");
		}
	}
	if (x->reason) {
		fprintf(r->out, "- **Kernel:** ");
		code(r->out, x->reason);
		fprintf(r->out, "\n");
	}
	if (x->inode)
		fprintf(r->out, "- **Inode:** %" PRIu64 "\n", x->inode);
	if (x->device) {
		render_device(x->device, buf, sizeof(buf));
		fprintf(r->out, "- **Device:** %s\n", shown(buf));
	}
	if (render_container(x->cgroup, buf, sizeof(buf))) {
		fprintf(r->out, "- **Container:** ");
		cell(r->out, buf);
		fprintf(r->out, "\n");
	}
	if (x->actor.present) {
		const struct record *rm = x->actor.removal;

		fprintf(r->out, "- **Actor:** %s (%s, child of %s), %s ", pid_label(rm, false, pid, sizeof(pid)),
			shown(rm->comm), pid_label(rm, true, ppid, sizeof(ppid)), shown(rm->syscall));
		code(r->out, x->actor.removal->path);
		fprintf(r->out, ", %.1f ms before\n", x->actor.delta_ms > 0 ? x->actor.delta_ms : 0.0);
		if (render_container(x->actor.cgroup, buf, sizeof(buf)))
			fprintf(r->out, "- **Actor's container:** %s\n", shown(buf));
	}
	for (size_t i = 0; i < x->ndetails; i++) {
		fprintf(r->out, "- ");
		cell(r->out, x->details[i]);
		fprintf(r->out, "\n");
	}
	for (size_t i = 0; i < x->nruled_out; i++) {
		fprintf(r->out, "- **Ruled out:** ");
		cell(r->out, x->ruled_out[i]);
		fprintf(r->out, "\n");
	}
	if (x->noutput) {
		/* A fence longer than any run of backticks in the lines, so none of them can close it. */
		int fence = 3;

		for (size_t i = 0; i < x->noutput; i++) {
			int run = longest_backticks(x->output[i]->rec.msg);

			if (run >= fence)
				fence = run + 1;
		}
		fprintf(r->out, "\nThe command said:\n\n");
		backticks(r->out, fence);
		for (size_t i = 0; i < x->noutput; i++)
			fprintf(r->out, "%s\n", x->output[i]->rec.msg ? shown(x->output[i]->rec.msg) : "");
		backticks(r->out, fence);
	}
	if (x->remedy && *x->remedy)
		fprintf(r->out, "\n**Remedy:** %s\n", shown(x->remedy));
	fprintf(r->out, "\n<details><summary>Evidence (%zu events)</summary>\n\n```\n", x->nevidence);
	for (size_t i = 0; i < x->nevidence; i++)
		event_text_line(r->out, x->evidence[i], r->a->h.started_boot_ns);
	fprintf(r->out, "```\n\n</details>\n");
}

int render_md(const struct render *r)
{
	const struct analysis *a = r->a;
	char *cmd = render_command(a), pod[1024], line[1024];

	fprintf(r->out, "# fstrace: ");
	cell(r->out, r->f->n ? r->f->v[0].title : "no filesystem failure found");
	fprintf(r->out, "\n\n");
	if (a->h.argc) {
		code(r->out, cmd);
		if (a->exit_code >= 0)
			fprintf(r->out, " exited %d", a->exit_code);
	} else {
		fprintf(r->out, "System-wide recording");
	}
	fprintf(r->out, " on %s (kernel %s), %s to %s. %" PRIu64 " events, %" PRIu64 " lost.\n",
		a->h.hostname ? shown(a->h.hostname) : "?", a->h.kernel ? shown(a->h.kernel) : "?",
		a->h.started ? shown(a->h.started) : "?", a->ended ? shown(a->ended) : "?", a->events, a->lost);
	free(cmd);
	if (render_pod(a, pod, sizeof(pod)))
		fprintf(r->out, "\nPod: %s\n", shown(pod));
	if (a->lost)
		fprintf(r->out, "\n**Warning:** %" PRIu64 " events were lost; findings may be missing.\n",
			a->lost);
	for (size_t i = 0; i < a->notes.n; i++)
		fprintf(r->out, "\nNote: %s\n", shown(a->notes.v[i].msg));
	if (r->f->n) {
		fprintf(r->out, "\n| # | Severity | Class | Cause | Finding |\n|---|---|---|---|---|\n");
		for (size_t i = 0; i < r->f->n; i++) {
			fprintf(r->out, "| %zu | %s | %s | %s | ", i + 1, severity_name(r->f->v[i].severity),
				r->f->v[i].class, r->f->v[i].cause);
			cell(r->out, r->f->v[i].title);
			fprintf(r->out, " |\n");
		}
	}
	if (render_verdict(r, line, sizeof(line))) {
		size_t n;
		bool err;

		fprintf(r->out, "\n**Verdict:** %s.\n", shown(line));
		err = render_tail_stream(r, &n);
		if (n) {
			fprintf(r->out, "\nIts last lines (%s):\n\n", err ? "stderr" : "stdout");
			for (size_t i = 0; i < n; i++) {
				fprintf(r->out, "    ");
				fprintf(r->out, "%s\n", shown(analysis_tail(a, err, i, &n)->msg));
			}
		}
		if (render_last_miss(r, line, sizeof(line)))
			fprintf(r->out,
				"\nThe last miss before a process failed, not named by its output (shown, not "
				"blamed): %s.\n",
				shown(line));
	}
	if (r->f->routine.total)
		fprintf(r->out,
			"\nRoutine misses not listed: %" PRIu64 " (search %" PRIu64 ", existence checks %" PRIu64
			", system files %" PRIu64 ", handled by a process that succeeded %" PRIu64
			", not named by the failed command's output %" PRIu64 "%s",
			r->f->routine.total, r->f->routine.search, r->f->routine.probe, r->f->routine.system,
			r->f->routine.handled, r->f->routine.unnamed, r->f->routine.under_load ? "" : ").\n");
	if (r->f->routine.under_load)
		fprintf(r->out,
			", counted by process while the collector fell behind, paths not kept %" PRIu64 ").\n",
			r->f->routine.under_load);
	for (size_t i = 0; i < r->f->n; i++)
		section(r, i + 1, &r->f->v[i]);
	return 0;
}
