/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Node mode's live findings: each finding of the current recording window as one JSON line on
 * stdout (schema "fstrace.finding/1", docs/node-mode.md), once it is settled, so `kubectl logs`
 * and journald carry it to a log pipeline within seconds instead of at the next rotation.
 *
 * About once a second the findings are drawn from the window's analysis as the report would draw
 * them. A finding is printed ("established") only when its deciding facts are in: the failure is
 * older than the race trail and the kernel log's delay, and its process has exited (or it is old
 * enough that its exit no longer decides anything); one with no failing call (ext4 errors alone)
 * when two diagnoses in a row make it. A finding that grows gets at most one "update" line per LIVE_UPDATE_NS; at
 * rotation the window's report settles the rest.
 *
 * A diagnosis walks every failing call of the window (35 ms at the table's bound of 32768), so it
 * runs only when it can find something new: for LIVE_EXIT_WAIT_NS after an event that can make a
 * live finding (any failure but ENOENT, a race, an ext4 error or kernel message: the caller's
 * count), while a finding waits to settle, and every LIVE_UPDATE_NS for updates. A storm of misses
 * (missing_path waits for the report anyway) costs nothing, and a diagnosis taking T waits
 * LIVE_COST_FACTOR * T before the next, so that they take at most 1/LIVE_COST_FACTOR of a core.
 */
#ifndef FSTRACE_LIVE_H
#define FSTRACE_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "diagnose/analysis.h"
#include "diagnose/findings.h"

#define LIVE_BUILD_NS 1000000000ull      /* how often the window is diagnosed */
#define LIVE_SETTLE_NS 1000000000ull     /* a failure's age before its finding can be printed */
#define LIVE_EXIT_WAIT_NS 10000000000ull /* past this age, a running process's exit is not awaited */
#define LIVE_UPDATE_NS 30000000000ull    /* at most one update line per finding this often */
#define LIVE_COST_FACTOR 25              /* diagnoses take at most 4% of a core */

/* A finding of the current window, by id. */
struct live_seen {
	uint64_t id;
	uint64_t build; /* the last diagnosis (live.gen) that made it */
	uint64_t count; /* as last printed */
	enum severity severity;
	uint64_t printed_ns; /* when last printed (0: not yet) */
	bool printed, changed;
	bool held;                 /* missing_path: for the window's report */
	const char *class, *cause; /* the finders' static names, for a withdrawn line */
};

/* Findings established since the start, by class, cause and severity (for --metrics). */
struct live_tally {
	char class[32], cause[48];
	enum severity severity;
	uint64_t count;
};

struct live {
	FILE *out;        /* stdout; NULL: live findings off */
	const char *node; /* $NODE_NAME, else the recording's hostname */
	uint64_t next_build_ns;
	uint64_t builds;         /* diagnoses run */
	uint64_t gen;            /* the current diagnosis (or window end), for live_seen.build */
	uint64_t build_ns;       /* their CPU time (thread CPU clock) */
	uint64_t last_news;      /* the caller's count of events that can make a live finding */
	uint64_t hot_until_ns;   /* diagnose until then: a finding may still come of those events */
	uint64_t next_update_ns; /* a diagnosis for the update lines, however quiet */
	struct live_seen *seen;
	size_t nseen, capseen;
	struct live_tally *tally;
	size_t ntally;
	uint64_t established, updates, withdrawn;
};

void live_init(struct live *l, FILE *out);
/* While the recorder runs: when due, diagnoses the window (its analysis so far) and prints the
 * findings that settled. news: a count of the events so far that can make a live finding (any
 * failure but ENOENT, races, ext4 errors, kernel messages); it only has to grow with them. */
void live_poll(struct live *l, const struct analysis *a, const char *recording, uint64_t news, uint64_t now_ns);
/* At rotation and at the end, with the window's ended analysis: prints what the report holds and
 * the live lines did not (missing paths; findings that settled only now), one update per finding
 * that changed since, and forgets the window. */
void live_window_end(struct live *l, const struct analysis *a, const char *recording);
void live_free(struct live *l);

/* One line of schema fstrace.finding/1 into b (no newline): EVENT "established" carries the
 * finding whole, as in the JSON report's findings[]; "update" and "withdrawn" only what changed. */
void live_line(struct jbuf *b, const struct analysis *a, const struct finding *x, const char *event, uint64_t id,
	       const char *node, const char *recording, const char *time);
/* The stable id of a finding within its window: from the node, the window's start, the class and
 * cause and the failure that speaks for it. */
uint64_t live_id(const struct analysis *a, const struct finding *x, const char *node);

#endif
