/* SPDX-License-Identifier: BSD-3-Clause
 * The control lcore's tick: the packets and reports the workers pass up
 * (ARP answered and learned, ICMP echo answered, neighbors resolved with the
 * packets that wait for them, fail-overs), ARP probes of unresolved next
 * hops, schedule reclamation, then the server monitor and the run-time
 * changes, in that order. Control lcore only.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dp_priv.h"

/* An address we answer for: ours, but a local IP only while held (with
 * sync, a peer may hold ours, and we a dead peer's). */
static int
owned_on_port(const struct nc_dp *dp, uint32_t ip_be)
{
	const struct nc_addr_ent *ae = nc_dp_addr_find(dp->tables, ip_be);

	if (ae == NULL)
		return 0;
	return ae->lip_plus1 == 0 || nc_dp_lip_answered(dp, (uint16_t)(ae->lip_plus1 - 1));
}

int
nc_dp_mac_learnable(const struct nc_dp *dp, const struct rte_ether_addr *mac)
{
	uint16_t p;

	if (!nc_mac_is_neighbor(mac))
		return 0;
	for (p = 0; p < dp->n_ports; p++)
		if (rte_is_same_ether_addr(mac, &dp->mac[p]))
			return 0;
	return 1;
}

/*
 * The sender address of an ARP request for <ip> (host order) on port <p>
 * (network order): an address of the port in <ip>'s subnet that is answered
 * for here now, else the port's host address there, else 0.0.0.0 (RFC 5227's
 * probe, which a neighbor answers without learning anything). Never a local
 * IP a peer holds: the neighbor would note this MAC for it, and send the
 * answers of the peer's flows here (a request updates the sender's entry).
 */
static uint32_t
arp_sender(const struct nc_dp *dp, uint16_t p, uint32_t ip)
{
	const struct nc_cfg_port *port = &dp->cfg->ports[p];
	uint16_t a;

	for (a = 0; a < port->n_ipv4; a++)
		if (nc_in_prefix(ip, &port->ipv4[a]) && owned_on_port(dp, nc_be32(port->ipv4[a].addr)))
			return nc_be32(port->ipv4[a].addr);
	if (port->has_host && nc_in_prefix(ip, &port->host))
		return nc_be32(port->host.addr);
	return 0;
}

/* An ARP request for entry <e>: broadcast, or (<unicast>) to its known MAC
 * to check it is still there (RFC 1122 2.3.2.1). */
