// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Reading a recording back. The recorder may have been killed (OOM, SIGKILL, power loss), so
 * a file that simply stops is expected and reads as far as it goes; a file whose bytes are
 * wrong is damage and stops the read at the first bad line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "recording/event_json.h"
#include "recording/recording.h"
#include "recording/recording_ahead.h"

#define IN_SIZE (128 * 1024)
#define READ_CHUNK (64 * 1024)
#define LINE_MAX_BYTES ((size_t)64 << 20) /* a run header holds argv: up to ARG_MAX, escaped */
/* From this size (about 100,000 events) a second thread decompresses and parses ahead. */
#define READ_AHEAD_BYTES ((off_t)1 << 20)

struct recording_reader {
	int fd;
	z_stream zs;
	bool zs_ready;
	unsigned char *in; /* compressed bytes, zs.next_in points into it */
	bool in_eof;       /* read() returned 0 */
	bool member_end;   /* inflate finished a gzip member */
	char *buf;         /* unread bytes are buf[start..len) */
	size_t start, len, cap;
	size_t scanned;     /* buf[start..start + scanned) has no newline */
	unsigned long line; /* lines returned so far */
	bool eof;           /* no more decompressed bytes */
	bool cut;           /* ... because the gzip stream stops early */
	bool damaged, have_trailer, truncated;
	uint64_t events, lost;
	int exit_code;
	char *ended;              /* the trailer's end time */
	struct json_arena arena;  /* each line's parse, reused line after line */
	bool ahead_wanted;        /* read ahead on a thread (recording_read_ahead) */
	struct read_ahead *ahead; /* that thread, from the first recording_next on */
	char bad_gzip[300];       /* zlib's complaint, once the bytes decoded before it are used */
	char err[512];
};

/* Damage in line number line; r->line is the last line returned, r->line + 1 the one being read. */
static int damage(struct recording_reader *r, unsigned long line, const char *what)
{
	if (!r->damaged)
		snprintf(r->err, sizeof(r->err), "line %lu: %s", line, what);
	r->damaged = true;
	return -1;
}

/*
 * Up to room decompressed bytes into out: > 0, 0 at the end (eof, and cut if the stream stops
 * early), -1 on damage. Not gzread: on damage it discards what it decoded before the bad
 * bytes, and the lines before the damage are the ones worth having. Those are returned first,
 * so the damage is reported in the line it cut, not the first line of the buffer.
 */
static long inflate_some(struct recording_reader *r, char *out, uInt room)
{
	z_stream *zs = &r->zs;
	char what[300];

	if (r->bad_gzip[0])
		return damage(r, r->line + 1, r->bad_gzip);
	zs->next_out = (Bytef *)out;
	zs->avail_out = room;
	while (zs->avail_out == room) {
		if (zs->avail_in == 0 && !r->in_eof) {
			ssize_t n = read(r->fd, r->in, IN_SIZE);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				snprintf(what, sizeof(what), "read error: %s", strerror(errno));
				return damage(r, r->line + 1, what);
			}
			r->in_eof = n == 0;
			zs->next_in = r->in;
			zs->avail_in = (uInt)n;
		}
		if (r->member_end) {
			/* gzip allows members back to back; the header check catches anything else. */
			if (zs->avail_in == 0 && r->in_eof) {
				r->eof = true;
				break;
			}
			if (zs->avail_in == 0)
				continue;
			inflateReset(zs);
			r->member_end = false;
		}
		int rc = inflate(zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			r->member_end = true;
		} else if (rc == Z_BUF_ERROR && zs->avail_in == 0 && r->in_eof) {
			r->eof = r->cut = true; /* the recorder was killed before it finished the file */
			break;
		} else if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs->avail_in == 0)) {
			snprintf(r->bad_gzip, sizeof(r->bad_gzip), "damaged gzip data (%s)",
				 zs->msg ? zs->msg : "inflate failed");
			if (zs->avail_out < room)
				break;
			return damage(r, r->line + 1, r->bad_gzip);
		}
	}
	return (long)(room - zs->avail_out);
}

