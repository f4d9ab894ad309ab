/* SPDX-License-Identifier: BSD-3-Clause
 * Worker: the IPv6 part of the fast path (dp_v6.c). Worker lcore only;
 * never included outside lib/dp.
 */
#ifndef NC_DP_V6_H
#define NC_DP_V6_H

#include "dp_fastpath.h"

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
 * The server's IPv4 packet <m> (parsed into <pm>) on NAT64 flow <f> leaves for
 * the client as IPv6 (RFC 7915 4): from the IPv4 server leg, after its checks
 * and counters, instead of the IPv4 rewrite. Consumes <m>.
 */
void nc_v64_to_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
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

#endif /* NC_DP_V6_H */
