/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pktgen: PRNG, frame builders, checksums, pcap read/write.
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

uint32_t
pg_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len > 1) {
		sum += (uint32_t)b[0] << 8 | b[1];
		b += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t
pg_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void
pg_ip_fix_csum(struct pg_frame *f, uint32_t l3)
{
	uint8_t *ip = f->b + l3;
	uint32_t hlen = (ip[0] & 0x0f) * 4u;

	if (hlen < 20)
		hlen = 20;
	put16(ip + 10, 0);
	put16(ip + 10, pg_csum_fold(pg_csum_add(0, ip, hlen)));
}

void
pg_l4_fix_csum(struct pg_frame *f, uint32_t l3)
{
	uint8_t *ip = f->b + l3;
	uint32_t hlen = (ip[0] & 0x0f) * 4u;
	uint32_t l4len = get16(ip + 2) - hlen;
	uint8_t *l4 = ip + hlen;
	uint8_t pseudo[12];
	uint32_t sum;
	uint16_t c;
	int off;

	if (ip[9] == IPPROTO_TCP)
		off = 16;
	else if (ip[9] == IPPROTO_UDP)
		off = 6;
	else
		return;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ip[9];
	put16(pseudo + 10, (uint16_t)l4len);
	put16(l4 + off, 0);
	sum = pg_csum_add(0, pseudo, sizeof(pseudo));
	sum = pg_csum_add(sum, l4, l4len);
	c = pg_csum_fold(sum);
	if (ip[9] == IPPROTO_UDP && c == 0)
		c = 0xffff; /* UDP: 0 means "no checksum" */
	put16(l4 + off, c);
}

static void
put_eth(struct pg_frame *f, const uint8_t dmac[6], const uint8_t smac[6], uint16_t type)
{
	memcpy(f->b, dmac, 6);
	memcpy(f->b + 6, smac, 6);
	put16(f->b + 12, type);
}

static void
pad_frame(struct pg_frame *f)
{
	if (f->len < PG_ETH_MIN) {
		memset(f->b + f->len, 0, PG_ETH_MIN - f->len);
		f->len = PG_ETH_MIN;
	}
}

/* Ethernet + IPv4 header for an L4 length <l4len>; returns the L4 offset. */
static uint32_t
put_ipv4(struct pg_frame *f, const struct pg_ip *ip, uint8_t proto, uint32_t l4len)
{
	uint8_t *h = f->b + PG_ETH_LEN;

	put_eth(f, ip->dmac, ip->smac, ETHERTYPE_IP);
	h[0] = 0x45;
	h[1] = ip->tos;
	put16(h + 2, (uint16_t)(20 + l4len));
	put16(h + 4, ip->id);
	put16(h + 6, ip->frag);
	h[8] = ip->ttl;
	h[9] = proto;
	put32(h + 12, ip->sip);
	put32(h + 16, ip->dip);
	pg_ip_fix_csum(f, PG_ETH_LEN);
	f->len = PG_ETH_LEN + 20 + l4len;
	return PG_ETH_LEN + 20;
}

int
pg_build_tcp(struct pg_frame *f, const struct pg_ip *ip, const struct pg_tcp *tcp,
	     const uint8_t *pl, uint32_t plen)
{
	uint32_t hlen = 20u + tcp->optlen;
	uint8_t *t;

	if ((tcp->optlen & 3) || PG_ETH_LEN + 20 + hlen + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	t = f->b + put_ipv4(f, ip, IPPROTO_TCP, hlen + plen);
	put16(t, tcp->sport);
	put16(t + 2, tcp->dport);
	put32(t + 4, tcp->seq);
	put32(t + 8, tcp->ack);
	t[12] = (uint8_t)((hlen / 4) << 4);
	t[13] = tcp->flags;
	put16(t + 14, tcp->win);
	put16(t + 18, 0);
	if (tcp->optlen)
		memcpy(t + 20, tcp->opt, tcp->optlen);
	if (plen)
		memcpy(t + hlen, pl, plen);
	pg_l4_fix_csum(f, PG_ETH_LEN);
	pad_frame(f);
	return 0;
}

int
pg_build_udp(struct pg_frame *f, const struct pg_ip *ip, uint16_t sport, uint16_t dport,
	     const uint8_t *pl, uint32_t plen)
{
	uint8_t *u;

	if (PG_ETH_LEN + 28 + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	u = f->b + put_ipv4(f, ip, IPPROTO_UDP, 8 + plen);
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + plen));
	if (plen)
		memcpy(u + 8, pl, plen);
	pg_l4_fix_csum(f, PG_ETH_LEN);
	pad_frame(f);
	return 0;
}

int
pg_build_icmp(struct pg_frame *f, const struct pg_ip *ip, uint8_t type, uint8_t code,
	      uint16_t id, uint16_t seq, const uint8_t *pl, uint32_t plen)
{
	uint8_t *c;

	if (PG_ETH_LEN + 28 + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	c = f->b + put_ipv4(f, ip, IPPROTO_ICMP, 8 + plen);
	c[0] = type;
	c[1] = code;
	put16(c + 2, 0);
	put16(c + 4, id);
	put16(c + 6, seq);
	if (plen)
		memcpy(c + 8, pl, plen);
	put16(c + 2, pg_csum_fold(pg_csum_add(0, c, 8 + plen)));
	pad_frame(f);
	return 0;
}

int
pg_build_ipv4_raw(struct pg_frame *f, const struct pg_ip *ip, uint8_t proto,
		  const uint8_t *pl, uint32_t plen)
{
	uint32_t off;

	if (PG_ETH_LEN + 20 + plen > PG_FRAME_MAX)
		return -EMSGSIZE;
	off = put_ipv4(f, ip, proto, plen);
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
	put16(a, ARPHRD_ETHER);
	put16(a + 2, ETHERTYPE_IP);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	f->len = PG_ETH_LEN + 28;
	pad_frame(f);
}

void
pg_parse(const uint8_t *b, uint32_t len, struct pg_pkt *p)
{
	uint32_t hlen, tot, l4len;
	const uint8_t *ip, *l4;

	memset(p, 0, sizeof(*p));
	if (len < PG_ETH_LEN + 20 || get16(b + 12) != ETHERTYPE_IP)
		return;
	ip = b + PG_ETH_LEN;
	hlen = (ip[0] & 0x0f) * 4u;
	tot = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || hlen < 20 || tot < hlen || PG_ETH_LEN + tot > len)
		return;
	p->ipv4 = true;
	p->l3 = PG_ETH_LEN;
	p->id = get16(ip + 4);
	p->ttl = ip[8];
	p->proto = ip[9];
	p->sip = get32(ip + 12);
	p->dip = get32(ip + 16);
	l4 = ip + hlen;
	l4len = tot - hlen;
	if (p->proto == IPPROTO_TCP && l4len >= 20 && (l4[12] >> 4) * 4u >= 20 &&
	    (l4[12] >> 4) * 4u <= l4len) {
		uint32_t th = (l4[12] >> 4) * 4u;

		p->l4 = true;
		p->sport = get16(l4);
		p->dport = get16(l4 + 2);
		p->seq = get32(l4 + 4);
		p->ack = get32(l4 + 8);
		p->flags = l4[13];
		p->payload = l4 + th;
		p->plen = l4len - th;
	} else if (p->proto == IPPROTO_UDP && l4len >= 8 && get16(l4 + 4) >= 8 &&
		   get16(l4 + 4) <= l4len) {
		p->l4 = true;
		p->sport = get16(l4);
		p->dport = get16(l4 + 2);
		p->payload = l4 + 8;
		p->plen = get16(l4 + 4) - 8u;
	}
}

int
pg_trace_read(const char *path, struct pg_trace *t)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int rc;

	memset(t, 0, sizeof(*t));
	pc = pcap_open_offline(path, err);
	if (pc == NULL) {
		fprintf(stderr, "nc-pktgen: %s: %s\n", path, err);
		return -EIO;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "nc-pktgen: %s: not an Ethernet capture\n", path);
		pcap_close(pc);
		return -EINVAL;
	}
	while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
		struct pg_frame *f;

		if (t->n == t->cap) {
			uint32_t cap = t->cap ? t->cap * 2 : 1024;
			struct pg_frame *nf = realloc(t->f, (size_t)cap * sizeof(*nf));

			if (nf == NULL) {
				pcap_close(pc);
				pg_trace_free(t);
				return -ENOMEM;
			}
			t->f = nf;
			t->cap = cap;
		}
		f = &t->f[t->n++];
		f->len = h->caplen < PG_FRAME_MAX ? h->caplen : PG_FRAME_MAX;
		memcpy(f->b, data, f->len);
		f->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "nc-pktgen: %s: %s\n", path, pcap_geterr(pc));
		pcap_close(pc);
		pg_trace_free(t);
		return -EIO;
	}
	pcap_close(pc);
	return 0;
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
pg_response_payload(uint8_t out[PG_RESP_LEN], uint32_t sip, uint16_t sport,
		    const uint8_t *req, uint32_t rlen)
{
	char ipb[16];
	char txt[PG_RESP_LEN + 1];
	int n;

	n = snprintf(txt, sizeof(txt), "NCRESP server=%s:%u len=%05u crc=%08" PRIx32,
		     pg_ip_str(sip, ipb), sport, rlen, pg_crc32(req, rlen));
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
