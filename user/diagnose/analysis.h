/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Correlate, part two: everything a report rests on, gathered from the kept events in one pass
 * (live, or read back from a recording: the same records either way). Findings (findings.h) are
 * drawn from it when the report is written.
 */
#ifndef FSTRACE_ANALYSIS_H
#define FSTRACE_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>
#include "diagnose/groups.h"
#include "lib/json.h"
#include "diagnose/output_match.h"
#include "recording/record.h"
#include "recording/recording.h"

#define ANALYSIS_TAIL_LINES 5 /* the command's last lines kept, per stream */
#define ANALYSIS_TALLY 16     /* directories and processes named in what was forgotten */

/* The routine failures the analysis forgot to stay in bounded memory (analysis_evict.c). */
struct forgotten {
	uint64_t calls, groups;                 /* failing calls, and distinct ones */
	uint64_t probe, system, answers, other; /* by kind, in calls */
	struct tally {
		char name[64];
		size_t len; /* of name */
		uint64_t count;
	} dirs[ANALYSIS_TALLY], comms[ANALYSIS_TALLY];
};

struct record_list {
	struct record *v;
	size_t n, cap;
	uint64_t dropped; /* past the list's bound */
};

struct output_line {
	struct record rec;     /* REC_OUTPUT: data = stream, msg = the line */
	struct output_match m; /* what the line says */
};

struct analysis {
	struct recording_header h;
	uint64_t events, lost;
	int exit_code; /* -1: none (record mode) */
	char *ended;
	bool truncated;
	struct group_table calls; /* failing calls, by "syscall errno path path2" */
	struct jbuf key;          /* the key of the call being added */
	struct jbuf ancestor;     /* its path, cut back one component at a time (race_on_failure) */
	/* Removals and renames-away, by the path that went away: only recent ones can explain a
	 * failure, so two generations, the older dropped when the newer fills up. */
	struct group_table removals, removals_old;
	struct group_table races;      /* by a failing call's key (as in calls): in `first`, the removal
				      * of its path or an ancestor by another process closest in time */
	struct recent_failure {        /* the latest vanished-path failures, for removals queued after */
		struct jbuf key, path; /* reused slot after slot: no allocation per failure */
		bool used;
		uint32_t pid;
		uint64_t ts_ns;
	} recent[256];
	unsigned next_recent;
	uint64_t last_removal_ns;            /* the latest removal's time: no walk for failures long after */
	struct group_table ext4;             /* ext4 errors, by "dev func line" */
	struct group_table execs;            /* programs run, by base name, the latest in `last`: what a PATH
				      * search found in the end (bounded: ANALYSIS_MAX_EXECS names) */
	struct group_table workdirs;         /* the directories programs of the run started in (exec's cwd):
				      * where it worked, though its successful writes are not traced */
	struct group_table exits, exits_old; /* traced processes' exits, by pid (two generations, as
					      * removals): did they handle their misses? */
	struct record_list mounts;           /* failing mount-family calls */
	struct record_list removal_sums;     /* removals the kernel held and summed up (record.summary) */
	struct record_list layers;           /* what each failing overlay mount's layers sat on */
	struct record_list kmsgs;            /* filesystem kernel messages */
	struct record_list devices;          /* the latest description of each device */
	struct record_list cgroups;          /* the latest description of each cgroup id (container, pod) */
	struct output_line *outputs;         /* the command's lines that name a failure */
	size_t noutputs;
	uint64_t output_lines; /* all lines the command printed */
	/* Its last lines, stderr's and stdout's apart: when no filesystem failure explains a failed
	 * command, they are what does. A ring each; tail_n[s] lines seen in all. */
	struct record tail[2][ANALYSIS_TAIL_LINES];
	uint64_t tail_n[2];
	struct record_list notes;   /* things the recorder could not do (e.g. no kubectl), as msg */
	struct record_list states;  /* REC_STATE: the machine at the moment of a failure (state.h) */
	struct record pod;          /* the pod fstrace ran in (REC_POD; type REC_NONE: not in one) */
	struct forgotten forgotten; /* the oldest routine failures, summed up when memory was short */
	uint64_t under_load;        /* misses the kernel folded by process while the ring filled */
	uint64_t over_limit;        /* failing calls dropped although worth keeping, when nothing routine
				      * was left to forget (analysis_make_room) */
	struct thread_seen {        /* each thread's latest event: when its next call began at the earliest */
		uint32_t tid;
		uint64_t ts_ns;
	} * threads; /* ANALYSIS_THREADS slots */
};

/* Memory stays bounded however long the run: past these many distinct failing calls the oldest
 * routine ones are summed up and forgotten (analysis_make_room). */
#define ANALYSIS_MAX_CALLS 32768
#define ANALYSIS_MAX_REMOVALS 8192 /* per generation */
#define ANALYSIS_MAX_REMOVAL_SUMS 1024
#define ANALYSIS_MAX_EXITS 16384
#define ANALYSIS_MAX_EXECS 4096
#define ANALYSIS_MAX_WORKDIRS 1024
#define ANALYSIS_THREADS 65536

/* Forgets the oldest routine failing calls until the table has 256 free slots. */
void analysis_make_room(struct analysis *a);
struct analysis *analysis_new(const struct recording_header *h);
void analysis_add(struct analysis *a, const struct record *r);
void analysis_end(struct analysis *a, uint64_t events, uint64_t lost, int exit_code, const char *ended,
		  bool truncated);
void analysis_free(struct analysis *a);

/* The command's last lines on stderr (STDERR true) or stdout, oldest first; how many in *n. */
const struct record *analysis_tail(const struct analysis *a, bool stderr_stream, size_t i, size_t *n);
/* How the process that made r exited after it (0 = success), or -1 when unknown. */
int analysis_exit_status(const struct analysis *a, const struct record *r);
/* Whether a program of path's base name was run after r: a PATH search that found it elsewhere. */
bool analysis_ran_later(const struct analysis *a, const struct record *r);
/* That exit's own record, or NULL. */
const struct record *analysis_exit(const struct analysis *a, const struct record *r);
/* The latest description of a device, or NULL. */
const struct record *analysis_device(const struct analysis *a, uint32_t major, uint32_t minor);
/* The description of a cgroup id (a REC_CGROUP record), or NULL. */
const struct record *analysis_cgroup(const struct analysis *a, uint64_t cgroup_id);

/* A summary of removals the kernel held (record.summary) by a process that was removing paths
 * under path's directory around ts_ns, within the window a removal could explain a failure
 * (fs_rules.h): which paths it removed is not known, so nothing can be ruled out. NULL if none. */
const struct record *analysis_summed_removal(const struct analysis *a, const char *path, uint64_t ts_ns);

#endif
