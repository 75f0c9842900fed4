// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A struct device_info as a value (free, copy) and as the "device" object of a recording's
 * device records, so a report read elsewhere, later, names the device as the recording machine did:
 *   {"dev":"7:3","name":"loop3","backing_file":"/img","longhorn_volume":"pvc-...","pv":"pvc-...",
 *    "mountpoint":"/m","fstype":"ext4","mountpoints":["/m"],
 *    "ext4":{"errors_count":2,"first_error":{"func":"ext4_lookup","line":1789,"ino":13,
 *            "errcode":"EUCLEAN","time":1700000000},"last_error":{...}},
 *    "longhorn":{"replicas":1,"robustness":"healthy","state":"attached"}}
 * Unknown members are absent. Readers ignore keys they do not know.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/devices.h"
#include "lib/errnames.h"

void device_info_free(struct device_info *d)
{
	char **strs[] = { &d->name,
			  &d->disk,
			  &d->backing_file,
			  &d->dm_name,
			  &d->longhorn_volume,
			  &d->longhorn_from,
			  &d->pv,
			  &d->mountpoint,
			  &d->fstype,
			  &d->ext4_first.func,
			  &d->ext4_last.func,
			  &d->longhorn_robustness,
			  &d->longhorn_state };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	for (size_t i = 0; i < d->nmountpoints; i++)
		free(d->mountpoints[i]);
	free(d->mountpoints);
	memset(d, 0, sizeof(*d));
}

