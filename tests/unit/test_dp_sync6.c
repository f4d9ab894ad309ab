/* SPDX-License-Identifier: BSD-3-Clause
 * Flow sync in the data plane, IPv6 and NAT64: the records of IPv6 flows
 * carry their addresses (client, VIP, and the local address and server, or
 * NAT64's IPv4 ones), their held requests are the client's IPv6 frames, and
 * a peer's IPv6 flows install here on its IPv6 local address - the client's
 * segments go on to the same server from the same address and port, a held
 * request is replayed, a segment of no flow asks the control lcore - and its
 * IPv6 local addresses are answered for (Neighbor Discovery) only while held.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_dp.h"
#include "nc_flow.h"
#include "pkt_build.h"
#include "dp_fixture.h"
#include "nc_test_support.h"

#define IP_PEER_LIP PB_IP(10, 0, 0, 201)   /* a peer dispatcher's local IPs */
static uint8_t ip6_peer_lip[16];           /* fd00::201 */

static void
tweak_sync6(struct nc_config *c)
{
	tweak_v6_64(c);
	failsafe_set(&c->services[SVC_DNS6], 30, 2);
	c->cluster.enabled = true;
	c->cluster.sync = true;
	c->cluster.n_peers = 1;
	c->cluster.peers[0] = PB_IP(10, 0, 0, 2);
	c->cluster.peer_lips[0][0] = IP_PEER_LIP;
	c->cluster.peer_n_lips[0] = 1;
	pb_ip6(ip6_peer_lip, "fd00::201");
	memcpy(c->cluster.peer_lips6[0][0], ip6_peer_lip, 16);
	c->cluster.peer_n_lips6[0] = 1;
}

static int
setup_sync6(void **state)
{
	struct fx *f;

	if (fx_setup(state, tweak_sync6) != 0)
		return -1;
	f = *state;
	return nc_dp_sync_start(f->dp, 0) == 0 ? 0 : -1;
}

static int
eal_setup(void **state)
{
	return fx_eal_setup(state, "nctestdpsync6");
}

static struct nc_sync_addr6 rec6[8];

static unsigned int
records(struct fx *f, struct nc_sync_rec *out, unsigned int max)
{
	assert_true(max <= RTE_DIM(rec6));
	memset(rec6, 0, sizeof(rec6));
	return nc_dp_sync_take(f->dp, out, rec6, max);
}

static uint16_t
key_port(const struct nc_sync_rec *r, unsigned int i)
{
	uint16_t p;

	memcpy(&p, (const uint8_t *)r->key + 8 + 2 * i, 2);
	return ntohs(p);
}

/* A peer's IPv6 flow as its records tell it: <vip> (web6's or web64's),
 * its local address and port, its server <server> (NAT64: IPv4). */
static void
peer_flow6(struct nc_sync_rec *r, struct nc_sync_addr6 *a6, uint8_t proto, int nat64, uint16_t cport,
	   uint16_t lport, int server)
{
	uint8_t *k = (uint8_t *)r->key;
	uint16_t p;

	memset(r, 0, sizeof(*r));
	memset(a6, 0, sizeof(*a6));
	r->op = NC_SYNC_FLOW;
	r->state = proto == IPPROTO_TCP ? 2 /* established */ : 4 /* udp */;
	p = htons(cport);
	memcpy(k + 8, &p, 2);
	p = htons(proto == IPPROTO_TCP ? WEB_PORT : DNS_PORT);
	memcpy(k + 10, &p, 2);
	k[12] = proto;
	k[13] = (uint8_t)(NC_FLOW_KEY_V6 | (nat64 ? NC_FLOW_KEY_64 : 0));
	memcpy(a6->client, ip6_client, 16);
	memcpy(a6->vip, nat64 ? ip6_vip64 : ip6_vip, 16);
	if (nat64) {
		r->lip = htonl(IP_PEER_LIP);
		r->server_ip = htonl(ip_srv[server]);
	} else {
		memcpy(a6->lip, ip6_peer_lip, 16);
		memcpy(a6->server, ip6_srv[server], 16);
	}
	r->lport = htons(lport);
	r->server_port = htons(proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT);
}

/*
 * The records of IPv6 flows: a UDP flow at its first datagram with its held
 * request (the client's IPv6 frame), its release with the answer held back;
 * a TCP flow at its server's SYN-ACK, held back until the record has left;
 * a NAT64 flow with its IPv4 local address and server. Each with the
 * client, the VIP and (not NAT64) the IPv6 local address and server.
 */
