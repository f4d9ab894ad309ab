/* SPDX-License-Identifier: BSD-3-Clause
 * The transaction fail-safe: every request held until its server answers,
 * replayed on another server when that one fails (UDP: the datagrams again;
 * TCP: the SYN before the handshake, a connection to the new server spliced
 * onto the client's after it). Runs on the worker owning the flow, through
 * the hooks its legs call; the same rule as the fast path: no lock, no heap
 * allocation, no log, no syscall per packet (the held copies come from a
 * mempool), every drop a counter.
 */
#include <rte_cycles.h>

#include "dp_failsafe.h"

#define NC_REPLAY_MAX 64    /* held requests of one flow replayed at once */
#define NC_HTTP_LEN_MAX (1u << 30)   /* longer bodies stay unknown: serial arithmetic */

static void failover(struct nc_worker *w, uint32_t idx, uint8_t why);

/* Keep a private copy of the client's packet <m> (as it arrived) until the
 * server answers; a full store or copy pool only costs the fail-safe of this
 * request (counted), never the packet. */
static inline void
hold_copy(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m)
{
	const struct nc_dp_svc *svc = &w->dp->svc[f->svc];
	uint32_t *c = &w->txc[2 * nc_flow_index(w->flows, f)];
	struct rte_mbuf *cp = rte_pktmbuf_copy(m, w->dp->txpool, 0, UINT32_MAX);

	if (unlikely(cp == NULL) ||
	    unlikely(nc_txstore_hold(w->txs, nc_flow_index(w->flows, f), cp,
				     w->now_ms + svc->resp_timeout_ms, c, c + 1) != 0)) {
		rte_pktmbuf_free(cp);
		w->st.svc[f->svc].fs_store_full++;
		return;
	}
	w->st.svc[f->svc].fs_held++;
	srv_stats(w, f)->fs_held++;
}

/* Hold request <m> of flow <idx> again (taken out for a replay), with a new
 * deadline; a full store frees it (counted). */
static inline void
hold_again(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m)
{
	uint32_t *c = &w->txc[2 * idx];

	if (nc_txstore_hold(w->txs, idx, m, w->now_ms + w->dp->svc[f->svc].resp_timeout_ms,
			    c, c + 1) != 0) {
		rte_pktmbuf_free(m);
		w->st.svc[f->svc].fs_store_full++;
	} else {
		srv_stats(w, f)->fs_held++;
	}
}

/* Move a TCP segment's acknowledgement (client -> new server) or sequence
 * number (new server -> client) of a spliced connection, checksum updated. */
static inline void
tcp_ack_sub(struct rte_mbuf *m, uint16_t l4_off, uint32_t delta)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	uint32_t old = th->recv_ack;

	th->recv_ack = rte_cpu_to_be_32(nc_seq_to_server(rte_be_to_cpu_32(old), delta));
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->recv_ack));
}

static inline void
tcp_seq_add(struct rte_mbuf *m, uint16_t l4_off, uint32_t delta)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	uint32_t old = th->sent_seq;

	th->sent_seq = rte_cpu_to_be_32(nc_seq_to_client(rte_be_to_cpu_32(old), delta));
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->sent_seq));
}

/*
 * The client's SYN on a fail-safe service: window scale, SACK-permitted and
 * timestamp options become NOPs (a second server could not keep what the
 * first one agreed to); its MSS is noted. Once per connection: the TCP
 * checksum is computed afresh.
 */
static void
tcp_syn_strip(struct rte_mbuf *m, uint16_t l4_off, uint16_t *mss)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);
	uint8_t *o = (uint8_t *)(th + 1), *end = (uint8_t *)th + (th->data_off >> 4) * 4;
	int changed = 0;

	*mss = 0;
	while (o < end && *o != 0) {
		uint8_t len;

		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 1 >= end || o[1] < 2 || o + o[1] > end)
			break;   /* malformed: leave the rest as it is */
		len = o[1];
		if (o[0] == 2 && len == 4)
			*mss = (uint16_t)(o[2] << 8 | o[3]);
		else if (o[0] == 3 || o[0] == 4 || o[0] == 8) {
			memset(o, 1, len);
			changed = 1;
		}
		o += len;
	}
	if (changed) {
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
}

/* Send a bare TCP segment of flow <f> (no data): to its server from the local
 * IP, or to its client from the VIP. From the fail-safe's own pool. */
