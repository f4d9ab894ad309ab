/* SPDX-License-Identifier: BSD-3-Clause
 * Data-plane set-up from the startup file (ports, neighbors, the tables a
 * packet is classified by, workers), the service tables at run time, and
 * the counters' readers. The control lcore's tick is dp_ctl.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "dp_failsafe.h"
#include "dp_client_addr.h"
#include "dp_synproxy.h"

int
nc_dp_port_of(const struct nc_config *cfg, uint32_t ip, uint32_t *own)
{
	uint16_t p, a;

	for (p = 0; p < cfg->n_ports; p++)
		for (a = 0; a < cfg->ports[p].n_ipv4; a++) {
			const struct nc_prefix *px = &cfg->ports[p].ipv4[a];

			if (nc_in_prefix(ip, px)) {
				if (own != NULL)
					*own = px->addr;
				return p;
			}
		}
	return -1;
}

static int
addr_insert(struct nc_dp_tables *tb, uint32_t ip, int lip)
{
	uint32_t i = nc_hash32(ip) >> 22;
	unsigned int k;

	for (k = 0; k < NC_ADDR_TABLE_SIZE - 1; k++) {
		struct nc_addr_ent *e = &tb->addr[i];

		if (e->ip == 0 || e->ip == ip) {
			e->ip = ip;
			e->used = 1;
			if (lip >= 0)
				e->lip_plus1 = (uint16_t)(lip + 1);
			return 0;
		}
		i = (i + 1) & (NC_ADDR_TABLE_SIZE - 1);
	}
	return -ENOSPC;
}

static void
addr_mark_host(struct nc_dp_tables *tb, uint32_t ip, uint16_t pidx)
{
	struct nc_addr_ent *e = (struct nc_addr_ent *)(uintptr_t)nc_dp_addr_find(tb, ip);

	if (e != NULL)
		e->host_plus1 = (uint8_t)(pidx + 1);
}

static void
svc_insert(struct nc_dp_tables *tb, uint32_t vip, uint16_t port, uint8_t proto, unsigned int svc)
{
	uint32_t i = nc_hash32(vip ^ ((uint32_t)port << 8) ^ proto) >> 24;

	while (tb->svct[i].svc_plus1 != 0)
		i = (i + 1) & (NC_SVC_TABLE_SIZE - 1);
	tb->svct[i].vip = vip;
	tb->svct[i].port = port;
	tb->svct[i].proto = proto;
	tb->svct[i].svc_plus1 = (uint8_t)(svc + 1);
}

static int
lip_index(struct nc_dp *dp, uint32_t ip_be)
{
	uint16_t i;

	for (i = 0; i < dp->n_lips; i++)
		if (dp->lip[i] == ip_be)
			return i;
	if (dp->n_lips == NC_DP_MAX_LIPS)
		return -ENOSPC;
	dp->lip[dp->n_lips] = ip_be;
	return dp->n_lips++;
}

/* Local port <port> of local IP <lip> is a service port on that address. */
static int
lport_taken(uint16_t lip, uint16_t port, void *arg)
{
	const struct nc_dp *dp = arg;
	const struct nc_config *cfg = dp->cfg;
	uint16_t s;

	if (port >= dp->probe_lo && port < dp->probe_hi)
		return 1;
	if (lip >= dp->n_own_lips)   /* a peer's: only its own flows, installed */
		return 1;
	for (s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].family != AF_INET6 &&
		    nc_be32(cfg->services[s].vip) == dp->lip[lip] && cfg->services[s].port == port)
			return 1;
	return 0;
}

static int
has_v6_service(const struct nc_config *cfg)
{
	uint16_t s;

	for (s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].family == AF_INET6)
			return 1;
	return 0;
}

