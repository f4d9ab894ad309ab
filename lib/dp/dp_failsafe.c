/* SPDX-License-Identifier: BSD-3-Clause
 * The transaction fail-safe: every request held until its server answers,
 * replayed on another server when that one fails (UDP: the datagrams again;
 * TCP: the SYN before the handshake, a connection to the new server spliced
 * onto the client's after it). What a TCP request is comes from the protocol:
 * HTTP/1.x is framed in both directions (lib/http), anything else is opaque
 * and only its first flight is held (dp_failsafe.h). A failure is a request
 * owed an answer that got none: no answer within the response limit, a reset
 * or a close by the server after it had the request, an ICMP unreachable, or
 * the monitor taking the server down. What is normal for the protocol - a
 * server closing an idle connection, answering before a body is in, a
 * one-way stream - is never one.
 *
 * Runs on the worker owning the flow, through the hooks its legs call; the
 * same rule as the fast path: no lock, no heap allocation, no log, no
 * syscall per packet (held copies come from a mempool), every drop a counter.
 */
#include <rte_cycles.h>

#include "dp_failsafe.h"
#include "dp_client_addr.h"
#include "dp_synproxy.h"
#include "dp_v6.h"

#define NC_REPLAY_MAX 64    /* UDP: held datagrams of one flow replayed at once */
#define NC_RESEND_MS  200   /* replaying: unacknowledged held bytes go again after this */
#define NC_SYN_RESEND_MS 1000   /* a splice's SYN unanswered goes again, as TCP's first RTO (RFC 6298) */
#define NC_RST_HOLE_MAX (1u << 30)   /* a client acknowledgement this far behind is its own, not stale */

static void failover(struct nc_worker *w, uint32_t idx, uint8_t why);
static void move_resume(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t);

/* ------------------------------------------------------------ segments */

static inline struct rte_tcp_hdr *
tcp_hdr_of(const struct rte_mbuf *m, uint16_t l4_off)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
}

/* A held copy's place in the client's stream: its first sequence number and
 * how many it takes (payload, and one each for a SYN and a FIN). Held copies
 * are frames as they arrived: IPv4 without options, IPv6 without extension
 * headers. */
static inline void
seg_range(const struct rte_mbuf *m, uint32_t *seq, uint32_t *len)
{
	const struct rte_tcp_hdr *th = tcp_hdr_of(m, held_l4_off(m));

	*seq = rte_be_to_cpu_32(th->sent_seq);
	*len = held_l4_len(m) - (uint32_t)(th->data_off >> 4) * 4u +
		!!(th->tcp_flags & RTE_TCP_SYN_FLAG) + !!(th->tcp_flags & RTE_TCP_FIN_FLAG);
}

/* The TCP payload of <m> as far as its first segment holds it: <*n> bytes
 * (0 for none), never past the mbuf's data. */
static inline const uint8_t *
tcp_payload(const struct rte_mbuf *m, uint16_t l4_off, uint16_t pay, uint32_t *n)
{
	const struct rte_tcp_hdr *th = tcp_hdr_of(m, l4_off);
	uint32_t off = (uint32_t)l4_off + (uint32_t)(th->data_off >> 4) * 4u;
	uint32_t dl = rte_pktmbuf_data_len(m);

	*n = off < dl ? RTE_MIN((uint32_t)pay, dl - off) : 0;
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
}

/* Set a segment's acknowledgement number (host order <ack>), checksum updated. */
static inline void
tcp_ack_set(struct rte_mbuf *m, uint16_t l4_off, uint32_t ack)
{
	struct rte_tcp_hdr *th = tcp_hdr_of(m, l4_off);
	uint32_t old = th->recv_ack;

	th->recv_ack = rte_cpu_to_be_32(ack);
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->recv_ack));
}

static uint32_t
sack_edge_to_server(uint32_t edge, const void *delta)
{
	return nc_seq_to_server(edge, *(const uint32_t *)delta);
}

/* A spliced connection's client acknowledgement, and its SACK blocks, into
 * the new server's space. */
static inline void
tcp_ack_sub(struct rte_mbuf *m, uint16_t l4_off, uint32_t delta)
{
	struct rte_tcp_hdr *th = tcp_hdr_of(m, l4_off);

	tcp_ack_set(m, l4_off, nc_seq_to_server(rte_be_to_cpu_32(th->recv_ack), delta));
	if (unlikely(th->data_off > 0x50))
		tcp_sack_map(th, sack_edge_to_server, &delta);
}

/* A replayed copy's SACK blocks become NOPs: they name bytes of the server
 * the client had then, none the new server sent (TCP checksum afresh). */
static void
tcp_sack_drop(struct rte_mbuf *m, struct rte_tcp_hdr *th)
{
	int changed = 0;
	uint8_t *o;

	for (o = tcp_opt_at(th, (uint8_t *)(th + 1)); o != NULL; o = tcp_opt_at(th, o + o[1])) {
		if (o[0] == 5) {
			memset(o, 1, o[1]);   /* o[1] now 1: the walk goes on past it */
			changed = 1;
		}
	}
	if (changed) {
		th->cksum = 0;
		th->cksum = held_l4_cksum(m, th);
	}
}

/* A spliced connection's server sequence number into the client's view. */
static inline void
tcp_seq_add(struct rte_mbuf *m, uint16_t l4_off, uint32_t delta)
{
	struct rte_tcp_hdr *th = tcp_hdr_of(m, l4_off);
	uint32_t old = th->sent_seq;

	th->sent_seq = rte_cpu_to_be_32(nc_seq_to_client(rte_be_to_cpu_32(old), delta));
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->sent_seq));
}

/* Take <flags> off a segment (checksum adjusted). */
static inline void
tcp_flags_clear(struct rte_mbuf *m, uint16_t l4_off, uint8_t flags)
{
	struct rte_tcp_hdr *th = tcp_hdr_of(m, l4_off);
	uint16_t old, new;

	/* data_off and tcp_flags: one 16-bit word of the checksum */
	memcpy(&old, &th->data_off, sizeof(old));
	th->tcp_flags &= (uint8_t)~flags;
	memcpy(&new, &th->data_off, sizeof(new));
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta16(old, new));
}

/*
 * The client's SYN on a fail-safe service: window scale and timestamp
 * options become NOPs (a second server could not keep what the first one
 * agreed to: its scale, its clock); its MSS and SACK-permitted are noted and
 * kept (a move's SYN asks for SACK again; its blocks are translated like
 * acknowledgements). Once per connection: the TCP checksum is computed
 * afresh.
 */
static void
tcp_syn_strip(struct rte_mbuf *m, uint16_t l4_off, uint16_t *mss, int *sack)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	int changed = 0;
	uint8_t *o;

	*mss = 0;
	*sack = 0;
	for (o = tcp_opt_at(th, (uint8_t *)(th + 1)); o != NULL; o = tcp_opt_at(th, o + o[1])) {
		if (o[0] == 2 && o[1] == 4) {
			*mss = (uint16_t)(o[2] << 8 | o[3]);
		} else if (o[0] == 4 && o[1] == 2) {
			*sack = 1;
		} else if (o[0] == 3 || o[0] == 4 || o[0] == 8) {
			memset(o, 1, o[1]);
			changed = 1;
		}
	}
	if (changed) {
		th->cksum = 0;
		th->cksum = held_l4_cksum(m, th);
	}
}

/* Send a bare TCP segment of flow <f> (no data): to its server from the local
 * IP, or to its client from the VIP. From the fail-safe's own pool. <seq> in
 * the flow's own numbering (<wire>: as it goes on the wire, untranslated). */
static void
tcp_segment(struct nc_worker *w, const struct nc_flow *f, int to_server, uint8_t flags,
	    uint32_t seq, uint32_t ack, uint16_t mss, int sackp, int wire)
{
	uint16_t opt = (uint16_t)((mss != 0 ? 4 : 0) + (sackp ? 4 : 0));
	uint16_t tlen = (uint16_t)(sizeof(struct rte_tcp_hdr) + opt);
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->dp->txpool);
	struct rte_tcp_hdr *th;

	if (unlikely(nc_flow_is_v6(f)) && !(to_server && nc_flow_is_64(f))) {
		/* IPv6 on this leg: an IPv6 flow's, or a NAT64 flow's client's */
		const struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));

		th = nc_own_tcp6_frame(m, (uint16_t)(L4_OFF6 + tlen), tlen, to_server ? a->lip : a->vip,
				       to_server ? a->server : a->client);
	} else {
		th = to_server ? nc_own_tcp_frame(m, (uint16_t)(L4_OFF + tlen), tlen, f->lip, f->server_ip) :
				 nc_own_tcp_frame(m, (uint16_t)(L4_OFF + tlen), tlen, f->key.dst_ip,
						  f->key.src_ip);
	}
	if (unlikely(th == NULL)) {
		w->st.svc[f->svc].fs_store_full++;
		return;
	}
	if (to_server) {
		th->src_port = f->lport;
		th->dst_port = f->server_port;
	} else {
		th->src_port = f->key.dst_port;
		th->dst_port = f->key.src_port;
	}
	/* the server's view of the client's stream, past a PROXY header */
	if (!wire && to_server && !(flags & RTE_TCP_SYN_FLAG))
		seq = nc_ca_seq_out(w, f, seq);
	/* a proxied connection's client numbers the server's stream from its cookie */
	if (!wire && !to_server && unlikely(nc_sp_flow(w, f, flow_idx(w, f))))
		seq = nc_sp_seq_to_client(w, flow_idx(w, f), seq);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + opt) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	if (opt != 0) {
		uint8_t *o = (uint8_t *)(th + 1);

		if (mss != 0) {
			o[0] = 2;
			o[1] = 4;
			o[2] = (uint8_t)(mss >> 8);
			o[3] = (uint8_t)mss;
			o += 4;
		}
		if (sackp) {
			o[0] = 1;   /* as Linux lays it without timestamps */
			o[1] = 1;
			o[2] = 4;
			o[3] = 2;
		}
	}
	th->cksum = held_l4_cksum(m, th);
	if (!(flags & RTE_TCP_RST_FLAG))
		seq_sent(seq_of(w, f), to_server ? NC_SEQ_TO_SERVER : NC_SEQ_TO_CLIENT, seq,
			 !!(flags & RTE_TCP_SYN_FLAG) + !!(flags & RTE_TCP_FIN_FLAG),
			 flags & RTE_TCP_SYN_FLAG);
	tx_to(w, m, to_server ? f->nh_server : f->nh_client);
}

static inline void
tcp_send(struct nc_worker *w, const struct nc_flow *f, int to_server, uint8_t flags,
	 uint32_t seq, uint32_t ack, uint16_t mss)
{
	tcp_segment(w, f, to_server, flags, seq, ack, mss, 0, 0);
}

/* A move's SYN to the new server: from the byte before the connection's
 * first, with the client's MSS and, if the client and its first server
 * agreed it, SACK-permitted. */
static inline void
splice_syn(struct nc_worker *w, const struct nc_flow *f, const struct nc_tcpfs *t)
{
	tcp_segment(w, f, 1, RTE_TCP_SYN_FLAG, t->sp_client - 1, 0, t->mss, !!(t->flags & NC_TFS_SACK), 0);
}

/* ------------------------------------------------------------ holding */

/* Keep a private copy of the client's packet <m> of flow <idx> (as it
 * arrived) until the server answers, after held entry <prev> (the chain's
 * tail as it comes; NC_TX_NONE: first). Returns 0, or -1 when the store or
 * the copy pool is full (counted): <m> still goes on, unprotected. */
