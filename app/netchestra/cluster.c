/* SPDX-License-Identifier: BSD-3-Clause
 * The cluster channel in the appliance (lib/cluster does the protocol): the
 * channel opened from the "cluster" section on the host address the kernel
 * owns through the exception interface, polled from the control lcore's loop;
 * each service's monitor intervals aligned to the wall clock and run on
 * measurements merged over the dispatchers (nc_dp_set_interval_external);
 * weights adopted from the reference peer; the final "stopping" heartbeat;
 * and the readers: GET /api/v1/cluster, the nc_cluster_* metrics, and a
 * snapshot for the telemetry thread (under a spinlock, refreshed by the
 * control lcore).
 * Without a "cluster" section none of this runs and the monitor keeps its
 * own intervals, as before.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <rte_spinlock.h>

#include "app.h"
#include "nc_cluster.h"

#define DIGEST_EVERY_MS 100   /* service descriptions (digests) refreshed this often */

struct cl_app_svc {
	uint64_t last_k;           /* last interval collected (0: none yet) */
	uint64_t deadline_ms;      /* wall clock: merge with what arrived by then */
	uint32_t interval_ms;
	bool adaptive;
};

struct nc_cluster_app {
	struct nc_cluster *c;
	uint64_t next_digest_ms;
	int redirect_peer;         /* peer whose MAC the data plane redirects to, or -1 */
	struct cl_app_svc svc[NC_MAX_SERVICES];
	/* for the telemetry thread */
	rte_spinlock_t lock;
	struct nc_cluster_counters tel_cnt;
	unsigned int tel_n;
	struct nc_cluster_peer_info tel_peer[NC_CLUSTER_MAX_PEERS];
	uint64_t tel_refresh_ms;
};

/* Read by the telemetry thread: set once the channel runs, cleared before it goes. */
static struct nc_cluster_app *tel_cl;
static rte_spinlock_t tel_cl_lock = RTE_SPINLOCK_INITIALIZER;

static uint64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
on_log(void *arg, enum nc_cluster_log level, const char *text)
{
	(void)arg;
	if (level == NC_CL_LOG_WARNING)
		NC_LOG(WARNING, APP, "cluster: %s", text);
	else if (level == NC_CL_LOG_NOTICE)
		NC_LOG(NOTICE, APP, "cluster: %s", text);
	else
		NC_LOG(INFO, APP, "cluster: %s", text);
}

/* <v4> (host order) or, <family> AF_INET6, <v6> as text in <buf>
 * (INET6_ADDRSTRLEN bytes). */
static const char *
ip_str(uint8_t family, uint32_t v4, const uint8_t *v6, char *buf)
{
	struct in_addr a = { .s_addr = htonl(v4) };

	if (family == AF_INET6)
		return inet_ntop(AF_INET6, v6, buf, INET6_ADDRSTRLEN);
	return inet_ntop(AF_INET, &a, buf, INET6_ADDRSTRLEN);
}

/* Each service's name, digest, slots and interval, to the channel. */
static void
describe_services(struct nc_app *a)
{
	struct nc_cluster_app *cl = a->cl;
	const struct nc_config *cfg = nc_dp_config(a->dp);
	unsigned int s, n = nc_dp_n_services(a->dp);

	for (s = 0; s < n; s++) {
		const struct nc_cfg_service *cs = &cfg->services[s];
		struct cl_app_svc *x = &cl->svc[s];
		uint8_t dg[NC_CL_DIGEST_LEN];
		struct nc_service_view sv;

		nc_dp_service_view(a->dp, s, &sv, NULL, 0);
		x->interval_ms = sv.interval_ms != 0 ? sv.interval_ms : 1000;
		x->adaptive = cs->adaptive.enabled;
		nc_cluster_service_digest(cs, dg);
		nc_cluster_service_set(cl->c, s, cs->name, dg, cs->n_servers,
				       x->adaptive ? x->interval_ms : 0);
	}
	nc_cluster_set_n_services(cl->c, n);
}

