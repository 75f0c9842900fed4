// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* event_json.h: record -> JSON -> record is exact, absent fields stay absent, bad fields are named. */
#include <limits.h>

#include "lib/errnames.h"
#include "recording/event_json.h"
#include "records.h"

/* record -> JSON text -> parse -> record; the JSON text is left in b. */
static int round_trip(const struct record *in, struct record *out, struct jbuf *b)
{
	char err[256];
	struct jval *v;
	int rc;

	jbuf_reset(b);
	record_to_json(in, b);
	REQUIRE(!b->oom);
	if (!(v = json_parse(b->p, b->len, err, sizeof(err)))) {
		fprintf(stderr, "does not parse (%s): %s\n", err, b->p);
		record_init(out);
		return -1;
	}
	rc = record_from_json(v, out, err, sizeof(err));
	if (rc)
		fprintf(stderr, "record_from_json: %s\n", err);
	jval_free(v);
	return rc;
}

static void every_type_round_trips(void)
{
	struct jbuf b = { 0 };

	for (unsigned i = 0; i < 70; i++) {
		struct record in, out;

		sample_record(&in, i);
		CHECK(round_trip(&in, &out, &b) == 0);
		if (!record_equal(&in, &out))
			fprintf(stderr, "differs: %s\n", b.p);
		CHECK(record_equal(&in, &out));
		record_free(&in);
		record_free(&out);
	}
	jbuf_free(&b);
}

static void extremes_round_trip(void)
{
	struct record in, out;
	struct jbuf b = { 0 };
	char data[4097];

	record_init(&in);
	in.type = REC_MOUNT;
	in.ts_ns = UINT64_MAX;
	in.pid = in.tid = in.ppid = in.mntns = UINT32_MAX;
	memcpy(in.comm, "fifteen-chars!!", 16);
	in.cgroup_id = UINT64_MAX;
	in.has_ret = true;
	in.ret = INT64_MIN;
	in.err = 4095; /* no name: written as "E4095" */
	in.has_dev = true;
	in.dev_major = UINT32_MAX;
	in.dev_minor = UINT32_MAX;
	in.ino = UINT64_MAX;
	in.line = UINT32_MAX;
	in.fd = INT_MAX;
	in.has_flags = true;
	in.flags = UINT32_MAX;
	for (size_t i = 0; i < sizeof(data) - 1; i++)
		data[i] = (char)(1 + i % 127); /* every ASCII control character and quote */
	data[sizeof(data) - 1] = '\0';
	in.data = dup_or_die(data);
	in.path = dup_or_die("");
	CHECK(round_trip(&in, &out, &b) == 0);
	CHECK(record_equal(&in, &out));
	CHECK(strstr(b.p, "\"errno\":\"E4095\"") != NULL);
	record_free(&out);
	in.has_ret = false;
	in.ret = 0;
	in.err = EOVERFLOW;
	in.fd = 0;
	CHECK(round_trip(&in, &out, &b) == 0);
	CHECK(record_equal(&in, &out));
	record_free(&in);
	record_free(&out);
	jbuf_free(&b);
}

static void key_order_and_absence(void)
{
	struct record r;
	struct jbuf b = { 0 };

	record_init(&r);
	r.type = REC_KMSG;
	r.ts_ns = 5;
	record_to_json(&r, &b);
	CHECK(strcmp(b.p, "{\"ts_ns\":5,\"type\":\"kmsg\",\"pid\":0,\"tid\":0,\"ppid\":0,\"comm\":\"\","
		  "\"cgroup_id\":0,\"mntns\":0}") == 0);

	r.type = REC_SYSCALL;
	r.pid = 1, r.tid = 2, r.ppid = 3, r.cgroup_id = 4, r.mntns = 6;
	strcpy(r.comm, "cat");
	r.syscall = dup_or_die("s"), r.path = dup_or_die("p"), r.path2 = dup_or_die("q");
	r.cwd = dup_or_die("c"), r.fstype = dup_or_die("f"), r.data = dup_or_die("d");
	r.func = dup_or_die("fn"), r.msg = dup_or_die("m");
	r.has_ret = true, r.ret = -2, r.err = 2;
	r.has_dev = true, r.dev_major = 8, r.dev_minor = 3;
	r.ino = 7, r.line = 9, r.fd = 0, r.has_flags = true, r.flags = 10;
	jbuf_reset(&b);
	record_to_json(&r, &b);
	CHECK(strcmp(b.p, "{\"ts_ns\":5,\"type\":\"syscall\",\"pid\":1,\"tid\":2,\"ppid\":3,\"comm\":\"cat\","
		  "\"cgroup_id\":4,\"mntns\":6,\"syscall\":\"s\",\"ret\":-2,\"errno\":\"ENOENT\",\"path\":\"p\","
		  "\"path2\":\"q\",\"cwd\":\"c\",\"fstype\":\"f\",\"data\":\"d\",\"dev\":\"8:3\",\"ino\":7,"
		  "\"func\":\"fn\",\"line\":9,\"msg\":\"m\",\"fd\":0,\"flags\":10}") == 0);
	CHECK(b.p[b.len - 1] == '}');
	record_free(&r);
	jbuf_free(&b);
}

