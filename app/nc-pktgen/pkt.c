/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pktgen: PRNG, frame builders, pcap read/write.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>

#include "pktgen_priv.h"

#define PG_SNAPLEN 65535

void
pg_rng_seed(struct pg_rng *r, uint64_t seed, uint64_t stream)
{
	r->s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	(void)pg_rng_next(r);
}

uint64_t
pg_rng_next(struct pg_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t
pg_rng_range(struct pg_rng *r, uint32_t lo, uint32_t hi)
{
	uint64_t span = (uint64_t)hi - lo + 1;

	/* span <= 2^32, the modulo bias over 64 random bits is below 2^-32 */
	return lo + (uint32_t)(pg_rng_next(r) % span);
}

static void
put_eth(struct pg_frame *f, const uint8_t dmac[6], const uint8_t smac[6], uint16_t type)
{
	memcpy(f->b, dmac, 6);
	memcpy(f->b + 6, smac, 6);
	pb_put16(f->b + 12, type);
}

static void
pad_frame(struct pg_frame *f)
{
	if (f->len < PG_ETH_MIN) {
		memset(f->b + f->len, 0, PG_ETH_MIN - f->len);
		f->len = PG_ETH_MIN;
	}
}

/* Ethernet + IPv4 or IPv6 header for an L4 length <l4len>; returns the L4 offset. */
static uint32_t
put_ip(struct pg_frame *f, const struct pg_ip *ip, uint8_t proto, uint32_t l4len)
{
	uint8_t *h = f->b + PG_ETH_LEN;

	if (ip->v6) {
		put_eth(f, ip->dmac, ip->smac, ETHERTYPE_IPV6);
		/* version 6, traffic class, flow label <id> */
		pb_put32(h, 6u << 28 | (uint32_t)ip->tos << 20 | ip->id);
		pb_put16(h + 4, (uint16_t)l4len);
		h[6] = proto;
		h[7] = ip->ttl;
		memcpy(h + 8, ip->sip6, 16);
		memcpy(h + 24, ip->dip6, 16);
		f->len = PG_ETH_LEN + 40 + l4len;
		return PG_ETH_LEN + 40;
	}
	put_eth(f, ip->dmac, ip->smac, ETHERTYPE_IP);
	h[0] = 0x45;
	h[1] = ip->tos;
	pb_put16(h + 2, (uint16_t)(20 + l4len));
	pb_put16(h + 4, ip->id);
	pb_put16(h + 6, ip->frag);
	h[8] = ip->ttl;
	h[9] = proto;
	pb_put32(h + 12, ip->sip);
	pb_put32(h + 16, ip->dip);
	pb_ip_csum_fix(f->b);
	f->len = PG_ETH_LEN + 20 + l4len;
	return PG_ETH_LEN + 20;
}

void
pg_l4_csum_fix(uint8_t *f)
{
	uint8_t proto;

	if (pb_get16(f + 12) != ETHERTYPE_IPV6) {
		pb_l4_csum_fix(f);
		return;
	}
	proto = f[PG_ETH_LEN + 6];
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_ICMPV6)
		pb_l4_csum6_fix(f, PG_ETH_LEN + 40, proto, pb_get16(f + PG_ETH_LEN + 4));
}

