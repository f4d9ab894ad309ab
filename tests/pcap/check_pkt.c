/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pcap-check: capture reading, parsing, map, next hops.
 */
#include <errno.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check_priv.h"
#include "nc_net_types.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_  6
#define IPPROTO_UDP_  17
#define IPPROTO_ICMPV6_ 58
#define CK_MAX_IP6    65536

static uint8_t (*ip6_tab)[16];
static uint32_t n_ip6;

uint32_t
ck_ip6_handle(const uint8_t ip[16])
{
	/* a few dozen addresses in a test: a linear search will do */
	for (uint32_t i = 0; i < n_ip6; i++)
		if (memcmp(ip6_tab[i], ip, 16) == 0)
			return CK_V6_TAG | i;
	if (ip6_tab == NULL && (ip6_tab = malloc(CK_MAX_IP6 * 16)) == NULL)
		abort();
	if (n_ip6 == CK_MAX_IP6) {
		fprintf(stderr, "nc-pcap-check: more than %u IPv6 addresses\n", CK_MAX_IP6);
		abort();
	}
	memcpy(ip6_tab[n_ip6], ip, 16);
	return CK_V6_TAG | n_ip6++;
}

const uint8_t *
ck_ip6_of(uint32_t h)
{
	return ip6_tab[h & ~CK_V6_TAG];
}

void
ck_cfg_handles(struct nc_config *cfg)
{
	for (uint16_t s = 0; s < cfg->n_services; s++) {
		struct nc_cfg_service *sv = &cfg->services[s];

		if (sv->family == AF_INET6)
			sv->vip = ck_ip6_handle(sv->vip6);
		if (sv->server_family != AF_INET6)
			continue;
		for (uint16_t l = 0; l < sv->n_local_ips6; l++)
			sv->local_ips[l] = ck_ip6_handle(sv->local_ips6[l]);
		sv->n_local_ips = sv->n_local_ips6;
		for (uint16_t k = 0; k < sv->n_servers; k++)
			sv->servers[k].address = ck_ip6_handle(sv->servers[k].address6);
	}
}

/* The IPv6 extension header chain of <p> as the appliance's parser judges it
 * (nc_pkt_parse6): sets p->proto, l4off and drop6. */
static void
walk6(const uint8_t *b, struct ck_pkt *p)
{
	uint32_t off = CK_ETH_LEN + 40, end = CK_ETH_LEN + p->tot, hlen;
	uint8_t nh = b[CK_ETH_LEN + 6];

	for (uint32_t n = 0;; n++) {
		switch (nh) {
		case IPPROTO_TCP_:
		case IPPROTO_UDP_:
		case IPPROTO_ICMPV6_:
			p->proto = nh;
			p->l4off = off;
			p->drop6 = NC_DROP_MAX;
			return;
		case 0: case 43: case 44: case 60:
			if (end - off < 8)
				goto bad_len;
			hlen = nh == 44 ? 8 : (b[off + 1] + 1u) * 8;
			if (hlen > end - off)
				goto bad_len;
			if (nh == 44)
				p->drop6 = NC_DROP_IP_FRAGMENT;
			else if (n == 8)
				p->drop6 = NC_DROP_IP6_EXT_CHAIN;
			else if (nh == 0)
				p->drop6 = NC_DROP_IP6_HOP_BY_HOP;
			else if (nh == 43 && (b[off + 2] == 0 || b[off + 3] != 0))
				p->drop6 = NC_DROP_IP6_ROUTING;
			if (p->drop6 != NC_DROP_MAX)
				return;
			nh = b[off];
			off += hlen;
			break;
		case 50: case 51: case 135: case 139: case 140: case 253: case 254:
			p->drop6 = n == 8 ? NC_DROP_IP6_EXT_CHAIN : NC_DROP_IP6_EXT_UNKNOWN;
			return;
		default:
			p->proto = nh;
			p->drop6 = NC_DROP_L4_UNSUPPORTED;
			return;
		}
	}
bad_len:
	p->drop6 = NC_DROP_IP_BAD_LEN;
}

