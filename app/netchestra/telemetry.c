/* SPDX-License-Identifier: BSD-3-Clause
 * DPDK telemetry commands (dpdk-telemetry.py, or any client of the
 * telemetry socket):
 *   /netchestra/services           every service: address, scheduler, health, weights mode, servers up
 *   /netchestra/servers,<service>  every server of <service>: state, weight,
 *                                  response time (last interval), flows, requests, bytes
 *   /netchestra/cluster            the cluster channel: counters, peers (state,
 *                                  last heard, rtt)
 *   /netchestra/failsafe           per service: requests held now and since start,
 *                                  replays, resets, store full, reconnects, early;
 *                                  moves off each server
 * Replies are column-wise: {"name": ["n0", "n1"], "weight": [60, 40], ...}.
 * The callbacks run on DPDK's telemetry thread and read only the monitor's
 * views, which are copied under their seqlock (nc_dp_service_view).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "app.h"
#include "nc_sched.h"   /* nc_sched_kind_name */

/* The data plane the callbacks read; NULL before start-up and after shutdown. */
static struct nc_dp *tel_dp;
static rte_spinlock_t tel_lock = RTE_SPINLOCK_INITIALIZER;

static const char *
proto_str(uint8_t proto)
{
	return proto == 17 ? "udp" : "tcp";
}

static int
tel_error(struct rte_tel_data *d, const char *msg)
{
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "error", msg);
	return 0;
}

/* DPDK 22.11 nests only arrays in a dict, so each reply is column-wise: one
 * array per field, index i = service i (or server i), "name" first. */
enum col_kind { COL_STR, COL_U64 };

/* Add column <key> of <n> rows to <d>; <get> fills row i as a string or a u64. */
static void
add_col(struct rte_tel_data *d, const char *key, enum col_kind kind, unsigned int n,
	void (*get)(const void *rows, unsigned int i, char *str, size_t len, uint64_t *u),
	const void *rows)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	char str[64];
	uint64_t u;
	unsigned int i;

	if (c == NULL)
		return;
	rte_tel_data_start_array(c, kind == COL_STR ? RTE_TEL_STRING_VAL : RTE_TEL_U64_VAL);
	for (i = 0; i < n; i++) {
		str[0] = '\0';
		u = 0;
		get(rows, i, str, sizeof(str), &u);
		if (kind == COL_STR)
			rte_tel_data_add_array_string(c, str);
		else
			rte_tel_data_add_array_u64(c, u);
	}
	if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
		rte_tel_data_free(c);
}

#define SVC(rows, i) (&((const struct nc_service_view *)(rows))[i])
#define SRV(rows, i) (&((const struct nc_server_view *)(rows))[i])
#define STR_GETTER(fn, expr) \
	static void fn(const void *rows, unsigned int i, char *str, size_t len, uint64_t *u) \
	{ RTE_SET_USED(u); expr; }
#define U64_GETTER(fn, expr) \
	static void fn(const void *rows, unsigned int i, char *str, size_t len, uint64_t *u) \
	{ RTE_SET_USED(str); RTE_SET_USED(len); *u = (expr); }

STR_GETTER(svc_name, snprintf(str, len, "%s", SVC(rows, i)->name))
STR_GETTER(svc_vip, nc_addr_str(SVC(rows, i)->family, SVC(rows, i)->vip, SVC(rows, i)->vip6, str, len))
U64_GETTER(svc_port, SVC(rows, i)->port)
STR_GETTER(svc_proto, snprintf(str, len, "%s", proto_str(SVC(rows, i)->proto)))
STR_GETTER(svc_scheduler, snprintf(str, len, "%s",
				   nc_sched_kind_name((enum nc_sched_kind)SVC(rows, i)->scheduler)))
STR_GETTER(svc_health, snprintf(str, len, "%s", nc_health_type_name(SVC(rows, i)->health)))
STR_GETTER(svc_adaptive, snprintf(str, len, "%s", SVC(rows, i)->adaptive ?
				  nc_adapt_mode_name(SVC(rows, i)->mode) : "off"))
U64_GETTER(svc_interval, SVC(rows, i)->interval_ms)
U64_GETTER(svc_servers, SVC(rows, i)->n_servers)
U64_GETTER(svc_up, SVC(rows, i)->n_up)
U64_GETTER(svc_intervals, SVC(rows, i)->intervals)
U64_GETTER(svc_moves, SVC(rows, i)->moves)
U64_GETTER(svc_held, SVC(rows, i)->held)

