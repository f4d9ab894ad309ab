/* SPDX-License-Identifier: BSD-3-Clause
 * Weighted dispatch: schedule builders (pure functions, any thread) and the
 * per-service publish path (control lcore writes, workers read lock-free).
 */
#ifndef NC_SCHED_H
#define NC_SCHED_H

#include <stdint.h>
#include "nc_sched_types.h"
#include "nc_config_types.h"

/*
 * The paper's ratio rule: the smallest non-zero weight counts as 1 and every
 * other weight is divided by it and rounded (half up); the resulting counts are
 * interleaved, lightest server first: 30/70 -> 1:2 -> A B B; 25/75 -> A B B B.
 * <weight>[i] == 0 leaves server i out. Writes at most <max_slots> indexes to
 * <slots>. Returns the number of slots (0 when every weight is 0), or -ENOSPC.
 */
int nc_sched_build_ratio(const uint8_t *weight, unsigned int n, uint16_t *slots,
			 unsigned int max_slots);

/*
 * Smooth weighted round robin over exactly sum(weight) slots (100 when the
 * weights are percentages): each server gets exactly its weight in slots,
 * spread as evenly as possible. Returns the slot count, or -ENOSPC.
 */
int nc_sched_build_smooth(const uint8_t *weight, unsigned int n, uint16_t *slots,
			  unsigned int max_slots);

/* Dispatch to the builder of <kind>. Same contract as the builders. */
int nc_sched_build(enum nc_sched_kind kind, const uint8_t *weight, unsigned int n,
		   uint16_t *slots, unsigned int max_slots);

/* Name of a scheduler kind ("ratio", "smooth"). */
const char *nc_sched_kind_name(enum nc_sched_kind kind);

struct rte_rcu_qsbr;
struct nc_sched_set;

/*
 * Create the publish points of <n_services> services. Old schedules are freed
 * once every reader registered in <qsbr> has reported a quiescent state.
 * Control lcore. Returns NULL and sets rte_errno on failure.
 */
struct nc_sched_set *nc_sched_set_create(unsigned int n_services, struct rte_rcu_qsbr *qsbr);

/* Free the set and every schedule it holds; no reader may run. Control lcore. */
void nc_sched_set_free(struct nc_sched_set *set);

/*
 * Build a schedule for service <svc> from <servers> (weight and up taken from
 * each) with <kind> and publish it with one atomic pointer store. The previous
 * schedule is reclaimed after a grace period. Control lcore only.
 * Returns 0 or a negative errno.
 */
int nc_sched_publish(struct nc_sched_set *set, unsigned int svc, enum nc_sched_kind kind,
		     const struct nc_sched_server *servers, unsigned int n_servers);

/* Free schedules whose grace period has ended. Control lcore, any time. */
void nc_sched_reclaim(struct nc_sched_set *set);

/* Pointer to the publish point of <svc>, for workers to cache. */
struct nc_schedule *const *nc_sched_slot(const struct nc_sched_set *set, unsigned int svc);

/* Current schedule behind a publish point. Worker lcores, between quiescent states. */
static inline const struct nc_schedule *
nc_sched_get(struct nc_schedule *const *slot)
{
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
}

#endif /* NC_SCHED_H */