static int dup_or_null(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

int device_info_copy(struct device_info *dst, const struct device_info *src)
{
	int bad = 0;

	*dst = *src;
	dst->mountpoints = NULL;
	dst->nmountpoints = 0;
	bad |= dup_or_null(&dst->name, src->name);
	bad |= dup_or_null(&dst->disk, src->disk);
	bad |= dup_or_null(&dst->backing_file, src->backing_file);
	bad |= dup_or_null(&dst->dm_name, src->dm_name);
	bad |= dup_or_null(&dst->longhorn_volume, src->longhorn_volume);
	bad |= dup_or_null(&dst->longhorn_from, src->longhorn_from);
	bad |= dup_or_null(&dst->pv, src->pv);
	bad |= dup_or_null(&dst->mountpoint, src->mountpoint);
	bad |= dup_or_null(&dst->fstype, src->fstype);
	bad |= dup_or_null(&dst->ext4_first.func, src->ext4_first.func);
	bad |= dup_or_null(&dst->ext4_last.func, src->ext4_last.func);
	bad |= dup_or_null(&dst->longhorn_robustness, src->longhorn_robustness);
	bad |= dup_or_null(&dst->longhorn_state, src->longhorn_state);
	if (src->nmountpoints && !(dst->mountpoints = calloc(src->nmountpoints, sizeof(char *))))
		bad = -1;
	for (size_t i = 0; !bad && i < src->nmountpoints; i++, dst->nmountpoints++)
		bad |= dup_or_null(&dst->mountpoints[i], src->mountpoints[i]);
	if (bad) {
		device_info_free(dst);
		return -1;
	}
	return 0;
}

static bool record_present(const struct ext4_error_record *r)
{
	return r->func || r->line || r->ino || r->errcode || r->time;
}

static void error_record_to_json(struct jbuf *out, const char *key, const struct ext4_error_record *r)
{
	if (!record_present(r))
		return;
	jobj_key(out, key);
	jobj_begin(out);
	jobj_str(out, "func", r->func);
	jobj_u64(out, "line", r->line);
	jobj_u64(out, "ino", r->ino);
	if (r->errcode > 0)
		jobj_str(out, "errcode", errno_name(r->errcode));
	jobj_u64(out, "time", r->time);
	jobj_end(out);
}

void device_info_to_json(const struct device_info *d, struct jbuf *out)
{
	char dev[32];

	snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
	jobj_begin(out);
	jobj_str(out, "dev", dev);
	jobj_str(out, "name", d->name);
	jobj_str(out, "disk", d->disk);
	jobj_str(out, "backing_file", d->backing_file);
	jobj_str(out, "dm_name", d->dm_name);
	jobj_str(out, "longhorn_volume", d->longhorn_volume);
	jobj_str(out, "longhorn_from", d->longhorn_from);
	jobj_str(out, "pv", d->pv);
	jobj_str(out, "mountpoint", d->mountpoint);
	jobj_str(out, "fstype", d->fstype);
	if (d->nmountpoints) {
		jobj_key(out, "mountpoints");
		jarr_begin(out);
		for (size_t i = 0; i < d->nmountpoints; i++)
			jarr_str(out, d->mountpoints[i] ? d->mountpoints[i] : "");
		jarr_end(out);
	}
	if (d->has_ext4) {
		jobj_key(out, "ext4");
		jobj_begin(out);
		jobj_u64(out, "errors_count", d->ext4_errors_count);
		error_record_to_json(out, "first_error", &d->ext4_first);
		error_record_to_json(out, "last_error", &d->ext4_last);
		jobj_end(out);
	}
	if (d->has_longhorn) {
		jobj_key(out, "longhorn");
		jobj_begin(out);
		jobj_i64(out, "replicas", d->longhorn_replicas);
		jobj_str(out, "robustness", d->longhorn_robustness);
		jobj_str(out, "state", d->longhorn_state);
		jobj_end(out);
	}
	jobj_end(out);
}

/* ---- reading it back: each helper returns why the member is wrong, or NULL ---- */

#define OOM "out of memory"

static const char *get_str(const struct jval *obj, const char *key, char **dst)
{
	const struct jval *v = jval_get(obj, key);

	if (!v)
		return NULL;
	if (!jval_str(v))
		return "expected a string";
	return (*dst = strdup(jval_str(v))) ? NULL : OOM;
}

static const char *get_u64(const struct jval *obj, const char *key, uint64_t *dst, uint64_t max)
{
	const struct jval *v = jval_get(obj, key);

	if (!v)
		return NULL;
	if (!jval_u64(v, dst) || *dst > max)
		return "expected an unsigned integer";
	return NULL;
}

static const char *parse_dev(const char *s, uint32_t *major, uint32_t *minor)
{
	unsigned long v[2];
	char *end;

	for (int i = 0; i < 2; i++) {
		if (!s || *s < '0' || *s > '9')
			return "expected \"major:minor\"";
		errno = 0;
		v[i] = strtoul(s, &end, 10);
		if (errno || v[i] > UINT32_MAX || *end != (i ? '\0' : ':'))
			return "expected \"major:minor\"";
		s = end + 1;
	}
	*major = (uint32_t)v[0];
	*minor = (uint32_t)v[1];
	return NULL;
}

static const char *error_record_from_json(const struct jval *obj, struct ext4_error_record *r, const char **key)
{
	const struct jval *code = jval_get(obj, "errcode");
	const char *why;
	uint64_t line = 0;

	if (obj->type != JSON_OBJ)
		return "expected an object";
	if ((why = get_str(obj, *key = "func", &r->func)) ||
	    (why = get_u64(obj, *key = "line", &line, UINT32_MAX)) ||
	    (why = get_u64(obj, *key = "ino", &r->ino, UINT64_MAX)) ||
	    (why = get_u64(obj, *key = "time", &r->time, UINT64_MAX)))
		return why;
	r->line = (uint32_t)line;
	*key = "errcode";
	if (code && (!jval_str(code) || (r->errcode = errno_from_name(jval_str(code))) <= 0))
		return "expected an errno name such as \"EUCLEAN\"";
	return NULL;
}

static const char *ext4_from_json(const struct jval *obj, struct device_info *d, const char **key)
{
	const struct jval *first = jval_get(obj, "first_error"), *last = jval_get(obj, "last_error");
	const char *why;

	if (obj->type != JSON_OBJ)
		return "expected an object";
	d->has_ext4 = true;
	*key = "ext4.errors_count";
	if ((why = get_u64(obj, "errors_count", &d->ext4_errors_count, UINT64_MAX)))
		return why;
	*key = "ext4.first_error";
	if (first && (why = error_record_from_json(first, &d->ext4_first, key)))
		return why;
	*key = "ext4.last_error";
	if (last && (why = error_record_from_json(last, &d->ext4_last, key)))
		return why;
	return NULL;
}

static const char *longhorn_from_json(const struct jval *obj, struct device_info *d, const char **key)
{
	const struct jval *replicas = jval_get(obj, "replicas");
	const char *why;

	if (obj->type != JSON_OBJ)
		return "expected an object";
	d->has_longhorn = true;
	*key = "longhorn.replicas";
	if (replicas && !jval_i64(replicas, &d->longhorn_replicas))
		return "expected an integer";
	*key = "longhorn.robustness";
	if ((why = get_str(obj, "robustness", &d->longhorn_robustness)))
		return why;
	*key = "longhorn.state";
	return get_str(obj, "state", &d->longhorn_state);
}

static const char *mountpoints_from_json(const struct jval *arr, struct device_info *d)
{
	if (arr->type != JSON_ARR)
		return "expected an array of strings";
	if (arr->arr.n && !(d->mountpoints = calloc(arr->arr.n, sizeof(char *))))
		return OOM;
	for (size_t i = 0; i < arr->arr.n; i++) {
		const char *s = jval_str(&arr->arr.v[i]);

		if (!s)
			return "expected an array of strings";
		if (!(d->mountpoints[i] = strdup(s)))
			return OOM;
		d->nmountpoints++;
	}
	return NULL;
}

int device_info_from_json(const struct jval *obj, struct device_info *d, char *err, size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
#define S(m) { #m, offsetof(struct device_info, m) }
		S(name),          S(disk), S(backing_file), S(dm_name), S(longhorn_volume),
		S(longhorn_from), S(pv),   S(mountpoint),   S(fstype),
#undef S
	};
	const struct jval *v;
	const char *key = "device", *why = NULL;

	memset(d, 0, sizeof(*d));
	if (!obj || obj->type != JSON_OBJ) {
		why = "expected a JSON object";
	} else {
		key = "dev";
		why = parse_dev(jval_str(jval_get(obj, "dev")), &d->major, &d->minor);
	}
	for (size_t i = 0; !why && i < sizeof(strs) / sizeof(strs[0]); i++)
		why = get_str(obj, key = strs[i].key, (char **)((char *)d + strs[i].off));
	if (!why && (v = jval_get(obj, key = "mountpoints")))
		why = mountpoints_from_json(v, d);
	if (!why && (v = jval_get(obj, key = "ext4")))
		why = ext4_from_json(v, d, &key);
	if (!why && (v = jval_get(obj, key = "longhorn")))
		why = longhorn_from_json(v, d, &key);
	if (!why)
		return 0;
	snprintf(err, errlen, "%s: %s", key, why);
	device_info_free(d);
	return -1;
}
