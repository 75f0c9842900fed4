// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * no_space: a call that needed a block or an inode was refused ENOSPC (or EDQUOT), and what ran
 * out, from the statfs and mount states the collector took at that moment (state_space.c,
 * state_mount.c). The usual puzzle: `df -h` says 1% used, because an ext4 made with few inodes
 * (or a tmpfs with nr_inodes=) ran out of inodes, not blocks; or root still had reserved blocks
 * that a non-root build could not use. Read later, df says nothing: the build has cleaned up.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/devices.h"
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "collect/state.h"

struct space {
	const struct record *statfs, *mount;
	bool have; /* statfs numbers */
	uint64_t bsize, blocks, bfree, bavail, files, ffree;
	uint64_t ext4_resv; /* ext4's own reserve, in clusters (0: unknown or not ext4) */
	char fstype[32], mnt[1024], super[1024];
	char upper[1024], upper_mnt[1024], upper_fstype[32], upper_super[1024]; /* an overlay's */
	uint32_t major, minor;
};

static void read_space(const struct analysis *a, const struct record *r, struct space *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->statfs = state_find(a, "statfs", r);
	sp->mount = state_find(a, "mount", r);
	sp->have = state_u64(sp->statfs, "blocks", &sp->blocks) && state_u64(sp->statfs, "bfree", &sp->bfree) &&
		   state_u64(sp->statfs, "bavail", &sp->bavail) && state_u64(sp->statfs, "files", &sp->files) &&
		   state_u64(sp->statfs, "ffree", &sp->ffree);
	if (!state_u64(sp->statfs, "bsize", &sp->bsize))
		sp->bsize = 0;
	if (!state_u64(sp->statfs, "ext4_resv", &sp->ext4_resv))
		sp->ext4_resv = 0;
	state_str(sp->mount, "fstype", sp->fstype, sizeof(sp->fstype));
	state_str(sp->mount, "mnt", sp->mnt, sizeof(sp->mnt));
	state_str(sp->mount, "super", sp->super, sizeof(sp->super));
	state_str(sp->mount, "upper", sp->upper, sizeof(sp->upper));
	state_str(sp->mount, "upper_mnt", sp->upper_mnt, sizeof(sp->upper_mnt));
	state_str(sp->mount, "upper_fstype", sp->upper_fstype, sizeof(sp->upper_fstype));
	state_str(sp->mount, "upper_super", sp->upper_super, sizeof(sp->upper_super));
	if (sp->statfs && sp->statfs->has_dev)
		sp->major = sp->statfs->dev_major, sp->minor = sp->statfs->dev_minor;
	else if (sp->mount && sp->mount->has_dev)
		sp->major = sp->mount->dev_major, sp->minor = sp->mount->dev_minor;
	else if (r->has_dev)
		sp->major = r->dev_major, sp->minor = r->dev_minor;
}

static const char *option(const char *list, const char *key, char *buf, size_t len);

/* ext4's resuid=/resgid=: that user or group may use root's reserve, so it did not stop them. */
static bool may_use_reserve(const struct record *r, const struct space *sp)
{
	char v[32];

	return (option(sp->super, "resuid", v, sizeof(v)) && strtoul(v, NULL, 10) == r->uid) ||
	       (option(sp->super, "resgid", v, sizeof(v)) && strtoul(v, NULL, 10) == r->gid);
}

/* What ran out. Blocks are the default only when statfs says so; without it, "unknown". */
static const char *cause_of(const struct record *r, const struct space *sp)
{
	if (r->err == EDQUOT)
		return "quota";
	if (!strcmp(sp->fstype, "tmpfs"))
		return "tmpfs";
	if (!strcmp(sp->fstype, "overlay"))
		return "overlay_upper"; /* overlay's statfs is its upper filesystem's */
	if (!sp->have)
		return "unknown";
	if (sp->files && !sp->ffree)
		return "inodes";
	/* ext4 keeps 5% for root by default: a non-root caller sees ENOSPC while df shows free space. */
	if (!sp->bavail && sp->bfree > sp->ext4_resv && r->has_uid && r->uid != 0 && !may_use_reserve(r, sp))
		return "reserved";
	return "blocks";
}

static unsigned pct_used(uint64_t total, uint64_t free)
{
	return total ? (unsigned)(((total - (free > total ? total : free)) * 100 + total - 1) / total) : 0;
}

