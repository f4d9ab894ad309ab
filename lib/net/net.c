/* SPDX-License-Identifier: BSD-3-Clause
 * Packet builders for the control lcore: ARP, ICMP echo, IPv6 neighbor
 * discovery and ICMPv6 echo.
 */
#include <errno.h>

#include "nc_net.h"

const char *const nc_drop_name[NC_DROP_MAX] = {
#define NC_DROP_NAME(e, n, d) [NC_DROP_##e] = n,
	NC_FOREACH_DROP(NC_DROP_NAME)
#undef NC_DROP_NAME
};

const char *const nc_drop_desc[NC_DROP_MAX] = {
#define NC_DROP_DESC(e, n, d) [NC_DROP_##e] = d,
	NC_FOREACH_DROP(NC_DROP_DESC)
#undef NC_DROP_DESC
};

int
nc_arp_make_reply(struct rte_mbuf *m, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp;
	uint32_t tip;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp))
		return -EINVAL;
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4 ||
	    arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST))
		return -EINVAL;
	tip = arp->arp_data.arp_tip;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = *mac;
	arp->arp_data.arp_sip = tip;
	eth->dst_addr = arp->arp_data.arp_tha;
	eth->src_addr = *mac;
	/* Trim any padding the request carried; the PMD pads short frames. */
	rte_pktmbuf_data_len(m) = sizeof(*eth) + sizeof(*arp);
	rte_pktmbuf_pkt_len(m) = sizeof(*eth) + sizeof(*arp);
	return 0;
}

int
nc_arp_make_request(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
		    uint32_t src_ip, uint32_t target_ip)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	rte_pktmbuf_reset(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL)
		return -ENOSPC;
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = *src_mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = *src_mac;
	arp->arp_data.arp_sip = src_ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = target_ip;
	return 0;
}

int
nc_icmp_make_echo_reply(struct rte_mbuf *m, const struct nc_pkt *p)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(d + p->l3_off);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(d + p->l4_off);
	struct rte_ether_addr tmac;
	uint32_t tip;
	uint16_t old;

	if (p->proto != IPPROTO_ICMP || ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
	    ic->icmp_code != 0)
		return -EINVAL;
	tmac = eth->src_addr;
	eth->src_addr = eth->dst_addr;
	eth->dst_addr = tmac;
	tip = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = tip;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	/* type 8 -> 0 changes the first 16-bit word (type, code) only */
	old = *(uint16_t *)ic;
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = nc_csum_adjust(ic->icmp_cksum, nc_csum_delta16(old, *(uint16_t *)ic));
	/* drop Ethernet padding beyond the IP packet */
	rte_pktmbuf_data_len(m) = (uint16_t)(p->l4_off + p->l4_len);
	rte_pktmbuf_pkt_len(m) = rte_pktmbuf_data_len(m);
	return 0;
}

/* ---- IPv6 neighbor discovery and ICMPv6 echo ---- */

#define ND_HDR_LEN   24     /* type, code, checksum, flags/reserved, target */
#define ND_OPT_LL    8      /* an Ethernet link-layer address option */
#define ND_FRAME_LEN (RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) + ND_HDR_LEN + ND_OPT_LL)

static const uint8_t ip6_all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

static int
ip6_is_unspec(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* ff02::1:ffXX:XXXX, the solicited-node group of <a> (RFC 4291 2.7.1). */
static void
ip6_solicited_node(uint8_t *out, const uint8_t *a)
{
	memset(out, 0, 16);
	out[0] = 0xff;
	out[1] = 0x02;
	out[11] = 0x01;
	out[12] = 0xff;
	memcpy(out + 13, a + 13, 3);
}

/* 33:33 and the last four bytes of the IPv6 multicast address <a> (RFC 2464 7). */
static void
ip6_mcast_mac(struct rte_ether_addr *mac, const uint8_t *a)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(mac->addr_bytes + 2, a + 12, 4);
}

