// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lib/util.h"

void say(const char *fmt, ...)
{
	va_list ap;

	fputs("fstrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The clock of the events' ts_ns (bpf_ktime_get_boot_ns). */
uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * fstrace runs as root and may be pointed at a directory others can write to: never follow
 * a symlink planted at path, and never open an existing file. O_CLOEXEC keeps the file out of
 * the traced command in run mode.
 */
int create_output(const char *path, bool force, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	if (force && lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "%s: is a symbolic link, refusing to write through it", path);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: exists and is not a regular file", path);
			return -1;
		}
		/* Another symlink could appear before the open below; O_EXCL refuses it then. */
		if (unlink(path) && errno != ENOENT) {
			snprintf(err, errlen, "%s: cannot replace: %m", path);
			return -1;
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		snprintf(err, errlen, "%s: already exists (use --force to replace it)", path);
	else if (fd < 0)
		snprintf(err, errlen, "%s: %m", path);
	return fd;
}

uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static struct sigaction sigpipe_started_with;
static bool sigpipe_ignored;

void sigpipe_ignore(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigemptyset(&ign.sa_mask);
	sigpipe_ignored = sigaction(SIGPIPE, &ign, &sigpipe_started_with) == 0;
}

void sigpipe_restore(void)
{
	if (sigpipe_ignored)
		sigaction(SIGPIPE, &sigpipe_started_with, NULL);
}

size_t u32_decimal(char *buf, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}
