/* SPDX-License-Identifier: BSD-3-Clause
 * Netchestra packet helpers: header parsing with drop verdicts, and incremental
 * checksum arithmetic (RFC 1624). Header-only fast-path code plus a few builders
 * used by the control lcore (ARP, ICMP, IPv6 neighbor discovery, ICMPv6 echo).
 * Any lcore.
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
 * and a fold (nc_csum_adjust). Words are taken as raw memory (network order);
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

/*
 * Apply a summed delta (below 2^31: the changes of up to 16,384 words) to a stored
 * checksum; returns the new stored checksum. One's-complement addition folds
 * in any order, so the delta is added unfolded and the sum folded once, the
 * second fold's carry added without a mask (at most 0x17fff + 1 there).
 */
static inline uint16_t
nc_csum_adjust(uint16_t csum, uint32_t delta)
{
	uint32_t s = (uint32_t)(uint16_t)~csum + delta;

	s = (s & 0xffff) + (s >> 16);
	s += s >> 16;
	return (uint16_t)~s;
}

/*
 * An IPv4 header of 20 bytes (no options) at <h> verifies: its 16-bit words
 * sum to 0xffff in one's complement, that is, their sum is a non-zero
 * multiple of 0xffff. Since 2^16 = 1 (mod 0xffff), five 32-bit words summed
 * in 64 bits leave the same remainder, in either byte order (RFC 1071 2(B)):
 * a few instructions where rte_raw_cksum() loops word by word.
 */
static inline int
nc_ipv4_hdr20_csum_ok(const void *h)
{
	uint32_t w[5];
	uint64_t s;

	memcpy(w, h, sizeof(w));
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	return s != 0 && s % 0xffff == 0;
}

/* The checksum delta of an IPv4 TTL decremented by one, as rewrite() does it
 * (raw memory: the TTL byte is the first of its 16-bit word), whatever the
 * TTL: ~m + m' with m' = m - RTE_BE16(0x0100). */
#define NC_CSUM_TTL_DEC ((uint32_t)(uint16_t)~RTE_BE16(0x0100))

/* Delta contribution of a 16-byte field (an IPv6 address) changing from
 * <from> to <to>: the eight 16-bit words' deltas summed (raw memory). */
static inline uint32_t
nc_csum_delta128(const uint8_t *from, const uint8_t *to)
{
	uint32_t s = 0;
	uint16_t f, t;
	unsigned int i;

	/* 8 * (0xffff + 0xffff) fits in 32 bits: no fold needed */
	for (i = 0; i < 16; i += 2) {
		memcpy(&f, from + i, 2);
		memcpy(&t, to + i, 2);
		s += (uint32_t)(uint16_t)~f + t;
	}
	return s;
}

#define NC_ICMP_DEST_UNREACH 3   /* ICMP type (not in rte_icmp.h of DPDK 22.11) */

/* IPv6 next-header values and ICMPv6 (RFC 8200, 4443, 4861); not in DPDK 22.11. */
#define NC_IP6_HOP_BY_HOP   0
#define NC_IP6_ROUTING      43
#define NC_IP6_FRAGMENT     44
#define NC_IP6_ESP          50
#define NC_IP6_AH           51
#define NC_IPPROTO_ICMPV6   58
#define NC_IP6_NO_NEXT      59
#define NC_IP6_DEST_OPTS    60
#define NC_IP6_MOBILITY     135
#define NC_IP6_HIP          139
#define NC_IP6_SHIM6        140
#define NC_IP6_EXP1         253
#define NC_IP6_EXP2         254
#define NC_IP6_EXT_MAX      8     /* extension headers walked before IP6_EXT_CHAIN */

#define NC_ICMP6_ECHO_REQUEST 128
#define NC_ICMP6_ECHO_REPLY   129
#define NC_ICMP6_DEST_UNREACH 1
#define NC_ND_NS              135   /* Neighbor Solicitation */
#define NC_ND_NA              136   /* Neighbor Advertisement */
#define NC_ND_OPT_SRC_LL      1     /* source link-layer address option */
#define NC_ND_OPT_TGT_LL      2     /* target link-layer address option */
#define NC_ND_NA_R            0x80  /* NA flags: router, solicited, override */
#define NC_ND_NA_S            0x40
#define NC_ND_NA_O            0x20
#define NC_ND_HOP_LIMIT       255