/* As df shows it: used over what a non-root user could have, rounded up (root's reserve hidden). */
static unsigned pct_blocks(const struct space *sp)
{
	uint64_t used = sp->blocks > sp->bfree ? sp->blocks - sp->bfree : 0;

	return pct_used(used + sp->bavail, sp->bavail);
}

/* "12.3 MiB" */
static void human(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

/* The value of an option ("size") in a comma-separated list, or NULL. */
static const char *option(const char *list, const char *key, char *buf, size_t len)
{
	size_t n = strlen(key);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l > n && !strncmp(p, key, n) && p[n] == '=') {
			snprintf(buf, len, "%.*s", (int)(l - n - 1), p + n + 1);
			return buf;
		}
		p = end ? end + 1 : p + l;
	}
	return NULL;
}

static const char *where(const struct space *sp, const struct device_info *d)
{
	if (sp->mnt[0])
		return sp->mnt;
	return d && d->mountpoint ? d->mountpoint : "the filesystem";
}

static void title(struct finding *x, const struct space *sp, const struct device_info *d)
{
	const char *at = where(sp, d), *fs = sp->fstype[0] ? sp->fstype : d && d->fstype ? d->fstype : "?";
	char free_b[32], size[32], nr[32];
	const char *c = x->cause;

	human(sp->bfree * sp->bsize, free_b, sizeof(free_b));
	if (!strcmp(c, "inodes"))
		finding_title(x,
			      "%s (%s) ran out of inodes: %" PRIu64 " of %" PRIu64 " inodes used, %u%% of blocks; "
			      "%s failed ENOSPC on %s",
			      at, fs, sp->files - sp->ffree, sp->files, pct_blocks(sp), x->failure->syscall,
			      x->failure->path);
	else if (!strcmp(c, "blocks"))
		finding_title(x,
			      "%s (%s) ran out of blocks: %u%% of blocks used (%s free), %" PRIu64 " of %" PRIu64
			      " inodes used; %s failed ENOSPC on %s",
			      at, fs, pct_blocks(sp), free_b, sp->files - sp->ffree, sp->files,
			      x->failure->syscall, x->failure->path);
	else if (!strcmp(c, "reserved"))
		finding_title(x,
			      "%s (%s) has only root's reserved blocks left (%s free, none for uid %u): %s "
			      "failed ENOSPC on %s",
			      at, fs, free_b, x->failure->uid, x->failure->syscall, x->failure->path);
	else if (!strcmp(c, "quota"))
		finding_title(x, "uid %u's disk quota on %s (%s) is used up: %s failed EDQUOT on %s",
			      x->failure->uid, at, fs, x->failure->syscall, x->failure->path);
	else if (!strcmp(c, "tmpfs"))
		finding_title(x, "tmpfs %s is full (size=%s, nr_inodes=%s): %s; %s failed ENOSPC on %s", at,
			      option(sp->super, "size", size, sizeof(size)) ? size : "?",
			      option(sp->super, "nr_inodes", nr, sizeof(nr)) ? nr : "?",
			      sp->have && sp->files && !sp->ffree ? "every inode used" : "every block used",
			      x->failure->syscall, x->failure->path);
	else if (!strcmp(c, "overlay_upper"))
		finding_title(
			x,
			"the overlay at %s: its upper layer's filesystem (%s%s%s) is full (%u%% of blocks, %" PRIu64
			" of %" PRIu64 " inodes used); %s failed ENOSPC on %s",
			at, sp->upper_fstype[0] ? sp->upper_fstype : "?", sp->upper_mnt[0] ? " at " : "",
			sp->upper_mnt, pct_blocks(sp), sp->files - sp->ffree, sp->files, x->failure->syscall,
			x->failure->path);
	else
		finding_title(x, "no space left on %s: %s failed ENOSPC on %s (how full it was was not recorded)",
			      at, x->failure->syscall, x->failure->path);
}

