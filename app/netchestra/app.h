/* SPDX-License-Identifier: BSD-3-Clause
 * The netchestra program: shared state of its modules (main.c, ports.c,
 * control.c). Private to app/netchestra.
 */
#ifndef NC_APP_H
#define NC_APP_H

#include <stdint.h>
#include <stdio.h>
#include <rte_mempool.h>

#include "nc_common.h"
#include "nc_config.h"
#include "nc_dp.h"
#include "nc_cluster.h"

struct nc_app {
	const char *config_path;
	double duration_s;                /* 0: run until signalled */
	struct nc_config *cfg;
	int socket;
	struct rte_mempool *pool;         /* RX and handoff mbufs */
	struct rte_mempool *ctl_pool;     /* control lcore's own frames */
	struct nc_dp_port_setup port[NC_MAX_PORTS];
	uint8_t port_started[NC_MAX_PORTS];
	struct nc_dp *dp;
	int workers_launched;
	const char *weights_log_path;     /* --weights-log FILE, or NULL */
	FILE *weights_log;
	struct rte_mempool *exc_pool;     /* the kernel interfaces' RX mbufs */
	uint16_t exc_port[NC_MAX_PORTS];  /* each port's kernel (TAP) interface, or NC_DP_NO_EXC */
	uint8_t exc_created[NC_MAX_PORTS];
	bool draining;                    /* VIPs withdrawn on request (cluster drain) */
	bool stopping;                    /* a clean stop: VIPs withdrawn, flows finishing */
	bool front_down;                  /* flow sync: cut off from the routers (sync.c):
	                                   * the peers are told we stop */
	bool resyncing;                   /* flow sync: no bulk copy yet, or our local IPs
	                                   * not ours again: VIPs not announced */
	uint8_t announced[NC_MAX_SERVICES];   /* per service: its VIP is announced */
	uint64_t announce_last;           /* tsc of the last readiness check */
	uint64_t withdraw_at;             /* tsc: a drain withdraws the VIPs from then */
	struct nc_cluster_app *cl;        /* the cluster channel (cluster.c), or NULL */
	struct nc_sync_app *sync;         /* flow sync (sync.c), or NULL */
};

extern volatile int nc_app_quit;
extern volatile int nc_app_quit_now; /* a second SIGINT/SIGTERM: stop without draining */
extern volatile int nc_app_reload;   /* SIGHUP seen: re-read the startup file */

/* ports.c: configure and start every port of cfg (queues: one RX and one TX per
 * worker), create the mbuf pools. Returns 0 or a negative errno, logged. */
int nc_ports_init(struct nc_app *a);
/* Stop and close every started port. */
void nc_ports_fini(struct nc_app *a);
/* Print one "final port <name>: ..." line per port to stdout. */
void nc_ports_print_final(const struct nc_app *a, const struct nc_dp_stats *st);

/* exception.c: create the kernel (TAP) interface of each port with a host
 * address and "exception", attach it to the data plane; remove them. */
int nc_exception_init(struct nc_app *a);
void nc_exception_fini(struct nc_app *a);

/* announce.c: put each service VIP that is ready to be served (ports up, a
 * server up, not draining or stopping) as VIP/32 (IPv6: /128) on the kernel interfaces
 * facing the BGP neighbors, and take it off when not, so that the routing
 * daemon announces exactly the ready VIPs. poll: every call, checks at most
 * every 100 ms; withdraw_all: at once (drain, stop). Control lcore. */
void nc_announce_poll(struct nc_app *a);
/* The pause between telling the peers of a drain and withdrawing the VIPs. */
#define NC_DRAIN_TELL_MS 200
void nc_announce_withdraw_all(struct nc_app *a);
/* The ports whose kernel interface faces a BGP neighbor, as a bit set. */
uint32_t nc_announce_ports(const struct nc_config *cfg);
/* True if a service has an IPv6 VIP (announced as /128). */
bool nc_announce_any6(const struct nc_config *cfg);

