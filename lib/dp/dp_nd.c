/* SPDX-License-Identifier: BSD-3-Clause
 * Control lcore: IPv6. Neighbor Discovery as ARP is done (RFC 4861):
 * solicitations for the appliance's addresses answered and their senders
 * learned, advertisements learned for entries that exist, next hops
 * solicited until they answer; echo requests to our addresses answered; the
 * IPv6 parts of the start-up tables.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ip.h>

#include "dp_priv.h"


static int
in_prefix6(const uint8_t *ip, const struct nc_prefix6 *px)
{
	uint8_t full = px->len / 8, rest = px->len % 8;

	if (memcmp(ip, px->addr, full) != 0)
		return 0;
	return rest == 0 || ((ip[full] ^ px->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
nc_dp_port_of6(const struct nc_config *cfg, const uint8_t *ip, uint8_t *own)
{
	uint16_t p, a;

	for (p = 0; p < cfg->n_ports; p++)
		for (a = 0; a < cfg->ports[p].n_ipv6; a++)
			if (in_prefix6(ip, &cfg->ports[p].ipv6[a])) {
				if (own != NULL)
					memcpy(own, cfg->ports[p].ipv6[a].addr, 16);
				return p;
			}
	return -1;
}

/* Entry of an address of ours answered for now (a local IP: while held,
 * nc_dp_lip_answered), or NULL. */
static const struct nc_addr6_ent *
own6(const struct nc_dp *dp, const uint8_t *ip)
{
	const struct nc_addr6_ent *e = nc_dp_addr6_find(&dp->tables->v6, ip);

	if (e == NULL || (e->lip_plus1 != 0 && !nc_dp_lip_answered(dp, (uint16_t)(e->lip_plus1 - 1))))
		return NULL;
	return e;
}

/* Index <v> (entry + 1) into open-addressing table <at> of <size> slots (a
 * power of two, always one free) from slot <h> on. */
static void
slot_put(uint8_t *at, uint32_t size, uint32_t h, uint8_t v)
{
	while (at[h] != 0)
		h = (h + 1) & (size - 1);
	at[h] = v;
}

int
nc_dp_addr6_insert(struct nc_dp_v6 *t, const uint8_t *ip, int lip, int port, int host)
{
	struct nc_addr6_ent *e = (struct nc_addr6_ent *)nc_dp_addr6_find(t, ip);

	if (e == NULL) {
		RTE_BUILD_BUG_ON(NC_ADDR6_HASH <= NC_ADDR6_MAX || NC_ADDR6_MAX > UINT8_MAX ||
				 (NC_ADDR6_HASH & (NC_ADDR6_HASH - 1)) != 0);
		if (t->n_addr == NC_ADDR6_MAX)
			return -ENOSPC;
		e = &t->addr[t->n_addr++];
		memcpy(e->ip, ip, 16);
		slot_put(t->addr_at, NC_ADDR6_HASH, nc_dp_hash6(ip, 0, NC_ADDR6_HASH), (uint8_t)t->n_addr);
	}
	if (lip >= 0)
		e->lip_plus1 = (uint16_t)(lip + 1);
	if (port >= 0)
		e->port_plus1 = (uint8_t)(port + 1);
	if (host >= 0)
		e->host_plus1 = (uint8_t)(host + 1);
	return 0;
}

void
nc_dp_svc6_index(struct nc_dp_v6 *t, uint16_t i)
{
	const struct nc_svc6_ent *e = &t->svc[i];

	RTE_BUILD_BUG_ON(NC_SVC6_HASH <= NC_MAX_SERVICES || NC_MAX_SERVICES > UINT8_MAX ||
			 (NC_SVC6_HASH & (NC_SVC6_HASH - 1)) != 0);
	slot_put(t->svc_at, NC_SVC6_HASH, nc_dp_hash6(e->vip, (uint32_t)e->port << 8 | e->proto, NC_SVC6_HASH),
		 (uint8_t)(i + 1));
}

int
nc_dp_lip6_find(const struct nc_dp *dp, const struct nc_dp_v6 *t, const uint8_t *ip)
{
	uint16_t i;

	for (i = 0; i < dp->n_lips; i++)
		if (dp->lip[i] == 0 && nc_ip6_eq(t->lip[i], ip))
			return i;
	return -ENOENT;
}