int
nc_cluster_app_init(struct nc_app *a)
{
	const struct nc_cfg_cluster *cc = &a->cfg->cluster;
	struct nc_cluster_params p = {
		.id = cc->id, .family = cc->family, .bind_addr = cc->bind_addr,
		.bind_port = cc->sync_port,
		.n_peers = cc->n_peers, .secret = cc->secret, .secret_len = cc->secret_len,
		.heartbeat_ms = cc->heartbeat_ms, .dead_ms = cc->dead_ms,
		/* a joiner's first heartbeats cross two data planes still resolving
		 * each other's addresses: wait well past one peer's death */
		.join_ms = cc->dead_ms * 4, .freebind = true,
		.log = on_log,
		/* flow sync: a thawed dispatcher must not take its peers for dead */
		.detect_stall = cc->sync, .event = nc_sync_app_event, .rec = nc_sync_app_rec,
		.cb_arg = a,
	};
	uint64_t now = clock_ms(CLOCK_MONOTONIC), real = clock_ms(CLOCK_REALTIME);
	struct nc_cluster_app *cl;
	uint8_t mac[NC_MAX_PORTS][6];
	char ip[INET6_ADDRSTRLEN];
	unsigned int i, s;
	int err;

	if (!cc->enabled)
		return 0;
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL)
		return -ENOMEM;
	for (i = 0; i < cc->n_peers; i++) {
		p.peer_addr[i] = cc->peers[i];
		memcpy(p.peer_addr6[i], cc->peers6[i], 16);
		p.peer_port[i] = cc->sync_port;
	}
	memcpy(p.bind_addr6, cc->bind_addr6, 16);
	cl->c = nc_cluster_create(&p, now, &err);
	if (cl->c == NULL) {
		NC_LOG(ERR, APP, "cluster: cannot open the channel on %s%s%s:%u: %s",
		       cc->family == AF_INET6 ? "[" : "",
		       ip_str(cc->family, cc->bind_addr, cc->bind_addr6, ip),
		       cc->family == AF_INET6 ? "]" : "", cc->sync_port, nc_strerror(err));
		free(cl);
		return err;
	}
	rte_spinlock_init(&cl->lock);
	cl->redirect_peer = -1;
	a->cl = cl;
	/* the front MACs: the ports' own */
	for (i = 0; i < a->cfg->n_ports && i < NC_MAX_PORTS; i++)
		memcpy(mac[i], a->port[i].mac.addr_bytes, 6);
	nc_cluster_set_macs(cl->c, (const uint8_t (*)[6])mac, i);
	describe_services(a);
	err = nc_sync_app_init(a);
	if (err != 0)
		return err;   /* fini closes the channel */
	/* from now on the intervals are aligned to the wall clock and merged */
	nc_dp_set_interval_external(a->dp, true);
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		struct nc_wset ws;
		struct nc_adapt_state ad;

		cl->svc[s].last_k = real / cl->svc[s].interval_ms;
		if (nc_dp_weights_get(a->dp, s, &ws, &ad) == 0)
			nc_cluster_weights_set(cl->c, s, cl->svc[s].last_k, &ws, &ad);
	}
	rte_spinlock_lock(&tel_cl_lock);
	tel_cl = cl;
	rte_spinlock_unlock(&tel_cl_lock);
	NC_LOG(NOTICE, APP, "cluster: id %u, channel on %s%s%s:%u, %u peer(s), heartbeat %u ms, "
	       "dead %u ms", cc->id, cc->family == AF_INET6 ? "[" : "",
	       ip_str(cc->family, cc->bind_addr, cc->bind_addr6, ip),
	       cc->family == AF_INET6 ? "]" : "", cc->sync_port, cc->n_peers, cc->heartbeat_ms,
	       cc->dead_ms);
	return 0;
}

void
nc_cluster_app_stop(struct nc_app *a)
{
	if (a->cl == NULL)
		return;
	nc_cluster_set_state(a->cl->c, NC_CLUSTER_STOPPING);
	nc_cluster_heartbeat(a->cl->c, clock_ms(CLOCK_MONOTONIC));
}