static int
hold_after(struct nc_worker *w, struct nc_flow *f, uint32_t idx, const struct rte_mbuf *m,
	   uint32_t prev)
{
	uint32_t *c = &w->txc[2 * idx];
	struct rte_mbuf *cp = rte_pktmbuf_copy(m, w->dp->txpool, 0, UINT32_MAX);

	if (unlikely(cp == NULL) ||
	    unlikely(nc_txstore_hold_after(w->txs, idx, cp,
					   w->now_ms + w->tb->svc[f->svc].resp_timeout_ms, c, c + 1,
					   prev) != 0)) {
		rte_pktmbuf_free(cp);
		w->st.svc[f->svc].fs_store_full++;
		return -1;
	}
	w->st.svc[f->svc].fs_held++;
	srv_stats(w, f)->fs_held++;
	if (f->key.proto == IPPROTO_UDP)   /* a survivor replays it if we die */
		sync_held(w, f, cp, w->tb->svc[f->svc].resp_timeout_ms);
	return 0;
}

static inline int
hold(struct nc_worker *w, struct nc_flow *f, uint32_t idx, const struct rte_mbuf *m)
{
	return hold_after(w, f, idx, m, w->txc[2 * idx + 1]);
}

static inline int
holding(const struct nc_worker *w, uint32_t idx)
{
	return w->txc[2 * idx] != NC_TX_NONE;
}

/* Let go of everything flow <idx> holds; <answered>: because its server answered. */
static void
release_all(struct nc_worker *w, struct nc_flow *f, uint32_t idx, int answered)
{
	uint32_t *c = &w->txc[2 * idx];
	unsigned int n;

	if (f->key.proto == IPPROTO_TCP) {
		struct nc_tcpfs *t = &w->tfs[idx];

		t->held = 0;
		t->flags &= (uint16_t)~NC_TFS_REPLAYING;
		if (unlikely(t->flags & NC_TFS_STALL)) {
			/* the bytes past a stall go unread: no framing from here
			 * (counted by the caller's reason: abandoned, unframed...) */
			t->flags &= (uint16_t)~NC_TFS_STALL;
			if (t->mode == NC_FSM_HTTP) {
				t->mode = NC_FSM_PLAIN;
				t->q_n = 0;
			}
		}
	}
	if (*c == NC_TX_NONE)
		return;
	n = nc_txstore_release(w->txs, c, c + 1);
	if (answered)
		w->st.svc[f->svc].fs_released += n;
	srv_stats(w, f)->fs_unheld += n;
}

/* Flow <idx> lies on a peer's local IP that this dispatcher does not hold
 * (given back, or held by another survivor): its server's answers go to
 * that dispatcher, so nothing of it is held here; what was held goes, and a
 * TCP connection is plain full NAT (with its splice's translation). */
static void
foreign(struct nc_worker *w, struct nc_flow *f, uint32_t idx)
{
	release_all(w, f, idx, 0);
	if (f->key.proto == IPPROTO_TCP)
		w->tfs[idx].mode = NC_FSM_PLAIN;
}

struct upto {
	uint32_t end;
	uint32_t bytes;
};

static int
seg_within(const struct rte_mbuf *m, void *arg)
{
	struct upto *u = arg;
	uint32_t seq, len;

	seg_range(m, &seq, &len);
	if (!nc_seq_le(seq + len, u->end))
		return 0;
	u->bytes += len;
	return 1;
}

/* The server answered what lies before client byte <end>: let go of the
 * held segments that end there or before. */
static void
release_upto(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t, uint32_t end)
{
	uint32_t *c = &w->txc[2 * idx];
	struct upto u = { end, 0 };
	unsigned int n = nc_txstore_release_while(w->txs, c, c + 1, seg_within, &u);

	w->st.svc[f->svc].fs_released += n;
	srv_stats(w, f)->fs_unheld += n;
	t->held = *c == NC_TX_NONE ? 0 : t->held - RTE_MIN(u.bytes, t->held);
	if (t->flags & NC_TFS_REPLAYING) {
		/* the replay's place may be gone: it goes on from the head (the
		 * server drops what it has twice) */
		t->rp_slot = *c;
		if (*c == NC_TX_NONE)
			t->flags &= (uint16_t)~NC_TFS_REPLAYING;
	}
}

/* ------------------------------------------------------------ replay */

/* A held copy of flow <f>'s client packet, rewritten for the flow's server as
 * its leg does it; where its L4 header is now. */
static inline uint16_t
fs_to_server(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *cp)
{
	if (unlikely(nc_flow_is_v6(f)))
		return nc_v6_to_server(w, f, cp);
	rewrite(cp, L4_OFF, f->lip, f->server_ip, f->lport, f->server_port, f->c2s_ip_delta,
		f->c2s_l4_delta);
	return L4_OFF;
}

/* Send held copy <h> to the flow's (new) server as the client's, with the
 * client's latest acknowledgement in that server's space. */
static void
replay_one(struct nc_worker *w, const struct nc_flow *f, const struct nc_tcpfs *t,
	   const struct rte_mbuf *h)
{
	struct rte_mbuf *cp = rte_pktmbuf_copy(h, w->dp->txpool, 0, UINT32_MAX);
	const struct rte_tcp_hdr *th;
	uint16_t off;
	uint32_t len;

	if (unlikely(cp == NULL)) {
		w->st.svc[f->svc].fs_store_full++;
		return;
	}
	off = fs_to_server(w, f, cp);
	if (tcp_hdr_of(cp, off)->tcp_flags & RTE_TCP_ACK_FLAG)
		tcp_ack_set(cp, off, nc_seq_to_server(t->c_ack, t->delta));
	if (unlikely(tcp_hdr_of(cp, off)->data_off > 0x50))
		tcp_sack_drop(cp, tcp_hdr_of(cp, off));
	/* its PROXY shift, or TOA if it starts the (new) connection's bytes */
	if (unlikely(f->ca != NC_CA_NONE))
		nc_ca_replayed(w, f, cp, (t->flags & NC_TFS_SPLICED) ? t->sp_client : t->c_isn + 1);
	th = tcp_hdr_of(cp, off);
	len = held_l4_len(cp) - (uint32_t)(th->data_off >> 4) * 4u +
	      !!(th->tcp_flags & RTE_TCP_SYN_FLAG) + !!(th->tcp_flags & RTE_TCP_FIN_FLAG);
	/* the held SYN again opens the server connection */
	seq_sent(seq_of(w, f), NC_SEQ_TO_SERVER, rte_be_to_cpu_32(th->sent_seq), len,
		 th->tcp_flags & RTE_TCP_SYN_FLAG);
	tx_to(w, cp, f->nh_server);
}

/* Client segment <m> (<seq>, its payload <pay> bytes) goes on to the server
 * of a moved connection, its acknowledgement in that server's space. One
 * that begins before the connection's start (a late copy, a resend of
 * bytes from before the move) goes under PROXY or TOA as a replayed copy
 * would, without those bytes (nc_ca_replayed: under PROXY they would lie
 * where the header goes); without either its server's TCP drops them as
 * old. Returns 1 when <m> goes on through the leg, 0 when it went here. */
static int
moved_pass(struct nc_worker *w, const struct nc_flow *f, const struct nc_tcpfs *t,
	   struct rte_mbuf *m, uint16_t l4_off, uint32_t seq, uint32_t pay)
{
	if (likely(f->ca == NC_CA_NONE) || pay == 0 || !nc_seq_lt(seq, t->sp_client)) {
		tcp_ack_sub(m, l4_off, t->delta);
		return 1;
	}
	replay_one(w, f, t, m);
	rte_pktmbuf_free(m);
	return 0;
}

/* Send the held bytes the new server's window takes, in the order they were
 * held, from where the replay stands; once all have gone and the new server
 * acknowledged them, the client's own segments go straight through again. */
static void
replay_push(struct nc_worker *w, struct nc_flow *f, struct nc_tcpfs *t)
{
	uint32_t limit = t->s_ack + t->s_win, slot = t->rp_slot, next, seq, len;

	while (slot != NC_TX_NONE) {
		const struct rte_mbuf *h = nc_txstore_at(w->txs, slot, &next);

		seg_range(h, &seq, &len);
		if (!nc_seq_lt(seq, limit))
			break;
		/* what ends before the new connection starts was answered,
		 * what the new server acknowledged it has */
		if (nc_seq_lt(t->sp_client, seq + len) && nc_seq_lt(t->s_ack, seq + len)) {
			replay_one(w, f, t, h);
			if (nc_seq_lt(t->rp_end, seq + len))
				t->rp_end = seq + len;
		}
		slot = next;
	}
	t->rp_slot = slot;
	/* all sent and acknowledged: the client's segments go straight again */
	if (slot == NC_TX_NONE && nc_seq_le(t->rp_end, t->s_ack))
		t->flags &= (uint16_t)~NC_TFS_REPLAYING;
}

/* The new server lost a replayed segment: send again the one holding byte
 * <seq>, and the rest from there as its window allows. */
static void
replay_resend(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	t->rp_slot = w->txc[2 * idx];
	t->flags |= NC_TFS_REPLAYING;
	t->dupacks = 0;
	t->rp_ms = w->now_ms;
	replay_push(w, f, t);
}

/* ------------------------------------------------------------ flow sync */

/*
 * q[0] of TCP flow <idx> is complete and held: the peers get its bytes,
 * gathered from the held segments, and where the connection stands, so a
 * survivor can move it to another server if its own fails before the
 * answer. Once per request; one larger than a record carries is not sent
 * (its connection is plain full NAT on a survivor); one with a hole is sent
 * once its bytes are held (the next held segment tries again).
 */
static void
sync_tcp_held(struct nc_worker *w, const struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	struct nc_fs_req *r = &t->q[0];
	uint32_t len = r->end - r->start, got = 0, slot, ttl;
	const uint32_t limit = w->tb->svc[f->svc].resp_timeout_ms;
	struct nc_sync_tcp st;
	struct rte_mbuf *m;
	uint8_t *d;

	if (len == 0 || len > NC_SYNC_HELD_MAX || (m = rte_pktmbuf_alloc(w->dp->txpool)) == NULL) {
		r->flags |= NC_FSR_SYNCED;
		w->st.sync_held_skipped++;
		return;
	}
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	/* held segments are in the order they came: take each one's part of
	 * the request that continues what was gathered */
	for (slot = w->txc[2 * idx]; d != NULL && slot != NC_TX_NONE && got < len;) {
		const struct rte_mbuf *h = nc_txstore_at(w->txs, slot, &slot);
		uint32_t seq, n, k, at = r->start + got;
		const uint8_t *p;

		seg_range(h, &seq, &n);
		if (!nc_seq_le(seq, at) || !nc_seq_lt(at, seq + n))
			continue;
		p = tcp_payload(h, held_l4_off(h), (uint16_t)n, &k);
		if (k < at - seq)
			continue;
		k = RTE_MIN(k - (at - seq), len - got);
		memcpy(d + got, p + (at - seq), k);
		got += k;
	}
	if (got != len) {
		rte_pktmbuf_free(m);
		return;
	}
	r->flags |= NC_FSR_SYNCED;
	st = (struct nc_sync_tcp){ .start = r->start, .c_isn = t->c_isn, .srv_isn = t->srv_isn,
				   .s_next = t->s_next, .method = r->method, .minor = r->minor,
				   .hflags = r->hflags };
	ttl = (int32_t)(w->now_ms - t->owed_ms) < (int32_t)limit ? limit - (w->now_ms - t->owed_ms) : 0;
	nc_sync_emit(w, f, NC_SYNC_HELD, m, ttl, 0, &st);
	rte_pktmbuf_free(m);   /* the record has its own reference */
}

/* ------------------------------------------------------------ HTTP framing */

static inline int
fsr_held(const struct nc_fs_req *r)
{
	return !(r->flags & (NC_FSR_ANSWERED | NC_FSR_UNHELD));
}

/* The connection can no longer be followed (not HTTP after all, or more
 * pipelined than NC_FS_PIPE): plain full NAT from here, nothing held. */
