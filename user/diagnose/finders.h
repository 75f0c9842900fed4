/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The finders: one function per class of finding (find_*.c), each adding the findings of its
 * class to f and claiming the failure groups it explains. The driver (findings.c) walks them in
 * the order of its table, most specific first; a finder never calls another or the driver.
 */
#ifndef FSTRACE_FINDERS_H
#define FSTRACE_FINDERS_H

#include "diagnose/finding.h"

typedef void finder_fn(const struct analysis *a, struct findings *f);

struct finder {
	const char *name; /* the file's class, for a reader and a debugger */
	finder_fn *find;
};

finder_fn find_overlay;
finder_fn find_race;
finder_fn find_corruption;
finder_fn find_readonly;
finder_fn find_nospace;
finder_fn find_ioerror;
finder_fn find_missing;
finder_fn find_permission;
finder_fn find_limits;
finder_fn find_other;

#endif
