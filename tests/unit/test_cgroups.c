// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Containers and pods from cgroup paths: every runtime's shape and kubelet's two drivers; the
 * id -> path map against a fake tree (and the real cgroup2 mount, as root); --container and
 * --pod lookups; the "cgroup" object's JSON round trip, alone and inside a record.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include "host/cgroups.h"
#include "check.h"
#include "recording/event_json.h"
#include "lib/json.h"
#include "scratch.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CID2 "01234567ffffffff0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "5f1b5d2a-6c1e-4b8a-9a41-3c6f0e7d2b11"
#define UID_ "5f1b5d2a_6c1e_4b8a_9a41_3c6f0e7d2b11"
#define STATIC_UID "6b2c3e7f0a9d4e1b8c5f2a7d3e9b1c40" /* a static pod's: an md5, no dashes */

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

/* path -> runtime, container id, pod UID, QoS (NULL: none) */
static void expect(const char *path, const char *runtime, const char *cid, const char *uid, const char *qos)
{
	struct cgroup_info ci = {};

	REQUIRE(cgroup_parse_path(path, &ci) == 0);
	if (!eq(ci.runtime, runtime) || !eq(ci.container_id, cid) || !eq(ci.pod_uid, uid) || !eq(ci.qos, qos)) {
		fprintf(stderr, "%s: got runtime %s id %s pod %s qos %s\n", path, ci.runtime, ci.container_id,
			ci.pod_uid, ci.qos);
		check_failures++;
	}
	CHECK(cgroup_info_attributed(&ci) == (cid || uid));
	cgroup_info_free(&ci);
}

static void test_shapes(void)
{
	/* docker: systemd and cgroupfs drivers; docker in docker: the inner one */
	expect("/system.slice/docker-" CID ".scope", "docker", CID, NULL, NULL);
	expect("/docker/" CID, "docker", CID, NULL, NULL);
	expect("/system.slice/docker-" CID2 ".scope/docker/" CID, "docker", CID, NULL, NULL);
	/* containerd under kubelet, systemd driver: Burstable, Guaranteed (directly under kubepods) */
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/cri-containerd-" CID
	       ".scope", "containerd", CID, UID, "Burstable");
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope", "containerd", CID, UID,
	       "Guaranteed");
	/* cgroupfs driver: a plain id below the pod */
	expect("/kubepods/burstable/pod" UID "/" CID, "containerd", CID, UID, "Burstable");
	expect("/kubepods/besteffort/pod" UID "/" CID, "containerd", CID, UID, "BestEffort");
	expect("/kubepods/pod" UID "/" CID, "containerd", CID, UID, "Guaranteed");
	/* cri-o, and its monitor */
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" CID ".scope",
	       "cri-o", CID, UID, "BestEffort");
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-conmon-" CID
	       ".scope", "cri-o", CID, UID, "BestEffort");
	expect("/kubepods/burstable/pod" UID "/crio-" CID, "cri-o", CID, UID, "Burstable");
	/* podman: systemd (with crun's "container" subgroup), conmon, cgroupfs */
	expect("/machine.slice/libpod-" CID ".scope", "podman", CID, NULL, NULL);
	expect("/machine.slice/libpod-" CID ".scope/container", "podman", CID, NULL, NULL);
	expect("/machine.slice/libpod-conmon-" CID ".scope", "podman", CID, NULL, NULL);
	expect("/libpod_parent/libpod-" CID, "podman", CID, NULL, NULL);
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" CID ".scope", "podman", CID,
	       NULL, NULL);
	/* kind's nested kubelet (--cgroup-root=/kubelet), a static pod, a pod's own cgroup */
	expect("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod"
	       UID_ ".slice/cri-containerd-" CID ".scope", "containerd", CID, UID, "Burstable");
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID ".slice/cri-containerd-"
	       CID ".scope", "containerd", CID, STATIC_UID, "Burstable");
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", NULL, NULL, UID,
	       "Burstable");
	expect("/kubepods/burstable/pod" UID, NULL, NULL, UID, "Burstable");
	/* not containers, not pods */
	expect("/", NULL, NULL, NULL, NULL);
	expect("", NULL, NULL, NULL, NULL);
	expect("/user.slice/user-1000.slice/session-3.scope", NULL, NULL, NULL, NULL);
	expect("/system.slice/docker.service", NULL, NULL, NULL, NULL);
	expect("/system.slice/docker-" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde.scope", NULL,
	       NULL, NULL, NULL);                                     /* 63 digits */
	expect("/system.slice/docker-" CID ".service", NULL, NULL, NULL, NULL);
	expect("/system.slice/docker-0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope", NULL,
	       NULL, NULL, NULL);                                     /* ids are lower case */
	expect("/kubepods.slice/kubepods-burstable.slice", NULL, NULL, NULL, NULL);
	expect("/kubepods/burstable/podnotauid/x", NULL, NULL, NULL, NULL);
	expect("/other/burstable/pod" UID, NULL, NULL, NULL, NULL); /* no kubepods above */
	expect("/system.slice/foo-pod" UID_ ".slice", NULL, NULL, NULL, NULL);
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID ".slice", NULL, NULL, UID,
	       "Burstable");                                          /* dashes are accepted too */
	expect("/a/" CID, NULL, CID, NULL, NULL);                     /* an id, no known runtime */
}

