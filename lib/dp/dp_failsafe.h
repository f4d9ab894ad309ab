/* SPDX-License-Identifier: BSD-3-Clause
 * The transaction fail-safe (dp_failsafe.c): held requests, replay, TCP
 * splicing. The worker's legs call its hooks only for services that have it
 * on. Worker lcore only; never included outside lib/dp.
 */
#ifndef NC_DP_FAILSAFE_H
#define NC_DP_FAILSAFE_H

#include "dp_fastpath.h"

/*
 * Fail-safe state of a TCP flow (w->tfs[flow index]). A connection can move to
 * another server only while no byte of the unanswered request's response has
 * reached the client: the appliance then opens a connection to the new server
 * with the client's initial sequence number and splices it onto the client's,
 * adding <delta> to the new server's sequence numbers and taking it from the
 * client's acknowledgements. The client's SYN loses its window scale, SACK and
 * timestamp options, which only the first server agreed to. The new
 * connection starts where the held request starts (its SYN carries the
 * request's first sequence number - 1), so a request later on a keep-alive
 * connection moves as well as a connection's first one. Where an HTTP/1.x
 * response ends is read from its header block as its first segment passes
 * (Content-Length, or no body); a server taken down while such a response is
 * known incomplete gets its client reset at once (nothing else would tell
 * it), while an idle connection after a complete response stays to move.
 */
#define NC_TFS_SYNACK   0x01   /* a server's SYN-ACK reached the client: srv_isn is known */
#define NC_TFS_RESP     0x02   /* response bytes of the current request reached the client */
#define NC_TFS_SPLICING 0x04   /* a SYN went to the new server: waiting for its SYN-ACK */
#define NC_TFS_SPLICED  0x08   /* sequence numbers are translated */
#define NC_TFS_UNSAFE   0x10   /* the held request left before the client had all the
				* server's bytes, or before the server had sent all of
				* the response before it (pipelining): it cannot move */
#define NC_TFS_HTTP     0x20   /* the current request is HTTP/1.x with a method whose
				* response a Content-Length can delimit (not HEAD, CONNECT) */
#define NC_TFS_RESP_LEN 0x40   /* resp_end is known: the response ends there */
struct nc_tcpfs {
	uint32_t c_isn;        /* the client's initial sequence number (host order) */
	uint32_t srv_isn;      /* the server ISN the client knows (host order) */
	uint32_t delta;        /* spliced: client's view = new server's seq + delta */
	uint32_t c_ack;        /* the client's last acknowledgement (host order, its view) */
	uint32_t req_seq;      /* the held request's first byte (client's sequence space) */
	uint32_t req_ack;      /* where the server's stream stood then (client's view) */
	uint32_t srv_next;     /* past the last server byte forwarded (client's view) */
	uint32_t resp_end;     /* NC_TFS_RESP_LEN: past the response's last byte (client's
				* view); srv_next short of it: the response is incomplete */
	uint16_t mss;          /* the client's MSS option, 0: none */
	uint8_t flags;         /* NC_TFS_* */
	uint8_t flags2;        /* NC_TFS2_* */
};

/* A keep-alive connection its server closed between two requests (a pure FIN
 * after a complete response that did not say "Connection: close"): the FIN
 * is acknowledged by the appliance and kept from the client, whose next
 * request is spliced onto a new connection (to the same server if it is up);
 * a FIN from the client gets the kept one back. A server that closes idle
 * connections, or a server killed between two requests, never breaks the
 * client's next request. */
#define NC_TFS2_KEEP    0x01   /* the response (known complete by length) keeps the connection */
#define NC_TFS2_SRV_FIN 0x02   /* the server's FIN is kept from the client */

/*
 * Hooks of the worker's legs, for flows of a fail-safe service. A hook that
 * returns 0 has consumed <m> (held back, or answered by the appliance);
 * 1: the leg forwards it.
 */
/* Client leg, after the flow's state and accounting: hold the request. */
int nc_fs_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m,
		 const struct pkt_meta *pm);
/* Server leg, TCP, first: failures, splices, sequence translation. */
int nc_fs_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		 const struct pkt_meta *pm);
/* Server leg, last: the server answered: release what was held for it. */
void nc_fs_server_answer(struct nc_worker *w, struct nc_flow *f, uint32_t idx,
			 const struct rte_mbuf *m, const struct pkt_meta *pm);
/* An ICMP destination unreachable about flow packets to a server (pm as
 * unreach_flow() fills it): the server failed. Consumes <m>. */
void nc_fs_unreach(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm);
/* A flow of any service closes: drop what it held. */
void nc_fs_on_close(struct nc_worker *w, const struct nc_flow *f);

#endif /* NC_DP_FAILSAFE_H */
