// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * overlay_mount: why an overlay mount failed. mount(2) says only EINVAL; the kernel usually
 * prints the reason, and the layers' filesystems (recorded when the mount failed) show it too:
 * an upperdir on overlayfs is the nested overlay of Docker/BuildKit inside a Kubernetes pod.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/devices.h"
#include "lib/errnames.h"
#include "diagnose/finders.h"
#include "diagnose/remedies.h"
#include "host/overlay_opts.h"

#define REASON_WINDOW_NS 2000000000ull

/* The kernel's own words: an overlay message printed by the same task around the mount. */
static const struct record *kernel_reason(const struct analysis *a, const struct record *m)
{
	const struct record *best = NULL;
	uint64_t best_d = REASON_WINDOW_NS + 1;

	for (size_t i = 0; i < a->kmsgs.n; i++) {
		const struct record *k = &a->kmsgs.v[i];
		uint64_t d = k->ts_ns > m->ts_ns ? k->ts_ns - m->ts_ns : m->ts_ns - k->ts_ns;

		if (k->pid == m->pid && d < best_d && strncmp(k->msg, "overlay", 7) == 0) {
			best = k;
			best_d = d;
		}
	}
	return best;
}

static const struct record *layer(const struct analysis *a, const struct record *m, const char *role, size_t nth)
{
	for (size_t i = 0; i < a->layers.n; i++) {
		const struct record *l = &a->layers.v[i];

		if (l->pid == m->pid && l->ts_ns == m->ts_ns && l->data && strcmp(l->data, role) == 0 && !nth--)
			return l;
	}
	return NULL;
}

static bool on_overlay(const struct record *l)
{
	return l && l->fstype && strcmp(l->fstype, "overlay") == 0;
}

static bool says(const struct record *reason, const char *text)
{
	return reason && reason->msg && strstr(reason->msg, text);
}

static const char *cause_of(const struct analysis *a, const struct record *m, const struct record *reason,
			    const struct overlay_opts *o, bool parsed)
{
	const struct record *upper = layer(a, m, "upperdir", 0), *work = layer(a, m, "workdir", 0);
	bool missing_layer = false;

	for (size_t i = 0; i < a->layers.n; i++)
		if (a->layers.v[i].pid == m->pid && a->layers.v[i].ts_ns == m->ts_ns && a->layers.v[i].err)
			missing_layer = true;
	/* The kernel's reason first: it is the kernel's own verdict. */
	if (says(reason, "not supported as upperdir") || says(reason, "not supported as workdir"))
		return "nested_overlay";
	if (says(reason, "failed to resolve"))
		return "layer_not_found";
	if (says(reason, "same mount"))
		return "upper_work_different_mounts";
	if (says(reason, "read-only") || says(reason, "readonly"))
		return "readonly_upper";
	if (says(reason, "missing"))
		return "missing_option";
	/* Else what the layers showed. */
	if (parsed && (!o->has_lower || o->has_upper != o->has_work))
		return "missing_option";
	if (missing_layer)
		return "layer_not_found";
	if (on_overlay(upper) || on_overlay(work))
		return "nested_overlay";
	if (upper && work && !upper->err && !work->err &&
	    (upper->dev_major != work->dev_major || upper->dev_minor != work->dev_minor ||
	     (upper->path2 && work->path2 && strcmp(upper->path2, work->path2) != 0)))
		return "upper_work_different_mounts";
	if (upper && upper->has_flags && (upper->flags & LAYER_READONLY))
		return "readonly_upper";
	return "unknown";
}

static const char *explain(const char *cause)
{
	static const struct {
		const char *cause, *text;
	} texts[] = {
		{ "nested_overlay", "the upper/work directory is itself on overlayfs (a nested overlay)" },
		{ "layer_not_found", "a layer directory does not exist" },
		{ "upper_work_different_mounts", "upperdir and workdir are on different mounts" },
		{ "readonly_upper", "the upper layer is on a read-only mount" },
		{ "missing_option", "a required option is missing (lowerdir, or upperdir without workdir)" },
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strcmp(texts[i].cause, cause) == 0)
			return texts[i].text;
	return "the kernel refused the options";
}

/*
 * The layer sits on an overlay whose own layers fstrace cannot see: inside a container, its root
 * filesystem, made by the node's runtime (containerd's snapshotter under k3s) from directories on
 * the node. The nested overlay is established from what is visible (the layer's filesystem is
 * overlay); where that overlay's layers are is only the node's to show.
 */
static void describe_unseen_overlay(struct finding *x, const struct record *l)
{
	struct overlay_opts o = {};
	char err[128];

	if (l->msg && overlay_opts_parse(l->msg, NULL, &o, err, sizeof(err)) == 0 && o.upper)
		finding_detail(
			x,
			"that overlay at %s is %s; its own upperdir %s is not visible from here "
			"(its layers are on the node, where `grep -F %s /proc/mounts` names the container's root mount)",
			l->path2 ? l->path2 : "?",
			l->path2 && !strcmp(l->path2, "/") ? "this container's root filesystem"
							   : "a container's root or another namespace's overlay",
			o.upper, o.upper);
	overlay_opts_free(&o);
}