/* The IPv6 part of ck_parse. */
static void
parse6(const uint8_t *b, uint32_t len, struct ck_pkt *p)
{
	const uint8_t *ip = b + CK_ETH_LEN;

	p->drop6 = NC_DROP_SHORT_FRAME;
	if (len < CK_ETH_LEN + 40)
		return;
	p->ip = true;
	p->v6 = true;
	p->ver = ip[0] >> 4;
	p->tos = (uint8_t)(pb_get16(ip) >> 4);
	p->label = pb_get32(ip) & 0xfffff;
	p->id = (uint16_t)p->label;
	p->tot = (uint16_t)(40 + pb_get16(ip + 4));
	p->ttl = ip[7];
	p->proto = ip[6];
	p->sip = ck_ip6_handle(ip + 8);
	p->dip = ck_ip6_handle(ip + 24);
	if (p->ver != 6) {
		p->drop6 = NC_DROP_IP6_BAD_HEADER;
		return;
	}
	if (p->tot == 40 || CK_ETH_LEN + p->tot > len) {
		p->drop6 = NC_DROP_IP_BAD_LEN;
		return;
	}
	walk6(b, p);
	if (p->drop6 != NC_DROP_MAX)
		return;
	p->ip_sane = true;
	p->ihl = p->l4off - CK_ETH_LEN;
}

/* pb_pcap_fn for ck_trace_read(): append a copy of the frame to the ck_trace <arg>. */
static int
trace_put(void *arg, const uint8_t *b, uint32_t len, uint64_t ts_us)
{
	struct ck_trace *t = arg;

	(void)ts_us;
	if (t->n == t->cap) {
		uint32_t nc = t->cap ? t->cap * 2 : 1024;
		struct ck_frame *nf = realloc(t->f, (size_t)nc * sizeof(*nf));

		if (nf == NULL)
			return -ENOMEM;
		t->f = nf;
		t->cap = nc;
	}
	t->f[t->n].b = malloc(len ? len : 1);
	if (t->f[t->n].b == NULL)
		return -ENOMEM;
	memcpy(t->f[t->n].b, b, len);
	t->f[t->n].len = len;
	t->n++;
	return 0;
}

int
ck_trace_read(const char *path, struct ck_trace *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = pb_pcap_read(path, "nc-pcap-check", trace_put, t);
	if (rc != 0)
		ck_trace_free(t);
	return rc;
}

void
ck_trace_free(struct ck_trace *t)
{
	for (uint32_t i = 0; i < t->n; i++)
		free(t->f[i].b);
	free(t->f);
	memset(t, 0, sizeof(*t));
}

void
ck_parse(const uint8_t *b, uint32_t len, struct ck_pkt *p)
{
	const uint8_t *ip, *l4;

	memset(p, 0, sizeof(*p));
	p->b = b;
	p->len = len;
	if (len < CK_ETH_LEN)
		return;
	p->etype = pb_get16(b + 12);
	if (p->etype == 0x86dd) {
		parse6(b, len, p);
		if (!p->ip_sane)
			return;
	} else if (p->etype != 0x0800 || len < CK_ETH_LEN + 20) {
		return;
	}
	if (p->v6)
		goto l4;
	ip = b + CK_ETH_LEN;
	p->ip = true;
	p->ver = ip[0] >> 4;
	p->ihl = (ip[0] & 0x0fu) * 4u;
	p->tos = ip[1];
	p->tot = pb_get16(ip + 2);
	p->id = pb_get16(ip + 4);
	p->frag = pb_get16(ip + 6);
	p->ttl = ip[8];
	p->proto = ip[9];
	p->sip = pb_get32(ip + 12);
	p->dip = pb_get32(ip + 16);
	if (p->ver != 4 || p->ihl < 20 || p->tot < p->ihl || CK_ETH_LEN + p->tot > len)
		return;
	p->ip_sane = true;
	p->l4off = CK_ETH_LEN + p->ihl;
	if ((p->frag & 0x1fff) != 0)
		return; /* not the first fragment: no L4 header */
l4:
	p->l4len = p->tot - p->ihl;
	l4 = b + p->l4off;
	switch (p->proto) {
	case IPPROTO_TCP_:
		if (p->l4len < 20)
			return;
		p->thl = (l4[12] >> 4) * 4u;
		if (p->thl < 20 || p->thl > p->l4len)
			return;
		p->sport = pb_get16(l4);
		p->dport = pb_get16(l4 + 2);
		p->tcp_flags = l4[13];
		p->poff = p->l4off + p->thl;
		p->plen = p->l4len - p->thl;
		p->l4 = true;
		break;
	case IPPROTO_UDP_:
		if (p->l4len < 8)
			return;
		p->udp_len = pb_get16(l4 + 4);
		if (p->udp_len < 8 || p->udp_len > p->l4len)
			return;
		p->thl = 8;
		p->sport = pb_get16(l4);
		p->dport = pb_get16(l4 + 2);
		p->poff = p->l4off + 8;
		p->plen = p->udp_len - 8u;
		p->l4 = true;
		break;
	case IPPROTO_ICMP_:
	case IPPROTO_ICMPV6_:
		if (p->proto != (p->v6 ? IPPROTO_ICMPV6_ : IPPROTO_ICMP_) || p->l4len < 8)
			return;
		p->thl = 8;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->icmp_id = pb_get16(l4 + 4);
		p->icmp_seq = pb_get16(l4 + 6);
		p->poff = p->l4off + 8;
		p->plen = p->l4len - 8;
		p->l4 = true;
		break;
	default:
		break;
	}
}

