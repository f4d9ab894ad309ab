/* SPDX-License-Identifier: BSD-3-Clause
 * The server monitor on the control lcore: health probes sent through the
 * ports, response times collected from the workers' per-server counters every
 * interval, the weight controller, and schedule publication. Views of it are
 * kept under a seqlock for readers on other threads (telemetry).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dp_priv.h"

/* Publish service <s>'s schedule from its current weights and states. A
 * draining server is published alive (up, its flows and held requests carry
 * on) with weight 0 (no new flows); a server taken down by the operator, or a
 * free slot, is published down. Every caller (a server down or up, drained,
 * added, removed, the weight controller's move) comes through here, so a
 * maglev table is rebuilt on each of them from what the slots are. */
int
nc_dp_mon_publish(struct nc_dp *dp, unsigned int s)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	const struct nc_mon_svc *ms = &dp->ctl->mon[s];
	const struct nc_sched_params p = { .kind = cs->scheduler, .maglev_size = cs->maglev_size,
					   .maglev_seed = cs->maglev_seed };
	struct nc_sched_server srv[NC_MAX_SERVERS];
	uint16_t i;
	int r;

	for (i = 0; i < cs->n_servers; i++) {
		const struct nc_mon_srv *m = &ms->srv[i];

		/* an IPv6 server: only its identity in a maglev table */
		srv[i].addr = cs->servers[i].family == AF_INET6 ?
			      rte_cpu_to_be_32(nc_maglev_server_id6(cs->servers[i].address6)) :
			      nc_be32(cs->servers[i].address);
		srv[i].port = rte_cpu_to_be_16(cs->servers[i].port);
		srv[i].nh = m->nh;
		switch (m->admin) {
		case NC_ADMIN_UP:
			srv[i].up = ms->ws.up[i];
			srv[i].weight = ms->ws.w[i];
			break;
		case NC_ADMIN_DRAIN:
		case NC_ADMIN_REMOVING:
			srv[i].up = m->health.up;
			srv[i].weight = 0;
			break;
		default:
			srv[i].up = 0;
			srv[i].weight = 0;
			break;
		}
	}
	r = nc_sched_publish_params(dp->sched, s, &p, srv, cs->n_servers);
	if (r < 0)
		NC_LOG(ERR, MON, "%s: publishing a schedule failed: %s", cs->name, nc_strerror(r));
	return r;
}

/* Totals of server <i> of service <s> over every worker. */
void
nc_dp_srv_totals(const struct nc_dp *dp, unsigned int s, unsigned int i, struct nc_srv_stats *out,
	   uint64_t *flows_opened)
{
	uint16_t k;

	memset(out, 0, sizeof(*out));
	*flows_opened = 0;
	for (k = 0; k < dp->n_workers; k++) {
		const struct nc_worker *w = dp->worker[k];
		const struct nc_srv_stats *x = &w->srv[s * NC_MAX_SERVERS + i];

		out->requests += __atomic_load_n(&x->requests, __ATOMIC_RELAXED);
		out->bytes += __atomic_load_n(&x->bytes, __ATOMIC_RELAXED);
		out->flows_closed += __atomic_load_n(&x->flows_closed, __ATOMIC_RELAXED);
		out->fs_held += __atomic_load_n(&x->fs_held, __ATOMIC_RELAXED);
		out->fs_unheld += __atomic_load_n(&x->fs_unheld, __ATOMIC_RELAXED);
		nc_rt_add(&out->rt, &x->rt);
		*flows_opened += __atomic_load_n(&w->st.svc[s].server_flows[i], __ATOMIC_RELAXED);
	}
}

/* Refresh the views' weights and states (after a change). Writer: control lcore. */
void
nc_dp_mon_view_states(struct nc_dp *dp, unsigned int s)
{
	struct nc_mon_svc *ms = &dp->ctl->mon[s];
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	uint16_t i, up = 0;

	rte_seqlock_write_lock(&ms->lock);
	for (i = 0; i < cs->n_servers; i++) {
		struct nc_server_view *v = &ms->srv_view[i];

		v->admin = ms->srv[i].admin;
		v->health_up = ms->srv[i].health.up;
		v->up = ms->ws.up[i];
		v->weight = ms->ws.w[i];
		up += ms->ws.up[i];
	}
	ms->view.n_servers = (uint8_t)cs->n_servers;
	ms->view.n_up = (uint8_t)up;
	ms->view.held = ms->ad.held;
	ms->view.moves = ms->ad.moves;
	rte_seqlock_write_unlock(&ms->lock);
}

int
nc_dp_mon_init(struct nc_dp *dp)
{
	uint64_t now = rte_rdtsc();
	uint16_t s, i;
	int r;

	/* one probe port per server slot of every service slot, so servers and
	 * services added at run time have theirs (client flows never get these) */
	dp->probe_lo = NC_PROBE_PORT_BASE;
	dp->probe_hi = NC_PROBE_PORT_BASE + NC_MAX_SERVICES * NC_MAX_SERVERS;
	for (s = 0; s < NC_MAX_SERVICES; s++) {
		dp->probe_base[s] = (uint16_t)(NC_PROBE_PORT_BASE + s * NC_MAX_SERVERS);
		for (i = 0; i < NC_MAX_SERVERS; i++)
			dp->probe_slot[s * NC_MAX_SERVERS + i] = (uint16_t)(s << 8 | i);
	}
	for (s = 0; s < dp->cfg->n_services; s++) {
		r = nc_dp_mon_svc_init(dp, s, now);
		if (r < 0)
			return r;
	}
	return 0;
}

