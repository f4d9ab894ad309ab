/* SPDX-License-Identifier: BSD-3-Clause
 * What tells a server the client's address under full NAT: the PROXY
 * protocol's v1 and v2 headers (haproxy's proxy-protocol.txt) and the TOA
 * option (kind 254, as DPVS's toa module reads it). Pure builders over plain
 * buffers: any lcore, no allocation, no lock.
 */
#include "nc_net.h"

/* Decimal digits of <v> at <p>; returns the position past them. */
static inline uint8_t *
put_dec(uint8_t *p, uint32_t v)
{
	uint8_t tmp[10];
	unsigned int n = 0;

	do {
		tmp[n++] = (uint8_t)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n != 0)
		*p++ = tmp[--n];
	return p;
}

/* Dotted quad of <ip> (network order) at <p>. */
static inline uint8_t *
put_ip(uint8_t *p, uint32_t ip)
{
	const uint8_t *b = (const uint8_t *)&ip;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		if (i != 0)
			*p++ = '.';
		p = put_dec(p, b[i]);
	}
	return p;
}

unsigned int
nc_proxy_v1_build(uint8_t *out, uint32_t src_ip, uint32_t dst_ip, uint16_t src_port,
		  uint16_t dst_port)
{
	static const char pre[] = "PROXY TCP4 ";
	uint8_t *p = out;

	memcpy(p, pre, sizeof(pre) - 1);
	p += sizeof(pre) - 1;
	p = put_ip(p, src_ip);
	*p++ = ' ';
	p = put_ip(p, dst_ip);
	*p++ = ' ';
	p = put_dec(p, rte_be_to_cpu_16(src_port));
	*p++ = ' ';
	p = put_dec(p, rte_be_to_cpu_16(dst_port));
	*p++ = '\r';
	*p++ = '\n';
	return (unsigned int)(p - out);
}

unsigned int
nc_proxy_v2_build(uint8_t *out, uint8_t proto, uint32_t src_ip, uint32_t dst_ip,
		  uint16_t src_port, uint16_t dst_port)
{
	static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

	memcpy(out, sig, sizeof(sig));
	out[12] = 0x21;   /* version 2, command PROXY */
	/* AF_INET with STREAM (TCP) or DGRAM (UDP) */
	out[13] = proto == IPPROTO_UDP ? 0x12 : 0x11;
	out[14] = 0;      /* 12 bytes of addresses follow */
	out[15] = 12;
	memcpy(out + 16, &src_ip, 4);
	memcpy(out + 20, &dst_ip, 4);
	memcpy(out + 24, &src_port, 2);
	memcpy(out + 26, &dst_port, 2);
	return NC_PROXY_V2_LEN;
}

void
nc_toa_build(uint8_t *out, uint32_t ip, uint16_t port)
{
	out[0] = NC_TOA_KIND;
	out[1] = NC_TOA_LEN;
	memcpy(out + 2, &port, 2);
	memcpy(out + 4, &ip, 4);
}
