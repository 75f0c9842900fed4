// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The skeleton's lifecycle in one order: privileges -> kernel types -> open -> rodata -> load ->
 * attach, and back out of everything on the first error.
 *
 * Every program is a raw tracepoint: on some kernels (this project's CI VM among them) fentry is
 * refused and kprobes are not built in, while raw tracepoints (4.17) and ring buffers (5.8) work
 * on every kernel fstrace supports (5.10 and later, two paths: load/compat.h). A raw tracepoint needs
 * no BTF to load and is cheap to detach. The syscall-exit one is BTF-typed (tp_btf) where the
 * kernel's BTF names it (typed_tp.c), else plain.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "fstrace.h" /* before the skeleton: its rodata holds fst_syscall_layout */
#include "fstrace.skel.h"
#include "load/attach.h"
#include "load/core_btf.h"
#include "load/fentry_probe.h"
#include "load/load_log.h"
#include "host/pidns.h"
#include "load/syscalls.h"
#include "load/typed_tp.h"
#include "lib/util.h"

static void set_mode(struct tracer *t, const char *hook, const char *fmt, ...)
{
	struct hook_mode *m = &t->modes[t->mode_count++];
	va_list ap;

	m->hook = hook;
	va_start(ap, fmt);
	vsnprintf(m->mode, sizeof(m->mode), fmt, ap);
	va_end(ap);
}

static int keep_link(struct tracer *t, struct bpf_link *link)
{
	if (t->link_count == t->link_cap) {
		int cap = t->link_cap ? t->link_cap * 2 : 128;
		struct bpf_link **links = realloc(t->links, cap * sizeof(*links));

		if (!links)
			return -ENOMEM;
		t->links = links;
		t->link_cap = cap;
	}
	t->links[t->link_count++] = link;
	return 0;
}

/* Attaches one program by its section and keeps the link for tracer_detach. */
static int attach_one(struct tracer *t, struct bpf_program *prog, char *err, size_t errlen)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link || keep_link(t, link)) {
		int e = errno;

		bpf_link__destroy(link);
		snprintf(err, errlen, "attaching %s failed: %s", bpf_program__name(prog), strerror(e));
		return -1;
	}
	return 0;
}

/* Hooks every run needs: a failure to attach is fatal. */
static int attach_required(struct tracer *t, const char *hook, struct bpf_program **progs, int count, char *err,
			   size_t errlen)
{
	for (int i = 0; i < count; i++)
		if (attach_one(t, progs[i], err, errlen))
			return -1;
	set_mode(t, hook, "raw_tp");
	return 0;
}

/* A hook whose tracepoint may be missing (ext4 a module not loaded yet): then it is off, said so. */
static int attach_optional(struct tracer *t, const char *hook, struct bpf_program *prog, const char *tp)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link) {
		set_mode(t, hook, "unavailable (no %s tracepoint)", tp);
		return 0;
	}
	if (keep_link(t, link)) {
		bpf_link__destroy(link);
		return -1;
	}
	set_mode(t, hook, "raw_tp");
	return 0;
}

/* The syscall-exit program that was loaded: typed, or plain and why. */
static int attach_syscalls(struct tracer *t, char *err, size_t errlen)
{
	struct bpf_link *link;

	if (!t->typed_sys_exit) {
		if (attach_one(t, t->skel->progs.fst_sys_exit, err, errlen))
			return -1;
		set_mode(t, "syscalls", "raw_tp (tp_btf: %s)", t->typed_why);
		return 0;
	}
	link = typed_tp_attach(t->skel->progs.fst_sys_exit_typed);
	if (!link || keep_link(t, link)) {
		int e = errno;

		bpf_link__destroy(link);
		snprintf(err, errlen, "attaching fst_sys_exit_typed failed: %s", strerror(e));
		return -1;
	}
	set_mode(t, "syscalls", "tp_btf");
	return 0;
}