static void
tcp_send(struct nc_worker *w, const struct nc_flow *f, int to_server, uint8_t flags,
	 uint32_t seq, uint32_t ack, uint16_t mss)
{
	uint16_t opt = mss != 0 ? 4 : 0;
	uint16_t len = (uint16_t)(L4_OFF + sizeof(struct rte_tcp_hdr) + opt);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->dp->txpool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint8_t *d;

	if (unlikely(m == NULL) || unlikely((d = (uint8_t *)rte_pktmbuf_append(m, len)) == NULL)) {
		rte_pktmbuf_free(m);
		w->st.svc[f->svc].fs_store_full++;
		return;
	}
	memset(d, 0, len);
	eth = (struct rte_ether_hdr *)d;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	th = (struct rte_tcp_hdr *)(ip + 1);
	if (to_server) {
		ip->src_addr = f->lip;
		ip->dst_addr = f->server_ip;
		th->src_port = f->lport;
		th->dst_port = f->server_port;
	} else {
		ip->src_addr = f->key.dst_ip;
		ip->dst_addr = f->key.src_ip;
		th->src_port = f->key.dst_port;
		th->dst_port = f->key.src_port;
	}
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + opt) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	if (opt != 0) {
		uint8_t *o = (uint8_t *)(th + 1);

		o[0] = 2;
		o[1] = 4;
		o[2] = (uint8_t)(mss >> 8);
		o[3] = (uint8_t)mss;
	}
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	tx_to(w, m, to_server ? f->nh_server : f->nh_client);
}

/* The TCP payload of <m> as far as its first segment holds it: <*n> bytes
 * (0 for none), never past the mbuf's data. */
static inline const uint8_t *
tcp_payload(const struct rte_mbuf *m, uint16_t l4_off, uint16_t pay, uint32_t *n)
{
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	uint32_t off = (uint32_t)l4_off + (uint32_t)(th->data_off >> 4) * 4u;
	uint32_t dl = rte_pktmbuf_data_len(m);

	*n = off < dl ? RTE_MIN((uint32_t)pay, dl - off) : 0;
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
}

/* The request at <p> (<n> bytes) starts with an HTTP method whose response a
 * Content-Length can delimit: a token of capitals (and '-') and a space, not
 * HEAD (no body whatever the length says) nor CONNECT (a tunnel follows). */
static inline int
http_req_sized(const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n && i <= 16; i++) {
		if (p[i] == ' ')
			return i != 0 && !(i == 4 && memcmp(p, "HEAD", 4) == 0) &&
				!(i == 7 && memcmp(p, "CONNECT", 7) == 0);
		if ((p[i] < 'A' || p[i] > 'Z') && p[i] != '-')
			return 0;
	}
	return 0;
}

/* Header field name <a> (<n> bytes) is <lc> (lower case), in any case. */
static inline int
http_name_is(const uint8_t *a, uint32_t n, const char *lc, uint32_t lc_len)
{
	uint32_t i;

	if (n != lc_len)
		return 0;
	for (i = 0; i < n; i++) {
		uint8_t c = a[i] >= 'A' && a[i] <= 'Z' ? (uint8_t)(a[i] + 32) : a[i];

		if (c != (uint8_t)lc[i])
			return 0;
	}
	return 1;
}

/* Header value <v> (<n> bytes) holds the token <lc> (lower case), in any case. */
static inline int
http_value_has(const uint8_t *v, uint32_t n, const char *lc, uint32_t lc_len)
{
	uint32_t i;

	for (i = 0; i + lc_len <= n; i++)
		if (http_name_is(v + i, lc_len, lc, lc_len) &&
		    (i == 0 || v[i - 1] == ' ' || v[i - 1] == ',' || v[i - 1] == '\t') &&
		    (i + lc_len == n || v[i + lc_len] == ' ' || v[i + lc_len] == ',' ||
		     v[i + lc_len] == '\t'))
			return 1;
	return 0;
}

