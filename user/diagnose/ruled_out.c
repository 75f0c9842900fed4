// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What each finding checked besides its own cause, and why that does not hold: the seed's
 * investigators blamed Longhorn corruption, then replication, then a nested overlay for the same
 * failures over several days, for want of exactly these lines. Only what the recording shows is
 * ruled out; a cause that cannot be checked from it is left unsaid, never ruled out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdio.h>
#include "diagnose/ruled_out.h"
#include "host/paths.h"
#include "collect/state.h"

/* The latest removal or rename-away of path or an ancestor, at any time, or NULL. */
static const struct record *removal_of(const struct analysis *a, const char *path)
{
	const struct record *best = NULL;
	char *p = path && path[0] == '/' ? strdup(path) : NULL;

	while (p && *p) {
		const struct group *g = groups_find(&a->removals, p);
		char *slash;

		if (!g)
			g = groups_find(&a->removals_old, p);
		if (g && (!best || g->last->ts_ns > best->ts_ns))
			best = g->last;
		if (!(slash = strrchr(p, '/')) || slash == p)
			break;
		*slash = '\0';
	}
	free(p);
	return best;
}

static void race(const struct analysis *a, struct finding *x)
{
	const struct record *fail = x->failure, *rm;

	if (!fail || !fail->path || fail->type != REC_SYSCALL)
		return;
	if (!(rm = removal_of(a, fail->path))) {
		if (analysis_summed_removal(a, fail->path, fail->ts_ns))
			return; /* removals kept only as a count: a race cannot be ruled out */
		finding_rule_out(x,
				 "not a race: nothing removed or renamed away %s or a parent while fstrace "
				 "watched",
				 fail->path);
		return;
	}
	if (rm->ts_ns > fail->ts_ns)
		finding_rule_out(x, "not a race: %s (%s) removed %s %.1f ms after this failure, not before it",
				 rm->comm, rm->syscall ? rm->syscall : "?", rm->path,
				 (double)(rm->ts_ns - fail->ts_ns) / 1e6);
}

static void corruption(const struct analysis *a, struct finding *x)
{
	if (a->ext4.count == 0)
		finding_rule_out(x, "not corruption: no ext4 error anywhere during the run");
}

static void overlay(const struct analysis *a, struct finding *x)
{
	for (size_t i = 0; i < a->mounts.n; i++)
		if (a->mounts.v[i].fstype && !strcmp(a->mounts.v[i].fstype, "overlay"))
			return;
	finding_rule_out(x, "not a nested overlay: no overlay mount failed during the run");
}

/* What else could have made the filesystem read-only, from the mount state at the moment. */
static void read_only(const struct analysis *a, struct finding *x)
{
	const struct record *m = state_find(a, "mount", x->failure);
	uint64_t ro = 0, sb_ro = 0, emergency = 0;
	char opts[256] = "", super[512] = "";

	if (!m || !state_u64(m, "ro", &ro) || !state_u64(m, "sb_ro", &sb_ro))
		return;
	state_u64(m, "emergency_ro", &emergency);
	state_str(m, "opts", opts, sizeof(opts));
	state_str(m, "super", super, sizeof(super));
	if (!ro)
		finding_rule_out(x, "not a read-only mount: the mount's own options say rw (%s)", opts);
	if (!emergency && !a->ext4.count)
		finding_rule_out(x,
				 "not ext4's emergency read-only: the superblock's options (%s) have no "
				 "emergency_ro, and no ext4 error came",
				 super);
	if (!sb_ro && strcmp(x->cause, "emergency_ro"))
		finding_rule_out(x, "not a read-only filesystem: its superblock is rw; only this mount is ro");
}

/* What else could have run out, from the statfs state at the moment. */
static void no_space(const struct analysis *a, struct finding *x)
{
	const struct record *s = state_find(a, "statfs", x->failure);
	uint64_t files, ffree, blocks, bfree, bavail;

	if (x->failure->err == ENOSPC)
		finding_rule_out(x, "not a quota: the call failed ENOSPC; an exhausted quota says EDQUOT");
	if (!s || !state_u64(s, "files", &files) || !state_u64(s, "ffree", &ffree) ||
	    !state_u64(s, "blocks", &blocks) || !state_u64(s, "bfree", &bfree) || !state_u64(s, "bavail", &bavail))
		return;
	if (ffree)
		finding_rule_out(x, "not inodes: %" PRIu64 " of %" PRIu64 " were free", ffree, files);
	if (files && !ffree && bavail)
		finding_rule_out(x, "not blocks: %" PRIu64 " of %" PRIu64 " were free", bavail, blocks);
}

/* A permission finding: the other refusals the "access" state could have shown. */
static void permission(const struct analysis *a, struct finding *x)
{
	const struct record *s = state_find(a, "access", x->failure);
	char mnt[1024], opts[512];
	uint64_t imm = 0;

	if (!s)
		return;
	if (strcmp(x->cause, "noexec") && state_str(s, "mnt", mnt, sizeof(mnt)) &&
	    state_str(s, "opts", opts, sizeof(opts)) && !strstr(opts, "noexec") && x->failure->syscall &&
	    !strncmp(x->failure->syscall, "execve", 6))
		finding_rule_out(x, "not a noexec mount: %s is mounted %s", mnt, opts);
	if (strcmp(x->cause, "immutable") && state_u64(s, "immutable", &imm) && !imm)
		finding_rule_out(x, "not an immutable file: no chattr +i on %s", x->failure->path);
	if (strcmp(x->cause, "mode") && !state_str(s, "denier", mnt, sizeof(mnt)) && x->failure->has_uid &&
	    x->failure->uid != 0)
		finding_rule_out(x, "not the mode: every component of %s lets uid %u through", x->failure->path,
				 x->failure->uid);
}

/* An open-files finding: the process's limit or the system's, whichever it was not. */
static void open_files(const struct analysis *a, struct finding *x)
{
	const struct record *s = state_find(a, "limits", x->failure);
	uint64_t nr, max;

	for (size_t i = 0; !s && i < a->states.n; i++) /* taken once per process (state.c) */
		if (a->states.v[i].pid == x->failure->pid && a->states.v[i].syscall &&
		    !strcmp(a->states.v[i].syscall, "limits"))
			s = &a->states.v[i];

	if (x->failure->err == EMFILE && s && state_u64(s, "file_nr", &nr) && state_u64(s, "file_max", &max) &&
	    nr < max)
		finding_rule_out(x, "not the system's limit: %llu files open of fs.file-max %llu",
				 (unsigned long long)nr, (unsigned long long)max);
}

void findings_rule_out(const struct analysis *a, struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct finding *x = &f->v[i];

		if (strcmp(x->class, "enoent_race") != 0)
			race(a, x);
		/* ext4's emergency read-only is the corruption, whenever its error came */
		if (strcmp(x->class, "fs_corruption") != 0 && strcmp(x->cause, "emergency_ro") != 0)
			corruption(a, x);
		if (strcmp(x->class, "overlay_mount") != 0)
			overlay(a, x);
		if (!strcmp(x->class, "read_only") && x->failure)
			read_only(a, x);
		if (!strcmp(x->class, "no_space") && x->failure)
			no_space(a, x);
		if (!strcmp(x->class, "permission") && x->failure)
			permission(a, x);
		if (!strcmp(x->class, "limit") && x->failure &&
		    (x->failure->err == EMFILE || x->failure->err == ENFILE))
			open_files(a, x);
	}
}