/* Local IP index of IPv6 address <ip>, taken if new. IPv6 local IPs share the
 * index space (and the port pools) with IPv4 ones; their IPv4 word is 0. */
static int
lip6_index(struct nc_dp *dp, struct nc_dp_tables *tb, const uint8_t *ip)
{
	int i = nc_dp_lip6_find(dp, &tb->v6, ip);

	if (i >= 0)
		return i;
	if (dp->n_lips == NC_DP_MAX_LIPS)
		return -ENOSPC;
	dp->lip[dp->n_lips] = 0;
	memcpy(tb->v6.lip[dp->n_lips], ip, 16);
	return dp->n_lips++;
}

/* Service entry <e> of <cs> in slot <s>. */
static void
svc6_set(struct nc_svc6_ent *e, const struct nc_cfg_service *cs, unsigned int s)
{
	memcpy(e->vip, cs->vip6, 16);
	e->port = rte_cpu_to_be_16(cs->port);
	e->proto = cs->proto;
	e->svc = (uint8_t)s;
	e->nat64 = cs->server_family == AF_INET;
	e->prefix6 = cs->persistence_prefix6 != 0 ? cs->persistence_prefix6 : 128;
}

/* The IPv6 addresses of <cs>'s servers, which workers read from the tables. */
static void
servers6_set(struct nc_dp_v6 *t, const struct nc_cfg_service *cs, unsigned int s)
{
	uint16_t i;

	for (i = 0; i < cs->n_servers; i++)
		if (cs->servers[i].family == AF_INET6)
			memcpy(t->server[s][i], cs->servers[i].address6, 16);
}

int
nc_dp_svc6_publish(const struct nc_dp *dp, struct nc_dp_tables *tb, unsigned int s)
{
	const struct nc_cfg_service *cs = &dp->cfg->services[s];
	struct nc_dp_svc *ds = &tb->svc[s];
	struct nc_dp_v6 *t = &tb->v6;
	const struct nc_svc6_ent *e;
	uint16_t l;

	for (l = 0; l < cs->n_local_ips6; l++) {
		int li = nc_dp_lip6_find(dp, t, cs->local_ips6[l]);

		if (li < 0)
			return -ENOTSUP;   /* port pools are set up at start */
		ds->lip[ds->n_lips++] = (uint16_t)li;
	}
	if (nc_dp_addr6_insert(t, cs->vip6, -1, -1, -1) < 0)
		return -ENOSPC;
	servers6_set(t, cs, s);
	/* a removed service's entry keeps its slot (and is found by its
	 * address): the new one takes both */
	e = nc_dp_svc6_find(t, cs->vip6, rte_cpu_to_be_16(cs->port), cs->proto);
	if (e != NULL) {
		svc6_set(&t->svc[e - t->svc], cs, s);
	} else {
		if (t->n_svc == NC_MAX_SERVICES)
			return -ENOSPC;
		svc6_set(&t->svc[t->n_svc], cs, s);
		nc_dp_svc6_index(t, t->n_svc++);
	}
	return 0;
}

int
nc_dp_v6_tables(struct nc_dp *dp, struct nc_dp_tables *tb)
{
	const struct nc_config *cfg = dp->cfg;
	struct nc_dp_v6 *t = &tb->v6;
	uint16_t p, a, s, l;

	for (p = 0; p < cfg->n_ports; p++) {
		for (a = 0; a < cfg->ports[p].n_ipv6; a++)
			if (nc_dp_addr6_insert(t, cfg->ports[p].ipv6[a].addr, -1, p, -1) < 0)
				return -ENOSPC;
		if (cfg->ports[p].has_host6) {
			if (nc_dp_addr6_insert(t, cfg->ports[p].host6.addr, -1, -1, p) < 0)
				return -ENOSPC;
		}
	}
	for (s = 0; s < cfg->n_services; s++) {
		const struct nc_cfg_service *cs = &cfg->services[s];
		struct nc_dp_svc *ds = &tb->svc[s];

		if (cs->family != AF_INET6)
			continue;
		dp->v6 = 1;
		svc6_set(&t->svc[t->n_svc], cs, s);
		nc_dp_svc6_index(t, t->n_svc++);
		if (nc_dp_addr6_insert(t, cs->vip6, -1, -1, -1) < 0)
			return -ENOSPC;
		servers6_set(t, cs, s);
		for (l = 0; l < cs->n_local_ips6; l++) {
			int li = lip6_index(dp, tb, cs->local_ips6[l]);

			if (li < 0) {
				NC_LOG(ERR, DP, "more than %d distinct local IPs", NC_DP_MAX_LIPS);
				return li;
			}
			ds->lip[ds->n_lips++] = (uint16_t)li;
			if (nc_dp_addr6_insert(t, cs->local_ips6[l], li, -1, -1) < 0)
				return -ENOSPC;
		}
	}
	return 0;
}

