/* SPDX-License-Identifier: BSD-3-Clause
 * Per-packet helpers of the worker, shared by its fast path (dp_worker.c)
 * and the transaction fail-safe (dp_failsafe.c): the packet's classification,
 * drops, the header rewrite, transmit buffering and TCP state. Worker lcore
 * only; never included outside lib/dp.
 */
#ifndef NC_DP_FASTPATH_H
#define NC_DP_FASTPATH_H

#include <string.h>

#include <rte_ethdev.h>
#include <rte_hash_crc.h>

#include "dp_priv.h"
#include "dp_sync.h"

/* Ethernet + IPv4 without options: where L4 starts in frames the worker makes or holds */
#define L4_OFF ((uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr)))
/* ... and Ethernet + IPv6 without extension headers */
#define L4_OFF6 ((uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr)))

/* A frame the worker holds or makes is IPv6. */
static inline int
frame_is_v6(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
	       RTE_BE16(RTE_ETHER_TYPE_IPV6);
}

/* Where L4 starts in a frame the worker holds or makes, and its L4 bytes. */
static inline uint16_t
held_l4_off(const struct rte_mbuf *m)
{
	return frame_is_v6(m) ? L4_OFF6 : L4_OFF;
}

static inline uint32_t
held_l4_len(const struct rte_mbuf *m)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_ether_hdr));

	if (frame_is_v6(m))
		return rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len);
	return (uint32_t)rte_be_to_cpu_16(((const struct rte_ipv4_hdr *)l3)->total_length) -
	       sizeof(struct rte_ipv4_hdr);
}

/* The TCP or UDP checksum of a frame the worker holds or makes, from scratch. */
static inline uint16_t
held_l4_cksum(const struct rte_mbuf *m, const void *l4)
{
	const void *l3 = rte_pktmbuf_mtod_offset(m, const void *, sizeof(struct rte_ether_hdr));

	return frame_is_v6(m) ? rte_ipv6_udptcp_cksum(l3, l4) : rte_ipv4_udptcp_cksum(l3, l4);
}

/* The TCP option of header <th> at <o> or after it, past NOPs: NULL at the
 * options' end, at End of Option List, or where the list is malformed (what
 * follows is left as it is). Walk them with
 * for (o = tcp_opt_at(th, (const uint8_t *)(th + 1)); o; o = tcp_opt_at(th, o + o[1])). */
static inline uint8_t *
tcp_opt_at(const struct rte_tcp_hdr *th, const uint8_t *o)
{
	const uint8_t *end = (const uint8_t *)th + (th->data_off >> 4) * 4;

	while (o < end && *o == 1)
		o++;
	if (o >= end || *o == 0 || o + 1 >= end || o[1] < 2 || o + o[1] > end)
		return NULL;
	return (uint8_t *)(uintptr_t)o;   /* as strchr(): the caller's constness */
}

/* Option <kind> of length <olen> in the options of <th>: a pointer to it,
 * or NULL when absent or the options are malformed (as if none). */
static inline const uint8_t *
tcp_opt_find(const struct rte_tcp_hdr *th, uint8_t kind, uint8_t olen)
{
	const uint8_t *o;

	for (o = tcp_opt_at(th, (const uint8_t *)(th + 1)); o != NULL; o = tcp_opt_at(th, o + o[1]))
		if (o[0] == kind && o[1] == olen)
			return o;
	return NULL;
}

/* The SACK blocks (kind 5) of header <th>: each edge (host order) becomes
 * <map>(edge, <arg>), the checksum kept right (an edge at an odd offset
 * straddles the sum's words: its bytes are taken turned by one). */
static inline void
tcp_sack_map(struct rte_tcp_hdr *th, uint32_t (*map)(uint32_t edge, const void *arg), const void *arg)
{
	uint32_t delta = 0;
	uint8_t *o, *e;

	for (o = tcp_opt_at(th, (uint8_t *)(th + 1)); o != NULL; o = tcp_opt_at(th, o + o[1])) {
		if (o[0] != 5)
			continue;
		for (e = o + 2; e + 4 <= o + o[1]; e += 4) {
			uint32_t old, v;

			memcpy(&old, e, 4);
			v = rte_cpu_to_be_32(map(rte_be_to_cpu_32(old), arg));
			memcpy(e, &v, 4);
			if ((e - (uint8_t *)th) & 1)
				delta += nc_csum_delta32(old >> 8 | old << 24, v >> 8 | v << 24);
			else
				delta += nc_csum_delta32(old, v);
		}
	}
	if (delta != 0)
		th->cksum = nc_csum_adjust(th->cksum, delta);
}

