/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pktgen gen: reproducible client traffic towards the VIP.
 *
 * Clients sit behind one gateway: every frame goes from the gateway's MAC to the
 * appliance port's MAC. Flows start in a fixed order and their later packets
 * interleave, both drawn from one seeded PRNG, so the same arguments always give
 * the same bytes. Every IPv4 packet gets an ID unique within the file.
 */
/* before <netinet/ip_icmp.h>, whose icmp_id macro would rename its field */
#include "pkt_build.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>

#include "pktgen_priv.h"

#define GEN_TS_BASE_US   1700000000000000ULL
#define GEN_MAX_LIST     16
#define GEN_CLIENT_TTL   64
#define GEN_ECHO_LEN     56

static const char *const drop_names[NC_DROP_MAX] = {
#define NC_DROP_NAME(e, n, d) [NC_DROP_##e] = n,
	NC_FOREACH_DROP(NC_DROP_NAME)
#undef NC_DROP_NAME
};

/* Each malformed kind breaks exactly one rule of a packet otherwise valid. */
enum mal_kind {
	MAL_SHORT_IP,      /* frame ends inside the IPv4 header */
	MAL_OTHER_MAC,     /* unicast to another host's MAC */
	MAL_IPV6,          /* IPv6 SYN to 2001:db8::1 */
	MAL_VLAN,          /* 802.1Q tag in front of IPv4 */
	MAL_VERSION6,      /* IPv4 ethertype, version field 6 */
	MAL_IHL4,          /* IHL 4 */
	MAL_LEN_BEYOND,    /* total length beyond the frame */
	MAL_LEN_SHORT,     /* total length 19 */
	MAL_OPTIONS,       /* IHL 6, four NOPs, checksum right */
	MAL_BAD_CSUM,      /* IPv4 header checksum wrong */
	MAL_FRAG_MF,       /* first fragment (MF set) cut inside the TCP header */
	MAL_FRAG_OFF,      /* TCP fragment at offset 8 (RFC 3128) */
	MAL_GRE,           /* protocol 47 */
	MAL_TCP_DOFF4,     /* TCP data offset 4 */
	MAL_UDP_LEN,       /* UDP length beyond the IP payload */
	MAL_NOT_OURS,      /* destination not an address of the appliance */
	MAL_ICMP_TS,       /* ICMP timestamp request to the VIP */
	MAL_TTL1,          /* SYN with TTL 1 */
	MAL_NO_SERVICE,    /* SYN to a VIP port without a service */
	MAL_NO_FLOW,       /* TCP ACK without a SYN before it */
	MAL_MAX
};

static const enum nc_drop mal_reason[MAL_MAX] = {
	[MAL_SHORT_IP] = NC_DROP_SHORT_FRAME,
	[MAL_OTHER_MAC] = NC_DROP_L2_OTHER_HOST,
	[MAL_IPV6] = NC_DROP_NOT_FOR_US,      /* an IPv6 SYN to an address not ours */
	[MAL_VLAN] = NC_DROP_L2_UNSUPPORTED,
	[MAL_VERSION6] = NC_DROP_IP_BAD_HEADER,
	[MAL_IHL4] = NC_DROP_IP_BAD_HEADER,
	[MAL_LEN_BEYOND] = NC_DROP_IP_BAD_LEN,
	[MAL_LEN_SHORT] = NC_DROP_IP_BAD_LEN,
	[MAL_OPTIONS] = NC_DROP_IP_OPTIONS,
	[MAL_BAD_CSUM] = NC_DROP_IP_BAD_CSUM,
	[MAL_FRAG_MF] = NC_DROP_FRAG_TINY,
	[MAL_FRAG_OFF] = NC_DROP_FRAG_TINY,
	[MAL_GRE] = NC_DROP_L4_UNSUPPORTED,
	[MAL_TCP_DOFF4] = NC_DROP_L4_BAD_HEADER,
	[MAL_UDP_LEN] = NC_DROP_L4_BAD_HEADER,
	[MAL_NOT_OURS] = NC_DROP_NOT_FOR_US,
	[MAL_ICMP_TS] = NC_DROP_ICMP_UNSUPPORTED,
	[MAL_TTL1] = NC_DROP_TTL_EXPIRED,
	[MAL_NO_SERVICE] = NC_DROP_NO_SERVICE,
	[MAL_NO_FLOW] = NC_DROP_NO_FLOW,
};

/* --ipv6: each malformed kind breaks one rule of an IPv6 SYN (or datagram). */
enum mal6_kind {
	M6_SHORT,          /* frame ends inside the IPv6 header */
	M6_OTHER_MAC,      /* unicast to another host's MAC */
	M6_VERSION4,       /* IPv6 ethertype, version field 4 */
	M6_LEN_ZERO,       /* payload length 0 */
	M6_LEN_BEYOND,     /* payload length beyond the frame */
	M6_HOP_BY_HOP,     /* hop-by-hop options header */
	M6_RT0,            /* routing header type 0 */
	M6_RT_SEGS,        /* routing header type 4 with a segment left */
	M6_AH,             /* authentication header */
	M6_ESP,            /* encapsulating security payload */
	M6_CHAIN,          /* nine destination options headers */
	M6_FRAG,           /* a TCP fragment at offset 8 after a destination options header */
	M6_EXT_BEYOND,     /* destination options header past the payload */
	M6_GRE,            /* next header 47 */
	M6_NO_NEXT,        /* next header 59 */
	M6_TCP_DOFF4,      /* TCP data offset 4 */
	M6_UDP_LEN,        /* UDP length beyond the payload */
	M6_NOT_OURS,       /* SYN to an address not the appliance's */
	M6_ICMP_OTHER,     /* ICMPv6 type 200 to the VIP */
	M6_HOP1,           /* SYN with hop limit 1 */
	M6_NO_SERVICE,     /* SYN past skipped destination options and routing type 2
			    * headers, to a VIP port without a service */
	M6_NO_FLOW,        /* TCP ACK without a SYN before it */
	M6_MAX
};