void
nc_cluster_app_say(struct nc_app *a)
{
	if (a->cl == NULL)
		return;
	nc_cluster_set_state(a->cl->c, a->draining || a->stopping ? NC_CLUSTER_DRAINING : NC_CLUSTER_READY);
	nc_cluster_heartbeat(a->cl->c, clock_ms(CLOCK_MONOTONIC));
}

void
nc_cluster_app_fini(struct nc_app *a)
{
	struct nc_cluster_app *cl = a->cl;

	if (cl == NULL)
		return;
	rte_spinlock_lock(&tel_cl_lock);
	tel_cl = NULL;
	rte_spinlock_unlock(&tel_cl_lock);
	/* the peers mark this one stopping at once, not after dead_ms */
	nc_cluster_app_stop(a);
	nc_sync_app_fini(a);
	if (a->dp != NULL) {
		nc_dp_set_interval_external(a->dp, false);
		uint16_t p;

		for (p = 0; cl->redirect_peer >= 0 && p < a->cfg->n_ports; p++)
			nc_dp_set_redirect(a->dp, p, NULL);
	}
	nc_cluster_free(cl->c);
	free(cl);
	a->cl = NULL;
}

/* Service <s>'s interval plumbing at wall-clock <real> ms. */
static void
svc_poll(struct nc_app *a, unsigned int s, uint64_t now, uint64_t real)
{
	struct nc_cluster_app *cl = a->cl;
	struct cl_app_svc *x = &cl->svc[s];
	struct nc_rt_agg agg[NC_MAX_SERVERS];
	struct nc_adapt_state ad;
	struct nc_wset ws;
	uint64_t k = real / x->interval_ms, done;
	unsigned int contrib;
	int n;

	if (k > x->last_k) {
		/* a boundary passed: the figures of the interval that ended */
		n = nc_dp_interval_collect(a->dp, s, agg, NC_MAX_SERVERS);
		if (n > 0 && x->adaptive &&
		    nc_cluster_measure_put(cl->c, s, k - 1, agg, (unsigned int)n, now) == 0)
			x->deadline_ms = k * x->interval_ms + x->interval_ms / 2;
		else if (n > 0)
			nc_dp_interval_apply(a->dp, s, agg, (unsigned int)n);
		x->last_k = k;
	}
	if (!x->adaptive)
		return;
	if (nc_cluster_merge(cl->c, s, real >= x->deadline_ms, agg, &done, &contrib, now) == 1) {
		n = nc_dp_interval_apply(a->dp, s, agg, nc_dp_config(a->dp)->services[s].n_servers);
		if (n >= 0 && nc_dp_weights_get(a->dp, s, &ws, &ad) == 0)
			nc_cluster_weights_set(cl->c, s, done, &ws, &ad);
	}
	if (nc_cluster_adopt(cl->c, s, &ws, &ad, &done, now) == 1 &&
	    nc_dp_weights_adopt(a->dp, s, &ws, &ad) == 0 && nc_dp_weights_get(a->dp, s, &ws, &ad) == 0)
		nc_cluster_weights_set(cl->c, s, done, &ws, &ad);
}

/*
 * While a peer says it is draining (and this dispatcher is not), TCP segments
 * of flows this one does not know - connections the routers moved here from
 * it - go on to that peer's MAC on the port they arrive on, so they finish
 * there (nc_dp_set_redirect). MACs come in the peers' port order: the same
 * index as ours when the dispatchers are built alike.
 */