/* Whether an earlier layer of the same mount sat on that same unseen overlay: said once. */
static bool unseen_said(const struct analysis *a, const struct record *m, size_t upto)
{
	const struct record *l = &a->layers.v[upto];

	for (size_t i = 0; i < upto; i++) {
		const struct record *o = &a->layers.v[i];

		if (o->pid == m->pid && o->ts_ns == m->ts_ns && o->has_flags && (o->flags & LAYER_UNDER_UNSEEN) &&
		    o->path2 && l->path2 && !strcmp(o->path2, l->path2))
			return true;
	}
	return false;
}

static void describe_layers(const struct analysis *a, const struct record *m, struct finding *x)
{
	for (size_t i = 0; i < a->layers.n; i++) {
		const struct record *l = &a->layers.v[i];

		if (l->pid != m->pid || l->ts_ns != m->ts_ns)
			continue;
		finding_evidence(x, l);
		if (l->err)
			finding_detail(x, "%s %s: %s", l->data, l->path, errno_name(l->err));
		else
			finding_detail(x, "%s %s: on %s mounted at %s%s (device %u:%u)", l->data, l->path,
				       l->fstype ? l->fstype : "?", l->path2 ? l->path2 : "?",
				       l->has_flags && (l->flags & LAYER_READONLY) ? ", read-only" : "",
				       l->dev_major, l->dev_minor);
		if (l->has_flags && (l->flags & LAYER_UNDER_UNSEEN) && !unseen_said(a, m, i))
			describe_unseen_overlay(x, l);
	}
}

static struct finding *same_mount(struct findings *f, const struct record *m)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct record *o = f->v[i].failure;

		if (strcmp(f->v[i].class, "overlay_mount") == 0 && o->err == m->err &&
		    !strcmp(o->syscall, m->syscall) &&
		    (o->path == m->path || (o->path && m->path && !strcmp(o->path, m->path))) &&
		    (o->data == m->data || (o->data && m->data && !strcmp(o->data, m->data))))
			return &f->v[i];
	}
	return NULL;
}

void find_overlay(const struct analysis *a, struct findings *f)
{
	for (size_t i = 0; i < a->mounts.n; i++) {
		const struct record *m = &a->mounts.v[i], *reason, *upper;
		struct overlay_opts o = {};
		struct finding *x;
		bool parsed = false;
		char err[128];

		if (!m->syscall)
			continue;
		if (strcmp(m->syscall, "mount") == 0) {
			if (!m->fstype || strcmp(m->fstype, "overlay") != 0)
				continue;
			parsed = overlay_opts_parse(m->data ? m->data : "", m->cwd, &o, err, sizeof(err)) == 0;
		} else if (!layer(a, m, "lowerdir", 0) && !layer(a, m, "upperdir", 0)) {
			continue; /* an fsconfig/fsmount failure of something other than overlay */
		}
		if ((x = same_mount(f, m))) {
			x->count++;
			overlay_opts_free(&o);
			continue;
		}
		if (!(x = findings_new(f, "overlay_mount", "unknown", SEV_HIGH))) {
			overlay_opts_free(&o);
			break;
		}
		reason = kernel_reason(a, m);
		x->cause = cause_of(a, m, reason, &o, parsed);
		x->failure = m;
		x->count = 1;
		x->reason = reason ? reason->msg : NULL;
		upper = layer(a, m, "upperdir", 0);
		if (upper && upper->has_dev)
			x->device = analysis_device(a, upper->dev_major, upper->dev_minor);
		finding_title(x, "%s overlay on %s failed %s: %s", m->syscall, m->path ? m->path : "?",
			      errno_name(m->err), explain(x->cause));
		finding_evidence(x, m);
		if (reason)
			finding_evidence(x, reason);
		if (m->cwd && parsed)
			for (size_t l = 0; l < o.nlower; l++)
				if (m->data && !strstr(m->data, o.lower[l])) {
					finding_detail(x,
						       "relative lowerdirs resolved against the caller's cwd %s",
						       m->cwd);
					break;
				}
		describe_layers(a, m, x);
		x->remedy = remedy_for(x->class, x->cause, x->device);
		finding_link_output(a, x, m->path, LINK_MOUNT);
		/* Mounts are taken from every process, for the daemon that mounts on the command's
		 * behalf (dockerd); one the command's output does not tie to it may be anyone's. */
		if (m->outsider && a->h.argc && !x->noutput) {
			char pid[48];

			x->severity = SEV_LOW;
			finding_detail(
				x,
				"made by %s (%s), outside the traced command, and nothing the command "
				"printed names this mount: another process's failure, not shown to be the command's",
				pid_label(m, false, pid, sizeof(pid)), m->comm);
		}
		overlay_opts_free(&o);
	}
}
