// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * recording.h: what is written reads back identically, a recorder killed mid-way leaves a
 * readable file, and damage stops the read at the first bad line.
 */
#include <glob.h>

#include "recording/event_json.h"
#include "records.h"
#include "scratch.h"

static bool header_equal(const struct recording_header *a, const struct recording_header *b)
{
	bool eq = a->format_version == b->format_version && str_eq(a->fstrace_version, b->fstrace_version) &&
		  str_eq(a->kernel, b->kernel) && str_eq(a->hostname, b->hostname) &&
		  str_eq(a->boot_id, b->boot_id) && str_eq(a->started, b->started) &&
		  a->started_boot_ns == b->started_boot_ns && str_eq(a->mode, b->mode) &&
		  a->argc == b->argc && !a->argv == !b->argv && a->nattach == b->nattach;

	for (int i = 0; eq && i < a->argc; i++)
		eq = str_eq(a->argv[i], b->argv[i]);
	for (size_t i = 0; eq && i < a->nattach; i++)
		eq = str_eq(a->attach[i].hook, b->attach[i].hook) && str_eq(a->attach[i].mode, b->attach[i].mode);
	return eq;
}

/* Whether read_events reads ahead on a thread: each test runs both ways. */
static bool ahead;

/* Reads path; returns how many events came back equal to sample_record(0..), -1 if one differed. */
static int read_events(const char *path, int *last_rc, struct recording_reader **keep)
{
	struct recording_header h;
	struct recording_reader *r;
	struct record got, want;
	char err[512];
	int n = 0, rc;

	r = recording_open(path, &h, err, sizeof(err));
	if (!r)
		fprintf(stderr, "open: %s\n", err);
	REQUIRE(r);
	recording_read_ahead(r, ahead);
	while ((rc = recording_next(r, &got)) == 1) {
		sample_record(&want, (unsigned)n);
		if (!record_equal(&got, &want))
			n = -1000000;
		n++;
		record_free(&want);
		record_free(&got);
	}
	*last_rc = rc;
	recording_header_free(&h);
	if (keep)
		*keep = r;
	else
		recording_close_reader(r);
	return n < 0 ? -1 : n;
}

static void round_trip(void)
{
	char *argv[] = { "make", "-C", "dir with space", "\xe2\x9c\x93" };
	struct recording_header h, got;
	struct recording_reader *r;
	struct recording_writer *w;
	char err[512];
	uint64_t events, lost;
	int code, rc;

	make_header(&h, "run", 4, argv);
	CHECK(h.kernel && h.hostname && h.started && strlen(h.started) == 20 && h.started[10] == 'T');
	CHECK(h.started_boot_ns > 0 && h.argv && h.argv[4] == NULL && h.format_version == 1);
	w = recording_create(in_dir("full.fst.gz"), false, &h, err, sizeof(err));
	if (!w)
		fprintf(stderr, "create: %s\n", err);
	REQUIRE(w);
	for (unsigned i = 0; i < 1000; i++) {
		struct record rec;

		sample_record(&rec, i);
		CHECK(recording_write(w, &rec) == 0);
		record_free(&rec);
		if (i % 300 == 0)
			CHECK(recording_flush(w) == 0);
	}
	CHECK(recording_close(w, 1000, 7, 3, NULL, 0) == 0);
	CHECK((file_size(in_dir("full.fst.gz")) > 0));

	r = recording_open(in_dir("full.fst.gz"), &got, err, sizeof(err));
	REQUIRE(r);
	CHECK(header_equal(&h, &got));
	recording_close_reader(r);
	recording_header_free(&got);
	CHECK(read_events(in_dir("full.fst.gz"), &rc, &r) == 1000 && rc == 0);
	CHECK(!recording_truncated(r) && recording_next(r, &(struct record){ 0 }) == 0);
	CHECK(recording_trailer(r, &events, &lost, &code) && events == 1000 && lost == 7 && code == 3);
	recording_close_reader(r);
	recording_header_free(&h);

	/* record mode: no command, no exit code */
	make_header(&h, "record", 0, NULL);
	w = recording_create(in_dir("rec.fst.gz"), false, &h, err, sizeof(err));
	REQUIRE(w);
	CHECK(recording_close(w, 0, 0, -1, NULL, 0) == 0);
	r = recording_open(in_dir("rec.fst.gz"), &got, err, sizeof(err));
	REQUIRE(r);
	CHECK(header_equal(&h, &got) && got.argv == NULL && strcmp(got.mode, "record") == 0);
	CHECK(recording_next(r, &(struct record){ 0 }) == 0 && !recording_truncated(r));
	CHECK(recording_trailer(r, &events, NULL, &code) && events == 0 && code == -1);
	recording_close_reader(r);
	recording_header_free(&got);
	recording_header_free(&h);
}

