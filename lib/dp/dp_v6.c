/* SPDX-License-Identifier: BSD-3-Clause
 * Worker: IPv6 packets. The IPv4 fast path hands every frame the parser
 * marked IPv6 here (one test of a flag), so IPv4 pays nothing for it. Full
 * NAT as IPv4's: client -> VIP becomes local address -> server, and back;
 * the flow entries, local ports, expiry, schedules and counters are IPv4's,
 * with the addresses in the table's IPv6 side array. No IP header checksum:
 * the upper-layer checksum takes the precomputed delta of both addresses and
 * ports (RFC 1624 over the pseudo-header). Neighbor Discovery and echo go to
 * the control lcore (dp_nd.c). The SYN proxy's hooks (dp_synproxy.h) sit in
 * both legs as in IPv4's, behind the same tests.
 *
 * NAT64 (an IPv6 VIP over IPv4 servers, RFC 7915): the client's IPv6 packet
 * leaves as IPv4 from an IPv4 local address, the server's IPv4 answer comes
 * back through the IPv4 server leg, which hands it here to leave as IPv6. The
 * headers are rewritten in place (the frame shrinks or grows by 20 bytes at
 * its front); the upper-layer checksum takes a precomputed delta, since both
 * pseudo-headers sum the length and protocol alike (RFC 7915 5.1, 4.5).
 */
#include <rte_hash_crc.h>
#include <rte_ip.h>

#include "dp_icmp.h"
#include "dp_v6.h"
#include "dp_client_addr.h"
#include "dp_failsafe.h"
#include "dp_synproxy.h"

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ND_NS        135
#define ICMP6_ND_NA        136


/* Rewrite addresses and ports, decrement the hop limit, adjust the TCP or
 * UDP checksum by <l4_delta>. */
static inline void
rewrite6(struct rte_mbuf *m, uint16_t l4_off, uint8_t proto, const uint8_t *sip, const uint8_t *dip,
	 uint16_t sport, uint16_t dport, uint16_t l4_delta)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + sizeof(struct rte_ether_hdr));
	uint16_t *ports = (uint16_t *)(d + l4_off);

	ip->hop_limits--;
	memcpy(ip->src_addr, sip, 16);
	memcpy(ip->dst_addr, dip, 16);
	ports[0] = sport;
	ports[1] = dport;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(d + l4_off);

		th->cksum = nc_csum_adjust(th->cksum, l4_delta);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(d + l4_off);

		/* mandatory in IPv6: a computed 0 is sent as 0xffff */
		uh->dgram_cksum = nc_csum_adjust(uh->dgram_cksum, l4_delta);
		if (uh->dgram_cksum == 0)
			uh->dgram_cksum = 0xffff;
	}
}

/* Both directions' checksum deltas of IPv6 flow <f> with addresses <a>. */
static void
flow6_set_deltas(struct nc_flow *f, const struct nc_flow6_addr *a)
{
	uint32_t l4;

	/* client -> VIP:vport  becomes  lip:lport -> server:sport */
	l4 = nc_csum_delta128(a->client, a->lip) + nc_csum_delta128(a->vip, a->server) +
	     nc_csum_delta16(f->key.src_port, f->lport) + nc_csum_delta16(f->key.dst_port, f->server_port);
	f->c2s_l4_delta = (uint16_t)nc_csum_fold32(l4);
	/* server:sport -> lip:lport  becomes  VIP:vport -> client: the same
	 * words changed back (as nc_flow_set_deltas) */
	f->s2c_l4_delta = (uint16_t)~f->c2s_l4_delta;
}

/* ------------------------------------------------------ ICMPv6 errors */

#define ICMP6_PKT_TOO_BIG 2
#define ICMP6_MIN_MTU     1280
#define QUOTE_OFF  ((uint16_t)(L4_OFF6 + 8))                  /* the quoted IPv6 header */
#define QUOTE_L4   ((uint16_t)(QUOTE_OFF + sizeof(struct rte_ipv6_hdr)))

/* The TCP sequence number (host order) in quoted L4 bytes <qports>. */
static inline uint32_t
quote_seq(const uint16_t *qports)
{
	uint32_t seq;

	memcpy(&seq, qports + 2, sizeof(seq));   /* frames sit 2-byte aligned */
	return rte_be_to_cpu_32(seq);
}

/* Finish an ICMPv6 message in <m> (outer IPv6 header from <src> to <dst>,
 * hop limit 64, payload <len> bytes from L4_OFF6) and send it to neighbor
 * entry <nh>. */
static void
icmp6_send(struct nc_worker *w, struct rte_mbuf *m, const uint8_t *src, const uint8_t *dst,
	   uint16_t len, uint32_t nh)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + sizeof(struct rte_ether_hdr));
	uint16_t *ck = (uint16_t *)(d + L4_OFF6 + 2);

	((struct rte_ether_hdr *)d)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 64;
	memmove(ip->src_addr, src, 16);
	memmove(ip->dst_addr, dst, 16);
	m->data_len = (uint16_t)(L4_OFF6 + len);
	m->pkt_len = m->data_len;
	*ck = 0;
	*ck = nc_ipv6_l4_csum(ip, d + L4_OFF6, len, IPPROTO_ICMPV6);
	tx_to(w, m, nh);
}

/* An IPv4 address (network order) where a 16-byte one sits in a checksum
 * delta: the pseudo-header sum of the 4 bytes, the rest zeros. */
static inline void
v4_in16(uint8_t *out, uint32_t ip)
{
	memset(out, 0, 16);
	memcpy(out, &ip, 4);
}

/* NAT64 flow <f>'s checksum deltas: client6 -> VIP6 becomes lip4 -> server4,
 * and back. */
static void
flow64_set_deltas(struct nc_flow *f, const struct nc_flow6_addr *a)
{
	uint8_t lip[16], srv[16];
	uint32_t l4;

	v4_in16(lip, f->lip);
	v4_in16(srv, f->server_ip);
	l4 = nc_csum_delta128(a->client, lip) + nc_csum_delta128(a->vip, srv) +
	     nc_csum_delta16(f->key.src_port, f->lport) + nc_csum_delta16(f->key.dst_port, f->server_port);
	f->c2s_l4_delta = (uint16_t)nc_csum_fold32(l4);
	/* and back: the pseudo-headers' length and protocol sum alike in both
	 * families, so the same words changed back */
	f->s2c_l4_delta = (uint16_t)~f->c2s_l4_delta;
}

/* The client's IPv6 packet <m> of NAT64 flow <f>, its L4 header at <l4_off>,
 * becomes IPv4 in place (RFC 7915 5.1): traffic class to TOS, hop limit - 1 to
 * TTL, DF set, identification 0 (a reassembled datagram: DF clear, an
 * identification of the worker's); the extension headers walked by the parser
 * are not carried. */