STR_GETTER(srv_name, snprintf(str, len, "%s", SRV(rows, i)->name))
STR_GETTER(srv_addr, nc_addr_str(SRV(rows, i)->family, SRV(rows, i)->addr, SRV(rows, i)->addr6, str,
				  len))
U64_GETTER(srv_port, SRV(rows, i)->port)
STR_GETTER(srv_state, snprintf(str, len, "%s", SRV(rows, i)->up ? "up" : "down"))
U64_GETTER(srv_weight, SRV(rows, i)->weight)
U64_GETTER(srv_rt_avg, SRV(rows, i)->rt_avg_us)
U64_GETTER(srv_rt_p99, SRV(rows, i)->rt_p99_us)
U64_GETTER(srv_rt_samples, SRV(rows, i)->rt_samples)
U64_GETTER(srv_active, SRV(rows, i)->flows_active)
U64_GETTER(srv_flows, SRV(rows, i)->flows)
U64_GETTER(srv_requests, SRV(rows, i)->requests)
U64_GETTER(srv_responses, SRV(rows, i)->responses)
U64_GETTER(srv_bytes, SRV(rows, i)->bytes)
U64_GETTER(srv_probes_good, SRV(rows, i)->probes_good)
U64_GETTER(srv_probes_bad, SRV(rows, i)->probes_bad)
U64_GETTER(srv_probe_rt, SRV(rows, i)->probe_rt_us)
U64_GETTER(srv_down_count, SRV(rows, i)->down_count)

static const struct col {
	const char *key;
	enum col_kind kind;
	void (*get)(const void *rows, unsigned int i, char *str, size_t len, uint64_t *u);
} svc_cols[] = {
	{ "name", COL_STR, svc_name }, { "vip", COL_STR, svc_vip }, { "port", COL_U64, svc_port },
	{ "proto", COL_STR, svc_proto }, { "scheduler", COL_STR, svc_scheduler },
	{ "health", COL_STR, svc_health },
	{ "adaptive", COL_STR, svc_adaptive }, { "interval_ms", COL_U64, svc_interval },
	{ "servers", COL_U64, svc_servers }, { "servers_up", COL_U64, svc_up },
	{ "intervals", COL_U64, svc_intervals }, { "weight_moves", COL_U64, svc_moves },
	{ "held", COL_U64, svc_held },
}, srv_cols[] = {
	{ "name", COL_STR, srv_name }, { "address", COL_STR, srv_addr }, { "port", COL_U64, srv_port },
	{ "state", COL_STR, srv_state }, { "weight", COL_U64, srv_weight },
	{ "rt_avg_us", COL_U64, srv_rt_avg }, { "rt_p99_us", COL_U64, srv_rt_p99 },
	{ "rt_samples", COL_U64, srv_rt_samples }, { "active_flows", COL_U64, srv_active },
	{ "flows", COL_U64, srv_flows }, { "requests", COL_U64, srv_requests },
	{ "responses", COL_U64, srv_responses }, { "bytes", COL_U64, srv_bytes },
	{ "probes_good", COL_U64, srv_probes_good }, { "probes_bad", COL_U64, srv_probes_bad },
	{ "probe_rt_us", COL_U64, srv_probe_rt }, { "down_count", COL_U64, srv_down_count },
};

static void
add_cols(struct rte_tel_data *d, const struct col *cols, unsigned int n_cols, const void *rows,
	 unsigned int n)
{
	unsigned int k;

	rte_tel_data_start_dict(d);
	for (k = 0; k < n_cols; k++)
		add_col(d, cols[k].key, cols[k].kind, n, cols[k].get, rows);
}

static int
services_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct nc_service_view sv[NC_MAX_SERVICES];
	unsigned int s, n = 0;

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0')
		return tel_error(d, "/netchestra/services takes no parameter");
	rte_spinlock_lock(&tel_lock);
	if (tel_dp == NULL) {
		rte_spinlock_unlock(&tel_lock);
		return tel_error(d, "not running");
	}
	for (s = 0; s < nc_dp_n_services(tel_dp); s++)
		if (nc_dp_service_view(tel_dp, s, &sv[n], NULL, 0) >= 0 && sv[n].state != NC_SVC_REMOVED)
			n++;
	rte_spinlock_unlock(&tel_lock);
	add_cols(d, svc_cols, RTE_DIM(svc_cols), sv, n);
	return 0;
}