/*
 * The length of the HTTP/1.x response that starts at <p>, of which the
 * segment holds <n> bytes: header block (status line to the blank line) plus
 * body. 0 and <*len> when known: a final status with Content-Length, or 204
 * and 304 (no body); <*keep>: the connection stays open after it (HTTP/1.1
 * without "Connection: close", HTTP/1.0 with "Connection: keep-alive"). -1 when it is not known from here: not HTTP/1.x, an
 * interim 1xx (the final response follows), any Transfer-Encoding (chunked:
 * ends in the body; others: at the close), neither header (delimited by the
 * close), a header block that does not end in the segment, a folded line or
 * anything malformed. Reads nothing past p[n - 1].
 */
static int
http_resp_len(const uint8_t *p, uint32_t n, uint32_t *len, int *keep)
{
	const uint8_t *e;
	uint32_t i, cl = 0;
	int have_cl = 0, status, conn_close = 0, conn_keep = 0;

	if (n < 13 || memcmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (p[12] != ' ' && p[12] != '\r' && p[12] != '\n'))
		return -1;
	status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (status < 200)
		return -1;
	e = memchr(p, '\n', n);
	if (e == NULL)
		return -1;
	i = (uint32_t)(e - p) + 1;
	for (;;) {
		const uint8_t *line = p + i, *colon;
		uint32_t ll;

		if (i >= n)
			return -1;
		if (p[i] == '\n') {
			i++;
			break;
		}
		if (p[i] == '\r') {
			if (i + 1 >= n || p[i + 1] != '\n')
				return -1;
			i += 2;
			break;
		}
		if (p[i] == ' ' || p[i] == '\t')
			return -1;   /* obsolete line folding */
		e = memchr(line, '\n', n - i);
		if (e == NULL)
			return -1;
		ll = (uint32_t)(e - line);
		if (ll != 0 && line[ll - 1] == '\r')
			ll--;
		colon = memchr(line, ':', ll);
		if (colon == NULL)
			return -1;
		if (http_name_is(line, (uint32_t)(colon - line), "content-length", 14)) {
			const uint8_t *v = colon + 1, *end = line + ll;
			uint32_t x = 0;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (v == end || *v < '0' || *v > '9')
				return -1;
			while (v < end && *v >= '0' && *v <= '9') {
				x = x * 10 + (uint32_t)(*v++ - '0');
				if (x > NC_HTTP_LEN_MAX)
					return -1;
			}
			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			if (v != end || (have_cl && x != cl))
				return -1;
			cl = x;
			have_cl = 1;
		} else if (http_name_is(line, (uint32_t)(colon - line), "transfer-encoding", 17)) {
			return -1;
		} else if (http_name_is(line, (uint32_t)(colon - line), "connection", 10)) {
			conn_close |= http_value_has(colon + 1, (uint32_t)(line + ll - colon - 1), "close", 5);
			conn_keep |= http_value_has(colon + 1, (uint32_t)(line + ll - colon - 1),
						    "keep-alive", 10);
		}
		i = (uint32_t)(e - p) + 1;
	}
	/* HTTP/1.1 keeps the connection unless told otherwise; 1.0 only if told */
	*keep = !conn_close && (p[7] != '0' || conn_keep);
	if (status == 204 || status == 304) {
		*len = i;
		return 0;
	}
	if (!have_cl)
		return -1;
	*len = i + cl;
	return 0;
}

/* The first response bytes of a request reached the server leg at <seq>
 * (client's view): note where the response ends if its header block says
 * so. Only for a sized HTTP request not pipelined behind another response,
 * from the byte where the server's stream stood (not a segment past a lost
 * one). Once per request. */
static void
http_resp_start(struct nc_tcpfs *t, const struct rte_mbuf *m, const struct pkt_meta *pm,
		uint32_t seq)
{
	const uint8_t *p;
	uint32_t n, len;
	int keep;

	if ((t->flags & (NC_TFS_SYNACK | NC_TFS_HTTP | NC_TFS_UNSAFE)) != (NC_TFS_SYNACK | NC_TFS_HTTP) ||
	    seq != t->srv_next)
		return;
	p = tcp_payload(m, pm->l4_off, pm->pay, &n);
	if (http_resp_len(p, n, &len, &keep) == 0) {
		t->resp_end = seq + len;
		t->flags |= NC_TFS_RESP_LEN;
		if (keep)
			t->flags2 |= NC_TFS2_KEEP;
	}
}

/* Response bytes of the current request reached the client, and its end is
 * known and not reached yet. */
