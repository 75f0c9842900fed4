/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Just enough JSON for the recording format: a writer into a growable buffer and a parser
 * for one value per line. No dependencies, because the tool links statically and runs as root.
 */
#ifndef FSTRACE_JSON_H
#define FSTRACE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

/* ---- writer ---- */

/* Zero-initialise. p is NUL-terminated once anything was written. */
struct jbuf {
	char *p;
	size_t len, cap;
	bool oom; /* an allocation failed; later writes are dropped, so check this once at the end */
};

void jbuf_free(struct jbuf *b);
void jbuf_reset(struct jbuf *b); /* empty it but keep the memory */
void jbuf_write(struct jbuf *b, const void *s, size_t n);
void jbuf_putc(struct jbuf *b, char c);
void jbuf_puts(struct jbuf *b, const char *s);

/*
 * A quoted string. Control characters become \u00XX; bytes that are not valid UTF-8 become
 * \u00XX of the byte, so the output is always valid JSON. That is lossy: a reader sees
 * U+00XX (é for a lone 0xe9), but paths from a broken filesystem must not break the file.
 * json_str(NULL) writes null.
 */
void json_str(struct jbuf *b, const char *s);
void json_strn(struct jbuf *b, const char *s, size_t n);

/*
 * Objects and arrays. A value written right after another value gets its comma, so callers
 * never track "first". jobj_str skips a NULL value: absent fields are simply absent.
 */
void jobj_begin(struct jbuf *b);
void jobj_end(struct jbuf *b);
void jarr_begin(struct jbuf *b);
void jarr_end(struct jbuf *b);
void jobj_key(struct jbuf *b, const char *key); /* then write the value, e.g. jarr_begin */
void jobj_str(struct jbuf *b, const char *key, const char *val);
void jobj_u64(struct jbuf *b, const char *key, uint64_t val);
void jobj_i64(struct jbuf *b, const char *key, int64_t val);
void jobj_bool(struct jbuf *b, const char *key, bool val);
void jobj_raw(struct jbuf *b, const char *key, const char *json);
void jarr_str(struct jbuf *b, const char *val);

/* ---- parser ---- */

enum jtype { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct jmember;

struct jval {
	enum jtype type;
	union {
		bool b;
		struct {
			double d;
			int64_t i;           /* valid when is_i64 */
			uint64_t u;          /* valid when is_u64 */
			bool is_i64, is_u64; /* an integer literal that fits exactly */
		} num;
		struct {
			char *s;
			size_t len;
		} str; /* UTF-8, NUL-terminated; may hold \u0000 */
		struct {
			struct jval *v;
			size_t n;
		} arr;
		struct {
			struct jmember *m;
			size_t n;
		} obj;
	};
};

struct jmember {
	char *key;
	struct jval val;
};

/*
 * Parse exactly one value (surrounding whitespace allowed) from s[0..len); s need not be
 * NUL-terminated. Returns NULL with a message in err on bad input, nesting deeper than
 * JSON_MAX_DEPTH, trailing garbage, or allocation failure.
 */
struct jval *json_parse(const char *s, size_t len, char *err, size_t errlen);
void jval_free(struct jval *v);

/*
 * A parse arena: json_parse_in builds its values in blocks the arena keeps, so a reader of
 * millions of lines makes no allocation per line. Its values are never jval_free()d: they last
 * until the next json_arena_reset, which keeps the memory for the next line.
 */
struct json_arena {
	struct json_block *blocks; /* the newest first */
	size_t total;              /* bytes the blocks hold, for the one block a reset keeps */
};

struct jval *json_parse_in(struct json_arena *a, const char *s, size_t len, char *err, size_t errlen);
/*
 * A flat object (no object or array among its values) without building it: member(ctx, key,
 * keylen, v) for each member in order (key is not NUL-terminated: it may lie in s), its string
 * values in a, until one returns non-zero. 0, or -1 when s is
 * not such an object, is not JSON, or member refused: the caller then parses it whole, for its
 * values or its error. A recording's events are flat: this is how millions of them are read.
 */
typedef int json_member_fn(void *ctx, const char *key, size_t keylen, const struct jval *v);
int json_parse_flat(struct json_arena *a, const char *s, size_t len, json_member_fn *member, void *ctx);
void json_arena_reset(struct json_arena *a);
void json_arena_free(struct json_arena *a);

/* The first member named key, or NULL (also when obj is not an object). */
const struct jval *jval_get(const struct jval *obj, const char *key);
/* Typed access; false when v is NULL or of another type or range. */
const char *jval_str(const struct jval *v);
bool jval_u64(const struct jval *v, uint64_t *out);
bool jval_i64(const struct jval *v, int64_t *out);

/* Length of the valid UTF-8 sequence at s[0..n), n > 0, or 0; shared by writer and parser. */
size_t json_utf8_len(const unsigned char *s, size_t n);

#endif
