// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The report: events grouped by what they say (a failing call on a path, a failed mount with
 * the kernel's reason, an ext4 error on a device, a removal by someone else), most telling first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "errnames.h"
#include "groups.h"
#include "json.h"
#include "report.h"

#define TEXT_ROWS 20          /* rows per section in the text report; JSON has them all */
#define REASON_WINDOW_NS 2000000000ull
#define KMSG_KEEP 4096
/* A deleter's event can trail its victim's: both are queued at syscall exit. */
#define REMOVAL_TRAIL_NS 200000000ull

struct report {
	struct recording_header h;
	uint64_t events, lost;
	int exit_code;
	char *ended;
	bool truncated;
	struct group_table calls, mounts, ext4, removals, kmsgs;
	struct record *kmsg_list; /* for a mount's reason: the same pid's message around it */
	size_t kmsg_count;
	uint64_t mounts_ok;
};

int report_format_parse(const char *name, enum report_format *f)
{
	if (strcmp(name, "text") == 0)
		*f = REPORT_TEXT;
	else if (strcmp(name, "json") == 0)
		*f = REPORT_JSON;
	else
		return -1;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct report *report_new(const struct recording_header *h)
{
	struct report *rep = calloc(1, sizeof(*rep));

	if (!rep)
		return NULL;
	rep->exit_code = -1;
	rep->h.kernel = dup_or_null(h->kernel);
	rep->h.started = dup_or_null(h->started);
	rep->h.mode = dup_or_null(h->mode);
	rep->h.started_boot_ns = h->started_boot_ns;
	rep->h.argv = calloc(h->argc + 1, sizeof(char *));
	for (int i = 0; rep->h.argv && i < h->argc; i++)
		if ((rep->h.argv[i] = strdup(h->argv[i])))
			rep->h.argc = i + 1;
	for (size_t i = 0; i < h->nattach; i++)
		recording_header_add_attach(&rep->h, h->attach[i].hook, h->attach[i].mode);
	return rep;
}

static void add_kmsg(struct report *rep, const struct record *r)
{
	if (rep->kmsg_count == KMSG_KEEP)
		return;
	if (!rep->kmsg_list && !(rep->kmsg_list = calloc(KMSG_KEEP, sizeof(*rep->kmsg_list))))
		return;
	if (record_copy(&rep->kmsg_list[rep->kmsg_count], r) == 0)
		rep->kmsg_count++;
}

void report_add(struct report *rep, const struct record *r)
{
	char *key = NULL;
	int n = -1;

	switch (r->type) {
	case REC_SYSCALL:
		n = asprintf(&key, "%s %d %s %s", r->syscall ? r->syscall : "?", r->err,
			     r->path ? r->path : "", r->path2 ? r->path2 : "");
		if (n >= 0)
			groups_add(&rep->calls, key, r);
		break;
	case REC_MOUNT:
		if (!r->err) {
			rep->mounts_ok++;
			break;
		}
		n = asprintf(&key, "%s %d %s %s %s", r->syscall ? r->syscall : "?", r->err,
			     r->fstype ? r->fstype : "", r->path ? r->path : "", r->data ? r->data : "");
		if (n >= 0)
			groups_add(&rep->mounts, key, r);
		break;
	case REC_EXT4_ERROR:
		n = asprintf(&key, "%u:%u %s %u", r->dev_major, r->dev_minor, r->func ? r->func : "",
			     r->line);
		if (n >= 0)
			groups_add(&rep->ext4, key, r);
		break;
	case REC_REMOVE:
	case REC_RENAME:
		/* Keyed by the path that went away: a failure looks its ancestors up here. */
		if (r->path)
			groups_add(&rep->removals, r->path, r);
		break;
	case REC_KMSG:
		add_kmsg(rep, r);
		if (r->msg)
			groups_add(&rep->kmsgs, r->msg, r);
		break;
	default:
		break;
	}
	free(n >= 0 ? key : NULL);
}

void report_end(struct report *rep, uint64_t events, uint64_t lost, int exit_code, const char *ended,
		bool truncated)
{
	rep->events = events;
	rep->lost = lost;
	rep->exit_code = exit_code;
	free(rep->ended);
	rep->ended = dup_or_null(ended);
	rep->truncated = truncated;
}

/* The kernel's own words for a failed mount: a filesystem message from the same process. */
static const char *mount_reason(const struct report *rep, const struct record *m)
{
	for (size_t i = 0; i < rep->kmsg_count; i++) {
		const struct record *k = &rep->kmsg_list[i];
		uint64_t d = k->ts_ns > m->ts_ns ? k->ts_ns - m->ts_ns : m->ts_ns - k->ts_ns;

		if (k->pid == m->pid && d <= REASON_WINDOW_NS && k->msg)
			return k->msg;
	}
	return NULL;
}

/*
 * The removal (or rename-away) that made the failing path vanish: of the path itself or of an
 * ancestor, the latest one before the failure. `rm -rf d` removes d/x/f, then d/x, then d: the
 * last is the one that explains a failure to create d/x/f.
 */
static const struct record *removal_before(const struct report *rep, const struct record *fail)
{
	const struct record *found = NULL;
	char *path;

	if (!rep->removals.count || !fail->path || fail->path[0] != '/' ||
	    (fail->err != ENOENT && fail->err != ESTALE && fail->err != ENOTDIR))
		return NULL;
	path = strdup(fail->path);
	while (path) {
		const struct group *g = groups_find(&rep->removals, path);
		char *slash = strrchr(path, '/');

		/* Removed again and again (a cleanup loop): its latest removal before the failure. */
		for (int i = 0; g && i < 2; i++) {
			const struct record *r = i ? &g->first : &g->last;

			if (r->ts_ns && r->ts_ns <= fail->ts_ns + REMOVAL_TRAIL_NS &&
			    (!found || r->ts_ns > found->ts_ns)) {
				found = r;
				break;
			}
		}
		if (!slash || slash == path)
			break;
		*slash = '\0';
	}
	free(path);
	return found;
}

static void write_command(const struct report *rep, struct jbuf *b)
{
	for (int i = 0; i < rep->h.argc; i++) {
		if (i)
			jbuf_putc(b, ' ');
		jbuf_puts(b, rep->h.argv[i]);
	}
}

static void json_actor(struct jbuf *b, const struct group *g)
{
	jobj_u64(b, "count", g->count);
	jobj_u64(b, "pid", g->first.pid);
	jobj_str(b, "comm", g->first.comm);
	jobj_u64(b, "first_ts_ns", g->first.ts_ns);
}

static void json_removed_by(const struct report *rep, struct jbuf *b, const struct record *fail)
{
	const struct record *g = removal_before(rep, fail);

	if (!g)
		return;
	jobj_key(b, "removed_by");
	jobj_begin(b);
	jobj_u64(b, "pid", g->pid);
	jobj_str(b, "comm", g->comm);
	jobj_str(b, "syscall", g->syscall);
	jobj_str(b, "path", g->path);
	jobj_i64(b, "delta_ms", ((int64_t)fail->ts_ns - (int64_t)g->ts_ns) / 1000000);
	jobj_end(b);
}

static void json_section(const struct report *rep, struct jbuf *b, const char *name,
			 const struct group_table *t)
{
	struct group **all = groups_sorted(t);

	jobj_key(b, name);
	jarr_begin(b);
	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first;
		char dev[32];

		jobj_begin(b);
		jobj_str(b, "type", rec_type_name(r->type));
		jobj_str(b, "syscall", r->syscall);
		if (r->err)
			jobj_str(b, "errno", errno_name(r->err));
		jobj_str(b, "path", r->path);
		jobj_str(b, "path2", r->path2);
		jobj_str(b, "fstype", r->fstype);
		jobj_str(b, "data", r->data);
		if (r->has_dev) {
			snprintf(dev, sizeof(dev), "%u:%u", r->dev_major, r->dev_minor);
			jobj_str(b, "dev", dev);
			jobj_str(b, "func", r->func);
			jobj_u64(b, "line", r->line);
		}
		jobj_str(b, "msg", r->msg);
		if (r->type == REC_MOUNT)
			jobj_str(b, "reason", mount_reason(rep, r));
		json_actor(b, all[i]);
		if (r->type == REC_SYSCALL)
			json_removed_by(rep, b, &all[i]->last);
		jobj_end(b);
	}
	jarr_end(b);
	free(all);
}