static void
c2s_translate64(struct nc_worker *w, struct rte_mbuf *m, uint16_t l4_off, uint8_t proto,
		const struct nc_flow *f)
{
	const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								 sizeof(struct rte_ether_hdr));
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(ip6->payload_len) -
				     (l4_off - sizeof(struct rte_ether_hdr) - sizeof(*ip6)));
	uint8_t tos = (uint8_t)(rte_be_to_cpu_32(ip6->vtc_flow) >> 20);
	uint8_t ttl = (uint8_t)(ip6->hop_limits - 1);
	struct rte_ipv4_hdr *ip;
	uint16_t *ports;
	uint8_t *d;

	d = (uint8_t *)rte_pktmbuf_adj(m, (uint16_t)(l4_off - L4_OFF));
	if (likely(m->nb_segs == 1)) {
		m->data_len = (uint16_t)(L4_OFF + l4_len);   /* any Ethernet padding goes */
		m->pkt_len = m->data_len;
	}   /* a datagram reassembled here: its fragments came trimmed */
	((struct rte_ether_hdr *)d)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	ip->version_ihl = 0x45;
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4_len));
	ip->packet_id = 0;
	/* DF as RFC 7915 5.1 sets it for a packet that was not a fragment; a
	 * datagram reassembled here came in fragments, and may leave in them
	 * (5.1.1: DF clear), with an identification of its own */
	if (unlikely(m->nb_segs != 1)) {
		ip->packet_id = rte_cpu_to_be_16((uint16_t)nc_hash32(w->frag6_id++));
		ip->fragment_offset = 0;
	} else {
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	}
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = f->lip;
	ip->dst_addr = f->server_ip;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ports = (uint16_t *)(d + L4_OFF);
	ports[0] = f->lport;
	ports[1] = f->server_port;
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)ports;

		th->cksum = nc_csum_adjust(th->cksum, f->c2s_l4_delta);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)ports;

		uh->dgram_cksum = nc_csum_adjust(uh->dgram_cksum, f->c2s_l4_delta);
		if (uh->dgram_cksum == 0)
			uh->dgram_cksum = 0xffff;
	}
}

uint16_t
nc_v6_to_server(struct nc_worker *w, const struct nc_flow *f, struct rte_mbuf *m)
{
	const struct nc_flow6_addr *a;

	if (nc_flow_is_64(f)) {
		c2s_translate64(w, m, L4_OFF6, f->key.proto, f);
		return L4_OFF;
	}
	a = flow6_addr(w, flow_idx(w, f));
	rewrite6(m, L4_OFF6, f->key.proto, a->lip, a->server, f->lport, f->server_port, f->c2s_l4_delta);
	return L4_OFF6;
}

void
nc_v6_flow_moved(struct nc_worker *w, struct nc_flow *f, uint32_t server_ip)
{
	struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));

	if (nc_flow_is_64(f)) {
		f->lip = w->dp->lip[f->lip_idx];
		f->server_ip = server_ip;
		flow64_set_deltas(f, a);
		return;
	}
	/* (its IPv4 fields hold its windows: left alone) */
	memcpy(a->lip, w->tb->v6.lip[f->lip_idx], 16);
	memcpy(a->server, w->tb->v6.server[f->svc][f->server], 16);
	flow6_set_deltas(f, a);
}

/*
 * The server's IPv4 packet in <m> (DF set) would exceed the MTU as IPv6: it
 * becomes, in place, the ICMP fragmentation-needed error (RFC 1191) from the
 * local IP to the server, quoting its IP header and first 8 bytes, with
 * next-hop MTU <mtu>; the packet itself is counted as dropped.
 */
static void
nc_v64_too_big(struct nc_worker *w, struct rte_mbuf *m, const struct nc_flow *f, uint16_t mtu)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	const uint16_t quote = sizeof(*ip) + 8;
	uint32_t server = ip->src_addr;

	w->st.drop[NC_DROP_NAT64_TOO_BIG]++;
	memmove((uint8_t *)(ic + 1), ip, quote);
	m->data_len = (uint16_t)(L4_OFF + sizeof(*ic) + quote);
	m->pkt_len = m->data_len;
	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*ic) + quote));
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = f->lip;
	ip->dst_addr = server;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_type = NC_ICMP_DEST_UNREACH;
	ic->icmp_code = 4;   /* fragmentation needed and DF set */
	ic->icmp_ident = 0;
	ic->icmp_seq_nb = rte_cpu_to_be_16(mtu);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	tx_to(w, m, f->nh_server);
}

/*
 * A client's packet too big, quoting NAT64 flow <f>'s packet to it (IPv6 from
 * the VIP): its server hears ICMP fragmentation needed from the local IP, the
 * MTU 20 less, quoting its own IPv4 packet (RFC 7915 5.2). In place: the frame
 * shrinks by 40 bytes. <n> quoted L4 bytes, <mtu> the IPv6 path's.
 */
static void
v64_too_big_to_server(struct nc_worker *w, struct rte_mbuf *m, const struct nc_flow *f, uint32_t n,
		      uint32_t mtu)
{
	const struct rte_ipv6_hdr *q6 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								L4_OFF6 + 8);
	uint16_t qlen = rte_be_to_cpu_16(q6->payload_len);
	uint8_t tos = (uint8_t)(rte_be_to_cpu_32(q6->vtc_flow) >> 20), ttl = q6->hop_limits;
	uint8_t proto = q6->proto;
	struct rte_ipv4_hdr *ip, *q;
	struct rte_icmp_hdr *ic;
	uint16_t *qports;
	uint8_t *d;

	n = RTE_MIN(n, 548u);   /* an ICMP error within 576 bytes */
	d = (uint8_t *)rte_pktmbuf_adj(m, 40);
	ip = (struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	ic = (struct rte_icmp_hdr *)(ip + 1);
	q = (struct rte_ipv4_hdr *)(ic + 1);
	qports = (uint16_t *)(q + 1);
	q->version_ihl = 0x45;
	q->type_of_service = tos;
	q->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*q) + qlen));
	q->packet_id = 0;
	q->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	q->time_to_live = ttl;
	q->next_proto_id = proto;
	q->src_addr = f->server_ip;
	q->dst_addr = f->lip;
	q->hdr_checksum = 0;
	q->hdr_checksum = rte_ipv4_cksum(q);
	nc_quote_l4_set((uint8_t *)qports, n, proto, f->server_port, f->lport,
			nc_quote_seq_to_server(w, f, flow_idx(w, f), quote_seq(qports)),
			f->c2s_l4_delta);
	((struct rte_ether_hdr *)d)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*ic) + sizeof(*q) + n));
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = f->lip;
	ip->dst_addr = f->server_ip;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_type = NC_ICMP_DEST_UNREACH;
	ic->icmp_code = 4;
	ic->icmp_ident = 0;
	ic->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)RTE_MAX(mtu > 20 ? mtu - 20 : 0u, 68u));
	m->data_len = (uint16_t)(L4_OFF + sizeof(*ic) + sizeof(*q) + n);
	m->pkt_len = m->data_len;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + sizeof(*q) + n);
	w->st.icmp_relayed++;
	tx_to(w, m, f->nh_server);
}

