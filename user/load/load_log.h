/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* libbpf's messages during a load (load_log.c): the program the verifier refused and why, in one
 * line, and each program's verified instruction count; the privileges a load needs. */
#ifndef FSTRACE_LOAD_LOAD_LOG_H
#define FSTRACE_LOAD_LOAD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

struct load_log {
	/* Each program's verified instruction count goes here, while an object loads. */
	void (*on_verified)(void *ctx, const char *prog, unsigned int insns);
	void *ctx;
	bool verbose; /* -v: libbpf's own messages on stderr */
	char prog[32];
	char reason[200];
};
extern struct load_log load_log;

/* libbpf_set_print's callback. */
int load_log_print(enum libbpf_print_level level, const char *fmt, va_list ap);
/* 0, or one line in err naming the capability missing. */
int check_privileges(char *err, size_t errlen);

#endif
