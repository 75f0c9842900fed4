// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A tool's own error line, recognised by plain string scans rather than a regex engine: lines are
 * whatever the traced command wrote (colours, binary, megabytes), so every scan stops at the NUL
 * of a cleaned copy and stays linear in the line.
 *
 * A match always names something: FS_ERROR has a path, MOUNT_ERROR came with an "err:". Lines
 * that give an errno but no path ("npm error code ENOENT") return 0; npm prints the path-bearing
 * node message on a later line ("npm error enoent ... open '/p'"), which does match.
 */
#include <errno.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/errnames.h"
#include "diagnose/output_match.h"

#define ERRNO_TEXT_MAX 133 /* EHWPOISON, the last Linux errno */
#define NODE_DESC_MAX 256  /* libuv's descriptions are short; bounds the scan per candidate */
#define LOOSE_MAX 4096     /* lines matched by meaning alone: longer ones are data, not messages */
#define TAIL_MAX 160       /* the longest strerror text plus a " (os error N)" trailer */

static bool is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
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

		if (c == 0x1b && i + 1 < len && line[i + 1] == '[') { /* CSI: params, intermediates */
			for (i += 2; i < len && (unsigned char)line[i] - 0x20u <= 0x1f; i++)
				;
			i -= !(i < len && (unsigned char)line[i] - 0x40u <= 0x3e); /* keep a non-final */
		} else if (c == 0x1b && i + 1 < len && line[i + 1] == ']') {       /* OSC: hyperlinks, titles */
			for (i += 2; i < len && line[i] != 0x07 && line[i] != 0x1b; i++)
				;
			i += i + 1 < len && line[i] == 0x1b; /* ESC '\' ends it too */
		} else if (c == 0x1b) {
			i += i + 1 < len; /* two-byte escapes such as ESC ( B */
		} else if (c) {
			*o++ = (char)c;
		}
	}
	while (o > out && strchr("\r\n\t ", o[-1])) /* no NUL left to match strchr's own */
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
	char *o;

	if (set(out, p, strlen(p))) /* never longer than the rest of the line */
		return -1;
	for (o = *out; *p && *p != '"'; p++) {
		p += *p == '\\' && (p[1] == '"' || p[1] == '\\');
		*o++ = *p;
	}
	*o = '\0';
	*end = *p ? p + 1 : p;
	return 0;
}

/* The first label at or after from that follows a space or ','; from is never the line's start. */
static const char *label(const char *from, const char *l)
{
	const char *k = from;

	while ((k = strstr(k, l)) && k[-1] != ' ' && k[-1] != ',')
		k++;
	return k;
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
		const char *k = label(pos, labels[i]), *v, *c;

		if (!k || ((e = label(pos, "err: ")) && e < k))
			continue;
		v = k + strlen(labels[i]);
		v += strspn(v, " \t");
		if (*v == '"') {
			if (go_string(v + 1, dst[i], &pos))
				return -1;
			continue;
		}
		e = label(v, "err: ");
		c = strstr(v, ", ");
		if (!c || (e && e < c))
			c = e ? e : v + strlen(v);
		while (c > v && strchr(", \t", c[-1]))
			c--;
		if (set(dst[i], v, c - v))
			return -1;
		pos = c;
	}
	e = label(pos, "err: ");
	if (!e)
		return 0;
	m->kind = OUTPUT_MOUNT_ERROR;
	m->err = errno_by_text(e + 5, NULL);
	/* The mount point is the path the line names; the source is "overlay" or a device. */
	if (m->target && !(m->path = strdup(m->target)))
		return -1;
	return 1;
}

/*
 * util-linux mount(8): "mount: <target>: wrong fs type, bad option, bad superblock on <source>, ..."
 * is its text for EINVAL; "mount: <target>: mount(2) system call failed: <strerror>" for the rest.
 */
