/* SPDX-License-Identifier: BSD-3-Clause
 * Run-time changes from the operator (management API, SIGHUP reload), on the
 * control lcore: servers added, drained, taken down, removed, reweighted;
 * adaptive and fail-safe settings. Every change reaches the workers the way
 * the monitor's do: a new schedule through the RCU publish path. No worker
 * ever waits for one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>

#include <rte_malloc.h>

#include "dp_priv.h"

#define ADMIN_SCAN_MS 100   /* how often removals are checked for being done */

static const char *const admin_names[] = { "up", "drain", "down", "removing", "free" };

const char *
nc_admin_state_name(enum nc_admin_state s)
{
	return (unsigned int)s < RTE_DIM(admin_names) ? admin_names[s] : "?";
}

const struct nc_config *
nc_dp_config(const struct nc_dp *dp)
{
	return dp->cfg;
}

/* Live servers of a service (slots not free). */
static unsigned int
n_live(const struct nc_dp *dp, unsigned int s)
{
	unsigned int i, n = 0;

	for (i = 0; i < dp->cfg->services[s].n_servers; i++)
		n += dp->ctl->mon[s].srv[i].admin != NC_ADMIN_FREE;
	return n;
}

/* Publish and refresh the views after a change of service <s>. */
static void
changed(struct nc_dp *dp, unsigned int s)
{
	nc_dp_mon_view_states(dp, s);
	nc_dp_mon_publish(dp, s);
}

int
nc_dp_server_find(const struct nc_dp *dp, unsigned int svc, const char *name)
{
	uint16_t i;

	if (svc >= dp->n_services)
		return -ENOENT;
	for (i = 0; i < dp->cfg->services[svc].n_servers; i++)
		if (dp->ctl->mon[svc].srv[i].admin != NC_ADMIN_FREE &&
		    strcmp(dp->cfg->services[svc].servers[i].name, name) == 0)
			return i;
	return -ENOENT;
}

/* A next hop for server <srv>, as for the servers of the startup file, pinned
 * (a server's next hop is never evicted): 0, or -EHOSTUNREACH and others. */
static int
server_next_hop(struct nc_dp *dp, const struct nc_cfg_server *srv)
{
	uint16_t port = 0;
	int r;

	if (srv->family == AF_INET6) {
		r = nc_neigh_next_hop6(dp->neigh, srv->address6, &port);
		if (r == -ENOENT)
			r = nc_neigh_add6(dp->neigh, srv->address6, port, NULL, 0);
	} else {
		uint32_t ip = rte_cpu_to_be_32(srv->address);

		r = nc_neigh_next_hop(dp->neigh, ip, &port);
		if (r == -ENOENT)
			r = nc_neigh_add(dp->neigh, ip, port, NULL, 0);
	}
	if (r < 0)
		return r == -ENETUNREACH ? -EHOSTUNREACH : r;
	nc_neigh_pin(dp->neigh, (uint32_t)r);
	return 0;
}

