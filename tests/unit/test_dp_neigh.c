/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp and lib/neigh: neighbors and sources, driven through the data-path
 * fixture (dp_fixture.h). What is learned (never a group, zero or own MAC,
 * never an address of ours, never over a static entry), how entries age
 * (unicast re-probes, removal, a removed entry's flows never sent to the
 * slot's next neighbor), a flood of on-link senders that must not lock out a
 * new client, martian sources and impossible TCP flags refused before a flow
 * opens, and the frame count: every frame in is forwarded, answered, taken
 * or counted under exactly one drop reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "nc_dp.h"
#include "dp_priv.h"     /* the neighbor table and its timers */
#include "pkt_build.h"
#include "dp_fixture.h"

#define IP_HOST PB_IP(10, 0, 0, 60)      /* an on-link host */
#define IP_NEW  PB_IP(10, 0, 200, 1)     /* an on-link client after a flood (/16) */

static const uint8_t mac_host[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x3c };
static const uint8_t mac_new[6] = { 0x02, 0x00, 0x00, 0x00, 0xc8, 0x01 };
static uint8_t ip6_host[16];
static const uint8_t mac_host6[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x50 };

static struct rte_mbuf *
mk_arp(const struct pb_arp *a)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_pool);
	uint8_t buf[PB_MAX_FRAME];
	uint32_t len = pb_arp_build(a, buf, sizeof(buf));
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, buf, len);
	m->port = 0;
	return m;
}

/* ARP <op> from <sip> at <sha> for <tip>, through worker 0. */
static void
arp_in(struct fx *f, uint16_t op, uint32_t sip, const uint8_t *sha, uint32_t tip)
{
	struct pb_arp a;
	struct rte_mbuf *m;

	pb_arp_init(&a, op);
	memcpy(a.src_mac, mac_host, 6);
	if (op == 2)
		memcpy(a.dst_mac, mac_port, 6);
	memcpy(a.sha, sha, 6);
	a.sip = sip;
	if (op == 2)
		memcpy(a.tha, mac_port, 6);
	a.tip = tip;
	m = mk_arp(&a);
	nc_worker_rx(wk(f, 0), 0, &m, 1);
}

/* The MAC word the neighbor table holds for <ip>; 0 when it has no entry. */
static uint64_t
neigh_mac_of(struct fx *f, uint32_t ip)
{
	struct nc_dp *dp = f->dp;
	int h = nc_neigh_lookup(dp->neigh, nc_be32(ip));

	return h < 0 ? 0 : nc_neigh_mac(dp->neigh, (uint32_t)h);
}

static int
mac_word_is(uint64_t w, const uint8_t *mac)
{
	return (w & NC_NEIGH_VALID) && memcmp(&w, mac, 6) == 0;
}

/* The lab with the servers resolved by ARP (no static neighbors for them). */
static void
tweak_dynamic_servers(struct nc_config *c)
{
	c->neighbors[0] = c->neighbors[2];   /* the gateway only */
	c->n_neighbors = 1;
}

static int setup_dynamic(void **state) { return fx_setup(state, tweak_dynamic_servers); }

/* A /16 on the port: room for a flood of on-link senders. */
static void
tweak_wide(struct nc_config *c)
{
	c->ports[0].ipv4[0].len = 16;
}

static int setup_wide(void **state) { return fx_setup(state, tweak_wide); }

/* The port's first address is the local IP (as a cluster lab's ports list
 * their local IPs), then the port's own; or the local IP alone. */
static void
tweak_lip_first(struct nc_config *c)
{
	c->ports[0].ipv4[0] = (struct nc_prefix){ IP_LIP, 24 };
	c->ports[0].ipv4[1] = (struct nc_prefix){ IP_PORT, 24 };
	c->ports[0].n_ipv4 = 2;
}

static void
tweak_lip_only(struct nc_config *c)
{
	c->ports[0].ipv4[0] = (struct nc_prefix){ IP_LIP, 24 };
}

static int setup_lip_first(void **state) { return fx_setup(state, tweak_lip_first); }
static int setup_lip_only(void **state) { return fx_setup(state, tweak_lip_only); }

static int
setup_v6(void **state)
{
	pb_ip6(ip6_host, "fd00::50");
	return fx_setup(state, tweak_v6);
}

/* IPv6 as tweak_lip_first: the local address first on the port. */
static void
tweak_v6_lip_first(struct nc_config *c)
{
	tweak_v6(c);
	memcpy(c->ports[0].ipv6[0].addr, ip6_lip, 16);
	memcpy(c->ports[0].ipv6[1].addr, ip6_port, 16);
	c->ports[0].ipv6[1].len = 64;
	c->ports[0].n_ipv6 = 2;
}

static int
setup_v6_lip_first(void **state)
{
	pb_ip6(ip6_host, "fd00::50");
	return fx_setup(state, tweak_v6_lip_first);
}

/* -------------------------------------------------- what is learned */

/* A server's next hop learned from ARP: a reply or request with a broadcast,
 * zero, multicast or our own sender MAC is refused and counted, and the
 * server's traffic never goes to such a MAC; the real reply is taken. */
static void
test_bad_sender_macs(void **state)
{
	static const uint8_t bad[4][6] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0, 0, 0, 0, 0, 0 },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x05 },
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },   /* the port's own */
	};
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct frame fr[8];
	struct nc_ctl_stats cs;
	struct flow fl;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		arp_in(f, 2, IP_SA, bad[i], IP_PORT);        /* a reply */
		arp_in(f, 1, IP_HOST, bad[i], IP_VIP);       /* a request for us */
	}
	ctl_round(f);
	take(f, 0, fr, RTE_DIM(fr));                          /* start-up probes only */
	assert_false(neigh_mac_of(f, IP_SA) & NC_NEIGH_VALID);
	assert_int_equal(nc_neigh_lookup(f->dp->neigh, nc_be32(IP_HOST)), -ENOENT);
	want[NC_DROP_ARP_INVALID] = 8;
	assert_drops(f, want);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.arp_replied, 0);
	assert_int_equal(cs.arp_learned, 0);
	/* the real answer: taken, and web's flows to a go to it */
	arp_in(f, 2, IP_SA, mac_srv[SA], IP_PORT);
	arp_in(f, 2, IP_SB, mac_srv[SB], IP_PORT);
	ctl_round(f);
	expect_none(f, 0);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.neigh_taken, 2);
	assert_true(mac_word_is(neigh_mac_of(f, IP_SA), mac_srv[SA]));
	open_tcp(f, 41000, &fl);                              /* checks the server's MAC */
	assert_drops(f, want);
	assert_no_leak(f);
}

