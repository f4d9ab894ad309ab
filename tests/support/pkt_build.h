/* SPDX-License-Identifier: BSD-3-Clause
 * Test packet builder: Ethernet / IPv4 / TCP|UDP|ICMP and ARP frames with
 * correct checksums, and knobs that break exactly one field. Checksums are
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

/*
 * Everything a frame holds, in host order. pb_init() fills sane defaults;
 * a test changes the fields it cares about, or one knob to break the frame.
 */
struct pb_pkt {
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t ethertype;
	uint8_t ip_version;      /* 4 */
	uint8_t ihl;             /* 32-bit words; above 5 adds NOP option bytes */
	int ihl_field;           /* >= 0: IHL nibble written instead of <ihl> (pb_init: -1) */
	uint8_t tos;
	uint16_t ip_id;
	uint16_t frag;           /* flags and fragment offset */
	uint8_t ttl;
	uint8_t proto;           /* 6, 17, 1, or anything else (no L4 header then) */
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
	/* knobs that break one field */
	int tot_len_adj;         /* added to the IP total length */
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

/* Build <p> into <buf> (<cap> bytes). Returns the frame length, 0 if it does not fit. */
uint32_t pb_build(const struct pb_pkt *p, uint8_t *buf, size_t cap);

/* Defaults for an ARP request / reply frame. */
void pb_arp_init(struct pb_arp *a, uint16_t op);
uint32_t pb_arp_build(const struct pb_arp *a, uint8_t *buf, size_t cap);

/*
 * Verify the IPv4 header checksum and the TCP, UDP or ICMP checksum of a frame
 * by full recomputation (UDP checksum 0 means none). Returns true when they
 * hold; else false with the reason in <why>.
 */
bool pb_csum_verify(const uint8_t *f, uint32_t len, char *why, size_t whylen);

/* Format the first difference between two frames into <buf> ("" if equal). */
const char *pb_diff(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen,
		    char *buf, size_t len);

#endif /* PKT_BUILD_H */
