// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "fstrace.h"
#include "collector.h"
#include "util.h"
#include "context.h"
#include "decode.h"
#include "event_text.h"
#include "explain.h"
#include "recording.h"
#include "report.h"

static void keep(const struct record *r, void *ctx)
{
	struct collector *c = ctx;

	c->kept++;
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

static int on_event(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;
	const struct fst_event *e = data;
	struct record r;

	if (event_decode(data, size, &r)) {
		c->malformed++;
		return 0;
	}
	if (c->context)
		context_annotate(c->context, &r);
	/* ext4 errors and kernel messages are kept whoever caused them; calls only from the tree. */
	if (c->window && !e->in_scope && (r.type == REC_REMOVE || r.type == REC_RENAME || r.type == REC_MOUNT)) {
		explain_outsider(c->window, &r);
	} else {
		keep(&r, c);
		if (c->window)
			explain_insider(c->window, &r);
	}
	record_free(&r);
	return 0;
}

int collector_init(struct collector *c, const struct tracer *t, bool run_mode, bool kube, char *err,
		   size_t errlen)
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
	c->rb = ring_buffer__new(tracer_ringbuf_fd(t), on_event, c, NULL);
	if (!c->rb) {
		snprintf(err, errlen, "creating the ring buffer consumer failed: %s", strerror(errno));
		explain_free(c->window);
		context_free(c->context);
		c->window = NULL;
		c->context = NULL;
		return -1;
	}
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
	while (c->window && explain_awaiting(c->window, boottime_ns() - AWAIT_RECENT_NS) &&
	       boottime_ns() < until)
		collector_poll(c, 1);
}

void collector_drain(struct collector *c)
{
	while (ring_buffer__consume(c->rb) > 0)
		;
}

int collector_fd(const struct collector *c)
{
	return ring_buffer__epoll_fd(c->rb);
}

void collector_tick(struct collector *c)
{
	if (c->context)
		context_tick(c->context);
}

void collector_finish(struct collector *c)
{
	if (c->context)
		context_finish(c->context);
}

void collector_free(struct collector *c)
{
	ring_buffer__free(c->rb);
	explain_free(c->window);
	context_free(c->context);
	c->rb = NULL;
	c->window = NULL;
	c->context = NULL;
}
