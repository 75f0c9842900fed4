// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Finding or building the cached extract of the kernel's BTF (see core_btf.h).
 *
 * The cache key names both inputs: the kernel's BTF (for the running kernel its release, build
 * string and size; for --btf PATH the file's identity) and a hash of fstrace's BPF object, so a
 * new kernel or a new fstrace never reads an old extract. The directory is root's own: an extract
 * decides the offsets the BPF programs read at.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <bpf/btf.h>
#include "load/core_btf.h"
#include "lib/util.h"

static int cache_key(const char *source, bool running_kernel, const void *obj, size_t obj_size, uint64_t *key,
		     char *err, size_t errlen)
{
	struct stat st;
	uint64_t h = fnv1a(FNV1A_INIT, obj, obj_size);

	if (stat(source, &st)) {
		snprintf(
			err, errlen, "no kernel BTF at %s: %s%s", source, strerror(errno),
			running_kernel
				? " (in a container: mount the host's /sys/kernel/btf read-only; a kernel "
				  "built without CONFIG_DEBUG_INFO_BTF: give its BTF with --btf PATH, e.g. from BTFHub, "
				  "https://github.com/aquasecurity/btfhub-archive)"
				: "");
		return -1;
	}
	if (running_kernel) {
		struct utsname u;

		uname(&u);
		h = fnv1a(h, u.release, strlen(u.release));
		h = fnv1a(h, u.version, strlen(u.version));
	} else {
		h = fnv1a(h, &st.st_dev, sizeof(st.st_dev));
		h = fnv1a(h, &st.st_ino, sizeof(st.st_ino));
		h = fnv1a(h, &st.st_mtim, sizeof(st.st_mtim));
	}
	*key = fnv1a(h, &st.st_size, sizeof(st.st_size));
	return 0;
}

