/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* What to do about each cause (remedies.c). */
#ifndef FSTRACE_REMEDIES_H
#define FSTRACE_REMEDIES_H

#include "recording/record.h"

/* The remedy for a class/cause; device (a REC_DEVICE record, or NULL) names the volume. */
const char *remedy_for(const char *class, const char *cause, const struct record *device);

#endif
