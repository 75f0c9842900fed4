// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A device number resolved from sysfs, /dev and mountinfo (see devices.h). The value and its
 * JSON form are devices_json.c, the cluster side (kubectl) devices_kube.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "host/devices.h"
#include "lib/errnames.h"
#include "host/mountinfo.h"

const struct device_roots device_roots_default = {
	.sysfs = "/sys",
	.dev = "/dev",
	.mountinfo = "/proc/self/mountinfo",
};

/* Longhorn's CSI driver; another driver's volumeHandle is not a Longhorn volume name. */
#define LONGHORN_DRIVER "driver.longhorn.io"

/* snprintf into buf; NULL when the path would not fit (then it is treated as absent). */
static const char *pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static const char *pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len ? buf : NULL;
}

static int set_strn(char **dst, const char *s, size_t n)
{
	free(*dst);
	*dst = strndup(s, n);
	return *dst ? 0 : -1;
}

static int set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = strdup(s);
	return *dst ? 0 : -1;
}

/* A small file (a sysfs attribute, vol_data.json) with trailing whitespace cut; *out stays NULL
 * when it is absent, unreadable or empty. 0, or -1 when memory runs out. */
static int read_text(const char *path, char **out)
{
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	int fd;

	*out = NULL;
	if (!path || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			len = 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	return len ? set_strn(out, buf, len) : 0;
}

static uint64_t read_u64(const char *path)
{
	char *s, *end;
	uint64_t v = 0;

	if (read_text(path, &s) == 0 && s) {
		v = strtoull(s, &end, 10);
		if (*end)
			v = 0;
	}
	free(s);
	return v;
}

/*
 * sysfs's {first,last}_error_errcode is the superblock byte, an EXT4_ERR_* code that ext4
 * keeps architecture independent (fs/ext4/ext4.h, ext4_errno_to_code()), not an errno: 5 is
 * EFSCORRUPTED (EUCLEAN), not EIO. A name ("EUCLEAN") is taken as it is, should a kernel print one.
 */
static int ext4_errcode(const char *s)
{
	static const int codes[] = {
		[2] = EIO,
		[3] = ENOMEM,
		[4] = EBADMSG /* EFSBADCRC */,
		[5] = EUCLEAN /* EFSCORRUPTED */,
		[6] = ENOSPC,
		[7] = ENOKEY,
		[8] = EROFS,
		[9] = EFBIG,
		[10] = EEXIST,
		[11] = ERANGE,
		[12] = EOVERFLOW,
		[13] = EBUSY,
		[14] = ENOTDIR,
		[15] = ENOTEMPTY,
		[16] = ESHUTDOWN,
		[17] = EFAULT,
	};
	char *end;
	unsigned long code;
	int e;

	if (!s)
		return 0;
	if (s[0] >= '0' && s[0] <= '9') {
		code = strtoul(s, &end, 10);
		return !*end && code < sizeof(codes) / sizeof(codes[0]) ? codes[code] : 0;
	}
	e = errno_from_name(s);
	return e > 0 ? e : 0;
}

static int read_ext4_record(const char *dir, const char *which, struct ext4_error_record *r)
{
	char p[PATH_MAX], *code;

#define ATTR(name) pathf(p, sizeof(p), "%s/%s_error_" name, dir, which)
	r->line = (uint32_t)read_u64(ATTR("line"));
	r->ino = read_u64(ATTR("ino"));
	r->time = read_u64(ATTR("time"));
	if (read_text(ATTR("errcode"), &code))
		return -1;
	r->errcode = ext4_errcode(code);
	free(code);
	return read_text(ATTR("func"), &r->func); /* "": nothing recorded yet */
#undef ATTR
}

static int resolve_ext4(const struct device_roots *roots, struct device_info *d)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct stat st;

	if (!pathf(dir, sizeof(dir), "%s/fs/ext4/%s", roots->sysfs, d->name) || stat(dir, &st) ||
	    !S_ISDIR(st.st_mode))
		return 0;
	d->has_ext4 = true;
	d->ext4_errors_count = read_u64(pathf(p, sizeof(p), "%s/errors_count", dir));
	if (read_ext4_record(dir, "first", &d->ext4_first))
		return -1;
	return read_ext4_record(dir, "last", &d->ext4_last);
}

