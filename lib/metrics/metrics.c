/* SPDX-License-Identifier: BSD-3-Clause
 * Prometheus text exposition 0.0.4 of the data plane and the ports
 * (nc_metrics.h). A family's samples must follow its HELP and TYPE lines
 * together, so every service's views are copied first and the families are
 * then written one after the other from that copy; only the response-time
 * histograms are read while they are written, one server at a time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nc_metrics.h"
#include "nc_net.h"

static const uint32_t rt_bounds_us[] = { NC_METRICS_RT_BOUNDS_US };
#define N_RT_BOUNDS (sizeof(rt_bounds_us) / sizeof(rt_bounds_us[0]))

/* One service as read at the start of a scrape. */
struct svc_snap {
	struct nc_service_view sv;
	struct nc_failsafe_view fs;
	unsigned int n;                               /* servers */
	struct nc_server_view srv[NC_MAX_SERVERS];
};

struct snap {
	struct nc_dp_stats st;
	struct nc_dp_rt_hist rt;                      /* the server being written */
	unsigned int n_svc;
	struct svc_snap svc[];
};

struct lbl {
	const char *k;
	const char *v;
};

/* A label value: backslash, double quote and line feed escaped. */
static void
put_escaped(FILE *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", o);
		else if (*s == '"')
			fputs("\\\"", o);
		else if (*s == '\n')
			fputs("\\n", o);
		else
			fputc(*s, o);
	}
}