static int
build_neighbors(struct nc_dp *dp)
{
	const struct nc_config *cfg = dp->cfg;
	uint16_t i, a, s;
	int r;

	for (i = 0; i < cfg->n_neighbors; i++) {
		const struct nc_cfg_neighbor *n = &cfg->neighbors[i];
		struct rte_ether_addr mac;
		int p;

		if (n->family == AF_INET6)
			continue;   /* nc_dp_v6_neighbors() */
		p = nc_dp_port_of(cfg, n->ipv4, NULL);
		memcpy(mac.addr_bytes, n->mac, RTE_ETHER_ADDR_LEN);
		if (p < 0 || (r = nc_neigh_add(dp->neigh, nc_be32(n->ipv4), (uint16_t)p, &mac, 1)) < 0) {
			NC_LOG(ERR, DP, "neighbors[%u]: cannot add", i);
			return -EINVAL;
		}
	}
	/* connected subnets */
	for (i = 0; i < cfg->n_ports; i++)
		for (a = 0; a < cfg->ports[i].n_ipv4; a++) {
			const struct nc_prefix *px = &cfg->ports[i].ipv4[a];

			r = nc_neigh_route_add(dp->neigh, nc_be32(px->addr & nc_prefix_mask(px->len)),
					       px->len, NC_NH_CONNECTED | i);
			if (r < 0) {
				NC_LOG(ERR, DP, "ports[%u].ipv4[%u]: cannot route its subnet", i, a);
				return r;
			}
		}
	for (i = 0; i < cfg->n_routes; i++) {
		const struct nc_cfg_route *rt = &cfg->routes[i];
		int p;

		if (rt->family == AF_INET6)
			continue;
		p = nc_dp_port_of(cfg, rt->via, NULL);
		if (p < 0)
			return -EINVAL;
		r = nc_neigh_add(dp->neigh, nc_be32(rt->via), (uint16_t)p, NULL, 0);
		if (r < 0)
			return r;
		nc_neigh_pin(dp->neigh, (uint32_t)r);   /* a gateway is never evicted */
		r = nc_neigh_route_add(dp->neigh, nc_be32(rt->prefix.addr), rt->prefix.len, (uint32_t)r);
		if (r < 0) {
			NC_LOG(ERR, DP, "routes[%u]: cannot add it", i);
			return r;
		}
	}
	/* every server's next hop exists from the start, so probes begin at once */
	for (s = 0; s < cfg->n_services; s++)
		for (i = 0; i < cfg->services[s].n_servers; i++) {
			uint32_t ip = nc_be32(cfg->services[s].servers[i].address);
			uint16_t port = 0;

			if (cfg->services[s].servers[i].family == AF_INET6)
				continue;
			r = nc_neigh_next_hop(dp->neigh, ip, &port);
			if (r == -ENOENT)
				r = nc_neigh_add(dp->neigh, ip, port, NULL, 0);
			if (r < 0) {
				NC_LOG(ERR, DP, "services[%u].servers[%u]: no route", s, i);
				return -EINVAL;
			}
			nc_neigh_pin(dp->neigh, (uint32_t)r);   /* nor a server's next hop */
		}
	return nc_dp_v6_neighbors(dp);
}

static int
build_services(struct nc_dp *dp)
{
	const struct nc_config *cfg = dp->cfg;
	struct nc_dp_tables *tb = dp->tables;
	uint16_t p, a, s, l;
	int r;

	for (p = 0; p < cfg->n_ports; p++) {
		for (a = 0; a < cfg->ports[p].n_ipv4; a++)
			if (addr_insert(tb, nc_be32(cfg->ports[p].ipv4[a].addr), -1) < 0)
				return -ENOSPC;
		if (cfg->ports[p].has_host) {
			if (addr_insert(tb, nc_be32(cfg->ports[p].host.addr), -1) < 0)
				return -ENOSPC;
			addr_mark_host(tb, nc_be32(cfg->ports[p].host.addr), p);
		}
	}
	for (s = 0; s < cfg->n_services; s++) {
		const struct nc_cfg_service *cs = &cfg->services[s];
		struct nc_dp_svc *ds = &tb->svc[s];

		nc_dp_svc_fill(dp, tb, s);
		/* "on" answers from the start; "auto" when the control lcore says
		 * (nc_dp_synproxy_poll, which follows run-time changes too) */
		dp->synp_on[s] = ds->syn_proxy == NC_SYNP_ON;
		if (ds->failsafe && cs->proto == IPPROTO_TCP)
			dp->tcp_failsafe = 1;
		if (ds->client_addr != NC_CA_NONE && cs->proto == IPPROTO_TCP)
			dp->ca_tcp = 1;
		if (ds->failsafe && cs->failsafe.store_size > dp->store_size)
			dp->store_size = cs->failsafe.store_size;
		if (cs->family != AF_INET6) {   /* IPv6 VIPs: nc_dp_v6_tables() */
			if (addr_insert(tb, ds->vip, -1) < 0)
				return -ENOSPC;
			svc_insert(tb, ds->vip, ds->port, ds->proto, s);
		}
		/* IPv4 local IPs: of IPv4 servers, under an IPv6 VIP too (NAT64) */
		for (l = 0; l < cs->n_local_ips; l++) {
			int li = lip_index(dp, nc_be32(cs->local_ips[l]));

			if (li < 0) {
				NC_LOG(ERR, DP, "more than %d distinct local IPs", NC_DP_MAX_LIPS);
				return li;
			}
			ds->lip[ds->n_lips++] = (uint16_t)li;
			if (addr_insert(tb, nc_be32(cs->local_ips[l]), li) < 0)
				return -ENOSPC;
		}
	}
	r = nc_dp_v6_tables(dp, tb);
	if (r < 0)
		return r;
	dp->n_own_lips = dp->n_lips;
	/* the peers' local IPs, after ours: no service takes ports on them;
	 * their flows are installed there when a peer dies (flow sync) */
	if (cfg->cluster.enabled && cfg->cluster.sync) {
		uint16_t q;

		for (q = 0; q < cfg->cluster.n_peers; q++)
			for (l = 0; l < cfg->cluster.peer_n_lips[q]; l++) {
				uint32_t ip = nc_be32(cfg->cluster.peer_lips[q][l]);
				int li = lip_index(dp, ip);

				if (li < 0) {
					NC_LOG(ERR, DP, "more than %d distinct local IPs with the peers'",
					       NC_DP_MAX_LIPS);
					return li;
				}
				if (addr_insert(tb, ip, li) < 0)
					return -ENOSPC;
			}
		r = nc_dp_v6_peer_lips(dp, tb);
		if (r < 0)
			return r;
	}
	for (l = 0; l < dp->n_own_lips; l++)
		dp->ctl->lip_held[l] = 1;
	return 0;
}

