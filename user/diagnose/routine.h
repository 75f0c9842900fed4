/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Failures that are a program's everyday business, not a fault: one home for the kinds, used
 * where misses are listed or summarised (find_missing.c, findings.c) and where the analysis
 * forgets the oldest of them when memory is short (analysis_evict.c).
 */
#ifndef FSTRACE_ROUTINE_H
#define FSTRACE_ROUTINE_H

#include <stdbool.h>
#include "recording/record.h"

/* Calls that ask whether something exists (stat, access, readlink): "no" is an answer. */
bool routine_probe(const char *syscall);
/* Errors a program asks for: "mkdir -p" meets EEXIST, realpath() readlinks every component,
 * a daemon without a terminal opens /dev/tty. */
bool routine_answer(const struct record *r);

#endif