/* Result of parsing one frame up to L4. Offsets from the start of the frame. */
struct nc_pkt {
	uint16_t l3_off;
	uint16_t l4_off;      /* IPv6: past every extension header */
	uint16_t l4_len;      /* IP total length - IP header length; IPv6: payload
			       * length - extension headers */
	uint8_t proto;        /* IPv6: the upper-layer protocol */
	uint8_t is_arp;
	uint8_t is_v6;
};

/*
 * Upper-layer checks shared by IPv4 and IPv6 (<v6> a constant: ICMP or ICMPv6),
 * on p->proto, p->l4_off and p->l4_len.
 */
static __rte_always_inline enum nc_drop
nc_pkt_parse_l4(const uint8_t *d, struct nc_pkt *p, const int v6)
{
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
	default:
		/* ICMP and ICMPv6 headers are both 8 bytes */
		if (p->proto != (v6 ? NC_IPPROTO_ICMPV6 : IPPROTO_ICMP))
			return NC_DROP_L4_UNSUPPORTED;
		if (unlikely(p->l4_len < sizeof(struct rte_icmp_hdr)))
			return NC_DROP_L4_BAD_HEADER;
		break;
	}
	return NC_DROP_MAX;
}

/*
 * The IPv6 part of nc_pkt_parse: header, extension headers, upper layer of
 * the IPv6 frame of <len> bytes at <d>. Hop-by-hop options are refused (no
 * use to us, and a known way to slow routers down); destination options and
 * routing headers with no segment left (RFC 8200 4.4) are skipped; a routing
 * header of type 0 (RFC 5095) or with segments left is refused, since the
 * packet is not for its final destination yet. Each extension header is
 * judged in the order of NC_FOREACH_DROP; the first in the chain that fails
 * decides. A Fragment header returns NC_DROP_IP_FRAGMENT with p->l4_off at
 * it. Fast path: no side effects.
 */
static inline enum nc_drop
nc_pkt_parse6(const uint8_t *d, uint32_t len, struct nc_pkt *p)
{
	const struct rte_ipv6_hdr *ip;
	uint32_t off, end, n;
	uint8_t nh;

	p->is_arp = 0;
	p->is_v6 = 1;
	p->l3_off = RTE_ETHER_HDR_LEN;
	if (unlikely(len < RTE_ETHER_HDR_LEN + sizeof(*ip)))
		return NC_DROP_SHORT_FRAME;
	ip = (const struct rte_ipv6_hdr *)(d + RTE_ETHER_HDR_LEN);
	if (unlikely((d[RTE_ETHER_HDR_LEN] >> 4) != 6))
		return NC_DROP_IP6_BAD_HEADER;
	off = RTE_ETHER_HDR_LEN + sizeof(*ip);
	end = rte_be_to_cpu_16(ip->payload_len);
	/* 0: a jumbogram (RFC 2675), which needs the hop-by-hop header anyway */
	if (unlikely(end == 0 || end > len - off))
		return NC_DROP_IP_BAD_LEN;
	end += off;
	nh = ip->proto;
	for (n = 0;; n++) {
		const uint8_t *h = d + off;
		uint32_t hlen;

		switch (nh) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
		case NC_IPPROTO_ICMPV6:
			p->proto = nh;
			p->l4_off = (uint16_t)off;
			p->l4_len = (uint16_t)(end - off);
			return nc_pkt_parse_l4(d, p, 1);
		case NC_IP6_HOP_BY_HOP:
		case NC_IP6_ROUTING:
		case NC_IP6_FRAGMENT:
		case NC_IP6_DEST_OPTS:
			/* next header, then length in 8-byte units beyond the
			 * first 8 (the fragment header's is reserved: 8) */
			if (unlikely(end - off < 8))
				return NC_DROP_IP_BAD_LEN;
			hlen = nh == NC_IP6_FRAGMENT ? 8 : ((uint32_t)h[1] + 1) * 8;
			if (unlikely(hlen > end - off))
				return NC_DROP_IP_BAD_LEN;
			if (unlikely(nh == NC_IP6_FRAGMENT)) {
				p->l4_off = (uint16_t)off;   /* where it is, for reassembly */
				return NC_DROP_IP_FRAGMENT;
			}
			if (unlikely(n == NC_IP6_EXT_MAX))
				return NC_DROP_IP6_EXT_CHAIN;
			if (unlikely(nh == NC_IP6_HOP_BY_HOP))
				return NC_DROP_IP6_HOP_BY_HOP;
			/* routing header: next, length, routing type, segments left */
			if (nh == NC_IP6_ROUTING && unlikely(h[2] == 0 || h[3] != 0))
				return NC_DROP_IP6_ROUTING;
			nh = h[0];
			off += hlen;
			break;
		case NC_IP6_ESP:
		case NC_IP6_AH:
		case NC_IP6_MOBILITY:
		case NC_IP6_HIP:
		case NC_IP6_SHIM6:
		case NC_IP6_EXP1:
		case NC_IP6_EXP2:
			return unlikely(n == NC_IP6_EXT_MAX) ? NC_DROP_IP6_EXT_CHAIN :
				NC_DROP_IP6_EXT_UNKNOWN;
		default:
			/* NC_IP6_NO_NEXT, or an upper layer we do not serve */
			return NC_DROP_L4_UNSUPPORTED;
		}
	}
}