static void
redirect_poll(struct nc_app *a, uint64_t now)
{
	struct nc_cluster_app *cl = a->cl;
	struct nc_cluster_peer_info pi;
	uint16_t port;
	int i, want = -1;

	for (i = 0; i < nc_cluster_n_peers(cl->c) && want < 0 && !a->draining && !a->stopping; i++)
		if (nc_cluster_peer_get(cl->c, (unsigned int)i, now, &pi) == 0 && pi.state == NC_PEER_UP &&
		    pi.said == NC_CLUSTER_DRAINING && pi.n_macs != 0)
			want = i;
	if (want == cl->redirect_peer)
		return;
	cl->redirect_peer = want;
	if (want < 0) {
		for (port = 0; port < a->cfg->n_ports; port++)
			nc_dp_set_redirect(a->dp, port, NULL);
		NC_LOG(NOTICE, APP, "cluster: no peer draining: unknown TCP flows dropped again");
	} else {
		struct rte_ether_addr mac;
		char ip[INET6_ADDRSTRLEN];

		/* the routers hand its connections over on the front ports: on
		 * each port, the peer's MAC of the same port */
		nc_cluster_peer_get(cl->c, (unsigned int)want, now, &pi);
		for (port = 0; port < a->cfg->n_ports && port < pi.n_macs; port++) {
			memcpy(mac.addr_bytes, pi.mac[port], 6);
			nc_dp_set_redirect(a->dp, port, &mac);
		}
		NC_LOG(NOTICE, APP, "cluster: peer %s draining: TCP segments of unknown flows go on to it",
		       ip_str(pi.family, pi.addr, pi.addr6, ip));
	}
}

static void
tel_refresh(struct nc_cluster_app *cl, uint64_t now)
{
	unsigned int i, n = (unsigned int)nc_cluster_n_peers(cl->c);

	rte_spinlock_lock(&cl->lock);
	nc_cluster_counters_get(cl->c, &cl->tel_cnt);
	cl->tel_n = n;
	for (i = 0; i < n; i++)
		nc_cluster_peer_get(cl->c, i, now, &cl->tel_peer[i]);
	rte_spinlock_unlock(&cl->lock);
	cl->tel_refresh_ms = now;
}

unsigned int
nc_cluster_app_poll(struct nc_app *a)
{
	struct nc_cluster_app *cl = a->cl;
	uint64_t now, real;
	unsigned int s, n;

	if (cl == NULL)
		return 0;
	now = clock_ms(CLOCK_MONOTONIC);
	real = clock_ms(CLOCK_REALTIME);
	if (now >= cl->next_digest_ms) {
		describe_services(a);
		cl->next_digest_ms = now + DIGEST_EVERY_MS;
	}
	/* a clean stop drains first: "stopping" is said once, at the end */
	nc_cluster_set_state(cl->c, a->front_down ? NC_CLUSTER_STOPPING :
			     a->draining || a->stopping ? NC_CLUSTER_DRAINING : NC_CLUSTER_READY);
	n = nc_cluster_poll(cl->c, now);
	nc_sync_app_poll(a, now);
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		struct nc_service_view sv;

		nc_dp_service_view(a->dp, s, &sv, NULL, 0);
		if (sv.state != NC_SVC_REMOVED)
			svc_poll(a, s, now, real);
	}
	if (now - cl->tel_refresh_ms >= 100) {
		tel_refresh(cl, now);
		redirect_poll(a, now);
	}
	return n;
}

/* ---- readers ---- */

struct nc_cluster *
nc_cluster_app_channel(struct nc_app *a)
{
	return a->cl != NULL ? a->cl->c : NULL;
}

static json_t *
weights_json(const struct nc_cfg_service *cs, const struct nc_wset *ws)
{
	json_t *o = json_object();
	unsigned int i;

	for (i = 0; i < ws->n && i < cs->n_servers; i++)
		if (cs->servers[i].name[0] != '\0')
			json_object_set_new(o, cs->servers[i].name, json_integer(ws->w[i]));
	return o;
}