int
nc_v64_icmp_to_client(struct nc_worker *w, struct rte_mbuf *m, int32_t idx)
{
	struct nc_flow *f = flow_at(w, (uint32_t)idx);
	const struct nc_flow6_addr *a = flow6_addr(w, (uint32_t)idx);
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)(d + L4_OFF);
	const struct rte_ipv4_hdr *q = (const struct rte_ipv4_hdr *)(ic + 1);
	uint32_t mtu = rte_be_to_cpu_16(ic->icmp_seq_nb), n;
	uint16_t qlen = (uint16_t)(rte_be_to_cpu_16(q->total_length) - sizeof(*q));
	uint8_t tos = q->type_of_service, ttl = q->time_to_live, proto = q->next_proto_id;
	struct rte_ipv6_hdr *q6;
	uint16_t *qports;
	uint8_t *p;

	if (ic->icmp_type != NC_ICMP_DEST_UNREACH || ic->icmp_code != 4 ||
	    (q->version_ihl & 0xf) != 5)
		return 0;
	n = rte_pktmbuf_data_len(m) - (L4_OFF + sizeof(*ic) + sizeof(*q));
	n = RTE_MIN(n, (uint32_t)(ICMP6_MIN_MTU - sizeof(struct rte_ipv6_hdr) - 8 -
				  sizeof(struct rte_ipv6_hdr)));
	/* the quoted L4 bytes stay where they are: 40 bytes more in front */
	p = (uint8_t *)rte_pktmbuf_prepend(m, 40);
	if (p == NULL || !rte_pktmbuf_is_contiguous(m)) {
		drop(w, m, NC_DROP_NAT64_NO_ROOM);
		return 1;
	}
	q6 = (struct rte_ipv6_hdr *)(p + QUOTE_OFF);
	qports = (uint16_t *)(p + QUOTE_L4);
	q6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
	q6->payload_len = rte_cpu_to_be_16(qlen);
	q6->proto = proto;
	q6->hop_limits = ttl;
	memcpy(q6->src_addr, a->client, 16);
	memcpy(q6->dst_addr, a->vip, 16);
	nc_quote_l4_set((uint8_t *)qports, n, proto, f->key.src_port, f->key.dst_port,
			nc_quote_seq_to_client(f, quote_seq(qports)), f->s2c_l4_delta);
	p[L4_OFF6] = ICMP6_PKT_TOO_BIG;
	p[L4_OFF6 + 1] = 0;
	mtu = rte_cpu_to_be_32(RTE_MAX(mtu + 20, (uint32_t)ICMP6_MIN_MTU));
	memcpy(p + L4_OFF6 + 4, &mtu, sizeof(mtu));
	rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - (QUOTE_L4 + n)));
	w->st.icmp_relayed++;
	icmp6_send(w, m, a->vip, a->client, (uint16_t)(8 + sizeof(*q6) + n), f->nh_client);
	return 1;
}

uint16_t
nc_v64_to_client(struct nc_worker *w, struct nc_flow *f, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	const struct rte_ipv4_hdr *ip4 = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 sizeof(struct rte_ether_hdr));
	const struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));
	uint16_t l4_len = (uint16_t)(rte_be_to_cpu_16(ip4->total_length) - sizeof(*ip4));
	uint8_t tos = ip4->type_of_service, ttl = (uint8_t)(ip4->time_to_live - 1);
	struct rte_ipv6_hdr *ip;
	uint16_t *ports;
	uint8_t *d;

	/* 20 bytes more: over the MTU, the server learns the path's MTU from our
	 * fragmentation-needed (RFC 7915 4: the translator's own MTU less 20) */
	if (unlikely(sizeof(struct rte_ipv6_hdr) + l4_len > RTE_ETHER_MTU) &&
	    m->nb_segs == 1) {   /* one reassembled here leaves in IPv6 fragments */
		if (ip4->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))
			nc_v64_too_big(w, m, f, (uint16_t)(RTE_ETHER_MTU - 20));
		else
			drop(w, m, NC_DROP_NAT64_TOO_BIG);
		return 0;
	}
	d = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(*ip) - sizeof(*ip4));
	if (unlikely(d == NULL)) {
		drop(w, m, NC_DROP_NAT64_NO_ROOM);
		return 0;
	}
	if (likely(m->nb_segs == 1)) {   /* a reassembled chain came trimmed */
		m->data_len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip) + l4_len);
		m->pkt_len = m->data_len;
	}
	((struct rte_ether_hdr *)d)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(d + sizeof(struct rte_ether_hdr));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tos << 20);
	ip->payload_len = rte_cpu_to_be_16(l4_len);
	ip->proto = pm->key.proto;
	ip->hop_limits = ttl;
	memcpy(ip->src_addr, a->vip, 16);
	memcpy(ip->dst_addr, a->client, 16);
	ports = (uint16_t *)(ip + 1);
	ports[0] = f->key.dst_port;
	ports[1] = f->key.src_port;
	if (pm->key.proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)ports;

		th->cksum = nc_csum_adjust(th->cksum, f->s2c_l4_delta);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)ports;

		/* none over IPv4 is not allowed over IPv6: computed (RFC 7915 4.5) */
		if (uh->dgram_cksum == 0) {
			uh->dgram_cksum = nc_ipv6_l4_csum(ip, uh, l4_len, IPPROTO_UDP);
		} else {
			uh->dgram_cksum = nc_csum_adjust(uh->dgram_cksum, f->s2c_l4_delta);
			if (uh->dgram_cksum == 0)
				uh->dgram_cksum = 0xffff;
		}
	}
	return L4_OFF6;
}

/*
 * Server of a new IPv6 flow <k> of service <se> (schedule <s>), as the IPv4
 * flow_open() picks: with persistence, the server of the client's prefix
 * while its affinity entry lives and the server is up and not drained; else
 * a maglev table's entry for the prefix (persistence) or the 5-tuple, hashed
 * with the schedule's seed as on every machine; else the schedule's next
 * slot. <prefix> gets the client's prefix (persistence); *<hit>: the
 * affinity entry chose. The caller counts the hit and sets the entry once the
 * flow opened.
 */
