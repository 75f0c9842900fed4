// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer harness for the output line matcher: a line is whatever the traced command printed.
 * The buffer is passed without a terminating NUL, so ASan catches any read past len.
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ibpf -Iuser \
 *	tests/fuzz/fuzz_output_match.c user/diagnose/output_match.c user/lib/errnames.c -o fuzz_output_match
 */
#include <stdint.h>
#include <stdlib.h>

#include "diagnose/output_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct output_match m;
	int r = output_match_line((const char *)buf, len, &m);

	if (r == 1) {
		/* The documented promise: a file error names a path, a mount error is a mount error. */
		if (m.kind == OUTPUT_NONE || (m.kind == OUTPUT_FS_ERROR && !m.path))
			abort();
		if (m.err < 0 || (m.path2 && !m.path))
			abort();
	} else if (r != 0 || m.path || m.tool || m.kind != OUTPUT_NONE) {
		abort();
	}
	output_match_free(&m);
	return 0;
}
