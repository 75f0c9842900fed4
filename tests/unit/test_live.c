// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Node mode's outputs without root: the fstrace.finding/1 line (its keys, its id), the settling of
 * live findings replayed over real recordings (tests/golden: nothing printed live that the
 * window's report does not make, nothing printed before its failure settled, nothing twice), and
 * the Prometheus text of --metrics (HELP and TYPE, label escaping, the atomic write).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "check.h"
#include "host/cgroups.h"
#include "diagnose/analysis.h"
#include "diagnose/findings.h"
#include "lib/json.h"
#include "report/live.h"
#include "report/metrics.h"
#include "recording/recording.h"

static const struct jval *member(const struct jval *o, const char *key)
{
	for (size_t i = 0; o && o->type == JSON_OBJ && i < o->obj.n; i++)
		if (!strcmp(o->obj.m[i].key, key))
			return &o->obj.m[i].val;
	return NULL;
}

static const char *str(const struct jval *o, const char *key)
{
	const struct jval *v = member(o, key);

	return v && v->type == JSON_STR ? v->str.s : NULL;
}

/* The lines a replay printed, parsed: an array of objects. */
struct lines {
	struct jval *v[256];
	uint64_t at[256]; /* the replay's clock when printed */
	size_t n;
};

static void parse_lines(char *buf, size_t len, struct lines *out, uint64_t at)
{
	char err[256];
	char *p = buf, *end = buf + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		struct jval *v;

		REQUIRE(nl); /* every line ends: a log collector never sees half a finding */
		v = json_parse(p, (size_t)(nl - p), err, sizeof(err));
		if (!v)
			fprintf(stderr, "not JSON (%s): %.*s\n", err, (int)(nl - p), p);
		REQUIRE(v);
		REQUIRE(out->n < 256);
		out->at[out->n] = at;
		out->v[out->n++] = v;
		p = nl + 1;
	}
}

/* Drains what live printed into f since the last call. */
static void take_output(FILE *f, char **buf, size_t *len, size_t *done, struct lines *out, uint64_t at)
{
	fflush(f);
	if (*len > *done)
		parse_lines(*buf + *done, *len - *done, out, at);
	*done = *len;
}

/*
 * Replays a recording through live as the recorder would run it: each event added at its own
 * time, live_poll on a clock that follows the events (and a few seconds past the last), then the
 * window's end. Returns the final findings' count; the lines in *out.
 */
static size_t replay(const char *path, struct lines *out, struct findings *final, struct analysis **ap)
{
	struct recording_header h = {};
	struct recording_reader *rd;
	struct analysis *a;
	struct live l;
	struct record r;
	char err[512], *buf = NULL;
	size_t len = 0, done = 0;
	uint64_t now = 0, news = 0;
	FILE *f = open_memstream(&buf, &len);

	REQUIRE(f);
	rd = recording_open(path, &h, err, sizeof(err));
	if (!rd)
		fprintf(stderr, "%s\n", err);
	REQUIRE(rd);
	REQUIRE((a = analysis_new(&h)));
	setenv("NODE_NAME", "node-1", 1);
	live_init(&l, f);
	while (recording_next(rd, &r) == 1) {
		/* A diagnosis 0.9 s before the first event, as the recorder's last one: the next then
		 * comes while the failure is fresh, and must not print it yet. */
		if (!now)
			live_poll(&l, a, "/var/log/fstrace/fstrace-x.jsonl.gz", ++news, r.ts_ns - 900000000ull);
		if (r.ts_ns > now)
			now = r.ts_ns;
		analysis_add(a, &r);
		/* as the recorder counts them (record_cmd.c), and every event besides: a busy node,
		 * diagnosed each second whatever this window holds */
		news++;
		record_free(&r);
		live_poll(&l, a, "/var/log/fstrace/fstrace-x.jsonl.gz", news + a->races.count, now);
		take_output(f, &buf, &len, &done, out, now);
	}
	/* The recorder goes on after the last event: time passes, nothing comes. */
	for (int i = 0; i < 150; i++) {
		now += 100000000ull;
		live_poll(&l, a, "/var/log/fstrace/fstrace-x.jsonl.gz", news + a->races.count, now);
		take_output(f, &buf, &len, &done, out, now);
	}
	analysis_end(a, 0, 0, -1, "2026-12-03T00:00:00Z", false);
	live_window_end(&l, a, "/var/log/fstrace/fstrace-x.jsonl.gz");
	take_output(f, &buf, &len, &done, out, UINT64_MAX);
	REQUIRE(findings_build(a, final) == 0);
	CHECK(l.withdrawn == 0);
	live_free(&l);
	fclose(f);
	free(buf);
	recording_close_reader(rd);
	recording_header_free(&h);
	*ap = a;
	return final->n;
}

