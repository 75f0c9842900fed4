// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The preflight's report, in the formats of `report`: text (a summary line per finding, then each
 * in turn), JSON (schema "fstrace.check/1", docs/check.md) and Markdown. No clock in it: the same
 * machine state gives the same report.
 */
#include <inttypes.h>
#include <string.h>
#include "lib/json.h"
#include "preflight/preflight.h"

static void counts(const struct preflight *p, size_t c[4])
{
	memset(c, 0, 4 * sizeof(*c));
	for (size_t i = 0; i < p->n; i++)
		c[(unsigned)p->items[i].severity & 3]++;
}

static size_t roots_present(const struct preflight *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nroots; i++)
		n += p->roots[i].exists;
	return n;
}

static void summary(const struct preflight *p, FILE *out, const char *lead)
{
	size_t c[4];

	counts(p, c);
	fprintf(out, "%sfstrace check on %s (kernel %s): ", lead, p->hostname, p->kernel);
	if (p->n)
		fprintf(out, "%zu finding%s (%zu critical, %zu high, %zu medium, %zu low)", p->n,
			p->n == 1 ? "" : "s", c[SEV_CRITICAL], c[SEV_HIGH], c[SEV_MEDIUM], c[SEV_LOW]);
	else
		fputs("nothing found", out);
	fprintf(out, "; %zu data root%s, %zu filesystem%s, %zu kernel feature%s looked at\n", roots_present(p),
		roots_present(p) == 1 ? "" : "s", p->nfs, p->nfs == 1 ? "" : "s", p->nfeatures,
		p->nfeatures == 1 ? "" : "s");
}

/* "HIGH", as the text report writes a severity. */
static const char *upper(enum severity s, char *buf, size_t len)
{
	snprintf(buf, len, "%s", severity_name(s));
	for (char *c = buf; *c; c++)
		*c = (char)(*c - 'a' + 'A');
	return buf;
}

static int render_text(const struct preflight *p, FILE *out)
{
	const char *sep = "";
	char sev[16];

	summary(p, out, "");
	for (size_t i = 0; i < p->n; i++)
		fprintf(out, "  %-8s [%zu] %s/%s: %s\n", upper(p->items[i].severity, sev, sizeof(sev)), i + 1,
			p->items[i].class, p->items[i].cause, p->items[i].title);
	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_item *x = &p->items[i];

		fprintf(out, "\n[%zu] %s %s (%s)\n    %s\n", i + 1, upper(x->severity, sev, sizeof(sev)), x->class,
			x->cause, x->title);
		/* A data root's item says its mount in its mount stack. */
		if (x->mountpoint && strcmp(x->class, "overlay_mount"))
			fprintf(out, "    mount: %s at %s (source %s%s%s)\n", x->fstype, x->mountpoint, x->source,
				x->device ? ", device " : "", x->device ? x->device : "");
		for (size_t j = 0; j < x->ndetails; j++)
			fprintf(out, "    %s\n", x->details[j]);
		if (*x->remedy)
			fprintf(out, "    remedy: %s\n", x->remedy);
	}
	if (p->nroots)
		fputc('\n', out);
	for (size_t i = 0; i < p->nroots; i++) {
		const struct preflight_root *r = &p->roots[i];

		if (r->exists)
			fprintf(out, "data root %s (%s): on %s mounted at %s\n", r->path, r->from,
				r->fstype ? r->fstype : "?", r->mountpoint ? r->mountpoint : "?");
	}
	for (size_t i = 0; i < p->nroots; i++) {
		if (p->roots[i].exists)
			continue;
		fprintf(out, "%s%s", *sep ? sep : "absent data roots: ", p->roots[i].path);
		sep = ", ";
	}
	if (*sep)
		fputc('\n', out);
	fputs("kernel:", out);
	for (size_t i = 0; i < p->nfeatures; i++)
		fprintf(out, " %s %s%s", p->features[i].name,
			!p->features[i].known ? "not seen"
			: p->features[i].ok   ? "ok"
					      : "MISSING",
			i + 1 < p->nfeatures ? "," : "");
	fputc('\n', out);
	for (size_t i = 0; i < p->nnotes; i++)
		fprintf(out, "not seen: %s\n", p->notes[i]);
	return 0;
}

/* Every key in every object, null when unknown: a reader of fstrace.check/1 need not test for it. */
static void jstr(struct jbuf *b, const char *key, const char *val)
{
	if (val)
		jobj_str(b, key, val);
	else
		jobj_raw(b, key, "null");
}

static void jobj_pct(struct jbuf *b, const char *key, double v)
{
	char num[32];

	if (v < 0) {
		jobj_raw(b, key, "null");
		return;
	}
	snprintf(num, sizeof(num), "%.1f", v);
	jobj_raw(b, key, num);
}

