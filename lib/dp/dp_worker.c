/* SPDX-License-Identifier: BSD-3-Clause
 * Worker fast path: parse, classify, find or open the flow, rewrite (full
 * NAT), buffer for transmit. No lock, no allocation, no log, no syscall per
 * packet; every drop is a counter.
 */
#include <sys/prctl.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "dp_failsafe.h"
#include "dp_client_addr.h"
#include "dp_icmp.h"
#include "dp_synproxy.h"
#include "dp_v6.h"

static inline void
ctl_pass(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_PKT, .pidx = pidx, .m = m };

	if (unlikely(rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg)) != 0)) {
		drop(w, m, NC_DROP_CTL_RING_FULL);
		return;
	}
	w->st.to_ctl++;
}

/* The client's MAC is unknown: the control lcore resolves it and hands <m>
 * back to this worker once it is known, as a host holds packets on an
 * unresolved neighbor, so a new client's first SYN is not lost. */
static inline void
ctl_pass_resolve(struct nc_worker *w, struct rte_mbuf *m, uint32_t ip, uint16_t pidx)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_RESOLVE, .worker = (uint8_t)w->id, .pidx = pidx,
				  .ip = ip, .m = m };

	if (unlikely(rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg)) != 0))
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
}

static inline void
handoff(struct nc_worker *w, struct rte_mbuf *m, uint16_t owner)
{
	if (unlikely(rte_ring_mp_enqueue(w->dp->worker[owner]->handoff, m) != 0)) {
		drop(w, m, NC_DROP_HANDOFF_FULL);
		return;
	}
	w->st.handoff_out++;
}

/* A packet of kind <k> that has no leg goes on: to the control lcore (from
 * port <pidx>), or to worker <owner>; the rest is done with. */
static inline void
pass_on(struct nc_worker *w, struct rte_mbuf *m, enum pkt_kind k, uint16_t pidx, uint16_t owner)
{
	if (k == PK_CTL)
		ctl_pass(w, m, pidx);
	else if (k == PK_HANDOFF)
		handoff(w, m, owner);
}

/* Server of a new flow of a maglev schedule <s>: its table's entry for the
 * client's address when the service has persistence (every dispatcher with
 * the same servers sends the client to the same one, without a shared
 * table), else for the 5-tuple. Hashed in host order with the schedule's
 * seed, so the answer is the same on every machine. */
static inline uint8_t
maglev_pick(const struct nc_schedule *s, const struct pkt_meta *pm, uint32_t persist_ms)
{
	uint64_t h;

	if (persist_ms != 0)
		h = nc_maglev_hash_ip(s->maglev_salt, rte_be_to_cpu_32(pm->key.src_ip));
	else
		h = nc_maglev_hash_5tuple(s->maglev_salt, rte_be_to_cpu_32(pm->key.src_ip),
					  rte_be_to_cpu_32(pm->key.dst_ip),
					  rte_be_to_cpu_16(pm->key.src_port),
					  rte_be_to_cpu_16(pm->key.dst_port), pm->key.proto);
	return s->maglev[nc_maglev_entry(h, s->maglev_size)];
}

/*
 * Why a new flow from <src> (network order) to a service of schedule <s>
 * is refused for its source, or NC_DROP_MAX: an address no host sends from,
 * one of ours (spoofed, or our own frame looped back), or one of the
 * service's servers arriving on the clients' side. New-flow path only.
 */
static inline enum nc_drop
src_refused(const struct nc_worker *w, uint32_t src, const struct nc_schedule *s)
{
	uint16_t i;

	if (unlikely(nc_ip4_src_martian(src)))
		return NC_DROP_SRC_MARTIAN;
	if (unlikely(nc_dp_addr_find(w->tb, src) != NULL))
		return NC_DROP_SRC_OURS;
	for (i = 0; s != NULL && i < s->n_servers; i++)
		if (unlikely(s->server[i].addr == src))
			return NC_DROP_SRC_SERVER;
	return NC_DROP_MAX;
}

/* Open a flow for the client packet <m>; NULL (packet consumed) on refusal. */
static struct nc_flow *
flow_open(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	struct nc_dp *dp = w->dp;
	const struct nc_dp_svc *svc = &w->tb->svc[pm->svc];
	const struct nc_schedule *s = nc_sched_get(dp->sched_slot[pm->svc]);
	const struct nc_sched_server *srv;
	struct nc_flow *f;
	enum nc_drop why;
	uint32_t *cur;
	uint16_t port = 0;
	uint8_t server;
	int nh, err, aff;

	why = src_refused(w, pm->key.src_ip, s);
	if (unlikely(why != NC_DROP_MAX)) {
		drop(w, m, why);
		return NULL;
	}
	if (unlikely(s == NULL || s->n_slots == 0)) {
		drop(w, m, NC_DROP_NO_SERVER);
		return NULL;
	}
	nh = nc_neigh_next_hop(dp->neigh, pm->key.src_ip, &port);
	if (unlikely(nh < 0 || !(nc_neigh_mac(dp->neigh, (uint32_t)nh) & NC_NEIGH_VALID))) {
		if (nh == -ENETUNREACH)
			drop(w, m, NC_DROP_NO_ROUTE);
		else if (nh < 0)
			ctl_pass_resolve(w, m, pm->key.src_ip, port);
		else
			ctl_pass_resolve(w, m, nc_neigh_entry_of(dp->neigh, (uint32_t)nh)->ip,
					 nc_neigh_port(dp->neigh, (uint32_t)nh));
		return NULL;
	}
	err = limits_refuse(w, pm->svc, pm->key.proto, pm->key.src_ip);
	if (unlikely(err != 0)) {
		drop(w, m, (enum nc_drop)err);
		return NULL;
	}
	/* the server first: its local port is one that does not rest for it */
	aff = -1;
	if (svc->persist_ms != 0) {
		/* the client's server while its affinity entry lives, if still up */
		aff = nc_affinity_lookup(w->aff, pm->key.src_ip, pm->svc, w->now_ms);
		if (aff >= 0 && (aff >= s->n_servers || !s->server[aff].up ||
				 s->server[aff].weight == 0))   /* down, or drained */
			aff = -1;
	}
	if (aff >= 0) {
		server = (uint8_t)aff;
	} else if (unlikely(s->maglev != NULL)) {
		server = maglev_pick(s, pm, svc->persist_ms);
	} else {
		cur = &w->sched_cursor[pm->svc];
		if (*cur >= s->n_slots)
			*cur = 0;
		server = (uint8_t)s->slot[(*cur)++];
	}
	srv = &s->server[server];
	f = nc_flow_add(w->flows, &pm->key, pm->hash, svc->lip, svc->n_lips,
			&w->lip_cursor[pm->svc], nc_flow_rest_bit(srv->addr, srv->port),
			nc_dp_steer(w, srv->addr, srv->port), &err);
	if (unlikely(f == NULL)) {
		drop(w, m, err == -ENOSPC ? NC_DROP_FLOW_TABLE_FULL : NC_DROP_NO_LOCAL_PORT);
		return NULL;
	}
	f->server = server;
	if (aff >= 0)
		w->st.svc[pm->svc].affinity_hits++;
	if (svc->persist_ms != 0)   /* a full table only loses the affinity, never the flow */
		nc_affinity_set(w->aff, pm->key.src_ip, pm->svc, f->server, w->now_ms + svc->persist_ms);
	f->svc = pm->svc;
	f->lip = dp->lip[f->lip_idx];
	f->server_ip = srv->addr;
	f->server_port = srv->port;
	f->nh_server = srv->nh;
	f->nh_client = (uint32_t)nh;
	nc_neigh_mark_used(dp->neigh, (uint32_t)nh);   /* kept if the table must evict */
	nc_flow_set_deltas(f);
	if (unlikely(svc->client_addr != NC_CA_NONE))
		nc_ca_open(w, f, svc);
	if (unlikely(svc->syn_proxy != NC_SYNP_OFF))
		nc_sp_release(w, flow_idx(w, f));   /* a plain flow until nc_sp_open */
	if (unlikely(svc->failsafe) && pm->key.proto == IPPROTO_TCP)
		nc_fs_open(w, f);
	limits_open(w, f);
	if (pm->key.proto == IPPROTO_UDP)
		sync_flow(w, f);   /* TCP: at its server's SYN-ACK */
	w->st.svc[pm->svc].flows_opened++;
	w->st.flow_changes++;
	w->st.svc[pm->svc].server_flows[f->server]++;
	return f;
}

