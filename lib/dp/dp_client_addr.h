/* SPDX-License-Identifier: BSD-3-Clause
 * The client's address for the servers (dp_client_addr.c): PROXY v1/v2
 * headers the appliance sends itself on each server connection, the
 * sequence shift they cause, TOA, PROXY v2 per UDP datagram. The worker's
 * legs call its hooks only for flows opened with a client_address (f->ca),
 * one byte of the flow's line tested. Worker lcore only; never included
 * outside lib/dp.
 */
#ifndef NC_DP_CLIENT_ADDR_H
#define NC_DP_CLIENT_ADDR_H

#include "dp_fastpath.h"

#define NC_CA_RTO_MS   200   /* a header not acknowledged goes again after this */
#define NC_CA_TRIES    6     /* sends of one header before its connection is reset */
#define NC_CA_QUEUE    8192  /* headers awaiting acknowledgement per worker (timer queue) */

/*
 * Per TCP flow state (w->cas[flow index]), for flows whose f->ca is set:
 * kept out of the flow's line. Sequence numbers host order, client's view.
 *
 * PROXY: at the server's SYN-ACK the appliance sends the header as its own
 * segment at hdr (the SYN's number + 1) acknowledging the server's SYN; from
 * then on every client segment's sequence number goes <len> up
 * (nc_seq_shift_out) and every acknowledgement and SACK edge of the server
 * <len> down (nc_ack_shift_in). A fail-safe move opens the new connection
 * with a SYN at the held bytes' start - 1 (the same shift then holds): its
 * SYN-ACK gets the header again. The fail-safe's own sequence translation
 * works on the server's numbers, this one on the client's: they combine.
 */
struct nc_ca_state {
	uint32_t hdr;          /* the header's first sequence number */
	uint32_t srv_next;     /* the server's ISN + 1 on the connection it went on */
	uint32_t c_isn;        /* the client's ISN (TOA: its first byte is c_isn + 1) */
	uint32_t due_ms;       /* the pending retransmission's deadline (timer entry) */
	uint32_t c_tsval;      /* the client SYN's timestamp value (NC_CAS_TS) */
	uint32_t s_tsval;      /* the server SYN-ACK's timestamp value (NC_CAS_TS) */
	uint16_t win;          /* the client's window as its SYN gave it, unscaled */
	uint8_t len;           /* header bytes: the shift; 0 until sent */
	uint8_t flags;         /* NC_CAS_* */
	uint8_t tries;         /* sends of the header on this connection */
	uint8_t pad[3];
};
#define NC_CAS_SYN     0x01   /* the client's SYN was seen: c_isn, win known */
#define NC_CAS_SENT    0x02   /* the header went: the shift applies */
#define NC_CAS_ACKED   0x04   /* the server acknowledged all of it */
#define NC_CAS_TS      0x08   /* both SYNs carried timestamps: the header does too */

/* A flow opens with service <svc>'s client_address: f->ca, its state reset. */
static inline void
nc_ca_open(struct nc_worker *w, struct nc_flow *f, const struct nc_dp_svc *svc)
{
	uint8_t ca = svc->client_addr;

	/* TCP modes need per-flow state; without it (no TCP service had a
	 * client address at start) the reload that asked was refused */
	if (f->key.proto == IPPROTO_TCP && w->cas == NULL)
		ca = NC_CA_NONE;
	f->ca = ca;
	f->ca_len = 0;
	if (ca != NC_CA_NONE && f->key.proto == IPPROTO_TCP)
		w->cas[flow_idx(w, f)].flags = 0;
}

/* Set segment <th>'s sequence / acknowledgement number to <v> (host
 * order), checksum updated. */
static inline void
nc_ca_seq_set(struct rte_tcp_hdr *th, uint32_t v)
{
	uint32_t old = th->sent_seq;

	th->sent_seq = rte_cpu_to_be_32(v);
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->sent_seq));
}

static inline void
nc_ca_ack_set(struct rte_tcp_hdr *th, uint32_t v)
{
	uint32_t old = th->recv_ack;

	th->recv_ack = rte_cpu_to_be_32(v);
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->recv_ack));
}

/*
 * Client leg, after the fail-safe's hook, before the rewrite: a SYN is
 * noted; later segments shift (PROXY) or carry TOA; a UDP datagram gets its
 * PROXY v2 header. Returns 0 to forward <m>, 1 when <m> was dropped (counted).
 */