static const enum nc_drop mal6_reason[M6_MAX] = {
	[M6_SHORT] = NC_DROP_SHORT_FRAME,
	[M6_OTHER_MAC] = NC_DROP_L2_OTHER_HOST,
	[M6_VERSION4] = NC_DROP_IP6_BAD_HEADER,
	[M6_LEN_ZERO] = NC_DROP_IP_BAD_LEN,
	[M6_LEN_BEYOND] = NC_DROP_IP_BAD_LEN,
	[M6_HOP_BY_HOP] = NC_DROP_IP6_HOP_BY_HOP,
	[M6_RT0] = NC_DROP_IP6_ROUTING,
	[M6_RT_SEGS] = NC_DROP_IP6_ROUTING,
	[M6_AH] = NC_DROP_IP6_EXT_UNKNOWN,
	[M6_ESP] = NC_DROP_IP6_EXT_UNKNOWN,
	[M6_CHAIN] = NC_DROP_IP6_EXT_CHAIN,
	[M6_FRAG] = NC_DROP_FRAG_TINY,
	[M6_EXT_BEYOND] = NC_DROP_IP_BAD_LEN,
	[M6_GRE] = NC_DROP_L4_UNSUPPORTED,
	[M6_NO_NEXT] = NC_DROP_L4_UNSUPPORTED,
	[M6_TCP_DOFF4] = NC_DROP_L4_BAD_HEADER,
	[M6_UDP_LEN] = NC_DROP_L4_BAD_HEADER,
	[M6_NOT_OURS] = NC_DROP_NOT_FOR_US,
	[M6_ICMP_OTHER] = NC_DROP_ICMP_UNSUPPORTED,
	[M6_HOP1] = NC_DROP_TTL_EXPIRED,
	[M6_NO_SERVICE] = NC_DROP_NO_SERVICE,
	[M6_NO_FLOW] = NC_DROP_NO_FLOW,
};

struct gen_opts {
	const char *out;
	const char *manifest;
	uint64_t seed;
	uint32_t vip;
	uint16_t tcp_port;
	uint16_t udp_port;
	uint32_t clients;
	uint32_t client_base;
	uint32_t tcp_flows;
	uint32_t udp_flows;
	uint32_t requests;
	uint32_t pmin, pmax;
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t gw_ip;
	bool arp, icmp, malformed, syn_rtx;
	uint32_t icmp_count;
	uint32_t arp_target[GEN_MAX_LIST];
	uint32_t arp_sender[GEN_MAX_LIST];   /* 0: the gateway */
	uint8_t arp_sender_mac[GEN_MAX_LIST][6];
	bool arp_has_mac[GEN_MAX_LIST];
	uint32_t n_arp_targets;
	uint32_t not_ours[GEN_MAX_LIST];
	uint32_t n_not_ours;
	/* --ipv6: clients are <client_base6> with the low 32 bits <client_base> + n */
	bool v6;
	uint8_t vip6[16];
	uint8_t client_base6[16];
	uint8_t gw_ip6[16];
};

enum item_type { IT_TCP, IT_UDP, IT_ARP, IT_ECHO, IT_MAL };

/* One flow, or one single-packet item (ARP request, echo request, malformed). */
struct item {
	enum item_type type;
	uint32_t idx;          /* flow number within its type, or list index */
	uint32_t cip;
	uint16_t cport;
	uint16_t dport;
	uint8_t tos;
	uint32_t step;
	uint32_t nsteps;
	uint32_t nsyn;         /* SYN copies (2 with a retransmission) */
	uint32_t isn;          /* client ISN */
	uint32_t sisn;         /* server ISN, see pg_server_isn() */
	uint32_t sent;         /* client payload bytes so far */
	enum mal_kind mal;
	uint32_t mal_dst;      /* MAL_NOT_OURS destination */
};

/* Set of (client ip, port) pairs already taken. */
struct portset {
	uint64_t *k;
	uint32_t mask;
};

struct gen {
	const struct gen_opts *o;
	struct pg_rng rng;
	struct pg_ids *ids;
	struct portset ports;
	struct pg_writer w;
	uint64_t ts_us;
	uint32_t written;
	uint32_t reason_count[NC_DROP_MAX];
};

static int
portset_init(struct portset *s, uint32_t n)
{
	uint32_t sz = 1024;

	while (sz < 2 * n)
		sz <<= 1;
	s->k = calloc(sz, sizeof(*s->k));
	s->mask = sz - 1;
	return s->k == NULL ? -ENOMEM : 0;
}

/* Insert <key>; returns false when it was already present. */
static bool
portset_add(struct portset *s, uint64_t key)
{
	uint64_t v = key + 1; /* 0 marks an empty slot */
	uint32_t h = (uint32_t)((v * 0x9e3779b97f4a7c15ULL) >> 40) & s->mask;

	while (s->k[h] != 0) {
		if (s->k[h] == v)
			return false;
		h = (h + 1) & s->mask;
	}
	s->k[h] = v;
	return true;
}

static uint16_t
fresh_port(struct gen *g, uint32_t cip)
{
	for (;;) {
		uint16_t p = (uint16_t)pg_rng_range(&g->rng, 1024, 65535);

		if (portset_add(&g->ports, (uint64_t)cip << 16 | p))
			return p;
	}
}

/* The IPv6 address of client <cip> (the low 32 bits). */
static void
client6(const struct gen_opts *o, uint32_t cip, uint8_t out[16])
{
	memcpy(out, o->client_base6, 12);
	pb_put32(out + 12, cip);
}

static void
client_ip_hdr(struct gen *g, struct pg_ip *ip, uint32_t cip, uint32_t dip, uint8_t tos)
{
	memset(ip, 0, sizeof(*ip));
	memcpy(ip->dmac, g->o->dst_mac, 6);
	memcpy(ip->smac, g->o->src_mac, 6);
	ip->sip = cip;
	ip->dip = dip;
	ip->ttl = GEN_CLIENT_TTL;
	ip->tos = tos;
	ip->frag = 0x4000; /* DF */
	if (g->o->v6) {
		ip->v6 = true;
		client6(g->o, cip, ip->sip6);
		memcpy(ip->dip6, g->o->vip6, 16);
	}
}

static int
next_id(struct gen *g, uint16_t *id)
{
	if (pg_ids_next(g->ids, id) != 0) {
		fprintf(stderr, "nc-pktgen: out of unique IPv4 IDs\n");
		return -ENOSPC;
	}
	return 0;
}

