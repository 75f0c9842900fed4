/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One finding and the helpers that build it: what the finders (finders.h, one find_*.c per
 * class), the "ruled out" pass and the report share. A finding borrows the analysis's records.
 * The driver that runs the finders in order is findings.c (findings.h).
 */
#ifndef FSTRACE_FINDING_H
#define FSTRACE_FINDING_H

#include <stdbool.h>
#include <stdint.h>
#include "diagnose/analysis.h"

enum severity { SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

const char *severity_name(enum severity s);

struct finding_actor {
	bool present;
	const struct record *removal; /* the remove/rename event */
	double delta_ms;              /* failure time minus removal time (negative: queued late) */
	const struct record *cgroup;  /* the remover's container and pod (REC_CGROUP), or NULL */
};

struct finding {
	const char *class;
	const char *cause;
	enum severity severity;
	char *title;                  /* one line, names the cause (owned) */
	const struct record *failure; /* the representative failing event (syscall, mount) */
	char *first_syscall;          /* the call that failed first on that path, when not failure's */
	uint64_t count;               /* failing calls it covers */
	const char *reason;           /* the kernel's words */
	uint64_t inode;
	const struct record *device; /* a REC_DEVICE record */
	const struct record *cgroup; /* the failing task's container and pod (REC_CGROUP), or NULL */
	struct finding_actor actor;
	char **details; /* more lines of explanation (owned) */
	size_t ndetails;
	char **ruled_out; /* the other causes checked, and why each does not hold (owned) */
	size_t nruled_out;
	const struct record **evidence;
	size_t nevidence;
	const struct output_line **output; /* the command's lines about it */
	size_t noutput;
	const char *remedy;
};

struct routine_misses {
	uint64_t total;
	uint64_t search;     /* the same name tried in several directories: PATH, libraries, modules */
	uint64_t probe;      /* existence checks (stat, access, readlink) answered "no" */
	uint64_t system;     /* files a libc or loader looks for and rarely finds (locale, ld.so.preload) */
	uint64_t answers;    /* errors that are answers, not failures: mkdir EEXIST, readlink EINVAL */
	uint64_t handled;    /* misses of a command that succeeded (or of a recording, with no command) */
	uint64_t unnamed;    /* misses of a failed command that nothing it printed names */
	uint64_t forgotten;  /* the oldest misses of no kind above, summed up when memory was short
			     * (struct forgotten: by directory and process) */
	uint64_t under_load; /* misses the kernel counted by process, paths not kept, while the
			      * collector fell behind (record.h under_load) */
};

/*
 * Why the command failed, as far as the filesystem goes. Only a failure with its own evidence
 * explains it: the command's output naming the path, a failed overlay mount it printed, a race
 * that can be true, ext4 errors. A miss the output does not name is not called the cause: the
 * command may have failed for any reason (a bad package.json, no network).
 */
struct verdict {
	bool command_failed;            /* run mode, and the command exited non-zero */
	bool explained;                 /* some finding accounts for it */
	const struct record *last_miss; /* the latest unnamed miss of a process that then exited
					 * non-zero: shown, not blamed */
	int last_miss_exit;
	const struct record *last_miss_exit_rec; /* that process's exit */
};

struct findings {
	struct finding *v;
	size_t n, cap;
	struct routine_misses routine;
	struct verdict verdict;
	const struct group **other; /* failing calls no finding covers (not ENOENT): listed briefly */
	size_t nother;
	/* internal: failure groups already explained, so no class claims one twice */
	const struct group **claimed;
	size_t nclaimed, capclaimed;
	const struct record *latest_failure; /* the run's last failing call that is no answer */
};

/* For the finders (find_*.c) and ruled_out.c. */
struct finding *findings_new(struct findings *f, const char *class, const char *cause, enum severity sev);
void finding_detail(struct finding *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_rule_out(struct finding *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_title(struct finding *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_evidence(struct finding *x, const struct record *r);
/* Claims group g into x: its calls counted, its first event in the evidence and, when earliest,
 * the failure that speaks for x. */
void finding_take(struct findings *f, struct finding *x, const struct group *g);
void findings_claim(struct findings *f, const struct group *g);
bool findings_claimed(const struct findings *f, const struct group *g);
enum link_scope {
	LINK_PATH,   /* lines naming this very path */
	LINK_WITHIN, /* ... or anything under it (a removed directory) */
	LINK_MOUNT,  /* mount error lines for this mount point (or naming none) */
};
/* Links the command's output lines that speak of this path or mount. */
void finding_link_output(const struct analysis *a, struct finding *x, const char *path, enum link_scope scope);

/* A failure's own consequence: SEV_HIGH when its process then exited non-zero or the command's
 * output names it (link the output first), SEV_LOW when its process or the command exited 0 and
 * nothing names it (the error was handled), SEV_MEDIUM when the recording cannot tell. */
enum severity finding_consequence(const struct analysis *a, const struct finding *x);
/* The pod volume a kubelet path lies in ("pod <uid>, volume <plugin>/<name>") into buf; false
 * when path is not under /var/lib/kubelet/pods/<uid>/volumes/<plugin>/<name>. */
bool kubelet_volume_of(const char *path, char *buf, size_t len);
/* Whether a line of the command's output names r's failure: path (r's own when NULL), and for a
 * line of no known format r's errno too. */
bool failure_named_in_output(const struct analysis *a, const struct record *r, const char *path);
/* A failure that made its command fail rather than routine noise: the output names it; or, for a
 * call that is no search (SEARCHED: the caller's own test), it was the failed command's last
 * failure; or, for a call that is no probe either, its process then exited non-zero. */
bool failure_decisive(const struct analysis *a, const struct findings *f, const struct record *r, bool searched);

/* The earliest failing call on path, or NULL: tools name the call that reported an error, which
 * is not always the one that failed first (node-tar: a failed mkdir, then lstat). */
const struct record *first_failure_on(const struct analysis *a, const char *path);

#endif
