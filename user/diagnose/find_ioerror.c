// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * io_error: the kernel failed I/O under the command, which may not have been told. The seed: a
 * loop device whose backing file sat on a full tmpfs; the command wrote 60 MB into the filesystem
 * on it and exited 0, and at writeback the kernel logged "critical space allocation error, dev
 * loop0", "I/O error 3 writing to inode" and "potential data loss!" as warnings: the data was
 * gone and nothing failed. Data loss is critical whatever the command's exit code.
 *
 * One finding per device the messages name (and one for the failing EIO calls no message ties to
 * a device): cause write_lost when the messages speak of writes, backing_full when the device is
 * a loop device whose backing file's filesystem was full, fuse_daemon or network_server when the
 * failing calls' mount is FUSE or a network filesystem (no disk under it), io_error otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/devices.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "host/paths.h"
#include "collect/state.h"

#define MAX_DEVICES 16
#define EVIDENCE_MESSAGES 5

/* The kernel's words for failed I/O. */
static bool io_message(const char *m)
{
	return m && (strstr(m, "I/O error") || strstr(m, "critical space allocation error") ||
		     strstr(m, "critical medium error") || strstr(m, "critical target error") ||
		     strstr(m, "potential data loss") || strstr(m, "lost async page write") ||
		     strstr(m, "Aborting journal") || strstr(m, "blk_update_request") ||
		     !strncmp(m, "block_rq_error", 14));
}

/* ... and for failed writes, whose data the writer may believe safe. */
static bool write_message(const char *m)
{
	return strstr(m, "writing") || strstr(m, "WRITE") || strstr(m, "lost async page write") ||
	       strstr(m, "potential data loss") || strstr(m, "critical space allocation error");
}

struct io_device {
	bool has_dev;
	uint32_t major, minor;
	uint64_t messages;
	bool writes;
	bool space; /* "critical space allocation error": the layer below ran out of room */
};

static struct io_device *device_slot(struct io_device *v, size_t *n, const struct record *r)
{
	for (size_t i = 0; i < *n; i++)
		if (v[i].has_dev == r->has_dev &&
		    (!r->has_dev || (v[i].major == r->dev_major && v[i].minor == r->dev_minor)))
			return &v[i];
	if (*n == MAX_DEVICES)
		return NULL;
	v[*n] = (struct io_device){ .has_dev = r->has_dev, .major = r->dev_major, .minor = r->dev_minor };
	return &v[(*n)++];
}

/* The statfs the recorder took of a backing file (context.c), or NULL. */
static const struct record *backing_statfs(const struct analysis *a, const char *file)
{
	const struct record *found = NULL;

	for (size_t i = 0; file && i < a->states.n; i++) {
		const struct record *s = &a->states.v[i];

		if (s->syscall && !strcmp(s->syscall, "statfs") && s->path && !strcmp(s->path, file))
			found = s; /* the latest */
	}
	return found;
}

/* The failing EIO calls on the device (any device when !d->has_dev), claimed into x. */
static void collect_calls(const struct analysis *a, struct findings *f, struct finding *x,
			  const struct io_device *d)
{
	struct group **all = groups_sorted(&a->calls);

	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first;

		if (findings_claimed(f, all[i]) || r->err != EIO)
			continue;
		if (d && d->has_dev && (!r->has_dev || r->dev_major != d->major || r->dev_minor != d->minor))
			continue;
		finding_take(f, x, all[i]);
	}
	free(all);
}

static void describe_space(struct finding *x, const struct device_info *dev, const struct record *st)
{
	uint64_t bsize = 0, blocks = 0, bavail = 0;

	if (!st || !state_u64(st, "bsize", &bsize) || !state_u64(st, "blocks", &blocks) ||
	    !state_u64(st, "bavail", &bavail))
		return;
	finding_detail(x,
		       "the filesystem under %s (device %u:%u) had %" PRIu64 " of %" PRIu64 " KB free when "
		       "the errors came%s",
		       dev->backing_file, st->dev_major, st->dev_minor, bavail * bsize / 1024,
		       blocks * bsize / 1024, bavail == 0 ? ": full" : "");
	if (bavail == 0)
		x->cause = "backing_full";
}

static int by_time(const void *pa, const void *pb)
{
	const struct record *x = *(const struct record *const *)pa, *y = *(const struct record *const *)pb;

	return x->ts_ns < y->ts_ns ? -1 : x->ts_ns > y->ts_ns;
}

