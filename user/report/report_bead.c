// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The report as a bead ticket: one JSON object per line, the issue format of beads' `bd import`
 * (steveyegge/beads, now gastownhall/beads). Followed: internal/types/types.go (struct Issue: the
 * field names and types; Validate: title at most 500 bytes, priority 0-4), cmd/bd/import.go's help
 * (only title is required; labels an array of strings; metadata "arbitrary JSON object preserved
 * verbatim"; timestamps RFC 3339; "bd import -" and "bd import -i FILE") and
 * docs/core-concepts/metadata.md (metadata holds any JSON value, so the report goes in as an object,
 * not as a string). One ticket per run: the findings are one failure seen from several sides.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "report/display.h"
#include "lib/json.h"
#include "report/render.h"

/* FNV-1a, 64 bits: a stable name for a run, not a secret. The run is its boot, its start on that
 * boot's clock (unique within the boot) and its command: the same recording, read again or
 * reported live, gives the same value, so a second import updates the ticket instead of adding one. */
static uint64_t fnv(uint64_t h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull; /* ends each string (0xff is never UTF-8): "ab","c" != "a","bc" */
}

static uint64_t run_hash(const struct analysis *a)
{
	uint64_t h = 0xcbf29ce484222325ull;
	char ns[32];

	snprintf(ns, sizeof(ns), "%" PRIu64, a->h.started_boot_ns);
	h = fnv(h, a->h.boot_id);
	h = fnv(h, a->h.started);
	h = fnv(h, ns);
	h = fnv(h, a->h.hostname);
	for (int i = 0; i < a->h.argc; i++)
		h = fnv(h, a->h.argv[i]);
	return h;
}

/* bd refuses a title over 500 bytes (Go's len of the decoded string): cut on a character boundary,
 * marked. A byte that is not UTF-8 is written as \u00XX (json.h) and decodes to two bytes. A title
 * is one line: control characters (a newline in a path) become spaces. */
#define TITLE_MAX 500

static void cut_title(char *t)
{
	size_t n = strlen(t), cut = 0, size = 0;

	for (size_t i = 0; i < n;) {
		size_t ulen = json_utf8_len((const unsigned char *)t + i, n - i);

		if ((unsigned char)t[i] < 0x20)
			t[i] = ' ';
		size += ulen ? ulen : 2;
		i += ulen ? ulen : 1;
		if (size <= TITLE_MAX - 3)
			cut = i;
	}
	if (size > TITLE_MAX)
		memcpy(t + cut, "...", 4);
}

static char *ticket_title(const struct render *r)
{
	const struct finding *top = r->f->n ? &r->f->v[0] : NULL;
	char *cmd = render_command(r->a), *t = NULL;
	char more[48] = "";

	if (r->f->n > 1)
		snprintf(more, sizeof(more), " (+%zu more)", r->f->n - 1);
	/* Findings are sorted most severe first; the top one's title already names its path or mount. */
	if (top && asprintf(&t, "fstrace: %s/%s: %s%s", top->class, top->cause,
			    top->title ? shown(top->title) : "?", more) < 0)
		t = NULL;
	if (!top && asprintf(&t, "fstrace: no filesystem failure found%s%s", *cmd ? " in " : "", shown(cmd)) < 0)
		t = NULL;
	free(cmd);
	if (t)
		cut_title(t);
	return t;
}

/* beads: 0 is critical, 4 the backlog. */
static int priority(const struct findings *f)
{
	static const int of[] = { [SEV_LOW] = 3, [SEV_MEDIUM] = 2, [SEV_HIGH] = 1, [SEV_CRITICAL] = 0 };
	int p = 4;

	for (size_t i = 0; i < f->n; i++)
		if ((unsigned)f->v[i].severity <= SEV_CRITICAL && of[f->v[i].severity] < p)
			p = of[f->v[i].severity];
	return p;
}

/* A renderer's whole output as a string (free it); NULL when it failed. */
static char *rendered(const struct render *r, int (*fn)(const struct render *), size_t *len)
{
	struct render m = *r;
	char *buf = NULL;
	size_t n = 0;
	int ret;

	m.color = false;
	if (!(m.out = open_memstream(&buf, &n)))
		return NULL;
	ret = fn(&m);
	if (fclose(m.out) || ret) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* "2026-11-22T08:10:01Z" as recording_timestamp writes it; anything else ("unknown") is left out,
 * and bd's importer fills the time in. */
static const char *rfc3339(const char *s)
{
	return s && strlen(s) == 20 && s[4] == '-' && s[10] == 'T' && s[19] == 'Z' ? s : NULL;
}

int render_bead(const struct render *r)
{
	const struct analysis *a = r->a;
	char *title = ticket_title(r), *md = NULL, *report = NULL, ref[40], id[40];
	size_t mdlen = 0, replen = 0;
	uint64_t h = run_hash(a);
	struct jbuf b = {};
	int ret = -1;

	md = rendered(r, render_md, &mdlen);
	report = rendered(r, render_json, &replen);
	if (!title || !md || !report)
		goto out;
	while (replen && report[replen - 1] == '\n')
		report[--replen] = '\0'; /* render_json ends its line; here it is a value inside one */
	snprintf(ref, sizeof(ref), "fstrace:%016" PRIx64, h);
	/* A fixed id too: bd import updates an issue of the same id rather than filing another. */
	snprintf(id, sizeof(id), "fstrace-%08" PRIx64, h >> 32);

	jobj_begin(&b);
	jobj_str(&b, "id", id);
	jobj_str(&b, "title", title);
	jobj_key(&b, "description");
	json_strn(&b, md, mdlen);
	jobj_str(&b, "status", "open");
	jobj_i64(&b, "priority", priority(r->f));
	jobj_str(&b, "issue_type", "bug");
	jobj_key(&b, "labels");
	jarr_begin(&b);
	jarr_str(&b, "fstrace");
	for (size_t i = 0; i < r->f->n; i++) {
		size_t j = 0;

		while (j < i && strcmp(r->f->v[j].class, r->f->v[i].class))
			j++;
		if (j == i) /* each class once, in the findings' order */
			jarr_str(&b, r->f->v[i].class);
	}
	jarr_end(&b);
	jobj_str(&b, "external_ref", ref);
	jobj_str(&b, "created_at", rfc3339(a->h.started));
	jobj_str(&b, "updated_at", rfc3339(a->ended) ? a->ended : rfc3339(a->h.started));
	jobj_raw(&b, "metadata", report);
	jobj_end(&b);
	jbuf_putc(&b, '\n');
	ret = b.oom || fwrite(b.p, 1, b.len, r->out) != b.len ? -1 : 0;
out:
	jbuf_free(&b);
	free(title);
	free(md);
	free(report);
	return ret;
}