static int
servers_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct nc_server_view v[NC_MAX_SERVERS];
	char msg[96];
	unsigned int k;
	int s, n;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return tel_error(d, "usage: /netchestra/servers,<service>");
	rte_spinlock_lock(&tel_lock);
	if (tel_dp == NULL) {
		rte_spinlock_unlock(&tel_lock);
		return tel_error(d, "not running");
	}
	s = nc_dp_service_find(tel_dp, params);
	n = s < 0 ? s : nc_dp_service_view(tel_dp, (unsigned int)s, NULL, v, NC_MAX_SERVERS);
	rte_spinlock_unlock(&tel_lock);
	if (n < 0) {
		snprintf(msg, sizeof(msg), "unknown service '%.40s'", params);
		return tel_error(d, msg);
	}
	/* free slots (servers removed at run time) hold no server */
	for (s = 0, k = 0; s < n; s++)
		if (v[s].admin != NC_ADMIN_FREE)
			v[k++] = v[s];
	add_cols(d, srv_cols, RTE_DIM(srv_cols), v, k);
	return 0;
}

/* /netchestra/cluster: this dispatcher's id, the channel's counters, and
 * per peer (column-wise) address, id, state, its own state, ms since heard,
 * rtt (us), messages accepted (unknown id, never heard, no rtt yet: 2^64-1).
 * "not running" without a cluster section. */
#define PEER(rows, i) (&((const struct nc_cluster_peer_info *)(rows))[i])
STR_GETTER(peer_addr, nc_ip4_str(rte_cpu_to_be_32(PEER(rows, i)->addr), str, len))
U64_GETTER(peer_id, PEER(rows, i)->id < 0 ? UINT64_MAX : (uint64_t)PEER(rows, i)->id)
STR_GETTER(peer_state, snprintf(str, len, "%s", nc_cluster_peer_state_name(PEER(rows, i)->state)))
STR_GETTER(peer_said, snprintf(str, len, "%s", PEER(rows, i)->said != 0 ?
			       nc_cluster_state_name(PEER(rows, i)->said) : "-"))
U64_GETTER(peer_heard, PEER(rows, i)->last_heard_ms < 0 ? UINT64_MAX :
	   (uint64_t)PEER(rows, i)->last_heard_ms)
U64_GETTER(peer_rtt, PEER(rows, i)->rtt_us < 0 ? UINT64_MAX : (uint64_t)PEER(rows, i)->rtt_us)
U64_GETTER(peer_rx, PEER(rows, i)->rx_ok)

static const struct col peer_cols[] = {
	{ "peer", COL_STR, peer_addr }, { "id", COL_U64, peer_id }, { "state", COL_STR, peer_state },
	{ "said", COL_STR, peer_said }, { "last_heard_ms", COL_U64, peer_heard },
	{ "rtt_us", COL_U64, peer_rtt }, { "peer_rx_ok", COL_U64, peer_rx },
};

static int
cluster_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static struct nc_cluster_tel t;
	unsigned int k, r;
	char key[32];

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0')
		return tel_error(d, "/netchestra/cluster takes no parameter");
	if (nc_cluster_app_tel(&t) != 0)
		return tel_error(d, "not running (no cluster section)");
	rte_tel_data_start_dict(d);
	for (k = 0; k < RTE_DIM(peer_cols); k++)
		add_col(d, peer_cols[k].key, peer_cols[k].kind, t.n_peers, peer_cols[k].get, t.peer);
	rte_tel_data_add_dict_u64(d, "self_id", t.id);
	rte_tel_data_add_dict_u64(d, "tx", t.cnt.tx);
	for (r = 0; r < NC_CL_RX_MAX; r++) {
		snprintf(key, sizeof(key), "rx_%s", nc_cl_rx_name[r]);
		rte_tel_data_add_dict_u64(d, key, t.cnt.rx[r]);
	}
	return 0;
}

