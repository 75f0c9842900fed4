/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Collect: the ring-buffer consumer. Decodes each kernel event, decides whether it is kept
 * (under `run`, outsiders only when they explain a failure) and hands kept events to the
 * recording, the report and the live --follow output.
 */
#ifndef FSTRACE_COLLECTOR_H
#define FSTRACE_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "load/attach.h"
#include "recording/record.h"

struct recording_writer;
struct report;
struct explain_window;
struct context;
struct kmsg_reader;

struct collector {
	struct ring_buffer *rb;
	struct recording_writer *writer; /* optional */
	struct report *report;           /* optional */
	FILE *follow;                    /* optional: one line per kept event */
	uint64_t follow_base_ns;         /* --follow prints times relative to this */
	struct explain_window *window;   /* run mode only */
	struct context *context;         /* devices and layers, written beside the events */
	struct repeats *repeats;         /* repeated failures the kernel counted (repeats.h) */
	struct held *held;               /* removals the kernel held, summed up (held.h), or NULL */
	struct kmsg_reader *kmsg;        /* kernel messages of every level (kmsg.h), or NULL */
	uint64_t kept;
	uint64_t folded;    /* calls kept records stand for beyond one each */
	uint64_t malformed; /* events that failed to decode (a schema mismatch) */
	int write_error;    /* first recording write errno, 0 if none */
	/* Since the start, for --metrics: kept events by type; failing calls and mounts (repeats
	 * included) by errno, the last slot for any errno beyond. */
	uint64_t by_type[REC_TYPES];
	uint64_t by_errno[256];
};

/* run_mode: only the traced tree is kept, plus the outsiders that explain its failures. */
int collector_init(struct collector *c, const struct tracer *t, bool run_mode, bool kube, char *err,
		   size_t errlen);
/* About once a second: what changed on the devices involved, and the repeats the kernel
 * counted since the last tick, as records. */
void collector_tick(struct collector *c);
/* The repeats counted so far, as records. final: after the programs are detached, both
 * generations, so that no count stays behind. */
void collector_repeats(struct collector *c, bool final);
/* The removals the kernel held that no failure asked for, summed up as records (held.h).
 * final: after the programs are detached, all of them. */
void collector_held(struct collector *c, bool final);
/* Repeated calls counted in the kernel that no record could stand for (their first event was
 * lost): lost syscall events, for recorded + lost = issued. */
uint64_t collector_repeats_lost(const struct collector *c);
/* The last device records, with what the devices say at the end. */
void collector_finish(struct collector *c);
/* Keeps an event made in userspace (a line of the command's output), like a kernel one. */
void collector_add(struct collector *c, const struct record *r);
/* The descriptor that becomes readable when the ring buffer has data. */
int collector_fd(const struct collector *c);
/* Consumes what is ready, waiting up to timeout_ms for more. Returns events handled or -errno. */
int collector_poll(struct collector *c, int timeout_ms);
/* At the command's end: consumes what is there, and waits up to 10 ms more only while a recent
 * vanished-path failure has no removal to explain it yet (run mode). */
void collector_settle(struct collector *c);
/* Consumes everything already in the ring buffer, without waiting. */
void collector_drain(struct collector *c);
void collector_free(struct collector *c);

#endif