/* A gratuitous ARP for the VIP (and a reply claiming the local IP or the
 * port address) is neither learned nor answered, and counted as a
 * conflict. */
static void
test_garp_for_our_addresses(void **state)
{
	static const uint32_t ours[] = { IP_VIP, IP_LIP, IP_PORT };
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_ctl_stats cs;
	unsigned int i;

	for (i = 0; i < RTE_DIM(ours); i++) {
		arp_in(f, 1, ours[i], mac_host, ours[i]);     /* gratuitous request */
		arp_in(f, 2, ours[i], mac_host, IP_PORT);     /* a reply claiming it */
	}
	ctl_round(f);
	expect_none(f, 0);
	for (i = 0; i < RTE_DIM(ours); i++)
		assert_int_equal(nc_neigh_lookup(f->dp->neigh, nc_be32(ours[i])), -ENOENT);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.arp_replied, 0);
	assert_int_equal(cs.arp_learned, 0);
	want[NC_DROP_ARP_CONFLICT] = 2 * RTE_DIM(ours);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* A configured neighbor never changes: an ARP reply from server a's address
 * with another MAC is counted (neigh_reply_static) and a's flows still go
 * to its configured MAC; an ARP request not for us from it, or from a host
 * we do not know, is counted too (arp_not_for_us). */
static void
test_static_never_changes(void **state)
{
	static const uint8_t mac_other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct flow fl;

	arp_in(f, 2, IP_SA, mac_other, IP_PORT);
	arp_in(f, 1, IP_SA, mac_other, PB_IP(10, 0, 0, 77));
	arp_in(f, 1, IP_HOST, mac_host, PB_IP(10, 0, 0, 77));
	ctl_round(f);
	expect_none(f, 0);
	assert_true(mac_word_is(neigh_mac_of(f, IP_SA), mac_srv[SA]));
	assert_int_equal(nc_neigh_lookup(f->dp->neigh, nc_be32(IP_HOST)), -ENOENT);
	want[NC_DROP_NEIGH_REPLY_STATIC] = 1;
	want[NC_DROP_ARP_NOT_FOR_US] = 2;
	assert_drops(f, want);
	open_tcp(f, 41001, &fl);
	assert_int_equal(fl.server, SA);                      /* at a's configured MAC */
	assert_drops(f, want);
	assert_no_leak(f);
}

/* --------------------------------------------------------- aging */

/* Short timers: reachable 50 ms, re-probes 1 ms apart (the control lcore
 * ages every 100 ms). */
static void
fast_timers(struct fx *f)
{
	uint64_t ms = rte_get_tsc_hz() / 1000;

	f->dp->neigh->reachable_tsc = 50 * ms;
	f->dp->neigh->retrans_tsc = ms;
}

/* One aging round of the control lcore, 110 ms on; the frames it sends. */
static unsigned int
age_round(struct fx *f, struct frame *fr, unsigned int max)
{
	sleep_ms(110);
	ctl_round(f);
	return take(f, 0, fr, max);
}

/* A learned neighbor goes stale and is probed by unicast at its MAC; its
 * answer keeps it. Unanswered three times it is removed, and the flow
 * opened through it sends nothing to whoever takes its slot next: its
 * client is asked for again, and once it answers the flow's packets reach
 * it. */
static void
test_aging(void **state)
{
	struct fx *f = *state;
	struct nc_ctl_stats cs;
	struct frame fr[8], one;
	struct pb_pkt u, s;
	struct flow fl;
	unsigned int n, rounds;

	fast_timers(f);
	arp_in(f, 1, IP_HOST, mac_host, IP_VIP);
	ctl_round(f);
	expect_one(f, 0, &one);                               /* our reply */
	client_pkt(&u, IPPROTO_UDP, 5000);
	memcpy(u.src_mac, mac_host, 6);
	u.sip = IP_HOST;
	open_flow(f, 0, &u, &fl);
	/* stale: a unicast ARP request to the host's MAC */
	n = age_round(f, fr, RTE_DIM(fr));
	assert_int_equal(n, 1);
	assert_memory_equal(fr[0].b, mac_host, 6);            /* not broadcast */
	assert_int_equal(pb_get16(fr[0].b + 12), 0x0806);
	assert_int_equal(pb_get16(fr[0].b + PB_ETH_LEN + 6), 1);
	assert_memory_equal(fr[0].b + PB_ETH_LEN + 24, &(uint32_t){ nc_be32(IP_HOST) }, 4);
	arp_in(f, 2, IP_HOST, mac_host, IP_PORT);             /* it answers */
	ctl_round(f);
	expect_none(f, 0);
	assert_true(mac_word_is(neigh_mac_of(f, IP_HOST), mac_host));
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.neigh_taken, 1);
	assert_int_equal(cs.neigh_unicast_probes, 1);
	/* then it goes quiet: three unicast probes, then the entry is gone */
	for (rounds = 0; rounds < 8 && nc_neigh_lookup(f->dp->neigh, nc_be32(IP_HOST)) >= 0; rounds++)
		age_round(f, fr, RTE_DIM(fr));
	assert_int_equal(nc_neigh_lookup(f->dp->neigh, nc_be32(IP_HOST)), -ENOENT);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.neigh_unicast_probes, 4);
	assert_int_equal(cs.neigh_expired, 1);
	/* another host takes the slot: the old flow's answer is not sent to it */
	arp_in(f, 1, IP_HOST + 1, mac_new, IP_VIP);
	ctl_round(f);
	expect_one(f, 0, &one);
	assert_true(mac_word_is(neigh_mac_of(f, IP_HOST + 1), mac_new));
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	rx(f, 0, &s);
	expect_none(f, 0);
	{
		uint64_t want[NC_DROP_MAX] = { 0 };

		want[NC_DROP_NEIGH_UNRESOLVED] = 1;
		assert_drops(f, want);
	}
	ctl_round(f);
	expect_one(f, 0, &one);                               /* asked for again, by broadcast */
	assert_memory_equal(one.b, ((uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }), 6);
	assert_memory_equal(one.b + PB_ETH_LEN + 24, &(uint32_t){ nc_be32(IP_HOST) }, 4);
	arp_in(f, 2, IP_HOST, mac_host, IP_PORT);
	ctl_round(f);
	expect_none(f, 0);
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	s.seq++;
	rx(f, 0, &s);
	expect_one(f, 0, &one);
	{
		struct pb_pkt w = nat_s2c(&s, &fl.c);

		memcpy(w.dst_mac, mac_host, 6);
		assert_wire(&one, &w);
	}
	assert_no_leak(f);
}

