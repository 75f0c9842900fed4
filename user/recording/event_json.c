// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* struct record <-> JSON; the key list and its order are the contract in event_json.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/cgroups.h"
#include "host/devices.h"
#include "lib/errnames.h"
#include "recording/event_json.h"
#include "host/pod.h"

void record_to_json(const struct record *r, struct jbuf *out)
{
	char dev[24];

	jobj_begin(out);
	jobj_u64(out, "ts_ns", r->ts_ns);
	jobj_str(out, "type", rec_type_name(r->type));
	jobj_u64(out, "pid", r->pid);
	jobj_u64(out, "tid", r->tid);
	jobj_u64(out, "ppid", r->ppid);
	/* Only from inside a pid namespace: a host recording stays as it was. */
	if (r->has_vpid)
		jobj_u64(out, "vpid", r->vpid);
	if (r->has_vppid)
		jobj_u64(out, "vppid", r->vppid);
	jobj_key(out, "comm");
	json_strn(out, r->comm, strnlen(r->comm, sizeof(r->comm)));
	jobj_u64(out, "cgroup_id", r->cgroup_id);
	jobj_u64(out, "mntns", r->mntns);
	if (r->has_uid) {
		jobj_u64(out, "uid", r->uid);
		jobj_u64(out, "gid", r->gid);
	}
	jobj_str(out, "syscall", r->syscall);
	if (r->has_ret)
		jobj_i64(out, "ret", r->ret);
	if (r->err)
		jobj_str(out, "errno", errno_name(r->err));
	jobj_str(out, "path", r->path);
	jobj_str(out, "path2", r->path2);
	jobj_str(out, "cwd", r->cwd);
	jobj_str(out, "fstype", r->fstype);
	jobj_str(out, "data", r->data);
	if (r->has_dev) {
		snprintf(dev, sizeof(dev), "%u:%u", r->dev_major, r->dev_minor);
		jobj_str(out, "dev", dev);
	}
	if (r->ino)
		jobj_u64(out, "ino", r->ino);
	jobj_str(out, "func", r->func);
	if (r->line)
		jobj_u64(out, "line", r->line);
	jobj_str(out, "msg", r->msg);
	if (r->fd >= 0)
		jobj_i64(out, "fd", r->fd);
	if (r->has_flags)
		jobj_u64(out, "flags", r->flags);
	if (r->outsider)
		jobj_bool(out, "outsider", true);
	/* Only for repeats folded in the kernel: every other record stays as it was. */
	if (r->count > 1) {
		jobj_u64(out, "count", r->count);
		jobj_u64(out, "last_ns", r->last_ns);
	}
	if (r->under_load)
		jobj_bool(out, "under_load", true);
	if (r->summary)
		jobj_bool(out, "summary", true);
	if (r->device) {
		jobj_key(out, "device");
		device_info_to_json(r->device, out);
	}
	if (r->cgroup) {
		jobj_key(out, "cgroup");
		cgroup_info_to_json(r->cgroup, out);
	}
	if (r->pod) {
		jobj_key(out, "pod");
		pod_info_to_json(r->pod, out);
	}
	jobj_end(out);
}

enum kind { K_U64, K_U32, K_I64, K_INT, K_STR, K_TYPE, K_COMM, K_ERRNO, K_DEV, K_BOOL, K_COUNT };

/* has: offset + 1 of the bool that says the field is present, 0 when absence is the zero value. */
#define F(key, kind, member)                                                   \
	{                                                                      \
		key, sizeof(key) - 1, kind, offsetof(struct record, member), 0 \
	}
#define FH(key, kind, member, flag)                                                                            \
	{                                                                                                      \
		key, sizeof(key) - 1, kind, offsetof(struct record, member), offsetof(struct record, flag) + 1 \
	}