static void
unframed(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	release_all(w, f, idx, 0);
	t->mode = NC_FSM_PLAIN;
	t->q_n = 0;
	w->st.svc[f->svc].fs_unframed++;
}

/* Nothing more of the requests in flight is held (past hold_limit_kb, or a
 * full store): they cannot move, counted once. */
static void
abandon(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	unsigned int i;

	for (i = 0; i < t->q_n; i++)
		if (!(t->q[i].flags & NC_FSR_ANSWERED))
			t->q[i].flags |= NC_FSR_UNHELD;
	release_all(w, f, idx, 0);
	if (t->mode == NC_FSM_OPAQUE)
		t->mode = NC_FSM_PLAIN;
	w->st.svc[f->svc].fs_abandoned++;
}

/* The client's bytes are not HTTP/1.x: with "auto" before anything was
 * answered, the connection is opaque and what is held is its first flight;
 * otherwise it is left unprotected. */
static void
req_error(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	if ((t->flags & NC_TFS_AUTO) && !(t->flags & NC_TFS_ANSWERED) && t->q_n <= 1 &&
	    (t->q_n == 0 || !(t->q[0].flags & (NC_FSR_DONE | NC_FSR_UNHELD)))) {
		t->mode = NC_FSM_OPAQUE;
		t->q_n = 0;
		w->st.svc[f->svc].fs_opaque++;
		return;
	}
	unframed(w, f, idx, t);
}

/* Feed the client's next <n> bytes at <p> (NULL: body bytes not shown) to
 * the request parser, from c_next on: requests begin, end, and say what
 * they are. */
static void
req_feed(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
	 const uint8_t *p, uint32_t n)
{
	const uint32_t base = t->c_next;
	uint32_t off = 0, used, i;
	struct nc_fs_req *r;

	while (t->mode == NC_FSM_HTTP) {
		enum nc_http_event ev = nc_http_feed(&t->req, p != NULL ? p + off : NULL, n - off, &used);

		off += used;
		if (ev == NC_HTTP_EV_MORE)
			break;
		r = t->q_n != 0 ? &t->q[t->q_n - 1] : NULL;
		switch (ev) {
		case NC_HTTP_EV_BEGIN:
			/* bytes after a CONNECT or Upgrade request before its
			 * answer, or more pipelined than followed */
			if ((t->flags & NC_TFS_WAIT) || t->q_n == NC_FS_PIPE) {
				unframed(w, f, idx, t);
				break;
			}
			r = &t->q[t->q_n++];
			memset(r, 0, sizeof(*r));
			r->start = base + off;
			/* behind a request that cannot move, none can; after the
			 * connection's last exchange, nothing is owed an answer
			 * (its server may close with it unread) */
			if (t->flags & NC_TFS_CLOSE)
				r->flags = NC_FSR_UNHELD;
			for (i = 0; i + 1 < t->q_n; i++)
				if ((t->q[i].flags & (NC_FSR_UNHELD | NC_FSR_ANSWERED)) == NC_FSR_UNHELD ||
				    (t->q[i].flags & NC_FSR_LAST))
					r->flags = NC_FSR_UNHELD;
			break;
		case NC_HTTP_EV_HEADERS:
			if (r == NULL)
				break;
			r->method = t->req.msg.method;
			r->minor = t->req.msg.minor;
			r->hflags = t->req.msg.flags;
			r->flags |= NC_FSR_HEAD;
			if ((r->hflags & NC_HTTP_F_CLOSE) ||
			    (r->minor == 0 && !(r->hflags & NC_HTTP_F_KEEP_ALIVE)))
				r->flags |= NC_FSR_LAST;
			if (r->method == NC_HTTP_M_CONNECT || (r->hflags & NC_HTTP_F_UPGRADE))
				t->flags |= NC_TFS_WAIT;
			break;
		case NC_HTTP_EV_END:
			if (r == NULL)
				break;
			r->end = base + off;
			r->flags |= NC_FSR_DONE;
			if (t->q_n == 1)
				t->owed_ms = w->now_ms;   /* the server owes its answer from now */
			break;
		default:
			req_error(w, f, idx, t);
			break;
		}
	}
	t->c_next = base + n;
}

/* Client bytes [seq, seq + len) belong to a request that is held. */
static int
req_wants(const struct nc_tcpfs *t, uint32_t seq, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < t->q_n; i++) {
		const struct nc_fs_req *r = &t->q[i];

		if (fsr_held(r) && nc_seq_lt(r->start, seq + len) &&
		    (!(r->flags & NC_FSR_DONE) || nc_seq_lt(seq, r->end)))
			return 1;
	}
	return 0;
}

/* A request is arriving whose first bytes were lost: the reading stalls at
 * its start (c_next) with none of it read, the bytes past the gap held.
 * Its server cannot have had it: it moves as a request does, from c_next. */
static inline int
head_stalled(const struct nc_tcpfs *t)
{
	return t->mode == NC_FSM_HTTP && t->q_n == 0 && (t->flags & NC_TFS_STALL);
}

/* Where a move's new connection starts in the client's stream: the first
 * request not answered (or arriving, its head lost), or the first byte. */
static inline uint32_t
move_start(const struct nc_tcpfs *t)
{
	if (t->mode != NC_FSM_HTTP)
		return t->c_isn + 1;
	return t->q_n != 0 ? t->q[0].start : t->c_next;
}

/* Some request is held and unanswered (a FIN after it belongs with it). */
static int
req_pending(const struct nc_tcpfs *t)
{
	unsigned int i;

	for (i = 0; i < t->q_n; i++)
		if (fsr_held(&t->q[i]))
			return 1;
	return 0;
}

/* The final response to q[0] began reaching the client: its held bytes go;
 * answered before its last byte came (early), the rest is not held. */
static void
req_answered(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	struct nc_fs_req *r = &t->q[0];

	if (!(r->flags & NC_FSR_DONE) && !(r->flags & NC_FSR_UNHELD))
		w->st.svc[f->svc].fs_early++;
	if (!(r->flags & NC_FSR_DONE))
		r->flags |= NC_FSR_UNHELD;
	r->flags |= NC_FSR_ANSWERED;
	t->move_wait = 0;   /* a move that waited is no longer owed */
	if (r->flags & NC_FSR_SYNCED)
		sync_release(w, f);
	if (t->q_n > 1)
		release_upto(w, f, idx, t, t->q[1].start);
	else if (unlikely(t->flags & NC_TFS_STALL))
		release_upto(w, f, idx, t, t->c_next);   /* what lies past it is unread yet */
	else
		release_all(w, f, idx, 1);
	f->mon &= (uint8_t)~(0x1fu << NC_FLOW_REPLAY_SHIFT);   /* max_replays is per request */
}

/* A response's header block was read: an interim one, the final one (q[0]
 * is answered; the connection persists or not), or the end of HTTP here. */
static void
resp_headers(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	const struct nc_http_msg *msg = &t->resp.msg;
	struct nc_fs_req *r = &t->q[0];
	struct nc_http_msg rq = { .method = r->method, .minor = r->minor, .flags = r->hflags };

	if (msg->status < 200 && msg->body != NC_HTTP_BODY_TUNNEL) {
		r->flags |= NC_FSR_INTERIM;
		return;
	}
	req_answered(w, f, idx, t);
	t->flags &= (uint16_t)~NC_TFS_WAIT;
	if (msg->body == NC_HTTP_BODY_TUNNEL) {
		/* 101 or a CONNECT's 2xx: what follows is not HTTP */
		release_all(w, f, idx, 1);
		t->mode = NC_FSM_PLAIN;
		t->q_n = 0;
		return;
	}
	/* a request answered before its last byte cannot leave the connection
	 * clean for another: its server's FIN goes to the client */
	if (nc_http_persist(&rq, msg) && (r->flags & NC_FSR_DONE)) {
		t->flags &= (uint16_t)~NC_TFS_CLOSE;
	} else {
		unsigned int i;

		/* the last exchange: what the client sent after it is not owed */
		t->flags |= NC_TFS_CLOSE;
		for (i = 1; i < t->q_n; i++)
			t->q[i].flags |= NC_FSR_UNHELD;
		if (!req_pending(t))
			release_all(w, f, idx, 1);
	}
}

/* The final response to q[0] ended: the next request, if complete, is owed
 * its answer from now; with none left, a hole (in a request answered) is
 * no longer any request's. */
static void
resp_done(struct nc_worker *w, struct nc_tcpfs *t)
{
	memmove(&t->q[0], &t->q[1], (size_t)(t->q_n - 1) * sizeof(t->q[0]));
	t->q_n--;
	if (t->q_n != 0 && (t->q[0].flags & NC_FSR_DONE))
		t->owed_ms = w->now_ms;
	else if (t->q_n == 0)
		t->h_lo = t->h_hi;
}

/* Feed the server's next <n> bytes at <p> (NULL: body bytes not shown) to
 * the response parser, from s_next on. */
static void
resp_feed(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
	  const uint8_t *p, uint32_t n)
{
	uint32_t off = 0, used;

	while (t->mode == NC_FSM_HTTP) {
		enum nc_http_event ev = nc_http_feed(&t->resp, p != NULL ? p + off : NULL, n - off, &used);

		off += used;
		if (ev == NC_HTTP_EV_MORE)
			break;
		if (t->q_n == 0 && (ev == NC_HTTP_EV_BEGIN || ev == NC_HTTP_EV_ERROR)) {
			if ((t->flags & NC_TFS_AUTO) && t->c_next == t->c_isn + 1) {
				/* the server speaks first: not HTTP, and answered */
				release_all(w, f, idx, 1);
				t->mode = NC_FSM_PLAIN;
				w->st.svc[f->svc].fs_opaque++;
			} else {
				unframed(w, f, idx, t);   /* an answer nobody asked for */
			}
			break;
		}
		switch (ev) {
		case NC_HTTP_EV_BEGIN:
			nc_http_expect(&t->resp, t->q[0].method);
			break;
		case NC_HTTP_EV_HEADERS:
			resp_headers(w, f, idx, t);
			break;
		case NC_HTTP_EV_END:
			if (t->resp.msg.status >= 200)
				resp_done(w, t);
			break;
		default:
			/* an answer, if not one it can follow */
			release_all(w, f, idx, 1);
			unframed(w, f, idx, t);
			break;
		}
	}
	t->s_next += n;
}

/* Stalled at c_next: read on from the held copies of the client's bytes
 * past it, in the stream's order, as far as they go without a gap; the
 * stall ends when nothing held lies past what was read. */
static void
stall_read(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	uint32_t slot, next, s, len, top;
	int more = 1;

	while (more && t->mode == NC_FSM_HTTP && (t->flags & NC_TFS_STALL)) {
		more = 0;
		top = t->c_next;
		for (slot = w->txc[2 * idx]; slot != NC_TX_NONE && t->mode == NC_FSM_HTTP; slot = next) {
			const struct rte_mbuf *m = nc_txstore_at(w->txs, slot, &next);
			const struct rte_tcp_hdr *th = tcp_hdr_of(m, held_l4_off(m));
			uint32_t pay, got;
			const uint8_t *p;

			seg_range(m, &s, &len);
			pay = held_l4_len(m) - (uint32_t)(th->data_off >> 4) * 4u;
			if (nc_seq_lt(top, s + pay))
				top = s + pay;
			if (pay == 0 || !nc_seq_le(s, t->c_next) || !nc_seq_lt(t->c_next, s + pay))
				continue;
			p = tcp_payload(m, held_l4_off(m), (uint16_t)pay, &got);
			if (got != pay) {
				unframed(w, f, idx, t);   /* not in one buffer: not followed */
				return;
			}
			req_feed(w, f, idx, t, p + (t->c_next - s), s + pay - t->c_next);
			more = 1;
		}
		if (!nc_seq_lt(t->c_next, top))
			t->flags &= (uint16_t)~NC_TFS_STALL;
	}
	if (t->mode != NC_FSM_HTTP)   /* opaque after all, or not followed */
		t->flags &= (uint16_t)~NC_TFS_STALL;
}

