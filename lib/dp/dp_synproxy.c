/* SPDX-License-Identifier: BSD-3-Clause
 * The SYN proxy (syn_proxy): a client's SYN to a service that has it on is
 * answered here with a SYN cookie (lib/net/nc_syncookie.h) and forgotten; the
 * client's ACK that carries a valid cookie opens the flow, and the SYN the
 * client would have sent (its ISN, the options the cookie kept) goes through
 * the worker's client leg as the client's own; the server's SYN-ACK passes the
 * server leg's hooks and is answered with the client's ACK, made likewise; from
 * then on the connection is bridged (dp_synproxy.h). The fail-safe thus sees
 * a proxied connection's handshake as any other's. Client data that came with
 * or right after the ACK is held until then and goes on first.
 *
 * Either family: an IPv4 service, or an IPv6 one over IPv6 servers. What
 * differs is only the client's side of the connection (struct nc_sp_ends):
 * the cookie's tuple (IPv6 addresses hashed whole), the frames made for and
 * as the client (own_seg: IPv4 or IPv6 headers, the checksum over either
 * pseudo-header), the next hop back to the client and the MSS offered (20
 * less over IPv6). Sequence numbers, options, windows and timestamps are
 * translated by the same code for both.
 *
 * Forged, expired and wrong-MSS-index cookies are dropped and counted, not
 * answered: a reset for every ACK of no flow would answer a spoofed flood
 * (Linux resets them; nftables' synproxy drops them, as here).
 *
 * The worker parts run on the flow's worker with the fast path's rule (no
 * lock, no allocation but one mbuf from the packet's pool for a SYN when the
 * ACK carried data, no log, no syscall; every drop a counter); "auto" runs
 * on the control lcore.
 */
#include <inttypes.h>

#include <rte_byteorder.h>

#include "dp_synproxy.h"

/* ------------------------------------------------------------ options */

#define OPT_MSS   2
#define OPT_WS    3
#define OPT_SACKP 4
#define OPT_SACK  5
#define OPT_TS    8

struct sp_opts {
	uint16_t mss;          /* 0: none */
	uint8_t ws;            /* NC_SP_WS_NONE: none */
	uint8_t sack_ok;
	uint8_t ts;            /* a timestamp option: tsval, tsecr at ts_at */
	uint8_t sack_n;        /* SACK blocks at sack_at */
	uint16_t ts_at;        /* offset of TSval from the TCP header */
	uint16_t sack_at;      /* offset of the first SACK block's left edge */
	uint32_t tsval, tsecr;
};

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/* The options of TCP header <th> (its data offset checked by the parser). */
static void
opts_parse(const struct rte_tcp_hdr *th, struct sp_opts *o)
{
	const uint8_t *b = (const uint8_t *)th;
	uint32_t i = sizeof(*th), end = (uint32_t)(th->data_off >> 4) * 4;

	memset(o, 0, sizeof(*o));
	o->ws = NC_SP_WS_NONE;
	while (i < end && b[i] != 0) {
		uint8_t len;

		if (b[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= end || b[i + 1] < 2 || i + b[i + 1] > end)
			break;   /* malformed: what came before stands */
		len = b[i + 1];
		switch (b[i]) {
		case OPT_MSS:
			if (len == 4)
				o->mss = (uint16_t)(b[i + 2] << 8 | b[i + 3]);
			break;
		case OPT_WS:
			if (len == 3)
				o->ws = RTE_MIN(b[i + 2], 14);   /* RFC 7323 2.3 */
			break;
		case OPT_SACKP:
			o->sack_ok = len == 2;
			break;
		case OPT_SACK:
			if (len >= 10 && (len - 2) % 8 == 0) {
				o->sack_at = (uint16_t)(i + 2);
				o->sack_n = (uint8_t)((len - 2) / 8);
			}
			break;
		case OPT_TS:
			if (len == 10) {
				o->ts = 1;
				o->ts_at = (uint16_t)(i + 2);
				o->tsval = rd32(b + i + 2);
				o->tsecr = rd32(b + i + 6);
			}
			break;
		default:
			break;
		}
		i += len;
	}
}

/*
 * Set the 32-bit field at <off> bytes into TCP header <th> to <v> (host
 * order), the checksum updated. The checksum adds 16-bit words from the
 * header's start: a field at an odd offset straddles them, and its words'
 * sum is the byte-swapped sum of its own two halves (RFC 1071 2(B)), so the
 * folded delta is swapped.
 */
static inline void
put32(struct rte_tcp_hdr *th, uint32_t off, uint32_t v)
{
	uint8_t *p = (uint8_t *)th + off;
	uint32_t old, new = rte_cpu_to_be_32(v);
	uint16_t d;

	memcpy(&old, p, sizeof(old));
	memcpy(p, &new, sizeof(new));
	d = (uint16_t)nc_csum_fold32(nc_csum_delta32(old, new));
	if (off & 1)
		d = rte_bswap16(d);
	th->cksum = nc_csum_adjust(th->cksum, d);
}

static inline void
win_set(struct rte_tcp_hdr *th, uint32_t win)
{
	uint16_t old = th->rx_win;

	th->rx_win = rte_cpu_to_be_16((uint16_t)RTE_MIN(win, (uint32_t)UINT16_MAX));
	th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta16(old, th->rx_win));
}

