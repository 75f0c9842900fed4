// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The other failures that made a command fail, so none goes unexplained:
 *   cross_device  EXDEV: a rename or link between two mounts (a package cache on one volume,
 *                 node_modules on another), both named from the "mount" state
 *   busy          EBUSY, ETXTBSY: a mount point in use, a binary being written while it runs
 *   stale         ESTALE, ENOTCONN: an NFS handle gone stale, a FUSE daemon gone away
 *   unknown       anything else, with its errno and the kernel's text
 * Each only when decisive: the output names it, or it was the last failure of a process that then
 * exited non-zero; never for an error the process got past.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "diagnose/routine.h"
#include "collect/state.h"

static const char *class_of(int err, const char **cause)
{
	switch (err) {
	case EXDEV:
		*cause = "different_mounts";
		return "cross_device";
	case EBUSY:
		*cause = "in_use";
		return "busy";
	case ETXTBSY:
		*cause = "text_busy";
		return "busy";
	case ESTALE:
		*cause = "stale_handle";
		return "stale";
	case ENOTCONN:
		*cause = "disconnected";
		return "stale";
	default:
		*cause = "unexplained";
		return "unknown";
	}
}

/* "MNT (FSTYPE SOURCE)" from the state's keys with prefix. */
static bool mount_of(const struct record *s, const char *prefix, char *buf, size_t len)
{
	char key[32], mnt[1024], fstype[64] = "?", source[1024] = "?";

	snprintf(key, sizeof(key), "%smnt", prefix);
	if (!state_str(s, key, mnt, sizeof(mnt)))
		return false;
	snprintf(key, sizeof(key), "%sfstype", prefix);
	state_str(s, key, fstype, sizeof(fstype));
	snprintf(key, sizeof(key), "%ssource", prefix);
	state_str(s, key, source, sizeof(source));
	snprintf(buf, len, "%s (%s %s)", mnt, fstype, source);
	return true;
}

static void explain(const struct analysis *a, struct finding *x)
{
	const struct record *r = x->failure, *s = state_find(a, "mount", r);
	const char *e = errno_name(r->err), *text = strerrordesc_np(r->err);
	char m1[2200] = "", m2[2200] = "";
	bool have1 = s && mount_of(s, "", m1, sizeof(m1)), have2 = s && mount_of(s, "to_", m2, sizeof(m2));
	char fstype[64] = "", mnt[1024] = "";
	const char *server =
		s && state_str(s, "fstype", fstype, sizeof(fstype)) ? state_mount_server(fstype) : NULL;
	/* FUSE answers ENOTCONN once its connection is aborted: the daemon exited or was killed (or
	 * someone wrote to /sys/fs/fuse/connections/N/abort), and the mount stays behind. */
	bool gone = r->err == ENOTCONN && server;

	if (!strcmp(x->class, "cross_device") && have1 && have2)
		finding_title(x, "%s EXDEV %s -> %s: from %s to %s, two mounts a rename cannot cross", r->syscall,
			      r->path, r->path2 ? r->path2 : "?", m1, m2);
	else if (!strcmp(x->class, "cross_device"))
		finding_title(x, "%s EXDEV %s -> %s: source and target are on different mounts", r->syscall,
			      r->path, r->path2 ? r->path2 : "?");
	else if (have1 && gone)
		finding_title(x, "%s %s %s: %s, on %s, whose %s", r->syscall, e, r->path, text ? text : e, m1,
			      !strcmp(server, "fuse") ? "FUSE daemon is gone" : "server connection is gone");
	else if (have1)
		finding_title(x, "%s %s %s: %s, on %s", r->syscall, e, r->path, text ? text : e, m1);
	else
		finding_title(x, "%s %s %s: %s", r->syscall, e, r->path, text ? text : e);
	if (s && r->err == ETXTBSY) {
		char pid[24], comm[64] = "?";

		if (state_str(s, "runner_pid", pid, sizeof(pid))) {
			state_str(s, "runner_comm", comm, sizeof(comm));
			finding_detail(x, "pid %s (%s) was running it when the call failed", pid, comm);
		}
	}
	if (gone && state_str(s, "mnt", mnt, sizeof(mnt)) && !strcmp(server, "fuse"))
		finding_detail(x,
			       "%s is a FUSE mount whose connection to its daemon was aborted: the daemon "
			       "exited or was killed, and the kernel fails every call on the mount with ENOTCONN "
			       "until it is unmounted",
			       mnt);
	else if (gone && *mnt)
		finding_detail(x,
			       "%s is a network filesystem (%s) that lost its connection: every call on it "
			       "fails ENOTCONN until it reconnects or is unmounted",
			       mnt, fstype);
	if (r->has_dev)
		finding_detail(x, "device %u:%u", r->dev_major, r->dev_minor);
	if (!strcmp(x->class, "unknown"))
		finding_detail(
			x,
			"fstrace has no rule for %s; it is listed because the output names it or its process failed right after it",
			e);
	x->remedy = remedy_for(x->class, x->cause, NULL);
}