/* Repeats folded in the kernel: count and last_ns go out only above one call, so every other
 * record (and every recording made before them) is byte for byte what it was. */
static void folded_repeats(void)
{
	struct record r, back;
	struct jbuf b = { 0 };

	record_init(&r);
	CHECK(r.count == 1 && record_calls(&r) == 1);
	r.type = REC_SYSCALL;
	r.ts_ns = 1000;
	r.syscall = dup_or_die("newfstatat"), r.path = dup_or_die("/nonexistent/x");
	r.has_ret = true, r.ret = -2, r.err = 2;
	r.count = 999997, r.last_ns = 2000000123;
	CHECK(round_trip(&r, &back, &b) == 0 && record_equal(&r, &back));
	CHECK(back.count == 999997 && back.last_ns == 2000000123 && record_calls(&back) == 999997);
	CHECK(strstr(b.p, "\"path\":\"/nonexistent/x\",\"count\":999997,\"last_ns\":2000000123}") != NULL);
	record_free(&back);

	r.count = 1; /* a last_ns without repeats says nothing: not written */
	CHECK(round_trip(&r, &back, &b) == 0 && record_equal(&r, &back));
	CHECK(!strstr(b.p, "count") && !strstr(b.p, "last_ns") && back.count == 1);
	record_free(&back);

	r.count = 0; /* never made by fstrace: still one call, and written as one */
	CHECK(record_calls(&r) == 1);
	CHECK(round_trip(&r, &back, &b) == 0 && back.count == 1 && !strstr(b.p, "count"));
	record_free(&back);
	record_free(&r);
	jbuf_free(&b);
}

/* Parses text into r; returns record_from_json's result and leaves its message in err. */
static int from_text(const char *text, struct record *r, char *err, size_t errlen)
{
	struct jval *v = json_parse(text, strlen(text), err, errlen);
	int rc;

	REQUIRE(v);
	rc = record_from_json(v, r, err, errlen);
	jval_free(v);
	return rc;
}