/* The bytes [seq, seq + n) at <p> (client's view) of the client's stream, or
 * with <from_server> of the server's, to their parser: what was read already
 * is skipped; a gap before them is skipped as unseen body bytes when the
 * parser can go without them. The client's gap becomes the hole (another
 * widens it), held when its sender resends it: the server has the bytes
 * after it and tells the client what is missing (duplicate ACKs, SACK
 * blocks), where dropping them would leave the client only its
 * retransmission timer, backed off at each loss. A gap in client bytes the
 * framing needs stalls the reading (NC_TFS_STALL): the bytes past it go on
 * and are held, and are read from there once the gap fills. Returns 0 when
 * the segment must be dropped: a server's, past bytes the framing needs
 * (its sender resends it). */
static int
framed_read(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
	    int from_server, const uint8_t *p, uint32_t seq, uint32_t n)
{
	const struct nc_http_parser *hp = from_server ? &t->resp : &t->req;
	uint32_t next = from_server ? t->s_next : t->c_next;
	void (*feed)(struct nc_worker *, struct nc_flow *, uint32_t, struct nc_tcpfs *,
		     const uint8_t *, uint32_t) = from_server ? resp_feed : req_feed;

	if (nc_seq_lt(next, seq)) {
		if (!from_server && ((t->flags & NC_TFS_STALL) || nc_http_body_left(hp) < seq - next)) {
			/* read once the gap fills, from the held copy */
			if (t->h_lo == t->h_hi)
				t->h_lo = next;
			if (nc_seq_lt(t->h_hi, seq))
				t->h_hi = seq;
			t->flags |= NC_TFS_STALL;
			return 1;
		}
		if (nc_http_body_left(hp) < seq - next)
			return 0;
		if (!from_server) {
			/* another gap widens the hole over the bytes between */
			if (t->h_lo == t->h_hi)
				t->h_lo = next;
			t->h_hi = seq;
		}
		feed(w, f, idx, t, NULL, seq - next);
	} else if (nc_seq_le(seq + n, next)) {
		return 1;   /* a retransmission */
	} else {
		p += next - seq;
		n -= next - seq;
	}
	if (t->mode == NC_FSM_HTTP)
		feed(w, f, idx, t, p, n);
	else if (from_server)
		t->s_next += n;   /* followed no more, but still where resets land */
	if (!from_server && unlikely(t->flags & NC_TFS_STALL))
		stall_read(w, f, idx, t);
	return 1;
}

/* ------------------------------------------------------------ TCP client side */

static void
tfs_start(struct nc_worker *w, const struct nc_flow *f, struct nc_tcpfs *t, uint32_t isn)
{
	const struct nc_dp_svc *svc = &w->tb->svc[f->svc];

	memset(t, 0, sizeof(*t));
	t->c_isn = isn;
	t->c_next = isn + 1;
	t->rp_slot = NC_TX_NONE;
	t->owed_ms = w->now_ms;
	nc_http_init(&t->req, NC_HTTP_REQUEST);
	nc_http_init(&t->resp, NC_HTTP_RESPONSE);
	switch (svc->fs_protocol) {
	case NC_FS_PROTO_OPAQUE:
		t->mode = NC_FSM_OPAQUE;
		w->st.svc[f->svc].fs_opaque++;
		break;
	case NC_FS_PROTO_HTTP:
		t->mode = NC_FSM_HTTP;
		break;
	default:
		t->mode = NC_FSM_HTTP;
		t->flags = NC_TFS_AUTO;
		break;
	}
}

/* Client bytes [seq, seq + len) fill some of the hole. */
static inline int
hole_overlaps(const struct nc_tcpfs *t, uint32_t seq, uint32_t len)
{
	return t->h_lo != t->h_hi && nc_seq_lt(seq, t->h_hi) && nc_seq_lt(t->h_lo, seq + len);
}

/* The hole shrinks by the bytes [seq, seq + len) at either end of it (the
 * client resends from its bottom; what is left between stays the hole, its
 * bytes seen held already). */
static void
hole_fill(struct nc_tcpfs *t, uint32_t seq, uint32_t len)
{
	if (nc_seq_le(seq, t->h_lo))
		t->h_lo = nc_seq_lt(seq + len, t->h_hi) ? seq + len : t->h_hi;
	else if (nc_seq_le(t->h_hi, seq + len))
		t->h_hi = seq;
	if (!nc_seq_lt(t->h_lo, t->h_hi))
		t->h_lo = t->h_hi;
}

/* Where client bytes [seq, seq + len) go in flow <idx>'s held chain to keep
 * it in the stream's order: <*prev>, the entry they follow (NC_TX_NONE:
 * first). Returns 1 when a held segment has them all already. */
static int
held_place(const struct nc_worker *w, uint32_t idx, uint32_t seq, uint32_t len, uint32_t *prev)
{
	uint32_t slot = w->txc[2 * idx], next, s, n;

	*prev = NC_TX_NONE;
	while (slot != NC_TX_NONE) {
		seg_range(nc_txstore_at(w->txs, slot, &next), &s, &n);
		if (nc_seq_le(s, seq) && nc_seq_le(seq + len, s + n))
			return 1;
		if (!nc_seq_lt(s, seq))
			break;
		*prev = slot;
		slot = next;
	}
	return 0;
}

/*
 * Read a client segment carrying bytes (or a FIN) and hold it if a held
 * request, or an opaque first flight, owns any of it. Returns 0 when it must
 * be dropped (past a gap the framing needs); <*held>: it was held.
 */
static int
client_read(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
	    const struct rte_mbuf *m, const struct pkt_meta *pm, uint32_t seq, int fin, int *held)
{
	/* bytes read before were held then, if they were to be: a client's
	 * retransmission is not held twice, unless it fills the hole */
	int fill = hole_overlaps(t, seq, pm->pay);
	int fresh = fin || fill || nc_seq_lt(t->c_next, seq + pm->pay), want = 0;
	/* past a stall (before reading, which may end it): its place in the
	 * held chain is found, as a hole's bytes' */
	int stalled = (t->flags & NC_TFS_STALL) && nc_seq_lt(t->c_next, seq + pm->pay + (uint32_t)fin);
	uint32_t prev;

	if (t->mode == NC_FSM_HTTP) {
		if (pm->pay != 0) {
			uint32_t n;
			const uint8_t *p = tcp_payload(m, pm->l4_off, pm->pay, &n);

			if (unlikely(n != pm->pay))
				unframed(w, f, idx, t);   /* not in one buffer: not followed */
			else if (!framed_read(w, f, idx, t, 0, p, seq, n))
				return 0;
		}
		stalled |= (t->flags & NC_TFS_STALL) && nc_seq_lt(t->c_next, seq + pm->pay + (uint32_t)fin);
		if (t->mode == NC_FSM_HTTP)
			want = stalled || req_wants(t, seq, pm->pay + (uint32_t)fin) ||
			       (fin && req_pending(t));
	}
	if (t->mode == NC_FSM_OPAQUE) {
		if (t->flags & NC_TFS_ANSWERED) {
			t->mode = NC_FSM_PLAIN;
		} else if (pm->pay != 0 && seq == t->c_next && t->c_next != t->c_isn + 1 &&
			   nc_seq_le(t->c_next, t->s_ack)) {
			/* more before any answer, after the server acknowledged
			 * all: a stream, not a request waiting for its answer */
			unframed(w, f, idx, t);
		} else {
			want = 1;
			t->owed_ms = w->now_ms;
			if (nc_seq_lt(t->c_next, seq + pm->pay))
				t->c_next = seq + pm->pay;
		}
	}
	prev = w->txc[2 * idx + 1];
	if (unlikely(fill || stalled)) {
		if (fill)
			hole_fill(t, seq, pm->pay);
		if (want && held_place(w, idx, seq, pm->pay + (uint32_t)fin, &prev))
			return 1;   /* held already (a hole holds bytes seen between losses) */
	}
	if (!want || !fresh)
		return 1;
	if (t->held + pm->pay > w->tb->svc[f->svc].hold_limit ||
	    hold_after(w, f, idx, m, prev) != 0) {
		abandon(w, f, idx, t);
		return 1;
	}
	t->held += pm->pay;
	*held = 1;
	if (unlikely(fill || stalled) && (t->flags & NC_TFS_REPLAYING))
		t->rp_slot = w->txc[2 * idx];   /* it may lie before the replay's place */
	if (unlikely(f->sync & NC_FLOW_SYNCED) && t->mode == NC_FSM_HTTP && t->q_n != 0 &&
	    (t->q[0].flags & (NC_FSR_DONE | NC_FSR_SYNCED)) == NC_FSR_DONE && fsr_held(&t->q[0]))
		sync_tcp_held(w, f, idx, t);
	return 1;
}

/*
 * A client segment while its connection is not plainly through: its
 * server's side is gone (the next request opens a new connection), a new
 * connection is being opened, or held bytes are still going to the new
 * server. Returns 0 when <m> was consumed.
 */
static int
client_detour(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
	      struct rte_mbuf *m, const struct pkt_meta *pm, uint32_t seq, int fin, int held)
{
	if (t->flags & NC_TFS_SPLICING) {
		/* the held copies go once the new server answers; a client's
		 * retransmission stands for one of the appliance's SYN */
		if (pm->pay != 0 || fin)
			splice_syn(w, f, t);
		rte_pktmbuf_free(m);
		return 0;
	}
	if (t->flags & NC_TFS_GONE) {
		/* bytes its server acknowledged: a late copy, or the
		 * acknowledgement lost - nothing to carry */
		int had = pm->pay != 0 && nc_seq_le(seq + pm->pay, t->s_ack);

		rte_pktmbuf_free(m);
		if (held) {
			failover(w, idx, NC_FO_SERVER_CLOSED);   /* its next request */
		} else if (pm->pay != 0 && !had) {
			/* bytes that cannot be carried: the client learns the
			 * connection is gone */
			failover(w, idx, NC_FO_SERVER_CLOSED);
		} else if (fin) {
			/* the client closes too: it gets the server's FIN now (the
			 * same one again when it closes again) */
			uint32_t end = seq + pm->pay + 1;

			if (f->fin & NC_FLOW_FIN_S) {
				tcp_send(w, f, 0, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, t->s_next - 1, end, 0);
			} else {
				tcp_send(w, f, 0, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, t->s_next, end, 0);
				t->s_next++;
				tcp_track(f, RTE_TCP_FIN_FLAG, 0);
			}
			if (nc_seq_lt(t->s_ack, end))
				t->s_ack = end;   /* acknowledged for the server */
		} else if (had) {
			tcp_send(w, f, 0, RTE_TCP_ACK_FLAG, t->s_next, t->s_ack, 0);
		}
		return 0;
	}
	/* replaying: held bytes go in order, as the new server's window opens
	 * (this one, just held, is the chain's tail) */
	if (held) {
		rte_pktmbuf_free(m);
		if (t->rp_slot == NC_TX_NONE)
			t->rp_slot = w->txc[2 * idx + 1];
		replay_push(w, f, t);
		return 0;
	}
	return moved_pass(w, f, t, m, pm->l4_off, seq, pm->pay);
}

/*
 * Flow sync: q[0] of TCP flow <idx> was taken over from a dead dispatcher
 * (NC_TFS_ADOPTED), and the connection shows server bytes past where that
 * dispatcher's record left the server's stream (<s_next>): the client
 * acknowledges them, or the server sends bytes after them. They were q[0]'s
 * answer, which went through that dispatcher before it died, its release
 * record lost with it. Nothing is owed: what is held goes, and framing
 * resumes at the client's next request (NC_TFS_RESUME), as on a connection
 * taken over with nothing unanswered. Followed on, the answers of the
 * server would fall in a gap and be dropped, and a move would replay q[0]
 * acknowledging server bytes the new server never sent (it drops such
 * segments), then reset the client below what it has (ignored).
 */
