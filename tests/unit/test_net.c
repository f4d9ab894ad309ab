/* SPDX-License-Identifier: BSD-3-Clause
 * lib/net: the parser's verdict for every drop reason and for valid frames,
 * RFC 1624 incremental checksums against full recomputation, and the ARP,
 * ICMP echo, neighbor discovery and ICMPv6 echo builders byte for byte, TCP
 * sequence-number arithmetic across the wrap, the predicted RSS hash against
 * Microsoft's published verification vectors and DPDK's rte_softrss.
 * EAL-free: mbufs are laid over local buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <rte_thash.h>

#include "nc_net.h"
#include "nc_syncookie.h"
#include "pkt_build.h"

static const struct rte_ether_addr port_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };

/* ---------------------------------------------------------------- parser */

#define EDIT(name, body) static void name(struct pb_pkt *p) { body; }
#define AEDIT(name, body) static void name(struct pb_arp *a) { body; }

static const uint8_t payload64[64] = { 'n', 'e', 't', 'c', 'h', 'e', 's', 't', 'r', 'a' };

EDIT(e_none, (void)p)
EDIT(e_trunc13, p->truncate = 13)
EDIT(e_trunc33, p->truncate = PB_ETH_LEN + 19)
EDIT(e_dst_other, p->dst_mac[5] = 0x99)
EDIT(e_dst_mcast, memcpy(p->dst_mac, "\x01\x00\x5e\x00\x00\x01", 6))
EDIT(e_dst_bcast, memset(p->dst_mac, 0xff, 6))
EDIT(e_ipv6, p->ethertype = PB_ETH_IPV6)
EDIT(e_vlan, p->ethertype = PB_ETH_VLAN)
EDIT(e_ver6, p->ip_version = 6)
EDIT(e_ver0, p->ip_version = 0)
EDIT(e_ihl4, p->ihl_field = 4)
EDIT(e_ihl0, p->ihl_field = 0)
EDIT(e_tot19, p->tot_len_adj = -(int)(20 + 20) + 19)
EDIT(e_tot_beyond, p->tot_len_adj = 1)
EDIT(e_tot_max, p->tot_len_adj = 0xffff - 40)
EDIT(e_tot_beyond_pad, p->pad = 6; p->tot_len_adj = 7)
EDIT(e_ihl6, p->ihl = 6)
EDIT(e_ihl15, p->ihl = 15)
EDIT(e_csum, p->ip_csum_xor = 0x0001)
EDIT(e_csum_hi, p->ip_csum_xor = 0x8000)
EDIT(e_csum_frag, p->ip_csum_xor = 0x0100; p->frag = 0x2000)
EDIT(e_mf, p->frag = 0x2000)
EDIT(e_off1, p->frag = 0x4001)
EDIT(e_off_last, p->frag = 0x00b9)
EDIT(e_df, p->frag = 0x4000)
EDIT(e_no_flags, p->frag = 0)
EDIT(e_gre, p->proto = 47)
EDIT(e_ipv6_in_ip, p->proto = 41)
EDIT(e_sctp, p->proto = 132)
EDIT(e_tcp_l4_19, p->tot_len_adj = -1)
EDIT(e_tcp_l4_0, p->tot_len_adj = -20)
EDIT(e_doff4, p->doff_field = 4)
EDIT(e_doff0, p->doff_field = 0)
EDIT(e_doff6, p->doff_field = 6)
EDIT(e_doff15_short, p->doff_field = 15; p->payload = payload64; p->payload_len = 39)
EDIT(e_doff15_fits, p->tcp_doff = 15; p->payload = payload64; p->payload_len = 10)
EDIT(e_tcp_opts, p->tcp_doff = 8; p->payload = payload64; p->payload_len = 64)
EDIT(e_tcp_pad, p->pad = 6)
EDIT(e_udp_len7, p->udp_len_adj = -1)
EDIT(e_udp_len0, p->udp_len_adj = -8)
EDIT(e_udp_len_beyond, p->payload = payload64; p->payload_len = 4; p->udp_len_adj = 1)
EDIT(e_udp_l4_7, p->tot_len_adj = -1)
EDIT(e_udp_payload, p->payload = payload64; p->payload_len = 37)
EDIT(e_udp_nocsum, p->udp_no_csum = true; p->payload = payload64; p->payload_len = 5)
EDIT(e_udp_short_len, p->payload = payload64; p->payload_len = 20; p->udp_len_adj = -10)
EDIT(e_icmp_l4_7, p->tot_len_adj = -1)
EDIT(e_icmp_payload, p->payload = payload64; p->payload_len = 56)
EDIT(e_icmp_l4_8_pad, p->pad = 18)

/* IPv6: <n> extension headers of <type> appended to the chain */
static void
add_ext(struct pb_pkt *p, uint8_t type, unsigned int n)
{
	while (n-- > 0)
		p->ext[p->n_ext++] = (struct pb_ext6){ .type = type };
}

static void
add_rt(struct pb_pkt *p, uint8_t rt_type, uint8_t seg_left)
{
	p->ext[p->n_ext++] = (struct pb_ext6){ .type = 43, .rt_type = rt_type, .seg_left = seg_left };
}

EDIT(e6_trunc53, p->truncate = PB_ETH_LEN + 39)
EDIT(e6_trunc53_hbh, p->truncate = PB_ETH_LEN + 39; add_ext(p, 0, 1))
EDIT(e6_other_mac, p->dst_mac[5] = 0x99)
EDIT(e6_other_mac_ver4, p->dst_mac[5] = 0x99; p->ip_version = 4)
EDIT(e6_mcast_v4mac, memcpy(p->dst_mac, "\x01\x00\x5e\x00\x00\x01", 6))
EDIT(e6_snm_mac, memcpy(p->dst_mac, "\x33\x33\xff\x00\x01\x00", 6))
EDIT(e6_allnodes_mac, memcpy(p->dst_mac, "\x33\x33\x00\x00\x00\x01", 6))
EDIT(e_v4_snm_mac, memcpy(p->dst_mac, "\x33\x33\xff\x00\x01\x00", 6))
EDIT(e6_ver4, p->ip_version = 4)
EDIT(e6_ver0, p->ip_version = 0)
EDIT(e6_ver4_plen0, p->ip_version = 4; p->tot_len_adj = -20)
EDIT(e6_plen0, p->tot_len_adj = -20)
EDIT(e6_plen0_hbh, p->tot_len_adj = -28; add_ext(p, 0, 1))
EDIT(e6_plen_beyond, p->tot_len_adj = 1)
EDIT(e6_plen_beyond_pad, p->pad = 6; p->tot_len_adj = 7)
EDIT(e6_plen_max, p->tot_len_adj = 0xffff - 20)
EDIT(e6_ext_past, p->proto = 59; add_ext(p, 60, 1); p->ext[0].len = 1; p->tot_len_adj = -8)
EDIT(e6_ext_stub, p->proto = 59; add_ext(p, 60, 1); p->tot_len_adj = -4)
EDIT(e6_hbh_past, p->proto = 59; add_ext(p, 0, 1); p->tot_len_adj = -1)
EDIT(e6_frag_stub, p->proto = 59; add_ext(p, 44, 1); p->tot_len_adj = -1)
EDIT(e6_frag_first, add_ext(p, 44, 1); p->ext[0].frag = 1)
EDIT(e6_frag_last, add_ext(p, 44, 1); p->ext[0].frag = 0x00b8)
EDIT(e6_frag_atomic, add_ext(p, 44, 1))
EDIT(e6_dst_frag, add_ext(p, 60, 1); add_ext(p, 44, 1))
EDIT(e6_chain9, add_ext(p, 60, 9))
EDIT(e6_chain8, add_ext(p, 60, 8))
EDIT(e6_chain8_ah, add_ext(p, 60, 8); add_ext(p, 51, 1))
EDIT(e6_chain8_frag, add_ext(p, 60, 8); add_ext(p, 44, 1))
EDIT(e6_chain9_past, add_ext(p, 60, 9); p->ext[8].len = 2; p->tot_len_adj = -28)
EDIT(e6_chain12, add_ext(p, 60, 12))
EDIT(e6_hbh, add_ext(p, 0, 1))
EDIT(e6_dst_hbh, add_ext(p, 60, 1); add_ext(p, 0, 1))
EDIT(e6_hbh_rt0, add_ext(p, 0, 1); add_rt(p, 0, 0))
EDIT(e6_rt0, add_rt(p, 0, 0))
EDIT(e6_rt0_segleft, add_rt(p, 0, 2))
EDIT(e6_rt4_segleft, add_rt(p, 4, 1))
EDIT(e6_rt2_segleft, add_rt(p, 2, 1))
EDIT(e6_rt4_frag, add_rt(p, 4, 1); add_ext(p, 44, 1))
EDIT(e6_rt3_ok, add_rt(p, 3, 0))
EDIT(e6_ah, add_ext(p, 51, 1))
EDIT(e6_esp, add_ext(p, 50, 1))
EDIT(e6_mobility, add_ext(p, 135, 1))
EDIT(e6_hip, add_ext(p, 139, 1))
EDIT(e6_shim6, add_ext(p, 140, 1))
EDIT(e6_exp253, add_ext(p, 253, 1))
EDIT(e6_exp254, add_ext(p, 254, 1))
EDIT(e6_ah_doff4, add_ext(p, 51, 1); p->doff_field = 4)
/* a protocol pb_build writes no header for: 8 payload bytes stand in for it */
EDIT(e6_no_next, p->proto = 59; p->payload = payload64; p->payload_len = 8)
EDIT(e6_dst_no_next, add_ext(p, 60, 1); p->proto = 59)
EDIT(e6_icmp4, p->proto = 1; p->payload = payload64; p->payload_len = 8)
EDIT(e6_gre, p->proto = 47; p->payload = payload64; p->payload_len = 8)
EDIT(e6_sctp, p->proto = 132; p->payload = payload64; p->payload_len = 12)
EDIT(e6_tcp_l4_19, p->tot_len_adj = -1)
EDIT(e6_dst_tcp_l4_19, add_ext(p, 60, 1); p->tot_len_adj = -1)
EDIT(e6_doff4, p->doff_field = 4)
EDIT(e6_doff6, p->doff_field = 6)
EDIT(e6_udp_len7, p->udp_len_adj = -1)
EDIT(e6_udp_len_beyond, p->payload = payload64; p->payload_len = 4; p->udp_len_adj = 1)
EDIT(e6_icmp_l4_7, p->tot_len_adj = -1)
EDIT(e6_dst_rt4_tcp, add_ext(p, 60, 1); p->ext[0].len = 1; add_rt(p, 4, 0);
     p->payload = payload64; p->payload_len = 10)
EDIT(e6_tcp_opts, p->tcp_doff = 8; p->payload = payload64; p->payload_len = 64)
EDIT(e6_tcp_pad, p->pad = 6)
EDIT(e6_udp_payload, p->payload = payload64; p->payload_len = 37)
EDIT(e6_icmp_payload, p->payload = payload64; p->payload_len = 56)
EDIT(e6_dst_long_udp, add_ext(p, 60, 1); p->ext[0].len = 3; p->payload = payload64;
     p->payload_len = 5)

AEDIT(a_none, (void)a)
AEDIT(a_snm_mac, memcpy(a->dst_mac, "\x33\x33\xff\x00\x01\x00", 6))
AEDIT(a_trunc41, a->truncate = PB_ETH_LEN + 27)
AEDIT(a_pad, a->pad = 18)
AEDIT(a_other, memcpy(a->dst_mac, "\x02\x00\x00\x00\x00\x77", 6))
AEDIT(a_unicast, memcpy(a->dst_mac, port_mac.addr_bytes, 6))