/* The sender address of the one ARP request an aging round sends (a unicast
 * probe of IP_HOST), which IP_HOST then answers. */
static uint32_t
probe_sender(struct fx *f)
{
	struct frame fr[4];
	uint32_t sip;

	assert_int_equal(age_round(f, fr, RTE_DIM(fr)), 1);
	assert_int_equal(pb_get16(fr[0].b + 12), 0x0806);
	assert_int_equal(pb_get16(fr[0].b + PB_ETH_LEN + 6), 1);
	assert_memory_equal(fr[0].b + PB_ETH_LEN + 24, &(uint32_t){ nc_be32(IP_HOST) }, 4);
	sip = pb_get32(fr[0].b + PB_ETH_LEN + 14);
	arp_in(f, 2, IP_HOST, mac_host, sip);
	ctl_round(f);
	expect_none(f, 0);
	return sip;
}

/*
 * ARP requests go out from an address answered for here: the local IP while
 * it is held; once a peer holds it (cluster sync took it over), the port's
 * next address - a request from the local IP would make the neighbor send
 * the answers of the peer's flows here - and with none, 0.0.0.0.
 */
static void
test_arp_sender_held(void **state)
{
	struct fx *f = *state;
	struct frame one;

	fast_timers(f);
	arp_in(f, 1, IP_HOST, mac_host, IP_VIP);
	ctl_round(f);
	expect_one(f, 0, &one);
	assert_int_equal(probe_sender(f), IP_LIP);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_LIP, false), 0);
	assert_int_equal(probe_sender(f), f->cfg->ports[0].n_ipv4 > 1 ? IP_PORT : 0);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_LIP, true), 0);
	assert_int_equal(probe_sender(f), IP_LIP);
	assert_true(mac_word_is(neigh_mac_of(f, IP_HOST), mac_host));
	assert_no_leak(f);
}

/* A configured server's next hop learned by ARP that stops answering goes
 * back to broadcast requests; it is never removed. */
static void
test_pinned_server_reresolved(void **state)
{
	struct fx *f = *state;
	struct frame fr[8];
	unsigned int n, i, rounds, bcast = 0;

	fast_timers(f);
	arp_in(f, 2, IP_SA, mac_srv[SA], IP_PORT);
	arp_in(f, 2, IP_SB, mac_srv[SB], IP_PORT);
	ctl_round(f);
	take(f, 0, fr, RTE_DIM(fr));
	for (rounds = 0; rounds < 8; rounds++) {
		n = age_round(f, fr, RTE_DIM(fr));
		for (i = 0; i < n && i < RTE_DIM(fr); i++)
			bcast += fr[i].b[0] == 0xff;
	}
	assert_true(bcast >= 2);                              /* a and b asked by broadcast */
	assert_true(nc_neigh_lookup(f->dp->neigh, nc_be32(IP_SA)) >= 0);
	assert_false(neigh_mac_of(f, IP_SA) & NC_NEIGH_VALID);
	arp_in(f, 2, IP_SA, mac_srv[SA], IP_PORT);            /* back */
	ctl_round(f);
	take(f, 0, fr, RTE_DIM(fr));
	assert_true(mac_word_is(neigh_mac_of(f, IP_SA), mac_srv[SA]));
	assert_no_leak(f);
}

/* ------------------------------------------------------------ a flood */

#define FLOOD 8300

/* 8,300 on-link senders ARP for the VIP (more than the table holds): the
 * table stays usable. A host that opened a flow before the flood keeps its
 * entry; a new client after it is resolved and served. */
