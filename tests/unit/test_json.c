// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* json.h: the writer's escaping always parses back, the parser refuses bad input without overreading. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "lib/json.h"

/* Parses an exact-size heap copy, so ASan/valgrind catch any read past the end. */
static struct jval *parse(const char *s, size_t len)
{
	char err[128], *copy = malloc(len ? len : 1);
	struct jval *v;

	REQUIRE(copy);
	memcpy(copy, s, len);
	v = json_parse(copy, len, err, sizeof(err));
	free(copy);
	return v;
}

static struct jval *parse_str(const char *s)
{
	return parse(s, strlen(s));
}

static void writer_output(void)
{
	struct jbuf b = { 0 };

	jobj_begin(&b);
	jobj_str(&b, "s", "a\"b\\c\n\t\r\x01\x1f\x7f/");
	jobj_str(&b, "absent", NULL);
	jobj_u64(&b, "u", UINT64_MAX);
	jobj_i64(&b, "i", INT64_MIN);
	jobj_bool(&b, "t", true);
	jobj_key(&b, "a");
	jarr_begin(&b);
	jarr_str(&b, "x");
	jarr_str(&b, "y");
	jobj_begin(&b);
	jobj_end(&b);
	jarr_end(&b);
	jobj_key(&b, "o");
	jobj_begin(&b);
	jobj_raw(&b, "n", "null");
	jobj_end(&b);
	jobj_end(&b);
	REQUIRE(!b.oom && b.p);
	CHECK(strcmp(b.p, "{\"s\":\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001f\x7f/\",\"u\":18446744073709551615,"
		  "\"i\":-9223372036854775808,\"t\":true,\"a\":[\"x\",\"y\",{}],\"o\":{\"n\":null}}") == 0);
	CHECK(strlen(b.p) == b.len);
	jbuf_reset(&b);
	CHECK(b.len == 0 && b.p[0] == '\0');
	jbuf_free(&b);
}

/* Every byte value, alone and in sequences, is written as JSON the parser accepts. */
static void escaping_round_trip(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbf", "caf\xc3\xa9 \xf0\x9f\x98\x80 \xef\xbf\xbf" },
		{ "\x01\x02\x1f\"\\", "\x01\x02\x1f\"\\" },
		/* Invalid UTF-8 comes back as U+00XX per byte: lossy but valid JSON. */
		{ "\xe9", "\xc3\xa9" },                    /* lone Latin-1 byte */
		{ "\xc0\x80", "\xc3\x80\xc2\x80" },        /* overlong NUL */
		{ "\xed\xa0\x80", "\xc3\xad\xc2\xa0\xc2\x80" }, /* UTF-16 surrogate */
		{ "\xf4\x90\x80\x80", "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80" }, /* past U+10FFFF */
		{ "a\xe2\x82", "a\xc3\xa2\xc2\x82" },      /* sequence cut at the end */
		{ "\xff\xfe", "\xc3\xbf\xc3\xbe" },
	};
	struct jbuf b = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		jbuf_reset(&b);
		json_str(&b, cases[i].in);
		struct jval *v = parse(b.p, b.len);
		CHECK(v && v->type == JSON_STR && strcmp(v->str.s, cases[i].out) == 0);
		jval_free(v);
	}
	for (int c = 1; c < 256; c++) {
		char s[4] = { 'x', (char)c, 'y', 0 };

		jbuf_reset(&b);
		json_str(&b, s);
		struct jval *v = parse(b.p, b.len);
		CHECK(v && v->type == JSON_STR);
		if (v && c < 0x80)
			CHECK(strcmp(v->str.s, s) == 0);
		jval_free(v);
	}
	jbuf_reset(&b);
	json_strn(&b, "a\0b", 3);
	CHECK(strcmp(b.p, "\"a\\u0000b\"") == 0);
	jbuf_free(&b);
}