/* The device's first messages in time: the log reader's arrive later than console's. */
static void message_evidence(const struct analysis *a, struct finding *x, const struct io_device *d)
{
	const struct record **v = calloc(a->kmsgs.n + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return;
	for (size_t i = 0; i < a->kmsgs.n; i++) {
		const struct record *k = &a->kmsgs.v[i];

		if (io_message(k->msg) && k->has_dev == d->has_dev &&
		    (!d->has_dev || (k->dev_major == d->major && k->dev_minor == d->minor)))
			v[n++] = k;
	}
	qsort(v, n, sizeof(*v), by_time);
	if (n)
		x->reason = v[0]->msg;
	for (size_t i = 0; i < n && i < EVIDENCE_MESSAGES; i++)
		finding_evidence(x, v[i]);
	free(v);
}

/* A path under the mount point: in the command line, in a line it printed, failing in a call of
 * its tree, or the directory one of its programs started in (`cd /mnt/vol && make`). */
static bool command_names_mount(const struct analysis *a, const char *mnt)
{
	for (int i = 0; i < a->h.argc; i++)
		for (const char *p = strchr(a->h.argv[i], '/'); p; p = strchr(p + 1, '/'))
			if ((p == a->h.argv[i] || p[-1] == '=' || p[-1] == ' ') && path_is_within(p, mnt))
				return true;
	for (size_t i = 0; i < a->noutputs; i++) {
		const struct output_match *m = &a->outputs[i].m;

		if ((m->path && path_is_within(m->path, mnt)) || (m->path2 && path_is_within(m->path2, mnt)))
			return true;
	}
	for (const struct group *g = a->calls.oldest; g; g = g->newer)
		if (g->first.path && path_is_within(g->first.path, mnt))
			return true;
	for (const struct group *g = a->workdirs.oldest; g; g = g->newer)
		if (path_is_within(g->key, mnt))
			return true;
	return false;
}

/*
 * Whether the run ties the command to the device: a call of it failed there, or it names a path
 * on it. A node's recorder has no command: every I/O error on the machine is its business. Without
 * a tie, I/O errors during a run may be another tenant's: said, never called the command's loss.
 */
static bool tied_to_command(const struct analysis *a, const struct finding *x, const struct device_info *dev)
{
	if (!a->h.argc || x->count)
		return true;
	return dev && dev->mountpoint && command_names_mount(a, dev->mountpoint);
}

static const char *devnum(const struct io_device *d, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", d->major, d->minor);
	return buf;
}

/*
 * A FUSE or network filesystem's device is anonymous (major 0): no disk, no name in /sys/block, and
 * no kernel message; the mount the failing call's path sat on (its "mount" state) names it, and its
 * fstype says who answered EIO: the daemon serving it, or the server behind it. Returns that
 * ("fuse", "network") or NULL, the mount as "MNT (FSTYPE SOURCE)" in name when known.
 */
static const char *mount_of_failure(const struct analysis *a, const struct finding *x, char *name, size_t len,
				    char *mnt, size_t mntlen)
{
	const struct record *s = x->failure ? state_find(a, "mount", x->failure) : NULL;
	char fstype[64] = "?", source[1024] = "?";

	if (!s || !state_str(s, "mnt", mnt, mntlen))
		return NULL;
	state_str(s, "fstype", fstype, sizeof(fstype));
	state_str(s, "source", source, sizeof(source));
	snprintf(name, len, "%s (%s %s)", mnt, fstype, source);
	return state_mount_server(fstype);
}

static void make_finding(const struct analysis *a, struct findings *f, const struct io_device *d)
{
	const struct record *devrec = d->has_dev ? analysis_device(a, d->major, d->minor) : NULL;
	const struct device_info *dev = devrec ? devrec->device : NULL;
	const struct record *st = dev ? backing_statfs(a, dev->backing_file) : NULL;
	struct finding *x = findings_new(f, "io_error", d->writes ? "write_lost" : "io_error", SEV_CRITICAL);
	const char *server = NULL;
	char name[1200], mnt[1024] = "";

	if (!x)
		return;
	x->device = devrec;
	if (dev && dev->name)
		snprintf(name, sizeof(name), "%s (%u:%u)", dev->name, d->major, d->minor);
	else if (d->has_dev)
		snprintf(name, sizeof(name), "device %u:%u", d->major, d->minor);
	else
		snprintf(name, sizeof(name), "an unnamed device");
	collect_calls(a, f, x, d);
	message_evidence(a, x, d);
	if (!dev || !dev->name)
		server = mount_of_failure(a, x, name, sizeof(name), mnt, sizeof(mnt));
	if (server && !d->writes) {
		/* The command was told (its call failed EIO) and no writeback was lost behind its back:
		 * high, not the critical of data the kernel dropped. */
		x->cause = !strcmp(server, "fuse") ? "fuse_daemon" : "network_server";
		x->severity = SEV_HIGH;
	}
	if (dev && dev->backing_file)
		finding_detail(x, "%s is a loop device on %s", dev->name ? dev->name : name, dev->backing_file);
	if (dev && dev->mountpoint)
		finding_detail(x, "mounted at %s (%s)", dev->mountpoint, dev->fstype ? dev->fstype : "?");
	else if (*mnt && !server)
		finding_detail(x, "the failing call's path is on the mount %s", name);
	if (server && !strcmp(server, "fuse"))
		finding_detail(x,
			       "%s is a FUSE mount: no disk is under it (its device%s%s is anonymous); the EIO "
			       "was the answer of the daemon serving it, a process in user space",
			       mnt, d->has_dev ? " " : "", d->has_dev ? devnum(d, (char[24]){ 0 }, 24) : "");
	else if (server)
		finding_detail(x,
			       "%s is a network filesystem: the EIO came from its server or the connection to "
			       "it, not from a local disk",
			       mnt);
	if (dev && dev->backing_file)
		describe_space(x, dev, st);
	if (d->messages)
		finding_detail(x, "the kernel logged %" PRIu64 " I/O error message%s about it%s", d->messages,
			       d->messages == 1 ? "" : "s",
			       d->space ? ", \"critical space allocation error\" among them" : "");
	if (d->writes && !x->count)
		finding_detail(x, "no call of the command failed: the kernel wrote the data back after the calls "
				  "returned, so nothing told the command its data was lost");
	if (!tied_to_command(a, x, dev)) {
		x->severity = SEV_LOW;
		if (dev && dev->mountpoint)
			finding_detail(
				x,
				"nothing ties the command to it: no call of it failed there, none of its "
				"programs started under %s, and neither its command line nor its output names "
				"a path there",
				dev->mountpoint);
		else
			finding_detail(x, "nothing ties the command to it: no call of it failed there, and the "
					  "kernel's messages name no device fstrace could find");
	} else if (a->h.argc && a->exit_code == 0) {
		finding_detail(x, "the command exited 0, but data written may be lost: I/O errors count whatever "
				  "the exit code");
	}
	if (!strcmp(x->cause, "backing_full"))
		finding_title(x,
			      "data written to %s may be lost: its backing file %s is on a full filesystem, and "
			      "the kernel failed %s writes",
			      name, dev->backing_file, d->has_dev ? "its" : "the");
	else if (d->writes)
		finding_title(x, "data written to %s may be lost: the kernel reported write errors%s", name,
			      x->count ? " and calls failed EIO" : "");
	else if (!strcmp(x->cause, "fuse_daemon") || !strcmp(x->cause, "network_server"))
		finding_title(x, "I/O errors from the %s %s: %" PRIu64 " failing call%s",
			      !strcmp(x->cause, "fuse_daemon") ? "FUSE daemon serving" : "server behind", name,
			      x->count, x->count == 1 ? "" : "s");
	else
		finding_title(x, "I/O errors on %s: %" PRIu64 " failing call%s, %" PRIu64 " kernel message%s",
			      name, x->count, x->count == 1 ? "" : "s", d->messages, d->messages == 1 ? "" : "s");
	x->remedy = remedy_for(x->class, x->cause, devrec);
	if (x->failure)
		finding_link_output(a, x, x->failure->path, LINK_PATH);
}

void find_ioerror(const struct analysis *a, struct findings *f)
{
	struct io_device devs[MAX_DEVICES];
	size_t n = 0;
	struct group **all;

	for (size_t i = 0; i < a->kmsgs.n; i++) {
		const struct record *k = &a->kmsgs.v[i];
		struct io_device *d;

		if (!io_message(k->msg) || !(d = device_slot(devs, &n, k)))
			continue;
		d->messages++;
		d->writes |= write_message(k->msg);
		d->space |= strstr(k->msg, "critical space allocation error") != NULL;
	}
	/* Failing EIO calls on a device no message named: a finding of their own per device. */
	all = groups_sorted(&a->calls);
	for (size_t i = 0; all && all[i]; i++) {
		const struct record *r = &all[i]->first;

		if (r->err == EIO && !findings_claimed(f, all[i]))
			device_slot(devs, &n, r);
	}
	free(all);
	/* Named devices first, so the unnamed one only takes what no device claimed. */
	for (size_t i = 0; i < n; i++)
		if (devs[i].has_dev)
			make_finding(a, f, &devs[i]);
	for (size_t i = 0; i < n; i++) {
		if (devs[i].has_dev)
			continue;
		bool any = devs[i].messages > 0;
		struct group **g = groups_sorted(&a->calls);

		for (size_t k = 0; g && g[k] && !any; k++)
			any = g[k]->first.err == EIO && !findings_claimed(f, g[k]);
		free(g);
		if (any)
			make_finding(a, f, &devs[i]);
	}
}