static char fake[512], logs[512];

static const char *in_fake(const char *rel)
{
	static char p[4][1024];
	static int n;

	n = (n + 1) % 4;
	snprintf(p[n], sizeof(p[n]), "%s%s", fake, rel);
	return p[n];
}

static void mkdirs(const char *path)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		REQUIRE(mkdir(p, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
	REQUIRE(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static uint64_t ino(const char *path)
{
	struct stat st;

	REQUIRE(stat(path, &st) == 0);
	return st.st_ino;
}

#define POD_DIR "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"

static void test_map(void)
{
	struct cgroup_roots roots = { fake, logs };
	struct cgroup_map *m = cgroup_map_new(&roots);
	struct cgroup_info ci;
	bool retry;

	REQUIRE(m);
	REQUIRE(cgroup_describe(m, ino(in_fake(POD_DIR "/cri-containerd-" CID ".scope")), 0, &ci, &retry) == 0);
	CHECK(eq(ci.path, POD_DIR "/cri-containerd-" CID ".scope"));
	CHECK(eq(ci.runtime, "containerd") && eq(ci.container_id, CID) && eq(ci.pod_uid, UID));
	CHECK(eq(ci.pod_namespace, "ci-builds") && eq(ci.pod_name, "web-0")); /* from the fake /var/log/pods */
	cgroup_info_free(&ci);
	REQUIRE(cgroup_describe(m, ino(fake), 0, &ci, &retry) == 0);
	CHECK(eq(ci.path, "/") && !cgroup_info_attributed(&ci));
	cgroup_info_free(&ci);

	/* A cgroup made after the walk: not before the next one, due a second later. */
	mkdirs(in_fake("/system.slice/docker-" CID2 ".scope"));
	CHECK(cgroup_describe(m, ino(in_fake("/system.slice/docker-" CID2 ".scope")), 0, &ci, &retry) == -1 && retry);
	sleep(1);
	REQUIRE(cgroup_describe(m, ino(in_fake("/system.slice/docker-" CID2 ".scope")), 0, &ci, &retry) == 0);
	CHECK(eq(ci.runtime, "docker") && eq(ci.container_id, CID2) && !ci.pod_uid && !ci.pod_name);
	cgroup_info_free(&ci);
	/* Gone, or never there: the walk was due and did not find it. */
	sleep(1);
	CHECK(cgroup_describe(m, ino(in_fake("/../logs")), 0, &ci, &retry) == -1 && !retry);
	cgroup_map_free(m);
}

static void find(enum cgroup_find_kind kind, const char *arg, const char *want_dir, const char *want_err)
{
	struct cgroup_roots roots = { fake, logs };
	char got[4096] = "", err[512] = "";
	int rc = cgroup_find(&roots, kind, arg, got, sizeof(got), err, sizeof(err));

	if (want_dir ? rc != 0 || strcmp(got, in_fake(want_dir)) : rc != -1 || !strstr(err, want_err)) {
		fprintf(stderr, "find %s: rc %d dir %s err %s\n", arg, rc, got, err);
		check_failures++;
	}
}

static void test_find(void)
{
	find(CGFIND_CONTAINER, CID, POD_DIR "/cri-containerd-" CID ".scope", NULL);
	find(CGFIND_CONTAINER, "0123456789", POD_DIR "/cri-containerd-" CID ".scope", NULL);
	find(CGFIND_CONTAINER, "01234567ff", "/system.slice/docker-" CID2 ".scope", NULL);
	find(CGFIND_CONTAINER, "01234567", NULL, "--container 01234567: matches more than one container");
	find(CGFIND_CONTAINER, "fff", NULL, "--container fff: no cgroup of that container on this node");
	find(CGFIND_CONTAINER, "xyz", NULL, "not a container id");
	find(CGFIND_POD, UID, POD_DIR, NULL);
	find(CGFIND_POD, UID_, POD_DIR, NULL);
	find(CGFIND_POD, "5F1B5D2A", POD_DIR, NULL); /* a prefix, in capitals */
	find(CGFIND_POD, "00000000-0000-0000-0000-000000000000", NULL, "no cgroup of that pod on this node");
	/* cri-o: the container's scope, never its monitor's */
	mkdirs(in_fake("/kubepods/besteffort/pod" UID "/crio-conmon-" CID2));
	rename(in_fake("/system.slice/docker-" CID2 ".scope"), in_fake("/kubepods/besteffort/pod" UID "/crio-" CID2));
	find(CGFIND_CONTAINER, CID2, "/kubepods/besteffort/pod" UID "/crio-" CID2, NULL);
}

static void test_json(void)
{
	struct cgroup_info in = { .id = 1ull << 40, .path = POD_DIR "/cri-containerd-" CID ".scope",
				  .runtime = "containerd", .container_id = CID, .pod_uid = UID, .qos = "Burstable",
				  .pod_name = "web-0", .pod_namespace = "ci \"builds\"" }, out, copy;
	struct record r, back;
	struct jbuf b = {};
	char err[256];
	struct jval *v;

	cgroup_info_to_json(&in, &b);
	REQUIRE(!b.oom && (v = json_parse(b.p, b.len, err, sizeof(err))));
	REQUIRE(cgroup_info_from_json(v, &out, err, sizeof(err)) == 0);
	CHECK(out.id == in.id && eq(out.path, in.path) && eq(out.runtime, in.runtime) &&
	      eq(out.container_id, in.container_id) && eq(out.pod_uid, in.pod_uid) && eq(out.qos, in.qos) &&
	      eq(out.pod_name, in.pod_name) && eq(out.pod_namespace, in.pod_namespace));
	REQUIRE(cgroup_info_copy(&copy, &out) == 0);
	CHECK(eq(copy.pod_namespace, in.pod_namespace) && copy.pod_namespace != out.pod_namespace);
	cgroup_info_free(&copy);
	jval_free(v);

	/* Inside a record, as the recording holds it. */
	record_init(&r);
	r.type = REC_CGROUP;
	r.ts_ns = 7;
	r.cgroup_id = in.id;
	r.cgroup = &out;
	jbuf_reset(&b);
	record_to_json(&r, &b);
	REQUIRE(!b.oom && (v = json_parse(b.p, b.len, err, sizeof(err))));
	CHECK(strstr(b.p, "\"type\":\"cgroup\"") && strstr(b.p, "\"cgroup\":{\"id\":1099511627776,\"path\":"));
	REQUIRE(record_from_json(v, &back, err, sizeof(err)) == 0);
	CHECK(back.type == REC_CGROUP && back.cgroup && back.cgroup_id == in.id && eq(back.cgroup->qos, "Burstable"));
	record_free(&back);
	jval_free(v);
	r.cgroup = NULL;
	cgroup_info_free(&out);

	/* Absent members stay NULL; wrong types are refused with the key. */
	REQUIRE((v = json_parse("{\"id\":3}", 8, err, sizeof(err))));
	CHECK(cgroup_info_from_json(v, &out, err, sizeof(err)) == 0 && out.id == 3 && !out.path);
	jval_free(v);
	REQUIRE((v = json_parse("{\"id\":\"3\"}", 10, err, sizeof(err))));
	CHECK(cgroup_info_from_json(v, &out, err, sizeof(err)) == -1 && strstr(err, "id:"));
	jval_free(v);
	REQUIRE((v = json_parse("{\"qos\":1}", 9, err, sizeof(err))));
	CHECK(cgroup_info_from_json(v, &out, err, sizeof(err)) == -1 && strstr(err, "qos:"));
	jval_free(v);
	jbuf_free(&b);
}

/* As root: the real cgroup2 mount, walked with readdir's d_ino (kernfs: the cgroup id). */
static void test_real(void)
{
	char mnt[4096], root[4096], path[8300];
	struct cgroup_map *m;
	struct cgroup_info ci;
	uint64_t id;
	uint32_t level;
	bool retry;

	if (geteuid() || cgroup2_mount(mnt, sizeof(mnt), root, sizeof(root)) || strcmp(root, "/")) {
		printf("  (no cgroup2 mount of our own as root: the real tree is not tried)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/fstrace-unit-%d", mnt, getpid());
	if (mkdir(path, 0755)) {
		printf("  (cannot create a cgroup under %s: the real tree is not tried)\n", mnt);
		return;
	}
	strcat(path, "/docker-" CID ".scope");
	REQUIRE(mkdir(path, 0755) == 0);
	REQUIRE((m = cgroup_map_new(&cgroup_roots_default)));
	CHECK(cgroup_describe(m, ino(path), 0, &ci, &retry) == 0 && eq(ci.container_id, CID) &&
	      ci.path && !strcmp(ci.path, path + strlen(mnt)));
	cgroup_info_free(&ci);
	cgroup_map_free(m);
	CHECK(cgroup_filter(NULL, CID, NULL, &id, &level) == 0 && id == ino(path) && level == 2);
	CHECK(cgroup_filter(path, NULL, NULL, &id, &level) == 0 && id == ino(path) && level == 2);
	rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
}

int main(void)
{
	scratch_setup();
	atexit(remove_tree);
	snprintf(fake, sizeof(fake), "%s/cgroup", dir);
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	mkdirs(in_fake(POD_DIR "/cri-containerd-" CID ".scope"));
	mkdirs(in_fake("/system.slice/ssh.service"));
	mkdirs(in_fake("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice/x/y/z"));
	mkdirs(in_fake("/../logs/ci-builds_web-0_" UID));
	mkdirs(in_fake("/../logs/other_web-0_" STATIC_UID));
	test_shapes();
	test_map();
	test_find();
	test_json();
	test_real();
	return CHECK_RESULT();
}
