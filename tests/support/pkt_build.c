/* SPDX-License-Identifier: BSD-3-Clause
 * Test packet builder (see pkt_build.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_build.h"

#define PROTO_ICMP 1
#define PROTO_TCP  6
#define PROTO_UDP  17
#define PROTO_ICMPV6 PB_PROTO_ICMPV6

#define EXT6_HBH  0
#define EXT6_RT   43
#define EXT6_FRAG 44
#define EXT6_DST  60

void
pb_init(struct pb_pkt *p, uint8_t proto)
{
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(p, 0, sizeof(*p));
	memcpy(p->dst_mac, dmac, 6);
	memcpy(p->src_mac, smac, 6);
	p->ethertype = PB_ETH_IPV4;
	p->ip_version = 4;
	p->ihl = 5;
	p->ihl_field = -1;
	p->ip_id = 0x1234;
	p->frag = 0x4000;
	p->ttl = 64;
	p->proto = proto;
	p->sip = PB_IP(192, 168, 1, 10);
	p->dip = PB_IP(10, 0, 0, 100);
	p->sport = 40000;
	p->dport = 80;
	p->seq = 0x01020304;
	p->tcp_flags = PB_TCP_SYN;
	p->tcp_doff = 5;
	p->doff_field = -1;
	p->window = 65535;
	p->icmp_type = 8;
	p->icmp_id = 0x4242;
	p->icmp_seq = 1;
}

static uint32_t
l4_hdr_len(const struct pb_pkt *p)
{
	switch (p->proto) {
	case PROTO_TCP:
		return (uint32_t)p->tcp_doff * 4;
	case PROTO_UDP:
	case PROTO_ICMP:
		return 8;
	case PROTO_ICMPV6:
		return p->v6 ? 8 : 0;
	default:
		return 0;
	}
}

void
pb_init6(struct pb_pkt *p, uint8_t proto)
{
	pb_init(p, proto);
	p->v6 = true;
	p->ethertype = PB_ETH_IPV6;
	p->ip_version = 6;
	pb_ip6(p->sip6, "2001:db8:1::10");
	pb_ip6(p->dip6, "2001:db8::100");
	p->icmp_type = 128;
}

void
pb_ip6(uint8_t out[16], const char *text)
{
	if (inet_pton(AF_INET6, text, out) != 1) {
		fprintf(stderr, "pb_ip6: '%s' is no IPv6 address\n", text);
		abort();
	}
}

/* Write the upper-layer header at <l4> (<l4len> bytes with the payload, which
 * is in place), its checksum from the pseudo-header sum <psum>. */
static void
build_l4(const struct pb_pkt *p, uint8_t *l4, uint32_t l4len, uint32_t psum)
{
	uint32_t l4h = l4_hdr_len(p);
	uint16_t c;

	switch (p->proto) {
	case PROTO_TCP:
		pb_put16(l4, p->sport);
		pb_put16(l4 + 2, p->dport);
		pb_put32(l4 + 4, p->seq);
		pb_put32(l4 + 8, p->ack);
		l4[12] = (uint8_t)((p->doff_field >= 0 ? p->doff_field : p->tcp_doff) << 4);
		l4[13] = p->tcp_flags;
		pb_put16(l4 + 14, p->window);
		pb_put16(l4 + 18, p->urg);
		memset(l4 + 20, 1, l4h - 20);        /* TCP options: NOP */
		c = pb_csum(l4, l4len, psum);
		pb_put16(l4 + 16, (uint16_t)(c ^ p->l4_csum_xor));
		break;
	case PROTO_UDP:
		pb_put16(l4, p->sport);
		pb_put16(l4 + 2, p->dport);
		pb_put16(l4 + 4, (uint16_t)((int)l4len + p->udp_len_adj));
		c = pb_csum(l4, l4len, psum);
		if (c == 0)
			c = 0xffff;                      /* a computed 0 is sent as all ones */
		if (p->udp_no_csum)
			c = 0;
		pb_put16(l4 + 6, (uint16_t)(c ^ p->l4_csum_xor));
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		if (l4h == 0)
			break;
		l4[0] = p->icmp_type;
		l4[1] = p->icmp_code;
		pb_put16(l4 + 4, p->icmp_id);
		pb_put16(l4 + 6, p->icmp_seq);
		/* ICMP has no pseudo-header; ICMPv6 has (RFC 4443 2.3) */
		c = pb_csum(l4, l4len, p->proto == PROTO_ICMPV6 ? psum : 0);
		pb_put16(l4 + 2, (uint16_t)(c ^ p->l4_csum_xor));
		break;
	default:
		break;
	}
}

static uint32_t
ext6_len(const struct pb_ext6 *e)
{
	return e->type == EXT6_FRAG ? 8 : ((uint32_t)e->len + 1) * 8;
}