struct parse_case {
	const char *desc;
	uint8_t proto;                         /* base packet; 0: ARP */
	void (*edit)(struct pb_pkt *p);
	void (*aedit)(struct pb_arp *a);
	int ip_csum_good;                      /* NIC flag */
	enum nc_drop want;                     /* NC_DROP_MAX: accepted */
	uint16_t l4_off, l4_len;               /* when accepted (IPv4, IPv6) */
	uint8_t v6;                            /* base packet from pb_init6 */
};

#define DROP(d, pr, e, why) { d, pr, e, NULL, 0, NC_DROP_##why, 0, 0 }
#define ADROP(d, e, why)    { d, 0, NULL, e, 0, NC_DROP_##why, 0, 0 }
#define OK(d, pr, e, off, len) { d, pr, e, NULL, 0, NC_DROP_MAX, off, len }
#define DROP6(d, pr, e, why) { d, pr, e, NULL, 0, NC_DROP_##why, 0, 0, 1 }
#define OK6(d, pr, e, off, len) { d, pr, e, NULL, 0, NC_DROP_MAX, off, len, 1 }

static const struct parse_case parse_cases[] = {
	DROP("13-byte frame", 6, e_trunc13, SHORT_FRAME),
	DROP("IPv4 ethertype, 19 header bytes", 6, e_trunc33, SHORT_FRAME),
	ADROP("ARP of 41 bytes", a_trunc41, SHORT_FRAME),
	DROP("unicast to another MAC", 6, e_dst_other, L2_OTHER_HOST),
	DROP("IPv4 multicast MAC", 17, e_dst_mcast, L2_OTHER_HOST),
	ADROP("ARP unicast to another MAC", a_other, L2_OTHER_HOST),
	DROP("IPv4 bytes under the IPv6 ethertype", 6, e_ipv6, IP6_BAD_HEADER),
	DROP("802.1Q tag", 6, e_vlan, L2_UNSUPPORTED),
	DROP("IP version 6 in an IPv4 frame", 6, e_ver6, IP_BAD_HEADER),
	DROP("IP version 0", 17, e_ver0, IP_BAD_HEADER),
	DROP("IHL 4", 6, e_ihl4, IP_BAD_HEADER),
	DROP("IHL 0", 17, e_ihl0, IP_BAD_HEADER),
	DROP("total length 19 (below the header)", 6, e_tot19, IP_BAD_LEN),
	DROP("total length one byte beyond the frame", 6, e_tot_beyond, IP_BAD_LEN),
	DROP("total length 65535", 17, e_tot_max, IP_BAD_LEN),
	DROP("total length beyond the padding", 6, e_tot_beyond_pad, IP_BAD_LEN),
	DROP("IHL 6 (one option word)", 6, e_ihl6, IP_OPTIONS),
	DROP("IHL 15", 17, e_ihl15, IP_OPTIONS),
	DROP("IP checksum off by one", 6, e_csum, IP_BAD_CSUM),
	DROP("IP checksum high bit flipped", 17, e_csum_hi, IP_BAD_CSUM),
	DROP("bad checksum and MF: the earlier rule wins", 6, e_csum_frag, IP_BAD_CSUM),
	DROP("more-fragments flag", 6, e_mf, IP_FRAGMENT),
	DROP("fragment offset 1 with DF", 17, e_off1, IP_FRAGMENT),
	DROP("last fragment (offset, no MF)", 6, e_off_last, IP_FRAGMENT),
	DROP("GRE", 6, e_gre, L4_UNSUPPORTED),
	DROP("IPv6 in IPv4", 17, e_ipv6_in_ip, L4_UNSUPPORTED),
	DROP("SCTP", 6, e_sctp, L4_UNSUPPORTED),
	DROP("TCP segment of 19 bytes", 6, e_tcp_l4_19, L4_BAD_HEADER),
	DROP("TCP segment of 0 bytes", 6, e_tcp_l4_0, L4_BAD_HEADER),
	DROP("TCP data offset 4", 6, e_doff4, L4_BAD_HEADER),
	DROP("TCP data offset 0", 6, e_doff0, L4_BAD_HEADER),
	DROP("TCP data offset 6 in a 20-byte segment", 6, e_doff6, L4_BAD_HEADER),
	DROP("TCP data offset 15 in a 59-byte segment", 6, e_doff15_short, L4_BAD_HEADER),
	DROP("UDP length 7", 17, e_udp_len7, L4_BAD_HEADER),
	DROP("UDP length 0", 17, e_udp_len0, L4_BAD_HEADER),
	DROP("UDP length beyond the IP payload", 17, e_udp_len_beyond, L4_BAD_HEADER),
	DROP("UDP in a 7-byte IP payload", 17, e_udp_l4_7, L4_BAD_HEADER),
	DROP("ICMP in a 7-byte IP payload", 1, e_icmp_l4_7, L4_BAD_HEADER),

	ADROP("ARP to an IPv6 multicast MAC", a_snm_mac, L2_OTHER_HOST),
	DROP("IPv4 to an IPv6 multicast MAC", 6, e_v4_snm_mac, L2_OTHER_HOST),

	/* IPv6 */
	DROP6("IPv6, 53 bytes", 6, e6_trunc53, SHORT_FRAME),
	DROP6("IPv6, 53 bytes and hop-by-hop: the earlier rule wins", 6, e6_trunc53_hbh, SHORT_FRAME),
	DROP6("IPv6 to another MAC", 6, e6_other_mac, L2_OTHER_HOST),
	DROP6("IPv6 to another MAC, version 4", 17, e6_other_mac_ver4, L2_OTHER_HOST),
	DROP6("IPv6 to an IPv4 multicast MAC", 17, e6_mcast_v4mac, L2_OTHER_HOST),
	DROP6("IPv6 version 4", 6, e6_ver4, IP6_BAD_HEADER),
	DROP6("IPv6 version 0", 58, e6_ver0, IP6_BAD_HEADER),
	DROP6("version 4 and payload length 0: the earlier rule wins", 6, e6_ver4_plen0,
	      IP6_BAD_HEADER),
	DROP6("payload length 0 (jumbogram)", 6, e6_plen0, IP_BAD_LEN),
	DROP6("payload length 0 and hop-by-hop", 6, e6_plen0_hbh, IP_BAD_LEN),
	DROP6("payload length one byte beyond the frame", 6, e6_plen_beyond, IP_BAD_LEN),
	DROP6("payload length beyond the padding", 17, e6_plen_beyond_pad, IP_BAD_LEN),
	DROP6("payload length 65535", 17, e6_plen_max, IP_BAD_LEN),
	DROP6("16-byte destination options in 8 payload bytes", 6, e6_ext_past, IP_BAD_LEN),
	DROP6("destination options in 4 payload bytes", 6, e6_ext_stub, IP_BAD_LEN),
	DROP6("hop-by-hop past the payload: length first", 6, e6_hbh_past, IP_BAD_LEN),
	DROP6("fragment header in 7 payload bytes", 6, e6_frag_stub, IP_BAD_LEN),
	DROP6("first fragment", 6, e6_frag_first, IP_FRAGMENT),
	DROP6("last fragment", 17, e6_frag_last, IP_FRAGMENT),
	DROP6("atomic fragment", 6, e6_frag_atomic, IP_FRAGMENT),
	DROP6("destination options, then a fragment header", 17, e6_dst_frag, IP_FRAGMENT),
	DROP6("9 destination options headers", 6, e6_chain9, IP6_EXT_CHAIN),
	DROP6("12 destination options headers", 17, e6_chain12, IP6_EXT_CHAIN),
	DROP6("8 destination options headers, then AH", 6, e6_chain8_ah, IP6_EXT_CHAIN),
	DROP6("8 destination options headers, then a fragment", 6, e6_chain8_frag, IP_FRAGMENT),
	DROP6("9th header past the payload", 6, e6_chain9_past, IP_BAD_LEN),
	DROP6("hop-by-hop", 6, e6_hbh, IP6_HOP_BY_HOP),
	DROP6("hop-by-hop after destination options", 17, e6_dst_hbh, IP6_HOP_BY_HOP),
	DROP6("hop-by-hop, then routing type 0: chain order", 6, e6_hbh_rt0, IP6_HOP_BY_HOP),
	DROP6("routing type 0, no segment left", 6, e6_rt0, IP6_ROUTING),
	DROP6("routing type 0, 2 segments left", 6, e6_rt0_segleft, IP6_ROUTING),
	DROP6("segment routing, 1 segment left", 6, e6_rt4_segleft, IP6_ROUTING),
	DROP6("routing type 2, 1 segment left", 58, e6_rt2_segleft, IP6_ROUTING),
	DROP6("routing with a segment left, then a fragment: chain order", 6, e6_rt4_frag,
	      IP6_ROUTING),
	DROP6("AH", 6, e6_ah, IP6_EXT_UNKNOWN),
	DROP6("ESP", 17, e6_esp, IP6_EXT_UNKNOWN),
	DROP6("mobility header", 6, e6_mobility, IP6_EXT_UNKNOWN),
	DROP6("HIP", 6, e6_hip, IP6_EXT_UNKNOWN),
	DROP6("shim6", 6, e6_shim6, IP6_EXT_UNKNOWN),
	DROP6("experimental 253", 6, e6_exp253, IP6_EXT_UNKNOWN),
	DROP6("experimental 254", 6, e6_exp254, IP6_EXT_UNKNOWN),
	DROP6("AH, then TCP data offset 4", 6, e6_ah_doff4, IP6_EXT_UNKNOWN),
	DROP6("no next header", 6, e6_no_next, L4_UNSUPPORTED),
	DROP6("destination options, then no next header", 6, e6_dst_no_next, L4_UNSUPPORTED),
	DROP6("ICMP (v4) in IPv6", 6, e6_icmp4, L4_UNSUPPORTED),
	DROP6("GRE", 6, e6_gre, L4_UNSUPPORTED),
	DROP6("SCTP", 6, e6_sctp, L4_UNSUPPORTED),
	DROP6("TCP segment of 19 bytes", 6, e6_tcp_l4_19, L4_BAD_HEADER),
	DROP6("TCP segment of 19 bytes after destination options", 6, e6_dst_tcp_l4_19,
	      L4_BAD_HEADER),
	DROP6("TCP data offset 4", 6, e6_doff4, L4_BAD_HEADER),
	DROP6("TCP data offset 6 in a 20-byte segment", 6, e6_doff6, L4_BAD_HEADER),
	DROP6("UDP length 7", 17, e6_udp_len7, L4_BAD_HEADER),
	DROP6("UDP length beyond the payload", 17, e6_udp_len_beyond, L4_BAD_HEADER),
	DROP6("ICMPv6 in 7 bytes", 58, e6_icmp_l4_7, L4_BAD_HEADER),

	OK6("IPv6 TCP SYN", 6, e_none, 54, 20),
	OK6("IPv6 TCP with options and payload", 6, e6_tcp_opts, 54, 32 + 64),
	OK6("IPv6 TCP with Ethernet padding: length from the IPv6 header", 6, e6_tcp_pad, 54, 20),
	OK6("IPv6 UDP with payload", 17, e6_udp_payload, 54, 8 + 37),
	OK6("ICMPv6 echo with 56 bytes", 58, e6_icmp_payload, 54, 8 + 56),
	OK6("16-byte destination options, segment routing with none left, TCP", 6, e6_dst_rt4_tcp,
	    54 + 16 + 8, 20 + 10),
	OK6("32-byte destination options, UDP", 17, e6_dst_long_udp, 54 + 32, 8 + 5),
	OK6("routing type 3, no segment left", 6, e6_rt3_ok, 54 + 8, 20),
	OK6("8 destination options headers", 6, e6_chain8, 54 + 64, 20),
	OK6("to a solicited-node multicast MAC", 58, e6_snm_mac, 54, 8),
	OK6("to the all-nodes MAC", 17, e6_allnodes_mac, 54, 8),
	OK6("to the broadcast MAC", 6, e_dst_bcast, 54, 20),

	OK("TCP SYN", 6, e_none, 34, 20),
	OK("TCP with options and payload", 6, e_tcp_opts, 34, 32 + 64),
	OK("TCP data offset 15 that fits", 6, e_doff15_fits, 34, 60 + 10),
	OK("TCP with Ethernet padding: length from the IP header", 6, e_tcp_pad, 34, 20),
	OK("UDP with payload", 17, e_udp_payload, 34, 8 + 37),
	OK("UDP without checksum", 17, e_udp_nocsum, 34, 8 + 5),
	OK("UDP length below the IP payload", 17, e_udp_short_len, 34, 8 + 20),
	OK("UDP length 8, no payload", 17, e_none, 34, 8),
	OK("ICMP echo with 56 bytes", 1, e_icmp_payload, 34, 8 + 56),
	OK("ICMP padded to 60 bytes", 1, e_icmp_l4_8_pad, 34, 8),
	OK("broadcast destination MAC", 6, e_dst_bcast, 34, 20),
	OK("DF set", 17, e_df, 34, 8),
	OK("no flags", 6, e_no_flags, 34, 20),
	{ "bad IP checksum the NIC vouched for", 6, e_csum, NULL, 1, NC_DROP_MAX, 34, 20 },
	{ "ARP request, broadcast", 0, NULL, a_none, 0, NC_DROP_MAX, 0, 0 },
	{ "ARP request padded to 60 bytes", 0, NULL, a_pad, 0, NC_DROP_MAX, 0, 0 },
	{ "ARP unicast to us", 0, NULL, a_unicast, 0, NC_DROP_MAX, 0, 0 },
};

