// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* Overlay options as fs/overlayfs/params.c splits and unescapes them. */
#include <string.h>
#include "check.h"
#include "host/overlay_opts.h"

#define SNAPS "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"

static int parse(const char *data, const char *cwd, struct overlay_opts *o, char *err)
{
	return overlay_opts_parse(data, cwd, o, err, 128);
}

static void test_plain(void)
{
	struct overlay_opts o;
	char err[128];

	REQUIRE(parse("lowerdir=/l1:/l2:/l3,upperdir=/u,workdir=/w,index=off,userxattr", NULL, &o,
		      err) == 0);
	REQUIRE(o.nlower == 3);
	CHECK(strcmp(o.lower[0], "/l1") == 0 && strcmp(o.lower[2], "/l3") == 0);
	CHECK(o.ndata == 0 && o.data == NULL);
	CHECK(strcmp(o.upper, "/u") == 0 && strcmp(o.work, "/w") == 0);
	CHECK(o.has_lower && o.has_upper && o.has_work);
	REQUIRE(o.nother == 2);
	CHECK(strcmp(o.other[0], "index=off") == 0 && strcmp(o.other[1], "userxattr") == 0);
	overlay_opts_free(&o);
	CHECK(o.lower == NULL && o.nlower == 0 && o.upper == NULL);
	overlay_opts_free(&o); /* twice is harmless */
}

static void test_escapes(void)
{
	struct overlay_opts o;
	char err[128];

	/* "\," keeps the comma in the option, "\:" in the layer, "\\" is one backslash. */
	REQUIRE(parse("lowerdir=/a\\,b:/c\\:d:/e\\\\:/f,upperdir=/u\\,v,workdir=/w", NULL, &o,
		      err) == 0);
	REQUIRE(o.nlower == 4);
	CHECK(strcmp(o.lower[0], "/a,b") == 0);
	CHECK(strcmp(o.lower[1], "/c:d") == 0);
	CHECK(strcmp(o.lower[2], "/e\\") == 0);
	CHECK(strcmp(o.lower[3], "/f") == 0);
	CHECK(strcmp(o.upper, "/u,v") == 0);
	overlay_opts_free(&o);

	/* An escaped ordinary character is just that character. */
	REQUIRE(parse("lowerdir=/x\\y", NULL, &o, err) == 0);
	CHECK(o.nlower == 1 && strcmp(o.lower[0], "/xy") == 0);
	overlay_opts_free(&o);
}

static void test_data_layers(void)
{
	struct overlay_opts o;
	char err[128];

	REQUIRE(parse("lowerdir=/l1:/l2::/d1::/d2", NULL, &o, err) == 0);
	REQUIRE(o.nlower == 2 && o.ndata == 2);
	CHECK(strcmp(o.lower[1], "/l2") == 0);
	CHECK(strcmp(o.data[0], "/d1") == 0 && strcmp(o.data[1], "/d2") == 0);
	CHECK(!o.has_upper && o.upper == NULL && o.work == NULL);
	overlay_opts_free(&o);

	/* A later lowerdir replaces the earlier one, data layers included. */
	REQUIRE(parse("lowerdir=/a::/d,lowerdir=/b", NULL, &o, err) == 0);
	CHECK(o.nlower == 1 && o.ndata == 0 && strcmp(o.lower[0], "/b") == 0);
	overlay_opts_free(&o);
}

static void test_relative(void)
{
	struct overlay_opts o;
	char err[128];

	/* containerd, chdir'ed into the snapshots directory to fit the options in a page. */
	REQUIRE(parse("lowerdir=2/fs:1/fs,upperdir=3/fs,workdir=3/work", SNAPS, &o, err) == 0);
	REQUIRE(o.nlower == 2);
	CHECK(strcmp(o.lower[0], SNAPS "/2/fs") == 0);
	CHECK(strcmp(o.lower[1], SNAPS "/1/fs") == 0);
	CHECK(strcmp(o.upper, SNAPS "/3/fs") == 0);
	CHECK(strcmp(o.work, SNAPS "/3/work") == 0);
	overlay_opts_free(&o);

	REQUIRE(parse("lowerdir=../x/./y:/abs", "/home/u/w", &o, err) == 0);
	CHECK(strcmp(o.lower[0], "/home/u/x/y") == 0 && strcmp(o.lower[1], "/abs") == 0);
	overlay_opts_free(&o);

	/* Without a cwd, relative paths stay as given. */
	REQUIRE(parse("lowerdir=2/fs", NULL, &o, err) == 0);
	CHECK(strcmp(o.lower[0], "2/fs") == 0);
	overlay_opts_free(&o);
}