/* /netchestra/failsafe: per service counters, and per server the flows moved off it. */
static int
failsafe_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *c[9];
	static struct nc_server_view v[NC_MAX_SERVERS];
	struct nc_failsafe_view fs;
	unsigned int s, n, k;
	int ns;

	RTE_SET_USED(cmd);
	if (params != NULL && *params != '\0')
		return tel_error(d, "/netchestra/failsafe takes no parameter");
	for (k = 0; k < RTE_DIM(c); k++) {
		c[k] = rte_tel_data_alloc();
		if (c[k] == NULL) {
			while (k-- > 0)
				rte_tel_data_free(c[k]);
			return tel_error(d, "out of memory");
		}
		rte_tel_data_start_array(c[k], k == 0 ? RTE_TEL_STRING_VAL : RTE_TEL_U64_VAL);
	}
	rte_spinlock_lock(&tel_lock);
	if (tel_dp == NULL) {
		rte_spinlock_unlock(&tel_lock);
		for (k = 0; k < RTE_DIM(c); k++)
			rte_tel_data_free(c[k]);
		return tel_error(d, "not running");
	}
	rte_tel_data_start_dict(d);
	n = nc_dp_n_services(tel_dp);
	for (s = 0; s < n; s++) {
		struct nc_service_view sv;
		struct rte_tel_data *srv = rte_tel_data_alloc();
		char key[NC_NAME_MAX + 16];
		int i;

		ns = nc_dp_service_view(tel_dp, s, &sv, v, NC_MAX_SERVERS);
		if (ns < 0 || sv.state == NC_SVC_REMOVED || nc_dp_failsafe_view(tel_dp, s, &fs) < 0) {
			rte_tel_data_free(srv);
			continue;
		}
		rte_tel_data_add_array_string(c[0], sv.name);
		rte_tel_data_add_array_u64(c[1], fs.held_now);
		rte_tel_data_add_array_u64(c[2], fs.held);
		rte_tel_data_add_array_u64(c[3], fs.replays);
		rte_tel_data_add_array_u64(c[4], fs.resets);
		rte_tel_data_add_array_u64(c[5], fs.store_full);
		rte_tel_data_add_array_u64(c[6], fs.affinity_hits);
		rte_tel_data_add_array_u64(c[7], fs.reconnects);
		rte_tel_data_add_array_u64(c[8], fs.early);
		/* per server: "<service>_failed_over": flows moved off each server */
		if (srv == NULL)
			continue;
		rte_tel_data_start_array(srv, RTE_TEL_U64_VAL);
		for (i = 0; i < ns; i++)
			if (v[i].admin != NC_ADMIN_FREE)
				rte_tel_data_add_array_u64(srv, fs.failed_over[i]);
		snprintf(key, sizeof(key), "%s_failed_over", sv.name);
		if (rte_tel_data_add_dict_container(d, key, srv, 0) != 0)
			rte_tel_data_free(srv);
	}
	rte_spinlock_unlock(&tel_lock);
	rte_tel_data_add_dict_container(d, "service", c[0], 0);
	rte_tel_data_add_dict_container(d, "held_now", c[1], 0);
	rte_tel_data_add_dict_container(d, "held", c[2], 0);
	rte_tel_data_add_dict_container(d, "replays", c[3], 0);
	rte_tel_data_add_dict_container(d, "resets", c[4], 0);
	rte_tel_data_add_dict_container(d, "store_full", c[5], 0);
	rte_tel_data_add_dict_container(d, "affinity_hits", c[6], 0);
	rte_tel_data_add_dict_container(d, "reconnects", c[7], 0);
	rte_tel_data_add_dict_container(d, "early", c[8], 0);
	return 0;
}

int
nc_telemetry_init(struct nc_app *a)
{
	static int registered;
	int r = 0;

	rte_spinlock_lock(&tel_lock);
	tel_dp = a->dp;
	rte_spinlock_unlock(&tel_lock);
	if (registered)
		return 0;
	/* help texts: DPDK 22.11 takes fewer than 128 characters */
	r |= rte_telemetry_register_cmd("/netchestra/services", services_cb,
					"Services: address, health probe, weights mode, servers up. No parameters");
	r |= rte_telemetry_register_cmd("/netchestra/servers", servers_cb,
					"Servers of a service: state, weight, response time (us), flows, "
					"requests, bytes. Parameter: service");
	r |= rte_telemetry_register_cmd("/netchestra/failsafe", failsafe_cb,
					"Transaction fail-safe per service: held now, held, replays, resets, "
					"store full, reconnects, early; moves off each server");
	r |= rte_telemetry_register_cmd("/netchestra/cluster", cluster_cb,
					"Cluster channel: own id, tx, rx per verdict; per peer address, id, "
					"state, last heard, rtt, rx");
	registered = 1;
	return r == 0 ? 0 : -EINVAL;
}

void
nc_telemetry_fini(struct nc_app *a)
{
	RTE_SET_USED(a);
	rte_spinlock_lock(&tel_lock);
	tel_dp = NULL;
	rte_spinlock_unlock(&tel_lock);
}
