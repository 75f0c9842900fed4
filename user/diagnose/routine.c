// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <string.h>
#include "diagnose/routine.h"

bool routine_probe(const char *sc)
{
	/* (mkdir -p's first try on the leaf is not here: its process exits 0, which says enough.) */
	static const char *const probes[] = { "stat",      "lstat",      "newfstatat", "statx",     "access",
					      "faccessat", "faccessat2", "readlink",   "readlinkat" };

	/* A recording from elsewhere may leave the name out (fields an event lacks are omitted). */
	for (size_t i = 0; sc && i < sizeof(probes) / sizeof(probes[0]); i++)
		if (strcmp(sc, probes[i]) == 0)
			return true;
	return false;
}

bool routine_answer(const struct record *r)
{
	const char *sc = r->syscall ? r->syscall : "";

	return (r->err == EEXIST && !strncmp(sc, "mkdir", 5)) ||
	       (r->err == EINVAL && !strncmp(sc, "readlink", 8)) ||
	       ((r->err == ENXIO || r->err == ENOTTY) && r->path && !strcmp(r->path, "/dev/tty"));
}
