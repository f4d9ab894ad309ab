/* SPDX-License-Identifier: BSD-3-Clause
 * The client's address for the servers under full NAT (client_address):
 * - proxy-v1, proxy-v2 (TCP): at the server's SYN-ACK the appliance sends
 *   the PROXY header as its own segment, acknowledging the server's SYN, so
 *   it is the first thing the server reads, before any client byte (and
 *   server-speaks-first protocols work too); the client's stream is shifted
 *   by its length from then on. Not acknowledged, it goes again (the
 *   server's repeated SYN-ACK, or NC_CA_RTO_MS), NC_CA_TRIES times at most,
 *   then both sides are reset.
 * - SACK: the server's SACK blocks are in the shifted space like its
 *   acknowledgements and are shifted back the same way, so the client keeps
 *   SACK.
 * - toa (TCP): option 254 in the client's first data segment (and its
 *   retransmissions: those starting at the first byte), where it fits.
 * - proxy-v2 (UDP): every datagram to the server starts with the header.
 * - IPv6 flows: the header names the IPv6 client and VIP (TCP6, AF_INET6),
 *   NAT64 ones too, whose server connection is IPv4 (as HAProxy and nginx
 *   expect of an IPv6 client behind a proxy); TOA is DPVS's 20-byte IPv6
 *   option. The client's hooks work on its IPv6 frame before the rewrite or
 *   translation; the appliance's own segments take each leg's family.
 *
 * Runs on the worker owning the flow, through the hooks its legs call for
 * flows with f->ca set; the fast path's rule holds: no lock, no heap
 * allocation (header segments come from a mempool), no log, no syscall per
 * packet; every drop and every event a counter.
 */
#include "dp_client_addr.h"
#include "dp_failsafe.h"

#define CA_MTU RTE_ETHER_MTU   /* the ports' IP MTU */

static inline void
ca_count(struct nc_worker *w, const struct nc_flow *f, enum nc_ca_event ev)
{
	w->st.svc[f->svc].ca[ev]++;
}

static inline struct rte_tcp_hdr *
tcp_of(const struct rte_mbuf *m, uint16_t l4_off)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4_off);
}

static inline int
is_proxy(const struct nc_flow *f)
{
	uint8_t mode = f->ca & NC_FLOW_CA_MODE;

	return mode == NC_CA_PROXY_V1 || mode == NC_CA_PROXY_V2;
}

/* The header of flow <f>'s client connection (or datagram, <proto> UDP)
 * into <out> (NC_PROXY_V1_MAX bytes); its length. */
static inline unsigned int
hdr_build(const struct nc_worker *w, const struct nc_flow *f, uint8_t proto, uint8_t *out)
{
	const struct nc_flow6_addr *a;

	if (likely(!nc_flow_is_v6(f))) {
		if (proto == IPPROTO_TCP && (f->ca & NC_FLOW_CA_MODE) == NC_CA_PROXY_V1)
			return nc_proxy_v1_build(out, f->key.src_ip, f->key.dst_ip, f->key.src_port,
						 f->key.dst_port);
		return nc_proxy_v2_build(out, proto, f->key.src_ip, f->key.dst_ip, f->key.src_port,
					 f->key.dst_port);
	}
	a = flow6_addr(w, flow_idx(w, f));
	if (proto == IPPROTO_TCP && (f->ca & NC_FLOW_CA_MODE) == NC_CA_PROXY_V1)
		return nc_proxy_v1_build6(out, a->client, a->vip, f->key.src_port, f->key.dst_port);
	return nc_proxy_v2_build6(out, proto, a->client, a->vip, f->key.src_port, f->key.dst_port);
}

/*
 * A TCP segment of flow <f> the appliance makes: to its server from the
 * local address, or (<to_server> 0) to its client from the VIP, in that
 * leg's family (a NAT64 flow's server leg is IPv4); its ports set, the rest
 * of <tcp_len> header bytes zeroed, room for <pay> bytes after them. NULL
 * when no mbuf (counted); else the TCP header, its frame in <*mp>.
 */
