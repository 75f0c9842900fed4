// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fstrace check's rules against a fake machine, without root: a mountinfo with a data root on an
 * overlay (whose upperdir lies on ext4), an ext4 in emergency_ro that has logged 3 errors (mount
 * options rw, superblock options rw,emergency_ro, /sys/fs/ext4/loop3/errors_count 3), a tmpfs
 * with 5 free inodes of 32, a healthy ext4; a fake sysfs and statvfs; then the kernel features
 * (no BTF, an old kernel, lockdown) and the JSON report.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include "check.h"
#include "lib/json.h"
#include "preflight/preflight.h"
#include "scratch.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tree(void)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *at(const char *rel)
{
	static char path[8][1024];
	static int n;

	n = (n + 1) % 8;
	snprintf(path[n], sizeof(path[n]), "%s/%s", dir, rel);
	return path[n];
}

static void mkdirs(const char *path)
{
	char p[1024], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		REQUIRE(mkdir(p, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
	REQUIRE(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static void put(const char *path, const char *text)
{
	char parent[1024];

	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	mkdirs(parent);
	write_file(path, text, strlen(text));
}

/* The fake statvfs: by the mountpoint's last name. */
static int fake_statvfs(const char *path, struct statvfs *st)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	memset(st, 0, sizeof(*st));
	st->f_frsize = st->f_bsize = 4096;
	st->f_blocks = 1000;
	st->f_bfree = 900;
	st->f_bavail = 850; /* 100 used / (100 + 850): 10.5% */
	st->f_files = 10000;
	st->f_ffree = 9000;
	if (!strcmp(name, "few")) {
		st->f_files = 32;
		st->f_ffree = 5;
	} else if (!strcmp(name, "secret")) {
		errno = EACCES;
		return -1;
	}
	return 0;
}

static struct preflight_host host;
static char mountinfo[1100];

static void build_machine(void)
{
	char text[4096];

	mkdirs(at("docker"));
	mkdirs(at("ok"));
	mkdirs(at("good"));
	mkdirs(at("few"));
	mkdirs(at("secret"));
	mkdirs(at("u"));
	mkdirs(at("l"));
	snprintf(text, sizeof(text),
		 "10 0 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		 "20 10 7:3 / %s rw,relatime shared:2 - ext4 /dev/loop3 rw,emergency_ro\n"
		 "30 10 0:50 / %s rw,relatime shared:3 - overlay overlay rw,lowerdir=%s,upperdir=%s,workdir=%s\n"
		 "40 10 0:60 / %s rw,relatime shared:4 - tmpfs tmpfs rw,nr_inodes=32\n"
		 "50 10 7:4 / %s rw,relatime shared:5 - ext4 /dev/loop4 rw\n"
		 "60 10 0:70 / %s rw,relatime shared:6 - tmpfs tmpfs rw\n",
		 at("ok"), at("docker"), at("l"), at("u"), at("w"), at("few"), at("good"), at("secret"));
	snprintf(mountinfo, sizeof(mountinfo), "%s", at("mountinfo"));
	put(mountinfo, text);

	mkdirs(at("sys/devices/virtual/block/loop3"));
	mkdirs(at("sys/devices/virtual/block/loop4"));
	mkdirs(at("sys/dev/block"));
	REQUIRE(symlink("../../devices/virtual/block/loop3", at("sys/dev/block/7:3")) == 0);
	REQUIRE(symlink("../../devices/virtual/block/loop4", at("sys/dev/block/7:4")) == 0);
	put(at("sys/fs/ext4/loop3/errors_count"), "3\n");
	put(at("sys/fs/ext4/loop3/first_error_func"), "ext4_lookup\n");
	put(at("sys/fs/ext4/loop3/first_error_line"), "1789\n");
	put(at("sys/fs/ext4/loop3/first_error_ino"), "13\n");
	put(at("sys/fs/ext4/loop3/first_error_time"), "1738713600\n");
	put(at("sys/fs/ext4/loop4/errors_count"), "0\n");
	mkdirs(at("dev"));
	put(at("btf"), "BTF");
	put(at("lockdown"), "none [integrity] confidentiality\n");
	mkdirs(at("tracing/events/raw_syscalls/sys_exit"));
	mkdirs(at("tracing/events/sched/sched_process_fork"));
	mkdirs(at("tracing/events/sched/sched_process_exec"));
	mkdirs(at("tracing/events/sched/sched_process_exit"));

	host.roots.sysfs = strdup(at("sys"));
	host.roots.dev = strdup(at("dev"));
	host.roots.mountinfo = mountinfo;
	host.statvfs = fake_statvfs;
	host.btf = strdup(at("btf"));
	host.tracefs = strdup(at("tracing"));
	host.lockdown = strdup(at("lockdown"));
	host.release = "6.18.0";
	host.root = true;
}

static struct preflight_options opts(char **paths, size_t n)
{
	return (struct preflight_options){ .paths = paths, .npaths = n, .max_used = 90, .min_free_inodes = 1000 };
}

static bool has_detail(const struct preflight_item *x, const char *text)
{
	for (size_t i = 0; i < x->ndetails; i++)
		if (strstr(x->details[i], text))
			return true;
	return false;
}

static void test_seed_failures(void)
{
	char *paths[] = { strdup(at("docker")), strdup(at("ok")), strdup(at("few")) };
	struct preflight_options o = opts(paths, 3);
	struct preflight p;
	char want[1200];

	REQUIRE(preflight_run(&p, &o, &host) == 0);
	REQUIRE(p.n == 4);
	/* Most severe first, then in the order found: data roots before filesystems. */
	CHECK(p.items[0].severity == SEV_CRITICAL && !strcmp(p.items[0].cause, "emergency_ro"));
	CHECK(strstr(p.items[0].title, "still say rw") != NULL);
	CHECK(has_detail(&p.items[0], "superblock options: rw,emergency_ro"));
	CHECK(p.items[1].severity == SEV_HIGH && !strcmp(p.items[1].class, "overlay_mount") &&
	      !strcmp(p.items[1].cause, "nested_overlay"));
	CHECK(!strcmp(p.items[1].path, paths[0]));
	snprintf(want, sizeof(want), "upperdir %s: on ext4 mounted at / (/dev/sda1, device 8:1)", at("u"));
	CHECK(has_detail(&p.items[1], want));
	CHECK(strstr(p.items[1].remedy, "emptyDir") != NULL);
	CHECK(p.items[2].severity == SEV_HIGH && !strcmp(p.items[2].class, "fs_corruption") &&
	      !strcmp(p.items[2].cause, "ext4_errors"));
	CHECK(strstr(p.items[2].title, "has logged 3 errors") != NULL);
	CHECK(has_detail(&p.items[2], "first error: ext4_lookup:1789, inode 13, 2025-02-05 00:00:00 UTC"));
	CHECK(p.items[3].severity == SEV_HIGH && !strcmp(p.items[3].cause, "tmpfs"));
	CHECK(strstr(p.items[3].title, "has 5 free inodes of 32") != NULL);
	CHECK(p.nfs == 3 && p.nroots == 3);
	CHECK(p.nnotes == 0);
	preflight_free(&p);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
}

static void test_healthy_and_thresholds(void)
{
	char *paths[] = { strdup(at("good")) };
	struct preflight_options o = opts(paths, 1);
	struct preflight p;

	REQUIRE(preflight_run(&p, &o, &host) == 0);
	CHECK(p.n == 0);
	CHECK(p.nfs == 1 && p.fs[0].ext4_errors == 0 && p.fs[0].used_pct > 10.4 && p.fs[0].used_pct < 10.6);
	preflight_free(&p);

	/* 10.5% used is a finding at --max-used 10, medium; inodes at 10% too. */
	o.max_used = 10;
	REQUIRE(preflight_run(&p, &o, &host) == 0);
	CHECK(p.n == 2 && p.items[0].severity == SEV_MEDIUM && !strcmp(p.items[0].cause, "blocks"));
	CHECK(!strcmp(p.items[1].cause, "inodes"));
	preflight_free(&p);

	/* --min-free-inodes above what is free: high. */
	o.max_used = 90;
	o.min_free_inodes = 9001;
	REQUIRE(preflight_run(&p, &o, &host) == 0);
	CHECK(p.n == 1 && p.items[0].severity == SEV_HIGH && !strcmp(p.items[0].cause, "inodes"));
	preflight_free(&p);
	free(paths[0]);
}

static void test_not_seen(void)
{
	char *paths[] = { strdup(at("secret")) };
	struct preflight_options o = opts(paths, 1);
	struct preflight p;

	REQUIRE(preflight_run(&p, &o, &host) == 0);
	CHECK(p.n == 0 && p.nnotes == 1 && strstr(p.notes[0], "cannot statfs it") && strstr(p.notes[0], "root"));
	CHECK(!p.fs[0].has_stats);
	preflight_free(&p);
	free(paths[0]);
}

static void test_kernel(void)
{
	struct preflight_host h = host;
	char *paths[] = { strdup(at("good")) };
	struct preflight_options o = opts(paths, 1);
	struct preflight p;

	h.btf = at("no-btf");
	h.release = "5.4.0-150-generic";
	h.lockdown = at("lockdown-conf");
	put(h.lockdown, "none integrity [confidentiality]\n");
	h.tracefs = at("no-tracing");
	REQUIRE(preflight_run(&p, &o, &h) == 0);
	REQUIRE(p.n == 3);
	CHECK(!strcmp(p.items[0].cause, "no_btf") && !strcmp(p.items[1].cause, "old_kernel") &&
	      !strcmp(p.items[2].cause, "lockdown"));
	CHECK(p.nnotes == 1 && strstr(p.notes[0], "tracefs not mounted"));
	preflight_free(&p);

	/* A required tracepoint missing. */
	h = host;
	REQUIRE(rmdir(at("tracing/events/sched/sched_process_exec")) == 0);
	REQUIRE(preflight_run(&p, &o, &h) == 0);
	CHECK(p.n == 1 && !strcmp(p.items[0].cause, "no_tracepoint") &&
	      strstr(p.items[0].title, "sched:sched_process_exec"));
	preflight_free(&p);
	mkdirs(at("tracing/events/sched/sched_process_exec"));
	free(paths[0]);
}

/* Before 6.15 errors=remount-ro set the superblock itself read-only: "ro" in its options, the
 * mount's own still "rw". With errors logged, that is emergency_ro; without, a plain ro superblock
 * (mount -o remount,ro of another mount of the device) is not. */
static void test_old_emergency_ro(void)
{
	struct preflight_host h = host;
	char *paths[] = { strdup(at("ok")) }, text[1200];
	struct preflight_options o = opts(paths, 1);
	struct preflight p;

	snprintf(text, sizeof(text), "10 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		 "20 10 7:3 / %s rw,relatime - ext4 /dev/loop3 ro,errors=remount-ro\n", at("ok"));
	put(at("mountinfo-old"), text);
	h.roots.mountinfo = at("mountinfo-old");
	REQUIRE(preflight_run(&p, &o, &h) == 0);
	REQUIRE(p.n == 2);
	CHECK(!strcmp(p.items[0].cause, "emergency_ro") && p.items[0].severity == SEV_CRITICAL);
	CHECK(!strcmp(p.items[1].cause, "ext4_errors"));
	preflight_free(&p);

	snprintf(text, sizeof(text), "10 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
		 "50 10 7:4 / %s rw,relatime - ext4 /dev/loop4 ro\n", at("ok"));
	put(at("mountinfo-old"), text);
	REQUIRE(preflight_run(&p, &o, &h) == 0);
	CHECK(p.n == 0);
	preflight_free(&p);
	free(paths[0]);
}

static void test_json(void)
{
	char *paths[] = { strdup(at("docker")) }, *buf = NULL, err[128];
	struct preflight_options o = opts(paths, 1);
	struct preflight p;
	struct jval *v;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	REQUIRE(m && preflight_run(&p, &o, &host) == 0);
	CHECK(preflight_write(&p, m, REPORT_JSON) == 0);
	fclose(m);
	REQUIRE((v = json_parse(buf, len, err, sizeof(err))));
	CHECK(!strcmp(jval_str(jval_get(v, "schema")), "fstrace.check/1"));
	CHECK(jval_get(v, "findings")->arr.n == 1);
	CHECK(!strcmp(jval_str(jval_get(&jval_get(v, "findings")->arr.v[0], "cause")), "nested_overlay"));
	CHECK(jval_get(&jval_get(v, "findings")->arr.v[0], "details")->arr.n >= 3);
	CHECK(jval_get(v, "data_roots")->arr.n == 1 && jval_get(v, "kernel_features")->arr.n == 10);
	CHECK(jval_get(v, "not_seen")->type == JSON_ARR);
	jval_free(v);
	free(buf);
	preflight_free(&p);
	free(paths[0]);
}

int main(void)
{
	scratch_setup();
	atexit(remove_tree);
	build_machine();
	test_seed_failures();
	test_healthy_and_thresholds();
	test_not_seen();
	test_kernel();
	test_old_emergency_ro();
	test_json();
	return CHECK_RESULT();
}