static uint32_t
pb_build6(const struct pb_pkt *p, uint8_t *buf, size_t cap)
{
	uint32_t l4h = l4_hdr_len(p), l4len = l4h + p->payload_len, extlen = 0, plen, len, i;
	uint8_t *ip = buf + PB_IP_OFF, *h, *l4;

	if (p->n_ext > PB_MAX_EXT6 || (p->proto == PROTO_TCP && l4h < 20))
		return 0;
	for (i = 0; i < p->n_ext; i++)
		extlen += ext6_len(&p->ext[i]);
	plen = extlen + l4len;
	len = PB_ETH_LEN + 40 + plen + p->pad;
	if (len > cap)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, p->dst_mac, 6);
	memcpy(buf + 6, p->src_mac, 6);
	pb_put16(buf + 12, p->ethertype);
	pb_put32(ip, (uint32_t)p->ip_version << 28 | (uint32_t)p->tclass << 20 |
		 (p->flow_label & 0xfffff));
	pb_put16(ip + 4, (uint16_t)((int)plen + p->tot_len_adj));
	ip[6] = p->n_ext > 0 ? p->ext[0].type : p->proto;
	ip[7] = p->ttl;
	memcpy(ip + 8, p->sip6, 16);
	memcpy(ip + 24, p->dip6, 16);
	h = ip + 40;
	for (i = 0; i < p->n_ext; i++) {
		const struct pb_ext6 *e = &p->ext[i];

		h[0] = i + 1 < p->n_ext ? p->ext[i + 1].type : p->proto;
		switch (e->type) {
		case EXT6_FRAG:
			pb_put16(h + 2, e->frag);
			pb_put32(h + 4, 0x0000abcd);     /* identification */
			break;
		case EXT6_RT:
			h[1] = e->len;
			h[2] = e->rt_type;
			h[3] = e->seg_left;
			break;
		default:
			h[1] = e->len;
			break;
		}
		h += ext6_len(e);
	}
	l4 = h;
	if (p->payload_len != 0)
		memcpy(l4 + l4h, p->payload, p->payload_len);
	build_l4(p, l4, l4len, pb_pseudo_sum6(p->sip6, p->dip6, p->proto, l4len));
	if (p->truncate != 0 && p->truncate < len)
		len = p->truncate;
	return len;
}

uint32_t
pb_build(const struct pb_pkt *p, uint8_t *buf, size_t cap)
{
	uint32_t ihl = (uint32_t)p->ihl * 4, l4h = l4_hdr_len(p);
	uint32_t l4len = l4h + p->payload_len;
	uint32_t tot = ihl + l4len;
	uint32_t len = PB_ETH_LEN + tot + p->pad;
	uint8_t *ip = buf + PB_IP_OFF, *l4 = ip + ihl;
	uint16_t c;

	if (p->v6)
		return pb_build6(p, buf, cap);
	if (len > cap || ihl < 20 || (p->proto == PROTO_TCP && l4h < 20))
		return 0;
	memset(buf, 0, len);
	memcpy(buf, p->dst_mac, 6);
	memcpy(buf + 6, p->src_mac, 6);
	pb_put16(buf + 12, p->ethertype);
	ip[0] = (uint8_t)(p->ip_version << 4 | ((p->ihl_field >= 0 ? p->ihl_field : p->ihl) & 0xf));
	ip[1] = p->tos;
	pb_put16(ip + 2, (uint16_t)((int)tot + p->tot_len_adj));
	pb_put16(ip + 4, p->ip_id);
	pb_put16(ip + 6, p->frag);
	ip[8] = p->ttl;
	ip[9] = p->proto;
	pb_put32(ip + 12, p->sip);
	pb_put32(ip + 16, p->dip);
	memset(ip + 20, 1, ihl - 20);            /* IP options: NOP */
	c = pb_csum(ip, ihl, 0);
	pb_put16(ip + 10, (uint16_t)(c ^ p->ip_csum_xor));
	if (p->payload_len != 0)
		memcpy(l4 + l4h, p->payload, p->payload_len);
	build_l4(p, l4, l4len, pb_pseudo_sum(p->sip, p->dip, p->proto, (uint16_t)l4len));
	if (p->truncate != 0 && p->truncate < len)
		len = p->truncate;
	return len;
}

void
pb_arp_init(struct pb_arp *a, uint16_t op)
{
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(a, 0, sizeof(*a));
	memset(a->dst_mac, 0xff, 6);
	memcpy(a->src_mac, smac, 6);
	memcpy(a->sha, smac, 6);
	a->hrd = 1;
	a->pro = PB_ETH_IPV4;
	a->hln = 6;
	a->pln = 4;
	a->op = op;
	a->sip = PB_IP(10, 0, 0, 60);
	a->tip = PB_IP(10, 0, 0, 100);
}

