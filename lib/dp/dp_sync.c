/* SPDX-License-Identifier: BSD-3-Clause
 * Flow sync in the data plane (nc_dp.h, "flow sync"): the workers' records
 * to the control lcore, the installs of a peer's flows the other way, walks
 * of a whole table for a peer's bulk copy, the flush of a dispatcher that
 * was taken over, and which local IPs are answered for. The worker's half
 * runs in its loop (nc_worker_sync_poll) and in the hooks of dp_sync.h, never
 * per packet of an unchanged flow; the rest is the control lcore's.
 */
#include <limits.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <rte_hash_crc.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring_elem.h>

#include "dp_client_addr.h"
#include "dp_failsafe.h"
#include "dp_synproxy.h"
#include "dp_v6.h"

#define SYNC_RING      16384   /* records a worker may have waiting */
#define ADOPT_RING     16384   /* installs a worker may have waiting */
#define WALK_STEP      256     /* flow slots a walk looks at per loop */
#define WALK_ROOM      64      /* free records a walk leaves in the ring */
#define BACK_RING      1024    /* proxied SYN-ACKs handed back a worker may have waiting */

/* What a proxied flow's SYN-ACK carries on its way through the control lcore
 * and back (the mbuf's dynamic field): its worker, its flow, and the
 * client's ISN to tell that flow from a later one in the same slot. */
struct nc_sync_back {
	uint32_t idx;
	uint32_t c_isn;
	uint16_t worker;
};

/* A record as a worker's ring carries it: an IPv6 flow's addresses beside it. */
struct sync_item {
	struct nc_sync_rec r;
	struct nc_sync_addr6 a6;
};

/* An install, as queued to a worker: the flow, and the packet that asked for it. */
struct adopt {
	struct nc_sync_rec r;
	struct nc_sync_addr6 a6;
	struct rte_mbuf *pkt;
};

/* ------------------------------------------------------------ worker */

static void
fill_rec(const struct nc_worker *w, const struct nc_flow *f, struct sync_item *it)
{
	struct nc_sync_rec *r = &it->r;

	memcpy(r->key, &f->key, sizeof(r->key));
	r->lip = f->lip;
	r->server_ip = f->server_ip;
	if (unlikely(nc_flow_is_v6(f))) {
		const struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));

		memcpy(it->a6.client, a->client, 16);
		memcpy(it->a6.vip, a->vip, 16);
		if (nc_flow_is_64(f)) {   /* IPv4 in lip and server_ip */
			memset(it->a6.lip, 0, sizeof(it->a6.lip) + sizeof(it->a6.server));
		} else {
			memcpy(it->a6.lip, a->lip, 16);
			memcpy(it->a6.server, a->server, 16);
			/* no IPv4 address: its windows there, ours alone */
			memset(r->key, 0, 2 * sizeof(r->key[0]));
			r->lip = 0;
			r->server_ip = 0;
		}
	}
	r->state = f->state;
	r->flags = (uint8_t)(((f->fin & NC_FLOW_FIN_C) ? NC_SYNC_F_FIN_C : 0) |
			     ((f->fin & NC_FLOW_FIN_S) ? NC_SYNC_F_FIN_S : 0));
	r->lport = f->lport;
	r->server_port = f->server_port;
	r->delta = 0;
	if (f->key.proto == IPPROTO_TCP && w->tfs != NULL && w->tb->svc[f->svc].failsafe) {
		const struct nc_tcpfs *t = &w->tfs[flow_idx(w, f)];

		if (t->flags & NC_TFS_SPLICED) {
			r->flags |= NC_SYNC_F_SPLICED;
			r->delta = t->delta;
		}
		if (t->flags & NC_TFS_SACK)
			r->flags |= NC_SYNC_F_SACK;
	}
	/* a connection the SYN proxy opened: the survivor bridges it too */
	memset(&r->sp, 0, sizeof(r->sp));
	if (unlikely(w->synp != NULL) && nc_sp_rec(w, f, flow_idx(w, f), &r->sp))
		r->flags |= NC_SYNC_F_PROXIED;
}

void
nc_sync_emit(struct nc_worker *w, const struct nc_flow *f, uint8_t op, struct rte_mbuf *m,
	     uint32_t ttl_ms, uint8_t flags, const struct nc_sync_tcp *tcp)
{
	struct sync_item it;
	struct nc_sync_rec *r = &it.r;

	fill_rec(w, f, &it);
	if (tcp != NULL)
		r->tcp = *tcp;
	else
		memset(&r->tcp, 0, sizeof(r->tcp));
	r->op = op;
	r->flags |= flags;
	if (op == NC_SYNC_FLOW && tcp == NULL && f->key.proto == IPPROTO_TCP && w->tfs != NULL &&
	    w->tb->svc[f->svc].failsafe && w->tfs[flow_idx(w, f)].isn_known) {
		/* a survivor tells the connection's SYN sent again from a new one */
		r->flags |= NC_SYNC_F_ISN;
		r->tcp.c_isn = w->tfs[flow_idx(w, f)].syn_isn;
	}
	r->ca = (uint8_t)(f->ca & NC_FLOW_CA_MODE);
	r->ttl_ms = ttl_ms;
	r->m = m;
	if (m != NULL)
		rte_mbuf_refcnt_update(m, 1);
	if (unlikely(rte_ring_sp_enqueue_elem(w->sync_ring, &it, sizeof(it)) != 0)) {
		w->st.sync_ring_full++;
		if (m != NULL)
			rte_pktmbuf_free(m);
		return;
	}
	w->st.sync_records++;
}

/* A flow's record at its server's acceptance: where both streams start
 * (NC_SYNC_F_FRESH), from the fail-safe, from the SYN proxy (the server's
 * own ISN; a proxied connection's SYN-ACK never reaches its client) or from
 * <th>, the SYN-ACK as its client gets it (NULL for a proxied one). */
