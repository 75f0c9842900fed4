// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * `bd create` from a bead ticket line. The flags are those of beads' cmd/bd/create.go
 * (steveyegge/beads): --title, -t/--type, -p/--priority, -l/--labels (comma-separated),
 * --external-ref, --body-file ("-" reads the description from stdin, docs/CLI_REFERENCE.md),
 * --deps type:id (discovered-from links a ticket to the work it was found in), --prefix (the rig
 * whose prefix it is filed under). If bd is missing or fails, the ticket is written as JSONL for
 * `bd import -i FILE` (cmd/bd/import.go: -i FILE, a FILE argument, or "-" for stdin), so nothing
 * is lost. Running bd and reading its answer: bead_run.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bead/bead.h"
#include "lib/json.h"
#include "lib/util.h"

struct ticket {
	struct jval *v;
	const char *line;
	size_t len;
	const char *id, *title, *ref, *body;
	char priority[8], labels[512];
};

/* 0 with t filled; 1 when the line rests on no finding; -1 when it is not a ticket. */
static int ticket_parse(struct ticket *t, const char *line, size_t len)
{
	const struct jval *labels, *findings;
	char err[128];
	int64_t p;

	memset(t, 0, sizeof(*t));
	t->line = line;
	t->len = len;
	if (!(t->v = json_parse(line, len, err, sizeof(err))))
		return -1;
	t->id = jval_str(jval_get(t->v, "id"));
	t->title = jval_str(jval_get(t->v, "title"));
	t->ref = jval_str(jval_get(t->v, "external_ref"));
	t->body = jval_str(jval_get(t->v, "description"));
	labels = jval_get(t->v, "labels");
	findings = jval_get(jval_get(t->v, "metadata"), "findings");
	if (!t->title || !t->body || !jval_i64(jval_get(t->v, "priority"), &p) || !labels ||
	    labels->type != JSON_ARR || !findings || findings->type != JSON_ARR)
		return -1;
	snprintf(t->priority, sizeof(t->priority), "%" PRId64, p);
	for (size_t i = 0, n = 0; i < labels->arr.n; i++) {
		const char *l = jval_str(&labels->arr.v[i]);

		if (l && *l && n + strlen(l) + 2 < sizeof(t->labels))
			n += snprintf(t->labels + n, sizeof(t->labels) - n, "%s%s", n ? "," : "", l);
	}
	return findings->arr.n ? 0 : 1;
}

/* bd create's argument vector; argv needs 20 slots. */
static void ticket_argv(const struct ticket *t, const struct bead_target *bt, char *deps, size_t depslen,
			const char **argv)
{
	int n = 0;

	argv[n++] = "bd";
	argv[n++] = "create";
	argv[n++] = "--title";
	argv[n++] = t->title;
	argv[n++] = "-t";
	argv[n++] = "bug";
	argv[n++] = "-p";
	argv[n++] = t->priority;
	argv[n++] = "-l";
	argv[n++] = t->labels;
	if (t->ref) {
		argv[n++] = "--external-ref";
		argv[n++] = t->ref;
	}
	argv[n++] = "--body-file";
	argv[n++] = "-";
	if (bt->parent) {
		snprintf(deps, depslen, "discovered-from:%s", bt->parent);
		argv[n++] = "--deps";
		argv[n++] = deps;
	}
	if (bt->prefix) {
		argv[n++] = "--prefix";
		argv[n++] = bt->prefix;
	}
	argv[n] = NULL;
}