static inline int
tfs_resp_incomplete(const struct nc_tcpfs *t)
{
	return (t->flags & (NC_TFS_RESP | NC_TFS_RESP_LEN)) == (NC_TFS_RESP | NC_TFS_RESP_LEN) &&
		nc_seq_lt(t->srv_next, t->resp_end);
}

/*
 * Client side of a TCP flow of a fail-safe service, before it is forwarded:
 * its SYN is stripped and held; request data is held until the server answers;
 * on a spliced connection its acknowledgement is translated. Returns 0 when
 * <m> was consumed (held back while the new connection is opened).
 */
static int
tcp_fs_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	struct nc_tcpfs *t = &w->tfs[nc_flow_index(w->flows, f)];
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pm->l4_off);

	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG) {
		if (f->state == NC_FLOW_SYN && !(t->flags & NC_TFS_SPLICING)) {
			if (w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE) {   /* not a retransmit */
				memset(t, 0, sizeof(*t));
				tcp_syn_strip(m, pm->l4_off, &t->mss);
				t->c_isn = rte_be_to_cpu_32(th->sent_seq);
				hold_copy(w, f, m);
			} else {
				uint16_t mss;

				tcp_syn_strip(m, pm->l4_off, &mss);
			}
		}
		return 1;
	}
	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		t->c_ack = rte_be_to_cpu_32(th->recv_ack);
	if (unlikely(t->flags2 & NC_TFS2_SRV_FIN) && !(t->flags & NC_TFS_SPLICING)) {
		if (th->tcp_flags & RTE_TCP_FIN_FLAG) {
			/* the client closes too: it gets the server's FIN now */
			t->flags2 &= (uint8_t)~NC_TFS2_SRV_FIN;
			tcp_send(w, f, 0, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, t->srv_next,
				 rte_be_to_cpu_32(th->sent_seq) + pm->pay + 1, 0);
			t->srv_next++;
			tcp_track(f, RTE_TCP_FIN_FLAG, 0);
		} else if (pm->pay != 0 && w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE) {
			/* its next request: held, then sent on a new connection */
			t->flags &= (uint8_t)~(NC_TFS_RESP | NC_TFS_UNSAFE | NC_TFS_HTTP | NC_TFS_RESP_LEN);
			t->flags2 &= (uint8_t)~NC_TFS2_KEEP;
			t->req_seq = rte_be_to_cpu_32(th->sent_seq);
			t->req_ack = rte_be_to_cpu_32(th->recv_ack);
			{
				const uint8_t *p;
				uint32_t n;

				p = tcp_payload(m, pm->l4_off, pm->pay, &n);
				if (http_req_sized(p, n))
					t->flags |= NC_TFS_HTTP;
			}
			hold_copy(w, f, m);
			rte_pktmbuf_free(m);
			if (w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE)
				return 0;   /* nothing held (store full): the client retransmits */
			failover(w, nc_flow_index(w->flows, f), NC_FO_SERVER_CLOSED);
			return 0;
		}
	}
	if (unlikely(t->flags & NC_TFS_SPLICING)) {
		/* the held copies carry it to the new server once it is connected */
		rte_pktmbuf_free(m);
		return 0;
	}
	if (pm->pay != 0) {
		if (w->txc[2 * nc_flow_index(w->flows, f)] == NC_TX_NONE) {   /* a new request */
			/* the response before it known to be still arriving
			 * (pipelining): its end stays the one to reach */
			int behind = tfs_resp_incomplete(t);
			const uint8_t *p;
			uint32_t n;

			t->flags &= (uint8_t)~(NC_TFS_RESP | NC_TFS_UNSAFE | NC_TFS_HTTP |
					       (behind ? 0 : NC_TFS_RESP_LEN));
			if (!behind)
				t->flags2 &= (uint8_t)~NC_TFS2_KEEP;
			t->req_seq = rte_be_to_cpu_32(th->sent_seq);
			t->req_ack = rte_be_to_cpu_32(th->recv_ack);
			/* server bytes the client has not acknowledged yet, or
			 * not sent yet (a response still arriving): another
			 * server could not continue the stream from here */
			if (behind || ((t->flags & NC_TFS_SYNACK) && t->req_ack != t->srv_next &&
				       t->srv_next != t->srv_isn + 1))
				t->flags |= NC_TFS_UNSAFE;
			p = tcp_payload(m, pm->l4_off, pm->pay, &n);
			if (http_req_sized(p, n))
				t->flags |= NC_TFS_HTTP;
		}
		hold_copy(w, f, m);
	}
	if (t->flags & NC_TFS_SPLICED)
		tcp_ack_sub(m, pm->l4_off, t->delta);
	return 1;
}