static void
fresh_isns(struct nc_worker *w, const struct nc_flow *f, struct nc_sync_rec *r,
	   const struct rte_tcp_hdr *th)
{
	/* a PROXY header just went: a survivor resends it until acknowledged */
	nc_ca_isns(w, f, &r->tcp.c_isn, &r->tcp.srv_isn);
	if (w->tfs != NULL && w->tb->svc[f->svc].failsafe) {
		/* a survivor can follow it from its first byte */
		const struct nc_tcpfs *t = &w->tfs[flow_idx(w, f)];

		r->flags |= NC_SYNC_F_FRESH | (t->isn_known ? NC_SYNC_F_ISN : 0);
		r->tcp.c_isn = t->c_isn;
		r->tcp.srv_isn = t->srv_isn;
	} else if ((r->flags & NC_SYNC_F_PROXIED) && r->tcp.srv_isn == 0) {
		const struct nc_synp *sp = &w->synp[flow_idx(w, f)];

		r->flags |= NC_SYNC_F_FRESH;
		r->tcp.c_isn = sp->c_isn;
		r->tcp.srv_isn = sp->cookie - sp->delta;
	} else if (f->key.proto == IPPROTO_TCP && r->tcp.srv_isn == 0 && th != NULL) {
		/* the SYN-ACK as its client gets it: a survivor knows the
		 * client's SYN again (it acknowledges the client's ISN) */
		r->flags |= NC_SYNC_F_FRESH;
		r->tcp.c_isn = rte_be_to_cpu_32(th->recv_ack) - 1;
		r->tcp.srv_isn = rte_be_to_cpu_32(th->sent_seq);
	}
}

/* Record <op> of flow <f> (synced from now) in <it>, carrying frame <m>
 * for after it left; a FLOW record says where both streams start (<th>:
 * the SYN-ACK as its client gets it, NULL for a proxied connection). */
static void
frame_rec(struct nc_worker *w, struct nc_flow *f, struct sync_item *it, uint8_t op,
	  struct rte_mbuf *m, const struct rte_tcp_hdr *th)
{
	struct nc_sync_rec *r = &it->r;

	f->sync |= NC_FLOW_SYNCED;
	fill_rec(w, f, it);
	r->op = op;
	r->ca = (uint8_t)(f->ca & NC_FLOW_CA_MODE);
	r->ttl_ms = 0;
	r->m = m;
	memset(&r->tcp, 0, sizeof(r->tcp));
	if (op == NC_SYNC_FLOW)
		fresh_isns(w, f, r, th);
}

int
nc_sync_proxied(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m)
{
	struct nc_sync_back *b = RTE_MBUF_DYNFIELD(m, w->dp->sync_back_off, struct nc_sync_back *);
	struct sync_item it;

	frame_rec(w, f, &it, NC_SYNC_FLOW, m, NULL);
	b->idx = flow_idx(w, f);
	b->c_isn = w->synp[b->idx].c_isn;
	b->worker = w->id;
	if (unlikely(rte_ring_sp_enqueue_elem(w->sync_ring, &it, sizeof(it)) != 0)) {
		/* no room to tell the peers: the request goes on at once */
		w->st.sync_ring_full++;
		return 1;
	}
	w->st.sync_records++;
	return 0;
}

void
sync_with_frame(struct nc_worker *w, struct nc_flow *f, uint8_t op, struct rte_mbuf *m, uint16_t l4_off)
{
	const struct nc_dp *dp = w->dp;
	uint64_t mac = nc_neigh_mac(dp->neigh, f->nh_client);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint16_t pidx = nc_neigh_port(dp->neigh, f->nh_client);
	struct sync_item it;

	if (unlikely(!(mac & NC_NEIGH_VALID))) {
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
		return;
	}
	memcpy(&eth->dst_addr, &mac, RTE_ETHER_ADDR_LEN);
	eth->src_addr = dp->mac[pidx];
	m->port = dp->port_id[pidx];
	frame_rec(w, f, &it, op, m, rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off));
	if (unlikely(rte_ring_sp_enqueue_elem(w->sync_ring, &it, sizeof(it)) != 0)) {
		/* no room to tell the peers: the client gets it at once */
		w->st.sync_ring_full++;
		tx_mac(w, m, pidx, mac);
		return;
	}
	w->st.sync_records++;
}

/*
 * A peer's TCP flow with a complete request unanswered: the fail-safe follows
 * it from here as if it had read it - HTTP framing at a message boundary both
 * ways, the request held (<m>: it in one segment as its client sent it) - so
 * that it moves to another server if its own fails before the answer.
 */
static void
adopt_tcp_held(struct nc_worker *w, struct nc_flow *f, uint32_t idx, const struct nc_sync_rec *r)
{
	struct nc_tcpfs *t = &w->tfs[idx];
	uint32_t len = held_l4_len(r->m) - (uint32_t)sizeof(struct rte_tcp_hdr);
	uint32_t kept = t->flags & (NC_TFS_SPLICED | NC_TFS_SACK), delta = t->delta;
	uint32_t *c = &w->txc[2 * idx], syn_isn = t->syn_isn;
	uint8_t isn_known = t->isn_known;

	if (*c != NC_TX_NONE)
		nc_txstore_release(w->txs, c, c + 1);
	memset(t, 0, sizeof(*t));
	nc_http_init(&t->req, NC_HTTP_REQUEST);
	nc_http_init(&t->resp, NC_HTTP_RESPONSE);
	t->mode = NC_FSM_HTTP;
	t->flags = (uint16_t)(NC_TFS_SYNACK | NC_TFS_ADOPTED | kept);
	t->delta = delta;
	t->syn_isn = syn_isn;
	t->isn_known = isn_known;
	t->c_isn = r->tcp.c_isn;
	t->srv_isn = r->tcp.srv_isn;
	t->c_next = r->tcp.start + len;
	t->c_ack = r->tcp.s_next;
	t->s_next = r->tcp.s_next;
	t->s_ack = t->c_next;
	t->s_win = UINT16_MAX;
	t->q[0] = (struct nc_fs_req){ .start = r->tcp.start, .end = t->c_next, .method = r->tcp.method,
				      .minor = r->tcp.minor, .hflags = r->tcp.hflags,
				      .flags = NC_FSR_HEAD | NC_FSR_DONE };
	t->q_n = 1;
	t->rp_slot = NC_TX_NONE;
	t->owed_ms = w->now_ms - (w->tb->svc[f->svc].resp_timeout_ms -
				  RTE_MIN(r->ttl_ms, w->tb->svc[f->svc].resp_timeout_ms));
	t->held = len;
}