static void
adopted_answered(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	release_all(w, f, idx, 0);
	t->mode = NC_FSM_PLAIN;
	t->q_n = 0;
	t->flags = (uint16_t)((t->flags & (NC_TFS_SPLICED | NC_TFS_SACK)) | NC_TFS_SYNACK | NC_TFS_ANSWERED |
			      NC_TFS_RESUME);
	f->sync &= (uint8_t)~NC_FLOW_ADOPTED;
}

/*
 * Client side of a TCP flow of a fail-safe service, before it is forwarded:
 * its SYN is stripped and held; requests are read and held until answered;
 * on a moved connection its acknowledgement is translated. Returns 0 when
 * <m> was consumed.
 */
static int
tcp_fs_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	uint32_t idx = flow_idx(w, f);
	struct nc_tcpfs *t = &w->tfs[idx];
	struct rte_tcp_hdr *th = tcp_hdr_of(m, pm->l4_off);
	uint8_t fl = th->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	int fin = !!(fl & RTE_TCP_FIN_FLAG), held = 0;

	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG) {
		if (f->state == NC_FLOW_SYN && !(t->flags & NC_TFS_SPLICING)) {
			uint16_t mss;
			int sack;

			tcp_syn_strip(m, pm->l4_off, &mss, &sack);
			if (!holding(w, idx)) {   /* not a retransmission */
				tfs_start(w, f, t, seq);
				t->syn_isn = seq;
				t->isn_known = 1;
				t->mss = mss;
				if (sack)
					t->flags |= NC_TFS_SACK;
				hold(w, f, idx, m);
			}
		}
		return 1;
	}
	if (unlikely(fl & RTE_TCP_RST_FLAG)) {
		/* the client gives up the connection */
		release_all(w, f, idx, 0);
		t->mode = NC_FSM_PLAIN;
		if (t->flags & NC_TFS_SPLICING) {
			tcp_send(w, f, 1, RTE_TCP_RST_FLAG, t->sp_client, 0, 0);
			rte_pktmbuf_free(m);
			return 0;
		}
		return 1;
	}
	if (unlikely(t->flags & NC_TFS_ADOPTED) && (fl & RTE_TCP_ACK_FLAG) &&
	    nc_seq_lt(t->s_next, rte_be_to_cpu_32(th->recv_ack)))
		adopted_answered(w, f, idx, t);   /* the client had q[0]'s answer */
	if (unlikely(t->flags & NC_TFS_FRESH) && (fl & RTE_TCP_ACK_FLAG)) {
		/* taken over as just accepted: the client acknowledging server
		 * bytes, or sending bytes past its first, says that dispatcher
		 * passed an exchange whose record died with it - the streams
		 * stand at a message boundary, framing resumes here; its first
		 * byte in place proves the record right */
		if (nc_seq_lt(t->s_next, rte_be_to_cpu_32(th->recv_ack)) ||
		    (pm->pay != 0 && seq != t->c_next))
			adopted_answered(w, f, idx, t);
		else if (pm->pay != 0)
			t->flags &= (uint16_t)~NC_TFS_FRESH;
	}
	if (unlikely(t->flags & NC_TFS_RESUME) && pm->pay != 0 && (fl & RTE_TCP_ACK_FLAG)) {
		/* a client that sends a request has the whole previous answer:
		 * both streams stand at a message boundary here */
		uint16_t keep = t->flags & (NC_TFS_SPLICED | NC_TFS_GONE | NC_TFS_SACK);
		uint32_t delta = t->delta, ack = rte_be_to_cpu_32(th->recv_ack), syn_isn = t->syn_isn;
		uint8_t isn_known = t->isn_known;

		tfs_start(w, f, t, seq - 1);
		t->flags = (uint16_t)(t->flags | keep | NC_TFS_SYNACK | NC_TFS_ANSWERED);
		t->delta = delta;
		t->syn_isn = syn_isn;
		t->isn_known = isn_known;
		t->srv_isn = ack - 1;
		t->s_next = ack;
		t->s_ack = seq;
		t->s_win = UINT16_MAX;
	}
	if (fl & RTE_TCP_ACK_FLAG) {
		/* never back: a late copy carries an older one */
		if (nc_seq_lt(t->c_ack, rte_be_to_cpu_32(th->recv_ack)))
			t->c_ack = rte_be_to_cpu_32(th->recv_ack);
		if (unlikely(t->move_wait) && !nc_seq_lt(t->c_ack, t->s_next)) {
			move_resume(w, f, idx, t);
			if (f->state == NC_FLOW_FREE) {   /* given up: no server left */
				rte_pktmbuf_free(m);
				return 0;
			}
		}
	}
	if (unlikely((f->sync & (NC_FLOW_SYNCED | NC_FLOW_SYNC_DATA)) == NC_FLOW_SYNCED) && pm->pay != 0) {
		/* the peers had it as just accepted: no longer (a survivor does
		 * not frame it from its first byte) */
		f->sync |= NC_FLOW_SYNC_DATA;
		sync_flow(w, f);
	}
	if ((pm->pay != 0 || fin) && t->mode != NC_FSM_PLAIN &&
	    client_read(w, f, idx, t, m, pm, seq, fin, &held) == 0) {
		drop(w, m, NC_DROP_FS_GAP);
		return 0;
	}
	if (unlikely(t->flags & (NC_TFS_GONE | NC_TFS_SPLICING | NC_TFS_REPLAYING)))
		return client_detour(w, f, idx, t, m, pm, seq, fin, held);
	if (t->flags & NC_TFS_SPLICED)
		return moved_pass(w, f, t, m, pm->l4_off, seq, pm->pay);
	return 1;
}

/* ------------------------------------------------------------ TCP server side */

/* The new server answered the SYN the appliance sent for a moved connection:
 * acknowledge it, then send it the held bytes; from now on its sequence
 * numbers land at sp_server in the client's stream. */
static void
splice_complete(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
		uint32_t isn, uint16_t win)
{
	t->delta = nc_seq_delta(t->sp_server, isn + 1);
	t->flags = (uint16_t)((t->flags & ~NC_TFS_SPLICING) | NC_TFS_SPLICED);
	t->s_ack = t->sp_client;
	t->s_win = win;
	t->dupacks = 0;
	t->owed_ms = w->now_ms;
	t->rp_ms = w->now_ms;
	if (unlikely(f->ca != NC_CA_NONE))
		nc_ca_moved(w, f, t->sp_client);
	tcp_send(w, f, 1, RTE_TCP_ACK_FLAG, t->sp_client, isn + 1, 0);
	t->rp_slot = w->txc[2 * idx];
	t->rp_end = t->sp_client;
	if (t->rp_slot != NC_TX_NONE) {
		t->flags |= NC_TFS_REPLAYING;
		replay_push(w, f, t);
	}
	if (f->sync & NC_FLOW_SYNCED)
		sync_flow(w, f);   /* its new server, port and translation */
}

/*
 * The server acknowledged something other than the SYN it was sent (<want>
 * acknowledges that SYN): the 4-tuple is one it still holds, most often in
 * TIME_WAIT after an earlier connection from the same local port (ports come
 * back sooner than its 2 MSL under a high rate of new connections). As the
 * sender of a SYN does (RFC 9293 3.10.7.3), reset with the sequence number it
 * acknowledged, which ends that TIME_WAIT, then send the SYN again at once -
 * the held one, or the appliance's own for a move - instead of waiting a
 * retransmission out. Once per attempt; later ones wait for the usual resend
 * (a server that keeps its TIME_WAIT against a reset). Returns 1 when <fl> and
 * <ack> were such an answer (the caller frees it).
 */
static int
syn_answered_stale(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
		   uint8_t fl, uint32_t ack, uint32_t want)
{
	uint32_t next;

	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_ACK_FLAG ||
	    ack == want)
		return 0;
	w->st.svc[f->svc].fs_stale_tuple++;
	tcp_segment(w, f, 1, RTE_TCP_RST_FLAG, ack, 0, 0, 0, 1);
	if (t->flags & NC_TFS_STALE)
		return 1;
	t->flags |= NC_TFS_STALE;
	if (t->flags & NC_TFS_SPLICING) {
		t->rp_ms = w->now_ms;
		splice_syn(w, f, t);
	} else if (holding(w, idx)) {
		replay_one(w, f, t, nc_txstore_at(w->txs, w->txc[2 * idx], &next));
	}
	return 1;
}

/* A server acknowledgement while held bytes are being replayed to it: more
 * go as its window opens; three that do not move resend the next one. */
static void
replay_ack(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
	   uint32_t ack, uint16_t win, int bare)
{
	if (nc_seq_lt(t->s_ack, ack)) {
		t->dupacks = 0;
		t->s_ack = ack;
		t->rp_ms = w->now_ms;
	} else if (bare && ack == t->s_ack && win == t->s_win && ++t->dupacks == 3) {
		t->s_win = win;
		replay_resend(w, f, idx, t);
		return;
	}
	t->s_win = win;
	replay_push(w, f, t);
}

/* A server segment past bytes the framing needs (lost on the way) is
 * dropped: its sender resends them, and it again. The server has answered
 * past them: what it owes is on its way, its time starts again. */
static void
server_gap(struct nc_worker *w, struct nc_tcpfs *t, struct rte_mbuf *m)
{
	t->owed_ms = w->now_ms;
	drop(w, m, NC_DROP_FS_GAP);
}

/*
 * A server's reset at <seq> goes on to the client, which takes a reset only
 * at the byte it waits for (RFC 5961): the server's last bytes may have been
 * lost on the way, to the appliance or past it, and no one will resend them.
 * So it gets one where the bytes passed end, and one at what it
 * acknowledged, where those differ from <seq>.
 */
static void
rst_where_waited(struct nc_worker *w, const struct nc_flow *f, const struct nc_tcpfs *t, uint32_t seq)
{
	if (t->s_next != seq)
		tcp_send(w, f, 0, RTE_TCP_RST_FLAG, t->s_next, 0, 0);
	if (t->c_ack != seq && t->c_ack != t->s_next && nc_seq_lt(t->c_ack, t->s_next) &&
	    t->s_next - t->c_ack <= NC_RST_HOLE_MAX)
		tcp_send(w, f, 0, RTE_TCP_RST_FLAG, t->c_ack, 0, 0);
}

/*
 * The server's FIN or RST (after any data in the same segment was read;
 * <seq> past that data, client's view; <sseq> the segment's own). A FIN past
 * bytes not seen waits for them. A request the server had and did not
 * answer is a failure, unless the client closed first (it gave up, or
 * half-closed: the server's close answers that); one it closed before
 * receiving goes on a new connection (a keep-alive race, not a failure); a
 * FIN or RST after a complete response on a connection both sides keep (or
 * before any request) is kept from the client (its next request opens a new
 * connection); anything else reaches the client as the server meant it.
 * Returns 0 when <m> was consumed.
 */
static int
server_close(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t,
	     struct rte_mbuf *m, const struct pkt_meta *pm, uint32_t seq, uint32_t sseq, uint8_t fl)
{
	const struct rte_tcp_hdr *th = tcp_hdr_of(m, pm->l4_off);
	int rst = !!(fl & RTE_TCP_RST_FLAG);
	uint32_t rcv = (fl & RTE_TCP_ACK_FLAG) ? rte_be_to_cpu_32(th->recv_ack) : t->s_ack;

