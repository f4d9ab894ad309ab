/* SPDX-License-Identifier: BSD-3-Clause
 * nc-pcap-check: verify what the appliance wrote to a pcap port against what it read.
 *
 * Input packets are classified by the appliance's own rules (the startup file gives
 * the port MAC, addresses, services and neighbors). Output packets are matched to
 * input packets by IPv4 ID or IPv6 flow label, which the appliance preserves and
 * which nc-pktgen makes unique within a file. Then:
 *  - every valid client -> VIP:port packet of an accepted flow appears exactly once,
 *    rewritten to local_ip:lport -> server:port, TTL (hop limit) - 1, checksums right
 *    (IPv6: TCP/UDP over the IPv6 pseudo header, recomputed), the rest
 *    byte for byte as it came in; every packet of a flow uses one server and one
 *    (local ip, local port), and no two flows share a (proto, local ip, local port);
 *  - every server -> local_ip:lport packet appears exactly once, rewritten to
 *    VIP:port -> the client that owns that local port;
 *  - nothing else carrying an input packet's ID appears (malformed, not for a
 *    service, refused flows), and no IPv4 packet without an input ID appears;
 *  - ARP replies, Neighbor Advertisements and ICMP/ICMPv6 echo replies answer the
 *    input's requests correctly;
 *  - optional: server choice per new flow follows a pattern / meets counts, and
 *    only the first N flows are accepted (flow table full).
 * Exit 0 with a one-line summary, 1 with every violation listed, 2 on usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_priv.h"
#include "nc_net_types.h"

#define CK_MAX_SPECS   32
#define CK_MAX_PATTERN 256
#define P_ICMP 1
#define P_TCP  6
#define P_UDP  17
#define P_ICMP6 58
#define ND_NS  135
#define ND_NA  136

static const char *const drop_names[NC_DROP_MAX] = {
#define NC_DROP_NAME(e, n, d) [NC_DROP_##e] = n,
	NC_FOREACH_DROP(NC_DROP_NAME)
#undef NC_DROP_NAME
};

enum in_kind {
	IK_DROP,      /* the appliance must drop it; why = drop reason */
	IK_ARP,       /* ARP frame */
	IK_ND,        /* Neighbor Solicitation or Advertisement */
	IK_ECHO,      /* ICMP echo request to one of our addresses */
	IK_CLIENT,    /* client -> VIP:port of a service */
	IK_SERVER,    /* server -> local ip of a service */
};

struct in_info {
	enum in_kind kind;
	const char *why;      /* drop reason name when not forwarded */
	int16_t svc;
	int32_t flow;         /* client and server legs: the flow, or -1 */
	bool expect;          /* must appear exactly once in the output */
	uint32_t seen;
	uint32_t first_out;   /* 1-based, 0: none */
};

struct flow {
	uint8_t proto;
	uint16_t svc;
	uint32_t cip;
	uint16_t cport;
	uint32_t first_in;    /* 0-based input index */
	bool accepted;
	bool mapped;
	int16_t srv;
	uint32_t lip;
	uint16_t lport;
	uint32_t map_out;     /* 0-based output index that set the mapping */
	uint32_t n_in, n_fwd;
};

struct spec {
	uint16_t svc;
	uint32_t v[CK_MAX_PATTERN];
	uint32_t n;
};

struct ck {
	struct nc_config cfg;
	const struct nc_cfg_port *port;
	struct ck_trace in, out;
	struct in_info *info;
	struct flow *flows;
	uint32_t n_flows;
	struct ck_map by_tuple;    /* client 5-tuple -> flow */
	struct ck_map by_local;    /* (proto, local ip, lport) -> flow */
	struct ck_map by_id;       /* IPv4 ID -> input index */
	struct ck_map echo_req;    /* (src, dst, id, seq) -> input index */
	struct ck_map arp_req;     /* (spa, tpa, sha) -> input index */
	struct ck_map nd_req;      /* (solicitor, target) -> input index */
	uint8_t *answered;         /* per input: ARP/echo answered */
	struct spec pattern[CK_MAX_SPECS];
	uint32_t n_pattern;
	struct spec counts[CK_MAX_SPECS];
	uint32_t n_counts;
	int64_t max_new_flows;     /* -1: no limit */
	int64_t expect_arp;        /* -1: not checked */
	int64_t expect_echo;
	int64_t expect_nd;
	bool verbose;
	uint32_t violations;
	uint32_t arp_ok, echo_ok, nd_ok, fwd_client, fwd_server, dropped_ok;
};