int
nc_dp_v6_peer_lips(struct nc_dp *dp, struct nc_dp_tables *tb)
{
	const struct nc_cfg_cluster *cl = &dp->cfg->cluster;
	uint16_t q, l;

	for (q = 0; q < cl->n_peers; q++)
		for (l = 0; l < cl->peer_n_lips6[q]; l++) {
			int li = lip6_index(dp, tb, cl->peer_lips6[q][l]);

			if (li < 0) {
				NC_LOG(ERR, DP, "more than %d distinct local IPs with the peers'",
				       NC_DP_MAX_LIPS);
				return li;
			}
			if (nc_dp_addr6_insert(&tb->v6, cl->peer_lips6[q][l], li, -1, -1) < 0)
				return -ENOSPC;
		}
	return 0;
}

/* Anything IPv6 in the configuration: ports, neighbors, routes, services. */
static int
has_v6(const struct nc_config *cfg)
{
	uint16_t i;

	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].n_ipv6 != 0)
			return 1;
	for (i = 0; i < cfg->n_neighbors; i++)
		if (cfg->neighbors[i].family == AF_INET6)
			return 1;
	for (i = 0; i < cfg->n_routes; i++)
		if (cfg->routes[i].family == AF_INET6)
			return 1;
	for (i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].family == AF_INET6)
			return 1;
	return 0;
}

int
nc_dp_v6_neighbors(struct nc_dp *dp)
{
	const struct nc_config *cfg = dp->cfg;
	uint16_t i, a, s;
	int r;

	if (!has_v6(cfg))
		return 0;
	r = nc_neigh_enable_v6(dp->neigh);
	if (r < 0) {
		NC_LOG(ERR, DP, "IPv6 neighbor tables: %s", rte_strerror(-r));
		return r;
	}

	for (i = 0; i < cfg->n_neighbors; i++) {
		const struct nc_cfg_neighbor *n = &cfg->neighbors[i];
		struct rte_ether_addr mac;
		int p;

		if (n->family != AF_INET6)
			continue;
		p = nc_dp_port_of6(cfg, n->ipv6, NULL);
		memcpy(mac.addr_bytes, n->mac, RTE_ETHER_ADDR_LEN);
		if (p < 0 || nc_neigh_add6(dp->neigh, n->ipv6, (uint16_t)p, &mac, 1) < 0) {
			NC_LOG(ERR, DP, "neighbors[%u]: cannot add", i);
			return -EINVAL;
		}
	}
	/* on-link prefixes */
	for (i = 0; i < cfg->n_ports; i++)
		for (a = 0; a < cfg->ports[i].n_ipv6; a++) {
			const struct nc_prefix6 *px = &cfg->ports[i].ipv6[a];
			uint8_t net[16];
			uint8_t b;

			for (b = 0; b < 16; b++) {
				int bits = px->len - b * 8;

				net[b] = bits >= 8 ? px->addr[b] :
					 bits <= 0 ? 0 : (uint8_t)(px->addr[b] & (0xff << (8 - bits)));
			}
			r = nc_neigh_route_add6(dp->neigh, net, px->len, NC_NH6_CONNECTED | i);
			if (r < 0)
				return r;
		}
	for (i = 0; i < cfg->n_routes; i++) {
		const struct nc_cfg_route *rt = &cfg->routes[i];
		int p;

		if (rt->family != AF_INET6)
			continue;
		p = nc_dp_port_of6(cfg, rt->via6, NULL);
		if (p < 0)
			return -EINVAL;
		r = nc_neigh_add6(dp->neigh, rt->via6, (uint16_t)p, NULL, 0);
		if (r < 0)
			return r;
		nc_neigh_pin(dp->neigh, (uint32_t)r);
		r = nc_neigh_route_add6(dp->neigh, rt->prefix6.addr, rt->prefix6.len, (uint32_t)r);
		if (r < 0)
			return r;
	}
	/* every server's next hop exists from the start */
	for (s = 0; s < cfg->n_services; s++)
		for (i = 0; i < cfg->services[s].n_servers; i++) {
			const struct nc_cfg_server *sv = &cfg->services[s].servers[i];
			uint16_t port = 0;

			if (sv->family != AF_INET6)
				continue;
			r = nc_neigh_next_hop6(dp->neigh, sv->address6, &port);
			if (r == -ENOENT)
				r = nc_neigh_add6(dp->neigh, sv->address6, port, NULL, 0);
			if (r < 0) {
				NC_LOG(ERR, DP, "services[%u].servers[%u]: no route", s, i);
				return -EINVAL;
			}
			nc_neigh_pin(dp->neigh, (uint32_t)r);
		}
	return 0;
}