/* As nc_own_tcp_frame(), IPv6 from <src> to <dst> (16 bytes each), hop limit 64. */
static inline struct rte_tcp_hdr *
nc_own_tcp6_frame(struct rte_mbuf *m, uint16_t len, uint16_t tcp_len, const uint8_t *src,
		  const uint8_t *dst)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	uint8_t *d;

	if (unlikely(m == NULL) || unlikely((d = (uint8_t *)rte_pktmbuf_append(m, len)) == NULL)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(d, 0, L4_OFF6 + tcp_len);
	eth = (struct rte_ether_hdr *)d;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(len - L4_OFF6));
	ip->proto = IPPROTO_TCP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	return (struct rte_tcp_hdr *)(ip + 1);
}

/*
 * A segment the appliance makes itself: <len> bytes appended to <m> (freed
 * when NULL or too small: NULL back), the Ethernet type and the IPv4 header
 * from <src> to <dst> (network order, DF, TTL 64, its checksum) filled in,
 * the TCP header and options zeroed for the caller, <tcp_len> bytes of them.
 * Returns the TCP header.
 */
static inline struct rte_tcp_hdr *
nc_own_tcp_frame(struct rte_mbuf *m, uint16_t len, uint16_t tcp_len, uint32_t src, uint32_t dst)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint8_t *d;

	if (unlikely(m == NULL) || unlikely((d = (uint8_t *)rte_pktmbuf_append(m, len)) == NULL)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(d, 0, L4_OFF + tcp_len);
	eth = (struct rte_ether_hdr *)d;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - sizeof(*eth)));
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return (struct rte_tcp_hdr *)(ip + 1);
}

enum pkt_kind {
	PK_DROP, PK_CLIENT, PK_SERVER, PK_CTL, PK_HANDOFF,
	PK_CLIENT6, PK_SERVER6,   /* an IPv6 client's packet, a server's IPv6 reply */
	PK_ICMP4,                 /* an ICMP unreachable to us */
	PK_ICMP6,                 /* an ICMPv6 error to us */
};

/* Per-packet classification kept between the passes over a burst. */
struct pkt_meta {
	struct nc_flow_key key;
	uint32_t hash;
	uint16_t l4_off;
	uint8_t kind;
	uint8_t svc;         /* client leg: service index */
	uint16_t lip;        /* server leg: local IP index */
	uint16_t lport;      /* server leg: host order */
	uint16_t pay;        /* L4 payload bytes (TCP/UDP); an ICMP error's bytes */
	int32_t sidx;        /* server leg: flow index (looked up before the legs) */
	uint8_t svc6;         /* IPv6 client leg: its service's entry, v6.svc[svc6] */
} __rte_aligned(8);      /* nc_flow_hash() reads the key as 64-bit words */

static inline void
drop(struct nc_worker *w, struct rte_mbuf *m, enum nc_drop why)
{
	w->st.drop[why]++;
	rte_pktmbuf_free(m);
}

/* An IPv6 client's packet <m> from port <pidx> whose sender's next hop is
 * not resolved: to the control lcore, which hands it back once it is. */
static inline void
resolve6_pass(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx)
{
	struct nc_ctl_msg msg = { .type = NC_CTL_RESOLVE6, .worker = (uint8_t)w->id, .pidx = pidx,
				  .m = m };

	if (unlikely(rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg)) != 0))
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
}

static inline uint32_t
timeout_of(const struct nc_dp *dp, const struct nc_flow *f)
{
	switch (f->state) {
	case NC_FLOW_SYN:
		return dp->to_syn;
	case NC_FLOW_EST:
		return dp->to_est;
	case NC_FLOW_CLOSING:
		return dp->to_fin;
	default:
		return unlikely(f->limit & NC_FLOW_UNREPLIED) ? dp->to_udp_unreplied : dp->to_udp;
	}
}

/*
 * Limits against floods (limits.*), on the new-flow path only: a token
 * bucket per client <src> (an IPv4 address, or an IPv6 /64's first 8 bytes)
 * in a fixed table hashed with a secret, and per service the TCP handshakes under way and the UDP
 * flows never answered, each worker with its share. 0, or the drop reason.
 */