static struct rte_tcp_hdr *
own_seg(struct nc_worker *w, const struct nc_flow *f, int to_server, uint16_t tcp_len, uint16_t pay,
	struct rte_mbuf **mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->dp->ca_pool);
	struct rte_tcp_hdr *th;

	if (unlikely(nc_flow_is_v6(f)) && !(to_server && nc_flow_is_64(f))) {
		const struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));

		th = nc_own_tcp6_frame(m, (uint16_t)(L4_OFF6 + tcp_len + pay), tcp_len,
				       to_server ? a->lip : a->vip, to_server ? a->server : a->client);
	} else {
		th = nc_own_tcp_frame(m, (uint16_t)(L4_OFF + tcp_len + pay), tcp_len,
				      to_server ? f->lip : f->key.dst_ip,
				      to_server ? f->server_ip : f->key.src_ip);
	}
	if (unlikely(th == NULL)) {
		ca_count(w, f, NC_CA_EV_HDR_NO_MBUF);
		return NULL;
	}
	th->src_port = to_server ? f->lport : f->key.dst_port;
	th->dst_port = to_server ? f->server_port : f->key.src_port;
	*mp = m;
	return th;
}

/* The timestamp option's value in the options of <th>, if any: 1 and <*val>. */
static int
opt_tsval(const struct rte_tcp_hdr *th, uint32_t *val)
{
	const uint8_t *o = tcp_opt_find(th, 8, 10);

	if (o == NULL)
		return 0;
	memcpy(val, o + 2, 4);
	*val = rte_be_to_cpu_32(*val);
	return 1;
}

/* Window scale shift of the options of SYN <th>, 0 if none. */
static unsigned int
opt_wscale(const struct rte_tcp_hdr *th)
{
	const uint8_t *o = tcp_opt_find(th, 3, 3);

	return o != NULL ? RTE_MIN(o[2], 14) : 0;
}

/*
 * Send flow <f>'s header segment to its server: from the local IP and port,
 * at s->hdr acknowledging s->srv_next, PSH, the client's window, timestamps
 * when both ends use them (the client's SYN value, echoing the server's).
 */
static void
hdr_send(struct nc_worker *w, const struct nc_flow *f, struct nc_ca_state *s)
{
	uint16_t opt = (s->flags & NC_CAS_TS) ? 12 : 0;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	/* the largest: IPv6, timestamps, a TCP6 line, in one header-pool mbuf */
	RTE_BUILD_BUG_ON(L4_OFF6 + sizeof(*th) + 12 + NC_PROXY_V1_MAX > 256);
	RTE_BUILD_BUG_ON(NC_PROXY_V1_MAX > UINT8_MAX);   /* s->len, f->ca_len */
	s->tries++;
	th = own_seg(w, f, 1, (uint16_t)(sizeof(*th) + opt), s->len, &m);
	if (unlikely(th == NULL))
		return;
	th->sent_seq = rte_cpu_to_be_32(s->hdr);
	th->recv_ack = rte_cpu_to_be_32(s->srv_next);
	th->data_off = (uint8_t)(((sizeof(*th) + opt) / 4) << 4);
	th->tcp_flags = RTE_TCP_PSH_FLAG | RTE_TCP_ACK_FLAG;
	th->rx_win = rte_cpu_to_be_16(s->win);
	if (opt != 0) {
		uint8_t *o = (uint8_t *)(th + 1);
		uint32_t v = rte_cpu_to_be_32(s->c_tsval), e = rte_cpu_to_be_32(s->s_tsval);

		o[0] = 1;
		o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		memcpy(o + 4, &v, 4);
		memcpy(o + 8, &e, 4);
	}
	hdr_build(w, f, IPPROTO_TCP, (uint8_t *)th + sizeof(*th) + opt);
	th->cksum = held_l4_cksum(m, th);
	tx_to(w, m, f->nh_server);
}