/* Lines far past the reader's first buffer: a long argv in the header, escaped strings. */
static void long_lines(void)
{
	static char arg[300000], path[1024], data[4096];
	char *argv[] = { "sh", arg };
	struct recording_header h, got;
	struct recording_reader *r;
	struct recording_writer *w;
	struct record rec, back;
	char err[512];

	memset(arg, '\x01', sizeof(arg) - 1);
	memset(path, '"', sizeof(path) - 1);
	memset(data, '\x1f', sizeof(data) - 1);
	make_header(&h, "run", 2, argv);
	w = recording_create(in_dir("long.fst.gz"), false, &h, err, sizeof(err));
	REQUIRE(w);
	record_init(&rec);
	rec.type = REC_MOUNT;
	rec.path = path, rec.path2 = path, rec.cwd = path, rec.data = data;
	CHECK(recording_write(w, &rec) == 0);
	CHECK(recording_close(w, 1, 0, 0, NULL, 0) == 0);
	r = recording_open(in_dir("long.fst.gz"), &got, err, sizeof(err));
	REQUIRE(r);
	CHECK(header_equal(&h, &got));
	CHECK(recording_next(r, &back) == 1 && record_equal(&rec, &back));
	CHECK(recording_next(r, &(struct record){ 0 }) == 0);
	record_free(&back);
	recording_close_reader(r);
	recording_header_free(&got);
	recording_header_free(&h);
}

/* A recorder killed at any point: everything before the cut that was flushed reads back. */
static void truncated(void)
{
	struct recording_header h;
	struct recording_writer *w;
	struct recording_reader *r;
	char path[512];
	size_t len, at_100 = 0, at_250 = 0;
	unsigned i = 0;
	char err[512], *bytes;
	int rc, n;

	snprintf(path, sizeof(path), "%s", in_dir("killed.fst.gz"));
	make_header(&h, "record", 0, NULL);
	w = recording_create(path, false, &h, err, sizeof(err));
	REQUIRE(w);
	recording_header_free(&h);
	for (struct record rec; i < 300; i++) {
		sample_record(&rec, i);
		CHECK(recording_write(w, &rec) == 0);
		record_free(&rec);
		if (i == 99 || i == 249)
			CHECK(recording_flush(w) == 0);
		if (i == 99)
			at_100 = file_size(path);
		if (i == 249)
			at_250 = file_size(path);
	}
	bytes = read_file(path, &len); /* the last 50 events are still in zlib's buffer */
	const size_t cuts[] = { at_100, at_100 + 1, at_100 + 9, (at_100 + at_250) / 2, at_250 - 1, at_250, len };
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		write_file(in_dir("cut.fst.gz"), bytes, cuts[c]);
		n = read_events(in_dir("cut.fst.gz"), &rc, &r);
		CHECK(rc == 0 && n >= 100 && n <= 250);
		CHECK(cuts[c] != at_100 || n == 100);
		CHECK(cuts[c] < at_250 || n == 250);
		CHECK(recording_truncated(r) && !recording_trailer(r, NULL, NULL, NULL));
		CHECK(strcmp(recording_error(r), "no error") == 0);
		recording_close_reader(r);
	}
	free(bytes);
	CHECK(recording_close(w, 300, 0, -1, NULL, 0) == 0);

	/* Cut before the header was complete: refused, but told apart from a foreign file. */
	bytes = read_file(path, &len);
	write_file(in_dir("cut.fst.gz"), bytes, 12); /* gzip's own header is 10 bytes */
	CHECK(!recording_open(in_dir("cut.fst.gz"), &h, err, sizeof(err)) && strstr(err, "cut short"));
	write_file(in_dir("cut.fst.gz"), bytes, 1);
	CHECK(!recording_open(in_dir("cut.fst.gz"), &h, err, sizeof(err)) && strstr(err, "not gzip"));
	/* Only the gzip trailer missing: every line, the trailer line included, is there. */
	write_file(in_dir("cut.fst.gz"), bytes, len - 8);
	CHECK(read_events(in_dir("cut.fst.gz"), &rc, &r) == 300 && rc == 0);
	CHECK(recording_trailer(r, NULL, NULL, NULL) && !recording_truncated(r));
	recording_close_reader(r);
	free(bytes);
	recording_header_free(&h);
}