/* As a POSIX shell would read it back: bare when it holds only safe characters. */
static void shell_quote(FILE *out, const char *s)
{
	if (*s &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@%+=:,./-") == strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++)
		fputs(*s == '\'' ? "'\\''" : (char[]){ *s, 0 }, out);
	fputc('\'', out);
}

/* Writes the tickets as JSONL for `bd import`; with a parent, the link --deps would have made.
 * The one line that says where is the caller's. 0, or -1 after saying why. */
static int save_jsonl(const struct ticket *v, size_t n, const struct bead_target *bt, const char *path)
{
	char err[512];
	struct jbuf b = {};
	int fd = create_output(path, bt->force, err, sizeof(err)), ret;

	if (fd < 0) {
		say("%s", err);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *end = memrchr(v[i].line, '}', v[i].len);

		jbuf_write(&b, v[i].line, end ? (size_t)(end - v[i].line) : v[i].len);
		if (end && bt->parent && v[i].id) {
			jobj_key(&b, "dependencies");
			jarr_begin(&b);
			jobj_begin(&b);
			jobj_str(&b, "issue_id", v[i].id);
			jobj_str(&b, "depends_on_id", bt->parent);
			jobj_str(&b, "type", "discovered-from");
			jobj_end(&b);
			jarr_end(&b);
		}
		jbuf_puts(&b, end ? "}\n" : "\n");
	}
	ret = b.oom || write(fd, b.p, b.len) != (ssize_t)b.len ? -1 : 0;
	if (close(fd) || ret) {
		say("%s: cannot write: %s", path, b.oom ? "out of memory" : strerror(errno));
		ret = -1;
	}
	jbuf_free(&b);
	return ret;
}

/*
 * What bd already holds of fstrace's tickets: `bd list --json --all --limit 0 --label fstrace`
 * prints one JSON array of issues (cmd/bd/list.go: each an IssueWithCounts, the Issue's fields
 * inline, "external_ref" among them; --all takes the closed ones too, so a failure whose ticket
 * was closed is not filed again; --limit 0 lifts the default of 50). NULL after one line when bd
 * cannot tell: the ticket is filed anyway, as a duplicate costs less than a lost failure.
 */
static struct jval *bd_filed(void)
{
	const char *argv[] = { "bd", "list", "--json", "--all", "--limit", "0", "--label", "fstrace", NULL };
	struct jval *list = NULL;
	char *out = NULL, err[128];
	int status = bd_run(argv, "", &out);

	if (status != 0)
		say("bd list failed (exit %d): cannot tell what is filed already; filing anyway", status);
	else if (!(list = json_parse(out, strlen(out), err, sizeof(err))) ||
		 (list->type != JSON_ARR && list->type != JSON_NULL)) /* Go's nil slice: null */
		say("bd list --json printed no issue list (%s); filing anyway", list ? "not an array" : err);
	if (list && list->type != JSON_ARR && list->type != JSON_NULL) {
		jval_free(list);
		list = NULL;
	}
	free(out);
	return list;
}

/* The id of the issue in list whose external_ref is ref, or NULL. */
static const char *filed_as(const struct jval *list, const char *ref)
{
	for (size_t i = 0; ref && list && list->type == JSON_ARR && i < list->arr.n; i++) {
		const char *r = jval_str(jval_get(&list->arr.v[i], "external_ref"));
		const char *id = jval_str(jval_get(&list->arr.v[i], "id"));

		if (r && !strcmp(r, ref))
			return id ? id : "?";
	}
	return NULL;
}

static void dry_run(const struct ticket *t, const char **argv)
{
	for (int i = 0; argv[i]; i++) {
		shell_quote(stdout, argv[i]);
		putchar('\n');
	}
	printf("\n%s", t->body); /* then bd's stdin, as it would get it */
}

enum bead_result bead_file(const char *jsonl, size_t len, const struct bead_target *bt)
{
	enum bead_result res = BEAD_NOTHING;
	char deps[256], saved[4096], id[256];
	const char *argv[20], *path = bt->jsonl_path;
	size_t n = 0, i, lines = 1;
	struct jval *filed = NULL;
	struct ticket *v, t;

	for (i = 0; i < len; i++)
		lines += jsonl[i] == '\n';
	v = calloc(lines, sizeof(*v));

	for (const char *p = jsonl, *end = jsonl + len; v && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)) ?: end;
		int r = 1; /* an empty line: nothing to file */

		t.v = NULL;
		if (nl > p)
			r = ticket_parse(&t, p, (size_t)(nl - p));

		if (r == 0)
			v[n++] = t;
		else
			jval_free(t.v);
		if (r < 0) {
			say("not a bead ticket: %.*s", nl - p > 60 ? 60 : (int)(nl - p), p);
			res = BEAD_ERROR;
		}
		p = nl + 1;
	}
	if (!v) {
		say("out of memory");
		return BEAD_ERROR;
	}
	if (!n && res != BEAD_ERROR)
		say("no finding: no bead ticket filed");
	if (res == BEAD_ERROR || !n)
		goto out;
	if (!path) {
		snprintf(saved, sizeof(saved), "fstrace-%s.bead.jsonl",
			 v[0].ref && strchr(v[0].ref, ':') ? strchr(v[0].ref, ':') + 1 : "ticket");
		path = saved;
	}
	if (!bt->dry_run && !bd_on_path()) {
		res = save_jsonl(v, n, bt, path) ? BEAD_ERROR : BEAD_SAVED;
		if (res == BEAD_SAVED)
			say("bd not found: wrote %s; import it with: bd import -i %s", path, path);
		goto out;
	}
	res = BEAD_FILED;
	if (!bt->dry_run)
		filed = bd_filed();
	for (i = 0; i < n; i++) {
		const char *dup = filed_as(filed, v[i].ref);
		char *out = NULL;
		int status;

		ticket_argv(&v[i], bt, deps, sizeof(deps), argv);
		if (bt->dry_run) {
			dry_run(&v[i], argv);
			continue;
		}
		/* The same run's failure, reported again (a second `fstrace bead`, a node's report read
		 * twice): bd create would add a second ticket, as external_ref is not unique to it. */
		if (dup) {
			say("already filed as %s (external_ref %s): not filed again", dup, v[i].ref);
			continue;
		}
		status = bd_run(argv, v[i].body, &out);
		if (status == 0 && bd_created_id(out, id, sizeof(id))) {
			if (bt->announce)
				say("filed bead ticket %s", id);
			else
				printf("%s\n", id);
		} else {
			if (status == 0)
				fprintf(stderr, "%s", out); /* what bd said instead of an id */
			if (save_jsonl(v + i, n - i, bt, path) == 0)
				say("bd create %s%d: wrote %s; import it with: bd import -i %s",
				    status == 0 ? "printed no issue id, exit " : "failed, exit ", status, path,
				    path);
			res = BEAD_ERROR;
		}
		free(out);
		if (res == BEAD_ERROR)
			break;
	}
	fflush(stdout);
out:
	jval_free(filed);
	for (i = 0; v && i < n; i++)
		jval_free(v[i].v);
	free(v);
	return res;
}

FILE *bead_capture_start(struct bead_capture *c)
{
	memset(c, 0, sizeof(*c));
	if (!(c->f = open_memstream(&c->buf, &c->len)))
		say("cannot keep the bead ticket: %s", strerror(errno));
	return c->f;
}

void bead_capture_file(struct bead_capture *c, const struct bead_target *t)
{
	if (!c->f || fclose(c->f)) {
		free(c->buf);
		return;
	}
	bead_file(c->buf, c->len, t); /* whatever happens, the command's exit code stands */
	free(c->buf);
}
