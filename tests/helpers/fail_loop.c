// fail_loop: the same failing calls made over and over, as fast as they go, with an exact count.
// For tests/test_repeats.sh: the kernel folds repeats of one failure, and the counts it reports
// must add up to the calls made, no more, no less.
//
//   fail_loop [-e EXIT] N SPEC...
//   SPEC: OP:PATH, or OP:DIR:NAME (NAME relative to DIR, entered with fchdir before each call)
//   OP:   stat (newfstatat), openw (openat O_WRONLY: EISDIR on a directory),
//         openx (openat O_CREAT|O_EXCL: EEXIST on anything there)
// Makes the calls of every SPEC in turn, N rounds, then prints one line per SPEC:
//   SPEC ERRNO FAILED      (ERRNO the last failure's, "-" when none failed)
// Raw syscall(2), so libc cannot pick another call (stat(3) may be statx).
#define _GNU_SOURCE /* strerrorname_np */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct spec {
	const char *text, *path;
	int op, dirfd, last_errno;
	unsigned long failed;
};

int main(int argc, char **argv)
{
	int exit_code = 0, first = 1, nspecs;
	unsigned long rounds;
	struct spec *specs;
	struct stat st;

	if (argc > 2 && !strcmp(argv[1], "-e")) {
		exit_code = atoi(argv[2]);
		first = 3;
	}
	if (argc < first + 2) {
		fprintf(stderr, "usage: fail_loop [-e EXIT] N OP:PATH|OP:DIR:NAME...\n");
		return 2;
	}
	rounds = strtoul(argv[first], NULL, 10);
	nspecs = argc - first - 1;
	specs = calloc(nspecs, sizeof(*specs));
	for (int i = 0; i < nspecs; i++) {
		char *s = strdup(argv[first + 1 + i]), *op = s, *rest = strchr(s, ':'), *name;

		specs[i].text = argv[first + 1 + i];
		specs[i].dirfd = -1;
		if (!rest)
			return 2;
		*rest++ = '\0';
		specs[i].op = !strcmp(op, "stat") ? 0 : !strcmp(op, "openw") ? 1 : !strcmp(op, "openx") ? 2 : -1;
		if (specs[i].op < 0)
			return 2;
		if ((name = strchr(rest, ':'))) {
			*name++ = '\0';
			if ((specs[i].dirfd = open(rest, O_RDONLY | O_DIRECTORY)) < 0) {
				perror(rest);
				return 2;
			}
			rest = name;
		}
		specs[i].path = rest;
	}
	for (unsigned long r = 0; r < rounds; r++) {
		for (int i = 0; i < nspecs; i++) {
			struct spec *p = &specs[i];
			long ret;

			if (p->dirfd >= 0 && fchdir(p->dirfd))
				return 2;
			if (p->op == 0)
				ret = syscall(SYS_newfstatat, AT_FDCWD, p->path, &st, 0);
			else
				ret = syscall(SYS_openat, AT_FDCWD, p->path,
					      p->op == 1 ? O_WRONLY : O_RDONLY | O_CREAT | O_EXCL, 0600);
			if (ret >= 0) {
				close((int)ret);
				continue;
			}
			p->failed++;
			p->last_errno = errno;
		}
	}
	for (int i = 0; i < nspecs; i++)
		printf("%s %s %lu\n", specs[i].text, specs[i].last_errno ? strerrorname_np(specs[i].last_errno) : "-",
		       specs[i].failed);
	return exit_code;
}
