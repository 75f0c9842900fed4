// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The machine at the moment of a failure: the gatherers' table, and reading states back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "diagnose/analysis.h"
#include "lib/json.h"
#include "collect/state.h"
#include "lib/util.h"

/* Which facts each errno calls for. A failure may call several gatherers. */
static const struct state_rule {
	int err;
	const char *kind;
	state_gather_fn gather;
} rules[] = {
	{ ENOSPC, "statfs", state_gather_statfs },
	{ EDQUOT, "statfs", state_gather_statfs },
	{ ENOSPC, "mount", state_gather_mount },
	{ EDQUOT, "mount", state_gather_mount },
	{ EROFS, "mount", state_gather_mount },
	{ EACCES, "access", state_gather_access },
	{ EPERM, "access", state_gather_access },
	{ EMFILE, "limits", state_gather_limits },
	{ ENFILE, "limits", state_gather_limits },
	{ ELOOP, "links", state_gather_links },
	{ EXDEV, "mount", state_gather_mount },
	{ EBUSY, "mount", state_gather_mount },
	{ ETXTBSY, "mount", state_gather_mount },
	{ ESTALE, "mount", state_gather_mount },
	{ ENOTCONN, "mount", state_gather_mount },
	/* A FUSE or network filesystem's device is anonymous (major 0): no disk to name, only the
	 * mount, whose fstype says whether a daemon or a server answered EIO. */
	{ EIO, "mount", state_gather_mount },
};

#define SEEN_SLOTS 1024 /* (kind, path) pairs already described; a power of two */

struct state_tracker {
	state_emit_fn emit;
	void *ctx;
	uint64_t seen[SEEN_SLOTS]; /* hashes of kind and path; 0 = free */
	unsigned emitted;
};

struct state_tracker *state_tracker_new(state_emit_fn emit, void *ctx)
{
	struct state_tracker *t = calloc(1, sizeof(*t));

	if (t) {
		t->emit = emit;
		t->ctx = ctx;
	}
	return t;
}

void state_tracker_free(struct state_tracker *t)
{
	free(t);
}

/* True the first time (kind, path) is seen; false after, and when the table is full. */
static bool first_time(struct state_tracker *t, const char *kind, const char *path)
{
	uint64_t h = fnv1a(fnv1a(FNV1A_INIT, kind, strlen(kind) + 1), path, strlen(path));

	h = h ? h : 1;
	for (size_t i = 0, j = h % SEEN_SLOTS; i < SEEN_SLOTS; i++, j = (j + 1) % SEEN_SLOTS) {
		if (t->seen[j] == h)
			return false;
		if (!t->seen[j]) {
			t->seen[j] = h;
			return true;
		}
	}
	return false;
}

void state_follow(struct state_tracker *t, const struct record *failure)
{
	if (!t || failure->type != REC_SYSCALL || !failure->err || !failure->path)
		return;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct state_rule *rule = &rules[i];
		struct record out;
		char pid[24];

		if (rule->err != failure->err || t->emitted >= STATE_MAX_PER_RUN)
			continue;
		/* A process's limits are the same for every file its EMFILE storm names: taken once per
		 * process (keyed by a name no path has), not per path. Formatted only here: a storm of
		 * ENOENT passes every rule. */
		snprintf(pid, sizeof(pid), "\npid %u", failure->pid);
		if (!first_time(t, rule->kind, strcmp(rule->kind, "limits") ? failure->path : pid))
			continue;
		record_init(&out);
		out.type = REC_STATE;
		out.ts_ns = boottime_ns();
		out.pid = failure->pid;
		out.tid = failure->tid;
		out.ppid = failure->ppid;
		memcpy(out.comm, failure->comm, sizeof(out.comm));
		out.syscall = strdup(rule->kind);
		out.path = strdup(failure->path);
		if (out.syscall && out.path && rule->gather(failure, &out) == 0) {
			t->emit(&out, t->ctx);
			t->emitted++;
		}
		record_free(&out);
	}
}

