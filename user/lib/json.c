// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* JSON writer and the DOM helpers; see json.h. The parser is json_parse.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

/* Overlong forms, surrogates and code points past U+10FFFF are invalid, as RFC 3629 says. */
size_t json_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	uint32_t cp, min;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* ---- writer ---- */

static bool jbuf_reserve(struct jbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (n >= SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void jbuf_reset(struct jbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->p)
		b->p[0] = '\0';
}

void jbuf_write(struct jbuf *b, const void *s, size_t n)
{
	if (!jbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void jbuf_putc(struct jbuf *b, char c)
{
	if (!jbuf_reserve(b, 1))
		return;
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void jbuf_puts(struct jbuf *b, const char *s)
{
	jbuf_write(b, s, strlen(s));
}

/* An ASCII byte that goes into a JSON string as it is. */
static bool plain_ascii(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void json_strn(struct jbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0; /* bytes before i that are copied as they are */

	/* Room for the common case at once: plain ASCII, quoted. */
	if (!jbuf_reserve(b, n + 2))
		return;
	jbuf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t ulen = c < 0x80 ? 1 : json_utf8_len(s + i, n - i);
		static const char hex[] = "0123456789abcdef";
		char esc[8] = { '\\' };
		size_t esclen = 2;

		if (c < 0x80 ? plain_ascii(c) : ulen > 0) {
			i += ulen;
			run += ulen;
			continue;
		}
		jbuf_write(b, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\')
			esc[1] = (char)c;
		else if (c == '\n')
			esc[1] = 'n';
		else if (c == '\t')
			esc[1] = 't';
		else if (c == '\r')
			esc[1] = 'r';
		else {
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esclen = 6;
		}
		jbuf_write(b, esc, esclen);
		i++;
	}
	jbuf_write(b, s + n - run, run);
	jbuf_putc(b, '"');
}

void json_str(struct jbuf *b, const char *s)
{
	if (s)
		json_strn(b, s, strlen(s));
	else
		jbuf_puts(b, "null");
}

/* A comma, unless this is the first thing in a container, a line, or the value of a key. */
static void sep(struct jbuf *b)
{
	if (!b->len)
		return;
	switch (b->p[b->len - 1]) {
	case '{':
	case '[':
	case ':':
	case ',':
	case '\n':
		return;
	default:
		jbuf_putc(b, ',');
	}
}

void jobj_begin(struct jbuf *b)
{
	sep(b);
	jbuf_putc(b, '{');
}
void jobj_end(struct jbuf *b)
{
	jbuf_putc(b, '}');
}
void jarr_begin(struct jbuf *b)
{
	sep(b);
	jbuf_putc(b, '[');
}
void jarr_end(struct jbuf *b)
{
	jbuf_putc(b, ']');
}

void jobj_key(struct jbuf *b, const char *key)
{
	size_t n = strlen(key);

	sep(b);
	/* Keys are the program's own words: written in one piece unless one needs escaping. */
	for (size_t i = 0; i < n; i++)
		if (!plain_ascii(key[i])) {
			json_strn(b, key, n);
			jbuf_putc(b, ':');
			return;
		}
	if (!jbuf_reserve(b, n + 3))
		return;
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, key, n);
	b->len += n;
	b->p[b->len++] = '"';
	b->p[b->len++] = ':';
	b->p[b->len] = '\0';
}

void jobj_raw(struct jbuf *b, const char *key, const char *json)
{
	jobj_key(b, key);
	jbuf_puts(b, json);
}

void jobj_str(struct jbuf *b, const char *key, const char *val)
{
	if (!val)
		return;
	jobj_key(b, key);
	json_str(b, val);
}

/* Digits without snprintf: every event has a dozen numbers, and this is the collector's hot path. */
static char *u64_digits(uint64_t val, char *end)
{
	*--end = '\0';
	do
		*--end = (char)('0' + val % 10);
	while (val /= 10);
	return end;
}

void jobj_u64(struct jbuf *b, const char *key, uint64_t val)
{
	char num[24];

	jobj_raw(b, key, u64_digits(val, num + sizeof(num)));
}

void jobj_i64(struct jbuf *b, const char *key, int64_t val)
{
	char num[24], *p = u64_digits(val < 0 ? 0 - (uint64_t)val : (uint64_t)val, num + sizeof(num));

	if (val < 0)
		*--p = '-';
	jobj_raw(b, key, p);
}

void jobj_bool(struct jbuf *b, const char *key, bool val)
{
	jobj_raw(b, key, val ? "true" : "false");
}

void jarr_str(struct jbuf *b, const char *val)
{
	sep(b);
	json_str(b, val);
}

/* ---- DOM (built by json_parse.c) ---- */

static void jval_clear(struct jval *v)
{
	switch (v->type) {
	case JSON_STR:
		free(v->str.s);
		break;
	case JSON_ARR:
		for (size_t i = 0; i < v->arr.n; i++)
			jval_clear(&v->arr.v[i]);
		free(v->arr.v);
		break;
	case JSON_OBJ:
		for (size_t i = 0; i < v->obj.n; i++) {
			free(v->obj.m[i].key);
			jval_clear(&v->obj.m[i].val);
		}
		free(v->obj.m);
		break;
	default:
		break;
	}
	v->type = JSON_NULL;
}

void jval_free(struct jval *v)
{
	if (!v)
		return;
	jval_clear(v);
	free(v);
}

const struct jval *jval_get(const struct jval *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->obj.n; i++)
		if (strcmp(obj->obj.m[i].key, key) == 0)
			return &obj->obj.m[i].val;
	return NULL;
}

const char *jval_str(const struct jval *v)
{
	return v && v->type == JSON_STR ? v->str.s : NULL;
}

bool jval_u64(const struct jval *v, uint64_t *out)
{
	if (!v || v->type != JSON_NUM || !v->num.is_u64)
		return false;
	*out = v->num.u;
	return true;
}

bool jval_i64(const struct jval *v, int64_t *out)
{
	if (!v || v->type != JSON_NUM || !v->num.is_i64)
		return false;
	*out = v->num.i;
	return true;
}