/* nc_flow_expire()'s callback: an idle flow closes. */
static void
flow_expired(const struct nc_flow *f, void *arg)
{
	flow_closed(arg, f);
}

/* syn_proxy: a SYN of no flow (client_flow() passed it) is answered with a
 * cookie, if its source may open one at all. */
static __rte_noinline void
synp_syn(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	const struct nc_schedule *s = nc_sched_get(w->dp->sched_slot[pm->svc]);
	enum nc_drop why = src_refused(w, pm->key.src_ip, s);

	if (unlikely(why != NC_DROP_MAX)) {
		drop(w, m, why);
		return;
	}
	if (unlikely(s == NULL || s->n_slots == 0)) {
		drop(w, m, NC_DROP_NO_SERVER);
		return;
	}
	{
		struct nc_sp_ends e = nc_sp_ends4(&pm->key);

		nc_sp_syn(w, m, pm->svc, pm->l4_off, &e, 0);
	}
}

static __rte_always_inline void
client_leg(struct nc_worker *w, struct rte_mbuf *m, struct pkt_meta *pm, int32_t pos);

/* syn_proxy: a bare ACK of no flow; a valid cookie opens the flow (the
 * limits and the scheduler as for a SYN) and the client's SYN, as the
 * cookie kept it, goes on through the client leg. */
static __rte_noinline void
synp_ack(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	struct nc_sp_ends e = nc_sp_ends4(&pm->key);
	struct nc_sp_ack ck;
	struct pkt_meta spm;
	struct rte_mbuf *syn;
	struct nc_flow *f;

	if (!nc_sp_ack_check(w, m, pm->svc, pm->l4_off, &e, &ck))
		return;
	f = flow_open(w, m, pm);
	if (f == NULL)
		return;
	syn = nc_sp_open(w, f, m, pm->l4_off, pm->pay, &ck);
	if (syn == NULL)
		return;
	spm = *pm;
	spm.l4_off = L4_OFF;
	spm.pay = 0;
	client_leg(w, syn, &spm, (int32_t)flow_idx(w, f));
}

static __rte_always_inline void
client_leg(struct nc_worker *w, struct rte_mbuf *m, struct pkt_meta *pm, int32_t pos)
{
	struct nc_srv_stats *ss;
	struct nc_flow *f;
	uint32_t ack_in = 0;
	uint8_t flags = 0;
	int track = 0;

	if (pm->key.proto == IPPROTO_TCP)
		flags = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->tcp_flags;
	if (unlikely(pos < 0) && unlikely(w->tb->svc[pm->svc].syn_proxy != NC_SYNP_OFF) &&
	    w->synp != NULL && pm->key.proto == IPPROTO_TCP &&
	    (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)) ==
	    RTE_TCP_ACK_FLAG) {
		synp_ack(w, m, pm);
		return;
	}
	pos = client_flow(w, m, pos, pm->key.proto, pm->l4_off, pm->pay);
	if (pos == NC_POS_TAKEN)
		return;
	if (pos >= 0) {
		f = flow_at(w, (uint32_t)pos);
		if (unlikely(nc_sp_flow(w, f, (uint32_t)pos)) &&
		    nc_sp_client(w, f, (uint32_t)pos, m, pm) == 0)
			return;
	} else {
		if (unlikely(nc_sp_cookies_now(w, pm->svc)) && pm->key.proto == IPPROTO_TCP) {
			synp_syn(w, m, pm);
			return;
		}
		f = flow_open(w, m, pm);
		if (f == NULL)
			return;
	}
	if (pm->key.proto == IPPROTO_TCP) {
		tcp_track(f, flags, 1);   /* reported to the peers at its SYN-ACK (server leg) */
		if (unlikely(f->limit) && f->state != NC_FLOW_SYN)
			limits_release(w, f, NC_FLOW_HALF_OPEN);
	}
	f->expire_ms = w->now_ms + timeout_of(w->dp, f);
	ss = srv_stats(w, f);
	/* passive response time: from the request leaving (data while nothing
	 * is unanswered) to the server's first data back */
	if (pm->pay != 0 && !(f->mon & NC_FLOW_REQ)) {
		f->mon |= NC_FLOW_REQ;
		f->sync &= (uint8_t)~NC_FLOW_ISN;   /* req_us from here */
		f->req_us = w->now_us;
		ss->requests++;
	}
	ss->bytes += rte_pktmbuf_pkt_len(m);
	if (unlikely(w->tb->svc[f->svc].failsafe)) {
		/* the client's acknowledgement as it wrote it, before a splice
		 * translates it: the server leg's window moves by it (kept in
		 * the client's numbers: the SYN proxy's translation, made
		 * above, taken back) */
		if (pm->key.proto == IPPROTO_TCP) {
			ack_in = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
							 pm->l4_off)->recv_ack;
			if (unlikely(nc_sp_flow(w, f, flow_idx(w, f))))
				ack_in = rte_cpu_to_be_32(nc_sp_seq_to_client(w, flow_idx(w, f),
									      rte_be_to_cpu_32(ack_in)));
		}
		if (nc_fs_client(w, f, m, pm) == 0)
			return;
		track = pm->key.proto == IPPROTO_TCP && w->seqw != NULL;
	}
	/* the client's address for the server: the flow's own mode, whatever
	 * the service says now */
	if (unlikely(f->ca != NC_CA_NONE) && nc_ca_client_fast(w, f, m, pm) != 0)
		return;
	if (unlikely(track))   /* its sequence number as the server gets it */
		seq_track(w, f, NC_SEQ_TO_SERVER,
			  rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off), pm->pay,
			  ack_in);
	w->st.svc[f->svc].pkts_c2s++;
	w->st.svc[f->svc].bytes_c2s += rte_pktmbuf_pkt_len(m);
	rewrite(m, pm->l4_off, f->lip, f->server_ip, f->lport, f->server_port,
		f->c2s_ip_delta, f->c2s_l4_delta);
	tx_to(w, m, f->nh_server);
}

