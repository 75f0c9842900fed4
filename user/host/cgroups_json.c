// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A struct cgroup_info as a value (free, copy) and as the "cgroup" object of a recording's cgroup
 * records, so a report read later names the container as the recording machine saw it:
 *   {"id":5041,"path":"/kubepods.slice/.../cri-containerd-<id>.scope","runtime":"containerd",
 *    "container_id":"<id>","pod_uid":"<uid>","qos":"Burstable","pod_name":"web-0",
 *    "pod_namespace":"ci"}
 * Unknown members are absent. Readers ignore keys they do not know.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cgroups.h"

/* Every owned string, so free, copy and JSON cannot drift apart when one is added. */
static const struct {
	const char *key;
	size_t off;
} strs[] = {
#define S(m)                                        \
	{                                           \
#m, offsetof(struct cgroup_info, m) \
	}
	S(path), S(runtime), S(container_id), S(pod_uid), S(qos), S(pod_name), S(pod_namespace),
#undef S
};
#define NSTRS (sizeof(strs) / sizeof(strs[0]))

static char **str_at(const struct cgroup_info *ci, size_t i)
{
	return (char **)((char *)ci + strs[i].off);
}

void cgroup_info_free(struct cgroup_info *ci)
{
	for (size_t i = 0; i < NSTRS; i++)
		free(*str_at(ci, i));
	memset(ci, 0, sizeof(*ci));
}

int cgroup_info_copy(struct cgroup_info *dst, const struct cgroup_info *src)
{
	*dst = *src;
	for (size_t i = 0; i < NSTRS; i++)
		*str_at(dst, i) = NULL;
	for (size_t i = 0; i < NSTRS; i++) {
		const char *s = *str_at(src, i);

		if (s && !(*str_at(dst, i) = strdup(s))) {
			cgroup_info_free(dst);
			return -1;
		}
	}
	return 0;
}

void cgroup_info_to_json(const struct cgroup_info *ci, struct jbuf *out)
{
	jobj_begin(out);
	jobj_u64(out, "id", ci->id);
	for (size_t i = 0; i < NSTRS; i++)
		jobj_str(out, strs[i].key, *str_at(ci, i));
	jobj_end(out);
}

int cgroup_info_from_json(const struct jval *obj, struct cgroup_info *ci, char *err, size_t errlen)
{
	const char *key = "cgroup", *why = NULL;
	const struct jval *v;

	memset(ci, 0, sizeof(*ci));
	if (!obj || obj->type != JSON_OBJ)
		why = "expected a JSON object";
	else if ((v = jval_get(obj, key = "id")) && !jval_u64(v, &ci->id))
		why = "expected an unsigned integer";
	for (size_t i = 0; !why && i < NSTRS; i++) {
		if (!(v = jval_get(obj, key = strs[i].key)))
			continue;
		if (!jval_str(v) || strlen(jval_str(v)) != v->str.len)
			why = "expected a string";
		else if (!(*str_at(ci, i) = strdup(jval_str(v))))
			why = "out of memory";
	}
	if (!why)
		return 0;
	snprintf(err, errlen, "%s: %s", key, why);
	cgroup_info_free(ci);
	return -1;
}
