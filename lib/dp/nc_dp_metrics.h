/* SPDX-License-Identifier: BSD-3-Clause
 * Data-plane readers for metrics exporters: counters summed over the workers
 * with relaxed loads, so any thread may call them while the workers run.
 */
#ifndef NC_DP_METRICS_H
#define NC_DP_METRICS_H

#include <stdint.h>

#include "nc_dp.h"
#include "nc_dp_types.h"
#include "nc_monitor.h"

/*
 * Response times of one server since start, summed over the workers: the
 * buckets of nc_rt_bucket() (microseconds). Sums are 64-bit; each worker's
 * own bucket counts wrap at 2^32 (struct nc_rt_acc).
 */
struct nc_dp_rt_hist {
	uint64_t count;                  /* responses timed */
	uint64_t sum_us;
	uint64_t hist[NC_RT_BUCKETS];
};

/*
 * Fill <out> with the response times of server <srv> of service <svc>. The
 * workers keep recording: <count> and the buckets are read one after the
 * other and may disagree by the responses recorded in between.
 * <srv> is a server slot, as in the views (nc_dp_service_view); a free
 * slot reads all zero. Any thread. Returns 0, or -ENOENT for an unknown
 * service or a slot beyond NC_MAX_SERVERS.
 */
int nc_dp_server_rt_hist(const struct nc_dp *dp, unsigned int svc, unsigned int srv,
			 struct nc_dp_rt_hist *out);

/*
 * The flow tables' fill, summed over the workers: flows open now and the
 * flows they may hold (limits.max_flows, each worker its share). Any thread;
 * the count is read while the workers change it.
 */
struct nc_dp_flow_fill {
	uint64_t open;
	uint64_t max;
};
void nc_dp_flow_fill(const struct nc_dp *dp, struct nc_dp_flow_fill *out);

/* One local IP's port pool, summed over the workers (each owns the ports
 * p % workers == its id). */
struct nc_dp_lport_pool {
	char addr[46];       /* the local IP, as text (IPv4 or IPv6) */
	uint32_t size;       /* ports in the pool: 1024..65535 less service and probe ports */
	uint32_t used;       /* taken by flows now (size - free) */
};

/* Fill <out> with the port pool of local IP <lip> (0 ..), this dispatcher's
 * own local IPs only (a peer's taken over by flow sync have no pool).
 * Control lcore (IPv6 addresses are read from the published tables).
 * Returns 0, or -ENOENT past the last. */
int nc_dp_lport_pool(const struct nc_dp *dp, unsigned int lip, struct nc_dp_lport_pool *out);

/* Names and descriptions of the client-address events, indexed by enum
 * nc_ca_event (the per-service counters struct nc_svc_stats.ca). */
extern const char *const nc_ca_event_name[NC_CA_EV_MAX];
extern const char *const nc_ca_event_desc[NC_CA_EV_MAX];
/* syn_proxy events' names and descriptions (NC_FOREACH_SP_EVENT). */
extern const char *const nc_sp_event_name[NC_SP_EV_MAX];
extern const char *const nc_sp_event_desc[NC_SP_EV_MAX];

#endif /* NC_DP_METRICS_H */
