// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * "access": who denied a call EACCES or EPERM, read the moment it failed. The path's components
 * are stat()ed one by one in the process's root, and the first that refuses the caller's uid and
 * gid (a directory it may not search, the parent it may not write, the file it may not read or
 * run) is named with its owner, group and mode. The mount the path sits on comes with it (a
 * noexec tmpfs refuses execve whatever the mode), and for EPERM the inode flags (chattr +i/+a).
 * Asked an hour later the answer is gone: the build chmod'ed, unmounted or removed the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/json.h"
#include "host/mountinfo.h"
#include "collect/state.h"

/* The rwx bits of mode that apply to uid/gid: owner's, group's (primary gid only: a recording
 * does not carry supplementary groups) or other's. */
static unsigned bits_for(const struct stat *st, uint32_t uid, uint32_t gid)
{
	if (st->st_uid == uid)
		return (st->st_mode >> 6) & 7;
	if (st->st_gid == gid)
		return (st->st_mode >> 3) & 7;
	return st->st_mode & 7;
}

/* Calls that create or remove a name: they need to write the parent, not to read the leaf. */
static bool changes_parent(const char *sc)
{
	static const char *const calls[] = { "mkdir",   "mkdirat",   "rmdir",     "unlink",  "unlinkat",
					     "rename",  "renameat",  "renameat2", "link",    "linkat",
					     "symlink", "symlinkat", "mknod",     "mknodat", "creat" };

	for (size_t i = 0; sc && i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(sc, calls[i]))
			return true;
	return false;
}

static void put_denier(struct jbuf *b, const char *path, const struct stat *st, const char *need)
{
	state_put_str(b, "denier", path);
	state_put_u64(b, "owner", st->st_uid);
	state_put_u64(b, "group", st->st_gid);
	state_put_u64(b, "mode", st->st_mode & 07777);
	state_put_str(b, "need", need);
}

/*
 * The first component of path (absolute, as the process named it) that refuses uid/gid what the
 * call needed: search (x) on every directory above, write (wx) on the parent for a create or
 * remove, read (or write) on an existing leaf, execute for execve. Root refuses nothing by mode.
 */
static void walk(const struct record *f, struct jbuf *b)
{
	char view[PATH_MAX + 64], comp[PATH_MAX];
	const char *p = f->path;
	struct stat st, parent = {};
	bool have_parent = false;
	size_t n = 0;

	if (f->uid == 0 || p[0] != '/')
		return;
	comp[n++] = '/';
	comp[n] = '\0';
	for (;;) {
		const char *slash;
		size_t len;

		state_path_in_root(f, comp, view, sizeof(view));
		if (lstat(view, &st) != 0)
			break;
		while (*p == '/')
			p++;
		if (!*p) /* comp is the leaf, and it exists */
			break;
		if (!S_ISDIR(st.st_mode)) /* a file in the middle: ENOTDIR, not ours */
			return;
		if (!(bits_for(&st, f->uid, f->gid) & 1)) {
			put_denier(b, comp, &st, "search");
			return;
		}
		parent = st;
		have_parent = true;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (n + len + 2 >= sizeof(comp))
			return;
		if (n > 1)
			comp[n++] = '/';
		memcpy(comp + n, p, len);
		n += len;
		comp[n] = '\0';
		p += len;
	}
	if (!*p && lstat(view, &st) == 0 && !changes_parent(f->syscall)) { /* the leaf itself */
		unsigned bits = bits_for(&st, f->uid, f->gid);
		bool exec = f->syscall && !strncmp(f->syscall, "execve", 6);

		if (exec && !(bits & 1))
			put_denier(b, comp, &st, "execute");
		else if (!exec && !(bits & 4))
			put_denier(b, comp, &st, "read");
		else if (!exec && !(bits & 2))
			put_denier(b, comp, &st, "write");
		return;
	}
	/* The leaf is missing (a create) or the call changes its parent: the parent must be writable. */
	if (!*p) {
		char *last = strrchr(comp, '/');

		if (!last)
			return;
		*(last == comp ? last + 1 : last) = '\0';
		state_path_in_root(f, comp, view, sizeof(view));
		if (lstat(view, &parent) != 0)
			return;
		have_parent = true;
	} else if (strchr(p, '/')) {
		return; /* more than the leaf is missing: ENOENT's business */
	}
	if (have_parent && (bits_for(&parent, f->uid, f->gid) & 3) != 3)
		put_denier(b, comp, &parent, "write");
}

static int finish(struct jbuf *b, struct record *out)
{
	if (b->oom || !b->len) {
		jbuf_free(b);
		return -1;
	}
	out->data = b->p;
	return 0;
}

int state_gather_access(const struct record *failure, struct record *out)
{
	char view[PATH_MAX + 64];
	struct jbuf b = {};
	struct stat st;
	int fd, flags;

	if (!failure->has_uid)
		return -1;
	state_put_u64(&b, "uid", failure->uid);
	state_put_u64(&b, "gid", failure->gid);
	walk(failure, &b);
	state_put_mount(failure, failure->path, "", &b);
	state_path_in_root(failure, failure->path, view, sizeof(view));
	if (lstat(view, &st) == 0) {
		out->has_dev = true;
		out->dev_major = major(st.st_dev);
		out->dev_minor = minor(st.st_dev);
		/* chattr +i and +a refuse even root, with EPERM: FS_IOC_GETFLAGS on the inode. */
		if ((S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
		    (fd = open(view, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) >= 0) {
			if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
				state_put_u64(&b, "immutable", !!(flags & FS_IMMUTABLE_FL));
				state_put_u64(&b, "append_only", !!(flags & FS_APPEND_FL));
			}
			close(fd);
		}
	}
	return finish(&b, out);
}

/* ETXTBSY: a process running the file (its /proc/PID/exe), taken before it exits. */
void state_put_runner(const char *path, struct jbuf *b)
{
	char link[300], exe[PATH_MAX], comm[64];
	struct dirent *d;
	DIR *proc = opendir("/proc");
	FILE *f;

	while (proc && (d = readdir(proc))) {
		ssize_t n;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%s/exe", d->d_name);
		if ((n = readlink(link, exe, sizeof(exe) - 1)) < 0)
			continue;
		exe[n] = '\0';
		if (strcmp(exe, path))
			continue;
		state_put_str(b, "runner_pid", d->d_name);
		snprintf(link, sizeof(link), "/proc/%s/comm", d->d_name);
		if ((f = fopen(link, "re"))) {
			if (fgets(comm, sizeof(comm), f)) {
				comm[strcspn(comm, "\n")] = '\0';
				state_put_str(b, "runner_comm", comm);
			}
			fclose(f);
		}
		break;
	}
	if (proc)
		closedir(proc);
}