static inline uint8_t
server6_pick(struct nc_worker *w, const struct nc_schedule *s, const struct nc_svc6_ent *se,
	     const struct nc_flow6_key *k, uint8_t *prefix, int *hit)
{
	uint32_t persist_ms = w->tb->svc[se->svc].persist_ms;
	uint8_t server;
	uint32_t *cur;
	uint64_t h;
	int aff = -1;

	if (persist_ms != 0) {
		nc_affinity_prefix6(k->src_ip, se->prefix6, prefix);
		aff = nc_affinity_lookup6(w->aff6, prefix, se->svc, w->now_ms);
		if (aff >= 0 && (aff >= s->n_servers || !s->server[aff].up ||
				 s->server[aff].weight == 0))   /* down, or drained */
			aff = -1;
	}
	*hit = aff >= 0;
	if (aff >= 0) {
		server = (uint8_t)aff;
	} else if (unlikely(s->maglev != NULL)) {
		if (persist_ms != 0)
			h = nc_maglev_hash_ip6(s->maglev_salt, prefix);
		else
			h = nc_maglev_hash_5tuple6(s->maglev_salt, k->src_ip, k->dst_ip,
						   rte_be_to_cpu_16(k->src_port),
						   rte_be_to_cpu_16(k->dst_port), k->proto);
		server = s->maglev[nc_maglev_entry(h, s->maglev_size)];
	} else {
		cur = &w->sched_cursor[se->svc];
		if (*cur >= s->n_slots)
			*cur = 0;
		server = (uint8_t)s->slot[(*cur)++];
	}
	return server;
}

int
nc_v6_adopt_find(const struct nc_worker *w, const struct nc_sync_rec *r, const struct nc_sync_addr6 *a6,
		 unsigned int *svc, int *srv, uint16_t *lip_idx)
{
	const struct nc_flow_key *k = (const struct nc_flow_key *)r->key;
	const struct nc_svc6_ent *se = nc_dp_svc6_find(&w->tb->v6, a6->vip, k->dst_port, k->proto);
	const struct nc_schedule *s;
	unsigned int i;
	uint16_t lip_plus1;

	if (se == NULL || !se->nat64 != !nc_sync_rec_64(r))
		return 0;
	s = nc_sched_get(w->dp->sched_slot[se->svc]);
	if (se->nat64) {   /* an IPv4 local address and server */
		const struct nc_addr_ent *ae = nc_dp_addr_find(w->tb, r->lip);

		lip_plus1 = ae != NULL ? ae->lip_plus1 : 0;
		*srv = nc_dp_server_of(s, r->server_ip, r->server_port);
	} else {
		const struct nc_addr6_ent *ae = nc_dp_addr6_find(&w->tb->v6, a6->lip);

		lip_plus1 = ae != NULL ? ae->lip_plus1 : 0;
		*srv = -1;
		for (i = 0; s != NULL && i < s->n_servers; i++)
			if (s->server[i].port == r->server_port &&
			    nc_ip6_eq(w->tb->v6.server[se->svc][i], a6->server)) {
				*srv = (int)i;
				break;
			}
	}
	*svc = se->svc;
	*lip_idx = (uint16_t)(lip_plus1 - 1);
	return lip_plus1 != 0 && *srv >= 0;
}

void
nc_v6_adopt_fill(struct nc_worker *w, struct nc_flow *f, const struct nc_sync_rec *r,
		 const struct nc_sync_addr6 *a6)
{
	struct nc_flow6_addr *a = flow6_addr(w, flow_idx(w, f));
	const struct nc_svc6_ent *se = nc_dp_svc6_find(&w->tb->v6, a6->vip, f->key.dst_port,
						       f->key.proto);
	uint16_t port = 0;
	int nh = nc_neigh_next_hop6(w->dp->neigh, a6->client, &port);

	f->nh_client = nh >= 0 ? (uint32_t)nh : 0;
	if (nc_sync_rec_64(r)) {
		f->key.pad[0] |= NC_FLOW_KEY_64;
		f->lip = r->lip;
		f->server_ip = r->server_ip;
		flow64_set_deltas(f, a);
	} else {
		memcpy(a->lip, a6->lip, 16);
		memcpy(a->server, a6->server, 16);
		flow6_set_deltas(f, a);
	}
	if (se != NULL && w->tb->svc[se->svc].persist_ms != 0) {
		uint8_t prefix[16] __rte_aligned(8);

		nc_affinity_prefix6(a6->client, se->prefix6, prefix);
		nc_affinity_set6(w->aff6, prefix, se->svc, f->server,
				 w->now_ms + w->tb->svc[se->svc].persist_ms);
	}
}

/* Why a new flow from IPv6 client <src> to service <se> (schedule <s>) is
 * refused for its source, or NC_DROP_MAX: an address no host sends from, one
 * of ours, or one of the service's IPv6 servers on the clients' side. New-flow
 * path only. */
static inline enum nc_drop
src6_refused(const struct nc_worker *w, const uint8_t *src, const struct nc_svc6_ent *se,
	     const struct nc_schedule *s)
{
	uint16_t i;

	if (unlikely(nc_ip6_src_martian(src)))
		return NC_DROP_SRC_MARTIAN;
	if (unlikely(nc_dp_addr6_find(&w->tb->v6, src) != NULL))
		return NC_DROP_SRC_OURS;
	for (i = 0; s != NULL && !se->nat64 && i < s->n_servers; i++)
		if (unlikely(nc_ip6_eq(w->tb->v6.server[se->svc][i], src)))
			return NC_DROP_SRC_SERVER;
	return NC_DROP_MAX;
}

/* Open an IPv6 flow for client packet <m> from port <pidx>; NULL when
 * refused (counted) or when <m> went to the control lcore to wait for its
 * sender's MAC (resolve6_pass), <m> consumed either way. */
