// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What a cgroup path says about its task. The shapes, as the runtimes and kubelet create them:
 *
 *   docker         /system.slice/docker-<id>.scope            (systemd driver)
 *                  /docker/<id>                                (cgroupfs driver)
 *   containerd     .../cri-containerd-<id>.scope               (CRI, systemd driver)
 *                  /kubepods/<qos>/pod<uid>/<id>               (CRI, cgroupfs driver)
 *   cri-o          .../crio-<id>.scope, .../crio-conmon-<id>.scope (its monitor process)
 *   podman         .../libpod-<id>.scope, .../libpod-conmon-<id>.scope, /libpod_parent/libpod-<id>
 *   kubelet        /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/...
 *                  (systemd: '-' in the UID becomes '_'; a Guaranteed pod sits directly under
 *                  kubepods.slice as kubepods-pod<uid_>.slice), /kubepods/burstable/pod<uid>/...
 *                  (cgroupfs), and either under another root (kind: /kubelet.slice/kubelet-kubepods.slice/...).
 *
 * A plain <id> under kubepods is containerd's; cri-dockerd with the cgroupfs driver names its
 * containers the same way, which the path cannot tell apart.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/cgroups.h"

#define ID_LEN 64

static const struct {
	const char *prefix, *runtime;
	enum cgroup_dir_kind kind;
} container_prefixes[] = {
	/* conmon's before the runtime's own: "crio-" is a prefix of "crio-conmon-" */
	{ "crio-conmon-", "cri-o", CGDIR_CONMON }, { "libpod-conmon-", "podman", CGDIR_CONMON },
	{ "docker-", "docker", CGDIR_CONTAINER },  { "cri-containerd-", "containerd", CGDIR_CONTAINER },
	{ "crio-", "cri-o", CGDIR_CONTAINER },     { "libpod-", "podman", CGDIR_CONTAINER },
};

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* "<64 hex>" or "<64 hex>.scope" (the systemd driver's unit). */
static bool container_id_at(const char *s, char *id)
{
	if (strlen(s) < ID_LEN || !all_hex(s, ID_LEN) || (s[ID_LEN] && strcmp(s + ID_LEN, ".scope")))
		return false;
	memcpy(id, s, ID_LEN);
	id[ID_LEN] = '\0';
	return true;
}

/* A pod UID as kubelet writes it into a name: 8-4-4-4-12 hex with '-' (cgroupfs) or '_'
 * (systemd, where '-' separates slice levels), or a static pod's 32 hex digits (an md5 of
 * its manifest). Into uid with dashes. */
static bool pod_uid_at(const char *s, size_t len, char *uid)
{
	if (len == 32 && all_hex(s, 32)) {
		memcpy(uid, s, 32);
		uid[32] = '\0';
		return true;
	}
	if (len != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool sep = i == 8 || i == 13 || i == 18 || i == 23;

		if (sep ? s[i] != '-' && s[i] != '_' : !all_hex(s + i, 1))
			return false;
		uid[i] = sep ? '-' : s[i];
	}
	uid[36] = '\0';
	return true;
}

static enum cgroup_dir_kind pod_dir(const char *name, const char *parent, bool under_kubepods, char *uid,
				    const char **qos)
{
	size_t len = strlen(name);
	const char *pod;

	if (ends_with(name, len, ".slice")) { /* systemd: <root-prefix>kubepods[-<qos>]-pod<uid>.slice */
		len -= strlen(".slice");
		if (len < 4 + 32)
			return CGDIR_NONE;
		for (pod = name + len - 4; pod > name && strncmp(pod, "-pod", 4); pod--)
			;
		if (pod <= name || !pod_uid_at(pod + 4, (size_t)(name + len - pod - 4), uid))
			return CGDIR_NONE;
		len = (size_t)(pod - name);
		if (ends_with(name, len, "kubepods-burstable"))
			*qos = "Burstable";
		else if (ends_with(name, len, "kubepods-besteffort"))
			*qos = "BestEffort";
		else if (ends_with(name, len, "kubepods"))
			*qos = "Guaranteed";
		else
			return CGDIR_NONE;
		return CGDIR_POD;
	}
	/* cgroupfs: /kubepods/pod<uid> (Guaranteed) or /kubepods/<qos>/pod<uid> */
	if (!under_kubepods || strncmp(name, "pod", 3) || !pod_uid_at(name + 3, len - 3, uid))
		return CGDIR_NONE;
	if (!strcmp(parent, "burstable"))
		*qos = "Burstable";
	else if (!strcmp(parent, "besteffort"))
		*qos = "BestEffort";
	else if (!strcmp(parent, "kubepods"))
		*qos = "Guaranteed";
	else
		return CGDIR_NONE;
	return CGDIR_POD;
}

enum cgroup_dir_kind cgroup_dir_parse(const char *name, const char *parent, bool under_kubepods, char *id,
				      const char **runtime_or_qos)
{
	*runtime_or_qos = NULL;
	for (size_t i = 0; i < sizeof(container_prefixes) / sizeof(container_prefixes[0]); i++) {
		size_t n = strlen(container_prefixes[i].prefix);

		if (!strncmp(name, container_prefixes[i].prefix, n) && container_id_at(name + n, id)) {
			*runtime_or_qos = container_prefixes[i].runtime;
			return container_prefixes[i].kind;
		}
	}
	if (strlen(name) == ID_LEN && container_id_at(name, id)) {
		if (!strcmp(parent, "docker"))
			*runtime_or_qos = "docker";
		else if (under_kubepods)
			*runtime_or_qos = "containerd";
		return CGDIR_CONTAINER;
	}
	return pod_dir(name, parent, under_kubepods, id, runtime_or_qos);
}

static int set(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

int cgroup_parse_path(const char *path, struct cgroup_info *ci)
{
	char name[256], parent[256] = "", id[ID_LEN + 1];
	bool under_kubepods = false;
	const char *s = path, *what;
	int bad = 0;

	while (s && *s) {
		const char *end = strchr(s, '/');
		size_t n = end ? (size_t)(end - s) : strlen(s);

		if (n && n < sizeof(name)) {
			memcpy(name, s, n);
			name[n] = '\0';
			/* The innermost wins: docker in docker, crun's "container" subgroup below a scope. */
			switch (cgroup_dir_parse(name, parent, under_kubepods, id, &what)) {
			case CGDIR_CONTAINER:
			case CGDIR_CONMON:
				bad |= set(&ci->container_id, id) | set(&ci->runtime, what);
				break;
			case CGDIR_POD:
				bad |= set(&ci->pod_uid, id) | set(&ci->qos, what);
				break;
			case CGDIR_NONE:
				break;
			}
			under_kubepods |= strstr(name, "kubepods") != NULL;
			memcpy(parent, name, n + 1);
		}
		s = end ? end + 1 : NULL;
	}
	return bad ? -1 : 0;
}

bool cgroup_info_attributed(const struct cgroup_info *ci)
{
	return ci && (ci->container_id || ci->pod_uid);
}

/* kubelet keeps /var/log/pods/<namespace>_<name>_<uid>/ for as long as the pod is on the node
 * (and a while after). Namespaces and pod names are DNS labels and subdomains: no '_', so the
 * name splits without ambiguity. /var/lib/kubelet/pods/<uid>/ has neither: its etc-hosts names
 * the pod's hostname, which spec.hostname can change, and no namespace. */
int cgroup_pod_names(const struct cgroup_roots *roots, const char *uid, char **name, char **ns)
{
	DIR *d = roots->pod_logs ? opendir(roots->pod_logs) : NULL;
	struct dirent *e;
	size_t ulen = strlen(uid);
	int ret = -1;

	*name = *ns = NULL;
	while (d && (e = readdir(d))) {
		const char *first = strchr(e->d_name, '_'), *last = strrchr(e->d_name, '_');
		size_t len = strlen(e->d_name);

		if (!first || first == last || len <= ulen || strcmp(last + 1, uid) || first == e->d_name ||
		    last == first + 1)
			continue;
		*ns = strndup(e->d_name, (size_t)(first - e->d_name));
		*name = strndup(first + 1, (size_t)(last - first - 1));
		ret = *ns && *name ? 0 : -1;
		break;
	}
	if (d)
		closedir(d);
	if (ret) {
		free(*name);
		free(*ns);
		*name = *ns = NULL;
	}
	return ret;
}