/*
 * Parse Ethernet / IPv4 / TCP|UDP|ICMP headers of a frame of <len> bytes at <d>,
 * as received on a port whose MAC is <port_mac>. Returns NC_DROP_MAX when the
 * frame is well-formed (fills <p>), else the drop reason. ARP frames return
 * NC_DROP_MAX with p->is_arp set; IPv6 frames (nc_pkt_parse6) with p->is_v6
 * set, also when sent to an IPv6 multicast MAC (33:33:...: neighbor
 * solicitations go to the solicited-node group). <ip_csum_good>: the NIC
 * already verified it. Checks follow the order of NC_FOREACH_DROP.
 * Fast path: no side effects.
 */
static __rte_always_inline enum nc_drop
nc_pkt_parse(const uint8_t *d, uint32_t len, const struct rte_ether_addr *port_mac,
	     int ip_csum_good, struct nc_pkt *p)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)d;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot;

	if (unlikely(len < sizeof(*eth)))
		return NC_DROP_SHORT_FRAME;
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, port_mac) &&
		     !rte_is_broadcast_ether_addr(&eth->dst_addr) &&
		     !(eth->dst_addr.addr_bytes[0] == 0x33 && eth->dst_addr.addr_bytes[1] == 0x33 &&
		       eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))))
		return NC_DROP_L2_OTHER_HOST;
	if (unlikely(eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
			return nc_pkt_parse6(d, len, p);
		if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
			if (len < sizeof(*eth) + sizeof(struct rte_arp_hdr))
				return NC_DROP_SHORT_FRAME;
			p->is_arp = 1;
			p->is_v6 = 0;
			p->l3_off = sizeof(*eth);
			return NC_DROP_MAX;
		}
		return NC_DROP_L2_UNSUPPORTED;
	}
	p->is_arp = 0;
	p->is_v6 = 0;
	p->l3_off = sizeof(*eth);
	if (unlikely(len < sizeof(*eth) + sizeof(*ip)))
		return NC_DROP_SHORT_FRAME;
	ip = (const struct rte_ipv4_hdr *)(d + sizeof(*eth));
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(ip->version_ihl != RTE_IPV4_VHL_DEF)) {   /* one test for the usual header */
		if ((ip->version_ihl >> 4) != 4 || (ip->version_ihl & 0xf) < 5)
			return NC_DROP_IP_BAD_HEADER;
		ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
		if (tot < ihl || tot > len - sizeof(*eth))
			return NC_DROP_IP_BAD_LEN;
		return NC_DROP_IP_OPTIONS;
	}
	if (unlikely(tot < sizeof(*ip) || tot > len - sizeof(*eth)))
		return NC_DROP_IP_BAD_LEN;
	if (!ip_csum_good && unlikely(!nc_ipv4_hdr20_csum_ok(ip)))
		return NC_DROP_IP_BAD_CSUM;
	if (unlikely(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return NC_DROP_IP_FRAGMENT;
	p->proto = ip->next_proto_id;
	p->l4_off = (uint16_t)(sizeof(*eth) + sizeof(*ip));
	p->l4_len = (uint16_t)(tot - sizeof(*ip));
	return nc_pkt_parse_l4(d, p, 0);
}

/*
 * Upper-layer checksum of an IPv6 packet <ip> whose <proto> header (TCP, UDP,
 * ICMPv6) of <l4_len> bytes is at <l4>, with the IPv6 pseudo-header (RFC 8200
 * 8.1: source, destination, 32-bit length, next header). With the checksum
 * field zeroed: the value to store (raw memory; a UDP 0 is sent as 0xffff).
 * With the field as received: 0 when it verifies (UDP: 0xffff). Any lcore.
 * The destination is the packet's own, so a routing header must have no
 * segment left (nc_pkt_parse6 guarantees it).
 */
static inline uint16_t
nc_ipv6_l4_csum(const struct rte_ipv6_hdr *ip, const void *l4, uint32_t l4_len, uint8_t proto)
{
	uint32_t s;
	uint16_t c;

	s = __rte_raw_cksum(ip->src_addr, sizeof(ip->src_addr) + sizeof(ip->dst_addr), 0);
	/* the length and next-header words, in memory order */
	s += rte_cpu_to_be_16((uint16_t)(l4_len >> 16)) + rte_cpu_to_be_16((uint16_t)l4_len) +
		rte_cpu_to_be_16(proto);
	s = __rte_raw_cksum(l4, l4_len, s);
	c = (uint16_t)~__rte_raw_cksum_reduce(s);
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

/* ---- sources and flags no host may send (checked before a flow opens) ---- */

/*
 * An IPv4 source address (network order) that is never valid on the wire
 * (RFC 1122 3.2.1.3, RFC 6890): "this network" 0/8, loopback 127/8,
 * multicast 224/4, reserved 240/4 and the limited broadcast 255.255.255.255.
 * Returns 1 if so. Any lcore.
 */
static inline int
nc_ip4_src_martian(uint32_t ip)
{
	uint8_t a = ((const uint8_t *)&ip)[0];

	return a == 0 || a == 127 || a >= 224;
}

/*
 * An IPv6 source address (16 bytes) that is never valid on the wire
 * (RFC 4291 2.5.2, 2.5.3, 2.7; RFC 4038 for mapped addresses): unspecified
 * ::, loopback ::1, multicast ff00::/8, IPv4-mapped ::ffff:0:0/96. Returns 1
 * if so. Any lcore.
 */
static inline int
nc_ip6_src_martian(const uint8_t *ip)
{
	static const uint8_t mapped[4] = { 0, 0, 0xff, 0xff };
	uint64_t hi;
	uint32_t mid, lo;

	if (ip[0] == 0xff)
		return 1;
	memcpy(&hi, ip, 8);   /* frames sit 2-byte aligned */
	if (hi != 0)
		return 0;
	memcpy(&mid, ip + 8, 4);
	memcpy(&lo, ip + 12, 4);
	if (mid == 0 && (lo == 0 || lo == RTE_BE32(1)))
		return 1;
	return memcmp(ip + 8, mapped, 4) == 0;
}

/*
 * TCP flags no valid segment carries, as PF's scrub (pf_normalize_tcp)
 * rejects them: SYN with RST or FIN; neither SYN, ACK nor RST (a null or
 * FIN-only scan); FIN, PSH or URG without ACK. Returns 1 if <flags> is such
 * a set. Any lcore.
 */
static inline int
nc_tcp_flags_bad(uint8_t flags)
{
	if (flags & RTE_TCP_SYN_FLAG)
		return (flags & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG)) != 0 ||
		       (!(flags & RTE_TCP_ACK_FLAG) && (flags & (RTE_TCP_PSH_FLAG | RTE_TCP_URG_FLAG)));
	if (!(flags & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)))
		return 1;
	return !(flags & RTE_TCP_ACK_FLAG) &&
	       (flags & (RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_URG_FLAG)) != 0;
}

