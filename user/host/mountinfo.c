// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * /proc/<pid>/mountinfo, as fs/proc_namespace.c writes it (show_mountinfo):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent maj:min root mountpoint options [optional...] - fstype source super_options
 * Paths are escaped by mangle(): space, tab, newline and backslash become \040 \011 \012 \134.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/mountinfo.h"
#include "host/paths.h"

/* Undoes the kernel's octal escapes in place; anything else stays as written. */
static void unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
		    r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* The next space-separated field, NUL-terminated in place; NULL at the end of the line. */
static char *field(char **p)
{
	char *s = *p, *e;

	while (*s == ' ')
		s++;
	if (!*s)
		return NULL;
	e = strchr(s, ' ');
	if (e) {
		*e = '\0';
		*p = e + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

static bool has_option(const char *options, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = options; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static void entry_free(struct mount_entry *m)
{
	free(m->root);
	free(m->mountpoint);
	free(m->options);
	free(m->fstype);
	free(m->source);
	free(m->super_options);
	memset(m, 0, sizeof(*m));
}

/* 1 parsed, 0 malformed (skipped: a line we do not understand must not hide the others), -1 OOM. */
static int parse_line(char *line, struct mount_entry *m)
{
	char *p = line, *f[6], *fstype, *source, *super, *sep, *end;
	unsigned long maj, min;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < 6; i++)
		if (!(f[i] = field(&p)))
			return 0;
	/* Optional fields ("shared:1", "master:2", ...) up to the lone "-". */
	while ((sep = field(&p)) && strcmp(sep, "-") != 0)
		;
	if (!sep || !(fstype = field(&p)) || !(source = field(&p)))
		return 0;
	super = field(&p);
	m->id = (int)strtol(f[0], &end, 10);
	if (*end)
		return 0;
	m->parent_id = (int)strtol(f[1], &end, 10);
	if (*end)
		return 0;
	errno = 0;
	maj = strtoul(f[2], &end, 10);
	if (*end != ':')
		return 0;
	min = strtoul(end + 1, &end, 10);
	if (*end || errno || maj > UINT32_MAX || min > UINT32_MAX)
		return 0;
	m->major = (uint32_t)maj;
	m->minor = (uint32_t)min;
	unescape(f[3]);
	unescape(f[4]);
	unescape(fstype);
	unescape(source);
	/* options and super_options stay as the kernel wrote them: unescaping would turn an escaped
	 * comma inside an overlay lowerdir into a separator. */
	m->root = strdup(f[3]);
	m->mountpoint = strdup(f[4]);
	m->options = strdup(f[5]);
	m->fstype = strdup(fstype);
	m->source = strdup(source);
	m->super_options = strdup(super ? super : "");
	if (!m->root || !m->mountpoint || !m->options || !m->fstype || !m->source || !m->super_options) {
		entry_free(m);
		return -1;
	}
	m->readonly = has_option(m->options, "ro");
	return 1;
}

int mount_table_load(struct mount_table *t, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t len;
	int ret = 0;

	t->m = NULL;
	t->n = 0;
	if (!f)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct mount_entry m;
		int r;

		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		r = parse_line(line, &m);
		if (r == 0)
			continue;
		if (r > 0 && t->n == alloc) {
			size_t na = alloc ? alloc * 2 : 64;
			struct mount_entry *nm = realloc(t->m, na * sizeof(*nm));

			if (nm) {
				t->m = nm;
				alloc = na;
			} else {
				entry_free(&m);
				r = -1;
			}
		}
		if (r < 0) {
			errno = ENOMEM;
			ret = -1;
			break;
		}
		t->m[t->n++] = m;
	}
	if (!ret && ferror(f)) {
		errno = EIO;
		ret = -1;
	}
	free(line);
	fclose(f);
	if (ret) {
		int e = errno;

		mount_table_free(t);
		errno = e;
	}
	return ret;
}

void mount_table_free(struct mount_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		entry_free(&t->m[i]);
	free(t->m);
	t->m = NULL;
	t->n = 0;
}

const struct mount_entry *mount_table_find_path(const struct mount_table *t, const char *path)
{
	const struct mount_entry *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct mount_entry *m = &t->m[i];
		size_t n = strlen(m->mountpoint);

		/* >=: a later mount on the same point is on top of the earlier ones. */
		if (path_is_within(path, m->mountpoint) && (!best || n >= best_len)) {
			best = m;
			best_len = n;
		}
	}
	/* A relative path, or a table without "/" (another root's view): the first line is the
	 * mount namespace's root mount. */
	if (!best && t->n)
		best = path[0] == '/' ? &t->m[0] : mount_table_find_path(t, "/");
	return best;
}

const struct mount_entry *mount_table_find_dev(const struct mount_table *t, uint32_t major, uint32_t minor,
					       size_t i)
{
	for (size_t k = 0; k < t->n; k++)
		if (t->m[k].major == major && t->m[k].minor == minor && i-- == 0)
			return &t->m[k];
	return NULL;
}

bool mount_has_option(const char *list, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, opt, n))
			return true;
		p = end ? end + 1 : p + len;
	}
	return false;
}