static void check_replay(const char *name, const char *class, bool live_expected)
{
	char path[256];
	struct lines out = {};
	struct findings final;
	struct analysis *a;
	size_t established_live = 0;

	snprintf(path, sizeof(path), "tests/golden/%s/recording.jsonl.gz", name);
	replay(path, &out, &final, &a);
	/* Every final finding has exactly one established line, with its id. */
	for (size_t i = 0; i < final.n; i++) {
		char id[17];
		int n = 0;

		snprintf(id, sizeof(id), "%016llx", (unsigned long long)live_id(a, &final.v[i], "node-1"));
		for (size_t j = 0; j < out.n; j++)
			if (!strcmp(str(out.v[j], "event"), "established") && !strcmp(str(out.v[j], "id"), id))
				n++;
		if (n != 1)
			fprintf(stderr, "%s: finding %s/%s established %d times\n", name, final.v[i].class, final.v[i].cause, n);
		CHECK(n == 1);
	}
	for (size_t j = 0; j < out.n; j++) {
		const struct jval *v = out.v[j];
		bool found = false;

		CHECK(!strcmp(str(v, "schema"), "fstrace.finding/1"));
		CHECK(!strcmp(str(v, "node"), "node-1"));
		CHECK(strlen(str(v, "id")) == 16);
		CHECK(member(v, "pod") && member(v, "container"));
		CHECK(strcmp(str(v, "event"), "withdrawn") != 0);
		/* A line printed while the recorder ran names a finding the report makes, with the
		 * same class and cause, and only once its failure settled. */
		for (size_t i = 0; i < final.n && !found; i++) {
			char id[17];

			snprintf(id, sizeof(id), "%016llx", (unsigned long long)live_id(a, &final.v[i], "node-1"));
			if (strcmp(str(v, "id"), id))
				continue;
			found = true;
			CHECK(!strcmp(str(v, "class"), final.v[i].class) && !strcmp(str(v, "cause"), final.v[i].cause));
			if (out.at[j] != UINT64_MAX && final.v[i].failure)
				CHECK(out.at[j] >= final.v[i].failure->ts_ns + LIVE_SETTLE_NS);
		}
		CHECK(found);
		if (!strcmp(str(v, "event"), "established")) {
			const struct jval *x = member(v, "finding");

			CHECK(x && x->type == JSON_OBJ);
			CHECK(!strcmp(str(x, "class"), str(v, "class")));
			CHECK(member(x, "evidence") && member(x, "remedy"));
			if (out.at[j] != UINT64_MAX && !strcmp(str(v, "class"), class))
				established_live++;
			CHECK(strcmp(str(v, "class"), "missing_path") || out.at[j] == UINT64_MAX);
		} else {
			CHECK(!member(v, "finding")); /* updates are short */
		}
	}
	if (live_expected && !established_live)
		fprintf(stderr, "%s: no %s finding printed live\n", name, class);
	CHECK(!live_expected || established_live == 1);
	for (size_t j = 0; j < out.n; j++)
		jval_free(out.v[j]);
	findings_free(&final);
	analysis_free(a);
}

/* A line printed live that the window's report then lacks is withdrawn, by id, class and cause
 * (forced here: the window's end is handed an analysis without it). */
static void check_withdrawn(void)
{
	struct recording_header h = {};
	struct recording_reader *rd;
	struct analysis *a, *empty;
	struct live l;
	struct record r;
	char err[512], *buf = NULL;
	size_t len = 0;
	uint64_t now = 0, news = 0;
	FILE *f = open_memstream(&buf, &len);
	struct lines out = {};
	size_t done = 0;

	REQUIRE(f);
	REQUIRE((rd = recording_open("tests/golden/nested_overlay/recording.jsonl.gz", &h, err, sizeof(err))));
	REQUIRE((a = analysis_new(&h)) && (empty = analysis_new(&h)));
	live_init(&l, f);
	while (recording_next(rd, &r) == 1) {
		now = r.ts_ns > now ? r.ts_ns : now;
		analysis_add(a, &r);
		record_free(&r);
	}
	for (int i = 0; i < 5; i++, now += 1000000000ull)
		live_poll(&l, a, "w", ++news, now);
	take_output(f, &buf, &len, &done, &out, now);
	REQUIRE(out.n == 1 && !strcmp(str(out.v[0], "event"), "established"));
	live_window_end(&l, empty, "w");
	take_output(f, &buf, &len, &done, &out, UINT64_MAX);
	REQUIRE(out.n == 2);
	CHECK(!strcmp(str(out.v[1], "event"), "withdrawn"));
	CHECK(!strcmp(str(out.v[1], "id"), str(out.v[0], "id")));
	CHECK(!strcmp(str(out.v[1], "class"), "overlay_mount") && !strcmp(str(out.v[1], "cause"), "nested_overlay"));
	CHECK(!member(out.v[1], "finding"));
	CHECK(l.withdrawn == 1 && l.established == 1);
	for (size_t j = 0; j < out.n; j++)
		jval_free(out.v[j]);
	live_free(&l);
	fclose(f);
	free(buf);
	analysis_free(a);
	analysis_free(empty);
	recording_close_reader(rd);
	recording_header_free(&h);
}