__rte_noinline void
nc_sp_leg(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m, uint16_t l4_off,
	  uint16_t pay)
{
	struct pkt_meta pm;

	if (nc_flow_is_v6(f)) {
		nc_v6_synp_leg(w, f, idx, m, l4_off, pay);
		return;
	}
	memset(&pm, 0, sizeof(pm));
	pm.key = f->key;
	pm.svc = f->svc;
	pm.l4_off = l4_off;
	pm.pay = pay;
	pm.kind = PK_CLIENT;
	client_leg(w, m, &pm, (int32_t)idx);
}

/* syn_proxy: the client's ACK, then the data held since (as if it came
 * now), each through the client leg of the flow's family. */
static void
synp_handshake(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m)
{
	struct nc_synp *sp = &w->synp[idx];

	m = nc_sp_client_ack(w, f, idx, m);
	if (m != NULL)
		nc_sp_leg(w, f, idx, m, held_l4_off(m), 0);
	if (sp->held != NULL && f->state != NC_FLOW_FREE) {
		m = sp->held;
		sp->held = NULL;
		nc_sp_leg(w, f, idx, m, sp->held_l4, sp->held_pay);
	}
}

__rte_noinline int
nc_sp_server_hooked(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
		    uint16_t l4_off, int sp)
{
	if (sp == 2) {   /* the server's SYN-ACK: never the client's */
		/* with sync, the peers get it before its request goes on: it
		 * comes back here once its record left */
		if (unlikely(w->dp->sync) && !(f->sync & NC_FLOW_SYNCED) &&
		    nc_sync_proxied(w, f, m) == 0) {
			w->synp[idx].flags |= NC_SP_WAIT;
			return 0;
		}
		synp_handshake(w, f, idx, m);
		return 0;
	}
	if (sp == 3) {   /* a move's SYN-ACK no hook took */
		drop(w, m, NC_DROP_NO_FLOW);
		return 0;
	}
	nc_sp_s2c(w, idx, m, l4_off);
	return 1;
}

static __rte_always_inline void
server_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	int32_t idx = pm->sidx;
	struct nc_srv_stats *ss;
	struct nc_flow *f;
	uint32_t ack_in = 0;
	int accepted = 0, track = 0, sp = 0;

	if (unlikely(idx < 0)) {
		drop(w, m, NC_DROP_NO_FLOW);
		return;
	}
	f = flow_at(w, (uint32_t)idx);
	/* the reply must come from the flow's server, on the flow's protocol */
	if (unlikely(f->server_ip != pm->key.src_ip || f->server_port != pm->key.src_port ||
		     f->key.proto != pm->key.proto)) {
		drop(w, m, NC_DROP_NO_FLOW);
		return;
	}
	if (unlikely(nc_sp_flow(w, f, (uint32_t)idx))) {
		sp = nc_sp_server(w, f, (uint32_t)idx, m, pm);
		if (sp == 0)
			return;
	}
	/* ICMP errors about this flow are acted on: its windows are kept, the
	 * client leg's from the sequence number the fail-safe's translation
	 * gives, the server leg's from the server's acknowledgement as it wrote
	 * it (before a PROXY header's shift comes off) */
	if (unlikely(seq_kept4(w, f))) {
		track = 1;
		ack_in = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->recv_ack;
	}
	/* first: the fail-safe reads acknowledgements in the client's view */
	if (unlikely(f->ca != NC_CA_NONE) && f->key.proto == IPPROTO_TCP)
		nc_ca_server_fast(w, f, (uint32_t)idx, m, pm);
	if (unlikely(w->tb->svc[f->svc].failsafe) && nc_fs_server(w, f, (uint32_t)idx, m, pm) == 0)
		return;
	if (unlikely(sp != 0) &&   /* a proxied connection */
	    nc_sp_server_hooked(w, f, (uint32_t)idx, m, pm->l4_off, sp) == 0)
		return;
	if (f->key.proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
								       pm->l4_off);
		uint8_t fl = th->tcp_flags;

		tcp_track(f, fl, 0);
		if (unlikely(track))
			seq_track(w, f, NC_SEQ_TO_CLIENT, th, pm->pay, ack_in);
		accepted = syn_accepted(w, f, fl);
	}
	if (unlikely(f->limit) && f->state != NC_FLOW_SYN)   /* answered, or handshake done */
		limits_release(w, f, NC_FLOW_HALF_OPEN | NC_FLOW_UNREPLIED);
	f->expire_ms = w->now_ms + timeout_of(w->dp, f);
	ss = srv_stats(w, f);
	if (pm->pay != 0 && (f->mon & NC_FLOW_REQ)) {
		f->mon &= (uint8_t)~NC_FLOW_REQ;
		nc_rt_record(&ss->rt, w->now_us - f->req_us);
	}
	ss->bytes += rte_pktmbuf_pkt_len(m);
	w->st.svc[f->svc].pkts_s2c++;
	w->st.svc[f->svc].bytes_s2c += rte_pktmbuf_pkt_len(m);
	if (unlikely(nc_flow_is_64(f))) {   /* an IPv6 client's (NAT64) */
		uint16_t l4 = nc_v64_to_client(w, f, m, pm);

		if (l4 != 0)
			server_to_client(w, f, m, l4, accepted);
		return;
	}
	rewrite(m, pm->l4_off, f->key.dst_ip, f->key.src_ip, f->key.dst_port, f->key.src_port,
		f->s2c_ip_delta, f->s2c_l4_delta);
	server_to_client(w, f, m, pm->l4_off, accepted);
}

