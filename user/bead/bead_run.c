// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Running beads' bd and reading its answer. bd is run directly (lib/spawn.c), never through a
 * shell: titles carry paths. On success `bd create` prints "✓ Created issue: <id>" (cmd/bd/create.go;
 * newer bd prints "<id> — <title>" after it), with --silent only the id: the id is the first word
 * after "Created issue: ", or the whole output when that is a single word.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "bead/bead.h"
#include "lib/spawn.h"
#include "lib/util.h"

/* execvp's own search, done first so that a missing bd is known before anything runs. */
bool bd_on_path(void)
{
	const char *path = getenv("PATH");
	char file[4096];
	struct stat st;

	if (!path)
		path = "/bin:/usr/bin"; /* glibc execvp's default */
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		int dlen = (int)(end - p);

		snprintf(file, sizeof(file), "%.*s/bd", dlen ? dlen : 1, dlen ? p : ".");
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0)
			return true;
		if (!*end)
			return false;
		p = end;
	}
}

#define OUT_MAX (1 << 20)

int bd_run(const char **argv, const char *body, char **out)
{
	struct spawn sp = { .argv = (char *const *)argv, .input = body, .max_output = OUT_MAX };
	struct spawned r;
	enum spawn_result res = spawn_capture(&sp, &r);

	free(r.err);
	*out = r.out;
	if (res == SPAWN_NOT_STARTED) {
		say("bd: %s", strerror(r.exec_err));
		return 127;
	}
	if (res != SPAWN_EXITED || !r.out)
		return -1;
	return WIFEXITED(r.status) ? WEXITSTATUS(r.status) : WIFSIGNALED(r.status) ? 128 + WTERMSIG(r.status) : -1;
}

/* The new issue's id in bd's output, or false. */
bool bd_created_id(const char *out, char *id, size_t idlen)
{
	const char *p = strstr(out, "Created issue: "), *ws = " \t\r\n\033";
	size_t n;

	if (p) {
		p += strlen("Created issue: ");
	} else {
		p = out + strspn(out, ws); /* bd --silent: the id alone */
		n = strcspn(p, ws);
		if (p[n + strspn(p + n, ws)])
			return false;
	}
	n = strcspn(p, ws);
	if (!n || n >= idlen)
		return false;
	memcpy(id, p, n);
	id[n] = '\0';
	return true;
}
