// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fs_corruption: ext4 reported errors on a device, and traced calls failed on that same device
 * around them. The seed: npm's TAR_ENTRY_ERROR ENOENT on a Longhorn volume with one replica whose
 * ext4 had "deleted inode referenced" errors. A failure on another device is never blamed on it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/devices.h"
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/fs_rules.h"
#include "diagnose/remedies.h"

/* A "no such file" this close to an ext4 error on the same device is the corruption showing. */
#define NEAR_NS 2000000000ull

static bool near_ext4_error(const struct analysis *a, const struct record *r)
{
	struct group **all = groups_sorted(&a->ext4);
	bool near = false;

	for (size_t i = 0; all && all[i] && !near; i++) {
		const struct group *g = all[i];

		if (g->first.dev_major != r->dev_major || g->first.dev_minor != r->dev_minor)
			continue;
		near = r->ts_ns + NEAR_NS >= g->first.ts_ns && r->ts_ns <= g->last->ts_ns + NEAR_NS;
	}
	free(all);
	return near;
}

/* ext4's message for the device: "EXT4-fs error (device loop0): ext4_lookup:1789: inode #13: ..." */
static const struct record *ext4_message(const struct analysis *a, const struct device_info *d)
{
	char tag[64];

	if (!d || !d->name)
		return NULL;
	snprintf(tag, sizeof(tag), "(device %s)", d->name);
	for (size_t i = 0; i < a->kmsgs.n; i++)
		if (strstr(a->kmsgs.v[i].msg, "EXT4-fs error") && strstr(a->kmsgs.v[i].msg, tag))
			return &a->kmsgs.v[i];
	return NULL;
}

static uint64_t inode_in(const char *msg)
{
	const char *p = msg ? strstr(msg, "inode #") : NULL;

	return p ? strtoull(p + 7, NULL, 10) : 0;
}

static void describe_device(struct finding *x, const struct device_info *d)
{
	if (d->longhorn_volume)
		finding_detail(x, "device %u:%u is Longhorn volume %s (/dev/longhorn/%s)%s%s", d->major, d->minor,
			       d->longhorn_volume, d->longhorn_volume, d->pv ? ", PV " : "", d->pv ? d->pv : "");
	else if (d->pv)
		finding_detail(x, "device %u:%u is Kubernetes PV %s", d->major, d->minor, d->pv);
	if (d->backing_file)
		finding_detail(x, "%s is a loop device on %s", d->name, d->backing_file);
	if (d->mountpoint)
		finding_detail(x, "mounted at %s (%s)", d->mountpoint, d->fstype ? d->fstype : "?");
	if (d->has_ext4 && d->ext4_errors_count)
		finding_detail(
			x,
			"ext4's own record: %" PRIu64 " errors; first in %s:%u (inode %" PRIu64 "), last in %s:%u",
			d->ext4_errors_count, d->ext4_first.func ? d->ext4_first.func : "?", d->ext4_first.line,
			d->ext4_first.ino, d->ext4_last.func ? d->ext4_last.func : "?", d->ext4_last.line);
	if (d->has_longhorn)
		finding_detail(x, "Longhorn: %" PRId64 " replica%s, robustness %s, state %s%s",
			       d->longhorn_replicas, d->longhorn_replicas == 1 ? "" : "s",
			       d->longhorn_robustness ? d->longhorn_robustness : "?",
			       d->longhorn_state ? d->longhorn_state : "?",
			       d->longhorn_replicas == 1 ? ": a single replica, no redundancy to heal from" : "");
}

/*
 * What only the node or the cluster can say about a Longhorn volume, and the one command that
 * shows it. Inside a pod (the volume named by its mount source) the node's /dev/longhorn and
 * kubelet's paths are not there; without --kube the cluster is not asked even on the node.
 */
static void describe_unseen(struct finding *x, const struct device_info *d)
{
	const char *vol = d->longhorn_volume;
	bool inside = d->longhorn_from && !strcmp(d->longhorn_from, "mount source");

	if (!vol)
		return;
	if (!d->has_longhorn)
		finding_detail(x,
			       "not seen %s: Longhorn's replica count, node and health of the volume; from "
			       "the cluster: kubectl -n longhorn-system get volumes.longhorn.io %s -o yaml "
			       "(spec.numberOfReplicas, status.currentNodeID, status.robustness)",
			       inside ? "from inside the container" : "here", vol);
	/* A volume Longhorn provisioned carries its PV's name. */
	if (inside || !d->pv)
		finding_detail(x,
			       "not seen %s: the PV's claim and storage class; from the cluster: kubectl "
			       "get pv %s",
			       inside ? "from inside the container" : "here", d->pv ? d->pv : vol);
}

