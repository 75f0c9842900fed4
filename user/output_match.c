// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Recognising a tool's own error line with plain string scans, no regex engine: the lines are
 * whatever the traced command wrote (colour codes, binary, megabytes without a newline), so every
 * scan is bounded by the NUL of a cleaned copy and is linear in the line.
 *
 * A match always names something: FS_ERROR has a path, MOUNT_ERROR came with an "err:". Lines
 * that give an errno but no path ("npm error code ENOENT") return 0; npm prints the path-bearing
 * node message on a later line ("npm error enoent ... open '/p'"), which does match.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errnames.h"
#include "output_match.h"

#define ERRNO_TEXT_MAX 133 /* EHWPOISON, the last Linux errno */
#define NODE_DESC_MAX 256  /* libuv's descriptions are short; bounds the scan per candidate */
#define TAIL_MAX 160       /* the longest strerror text plus a " (os error N)" trailer */

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int set(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = strndup(s, n);
	return *dst ? 0 : -1;
}

/* A copy without terminal escapes (npm colours "npm warn") and NUL bytes, keeping only what the
 * last carriage return left visible, as a terminal would show a progress line. */
static char *clean(const char *line, size_t len)
{
	char *out = malloc(len + 1), *o = out, *cr;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = line[i];

		if (c == 0x1b && i + 1 < len && line[i + 1] == '[') { /* CSI: params, intermediates, final */
			size_t j = i + 2;

			while (j < len && (unsigned char)line[j] >= 0x20 && (unsigned char)line[j] <= 0x3f)
				j++;
			if (j < len && (unsigned char)line[j] >= 0x40 && (unsigned char)line[j] <= 0x7e)
				j++;
			i = j - 1;
		} else if (c == 0x1b && i + 1 < len && line[i + 1] == ']') { /* OSC: hyperlinks, titles */
			i += 2;
			while (i < len && line[i] != 0x07 && !(line[i] == 0x1b && i + 1 < len))
				i++;
			if (i < len && line[i] == 0x1b)
				i++; /* ESC '\' string terminator */
		} else if (c == 0x1b) {
			i += i + 1 < len; /* two-byte escapes such as ESC ( B */
		} else if (c) {
			*o++ = (char)c;
		}
	}
	while (o > out && (o[-1] == '\r' || o[-1] == '\n' || is_space(o[-1])))
		o--;
	*o = '\0';
	cr = strrchr(out, '\r');
	if (cr)
		memmove(out, cr + 1, strlen(cr + 1) + 1);
	return out;
}

/*
 * The errno whose strerror text starts s, case-insensitively and ending at a word boundary,
 * longest first ("No such device or address" over "No such device"). Go prints the C text in
 * lower case ("invalid argument"), coreutils as is; strerrordesc_np is untranslated, which is
 * what tools print in the C locale of a container build.
 */
static int errno_by_text(const char *s, size_t *matched)
{
	size_t best_len = 0;
	int best = 0;

	for (int e = 1; e <= ERRNO_TEXT_MAX; e++) {
		const char *d = strerrordesc_np(e);
		size_t n = d ? strlen(d) : 0;

		if (n > best_len && strncasecmp(s, d, n) == 0 && !is_word(s[n])) {
			best = e;
			best_len = n;
		}
	}
	if (matched)
		*matched = best_len;
	return best;
}

/* The closing quote: the first one followed by the end or by what ends a quoted path in these
 * messages (a space, ':' or ',' in coreutils, "' -> '" in node, ']' when node wraps the error). */
static const char *quote_end(const char *p, char quote)
{
	for (; *p; p++)
		if (*p == quote && (!p[1] || strchr(" \t:,;.)]}\"", p[1])))
			return p;
	return NULL;
}

/* A Go %q string from after its opening quote: \" and \\ unescaped, other escapes left as printed. */
static int go_string(const char *p, char **out, const char **end)
{
	char *o = malloc(strlen(p) + 1);

	if (!o)
		return -1;
	free(*out);
	*out = o;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*o++ = *p;
	}
	*o = '\0';
	*end = *p ? p + 1 : p;
	return 0;
}

/* label found at or after from, starting the text or following a space or ',', before stop. */
static const char *find_label(const char *from, const char *label, const char *stop, const char *s)
{
	for (const char *k = strstr(from, label); k; k = strstr(k + 1, label)) {
		if (stop && k >= stop)
			return NULL;
		if (k == s || k[-1] == ' ' || k[-1] == ',')
			return k;
	}
	return NULL;
}

/*
 * containerd/buildkit: "mount source: %q, target: %q, fstype: %s, flags: %d, data: %q, err: %w".
 * Quotes are optional (other callers print plain values), so a value is a Go string or runs to
 * the next ", ". Fields are read in that order so a quoted data string cannot hide "err:".
 */
