// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * permission: EACCES and EPERM that made a command fail, and who refused: the path component whose
 * owner, group and mode refuse the caller's uid and gid, a noexec mount under an execve, an
 * immutable inode (chattr +i) under a write or unlink. The facts come from the "access" state the
 * collector took the moment the call failed (state_access.c).
 *
 * Most EACCES are routine: a shell looking for `cat` stat()s it in every PATH directory, and as an
 * unprivileged user gets EACCES from the ones under /root; that is a search the shell got past.
 * Such calls (probes, a name tried in several directories, a process that went on to succeed)
 * are counted as routine; a finding needs the output to name the path or the process to exit
 * non-zero after a call that is neither.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "host/paths.h"
#include "diagnose/routine.h"
#include "collect/state.h"

#define MAX_PAIRWISE 2048 /* failures compared by name; past this a name counts as searched */

static const char *base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The same name failing with the same errno in another directory: a search (PATH, libraries). */
static bool searched(struct group **v, size_t n, size_t i)
{
	const struct record *r = &v[i]->first;
	const char *b = base_of(r->path);
	size_t dlen = (size_t)(b - r->path);

	if (n > MAX_PAIRWISE)
		return i >= MAX_PAIRWISE;
	for (size_t j = 0; j < n; j++) {
		const struct record *o = &v[j]->first;
		const char *ob = base_of(o->path);

		if (j != i && o->err == r->err && !strcmp(ob, b) &&
		    ((size_t)(ob - o->path) != dlen || strncmp(o->path, r->path, dlen)))
			return true;
	}
	return false;
}

static struct finding *on_path(struct findings *f, const char *path)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].class, "permission") && f->v[i].failure->path &&
		    !strcmp(f->v[i].failure->path, path))
			return &f->v[i];
	return NULL;
}

static bool has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : p + strlen(p))
		if (!strncmp(p, opt, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static void mode_string(uint64_t mode, char *buf)
{
	snprintf(buf, 8, "%04llo", (unsigned long long)mode);
}

/* The cause, title and details from the state taken at the failure; "denied" when there is none. */
static void explain(const struct analysis *a, struct finding *x)
{
	const struct record *r = x->failure, *s = state_find(a, "access", r);
	char denier[4096], need[16] = "", mnt[4096] = "", fstype[64] = "", source[256] = "", opts[512] = "";
	uint64_t owner = 0, group = 0, mode = 0, imm = 0, app = 0;
	const char *e = errno_name(r->err);
	char m[8];

	if (s) {
		state_str(s, "mnt", mnt, sizeof(mnt));
		state_str(s, "fstype", fstype, sizeof(fstype));
		state_str(s, "source", source, sizeof(source));
		state_str(s, "opts", opts, sizeof(opts));
	}
	if (r->has_uid)
		finding_detail(x, "the caller: uid %u, gid %u (supplementary groups are not recorded)", r->uid,
			       r->gid);
	if (s && r->syscall && !strncmp(r->syscall, "execve", 6) && has_opt(opts, "noexec")) {
		x->cause = "noexec";
		finding_title(x, "%s %s %s: %s is mounted noexec", r->syscall, e, r->path, mnt);
	} else if (s && state_u64(s, "immutable", &imm) && imm) {
		x->cause = "immutable";
		finding_title(x, "%s %s %s: the file is immutable (chattr +i)", r->syscall, e, r->path);
	} else if (s && r->err == EPERM && state_u64(s, "append_only", &app) && app) {
		x->cause = "append_only";
		finding_title(x, "%s %s %s: the file is append-only (chattr +a)", r->syscall, e, r->path);
	} else if (s && state_str(s, "denier", denier, sizeof(denier)) && state_u64(s, "owner", &owner) &&
		   state_u64(s, "group", &group) && state_u64(s, "mode", &mode)) {
		state_str(s, "need", need, sizeof(need));
		mode_string(mode, m);
		x->cause = "mode";
		finding_title(x, "%s %s %s: %s (owner %llu, group %llu, mode %s) does not let uid %u %s it",
			      r->syscall, e, r->path, denier, (unsigned long long)owner, (unsigned long long)group,
			      m, r->uid, need);
		finding_detail(x,
			       "%s is owned by uid %llu, group %llu, mode %s; the call needed %s permission there",
			       denier, (unsigned long long)owner, (unsigned long long)group, m, need);
	} else if (r->err == EPERM) {
		x->cause = "not_permitted";
		finding_title(x, "%s %s %s: the operation is not permitted to uid %u", r->syscall, e, r->path,
			      r->uid);
	} else {
		x->cause = "denied";
		finding_title(x, "%s %s %s: permission denied%s", r->syscall, e, r->path,
			      s ? ", and no path component's mode refuses the caller (an ACL, a capability or a "
				  "security module?)"
				: " (no state was taken at the moment: an older recording)");
	}
	if (*mnt)
		finding_detail(x, "on the mount %s (%s %s, %s)", mnt, fstype, source, opts);
	x->remedy = remedy_for(x->class, x->cause, NULL);
}

void find_permission(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls), **v;
	size_t n = 0;

	if (!all)
		return;
	for (size_t i = 0; all[i]; i++)
		n++;
	if (!(v = calloc(n + 1, sizeof(*v)))) {
		free(all);
		return;
	}
	n = 0;
	for (size_t i = 0; all[i]; i++)
		if ((all[i]->first.err == EACCES || all[i]->first.err == EPERM) && all[i]->first.path &&
		    all[i]->first.type == REC_SYSCALL && !findings_claimed(f, all[i]))
			v[n++] = all[i];
	for (size_t i = 0; i < n; i++) {
		const struct record *r = &v[i]->first;
		/* A search: the name refused in several directories, or found and run after. */
		bool search = searched(v, n, i) || analysis_ran_later(a, v[i]->last);
		struct finding *x;

		if (!failure_decisive(a, f, r, search) && !failure_decisive(a, f, v[i]->last, search)) {
			findings_claim(f, v[i]);
			f->routine.total += v[i]->count;
			if (search)
				f->routine.search += v[i]->count;
			else if (routine_probe(r->syscall))
				f->routine.probe += v[i]->count;
			else
				f->routine.handled += v[i]->count;
			continue;
		}
		findings_claim(f, v[i]);
		if ((x = on_path(f, r->path))) {
			x->count += v[i]->count;
			finding_evidence(x, r);
			continue;
		}
		if (!(x = findings_new(f, "permission", "denied", SEV_MEDIUM)))
			break;
		x->failure = r;
		x->count = v[i]->count;
		finding_evidence(x, r);
		explain(a, x);
		finding_link_output(a, x, r->path, LINK_PATH);
	}
	free(v);
	free(all);
}