static void
viol(struct ck *c, const char *fmt, ...)
{
	va_list ap;

	c->violations++;
	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static bool
mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

static int
find_server(const struct nc_cfg_service *s, uint32_t ip, uint16_t port)
{
	for (uint16_t k = 0; k < s->n_servers; k++)
		if (s->servers[k].address == ip && s->servers[k].port == port)
			return k;
	return -1;
}

static bool
is_local_ip(const struct nc_cfg_service *s, uint32_t ip)
{
	for (uint16_t l = 0; l < s->n_local_ips; l++)
		if (s->local_ips[l] == ip)
			return true;
	return false;
}

/* classify() for an IPv6 frame to our MAC, broadcast or multicast (dp_v6.c). */
static enum nc_drop
classify6(struct ck *c, const struct ck_pkt *p, struct in_info *ii)
{
	const struct nc_config *cfg = &c->cfg;

	if (!p->ip_sane)
		return (enum nc_drop)p->drop6;
	if (!p->l4)
		return NC_DROP_L4_BAD_HEADER;
	if (p->proto == P_ICMP6) {
		if (p->icmp_type == ND_NS || p->icmp_type == ND_NA) {
			ii->kind = IK_ND;
			return NC_DROP_MAX;
		}
		if (p->icmp_type == 128 && ck_is_ours(cfg, p->dip)) {
			ii->kind = IK_ECHO;
			return NC_DROP_MAX;
		}
		return ck_is_ours(cfg, p->dip) || ck_ip6_of(p->dip)[0] == 0xff ?
		       NC_DROP_ICMP_UNSUPPORTED : NC_DROP_NOT_FOR_US;
	}
	for (uint16_t s = 0; s < cfg->n_services; s++) {
		const struct nc_cfg_service *sv = &cfg->services[s];

		if (sv->proto == p->proto && sv->vip == p->dip && sv->port == p->dport) {
			if (p->ttl <= 1)
				return NC_DROP_TTL_EXPIRED;
			ii->kind = IK_CLIENT;
			ii->svc = (int16_t)s;
			return NC_DROP_MAX;
		}
	}
	if (!ck_is_ours(cfg, p->dip))
		return NC_DROP_NOT_FOR_US;
	for (uint16_t s = 0; s < cfg->n_services; s++) {
		const struct nc_cfg_service *sv = &cfg->services[s];

		if (sv->proto == p->proto && is_local_ip(sv, p->dip) &&
		    find_server(sv, p->sip, p->sport) >= 0) {
			if (p->ttl <= 1)
				return NC_DROP_TTL_EXPIRED;
			ii->kind = IK_SERVER;
			ii->svc = (int16_t)s;
			return NC_DROP_MAX;
		}
	}
	return NC_DROP_NO_SERVICE;
}

/* Classify input packet <p> as the appliance must, checks in its fast-path order.
 * Returns the drop reason, or NC_DROP_MAX with ii->kind set for packets it handles. */
static enum nc_drop
classify(struct ck *c, const struct ck_pkt *p, struct in_info *ii)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct nc_config *cfg = &c->cfg;

	if (p->len < CK_ETH_LEN)
		return NC_DROP_SHORT_FRAME;
	if (p->etype == 0x86dd && p->b[0] == 0x33 && p->b[1] == 0x33)
		return classify6(c, p, ii);
	if (!mac_eq(p->b, c->port->mac) && !mac_eq(p->b, bcast))
		return NC_DROP_L2_OTHER_HOST;
	if (p->etype == 0x86dd)
		return classify6(c, p, ii);
	if (p->etype == 0x0806) {
		ii->kind = IK_ARP;
		return NC_DROP_MAX;
	}
	if (p->etype != 0x0800)
		return NC_DROP_L2_UNSUPPORTED;
	if (!p->ip)
		return NC_DROP_SHORT_FRAME;
	if (p->ver != 4 || p->ihl < 20)
		return NC_DROP_IP_BAD_HEADER;
	if (p->tot < p->ihl || CK_ETH_LEN + p->tot > p->len)
		return NC_DROP_IP_BAD_LEN;
	if (p->ihl > 20)
		return NC_DROP_IP_OPTIONS;
	if (!pb_ip_csum_ok(p->b, p->len))
		return NC_DROP_IP_BAD_CSUM;
	if (p->frag & 0x3fff) {
		/* RFC 3128: a first TCP fragment without its whole header, or TCP
		 * at offset 8; the rest of TCP and UDP is reassembled */
		if (p->proto == P_TCP && ((p->frag & 0x1fff) == 1 ||
		    ((p->frag & 0x1fff) == 0 && (p->tot - p->ihl < 20 ||
		     p->tot - p->ihl < (uint32_t)(p->b[p->l4off + 12] >> 4) * 4u))))
			return NC_DROP_FRAG_TINY;
		return NC_DROP_IP_FRAGMENT;
	}
	if (p->proto != P_TCP && p->proto != P_UDP && p->proto != P_ICMP)
		return NC_DROP_L4_UNSUPPORTED;
	if (!p->l4)
		return NC_DROP_L4_BAD_HEADER;
	if (!ck_is_ours(cfg, p->dip))
		return NC_DROP_NOT_FOR_US;
	if (p->proto == P_ICMP) {
		if (p->icmp_type == 8 && p->icmp_code == 0) {
			ii->kind = IK_ECHO;
			return NC_DROP_MAX;
		}
		return NC_DROP_ICMP_UNSUPPORTED;
	}
	if (p->ttl <= 1)
		return NC_DROP_TTL_EXPIRED;
	for (uint16_t s = 0; s < cfg->n_services; s++) {
		const struct nc_cfg_service *sv = &cfg->services[s];

		if (sv->proto != p->proto)
			continue;
		if (sv->vip == p->dip && sv->port == p->dport) {
			ii->kind = IK_CLIENT;
			ii->svc = (int16_t)s;
			return NC_DROP_MAX;
		}
		if (is_local_ip(sv, p->dip) && find_server(sv, p->sip, p->sport) >= 0) {
			ii->kind = IK_SERVER;
			ii->svc = (int16_t)s;
			return NC_DROP_MAX;
		}
	}
	return NC_DROP_NO_SERVICE;
}

static int
new_flow(struct ck *c, const struct ck_pkt *p, uint16_t svc, uint32_t i)
{
	struct flow *f = &c->flows[c->n_flows];

	memset(f, 0, sizeof(*f));
	f->proto = p->proto;
	f->svc = svc;
	f->cip = p->sip;
	f->cport = p->sport;
	f->first_in = i;
	f->srv = -1;
	f->accepted = c->max_new_flows < 0 || (int64_t)c->n_flows < c->max_new_flows;
	if (ck_map_put(&c->by_tuple, (uint64_t)p->sip << 32 | p->dip,
		       (uint64_t)p->proto << 32 | (uint32_t)p->sport << 16 | p->dport,
		       (int32_t)c->n_flows) != 0)
		return -ENOMEM;
	return (int)c->n_flows++;
}

