/* SPDX-License-Identifier: BSD-3-Clause
 * Worker: IPv6 packets. The IPv4 fast path hands every frame the parser
 * marked IPv6 here (one test of a flag), so IPv4 pays nothing for it. Full
 * NAT as IPv4's: client -> VIP becomes local address -> server, and back;
 * the flow entries, local ports, expiry, schedules and counters are IPv4's,
 * with the addresses in the table's IPv6 side array. No IP header checksum:
 * the upper-layer checksum takes the precomputed delta of both addresses and
 * ports (RFC 1624 over the pseudo-header). Neighbor Discovery and echo go to
 * the control lcore (dp_nd.c).
 */
#include <rte_ip.h>

#include "dp_v6.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ND_NS        135
#define ICMP6_ND_NA        136

static inline int
ip6_eq(const uint8_t *a, const uint8_t *b)
{
	const uint64_t *x = (const uint64_t *)(const void *)a, *y = (const uint64_t *)(const void *)b;

	return x[0] == y[0] && x[1] == y[1];
}

static inline const struct nc_addr6_ent *
addr6_find(const struct nc_dp_v6 *t, const uint8_t *ip)
{
	uint16_t i;

	for (i = 0; i < t->n_addr; i++)
		if (ip6_eq(t->addr[i].ip, ip))
			return &t->addr[i];
	return NULL;
}

static inline int
svc6_find(const struct nc_dp_v6 *t, const uint8_t *vip, uint16_t port, uint8_t proto)
{
	uint16_t i;

	for (i = 0; i < t->n_svc; i++)
		if (t->svc[i].port == port && t->svc[i].proto == proto && ip6_eq(t->svc[i].vip, vip))
			return t->svc[i].svc;
	return -1;
}

/* Rewrite addresses and ports, decrement the hop limit, adjust the TCP or
 * UDP checksum by <l4_delta>. */
static inline void
rewrite6(struct rte_mbuf *m, uint16_t l4_off, uint8_t proto, const uint8_t *sip, const uint8_t *dip,
	 uint16_t sport, uint16_t dport, uint16_t l4_delta)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + sizeof(struct rte_ether_hdr));
	uint16_t *ports = (uint16_t *)(d + l4_off);

	ip->hop_limits--;
	memcpy(ip->src_addr, sip, 16);
	memcpy(ip->dst_addr, dip, 16);
	ports[0] = sport;
	ports[1] = dport;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);

		th->cksum = nc_csum_adjust(th->cksum, l4_delta);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(d + l4_off);

		/* mandatory in IPv6: a computed 0 is sent as 0xffff */
		uh->dgram_cksum = nc_csum_adjust(uh->dgram_cksum, l4_delta);
		if (uh->dgram_cksum == 0)
			uh->dgram_cksum = 0xffff;
	}
}

/* Both directions' checksum deltas of IPv6 flow <f> with addresses <a>. */
static void
flow6_set_deltas(struct nc_flow *f, const struct nc_flow6_addr *a)
{
	uint32_t l4;

	/* client -> VIP:vport  becomes  lip:lport -> server:sport */
	l4 = nc_csum_delta128(a->client, a->lip) + nc_csum_delta128(a->vip, a->server) +
	     nc_csum_delta16(f->key.src_port, f->lport) + nc_csum_delta16(f->key.dst_port, f->server_port);
	f->c2s_l4_delta = (uint16_t)nc_csum_fold32(l4);
	/* server:sport -> lip:lport  becomes  VIP:vport -> client */
	l4 = nc_csum_delta128(a->server, a->vip) + nc_csum_delta128(a->lip, a->client) +
	     nc_csum_delta16(f->server_port, f->key.dst_port) + nc_csum_delta16(f->lport, f->key.src_port);
	f->s2c_l4_delta = (uint16_t)nc_csum_fold32(l4);
}

/* Open an IPv6 flow for client packet <m>; NULL when refused (counted; <m>
 * consumed) or when <m> waits on the control lcore for its sender's MAC
 * (*resolve set, <m> not consumed). */
