/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* One event as one human-readable line: --follow, and the evidence lines of the text report. */
#ifndef FSTRACE_EVENT_TEXT_H
#define FSTRACE_EVENT_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include "recording/record.h"

/* Times are printed relative to base_ns (0: absolute boot-time seconds). */
void event_text_line(FILE *out, const struct record *r, uint64_t base_ns);

#endif
