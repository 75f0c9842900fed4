// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Device resolution against a fake /sys, /dev and mountinfo shaped like the seed's node: an ext4
 * with recorded errors on a single-replica Longhorn volume (/dev/longhorn/<volume>, here a loop
 * device) mounted by kubelet for a PVC. Then the JSON round trip, the real machine, and kubectl.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <sys/sysmacros.h>
#include <time.h>
#include "check.h"
#include "host/devices.h"
#include "scratch.h"

#define PVC "pvc-8260aa67-c0ae-49aa-a08e-54fbf98c32c1"
#define POD_MOUNT "/var/lib/kubelet/pods/1234/volumes/kubernetes.io~csi/" PVC "/mount"
#define GLOBAL_DIR "kubelet/plugins/kubernetes.io/csi/driver.longhorn.io/0123abcd"

static struct device_roots roots;
static char sysfs[300], devdir[300], mountinfo[300];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* scratch.h removes a flat directory; this tree is nested. Runs before its handler. */
static void remove_tree(void)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *at(const char *fmt, ...)
{
	static char path[4][1024];
	static int n;
	char rel[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	n = (n + 1) % 4;
	snprintf(path[n], sizeof(path[n]), "%s/%s", dir, rel);
	return path[n];
}

static void mkdirs(const char *path)
{
	char p[512], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		REQUIRE(mkdir(p, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
	REQUIRE(mkdir(p, 0755) == 0 || errno == EEXIST);
}

/* Creates the file and its directories. */
static void put(const char *path, const char *text)
{
	char parent[512];

	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	mkdirs(parent);
	write_file(path, text, strlen(text));
}

static void build_tree(void)
{
	char text[2048];

	/* loop3: the Longhorn volume's block device (v1 data engine: an iSCSI-backed node). */
	mkdirs(at("sys/devices/virtual/block/loop3"));
	mkdirs(at("sys/dev/block"));
	REQUIRE(symlink("../../devices/virtual/block/loop3", at("sys/dev/block/7:3")) == 0);
	put(at("sys/block/loop3/loop/backing_file"), "/var/lib/longhorn/replicas/vol.img\n");
	put(at("sys/fs/ext4/loop3/errors_count"), "3\n");
	put(at("sys/fs/ext4/loop3/first_error_func"), "ext4_lookup\n");
	put(at("sys/fs/ext4/loop3/first_error_line"), "1789\n");
	put(at("sys/fs/ext4/loop3/first_error_ino"), "13\n");
	put(at("sys/fs/ext4/loop3/first_error_errcode"), "5\n"); /* EXT4_ERR_EFSCORRUPTED */
	put(at("sys/fs/ext4/loop3/first_error_time"), "1738713600\n");
	put(at("sys/fs/ext4/loop3/last_error_func"), "htree_dirblock_to_tree\n");
	put(at("sys/fs/ext4/loop3/last_error_line"), "1086\n");
	put(at("sys/fs/ext4/loop3/last_error_ino"), "2\n");
	put(at("sys/fs/ext4/loop3/last_error_errcode"), "EIO\n"); /* the name form */
	put(at("sys/fs/ext4/loop3/last_error_time"), "1738800000\n");
	mkdirs(at("dev/longhorn"));
	/* A block node needs CAP_MKNOD; `make check` runs the unit tests without root. Both ways the
	 * mount's source names the volume; as root the node is found first. */
	if (mknod(at("dev/longhorn/" PVC), S_IFBLK | 0600, makedev(7, 3)) != 0) {
		REQUIRE(errno == EPERM && geteuid() != 0);
		printf("note: not root, no block node /dev/longhorn/%s in the fake tree: its lookup is left "
		       "to make test\n", PVC);
	}
	put(at("dev/longhorn/not-a-device"), "x");
	put(at(GLOBAL_DIR "/vol_data.json"),
	    "{\"driverName\":\"driver.longhorn.io\",\"volumeHandle\":\"" PVC "\","
	    "\"specVolID\":\"" PVC "\",\"volumeLifecycleMode\":\"Persistent\"}");

	/* 7:4: only a staging mount whose vol_data.json names the PV and the Longhorn volume. */
	put(at("kubelet/plugins/kubernetes.io/csi/driver.longhorn.io/4444/vol_data.json"),
	    "{\"driverName\":\"driver.longhorn.io\",\"volumeHandle\":\"vol-handle\","
	    "\"specVolID\":\"pv-from-json\"}");
	/* 7:6: another CSI driver's handle is not a Longhorn volume. */
	put(at("kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/6666/vol_data.json"),
	    "{\"driverName\":\"ebs.csi.aws.com\",\"volumeHandle\":\"vol-0abc\",\"specVolID\":\"pv-ebs\"}");

	/* sdc1, a partition of sdc. */
	mkdirs(at("sys/devices/pci0000:00/0000:00:1f.2/ata1/block/sdc/sdc1"));
	put(at("sys/devices/pci0000:00/0000:00:1f.2/ata1/block/sdc/sdc1/partition"), "1\n");
	REQUIRE(symlink("../../devices/pci0000:00/0000:00:1f.2/ata1/block/sdc/sdc1",
			at("sys/dev/block/8:33")) == 0);
	/* dm-0, a device-mapper volume. */
	put(at("sys/devices/virtual/block/dm-0/dm/name"), "vg0-data\n");
	REQUIRE(symlink("../../devices/virtual/block/dm-0", at("sys/dev/block/253:0")) == 0);
	mkdirs(at("sys/fs/ext4/dm-0")); /* ext4 without any error recorded: empty files */
	put(at("sys/fs/ext4/dm-0/errors_count"), "0\n");
	put(at("sys/fs/ext4/dm-0/first_error_func"), "\n");
	put(at("sys/fs/ext4/dm-0/first_error_errcode"), "0\n");

	snprintf(text, sizeof(text),
		 "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
		 "3000 22 7:3 / %s/" GLOBAL_DIR "/globalmount rw,relatime shared:9 - ext4 "
		 "/dev/longhorn/" PVC " rw\n"
		 "3001 22 7:3 / " POD_MOUNT " rw,relatime shared:9 - ext4 /dev/longhorn/" PVC " rw\n"
		 "3002 22 7:4 / %s/kubelet/plugins/kubernetes.io/csi/driver.longhorn.io/4444/globalmount"
		 " rw - ext4 /dev/sdd rw\n"
		 "3003 22 7:5 / /var/lib/kubelet/plugins/kubernetes.io/csi/pv/pv-old/globalmount rw - "
		 "xfs /dev/sde rw\n"
		 "3004 22 7:6 / %s/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/6666/globalmount rw"
		 " - ext4 /dev/nvme1n1 rw\n"
		 "3005 22 7:7 /coder /home/coder rw - ext4 /dev/longhorn/pvc-in-pod rw\n"
		 "3006 22 253:0 / /data ro - ext4 /dev/mapper/vg0-data ro\n"
		 /* Inside a container: a node path in the mount's root names the PV, a path that only
		  * looks like one (pvc- in a home directory) names nothing. */
		 "3007 22 7:8 /var/lib/kubelet/pods/5678/volumes/kubernetes.io~csi/pvc-from-root/mount "
		 "/home/coder rw - ext4 /dev/sdf rw\n"
		 "3008 22 7:9 / /home/coder/pvc-1234/mount rw - ext4 /dev/sdg rw\n"
		 "3009 22 7:10 /pvc-5678/volumes/kubernetes.io~csi/pvc-5678/mount /srv rw - ext4 /dev/sdh rw\n",
		 dir, dir, dir);
	put(at("proc/mountinfo"), text);
	snprintf(sysfs, sizeof(sysfs), "%s/sys", dir);
	snprintf(devdir, sizeof(devdir), "%s/dev", dir);
	snprintf(mountinfo, sizeof(mountinfo), "%s/proc/mountinfo", dir);
	roots = (struct device_roots){ sysfs, devdir, mountinfo };
}

static bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void test_longhorn_loop(void)
{
	struct device_info d;

	REQUIRE(device_resolve(7, 3, &roots, &d) == 0);
	CHECK(d.major == 7 && d.minor == 3);
	CHECK(streq(d.name, "loop3") && !d.disk && !d.dm_name);
	CHECK(streq(d.backing_file, "/var/lib/longhorn/replicas/vol.img"));
	CHECK(streq(d.longhorn_volume, PVC));
	CHECK(streq(d.pv, PVC));
	CHECK(d.mountpoint && strstr(d.mountpoint, "/globalmount") && streq(d.fstype, "ext4"));
	REQUIRE(d.nmountpoints == 2);
	CHECK(streq(d.mountpoints[0], d.mountpoint) && streq(d.mountpoints[1], POD_MOUNT));
	CHECK(d.has_ext4 && d.ext4_errors_count == 3);
	CHECK(streq(d.ext4_first.func, "ext4_lookup") && d.ext4_first.line == 1789);
	CHECK(d.ext4_first.ino == 13 && d.ext4_first.errcode == EUCLEAN);
	CHECK(d.ext4_first.time == 1738713600);
	CHECK(streq(d.ext4_last.func, "htree_dirblock_to_tree") && d.ext4_last.line == 1086);
	CHECK(d.ext4_last.ino == 2 && d.ext4_last.errcode == EIO && d.ext4_last.time == 1738800000);
	CHECK(!d.has_longhorn);
	device_info_free(&d);
	CHECK(d.name == NULL && d.nmountpoints == 0);
}

static void test_kubelet_paths(void)
{
	struct device_info d;

	/* Only the staging mount: the PV and the Longhorn volume come from vol_data.json. */
	REQUIRE(device_resolve(7, 4, &roots, &d) == 0);
	CHECK(streq(d.pv, "pv-from-json") && streq(d.longhorn_volume, "vol-handle"));
	CHECK(!d.name && !d.has_ext4);
	device_info_free(&d);
	/* The pre-1.24 staging path names the PV itself; no vol_data.json there. */
	REQUIRE(device_resolve(7, 5, &roots, &d) == 0);
	CHECK(streq(d.pv, "pv-old") && !d.longhorn_volume && streq(d.fstype, "xfs"));
	device_info_free(&d);
	REQUIRE(device_resolve(7, 6, &roots, &d) == 0);
	CHECK(streq(d.pv, "pv-ebs") && !d.longhorn_volume);
	device_info_free(&d);
	/* Seen from inside the pod: no kubelet path, but the mount's source names the volume. */
	REQUIRE(device_resolve(7, 7, &roots, &d) == 0);
	CHECK(streq(d.mountpoint, "/home/coder") && streq(d.longhorn_volume, "pvc-in-pod") && !d.pv);
	CHECK(streq(d.longhorn_from, "mount source"));
	device_info_free(&d);
	REQUIRE(device_resolve(7, 4, &roots, &d) == 0);
	CHECK(streq(d.longhorn_from, "kubelet vol_data.json"));
	device_info_free(&d);
	/* The PV from kubelet's path in the mount's root (a node path: no vol_data.json read). */
	REQUIRE(device_resolve(7, 8, &roots, &d) == 0);
	CHECK(streq(d.pv, "pvc-from-root") && !d.longhorn_volume && streq(d.mountpoint, "/home/coder"));
	device_info_free(&d);
	/* Must not fire: "pvc-" in a path that is not kubelet's (no pods/<uid>/volumes/...~csi). */
	REQUIRE(device_resolve(7, 9, &roots, &d) == 0);
	CHECK(!d.pv && !d.longhorn_volume && !d.longhorn_from);
	device_info_free(&d);
	REQUIRE(device_resolve(7, 10, &roots, &d) == 0);
	CHECK(!d.pv && !d.longhorn_volume);
	device_info_free(&d);
}

static void test_partition_dm_unknown(void)
{
	struct device_info d;

	REQUIRE(device_resolve(8, 33, &roots, &d) == 0);
	CHECK(streq(d.name, "sdc1") && streq(d.disk, "sdc") && !d.backing_file && !d.dm_name);
	CHECK(!d.mountpoint && d.nmountpoints == 0 && !d.has_ext4);
	device_info_free(&d);
	REQUIRE(device_resolve(253, 0, &roots, &d) == 0);
	CHECK(streq(d.name, "dm-0") && !d.disk && streq(d.dm_name, "vg0-data"));
	CHECK(streq(d.mountpoint, "/data") && d.nmountpoints == 1);
	CHECK(d.has_ext4 && d.ext4_errors_count == 0);
	CHECK(!d.ext4_first.func && d.ext4_first.errcode == 0 && !d.ext4_last.func);
	device_info_free(&d);
	/* Nothing known, not even a mountinfo file: still a success, all NULL. */
	struct device_roots none = { at("nosys"), at("nodev"), at("nomountinfo") };
	REQUIRE(device_resolve(9, 9, &none, &d) == 0);
	CHECK(d.major == 9 && d.minor == 9 && !d.name && !d.mountpoint && !d.has_ext4);
	device_info_free(&d);
}

static char *to_json(const struct device_info *d)
{
	struct jbuf b = { 0 };

	device_info_to_json(d, &b);
	REQUIRE(!b.oom && b.p);
	return b.p;
}

/* to_json -> parse -> from_json -> to_json must give the same text. */
static void round_trip(const struct device_info *d)
{
	char *a = to_json(d), *b, err[200];
	struct jval *v = json_parse(a, strlen(a), err, sizeof(err));
	struct device_info back;

	REQUIRE(v);
	CHECK(device_info_from_json(v, &back, err, sizeof(err)) == 0);
	b = to_json(&back);
	CHECK(strcmp(a, b) == 0);
	if (strcmp(a, b))
		fprintf(stderr, "  %s\n  %s\n", a, b);
	device_info_free(&back);
	jval_free(v);
	free(a);
	free(b);
}

static void test_json(void)
{
	struct device_info d, copy;
	char *s;

	REQUIRE(device_resolve(7, 3, &roots, &d) == 0);
	d.has_longhorn = true;
	d.longhorn_replicas = 1;
	d.longhorn_robustness = strdup("healthy");
	d.longhorn_state = strdup("attached");
	s = to_json(&d);
	CHECK(strncmp(s, "{\"dev\":\"7:3\",\"name\":\"loop3\",", 28) == 0);
	CHECK(strstr(s, "\"longhorn_volume\":\"" PVC "\",\"longhorn_from\":\"device node\",\"pv\":\"" PVC "\""));
	CHECK(strstr(s, "\"ext4\":{\"errors_count\":3,\"first_error\":{\"func\":\"ext4_lookup\","
			"\"line\":1789,\"ino\":13,\"errcode\":\"EUCLEAN\",\"time\":1738713600}"));
	CHECK(strstr(s, "\"errcode\":\"EIO\""));
	CHECK(strstr(s, "\"longhorn\":{\"replicas\":1,\"robustness\":\"healthy\",\"state\":\"attached\"}"));
	CHECK(strstr(s, "\"mountpoints\":[\"") && strstr(s, "\"" POD_MOUNT "\"]"));
	CHECK(!strstr(s, "disk") && !strstr(s, "dm_name") && !strstr(s, "null"));
	round_trip(&d);
	REQUIRE(device_info_copy(&copy, &d) == 0);
	char *c = to_json(&copy);
	CHECK(strcmp(c, s) == 0);
	free(c);
	free(s);
	device_info_free(&copy);
	device_info_free(&d);

	/* Odd but representable: a record without func, an errno without a name, nothing else. */
	memset(&d, 0, sizeof(d));
	d.major = 4095;
	d.minor = 1048575;
	d.has_ext4 = true;
	d.ext4_last.line = 7;
	d.ext4_last.errcode = 200;
	round_trip(&d);
	s = to_json(&d);
	CHECK(strcmp(s, "{\"dev\":\"4095:1048575\",\"ext4\":{\"errors_count\":0,\"last_error\":"
			"{\"line\":7,\"ino\":0,\"errcode\":\"E200\",\"time\":0}}}") == 0);
	free(s);
	d.has_ext4 = false;
	d.has_longhorn = true; /* read, but the volume had no status yet */
	d.longhorn_replicas = 3;
	round_trip(&d);
}

static void test_json_errors(void)
{
	static const struct { const char *json, *err; } bad[] = {
		{ "[]", "device: expected a JSON object" },
		{ "{}", "dev: expected \"major:minor\"" },
		{ "{\"dev\":\"7\"}", "dev: expected \"major:minor\"" },
		{ "{\"dev\":\"7:3x\"}", "dev: expected \"major:minor\"" },
		{ "{\"dev\":\"-7:3\"}", "dev: expected \"major:minor\"" },
		{ "{\"dev\":\"7:99999999999\"}", "dev: expected \"major:minor\"" },
		{ "{\"dev\":\"7:3\",\"name\":5}", "name: expected a string" },
		{ "{\"dev\":\"7:3\",\"name\":\"a\",\"mountpoints\":[\"/a\",1]}",
		  "mountpoints: expected an array of strings" },
		{ "{\"dev\":\"7:3\",\"ext4\":[]}", "ext4: expected an object" },
		{ "{\"dev\":\"7:3\",\"ext4\":{\"errors_count\":-1}}",
		  "ext4.errors_count: expected an unsigned integer" },
		{ "{\"dev\":\"7:3\",\"ext4\":{\"first_error\":{\"func\":\"f\",\"errcode\":\"EWHAT\"}}}",
		  "errcode: expected an errno name such as \"EUCLEAN\"" },
		{ "{\"dev\":\"7:3\",\"ext4\":{\"last_error\":{\"line\":4294967296}}}",
		  "line: expected an unsigned integer" },
		{ "{\"dev\":\"7:3\",\"longhorn\":{\"replicas\":\"1\"}}",
		  "longhorn.replicas: expected an integer" },
		{ "{\"dev\":\"7:3\",\"longhorn\":{\"replicas\":1,\"state\":false}}",
		  "longhorn.state: expected a string" },
	};
	char err[200];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jval *v = json_parse(bad[i].json, strlen(bad[i].json), err, sizeof(err));
		struct device_info d;

		REQUIRE(v);
		err[0] = '\0';
		CHECK(device_info_from_json(v, &d, err, sizeof(err)) == -1);
		CHECK(strcmp(err, bad[i].err) == 0);
		if (strcmp(err, bad[i].err))
			fprintf(stderr, "  %s -> %s\n", bad[i].json, err);
		CHECK(!d.name && !d.mountpoints && !d.has_ext4 && !d.longhorn_state); /* left empty */
		jval_free(v);
	}
}

static void same_dev(const char *a, const char *b)
{
	uint32_t ma, mia, mb, mib;

	REQUIRE(path_device(a, &ma, &mia) == 0 && path_device(b, &mb, &mib) == 0);
	CHECK(ma == mb && mia == mib);
	if (ma != mb || mia != mib)
		fprintf(stderr, "  %s is %u:%u, %s is %u:%u\n", a, ma, mia, b, mb, mib);
}

static void test_path_device(void)
{
	struct stat st;
	uint32_t ma, mi;

	REQUIRE(stat(dir, &st) == 0 && path_device(dir, &ma, &mi) == 0);
	CHECK(ma == major(st.st_dev) && mi == minor(st.st_dev));
	same_dev(at("no/such/file"), dir);
	REQUIRE(symlink("/nonexistent/target", at("dangling")) == 0);
	same_dev(at("dangling"), dir);
	same_dev("/no-such-dir-fstrace/x/y", "/");
	same_dev("no-such-relative/x", ".");
	same_dev("", ".");
	same_dev("/proc/self/status", "/proc");
}

/* The machine the tests run on: whatever holds "/" has a name in /sys. */
static void test_real_root(void)
{
	struct device_info d;
	uint32_t ma, mi;
	bool root_listed = false;

	REQUIRE(path_device("/", &ma, &mi) == 0);
	REQUIRE(device_resolve(ma, mi, NULL, &d) == 0);
	if (ma == 0) { /* an overlay or tmpfs root (a container) has no block device */
		printf("  skip: / is on an anonymous device %u:%u\n", ma, mi);
	} else {
		CHECK(d.name && d.name[0]);
		for (size_t i = 0; i < d.nmountpoints; i++)
			root_listed |= strcmp(d.mountpoints[i], "/") == 0;
		CHECK(root_listed && d.fstype);
	}
	round_trip(&d);
	device_info_free(&d);
}

/* ---- kubectl ---- */

static const char fake_kubectl[] =
	"#!/bin/sh\n"
	"printf '%%s\\n' \"$@\" > '%s/kubectl.args'\n"
	"case \"$5\" in\n"
	"missing) echo 'Error from server (NotFound): volumes.longhorn.io \"missing\" not found' >&2\n"
	"         echo 'second line' >&2; exit 1 ;;\n"
	"garbage) echo 'this is not json' ;;\n"
	"nospec)  echo '{\"kind\":\"Volume\",\"status\":{\"state\":\"attached\"}}' ;;\n"
	"silent)  exit 3 ;;\n"
	"slow)    sleep 60 ;;\n"
	"*)       cat <<EOF\n"
	"{\"apiVersion\":\"longhorn.io/v1beta2\",\"kind\":\"Volume\",\"metadata\":{\"name\":\"$5\","
	"\"namespace\":\"longhorn-system\"},\"spec\":{\"numberOfReplicas\":1,\"nodeID\":\"k3s-dell-micro\","
	"\"dataEngine\":\"v1\"},\"status\":{\"robustness\":\"healthy\",\"state\":\"attached\"}}\n"
	"EOF\n"
	";;\n"
	"esac\n";

static int read_volume(const char *volume, struct device_info *d, char *note, size_t len)
{
	memset(d, 0, sizeof(*d));
	d->longhorn_volume = strdup(volume);
	note[0] = '\0';
	return device_read_longhorn(d, note, len);
}

static void test_kubectl(void)
{
	char script[2048], path[1024], note[256], *args;
	const char *old = getenv("PATH");
	char *saved = strdup(old ? old : "/usr/bin:/bin");
	struct device_info d;
	size_t len;
	long long t0;

	snprintf(script, sizeof(script), fake_kubectl, dir);
	put(at("bin/kubectl"), script);
	REQUIRE(chmod(at("bin/kubectl"), 0755) == 0);
	snprintf(path, sizeof(path), "%s:%s", at("bin"), saved);
	setenv("PATH", path, 1);

	CHECK(read_volume(PVC, &d, note, sizeof(note)) == 0);
	CHECK(d.has_longhorn && d.longhorn_replicas == 1 && note[0] == '\0');
	CHECK(streq(d.longhorn_robustness, "healthy") && streq(d.longhorn_state, "attached"));
	args = read_file(at("kubectl.args"), &len);
	CHECK(len == strlen("get\nvolumes.longhorn.io\n-n\nlonghorn-system\n" PVC "\n-o\njson\n") &&
	      memcmp(args, "get\nvolumes.longhorn.io\n-n\nlonghorn-system\n" PVC "\n-o\njson\n", len) == 0);
	free(args);
	device_info_free(&d);

	/* No shell: a name full of shell syntax reaches kubectl as one argument. */
	CHECK(read_volume("v;touch $HOME/x`id`", &d, note, sizeof(note)) == 0);
	args = read_file(at("kubectl.args"), &len);
	CHECK(strstr(args, "\nv;touch $HOME/x`id`\n"));
	free(args);
	device_info_free(&d);

	CHECK(read_volume("missing", &d, note, sizeof(note)) == -1);
	CHECK(strcmp(note, "kubectl failed: Error from server (NotFound): volumes.longhorn.io "
			   "\"missing\" not found") == 0);
	CHECK(!d.has_longhorn && !d.longhorn_state); /* untouched */
	device_info_free(&d);
	CHECK(read_volume("silent", &d, note, sizeof(note)) == -1);
	CHECK(strcmp(note, "kubectl failed: exit status 3") == 0);
	device_info_free(&d);
	CHECK(read_volume("garbage", &d, note, sizeof(note)) == -1);
	CHECK(strncmp(note, "kubectl printed no Longhorn volume: ", 36) == 0 && !d.has_longhorn);
	device_info_free(&d);
	CHECK(read_volume("nospec", &d, note, sizeof(note)) == -1);
	CHECK(strstr(note, "no spec.numberOfReplicas") && !d.has_longhorn);
	device_info_free(&d);

	t0 = time(NULL);
	CHECK(read_volume("slow", &d, note, sizeof(note)) == -1);
	CHECK(strstr(note, "timed out") && time(NULL) - t0 < 20);
	CHECK(!d.has_longhorn);
	device_info_free(&d);

	memset(&d, 0, sizeof(d));
	CHECK(device_read_longhorn(&d, note, sizeof(note)) == -1 && note[0]); /* no volume */

	mkdirs(at("empty"));
	setenv("PATH", at("empty"), 1);
	CHECK(read_volume(PVC, &d, note, sizeof(note)) == -1);
	CHECK(strcmp(note, "kubectl not found: Longhorn volume settings not read") == 0);
	CHECK(!d.has_longhorn);
	device_info_free(&d);

	setenv("PATH", saved, 1);
	free(saved);
}

int main(void)
{
	scratch_setup();
	atexit(remove_tree);
	build_tree();
	test_longhorn_loop();
	test_kubelet_paths();
	test_partition_dm_unknown();
	test_json();
	test_json_errors();
	test_path_device();
	test_real_root();
	test_kubectl();
	return CHECK_RESULT();
}