int
nc_dp_mon_svc_init(struct nc_dp *dp, unsigned int s, uint64_t now)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_mon_svc *ms = &dp->ctl->mon[s];
	uint8_t w[NC_MAX_SERVERS];
	uint16_t i;
	int r;

	/* room for servers added at run time */
	if (ms->srv == NULL) {
		ms->srv = rte_zmalloc("nc_mon_srv", NC_MAX_SERVERS * sizeof(*ms->srv), RTE_CACHE_LINE_SIZE);
		ms->srv_view = rte_zmalloc("nc_mon_view", NC_MAX_SERVERS * sizeof(*ms->srv_view),
					   RTE_CACHE_LINE_SIZE);
		if (ms->srv == NULL || ms->srv_view == NULL)
			return -ENOMEM;
		rte_seqlock_init(&ms->lock);
	}
	memset(&ms->ad, 0, sizeof(ms->ad));
	rte_seqlock_write_lock(&ms->lock);
	for (i = 0; i < NC_MAX_SERVERS; i++) {
		memset(&ms->srv[i], 0, sizeof(ms->srv[i]));
		ms->srv[i].admin = NC_ADMIN_FREE;
		memset(&ms->srv_view[i], 0, sizeof(ms->srv_view[i]));
		ms->srv_view[i].admin = NC_ADMIN_FREE;
	}
	rte_seqlock_write_unlock(&ms->lock);
	for (i = 0; i < cs->n_servers; i++) {
		w[i] = cs->servers[i].weight;
		nc_dp_mon_srv_init(dp, s, i, now);
		/* spread the first probes over the first interval, after the
		 * first ARP requests for the servers had time to be answered */
		ms->srv[i].probe_next = now + dp->tsc_per_ms * (NC_PROBE_FIRST_MS +
					cs->health.interval_ms * i / cs->n_servers);
	}
	nc_wset_init(&ms->ws, w, cs->n_servers);
	rte_seqlock_write_lock(&ms->lock);
	memset(&ms->view, 0, sizeof(ms->view));
	snprintf(ms->view.name, sizeof(ms->view.name), "%s", cs->name);
	ms->view.vip = cs->vip;
	ms->view.family = cs->family == AF_INET6 ? AF_INET6 : AF_INET;
	if (cs->family == AF_INET6)
		memcpy(ms->view.vip6, cs->vip6, sizeof(ms->view.vip6));
	ms->view.port = cs->port;
	ms->view.proto = cs->proto;
	ms->view.health = (uint8_t)cs->health.type;
	ms->view.adaptive = cs->adaptive.enabled;
	ms->view.mode = (uint8_t)cs->adaptive.mode;
	ms->view.scheduler = (uint8_t)cs->scheduler;
	ms->view.n_servers = (uint8_t)cs->n_servers;
	ms->view.interval_ms = cs->adaptive.interval_ms != 0 ? cs->adaptive.interval_ms : 1000;
	rte_seqlock_write_unlock(&ms->lock);
	ms->next_interval = now + dp->tsc_per_ms * ms->view.interval_ms;
	nc_dp_mon_view_states(dp, s);
	r = nc_dp_mon_publish(dp, s);
	if (r < 0)
		return r;
	dp->sched_slot[s] = nc_sched_slot(dp->sched, s);
	return 0;
}

void
nc_dp_mon_srv_init(struct nc_dp *dp, unsigned int s, unsigned int i, uint64_t now)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	const struct nc_cfg_server *sv = &cs->servers[i];
	const struct nc_dp_svc *ds = &dp->tables->svc[s];
	struct nc_mon_svc *ms = &dp->ctl->mon[s];
	struct nc_mon_srv *m = &ms->srv[i];
	struct nc_server_view *v = &ms->srv_view[i];
	uint16_t port = 0;

	memset(m, 0, sizeof(*m));
	m->admin = NC_ADMIN_UP;
	m->nh = (uint32_t)(sv->family == AF_INET6 ? nc_neigh_next_hop6(dp->neigh, sv->address6, &port) :
			   nc_neigh_next_hop(dp->neigh, nc_be32(sv->address), &port));
	nc_health_init(&m->health);
	rte_seqlock_write_lock(&ms->lock);
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", sv->name);
	v->addr = sv->address;
	v->family = sv->family == AF_INET6 ? AF_INET6 : AF_INET;
	if (sv->family == AF_INET6)
		memcpy(v->addr6, sv->address6, sizeof(v->addr6));
	v->port = sv->port;
	v->admin = NC_ADMIN_UP;
	v->health_up = m->health.up;
	rte_seqlock_write_unlock(&ms->lock);
	if (cs->health.type == NC_HEALTH_NONE || ds->n_lips == 0)
		return;
	dp->probing = 1;   /* replies to probes go to the control lcore from now on */
	m->probe_port = (uint16_t)(dp->probe_base[s] + i);
	m->tgt.type = cs->health.type;
	if (sv->family == AF_INET6) {
		/* an IPv6 service's local IPs are all IPv6 */
		m->tgt.family = AF_INET6;
		memcpy(m->tgt.src_ip6, dp->tables->v6.lip[ds->lip[0]], 16);
		memcpy(m->tgt.dst_ip6, sv->address6, 16);
	} else {
		m->tgt.family = AF_INET;
		m->tgt.src_ip = dp->lip[ds->lip[0]];
		m->tgt.dst_ip = nc_be32(sv->address);
	}
	m->tgt.src_port = rte_cpu_to_be_16(m->probe_port);
	m->tgt.dst_port = rte_cpu_to_be_16(sv->port);
	m->tgt.http_path = cs->health.http_path;
	m->tgt.proxy = cs->health.proxy ? (uint8_t)cs->client_address : 0;
	m->tgt.udp_payload = cs->health.udp_payload;
	m->tgt.udp_payload_len = cs->health.udp_payload_len;
	m->probe_next = now + dp->tsc_per_ms * NC_PROBE_FIRST_MS;
}