/* The IPv6 flow key of record <r> with addresses <a6>. */
static void
key6_of(const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6, struct nc_flow6_key *k)
{
	const struct nc_flow_key *k4 = (const struct nc_flow_key *)r->key;

	memcpy(k->src_ip, a6->client, 16);
	memcpy(k->dst_ip, a6->vip, 16);
	k->src_port = k4->src_port;
	k->dst_port = k4->dst_port;
	k->proto = k4->proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
}

/* The flow of record <r> (<a6>: an IPv6 one's addresses) here: its index, or
 * -ENOENT; its key and hash for an install in <k> or <k6>, <hash>. */
static int32_t
rec_lookup(struct nc_worker *w, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6,
	   struct nc_flow_key *k, struct nc_flow6_key *k6, uint32_t *hash)
{
	if (nc_sync_rec_v6(r)) {
		key6_of(r, a6, k6);
		*hash = nc_flow6_hash(k6);
		return nc_flow6_lookup(w->flows, k6, *hash);
	}
	memcpy(k, r->key, sizeof(*k));
	*hash = nc_flow_hash(k);
	return nc_flow_lookup(w->flows, k, *hash);
}

/* A held request of a peer's flow: a UDP datagram is replayed at its
 * deadline unless its answer comes through here first; a TCP request moves
 * if its server fails. Consumes r->m (the client's frame, of its family). */
static void
adopt_held(struct nc_worker *w, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6)
{
	struct nc_flow6_key k6;
	struct nc_flow_key k;
	struct nc_flow *f;
	uint32_t *c, hash;
	int32_t idx = rec_lookup(w, r, a6, &k, &k6, &hash);
	uint8_t proto = ((const struct nc_flow_key *)r->key)->proto;

	if (idx < 0 || w->txc == NULL) {
		rte_pktmbuf_free(r->m);
		return;
	}
	f = flow_at(w, (uint32_t)idx);
	/* TCP: only on a connection installed as the peer told it, not yet
	 * followed here (NC_TFS_RESUME): once a request of its client was read
	 * here (a later slice of the takeover), this dispatcher knows better */
	if (!w->tb->svc[f->svc].failsafe ||
	    (proto == IPPROTO_TCP && (w->tfs == NULL ||
				      held_l4_len(r->m) <= sizeof(struct rte_tcp_hdr) ||
				      !(w->tfs[idx].flags & NC_TFS_RESUME)))) {
		rte_pktmbuf_free(r->m);
		return;
	}
	if (proto == IPPROTO_TCP)
		adopt_tcp_held(w, f, (uint32_t)idx, r);
	c = &w->txc[2 * idx];
	if (nc_txstore_hold(w->txs, (uint32_t)idx, r->m, w->now_ms + r->ttl_ms, c, c + 1) != 0) {
		rte_pktmbuf_free(r->m);
		w->st.svc[f->svc].fs_store_full++;
		return;
	}
	f->sync |= NC_FLOW_ADOPTED;
	srv_stats(w, f)->fs_held++;
	w->st.svc[f->svc].fs_held++;
	w->st.sync_adopted_held++;
}

/* An IPv4 flow's service, server and local IP here (0 when one is not). */
static int
adopt_find4(const struct nc_worker *w, const struct nc_sync_rec *r, const struct nc_flow_key *k,
	    unsigned int *svc, int *srv, uint16_t *lip_idx)
{
	const struct nc_addr_ent *ae = nc_dp_addr_find(w->tb, r->lip);
	unsigned int sv = nc_dp_svc_by_tuple(w->tb, k->dst_ip, k->dst_port, k->proto);

	if (ae == NULL || ae->lip_plus1 == 0 || sv == 0)
		return 0;
	*svc = sv - 1;
	*srv = nc_dp_server_of(nc_sched_get(w->dp->sched_slot[sv - 1]), r->server_ip, r->server_port);
	*lip_idx = (uint16_t)(ae->lip_plus1 - 1);
	return *srv >= 0;
}

/*
 * Flow <f> here has the key of peer record <r> but is another connection:
 * on a peer's local IP (our copy from an earlier takeover), from another
 * local port or to another server than the record's. That copy's connection
 * ended at the peer once it had its local IPs back - its end passed there,
 * so it lingers here until idle - and the client opened the record's from
 * the same port since: the peer's word is the newer. Followed instead, the
 * client's segments would go to a server that no longer knows the copy's
 * connection, and its reset to the client. (A UDP copy answers as well.)
 */
static bool
stale_copy(const struct nc_worker *w, const struct nc_flow *f, const struct nc_sync_rec *r)
{
	if (f->lip_idx < w->dp->n_own_lips || f->key.proto != IPPROTO_TCP)
		return false;
	return f->lport != r->lport || f->server_port != r->server_port ||
	       (!nc_sync_rec_v6(r) && (f->lip != r->lip || f->server_ip != r->server_ip));
}

/*
 * A client's segment with flags <fl> on TCP flow <idx>, whose handshake has
 * not ended here, acknowledges a SYN-ACK that never passed here (none did:
 * NC_FLOW_SYNCED is set as one does, its record leaving before it): the
 * client's SYN went through a peer dispatcher as well - its retransmission
 * came here, the routers' path having changed, or a hash the client's
 * timeout changes (an IPv6 flow label; a sending host's own hash over a
 * veth) - and the client took the peer's answer. The connection is the
 * peer's: sent on to this flow's server, which never answered it, its
 * segments would draw a reset that ends the client's connection. Not a SYN
 * proxy's connection (its client answers the cookie first). Counted.
 */