/* A finding in a pod's container: the line names both; its id follows class, cause and failure. */
static void check_line_in_pod(void)
{
	struct recording_header h = { .mode = "record", .hostname = "host-a", .started = "2026-12-03T03:00:00Z",
				      .started_boot_ns = 5 };
	struct cgroup_info ci = { .runtime = "containerd", .container_id = "0123456789abcdef0123456789abcdef",
				  .pod_uid = "8c5b7f0e-0d3a-4c1e-9f0a-1b2c3d4e5f60", .pod_name = "builder-0",
				  .pod_namespace = "ci" };
	struct record fail, cg;
	struct finding x = { .class = "read_only", .cause = "ro_mount", .severity = SEV_HIGH,
			     .title = "mkdir EROFS /work/out: mounted read-only", .count = 3 };
	struct analysis *a = analysis_new(&h);
	struct jbuf b = {};
	struct jval *v;
	char err[128];
	uint64_t id;

	REQUIRE(a);
	record_init(&fail);
	fail.type = REC_SYSCALL;
	fail.ts_ns = 1000;
	fail.pid = fail.tid = 42;
	fail.syscall = "mkdir";
	fail.err = EROFS;
	fail.path = "/work/out";
	record_init(&cg);
	cg.type = REC_CGROUP;
	cg.cgroup = &ci;
	x.failure = &fail;
	x.cgroup = &cg;
	id = live_id(a, &x, "node-7");
	live_line(&b, a, &x, "established", id, "node-7", "/var/log/fstrace/fstrace-1.jsonl.gz", "2026-12-03T03:00:02Z");
	REQUIRE(!b.oom && (v = json_parse(b.p, b.len, err, sizeof(err))));
	CHECK(!strcmp(str(member(v, "pod"), "namespace"), "ci"));
	CHECK(!strcmp(str(member(v, "pod"), "name"), "builder-0"));
	CHECK(!strcmp(str(member(v, "pod"), "uid"), ci.pod_uid));
	CHECK(!strcmp(str(member(v, "container"), "runtime"), "containerd"));
	CHECK(!strcmp(str(member(v, "container"), "id"), ci.container_id));
	CHECK(!strcmp(str(v, "node"), "node-7") && !strcmp(str(v, "severity"), "high"));
	CHECK(member(v, "count")->num.u == 3);
	CHECK(!strcmp(str(member(v, "finding"), "errno"), "EROFS"));
	CHECK(!strcmp(str(member(v, "finding"), "path"), "/work/out"));
	CHECK(!strcmp(str(v, "recording"), "/var/log/fstrace/fstrace-1.jsonl.gz"));
	jval_free(v);
	jbuf_reset(&b);
	/* An update: the same keys, no finding. */
	live_line(&b, a, &x, "update", id, "node-7", "r", "t");
	REQUIRE(!b.oom && (v = json_parse(b.p, b.len, err, sizeof(err))));
	CHECK(!member(v, "finding") && !strcmp(str(v, "class"), "read_only") && member(v, "pod"));
	jval_free(v);
	jbuf_free(&b);
	/* The id: the same for the same finding as it grows; another node, cause or failure, another. */
	x.count = 9;
	CHECK(live_id(a, &x, "node-7") == id);
	CHECK(live_id(a, &x, "node-8") != id);
	x.cause = "ro_filesystem";
	CHECK(live_id(a, &x, "node-7") != id);
	x.cause = "ro_mount";
	fail.ts_ns = 2000;
	CHECK(live_id(a, &x, "node-7") != id);
	analysis_free(a);
}