static int write_json(const struct report *rep, FILE *out)
{
	struct jbuf b = {}, cmd = {};
	int ret;

	jobj_begin(&b);
	jobj_str(&b, "schema", "fstrace.report/1");
	write_command(rep, &cmd);
	jobj_str(&b, "command", rep->h.argc ? cmd.p : NULL);
	if (rep->exit_code >= 0)
		jobj_i64(&b, "exit_code", rep->exit_code);
	jobj_str(&b, "mode", rep->h.mode);
	jobj_str(&b, "kernel", rep->h.kernel);
	jobj_key(&b, "attach_mode");
	jobj_begin(&b);
	for (size_t i = 0; i < rep->h.nattach; i++)
		jobj_str(&b, rep->h.attach[i].hook, rep->h.attach[i].mode);
	jobj_end(&b);
	jobj_str(&b, "started", rep->h.started);
	jobj_str(&b, "ended", rep->ended);
	jobj_u64(&b, "events_total", rep->events);
	jobj_u64(&b, "events_lost", rep->lost);
	jobj_bool(&b, "truncated", rep->truncated);
	json_section(rep, &b, "failed_mounts", &rep->mounts);
	json_section(rep, &b, "ext4_errors", &rep->ext4);
	json_section(rep, &b, "removals", &rep->removals);
	json_section(rep, &b, "failed_calls", &rep->calls);
	json_section(rep, &b, "kernel_messages", &rep->kmsgs);
	jobj_end(&b);
	jbuf_putc(&b, '\n');
	ret = b.oom ? -1 : (fwrite(b.p, 1, b.len, out) == b.len ? 0 : -1);
	jbuf_free(&b);
	jbuf_free(&cmd);
	return ret;
}

