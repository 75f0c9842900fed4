// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* recording.h: foreign files and unsafe output paths are refused with one clear line. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

#include "records.h"
#include "scratch.h"

static void check_refused(const char *path, const char *want)
{
	struct recording_header h;
	char err[512] = "";
	struct recording_reader *r = recording_open(path, &h, err, sizeof(err));

	CHECK(r == NULL && !strchr(err, '\n'));
	if (!strstr(err, want))
		fprintf(stderr, "%s: \"%s\", wanted \"%s\"\n", path, err, want);
	CHECK(strstr(err, want) != NULL);
	recording_close_reader(r);
}

static void foreign_files(void)
{
	check_refused(in_dir("missing"), "No such file or directory");
	check_refused(dir, "not a regular file");
	write_file(in_dir("empty"), "", 0);
	check_refused(in_dir("empty"), "empty file, not an fstrace recording");
	write_file(in_dir("plain"), HEADER EVENT, strlen(HEADER EVENT));
	check_refused(in_dir("plain"), "not gzip-compressed, not an fstrace recording");
	write_file(in_dir("fakegz"), "\x1f\x8bnonsense", 10);
	check_refused(in_dir("fakegz"), "line 1: damaged gzip data");
	write_gz(in_dir("other.gz"), "hello\n");
	check_refused(in_dir("other.gz"), "not an fstrace recording");
	write_gz(in_dir("nolines.gz"), "");
	check_refused(in_dir("nolines.gz"), "not an fstrace recording");
	write_gz(in_dir("event-first.gz"), EVENT);
	check_refused(in_dir("event-first.gz"), "not an fstrace recording");
	write_gz(in_dir("future.gz"), "{\"type\":\"header\",\"format\":\"fstrace.recording\",\"format_version\":2}\n");
	check_refused(in_dir("future.gz"), "recording format 2 is newer than this fstrace understands (1)");
	write_gz(in_dir("badhdr.gz"), "{\"type\":\"header\",\"format\":\"fstrace.recording\",\"format_version\":1,"
		 "\"command\":[1]}\n");
	check_refused(in_dir("badhdr.gz"), "header: command:");
}

static void output_paths(void)
{
	struct recording_header h;
	struct recording_writer *w;
	struct stat st;
	char err[512], *text;
	size_t len;

	make_header(&h, "record", 0, NULL);
	write_file(in_dir("taken"), "keep", 4);
	CHECK(!recording_create(in_dir("taken"), false, &h, err, sizeof(err)) && strstr(err, "already exists"));
	text = read_file(in_dir("taken"), &len);
	CHECK(len == 4 && memcmp(text, "keep", 4) == 0);
	free(text);
	w = recording_create(in_dir("taken"), true, &h, err, sizeof(err));
	CHECK(w && recording_close(w, 0, 0, -1, NULL, 0) == 0);
	CHECK(stat(in_dir("taken"), &st) == 0 && (st.st_mode & 0777) == 0600);

	REQUIRE(symlink(in_dir("target"), in_dir("link")) == 0); /* dangling */
	CHECK(!recording_create(in_dir("link"), true, &h, err, sizeof(err)) && strstr(err, "symbolic link"));
	CHECK(!recording_create(in_dir("link"), false, &h, err, sizeof(err)) && strstr(err, "already exists"));
	CHECK(lstat(in_dir("target"), &st) == -1);
	write_file(in_dir("target"), "keep", 4);
	CHECK(!recording_create(in_dir("link"), true, &h, err, sizeof(err)) && strstr(err, "symbolic link"));
	CHECK(!strchr(err, '\n'));
	CHECK(file_size(in_dir("target")) == 4 && lstat(in_dir("link"), &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(!recording_create(dir, true, &h, err, sizeof(err)) && strstr(err, "not a regular file"));
	CHECK(!recording_create(in_dir("nodir/x"), false, &h, err, sizeof(err)) && strstr(err, "No such file"));
	recording_header_free(&h);
}

/* Registered with atexit, so a failed REQUIRE cleans up too. */

/* A full disk (here: a file size limit) is reported by write, flush or close, never ignored. */
static void write_errors(void)
{
	struct rlimit old, small = { 16384, 16384 };
	struct recording_header h;
	struct recording_writer *w;
	char err[512];
	int failed = 0;

	make_header(&h, "record", 0, NULL);
	w = recording_create(in_dir("full-disk.fst.gz"), false, &h, err, sizeof(err));
	REQUIRE(w);
	REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
	small.rlim_max = old.rlim_max;
	signal(SIGXFSZ, SIG_IGN);
	REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
	for (unsigned i = 0; i < 20000 && !failed; i++) {
		struct record rec;

		sample_record(&rec, i);
		if (recording_write(w, &rec) || (i % 100 == 0 && recording_flush(w)))
			failed = errno;
		record_free(&rec);
	}
	CHECK(failed == EFBIG && strstr(recording_writer_error(w), "File too large"));
	CHECK(recording_write(w, &(struct record){ .fd = -1 }) == -1); /* stays failed */
	CHECK(recording_close(w, 0, 0, -1, NULL, 0) == -1);
	REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
	recording_header_free(&h);
}

int main(void)
{
	scratch_setup();
	foreign_files();
	output_paths();
	write_errors();
	return CHECK_RESULT();
}