static struct nc_flow *
flow6_open(struct nc_worker *w, struct rte_mbuf *m, uint16_t pidx, const struct nc_flow6_key *k,
	   uint32_t hash, const struct nc_svc6_ent *se)
{
	unsigned int svc = se->svc;
	struct nc_dp *dp = w->dp;
	const struct nc_dp_svc *ds = &w->tb->svc[svc];
	const struct nc_schedule *s = nc_sched_get(dp->sched_slot[svc]);
	const struct nc_sched_server *srv;
	struct nc_flow6_addr *a;
	struct nc_flow *f;
	uint8_t prefix[16] __rte_aligned(8), server;
	uint16_t port = pidx;
	enum nc_drop why;
	int nh, err, hit;

	why = src6_refused(w, k->src_ip, se, s);
	if (unlikely(why != NC_DROP_MAX)) {
		drop(w, m, why);
		return NULL;
	}
	if (unlikely(s == NULL || s->n_slots == 0)) {
		drop(w, m, NC_DROP_NO_SERVER);
		return NULL;
	}
	nh = nc_neigh_next_hop6(dp->neigh, k->src_ip, &port);
	if (unlikely(nh < 0 || !(nc_neigh_mac(dp->neigh, (uint32_t)nh) & NC_NEIGH_VALID))) {
		if (nh == -ENETUNREACH)
			drop(w, m, NC_DROP_NO_ROUTE);
		else
			resolve6_pass(w, m, pidx);
		return NULL;
	}
	{
		uint64_t src64;   /* the client's prefix (limits.source_prefix6; default its /64) */

		memcpy(&src64, k->src_ip, sizeof(src64));
		err = limits_refuse(w, svc, k->proto, src64 & dp->lim_mask6);
	}
	if (unlikely(err != 0)) {
		drop(w, m, (enum nc_drop)err);
		return NULL;
	}
	/* the server first: its local port is one that does not rest for it */
	server = server6_pick(w, s, se, k, prefix, &hit);
	srv = &s->server[server];
	f = nc_flow6_add(w->flows, k, hash, ds->lip, ds->n_lips, &w->lip_cursor[svc],
			 nc_flow_rest_bit(srv->addr, srv->port),
			 se->nat64 ? nc_dp_steer(w, srv->addr, srv->port) :
			 nc_dp_steer6(w, w->tb->v6.server[svc][server], srv->port), &err);
	if (unlikely(f == NULL)) {
		drop(w, m, err == -ENOSPC ? NC_DROP_FLOW_TABLE_FULL : NC_DROP_NO_LOCAL_PORT);
		return NULL;
	}
	f->server = server;
	if (hit)
		w->st.svc[svc].affinity_hits++;
	if (w->tb->svc[svc].persist_ms != 0)   /* a full affinity table only loses the affinity */
		nc_affinity_set6(w->aff6, prefix, (uint8_t)svc, server,
				 w->now_ms + w->tb->svc[svc].persist_ms);
	f->svc = (uint8_t)svc;
	f->server_port = srv->port;
	f->nh_server = srv->nh;
	f->nh_client = (uint32_t)nh;
	nc_neigh_mark_used(dp->neigh, (uint32_t)nh);
	a = flow6_addr(w, flow_idx(w, f));
	if (unlikely(se->nat64)) {
		f->key.pad[0] |= NC_FLOW_KEY_64;
		f->lip = dp->lip[f->lip_idx];
		f->server_ip = srv->addr;
		flow64_set_deltas(f, a);
	} else {
		memcpy(a->lip, w->tb->v6.lip[f->lip_idx], 16);
		memcpy(a->server, w->tb->v6.server[svc][f->server], 16);
		flow6_set_deltas(f, a);
	}
	if (unlikely(ds->client_addr != NC_CA_NONE))
		nc_ca_open(w, f, ds);
	if (unlikely(ds->syn_proxy != NC_SYNP_OFF))
		nc_sp_release(w, flow_idx(w, f));   /* a plain flow until nc_sp_open */
	if (unlikely(ds->failsafe) && k->proto == IPPROTO_TCP)
		nc_fs_open(w, f);
	limits_open(w, f);
	if (k->proto == IPPROTO_UDP)
		sync_flow(w, f);   /* TCP: at its server's SYN-ACK */
	w->st.svc[svc].flows_opened++;
	w->st.flow_changes++;
	w->st.svc[svc].server_flows[f->server]++;
	return f;
}

void
nc_v6_client_key(const struct rte_mbuf *m, const struct pkt_meta *pm, struct nc_flow6_key *k)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	const uint16_t *ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, pm->l4_off);

	nc_flow6_key_set(k, ip->src_addr, ip->dst_addr, ports[0], ports[1], pm->key.proto);
}

/* A client's packet to IPv6 service <se>: PK_CLIENT6 with its key's hash in
 * pm->hash and the service entry's index in pm->svc6, for its leg. */
static enum pkt_kind
client6(struct nc_worker *w, struct rte_mbuf *m, struct pkt_meta *pm, const struct nc_svc6_ent *se,
	int owned_check, uint16_t *owner)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	struct nc_flow6_key k;

	if (unlikely(ip->hop_limits <= 1)) {
		drop(w, m, NC_DROP_TTL_EXPIRED);
		return PK_DROP;
	}
	nc_v6_client_key(m, pm, &k);
	pm->hash = nc_flow6_hash(&k);
	pm->svc6 = (uint8_t)(se - w->tb->v6.svc);
	if (owned_check && w->dp->n_workers > 1) {
		*owner = nc_dp_owner6(w->dp, w->tb, se, &k, pm->hash,
				      pm->l4_off == sizeof(struct rte_ether_hdr) +
				      sizeof(struct rte_ipv6_hdr) ? m : NULL);
		if (*owner != w->id)
			return PK_HANDOFF;
	}
	return PK_CLIENT6;
}

/* syn_proxy: a SYN of no flow to IPv6 service <se> (client_flow() passed it)
 * is answered with a cookie, if its source may open one at all. */
static __rte_noinline void
synp6_syn(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm,
	  const struct nc_flow6_key *k, const struct nc_svc6_ent *se, uint16_t pidx)
{
	const struct nc_schedule *s = nc_sched_get(w->dp->sched_slot[se->svc]);
	enum nc_drop why = src6_refused(w, k->src_ip, se, s);
	struct nc_sp_ends e;

	if (unlikely(why != NC_DROP_MAX)) {
		drop(w, m, why);
		return;
	}
	if (unlikely(s == NULL || s->n_slots == 0)) {
		drop(w, m, NC_DROP_NO_SERVER);
		return;
	}
	e = nc_sp_ends6(k->src_ip, k->dst_ip, k->src_port, k->dst_port);
	nc_sp_syn(w, m, se->svc, pm->l4_off, &e, pidx);
}

/* syn_proxy: a bare ACK of no flow to IPv6 service <se>; a valid cookie
 * opens the flow (the limits and the scheduler as for a SYN) and the
 * client's SYN, as the cookie kept it, goes on through the client leg. */
