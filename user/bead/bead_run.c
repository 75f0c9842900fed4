// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Running beads' bd and reading its answer. bd is run directly (fork, execvp), never through a
 * shell: titles carry paths. On success `bd create` prints "✓ Created issue: <id>" (cmd/bd/create.go;
 * newer bd prints "<id> — <title>" after it), with --silent only the id: the id is the first word
 * after "Created issue: ", or the whole output when that is a single word.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "bead/bead.h"
#include "lib/util.h"

/* execvp's own search, done first so that a missing bd is known before anything runs. */
bool bd_on_path(void)
{
	const char *path = getenv("PATH");
	char file[4096];
	struct stat st;

	if (!path)
		path = "/bin:/usr/bin"; /* glibc execvp's default */
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		int dlen = (int)(end - p);

		snprintf(file, sizeof(file), "%.*s/bd", dlen ? dlen : 1, dlen ? p : ".");
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0)
			return true;
		if (!*end)
			return false;
		p = end;
	}
}

#define OUT_MAX (1 << 20)

/* Runs bd with body on its stdin; its stdout in *out (NUL-terminated), its stderr passed through.
 * The exit status as a shell reports it, or -1. Both pipes are served together, so a bd that
 * talks before it has read all of a long report cannot stall either side. */
int bd_run(const char **argv, const char *body, char **out)
{
	int in[2], op[2], status = -1;
	size_t off = 0, blen = strlen(body), olen = 0;
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	pid_t pid;

	*out = calloc(1, OUT_MAX + 1);
	if (!*out || pipe2(in, O_CLOEXEC))
		return -1;
	if (pipe2(op, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		sigpipe_restore(); /* `run --bead` ignores it */
		dup2(in[0], STDIN_FILENO);
		dup2(op[1], STDOUT_FILENO);
		execvp("bd", (char *const *)argv);
		fprintf(stderr, "fstrace: bd: %s\n", strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(op[1]);
	if (pid < 0) {
		close(in[1]);
		close(op[0]);
		return -1;
	}
	/* Only here, after the fork: an ignored SIGPIPE would be inherited by bd through exec. */
	sigaction(SIGPIPE, &ign, &old);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (!blen) {
		close(in[1]);
		in[1] = -1;
	}
	for (;;) {
		struct pollfd fds[2] = { { .fd = op[0], .events = POLLIN }, { .fd = in[1], .events = POLLOUT } };
		char buf[4096];
		ssize_t n;

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (in[1] >= 0 && fds[1].revents) {
			n = write(in[1], body + off, blen - off);
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == blen) {
				close(in[1]); /* done, or bd stopped reading: its own message says why */
				in[1] = -1;
			}
		}
		if (fds[0].revents) {
			n = read(op[0], buf, sizeof(buf));
			if (n == 0 || (n < 0 && errno != EINTR))
				break;
			if (n > 0 && olen < OUT_MAX) {
				memcpy(*out + olen, buf, olen + n > OUT_MAX ? OUT_MAX - olen : (size_t)n);
				olen = olen + n > OUT_MAX ? OUT_MAX : olen + n;
			}
		}
	}
	if (in[1] >= 0)
		close(in[1]);
	close(op[0]);
	sigaction(SIGPIPE, &old, NULL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

/* The new issue's id in bd's output, or false. */
bool bd_created_id(const char *out, char *id, size_t idlen)
{
	const char *p = strstr(out, "Created issue: "), *ws = " \t\r\n\033";
	size_t n;

	if (p) {
		p += strlen("Created issue: ");
	} else {
		p = out + strspn(out, ws); /* bd --silent: the id alone */
		n = strcspn(p, ws);
		if (p[n + strspn(p + n, ws)])
			return false;
	}
	n = strcspn(p, ws);
	if (!n || n >= idlen)
		return false;
	memcpy(id, p, n);
	id[n] = '\0';
	return true;
}