static int match_util_mount(const char *s, struct output_match *m)
{
	const char *t = s, *c, *why;

	if (strncmp(t, "mount: ", 7) != 0)
		return 0;
	t += 7;
	if ((why = strstr(t, ": wrong fs type, bad option")))
		m->err = EINVAL;
	else if ((why = strstr(t, ": mount(2) system call failed: ")))
		m->err = errno_by_text(why + strlen(": mount(2) system call failed: "), NULL);
	else
		return 0;
	for (c = t; c < why && *c != ' '; c++)
		;
	if (c != why || why == t) /* the target is one word: the path */
		return 0;
	m->kind = OUTPUT_MOUNT_ERROR;
	return set(&m->target, t, why - t) || set(&m->path, t, why - t) ? -1 : 1;
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
		int err;

		while (w > s && ((w[-1] >= 'A' && w[-1] <= 'Z') || (w[-1] >= '0' && w[-1] <= '9')))
			w--;
		if (c - w < 2 || (size_t)(c - w) >= sizeof(code) || *w != 'E' || (w > s && is_word(w[-1])))
			continue;
		if (strspn(w + 1, "0123456789") >= (size_t)(c - w - 1))
			continue; /* "E2" is errnames' spelling of a number, never node's */
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
	static const char *const words[] = {
		"error", "err!", "warn", "warning", "fatal", "info", "notice", "debug"
	};

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

/* One escape of a $'...' segment at p (after its backslash): the byte, and p moved past it. */
static char ansi_c_escape(const char **p)
{
	static const char from[] = "abefnrtv\\'\"", to[] = "\a\b\x1b\f\n\r\t\v\\'\"";
	const char *c = strchr(from, **p);
	unsigned v = 0;
	int i;

	if (**p && c) {
		(*p)++;
		return to[c - from];
	}
	if (**p == 'x') {
		for (i = 0, (*p)++; i < 2 && isxdigit((unsigned char)**p); i++, (*p)++)
			v = v * 16 +
			    (isdigit((unsigned char)**p) ? **p - '0' : (tolower((unsigned char)**p) - 'a' + 10));
		return (char)v;
	}
	for (i = 0; i < 3 && **p >= '0' && **p <= '7'; i++, (*p)++)
		v = v * 8 + (unsigned)(**p - '0');
	return (char)v;
}

/*
 * coreutils (8.25 on) quotes a name holding controls or bytes that are not text in its
 * diagnostics as shell-escape: 'abc'$'\033'']0'$'\377' ... , literal and ANSI-C segments back to
 * back. The name's own bytes, or 0 when q (in h..h+n) does not start such a run with at least
 * one $'...' segment (plain 'x' is read as before).
 */
static int shell_escaped(const char *q, const char *limit, struct output_match *m)
{
	char *out = malloc(limit - q + 1), *o = out;
	const char *p = q;
	bool ansi = false;

	if (!out)
		return -1;
	while (p < limit && (*p == '\'' || (*p == '$' && p + 1 < limit && p[1] == '\''))) {
		bool c_style = *p == '$';

		p += c_style ? 2 : 1;
		ansi |= c_style;
		while (p < limit && *p != '\'') {
			if (c_style && *p == '\\' && p + 1 < limit) {
				p++;
				*o++ = ansi_c_escape(&p);
			} else {
				*o++ = *p++;
			}
		}
		if (p >= limit) {
			ansi = false; /* a quote that does not close: not this quoting */
			break;
		}
		p++; /* the closing quote */
	}
	*o = '\0';
	if (!ansi || (p < limit && !strchr(" \t:,;.)]}\"", *p))) {
		free(out);
		return 0;
	}
	free(m->path);
	m->path = out;
	return 1;
}

static const char *const dash_verbs[] = { "cannot create ", "cannot open ", "can't cd to " };

static int head_path(const char *h, size_t n, struct output_match *m)
{
	const char *q = strpbrk(h, "'\"`"), *end, *seg, *u = strstr(h, "\xe2\x80\x98");
	int escaped;

	/* coreutils in a UTF-8 locale quotes with ‘ ’ */
	if (u && u < h + n && (!q || u < q) && (end = strstr(u + 3, "\xe2\x80\x99")) && end < h + n)
		return set(&m->path, u + 3, end - u - 3) ? -1 : 1;
	if (q && q < h + n && *q == '\'' && (escaped = shell_escaped(q > h && q[-1] == '$' ? q - 1 : q, h + n, m)))
		return escaped;
	if (q && q < h + n) { /* coreutils quotes names: 'x', "it's", or `x' before 2012 */
		end = quote_end(q + 1, *q == '"' ? '"' : '\'');
		if (!end || end > h + n)
			return 0;
		if (set(&m->path, q + 1, end - q - 1))
			return -1;
		q = strpbrk(end + 1, "'\"");
		if (q && q < h + n && (end = quote_end(q + 1, *q)) && end < h + n) /* mv's 'a' to 'b' */
			return set(&m->path2, q + 1, end - q - 1) ? -1 : 1;
		return 1;
	}
	/* "line 1: /x" (bash) names the path last, "/mnt: mount(2) system call failed" first. */
	for (seg = h + n; seg - h >= 2 && memcmp(seg - 2, ": ", 2); seg--)
		;
	seg = seg - h < 2 ? h : seg;
	/* dash: "sh: 1: cannot create /x: Text file busy", "cannot open /x", "can't cd to /x" */
	for (size_t i = 0; i < sizeof(dash_verbs) / sizeof(dash_verbs[0]); i++)
		if ((size_t)(h + n - seg) > strlen(dash_verbs[i]) &&
		    !strncmp(seg, dash_verbs[i], strlen(dash_verbs[i]))) {
			seg += strlen(dash_verbs[i]);
			break;
		}
	/* Go tools (containerd, docker, buildkit): "ctr: failed to mount /tmp/containerd-mount1:
	 * invalid argument", "failed to create /x", whatever the verb: the path after it. */
	if ((size_t)(h + n - seg) > 10 && !strncmp(seg, "failed to ", 10) &&
	    (end = memchr(seg + 10, ' ', h + n - seg - 10)) && end + 1 < h + n && end[1] == '/' &&
	    looks_like_path(end + 1, h + n - end - 1))
		return set(&m->path, end + 1, h + n - end - 1) ? -1 : 1;
	if (looks_like_path(seg, h + n - seg))
		return set(&m->path, seg, h + n - seg) ? -1 : 1;
	end = strstr(h, ": ");
	if (!end || end > h + n || !looks_like_path(h, end - h))
		return 0;
	return set(&m->path, h, end - h) ? -1 : 1;
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
		rest = c + k + strspn(c + k, " \t.");
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
	const char *c = strstr(s, ": "), *w1 = s + strcspn(s, " \t"), *w2 = w1 + strspn(w1, " \t");

	if (c && one_word(s, c))
		return severity(s, c - s) ? 0 : set(&m->tool, s, c - s);
	if (one_word(s, w1) && !severity(s, w1 - s) && severity(w2, strcspn(w2, " \t:")))
		return set(&m->tool, s, w1 - s);
	return 0;
}

/* The errno named in s by its text (anywhere, at word boundaries) or by its E-name as a word. */
static int errno_anywhere(const char *s)
{
	for (const char *p = s; *p; p++) {
		size_t k;
		int e;

		if (is_word(*p) && p > s && is_word(p[-1]))
			continue;
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
			if ((e = errno_by_text(p, &k)) && k > 4)
				return e;
		}
		if (*p == 'E') {
			char code[32];
			size_t n = 0;

			while (n + 1 < sizeof(code) &&
			       ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
				n++;
			if (n >= 4 && !is_word(p[n]) && strspn(p + 1, "0123456789") < n - 1) {
				memcpy(code, p, n);
				code[n] = '\0';
				if ((e = errno_from_name(code)) > 0)
					return e;
			}
		}
	}
	return 0;
}

/* The closing mark of an opening quote at q (ASCII or UTF-8 ‘ “ « ‹), its length in *open. */
static const char *closing_of(const char *q, size_t *open)
{
	static const char *const pairs[][2] = { { "\xe2\x80\x98", "\xe2\x80\x99" },
						{ "\xe2\x80\x9c", "\xe2\x80\x9d" },
						{ "\xc2\xab", "\xc2\xbb" },
						{ "\xe2\x80\xb9", "\xe2\x80\xba" },
						{ "'", "'" },
						{ "\"", "\"" },
						{ "`", "'" } };

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (!strncmp(q, pairs[i][0], strlen(pairs[i][0]))) {
			*open = strlen(pairs[i][0]);
			return pairs[i][1];
		}
	return NULL;
}

/*
 * Any line: the first path it names, quoted (any quotes) or a bare word holding a '/', with an
 * errno's text or name anywhere. Tried last, so known formats keep their fields.
 */
static int match_meaning(const char *s, struct output_match *m)
{
	int err = strlen(s) <= LOOSE_MAX ? errno_anywhere(s) : 0;

	if (!err)
		return 0;
	for (const char *p = s; *p; p++) {
		const char *close, *end;
		size_t open;

		if ((close = closing_of(p, &open)) && (end = strstr(p + open, close)) && end > p + open &&
		    memchr(p + open, '/', end - p - open)) {
			if (set(&m->path, p + open, end - p - open))
				return -1;
		} else if (*p == '/' && (p == s || strchr(" \t=([", p[-1]))) {
			end = p + strcspn(p, " \t'\",;)]");
			while (end > p + 1 && end[-1] == ':')
				end--;
			if (end - p < 2)
				continue;
			if (set(&m->path, p, end - p))
				return -1;
		} else {
			continue;
		}
		m->kind = OUTPUT_FS_ERROR;
		m->err = err;
		m->loose = true;
		return 1;
	}
	return 0;
}

int output_match_line(const char *line, size_t len, struct output_match *m)
{
	/* Mount first: its text holds ": " pairs the others would misread. */
	static int (*const matchers[])(const char *, struct output_match *) = {
		match_mount, match_util_mount, match_node, match_tool, match_meaning,
	};
	char *s;
	int r = 0;

	memset(m, 0, sizeof(*m));
	if (!line)
		return 0;
	s = clean(line, len);
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(matchers) / sizeof(matchers[0]) && r == 0; i++) {
		output_match_free(m); /* what a matcher that gave up had filled */
		r = matchers[i](s, m);
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
