/* SPDX-License-Identifier: BSD-3-Clause
 * Packet builders for the control lcore: ARP and ICMP echo.
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
