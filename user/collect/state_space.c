// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * "statfs": how full the failing path's filesystem was when the call failed ENOSPC or EDQUOT.
 * df read an hour later says nothing: the build that filled it has cleaned up since.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/json.h"
#include "collect/state.h"

/*
 * ext4 holds back clusters of its own for metadata (2% or 4096, /sys/fs/ext4/<dev>/
 * reserved_clusters) besides root's -m reserve, and statfs counts both out of bavail: without
 * this, a non-root ENOSPC on a full ext4 made with -m 0 would read as root's reserve.
 */
static void put_ext4_reserve(struct jbuf *b, dev_t dev)
{
	char link[PATH_MAX], at[96], file[PATH_MAX + 64];
	unsigned long long n;
	const char *name;
	ssize_t len;
	FILE *f;

	snprintf(at, sizeof(at), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if ((len = readlink(at, link, sizeof(link) - 1)) <= 0)
		return;
	link[len] = '\0';
	name = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	snprintf(file, sizeof(file), "/sys/fs/ext4/%s/reserved_clusters", name);
	if (!(f = fopen(file, "re")))
		return;
	if (fscanf(f, "%llu", &n) == 1)
		state_put_u64(b, "ext4_resv", n);
	fclose(f);
}

int state_gather_statfs(const struct record *failure, struct record *out)
{
	char path[PATH_MAX + 64], rootbuf[64];
	struct statvfs sv;
	struct stat st;
	struct jbuf b = {};
	const char *root;
	char *slash;
	bool found = false;

	if (!failure->path || failure->path[0] != '/')
		return -1;
	/*
	 * The path itself was often never created: its nearest existing ancestor is on the same
	 * filesystem unless a mount point sits between them, which a failed create cannot be. The
	 * walk stops at the root it looks through: were the process to exit meanwhile, walking on
	 * would reach /proc, and procfs's statfs (no inodes at all) would read as "out of blocks".
	 * Then once more through what state_root finds next (its parent, or our own namespace).
	 */
	for (int attempt = 0; attempt < 2 && !found; attempt++) {
		size_t floor;

		if (!(root = state_root(failure, rootbuf, sizeof(rootbuf))))
			return -1;
		floor = strlen(root);
		if ((size_t)snprintf(path, sizeof(path), "%s%s", root, failure->path) >= sizeof(path))
			return -1;
		while (!(found = statvfs(path, &sv) == 0)) {
			if (!(slash = strrchr(path, '/')) || (size_t)(slash - path) <= floor)
				break;
			*slash = '\0';
		}
	}
	if (!found)
		return -1;
	state_put_u64(&b, "bsize", sv.f_frsize ? sv.f_frsize : sv.f_bsize);
	state_put_u64(&b, "blocks", sv.f_blocks);
	state_put_u64(&b, "bfree", sv.f_bfree);
	state_put_u64(&b, "bavail", sv.f_bavail);
	state_put_u64(&b, "files", sv.f_files);
	state_put_u64(&b, "ffree", sv.f_ffree);
	state_put_u64(&b, "ro", !!(sv.f_flag & ST_RDONLY));
	if (stat(path, &st) == 0) {
		out->has_dev = true;
		out->dev_major = major(st.st_dev);
		out->dev_minor = minor(st.st_dev);
		put_ext4_reserve(&b, st.st_dev);
	}
	if (b.oom) {
		jbuf_free(&b);
		return -1;
	}
	out->data = b.p;
	return 0;
}
