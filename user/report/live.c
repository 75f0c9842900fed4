// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/cgroups.h"
#include "lib/errnames.h"
#include "lib/json.h"
#include "report/live.h"
#include "recording/recording.h"
#include "report/formats.h"
#include "lib/util.h"

#define LIVE_MAX_SEEN 4096 /* findings followed per window; past it, the report has the rest */
#define LIVE_MAX_TALLY 256 /* class, cause and severity combinations counted */

void live_init(struct live *l, FILE *out)
{
	const char *node = getenv("NODE_NAME");

	memset(l, 0, sizeof(*l));
	l->out = out;
	l->node = node && *node ? node : NULL;
}

void live_free(struct live *l)
{
	free(l->seen);
	free(l->tally);
	l->seen = NULL;
	l->tally = NULL;
}

static const char *node_of(const struct live *l, const struct analysis *a)
{
	return l->node ? l->node : a->h.hostname ? a->h.hostname : "";
}

static uint64_t mix_str(uint64_t h, const char *s)
{
	/* the terminating NUL too: "ab"+"c" and "a"+"bc" differ */
	return s ? fnv1a(h, s, strlen(s) + 1) : fnv1a(h, "", 1);
}

uint64_t live_id(const struct analysis *a, const struct finding *x, const char *node)
{
	const struct record *r = x->failure;
	uint64_t h = FNV1A_INIT;

	h = mix_str(h, node);
	h = mix_str(h, a->h.started);
	h = fnv1a(h, &a->h.started_boot_ns, sizeof(a->h.started_boot_ns));
	h = mix_str(h, x->class);
	h = mix_str(h, x->cause);
	if (r) {
		h = mix_str(h, r->syscall);
		h = fnv1a(h, &r->err, sizeof(r->err));
		h = mix_str(h, r->path);
		h = fnv1a(h, &r->pid, sizeof(r->pid));
		h = fnv1a(h, &r->ts_ns, sizeof(r->ts_ns));
	} else {
		/* ext4 errors and I/O errors no call met: one finding per device and reason */
		if (x->device) {
			h = fnv1a(h, &x->device->dev_major, sizeof(x->device->dev_major));
			h = fnv1a(h, &x->device->dev_minor, sizeof(x->device->dev_minor));
		}
		h = mix_str(h, x->reason);
	}
	return h;
}

static void now_rfc3339(char *buf, size_t len)
{
	recording_timestamp(buf, len);
}

void live_line(struct jbuf *b, const struct analysis *a, const struct finding *x, const char *event, uint64_t id,
	       const char *node, const char *recording, const char *time)
{
	const struct cgroup_info *c = x && x->cgroup ? x->cgroup->cgroup : NULL;
	char hex[17];

	snprintf(hex, sizeof(hex), "%016" PRIx64, id);
	jobj_begin(b);
	jobj_str(b, "schema", "fstrace.finding/1");
	jobj_str(b, "event", event);
	jobj_str(b, "id", hex);
	jobj_str(b, "time", time);
	jobj_str(b, "node", node);
	/* Whose failure it was: a pod's container, or the node itself (both null). */
	jobj_key(b, "pod");
	if (cgroup_info_attributed(c) && c->pod_uid) {
		jobj_begin(b);
		jobj_str(b, "namespace", c->pod_namespace);
		jobj_str(b, "name", c->pod_name);
		jobj_str(b, "uid", c->pod_uid);
		jobj_end(b);
	} else {
		jbuf_puts(b, "null");
	}
	jobj_key(b, "container");
	if (cgroup_info_attributed(c)) {
		jobj_begin(b);
		jobj_str(b, "runtime", c->runtime);
		jobj_str(b, "id", c->container_id);
		jobj_end(b);
	} else {
		jbuf_puts(b, "null");
	}
	jobj_str(b, "recording", recording);
	jobj_str(b, "window_started", a->h.started);
	if (x) {
		jobj_str(b, "class", x->class);
		jobj_str(b, "cause", x->cause);
		jobj_str(b, "severity", severity_name(x->severity));
		jobj_u64(b, "count", x->count);
		jobj_str(b, "title", x->title);
		if (!strcmp(event, "established")) {
			jobj_key(b, "finding");
			render_finding_json(b, a, x);
		}
	}
	jobj_end(b);
}

static struct live_seen *seen_find(struct live *l, uint64_t id)
{
	for (size_t i = 0; i < l->nseen; i++)
		if (l->seen[i].id == id)
			return &l->seen[i];
	return NULL;
}

static struct live_seen *seen_add(struct live *l, uint64_t id)
{
	struct live_seen *s;