static void
family(FILE *o, const char *name, const char *type, const char *help)
{
	fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* <name><suffix>{<l>...} <value> */
static void
sample(FILE *o, const char *name, const char *suffix, const struct lbl *l, unsigned int n,
       const char *value)
{
	unsigned int i;

	fputs(name, o);
	if (suffix != NULL)
		fputs(suffix, o);
	if (n != 0) {
		fputc('{', o);
		for (i = 0; i < n; i++) {
			fprintf(o, "%s%s=\"", i != 0 ? "," : "", l[i].k);
			put_escaped(o, l[i].v);
			fputc('"', o);
		}
		fputc('}', o);
	}
	fprintf(o, " %s\n", value);
}

static void
sample_u64(FILE *o, const char *name, const char *suffix, const struct lbl *l, unsigned int n,
	   uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	sample(o, name, suffix, l, n, buf);
}

/* <us> microseconds as exact decimal seconds: 500 -> "0.0005", 2500000 -> "2.5". */
static const char *
seconds_str(uint64_t us, char *buf, size_t len)
{
	size_t end;

	snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
	end = strlen(buf);
	while (buf[end - 1] == '0')
		buf[--end] = '\0';
	if (buf[end - 1] == '.')
		buf[end - 1] = '\0';
	return buf;
}

void
nc_metrics_rt_cumulative(const struct nc_dp_rt_hist *h, const uint32_t *bounds_us,
			 unsigned int n, uint64_t *out)
{
	uint64_t below = 0;   /* responses in the buckets wholly at or below the bound */
	unsigned int b = 0, k;

	for (k = 0; k < n; k++) {
		uint64_t bound = bounds_us[k], c;

		/* bucket b holds the whole microseconds low(b) .. high(b) - 1 */
		while (b < NC_RT_BUCKETS && (uint64_t)nc_rt_bucket_high(b) - 1 <= bound)
			below += h->hist[b++];
		c = below;
		if (b < NC_RT_BUCKETS && nc_rt_bucket_low(b) <= bound) {
			/* bound - low + 1 of its <width> values are at or below the
			 * bound: that share of its count, rounded half up,
			 * floor(hist * part / width + 1/2) */
			uint64_t low = nc_rt_bucket_low(b);
			uint64_t width = (uint64_t)nc_rt_bucket_high(b) - low;

			c += (uint64_t)(((unsigned __int128)h->hist[b] * (bound - low + 1) * 2 + width) /
					(2 * width));
		}
		/* a reading taken while a worker records may have a bucket
		 * increment without its count */
		out[k] = c < h->count ? c : h->count;
	}
}

/* ---- families, table-driven: one getter per family for server <i> of
 * service <svc> (service families ignore <i>); <which> picks the value of the
 * family's extra label, if it has one ---- */

struct fam {
	const char *name;
	const char *type;
	const char *help;
	const char *key;          /* extra label; NULL: none */
	unsigned int n_val;
	const char *val[2];       /* its values (when val_name is NULL) */
	uint64_t (*get)(const struct snap *sn, unsigned int svc, unsigned int i, unsigned int which);
	const char *(*val_name)(unsigned int which);   /* the extra label's values */
};

#define GETTER(fn, expr) \
	static uint64_t fn(const struct snap *sn, unsigned int svc, unsigned int i, \
			   unsigned int which) \
	{ \
		const struct svc_snap *s = &sn->svc[svc]; \
		const struct nc_svc_stats *ss = &sn->st.svc[svc]; \
		(void)s; (void)ss; (void)i; (void)which; \
		return (expr); \
	}

/* The operator states a server can be in, NC_ADMIN_UP .. NC_ADMIN_REMOVING. */
static const char *
admin_name(unsigned int which)
{
	return nc_admin_state_name((enum nc_admin_state)which);
}

GETTER(srv_up, s->srv[i].health_up != 0)
GETTER(srv_state, s->srv[i].admin == which)
GETTER(srv_weight, s->srv[i].weight)
GETTER(srv_active, s->srv[i].flows_active)
GETTER(srv_flows, s->srv[i].flows)
GETTER(srv_requests, s->srv[i].requests)
GETTER(srv_bytes, s->srv[i].bytes)
GETTER(srv_probes, which == 0 ? s->srv[i].probes_good : s->srv[i].probes_bad)
GETTER(srv_down, s->srv[i].down_count)
GETTER(srv_failed_over, s->fs.failed_over[i])

static const struct fam srv_fams[] = {
	{ "netchestra_server_up", "gauge",
	  "1 when the server's health (probes, fail-safe) is up, 0 when down", NULL, 0, { NULL },
	  srv_up },
	{ "netchestra_server_state", "gauge",
	  "Operator state of the server: 1 for the current one", "state", NC_ADMIN_FREE,
	  { NULL }, srv_state, admin_name },
	{ "netchestra_server_weight", "gauge",
	  "Weight of the server in percent, as published to the workers", NULL, 0, { NULL },
	  srv_weight },
	{ "netchestra_server_flows_active", "gauge",
	  "Flows open on the server, as of the last monitor interval", NULL, 0, { NULL }, srv_active },
	{ "netchestra_server_flows_total", "counter",
	  "Flows opened on the server, as of the last monitor interval", NULL, 0, { NULL }, srv_flows },
	{ "netchestra_server_requests_total", "counter",
	  "Requests sent to the server, as of the last monitor interval", NULL, 0, { NULL },
	  srv_requests },
	{ "netchestra_server_bytes_total", "counter",
	  "Frame bytes to and from the server, as of the last monitor interval", NULL, 0, { NULL },
	  srv_bytes },
	{ "netchestra_server_probes_total", "counter",
	  "Health probe results of the server", "result", 2, { "good", "bad" }, srv_probes },
	{ "netchestra_server_down_total", "counter",
	  "Times the server went down", NULL, 0, { NULL }, srv_down },
	{ "netchestra_server_failed_over_total", "counter",
	  "Flows the transaction fail-safe moved off the server", NULL, 0, { NULL }, srv_failed_over },
};

GETTER(svc_opened, ss->flows_opened)
GETTER(svc_active, ss->flows_opened >= ss->flows_closed ? ss->flows_opened - ss->flows_closed : 0)
GETTER(svc_half_open, ss->half_open)
GETTER(svc_udp_unreplied, ss->udp_unreplied)
GETTER(svc_packets, which == 0 ? ss->pkts_c2s : ss->pkts_s2c)
GETTER(svc_bytes, which == 0 ? ss->bytes_c2s : ss->bytes_s2c)
GETTER(svc_held, s->fs.held)
GETTER(svc_released, s->fs.released)
GETTER(svc_replays, s->fs.replays)
GETTER(svc_resets, s->fs.resets)
GETTER(svc_store_full, s->fs.store_full)
GETTER(svc_affinity, s->fs.affinity_hits)
GETTER(svc_fin_kept, s->fs.fin_kept)
GETTER(svc_reconnects, s->fs.reconnects)
GETTER(svc_early, s->fs.early)
GETTER(svc_waited, s->fs.waited)
GETTER(svc_move_waited, s->fs.move_waited)
GETTER(svc_syn_resent, s->fs.syn_resent)
GETTER(svc_stale_tuple, s->fs.stale_tuple)
GETTER(svc_conn_kind, which == 0 ? s->fs.opaque : s->fs.unframed)
GETTER(svc_abandoned, s->fs.abandoned)
GETTER(svc_ca, ss->ca[which])
GETTER(svc_sp, ss->sp[which])
GETTER(svc_sp_active, ss->sp_active)

static const char *
ca_event_name(unsigned int which)
{
	return nc_ca_event_name[which];
}

static const char *
sp_event_name(unsigned int which)
{
	return nc_sp_event_name[which];
}

static const struct fam svc_fams[] = {
	{ "netchestra_service_flows_opened_total", "counter",
	  "Flows opened on the service", NULL, 0, { NULL }, svc_opened },
	{ "netchestra_service_flows_active", "gauge",
	  "Flows open on the service", NULL, 0, { NULL }, svc_active },
	{ "netchestra_service_half_open", "gauge",
	  "TCP flows of the service whose handshake is under way (capped by limits.half_open_max)",
	  NULL, 0, { NULL }, svc_half_open },
	{ "netchestra_service_udp_unreplied", "gauge",
	  "UDP flows of the service no server answered yet (capped by limits.udp_unreplied_max)",
	  NULL, 0, { NULL }, svc_udp_unreplied },
	{ "netchestra_service_packets_total", "counter",
	  "Packets forwarded, client to server (c2s) and server to client (s2c)", "direction", 2,
	  { "c2s", "s2c" }, svc_packets },
	{ "netchestra_service_bytes_total", "counter",
	  "Frame bytes forwarded, client to server (c2s) and server to client (s2c)", "direction", 2,
	  { "c2s", "s2c" }, svc_bytes },
	{ "netchestra_failsafe_held_total", "counter",
	  "Requests the transaction fail-safe held until answered", NULL, 0, { NULL }, svc_held },
	{ "netchestra_failsafe_released_total", "counter",
	  "Held requests released on an answer", NULL, 0, { NULL }, svc_released },
	{ "netchestra_failsafe_replays_total", "counter",
	  "Connections and datagrams whose held requests moved to another server after a failure",
	  NULL, 0, { NULL }, svc_replays },
	{ "netchestra_failsafe_resets_total", "counter",
	  "Flows given up: no server left, max_replays reached, or reset after the response began",
	  NULL, 0, { NULL }, svc_resets },
	{ "netchestra_failsafe_store_full_total", "counter",
	  "Requests not held: transaction store or copy pool full", NULL, 0, { NULL }, svc_store_full },
	{ "netchestra_failsafe_fin_kept_total", "counter",
	  "Idle keep-alive connections closed by their server, the FIN kept from the client",
	  NULL, 0, { NULL }, svc_fin_kept },
	{ "netchestra_failsafe_reconnects_total", "counter",
	  "Requests carried to a new connection as their server closed before it had them (no failure)",
	  NULL, 0, { NULL }, svc_reconnects },
	{ "netchestra_failsafe_early_total", "counter",
	  "Requests their server answered before their last byte came", NULL, 0, { NULL }, svc_early },
	{ "netchestra_failsafe_waited_total", "counter",
	  "Late TCP requests on the only server up, left waiting", NULL, 0, { NULL }, svc_waited },
	{ "netchestra_failsafe_move_waited_total", "counter",
	  "Moves put off until the client acknowledged what its old server had sent",
	  NULL, 0, { NULL }, svc_move_waited },
	{ "netchestra_failsafe_syn_resent_total", "counter",
	  "SYNs of moved connections sent again to their new server, unanswered for 1 s",
	  NULL, 0, { NULL }, svc_syn_resent },
	{ "netchestra_failsafe_stale_tuple_total", "counter",
	  "SYNs a server answered from a 4-tuple it still held (TIME_WAIT): reset and sent again",
	  NULL, 0, { NULL }, svc_stale_tuple },
	{ "netchestra_failsafe_connections_total", "counter",
	  "TCP connections held as opaque (first flight only) and left unprotected (not followed)",
	  "kind", 2, { "opaque", "unframed" }, svc_conn_kind },
	{ "netchestra_failsafe_abandoned_total", "counter",
	  "Requests no longer held: past hold_limit_kb or a full store", NULL, 0, { NULL }, svc_abandoned },
	{ "netchestra_affinity_hits_total", "counter",
	  "New flows sent to the client's affinity server", NULL, 0, { NULL }, svc_affinity },
	{ "netchestra_client_address_events_total", "counter",
	  "How the client's address reached the servers (client_address), by event", "event",
	  NC_CA_EV_MAX, { NULL }, svc_ca, ca_event_name },
	{ "netchestra_syn_proxy_events_total", "counter",
	  "SYN proxy (syn_proxy) of the service, by event: cookies sent, valid, bad, expired; "
	  "connections opened; data held; auto on and off", "event",
	  NC_SP_EV_MAX, { NULL }, svc_sp, sp_event_name },
	{ "netchestra_syn_proxy_active", "gauge",
	  "1 while the service answers client SYNs with SYN cookies (syn_proxy on, or auto above its threshold)",
	  NULL, 0, { NULL }, svc_sp_active },
};

/* Every sample of family <f>: each service's servers (<per_server>) or each
 * service, times the values of the extra label. */
static void
write_fam(FILE *o, const struct snap *sn, const struct fam *f, int per_server)
{
	unsigned int s, i, w;

	family(o, f->name, f->type, f->help);
	for (s = 0; s < sn->n_svc; s++) {
		const struct svc_snap *ss = &sn->svc[s];
		unsigned int n = per_server ? ss->n : 1;

		if (ss->sv.state == NC_SVC_REMOVED)   /* gone: nothing to show */
			continue;

		for (i = 0; i < n; i++) {
			if (per_server && ss->srv[i].admin == NC_ADMIN_FREE)
				continue;
			for (w = 0; w < (f->key != NULL ? f->n_val : 1u); w++) {
				struct lbl l[3];
				unsigned int nl = 0;

				l[nl++] = (struct lbl){ "service", ss->sv.name };
				if (per_server)
					l[nl++] = (struct lbl){ "server", ss->srv[i].name };
				if (f->key != NULL)
					l[nl++] = (struct lbl){ f->key, f->val_name != NULL ?
								f->val_name(w) : f->val[w] };
				sample_u64(o, f->name, NULL, l, nl, f->get(sn, s, i, w));
			}
		}
	}
}

/* The response-time histogram of every server, read now. */
static void
write_rt(FILE *o, const struct nc_dp *dp, struct snap *sn)
{
	static const char name[] = "netchestra_response_time_seconds";
	uint64_t cum[N_RT_BOUNDS];
	char le[32], v[32];
	unsigned int s, i, k;

	family(o, name, "histogram",
	       "Time from a request to the server's first response byte, since start");
	for (s = 0; s < sn->n_svc; s++) {
		const struct svc_snap *ss = &sn->svc[s];

		if (ss->sv.state == NC_SVC_REMOVED)
			continue;
		for (i = 0; i < ss->n; i++) {
			struct lbl l[3] = { { "service", ss->sv.name }, { "server", ss->srv[i].name },
					    { "le", le } };

			if (ss->srv[i].admin == NC_ADMIN_FREE)
				continue;
			if (nc_dp_server_rt_hist(dp, s, i, &sn->rt) != 0)
				memset(&sn->rt, 0, sizeof(sn->rt));
			nc_metrics_rt_cumulative(&sn->rt, rt_bounds_us, N_RT_BOUNDS, cum);
			for (k = 0; k < N_RT_BOUNDS; k++) {
				seconds_str(rt_bounds_us[k], le, sizeof(le));
				sample_u64(o, name, "_bucket", l, 3, cum[k]);
			}
			snprintf(le, sizeof(le), "+Inf");
			sample_u64(o, name, "_bucket", l, 3, sn->rt.count);
			sample(o, name, "_sum", l, 2, seconds_str(sn->rt.sum_us, v, sizeof(v)));
			sample_u64(o, name, "_count", l, 2, sn->rt.count);
		}
	}
}

static void
write_drops(FILE *o, const struct snap *sn)
{
	static const char name[] = "netchestra_drops_total";
	unsigned int r;

	family(o, name, "counter", "Packets the workers dropped, by reason");
	for (r = 0; r < NC_DROP_MAX; r++) {
		struct lbl l = { "reason", nc_drop_name[r] };

		sample_u64(o, name, NULL, &l, 1, sn->st.drop[r]);
	}
}

/* Packets a worker received for a flow another worker owns and passed on
 * through that worker's ring (several workers: ports whose RSS the data
 * plane cannot predict, affinity, fragments, a local port not steered). */
static void
write_handoffs(FILE *o, const struct snap *sn)
{
	family(o, "netchestra_handoffs_total", "counter",
	       "Packets passed to the worker owning their flow, all workers");
	sample_u64(o, "netchestra_handoffs_total", NULL, NULL, 0, sn->st.handoff_out);
	family(o, "netchestra_local_ports_steer_missed_total", "counter",
	       "Flows given a local port whose server answers reach another worker's queue");
	sample_u64(o, "netchestra_local_ports_steer_missed_total", NULL, NULL, 0,
		   sn->st.lport_steer_missed);
}

/* ICMP errors about a flow's packet passed on to its other leg: path MTU
 * discovery through the NAT (fragmentation needed, packet too big). */
static void
write_icmp_relayed(FILE *o, const struct snap *sn)
{
	family(o, "netchestra_icmp_relayed_total", "counter",
	       "ICMP errors about a flow's packet passed on to the flow's other leg");
	sample_u64(o, "netchestra_icmp_relayed_total", NULL, NULL, 0, sn->st.icmp_relayed);
}

static const struct port_fam {
	const char *name;
	const char *help;
	size_t off;
} port_fams[] = {
	{ "netchestra_port_rx_packets_total", "Packets received by the port",
	  offsetof(struct nc_metrics_port, rx_packets) },
	{ "netchestra_port_tx_packets_total", "Packets sent by the port",
	  offsetof(struct nc_metrics_port, tx_packets) },
	{ "netchestra_port_rx_bytes_total", "Bytes received by the port",
	  offsetof(struct nc_metrics_port, rx_bytes) },
	{ "netchestra_port_tx_bytes_total", "Bytes sent by the port",
	  offsetof(struct nc_metrics_port, tx_bytes) },
	{ "netchestra_port_rx_missed_total", "Packets the port dropped: receive queues full",
	  offsetof(struct nc_metrics_port, rx_missed) },
	{ "netchestra_port_rx_errors_total", "Erroneous packets received by the port",
	  offsetof(struct nc_metrics_port, rx_errors) },
	{ "netchestra_port_tx_errors_total", "Packets the port failed to send",
	  offsetof(struct nc_metrics_port, tx_errors) },
	{ "netchestra_port_rx_nombuf_total", "Receive buffer allocation failures of the port",
	  offsetof(struct nc_metrics_port, rx_nombuf) },
};

static void
write_ports(FILE *o, const struct nc_metrics_port *ports, unsigned int n_ports)
{
	unsigned int k, p;

	for (k = 0; k < sizeof(port_fams) / sizeof(port_fams[0]); k++) {
		family(o, port_fams[k].name, "counter", port_fams[k].help);
		for (p = 0; p < n_ports; p++) {
			struct lbl l = { "port", ports[p].name != NULL ? ports[p].name : "" };
			uint64_t v;

			memcpy(&v, (const char *)&ports[p] + port_fams[k].off, sizeof(v));
			sample_u64(o, port_fams[k].name, NULL, &l, 1, v);
		}
	}
}

/* The flow tables' fill and every local IP's port pool: what a flood uses up. */
static void
write_tables(FILE *o, const struct nc_dp *dp)
{
	struct nc_dp_flow_fill fill;
	struct nc_dp_lport_pool pool;
	unsigned int l;

	nc_dp_flow_fill(dp, &fill);
	family(o, "netchestra_flows_open", "gauge", "Flows in the flow tables now, all workers");
	sample_u64(o, "netchestra_flows_open", NULL, NULL, 0, fill.open);
	family(o, "netchestra_flows_max", "gauge",
	       "Flows the flow tables hold at most (limits.max_flows)");
	sample_u64(o, "netchestra_flows_max", NULL, NULL, 0, fill.max);
	family(o, "netchestra_local_ports_used", "gauge",
	       "Local ports of the local IP taken by flows now, all workers");
	for (l = 0; nc_dp_lport_pool(dp, l, &pool) == 0; l++) {
		struct lbl lb = { "local_ip", pool.addr };

		sample_u64(o, "netchestra_local_ports_used", NULL, &lb, 1, pool.used);
	}
	family(o, "netchestra_local_ports_size", "gauge",
	       "Local ports of the local IP's pool, free or taken, all workers");
	for (l = 0; nc_dp_lport_pool(dp, l, &pool) == 0; l++) {
		struct lbl lb = { "local_ip", pool.addr };

		sample_u64(o, "netchestra_local_ports_size", NULL, &lb, 1, pool.size);
	}
}

int
nc_metrics_write(FILE *out, const struct nc_dp *dp, const struct nc_metrics_port *ports,
		 unsigned int n_ports)
{
	unsigned int n_svc, s, k;
	struct snap *sn;

	if (out == NULL || dp == NULL || (ports == NULL && n_ports != 0))
		return -EINVAL;
	n_svc = nc_dp_n_services(dp);
	sn = calloc(1, sizeof(*sn) + (size_t)n_svc * sizeof(sn->svc[0]));
	if (sn == NULL)
		return -ENOMEM;
	for (s = 0; s < n_svc; s++) {
		struct svc_snap *ss = &sn->svc[s];
		int n = nc_dp_service_view(dp, s, &ss->sv, ss->srv, NC_MAX_SERVERS);

		if (n < 0)
			break;
		/* the servers the view holds */
		ss->n = RTE_MIN((unsigned int)n, (unsigned int)ss->sv.n_servers);
		ss->n = RTE_MIN(ss->n, (unsigned int)NC_MAX_SERVERS);
		if (nc_dp_failsafe_view(dp, s, &ss->fs) < 0)
			break;
		sn->n_svc = s + 1;
	}
	nc_dp_stats_get(dp, &sn->st);

	family(out, "netchestra_info", "gauge", "Netchestra version, always 1");
	{
		struct lbl l = { "version", NC_VERSION };

		sample_u64(out, "netchestra_info", NULL, &l, 1, 1);
	}
	for (k = 0; k < sizeof(srv_fams) / sizeof(srv_fams[0]); k++)
		write_fam(out, sn, &srv_fams[k], 1);
	write_rt(out, dp, sn);
	for (k = 0; k < sizeof(svc_fams) / sizeof(svc_fams[0]); k++)
		write_fam(out, sn, &svc_fams[k], 0);
	family(out, "netchestra_failsafe_held_now", "gauge",
	       "Requests the transaction fail-safe holds now, all services");
	sample_u64(out, "netchestra_failsafe_held_now", NULL, NULL, 0,
		   sn->n_svc != 0 ? sn->svc[0].fs.held_now : 0);
	write_tables(out, dp);
	write_drops(out, sn);
	write_handoffs(out, sn);
	write_icmp_relayed(out, sn);
	write_ports(out, ports, n_ports);
	free(sn);
	return ferror(out) ? -EIO : 0;
}
