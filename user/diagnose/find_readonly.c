// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * read_only: a call that would write was refused EROFS, and why the filesystem was read-only at
 * that moment, from the mount state the collector took then (state_mount.c):
 *   emergency_ro   ext4 with errors=remount-ro met an error and stopped writing: the EROFS is
 *                  the corruption showing. /proc/mounts still says "rw" (6.15 on: only the
 *                  superblock's options say "emergency_ro"), so a build log blames the build.
 *   ro_mount       the mount point is read-only but its filesystem is not: a read-only bind mount
 *                  (a container's or a pod's readOnly volume) or a remount of that one mount.
 *   ro_filesystem  the filesystem itself was mounted read-only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/devices.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "diagnose/routine.h"
#include "collect/state.h"

struct ro_state {
	const struct record *mount;
	uint64_t ro, sb_ro, emergency;
	char mnt[1024], opts[512], super[1024], fstype[32], root[1024], source[512];
	uint32_t major, minor;
};

static void read_state(const struct analysis *a, const struct record *r, struct ro_state *s)
{
	memset(s, 0, sizeof(*s));
	s->mount = state_find(a, "mount", r);
	state_u64(s->mount, "ro", &s->ro);
	state_u64(s->mount, "sb_ro", &s->sb_ro);
	state_u64(s->mount, "emergency_ro", &s->emergency);
	state_str(s->mount, "mnt", s->mnt, sizeof(s->mnt));
	state_str(s->mount, "opts", s->opts, sizeof(s->opts));
	state_str(s->mount, "super", s->super, sizeof(s->super));
	state_str(s->mount, "fstype", s->fstype, sizeof(s->fstype));
	state_str(s->mount, "root", s->root, sizeof(s->root));
	state_str(s->mount, "source", s->source, sizeof(s->source));
	if (r->has_dev)
		s->major = r->dev_major, s->minor = r->dev_minor;
	else if (s->mount && s->mount->has_dev)
		s->major = s->mount->dev_major, s->minor = s->mount->dev_minor;
}

/* The first ext4 error on the device before the failure: what turned it read-only. */
static const struct record *ext4_error_before(const struct analysis *a, const struct ro_state *s,
					      const struct record *r)
{
	struct group **all = groups_sorted(&a->ext4);
	const struct record *e = NULL;

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *g = &all[i]->first;

		if (g->dev_major == s->major && g->dev_minor == s->minor && g->ts_ns <= r->ts_ns &&
		    (!e || g->ts_ns < e->ts_ns))
			e = g;
	}
	free(all);
	return e;
}

/* ext4's "Remounting filesystem read-only" line for the device, if the recording caught it. */
static const struct record *remount_message(const struct analysis *a, const struct device_info *d)
{
	char tag[64];

	if (!d || !d->name)
		return NULL;
	snprintf(tag, sizeof(tag), "(%s)", d->name);
	for (size_t i = 0; i < a->kmsgs.n; i++)
		if (strstr(a->kmsgs.v[i].msg, "read-only") && strstr(a->kmsgs.v[i].msg, tag))
			return &a->kmsgs.v[i];
	return NULL;
}

/* The error that switched it came before the recording: ext4's own record still says when. */
static void describe_earlier_error(struct finding *x, const struct device_info *d)
{
	time_t t = (time_t)d->ext4_first.time;
	char when[64] = "at a time ext4 did not record";
	struct tm tm;

	if (t && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "at %Y-%m-%d %H:%M:%S UTC", &tm);
	finding_detail(x,
		       "the kernel switched it read-only %s, at ext4's first error (in %s:%u, inode %" PRIu64
		       "; %" PRIu64 " error%s in all): before this recording, which holds no ext4 error event",
		       when, d->ext4_first.func, d->ext4_first.line, d->ext4_first.ino, d->ext4_errors_count,
		       d->ext4_errors_count == 1 ? "" : "s");
}

static const char *cause_of(const struct ro_state *s, const struct record *ext4)
{
	if (s->emergency || (ext4 && (s->sb_ro || !s->mount)))
		return "emergency_ro"; /* before 6.15 ext4 set the superblock itself read-only */
	if (!s->mount)
		return "unknown";
	if (s->ro && !s->sb_ro)
		return "ro_mount";
	if (s->sb_ro)
		return "ro_filesystem";
	return "unknown";
}