static __rte_noinline void
synp6_ack(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm,
	  const struct nc_flow6_key *k, const struct nc_svc6_ent *se, uint16_t pidx)
{
	struct nc_sp_ends e = nc_sp_ends6(k->src_ip, k->dst_ip, k->src_port, k->dst_port);
	struct nc_sp_ack ck;
	struct pkt_meta spm;
	struct rte_mbuf *syn;
	struct nc_flow *f;

	if (!nc_sp_ack_check(w, m, se->svc, pm->l4_off, &e, &ck))
		return;
	f = flow6_open(w, m, pidx, k, pm->hash, se);
	if (f == NULL)
		return;
	syn = nc_sp_open(w, f, m, pm->l4_off, pm->pay, &ck);
	if (syn == NULL)
		return;
	spm = *pm;
	spm.l4_off = L4_OFF6;
	spm.pay = 0;
	nc_v6_client_leg(w, syn, &spm, k, (int32_t)flow_idx(w, f), pidx);
}

void
nc_v6_synp_leg(struct nc_worker *w, struct nc_flow *f, uint32_t idx, struct rte_mbuf *m,
	       uint16_t l4_off, uint16_t pay)
{
	const struct nc_flow6_addr *a = flow6_addr(w, idx);
	struct nc_flow6_key k;
	struct pkt_meta pm;

	nc_flow6_key_set(&k, a->client, a->vip, f->key.src_port, f->key.dst_port, f->key.proto);
	memset(&pm, 0, sizeof(pm));
	pm.key.src_port = f->key.src_port;
	pm.key.dst_port = f->key.dst_port;
	pm.key.proto = f->key.proto;
	pm.svc = f->svc;
	pm.l4_off = l4_off;
	pm.pay = pay;
	pm.kind = PK_CLIENT6;
	/* a flow of its own: neither the service entry nor the port is read */
	nc_v6_client_leg(w, m, &pm, &k, (int32_t)idx, 0);
}

void
nc_v6_client_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm,
		 const struct nc_flow6_key *k, int32_t pos, uint16_t pidx)
{
	const struct nc_svc6_ent *se = &w->tb->v6.svc[pm->svc6];
	struct nc_flow6_addr *a;
	struct nc_srv_stats *ss;
	struct nc_flow *f;
	uint8_t flags = 0;
	uint32_t ack_in = 0;

	if (k->proto == IPPROTO_TCP)
		flags = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->tcp_flags;
	if (unlikely(pos < 0) && unlikely(w->tb->svc[se->svc].syn_proxy != NC_SYNP_OFF) &&
	    w->synp != NULL && k->proto == IPPROTO_TCP &&
	    (flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)) ==
	    RTE_TCP_ACK_FLAG) {
		synp6_ack(w, m, pm, k, se, pidx);
		return;
	}
	pos = client_flow(w, m, pos, k->proto, pm->l4_off, pm->pay);
	if (pos == NC_POS_TAKEN)
		return;
	if (pos >= 0) {
		f = flow_at(w, (uint32_t)pos);
		if (unlikely(nc_sp_flow(w, f, (uint32_t)pos)) &&
		    nc_sp_client(w, f, (uint32_t)pos, m, pm) == 0)
			return;
	} else {
		if (unlikely(nc_sp_cookies_now(w, se->svc)) && k->proto == IPPROTO_TCP) {
			synp6_syn(w, m, pm, k, se, pidx);
			return;
		}
		f = flow6_open(w, m, pidx, k, pm->hash, se);
		if (f == NULL)
			return;
	}
	if (k->proto == IPPROTO_TCP) {
		tcp_track(f, flags, 1);
		if (unlikely(f->limit) && f->state != NC_FLOW_SYN)
			limits_release(w, f, NC_FLOW_HALF_OPEN);
	}
	f->expire_ms = w->now_ms + timeout_of(w->dp, f);
	ss = srv_stats(w, f);
	if (pm->pay != 0 && !(f->mon & NC_FLOW_REQ)) {
		f->mon |= NC_FLOW_REQ;
		f->req_us = w->now_us;
		ss->requests++;
	}
	ss->bytes += rte_pktmbuf_pkt_len(m);
	/* the client's acknowledgement as it wrote it, before a splice
	 * translates it: the server leg's window moves by it (kept in the
	 * client's numbers: the SYN proxy's translation, made above, taken
	 * back) */
	if (k->proto == IPPROTO_TCP) {
		ack_in = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->recv_ack;
		if (unlikely(nc_sp_flow(w, f, flow_idx(w, f))))
			ack_in = rte_cpu_to_be_32(nc_sp_seq_to_client(w, flow_idx(w, f),
								      rte_be_to_cpu_32(ack_in)));
	}
	/* held copies are frames without extension headers: one with them
	 * goes on unheld */
	if (unlikely(w->tb->svc[f->svc].failsafe) && pm->l4_off == L4_OFF6 &&
	    nc_fs_client(w, f, m, pm) == 0)
		return;
	/* on the IPv6 frame, before its rewrite or translation */
	if (unlikely(f->ca != NC_CA_NONE) && nc_ca_client_fast(w, f, m, pm) != 0)
		return;
	/* packet too big is relayed for every IPv6 TCP flow: its windows are
	 * kept (dp_fastpath.h), this one as the server gets it */
	if (k->proto == IPPROTO_TCP)
		seq_track(w, f, NC_SEQ_TO_SERVER,
			  rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off), pm->pay,
			  ack_in);
	w->st.svc[f->svc].pkts_c2s++;
	w->st.svc[f->svc].bytes_c2s += rte_pktmbuf_pkt_len(m);
	if (unlikely(nc_flow_is_64(f))) {
		c2s_translate64(w, m, pm->l4_off, k->proto, f);
		tx_to(w, m, f->nh_server);
		return;
	}
	a = flow6_addr(w, flow_idx(w, f));
	rewrite6(m, pm->l4_off, k->proto, a->lip, a->server, f->lport, f->server_port, f->c2s_l4_delta);
	tx_to(w, m, f->nh_server);
}

/* A server's reply to our IPv6 local address <lip>: PK_SERVER6 with
 * pm->lip and pm->lport (host order), for its leg. */
static enum pkt_kind
server6(struct nc_worker *w, struct rte_mbuf *m, struct pkt_meta *pm, uint16_t lip,
	int owned_check, uint16_t *owner)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	const uint16_t *ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, pm->l4_off);

	if (unlikely(ip->hop_limits <= 1)) {
		drop(w, m, NC_DROP_TTL_EXPIRED);
		return PK_DROP;
	}
	pm->lip = lip;
	pm->lport = rte_be_to_cpu_16(ports[1]);
	if (owned_check && w->dp->n_workers > 1) {
		*owner = (uint16_t)(pm->lport % w->dp->n_workers);
		if (*owner != w->id)
			return PK_HANDOFF;
	}
	rte_prefetch0(&w->dp->lport_map[(uint32_t)lip << 16 | pm->lport]);
	return PK_SERVER6;
}