static uint32_t
build_case(const struct parse_case *c, uint8_t *buf)
{
	if (c->aedit != NULL) {
		struct pb_arp a;

		pb_arp_init(&a, 1);
		c->aedit(&a);
		return pb_arp_build(&a, buf, PB_MAX_FRAME);
	} else {
		struct pb_pkt p;

		if (c->v6)
			pb_init6(&p, c->proto);
		else
			pb_init(&p, c->proto);
		if (c->proto == 17)
			p.dport = 5353;
		c->edit(&p);
		return pb_build(&p, buf, PB_MAX_FRAME);
	}
}

static void
test_parse_table(void **state)
{
	unsigned int i, fails = 0;

	(void)state;
	for (i = 0; i < RTE_DIM(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		uint8_t buf[PB_MAX_FRAME], copy[PB_MAX_FRAME];
		struct nc_pkt p;
		enum nc_drop got;
		uint32_t len = build_case(c, buf);

		assert_true(len > 0);
		memcpy(copy, buf, len);
		memset(&p, 0xee, sizeof(p));
		got = nc_pkt_parse(buf, len, &port_mac, c->ip_csum_good, &p);
		if (got != c->want) {
			print_error("case '%s': verdict %s, want %s\n", c->desc,
				    got == NC_DROP_MAX ? "accept" : nc_drop_name[got],
				    c->want == NC_DROP_MAX ? "accept" : nc_drop_name[c->want]);
			fails++;
			continue;
		}
		/* parsing has no side effects on the frame */
		assert_memory_equal(buf, copy, len);
		if (c->want != NC_DROP_MAX)
			continue;
		if (c->aedit != NULL) {
			if (p.is_arp != 1 || p.is_v6 != 0 || p.l3_off != 14) {
				print_error("case '%s': is_arp %u l3_off %u\n", c->desc, p.is_arp, p.l3_off);
				fails++;
			}
			continue;
		}
		if (p.is_arp != 0 || p.is_v6 != c->v6 || p.l3_off != 14 || p.l4_off != c->l4_off ||
		    p.l4_len != c->l4_len || p.proto != (c->v6 ? c->proto : buf[PB_IP_OFF + 9])) {
			print_error("case '%s': is_arp %u is_v6 %u l3_off %u l4_off %u l4_len %u "
				    "proto %u, want l4_off %u l4_len %u\n", c->desc, p.is_arp, p.is_v6,
				    p.l3_off, p.l4_off, p.l4_len, p.proto, c->l4_off, c->l4_len);
			fails++;
		}
		if (c->v6) {
			/* the builder's checksums, and nc_ipv6_l4_csum agreeing with them */
			const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(buf + p.l3_off);
			char why[96];

			assert_true(pb_csum_verify(buf, len, why, sizeof(why)));
			assert_int_equal(nc_ipv6_l4_csum(ip6, buf + p.l4_off, p.l4_len, p.proto),
					 p.proto == IPPROTO_UDP ? 0xffff : 0);
		}
	}
	assert_int_equal(fails, 0);
}

/* Every reason the parser can give has a case above that triggers it. */
static void
test_parse_covers_every_reason(void **state)
{
	static const enum nc_drop parser_reasons[] = {
		NC_DROP_SHORT_FRAME, NC_DROP_L2_OTHER_HOST, NC_DROP_L2_UNSUPPORTED,
		NC_DROP_IP_BAD_HEADER, NC_DROP_IP_BAD_LEN, NC_DROP_IP_OPTIONS,
		NC_DROP_IP_BAD_CSUM, NC_DROP_IP_FRAGMENT, NC_DROP_IP6_BAD_HEADER,
		NC_DROP_IP6_EXT_CHAIN, NC_DROP_IP6_HOP_BY_HOP, NC_DROP_IP6_ROUTING,
		NC_DROP_IP6_EXT_UNKNOWN, NC_DROP_L4_UNSUPPORTED, NC_DROP_L4_BAD_HEADER,
	};
	unsigned int r, i;

	(void)state;
	for (r = 0; r < RTE_DIM(parser_reasons); r++) {
		int found = 0;

		for (i = 0; i < RTE_DIM(parse_cases); i++)
			found |= parse_cases[i].want == parser_reasons[r];
		if (!found)
			print_error("no case for %s\n", nc_drop_name[parser_reasons[r]]);
		assert_true(found);
	}
}

/* Each reason has a unique lower-case name and a description. */
static void
test_drop_names(void **state)
{
	unsigned int i, j;

	(void)state;
	for (i = 0; i < NC_DROP_MAX; i++) {
		const char *n = nc_drop_name[i];

		assert_non_null(n);
		assert_non_null(nc_drop_desc[i]);
		assert_true(strlen(n) > 0 && strlen(nc_drop_desc[i]) > 0);
		for (j = 0; n[j] != '\0'; j++)
			assert_true((n[j] >= 'a' && n[j] <= 'z') || (n[j] >= '0' && n[j] <= '9') ||
				    n[j] == '_');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, nc_drop_name[j]);
	}
	assert_string_equal(nc_drop_name[NC_DROP_SHORT_FRAME], "short_frame");
	assert_string_equal(nc_drop_name[NC_DROP_TX_FULL], "tx_full");
}

/* ------------------------------------------------------------- checksums */

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64*: deterministic from the seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

#define HDR_LEN  40     /* an IP header and a TCP header's worth of words */
#define CSUM_OFF 10     /* the checksum field lives at bytes 10-11 */

/* Stored checksum (raw memory, network order) of <h> by full recomputation. */
static uint16_t
full_csum(uint8_t *h)
{
	uint16_t c, raw;

	pb_put16(h + CSUM_OFF, 0);
	c = pb_csum(h, HDR_LEN, 0);
	pb_put16(h + CSUM_OFF, c);
	memcpy(&raw, h + CSUM_OFF, 2);
	return raw;
}

static uint32_t
edge_or_random32(void)
{
	static const uint32_t edge[] = { 0, 0xffffffff, 0xffff0000, 0x0000ffff, 0x00010000, 1,
					 0x7fff8000 };

	return rng() % 4 == 0 ? edge[rng() % RTE_DIM(edge)] : rng();
}

static uint16_t
edge_or_random16(void)
{
	static const uint16_t edge[] = { 0, 0xffff, 1, 0xfffe, 0x8000 };

	return (uint16_t)(rng() % 4 == 0 ? edge[rng() % RTE_DIM(edge)] : rng());
}

/*
 * Rewrite random 32- and 16-bit fields of a random header (never the
 * checksum), accumulate the deltas as the data plane does (sometimes folded
 * to 16 bits first, as a flow stores them), apply them to the stored checksum
 * and compare with the recomputed one. <force_zero>: choose the last 16-bit
 * value so that the recomputed checksum is exactly 0x0000.
 */
static void
csum_round(int force_zero, unsigned int *n_zero)
{
	uint8_t h[HDR_LEN];
	uint32_t delta = 0;
	uint16_t stored, want, got;
	unsigned int k, n_changes = 1 + rng() % 6, i;
	int used[HDR_LEN / 2] = { 0 };

	for (i = 0; i < HDR_LEN; i++)
		h[i] = (uint8_t)rng();
	h[0] = 0x45;   /* never an all-zero header, as no IP or TCP header is */
	used[CSUM_OFF / 2] = 1;
	used[0] = 1;
	stored = full_csum(h);
	for (k = 0; k < n_changes; k++) {
		unsigned int w = rng() % (HDR_LEN / 2);

		if (rng() % 2 == 0 && w % 2 == 0 && !used[w] && !used[w + 1]) {
			uint32_t from, to = edge_or_random32();

			memcpy(&from, h + 2 * w, 4);
			memcpy(h + 2 * w, &to, 4);
			delta += nc_csum_delta32(from, to);
			used[w] = used[w + 1] = 1;
		} else if (!used[w]) {
			uint16_t from, to = edge_or_random16();

			memcpy(&from, h + 2 * w, 2);
			memcpy(h + 2 * w, &to, 2);
			delta += nc_csum_delta16(from, to);
			used[w] = 1;
		}
		if (rng() % 3 == 0)
			delta = (uint16_t)nc_csum_fold32(delta);
	}
	if (force_zero) {
		/* pick the value of one free word so that the data sums to 0xffff */
		for (i = 1; i < HDR_LEN / 2 && used[i]; i++)
			;
		if (i < HDR_LEN / 2) {
			uint16_t from, to, be;
			uint32_t s = 0;
			unsigned int j;

			for (j = 0; j < HDR_LEN / 2; j++)
				if (j != i && j != CSUM_OFF / 2)
					s += pb_get16(h + 2 * j);
			s = nc_csum_fold32(s);
			be = (uint16_t)(0xffff - s);
			memcpy(&from, h + 2 * i, 2);
			pb_put16(h + 2 * i, be);
			memcpy(&to, h + 2 * i, 2);
			delta += nc_csum_delta16(from, to);
		}
	}
	got = nc_csum_adjust(stored, delta);
	memcpy(h + CSUM_OFF, &got, 2);
	want = full_csum(h);
	if (got != want)
		print_error("incremental 0x%04x, recomputed 0x%04x\n", got, want);
	assert_int_equal(got, want);
	if (want == 0)
		(*n_zero)++;
}