static inline uint8_t *
opt_mss(uint8_t *o, uint16_t mss)
{
	o[0] = OPT_MSS;
	o[1] = 4;
	o[2] = (uint8_t)(mss >> 8);
	o[3] = (uint8_t)mss;
	return o + 4;
}

/* SACK-permitted (or two NOPs) and the timestamps: 12 bytes, as Linux lays them. */
static inline uint8_t *
opt_ts(uint8_t *o, int sack, uint32_t tsval, uint32_t tsecr)
{
	uint32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(tsecr);

	o[0] = sack ? OPT_SACKP : 1;
	o[1] = sack ? 2 : 1;
	o[2] = OPT_TS;
	o[3] = 10;
	memcpy(o + 4, &v, 4);
	memcpy(o + 8, &e, 4);
	return o + 12;
}

static inline uint8_t *
opt_ws(uint8_t *o, uint8_t ws)
{
	o[0] = 1;
	o[1] = OPT_WS;
	o[2] = 3;
	o[3] = ws;
	return o + 4;
}

/*
 * Make <m> (its contents read already) the appliance's own segment between
 * the ends <e> of a connection, to the client (<to_client>: from the VIP)
 * or from it (to the VIP, as the client would send it), in their family,
 * with <opt_len> option bytes the caller writes after the header returned;
 * NULL when <m> was freed.
 */
static struct rte_tcp_hdr *
own_seg(struct rte_mbuf *m, const struct nc_sp_ends *e, int to_client, uint32_t seq, uint32_t ack,
	uint8_t flags, uint16_t win, uint16_t opt_len)
{
	uint16_t tcp_len = (uint16_t)(sizeof(struct rte_tcp_hdr) + opt_len);
	struct rte_tcp_hdr *t;

	rte_pktmbuf_reset(m);
	if (e->c6 != NULL)
		t = nc_own_tcp6_frame(m, (uint16_t)(L4_OFF6 + tcp_len), tcp_len,
				      to_client ? e->v6 : e->c6, to_client ? e->c6 : e->v6);
	else
		t = nc_own_tcp_frame(m, (uint16_t)(L4_OFF + tcp_len), tcp_len,
				     to_client ? e->v4 : e->c4, to_client ? e->c4 : e->v4);
	if (t == NULL)
		return NULL;
	t->src_port = to_client ? e->vport : e->cport;
	t->dst_port = to_client ? e->cport : e->vport;
	t->sent_seq = rte_cpu_to_be_32(seq);
	t->recv_ack = rte_cpu_to_be_32(ack);
	t->data_off = (uint8_t)((tcp_len / 4) << 4);
	t->tcp_flags = flags;
	t->rx_win = rte_cpu_to_be_16(win);
	return t;
}

/* The checksum of own segment <t> in <m>: over the IPv4 or IPv6 pseudo-header. */
static inline void
own_cksum(struct rte_mbuf *m, struct rte_tcp_hdr *t)
{
	t->cksum = 0;
	t->cksum = held_l4_cksum(m, t);
}

/* The ends of flow <f>'s connection (client and VIP, as the client sent). */
static inline struct nc_sp_ends
ends_of(struct nc_worker *w, const struct nc_flow *f)
{
	const struct nc_flow6_addr *a;

	if (!nc_flow_is_v6(f))
		return nc_sp_ends4(&f->key);
	a = flow6_addr(w, flow_idx(w, f));
	return nc_sp_ends6(a->client, a->vip, f->key.src_port, f->key.dst_port);
}

/* The cookie's input: the tuple of <e> as the client sent it. */
static inline void
ends_tuple(const struct nc_sp_ends *e, struct nc_syncookie_tuple *t)
{
	if (e->c6 != NULL)
		nc_syncookie_tuple6(t, e->c6, e->v6, e->cport, e->vport);
	else
		nc_syncookie_tuple4(t, e->c4, e->v4, e->cport, e->vport);
}

