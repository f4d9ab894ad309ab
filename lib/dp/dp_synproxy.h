/* SPDX-License-Identifier: BSD-3-Clause
 * The SYN proxy (syn_proxy, dp_synproxy.c): a TCP service's client SYNs
 * answered by the appliance with a SYN cookie, the flow opened and the server
 * connection made only at the client's valid ACK, the two sequence spaces
 * bridged from then on; IPv4 services and IPv6 ones, over IPv6 servers or
 * IPv4 ones (NAT64: the client's side IPv6, the rest the NAT64 leg's).
 * Worker lcore only (nc_dp_synproxy_poll: control lcore); never included
 * outside lib/dp.
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
 * The bridge sits outside the fail-safe: client segments are translated
 * before its hook, server segments after it (and after its own splice
 * translation), so the fail-safe works in the first server's numbers.
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
#define NC_SP_MSS      1460       /* offered to an IPv4 client */
#define NC_SP_MSS6     (NC_SP_MSS - 20)   /* ... to an IPv6 one: its header is 20 bytes more */
#define NC_SP_SYN_WIN  65535      /* the SYN-ACK's window (unscaled, as every SYN's) */
#define NC_SP_WS_NONE  0xff
#define NC_SP_RTO_MS   1000       /* a SYN made for a client, unanswered, goes again after this */
#define NC_SP_SYN_TRIES 3         /* ... so many times at most (then the flow's tcp_syn_s) */
#define NC_SP_QUEUE    8192       /* such SYNs awaiting an answer per worker (timer queue) */

#define NC_SP_PROXIED  0x01       /* the flow was opened by a cookie */
#define NC_SP_EST      0x02       /* its server answered: translated from here */
#define NC_SP_TS       0x04       /* both peers send timestamps: TSval/TSecr translated */
#define NC_SP_CTS      0x08       /* the client sends timestamps */
#define NC_SP_WAIT     0x10       /* bridged, its server's SYN-ACK waiting for the flow's
				   * sync record to leave: the client's segments as before
				   * the SYN-ACK */
#define NC_SP_STALE    0x20       /* its SYN was sent again after a TIME_WAIT's reset */

struct nc_synp {
	uint32_t delta;           /* client's view of a server seq = server's + delta */
	uint32_t ts_off;          /* ... of a server TSval = server's + ts_off; before the
				   * SYN-ACK: the TSval the cookie's SYN-ACK sent */
	uint32_t cookie;          /* the appliance's ISN towards the client */
	uint32_t c_isn;           /* the client's ISN */
	uint32_t c_tsval;         /* the client's TSval and TSecr at its ACK, which goes */
	uint32_t c_tsecr;         /* to the server once it answered */
	uint16_t c_win;           /* the client's window at its ACK */
	uint8_t flags;            /* NC_SP_* */
	uint8_t ws_c;             /* the client's window scale, NC_SP_WS_NONE: none */
	uint8_t ws_s;             /* the server's, NC_SP_WS_NONE: scaling is off */
	uint8_t mssi;             /* the cookie's MSS index, */
	uint8_t sack;             /* SACK-permitted: with the above, the SYN made again */
	uint8_t syn_tries;        /* its SYN sent again on the timer so many times */
	uint32_t syn_due_ms;      /* ... and when it goes again unanswered (the timer's entry) */
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

/*
 * The client's side of a connection as the segments the proxy makes for it
 * carry it (client to VIP): IPv4 addresses, or IPv6 ones (<c6> not NULL),
 * and the ports, all in network order. The only family-specific input of the
 * proxy: the cookie hashes these addresses, the SYN-ACK goes back to them,
 * and the SYN and the ACK made in the client's place come from them.
 */
struct nc_sp_ends {
	const uint8_t *c6, *v6;   /* IPv6 client and VIP, or NULL */
	uint32_t c4, v4;          /* IPv4 client and VIP */
	uint16_t cport, vport;
};

static inline struct nc_sp_ends
nc_sp_ends4(const struct nc_flow_key *k)
{
	struct nc_sp_ends e = { NULL, NULL, k->src_ip, k->dst_ip, k->src_port, k->dst_port };

	return e;
}

static inline struct nc_sp_ends
nc_sp_ends6(const uint8_t *client, const uint8_t *vip, uint16_t cport, uint16_t vport)
{
	struct nc_sp_ends e = { client, vip, 0, 0, cport, vport };

	return e;
}

/* A SYN of no flow to service <svc> (its L4 header at <l4_off>, from <e>),
 * checked for its source by the caller: answered with a cookie SYN-ACK (no
 * flow, no port). An IPv6 client whose next hop is not resolved has <m>
 * go to the control lcore from port <pidx> and back (an IPv4 one is asked
 * for and sends its SYN again). Consumes <m>. */
void nc_sp_syn(struct nc_worker *w, struct rte_mbuf *m, uint8_t svc, uint16_t l4_off,
	       const struct nc_sp_ends *e, uint16_t pidx);

/* A bare ACK of no flow to syn_proxy service <svc> (L4 at <l4_off>, from
 * <e>): 1 when its cookie is valid (<ck> filled), else 0 with <m> consumed
 * (dropped and counted, or on to a peer dispatcher that may have its flow). */
int nc_sp_ack_check(struct nc_worker *w, struct rte_mbuf *m, uint8_t svc, uint16_t l4_off,
		    const struct nc_sp_ends *e, struct nc_sp_ack *ck);

/* Flow <f> (either family) just opened for the valid ACK <m> (<ck>; L4 at
 * <l4_off>, <pay> payload bytes): data with the ACK is held. Consumes <m>.
 * Returns the SYN the client would have sent its server (client to VIP in
 * the client's family, the client's ISN and the options the cookie kept),
 * which the caller sends on through its client leg as the client's own (the
 * fail-safe holds it, as any SYN), or NULL (no buffer: counted). */
struct rte_mbuf *nc_sp_open(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
			    uint16_t l4_off, uint16_t pay, const struct nc_sp_ack *ck);

/* Client packet <m> of proxied flow <f> (index <idx>): before its server
 * answered, data is held (the first segment) or dropped, 0 (consumed), but
 * the SYN nc_sp_open() made goes on, 1; after, its acknowledgement, SACK
 * blocks, timestamp echo and window are translated for the server, 1 (the
 * leg goes on). */
int nc_sp_client(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		 const struct pkt_meta *pm);

/* Server packet <m> of proxied flow <f> (index <idx>), before the leg's
 * hooks: 2 for its SYN-ACK (the first sets the translation up; again, when
 * the server did not get the client's ACK), which the hooks see and the
 * caller then answers with nc_sp_client_ack(); 3 for the SYN-ACK of a
 * connection the fail-safe opened since, which its hooks take (else the
 * caller drops it); an RST before the SYN-ACK goes on to the client at the
 * cookie's number, 1; 1 for the rest; 0 when dropped. */
int nc_sp_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		 const struct pkt_meta *pm);