static void check_metrics(void)
{
	uint64_t types[REC_TYPES] = { [REC_SYSCALL] = 12, [REC_MOUNT] = 2 }, lost[8] = { [REC_SYSCALL] = 3 };
	uint64_t errnos[METRICS_ERRNOS] = { [ENOENT] = 40, [EINVAL] = 2 };
	struct live_tally tally[1] = { { "overlay_mount", "nested_overlay", SEV_HIGH, 1 } };
	struct recording_attach attach[2] = { { "syscalls", "tp_btf" }, { "odd", "a\"b\\c\nd" } };
	struct metrics_values v = { .events_by_type = types, .lost_by_type = lost, .lost_types = 8,
				    .failing_by_errno = errnos, .tally = tally, .ntally = 1, .attach = attach,
				    .nattach = 2, .started_unix = 1764720000.5, .last_report_unix = 0 };
	char *buf = NULL, dir[] = "/tmp/fstrace-unit-metrics.XXXXXX", path[128], line[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct stat st;

	REQUIRE(f);
	CHECK(metrics_render(f, &v) == 0);
	fclose(f);
	CHECK(strstr(buf, "# HELP fstrace_events_total ") && strstr(buf, "# TYPE fstrace_events_total counter\n"));
	CHECK(strstr(buf, "\nfstrace_events_total{type=\"syscall\"} 12\n"));
	CHECK(strstr(buf, "\nfstrace_events_lost_total{type=\"syscall\"} 3\n"));
	CHECK(strstr(buf, "\nfstrace_failing_calls_total{errno=\"ENOENT\"} 40\n"));
	CHECK(strstr(buf, "\nfstrace_failing_calls_total{errno=\"EINVAL\"} 2\n"));
	CHECK(!strstr(buf, "errno=\"EPERM\"")); /* none: no sample */
	CHECK(strstr(buf, "\nfstrace_findings_total{class=\"overlay_mount\",cause=\"nested_overlay\",severity=\"high\"} 1\n"));
	CHECK(strstr(buf, "\nfstrace_attach_info{hook=\"syscalls\",mode=\"tp_btf\"} 1\n"));
	CHECK(strstr(buf, "\nfstrace_attach_info{hook=\"odd\",mode=\"a\\\"b\\\\c\\nd\"} 1\n"));
	CHECK(strstr(buf, "\nfstrace_last_report_timestamp_seconds 0.000\n"));
	CHECK(strstr(buf, "\nfstrace_start_time_seconds 1764720000.500\n"));
	CHECK(strstr(buf, "# TYPE fstrace_last_report_timestamp_seconds gauge\n"));
	/* Every sample's metric has its HELP and TYPE before it; each line is a comment or a sample. */
	for (char *p = buf, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		char name[128], help[160];

		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (line[0] == '#') {
			CHECK(!strncmp(line, "# HELP fstrace_", 15) || !strncmp(line, "# TYPE fstrace_", 15));
			continue;
		}
		CHECK(sscanf(line, "%127[a-z_]", name) == 1 && !strncmp(name, "fstrace_", 8));
		snprintf(help, sizeof(help), "# TYPE %s ", name);
		CHECK(strstr(buf, help) && strstr(buf, help) < p);
		CHECK(strrchr(line, ' ') && strspn(strrchr(line, ' ') + 1, "0123456789.") == strlen(strrchr(line, ' ') + 1));
	}
	free(buf);

	/* The atomic write: the file whole, 0644, nothing else left in its directory. */
	REQUIRE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fstrace.prom", dir);
	CHECK(metrics_write(path, &v) == 0);
	CHECK(metrics_write(path, &v) == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644 && st.st_size > 500);
	snprintf(line, sizeof(line), "ls -A %s | grep -qv '^fstrace.prom$'", dir);
	CHECK(system(line) != 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/no/such/dir.prom", dir);
	CHECK(metrics_write(path, &v) == -1 && errno == ENOENT);
	rmdir(dir);
}

int main(void)
{
	/* Printed live, settled: an overlay mount with the kernel's reason; a race with its remover. */
	check_replay("nested_overlay", "overlay_mount", true);
	check_replay("racing_deleter", "enoent_race", true);
	check_replay("read_only_emergency", "read_only", true);
	/* Held for the window's report: a missing path. */
	check_replay("missing_path", "missing_path", false);
	check_replay("failure_storm", "missing_path", false);
	check_line_in_pod();
	check_withdrawn();
	check_metrics();
	return CHECK_RESULT();
}