/* The new server answered the SYN the appliance sent for a moved connection:
 * acknowledge it, then replay the held request bytes with the client's
 * acknowledgements translated into its sequence space. */
static void
splice_complete(struct nc_worker *w, struct nc_flow *f, uint32_t idx, uint32_t isn)
{
	struct nc_tcpfs *t = &w->tfs[idx];
	struct rte_mbuf *held[NC_REPLAY_MAX];
	uint32_t *head = &w->txc[2 * idx], *tail = head + 1;
	unsigned int n, i;

	/* the new server's first byte is where the client's view of the old
	 * stream stood when the request left */
	t->delta = nc_seq_delta(t->req_ack, isn + 1);
	t->flags = (uint8_t)((t->flags & ~NC_TFS_SPLICING) | NC_TFS_SPLICED);
	tcp_send(w, f, 1, RTE_TCP_ACK_FLAG, t->req_seq, isn + 1, 0);
	n = nc_txstore_take(w->txs, head, tail, held, NC_REPLAY_MAX);
	srv_stats(w, f)->fs_unheld += n;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *cp = rte_pktmbuf_copy(held[i], w->dp->txpool, 0, UINT32_MAX);

		if (cp != NULL) {
			rewrite(cp, L4_OFF, f->lip, f->server_ip, f->lport, f->server_port,
				f->c2s_ip_delta, f->c2s_l4_delta);
			tcp_ack_sub(cp, L4_OFF, t->delta);
			tx_to(w, cp, f->nh_server);
		}
		hold_again(w, f, idx, held[i]);
	}
}

/*
 * Server side of a TCP flow of a fail-safe service, before anything else: a
 * RST or FIN before any answer to a held request is a failure (the client
 * never sees it), the new server's SYN-ACK completes a splice, and a spliced
 * connection's sequence numbers are translated. Returns 0 when <m> was
 * consumed.
 */
static int
tcp_fs_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	      const struct pkt_meta *pm)
{
	struct nc_tcpfs *t = &w->tfs[idx];
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
							       pm->l4_off);
	uint8_t fl = th->tcp_flags;

	if (unlikely(t->flags & NC_TFS_SPLICING)) {
		if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) &&
		    rte_be_to_cpu_32(th->recv_ack) == t->req_seq) {
			splice_complete(w, f, idx, rte_be_to_cpu_32(th->sent_seq));
		} else if (fl & RTE_TCP_RST_FLAG) {
			rte_pktmbuf_free(m);
			failover(w, idx, NC_FO_SERVER_RESET);
			return 0;
		}
		rte_pktmbuf_free(m);
		return 0;
	}
	if (unlikely(fl & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)) && pm->pay == 0 &&
	    !(t->flags & NC_TFS_RESP) && w->txc[2 * idx] != NC_TX_NONE) {
		rte_pktmbuf_free(m);
		failover(w, idx, NC_FO_SERVER_RESET);
		return 0;
	}
	/* a keep-alive connection closed by its server between two requests:
	 * acknowledge the FIN, keep it from the client, move its next request */
	if (unlikely((fl & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_FIN_FLAG) && pm->pay == 0 &&
	    f->state == NC_FLOW_EST && !(f->fin & NC_FLOW_FIN_C) &&   /* not an answer to the client's */
	    (t->flags2 & NC_TFS2_KEEP) && (t->flags & NC_TFS_RESP_LEN) &&
	    !tfs_resp_incomplete(t) && w->txc[2 * idx] == NC_TX_NONE) {
		if (!(t->flags2 & NC_TFS2_SRV_FIN)) {
			t->flags2 |= NC_TFS2_SRV_FIN;
			w->st.svc[f->svc].fs_fin_kept++;
		}
		tcp_send(w, f, 1, RTE_TCP_ACK_FLAG, rte_be_to_cpu_32(th->recv_ack),
			 rte_be_to_cpu_32(th->sent_seq) + 1, 0);
		rte_pktmbuf_free(m);
		return 0;
	}
	/* a server resetting a connection whose response had begun: it cannot
	 * move; the RST reaches the client and is counted as a reset */
	if (unlikely(fl & RTE_TCP_RST_FLAG) && (t->flags & NC_TFS_RESP))
		w->st.svc[f->svc].fs_resets++;
	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) &&
	    !(t->flags & NC_TFS_SYNACK)) {
		t->srv_isn = rte_be_to_cpu_32(th->sent_seq);
		t->srv_next = t->srv_isn + 1;
		t->flags |= NC_TFS_SYNACK;
	}
	if (t->flags & NC_TFS_SPLICED)
		tcp_seq_add(m, pm->l4_off, t->delta);
	if (pm->pay != 0) {
		uint32_t seq = rte_be_to_cpu_32(th->sent_seq);   /* client's view */

		if (!(t->flags & NC_TFS_RESP)) {
			t->flags |= NC_TFS_RESP;
			http_resp_start(t, m, pm, seq);
		}
		if (nc_seq_lt(t->srv_next, seq + pm->pay))
			t->srv_next = seq + pm->pay;
	}
	return 1;
}