static void bad_fields(void)
{
	static const struct { const char *json, *key; } bad[] = {
		{ "[]", "event" },
		{ "{\"ts_ns\":1}", "no type" },
		{ "{\"type\":\"kmsg\"}", "no ts_ns" },
		{ "{\"ts_ns\":-1,\"type\":\"kmsg\"}", "ts_ns" },
		{ "{\"ts_ns\":1.5,\"type\":\"kmsg\"}", "ts_ns" },
		{ "{\"ts_ns\":1,\"type\":7}", "type" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"pid\":4294967296}", "pid" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"pid\":\"1\"}", "pid" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"comm\":1}", "comm" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"ret\":9223372036854775808}", "ret" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"errno\":\"EBOGUS\"}", "errno" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"errno\":2}", "errno" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"path\":null}", "path" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"path\":\"a\\u0000b\"}", "path" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"dev\":\"8\"}", "dev" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"dev\":\"8:1x\"}", "dev" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"dev\":\":1\"}", "dev" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"dev\":\"4294967296:1\"}", "dev" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"dev\":\"00000000000000001:1\"}", "dev" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"fd\":2147483648}", "fd" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"flags\":true}", "flags" },
		{ "{\"ts_ns\":1,\"type\":\"kmsg\",\"msg\":\"a\",\"msg\":3}", "msg" },
		{ "{\"ts_ns\":1,\"type\":\"syscall\",\"count\":0}", "count" },
		{ "{\"ts_ns\":1,\"type\":\"syscall\",\"count\":-3}", "count" },
		{ "{\"ts_ns\":1,\"type\":\"syscall\",\"last_ns\":\"5\"}", "last_ns" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct record r;
		char err[256] = "";

		CHECK(from_text(bad[i].json, &r, err, sizeof(err)) == -1);
		if (!strstr(err, bad[i].key))
			fprintf(stderr, "%s: message \"%s\" does not name %s\n", bad[i].json, err, bad[i].key);
		CHECK(strstr(err, bad[i].key) != NULL);
		CHECK(r.path == NULL && r.msg == NULL && r.type == REC_NONE); /* left empty */
	}
}

static void forward_compatible(void)
{
	struct record r;
	char err[256];

	CHECK(from_text("{\"ts_ns\":1,\"type\":\"kmsg\",\"msg\":\"x\",\"new_key\":{\"a\":[1]},\"msg2\":5}",
			&r, err, sizeof(err)) == 0);
	CHECK(r.type == REC_KMSG && strcmp(r.msg, "x") == 0);
	record_free(&r);
	CHECK(from_text("{\"ts_ns\":1,\"type\":\"quota\",\"msg\":\"x\"}", &r, err, sizeof(err)) == 0);
	CHECK(r.type == REC_NONE);
	record_free(&r);
	/* A comm that came back longer (lossy escaping) is cut at a character boundary. */
	CHECK(from_text("{\"ts_ns\":1,\"type\":\"kmsg\",\"comm\":\"abcdefghijklmn\\u00e9\"}",
			&r, err, sizeof(err)) == 0);
	CHECK(strcmp(r.comm, "abcdefghijklmn") == 0);
	record_free(&r);
}

static void lossy_invalid_utf8(void)
{
	struct record in, out;
	struct jbuf b = { 0 };

	record_init(&in);
	in.type = REC_REMOVE;
	in.path = dup_or_die("/mnt/caf\xe9");
	CHECK(round_trip(&in, &out, &b) == 0);
	CHECK(strcmp(out.path, "/mnt/caf\xc3\xa9") == 0);
	record_free(&in);
	record_free(&out);
	jbuf_free(&b);
}

static void names(void)
{
	for (int t = REC_SYSCALL; t <= REC_PROC; t++)
		CHECK(rec_type_from_name(rec_type_name((enum rec_type)t)) == (enum rec_type)t);
	CHECK(rec_type_from_name("bogus") == REC_NONE && rec_type_from_name(NULL) == REC_NONE);
	CHECK(strcmp(rec_type_name(REC_EXT4_ERROR), "ext4_error") == 0);
	CHECK(strcmp(rec_type_name((enum rec_type)99), "none") == 0);
	CHECK(strcmp(errno_name(ENOENT), "ENOENT") == 0);
	CHECK(strcmp(errno_name(9999), "E9999") == 0);
	CHECK(errno_from_name("E9999") == 9999 && errno_from_name("E2") == 2);
	CHECK(errno_from_name("EXDEV") == EXDEV && errno_from_name("EWOULDBLOCK") == EAGAIN);
	CHECK(errno_from_name("ENOTSUP") == EOPNOTSUPP);
	CHECK(errno_from_name("ENOENTX") == -1 && errno_from_name("E") == -1);
	CHECK(errno_from_name("E0") == -1 && errno_from_name("E99999999999") == -1);
	CHECK(errno_from_name("") == -1 && errno_from_name(NULL) == -1 && errno_from_name("E1x") == -1);
	for (int e = 1; e < 134; e++)
		CHECK(errno_from_name(errno_name(e)) == e);
}

static void copy(void)
{
	struct record a, b;

	sample_record(&a, 1);
	CHECK(record_copy(&b, &a) == 0);
	CHECK(record_equal(&a, &b));
	CHECK(a.path != b.path && a.syscall != b.syscall);
	record_free(&a);
	CHECK(a.path == NULL && a.fd == -1);
	record_free(&b);
}

/* Inside a pid namespace: the user's pids beside the host's, a process outside it as vpid 0; a
 * host record (no vpid) writes and reads back without them, and is named by its pid alone. */
static void namespace_pids(void)
{
	struct record r, back;
	struct jbuf b = { 0 };
	char label[48];

	record_init(&r);
	r.type = REC_REMOVE;
	r.ts_ns = 1;
	r.pid = 23168, r.ppid = 23163;
	CHECK(strcmp(pid_label(&r, false, label, sizeof(label)), "pid 23168") == 0);
	CHECK(round_trip(&r, &back, &b) == 0 && !strstr(b.p, "vpid") && !back.has_vpid && !back.has_vppid);
	record_free(&back);

	r.vpid = 3, r.has_vpid = true;
	r.vppid = 0, r.has_vppid = true; /* its parent is a host process */
	CHECK(round_trip(&r, &back, &b) == 0 && record_equal(&r, &back));
	CHECK(strstr(b.p, "\"ppid\":23163,\"vpid\":3,\"vppid\":0,"));
	CHECK(strcmp(pid_label(&back, false, label, sizeof(label)), "pid 3 (host 23168)") == 0);
	CHECK(strcmp(pid_label(&back, true, label, sizeof(label)), "host pid 23163") == 0);
	record_free(&back);
	record_free(&r);
	jbuf_free(&b);
}

int main(void)
{
	namespace_pids();
	every_type_round_trips();
	extremes_round_trip();
	key_order_and_absence();
	bad_fields();
	forward_compatible();
	lossy_invalid_utf8();
	names();
	copy();
	folded_repeats();
	return CHECK_RESULT();
}