static inline int
limits_refuse(struct nc_worker *w, unsigned int svc, uint8_t proto, uint64_t src)
{
	const struct nc_dp *dp = w->dp;

	if (dp->lim_rate != 0) {
		uint32_t h = rte_hash_crc_8byte(src, dp->src_seed);
		struct nc_src_bucket *b = &w->srcb[h & (NC_SRC_BUCKETS - 1)];
		uint64_t t = b->tokens + (uint64_t)(w->now_ms - b->ms) * dp->lim_rate;

		if (t > dp->lim_burst)
			t = dp->lim_burst;
		b->ms = w->now_ms;
		if (t < 1000) {   /* a token is 1000 of these */
			b->tokens = (uint32_t)t;
			return NC_DROP_SOURCE_RATE;
		}
		b->tokens = (uint32_t)(t - 1000);
	}
	if (proto == IPPROTO_TCP) {
		if (dp->lim_half_open != 0 && w->st.svc[svc].half_open >= dp->lim_half_open)
			return NC_DROP_HALF_OPEN_MAX;
	} else if (dp->lim_unreplied != 0 && w->st.svc[svc].udp_unreplied >= dp->lim_unreplied) {
		return NC_DROP_UDP_UNREPLIED_MAX;
	}
	return 0;
}

/* New flow <f> counts against its service's caps until its handshake
 * completes (TCP) or its server answers (UDP). */
static inline void
limits_open(struct nc_worker *w, struct nc_flow *f)
{
	if (f->key.proto == IPPROTO_TCP) {
		f->limit = NC_FLOW_HALF_OPEN;
		w->st.svc[f->svc].half_open++;
	} else {
		f->limit = NC_FLOW_UNREPLIED;
		w->st.svc[f->svc].udp_unreplied++;
	}
}

/* Flow <f> leaves the counts of <bits> it is in (its handshake done or
 * broken, its first answer). */
static inline void
limits_release(struct nc_worker *w, struct nc_flow *f, uint8_t bits)
{
	if (f->limit & bits & NC_FLOW_HALF_OPEN)
		w->st.svc[f->svc].half_open--;
	if (f->limit & bits & NC_FLOW_UNREPLIED)
		w->st.svc[f->svc].udp_unreplied--;
	f->limit &= (uint8_t)~bits;
}

/* Queue <m> for port <pidx>, addressed to neighbor entry <nh>. */
/* Buffer <m> for port <pidx>, from our MAC to <mac> (its low 6 bytes);
 * 0, or -1 when the buffer is full (dropped, counted). */
static inline int
tx_mac(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx, uint64_t mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct nc_txbuf *tb = &w->tx[pidx];

	memcpy(&eth->dst_addr, &mac, RTE_ETHER_ADDR_LEN);
	eth->src_addr = w->dp->mac[pidx];
	/* longer than the MTU: a datagram reassembled here, or by the kernel
	 * under an AF_PACKET port (DPDK's PMD asks for PACKET_FANOUT_FLAG_DEFRAG);
	 * or a reassembled one within it, in several buffers */
	if (unlikely(rte_pktmbuf_pkt_len(m) > RTE_ETHER_HDR_LEN + RTE_ETHER_MTU || m->nb_segs > 1)) {
		nc_frag_tx(w, m, pidx);
		return 0;
	}
	if (unlikely(tb->n == NC_TXB_MAX)) {
		drop(w, m, NC_DROP_TX_FULL);
		return -1;
	}
	tb->m[tb->n++] = m;
	return 0;
}

/* Flow <idx> of worker <w>'s table, and a flow's index, without a call. */
static inline struct nc_flow *
flow_at(const struct nc_worker *w, uint32_t idx)
{
	return &w->flow[idx];
}

static inline uint32_t
flow_idx(const struct nc_worker *w, const struct nc_flow *f)
{
	return (uint32_t)(f - w->flow);
}

/* IPv6 flow <idx>'s addresses (nc_flow6_addr_at() without the call); NULL
 * for an IPv4 slot. */
static inline struct nc_flow6_addr *
flow6_addr(const struct nc_worker *w, uint32_t idx)
{
	uint32_t i = idx - w->a6_first;   /* below a6_first: wraps past a6_n */

	return i < w->a6_n ? &w->a6[i] : NULL;
}

static inline void
tx_to(struct nc_worker *w, struct rte_mbuf *m, uint32_t nh)
{
	const struct nc_dp *dp = w->dp;
	uint64_t mac = nc_neigh_mac(dp->neigh, nh);

	if (unlikely(!(mac & NC_NEIGH_VALID))) {
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
		return;
	}
	tx_mac(w, m, nc_neigh_port(dp->neigh, nh), mac);
}

/*
 * tx_to_client()'s way when the flow's entry for its client is not valid:
 * an on-link client's entry may have been removed since the flow opened
 * (aged out, or evicted by a full table), so the client's address is looked
 * up again and the flow keeps the entry found. Unresolved, <m> is dropped and
 * counted (its sender resends it); an IPv4 client is asked for at once.
 */
