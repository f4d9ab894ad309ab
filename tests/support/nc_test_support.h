/* SPDX-License-Identifier: BSD-3-Clause
 * Test support shared by nc-pktgen, nc-pcap-check and the unit tests: big-endian
 * loads and stores, the Internet checksum (RFC 1071), the IPv4, TCP, UDP and
 * ICMP checksums of a frame, and pcap reading. The sums are computed here from
 * scratch, independently of lib/net, so a tool can judge the frames the
 * appliance wrote. The unit tests' frame builder (pkt_build.h) builds on this
 * header and names it all with its prefix, pb_. No DPDK, no EAL; nothing here
 * keeps state: any thread may call it.
 *
 * A frame is Ethernet without VLAN tag, its IPv4 or IPv6 header at PB_IP_OFF.
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

/* Partial sum of the IPv6 pseudo header (RFC 8200 8.1) of 16-byte <sip>, <dip>. */
uint32_t pb_pseudo_sum6(const uint8_t *sip, const uint8_t *dip, uint8_t proto, uint32_t l4_len);

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
/* Write the IPv4 header checksum of the frame <f> (IHL words, 20 bytes at least). */
void pb_ip_csum_fix(uint8_t *f);

/* The TCP or UDP checksum of the IPv4 frame <f>, over the pseudo header and
 * <l4_len> bytes from pb_l4_off(f), its own field counted as zero; a sum of 0
 * is given as 0xffff for UDP, where 0 means "no checksum". <l4_len> reaches
 * past the checksum field. */
uint16_t pb_l4_csum(const uint8_t *f, uint32_t l4_len);
/* Write the TCP or UDP checksum of the IPv4 frame <f> over the L4 length its IP
 * header gives (total length less IHL), trusted; other protocols are left alone. */
void pb_l4_csum_fix(uint8_t *f);

/* Whether the ICMP checksum of the IPv4 frame <f> verifies, over the L4 length
 * its IP header gives, which the caller has checked. */
bool pb_icmp_csum_ok(const uint8_t *f);
/* Write the ICMP checksum of the IPv4 frame <f> over the L4 length its IP header
 * gives, trusted. */
void pb_icmp_csum_fix(uint8_t *f);

/* The TCP, UDP or ICMPv6 (<proto> 58) checksum of the IPv6 frame <f>, whose
 * upper-layer header of <l4_len> bytes starts at frame offset <l4_off>, over
 * the IPv6 pseudo header, its own field counted as zero; a UDP sum of 0 is
 * given as 0xffff (0 is not allowed over IPv6). */
uint16_t pb_l4_csum6(const uint8_t *f, uint32_t l4_off, uint8_t proto, uint32_t l4_len);
/* Write that checksum into the IPv6 frame <f>. */
void pb_l4_csum6_fix(uint8_t *f, uint32_t l4_off, uint8_t proto, uint32_t l4_len);

/* Called by pb_pcap_read() with each frame: its <len> captured bytes at <b> and
 * its capture time <ts_us> (microseconds since the epoch). Returns 0 to go on,
 * or a negative errno that stops the read. */
typedef int (*pb_pcap_fn)(void *arg, const uint8_t *b, uint32_t len, uint64_t ts_us);

/* Hand every frame of the Ethernet pcap file <path>, in file order, to <fn> with
 * <arg>. Returns 0; -EIO when the file cannot be read or -EINVAL when it is not
 * an Ethernet capture, the reason printed to stderr after "<prog>: <path>: ";
 * or what <fn> returned, printed by nobody. */
int pb_pcap_read(const char *path, const char *prog, pb_pcap_fn fn, void *arg);

#endif /* NC_TEST_SUPPORT_H */