/* Queue flow <idx>'s retransmission deadline. */
static void
timer_arm(struct nc_worker *w, const struct nc_flow *f, uint32_t idx, struct nc_ca_state *s)
{
	uint32_t due = w->now_ms + NC_CA_RTO_MS;

	s->due_ms = due;
	if (nc_flow_timer_add(w->caq, NC_CA_QUEUE, w->caq_head, &w->caq_tail, idx, due) < 0) {
		/* only the server's own SYN-ACK retransmissions resend it now */
		s->due_ms = due - 1;   /* no entry of the queue is this one's */
		ca_count(w, f, NC_CA_EV_TIMER_FULL);
	}
}

/* A bare segment of flow <f> (RST): to its server from the local IP, or to
 * its client from the VIP. */
static void
rst_send(struct nc_worker *w, const struct nc_flow *f, int to_server, uint32_t seq)
{
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	th = own_seg(w, f, to_server, (uint16_t)sizeof(*th), 0, &m);
	if (unlikely(th == NULL))
		return;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_RST_FLAG;
	th->rx_win = RTE_BE16(65535);   /* as the fail-safe's own segments */
	th->cksum = held_l4_cksum(m, th);
	tx_to(w, m, to_server ? f->nh_server : f->nh_client);
}

/* The server never acknowledged flow <idx>'s header: the connection cannot
 * carry the client's bytes. Both ends are reset (the client at the server's
 * first byte, where it stands unless the server spoke first) and the flow
 * closes as after a reset. */
static void
hdr_give_up(struct nc_worker *w, struct nc_flow *f, struct nc_ca_state *s)
{
	ca_count(w, f, NC_CA_EV_HDR_LOST);
	rst_send(w, f, 1, s->hdr);
	rst_send(w, f, 0, s->srv_next);
	s->flags |= NC_CAS_ACKED;   /* nothing more to send */
	f->state = NC_FLOW_CLOSING;
	f->expire_ms = w->now_ms + w->dp->to_fin;
}

unsigned int
nc_worker_ca_poll(struct nc_worker *w)
{
	struct nc_flow_timer t;
	unsigned int n = 0;

	if (w->caq == NULL)
		return 0;
	/* a bounded number per loop: forwarding goes on meanwhile */
	while (n < 32 && nc_flow_timer_due(w->caq, NC_CA_QUEUE, &w->caq_head, w->caq_tail, w->now_ms, &t)) {
		struct nc_flow *f = flow_at(w, t.idx);
		struct nc_ca_state *s = &w->cas[t.idx];

		/* gone, acknowledged, or an entry of an earlier state */
		if (f->state == NC_FLOW_FREE || f->state == NC_FLOW_CLOSING || !is_proxy(f) ||
		    s->due_ms != t.due_ms || (s->flags & (NC_CAS_SENT | NC_CAS_ACKED)) != NC_CAS_SENT)
			continue;
		/* a fail-safe move under way: the new connection's SYN-ACK
		 * sends the header again */
		if (w->tfs != NULL && w->tb->svc[f->svc].failsafe &&
		    (w->tfs[t.idx].flags & NC_TFS_SPLICING))
			continue;
		n++;
		if (s->tries >= NC_CA_TRIES) {
			hdr_give_up(w, f, s);
			continue;
		}
		hdr_send(w, f, s);
		ca_count(w, f, NC_CA_EV_HDR_RESENT);
		timer_arm(w, f, t.idx, s);
	}
	return n;
}

/* ------------------------------------------------------------ client leg */

/* Set segment <th>'s sequence number to <seq> (host order), checksum updated. */
static inline void
seq_set(struct rte_tcp_hdr *th, uint32_t seq)
{
	nc_ca_seq_set(th, seq);
}

/* The IP length frame <m> (IPv4 or IPv6, L4 at <l4_off>) of flow <f> will
 * have on the server leg: a NAT64 flow's IPv6 frame leaves as IPv4, without
 * its extension headers. */
static inline uint16_t
srv_ip_len(const struct nc_flow *f, const struct rte_mbuf *m, uint16_t l4_off)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr));
	uint16_t tot;

	if (!frame_is_v6(m))
		return rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)l3)->total_length);
	tot = (uint16_t)(sizeof(struct rte_ipv6_hdr) +
			 rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len));
	return nc_flow_is_64(f) ? (uint16_t)(tot - (l4_off - L4_OFF)) : tot;
}