/* The source address of a solicitation for <ip> on port <p>, as arp_sender()
 * (dp_ctl.c) chooses for ARP: never a local IP a peer holds. -1 when the port
 * has none to send from in <ip>'s prefix (the unspecified address would make
 * it a duplicate address probe). */
static int
nd_sender(const struct nc_dp *dp, uint16_t p, const uint8_t *ip, uint8_t *src)
{
	const struct nc_cfg_port *port = &dp->cfg->ports[p];
	uint16_t a;

	for (a = 0; a < port->n_ipv6; a++)
		if (in_prefix6(ip, &port->ipv6[a]) && own6(dp, port->ipv6[a].addr) != NULL) {
			memcpy(src, port->ipv6[a].addr, 16);
			return 0;
		}
	if (port->has_host6 && in_prefix6(ip, &port->host6)) {
		memcpy(src, port->host6.addr, 16);
		return 0;
	}
	return -1;
}

void
nc_dp_nd_probe(struct nc_dp *dp, struct nc_neigh_entry *e, int unicast)
{
	uint8_t own[16];
	struct rte_mbuf *m;

	if (nc_dp_port_of6(dp->cfg, e->ip6, NULL) < 0 || nd_sender(dp, e->port, e->ip6, own) < 0)
		return;
	m = rte_pktmbuf_alloc(dp->ctl_pool);
	if (m == NULL) {
		dp->ctl->st.tx_failed++;
		return;
	}
	if (unicast) {
		uint64_t w = __atomic_load_n(&e->mac, __ATOMIC_RELAXED);
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, &w, RTE_ETHER_ADDR_LEN);
		if (nc_nd_make_ns_unicast(m, &dp->mac[e->port], own, e->ip6, &mac) < 0) {
			rte_pktmbuf_free(m);
			return;
		}
		dp->ctl->st.neigh_unicast_probes++;
	} else if (nc_nd_make_ns(m, &dp->mac[e->port], own, e->ip6) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	dp->ctl->st.nd_solicits_sent++;
	nc_dp_ctl_tx(dp, e->port, m);
}

/*
 * ICMPv6 the workers passed up: echo requests to our addresses answered;
 * Neighbor Discovery as ARP is done - solicitations for our addresses
 * answered, their senders learned (never from a group, zero or our own
 * link-layer address, never for an address of ours, never over a static
 * entry), advertisements taken for the entries they resolve. Every other
 * frame is counted under one drop reason.
 */