/* An open cached file, if root wrote it and nobody else can have; else -1. */
static int open_trusted(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A cached extract is used only if it is trusted and parses. */
static bool cached_ok(const char *path)
{
	int fd = open_trusted(path);
	struct btf *btf;

	if (fd < 0)
		return false;
	close(fd);
	if (!(btf = btf__parse(path, NULL)))
		return false;
	btf__free(btf);
	return true;
}

static bool cache_dir_ok(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return false;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 && !(st.st_mode & 022);
}

static int write_all(int fd, const void *data, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const char *)data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

/* Writes data to path in one step: a temporary file renamed over it, mode 0644. */
static int replace_file(const char *path, const void *data, size_t size)
{
	char tmp[600];
	int fd;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	ok = fchmod(fd, 0644) == 0 && write_all(fd, data, size) == 0;
	close(fd);
	if (ok && rename(tmp, path) == 0)
		return 0;
	unlink(tmp);
	return -1;
}

/* Into the cache (write then rename, so a reader never sees half a file), else into a memfd. */
static int store(struct core_btf *cb, const char *dir, const void *data, __u32 size)
{
	int fd;

	if (cache_dir_ok(dir) && replace_file(cb->path, data, size) == 0) {
		cb->how = "built";
		return 0;
	}
	fd = memfd_create("fstrace-core-btf", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, data, size)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cb->memfd = fd;
	snprintf(cb->path, sizeof(cb->path), "/proc/self/fd/%d", fd);
	cb->how = "built, kept in memory (cache directory not usable)";
	return 0;
}

static int build(struct core_btf *cb, const char *source, const char *dir, struct btf *(*open_local)(void *ctx),
		 void *ctx, char *err, size_t errlen)
{
	struct btf *kernel = btf__parse(source, NULL), *local = NULL, *extract = NULL;
	const void *data;
	__u32 size;

	if (!kernel) {
		snprintf(err, errlen, "cannot read kernel BTF from %s: %s", source, strerror(errno));
		return -1;
	}
	local = open_local(ctx);
	extract = local ? core_btf_extract(kernel, local) : NULL;
	data = extract ? btf__raw_data(extract, &size) : NULL;
	/* Without an extract the whole BTF still works, only slower. */
	if (!data || store(cb, dir, data, size)) {
		snprintf(cb->path, sizeof(cb->path), "%s", source);
		cb->how = "whole BTF (the extract failed)";
	}
	btf__free(extract);
	cb->kernel = kernel; /* facts not yet cached about this kernel are read from it next */
	return 0;
}

int core_btf_prepare(struct core_btf *cb, const char *source, const void *obj, size_t obj_size,
		     struct btf *(*open_local)(void *ctx), void *ctx, char *err, size_t errlen)
{
	const char *dir = getenv("FSTRACE_CACHE_DIR");
	bool running_kernel = !source;
	uint64_t key;

	memset(cb, 0, sizeof(*cb));
	cb->memfd = -1;
	if (!source)
		source = CORE_BTF_DEFAULT_SOURCE;
	snprintf(cb->source, sizeof(cb->source), "%s", source);
	if (!dir || !*dir)
		dir = CORE_BTF_DEFAULT_CACHE;
	if (cache_key(source, running_kernel, obj, obj_size, &key, err, errlen))
		return -1;
	if (getenv("FSTRACE_CORE_BTF") && !strcmp(getenv("FSTRACE_CORE_BTF"), "full")) {
		snprintf(cb->path, sizeof(cb->path), "%s", source);
		cb->how = "whole BTF (FSTRACE_CORE_BTF=full)";
		return 0;
	}
	snprintf(cb->path, sizeof(cb->path), "%s/core-%016" PRIx64 ".btf", dir, key);
	if (cached_ok(cb->path)) {
		cb->how = "cached";
		return 0;
	}
	return build(cb, source, dir, open_local, ctx, err, errlen);
}

void core_btf_release(struct core_btf *cb)
{
	if (cb->memfd >= 0)
		close(cb->memfd);
	cb->memfd = -1;
	core_btf_drop_kernel(cb);
}

struct btf *core_btf_kernel(struct core_btf *cb)
{
	if (!cb->kernel && cb->source[0])
		cb->kernel = btf__parse(cb->source, NULL);
	return cb->kernel;
}

void core_btf_drop_kernel(struct core_btf *cb)
{
	btf__free(cb->kernel);
	cb->kernel = NULL;
}

/* "<dir>/core-<key>.<name>", when the extract itself is in the cache. */
static int fact_path(const struct core_btf *cb, const char *name, char *out, size_t len)
{
	size_t n = strlen(cb->path);

	if (cb->memfd >= 0 || !cb->how || (strcmp(cb->how, "cached") && strcmp(cb->how, "built")) || n < 4 ||
	    strcmp(cb->path + n - 4, ".btf"))
		return -1;
	return snprintf(out, len, "%.*s.%s", (int)(n - 4), cb->path, name) < (int)len ? 0 : -1;
}

int core_btf_fact_get(const struct core_btf *cb, const char *name, char *buf, size_t len)
{
	char path[600];
	ssize_t n;
	int fd;

	if (fact_path(cb, name, path, sizeof(path)) || (fd = open_trusted(path)) < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

bool core_btf_errno_lasting(int err)
{
	return err == 0 || err == EPERM || err == EACCES || err == EINVAL || err == ENOENT || err == EOPNOTSUPP ||
	       err == 524 /* ENOTSUPP, the kernel's own */;
}

void core_btf_fact_put(const struct core_btf *cb, const char *name, const char *value)
{
	char path[600];

	if (fact_path(cb, name, path, sizeof(path)) == 0)
		replace_file(path, value, strlen(value));
}

int core_btf_cached_id(struct core_btf *cb, const char *fact, const char *name, int kind, const char *missing,
		       char *why, size_t len)
{
	char known[128];
	struct btf *kernel;
	int id;

	if (core_btf_fact_get(cb, fact, known, sizeof(known)) == 0) {
		if (sscanf(known, "id %d", &id) == 1 && id > 0)
			return id;
		snprintf(why, len, "%s", known);
		return 0;
	}
	kernel = core_btf_kernel(cb);
	id = kernel ? btf__find_by_name_kind(kernel, name, kind) : -1;
	if (id > 0)
		snprintf(known, sizeof(known), "id %d", id);
	else
		snprintf(known, sizeof(known), "%s", missing);
	if (kernel) /* an unreadable BTF may be a passing shortage: not worth remembering */
		core_btf_fact_put(cb, fact, known);
	if (id > 0)
		return id;
	snprintf(why, len, "%s", known);
	return 0;
}

/* libbpf's last step before the kernel sees the program: make it the typed one. The cookie holds
 * the attach type above the type id. */
static int prepare_typed_load(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	int err = bpf_program__set_type(prog, BPF_PROG_TYPE_TRACING);

	opts->expected_attach_type = (enum bpf_attach_type)((unsigned long)cookie >> 32);
	opts->attach_btf_id = (__u32)cookie;
	opts->attach_btf_obj_fd = 0; /* vmlinux */
	return err;
}

int core_btf_register_section(const char *section, int attach, int id)
{
	static struct {
		const char *section;
		int id;
	} registered[4];
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts, .cookie = (long)((unsigned long)attach << 32 | (__u32)id),
		    .prog_prepare_load_fn = prepare_typed_load);
	size_t i;
	int handler;

	for (i = 0; i < sizeof(registered) / sizeof(registered[0]) && registered[i].section; i++)
		if (!strcmp(registered[i].section, section))
			return registered[i].id == id ? 0 : -EBUSY;
	if (i == sizeof(registered) / sizeof(registered[0]))
		return -ENOSPC;
	handler = libbpf_register_prog_handler(section, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, &opts);
	if (handler < 0)
		return handler;
	registered[i].section = section;
	registered[i].id = id;
	return 0;
}
