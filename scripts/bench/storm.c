// storm: a failure storm with a known count, for `make bench`.
// Each process issues failing openat, newfstatat (stat) and unlink calls, in turn, on paths that
// cannot exist (PREFIX/<i%1000>/<i>), as fast as it can or at --rate calls per second spread over
// the processes. It counts only the calls that really failed, so the tracer's recorded + lost can be
// checked against an exact number. Raw syscall(2) so libc cannot pick a different call (stat(3) may
// be statx or fstatat depending on the glibc).
//
//   storm [--procs N] [--count TOTAL] [--rate CALLS_PER_SEC] [--prefix DIR]
//   prints: storm: openat=A newfstatat=B unlink=C total=T failed, P procs, S s, R calls/s
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SC_OPENAT, SC_STAT, SC_UNLINK, SC_N };
static const char *const names[SC_N] = { "openat", "newfstatat", "unlink" };

// Calls between two clock_nanosleep when rate-limited: a sleep per call would cost more than the call.
#define BATCH 256

struct counts {
	uint64_t failed[SC_N];
	uint64_t unexpected; // a call that succeeded: the prefix exists, the count would be wrong
} __attribute__((aligned(64)));

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add_ns(struct timespec *ts, uint64_t ns)
{
	ts->tv_sec += ns / 1000000000u;
	ts->tv_nsec += ns % 1000000000u;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void worker(struct counts *c, const char *prefix, uint64_t first, uint64_t n, double rate)
{
	char path[4096];
	struct stat st;
	struct timespec next;
	uint64_t batch_ns = rate > 0 ? (uint64_t)(BATCH * 1e9 / rate) : 0;

	clock_gettime(CLOCK_MONOTONIC, &next);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = first + k;
		long r;
		int sc = i % SC_N;

		snprintf(path, sizeof(path), "%s/%llu/%llu", prefix, (unsigned long long)(i % 1000),
			 (unsigned long long)i);
		if (sc == SC_OPENAT)
			r = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
		else if (sc == SC_STAT)
			r = syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0);
		else
			r = syscall(SYS_unlink, path);
		if (r < 0)
			c->failed[sc]++;
		else
			c->unexpected++;
		if (batch_ns && (k + 1) % BATCH == 0) {
			add_ns(&next, batch_ns);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
				;
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: storm [--procs N] [--count TOTAL] [--rate CALLS_PER_SEC] [--prefix DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long procs = 2;
	unsigned long long total = 1000000;
	double rate = 0;
	const char *prefix = "/nonexistent/storm";

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (!strcmp(argv[i], "--procs"))
			procs = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--count"))
			total = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rate"))
			rate = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--prefix"))
			prefix = argv[++i];
		else
			usage();
	}
	if (procs < 1 || procs > 1024 || rate < 0)
		usage();

	struct counts *cs = mmap(NULL, sizeof(*cs) * procs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cs == MAP_FAILED) {
		perror("storm: mmap");
		return 1;
	}
	memset(cs, 0, sizeof(*cs) * procs);

	double t0 = now_s();
	uint64_t per = total / procs, extra = total % procs, first = 0;
	for (long p = 0; p < procs; p++) {
		uint64_t n = per + ((uint64_t)p < extra);
		pid_t pid = fork();
		if (pid < 0) {
			perror("storm: fork");
			return 1;
		}
		if (pid == 0) {
			worker(&cs[p], prefix, first, n, rate / procs);
			_exit(0);
		}
		first += n;
	}
	int status, bad = 0;
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad = 1;
	double secs = now_s() - t0;

	uint64_t sum[SC_N] = { 0 }, all = 0, unexpected = 0;
	for (long p = 0; p < procs; p++) {
		for (int s = 0; s < SC_N; s++)
			sum[s] += cs[p].failed[s];
		unexpected += cs[p].unexpected;
	}
	for (int s = 0; s < SC_N; s++)
		all += sum[s];
	printf("storm: %s=%llu %s=%llu %s=%llu total=%llu failed, %ld procs, %.3f s, %.0f calls/s\n", names[0],
	       (unsigned long long)sum[0], names[1], (unsigned long long)sum[1], names[2], (unsigned long long)sum[2],
	       (unsigned long long)all, procs, secs, secs > 0 ? all / secs : 0);
	if (unexpected) {
		fprintf(stderr, "storm: %llu calls succeeded: %s exists\n", (unsigned long long)unexpected, prefix);
		return 1;
	}
	return bad;
}
