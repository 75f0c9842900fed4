/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* A scratch directory for the recording tests, removed at exit, and file helpers. */
#ifndef FSTRACE_TEST_SCRATCH_H
#define FSTRACE_TEST_SCRATCH_H

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "recording/recording.h"

static char dir[256];

/* dir/name; the result is overwritten by the fourth call after. */
static inline const char *in_dir(const char *name)
{
	static char path[4][512];
	static int n;

	n = (n + 1) % 4;
	snprintf(path[n], sizeof(path[n]), "%s/%s", dir, name);
	return path[n];
}

static inline void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");

	REQUIRE(f && fwrite(data, 1, len, f) == len && fclose(f) == 0);
}

static inline char *read_file(const char *path, size_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *buf;

	REQUIRE(f && fstat(fileno(f), &st) == 0);
	buf = malloc((size_t)st.st_size + 1);
	REQUIRE(buf && fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static inline size_t file_size(const char *path)
{
	struct stat st;

	REQUIRE(stat(path, &st) == 0);
	return (size_t)st.st_size;
}

/* A gzip file of the given text, to craft recordings the writer would never produce. */
static inline void write_gz(const char *path, const char *text)
{
	gzFile gz = gzopen(path, "wb");

	REQUIRE(gz && gzwrite(gz, text, (unsigned)strlen(text)) == (int)strlen(text));
	REQUIRE(gzclose(gz) == Z_OK);
}

#define HEADER "{\"type\":\"header\",\"format\":\"fstrace.recording\",\"format_version\":1}\n"
#define EVENT "{\"ts_ns\":1,\"type\":\"kmsg\",\"msg\":\"m\"}\n"

static inline void make_header(struct recording_header *h, const char *mode, int argc, char **argv)
{
	char err[256];

	REQUIRE(recording_header_fill(h, mode, argc, argv, err, sizeof(err)) == 0);
	REQUIRE(recording_header_add_attach(h, "syscalls", "tracepoint") == 0);
	REQUIRE(recording_header_add_attach(h, "ext4_error", "tracepoint") == 0);
}

static inline void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(in_dir(e->d_name));
	closedir(d);
	if (rmdir(dir))
		perror(dir);
}

static inline void scratch_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/fstrace-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	REQUIRE(mkdtemp(dir));
	atexit(remove_dir);
}

#endif