void
nc_dp_mon_free(struct nc_dp *dp)
{
	uint16_t s;

	for (s = 0; s < NC_MAX_SERVICES; s++) {
		rte_free(dp->ctl->mon[s].srv);
		rte_free(dp->ctl->mon[s].srv_view);
		dp->ctl->mon[s].srv = NULL;
		dp->ctl->mon[s].srv_view = NULL;
	}
}

/* Send a frame the probe engine built, out of the port towards server <m>. */
static void
probe_send(struct nc_dp *dp, const struct nc_mon_srv *m, const uint8_t *frame, size_t len)
{
	struct rte_mbuf *mb;
	char *d;

	if (len == 0)
		return;
	mb = rte_pktmbuf_alloc(dp->ctl_pool);
	if (mb == NULL) {
		dp->ctl->st.tx_failed++;
		return;
	}
	d = rte_pktmbuf_append(mb, (uint16_t)len);
	if (d == NULL) {
		rte_pktmbuf_free(mb);
		dp->ctl->st.tx_failed++;
		return;
	}
	memcpy(d, frame, len);
	nc_dp_ctl_tx(dp, nc_neigh_port(dp->neigh, m->nh), mb);
}

static const char *
verdict_reason(int good, int timed_out)
{
	return good ? "answered" : timed_out ? "no answer in time" : "refused or unreachable";
}

/* One probe verdict for server <i> of service <s>. */
static void
probe_result(struct nc_dp *dp, unsigned int s, unsigned int i, int good, uint32_t rt_us,
	     int timed_out)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_mon_svc *ms = &dp->ctl->mon[s];
	struct nc_mon_srv *m = &ms->srv[i];
	struct nc_server_view *v = &ms->srv_view[i];
	char ip[INET6_ADDRSTRLEN];
	int r;

	rte_seqlock_write_lock(&ms->lock);
	if (good) {
		v->probes_good++;
		v->probe_rt_us = rt_us;
		m->probe_rt_sum += rt_us;
		m->probe_rt_n++;
	} else {
		v->probes_bad++;
	}
	rte_seqlock_write_unlock(&ms->lock);
	r = nc_health_feed(&m->health, good, cs->health.rise, cs->health.fall);
	if (r == 0)
		return;
	if (m->tgt.family == AF_INET6)
		inet_ntop(AF_INET6, m->tgt.dst_ip6, ip, sizeof(ip));
	else
		nc_ip4_str(m->tgt.dst_ip, ip, sizeof(ip));
	/* a server the operator drained or took down keeps out of the weights */
	if (r == NC_HEALTH_WENT_DOWN) {
		if (m->admin == NC_ADMIN_UP)
			nc_wset_down(&ms->ws, i);
		rte_seqlock_write_lock(&ms->lock);
		v->down_count++;
		rte_seqlock_write_unlock(&ms->lock);
		NC_LOG(WARNING, MON, "%s: server %s (%s:%u) down: %u %s probes in a row, last %s",
		       cs->name, cs->servers[i].name, ip, cs->servers[i].port, cs->health.fall,
		       nc_health_type_name(cs->health.type), verdict_reason(good, timed_out));
		nc_dp_event(dp, NC_EV_STATE, s, (int)i, "server %s down: %u %s probes in a row, last %s",
			    cs->servers[i].name, cs->health.fall, nc_health_type_name(cs->health.type),
			    verdict_reason(good, timed_out));
	} else {
		if (m->admin == NC_ADMIN_UP)
			nc_wset_up(&ms->ws, i, nc_svc_min_weight(cs));
		NC_LOG(NOTICE, MON, "%s: server %s (%s:%u) up: %u good %s probes, weight %u",
		       cs->name, cs->servers[i].name, ip, cs->servers[i].port, cs->health.rise,
		       nc_health_type_name(cs->health.type), ms->ws.w[i]);
		nc_dp_event(dp, NC_EV_STATE, s, (int)i, "server %s up: %u good %s probes, weight %u",
			    cs->servers[i].name, cs->health.rise, nc_health_type_name(cs->health.type),
			    ms->ws.w[i]);
	}
	nc_dp_mon_view_states(dp, s);
	nc_dp_mon_publish(dp, s);
	/* after the new schedule is out: workers replay what they hold for a
	 * server that went down, reading its state from that schedule */
	if (r == NC_HEALTH_WENT_DOWN)
		__atomic_add_fetch(&dp->down_gen, 1, __ATOMIC_RELEASE);
}

