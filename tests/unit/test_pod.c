// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The pod fstrace runs in, from what a pod has (a cgroup namespace hides the rest): the downward
 * API's POD_NAME / POD_NAMESPACE (its own or its container init's environment), the service
 * account's namespace file, kubelet's /etc/hosts and /dev/termination-log mounts, the hostname.
 * A bare host is no pod, whatever its hostname and kubelet's own mounts. Then the "pod" record's
 * JSON round trip, the report's line, and the notes of what could not be read.
 */
#include <ftw.h>
#include <sys/stat.h>
#include "diagnose/analysis.h"
#include "check.h"
#include "collect/context_env.h"
#include "recording/event_json.h"
#include "host/pod.h"
#include "report/render.h"
#include "scratch.h"

#define UID "5f1b5d2a-6c1e-4b8a-9a41-3c6f0e7d2b11"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(void)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void put(const char *name, const char *text, size_t len)
{
	write_file(in_dir(name), text, len);
}

/* A pod's container: kubelet's binds, a service account, the downward API in the environment. */
static void test_pod_env_and_mounts(void)
{
	static const char pod_mounts[] =
		"1 0 0:50 / / rw - overlay overlay rw,lowerdir=/var/lib/k3s/l,upperdir=/var/lib/k3s/u,"
		"workdir=/var/lib/k3s/w\n"
		"2 1 254:1 /var/lib/kubelet/pods/" UID "/etc-hosts /etc/hosts rw - ext4 /dev/vda1 rw\n"
		"3 1 254:1 /var/lib/kubelet/pods/" UID "/containers/dev/1a2b3c /dev/termination-log rw - "
		"ext4 /dev/vda1 rw\n"
		"4 1 8:16 / /home/coder rw - ext4 /dev/longhorn/pvc-1 rw\n";
	char *env[] = { "PATH=/bin", "POD_NAME=coder-0", "POD_NAMESPACE=devpod", NULL };
	char sa[512], host[512], mi[512];
	struct pod_roots r;
	struct pod_info p;

	REQUIRE(mkdir(in_dir("sa"), 0755) == 0);
	put("sa/namespace", "from-sa\n", 8);
	put("hostname", "coder-0-host\n", 13);
	put("mountinfo", pod_mounts, sizeof(pod_mounts) - 1);
	snprintf(sa, sizeof(sa), "%s", in_dir("sa"));
	snprintf(host, sizeof(host), "%s", in_dir("hostname"));
	snprintf(mi, sizeof(mi), "%s", in_dir("mountinfo"));
	r = (struct pod_roots){ env, in_dir("no-environ"), sa, host, mi };
	REQUIRE(pod_identify(&r, &p) == 1);
	CHECK(eq(p.name, "coder-0") && eq(p.name_from, "env POD_NAME"));
	CHECK(eq(p.namespace, "devpod") && eq(p.namespace_from, "env POD_NAMESPACE"));
	CHECK(eq(p.uid, UID) && eq(p.uid_from, "/etc/hosts mount"));
	CHECK(eq(p.container, "dev") && eq(p.hostname, "coder-0-host"));
	pod_info_free(&p);

	/* No downward API: the namespace from the service account, the name from the hostname. */
	char *bare_env[] = { "PATH=/bin", NULL };
	r.env = bare_env;
	REQUIRE(pod_identify(&r, &p) == 1);
	CHECK(eq(p.name, "coder-0-host") && eq(p.name_from, "hostname"));
	CHECK(eq(p.namespace, "from-sa") && p.namespace_from && strstr(p.namespace_from, "sa/namespace"));
	pod_info_free(&p);

	/* sudo started fstrace with a clean environment: the container's init still has it. */
	static const char init_env[] = "HOME=/root\0POD_NAME=coder-1\0POD_NAMESPACE=team\0";
	put("environ", init_env, sizeof(init_env) - 1);
	r.init_environ = in_dir("environ");
	REQUIRE(pod_identify(&r, &p) == 1);
	CHECK(eq(p.name, "coder-1") && eq(p.name_from, "env of pid 1, POD_NAME"));
	CHECK(eq(p.namespace, "team") && eq(p.namespace_from, "env of pid 1, POD_NAMESPACE"));
	pod_info_free(&p);
}

