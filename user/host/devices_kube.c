// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The cluster's side of a Longhorn volume, read with kubectl: how many replicas it keeps and
 * whether Longhorn calls it healthy. The seed's corrupted ext4 sat on a volume with
 * numberOfReplicas 1 that Longhorn reported "healthy": both facts belong beside an ext4 error.
 *
 * kubectl runs without a shell (the volume name comes from a mount path), with stdin on
 * /dev/null, in its own process group so a timeout kills whatever it started too (lib/spawn.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "host/devices.h"
#include "lib/spawn.h"

#define KUBECTL_TIMEOUT_MS 10000
#define KUBECTL_MAX_OUTPUT (16u << 20) /* a volume object is a few KiB; stop keeping past this */

/* kubectl's own complaint, one line: "Error from server (NotFound): volumes... not found". */
static void first_line(const char *err, char *buf, size_t len)
{
	const char *s = err ? err : "";
	size_t n;

	while (*s == '\n' || *s == ' ')
		s++;
	n = strcspn(s, "\r\n");
	snprintf(buf, len, "%.*s", (int)n, s);
}

static int apply(struct device_info *d, const struct jval *v, char *note, size_t notelen)
{
	const struct jval *spec = jval_get(v, "spec"), *status = jval_get(v, "status");
	const char *rob = jval_str(jval_get(status, "robustness"));
	const char *state = jval_str(jval_get(status, "state"));
	char *r = NULL, *s = NULL;
	int64_t replicas;

	if (!jval_i64(jval_get(spec, "numberOfReplicas"), &replicas)) {
		snprintf(note, notelen, "kubectl: Longhorn volume %s has no spec.numberOfReplicas",
			 d->longhorn_volume);
		return -1;
	}
	if ((rob && !(r = strdup(rob))) || (state && !(s = strdup(state)))) {
		free(r);
		snprintf(note, notelen, "out of memory reading Longhorn volume %s", d->longhorn_volume);
		return -1;
	}
	free(d->longhorn_robustness);
	free(d->longhorn_state);
	d->longhorn_robustness = r;
	d->longhorn_state = s;
	d->longhorn_replicas = replicas;
	d->has_longhorn = true;
	return 0;
}

int device_read_longhorn(struct device_info *d, char *note, size_t notelen)
{
	struct spawn sp = { .capture_err = true,
			    .timeout_ms = KUBECTL_TIMEOUT_MS,
			    .max_output = KUBECTL_MAX_OUTPUT };
	struct spawned r = { 0 };
	char line[256], jerr[128];
	int ret = -1;
	struct jval *v;

	if (!d->longhorn_volume) {
		snprintf(note, notelen, "not a Longhorn volume: nothing to read with kubectl");
		return -1;
	}
	char *argv[] = {
		"kubectl", "get", "volumes.longhorn.io", "-n", "longhorn-system", d->longhorn_volume, "-o",
		"json",    NULL
	};

	sp.argv = argv;
	switch (spawn_capture(&sp, &r)) {
	case SPAWN_ERROR:
		snprintf(note, notelen, "kubectl not run: %s", strerror(errno));
		goto done;
	case SPAWN_NOT_STARTED:
		if (r.exec_err == ENOENT)
			snprintf(note, notelen, "kubectl not found: Longhorn volume settings not read");
		else
			snprintf(note, notelen, "kubectl not run: %s", strerror(r.exec_err));
		goto done;
	case SPAWN_TIMED_OUT:
		snprintf(note, notelen, "kubectl timed out after %d s: Longhorn volume settings not read",
			 KUBECTL_TIMEOUT_MS / 1000);
		goto done;
	case SPAWN_EXITED:
		break;
	}
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
		first_line(r.err, line, sizeof(line));
		if (line[0])
			snprintf(note, notelen, "kubectl failed: %s", line);
		else if (WIFEXITED(r.status))
			snprintf(note, notelen, "kubectl failed: exit status %d", WEXITSTATUS(r.status));
		else
			snprintf(note, notelen, "kubectl failed: killed by signal %d", WTERMSIG(r.status));
		goto done;
	}
	if (r.oom) {
		snprintf(note, notelen, "out of memory reading kubectl's output");
		goto done;
	}
	if (!(v = json_parse(r.out ? r.out : "", r.out_len, jerr, sizeof(jerr)))) {
		snprintf(note, notelen, "kubectl printed no Longhorn volume: %s", jerr);
		goto done;
	}
	ret = apply(d, v, note, notelen);
	jval_free(v);
done:
	spawned_free(&r);
	return ret;
}