static void
test_csum_random_rewrites(void **state)
{
	unsigned int i, n_zero = 0;

	(void)state;
	rng_state = 0x6e63746573743031ull;
	for (i = 0; i < 200000; i++)
		csum_round(0, &n_zero);
	for (i = 0; i < 20000; i++)
		csum_round(1, &n_zero);
	/* the forced rounds really reached the 0x0000 edge */
	assert_true(n_zero >= 20000);
}

/*
 * nc_ipv4_hdr20_csum_ok() against rte_raw_cksum() over random headers, half
 * of them with their checksum set right, and headers whose words sum to the
 * edges of the folds (all 0xff, all 0x00, a checksum of 0x0000 and 0xffff).
 */
static void
test_ipv4_hdr_csum_ok(void **state)
{
	uint8_t h[20];
	unsigned int i, j, n_ok = 0;

	(void)state;
	rng_state = 0x6e63746573743032ull;
	for (i = 0; i < 300000; i++) {
		uint16_t c;

		for (j = 0; j < sizeof(h); j++)
			h[j] = (uint8_t)(i % 7 == 0 ? 0xff : i % 7 == 1 ? 0 : rng());
		if (i % 2 == 0) {   /* a right checksum */
			pb_put16(h + CSUM_OFF, 0);
			c = (uint16_t)~rte_raw_cksum(h, sizeof(h));
			memcpy(h + CSUM_OFF, &c, sizeof(c));
		}
		assert_int_equal(nc_ipv4_hdr20_csum_ok(h), rte_raw_cksum(h, sizeof(h)) == 0xffff);
		n_ok += (unsigned int)nc_ipv4_hdr20_csum_ok(h);
	}
	/* the right ones verified (an all-zero header, the only other case,
	 * sums to 0 and fails both) */
	assert_true(n_ok >= 150000 - 300000 / 7 / 2 - 1);
	/* a flipped bit anywhere fails */
	memset(h, 0x5a, sizeof(h));
	pb_put16(h + CSUM_OFF, 0);
	{
		uint16_t c = (uint16_t)~rte_raw_cksum(h, sizeof(h));

		memcpy(h + CSUM_OFF, &c, sizeof(c));
	}
	assert_true(nc_ipv4_hdr20_csum_ok(h));
	for (j = 0; j < sizeof(h) * 8; j++) {
		h[j / 8] ^= (uint8_t)(1u << (j % 8));
		assert_false(nc_ipv4_hdr20_csum_ok(h));
		h[j / 8] ^= (uint8_t)(1u << (j % 8));
	}
}

struct csum_vec {
	const char *desc;
	uint16_t old_csum;        /* stored checksum, network order value */
	uint16_t from, to;        /* 16-bit field, network order values */
	uint16_t want;            /* RFC 1624 result, network order value */
};

/* Hand-checked vectors around the two zeros of one's complement arithmetic. */
static const struct csum_vec csum_vecs[] = {
	/* RFC 1624 section 4 example: HC 0xdd2f, m 0x5555 -> 0x3285, want 0x0000 */
	{ "RFC 1624 section 4 example", 0xdd2f, 0x5555, 0x3285, 0x0000 },
	{ "no change", 0x1234, 0xabcd, 0xabcd, 0x1234 },
	{ "0xffff -> 0x0000 is no change", 0x1234, 0xffff, 0x0000, 0x1234 },
	{ "0x0000 -> 0xffff is no change", 0x1234, 0x0000, 0xffff, 0x1234 },
	{ "checksum 0x0000 stays valid", 0x0000, 0x0001, 0x0002, 0xfffe },
	{ "checksum becomes 0x0001", 0x0000, 0x0000, 0xfffe, 0x0001 },
	{ "+1 on checksum 0xfffe", 0xfffe, 0x0000, 0x0001, 0xfffd },
};

static void
test_csum_vectors(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(csum_vecs); i++) {
		const struct csum_vec *v = &csum_vecs[i];
		uint16_t c = rte_cpu_to_be_16(v->old_csum);
		uint16_t from = rte_cpu_to_be_16(v->from), to = rte_cpu_to_be_16(v->to);
		uint16_t got = rte_be_to_cpu_16(nc_csum_adjust(c, nc_csum_delta16(from, to)));

		if (got != v->want)
			print_error("'%s': 0x%04x, want 0x%04x\n", v->desc, got, v->want);
		assert_int_equal(got, v->want);
	}
	/* a 32-bit change equals the two 16-bit changes it is made of */
	assert_int_equal(nc_csum_fold32(nc_csum_delta32(0x11223344, 0xaabbccdd)),
			 nc_csum_fold32(nc_csum_delta16(0x3344, 0xccdd) +
					nc_csum_delta16(0x1122, 0xaabb)));
}

/* Deltas as large as nc_csum_adjust takes: 16,384 words changed at once (in
 * half the rounds the first 4,096 each by the most a word's change adds,
 * 0x0000 to 0xffff), checked against the checksum summed anew. A single fold
 * fails it. */
static void
test_csum_adjust_many_words(void **state)
{
	enum { WORDS = 16384 };
	static uint16_t w[WORDS];
	uint32_t delta = 0;
	uint16_t c, want;
	unsigned int i, round;

	(void)state;
	for (round = 0; round < 64; round++) {
		for (i = 0; i < WORDS; i++)
			w[i] = i < 4096 && round < 32 ? 0x0000 : (uint16_t)rng();
		c = (uint16_t)~rte_raw_cksum(w, sizeof(w));
		delta = 0;
		for (i = 0; i < WORDS; i++) {
			uint16_t to = i < 4096 && round < 32 ? 0xffff : (uint16_t)rng();

			delta += nc_csum_delta16(w[i], to);
			w[i] = to;
		}
		c = nc_csum_adjust(c, delta);
		want = (uint16_t)~rte_raw_cksum(w, sizeof(w));
		/* 0x0000 and 0xffff are the same sum */
		if (c != want && !((c == 0 || c == 0xffff) && (want == 0 || want == 0xffff)))
			print_error("round %u: 0x%04x, want 0x%04x (delta 0x%x)\n", round, c, want,
				    delta);
		assert_true(c == want || ((c == 0 || c == 0xffff) && (want == 0 || want == 0xffff)));
	}
}

/* ---------------------------------------------------- builders on mbufs */

/* An mbuf laid over a local buffer: the builders need no pool. */
struct fake_mbuf {
	struct rte_mbuf m;
	uint8_t buf[RTE_PKTMBUF_HEADROOM + PB_MAX_FRAME];
};

static struct rte_mbuf *
fake_mbuf(struct fake_mbuf *fm, uint16_t room, const uint8_t *frame, uint32_t len)
{
	struct rte_mbuf *m = &fm->m;

	memset(fm, 0, sizeof(*fm));
	m->buf_addr = fm->buf;
	m->buf_len = (uint16_t)(RTE_PKTMBUF_HEADROOM + room);
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->nb_segs = 1;
	m->port = RTE_MBUF_PORT_INVALID;
	rte_mbuf_refcnt_set(m, 1);
	if (frame != NULL) {
		memcpy(fm->buf + RTE_PKTMBUF_HEADROOM, frame, len);
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
	}
	return m;
}

static void
assert_frame(const struct rte_mbuf *m, const uint8_t *want, uint32_t want_len)
{
	char diff[128];

	pb_diff(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), want, want_len,
		diff, sizeof(diff));
	if (diff[0] != '\0')
		print_error("frame differs: %s\n", diff);
	assert_string_equal(diff, "");
	assert_int_equal(rte_pktmbuf_pkt_len(m), want_len);
}

static const uint8_t client_mac[6] = { 0x02, 0xcc, 0x00, 0x00, 0x00, 0x3c };
static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static void
test_arp_reply(void **state)
{
	uint8_t req[PB_MAX_FRAME], want[PB_MAX_FRAME];
	uint16_t pads[] = { 0, 18 };
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(pads); i++) {
		struct pb_arp a, r;
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		uint32_t len, wlen;

		pb_arp_init(&a, 1);
		memcpy(a.src_mac, client_mac, 6);
		memcpy(a.sha, client_mac, 6);
		a.sip = PB_IP(10, 0, 0, 60);
		a.tip = PB_IP(10, 0, 0, 100);
		a.pad = pads[i];
		len = pb_arp_build(&a, req, sizeof(req));
		m = fake_mbuf(&fm, PB_MAX_FRAME, req, len);
		assert_int_equal(nc_arp_make_reply(m, &port_mac), 0);

		pb_arp_init(&r, 2);
		memcpy(r.dst_mac, client_mac, 6);
		memcpy(r.src_mac, our_mac, 6);
		memcpy(r.sha, our_mac, 6);
		r.sip = PB_IP(10, 0, 0, 100);
		memcpy(r.tha, client_mac, 6);
		r.tip = PB_IP(10, 0, 0, 60);
		wlen = pb_arp_build(&r, want, sizeof(want));
		assert_int_equal(wlen, 42);
		assert_frame(m, want, wlen);
	}
}

AEDIT(a_reply_op, a->op = 2)
AEDIT(a_hrd6, a->hrd = 6)
AEDIT(a_pro6, a->pro = PB_ETH_IPV6)
AEDIT(a_hln8, a->hln = 8)
AEDIT(a_pln16, a->pln = 16)
AEDIT(a_op3, a->op = 3)