int
ck_map_init(struct ck_map *m, uint32_t expect)
{
	uint32_t sz = 1024;

	while (sz < 2 * expect)
		sz <<= 1;
	m->k1 = calloc(sz, sizeof(*m->k1));
	m->k2 = calloc(sz, sizeof(*m->k2));
	m->v = malloc(sz * sizeof(*m->v));
	if (m->k1 == NULL || m->k2 == NULL || m->v == NULL) {
		ck_map_free(m);
		return -ENOMEM;
	}
	memset(m->v, 0xff, sz * sizeof(*m->v));
	m->mask = sz - 1;
	m->n = 0;
	return 0;
}

void
ck_map_free(struct ck_map *m)
{
	free(m->k1);
	free(m->k2);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static uint32_t
map_slot(const struct ck_map *m, uint64_t k1, uint64_t k2)
{
	uint64_t h = (k1 * 0x9e3779b97f4a7c15ULL) ^ (k2 * 0xc2b2ae3d27d4eb4fULL);
	uint32_t i = (uint32_t)(h >> 32) & m->mask;

	while (m->v[i] >= 0 && (m->k1[i] != k1 || m->k2[i] != k2))
		i = (i + 1) & m->mask;
	return i;
}

int32_t
ck_map_get(const struct ck_map *m, uint64_t k1, uint64_t k2)
{
	return m->v[map_slot(m, k1, k2)];
}

static int
map_grow(struct ck_map *m)
{
	struct ck_map nm;

	if (ck_map_init(&nm, (m->mask + 1)) != 0)
		return -ENOMEM;
	for (uint32_t i = 0; i <= m->mask; i++)
		if (m->v[i] >= 0) {
			uint32_t s = map_slot(&nm, m->k1[i], m->k2[i]);

			nm.k1[s] = m->k1[i];
			nm.k2[s] = m->k2[i];
			nm.v[s] = m->v[i];
			nm.n++;
		}
	ck_map_free(m);
	*m = nm;
	return 0;
}

int
ck_map_put(struct ck_map *m, uint64_t k1, uint64_t k2, int32_t v)
{
	uint32_t s;

	if (2 * (m->n + 1) > m->mask + 1 && map_grow(m) != 0)
		return -ENOMEM;
	s = map_slot(m, k1, k2);
	if (m->v[s] < 0)
		m->n++;
	m->k1[s] = k1;
	m->k2[s] = k2;
	m->v[s] = v;
	return 0;
}

static bool
in_prefix(uint32_t ip, const struct nc_prefix *p)
{
	uint32_t mask = p->len == 0 ? 0 : 0xffffffffu << (32 - p->len);

	return (ip & mask) == (p->addr & mask);
}

static bool
in_prefix6(const uint8_t *ip, const struct nc_prefix6 *px)
{
	uint8_t full = px->len / 8, rest = px->len % 8;

	if (memcmp(ip, px->addr, full) != 0)
		return false;
	return rest == 0 || ((ip[full] ^ px->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static bool
nexthop_mac6(const struct nc_config *cfg, uint32_t h, uint32_t *nh, uint8_t mac[6])
{
	const uint8_t *ip = ck_ip6_of(h), *via = NULL;
	int best = -1;

	*nh = 0;
	for (uint16_t i = 0; i < cfg->n_ports && via == NULL; i++)
		for (uint16_t k = 0; k < cfg->ports[i].n_ipv6; k++)
			if (in_prefix6(ip, &cfg->ports[i].ipv6[k]))
				via = ip;
	if (via == NULL) {
		for (uint16_t r = 0; r < cfg->n_routes; r++)
			if (cfg->routes[r].family == AF_INET6 &&
			    in_prefix6(ip, &cfg->routes[r].prefix6) &&
			    (best < 0 || cfg->routes[r].prefix6.len > cfg->routes[best].prefix6.len))
				best = r;
		if (best < 0)
			return false;
		via = cfg->routes[best].via6;
	}
	*nh = ck_ip6_handle(via);
	for (uint16_t n = 0; n < cfg->n_neighbors; n++)
		if (cfg->neighbors[n].family == AF_INET6 &&
		    memcmp(cfg->neighbors[n].ipv6, via, 16) == 0) {
			memcpy(mac, cfg->neighbors[n].mac, 6);
			return true;
		}
	return false;
}

bool
ck_nexthop_mac(const struct nc_config *cfg, uint32_t ip, uint32_t *nh, uint8_t mac[6])
{
	int best = -1;

	if (ck_is_v6(ip))
		return nexthop_mac6(cfg, ip, nh, mac);
	*nh = 0;
	for (uint16_t i = 0; i < cfg->n_ports && *nh == 0; i++)
		for (uint16_t k = 0; k < cfg->ports[i].n_ipv4; k++)
			if (in_prefix(ip, &cfg->ports[i].ipv4[k]))
				*nh = ip;
	if (*nh == 0) {
		for (uint16_t r = 0; r < cfg->n_routes; r++)
			if (in_prefix(ip, &cfg->routes[r].prefix) &&
			    (best < 0 || cfg->routes[r].prefix.len > cfg->routes[best].prefix.len))
				best = r;
		if (best < 0)
			return false;
		*nh = cfg->routes[best].via;
	}
	for (uint16_t n = 0; n < cfg->n_neighbors; n++)
		if (cfg->neighbors[n].family != AF_INET6 && cfg->neighbors[n].ipv4 == *nh) {
			memcpy(mac, cfg->neighbors[n].mac, 6);
			return true;
		}
	return false;
}

bool
ck_is_ours(const struct nc_config *cfg, uint32_t ip)
{
	if (ck_is_v6(ip))
		for (uint16_t i = 0; i < cfg->n_ports; i++)
			for (uint16_t k = 0; k < cfg->ports[i].n_ipv6; k++)
				if (memcmp(cfg->ports[i].ipv6[k].addr, ck_ip6_of(ip), 16) == 0)
					return true;
	for (uint16_t i = 0; i < cfg->n_ports; i++)
		for (uint16_t k = 0; k < cfg->ports[i].n_ipv4; k++)
			if (cfg->ports[i].ipv4[k].addr == ip)
				return true;
	for (uint16_t s = 0; s < cfg->n_services; s++) {
		if (cfg->services[s].vip == ip)
			return true;
		for (uint16_t l = 0; l < cfg->services[s].n_local_ips; l++)
			if (cfg->services[s].local_ips[l] == ip)
				return true;
	}
	return false;
}

const char *
ck_ip_str(uint32_t ip, char buf[CK_IP_STR])
{
	if (ck_is_v6(ip)) {
		inet_ntop(AF_INET6, ck_ip6_of(ip), buf, CK_IP_STR);
		return buf;
	}
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
		 ip & 0xff);
	return buf;
}

const char *
ck_mac_str(const uint8_t *mac, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}
