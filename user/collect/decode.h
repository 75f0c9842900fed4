/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* From the kernel's variable-length struct fst_event to a struct record. */
#ifndef FSTRACE_DECODE_H
#define FSTRACE_DECODE_H

#include <stddef.h>
#include "recording/record.h"

/* Returns 0, or -1 when the bytes are not a well-formed event (nothing is allocated then). */
int event_decode(const void *data, size_t size, struct record *out);

#endif