void
nc_dp_nd_input(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx, const struct nc_pkt *p)
{
	static const uint8_t unspec[16];
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(d + p->l3_off);
	const struct nc_addr6_ent *he;
	enum nc_drop why;
	struct nc_nd nd;
	int r;

	if (p->proto != IPPROTO_ICMPV6) {
		why = NC_DROP_L4_UNSUPPORTED;
		goto ignore;
	}
	if (d[p->l4_off] == NC_ICMP6_ECHO_REQUEST) {
		why = nc_ip6_src_martian(ip->src_addr) ? NC_DROP_SRC_MARTIAN :
		      own6(dp, ip->src_addr) != NULL ? NC_DROP_SRC_OURS : NC_DROP_ICMP6_UNANSWERED;
		if (why != NC_DROP_ICMP6_UNANSWERED)
			goto ignore;
		if (own6(dp, ip->dst_addr) == NULL || nc_icmp6_make_echo_reply(m, p) < 0)
			goto ignore;
		dp->ctl->st.icmp6_echo_replied++;
		nc_dp_ctl_tx(dp, pidx, m);
		return;
	}
	why = NC_DROP_ND_INVALID;
	if (nc_nd_parse(d, rte_pktmbuf_data_len(m), p, &nd) < 0 ||
	    (nd.has_lladdr && !nc_dp_mac_learnable(dp, &nd.lladdr)))
		goto ignore;
	if (nd.type == NC_ND_NS) {
		int for_us = own6(dp, nd.target) != NULL;

		/* the sender is about to talk to us: learn it (create) when the
		 * solicitation is for us, refresh it otherwise */
		if (nd.has_lladdr && !nc_ip6_eq(nd.src, unspec) && own6(dp, nd.src) == NULL &&
		    nc_neigh_learn6(dp->neigh, nd.src, pidx, &nd.lladdr, for_us, NC_NEIGH_SEEN) >= 0)
			dp->ctl->st.nd_learned++;
		why = NC_DROP_ND_NOT_FOR_US;
		if (!for_us || own6(dp, nd.src) != NULL)   /* asked by ourselves: a loop */
			goto ignore;
		why = NC_DROP_ND_INVALID;
		if (nc_nd_make_na(m, p, &nd, &dp->mac[pidx]) < 0)
			goto ignore;
		dp->ctl->st.nd_replied++;
		nc_dp_ctl_tx(dp, pidx, m);
		return;
	}
	/* an advertisement: for an entry we have (RFC 4861 7.2.5), never one
	 * claiming an address of ours */
	why = NC_DROP_ND_NOT_FOR_US;
	if (own6(dp, nd.target) != NULL)
		goto ignore;
	r = nd.has_lladdr ? nc_neigh_learn6(dp->neigh, nd.target, pidx, &nd.lladdr, 0,
					    NC_NEIGH_CONFIRMED) : -ENOENT;
	if (r >= 0)
		dp->ctl->st.nd_learned++;
	/* the answer to the kernel's own solicitation from its host6 (as an
	 * ARP reply to the host address) */
	he = nc_dp_addr6_find(&dp->tables->v6, ip->dst_addr);
	if (he != NULL && he->host_plus1 == pidx + 1 && dp->ctl->exc_port[pidx] != NC_DP_NO_EXC) {
		nc_dp_exc_input(dp, m, pidx);
		return;
	}
	if (!nd.has_lladdr)
		goto ignore;
	if (r >= 0) {
		dp->ctl->st.neigh_taken++;
		rte_pktmbuf_free(m);
		return;
	}
	if (r == -EPERM)
		why = NC_DROP_NEIGH_REPLY_STATIC;
ignore:
	dp->ctl->st.nd_ignored++;
	nc_dp_ctl_drop(dp, m, why);
}

/* IPv6 client packet <m> waits for its sender's next hop: solicited now, and
 * handed back to <worker> once resolved (dp_ctl.c's pending queue). */
void
nc_dp_nd_resolve(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx, uint16_t worker)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	uint16_t port = pidx;
	int idx;

	dp->ctl->st.resolve_requests++;
	idx = nc_neigh_next_hop6(dp->neigh, ip->src_addr, &port);
	if (idx == -ENOENT) {
		idx = nc_neigh_add6(dp->neigh, ip->src_addr, port, NULL, 0);
		if (idx >= 0) {
			struct nc_neigh_entry *e = nc_neigh_entry_of(dp->neigh, (uint32_t)idx);

			nc_dp_nd_probe(dp, e, 0);
			e->n_probes = 1;
			e->next_probe = rte_rdtsc() + dp->neigh->retrans_tsc;
		}
	}
	if (idx < 0) {
		dp->ctl->st.resolve_dropped++;
		nc_dp_ctl_drop(dp, m, idx == -ENETUNREACH ? NC_DROP_NO_ROUTE : NC_DROP_NEIGH_TIMEOUT);
		return;
	}
	nc_dp_ctl_hold(dp, m, (uint32_t)idx | NC_PENDING_V6, worker);
}
