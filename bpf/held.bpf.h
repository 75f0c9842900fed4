/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Removals and renames held in the kernel until a failure asks for them. Every unlink, rmdir and
 * rename on the machine is a candidate actor, but one matters only when a traced call then fails
 * on the path it took away: sending each one up cost `rm -rf` of 20k files +40% under `record`
 * and twice as much under `run`, nearly all of it in the collector. So a removal's event is built
 * as before, then kept here under a hash of the name it removed (its path's last component);
 * a traced failure with a vanished-path errno sends up every held removal whose name is one of
 * its path's components (the path itself or any ancestor), and the collector decides, as it did,
 * which of them explains it. Held removals no failure asked for are read back by the collector
 * when it empties a generation, and written as one summary per process and directory
 * (user/collect/held.c).
 *
 * Nothing is dropped here: a table that is full, a name already held (the older event is sent),
 * an event too big for a slot, or the removal of a name a traced call missed in the last 200 ms
 * (it may be the actor of a race it won by a hair: RACE_TRAIL_NS in user/diagnose/fs_rules.h)
 * goes out at once, as before. Two generations: the collector flips held_gen about every 30 s
 * (RACE_LOOKBACK_NS), and the kernel flips itself when its generation is full and the other
 * already emptied.
 *
 * The default object only: the name scan is a bpf_loop (5.17). The compatible one sends every
 * removal, as fstrace always did.
 */
#ifndef FSTRACE_HELD_BPF_H
#define FSTRACE_HELD_BPF_H

const volatile bool targ_hold = false; /* userspace: hold removals (the default object only) */
#define HELD_TRAIL_NS 200000000ull     /* RACE_TRAIL_NS: a removal this soon after a miss is sent */
#define HELD_EEXIST 17                 /* include/uapi/asm-generic/errno-base.h */

/* The generation removals go into; flipped by the collector, or here when it is full. */
__u32 held_gen = 0;
/* Held entries per generation (signed: a straggler may take one below 0 after a reset). */
__s64 held_count[2] = {};

/* The names in the paths traced calls failed on (vanished-path errnos), and when: a removal of
 * one of them within HELD_TRAIL_NS goes out at once. LRU: a name pushed out by newer misses was
 * missed long enough ago under any load fstrace keeps up with (it is 8192 names). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u64);
} missed_names SEC(".maps");

/* Allocated as used where the kernel has BPF's allocator (6.1), so a start does not fill 2 x 16384
 * slots it may never use; preallocated elsewhere (maps.bpf.h's traced map says why). */
struct held_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FST_HELD_SLOTS);
	__type(key, __u64);
	__type(value, struct fst_held);
};
struct held_map held0 SEC(".maps");
struct held_map held1 SEC(".maps");

#if !FST_COMPAT

/* Sends the event held under key in one generation's map, if any, and forgets it. Global, with
 * scalar arguments: checked once, not at each of its four callers. */
__noinline int held_send(__u32 gen, __u64 key)
{
	struct fst_held *v = gen ? bpf_map_lookup_elem(&held1, &key) : bpf_map_lookup_elem(&held0, &key);
	__u32 size, type;
	__u64 *count;

	if (!v)
		return 0;
	size = fst_event_size((struct fst_event *)v->event);
	type = ((struct fst_event *)v->event)->type & (FST_LOST_SLOTS - 1);
	if (size < FST_HELD_EVENT_MAX &&
	    bpf_ringbuf_output(&events, v->event, ASM_MASK(size, FST_HELD_EVENT_MAX - 1), 0)) {
		count = bpf_map_lookup_elem(&lost, &type);
		if (count)
			(*count)++;
	}
	if ((gen ? bpf_map_delete_elem(&held1, &key) : bpf_map_delete_elem(&held0, &key)) == 0)
		__sync_fetch_and_add(&held_count[gen & 1], -1);
	return 0;
}

struct name_scan {
	struct fst_event *e;
	__u32 at, end;
	__u64 h;
	__u32 in_name; /* 0 or 1, never a count: the verifier would then tell iterations apart */
	__u64 last;    /* the last whole component's hash */
	__u64 now;     /* a miss's time: its names are noted, and what is held under them sent */
};