static void details(struct finding *x, const struct space *sp, const struct device_info *d)
{
	char free_b[32], avail[32], total[32], kube[512];

	if (sp->have) {
		human(sp->bfree * sp->bsize, free_b, sizeof(free_b));
		human(sp->bavail * sp->bsize, avail, sizeof(avail));
		human(sp->blocks * sp->bsize, total, sizeof(total));
		finding_detail(x,
			       "at the moment of the failure: blocks %s free of %s (%s available to non-root, "
			       "%u%% used), inodes %" PRIu64 " free of %" PRIu64 " (%u%% used)",
			       free_b, total, avail, pct_blocks(sp), sp->ffree, sp->files,
			       pct_used(sp->files, sp->ffree));
		if (!strcmp(x->cause, "inodes") || (!strcmp(x->cause, "tmpfs") && sp->files && !sp->ffree))
			finding_detail(x, "df -h shows blocks only (%u%% used here): df -i shows the inodes",
				       pct_blocks(sp));
		if (sp->ext4_resv && sp->bfree && sp->bfree <= sp->ext4_resv && !sp->bavail)
			finding_detail(x,
				       "the %" PRIu64 " blocks still free are ext4's own reserve for its metadata "
				       "(%" PRIu64 " clusters), which no caller gets",
				       sp->bfree, sp->ext4_resv);
		if (!strcmp(x->cause, "reserved"))
			finding_detail(x,
				       "the caller was uid %u, not root: the %s still free are reserved for root",
				       x->failure->uid, free_b);
	}
	if (sp->super[0] && !strcmp(x->cause, "tmpfs"))
		finding_detail(x, "%s's options: %s", sp->fstype, sp->super);
	if (!strcmp(x->cause, "overlay_upper") && sp->upper[0])
		finding_detail(x, "the upper layer %s is on %s %s (options %s)", sp->upper,
			       sp->upper_fstype[0] ? sp->upper_fstype : "?",
			       sp->upper_mnt[0] ? sp->upper_mnt : "?", sp->upper_super[0] ? sp->upper_super : "?");
	if (d && d->name && d->backing_file)
		finding_detail(x, "%s is a loop device on %s", d->name, d->backing_file);
	if (kubelet_volume_of(sp->mnt[0] ? sp->mnt : x->failure->path, kube, sizeof(kube)))
		finding_detail(x, "%s", kube);
}

static bool same_fs(const struct space *p, const struct space *q)
{
	return p->major == q->major && p->minor == q->minor && !strcmp(p->mnt, q->mnt);
}

void find_nospace(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->calls);
	struct space *spaces = NULL; /* each no_space finding's, by its index in f->v */
	size_t nspaces = 0;

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first, *devrec;
		struct finding probe = {}, *x = NULL;
		struct space sp;
		const char *cause;

		if ((r->err != ENOSPC && r->err != EDQUOT) || findings_claimed(f, all[i]))
			continue;
		read_space(a, r, &sp);
		cause = cause_of(r, &sp);
		/* A call whose process exited 0 and whose output names nothing was handled (a probe
		 * for space, a fallback elsewhere): no finding, it stays among the other failed calls. */
		probe.failure = r;
		finding_link_output(a, &probe, r->path, LINK_PATH);
		if (finding_consequence(a, &probe) == SEV_LOW) {
			free(probe.output);
			continue;
		}
		for (size_t k = 0; k < nspaces && !x; k++)
			if (spaces[k].statfs != (void *)-1 && same_fs(&spaces[k], &sp) &&
			    !strcmp(f->v[k].cause, cause) && !strcmp(f->v[k].class, "no_space"))
				x = &f->v[k];
		findings_claim(f, all[i]);
		if (x) {
			x->count += all[i]->count;
			finding_evidence(x, r);
			finding_link_output(a, x, r->path, LINK_PATH);
			if (finding_consequence(a, &probe) > x->severity)
				x->severity = finding_consequence(a, &probe);
			free(probe.output);
			continue;
		}
		free(probe.output);
		if (!(x = findings_new(f, "no_space", cause, SEV_MEDIUM)))
			break;
		/* Remember this finding's filesystem at its index; other classes' slots stay unused. */
		if (f->n > nspaces) {
			struct space *v = realloc(spaces, f->n * sizeof(*v));

			if (!v)
				break;
			for (size_t k = nspaces; k < f->n; k++)
				v[k].statfs = (void *)-1;
			spaces = v;
			nspaces = f->n;
		}
		spaces[f->n - 1] = sp;
		x->failure = r;
		x->count = all[i]->count;
		devrec = sp.major ? analysis_device(a, sp.major, sp.minor) : NULL;
		x->device = devrec;
		finding_evidence(x, r);
		if (sp.statfs)
			finding_evidence(x, sp.statfs);
		if (sp.mount)
			finding_evidence(x, sp.mount);
		finding_link_output(a, x, r->path, LINK_PATH);
		x->severity = finding_consequence(a, x);
		title(x, &sp, devrec ? devrec->device : NULL);
		details(x, &sp, devrec ? devrec->device : NULL);
		x->remedy = remedy_for(x->class, x->cause, devrec);
	}
	free(spaces);
	free(all);
}