/* Server packet <m> of proxied flow <idx>, after the hooks (the fail-safe's
 * translation of a moved connection): sequence number, TSval and window in
 * the client's numbers. */
void nc_sp_s2c(struct nc_worker *w, uint32_t idx, struct rte_mbuf *m, uint16_t l4_off);

/* The server's SYN-ACK <m> of proxied flow <f> answered: <m> becomes the ACK
 * the client sent, as it sent it (client to VIP, in the client's family: L4
 * at held_l4_off()), for the caller to send on through the client leg; NULL
 * when dropped. */
struct rte_mbuf *nc_sp_client_ack(struct nc_worker *w, const struct nc_flow *f, uint32_t idx,
				  struct rte_mbuf *m);

/* dp_worker.c: segment <m> of proxied flow <f> (<idx>) that the proxy made
 * in its client's place or held for it (L4 at <l4_off>, <pay> payload bytes)
 * goes through the client leg of the flow's family as if it came now. */
void nc_sp_leg(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	       uint16_t l4_off, uint16_t pay);

/* dp_worker.c: server segment <m> (L4 at <l4_off>) of proxied flow <f>
 * (<idx>), after the server leg's hooks (either family); <sp> what
 * nc_sp_server() returned for it. The server's SYN-ACK (2) made the client's
 * ACK by nc_sp_client_ack(), which goes on through the client leg of the
 * flow's family as the client sent it, then the data held since (with flow
 * sync, the first time once the flow's record left: nc_sync_proxied); a move's
 * SYN-ACK no hook took (3) dropped: 0, <m> consumed. The rest in the
 * client's numbers (nc_sp_s2c()): 1, the leg goes on. */
int nc_sp_server_hooked(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
			uint16_t l4_off, int sp);

/* Flow sync (dp_sync.c): proxied flow <f> (<idx>) whose server answered
 * has its bridge in <out>: 1; else 0 (not proxied, or not bridged yet). */
int nc_sp_rec(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx,
	      struct nc_sync_sp *out);

/* Flow sync: flow <idx>, just installed from a peer's record, is proxied with
 * the peer's bridge <s> (NULL: it is not proxied). The cookie, the client's
 * ISN and its first ACK stay with the peer: a first server's SYN-ACK again
 * is taken as a move's (dropped unless the fail-safe's hooks take it), the
 * client's next segment completing the server's handshake. */
void nc_sp_adopt(struct nc_worker *w, uint32_t idx, const struct nc_sync_sp *s);

/* A segment the fail-safe makes for the client of proxied flow <idx>: its
 * sequence number <seq> (the server's numbers) in the client's. */
static inline uint32_t
nc_sp_seq_to_client(const struct nc_worker *w, uint32_t idx, uint32_t seq)
{
	return (w->synp[idx].flags & NC_SP_EST) ? seq + w->synp[idx].delta : seq;
}

/* A SYN of no flow to service <svc> is answered with a cookie now:
 * syn_proxy on (or "auto" turned on by the control lcore), or this worker's
 * own handshakes under way at its share of the threshold ("auto": a flood
 * fills the table well within the control lcore's second). */
static inline int
nc_sp_cookies_now(const struct nc_worker *w, uint8_t svc)
{
	return w->dp->synp_on[svc] ||
	       (w->tb->svc[svc].synp_worker_max != 0 &&
		w->st.svc[svc].half_open >= w->tb->svc[svc].synp_worker_max);
}

/* Flow <f> of service <svc> is a proxied connection. The per-flow state
 * first: a data plane without a syn_proxy service has none, and its packets
 * then read nothing more. */
static inline int
nc_sp_flow(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx)
{
	return unlikely(w->synp != NULL) && w->tb->svc[f->svc].syn_proxy != 0 &&
	       (w->synp[idx].flags & NC_SP_PROXIED);
}

#endif /* NC_DP_SYNPROXY_H */