static int attach_all(struct tracer *t, char *err, size_t errlen)
{
	struct fstrace_bpf *skel = t->skel;
	struct bpf_program *proc[] = { skel->progs.fst_fork, skel->progs.fst_exec, skel->progs.fst_exit };

	if (attach_required(t, "proc", proc, 3, err, errlen) || attach_syscalls(t, err, errlen))
		return -1;
	if (attach_optional(t, "ext4_error", skel->progs.fst_ext4_error, "ext4:ext4_error") ||
	    attach_optional(t, "kmsg", skel->progs.fst_console, "printk:console") ||
	    attach_optional(t, "block_error", skel->progs.fst_block_rq_error, "block:block_rq_error")) {
		snprintf(err, errlen, "attaching: out of memory");
		return -1;
	}
	return 0;
}

/* The fentry programs that note removed inodes (bpf/victims.bpf.h): rmdir's on vfs_rmdir, or on
 * its LSM hook where the kernel's BTF has no vfs_rmdir. */
#define VICTIM_PROGS 3
static void victim_progs(struct fstrace_bpf *skel, const struct kernel_features *f,
			 struct bpf_program *progs[VICTIM_PROGS])
{
	progs[0] = skel->progs.fst_vfs_unlink;
	progs[1] = f->vfs_rmdir ? skel->progs.fst_vfs_rmdir : skel->progs.fst_security_rmdir;
	progs[2] = skel->progs.fst_vfs_rename;
}

static void note_verified(void *ctx, const char *prog, unsigned int insns)
{
	struct tracer *t = ctx;

	if (!t)
		return;
	for (int i = 0; i < t->verified_count; i++)
		if (!strcmp(t->verified[i].prog, prog)) {
			t->verified[i].insns = insns;
			return;
		}
	if (t->verified_count < TRACER_MAX_VERIFIED) {
		snprintf(t->verified[t->verified_count].prog, sizeof(t->verified[0].prog), "%s", prog);
		t->verified[t->verified_count++].insns = insns;
	}
}