/* Locate the probe a frame may answer: service and server, or -1. */
static int
probe_find(const struct nc_dp *dp, const struct rte_mbuf *mb, unsigned int *s, unsigned int *i)
{
	const uint8_t *d = rte_pktmbuf_mtod(mb, const uint8_t *);
	const struct nc_probe_target *t;
	uint8_t lip6[16];
	uint32_t lip = 0;
	uint16_t port, slot;
	int v6;

	v6 = nc_probe_match6(d, rte_pktmbuf_data_len(mb), lip6, &port) == 0;
	if (!v6 && nc_probe_match(d, rte_pktmbuf_data_len(mb), &lip, &port) != 0)
		return -1;
	port = rte_be_to_cpu_16(port);
	if (port < dp->probe_lo || port >= dp->probe_hi)
		return -1;
	slot = dp->probe_slot[port - dp->probe_lo];
	*s = slot >> 8;
	*i = slot & 0xff;
	if (*s >= dp->n_services || *i >= dp->cfg->services[*s].n_servers ||
	    dp->ctl->mon[*s].srv[*i].probe_port != port)
		return -1;
	t = &dp->ctl->mon[*s].srv[*i].tgt;
	if (v6)
		return t->family == AF_INET6 && nc_ip6_eq(t->src_ip6, lip6) ? 0 : -1;
	return t->family != AF_INET6 && t->src_ip == lip ? 0 : -1;
}

void
nc_dp_mon_input(struct nc_dp *dp, struct rte_mbuf *mb)
{
	uint8_t out[NC_PROBE_FRAME_MAX];
	unsigned int s, i;
	struct nc_mon_srv *m;
	size_t out_len = 0;
	uint32_t rt = 0;
	int v;

	if (probe_find(dp, mb, &s, &i) != 0 || dp->ctl->mon[s].srv[i].probe.state == NC_PROBE_IDLE) {
		dp->ctl->st.probe_unmatched++;
		rte_pktmbuf_free(mb);
		return;
	}
	m = &dp->ctl->mon[s].srv[i];
	v = nc_probe_input(&m->probe, &m->tgt, rte_pktmbuf_mtod(mb, const uint8_t *),
			   rte_pktmbuf_data_len(mb), rte_rdtsc() / dp->tsc_per_us, out, sizeof(out),
			   &out_len, &rt);
	rte_pktmbuf_free(mb);
	probe_send(dp, m, out, out_len);
	if (v != NC_PROBE_PENDING)
		probe_result(dp, s, i, v == NC_PROBE_GOOD, rt, 0);
}

/* Start due probes and fail the ones whose time is up. */
static unsigned int
probes_run(struct nc_dp *dp, uint64_t now)
{
	const struct nc_config *cfg = dp->cfg;
	uint8_t frame[NC_PROBE_FRAME_MAX];
	unsigned int n = 0;
	uint16_t s, i;

	for (s = 0; s < cfg->n_services; s++) {
		const struct nc_cfg_health *h = &cfg->services[s].health;

		if (h->type == NC_HEALTH_NONE)
			continue;
		for (i = 0; i < cfg->services[s].n_servers; i++) {
			struct nc_mon_srv *m = &dp->ctl->mon[s].srv[i];
			size_t len = 0;
			uint64_t mac;
			int r;

			if (m->probe_port == 0)
				continue;
			if (unlikely(dp->ctl->probes_paused)) {
				/* our local IPs are another's meanwhile: their answers
				 * cannot reach us, and are no verdict on the servers.
				 * One under way ends with its reset (no verdict), so
				 * that the server keeps no half-open connection on the
				 * probe's address and port to meet the next probe */
				if (m->probe.state != NC_PROBE_IDLE) {
					nc_probe_timeout(&m->probe, &m->tgt, frame, sizeof(frame), &len);
					probe_send(dp, m, frame, len);
				}
				m->probe.state = NC_PROBE_IDLE;
				m->probe_next = now + dp->tsc_per_ms * h->interval_ms;
				continue;
			}
			if (m->probe.state != NC_PROBE_IDLE && now >= m->probe_deadline) {
				r = nc_probe_timeout(&m->probe, &m->tgt, frame, sizeof(frame), &len);
				probe_send(dp, m, frame, len);
				if (r != NC_PROBE_PENDING)
					probe_result(dp, s, i, 0, 0, 1);
				n++;
			}
			if (now < m->probe_next || m->probe.state != NC_PROBE_IDLE)
				continue;
			m->probe_next = now + dp->tsc_per_ms * h->interval_ms;
			m->probe_deadline = now + dp->tsc_per_ms * h->timeout_ms;
			mac = nc_neigh_mac(dp->neigh, m->nh);
			memcpy(&m->tgt.dst_mac, &mac, RTE_ETHER_ADDR_LEN);
			m->tgt.src_mac = dp->mac[nc_neigh_port(dp->neigh, m->nh)];
			r = nc_probe_start(&m->probe, &m->tgt, now / dp->tsc_per_us,
					   (uint32_t)(now / dp->tsc_per_us), frame, sizeof(frame));
			/* an unresolved server gets no frame: the probe times out as bad */
			if (r > 0 && (mac & NC_NEIGH_VALID))
				probe_send(dp, m, frame, (size_t)r);
			n++;
		}
	}
	return n;
}