/* The server of a flow holding requests is unreachable: fail over now. */
void
nc_fs_unreach(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	int32_t idx = nc_flow_by_lport(w->flows, pm->lip, pm->lport);
	const struct nc_flow *f;

	if (idx < 0 || w->txc == NULL) {
		drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
		return;
	}
	f = nc_flow_at(w->flows, (uint32_t)idx);
	/* something held moves; a connection whose response had begun is
	 * reset cleanly (failover gives it up); otherwise nothing to do */
	if (f->server_ip != pm->key.src_ip || f->server_port != pm->key.src_port ||
	    f->key.proto != pm->key.proto || !w->dp->svc[f->svc].failsafe ||
	    (w->txc[2 * (uint32_t)idx] == NC_TX_NONE &&
	     (f->key.proto != IPPROTO_TCP || !(w->tfs[idx].flags & NC_TFS_RESP)))) {
		drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
		return;
	}
	rte_pktmbuf_free(m);
	failover(w, (uint32_t)idx, NC_FO_UNREACHABLE);
}

/* Tell the control lcore about a fail-over (it logs and marks the server down). */
static void
failover_report(struct nc_worker *w, const struct nc_flow *f, uint8_t from, uint8_t to, uint8_t why)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_FAILOVER, .worker = (uint8_t)w->id,
				  .ip = f->key.src_ip };

	msg.ev = (struct nc_failover_ev){ .svc = f->svc, .from = from, .to = to, .why = why,
					  .cport = f->key.src_port, .proto = f->key.proto };
	/* a full ring loses the log line only; the fail-over itself happened */
	rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg));
}

/*
 * The server of flow <idx> failed a held request: move the flow (and its
 * client's affinity) to the next up server of the schedule and send it every
 * held request again, held anew; or, with no server left or max_replays
 * reached, give the flow up and close it.
 */