/*
 * Classify one packet: parse, then decide client leg (to a service), server
 * leg (to a local IP and port), control (ARP, ICMP echo to us), handoff (owned
 * by another worker) or drop. Fills <pm>; returns its kind.
 */
static __rte_always_inline enum pkt_kind
classify(struct nc_worker *w, struct rte_mbuf **mp, uint16_t pidx, int owned_check,
	 struct pkt_meta *pm, uint16_t *owner)
{
	const struct nc_dp *dp = w->dp;
	struct rte_mbuf *m = *mp;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip;
	const struct nc_addr_ent *ae;
	struct nc_pkt p;
	enum nc_drop why;
	unsigned int s;

	why = nc_pkt_parse(d, rte_pktmbuf_data_len(m), &dp->mac[pidx],
			   (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD, &p);
	if (unlikely(why != NC_DROP_MAX)) {
		if (why == NC_DROP_IP_FRAGMENT && m->nb_segs == 1 &&
		    ((const struct rte_ether_hdr *)d)->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
			ae = nc_dp_addr_find(w->tb, ((const struct rte_ipv4_hdr *)(d + p.l3_off))->dst_addr);
			if (ae != NULL && ae->host_plus1 != 0)
				return PK_CTL;   /* the host address's kernel reassembles its own */
			m = nc_frag_in4(w, m);
			if (m == NULL)
				return PK_DROP;   /* kept for the rest, or dropped */
			*mp = m;
		} else if (why == NC_DROP_IP_FRAGMENT && m->nb_segs == 1 && p.is_v6) {
			m = nc_frag_in6(w, m, p.l4_off);
			if (m == NULL)
				return PK_DROP;   /* kept for the rest, or dropped */
			*mp = m;
		} else if (m->nb_segs == 1 || !nc_frag_is_reassembled(dp, m)) {
			/* scattered receive: the parser sees the first segment only */
			drop(w, m, m->nb_segs > 1 ? NC_DROP_FRAME_CHAINED : why);
			return PK_DROP;
		}
		/* a datagram reassembled here (or by the worker that handed it
		 * over): the chain's length, its headers in the first buffer */
		d = rte_pktmbuf_mtod(m, const uint8_t *);
		p.proto = 0;   /* set for IPv4; the compiler cannot tell */
		p.l4_off = 0;
		why = nc_pkt_parse(d, rte_pktmbuf_pkt_len(m), &dp->mac[pidx], 1, &p);
		if (why != NC_DROP_MAX) {
			drop(w, m, why);
			return PK_DROP;
		}
		if (rte_pktmbuf_data_len(m) < p.l4_off + (p.proto == IPPROTO_TCP ?
			(uint32_t)(((const struct rte_tcp_hdr *)(d + p.l4_off))->data_off >> 4) * 4 :
			sizeof(struct rte_udp_hdr))) {
			drop(w, m, NC_DROP_FRAG_TINY);   /* nc_frag_in4 sees to it: never */
			return PK_DROP;
		}
	}
	if (unlikely(p.is_arp | p.is_v6)) {   /* one test on IPv4's path */
		if (p.is_arp)
			return PK_CTL;
		pm->l4_off = p.l4_off;
		pm->key.proto = p.proto;
		if (p.proto == IPPROTO_TCP)
			pm->pay = (uint16_t)(p.l4_len - (((const struct rte_tcp_hdr *)(d + p.l4_off))->data_off >> 4) * 4);
		else if (p.proto == IPPROTO_UDP)
			pm->pay = (uint16_t)(rte_be_to_cpu_16(((const struct rte_udp_hdr *)(d + p.l4_off))->dgram_len) -
					     sizeof(struct rte_udp_hdr));
		return nc_v6_input(w, m, pm, owned_check, owner);
	}
	ip = (const struct rte_ipv4_hdr *)(d + p.l3_off);
	pm->l4_off = p.l4_off;
	if (unlikely(p.proto == IPPROTO_ICMP)) {
		const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(d + p.l4_off);

		ae = nc_dp_addr_find(w->tb, ip->dst_addr);
		if (ae == NULL) {
			drop(w, m, NC_DROP_NOT_FOR_US);
			return PK_DROP;
		}
		/* echo requests are answered here; the rest of the host address's
		 * ICMP belongs to its kernel */
		if ((ic->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && ic->icmp_code == 0) || ae->host_plus1 != 0)
			return PK_CTL;
		/* an unreachable: about a flow's packet, in its place among
		 * the legs (nc_icmp4_leg), or a health probe's answer */
		if (ic->icmp_type == NC_ICMP_DEST_UNREACH) {
			pm->pay = p.l4_len;
			return PK_ICMP4;
		}
		/* echo replies may answer a health probe */
		if (dp->probing && ic->icmp_type == RTE_IP_ICMP_ECHO_REPLY)
			return PK_CTL;
		drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
		return PK_DROP;
	}
	pm->key.src_ip = ip->src_addr;
	pm->key.dst_ip = ip->dst_addr;
	pm->key.src_port = ((const uint16_t *)(d + p.l4_off))[0];
	pm->key.dst_port = ((const uint16_t *)(d + p.l4_off))[1];
	pm->key.proto = p.proto;
	pm->key.pad[0] = pm->key.pad[1] = pm->key.pad[2] = 0;
	if (p.proto == IPPROTO_TCP)
		pm->pay = (uint16_t)(p.l4_len - (((const struct rte_tcp_hdr *)(d + p.l4_off))->data_off >> 4) * 4);
	else
		pm->pay = (uint16_t)(rte_be_to_cpu_16(((const struct rte_udp_hdr *)(d + p.l4_off))->dgram_len) -
				     sizeof(struct rte_udp_hdr));
	s = nc_dp_svc_by_tuple(w->tb, ip->dst_addr, pm->key.dst_port, p.proto);
	if (s == 0) {
		ae = nc_dp_addr_find(w->tb, ip->dst_addr);
		if (unlikely(ae == NULL)) {
			drop(w, m, NC_DROP_NOT_FOR_US);
			return PK_DROP;
		}
		/* the host address: for its kernel (exception path) */
		if (unlikely(ae->host_plus1 != 0))
			return PK_CTL;
		pm->lport = rte_be_to_cpu_16(pm->key.dst_port);
		/* answers to the control lcore's health probes: for us, not forwarded,
		 * so no TTL check */
		if (unlikely(pm->lport < dp->probe_hi) && pm->lport >= dp->probe_lo &&
		    ae->lip_plus1 != 0 && dp->probing)
			return PK_CTL;
		if (unlikely(ip->time_to_live <= 1)) {
			drop(w, m, NC_DROP_TTL_EXPIRED);
			return PK_DROP;
		}
		if (unlikely(ae->lip_plus1 == 0)) {
			drop(w, m, NC_DROP_NO_SERVICE);
			return PK_DROP;
		}
		pm->lip = (uint16_t)(ae->lip_plus1 - 1);
		rte_prefetch0(&dp->lport_map[(uint32_t)pm->lip << 16 | pm->lport]);
		if (owned_check && dp->n_workers > 1) {
			*owner = (uint16_t)(pm->lport % dp->n_workers);
			if (*owner != w->id)
				return PK_HANDOFF;
		}
		return PK_SERVER;
	}
	if (unlikely(ip->time_to_live <= 1)) {
		drop(w, m, NC_DROP_TTL_EXPIRED);
		return PK_DROP;
	}
	pm->svc = (uint8_t)(s - 1);
	pm->hash = nc_flow_hash(&pm->key);
	if (owned_check && dp->n_workers > 1) {
		*owner = nc_dp_owner4(dp, w->tb, pm->svc, &pm->key, pm->hash, m);
		if (*owner != w->id)
			return PK_HANDOFF;
	}
	return PK_CLIENT;
}

/* What an IPv6 flow's server leg, or a NAT64 flow's IPv4 one, reads beside
 * its flow line: its address line (with a NAT64 flow's TCP windows; an IPv6
 * flow keeps them in its flow line, an IPv4 flow has neither). */
static inline void
flow6_prefetch(struct nc_worker *w, uint32_t idx)
{
	const struct nc_flow6_addr *a = flow6_addr(w, idx);

	if (a != NULL)
		rte_prefetch0(a);
}

/* Packets per stage of process()'s pipeline, and the stages between a
 * group's classification and its legs: enough work between a line's
 * prefetch and its use for it to come from memory, few enough that what is
 * in flight fits the core's miss buffers. */
#define NC_STAGE 8
#define NC_LAG   3

/* A burst on its way through process(): each packet's classification, and
 * the packets of each kind that looks a flow up, listed in burst order. */
struct burst {
	struct pkt_meta meta[NC_MAX_BURST];
	/* client legs: key and hash, lookup */
	const struct nc_flow_key *keys[NC_MAX_BURST];
	uint32_t hashes[NC_MAX_BURST];
	struct nc_flow_probe probe[NC_MAX_BURST];
	int32_t pos[NC_MAX_BURST];
	/* IPv6 client legs: packet and hash, lookup (their keys made at
	 * the lookup's end, from the packet) */
	uint16_t cli6[NC_MAX_BURST];
	uint32_t hashes6[NC_MAX_BURST];
	struct nc_flow_probe probe6[NC_MAX_BURST];
	int32_t pos6[NC_MAX_BURST];
	uint16_t srv[NC_MAX_BURST];   /* server legs, either family */
	/* where each group starts in those lists */
	uint16_t cfirst[NC_MAX_BURST / NC_STAGE + 2];
	uint16_t c6first[NC_MAX_BURST / NC_STAGE + 2];
	uint16_t sfirst[NC_MAX_BURST / NC_STAGE + 2];
	uint16_t n, nc, nc6, ns;   /* packets; client legs, IPv6 ones, server legs */
};

/* Stage 1 of process(): classify packets [i, end) (their data prefetched
 * NC_RX_PREFETCH_AHEAD ahead), pass on what has no leg, list the legs that
 * look a flow up by kind. */
static __rte_always_inline void
stage_classify(struct nc_worker *w, uint16_t pidx_default, struct rte_mbuf **pkts, uint16_t n,
	       int from_handoff, uint16_t i, uint16_t end, struct burst *b)
{
	const int quarantine = unlikely(w->dp->sync_quarantine);
	const int v6 = w->tb->v6.n_svc != 0;

	for (; i < end; i++) {
		struct pkt_meta *pm = &b->meta[i];
		struct rte_mbuf *m = pkts[i];
		uint16_t pidx = from_handoff ? w->dp->pidx_of[m->port] : pidx_default;
		uint16_t owner = 0;

		/* the mbuf header whose data address the prefetch below reads
		 * NC_RX_PREFETCH_AHEAD packets on */
		if (i + 2 * NC_RX_PREFETCH_AHEAD < n)
			rte_prefetch0(pkts[i + 2 * NC_RX_PREFETCH_AHEAD]);
		if (i + NC_RX_PREFETCH_AHEAD < n) {
			const uint8_t *d = rte_pktmbuf_mtod(pkts[i + NC_RX_PREFETCH_AHEAD], const uint8_t *);

			rte_prefetch0(d);
			if (unlikely(v6))   /* an IPv6 frame's TCP header runs into its second line */
				rte_prefetch0(d + RTE_CACHE_LINE_SIZE);
		}
		pm->kind = (uint8_t)classify(w, &pkts[i], pidx, !from_handoff, pm, &owner);
		m = pkts[i];   /* a fragment: the datagram it completed */
		if (unlikely(quarantine) && pm->kind != PK_CTL && pm->kind != PK_DROP) {
			drop(w, m, NC_DROP_STALLED);
			pm->kind = PK_DROP;
			continue;
		}
		switch (pm->kind) {
		case PK_CLIENT:
			b->keys[b->nc] = &pm->key;
			b->hashes[b->nc++] = pm->hash;
			break;
		case PK_SERVER:
			b->srv[b->ns++] = i;
			break;
		case PK_CLIENT6:
			b->cli6[b->nc6] = i;
			b->hashes6[b->nc6++] = pm->hash;
			break;
		case PK_SERVER6:
			b->srv[b->ns++] = i;
			break;
		default:
			pass_on(w, m, (enum pkt_kind)pm->kind, pidx, owner);
			break;
		}
	}
}

/* Stage 2, group <g>: the client legs' signatures matched (their flow lines
 * prefetched); the server legs' flows found by local port and prefetched
 * (and what a proxied or NAT64 flow reads beside it). */
static __rte_always_inline void
stage_flows(struct nc_worker *w, struct burst *b, uint16_t g)
{
	uint16_t s;

	nc_flow_probe_ways(w->flows, b->probe + b->cfirst[g],
			   (uint32_t)(b->cfirst[g + 1] - b->cfirst[g]));
	if (unlikely(b->c6first[g + 1] != b->c6first[g]))
		nc_flow6_probe_ways(w->flows, b->probe6 + b->c6first[g],
				    (uint32_t)(b->c6first[g + 1] - b->c6first[g]));
	for (s = b->sfirst[g]; s < b->sfirst[g + 1]; s++) {
		struct pkt_meta *pm = &b->meta[b->srv[s]];

		pm->sidx = nc_flow_by_lport(w->flows, pm->lip, pm->lport);
		if (pm->sidx >= 0) {
			rte_prefetch0(flow_at(w, (uint32_t)pm->sidx));
			if (unlikely(w->synp != NULL))
				rte_prefetch0(&w->synp[pm->sidx]);
			/* an IPv6 or NAT64 flow's addresses (and windows) */
			if (unlikely(w->tb->v6.n_svc != 0))
				flow6_prefetch(w, (uint32_t)pm->sidx);
		}
	}
}

/* Stage 3's IPv6 lookups of group <g>: each client's key made from its
 * packet (kept in <k6> for its leg) and compared in the flows found. */
static __rte_noinline void
stage_keys6(struct nc_worker *w, struct rte_mbuf **pkts, struct burst *b, uint16_t g,
	    struct nc_flow6_key *k6)
{
	const struct nc_flow6_key *kp[NC_STAGE] = { NULL };
	uint16_t c0 = b->c6first[g], n = (uint16_t)(b->c6first[g + 1] - c0), c;