/* Walk the input once: classify, build flows in input order, set expectations. */
static int
model_input(struct ck *c)
{
	for (uint32_t i = 0; i < c->in.n; i++) {
		struct in_info *ii = &c->info[i];
		enum nc_drop r;
		struct ck_pkt p;
		int32_t f;

		ck_parse(c->in.f[i].b, c->in.f[i].len, &p);
		ii->svc = -1;
		ii->flow = -1;
		r = classify(c, &p, ii);
		if (r != NC_DROP_MAX) {
			ii->kind = IK_DROP;
			ii->why = drop_names[r];
		}
		if (p.ip) {
			int32_t prev = ck_map_get(&c->by_id, p.v6 ? p.label : p.id, p.v6);

			if (prev >= 0 && (c->info[prev].kind >= IK_CLIENT || ii->kind >= IK_CLIENT)) {
				viol(c, "in#%u: %s %u already used by in#%u; outputs are "
				     "matched by it, it must be unique", i + 1,
				     p.v6 ? "IPv6 flow label" : "IPv4 ID", p.v6 ? p.label : p.id,
				     prev + 1);
			} else if (prev < 0 && ck_map_put(&c->by_id, p.v6 ? p.label : p.id, p.v6,
							  (int32_t)i) != 0) {
				return -ENOMEM;
			}
		}
		if (ii->kind == IK_ECHO) {
			if (ck_map_put(&c->echo_req, (uint64_t)p.sip << 32 | p.dip,
				       (uint32_t)p.icmp_id << 16 | p.icmp_seq, (int32_t)i) != 0)
				return -ENOMEM;
		} else if (ii->kind == IK_ARP && p.len >= CK_ETH_LEN + 28 &&
			   pb_get16(p.b + 20) == 1) {
			const uint8_t *a = p.b + CK_ETH_LEN;
			uint64_t sha = (uint64_t)pb_get16(a + 8) << 32 | pb_get32(a + 10);

			if (ck_map_put(&c->arp_req, (uint64_t)pb_get32(a + 14) << 32 |
				       pb_get32(a + 24), sha, (int32_t)i) != 0)
				return -ENOMEM;
		} else if (ii->kind == IK_ND && p.icmp_type == ND_NS && p.l4len >= 24) {
			uint32_t target = ck_ip6_handle(p.b + p.l4off + 8);

			if (ck_map_put(&c->nd_req, p.sip, target, (int32_t)i) != 0)
				return -ENOMEM;
		} else if (ii->kind == IK_CLIENT) {
			f = ck_map_get(&c->by_tuple, (uint64_t)p.sip << 32 | p.dip,
				       (uint64_t)p.proto << 32 | (uint32_t)p.sport << 16 | p.dport);
			if (f < 0) {
				if (p.proto == P_TCP && (p.tcp_flags & 0x12) != 0x02) {
					/* TCP without a SYN first: nothing to attach to */
					ii->why = drop_names[NC_DROP_NO_FLOW];
					continue;
				}
				if ((f = new_flow(c, &p, (uint16_t)ii->svc, i)) < 0)
					return f;
			}
			ii->flow = f;
			c->flows[f].n_in++;
			ii->expect = c->flows[f].accepted;
			if (!ii->expect)
				ii->why = drop_names[p.proto == P_TCP && c->flows[f].first_in != i ?
						     NC_DROP_NO_FLOW : NC_DROP_FLOW_TABLE_FULL];
		}
	}
	return 0;
}

/* Compare the bytes that must pass unchanged: IP header fields outside the
 * addresses, TTL and checksum; the L4 header outside ports and checksum; payload. */
static void
check_unchanged(struct ck *c, const char *tag, const struct ck_pkt *in, const struct ck_pkt *o)
{
	const uint8_t *il4 = in->b + in->l4off, *ol4 = o->b + o->l4off;
	uint32_t csum_off = in->proto == P_TCP ? 16 : 6;

	if (o->tos != in->tos)
		viol(c, "%s: TOS 0x%02x, want 0x%02x", tag, o->tos, in->tos);
	if (o->tot != in->tot)
		viol(c, "%s: IP total length %u, want %u", tag, o->tot, in->tot);
	if (o->frag != in->frag)
		viol(c, "%s: IP flags/offset 0x%04x, want 0x%04x", tag, o->frag, in->frag);
	if (o->proto != in->proto)
		viol(c, "%s: IP protocol %u, want %u", tag, o->proto, in->proto);
	if (o->ttl + 1 != in->ttl)
		viol(c, "%s: %s %u, want %u", tag, in->v6 ? "hop limit" : "TTL", o->ttl,
		     in->ttl - 1);
	if (in->v6) {
		if (o->label != in->label || o->ver != 6)
			viol(c, "%s: IPv6 version/flow label 0x%05x, want 0x%05x", tag, o->label,
			     in->label);
	} else if (!pb_ip_csum_ok(o->b, o->len)) {
		viol(c, "%s: IP header checksum 0x%04x wrong", tag, pb_get16(o->b + CK_ETH_LEN + 10));
	}
	if (o->tot != in->tot || o->ihl != in->ihl)
		return;
	if (in->v6 && memcmp(in->b + CK_ETH_LEN + 40, o->b + CK_ETH_LEN + 40, in->ihl - 40) != 0)
		viol(c, "%s: IPv6 extension headers changed", tag);
	if (memcmp(il4 + 4, ol4 + 4, csum_off - 4) != 0) {
		if (in->proto == P_TCP)
			viol(c, "%s: TCP seq/ack/offset/flags/window changed", tag);
		else
			viol(c, "%s: UDP length changed", tag);
	}
	if (memcmp(il4 + csum_off + 2, ol4 + csum_off + 2, in->thl - csum_off - 2) != 0)
		viol(c, "%s: TCP urgent pointer or options changed", tag);
	if (in->plen != o->plen || memcmp(in->b + in->poff, o->b + o->poff, in->plen) != 0)
		viol(c, "%s: payload changed (%u bytes in, %u out)", tag, in->plen, o->plen);
	{
		/* UDP: over the length its own header gives */
		uint32_t l4len = o->proto == P_UDP ? o->udp_len : o->l4len;
		uint16_t got = pb_get16(ol4 + csum_off),
			 want = o->v6 ? pb_l4_csum6(o->b, o->l4off, o->proto, l4len) :
					pb_l4_csum(o->b, l4len);
		bool ok = got == want;

		if (in->proto == P_TCP && ((got == 0 && want == 0xffff) || (got == 0xffff && want == 0)))
			ok = true; /* +0 and -0: both verify */
		if (!in->v6 && in->proto == P_UDP && got == 0 && pb_get16(il4 + 6) == 0)
			ok = true; /* no checksum in, none out */
		if (!ok)
			viol(c, "%s: %s checksum 0x%04x, want 0x%04x", tag,
			     in->proto == P_TCP ? "TCP" : "UDP", got, want);
	}
}