/* control.c: the control lcore's loop until nc_app_quit or the duration ends. */
void nc_control_run(struct nc_app *a);
/* Print the final statistics to stdout. */
void nc_control_print_final(const struct nc_app *a);
/* Open the --weights-log file (appending; header when empty) and hook it to
 * the monitor's intervals. Returns 0 or a negative errno, logged. */
int nc_weights_log_open(struct nc_app *a);
void nc_weights_log_close(struct nc_app *a);

/* mgmt.c: the management HTTP server (when the startup file has "management");
 * poll hands its requests to the API on the control lcore. */
int nc_mgmt_init(struct nc_app *a);
unsigned int nc_mgmt_poll(struct nc_app *a);
void nc_mgmt_fini(struct nc_app *a);

/* reload.c: re-read the startup file and apply it (SIGHUP); an invalid file
 * is rejected whole with the --check error lines. Control lcore. */
int nc_reload(struct nc_app *a);

/* telemetry.c: register /netchestra/services and /netchestra/servers for a->dp;
 * fini makes them answer "not running" before the data plane goes away. */
int nc_telemetry_init(struct nc_app *a);
void nc_telemetry_fini(struct nc_app *a);

/* cluster.c: the cluster channel (a "cluster" section): init opens it and
 * takes the monitor's intervals over (aligned, merged); poll on every loop of
 * the control lcore; stop sends the "stopping" heartbeat (a clean stop; fini
 * sends it too); readers for the API and /metrics. Control lcore, but
 * nc_cluster_app_tel (any thread: a snapshot refreshed every 100 ms). */
struct nc_cluster_app;
int nc_cluster_app_init(struct nc_app *a);
void nc_cluster_app_fini(struct nc_app *a);
unsigned int nc_cluster_app_poll(struct nc_app *a);
void nc_cluster_app_stop(struct nc_app *a);
/* Tell the peers this dispatcher's state (draining or not) now, not at the
 * next heartbeat: before a drain withdraws the VIPs, so that they redirect
 * its connections from the first one the routers move. */
void nc_cluster_app_say(struct nc_app *a);
struct json_t *nc_cluster_app_json(struct nc_app *a);   /* GET /api/v1/cluster */
struct nc_cluster *nc_cluster_app_channel(struct nc_app *a);

/* sync.c: flow and transaction sync over the cluster channel (cluster.sync):
 * init (from the cluster's, before the workers run) starts the data plane's
 * records; the callbacks are the channel's (events, application records);
 * poll runs in the cluster's poll. */
struct nc_sync_app;
int nc_sync_app_init(struct nc_app *a);
void nc_sync_app_fini(struct nc_app *a);
void nc_sync_app_poll(struct nc_app *a, uint64_t now_ms);
void nc_sync_app_event(void *arg, enum nc_cluster_event ev, int peer, uint64_t value);
void nc_sync_app_rec(void *arg, unsigned int peer, uint8_t id, uint8_t msg_type, uint16_t type,
		     const uint8_t *val, uint16_t len, uint64_t now_ms);
struct json_t *nc_sync_app_json(struct nc_app *a);
/* The replica table's own consistency (every entry found by its key in its
 * family's hash, the counts, each peer's held requests as counted and within
 * sync_max_held): 0, or -EINVAL with what is wrong in <why>. Tests and the
 * fuzz target; control lcore. */
int nc_sync_app_check(struct nc_app *a, char *why, size_t len);
void nc_sync_app_metrics(struct nc_app *a, FILE *f);
void nc_cluster_app_metrics(struct nc_app *a, FILE *f);
struct nc_cluster_tel {
	uint8_t id;
	unsigned int n_peers;
	struct nc_cluster_counters cnt;
	struct nc_cluster_peer_info peer[NC_CLUSTER_MAX_PEERS];
};
int nc_cluster_app_tel(struct nc_cluster_tel *out);

#endif /* NC_APP_H */