static __rte_noinline void
tx_to_client_again(struct nc_worker *w, struct rte_mbuf *m, struct nc_flow *f)
{
	const struct nc_dp *dp = w->dp;
	const uint8_t *ip6 = NULL;
	uint32_t ip = f->key.src_ip;
	uint16_t port = 0;
	uint64_t mac;
	int nh;

	if (nc_flow_is_v6(f) || nc_flow_is_64(f)) {
		const struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));

		if (a == NULL) {
			drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
			return;
		}
		ip6 = a->client;
	}
	nh = ip6 != NULL ? nc_neigh_next_hop6(dp->neigh, ip6, &port) :
			   nc_neigh_next_hop(dp->neigh, ip, &port);
	if (nh < 0 || !((mac = nc_neigh_mac(dp->neigh, (uint32_t)nh)) & NC_NEIGH_VALID)) {
		if (nh == -ENOENT && ip6 == NULL) {
			struct nc_ctl_msg msg = { .type = NC_CTL_RESOLVE, .pidx = port, .ip = ip };

			rte_ring_mp_enqueue_elem(dp->ctl_ring, &msg, sizeof(msg));
		}
		drop(w, m, NC_DROP_NEIGH_UNRESOLVED);
		return;
	}
	f->nh_client = (uint32_t)nh;
	tx_mac(w, m, nc_neigh_port(dp->neigh, f->nh_client), mac);
}

/* Send <m> to the client of flow <f> through its next hop (a route's
 * gateway, or the client itself on-link); tx_to_client_again() when that
 * entry is gone. */
static inline void
tx_to_client(struct nc_worker *w, struct rte_mbuf *m, struct nc_flow *f)
{
	const struct nc_dp *dp = w->dp;
	uint64_t mac = nc_neigh_mac(dp->neigh, f->nh_client);

	if (unlikely(!(mac & NC_NEIGH_VALID))) {
		tx_to_client_again(w, m, f);
		return;
	}
	tx_mac(w, m, nc_neigh_port(dp->neigh, f->nh_client), mac);
}

/*
 * Rewrite addresses and ports of an IPv4/TCP|UDP packet and decrement TTL,
 * updating both checksums from the flow's precomputed deltas (RFC 1624).
 */
static inline void
rewrite(struct rte_mbuf *m, uint16_t l4_off, uint32_t sip, uint32_t dip,
	uint16_t sport, uint16_t dport, uint16_t ip_delta, uint16_t l4_delta)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	uint16_t *ttl_word = (uint16_t *)&ip->time_to_live;   /* TTL and protocol */
	uint16_t *ports = (uint16_t *)(d + l4_off);

	/* the TTL (above 1: classify() sees to it) decremented in its word, which
	 * is stored whole, not read back after a byte store: a load wider than the
	 * store before it waits for that store to reach the cache (no store
	 * forwarding), a tenth of the time of an established packet */
	*ttl_word = (uint16_t)(*ttl_word - RTE_BE16(0x0100));
	ip->hdr_checksum = nc_csum_adjust(ip->hdr_checksum, (uint32_t)ip_delta + NC_CSUM_TTL_DEC);
	ip->src_addr = sip;
	ip->dst_addr = dip;
	ports[0] = sport;
	ports[1] = dport;
	if (ip->next_proto_id == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);

		th->cksum = nc_csum_adjust(th->cksum, l4_delta);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(d + l4_off);

		/* 0 means "no checksum" in UDP: keep it; a computed 0 is sent as 0xffff */
		if (uh->dgram_cksum != 0) {
			uh->dgram_cksum = nc_csum_adjust(uh->dgram_cksum, l4_delta);
			if (uh->dgram_cksum == 0)
				uh->dgram_cksum = 0xffff;
		}
	}
}

/* Checksum deltas of both directions, computed once when a flow opens. */
static inline void
nc_flow_set_deltas(struct nc_flow *f)
{
	uint32_t ip, l4;

	/* client -> VIP:vport  becomes  lip:lport -> server:sport */
	ip = nc_csum_delta32(f->key.src_ip, f->lip) + nc_csum_delta32(f->key.dst_ip, f->server_ip);
	l4 = ip + nc_csum_delta16(f->key.src_port, f->lport) +
		nc_csum_delta16(f->key.dst_port, f->server_port);
	f->c2s_ip_delta = (uint16_t)nc_csum_fold32(ip);
	f->c2s_l4_delta = (uint16_t)nc_csum_fold32(l4);
	/* server:sport -> lip:lport  becomes  VIP:vport -> client: the same
	 * words changed back, so each delta's one's-complement negative */
	f->s2c_ip_delta = (uint16_t)~f->c2s_ip_delta;
	f->s2c_l4_delta = (uint16_t)~f->c2s_l4_delta;
}