static void
arp_probe(struct nc_dp *dp, struct nc_neigh_entry *e, int unicast)
{
	struct rte_mbuf *m;

	if (nc_dp_port_of(dp->cfg, rte_be_to_cpu_32(e->ip), NULL) < 0)
		return;
	m = rte_pktmbuf_alloc(dp->ctl_pool);
	if (m == NULL) {
		dp->ctl->st.tx_failed++;
		return;
	}
	if (nc_arp_make_request(m, &dp->mac[e->port],
				arp_sender(dp, e->port, rte_be_to_cpu_32(e->ip)), e->ip) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (unicast) {
		uint64_t mac = __atomic_load_n(&e->mac, __ATOMIC_RELAXED);

		memcpy(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, &mac, RTE_ETHER_ADDR_LEN);
		dp->ctl->st.neigh_unicast_probes++;
	}
	dp->ctl->st.arp_requests_sent++;
	nc_dp_ctl_tx(dp, e->port, m);
}

/*
 * An ARP frame. Its sender is learned as Linux does: a known entry is
 * refreshed by any ARP from it, a new one made only when it asks for an
 * address of ours (it is about to talk to us) - never from a group, zero or
 * our own MAC, never for an address of ours, never over a static entry.
 * Requests for our addresses are answered; every other frame is counted
 * under one drop reason, but the replies that resolved or confirmed an
 * entry (neigh_taken).
 */
static void
ctl_arp(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t sip = arp->arp_data.arp_sip, tip = arp->arp_data.arp_tip;
	int request = arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST);
	int reply = arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY);
	int for_us = owned_on_port(dp, tip);
	int onlink = nc_dp_port_of(dp->cfg, rte_be_to_cpu_32(sip), NULL) == pidx;
	int r;

	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 || !(request || reply) ||
	    sip == 0 || !onlink || !nc_dp_mac_learnable(dp, &arp->arp_data.arp_sha)) {
		dp->ctl->st.arp_ignored++;
		nc_dp_ctl_drop(dp, m, NC_DROP_ARP_INVALID);
		return;
	}
	/* a sender claiming an address of ours: a gratuitous ARP for a VIP, a
	 * peer taking a local IP over, a conflict - never a neighbor */
	if (nc_dp_addr_find(dp->tables, sip) != NULL) {
		dp->ctl->st.arp_ignored++;
		nc_dp_ctl_drop(dp, m, NC_DROP_ARP_CONFLICT);
		return;
	}
	r = nc_neigh_learn(dp->neigh, sip, pidx, &arp->arp_data.arp_sha, request && for_us,
			   reply ? NC_NEIGH_CONFIRMED : NC_NEIGH_SEEN);
	if (r >= 0)
		dp->ctl->st.arp_learned++;
	if (request && for_us) {
		if (nc_arp_make_reply(m, &dp->mac[pidx]) == 0) {
			dp->ctl->st.arp_replied++;
			nc_dp_ctl_tx(dp, pidx, m);
		} else {
			nc_dp_ctl_drop(dp, m, NC_DROP_ARP_INVALID);
		}
		return;
	}
	/* a reply to the kernel's own request for a neighbor of its host address */
	if (reply && dp->ctl->exc_port[pidx] != NC_DP_NO_EXC && dp->cfg->ports[pidx].has_host &&
	    tip == nc_be32(dp->cfg->ports[pidx].host.addr)) {
		nc_dp_exc_input(dp, m, pidx);
		return;
	}
	if (reply && r >= 0) {
		dp->ctl->st.neigh_taken++;
		rte_pktmbuf_free(m);
	} else if (reply && r == -EPERM) {
		nc_dp_ctl_drop(dp, m, NC_DROP_NEIGH_REPLY_STATIC);
	} else {
		nc_dp_ctl_drop(dp, m, NC_DROP_ARP_NOT_FOR_US);
	}
}

static void
ctl_pkt(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx)
{
	struct nc_pkt p;
	enum nc_drop why;
	uint32_t src;

	why = nc_pkt_parse(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_data_len(m), &dp->mac[pidx], 0, &p);
	if (why != NC_DROP_MAX) {   /* the worker parsed it already: never */
		nc_dp_ctl_drop(dp, m, why);
		return;
	}
	if (p.is_arp) {
		ctl_arp(dp, m, pidx);
		return;
	}
	if (p.is_v6) {
		uint8_t type = rte_pktmbuf_mtod(m, const uint8_t *)[p.l4_off];
		const struct nc_addr6_ent *ae = nc_dp_addr6_find(&dp->tables->v6,
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, p.l3_off)->dst_addr);

		/* to a host6: all but what the data plane answers (Neighbor
		 * Discovery, echo requests) is its kernel's */
		if (ae != NULL && ae->host_plus1 != 0 &&
		    (p.proto != NC_IPPROTO_ICMPV6 || (type != NC_ICMP6_ECHO_REQUEST &&
		     type != NC_ND_NS && type != NC_ND_NA))) {
			nc_dp_exc_input(dp, m, (uint16_t)(ae->host_plus1 - 1));
			return;
		}

		/* TCP, UDP, echo replies and unreachables: a probe's answer, or
		 * nothing we asked for; the rest is Neighbor Discovery and echo */
		if (p.proto != NC_IPPROTO_ICMPV6 || type == NC_ICMP6_ECHO_REPLY ||
		    type == NC_ICMP6_DEST_UNREACH)
			nc_dp_mon_input(dp, m);
		else
			nc_dp_nd_input(dp, m, pidx, &p);
		return;
	}
	if (p.proto != IPPROTO_ICMP ||
	    rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, p.l4_off)->icmp_type != RTE_IP_ICMP_ECHO_REQUEST) {
		const struct nc_addr_ent *ae = nc_dp_addr_find(dp->tables,
			rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, p.l3_off)->dst_addr);

		if (ae != NULL && ae->host_plus1 != 0)
			nc_dp_exc_input(dp, m, (uint16_t)(ae->host_plus1 - 1));
		else
			nc_dp_mon_input(dp, m);   /* a probe's answer, or nothing we asked for */
		return;
	}
	/* an echo request from an address no host has, or from ours: no answer */
	src = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, p.l3_off)->src_addr;
	if (nc_ip4_src_martian(src) || nc_dp_addr_find(dp->tables, src) != NULL) {
		nc_dp_ctl_drop(dp, m, nc_ip4_src_martian(src) ? NC_DROP_SRC_MARTIAN : NC_DROP_SRC_OURS);
		return;
	}
	if (!owned_on_port(dp, rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, p.l3_off)->dst_addr)) {
		nc_dp_ctl_drop(dp, m, NC_DROP_NOT_FOR_US);   /* a local IP another dispatcher holds */
		return;
	}
	if (nc_icmp_make_echo_reply(m, &p) == 0) {
		/* the request may have been broadcast: answer from our own MAC */
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = dp->mac[pidx];
		dp->ctl->st.icmp_echo_replied++;
		nc_dp_ctl_tx(dp, pidx, m);
		return;
	}
	nc_dp_ctl_drop(dp, m, NC_DROP_ICMP_UNSUPPORTED);
}