/* The next hop back to client <e> and its MAC (*<mac>): its entry, or < 0
 * with <m> consumed - dropped and counted, an IPv4 next hop asked for (the
 * client sends its SYN again), an IPv6 one's packet passed to the control
 * lcore from port <pidx>, which hands it back once resolved. */
static int
client_hop(struct nc_worker *w, struct rte_mbuf *m, const struct nc_sp_ends *e, uint16_t pidx,
	   uint64_t *mac)
{
	const struct nc_dp *dp = w->dp;
	uint16_t port = 0;
	int nh;

	nh = e->c6 != NULL ? nc_neigh_next_hop6(dp->neigh, e->c6, &port) :
			     nc_neigh_next_hop(dp->neigh, e->c4, &port);
	if (likely(nh >= 0 && ((*mac = nc_neigh_mac(dp->neigh, (uint32_t)nh)) & NC_NEIGH_VALID)))
		return nh;
	if (nh == -ENETUNREACH) {
		drop(w, m, NC_DROP_NO_ROUTE);
	} else if (e->c6 != NULL) {
		resolve6_pass(w, m, pidx);
	} else {
		if (nh == -ENOENT) {   /* asked for; the client sends its SYN again */
			struct nc_ctl_msg msg = { .type = NC_CTL_RESOLVE, .pidx = port, .ip = e->c4 };

			rte_ring_mp_enqueue_elem(dp->ctl_ring, &msg, sizeof(msg));
		}
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
	}
	return -1;
}

/* ------------------------------------------------------- the client's SYN */

void
nc_sp_syn(struct nc_worker *w, struct rte_mbuf *m, uint8_t svc, uint16_t l4_off,
	  const struct nc_sp_ends *e, uint16_t pidx)
{
	const struct nc_dp *dp = w->dp;
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	struct nc_syncookie_tuple tu;
	struct rte_tcp_hdr *t;
	struct sp_opts o;
	uint32_t isn, cookie, ts = 0, mssi;
	uint16_t olen;
	uint64_t mac = 0;
	uint8_t *op;
	int nh;

	if (unlikely(m->nb_segs != 1)) {
		drop(w, m, NC_DROP_FRAME_CHAINED);
		return;
	}
	/* the answer goes back the way a flow's would */
	nh = client_hop(w, m, e, pidx, &mac);
	if (unlikely(nh < 0))
		return;
	opts_parse(th, &o);
	/* a fail-safe service's connections keep only the MSS (a second server
	 * could not keep what the first agreed to): nothing else is offered */
	if (w->tb->svc[svc].failsafe)
		o.ts = 0;
	isn = rte_be_to_cpu_32(th->sent_seq);
	mssi = nc_syncookie_mss_index(o.mss != 0 ? o.mss : 536);
	ends_tuple(e, &tu);
	cookie = nc_syncookie_make_t(&dp->synp_key, &tu, isn,
				     nc_syncookie_count(w->now_ms + dp->synp_clock), mssi);
	/* without timestamps nothing carries window scale and SACK: neither is offered */
	olen = 4;
	if (o.ts) {
		ts = nc_syncookie_ts(w->now_ms, o.ws != NC_SP_WS_NONE ? o.ws : NC_SYNCOOKIE_TS_WS_NONE,
				     o.sack_ok);
		olen = (uint16_t)(olen + 12 + (o.ws != NC_SP_WS_NONE ? 4 : 0));
	}
	t = own_seg(m, e, 1, cookie, isn + 1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, NC_SP_SYN_WIN, olen);
	if (unlikely(t == NULL))
		return;   /* the SYN's own buffer: never too small */
	op = opt_mss((uint8_t *)(t + 1), e->c6 != NULL ? NC_SP_MSS6 : NC_SP_MSS);
	if (o.ts) {
		op = opt_ts(op, o.sack_ok, ts, o.tsval);
		if (o.ws != NC_SP_WS_NONE)
			opt_ws(op, NC_SP_WSCALE);
	}
	own_cksum(m, t);
	w->st.svc[svc].sp[NC_SP_EV_COOKIE_SENT]++;
	tx_mac(w, m, nc_neigh_port(dp->neigh, (uint32_t)nh), mac);
}

/* ------------------------------------------------------- the client's ACK */

