/* SPDX-License-Identifier: BSD-3-Clause
 * Worker: the IPv6 part of the fast path (dp_v6.c). Worker lcore only;
 * never included outside lib/dp.
 */
#ifndef NC_DP_V6_H
#define NC_DP_V6_H

#include "dp_fastpath.h"

/*
 * IPv6 packet <m> (parsed: pm->l4_off, pm->key.proto, pm->pay): what the
 * caller does with it - PK_CLIENT6 (a client's packet to a service: its key's
 * hash in pm->hash, for the lookup, then nc_v6_client_leg()), PK_SERVER6 (a
 * server's reply to a local address: pm->lip and pm->lport, for
 * nc_v6_server_leg()), PK_ICMP6 (an ICMPv6 error to us, for nc_v6_icmp_leg()),
 * PK_CTL (Neighbor Discovery, echo: to the control lcore), PK_HANDOFF (worker <*owner>'s, when <owned_check>); or forwarded,
 * or dropped and counted (PK_DROP).
 */
enum pkt_kind nc_v6_input(struct nc_worker *w, struct rte_mbuf *m, struct pkt_meta *pm,
			  int owned_check, uint16_t *owner);

/* ICMPv6 error <m> to one of our addresses (PK_ICMP6), in its place among the
 * burst's legs: acted on or relayed when it quotes a flow's packet in its
 * window, else dropped and counted; or PK_CTL (a health probe's answer, to
 * the control lcore), PK_HANDOFF (worker <*owner>'s, when <owned_check>). */
enum pkt_kind nc_v6_icmp_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm,
			     int owned_check, uint16_t *owner);

/* The IPv6 key <k> of client packet <m> (PK_CLIENT6). */
void nc_v6_client_key(const struct rte_mbuf *m, const struct pkt_meta *pm, struct nc_flow6_key *k);

/*
 * The legs: client packet <m> (PK_CLIENT6, its key <k>) of flow <pos> (its
 * lookup's answer, or < 0: none) that came in on port <pidx>; server reply
 * <m> (PK_SERVER6) of flow pm->sidx. Each forwards <m>, or drops it
 * (counted), or hands it to the fail-safe or the control lcore.
 */
void nc_v6_client_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm,
		      const struct nc_flow6_key *k, int32_t pos, uint16_t pidx);
void nc_v6_server_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm);

/* syn_proxy: segment <m> of proxied IPv6 flow <f> (<idx>) that the proxy
 * made in its client's place (the client's ACK) or held for it (L4 at
 * <l4_off>, <pay> payload bytes) goes through the IPv6 client leg as if it
 * came now. */
void nc_v6_synp_leg(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		    uint16_t l4_off, uint16_t pay);

/*
 * The server's IPv4 packet <m> (parsed into <pm>) on NAT64 flow <f> made the
 * client's IPv6 packet (RFC 7915 4): from the IPv4 server leg, after its
 * checks and counters, instead of the IPv4 rewrite. Returns where its L4
 * header is now, for the caller to send it; 0 when <m> was consumed (too big:
 * answered or dropped, counted).
 */
uint16_t nc_v64_to_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
		      const struct pkt_meta *pm);

/*
 * For the fail-safe: a held copy <m> of IPv6 flow <f>'s client packet (as it
 * arrived, no extension header) rewritten for the flow's server - IPv6, or
 * IPv4 for NAT64; returns where its L4 header is now. And an IPv6 flow whose
 * server or local port changed: its addresses (a NAT64 flow's server
 * <server_ip>) and checksum deltas again.
 */
uint16_t nc_v6_to_server(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m);
void nc_v6_flow_moved(struct nc_worker *w, struct nc_flow *f, uint32_t server_ip);

/*
 * An ICMP error about NAT64 flow <idx>'s packet to its server (IPv4; the
 * caller matched the quote): fragmentation needed goes on to the IPv6 client
 * as packet too big, the MTU 20 more (at least 1280), about its own packet
 * (RFC 7915 4.2). Returns 1 when <m> was consumed, 0 when it is another error
 * (the caller's as for IPv4 flows).
 */
int nc_v64_icmp_to_client(struct nc_worker *w, struct rte_mbuf *m, int32_t idx);

/*
 * Installing a peer's IPv6 flow (flow sync: record <r>, addresses <a6>):
 * its service, server slot and local IP index here (0 when one of them is
 * not: no install), then, once the flow table has its entry, its addresses,
 * translation, next hop to the client and affinity as flow6_open() sets them.
 */
int nc_v6_adopt_find(const struct nc_worker *w, const struct nc_sync_rec *r,
		     const struct nc_sync_addr6 *a6, unsigned int *svc, int *srv, uint16_t *lip_idx);
void nc_v6_adopt_fill(struct nc_worker *w, struct nc_flow *f, const struct nc_sync_rec *r,
		      const struct nc_sync_addr6 *a6);

#endif /* NC_DP_V6_H */