int
nc_dp_server_add(struct nc_dp *dp, unsigned int svc, const struct nc_cfg_server *srv)
{
	struct nc_dp_tables *tb = NULL;
	struct nc_cfg_service *cs;
	struct nc_mon_svc *ms;
	unsigned int i, up = 0, w;
	int r;

	if (svc >= dp->n_services)
		return -ENOENT;
	cs = &dp->cfg->services[svc];
	ms = &dp->ctl->mon[svc];
	if (nc_dp_server_find(dp, svc, srv->name) >= 0)
		return -EEXIST;
	for (i = 0; i < cs->n_servers && ms->srv[i].admin != NC_ADMIN_FREE; i++)
		;
	if (i == NC_MAX_SERVERS)
		return -ENOSPC;
	r = server_next_hop(dp, srv);
	if (r < 0)
		return r;
	if (srv->family == AF_INET6) {
		/* workers read an IPv6 server's address from the tables */
		tb = nc_dp_tables_edit(dp);
		if (tb == NULL)
			return -ENOMEM;
		memcpy(tb->v6.server[svc][i], srv->address6, sizeof(tb->v6.server[svc][i]));
	}
	for (unsigned int k = 0; k < cs->n_servers; k++)
		up += ms->ws.up[k];
	w = srv->weight != 0 ? srv->weight : 100 / (up + 1);
	w = RTE_MAX(w, (unsigned int)nc_svc_min_weight(cs));
	cs->servers[i] = *srv;
	cs->servers[i].weight = (uint8_t)w;
	if (i == cs->n_servers) {
		cs->n_servers++;
		ms->ws.n = cs->n_servers;
	}
	/* before any schedule has the slot up: the server starts down below */
	if (tb != NULL)
		nc_dp_tables_publish(dp, tb);
	nc_dp_mon_srv_init(dp, svc, i, rte_rdtsc());
	/* It gets flows once it is known to answer: a burst of new flows to a
	 * server whose MAC is still unknown would only wait for ARP. With probes,
	 * it starts down and comes up after <rise> good ones; without, as soon as
	 * its next hop resolves. Then it gets <w> back from the others. */
	ms->ws.up[i] = 0;
	ms->ws.w[i] = 0;
	ms->ws.down_w[i] = (uint8_t)w;
	if (ms->srv[i].probe_port != 0) {
		ms->srv[i].health.up = 0;
	} else {
		ms->srv[i].joining = 1;
		ms->srv[i].health.up = 0;
	}
	memset(&ms->ad, 0, sizeof(ms->ad));   /* the controller starts afresh */
	changed(dp, svc);
	NC_LOG(NOTICE, MON, "%s: server %s added (slot %u), weight %u once it answers", cs->name,
	       srv->name, i, w);
	nc_dp_event(dp, NC_EV_CONFIG, svc, (int)i, "server %s added, weight %u once it answers",
		    srv->name, w);
	return (int)i;
}

int
nc_dp_server_set_admin(struct nc_dp *dp, unsigned int svc, unsigned int i, enum nc_admin_state st)
{
	struct nc_cfg_service *cs;
	struct nc_mon_svc *ms;
	struct nc_mon_srv *m;
	unsigned int k, others = 0;
	uint8_t old;

	if (svc >= dp->n_services || i >= dp->cfg->services[svc].n_servers)
		return -ENOENT;
	cs = &dp->cfg->services[svc];
	ms = &dp->ctl->mon[svc];
	m = &ms->srv[i];
	if (m->admin == NC_ADMIN_FREE)
		return -ENOENT;
	if (st != NC_ADMIN_UP && st != NC_ADMIN_DRAIN && st != NC_ADMIN_DOWN && st != NC_ADMIN_REMOVING)
		return -EINVAL;
	if (ms->view.state != NC_SVC_LIVE)
		return -EBUSY;   /* the whole service is going */
	if (st == NC_ADMIN_REMOVING) {
		for (k = 0; k < cs->n_servers; k++)
			others += k != i && ms->srv[k].admin != NC_ADMIN_FREE &&
				  ms->srv[k].admin != NC_ADMIN_REMOVING;
		if (others == 0)
			return -EBUSY;
	}
	old = m->admin;
	if (old == st)
		return 0;
	m->admin = (uint8_t)st;
	if (st == NC_ADMIN_UP) {
		if (m->health.up)
			nc_wset_up(&ms->ws, i, nc_svc_min_weight(cs));
	} else {
		nc_wset_down(&ms->ws, i);   /* its weight goes to the others */
	}
	changed(dp, svc);
	/* taken down: workers replay what they hold for it, after the new schedule */
	if (st == NC_ADMIN_DOWN)
		__atomic_add_fetch(&dp->down_gen, 1, __ATOMIC_RELEASE);
	NC_LOG(NOTICE, MON, "%s: server %s: %s (was %s)", cs->name, cs->servers[i].name,
	       nc_admin_state_name(st), nc_admin_state_name(old));
	nc_dp_event(dp, NC_EV_CONFIG, svc, (int)i, "server %s: %s (was %s)", cs->servers[i].name,
		    nc_admin_state_name(st), nc_admin_state_name(old));
	return 0;
}