static void
failover(struct nc_worker *w, uint32_t idx, uint8_t why)
{
	struct nc_dp *dp = w->dp;
	struct nc_flow *f = nc_flow_at(w->flows, idx);
	const struct nc_dp_svc *svc = &dp->svc[f->svc];
	const struct nc_schedule *s = nc_sched_get(dp->sched_slot[f->svc]);
	struct rte_mbuf *held[NC_REPLAY_MAX], *more[NC_REPLAY_MAX];
	uint32_t *head = &w->txc[2 * idx], *tail = head + 1;
	unsigned int replays = f->mon >> NC_FLOW_REPLAY_SHIFT, n, k, i;
	struct nc_tcpfs *t = f->key.proto == IPPROTO_TCP ? &w->tfs[idx] : NULL;
	uint8_t from = f->server;
	int to = -1;

	/* part of the response reached the client: the rest cannot come from
	 * another server, so never a mixed response: give up */
	if (t != NULL && (t->flags & (NC_TFS_RESP | NC_TFS_UNSAFE)))
		replays = svc->max_replays;
	if (replays < svc->max_replays && s != NULL && s->n_slots != 0) {
		uint32_t *cur = &w->sched_cursor[f->svc];

		for (i = 0; i < s->n_slots && to < 0; i++) {
			uint16_t c;

			if (*cur >= s->n_slots)
				*cur = 0;
			c = s->slot[(*cur)++];
			if (c != from && s->server[c].up && s->server[c].weight != 0)   /* not drained */
				to = c;
		}
	}
	/* UDP with no other server up: the datagram or its answer may just have
	 * been lost, so it goes to the same server again rather than nowhere
	 * (TCP retransmits by itself; a second connection could repeat it). A
	 * request held back from a connection its server closed never reached
	 * it: a new connection to the same server is as good as another. */
	if (to < 0 && (t == NULL || why == NC_FO_SERVER_CLOSED) && replays < svc->max_replays &&
	    s != NULL && from < s->n_servers && s->server[from].up)
		to = from;
	if (t != NULL)
		t->flags2 &= (uint8_t)~NC_TFS2_SRV_FIN;   /* that connection is gone either way */
	n = nc_txstore_take(w->txs, head, tail, held, NC_REPLAY_MAX);
	srv_stats(w, f)->fs_unheld += n;
	while ((k = nc_txstore_take(w->txs, head, tail, more, NC_REPLAY_MAX)) != 0) {
		rte_pktmbuf_free_bulk(more, k);   /* beyond what one replay carries */
		w->st.svc[f->svc].fs_store_full += k;
		srv_stats(w, f)->fs_unheld += k;
	}
	/* A TCP request whose server is the only one up and merely slow (or
	 * lost a segment: TCP retransmits by itself): a timeout alone is no
	 * reason to break the connection, as it is no reason to take the last
	 * server down. It waits again, held. */
	if (to < 0 && t != NULL && why == NC_FO_TIMEOUT && !(t->flags & (NC_TFS_RESP | NC_TFS_UNSAFE)) &&
	    replays < svc->max_replays && s != NULL && from < s->n_servers && s->server[from].up) {
		for (i = 0; i < n; i++)
			hold_again(w, f, idx, held[i]);
		w->st.svc[f->svc].fs_waited++;
		return;
	}
	if (to < 0) {
		srv_stats(w, f)->failed_over++;
		rte_pktmbuf_free_bulk(held, n);
		/* reset the client cleanly: RST at the sequence number it expects
		 * next, past every server byte forwarded to it */
		if (t != NULL && (t->flags & NC_TFS_SYNACK))
			tcp_send(w, f, 0, RTE_TCP_RST_FLAG, t->srv_next, 0, 0);
		else if (t != NULL)
			tcp_send(w, f, 0, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, t->c_isn + 1, 0);
		w->st.svc[f->svc].fs_resets++;
		failover_report(w, f, from, NC_FAILOVER_RESET, why);
		flow_close(w, (int32_t)idx);
		return;
	}
	/* the flow now belongs to <to>: per-server open flows follow it */
	srv_stats(w, f)->flows_closed++;
	if (why != NC_FO_SERVER_CLOSED)
		srv_stats(w, f)->failed_over++;
	w->st.svc[f->svc].server_flows[to]++;
	f->server = (uint8_t)to;
	f->server_ip = s->server[to].addr;
	f->server_port = s->server[to].port;
	f->nh_server = s->server[to].nh;
	nc_flow_set_deltas(f);
	f->mon = (uint8_t)(((replays + 1) << NC_FLOW_REPLAY_SHIFT) | (f->mon & NC_FLOW_REQ));
	f->req_us = w->now_us;
	if (svc->persist_ms != 0)
		nc_affinity_set(w->aff, f->key.src_ip, f->svc, f->server, w->now_ms + svc->persist_ms);
	if (t != NULL && (t->flags & NC_TFS_SYNACK)) {
		/* the client is connected: open a connection to the new server
		 * with its initial sequence number; the held bytes follow the
		 * new server's SYN-ACK (splice_complete) */
		for (i = 0; i < n; i++)
			hold_again(w, f, idx, held[i]);
		t->flags = (uint8_t)((t->flags & ~NC_TFS_SPLICED) | NC_TFS_SPLICING);
		tcp_send(w, f, 1, RTE_TCP_SYN_FLAG, t->req_seq - 1, 0, t->mss);
		w->st.svc[f->svc].fs_replays += n;
		failover_report(w, f, from, (uint8_t)to, why);
		return;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *cp = rte_pktmbuf_copy(held[i], dp->txpool, 0, UINT32_MAX);

		if (cp != NULL) {
			rewrite(cp, (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr)),
				f->lip, f->server_ip, f->lport, f->server_port, f->c2s_ip_delta,
				f->c2s_l4_delta);
			tx_to(w, cp, f->nh_server);
		}
		hold_again(w, f, idx, held[i]);
	}
	w->st.svc[f->svc].fs_replays += n;
	failover_report(w, f, from, (uint8_t)to, why);
}

