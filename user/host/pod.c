// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The pod fstrace runs in (pod.h), and its "pod" object in a recording:
 *   {"name":"coder-0","name_from":"env POD_NAME","namespace":"devpod",
 *    "namespace_from":"/var/run/secrets/kubernetes.io/serviceaccount/namespace",
 *    "uid":"<uid>","uid_from":"/etc/hosts mount","container":"dev","hostname":"coder-0"}
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/mountinfo.h"
#include "host/pod.h"

extern char **environ;

#define SA_NAMESPACE "/namespace"

static const struct pod_roots pod_roots_default = {
	.init_environ = "/proc/1/environ",
	.serviceaccount = "/var/run/secrets/kubernetes.io/serviceaccount",
	.hostname = "/proc/sys/kernel/hostname",
	.mountinfo = "/proc/self/mountinfo",
};

/* Every owned string, so free, copy and JSON cannot drift apart when one is added. */
static const struct {
	const char *key;
	size_t off;
} strs[] = {
#define S(m)                                     \
	{                                        \
#m, offsetof(struct pod_info, m) \
	}
	S(name), S(name_from), S(namespace), S(namespace_from), S(uid), S(uid_from), S(container), S(hostname),
#undef S
};
#define NSTRS (sizeof(strs) / sizeof(strs[0]))

static char **str_at(const struct pod_info *p, size_t i)
{
	return (char **)((char *)p + strs[i].off);
}

/* A small file, up to its first line; NULL when absent, unreadable or empty. */
static char *first_line(const char *path)
{
	char buf[512];
	ssize_t n;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] ? strdup(buf) : NULL;
}

static const char *env_in(char *const *env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=' && (*env)[n + 1])
			return *env + n + 1;
	return NULL;
}

/* /proc/1/environ: NUL-separated, read whole (a few KiB), as a NULL-terminated array in *buf. */
static char **read_environ(const char *path, char **buf)
{
	size_t len = 0, cap = 0, n = 0;
	char **v = NULL;
	ssize_t got;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	*buf = NULL;
	if (fd < 0)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *grown = realloc(*buf, cap = cap ? cap * 2 : 8192);

			if (!grown || cap > (1u << 20))
				break;
			*buf = grown;
		}
		got = read(fd, *buf + len, cap - len - 1);
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (!*buf || !len)
		return NULL;
	(*buf)[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(*buf + i) + 1)
		n++;
	if (!(v = calloc(n + 1, sizeof(*v))))
		return NULL;
	n = 0;
	for (size_t i = 0; i < len; i += strlen(*buf + i) + 1)
		v[n++] = *buf + i;
	return v;
}

/* kubelet's pod UID: 36 characters with dashes, or a static pod's 32 hex digits. */
static bool is_pod_uid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool dash = n == 36 && (i == 8 || i == 13 || i == 18 || i == 23);

		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return n == 36 || n == 32;
}

/*
 * kubelet bind-mounts a container's /etc/hosts from <kubelet root>/pods/<uid>/etc-hosts and its
 * /dev/termination-log from .../pods/<uid>/containers/<name>/<id>; mountinfo's root field shows
 * that node path. Only those two mount points count: on the node itself kubelet's own subPath
 * mounts have pods/<uid>/ roots too, and they are not fstrace's pod.
 */
static int pod_from_mounts(const char *mountinfo, struct pod_info *p)
{
	struct mount_table t;
	int ret = 0;

	if (mount_table_load(&t, mountinfo))
		return errno == ENOMEM ? -1 : 0;
	for (size_t i = 0; i < t.n && !ret; i++) {
		const struct mount_entry *m = &t.m[i];
		bool hosts = !strcmp(m->mountpoint, "/etc/hosts");
		const char *s = m->root ? strstr(m->root, "/pods/") : NULL, *uid, *rest;
		size_t n;

		if (!s || (!hosts && strcmp(m->mountpoint, "/dev/termination-log")))
			continue;
		uid = s + 6;
		n = strcspn(uid, "/");
		rest = uid + n;
		if (!is_pod_uid(uid, n))
			continue;
		if (hosts && strcmp(rest, "/etc-hosts"))
			continue;
		if (!hosts && strncmp(rest, "/containers/", 12))
			continue;
		if (!p->uid &&
		    (!(p->uid = strndup(uid, n)) ||
		     !(p->uid_from = strdup(hosts ? "/etc/hosts mount" : "/dev/termination-log mount"))))
			ret = -1;
		if (!ret && !hosts && !p->container) {
			rest += 12;
			if (!(p->container = strndup(rest, strcspn(rest, "/"))))
				ret = -1;
		}
	}
	mount_table_free(&t);
	return ret;
}