/* Must not fire: a bare host, or a Kubernetes node itself, is not a pod. */
static void test_not_a_pod(void)
{
	static const char node_mounts[] =
		"1 0 254:1 / / rw - ext4 /dev/vda1 rw\n"
		/* kubelet's own subPath bind on the node: a pods/<uid>/ root, not at /etc/hosts */
		"2 1 254:1 /var/lib/kubelet/pods/" UID "/volumes/kubernetes.io~empty-dir/x/sub "
		"/var/lib/kubelet/pods/" UID "/volume-subpaths/x/c/0 rw - ext4 /dev/vda1 rw\n"
		/* /etc/hosts bound from somewhere that is not kubelet's pod directory */
		"3 1 254:1 /srv/pods/not-a-uid/etc-hosts /etc/hosts rw - ext4 /dev/vda1 rw\n";
	char *env[] = { "PATH=/bin", "HOSTNAME=web-0", NULL };
	struct pod_roots r;
	struct pod_info p;

	put("node-mountinfo", node_mounts, sizeof(node_mounts) - 1);
	put("node-hostname", "web-0\n", 6);
	put("node-environ", "INIT=1\0", 7);
	r = (struct pod_roots){ env, in_dir("node-environ"), in_dir("no-sa"), in_dir("node-hostname"),
				in_dir("node-mountinfo") };
	CHECK(pod_identify(&r, &p) == 0);
	CHECK(!p.name && !p.namespace && !p.uid && !p.hostname);
	/* Nothing readable at all: still no pod, no crash. */
	r = (struct pod_roots){ NULL, NULL, NULL, NULL, NULL };
	CHECK(pod_identify(&r, &p) == 0);
	/* KUBERNETES_SERVICE_HOST is a pod's sign: the hostname then names it. */
	char *kenv[] = { "KUBERNETES_SERVICE_HOST=10.43.0.1", NULL };
	r = (struct pod_roots){ kenv, NULL, NULL, in_dir("node-hostname"), NULL };
	REQUIRE(pod_identify(&r, &p) == 1);
	CHECK(eq(p.name, "web-0") && eq(p.name_from, "hostname") && !p.namespace);
	pod_info_free(&p);
}

/* The pod record: JSON round trip inside a record, then the report's line from an analysis. */
static void test_record_and_report(void)
{
	struct pod_info p = { .name = "coder-0", .name_from = "env POD_NAME", .namespace = "devpod",
			      .namespace_from = "/var/run/secrets/kubernetes.io/serviceaccount/namespace",
			      .uid = UID, .uid_from = "/etc/hosts mount", .container = "dev" };
	struct record r, back;
	struct jbuf a = {}, b = {};
	char err[200], line[1024];
	struct jval *v;

	record_init(&r);
	r.type = REC_POD;
	r.ts_ns = 5;
	REQUIRE((r.pod = calloc(1, sizeof(*r.pod))) && pod_info_copy(r.pod, &p) == 0);
	record_to_json(&r, &a);
	REQUIRE(!a.oom && a.p);
	CHECK(strstr(a.p, "\"type\":\"pod\"") && strstr(a.p, "\"pod\":{\"name\":\"coder-0\",\"name_from\":\"env POD_NAME\""));
	REQUIRE((v = json_parse(a.p, a.len, err, sizeof(err))));
	REQUIRE(record_from_json(v, &back, err, sizeof(err)) == 0);
	CHECK(back.type == REC_POD && back.pod && eq(back.pod->uid, UID));
	record_to_json(&back, &b);
	CHECK(b.p && strcmp(a.p, b.p) == 0);
	jval_free(v);

	struct recording_header h = { .mode = "record" };
	struct analysis *an = analysis_new(&h);

	REQUIRE(an);
	CHECK(!render_pod(an, line, sizeof(line)));
	analysis_add(an, &back);
	REQUIRE(render_pod(an, line, sizeof(line)));
	CHECK(strcmp(line, "devpod/coder-0 (name from env POD_NAME, namespace from "
			   "/var/run/secrets/kubernetes.io/serviceaccount/namespace; uid " UID
			   " from the /etc/hosts mount; container dev)") == 0);
	analysis_free(an);
	record_free(&r);
	record_free(&back);
	jbuf_free(&a);
	jbuf_free(&b);

	/* A malformed pod object is refused, not half read. */
	const char *bad = "{\"ts_ns\":1,\"type\":\"pod\",\"pod\":{\"name\":7}}";
	REQUIRE((v = json_parse(bad, strlen(bad), err, sizeof(err))));
	CHECK(record_from_json(v, &back, err, sizeof(err)) == -1 && strstr(err, "pod"));
	jval_free(v);
}

