/* SPDX-License-Identifier: BSD-3-Clause
 * Prometheus text exposition (format 0.0.4) of the appliance, for GET /metrics.
 * Every family has its HELP and TYPE lines; label values are escaped.
 *
 * Families (labels):
 *   netchestra_info{version}                                  gauge, always 1
 *   netchestra_server_up{service,server}                      gauge 1/0: health (probes, fail-safe)
 *   netchestra_server_state{service,server,state}             gauge, 1 for the operator state:
 *                                                             up | drain | down | removing
 *   netchestra_server_weight{service,server}                  gauge, percent as published
 *   netchestra_server_flows_active{service,server}            gauge
 *   netchestra_server_flows_total{service,server}             flows opened on the server
 *   netchestra_server_requests_total{service,server}
 *   netchestra_server_bytes_total{service,server}             frames both ways
 *   netchestra_server_probes_total{service,server,result}     result: good | bad
 *   netchestra_server_down_total{service,server}              times it went down
 *   netchestra_server_failed_over_total{service,server}       flows the fail-safe moved off it
 *   netchestra_response_time_seconds{service,server}          histogram (_bucket{le}, _sum, _count)
 *   netchestra_service_flows_opened_total{service}
 *   netchestra_service_flows_active{service}                  gauge
 *   netchestra_service_packets_total{service,direction}       direction: c2s | s2c
 *   netchestra_service_bytes_total{service,direction}
 *   netchestra_failsafe_held_now                              gauge, all services
 *   netchestra_failsafe_{held,released,replays,resets,store_full}_total{service}
 *   netchestra_affinity_hits_total{service}
 *   netchestra_drops_total{reason}                            every reason of nc_drop_name
 *   netchestra_port_{rx,tx}_{packets,bytes}_total{port}
 *   netchestra_port_{rx_missed,rx_errors,tx_errors,rx_nombuf}_total{port}
 *
 * Only servers that exist: free slots of removed servers are skipped.
 * Server counters (flows, requests, bytes, flows_active) are the monitor's
 * views: brought up to date every monitor interval (nc_dp_mon_refresh). The
 * response-time histogram, service and drop counters are read live.
 */
#ifndef NC_METRICS_H
#define NC_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "nc_dp.h"
#include "nc_dp_metrics.h"

/*
 * One port's NIC counters. The app fills it from rte_eth_stats_get() of the
 * port (ipackets, opackets, ibytes, obytes, imissed, ierrors, oerrors,
 * rx_nombuf) and <name> from the startup file's ports[].name; a port not
 * started has all counters 0.
 */
struct nc_metrics_port {
	const char *name;
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t rx_missed;
	uint64_t rx_errors;
	uint64_t tx_errors;
	uint64_t rx_nombuf;
};

/*
 * Bounds of the response-time histogram in microseconds, as written in the
 * le label (seconds). A bound inside one of the monitor's log buckets (each
 * at most 25% wide, nc_rt_bucket) gets that bucket's responses in proportion
 * to the part of it at or below the bound, rounded to the nearest integer.
 */
#define NC_METRICS_RT_BOUNDS_US \
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, \
	1000000, 2500000, 5000000

/*
 * Cumulative counts of the response times in <h> at or below each of the
 * <n> bounds <bounds_us> (ascending) into <out>, each at most <h>->count so
 * that the +Inf bucket (<h>->count) is never below a finite one.
 */
void nc_metrics_rt_cumulative(const struct nc_dp_rt_hist *h, const uint32_t *bounds_us,
			      unsigned int n, uint64_t *out);

/*
 * Write the exposition of <dp> and of the <n_ports> ports <ports> (may be
 * NULL when <n_ports> is 0) to <out>, e.g. a stream from open_memstream().
 * Reads the data plane only through its any-thread readers (views under
 * their seqlock, counters with relaxed loads): any thread, while the
 * workers and the control lcore run. Returns 0, -EINVAL on a NULL argument,
 * -ENOMEM, or -EIO when writing to <out> failed.
 */
int nc_metrics_write(FILE *out, const struct nc_dp *dp, const struct nc_metrics_port *ports,
		     unsigned int n_ports);

#endif /* NC_METRICS_H */
