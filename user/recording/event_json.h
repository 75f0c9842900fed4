/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The event contract: one struct record as one JSON object, the unit of a recording line and
 * of JSON export. What every key means, the header and trailer around the events, and the
 * compatibility rules (readers ignore keys they do not know; a key changes meaning only with a
 * new format_version) are described once, in docs/recording-format.md: a change to the keys
 * here changes that file in the same commit.
 */
#ifndef FSTRACE_EVENT_JSON_H
#define FSTRACE_EVENT_JSON_H

#include <stddef.h>

#include "lib/json.h"
#include "recording/record.h"

/* Appends the object to out, without a newline. Check out->oom afterwards. */
void record_to_json(const struct record *r, struct jbuf *out);

/*
 * Fills r (initialised here; free it with record_free) from a parsed object. Returns 0, or -1
 * with "key: problem" in err and r left empty. type and ts_ns are required; a type this
 * fstrace does not know gives r->type == REC_NONE, for the caller to skip.
 */
int record_from_json(const struct jval *obj, struct record *r, char *err, size_t errlen);
/* The same, r's strings borrowed from obj's (r->borrowed): r is valid while obj is. */
int record_from_json_view(const struct jval *obj, struct record *r, char *err, size_t errlen);
/* An event line straight into r, its strings borrowed from a until its next reset, without
 * building the object: 0, or -1 (r empty) when the line is not a well-formed flat event (a
 * header, a trailer, a context record's object, damage), for the caller to parse whole. */
int record_from_json_line(struct json_arena *a, const char *line, size_t len, struct record *r);

#endif
