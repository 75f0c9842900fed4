// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The container data roots a preflight looks at: the PATHs given, or the usual ones (Docker's,
 * containerd's, BuildKit's, podman's and CRI-O's, k3s' and rke2's) and Docker's data-root from its
 * daemon.json. Only where they exist: an absent data root is no risk.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lib/json.h"
#include "host/paths.h"
#include "preflight/preflight.h"
#include "lib/util.h"

static const char *const default_roots[] = {
	"/var/lib/docker",
	"/var/lib/containerd",
	"/var/lib/buildkit",
	"/var/lib/containers",                    /* podman, buildah, CRI-O */
	"/var/lib/rancher/k3s/agent/containerd",  /* k3s' own containerd */
	"/var/lib/rancher/rke2/agent/containerd", /* rke2's */
};

/* Adds a data root once (by its resolved path). 0, or -1 when memory runs out. */
static int add_root(struct preflight *p, const char *path, const char *from)
{
	char real[PATH_MAX];
	struct preflight_root *v, *r;
	struct stat st;
	bool exists = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

	if (!exists && errno == EACCES)
		preflight_note(p, "%s: cannot look (permission denied): run as root to see it", path);
	if (exists && realpath(path, real))
		path = real;
	for (size_t i = 0; i < p->nroots; i++)
		if (!strcmp(p->roots[i].path, path))
			return 0;
	if (!(v = realloc(p->roots, (p->nroots + 1) * sizeof(*v))))
		return -1;
	p->roots = v;
	r = &v[p->nroots++];
	memset(r, 0, sizeof(*r));
	r->path = strdup(path);
	r->from = strdup(from);
	r->exists = exists;
	return r->path && r->from ? 0 : -1;
}

/* Docker's "data-root" (the old "graph" too) from daemon.json: NULL when the file does not set
 * it; *bad set (after one line) when the file is there but cannot be read or is not JSON. */
static char *docker_data_root(struct preflight *p, const char *file, bool given, bool *bad)
{
	char buf[65536], err[128], *root = NULL;
	struct jval *v;
	const char *s;
	size_t n;
	FILE *f = fopen(file, "r");

	*bad = false;
	if (!f) {
		if (given) {
			say("--docker-config %s: %s", file, strerror(errno));
			*bad = true;
		} else if (errno == EACCES) {
			preflight_note(p,
				       "%s: cannot read it (permission denied): Docker's data-root may be "
				       "elsewhere; run as root to see it",
				       file);
		}
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (!(v = json_parse(buf, n, err, sizeof(err))) || v->type != JSON_OBJ) {
		if (given) {
			say("--docker-config %s: not a JSON object (%s)", file, v ? "another JSON value" : err);
			*bad = true;
		} else {
			preflight_note(p, "%s is not JSON (%s): Docker itself will refuse to start", file, err);
		}
		jval_free(v);
		return NULL;
	}
	if ((s = jval_str(jval_get(v, "data-root"))) || (s = jval_str(jval_get(v, "graph"))))
		root = strdup(s);
	jval_free(v);
	return root;
}

int preflight_roots(struct preflight *p, const struct preflight_options *o)
{
	const char *config = o->docker_config ? o->docker_config : "/etc/docker/daemon.json";
	char *from = NULL, *dr;
	bool bad;
	int ret = 0;

	for (size_t i = 0; i < o->npaths; i++) {
		struct stat st;

		if (stat(o->paths[i], &st)) {
			say("%s: %s", o->paths[i], strerror(errno));
			return -1;
		}
		if (add_root(p, o->paths[i], "argument"))
			return -1;
	}
	/* With PATHs, daemon.json's data-root only when asked for by --docker-config. */
	if (o->npaths && !o->docker_config_given)
		return 0;
	dr = docker_data_root(p, config, o->docker_config_given, &bad);
	if (bad)
		return -1;
	if (dr && asprintf(&from, "daemon.json %s", config) >= 0) {
		if (dr[0] != '/')
			preflight_note(p, "%s: data-root \"%s\" is not an absolute path: Docker refuses it",
				       config, dr);
		else
			ret = add_root(p, dr, from);
	}
	free(from);
	free(dr);
	for (size_t i = 0; !o->npaths && !ret && i < sizeof(default_roots) / sizeof(default_roots[0]); i++)
		ret = add_root(p, default_roots[i], "default");
	return ret;
}