/* Counters since start into a view (inside its seqlock). */
static void
view_totals(struct nc_server_view *v, const struct nc_srv_stats *tot, uint64_t opened)
{
	v->flows = opened;
	v->flows_active = opened >= tot->flows_closed ? opened - tot->flows_closed : 0;
	v->requests = tot->requests;
	v->responses = tot->rt.count;
	v->bytes = tot->bytes;
	v->held_now = tot->fs_held >= tot->fs_unheld ? tot->fs_held - tot->fs_unheld : 0;
}

void
nc_dp_mon_refresh(struct nc_dp *dp)
{
	uint16_t s, i;

	for (s = 0; s < dp->n_services; s++) {
		struct nc_mon_svc *ms = &dp->ctl->mon[s];

		for (i = 0; i < dp->cfg->services[s].n_servers; i++) {
			struct nc_srv_stats tot;
			uint64_t opened;

			if (ms->srv[i].admin == NC_ADMIN_FREE)
				continue;
			nc_dp_srv_totals(dp, s, i, &tot, &opened);
			rte_seqlock_write_lock(&ms->lock);
			view_totals(&ms->srv_view[i], &tot, opened);
			rte_seqlock_write_unlock(&ms->lock);
		}
	}
}

/* Service <s>'s measurements since its last interval into <agg> (one per
 * server slot; a free slot gets zeros), its views' totals refreshed. */
static void
interval_collect(struct nc_dp *dp, unsigned int s, struct nc_rt_agg *agg)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_mon_svc *ms = &dp->ctl->mon[s];
	uint16_t i;

	memset(agg, 0, cs->n_servers * sizeof(*agg));
	for (i = 0; i < cs->n_servers; i++) {
		struct nc_mon_srv *m = &ms->srv[i];
		struct nc_srv_stats tot;
		uint64_t opened;

		if (m->admin == NC_ADMIN_FREE)
			continue;
		nc_dp_srv_totals(dp, s, i, &tot, &opened);
		nc_rt_delta(&tot.rt, &m->rt_prev, &agg[i].rt);
		m->rt_prev = tot.rt;
		agg[i].probe_sum_us = m->probe_rt_sum;
		agg[i].probe_n = m->probe_rt_n;
		m->probe_rt_sum = m->probe_rt_n = 0;
		rte_seqlock_write_lock(&ms->lock);
		view_totals(&ms->srv_view[i], &tot, opened);
		rte_seqlock_write_unlock(&ms->lock);
	}
}

/* Service <s>'s interval on measurements <agg>: the controller (when <step>),
 * the views, the callback. */
static int
interval_apply(struct nc_dp *dp, unsigned int s, uint64_t now, const struct nc_rt_agg *agg,
	       bool step)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_mon_svc *ms = &dp->ctl->mon[s];
	struct nc_adapt_in in[NC_MAX_SERVERS];
	uint32_t p99[NC_MAX_SERVERS];
	uint16_t i;
	int changed = 0;

	memset(in, 0, sizeof(in));
	for (i = 0; i < cs->n_servers; i++) {
		struct nc_server_view *v = &ms->srv_view[i];

		if (ms->srv[i].admin == NC_ADMIN_FREE)
			continue;
		nc_rt_agg_in(&agg[i], NC_MON_MIN_SAMPLES, &in[i], &p99[i]);
		rte_seqlock_write_lock(&ms->lock);
		v->rt_avg_us = in[i].samples != 0 ? (uint32_t)in[i].rt_us : 0;
		v->rt_p99_us = in[i].samples != 0 ? p99[i] : 0;
		v->rt_samples = in[i].samples;
		rte_seqlock_write_unlock(&ms->lock);
	}
	if (step && cs->adaptive.enabled) {
		changed = nc_adapt_step(&cs->adaptive, &ms->ad, &ms->ws, in);
		if (changed > 0)
			nc_dp_mon_publish(dp, s);
	}
	rte_seqlock_write_lock(&ms->lock);
	ms->view.intervals++;
	ms->view.t_s = (double)(now - dp->ctl->start_tsc) / (double)dp->tsc_hz;
	rte_seqlock_write_unlock(&ms->lock);
	nc_dp_mon_view_states(dp, s);
	if (dp->ctl->interval_cb != NULL)
		dp->ctl->interval_cb(dp->ctl->interval_arg, s, &ms->view, ms->srv_view, cs->n_servers);
	return changed;
}

/* Service <s>'s interval: response times from the workers, the controller,
 * the views, the callback. */
static void
interval_run(struct nc_dp *dp, unsigned int s, uint64_t now)
{
	struct nc_rt_agg agg[NC_MAX_SERVERS];

	interval_collect(dp, s, agg);
	interval_apply(dp, s, now, agg, true);
}

