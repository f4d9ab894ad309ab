/* SPDX-License-Identifier: BSD-3-Clause
 * Readers for metrics exporters (nc_dp_metrics.h): every counter a worker
 * writes with plain increments is read here with a relaxed atomic load.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dp_priv.h"
#include "nc_dp_metrics.h"

int
nc_dp_server_rt_hist(const struct nc_dp *dp, unsigned int svc, unsigned int srv,
		     struct nc_dp_rt_hist *out)
{
	uint16_t k;
	unsigned int b;

	/* every slot has its counters (a free slot's are zero): no look at the
	 * configuration, which the control lcore edits at run time */
	if (svc >= dp->n_services || srv >= NC_MAX_SERVERS)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	for (k = 0; k < dp->n_workers; k++) {
		const struct nc_rt_acc *a = &dp->worker[k]->srv[svc * NC_MAX_SERVERS + srv].rt;

		out->count += __atomic_load_n(&a->count, __ATOMIC_RELAXED);
		out->sum_us += __atomic_load_n(&a->sum_us, __ATOMIC_RELAXED);
		for (b = 0; b < NC_RT_BUCKETS; b++)
			out->hist[b] += __atomic_load_n(&a->hist[b], __ATOMIC_RELAXED);
	}
	return 0;
}

void
nc_dp_flow_fill(const struct nc_dp *dp, struct nc_dp_flow_fill *out)
{
	uint16_t k;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < dp->n_workers; k++) {
		out->open += nc_flow_count(dp->worker[k]->flows);
		out->max += nc_flow_capacity(dp->worker[k]->flows);
	}
}

int
nc_dp_lport_pool(const struct nc_dp *dp, unsigned int lip, struct nc_dp_lport_pool *out)
{
	uint32_t free = 0;
	uint16_t k;

	if (lip >= dp->n_own_lips)
		return -ENOENT;
	memset(out, 0, sizeof(*out));
	if (dp->lip[lip] != 0)
		inet_ntop(AF_INET, &dp->lip[lip], out->addr, sizeof(out->addr));
	else
		inet_ntop(AF_INET6, dp->tables->v6.lip[lip], out->addr, sizeof(out->addr));
	for (k = 0; k < dp->n_workers; k++) {
		out->size += nc_flow_pool_lports(dp->worker[k]->flows, (uint16_t)lip);
		free += nc_flow_free_lports(dp->worker[k]->flows, (uint16_t)lip);
	}
	/* a port freed between the two reads of a worker cannot make it negative:
	 * each worker's free count is at most its pool */
	out->used = out->size - free;
	return 0;
}

const char *const nc_ca_event_name[NC_CA_EV_MAX] = {
#define NC_CA_EV_NAME(e, n, d) [NC_CA_EV_##e] = n,
	NC_FOREACH_CA_EVENT(NC_CA_EV_NAME)
#undef NC_CA_EV_NAME
};

const char *const nc_ca_event_desc[NC_CA_EV_MAX] = {
#define NC_CA_EV_DESC(e, n, d) [NC_CA_EV_##e] = d,
	NC_FOREACH_CA_EVENT(NC_CA_EV_DESC)
#undef NC_CA_EV_DESC
};

const char *const nc_sp_event_name[NC_SP_EV_MAX] = {
#define NC_SP_EV_NAME(e, n, d) [NC_SP_EV_##e] = n,
	NC_FOREACH_SP_EVENT(NC_SP_EV_NAME)
#undef NC_SP_EV_NAME
};

const char *const nc_sp_event_desc[NC_SP_EV_MAX] = {
#define NC_SP_EV_DESC(e, n, d) [NC_SP_EV_##e] = d,
	NC_FOREACH_SP_EVENT(NC_SP_EV_DESC)
#undef NC_SP_EV_DESC
};