/* A write of the command refused EROFS on the device after its ext4 error: errors=remount-ro
 * turned the damage into that failure (find_readonly.c explains it; it is not claimed here). */
static bool read_only_on(const struct analysis *a, const struct record *e)
{
	struct group **all = groups_sorted(&a->calls);
	bool yes = false;

	for (size_t i = 0; all && all[i] && !yes; i++) {
		const struct record *r = &all[i]->first;

		yes = r->err == EROFS && r->has_dev && r->dev_major == e->dev_major &&
		      r->dev_minor == e->dev_minor && r->ts_ns >= e->ts_ns;
	}
	free(all);
	return yes;
}

static void collect_failures(const struct analysis *a, struct findings *f, struct finding *x,
			     const struct record *dev)
{
	struct group **all = groups_sorted(&a->calls);

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first;

		if (findings_claimed(f, all[i]) || !r->has_dev || r->dev_major != dev->dev_major ||
		    r->dev_minor != dev->dev_minor)
			continue;
		if (!fs_damage_errno(r->err) &&
		    !((r->err == ENOENT || r->err == ENOTDIR) && near_ext4_error(a, r)))
			continue;
		finding_take(f, x, all[i]);
	}
	free(all);
}

void find_corruption(const struct analysis *a, struct findings *f)
{
	struct group **all = groups_sorted(&a->ext4);

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *e = &all[i]->first, *msg, *devrec;
		const struct device_info *d;
		struct finding *x = NULL;
		uint64_t errors = 0;
		bool seen = false;

		/* One finding per device, made at its first group. */
		for (size_t k = 0; k < i && !seen; k++)
			seen = all[k]->first.dev_major == e->dev_major && all[k]->first.dev_minor == e->dev_minor;
		if (seen)
			continue;
		if (!(x = findings_new(f, "fs_corruption", "ext4_errors", SEV_CRITICAL)))
			break;
		/* The device's description can be missing from a recording cut short. */
		devrec = analysis_device(a, e->dev_major, e->dev_minor);
		d = devrec ? devrec->device
			   : &(struct device_info){ .major = e->dev_major, .minor = e->dev_minor };
		x->device = devrec;
		if (d->longhorn_volume && d->has_longhorn && d->longhorn_replicas == 1)
			x->cause = "ext4_errors_single_replica";
		msg = ext4_message(a, d);
		x->reason = msg ? msg->msg : NULL;
		x->inode = inode_in(x->reason);
		if (!x->inode && d->has_ext4)
			x->inode = d->ext4_first.ino;
		collect_failures(a, f, x, e);
		for (size_t k = 0; all[k]; k++) {
			if (all[k]->first.dev_major == e->dev_major && all[k]->first.dev_minor == e->dev_minor) {
				errors += all[k]->count;
				finding_evidence(x, &all[k]->first);
			}
		}
		if (msg)
			finding_evidence(x, msg);
		finding_title(x,
			      "ext4 on %s%s (%s, %u:%u) reported %" PRIu64 " error%s in %s:%u; %" PRIu64
			      " failing call%s on it",
			      d->longhorn_volume ? "Longhorn volume " : "",
			      d->longhorn_volume ? d->longhorn_volume
						 : (d->mountpoint ? d->mountpoint
						    : d->name     ? d->name
								  : "?"),
			      d->name ? d->name : "?", e->dev_major, e->dev_minor, errors, errors == 1 ? "" : "s",
			      e->func ? e->func : "?", e->line, x->count, x->count == 1 ? "" : "s");
		describe_device(x, d);
		describe_unseen(x, d);
		/* ext4 errors are taken from the whole machine: in a run, one on a device where none of
		 * the command's calls failed is another workload's damage, not this failure's cause. */
		if (a->h.argc && !x->count && !read_only_on(a, e)) {
			x->severity = SEV_LOW;
			finding_detail(x,
				       "no call of the command failed on this device: the filesystem is damaged, "
				       "but that did not make this command fail");
		}
		x->remedy = remedy_for(x->class, x->cause, devrec);
		if (x->failure)
			finding_link_output(a, x, x->failure->path, LINK_PATH);
	}
	free(all);
}