/* Output L2 and a sane IPv4 header; false when the rest cannot be checked. */
static bool
check_l2_l3(struct ck *c, const char *tag, const struct ck_pkt *o, uint32_t to_ip)
{
	char a[CK_IP_STR], b[CK_IP_STR], ipb[CK_IP_STR];
	uint8_t mac[6];
	uint32_t nh;

	if (!mac_eq(o->b + 6, c->port->mac))
		viol(c, "%s: src MAC %s, want the port's %s", tag, ck_mac_str(o->b + 6, a),
		     ck_mac_str(c->port->mac, b));
	if (!ck_nexthop_mac(&c->cfg, to_ip, &nh, mac))
		viol(c, "%s: no static neighbor for next hop %s of %s in the config", tag,
		     ck_ip_str(nh, ipb), ck_ip_str(to_ip, a));
	else if (!mac_eq(o->b, mac))
		viol(c, "%s: dst MAC %s, want %s (next hop %s)", tag, ck_mac_str(o->b, a),
		     ck_mac_str(mac, b), ck_ip_str(nh, ipb));
	if (!o->ip_sane || !o->l4 || (!o->v6 && o->ihl != 20)) {
		viol(c, "%s: malformed IP/L4 header in the output", tag);
		return false;
	}
	return true;
}

static void
check_client_leg(struct ck *c, uint32_t i, uint32_t j, const struct ck_pkt *in,
		 const struct ck_pkt *o)
{
	struct in_info *ii = &c->info[i];
	const struct nc_cfg_service *s = &c->cfg.services[ii->svc];
	struct flow *f = &c->flows[ii->flow];
	char tag[64], a[CK_IP_STR], b[CK_IP_STR];
	int srv;

	snprintf(tag, sizeof(tag), "in#%u -> out#%u (client leg)", i + 1, j + 1);
	srv = o->ip_sane && o->l4 ? find_server(s, o->dip, o->dport) : -1;
	if (!check_l2_l3(c, tag, o, o->dip))
		return;
	if (srv < 0)
		viol(c, "%s: sent to %s:%u, not a server of service %s", tag,
		     ck_ip_str(o->dip, a), o->dport, s->name);
	if (!is_local_ip(s, o->sip))
		viol(c, "%s: src %s is not a local_ip of service %s", tag, ck_ip_str(o->sip, a),
		     s->name);
	if (o->sport < 1024)
		viol(c, "%s: local port %u below 1024", tag, o->sport);
	check_unchanged(c, tag, in, o);
	if (srv < 0)
		return;
	if (!f->mapped) {
		f->mapped = true;
		f->srv = (int16_t)srv;
		f->lip = o->sip;
		f->lport = o->sport;
		f->map_out = j;
	} else if (f->srv != srv || f->lip != o->sip || f->lport != o->sport) {
		char d[CK_IP_STR];

		viol(c, "%s: flow %s:%u uses server %d via %s:%u, but out#%u used server %d "
		     "via %s:%u", tag, ck_ip_str(f->cip, a), f->cport, srv, ck_ip_str(o->sip, b),
		     o->sport, f->map_out + 1, f->srv, ck_ip_str(f->lip, d), f->lport);
	}
}

static void
check_server_leg(struct ck *c, uint32_t i, uint32_t j, const struct ck_pkt *in,
		 const struct ck_pkt *o)
{
	struct in_info *ii = &c->info[i];
	const struct nc_cfg_service *s = &c->cfg.services[ii->svc];
	const struct flow *f = &c->flows[ii->flow];
	char tag[64], a[CK_IP_STR], b[CK_IP_STR];

	snprintf(tag, sizeof(tag), "in#%u -> out#%u (server leg)", i + 1, j + 1);
	if (!check_l2_l3(c, tag, o, f->cip))
		return;
	if (o->sip != s->vip || o->sport != s->port)
		viol(c, "%s: src %s:%u, want the VIP %s:%u", tag, ck_ip_str(o->sip, a), o->sport,
		     ck_ip_str(s->vip, b), s->port);
	if (o->dip != f->cip || o->dport != f->cport)
		viol(c, "%s: dst %s:%u, want the flow's client %s:%u", tag, ck_ip_str(o->dip, a),
		     o->dport, ck_ip_str(f->cip, b), f->cport);
	check_unchanged(c, tag, in, o);
}

static void
check_arp_reply(struct ck *c, uint32_t j, const struct ck_pkt *o)
{
	const uint8_t *a = o->b + CK_ETH_LEN;
	char x[CK_IP_STR], y[CK_IP_STR], z[CK_IP_STR], ip[CK_IP_STR];
	uint64_t tha;
	int32_t i;

	if (o->len < CK_ETH_LEN + 28 || pb_get16(a + 6) != 2)
		return; /* the appliance's own requests and other ARP are allowed */
	tha = (uint64_t)pb_get16(a + 18) << 32 | pb_get32(a + 20);
	i = ck_map_get(&c->arp_req, (uint64_t)pb_get32(a + 24) << 32 | pb_get32(a + 14), tha);
	if (i < 0)
		return; /* answers no input request: gratuitous or unrelated */
	if (!ck_is_ours(&c->cfg, pb_get32(a + 14))) {
		viol(c, "out#%u: ARP reply for %s, which is not an address of the appliance",
		     j + 1, ck_ip_str(pb_get32(a + 14), ip));
		return;
	}
	if (c->answered[i]++) {
		viol(c, "out#%u: second ARP reply to in#%u", j + 1, i + 1);
		return;
	}
	if (pb_get16(a) != 1 || pb_get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) {
		viol(c, "out#%u: ARP reply to in#%u is not Ethernet/IPv4 (hrd %u pro 0x%04x "
		     "hln %u pln %u)", j + 1, i + 1, pb_get16(a), pb_get16(a + 2), a[4], a[5]);
		return;
	}
	if (!mac_eq(a + 8, c->port->mac) || !mac_eq(o->b + 6, c->port->mac)) {
		viol(c, "out#%u: ARP reply to in#%u gives MAC %s from %s, want the port's %s",
		     j + 1, i + 1, ck_mac_str(a + 8, x), ck_mac_str(o->b + 6, y),
		     ck_mac_str(c->port->mac, z));
		return;
	}
	if (!mac_eq(o->b, c->in.f[i].b + 6)) {
		viol(c, "out#%u: ARP reply to in#%u sent to %s, want the requester %s", j + 1,
		     i + 1, ck_mac_str(o->b, x), ck_mac_str(c->in.f[i].b + 6, y));
		return;
	}
	c->arp_ok++;
}

