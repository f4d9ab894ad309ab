/* SPDX-License-Identifier: BSD-3-Clause
 * Worker: the IPv6 part of the fast path (dp_v6.c). Worker lcore only;
 * never included outside lib/dp.
 */
#ifndef NC_DP_V6_H
#define NC_DP_V6_H

#include "dp_fastpath.h"

/*
 * IPv6 flows' lookups are made one by one as each packet is classified
 * (nc_v6_input): ahead of that, the lines they will read are prefetched for
 * the whole burst <pkts>[0..n) - its clients' IPv6 TCP and UDP packets' keys
 * hashed, their buckets, then their flows' lines. What it found for each
 * packet goes to <meta>[i] (v6pre, v6idx, hash), so nc_v6_input() does not
 * look it up again. The caller calls it only while an IPv6 service exists.
 */
void nc_v6_prefetch(struct nc_worker *w, struct rte_mbuf **pkts, uint16_t n,
		    struct pkt_meta *meta);

/*
 * IPv6 packet <m> (parsed: pm->l4_off, pm->key.proto, pm->pay) that arrived
 * on port <pidx>: forwarded (or dropped, counted) and PK_DROP returned, or
 * what the caller does with it - PK_CTL (Neighbor Discovery, echo: to the
 * control lcore), PK_RESOLVE6 (its sender's next hop is unresolved: to the
 * control lcore, which hands it back), PK_HANDOFF (worker <*owner>'s, when
 * <owned_check>).
 */
enum pkt_kind nc_v6_input(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx,
			  const struct pkt_meta *pm, int owned_check, uint16_t *owner);

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
 * server or local port changed: its addresses and checksum deltas again.
 */
uint16_t nc_v6_to_server(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m);
void nc_v6_flow_moved(struct nc_worker *w, struct nc_flow *f);

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