	if (!(t->flags & NC_TFS_SYNACK)) {
		if (rst && holding(w, idx))
			goto failure;   /* the SYN refused */
		return 1;
	}
	switch (t->mode) {
	case NC_FSM_OPAQUE:
		if (rst && holding(w, idx))
			goto failure;
		break;   /* a server's FIN is never one: the flight was for it */
	case NC_FSM_HTTP:
		if (!rst && nc_seq_lt(t->s_next, seq)) {
			/* a FIN past bytes not seen (a segment lost on the
			 * way): what it closes may hold the answers; its
			 * sender resends them, and the FIN with them */
			server_gap(w, t, m);
			return 0;
		}
		if ((t->q_n != 0 && !(t->q[0].flags & NC_FSR_ANSWERED)) || head_stalled(t)) {
			if (nc_seq_le(rcv, move_start(t)) && holding(w, idx)) {
				/* closed before the request reached it */
				if (!rst)
					tcp_send(w, f, 1, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, rcv,
						 sseq + pm->pay + 1, 0);
				t->flags |= NC_TFS_GONE;
				rte_pktmbuf_free(m);
				failover(w, idx, NC_FO_SERVER_CLOSED);
				return 0;
			}
			if (!holding(w, idx) || head_stalled(t) || !fsr_held(&t->q[0]))
				break;      /* nothing to carry elsewhere */
			if ((f->fin & NC_FLOW_FIN_C) && nc_seq_lt(t->c_next, rcv))
				break;      /* it had the client's close first: answered so */
			goto failure;       /* it had the request */
		}
		if (t->q_n != 0 || !nc_http_idle(&t->resp)) {
			if (rst)
				w->st.svc[f->svc].fs_resets++;   /* mid-response */
			/* a response delimited by the close ends here */
			else if (nc_http_eof(&t->resp) && t->resp.msg.status >= 200)
				resp_done(w, t);
			break;
		}
		if ((pm->pay == 0 || !rst) && (rst || seq == t->s_next) &&
		    !(t->flags & NC_TFS_CLOSE) && nc_http_idle(&t->req) && f->state == NC_FLOW_EST &&
		    !(f->fin & NC_FLOW_FIN_C) && (!rst || t->c_ack == t->s_next)) {
			/* an idle keep-alive connection (or one not used yet)
			 * closed by its server (reset: once the client has all
			 * its bytes): answer a FIN for the client, keep the close
			 * from it; its next request opens a new one. A
			 * FIN on the segment that ended the last response (a
			 * server killed as it answered) is kept the same way:
			 * the segment goes on without it. */
			if (!rst)
				tcp_send(w, f, 1, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, rcv,
					 sseq + pm->pay + 1, 0);
			t->flags |= NC_TFS_GONE;
			w->st.svc[f->svc].fs_fin_kept++;
			if (pm->pay != 0) {
				tcp_flags_clear(m, pm->l4_off, RTE_TCP_FIN_FLAG);
				return 1;
			}
			rte_pktmbuf_free(m);
			return 0;
		}
		break;
	default:
		return 1;
	}
	/* the close reaches the client as the server meant it: the connection
	 * carries nothing more that could move */
	if (rst)
		rst_where_waited(w, f, t, seq);
	release_all(w, f, idx, 0);
	t->mode = NC_FSM_PLAIN;
	t->q_n = 0;
	return 1;
failure:
	/* a FIN's half-closed connection is reset so its server frees it */
	if (!rst)
		tcp_send(w, f, 1, RTE_TCP_RST_FLAG, rcv, 0, 0);
	rte_pktmbuf_free(m);
	failover(w, idx, NC_FO_SERVER_RESET);
	return 0;
}

/*
 * Server side of a TCP flow of a fail-safe service, before anything else:
 * the new server's SYN-ACK completes a move, a moved connection's sequence
 * numbers are translated, responses are read (answers let go of what was
 * held), and a FIN or RST is judged. Returns 0 when <m> was consumed.
 */
static int
tcp_fs_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	      const struct pkt_meta *pm)
{
	struct nc_tcpfs *t = &w->tfs[idx];
	const struct rte_tcp_hdr *th = tcp_hdr_of(m, pm->l4_off);
	uint8_t fl = th->tcp_flags;
	uint32_t sseq = rte_be_to_cpu_32(th->sent_seq), seq = sseq;
	uint32_t ack = rte_be_to_cpu_32(th->recv_ack);
	uint16_t win = rte_be_to_cpu_16(th->rx_win);
	int past;

	if (unlikely(t->flags & NC_TFS_SPLICING)) {
		if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) &&
		    ack == t->sp_client) {
			splice_complete(w, f, idx, t, sseq, win);
		} else if ((fl & RTE_TCP_RST_FLAG) && (!(fl & RTE_TCP_ACK_FLAG) || ack == t->sp_client)) {
			/* the new server refused the connection */
			rte_pktmbuf_free(m);
			failover(w, idx, NC_FO_SERVER_RESET);
			return 0;
		}
		/* a stale 4-tuple's ACK is answered; anything else (a late
		 * segment) is no answer */
		syn_answered_stale(w, f, idx, t, fl, ack, t->sp_client);
		rte_pktmbuf_free(m);
		return 0;
	}
	/* the client's own handshake, its SYN held (not a SYN proxy's: the
	 * appliance answered that client itself) */
	if (unlikely(f->state == NC_FLOW_SYN) && !(t->flags & NC_TFS_SYNACK) &&
	    !nc_sp_flow(w, f, idx) && syn_answered_stale(w, f, idx, t, fl, ack, t->c_isn + 1)) {
		rte_pktmbuf_free(m);
		return 0;
	}
	if (unlikely(t->flags & NC_TFS_GONE)) {
		/* the server's side is closed: what it still sends (the ACK of
		 * the appliance's FIN) is not the client's */
		rte_pktmbuf_free(m);
		return 0;
	}
	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) {
		if (t->flags & NC_TFS_SPLICED) {
			/* the new server did not get the appliance's ACK */
			tcp_send(w, f, 1, RTE_TCP_ACK_FLAG, ack, sseq + 1, 0);
			rte_pktmbuf_free(m);
			return 0;
		}
		if (!(t->flags & NC_TFS_SYNACK)) {
			if (tcp_opt_find(th, 4, 2) == NULL)   /* no SACK-permitted */
				t->flags &= (uint16_t)~NC_TFS_SACK;
			t->srv_isn = sseq;
			t->s_next = sseq + 1;
			t->c_ack = sseq + 1;   /* no server byte yet for the client to lack */
			t->s_ack = ack;
			t->s_win = win;
			t->flags |= NC_TFS_SYNACK;
			release_all(w, f, idx, 1);   /* the SYN was answered */
			f->mon &= (uint8_t)~(0x1fu << NC_FLOW_REPLAY_SHIFT);
		}
		return 1;
	}
	if (t->flags & NC_TFS_SPLICED) {
		tcp_seq_add(m, pm->l4_off, t->delta);
		seq = nc_seq_to_client(sseq, t->delta);
	}
	/* bytes or a FIN past where the record left the server's stream */
	past = (pm->pay != 0 || (fl & RTE_TCP_FIN_FLAG)) && nc_seq_lt(t->s_next, seq);
	if (unlikely(t->flags & NC_TFS_ADOPTED) && past)
		adopted_answered(w, f, idx, t);   /* the server answered q[0] already */
	/* taken over as just accepted, the server sends before any request
	 * came here, or past its first byte: that dispatcher passed one */
	if (unlikely(t->flags & NC_TFS_FRESH) && (past || (pm->pay != 0 && t->q_n == 0)))
		adopted_answered(w, f, idx, t);
	if (fl & RTE_TCP_ACK_FLAG) {
		if (unlikely(t->flags & NC_TFS_REPLAYING))
			replay_ack(w, f, idx, t, ack, win, pm->pay == 0 && !(fl & RTE_TCP_FIN_FLAG));
		else if (nc_seq_lt(t->s_ack, ack))
			t->s_ack = ack;
		t->s_win = win;
	}
	if (pm->pay != 0) {
		t->flags |= NC_TFS_ANSWERED;
		switch (t->mode) {
		case NC_FSM_HTTP: {
			uint32_t n;
			const uint8_t *p = tcp_payload(m, pm->l4_off, pm->pay, &n);

			if (unlikely(n != pm->pay)) {
				unframed(w, f, idx, t);
				t->s_next = seq + pm->pay;
			} else if (!framed_read(w, f, idx, t, 1, p, seq, n)) {
				server_gap(w, t, m);
				return 0;
			}
			break;
		}
		case NC_FSM_OPAQUE:
			/* the first flight is answered: plain from here */
			release_all(w, f, idx, 1);
			f->mon &= (uint8_t)~(0x1fu << NC_FLOW_REPLAY_SHIFT);
			t->mode = NC_FSM_PLAIN;
			/* fall through */
		default:
			if (nc_seq_lt(t->s_next, seq + pm->pay))
				t->s_next = seq + pm->pay;
			break;
		}
	}
	if (unlikely(fl & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)))
		return server_close(w, f, idx, t, m, pm, seq + pm->pay, sseq, fl);
	return 1;
}

/* ------------------------------------------------------------ moving */

/* Tell the control lcore about a move (it logs it; a failure takes the
 * server down unless it is the last one up). */
static void
failover_report(struct nc_worker *w, const struct nc_flow *f, uint8_t from, uint8_t to, uint8_t why)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_FAILOVER, .worker = (uint8_t)w->id,
				  .ip = f->key.src_ip };

	msg.ev = (struct nc_failover_ev){ .svc = f->svc, .from = from, .to = to, .why = why,
					  .cport = f->key.src_port, .proto = f->key.proto };
	if (nc_flow_is_v6(f)) {
		msg.ev.v6 = 1;
		memcpy(msg.ip6, flow6_addr(w, flow_idx(w, f))->client, 16);
	}
	/* a full ring loses the log line only; the move itself happened */
	rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg));
}

/* The held requests of TCP flow <idx> can go to a new connection: before the
 * handshake its SYN; HTTP: the oldest unanswered request is held whole, no
 * byte of a response is half-way to the client, and the replay policy lets
 * every unanswered request go; opaque: the first flight is unanswered. */
static int
tcp_movable(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx,
	    const struct nc_tcpfs *t)
{
	int idem = w->tb->svc[f->svc].fs_replay ==
		NC_FS_REPLAY_IDEMPOTENT;
	unsigned int i;

	if (!holding(w, idx))
		return 0;
	if (!(t->flags & NC_TFS_SYNACK))
		return 1;
	switch (t->mode) {
	case NC_FSM_HTTP:
		if (head_stalled(t))
			return nc_http_idle(&t->resp);
		if (t->q_n == 0 || !fsr_held(&t->q[0]) || !nc_http_idle(&t->resp))
			return 0;
		/* "idempotent": a request that is not goes again only while
		 * its server cannot have had all of it */
		for (i = 0; idem && i < t->q_n; i++) {
			const struct nc_fs_req *r = &t->q[i];

			if ((r->flags & NC_FSR_DONE) && !nc_http_idempotent(r->method) &&
			    nc_seq_le(r->end, t->s_ack))
				return 0;
		}
		return 1;
	case NC_FSM_OPAQUE:
		return !(t->flags & NC_TFS_ANSWERED) && !(idem && nc_seq_le(t->c_next, t->s_ack));
	default:
		return 0;
	}
}

/*
 * Give flow <idx> up: its client is reset cleanly - an RST at the sequence
 * number it expects next, past every server byte forwarded to it - and so is
 * the server side if it may still be open; then the flow closes. <to> says
 * why for the log: NC_FAILOVER_RESET or NC_FAILOVER_STUCK.
 */
