// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "fstrace.h"
#include "collect/collector.h"
#include "lib/util.h"
#include "collect/context.h"
#include "collect/decode.h"
#include "report/event_text.h"
#include "collect/explain.h"
#include "collect/kmsg.h"
#include "recording/recording.h"
#include "collect/repeats.h"
#include "collect/held.h"
#include "report/report.h"

static void keep(const struct record *r, void *ctx)
{
	struct collector *c = ctx;

	c->kept++;
	c->folded += record_calls(r) - 1;
	if ((unsigned)r->type < REC_TYPES)
		c->by_type[r->type]++;
	if ((r->type == REC_SYSCALL || r->type == REC_MOUNT) && r->err > 0)
		c->by_errno[r->err < 256 ? r->err : 255] += record_calls(r);
	if (c->writer && recording_write(c->writer, r) && !c->write_error)
		c->write_error = errno ? errno : EIO;
	if (c->report)
		report_add(c->report, r);
	if (c->follow)
		event_text_line(c->follow, r, c->follow_base_ns);
	if (c->context)
		context_follow(c->context, r);
}

void collector_add(struct collector *c, const struct record *r)
{
	keep(r, c);
}

/* Where a decoded event goes: under `run`, an outsider's removal, rename or mount (decode sets
 * outsider for those only) to the explain window, which keeps it if it explains a failure;
 * anything else is kept. ext4 errors and kernel messages are kept whoever caused them. */
static void route(struct collector *c, struct record *r)
{
	if (c->window && r->outsider) {
		explain_outsider(c->window, r);
		return;
	}
	keep(r, c);
	if (c->window)
		explain_insider(c->window, r);
}

/* One kernel event, or (with v) the repeats the kernel counted after it, as one record. */
static void take(struct collector *c, const struct fst_event *e, size_t size, const struct fst_repeat_val *v)
{
	struct record r;

	if (event_decode(e, size, &r)) {
		c->malformed++;
		return;
	}
	if (v) {
		r.count = v->count;
		r.ts_ns = v->first_ns;
		r.last_ns = v->last_ns;
		r.under_load = e->repeat_key & FST_REPEAT_CALLS;
	}
	if (c->context)
		context_annotate(c->context, &r);
	if (r.type == REC_KMSG && r.msg) {
		/* the device a message names, as the log reader's records have it (kmsg.h) */
		if (!r.has_dev)
			r.has_dev = kmsg_device(r.msg, &r.dev_major, &r.dev_minor);
		if (kmsg_seen(c->kmsg, &r)) {
			record_free(&r);
			return;
		}
	}
	route(c, &r);
	record_free(&r);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;
	const struct fst_event *e = data;

	take(c, e, size, NULL);
	if (c->repeats && size >= sizeof(*e) && e->type == FST_EV_SYSCALL && e->repeat_key)
		repeats_note(c->repeats, e, size);
	return 0;
}

static void take_repeats(const struct fst_event *e, size_t size, const struct fst_repeat_val *v, void *ctx)
{
	take(ctx, e, size, v);
}

void collector_repeats(struct collector *c, bool final)
{
	unsigned gen;

	if (!c->repeats || (!final && !repeats_pending(c->repeats)))
		return;
	gen = repeats_flip(c->repeats, final);
	/* The events that opened the old generation's keys are all in the ring buffer now. */
	collector_drain(c);
	repeats_harvest(c->repeats, gen, take_repeats, c);
	if (final)
		repeats_harvest(c->repeats, gen ^ 1, take_repeats, c);
}

/* Summaries are kept whoever removed: they are what lets a report not claim that nothing
 * removed a path. A removal alone in its group is an exact one, judged like any other. */
static void take_held(struct record *r, void *ctx)
{
	struct collector *c = ctx;

	if (r->summary) {
		keep(r, c);
		return;
	}
	if (c->context)
		context_annotate(c->context, r);
	route(c, r);
}

void collector_held(struct collector *c, bool final)
{
	held_tick(c->held, final, take_held, c);
}

uint64_t collector_repeats_lost(const struct collector *c)
{
	return repeats_lost(c->repeats);
}

/* Whether printk:console attached: then it delivers what reaches a console, with its task. */
static bool console_attached(const struct tracer *t)
{
	for (int i = 0; i < t->mode_count; i++)
		if (!strcmp(t->modes[i].hook, "kmsg"))
			return !strncmp(t->modes[i].mode, "raw_tp", 6);
	return false;
}

int collector_init(struct collector *c, const struct tracer *t, bool run_mode, bool kube, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->context = context_new(keep, c, kube);
	if (!c->context) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (run_mode) {
		c->window = explain_new(keep, c);
		if (!c->window) {
			snprintf(err, errlen, "out of memory");
			context_free(c->context);
			c->context = NULL;
			return -1;
		}
	}
	struct repeat_maps maps = tracer_repeat_maps(t);

	c->repeats = repeats_new(&maps);
	struct held_maps held = tracer_held_maps(t);

	c->held = held_new(&held);
	c->rb = c->repeats ? ring_buffer__new(tracer_ringbuf_fd(t), on_event, c, NULL) : NULL;
	if (!c->rb) {
		if (!c->repeats)
			errno = ENOMEM;
		repeats_free(c->repeats);
		c->repeats = NULL;
		snprintf(err, errlen, "creating the ring buffer consumer failed: %s", strerror(errno));
		explain_free(c->window);
		context_free(c->context);
		c->window = NULL;
		c->context = NULL;
		return -1;
	}
	/* Without it (no root on /dev/kmsg), only what printk:console delivers: said by -v's hooks. */
	c->kmsg = kmsg_open(console_attached(t), keep, c);
	return 0;
}

int collector_poll(struct collector *c, int timeout_ms)
{
	int n = ring_buffer__poll(c->rb, timeout_ms);

	return n == -EINTR ? 0 : n;
}

/* A deleter's removal is emitted when its call returns, which can be just after the command it
 * broke has failed and exited: a failure not explained yet gets a moment for its actor to show. */
#define AWAIT_RECENT_NS (100ull * 1000000)
#define AWAIT_MS 10

void collector_settle(struct collector *c)
{
	uint64_t until = boottime_ns() + AWAIT_MS * 1000000ull;

	collector_drain(c);
	while (c->window && explain_awaiting(c->window, boottime_ns() - AWAIT_RECENT_NS) && boottime_ns() < until)
		collector_poll(c, 1);
}

void collector_drain(struct collector *c)
{
	while (ring_buffer__consume(c->rb) > 0)
		;
	kmsg_pump(c->kmsg);
}

int collector_fd(const struct collector *c)
{
	return ring_buffer__epoll_fd(c->rb);
}

void collector_tick(struct collector *c)
{
	/* The log is read at every drain too, but a drain needs a ring-buffer event to come. */
	kmsg_pump(c->kmsg);
	if (c->context)
		context_tick(c->context);
	collector_repeats(c, false);
	collector_held(c, false);
}

void collector_finish(struct collector *c)
{
	if (c->context)
		context_finish(c->context);
}

void collector_free(struct collector *c)
{
	ring_buffer__free(c->rb);
	kmsg_close(c->kmsg);
	c->kmsg = NULL;
	repeats_free(c->repeats);
	c->repeats = NULL;
	held_free(c->held);
	c->held = NULL;
	explain_free(c->window);
	context_free(c->context);
	c->rb = NULL;
	c->window = NULL;
	c->context = NULL;
}
