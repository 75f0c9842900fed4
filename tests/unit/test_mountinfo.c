// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* /proc/<pid>/mountinfo: fields, the kernel's octal escapes, and the two lookups. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "host/mountinfo.h"
#include "scratch.h"

static void load(struct mount_table *t, const char *text)
{
	write_file(in_dir("mountinfo"), text, strlen(text));
	REQUIRE(mount_table_load(t, in_dir("mountinfo")) == 0);
}

static void test_fields(void)
{
	struct mount_table t;
	const struct mount_entry *m;

	load(&t,
	     "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,errors=remount-ro\n"
	     "36 22 98:0 /mnt1 /mnt2 ro,noatime master:1 propagate_from:2 - ext3 /dev/root rw\n"
	     "40 22 0:55 / /var/lib/docker/overlay2/abc/merged rw,relatime - overlay overlay "
	     "rw,lowerdir=/l1:/l2,upperdir=/u\\054x,workdir=/w\n");
	REQUIRE(t.n == 3);
	m = &t.m[0];
	CHECK(m->id == 22 && m->parent_id == 1 && m->major == 254 && m->minor == 0);
	CHECK(strcmp(m->root, "/") == 0 && strcmp(m->mountpoint, "/") == 0);
	CHECK(strcmp(m->options, "rw,relatime") == 0 && !m->readonly);
	CHECK(strcmp(m->fstype, "ext4") == 0 && strcmp(m->source, "/dev/vda") == 0);
	CHECK(strcmp(m->super_options, "rw,errors=remount-ro") == 0);
	m = &t.m[1]; /* several optional fields */
	CHECK(m->id == 36 && m->parent_id == 22 && m->major == 98 && m->minor == 0);
	CHECK(strcmp(m->root, "/mnt1") == 0 && strcmp(m->mountpoint, "/mnt2") == 0);
	CHECK(m->readonly && strcmp(m->fstype, "ext3") == 0 && strcmp(m->source, "/dev/root") == 0);
	m = &t.m[2]; /* no optional field; super options kept as the kernel escaped them */
	CHECK(m->major == 0 && m->minor == 55 && strcmp(m->fstype, "overlay") == 0);
	CHECK(strcmp(m->super_options, "rw,lowerdir=/l1:/l2,upperdir=/u\\054x,workdir=/w") == 0);
	mount_table_free(&t);
	CHECK(t.m == NULL && t.n == 0);
}

static void test_escapes(void)
{
	struct mount_table t;

	load(&t, "50 22 7:1 /a\\040b /mnt/with\\040space\\011tab\\012nl\\134bs rw - ext4 "
		 "/dev/loop\\0401 rw\n"
		 "51 22 7:2 / /mnt/not\\escaped\\9 rw - fuse.my\\040fs src rw\n");
	REQUIRE(t.n == 2);
	CHECK(strcmp(t.m[0].root, "/a b") == 0);
	CHECK(strcmp(t.m[0].mountpoint, "/mnt/with space\ttab\nnl\\bs") == 0);
	CHECK(strcmp(t.m[0].source, "/dev/loop 1") == 0);
	/* A backslash not followed by three octal digits is left alone. */
	CHECK(strcmp(t.m[1].mountpoint, "/mnt/not\\escaped\\9") == 0);
	CHECK(strcmp(t.m[1].fstype, "fuse.my fs") == 0);
	CHECK(mount_table_find_path(&t, "/mnt/with space\ttab\nnl\\bs/f") == &t.m[0]);
	mount_table_free(&t);
}