static void
give_up(struct nc_worker *w, uint32_t idx, uint8_t why, uint8_t to)
{
	struct nc_flow *f = flow_at(w, idx);
	struct nc_tcpfs *t = f->key.proto == IPPROTO_TCP ? &w->tfs[idx] : NULL;

	if (why != NC_FO_SERVER_CLOSED)
		srv_stats(w, f)->failed_over++;
	release_all(w, f, idx, 0);
	if (t != NULL && (t->flags & NC_TFS_SYNACK)) {
		tcp_send(w, f, 0, RTE_TCP_RST_FLAG, t->s_next, 0, 0);
		/* a client waiting on a hole (a segment lost, later ones
		 * passed) takes a reset only at the byte it waits for */
		if (nc_seq_lt(t->c_ack, t->s_next) && t->s_next - t->c_ack <= NC_RST_HOLE_MAX)
			tcp_send(w, f, 0, RTE_TCP_RST_FLAG, t->c_ack, 0, 0);
		if (t->flags & NC_TFS_SPLICING)
			tcp_send(w, f, 1, RTE_TCP_RST_FLAG, t->sp_client, 0, 0);
		else if (!(t->flags & NC_TFS_GONE) && why != NC_FO_SERVER_RESET)
			tcp_send(w, f, 1, RTE_TCP_RST_FLAG, t->s_ack, 0, 0);
	} else if (t != NULL) {
		tcp_send(w, f, 0, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, t->c_isn + 1, 0);
	}
	w->st.svc[f->svc].fs_resets++;
	failover_report(w, f, f->server, to, why);
	flow_close(w, (int32_t)idx);
}

/* The next up server of <s> other than <from>, from the worker's cursor. */
static int
next_server(struct nc_worker *w, unsigned int svc, const struct nc_schedule *s, uint8_t from)
{
	uint32_t *cur = &w->sched_cursor[svc];
	unsigned int i;

	for (i = 0; i < s->n_slots; i++) {
		uint16_t c;

		if (*cur >= s->n_slots)
			*cur = 0;
		c = s->slot[(*cur)++];
		if (c != from && s->server[c].up && s->server[c].weight != 0)   /* not drained */
			return c;
	}
	return -1;
}

/* Server <i> of <s> is up and not drained. */
static inline int
server_open(const struct nc_schedule *s, unsigned int i)
{
	return s != NULL && i < s->n_servers && s->server[i].up && s->server[i].weight != 0;
}

/* Entries held for flow <idx>. */
static unsigned int
chain_len(const struct nc_worker *w, uint32_t idx)
{
	uint32_t slot = w->txc[2 * idx];
	unsigned int n = 0;

	while (slot != NC_TX_NONE) {
		nc_txstore_at(w->txs, slot, &slot);
		n++;
	}
	return n;
}

/* UDP: the held datagrams of flow <idx> again, to its (new) server, each
 * held anew. */
static void
udp_replay(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf **held,
	   unsigned int n)
{
	uint32_t *c = &w->txc[2 * idx];
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *cp = rte_pktmbuf_copy(held[i], w->dp->txpool, 0, UINT32_MAX);

		if (cp != NULL) {
			fs_to_server(w, f, cp);
			/* held as it came: its PROXY header again */
			if (f->ca == NC_CA_NONE || nc_ca_udp_replay(w, f, cp) == 0)
				tx_to(w, cp, f->nh_server);
		}
		if (nc_txstore_hold(w->txs, idx, held[i], w->now_ms + w->tb->svc[f->svc].resp_timeout_ms,
				    c, c + 1) != 0) {
			rte_pktmbuf_free(held[i]);
			w->st.svc[f->svc].fs_store_full++;
		} else {
			srv_stats(w, f)->fs_held++;
		}
	}
}

/*
 * Flow <idx> must leave its server: a failure (<why>: its held request went
 * unanswered, was refused, or the server went down) or, NC_FO_SERVER_CLOSED,
 * a server that closed the connection before it had the request (not a
 * failure: the same server will do if up). Its held requests go to the next
 * up server - a TCP connection through a new connection from a new local
 * port, spliced - and its client's affinity moves with it; with nothing that
 * can move, no server left or max_replays reached, the flow is given up.
 */
static void
failover(struct nc_worker *w, uint32_t idx, uint8_t why)
{
	struct nc_dp *dp = w->dp;
	struct nc_flow *f = flow_at(w, idx);
	const struct nc_dp_svc *svc = &w->tb->svc[f->svc];
	const struct nc_schedule *s = nc_sched_get(dp->sched_slot[f->svc]);
	struct nc_tcpfs *t = f->key.proto == IPPROTO_TCP ? &w->tfs[idx] : NULL;
	unsigned int replays = f->mon >> NC_FLOW_REPLAY_SHIFT, n_udp = 0, n_tcp = 0;
	/* a server that closed an idle connection, or a dead dispatcher's
	 * request: not the server's failure */
	int failure = why != NC_FO_SERVER_CLOSED && why != NC_FO_DISPATCHER, to = -1;
	struct rte_mbuf *udp_held[NC_REPLAY_MAX];
	uint8_t from = f->server;

	if (t != NULL && !tcp_movable(w, f, idx, t)) {
		give_up(w, idx, why, NC_FAILOVER_STUCK);
		return;
	}
	if (t != NULL && (t->flags & NC_TFS_SYNACK) && !(t->flags & NC_TFS_SPLICING) &&
	    nc_seq_lt(t->c_ack, t->s_next)) {
		/* the client has not acknowledged all the old server sent: some
		 * may have been lost on its way, and only that server resends it
		 * - not once its connection is reset or left. The move waits for
		 * the client's acknowledgement (move_resume), up to the response
		 * limit; past it what the client lacks is lost: it is reset. */
		if (t->move_wait == 0) {
			t->move_wait = (uint8_t)(why + 1);
			t->owed_ms = w->now_ms;
			w->st.svc[f->svc].fs_move_waited++;
		}
		return;
	}
	if (t != NULL)
		t->move_wait = 0;
	/* a reconnect is not a failure: it never uses up the last replay */
	if (replays < (unsigned int)svc->max_replays + !failure && s != NULL && s->n_slots != 0) {
		if (!failure && server_open(s, from))
			to = from;
		else
			to = next_server(w, f->svc, s, from);
		/* UDP with no other server up: the datagram or its answer may
		 * just have been lost, so the same server again rather than none
		 * (TCP retransmits by itself) */
		if (to < 0 && t == NULL && from < s->n_servers && s->server[from].up)
			to = from;
	}
	if (to < 0) {
		give_up(w, idx, why, NC_FAILOVER_RESET);
		return;
	}
	/* the old server connection: closed (it RST or FIN'd, or is being
	 * answered for), or reset now so the server frees it */
	if (t != NULL && (t->flags & NC_TFS_SPLICING))
		tcp_send(w, f, 1, RTE_TCP_RST_FLAG, t->sp_client, 0, 0);
	else if (t != NULL && (t->flags & NC_TFS_SYNACK) && !(t->flags & NC_TFS_GONE) &&
		 why != NC_FO_SERVER_RESET)
		tcp_send(w, f, 1, RTE_TCP_RST_FLAG, t->s_ack, 0, 0);
	/* the flow now belongs to <to>: per-server open flows and held
	 * requests follow it */
	if (t == NULL) {
		struct rte_mbuf *more[NC_REPLAY_MAX];
		uint32_t *c = &w->txc[2 * idx];
		unsigned int k;

		n_udp = nc_txstore_take(w->txs, c, c + 1, udp_held, NC_REPLAY_MAX);
		while ((k = nc_txstore_take(w->txs, c, c + 1, more, NC_REPLAY_MAX)) != 0) {
			rte_pktmbuf_free_bulk(more, k);   /* beyond what one replay carries */
			w->st.svc[f->svc].fs_store_full += k;
			srv_stats(w, f)->fs_unheld += k;
		}
		srv_stats(w, f)->fs_unheld += n_udp;
	} else {
		n_tcp = chain_len(w, idx);
		srv_stats(w, f)->fs_unheld += n_tcp;
	}
	srv_stats(w, f)->flows_closed++;
	if (failure)
		srv_stats(w, f)->failed_over++;
	w->st.svc[f->svc].server_flows[to]++;
	f->server = (uint8_t)to;
	f->server_port = s->server[to].port;
	f->nh_server = s->server[to].nh;
	srv_stats(w, f)->fs_held += n_tcp;
	/* a new connection never reuses the old one's 4-tuple, which the old
	 * server may still hold (TIME_WAIT, or alive) */
	if (t != NULL && (t->flags & NC_TFS_SYNACK))   /* kept when no port is free */
		nc_flow_move_lport(w->flows, idx, svc->lip, svc->n_lips, &w->lip_cursor[f->svc],
				   nc_flow_rest_bit(s->server[to].addr, s->server[to].port),
				   dp->lip[f->lip_idx] != 0 ?
				   nc_dp_steer(w, s->server[to].addr, s->server[to].port) :
				   nc_dp_steer6(w, w->tb->v6.server[f->svc][to], s->server[to].port));
	/* the addresses the server and local port make, and the checksum deltas */
	if (unlikely(nc_flow_is_v6(f))) {
		nc_v6_flow_moved(w, f, s->server[to].addr);
	} else {
		f->lip = dp->lip[f->lip_idx];
		f->server_ip = s->server[to].addr;
		nc_flow_set_deltas(f);
	}
	/* a dead dispatcher's request moves once (NC_TFS_ADOPTED, NC_FLOW_ADOPTED):
	 * it leaves every replay to its servers' failures */
	f->mon = (uint8_t)(((replays + (why != NC_FO_DISPATCHER)) << NC_FLOW_REPLAY_SHIFT) |
			   (f->mon & NC_FLOW_REQ));
	f->sync &= (uint8_t)~NC_FLOW_ISN;
	f->req_us = w->now_us;
	if (svc->persist_ms != 0 && !nc_flow_is_v6(f))
		nc_affinity_set(w->aff, f->key.src_ip, f->svc, f->server, w->now_ms + svc->persist_ms);
	if (failure)
		w->st.svc[f->svc].fs_replays++;
	else
		w->st.svc[f->svc].fs_reconnects++;
	failover_report(w, f, from, (uint8_t)to, why);
	if (t == NULL) {
		udp_replay(w, f, idx, udp_held, n_udp);
		if (f->sync & NC_FLOW_SYNCED)
			sync_flow(w, f);   /* its new server */
		return;
	}
	t->owed_ms = w->now_ms;
	if (!(t->flags & NC_TFS_SYNACK)) {
		/* before the handshake: the client's SYN, as it was held */
		uint32_t next;

		t->flags &= (uint16_t)~NC_TFS_STALE;
		replay_one(w, f, t, nc_txstore_at(w->txs, w->txc[2 * idx], &next));
		return;
	}
	/* the client is connected: open a connection to the new server from
	 * the first held byte; the held bytes follow its SYN-ACK */
	t->sp_client = move_start(t);
	t->sp_server = t->mode == NC_FSM_HTTP ? t->s_next : t->srv_isn + 1;
	t->flags = (uint16_t)((t->flags & ~(NC_TFS_SPLICED | NC_TFS_REPLAYING | NC_TFS_GONE |
					    NC_TFS_STALE)) | NC_TFS_SPLICING);
	t->rp_ms = w->now_ms;
	splice_syn(w, f, t);
}

/* The client acknowledged the old server's last byte: a move that waited
 * for it (move_wait) goes now, if what it was for is still owed and can
 * move (an answer meanwhile leaves it with its server, whose answers or
 * response limit decide). */
static void
move_resume(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct nc_tcpfs *t)
{
	uint8_t why = (uint8_t)(t->move_wait - 1);

	t->move_wait = 0;
	if (tcp_movable(w, f, idx, t))
		failover(w, idx, why);
}

/* ------------------------------------------------------------ timers, failures */

/* Another server than <from> is up. */
static int
other_up(const struct nc_schedule *s, uint8_t from)
{
	unsigned int i;

	for (i = 0; s != NULL && i < s->n_servers; i++)
		if (i != from && server_open(s, i))
			return 1;
	return 0;
}