/* The IP length of frame <m> grown by <n> bytes: IPv4's total length and
 * its header checksum, or IPv6's payload length. */
static inline void
ip_len_add(struct rte_mbuf *m, uint16_t n)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, sizeof(struct rte_ether_hdr));

	if (frame_is_v6(m)) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)l3;

		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip6->payload_len) + n));
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		uint16_t old = ip->total_length;

		ip->total_length = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old) + n));
		ip->hdr_checksum = nc_csum_adjust(ip->hdr_checksum,
						  nc_csum_delta16(old, ip->total_length));
	}
}

/*
 * Flow <f>'s TOA option into client segment <m> (an IPv4 or IPv6 frame, L4
 * at <l4_off>): the headers move the option's length into the headroom and
 * the option follows the segment's own - 8 bytes for an IPv4 client, 20 for
 * an IPv6 one (NAT64's too). Once per connection (and per retransmission of
 * its first data): the checksum is computed afresh, so an IPv6 frame must
 * have no extension headers.
 */
static void
toa_add(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m, uint16_t l4_off)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *nd;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);
	const uint16_t olen = nc_flow_is_v6(f) ? NC_TOA6_LEN : NC_TOA_LEN;
	uint16_t hl = (uint16_t)((th->data_off >> 4) * 4), out = srv_ip_len(f, m, l4_off);

	if (hl + olen > 60 || out + olen > CA_MTU || (frame_is_v6(m) && l4_off != L4_OFF6) ||
	    !rte_pktmbuf_is_contiguous(m) || rte_pktmbuf_headroom(m) < olen) {
		ca_count(w, f, NC_CA_EV_TOA_NO_ROOM);
		return;
	}
	nd = (uint8_t *)rte_pktmbuf_prepend(m, olen);
	memmove(nd, d, (size_t)l4_off + hl);
	th = (struct rte_tcp_hdr *)(nd + l4_off);
	if (nc_flow_is_v6(f))
		nc_toa6_build(nd + l4_off + hl, flow6_addr(w, flow_idx(w, f))->client,
			      f->key.src_port);
	else
		nc_toa_build(nd + l4_off + hl, f->key.src_ip, f->key.src_port);
	th->data_off = (uint8_t)(th->data_off + ((olen / 4) << 4));
	ip_len_add(m, olen);
	th->cksum = 0;
	th->cksum = held_l4_cksum(m, th);
	ca_count(w, f, NC_CA_EV_TOA_ADDED);
}

/*
 * Put the PROXY v2 header of UDP flow <f> (AF_INET6 for an IPv6 client)
 * before the payload of datagram <m> (an IPv4 or IPv6 frame, L4 at
 * <l4_off>): the headers move the header's length into the headroom.
 * Lengths and the IPv4 header checksum follow; the UDP checksum (unless 0,
 * none) gains the header's words and the length, which it counts twice
 * (pseudo-header and UDP header, IPv6's as IPv4's): the inserted bytes start
 * at an even offset, so every later word keeps its place in the one's
 * complement sum. Returns 0, or 1 when <m> was dropped (too big for the MTU
 * on the server leg, no headroom: counted).
 */
