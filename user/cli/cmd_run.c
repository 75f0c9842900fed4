// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * fstrace run: the command starts only once the programs are attached and it is in the traced
 * set, so its very first syscall is seen. Its process is forked first and waits on a socket for
 * the go-ahead while the programs load; if fstrace dies before giving it, the socket closes and
 * the command never runs untraced.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "bead/bead.h"
#include "cli/commands.h"
#include "cli/output_capture.h"
#include "cli/session.h"
#include "lib/util.h"

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t early_signal; /* a stop asked for before the command started */
static volatile sig_atomic_t resized;
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))
/* As fstrace was started: a signal ignored then (nohup, a script's background job) stays
 * ignored, by fstrace and by the command, as it would be without fstrace. */
static struct sigaction started_with[NFORWARDED];

static void on_winch(int sig)
{
	resized = 1;
}

static void on_child(int sig)
{
}

/* A signal sent to fstrace is passed to the command; fstrace keeps recording until the command
 * exits. A terminal's ^C already reaches the command (same process group): not sent twice.
 * Before the go-ahead, it is kept: the command is then never started (attaching takes ~10 ms,
 * and dying in it would leave a half-written report and recording behind). */
static void forward_signal(int sig, siginfo_t *info, void *ucontext)
{
	if (child_pid > 0 && info->si_code != SI_KERNEL)
		kill(child_pid, sig);
	else if (child_pid == 0 && !early_signal)
		early_signal = sig;
}

/* restart 0 until the command is forked: an open(2) of a FIFO waiting for its reader (-o FIFO)
 * must end on a signal, not go on waiting. */
static void catch_stops(int restart)
{
	struct sigaction sa = { .sa_sigaction = forward_signal, .sa_flags = SA_SIGINFO | restart };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++)
		if (started_with[i].sa_handler != SIG_IGN)
			sigaction(forwarded[i], &sa, NULL);
}

/* Around fork: a signal arriving then is held until the child has its default handlers back
 * and child_pid is set, and is then forwarded, never swallowed by the child's copy of ours. */
static void hold_stops(int how)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&set, forwarded[i]);
	sigprocmask(how, &set, NULL);
}

static void install_forwarding(void)
{
	struct sigaction sa = { .sa_flags = SA_RESTART };

	catch_stops(SA_RESTART);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, NULL);
	/* Without SA_RESTART: the command's exit interrupts the wait for events at once. */
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