/* Whether /proc/PID/ns/mnt is the mount namespace MNTNS (0: not known, any will do). */
static bool in_mntns(const char *pid, uint32_t mntns)
{
	char ns[64];
	struct stat st;

	snprintf(ns, sizeof(ns), "/proc/%s/ns/mnt", pid);
	return stat(ns, &st) == 0 && (!mntns || st.st_ino == mntns);
}

const char *state_root(const struct record *f, char *buf, size_t len)
{
	const uint32_t pids[] = { f->pid, f->ppid };
	char pid[16];

	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		if (!pids[i])
			continue;
		snprintf(pid, sizeof(pid), "%u", pids[i]);
		snprintf(buf, len, "/proc/%u/root", pids[i]);
		if (in_mntns(pid, f->mntns) && access(buf, X_OK) == 0)
			return buf;
	}
	return in_mntns("self", f->mntns) ? "" : NULL;
}

const char *state_path_in_root(const struct record *f, const char *path, char *buf, size_t len)
{
	char root[64];
	const char *r = path[0] == '/' ? state_root(f, root, sizeof(root)) : "";

	if (r && *r && (size_t)snprintf(buf, len, "%s%s", r, path) < len)
		return buf;
	snprintf(buf, len, "%s", path);
	return buf;
}

void state_put_u64(struct jbuf *b, const char *key, uint64_t v)
{
	char num[24];

	if (b->len)
		jbuf_putc(b, ' ');
	jbuf_puts(b, key);
	jbuf_putc(b, '=');
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	jbuf_puts(b, num);
}

void state_put_str(struct jbuf *b, const char *key, const char *v)
{
	if (b->len)
		jbuf_putc(b, ' ');
	jbuf_puts(b, key);
	jbuf_putc(b, '=');
	for (; v && *v; v++) {
		char esc[4];

		if (*v == ' ' || *v == '%' || (unsigned char)*v < 0x20) {
			snprintf(esc, sizeof(esc), "%%%02X", (unsigned char)*v);
			jbuf_puts(b, esc);
		} else {
			jbuf_putc(b, *v);
		}
	}
}

const struct record *state_find(const struct analysis *a, const char *kind, const struct record *failure)
{
	const struct record *best = NULL, *same_path = NULL;

	for (size_t i = 0; failure->path && i < a->states.n; i++) {
		const struct record *s = &a->states.v[i];

		if (!s->syscall || strcmp(s->syscall, kind) || !s->path || strcmp(s->path, failure->path))
			continue;
		if (!same_path)
			same_path = s;
		if (s->pid == failure->pid && s->ts_ns >= failure->ts_ns && (!best || s->ts_ns < best->ts_ns))
			best = s;
	}
	return best ? best : same_path;
}

/* The raw value of key in s->data: its start, and its length in *n. */
static const char *raw_value(const struct record *s, const char *key, size_t *n)
{
	size_t klen = strlen(key);

	for (const char *p = s ? s->data : NULL; p && *p;) {
		const char *end = strchr(p, ' ');

		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			*n = (size_t)(end - p) - klen - 1;
			return p + klen + 1;
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

bool state_u64(const struct record *s, const char *key, uint64_t *out)
{
	size_t n;
	const char *v = raw_value(s, key, &n);
	uint64_t x = 0;

	if (!v || !n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

bool state_str(const struct record *s, const char *key, char *buf, size_t len)
{
	size_t n, o = 0;
	const char *v = raw_value(s, key, &n);

	if (!v || !len)
		return false;
	for (size_t i = 0; i < n && o + 1 < len; i++) {
		unsigned hi, lo;

		if (v[i] == '%' && i + 2 < n + 1 && sscanf(v + i + 1, "%1x%1x", &hi, &lo) == 2) {
			buf[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			buf[o++] = v[i];
		}
	}
	buf[o] = '\0';
	return true;
}