static int
udp_prefix(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m, uint16_t l4_off)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *), *nd;
	const uint16_t hl = l4_off + (uint16_t)sizeof(struct rte_udp_hdr);
	uint8_t h[NC_PROXY_V2_LEN6];
	uint16_t out = srv_ip_len(f, m, l4_off), old_ul, plen;
	struct rte_udp_hdr *uh;
	uint32_t sum = 0;
	unsigned int i;

	plen = (uint16_t)(nc_flow_is_v6(f) ? NC_PROXY_V2_LEN6 : NC_PROXY_V2_LEN);
	if (unlikely(out + plen > CA_MTU)) {
		drop(w, m, NC_DROP_CA_TOO_BIG);
		return 1;
	}
	if (unlikely(!rte_pktmbuf_is_contiguous(m) || rte_pktmbuf_headroom(m) < plen)) {
		drop(w, m, NC_DROP_CA_NO_ROOM);
		return 1;
	}
	hdr_build(w, f, IPPROTO_UDP, h);
	nd = (uint8_t *)rte_pktmbuf_prepend(m, plen);
	memmove(nd, d, hl);
	memcpy(nd + hl, h, plen);
	ip_len_add(m, plen);
	uh = (struct rte_udp_hdr *)(nd + l4_off);
	old_ul = uh->dgram_len;
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(old_ul) + plen));
	if (uh->dgram_cksum != 0) {
		for (i = 0; i < plen; i += 2) {
			uint16_t x;

			memcpy(&x, h + i, 2);
			sum += x;
		}
		sum += 2 * nc_csum_delta16(old_ul, uh->dgram_len);
		uh->dgram_cksum = nc_csum_adjust(uh->dgram_cksum, sum);
		if (uh->dgram_cksum == 0)
			uh->dgram_cksum = 0xffff;
	}
	ca_count(w, f, NC_CA_EV_UDP_HDR);
	return 0;
}

int
nc_ca_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	struct nc_ca_state *s;
	struct rte_tcp_hdr *th;
	uint32_t seq;

	if (f->key.proto == IPPROTO_UDP)
		return udp_prefix(w, f, m, pm->l4_off);
	s = &w->cas[flow_idx(w, f)];
	th = tcp_of(m, pm->l4_off);
	seq = rte_be_to_cpu_32(th->sent_seq);
	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG) {
		/* what the header segment needs of the client's SYN */
		if (!(s->flags & NC_CAS_SENT)) {
			uint32_t ts;

			s->c_isn = seq;
			s->win = (uint16_t)RTE_MAX(rte_be_to_cpu_16(th->rx_win) >> opt_wscale(th), 1);
			s->flags = (uint8_t)((s->flags & ~NC_CAS_TS) | NC_CAS_SYN);
			if (opt_tsval(th, &ts)) {
				s->c_tsval = ts;
				s->flags |= NC_CAS_TS;   /* kept if the SYN-ACK has them too */
			}
		}
		return 0;
	}
	if ((f->ca & NC_FLOW_CA_MODE) == NC_CA_TOA) {
		if (pm->pay != 0 && (s->flags & NC_CAS_SYN) && seq == s->c_isn + 1)
			toa_add(w, f, m, pm->l4_off);
		return 0;
	}
	if (s->flags & NC_CAS_SENT)
		seq_set(th, nc_seq_shift_out(seq, s->len));
	return 0;
}

void
nc_ca_isns(const struct nc_worker *w, const struct nc_flow *f, uint32_t *c_isn, uint32_t *srv_isn)
{
	const struct nc_ca_state *s;

	if (f->key.proto != IPPROTO_TCP || !is_proxy(f) || w->cas == NULL)
		return;
	s = &w->cas[flow_idx(w, f)];
	if (!(s->flags & NC_CAS_SENT))
		return;
	*c_isn = s->hdr - 1;
	*srv_isn = s->srv_next - 1;
}

void
nc_ca_adopt(struct nc_worker *w, struct nc_flow *f, uint8_t mode, bool isns, uint32_t c_isn,
	    uint32_t srv_isn)
{
	struct nc_ca_state *s;
	uint8_t h[NC_PROXY_V1_MAX];
	uint32_t idx;

	if (w->cas == NULL)
		return;   /* no TCP client address here at start: plain NAT (counted nowhere
			   * else: the peers share one startup file) */
	idx = flow_idx(w, f);
	s = &w->cas[idx];
	memset(s, 0, sizeof(*s));
	f->ca = mode;
	f->ca_len = 0;
	if (mode == NC_CA_TOA) {
		if (isns) {
			s->c_isn = c_isn;
			s->flags = NC_CAS_SYN;
		}
		return;
	}
	if (!is_proxy(f))
		return;
	s->len = (uint8_t)hdr_build(w, f, IPPROTO_TCP, h);
	s->win = UINT16_MAX;   /* its SYN was seen there */
	f->ca_len = s->len;
	if (isns) {
		s->c_isn = c_isn;
		s->hdr = c_isn + 1;
		s->srv_next = srv_isn + 1;
		s->flags = NC_CAS_SYN | NC_CAS_SENT;
		timer_arm(w, f, idx, s);
	} else {
		s->flags = NC_CAS_SYN | NC_CAS_SENT | NC_CAS_ACKED;
		f->ca |= NC_FLOW_CA_ACKED;
	}
}