/*
 * Bytes overwritten in the middle: the events before are returned, then -1, and it stays -1.
 * The header is fixed (no hostname or time) so the compressed bytes, and so what the garbage
 * lands on, are the same on every run.
 */
static void damaged(void)
{
	struct recording_header fixed = { .format_version = 1, .mode = "record" };
	struct recording_writer *w;
	struct recording_reader *r;
	char err[512], *bytes;
	size_t len;
	int rc, n;

	w = recording_create(in_dir("fixed.fst.gz"), false, &fixed, err, sizeof(err));
	REQUIRE(w);
	for (unsigned i = 0; i < 1000; i++) {
		struct record rec;

		sample_record(&rec, i);
		CHECK(recording_write(w, &rec) == 0);
		record_free(&rec);
		if (i % 300 == 0)
			CHECK(recording_flush(w) == 0);
	}
	CHECK(recording_close(w, 1000, 0, -1, NULL, 0) == 0);
	bytes = read_file(in_dir("fixed.fst.gz"), &len);

	for (size_t off = len / 5; off < len - 64; off += len / 7) {
		char *copy = malloc(len);

		REQUIRE(copy);
		memcpy(copy, bytes, len);
		for (size_t k = 0; k < 32; k++)
			copy[off + k] = (char)(0xa5 ^ (k * 37));
		write_file(in_dir("bad.fst.gz"), copy, len);
		free(copy);
		n = read_events(in_dir("bad.fst.gz"), &rc, &r);
		if (rc != -1)
			fprintf(stderr, "garbage at %zu of %zu: rc %d after %d events\n", off, len, rc, n);
		CHECK(rc == -1 && n >= 0 && n < 1000);
		CHECK(strncmp(recording_error(r), "line ", 5) == 0 && !strchr(recording_error(r), '\n'));
		CHECK(recording_next(r, &(struct record){ 0 }) == -1);
		recording_close_reader(r);
	}
	free(bytes);

	static const struct { const char *text, *msg; } bad[] = {
		{ HEADER EVENT "{\"ts_ns\":1,\n" EVENT, "line 3: offset" },
		{ HEADER EVENT "{\"ts_ns\":1,\"type\":\"kmsg\",\"pid\":-1}\n" EVENT, "line 3: pid:" },
		{ HEADER EVENT "\n" EVENT, "line 3:" },
		{ HEADER EVENT HEADER EVENT, "line 3: a second header" },
		{ HEADER EVENT "{\"type\":\"trailer\",\"events\":1,\"lost\":0}\n" EVENT, "line 4: data after" },
		{ HEADER EVENT "{\"type\":\"trailer\",\"events\":1,\"lost\":0}\n{", "line 4: data after" },
		{ HEADER EVENT "{\"type\":\"trailer\",\"events\":-1,\"lost\":0}\n", "line 3: trailer" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct recording_header h;
		struct record rec;

		write_gz(in_dir("bad.fst.gz"), bad[i].text);
		r = recording_open(in_dir("bad.fst.gz"), &h, err, sizeof(err));
		REQUIRE(r);
		CHECK(recording_next(r, &rec) == 1 && rec.type == REC_KMSG);
		record_free(&rec);
		CHECK(recording_next(r, &rec) == -1 && recording_next(r, &rec) == -1);
		CHECK(rec.path == NULL && rec.type == REC_NONE);
		if (!strstr(recording_error(r), bad[i].msg))
			fprintf(stderr, "case %zu: \"%s\", wanted \"%s\"\n", i, recording_error(r), bad[i].msg);
		CHECK(strstr(recording_error(r), bad[i].msg) != NULL);
		recording_close_reader(r);
		recording_header_free(&h);
	}
}

/* Newer writers may add event types and keys: skipped and ignored, not errors. */
static void forward_compatible(void)
{
	struct recording_header h;
	struct recording_reader *r;
	struct record rec;
	char err[512];

	write_gz(in_dir("new.fst.gz"), "{\"type\":\"header\",\"format\":\"fstrace.recording\",\"format_version\":1,"
		 "\"future\":[1]}\n{\"ts_ns\":1,\"type\":\"quota\"}\n"
		 "{\"ts_ns\":2,\"type\":\"kmsg\",\"msg\":\"m\",\"extra\":{}}\n");
	r = recording_open(in_dir("new.fst.gz"), &h, err, sizeof(err));
	REQUIRE(r);
	CHECK(h.kernel == NULL && h.nattach == 0);
	CHECK(recording_next(r, &rec) == 1 && rec.ts_ns == 2);
	record_free(&rec);
	CHECK(recording_next(r, &rec) == 0 && recording_truncated(r));
	recording_close_reader(r);
	recording_header_free(&h);
}

/* Many batches: the same records in the same order, and a reader closed half way through (its
 * thread stopped, the records it read ahead freed: ASan and valgrind see the rest). */
static void read_ahead(void)
{
	struct recording_header h;
	struct recording_writer *w;
	struct recording_reader *r;
	struct record rec;
	char err[512];
	uint64_t events;
	int rc;

	make_header(&h, "run", 0, NULL);
	w = recording_create(in_dir("many.fst.gz"), false, &h, err, sizeof(err));
	REQUIRE(w);
	for (unsigned i = 0; i < 20000; i++) {
		sample_record(&rec, i);
		CHECK(recording_write(w, &rec) == 0);
		record_free(&rec);
	}
	CHECK(recording_close(w, 20000, 0, 0, NULL, 0) == 0);
	recording_header_free(&h);
	ahead = true;
	CHECK(read_events(in_dir("many.fst.gz"), &rc, &r) == 20000 && rc == 0);
	CHECK(recording_trailer(r, &events, NULL, NULL) && events == 20000 && !recording_truncated(r));
	CHECK(recording_next(r, &rec) == 0);
	recording_close_reader(r);

	r = recording_open(in_dir("many.fst.gz"), &h, err, sizeof(err));
	REQUIRE(r);
	recording_read_ahead(r, true);
	for (int i = 0; i < 3000; i++) {
		CHECK(recording_next(r, &rec) == 1);
		record_free(&rec);
	}
	recording_close_reader(r);
	recording_header_free(&h);
}

/* Every golden recording (real runs, context objects and all) reads the same with and without
 * the thread, as record_to_json says. */
static void read_ahead_goldens(void)
{
	glob_t g;
	int checked = 0;

	REQUIRE(glob("tests/golden/*/recording.jsonl.gz", 0, NULL, &g) == 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct recording_reader *r[2];
		struct recording_header h[2];
		struct jbuf a = { 0 }, b = { 0 };
		struct record x, y;
		char err[512];
		int rx, ry, same = 1;

		for (int k = 0; k < 2; k++) {
			r[k] = recording_open(g.gl_pathv[i], &h[k], err, sizeof(err));
			REQUIRE(r[k]);
			recording_read_ahead(r[k], k);
		}
		do {
			rx = recording_next(r[0], &x);
			ry = recording_next(r[1], &y);
			jbuf_reset(&a);
			jbuf_reset(&b);
			if (rx == 1)
				record_to_json(&x, &a);
			if (ry == 1)
				record_to_json(&y, &b);
			same &= rx == ry && a.len == b.len && (!a.len || !memcmp(a.p, b.p, a.len));
			record_free(&x);
			record_free(&y);
		} while (rx == 1 && ry == 1 && same);
		if (!same)
			fprintf(stderr, "%s: read ahead differs\n", g.gl_pathv[i]);
		CHECK(same);
		checked++;
		for (int k = 0; k < 2; k++) {
			recording_close_reader(r[k]);
			recording_header_free(&h[k]);
		}
		jbuf_free(&a);
		jbuf_free(&b);
	}
	globfree(&g);
	CHECK(checked >= 20);
}

int main(void)
{
	scratch_setup();
	for (int pass = 0; pass < 2; pass++) {
		DIR *d = opendir(dir);
		struct dirent *e;

		REQUIRE(d); /* the writer will not overwrite the last pass's files */
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlink(in_dir(e->d_name));
		closedir(d);
		ahead = pass;
		round_trip();
		long_lines();
		truncated();
		damaged();
	}
	forward_compatible();
	read_ahead();
	read_ahead_goldens();
	return CHECK_RESULT();
}