int
nc_nd_parse(const uint8_t *d, uint32_t len, const struct nc_pkt *p, struct nc_nd *nd)
{
	const struct rte_ipv6_hdr *ip;
	const uint8_t *ic, *o;
	uint32_t off, olen;
	uint8_t snm[16];
	int has_ll = 0;

	if (!p->is_v6 || p->proto != NC_IPPROTO_ICMPV6 || p->l4_len < ND_HDR_LEN ||
	    (uint32_t)p->l4_off + p->l4_len > len)
		return -EINVAL;
	ip = (const struct rte_ipv6_hdr *)(d + p->l3_off);
	ic = d + p->l4_off;
	if ((ic[0] != NC_ND_NS && ic[0] != NC_ND_NA) || ic[1] != 0 ||
	    ip->hop_limits != NC_ND_HOP_LIMIT)
		return -EINVAL;
	if (nc_ipv6_l4_csum(ip, ic, p->l4_len, NC_IPPROTO_ICMPV6) != 0)
		return -EINVAL;
	memset(nd, 0, sizeof(*nd));
	nd->type = ic[0];
	nd->flags = nd->type == NC_ND_NA ? ic[4] & (NC_ND_NA_R | NC_ND_NA_S | NC_ND_NA_O) : 0;
	memcpy(nd->target, ic + 8, 16);
	memcpy(nd->src, ip->src_addr, 16);
	if (nd->target[0] == 0xff)
		return -EINVAL;
	for (off = ND_HDR_LEN; off < p->l4_len; off += olen) {
		o = ic + off;
		if (p->l4_len - off < 2 || o[1] == 0)
			return -EINVAL;
		olen = (uint32_t)o[1] * 8;
		if (olen > p->l4_len - off)
			return -EINVAL;
		if (o[0] == (nd->type == NC_ND_NS ? NC_ND_OPT_SRC_LL : NC_ND_OPT_TGT_LL)) {
			has_ll = 1;
			/* an Ethernet address fits in length 1; others are not ours */
			if (o[1] == 1) {
				nd->has_lladdr = 1;
				memcpy(nd->lladdr.addr_bytes, o + 2, RTE_ETHER_ADDR_LEN);
			}
		}
	}
	if (nd->type == NC_ND_NS && ip6_is_unspec(nd->src)) {
		ip6_solicited_node(snm, nd->target);
		if (has_ll || memcmp(ip->dst_addr, snm, 16) != 0)
			return -EINVAL;
	}
	if (nd->type == NC_ND_NA && ip->dst_addr[0] == 0xff && (nd->flags & NC_ND_NA_S))
		return -EINVAL;
	return 0;
}

/*
 * Write an 86-byte ND frame at <d>: Ethernet <dmac> <smac>, IPv6 <sip> to
 * <dip> with hop limit 255, ICMPv6 <type> with <flags> (NA) and <target>, one
 * link-layer option <opt> carrying <smac>, checksum.
 */
static void
nd_fill(uint8_t *d, const struct rte_ether_addr *dmac, const struct rte_ether_addr *smac,
	const uint8_t *sip, const uint8_t *dip, uint8_t type, uint8_t flags,
	const uint8_t *target, uint8_t opt)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);
	uint8_t *ic = (uint8_t *)(ip + 1);
	uint16_t c;

	eth->dst_addr = *dmac;
	eth->src_addr = *smac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = RTE_BE16(ND_HDR_LEN + ND_OPT_LL);
	ip->proto = NC_IPPROTO_ICMPV6;
	ip->hop_limits = NC_ND_HOP_LIMIT;
	memcpy(ip->src_addr, sip, 16);
	memcpy(ip->dst_addr, dip, 16);
	memcpy(ic + 8, target, 16);
	ic[0] = type;
	ic[1] = 0;
	ic[2] = 0;
	ic[3] = 0;
	ic[4] = flags;
	ic[5] = ic[6] = ic[7] = 0;
	ic[24] = opt;
	ic[25] = 1;
	memcpy(ic + 26, smac->addr_bytes, RTE_ETHER_ADDR_LEN);
	c = nc_ipv6_l4_csum(ip, ic, ND_HDR_LEN + ND_OPT_LL, NC_IPPROTO_ICMPV6);
	memcpy(ic + 2, &c, 2);
}