/*
 * A held entry of TCP flow <idx> reached its deadline. A failure only when a
 * request is owed an answer (complete, or an opaque first flight) and has
 * been for the response limit; a request still arriving waits on. Replayed
 * bytes the new server has not acknowledged go again. The last server up is
 * not failed by a timeout: TCP retransmits by itself. Returns 1 when
 * something was sent (a move, a reset, a resend), 0 when it waits on.
 */
static int
tcp_timeout(struct nc_worker *w, uint32_t idx)
{
	struct nc_flow *f = flow_at(w, idx);
	struct nc_tcpfs *t = &w->tfs[idx];
	const struct nc_schedule *s;
	int owed, sent = 0;

	if (unlikely(t->move_wait)) {
		/* the client never acknowledged the old server's last bytes */
		if ((int32_t)(w->now_ms - t->owed_ms) < (int32_t)w->tb->svc[f->svc].resp_timeout_ms)
			return 0;
		give_up(w, idx, (uint8_t)(t->move_wait - 1), NC_FAILOVER_RESET);
		return 1;
	}
	if (!(t->flags & NC_TFS_SYNACK) || (t->flags & NC_TFS_SPLICING))
		owed = 1;   /* a SYN unanswered */
	else if (t->mode == NC_FSM_HTTP)
		owed = t->q_n != 0 && fsr_held(&t->q[0]) && (t->q[0].flags & NC_FSR_DONE);
	else
		owed = t->mode == NC_FSM_OPAQUE;
	if (!owed) {
		/* a stall's bytes are a request still arriving */
		if (t->mode == NC_FSM_PLAIN || (!req_pending(t) && !(t->flags & NC_TFS_STALL)))
			release_all(w, f, idx, 0);   /* nothing of it is still asked */
		return 0;
	}
	if ((t->flags & NC_TFS_SPLICED) && nc_seq_lt(t->s_ack, t->c_next) &&
	    (int32_t)(w->now_ms - t->rp_ms) >= NC_RESEND_MS) {
		replay_resend(w, f, idx, t);
		sent = 1;
	}
	if ((int32_t)(w->now_ms - t->owed_ms) < (int32_t)w->tb->svc[f->svc].resp_timeout_ms) {
		/* our own SYN, lost on the way or its SYN-ACK lost: nobody else
		 * sends it again, and the server is not at fault */
		if ((t->flags & NC_TFS_SPLICING) && (int32_t)(w->now_ms - t->rp_ms) >= NC_SYN_RESEND_MS) {
			t->rp_ms = w->now_ms;
			w->st.svc[f->svc].fs_syn_resent++;
			splice_syn(w, f, t);
			sent = 1;
		}
		return sent;
	}
	s = nc_sched_get(w->dp->sched_slot[f->svc]);
	if (!other_up(s, f->server) && s != NULL && f->server < s->n_servers &&
	    s->server[f->server].up) {
		t->owed_ms = w->now_ms;
		w->st.svc[f->svc].fs_waited++;
		/* a SYN of the appliance's own is not retransmitted by the client */
		if (t->flags & NC_TFS_SPLICING) {
			splice_syn(w, f, t);
			return 1;
		}
		return sent;
	}
	if (t->flags & NC_TFS_ADOPTED) {
		/* once, to the same server if it is up */
		t->flags &= (uint16_t)~NC_TFS_ADOPTED;
		failover(w, idx, NC_FO_DISPATCHER);
		return 1;
	}
	failover(w, idx, NC_FO_TIMEOUT);
	return 1;
}

/*
 * Flows of a server the monitor took down: held requests move; a response
 * half-way to its client, or a connection that carries no more requests
 * (opaque, plain), is reset cleanly, since nothing else would tell it; an
 * idle HTTP connection stays, its next request going on a new connection;
 * one its server closed already is left to close.
 */
static unsigned int
failsafe_server_down(struct nc_worker *w)
{
	uint32_t i, slots = nc_flow_slots(w->flows);
	unsigned int n = 0;

	for (i = 0; i < slots; i++) {
		struct nc_flow *f = flow_at(w, i);
		const struct nc_schedule *s;
		struct nc_tcpfs *t;

		if (f->state == NC_FLOW_FREE || !w->tb->svc[f->svc].failsafe ||
		    w->dp->lip_foreign[f->lip_idx])
			continue;
		s = nc_sched_get(w->dp->sched_slot[f->svc]);
		if (s == NULL || f->server >= s->n_servers || s->server[f->server].up)
			continue;
		t = f->key.proto == IPPROTO_TCP ? &w->tfs[i] : NULL;
		if (t == NULL || !(t->flags & NC_TFS_SYNACK) || (t->flags & NC_TFS_SPLICING)) {
			if (holding(w, i) || (t != NULL && (t->flags & NC_TFS_SPLICING))) {
				failover(w, i, NC_FO_SERVER_DOWN);
				n++;
			}
			continue;
		}
		/* a server that closed (its FIN went to the client, as after
		 * "Connection: close") sent all it ever will: its kernel, or
		 * the client's own close, ends the connection; a reset now
		 * would only cut a complete exchange short */
		if ((t->flags & NC_TFS_GONE) || f->state != NC_FLOW_EST || (f->fin & NC_FLOW_FIN_S))
			continue;
		if ((t->mode == NC_FSM_HTTP && t->q_n == 0 && !head_stalled(t) &&
		     nc_http_idle(&t->resp)) || (t->flags & NC_TFS_RESUME)) {
			/* the last answer's bytes the client has not acknowledged
			 * may lie in a hole (a segment lost, the rest passed):
			 * only its server resends them, so its connection stays;
			 * a next request is held and moves as any other */
			if (!(t->flags & NC_TFS_RESUME) && t->c_ack != t->s_next)
				continue;
			tcp_send(w, f, 1, RTE_TCP_RST_FLAG, t->s_ack, 0, 0);
			t->flags |= NC_TFS_GONE;
		} else {
			failover(w, i, NC_FO_SERVER_DOWN);   /* given up when it cannot move */
		}
		n++;
	}
	return n;
}

/* When flow <idx>'s held entry is looked at again: at the response limit,
 * or sooner while its splice's SYN may need sending again. */
static uint32_t
next_check_ms(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx)
{
	uint32_t limit = w->tb->svc[f->svc].resp_timeout_ms;

	if (f->key.proto == IPPROTO_TCP && (w->tfs[idx].flags & NC_TFS_SPLICING) &&
	    limit > NC_SYN_RESEND_MS)
		return NC_SYN_RESEND_MS;
	return limit;
}

unsigned int
nc_worker_failsafe_poll(struct nc_worker *w)
{
	uint32_t gen, idx;
	unsigned int n = 0, k;

	if (w->txs == NULL || unlikely(w->dp->sync_quarantine))
		return 0;   /* quarantined: what it holds waits for the cluster's word */
	gen = __atomic_load_n(&w->dp->down_gen, __ATOMIC_ACQUIRE);
	if (unlikely(gen != w->down_gen)) {
		w->down_gen = gen;
		n += failsafe_server_down(w);
	}
	/* a bounded number per loop: forwarding goes on meanwhile */
	for (k = 0; k < 32 && (idx = nc_txstore_expired(w->txs, w->now_ms)) != NC_TX_NONE; k++) {
		const struct nc_flow *f = flow_at(w, idx);

		if (unlikely(w->dp->lip_foreign[f->lip_idx])) {
			foreign(w, flow_at(w, idx), idx);   /* its answers go to another */
		} else if (f->key.proto == IPPROTO_TCP) {
			n += (unsigned int)tcp_timeout(w, idx);
		} else {
			/* a request taken over from a dead dispatcher: its answer
			 * may have gone to that one; once, to the same server */
			uint8_t why = (f->sync & NC_FLOW_ADOPTED) ? NC_FO_DISPATCHER : NC_FO_TIMEOUT;

			flow_at(w, idx)->sync &= (uint8_t)~NC_FLOW_ADOPTED;
			failover(w, idx, why);
			n++;
		}
		/* still held: it waits on (a move re-arms its deadline too) */
		nc_txstore_rearm(w->txs, w->now_ms + next_check_ms(w, f, idx));
	}
	return n;
}

/* ------------------------------------------------------------ hooks */

int
nc_fs_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	if (unlikely(w->dp->lip_foreign[f->lip_idx])) {
		foreign(w, f, flow_idx(w, f));
		if (pm->key.proto == IPPROTO_UDP)
			return 1;
	} else if (pm->key.proto == IPPROTO_UDP) {
		hold(w, f, flow_idx(w, f), m);
		return 1;
	}
	return tcp_fs_client(w, f, m, pm);
}

int
nc_fs_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	     const struct pkt_meta *pm)
{
	if (f->key.proto == IPPROTO_TCP)
		return tcp_fs_server(w, f, idx, m, pm);
	/* a UDP reply answers what the flow held */
	if (holding(w, idx)) {
		release_all(w, f, idx, 1);
		if (f->sync & NC_FLOW_SYNCED)
			w->release_frame = 1;   /* reported with the answer (server leg) */
		f->sync &= (uint8_t)~NC_FLOW_ADOPTED;
		f->mon &= (uint8_t)~(0x1fu << NC_FLOW_REPLAY_SHIFT);   /* max_replays is per request */
	}
	return 1;
}

void
nc_fs_unreach(struct nc_worker *w, struct rte_mbuf *m, uint32_t idx)
{
	const struct nc_flow *f = flow_at(w, idx);
	const struct nc_tcpfs *t;

	t = f->key.proto == IPPROTO_TCP && w->tfs != NULL ? &w->tfs[idx] : NULL;
	/* something held moves; a response half-way to its client is reset
	 * cleanly (failover gives it up); otherwise nothing to do */
	if (w->txc == NULL || !w->tb->svc[f->svc].failsafe ||
	    (!holding(w, idx) &&
	     (t == NULL || !(t->flags & NC_TFS_SPLICING)) &&
	     (t == NULL || t->mode != NC_FSM_HTTP || (t->q_n == 0 && nc_http_idle(&t->resp))))) {
		drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
		return;
	}
	rte_pktmbuf_free(m);
	failover(w, idx, NC_FO_UNREACHABLE);
}

void
nc_fs_adopt_fresh(struct nc_worker *w, const struct nc_flow *f, uint32_t c_isn, uint32_t srv_isn,
		  int sack)
{
	struct nc_tcpfs *t = &w->tfs[flow_idx(w, f)];

	tfs_start(w, f, t, c_isn);
	t->syn_isn = c_isn;
	t->isn_known = 1;
	t->srv_isn = srv_isn;
	t->s_next = srv_isn + 1;
	t->s_ack = c_isn + 1;
	t->c_ack = srv_isn + 1;
	t->s_win = UINT16_MAX;
	t->flags |= NC_TFS_SYNACK | NC_TFS_FRESH;
	if (sack)
		t->flags |= NC_TFS_SACK;
}

void
nc_fs_open(struct nc_worker *w, const struct nc_flow *f)
{
	w->tfs[flow_idx(w, f)].flags = 0;
	w->tfs[flow_idx(w, f)].isn_known = 0;
}

/*
 * Nothing of the old connection would answer the SYN: the fail-safe closed
 * its server's side, keeping that close from the client. Or it is not the
 * old connection's SYN (another ISN): a new connection, which the fail-safe,
 * following the old one's numbers, could not guard on the same flow even
 * where the server's TIME_WAIT took it. A copy of the old SYN still goes on
 * to the server.
 */
int
nc_fs_syn_reopens(const struct nc_worker *w, uint32_t idx, uint32_t seq)
{
	const struct nc_tcpfs *t;

	if (w->tfs == NULL)
		return 0;
	t = &w->tfs[idx];
	return (t->flags & NC_TFS_GONE) || ((t->flags & NC_TFS_SYNACK) && (!t->isn_known || seq != t->syn_isn));
}