/* ------------------------------------------------------------ server leg */

/* A server SACK edge back into the client's view over the PROXY header
 * (nc_ack_shift_in()), or (acked) just its length less. */
struct sack_shift {
	uint32_t hdr, len;
	int acked;
};

static uint32_t
sack_edge_in(uint32_t edge, const void *arg)
{
	const struct sack_shift *sh = arg;

	return sh->acked ? edge - sh->len : nc_ack_shift_in(edge, sh->hdr, sh->len);
}

static void
sack_shift(struct rte_tcp_hdr *th, uint32_t hdr, uint32_t len, int acked)
{
	const struct sack_shift sh = { hdr, len, acked };

	tcp_sack_map(th, sack_edge_in, &sh);
}

void
nc_ca_server(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	     const struct pkt_meta *pm)
{
	struct nc_ca_state *s = &w->cas[idx];
	struct rte_tcp_hdr *th = tcp_of(m, pm->l4_off);
	uint8_t fl = th->tcp_flags;
	uint32_t ack, na;

	if (!is_proxy(f))
		return;
	if ((fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) {
		uint32_t seq = rte_be_to_cpu_32(th->sent_seq), ts;
		uint8_t h[NC_PROXY_V1_MAX];

		ack = rte_be_to_cpu_32(th->recv_ack);
		if ((s->flags & NC_CAS_SENT) &&
		    !(w->tfs != NULL && w->tb->svc[f->svc].failsafe &&
		      (w->tfs[idx].flags & NC_TFS_SPLICING) && ack == w->tfs[idx].sp_client)) {
			/* the server sent its SYN-ACK again: the header did not
			 * reach it, or not yet (anything else is no answer) */
			if (s->hdr == ack && s->srv_next == seq + 1 && !(s->flags & NC_CAS_ACKED) &&
			    s->tries < NC_CA_TRIES) {
				hdr_send(w, f, s);
				ca_count(w, f, NC_CA_EV_HDR_RESENT);
			}
			return;
		}
		/* a new server connection (the first, or a fail-safe move's) */
		s->hdr = ack;
		s->srv_next = seq + 1;
		s->len = (uint8_t)hdr_build(w, f, IPPROTO_TCP, h);
		s->tries = 0;
		s->flags = (uint8_t)((s->flags & (NC_CAS_SYN | NC_CAS_TS)) | NC_CAS_SENT);
		f->ca = (uint8_t)(f->ca & ~NC_FLOW_CA_ACKED);   /* a new connection's own */
		f->ca_len = s->len;
		if (!(s->flags & NC_CAS_SYN))
			s->win = UINT16_MAX;   /* taken over mid-handshake: no SYN seen */
		if ((s->flags & NC_CAS_TS) && opt_tsval(th, &ts))
			s->s_tsval = ts;
		else
			s->flags &= (uint8_t)~NC_CAS_TS;
		hdr_send(w, f, s);
		ca_count(w, f, NC_CA_EV_HDR_SENT);
		timer_arm(w, f, idx, s);
		return;   /* its acknowledgement is the header's start: as it is */
	}
	if (!(s->flags & NC_CAS_SENT) || !(fl & RTE_TCP_ACK_FLAG))
		return;
	ack = rte_be_to_cpu_32(th->recv_ack);
	if (!(s->flags & NC_CAS_ACKED) && nc_seq_le(s->hdr + s->len, ack)) {
		s->flags |= NC_CAS_ACKED;
		f->ca |= NC_FLOW_CA_ACKED;   /* later ones in line (nc_ca_server_fast) */
	}
	na = nc_ack_shift_in(ack, s->hdr, s->len);
	if (na != ack) {
		uint32_t old = th->recv_ack;

		th->recv_ack = rte_cpu_to_be_32(na);
		th->cksum = nc_csum_adjust(th->cksum, nc_csum_delta32(old, th->recv_ack));
	}
	if (unlikely(th->data_off > 0x50))
		sack_shift(th, s->hdr, s->len, 0);
}

void
nc_ca_sack_acked(struct rte_tcp_hdr *th, uint32_t len)
{
	sack_shift(th, 0, len, 1);
}

/* ------------------------------------------------------------ fail-safe */

/*
 * Held client segment <m> (L4 at <l4_off>) without its bytes before
 * <first>, its connection's first: a segment held from before a move may
 * begin in a request already answered. A plain server's TCP drops such
 * bytes as old, but under PROXY they lie where the header goes (a server
 * that lost the header or got it late would read them as the header), and
 * TOA goes on the segment that starts at <first>. The bytes kept move down
 * over the bytes cut (the headers stay where they are, aligned); lengths,
 * sequence number and checksum follow (a segment all before <first> is left
 * an acknowledgement). Not in one buffer: sent as it is, counted.
 */
static void
replay_trim(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m, uint16_t l4_off,
	    uint32_t first)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);
	const uint16_t hl = (uint16_t)((th->data_off >> 4) * 4);
	const uint32_t seq = rte_be_to_cpu_32(th->sent_seq), pay = held_l4_len(m) - hl;
	uint8_t *p = d + l4_off + hl;
	uint16_t cut;

	if (pay == 0 || !nc_seq_lt(seq, first))
		return;
	cut = (uint16_t)RTE_MIN(first - seq, pay);
	if (unlikely(!rte_pktmbuf_is_contiguous(m) ||
		     rte_pktmbuf_data_len(m) < (uint32_t)l4_off + hl + pay)) {
		ca_count(w, f, NC_CA_EV_TRIM_NO_ROOM);
		return;
	}
	memmove(p, p + cut, pay - cut);
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - (l4_off + hl + pay - cut)));
	/* all of it before: an acknowledgement at the start */
	th->sent_seq = rte_cpu_to_be_32(cut == pay ? first : seq + cut);
	ip_len_add(m, (uint16_t)-cut);
	th->cksum = 0;
	th->cksum = held_l4_cksum(m, th);
	ca_count(w, f, NC_CA_EV_REPLAY_TRIMMED);
}

