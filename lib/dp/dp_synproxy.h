/* SPDX-License-Identifier: BSD-3-Clause
 * The SYN proxy (syn_proxy, dp_synproxy.c): a TCP service's client SYNs
 * answered by the appliance with a SYN cookie, the flow opened and the server
 * connection made only at the client's valid ACK, the two sequence spaces
 * bridged from then on. Worker lcore only (nc_dp_synproxy_poll: control
 * lcore); never included outside lib/dp.
 */
#ifndef NC_DP_SYNPROXY_H
#define NC_DP_SYNPROXY_H

#include "nc_syncookie.h"
#include "dp_fastpath.h"

/*
 * A proxied connection (w->synp[flow index]). The client numbers the
 * appliance's stream from the cookie, the server its own from its ISN: from
 * the server's SYN-ACK on, every server sequence number reaches the client
 * <delta> more (cookie - server ISN) and every client acknowledgement (and
 * SACK block) reaches the server <delta> less, as the fail-safe's splice
 * translates a moved connection (dp_failsafe.h). With timestamps the
 * server's TSval likewise goes <ts_off> up and the client's echo of it down.
 *
 * Window scale: the cookie's SYN-ACK offers the client NC_SP_WSCALE (when the
 * client offered one: without timestamps the cookie cannot carry it and
 * neither side scales); the server's SYN carries the client's own scale, so
 * the server reads the client's windows as they are. The server's scale is
 * its own choice: its windows are rescaled to NC_SP_WSCALE on their way to
 * the client (rounded down, at most 65535 << NC_SP_WSCALE: never more than
 * the server offered); a server that does not scale at all gets the
 * client's windows unscaled (capped at 65535).
 */
#define NC_SP_WSCALE   7          /* offered to the client */
#define NC_SP_MSS      1460       /* offered to the client */
#define NC_SP_SYN_WIN  65535      /* the SYN-ACK's window (unscaled, as every SYN's) */
#define NC_SP_WS_NONE  0xff

#define NC_SP_PROXIED  0x01       /* the flow was opened by a cookie */
#define NC_SP_EST      0x02       /* its server answered: translated from here */
#define NC_SP_TS       0x04       /* both peers send timestamps: TSval/TSecr translated */
#define NC_SP_CTS      0x08       /* the client sends timestamps */

struct nc_synp {
	uint32_t delta;           /* client's view of a server seq = server's + delta */
	uint32_t ts_off;          /* ... of a server TSval = server's + ts_off; before the
				   * SYN-ACK: the TSval the cookie's SYN-ACK sent */
	uint32_t cookie;          /* the appliance's ISN towards the client */
	uint32_t c_isn;           /* the client's ISN */
	uint32_t c_tsval;         /* the client's TSval at its ACK (our ACK to the server) */
	uint16_t c_win;           /* the client's window at its ACK */
	uint8_t flags;            /* NC_SP_* */
	uint8_t ws_c;             /* the client's window scale, NC_SP_WS_NONE: none */
	uint8_t ws_s;             /* the server's, NC_SP_WS_NONE: scaling is off */
	uint8_t pad;
	uint16_t held_l4;         /* the held segment's L4 offset and payload bytes */
	uint16_t held_pay;
	struct rte_mbuf *held;    /* client data with or after the ACK, until the SYN-ACK */
};

/* What a client's ACK with a valid cookie carries. */
struct nc_sp_ack {
	uint32_t cookie;
	uint32_t c_isn;
	uint32_t tsval, tsecr;    /* the client's timestamps (NC_SP_CTS) */
	uint16_t win;
	uint8_t mssi;
	uint8_t ws;               /* NC_SP_WS_NONE: none */
	uint8_t sack;
	uint8_t ts;
};

/* A SYN of no flow to service <svc>, checked for its source by the caller:
 * answered with a cookie SYN-ACK (no flow, no port). Consumes <m>. */
void nc_sp_syn(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm);

/* A bare ACK of no flow to a syn_proxy service: 1 when its cookie is valid
 * (<ck> filled), else 0 with <m> consumed (dropped and counted, or on to a
 * peer dispatcher that may have its flow). */
int nc_sp_ack_check(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm,
		    struct nc_sp_ack *ck);

/* Flow <f> just opened for the valid ACK <m> (<ck>): the SYN goes to its
 * server with the client's ISN and options; data with the ACK is held.
 * Consumes <m>. */
void nc_sp_open(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
		const struct pkt_meta *pm, const struct nc_sp_ack *ck);

/* Client packet <m> of proxied flow <f> (index <idx>): before its server
 * answered, data is held (the first segment) or dropped, 0 (consumed);
 * after, its acknowledgement, SACK blocks, timestamp echo and window are
 * translated for the server, 1 (the leg goes on). */
int nc_sp_client(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		 const struct pkt_meta *pm);

/* Server packet <m> of proxied flow <f> (index <idx>): its SYN-ACK is
 * acknowledged by the appliance, 0 (consumed), or 2 when client data was
 * held (the caller sends w->synp[idx].held on through the client leg); an
 * RST before it goes on to the client at the cookie's number, 1; after it,
 * sequence number, TSval and window are translated for the client, 1. */
int nc_sp_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		 const struct pkt_meta *pm);

/* Flow <f> of service <svc> is a proxied connection. */
static inline int
nc_sp_flow(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx)
{
	return unlikely(w->tb->svc[f->svc].syn_proxy != 0) && w->synp != NULL &&
	       (w->synp[idx].flags & NC_SP_PROXIED);
}

#endif /* NC_DP_SYNPROXY_H */