	if (l->nseen == l->capseen) {
		size_t cap = l->capseen ? l->capseen * 2 : 16;

		if (cap > LIVE_MAX_SEEN || !(s = realloc(l->seen, cap * sizeof(*s))))
			return NULL;
		l->seen = s;
		l->capseen = cap;
	}
	s = &l->seen[l->nseen++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	return s;
}

static void tally(struct live *l, const struct finding *x)
{
	struct live_tally *t;

	for (size_t i = 0; i < l->ntally; i++) {
		t = &l->tally[i];
		if (t->severity == x->severity && !strcmp(t->class, x->class) && !strcmp(t->cause, x->cause)) {
			t->count++;
			return;
		}
	}
	if (l->ntally == LIVE_MAX_TALLY || !(t = realloc(l->tally, (l->ntally + 1) * sizeof(*t))))
		return;
	l->tally = t;
	t = &l->tally[l->ntally++];
	snprintf(t->class, sizeof(t->class), "%s", x->class);
	snprintf(t->cause, sizeof(t->cause), "%s", x->cause);
	t->severity = x->severity;
	t->count = 1;
}

static void print(struct live *l, const struct analysis *a, const struct finding *x, const char *event,
		  uint64_t id, const char *recording)
{
	struct jbuf b = {};
	char time[40];

	now_rfc3339(time, sizeof(time));
	live_line(&b, a, x, event, id, node_of(l, a), recording, time);
	jbuf_putc(&b, '\n');
	/* One write per line, flushed: a log collector never sees half a finding. */
	if (!b.oom && l->out) {
		fwrite(b.p, 1, b.len, l->out);
		fflush(l->out);
	}
	jbuf_free(&b);
	if (!strcmp(event, "established")) {
		l->established++;
		tally(l, x);
	} else if (!strcmp(event, "update")) {
		l->updates++;
	} else { /* withdrawn */
		l->withdrawn++;
	}
}

/*
 * Whether a finding's deciding facts are in. Its cause rests on events around its failure: a
 * removal by another process returns up to RACE_TRAIL_NS after the call it broke, the kernel's
 * reason for a refused overlay mount comes through the log, read at least once a second, and its
 * severity on how the process exited. missing_path alone rests on the whole window (a name missed
 * in a second directory turns it into a search), so it waits for the window's report.
 */
static bool settled(const struct analysis *a, const struct finding *x, bool again, uint64_t now_ns)
{
	const struct record *r = x->failure;
	uint64_t age;

	if (!strcmp(x->class, "missing_path"))
		return false;
	if (!r)
		return again; /* ext4 errors alone: no time of their own here; made twice in a row */
	age = now_ns > r->ts_ns ? now_ns - r->ts_ns : 0;
	if (age < LIVE_SETTLE_NS)
		return false;
	return analysis_exit(a, r) || age >= LIVE_EXIT_WAIT_NS;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void live_poll(struct live *l, const struct analysis *a, const char *recording, uint64_t news, uint64_t now_ns)
{
	struct findings f;
	uint64_t cpu, spent;
	bool pending = false, printed = false;

	if (!l->out || !a)
		return;
	if (news != l->last_news) {
		l->last_news = news;
		l->hot_until_ns = now_ns + LIVE_EXIT_WAIT_NS + LIVE_SETTLE_NS;
	}
	if (now_ns < l->next_build_ns)
		return;
	for (size_t i = 0; i < l->nseen; i++) {
		pending |= !l->seen[i].printed && !l->seen[i].held;
		printed |= l->seen[i].printed;
	}
	/* Nothing that can make or settle a finding since: the same findings again, spared. */
	if (!pending && now_ns >= l->hot_until_ns && !(printed && now_ns >= l->next_update_ns)) {
		l->next_build_ns = now_ns + LIVE_BUILD_NS;
		return;
	}
	l->next_update_ns = now_ns + LIVE_UPDATE_NS;
	cpu = thread_cpu_ns();
	if (findings_build(a, &f))
		return;
	l->builds++;
	l->gen++;
	for (size_t i = 0; i < f.n; i++) {
		const struct finding *x = &f.v[i];
		uint64_t id = live_id(a, x, node_of(l, a));
		struct live_seen *s = seen_find(l, id);
		bool again = s && s->build == l->gen - 1;

		if (!s && !(s = seen_add(l, id)))
			continue;
		s->build = l->gen;
		s->held = !strcmp(x->class, "missing_path");
		if (!s->printed) {
			if (settled(a, x, again, now_ns)) {
				print(l, a, x, "established", id, recording);
				s->class = x->class;
				s->cause = x->cause;
				s->printed = true;
				s->printed_ns = now_ns;
				s->count = x->count;
				s->severity = x->severity;
			}
			continue;
		}
		s->changed = x->count != s->count || x->severity != s->severity;
		if (s->changed && now_ns - s->printed_ns >= LIVE_UPDATE_NS) {
			print(l, a, x, "update", id, recording);
			s->printed_ns = now_ns;
			s->count = x->count;
			s->severity = x->severity;
			s->changed = false;
		}
	}
	findings_free(&f);
	spent = thread_cpu_ns() - cpu;
	l->build_ns += spent;
	l->next_build_ns =
		now_ns + (spent * LIVE_COST_FACTOR > LIVE_BUILD_NS ? spent * LIVE_COST_FACTOR : LIVE_BUILD_NS);
}

void live_window_end(struct live *l, const struct analysis *a, const char *recording)
{
	struct findings f;

	if (!l->out || !a)
		return;
	if (findings_build(a, &f) == 0) {
		for (size_t i = 0; i < l->nseen; i++)
			l->seen[i].build = 0;
		for (size_t i = 0; i < f.n; i++) {
			const struct finding *x = &f.v[i];
			uint64_t id = live_id(a, x, node_of(l, a));
			struct live_seen *s = seen_find(l, id);

			if (!s || !s->printed) {
				print(l, a, x, "established", id, recording);
			} else if (x->count != s->count || x->severity != s->severity) {
				print(l, a, x, "update", id, recording);
			}
			if (s)
				s->build = 1;
		}
		/* A line printed live that the report does not make: never meant to happen (the
		 * settling above), said if it does, so no consumer keeps a finding the report lacks. */
		for (size_t i = 0; i < l->nseen; i++) {
			const struct live_seen *s = &l->seen[i];
			struct finding gone = {
				.class = s->class, .cause = s->cause, .severity = s->severity, .count = s->count
			};

			if (s->printed && !s->build)
				print(l, a, &gone, "withdrawn", s->id, recording);
		}
		findings_free(&f);
	}
	l->nseen = 0;
	l->gen++; /* the next window's first diagnosis agrees with none before it */
}