static void text_actor(FILE *out, const struct group *g)
{
	if (g->count > 1)
		fprintf(out, "  %" PRIu64 "x", g->count);
	fprintf(out, "  pid %u (%s)\n", g->first.pid, g->first.comm);
}

static void text_removed_by(const struct report *rep, FILE *out, const struct record *fail)
{
	const struct record *g = removal_before(rep, fail);

	double ms;

	if (!g)
		return;
	ms = ((double)fail->ts_ns - (double)g->ts_ns) / 1e6;
	fprintf(out, "      %s %s by pid %u (%s, %s), ", g->type == REC_RENAME ? "renamed away:" : "removed:",
		g->path, g->pid, g->comm, g->syscall ? g->syscall : "?");
	/* Both are timed at syscall exit: the remover's call can return just after its victim's. */
	if (ms >= 0)
		fprintf(out, "%.1f ms before\n", ms);
	else
		fprintf(out, "at the same moment (its call returned %.1f ms after)\n", -ms);
}

/* One section: a heading with its count, then up to TEXT_ROWS rows. */
static void text_section(const struct report *rep, FILE *out, const char *title,
			 const struct group_table *t)
{
	struct group **all;
	uint64_t total = 0;
	size_t i;

	if (!t->count)
		return;
	all = groups_sorted(t);
	for (i = 0; all && all[i]; i++)
		total += all[i]->count;
	fprintf(out, "\n%s: %zu", title, t->count);
	if (total != t->count)
		fprintf(out, " distinct, %" PRIu64 " in all", total);
	fprintf(out, "\n");
	for (i = 0; all && all[i] && i < TEXT_ROWS; i++) {
		const struct record *r = &all[i]->first;
		const char *reason;

		switch (r->type) {
		case REC_MOUNT:
			fprintf(out, "  %s %s %s on %s", errno_name(r->err), r->syscall,
				r->fstype ? r->fstype : "", r->path ? r->path : "?");
			text_actor(out, all[i]);
			if (r->data)
				fprintf(out, "      options: %s\n", r->data);
			if ((reason = mount_reason(rep, r)))
				fprintf(out, "      kernel: %s\n", reason);
			break;
		case REC_EXT4_ERROR:
			fprintf(out, "  dev %u:%u  %s:%u", r->dev_major, r->dev_minor, r->func ? r->func : "?",
				r->line);
			text_actor(out, all[i]);
			break;
		case REC_REMOVE:
		case REC_RENAME:
			fprintf(out, "  %s %s%s%s", r->syscall, r->path ? r->path : "?", r->path2 ? " -> " : "",
				r->path2 ? r->path2 : "");
			text_actor(out, all[i]);
			break;
		case REC_KMSG:
			fprintf(out, "  %s", r->msg);
			text_actor(out, all[i]);
			break;
		default:
			fprintf(out, "  %-7s %-10s %s%s%s", errno_name(r->err), r->syscall ? r->syscall : "?",
				r->path ? r->path : "(no path)", r->path2 ? " " : "", r->path2 ? r->path2 : "");
			text_actor(out, all[i]);
			text_removed_by(rep, out, &all[i]->last);
		}
	}
	if (all && all[i])
		fprintf(out, "  ... and %zu more (--format json lists them all)\n", t->count - i);
	free(all);
}