static void
test_records6(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r[8];
	uint8_t q[20], a[30];
	struct pb_pkt c, s, want;
	struct frame fr;
	uint16_t lport;
	int server;

	memset(q, 0x51, sizeof(q));
	memset(a, 0x52, sizeof(a));
	client6(&c, IPPROTO_UDP, 35000);
	c.payload = q;
	c.payload_len = sizeof(q);
	open6(f, &c, &server, &lport);
	assert_int_equal(records(f, r, 8), 2);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_true(nc_sync_rec_v6(&r[0]));
	assert_false(nc_sync_rec_64(&r[0]));
	assert_int_equal(r[0].key[0], 0);
	assert_int_equal(key_port(&r[0], 0), 35000);
	assert_int_equal(key_port(&r[0], 1), DNS_PORT);
	assert_memory_equal(rec6[0].client, ip6_client, 16);
	assert_memory_equal(rec6[0].vip, ip6_vip, 16);
	assert_memory_equal(rec6[0].lip, ip6_lip, 16);
	assert_memory_equal(rec6[0].server, ip6_srv[server], 16);
	assert_int_equal(ntohs(r[0].lport), lport);
	assert_int_equal(ntohs(r[0].server_port), DNS_PORT);
	assert_int_equal(r[1].op, NC_SYNC_HELD);
	assert_true(nc_sync_rec_v6(&r[1]));
	assert_memory_equal(rec6[1].client, ip6_client, 16);
	/* the client's frame: IPv6, its payload last */
	assert_non_null(r[1].m);
	assert_int_equal(rte_pktmbuf_mtod(r[1].m, uint8_t *)[12], 0x86);
	assert_memory_equal(rte_pktmbuf_mtod_offset(r[1].m, uint8_t *, 14 + 40 + 8), q, sizeof(q));
	rte_pktmbuf_free(r[1].m);
	/* the answer releases it, once the release has left */
	server6(&s, &c, server, lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	rx(f, 0, &s);
	expect_none(f, 0);
	assert_int_equal(records(f, r, 8), 1);
	assert_int_equal(r[0].op, NC_SYNC_RELEASE);
	assert_memory_equal(rec6[0].client, ip6_client, 16);
	nc_dp_sync_send_frame(f->dp, r[0].m);
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);

	/* TCP: nothing at the SYN; the SYN-ACK waits for its record */
	client6(&c, IPPROTO_TCP, 41000);
	open6(f, &c, &server, &lport);
	assert_int_equal(records(f, r, 8), 0);
	server6(&s, &c, server, lport);
	s.seq = 7000;
	s.ack = c.seq + 1;
	rx(f, 0, &s);
	expect_none(f, 0);
	assert_int_equal(records(f, r, 8), 1);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_true(nc_sync_rec_v6(&r[0]));
	assert_int_equal(key_port(&r[0], 0), 41000);
	/* no IPv4 address in it (the flow keeps its TCP windows there) */
	assert_int_equal(r[0].key[0] | r[0].key[1] | r[0].lip | r[0].server_ip, 0);
	assert_memory_equal(rec6[0].server, ip6_srv[server], 16);
	assert_true(r[0].flags & NC_SYNC_F_FRESH);
	assert_int_equal(r[0].tcp.c_isn, c.seq);
	assert_int_equal(r[0].tcp.srv_isn, 7000);
	nc_dp_sync_send_frame(f->dp, r[0].m);
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	/* its close is reported */
	c.tcp_flags = PB_TCP_RST | PB_TCP_ACK;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	f->vnow_ms += 2000;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1u << 20);   /* IPv6 slots come after the IPv4 ones */
	assert_int_equal(records(f, r, 8), 1);
	assert_int_equal(r[0].op, NC_SYNC_CLOSE);
	assert_int_equal(key_port(&r[0], 0), 41000);
	assert_int_equal(r[0].key[0] | r[0].key[1] | r[0].lip | r[0].server_ip, 0);
	assert_memory_equal(rec6[0].vip, ip6_vip, 16);

	/* NAT64: the SYN-ACK of an IPv4 server, as the client gets it */
	client6(&c, IPPROTO_TCP, 46000);
	memcpy(c.dip6, ip6_vip64, 16);
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	server = server4_of(&fr);
	lport = lport_of(&fr);
	want = nat64_c2s(&c, server, lport);
	server_pkt(&s, &want, server, lport);
	s.seq = 9000;
	s.ack = c.seq + 1;
	rx(f, 0, &s);
	expect_none(f, 0);
	assert_int_equal(records(f, r, 8), 1);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_true(nc_sync_rec_v6(&r[0]));
	assert_true(nc_sync_rec_64(&r[0]));
	assert_int_equal(ntohl(r[0].lip), IP_LIP);
	assert_int_equal(ntohl(r[0].server_ip), ip_srv[server]);
	assert_memory_equal(rec6[0].client, ip6_client, 16);
	assert_memory_equal(rec6[0].vip, ip6_vip64, 16);
	assert_int_equal(r[0].tcp.srv_isn, 9000);
	nc_dp_sync_send_frame(f->dp, r[0].m);
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = nat64_s2c(&s, &c);
	assert_wire(&fr, &want);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * A peer's IPv6 TCP flow installed here: the client's segments go to its
 * server from the peer's IPv6 local address and port, the server's come
 * back; again: here already; without its addresses, or on an address that
 * is no one's: refused. A peer's NAT64 flow goes on to its IPv4 server from
 * the peer's IPv4 local address.
 */
