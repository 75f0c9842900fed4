/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* The report formats, one file each; report.c picks one per --format. */
#ifndef FSTRACE_REPORT_FORMATS_H
#define FSTRACE_REPORT_FORMATS_H

#include "report/render.h"

int render_text(const struct render *r); /* report_text.c */
int render_json(const struct render *r); /* report_json.c */
int render_md(const struct render *r);   /* report_md.c */
/* A bead ticket for `bd import`: built from render_md and render_json (report_bead.c). */
int render_bead(const struct render *r);
/* One finding as the JSON report's findings[] has it (report_json.c; also node mode's live lines, live.c). */
void render_finding_json(struct jbuf *b, const struct analysis *a, const struct finding *x);

#endif