int
nc_nd_make_na(struct rte_mbuf *m, const struct nc_pkt *p, const struct nc_nd *ns,
	      const struct rte_ether_addr *mac)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_addr dmac;
	uint8_t dip[16], target[16];
	uint8_t flags = NC_ND_NA_S | NC_ND_NA_O;

	if (!p->is_v6 || ns->type != NC_ND_NS || m->nb_segs != 1)
		return -EINVAL;
	if ((uint32_t)rte_pktmbuf_data_len(m) + rte_pktmbuf_tailroom(m) < ND_FRAME_LEN)
		return -ENOSPC;
	/* nd_fill writes over the frame: take what it needs first */
	memcpy(target, ns->target, 16);
	if (ip6_is_unspec(ns->src)) {
		/* DAD: the prober has no address yet; tell every node (RFC 4861 7.2.4) */
		memcpy(dip, ip6_all_nodes, 16);
		ip6_mcast_mac(&dmac, dip);
		flags = NC_ND_NA_O;
	} else {
		memcpy(dip, ns->src, 16);
		dmac = ((struct rte_ether_hdr *)d)->src_addr;
	}
	nd_fill(d, &dmac, mac, target, dip, NC_ND_NA, flags, target, NC_ND_OPT_TGT_LL);
	rte_pktmbuf_data_len(m) = ND_FRAME_LEN;
	rte_pktmbuf_pkt_len(m) = ND_FRAME_LEN;
	return 0;
}

int
nc_nd_make_ns(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
	      const uint8_t *src_ip, const uint8_t *target)
{
	struct rte_ether_addr dmac;
	uint8_t dip[16];
	uint8_t *d;

	rte_pktmbuf_reset(m);
	d = (uint8_t *)rte_pktmbuf_append(m, ND_FRAME_LEN);
	if (d == NULL)
		return -ENOSPC;
	ip6_solicited_node(dip, target);
	ip6_mcast_mac(&dmac, dip);
	nd_fill(d, &dmac, src_mac, src_ip, dip, NC_ND_NS, 0, target, NC_ND_OPT_SRC_LL);
	return 0;
}

int
nc_nd_make_ns_unicast(struct rte_mbuf *m, const struct rte_ether_addr *src_mac,
		      const uint8_t *src_ip, const uint8_t *target, const struct rte_ether_addr *dst_mac)
{
	uint8_t *d;

	rte_pktmbuf_reset(m);
	d = (uint8_t *)rte_pktmbuf_append(m, ND_FRAME_LEN);
	if (d == NULL)
		return -ENOSPC;
	nd_fill(d, dst_mac, src_mac, src_ip, target, NC_ND_NS, 0, target, NC_ND_OPT_SRC_LL);
	return 0;
}

int
nc_nd_make_unsolicited_na(struct rte_mbuf *m, const struct rte_ether_addr *mac,
			  const uint8_t *ip)
{
	struct rte_ether_addr dmac;
	uint8_t *d;

	rte_pktmbuf_reset(m);
	d = (uint8_t *)rte_pktmbuf_append(m, ND_FRAME_LEN);
	if (d == NULL)
		return -ENOSPC;
	ip6_mcast_mac(&dmac, ip6_all_nodes);
	nd_fill(d, &dmac, mac, ip, ip6_all_nodes, NC_ND_NA, NC_ND_NA_O, ip, NC_ND_OPT_TGT_LL);
	return 0;
}

int
nc_icmp6_make_echo_reply(struct rte_mbuf *m, const struct nc_pkt *p)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(d + p->l3_off);
	uint8_t *ic = d + p->l4_off;
	struct rte_ether_addr tmac;
	uint8_t tip[16];
	uint16_t old, new, c;

	if (!p->is_v6 || p->proto != NC_IPPROTO_ICMPV6 || ic[0] != NC_ICMP6_ECHO_REQUEST ||
	    ic[1] != 0 || ip->dst_addr[0] == 0xff)
		return -EINVAL;
	tmac = eth->src_addr;
	eth->src_addr = eth->dst_addr;
	eth->dst_addr = tmac;
	/* the pseudo-header sums both addresses: swapping them changes nothing */
	memcpy(tip, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, tip, 16);
	ip->hop_limits = 64;
	/* type 128 -> 129 changes the first 16-bit word (type, code) only */
	memcpy(&old, ic, 2);
	ic[0] = NC_ICMP6_ECHO_REPLY;
	memcpy(&new, ic, 2);
	memcpy(&c, ic + 2, 2);
	c = nc_csum_adjust(c, nc_csum_delta16(old, new));
	memcpy(ic + 2, &c, 2);
	rte_pktmbuf_data_len(m) = (uint16_t)(p->l4_off + p->l4_len);
	rte_pktmbuf_pkt_len(m) = rte_pktmbuf_data_len(m);
	return 0;
}