static void configure(struct fstrace_bpf *skel, const struct tracer_options *o, const struct pidns *ns,
		      const struct kernel_features *f, bool victims, bool typed, bool compat)
{
	struct fstrace_bpf__rodata *ro = skel->rodata;
	struct bpf_program *fentry[VICTIM_PROGS];

	bpf_program__set_autoload(skel->progs.fst_sys_exit_typed, typed);
	bpf_program__set_autoload(skel->progs.fst_sys_exit, !typed);
	/* With -v, the verifier's statistics of the program every syscall runs (its instruction
	 * count; bpf_prog_info has it only since 5.16). Statistics only: a full log would be large. */
	if (load_log.verbose)
		bpf_program__set_log_level(typed ? skel->progs.fst_sys_exit_typed : skel->progs.fst_sys_exit, 4);

	/* fentry programs only where the kernel takes them: else libbpf would parse its whole BTF to
	 * name their targets, and the load would fail. */
	bpf_program__set_autoload(skel->progs.fst_vfs_rmdir, false);
	bpf_program__set_autoload(skel->progs.fst_security_rmdir, false);
	victim_progs(skel, f, fentry);
	for (int i = 0; i < VICTIM_PROGS; i++)
		bpf_program__set_autoload(fentry[i], victims);
	/* Allocating at run time only where the kernel's BPF allocator makes that safe (maps.bpf.h). */
	if (!f->mem_alloc) {
		bpf_map__set_map_flags(skel->maps.traced,
				       bpf_map__map_flags(skel->maps.traced) & ~BPF_F_NO_PREALLOC);
		bpf_map__set_map_flags(skel->maps.held0,
				       bpf_map__map_flags(skel->maps.held0) & ~BPF_F_NO_PREALLOC);
		bpf_map__set_map_flags(skel->maps.held1,
				       bpf_map__map_flags(skel->maps.held1) & ~BPF_F_NO_PREALLOC);
		bpf_map__set_map_flags(skel->maps.repeats0,
				       bpf_map__map_flags(skel->maps.repeats0) & ~BPF_F_NO_PREALLOC);
		bpf_map__set_map_flags(skel->maps.repeats1,
				       bpf_map__map_flags(skel->maps.repeats1) & ~BPF_F_NO_PREALLOC);
	}
	ro->targ_victims = victims;
	if (!victims) /* unused then: not worth 4096 preallocated entries at every start */
		bpf_map__set_max_entries(skel->maps.victims, 1);

	/* In a pid namespace the task iterator finds the host pids; on the host it is not loaded. */
	bpf_program__set_autoload(skel->progs.fst_pidns_iter, !pidns_is_host(ns));
	ro->targ_pidns_ino = pidns_is_host(ns) ? 0 : ns->ino;
	ro->targ_use_traced = o->use_traced;
	ro->targ_cgroup_id = o->cgroup_id;
	ro->targ_cgroup_level = o->cgroup_level;
	if (o->comm) {
		ro->targ_use_comm = true;
		strncpy((char *)ro->targ_comm, o->comm, sizeof(ro->targ_comm) - 1);
	}
	for (int i = 0; i < traced_syscall_count; i++) {
		int nr = traced_syscalls[i].nr;

		if (nr >= 0 && nr < FST_SYSCALL_SLOTS)
			ro->layouts[nr] = traced_syscalls[i].layout;
	}
	bpf_map__set_max_entries(skel->maps.events, o->ringbuf_bytes);
	/* An eighth of the ring: woken well before it fills, seldom for a trickle. */
	ro->targ_wakeup_bytes = o->ringbuf_bytes / 8;
	/* Half full: the collector is falling behind; misses fold by process (repeats.bpf.h). */
	ro->targ_pressure_bytes = o->ringbuf_bytes / 2;
	/* Repeats are folded under a seeded hash of their path: random, so no path can be chosen to
	 * collide with another and hide its failures (bpf/repeats.bpf.h). */
	ro->targ_repeats = true;
	/* Removals wait in the kernel for a failure that needs them (bpf/held.bpf.h): the default
	 * object only (its name scan is a bpf_loop); elsewhere the tables take no room. */
	ro->targ_hold = !compat && !o->all_removals;
	if (!ro->targ_hold) {
		bpf_map__set_max_entries(skel->maps.held0, 1);
		bpf_map__set_max_entries(skel->maps.held1, 1);
		bpf_map__set_max_entries(skel->maps.missed_names, 1);
	}
	if (getrandom((void *)&ro->targ_repeat_seed, sizeof(ro->targ_repeat_seed), GRND_NONBLOCK) !=
	    sizeof(ro->targ_repeat_seed))
		ro->targ_repeat_seed =
			(uint64_t)(monotonic_seconds() * 1e9) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
}

/* The object's own BTF, when the extract of the kernel's must be built: from a throwaway open. */
static struct btf *open_local_btf(void *ctx)
{
	struct fstrace_bpf **scratch = ctx;

	*scratch = fstrace_bpf__open();
	return *scratch ? bpf_object__btf((*scratch)->obj) : NULL;
}

static struct btf *open_local_compat_btf(void *ctx)
{
	struct fstrace_bpf **scratch = ctx;

	*scratch = compat_open(NULL);
	return *scratch ? bpf_object__btf((*scratch)->obj) : NULL;
}

/* The extract for the object t->compat names (each object has its own, and its own facts). */
static int prepare_core_btf(struct tracer *t, const struct tracer_options *o, char *err, size_t errlen)
{
	struct fstrace_bpf *scratch = NULL;
	size_t obj_size;
	const void *obj = t->compat ? compat_elf_bytes(&obj_size) : fstrace_bpf__elf_bytes(&obj_size);
	int ret;

	if (t->core_btf.path[0]) {
		core_btf_release(&t->core_btf);
		memset(&t->core_btf, 0, sizeof(t->core_btf));
		t->core_btf.memfd = -1;
	}
	ret = core_btf_prepare(&t->core_btf, o->btf_path, obj, obj_size,
			       t->compat ? open_local_compat_btf : open_local_btf, &scratch, err, errlen);
	fstrace_bpf__destroy(scratch);
	return ret;
}