/* The name from the /sys/dev/block link; a partition's disk; a loop device's file; a dm name. */
static int resolve_sysfs(const struct device_roots *roots, struct device_info *d)
{
	char link[PATH_MAX], target[PATH_MAX], p[PATH_MAX], *slash;
	ssize_t n;

	if (!pathf(link, sizeof(link), "%s/dev/block/%u:%u", roots->sysfs, d->major, d->minor))
		return 0;
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	slash = strrchr(target, '/');
	if (set_str(&d->name, slash ? slash + 1 : target))
		return -1;
	/* ../../devices/.../block/sdc/sdc1: a partition's directory sits in its disk's. */
	if (slash && access(pathf(p, sizeof(p), "%s/partition", link) ?: "", F_OK) == 0) {
		char *name;

		*slash = '\0';
		name = strrchr(target, '/');
		if (set_str(&d->disk, name ? name + 1 : target))
			return -1;
	}
	if (read_text(pathf(p, sizeof(p), "%s/block/%s/loop/backing_file", roots->sysfs, d->name),
		      &d->backing_file) ||
	    read_text(pathf(p, sizeof(p), "%s/dm/name", link), &d->dm_name))
		return -1;
	return resolve_ext4(roots, d);
}

/* Longhorn v1 exposes each attached volume as a block node /dev/longhorn/<volume>. */
static int resolve_longhorn_node(const struct device_roots *roots, struct device_info *d)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *dp;
	int ret = 0;

	if (!pathf(dir, sizeof(dir), "%s/longhorn", roots->dev) || !(dp = opendir(dir)))
		return 0;
	while ((e = readdir(dp))) {
		if (e->d_name[0] == '.' || !pathf(p, sizeof(p), "%s/%s", dir, e->d_name))
			continue;
		if (stat(p, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == makedev(d->major, d->minor)) {
			ret = set_str(&d->longhorn_volume, e->d_name) ?: set_str(&d->longhorn_from, "device node");
			break;
		}
	}
	closedir(dp);
	return ret;
}

/* The k-th path component from the end (0: the last) and its length; NULL when there are fewer. */
static const char *component(const char *path, int k, size_t *len)
{
	const char *end = path + strlen(path), *start;

	while (end > path && end[-1] == '/')
		end--;
	for (;;) {
		start = end;
		while (start > path && start[-1] != '/')
			start--;
		if (start == end)
			return NULL;
		if (k-- == 0)
			break;
		end = start;
		while (end > path && end[-1] == '/')
			end--;
	}
	*len = (size_t)(end - start);
	return start;
}

static bool component_is(const char *path, int k, const char *want)
{
	size_t len;
	const char *c = component(path, k, &len);

	return c && len == strlen(want) && memcmp(c, want, len) == 0;
}

/*
 * kubelet's CSI mounts (pkg/volume/csi), the pod's and the node-wide staging one:
 *   <root>/pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount
 *   <root>/plugins/kubernetes.io/csi/<driver>/<sha256 of the volume handle>/globalmount
 *   <root>/plugins/kubernetes.io/csi/pv/<pv>/globalmount              (before Kubernetes 1.24)
 * The directory above either holds kubelet's vol_data.json: specVolID is the PV, volumeHandle
 * the CSI volume, which for Longhorn is the Longhorn volume's name. A path named in a mount's root
 * (a bind of a node directory into a container) is the node's, not ours: it is not opened.
 * Any other path with "pvc-" in it names nothing.
 */
