// rusage: run a command and write what it cost, for `make bench` (a `command time -v` that also
// watches the direct child's own memory and CPU, which wait4 cannot separate from its descendants).
//
//   rusage [--cgroup DIR] OUT -- CMD [ARGS...]
//
// OUT gets "pid N" at once (so a caller can find a background tracer), then at the end one line:
//   wall=S user=S sys=S maxrss_kb=K hwm_kb=K anon_kb=K selfcpu=S status=N
// user/sys/maxrss are wait4's (the whole tree); hwm_kb (VmHWM), anon_kb (peak RssAnon) and selfcpu
// (utime+stime) are the direct child's alone, sampled from /proc every 10 ms until it exits, so they
// can miss the last few milliseconds. SIGINT and SIGTERM are passed on to the child: a background job
// of a non-interactive shell starts with SIGINT ignored, which a plain `cmd &` would pass on to it.
//
// --cgroup DIR (a cgroup v2 directory, created here and removed after): the command runs in it, the
// run ends when the cgroup is empty, and user/sys are the cgroup's cpu.stat. wait4 alone misses the
// CPU of a grandchild whose parent does not wait for it (perf trace does not) and stops the clock
// when the direct child exits even if its workload lives on.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sample {
	long hwm_kb, anon_kb;
	double selfcpu;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long status_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

// Keeps the last values read; a process that is gone (or a zombie without an mm) changes nothing.
static void sample(pid_t pid, struct sample *s)
{
	char path[64], buf[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r"))) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		long hwm = status_kb(buf, "VmHWM:"), anon = status_kb(buf, "RssAnon:");
		if (hwm > s->hwm_kb)
			s->hwm_kb = hwm;
		if (anon > s->anon_kb)
			s->anon_kb = anon;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r"))) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
		// fields after the ")" of comm: 3 state ... 14 utime 15 stime
		char *p = strrchr(buf, ')');
		unsigned long ut, st;
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2) {
			double cpu = (double)(ut + st) / sysconf(_SC_CLK_TCK);
			if (cpu > s->selfcpu)
				s->selfcpu = cpu;
		}
	}
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int r = fputs(text, f) < 0;
	return (fclose(f) || r) ? -1 : 0;
}

// The value after KEY in a flat-keyed cgroup file ("populated 1", "user_usec 123"); -1 if absent.
static long long cgroup_key(const char *dir, const char *name, const char *key)
{
	char path[4096], k[64];
	long long v, found = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key))
			found = v;
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	const char *cgroup = NULL;
	if (argc > 2 && !strcmp(argv[1], "--cgroup")) {
		cgroup = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: rusage [--cgroup DIR] OUT -- CMD [ARGS...]\n");
		return 2;
	}
	if (cgroup && mkdir(cgroup, 0755) && errno != EEXIST) {
		fprintf(stderr, "rusage: %s: %s\n", cgroup, strerror(errno));
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		perror("rusage: OUT");
		return 2;
	}

	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);

	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 2;
	}
	if (pid == 0) {
		if (cgroup && write_file(cgroup, "cgroup.procs", "0")) {
			fprintf(stderr, "rusage: joining %s: %s\n", cgroup, strerror(errno));
			_exit(126);
		}
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execvp(argv[3], argv + 3);
		fprintf(stderr, "rusage: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	fprintf(out, "pid %d\n", pid);
	fflush(out);

	struct sample s = { -1, -1, 0 };
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct rusage ru;
	int status = 0;
	for (;;) {
		sample(pid, &s);
		pid_t r = wait4(pid, &status, WNOHANG, &ru);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			perror("rusage: wait4");
			return 2;
		}
		int sig = sigtimedwait(&set, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			kill(pid, sig);
	}
	double user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	double sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	int lingered = 0;
	if (cgroup) {
		// what the child left running is still the workload: wait for it (60 s at most)
		for (int i = 0; i < 6000 && cgroup_key(cgroup, "cgroup.events", "populated") == 1; i++) {
			lingered = 1;
			nanosleep(&tick, NULL);
		}
		long long u = cgroup_key(cgroup, "cpu.stat", "user_usec"), y = cgroup_key(cgroup, "cpu.stat", "system_usec");
		if (u >= 0 && y >= 0) {
			user = u / 1e6;
			sys = y / 1e6;
		}
	}
	double wall = now_s() - t0;
	if (cgroup && rmdir(cgroup))
		fprintf(stderr, "rusage: %s: %s (processes left in it)\n", cgroup, strerror(errno));

	fprintf(out, "wall=%.4f user=%.4f sys=%.4f maxrss_kb=%ld hwm_kb=%ld anon_kb=%ld selfcpu=%.2f lingered=%d status=%d\n",
		wall, user, sys, ru.ru_maxrss, s.hwm_kb, s.anon_kb, s.selfcpu, lingered, code);
	fclose(out);
	return code;
}
