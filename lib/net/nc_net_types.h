/* SPDX-License-Identifier: BSD-3-Clause
 * Why a packet is not forwarded: the drop reasons, from one X-macro list so
 * that a reason, its counter and its metric name can never disagree. The
 * parser (nc_pkt_parse) returns the first few; the data plane the rest.
 * No dependency: tools and tests include it as they are.
 */
#ifndef NC_NET_TYPES_H
#define NC_NET_TYPES_H

/*
 * _(ENUM, "name", "what it means") - checked in this order on the fast path.
 * IPv6: version, then length, then the extension headers one by one in chain
 * order (each judged in this order, the first that fails decides), then the
 * upper-layer header.
 */
#define NC_FOREACH_DROP(_) \
	_(SHORT_FRAME,      "short_frame",      "frame shorter than the headers it announces") \
	_(L2_OTHER_HOST,    "l2_other_host",    "destination MAC neither ours nor broadcast") \
	_(L2_UNSUPPORTED,   "l2_unsupported",   "ethertype not IPv4, IPv6 or ARP (QinQ, ...)") \
	_(IP_BAD_HEADER,    "ip_bad_header",    "IP version not 4 or IHL below 5") \
	_(IP_BAD_LEN,       "ip_bad_len",       "IP total length below the header or beyond the frame; IPv6 payload length 0, or it or an extension header beyond the frame") \
	_(IP_OPTIONS,       "ip_options",       "IP options present (IHL above 5)") \
	_(IP_BAD_CSUM,      "ip_bad_csum",      "IP header checksum wrong") \
	_(IP_FRAGMENT,      "ip_fragment",      "IP fragment not reassembled: not TCP or UDP, or with a bad length; an IPv6 Fragment header after other extension headers") \
	_(FRAG_TINY,        "frag_tiny",        "IPv4 or IPv6 first fragment too short for the whole TCP/UDP header, or a TCP fragment at offset 8 (RFC 3128, RFC 7112)") \
	_(FRAG_OVERLAP,     "frag_overlap",     "IPv4 or IPv6 fragment overlapping one already received of its datagram, or a later fragment of such a datagram (RFC 1858, RFC 5722)") \
	_(FRAG_REFUSED,     "frag_refused",     "IPv4 or IPv6 fragment the reassembly table refused with its datagram: table full, more than 8 fragments, or an inconsistent set") \
	_(FRAG_EXPIRED,     "frag_expired",     "IPv4 or IPv6 fragment held for reassembly and freed: its datagram incomplete after 2 s, or its entry reused") \
	_(FRAG_DF,          "frag_df",          "reassembled IPv4 datagram over the egress MTU with DF set: not forwarded") \
	_(FRAG_NO_MBUF,     "frag_no_mbuf",     "reassembled datagram (IPv4 or IPv6) over the egress MTU not fragmented: no buffer left") \
	_(IP6_BAD_HEADER,   "ip6_bad_header",   "IPv6 ethertype, version not 6") \
	_(IP6_EXT_CHAIN,    "ip6_ext_chain",    "more than 8 IPv6 extension headers") \
	_(IP6_HOP_BY_HOP,   "ip6_hop_by_hop",   "IPv6 hop-by-hop options header") \
	_(IP6_ROUTING,      "ip6_routing",      "IPv6 routing header of type 0 or with segments left") \
	_(IP6_EXT_UNKNOWN,  "ip6_ext_unknown",  "IPv6 extension header we do not walk (AH, ESP, mobility, HIP, shim6, experimental)") \
	_(L4_UNSUPPORTED,   "l4_unsupported",   "IP protocol not TCP, UDP or ICMP (ICMPv6 for IPv6)") \
	_(L4_BAD_HEADER,    "l4_bad_header",    "TCP data offset or UDP length inconsistent") \
	_(FRAME_CHAINED,    "frame_chained",    "frame received in more than one buffer (longer than one mbuf segment): not handled") \
	_(SRC_MARTIAN,      "src_martian",      "source address never valid on the wire: 0/8, 127/8, 224/4, 240/4 and 255.255.255.255; IPv6 ::, ::1, ff00::/8, ::ffff:0:0/96") \
	_(SRC_OURS,         "src_ours",         "source address is one of the appliance's own (a VIP, local IP or port address)") \
	_(SRC_SERVER,       "src_server",       "new flow to a VIP from the address of one of the service's servers") \
	_(TCP_BAD_FLAGS,    "tcp_bad_flags",    "new TCP flow with an impossible flag set: SYN with FIN or RST, neither SYN nor ACK nor RST, FIN, PSH or URG without ACK") \
	_(ARP_INVALID,      "arp_invalid",      "ARP not Ethernet/IPv4, from 0.0.0.0, from off the port's subnets, or with a sender MAC that is group, zero or the appliance's own") \
	_(ARP_NOT_FOR_US,   "arp_not_for_us",   "ARP request for an address that is not ours, or a reply we did not ask for (a known sender's entry is refreshed all the same)") \
	_(ARP_CONFLICT,     "arp_conflict",     "ARP from a sender claiming one of the appliance's own addresses (gratuitous ARP for a VIP, ...): not learned, not answered") \
	_(NEIGH_REPLY_STATIC, "neigh_reply_static", "ARP reply or neighbor advertisement from a configured (static) neighbor: its configured MAC stays") \
	_(ND_INVALID,       "nd_invalid",       "IPv6 neighbor discovery that fails RFC 4861 validation, or with a link-layer address that is group, zero or the appliance's own") \
	_(ND_NOT_FOR_US,    "nd_not_for_us",    "IPv6 neighbor solicitation for a target not ours, advertisement of no entry we have, or one claiming an address of ours") \
	_(ICMP6_UNANSWERED, "icmp6_unanswered", "ICMPv6 to the control lcore it does not answer (echo request to an address not ours, or an unknown type)") \
	_(NOT_FOR_US,       "not_for_us",       "destination IP not an address of the appliance") \
	_(ICMP_UNSUPPORTED, "icmp_unsupported", "ICMP to us that is not an echo request") \
	_(ICMP_NO_FLOW,     "icmp_no_flow",     "ICMP error quoting a packet of no live flow (its local port, server or protocol not a flow's): not acted on") \
	_(ICMP_OUT_OF_WINDOW, "icmp_out_of_window", "ICMP error quoting a TCP sequence number outside its leg's window, unacknowledged to next sent (RFC 5927): not acted on") \
	_(TTL_EXPIRED,      "ttl_expired",      "TTL 1 or 0 on a packet to forward") \
	_(NO_SERVICE,       "no_service",       "no service at this VIP, port and protocol") \
	_(NO_FLOW,          "no_flow",          "TCP non-SYN or server reply with no flow") \
	_(FLOW_TABLE_FULL,  "flow_table_full",  "new flow refused: flow table full") \
	_(NO_LOCAL_PORT,    "no_local_port",    "new flow refused: no free local port") \
	_(NO_SERVER,        "no_server",        "new flow refused: no server up") \
	_(SOURCE_RATE,      "source_rate",      "new flow refused: its client (IPv6: its /64) over limits.new_flows_per_source") \
	_(HALF_OPEN_MAX,    "half_open_max",    "new TCP flow refused: its service has limits.half_open_max handshakes under way") \
	_(UDP_UNREPLIED_MAX, "udp_unreplied_max", "new UDP flow refused: its service has limits.udp_unreplied_max flows no server answered") \
	_(NEIGH_UNRESOLVED, "neigh_unresolved", "next-hop MAC not resolved yet") \
	_(NEIGH_TIMEOUT,    "neigh_timeout",    "packet held for its sender's MAC dropped: no answer in time, its wait queue full, or no neighbor entry free for it") \
	_(NO_ROUTE,         "no_route",         "no port subnet or route reaches the client") \
	_(CTL_RING_FULL,    "ctl_ring_full",    "control ring full (ARP, ICMP)") \
	_(HANDOFF_FULL,     "handoff_full",     "ring to the owning worker full") \
	_(TX_FULL,          "tx_full",          "transmit queue full") \
	_(TX_CHAINED,       "tx_chained",       "frame in several buffers for a port that sends single-segment frames only (net_af_xdp) that could not be made one: too long for one buffer, or none free") \
	_(FS_GAP,           "fs_gap",           "fail-safe: server segment past a gap in bytes its framing needs, as a response head (resent by its sender)") \
	_(STALLED,          "stalled",          "flow sync: the dispatcher stood still; nothing forwarded (nor what was built before) until the cluster says whether a peer took its flows") \
	_(CA_TOO_BIG,       "ca_too_big",       "UDP datagram of a proxy-v2 service over the MTU with its PROXY header") \
	_(CA_NO_ROOM,       "ca_no_room",       "UDP datagram of a proxy-v2 service with no headroom for its PROXY header, or not in one buffer") \
	_(NAT64_TOO_BIG,    "nat64_too_big",    "IPv4 answer of a NAT64 flow over the MTU as IPv6: not forwarded; with DF set, its server gets ICMP fragmentation needed") \
	_(NAT64_NO_ROOM,    "nat64_no_room",    "IPv4 answer of a NAT64 flow with no headroom for the IPv6 header, or not in one buffer") \
	_(SYNCOOKIE_BAD,    "syncookie_bad",    "syn_proxy: ACK of no flow whose SYN cookie is not ours (forged, or an MSS index or window scale no cookie carries)") \
	_(SYNCOOKIE_EXPIRED, "syncookie_expired", "syn_proxy: ACK of no flow whose SYN cookie is too old") \
	_(SYNPROXY_PENDING, "syn_proxy_pending", "syn_proxy: client segment while its server has not answered the appliance's SYN, beyond the first held (sent again by the client)")

enum nc_drop {
#define NC_DROP_ENUM(e, n, d) NC_DROP_##e,
	NC_FOREACH_DROP(NC_DROP_ENUM)
#undef NC_DROP_ENUM
	NC_DROP_MAX
};

#endif /* NC_NET_TYPES_H */