/* The next complete line, NUL-terminated in place: 1; 0 at the end (a partial line is left); -1. */
static int next_line(struct recording_reader *r, char **line, size_t *len)
{
	for (;;) {
		size_t from = r->start + r->scanned;
		char *nl = r->len > from ? memchr(r->buf + from, '\n', r->len - from) : NULL;

		if (nl) {
			*nl = '\0';
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start = (size_t)(nl - r->buf) + 1;
			r->scanned = 0;
			r->line++;
			return 1;
		}
		if (r->eof)
			return 0;
		r->scanned = r->len - r->start;
		if (r->start) {
			memmove(r->buf, r->buf + r->start, r->len - r->start);
			r->len -= r->start;
			r->start = 0;
		}
		if (r->cap - r->len < READ_CHUNK) {
			if (r->len > LINE_MAX_BYTES)
				return damage(r, r->line + 1, "line longer than 64 MiB");
			size_t cap = r->cap ? r->cap * 2 : 2 * READ_CHUNK;
			char *p = realloc(r->buf, cap);
			if (!p)
				return damage(r, r->line + 1, "out of memory");
			r->buf = p;
			r->cap = cap;
		}
		long n = inflate_some(r, r->buf + r->len, READ_CHUNK);
		if (n < 0)
			return -1;
		r->len += (size_t)n;
	}
}

static struct recording_reader *open_fail(struct recording_reader *r, int fd, char *err, size_t errlen,
					  const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s", path, what);
	if (r)
		recording_close_reader(r);
	else if (fd >= 0)
		close(fd);
	return NULL;
}

struct recording_reader *recording_open(const char *path, struct recording_header *h, char *err, size_t errlen)
{
	struct recording_reader *r = NULL;
	unsigned char magic[2];
	struct jval *v = NULL;
	struct stat st;
	char *line, msg[256];
	size_t len;
	ssize_t n;
	int fd, rc;

	memset(h, 0, sizeof(*h));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st))
		return open_fail(NULL, fd, err, errlen, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return open_fail(NULL, fd, err, errlen, path, "not a regular file");
	/* Checked first: plain text must not be mistaken for a damaged recording. */
	if ((n = pread(fd, magic, sizeof(magic), 0)) < 0)
		return open_fail(NULL, fd, err, errlen, path, strerror(errno));
	if (n == 0)
		return open_fail(NULL, fd, err, errlen, path, "empty file, not an fstrace recording");
	if (n < 2 || magic[0] != 0x1f || magic[1] != 0x8b)
		return open_fail(NULL, fd, err, errlen, path, "not gzip-compressed, not an fstrace recording");
	if (!(r = calloc(1, sizeof(*r))))
		return open_fail(NULL, fd, err, errlen, path, "out of memory");
	r->fd = fd;
	r->exit_code = -1;
	r->ahead_wanted = st.st_size >= READ_AHEAD_BYTES;
	if (!(r->in = malloc(IN_SIZE)) || inflateInit2(&r->zs, 15 + 16) != Z_OK) /* gzip only */
		return open_fail(r, -1, err, errlen, path, "out of memory");
	r->zs_ready = true;
	if ((rc = next_line(r, &line, &len)) < 0)
		return open_fail(r, -1, err, errlen, path, r->err);
	if (rc == 0 && r->cut)
		return open_fail(r, -1, err, errlen, path,
				 "cut short before its header, not a complete recording");
	if (rc == 0 || !(v = json_parse(line, len, msg, sizeof(msg))) ||
	    (rc = recording_header_from_json(v, h, msg, sizeof(msg))) == 1) {
		jval_free(v);
		return open_fail(r, -1, err, errlen, path, "not an fstrace recording");
	}
	jval_free(v);
	if (rc < 0)
		return open_fail(r, -1, err, errlen, path, msg);
	return r;
}