void
nc_ca_moved(struct nc_worker *w, const struct nc_flow *f, uint32_t first)
{
	if ((f->ca & NC_FLOW_CA_MODE) != NC_CA_TOA || w->cas == NULL)
		return;
	w->cas[flow_idx(w, f)].c_isn = first - 1;
	w->cas[flow_idx(w, f)].flags |= NC_CAS_SYN;
}

void
nc_ca_replayed(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m, uint32_t first)
{
	const uint16_t l4_off = held_l4_off(m);   /* a NAT64 flow's: IPv4 */
	struct rte_tcp_hdr *th = tcp_of(m, l4_off);
	uint32_t pay;

	if (th->tcp_flags & RTE_TCP_SYN_FLAG)
		return;
	replay_trim(w, f, m, l4_off, first);
	th = tcp_of(m, l4_off);
	if ((f->ca & NC_FLOW_CA_MODE) != NC_CA_TOA) {
		seq_set(th, nc_ca_seq_out(w, f, rte_be_to_cpu_32(th->sent_seq)));
		return;
	}
	pay = held_l4_len(m) - (uint32_t)(th->data_off >> 4) * 4u;
	if (pay != 0 && rte_be_to_cpu_32(th->sent_seq) == first)
		toa_add(w, f, m, l4_off);
}

int
nc_ca_udp_replay(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m)
{
	return udp_prefix(w, f, m, held_l4_off(m));
}