/* value from fstrace's own environment, else the container init's: sudo starts from a clean one. */
static int from_env(char *const *own, char *const *init, const char *key, char **val, char **from)
{
	const char *v = env_in(own, key), *how = "env ";

	if (!v && (v = env_in(init, key)))
		how = "env of pid 1, ";
	if (!v || *val)
		return 0;
	if (!(*val = strdup(v)) || asprintf(from, "%s%s", how, key) < 0) {
		*from = NULL;
		return -1;
	}
	return 0;
}

int pod_identify(const struct pod_roots *roots, struct pod_info *p)
{
	const struct pod_roots *r = roots ? roots : &pod_roots_default;
	char *const *own = roots ? r->env : environ;
	char sa_ns[4096], *envbuf = NULL, **init;
	bool sign;
	int ret = 0;

	memset(p, 0, sizeof(*p));
	init = read_environ(r->init_environ, &envbuf);
	if (from_env(own, init, "POD_NAME", &p->name, &p->name_from) ||
	    from_env(own, init, "POD_NAMESPACE", &p->namespace, &p->namespace_from))
		ret = -1;
	snprintf(sa_ns, sizeof(sa_ns), "%s%s", r->serviceaccount ? r->serviceaccount : "", SA_NAMESPACE);
	if (!ret && !p->namespace && r->serviceaccount && (p->namespace = first_line(sa_ns)) &&
	    !(p->namespace_from = strdup(sa_ns)))
		ret = -1;
	if (!ret)
		ret = pod_from_mounts(r->mountinfo, p);
	/* KUBERNETES_SERVICE_HOST: kubelet gives it to every container, and only them. */
	sign = p->name || p->namespace || p->uid || env_in(own, "KUBERNETES_SERVICE_HOST") ||
	       env_in(init, "KUBERNETES_SERVICE_HOST");
	if (!ret && sign) {
		p->hostname = first_line(r->hostname);
		if (!p->name && p->hostname &&
		    (!(p->name = strdup(p->hostname)) || !(p->name_from = strdup("hostname"))))
			ret = -1;
	}
	free(init);
	free(envbuf);
	if (ret || !sign) {
		pod_info_free(p);
		return ret;
	}
	return 1;
}

void pod_info_free(struct pod_info *p)
{
	for (size_t i = 0; i < NSTRS; i++)
		free(*str_at(p, i));
	memset(p, 0, sizeof(*p));
}

int pod_info_copy(struct pod_info *dst, const struct pod_info *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < NSTRS; i++) {
		const char *s = *str_at(src, i);

		if (s && !(*str_at(dst, i) = strdup(s))) {
			pod_info_free(dst);
			return -1;
		}
	}
	return 0;
}

void pod_info_to_json(const struct pod_info *p, struct jbuf *out)
{
	jobj_begin(out);
	for (size_t i = 0; i < NSTRS; i++)
		jobj_str(out, strs[i].key, *str_at(p, i));
	jobj_end(out);
}

int pod_info_from_json(const struct jval *obj, struct pod_info *p, char *err, size_t errlen)
{
	const char *key = "pod", *why = NULL;
	const struct jval *v;

	memset(p, 0, sizeof(*p));
	if (!obj || obj->type != JSON_OBJ)
		why = "expected a JSON object";
	for (size_t i = 0; !why && i < NSTRS; i++) {
		if (!(v = jval_get(obj, key = strs[i].key)))
			continue;
		if (!jval_str(v) || strlen(jval_str(v)) != v->str.len)
			why = "expected a string";
		else if (!(*str_at(p, i) = strdup(jval_str(v))))
			why = "out of memory";
	}
	if (!why)
		return 0;
	snprintf(err, errlen, "%s: %s", key, why);
	pod_info_free(p);
	return -1;
}