void
nc_dp_svc_fill(const struct nc_dp *dp, struct nc_dp_tables *tb, unsigned int s)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_dp_svc *ds = &tb->svc[s];

	ds->vip = nc_be32(cs->vip);
	ds->port = rte_cpu_to_be_16(cs->port);
	ds->proto = cs->proto;
	ds->kind = (uint8_t)cs->scheduler;
	snprintf(ds->name, sizeof(ds->name), "%s", cs->name);
	ds->failsafe = cs->failsafe.enabled;
	ds->max_replays = cs->failsafe.max_replays;
	ds->resp_timeout_ms = cs->failsafe.response_timeout_ms;
	ds->fs_protocol = (uint8_t)cs->failsafe.protocol;
	ds->fs_replay = (uint8_t)cs->failsafe.replay;
	ds->hold_limit = cs->failsafe.hold_limit_kb * 1024u;
	ds->persist_ms = cs->persistence_s * 1000;
	ds->client_addr = (uint8_t)cs->client_address;
	/* without per-flow state (no service had it at start) it stays off */
	ds->syn_proxy = dp->synp && cs->proto == IPPROTO_TCP ? (uint8_t)cs->syn_proxy : NC_SYNP_OFF;
	/* a flood fills the table well within the control lcore's second:
	 * each worker stops opening half-open flows at its share of the
	 * threshold and answers with cookies until the control lcore says */
	ds->synp_worker_max = ds->syn_proxy != NC_SYNP_AUTO ? 0 :
		RTE_MAX(cs->syn_proxy_threshold / RTE_MAX(dp->cfg->workers.n_lcores, 1u), 1u);
}

int
nc_dp_svc_publish(const struct nc_dp *dp, struct nc_dp_tables *tb, unsigned int s)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_dp_svc *ds = &tb->svc[s];
	uint16_t l;
	int li;

	ds->n_lips = 0;
	for (l = 0; l < cs->n_local_ips; l++) {
		/* run time: only local IPs with port pools from the start */
		for (li = 0; li < dp->n_lips && dp->lip[li] != nc_be32(cs->local_ips[l]); li++)
			;
		if (li == dp->n_lips)
			return -ENOTSUP;
		ds->lip[ds->n_lips++] = (uint16_t)li;
	}
	if (cs->family == AF_INET6)   /* its IPv4 local IPs above: NAT64 */
		return nc_dp_svc6_publish(dp, tb, s);
	if (nc_dp_addr_find(tb, ds->vip) == NULL && addr_insert(tb, ds->vip, -1) < 0)
		return -ENOSPC;
	if (nc_dp_svc_by_tuple(tb, ds->vip, ds->port, ds->proto) == 0)
		svc_insert(tb, ds->vip, ds->port, ds->proto, s);
	return 0;
}

struct nc_dp_tables *
nc_dp_tables_edit(const struct nc_dp *dp)
{
	struct nc_dp_tables *tb = rte_malloc("nc_dp_tables", sizeof(*tb), RTE_CACHE_LINE_SIZE);

	if (tb != NULL)
		memcpy(tb, dp->tables, sizeof(*tb));
	return tb;
}

void
nc_dp_tables_publish(struct nc_dp *dp, struct nc_dp_tables *tb)
{
	struct nc_dp_tables *old = dp->tables;

	__atomic_store_n(&dp->tables, tb, __ATOMIC_RELEASE);
	/* every worker takes the new tables at its next tick, after it reports
	 * a quiescent state: once all have, none holds the old ones. Rare (an
	 * operator's change) and short: workers tick at every loop. */
	rte_rcu_qsbr_synchronize(dp->qsbr, RTE_QSBR_THRID_INVALID);
	rte_free(old);
}

/* A pool of <n> small segments the data plane makes itself (in flight only
 * until sent), named <prefix>_<pid>; NULL, logged as <what>, when it cannot be. */
static struct rte_mempool *
seg_pool(const char *prefix, unsigned int n, int socket, const char *what)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	struct rte_mempool *mp;

	snprintf(pname, sizeof(pname), "%s_%u", prefix, (unsigned int)getpid() & 0xffff);
	mp = rte_pktmbuf_pool_create(pname, n, 256, 0, RTE_PKTMBUF_HEADROOM + 256, socket);
	if (mp == NULL)
		NC_LOG(ERR, DP, "%s: %s (raise eal.memory_mb)", what, rte_strerror(rte_errno));
	return mp;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Some service of family <fam> (its VIP's) has persistence. */
static int
any_persistence(const struct nc_config *cfg, int fam)
{
	uint16_t s;

	for (s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].persistence_s != 0 &&
		    (cfg->services[s].family == AF_INET6) == (fam == AF_INET6))
			return 1;
	return 0;
}