static void
test_arp_reply_refuses(void **state)
{
	static const struct {
		const char *desc;
		void (*aedit)(struct pb_arp *a);
		uint32_t data_len;     /* 0: the whole frame */
	} cases[] = {
		{ "a reply", a_reply_op, 0 },
		{ "opcode 3", a_op3, 0 },
		{ "hardware type 6", a_hrd6, 0 },
		{ "protocol IPv6", a_pro6, 0 },
		{ "hardware length 8", a_hln8, 0 },
		{ "protocol length 16", a_pln16, 0 },
		{ "41 bytes", a_none, 41 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint8_t f[PB_MAX_FRAME];
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_arp a;
		uint32_t len;

		pb_arp_init(&a, 1);
		cases[i].aedit(&a);
		len = pb_arp_build(&a, f, sizeof(f));
		if (cases[i].data_len != 0)
			len = cases[i].data_len;
		m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
		if (nc_arp_make_reply(m, &port_mac) != -EINVAL)
			print_error("case '%s' not refused\n", cases[i].desc);
		assert_int_equal(nc_arp_make_reply(m, &port_mac), -EINVAL);
		/* refused frames are left as they were */
		assert_frame(m, f, len);
	}
}

static void
test_arp_request(void **state)
{
	uint8_t want[PB_MAX_FRAME];
	struct fake_mbuf fm;
	struct rte_mbuf *m;
	struct pb_arp r;
	uint32_t wlen;

	(void)state;
	/* an mbuf that held something else is reset first */
	m = fake_mbuf(&fm, PB_MAX_FRAME, (const uint8_t *)"leftover bytes", 14);
	m->data_off = 7;
	assert_int_equal(nc_arp_make_request(m, &port_mac, rte_cpu_to_be_32(PB_IP(10, 0, 0, 1)),
					     rte_cpu_to_be_32(PB_IP(10, 0, 0, 11))), 0);
	pb_arp_init(&r, 1);
	memcpy(r.src_mac, our_mac, 6);
	memcpy(r.sha, our_mac, 6);
	r.sip = PB_IP(10, 0, 0, 1);
	r.tip = PB_IP(10, 0, 0, 11);
	wlen = pb_arp_build(&r, want, sizeof(want));
	assert_frame(m, want, wlen);
	assert_int_equal(m->data_off, RTE_PKTMBUF_HEADROOM);

	/* no room for 42 bytes */
	m = fake_mbuf(&fm, 41, NULL, 0);
	assert_int_equal(nc_arp_make_request(m, &port_mac, 1, 2), -ENOSPC);
}

struct echo_case {
	const char *desc;
	uint8_t ttl;
	uint16_t payload_len;
	uint16_t pad;
	int force_reply_csum;     /* -1: none; else choose the sequence number so that
				   * the reply's recomputed checksum is this value */
};

static const struct echo_case echo_cases[] = {
	{ "56-byte ping", 64, 56, 0, -1 },
	{ "TTL 1, no payload, padded to 60 bytes", 1, 0, 18, -1 },
	{ "odd payload length", 255, 33, 0, -1 },
	{ "reply checksum 0x0000", 64, 56, 0, 0x0000 },
	{ "reply data summing to 0 (a checksum of 0xffff or 0x0000)", 64, 56, 0, 0xffff },
	{ "request checksum 0x0000 (reply 0x0800)", 64, 16, 0, 0x0800 },
};

static void
test_icmp_echo_reply(void **state)
{
	uint8_t payload[1500];
	unsigned int i, j;

	(void)state;
	for (j = 0; j < sizeof(payload); j++)
		payload[j] = (uint8_t)(j * 7 + 3);
	for (i = 0; i < RTE_DIM(echo_cases); i++) {
		const struct echo_case *c = &echo_cases[i];
		uint8_t req[PB_MAX_FRAME], want[PB_MAX_FRAME];
		struct pb_pkt q, r;
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct nc_pkt p;
		uint32_t len, wlen;

		pb_init(&q, 1);
		memcpy(q.src_mac, client_mac, 6);
		q.sip = PB_IP(10, 0, 0, 60);
		q.dip = PB_IP(10, 0, 0, 100);
		q.ttl = c->ttl;
		q.tos = 0x10;
		q.ip_id = 0xbeef;
		q.payload = payload;
		q.payload_len = c->payload_len;
		q.pad = c->pad;
		r = q;
		memcpy(r.dst_mac, client_mac, 6);
		memcpy(r.src_mac, our_mac, 6);
		r.sip = q.dip;
		r.dip = q.sip;
		r.ttl = 64;
		r.icmp_type = 0;
		r.pad = 0;
		if (c->force_reply_csum >= 0) {
			/* the reply's ICMP words sum, without the sequence number, to s;
			 * seq = target sum - s makes its checksum ~target */
			uint16_t target = (uint16_t)~c->force_reply_csum, seq;
			uint32_t s;

			r.icmp_seq = 0;
			wlen = pb_build(&r, want, sizeof(want));
			pb_put16(want + 34 + 2, 0);
			s = (uint32_t)(uint16_t)~pb_csum(want + 34, 8u + c->payload_len, 0);
			seq = (uint16_t)((target + 0xffffu - s) % 0xffff);
			if (seq == 0)
				seq = 0xffff;
			q.icmp_seq = r.icmp_seq = seq;
		}
		len = pb_build(&q, req, sizeof(req));
		wlen = pb_build(&r, want, sizeof(want));
		if (c->force_reply_csum >= 0)
			assert_int_equal(pb_get16(want + 34 + 2),
					 c->force_reply_csum == 0xffff ? 0x0000 : c->force_reply_csum);
		assert_int_equal(nc_pkt_parse(req, len, &port_mac, 0, &p), NC_DROP_MAX);
		m = fake_mbuf(&fm, PB_MAX_FRAME, req, len);
		assert_int_equal(nc_icmp_make_echo_reply(m, &p), 0);
		if (memcmp(rte_pktmbuf_mtod(m, uint8_t *), want, wlen) != 0)
			print_error("case '%s'\n", c->desc);
		assert_frame(m, want, wlen);
	}
}

static void
test_icmp_echo_reply_refuses(void **state)
{
	static const struct { uint8_t type, code; } cases[] = {
		{ 0, 0 }, { 8, 1 }, { 3, 3 }, { 13, 0 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint8_t f[PB_MAX_FRAME];
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_pkt q;
		struct nc_pkt p;
		uint32_t len;

		pb_init(&q, 1);
		q.icmp_type = cases[i].type;
		q.icmp_code = cases[i].code;
		len = pb_build(&q, f, sizeof(f));
		assert_int_equal(nc_pkt_parse(f, len, &port_mac, 0, &p), NC_DROP_MAX);
		m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
		assert_int_equal(nc_icmp_make_echo_reply(m, &p), -EINVAL);
		assert_frame(m, f, len);
	}
	/* not ICMP at all */
	{
		uint8_t f[PB_MAX_FRAME];
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_pkt q;
		struct nc_pkt p;
		uint32_t len;

		pb_init(&q, 17);
		len = pb_build(&q, f, sizeof(f));
		assert_int_equal(nc_pkt_parse(f, len, &port_mac, 0, &p), NC_DROP_MAX);
		m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
		assert_int_equal(nc_icmp_make_echo_reply(m, &p), -EINVAL);
	}
}

/* ------------------------------------------------------------- IPv6 */

/* Rewrite both addresses of IPv6 TCP, UDP and ICMPv6 packets, update the
 * checksum with nc_csum_delta128 and compare with the packet built from
 * scratch with the new addresses. */
static void
test_csum_delta128(void **state)
{
	static const uint8_t protos[] = { 6, 17, 58 };
	uint8_t payload[64];
	unsigned int i, j;

	(void)state;
	rng_state = 0x31323864656c7461ull;
	for (j = 0; j < sizeof(payload); j++)
		payload[j] = (uint8_t)rng();
	for (i = 0; i < 20000; i++) {
		uint8_t f[PB_MAX_FRAME], want[PB_MAX_FRAME], sip[16], dip[16];
		uint32_t len, wlen, delta, off;
		struct pb_pkt q;
		uint16_t c;

		pb_init6(&q, protos[i % 3]);
		q.payload = payload;
		q.payload_len = (uint16_t)(rng() % sizeof(payload));
		for (j = 0; j < 16; j++) {
			q.sip6[j] = (uint8_t)rng();
			q.dip6[j] = (uint8_t)rng();
			sip[j] = i % 7 == 0 ? 0xff : (uint8_t)rng();
			dip[j] = i % 11 == 0 ? 0x00 : (uint8_t)rng();
		}
		len = pb_build(&q, f, sizeof(f));
		off = 54 + (q.proto == 6 ? 16 : q.proto == 17 ? 6 : 2);
		delta = nc_csum_delta128(f + 22, sip) + nc_csum_delta128(f + 38, dip);
		memcpy(f + 22, sip, 16);
		memcpy(f + 38, dip, 16);
		memcpy(&c, f + off, 2);
		c = nc_csum_adjust(c, delta);
		memcpy(f + off, &c, 2);
		memcpy(q.sip6, sip, 16);
		memcpy(q.dip6, dip, 16);
		wlen = pb_build(&q, want, sizeof(want));
		assert_int_equal(len, wlen);
		/* UDP: 0x0000 and 0xffff are the same sum; the wire never carries 0 */
		if (q.proto == 17 && pb_get16(f + off) == 0 && pb_get16(want + off) == 0xffff)
			pb_put16(f + off, 0xffff);
		if (memcmp(f, want, len) != 0)
			print_error("round %u proto %u: 0x%04x, want 0x%04x\n", i, q.proto,
				    pb_get16(f + off), pb_get16(want + off));
		assert_memory_equal(f, want, len);
	}
	/* sixteen bytes: the sum of four 32-bit deltas */
	{
		uint8_t a[16], b[16];
		uint32_t s = 0, x, y;

		for (j = 0; j < 16; j++) {
			a[j] = (uint8_t)rng();
			b[j] = (uint8_t)rng();
		}
		for (j = 0; j < 16; j += 4) {
			memcpy(&x, a + j, 4);
			memcpy(&y, b + j, 4);
			s += nc_csum_delta32(x, y);
		}
		assert_int_equal(nc_csum_fold32(nc_csum_delta128(a, b)), nc_csum_fold32(s));
	}
}

static const uint8_t snm_mac[6] = { 0x33, 0x33, 0xff, 0x00, 0x01, 0x00 };
static const uint8_t allnodes_mac[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
#define VIP6    "2001:db8::100"
#define CLIENT6 "2001:db8::60"
#define SNM6    "ff02::1:ff00:100"      /* solicited-node group of VIP6 */

/* An ND message (type 135 or 136, NA <flags>) for <target> into <p>, as
 * pb_init6 and its ICMPv6 fields build it: the reserved/flags word is the
 * echo id and sequence, the target and <n_opt> options the payload. */
struct nd_body {
	uint8_t b[64];
};

static void
nd_pkt(struct pb_pkt *p, struct nd_body *body, uint8_t type, uint8_t flags, const char *target,
       const uint8_t *opts, uint16_t opts_len)
{
	pb_init6(p, 58);
	p->ttl = 255;
	p->icmp_type = type;
	p->icmp_id = (uint16_t)(flags << 8);
	p->icmp_seq = 0;
	pb_ip6(body->b, target);
	if (opts_len != 0)
		memcpy(body->b + 16, opts, opts_len);
	p->payload = body->b;
	p->payload_len = (uint16_t)(16 + opts_len);
}

/* The NS a client sends to resolve VIP6, with its source link-layer option. */
static void
client_ns(struct pb_pkt *p, struct nd_body *body)
{
	uint8_t opt[8] = { 1, 1 };

	memcpy(opt + 2, client_mac, 6);
	nd_pkt(p, body, 135, 0, VIP6, opt, sizeof(opt));
	memcpy(p->dst_mac, snm_mac, 6);
	memcpy(p->src_mac, client_mac, 6);
	pb_ip6(p->sip6, CLIENT6);
	pb_ip6(p->dip6, SNM6);
}

/* Build <q>, parse it; returns the frame length. */
static uint32_t
build_parse(const struct pb_pkt *q, uint8_t *f, struct nc_pkt *p)
{
	uint32_t len = pb_build(q, f, PB_MAX_FRAME);

	assert_true(len > 0);
	assert_int_equal(nc_pkt_parse(f, len, &port_mac, 0, p), NC_DROP_MAX);
	assert_int_equal(p->is_v6, 1);
	return len;
}

static void
assert_csum_ok(const struct rte_mbuf *m)
{
	char why[96];

	if (!pb_csum_verify(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), why,
			    sizeof(why)))
		fail_msg("%s", why);
}

static void
test_nd_parse_accepts(void **state)
{
	uint8_t f[PB_MAX_FRAME], ip[16];
	struct nd_body body;
	struct pb_pkt q;
	struct nc_pkt p;
	struct nc_nd nd;
	uint32_t len;

	(void)state;
	/* NS with a source LL option */
	client_ns(&q, &body);
	len = build_parse(&q, f, &p);
	assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);
	assert_int_equal(nd.type, NC_ND_NS);
	assert_int_equal(nd.flags, 0);
	assert_int_equal(nd.has_lladdr, 1);
	assert_memory_equal(nd.lladdr.addr_bytes, client_mac, 6);
	pb_ip6(ip, VIP6);
	assert_memory_equal(nd.target, ip, 16);
	pb_ip6(ip, CLIENT6);
	assert_memory_equal(nd.src, ip, 16);

	/* NS with a nonce option (RFC 3971) before the LL option, and padding */
	{
		uint8_t opts[16] = { 14, 1, 1, 2, 3, 4, 5, 6, 1, 1 };

		memcpy(opts + 10, client_mac, 6);
		nd_pkt(&q, &body, 135, 0, VIP6, opts, sizeof(opts));
		q.pad = 6;
		len = build_parse(&q, f, &p);
		assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);
		assert_int_equal(nd.has_lladdr, 1);
		assert_memory_equal(nd.lladdr.addr_bytes, client_mac, 6);
	}

	/* unicast NS without option (reachability check) */
	nd_pkt(&q, &body, 135, 0, VIP6, NULL, 0);
	len = build_parse(&q, f, &p);
	assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);
	assert_int_equal(nd.has_lladdr, 0);

	/* DAD NS: from ::, to the solicited-node group, no option */
	nd_pkt(&q, &body, 135, 0, VIP6, NULL, 0);
	memset(q.sip6, 0, 16);
	pb_ip6(q.dip6, SNM6);
	memcpy(q.dst_mac, snm_mac, 6);
	len = build_parse(&q, f, &p);
	assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);

	/* solicited NA with a target LL option */
	{
		uint8_t opt[8] = { 2, 1 };

		memcpy(opt + 2, client_mac, 6);
		nd_pkt(&q, &body, 136, NC_ND_NA_S | NC_ND_NA_O | NC_ND_NA_R, CLIENT6, opt, 8);
		pb_ip6(q.sip6, CLIENT6);
		pb_ip6(q.dip6, VIP6);
		len = build_parse(&q, f, &p);
		assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);
		assert_int_equal(nd.type, NC_ND_NA);
		assert_int_equal(nd.flags, NC_ND_NA_S | NC_ND_NA_O | NC_ND_NA_R);
		assert_int_equal(nd.has_lladdr, 1);
		assert_memory_equal(nd.lladdr.addr_bytes, client_mac, 6);
		pb_ip6(ip, CLIENT6);
		assert_memory_equal(nd.target, ip, 16);
	}
}

