// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * What the collector reads from the loaded programs' maps and globals: the ring buffer, the
 * events lost when it was full, the repeats counted in the kernel and the removals held there.
 */
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "fstrace.h" /* before the skeleton: its rodata holds fst_syscall_layout */
#include "fstrace.skel.h"
#include "load/attach.h"

uint64_t tracer_lost(const struct tracer *t, uint64_t by_type[TRACER_LOST_TYPES])
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t total = 0;

	if (by_type)
		memset(by_type, 0, sizeof(uint64_t) * TRACER_LOST_TYPES);
	if (!t->skel || ncpus <= 0)
		return 0;
	uint64_t values[ncpus];
	for (__u32 type = 0; type < TRACER_LOST_TYPES; type++) {
		if (bpf_map__lookup_elem(t->skel->maps.lost, &type, sizeof(type), values,
					 sizeof(values[0]) * ncpus, 0))
			continue;
		for (int i = 0; i < ncpus; i++) {
			total += values[i];
			if (by_type)
				by_type[type] += values[i];
		}
	}
	return total;
}

struct held_maps tracer_held_maps(const struct tracer *t)
{
	bool on = t->skel->rodata->targ_hold;

	return (struct held_maps){ .fd = { on ? bpf_map__fd(t->skel->maps.held0) : -1,
					   on ? bpf_map__fd(t->skel->maps.held1) : -1 },
				   .gen = &t->skel->bss->held_gen,
				   .count = (volatile int64_t *)t->skel->bss->held_count };
}

struct repeat_maps tracer_repeat_maps(const struct tracer *t)
{
	return (struct repeat_maps){ .fd = { bpf_map__fd(t->skel->maps.repeats0),
					     bpf_map__fd(t->skel->maps.repeats1) },
				     .gen = &t->skel->bss->repeat_gen,
				     .path_keys = (volatile uint64_t *)t->skel->bss->repeat_path_keys };
}

int tracer_ringbuf_fd(const struct tracer *t)
{
	return bpf_map__fd(t->skel->maps.events);
}
