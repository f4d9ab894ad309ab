/* SPDX-License-Identifier: BSD-3-Clause
 * Schedule builders. Pure functions: no EAL, no allocation.
 */
#include <errno.h>
#include <stdint.h>

#include "nc_sched.h"

/*
 * Smooth weighted round robin (as nginx's upstream balancer): every pick adds
 * each server's count to its running credit, takes the server with the largest
 * credit (lowest index on ties) and charges it the total. Over sum(count)
 * picks every server is taken exactly count times, evenly spread.
 */
static int
swrr_fill(const unsigned int *count, unsigned int n, uint16_t *slots, unsigned int max_slots)
{
	int credit[NC_MAX_SERVERS] = { 0 };
	unsigned int total = 0, i, k;

	for (i = 0; i < n; i++)
		total += count[i];
	if (total > max_slots)
		return -ENOSPC;
	for (k = 0; k < total; k++) {
		int best = -1;

		for (i = 0; i < n; i++) {
			if (count[i] == 0)
				continue;
			credit[i] += (int)count[i];
			if (best < 0 || credit[i] > credit[best])
				best = (int)i;
		}
		credit[best] -= (int)total;
		slots[k] = (uint16_t)best;
	}
	return (int)total;
}

int
nc_sched_build_ratio(const uint8_t *weight, unsigned int n, uint16_t *slots, unsigned int max_slots)
{
	unsigned int count[NC_MAX_SERVERS];
	unsigned int i, wmin = 0, lightest = 0, start = 0;
	uint16_t tmp[NC_SCHED_MAX_SLOTS];
	int total;

	if (n > NC_MAX_SERVERS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (weight[i] != 0 && (wmin == 0 || weight[i] < wmin)) {
			wmin = weight[i];
			lightest = i;
		}
	if (wmin == 0)
		return 0;
	/* round(w / wmin), half up, in integers: (2w + wmin) / (2 wmin) */
	for (i = 0; i < n; i++)
		count[i] = weight[i] ? (2u * weight[i] + wmin) / (2u * wmin) : 0;
	total = swrr_fill(count, n, tmp, max_slots < NC_SCHED_MAX_SLOTS ? max_slots : NC_SCHED_MAX_SLOTS);
	if (total <= 0)
		return total;
	/* The paper lists the cycle lightest server first (A B B, A B B B):
	 * rotate so that it starts at the lightest server's first slot. */
	for (i = 0; i < (unsigned int)total; i++)
		if (tmp[i] == lightest) {
			start = i;
			break;
		}
	for (i = 0; i < (unsigned int)total; i++)
		slots[i] = tmp[(start + i) % (unsigned int)total];
	return total;
}

int
nc_sched_build_smooth(const uint8_t *weight, unsigned int n, uint16_t *slots, unsigned int max_slots)
{
	unsigned int count[NC_MAX_SERVERS];
	unsigned int i;

	if (n > NC_MAX_SERVERS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		count[i] = weight[i];
	return swrr_fill(count, n, slots, max_slots);
}

int
nc_sched_build(enum nc_sched_kind kind, const uint8_t *weight, unsigned int n,
	       uint16_t *slots, unsigned int max_slots)
{
	switch (kind) {
	case NC_SCHED_RATIO:
		return nc_sched_build_ratio(weight, n, slots, max_slots);
	case NC_SCHED_SMOOTH:
		return nc_sched_build_smooth(weight, n, slots, max_slots);
	}
	return -EINVAL;
}

const char *
nc_sched_kind_name(enum nc_sched_kind kind)
{
	return kind == NC_SCHED_SMOOTH ? "smooth" : "ratio";
}