/* A valid NS from the client with one thing broken. */
static void r_hop254(struct pb_pkt *p, struct nd_body *b) { (void)b; p->ttl = 254; }
static void r_csum(struct pb_pkt *p, struct nd_body *b) { (void)b; p->l4_csum_xor = 0x0100; }
static void r_code1(struct pb_pkt *p, struct nd_body *b) { (void)b; p->icmp_code = 1; }
static void r_zero_opt(struct pb_pkt *p, struct nd_body *b) { (void)p; b->b[17] = 0; }
static void r_opt_past(struct pb_pkt *p, struct nd_body *b) { (void)p; b->b[17] = 2; }
static void r_opt_stub(struct pb_pkt *p, struct nd_body *b) { (void)b; p->payload_len = 17; }
static void r_mcast_target(struct pb_pkt *p, struct nd_body *b) { (void)p; pb_ip6(b->b, SNM6); }
static void r_short(struct pb_pkt *p, struct nd_body *b) { (void)b; p->payload_len = 15; }
static void r_dad_ll(struct pb_pkt *p, struct nd_body *b) { (void)b; memset(p->sip6, 0, 16); }
static void r_dad_unicast(struct pb_pkt *p, struct nd_body *b)
{
	(void)b;
	memset(p->sip6, 0, 16);
	p->payload_len = 16;
	pb_ip6(p->dip6, VIP6);
}
static void r_dad_other_group(struct pb_pkt *p, struct nd_body *b)
{
	(void)b;
	memset(p->sip6, 0, 16);
	p->payload_len = 16;
	pb_ip6(p->dip6, "ff02::1:ff00:101");
}
static void r_na_s_mcast(struct pb_pkt *p, struct nd_body *b)
{
	(void)b;
	p->icmp_type = 136;
	p->icmp_id = NC_ND_NA_S << 8;
	b->b[16] = 2;
	pb_ip6(p->dip6, "ff02::1");
}
static void r_echo(struct pb_pkt *p, struct nd_body *b) { (void)b; p->icmp_type = 128; }
static void r_rs(struct pb_pkt *p, struct nd_body *b) { (void)b; p->icmp_type = 133; }

static void
test_nd_parse_refuses(void **state)
{
	static const struct {
		const char *desc;
		void (*edit)(struct pb_pkt *p, struct nd_body *b);
	} cases[] = {
		{ "hop limit 254", r_hop254 },
		{ "checksum wrong", r_csum },
		{ "code 1", r_code1 },
		{ "option of length 0", r_zero_opt },
		{ "option past the packet", r_opt_past },
		{ "one byte of option", r_opt_stub },
		{ "multicast target", r_mcast_target },
		{ "ICMPv6 length 23", r_short },
		{ "DAD NS with a source LL option", r_dad_ll },
		{ "DAD NS to a unicast address", r_dad_unicast },
		{ "DAD NS to another solicited-node group", r_dad_other_group },
		{ "NA with S to a multicast address", r_na_s_mcast },
		{ "echo request", r_echo },
		{ "router solicitation", r_rs },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint8_t f[PB_MAX_FRAME];
		struct nd_body body;
		struct pb_pkt q;
		struct nc_pkt p;
		struct nc_nd nd;
		uint32_t len;

		client_ns(&q, &body);
		cases[i].edit(&q, &body);
		len = build_parse(&q, f, &p);
		if (nc_nd_parse(f, len, &p, &nd) != -EINVAL)
			fail_msg("case '%s' not refused", cases[i].desc);
	}
	/* not ICMPv6 at all */
	{
		uint8_t f[PB_MAX_FRAME];
		struct pb_pkt q;
		struct nc_pkt p;
		struct nc_nd nd;
		uint32_t len;

		pb_init(&q, 1);
		len = pb_build(&q, f, sizeof(f));
		assert_int_equal(nc_pkt_parse(f, len, &port_mac, 0, &p), NC_DROP_MAX);
		assert_int_equal(nc_nd_parse(f, len, &p, &nd), -EINVAL);
	}
}

/* The NA we expect for VIP6 from port_mac, to <dip> / <dmac> with <flags>. */
static uint32_t
want_na(uint8_t *want, const char *target, const char *dip, const uint8_t *dmac, uint8_t flags)
{
	uint8_t opt[8] = { 2, 1 };
	struct nd_body body;
	struct pb_pkt r;

	memcpy(opt + 2, our_mac, 6);
	nd_pkt(&r, &body, 136, flags, target, opt, sizeof(opt));
	memcpy(r.dst_mac, dmac, 6);
	memcpy(r.src_mac, our_mac, 6);
	pb_ip6(r.sip6, target);
	pb_ip6(r.dip6, dip);
	return pb_build(&r, want, PB_MAX_FRAME);
}

static void
test_nd_make_na(void **state)
{
	static const uint16_t pads[] = { 0, 10 };
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(pads); i++) {
		uint8_t f[PB_MAX_FRAME], want[PB_MAX_FRAME];
		struct nd_body body;
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_pkt q;
		struct nc_pkt p;
		struct nc_nd nd;
		uint32_t len, wlen;

		client_ns(&q, &body);
		q.pad = pads[i];
		len = build_parse(&q, f, &p);
		assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);
		m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
		assert_int_equal(nc_nd_make_na(m, &p, &nd, &port_mac), 0);
		wlen = want_na(want, VIP6, CLIENT6, client_mac, NC_ND_NA_S | NC_ND_NA_O);
		assert_int_equal(wlen, 86);
		assert_frame(m, want, wlen);
		assert_csum_ok(m);
		/* and it is a valid NA by our own rules */
		assert_int_equal(nc_pkt_parse(want, wlen, (const struct rte_ether_addr *)client_mac,
					      0, &p), NC_DROP_MAX);
		assert_int_equal(nc_nd_parse(want, wlen, &p, &nd), 0);
		assert_int_equal(nd.type, NC_ND_NA);
	}
	/* an NS without option (78 bytes) grows to 86 in place */
	{
		uint8_t f[PB_MAX_FRAME], want[PB_MAX_FRAME];
		struct nd_body body;
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_pkt q;
		struct nc_pkt p;
		struct nc_nd nd;
		uint32_t len, wlen;

		client_ns(&q, &body);
		q.payload_len = 16;
		len = build_parse(&q, f, &p);
		assert_int_equal(len, 78);
		assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);
		m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
		assert_int_equal(nc_nd_make_na(m, &p, &nd, &port_mac), 0);
		wlen = want_na(want, VIP6, CLIENT6, client_mac, NC_ND_NA_S | NC_ND_NA_O);
		assert_frame(m, want, wlen);

		/* no room for 86 bytes: refused, frame left alone */
		m = fake_mbuf(&fm, 85, f, len);
		assert_int_equal(nc_nd_make_na(m, &p, &nd, &port_mac), -ENOSPC);
		assert_frame(m, f, len);
	}
}

static void
test_nd_make_na_dad(void **state)
{
	uint8_t f[PB_MAX_FRAME], want[PB_MAX_FRAME];
	struct nd_body body;
	struct fake_mbuf fm;
	struct rte_mbuf *m;
	struct pb_pkt q;
	struct nc_pkt p;
	struct nc_nd nd;
	uint32_t len, wlen;

	(void)state;
	client_ns(&q, &body);
	memset(q.sip6, 0, 16);
	q.payload_len = 16;
	len = build_parse(&q, f, &p);
	assert_int_equal(nc_nd_parse(f, len, &p, &nd), 0);
	m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
	assert_int_equal(nc_nd_make_na(m, &p, &nd, &port_mac), 0);
	wlen = want_na(want, VIP6, "ff02::1", allnodes_mac, NC_ND_NA_O);
	assert_frame(m, want, wlen);
	assert_csum_ok(m);

	/* an NA is no NS to answer */
	nd.type = NC_ND_NA;
	m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
	assert_int_equal(nc_nd_make_na(m, &p, &nd, &port_mac), -EINVAL);
}

static void
test_nd_make_ns(void **state)
{
	static const uint8_t dmac[6] = { 0x33, 0x33, 0xff, 0xab, 0xcd, 0xef };
	uint8_t want[PB_MAX_FRAME], sip[16], target[16], opt[8] = { 1, 1 };
	struct nd_body body;
	struct fake_mbuf fm;
	struct rte_mbuf *m;
	struct pb_pkt r;
	uint32_t wlen;

	(void)state;
	pb_ip6(sip, VIP6);
	pb_ip6(target, "2001:db8::12:34ab:cdef");
	m = fake_mbuf(&fm, PB_MAX_FRAME, (const uint8_t *)"leftover bytes", 14);
	m->data_off = 7;
	assert_int_equal(nc_nd_make_ns(m, &port_mac, sip, target), 0);
	memcpy(opt + 2, our_mac, 6);
	nd_pkt(&r, &body, 135, 0, "2001:db8::12:34ab:cdef", opt, sizeof(opt));
	memcpy(r.dst_mac, dmac, 6);
	memcpy(r.src_mac, our_mac, 6);
	pb_ip6(r.sip6, VIP6);
	pb_ip6(r.dip6, "ff02::1:ffab:cdef");
	wlen = pb_build(&r, want, sizeof(want));
	assert_frame(m, want, wlen);
	assert_csum_ok(m);
	assert_int_equal(m->data_off, RTE_PKTMBUF_HEADROOM);

	m = fake_mbuf(&fm, 85, NULL, 0);
	assert_int_equal(nc_nd_make_ns(m, &port_mac, sip, target), -ENOSPC);
}