static int render_json(const struct preflight *p, FILE *out)
{
	struct jbuf b = {};
	size_t c[4];
	char num[32];
	int ret;

	counts(p, c);
	jobj_begin(&b);
	jobj_str(&b, "schema", "fstrace.check/1");
	jstr(&b, "hostname", p->hostname);
	jstr(&b, "kernel", p->kernel);
	jobj_bool(&b, "root", p->root);
	snprintf(num, sizeof(num), "%g", p->max_used);
	jobj_raw(&b, "max_used_pct", num);
	jobj_u64(&b, "min_free_inodes", p->min_free_inodes);
	jobj_key(&b, "counts");
	jobj_begin(&b);
	jobj_u64(&b, "critical", c[SEV_CRITICAL]);
	jobj_u64(&b, "high", c[SEV_HIGH]);
	jobj_u64(&b, "medium", c[SEV_MEDIUM]);
	jobj_u64(&b, "low", c[SEV_LOW]);
	jobj_end(&b);
	jobj_key(&b, "findings");
	jarr_begin(&b);
	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_item *x = &p->items[i];

		jobj_begin(&b);
		jstr(&b, "class", x->class);
		jstr(&b, "cause", x->cause);
		jstr(&b, "severity", severity_name(x->severity));
		jstr(&b, "title", x->title);
		jstr(&b, "path", x->path);
		jstr(&b, "mountpoint", x->mountpoint);
		jstr(&b, "fstype", x->fstype);
		jstr(&b, "source", x->source);
		jstr(&b, "device", x->device);
		jobj_key(&b, "details");
		jarr_begin(&b);
		for (size_t j = 0; j < x->ndetails; j++)
			jarr_str(&b, x->details[j]);
		jarr_end(&b);
		jstr(&b, "remedy", x->remedy);
		jobj_end(&b);
	}
	jarr_end(&b);
	jobj_key(&b, "data_roots");
	jarr_begin(&b);
	for (size_t i = 0; i < p->nroots; i++) {
		jobj_begin(&b);
		jstr(&b, "path", p->roots[i].path);
		jstr(&b, "from", p->roots[i].from);
		jobj_bool(&b, "exists", p->roots[i].exists);
		jstr(&b, "mountpoint", p->roots[i].mountpoint);
		jstr(&b, "fstype", p->roots[i].fstype);
		jobj_end(&b);
	}
	jarr_end(&b);
	jobj_key(&b, "filesystems");
	jarr_begin(&b);
	for (size_t i = 0; i < p->nfs; i++) {
		const struct preflight_fs *fs = &p->fs[i];

		jobj_begin(&b);
		jstr(&b, "mountpoint", fs->mountpoint);
		jstr(&b, "fstype", fs->fstype);
		jstr(&b, "source", fs->source);
		jstr(&b, "device", fs->device);
		jobj_pct(&b, "used_pct", fs->has_stats ? fs->used_pct : -1);
		jobj_pct(&b, "inodes_used_pct", fs->has_stats ? fs->inodes_used_pct : -1);
		if (fs->has_stats && fs->inodes_used_pct >= 0)
			jobj_u64(&b, "free_inodes", fs->free_inodes);
		else
			jobj_raw(&b, "free_inodes", "null");
		if (fs->ext4_errors >= 0)
			jobj_i64(&b, "ext4_errors", fs->ext4_errors);
		else
			jobj_raw(&b, "ext4_errors", "null");
		jobj_end(&b);
	}
	jarr_end(&b);
	jobj_key(&b, "kernel_features");
	jarr_begin(&b);
	for (size_t i = 0; i < p->nfeatures; i++) {
		jobj_begin(&b);
		jstr(&b, "name", p->features[i].name);
		if (p->features[i].known)
			jobj_bool(&b, "ok", p->features[i].ok);
		else
			jobj_raw(&b, "ok", "null");
		jstr(&b, "detail", p->features[i].detail);
		jobj_end(&b);
	}
	jarr_end(&b);
	jobj_key(&b, "not_seen");
	jarr_begin(&b);
	for (size_t i = 0; i < p->nnotes; i++)
		jarr_str(&b, p->notes[i]);
	jarr_end(&b);
	jobj_end(&b);
	jbuf_putc(&b, '\n');
	ret = b.oom || fwrite(b.p, 1, b.len, out) != b.len ? -1 : 0;
	jbuf_free(&b);
	return ret;
}

/* A table cell: one line, no column break. */
static void cell(FILE *out, const char *s)
{
	for (; s && *s; s++)
		fputs(*s == '|' ? "\\|" : *s == '\n' ? " " : (char[]){ *s, 0 }, out);
}

static int render_md(const struct preflight *p, FILE *out)
{
	fprintf(out, "# fstrace check: %s\n\n", p->n ? p->items[0].title : "nothing found");
	summary(p, out, "");
	if (p->n) {
		fputs("\n| # | severity | finding | title |\n|---|---|---|---|\n", out);
		for (size_t i = 0; i < p->n; i++) {
			fprintf(out, "| %zu | %s | %s/%s | ", i + 1, severity_name(p->items[i].severity),
				p->items[i].class, p->items[i].cause);
			cell(out, p->items[i].title);
			fputs(" |\n", out);
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct preflight_item *x = &p->items[i];

		fprintf(out, "\n## %zu. %s/%s (%s)\n\n%s\n\n", i + 1, x->class, x->cause,
			severity_name(x->severity), x->title);
		if (x->ndetails) {
			fputs("```\n", out);
			for (size_t j = 0; j < x->ndetails; j++)
				fprintf(out, "%s\n", x->details[j]);
			fputs("```\n\n", out);
		}
		if (*x->remedy)
			fprintf(out, "**Remedy:** %s\n", x->remedy);
	}
	if (p->nnotes) {
		fputs("\n## Not seen\n\n", out);
		for (size_t i = 0; i < p->nnotes; i++)
			fprintf(out, "- %s\n", p->notes[i]);
	}
	return 0;
}

int preflight_write(const struct preflight *p, FILE *out, enum report_format fmt)
{
	int ret;

	switch (fmt) {
	case REPORT_JSON:
		ret = render_json(p, out);
		break;
	case REPORT_MD:
		ret = render_md(p, out);
		break;
	default:
		ret = render_text(p, out);
		break;
	}
	return ret || fflush(out) || ferror(out) ? -1 : 0;
}