static void
test_adopt6(void **state)
{
	struct fx *f = *state;
	struct nc_sync_addr6 a6;
	struct nc_sync_rec r;
	struct nc_dp_stats st;
	struct pb_pkt c, s, want;
	struct frame fr;

	peer_flow6(&r, &a6, IPPROTO_TCP, 0, 42000, 5000, SB);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, &a6, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	client6(&c, IPPROTO_TCP, 42000);
	c.tcp_flags = PB_TCP_ACK;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	want = nat6_c2s(&c, SB, 5000);
	memcpy(want.sip6, ip6_peer_lip, 16);
	assert_wire(&fr, &want);
	server6(&s, &c, SB, 5000);
	memcpy(s.dip6, ip6_peer_lip, 16);
	s.tcp_flags = PB_TCP_ACK;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	/* again: here already */
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, &a6, NULL), 0);
	nc_worker_sync_poll(wk(f, 0));
	stats(f, &st);
	assert_int_equal(st.sync_adopted, 1);
	assert_int_equal(st.sync_adopt_exists, 1);
	/* refused: no addresses; a local address that is no one's */
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), -ENOENT);
	pb_ip6(a6.lip, "fd00::77");
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, &a6, NULL), -ENOENT);

	/* NAT64 */
	peer_flow6(&r, &a6, IPPROTO_TCP, 1, 43000, 5001, SA);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, &a6, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	client6(&c, IPPROTO_TCP, 43000);
	memcpy(c.dip6, ip6_vip64, 16);
	c.tcp_flags = PB_TCP_ACK;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	want = nat64_c2s(&c, SA, 5001);
	want.sip = IP_PEER_LIP;
	assert_wire(&fr, &want);
	server_pkt(&s, &want, SA, 5001);
	s.dip = IP_PEER_LIP;
	s.tcp_flags = PB_TCP_ACK;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat64_s2c(&s, &c);
	assert_wire(&fr, &want);
	stats(f, &st);
	assert_int_equal(st.sync_adopted, 2);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * A peer's held IPv6 request (the client's frame): unanswered at its
 * deadline it goes again to the same server from the peer's local address;
 * its answer through here goes to the client once its release has left.
 */