static int match_mount(const char *s, struct output_match *m)
{
	static const char *const labels[] = { "target:", "fstype:", "data:" };
	char **dst[] = { &m->target, &m->fstype, &m->data };
	const char *pos = strstr(s, "mount source:"), *e;

	if (!pos)
		return 0;
	pos += strlen("mount source:");
	for (size_t i = 0; i < 3; i++) {
		const char *k = find_label(pos, labels[i], find_label(pos, "err: ", NULL, s), s), *v, *c;

		if (!k)
			continue;
		v = k + strlen(labels[i]);
		while (is_space(*v))
			v++;
		if (*v == '"') {
			if (go_string(v + 1, dst[i], &pos))
				return -1;
			continue;
		}
		e = find_label(v, "err: ", NULL, s);
		c = strstr(v, ", ");
		if (!c || (e && e < c))
			c = e ? e : v + strlen(v);
		while (c > v && (c[-1] == ',' || is_space(c[-1])))
			c--;
		if (set(dst[i], v, c - v))
			return -1;
		pos = c;
	}
	e = find_label(pos, "err: ", NULL, s);
	if (!e)
		return 0;
	m->kind = OUTPUT_MOUNT_ERROR;
	m->err = errno_by_text(e + 5, NULL);
	/* The mount point is the path the line names; the source is "overlay" or a device. */
	if (m->target && !(m->path = strdup(m->target)))
		return -1;
	return 1;
}

/* ", <syscall> '" within the first NODE_DESC_MAX bytes of a node description: the opening quote. */
static const char *node_call(const char *d, const char **call, size_t *calllen)
{
	for (size_t i = 0; i < NODE_DESC_MAX && d[i]; i++) {
		const char *w = d + i + 2, *e = w;

		if (d[i] != ',' || d[i + 1] != ' ')
			continue;
		while (is_word(*e))
			e++;
		if (e > w && e[0] == ' ' && e[1] == '\'') {
			*call = w;
			*calllen = e - w;
			return e + 1;
		}
	}
	return NULL;
}

/* node's uvException: "<CODE>: <description>, <syscall> '<path>'" and " -> '<dest>'" for two-path
 * calls, anywhere in the line since npm and node-tar put their own words in front. */
static int match_node(const char *s, struct output_match *m)
{
	for (const char *c = strstr(s, ": "); c; c = strstr(c + 1, ": ")) {
		const char *w = c, *call, *q, *end;
		size_t calllen;
		char code[32];
		bool letter = false;
		int err;

		while (w > s && ((w[-1] >= 'A' && w[-1] <= 'Z') || (w[-1] >= '0' && w[-1] <= '9')))
			w--;
		if (c - w < 2 || (size_t)(c - w) >= sizeof(code) || *w != 'E' || (w > s && is_word(w[-1])))
			continue;
		for (const char *p = w + 1; p < c; p++)
			letter |= *p >= 'A' && *p <= 'Z';
		if (!letter) /* "E2" is errnames' spelling of a number, never node's */
			continue;
		memcpy(code, w, c - w);
		code[c - w] = '\0';
		err = errno_from_name(code);
		q = err > 0 ? node_call(c + 2, &call, &calllen) : NULL;
		if (!q)
			continue;
		end = quote_end(q + 1, '\'');
		if (!end)
			return 0; /* cut off mid-path: a later code could only be inside it */
		m->kind = OUTPUT_FS_ERROR;
		m->err = err;
		if (set(&m->syscall, call, calllen) || set(&m->path, q + 1, end - q - 1))
			return -1;
		if (strncmp(end + 1, " -> '", 5) == 0 && (q = quote_end(end + 6, '\'')))
			return set(&m->path2, end + 6, q - end - 6) ? -1 : 1;
		return 1;
	}
	return 0;
}

/* The tool names itself in one word: letters, digits, "._+-/" (argv[0] may be a full path). */
static bool one_word(const char *s, const char *end)
{
	if (end <= s || end - s > 64 || !(is_word(*s) || *s == '/' || *s == '.') || *s == '_')
		return false;
	for (const char *p = s; p < end; p++)
		if (!is_word(*p) && !strchr("._+-/", *p))
			return false;
	return true;
}

/* "Error:", "npm warn": a severity, not the tool's name. */
static bool severity(const char *s, size_t n)
{
	static const char *const words[] = { "error", "err!", "warn", "warning", "fatal", "info",
					     "notice", "debug" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && strncasecmp(s, words[i], n) == 0)
			return true;
	return false;
}

/* A path as printed without quotes: one word, or anything with a '/' (spaces and all). */
static bool looks_like_path(const char *s, size_t n)
{
	return n && (memchr(s, '/', n) || (!memchr(s, ' ', n) && !memchr(s, '\t', n)));
}

