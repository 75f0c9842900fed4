// misses: routine misses at a build's scale, for the late_race scenario (issue 13). A header
// search as a C++ build does one: each header is looked for in include dir 0, 1, ... and found in
// the last one, so every dir before it is a failing openat (ENOENT) and the last one succeeds;
// every other header is probed with stat first (newfstatat), as module resolution does. It stops
// after exactly TOTAL failing calls and says how many it made, so a test can check the count.
// Raw syscall(2), so that libc cannot pick another call (stat(3) may be statx or fstatat).
//
//   misses TOTAL INCDIR NDIRS     looks for INCDIR/<k>/h<j>.h, k = 0..NDIRS-1; INCDIR/<NDIRS-1>
//                                 holds the headers, h0.h up to h<TOTAL/(NDIRS-1)>.h (made by the
//                                 caller), so every failing path is a distinct one
//   prints: misses: F failed, S found, T s
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: misses TOTAL INCDIR NDIRS\n");
		return 2;
	}
	unsigned long total = strtoul(argv[1], NULL, 10);
	const char *inc = argv[2];
	long ndirs = strtol(argv[3], NULL, 10);
	if (ndirs < 2) {
		fprintf(stderr, "misses: NDIRS must be 2 or more\n");
		return 2;
	}

	char path[4096];
	struct stat st;
	unsigned long failed = 0, found = 0, unexpected = 0;
	double t0 = now_s();
	for (unsigned long j = 0; failed < total; j++) {
		for (long k = 0; k < ndirs && failed < total; k++) {
			long r;
			snprintf(path, sizeof(path), "%s/%ld/h%lu.h", inc, k, j);
			if (j % 2)
				r = syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0);
			else
				r = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
			if (r < 0) {
				failed++;
			} else if (k == ndirs - 1) {
				found++;
				if (!(j % 2))
					close((int)r);
			} else {
				unexpected++;
				if (!(j % 2))
					close((int)r);
			}
		}
	}
	printf("misses: %lu failed, %lu found, %.3f s\n", failed, found, now_s() - t0);
	if (unexpected) {
		fprintf(stderr, "misses: %lu calls found a header outside the last dir\n", unexpected);
		return 1;
	}
	return 0;
}