static bool has_note(const struct env_context *e, const char *text)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].type == REC_NOTE && strstr(e->v[i].msg, text))
			return true;
	return false;
}

/* What could not be read becomes a note; a host with everything readable gets none. */
static void test_env_notes(void)
{
	static const char with_cg2[] = "1 0 254:1 / / rw - ext4 /dev/vda1 rw\n"
				       "2 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
	struct pod_roots none = { 0 };
	struct env_roots r;
	struct env_context e;

	put("cg2-mountinfo", with_cg2, sizeof(with_cg2) - 1);
	put("cgroup-ns", "0::/\n", 5);
	put("cgroup-host", "0::/user.slice/user-0.slice/session-1.scope\n", 44);
	REQUIRE(mkdir(in_dir("block"), 0755) == 0);
	/* /proc/self/ns/cgroup as the kernel shows it: a container's namespace, and the host's. */
	REQUIRE(symlink("cgroup:[4026532999]", in_dir("ns-pod")) == 0);
	REQUIRE(symlink("cgroup:[4026531835]", in_dir("ns-host")) == 0);

	r = (struct env_roots){ &none, in_dir("cgroup-ns"), in_dir("block"), in_dir("cg2-mountinfo"), in_dir("ns-pod") };
	env_context_learn(&e, &r);
	CHECK(e.n == 1 && has_note(&e, "0::/ (a cgroup namespace)"));
	env_context_free(&e);

	/* Must not fire: 0::/ in the host's own cgroup namespace is the root cgroup (no systemd). */
	r = (struct env_roots){ &none, in_dir("cgroup-ns"), in_dir("block"), in_dir("cg2-mountinfo"), in_dir("ns-host") };
	env_context_learn(&e, &r);
	CHECK(e.n == 0);
	env_context_free(&e);

	r = (struct env_roots){ &none, in_dir("cgroup-host"), in_dir("block"), in_dir("cg2-mountinfo"), in_dir("ns-host") };
	env_context_learn(&e, &r);
	CHECK(e.n == 0);
	env_context_free(&e);

	r = (struct env_roots){ &none, in_dir("cgroup-ns"), in_dir("no-block"), in_dir("no-mountinfo"), in_dir("ns-pod") };
	env_context_learn(&e, &r);
	CHECK(has_note(&e, "no cgroup2 mount") && has_note(&e, "/sys/dev/block not readable"));
	CHECK(!has_note(&e, "cgroup namespace"));
	env_context_free(&e);
}

int main(void)
{
	scratch_setup();
	atexit(remove_tree);
	test_pod_env_and_mounts();
	test_not_a_pod();
	test_record_and_report();
	test_env_notes();
	return CHECK_RESULT();
}