static void
test_flood_then_new_client(void **state)
{
	static struct frame fr[64];
	struct fx *f = *state;
	struct nc_ctl_stats cs;
	struct pb_pkt u, s, want, syn;
	struct frame one;
	struct flow fl, nf;
	unsigned int i, replies = 0;

	/* a host already talking to us */
	arp_in(f, 1, IP_HOST, mac_host, IP_VIP);
	ctl_round(f);
	expect_one(f, 0, &one);
	client_pkt(&u, IPPROTO_UDP, 5000);
	memcpy(u.src_mac, mac_host, 6);
	u.sip = IP_HOST;
	open_flow(f, 0, &u, &fl);
	for (i = 0; i < FLOOD; i++) {
		uint8_t mac[6] = { 0x02, 0x11, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };

		arp_in(f, 1, PB_IP(10, 0, 1 + i / 250, 1 + i % 250), mac, IP_VIP);
		if (i % 32 == 31 || i == FLOOD - 1) {
			ctl_round(f);
			replies += take(f, 0, fr, RTE_DIM(fr));
		}
	}
	assert_int_equal(replies, FLOOD);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_true(cs.neigh_evicted > 0);
	assert_int_equal(f->dp->neigh->n_used, NC_NEIGH_MAX);
	/* the host that was talking is still there */
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	rx(f, 0, &s);
	expect_one(f, 0, &one);
	want = nat_s2c(&s, &fl.c);
	memcpy(want.dst_mac, mac_host, 6);
	assert_wire(&one, &want);
	/* a new client: held, resolved, served */
	client_pkt(&syn, IPPROTO_TCP, 52000);
	memcpy(syn.src_mac, mac_new, 6);
	syn.sip = IP_NEW;
	rx(f, 0, &syn);
	expect_none(f, 0);
	ctl_round(f);
	expect_one(f, 0, &one);                               /* our ARP request for it */
	assert_int_equal(pb_get16(one.b + PB_ETH_LEN + 6), 1);
	arp_in(f, 2, IP_NEW, mac_new, IP_PORT);
	ctl_round(f);
	assert_int_equal(nc_worker_handoff_poll(wk(f, 0)), 1);
	expect_one(f, 0, &one);
	nf.c = syn;
	nf.server = server_of(&one);
	nf.lport = lport_of(&one);
	nf.owner = 0;
	want = nat_c2s(&syn, nf.server, nf.lport);
	assert_wire(&one, &want);
	server_seg(&s, &nf, PB_TCP_SYN | PB_TCP_ACK);
	rx(f, 0, &s);
	expect_one(f, 0, &one);
	want = nat_s2c(&s, &nf.c);
	memcpy(want.dst_mac, mac_new, 6);
	assert_wire(&one, &want);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* ------------------------------------------------------- IPv6 (ND) */

/* A Neighbor Solicitation for <target> from <src> with source link-layer
 * address <lladdr>, or an advertisement (<na>) of <target> at <lladdr>. */
static void
nd_in(struct fx *f, int na, const uint8_t *src, const uint8_t *target, const uint8_t *lladdr)
{
	uint8_t body[24];
	struct pb_pkt p;

	pb_init6(&p, PB_PROTO_ICMPV6);
	memcpy(p.src_mac, mac_host6, 6);
	memcpy(p.dst_mac, mac_port, 6);
	memcpy(p.sip6, src, 16);
	memcpy(p.dip6, ip6_port, 16);
	p.ttl = 255;
	p.icmp_type = na ? 136 : 135;
	p.icmp_code = 0;
	p.icmp_id = na ? 0x6000 : 0;   /* solicited, override */
	p.icmp_seq = 0;
	memcpy(body, target, 16);
	body[16] = na ? 2 : 1;
	body[17] = 1;
	memcpy(body + 18, lladdr, 6);
	p.payload = body;
	p.payload_len = sizeof(body);
	rx(f, 0, &p);
}

/* ND as ARP: solicitations with a group, zero or our own link-layer address
 * are refused; an advertisement claiming our VIP is not learned; one from a
 * static neighbor changes nothing; a good solicitation is answered and
 * learned. */
static void
test_nd_rules(void **state)
{
	static const uint8_t bad[3][6] = {
		{ 0x33, 0x33, 0, 0, 0, 1 }, { 0, 0, 0, 0, 0, 0 }, { 0x02, 0, 0, 0, 0, 0x01 } };
	static const uint8_t mac_other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct frame one;
	unsigned int i;
	int h;

	for (i = 0; i < 3; i++)
		nd_in(f, 0, ip6_host, ip6_vip, bad[i]);
	nd_in(f, 1, ip6_host, ip6_vip, mac_host6);            /* "the VIP is mine" */
	nd_in(f, 0, ip6_vip, ip6_port, mac_host6);            /* from our own address */
	nd_in(f, 1, ip6_srv[SA], ip6_srv[SA], mac_other);     /* static a, another MAC */
	ctl_round(f);
	expect_none(f, 0);
	assert_int_equal(nc_neigh_lookup6(f->dp->neigh, ip6_host), -ENOENT);
	assert_int_equal(nc_neigh_lookup6(f->dp->neigh, ip6_vip), -ENOENT);
	h = nc_neigh_lookup6(f->dp->neigh, ip6_srv[SA]);
	assert_true(h >= 0);
	assert_true(mac_word_is(nc_neigh_mac(f->dp->neigh, (uint32_t)h), mac_srv[SA]));
	want[NC_DROP_ND_INVALID] = 3;
	want[NC_DROP_ND_NOT_FOR_US] = 2;
	want[NC_DROP_NEIGH_REPLY_STATIC] = 1;
	assert_drops(f, want);
	nd_in(f, 0, ip6_host, ip6_vip, mac_host6);
	ctl_round(f);
	expect_one(f, 0, &one);
	h = nc_neigh_lookup6(f->dp->neigh, ip6_host);
	assert_true(h >= 0);
	assert_true(mac_word_is(nc_neigh_mac(f->dp->neigh, (uint32_t)h), mac_host6));
	assert_drops(f, want);
	assert_no_leak(f);
}

/* The source address of the one solicitation an aging round sends (a
 * unicast probe of ip6_host), which ip6_host then answers. */
static void
probe_source6(struct fx *f, uint8_t *src)
{
	struct frame fr[4];

	assert_int_equal(age_round(f, fr, RTE_DIM(fr)), 1);
	assert_memory_equal(fr[0].b, mac_host6, 6);
	assert_int_equal(pb_get16(fr[0].b + 12), 0x86dd);
	assert_int_equal(fr[0].b[PB_ETH_LEN + 40], 135);      /* a solicitation */
	assert_memory_equal(fr[0].b + PB_ETH_LEN + 48, ip6_host, 16);
	memcpy(src, fr[0].b + PB_ETH_LEN + 8, 16);
	nd_in(f, 1, ip6_host, ip6_host, mac_host6);
	ctl_round(f);
	expect_none(f, 0);
}

/* Solicitations as ARP requests (test_arp_sender_held): from the local
 * address while it is held, from the port's other address once a peer
 * holds it. */
static void
test_nd_sender_held(void **state)
{
	struct fx *f = *state;
	struct frame one;
	uint8_t src[16];

	fast_timers(f);
	nd_in(f, 0, ip6_host, ip6_vip, mac_host6);
	ctl_round(f);
	expect_one(f, 0, &one);
	probe_source6(f, src);
	assert_memory_equal(src, ip6_lip, 16);
	assert_int_equal(nc_dp_lip6_hold(f->dp, ip6_lip, false), 0);
	probe_source6(f, src);
	assert_memory_equal(src, ip6_port, 16);
	assert_int_equal(nc_dp_lip6_hold(f->dp, ip6_lip, true), 0);
	probe_source6(f, src);
	assert_memory_equal(src, ip6_lip, 16);
	assert_no_leak(f);
}

/* ------------------------------------------- sources and TCP flags */

/* Client packets to the VIP from addresses no host has, from ours, or from
 * a server of the service: dropped under their reason, no flow, nothing
 * sent, and no ARP request for them. */
static void
test_martian_sources(void **state)
{
	static const struct { uint32_t ip; enum nc_drop why; } src[] = {
		{ PB_IP(127, 0, 0, 1), NC_DROP_SRC_MARTIAN },
		{ PB_IP(0, 1, 2, 3), NC_DROP_SRC_MARTIAN },
		{ PB_IP(224, 0, 0, 5), NC_DROP_SRC_MARTIAN },
		{ PB_IP(240, 0, 0, 1), NC_DROP_SRC_MARTIAN },
		{ PB_IP(255, 255, 255, 255), NC_DROP_SRC_MARTIAN },
		{ IP_VIP, NC_DROP_SRC_OURS },
		{ IP_LIP, NC_DROP_SRC_OURS },
		{ IP_PORT, NC_DROP_SRC_OURS },
		{ IP_SA, NC_DROP_SRC_SERVER },
		{ IP_SB, NC_DROP_SRC_SERVER },
	};
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	unsigned int i, k;

	for (i = 0; i < RTE_DIM(src); i++)
		for (k = 0; k < 2; k++) {
			struct pb_pkt p;

			client_pkt(&p, k == 0 ? IPPROTO_TCP : IPPROTO_UDP, (uint16_t)(30000 + i));
			p.sip = src[i].ip;
			rx(f, 0, &p);
			want[src[i].why]++;
		}
	/* an echo request from 127.0.0.1 is not answered either */
	{
		struct pb_pkt q;

		echo_request(&q, IP_VIP, NULL, 0);
		q.sip = PB_IP(127, 0, 0, 1);
		rx(f, 0, &q);
		want[NC_DROP_SRC_MARTIAN]++;
	}
	ctl_round(f);
	expect_none(f, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* IPv6: ::, ::1, ff02::1, ::ffff:10.0.0.9, our VIP and a server of the
 * service as sources. */
static void
test_martian_sources6(void **state)
{
	static const char *const src[] = { "::", "::1", "ff02::1", "::ffff:10.0.0.9",
					   "fd00::100", "fd00::11" };
	static const enum nc_drop why[] = { NC_DROP_SRC_MARTIAN, NC_DROP_SRC_MARTIAN,
					    NC_DROP_SRC_MARTIAN, NC_DROP_SRC_MARTIAN,
					    NC_DROP_SRC_OURS, NC_DROP_SRC_SERVER };
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(src); i++) {
		struct pb_pkt p;

		pb_init6(&p, IPPROTO_TCP);
		memcpy(p.dst_mac, mac_port, 6);
		memcpy(p.src_mac, mac_gw, 6);
		pb_ip6(p.sip6, src[i]);
		memcpy(p.dip6, ip6_vip, 16);
		p.sport = (uint16_t)(30000 + i);
		p.dport = WEB_PORT;
		p.tcp_flags = PB_TCP_SYN;
		rx(f, 0, &p);
		want[why[i]]++;
	}
	ctl_round(f);
	expect_none(f, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* SYN+FIN, SYN+RST, no flag, FIN alone, PSH alone, URG alone, FIN+RST,
 * SYN+PSH without ACK: no flow, counted; a plain SYN still opens one. */
static void
test_bad_tcp_flags(void **state)
{
	static const uint8_t bad[] = {
		PB_TCP_SYN | PB_TCP_FIN, PB_TCP_SYN | PB_TCP_RST, 0, PB_TCP_FIN, PB_TCP_PSH, 0x20,
		PB_TCP_FIN | PB_TCP_RST, PB_TCP_SYN | PB_TCP_PSH,
		PB_TCP_SYN | PB_TCP_FIN | PB_TCP_ACK };
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	unsigned int i;
	struct flow fl;

	for (i = 0; i < RTE_DIM(bad); i++) {
		struct pb_pkt p;

		client_pkt(&p, IPPROTO_TCP, (uint16_t)(31000 + i));
		p.tcp_flags = bad[i];
		rx(f, 0, &p);
		expect_none(f, 0);
	}
	want[NC_DROP_TCP_BAD_FLAGS] = RTE_DIM(bad);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_drops(f, want);
	open_tcp(f, 31100, &fl);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* IPv6 too. */
static void
test_bad_tcp_flags6(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt p;

	pb_init6(&p, IPPROTO_TCP);
	memcpy(p.dst_mac, mac_port, 6);
	memcpy(p.src_mac, mac_gw, 6);
	memcpy(p.sip6, ip6_client, 16);
	memcpy(p.dip6, ip6_vip, 16);
	p.sport = 31000;
	p.dport = WEB_PORT;
	p.tcp_flags = PB_TCP_SYN | PB_TCP_FIN;
	rx(f, 0, &p);
	expect_none(f, 0);
	want[NC_DROP_TCP_BAD_FLAGS] = 1;
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* A frame in two buffers (scattered receive): its own reason, not
 * ip_bad_len. */
static void
test_chained_frame(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	uint8_t buf[PB_MAX_FRAME], pay[600] = { 0 };
	struct rte_mbuf *m, *m2;
	struct pb_pkt p;
	uint32_t len;

	client_pkt(&p, IPPROTO_UDP, 32000);
	p.payload = pay;
	p.payload_len = sizeof(pay);
	len = pb_build(&p, buf, sizeof(buf));
	m = rte_pktmbuf_alloc(fx_pool);
	m2 = rte_pktmbuf_alloc(fx_pool);
	assert_non_null(m);
	assert_non_null(m2);
	memcpy(rte_pktmbuf_append(m, 100), buf, 100);
	memcpy(rte_pktmbuf_append(m2, (uint16_t)(len - 100)), buf + 100, len - 100);
	assert_int_equal(rte_pktmbuf_chain(m, m2), 0);
	m->port = 0;
	nc_worker_rx(wk(f, 0), 0, &m, 1);
	expect_none(f, 0);
	want[NC_DROP_FRAME_CHAINED] = 1;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* ----------------------------------------------- every frame counted */

/*
 * A mixed set - good flows both ways, malformed frames, martian sources,
 * impossible flags, ARP of every kind, ND, echo - and then: every frame
 * received was forwarded, answered, taken (an ARP reply or advertisement
 * that resolved a neighbor) or counted under exactly one drop reason:
 *   rx = (frames sent - frames the appliance made itself) + taken + drops
 */
static void
test_every_frame_counted(void **state)
{
	static const uint8_t mac_other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
	static struct frame fr[64];
	static struct nc_dp_stats st;
	struct fx *f = *state;
	struct nc_ctl_stats cs;
	uint64_t sent = 0, rx_total, drops;
	struct pb_pkt p, s;
	struct flow fl;
	unsigned int i;

	/* good: a TCP flow both ways, a UDP flow both ways */
	client_pkt(&p, IPPROTO_TCP, 33000);
	rx(f, 0, &p);
	sent += take(f, 0, fr, RTE_DIM(fr));
	fl.c = p;
	fl.server = server_of(&fr[0]);
	fl.lport = lport_of(&fr[0]);
	fl.owner = 0;
	server_seg(&s, &fl, PB_TCP_SYN | PB_TCP_ACK);
	rx(f, 0, &s);
	client_pkt(&p, IPPROTO_UDP, 33001);
	rx(f, 0, &p);
	/* malformed */
	client_pkt(&p, IPPROTO_TCP, 33002);
	p.ip_csum_xor = 1;
	rx(f, 0, &p);
	client_pkt(&p, IPPROTO_TCP, 33003);
	p.truncate = 30;
	rx(f, 0, &p);
	client_pkt(&p, IPPROTO_UDP, 33004);
	p.udp_len_adj = 40;
	rx(f, 0, &p);
	client_pkt(&p, IPPROTO_TCP, 33005);
	p.dip = PB_IP(10, 0, 0, 77);                          /* not ours */
	rx(f, 0, &p);
	/* martian, ours, a server, impossible flags */
	client_pkt(&p, IPPROTO_TCP, 33006);
	p.sip = PB_IP(127, 0, 0, 1);
	rx(f, 0, &p);
	client_pkt(&p, IPPROTO_UDP, 33007);
	p.sip = IP_VIP;
	rx(f, 0, &p);
	client_pkt(&p, IPPROTO_TCP, 33008);
	p.sip = IP_SB;
	rx(f, 0, &p);
	client_pkt(&p, IPPROTO_TCP, 33009);
	p.tcp_flags = PB_TCP_SYN | PB_TCP_FIN;
	rx(f, 0, &p);
	/* ARP of every kind: answered, learned and taken, refused */
	arp_in(f, 1, IP_HOST, mac_host, IP_VIP);              /* answered */
	arp_in(f, 1, IP_HOST, mac_host, PB_IP(10, 0, 0, 77)); /* not for us, refreshes */
	arp_in(f, 1, PB_IP(10, 0, 0, 61), mac_host, PB_IP(10, 0, 0, 77)); /* unknown, not for us */
	arp_in(f, 2, IP_SA, mac_other, IP_PORT);              /* static: reply refused */
	arp_in(f, 1, IP_SA, mac_other, PB_IP(10, 0, 0, 77));  /* static, not for us */
	arp_in(f, 2, IP_HOST, mac_host, IP_PORT);             /* a reply: taken */
	arp_in(f, 2, PB_IP(10, 0, 0, 62), mac_host, IP_PORT); /* a reply we never asked for */
	arp_in(f, 1, IP_VIP, mac_host, IP_VIP);               /* gratuitous for the VIP */
	arp_in(f, 1, IP_HOST, (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, IP_VIP);
	arp_in(f, 1, PB_IP(172, 16, 0, 1), mac_host, IP_VIP); /* off the subnet */
	/* ND and echo */
	nd_in(f, 0, ip6_host, ip6_vip, mac_host6);            /* answered */
	nd_in(f, 0, ip6_host, ip6_vip, (const uint8_t[6]){ 0x33, 0x33, 0, 0, 0, 1 });
	nd_in(f, 0, ip6_host, ip6_host, mac_host6);           /* not for us */
	nd_in(f, 1, ip6_host, ip6_host, mac_host6);           /* taken: refreshes the host */
	echo_request(&p, IP_VIP, NULL, 0);
	rx(f, 0, &p);
	echo_request(&p, IP_VIP, NULL, 0);
	p.sip = PB_IP(224, 0, 0, 5);
	rx(f, 0, &p);
	/* an on-link client that never answers: held, then dropped */
	client_pkt(&p, IPPROTO_UDP, 33010);
	p.sip = PB_IP(10, 0, 0, 63);
	rx(f, 0, &p);
	for (i = 0; i < 4; i++) {
		ctl_round(f);
		nc_worker_handoff_poll(wk(f, 0));
		sent += take(f, 0, fr, RTE_DIM(fr));
	}
	sleep_ms(NC_PENDING_MS + 10);
	ctl_round(f);
	sent += take(f, 0, fr, RTE_DIM(fr));
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.resolve_held, 1);
	assert_int_equal(cs.resolve_dropped, 1);
	stats(f, &st);
	rx_total = st.rx[0];
	drops = drops_total(f);
	assert_int_equal(rx_total, 28);          /* every frame above */
	assert_int_equal(cs.arp_replied + cs.nd_replied + cs.icmp_echo_replied, 3);
	assert_int_equal(cs.neigh_taken, 2);
	/* what the appliance made itself: ARP requests and solicitations */
	assert_int_equal(rx_total,
			 (sent - cs.arp_requests_sent - cs.nd_solicits_sent) + cs.neigh_taken + drops);
	assert_no_leak(f);
}

#define BE(a, b, c, d) rte_cpu_to_be_32(PB_IP(a, b, c, d))

/*
 * The route table on its own: the longest prefix wins at every depth (a /8,
 * a /16 and a /24 nested, a /26 past the first level), a default route (/0)
 * covers the rest, an on-link route answers with its port and the entry of
 * the address itself once there is one, no route is -ENETUNREACH, a value
 * that is neither a start-up gateway's handle nor a port is refused, and so
 * is a gateway beyond the NC_NEIGH_GATEWAYS the table's values name.
 */
static void
test_routes(void **state)
{
	static const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 0x01 } };
	struct nc_neigh_table *t = nc_neigh_create("ncrtest", SOCKET_ID_ANY);
	struct nc_neigh_table *t2 = nc_neigh_create("ncrtest2", SOCKET_ID_ANY);
	int gw1, gw2, host, gw[NC_NEIGH_GATEWAYS];
	uint16_t port;
	unsigned int i;

	(void)state;
	assert_non_null(t);
	assert_non_null(t2);
	gw1 = nc_neigh_add(t, BE(192, 0, 2, 1), 0, &mac, 1);
	gw2 = nc_neigh_add(t, BE(192, 0, 2, 2), 0, &mac, 1);
	assert_true(gw1 >= 0 && gw2 >= 0 && gw1 != gw2);
	assert_int_equal(nc_neigh_route_add(t, 0, 0, (uint32_t)gw1), 0);
	assert_int_equal(nc_neigh_route_add(t, BE(10, 0, 0, 0), 8, NC_NH_CONNECTED | 1), 0);
	assert_int_equal(nc_neigh_route_add(t, BE(10, 1, 0, 0), 16, (uint32_t)gw2), 0);
	assert_int_equal(nc_neigh_route_add(t, BE(10, 1, 2, 0), 24, NC_NH_CONNECTED | 2), 0);
	assert_int_equal(nc_neigh_route_add(t, BE(10, 1, 2, 64), 26, (uint32_t)gw1), 0);

	assert_int_equal(nc_neigh_next_hop(t, BE(198, 51, 100, 7), &port), gw1);
	assert_int_equal(nc_neigh_next_hop(t, BE(255, 255, 255, 254), &port), gw1);
	port = 0;
	assert_int_equal(nc_neigh_next_hop(t, BE(10, 9, 9, 9), &port), -ENOENT);
	assert_int_equal(port, 1);
	assert_int_equal(nc_neigh_next_hop(t, BE(10, 1, 9, 9), &port), gw2);
	assert_int_equal(nc_neigh_next_hop(t, BE(10, 1, 2, 5), &port), -ENOENT);
	assert_int_equal(port, 2);
	host = nc_neigh_add(t, BE(10, 1, 2, 5), 2, &mac, 0);
	assert_true(host >= 0);
	assert_int_equal(nc_neigh_next_hop(t, BE(10, 1, 2, 5), &port), host);
	assert_int_equal(nc_neigh_next_hop(t, BE(10, 1, 2, 70), &port), gw1);
	assert_int_equal(nc_neigh_next_hop(t, BE(10, 1, 2, 128), &port), -ENOENT);
	assert_int_equal(port, 2);
	/* prefixes longer than /24 each take a second-level group of their /24:
	 * the groups run out with an error, and what was added stays */
	for (i = 0; i < 200; i++) {
		int r = nc_neigh_route_add(t, BE(30, i, 0, 128), 25, (uint32_t)gw2);

		if (r < 0) {
			assert_int_equal(r, -ENOSPC);
			break;
		}
	}
	assert_int_equal(i, NC_FIB_NONE - 1);   /* one group is 10.1.2.0/24's */
	assert_int_equal(nc_neigh_next_hop(t, BE(30, 0, 0, 200), &port), gw2);
	assert_int_equal(nc_neigh_next_hop(t, BE(30, i - 1, 0, 200), &port), gw2);
	assert_int_equal(nc_neigh_next_hop(t, BE(30, i - 1, 0, 100), &port), gw1);
	assert_int_equal(nc_neigh_next_hop(t, BE(30, i, 0, 200), &port), gw1);
	assert_int_equal(nc_neigh_next_hop(t, BE(10, 1, 2, 70), &port), gw1);

	/* no default route: outside every prefix is unreachable */
	assert_int_equal(nc_neigh_route_add(t2, BE(10, 0, 0, 0), 8, NC_NH_CONNECTED | 3), 0);
	assert_int_equal(nc_neigh_next_hop(t2, BE(11, 0, 0, 1), &port), -ENETUNREACH);
	assert_int_equal(nc_neigh_next_hop(t2, BE(9, 255, 255, 255), &port), -ENETUNREACH);
	assert_int_equal(nc_neigh_next_hop(t2, BE(10, 255, 0, 1), &port), -ENOENT);
	assert_int_equal(port, 3);
	/* values that name nothing */
	assert_int_equal(nc_neigh_route_add(t2, BE(11, 0, 0, 0), 8, NC_NEIGH_MAX), -EINVAL);
	assert_int_equal(nc_neigh_route_add(t2, BE(11, 0, 0, 0), 8, NC_NH_CONNECTED | 63), -EINVAL);
	assert_int_equal(nc_neigh_route_add(t2, BE(11, 0, 0, 0), 8, 1u << 20), -EINVAL);
	assert_int_equal(nc_neigh_next_hop(t2, BE(11, 0, 0, 1), &port), -ENETUNREACH);
	/* NC_NEIGH_GATEWAYS distinct gateways, each route to its own (and one
	 * more route to the first: no new slot); one more gateway is refused */
	for (i = 0; i < NC_NEIGH_GATEWAYS; i++) {
		gw[i] = nc_neigh_add(t2, BE(192, 0, 2, i + 1), 0, &mac, 1);
		assert_true(gw[i] >= 0);
		assert_int_equal(nc_neigh_route_add(t2, BE(20, i, 0, 0), 16, (uint32_t)gw[i]), 0);
	}
	assert_int_equal(nc_neigh_route_add(t2, BE(21, 0, 0, 0), 8, (uint32_t)gw[0]), 0);
	host = nc_neigh_add(t2, BE(192, 0, 2, 200), 0, &mac, 1);
	assert_true(host >= 0);
	assert_int_equal(nc_neigh_route_add(t2, BE(22, 0, 0, 0), 8, (uint32_t)host), -ENOSPC);
	for (i = 0; i < NC_NEIGH_GATEWAYS; i++)
		assert_int_equal(nc_neigh_next_hop(t2, BE(20, i, 7, 7), &port), gw[i]);
	assert_int_equal(nc_neigh_next_hop(t2, BE(21, 1, 2, 3), &port), gw[0]);
	assert_int_equal(nc_neigh_next_hop(t2, BE(22, 1, 2, 3), &port), -ENETUNREACH);
	nc_neigh_free(t);
	nc_neigh_free(t2);
}

/*
 * The IPv6 route table alike: the longest prefix wins (/32, /48, /64, and a
 * /122 past the first levels), a default route (::/0) covers the rest,
 * on-link prefixes answer with their port and then the address's own entry,
 * no route is -ENETUNREACH, values that name nothing are refused, and a table
 * made without IPv6 has no routes to add or find.
 */
static void
test_routes6(void **state)
{
	static const struct rte_ether_addr mac = { { 0x02, 0, 0, 0, 0, 0x02 } };
	struct nc_neigh_table *t = nc_neigh_create("ncr6test", SOCKET_ID_ANY);
	struct nc_neigh_table *t4 = nc_neigh_create("ncr6test4", SOCKET_ID_ANY);
	uint8_t a[16], g1[16], g2[16], host[16];
	int gw1, gw2, h;
	uint16_t port;

	(void)state;
	assert_non_null(t);
	assert_non_null(t4);
	assert_int_equal(nc_neigh_enable_v6(t), 0);
	pb_ip6(g1, "fe80::1");
	pb_ip6(g2, "fe80::2");
	gw1 = nc_neigh_add6(t, g1, 0, &mac, 1);
	gw2 = nc_neigh_add6(t, g2, 0, &mac, 1);
	assert_true(gw1 >= 0 && gw2 >= 0 && gw1 != gw2);
	pb_ip6(a, "::");
	assert_int_equal(nc_neigh_route_add6(t, a, 0, (uint32_t)gw1), 0);
	pb_ip6(a, "2001:db8::");
	assert_int_equal(nc_neigh_route_add6(t, a, 32, NC_NH6_CONNECTED | 1), 0);
	pb_ip6(a, "2001:db8:1::");
	assert_int_equal(nc_neigh_route_add6(t, a, 48, (uint32_t)gw2), 0);
	pb_ip6(a, "2001:db8:1:2::");
	assert_int_equal(nc_neigh_route_add6(t, a, 64, NC_NH6_CONNECTED | 2), 0);
	pb_ip6(a, "2001:db8:1:2::40");
	assert_int_equal(nc_neigh_route_add6(t, a, 122, (uint32_t)gw1), 0);

	pb_ip6(a, "2001:db9::7");
	assert_int_equal(nc_neigh_next_hop6(t, a, &port), gw1);
	pb_ip6(a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	assert_int_equal(nc_neigh_next_hop6(t, a, &port), gw1);
	port = 0;
	pb_ip6(a, "2001:db8:9::9");
	assert_int_equal(nc_neigh_next_hop6(t, a, &port), -ENOENT);
	assert_int_equal(port, 1);
	pb_ip6(a, "2001:db8:1:9::9");
	assert_int_equal(nc_neigh_next_hop6(t, a, &port), gw2);
	pb_ip6(host, "2001:db8:1:2::5");
	assert_int_equal(nc_neigh_next_hop6(t, host, &port), -ENOENT);
	assert_int_equal(port, 2);
	h = nc_neigh_add6(t, host, 2, &mac, 0);
	assert_true(h >= 0);
	assert_int_equal(nc_neigh_next_hop6(t, host, &port), h);
	pb_ip6(a, "2001:db8:1:2::7f");
	assert_int_equal(nc_neigh_next_hop6(t, a, &port), gw1);
	pb_ip6(a, "2001:db8:1:2::80");
	assert_int_equal(nc_neigh_next_hop6(t, a, &port), -ENOENT);
	assert_int_equal(port, 2);
	/* values that name nothing */
	pb_ip6(a, "2001:db8:2::");
	assert_int_equal(nc_neigh_route_add6(t, a, 48, NC_NEIGH_MAX), -EINVAL);
	assert_int_equal(nc_neigh_route_add6(t, a, 48, NC_NH6_CONNECTED | 0x3fff), -EINVAL);
	assert_int_equal(nc_neigh_route_add6(t, a, 48, 1u << 20), -EINVAL);
	pb_ip6(a, "2001:db8:2::1");
	assert_int_equal(nc_neigh_next_hop6(t, a, &port), -ENOENT);
	assert_int_equal(port, 1);

	/* without IPv6 tables, and without a default route */
	pb_ip6(a, "2001:db8::");
	assert_int_equal(nc_neigh_route_add6(t4, a, 32, NC_NH6_CONNECTED | 1), -ENOTSUP);
	assert_int_equal(nc_neigh_next_hop6(t4, a, &port), -ENETUNREACH);
	assert_int_equal(nc_neigh_enable_v6(t4), 0);
	assert_int_equal(nc_neigh_route_add6(t4, a, 32, NC_NH6_CONNECTED | 3), 0);
	pb_ip6(a, "2001:db9::1");
	assert_int_equal(nc_neigh_next_hop6(t4, a, &port), -ENETUNREACH);
	pb_ip6(a, "2001:db8:ffff::1");
	assert_int_equal(nc_neigh_next_hop6(t4, a, &port), -ENOENT);
	assert_int_equal(port, 3);
	nc_neigh_free(t);
	nc_neigh_free(t4);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpneigh"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bad_sender_macs, setup_dynamic),
		T(test_garp_for_our_addresses, setup_lab),
		T(test_static_never_changes, setup_lab),
		T(test_aging, setup_lab),
		T(test_pinned_server_reresolved, setup_dynamic),
		T(test_arp_sender_held, setup_lip_first),
		T(test_arp_sender_held, setup_lip_only),
		T(test_flood_then_new_client, setup_wide),
		T(test_nd_rules, setup_v6),
		T(test_nd_sender_held, setup_v6_lip_first),
		T(test_martian_sources, setup_lab),
		T(test_martian_sources6, setup_v6),
		T(test_bad_tcp_flags, setup_lab),
		T(test_bad_tcp_flags6, setup_v6),
		T(test_chained_frame, setup_lab),
		T(test_every_frame_counted, setup_v6),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_routes6),
	};

	return cmocka_run_group_tests_name("dp_neigh", tests, eal_setup, fx_eal_teardown);
}