/* Opens and loads the object, the default or the compatible one (t->compat); 0, or the negative
 * error of the load. */
static int open_and_load(struct tracer *t, const struct tracer_options *o, bool victims, bool typed)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = t->core_btf.path);

	fstrace_bpf__destroy(t->skel);
	t->skel = t->compat ? compat_open(&open_opts) : fstrace_bpf__open_opts(&open_opts);
	if (!t->skel)
		return -errno;
	configure(t->skel, o, &t->pidns, &t->features, victims, typed, t->compat);
	load_log.prog[0] = load_log.reason[0] = '\0';
	return fstrace_bpf__load(t->skel);
}

/* The removed inodes by fentry where the kernel allows it; the rest never depends on it. */
static int attach_victims(struct tracer *t, bool victims, const char *why)
{
	struct bpf_program *progs[VICTIM_PROGS];
	int first = t->link_count;

	victim_progs(t->skel, &t->features, progs);
	for (int i = 0; victims && i < VICTIM_PROGS; i++) {
		struct bpf_link *link = bpf_program__attach(progs[i]);

		if (!link || keep_link(t, link)) {
			int e = errno;

			bpf_link__destroy(link);
			while (t->link_count >
			       first) /* all three or none: a rename's inode without an unlink's misleads */
				bpf_link__destroy(t->links[--t->link_count]);
			set_mode(t, "removed_ino", "unavailable (fentry attach: %s)", strerror(e));
			return 0;
		}
	}
	if (victims)
		set_mode(t, "removed_ino", "fentry%s",
			 t->features.vfs_rmdir ? "" : " (rmdir: security_inode_rmdir)");
	else
		set_mode(t, "removed_ino", "unavailable (fentry: %s)", why);
	return 0;
}

/* Inside a pid namespace the programs cannot know run's command or record --pid's process without
 * the task iterator: no iterator, no start, said in one line. */
static int start_in_pidns(struct tracer *t, const struct tracer_options *o, char *err, size_t errlen)
{
	char why[160] = "";
	int id = pidns_iter_id(&t->core_btf, o->btf_path != NULL, why, sizeof(why));

	if (id > 0 && pidns_iter_register(id) == 0)
		return 0;
	snprintf(err, errlen,
		 "fstrace runs in a pid namespace (a container) and cannot map its pids to the "
		 "host's: %s",
		 id > 0 ? "no section handler" : why);
	return -1;
}

/*
 * The host tgids the programs need before they attach: fstrace's own (never traced) and, in a
 * pid namespace, those of every process there, for run's command and record --pid. After load,
 * since the iterator is one of the loaded programs; before attach, so no event precedes them.
 */
static int learn_host_pids(struct tracer *t, char *err, size_t errlen)
{
	uint32_t self;

	if (!pidns_is_host(&t->pidns) && pidns_list(&t->pidns, t->skel->progs.fst_pidns_iter, err, errlen))
		return -1;
	if (!(self = pidns_host_pid(&t->pidns, getpid()))) {
		snprintf(err, errlen,
			 "fstrace's own process is not in the task iterator's list of its pid namespace");
		return -1;
	}
	t->skel->bss->self_tgid = self;
	t->skel->bss->pidns_level = t->pidns.level;
	pidns_set_proc(&t->pidns, self);
	/* Said only inside one: a host recording's header stays as it was. */
	if (!pidns_is_host(&t->pidns))
		set_mode(t, "pidns", "level %u, inode %u (host pids from the task iterator)", t->pidns.level,
			 t->pidns.ino);
	return 0;
}