int
nc_dp_server_set_weight(struct nc_dp *dp, unsigned int svc, unsigned int i, unsigned int w)
{
	struct nc_cfg_service *cs;
	struct nc_mon_svc *ms;
	double target[NC_MAX_SERVERS], rest = 0.0;
	uint8_t out[NC_MAX_SERVERS];
	unsigned int k;

	if (svc >= dp->n_services || i >= dp->cfg->services[svc].n_servers ||
	    dp->ctl->mon[svc].srv[i].admin == NC_ADMIN_FREE)
		return -ENOENT;
	if (w < 1 || w > 100)
		return -EINVAL;
	cs = &dp->cfg->services[svc];
	ms = &dp->ctl->mon[svc];
	cs->servers[i].weight = (uint8_t)w;
	if (!ms->ws.up[i]) {
		ms->ws.down_w[i] = (uint8_t)w;   /* its weight when it comes back */
		changed(dp, svc);
		return 0;
	}
	/* the others keep their proportions within what is left */
	for (k = 0; k < cs->n_servers; k++)
		if (k != i && ms->ws.up[k])
			rest += ms->ws.w[k];
	for (k = 0; k < cs->n_servers; k++)
		target[k] = k == i ? (double)w :
			    ms->ws.up[k] ? (rest > 0 ? ms->ws.w[k] * (100.0 - w) / rest : 0.0) : 0.0;
	if (nc_weights_distribute(target, ms->ws.up, cs->n_servers, 100, nc_svc_min_weight(cs), out) != 0)
		return -EINVAL;
	memcpy(ms->ws.w, out, cs->n_servers);
	changed(dp, svc);
	NC_LOG(NOTICE, MON, "%s: server %s weight %u (asked %u)", cs->name, cs->servers[i].name,
	       ms->ws.w[i], w);
	nc_dp_event(dp, NC_EV_CONFIG, svc, (int)i, "server %s weight %u", cs->servers[i].name,
		    ms->ws.w[i]);
	return 0;
}

int
nc_dp_service_set_weights(struct nc_dp *dp, unsigned int svc, const uint8_t *w)
{
	struct nc_cfg_service *cs;
	struct nc_mon_svc *ms;
	double target[NC_MAX_SERVERS];
	uint8_t out[NC_MAX_SERVERS];
	unsigned int k, up = 0;

	if (svc >= dp->n_services)
		return -ENOENT;
	cs = &dp->cfg->services[svc];
	ms = &dp->ctl->mon[svc];
	for (k = 0; k < cs->n_servers; k++) {
		if (ms->srv[k].admin == NC_ADMIN_FREE)
			continue;
		if (w[k] < 1 || w[k] > 100)
			return -EINVAL;
		target[k] = w[k];
		up += ms->ws.up[k];
	}
	for (k = 0; k < cs->n_servers; k++) {
		if (ms->srv[k].admin == NC_ADMIN_FREE)
			continue;
		cs->servers[k].weight = w[k];
		if (!ms->ws.up[k])
			ms->ws.down_w[k] = w[k];   /* for when it comes back */
	}
	if (up != 0) {
		if (nc_weights_distribute(target, ms->ws.up, cs->n_servers, 100, nc_svc_min_weight(cs), out) != 0)
			return -EINVAL;
		memcpy(ms->ws.w, out, cs->n_servers);
	}
	changed(dp, svc);
	return 0;
}