static struct nc_flow *
flow6_open(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx, const struct nc_flow6_key *k,
	   uint32_t hash, unsigned int svc, int *resolve)
{
	struct nc_dp *dp = w->dp;
	const struct nc_dp_svc *ds = &w->tb->svc[svc];
	const struct nc_schedule *s = nc_sched_get(dp->sched_slot[svc]);
	const struct nc_sched_server *srv;
	struct nc_flow6_addr *a;
	struct nc_flow *f;
	uint32_t *cur;
	uint16_t port = pidx;
	int nh, err;

	if (unlikely(s == NULL || s->n_slots == 0)) {
		drop(w, m, NC_DROP_NO_SERVER);
		return NULL;
	}
	nh = nc_neigh_next_hop6(dp->neigh, k->src_ip, &port);
	if (unlikely(nh < 0 || !(nc_neigh_mac(dp->neigh, (uint32_t)nh) & NC_NEIGH_VALID))) {
		if (nh == -ENETUNREACH)
			drop(w, m, NC_DROP_NO_ROUTE);
		else
			*resolve = 1;
		return NULL;
	}
	f = nc_flow6_add(w->flows, k, hash, ds->lip, ds->n_lips, &w->lip_cursor[svc], &err);
	if (unlikely(f == NULL)) {
		drop(w, m, err == -ENOSPC ? NC_DROP_FLOW_TABLE_FULL : NC_DROP_NO_LOCAL_PORT);
		return NULL;
	}
	cur = &w->sched_cursor[svc];
	if (*cur >= s->n_slots)
		*cur = 0;
	f->server = (uint8_t)s->slot[(*cur)++];
	srv = &s->server[f->server];
	f->svc = (uint8_t)svc;
	f->server_port = srv->port;
	f->nh_server = srv->nh;
	f->nh_client = (uint32_t)nh;
	a = nc_flow6_addr_at(w->flows, flow_idx(w, f));
	memcpy(a->lip, w->tb->v6.lip[f->lip_idx], 16);
	memcpy(a->server, w->tb->v6.server[svc][f->server], 16);
	flow6_set_deltas(f, a);
	w->st.svc[svc].flows_opened++;
	w->st.flow_changes++;
	w->st.svc[svc].server_flows[f->server]++;
	return f;
}

static enum pkt_kind
client6(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx, const struct pkt_meta *pm,
	unsigned int svc, int owned_check, uint16_t *owner)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	const uint16_t *ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, pm->l4_off);
	struct nc_flow6_key k;
	struct nc_flow6_addr *a;
	struct nc_srv_stats *ss;
	struct nc_flow *f;
	uint8_t flags = 0;
	uint32_t hash;
	int32_t pos;
	int resolve = 0;

	if (unlikely(ip->hop_limits <= 1)) {
		drop(w, m, NC_DROP_TTL_EXPIRED);
		return PK_DROP;
	}
	memcpy(k.src_ip, ip->src_addr, 16);
	memcpy(k.dst_ip, ip->dst_addr, 16);
	k.src_port = ports[0];
	k.dst_port = ports[1];
	k.proto = pm->key.proto;
	k.pad[0] = k.pad[1] = k.pad[2] = 0;
	hash = nc_flow6_hash(&k);
	if (owned_check && w->dp->n_workers > 1) {
		*owner = (uint16_t)((uint64_t)hash * w->dp->n_workers >> 32);
		if (*owner != w->id)
			return PK_HANDOFF;
	}
	pos = nc_flow6_lookup(w->flows, &k, hash);
	if (k.proto == IPPROTO_TCP) {
		int syn;

		flags = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->tcp_flags;
		syn = (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;
		if (pos >= 0 && unlikely(syn) && flow_at(w, (uint32_t)pos)->state == NC_FLOW_CLOSING) {
			flow_close(w, pos);   /* the client reuses the port of a closed connection */
			pos = -ENOENT;
		}
		if (pos < 0 && !syn) {
			drop(w, m, NC_DROP_NO_FLOW);
			return PK_DROP;
		}
	}
	if (pos >= 0) {
		f = flow_at(w, (uint32_t)pos);
	} else {
		f = flow6_open(w, m, pidx, &k, hash, svc, &resolve);
		if (f == NULL)
			return resolve ? PK_RESOLVE6 : PK_DROP;
	}
	if (k.proto == IPPROTO_TCP)
		tcp_track(f, flags, 1);
	f->expire_ms = w->now_ms + timeout_of(w->dp, f);
	ss = srv_stats(w, f);
	if (pm->pay != 0 && !(f->mon & NC_FLOW_REQ)) {
		f->mon |= NC_FLOW_REQ;
		f->req_us = w->now_us;
		ss->requests++;
	}
	ss->bytes += rte_pktmbuf_pkt_len(m);
	w->st.svc[f->svc].pkts_c2s++;
	w->st.svc[f->svc].bytes_c2s += rte_pktmbuf_pkt_len(m);
	a = nc_flow6_addr_at(w->flows, flow_idx(w, f));
	rewrite6(m, pm->l4_off, k.proto, a->lip, a->server, f->lport, f->server_port, f->c2s_l4_delta);
	tx_to(w, m, f->nh_server);
	return PK_DROP;
}