/*
 * The sequence windows of a TCP flow's two legs (w->seqw[flow index]), for
 * the ICMP errors that quote its segments. An error is acted on only when the
 * sequence number it quotes lies between the oldest byte that leg's peer has
 * not acknowledged and the next one sent: RFC 5927 4.1's SND.UNA <= seq <
 * SND.NXT, with SND.NXT itself allowed as Linux's tcp_v4_err allows it (a bare
 * ACK or FIN sits there). A blind sender who swept local ports has a chance of
 * (bytes in flight) / 2^32 per guess, none when nothing is in flight.
 *
 * Each leg in its own peer's numbers, as the segments left the appliance
 * (after the splice's translation and a PROXY header's shift): what a quote
 * carries. SND.NXT moves with every segment sent on the leg, by at most
 * TCP's largest window at once (RFC 7323 2.3: no sender is further ahead);
 * SND.UNA with every acknowledgement the other leg's peer wrote, when it
 * acknowledges bytes sent (SND.UNA < ack <= SND.NXT), so segments forged into
 * the flow can neither move it past what was sent nor back.
 *
 * Kept for the flows whose ICMP errors something acts on: TCP flows of
 * fail-safe services (an unreachable is a failure signal) and IPv6 and NAT64
 * TCP flows (packet too big goes on to the other leg). An IPv6 flow with IPv6
 * servers keeps them in its own line (nc_flow.seq6, where an IPv4 flow has its
 * addresses), a NAT64 flow in its address line (nc_flow6_addr.seq64, where an
 * IPv6 flow has its local IP and server), so their packets read no line more
 * for them; an IPv4 fail-safe flow at w->seqw[flow index], a 20-byte entry off
 * the flow's line - one more cache line per packet, beside the fail-safe's
 * three - for a window made only of the bytes in flight. A plain IPv4 service's flows
 * are not tracked: nothing acts on their ICMP errors, so their packets pay
 * nothing but the test of the fail-safe flag they already make.
 */
#define NC_SEQ_TO_SERVER 0        /* the client's stream, as the server numbers it */
#define NC_SEQ_TO_CLIENT 1        /* the server's stream, as the client numbers it */
#define NC_SEQ_MAX_STEP  (1u << 30)

struct nc_flow_seq {
	struct nc_flow_seq_leg leg[2];   /* [NC_SEQ_TO_SERVER], [NC_SEQ_TO_CLIENT] */
	uint8_t known;                   /* bit per leg: its window has started */
};

/* Where a flow's windows are: its legs and their started bits. */
struct seq_ref {
	struct nc_flow_seq_leg *leg;
	uint8_t *known;
};

/* Flow <f>'s windows, the worker's to move whoever looks at the flow (as
 * w->seqw's); leg NULL when none are kept for it. */
static inline struct seq_ref
seq_of(const struct nc_worker *w, const struct nc_flow *f)
{
	struct seq_ref r = { NULL, NULL };

	if (nc_flow_is_v6only(f)) {
		struct nc_flow *fw = flow_at(w, flow_idx(w, f));   /* the table's own, writable */

		r.leg = fw->seq6;
		r.known = &fw->seq6_known;
	} else if (nc_flow_is_64(f)) {
		struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));

		r.leg = a->seq64;
		r.known = &a->seq64_known;
	} else if (w->seqw != NULL) {
		struct nc_flow_seq *s = &w->seqw[flow_idx(w, f)];

		r.leg = s->leg;
		r.known = &s->known;
	}
	return r;
}

/* TCP flow <f>, seen on its IPv4 leg, keeps windows (seq_of() has them): a
 * NAT64 flow, an IPv4 fail-safe one. (An IPv6 flow's are always kept.) */
static inline int
seq_kept4(const struct nc_worker *w, const struct nc_flow *f)
{
	/* the rare kinds first: a plain IPv4 flow's packet stops at two tests */
	return (nc_flow_is_64(f) || (w->tb->svc[f->svc].failsafe && w->seqw != NULL)) &&
	       f->key.proto == IPPROTO_TCP;
}

/* <len> sequence numbers from <seq> (host order) went to leg <leg>'s peer;
 * <start>: a SYN opening the leg's connection, which starts its window. */