/* Free ring <r> (NULL: none) and the mbufs still in it. */
static void
ring_free_mbufs(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r != NULL && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

/* Free worker <w> (NULL: none) and every packet it still holds. */
static void
worker_free(struct nc_worker *w)
{
	uint16_t p;

	if (w == NULL)
		return;
	for (p = 0; p < NC_MAX_PORTS; p++)
		rte_pktmbuf_free_bulk(w->tx[p].m, w->tx[p].n);
	ring_free_mbufs(w->handoff);
	if (w->synp != NULL) {   /* segments still held */
		uint32_t i, n = nc_flow_slots(w->flows);

		for (i = 0; i < n; i++)
			rte_pktmbuf_free(w->synp[i].held);
		rte_free(w->synp);
	}
	nc_flow_table_free(w->flows);
	nc_txstore_free(w->txs);
	rte_free(w->txc);
	rte_free(w->tfs);
	rte_free(w->seqw);
	rte_free(w->srcb);
	rte_free(w->cas);
	rte_free(w->caq);
	rte_free(w->spq);
	nc_affinity_free(w->aff);
	nc_affinity_free(w->aff6);
	nc_frag_worker_free(w);
	rte_free(w->srv);
	rte_free(w);
}

static struct nc_worker *
worker_create(struct nc_dp *dp, uint16_t id, int socket, const char **what)
{
	const struct nc_config *cfg = dp->cfg;
	uint32_t cap = (cfg->limits.max_flows + dp->n_workers - 1) / dp->n_workers;
	struct nc_worker *w;
	char name[RTE_RING_NAMESIZE];

	*what = "worker state";
	w = rte_zmalloc_socket("nc_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->dp = dp;
	w->tb = dp->tables;
	w->id = id;
	w->lcore = cfg->workers.lcores[id];
	w->rxq = id;
	w->txq = id;
	w->burst = RTE_MIN(cfg->workers.burst, NC_MAX_BURST);
	snprintf(name, sizeof(name), "ncflows_%u_%u", (unsigned int)getpid() & 0xffff, id);
	*what = "flow table";
	w->flows = nc_flow_table_create(name, cap, socket, id, dp->n_workers, dp->n_lips,
					dp->lport_map, lport_taken, dp);
	if (w->flows == NULL)
		goto fail;
	*what = "IPv6 flow table";
	if (has_v6_service(cfg) && nc_flow_table_add_v6(w->flows, socket) < 0)
		goto fail;
	w->flow = nc_flow_at(w->flows, 0);
	w->a6 = nc_flow6_addrs(w->flows, &w->a6_first, &w->a6_n);
	nc_flow_set_tcp_reuse(w->flows, cfg->limits.tcp_timewait_s * 1000, wall_ms());
	/* every service slot: services can be added at run time */
	*what = "server statistics";
	w->srv = rte_zmalloc_socket("nc_srv_stats", (size_t)NC_MAX_SERVICES *
				    NC_MAX_SERVERS * sizeof(*w->srv), RTE_CACHE_LINE_SIZE, socket);
	if (w->srv == NULL)
		goto fail;
	if (dp->store_size != 0) {
		uint32_t slots = nc_flow_slots(w->flows), i;

		snprintf(name, sizeof(name), "nctx%u_%u", (unsigned int)getpid() & 0xffff, id);
		*what = "transaction store and its chains";
		w->txs = nc_txstore_create(name, dp->store_size, socket);
		w->txc = rte_malloc_socket("nc_txchain", (size_t)slots * 2 * sizeof(uint32_t),
					   RTE_CACHE_LINE_SIZE, socket);
		if (w->txs == NULL || w->txc == NULL)
			goto fail;
		for (i = 0; i < slots * 2; i++)
			w->txc[i] = NC_TX_NONE;
		if (dp->tcp_failsafe) {
			/* three cache lines per flow at most: it is per flow slot */
			RTE_BUILD_BUG_ON(sizeof(*w->tfs) > 3 * RTE_CACHE_LINE_SIZE);
			*what = "TCP fail-safe state";
			w->tfs = rte_zmalloc_socket("nc_tcpfs", (size_t)slots * sizeof(*w->tfs),
						    RTE_CACHE_LINE_SIZE, socket);
			if (w->tfs == NULL)
				goto fail;
		}
	}
	if (dp->store_size != 0) {
		/* ICMP errors are acted on (fail-over): the TCP legs' windows
		 * they are checked against (an IPv6 flow keeps its own in its
		 * flow line, a NAT64 flow in its address line). Known from the
		 * services at start. */
		*what = "TCP windows";
		w->seqw = rte_zmalloc_socket("nc_seqwin", (size_t)nc_flow_slots(w->flows) *
					     sizeof(*w->seqw), RTE_CACHE_LINE_SIZE, socket);
		if (w->seqw == NULL)
			goto fail;
	}
	if (dp->synp) {
		/* per flow slot, off the flow's line */
		RTE_BUILD_BUG_ON(sizeof(struct nc_synp) != 48);
		*what = "SYN proxy state";
		w->synp = rte_zmalloc_socket("nc_synp", (size_t)nc_flow_slots(w->flows) *
					     sizeof(*w->synp), RTE_CACHE_LINE_SIZE, socket);
		RTE_BUILD_BUG_ON((NC_SP_QUEUE & (NC_SP_QUEUE - 1)) != 0);
		w->spq = rte_zmalloc_socket("nc_spq", (size_t)NC_SP_QUEUE * sizeof(*w->spq),
					    RTE_CACHE_LINE_SIZE, socket);
		if (w->synp == NULL || w->spq == NULL)
			goto fail;
	}
	if (dp->ca_tcp) {
		/* per flow slot, like the fail-safe's: a few bytes, off the flow's line */
		RTE_BUILD_BUG_ON(sizeof(*w->cas) > 32);
		RTE_BUILD_BUG_ON((NC_CA_QUEUE & (NC_CA_QUEUE - 1)) != 0);
		*what = "client-address state";
		w->cas = rte_zmalloc_socket("nc_ca", (size_t)nc_flow_slots(w->flows) * sizeof(*w->cas),
					    RTE_CACHE_LINE_SIZE, socket);
		w->caq = rte_zmalloc_socket("nc_caq", (size_t)NC_CA_QUEUE * sizeof(*w->caq),
					    RTE_CACHE_LINE_SIZE, socket);
		if (w->cas == NULL || w->caq == NULL)
			goto fail;
	}
	if (dp->lim_rate != 0) {
		/* fresh buckets are full: their time is long past */
		*what = "per-source buckets";
		w->srcb = rte_zmalloc_socket("nc_srcb", NC_SRC_BUCKETS * sizeof(*w->srcb),
					     RTE_CACHE_LINE_SIZE, socket);
		if (w->srcb == NULL)
			goto fail;
	}
	if (any_persistence(cfg, AF_INET)) {
		snprintf(name, sizeof(name), "ncaff%u_%u", (unsigned int)getpid() & 0xffff, id);
		*what = "affinity table";
		w->aff = nc_affinity_create(name, cap, socket);
		if (w->aff == NULL)
			goto fail;
	}
	if (any_persistence(cfg, AF_INET6)) {
		snprintf(name, sizeof(name), "ncaff6%u_%u", (unsigned int)getpid() & 0xffff, id);
		*what = "IPv6 affinity table";
		w->aff6 = nc_affinity_create6(name, cap, socket);
		if (w->aff6 == NULL)
			goto fail;
	}
	*what = "fragment tables";
	if (nc_frag_worker_init(w, socket) < 0)
		goto fail;
	snprintf(name, sizeof(name), "nchand_%u", id);
	*what = "handoff ring";
	w->handoff = rte_ring_create(name, NC_HANDOFF_RING, socket, RING_F_SC_DEQ);
	if (w->handoff == NULL)
		goto fail;
	return w;
fail:
	worker_free(w);
	/* every step allocates; rte_malloc leaves rte_errno as it was */
	rte_errno = ENOMEM;
	return NULL;
}

/*
 * limits.*, each worker's share. An unanswered UDP flow lives at least as
 * long as a fail-safe UDP service may hold its request (every replay's
 * deadline), and never longer than an answered one.
 */
static void
limits_setup(struct nc_dp *dp, const struct nc_config *cfg)
{
	const struct nc_cfg_limits *l = &cfg->limits;
	uint32_t n = RTE_MAX(dp->n_workers, (uint16_t)1);
	uint32_t unreplied = l->udp_unreplied_s != 0 ? l->udp_unreplied_s * 1000 : dp->to_udp;
	uint16_t s;

	for (s = 0; s < cfg->n_services; s++) {
		const struct nc_cfg_service *cs = &cfg->services[s];

		if (cs->proto == IPPROTO_UDP && cs->failsafe.enabled)
			unreplied = RTE_MAX(unreplied, cs->failsafe.response_timeout_ms *
						       (cs->failsafe.max_replays + 1u));
	}
	dp->to_udp_unreplied = RTE_MIN(unreplied, dp->to_udp);
	dp->src_seed = (uint32_t)rte_rand();   /* no client can aim at one bucket */
	for (s = 0; s < cfg->n_services; s++)
		if (cfg->services[s].syn_proxy != NC_SYNP_OFF && cfg->services[s].proto == IPPROTO_TCP)
			dp->synp = 1;
	if (l->has_syn_cookie_secret) {   /* shared with the peers: little-endian words */
		for (s = 0; s < 4; s++) {
			uint64_t k = 0;
			int b;

			for (b = 7; b >= 0; b--)
				k = k << 8 | l->syn_cookie_secret[s * 8 + b];
			dp->synp_key.k[s / 2][s % 2] = k;
		}
	} else {
		dp->synp_key.k[0][0] = rte_rand();   /* the cookies' secret */
		dp->synp_key.k[0][1] = rte_rand();
		dp->synp_key.k[1][0] = rte_rand();
		dp->synp_key.k[1][1] = rte_rand();
	}
	/* cookies count time from the wall clock: the same count on every
	 * dispatcher sharing the secret */
	dp->synp_clock = (uint32_t)(wall_ms() - rte_rdtsc() / RTE_MAX(rte_get_tsc_hz() / 1000, (uint64_t)1));
	/* a token is 1000 units: a rate of r per second adds r units a ms */
	dp->lim_rate = l->new_flows_per_source == 0 ? 0 : RTE_MAX(l->new_flows_per_source / n, 1u);
	dp->lim_burst = (uint32_t)RTE_MIN((uint64_t)RTE_MAX(l->new_flows_burst / n, 1u) * 1000, UINT32_MAX);
	dp->lim_half_open = l->half_open_max == 0 ? 0 : (l->half_open_max + n - 1) / n;
	dp->lim_unreplied = l->udp_unreplied_max == 0 ? 0 : (l->udp_unreplied_max + n - 1) / n;
	/* limits.source_prefix6 (16..64; 0 from a caller that set no limits: 64) */
	dp->lim_mask6 = rte_cpu_to_be_64(~0ull << (64 - RTE_MIN(l->source_prefix6 != 0 ?
								   l->source_prefix6 : 64u, 64u)));
}

/*
 * With every port spreading its packets by the default RSS key over 2, 4 or
 * 8 workers' queues, the answers' queue is predicted (nc_rss4, nc_rss6) and
 * each flow table steers its local ports to its own worker's queue: each
 * local IP's share of that queue and its ports' (nc_flow_table_steer; a
 * port's bits weigh differently in IPv4 and IPv6 tuples).
 */
static int
rss_setup(struct nc_dp *dp, const struct nc_dp_port_setup *ports, int socket)
{
	uint16_t mask4[NC_STEER_BITS_MAX], mask6[NC_STEER_BITS_MAX], i, b, l;
	struct nc_rss *r;
	uint8_t bits;

	if (dp->n_workers < 2 || !rte_is_power_of_2(dp->n_workers) ||
	    dp->n_workers > 1u << NC_STEER_BITS_MAX || dp->n_ports == 0)
		return 0;
	for (i = 0; i < dp->n_ports; i++)
		if (!ports[i].rss_default_key)
			return 0;
	r = rte_malloc_socket("nc_rss", sizeof(*r), RTE_CACHE_LINE_SIZE, socket);
	if (r == NULL) {
		NC_LOG(ERR, DP, "no memory for the RSS tables");
		rte_errno = ENOMEM;
		return -ENOMEM;
	}
	nc_rss_init(r, nc_rss_key_default);
	bits = (uint8_t)rte_log2_u32(dp->n_workers);
	for (i = 0; i < bits; i++) {
		mask4[i] = mask6[i] = 0;
		for (b = 0; b < 16; b++) {
			uint16_t p = rte_cpu_to_be_16((uint16_t)(1u << b));

			mask4[i] |= (uint16_t)((nc_rss4(r, 0, 0, 0, p) >> i & 1u) << b);
			mask6[i] |= (uint16_t)((nc_rss6(r, NULL, NULL, 0, p) >> i & 1u) << b);
		}
	}
	for (i = 0; i < dp->n_workers; i++)
		for (l = 0; l < dp->n_lips; l++) {
			int v6 = dp->lip[l] == 0;
			uint8_t share = v6 ? nc_rss6(r, NULL, dp->tables->v6.lip[l], 0, 0) :
				nc_rss4(r, 0, dp->lip[l], 0, 0);

			nc_flow_table_steer(dp->worker[i]->flows, l, bits, v6 ? mask6 : mask4, share);
		}
	dp->rss = r;
	dp->rss_qmask = (uint8_t)(dp->n_workers - 1);
	NC_LOG(INFO, DP, "RSS: the ports' queues predicted, local ports steered to their "
	       "flow's worker (%u workers)", dp->n_workers);
	return 0;
}

struct nc_dp *
nc_dp_create(const struct nc_config *cfg, const struct nc_dp_port_setup *ports,
	     struct rte_mempool *ctl_pool, int socket)
{
	struct nc_dp *dp;
	size_t sz;
	uint16_t i;
	int r;

	/* the bounds (nc_limits.h) against the fields that carry them: a flow
	 * and a fail-over report name a server and a service in a byte (0xfe,
	 * 0xff: NC_FAILOVER_STUCK, _RESET), a probe port's slot as service << 8 | server */
	RTE_BUILD_BUG_ON(NC_MAX_SERVERS >= NC_FAILOVER_STUCK || NC_FAILOVER_STUCK >= NC_FAILOVER_RESET);
	RTE_BUILD_BUG_ON(NC_MAX_SERVICES > 256);
	RTE_BUILD_BUG_ON(NC_MAX_PORTS > RTE_MAX_ETHPORTS);
	/* every IPv4 route's gateway and every port fit the route table's values */
	RTE_BUILD_BUG_ON(NC_MAX_ROUTES > NC_NEIGH_GATEWAYS);
	RTE_BUILD_BUG_ON(NC_MAX_PORTS >= NC_FIB_NONE - NC_FIB_CONNECTED);
	dp = rte_zmalloc_socket("nc_dp", sizeof(*dp), RTE_CACHE_LINE_SIZE, socket);
	if (dp == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	/* the data plane's own copy: run-time changes edit it (control lcore) */
	dp->cfg = rte_malloc_socket("nc_dp_cfg", sizeof(*cfg), 0, socket);
	dp->ctl = rte_zmalloc_socket("nc_dp_ctl", sizeof(*dp->ctl), RTE_CACHE_LINE_SIZE, socket);
	dp->tables = rte_zmalloc_socket("nc_dp_tables", sizeof(*dp->tables), RTE_CACHE_LINE_SIZE,
					socket);
	if (dp->cfg == NULL || dp->ctl == NULL || dp->tables == NULL) {
		rte_free(dp->cfg);
		rte_free(dp->ctl);
		rte_free(dp->tables);
		rte_free(dp);
		rte_errno = ENOMEM;
		return NULL;
	}
	memcpy(dp->cfg, cfg, sizeof(*cfg));
	cfg = dp->cfg;
	for (i = 0; i < NC_MAX_PORTS; i++)
		dp->ctl->exc_port[i] = NC_DP_NO_EXC;
	dp->n_ports = cfg->n_ports;
	dp->n_services = cfg->n_services;
	dp->n_workers = cfg->workers.n_lcores;
	dp->ctl_pool = ctl_pool;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->tsc_per_ms = RTE_MAX(dp->tsc_hz / 1000, (uint64_t)1);
	dp->tsc_per_us = RTE_MAX(dp->tsc_hz / 1000000, (uint64_t)1);
	dp->ctl->start_tsc = rte_rdtsc();
	dp->to_syn = cfg->limits.tcp_syn_s * 1000;
	dp->to_est = cfg->limits.tcp_idle_s * 1000;
	dp->to_fin = cfg->limits.tcp_fin_s * 1000;
	dp->to_udp = cfg->limits.udp_idle_s * 1000;
	limits_setup(dp, cfg);
	for (i = 0; i < cfg->n_ports; i++) {
		dp->port_id[i] = ports[i].port_id;
		dp->mac[i] = ports[i].mac;
		dp->tx_one_seg[i] = ports[i].tx_one_seg;
		dp->pidx_of[ports[i].port_id] = (uint8_t)i;
	}
	r = build_services(dp);
	if (r < 0) {
		NC_LOG(ERR, DP, "address tables: %s", nc_strerror(r));
		goto fail;
	}
	dp->neigh = nc_neigh_create("ncneigh", socket);
	if (dp->neigh == NULL) {
		NC_LOG(ERR, DP, "neighbor table: %s", rte_strerror(rte_errno));
		goto fail;
	}
	r = build_neighbors(dp);
	if (r < 0) {
		NC_LOG(ERR, DP, "neighbors and routes: %s", nc_strerror(r));
		goto fail;
	}
	sz = rte_rcu_qsbr_get_memsize(dp->n_workers);
	dp->qsbr = rte_zmalloc_socket("nc_qsbr", sz, RTE_CACHE_LINE_SIZE, socket);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, dp->n_workers) != 0) {
		NC_LOG(ERR, DP, "rcu: %s", rte_strerror(rte_errno));
		goto fail;
	}
	r = nc_neigh_rcu_attach(dp->neigh, dp->qsbr);
	if (r != 0) {
		NC_LOG(ERR, DP, "neighbor table's RCU: %s", nc_strerror(r));
		goto fail;
	}
	dp->sched = nc_sched_set_create(NC_MAX_SERVICES, dp->qsbr);
	if (dp->sched == NULL) {
		NC_LOG(ERR, DP, "schedules: %s", rte_strerror(rte_errno));
		goto fail;
	}
	r = nc_dp_mon_init(dp);
	if (r < 0) {
		NC_LOG(ERR, DP, "monitor and first schedules: %s", nc_strerror(r));
		goto fail;
	}
	dp->ctl_ring = rte_ring_create_elem("ncctl", sizeof(struct nc_ctl_msg), NC_CTL_RING,
					    socket, RING_F_SC_DEQ);
	dp->ctl_tx = rte_ring_create("ncctltx", NC_CTL_RING, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	dp->lport_map = rte_zmalloc_socket("nc_lport_map",
					   (size_t)RTE_MAX(dp->n_lips, 1) * 65536 * sizeof(uint32_t),
					   RTE_CACHE_LINE_SIZE, socket);
	if (dp->ctl_ring == NULL || dp->ctl_tx == NULL || dp->lport_map == NULL) {
		NC_LOG(ERR, DP, "rings and local port map: %s", rte_strerror(rte_errno));
		goto fail;
	}
	if (dp->store_size != 0) {
		/* private copies of held requests: a full store must never take
		 * the mbufs the ports receive into */
		char pname[RTE_MEMPOOL_NAMESIZE];

		snprintf(pname, sizeof(pname), "nctxpool_%u", (unsigned int)getpid() & 0xffff);
		dp->txpool = rte_pktmbuf_pool_create(pname, dp->store_size * dp->n_workers + 1023, 256,
						     0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
		if (dp->txpool == NULL) {
			NC_LOG(ERR, DP, "transaction store pool of %u mbufs: %s (raise eal.memory_mb "
			       "or lower failsafe.store_size)", dp->store_size * dp->n_workers,
			       rte_strerror(rte_errno));
			goto fail;
		}
	}
	/* PROXY header segments; the SYNs the proxy sends again on its timer */
	if (dp->ca_tcp &&
	    (dp->ca_pool = seg_pool("nccapool", 4096u * dp->n_workers + 1023, socket,
				    "client address header pool")) == NULL)
		goto fail;
	if (dp->synp &&
	    (dp->sp_pool = seg_pool("ncsppool", 1024u * dp->n_workers + 1023, socket,
				    "SYN proxy pool")) == NULL)
		goto fail;
	if (nc_frag_dp_init(dp, socket) < 0) {
		NC_LOG(ERR, DP, "fragment pools: %s (raise eal.memory_mb)", rte_strerror(rte_errno));
		goto fail;
	}
	/* fault the pages in now, not on the fast path (--no-huge heap is lazy) */
	memset(dp->lport_map, 0, (size_t)RTE_MAX(dp->n_lips, 1) * 65536 * sizeof(uint32_t));
	for (i = 0; i < dp->n_workers; i++) {
		const char *what = "";

		dp->worker[i] = worker_create(dp, i, socket, &what);
		if (dp->worker[i] == NULL) {
			NC_LOG(ERR, DP, "worker %u: no memory for its %s (limits.max_flows %u): "
			       "raise eal.memory_mb or lower limits.max_flows", i, what,
			       cfg->limits.max_flows);
			goto fail;
		}
	}
	if (rss_setup(dp, ports, socket) != 0)
		goto fail;
	return dp;
fail:
	if (rte_errno == 0)
		rte_errno = EINVAL;
	nc_dp_free(dp);
	return NULL;
}

void
nc_dp_free(struct nc_dp *dp)
{
	uint16_t i;
	struct nc_ctl_msg msg;

	if (dp == NULL)
		return;
	nc_dp_sync_free(dp);
	for (i = 0; i < dp->n_workers; i++)
		worker_free(dp->worker[i]);
	rte_mempool_free(dp->txpool);
	rte_mempool_free(dp->ca_pool);
	rte_mempool_free(dp->sp_pool);
	nc_frag_dp_free(dp);
	for (uint16_t i = 0; i < dp->ctl->n_pending; i++)
		rte_pktmbuf_free(dp->ctl->pending[i].m);
	if (dp->ctl_ring != NULL) {
		while (rte_ring_dequeue_elem(dp->ctl_ring, &msg, sizeof(msg)) == 0)
			if (msg.type != NC_CTL_FAILOVER)   /* a packet, a resolution, a miss */
				rte_pktmbuf_free(msg.m);
		rte_ring_free(dp->ctl_ring);
	}
	ring_free_mbufs(dp->ctl_tx);
	nc_sched_set_free(dp->sched);
	nc_dp_mon_free(dp);
	nc_neigh_free(dp->neigh);   /* before the RCU variable its hashes' defer queues use */
	rte_free(dp->qsbr);
	rte_free(dp->lport_map);
	rte_free((void *)(uintptr_t)dp->rss);
	rte_free(dp->ctl);
	rte_free(dp->tables);
	rte_free(dp->cfg);
	rte_free(dp);
}

struct nc_worker *
nc_dp_worker(struct nc_dp *dp, unsigned int i)
{
	return i < dp->n_workers ? dp->worker[i] : NULL;
}

unsigned int
nc_dp_n_workers(const struct nc_dp *dp)
{
	return dp->n_workers;
}

void
nc_dp_set_redirect(struct nc_dp *dp, uint16_t pidx, const struct rte_ether_addr *peer)
{
	uint64_t v = 0;

	if (pidx >= dp->n_ports)
		return;
	if (peer != NULL) {
		memcpy(&v, peer->addr_bytes, RTE_ETHER_ADDR_LEN);
		v |= NC_DP_REDIRECT_ON;
	}
	__atomic_store_n(&dp->redirect[pidx], v, __ATOMIC_RELAXED);
}

void
nc_dp_stop(struct nc_dp *dp)
{
	__atomic_store_n(&dp->stop, 1, __ATOMIC_RELAXED);
}

void
nc_dp_stats_get(const struct nc_dp *dp, struct nc_dp_stats *out)
{
	uint16_t i;
	size_t k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < dp->n_workers; i++) {
		const uint64_t *src = (const uint64_t *)&dp->worker[i]->st;
		uint64_t *dst = (uint64_t *)out;

		RTE_BUILD_BUG_ON(sizeof(struct nc_dp_stats) % sizeof(uint64_t) != 0);
		for (k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			dst[k] += __atomic_load_n(&src[k], __ATOMIC_RELAXED);
		out->tcp_port_early_reuse += nc_flow_early_reuse(dp->worker[i]->flows);
		out->lport_steer_missed += nc_flow_steer_missed(dp->worker[i]->flows);
	}
	/* and what the control lcore dropped: one list of reasons for every frame */
	for (k = 0; k < NC_DROP_MAX; k++)
		out->drop[k] += __atomic_load_n(&dp->ctl->st.drop[k], __ATOMIC_RELAXED);
}

uint64_t
nc_dp_flow_count(const struct nc_dp *dp)
{
	uint64_t n = 0;
	uint16_t i;

	for (i = 0; i < dp->n_workers; i++)
		n += nc_flow_count(dp->worker[i]->flows);
	return n;
}

const struct nc_schedule *
nc_dp_schedule(const struct nc_dp *dp, unsigned int svc)
{
	return svc < dp->n_services ? nc_sched_get(dp->sched_slot[svc]) : NULL;
}

void
nc_dp_ctl_stats_get(const struct nc_dp *dp, struct nc_ctl_stats *out)
{
	const struct nc_neigh_stats *ns = &dp->neigh->st;

	*out = dp->ctl->st;
	out->neigh_evicted = ns->evicted;
	out->neigh_expired = ns->expired;
	out->neigh_full = ns->full;
}