static enum pkt_kind
server6(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm, uint16_t lip,
	int owned_check, uint16_t *owner)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	const uint16_t *ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, pm->l4_off);
	uint16_t lport = rte_be_to_cpu_16(ports[1]);
	struct nc_flow6_addr *a;
	struct nc_srv_stats *ss;
	struct nc_flow *f;
	int32_t idx;

	if (unlikely(ip->hop_limits <= 1)) {
		drop(w, m, NC_DROP_TTL_EXPIRED);
		return PK_DROP;
	}
	if (owned_check && w->dp->n_workers > 1) {
		*owner = (uint16_t)(lport % w->dp->n_workers);
		if (*owner != w->id)
			return PK_HANDOFF;
	}
	idx = nc_flow_by_lport(w->flows, lip, lport);
	if (unlikely(idx < 0)) {
		drop(w, m, NC_DROP_NO_FLOW);
		return PK_DROP;
	}
	f = flow_at(w, (uint32_t)idx);
	a = nc_flow6_addr_at(w->flows, (uint32_t)idx);
	/* the reply must come from the flow's server, on the flow's protocol */
	if (unlikely(a == NULL || f->server_port != ports[0] || f->key.proto != pm->key.proto ||
		     !ip6_eq(a->server, ip->src_addr))) {
		drop(w, m, NC_DROP_NO_FLOW);
		return PK_DROP;
	}
	if (f->key.proto == IPPROTO_TCP)
		tcp_track(f, rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->tcp_flags, 0);
	f->expire_ms = w->now_ms + timeout_of(w->dp, f);
	ss = srv_stats(w, f);
	if (pm->pay != 0 && (f->mon & NC_FLOW_REQ)) {
		f->mon &= (uint8_t)~NC_FLOW_REQ;
		nc_rt_record(&ss->rt, w->now_us - f->req_us);
	}
	ss->bytes += rte_pktmbuf_pkt_len(m);
	w->st.svc[f->svc].pkts_s2c++;
	w->st.svc[f->svc].bytes_s2c += rte_pktmbuf_pkt_len(m);
	rewrite6(m, pm->l4_off, f->key.proto, a->vip, a->client, f->key.dst_port, f->key.src_port,
		 f->s2c_l4_delta);
	tx_to(w, m, f->nh_client);
	return PK_DROP;
}

enum pkt_kind
nc_v6_input(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx, const struct pkt_meta *pm,
	    int owned_check, uint16_t *owner)
{
	const struct nc_dp_v6 *t = &w->tb->v6;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(d + sizeof(struct rte_ether_hdr));
	const struct nc_addr6_ent *ae;
	int s;

	if (pm->key.proto == IPPROTO_ICMPV6) {
		uint8_t type = d[pm->l4_off];

		/* Neighbor Discovery (to a solicited-node multicast address
		 * too): the control lcore checks it and answers */
		if (type == ICMP6_ND_NS || type == ICMP6_ND_NA)
			return PK_CTL;
		if (type == ICMP6_ECHO_REQUEST && addr6_find(t, ip->dst_addr) != NULL)
			return PK_CTL;
		/* echo replies and unreachables may answer a health probe */
		if (w->dp->probing && (type == NC_ICMP6_ECHO_REPLY || type == NC_ICMP6_DEST_UNREACH) &&
		    addr6_find(t, ip->dst_addr) != NULL)
			return PK_CTL;
		drop(w, m, addr6_find(t, ip->dst_addr) != NULL || ip->dst_addr[0] == 0xff ?
			   NC_DROP_ICMP_UNSUPPORTED : NC_DROP_NOT_FOR_US);
		return PK_DROP;
	}
	s = svc6_find(t, ip->dst_addr, ((const uint16_t *)(d + pm->l4_off))[1], pm->key.proto);
	if (s >= 0)
		return client6(w, m, pidx, pm, (unsigned int)s, owned_check, owner);
	ae = addr6_find(t, ip->dst_addr);
	if (unlikely(ae == NULL)) {
		drop(w, m, NC_DROP_NOT_FOR_US);
		return PK_DROP;
	}
	/* answers to the control lcore's health probes: for us, not forwarded,
	 * so no hop limit check */
	if (unlikely(w->dp->probing) && ae->lip_plus1 != 0) {
		uint16_t lport = rte_be_to_cpu_16(((const uint16_t *)(d + pm->l4_off))[1]);

		if (lport >= w->dp->probe_lo && lport < w->dp->probe_hi)
			return PK_CTL;
	}
	if (unlikely(ae->lip_plus1 == 0)) {
		drop(w, m, NC_DROP_NO_SERVICE);
		return PK_DROP;
	}
	return server6(w, m, pm, (uint16_t)(ae->lip_plus1 - 1), owned_check, owner);
}
