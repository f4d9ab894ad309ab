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

/* Lower-case hexadecimal digits of <v>, no leading zeros, at <p>. */
static inline uint8_t *
put_hex(uint8_t *p, unsigned int v)
{
	static const char hex[] = "0123456789abcdef";
	int sh = 12;

	while (sh > 0 && (v >> sh) == 0)
		sh -= 4;
	for (; sh >= 0; sh -= 4)
		*p++ = (uint8_t)hex[(v >> sh) & 0xf];
	return p;
}

/*
 * IPv6 address <ip> (16 bytes) at <p> as inet_ntop() writes it (RFC 5952):
 * groups in lower-case hex, the first longest run of two or more zero groups
 * as "::", and the last 32 bits dotted after 96 zero bits or ::ffff:.
 */
static uint8_t *
put_ip6(uint8_t *p, const uint8_t *ip)
{
	unsigned int g[8], i, best = 8, best_len = 0, run = 0;

	for (i = 0; i < 8; i++) {
		g[i] = (unsigned int)ip[2 * i] << 8 | ip[2 * i + 1];
		run = g[i] == 0 ? run + 1 : 0;
		if (run > best_len) {
			best_len = run;
			best = i + 1 - run;
		}
	}
	if (best_len < 2)
		best = 8;
	for (i = 0; i < 8; i++) {
		if (i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && g[5] == 0xffff))) {
			uint32_t v4;

			memcpy(&v4, ip + 12, 4);
			return put_ip(p, v4);
		}
		p = put_hex(p, g[i]);
	}
	if (best != 8 && best + best_len == 8)
		*p++ = ':';
	return p;
}

/* " <sport> <dport>\r\n" at <p>: the end of both v1 lines. */
static inline uint8_t *
put_v1_ports(uint8_t *p, uint16_t src_port, uint16_t dst_port)
{
	*p++ = ' ';
	p = put_dec(p, rte_be_to_cpu_16(src_port));
	*p++ = ' ';
	p = put_dec(p, rte_be_to_cpu_16(dst_port));
	*p++ = '\r';
	*p++ = '\n';
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
	p = put_v1_ports(p, src_port, dst_port);
	return (unsigned int)(p - out);
}

unsigned int
nc_proxy_v1_build6(uint8_t *out, const uint8_t *src_ip, const uint8_t *dst_ip, uint16_t src_port,
		   uint16_t dst_port)
{
	static const char pre[] = "PROXY TCP6 ";
	uint8_t *p = out;

	memcpy(p, pre, sizeof(pre) - 1);
	p += sizeof(pre) - 1;
	p = put_ip6(p, src_ip);
	*p++ = ' ';
	p = put_ip6(p, dst_ip);
	p = put_v1_ports(p, src_port, dst_port);
	return (unsigned int)(p - out);
}

static const uint8_t v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				    0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

unsigned int
nc_proxy_v2_build(uint8_t *out, uint8_t proto, uint32_t src_ip, uint32_t dst_ip,
		  uint16_t src_port, uint16_t dst_port)
{
	memcpy(out, v2_sig, sizeof(v2_sig));
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

unsigned int
nc_proxy_v2_build6(uint8_t *out, uint8_t proto, const uint8_t *src_ip, const uint8_t *dst_ip,
		   uint16_t src_port, uint16_t dst_port)
{
	memcpy(out, v2_sig, sizeof(v2_sig));
	out[12] = 0x21;   /* version 2, command PROXY */
	/* AF_INET6 with STREAM (TCP) or DGRAM (UDP) */
	out[13] = proto == IPPROTO_UDP ? 0x22 : 0x21;
	out[14] = 0;      /* 36 bytes of addresses follow */
	out[15] = 36;
	memcpy(out + 16, src_ip, 16);
	memcpy(out + 32, dst_ip, 16);
	memcpy(out + 48, &src_port, 2);
	memcpy(out + 50, &dst_port, 2);
	return NC_PROXY_V2_LEN6;
}

void
nc_toa_build(uint8_t *out, uint32_t ip, uint16_t port)
{
	out[0] = NC_TOA_KIND;
	out[1] = NC_TOA_LEN;
	memcpy(out + 2, &port, 2);
	memcpy(out + 4, &ip, 4);
}

void
nc_toa6_build(uint8_t *out, const uint8_t *ip, uint16_t port)
{
	out[0] = NC_TOA_KIND;
	out[1] = NC_TOA6_LEN;
	memcpy(out + 2, &port, 2);
	memcpy(out + 4, ip, 16);
}