static void numbers(void)
{
	struct jval *v;
	uint64_t u;
	int64_t i;

	v = parse_str("18446744073709551615");
	CHECK(jval_u64(v, &u) && u == UINT64_MAX && !jval_i64(v, &i));
	jval_free(v);
	v = parse_str("18446744073709551614");
	CHECK(jval_u64(v, &u) && u == UINT64_MAX - 1);
	jval_free(v);
	v = parse_str("18446744073709551616");
	CHECK(v && v->type == JSON_NUM && !jval_u64(v, &u) && !jval_i64(v, &i) && v->num.d > 1.8e19);
	jval_free(v);
	v = parse_str("9223372036854775807");
	CHECK(jval_i64(v, &i) && i == INT64_MAX && jval_u64(v, &u) && u == INT64_MAX);
	jval_free(v);
	v = parse_str("9223372036854775808");
	CHECK(!jval_i64(v, &i) && jval_u64(v, &u) && u == 9223372036854775808ull);
	jval_free(v);
	v = parse_str("-9223372036854775808");
	CHECK(jval_i64(v, &i) && i == INT64_MIN && !jval_u64(v, &u));
	jval_free(v);
	v = parse_str("-9223372036854775809");
	CHECK(v && !jval_i64(v, &i));
	jval_free(v);
	v = parse_str(" -0 ");
	CHECK(jval_i64(v, &i) && i == 0 && jval_u64(v, &u) && u == 0);
	jval_free(v);
	v = parse_str("-1.5e3");
	CHECK(v && v->type == JSON_NUM && v->num.d == -1500.0 && !jval_i64(v, &i));
	jval_free(v);
	v = parse_str("0.25");
	CHECK(v && v->num.d == 0.25);
	jval_free(v);
}

static void strings_and_dom(void)
{
	struct jval *v = parse_str("{\"a\":\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\"\\\\\","
				   "\"n\":null,\"t\":true,\"f\":false,\"arr\":[1,[2],{}],\"z\":\"\\u0000x\",\"a\":2}");
	REQUIRE(v && v->type == JSON_OBJ);
	CHECK(strcmp(jval_str(jval_get(v, "a")), "\xc3\xa9\xf0\x9f\x98\x80/\b\f\n\r\t\"\\") == 0);
	CHECK(jval_get(v, "n")->type == JSON_NULL);
	CHECK(jval_get(v, "t")->b && !jval_get(v, "f")->b);
	CHECK(jval_get(v, "arr")->arr.n == 3 && jval_get(v, "arr")->arr.v[1].type == JSON_ARR);
	CHECK(jval_get(v, "z")->str.len == 2 && jval_get(v, "z")->str.s[1] == 'x');
	CHECK(jval_get(v, "missing") == NULL && jval_get(NULL, "a") == NULL);
	CHECK(jval_str(jval_get(v, "n")) == NULL);
	jval_free(v);
}

static void rejects(void)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[", "]", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
		"{a:1}", "{\"a\" 1}", "tru", "nul", "fals", "truex", "01", "1.", ".5", "-", "1e", "1e+",
		"+1", "0x10", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\ud800\"",
		"\"\\ud800\\u0041\"", "\"\\udc00\"", "\"a\nb\"", "\"\x01\"", "\"\xe9\"", "\"\xc3\"",
		"[1] x", "{} {}", "\"\\", "\"\\u", "[1 2]", "nan", "Infinity", "'a'",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[128] = "";
		struct jval *v = json_parse(bad[i], strlen(bad[i]), err, sizeof(err));

		if (v)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		CHECK(!v && err[0]);
		jval_free(v);
	}
	/* Every proper prefix of a document is refused, and none is read past its end. */
	const char *doc = "{\"k\":[1,-2.5e3,\"s\\u00e9\\n\",{\"x\":null,\"y\":[true,false]}],\"z\":\"\"}";
	for (size_t n = 0; n < strlen(doc); n++) {
		struct jval *v = parse(doc, n);

		CHECK(v == NULL);
		jval_free(v);
	}
	struct jval *v = parse(doc, strlen(doc));
	CHECK(v != NULL);
	jval_free(v);
}