int
nc_dp_service_set_adaptive(struct nc_dp *dp, unsigned int svc, const struct nc_cfg_adaptive *a)
{
	struct nc_cfg_service *cs;
	struct nc_mon_svc *ms;

	if (svc >= dp->n_services)
		return -ENOENT;
	if (a->min_weight * n_live(dp, svc) > 100 || a->step == 0 || a->interval_ms < 100)
		return -EINVAL;
	cs = &dp->cfg->services[svc];
	ms = &dp->ctl->mon[svc];
	cs->adaptive = *a;
	memset(&ms->ad, 0, sizeof(ms->ad));
	rte_seqlock_write_lock(&ms->lock);
	ms->view.adaptive = a->enabled;
	ms->view.mode = (uint8_t)a->mode;
	ms->view.interval_ms = a->interval_ms;
	rte_seqlock_write_unlock(&ms->lock);
	ms->next_interval = rte_rdtsc() + dp->tsc_per_ms * a->interval_ms;
	changed(dp, svc);
	NC_LOG(NOTICE, MON, "%s: adaptive %s, interval %u ms, step %u, min_weight %u", cs->name,
	       a->enabled ? nc_adapt_mode_name(a->mode) : "off", a->interval_ms, a->step,
	       a->min_weight);
	nc_dp_event(dp, NC_EV_CONFIG, svc, -1, "adaptive %s, interval %u ms, step %u, min_weight %u",
		    a->enabled ? nc_adapt_mode_name(a->mode) : "off", a->interval_ms, a->step,
		    a->min_weight);
	return 0;
}

int
nc_dp_service_set_failsafe(struct nc_dp *dp, unsigned int svc, uint32_t persistence_s,
			   const struct nc_cfg_failsafe *fs)
{
	struct nc_cfg_service *cs;
	struct nc_dp_tables *tb;

	if (svc >= dp->n_services)
		return -ENOENT;
	cs = &dp->cfg->services[svc];
	/* Turning the fail-safe or affinity on or off changes how flows are
	 * opened (TCP options, the worker that owns a client): a restart. */
	if (fs->enabled != cs->failsafe.enabled || (persistence_s == 0) != (cs->persistence_s == 0))
		return -ENOTSUP;
	tb = nc_dp_tables_edit(dp);
	if (tb == NULL)
		return -ENOMEM;
	cs->persistence_s = persistence_s;
	cs->failsafe.response_timeout_ms = fs->response_timeout_ms;
	cs->failsafe.max_replays = fs->max_replays;
	cs->failsafe.protocol = fs->protocol;
	cs->failsafe.replay = fs->replay;
	cs->failsafe.hold_limit_kb = fs->hold_limit_kb;
	nc_dp_svc_fill(dp, tb, svc);
	nc_dp_tables_publish(dp, tb);
	return 0;
}

int
nc_dp_service_set_client_address(struct nc_dp *dp, unsigned int svc, enum nc_client_addr ca)
{
	struct nc_cfg_service *cs;
	struct nc_dp_tables *tb;

	if (svc >= dp->n_services)
		return -ENOENT;
	cs = &dp->cfg->services[svc];
	if (cs->proto == IPPROTO_UDP && ca != NC_CA_NONE && ca != NC_CA_PROXY_V2)
		return -EINVAL;
	if (cs->proto == IPPROTO_TCP && ca != NC_CA_NONE && !dp->ca_tcp)
		return -ENOTSUP;
	tb = nc_dp_tables_edit(dp);
	if (tb == NULL)
		return -ENOMEM;
	/* flows keep the mode they opened with (f->ca): new ones take this */
	cs->client_address = ca;
	nc_dp_svc_fill(dp, tb, svc);
	nc_dp_tables_publish(dp, tb);
	return 0;
}

bool
nc_dp_client_address_ready(const struct nc_dp *dp)
{
	return dp->ca_tcp != 0;
}

/* IPv4 address <ip> (network order) is one of the local IPs. */
static bool
lip_is(const struct nc_dp *dp, uint32_t ip)
{
	uint16_t k;

	for (k = 0; k < dp->n_lips && dp->lip[k] != ip; k++)
		;
	return k < dp->n_lips;
}

