/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The unit tests' only framework: a failed CHECK prints itself and makes main return 1. */
#ifndef FSTRACE_CHECK_H
#define FSTRACE_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		check_failures++; \
	} \
} while (0)

/* For checks the rest of the test depends on (a NULL that would be dereferenced next). */
#define REQUIRE(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: required check failed: %s\n", __FILE__, __LINE__, #cond); \
		exit(1); \
	} \
} while (0)

#define CHECK_RESULT() (check_failures ? (fprintf(stderr, "%d check(s) failed\n", check_failures), 1) \
			: (printf("ok %s\n", __FILE__), 0))

#endif
