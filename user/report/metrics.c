// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/errnames.h"
#include "diagnose/findings.h"
#include "report/metrics.h"
#include "lib/util.h"

/* A label value: backslash, double quote and newline escaped, as the format wants. */
static void label(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*s, out);
	}
	fputc('"', out);
}

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int metrics_render(FILE *out, const struct metrics_values *v)
{
	head(out, "fstrace_events_total", "counter",
	     "Events recorded, by type (a repeated failing call counts once).");
	for (int t = REC_SYSCALL; t < REC_TYPES; t++) {
		fputs("fstrace_events_total{type=", out);
		label(out, rec_type_name(t));
		fprintf(out, "} %llu\n", (unsigned long long)(v->events_by_type ? v->events_by_type[t] : 0));
	}
	head(out, "fstrace_events_lost_total", "counter",
	     "Events the kernel could not queue (ring buffer full), by type.");
	for (int t = REC_SYSCALL; t < v->lost_types && t <= REC_PROC; t++) {
		fputs("fstrace_events_lost_total{type=", out);
		label(out, rec_type_name(t));
		fprintf(out, "} %llu\n", (unsigned long long)v->lost_by_type[t]);
	}
	head(out, "fstrace_failing_calls_total", "counter",
	     "Failing file calls and mounts recorded, repeats included, by errno.");
	for (int e = 1; v->failing_by_errno && e < METRICS_ERRNOS; e++) {
		if (!v->failing_by_errno[e])
			continue;
		fputs("fstrace_failing_calls_total{errno=", out);
		label(out, errno_name(e));
		fprintf(out, "} %llu\n", (unsigned long long)v->failing_by_errno[e]);
	}
	head(out, "fstrace_findings_total", "counter",
	     "Findings established, by class, cause and severity (as established; docs/node-mode.md).");
	for (size_t i = 0; i < v->ntally; i++) {
		fputs("fstrace_findings_total{class=", out);
		label(out, v->tally[i].class);
		fputs(",cause=", out);
		label(out, v->tally[i].cause);
		fputs(",severity=", out);
		label(out, severity_name(v->tally[i].severity));
		fprintf(out, "} %llu\n", (unsigned long long)v->tally[i].count);
	}
	head(out, "fstrace_findings_withdrawn_total", "counter",
	     "Findings printed live that the window's report did not make (expected 0).");
	fprintf(out, "fstrace_findings_withdrawn_total %llu\n", (unsigned long long)v->withdrawn);
	head(out, "fstrace_attach_info", "gauge", "How each hook attached (mode label), 1 per hook.");
	for (size_t i = 0; i < v->nattach; i++) {
		fputs("fstrace_attach_info{hook=", out);
		label(out, v->attach[i].hook);
		fputs(",mode=", out);
		label(out, v->attach[i].mode);
		fputs("} 1\n", out);
	}
	head(out, "fstrace_start_time_seconds", "gauge", "When the recorder started, unix seconds.");
	fprintf(out, "fstrace_start_time_seconds %.3f\n", v->started_unix);
	head(out, "fstrace_last_report_timestamp_seconds", "gauge",
	     "When the last report was written (rotation or exit), unix seconds; 0 before the first.");
	fprintf(out, "fstrace_last_report_timestamp_seconds %.3f\n", v->last_report_unix);
	head(out, "fstrace_cpu_seconds_total", "counter", "CPU time of the recorder, user and system.");
	fprintf(out, "fstrace_cpu_seconds_total %.6f\n", v->cpu_seconds);
	head(out, "fstrace_live_diagnoses_total", "counter", "Diagnoses of the current window for live findings.");
	fprintf(out, "fstrace_live_diagnoses_total %llu\n", (unsigned long long)v->diagnoses);
	head(out, "fstrace_live_diagnosis_cpu_seconds_total", "counter", "CPU time those diagnoses took.");
	fprintf(out, "fstrace_live_diagnosis_cpu_seconds_total %.6f\n", v->diagnosis_seconds);
	return ferror(out) ? -1 : 0;
}

int metrics_dir_usable(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1, slash ? path : ".");
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		errno = ENOTDIR;
	else if (stat(dir, &st) == 0 && access(dir, W_OK | X_OK) == 0)
		return 0;
	say("--metrics %s: %s: %s", path, dir, strerror(errno));
	return -1;
	return 0;
}

int metrics_write(const char *path, const struct metrics_values *v)
{
	const char *slash = strrchr(path, '/');
	char tmp[PATH_MAX];
	int fd, saved;
	FILE *f;

	/* Beside the file (rename is atomic only within a filesystem), hidden, and not *.prom: the
	 * textfile collector reads only those. */
	if (slash)
		snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	/* node_exporter runs as its own user: the counters are no secret */
	fchmod(fd, 0644);
	if (!(f = fdopen(fd, "w"))) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	errno = 0;
	saved = metrics_render(f, v) || fflush(f) || fsync(fileno(f));
	if (fclose(f) || saved || rename(tmp, path)) {
		saved = errno ? errno : EIO;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return 0;
}