static __always_inline void name_done(struct name_scan *s)
{
	if (s->in_name) {
		s->last = s->h | 1;
		if (s->now) {
			/* A name missed again (a storm's directories) has its time moved in place: an
			 * insert takes the LRU's lock with interrupts off, costly under virtualization. */
			__u64 *seen = bpf_map_lookup_elem(&missed_names, &s->last);

			if (seen)
				*seen = s->now;
			else
				bpf_map_update_elem(&missed_names, &s->last, &s->now, BPF_ANY);
			if (held_count[0] > 0)
				held_send(0, s->last);
			if (held_count[1] > 0)
				held_send(1, s->last);
		}
	}
	s->h = FST_HELD_NAME_SEED;
	s->in_name = 0;
}

/* One byte of the string: a bpf_loop callback, checked once by the verifier. */
static long name_scan_step(__u32 i, void *data)
{
	struct name_scan *s = data;
	char c;

	/* No bound on at but the mask below: a comparison with a constant makes the verifier track
	 * at exactly, and then check every one of the 4096 iterations apart. */
	if (s->at >= s->end)
		return 1;
	c = *((char *)s->e + ASM_MASK(s->at, FST_SCRATCH_SIZE - 1));
	s->at++;
	if (c == '/' || c == '\0') {
		name_done(s);
		return c == '\0';
	}
	s->h = (s->h ^ (__u8)c) * FST_HELD_NAME_MUL;
	s->in_name = 1;
	return 0;
}

/* Scans LEN bytes at OFF in the scratch event, component by component; the last one's hash.
 * With a miss's time NOW, each name is noted as missed and what is held under it sent. */
__noinline __u64 held_names(__u32 off, __u32 len, __u64 now)
{
	struct name_scan s = {
		.e = scratch_event(), .at = off, .end = off + len, .h = FST_HELD_NAME_SEED, .now = now
	};

	if (!s.e || off >= FST_SCRATCH_LIMIT || len > FST_DATA_MAX)
		return 0;
	bpf_loop(FST_DATA_MAX, name_scan_step, &s, 0);
	name_done(&s);
	return s.last;
}

/* Holds the event under key in one generation (a name held already there goes up first);
 * false when that generation is full. */
static __always_inline long held_insert(__u32 gen, __u64 key, struct fst_event *e)
{
	return gen ? bpf_map_update_elem(&held1, &key, e, BPF_NOEXIST)
		   : bpf_map_update_elem(&held0, &key, e, BPF_NOEXIST);
}

static __always_inline bool held_put(__u32 gen, __u64 key, struct fst_event *e)
{
	long err = held_insert(gen, key, e);

	if (err == -HELD_EEXIST) { /* tried first: a name held already is the rare case */
		held_send(gen, key);
		err = held_insert(gen, key, e);
	}
	if (err)
		return false;
	__sync_fetch_and_add(&held_count[gen & 1], 1);
	return true;
}

/*
 * A removal's event, built in the scratch buffer (SIZE bytes, its removed path LEN bytes at OFF):
 * 1 when it is held, 0 when it must be sent now.
 */
static __always_inline int held_keep(struct fst_event *e, __u32 size, __u32 off, __u32 len)
{
	__u32 gen = held_gen & 1;
	__u64 key, *missed;

	if (!targ_hold || size >= FST_HELD_EVENT_MAX || !(key = held_names(off, len, 0)))
		return 0;
	if ((missed = bpf_map_lookup_elem(&missed_names, &key)) && e->ts_ns < *missed + HELD_TRAIL_NS)
		return 0;
	if (held_put(gen, key, e))
		return 1;
	/* Full: the other generation, if the collector has emptied it. */
	if (held_count[gen ^ 1] <= 0) {
		held_gen = gen ^ 1;
		if (held_put(gen ^ 1, key, e))
			return 1;
	}
	return 0; /* both full: sent now */
}

/* A traced call failed on a vanished path: its event, just sent, is still in the scratch buffer.
 * What is held under any name of its path, or of the directory it was taken from, goes up. */
__noinline int held_miss(void)
{
	struct fst_event *e = scratch_event();
	__u32 path_len, dir_at, dir_len;

	if (!targ_hold || !e)
		return 0;
	path_len = e->str_len[FST_STR_PATH];
	dir_at = sizeof(*e) + path_len + e->str_len[FST_STR_PATH2];
	dir_len = e->str_len[FST_STR_DIR];
	held_names(sizeof(*e), path_len, e->ts_ns);
	if (dir_len)
		held_names(dir_at, dir_len, e->ts_ns);
	return 0;
}

#else /* FST_COMPAT */

static __always_inline int held_keep(struct fst_event *e, __u32 size, __u32 off, __u32 len)
{
	return 0;
}

static __always_inline int held_miss(void)
{
	return 0;
}

#endif

#endif
