// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* struct record lifecycle: the one place that knows which members are owned strings. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/cgroups.h"
#include "host/devices.h"
#include "host/pod.h"
#include "recording/record.h"

/* Indexed by enum rec_type; these names are the "type" values of the recording format. */
static const char *const type_names[] = {
	[REC_SYSCALL] = "syscall", [REC_MOUNT] = "mount",           [REC_REMOVE] = "remove",
	[REC_RENAME] = "rename",   [REC_EXT4_ERROR] = "ext4_error", [REC_KMSG] = "kmsg",
	[REC_PROC] = "proc",       [REC_DEVICE] = "device",         [REC_LAYER] = "layer",
	[REC_OUTPUT] = "output",   [REC_CGROUP] = "cgroup",         [REC_POD] = "pod",
	[REC_NOTE] = "note",       [REC_STATE] = "state",
};
#define NTYPES (sizeof(type_names) / sizeof(type_names[0]))

const char *rec_type_name(enum rec_type type)
{
	if ((unsigned)type >= NTYPES || !type_names[type])
		return "none";
	return type_names[type];
}

enum rec_type rec_type_from_name(const char *name)
{
	for (size_t i = 1; name && i < NTYPES; i++)
		if (type_names[i] && strcmp(type_names[i], name) == 0)
			return (enum rec_type)i;
	return REC_NONE;
}

const char *pid_label(const struct record *r, bool parent, char *buf, size_t len)
{
	uint32_t pid = parent ? r->ppid : r->pid, vpid = parent ? r->vppid : r->vpid;

	if (!(parent ? r->has_vppid : r->has_vpid))
		snprintf(buf, len, "pid %u", pid);
	else if (vpid)
		snprintf(buf, len, "pid %u (host %u)", vpid, pid);
	else
		snprintf(buf, len, "host pid %u", pid);
	return buf;
}

void record_init(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->count = 1;
}

/* Every owned string, so free and copy cannot drift apart when a field is added. */
static const size_t str_offs[] = {
	offsetof(struct record, syscall), offsetof(struct record, path),   offsetof(struct record, path2),
	offsetof(struct record, cwd),     offsetof(struct record, fstype), offsetof(struct record, data),
	offsetof(struct record, func),    offsetof(struct record, msg),
};
#define NSTRS (sizeof(str_offs) / sizeof(str_offs[0]))

static char **str_at(const struct record *r, size_t i)
{
	return (char **)((char *)r + str_offs[i]);
}

void record_free(struct record *r)
{
	for (size_t i = 0; i < NSTRS && !r->borrowed; i++)
		free(*str_at(r, i));
	if (r->device) {
		device_info_free(r->device);
		free(r->device);
	}
	if (r->cgroup) {
		cgroup_info_free(r->cgroup);
		free(r->cgroup);
	}
	if (r->pod) {
		pod_info_free(r->pod);
		free(r->pod);
	}
	record_init(r);
}

int record_assign(struct record *dst, const struct record *src)
{
	char *keep[NSTRS];

	if (src->device || src->cgroup || src->pod || dst->device || dst->cgroup || dst->pod || dst->borrowed) {
		record_free(dst);
		return record_copy(dst, src);
	}
	for (size_t i = 0; i < NSTRS; i++) {
		char *d = *str_at(dst, i);
		const char *s = *str_at(src, i);

		if (d && s && strcmp(d, s) == 0) {
			keep[i] = d;
		} else {
			free(d);
			keep[i] = NULL;
			if (s && !(keep[i] = strdup(s))) {
				for (size_t j = 0; j < i; j++)
					free(keep[j]);
				for (size_t j = i + 1; j < NSTRS; j++)
					free(*str_at(dst, j));
				record_init(dst);
				return -1;
			}
		}
	}
	*dst = *src;
	dst->borrowed = false;
	for (size_t i = 0; i < NSTRS; i++)
		*str_at(dst, i) = keep[i];
	return 0;
}

/* src's context object (device, cgroup, pod) into dst, which has none yet. */
static int copy_object(struct record *dst, const struct record *src)
{
	if (src->device &&
	    (!(dst->device = calloc(1, sizeof(*dst->device))) || device_info_copy(dst->device, src->device)))
		return -1;
	if (src->cgroup &&
	    (!(dst->cgroup = calloc(1, sizeof(*dst->cgroup))) || cgroup_info_copy(dst->cgroup, src->cgroup)))
		return -1;
	if (src->pod && (!(dst->pod = calloc(1, sizeof(*dst->pod))) || pod_info_copy(dst->pod, src->pod)))
		return -1;
	return 0;
}

int record_copy(struct record *dst, const struct record *src)
{
	*dst = *src;
	dst->borrowed = false;
	dst->device = NULL;
	dst->cgroup = NULL;
	dst->pod = NULL;
	for (size_t i = 0; i < NSTRS; i++)
		*str_at(dst, i) = NULL;
	for (size_t i = 0; i < NSTRS; i++) {
		const char *s = *str_at(src, i);

		if (s && !(*str_at(dst, i) = strdup(s))) {
			record_free(dst);
			return -1;
		}
	}
	if (copy_object(dst, src)) {
		record_free(dst);
		return -1;
	}
	return 0;
}

size_t record_strings_size(const struct record *src)
{
	size_t n = 0;

	for (size_t i = 0; i < NSTRS; i++)
		if (*str_at(src, i))
			n += strlen(*str_at(src, i)) + 1;
	return n;
}

void record_pack_strings(struct record *r, char *buf)
{
	for (size_t i = 0; i < NSTRS; i++) {
		char *s = *str_at(r, i);
		size_t n;

		if (!s)
			continue;
		n = strlen(s) + 1;
		*str_at(r, i) = memcpy(buf, s, n);
		buf += n;
		if (!r->borrowed)
			free(s);
	}
	r->borrowed = true;
}

int record_copy_into(struct record *dst, const struct record *src, char *buf)
{
	*dst = *src;
	dst->borrowed = true; /* src's strings are not dst's to free */
	dst->device = NULL;
	dst->cgroup = NULL;
	dst->pod = NULL;
	record_pack_strings(dst, buf);
	if (copy_object(dst, src)) {
		record_free(dst);
		return -1;
	}
	return 0;
}
