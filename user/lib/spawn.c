// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Running a program and capturing its output (spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "lib/spawn.h"
#include "lib/util.h"

struct sink {
	char **p;
	size_t *len, cap, max;
	bool *oom;
};

static void sink_add(struct sink *k, const char *s, size_t n)
{
	if (*k->oom || *k->len >= k->max)
		return;
	if (n > k->max - *k->len)
		n = k->max - *k->len;
	if (*k->len + n + 1 > k->cap) {
		size_t cap = k->cap ? k->cap : 4096;
		char *p;

		while (cap < *k->len + n + 1)
			cap *= 2;
		if (!(p = realloc(*k->p, cap))) {
			*k->oom = true;
			return;
		}
		*k->p = p;
		k->cap = cap;
	}
	memcpy(*k->p + *k->len, s, n);
	*k->len += n;
	(*k->p)[*k->len] = '\0';
}

static long long now_ms(void)
{
	return (long long)(monotonic_seconds() * 1000);
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0) {
			close(p[i]);
			p[i] = -1;
		}
}

/* The child's side: its stdio, then the signal state fstrace was given (the collector's loop may
 * block or ignore signals; the program gets the defaults and SIGPIPE as fstrace found it). */
static void child(const struct spawn *s, int in[2], int po[2], int pe[2], int px[2])
{
	int nul = s->input ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC), e;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigpipe_restore();
	if (s->timeout_ms > 0)
		setpgid(0, 0);
	dup2(s->input ? in[0] : nul, STDIN_FILENO);
	dup2(po[1], STDOUT_FILENO);
	if (s->capture_err)
		dup2(pe[1], STDERR_FILENO);
	execvp(s->argv[0], s->argv);
	e = errno;
	if (write(px[1], &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

enum spawn_result spawn_capture(const struct spawn *s, struct spawned *r)
{
	int in[2] = { -1, -1 }, po[2] = { -1, -1 }, pe[2] = { -1, -1 }, px[2] = { -1, -1 };
	long long deadline = now_ms() + s->timeout_ms;
	struct sink sinks[2] = { { &r->out, &r->out_len, 0, s->max_output, &r->oom },
				 { &r->err, &r->err_len, 0, s->max_output, &r->oom } };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	size_t off = 0, inlen = s->input ? strlen(s->input) : 0;
	enum spawn_result res = SPAWN_EXITED;
	bool open_o = true, open_e = s->capture_err;
	int saved_errno = 0;
	pid_t pid = -1;

	memset(r, 0, sizeof(*r));
	if (!(r->out = calloc(1, 1)) || !(r->err = calloc(1, 1)) || (s->input && pipe2(in, O_CLOEXEC)) ||
	    pipe2(po, O_CLOEXEC) || (s->capture_err && pipe2(pe, O_CLOEXEC)) || pipe2(px, O_CLOEXEC)) {
		saved_errno = errno;
		res = SPAWN_ERROR;
		goto out;
	}
	fflush(NULL);
	if ((pid = fork()) == 0)
		child(s, in, po, pe, px);
	if (pid < 0) {
		saved_errno = errno;
		res = SPAWN_ERROR;
		goto out;
	}
	close(po[1]);
	close(px[1]);
	po[1] = px[1] = -1;
	if (pe[1] >= 0)
		close(pe[1]), pe[1] = -1;
	if (in[0] >= 0)
		close(in[0]), in[0] = -1;
	/* Only in the parent, after the fork: an ignored SIGPIPE would be inherited through exec. A
	 * program that stops reading its input costs a write EPIPE, and its own message says why. */
	if (s->input) {
		sigaction(SIGPIPE, &ign, &old);
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (!inlen)
			close(in[1]), in[1] = -1;
	}
	while (open_o || open_e) {
		struct pollfd fds[3] = { { open_o ? po[0] : -1, POLLIN, 0 },
					 { open_e ? pe[0] : -1, POLLIN, 0 },
					 { in[1], POLLOUT, 0 } };
		long long left = s->timeout_ms > 0 ? deadline - now_ms() : -1;
		int n;

		if (s->timeout_ms > 0 && left <= 0) {
			res = SPAWN_TIMED_OUT;
			break;
		}
		n = poll(fds, 3, (int)left);
		if (n < 0 && errno != EINTR) {
			saved_errno = errno;
			res = SPAWN_ERROR;
			break;
		}
		if (n > 0 && in[1] >= 0 && fds[2].revents) {
			ssize_t w = write(in[1], s->input + off, inlen - off);

			if (w > 0)
				off += (size_t)w;
			if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == inlen)
				close(in[1]), in[1] = -1; /* done, or it stopped reading */
		}
		for (int i = 0; n > 0 && i < 2; i++) {
			char buf[4096];
			ssize_t got;

			if (!fds[i].revents)
				continue;
			got = read(fds[i].fd, buf, sizeof(buf));
			if (got > 0)
				sink_add(&sinks[i], buf, (size_t)got);
			else if (got == 0 || errno != EINTR)
				*(i ? &open_e : &open_o) = false;
		}
	}
	if (in[1] >= 0)
		close(in[1]), in[1] = -1;
	/* Output closed; the process may still linger. */
	if (s->timeout_ms > 0) {
		while (res == SPAWN_EXITED && waitpid(pid, &r->status, WNOHANG) == 0) {
			if (now_ms() >= deadline)
				res = SPAWN_TIMED_OUT;
			else
				usleep(10000);
		}
	} else if (res == SPAWN_EXITED) {
		while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
			;
	}
	if (res != SPAWN_EXITED) {
		if (s->timeout_ms > 0)
			kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	} else if (read(px[0], &r->exec_err, sizeof(r->exec_err)) == (ssize_t)sizeof(r->exec_err)) {
		res = SPAWN_NOT_STARTED;
	}
	if (s->input)
		sigaction(SIGPIPE, &old, NULL);
out:
	close_pair(in);
	close_pair(po);
	close_pair(pe);
	close_pair(px);
	errno = saved_errno;
	return res;
}

void spawned_free(struct spawned *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
