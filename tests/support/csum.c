/* SPDX-License-Identifier: BSD-3-Clause
 * Byte order and Internet checksums (see nc_test_support.h).
 */
#include "nc_test_support.h"

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

/* The L4 length of the IPv4 frame <f>: total length less IHL, as its header says. */
static uint32_t
l4_len(const uint8_t *f)
{
	return pb_get16(f + PB_IP_OFF + 2) - (pb_l4_off(f) - PB_IP_OFF);
}

bool
pb_ip_csum_ok(const uint8_t *f, uint32_t len)
{
	uint32_t hl = pb_l4_off(f) - PB_IP_OFF;

	if (hl < 20)
		hl = 20;
	return PB_IP_OFF + hl <= len && pb_csum(f + PB_IP_OFF, hl, 0) == 0;
}

bool
pb_icmp_csum_ok(const uint8_t *f)
{
	return pb_csum(f + pb_l4_off(f), l4_len(f), 0) == 0;
}
