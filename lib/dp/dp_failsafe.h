/* SPDX-License-Identifier: BSD-3-Clause
 * The transaction fail-safe (dp_failsafe.c): held requests, replay, TCP
 * splicing. The worker's legs call its hooks only for services that have it
 * on. Worker lcore only; never included outside lib/dp.
 */
#ifndef NC_DP_FAILSAFE_H
#define NC_DP_FAILSAFE_H

#include "nc_http.h"
#include "dp_fastpath.h"

/*
 * Fail-safe state of a TCP connection (w->tfs[flow index]).
 *
 * What is held depends on what the connection carries, known from the
 * client's first bytes (failsafe.protocol "auto") or fixed by the service:
 * - HTTP/1.x: both directions are framed (lib/http) as they pass. Each
 *   request is held from its first byte until its final response begins
 *   (early: the held part is let go and the rest not held), so it moves as a
 *   whole or not at all; pipelined requests are matched to their responses
 *   in order (q[], oldest first); the server's FIN is kept from the client
 *   only after a complete response on a connection both sides keep.
 * - opaque (TLS, anything else): the client's first flight - what it sends
 *   before the server's first byte - is held; from that byte on the
 *   connection is plain full NAT (PLAIN), as is one that cannot be followed.
 *
 * A connection moves to a new server connection only while nothing of the
 * unanswered request's response has reached the client. The appliance opens
 * it from a new local port with the client's sequence numbers (its SYN
 * carries the first held byte's number - 1), answers the new server's
 * SYN-ACK itself, sends the held bytes as the new server's window allows
 * (resending on its duplicate ACKs or a timeout), and from then on adds
 * <delta> to the new server's sequence numbers (and takes it from the
 * client's acknowledgements) so that the new server's first byte lands at
 * sp_server in the client's stream. The client's SYN loses its window scale,
 * SACK and timestamp options, which only the first server agreed to. All
 * sequence numbers here are host order, in the client's view.
 */
#define NC_FS_PIPE 4          /* requests of a connection followed at once */

struct nc_fs_req {
	uint32_t start;           /* its first byte */
	uint32_t end;             /* past its last byte, once NC_FSR_DONE */
	uint8_t method;           /* enum nc_http_method, once NC_FSR_HEAD */
	uint8_t minor;            /* HTTP/1.<minor> */
	uint8_t hflags;           /* NC_HTTP_F_* of its head */
	uint8_t flags;            /* NC_FSR_* */
};
#define NC_FSR_HEAD     0x01  /* its header block was read */
#define NC_FSR_DONE     0x02  /* its last byte was read: end is known */
#define NC_FSR_ANSWERED 0x04  /* bytes of its final response reached the client */
#define NC_FSR_INTERIM  0x08  /* an interim (1xx) response to it reached the client */
#define NC_FSR_UNHELD   0x10  /* not held (past hold_limit_kb, a full store, an early
			       * answer, after the connection's last exchange): it
			       * cannot move, and no answer is owed to it */
#define NC_FSR_SYNCED   0x40  /* flow sync: the peers have it (NC_SYNC_HELD) */
#define NC_FSR_LAST     0x20  /* it does not keep the connection (close, HTTP/1.0):
			       * nothing after it is owed an answer */

enum nc_fs_mode {
	NC_FSM_HTTP = 0,          /* both directions framed as HTTP/1.x */
	NC_FSM_OPAQUE,            /* the first flight held until the first server byte */
	NC_FSM_PLAIN,             /* nothing held any more: plain full NAT */
};

#define NC_TFS_SYNACK    0x0001  /* the server's SYN-ACK reached the client: srv_isn known */
#define NC_TFS_SPLICING  0x0002  /* a SYN went to a new server: waiting for its SYN-ACK */
#define NC_TFS_SPLICED   0x0004  /* sequence numbers are translated (delta) */
#define NC_TFS_REPLAYING 0x0008  /* held bytes still to send to the new server (rp_slot),
				  * or sent and not yet acknowledged (rp_end) */
#define NC_TFS_AUTO      0x0010  /* protocol "auto": not HTTP before any answer -> opaque */
#define NC_TFS_ANSWERED  0x0020  /* a server byte reached the client */
#define NC_TFS_GONE      0x0040  /* the server's side is closed (its FIN kept, or it went
				  * down while idle): the next request opens a new one */
#define NC_TFS_CLOSE     0x0080  /* the last exchange does not keep the connection */
#define NC_TFS_WAIT      0x0100  /* a CONNECT or Upgrade request waits for its answer:
				  * client bytes after it are not HTTP until then */
#define NC_TFS_ABSORB    0x0200  /* the client has an interim response to q[0] already:
				  * the new server's interim responses are not forwarded */
#define NC_TFS_RESUME    0x0800  /* taken over mid-connection (flow sync), nothing
				  * unanswered: framing resumes at the client's next
				  * request, its sequence number and acknowledgement
				  * saying where both streams stand */
