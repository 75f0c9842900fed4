// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The cluster's side of a Longhorn volume, read with kubectl: how many replicas it keeps and
 * whether Longhorn calls it healthy. The seed's corrupted ext4 sat on a volume with
 * numberOfReplicas 1 that Longhorn reported "healthy": both facts belong beside an ext4 error.
 *
 * kubectl runs without a shell (the volume name comes from a mount path), with stdin on
 * /dev/null, in its own process group so a timeout kills whatever it started too.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/devices.h"

#define KUBECTL_TIMEOUT_MS 10000
#define KUBECTL_MAX_OUTPUT (16u << 20) /* a volume object is a few KiB; stop keeping past this */

struct capture {
	char *p;
	size_t len, cap;
	bool oom;
};

static void capture_add(struct capture *c, const char *s, size_t n)
{
	if (c->oom || c->len + n > KUBECTL_MAX_OUTPUT)
		return;
	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		char *p;

		while (cap < c->len + n + 1)
			cap *= 2;
		if (!(p = realloc(c->p, cap))) {
			c->oom = true;
			return;
		}
		c->p = p;
		c->cap = cap;
	}
	memcpy(c->p + c->len, s, n);
	c->len += n;
	c->p[c->len] = '\0';
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum run_result { RUN_EXITED, RUN_NOT_STARTED, RUN_TIMED_OUT, RUN_ERROR };

/* Runs argv[0] from PATH; on RUN_EXITED *status is waitpid's, on RUN_NOT_STARTED *exec_err is
 * execvp's errno. */
static enum run_result run_capture(char *const argv[], int timeout_ms, struct capture *out,
				   struct capture *err, int *status, int *exec_err)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, px[2] = { -1, -1 };
	long long deadline = now_ms() + timeout_ms;
	enum run_result res = RUN_EXITED;
	bool open_o = true, open_e = true;
	int saved_errno = 0;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC) || pipe2(px, O_CLOEXEC) ||
	    (pid = fork()) < 0) {
		saved_errno = errno;
		res = RUN_ERROR;
		goto out;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC), e;
		sigset_t none;

		/* The tracer may block or ignore signals for its own loop; kubectl gets the defaults. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		if (nul >= 0)
			dup2(nul, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execvp(argv[0], argv);
		e = errno;
		if (write(px[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	close(px[1]);
	po[1] = pe[1] = px[1] = -1;

	while (open_o || open_e) {
		struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
		long long left = deadline - now_ms();
		int r;

		if (!open_o)
			fds[0].fd = -1;
		if (!open_e)
			fds[1].fd = -1;
		if (left <= 0) {
			res = RUN_TIMED_OUT;
			break;
		}
		r = poll(fds, 2, (int)left);
		if (r < 0 && errno != EINTR) {
			saved_errno = errno;
			res = RUN_ERROR;
			break;
		}
		for (int i = 0; r > 0 && i < 2; i++) {
			char buf[4096];
			ssize_t n;

			if (!fds[i].revents)
				continue;
			n = read(fds[i].fd, buf, sizeof(buf));
			if (n > 0)
				capture_add(i ? err : out, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				*(i ? &open_e : &open_o) = false;
		}
	}
	/* Output closed; the process may still linger. */
	while (res == RUN_EXITED && waitpid(pid, status, WNOHANG) == 0) {
		if (now_ms() >= deadline)
			res = RUN_TIMED_OUT;
		else
			usleep(10000);
	}
	if (res != RUN_EXITED) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else if (read(px[0], exec_err, sizeof(*exec_err)) == (ssize_t)sizeof(*exec_err)) {
		res = RUN_NOT_STARTED;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
		if (px[i] >= 0)
			close(px[i]);
	}
	errno = saved_errno;
	return res;
}

/* kubectl's own complaint, one line: "Error from server (NotFound): volumes... not found". */
static void first_line(const struct capture *c, char *buf, size_t len)
{
	const char *s = c->p ? c->p : "";
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
	struct capture out = { 0 }, err = { 0 };
	char line[256], jerr[128];
	int status = 0, exec_err = 0, ret = -1;
	struct jval *v;

	if (!d->longhorn_volume) {
		snprintf(note, notelen, "not a Longhorn volume: nothing to read with kubectl");
		return -1;
	}
	char *argv[] = { "kubectl", "get", "volumes.longhorn.io", "-n", "longhorn-system",
			 d->longhorn_volume, "-o", "json", NULL };

	switch (run_capture(argv, KUBECTL_TIMEOUT_MS, &out, &err, &status, &exec_err)) {
	case RUN_ERROR:
		snprintf(note, notelen, "kubectl not run: %s", strerror(errno));
		goto done;
	case RUN_NOT_STARTED:
		if (exec_err == ENOENT)
			snprintf(note, notelen, "kubectl not found: Longhorn volume settings not read");
		else
			snprintf(note, notelen, "kubectl not run: %s", strerror(exec_err));
		goto done;
	case RUN_TIMED_OUT:
		snprintf(note, notelen, "kubectl timed out after %d s: Longhorn volume settings not read",
			 KUBECTL_TIMEOUT_MS / 1000);
		goto done;
	case RUN_EXITED:
		break;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		first_line(&err, line, sizeof(line));
		if (line[0])
			snprintf(note, notelen, "kubectl failed: %s", line);
		else if (WIFEXITED(status))
			snprintf(note, notelen, "kubectl failed: exit status %d", WEXITSTATUS(status));
		else
			snprintf(note, notelen, "kubectl failed: killed by signal %d", WTERMSIG(status));
		goto done;
	}
	if (out.oom) {
		snprintf(note, notelen, "out of memory reading kubectl's output");
		goto done;
	}
	if (!(v = json_parse(out.p ? out.p : "", out.len, jerr, sizeof(jerr)))) {
		snprintf(note, notelen, "kubectl printed no Longhorn volume: %s", jerr);
		goto done;
	}
	ret = apply(d, v, note, notelen);
	jval_free(v);
done:
	free(out.p);
	free(err.p);
	return ret;
}
