/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra packet helpers: header parsing with drop verdicts, and incremental
 * checksum arithmetic (RFC 1624). Header-only fast-path code plus a few builders
 * used by the control lcore (ARP, ICMP). Any lcore.
 */
#ifndef NC_NET_H
#define NC_NET_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_icmp.h>
#include <rte_arp.h>
#include <rte_mbuf.h>

#include "nc_common.h"
#include "nc_net_types.h"

/*
 * One's-complement checksum update, RFC 1624 equation 3:
 *     HC' = ~(~HC + ~m + m')
 * for every 16-bit word m changed to m'. The sum of (~m + m') over all changed
 * words does not depend on the checksum, so the data plane computes it once per
 * flow and direction (nc_csum_delta32/16) and applies it per packet with one add
 * and two folds (nc_csum_adjust). Words are taken as raw memory (network order);
 * one's-complement addition is byte-order independent (RFC 1071 2(B)), so the
 * stored checksum can be updated without swapping anything.
 */
static inline uint32_t
nc_csum_fold32(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Delta contribution of a 32-bit field changing from <from> to <to> (raw memory). */
static inline uint32_t
nc_csum_delta32(uint32_t from, uint32_t to)
{
	return (uint32_t)(uint16_t)~(from & 0xffff) + (uint16_t)~(from >> 16) +
		(to & 0xffff) + (to >> 16);
}

/* Delta contribution of a 16-bit field changing from <from> to <to> (raw memory). */
static inline uint32_t
nc_csum_delta16(uint16_t from, uint16_t to)
{
	return (uint32_t)(uint16_t)~from + to;
}

/* Apply a summed delta to a stored checksum; returns the new stored checksum. */
static inline uint16_t
nc_csum_adjust(uint16_t csum, uint32_t delta)
{
	return (uint16_t)~nc_csum_fold32((uint32_t)(uint16_t)~csum + nc_csum_fold32(delta));
}

#define NC_ICMP_DEST_UNREACH 3   /* ICMP type (not in rte_icmp.h of DPDK 22.11) */

/* Result of parsing one frame up to L4. Offsets from the start of the frame. */
struct nc_pkt {
	uint16_t l3_off;
	uint16_t l4_off;
	uint16_t l4_len;      /* IP total length - IP header length */
	uint8_t proto;
	uint8_t is_arp;
};

/*
 * Parse Ethernet / IPv4 / TCP|UDP|ICMP headers of a frame of <len> bytes at <d>,
 * as received on a port whose MAC is <port_mac>. Returns NC_DROP_MAX when the
 * frame is well-formed (fills <p>), else the drop reason. ARP frames return
 * NC_DROP_MAX with p->is_arp set. <ip_csum_good>: the NIC already verified it.
 * Checks follow the order of NC_FOREACH_DROP. Fast path: no side effects.
 */
static inline enum nc_drop
nc_pkt_parse(const uint8_t *d, uint32_t len, const struct rte_ether_addr *port_mac,
	     int ip_csum_good, struct nc_pkt *p)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot;

	if (unlikely(len < sizeof(*eth)))
		return NC_DROP_SHORT_FRAME;
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, port_mac) &&
		     !rte_is_broadcast_ether_addr(&eth->dst_addr)))
		return NC_DROP_L2_OTHER_HOST;
	if (unlikely(eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			if (len < sizeof(*eth) + sizeof(struct rte_arp_hdr))
				return NC_DROP_SHORT_FRAME;
			p->is_arp = 1;
			p->l3_off = sizeof(*eth);
			return NC_DROP_MAX;
		}
		return NC_DROP_L2_UNSUPPORTED;
	}
	p->is_arp = 0;
	p->l3_off = sizeof(*eth);
	if (unlikely(len < sizeof(*eth) + sizeof(*ip)))
		return NC_DROP_SHORT_FRAME;
	ip = (const struct rte_ipv4_hdr *)(d + sizeof(*eth));
	if (unlikely((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5))
		return NC_DROP_IP_BAD_HEADER;
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tot < ihl || tot > len - sizeof(*eth)))
		return NC_DROP_IP_BAD_LEN;
	if (unlikely(ihl != sizeof(*ip)))
		return NC_DROP_IP_OPTIONS;
	if (!ip_csum_good && unlikely(rte_raw_cksum(ip, sizeof(*ip)) != 0xffff))
		return NC_DROP_IP_BAD_CSUM;
	if (unlikely(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return NC_DROP_IP_FRAGMENT;
	p->proto = ip->next_proto_id;
	p->l4_off = (uint16_t)(sizeof(*eth) + sizeof(*ip));
	p->l4_len = (uint16_t)(tot - sizeof(*ip));
	switch (p->proto) {
	case IPPROTO_TCP: {
		const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(d + p->l4_off);
		uint32_t doff;

		if (unlikely(p->l4_len < sizeof(*th)))
			return NC_DROP_L4_BAD_HEADER;
		doff = (uint32_t)(th->data_off >> 4) * 4;
		if (unlikely(doff < sizeof(*th) || doff > p->l4_len))
			return NC_DROP_L4_BAD_HEADER;
		break;
	}
	case IPPROTO_UDP: {
		const struct rte_udp_hdr *uh = (const struct rte_udp_hdr *)(d + p->l4_off);
		uint32_t ulen;

		if (unlikely(p->l4_len < sizeof(*uh)))
			return NC_DROP_L4_BAD_HEADER;
		ulen = rte_be_to_cpu_16(uh->dgram_len);
		if (unlikely(ulen < sizeof(*uh) || ulen > p->l4_len))
			return NC_DROP_L4_BAD_HEADER;
		break;
	}
	case IPPROTO_ICMP:
		if (unlikely(p->l4_len < sizeof(struct rte_icmp_hdr)))
			return NC_DROP_L4_BAD_HEADER;
		break;
	default:
		return NC_DROP_L4_UNSUPPORTED;
	}
	return NC_DROP_MAX;
}

/* Names and descriptions of drop reasons, indexed by enum nc_drop. */
extern const char *const nc_drop_name[NC_DROP_MAX];
extern const char *const nc_drop_desc[NC_DROP_MAX];

/*
 * Turn the ARP request in <m> (as received) into the reply for it from <mac>:
 * the target becomes the sender. Any lcore. Returns 0, or -EINVAL if <m> is not
 * an Ethernet/IPv4 ARP request.
 */
int nc_arp_make_reply(struct rte_mbuf *m, const struct rte_ether_addr *mac);

/*
 * Build a broadcast ARP request for <target_ip> (network order) from <src_mac>,
 * <src_ip> into <m> (reset first). Returns 0 or -ENOSPC.
 */
int nc_arp_make_request(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
			uint32_t src_ip, uint32_t target_ip);

/*
 * Turn the ICMP echo request in <m> (parsed as <p>) into its echo reply:
 * addresses swapped (Ethernet and IP), type 0, TTL 64, checksums updated.
 * Returns 0, or -EINVAL if it is not an echo request.
 */
int nc_icmp_make_echo_reply(struct rte_mbuf *m, const struct nc_pkt *p);

/* ---- TCP sequence arithmetic (RFC 1982 serial numbers, mod 2^32) ---- */

/* a < b in sequence space. */
static inline int
nc_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* a <= b in sequence space. */
static inline int
nc_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/*
 * A connection spliced from server A to server B: the client knows A's
 * sequence space, B sends in its own. delta = isn_a - isn_b (mod 2^32):
 * B's seq + delta is what the client expects; the client's ack - delta is
 * what B expects.
 */
static inline uint32_t
nc_seq_delta(uint32_t isn_a, uint32_t isn_b)
{
	return isn_a - isn_b;
}

static inline uint32_t
nc_seq_to_client(uint32_t seq_b, uint32_t delta)
{
	return seq_b + delta;
}

static inline uint32_t
nc_seq_to_server(uint32_t ack_client, uint32_t delta)
{
	return ack_client - delta;
}

/* ---- the client's address for the servers (client_addr.c) ---- */

#define NC_PROXY_V1_MAX 56   /* "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n" */
#define NC_PROXY_V2_LEN 28   /* signature 12, version/command, family, length 2, addresses 12 */
#define NC_TOA_KIND     254
#define NC_TOA_LEN      8    /* kind, length, port, IPv4 address */

/*
 * The PROXY v1 line "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" of a TCP
 * connection from <src_ip>:<src_port> to <dst_ip>:<dst_port> (network order)
 * into <out> (NC_PROXY_V1_MAX bytes). Returns its length. Any lcore.
 */
unsigned int nc_proxy_v1_build(uint8_t *out, uint32_t src_ip, uint32_t dst_ip, uint16_t src_port,
			       uint16_t dst_port);

/*
 * The PROXY v2 header (command PROXY, AF_INET, STREAM for <proto> TCP, DGRAM
 * for UDP) of that connection or datagram into <out>. Returns
 * NC_PROXY_V2_LEN. Any lcore.
 */
unsigned int nc_proxy_v2_build(uint8_t *out, uint8_t proto, uint32_t src_ip, uint32_t dst_ip,
			       uint16_t src_port, uint16_t dst_port);

/* The TOA option (kind 254, length 8, port, address; network order) into <out>. */
void nc_toa_build(uint8_t *out, uint32_t ip, uint16_t port);

/*
 * A PROXY header of <len> bytes sent by the appliance at sequence number
 * <hdr> (the client's view: what follows its SYN) shifts the client's stream
 * by <len> on the way to the server. A server's acknowledgement <ack> back in
 * the client's view: past the header, <len> less; inside it (the header only
 * partly acknowledged), the header's start - the client has sent nothing
 * there; before it, as it is.
 */
static inline uint32_t
nc_seq_shift_out(uint32_t seq, uint32_t len)
{
	return seq + len;
}

static inline uint32_t
nc_ack_shift_in(uint32_t ack, uint32_t hdr, uint32_t len)
{
	uint32_t d = ack - hdr;

	if ((int32_t)d <= 0)
		return ack;
	return d < len ? hdr : ack - len;
}

#endif /* NC_NET_H */