void
nc_dp_set_interval_external(struct nc_dp *dp, bool on)
{
	dp->ctl->interval_external = on;
}

int
nc_dp_interval_collect(struct nc_dp *dp, unsigned int s, struct nc_rt_agg *agg, unsigned int max)
{
	if (s >= dp->n_services || max < dp->cfg->services[s].n_servers)
		return -EINVAL;
	interval_collect(dp, s, agg);
	return dp->cfg->services[s].n_servers;
}

int
nc_dp_interval_apply(struct nc_dp *dp, unsigned int s, const struct nc_rt_agg *agg, unsigned int n)
{
	struct nc_rt_agg full[NC_MAX_SERVERS];

	if (s >= dp->n_services || n > NC_MAX_SERVERS)
		return -EINVAL;
	/* servers added since the figures were taken have none */
	memset(full, 0, sizeof(full));
	memcpy(full, agg, RTE_MIN(n, (unsigned int)dp->cfg->services[s].n_servers) * sizeof(*agg));
	return interval_apply(dp, s, rte_rdtsc(), full, true);
}

int
nc_dp_weights_get(const struct nc_dp *dp, unsigned int s, struct nc_wset *ws,
		  struct nc_adapt_state *ad)
{
	if (s >= dp->n_services)
		return -EINVAL;
	*ws = dp->ctl->mon[s].ws;
	*ad = dp->ctl->mon[s].ad;
	return 0;
}

int
nc_dp_weights_adopt(struct nc_dp *dp, unsigned int s, const struct nc_wset *ws,
		    const struct nc_adapt_state *ad)
{
	struct nc_mon_svc *ms;
	uint8_t up[NC_MAX_SERVERS];
	unsigned int i, n;

	if (s >= dp->n_services || ws->n != dp->ctl->mon[s].ws.n)
		return -EINVAL;
	ms = &dp->ctl->mon[s];
	n = ms->ws.n;
	memcpy(up, ms->ws.up, n);
	ms->ws = *ws;
	ms->ad = *ad;
	/* what this dispatcher's own probes say of each server stands */
	for (i = 0; i < n; i++) {
		if (up[i] && !ms->ws.up[i])
			nc_wset_up(&ms->ws, i, nc_svc_min_weight(&dp->cfg->services[s]));
		else if (!up[i] && ms->ws.up[i])
			nc_wset_down(&ms->ws, i);
	}
	nc_dp_mon_view_states(dp, s);
	return nc_dp_mon_publish(dp, s) < 0 ? -EIO : 0;
}

static const char *
failover_why(uint8_t why, uint32_t timeout_ms, char *buf, size_t len)
{
	if (why == NC_FO_SERVER_DOWN)
		snprintf(buf, len, "server down");
	else if (why == NC_FO_SERVER_RESET)
		snprintf(buf, len, "reset or closed by the server before answering");
	else if (why == NC_FO_UNREACHABLE)
		snprintf(buf, len, "ICMP unreachable");
	else if (why == NC_FO_DISPATCHER)
		snprintf(buf, len, "its dispatcher failed");
	else
		snprintf(buf, len, "no response in %u ms", timeout_ms);
	return buf;
}