int
nc_sp_ack_check(struct nc_worker *w, struct rte_mbuf *m, uint8_t svc, uint16_t l4_off,
		const struct nc_sp_ends *e, struct nc_sp_ack *ck)
{
	const struct nc_dp *dp = w->dp;
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	struct nc_syncookie_tuple tu;
	struct sp_opts o;
	uint32_t ws = NC_SYNCOOKIE_TS_WS_NONE;
	int r, sack = 0;

	opts_parse(th, &o);
	ck->c_isn = rte_be_to_cpu_32(th->sent_seq) - 1;
	ck->cookie = rte_be_to_cpu_32(th->recv_ack) - 1;
	ends_tuple(e, &tu);
	r = nc_syncookie_check_t(&dp->synp_key, &tu, ck->c_isn, ck->cookie,
				 nc_syncookie_count(w->now_ms + dp->synp_clock));
	if (r >= 0 && o.ts && nc_syncookie_ts_decode(o.tsecr, &ws, &sack) < 0)
		r = -2;
	if (unlikely(r < 0)) {
		w->st.svc[svc].sp[r == -1 ? NC_SP_EV_COOKIE_EXPIRED : NC_SP_EV_COOKIE_BAD]++;
		/* a peer dispatcher may have the connection: it goes there as before */
		if (dp->sync || (__atomic_load_n(&dp->redirect[dp->pidx_of[m->port]], __ATOMIC_RELAXED) &
				 NC_DP_REDIRECT_ON))
			redirect_or_drop(w, m);
		else
			drop(w, m, r == -1 ? NC_DROP_SYNCOOKIE_EXPIRED : NC_DROP_SYNCOOKIE_BAD);
		return 0;
	}
	ck->mssi = (uint8_t)r;
	ck->ts = o.ts;
	ck->tsval = o.tsval;
	ck->tsecr = o.tsecr;
	ck->ws = o.ts && ws != NC_SYNCOOKIE_TS_WS_NONE ? (uint8_t)ws : NC_SP_WS_NONE;
	ck->sack = (uint8_t)(o.ts && sack);
	ck->win = rte_be_to_cpu_16(th->rx_win);
	w->st.svc[svc].sp[NC_SP_EV_COOKIE_VALID]++;
	return 1;
}

/* A client's window field in its own scale, for a server that does not
 * scale: unscaled, at most 65535. */
static inline uint32_t
win_unscaled(const struct nc_synp *sp, uint16_t win)
{
	return sp->ws_c != NC_SP_WS_NONE ? (uint32_t)win << sp->ws_c : win;
}

/* In <syn>: the SYN the client of proxied flow <f> would have sent its
 * server, from what its ACK of the cookie kept (<sp>): its ISN, window, MSS,
 * and with timestamps its clock, SACK-permitted and window scale. Client to
 * VIP, in the client's family. Returns its TCP header, NULL when <syn> was
 * freed (no room). */
static struct rte_tcp_hdr *
client_syn(struct nc_worker *w, const struct nc_flow *f, const struct nc_synp *sp, struct rte_mbuf *syn)
{
	struct nc_sp_ends e = ends_of(w, f);
	int ts = !!(sp->flags & NC_SP_CTS);
	uint16_t olen = 4;
	struct rte_tcp_hdr *t;
	uint8_t *op;

	if (ts)
		olen = (uint16_t)(olen + 12 + (sp->ws_c != NC_SP_WS_NONE ? 4 : 0));
	/* a SYN's window is never scaled: the client's in its own scale */
	t = own_seg(syn, &e, 0, sp->c_isn, 0, RTE_TCP_SYN_FLAG,
		    (uint16_t)RTE_MIN(win_unscaled(sp, sp->c_win), 65535u), olen);
	if (unlikely(t == NULL))
		return NULL;
	op = opt_mss((uint8_t *)(t + 1), nc_syncookie_mss[sp->mssi]);
	if (ts) {
		op = opt_ts(op, sp->sack, sp->c_tsval, 0);
		if (sp->ws_c != NC_SP_WS_NONE)
			opt_ws(op, sp->ws_c);
	}
	own_cksum(syn, t);
	return t;
}

/* Queue flow <idx>'s SYN's deadline: unanswered then, it goes again
 * (nc_worker_sp_poll). A full queue leaves it to the client's retransmission
 * of its first data, or the flow's expiry. */
static void
syn_timer_arm(struct nc_worker *w, uint32_t idx)
{
	struct nc_synp *sp = &w->synp[idx];
	uint32_t due = w->now_ms + NC_SP_RTO_MS;

	sp->syn_due_ms = due;
	if (nc_flow_timer_add(w->spq, NC_SP_QUEUE, w->spq_head, &w->spq_tail, idx, due) < 0)
		sp->syn_due_ms = due - 1;   /* no entry of the queue is this one's */
}

