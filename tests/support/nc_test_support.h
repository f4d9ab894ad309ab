/* SPDX-License-Identifier: BSD-3-Clause
 * Test support shared by nc-pktgen, nc-pcap-check and the unit tests: big-endian
 * loads and stores, the Internet checksum (RFC 1071) and the IPv4, TCP, UDP and
 * ICMP checksums of a frame. The sums are computed here from scratch,
 * independently of lib/net, so a tool can judge the frames the appliance wrote.
 * The unit tests' frame builder (pkt_build.h) builds on this header.
 * No DPDK, no EAL; nothing here keeps state: any thread may call it.
 *
 * A frame is Ethernet without VLAN tag, its IPv4 header at PB_IP_OFF.
 */
#ifndef NC_TEST_SUPPORT_H
#define NC_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_ETH_LEN   14
#define PB_IP_OFF    PB_ETH_LEN

/* Big-endian reads and writes. */
uint16_t pb_get16(const uint8_t *d);
uint32_t pb_get32(const uint8_t *d);
void pb_put16(uint8_t *d, uint16_t v);
void pb_put32(uint8_t *d, uint32_t v);

/*
 * Add <len> bytes taken as big-endian words (an odd last byte padded with zero)
 * to the partial sum <sum>, carries folded back in. Folding early leaves the
 * checksum as it is: one's-complement addition is addition modulo 0xffff, and a
 * fold keeps a non-zero sum non-zero.
 */
uint32_t pb_csum_add(uint32_t sum, const uint8_t *d, size_t len);

/* One's-complement checksum (RFC 1071) of <len> bytes taken as big-endian
 * words, starting from the partial sum <sum>; returns ~fold(sum). */
uint16_t pb_csum(const uint8_t *d, size_t len, uint32_t sum);

/* Partial sum of the TCP/UDP pseudo header. */
uint32_t pb_pseudo_sum(uint32_t sip, uint32_t dip, uint8_t proto, uint16_t l4_len);

/* Offset of the L4 header of an IPv4 frame, from its IHL. */
static inline uint32_t
pb_l4_off(const uint8_t *f)
{
	return PB_IP_OFF + (uint32_t)(f[PB_IP_OFF] & 0xf) * 4;
}

/* Whether the IPv4 header checksum of the frame <f> of <len> bytes verifies: the
 * header (IHL words, 20 bytes at least) sums to all ones. False when the header
 * does not fit in <len>. */
bool pb_ip_csum_ok(const uint8_t *f, uint32_t len);

/* Whether the ICMP checksum of the IPv4 frame <f> verifies, over the L4 length
 * its IP header gives (total length less IHL), which the caller has checked. */
bool pb_icmp_csum_ok(const uint8_t *f);

#endif /* NC_TEST_SUPPORT_H */