static inline void
seq_sent(struct seq_ref s, unsigned int leg, uint32_t seq, uint32_t len, int start)
{
	struct nc_flow_seq_leg *l;
	uint32_t end = seq + len;

	if (s.leg == NULL)
		return;
	l = &s.leg[leg];
	if (start || !(*s.known & (1u << leg))) {
		/* a flow taken over mid-connection starts at its first segment */
		l->una = seq;
		l->nxt = end;
		*s.known |= (uint8_t)(1u << leg);
		return;
	}
	if (nc_seq_lt(l->nxt, end) && end - l->nxt <= NC_SEQ_MAX_STEP)
		l->nxt = end;
}

/* Leg <leg>'s peer acknowledged up to <ack> (host order). */
static inline void
seq_acked(struct seq_ref s, unsigned int leg, uint32_t ack)
{
	struct nc_flow_seq_leg *l = &s.leg[leg];

	if ((*s.known & (1u << leg)) && nc_seq_lt(l->una, ack) && nc_seq_le(ack, l->nxt))
		l->una = ack;
}

/*
 * TCP segment <th> of flow <f> (<pay> payload bytes) leaves on leg <leg>,
 * its sequence number as that leg's peer gets it; <ack_in> is the
 * acknowledgement (network order) its sender wrote, of the other leg's
 * stream in that sender's numbers. A SYN while the handshake is under way
 * starts the leg's window (a forged SYN later cannot move it); an RST ends
 * the connection and moves nothing.
 */
static inline void
seq_track(struct nc_worker *w, const struct nc_flow *f, unsigned int leg,
	  const struct rte_tcp_hdr *th, uint16_t pay, uint32_t ack_in)
{
	struct seq_ref s = seq_of(w, f);
	uint8_t fl = th->tcp_flags;

	if (unlikely(fl & RTE_TCP_RST_FLAG) || s.leg == NULL)
		return;
	seq_sent(s, leg, rte_be_to_cpu_32(th->sent_seq),
		 (uint32_t)pay + !!(fl & RTE_TCP_SYN_FLAG) + !!(fl & RTE_TCP_FIN_FLAG),
		 (fl & RTE_TCP_SYN_FLAG) && f->state == NC_FLOW_SYN);
	if (fl & RTE_TCP_ACK_FLAG)
		seq_acked(s, leg ^ 1u, rte_be_to_cpu_32(ack_in));
}

/* An ICMP error quotes a segment of flow <idx> on leg <leg> with sequence
 * number <seq_be> (network order): it lies in the leg's window. */
static inline int
seq_in_window(const struct nc_worker *w, uint32_t idx, unsigned int leg, uint32_t seq_be)
{
	struct seq_ref s = seq_of(w, flow_at(w, idx));
	uint32_t seq = rte_be_to_cpu_32(seq_be);

	if (s.leg == NULL)
		return 0;
	return (*s.known & (1u << leg)) && nc_seq_le(s.leg[leg].una, seq) &&
	       nc_seq_le(seq, s.leg[leg].nxt);
}

/* seq_in_window() for an error passed on to the flow's other leg, whose
 * receiver judges the number against its own window: also when leg <leg>
 * has none here yet (a flow taken over from a peer, before its first
 * segment on that leg). */
static inline int
seq_relayable(const struct nc_worker *w, uint32_t idx, unsigned int leg, uint32_t seq_be)
{
	struct seq_ref s = seq_of(w, flow_at(w, idx));

	return s.leg == NULL || !(*s.known & (1u << leg)) || seq_in_window(w, idx, leg, seq_be);
}

static inline struct nc_srv_stats *
srv_stats(struct nc_worker *w, const struct nc_flow *f)
{
	return &w->srv[(uint32_t)f->svc * NC_MAX_SERVERS + f->server];
}

