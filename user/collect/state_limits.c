// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * "limits": the open-file limits a call met when it failed EMFILE or ENFILE: the process's
 * RLIMIT_NOFILE (soft and hard, /proc/PID/limits), how many descriptors it held then
 * (/proc/PID/fd), and the system's count against fs.file-max (/proc/sys/fs/file-nr). The process
 * is usually gone by the time anyone looks, and its descriptors with it.
 */
#include <dirent.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include "lib/json.h"
#include "collect/state.h"

/* "Max open files            1024                 1048576              files" */
static void put_rlimit(uint32_t pid, struct jbuf *b)
{
	char path[64], line[256], soft[32], hard[32];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/limits", pid);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Max open files", 14) && sscanf(line + 14, "%31s %31s", soft, hard) == 2) {
			state_put_str(b, "nofile_soft", soft);
			state_put_str(b, "nofile_hard", hard);
			break;
		}
	fclose(f);
}

static void put_open_count(uint32_t pid, struct jbuf *b)
{
	char path[64];
	struct dirent *d;
	uint64_t n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	if (!(dir = opendir(path)))
		return;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	state_put_u64(b, "open_fds", n);
}

static void put_file_nr(struct jbuf *b)
{
	unsigned long long used, unused, max;
	FILE *f = fopen("/proc/sys/fs/file-nr", "re");

	if (!f)
		return;
	if (fscanf(f, "%llu %llu %llu", &used, &unused, &max) == 3) {
		state_put_u64(b, "file_nr", used);
		state_put_u64(b, "file_max", max);
	}
	fclose(f);
}

int state_gather_limits(const struct record *failure, struct record *out)
{
	struct jbuf b = {};

	put_rlimit(failure->pid, &b);
	put_open_count(failure->pid, &b);
	put_file_nr(&b);
	if (b.oom || !b.len) {
		jbuf_free(&b);
		return -1;
	}
	out->data = b.p;
	return 0;
}

/* "links": for ELOOP, the symbolic links the path led through when the call failed, read with
 * readlink one hop at a time until one repeats ("a -> b -> a") or 40 hops (the kernel's limit). */
int state_gather_links(const struct record *failure, struct record *out)
{
	char cur[PATH_MAX], view[PATH_MAX + 64], target[PATH_MAX];
	struct jbuf chain = {}, b = {};
	char seen[8][PATH_MAX];
	unsigned nseen = 0;

	if (failure->path[0] != '/' || strlen(failure->path) >= sizeof(cur))
		return -1;
	strcpy(cur, failure->path);
	jbuf_puts(&chain, cur);
	for (int hop = 0; hop < 40; hop++) {
		ssize_t n;
		bool again = false;

		state_path_in_root(failure, cur, view, sizeof(view));
		if ((n = readlink(view, target, sizeof(target) - 1)) < 0)
			break;
		target[n] = '\0';
		if (target[0] != '/') { /* relative to the link's directory */
			char *slash = strrchr(cur, '/');

			if (!slash || (size_t)(slash - cur) + 1 + (size_t)n >= sizeof(cur))
				break;
			memmove(slash + 1, target, (size_t)n + 1);
		} else {
			snprintf(cur, sizeof(cur), "%s", target);
		}
		jbuf_puts(&chain, " -> ");
		jbuf_puts(&chain, cur);
		for (unsigned i = 0; i < nseen && !again; i++)
			again = !strcmp(seen[i], cur);
		if (again || !strcmp(cur, failure->path))
			break;
		if (nseen < 8)
			snprintf(seen[nseen++], PATH_MAX, "%s", cur);
	}
	if (chain.oom || !strstr(chain.p ? chain.p : "", " -> ")) {
		jbuf_free(&chain);
		return -1;
	}
	state_put_str(&b, "chain", chain.p);
	jbuf_free(&chain);
	if (b.oom) {
		jbuf_free(&b);
		return -1;
	}
	out->data = b.p;
	return 0;
}