int
nc_dp_service_check_add(const struct nc_dp *dp, const struct nc_cfg_service *cs, char *why,
			size_t len)
{
	char dummy[8];
	unsigned int k, s;
	uint16_t l;

	if (why == NULL) {
		why = dummy;
		len = sizeof(dummy);
	}
	for (s = 0; s < dp->n_services; s++)
		if (dp->ctl->mon[s].view.state != NC_SVC_REMOVED &&
		    strcmp(dp->cfg->services[s].name, cs->name) == 0) {
			snprintf(why, len, "a service named %s runs", cs->name);
			return -EEXIST;
		}
	if (cs->family == AF_INET6) {
		const struct nc_svc6_ent *e;

		if (!dp->v6) {
			snprintf(why, len, "no service had an IPv6 VIP at start (IPv6 flow slots are "
				 "set up then); needs a restart");
			return -ENOTSUP;
		}
		e = nc_dp_svc6_find(&dp->tables->v6, cs->vip6, rte_cpu_to_be_16(cs->port), cs->proto);
		k = e != NULL ? e->svc + 1u : 0;
	} else {
		k = nc_dp_svc_by_tuple(dp->tables, rte_cpu_to_be_32(cs->vip), rte_cpu_to_be_16(cs->port),
				       cs->proto);
	}
	if (k != 0) {
		s = k - 1;
		if (dp->ctl->mon[s].view.state != NC_SVC_REMOVED) {
			snprintf(why, len, "service %s has that address, port and protocol%s",
				 dp->cfg->services[s].name,
				 dp->ctl->mon[s].view.state == NC_SVC_REMOVING ? " (being removed: its flows "
				 "have not ended yet)" : "");
			return -EEXIST;
		}
	} else if (dp->n_services == NC_MAX_SERVICES) {
		snprintf(why, len, "%u services already", NC_MAX_SERVICES);
		return -ENOSPC;
	} else {
		s = dp->n_services;
	}
	for (l = 0; l < cs->n_local_ips; l++) {
		if (!lip_is(dp, rte_cpu_to_be_32(cs->local_ips[l]))) {
			snprintf(why, len, "local IP %u.%u.%u.%u is new: local ports for it are set up "
				 "at start; needs a restart", cs->local_ips[l] >> 24,
				 (cs->local_ips[l] >> 16) & 0xff, (cs->local_ips[l] >> 8) & 0xff,
				 cs->local_ips[l] & 0xff);
			return -ENOTSUP;
		}
	}
	for (l = 0; l < cs->n_local_ips6; l++)
		if (nc_dp_lip6_find(dp, &dp->tables->v6, cs->local_ips6[l]) < 0) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, cs->local_ips6[l], a, sizeof(a));
			snprintf(why, len, "local IP %s is new: local ports for it are set up at "
				 "start; needs a restart", a);
			return -ENOTSUP;
		}
	if (cs->port >= NC_LPORT_MIN &&
	    (cs->family == AF_INET6 ? nc_dp_lip6_find(dp, &dp->tables->v6, cs->vip6) >= 0 :
	     lip_is(dp, rte_cpu_to_be_32(cs->vip)))) {
		snprintf(why, len, "its VIP is a local IP and its port a local port there; "
			 "needs a restart");
		return -ENOTSUP;
	}
	if (cs->failsafe.enabled && (dp->store_size == 0 ||
				     (cs->proto == IPPROTO_TCP && !dp->tcp_failsafe))) {
		snprintf(why, len, "the fail-safe's store is set up at start for the services that "
			 "have it; needs a restart");
		return -ENOTSUP;
	}
	if (cs->proto == IPPROTO_TCP && cs->client_address != NC_CA_NONE && !dp->ca_tcp) {
		snprintf(why, len, "the client address state is set up at start when a tcp service "
			 "has a client_address; needs a restart");
		return -ENOTSUP;
	}
	if (cs->proto == IPPROTO_TCP && cs->syn_proxy != NC_SYNP_OFF && !dp->synp) {
		snprintf(why, len, "the SYN proxy's per-flow state is set up at start when a tcp "
			 "service has syn_proxy; needs a restart");
		return -ENOTSUP;
	}
	if (cs->persistence_s != 0 &&
	    (cs->family == AF_INET6 ? dp->worker[0]->aff6 : dp->worker[0]->aff) == NULL) {
		snprintf(why, len, "the affinity table is set up at start when a service has "
			 "persistence; needs a restart");
		return -ENOTSUP;
	}
	return (int)s;
}