static int head_path(const char *h, size_t n, struct output_match *m)
{
	const char *q = NULL, *end, *seg;

	for (size_t i = 0; i < n && !q; i++)
		if (h[i] == '\'' || h[i] == '"' || h[i] == '`')
			q = h + i;
	if (q) { /* coreutils quotes names: 'x', "it's", or `x' before 2012 */
		end = quote_end(q + 1, *q == '"' ? '"' : '\'');
		if (!end || end > h + n)
			return 0;
		if (set(&m->path, q + 1, end - q - 1))
			return -1;
		for (q = end + 1; q < h + n && *q != '\'' && *q != '"'; q++)
			;
		if (q < h + n && (end = quote_end(q + 1, *q)) && end < h + n) /* mv's "'a' to 'b'" */
			return set(&m->path2, q + 1, end - q - 1) ? -1 : 1;
		return 1;
	}
	/* "line 1: /x" (bash) names the path last; "/mnt: mount failed" first. */
	for (seg = h + n; seg - h >= 2 && !(seg[-2] == ':' && seg[-1] == ' '); seg--)
		;
	if (seg - h < 2)
		seg = h;
	if (!looks_like_path(seg, h + n - seg)) {
		end = strstr(h, ": ");
		seg = h;
		if (!end || end > h + n || !looks_like_path(h, end - h))
			return 0;
		n = end - h;
	} else {
		n = h + n - seg;
	}
	return set(&m->path, seg, n) ? -1 : 1;
}

/*
 * "tool: <head>: <strerror text>" (coreutils' error(), shells, git) and GNU tar's
 * "tar: <path>: Cannot <verb>: <text>". The text must end the line (a Rust " (os error 2)" may
 * follow), so only the ": " in the last TAIL_MAX bytes are tried, the rightmost first.
 */
static int match_tool(const char *s, struct output_match *m)
{
	const char *first = strstr(s, ": "), *head, *c, *t = NULL, *rest, *verb = NULL;
	size_t len = strlen(s), k;
	int err = 0;

	if (!first || !one_word(s, first))
		return 0;
	head = first + 2;
	for (c = s + len; c > head && c + TAIL_MAX > s + len && !t; c--) {
		if (c[-2] != ':' || c[-1] != ' ' || !(err = errno_by_text(c, &k)))
			continue;
		for (rest = c + k; is_space(*rest) || *rest == '.'; rest++)
			;
		if (!*rest || (*rest == '(' && strchr(rest, ')')))
			t = c - 2;
	}
	if (!t || t <= head)
		return 0;
	for (c = head; (c = strstr(c, ": Cannot ")) && c < t; c++)
		verb = c;
	m->kind = OUTPUT_FS_ERROR;
	m->err = err;
	if (verb) { /* tar */
		const char *v = verb + strlen(": Cannot "), *p = v;

		while (p < t && *p >= 'a' && *p <= 'z')
			p++;
		if (p == t && p > v && set(&m->syscall, v, p - v))
			return -1;
		if (verb == head)
			return 0;
		return set(&m->path, head, verb - head) ? -1 : 1;
	}
	return head_path(head, t - head, m);
}

/* The first word before ": ", or the word before a severity ("npm warn", "npm ERR!"). */
static int set_tool(const char *s, struct output_match *m)
{
	const char *c = strstr(s, ": "), *sp = s, *w2;

	if (c && one_word(s, c))
		return severity(s, c - s) ? 0 : set(&m->tool, s, c - s);
	while (*sp && !is_space(*sp))
		sp++;
	for (w2 = sp; is_space(*w2); w2++)
		;
	for (c = w2; *c && !is_space(*c) && *c != ':'; c++)
		;
	if (one_word(s, sp) && !severity(s, sp - s) && severity(w2, c - w2))
		return set(&m->tool, s, sp - s);
	return 0;
}

int output_match_line(const char *line, size_t len, struct output_match *m)
{
	char *s;
	int r;

	memset(m, 0, sizeof(*m));
	if (!line)
		return 0;
	s = clean(line, len);
	if (!s)
		return -1;
	r = match_mount(s, m);
	if (r == 0) {
		output_match_free(m);
		r = match_node(s, m);
	}
	if (r == 0) {
		output_match_free(m);
		r = match_tool(s, m);
	}
	if (r == 1 && set_tool(s, m))
		r = -1;
	if (r != 1)
		output_match_free(m);
	free(s);
	return r;
}

void output_match_free(struct output_match *m)
{
	if (!m)
		return;
	free(m->syscall);
	free(m->path);
	free(m->path2);
	free(m->fstype);
	free(m->target);
	free(m->data);
	free(m->tool);
	memset(m, 0, sizeof(*m));
}
