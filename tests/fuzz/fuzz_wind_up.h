/* SPDX-License-Identifier: BSD-3-Clause
 * The end of a fuzz input on a data plane (fuzz_worker.c, fuzz_sync.c).
 */
#ifndef NC_FUZZ_WIND_UP_H
#define NC_FUZZ_WIND_UP_H

#include <stdint.h>

#include "nc_affinity.h"
#include "nc_flow.h"
#include "dp_priv.h"     /* the workers' flow tables and affinity tables */

#define FUZZ_WIND_UP_JUMPS 16

/*
 * The clock (<now_ms>, which <round> hands to the workers before it polls
 * them) moves past every timeout, <jump_ms> at a time: each jump lets every
 * timer take its next step - a PROXY header's last resend unanswered resets
 * its flow, which closes tcp_fin_s later - and the workers expire what ran
 * out, flows and affinity entries. Until no flow is left, at most
 * FUZZ_WIND_UP_JUMPS jumps.
 */
static inline void
fuzz_wind_up(struct nc_dp *dp, unsigned int n_workers, uint32_t *now_ms, uint32_t jump_ms,
	     void (*round)(void))
{
	unsigned int k = 0, i;
	uint32_t left;

	do {
		*now_ms += jump_ms;
		round();
		left = 0;
		for (i = 0; i < n_workers; i++) {
			struct nc_worker *w = nc_dp_worker(dp, i);

			nc_worker_expire(w, nc_flow_slots(w->flows));
			if (w->aff != NULL)
				nc_affinity_expire(w->aff, w->now_ms, UINT32_MAX);
			if (w->aff6 != NULL)
				nc_affinity_expire(w->aff6, w->now_ms, UINT32_MAX);
			left += nc_worker_flow_count(w);
		}
	} while (++k < FUZZ_WIND_UP_JUMPS && left != 0);
}

#endif /* NC_FUZZ_WIND_UP_H */
