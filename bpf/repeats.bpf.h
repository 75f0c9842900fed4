/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A failure repeated by the same process (a retry loop, a poll for a file that never comes) is
 * counted here instead of sent again: a loop failing a million times a second would otherwise
 * fill the ring buffer, lose the failures that matter, and bury the analysis.
 *
 * Key: tgid, syscall, errno, and a seeded 64-bit hash of the path argument as the process passed
 * it (plus, for a relative path, the identity of its base directory: "x" from two cwds is two
 * files). Only FST_EV_SYSCALL failures with one path are folded; mounts, removals, renames, ext4
 * errors, kernel messages and the process tree go out one by one, as the diagnosis needs each.
 *
 * The first failure of a key goes out at once as today, its event naming the key; repeats only
 * bump the entry's count. The maps come in two generations: every second or so the collector
 * flips repeat_gen, waits out the programs still using the old map (an RCU grace period), then
 * reads and empties it, turning each count into one record (user/collect/repeats.c). That is why the
 * window is the collector's tick and not a time kept here: a map that only the programs write
 * while it is live, and only the collector once it is not, is counted exactly without the
 * atomic exchange or compare-and-swap that 5.10 lacks (BPF_XCHG/BPF_CMPXCHG came in 5.12); an
 * LRU map would evict keys with counts not yet read, silently.
 *
 * A hash collision (two paths of one process, call and errno with the same 64 bits) would count
 * the second path's failures under the first's record: the total stays exact, the attribution
 * not. With at most FST_REPEAT_SLOTS (2048) keys per generation and 61 bits of hash, that is
 * about 2^-40 per generation, and the seed (random at every start) keeps a path from being
 * chosen to hide another.
 */
#ifndef FSTRACE_REPEATS_BPF_H
#define FSTRACE_REPEATS_BPF_H

const volatile bool targ_repeats = false;  /* set by userspace: fold repeats */
const volatile __u64 targ_repeat_seed = 0; /* random per start */
/* Which map the programs fill, flipped by the collector through the skeleton's .bss. */
__u32 repeat_gen = 0;
/* Path keys opened in each generation, zeroed by the collector once it emptied that map: a
 * storm of distinct paths would fill the map with keys that never repeat, and the directory
 * keys that sum such a storm up (repeat_fold_calls) need the last quarter. */
__u64 repeat_path_keys[2] = {};
#define REPEAT_PATH_KEYS (FST_REPEAT_SLOTS * 3 / 4)

/* Allocated as keys come where the kernel's BPF allocator makes that safe from a tracing
 * program (bpf_mem_alloc, 6.1; userspace preallocates elsewhere, see maps.bpf.h): two
 * preallocated tables cost every start 1-2 ms for a fold most runs never make. Full (or an
 * allocation refused) means the next new failures are sent one by one, never that a count is
 * dropped. */
struct repeat_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FST_REPEAT_SLOTS);
	__type(key, struct fst_repeat_key);
	__type(value, struct fst_repeat_val);
};
struct repeat_map repeats0 SEC(".maps");
struct repeat_map repeats1 SEC(".maps");

#define REPEAT_MUL 0x9e3779b97f4a7c15ull

struct repeat_scan {
	struct fst_event *e;
	__u32 at, end; /* offsets in the scratch buffer: the path's bytes are [at, end) */
	__u64 h;
};

/* Eight bytes into the hash; 1 (stop) past the end. */
static __always_inline long repeat_hash_step(struct repeat_scan *s)
{
	__u64 w;

	if (s->at >= s->end)
		return 1;
	w = *(__u64 *)SCRATCH_AT(s->e, s->at);
	if (s->end - s->at < 8) /* what follows the NUL is an older event's bytes */
		w &= (1ull << ((s->end - s->at) * 8)) - 1;
	s->h = (s->h ^ w) * REPEAT_MUL;
	s->h ^= s->h >> 29;
	s->at += 8;
	return 0;
}

#if !FST_COMPAT
/* A bpf_loop callback, checked once: the bounded loop below has the verifier walk all
 * FST_PATH_MAX / 8 steps, 8k of the 28k instructions of sys_exit's check at every start. The
 * offsets start from the caller's off, unknown to the verifier: from a constant 0 it would track
 * them exactly and check every step apart again. */
static long repeat_hash_cb(__u32 i, void *data)
{
	return repeat_hash_step(data);
}
#endif

/* The path's bytes (its NUL included), eight at a time, from the scratch buffer at OFF.
 * Global: the verifier walks its loop once, not once per caller. */
__noinline __u64 repeat_hash(__u32 off, __u32 len)
{
	struct repeat_scan s = { .e = scratch_event(), .at = off, .end = off + len };

	if (!s.e || off >= FST_SCRATCH_LIMIT || len > FST_PATH_MAX)
		return 0;
	s.h = targ_repeat_seed ^ ((__u64)len * REPEAT_MUL);
#if FST_COMPAT
	for (__u32 i = 0; i < FST_PATH_MAX / 8; i++)
		if (repeat_hash_step(&s))
			break;
#else
	bpf_loop(FST_PATH_MAX / 8, repeat_hash_cb, &s, 0);
#endif
	return s.h ^ (s.h >> 32);
}

