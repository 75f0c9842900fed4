// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * JSON parser into a small DOM; see json.h. Recordings come from anywhere and the parser
 * will be fuzzed: every read is checked against the end, recursion is bounded by
 * JSON_MAX_DEPTH, and a failure frees whatever was built so far.
 */
#include <locale.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

struct parser {
	const unsigned char *p, *start, *end;
	int depth;
	char *err;
	size_t errlen;
	struct json_arena *arena; /* NULL: each value is malloc()ed and jval_free() frees it */
};

struct json_block {
	struct json_block *next;
	size_t used, cap;
	max_align_t data[];
};

#define ARENA_BLOCK (64 * 1024)

static void *arena_alloc(struct json_arena *a, size_t n)
{
	struct json_block *b = a->blocks;

	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;

		if (!(b = malloc(sizeof(*b) + cap)))
			return NULL;
		b->next = a->blocks;
		b->used = 0;
		b->cap = cap;
		a->blocks = b;
		a->total += cap;
	}
	b->used += n;
	return (char *)b->data + b->used - n;
}

void json_arena_free(struct json_arena *a)
{
	for (struct json_block *b = a->blocks, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->blocks = NULL;
	a->total = 0;
}

void json_arena_reset(struct json_arena *a)
{
	size_t total = a->total;

	if (!a->blocks)
		return;
	if (a->blocks->next) { /* a line outgrew one block: one block of the size it took */
		json_arena_free(a);
		if ((a->blocks = malloc(sizeof(*a->blocks) + total))) {
			a->blocks->next = NULL;
			a->blocks->cap = a->total = total;
		}
	}
	if (a->blocks)
		a->blocks->used = 0;
}

static void *p_alloc(struct parser *ps, size_t n)
{
	return ps->arena ? arena_alloc(ps->arena, n) : malloc(n);
}

static int fail(struct parser *ps, const char *what)
{
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "offset %zu: %s", (size_t)(ps->p - ps->start), what);
	return -1;
}

static void skip_ws_loop(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* Inlined: a recording has no whitespace between tokens, so the first test is nearly always it. */
static inline __attribute__((always_inline)) void skip_ws(struct parser *ps)
{
	if (ps->p >= ps->end || *ps->p <= ' ')
		skip_ws_loop(ps);
}

/* Grow an array of elsize-byte items to hold n + 1; NULL on overflow or allocation failure. */
static void *grow(struct parser *ps, void *arr, size_t *cap, size_t n, size_t elsize)
{
	if (n < *cap)
		return arr;
	size_t ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / elsize)
		return NULL;
	void *p;
	if (!ps->arena) {
		p = realloc(arr, ncap * elsize);
	} else if ((p = arena_alloc(ps->arena, ncap * elsize)) && n) {
		memcpy(p, arr, n * elsize); /* the old array stays in the arena until its reset */
	}
	if (p)
		*cap = ncap;
	return p;
}