#define NC_TFS_FRESH     0x1000  /* taken over as just accepted (flow sync): until a
				  * byte in place proves it, that dispatcher may have
				  * passed bytes whose record died with it */
#define NC_TFS_STALE     0x2000  /* this attempt's SYN was answered from a stale 4-tuple
				  * (syn_answered_stale): reset and sent again once */
#define NC_TFS_ADOPTED   0x0400  /* q[0] was taken over from a dead dispatcher (flow
				  * sync): its answer may have gone to that one, so a
				  * first timeout is not its server's failure */
#define NC_TFS_SACK      0x4000  /* the client and its server agreed SACK (the SYN keeps
				  * SACK-permitted): a move's SYN asks for it too */
#define NC_TFS_STALL     0x8000  /* a gap in client bytes the framing needs (a request's
				  * head, a chunk's size line) at c_next: the bytes past
				  * it are passed on and held, not read, until it fills;
				  * then read from the held copies */

struct nc_tcpfs {
	struct nc_http_parser req;     /* the client's stream */
	struct nc_http_parser resp;    /* the server's stream */
	struct nc_fs_req q[NC_FS_PIPE]; /* requests not answered to their end, oldest first */
	uint32_t c_isn;        /* the client's initial sequence number */
	uint32_t srv_isn;      /* the server ISN the client knows */
	uint32_t delta;        /* spliced: client's view = new server's seq + delta */
	uint32_t c_next;       /* past the client's last byte read in order */
	uint32_t h_lo, h_hi;   /* client bytes [h_lo, h_hi) of a request body passed
	                        * over, or past a stall, not seen yet (a hole; none
	                        * when equal) */
	uint32_t c_ack;        /* the client's furthest acknowledgement */
	uint32_t s_next;       /* past the last server byte forwarded */
	uint32_t s_ack;        /* the server's last acknowledgement (client's sequence space) */
	uint32_t sp_client;    /* the moved connection starts at this client byte */
	uint32_t sp_server;    /* ... and its server's first byte lands here */
	uint32_t rp_slot;      /* replaying: the next held entry to send (txstore slot) */
	uint32_t rp_end;       /* replaying: past the last held byte sent */
	uint32_t owed_ms;      /* since when the oldest request is owed an answer */
	uint32_t rp_ms;        /* replaying: when the new server last took more */
	uint32_t held;         /* request bytes held now */
	uint16_t mss;          /* the client's MSS option, 0: none */
	uint16_t s_win;        /* the server's last window (no scaling: it was stripped) */
	uint16_t flags;        /* NC_TFS_* */
	uint8_t mode;          /* enum nc_fs_mode */
	uint8_t q_n;           /* requests in q */
	uint8_t dupacks;       /* replaying: acknowledgements that did not move */
	uint8_t move_wait;     /* a move waits for the client to acknowledge the old
	                        * server's last byte (only that server can resend what
	                        * it lacks): its reason (NC_FO_*) + 1; 0: none */
	uint8_t isn_known;     /* syn_isn holds the client's ISN */
	uint32_t syn_isn;      /* the client's ISN, for its SYN sent again (c_isn is
	                        * where the fail-safe's reading began: after a
	                        * takeover mid-connection, the byte before a request) */
};

/*
 * Hooks of the worker's legs, for flows of a fail-safe service. A hook that
 * returns 0 has consumed <m> (held back, or answered by the appliance);
 * 1: the leg forwards it.
 */
/* Client leg, after the flow's state and accounting: hold the request. */
int nc_fs_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
		 const struct pkt_meta *pm);
/* Server leg, first: answers release what was held; TCP failures, splices,
 * sequence translation. */
int nc_fs_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		 const struct pkt_meta *pm);
/* An ICMP destination unreachable about flow <idx>'s packet to its server,
 * checked by the caller (the quote is that flow's, in its window): the
 * server failed, if the flow is owed an answer. Consumes <m>. */
void nc_fs_unreach(struct nc_worker *w, struct rte_mbuf *m, uint32_t idx);
/* A TCP flow opens: nothing of the flow that had its slot before stays (a
 * pending move would swallow this one's SYN-ACK). What a closing flow held is
 * let go by flow_closed(). */
void nc_fs_open(struct nc_worker *w, const struct nc_flow *f);
/* Flow sync: a peer's connection accepted by its server, nothing exchanged
 * yet (client ISN <c_isn>, server ISN <srv_isn>; <sack>: the two agreed
 * SACK), followed from here as if its handshake had passed through this
 * dispatcher. */
void nc_fs_adopt_fresh(struct nc_worker *w, const struct nc_flow *f, uint32_t c_isn,
		       uint32_t srv_isn, int sack);

#endif /* NC_DP_FAILSAFE_H */