static void test_malformed_lines_are_skipped(void)
{
	struct mount_table t;

	load(&t, "garbage\n"
		 "\n"
		 "1 2 3 / / rw - ext4 /dev/x rw\n"           /* no minor */
		 "1 2 3:4 / / rw shared:1 ext4 /dev/x rw\n"  /* no "-" */
		 "x 2 3:4 / / rw - ext4 /dev/x rw\n"         /* id not a number */
		 "1 2 3:4 / / rw -\n"                        /* nothing after "-" */
		 "7 1 8:1 / /ok rw - ext4 /dev/sda1\n");     /* no super options: still good */
	REQUIRE(t.n == 1);
	CHECK(t.m[0].id == 7 && strcmp(t.m[0].mountpoint, "/ok") == 0);
	CHECK(strcmp(t.m[0].super_options, "") == 0);
	mount_table_free(&t);
	load(&t, "");
	CHECK(t.n == 0 && mount_table_find_path(&t, "/") == NULL);
	CHECK(mount_table_find_dev(&t, 0, 0, 0) == NULL);
	mount_table_free(&t);
}

static void test_find_path(void)
{
	struct mount_table t;

	load(&t, "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
		 "2 1 7:0 / /mnt rw - ext4 /dev/loop0 rw\n"
		 "3 2 7:1 / /mnt/a rw - ext4 /dev/loop1 rw\n"
		 "4 2 0:40 / /mnt/a rw - tmpfs tmpfs rw\n" /* mounted over the loop1 mount */
		 "5 1 7:2 / /mnt/ab rw - ext4 /dev/loop2 rw\n");
	REQUIRE(t.n == 5);
	CHECK(mount_table_find_path(&t, "/") == &t.m[0]);
	CHECK(mount_table_find_path(&t, "/etc/passwd") == &t.m[0]);
	CHECK(mount_table_find_path(&t, "/mnt") == &t.m[1]);
	CHECK(mount_table_find_path(&t, "/mntx/f") == &t.m[0]); /* a prefix, not a parent */
	CHECK(mount_table_find_path(&t, "/mnt/b") == &t.m[1]);
	CHECK(mount_table_find_path(&t, "/mnt/a/f") == &t.m[3]); /* the top of the stack */
	CHECK(mount_table_find_path(&t, "/mnt/ab/c") == &t.m[4]);
	CHECK(mount_table_find_path(&t, "relative") == &t.m[0]);
	mount_table_free(&t);
}

static void test_find_dev(void)
{
	struct mount_table t;

	load(&t, "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
		 "2 1 7:3 / /a rw - ext4 /dev/loop3 rw\n"
		 "3 1 254:0 /home /home rw - ext4 /dev/vda rw\n"
		 "4 1 7:3 /sub /b rw - ext4 /dev/loop3 rw\n");
	CHECK(mount_table_find_dev(&t, 7, 3, 0) == &t.m[1]);
	CHECK(mount_table_find_dev(&t, 7, 3, 1) == &t.m[3]);
	CHECK(mount_table_find_dev(&t, 7, 3, 2) == NULL);
	CHECK(mount_table_find_dev(&t, 254, 0, 1) == &t.m[2]);
	CHECK(mount_table_find_dev(&t, 3, 7, 0) == NULL);
	mount_table_free(&t);
}

static void test_missing_file(void)
{
	struct mount_table t = { (struct mount_entry *)1, 1 };

	errno = 0;
	CHECK(mount_table_load(&t, in_dir("no-such-file")) == -1 && errno == ENOENT);
	CHECK(t.m == NULL && t.n == 0);
}

/* The running kernel's own view: the root mount and /proc are there. */
static void test_real_mountinfo(void)
{
	struct mount_table t;
	const struct mount_entry *m;

	REQUIRE(mount_table_load(&t, "/proc/self/mountinfo") == 0);
	CHECK(t.n > 0);
	m = mount_table_find_path(&t, "/");
	CHECK(m && strcmp(m->mountpoint, "/") == 0);
	m = mount_table_find_path(&t, "/proc/self");
	CHECK(m && strcmp(m->fstype, "proc") == 0);
	mount_table_free(&t);
}

int main(void)
{
	scratch_setup();
	test_fields();
	test_escapes();
	test_malformed_lines_are_skipped();
	test_find_path();
	test_find_dev();
	test_missing_file();
	test_real_mountinfo();
	return CHECK_RESULT();
}