static bool
icmp6_csum_ok(const struct ck_pkt *o)
{
	return pb_l4_csum6(o->b, o->l4off, P_ICMP6, o->l4len) == pb_get16(o->b + o->l4off + 2);
}

/* A Neighbor Advertisement (RFC 4861 4.4, 7.2.4): from the port's MAC, hop
 * limit 255, checksum right, code 0, 32 bytes (no option but the target
 * link-layer one, the port's MAC), target one of our addresses. Unsolicited
 * (to ff02::1, O only) from our own address; a solicited one answers one input
 * solicitation: S|O, from the target to the solicitor's address and MAC. */
static void
check_na(struct ck *c, uint32_t j, const struct ck_pkt *o)
{
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	const uint8_t *l4 = o->b + o->l4off;
	uint32_t target;
	char m[CK_IP_STR], n[CK_IP_STR];
	struct ck_pkt in;
	int32_t i;

	if (!mac_eq(o->b + 6, c->port->mac) || o->ttl != 255 || o->icmp_code != 0 ||
	    !icmp6_csum_ok(o) || o->l4len != 32 || o->ihl != 40) {
		viol(c, "out#%u: Neighbor Advertisement: src MAC %s, hop limit %u, code %u, "
		     "checksum %s, %u bytes (want the port's MAC, 255, 0, right, 32)", j + 1,
		     ck_mac_str(o->b + 6, m), o->ttl, o->icmp_code,
		     icmp6_csum_ok(o) ? "right" : "wrong", o->l4len);
		return;
	}
	target = ck_ip6_handle(l4 + 8);
	if (!ck_is_ours(&c->cfg, target) || l4[24] != 2 || l4[25] != 1 ||
	    !mac_eq(l4 + 26, c->port->mac) || o->sip != target) {
		viol(c, "out#%u: Neighbor Advertisement for %s from %s: the target must be ours, "
		     "the source, the option a target link-layer address of the port's MAC",
		     j + 1, ck_ip_str(target, m), ck_ip_str(o->sip, n));
		return;
	}
	if (memcmp(ck_ip6_of(o->dip), all_nodes, 16) == 0) {
		if (l4[4] != 0x20)
			viol(c, "out#%u: unsolicited Neighbor Advertisement with flags 0x%02x, "
			     "want O (0x20)", j + 1, l4[4]);
		return;
	}
	i = ck_map_get(&c->nd_req, o->dip, target);
	if (i < 0) {
		viol(c, "out#%u: Neighbor Advertisement for %s to %s answers no solicitation",
		     j + 1, ck_ip_str(target, m), ck_ip_str(o->dip, n));
		return;
	}
	if (c->answered[i]++) {
		viol(c, "out#%u: second Neighbor Advertisement to in#%u", j + 1, i + 1);
		return;
	}
	ck_parse(c->in.f[i].b, c->in.f[i].len, &in);
	if (l4[4] != 0x60 || memcmp(l4 + 5, "\0\0\0", 3) != 0) {
		viol(c, "out#%u: Neighbor Advertisement to in#%u: flags 0x%02x, want S|O (0x60)",
		     j + 1, i + 1, l4[4]);
		return;
	}
	if (!mac_eq(o->b, in.b + 6)) {
		viol(c, "out#%u: Neighbor Advertisement to in#%u sent to %s, want the solicitor %s",
		     j + 1, i + 1, ck_mac_str(o->b, m), ck_mac_str(in.b + 6, n));
		return;
	}
	c->nd_ok++;
}

static void
check_echo_reply(struct ck *c, uint32_t j, const struct ck_pkt *o)
{
	int32_t i = ck_map_get(&c->echo_req, (uint64_t)o->dip << 32 | o->sip,
			       (uint32_t)o->icmp_id << 16 | o->icmp_seq);
	char a[CK_IP_STR], b[CK_IP_STR], m[CK_IP_STR], n[CK_IP_STR];
	struct ck_pkt in;
	uint8_t mac[6];
	uint32_t nh;

	if (i < 0) {
		viol(c, "out#%u: ICMP echo reply %s -> %s id %u seq %u answers no request",
		     j + 1, ck_ip_str(o->sip, a), ck_ip_str(o->dip, b), o->icmp_id, o->icmp_seq);
		return;
	}
	ck_parse(c->in.f[i].b, c->in.f[i].len, &in);
	if (c->answered[i]++) {
		viol(c, "out#%u: second echo reply to in#%u", j + 1, i + 1);
		return;
	}
	if (!(o->v6 ? icmp6_csum_ok(o) : pb_ip_csum_ok(o->b, o->len) && pb_icmp_csum_ok(o->b)) ||
	    o->ttl == 0 || o->icmp_code != 0) {
		viol(c, "out#%u: echo reply to in#%u: bad IP/ICMP checksum, TTL or code", j + 1,
		     i + 1);
		return;
	}
	if (o->plen != in.plen || memcmp(o->b + o->poff, in.b + in.poff, in.plen) != 0) {
		viol(c, "out#%u: echo reply to in#%u: payload differs", j + 1, i + 1);
		return;
	}
	if (!mac_eq(o->b + 6, c->port->mac)) {
		viol(c, "out#%u: echo reply to in#%u from MAC %s, want the port's %s", j + 1,
		     i + 1, ck_mac_str(o->b + 6, m), ck_mac_str(c->port->mac, n));
		return;
	}
	if (!mac_eq(o->b, in.b + 6) &&
	    !(ck_nexthop_mac(&c->cfg, in.sip, &nh, mac) && mac_eq(o->b, mac))) {
		viol(c, "out#%u: echo reply to in#%u sent to MAC %s, want %s", j + 1, i + 1,
		     ck_mac_str(o->b, m), ck_mac_str(in.b + 6, n));
		return;
	}
	c->echo_ok++;
}