struct rte_mbuf *
nc_sp_open(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, uint16_t l4_off, uint16_t pay,
	   const struct nc_sp_ack *ck)
{
	struct nc_synp *sp = &w->synp[flow_idx(w, f)];
	struct rte_mbuf *syn = m;

	sp->held = NULL;
	sp->cookie = ck->cookie;
	sp->c_isn = ck->c_isn;
	sp->c_tsval = ck->tsval;
	sp->c_tsecr = ck->tsecr;   /* the TSval the client had from the cookie's SYN-ACK */
	sp->c_win = ck->win;
	sp->ts_off = 0;
	sp->ws_c = ck->ws;
	sp->ws_s = NC_SP_WS_NONE;
	sp->delta = 0;
	sp->mssi = ck->mssi;
	sp->sack = ck->sack;
	sp->syn_tries = 0;
	sp->flags = (uint8_t)(NC_SP_PROXIED | (ck->ts ? NC_SP_CTS : 0));
	if (pay != 0 || m->nb_segs != 1) {
		syn = rte_pktmbuf_alloc(m->pool);
		if (pay != 0 && syn != NULL && m->nb_segs == 1) {
			sp->held = m;   /* goes on after the server's SYN-ACK */
			sp->held_l4 = l4_off;
			sp->held_pay = pay;
			w->st.svc[f->svc].sp[NC_SP_EV_HELD]++;
		} else if (syn != NULL) {
			drop(w, m, NC_DROP_SYNPROXY_PENDING);   /* the client sends it again */
		} else {
			syn = m;   /* no buffer: the data goes again from the client */
			w->st.drop[NC_DROP_SYNPROXY_PENDING]++;
			if (m->nb_segs != 1) {
				drop(w, m, NC_DROP_FRAME_CHAINED);
				return NULL;
			}
		}
	}
	if (client_syn(w, f, sp, syn) == NULL)
		return NULL;
	syn->port = m->port;
	syn_timer_arm(w, flow_idx(w, f));
	return syn;
}

/* ------------------------------------------------------ bridged segments */

/* The SYN made for the client of proxied flow <f> (<idx>) once more, through
 * the client leg (a buffer from <pool>), its deadline queued anew. */
static void
syn_again(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mempool *pool)
{
	struct rte_mbuf *syn = rte_pktmbuf_alloc(pool);

	w->st.svc[f->svc].sp[NC_SP_EV_SYN_AGAIN]++;
	syn_timer_arm(w, idx);
	if (syn == NULL)
		return;
	if (client_syn(w, f, &w->synp[idx], syn) != NULL) {
		/* as if from the client's side */
		syn->port = w->dp->port_id[nc_neigh_port(w->dp->neigh, f->nh_client)];
		nc_sp_leg(w, f, idx, syn, held_l4_off(syn), 0);
	}
}

/*
 * A SYN made for a client goes again when its server has not answered within
 * NC_SP_RTO_MS, NC_SP_SYN_TRIES times at most: a client that waits for its
 * server to speak first (SMTP, FTP, a database) sends nothing that would
 * stand for a timer, and its connection would wait for the flow's expiry.
 */
unsigned int
nc_worker_sp_poll(struct nc_worker *w)
{
	struct nc_flow_timer t;
	unsigned int n = 0;

	if (w->spq == NULL)
		return 0;
	/* a bounded number per loop: forwarding goes on meanwhile */
	while (n < 32 && nc_flow_timer_due(w->spq, NC_SP_QUEUE, &w->spq_head, w->spq_tail, w->now_ms, &t)) {
		struct nc_flow *f = flow_at(w, t.idx);
		struct nc_synp *sp = &w->synp[t.idx];

		/* gone, answered, or an entry of an earlier state */
		if (f->state != NC_FLOW_SYN || !nc_sp_flow(w, f, t.idx) ||
		    (sp->flags & (NC_SP_EST | NC_SP_WAIT)) || sp->syn_due_ms != t.due_ms ||
		    sp->syn_tries >= NC_SP_SYN_TRIES)
			continue;
		n++;
		sp->syn_tries++;
		w->st.svc[f->svc].sp[NC_SP_EV_SYN_TIMER]++;
		syn_again(w, f, t.idx, w->dp->sp_pool);
	}
	return n;
}