static int resolve_kubelet(const char *mp, bool ours, struct device_info *d)
{
	const char *pv = NULL, *s;
	char p[PATH_MAX], *text;
	size_t pvlen = 0, dirlen;
	struct jval *v;
	char err[128];
	int ret = 0;

	if (component_is(mp, 0, "mount") && component_is(mp, 2, "kubernetes.io~csi") &&
	    component_is(mp, 3, "volumes") && component_is(mp, 5, "pods")) {
		pv = component(mp, 1, &pvlen);
	} else if (component_is(mp, 0, "globalmount") && component_is(mp, 3, "csi") &&
		   component_is(mp, 4, "kubernetes.io") && component_is(mp, 5, "plugins")) {
		if (component_is(mp, 2, "pv"))
			pv = component(mp, 1, &pvlen);
	} else {
		return 0;
	}
	if (!d->pv && pv && set_strn(&d->pv, pv, pvlen))
		return -1;
	if (!ours)
		return 0;
	s = component(mp, 1, &dirlen);
	dirlen += (size_t)(s - mp);
	if (read_text(pathf(p, sizeof(p), "%.*s/vol_data.json", (int)dirlen, mp), &text))
		return -1;
	if (!text)
		return 0;
	v = json_parse(text, strlen(text), err, sizeof(err));
	free(text);
	if (!v)
		return 0;
	s = jval_str(jval_get(v, "specVolID"));
	if (!d->pv && s && *s)
		ret = set_str(&d->pv, s);
	s = jval_str(jval_get(v, "volumeHandle"));
	if (!ret && !d->longhorn_volume && s && *s && strchr(s, '/') == NULL &&
	    strcmp(jval_str(jval_get(v, "driverName")) ?: "", LONGHORN_DRIVER) == 0)
		ret = set_str(&d->longhorn_volume, s) ?: set_str(&d->longhorn_from, "kubelet vol_data.json");
	jval_free(v);
	return ret;
}

static int resolve_mounts(const struct device_roots *roots, struct device_info *d)
{
	struct mount_table t;
	const struct mount_entry *m;
	size_t n = 0;
	int ret = 0;

	if (mount_table_load(&t, roots->mountinfo))
		return errno == ENOMEM ? -1 : 0;
	while (mount_table_find_dev(&t, d->major, d->minor, n))
		n++;
	if (n && !(d->mountpoints = calloc(n, sizeof(*d->mountpoints))))
		ret = -1;
	for (size_t i = 0; !ret && (m = mount_table_find_dev(&t, d->major, d->minor, i)); i++) {
		if (!(d->mountpoints[i] = strdup(m->mountpoint))) {
			ret = -1;
			break;
		}
		d->nmountpoints++;
		if (i == 0 && (set_str(&d->mountpoint, m->mountpoint) || set_str(&d->fstype, m->fstype)))
			ret = -1;
		if (!ret)
			ret = resolve_kubelet(m->mountpoint, true, d);
		if (!ret && m->root)
			ret = resolve_kubelet(m->root, false, d);
		/* Inside a pod the node's /dev/longhorn is not there, but the mount still names it. */
		if (!ret && !d->longhorn_volume && strncmp(m->source, "/dev/longhorn/", 14) == 0 &&
		    m->source[14] && !strchr(m->source + 14, '/'))
			ret = set_str(&d->longhorn_volume, m->source + 14)
				      ?: set_str(&d->longhorn_from, "mount source");
	}
	mount_table_free(&t);
	return ret;
}

int device_resolve(uint32_t major, uint32_t minor, const struct device_roots *roots, struct device_info *d)
{
	memset(d, 0, sizeof(*d));
	d->major = major;
	d->minor = minor;
	if (!roots)
		roots = &device_roots_default;
	if (resolve_sysfs(roots, d) || resolve_longhorn_node(roots, d) || resolve_mounts(roots, d)) {
		device_info_free(d);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int path_device(const char *path, uint32_t *major, uint32_t *minor)
{
	char *buf = strdup(path && *path ? path : "."), *slash;
	struct stat st;
	int ret = 0;

	/* stat: the file a symlink names; lstat: a dangling symlink, which is still on this device.
	 * Then each ancestor, up to "." for a relative path and finally "/". */
	while (buf && stat(buf, &st) && lstat(buf, &st)) {
		if (strcmp(buf, "/") == 0) {
			ret = -1;
			break;
		}
		if (strcmp(buf, ".") == 0)
			strcpy(buf, "/");
		else if (!(slash = strrchr(buf, '/')))
			strcpy(buf, buf[0] ? "." : "/");
		else if (slash == buf)
			buf[1] = '\0';
		else
			*slash = '\0';
	}
	if (!buf && stat("/", &st))
		ret = -1;
	free(buf);
	if (ret == 0) {
		*major = major(st.st_dev);
		*minor = minor(st.st_dev);
	}
	return ret;
}