int
pg_build_tcp(struct pg_frame *f, const struct pg_ip *ip, const struct pg_tcp *tcp,
	     const uint8_t *pl, uint32_t plen)
{
	uint32_t hlen = 20u + tcp->optlen;
	uint8_t *t;

	if ((tcp->optlen & 3) || PG_ETH_LEN + 40 + hlen + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	t = f->b + put_ip(f, ip, IPPROTO_TCP, hlen + plen);
	pb_put16(t, tcp->sport);
	pb_put16(t + 2, tcp->dport);
	pb_put32(t + 4, tcp->seq);
	pb_put32(t + 8, tcp->ack);
	t[12] = (uint8_t)((hlen / 4) << 4);
	t[13] = tcp->flags;
	pb_put16(t + 14, tcp->win);
	pb_put16(t + 18, 0);
	if (tcp->optlen)
		memcpy(t + 20, tcp->opt, tcp->optlen);
	if (plen)
		memcpy(t + hlen, pl, plen);
	pg_l4_csum_fix(f->b);
	pad_frame(f);
	return 0;
}

int
pg_build_udp(struct pg_frame *f, const struct pg_ip *ip, uint16_t sport, uint16_t dport,
	     const uint8_t *pl, uint32_t plen)
{
	uint8_t *u;

	if (PG_ETH_LEN + 48 + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	u = f->b + put_ip(f, ip, IPPROTO_UDP, 8 + plen);
	pb_put16(u, sport);
	pb_put16(u + 2, dport);
	pb_put16(u + 4, (uint16_t)(8 + plen));
	if (plen)
		memcpy(u + 8, pl, plen);
	pg_l4_csum_fix(f->b);
	pad_frame(f);
	return 0;
}

int
pg_build_icmp(struct pg_frame *f, const struct pg_ip *ip, uint8_t type, uint8_t code,
	      uint16_t id, uint16_t seq, const uint8_t *pl, uint32_t plen)
{
	uint8_t *c;

	if (PG_ETH_LEN + 48 + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	c = f->b + put_ip(f, ip, ip->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, 8 + plen);
	c[0] = type;
	c[1] = code;
	pb_put16(c + 4, id);
	pb_put16(c + 6, seq);
	if (plen)
		memcpy(c + 8, pl, plen);
	if (ip->v6)
		pg_l4_csum_fix(f->b);
	else
		pb_icmp_csum_fix(f->b);
	pad_frame(f);
	return 0;
}

int
pg_build_ipv4_raw(struct pg_frame *f, const struct pg_ip *ip, uint8_t proto,
		  const uint8_t *pl, uint32_t plen)
{
	uint32_t off;

	if (PG_ETH_LEN + 40 + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	off = put_ip(f, ip, proto, plen);
	if (plen)
		memcpy(f->b + off, pl, plen);
	pad_frame(f);
	return 0;
}

void
pg_build_arp(struct pg_frame *f, const uint8_t dmac[6], const uint8_t smac[6], uint16_t op,
	     const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	uint8_t *a = f->b + PG_ETH_LEN;

	put_eth(f, dmac, smac, ETHERTYPE_ARP);
	pb_put16(a, ARPHRD_ETHER);
	pb_put16(a + 2, ETHERTYPE_IP);
	a[4] = 6;
	a[5] = 4;
	pb_put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	pb_put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	pb_put32(a + 24, tpa);
	f->len = PG_ETH_LEN + 28;
	pad_frame(f);
}

void
pg_build_ns(struct pg_frame *f, const uint8_t smac[6], const uint8_t sip6[16],
	    const uint8_t target[16])
{
	struct pg_ip ip = { .v6 = true, .ttl = 255 };
	uint8_t body[28];

	/* solicited-node group ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX */
	memcpy(ip.smac, smac, 6);
	memcpy(ip.sip6, sip6, 16);
	ip.dip6[0] = 0xff;
	ip.dip6[1] = 0x02;
	ip.dip6[11] = 0x01;
	ip.dip6[12] = 0xff;
	memcpy(ip.dip6 + 13, target + 13, 3);
	ip.dmac[0] = ip.dmac[1] = 0x33;
	memcpy(ip.dmac + 2, ip.dip6 + 12, 4);
	/* reserved, target, source link-layer option (type 1, 8 bytes) */
	memset(body, 0, sizeof(body));
	memcpy(body + 4, target, 16);
	body[20] = 1;
	body[21] = 1;
	memcpy(body + 22, smac, 6);
	/* the ICMPv6 header's id and seq are the NS's reserved word */
	pg_build_icmp(f, &ip, 135, 0, pb_get16(body), pb_get16(body + 2), body + 4,
		      sizeof(body) - 4);
}

/* TCP or UDP header and payload of <l4len> bytes at <l4>, protocol p->proto. */
static void
parse_l4(const uint8_t *l4, uint32_t l4len, struct pg_pkt *p)
{
	if (p->proto == IPPROTO_TCP && l4len >= 20 && (l4[12] >> 4) * 4u >= 20 &&
	    (l4[12] >> 4) * 4u <= l4len) {
		uint32_t th = (l4[12] >> 4) * 4u;

		p->l4 = true;
		p->sport = pb_get16(l4);
		p->dport = pb_get16(l4 + 2);
		p->seq = pb_get32(l4 + 4);
		p->ack = pb_get32(l4 + 8);
		p->flags = l4[13];
		p->payload = l4 + th;
		p->plen = l4len - th;
	} else if (p->proto == IPPROTO_UDP && l4len >= 8 && pb_get16(l4 + 4) >= 8 &&
		   pb_get16(l4 + 4) <= l4len) {
		p->l4 = true;
		p->sport = pb_get16(l4);
		p->dport = pb_get16(l4 + 2);
		p->payload = l4 + 8;
		p->plen = pb_get16(l4 + 4) - 8u;
	}
}

/* The upper layer of an IPv6 frame without extension headers. */
static void
parse6(const uint8_t *b, uint32_t len, struct pg_pkt *p)
{
	const uint8_t *ip = b + PG_ETH_LEN;
	uint32_t plen;

	if (len < PG_ETH_LEN + 40 || (ip[0] >> 4) != 6)
		return;
	plen = pb_get16(ip + 4);
	if (PG_ETH_LEN + 40 + plen > len)
		return;
	p->ipv6 = true;
	p->l3 = PG_ETH_LEN;
	p->l4off = PG_ETH_LEN + 40;
	p->id = pb_get16(ip + 2);
	p->ttl = ip[7];
	p->proto = ip[6];
	memcpy(p->sip6, ip + 8, 16);
	memcpy(p->dip6, ip + 24, 16);
	parse_l4(ip + 40, plen, p);
}

void
pg_parse(const uint8_t *b, uint32_t len, struct pg_pkt *p)
{
	uint32_t hlen, tot;
	const uint8_t *ip;

	memset(p, 0, sizeof(*p));
	if (len >= PG_ETH_LEN && pb_get16(b + 12) == ETHERTYPE_IPV6) {
		parse6(b, len, p);
		return;
	}
	if (len < PG_ETH_LEN + 20 || pb_get16(b + 12) != ETHERTYPE_IP)
		return;
	ip = b + PG_ETH_LEN;
	hlen = (ip[0] & 0x0f) * 4u;
	tot = pb_get16(ip + 2);
	if ((ip[0] >> 4) != 4 || hlen < 20 || tot < hlen || PG_ETH_LEN + tot > len)
		return;
	p->ipv4 = true;
	p->l3 = PG_ETH_LEN;
	p->id = pb_get16(ip + 4);
	p->ttl = ip[8];
	p->proto = ip[9];
	p->sip = pb_get32(ip + 12);
	p->dip = pb_get32(ip + 16);
	p->l4off = PG_ETH_LEN + hlen;
	parse_l4(ip + hlen, tot - hlen, p);
}

/* pb_pcap_fn for pg_trace_read(): append the frame to the pg_trace <arg>,
 * cut to PG_FRAME_MAX bytes. */
static int
trace_put(void *arg, const uint8_t *b, uint32_t len, uint64_t ts_us)
{
	struct pg_trace *t = arg;
	struct pg_frame *f;

	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 1024;
		struct pg_frame *nf = realloc(t->f, (size_t)cap * sizeof(*nf));

		if (nf == NULL)
			return -ENOMEM;
		t->f = nf;
		t->cap = cap;
	}
	f = &t->f[t->n++];
	f->len = len < PG_FRAME_MAX ? len : PG_FRAME_MAX;
	memcpy(f->b, b, f->len);
	f->ts_us = ts_us;
	return 0;
}

int
pg_trace_read(const char *path, struct pg_trace *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = pb_pcap_read(path, "nc-pktgen", trace_put, t);
	if (rc != 0)
		pg_trace_free(t);
	return rc;
}

void
pg_trace_free(struct pg_trace *t)
{
	free(t->f);
	memset(t, 0, sizeof(*t));
}

int
pg_writer_open(struct pg_writer *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->dead = pcap_open_dead(DLT_EN10MB, PG_SNAPLEN);
	if (w->dead == NULL)
		return -ENOMEM;
	w->d = pcap_dump_open(w->dead, path);
	if (w->d == NULL) {
		fprintf(stderr, "nc-pktgen: %s: %s\n", path, pcap_geterr(w->dead));
		pcap_close(w->dead);
		w->dead = NULL;
		return -EIO;
	}
	return 0;
}

int
pg_writer_put(struct pg_writer *w, const struct pg_frame *f)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(f->ts_us / 1000000u);
	h.ts.tv_usec = (suseconds_t)(f->ts_us % 1000000u);
	h.caplen = f->len;
	h.len = f->len;
	pcap_dump((u_char *)w->d, &h, f->b);
	w->n++;
	return 0;
}

int
pg_writer_close(struct pg_writer *w)
{
	int rc = 0;

	if (w->d != NULL) {
		if (pcap_dump_flush(w->d) != 0)
			rc = -EIO;
		pcap_dump_close(w->d);
	}
	if (w->dead != NULL)
		pcap_close(w->dead);
	memset(w, 0, sizeof(*w));
	return rc;
}

uint32_t
pg_server_isn(uint32_t cip, uint16_t cport, uint32_t vip, uint16_t vport)
{
	struct pg_rng r;

	r.s = (uint64_t)cip << 32 | vip;
	r.s ^= ((uint64_t)cport << 16 | vport) * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)pg_rng_next(&r);
}

uint32_t
pg_addr_key(const struct pg_pkt *p, bool src)
{
	if (p->ipv6)
		return pg_crc32(src ? p->sip6 : p->dip6, 16);
	return src ? p->sip : p->dip;
}

uint32_t
pg_crc32(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

void
pg_response_payload(uint8_t out[PG_RESP_LEN], const struct pg_pkt *f)
{
	char ipb[INET6_ADDRSTRLEN];
	char txt[PG_RESP_LEN + 1];
	int n;

	if (f->ipv6)
		inet_ntop(AF_INET6, f->dip6, ipb, sizeof(ipb));
	else
		pg_ip_str(f->dip, ipb);
	n = snprintf(txt, sizeof(txt), "NCRESP server=%s:%u len=%05u crc=%08" PRIx32,
		     ipb, f->dport, f->plen, pg_crc32(f->payload, f->plen));
	if (n < 0 || n > PG_RESP_LEN - 1)
		n = PG_RESP_LEN - 1;
	memset(out, '.', PG_RESP_LEN);
	memcpy(out, txt, (size_t)n);
	out[PG_RESP_LEN - 1] = '\n';
}

int
pg_parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return 0;
}

int
pg_parse_ip6(const char *s, uint8_t ip[16])
{
	return inet_pton(AF_INET6, s, ip) == 1 ? 0 : -EINVAL;
}

int
pg_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int v[6];
	char extra;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &extra) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