void
nc_v6_server_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	const uint16_t *ports = rte_pktmbuf_mtod_offset(m, const uint16_t *, pm->l4_off);
	int32_t idx = pm->sidx;
	struct nc_flow6_addr *a;
	struct nc_srv_stats *ss;
	struct nc_flow *f;
	uint32_t ack_in = 0;
	int accepted = 0, sp = 0;

	if (unlikely(idx < 0)) {
		drop(w, m, NC_DROP_NO_FLOW);
		return;
	}
	f = flow_at(w, (uint32_t)idx);
	a = flow6_addr(w, (uint32_t)idx);
	/* the reply must come from the flow's server, on the flow's protocol */
	if (unlikely(a == NULL || f->server_port != ports[0] || f->key.proto != pm->key.proto ||
		     !nc_ip6_eq(a->server, ip->src_addr))) {
		drop(w, m, NC_DROP_NO_FLOW);
		return;
	}
	if (unlikely(nc_sp_flow(w, f, (uint32_t)idx))) {
		sp = nc_sp_server(w, f, (uint32_t)idx, m, pm);
		if (sp == 0)
			return;
	}
	/* the server's acknowledgement as it wrote it: the server leg's window */
	if (f->key.proto == IPPROTO_TCP)
		ack_in = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, pm->l4_off)->recv_ack;
	/* first, as on IPv4: the client's view of acknowledgements past a
	 * PROXY header; then the fail-safe may keep the segment or end the flow */
	if (unlikely(f->ca != NC_CA_NONE) && f->key.proto == IPPROTO_TCP)
		nc_ca_server_fast(w, f, (uint32_t)idx, m, pm);
	if (unlikely(w->tb->svc[f->svc].failsafe) && nc_fs_server(w, f, (uint32_t)idx, m, pm) == 0)
		return;
	if (unlikely(sp != 0) &&   /* a proxied connection, as on IPv4 */
	    nc_sp_server_hooked(w, f, (uint32_t)idx, m, pm->l4_off, sp) == 0)
		return;
	if (f->key.proto == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
								       pm->l4_off);

		tcp_track(f, th->tcp_flags, 0);
		/* as the client gets it (after a splice's translation) */
		seq_track(w, f, NC_SEQ_TO_CLIENT, th, pm->pay, ack_in);
		accepted = syn_accepted(w, f, th->tcp_flags);
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
	rewrite6(m, pm->l4_off, f->key.proto, a->vip, a->client, f->key.dst_port, f->key.src_port,
		 f->s2c_l4_delta);
	server_to_client(w, f, m, pm->l4_off, accepted);
}

/*
 * An ICMPv6 error (<type> 1 unreachable, 2 packet too big) quoting a packet
 * one of our flows sent: a server's leg (from a local address) or a client's
 * (from a VIP). Unreachable from the server's side is a fail-safe failure
 * signal, as IPv4's; packet too big goes on to the other leg in that leg's
 * view (for NAT64, as ICMP fragmentation needed less 20, RFC 7915 5.2), so
 * path MTU discovery works through the appliance. As IPv4's (RFC 5927), only
 * when the quote is a live flow's packet on that leg and, for TCP, its
 * sequence number is in the leg's window: otherwise dropped and counted.
 * Returns PK_DROP when done with <m>, PK_HANDOFF for the flow's worker,
 * PK_CTL when it quotes no packet of ours (the caller goes on).
 */
static enum pkt_kind
icmp6_error(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm, int owned_check,
	    uint16_t *owner)
{
	const struct nc_dp_v6 *t = &w->tb->v6;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t type = d[pm->l4_off];
	const struct rte_ipv6_hdr *q;
	const struct nc_addr6_ent *ae;
	struct nc_flow6_addr *a;
	struct nc_flow *f;
	uint16_t *qports;
	uint32_t mtu, n, qseq;
	int32_t idx;

	if (pm->l4_off != L4_OFF6 || rte_pktmbuf_data_len(m) < QUOTE_L4 + 8)
		return PK_CTL;
	q = (const struct rte_ipv6_hdr *)(d + QUOTE_OFF);
	if ((rte_be_to_cpu_32(q->vtc_flow) >> 28) != 6 ||
	    (q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP))
		return PK_CTL;
	qports = (uint16_t *)(d + QUOTE_L4);
	memcpy(&qseq, qports + 2, sizeof(qseq));   /* frames sit 2-byte aligned */
	n = rte_pktmbuf_data_len(m) - QUOTE_L4;
	memcpy(&mtu, d + L4_OFF6 + 4, sizeof(mtu));   /* frames sit 2-byte aligned */
	mtu = rte_be_to_cpu_32(mtu);
	ae = nc_dp_addr6_find(t, q->src_addr);
	if (ae != NULL && ae->lip_plus1 != 0) {
		/* about a packet to a server, from a local address and port */
		uint16_t lport = rte_be_to_cpu_16(qports[0]);

		if (w->dp->probing && lport >= w->dp->probe_lo && lport < w->dp->probe_hi)
			return PK_CTL;
		if (type == NC_ICMP6_DEST_UNREACH && w->dp->store_size == 0)
			goto unknown;   /* nothing acts on it */
		if (owned_check && w->dp->n_workers > 1) {
			*owner = (uint16_t)(lport % w->dp->n_workers);
			if (*owner != w->id)
				return PK_HANDOFF;
		}
		idx = nc_flow_by_lport(w->flows, (uint16_t)(ae->lip_plus1 - 1), lport);
		if (idx < 0)
			goto no_flow;
		f = flow_at(w, (uint32_t)idx);
		a = flow6_addr(w, (uint32_t)idx);
		if (a == NULL || nc_flow_is_64(f) || f->key.proto != q->proto ||
		    f->server_port != qports[1] || !nc_ip6_eq(a->server, q->dst_addr))
			goto no_flow;
		if (f->key.proto == IPPROTO_TCP &&
		    !(type == ICMP6_PKT_TOO_BIG ? seq_relayable(w, (uint32_t)idx, NC_SEQ_TO_SERVER, qseq) :
		      seq_in_window(w, (uint32_t)idx, NC_SEQ_TO_SERVER, qseq)))
			goto out_of_window;
		if (type == NC_ICMP6_DEST_UNREACH) {
			nc_fs_unreach(w, m, (uint32_t)idx);
			return PK_DROP;
		}
		/* too big on the server's path: the client hears it from the VIP,
		 * about its own packet */
		memcpy(((struct rte_ipv6_hdr *)q)->src_addr, a->client, 16);
		memcpy(((struct rte_ipv6_hdr *)q)->dst_addr, a->vip, 16);
		nc_quote_l4_set((uint8_t *)qports, n, q->proto, f->key.src_port, f->key.dst_port,
				nc_quote_seq_to_client(f, rte_be_to_cpu_32(qseq)), f->s2c_l4_delta);
		w->st.icmp_relayed++;
		icmp6_send(w, m, a->vip, a->client, (uint16_t)(rte_pktmbuf_data_len(m) - L4_OFF6),
			   f->nh_client);
		return PK_DROP;
	}
	if (type != ICMP6_PKT_TOO_BIG)
		return PK_CTL;
	{
		/* about a packet to a client, from a VIP: that flow's server */
		const struct nc_svc6_ent *se = nc_dp_svc6_find(t, q->src_addr, qports[0], q->proto);
		struct nc_flow6_key k;
		uint32_t hash;

		if (se == NULL)
			goto no_flow;
		nc_flow6_key_set(&k, q->dst_addr, q->src_addr, qports[1], qports[0], q->proto);
		hash = nc_flow6_hash(&k);
		if (owned_check && w->dp->n_workers > 1) {   /* the client leg's worker */
			*owner = nc_dp_owner6(w->dp, w->tb, se, &k, hash, NULL);
			if (*owner != w->id)
				return PK_HANDOFF;
		}
		idx = nc_flow6_lookup(w->flows, &k, hash);
		if (idx < 0) {
			/* in a cluster, maybe a peer's (dp_icmp.c) */
			redirect_or_drop_as(w, m, NC_DROP_ICMP_NO_FLOW);
			return PK_DROP;
		}
		f = flow_at(w, (uint32_t)idx);
		a = flow6_addr(w, (uint32_t)idx);
		if (f->key.proto == IPPROTO_TCP &&
		    !seq_relayable(w, (uint32_t)idx, NC_SEQ_TO_CLIENT, qseq))
			goto out_of_window;
	}
	if (nc_flow_is_64(f)) {
		v64_too_big_to_server(w, m, f, n, mtu);
		return PK_DROP;
	}
	memcpy(((struct rte_ipv6_hdr *)q)->src_addr, a->server, 16);
	memcpy(((struct rte_ipv6_hdr *)q)->dst_addr, a->lip, 16);
	nc_quote_l4_set((uint8_t *)qports, n, q->proto, f->server_port, f->lport,
			nc_quote_seq_to_server(w, f, (uint32_t)idx, rte_be_to_cpu_32(qseq)),
			f->c2s_l4_delta);
	w->st.icmp_relayed++;
	icmp6_send(w, m, a->lip, a->server, (uint16_t)(rte_pktmbuf_data_len(m) - L4_OFF6),
		   f->nh_server);
	return PK_DROP;
unknown:
	drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
	return PK_DROP;
no_flow:
	drop(w, m, NC_DROP_ICMP_NO_FLOW);
	return PK_DROP;
out_of_window:
	drop(w, m, NC_DROP_ICMP_OUT_OF_WINDOW);
	return PK_DROP;
}