static const struct field {
	const char *key;
	size_t keylen;
	enum kind kind;
	size_t off, has;
} fields[] = {
	F("ts_ns", K_U64, ts_ns),
	F("type", K_TYPE, type),
	F("pid", K_U32, pid),
	F("tid", K_U32, tid),
	F("ppid", K_U32, ppid),
	F("comm", K_COMM, comm),
	FH("vpid", K_U32, vpid, has_vpid),
	FH("vppid", K_U32, vppid, has_vppid),
	F("cgroup_id", K_U64, cgroup_id),
	F("mntns", K_U32, mntns),
	FH("uid", K_U32, uid, has_uid),
	FH("gid", K_U32, gid, has_uid),
	F("syscall", K_STR, syscall),
	FH("ret", K_I64, ret, has_ret),
	F("errno", K_ERRNO, err),
	F("path", K_STR, path),
	F("path2", K_STR, path2),
	F("cwd", K_STR, cwd),
	F("fstype", K_STR, fstype),
	F("data", K_STR, data),
	FH("dev", K_DEV, dev_major, has_dev),
	F("ino", K_U64, ino),
	F("func", K_STR, func),
	F("line", K_U32, line),
	F("msg", K_STR, msg),
	F("fd", K_INT, fd),
	FH("flags", K_U32, flags, has_flags),
	F("outsider", K_BOOL, outsider),
	F("count", K_COUNT, count),
	F("last_ns", K_U64, last_ns),
	F("under_load", K_BOOL, under_load),
	F("summary", K_BOOL, summary),
};

/* Strict unsigned decimal up to UINT32_MAX; advances *s past the digits. */
static bool parse_u32(const char **s, uint32_t *out)
{
	uint64_t v = 0;
	const char *p = *s;

	for (; *p >= '0' && *p <= '9' && p - *s < 11; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p == *s || v > UINT32_MAX || (*p >= '0' && *p <= '9'))
		return false;
	*out = (uint32_t)v;
	*s = p;
	return true;
}