/* Match every output frame; server legs are checked after all flows are mapped. */
static int
check_output(struct ck *c)
{
	uint32_t *srv_out = calloc(c->out.n ? c->out.n : 1, sizeof(*srv_out));
	uint32_t n_srv = 0;
	char a[CK_IP_STR], b[CK_IP_STR];

	if (srv_out == NULL)
		return -ENOMEM;
	for (uint32_t j = 0; j < c->out.n; j++) {
		struct ck_pkt o, in;
		struct in_info *ii;
		int32_t i;

		ck_parse(c->out.f[j].b, c->out.f[j].len, &o);
		if (o.len < CK_ETH_LEN) {
			viol(c, "out#%u: runt frame of %u bytes", j + 1, o.len);
			continue;
		}
		if (o.etype == 0x0806) {
			check_arp_reply(c, j, &o);
			continue;
		}
		if ((o.etype != 0x0800 && o.etype != 0x86dd) || !o.ip) {
			viol(c, "out#%u: unexpected frame (ethertype 0x%04x, %u bytes)", j + 1,
			     o.etype, o.len);
			continue;
		}
		if (o.ip_sane && o.l4 && o.proto == P_ICMP && o.icmp_type == 0) {
			check_echo_reply(c, j, &o);
			continue;
		}
		if (o.ip_sane && o.l4 && o.proto == P_ICMP6) {
			if (o.icmp_type == 129)
				check_echo_reply(c, j, &o);
			else if (o.icmp_type == ND_NA)
				check_na(c, j, &o);
			else if (o.icmp_type != ND_NS)   /* the appliance's own solicitations */
				viol(c, "out#%u: unexpected ICMPv6 type %u", j + 1, o.icmp_type);
			continue;
		}
		i = ck_map_get(&c->by_id, o.v6 ? o.label : o.id, o.v6);
		if (i < 0) {
			viol(c, "out#%u: %s %s -> %s proto %u %s %u matches no input packet", j + 1,
			     o.v6 ? "IPv6" : "IPv4", ck_ip_str(o.sip, a), ck_ip_str(o.dip, b),
			     o.proto, o.v6 ? "flow label" : "id", o.v6 ? o.label : o.id);
			continue;
		}
		ii = &c->info[i];
		if (ii->seen++ == 0)
			ii->first_out = j + 1;
		else
			viol(c, "in#%u: forwarded again as out#%u (first out#%u)", i + 1, j + 1,
			     ii->first_out);
		if (ii->kind == IK_SERVER) {
			srv_out[n_srv++] = j;
			continue;
		}
		if (ii->kind != IK_CLIENT || !ii->expect) {
			viol(c, "in#%u must be dropped (%s) but was sent as out#%u", i + 1,
			     ii->kind == IK_ECHO ? "echo request, answered not forwarded" :
			     ii->kind == IK_ARP ? "arp" : ii->kind == IK_ND ? "nd" : ii->why, j + 1);
			continue;
		}
		if (ii->seen > 1)
			continue;
		ck_parse(c->in.f[i].b, c->in.f[i].len, &in);
		check_client_leg(c, (uint32_t)i, j, &in, &o);
		c->flows[ii->flow].n_fwd++;
	}

	/* One (proto, local ip, local port) per flow. */
	for (uint32_t k = 0; k < c->n_flows; k++) {
		struct flow *f = &c->flows[k];
		int32_t other;

		if (!f->mapped)
			continue;
		other = ck_map_get(&c->by_local, f->lip, (uint64_t)f->proto << 16 | f->lport);
		if (other >= 0) {
			char d[CK_IP_STR];

			viol(c, "out#%u: flows %s:%u and %s:%u share local %s:%u",
			     f->map_out + 1, ck_ip_str(c->flows[other].cip, a),
			     c->flows[other].cport, ck_ip_str(f->cip, b), f->cport,
			     ck_ip_str(f->lip, d), f->lport);
			continue;
		}
		if (ck_map_put(&c->by_local, f->lip, (uint64_t)f->proto << 16 | f->lport,
			       (int32_t)k) != 0) {
			free(srv_out);
			return -ENOMEM;
		}
	}

	/* Server legs: find the flow that owns the local port. */
	for (uint32_t i = 0; i < c->in.n; i++) {
		struct in_info *ii = &c->info[i];
		const struct nc_cfg_service *s;
		struct ck_pkt p;
		int32_t f;

		if (ii->kind != IK_SERVER)
			continue;
		ck_parse(c->in.f[i].b, c->in.f[i].len, &p);
		s = &c->cfg.services[ii->svc];
		f = ck_map_get(&c->by_local, p.dip, (uint64_t)p.proto << 16 | p.dport);
		if (f >= 0 && c->flows[f].svc == ii->svc &&
		    s->servers[c->flows[f].srv].address == p.sip &&
		    s->servers[c->flows[f].srv].port == p.sport) {
			ii->flow = f;
			ii->expect = true;
		} else {
			viol(c, "in#%u: server packet %s:%u -> %s:%u: no forwarded flow owns that "
			     "local port and server", i + 1, ck_ip_str(p.sip, a), p.sport,
			     ck_ip_str(p.dip, b), p.dport);
			ii->why = drop_names[NC_DROP_NO_FLOW];
		}
	}
	for (uint32_t k = 0; k < n_srv; k++) {
		uint32_t j = srv_out[k];
		struct ck_pkt o, in;
		int32_t i;

		ck_parse(c->out.f[j].b, c->out.f[j].len, &o);
		i = ck_map_get(&c->by_id, o.v6 ? o.label : o.id, o.v6);
		if (!c->info[i].expect || c->info[i].first_out != j + 1)
			continue; /* reported above: no owner, or a second copy */
		ck_parse(c->in.f[i].b, c->in.f[i].len, &in);
		check_server_leg(c, (uint32_t)i, j, &in, &o);
	}
	free(srv_out);

	/* Everything expected arrived; count what was rightly dropped. */
	for (uint32_t i = 0; i < c->in.n; i++) {
		struct in_info *ii = &c->info[i];

		if (ii->expect && ii->seen == 0) {
			struct ck_pkt p;

			ck_parse(c->in.f[i].b, c->in.f[i].len, &p);
			viol(c, "in#%u: %s %s:%u -> %s:%u id %u was not forwarded", i + 1,
			     ii->kind == IK_CLIENT ? "client packet" : "server packet",
			     ck_ip_str(p.sip, a), p.sport, ck_ip_str(p.dip, b), p.dport, p.id);
		} else if (ii->expect) {
			if (ii->kind == IK_CLIENT)
				c->fwd_client++;
			else
				c->fwd_server++;
		} else if (ii->seen == 0 && ii->kind != IK_ARP && ii->kind != IK_ND &&
			   ii->kind != IK_ECHO) {
			c->dropped_ok++;
		}
	}
	return 0;
}