/* Give held packets whose neighbor is now resolved back to their worker (as
 * a handoff, so the worker processes them like fresh arrivals); drop the ones
 * that waited too long. */
static void
ctl_pending_run(struct nc_dp *dp, uint64_t now)
{
	uint16_t i, k = 0;

	for (i = 0; i < dp->ctl->n_pending; i++) {
		struct nc_pending *p = &dp->ctl->pending[i];
		int idx = (p->ip & NC_PENDING_V6) ? (int)(p->ip & ~NC_PENDING_V6) :
			  nc_neigh_lookup(dp->neigh, p->ip);

		if (idx >= 0 && (nc_neigh_mac(dp->neigh, (uint32_t)idx) & NC_NEIGH_VALID)) {
			if (rte_ring_mp_enqueue(dp->worker[p->worker]->handoff, p->m) != 0) {
				dp->ctl->st.resolve_dropped++;
				nc_dp_ctl_drop(dp, p->m, NC_DROP_HANDOFF_FULL);
			}
		} else if (now >= p->deadline || dp->stop) {
			dp->ctl->st.resolve_dropped++;
			nc_dp_ctl_drop(dp, p->m, NC_DROP_NEIGH_TIMEOUT);
		} else {
			dp->ctl->pending[k++] = *p;
		}
	}
	dp->ctl->n_pending = k;
}

void
nc_dp_ctl_hold(struct nc_dp *dp, struct rte_mbuf *m, uint32_t ip, uint16_t worker)
{
	uint16_t i, same = 0;

	for (i = 0; i < dp->ctl->n_pending; i++)
		same += dp->ctl->pending[i].ip == ip;
	if (dp->ctl->n_pending == NC_PENDING_MAX || same >= NC_PENDING_PER_IP || worker >= dp->n_workers) {
		dp->ctl->st.resolve_dropped++;
		nc_dp_ctl_drop(dp, m, NC_DROP_NEIGH_TIMEOUT);
		return;
	}
	dp->ctl->st.resolve_held++;
	dp->ctl->pending[dp->ctl->n_pending++] = (struct nc_pending){
		.m = m, .ip = ip, .worker = worker,
		.deadline = rte_rdtsc() + dp->tsc_hz / 1000 * NC_PENDING_MS };
}

static void
ctl_resolve_request(struct nc_dp *dp, uint32_t ip, uint16_t pidx, struct rte_mbuf *m, uint16_t worker)
{
	int idx;

	dp->ctl->st.resolve_requests++;
	if (m != NULL)
		nc_dp_ctl_hold(dp, m, ip, worker);
	if (nc_neigh_lookup(dp->neigh, ip) >= 0)
		return;   /* already known or being resolved */
	/* a new entry, at the expense of the least recently confirmed
	 * learned one when the table is full */
	idx = nc_neigh_add(dp->neigh, ip, pidx, NULL, 0);
	if (idx >= 0) {
		struct nc_neigh_entry *e = nc_neigh_entry_of(dp->neigh, (uint32_t)idx);

		arp_probe(dp, e, 0);
		e->n_probes = 1;
		e->next_probe = rte_rdtsc() + dp->neigh->retrans_tsc;
	}
}