/*
 * A MAC address a neighbor may have: unicast and not all zero. Any lcore.
 */
static inline int
nc_mac_is_neighbor(const struct rte_ether_addr *mac)
{
	return rte_is_unicast_ether_addr(mac) && !rte_is_zero_ether_addr(mac);
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

/* ---- IPv6 neighbor discovery (RFC 4861) and ICMPv6 echo: control lcore ---- */

/* A Neighbor Solicitation or Advertisement, as nc_nd_parse found it. */
struct nc_nd {
	uint8_t type;                  /* NC_ND_NS or NC_ND_NA */
	uint8_t flags;                 /* NA: NC_ND_NA_R, _S, _O */
	uint8_t has_lladdr;
	uint8_t target[16];
	uint8_t src[16];               /* IPv6 source; :: for a DAD probe */
	struct rte_ether_addr lladdr;  /* NS: source LL option; NA: target LL option */
};

/*
 * Validate the Neighbor Solicitation or Advertisement of <len> bytes at <d>
 * (parsed as <p>) as RFC 4861 7.1.1 and 7.1.2 ask: hop limit 255, code 0,
 * ICMPv6 length 24 or more, checksum right, target not multicast, every
 * option of non-zero length and inside the packet; an NS from :: carries no
 * source link-layer option and goes to a solicited-node address; an NA to a
 * multicast address has S clear. Fills <nd>. Control lcore. Returns 0, or
 * -EINVAL when it is not ND or not valid.
 */
int nc_nd_parse(const uint8_t *d, uint32_t len, const struct nc_pkt *p, struct nc_nd *nd);

/*
 * Turn the Neighbor Solicitation in <m> (parsed as <p>, validated into <ns>)
 * into the solicited advertisement for it, in place: from <ns>'s target and
 * <mac> to the solicitor (flags S and O), or to all-nodes ff02::1 (S clear)
 * when it came from :: (DAD); target link-layer option <mac>, hop limit 255.
 * Control lcore. Returns 0, -EINVAL if <ns> is not an NS or <m> is chained, or
 * -ENOSPC when the buffer cannot hold the 86-byte answer.
 */
int nc_nd_make_na(struct rte_mbuf *m, const struct nc_pkt *p, const struct nc_nd *ns,
		  const struct rte_ether_addr *mac);

/*
 * Build a multicast Neighbor Solicitation for <target> (16 bytes) into <m>
 * (reset first): to its solicited-node address ff02::1:ffXX:XXXX and MAC
 * 33:33:ff:XX:XX:XX, from <src_ip> and <src_mac>, with a source link-layer
 * option. Control lcore. Returns 0 or -ENOSPC.
 */
int nc_nd_make_ns(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
		  const uint8_t *src_ip, const uint8_t *target);

/*
 * As nc_nd_make_ns(), the unicast solicitation that re-probes a known
 * neighbor (RFC 4861 7.3.3, state PROBE): to <target> itself at <dst_mac>.
 * Control lcore. Returns 0 or -ENOSPC.
 */
int nc_nd_make_ns_unicast(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
			  const uint8_t *src_ip, const uint8_t *target,
			  const struct rte_ether_addr *dst_mac);

/*
 * Build an unsolicited Neighbor Advertisement for <ip> into <m> (reset
 * first): to all-nodes ff02::1, from <ip> and <mac>, flag O, target
 * link-layer option <mac> - IPv6's gratuitous ARP. Control lcore. Returns 0
 * or -ENOSPC.
 */
int nc_nd_make_unsolicited_na(struct rte_mbuf *m, const struct rte_ether_addr *mac,
			      const uint8_t *ip);

/*
 * Turn the ICMPv6 echo request in <m> (parsed as <p>) into its echo reply,
 * in place: addresses swapped (Ethernet and IPv6), type 129, hop limit 64,
 * checksum updated, Ethernet padding trimmed. Control lcore. Returns 0, or
 * -EINVAL if it is not an echo request or went to a multicast address.
 */
int nc_icmp6_make_echo_reply(struct rte_mbuf *m, const struct nc_pkt *p);

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

/* "PROXY TCP6 " 11, two addresses of 8 full groups 2 * 39, "65535 65535" and
 * three spaces 14, CRLF 2: longer than any TCP4 line (56) */
#define NC_PROXY_V1_MAX  104
#define NC_PROXY_V2_LEN  28   /* signature 12, version/command, family, length 2, addresses 12 */
#define NC_PROXY_V2_LEN6 52   /* ... AF_INET6: addresses 36 */
#define NC_TOA_KIND      254
#define NC_TOA_LEN       8    /* kind, length, port, IPv4 address */
#define NC_TOA6_LEN      20   /* kind, length, port, IPv6 address (DPVS) */

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

/*
 * The same of an IPv6 connection: "PROXY TCP6 <src> <dst> <sport> <dport>\r\n"
 * with the addresses (16 bytes each) as inet_ntop() writes them. Returns its
 * length (NC_PROXY_V1_MAX at most). Any lcore.
 */
unsigned int nc_proxy_v1_build6(uint8_t *out, const uint8_t *src_ip, const uint8_t *dst_ip,
				uint16_t src_port, uint16_t dst_port);

/* The PROXY v2 header of an IPv6 connection or datagram (AF_INET6, STREAM
 * or DGRAM as <proto>) into <out>. Returns NC_PROXY_V2_LEN6. Any lcore. */
unsigned int nc_proxy_v2_build6(uint8_t *out, uint8_t proto, const uint8_t *src_ip,
				const uint8_t *dst_ip, uint16_t src_port, uint16_t dst_port);

/* The TOA option (kind 254, length 8, port, address; network order) into <out>. */
void nc_toa_build(uint8_t *out, uint32_t ip, uint16_t port);

/* The IPv6 TOA option (kind 254, length 20, port, 16-byte address) into <out>. */
void nc_toa6_build(uint8_t *out, const uint8_t *ip, uint16_t port);

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

/*
 * Receive-side scaling, predicted: the low bits of the Toeplitz hash a NIC
 * computes over a packet's addresses and ports (IPv4 and IPv6, TCP and UDP),
 * as receive queue i of a port whose redirection table spreads its entries
 * round robin over 2^k queues gets the packets whose hash ends in i's k
 * bits. Toeplitz is linear over XOR: a tuple's hash is the XOR of its bytes'
 * own, each byte's read from a table built once with DPDK's reference
 * (rte_softrss). A worker can so tell which queue a server's answer will
 * reach before it picks the local port the answer comes back to.
 */
#define NC_RSS_KEY_LEN 40

/* The 40-byte key NICs commonly ship with (Microsoft's RSS verification
 * key); the appliance sets it on every port it spreads over queues. */
extern const uint8_t nc_rss_key_default[NC_RSS_KEY_LEN];

struct nc_rss {
	uint8_t v4[12][256];   /* [byte of src, dst, sport, dport][value]: its hash's low byte */
	uint8_t v6[36][256];   /* the same over an IPv6 packet's */
};

/* Build <r> for <key>. Any lcore. */
void nc_rss_init(struct nc_rss *r, const uint8_t key[NC_RSS_KEY_LEN]);

/* The low byte of the Toeplitz hash of an IPv4 packet from <src>:<sport> to
 * <dst>:<dport> (network order); zeros stand for a part left out, so the
 * shares of the parts XOR together. Any lcore. */
static inline uint8_t
nc_rss4(const struct nc_rss *r, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	const uint8_t *s = (const uint8_t *)&src, *d = (const uint8_t *)&dst;
	const uint8_t *sp = (const uint8_t *)&sport, *dp = (const uint8_t *)&dport;

	return (uint8_t)(r->v4[0][s[0]] ^ r->v4[1][s[1]] ^ r->v4[2][s[2]] ^ r->v4[3][s[3]] ^
			 r->v4[4][d[0]] ^ r->v4[5][d[1]] ^ r->v4[6][d[2]] ^ r->v4[7][d[3]] ^
			 r->v4[8][sp[0]] ^ r->v4[9][sp[1]] ^ r->v4[10][dp[0]] ^ r->v4[11][dp[1]]);
}

/* nc_rss4() for an IPv6 packet from [<src>]:<sport> to [<dst>]:<dport>; a
 * NULL address stands for a part left out. Any lcore. */
static inline uint8_t
nc_rss6(const struct nc_rss *r, const uint8_t *src, const uint8_t *dst, uint16_t sport,
	uint16_t dport)
{
	const uint8_t *sp = (const uint8_t *)&sport, *dp = (const uint8_t *)&dport;
	uint8_t h = (uint8_t)(r->v6[32][sp[0]] ^ r->v6[33][sp[1]] ^ r->v6[34][dp[0]] ^ r->v6[35][dp[1]]);
	unsigned int i;

	for (i = 0; src != NULL && i < 16; i++)
		h ^= r->v6[i][src[i]];
	for (i = 0; dst != NULL && i < 16; i++)
		h ^= r->v6[16 + i][dst[i]];
	return h;
}

#endif /* NC_NET_H */