static void
test_adopt_held6(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r, h, rr[4];
	struct nc_sync_addr6 a6;
	struct nc_failsafe_view v;
	uint8_t q[16], a[8];
	struct pb_pkt c, s, want;
	struct frame fr;

	memset(q, 0x61, sizeof(q));
	memset(a, 0x62, sizeof(a));
	peer_flow6(&r, &a6, IPPROTO_UDP, 0, 36000, 6000, SA);
	assert_int_equal(nc_dp_lip6_hold(f->dp, ip6_peer_lip, true), 0);   /* taken over */
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, &a6, NULL), 0);
	client6(&c, IPPROTO_UDP, 36000);
	c.payload = q;
	c.payload_len = sizeof(q);
	h = r;
	h.op = NC_SYNC_HELD;
	h.ttl_ms = 20;
	h.m = mk(&c);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &h, &a6, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 2);
	fs_view(f, &v);
	assert_int_equal(v.held_now, 1);
	assert_int_equal(fs_wait(f, 0, 10), 0);
	expect_none(f, 0);
	assert_int_equal(fs_wait(f, 0, 15), 1);
	expect_one(f, 0, &fr);
	want = nat6_c2s(&c, SA, 6000);
	memcpy(want.sip6, ip6_peer_lip, 16);
	assert_wire(&fr, &want);
	ctl_round(f);
	server6(&s, &c, SA, 6000);
	memcpy(s.dip6, ip6_peer_lip, 16);
	s.payload = a;
	s.payload_len = sizeof(a);
	rx(f, 0, &s);
	expect_none(f, 0);
	/* the replay's record, then the release with the answer */
	assert_int_equal(records(f, rr, 4), 2);
	assert_int_equal(rr[0].op, NC_SYNC_FLOW);
	assert_int_equal(rr[1].op, NC_SYNC_RELEASE);
	assert_memory_equal(rec6[1].lip, ip6_peer_lip, 16);
	nc_dp_sync_send_frame(f->dp, rr[1].m);
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	fs_view(f, &v);
	assert_int_equal(v.held_now, 0);
	/* given back: the next request opens a flow of ours */
	assert_int_equal(nc_dp_lip6_hold(f->dp, ip6_peer_lip, false), 0);
	tick(f, 0);
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	assert_memory_equal(fr.b + 14 + 8, ip6_lip, 16);
	assert_no_leak(f);
}

static unsigned int miss_calls;

/* The control lcore's word on an IPv6 segment of no flow: a peer's flow. */
static enum nc_miss
miss_cb6(void *arg, const struct rte_mbuf *m, uint16_t pidx, const uint32_t key[4],
	 const struct nc_sync_addr6 *seg6, struct nc_sync_rec *r, struct nc_sync_addr6 *r6,
	 struct rte_ether_addr *mac)
{
	const uint8_t *k = (const uint8_t *)key;

	(void)arg;
	(void)m;
	(void)pidx;
	(void)mac;
	miss_calls++;
	assert_non_null(seg6);
	assert_memory_equal(seg6->client, ip6_client, 16);
	assert_memory_equal(seg6->vip, ip6_vip, 16);
	assert_int_equal(key[0], 0);
	assert_int_equal(k[12], IPPROTO_TCP);
	assert_int_equal(k[13], NC_FLOW_KEY_V6);
	peer_flow6(r, r6, IPPROTO_TCP, 0, 44000, 7000, SA);
	return NC_MISS_ADOPT;
}

/* An IPv6 TCP segment of no flow goes up; the callback installs its flow and
 * the segment follows. */
static void
test_miss6(void **state)
{
	struct fx *f = *state;
	struct pb_pkt c, want;
	struct frame fr;

	nc_dp_set_miss_cb(f->dp, miss_cb6, NULL);
	client6(&c, IPPROTO_TCP, 44000);
	c.tcp_flags = PB_TCP_ACK;
	rx(f, 0, &c);
	expect_none(f, 0);
	ctl_round(f);
	nc_worker_sync_poll(wk(f, 0));
	nc_worker_handoff_poll(wk(f, 0));
	expect_one(f, 0, &fr);
	want = nat6_c2s(&c, SA, 7000);
	memcpy(want.sip6, ip6_peer_lip, 16);
	assert_wire(&fr, &want);
	rx(f, 0, &c);   /* here now: no more trips up */
	expect_one(f, 0, &fr);
	assert_int_equal(miss_calls, 1);
	assert_no_leak(f);
}

/* Packet too big about a peer's flow's packet to its client, from a router
 * that hashed it here: up with the flow's key from the quote; the flow
 * installed, the error goes to its server from the peer's local address
 * about the server's own packet. */