static int read_trailer(struct recording_reader *r, const struct jval *v)
{
	const struct jval *code = jval_get(v, "exit_code");
	int64_t c = -1;

	if (!jval_u64(jval_get(v, "events"), &r->events) || !jval_u64(jval_get(v, "lost"), &r->lost) ||
	    (code && (!jval_i64(code, &c) || c < 0 || c > INT32_MAX)))
		return damage(r, r->line, "trailer: expected \"events\", \"lost\" and \"exit_code\" counts");
	r->exit_code = (int)c;
	r->have_trailer = true;
	free(r->ended);
	r->ended = jval_str(jval_get(v, "ended")) ? strdup(jval_str(jval_get(v, "ended"))) : NULL;
	return 0;
}

const char *recording_trailer_ended(const struct recording_reader *r)
{
	return r->have_trailer ? r->ended : NULL;
}

static int read_next(void *reader, struct record *out)
{
	struct recording_reader *r = reader;
	char *line, msg[256];
	size_t len;
	int rc;

	record_init(out);
	while (!r->damaged) {
		if ((rc = next_line(r, &line, &len)) <= 0) {
			if (rc == 0 && r->have_trailer && r->len > r->start)
				return damage(r, r->line + 1, "data after the trailer");
			r->truncated = rc == 0 && !r->have_trailer;
			return rc;
		}
		if (r->have_trailer)
			return damage(r, r->line, "data after the trailer");
		if (record_from_json_line(&r->arena, line, len, out) == 0) {
			if (out->type != REC_NONE)
				return 1;
			record_free(out); /* an event type from a newer fstrace */
			continue;
		}
		struct jval *v = json_parse_in(&r->arena, line, len, msg, sizeof(msg));
		if (!v)
			return damage(r, r->line, msg);
		const char *type = jval_str(jval_get(v, "type"));
		if (type && strcmp(type, "trailer") == 0)
			rc = read_trailer(r, v);
		else if (type && strcmp(type, "header") == 0)
			rc = damage(r, r->line, "a second header (two recordings joined?)");
		else if ((rc = record_from_json_view(v, out, msg, sizeof(msg))) < 0)
			damage(r, r->line, msg);
		else if (out->type != REC_NONE)
			rc = 1;
		if (rc)
			return rc;
		/* An event type from a newer fstrace, or the trailer: keep reading. */
		record_free(out);
	}
	return -1;
}

int recording_next(struct recording_reader *r, struct record *out)
{
	if (r->ahead_wanted && !r->ahead && !r->damaged && !r->have_trailer) {
		r->ahead_wanted = false; /* once: without a thread, read on here */
		r->ahead = read_ahead_start(read_next, r);
	}
	return r->ahead ? read_ahead_next(r->ahead, out) : read_next(r, out);
}

void recording_read_ahead(struct recording_reader *r, bool on)
{
	if (!r->ahead)
		r->ahead_wanted = on;
}

const char *recording_error(const struct recording_reader *r)
{
	return r->damaged ? r->err : "no error";
}

bool recording_truncated(const struct recording_reader *r)
{
	return r->truncated;
}

bool recording_trailer(const struct recording_reader *r, uint64_t *events, uint64_t *lost, int *exit_code)
{
	if (events)
		*events = r->have_trailer ? r->events : 0;
	if (lost)
		*lost = r->have_trailer ? r->lost : 0;
	if (exit_code)
		*exit_code = r->have_trailer ? r->exit_code : -1;
	return r->have_trailer;
}

void recording_close_reader(struct recording_reader *r)
{
	if (!r)
		return;
	read_ahead_stop(r->ahead); /* before what its thread reads */
	if (r->zs_ready)
		inflateEnd(&r->zs);
	close(r->fd);
	free(r->in);
	free(r->buf);
	free(r->ended);
	json_arena_free(&r->arena);
	free(r);
}