int
nc_dp_service_add(struct nc_dp *dp, const struct nc_cfg_service *cs)
{
	char why[160];
	int s = nc_dp_service_check_add(dp, cs, why, sizeof(why));
	struct nc_dp_tables *tb;
	uint16_t i;
	int r;

	if (s < 0) {
		NC_LOG(ERR, MON, "service %s cannot be added: %s", cs->name, why);
		return s;
	}
	for (i = 0; i < cs->n_servers; i++) {
		r = server_next_hop(dp, &cs->servers[i]);
		if (r < 0)
			return r;
	}
	if ((unsigned int)s < dp->n_services) {
		/* a removed service's slot: no flow of it is left, its counters
		 * start again for the new one */
		for (i = 0; i < dp->n_workers; i++)
			memset(&dp->worker[i]->st.svc[s], 0, sizeof(dp->worker[i]->st.svc[s]));
	}
	tb = nc_dp_tables_edit(dp);
	if (tb == NULL)
		return -ENOMEM;
	dp->cfg->services[s] = *cs;
	nc_dp_svc_fill(dp, tb, (unsigned int)s);
	r = nc_dp_mon_svc_init(dp, (unsigned int)s, rte_rdtsc());   /* its first schedule */
	if (r == 0)
		r = nc_dp_svc_publish(dp, tb, (unsigned int)s);        /* then workers see it */
	if (r < 0) {
		rte_free(tb);
		return r;
	}
	nc_dp_tables_publish(dp, tb);
	if ((unsigned int)s == dp->n_services) {
		dp->cfg->n_services = (uint16_t)(s + 1);
		__atomic_store_n(&dp->n_services, (uint16_t)(s + 1), __ATOMIC_RELEASE);
	}
	NC_LOG(NOTICE, MON, "service %s added (slot %d): %u servers", cs->name, s, cs->n_servers);
	nc_dp_event(dp, NC_EV_CONFIG, (unsigned int)s, -1, "service %s added: %u servers", cs->name,
		    cs->n_servers);
	return s;
}

int
nc_dp_service_remove(struct nc_dp *dp, unsigned int svc)
{
	struct nc_mon_svc *ms;
	uint16_t i;

	if (svc >= dp->n_services || dp->ctl->mon[svc].view.state == NC_SVC_REMOVED)
		return -ENOENT;
	ms = &dp->ctl->mon[svc];
	if (ms->view.state == NC_SVC_REMOVING)
		return 0;
	for (i = 0; i < dp->cfg->services[svc].n_servers; i++)
		if (ms->srv[i].admin != NC_ADMIN_FREE) {
			ms->srv[i].admin = NC_ADMIN_REMOVING;
			nc_wset_down(&ms->ws, i);
		}
	rte_seqlock_write_lock(&ms->lock);
	ms->view.state = NC_SVC_REMOVING;
	rte_seqlock_write_unlock(&ms->lock);
	changed(dp, svc);
	NC_LOG(NOTICE, MON, "service %s: removing (no new flows)", dp->cfg->services[svc].name);
	nc_dp_event(dp, NC_EV_CONFIG, svc, -1, "service %s: removing (no new flows)",
		    dp->cfg->services[svc].name);
	return 0;
}