void
nc_dp_mon_failover(struct nc_dp *dp, const struct nc_ctl_msg *msg)
{
	const struct nc_failover_ev *ev = &msg->ev;
	const struct nc_cfg_service *cs;
	struct nc_mon_svc *ms;
	static const char stuck[] = "it cannot move: part of a response reached the client, "
				    "or no request is held whole or may be replayed";
	char ip[INET6_ADDRSTRLEN + 2], flow[96], why[48];

	if (ev->svc >= dp->n_services || ev->from >= dp->cfg->services[ev->svc].n_servers)
		return;
	cs = &dp->cfg->services[ev->svc];
	ms = &dp->ctl->mon[ev->svc];
	if (ev->v6) {
		ip[0] = '[';
		inet_ntop(AF_INET6, msg->ip6, ip + 1, INET6_ADDRSTRLEN);
		strcat(ip, "]");
	} else {
		nc_ip4_str(msg->ip, ip, sizeof(ip));
	}
	snprintf(flow, sizeof(flow), "%s %s:%u -> %s", ev->proto == IPPROTO_UDP ? "udp" : "tcp", ip,
		 rte_be_to_cpu_16(ev->cport), cs->name);
	if (ev->why == NC_FO_SERVER_CLOSED) {
		/* an idle keep-alive connection the server closed: not a failure */
		if (ev->to == NC_FAILOVER_STUCK)
			NC_LOG(WARNING, MON, "transaction given up: %s (%s closed the connection; %s)",
			       flow, cs->servers[ev->from].name, stuck);
		else if (ev->to == NC_FAILOVER_RESET || ev->to >= cs->n_servers)
			NC_LOG(WARNING, MON, "transaction given up: %s (%s closed the connection between "
			       "requests and no server is up)", flow, cs->servers[ev->from].name);
		else
			NC_LOG(DEBUG, MON, "%s closed an idle connection: next request continued on %s: %s",
			       cs->servers[ev->from].name, cs->servers[ev->to].name, flow);
		return;
	}
	failover_why(ev->why, cs->failsafe.response_timeout_ms, why, sizeof(why));
	/* the paper's figure 11: one line per event */
	NC_LOG(WARNING, MON, "broken transaction detected: %s on %s (%s)", flow,
	       cs->servers[ev->from].name, why);
	nc_dp_event(dp, NC_EV_FAILOVER, ev->svc, ev->from, "broken transaction detected: %s on %s (%s)",
		    flow, cs->servers[ev->from].name, why);
	if (ev->to == NC_FAILOVER_STUCK) {
		NC_LOG(WARNING, MON, "transaction given up: %s (%s)", flow, stuck);
		nc_dp_event(dp, NC_EV_RESET, ev->svc, ev->from, "transaction given up: %s (%s)", flow,
			    stuck);
	} else if (ev->to == NC_FAILOVER_RESET || ev->to >= cs->n_servers) {
		NC_LOG(WARNING, MON, "transaction given up: %s (no other server up, or %u replays)",
		       flow, cs->failsafe.max_replays);
		nc_dp_event(dp, NC_EV_RESET, ev->svc, ev->from,
			    "transaction given up: %s (no other server up, or %u replays)", flow,
			    cs->failsafe.max_replays);
	} else {
		NC_LOG(NOTICE, MON, "transaction continued on %s: %s", cs->servers[ev->to].name, flow);
		nc_dp_event(dp, NC_EV_FAILOVER, ev->svc, ev->to, "transaction continued on %s: %s",
			    cs->servers[ev->to].name, flow);
	}
	if (ev->why == NC_FO_SERVER_DOWN || ev->why == NC_FO_DISPATCHER || !ms->ws.up[ev->from])
		return;
	if (ms->view.n_up <= 1) {
		/* the last server up stays up (probes can still take it down):
		 * one lost answer must not take the whole service down */
		NC_LOG(WARNING, MON, "%s: server %s kept up: a held request: %s, but it is the only "
		       "server up", cs->name, cs->servers[ev->from].name, why);
		return;
	}
	/* a held request went unanswered or was refused: down until probes
	 * bring it back (or, without probes, for NC_FAIL_TIMEOUT_MS) */
	ms->srv[ev->from].health.up = 0;
	ms->srv[ev->from].health.good_run = 0;
	ms->srv[ev->from].health.bad_run = 0;
	if (cs->health.type == NC_HEALTH_NONE)
		ms->srv[ev->from].fail_until = rte_rdtsc() + dp->tsc_per_ms * NC_FAIL_TIMEOUT_MS;
	nc_wset_down(&ms->ws, ev->from);
	rte_seqlock_write_lock(&ms->lock);
	ms->srv_view[ev->from].down_count++;
	rte_seqlock_write_unlock(&ms->lock);
	NC_LOG(WARNING, MON, "%s: server %s down: a held request: %s", cs->name,
	       cs->servers[ev->from].name, why);
	nc_dp_event(dp, NC_EV_STATE, ev->svc, ev->from, "server %s down: a held request: %s",
		    cs->servers[ev->from].name, why);
	nc_dp_mon_view_states(dp, ev->svc);
	nc_dp_mon_publish(dp, ev->svc);
	__atomic_add_fetch(&dp->down_gen, 1, __ATOMIC_RELEASE);   /* after the schedule */
}

/* Servers the fail-safe took down on a service without probes come back
 * after NC_FAIL_TIMEOUT_MS. */
static void
fail_timeouts(struct nc_dp *dp, uint64_t now)
{
	uint16_t s, i;

	for (s = 0; s < dp->n_services; s++) {
		const struct nc_cfg_service *cs = &dp->cfg->services[s];
		struct nc_mon_svc *ms = &dp->ctl->mon[s];

		for (i = 0; i < cs->n_servers; i++) {
			struct nc_mon_srv *m = &ms->srv[i];

			if (m->fail_until == 0 || now < m->fail_until)
				continue;
			m->fail_until = 0;
			nc_health_init(&m->health);
			if (m->admin == NC_ADMIN_UP)
				nc_wset_up(&ms->ws, i, nc_svc_min_weight(cs));
			NC_LOG(NOTICE, MON, "%s: server %s back after %u ms (no probes configured)",
			       cs->name, cs->servers[i].name, NC_FAIL_TIMEOUT_MS);
			nc_dp_mon_view_states(dp, s);
			nc_dp_mon_publish(dp, s);
		}
	}
}

void
nc_dp_probes_pause(struct nc_dp *dp, bool pause)
{
	dp->ctl->probes_paused = pause;
}

unsigned int
nc_dp_mon_poll(struct nc_dp *dp, uint64_t now)
{
	unsigned int n = 0;
	uint16_t s;

	/* a millisecond is fine enough for probe timers and intervals */
	if (now - dp->ctl->last_mon_scan < dp->tsc_per_ms)
		return 0;
	dp->ctl->last_mon_scan = now;
	if (dp->probing)
		n += probes_run(dp, now);
	if (dp->store_size != 0)
		fail_timeouts(dp, now);
	for (s = 0; s < dp->n_services; s++) {
		struct nc_mon_svc *ms = &dp->ctl->mon[s];
		uint64_t iv = dp->tsc_per_ms * ms->view.interval_ms;

		if (now < ms->next_interval || dp->ctl->interval_external)
			continue;
		interval_run(dp, s, now);
		ms->next_interval += iv;
		if (ms->next_interval <= now)   /* fell behind: start again from now */
			ms->next_interval = now + iv;
		n++;
	}
	return n;
}

