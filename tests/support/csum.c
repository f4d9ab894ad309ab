/* SPDX-License-Identifier: BSD-3-Clause
 * Byte order and Internet checksums (see nc_test_support.h).
 */
#include "nc_test_support.h"

#define PROTO_TCP 6
#define PROTO_UDP 17

uint16_t
pb_get16(const uint8_t *d)
{
	return (uint16_t)(d[0] << 8 | d[1]);
}

uint32_t
pb_get32(const uint8_t *d)
{
	return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
}

void
pb_put16(uint8_t *d, uint16_t v)
{
	d[0] = (uint8_t)(v >> 8);
	d[1] = (uint8_t)v;
}

void
pb_put32(uint8_t *d, uint32_t v)
{
	d[0] = (uint8_t)(v >> 24);
	d[1] = (uint8_t)(v >> 16);
	d[2] = (uint8_t)(v >> 8);
	d[3] = (uint8_t)v;
}

uint32_t
pb_csum_add(uint32_t sum, const uint8_t *d, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += pb_get16(d + i);
	if (len & 1)
		sum += (uint32_t)d[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t
pb_csum(const uint8_t *d, size_t len, uint32_t sum)
{
	return (uint16_t)~pb_csum_add(sum, d, len);
}

uint32_t
pb_pseudo_sum(uint32_t sip, uint32_t dip, uint8_t proto, uint16_t l4_len)
{
	return (sip >> 16) + (sip & 0xffff) + (dip >> 16) + (dip & 0xffff) + proto + l4_len;
}

uint32_t
pb_pseudo_sum6(const uint8_t *sip, const uint8_t *dip, uint8_t proto, uint32_t l4_len)
{
	uint32_t s = pb_csum_add(pb_csum_add(0, sip, 16), dip, 16);

	return s + (l4_len >> 16) + (l4_len & 0xffff) + proto;
}

/* The checksum of <len> bytes at <d> from the partial sum <sum>, the 16-bit field
 * at the even offset <off> counted as zero (summing around it keeps the words
 * aligned). */
static uint16_t
csum_without(const uint8_t *d, uint32_t len, uint32_t off, uint32_t sum)
{
	return pb_csum(d + off + 2, len - off - 2, pb_csum_add(sum, d, off));
}

/* The IPv4 header length of the frame <f>: IHL words, 20 bytes at least. */
static uint32_t
ip_hdr_len(const uint8_t *f)
{
	uint32_t hl = pb_l4_off(f) - PB_IP_OFF;

	return hl < 20 ? 20 : hl;
}

/* The L4 length of the IPv4 frame <f>: total length less IHL, as its header says. */
static uint32_t
hdr_l4_len(const uint8_t *f)
{
	return pb_get16(f + PB_IP_OFF + 2) - (pb_l4_off(f) - PB_IP_OFF);
}

/* Offset of the checksum in a TCP or UDP header. */
static uint32_t
l4_csum_off(uint8_t proto)
{
	return proto == PROTO_TCP ? 16 : 6;
}

bool
pb_ip_csum_ok(const uint8_t *f, uint32_t len)
{
	uint32_t hl = ip_hdr_len(f);

	return PB_IP_OFF + hl <= len && pb_csum(f + PB_IP_OFF, hl, 0) == 0;
}

void
pb_ip_csum_fix(uint8_t *f)
{
	pb_put16(f + PB_IP_OFF + 10, csum_without(f + PB_IP_OFF, ip_hdr_len(f), 10, 0));
}

uint16_t
pb_l4_csum(const uint8_t *f, uint32_t l4_len)
{
	const uint8_t *ip = f + PB_IP_OFF;
	uint8_t proto = ip[9];
	uint16_t c;

	c = csum_without(f + pb_l4_off(f), l4_len, l4_csum_off(proto),
			 pb_pseudo_sum(pb_get32(ip + 12), pb_get32(ip + 16), proto, (uint16_t)l4_len));
	if (proto == PROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

void
pb_l4_csum_fix(uint8_t *f)
{
	uint8_t proto = f[PB_IP_OFF + 9];

	if (proto == PROTO_TCP || proto == PROTO_UDP)
		pb_put16(f + pb_l4_off(f) + l4_csum_off(proto), pb_l4_csum(f, hdr_l4_len(f)));
}

bool
pb_icmp_csum_ok(const uint8_t *f)
{
	return pb_csum(f + pb_l4_off(f), hdr_l4_len(f), 0) == 0;
}

void
pb_icmp_csum_fix(uint8_t *f)
{
	pb_put16(f + pb_l4_off(f) + 2, csum_without(f + pb_l4_off(f), hdr_l4_len(f), 2, 0));
}

/* Offset of the checksum in a TCP, UDP or ICMPv6 header. */
static uint32_t
l4_csum_off6(uint8_t proto)
{
	return proto == PROTO_TCP ? 16 : proto == PROTO_UDP ? 6 : 2;
}

uint16_t
pb_l4_csum6(const uint8_t *f, uint32_t l4_off, uint8_t proto, uint32_t l4_len)
{
	const uint8_t *ip = f + PB_IP_OFF;
	uint16_t c;

	c = csum_without(f + l4_off, l4_len, l4_csum_off6(proto),
			 pb_pseudo_sum6(ip + 8, ip + 24, proto, l4_len));
	if (proto == PROTO_UDP && c == 0)
		c = 0xffff;
	return c;
}

void
pb_l4_csum6_fix(uint8_t *f, uint32_t l4_off, uint8_t proto, uint32_t l4_len)
{
	pb_put16(f + l4_off + l4_csum_off6(proto), pb_l4_csum6(f, l4_off, proto, l4_len));
}