static inline int
key_eq(const struct nc_flow_key *a, const struct nc_flow_key *b)
{
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/* Flow <f> closes: its counters, and what the fail-safe held for it. From
 * the legs, the fail-safe and expiry. */
static inline void
flow_closed(struct nc_worker *w, const struct nc_flow *f)
{
	if (unlikely(f->limit & NC_FLOW_HALF_OPEN))
		w->st.svc[f->svc].half_open--;
	if (unlikely(f->limit & NC_FLOW_UNREPLIED))
		w->st.svc[f->svc].udp_unreplied--;
	w->st.svc[f->svc].flows_closed++;
	srv_stats(w, f)->flows_closed++;
	sync_close(w, f);
	if (w->seqw != NULL)   /* the slot's next flow starts afresh (seq6, seq64: as it opens) */
		w->seqw[flow_idx(w, f)].known = 0;
	if (unlikely(w->synp != NULL))
		nc_sp_release(w, flow_idx(w, f));
	if (w->txc != NULL) {
		uint32_t *c = &w->txc[2 * flow_idx(w, f)];

		if (*c != NC_TX_NONE)
			srv_stats(w, f)->fs_unheld += nc_txstore_release(w->txs, c, c + 1);
	}
}

static inline void
flow_close(struct nc_worker *w, int32_t idx)
{
	w->st.flow_changes++;   /* positions may be reused: recheck bulk results */
	flow_closed(w, flow_at(w, (uint32_t)idx));
	nc_flow_del(w->flows, (uint32_t)idx);
}

/* TCP state from the flags of a packet in either direction. */
static inline void
tcp_track(struct nc_flow *f, uint8_t flags, int from_client)
{
	if (unlikely(flags & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG))) {
		if (flags & RTE_TCP_RST_FLAG)
			f->state = NC_FLOW_CLOSING;
		else {
			f->fin |= from_client ? NC_FLOW_FIN_C : NC_FLOW_FIN_S;
			if (f->fin == (NC_FLOW_FIN_C | NC_FLOW_FIN_S))
				f->state = NC_FLOW_CLOSING;
		}
	} else if (f->state == NC_FLOW_SYN && from_client && !(flags & RTE_TCP_SYN_FLAG)) {
		f->state = NC_FLOW_EST;   /* the client's ACK completes the handshake */
	}
}

/*
 * A TCP segment of a connection this dispatcher does not know (or an ICMP
 * error about one's packet to its client, dropped as <why>). When a peer
 * dispatcher is draining (it withdrew the VIP, so the routers now send its
 * connections here) the segment goes on to it at layer 2 on the same segment:
 * it still has the flow. A draining dispatcher never redirects, so a segment
 * crosses at most one hop.
 */
static inline void
redirect_or_drop_as(struct nc_worker *w, struct rte_mbuf *m, enum nc_drop why)
{
	uint16_t pidx = w->dp->pidx_of[m->port];
	uint64_t mac = __atomic_load_n(&w->dp->redirect[pidx], __ATOMIC_RELAXED);

	if (likely(!(mac & NC_DP_REDIRECT_ON))) {
		/* with sync, a peer's replica may have it: the control lcore looks */
		if (w->dp->sync) {
			struct nc_ctl_msg msg = { .type = NC_CTL_MISS, .pidx = pidx, .m = m };

			if (rte_ring_mp_enqueue_elem(w->dp->ctl_ring, &msg, sizeof(msg)) == 0) {
				w->st.to_ctl++;
				return;
			}
		}
		drop(w, m, why);
		return;
	}
	if (tx_mac(w, m, pidx, mac) == 0)
		w->st.redirected++;
}

static inline void
redirect_or_drop(struct nc_worker *w, struct rte_mbuf *m)
{
	redirect_or_drop_as(w, m, NC_DROP_NO_FLOW);
}

/*
 * The SYN of a peer's connection installed here before its client's first
 * byte, sent again: the client did not get the SYN-ACK (its dispatcher died
 * holding it back). It goes on to the server, which answers again - starting
 * afresh would race the server's own SYN-ACK, sent again on the old
 * connection at the same moment.
 */
static inline int
same_syn(const struct nc_flow *f, const struct rte_tcp_hdr *th)
{
	return (f->sync & NC_FLOW_ISN) && f->state != NC_FLOW_CLOSING &&
	       rte_be_to_cpu_32(th->sent_seq) == f->c_isn;
}

/*
 * A client's SYN (sequence number <seq>) on flow <f> (slot <idx>) opens a new
 * connection in its place when the flow cannot carry one: closed; taken over
 * from a peer (its end passed elsewhere), unless the fail-safe knows the
 * connection's own SYN; established on a fail-safe service where the
 * fail-safe says so (nc_fs_syn_reopens: the old connection's end passed
 * through a peer, or never came, or the SYN is another connection's); or
 * established with its server down. Otherwise the SYN goes on to the flow's
 * server, whose TCP judges it (a TIME_WAIT it ends, a challenge ACK).
 */
static inline int
syn_reopens(const struct nc_worker *w, const struct nc_flow *f, uint32_t idx, uint32_t seq)
{
	const struct nc_schedule *s;

	if (f->state == NC_FLOW_CLOSING)
		return 1;
	if ((f->sync & NC_FLOW_ADOPTED) && !(w->tb->svc[f->svc].failsafe && w->tfs != NULL))
		return 1;
	if (f->state != NC_FLOW_EST)
		return 0;
	if (w->tb->svc[f->svc].failsafe && nc_fs_syn_reopens(w, idx, seq))
		return 1;
	s = nc_sched_get(w->dp->sched_slot[f->svc]);
	return s != NULL && f->server < s->n_servers && !s->server[f->server].up;
}

