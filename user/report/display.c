// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Display-safe text; see display.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "report/display.h"
#include "lib/json.h"

/* How the sequence at S is shown, NULL when as it is. LEN is its length as UTF-8 (json.c's
 * check), 0 when S[0] starts no valid sequence: that byte is shown alone, \xNN. */
static const char *escape_of(const unsigned char *s, size_t len, char esc[8])
{
	unsigned c = s[0];

	if (len > 1) {
		uint32_t cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;

		for (size_t i = 1; i < len; i++)
			cp = cp << 6 | (s[i] & 0x3f);
		if (cp > 0x9f) /* C1 controls are U+0080-U+009F */
			return NULL;
		snprintf(esc, 8, "\\u%04x", (unsigned)cp);
		return esc;
	}
	if (len == 1 && c >= 0x20 && c != 0x7f)
		return NULL;
	switch (c) {
	case '\n':
		return "\\n";
	case '\t':
		return "\\t";
	case '\r':
		return "\\r";
	case 0x1b:
		return "\\e";
	}
	snprintf(esc, 8, "\\x%02x", c);
	return esc;
}

const char *shown(const char *str)
{
	static char slots[DISPLAY_SLOTS][DISPLAY_MAX + 4];
	static unsigned next;
	const unsigned char *s = (const unsigned char *)str;
	size_t n, i = 0, o = 0;
	char *out, esc[8];

	if (!s)
		return NULL;
	n = strlen(str);
	while (i < n) { /* most text needs nothing: no copy then */
		size_t len = json_utf8_len(s + i, n - i);

		if (escape_of(s + i, len, esc))
			break;
		i += len;
	}
	if (i == n)
		return str;
	out = slots[next++ % DISPLAY_SLOTS];
	memcpy(out, str, o = i < DISPLAY_MAX ? i : DISPLAY_MAX);
	while (i < n && o < DISPLAY_MAX) {
		size_t len = json_utf8_len(s + i, n - i);
		const char *e = escape_of(s + i, len, esc);
		size_t add = e ? strlen(e) : len;

		if (o + add > DISPLAY_MAX)
			break;
		memcpy(out + o, e ? e : str + i, add);
		o += add;
		i += len ? len : 1;
	}
	memcpy(out + o, i < n ? "..." : "", i < n ? 4 : 1);
	return out;
}