int nc_ca_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
		 const struct pkt_meta *pm);

/* nc_ca_client() of an established PROXY flow in line: the shift from the
 * flow's own line, no look at the side state. */
static inline int
nc_ca_client_fast(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
		  const struct pkt_meta *pm)
{
	if (likely(f->ca_len != 0)) {   /* PROXY, TCP, the header sent */
		struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pm->l4_off);

		if (likely(!(th->tcp_flags & RTE_TCP_SYN_FLAG))) {
			nc_ca_seq_set(th, nc_seq_shift_out(rte_be_to_cpu_32(th->sent_seq), f->ca_len));
			return 0;
		}
	}
	return nc_ca_client(w, f, m, pm);
}

/*
 * Server leg, before the fail-safe's hook (which then sees the client's
 * view): a SYN-ACK sends the header (again, if not acknowledged); every
 * acknowledgement and SACK block goes back into the client's view. TCP only.
 */
void nc_ca_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		  const struct pkt_meta *pm);

/* The SACK blocks of server segment <th> (with options) <len> back, once
 * its flow's header was acknowledged (nc_ca_server_fast). */
void nc_ca_sack_acked(struct rte_tcp_hdr *th, uint32_t len);

/* nc_ca_server() in line once the header was acknowledged: every later
 * acknowledgement (and SACK edge) is at or past its end - an older one,
 * reordered, is below what the client already has and ignored by it - so
 * it comes back ca_len less, without a look at the side state. SYN-ACKs and
 * segments before that take the full hook. */
static inline void
nc_ca_server_fast(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		  const struct pkt_meta *pm)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pm->l4_off);

	if (likely((f->ca & NC_FLOW_CA_ACKED) &&
		   (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_ACK_FLAG)) {
		nc_ca_ack_set(th, rte_be_to_cpu_32(th->recv_ack) - f->ca_len);
		if (th->data_off > 0x50)   /* options: timestamps, maybe SACK */
			nc_ca_sack_acked(th, f->ca_len);
		return;
	}
	nc_ca_server(w, f, idx, m, pm);
}

/* A held client segment <m> the fail-safe sends the server again (already
 * rewritten; <first>: the sequence number of its connection's first byte):
 * PROXY, its sequence number into the server's view (SYNs as they are);
 * TOA, the option when it starts the connection's bytes, as the client's
 * first data segment had it. */
void nc_ca_replayed(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m,
		    uint32_t first);

/* Flow <f>'s connection moved to a new server, its bytes from <first> (the
 * client's view): TOA goes on the client's segments that start there. */
void nc_ca_moved(struct nc_worker *w, const struct nc_flow *f, uint32_t first);

/* The sequence number <seq> (client's view) of a segment the fail-safe makes
 * for the server, in the server's view. */
static inline uint32_t
nc_ca_seq_out(const struct nc_worker *w, const struct nc_flow *f, uint32_t seq)
{
	(void)w;
	return nc_seq_shift_out(seq, f->ca_len);   /* 0 but for PROXY flows with the header sent */
}

/* The client's and the server's ISNs of TCP flow <f> whose PROXY header
 * went (into <c_isn>, <srv_isn>; left as they are otherwise). */
void nc_ca_isns(const struct nc_worker *w, const struct nc_flow *f, uint32_t *c_isn,
		uint32_t *srv_isn);

/*
 * A peer's TCP flow installed here (flow sync), opened there with <mode>.
 * PROXY: with its ISNs (<isns>: the record had them, from the server's
 * SYN-ACK on) the header is taken as sent at c_isn + 1 and resent until the
 * server acknowledges it; without them (a bulk copy of an older flow) as
 * acknowledged: the shift alone. TOA: the option goes on its first data
 * segment only if none passed yet (ISNs known and nothing after).
 */
void nc_ca_adopt(struct nc_worker *w, struct nc_flow *f, uint8_t mode, bool isns, uint32_t c_isn,
		 uint32_t srv_isn);

/* A held UDP datagram <m> of flow <f> (rewritten) replayed: its PROXY v2
 * header. Returns 0, or 1 when <m> was dropped (counted). */
int nc_ca_udp_replay(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m);

#endif /* NC_DP_CLIENT_ADDR_H */