/* Server <i> of <s> has gone: its slot is free for a later add. */
static void
slot_free(struct nc_dp *dp, unsigned int s, unsigned int i)
{
	struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_mon_svc *ms = &dp->ctl->mon[s];
	char name[NC_NAME_MAX];
	uint16_t k;

	snprintf(name, sizeof(name), "%s", cs->servers[i].name);
	/* No flow uses the slot and the schedule has not offered it since the
	 * removal began (many grace periods ago): its counters are nobody's. */
	for (k = 0; k < dp->n_workers; k++) {
		struct nc_worker *w = dp->worker[k];

		memset(&w->srv[s * NC_MAX_SERVERS + i], 0, sizeof(w->srv[0]));
		__atomic_store_n(&w->st.svc[s].server_flows[i], 0, __ATOMIC_RELAXED);
	}
	memset(&ms->srv[i], 0, sizeof(ms->srv[i]));
	ms->srv[i].admin = NC_ADMIN_FREE;
	ms->ws.up[i] = ms->ws.w[i] = ms->ws.down_w[i] = 0;
	memset(&cs->servers[i], 0, sizeof(cs->servers[i]));
	rte_seqlock_write_lock(&ms->lock);
	memset(&ms->srv_view[i], 0, sizeof(ms->srv_view[i]));
	ms->srv_view[i].admin = NC_ADMIN_FREE;
	rte_seqlock_write_unlock(&ms->lock);
	while (cs->n_servers > 0 && ms->srv[cs->n_servers - 1].admin == NC_ADMIN_FREE)
		cs->n_servers--;
	ms->ws.n = cs->n_servers;
	changed(dp, s);
	if (cs->n_servers == 0 && ms->view.state == NC_SVC_REMOVING) {
		rte_seqlock_write_lock(&ms->lock);
		ms->view.state = NC_SVC_REMOVED;
		rte_seqlock_write_unlock(&ms->lock);
		NC_LOG(NOTICE, MON, "service %s removed: no flow left", cs->name);
		if (dp->ctl->event_cb != NULL) {
			char text[96];

			snprintf(text, sizeof(text), "service %s removed: no flow left", cs->name);
			dp->ctl->event_cb(dp->ctl->event_arg, NC_EV_CONFIG, cs->name, NULL, text);
		}
	}
	NC_LOG(NOTICE, MON, "%s: server %s removed: no flow left", cs->name, name);
	if (dp->ctl->event_cb != NULL) {
		char text[96];

		snprintf(text, sizeof(text), "server %s removed: no flow left", name);
		dp->ctl->event_cb(dp->ctl->event_arg, NC_EV_CONFIG, cs->name, name, text);
	}
}

void
nc_dp_admin_poll(struct nc_dp *dp, uint64_t now)
{
	uint16_t s, i;

	if (now - dp->ctl->last_admin_scan < dp->tsc_per_ms * ADMIN_SCAN_MS)
		return;
	dp->ctl->last_admin_scan = now;
	for (s = 0; s < dp->n_services; s++)
		for (i = 0; i < dp->cfg->services[s].n_servers; i++) {
			struct nc_mon_srv *m = &dp->ctl->mon[s].srv[i];
			struct nc_srv_stats tot;
			uint64_t opened;

			if (m->joining && (nc_neigh_mac(dp->neigh, m->nh) & NC_NEIGH_VALID)) {
				const struct nc_cfg_service *cs = &dp->cfg->services[s];

				m->joining = 0;
				m->health.up = 1;
				if (m->admin == NC_ADMIN_UP)
					nc_wset_up(&dp->ctl->mon[s].ws, i, nc_svc_min_weight(cs));
				changed(dp, s);
				NC_LOG(NOTICE, MON, "%s: server %s up: its next hop answered, weight %u",
				       cs->name, cs->servers[i].name, dp->ctl->mon[s].ws.w[i]);
				nc_dp_event(dp, NC_EV_STATE, s, i, "server %s up: its next hop answered, weight %u",
					    cs->servers[i].name, dp->ctl->mon[s].ws.w[i]);
			}
			if (m->admin != NC_ADMIN_REMOVING)
				continue;
			nc_dp_srv_totals(dp, s, i, &tot, &opened);
			if (opened <= tot.flows_closed)
				slot_free(dp, s, i);
		}
}
