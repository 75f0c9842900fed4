// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The command's own words: real lines from npm, node, buildkit, coreutils and tar. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "diagnose/output_match.h"

static int match(const char *line, struct output_match *m)
{
	return output_match_line(line, strlen(line), m);
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void test_node(void)
{
	struct output_match m;

	REQUIRE(match("npm warn tar TAR_ENTRY_ERROR ENOENT: no such file or directory, open "
		      "'/home/coder/app/node_modules/left-pad/package.json'", &m) == 1);
	CHECK(m.kind == OUTPUT_FS_ERROR && m.err == ENOENT);
	CHECK(eq(m.syscall, "open"));
	CHECK(eq(m.path, "/home/coder/app/node_modules/left-pad/package.json"));
	CHECK(m.path2 == NULL && m.target == NULL && m.data == NULL);
	CHECK(eq(m.tool, "npm"));
	output_match_free(&m);
	CHECK(m.path == NULL && m.tool == NULL);

	/* node prints the code, then the C library's text for errnos libuv has no words for. */
	REQUIRE(match("npm warn tar TAR_ENTRY_ERROR EUCLEAN: Structure needs cleaning, lstat '/x/y'",
		      &m) == 1);
	CHECK(m.err == EUCLEAN && eq(m.syscall, "lstat") && eq(m.path, "/x/y"));
	output_match_free(&m);

	REQUIRE(match("Error: ENOTEMPTY: directory not empty, rename '/app/node_modules/.a-1' -> "
		      "'/app/node_modules/a'", &m) == 1);
	CHECK(m.err == ENOTEMPTY && eq(m.syscall, "rename"));
	CHECK(eq(m.path, "/app/node_modules/.a-1") && eq(m.path2, "/app/node_modules/a"));
	CHECK(m.tool == NULL); /* "Error" is a severity, not a tool */
	output_match_free(&m);

	/* util.inspect's one-line form, with more quotes after the path. */
	REQUIRE(match("[Error: EACCES: permission denied, mkdir '/root/.npm'] { errno: -13, code: "
		      "'EACCES' }", &m) == 1);
	CHECK(m.err == EACCES && eq(m.syscall, "mkdir") && eq(m.path, "/root/.npm"));
	output_match_free(&m);

	REQUIRE(match("npm error enoent Could not read package.json: Error: ENOENT: no such file or "
		      "directory, open '/w/package.json'", &m) == 1);
	CHECK(m.err == ENOENT && eq(m.path, "/w/package.json") && eq(m.tool, "npm"));
	output_match_free(&m);

	/* Decision: an errno without a path is not a match; npm's next lines carry the path. */
	CHECK(match("npm error code ENOENT", &m) == 0);
	CHECK(match("npm ERR! code ENOENT", &m) == 0);
	/* Not an errno name, or cut off inside the path. */
	CHECK(match("TypeError: ERR_INVALID_ARG_TYPE: bad, open '/x'", &m) == 0);
	CHECK(match("EFOO: what, open '/x'", &m) == 0);
	CHECK(match("ENOENT: no such file or directory, open '/trunc", &m) == 0);
}

static void test_mount(void)
{
	struct output_match m;

	REQUIRE(match("ERROR: failed to solve: failed to compute cache key: failed to mount "
		      "/var/lib/docker/tmp/buildkit-mount123: mount source: \"overlay\", target: "
		      "\"/var/lib/docker/tmp/buildkit-mount123\", fstype: overlay, flags: 0, data: "
		      "\"lowerdir=/a:/b,upperdir=/u,workdir=/w\", err: invalid argument", &m) == 1);
	CHECK(m.kind == OUTPUT_MOUNT_ERROR && m.err == EINVAL);
	CHECK(eq(m.target, "/var/lib/docker/tmp/buildkit-mount123"));
	CHECK(eq(m.path, "/var/lib/docker/tmp/buildkit-mount123"));
	CHECK(eq(m.fstype, "overlay"));
	CHECK(eq(m.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w"));
	CHECK(m.tool == NULL); /* "ERROR" */
	output_match_free(&m);

	REQUIRE(match("mount source: overlay ... err: invalid argument", &m) == 1);
	CHECK(m.kind == OUTPUT_MOUNT_ERROR && m.err == EINVAL);
	CHECK(m.target == NULL && m.path == NULL && m.data == NULL);
	output_match_free(&m);

	/* Unquoted values run to ", "; a quoted one may hold \" and "err: ". */
	REQUIRE(match("mount source: overlay, target: /t, fstype: overlay, flags: 0, data: "
		      "lowerdir=/a:/b,upperdir=/u, err: structure needs cleaning", &m) == 1);
	CHECK(m.err == EUCLEAN && eq(m.target, "/t") && eq(m.data, "lowerdir=/a:/b,upperdir=/u"));
	output_match_free(&m);
	REQUIRE(match("mount source: \"o\", target: \"/t \\\"q\\\"\", fstype: overlay, data: "
		      "\"x, err: no\", err: no such file or directory", &m) == 1);
	CHECK(m.err == ENOENT && eq(m.target, "/t \"q\"") && eq(m.data, "x, err: no"));
	output_match_free(&m);

	/* Each text the brief's table lists maps through strerror, whatever its case. */
	static const struct { const char *text; int err; } texts[] = {
		{ "operation not permitted", EPERM }, { "input/output error", EIO },
		{ "read-only file system", EROFS },   { "stale file handle", ESTALE },
		{ "not a directory", ENOTDIR },       { "file exists", EEXIST },
		{ "no space left on device", ENOSPC }, { "permission denied", EACCES },
		{ "Directory not empty", ENOTEMPTY }, { "something else", 0 },
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char line[128];

		snprintf(line, sizeof(line), "mount source: overlay, err: %s", texts[i].text);
		REQUIRE(match(line, &m) == 1);
		CHECK(m.err == texts[i].err);
		output_match_free(&m);
	}
	CHECK(match("mount source: overlay, target: /t", &m) == 0); /* no err: */
}

static void test_coreutils(void)
{
	struct output_match m;

	REQUIRE(match("cat: /nonexistent/x: No such file or directory", &m) == 1);
	CHECK(m.kind == OUTPUT_FS_ERROR && m.err == ENOENT && eq(m.path, "/nonexistent/x"));
	CHECK(eq(m.tool, "cat") && m.syscall == NULL);
	output_match_free(&m);

	REQUIRE(match("mkdir: cannot create directory '/a/b': No such file or directory", &m) == 1);
	CHECK(m.err == ENOENT && eq(m.path, "/a/b") && eq(m.tool, "mkdir"));
	output_match_free(&m);

	REQUIRE(match("ls: cannot access 'nope': No such file or directory", &m) == 1);
	CHECK(m.err == ENOENT && eq(m.path, "nope") && eq(m.tool, "ls"));
	output_match_free(&m);

	REQUIRE(match("mv: cannot move 'a' to 'b': Directory not empty", &m) == 1);
	CHECK(m.err == ENOTEMPTY && eq(m.path, "a") && eq(m.path2, "b"));
	output_match_free(&m);

	REQUIRE(match("mkdir: cannot create directory `/old/style': Permission denied", &m) == 1);
	CHECK(m.err == EACCES && eq(m.path, "/old/style"));
	output_match_free(&m);

	/* dash's redirections: the name after its "cannot create" / "cannot open" */
	REQUIRE(match("sh: 1: cannot create f54: No space left on device", &m) == 1);
	CHECK(m.err == ENOSPC && eq(m.path, "f54") && eq(m.tool, "sh"));
	output_match_free(&m);

	REQUIRE(match("sh: 3: cannot open /etc/x.conf: Permission denied", &m) == 1);
	CHECK(m.err == EACCES && eq(m.path, "/etc/x.conf"));
	output_match_free(&m);

	/* Go tools: containerd's "failed to <verb> <path>: <lower-case strerror>" (issue 14) */
	REQUIRE(match("ctr: failed to mount /tmp/containerd-mount115319037: invalid argument", &m) == 1);
	CHECK(m.err == EINVAL && eq(m.path, "/tmp/containerd-mount115319037") && eq(m.tool, "ctr"));
	output_match_free(&m);

	/* ...but not a sentence that merely starts so: no path after the verb */
	REQUIRE(match("ctr: failed to mount rootfs component: invalid argument", &m) >= 0);
	CHECK(!m.path || m.path[0] != '/');
	output_match_free(&m);

	REQUIRE(match("tar: left-pad/package.json: Cannot open: Structure needs cleaning", &m) == 1);
	CHECK(m.err == EUCLEAN && eq(m.path, "left-pad/package.json") && eq(m.syscall, "open"));
	CHECK(eq(m.tool, "tar"));
	output_match_free(&m);

	REQUIRE(match("tar: x: Cannot change ownership to uid 0, gid 0: Operation not permitted",
		      &m) == 1);
	CHECK(m.err == EPERM && eq(m.path, "x") && m.syscall == NULL);
	output_match_free(&m);

	REQUIRE(match("bash: line 1: /x/y: Permission denied", &m) == 1);
	CHECK(m.err == EACCES && eq(m.path, "/x/y") && eq(m.tool, "bash"));
	output_match_free(&m);

	REQUIRE(match("/usr/bin/cat: /a b/c: Input/output error\r\n", &m) == 1);
	CHECK(m.err == EIO && eq(m.path, "/a b/c") && eq(m.tool, "/usr/bin/cat"));
	output_match_free(&m);

	REQUIRE(match("error: could not open 'Cargo.toml': No such file or directory (os error 2)",
		      &m) == 1);
	CHECK(m.err == ENOENT && eq(m.path, "Cargo.toml") && m.tool == NULL);
	output_match_free(&m);

	/* util-linux names the mount point first, then a description. */
	REQUIRE(match("mount: /mnt/x: mount(2) system call failed: Structure needs cleaning.", &m) == 1);
	CHECK(m.kind == OUTPUT_MOUNT_ERROR && m.err == EUCLEAN && eq(m.path, "/mnt/x") && eq(m.target, "/mnt/x") &&
	      eq(m.tool, "mount"));
	output_match_free(&m);
	/* Its EINVAL, as Debian 12's mount prints it for a nested overlay. */
	REQUIRE(match("mount: /var/lib/docker/overlay2/merged: wrong fs type, bad option, bad superblock on "
		      "overlay, missing codepage or helper program, or other error.", &m) == 1);
	CHECK(m.kind == OUTPUT_MOUNT_ERROR && m.err == EINVAL && eq(m.target, "/var/lib/docker/overlay2/merged"));
	output_match_free(&m);

	/* A description rather than a path, or no path at all. */
	CHECK(match("foo: something went wrong: Input/output error", &m) == 0);
	CHECK(match("rm: Permission denied", &m) == 0);
	CHECK(match("cat: x: No such file or directory, really not", &m) == 0);
	CHECK(match("tar: Exiting with failure status due to previous errors", &m) == 0);
}

static void test_colour_and_garbage(void)
{
	static const char bin[] = "\x00\xff\x1b[\x1b]\x07::: '\xfe\x80 E: , x '";
	struct output_match m;
	char big[70000];

	/* npm colours "npm warn"; the escapes go before matching. */
	REQUIRE(match("\x1b[33mnpm\x1b[39m \x1b[33mwarn\x1b[39m \x1b[1mtar\x1b[22m TAR_ENTRY_ERROR "
		      "ENOENT: no such file or directory, open '/p/q'\x1b[0m", &m) == 1);
	CHECK(m.err == ENOENT && eq(m.path, "/p/q") && eq(m.tool, "npm"));
	output_match_free(&m);
	REQUIRE(match("\x1b[31mcat\x1b[0m: /x: \x1b]8;;file:///x\x07No such file or directory", &m) == 1);
	CHECK(eq(m.path, "/x") && eq(m.tool, "cat"));
	output_match_free(&m);
	/* What the last carriage return left on screen. */
	REQUIRE(match("progress 10%\rcat: /z: Is a directory", &m) == 1);
	CHECK(m.err == EISDIR && eq(m.tool, "cat"));
	output_match_free(&m);

	CHECK(match("", &m) == 0);
	CHECK(output_match_line(NULL, 0, &m) == 0);
	CHECK(match("all good", &m) == 0);
	CHECK(output_match_line(bin, sizeof(bin) - 1, &m) == 0);
	/* Embedded NULs are dropped, not taken as the end of the line. */
	CHECK(output_match_line("cat: /x\0y: Is a directory", 25, &m) == 1 && eq(m.path, "/xy"));
	output_match_free(&m);

	/* 70 KB of ": " pairs: the scans stay linear, and a verdict either way is fine. */
	memset(big, ':', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t i = 1; i < sizeof(big) - 1; i += 3)
		big[i] = ' ';
	CHECK(match(big, &m) == 0);
	memcpy(big, "cat", 3);
	memcpy(big + sizeof(big) - 30, ": No such file or directory", 28);
	CHECK(match(big, &m) == 0 || m.err == ENOENT);
	output_match_free(&m);
}

/* coreutils' shell-escape quoting of names with controls or bytes that are not text. */
static void test_shell_escaped(void)
{
	static const struct {
		const char *line, *path; /* path NULL: no match expected */
		int err;
	} cases[] = {
		{ "cat: '/t/esc'$'\\033'']0;owned'$'\\a''/x': No such file or directory", "/t/esc\x1b]0;owned\a/x", ENOENT },
		{ "cat: '/t/nl'$'\\n''fake/y': No such file or directory", "/t/nl\nfake/y", ENOENT },
		{ "rm: cannot remove '/t/b'$'\\377\\376''/z': Permission denied", "/t/b\xff\xfe/z", EACCES },
		{ "cat: $'\\t''lead': No such file or directory", "\tlead", ENOENT },
		/* Must not change: a plain quoted name. */
		{ "cat: '/t/plain$x': No such file or directory", "/t/plain$x", ENOENT },
	};
	struct output_match m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(match(cases[i].line, &m) == 1 && m.err == cases[i].err && eq(m.path, cases[i].path));
		output_match_free(&m);
	}
	/* Must not be read as shell-escape: a quote that does not close. */
	match("cat: '/t/open'$'\\033: No such file or directory", &m);
	CHECK(!eq(m.path, "/t/open\x1b"));
	output_match_free(&m);
}

/* Lines of no known format, linked by meaning: a path and an errno's text or name. */
static void test_meaning(void)
{
	struct output_match m;

	/* coreutils in a UTF-8 locale quotes with ‘ ’: a known format, now with its path. */
	REQUIRE(match("mkdir: cannot create directory \xe2\x80\x98/root/x\xe2\x80\x99: Permission denied", &m) == 1);
	CHECK(m.err == EACCES && eq(m.path, "/root/x") && !m.loose && eq(m.tool, "mkdir"));
	output_match_free(&m);

	REQUIRE(match("OSError: [Errno 24] Too many open files: '/tmp/files/f16'", &m) == 1);
	CHECK(m.kind == OUTPUT_FS_ERROR && m.err == EMFILE && eq(m.path, "/tmp/files/f16") && m.loose);
	output_match_free(&m);
	REQUIRE(match("PermissionError: [Errno 13] Permission denied: '/srv/data/out.csv'", &m) == 1);
	CHECK(m.err == EACCES && eq(m.path, "/srv/data/out.csv") && m.loose);
	output_match_free(&m);
	/* An errno name as a word, a bare path. */
	REQUIRE(match("build failed (EXDEV) moving /cache/pkg.tgz into place", &m) == 1);
	CHECK(m.err == EXDEV && eq(m.path, "/cache/pkg.tgz") && m.loose);
	output_match_free(&m);
	REQUIRE(match("java.nio.file.AccessDeniedException \xe2\x80\x9c/opt/app/lib\xe2\x80\x9d: Read-only file system", &m) == 1);
	CHECK(m.err == EROFS && eq(m.path, "/opt/app/lib"));
	output_match_free(&m);

	/* dash names the path after its verb. */
	REQUIRE(match("sh: 1: cannot create /tmp/busybin: Text file busy", &m) == 1);
	CHECK(m.err == ETXTBSY && eq(m.path, "/tmp/busybin") && eq(m.tool, "sh"));
	output_match_free(&m);
	REQUIRE(match("sh: 3: cannot open /ro/x: Permission denied", &m) == 1);
	CHECK(m.err == EACCES && eq(m.path, "/ro/x"));
	output_match_free(&m);

	/* Must not match: a path without an errno, an errno without a path, a word that only looks
	 * like an errno name. */
	CHECK(match("wrote /tmp/out.txt", &m) == 0);
	CHECK(match("Too many open files", &m) == 0);
	CHECK(match("see EXAMPLES in /usr/share/doc", &m) == 0);
}

int main(void)
{
	test_meaning();
	test_shell_escaped();
	test_node();
	test_mount();
	test_coreutils();
	test_colour_and_garbage();
	return CHECK_RESULT();
}