/* The unicast re-probe of a known neighbor: to the target itself at its MAC. */
static void
test_nd_make_ns_unicast(void **state)
{
	static const struct rte_ether_addr nb = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x50 } };
	uint8_t want[PB_MAX_FRAME], sip[16], target[16], opt[8] = { 1, 1 };
	struct nd_body body;
	struct fake_mbuf fm;
	struct rte_mbuf *m;
	struct pb_pkt r;
	uint32_t wlen;

	(void)state;
	pb_ip6(sip, VIP6);
	pb_ip6(target, "2001:db8::12:34ab:cdef");
	m = fake_mbuf(&fm, PB_MAX_FRAME, NULL, 0);
	assert_int_equal(nc_nd_make_ns_unicast(m, &port_mac, sip, target, &nb), 0);
	memcpy(opt + 2, our_mac, 6);
	nd_pkt(&r, &body, 135, 0, "2001:db8::12:34ab:cdef", opt, sizeof(opt));
	memcpy(r.dst_mac, nb.addr_bytes, 6);
	memcpy(r.src_mac, our_mac, 6);
	pb_ip6(r.sip6, VIP6);
	pb_ip6(r.dip6, "2001:db8::12:34ab:cdef");
	wlen = pb_build(&r, want, sizeof(want));
	assert_frame(m, want, wlen);
	assert_csum_ok(m);
	m = fake_mbuf(&fm, 85, NULL, 0);
	assert_int_equal(nc_nd_make_ns_unicast(m, &port_mac, sip, target, &nb), -ENOSPC);
}

/* Sources no host sends from, and TCP flag sets no segment carries. */
static void
test_martians_and_flags(void **state)
{
	static const struct { uint8_t a, b, c, d; int martian; } v4[] = {
		{ 0, 0, 0, 0, 1 }, { 0, 1, 2, 3, 1 }, { 127, 0, 0, 1, 1 }, { 127, 255, 255, 254, 1 },
		{ 224, 0, 0, 5, 1 }, { 239, 255, 255, 250, 1 }, { 240, 0, 0, 1, 1 },
		{ 255, 255, 255, 255, 1 }, { 1, 0, 0, 1, 0 }, { 10, 0, 0, 1, 0 }, { 126, 255, 255, 255, 0 },
		{ 128, 0, 0, 1, 0 }, { 192, 168, 1, 10, 0 }, { 223, 255, 255, 254, 0 },
	};
	static const struct { const char *ip; int martian; } v6[] = {
		{ "::", 1 }, { "::1", 1 }, { "ff02::1", 1 }, { "ff05::1:3", 1 }, { "::ffff:10.0.0.1", 1 },
		{ "::ffff:0.0.0.0", 1 }, { "::2", 0 }, { "::1:0:0:1", 0 }, { "fe80::1", 0 },
		{ "2001:db8::1", 0 }, { "fd00::100", 0 }, { "::fffe:10.0.0.1", 0 }, { "fe00::1", 0 },
	};
	static const struct { uint8_t flags; int bad; } tcp[] = {
		{ PB_TCP_SYN, 0 }, { PB_TCP_SYN | PB_TCP_ACK, 0 }, { PB_TCP_ACK, 0 }, { PB_TCP_RST, 0 },
		{ PB_TCP_RST | PB_TCP_ACK, 0 }, { PB_TCP_FIN | PB_TCP_ACK, 0 },
		{ PB_TCP_PSH | PB_TCP_ACK, 0 }, { PB_TCP_SYN | PB_TCP_ACK | PB_TCP_PSH, 0 },
		{ 0x20 | PB_TCP_ACK, 0 }, { 0x40 | 0x80 | PB_TCP_SYN, 0 },   /* ECE, CWR: ECN setup */
		{ 0, 1 }, { PB_TCP_FIN, 1 }, { PB_TCP_PSH, 1 }, { 0x20, 1 },
		{ PB_TCP_FIN | PB_TCP_PSH | 0x20, 1 },                       /* Xmas scan */
		{ PB_TCP_SYN | PB_TCP_FIN, 1 }, { PB_TCP_SYN | PB_TCP_RST, 1 },
		{ PB_TCP_SYN | PB_TCP_FIN | PB_TCP_ACK, 1 }, { PB_TCP_RST | PB_TCP_FIN, 1 },
		{ PB_TCP_SYN | PB_TCP_PSH, 1 }, { 0xff, 1 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(v4); i++) {
		uint32_t ip = PB_IP(v4[i].a, v4[i].b, v4[i].c, v4[i].d);

		ip = rte_cpu_to_be_32(ip);
		if (nc_ip4_src_martian(ip) != v4[i].martian)
			fail_msg("%u.%u.%u.%u: martian %d, want %d", v4[i].a, v4[i].b, v4[i].c, v4[i].d,
				 nc_ip4_src_martian(ip), v4[i].martian);
	}
	for (i = 0; i < RTE_DIM(v6); i++) {
		uint8_t ip[17];

		pb_ip6(ip + 1, v6[i].ip);   /* at an odd address, as in a frame */
		if (nc_ip6_src_martian(ip + 1) != v6[i].martian)
			fail_msg("%s: martian %d, want %d", v6[i].ip, nc_ip6_src_martian(ip + 1),
				 v6[i].martian);
	}
	for (i = 0; i < RTE_DIM(tcp); i++)
		if (nc_tcp_flags_bad(tcp[i].flags) != tcp[i].bad)
			fail_msg("flags 0x%02x: bad %d, want %d", tcp[i].flags,
				 nc_tcp_flags_bad(tcp[i].flags), tcp[i].bad);
}

static void
test_nd_make_unsolicited_na(void **state)
{
	uint8_t want[PB_MAX_FRAME], ip[16];
	struct fake_mbuf fm;
	struct rte_mbuf *m;
	struct nc_pkt p;
	struct nc_nd nd;
	uint32_t wlen;

	(void)state;
	pb_ip6(ip, VIP6);
	m = fake_mbuf(&fm, PB_MAX_FRAME, NULL, 0);
	assert_int_equal(nc_nd_make_unsolicited_na(m, &port_mac, ip), 0);
	wlen = want_na(want, VIP6, "ff02::1", allnodes_mac, NC_ND_NA_O);
	assert_frame(m, want, wlen);
	assert_csum_ok(m);
	/* valid by our own rules: S clear to a multicast address */
	assert_int_equal(nc_pkt_parse(want, wlen, &port_mac, 0, &p), NC_DROP_MAX);
	assert_int_equal(nc_nd_parse(want, wlen, &p, &nd), 0);

	m = fake_mbuf(&fm, 85, NULL, 0);
	assert_int_equal(nc_nd_make_unsolicited_na(m, &port_mac, ip), -ENOSPC);
}

static void
test_icmp6_echo_reply(void **state)
{
	static const struct {
		const char *desc;
		uint8_t hop;
		uint16_t payload_len, pad;
		uint8_t dst_ext;       /* a destination options header before ICMPv6 */
	} cases[] = {
		{ "56-byte ping", 64, 56, 0, 0 },
		{ "hop limit 1, no payload, padded", 1, 0, 10, 0 },
		{ "odd payload length", 255, 33, 0, 0 },
		{ "after destination options", 64, 56, 0, 1 },
	};
	uint8_t payload[1500];
	unsigned int i, j;

	(void)state;
	for (j = 0; j < sizeof(payload); j++)
		payload[j] = (uint8_t)(j * 7 + 3);
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint8_t req[PB_MAX_FRAME], want[PB_MAX_FRAME];
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_pkt q, r;
		struct nc_pkt p;
		uint32_t len, wlen;

		pb_init6(&q, 58);
		memcpy(q.src_mac, client_mac, 6);
		pb_ip6(q.sip6, CLIENT6);
		pb_ip6(q.dip6, VIP6);
		q.ttl = cases[i].hop;
		q.tclass = 0x10;
		q.flow_label = 0xbeef1;
		q.icmp_id = 0x77;
		q.icmp_seq = (uint16_t)(i + 1);
		q.payload = payload;
		q.payload_len = cases[i].payload_len;
		q.pad = cases[i].pad;
		if (cases[i].dst_ext)
			add_ext(&q, 60, 1);
		r = q;
		memcpy(r.dst_mac, client_mac, 6);
		memcpy(r.src_mac, our_mac, 6);
		memcpy(r.sip6, q.dip6, 16);
		memcpy(r.dip6, q.sip6, 16);
		r.ttl = 64;
		r.icmp_type = 129;
		r.pad = 0;
		len = build_parse(&q, req, &p);
		wlen = pb_build(&r, want, sizeof(want));
		m = fake_mbuf(&fm, PB_MAX_FRAME, req, len);
		assert_int_equal(nc_icmp6_make_echo_reply(m, &p), 0);
		if (memcmp(rte_pktmbuf_mtod(m, uint8_t *), want, wlen) != 0)
			print_error("case '%s'\n", cases[i].desc);
		assert_frame(m, want, wlen);
		assert_csum_ok(m);
	}
}

static void
test_icmp6_echo_reply_refuses(void **state)
{
	static const struct {
		const char *desc;
		uint8_t proto, type, code;
		const char *dip;
	} cases[] = {
		{ "echo reply", 58, 129, 0, VIP6 },
		{ "code 1", 58, 128, 1, VIP6 },
		{ "NS", 58, 135, 0, VIP6 },
		{ "to all-nodes", 58, 128, 0, "ff02::1" },
		{ "UDP", 17, 128, 0, VIP6 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint8_t f[PB_MAX_FRAME];
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_pkt q;
		struct nc_pkt p;
		uint32_t len;

		pb_init6(&q, cases[i].proto);
		q.icmp_type = cases[i].type;
		q.icmp_code = cases[i].code;
		pb_ip6(q.dip6, cases[i].dip);
		len = build_parse(&q, f, &p);
		m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
		if (nc_icmp6_make_echo_reply(m, &p) != -EINVAL)
			fail_msg("case '%s' not refused", cases[i].desc);
		assert_frame(m, f, len);
	}
	/* an IPv4 echo request is not ours to answer here */
	{
		uint8_t f[PB_MAX_FRAME];
		struct fake_mbuf fm;
		struct rte_mbuf *m;
		struct pb_pkt q;
		struct nc_pkt p;
		uint32_t len;

		pb_init(&q, 1);
		len = pb_build(&q, f, sizeof(f));
		assert_int_equal(nc_pkt_parse(f, len, &port_mac, 0, &p), NC_DROP_MAX);
		m = fake_mbuf(&fm, PB_MAX_FRAME, f, len);
		assert_int_equal(nc_icmp6_make_echo_reply(m, &p), -EINVAL);
	}
}

/* ------------------------------------------------ TCP sequence numbers */

/* Fail naming the case <i>. */
#define EXPECT(i, got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ != w_) \
		fail_msg("case %u: %s = %lld, want %lld", (unsigned int)(i), #got, g_, w_); \
} while (0)

static void
test_seq_order(void **state)
{
	static const struct {
		uint32_t a, b;
		int lt, le;
	} cases[] = {
		{ 5, 5, 0, 1 },
		{ 5, 6, 1, 1 },
		{ 6, 5, 0, 0 },
		{ 0xfffffff0u, 0x00000010u, 1, 1 },   /* across the wrap */
		{ 0x00000010u, 0xfffffff0u, 0, 0 },
		{ 0xffffffffu, 0x00000000u, 1, 1 },
		{ 0x00000000u, 0xffffffffu, 0, 0 },
		{ 0x00000000u, 0x7fffffffu, 1, 1 },   /* half the space ahead */
		{ 0x7fffffffu, 0x00000000u, 0, 0 },
		{ 0x80000001u, 0x00000000u, 1, 1 },   /* more than half: behind */
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		EXPECT(i, !!nc_seq_lt(cases[i].a, cases[i].b), cases[i].lt);
		EXPECT(i, !!nc_seq_le(cases[i].a, cases[i].b), cases[i].le);
	}
}

/* A client that saw A's ISN keeps seeing A's numbers after the splice to B,
 * and B gets its own numbers back from the client's acks. */
static void
test_seq_splice(void **state)
{
	static const struct {
		uint32_t isn_a, isn_b;
	} cases[] = {
		{ 1000, 1000 },
		{ 1000, 5000 },
		{ 0xfffffff0u, 0x00000010u },
		{ 0x00000010u, 0xfffffff0u },
		{ 0xffffffffu, 0x00000000u },
		{ 0x00000000u, 0xffffffffu },
		{ 0x80000000u, 0x00000001u },
	};
	static const uint32_t offs[] = { 0, 1, 14, 15, 16, 17, 1460, 65535, 0x7fffffffu,
					 0xfffffffeu };
	unsigned int i, j;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		uint32_t d = nc_seq_delta(cases[i].isn_a, cases[i].isn_b);

		for (j = 0; j < RTE_DIM(offs); j++) {
			uint32_t n = offs[j];
			uint32_t seq_b = cases[i].isn_b + 1 + n;     /* B's n-th byte */
			uint32_t seq_a = cases[i].isn_a + 1 + n;     /* the client's view */

			EXPECT(i, nc_seq_to_client(seq_b, d), seq_a);
			EXPECT(i, nc_seq_to_server(seq_a, d), seq_b);
			EXPECT(i, nc_seq_to_server(nc_seq_to_client(n, d), d), n);
			EXPECT(i, nc_seq_to_client(nc_seq_to_server(n, d), d), n);
			/* order is kept through the translation */
			EXPECT(i, nc_seq_lt(nc_seq_to_client(cases[i].isn_b, d),
					    nc_seq_to_client(seq_b, d)),
			       nc_seq_lt(cases[i].isn_b, seq_b));
			EXPECT(i, nc_seq_le(nc_seq_to_server(seq_a, d),
					    nc_seq_to_server(cases[i].isn_a, d)),
			       nc_seq_le(seq_a, cases[i].isn_a));
		}
	}
}