static void describe(const struct analysis *a, struct finding *x, const struct ro_state *s,
		     const struct record *ext4, const struct device_info *d)
{
	const struct record *r = x->failure, *msg;
	const char *at = s->mnt[0] ? s->mnt : d && d->mountpoint ? d->mountpoint : "?";
	char kube[512];

	if (!strcmp(x->cause, "emergency_ro")) {
		finding_title(x,
			      "%s (ext4%s%s) went read-only after an ext4 error (errors=remount-ro): %s failed "
			      "EROFS on %s",
			      at, d && d->name ? " on " : "", d && d->name ? d->name : "", r->syscall, r->path);
		if (ext4)
			finding_detail(x,
				       "the kernel switched it read-only at the ext4 error in %s:%u (pid %u, %s), "
				       "%.1f ms before this call",
				       ext4->func ? ext4->func : "?", ext4->line, ext4->pid, ext4->comm,
				       (double)(r->ts_ns - ext4->ts_ns) / 1e6);
		else if (d && d->has_ext4 && d->ext4_first.func)
			describe_earlier_error(x, d);
		if (s->mount && !s->ro)
			finding_detail(x,
				       "/proc/mounts still says rw (%s); only the superblock's options say "
				       "emergency_ro: %s",
				       s->opts, s->super);
		if (ext4) {
			finding_evidence(x, ext4);
			finding_detail(x,
				       "the cause is the damage (the fs_corruption finding on %u:%u): read-only "
				       "is ext4 protecting what is left",
				       s->major, s->minor);
		}
		if ((msg = remount_message(a, d)))
			finding_evidence(x, msg);
	} else if (!strcmp(x->cause, "ro_mount")) {
		finding_title(x, "%s is a read-only mount (%s) of a writable %s filesystem: %s failed EROFS on %s",
			      at, s->opts, s->fstype[0] ? s->fstype : "?", r->syscall, r->path);
		if (strcmp(s->root, "/"))
			finding_detail(x, "a bind mount of %s, from the filesystem on %s", s->root,
				       s->source[0] ? s->source : "?");
		finding_detail(x, "the filesystem itself is rw (%s): only this mount refuses writes", s->super);
	} else if (!strcmp(x->cause, "ro_filesystem")) {
		finding_title(x, "%s (%s) is mounted read-only: %s failed EROFS on %s", at,
			      s->fstype[0] ? s->fstype : "?", r->syscall, r->path);
		finding_detail(x, "the mount's options: %s; the superblock's: %s", s->opts, s->super);
	} else {
		finding_title(x, "%s failed EROFS on %s (the mount's state was not recorded)", r->syscall,
			      r->path);
	}
	if (d && d->name && d->backing_file)
		finding_detail(x, "%s is a loop device on %s", d->name, d->backing_file);
	if (kubelet_volume_of(s->mnt[0] ? s->mnt : r->path, kube, sizeof(kube)))
		finding_detail(x, "%s", kube);
}

void find_readonly(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);
	size_t first = f->n; /* this class's findings start here */

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first, *ext4, *devrec;
		struct finding probe = {}, *x = NULL;
		struct ro_state s;
		const char *cause;

		if (r->err != EROFS || findings_claimed(f, all[i]))
			continue;
		read_state(a, r, &s);
		ext4 = ext4_error_before(a, &s, r);
		cause = cause_of(&s, ext4);
		/* Handled (exited 0, named by nothing), or only asked (access(W_OK) answers EROFS on a
		 * read-only mount: make's and autoconf's checks for a writable place): no finding. */
		probe.failure = r;
		finding_link_output(a, &probe, r->path, LINK_PATH);
		if (finding_consequence(a, &probe) == SEV_LOW || (routine_probe(r->syscall) && !probe.noutput)) {
			free(probe.output);
			continue;
		}
		findings_claim(f, all[i]);
		/* One finding per mount and cause. */
		for (size_t k = first; k < f->n && !x; k++) {
			const struct record *m = state_find(a, "mount", f->v[k].failure);
			char mnt[1024] = "";

			state_str(m, "mnt", mnt, sizeof(mnt));
			if (!strcmp(f->v[k].cause, cause) && !strcmp(mnt, s.mnt) &&
			    f->v[k].failure->dev_major == r->dev_major &&
			    f->v[k].failure->dev_minor == r->dev_minor)
				x = &f->v[k];
		}
		if (x) {
			enum severity sev = finding_consequence(a, &probe);

			x->count += all[i]->count;
			finding_evidence(x, r);
			finding_link_output(a, x, r->path, LINK_PATH);
			if (sev > x->severity)
				x->severity = sev;
			free(probe.output);
			continue;
		}
		free(probe.output);
		if (!(x = findings_new(f, "read_only", cause, SEV_MEDIUM)))
			break;
		x->failure = r;
		x->count = all[i]->count;
		devrec = s.major ? analysis_device(a, s.major, s.minor) : NULL;
		x->device = devrec;
		finding_evidence(x, r);
		if (s.mount)
			finding_evidence(x, s.mount);
		finding_link_output(a, x, r->path, LINK_PATH);
		x->severity = finding_consequence(a, x);
		describe(a, x, &s, ext4, devrec ? devrec->device : NULL);
		x->remedy = remedy_for(x->class, x->cause, devrec);
	}
	free(all);
}