/* Whether the compatible object is the one to load, and why (load/compat.h). */
static bool choose_compat(struct tracer *t, const struct tracer_options *o)
{
	const char *env = getenv("FSTRACE_COMPAT");
	const char *why = NULL;

	if (o->compat)
		why = "forced by --compat";
	else if (env && !strcmp(env, "1"))
		why = "forced by FSTRACE_COMPAT=1";
	else if (!t->features.bpf_loop)
		why = "no bpf_loop: Linux 5.17";
	else if (o->cgroup_id && !t->features.ancestor_cgroup)
		why = "no ancestor cgroup helper in tracing programs: Linux 5.14";
	if (why)
		snprintf(t->compat_why, sizeof(t->compat_why), "%s", why);
	return why != NULL;
}

/*
 * Loads the object t->compat names with the best the probes allowed, stepping down only on a
 * refusal, each step for a reason of its own: the typed syscall-exit program (only faster), then
 * the fentry programs. 0, or the load's negative error.
 */
static int load_object(struct tracer *t, const struct tracer_options *o, bool *victims, char *why, size_t whylen)
{
	bool typed = t->typed_sys_exit;
	int ret = open_and_load(t, o, *victims, typed);

	if (ret && typed) { /* the typed program is only faster: the plain one will do */
		int refused = -ret;

		ret = open_and_load(t, o, *victims, false);
		if (!ret) {
			t->typed_sys_exit = false;
			snprintf(t->typed_why, sizeof(t->typed_why), "refused: %s", strerror(refused));
			typed_tp_refused(&t->core_btf, refused);
		}
	}
	if (ret && *victims) { /* the probe passed but ours did not load: go on without them */
		ret = open_and_load(t, o, false, typed && t->typed_sys_exit);
		if (!ret) {
			snprintf(why, whylen, "ours refused: %s", strerror(-ret));
			*victims = false;
		}
	}
	return ret;
}

/* With -v: the kernel's own count for the programs whose log gave none (5.16 and later). */
static void note_verified_insns(struct tracer *t)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, t->skel->obj)
	{
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);
		bool known = false;

		if (fd < 0)
			continue;
		for (int i = 0; i < t->verified_count; i++)
			known |= !strcmp(t->verified[i].prog, bpf_program__name(prog));
		if (!known && !bpf_obj_get_info_by_fd(fd, &info, &len))
			note_verified(t, bpf_program__name(prog), info.verified_insns);
	}
}

/* What the hooks share: which object, its directory walk, the traced map, the cgroup filter. */
static void set_path_modes(struct tracer *t, const struct tracer_options *o)
{
	if (t->compat)
		set_mode(t, "path", "compatible (%s)", t->compat_why);
	else
		set_mode(t, "path", "default");
	set_mode(t, "dirwalk", t->compat ? "unrolled" : "bpf_loop");
	set_mode(t, "traced_map",
		 t->features.mem_alloc ? "no_prealloc" : "preallocated (no bpf_mem_alloc: Linux 6.1)");
	set_mode(t, "cgroup_filter", "%s%s", t->compat ? "cgroup ancestors read" : "ancestor helper",
		 o->cgroup_id ? "" : ", no filter");
	if (t->skel->rodata->targ_hold)
		set_mode(t, "removals", "held (sent when a failure needs them)");
	else
		set_mode(t, "removals", "all (%s)", o->all_removals ? "--all-removals" : "compatible path");
}