int
nc_sync_answered_elsewhere(struct nc_worker *w, uint32_t idx, uint8_t fl)
{
	const struct nc_flow *f = flow_at(w, idx);

	if (f->state != NC_FLOW_SYN ||
	    (fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_ACK_FLAG ||
	    (f->sync & NC_FLOW_SYNCED) || nc_sp_flow(w, f, idx))
		return 0;
	w->st.sync_answered_elsewhere++;
	return 1;
}

/* Install a peer's flow. Returns 1 when the flow is here now (installed,
 * or here already), 0 when not. */
static int
adopt_flow(struct nc_worker *w, const struct adopt *a)
{
	const struct nc_sync_rec *r = &a->r;
	const struct nc_dp *dp = w->dp;
	int v6 = nc_sync_rec_v6(r);
	const struct nc_schedule *s;
	const struct nc_dp_svc *svc;
	struct nc_flow6_key k6;
	struct nc_flow_key k;
	struct nc_flow *f;
	unsigned int sv;
	uint16_t port, lip_idx;
	uint32_t hash;
	int srv, nh, err, ok;
	int32_t pos;

	pos = rec_lookup(w, r, &a->a6, &k, &k6, &hash);
	if (pos >= 0 && flow_at(w, (uint32_t)pos)->state == NC_FLOW_CLOSING && r->state != NC_FLOW_CLOSING) {
		/* a connection of ours that ended, its client's port reused for
		 * the peer's live one: the peer's is the connection now */
		flow_close(w, pos);
		pos = -ENOENT;
	} else if (pos >= 0 && stale_copy(w, flow_at(w, (uint32_t)pos), r)) {
		/* dropped unreported, as a stale port's below */
		flow_at(w, (uint32_t)pos)->sync = 0;
		flow_close(w, pos);
		pos = -ENOENT;
		w->st.sync_adopt_replaced++;
	}
	if (pos >= 0) {
		w->st.sync_adopt_exists++;
		return 1;
	}
	ok = v6 ? nc_v6_adopt_find(w, r, &a->a6, &sv, &srv, &lip_idx) :
		  adopt_find4(w, r, &k, &sv, &srv, &lip_idx);
	if (!ok)
		return 0;
	if (unlikely(r->flags & NC_SYNC_F_PROXIED) &&
	    (w->synp == NULL || w->tb->svc[sv].syn_proxy == NC_SYNP_OFF ||
	     ((const struct nc_flow_key *)r->key)->proto != IPPROTO_TCP)) {
		/* its client numbers the server's bytes from a cookie: without
		 * the bridge here it cannot go on */
		w->st.sync_adopt_unproxied++;
		return 0;
	}
	s = nc_sched_get(dp->sched_slot[sv]);
	if (lip_idx >= dp->n_own_lips) {
		/* a flow here still on the peer's address and port - our copy
		 * from an earlier takeover, ended since at the peer, which gave
		 * the port to this connection: the peer's word is the newer.
		 * Dropped unreported (the peers never had it as ours) */
		int32_t old = nc_flow_by_lport(w->flows, lip_idx, rte_be_to_cpu_16(r->lport));

		if (old >= 0) {
			flow_at(w, (uint32_t)old)->sync = 0;
			flow_close(w, old);
			w->st.sync_adopt_replaced++;
		}
	}
	f = v6 ? nc_flow6_adopt(w->flows, &k6, hash, lip_idx, rte_be_to_cpu_16(r->lport), &err) :
		 nc_flow_adopt(w->flows, &k, hash, lip_idx, rte_be_to_cpu_16(r->lport), &err);
	if (f == NULL) {
		if (err == -EEXIST)
			w->st.sync_adopt_exists++;
		return 0;
	}
	svc = &w->tb->svc[sv];
	f->svc = (uint8_t)sv;
	f->server = (uint8_t)srv;
	f->server_port = r->server_port;
	f->nh_server = s->server[srv].nh;
	f->rest = nc_flow_rest_bit(s->server[srv].addr, s->server[srv].port);
	if (v6) {
		nc_v6_adopt_fill(w, f, r, &a->a6);
	} else {
		nh = nc_neigh_next_hop(dp->neigh, k.src_ip, &port);
		f->lip = r->lip;
		f->server_ip = r->server_ip;
		f->nh_client = nh >= 0 ? (uint32_t)nh : 0;
		nc_flow_set_deltas(f);
		if (svc->persist_ms != 0)
			nc_affinity_set(w->aff, k.src_ip, f->svc, f->server, w->now_ms + svc->persist_ms);
	}
	if (f->key.proto == IPPROTO_TCP)
		f->state = r->state == NC_FLOW_CLOSING ? NC_FLOW_CLOSING : NC_FLOW_EST;
	f->fin = (uint8_t)(((r->flags & NC_SYNC_F_FIN_C) ? NC_FLOW_FIN_C : 0) |
			   ((r->flags & NC_SYNC_F_FIN_S) ? NC_FLOW_FIN_S : 0));
	/* the client address it opened with: a UDP PROXY header needs no
	 * per-flow state, a TCP connection's shift (or TOA) does */
	if (f->key.proto == IPPROTO_UDP && r->ca == NC_CA_PROXY_V2)
		f->ca = NC_CA_PROXY_V2;
	else if (f->key.proto == IPPROTO_TCP && r->ca != NC_CA_NONE)
		nc_ca_adopt(w, f, r->ca, (r->flags & NC_SYNC_F_FRESH) != 0 || r->tcp.srv_isn != 0,
			    r->tcp.c_isn, r->tcp.srv_isn);
	if (unlikely(w->synp != NULL))   /* the SYN proxy's bridge, or none */
		nc_sp_adopt(w, flow_idx(w, f), (r->flags & NC_SYNC_F_PROXIED) ? &r->sp : NULL);
	f->expire_ms = w->now_ms + timeout_of(dp, f);
	f->sync = NC_FLOW_SYNCED | NC_FLOW_ADOPTED;
	if (f->key.proto == IPPROTO_TCP && (r->flags & NC_SYNC_F_FRESH)) {
		f->sync |= NC_FLOW_ISN;
		f->c_isn = r->tcp.c_isn;
	}
	if (f->key.proto == IPPROTO_TCP && svc->failsafe && w->tfs != NULL &&
	    (r->flags & NC_SYNC_F_FRESH)) {
		/* nothing exchanged yet: the fail-safe follows it from its
		 * first byte, as one of ours */
		nc_fs_adopt_fresh(w, f, r->tcp.c_isn, r->tcp.srv_isn, !!(r->flags & NC_SYNC_F_SACK));
	} else if (f->key.proto == IPPROTO_TCP && svc->failsafe && w->tfs != NULL) {
		/* what the fail-safe followed stayed with the dead dispatcher:
		 * plain full NAT from here, with its splice's translation */
		struct nc_tcpfs *t = &w->tfs[flow_idx(w, f)];

		memset(t, 0, sizeof(*t));
		t->mode = NC_FSM_PLAIN;
		t->flags = NC_TFS_SYNACK | NC_TFS_ANSWERED;
		t->syn_isn = r->tcp.c_isn;
		t->isn_known = !!(r->flags & NC_SYNC_F_ISN);
		if (svc->fs_protocol != NC_FS_PROTO_OPAQUE)
			t->flags |= NC_TFS_RESUME;   /* framing from its next request */
		if (r->flags & NC_SYNC_F_SPLICED) {
			t->flags |= NC_TFS_SPLICED;
			t->delta = r->delta;
		}
		if (r->flags & NC_SYNC_F_SACK)
			t->flags |= NC_TFS_SACK;
	}
	w->st.flow_changes++;
	w->st.sync_adopted++;
	w->st.svc[f->svc].flows_opened++;
	w->st.svc[f->svc].server_flows[f->server]++;
	return 1;
}

static void
adopt_one(struct nc_worker *w, struct adopt *a)
{
	int here;

	if (a->r.op == NC_SYNC_HELD) {
		adopt_held(w, &a->r, &a->a6);
		return;
	}
	here = adopt_flow(w, a);
	if (a->pkt == NULL)
		return;
	/* the segment that asked: processed as a fresh arrival, now that the
	 * flow is here (never passed up again: no loop) */
	if (!here) {
		drop(w, a->pkt, NC_DROP_NO_FLOW);
		return;
	}
	if (rte_ring_mp_enqueue(w->handoff, a->pkt) != 0)
		drop(w, a->pkt, NC_DROP_HANDOFF_FULL);
}

/* One step of a walk: every synced flow reported again, with its held
 * requests (UDP), as long as the ring has room. */
static unsigned int
walk_step(struct nc_worker *w, uint32_t gen)
{
	uint32_t slots = nc_flow_slots(w->flows), end = RTE_MIN(w->walk_pos + WALK_STEP, slots);
	unsigned int n = 0;

	for (; w->walk_pos < end; w->walk_pos++) {
		struct nc_flow *f = flow_at(w, w->walk_pos);
		uint32_t slot;

		if (f->state == NC_FLOW_FREE || !(f->sync & NC_FLOW_SYNCED))
			continue;
		if (rte_ring_free_count(w->sync_ring) < WALK_ROOM)
			return n;   /* on at the next loop */
		nc_sync_emit(w, f, NC_SYNC_FLOW, NULL, 0, NC_SYNC_F_BULK, NULL);
		n++;
		if (f->key.proto != IPPROTO_UDP || w->txc == NULL)
			continue;
		for (slot = w->txc[2 * w->walk_pos]; slot != NC_TX_NONE;) {
			const struct rte_mbuf *m = nc_txstore_at(w->txs, slot, &slot);

			nc_sync_emit(w, f, NC_SYNC_HELD, (struct rte_mbuf *)(uintptr_t)m,
				     w->tb->svc[f->svc].resp_timeout_ms, NC_SYNC_F_BULK, NULL);
		}
	}
	if (w->walk_pos == slots)
		__atomic_store_n(&w->walk_gen, gen, __ATOMIC_RELEASE);
	return n;
}

/* Every flow goes, unreported: another dispatcher has them now. */
static void
flush_all(struct nc_worker *w)
{
	uint32_t i, slots = nc_flow_slots(w->flows);

	for (i = 0; i < slots; i++) {
		struct nc_flow *f = flow_at(w, i);

		if (f->state == NC_FLOW_FREE)
			continue;
		f->sync = 0;
		flow_close(w, (int32_t)i);
	}
}

/* Proxied SYN-ACKs whose records left: each flow still the one that sent it
 * and still waiting (not flushed, closed or reopened since, nor answered
 * on a SYN-ACK its server sent again) answers it now, in its client's
 * place (nc_sp_server_hooked); the others are dropped. */
static unsigned int
back_poll(struct nc_worker *w)
{
	struct rte_mbuf *m[32];
	unsigned int n, i;

	if (w->back_ring == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(w->back_ring, (void **)m, RTE_DIM(m), NULL);
	for (i = 0; i < n; i++) {
		const struct nc_sync_back *b = RTE_MBUF_DYNFIELD(m[i], w->dp->sync_back_off,
								 const struct nc_sync_back *);
		struct nc_flow *f = flow_at(w, b->idx);

		if (unlikely(w->dp->sync_quarantine) || f->state == NC_FLOW_FREE ||
		    !(f->sync & NC_FLOW_SYNCED) || !nc_sp_flow(w, f, b->idx) ||
		    !(w->synp[b->idx].flags & NC_SP_WAIT) || w->synp[b->idx].c_isn != b->c_isn) {
			drop(w, m[i], NC_DROP_NO_FLOW);
			continue;
		}
		nc_sp_server_hooked(w, f, b->idx, m[i], held_l4_off(m[i]), 2);
	}
	return n;
}

unsigned int
nc_worker_sync_poll(struct nc_worker *w)
{
	struct nc_dp *dp = w->dp;
	struct adopt a[32];
	unsigned int n, i, done = 0;
	uint32_t gen;

	if (!dp->sync)
		return 0;
	gen = __atomic_load_n(&dp->sync_flush_gen, __ATOMIC_ACQUIRE);
	if (unlikely(gen != w->flush_gen)) {
		flush_all(w);
		__atomic_store_n(&w->flush_gen, gen, __ATOMIC_RELEASE);
	}
	n = rte_ring_sc_dequeue_burst_elem(w->adopt_ring, a, sizeof(a[0]), RTE_DIM(a), NULL);
	for (i = 0; i < n; i++)
		adopt_one(w, &a[i]);
	n += back_poll(w);
	gen = __atomic_load_n(&dp->sync_walk_gen, __ATOMIC_ACQUIRE);
	if (unlikely(gen != w->walk_gen)) {
		if (gen != w->walk_busy) {   /* a new walk: from the first slot */
			w->walk_busy = gen;
			w->walk_pos = 0;
		}
		done = walk_step(w, gen);
	}
	return n + done;
}

/* ------------------------------------------------------------ control lcore */

int
nc_dp_sync_start(struct nc_dp *dp, uint32_t stall_ms)
{
	static const struct rte_mbuf_dynfield back = {
		.name = "netchestra_sync_back",
		.size = sizeof(struct nc_sync_back),
		.align = __alignof__(struct nc_sync_back),
	};
	char name[RTE_RING_NAMESIZE];
	uint16_t i;

	if (dp->sync)
		return 0;
	dp->sync_back_off = rte_mbuf_dynfield_register(&back);
	if (dp->sync_back_off < 0)
		return -rte_errno;
	for (i = 0; i < dp->n_workers; i++) {
		struct nc_worker *w = dp->worker[i];

		snprintf(name, sizeof(name), "ncsync%u_%u", (unsigned int)getpid() & 0xffff, i);
		w->sync_ring = rte_ring_create_elem(name, sizeof(struct sync_item), SYNC_RING,
						    (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ncadopt%u_%u", (unsigned int)getpid() & 0xffff, i);
		w->adopt_ring = rte_ring_create_elem(name, sizeof(struct adopt), ADOPT_RING,
						     (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ncback%u_%u", (unsigned int)getpid() & 0xffff, i);
		w->back_ring = rte_ring_create(name, BACK_RING, (int)rte_socket_id(),
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->sync_ring == NULL || w->adopt_ring == NULL || w->back_ring == NULL)
			return -ENOMEM;
	}
	/* our local IPs too wait until the cluster says they are ours; the
	 * peers' are theirs */
	memset(dp->ctl->lip_held, 0, sizeof(dp->ctl->lip_held));
	for (i = dp->n_own_lips; i < dp->n_lips; i++)
		dp->lip_foreign[i] = 1;
	dp->sync_stall_ms = stall_ms;
	dp->sync = 1;
	return 0;
}

bool
nc_dp_sync_quarantined(const struct nc_dp *dp)
{
	return __atomic_load_n(&dp->sync_quarantine, __ATOMIC_RELAXED) != 0;
}

void
nc_dp_sync_resume(struct nc_dp *dp)
{
	__atomic_store_n(&dp->sync_quarantine, 0, __ATOMIC_RELEASE);
}

void
nc_dp_sync_free(struct nc_dp *dp)
{
	struct sync_item it;
	struct rte_mbuf *m;
	struct adopt a;
	uint16_t i;

	for (i = 0; i < dp->n_workers; i++) {
		struct nc_worker *w = dp->worker[i];

		if (w == NULL)
			continue;
		while (w->sync_ring != NULL && rte_ring_dequeue_elem(w->sync_ring, &it, sizeof(it)) == 0)
			rte_pktmbuf_free(it.r.m);
		while (w->adopt_ring != NULL && rte_ring_dequeue_elem(w->adopt_ring, &a, sizeof(a)) == 0) {
			rte_pktmbuf_free(a.r.m);
			rte_pktmbuf_free(a.pkt);
		}
		while (w->back_ring != NULL && rte_ring_dequeue(w->back_ring, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(w->sync_ring);
		rte_ring_free(w->adopt_ring);
		rte_ring_free(w->back_ring);
		w->sync_ring = w->adopt_ring = NULL;
		w->back_ring = NULL;
	}
}

bool
nc_dp_sync_on(const struct nc_dp *dp)
{
	return dp->sync != 0;
}

struct rte_mempool *
nc_dp_held_pool(const struct nc_dp *dp)
{
	return dp->txpool;
}

unsigned int
nc_dp_sync_take(struct nc_dp *dp, struct nc_sync_rec *out, struct nc_sync_addr6 *out6, unsigned int max)
{
	struct sync_item it[64];
	unsigned int n = 0, k, j;
	uint16_t i;

	if (!dp->sync)
		return 0;
	for (i = 0; i < dp->n_workers && n < max; i++)
		do {
			k = rte_ring_sc_dequeue_burst_elem(dp->worker[i]->sync_ring, it, sizeof(it[0]),
							   RTE_MIN(max - n, RTE_DIM(it)), NULL);
			for (j = 0; j < k; j++, n++) {
				out[n] = it[j].r;
				if (nc_sync_rec_v6(&it[j].r))
					out6[n] = it[j].a6;
			}
		} while (k == RTE_DIM(it) && n < max);
	return n;
}

/* Worker owning the client's packets of IPv6 flow <k6> (nc_dp_owner6), or
 * -ENOENT for no such service. */
static int
owner_v6(const struct nc_dp *dp, const struct nc_flow6_key *k6)
{
	const struct nc_svc6_ent *se = nc_dp_svc6_find(&dp->tables->v6, k6->dst_ip, k6->dst_port,
						       k6->proto);

	if (se == NULL)
		return -ENOENT;
	return nc_dp_owner6(dp, dp->tables, se, k6, nc_flow6_hash(k6), NULL);
}

/* The worker owning the client's packets of record <r> (-ENOENT: no such
 * service here). */
static int
owner_of(const struct nc_dp *dp, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6)
{
	struct nc_flow_key k;
	struct nc_flow6_key k6;
	unsigned int s;

	if (dp->n_workers == 1)
		return 0;
	if (nc_sync_rec_v6(r)) {
		key6_of(r, a6, &k6);
		return owner_v6(dp, &k6);
	}
	memcpy(&k, r->key, sizeof(k));
	s = nc_dp_svc_by_tuple(dp->tables, k.dst_ip, k.dst_port, k.proto);
	if (s == 0)
		return -ENOENT;
	return nc_dp_owner4(dp, dp->tables, s - 1, &k, nc_flow_hash(&k), NULL);
}

/* Local IP index + 1 of record <r>'s flow here, 0 if none. */
static uint16_t
rec_lip(const struct nc_dp *dp, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6)
{
	if (nc_sync_rec_v6(r) && !nc_sync_rec_64(r)) {
		const struct nc_addr6_ent *e = nc_dp_addr6_find(&dp->tables->v6, a6->lip);

		return e != NULL ? e->lip_plus1 : 0;
	} else {
		const struct nc_addr_ent *e = nc_dp_addr_find(dp->tables, r->lip);

		return e != NULL ? e->lip_plus1 : 0;
	}
}

int
nc_dp_sync_adopt(struct nc_dp *dp, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6,
		 struct rte_mbuf *m)
{
	struct adopt a;
	uint16_t owner;
	int ret = 0, o;

	if (!dp->sync || (nc_sync_rec_v6(r) && a6 == NULL) || rec_lip(dp, r, a6) == 0) {
		ret = -ENOENT;
		goto out;
	}
	owner = (uint16_t)(rte_be_to_cpu_16(r->lport) % dp->n_workers);
	/* the client's packets must reach the worker its port belongs to */
	o = owner_of(dp, r, a6);
	if (o < 0) {
		ret = o;
		goto out;
	}
	if ((uint16_t)o != owner) {
		ret = -EXDEV;
		goto out;
	}
	a.r = *r;
	if (nc_sync_rec_v6(r))
		a.a6 = *a6;
	a.pkt = m;
	if (rte_ring_sp_enqueue_elem(dp->worker[owner]->adopt_ring, &a, sizeof(a)) == 0)
		return 0;
	dp->ctl->st.sync_adopt_full++;
	ret = -ENOBUFS;
out:
	if (r->op == NC_SYNC_HELD)
		rte_pktmbuf_free(r->m);
	rte_pktmbuf_free(m);
	return ret;
}

unsigned int
nc_dp_sync_adopt_room(const struct nc_dp *dp)
{
	unsigned int i, room = UINT_MAX;

	for (i = 0; i < dp->n_workers; i++)
		if (dp->worker[i]->adopt_ring != NULL)
			room = RTE_MIN(room, rte_ring_free_count(dp->worker[i]->adopt_ring));
	return room == UINT_MAX ? 0 : room;
}

bool
nc_dp_sync_adopt_idle(const struct nc_dp *dp)
{
	unsigned int i;

	for (i = 0; i < dp->n_workers; i++)
		if (dp->worker[i]->adopt_ring != NULL && !rte_ring_empty(dp->worker[i]->adopt_ring))
			return false;
	return true;
}

void
nc_dp_sync_walk(struct nc_dp *dp)
{
	__atomic_add_fetch(&dp->sync_walk_gen, 1, __ATOMIC_RELEASE);
}

/* Every worker has done generation <gen> of what it keeps at <off> in its struct. */
static bool
workers_at(const struct nc_dp *dp, uint32_t gen, size_t off)
{
	uint16_t i;

	for (i = 0; i < dp->n_workers; i++) {
		const uint32_t *g = (const uint32_t *)((const uint8_t *)dp->worker[i] + off);

		if (__atomic_load_n(g, __ATOMIC_ACQUIRE) != gen)
			return false;
	}
	return true;
}

bool
nc_dp_sync_walk_done(const struct nc_dp *dp)
{
	return workers_at(dp, __atomic_load_n(&dp->sync_walk_gen, __ATOMIC_ACQUIRE),
			  offsetof(struct nc_worker, walk_gen));
}

void
nc_dp_sync_flush(struct nc_dp *dp)
{
	__atomic_add_fetch(&dp->sync_flush_gen, 1, __ATOMIC_RELEASE);
}

bool
nc_dp_sync_flush_done(const struct nc_dp *dp)
{
	return workers_at(dp, __atomic_load_n(&dp->sync_flush_gen, __ATOMIC_ACQUIRE),
			  offsetof(struct nc_worker, flush_gen));
}

/* Local IP <i> held (answered for) or not; a peer's flows on it are
 * forwarded unheld, its answers going elsewhere. */
static void
lip_set_held(struct nc_dp *dp, int i, bool hold)
{
	dp->ctl->lip_held[i] = hold;
	if (i >= dp->n_own_lips)
		__atomic_store_n(&dp->lip_foreign[i], !hold, __ATOMIC_RELAXED);
}

/* Index of local IP <ip_be> in dp->lip, or -1. */
static int
lip_find(const struct nc_dp *dp, uint32_t ip_be)
{
	uint16_t i;

	for (i = 0; i < dp->n_lips; i++)
		if (dp->lip[i] == ip_be)
			return i;
	return -1;
}

int
nc_dp_lip_hold(struct nc_dp *dp, uint32_t ip, bool hold)
{
	int i = lip_find(dp, nc_be32(ip));

	if (i < 0)
		return -ENOENT;
	lip_set_held(dp, i, hold);
	return 0;
}

bool
nc_dp_lip_held(const struct nc_dp *dp, uint32_t ip)
{
	int i = lip_find(dp, nc_be32(ip));

	return i >= 0 && dp->ctl->lip_held[i];
}

void
nc_dp_lip_fresh(struct nc_dp *dp, uint32_t ms)
{
	dp->ctl->lip_fresh_until = rte_rdtsc() + dp->tsc_per_ms * ms;
}

int
nc_dp_lip_garp(struct nc_dp *dp, uint32_t ip)
{
	int p = nc_dp_port_of(dp->cfg, ip, NULL);
	struct rte_mbuf *m;

	if (p < 0 || lip_find(dp, nc_be32(ip)) < 0)
		return -ENOENT;
	m = rte_pktmbuf_alloc(dp->ctl_pool);
	if (m == NULL)
		return -ENOMEM;
	/* gratuitous ARP: a request for the address, from it */
	if (nc_arp_make_request(m, &dp->mac[p], nc_be32(ip), nc_be32(ip)) < 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	nc_dp_ctl_tx(dp, (uint16_t)p, m);
	return 0;
}

int
nc_dp_own_lips_announce(struct nc_dp *dp)
{
	uint16_t i;
	int n = 0;

	/* dp->lip lists each of ours once, however many services use it */
	for (i = 0; i < dp->n_own_lips; i++)
		if ((dp->lip[i] != 0 ? nc_dp_lip_garp(dp, rte_be_to_cpu_32(dp->lip[i])) :
				       nc_dp_lip6_announce(dp, dp->tables->v6.lip[i])) == 0)
			n++;
	return n;
}

/* Index of IPv6 local IP <ip> in the local IPs, or -1. */
static int
lip6_find(const struct nc_dp *dp, const uint8_t *ip)
{
	uint16_t i;

	for (i = 0; i < dp->n_lips; i++)
		if (dp->lip[i] == 0 && nc_ip6_eq(dp->tables->v6.lip[i], ip))
			return i;
	return -1;
}

int
nc_dp_lip6_hold(struct nc_dp *dp, const uint8_t ip[16], bool hold)
{
	int i = lip6_find(dp, ip);

	if (i < 0)
		return -ENOENT;
	lip_set_held(dp, i, hold);
	return 0;
}

bool
nc_dp_lip6_held(const struct nc_dp *dp, const uint8_t ip[16])
{
	int i = lip6_find(dp, ip);

	return i >= 0 && dp->ctl->lip_held[i];
}

int
nc_dp_lip6_announce(struct nc_dp *dp, const uint8_t ip[16])
{
	int p = nc_dp_port_of6(dp->cfg, ip, NULL);
	struct rte_mbuf *m;

	if (p < 0 || lip6_find(dp, ip) < 0)
		return -ENOENT;
	m = rte_pktmbuf_alloc(dp->ctl_pool);
	if (m == NULL)
		return -ENOMEM;
	if (nc_nd_make_unsolicited_na(m, &dp->mac[p], ip) < 0) {
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	nc_dp_ctl_tx(dp, (uint16_t)p, m);
	return 0;
}

void
nc_dp_sync_send_frame(struct nc_dp *dp, struct rte_mbuf *m)
{
	nc_dp_ctl_tx(dp, dp->pidx_of[m->port], m);
}

void
nc_dp_sync_frame_back(struct nc_dp *dp, struct rte_mbuf *m)
{
	const struct nc_sync_back *b = RTE_MBUF_DYNFIELD(m, dp->sync_back_off,
							 const struct nc_sync_back *);

	if (b->worker >= dp->n_workers || rte_ring_sp_enqueue(dp->worker[b->worker]->back_ring, m) != 0) {
		dp->ctl->st.sync_back_full++;
		rte_pktmbuf_free(m);
	}
}

void
nc_dp_set_miss_cb(struct nc_dp *dp, nc_miss_cb cb, void *arg)
{
	dp->ctl->miss_cb = cb;
	dp->ctl->miss_arg = arg;
}

/*
 * The client key a missed frame <d> (<len> bytes, parsed into <p>) asks for,
 * in <k> (and an IPv6 one's addresses in <seg6>): a client's segment's own,
 * or, for an ICMP error to a VIP, that of the client its quote was sent to
 * (the worker checked the quote). 0 when there is none.
 */
static int
miss_key(const uint8_t *d, uint32_t len, const struct nc_pkt *p, struct nc_flow_key *k,
	 struct nc_sync_addr6 *seg6)
{
	const int icmp = p->proto == (p->is_v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	const uint32_t l3 = p->l4_off + (icmp ? 8u : 0u);   /* the quote's IP header */
	const uint32_t l4 = l3 + (icmp ? (p->is_v6 ? 40u : 20u) : 0u);
	const uint8_t *ports = d + l4;

	if (len < l4 + 4)
		return 0;
	memset(k, 0, sizeof(*k));
	/* a quote is the packet to the client: its ends the other way round */
	memcpy(&k->src_port, ports + (icmp ? 2 : 0), 2);
	memcpy(&k->dst_port, ports + (icmp ? 0 : 2), 2);
	if (p->is_v6) {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(d + (icmp ? l3 : p->l3_off));

		k->proto = icmp ? ip->proto : p->proto;
		k->pad[0] = NC_FLOW_KEY_V6;
		memcpy(seg6->client, icmp ? ip->dst_addr : ip->src_addr, 16);
		memcpy(seg6->vip, icmp ? ip->src_addr : ip->dst_addr, 16);
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(d + (icmp ? l3 : p->l3_off));

		k->proto = icmp ? ip->next_proto_id : p->proto;
		memcpy(&k->src_ip, icmp ? &ip->dst_addr : &ip->src_addr, 4);
		memcpy(&k->dst_ip, icmp ? &ip->src_addr : &ip->dst_addr, 4);
	}
	return 1;
}

void
nc_dp_sync_miss(struct nc_dp *dp, struct rte_mbuf *m, uint16_t pidx)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	struct nc_sync_addr6 seg6, r6;
	struct nc_flow_key k;
	struct rte_ether_addr mac;
	struct nc_sync_rec r;
	struct nc_pkt p;
	enum nc_miss v = NC_MISS_DROP;

	if (dp->ctl->miss_cb != NULL &&
	    nc_pkt_parse(d, rte_pktmbuf_data_len(m), &dp->mac[pidx], 0, &p) == NC_DROP_MAX && !p.is_arp &&
	    miss_key(d, rte_pktmbuf_data_len(m), &p, &k, &seg6))
		v = dp->ctl->miss_cb(dp->ctl->miss_arg, m, pidx, (const uint32_t *)&k,
				     p.is_v6 ? &seg6 : NULL, &r, &r6, &mac);
	switch (v) {
	case NC_MISS_ADOPT:
		r.op = NC_SYNC_FLOW;
		r.m = NULL;
		if (nc_dp_sync_adopt(dp, &r, &r6, m) == 0)
			dp->ctl->st.sync_miss_adopted++;
		break;
	case NC_MISS_REDIRECT: {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

		eth->dst_addr = mac;
		eth->src_addr = dp->mac[pidx];
		dp->ctl->st.sync_miss_redirected++;
		nc_dp_ctl_tx(dp, pidx, m);
		break;
	}
	default:
		dp->ctl->st.sync_miss_dropped++;
		rte_pktmbuf_free(m);
		break;
	}
}