int
nc_sp_client(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	     const struct pkt_meta *pm)
{
	struct nc_synp *sp = &w->synp[idx];
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pm->l4_off);
	struct sp_opts o;
	unsigned int i;

	if (unlikely((sp->flags & (NC_SP_EST | NC_SP_WAIT)) != NC_SP_EST)) {
		/* the SYN nc_sp_open() made (or the client's own again) */
		if ((th->tcp_flags & RTE_TCP_SYN_FLAG) && rte_be_to_cpu_32(th->sent_seq) == sp->c_isn)
			return 1;
		/* the server has not answered: the first data is held, the rest
		 * comes again from the client */
		if (pm->pay != 0 && sp->held == NULL && m->nb_segs == 1) {
			sp->held = m;
			sp->held_l4 = pm->l4_off;
			sp->held_pay = pm->pay;
			w->st.svc[f->svc].sp[NC_SP_EV_HELD]++;
			return 0;
		}
		/* its first data again: the server has not answered within the
		 * client's retransmission time, whose timer stands for ours -
		 * the SYN made for it goes again */
		if (!(sp->flags & NC_SP_EST) && pm->pay != 0 && sp->held != NULL &&
		    rte_be_to_cpu_32(th->sent_seq) == sp->c_isn + 1)
			syn_again(w, f, idx, m->pool);
		drop(w, m, NC_DROP_SYNPROXY_PENDING);
		return 0;
	}
	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		put32(th, offsetof(struct rte_tcp_hdr, recv_ack),
		      rte_be_to_cpu_32(th->recv_ack) - sp->delta);
	if (sp->ws_c != NC_SP_WS_NONE && sp->ws_s == NC_SP_WS_NONE)
		win_set(th, win_unscaled(sp, rte_be_to_cpu_16(th->rx_win)));
	if ((th->data_off >> 4) > 5) {
		uint8_t *b = (uint8_t *)th;

		opts_parse(th, &o);
		/* the client echoes the server's clock as it saw it */
		if (o.ts && (sp->flags & NC_SP_TS))
			put32(th, o.ts_at + 4u, o.tsecr - sp->ts_off);
		/* SACK blocks are the server's numbers as the client sees them */
		for (i = 0; i < o.sack_n; i++) {
			uint32_t at = o.sack_at + i * 8u;

			put32(th, at, rd32(b + at) - sp->delta);
			put32(th, at + 4, rd32(b + at + 4) - sp->delta);
		}
	}
	return 1;
}

/*
 * The server answered proxied flow <f>'s SYN with the bare ACK <m> of an
 * older connection (acknowledging <ack>, not the client's ISN): its 4-tuple
 * is still in TIME_WAIT, the local port having come round within it. As the
 * client's TCP would (RFC 9293 3.10.7.3), the appliance resets it there - an
 * RST at <ack>, from the local address and port - and sends the SYN again,
 * once (a server that answers so again gets the reset only). Consumes <m>.
 */
static void
stale_tuple(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m, uint32_t ack)
{
	struct nc_synp *sp = &w->synp[idx];
	struct rte_mempool *pool = m->pool;
	struct rte_tcp_hdr *t;
	struct nc_sp_ends e;

	w->st.svc[f->svc].sp[NC_SP_EV_STALE_TUPLE]++;
	if (nc_flow_is_v6(f) && !nc_flow_is_64(f)) {
		const struct nc_flow6_addr *a = flow6_addr(w, idx);

		e = nc_sp_ends6(a->lip, a->server, f->lport, f->server_port);
	} else {   /* IPv4 towards the server, NAT64's too */
		e = (struct nc_sp_ends){ NULL, NULL, f->lip, f->server_ip, f->lport, f->server_port };
	}
	t = own_seg(m, &e, 0, ack, 0, RTE_TCP_RST_FLAG, 0, 0);
	if (t != NULL) {
		own_cksum(m, t);
		tx_to(w, m, f->nh_server);
	}
	if (!(sp->flags & NC_SP_STALE)) {
		sp->flags |= NC_SP_STALE;
		syn_again(w, f, idx, pool);
	}
}