static void
fill_request(struct gen *g, uint8_t *pl, uint32_t len, const struct item *it, uint32_t k)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char head[48];
	int n;

	for (uint32_t i = 0; i < len; i++)
		pl[i] = (uint8_t)abc[pg_rng_range(&g->rng, 0, sizeof(abc) - 2)];
	n = snprintf(head, sizeof(head), "%s %u/%u ", it->type == IT_TCP ? "GET" : "QRY",
		     it->idx, k);
	if (n > 0)
		memcpy(pl, head, (uint32_t)n < len ? (uint32_t)n : len);
}

static const uint8_t syn_opts[4] = { TCPOPT_MAXSEG, TCPOLEN_MAXSEG, PG_MSS >> 8, PG_MSS & 0xff };

/* Build the next packet of a TCP flow. Steps: SYN (twice with a retransmission),
 * ACK, <requests> PSH|ACK segments, FIN|ACK, ACK. Acknowledgement numbers assume
 * the server answered every earlier request with PG_RESP_LEN bytes, as `reply` does. */
static int
build_tcp_step(struct gen *g, struct item *it, struct pg_frame *f, uint16_t id)
{
	uint32_t R = g->o->requests;
	uint32_t s = it->step;
	uint8_t pl[PG_FRAME_MAX];
	uint32_t plen = 0;
	struct pg_tcp t = { .sport = it->cport, .dport = it->dport, .win = PG_TCP_WIN };
	struct pg_ip ip;

	client_ip_hdr(g, &ip, it->cip, g->o->vip, it->tos);
	ip.id = id;
	if (s < it->nsyn) {
		t.seq = it->isn;
		t.flags = TH_SYN;
		t.opt = syn_opts;
		t.optlen = sizeof(syn_opts);
	} else if (s == it->nsyn) {
		t.seq = it->isn + 1;
		t.ack = it->sisn + 1;
		t.flags = TH_ACK;
	} else if (s <= it->nsyn + R) {
		uint32_t k = s - it->nsyn - 1;

		plen = pg_rng_range(&g->rng, g->o->pmin, g->o->pmax);
		fill_request(g, pl, plen, it, k);
		t.seq = it->isn + 1 + it->sent;
		t.ack = it->sisn + 1 + k * PG_RESP_LEN;
		t.flags = TH_PUSH | TH_ACK;
		it->sent += plen;
	} else if (s == it->nsyn + R + 1) {
		t.seq = it->isn + 1 + it->sent;
		t.ack = it->sisn + 1 + R * PG_RESP_LEN;
		t.flags = TH_FIN | TH_ACK;
	} else {
		t.seq = it->isn + 2 + it->sent;
		t.ack = it->sisn + 2 + R * PG_RESP_LEN;
		t.flags = TH_ACK;
	}
	return pg_build_tcp(f, &ip, &t, pl, plen);
}

static int
build_udp_step(struct gen *g, struct item *it, struct pg_frame *f, uint16_t id)
{
	uint8_t pl[PG_FRAME_MAX];
	uint32_t plen = pg_rng_range(&g->rng, g->o->pmin, g->o->pmax);
	struct pg_ip ip;

	client_ip_hdr(g, &ip, it->cip, g->o->vip, it->tos);
	ip.id = id;
	fill_request(g, pl, plen, it, it->step);
	return pg_build_udp(f, &ip, it->cport, it->dport, pl, plen);
}

static void
build_arp(struct gen *g, const struct item *it, struct pg_frame *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];
	const struct gen_opts *o = g->o;
	uint32_t spa = o->arp_sender[it->idx] ? o->arp_sender[it->idx] : o->gw_ip;
	const uint8_t *sha = o->arp_has_mac[it->idx] ? o->arp_sender_mac[it->idx] : o->src_mac;

	if (o->v6) {
		pg_build_ns(f, o->src_mac, o->gw_ip6, o->vip6);
		return;
	}
	pg_build_arp(f, bcast, sha, 1, sha, spa, zero, o->arp_target[it->idx]);
}

static uint8_t
o_echo_type(const struct gen_opts *o)
{
	return o->v6 ? 128 : ICMP_ECHO;
}