/* Which directory a relative path starts from, as an identity (not a name): the cwd's or the
 * dirfd's dentry and mount. 0 for a dirfd that is not open (the call's own EBADF). */
__noinline __u64 repeat_dir_id(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *file;

	if (fd == AT_FDCWD)
		return (__u64)BPF_CORE_READ(task, fs, pwd.dentry) * REPEAT_MUL ^
		       (__u64)BPF_CORE_READ(task, fs, pwd.mnt);
	if (!(file = dirfd_file(task, fd)))
		return 0;
	return (__u64)BPF_CORE_READ(file, f_path.dentry) * REPEAT_MUL ^ (__u64)BPF_CORE_READ(file, f_path.mnt);
}

#define REPEAT_FOLDED 1

/* The key's low bits: 0 the map's generation, 1 always set (a key never reads as 0 or
 * REPEAT_FOLDED), 2 for a key of a process's misses under load (FST_REPEAT_CALLS) rather than
 * of a path. */
static __always_inline __u64 repeat_key_hash(__u64 h, __u64 kind, __u32 gen)
{
	return (h & ~7ull) | kind | 2 | gen;
}

/* Counts the failure under k (its hash set but for the generation bits): REPEAT_FOLDED, the
 * key the event must carry, or 0 (see repeat_fold). Global: verified once for both callers.
 * The compatible object passes the key's fields as scalars: before 5.12 a global function takes
 * no pointer (commit e5069b9c23b3, "bpf: Support pointers in global func args"). */
#if FST_COMPAT
__noinline __u64 repeat_count_fields(__u64 hash, __u32 tgid, __u32 nr, __s32 err, __u64 kind)
{
	struct fst_repeat_val fresh = {}, *v;
	struct fst_repeat_key k = { .hash = hash, .tgid = tgid, .nr = nr, .err = err };
	__u32 gen = repeat_gen & 1;
	__u64 now;
#define repeat_count(kp, kind) repeat_count_fields((kp)->hash, (kp)->tgid, (kp)->nr, (kp)->err, kind)
#else
__noinline __u64 repeat_count(struct fst_repeat_key *kp, __u64 kind)
{
	struct fst_repeat_val fresh = {}, *v;
	struct fst_repeat_key k;
	__u32 gen = repeat_gen & 1;
	__u64 now;

	if (!kp)
		return 0;
	k = *kp;
#endif
	k.hash = repeat_key_hash(k.hash, kind, gen);
	v = gen ? bpf_map_lookup_elem(&repeats1, &k) : bpf_map_lookup_elem(&repeats0, &k);
	if (v) {
		now = bpf_ktime_get_boot_ns();
		__sync_fetch_and_add(&v->count, 1); /* BPF_XADD: threads of one process may race */
		if (!v->first_ns)
			v->first_ns = now;
		v->last_ns = now;
		return REPEAT_FOLDED;
	}
	if (!kind && repeat_path_keys[gen] >= REPEAT_PATH_KEYS)
		return 0;
	if ((gen ? bpf_map_update_elem(&repeats1, &k, &fresh, BPF_NOEXIST)
		 : bpf_map_update_elem(&repeats0, &k, &fresh, BPF_NOEXIST)))
		return 0;
	if (!kind)
		__sync_fetch_and_add(&repeat_path_keys[gen], 1);
	return k.hash;
}

/*
 * A failing call whose path (LEN bytes at OFF in the scratch buffer, relative to DIRFD unless it
 * starts with '/') was just read: REPEAT_FOLDED
 * when it was counted as a repeat (send nothing), else the key its event carries (its repeats
 * will be counted under it), or 0 (not counted: the map is full, or another CPU opened the same
 * key at the same moment; the event then stands for itself alone).
 */
__noinline __u64 repeat_fold(__u32 off, __u32 len, int dirfd, __u32 nr, long ret)
{
	struct fst_event *e = scratch_event();
	struct fst_repeat_key k = {};
	char first;

	if (!targ_repeats || !e || !len || off >= FST_SCRATCH_LIMIT)
		return 0;
	k.hash = repeat_hash(off, len);
	first = *SCRATCH_AT(e, off);
	if (first != '/' && first != '\0') /* relative: to the cwd or to dirfd */
		k.hash ^= repeat_dir_id(dirfd);
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	k.nr = nr;
	k.err = -ret;
	return repeat_count(&k, 0);
}

/*
 * Under load (the ring half full: the collector is falling behind), a miss is counted by process,
 * call and errno alone, its path not kept, so that a process failing on distinct paths as fast
 * as it can (a header search, a storm) is summed up instead of lost. Only misses (ENOENT,
 * ENOTDIR): any other failure still goes out path by path. The event that opens such a key goes
 * out whole; the report counts the rest as misses folded under load. (By directory was tried
 * first: a storm over a thousand directories needs more keys than a generation holds.)
 */
__noinline __u64 repeat_fold_calls(__u32 nr, long ret)
{
	struct fst_repeat_key k = {};

	if (!targ_repeats)
		return 0;
	k.tgid = bpf_get_current_pid_tgid() >> 32;
	k.nr = nr;
	k.err = -ret;
	return repeat_count(&k, FST_REPEAT_CALLS);
}

#endif