/* Stores v into r's field; NULL, or what is wrong with v. */
static const char *set_field(struct record *r, const struct field *f, const struct jval *v)
{
	void *dst = (char *)r + f->off;
	const char *s = jval_str(v), *p = s;
	uint64_t u;
	int64_t i;
	char *copy;
	int e;

	switch (f->kind) {
	case K_U64:
		if (!jval_u64(v, &u))
			return "expected an unsigned 64-bit integer";
		*(uint64_t *)dst = u;
		break;
	case K_COUNT: /* calls a record stands for: 0 would make its failure vanish from the counts */
		if (!jval_u64(v, &u) || u == 0)
			return "expected a count of 1 or more";
		*(uint64_t *)dst = u;
		break;
	case K_U32:
		if (!jval_u64(v, &u) || u > UINT32_MAX)
			return "expected an integer 0..4294967295";
		*(uint32_t *)dst = (uint32_t)u;
		break;
	case K_I64:
		if (!jval_i64(v, &i))
			return "expected a signed 64-bit integer";
		*(int64_t *)dst = i;
		break;
	case K_INT:
		if (!jval_i64(v, &i) || i < INT_MIN || i > INT_MAX)
			return "expected a 32-bit integer";
		*(int *)dst = (int)i;
		break;
	case K_STR:
		if (!s)
			return "expected a string";
		if (memchr(s, '\0', v->str.len))
			return "string contains a NUL character";
		if (r->borrowed) { /* obj outlives r */
			*(const char **)dst = s;
			break;
		}
		if (!(copy = strdup(s)))
			return "out of memory";
		free(*(char **)dst);
		*(char **)dst = copy;
		break;
	case K_TYPE:
		if (!s)
			return "expected a string";
		r->type = rec_type_from_name(s);
		break;
	case K_COMM: {
		size_t n = s ? strnlen(s, sizeof(r->comm) - 1) : 0;

		if (!s)
			return "expected a string";
		/* A lossily escaped comm can come back longer than 15 bytes: cut at a character. */
		while (n > 0 && n < v->str.len && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memset(r->comm, 0, sizeof(r->comm));
		memcpy(r->comm, s, n);
		break;
	}
	case K_ERRNO:
		if (!s || (e = errno_from_name(s)) < 0)
			return "expected an errno name such as \"ENOENT\"";
		r->err = e;
		break;
	case K_DEV:
		if (!s || !parse_u32(&p, &r->dev_major) || *p++ != ':' || !parse_u32(&p, &r->dev_minor) || *p)
			return "expected \"major:minor\"";
		break;
	case K_BOOL:
		if (v->type != JSON_BOOL)
			return "expected true or false";
		*(bool *)dst = v->b;
		break;
	}
	if (f->has)
		*(bool *)((char *)r + f->has - 1) = true;
	return NULL;
}

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The field named key, looked for from index `from` on and around: a recording writes the keys
 * in the table's order, so the first compare almost always hits. NFIELDS when unknown. */
static size_t field_index(const char *key, size_t keylen, size_t from)
{
	for (size_t n = 0, k = from % NFIELDS; n < NFIELDS; n++, k = k + 1 < NFIELDS ? k + 1 : 0)
		if (fields[k].keylen == keylen && memcmp(fields[k].key, key, keylen) == 0)
			return k;
	return NFIELDS;
}

static int from_json(const struct jval *obj, struct record *r, bool borrow, char *err, size_t errlen)
{
	const char *key = "event", *why = NULL;
	size_t next = 0, k;

	record_init(r);
	r->borrowed = borrow;
	if (!obj || obj->type != JSON_OBJ)
		why = "expected a JSON object";
	else if (!jval_get(obj, "type") || !jval_get(obj, "ts_ns"))
		why = jval_get(obj, "type") ? "no ts_ns" : "no type";
	for (size_t m = 0; !why && m < obj->obj.n; m++) {
		if ((k = field_index(obj->obj.m[m].key, strlen(obj->obj.m[m].key), next)) < NFIELDS) {
			key = fields[k].key;
			why = set_field(r, &fields[k], &obj->obj.m[m].val);
			next = k + 1;
			continue;
		}
		if (strcmp(obj->obj.m[m].key, "device") == 0) {
			char derr[200];

			key = "device";
			if (r->device) {
				device_info_free(r->device);
				free(r->device);
			}
			if (!(r->device = calloc(1, sizeof(*r->device))))
				why = "out of memory";
			else if (device_info_from_json(&obj->obj.m[m].val, r->device, derr, sizeof(derr)))
				why = "malformed device object"; /* derr names the member; kept short */
			continue;
		}
		if (strcmp(obj->obj.m[m].key, "cgroup") == 0) {
			char cerr[200];

			key = "cgroup";
			if (r->cgroup) { /* a repeated key: the last one counts, as for the other fields */
				cgroup_info_free(r->cgroup);
				free(r->cgroup);
			}
			if (!(r->cgroup = calloc(1, sizeof(*r->cgroup))))
				why = "out of memory";
			else if (cgroup_info_from_json(&obj->obj.m[m].val, r->cgroup, cerr, sizeof(cerr)))
				why = "malformed cgroup object";
			continue;
		}
		if (strcmp(obj->obj.m[m].key, "pod") == 0) {
			char perr[200];

			key = "pod";
			if (r->pod) {
				pod_info_free(r->pod);
				free(r->pod);
			}
			if (!(r->pod = calloc(1, sizeof(*r->pod))))
				why = "out of memory";
			else if (pod_info_from_json(&obj->obj.m[m].val, r->pod, perr, sizeof(perr)))
				why = "malformed pod object";
			continue;
		}
	}
	if (!why)
		return 0;
	snprintf(err, errlen, "%s: %s", key, why);
	record_free(r);
	return -1;
}

int record_from_json(const struct jval *obj, struct record *r, char *err, size_t errlen)
{
	return from_json(obj, r, false, err, errlen);
}

int record_from_json_view(const struct jval *obj, struct record *r, char *err, size_t errlen)
{
	return from_json(obj, r, true, err, errlen);
}

struct flat_event {
	struct record *r;
	size_t next;
	bool have_type, have_ts;
};

static bool key_is(const char *key, size_t keylen, const char *name)
{
	return keylen == strlen(name) && memcmp(key, name, keylen) == 0;
}

static int flat_member(void *ctx, const char *key, size_t keylen, const struct jval *v)
{
	struct flat_event *e = ctx;
	size_t k = field_index(key, keylen, e->next);
	const char *s;

	if (k == NFIELDS) /* device, cgroup, pod hold objects: a flat line has them wrong */
		return key_is(key, keylen, "device") || key_is(key, keylen, "cgroup") || key_is(key, keylen, "pod")
			       ? -1
			       : 0;
	if (fields[k].kind == K_TYPE && (s = jval_str(v)) && (!strcmp(s, "trailer") || !strcmp(s, "header")))
		return -1; /* not an event: the reader's to judge */
	if (set_field(e->r, &fields[k], v))
		return -1;
	e->have_type |= fields[k].kind == K_TYPE;
	e->have_ts |= fields[k].off == offsetof(struct record, ts_ns);
	e->next = k + 1;
	return 0;
}

int record_from_json_line(struct json_arena *a, const char *line, size_t len, struct record *r)
{
	struct flat_event e = { r, 0, false, false };

	record_init(r);
	r->borrowed = true;
	if (json_parse_flat(a, line, len, flat_member, &e) == 0 && e.have_type && e.have_ts)
		return 0;
	record_free(r);
	return -1;
}
