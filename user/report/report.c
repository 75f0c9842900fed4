// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diagnose/analysis.h"
#include "diagnose/findings.h"
#include "report/report.h"
#include "report/formats.h"

struct report {
	struct analysis *a;
};

int report_format_parse(const char *name, enum report_format *f)
{
	if (strcmp(name, "text") == 0)
		*f = REPORT_TEXT;
	else if (strcmp(name, "json") == 0)
		*f = REPORT_JSON;
	else if (strcmp(name, "md") == 0 || strcmp(name, "markdown") == 0)
		*f = REPORT_MD;
	else if (strcmp(name, "bead") == 0)
		*f = REPORT_BEAD;
	else
		return -1;
	return 0;
}

struct report *report_new(const struct recording_header *h)
{
	struct report *rep = calloc(1, sizeof(*rep));

	if (rep && !(rep->a = analysis_new(h))) {
		free(rep);
		return NULL;
	}
	return rep;
}

void report_add(struct report *rep, const struct record *r)
{
	analysis_add(rep->a, r);
}

void report_end(struct report *rep, uint64_t events, uint64_t lost, int exit_code, const char *ended,
		bool truncated)
{
	analysis_end(rep->a, events, lost, exit_code, ended, truncated);
}

int report_write(const struct report *rep, FILE *out, enum report_format fmt)
{
	const char *no_color = getenv("NO_COLOR");
	struct findings f;
	struct render r = { .a = rep->a, .f = &f, .out = out };
	int ret;

	r.color = fmt == REPORT_TEXT && isatty(fileno(out)) && !(no_color && *no_color);
	if (findings_build(rep->a, &f))
		return -1;
	switch (fmt) {
	case REPORT_JSON:
		ret = render_json(&r);
		break;
	case REPORT_MD:
		ret = render_md(&r);
		break;
	case REPORT_BEAD:
		ret = render_bead(&r);
		break;
	default:
		ret = render_text(&r);
		break;
	}
	findings_free(&f);
	return ret || ferror(out) ? -1 : 0;
}

size_t report_nfindings(const struct report *rep)
{
	struct findings f;
	size_t n;

	if (findings_build(rep->a, &f))
		return 0;
	n = f.n;
	findings_free(&f);
	return n;
}

const struct analysis *report_analysis(const struct report *rep)
{
	return rep ? rep->a : NULL;
}

void report_free(struct report *rep)
{
	if (!rep)
		return;
	analysis_free(rep->a);
	free(rep);
}
