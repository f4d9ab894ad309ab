/* SPDX-License-Identifier: BSD-3-Clause
 * Worker: ICMP errors about a flow's packet (dp_icmp.c for IPv4; dp_v6.c
 * shares the quote's rewrite). Worker lcore only; never included outside
 * lib/dp.
 */
#ifndef NC_DP_ICMP_H
#define NC_DP_ICMP_H

#include "dp_fastpath.h"

/*
 * ICMP destination unreachable <m> to one of our IPv4 addresses (PK_ICMP4),
 * in its place among the burst's legs (pm->l4_off, pm->pay its ICMP bytes).
 * Fragmentation needed about a flow's packet goes on to the flow's other leg
 * (path MTU discovery through the appliance); another unreachable about a
 * packet to a server is the fail-safe's failure signal. Acted on only when
 * the quote is a live flow's packet on that leg and, where the flow keeps
 * TCP windows, its sequence number lies in them (RFC 5927); otherwise
 * dropped and counted. Returns PK_DROP when done with <m>, PK_CTL (a health
 * probe's answer, to the control lcore), PK_HANDOFF (worker <*owner>'s,
 * when <owned_check>).
 */
enum pkt_kind nc_icmp4_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm,
			   int owned_check, uint16_t *owner);

/* Sequence number <seq> (host order) a quote of flow <f>'s segment to its
 * server carries, in the client's view: a PROXY header's shift taken off. */
static inline uint32_t
nc_quote_seq_to_client(const struct nc_flow *f, uint32_t seq)
{
	return seq - f->ca_len;   /* 0 but for PROXY flows with the header sent */
}

/* Sequence number <seq> (host order) a quote of flow <f>'s (index <idx>)
 * segment to its client carries, in its (new) server's view: a fail-safe
 * splice's and a SYN proxy's translations undone. */
uint32_t nc_quote_seq_to_server(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx,
				uint32_t seq);

/*
 * The quoted packet's L4 bytes <ql4> (<n> of them, at least 8) in the other
 * leg's view: source port <sport>, destination port <dport> (network order)
 * and, for TCP, sequence number <seq> (host order); the L4 checksum, when
 * the quote holds it, adjusted by the leg's delta <delta> (addresses and
 * ports) and the sequence number's change.
 */
void nc_quote_l4_set(uint8_t *ql4, uint32_t n, uint8_t proto, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint16_t delta);

#endif
