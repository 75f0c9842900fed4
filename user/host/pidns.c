// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "load/core_btf.h"
#include "host/pidns.h"
#include "recording/record.h"

/* PROC_PID_INIT_INO in include/linux/proc_ns.h: the host's pid namespace, fixed since 3.8. */
#define HOST_PIDNS_INO 0xEFFFFFFCu

int pidns_detect(struct pidns *ns)
{
	struct stat st;

	memset(ns, 0, sizeof(*ns));
	if (stat("/proc/self/ns/pid", &st))
		return -1;
	ns->ino = (uint32_t)st.st_ino;
	return 0;
}

bool pidns_is_host(const struct pidns *ns)
{
	return ns->ino == 0 || ns->ino == HOST_PIDNS_INO;
}

#define ITER_FACT "task_iter_btf"
#define ITER_FUNC "bpf_iter_task" /* the kernel's DEFINE_BPF_ITER_FUNC(task, ...) */
#define ITER_SECTION "fstrace.iter/"

/* As typed_tp.c does for sys_exit: libbpf 1.1 would parse the whole kernel BTF (~50 ms with the
 * rest of its set-up here) at every start in a container only to find this one id. */
int pidns_iter_id(struct core_btf *cb, bool custom_btf, char *why, size_t len)
{
	if (custom_btf) {
		snprintf(why, len, "the kernel's BTF came from --btf: a task iterator needs the kernel's own");
		return 0;
	}
	return core_btf_cached_id(cb, ITER_FACT, ITER_FUNC, BTF_KIND_FUNC,
				  "no " ITER_FUNC " in the kernel's BTF (task iterators came in Linux 5.8)", why,
				  len);
}

int pidns_iter_register(int id)
{
	return core_btf_register_section(ITER_SECTION, BPF_TRACE_ITER, id);
}

int pidns_list(struct pidns *ns, struct bpf_program *prog, char *err, size_t errlen)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	size_t cap = 0, have = 0;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if (!link) {
		snprintf(err, errlen, "listing the pid namespace's processes (task iterator) failed: %s",
			 strerror(errno));
		return -1;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		snprintf(err, errlen, "reading the task iterator failed: %s", strerror(errno));
		bpf_link__destroy(link);
		return -1;
	}
	for (;;) {
		if (have + 4096 > cap) {
			char *grown = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!grown) {
				n = -1;
				errno = ENOMEM;
				break;
			}
			buf = grown;
		}
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	bpf_link__destroy(link);
	if (n < 0) {
		snprintf(err, errlen, "reading the task iterator failed: %s", strerror(errno));
		free(buf);
		return -1;
	}
	free(ns->pairs);
	ns->pairs = (struct fst_pid_pair *)buf;
	ns->count = have / sizeof(*ns->pairs);
	if (ns->count)
		ns->level = ns->pairs[0].level;
	return 0;
}

uint32_t pidns_host_pid(const struct pidns *ns, pid_t ns_pid)
{
	if (pidns_is_host(ns))
		return (uint32_t)ns_pid;
	for (size_t i = 0; i < ns->count; i++)
		if (ns->pairs[i].ns_tgid == (uint32_t)ns_pid)
			return ns->pairs[i].host_tgid;
	return 0;
}

void pidns_free(struct pidns *ns)
{
	free(ns->pairs);
	ns->pairs = NULL;
	ns->count = 0;
}

static bool proc_is_host = true;

void pidns_set_proc(const struct pidns *ns, uint32_t self_host_pid)
{
	char self[32];
	ssize_t n;

	proc_is_host = true;
	if (pidns_is_host(ns))
		return;
	/* /proc/self names fstrace by the pid of the namespace /proc was mounted for. */
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		proc_is_host = strtoul(self, NULL, 10) == self_host_pid && self_host_pid != (uint32_t)getpid();
		return;
	}
	proc_is_host = false;
}

uint32_t pidns_proc_pid(const struct record *r)
{
	return proc_is_host || !r->has_vpid ? r->pid : r->vpid;
}