static int write_text(const struct report *rep, FILE *out)
{
	struct jbuf cmd = {};

	write_command(rep, &cmd);
	fprintf(out, "fstrace: ");
	if (rep->h.argc)
		fprintf(out, "`%s` ", cmd.p ? cmd.p : "");
	else
		fprintf(out, "system-wide recording ");
	if (rep->exit_code >= 0)
		fprintf(out, "exited %d; ", rep->exit_code);
	fprintf(out, "%" PRIu64 " events, %" PRIu64 " lost%s\n", rep->events, rep->lost,
		rep->truncated ? " (recording cut short: no trailer)" : "");
	jbuf_free(&cmd);
	if (rep->lost)
		fprintf(out, "WARNING: %" PRIu64 " events were lost (ring buffer full): "
			"this report may miss failures\n", rep->lost);
	if (!rep->calls.count && !rep->mounts.count && !rep->ext4.count && !rep->kmsgs.count) {
		fprintf(out, "no filesystem failures seen\n");
		return ferror(out) ? -1 : 0;
	}
	text_section(rep, out, "Failed mounts", &rep->mounts);
	text_section(rep, out, "ext4 errors", &rep->ext4);
	text_section(rep, out, "Failed calls", &rep->calls);
	text_section(rep, out, "Kernel messages", &rep->kmsgs);
	return ferror(out) ? -1 : 0;
}

int report_write(const struct report *rep, FILE *out, enum report_format fmt)
{
	return fmt == REPORT_JSON ? write_json(rep, out) : write_text(rep, out);
}

void report_free(struct report *rep)
{
	if (!rep)
		return;
	recording_header_free(&rep->h);
	free(rep->ended);
	groups_free(&rep->calls);
	groups_free(&rep->mounts);
	groups_free(&rep->ext4);
	groups_free(&rep->removals);
	groups_free(&rep->kmsgs);
	for (size_t i = 0; i < rep->kmsg_count; i++)
		record_free(&rep->kmsg_list[i]);
	free(rep->kmsg_list);
	free(rep);
}
