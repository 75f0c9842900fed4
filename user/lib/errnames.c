// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* errno <-> name through glibc's own table, so new errnos need no edit here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/errnames.h"

/* Linux errnos stop at 133 (EHWPOISON); the margin covers future ones. */
#define ERRNO_SCAN_MAX 200

const char *errno_name(int err)
{
	static __thread char buf[16];
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

/* Aliases glibc does not return from strerrorname_np because they share a number. */
static const struct {
	const char *name;
	int err;
} aliases[] = {
	{ "EWOULDBLOCK", EWOULDBLOCK },
	{ "ENOTSUP", ENOTSUP },
	{ "EDEADLOCK", EDEADLOCK },
};

int errno_from_name(const char *name)
{
	long n = 0;

	if (!name || name[0] != 'E' || !name[1])
		return -1;
	for (int e = 1; e <= ERRNO_SCAN_MAX; e++) {
		const char *s = strerrorname_np(e);

		if (s && strcmp(s, name) == 0)
			return e;
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(aliases[i].name, name) == 0)
			return aliases[i].err;
	/* "E<n>", as errno_name writes an errno without a name; after the table, for E2BIG. */
	for (const char *p = name + 1; *p; p++) {
		if (*p < '0' || *p > '9' || n > (INT_MAX - 9) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n > 0 ? (int)n : -1;
}
