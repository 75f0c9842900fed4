// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "cli/output_capture.h"

static int open_pty(int *master, int *slave)
{
	struct winsize ws;
	char *name;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -1;
	if (grantpt(*master) || unlockpt(*master) || !(name = ptsname(*master)) ||
	    (*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		close(*master);
		return -1;
	}
	/* The command asks its terminal for its size: give it ours. */
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(*slave, TIOCSWINSZ, &ws);
	return 0;
}

int output_capture_start(struct output_capture *c, char *err, size_t errlen)
{
	static const char *const names[] = { "stdout", "stderr" };
	int pty_slave = -1;

	memset(c, 0, sizeof(*c));
	c->pty_master = -1;
	for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		struct capture_stream *s = &c->s[c->count];
		int p[2];

		if (fcntl(fd, F_GETFD) < 0)
			continue; /* closed: the command inherits it closed */
		s->name = names[fd - 1];
		s->out_fd = fd;
		if (isatty(fd)) {
			if (c->pty_master < 0 && open_pty(&c->pty_master, &pty_slave))
				goto fail;
			if (fd == STDERR_FILENO && c->count && c->s[0].read_fd == c->pty_master)
				continue; /* stdout's terminal is stderr's too */
			s->name = "terminal";
			s->read_fd = c->pty_master;
			s->child_fd = pty_slave;
		} else {
			if (pipe2(p, O_CLOEXEC))
				goto fail;
			s->read_fd = p[0];
			s->child_fd = p[1];
		}
		c->count++;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot capture the command's output: %s", strerror(errno));
	for (int i = 0; i < c->count; i++) {
		if (c->s[i].read_fd != c->pty_master)
			close(c->s[i].read_fd);
		if (c->s[i].child_fd != pty_slave)
			close(c->s[i].child_fd);
	}
	if (c->pty_master >= 0) {
		close(c->pty_master);
		close(pty_slave);
	}
	memset(c, 0, sizeof(*c));
	c->pty_master = -1;
	return -1;
}

void output_capture_child(struct output_capture *c)
{
	for (int i = 0; i < c->count; i++) {
		dup2(c->s[i].child_fd, c->s[i].out_fd);
		/* A shared terminal is also stderr. */
		if (c->s[i].read_fd == c->pty_master && c->s[i].out_fd == STDOUT_FILENO && isatty(STDERR_FILENO))
			dup2(c->s[i].child_fd, STDERR_FILENO);
	}
}

void output_capture_parent(struct output_capture *c)
{
	for (int i = 0; i < c->count; i++) {
		close(c->s[i].child_fd);
		c->s[i].child_fd = -1;
		fcntl(c->s[i].read_fd, F_SETFL, fcntl(c->s[i].read_fd, F_GETFL) | O_NONBLOCK);
	}
}

int output_capture_pollfds(const struct output_capture *c, struct pollfd *fds)
{
	int n = 0;

	for (int i = 0; i < c->count; i++)
		if (c->s[i].read_fd >= 0)
			fds[n++] = (struct pollfd){ .fd = c->s[i].read_fd, .events = POLLIN };
	return n;
}

/* false once the reader of fd has gone (EPIPE) */
static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 100);
			continue;
		}
		if (n < 0 && errno == EPIPE)
			return false;
		if (n <= 0)
			return true; /* our own output is unwritable: keep tracing, stop relaying */
		buf += n;
		len -= n;
	}
	return true;
}

static void emit_line(struct capture_stream *s, capture_line_fn fn, void *ctx)
{
	size_t len = s->len;

	/* A terminal turns "\n" into "\r\n"; the line is the text without either. */
	while (len && s->line[len - 1] == '\r')
		len--;
	s->line[len] = '\0';
	fn(s->name, s->line, len, ctx);
	s->len = 0;
}

static void split_lines(struct capture_stream *s, const char *buf, size_t n, capture_line_fn fn, void *ctx)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			emit_line(s, fn, ctx);
			continue;
		}
		s->line[s->len++] = buf[i];
		if (s->len == CAPTURE_LINE_MAX - 1)
			emit_line(s, fn, ctx);
	}
}

void output_capture_pump(struct output_capture *c, capture_line_fn fn, void *ctx)
{
	char buf[65536];

	for (int i = 0; i < c->count; i++) {
		struct capture_stream *s = &c->s[i];

		while (s->read_fd >= 0) {
			ssize_t n = read(s->read_fd, buf, sizeof(buf));

			if (n > 0) {
				bool reader = write_all(s->out_fd, buf, n);

				split_lines(s, buf, n, fn, ctx);
				if (!reader) {
					/* As without fstrace: its next write finds the pipe broken (SIGPIPE). */
					close(s->read_fd);
					s->read_fd = -1;
					break;
				}
				continue;
			}
			if (n < 0 && (errno == EINTR))
				continue;
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				/* End of the stream (a pty says EIO once no one holds its other side). */
				close(s->read_fd);
				s->read_fd = -1;
			}
			break;
		}
	}
}

void output_capture_finish(struct output_capture *c, capture_line_fn fn, void *ctx)
{
	output_capture_pump(c, fn, ctx);
	for (int i = 0; i < c->count; i++) {
		struct capture_stream *s = &c->s[i];

		if (s->len)
			emit_line(s, fn, ctx);
		/* A daemon the command left behind may still hold the stream: stop reading it. */
		if (s->read_fd >= 0)
			close(s->read_fd);
		s->read_fd = -1;
	}
	c->pty_master = -1;
}

void output_capture_resize(struct output_capture *c)
{
	struct winsize ws;

	if (c->pty_master >= 0 &&
	    (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0))
		ioctl(c->pty_master, TIOCSWINSZ, &ws);
}
