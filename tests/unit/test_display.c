// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* display.h: text from the traced world shown with no control character left and nothing else changed. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "report/display.h"

#define SHOWN(in, want) CHECK(strcmp(shown(in), want) == 0)

static void unchanged(void)
{
	const char *plain = "/app/node_modules/@scope/pkg-1.0/lib/ünïcode ✓ 日本 \\n|`'\"";

	CHECK(shown(plain) == plain); /* no copy when nothing needs escaping */
	CHECK(shown(NULL) == NULL);
	SHOWN("", "");
}

static void escaped(void)
{
	SHOWN("a\nb", "a\\nb");
	SHOWN("\t\r", "\\t\\r");
	SHOWN("x\033]0;title\007y", "x\\e]0;title\\x07y");
	SHOWN("\033[31mred\033[0m", "\\e[31mred\\e[0m");
	SHOWN("del\x7f", "del\\x7f");
	SHOWN("\x01\x1f", "\\x01\\x1f");
	/* bytes that are not UTF-8: a lone 0xff, a cut sequence, an overlong '/', a surrogate */
	SHOWN("a\xff\xfe" "b", "a\\xff\\xfeb");
	SHOWN("cut\xe6\x97", "cut\\xe6\\x97");
	SHOWN("\xc0\xaf", "\\xc0\\xaf");
	SHOWN("\xed\xa0\x80", "\\xed\\xa0\\x80");
	/* C1 controls, as UTF-8 (U+009B is a CSI to some terminals) and as raw bytes */
	SHOWN("\xc2\x9b" "31m", "\\u009b31m");
	SHOWN("\x9b", "\\x9b");
	SHOWN("\xc2\xa0nbsp", "\xc2\xa0nbsp"); /* U+00A0 is printable */
}

static void rotation_and_limit(void)
{
	const char *first = shown("1\n"), *second = shown("2\n");
	char *big = malloc(DISPLAY_MAX * 2 + 1);
	const char *out;

	CHECK(strcmp(first, "1\\n") == 0 && strcmp(second, "2\\n") == 0); /* both alive at once */
	for (int i = 0; i < DISPLAY_SLOTS - 2; i++)
		shown("x\n");
	CHECK(strcmp(first, "1\\n") == 0);
	REQUIRE(big);
	memset(big, '\n', DISPLAY_MAX * 2);
	big[DISPLAY_MAX * 2] = '\0';
	out = shown(big);
	CHECK(strlen(out) <= DISPLAY_MAX + 3);
	CHECK(strcmp(out + strlen(out) - 3, "...") == 0);
	CHECK(strncmp(out, "\\n\\n", 4) == 0);
	free(big);
}

int main(void)
{
	unchanged();
	escaped();
	rotation_and_limit();
	return CHECK_RESULT();
}