static int
build_echo(struct gen *g, const struct item *it, struct pg_frame *f, uint16_t id)
{
	uint8_t pl[GEN_ECHO_LEN];
	struct pg_ip ip;

	for (uint32_t i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(0x10 + i);
	client_ip_hdr(g, &ip, it->cip, g->o->vip, 0);
	ip.id = id;
	return pg_build_icmp(f, &ip, o_echo_type(g->o), 0, (uint16_t)(0x4e00 + it->idx),
			     (uint16_t)(it->idx + 1), pl, sizeof(pl));
}

/* A valid SYN from the item's client towards <dst>:<dport> with <ttl>. */
static int
mal_syn(struct gen *g, const struct item *it, struct pg_frame *f, uint16_t id, uint32_t dst,
	uint16_t dport, uint8_t ttl)
{
	struct pg_tcp t = { .sport = it->cport, .dport = dport, .seq = it->isn,
			    .flags = TH_SYN, .win = PG_TCP_WIN, .opt = syn_opts,
			    .optlen = sizeof(syn_opts) };
	struct pg_ip ip;

	client_ip_hdr(g, &ip, it->cip, dst, 0);
	ip.id = id;
	ip.ttl = ttl;
	return pg_build_tcp(f, &ip, &t, NULL, 0);
}

static int
build_mal(struct gen *g, const struct item *it, struct pg_frame *f, uint16_t id)
{
	const struct gen_opts *o = g->o;
	uint8_t *iph = f->b + PG_ETH_LEN;
	struct pg_ip ip;
	uint8_t pl[64];
	uint32_t tot;
	int rc;

	switch (it->mal) {
	case MAL_SHORT_IP:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		f->len = PG_ETH_LEN + 12;
		return rc;
	case MAL_OTHER_MAC:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		memcpy(f->b, (const uint8_t[6]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 }, 6);
		if (memcmp(f->b, o->dst_mac, 6) == 0)
			f->b[5] = 0x98;
		return rc;
	case MAL_IPV6:
		/* An IPv6 TCP SYN header: version 6, payload 20, next header TCP. */
		memset(pl, 0, sizeof(pl));
		pl[0] = 0x60;
		pl[5] = 20;
		pl[6] = IPPROTO_TCP;
		pl[7] = 64;
		pl[8] = 0x20; pl[9] = 0x01; pl[10] = 0x0d; pl[11] = 0xb8; pl[23] = 0x02;
		pl[24] = 0x20; pl[25] = 0x01; pl[26] = 0x0d; pl[27] = 0xb8; pl[39] = 0x01;
		pl[40] = (uint8_t)(it->cport >> 8); pl[41] = (uint8_t)it->cport;
		pl[42] = (uint8_t)(o->tcp_port >> 8); pl[43] = (uint8_t)o->tcp_port;
		pl[52] = 0x50; pl[53] = TH_SYN; pl[54] = 0xfa; pl[55] = 0xf0;
		memcpy(f->b, o->dst_mac, 6);
		memcpy(f->b + 6, o->src_mac, 6);
		f->b[12] = 0x86;
		f->b[13] = 0xdd;
		/* TCP checksum over the IPv6 pseudo-header: addresses, length, TCP */
		pb_put16(pl + 56, pb_csum(pl + 40, 20,
					  pb_csum_add(0, pl + 8, 32) + 20 + IPPROTO_TCP));
		memcpy(f->b + PG_ETH_LEN, pl, 60);
		f->len = PG_ETH_LEN + 60;
		return 0;
	case MAL_VLAN:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		memmove(f->b + 16, f->b + 12, f->len - 12);
		f->b[12] = 0x81;
		f->b[13] = 0x00;
		f->b[14] = 0x00;
		f->b[15] = 0x0a; /* VLAN 10 */
		f->len += 4;
		return rc;
	case MAL_VERSION6:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		iph[0] = 0x65;
		pb_ip_csum_fix(f->b);
		return rc;
	case MAL_IHL4:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		iph[0] = 0x44;
		pb_ip_csum_fix(f->b);
		return rc;
	case MAL_LEN_BEYOND:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		tot = f->len - PG_ETH_LEN + 20;
		iph[2] = (uint8_t)(tot >> 8);
		iph[3] = (uint8_t)tot;
		pb_ip_csum_fix(f->b);
		return rc;
	case MAL_LEN_SHORT:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		iph[2] = 0;
		iph[3] = 19;
		pb_ip_csum_fix(f->b);
		return rc;
	case MAL_OPTIONS:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		tot = (uint32_t)(iph[2] << 8 | iph[3]);
		memmove(iph + 24, iph + 20, tot - 20);
		memset(iph + 20, 1, 4); /* four NOPs */
		iph[0] = 0x46;
		tot += 4;
		iph[2] = (uint8_t)(tot >> 8);
		iph[3] = (uint8_t)tot;
		pb_ip_csum_fix(f->b);
		pb_l4_csum_fix(f->b);
		f->len = PG_ETH_LEN + tot < PG_ETH_MIN ? PG_ETH_MIN : PG_ETH_LEN + tot;
		return rc;
	case MAL_BAD_CSUM:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		iph[11] ^= 0xff;
		return rc;
	case MAL_FRAG_MF:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		iph[6] = 0x20; /* MF, offset 0, 16 bytes of the TCP header */
		iph[7] = 0;
		iph[2] = 0;
		iph[3] = 20 + 16;
		f->len = PG_ETH_LEN + 20 + 16;
		pb_ip_csum_fix(f->b);
		return rc;
	case MAL_FRAG_OFF:
		rc = mal_syn(g, it, f, id, o->vip, o->tcp_port, GEN_CLIENT_TTL);
		iph[6] = 0;
		iph[7] = 1; /* offset 8, last fragment */
		pb_ip_csum_fix(f->b);
		return rc;
	case MAL_GRE:
		memset(pl, 0, sizeof(pl));
		pl[2] = 0x08; /* GRE carrying IPv4 */
		pl[4] = 0x45;
		client_ip_hdr(g, &ip, it->cip, o->vip, 0);
		ip.id = id;
		return pg_build_ipv4_raw(f, &ip, 47, pl, 24);
	case MAL_TCP_DOFF4: {
		struct pg_tcp t = { .sport = it->cport, .dport = o->tcp_port, .seq = it->isn,
				    .flags = TH_SYN, .win = PG_TCP_WIN };

		client_ip_hdr(g, &ip, it->cip, o->vip, 0);
		ip.id = id;
		rc = pg_build_tcp(f, &ip, &t, NULL, 0);
		iph[20 + 12] = 0x40;
		pb_l4_csum_fix(f->b);
		return rc;
	}
	case MAL_UDP_LEN:
		client_ip_hdr(g, &ip, it->cip, o->vip, 0);
		ip.id = id;
		memset(pl, 'u', 32);
		rc = pg_build_udp(f, &ip, it->cport, o->udp_port, pl, 32);
		iph[20 + 4] = 0;
		iph[20 + 5] = 8 + 32 + 16;
		pb_l4_csum_fix(f->b);
		return rc;
	case MAL_NOT_OURS:
		return mal_syn(g, it, f, id, it->mal_dst, o->tcp_port, GEN_CLIENT_TTL);
	case MAL_ICMP_TS:
		memset(pl, 0, 12);
		pl[0] = 0x01; pl[1] = 0x23; pl[2] = 0x45; pl[3] = 0x67;
		client_ip_hdr(g, &ip, it->cip, o->vip, 0);
		ip.id = id;
		return pg_build_icmp(f, &ip, ICMP_TIMESTAMP, 0, 0x7473, 1, pl, 12);
	case MAL_TTL1:
		return mal_syn(g, it, f, id, o->vip, o->tcp_port, 1);
	case MAL_NO_SERVICE:
		return mal_syn(g, it, f, id, o->vip,
			       (uint16_t)(o->tcp_port == 81 || o->udp_port == 81 ? 82 : 81),
			       GEN_CLIENT_TTL);
	case MAL_NO_FLOW: {
		struct pg_tcp t = { .sport = it->cport, .dport = o->tcp_port, .seq = it->isn,
				    .ack = it->sisn, .flags = TH_ACK, .win = PG_TCP_WIN };

		client_ip_hdr(g, &ip, it->cip, o->vip, 0);
		ip.id = id;
		return pg_build_tcp(f, &ip, &t, NULL, 0);
	}
	case MAL_MAX:
		break;
	}
	return -EINVAL;
}

static void
ext6(struct pb_pkt *p, uint8_t type, uint8_t len, uint8_t rt_type, uint8_t seg_left)
{
	struct pb_ext6 *e = &p->ext[p->n_ext++];

	e->type = type;
	e->len = len;
	e->rt_type = rt_type;
	e->seg_left = seg_left;
}

/* An IPv6 malformed item: a SYN from the item's client to the VIP (the test
 * support's builder, which knows extension headers), then the one break. */
static int
build_mal6(struct gen *g, const struct item *it, struct pg_frame *f, uint16_t id)
{
	const struct gen_opts *o = g->o;
	static const uint8_t udp_pl[32] = "udp-udp-udp-udp-udp-udp-udp-udp";
	uint32_t cut = 0;
	struct pb_pkt p;

	pb_init6(&p, IPPROTO_TCP);
	memcpy(p.dst_mac, o->dst_mac, 6);
	memcpy(p.src_mac, o->src_mac, 6);
	client6(o, it->cip, p.sip6);
	memcpy(p.dip6, o->vip6, 16);
	p.flow_label = id;
	p.ttl = GEN_CLIENT_TTL;
	p.sport = it->cport;
	p.dport = o->tcp_port;
	p.seq = it->isn;
	p.tcp_flags = PB_TCP_SYN;
	p.window = PG_TCP_WIN;
	switch ((enum mal6_kind)it->mal) {
	case M6_SHORT: cut = PG_ETH_LEN + 30; break;
	case M6_OTHER_MAC:
		memcpy(p.dst_mac, (const uint8_t[6]){ 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 }, 6);
		if (memcmp(p.dst_mac, o->dst_mac, 6) == 0)
			p.dst_mac[5] = 0x98;
		break;
	case M6_VERSION4: p.ip_version = 4; break;
	case M6_LEN_ZERO: p.tot_len_adj = -20; break;       /* a bare SYN: 20 bytes */
	case M6_LEN_BEYOND: p.tot_len_adj = 16; break;
	case M6_HOP_BY_HOP: ext6(&p, 0, 0, 0, 0); break;
	case M6_RT0: ext6(&p, 43, 0, 0, 0); break;
	case M6_RT_SEGS: ext6(&p, 43, 0, 4, 1); break;
	case M6_AH: ext6(&p, 51, 0, 0, 0); break;
	case M6_ESP: ext6(&p, 50, 0, 0, 0); break;
	case M6_CHAIN:
		for (int k = 0; k < 9; k++)
			ext6(&p, 60, 0, 0, 0);
		break;
	case M6_FRAG:   /* the options passed over, the fragment refused (RFC 7112) */
		ext6(&p, 60, 0, 0, 0);
		ext6(&p, 44, 0, 0, 0);
		p.ext[p.n_ext - 1].frag = 8;   /* offset 8, the last */
		break;
	case M6_EXT_BEYOND:
		/* a 72-byte header in a payload length of 16 */
		ext6(&p, 60, 8, 0, 0);
		p.tot_len_adj = -(9 * 8 + 20 - 16);
		break;
	case M6_GRE:
	case M6_NO_NEXT:
		p.proto = (enum mal6_kind)it->mal == M6_GRE ? 47 : 59;
		p.payload = udp_pl;
		p.payload_len = 24;
		break;
	case M6_TCP_DOFF4: p.doff_field = 4; break;
	case M6_UDP_LEN:
		p.proto = IPPROTO_UDP;
		p.dport = o->udp_port;
		p.payload = udp_pl;
		p.payload_len = sizeof(udp_pl);
		p.udp_len_adj = 16;
		break;
	case M6_NOT_OURS:
		p.dip6[15] = 0x99;
		if (memcmp(p.dip6, o->vip6, 16) == 0)
			p.dip6[15] = 0x98;
		break;
	case M6_ICMP_OTHER:
		p.proto = PB_PROTO_ICMPV6;
		p.icmp_type = 200;
		break;
	case M6_HOP1: p.ttl = 1; break;
	case M6_NO_SERVICE:
		ext6(&p, 60, 0, 0, 0);
		ext6(&p, 43, 2, 2, 0);
		p.dport = (uint16_t)(o->tcp_port == 81 || o->udp_port == 81 ? 82 : 81);
		break;
	case M6_NO_FLOW:
		p.tcp_flags = PB_TCP_ACK;
		p.ack = it->sisn;
		break;
	case M6_MAX: return -EINVAL;
	}
	f->len = pb_build(&p, f->b, sizeof(f->b));
	if (f->len == 0)
		return -EMSGSIZE;
	if (cut)
		f->len = cut;
	if (f->len < PG_ETH_MIN && !cut) {
		memset(f->b + f->len, 0, PG_ETH_MIN - f->len);
		f->len = PG_ETH_MIN;
	}
	return 0;
}

/* Whether the item's next packet is an IPv4 packet that takes an ID. */
static bool
step_takes_id(const struct item *it, bool g_v6)
{
	if (it->type == IT_ARP)
		return false;
	if (it->type == IT_MAL && g_v6)
		return true;
	if (it->type == IT_MAL && it->mal == MAL_IPV6)
		return false;
	return true;
}

/* Write the item's next packet and advance it. */
static int
emit(struct gen *g, struct item *it)
{
	struct pg_frame f;
	uint16_t id = 0;
	int rc;

	if (step_takes_id(it, g->o->v6) && (rc = next_id(g, &id)) != 0)
		return rc;
	switch (it->type) {
	case IT_TCP:
		rc = build_tcp_step(g, it, &f, id);
		break;
	case IT_UDP:
		rc = build_udp_step(g, it, &f, id);
		break;
	case IT_ARP:
		build_arp(g, it, &f);
		rc = 0;
		break;
	case IT_ECHO:
		rc = build_echo(g, it, &f, id);
		break;
	case IT_MAL:
		if (g->o->v6) {
			rc = build_mal6(g, it, &f, id);
			if (rc == 0)
				g->reason_count[mal6_reason[it->mal]]++;
			break;
		}
		rc = build_mal(g, it, &f, id);
		if (rc == 0)
			g->reason_count[mal_reason[it->mal]]++;
		break;
	default:
		rc = -EINVAL;
	}
	if (rc != 0) {
		fprintf(stderr, "nc-pktgen: cannot build packet: %s\n", strerror(-rc));
		return rc;
	}
	g->ts_us += pg_rng_range(&g->rng, 20, 400);
	f.ts_us = g->ts_us;
	pg_writer_put(&g->w, &f);
	g->written++;
	it->step++;
	return 0;
}

/* pg_server_isn() of the flow, with the keys `reply` computes from the frames. */
static uint32_t
flow_isn(const struct gen_opts *o, const struct item *it)
{
	uint8_t c6[16];

	if (!o->v6)
		return pg_server_isn(it->cip, it->cport, o->vip, it->dport);
	client6(o, it->cip, c6);
	return pg_server_isn(pg_crc32(c6, 16), it->cport, pg_crc32(o->vip6, 16), it->dport);
}

static void
init_flow(struct gen *g, struct item *it, enum item_type type, uint32_t idx)
{
	const struct gen_opts *o = g->o;
	static const uint8_t tos_choice[4] = { 0x00, 0x00, 0x28, 0xb8 };

	memset(it, 0, sizeof(*it));
	it->type = type;
	it->idx = idx;
	it->cip = o->client_base + idx % o->clients;
	it->cport = fresh_port(g, it->cip);
	it->dport = type == IT_TCP ? o->tcp_port : o->udp_port;
	it->tos = tos_choice[pg_rng_range(&g->rng, 0, 3)];
	if (type == IT_TCP) {
		/* SYN [SYN again], ACK, requests x PSH|ACK, FIN|ACK, ACK */
		it->nsyn = o->syn_rtx && pg_rng_range(&g->rng, 0, 2) == 0 ? 2 : 1;
		it->nsteps = it->nsyn + 1 + o->requests + 2;
		it->isn = (uint32_t)pg_rng_next(&g->rng);
		it->sisn = flow_isn(o, it);
	} else {
		it->nsteps = o->requests;
	}
}

static void
init_single(struct gen *g, struct item *it, enum item_type type, uint32_t idx)
{
	const struct gen_opts *o = g->o;

	memset(it, 0, sizeof(*it));
	it->type = type;
	it->idx = idx;
	it->nsteps = 1;
	if (type == IT_ECHO) {
		it->cip = o->client_base + idx % o->clients;
	} else if (type == IT_MAL) {
		it->cip = o->client_base + pg_rng_range(&g->rng, 0, o->clients - 1);
		it->cport = fresh_port(g, it->cip);
		it->isn = (uint32_t)pg_rng_next(&g->rng);
		it->sisn = (uint32_t)pg_rng_next(&g->rng);
	}
}

/* Number of malformed items: one per kind, one per not-ours address (IPv4). */
static uint32_t
mal_count(const struct gen_opts *o)
{
	if (o->v6)
		return o->malformed ? M6_MAX : 0;
	return o->malformed ? MAL_MAX + o->n_not_ours : 0;
}

static int
write_manifest(const struct gen *g)
{
	FILE *fp = fopen(g->o->manifest, "w");

	if (fp == NULL) {
		fprintf(stderr, "nc-pktgen: %s: %s\n", g->o->manifest, strerror(errno));
		return -errno;
	}
	for (int r = 0; r < NC_DROP_MAX; r++)
		if (g->reason_count[r])
			fprintf(fp, "drop.%s %u\n", drop_names[r], g->reason_count[r]);
	if (fclose(fp) != 0) {
		fprintf(stderr, "nc-pktgen: %s: write failed\n", g->o->manifest);
		return -EIO;
	}
	return 0;
}

/* Build the start order: flows and single items interleaved by a random merge. */
static struct item *
build_items(struct gen *g, uint32_t *n_out)
{
	const struct gen_opts *o = g->o;
	uint32_t n_arp = o->arp ? 1 + (o->v6 ? 0 : o->n_arp_targets) : 0;
	uint32_t n_echo = o->icmp ? o->icmp_count : 0;
	uint32_t n_mal = mal_count(o);
	uint32_t left[5] = { o->tcp_flows, o->udp_flows, n_arp, n_echo, n_mal };
	uint32_t used[5] = { 0 };
	uint32_t total = left[0] + left[1] + left[2] + left[3] + left[4];
	struct item *items = calloc(total ? total : 1, sizeof(*items));

	if (items == NULL)
		return NULL;
	for (uint32_t i = 0; i < total; i++) {
		uint32_t remain = 0, pick, t = 0;

		for (int k = 0; k < 5; k++)
			remain += left[k];
		pick = pg_rng_range(&g->rng, 0, remain - 1);
		while (pick >= left[t]) {
			pick -= left[t];
			t++;
		}
		left[t]--;
		switch (t) {
		case 0:
			init_flow(g, &items[i], IT_TCP, used[0]++);
			break;
		case 1:
			init_flow(g, &items[i], IT_UDP, used[1]++);
			break;
		case 2:
			init_single(g, &items[i], IT_ARP, used[2]++);
			break;
		case 3:
			init_single(g, &items[i], IT_ECHO, used[3]++);
			break;
		default: {
			uint32_t m = used[4]++;

			init_single(g, &items[i], IT_MAL, m);
			if (o->v6) {
				items[i].mal = (enum mal_kind)m;
			} else if (m < MAL_MAX) {
				items[i].mal = (enum mal_kind)m;
				items[i].mal_dst = 0x0a000063; /* 10.0.0.99 */
			} else {
				items[i].mal = MAL_NOT_OURS;
				items[i].mal_dst = o->not_ours[m - MAL_MAX];
			}
			break;
		}
		}
	}
	*n_out = total;
	return items;
}

static int
run_gen(struct gen_opts *o)
{
	struct gen g;
	struct item *items;
	uint32_t n_items = 0, next = 0, n_active = 0, *active;
	uint64_t packets = 0;
	int rc = 0;

	memset(&g, 0, sizeof(g));
	g.o = o;
	g.ts_us = GEN_TS_BASE_US;
	pg_rng_seed(&g.rng, o->seed, 1);
	g.ids = malloc(sizeof(*g.ids));
	if (g.ids == NULL)
		return -ENOMEM;
	pg_ids_init(g.ids, o->seed);

	/* Shift the ARP target list so that entry 0 is the VIP asked by the gateway. */
	if (o->arp && !o->v6) {
		memmove(&o->arp_target[1], &o->arp_target[0], o->n_arp_targets * sizeof(uint32_t));
		memmove(&o->arp_sender[1], &o->arp_sender[0], o->n_arp_targets * sizeof(uint32_t));
		memmove(&o->arp_sender_mac[1], &o->arp_sender_mac[0], o->n_arp_targets * 6);
		memmove(&o->arp_has_mac[1], &o->arp_has_mac[0], o->n_arp_targets * sizeof(bool));
		o->arp_target[0] = o->vip;
		o->arp_sender[0] = 0;
		o->arp_has_mac[0] = false;
	}
	packets = (uint64_t)o->tcp_flows * (o->requests + 4 + (o->syn_rtx ? 1 : 0)) +
		  (uint64_t)o->udp_flows * o->requests + (o->icmp ? o->icmp_count : 0) +
		  mal_count(o) + (o->arp ? 1 + o->n_arp_targets : 0);
	if (packets > PG_MAX_PACKETS) {
		fprintf(stderr, "nc-pktgen: %llu packets requested, at most %u per file\n",
			(unsigned long long)packets, PG_MAX_PACKETS);
		free(g.ids);
		return -E2BIG;
	}
	if (portset_init(&g.ports, o->tcp_flows + o->udp_flows + mal_count(o)) != 0) {
		free(g.ids);
		return -ENOMEM;
	}
	items = build_items(&g, &n_items);
	active = calloc(n_items ? n_items : 1, sizeof(*active));
	if (items == NULL || active == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = pg_writer_open(&g.w, o->out);
	if (rc != 0)
		goto out;

	/* Start items in order; in between, advance a random started flow. */
	while (rc == 0 && (next < n_items || n_active > 0)) {
		struct item *it;
		uint32_t a;

		if (next < n_items && (n_active == 0 || pg_rng_range(&g.rng, 0, 2) == 0)) {
			it = &items[next];
			a = n_active;
			active[n_active++] = next++;
		} else {
			a = pg_rng_range(&g.rng, 0, n_active - 1);
			it = &items[active[a]];
		}
		if (it->step < it->nsteps)
			rc = emit(&g, it);
		if (it->step >= it->nsteps) {
			/* keep the order of the remaining flows: shift left */
			memmove(&active[a], &active[a + 1], (n_active - a - 1) * sizeof(*active));
			n_active--;
		}
	}
	if (pg_writer_close(&g.w) != 0 && rc == 0) {
		fprintf(stderr, "nc-pktgen: %s: write failed\n", o->out);
		rc = -EIO;
	}
	if (rc == 0 && o->manifest != NULL)
		rc = write_manifest(&g);
	if (rc == 0)
		printf("nc-pktgen: wrote %u packets to %s (%u tcp flows, %u udp flows, "
		       "%u malformed)\n", g.written, o->out, o->tcp_flows, o->udp_flows,
		       mal_count(o));
out:
	free(active);
	free(items);
	free(g.ports.k);
	free(g.ids);
	return rc;
}

static void
gen_usage(void)
{
	fprintf(stderr,
		"usage: nc-pktgen gen --out FILE [--seed N] [--vip IP] [--tcp-port P] [--udp-port P]\n"
		"         [--clients N] [--client-base IP] [--tcp-flows N] [--udp-flows N]\n"
		"         [--requests N] [--payload-min B] [--payload-max B]\n"
		"         [--src-mac GW_MAC] [--dst-mac APPLIANCE_MAC] [--gw-ip IP]\n"
		"         [--arp] [--arp-target IP[,SENDER_IP[,SENDER_MAC]]]...\n"
		"         [--icmp] [--icmp-count N] [--malformed] [--not-ours IP]...\n"
		"         [--syn-retransmit] [--manifest FILE]\n"
		"         [--ipv6]   IPv6 clients: --vip, --client-base and --gw-ip take IPv6\n"
		"                    (defaults fd00::100, 2001:db8:c::1, fd00::fe); --arp sends a\n"
		"                    Neighbor Solicitation for the VIP, --icmp ICMPv6 echo\n"
		"                    requests, --malformed the IPv6 kinds\n");
}

static const char *
opt_name(const struct option *lo, int val)
{
	for (; lo->name != NULL; lo++)
		if (lo->val == val)
			return lo->name;
	return "?";
}

/* --arp-target IP[,SENDER_IP[,SENDER_MAC]] */
static int
parse_arp_target(struct gen_opts *o, char *arg)
{
	char *ip = strtok(arg, ","), *sender = strtok(NULL, ","), *mac = strtok(NULL, ",");
	uint32_t i = o->n_arp_targets;

	if (i + 1 >= GEN_MAX_LIST || ip == NULL || pg_parse_ip(ip, &o->arp_target[i]) != 0)
		return -EINVAL;
	if (sender != NULL && pg_parse_ip(sender, &o->arp_sender[i]) != 0)
		return -EINVAL;
	if (mac != NULL) {
		if (pg_parse_mac(mac, o->arp_sender_mac[i]) != 0)
			return -EINVAL;
		o->arp_has_mac[i] = true;
	}
	o->n_arp_targets++;
	return 0;
}

int
pg_cmd_gen(int argc, char **argv)
{
	enum { O_OUT = 256, O_SEED, O_VIP, O_TCPP, O_UDPP, O_CLIENTS, O_CBASE, O_TCPF, O_UDPF,
	       O_REQ, O_PMIN, O_PMAX, O_SMAC, O_DMAC, O_GWIP, O_ARP, O_ARPT, O_ICMP, O_ICMPN,
	       O_MAL, O_NOTOURS, O_RTX, O_MANIFEST, O_IPV6 };
	static const struct option lo[] = {
		{ "out", required_argument, NULL, O_OUT },
		{ "seed", required_argument, NULL, O_SEED },
		{ "vip", required_argument, NULL, O_VIP },
		{ "tcp-port", required_argument, NULL, O_TCPP },
		{ "udp-port", required_argument, NULL, O_UDPP },
		{ "clients", required_argument, NULL, O_CLIENTS },
		{ "client-base", required_argument, NULL, O_CBASE },
		{ "tcp-flows", required_argument, NULL, O_TCPF },
		{ "udp-flows", required_argument, NULL, O_UDPF },
		{ "requests", required_argument, NULL, O_REQ },
		{ "payload-min", required_argument, NULL, O_PMIN },
		{ "payload-max", required_argument, NULL, O_PMAX },
		{ "src-mac", required_argument, NULL, O_SMAC },
		{ "dst-mac", required_argument, NULL, O_DMAC },
		{ "gw-ip", required_argument, NULL, O_GWIP },
		{ "arp", no_argument, NULL, O_ARP },
		{ "arp-target", required_argument, NULL, O_ARPT },
		{ "icmp", no_argument, NULL, O_ICMP },
		{ "icmp-count", required_argument, NULL, O_ICMPN },
		{ "malformed", no_argument, NULL, O_MAL },
		{ "not-ours", required_argument, NULL, O_NOTOURS },
		{ "syn-retransmit", no_argument, NULL, O_RTX },
		{ "manifest", required_argument, NULL, O_MANIFEST },
		{ "ipv6", no_argument, NULL, O_IPV6 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gen_opts o = {
		.seed = 1, .vip = 0x0a000001, .tcp_port = 80, .udp_port = 5353,
		.clients = 16, .client_base = 0xc6120001, .tcp_flows = 10, .udp_flows = 10,
		.requests = 3, .pmin = 32, .pmax = 512,
		.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe },
		.dst_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
		.gw_ip = 0x0a0000fe, .icmp_count = 4,
	};
	const char *vip6 = "fd00::100", *cbase6 = "2001:db8:c::1", *gw6 = "fd00::fe";
	uint32_t v;
	int c, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_OUT: o.out = optarg; break;
		case O_MANIFEST: o.manifest = optarg; break;
		case O_SEED: bad |= pg_parse_u64(optarg, &o.seed); break;
		case O_VIP:
			if (strchr(optarg, ':') != NULL)
				vip6 = optarg;
			else
				bad |= pg_parse_ip(optarg, &o.vip);
			break;
		case O_CBASE:
			if (strchr(optarg, ':') != NULL)
				cbase6 = optarg;
			else
				bad |= pg_parse_ip(optarg, &o.client_base);
			break;
		case O_GWIP:
			if (strchr(optarg, ':') != NULL)
				gw6 = optarg;
			else
				bad |= pg_parse_ip(optarg, &o.gw_ip);
			break;
		case O_IPV6: o.v6 = true; break;
		case O_TCPP:
			bad |= pg_parse_u32(optarg, 1, 65535, &v);
			o.tcp_port = (uint16_t)v;
			break;
		case O_UDPP:
			bad |= pg_parse_u32(optarg, 1, 65535, &v);
			o.udp_port = (uint16_t)v;
			break;
		case O_CLIENTS: bad |= pg_parse_u32(optarg, 1, 1u << 20, &o.clients); break;
		case O_TCPF: bad |= pg_parse_u32(optarg, 0, PG_MAX_PACKETS, &o.tcp_flows); break;
		case O_UDPF: bad |= pg_parse_u32(optarg, 0, PG_MAX_PACKETS, &o.udp_flows); break;
		case O_REQ: bad |= pg_parse_u32(optarg, 0, PG_MAX_PACKETS, &o.requests); break;
		case O_PMIN: bad |= pg_parse_u32(optarg, 1, 1400, &o.pmin); break;
		case O_PMAX: bad |= pg_parse_u32(optarg, 1, 1400, &o.pmax); break;
		case O_SMAC: bad |= pg_parse_mac(optarg, o.src_mac); break;
		case O_DMAC: bad |= pg_parse_mac(optarg, o.dst_mac); break;
		case O_ARP: o.arp = true; break;
		case O_ARPT: bad |= parse_arp_target(&o, optarg); break;
		case O_ICMP: o.icmp = true; break;
		case O_ICMPN: bad |= pg_parse_u32(optarg, 1, 1000, &o.icmp_count); break;
		case O_MAL: o.malformed = true; break;
		case O_NOTOURS:
			if (o.n_not_ours >= GEN_MAX_LIST)
				bad = 1;
			else
				bad |= pg_parse_ip(optarg, &o.not_ours[o.n_not_ours++]);
			break;
		case O_RTX: o.syn_rtx = true; break;
		case 'h':
			gen_usage();
			return 0;
		default:
			gen_usage();
			return 2;
		}
		if (bad) {
			fprintf(stderr, "nc-pktgen gen: bad value for --%s: %s\n",
				opt_name(lo, c), optarg ? optarg : "");
			return 2;
		}
	}
	if (optind != argc || o.out == NULL) {
		gen_usage();
		return 2;
	}
	if (o.pmin > o.pmax) {
		fprintf(stderr, "nc-pktgen gen: --payload-min above --payload-max\n");
		return 2;
	}
	if (o.udp_flows > 0 && o.requests == 0) {
		fprintf(stderr, "nc-pktgen gen: UDP flows need --requests >= 1\n");
		return 2;
	}
	if (o.v6) {
		if (pg_parse_ip6(vip6, o.vip6) || pg_parse_ip6(cbase6, o.client_base6) ||
		    pg_parse_ip6(gw6, o.gw_ip6)) {
			fprintf(stderr, "nc-pktgen gen: --ipv6 takes IPv6 --vip, --client-base "
				"and --gw-ip\n");
			return 2;
		}
		o.client_base = pb_get32(o.client_base6 + 12);
		if (o.n_arp_targets || o.n_not_ours) {
			fprintf(stderr, "nc-pktgen gen: --arp-target and --not-ours are IPv4 only\n");
			return 2;
		}
	}
	if (o.n_arp_targets && !o.arp) {
		fprintf(stderr, "nc-pktgen gen: --arp-target needs --arp\n");
		return 2;
	}
	return run_gen(&o) == 0 ? 0 : 1;
}
