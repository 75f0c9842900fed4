// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * "statfs": how full the failing path's filesystem was when the call failed ENOSPC or EDQUOT.
 * df read an hour later says nothing: the build that filled it has cleaned up since.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include "json.h"
#include "state.h"

int state_gather_statfs(const struct record *failure, struct record *out)
{
	char path[PATH_MAX + 64];
	struct statvfs sv;
	struct stat st;
	struct jbuf b = {};
	char *slash;

	state_path_in_root(failure->pid, failure->path, path, sizeof(path));
	/* The path itself was often never created: its nearest existing ancestor is on the same
	 * filesystem unless a mount point sits between them, which a failed create cannot be. */
	while (statvfs(path, &sv) != 0) {
		if (!(slash = strrchr(path, '/')) || slash == path)
			return -1;
		*slash = '\0';
	}
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
	}
	if (b.oom) {
		jbuf_free(&b);
		return -1;
	}
	out->data = b.p;
	return 0;
}
