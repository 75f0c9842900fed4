// syscall_cost: what one syscall costs, for `make bench`'s cost model.
// Times COUNT getppid calls (raw syscall(2): libc may not enter the kernel) after a warm-up of
// 200k calls, so what ran just before (a tracer's start) is out of the figure. Run
// untraced, beside the floor and under `fstrace run`, the differences are what a tracer adds to
// every syscall of the traced command: getppid is not a file call, so it is the common case, the
// one fstrace's program leaves at its first table lookup. The clock is read inside the process,
// so `fstrace run`'s start and stop are not in the figure (the bench measures those apart).
//
//   syscall_cost COUNT
//   prints: syscall_cost: calls=N seconds=S ns_per_call=X
#include <stdio.h>
#include <stdlib.h>
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
	char *end;
	long count = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	double t0, seconds;

	if (argc != 2 || *end || count <= 0) {
		fprintf(stderr, "usage: syscall_cost COUNT (a positive number of calls)\n");
		return 2;
	}
	for (long i = 0; i < 200000; i++)
		syscall(SYS_getppid);
	t0 = now_s();
	for (long i = 0; i < count; i++)
		syscall(SYS_getppid);
	seconds = now_s() - t0;
	printf("syscall_cost: calls=%ld seconds=%.6f ns_per_call=%.1f\n", count, seconds, seconds * 1e9 / count);
	return 0;
}