static const char *
mac_str(const uint8_t *m, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

json_t *
nc_cluster_app_json(struct nc_app *a)
{
	const struct nc_cfg_cluster *cc = &a->cfg->cluster;
	struct nc_cluster_app *cl = a->cl;
	const struct nc_config *cfg;
	struct nc_cluster_counters k;
	uint64_t now = clock_ms(CLOCK_MONOTONIC);
	json_t *j, *peers, *svcs, *ch;
	char ip[INET_ADDRSTRLEN], m[18];
	unsigned int i, s, r;

	if (cl == NULL)
		return json_pack("{s:b, s:b}", "enabled", 0, "draining", a->draining);
	cfg = nc_dp_config(a->dp);
	svcs = json_array();
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		struct nc_cluster_svc_info si;

		if (nc_cluster_service_info(cl->c, s, &si) != 0)
			continue;
		json_array_append_new(svcs, json_pack(
			"{s:s, s:b, s:b, s:I, s:i, s:I, s:I, s:I, s:o}", "name", cfg->services[s].name,
			"adaptive", si.adaptive, "synced", si.synced, "interval", (json_int_t)si.k,
			"contributors", si.contributors, "merges", (json_int_t)si.merges,
			"merges_partial", (json_int_t)si.merges_partial, "adopted", (json_int_t)si.adopted,
			"weights", si.has_weights ? weights_json(&cfg->services[s], &si.ws) : json_null()));
	}
	peers = json_array();
	for (i = 0; i < (unsigned int)nc_cluster_n_peers(cl->c); i++) {
		struct nc_cluster_peer_info pi;
		json_t *pj, *ps = json_array(), *macs = json_array();

		nc_cluster_peer_get(cl->c, i, now, &pi);
		for (r = 0; r < pi.n_macs; r++)
			json_array_append_new(macs, json_string(mac_str(pi.mac[r], m)));
		for (s = 0; s < nc_dp_n_services(a->dp); s++) {
			struct nc_cluster_peer_svc x;

			if (nc_cluster_peer_service(cl->c, i, s, &x) != 0)
				continue;
			json_array_append_new(ps, json_pack(
				"{s:s, s:o, s:b, s:o, s:o}", "name", cfg->services[s].name,
				"digest_match", x.digest_known ? json_boolean(x.digest_match) : json_null(),
				"synced", x.synced,
				"interval", x.has_weights ? json_integer((json_int_t)x.k) : json_null(),
				"weights", x.has_weights ? weights_json(&cfg->services[s], &x.ws) : json_null()));
		}
		pj = json_pack("{s:s, s:i, s:o, s:s, s:o, s:o, s:o, s:I, s:o, s:o}",
			       "address", ip_str(pi.family, pi.addr, pi.addr6, ip), "port", pi.port,
			       "id", pi.id >= 0 ? json_integer(pi.id) : json_null(),
			       "state", nc_cluster_peer_state_name(pi.state),
			       "said", pi.said != 0 ? json_string(nc_cluster_state_name(pi.said)) : json_null(),
			       "last_heard_ms", pi.last_heard_ms >= 0 ? json_integer(pi.last_heard_ms) : json_null(),
			       "rtt_ms", pi.rtt_us >= 0 ? json_real((double)pi.rtt_us / 1000.0) : json_null(),
			       "epoch", (json_int_t)pi.epoch, "macs", macs, "services", ps);
		json_array_append_new(peers, pj);
	}
	nc_cluster_counters_get(cl->c, &k);
	ch = json_pack("{s:I, s:I}", "tx", (json_int_t)k.tx, "tx_failed", (json_int_t)k.tx_failed);
	for (r = 0; r < NC_CL_RX_MAX; r++) {
		char key[32];

		snprintf(key, sizeof(key), "rx_%s", nc_cl_rx_name[r]);
		json_object_set_new(ch, key, json_integer((json_int_t)k.rx[r]));
	}
	json_object_set_new(ch, "rx_records_skipped", json_integer((json_int_t)k.rx_records_skipped));
	json_object_set_new(ch, "gaps", json_integer((json_int_t)k.gaps));
	json_object_set_new(ch, "stalls", json_integer((json_int_t)k.stalls));
	j = json_pack("{s:b, s:i, s:s, s:b, s:I, s:s, s:i, s:i, s:i, s:o, s:o, s:o}",
		      "enabled", 1, "id", cc->id, "state",
		      nc_cluster_state_name(nc_cluster_get_state(cl->c)), "draining", a->draining,
		      "epoch", (json_int_t)nc_cluster_epoch(cl->c),
		      "address", ip_str(cc->family, cc->bind_addr, cc->bind_addr6, ip),
		      "sync_port", cc->sync_port, "heartbeat_ms", cc->heartbeat_ms, "dead_ms", cc->dead_ms,
		      "services", svcs, "peers", peers, "channel", ch);
	if (j != NULL)
		json_object_set_new(j, "sync", nc_sync_app_json(a));
	{
		static struct nc_dp_stats st;

		/* TCP segments of a draining peer's connections sent on to it */
		nc_dp_stats_get(a->dp, &st);
		json_object_set_new(j, "redirected", json_integer((json_int_t)st.redirected));
	}
	return j;
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One per-service family of the merges: <what> 0 merges, 1 partial, 2 contributors, 3 adopted. */
static void
svc_family(struct nc_app *a, FILE *f, const char *name, const char *type, const char *help,
	   int what)
{
	const struct nc_config *cfg = nc_dp_config(a->dp);
	unsigned int s;

	family(f, name, type, help);
	for (s = 0; s < nc_dp_n_services(a->dp); s++) {
		struct nc_cluster_svc_info si;
		uint64_t v;

		if (nc_cluster_service_info(a->cl->c, s, &si) != 0 || !si.adaptive)
			continue;
		v = what == 0 ? si.merges : what == 1 ? si.merges_partial :
		    what == 2 ? si.contributors : si.adopted;
		fprintf(f, "%s{service=\"%s\"} %" PRIu64 "\n", name, cfg->services[s].name, v);
	}
}

void
nc_cluster_app_metrics(struct nc_app *a, FILE *f)
{
	struct nc_cluster_app *cl = a->cl;
	const struct nc_config *cfg;
	struct nc_cluster_peer_info pi[NC_CLUSTER_MAX_PEERS];
	struct nc_cluster_counters k;
	uint64_t now = clock_ms(CLOCK_MONOTONIC);
	char ip[NC_CLUSTER_MAX_PEERS][INET6_ADDRSTRLEN];
	unsigned int i, n, s, r, v;

	if (cl == NULL)
		return;
	cfg = nc_dp_config(a->dp);
	n = (unsigned int)nc_cluster_n_peers(cl->c);
	for (i = 0; i < n; i++) {
		nc_cluster_peer_get(cl->c, i, now, &pi[i]);
		ip_str(pi[i].family, pi[i].addr, pi[i].addr6, ip[i]);
	}
	nc_cluster_counters_get(cl->c, &k);
	family(f, "nc_cluster_draining", "gauge", "1 while this dispatcher is draining");
	fprintf(f, "nc_cluster_draining %d\n", a->draining ? 1 : 0);
	family(f, "nc_cluster_tx_total", "counter", "Cluster channel datagrams sent");
	fprintf(f, "nc_cluster_tx_total %" PRIu64 "\n", k.tx);
	family(f, "nc_cluster_tx_failed_total", "counter", "Cluster channel datagrams that could not be sent");
	fprintf(f, "nc_cluster_tx_failed_total %" PRIu64 "\n", k.tx_failed);
	family(f, "nc_cluster_rx_total", "counter",
	       "Cluster channel datagrams received, by verdict (ok, or the reason it was dropped)");
	for (r = 0; r < NC_CL_RX_MAX; r++)
		fprintf(f, "nc_cluster_rx_total{reason=\"%s\"} %" PRIu64 "\n", nc_cl_rx_name[r], k.rx[r]);
	family(f, "nc_cluster_peer_id", "gauge", "The cluster id the peer's messages carry (-1: never heard)");
	for (i = 0; i < n; i++)
		fprintf(f, "nc_cluster_peer_id{peer=\"%s\"} %d\n", ip[i], pi[i].id);
	family(f, "nc_cluster_peer_up", "gauge", "1 when the peer's heartbeats arrive, 0 when down or stopping");
	for (i = 0; i < n; i++)
		fprintf(f, "nc_cluster_peer_up{peer=\"%s\"} %d\n", ip[i],
			pi[i].state == NC_PEER_UP ? 1 : 0);
	family(f, "nc_cluster_peer_stopping", "gauge", "1 when the peer said it is stopping");
	for (i = 0; i < n; i++)
		fprintf(f, "nc_cluster_peer_stopping{peer=\"%s\"} %d\n", ip[i],
			pi[i].state == NC_PEER_STOPPING ? 1 : 0);
	family(f, "nc_cluster_peer_last_heard_seconds", "gauge", "Time since the peer's last accepted message");
	for (i = 0; i < n; i++)
		if (pi[i].last_heard_ms >= 0)
			fprintf(f, "nc_cluster_peer_last_heard_seconds{peer=\"%s\"} %.3f\n", ip[i],
				(double)pi[i].last_heard_ms / 1000.0);
	family(f, "nc_cluster_peer_rtt_seconds", "gauge", "Round trip to the peer, from its heartbeat echoes (ms resolution)");
	for (i = 0; i < n; i++)
		if (pi[i].rtt_us >= 0)
			fprintf(f, "nc_cluster_peer_rtt_seconds{peer=\"%s\"} %.6f\n", ip[i],
				(double)pi[i].rtt_us / 1e6);
	family(f, "nc_cluster_peer_rx_total", "counter", "Messages accepted from the peer");
	for (i = 0; i < n; i++)
		fprintf(f, "nc_cluster_peer_rx_total{peer=\"%s\"} %" PRIu64 "\n", ip[i],
			pi[i].rx_ok);
	family(f, "nc_cluster_peer_digest_match", "gauge",
	       "1 when the peer's configuration digest of the service equals ours, 0 when not (absent: not heard)");
	for (i = 0; i < n; i++)
		for (s = 0; s < nc_dp_n_services(a->dp); s++) {
			struct nc_cluster_peer_svc x;

			if (nc_cluster_peer_service(cl->c, i, s, &x) == 0 && x.digest_known)
				fprintf(f, "nc_cluster_peer_digest_match{peer=\"%s\",service=\"%s\"} %d\n",
					ip[i], cfg->services[s].name, x.digest_match ? 1 : 0);
		}
	family(f, "nc_cluster_peer_weight", "gauge", "The weight the peer published last, per service and server");
	for (i = 0; i < n; i++)
		for (s = 0; s < nc_dp_n_services(a->dp); s++) {
			struct nc_cluster_peer_svc x;

			if (nc_cluster_peer_service(cl->c, i, s, &x) != 0 || !x.has_weights)
				continue;
			for (v = 0; v < x.ws.n && v < cfg->services[s].n_servers; v++)
				if (cfg->services[s].servers[v].name[0] != '\0')
					fprintf(f, "nc_cluster_peer_weight{peer=\"%s\",service=\"%s\","
						"server=\"%s\"} %u\n", ip[i], cfg->services[s].name,
						cfg->services[s].servers[v].name, x.ws.w[v]);
		}
	svc_family(a, f, "nc_cluster_merges_total", "counter",
		   "Intervals run on merged measurements, per service", 0);
	svc_family(a, f, "nc_cluster_merges_partial_total", "counter",
		   "Merged intervals that gave up waiting for a live peer's measurements", 1);
	svc_family(a, f, "nc_cluster_merge_contributors", "gauge",
		   "Dispatchers whose measurements the last merge summed", 2);
	svc_family(a, f, "nc_cluster_weights_adopted_total", "counter",
		   "Weights taken from the reference peer", 3);
	nc_sync_app_metrics(a, f);
}

int
nc_cluster_app_tel(struct nc_cluster_tel *out)
{
	struct nc_cluster_app *cl;

	rte_spinlock_lock(&tel_cl_lock);
	cl = tel_cl;
	if (cl != NULL) {
		rte_spinlock_lock(&cl->lock);
		out->cnt = cl->tel_cnt;
		out->n_peers = cl->tel_n;
		memcpy(out->peer, cl->tel_peer, sizeof(out->peer));
		out->id = nc_cluster_id(cl->c);
		rte_spinlock_unlock(&cl->lock);
	}
	rte_spinlock_unlock(&tel_cl_lock);
	return cl != NULL ? 0 : -ENOENT;
}
