// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The benchmark's floor: an empty BPF program on raw_syscalls:sys_exit, the tracepoint fstrace's
 * syscall program sits on, attached until SIGINT or SIGTERM. Enabling that tracepoint moves every
 * syscall on the machine to the kernel's slower exit path; this shows what that alone costs, so
 * fstrace's own share of its overhead can be read off beside it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int main(void)
{
	struct bpf_insn return_0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int prog, link;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "bench_floor", "GPL", return_0, 2, NULL);
	if (prog < 0 || (link = bpf_raw_tracepoint_open("sys_exit", prog)) < 0) {
		fprintf(stderr, "floor: cannot attach an empty program to sys_exit: %s\n", strerror(errno));
		return 1;
	}
	while (!stop)
		pause();
	close(link);
	close(prog);
	return 0;
}
