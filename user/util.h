/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* fstrace speaks about its own problems in one line on stderr, prefixed "fstrace: ". */
#ifndef FSTRACE_UTIL_H
#define FSTRACE_UTIL_H

#include <stdint.h>

void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t boottime_ns(void);

#endif