int tracer_start(struct tracer *t, const struct tracer_options *o, char *err, size_t errlen)
{
	double started = monotonic_seconds();
	char why[128] = "", refused[300] = "";
	bool victims, tried_default = false;
	int ret, typed_id;

	memset(t, 0, sizeof(*t));
	t->core_btf.memfd = -1;
	load_log.verbose = o->verbose;
	load_log.on_verified = note_verified;
	load_log.ctx = t;
	libbpf_set_print(load_log_print);
	if (check_privileges(err, errlen))
		return -1;
	if (prepare_core_btf(t, o, err, errlen)) {
		/* A kernel too old for any fstrace says so first: BTF would not be enough there. */
		kernel_basics_check(err, errlen);
		goto fail;
	}
	if (kernel_features_get(&t->core_btf, &t->features, err, errlen) ||
	    (o->btf_path && btf_check_kernel(&t->core_btf, o->btf_path, err, errlen)))
		goto fail;
	if (pidns_detect(&t->pidns)) {
		snprintf(err, errlen, "cannot read /proc/self/ns/pid: %s", strerror(errno));
		goto fail;
	}
	if ((t->compat = choose_compat(t, o)) && prepare_core_btf(t, o, err, errlen))
		goto fail;
again:
	victims = fentry_usable(&t->core_btf, o->btf_path != NULL, why, sizeof(why));
	typed_id = typed_tp_sys_exit_id(&t->core_btf, o->btf_path != NULL, t->typed_why, sizeof(t->typed_why));
	if (!pidns_is_host(&t->pidns) && start_in_pidns(t, o, err, errlen))
		goto fail;
	core_btf_drop_kernel(&t->core_btf); /* the facts are in: ~20 MB less for the rest of the run */
	t->typed_sys_exit = typed_id > 0 && typed_tp_register(typed_id) == 0;
	if (typed_id > 0 && !t->typed_sys_exit)
		snprintf(t->typed_why, sizeof(t->typed_why), "no section handler");
	ret = load_object(t, o, &victims, why, sizeof(why));
	if (ret && !t->compat) {
		/* The probes said the default object would do and the verifier disagreed: the
		 * compatible one, once, with the reason under -v. */
		snprintf(refused, sizeof(refused), "%s%s%s", load_log.prog, load_log.prog[0] ? ": " : "",
			 load_log.reason[0] ? load_log.reason : strerror(-ret));
		if (o->verbose)
			fprintf(stderr,
				"fstrace: the default programs were refused (%s); loading the compatible ones\n",
				refused);
		snprintf(t->compat_why, sizeof(t->compat_why), "the default refused: %.120s", refused);
		t->compat = tried_default = true;
		if (prepare_core_btf(t, o, err, errlen))
			goto fail;
		goto again;
	}
	if (ret) {
		if (!t->skel)
			snprintf(err, errlen, "opening the BPF programs failed: %s", strerror(-ret));
		else
			snprintf(err, errlen,
				 "the kernel's verifier refused %s: %s%s%s (run with -v for the verifier log)",
				 tried_default ? "both the default and the compatible programs"
				 : t->compat   ? "the compatible programs"
					       : "the programs",
				 load_log.prog[0] ? load_log.prog : "", load_log.prog[0] ? ": " : "",
				 load_log.reason[0] ? load_log.reason : strerror(-ret));
		goto fail;
	}
	if (o->verbose)
		note_verified_insns(t);
	if (learn_host_pids(t, err, errlen))
		goto fail;
	if (o->seed_pid && tracer_trace_pid(t, o->seed_pid)) {
		snprintf(err, errlen, "cannot trace pid %d: %s", o->seed_pid, strerror(errno));
		goto fail;
	}
	if (attach_all(t, err, errlen) || attach_victims(t, victims, why))
		goto fail;
	set_path_modes(t, o);
	t->attach_seconds = monotonic_seconds() - started;
	load_log.ctx = NULL;
	return 0;
fail:
	load_log.ctx = NULL;
	tracer_stop(t);
	return -1;
}

int tracer_trace_pid(struct tracer *t, pid_t pid)
{
	__u32 key = tracer_host_pid(t, pid);
	__u8 one = 1;

	if (!key) {
		errno = ESRCH;
		return -1;
	}
	return bpf_map__update_elem(t->skel->maps.traced, &key, sizeof(key), &one, sizeof(one), BPF_ANY);
}

uint32_t tracer_host_pid(const struct tracer *t, pid_t pid)
{
	return pidns_host_pid(&t->pidns, pid);
}

void tracer_detach(struct tracer *t)
{
	for (int i = 0; i < t->link_count; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	t->links = NULL;
	t->link_count = t->link_cap = 0;
}

void tracer_stop(struct tracer *t)
{
	tracer_detach(t);
	fstrace_bpf__destroy(t->skel);
	t->skel = NULL;
	core_btf_release(&t->core_btf);
	pidns_free(&t->pidns);
}