/* The child: wait for the go-ahead, then become the command. */
static void __attribute__((noreturn)) exec_when_released(int go_fd, char **argv, struct output_capture *capture)
{
	char go;

	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &started_with[i], NULL);
	sigpipe_restore();
	hold_stops(SIG_UNBLOCK);
	if (capture)
		output_capture_child(capture);
	if (read(go_fd, &go, 1) != 1)
		_exit(EXIT_FAILURE_FSTRACE); /* fstrace failed to attach: run nothing */
	close(go_fd);
	execvp(argv[0], argv);
	/* Like a shell: 127 when the command is not found, 126 when it cannot be run. */
	fprintf(stderr, "fstrace: %s: %s\n", argv[0], errno == ENOENT ? "command not found" : strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int exit_status(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The report file is created before the command runs: a bad path must not cost the run's report.
 * Like recordings: 0600, never through a symlink, an existing file replaced only with --force.
 * *created says whether it is ours to remove if the run cannot start: a device or a FIFO is not. */
static FILE *open_report(const struct options *o, bool *created)
{
	char err[512] = "";
	struct stat st;
	FILE *out;
	int fd;

	*created = false;
	if (!o->report_out)
		return stderr;
	/* A device or a pipe (-o /dev/null, a FIFO) is written to, not created. */
	if (lstat(o->report_out, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		fd = open(o->report_out, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	} else {
		fd = create_output(o->report_out, o->force, err, sizeof(err));
		*created = fd >= 0;
	}
	if (fd < 0 && errno == EINTR && early_signal)
		return NULL; /* a FIFO's reader never came and the user gave up: not_started says so */
	if (fd < 0 && errno && !err[0])
		snprintf(err, sizeof(err), "cannot write the report to %s: %s", o->report_out, strerror(errno));
	if (fd < 0) {
		say("%s", err);
		return NULL;
	}
	if (!(out = fdopen(fd, "w"))) {
		say("cannot write the report to %s: %s", o->report_out, strerror(errno));
		close(fd);
	}
	return out;
}

/* A stop asked for before the command was started: it never runs; one line says so, and the
 * exit status is the one the command would have had, killed by that signal. */
static int not_started(const struct options *o)
{
	say("SIG%s before %s started: it was not run", sigabbrev_np(early_signal), o->argv[0]);
	return 128 + early_signal;
}

/*
 * The command's process, forked before the programs load so that its fork and set-up overlap
 * the attach instead of following it; it waits on *go_fd for the go-ahead. A socket, not a pipe:
 * a go-ahead to a process that died meanwhile then fails with EPIPE (MSG_NOSIGNAL) instead of a
 * SIGPIPE that would kill fstrace and lose the recording. -1 on failure, said in one line.
 */
static pid_t fork_waiting(const struct options *o, int *go_fd, struct output_capture *capture, bool *captured)
{
	char err[256];
	int go[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go)) {
		say("socketpair: %s", strerror(errno));
		return -1;
	}
	/* Without a capture the command still runs, its output just not linked to findings. */
	*captured = output_capture_start(capture, err, sizeof(err)) == 0;
	if (!*captured)
		say("%s", err);
	fflush(NULL);
	hold_stops(SIG_BLOCK); /* the child puts its own handlers back before it takes a signal */
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		exec_when_released(go[0], o->argv, *captured ? capture : NULL);
	}
	/* Until the go-ahead a stop is an early one (child_pid is 0): the command is never run. */
	hold_stops(SIG_UNBLOCK);
	close(go[0]);
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		close(go[1]);
		return -1;
	}
	if (*captured)
		output_capture_parent(capture);
	*go_fd = go[1];
	return pid;
}

/* A command that is not to run: no go-ahead comes (it exits at the socket's end), and it is
 * reaped; its wait status. */
static int abandon_command(pid_t pid, int go_fd)
{
	int status = 0;

	close(go_fd);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* A run whose command never ran: its recording and report are finished all the same, with CODE. */
static void finish_unrun(struct session *s, FILE *report_out, const struct options *o, int code)
{
	struct report_out out = { report_out, o->format };

	session_finish(s, code, &out, 1);
	if (report_out != stderr)
		fclose(report_out);
}

int cmd_run(const struct options *o)
{
	struct tracer_options to = { .use_traced = true,
				     .ringbuf_bytes = o->ringbuf_bytes,
				     .verbose = o->verbose,
				     .btf_path = o->btf_path,
				     .compat = o->compat,
				     .all_removals = o->all_removals };
	struct output_capture capture;
	struct report_out outs[2];
	struct bead_capture bead;
	bool captured, report_created;
	struct session s;
	int go_fd, status = 0, exit_code;
	FILE *report_out;
	pid_t pid;

	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], NULL, &started_with[i]);
	catch_stops(0);
	sigpipe_ignore();
	if (!(report_out = open_report(o, &report_created)))
		return early_signal ? not_started(o) : EXIT_FAILURE_FSTRACE;
	if ((pid = fork_waiting(o, &go_fd, &capture, &captured)) < 0 || session_start(&s, o, &to)) {
		if (pid > 0)
			abandon_command(pid, go_fd);
		if (report_out != stderr)
			fclose(report_out);
		if (report_created) /* never -o /dev/null itself */
			unlink(o->report_out);
		return pid > 0 && early_signal ? not_started(o) : EXIT_FAILURE_FSTRACE;
	}
	/* From here to the go-ahead, a signal waits; one that came before is honoured now, with the
	 * recording and the report complete. */
	hold_stops(SIG_BLOCK);
	if (early_signal) {
		abandon_command(pid, go_fd);
		finish_unrun(&s, report_out, o, 128 + early_signal);
		return not_started(o);
	}
	child_pid = pid;
	if (captured)
		s.capture = &capture;
	s.command_pid = tracer_host_pid(&s.tracer, pid);
	s.command_vpid = pid;
	snprintf(s.command_comm, sizeof(s.command_comm), "%s",
		 strrchr(o->argv[0], '/') ? strrchr(o->argv[0], '/') + 1 : o->argv[0]);
	install_forwarding();
	hold_stops(SIG_UNBLOCK); /* a signal held since the check goes to the command now */
	if (tracer_trace_pid(&s.tracer, pid)) {
		say("cannot start the command traced: %s", strerror(errno));
		kill(pid, SIGKILL);
		abandon_command(pid, go_fd);
		session_finish(&s, -1, NULL, 0);
		return EXIT_FAILURE_FSTRACE;
	}
	if (send(go_fd, "g", 1, MSG_NOSIGNAL) != 1) {
		/* Its process died while it waited (killed from outside): not run, and the run ends
		 * with the status a shell would give, the recording and the report complete. */
		status = abandon_command(pid, go_fd);
		exit_code = WIFSIGNALED(status) ? exit_status(status) : EXIT_FAILURE_FSTRACE;
		if (WIFSIGNALED(status))
			say("SIG%s killed %s before it started: it was not run", sigabbrev_np(WTERMSIG(status)),
			    o->argv[0]);
		else
			say("%s was not run: its process ended before the go-ahead", o->argv[0]);
		finish_unrun(&s, report_out, o, exit_code);
		return exit_code;
	}
	close(go_fd);

	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);

		if (done == pid || (done < 0 && errno == ECHILD))
			break;
		if (resized && s.capture) {
			resized = 0;
			output_capture_resize(s.capture);
		}
		session_poll(&s, 100);
	}
	session_command_done(&s);
	child_pid = 0;
	exit_code = exit_status(status);
	outs[0] = (struct report_out){ report_out, o->format };
	/* --bead: the ticket is rendered with the report, from the same in-memory analysis. */
	outs[1] = (struct report_out){ o->bead ? bead_capture_start(&bead) : NULL, REPORT_BEAD };
	if (session_finish(&s, exit_code, outs, 2) && exit_code == 0)
		exit_code = EXIT_FAILURE_FSTRACE; /* a lost recording must not look like success */
	if (report_out && report_out != stderr)
		fclose(report_out);
	if (o->bead) {
		/* The JSONL, if bd is missing, beside --record's file; else ./fstrace-<ref>.bead.jsonl. */
		struct bead_target bt = {
			.prefix = o->bead_prefix, .parent = o->bead_parent, .force = o->force, .announce = true
		};
		char *path = NULL;

		if (o->recording && asprintf(&path, "%s.bead.jsonl", o->recording) < 0)
			path = NULL;
		bt.jsonl_path = path;
		bead_capture_file(&bead, &bt); /* leaves exit_code alone: it is the command's */
		free(path);
	}
	return exit_code;
}