/*
 * With sync, client segment <th> (<pay> bytes, no SYN) on TCP flow <idx>, not
 * established here, belongs to a connection a peer dispatcher has, so that it
 * is looked up as of no flow (the peer's copy has it, not this): data on a
 * connection that ended here - a new one on the same port, opened through
 * the peer (the routers moved it here since) - or an acknowledgement of a
 * SYN-ACK that never passed here (the client took the peer's:
 * nc_sync_answered_elsewhere). One test of the state for both on the path
 * of an established flow's packets.
 */
static inline int
peers_segment(struct nc_worker *w, uint32_t idx, const struct rte_tcp_hdr *th, uint32_t pay)
{
	return flow_at(w, idx)->state == NC_FLOW_CLOSING ? pay != 0 :
	       nc_sync_answered_elsewhere(w, idx, th->tcp_flags);
}

#define NC_POS_TAKEN INT32_MIN   /* client_flow(): the packet was taken */

/*
 * The client leg's word on flow <pos> (-ENOENT: none) for client packet <m>
 * (protocol <proto>, L4 header at <l4_off>, <pay> bytes of payload), either
 * family: the flow it goes on, -ENOENT for a new one (a flow it ends is
 * closed), or NC_POS_TAKEN when a TCP segment of no flow was dropped for
 * impossible flags or, being no SYN, went to redirect_or_drop().
 */
static __rte_always_inline int32_t
client_flow(struct nc_worker *w, struct rte_mbuf *m, int32_t pos, uint8_t proto, uint16_t l4_off,
	    uint32_t pay)
{
	if (proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
		int syn = (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;

		if (pos >= 0 && unlikely(syn) && syn_reopens(w, flow_at(w, (uint32_t)pos), (uint32_t)pos,
						       rte_be_to_cpu_32(th->sent_seq)) &&
		    !same_syn(flow_at(w, (uint32_t)pos), th)) {
			/* the client reuses the port of a connection that cannot
			 * carry its new one: start afresh */
			flow_close(w, pos);
			pos = -ENOENT;
		} else if (pos >= 0 && unlikely(flow_at(w, (uint32_t)pos)->state != NC_FLOW_EST) &&
			   w->dp->sync && !syn && peers_segment(w, (uint32_t)pos, th, pay)) {
			flow_close(w, pos);
			pos = -ENOENT;
		}
		/* an impossible flag set never opens a flow (nor reaches a peer) */
		if (pos < 0 && unlikely(nc_tcp_flags_bad(th->tcp_flags))) {
			drop(w, m, NC_DROP_TCP_BAD_FLAGS);
			return NC_POS_TAKEN;
		}
		if (pos < 0 && !syn) {
			redirect_or_drop(w, m);
			return NC_POS_TAKEN;
		}
	} else if (pos >= 0 && unlikely(w->dp->lip_foreign[flow_at(w, (uint32_t)pos)->lip_idx])) {
		/* a peer's UDP flow taken over, its local IP given back since:
		 * the answer would go to the peer, which may not have the flow
		 * any more - a new request opens a flow of ours */
		flow_close(w, pos);
		pos = -ENOENT;
	}
	return pos;
}

/* A server's TCP packet with flags <fl> (tracked) on flow <f>: its SYN-ACK,
 * with sync on, of a flow the peers do not have yet - from here a survivor
 * needs it (a SYN no server answered costs the peers nothing). */
static inline int
syn_accepted(const struct nc_worker *w, const struct nc_flow *f, uint8_t fl)
{
	return unlikely(f->state == NC_FLOW_SYN) && w->dp->sync && !(f->sync & NC_FLOW_SYNCED) &&
	       (fl & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
}

/* Server packet <m> of flow <f>, rewritten for the client (L4 at <l4_off>),
 * leaves. The SYN-ACK of a flow <accepted> goes only after its record left
 * for the peers (a client that can send its request can have it finished by
 * a survivor: nc_dp_sync_send_frame); so does an answer that released a held
 * request (none of them replays a request its client has answered). */
static inline void
server_to_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, uint16_t l4_off,
		 int accepted)
{
	if (unlikely(accepted)) {
		sync_with_frame(w, f, NC_SYNC_FLOW, m, l4_off);
		return;
	}
	if (unlikely(w->release_frame)) {
		w->release_frame = 0;
		sync_with_frame(w, f, NC_SYNC_RELEASE, m, l4_off);
		return;
	}
	tx_to_client(w, m, f);
}

#endif /* NC_DP_FASTPATH_H */