	for (c = 0; c < n; c++) {
		nc_v6_client_key(pkts[b->cli6[c0 + c]], &b->meta[b->cli6[c0 + c]], &k6[c]);
		kp[c] = &k6[c];
	}
	nc_flow6_probe_end(w->flows, b->probe6 + c0, kp, n, b->pos6 + c0);
	if (unlikely(w->synp != NULL))   /* a proxied flow's translation */
		for (c = 0; c < n; c++)
			if (b->pos6[c0 + c] >= 0)
				rte_prefetch0(&w->synp[b->pos6[c0 + c]]);
}

/* An ICMP unreachable to us (PK_ICMP4) from port <pidx>, in its place among
 * the legs: acted on, or to the control lcore, or to its flow's worker. */
static __rte_noinline void
leg_icmp4(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm, uint16_t pidx,
	  int owned_check)
{
	uint16_t owner = 0;
	enum pkt_kind k = nc_icmp4_leg(w, m, pm, owned_check, &owner);

	pass_on(w, m, k, pidx, owner);
}

/* An ICMPv6 error to us (PK_ICMP6) from port <pidx>, in its place among
 * the legs: acted on, or to the control lcore, or to its flow's worker. */
static __rte_noinline void
leg_icmp6(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm, uint16_t pidx,
	  int owned_check)
{
	uint16_t owner = 0;
	enum pkt_kind k = nc_v6_icmp_leg(w, m, pm, owned_check, &owner);

	pass_on(w, m, k, pidx, owner);
}

/*
 * Stage 3, group <g>: the keys compared, then each packet's leg in burst
 * order. A lookup predates flows opened or closed since the burst began:
 * <opened0> is the flow changes count then, <seen> the hash bits (one of 64)
 * of the client legs gone before.
 */
static __rte_always_inline void
stage_legs(struct nc_worker *w, uint16_t pidx_default, struct rte_mbuf **pkts, int from_handoff,
	   struct burst *b, uint16_t g, uint64_t opened0, uint64_t *seen)
{
	struct nc_flow6_key k6[NC_STAGE];
	uint16_t c = b->cfirst[g], c6 = b->c6first[g], i, j;
	uint16_t lo = (uint16_t)(g * NC_STAGE), hi = (uint16_t)(lo + NC_STAGE);

