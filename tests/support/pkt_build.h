/* SPDX-License-Identifier: BSD-3-Clause
 * Test packet builder: Ethernet / IPv4 / TCP|UDP|ICMP, Ethernet / IPv6 /
 * extension headers / TCP|UDP|ICMPv6 and ARP frames with correct checksums, and knobs that break exactly one field. Checksums are
 * computed from scratch (RFC 1071, nc_test_support.h), independently of the code
 * under test, so a frame the data plane rewrote can be compared byte for byte
 * with the frame this builder makes from the expected fields. No DPDK, no EAL.
 */
#ifndef PKT_BUILD_H
#define PKT_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nc_test_support.h"

#define PB_MAX_FRAME 2048

#define PB_TCP_FIN 0x01
#define PB_TCP_SYN 0x02
#define PB_TCP_RST 0x04
#define PB_TCP_PSH 0x08
#define PB_TCP_ACK 0x10

#define PB_ETH_IPV4 0x0800
#define PB_ETH_ARP  0x0806
#define PB_ETH_VLAN 0x8100
#define PB_ETH_IPV6 0x86dd

/* An IPv4 address a.b.c.d in host order. */
#define PB_IP(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define PB_PROTO_ICMPV6 58
#define PB_MAX_EXT6     12

/* An IPv6 extension header pb_build puts before the upper layer; its body is
 * zeros (Pad1 options) but for the fields below. */
struct pb_ext6 {
	uint8_t type;            /* next-header value: 0, 43, 44, 60, 51, 135, ... */
	uint8_t len;             /* Hdr Ext Len: (len + 1) * 8 bytes; a fragment header is 8 */
	uint8_t rt_type;         /* routing (43): routing type */
	uint8_t seg_left;        /* routing (43): segments left */
	uint16_t frag;           /* fragment (44): offset << 3 | M */
};

/*
 * Everything a frame holds, in host order. pb_init() fills sane defaults;
 * a test changes the fields it cares about, or one knob to break the frame.
 */
struct pb_pkt {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t ethertype;
	uint8_t ip_version;      /* version nibble written: 4 (pb_init6: 6) */
	uint8_t ihl;             /* 32-bit words; above 5 adds NOP option bytes */
	int ihl_field;           /* >= 0: IHL nibble written instead of <ihl> (pb_init: -1) */
	uint8_t tos;
	uint16_t ip_id;
	uint16_t frag;           /* flags and fragment offset */
	uint8_t ttl;             /* IPv6: hop limit */
	uint8_t proto;           /* 6, 17, 1 (IPv4), 58 (IPv6), or anything else (no L4 header then) */
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t tcp_flags;
	uint8_t tcp_doff;        /* 32-bit words; above 5 adds NOP option bytes */
	int doff_field;          /* >= 0: data offset nibble written instead (pb_init: -1) */
	uint16_t window;
	uint16_t urg;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	const uint8_t *payload;
	uint16_t payload_len;
	/* IPv6 layout (pb_init6), instead of IPv4's */
	bool v6;
	uint8_t sip6[16], dip6[16];
	uint8_t tclass;
	uint32_t flow_label;     /* 20 bits */
	uint8_t n_ext;
	struct pb_ext6 ext[PB_MAX_EXT6];
	/* knobs that break one field */
	int tot_len_adj;         /* added to the IP total length (IPv6: payload length) */
	int udp_len_adj;         /* added to the UDP length */
	uint16_t ip_csum_xor;    /* xored into the IP header checksum */
	uint16_t l4_csum_xor;    /* xored into the L4 checksum */
	bool udp_no_csum;        /* send UDP checksum 0 ("none") */
	uint16_t pad;            /* zero bytes after the IP packet (Ethernet padding) */
	uint32_t truncate;       /* cut the frame to this many bytes; 0: whole frame */
};

/* An ARP frame (Ethernet, IPv4). */
struct pb_arp {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t hrd;            /* 1 */
	uint16_t pro;            /* 0x0800 */
	uint8_t hln, pln;        /* 6, 4 */
	uint16_t op;             /* 1 request, 2 reply */
	uint8_t sha[6];
	uint32_t sip;
	uint8_t tha[6];
	uint32_t tip;
	uint16_t pad;            /* trailing zero bytes */
	uint32_t truncate;
};

/* Defaults: IPv4, IHL 5, TTL 64, DF, id 0x1234, the given protocol; TCP
 * window 65535, data offset 5; ICMP echo request id 0x4242 seq 1. */
void pb_init(struct pb_pkt *p, uint8_t proto);

/* Defaults for IPv6: as pb_init, with version 6, 2001:db8:1::10 to
 * 2001:db8::100, hop limit 64, no extension header; ICMPv6 echo request. */
void pb_init6(struct pb_pkt *p, uint8_t proto);

/* The IPv6 address <text> ("2001:db8::1") into <out>; aborts on a typo. */
void pb_ip6(uint8_t out[16], const char *text);

/* Build <p> into <buf> (<cap> bytes). Returns the frame length, 0 if it does not fit. */
uint32_t pb_build(const struct pb_pkt *p, uint8_t *buf, size_t cap);

/* Defaults for an ARP request / reply frame. */
void pb_arp_init(struct pb_arp *a, uint16_t op);
uint32_t pb_arp_build(const struct pb_arp *a, uint8_t *buf, size_t cap);

/*
 * Verify the IPv4 header checksum and the TCP, UDP or ICMP checksum of a frame,
 * or the TCP, UDP or ICMPv6 checksum of an IPv6 frame past its hop-by-hop,
 * routing and destination options headers, by full recomputation (UDP checksum
 * 0 means none over IPv4 and is wrong over IPv6). Returns true when they
 * hold; else false with the reason in <why>.
 */
bool pb_csum_verify(const uint8_t *f, uint32_t len, char *why, size_t whylen);

/* Format the first difference between two frames into <buf> ("" if equal). */
const char *pb_diff(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
		    char *buf, size_t len);

#endif /* PKT_BUILD_H */