static void depth(void)
{
	char s[2 * (JSON_MAX_DEPTH + 1) + 1];

	for (int levels = JSON_MAX_DEPTH; levels <= JSON_MAX_DEPTH + 1; levels++) {
		memset(s, '[', (size_t)levels);
		memset(s + levels, ']', (size_t)levels);
		struct jval *v = parse(s, 2 * (size_t)levels);
		CHECK(levels <= JSON_MAX_DEPTH ? v != NULL : v == NULL);
		jval_free(v);
	}
	/* Deep enough to overflow the stack if depth were not bounded. */
	size_t n = 1000000;
	char *deep = malloc(n);
	REQUIRE(deep);
	for (size_t i = 0; i < n; i++)
		deep[i] = '[';
	CHECK(parse(deep, n) == NULL);
	free(deep);
}

/* A small mutation fuzzer: it finds crashes and leaks when run under sanitizers or valgrind. */
static void mutations(void)
{
	const char *seed = "{\"ts_ns\":123,\"type\":\"syscall\",\"comm\":\"ca\\u00e9\\ud83d\\ude00\","
			   "\"ret\":-2,\"a\":[1.5e-3,true,null,{\"b\":\"\\\"\"}]}";
	size_t n = strlen(seed);
	char buf[256];
	uint32_t rnd = 12345;

	for (int iter = 0; iter < 20000; iter++) {
		memcpy(buf, seed, n);
		size_t len = n;
		for (int k = 0; k < 1 + iter % 4; k++) {
			rnd = rnd * 1103515245 + 12345;
			size_t pos = (rnd >> 8) % len;
			switch ((rnd >> 4) % 3) {
			case 0: buf[pos] = (char)(rnd >> 16); break;
			case 1: len = pos + 1; break;
			default: buf[pos] = "{}[]\",:\\u0e-"[(rnd >> 16) % 12]; break;
			}
		}
		jval_free(parse(buf, len));
	}
}

struct flat_seen {
	char keys[128];
	int n, refuse_at;
};

static int flat_collect(void *ctx, const char *key, size_t keylen, const struct jval *v)
{
	struct flat_seen *f = ctx;
	size_t len = strlen(f->keys);

	snprintf(f->keys + len, sizeof(f->keys) - len, "%s%.*s=%s", f->n ? "," : "", (int)keylen, key,
		 v->type == JSON_STR ? v->str.s : v->type == JSON_NUM ? "num" : v->type == JSON_BOOL ? "bool" : "null");
	return ++f->n == f->refuse_at ? -1 : 0;
}

/* The flat walk: members in order with decoded strings; nesting, bad JSON or a refusal is -1. */
static void flat_objects(void)
{
	static const struct { const char *in, *keys; int rc, refuse_at; } cases[] = {
		{ "{\"a\":\"x\",\"b\":1,\"a\":true,\"c\":null}", "a=x,b=num,a=bool,c=null", 0, 0 },
		{ " { } ", "", 0, 0 },
		{ "{\"p\":\"/tmp/\\u00e9t\\u00e9 d\\\"q\\\"\"}", "p=/tmp/\xc3\xa9t\xc3\xa9 d\"q\"", 0, 0 },
		{ "{\"long\":\"0123456789abcdef0123456789\"}", "long=0123456789abcdef0123456789", 0, 0 },
		{ "{\"a\":1,\"d\":{\"x\":1}}", "a=num", -1, 0 },
		{ "{\"a\":[1]}", "", -1, 0 },
		{ "{\"a\":1,\"b\":2}", "a=num", -1, 1 },
		{ "{\"a\":1} x", "a=num", -1, 0 },
		{ "{\"a\":1,}", "a=num", -1, 0 },
		{ "[1]", "", -1, 0 },
		{ "{\"a\":\"\x01\"}", "", -1, 0 },
	};
	struct json_arena arena = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flat_seen f = { .refuse_at = cases[i].refuse_at };
		int rc = json_parse_flat(&arena, cases[i].in, strlen(cases[i].in), flat_collect, &f);

		if (rc != cases[i].rc || strcmp(f.keys, cases[i].keys))
			fprintf(stderr, "flat case %zu: rc %d keys \"%s\"\n", i, rc, f.keys);
		CHECK(rc == cases[i].rc && strcmp(f.keys, cases[i].keys) == 0);
	}
	json_arena_free(&arena);
}

int main(void)
{
	writer_output();
	flat_objects();
	escaping_round_trip();
	numbers();
	strings_and_dom();
	rejects();
	depth();
	mutations();
	return CHECK_RESULT();
}