static void
check_specs(struct ck *c)
{
	for (uint32_t k = 0; k < c->n_pattern; k++) {
		const struct spec *sp = &c->pattern[k];
		const char *name = c->cfg.services[sp->svc].name;
		uint32_t pos = 0;

		for (uint32_t f = 0; f < c->n_flows; f++) {
			const struct flow *fl = &c->flows[f];
			char a[CK_IP_STR];

			if (fl->svc != sp->svc || !fl->accepted)
				continue;
			if (fl->mapped && (uint32_t)fl->srv != sp->v[pos % sp->n])
				viol(c, "pattern %s: new flow #%u (%s:%u, in#%u) went to server %d, "
				     "pattern says %u", name, pos + 1, ck_ip_str(fl->cip, a),
				     fl->cport, fl->first_in + 1, fl->srv, sp->v[pos % sp->n]);
			pos++;
		}
		if (pos == 0)
			viol(c, "pattern %s: no new flows of that service in the input", name);
	}
	for (uint32_t k = 0; k < c->n_counts; k++) {
		const struct spec *sp = &c->counts[k];
		const struct nc_cfg_service *s = &c->cfg.services[sp->svc];
		uint32_t want = 0, got[NC_MAX_SERVERS] = { 0 }, pos = 0;

		for (uint32_t x = 0; x < sp->n; x++)
			want += sp->v[x];
		for (uint32_t f = 0; f < c->n_flows && pos < want; f++) {
			const struct flow *fl = &c->flows[f];

			if (fl->svc != sp->svc || !fl->accepted)
				continue;
			if (fl->mapped)
				got[fl->srv]++;
			pos++;
		}
		if (pos < want) {
			viol(c, "counts %s: only %u new flows in the input, %u asked for", s->name,
			     pos, want);
			continue;
		}
		for (uint32_t x = 0; x < sp->n; x++)
			if (got[x] != sp->v[x])
				viol(c, "counts %s: server %u (%s) got %u of the first %u new flows, "
				     "want %u", s->name, x, s->servers[x].name, got[x], want, sp->v[x]);
	}
	if (c->expect_arp >= 0 && c->arp_ok != c->expect_arp)
		viol(c, "ARP: %u correct replies, want %lld", c->arp_ok, (long long)c->expect_arp);
	if (c->expect_nd >= 0 && c->nd_ok != c->expect_nd)
		viol(c, "ND: %u correct solicited advertisements, want %lld", c->nd_ok,
		     (long long)c->expect_nd);
	if (c->expect_echo >= 0 && c->echo_ok != c->expect_echo)
		viol(c, "ICMP: %u correct echo replies, want %lld", c->echo_ok,
		     (long long)c->expect_echo);
}

static void
print_flows(const struct ck *c)
{
	for (uint32_t k = 0; k < c->n_flows; k++) {
		const struct flow *f = &c->flows[k];
		const struct nc_cfg_service *s = &c->cfg.services[f->svc];
		char a[CK_IP_STR], b[CK_IP_STR], d[CK_IP_STR];

		if (f->mapped)
			printf("flow %u: %s %s:%u -> %s server %d (%s:%u) via %s:%u, %u/%u packets\n",
			       k + 1, f->proto == P_TCP ? "tcp" : "udp", ck_ip_str(f->cip, a),
			       f->cport, s->name, f->srv, ck_ip_str(s->servers[f->srv].address, b),
			       s->servers[f->srv].port, ck_ip_str(f->lip, d), f->lport, f->n_fwd,
			       f->n_in);
		else
			printf("flow %u: %s %s:%u -> %s %s, %u packets\n", k + 1,
			       f->proto == P_TCP ? "tcp" : "udp", ck_ip_str(f->cip, a), f->cport,
			       s->name, f->accepted ? "not forwarded" : "refused", f->n_in);
	}
}

/* SERVICE=a,b,c */
static int
parse_spec(struct ck *c, const char *arg, struct spec *sp)
{
	const char *eq = strchr(arg, '=');
	char *end;
	const char *p;
	size_t nl;

	if (eq == NULL)
		return -EINVAL;
	nl = (size_t)(eq - arg);
	sp->n = 0;
	for (uint16_t s = 0; s < c->cfg.n_services; s++)
		if (strlen(c->cfg.services[s].name) == nl &&
		    strncmp(c->cfg.services[s].name, arg, nl) == 0) {
			sp->svc = s;
			sp->n = 1;
		}
	if (sp->n == 0) {
		fprintf(stderr, "nc-pcap-check: %s: no such service in the config\n", arg);
		return -EINVAL;
	}
	sp->n = 0;
	for (p = eq + 1; *p != '\0'; p = end + (*end == ',')) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || (*end != ',' && *end != '\0') || sp->n == CK_MAX_PATTERN ||
		    v > 1000000)
			return -EINVAL;
		sp->v[sp->n++] = (uint32_t)v;
	}
	return sp->n > 0 ? 0 : -EINVAL;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: nc-pcap-check --config CFG.json --in INPUT.pcap --out OUTPUT.pcap\n"
		"         [--port NAME] [--pattern SERVICE=i,j,...]... [--counts SERVICE=n,m,...]...\n"
		"         [--max-new-flows N] [--expect-arp N] [--expect-nd N] [--expect-echo N]\n"
		"         [-v]\n");
}