void
nc_dp_set_interval_cb(struct nc_dp *dp, nc_interval_cb cb, void *arg)
{
	dp->ctl->interval_cb = cb;
	dp->ctl->interval_arg = arg;
}

int
nc_dp_service_view(const struct nc_dp *dp, unsigned int svc, struct nc_service_view *sv,
		   struct nc_server_view *out, unsigned int max)
{
	const struct nc_mon_svc *ms;
	unsigned int n;
	uint32_t sn;

	if (svc >= dp->n_services)
		return -ENOENT;
	ms = &dp->ctl->mon[svc];
	do {
		sn = rte_seqlock_read_begin(&ms->lock);
		n = ms->view.n_servers;
		if (sv != NULL)
			*sv = ms->view;
		if (out != NULL && RTE_MIN(max, n) != 0)
			memcpy(out, ms->srv_view, RTE_MIN(max, n) * sizeof(*out));
	} while (rte_seqlock_read_retry(&ms->lock, sn));
	return (int)n;
}

int
nc_dp_service_find(const struct nc_dp *dp, const char *name)
{
	uint16_t s;

	for (s = 0; s < dp->n_services; s++)
		if (dp->ctl->mon[s].view.state != NC_SVC_REMOVED && strcmp(dp->ctl->mon[s].view.name, name) == 0)
			return s;
	return -ENOENT;
}

unsigned int
nc_dp_n_services(const struct nc_dp *dp)
{
	return dp->n_services;
}

int
nc_dp_failsafe_view(const struct nc_dp *dp, unsigned int svc, struct nc_failsafe_view *out)
{
	unsigned int n, i;
	uint16_t k;

	if (svc >= dp->n_services)
		return -ENOENT;
	n = __atomic_load_n(&dp->ctl->mon[svc].view.n_servers, __ATOMIC_RELAXED);
	memset(out, 0, sizeof(*out));
	for (k = 0; k < dp->n_workers; k++) {
		const struct nc_worker *w = dp->worker[k];
		const struct nc_svc_stats *ss = &w->st.svc[svc];

		if (w->txs != NULL) {
			struct nc_txstore_stats ts;

			nc_txstore_stats_get(w->txs, &ts);
			out->held_now += ts.in_use;
		}
		out->held += __atomic_load_n(&ss->fs_held, __ATOMIC_RELAXED);
		out->released += __atomic_load_n(&ss->fs_released, __ATOMIC_RELAXED);
		out->replays += __atomic_load_n(&ss->fs_replays, __ATOMIC_RELAXED);
		out->resets += __atomic_load_n(&ss->fs_resets, __ATOMIC_RELAXED);
		out->store_full += __atomic_load_n(&ss->fs_store_full, __ATOMIC_RELAXED);
		out->fin_kept += __atomic_load_n(&ss->fs_fin_kept, __ATOMIC_RELAXED);
		out->waited += __atomic_load_n(&ss->fs_waited, __ATOMIC_RELAXED);
		out->move_waited += __atomic_load_n(&ss->fs_move_waited, __ATOMIC_RELAXED);
		out->syn_resent += __atomic_load_n(&ss->fs_syn_resent, __ATOMIC_RELAXED);
		out->stale_tuple += __atomic_load_n(&ss->fs_stale_tuple, __ATOMIC_RELAXED);
		out->reconnects += __atomic_load_n(&ss->fs_reconnects, __ATOMIC_RELAXED);
		out->early += __atomic_load_n(&ss->fs_early, __ATOMIC_RELAXED);
		out->opaque += __atomic_load_n(&ss->fs_opaque, __ATOMIC_RELAXED);
		out->unframed += __atomic_load_n(&ss->fs_unframed, __ATOMIC_RELAXED);
		out->abandoned += __atomic_load_n(&ss->fs_abandoned, __ATOMIC_RELAXED);
		out->affinity_hits += __atomic_load_n(&ss->affinity_hits, __ATOMIC_RELAXED);
		for (i = 0; i < n; i++)
			out->failed_over[i] += __atomic_load_n(
				&w->srv[svc * NC_MAX_SERVERS + i].failed_over, __ATOMIC_RELAXED);
	}
	return (int)n;
}

void
nc_dp_set_event_cb(struct nc_dp *dp, nc_event_cb cb, void *arg)
{
	dp->ctl->event_cb = cb;
	dp->ctl->event_arg = arg;
}

void
nc_dp_event(struct nc_dp *dp, enum nc_event_kind kind, unsigned int s, int server,
	    const char *fmt, ...)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	char text[256];
	va_list ap;

	if (dp->ctl->event_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	dp->ctl->event_cb(dp->ctl->event_arg, kind, cs->name,
		     server >= 0 && server < cs->n_servers ? cs->servers[server].name : NULL, text);
}
