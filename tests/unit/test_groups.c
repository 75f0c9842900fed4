// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The group table against a plain model: random adds and removals (removal shifts later slots of
 * a run back, which is easy to get wrong), then every key must be found exactly when the model
 * holds it, with its count, and the age list must visit each group once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "diagnose/groups.h"

#define KEYS 3000

int main(void)
{
	static uint64_t model[KEYS]; /* count per key, 0 = absent */
	struct group_table t = {};
	struct record r;
	char key[32];
	unsigned seed = 12345;

	record_init(&r);
	r.type = REC_SYSCALL;
	for (int step = 0; step < 200000; step++) {
		int k;

		seed = seed * 1103515245 + 12345;
		k = (int)((seed >> 8) % KEYS);
		snprintf(key, sizeof(key), "openat 2 /k/%d ", k);
		if ((seed >> 4) % 3) {
			REQUIRE(groups_add(&t, key, &r));
			model[k]++;
		} else {
			struct group *g = groups_find(&t, key);

			CHECK(!g == !model[k]);
			if (g)
				groups_remove(&t, g);
			model[k] = 0;
		}
	}
	size_t present = 0, walked = 0;

	for (int k = 0; k < KEYS; k++) {
		struct group *g;

		snprintf(key, sizeof(key), "openat 2 /k/%d ", k);
		g = groups_find(&t, key);
		CHECK(!g == !model[k]);
		if (g)
			CHECK(g->count == model[k]);
		present += model[k] != 0;
	}
	for (struct group *g = t.oldest; g; g = g->newer)
		walked++;
	CHECK(t.count == present);
	CHECK(walked == present);
	groups_free(&t);
	return CHECK_RESULT();
}