/*
 * Flows of a server the monitor took down: those holding requests replay them
 * now; an HTTP connection whose response is known incomplete (its end read
 * from the header block not reached) is given up, its client reset cleanly,
 * since nothing else would tell it. Any other connection whose response has
 * begun is left alone: at L4 an idle keep-alive connection after a complete
 * response looks the same, and its next request can still move.
 */
static unsigned int
failsafe_server_down(struct nc_worker *w)
{
	uint32_t i, slots = nc_flow_slots(w->flows);
	unsigned int n = 0;

	for (i = 0; i < slots; i++) {
		const struct nc_flow *f;
		const struct nc_schedule *s;

		if (w->txc[2 * i] == NC_TX_NONE &&
		    (w->tfs == NULL || !tfs_resp_incomplete(&w->tfs[i])))
			continue;
		f = nc_flow_at(w->flows, i);
		/* nothing held: a live connection the server has not closed */
		if (w->txc[2 * i] == NC_TX_NONE &&
		    (f->state != NC_FLOW_EST || (f->fin & NC_FLOW_FIN_S) ||
		     f->key.proto != IPPROTO_TCP || !w->dp->svc[f->svc].failsafe))
			continue;
		s = nc_sched_get(w->dp->sched_slot[f->svc]);
		if (s != NULL && f->server < s->n_servers && !s->server[f->server].up) {
			failover(w, i, NC_FO_SERVER_DOWN);
			n++;
		}
	}
	return n;
}

unsigned int
nc_worker_failsafe_poll(struct nc_worker *w)
{
	uint32_t gen, idx;
	unsigned int n = 0;

	if (w->txs == NULL)
		return 0;
	gen = __atomic_load_n(&w->dp->down_gen, __ATOMIC_ACQUIRE);
	if (unlikely(gen != w->down_gen)) {
		w->down_gen = gen;
		n += failsafe_server_down(w);
	}
	/* a bounded number per loop: forwarding goes on meanwhile */
	while (n < 32 && (idx = nc_txstore_expired(w->txs, w->now_ms)) != NC_TX_NONE) {
		failover(w, idx, NC_FO_TIMEOUT);
		n++;
	}
	return n;
}

int
nc_fs_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	if (pm->key.proto == IPPROTO_UDP) {
		hold_copy(w, f, m);
		return 1;
	}
	return tcp_fs_client(w, f, m, pm);
}

int
nc_fs_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	     const struct pkt_meta *pm)
{
	if (f->key.proto != IPPROTO_TCP)
		return 1;
	return tcp_fs_server(w, f, idx, m, pm);
}

void
nc_fs_server_answer(struct nc_worker *w, struct nc_flow *f, uint32_t idx, const struct rte_mbuf *m,
		    const struct pkt_meta *pm)
{
	uint32_t *c = &w->txc[2 * idx];
	unsigned int rel;

	/* answered: a reply, response data, or the SYN-ACK */
	if (*c == NC_TX_NONE ||
	    (f->key.proto == IPPROTO_TCP && pm->pay == 0 &&
	     !(rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->tcp_flags &
	       RTE_TCP_SYN_FLAG)))
		return;
	rel = nc_txstore_release(w->txs, c, c + 1);
	w->st.svc[f->svc].fs_released += rel;
	srv_stats(w, f)->fs_unheld += rel;
	f->mon &= (uint8_t)~(0x1fu << NC_FLOW_REPLAY_SHIFT);   /* max_replays is per request */
}

void
nc_fs_on_close(struct nc_worker *w, const struct nc_flow *f)
{
	uint32_t *c = &w->txc[2 * nc_flow_index(w->flows, f)];

	if (*c != NC_TX_NONE)
		srv_stats(w, f)->fs_unheld += nc_txstore_release(w->txs, c, c + 1);
	/* nothing of it for the next flow in its place (a pending splice
	 * would swallow that one's SYN-ACK) */
	if (w->tfs != NULL)
		w->tfs[nc_flow_index(w->flows, f)].flags = 0;
}