/* Each process's latest failing call, by pid: an open-addressing table built once per report. */
struct latest {
	uint32_t pid;
	uint64_t ts_ns;
};

static struct latest *latest_by_pid(struct group **all, size_t n, size_t *cap)
{
	struct latest *t;

	*cap = n * 2 + 1;
	if (!(t = calloc(*cap, sizeof(*t))))
		return NULL;
	for (size_t i = 0; all[i]; i++) {
		const struct record *r = all[i]->last;
		uint32_t pid = r->pid ? r->pid : UINT32_MAX; /* 0 marks a free slot */
		size_t j;

		for (j = (pid * 2654435761u) % *cap; t[j].pid && t[j].pid != pid; j = (j + 1) % *cap)
			;
		t[j].pid = pid;
		if (r->ts_ns > t[j].ts_ns)
			t[j].ts_ns = r->ts_ns;
	}
	return t;
}

/* r is its process's latest failing call (any errno), and that process then exited non-zero:
 * what it died of, rather than one of the many errors a program meets and gets past (npm's rmdir
 * ENOTEMPTY while it cleans up, mv's rename EXDEV before it copies). */
static bool last_before_failing_exit(const struct analysis *a, const struct latest *t, size_t cap,
				     const struct record *r)
{
	uint32_t pid = r->pid ? r->pid : UINT32_MAX;
	size_t j;

	if (!t || analysis_exit_status(a, r) <= 0)
		return false;
	/* A system-wide recording has no command: a daemon's exit status is no command failing. */
	if (!a->h.argc)
		return false;
	for (j = (pid * 2654435761u) % cap; t[j].pid && t[j].pid != pid; j = (j + 1) % cap)
		;
	return t[j].pid == pid && t[j].ts_ns <= r->ts_ns;
}

void find_other(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);
	size_t cap = 0;
	struct latest *latest = all ? latest_by_pid(all, a->calls.count, &cap) : NULL;

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first;
		const char *cause, *class = class_of(r->err, &cause);
		struct finding *x;

		/* ENOSPC, EDQUOT, EROFS and the I/O errors have finders of their own, which run first:
		 * one that made no finding of such a failure (the command got past it) had its reason. */
		if (findings_claimed(f, all[i]) || r->type != REC_SYSCALL || !r->path || r->err == ENOENT ||
		    r->err == EACCES || r->err == EPERM || routine_answer(r) || r->err == ENOSPC ||
		    r->err == EDQUOT || r->err == EROFS || r->err == EIO || r->err == EUCLEAN || r->err == EBADMSG)
			continue;
		if (!failure_named_in_output(a, r, NULL) &&
		    !(r->path2 && failure_named_in_output(a, r, r->path2)) &&
		    !last_before_failing_exit(a, latest, cap, all[i]->last))
			continue;
		findings_claim(f, all[i]);
		if (!(x = findings_new(f, class, cause, SEV_MEDIUM)))
			break;
		x->failure = r;
		x->count = all[i]->count;
		finding_evidence(x, r);
		explain(a, x);
		finding_link_output(a, x, r->path, LINK_PATH);
		if (r->path2)
			finding_link_output(a, x, r->path2, LINK_PATH);
	}
	free(latest);
	free(all);
}
