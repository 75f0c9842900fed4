// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Writing a recording file (format in recording.h); recording_read.c reads it back. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "recording/event_json.h"
#include "recording/recording.h"
#include "lib/util.h"

#define GZ_BUFFER (256 * 1024)

struct recording_writer {
	gzFile gz;
	struct jbuf line;
	char err[256];
};

static int write_fail(struct recording_writer *w, const char *what)
{
	int zerr, saved = errno ? errno : EIO;
	const char *msg = gzerror(w->gz, &zerr);

	if (zerr == Z_ERRNO || zerr == Z_OK)
		msg = strerror(saved);
	if (!w->err[0])
		snprintf(w->err, sizeof(w->err), "%s: %s", what, msg);
	errno = saved;
	return -1;
}

/* w->line holds one or more complete lines. */
static int write_line(struct recording_writer *w)
{
	if (w->err[0])
		return errno = EIO, -1;
	if (w->line.oom) {
		snprintf(w->err, sizeof(w->err), "out of memory");
		return errno = ENOMEM, -1;
	}
	errno = 0;
	if (w->line.len > INT_MAX || gzwrite(w->gz, w->line.p, (unsigned)w->line.len) != (int)w->line.len)
		return write_fail(w, "write");
	return 0;
}

struct recording_writer *recording_create(const char *path, bool force, const struct recording_header *h,
					  char *err, size_t errlen)
{
	struct recording_writer *w;
	int fd = create_output(path, force, err, errlen);

	if (fd < 0)
		return NULL;
	/* Level 1: the collector has to keep up with the ring buffer; JSON still shrinks ~10x. */
	if (!(w = calloc(1, sizeof(*w))) || !(w->gz = gzdopen(fd, "wb1"))) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		free(w);
		unlink(path);
		return NULL;
	}
	gzbuffer(w->gz, GZ_BUFFER);
	recording_header_to_json(h, &w->line);
	jbuf_putc(&w->line, '\n');
	/* Flushed at once, so even a recorder killed right away leaves a recognisable file. */
	if (write_line(w) || recording_flush(w)) {
		snprintf(err, errlen, "%s: %s", path, w->err);
		gzclose(w->gz);
		jbuf_free(&w->line);
		free(w);
		unlink(path);
		return NULL;
	}
	return w;
}

int recording_write(struct recording_writer *w, const struct record *r)
{
	jbuf_reset(&w->line);
	record_to_json(r, &w->line);
	jbuf_putc(&w->line, '\n');
	return write_line(w);
}

int recording_flush(struct recording_writer *w)
{
	if (w->err[0])
		return errno = EIO, -1;
	errno = 0;
	if (gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK)
		return write_fail(w, "write");
	return 0;
}

const char *recording_writer_error(const struct recording_writer *w)
{
	return w->err[0] ? w->err : "no error";
}

int recording_close(struct recording_writer *w, uint64_t events, uint64_t lost, int exit_code,
		    const uint64_t *lost_by_type, size_t ntypes)
{
	char ended[32];
	int rc, saved;

	recording_timestamp(ended, sizeof(ended));
	jbuf_reset(&w->line);
	jobj_begin(&w->line);
	jobj_str(&w->line, "type", "trailer");
	jobj_u64(&w->line, "events", events);
	jobj_u64(&w->line, "lost", lost);
	if (lost_by_type && lost) {
		/* Which kinds were lost: a failure storm's own count can then be checked exactly. */
		jobj_key(&w->line, "lost_by_type");
		jobj_begin(&w->line);
		for (size_t i = 0; i < ntypes; i++)
			if (lost_by_type[i])
				jobj_u64(&w->line, rec_type_name((enum rec_type)i), lost_by_type[i]);
		jobj_end(&w->line);
	}
	jobj_str(&w->line, "ended", ended);
	if (exit_code >= 0)
		jobj_i64(&w->line, "exit_code", exit_code);
	jobj_end(&w->line);
	jbuf_putc(&w->line, '\n');
	rc = write_line(w);
	saved = errno;
	errno = 0;
	/* gzclose writes the rest and the gzip trailer: a full disk often shows only here. */
	if (gzclose(w->gz) != Z_OK && rc == 0) {
		rc = -1;
		saved = errno ? errno : EIO;
	}
	jbuf_free(&w->line);
	free(w);
	errno = rc ? saved : 0;
	return rc;
}
