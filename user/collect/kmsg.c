// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Kernel messages of every level, from /dev/kmsg (kmsg.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "collect/kmsg.h"
#include "lib/util.h"

#define KMSG_MAX_PER_RUN 2000 /* a dying disk logs thousands of lines a second */
#define KMSG_RECENT 64        /* texts kept for folding repeats */
#define KMSG_REPEAT_NS 2000000000ull

struct kmsg_reader {
	int fd;
	bool console;
	int console_level; /* messages below this level reach a console (/proc/sys/kernel/printk) */
	kmsg_emit_fn emit;
	void *ctx;
	uint64_t emitted, dropped;
	struct recent {
		uint64_t hash, ts_ns;
		bool from_log; /* emitted by the reader, not seen from printk:console */
	} recent[KMSG_RECENT];
	unsigned next;
};

/* The lines worth keeping: filesystems, the block layer, and the security modules' denials. */
static const char *const wanted[] = {
	"EXT4-fs",
	"JBD2",
	"Aborting journal",
	"XFS (",
	"BTRFS",
	"Btrfs",
	"I/O error",
	"Buffer I/O error",
	"blk_update_request",
	"critical ",
	"lost async page write",
	"potential data loss",
	"loop",
	"overlay",
	"EROFS",
	"squashfs",
	"fuse",
	"tmpfs",
	"audit:",
	"apparmor=",
	"AppArmor",
};

/* What printk:console's filter (bpf/fstrace.bpf.c, fs_message) takes: the first 8 bytes. */
static const char *const console_prefixes[] = {
	"overlay", "EXT4-fs", "JBD2",  "Buffer I", "I/O erro", "blk_upda",
	"XFS (",   "BTRFS",   "EROFS", "squashfs", "fuse",
};

static bool wanted_line(const char *text)
{
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		if (strstr(text, wanted[i]))
			return true;
	return false;
}

static bool console_delivers(const struct kmsg_reader *k, int level, const char *text)
{
	if (!k->console || level >= k->console_level)
		return false;
	for (size_t i = 0; i < sizeof(console_prefixes) / sizeof(console_prefixes[0]); i++)
		if (!strncmp(text, console_prefixes[i], strlen(console_prefixes[i])))
			return true;
	return false;
}

static uint64_t text_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The entry for the same text within the window, or NULL after remembering this one. */
static struct recent *repeated(struct kmsg_reader *k, const char *text, uint64_t ts_ns, bool from_log)
{
	uint64_t h = text_hash(text);

	for (unsigned i = 0; i < KMSG_RECENT; i++)
		if (k->recent[i].hash == h && k->recent[i].ts_ns + KMSG_REPEAT_NS >= ts_ns &&
		    ts_ns + KMSG_REPEAT_NS >= k->recent[i].ts_ns)
			return &k->recent[i];
	k->recent[k->next++ % KMSG_RECENT] = (struct recent){ h, ts_ns, from_log };
	return NULL;
}

static int read_console_level(void)
{
	FILE *f = fopen("/proc/sys/kernel/printk", "r");
	int level = 4;

	if (f) {
		if (fscanf(f, "%d", &level) != 1)
			level = 4;
		fclose(f);
	}
	return level;
}

struct kmsg_reader *kmsg_open(bool console, kmsg_emit_fn emit, void *ctx)
{
	struct kmsg_reader *k;
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	/* Only the run's own messages: the log's older lines are another story. */
	if (lseek(fd, 0, SEEK_END) < 0 || !(k = calloc(1, sizeof(*k)))) {
		close(fd);
		return NULL;
	}
	k->fd = fd;
	k->console = console;
	k->console_level = read_console_level();
	k->emit = emit;
	k->ctx = ctx;
	return k;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

bool kmsg_device(const char *text, uint32_t *major, uint32_t *minor)
{
	static const char *const marks[] = { "(device ",  "on device ", "on dev ",           "dev ",
					     "EXT4-fs (", "XFS (",      "journal on device " };
	char name[64], path[128];

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		const char *p = text;

		while ((p = strstr(p, marks[i]))) {
			size_t n = 0;
			FILE *f;
			int ok;

			p += strlen(marks[i]);
			while (n < sizeof(name) - 1 &&
			       (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '-'))
				name[n] = p[n], n++;
			name[n] = '\0';
			if (!n)
				continue;
			/* jbd2 names its journal "<dev>-<inode>": "loop0-8" */
			for (int tries = 0; tries < 2; tries++) {
				snprintf(path, sizeof(path), "/sys/class/block/%s/dev", name);
				if ((f = fopen(path, "r"))) {
					ok = fscanf(f, "%u:%u", major, minor) == 2;
					fclose(f);
					if (ok)
						return true;
				}
				char *dash = strrchr(name, '-');

				if (!dash)
					break;
				*dash = '\0';
			}
		}
	}
	return false;
}

/* One /dev/kmsg record: "prio,seq,ts_usec,flags[,more];text\n[ KEY=value\n...]". */
static void take_line(struct kmsg_reader *k, char *buf)
{
	char *semi = strchr(buf, ';'), *text, *nl;
	unsigned long prio = 0;
	unsigned long long seq = 0, usec = 0;
	uint64_t now = boottime_ns(), ts;
	struct record r;

	if (!semi || sscanf(buf, "%lu,%llu,%llu", &prio, &seq, &usec) != 3)
		return;
	text = semi + 1;
	if ((nl = strchr(text, '\n')))
		*nl = '\0';
	if (!*text || !wanted_line(text) || console_delivers(k, (int)(prio & 7), text))
		return;
	ts = usec * 1000ull + (now - clock_ns(CLOCK_MONOTONIC));
	if (ts > now)
		ts = now;
	if (repeated(k, text, ts, true))
		return;
	if (k->emitted >= KMSG_MAX_PER_RUN) {
		k->dropped++;
		return;
	}
	k->emitted++;
	record_init(&r);
	r.type = REC_KMSG;
	r.ts_ns = ts;
	r.msg = strdup(text);
	r.has_dev = kmsg_device(text, &r.dev_major, &r.dev_minor);
	if (r.msg)
		k->emit(&r, k->ctx);
	record_free(&r);
}

void kmsg_pump(struct kmsg_reader *k)
{
	char buf[8192];

	if (!k)
		return;
	for (int i = 0; i < 4096; i++) { /* bounded: a storm must not starve the ring buffer */
		ssize_t n = read(k->fd, buf, sizeof(buf) - 1);

		if (n < 0 && errno == EPIPE) /* overwritten before it was read: go on with the next */
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf[n] = '\0';
		take_line(k, buf);
	}
}

bool kmsg_seen(struct kmsg_reader *k, const struct record *r)
{
	struct recent *e = k && r->msg ? repeated(k, r->msg, r->ts_ns, false) : NULL;

	return e && e->from_log;
}

uint64_t kmsg_dropped(const struct kmsg_reader *k)
{
	return k ? k->dropped : 0;
}

void kmsg_close(struct kmsg_reader *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k);
}