static int hex4(const unsigned char *s, uint32_t *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = s[i], lc = c | 0x20; /* lc is a-f only for A-F and a-f */

		if (c - '0' < 10)
			*out = *out << 4 | (c - '0');
		else if (lc - 'a' < 6)
			*out = *out << 4 | (lc - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

static size_t put_utf8(unsigned char *o, uint32_t cp)
{
	static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
	size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	for (size_t i = n - 1; i > 0; i--, cp >>= 6)
		o[i] = (unsigned char)(0x80 | (cp & 0x3f));
	o[0] = (unsigned char)(lead[n] | cp);
	return n;
}

/* One \uXXXX escape (a surrogate pair takes two) at ps->p, which points after the 'u'. */
static int unicode_escape(struct parser *ps, const unsigned char *q, uint32_t *cp)
{
	uint32_t lo;

	if (q - ps->p < 4 || hex4(ps->p, cp))
		return fail(ps, "bad \\u escape");
	ps->p += 4;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return fail(ps, "unpaired surrogate in \\u escape");
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (q - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || hex4(ps->p + 2, &lo) || lo < 0xdc00 ||
	    lo > 0xdfff)
		return fail(ps, "unpaired surrogate in \\u escape");
	ps->p += 6;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";

/* A string at ps->p (on the opening quote) into a new NUL-terminated buffer. */
/* Bytes a string cannot simply be copied over: its end, an escape, a control character, UTF-8. */
static bool plain_stop(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20 || c >= 0x80;
}

/* The high bit of each of w's eight bytes (loaded little-endian) that may be a plain_stop: a zero
 * byte of w ^ '"' or w ^ '\\' (the classic has-zero-byte test), a byte below 0x20, or one with
 * its high bit set. Borrows can mark bytes after a real stop, never before one: the lowest mark
 * is exact. */
static uint64_t word_stops(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');

	return (((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) | (w - ones * 0x20) | w) & high;
}

/* The first plain_stop in [p, end), or end: eight bytes a step (SWAR), with the pointer in a
 * register. */
static const unsigned char *plain_end(const unsigned char *p, const unsigned char *end)
{
	for (;;) {
		uint64_t w, stops;

		if (end - p < 8) { /* the line's last bytes */
			while (p < end && !plain_stop(*p))
				p++;
			return p;
		}
		memcpy(&w, p, 8);
		if ((stops = word_stops(w)))
			return p + __builtin_ctzll(stops) / 8;
		p += 8;
	}
}

static int parse_string(struct parser *ps, char **out, size_t *outlen)
{
	const unsigned char *q = plain_end(++ps->p, ps->end), *end = ps->end;
	const char *bad = NULL;

	/* Most strings of a recording are plain ASCII (keys, syscalls, paths): one scan to the quote,
	 * one copy. A recording holds millions of them. */
	if (q < end && *q == '"') {
		size_t n = (size_t)(q - ps->p);
		unsigned char *buf = p_alloc(ps, n + 1);

		if (!buf)
			return fail(ps, "out of memory");
		memcpy(buf, ps->p, n);
		buf[n] = '\0';
		ps->p = q + 1;
		*out = (char *)buf;
		*outlen = n;
		return 0;
	}
	/* Find the closing quote first: the decoded text is never longer than the raw one. */
	q = ps->p;
	while (q < ps->end && *q != '"') {
		if (*q == '\\' && ++q == ps->end)
			break;
		q++;
	}
	if (q >= ps->end)
		return fail(ps, "unterminated string");
	unsigned char *buf = p_alloc(ps, (size_t)(q - ps->p) + 1), *o = buf;
	if (!buf)
		return fail(ps, "out of memory");
	while (ps->p < q && !bad) {
		unsigned c = *ps->p;
		const char *e;
		uint32_t cp;
		size_t n;

		if (c < 0x20) {
			bad = "control character in string";
		} else if (c >= 0x80) {
			if (!(n = json_utf8_len(ps->p, (size_t)(q - ps->p))))
				bad = "invalid UTF-8 in string";
			else
				memcpy(o, ps->p, n);
			o += n;
			ps->p += n;
		} else if (c != '\\') {
			*o++ = (unsigned char)c;
			ps->p++;
		} else if (ps->p[1] == 'u') { /* the scan above put ps->p[1] before q */
			ps->p += 2;
			if (unicode_escape(ps, q, &cp)) {
				if (!ps->arena)
					free(buf);
				return -1;
			}
			o += put_utf8(o, cp);
		} else if (ps->p[1] && (e = strchr(esc_in, ps->p[1]))) {
			*o++ = (unsigned char)esc_out[e - esc_in];
			ps->p += 2;
		} else {
			bad = "bad escape in string";
		}
	}
	if (bad) {
		if (!ps->arena)
			free(buf);
		return fail(ps, bad);
	}
	ps->p = q + 1;
	*o = '\0';
	*out = (char *)buf;
	*outlen = (size_t)(o - buf);
	return 0;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* strtod honours LC_NUMERIC; a recording must parse the same whatever the user's locale. */
static double c_strtod(const char *s)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale ? strtod_l(s, NULL, c_locale) : strtod(s, NULL);
}

static int digits(struct parser *ps)
{
	const unsigned char *s = ps->p;

	while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
		ps->p++;
	return ps->p > s ? 0 : fail(ps, "invalid number");
}

static int parse_number(struct parser *ps, struct jval *v)
{
	const unsigned char *s = ps->p;
	bool neg = *ps->p == '-', integral = true, overflow = false;
	uint64_t m = 0;

	ps->p += neg;
	if (ps->p < ps->end && *ps->p == '0') {
		ps->p++;
	} else {
		/* The digits and their value in one pass; 19 digits always fit, only longer numbers
		 * pay for the overflow check. */
		const unsigned char *d = ps->p, *end = ps->end;

		for (; d < end && (unsigned)(*d - '0') < 10; d++) {
			if (d - ps->p >= 19)
				overflow |= m > (UINT64_MAX - (uint64_t)(*d - '0')) / 10;
			m = m * 10 + (uint64_t)(*d - '0');
		}
		if (d == ps->p)
			return fail(ps, "invalid number");
		ps->p = d;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		integral = false;
		if (digits(ps))
			return -1;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		integral = false;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (digits(ps))
			return -1;
	}
	v->type = JSON_NUM;
	memset(&v->num, 0, sizeof(v->num));
	if (integral && !overflow) {
		v->num.is_u64 = !neg || m == 0;
		v->num.u = neg ? 0 : m;
		v->num.is_i64 = m <= (uint64_t)INT64_MAX + neg;
		v->num.i = !v->num.is_i64 ? 0 : neg ? (int64_t)(0 - m) : (int64_t)m;
		v->num.d = neg ? -(double)m : (double)m;
		return 0;
	}
	size_t n = (size_t)(ps->p - s);
	char small[64], *copy = n < sizeof(small) ? small : malloc(n + 1);
	if (!copy)
		return fail(ps, "out of memory");
	memcpy(copy, s, n);
	copy[n] = '\0';
	v->num.d = c_strtod(copy);
	if (copy != small)
		free(copy);
	return 0;
}

static int parse_value(struct parser *ps, struct jval *v);

/* Skips whitespace, then consumes c if it is next. */
static bool eat(struct parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == (unsigned char)c) {
		ps->p++;
		return true;
	}
	return false;
}

/* Arrays and objects share this loop; an object member is a key and a colon before the value. */
static int parse_container(struct parser *ps, struct jval *v, bool is_obj)
{
	char close = is_obj ? '}' : ']';
	size_t cap = 0;

	if (++ps->depth > JSON_MAX_DEPTH)
		return fail(ps, "nested deeper than 64 levels");
	ps->p++;
	v->type = is_obj ? JSON_OBJ : JSON_ARR;
	if (is_obj)
		v->obj.m = NULL, v->obj.n = 0;
	else
		v->arr.v = NULL, v->arr.n = 0;
	if (eat(ps, close)) {
		ps->depth--;
		return 0;
	}
	do {
		struct jval *slot;

		if (is_obj) {
			struct jmember *m = grow(ps, v->obj.m, &cap, v->obj.n, sizeof(*m));
			size_t keylen;

			if (!m)
				return fail(ps, "out of memory");
			v->obj.m = m;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a string key");
			if (parse_string(ps, &m[v->obj.n].key, &keylen))
				return -1;
			slot = &m[v->obj.n++].val; /* counted now, so a failure below frees the key */
			slot->type = JSON_NULL;
			if (!eat(ps, ':'))
				return fail(ps, "expected ':'");
		} else {
			struct jval *a = grow(ps, v->arr.v, &cap, v->arr.n, sizeof(*a));

			if (!a)
				return fail(ps, "out of memory");
			v->arr.v = a;
			slot = &a[v->arr.n++];
			slot->type = JSON_NULL;
		}
		if (parse_value(ps, slot))
			return -1;
	} while (eat(ps, ','));
	if (!eat(ps, close))
		return fail(ps, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
	ps->depth--;
	return 0;
}

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return fail(ps, "unexpected character");
	ps->p += n;
	return 0;
}

static int parse_value(struct parser *ps, struct jval *v)
{
	v->type = JSON_NULL;
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of input");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, v, true);
	case '[':
		return parse_container(ps, v, false);
	case '"':
		if (parse_string(ps, &v->str.s, &v->str.len))
			return -1;
		v->type = JSON_STR;
		return 0;
	case 't':
	case 'f':
		v->type = JSON_BOOL;
		v->b = *ps->p == 't';
		return literal(ps, v->b ? "true" : "false");
	case 'n':
		return literal(ps, "null");
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, v);
		return fail(ps, "unexpected character");
	}
}

static struct jval *parse_one(struct parser *ps)
{
	struct jval *v = p_alloc(ps, sizeof(*v));

	if (!v) {
		fail(ps, "out of memory");
		return NULL;
	}
	if (parse_value(ps, v) == 0) {
		skip_ws(ps);
		if (ps->p == ps->end)
			return v;
		fail(ps, "trailing garbage after the value");
	}
	if (!ps->arena)
		jval_free(v);
	return NULL;
}

struct jval *json_parse(const char *s, size_t len, char *err, size_t errlen)
{
	struct parser ps = { (const unsigned char *)s,
			     (const unsigned char *)s,
			     (const unsigned char *)s + len,
			     0,
			     err,
			     errlen,
			     NULL };

	return parse_one(&ps);
}

struct jval *json_parse_in(struct json_arena *a, const char *s, size_t len, char *err, size_t errlen)
{
	struct parser ps = { (const unsigned char *)s,
			     (const unsigned char *)s,
			     (const unsigned char *)s + len,
			     0,
			     err,
			     errlen,
			     a };

	json_arena_reset(a);
	return parse_one(&ps);
}

int json_parse_flat(struct json_arena *a, const char *s, size_t len, json_member_fn *member, void *ctx)
{
	struct parser ps = {
		(const unsigned char *)s, (const unsigned char *)s, (const unsigned char *)s + len, 0, NULL, 0, a
	};

	json_arena_reset(a);
	if (!eat(&ps, '{'))
		return -1;
	if (!eat(&ps, '}')) {
		do {
			const unsigned char *q;
			struct jval v;
			char *key;
			size_t keylen;

			skip_ws(&ps);
			if (ps.p >= ps.end || *ps.p != '"')
				return -1;
			/* A plain key is looked at where it lies: no copy. */
			if ((q = plain_end(ps.p + 1, ps.end)) < ps.end && *q == '"') {
				key = (char *)ps.p + 1;
				keylen = (size_t)(q - ps.p - 1);
				ps.p = q + 1;
			} else if (parse_string(&ps, &key, &keylen)) {
				return -1;
			} else {
				keylen = strlen(key); /* up to a \u0000, as a DOM's key reads */
			}
			if (!eat(&ps, ':'))
				return -1;
			skip_ws(&ps);
			if (ps.p >= ps.end || *ps.p == '{' || *ps.p == '[' || parse_value(&ps, &v) ||
			    member(ctx, key, keylen, &v))
				return -1;
		} while (eat(&ps, ','));
		if (!eat(&ps, '}'))
			return -1;
	}
	skip_ws(&ps);
	return ps.p == ps.end ? 0 : -1;
}