static void test_missing_and_empty(void)
{
	struct overlay_opts o;
	char err[128];

	REQUIRE(parse("upperdir=/u,workdir=/w", NULL, &o, err) == 0);
	CHECK(!o.has_lower && o.nlower == 0 && o.lower == NULL);
	overlay_opts_free(&o);

	REQUIRE(parse("lowerdir=,upperdir=,,workdir", NULL, &o, err) == 0);
	CHECK(o.has_lower && o.nlower == 0);
	CHECK(o.has_upper && strcmp(o.upper, "") == 0);
	CHECK(o.has_work && strcmp(o.work, "") == 0);
	CHECK(o.nother == 0);
	overlay_opts_free(&o);

	REQUIRE(parse("", NULL, &o, err) == 0);
	CHECK(!o.has_lower && !o.has_upper && o.nother == 0);
	overlay_opts_free(&o);
	REQUIRE(overlay_opts_parse(NULL, NULL, &o, NULL, 0) == 0);
	overlay_opts_free(&o);
}

static void test_malformed(void)
{
	static const char *bad[] = {
		"lowerdir=:/a",       /* empty first layer */
		"lowerdir=/a:",       /* trailing ':' */
		"lowerdir=/a::",      /* trailing '::' */
		"lowerdir=/a:::/b",   /* three colons */
		"lowerdir=/a::/d:/b", /* regular after data-only */
		"lowerdir=/a\\",      /* lone trailing backslash */
		"upperdir=/u\\",
		"lowerdir=/a,index=on\\",
	};
	struct overlay_opts o;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(parse(bad[i], NULL, &o, err) == -1);
		CHECK(err[0] != '\0');
		CHECK(o.lower == NULL && o.nlower == 0 && o.other == NULL); /* nothing left to free */
	}
	CHECK(parse("lowerdir=/a:::/b", NULL, &o, err) == -1 && strstr(err, ":::"));
	CHECK(overlay_opts_parse("lowerdir=/a:", NULL, &o, NULL, 0) == -1); /* no err buffer */
}

static void test_layer_limit(void)
{
	char buf[OVL_MAX_LOWER * 4 + 32], err[128];
	struct overlay_opts o;
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "lowerdir=/0");
	for (int i = 1; i < OVL_MAX_LOWER; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ":/%d", i % 10);
	REQUIRE(parse(buf, NULL, &o, err) == 0);
	CHECK(o.nlower == OVL_MAX_LOWER);
	overlay_opts_free(&o);
	snprintf(buf + n, sizeof(buf) - n, "::/d");
	CHECK(parse(buf, NULL, &o, err) == -1 && strstr(err, "lower layers"));
}

static void test_fsconfig(void)
{
	struct overlay_opts o;
	char err[128];

	/* fsconfig(FSCONFIG_SET_STRING, ...) one key at a time, as in overlayfs.rst. */
	memset(&o, 0, sizeof(o));
	CHECK(overlay_opts_add(&o, "lowerdir+", "/l1", NULL, err, sizeof(err)) == 0);
	CHECK(overlay_opts_add(&o, "lowerdir+", "rel\\:x", "/c", err, sizeof(err)) == 0);
	CHECK(overlay_opts_add(&o, "datadir+", "/do1", NULL, err, sizeof(err)) == 0);
	CHECK(overlay_opts_add(&o, "datadir+", "/do2", NULL, err, sizeof(err)) == 0);
	CHECK(overlay_opts_add(&o, "upperdir", "/u\\:1", NULL, err, sizeof(err)) == 0);
	CHECK(overlay_opts_add(&o, "workdir", "/w", NULL, err, sizeof(err)) == 0);
	CHECK(overlay_opts_add(&o, "metacopy", "on", NULL, err, sizeof(err)) == 0);
	CHECK(overlay_opts_add(&o, "volatile", NULL, NULL, err, sizeof(err)) == 0);
	REQUIRE(o.nlower == 2 && o.ndata == 2 && o.nother == 2);
	CHECK(strcmp(o.lower[1], "/c/rel\\:x") == 0); /* lowerdir+ takes no escapes */
	CHECK(strcmp(o.data[1], "/do2") == 0);
	CHECK(strcmp(o.upper, "/u:1") == 0);         /* upperdir does */
	CHECK(strcmp(o.other[0], "metacopy=on") == 0 && strcmp(o.other[1], "volatile") == 0);
	/* Regular layers may not follow data-only ones; empty layers are refused. */
	CHECK(overlay_opts_add(&o, "lowerdir+", "/l3", NULL, err, sizeof(err)) == -1);
	CHECK(overlay_opts_add(&o, "datadir+", "", NULL, err, sizeof(err)) == -1);
	CHECK(o.nlower == 2 && o.ndata == 2);
	/* A whole lowerdir replaces all of them. */
	CHECK(overlay_opts_add(&o, "lowerdir", "/x:/y", NULL, err, sizeof(err)) == 0);
	CHECK(o.nlower == 2 && o.ndata == 0 && strcmp(o.lower[0], "/x") == 0);
	CHECK(overlay_opts_add(&o, "lowerdir", "/x:", NULL, err, sizeof(err)) == -1);
	CHECK(o.nlower == 0);
	CHECK(overlay_opts_add(&o, NULL, "x", NULL, err, sizeof(err)) == -1);
	overlay_opts_free(&o);
}

int main(void)
{
	test_plain();
	test_escapes();
	test_data_layers();
	test_relative();
	test_missing_and_empty();
	test_malformed();
	test_layer_limit();
	test_fsconfig();
	return CHECK_RESULT();
}