static int
parse_args(struct ck *c, int argc, char **argv, const char **paths)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "in", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "port", required_argument, NULL, 'P' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "counts", required_argument, NULL, 'n' },
		{ "max-new-flows", required_argument, NULL, 'm' },
		{ "expect-arp", required_argument, NULL, 'a' },
		{ "expect-echo", required_argument, NULL, 'e' },
		{ "expect-nd", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pat[CK_MAX_SPECS], *cnt[CK_MAX_SPECS], *port = NULL;
	uint32_t n_pat = 0, n_cnt = 0;
	struct nc_errors *errs;
	int opt;

	c->max_new_flows = c->expect_arp = c->expect_echo = c->expect_nd = -1;
	while ((opt = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		int64_t *num = NULL;
		char *end;

		switch (opt) {
		case 'c': paths[0] = optarg; break;
		case 'i': paths[1] = optarg; break;
		case 'o': paths[2] = optarg; break;
		case 'P': port = optarg; break;
		case 'p':
			if (n_pat == CK_MAX_SPECS)
				return -EINVAL;
			pat[n_pat++] = optarg;
			break;
		case 'n':
			if (n_cnt == CK_MAX_SPECS)
				return -EINVAL;
			cnt[n_cnt++] = optarg;
			break;
		case 'm': num = &c->max_new_flows; break;
		case 'a': num = &c->expect_arp; break;
		case 'e': num = &c->expect_echo; break;
		case 'N': num = &c->expect_nd; break;
		case 'v': c->verbose = true; break;
		default:
			return -EINVAL;
		}
		if (num != NULL) {
			*num = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || *num < 0) {
				fprintf(stderr, "nc-pcap-check: bad number %s\n", optarg);
				return -EINVAL;
			}
		}
	}
	if (optind != argc || paths[0] == NULL || paths[1] == NULL || paths[2] == NULL)
		return -EINVAL;

	errs = malloc(sizeof(*errs));
	if (errs == NULL)
		return -ENOMEM;
	if (nc_config_load(paths[0], &c->cfg, errs) != 0) {
		fprintf(stderr, "nc-pcap-check: %s is not a valid startup file:\n", paths[0]);
		nc_errors_print(errs, stderr);
		free(errs);
		return -EINVAL;
	}
	free(errs);
	ck_cfg_handles(&c->cfg);
	c->port = &c->cfg.ports[0];
	if (port != NULL) {
		c->port = NULL;
		for (uint16_t k = 0; k < c->cfg.n_ports; k++)
			if (strcmp(c->cfg.ports[k].name, port) == 0)
				c->port = &c->cfg.ports[k];
		if (c->port == NULL) {
			fprintf(stderr, "nc-pcap-check: no port %s in the config\n", port);
			return -EINVAL;
		}
	}
	if (!c->port->has_mac) {
		fprintf(stderr, "nc-pcap-check: port %s has no \"mac\" in the config; the check "
			"needs it\n", c->port->name);
		return -EINVAL;
	}
	for (uint32_t k = 0; k < n_pat; k++) {
		if (parse_spec(c, pat[k], &c->pattern[c->n_pattern]) != 0) {
			fprintf(stderr, "nc-pcap-check: bad --pattern %s\n", pat[k]);
			return -EINVAL;
		}
		for (uint32_t x = 0; x < c->pattern[c->n_pattern].n; x++)
			if (c->pattern[c->n_pattern].v[x] >=
			    c->cfg.services[c->pattern[c->n_pattern].svc].n_servers) {
				fprintf(stderr, "nc-pcap-check: --pattern %s: server index %u out of "
					"range\n", pat[k], c->pattern[c->n_pattern].v[x]);
				return -EINVAL;
			}
		c->n_pattern++;
	}
	for (uint32_t k = 0; k < n_cnt; k++) {
		if (parse_spec(c, cnt[k], &c->counts[c->n_counts]) != 0 ||
		    c->counts[c->n_counts].n != c->cfg.services[c->counts[c->n_counts].svc].n_servers) {
			fprintf(stderr, "nc-pcap-check: bad --counts %s (one count per server)\n",
				cnt[k]);
			return -EINVAL;
		}
		c->n_counts++;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *paths[3] = { NULL, NULL, NULL };
	struct ck *c = calloc(1, sizeof(*c));
	uint32_t n_tcp = 0, n_udp = 0;
	int rc;

	if (c == NULL)
		return 2;
	if ((rc = parse_args(c, argc, argv, paths)) != 0) {
		if (rc == -EINVAL && (paths[0] == NULL || paths[1] == NULL || paths[2] == NULL))
			usage();
		return 2;
	}
	if (ck_trace_read(paths[1], &c->in) != 0 || ck_trace_read(paths[2], &c->out) != 0)
		return 2;
	c->info = calloc(c->in.n ? c->in.n : 1, sizeof(*c->info));
	c->flows = calloc(c->in.n ? c->in.n : 1, sizeof(*c->flows));
	c->answered = calloc(c->in.n ? c->in.n : 1, 1);
	if (c->info == NULL || c->flows == NULL || c->answered == NULL ||
	    ck_map_init(&c->by_tuple, 1024) || ck_map_init(&c->by_local, 1024) ||
	    ck_map_init(&c->by_id, 1024) || ck_map_init(&c->echo_req, 64) ||
	    ck_map_init(&c->arp_req, 64) || ck_map_init(&c->nd_req, 64)) {
		fprintf(stderr, "nc-pcap-check: out of memory\n");
		return 2;
	}
	if (model_input(c) != 0 || check_output(c) != 0) {
		fprintf(stderr, "nc-pcap-check: out of memory\n");
		return 2;
	}
	check_specs(c);
	if (c->verbose)
		print_flows(c);
	for (uint32_t k = 0; k < c->n_flows; k++) {
		if (!c->flows[k].accepted)
			continue;
		if (c->flows[k].proto == P_TCP)
			n_tcp++;
		else
			n_udp++;
	}
	if (c->violations) {
		printf("nc-pcap-check: %u violation%s (%s vs %s)\n", c->violations,
		       c->violations == 1 ? "" : "s", paths[1], paths[2]);
		return 1;
	}
	printf("nc-pcap-check: OK: %u in, %u out; forwarded %u client and %u server packets "
	       "of %u flows (tcp %u, udp %u, refused %u); %u dropped as expected; "
	       "arp replies %u, nd replies %u, echo replies %u\n",
	       c->in.n, c->out.n, c->fwd_client, c->fwd_server, n_tcp + n_udp, n_tcp, n_udp,
	       c->n_flows - n_tcp - n_udp, c->dropped_ok, c->arp_ok, c->nd_ok, c->echo_ok);
	return 0;
}
