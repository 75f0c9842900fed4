// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <stdlib.h>
#include <string.h>
#include "fstrace.h"
#include "host/paths.h"

char *dir_from_kernel(const char *leaf_first)
{
	size_t len = strlen(leaf_first);
	bool cut = false;
	char *out, *o;

	if (leaf_first[0] == FST_DIR_UNKNOWN)
		return NULL;
	out = malloc(len + 5);
	if (!out)
		return NULL;
	o = out;
	/* Walk the components from the end of the string backwards: that is root first. */
	for (size_t end = len; end > 0;) {
		size_t start = end;

		while (start > 0 && leaf_first[start - 1] != '/')
			start--;
		if (end - start == 1 && leaf_first[start] == FST_DIR_TRUNCATED && end == len) {
			cut = true;
		} else {
			*o++ = '/';
			memcpy(o, leaf_first + start, end - start);
			o += end - start;
		}
		end = start ? start - 1 : 0;
	}
	*o = '\0';
	if (cut) {
		memmove(out + 3, out, strlen(out) + 1);
		memcpy(out, "...", 3);
	} else if (o == out) {
		strcpy(out, "/");
	}
	return out;
}

void path_normalize(char *path)
{
	bool absolute = path[0] == '/';
	const char *in = path;
	char *out = path; /* never ahead of in: the path only shrinks */
	size_t poppable = 0;

	while (*in) {
		const char *end;
		size_t len;

		while (*in == '/')
			in++;
		if (!*in)
			break;
		end = strchrnul(in, '/');
		len = end - in;
		if (len == 1 && in[0] == '.') {
			in = end;
			continue;
		}
		if (len == 2 && in[0] == '.' && in[1] == '.') {
			if (poppable) {
				while (out > path && out[-1] != '/')
					out--;
				if (out > path)
					out--;
				poppable--;
				in = end;
				continue;
			}
			if (absolute) { /* "/.." is "/" */
				in = end;
				continue;
			}
		} else {
			poppable++;
		}
		if (out > path || absolute)
			*out++ = '/';
		memmove(out, in, len);
		out += len;
		in = end;
	}
	if (out == path)
		*out++ = absolute ? '/' : '.';
	*out = '\0';
}

char *path_join(const char *dir, const char *rel)
{
	size_t dl = strlen(dir), rl = strlen(rel);
	char *out = malloc(dl + rl + 2);

	if (!out)
		return NULL;
	memcpy(out, dir, dl);
	out[dl] = '/';
	memcpy(out + dl + 1, rel, rl + 1);
	/* A cut-short directory (".../a") stays as it is: folding ".." into it would invent a path. */
	if (out[0] == '/')
		path_normalize(out);
	return out;
}

bool path_is_within(const char *path, const char *ancestor)
{
	size_t n = strlen(ancestor);

	if (strcmp(ancestor, "/") == 0)
		return path[0] == '/';
	return strncmp(path, ancestor, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

void path_common(char *dir, const char *path)
{
	size_t n = 0, last = 0;

	while (dir[n] && dir[n] == path[n]) {
		if (dir[n] == '/')
			last = n;
		n++;
	}
	/* Equal, or one is the other's ancestor: that one is the common directory. */
	if ((!dir[n] && (!path[n] || path[n] == '/')) || (dir[n] == '/' && !path[n]))
		last = n;
	dir[last ? last : 1] = '\0';
}

static const char *const system_prefixes[] = {
	"/etc/ld.so.preload",
	"/etc/selinux/",
	"/sys/fs/smackfs",
	"/usr/lib/locale/",
	"/usr/share/locale/",
	"/usr/lib/x86_64-linux-gnu/gconv/",
	"/usr/share/zoneinfo/",
	"/run/mount/utab",
	"/sbin/mount.",
	"/sbin/fs.d/",
	"/sbin/fs/",
	"/proc/",
	"/dev/tty",
};

bool path_is_system_noise(const char *path)
{
	/* Each prefix starts "/e", "/s", "/u", "/r", "/p" or "/d": most paths are out at a glance. */
	if (path[0] != '/' || !path[1] || !strchr("esurpd", path[1]))
		return false;
	for (size_t i = 0; i < sizeof(system_prefixes) / sizeof(system_prefixes[0]); i++)
		if (system_prefixes[i][1] == path[1] &&
		    strncmp(path, system_prefixes[i], strlen(system_prefixes[i])) == 0)
			return true;
	return false;
}

/* A printed path names ours when equal, or when it is relative and ours ends with it. */
bool path_named_by(const char *printed, const char *path)
{
	size_t pl, l;

	if (!printed || !path)
		return false;
	if (strcmp(printed, path) == 0)
		return true;
	if (printed[0] == '/')
		return false;
	pl = strlen(printed);
	l = strlen(path);
	return pl < l && strcmp(path + l - pl, printed) == 0 && path[l - pl - 1] == '/';
}