int
pg_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end != '\0')
		return -EINVAL;
	return 0;
}

int
pg_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	uint64_t x;

	if (pg_parse_u64(s, &x) != 0 || x < lo || x > hi)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

const char *
pg_ip_str(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	return buf;
}

void
pg_ids_init(struct pg_ids *ids, uint64_t seed)
{
	struct pg_rng r;

	memset(ids->used, 0, sizeof(ids->used));
	ids->used[0] = 1; /* ID 0 is never handed out */
	for (uint32_t i = 0; i < 65535; i++)
		ids->perm[i] = (uint16_t)(i + 1);
	pg_rng_seed(&r, seed, 0x1d5);
	for (uint32_t i = 65534; i > 0; i--) {
		uint32_t j = pg_rng_range(&r, 0, i);
		uint16_t tmp = ids->perm[i];

		ids->perm[i] = ids->perm[j];
		ids->perm[j] = tmp;
	}
	ids->pos = 0;
}

void
pg_ids_mark(struct pg_ids *ids, uint16_t id)
{
	ids->used[id] = 1;
}

int
pg_ids_next(struct pg_ids *ids, uint16_t *id)
{
	while (ids->pos < 65535) {
		uint16_t c = ids->perm[ids->pos++];

		if (!ids->used[c]) {
			ids->used[c] = 1;
			*id = c;
			return 0;
		}
	}
	return -ENOSPC;
}