int
nc_sp_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	     const struct pkt_meta *pm)
{
	struct nc_synp *sp = &w->synp[idx];
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, pm->l4_off);
	uint8_t fl = th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG);
	struct sp_opts o;

	if (unlikely(fl & RTE_TCP_SYN_FLAG)) {
		uint32_t ack = rte_be_to_cpu_32(th->recv_ack);

		if (fl != (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) || m->nb_segs != 1 ||
		    (!(sp->flags & NC_SP_EST) && ack != sp->c_isn + 1)) {
			drop(w, m, NC_DROP_NO_FLOW);
			return 0;
		}
		/* once bridged, a SYN-ACK that is not the first server's again
		 * answers a connection the fail-safe opened (a move): its hooks
		 * take it */
		if ((sp->flags & NC_SP_EST) &&
		    (ack != sp->c_isn + 1 || rte_be_to_cpu_32(th->sent_seq) != sp->cookie - sp->delta))
			return 3;
		if (!(sp->flags & NC_SP_EST)) {
			/* the client's view of the server's stream starts at the cookie */
			opts_parse(th, &o);
			sp->delta = sp->cookie - rte_be_to_cpu_32(th->sent_seq);
			if (o.ts && (sp->flags & NC_SP_CTS)) {
				sp->ts_off = sp->c_tsecr - o.tsval;
				sp->flags |= NC_SP_TS;
			}
			if (sp->ws_c != NC_SP_WS_NONE && o.ws != NC_SP_WS_NONE)
				sp->ws_s = o.ws;
			sp->flags |= NC_SP_EST;
			w->st.svc[f->svc].sp[NC_SP_EV_OPENED]++;
		}
		return 2;   /* the hooks see it; then the client's ACK answers it */
	}
	if (unlikely(!(sp->flags & NC_SP_EST))) {
		/* the server refuses the connection: the client hears it at the
		 * number it expects next */
		if ((fl & RTE_TCP_RST_FLAG) && (!(fl & RTE_TCP_ACK_FLAG) ||
						rte_be_to_cpu_32(th->recv_ack) == sp->c_isn + 1)) {
			put32(th, offsetof(struct rte_tcp_hdr, sent_seq), sp->cookie + 1);
			return 1;
		}
		if (fl == RTE_TCP_ACK_FLAG && rte_be_to_cpu_32(th->recv_ack) != sp->c_isn + 1 &&
		    m->nb_segs == 1) {
			stale_tuple(w, f, idx, m, rte_be_to_cpu_32(th->recv_ack));
			return 0;
		}
		drop(w, m, NC_DROP_NO_FLOW);
		return 0;
	}
	return 1;
}

void
nc_sp_s2c(struct nc_worker *w, uint32_t idx, struct rte_mbuf *m, uint16_t l4_off)
{
	const struct nc_synp *sp = &w->synp[idx];
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
	struct sp_opts o;

	if (unlikely(!(sp->flags & NC_SP_EST)))
		return;   /* an RST before the SYN-ACK: nc_sp_server() placed it */
	put32(th, offsetof(struct rte_tcp_hdr, sent_seq), rte_be_to_cpu_32(th->sent_seq) + sp->delta);
	if (sp->ws_c != NC_SP_WS_NONE && sp->ws_s != NC_SP_WSCALE) {
		uint32_t win = rte_be_to_cpu_16(th->rx_win);

		if (sp->ws_s != NC_SP_WS_NONE)
			win <<= sp->ws_s;
		win_set(th, win >> NC_SP_WSCALE);
	}
	if ((sp->flags & NC_SP_TS) && (th->data_off >> 4) > 5) {
		opts_parse(th, &o);
		if (o.ts)
			put32(th, o.ts_at, o.tsval + sp->ts_off);
	}
}

struct rte_mbuf *
nc_sp_client_ack(struct nc_worker *w, const struct nc_flow *f, uint32_t idx, struct rte_mbuf *m)
{
	const struct nc_synp *sp = &w->synp[idx];
	struct nc_sp_ends e = ends_of(w, f);
	struct rte_tcp_hdr *t;
	int ts = !!(sp->flags & NC_SP_CTS);
	uint16_t port = m->port;

	w->synp[idx].flags &= (uint8_t)~NC_SP_WAIT;   /* bridged both ways from here */
	t = own_seg(m, &e, 0, sp->c_isn + 1, sp->cookie + 1, RTE_TCP_ACK_FLAG, sp->c_win, ts ? 12 : 0);
	if (unlikely(t == NULL))
		return NULL;
	if (ts)
		opt_ts((uint8_t *)(t + 1), 0, sp->c_tsval, sp->c_tsecr);
	own_cksum(m, t);
	m->port = port;
	return m;
}

void
nc_sp_release(struct nc_worker *w, uint32_t idx)
{
	struct nc_synp *sp = &w->synp[idx];

	if (unlikely(sp->held != NULL)) {
		rte_pktmbuf_free(sp->held);
		sp->held = NULL;
	}
	sp->flags = 0;
}

/* ------------------------------------------------------------ flow sync */

/* a record's bridge carries the timestamps' flags as they are */
_Static_assert(NC_SYNC_SP_TS == NC_SP_TS && NC_SYNC_SP_CTS == NC_SP_CTS, "the bridge's flags");