static void
test_miss6_ptb(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[PB_MAX_FRAME];
	struct pb_pkt c, s, e, w;
	struct frame q, fr;
	unsigned int calls = miss_calls;

	nc_dp_set_miss_cb(f->dp, miss_cb6, NULL);
	client6(&c, IPPROTO_TCP, 44000);
	server6(&s, &c, SA, 7000);
	s.tcp_flags = PB_TCP_ACK;
	s.seq = 0x4321;
	w = nat6_s2c(&s, &c);
	q.len = pb_build(&w, q.b, sizeof(q.b));
	icmp_err(&e, 1, 2, 1280, &q, buf, 40 + 20);
	memcpy(e.src_mac, mac_gw, 6);
	memcpy(e.sip6, ip6_gw, 16);
	memcpy(e.dip6, ip6_vip, 16);
	rx(f, 0, &e);
	expect_none(f, 0);
	ctl_round(f);
	nc_worker_sync_poll(wk(f, 0));
	nc_worker_handoff_poll(wk(f, 0));
	expect_one(f, 0, &fr);
	assert_int_equal(miss_calls, calls + 1);
	assert_true(pb_csum_verify(fr.b, fr.len, NULL, 0));
	assert_memory_equal(fr.b, mac_srv[SA], 6);
	assert_memory_equal(fr.b + 14 + 8, ip6_peer_lip, 16);
	assert_memory_equal(fr.b + 14 + 24, ip6_srv[SA], 16);
	assert_int_equal(fr.b[54], 2);
	assert_int_equal(pb_get32(fr.b + 58), 1280);
	assert_memory_equal(fr.b + 62 + 8, ip6_srv[SA], 16);       /* the quote: */
	assert_memory_equal(fr.b + 62 + 24, ip6_peer_lip, 16);     /* the server's */
	assert_int_equal(pb_get16(fr.b + 102), WEB_SPORT);          /* own packet */
	assert_int_equal(pb_get16(fr.b + 104), 7000);
	assert_int_equal(pb_get32(fr.b + 106), 0x4321);
	assert_no_leak(f);
}

/* A neighbor solicitation for <target> from the gateway. */
static void
solicit(struct pb_pkt *ns, uint8_t *body, const uint8_t *target)
{
	pb_init6(ns, PB_PROTO_ICMPV6);
	memcpy(ns->src_mac, mac_gw, 6);
	memcpy(ns->dst_mac, (uint8_t[6]){ 0x33, 0x33, 0xff, 0x00, 0x02, 0x01 }, 6);
	memcpy(ns->sip6, ip6_gw, 16);
	pb_ip6(ns->dip6, "ff02::1:ff00:201");
	ns->ttl = 255;
	ns->icmp_type = 135;
	memcpy(body, target, 16);
	body[16] = 1;   /* source link-layer address */
	body[17] = 1;
	memcpy(body + 18, mac_gw, 6);
	ns->payload = body;
	ns->payload_len = 24;
}

/* A peer's IPv6 local address is answered for (Neighbor Discovery) only
 * while held, and announced (unsolicited advertisement) when taken over. */
static void
test_lip6_hold(void **state)
{
	struct fx *f = *state;
	struct pb_pkt ns;
	uint8_t body[24];
	struct frame fr;

	assert_false(nc_dp_lip6_held(f->dp, ip6_peer_lip));
	solicit(&ns, body, ip6_peer_lip);
	rx(f, 0, &ns);
	ctl_round(f);
	expect_none(f, 0);   /* not ours */
	assert_int_equal(nc_dp_lip6_hold(f->dp, ip6_peer_lip, true), 0);
	assert_true(nc_dp_lip6_held(f->dp, ip6_peer_lip));
	rx(f, 0, &ns);
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_int_equal(fr.b[14 + 40], 136);                 /* an advertisement */
	assert_memory_equal(fr.b + 14 + 40 + 8, ip6_peer_lip, 16);
	assert_memory_equal(fr.b + 6, mac_port, 6);
	/* announced: unsolicited, to all nodes, override */
	assert_int_equal(nc_dp_lip6_announce(f->dp, ip6_peer_lip), 0);
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_int_equal(fr.b[0], 0x33);
	assert_int_equal(fr.b[14 + 40], 136);
	assert_memory_equal(fr.b + 14 + 40 + 8, ip6_peer_lip, 16);
	/* no one's */
	assert_int_equal(nc_dp_lip6_hold(f->dp, ip6_vip, true), -ENOENT);
	assert_int_equal(nc_dp_lip6_hold(f->dp, ip6_peer_lip, false), 0);
	rx(f, 0, &ns);
	ctl_round(f);
	expect_none(f, 0);
	assert_no_leak(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records6, setup_sync6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt6, setup_sync6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_held6, setup_sync6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_miss6, setup_sync6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_miss6_ptb, setup_sync6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lip6_hold, setup_sync6, fx_teardown),
	};

	return cmocka_run_group_tests_name("dp_sync6", tests, eal_setup, fx_eal_teardown);
}