/* nc_neigh_age()'s probe: ARP or Neighbor Discovery as the entry's family. */
static void
neigh_probe(void *arg, struct nc_neigh_entry *e, int unicast)
{
	if (e->is_v6)
		nc_dp_nd_probe(arg, e, unicast);
	else
		arp_probe(arg, e, unicast);
}

/* Age the neighbors: stale ones re-probed, unresolved ones asked again,
 * the ones nobody answers removed. */
static void
ctl_probe(struct nc_dp *dp)
{
	nc_neigh_age(dp->neigh, rte_rdtsc(), neigh_probe, dp);
}

unsigned int
nc_dp_ctl_poll(struct nc_dp *dp)
{
	struct nc_ctl_msg msg[32];
	unsigned int n, i;
	uint64_t now = rte_rdtsc();

	n = rte_ring_dequeue_burst_elem(dp->ctl_ring, msg, sizeof(msg[0]), RTE_DIM(msg), NULL);
	for (i = 0; i < n; i++) {
		if (msg[i].type == NC_CTL_PKT)
			ctl_pkt(dp, msg[i].m, msg[i].pidx);
		else if (msg[i].type == NC_CTL_RESOLVE)
			ctl_resolve_request(dp, msg[i].ip, msg[i].pidx, msg[i].m, msg[i].worker);
		else if (msg[i].type == NC_CTL_FAILOVER)
			nc_dp_mon_failover(dp, &msg[i]);
		else if (msg[i].type == NC_CTL_MISS)
			nc_dp_sync_miss(dp, msg[i].m, msg[i].pidx);
		else if (msg[i].type == NC_CTL_RESOLVE6)
			nc_dp_nd_resolve(dp, msg[i].m, msg[i].pidx, msg[i].worker);
	}
	if (dp->ctl->n_pending != 0)
		ctl_pending_run(dp, now);
	n += nc_dp_exc_poll(dp);
	if (now - dp->ctl->last_probe > dp->tsc_hz / 10) {
		dp->ctl->last_probe = now;
		ctl_probe(dp);
		nc_sched_reclaim(dp->sched);
	}
	n += nc_dp_mon_poll(dp, now);
	nc_dp_admin_poll(dp, now);
	nc_dp_limits_poll(dp, now);
	nc_dp_synproxy_poll(dp, now);
	return n;
}

void
nc_dp_announce(struct nc_dp *dp)
{
	const struct nc_config *cfg = dp->cfg;
	uint16_t p, a;

	for (p = 0; p < cfg->n_ports; p++)
		for (a = 0; a < cfg->ports[p].n_ipv4; a++) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(dp->ctl_pool);
			uint32_t ip = nc_be32(cfg->ports[p].ipv4[a].addr);

			if (m == NULL)
				return;
			if (!owned_on_port(dp, ip)) {   /* a local IP not ours yet (sync) */
				rte_pktmbuf_free(m);
				continue;
			}
			/* gratuitous ARP: a request for our own address */
			if (nc_arp_make_request(m, &dp->mac[p], ip, ip) < 0) {
				rte_pktmbuf_free(m);
				continue;
			}
			nc_dp_ctl_tx(dp, p, m);
		}
	/* IPv6: unsolicited advertisements of the ports' addresses */
	for (p = 0; p < cfg->n_ports; p++)
		for (a = 0; a < cfg->ports[p].n_ipv6; a++) {
			const struct nc_addr6_ent *e = nc_dp_addr6_find(&dp->tables->v6,
									cfg->ports[p].ipv6[a].addr);
			struct rte_mbuf *m;

			if (e != NULL && e->lip_plus1 != 0 &&
			    !nc_dp_lip_answered(dp, (uint16_t)(e->lip_plus1 - 1)))
				continue;   /* a local IP not ours yet (sync) */
			m = rte_pktmbuf_alloc(dp->ctl_pool);
			if (m == NULL)
				return;
			if (nc_nd_make_unsolicited_na(m, &dp->mac[p], cfg->ports[p].ipv6[a].addr) < 0) {
				rte_pktmbuf_free(m);
				continue;
			}
			nc_dp_ctl_tx(dp, p, m);
		}
}