	nc_flow_probe_end(w->flows, b->probe + c, b->keys + c, (uint32_t)(b->cfirst[g + 1] - c),
			  b->pos + c);
	if (unlikely(w->synp != NULL))   /* a proxied flow's translation */
		for (j = c; j < b->cfirst[g + 1]; j++)
			if (b->pos[j] >= 0)
				rte_prefetch0(&w->synp[b->pos[j]]);
	if (unlikely(c6 != b->c6first[g + 1]))
		stage_keys6(w, pkts, b, g, k6);
	for (i = lo; i < hi && i < b->n; i++) {
		struct pkt_meta *pm = &b->meta[i];
		int32_t p;

		/* tests in the order of how common each kind is (no jump table) */
		if (likely(pm->kind == PK_CLIENT)) {
			uint64_t hbit = 1ull << (pm->hash & 63);

			p = b->pos[c];
			/* check a hit again; look a miss up again when a packet
			 * before it (its key's hash bit among theirs) may have
			 * opened its flow, or when an insert may have moved it
			 * between the lookup's steps */
			if (unlikely(w->st.flow_changes != opened0) &&
			    (p < 0 ? (*seen & hbit) != 0 || nc_flow_probe_unsure(&b->probe[c]) :
			     !key_eq(&flow_at(w, (uint32_t)p)->key, &pm->key) ||
			     flow_at(w, (uint32_t)p)->state == NC_FLOW_FREE))
				p = nc_flow_lookup(w->flows, &pm->key, pm->hash);
			c++;
			*seen |= hbit;
			client_leg(w, pkts[i], pm, p);
		} else if (likely(pm->kind == PK_SERVER)) {
			/* a SYN earlier in the burst may have closed a flow and
			 * freed its local port: look the stored index up again */
			if (unlikely(w->st.flow_changes != opened0))
				pm->sidx = nc_flow_by_lport(w->flows, pm->lip, pm->lport);
			server_leg(w, pkts[i], pm);
		} else if (pm->kind == PK_CLIENT6) {
			uint64_t hbit = 1ull << (pm->hash & 63);

			p = b->pos6[c6];
			/* as for IPv4, a hit looked up again whole */
			if (unlikely(w->st.flow_changes != opened0) &&
			    (p >= 0 || (*seen & hbit) != 0 || nc_flow_probe_unsure(&b->probe6[c6])))
				p = nc_flow6_lookup(w->flows, &k6[c6 - b->c6first[g]], pm->hash);
			*seen |= hbit;
			nc_v6_client_leg(w, pkts[i], pm, &k6[c6 - b->c6first[g]], p,
					 from_handoff ? w->dp->pidx_of[pkts[i]->port] : pidx_default);
			c6++;
		} else if (pm->kind == PK_SERVER6) {
			if (unlikely(w->st.flow_changes != opened0))
				pm->sidx = nc_flow_by_lport(w->flows, pm->lip, pm->lport);
			nc_v6_server_leg(w, pkts[i], pm);
		} else if (unlikely(pm->kind == PK_ICMP4)) {
			leg_icmp4(w, pkts[i], pm, from_handoff ? w->dp->pidx_of[pkts[i]->port] :
				  pidx_default, !from_handoff);
		} else if (unlikely(pm->kind == PK_ICMP6)) {
			leg_icmp6(w, pkts[i], pm, from_handoff ? w->dp->pidx_of[pkts[i]->port] :
				  pidx_default, !from_handoff);
		}
	}
}

/*
 * One burst through the fast path, in a pipeline of NC_STAGE packets a stage:
 * while one group is classified (its client keys' buckets prefetched), an
 * earlier one finds its flow lines (prefetched) and the one NC_LAG groups
 * back goes through its legs, so that each line is fetched while other
 * packets are worked on, not waited for.
 */
static void
process(struct nc_worker *w, uint16_t pidx_default, struct rte_mbuf **pkts, uint16_t n,
	int from_handoff)
{
	struct burst b;
	uint16_t i, g, ng = (uint16_t)((n + NC_STAGE - 1) / NC_STAGE);
	uint64_t opened0, seen = 0;

	for (i = NC_RX_PREFETCH_AHEAD; i < n && i < 2 * NC_RX_PREFETCH_AHEAD; i++)
		rte_prefetch0(pkts[i]);   /* mbuf headers, for stage_classify's data prefetch */
	for (i = 0; i < n && i < NC_RX_PREFETCH_AHEAD; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		if (unlikely(w->tb->v6.n_svc != 0))
			rte_prefetch0(rte_pktmbuf_mtod_offset(pkts[i], void *, RTE_CACHE_LINE_SIZE));
	}
	opened0 = w->st.flow_changes;
	b.n = n;
	b.nc = b.nc6 = b.ns = 0;
	b.cfirst[0] = b.c6first[0] = b.sfirst[0] = 0;
	for (g = 0; g < ng + NC_LAG; g++) {
		if (g < ng) {
			uint16_t lo = (uint16_t)(g * NC_STAGE);
			uint16_t c = b.nc, c6 = b.nc6;

			stage_classify(w, pidx_default, pkts, n, from_handoff, lo,
				       (uint16_t)RTE_MIN(lo + NC_STAGE, n), &b);
			b.cfirst[g + 1] = b.nc;
			b.c6first[g + 1] = b.nc6;
			b.sfirst[g + 1] = b.ns;
			nc_flow_probe_start(w->flows, b.hashes + c, (uint32_t)(b.nc - c), b.probe + c);
			if (unlikely(b.nc6 != c6))
				nc_flow6_probe_start(w->flows, b.hashes6 + c6, (uint32_t)(b.nc6 - c6),
						     b.probe6 + c6);
		}
		if (g >= 1 && g - 1 < ng)
			stage_flows(w, &b, (uint16_t)(g - 1));
		if (g >= NC_LAG)
			stage_legs(w, pidx_default, pkts, from_handoff, &b, (uint16_t)(g - NC_LAG), opened0,
				   &seen);
	}
}

/*
 * This loop stood still (the process was frozen): with flow sync a peer may
 * have taken our flows meanwhile, so nothing is forwarded until the control
 * lcore knows. Frames built before the stall and not yet sent go too: as
 * old as the stall, on 4-tuples a peer may use now (a late segment to a
 * server can make it reset the peer's connection on the same local port).
 */
static void
stall_seen(struct nc_worker *w)
{
	uint16_t p;

	__atomic_store_n(&w->dp->sync_quarantine, 1, __ATOMIC_RELAXED);
	for (p = 0; p < w->dp->n_ports; p++) {
		struct nc_txbuf *tb = &w->tx[p];

		w->st.drop[NC_DROP_STALLED] += tb->n;
		rte_pktmbuf_free_bulk(tb->m, tb->n);
		tb->n = 0;
	}
}

void
nc_worker_rx(struct nc_worker *w, uint16_t pidx, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t done = 0;

	/* frozen between the receive and here: what was received is old */
	if (unlikely(w->dp->sync_stall_ms != 0) &&
	    rte_rdtsc() - w->tick_tsc > (uint64_t)w->dp->sync_stall_ms * w->dp->tsc_per_ms)
		stall_seen(w);

	w->st.rx[pidx] += n;
	while (done < n) {
		uint16_t k = (uint16_t)RTE_MIN(n - done, NC_MAX_BURST);

		process(w, pidx, pkts + done, k, 0);
		done = (uint16_t)(done + k);
	}
	nc_frag_flush(w);
}

unsigned int
nc_worker_ctl_tx_poll(struct nc_worker *w)
{
	struct rte_mbuf *pkts[32];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(w->dp->ctl_tx, (void **)pkts, RTE_DIM(pkts), NULL);
	for (i = 0; i < n; i++) {
		struct nc_txbuf *tb = &w->tx[w->dp->pidx_of[pkts[i]->port]];

		if (unlikely(tb->n == NC_TXB_MAX)) {
			drop(w, pkts[i], NC_DROP_TX_FULL);
			continue;
		}
		tb->m[tb->n++] = pkts[i];
	}
	return n;
}

unsigned int
nc_worker_handoff_poll(struct nc_worker *w)
{
	struct rte_mbuf *pkts[64];
	unsigned int n = rte_ring_sc_dequeue_burst(w->handoff, (void **)pkts, RTE_DIM(pkts), NULL);

	if (n != 0) {
		w->st.handoff_in += n;
		process(w, 0, pkts, (uint16_t)n, 1);
		nc_frag_flush(w);
	}
	return n;
}

void
nc_worker_flush(struct nc_worker *w)
{
	const struct nc_dp *dp = w->dp;
	uint16_t p;

	for (p = 0; p < dp->n_ports; p++) {
		struct nc_txbuf *tb = &w->tx[p];
		uint16_t sent = 0, k;

		if (tb->n == 0)
			continue;
		/* a few tries: a PMD may take a burst in parts */
		for (k = 0; k < 4 && sent < tb->n; k++)
			sent = (uint16_t)(sent + rte_eth_tx_burst(dp->port_id[p], w->txq,
								  tb->m + sent, (uint16_t)(tb->n - sent)));
		w->st.tx[p] += sent;
		if (unlikely(sent < tb->n)) {
			w->st.drop[NC_DROP_TX_FULL] += (uint64_t)(tb->n - sent);
			rte_pktmbuf_free_bulk(tb->m + sent, (unsigned int)(tb->n - sent));
		}
		tb->n = 0;
	}
}

uint16_t
nc_worker_tx_take(struct nc_worker *w, uint16_t pidx, struct rte_mbuf **out)
{
	struct nc_txbuf *tb = &w->tx[pidx];
	uint16_t n = tb->n;

	memcpy(out, tb->m, n * sizeof(tb->m[0]));
	w->st.tx[pidx] += n;
	tb->n = 0;
	return n;
}

unsigned int
nc_worker_expire(struct nc_worker *w, unsigned int budget)
{
	nc_frag_expire(w);
	/* quarantined: flows whose time ran out during the stall are a peer's
	 * now, or ours again; either way not closed (and reported closed) here */
	if (unlikely(w->dp->sync_quarantine))
		return 0;
	return nc_flow_expire(w->flows, w->now_ms, budget, flow_expired, w);
}

void
nc_worker_tick(struct nc_worker *w)
{
	uint64_t tsc = rte_rdtsc();
	uint32_t now_ms = (uint32_t)(tsc / w->dp->tsc_per_ms);

	if (unlikely(w->dp->sync_stall_ms != 0) && w->now_ms != 0 &&
	    now_ms - w->now_ms > w->dp->sync_stall_ms)
		stall_seen(w);
	w->now_ms = now_ms;
	w->tick_tsc = tsc;
	w->now_us = (uint32_t)(tsc / w->dp->tsc_per_us);
	nc_flow_set_clock(w->flows, w->now_ms);
	rte_rcu_qsbr_quiescent(w->dp->qsbr, w->id);
	/* after the report: tables published before it are the ones taken */
	w->tb = __atomic_load_n(&w->dp->tables, __ATOMIC_ACQUIRE);
}

uint32_t
nc_worker_flow_count(const struct nc_worker *w)
{
	return nc_flow_count(w->flows);
}

int
nc_worker_main(void *arg)
{
	struct nc_worker *w = arg;
	struct nc_dp *dp = w->dp;
	struct rte_mbuf *pkts[NC_MAX_BURST];
	uint32_t idle = 0;
	uint32_t sleep_us = dp->cfg->workers.idle_sleep_us;

	/* idle sleeps of a few microseconds, not the default 50 us timer slack */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	rte_rcu_qsbr_thread_register(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
	NC_LOG(INFO, DP, "worker %u on lcore %u: rx/tx queue %u/%u", w->id, w->lcore, w->rxq, w->txq);
	while (!__atomic_load_n(&dp->stop, __ATOMIC_RELAXED)) {
		unsigned int got = 0;
		uint16_t p;

		nc_worker_tick(w);
		for (p = 0; p < dp->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(dp->port_id[p], w->rxq, pkts, w->burst);

			if (n != 0) {
				nc_worker_rx(w, p, pkts, n);
				got += n;
			}
		}
		/* other workers' packets, and client packets held for ARP */
		got += nc_worker_handoff_poll(w);
		if (w->id == 0)
			got += nc_worker_ctl_tx_poll(w);
		got += nc_worker_failsafe_poll(w);
		got += nc_worker_ca_poll(w);
		got += nc_worker_sp_poll(w);
		got += nc_worker_sync_poll(w);
		nc_worker_flush(w);
		nc_worker_expire(w, got != 0 ? 16 : 256);
		if (w->aff != NULL)
			nc_affinity_expire(w->aff, w->now_ms, got != 0 ? 4 : 64);
		if (w->aff6 != NULL)
			nc_affinity_expire(w->aff6, w->now_ms, got != 0 ? 4 : 64);
		if (got != 0) {
			idle = 0;
		} else if (++idle > 64) {
			/* Back off when idle so servers and clients on the same
			 * cores get CPU; a worker sleeps at most idle_sleep_us. */
			if (sleep_us != 0) {
				rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
				rte_delay_us_sleep(sleep_us);
				rte_rcu_qsbr_thread_online(dp->qsbr, w->id);
			} else {
				rte_pause();
			}
		}
	}
	nc_worker_flush(w);
	rte_rcu_qsbr_thread_offline(dp->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(dp->qsbr, w->id);
	return 0;
}
