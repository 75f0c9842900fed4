// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer harness for the recording reader, through the path `fstrace report FILE` takes:
 * report_load (open, header, every line, trailer, the analysis) and then every report format.
 * A recording comes from anywhere (a CI artifact, another machine), so any bytes must either
 * load or be refused with one line, and a loaded report must render.
 *
 * The input becomes the file's bytes in one of two ways, so that both layers get mutated:
 *   starts with gzip's magic (1f 8b): the file as it is (damaged or cut gzip, members);
 *   anything else: JSON Lines, gzip-compressed here first (what the JSON reader sees).
 * The file is a memfd, named by /proc/self/fd/N: a regular file, as recording_open requires.
 * Run with -close_fd_mask=2: report_load says why it refused on stderr, once per input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/commands.h"
#include "report/report.h"

static int fd = -1;
static char path[64];
static FILE *devnull;

/* gzip (windowBits 15 + 16) of len bytes into *out; its length, 0 on failure. */
static size_t gzip_bytes(const uint8_t *buf, size_t len, uint8_t **out)
{
	z_stream zs = { 0 };
	size_t cap;

	*out = NULL;
	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	cap = deflateBound(&zs, len) + 64;
	if (!(*out = malloc(cap))) {
		deflateEnd(&zs);
		return 0;
	}
	zs.next_in = (Bytef *)buf;
	zs.avail_in = (uInt)len;
	zs.next_out = *out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(*out);
		*out = NULL;
		return 0;
	}
	deflateEnd(&zs);
	return cap - zs.avail_out;
}

static int set_file(const uint8_t *buf, size_t len)
{
	if (ftruncate(fd, 0) || (len && pwrite(fd, buf, len, 0) != (ssize_t)len))
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
	static const enum report_format formats[] = { REPORT_TEXT, REPORT_JSON, REPORT_MD, REPORT_BEAD };
	struct report *rep;
	uint64_t cut_after;
	uint8_t *gz = NULL;

	if (fd < 0) {
		if ((fd = memfd_create("fuzz-recording", MFD_CLOEXEC)) < 0 || !(devnull = fopen("/dev/null", "we")))
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
		if (set_file(buf, len))
			abort();
	} else {
		size_t n = gzip_bytes(buf, len, &gz);

		if (!n || set_file(gz, n))
			abort();
		free(gz);
	}
	rep = report_load(path, &cut_after);
	if (!rep)
		return 0;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (report_write(rep, devnull, formats[i]))
			abort(); /* /dev/null takes every byte: a failure is the report's own */
	report_free(rep);
	return 0;
}