uint32_t
pb_arp_build(const struct pb_arp *a, uint8_t *buf, size_t cap)
{
	uint32_t len = PB_ETH_LEN + 28 + a->pad;
	uint8_t *h = buf + PB_ETH_LEN;

	if (len > cap)
		return 0;
	memset(buf, 0, len);
	memcpy(buf, a->dst_mac, 6);
	memcpy(buf + 6, a->src_mac, 6);
	pb_put16(buf + 12, PB_ETH_ARP);
	pb_put16(h, a->hrd);
	pb_put16(h + 2, a->pro);
	h[4] = a->hln;
	h[5] = a->pln;
	pb_put16(h + 6, a->op);
	memcpy(h + 8, a->sha, 6);
	pb_put32(h + 14, a->sip);
	memcpy(h + 18, a->tha, 6);
	pb_put32(h + 24, a->tip);
	if (a->truncate != 0 && a->truncate < len)
		len = a->truncate;
	return len;
}

/* pb_csum_verify for an IPv6 frame. */
static bool
csum_verify6(const uint8_t *f, uint32_t len, char *why, size_t whylen)
{
	const uint8_t *ip = f + PB_IP_OFF;
	uint32_t off = PB_IP_OFF + 40, end, hl;
	uint8_t nh;

	if (len < PB_IP_OFF + 40 || PB_IP_OFF + 40u + pb_get16(ip + 4) > len) {
		snprintf(why, whylen, "IPv6 header or payload length inconsistent");
		return false;
	}
	end = PB_IP_OFF + 40 + pb_get16(ip + 4);
	nh = ip[6];
	while (nh == EXT6_HBH || nh == EXT6_RT || nh == EXT6_DST) {
		if (end - off < 8 || (hl = ((uint32_t)f[off + 1] + 1) * 8) > end - off) {
			snprintf(why, whylen, "extension header %u beyond the payload", nh);
			return false;
		}
		nh = f[off];
		off += hl;
	}
	if (nh != PROTO_TCP && nh != PROTO_UDP && nh != PROTO_ICMPV6)
		goto ok;
	if (end - off < (nh == PROTO_TCP ? 18u : 8u)) {
		snprintf(why, whylen, "upper layer %u too short", nh);
		return false;
	}
	if (pb_csum(f + off, end - off, pb_pseudo_sum6(ip + 8, ip + 24, nh, end - off)) != 0 ||
	    (nh == PROTO_UDP && pb_get16(f + off + 6) == 0)) {
		snprintf(why, whylen, "%s checksum wrong over IPv6",
			 nh == PROTO_TCP ? "TCP" : nh == PROTO_UDP ? "UDP" : "ICMPv6");
		return false;
	}
ok:
	if (whylen != 0)
		why[0] = '\0';
	return true;
}

bool
pb_csum_verify(const uint8_t *f, uint32_t len, char *why, size_t whylen)
{
	const uint8_t *ip = f + PB_IP_OFF, *l4;
	uint32_t ihl, tot, l4len, sip, dip;
	uint8_t proto;

	if (len >= PB_ETH_LEN && pb_get16(f + 12) == PB_ETH_IPV6)
		return csum_verify6(f, len, why, whylen);
	if (len < PB_ETH_LEN + 20 || pb_get16(f + 12) != PB_ETH_IPV4) {
		snprintf(why, whylen, "not an IPv4 frame");
		return false;
	}
	ihl = (uint32_t)(ip[0] & 0xf) * 4;
	tot = pb_get16(ip + 2);
	if (ihl < 20 || tot < ihl || PB_ETH_LEN + tot > len) {
		snprintf(why, whylen, "IP header or length inconsistent");
		return false;
	}
	if (!pb_ip_csum_ok(f, len)) {
		snprintf(why, whylen, "IP checksum 0x%04x wrong", pb_get16(ip + 10));
		return false;
	}
	proto = ip[9];
	sip = pb_get32(ip + 12);
	dip = pb_get32(ip + 16);
	l4 = ip + ihl;
	l4len = tot - ihl;
	switch (proto) {
	case PROTO_TCP:
	case PROTO_UDP:
		if (proto == PROTO_UDP && l4len >= 8 && pb_get16(l4 + 6) == 0)
			break;
		if (pb_csum(l4, l4len, pb_pseudo_sum(sip, dip, proto, (uint16_t)l4len)) != 0) {
			snprintf(why, whylen, "%s checksum 0x%04x wrong", proto == PROTO_TCP ? "TCP" : "UDP",
				 l4len >= 18 && proto == PROTO_TCP ? pb_get16(l4 + 16) :
				 l4len >= 8 ? pb_get16(l4 + 6) : 0);
			return false;
		}
		break;
	case PROTO_ICMP:
		if (!pb_icmp_csum_ok(f)) {
			snprintf(why, whylen, "ICMP checksum wrong");
			return false;
		}
		break;
	default:
		break;
	}
	if (whylen != 0)
		why[0] = '\0';
	return true;
}

const char *
pb_diff(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen, char *buf, size_t len)
{
	uint32_t i, n = alen < blen ? alen : blen;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (a[i] != b[i]) {
			snprintf(buf, len, "byte %u: 0x%02x != 0x%02x (lengths %u, %u)", i, a[i], b[i],
				 alen, blen);
			return buf;
		}
	if (alen != blen)
		snprintf(buf, len, "lengths %u != %u", alen, blen);
	return buf;
}