int
nc_sp_rec(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx, struct nc_sync_sp *out)
{
	const struct nc_synp *sp;

	if (!nc_sp_flow(w, f, idx) || !(w->synp[idx].flags & NC_SP_EST))
		return 0;
	sp = &w->synp[idx];
	out->delta = sp->delta;
	out->ts_off = sp->ts_off;
	out->ws_c = sp->ws_c;
	out->ws_s = sp->ws_s;
	out->flags = (uint8_t)(sp->flags & (NC_SP_TS | NC_SP_CTS));
	out->pad = 0;
	return 1;
}

void
nc_sp_adopt(struct nc_worker *w, uint32_t idx, const struct nc_sync_sp *s)
{
	struct nc_synp *sp = &w->synp[idx];

	nc_sp_release(w, idx);
	if (s == NULL)
		return;
	memset(sp, 0, sizeof(*sp));
	sp->delta = s->delta;
	sp->ts_off = s->ts_off;
	sp->ws_c = s->ws_c;
	sp->ws_s = s->ws_s;
	sp->flags = (uint8_t)(NC_SP_PROXIED | NC_SP_EST | (s->flags & (NC_SP_TS | NC_SP_CTS)));
}

/* ----------------------------------------------- auto, on the control lcore */

/*
 * Once a second, each "auto" service's handshakes under way: on above
 * syn_proxy_threshold, off below half of it. While cookies answer, the
 * flows that would be half-open are not: the SYNs whose cookie came back
 * from no ACK in the last second, which would have waited limits.tcp_syn_s
 * each, stand in for them (a flood keeps it on; a quiet second of clients
 * that all complete their handshakes turns it off).
 */
void
nc_dp_synproxy_poll(struct nc_dp *dp, uint64_t now)
{
	struct nc_dp_ctl *ctl = dp->ctl;
	const struct nc_dp_tables *tb = dp->tables;
	uint16_t s, k;

	if (!dp->synp || now - ctl->synp_at < dp->tsc_hz)
		return;
	ctl->synp_at = now;
	for (s = 0; s < dp->n_services; s++) {
		const struct nc_cfg_service *cs = &dp->cfg->services[s];
		struct nc_svc_stats *ss0 = &dp->worker[0]->st.svc[s];
		uint64_t half = 0, sent = 0, valid = 0, unvalid, est;
		uint8_t on = dp->synp_on[s];

		if (tb->svc[s].syn_proxy != NC_SYNP_AUTO) {
			on = tb->svc[s].syn_proxy == NC_SYNP_ON;
			if (dp->synp_on[s] != on)
				__atomic_store_n(&dp->synp_on[s], on, __ATOMIC_RELAXED);
			__atomic_store_n(&ss0->sp_active, on, __ATOMIC_RELAXED);
			continue;
		}
		for (k = 0; k < dp->n_workers; k++) {
			const struct nc_svc_stats *ss = &dp->worker[k]->st.svc[s];

			half += __atomic_load_n(&ss->half_open, __ATOMIC_RELAXED);
			sent += __atomic_load_n(&ss->sp[NC_SP_EV_COOKIE_SENT], __ATOMIC_RELAXED);
			valid += __atomic_load_n(&ss->sp[NC_SP_EV_COOKIE_VALID], __ATOMIC_RELAXED);
		}
		unvalid = sent - valid;
		est = half;
		if (on)
			est += (unvalid - ctl->synp_unvalid[s]) * RTE_MAX(dp->to_syn / 1000, 1u);
		ctl->synp_unvalid[s] = unvalid;
		if (!on && half >= cs->syn_proxy_threshold)
			on = 1;
		else if (on && est < cs->syn_proxy_threshold / 2)
			on = 0;
		else
			continue;
		__atomic_store_n(&dp->synp_on[s], on, __ATOMIC_RELAXED);
		__atomic_store_n(&ss0->sp[on ? NC_SP_EV_AUTO_ON : NC_SP_EV_AUTO_OFF],
				 ss0->sp[on ? NC_SP_EV_AUTO_ON : NC_SP_EV_AUTO_OFF] + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&ss0->sp_active, on, __ATOMIC_RELAXED);
		if (now - ctl->synp_log_at[s] >= dp->tsc_hz || ctl->synp_log_at[s] == 0) {
			ctl->synp_log_at[s] = now;
			NC_LOG(WARNING, DP, "service %s: syn_proxy auto %s (%" PRIu64 " handshakes under "
			       "way%s, threshold %u)", cs->name, on ? "on" : "off", est,
			       on ? "" : " counting unanswered cookies", cs->syn_proxy_threshold);
		}
	}
}
