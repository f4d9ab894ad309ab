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

enum pkt_kind { PK_DROP, PK_CLIENT, PK_SERVER, PK_CTL, PK_HANDOFF, PK_UNREACH, PK_RESOLVE6 };

/* Per-packet classification kept between the passes over a burst. */
struct pkt_meta {
	struct nc_flow_key key;
	uint32_t hash;
	uint16_t l4_off;
	uint8_t kind;
	uint8_t svc;         /* client leg: service index */
	uint16_t lip;        /* server leg: local IP index */
	uint16_t lport;      /* server leg: host order */
	uint16_t pay;        /* L4 payload bytes (TCP/UDP) */
	int32_t sidx;        /* server leg: flow index (looked up before the legs) */
} __rte_aligned(8);      /* nc_flow_hash() reads the key as 64-bit words */

static inline void
drop(struct nc_worker *w, struct rte_mbuf *m, enum nc_drop why)
{
	w->st.drop[why]++;
	rte_pktmbuf_free(m);
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
		return dp->to_udp;
	}
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
	if (unlikely(tb->n == NC_TXB_MAX)) {
		drop(w, m, NC_DROP_TX_FULL);
		return -1;
	}
	tb->m[tb->n++] = m;
	return 0;
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
 * Send <m> to the client of flow <f>, whose next hop is <nh> (a route's
 * gateway, or the client itself on-link). An on-link client's entry may have
 * been removed since the flow opened (aged out, or evicted by a full table):
 * then its address <ip> (IPv4, network order) or <ip6> is looked up again and
 * the flow keeps the entry found. Unresolved, <m> is dropped and counted (its
 * sender resends it); an IPv4 client is asked for at once. The lookup runs on
 * that failure only.
 */
static inline void
tx_to_client(struct nc_worker *w, struct rte_mbuf *m, struct nc_flow *f, uint32_t ip,
	     const uint8_t *ip6)
{
	const struct nc_dp *dp = w->dp;
	uint64_t mac = nc_neigh_mac(dp->neigh, f->nh_client);
	uint16_t port = 0;
	int nh;

	if (unlikely(!(mac & NC_NEIGH_VALID))) {
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
	uint16_t old_ttl = *ttl_word;
	uint16_t *ports = (uint16_t *)(d + l4_off);

	ip->time_to_live--;
	ip->hdr_checksum = nc_csum_adjust(ip->hdr_checksum,
					  (uint32_t)ip_delta + nc_csum_delta16(old_ttl, *ttl_word));
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
	/* server:sport -> lip:lport  becomes  VIP:vport -> client */
	ip = nc_csum_delta32(f->server_ip, f->key.dst_ip) + nc_csum_delta32(f->lip, f->key.src_ip);
	l4 = ip + nc_csum_delta16(f->server_port, f->key.dst_port) +
		nc_csum_delta16(f->lport, f->key.src_port);
	f->s2c_ip_delta = (uint16_t)nc_csum_fold32(ip);
	f->s2c_l4_delta = (uint16_t)nc_csum_fold32(l4);
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
	w->st.svc[f->svc].flows_closed++;
	srv_stats(w, f)->flows_closed++;
	sync_close(w, f);
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

#endif /* NC_DP_FASTPATH_H */