enum pkt_kind
nc_v6_icmp_leg(struct nc_worker *w, struct rte_mbuf *m, const struct pkt_meta *pm, int owned_check,
	       uint16_t *owner)
{
	enum pkt_kind k = icmp6_error(w, m, pm, owned_check, owner);

	if (k != PK_CTL)
		return k;
	/* quoting no packet of ours: an unreachable may answer a health probe */
	if (w->dp->probing && rte_pktmbuf_mtod(m, const uint8_t *)[pm->l4_off] == NC_ICMP6_DEST_UNREACH)
		return PK_CTL;
	drop(w, m, NC_DROP_ICMP_UNSUPPORTED);
	return PK_DROP;
}

enum pkt_kind
nc_v6_input(struct nc_worker *w, struct rte_mbuf *m, struct pkt_meta *pm, int owned_check,
	    uint16_t *owner)
{
	const struct nc_dp_v6 *t = &w->tb->v6;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(d + sizeof(struct rte_ether_hdr));
	const struct nc_addr6_ent *ae;
	const struct nc_svc6_ent *se;

	if (pm->key.proto == IPPROTO_ICMPV6) {
		uint8_t type = d[pm->l4_off];

		/* Neighbor Discovery (to a solicited-node multicast address
		 * too): the control lcore checks it and answers */
		if (type == ICMP6_ND_NS || type == ICMP6_ND_NA)
			return PK_CTL;
		ae = nc_dp_addr6_find(t, ip->dst_addr);
		if (type == ICMP6_ECHO_REQUEST && ae != NULL)
			return PK_CTL;
		/* the rest to a host6 is its kernel's (echo replies, errors) */
		if (unlikely(ae != NULL && ae->host_plus1 != 0))
			return PK_CTL;
		/* errors to us: in their place in the burst, after the
		 * segments before them (nc_v6_icmp_leg) */
		if ((type == NC_ICMP6_DEST_UNREACH || type == ICMP6_PKT_TOO_BIG) &&
		    nc_dp_addr6_find(t, ip->dst_addr) != NULL)
			return PK_ICMP6;
		/* echo replies may answer a health probe */
		if (w->dp->probing && type == NC_ICMP6_ECHO_REPLY &&
		    nc_dp_addr6_find(t, ip->dst_addr) != NULL)
			return PK_CTL;
		drop(w, m, nc_dp_addr6_find(t, ip->dst_addr) != NULL || ip->dst_addr[0] == 0xff ?
			   NC_DROP_ICMP_UNSUPPORTED : NC_DROP_NOT_FOR_US);
		return PK_DROP;
	}
	se = nc_dp_svc6_find(t, ip->dst_addr, ((const uint16_t *)(d + pm->l4_off))[1],
			     pm->key.proto);
	if (se != NULL)
		return client6(w, m, pm, se, owned_check, owner);
	ae = nc_dp_addr6_find(t, ip->dst_addr);
	if (unlikely(ae == NULL)) {
		drop(w, m, NC_DROP_NOT_FOR_US);
		return PK_DROP;
	}
	/* answers to the control lcore's health probes: for us, not forwarded,
	 * so no hop limit check */
	if (unlikely(w->dp->probing) && ae->lip_plus1 != 0) {
		uint16_t lport = rte_be_to_cpu_16(((const uint16_t *)(d + pm->l4_off))[1]);

		if (lport >= w->dp->probe_lo && lport < w->dp->probe_hi)
			return PK_CTL;
	}
	if (unlikely(ae->lip_plus1 == 0)) {
		if (ae->host_plus1 != 0)
			return PK_CTL;   /* a host6's TCP, UDP: its kernel's */
		drop(w, m, NC_DROP_NO_SERVICE);
		return PK_DROP;
	}
	return server6(w, m, pm, (uint16_t)(ae->lip_plus1 - 1), owned_check, owner);
}
