/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What each finding checked besides its own cause, and why that does not hold (ruled_out.c). */
#ifndef FSTRACE_RULED_OUT_H
#define FSTRACE_RULED_OUT_H

#include "diagnose/finding.h"

/* Each finding's "ruled out" lines. */
void findings_rule_out(const struct analysis *a, struct findings *f);

#endif