/* ------------------------------------------------------------------ RSS */

static uint32_t
ip4(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return rte_cpu_to_be_32(a << 24 | b << 16 | c << 8 | d);
}

/* nc_rss4's low byte against the IPv4-with-TCP vectors of Microsoft's
 * "Verifying the RSS Hash Calculation" (the default key), then against
 * DPDK's rte_softrss on random tuples, and the XOR of parts' hashes. */
static void
test_rss_vectors(void **state)
{
	static const struct {
		uint16_t sport, dport;
		uint32_t hash;
	} v[] = {
		{ 2794, 1766, 0x51ccc178 },
		{ 14230, 4739, 0xc626b0ea },
		{ 12898, 38024, 0x5c2b394a },
		{ 48228, 2217, 0xafc7327f },
		{ 44251, 1303, 0x10e828a2 },
	};
	static struct nc_rss r;
	uint32_t src[RTE_DIM(v)] = { ip4(66, 9, 149, 187), ip4(199, 92, 111, 2), ip4(24, 19, 198, 95),
				     ip4(38, 27, 205, 30), ip4(153, 39, 163, 191) };
	uint32_t dst[RTE_DIM(v)] = { ip4(161, 142, 100, 80), ip4(65, 69, 140, 83),
				     ip4(12, 22, 207, 184), ip4(209, 142, 163, 6),
				     ip4(202, 188, 127, 2) };
	unsigned int i;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	nc_rss_init(&r, nc_rss_key_default);
	for (i = 0; i < RTE_DIM(v); i++)
		EXPECT(i, nc_rss4(&r, src[i], dst[i], rte_cpu_to_be_16(v[i].sport),
				  rte_cpu_to_be_16(v[i].dport)), v[i].hash & 0xff);
	for (i = 0; i < 10000; i++) {
		uint32_t t[3], s, d;
		uint16_t sp, dp;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s = (uint32_t)x;
		d = (uint32_t)(x >> 32);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		sp = (uint16_t)x;
		dp = (uint16_t)(x >> 16);
		t[0] = rte_be_to_cpu_32(s);
		t[1] = rte_be_to_cpu_32(d);
		t[2] = (uint32_t)rte_be_to_cpu_16(sp) << 16 | rte_be_to_cpu_16(dp);
		EXPECT(i, nc_rss4(&r, s, d, sp, dp), rte_softrss(t, 3, nc_rss_key_default) & 0xff);
		EXPECT(i, nc_rss4(&r, s, d, sp, dp),
		       nc_rss4(&r, s, 0, 0, 0) ^ nc_rss4(&r, 0, d, 0, 0) ^
		       nc_rss4(&r, 0, 0, sp, 0) ^ nc_rss4(&r, 0, 0, 0, dp));
	}
}

/* nc_rss6 likewise: Microsoft's IPv6-with-TCP vectors, rte_softrss on
 * random tuples, the XOR of the parts'. */
static void
test_rss6_vectors(void **state)
{
	static const struct {
		uint8_t src[16], dst[16];
		uint16_t sport, dport;
		uint32_t hash;
	} v[] = {
		{ { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x07 },
		  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01 },
		  2794, 1766, 0x40207d3d },
		{ { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef,
		    0xab },
		  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 },
		  14230, 4739, 0xdde51bbf },
		{ { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21,
		    0x67, 0xcf },
		  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
		  44251, 38024, 0x02d1feef },
	};
	static struct nc_rss r;
	unsigned int i, j;
	uint64_t x = 0x2545f4914f6cdd1dull;

	(void)state;
	nc_rss_init(&r, nc_rss_key_default);
	for (i = 0; i < RTE_DIM(v); i++)
		EXPECT(i, nc_rss6(&r, v[i].src, v[i].dst, rte_cpu_to_be_16(v[i].sport),
				  rte_cpu_to_be_16(v[i].dport)), v[i].hash & 0xff);
	for (i = 0; i < 2000; i++) {
		uint8_t t8[36];
		uint32_t t[9];
		uint16_t sp, dp;

		for (j = 0; j < 36; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			t8[j] = (uint8_t)x;
		}
		for (j = 0; j < 9; j++)
			t[j] = (uint32_t)t8[4 * j] << 24 | (uint32_t)t8[4 * j + 1] << 16 |
			       (uint32_t)t8[4 * j + 2] << 8 | t8[4 * j + 3];
		memcpy(&sp, t8 + 32, 2);
		memcpy(&dp, t8 + 34, 2);
		EXPECT(i, nc_rss6(&r, t8, t8 + 16, sp, dp), rte_softrss(t, 9, nc_rss_key_default) & 0xff);
		EXPECT(i, nc_rss6(&r, t8, t8 + 16, sp, dp),
		       nc_rss6(&r, t8, NULL, 0, 0) ^ nc_rss6(&r, NULL, t8 + 16, 0, 0) ^
		       nc_rss6(&r, NULL, NULL, sp, 0) ^ nc_rss6(&r, NULL, NULL, 0, dp));
	}
}

/*
 * IPv6 SYN cookies: a cookie is good for its own tuple at its MSS index, and
 * for no other: every one of the 32 address bytes changed alone, the two
 * addresses swapped, the ports swapped, the address bytes moved 8 or 4 bytes
 * on (what a fold into 64 or 32 bits would keep) - each passes for forged.
 * An IPv4 cookie is the tuple form's.
 */
static void
test_syncookie6(void **state)
{
	const struct nc_syncookie_key key = { { { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL },
						{ 0x1716151413121110ULL, 0x1f1e1d1c1b1a1918ULL } } };
	uint8_t c[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
	uint8_t v[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00 };
	const uint16_t sp = 0x409c, dp = 0x5000;   /* 40000, 80 as on the wire */
	struct nc_syncookie_tuple t, u;
	uint8_t x[16], y[16];
	uint32_t cookie;
	unsigned int i, k;

	(void)state;
	nc_syncookie_tuple6(&t, c, v, sp, dp);
	for (k = 0; k < NC_SYNCOOKIE_MSS_N; k++) {
		cookie = nc_syncookie_make_t(&key, &t, 0x10000000u, 77, k);
		assert_int_equal(nc_syncookie_check_t(&key, &t, 0x10000000u, cookie, 77), (int)k);
		assert_int_equal(nc_syncookie_check_t(&key, &t, 0x10000000u, cookie, 78), (int)k);
		assert_int_equal(nc_syncookie_check_t(&key, &t, 0x10000000u, cookie, 79), -1);
	}
	cookie = nc_syncookie_make_t(&key, &t, 0x10000000u, 77, 3);
	for (i = 0; i < 32; i++) {
		memcpy(x, c, 16);
		memcpy(y, v, 16);
		(i < 16 ? x : y)[i % 16] ^= 0x40;
		nc_syncookie_tuple6(&u, x, y, sp, dp);
		assert_int_equal(nc_syncookie_check_t(&key, &u, 0x10000000u, cookie, 77), -2);
	}
	for (k = 4; k <= 8; k += 4)
		for (i = 0; i + k < 16; i++) {
			memcpy(x, c, 16);
			x[i] ^= 0x5a;
			x[i + k] ^= 0x5a;
			nc_syncookie_tuple6(&u, x, v, sp, dp);
			assert_int_equal(nc_syncookie_check_t(&key, &u, 0x10000000u, cookie, 77), -2);
		}
	nc_syncookie_tuple6(&u, v, c, sp, dp);
	assert_int_equal(nc_syncookie_check_t(&key, &u, 0x10000000u, cookie, 77), -2);
	nc_syncookie_tuple6(&u, c, v, dp, sp);
	assert_int_equal(nc_syncookie_check_t(&key, &u, 0x10000000u, cookie, 77), -2);
	/* IPv4: the same cookie by either form, its own tuple only */
	nc_syncookie_tuple4(&u, 0x0a01a8c0u, 0x6400000au, sp, dp);
	cookie = nc_syncookie_make(&key, 0x0a01a8c0u, 0x6400000au, sp, dp, 5, 77, 2);
	assert_int_equal(nc_syncookie_make_t(&key, &u, 5, 77, 2), cookie);
	assert_int_equal(nc_syncookie_check(&key, 0x0a01a8c0u, 0x6400000au, sp, dp, 5, cookie, 77), 2);
	assert_int_equal(nc_syncookie_check(&key, 0x0b01a8c0u, 0x6400000au, sp, dp, 5, cookie, 77), -2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_covers_every_reason),
		cmocka_unit_test(test_drop_names),
		cmocka_unit_test(test_syncookie6),
		cmocka_unit_test(test_csum_random_rewrites),
		cmocka_unit_test(test_csum_vectors),
		cmocka_unit_test(test_ipv4_hdr_csum_ok),
		cmocka_unit_test(test_csum_adjust_many_words),
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_arp_reply_refuses),
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_icmp_echo_reply),
		cmocka_unit_test(test_icmp_echo_reply_refuses),
		cmocka_unit_test(test_csum_delta128),
		cmocka_unit_test(test_nd_parse_accepts),
		cmocka_unit_test(test_nd_parse_refuses),
		cmocka_unit_test(test_nd_make_na),
		cmocka_unit_test(test_nd_make_na_dad),
		cmocka_unit_test(test_nd_make_ns),
		cmocka_unit_test(test_nd_make_ns_unicast),
		cmocka_unit_test(test_martians_and_flags),
		cmocka_unit_test(test_nd_make_unsolicited_na),
		cmocka_unit_test(test_icmp6_echo_reply),
		cmocka_unit_test(test_icmp6_echo_reply_refuses),
		cmocka_unit_test(test_seq_order),
		cmocka_unit_test(test_seq_splice),
		cmocka_unit_test(test_rss_vectors),
		cmocka_unit_test(test_rss6_vectors),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
