/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The syscalls fstrace traces, their numbers and argument layouts (x86-64). */
#ifndef FSTRACE_SYSCALLS_H
#define FSTRACE_SYSCALLS_H

#include <linux/types.h>
#include "fstrace.h"

struct traced_syscall {
	const char *name; /* as in syscalls:sys_enter_<name> */
	int nr;
	struct fst_syscall_layout layout;
};

extern const struct traced_syscall traced_syscalls[];
extern const int traced_syscall_count;

/* The name of a syscall number fstrace traces, or NULL. */
const char *syscall_name(int nr);
/* The layout of a traced syscall number, or NULL. */
const struct fst_syscall_layout *syscall_layout(int nr);
/* The number of a traced syscall's name, or -1. */
int syscall_nr(const char *name);

#endif
