// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer harness for the overlay option parser: the data string comes from a traced process,
 * so any bytes must parse or fail cleanly. The first byte picks the mode:
 *   even: a mount(2) data string, bit 1 set: with a cwd for relative layers;
 *   odd:  fsconfig calls, one "key=value" (or bare "key") per '\n'-separated line.
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ibpf -Iuser \
 *	tests/fuzz/fuzz_overlay_opts.c user/host/overlay_opts.c user/host/paths.c -o fuzz_overlay_opts
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/overlay_opts.h"

static void check(const struct overlay_opts *o)
{
	if (o->nlower + o->ndata > OVL_MAX_LOWER || (o->nlower && !o->has_lower))
		abort();
	for (size_t i = 0; i < o->nlower; i++)
		if (!o->lower[i] || !o->lower[i][0])
			abort();
	for (size_t i = 0; i < o->ndata; i++)
		if (!o->data[i] || !o->data[i][0])
			abort();
	for (size_t i = 0; i < o->nother; i++)
		if (!o->other[i])
			abort();
	if ((o->upper && !o->has_upper) || (o->work && !o->has_work))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	struct overlay_opts o;
	const char *cwd;
	char err[128], *s;

	if (len < 1)
		return 0;
	cwd = buf[0] & 2 ? "/var/lib/containerd/snapshots" : NULL;
	s = malloc(len);
	if (!s)
		return 0;
	memcpy(s, buf + 1, len - 1);
	s[len - 1] = '\0';
	if (!(buf[0] & 1)) {
		if (overlay_opts_parse(s, cwd, &o, err, sizeof(err)) == 0)
			check(&o);
		else if (o.nlower || o.lower || o.other || o.upper || !err[0])
			abort(); /* a failure leaves nothing behind and says why */
	} else {
		memset(&o, 0, sizeof(o));
		for (char *line = s, *next; line; line = next) {
			char *eq;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			eq = strchr(line, '=');
			if (eq)
				*eq = '\0';
			overlay_opts_add(&o, line, eq ? eq + 1 : NULL, cwd, err, sizeof(err));
			check(&o);
		}
	}
	overlay_opts_free(&o);
	free(s);
	return 0;
}
