/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: flow sync, driven without a NIC through the data-path fixture
 * (dp_fixture.h): the records a worker reports (a UDP flow at its first
 * datagram and its held request, a TCP flow once its handshake completes,
 * at the server's SYN-ACK, answers and closes, nothing for the packets of
 * an unchanged flow); a
 * peer's flow installed with the peer's local IP and port, forwarded both
 * ways; a peer's held request replayed to the same server at its deadline as
 * its dispatcher's failure (the server stays up); walks, flushes; local IPs
 * answered for only while held; a segment of no flow installed or sent on
 * as the control lcore's callback says.
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
#include "pkt_build.h"
#include "dp_fixture.h"
#include "nc_test_support.h"

#define IP_PEER_LIP PB_IP(10, 0, 0, 201)   /* a peer dispatcher's local IP */

static void
tweak_sync(struct nc_config *c)
{
	failsafe_set(&c->services[SVC_DNS], 30, 2);
	c->cluster.enabled = true;
	c->cluster.sync = true;
	c->cluster.n_peers = 1;
	c->cluster.peers[0] = PB_IP(10, 0, 0, 2);
	c->cluster.peer_lips[0][0] = IP_PEER_LIP;
	c->cluster.peer_n_lips[0] = 1;
}

/* The lab changed by <tweak>, with flow sync started (stall limit <stall_ms>). */
static int
setup_with(void **state, void (*tweak)(struct nc_config *c), uint32_t stall_ms)
{
	struct fx *f;

	if (fx_setup(state, tweak) != 0)
		return -1;
	f = *state;
	return nc_dp_sync_start(f->dp, stall_ms) == 0 ? 0 : -1;
}

static int setup_sync(void **state) { return setup_with(state, tweak_sync, 0); }

/* IPv6 flows' addresses beside the records taken (nc_dp_sync_take) */
static struct nc_sync_addr6 rec6[64];

/* Every record the workers have, freed of their mbufs once checked. */
static unsigned int
records(struct fx *f, struct nc_sync_rec *out, unsigned int max)
{
	assert_true(max <= RTE_DIM(rec6));
	return nc_dp_sync_take(f->dp, out, rec6, max);
}

/* Every record the worker made, its frames freed. */
static void
records_drop(struct fx *f)
{
	struct nc_sync_rec r[8];
	unsigned int n, i;

	while ((n = records(f, r, 8)) != 0)
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(r[i].m);
}

/* A walk of the whole table (a bulk copy), to its end: a slice of the table
 * per loop of the worker. */
static void
walk_all(struct fx *f)
{
	unsigned int i;

	nc_dp_sync_walk(f->dp);
	assert_false(nc_dp_sync_walk_done(f->dp));
	for (i = 0; i < 100 && !nc_dp_sync_walk_done(f->dp); i++)
		nc_worker_sync_poll(wk(f, 0));
	assert_true(nc_dp_sync_walk_done(f->dp));
}

static void
assert_key(const struct nc_sync_rec *r, uint32_t client, uint16_t cport, uint16_t vport,
	   uint8_t proto)
{
	const uint8_t *k = (const uint8_t *)r->key;
	uint16_t p;

	assert_int_equal(ntohl(r->key[0]), client);
	assert_int_equal(ntohl(r->key[1]), IP_VIP);
	memcpy(&p, k + 8, 2);
	assert_int_equal(ntohs(p), cport);
	memcpy(&p, k + 10, 2);
	assert_int_equal(ntohs(p), vport);
	assert_int_equal(k[12], proto);
}

/* A peer's flow as its records would tell it. */
static void
peer_flow(struct nc_sync_rec *r, uint8_t proto, uint16_t cport, uint16_t lport, int server)
{
	uint8_t *k = (uint8_t *)r->key;
	uint16_t p;

	memset(r, 0, sizeof(*r));
	r->op = NC_SYNC_FLOW;
	r->state = proto == IPPROTO_TCP ? 2 /* established */ : 4 /* udp */;
	r->key[0] = htonl(IP_CLIENT);
	r->key[1] = htonl(IP_VIP);
	p = htons(cport);
	memcpy(k + 8, &p, 2);
	p = htons(proto == IPPROTO_TCP ? WEB_PORT : DNS_PORT);
	memcpy(k + 10, &p, 2);
	k[12] = proto;
	r->lip = htonl(IP_PEER_LIP);
	r->lport = htons(lport);
	r->server_ip = htonl(server == SA ? IP_SA : IP_SB);
	r->server_port = htons(proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT);
}

/* A peer's TCP flow reported at its server's SYN-ACK: nothing exchanged yet,
 * both initial sequence numbers known. */
static void
fresh_flow(struct nc_sync_rec *r, uint16_t cport, uint16_t lport, int server, uint32_t c_isn,
	   uint32_t srv_isn)
{
	peer_flow(r, IPPROTO_TCP, cport, lport, server);
	r->flags = NC_SYNC_F_FRESH;
	r->tcp.c_isn = c_isn;
	r->tcp.srv_isn = srv_isn;
}

/* Peer flow <r> installed in worker 0 at once. */
static void
install_now(struct fx *f, const struct nc_sync_rec *r)
{
	assert_int_equal(nc_dp_sync_adopt(f->dp, r, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
}

/* Client packet <p> goes to <server> from the peer's local IP and <lport>. */
static void
via_peer(struct fx *f, const struct pb_pkt *p, int server, uint16_t lport)
{
	struct pb_pkt want;
	struct frame fr;

	rx(f, 0, p);
	expect_one(f, 0, &fr);
	want = nat_c2s(p, server, lport);
	want.sip = IP_PEER_LIP;
	assert_wire(&fr, &want);
}

/*
 * A UDP flow is reported at its first datagram, with the request it holds
 * (the datagram as the client sent it, a reference of the record's own);
 * the answer is reported as a release. A TCP flow is reported once its
 * server accepts it (SYN-ACK), not at its SYN nor for later segments; its
 * close is.
 */
static void
test_records(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r[8];
	uint8_t q[20], a[30];
	struct pb_pkt p, s;
	struct flow fl, tc;
	unsigned int n;

	memset(q, 0x51, sizeof(q));
	memset(a, 0x52, sizeof(a));
	dns_req(&p, IP_CLIENT, 35000, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	n = records(f, r, 8);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_key(&r[0], IP_CLIENT, 35000, DNS_PORT, IPPROTO_UDP);
	assert_int_equal(ntohl(r[0].lip), IP_LIP);
	assert_int_equal(ntohs(r[0].lport), fl.lport);
	assert_int_equal(ntohl(r[0].server_ip), fl.server == SA ? IP_SA : IP_SB);
	assert_int_equal(ntohs(r[0].server_port), DNS_PORT);
	assert_null(r[0].m);
	assert_int_equal(r[1].op, NC_SYNC_HELD);
	assert_int_equal(r[1].ttl_ms, 30);
	assert_non_null(r[1].m);
	/* the datagram as the client sent it: its payload last */
	assert_memory_equal(rte_pktmbuf_mtod_offset(r[1].m, uint8_t *, 14 + 20 + 8), q, sizeof(q));
	rte_pktmbuf_free(r[1].m);
	/* the answer releases it, and goes to the client once the release
	 * has left: no peer replays a request its client has had answered */
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	rx(f, 0, &s);
	expect_none(f, 0);
	n = records(f, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].op, NC_SYNC_RELEASE);
	assert_key(&r[0], IP_CLIENT, 35000, DNS_PORT, IPPROTO_UDP);
	assert_non_null(r[0].m);
	nc_dp_sync_send_frame(f->dp, r[0].m);
	ctl_round(f);
	{
		struct frame fr;
		struct pb_pkt want = nat_s2c(&s, &fl.c);

		expect_one(f, 0, &fr);
		assert_wire(&fr, &want);
	}

	/* TCP: nothing at the SYN */
	open_tcp(f, 41000, &tc);
	assert_int_equal(records(f, r, 8), 0);
	/* the server accepts it: reported once (its client may finish the
	 * handshake through another dispatcher) */
	server_seg(&s, &tc, PB_TCP_SYN | PB_TCP_ACK);
	rx(f, 0, &s);
	expect_none(f, 0);   /* held back with the record */
	n = records(f, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_int_equal(r[0].state, 1);   /* SYN: the client's ACK not seen yet */
	assert_key(&r[0], IP_CLIENT, 41000, WEB_PORT, IPPROTO_TCP);
	assert_int_equal(ntohs(r[0].lport), tc.lport);
	/* both initial sequence numbers, as the client sees them */
	assert_true(r[0].flags & NC_SYNC_F_FRESH);
	assert_int_equal(r[0].tcp.c_isn, s.ack - 1);
	assert_int_equal(r[0].tcp.srv_isn, s.seq);
	/* the SYN-ACK goes once the record has left */
	assert_non_null(r[0].m);
	nc_dp_sync_send_frame(f->dp, r[0].m);
	ctl_round(f);
	{
		struct frame fr;
		struct pb_pkt want = nat_s2c(&s, &tc.c);

		expect_one(f, 0, &fr);
		assert_wire(&fr, &want);
	}
	/* the handshake's end and the packets after it: nothing more */
	client_seg(&p, &tc, PB_TCP_ACK);
	c2s_ok(f, &tc, &p);
	c2s_ok(f, &tc, &p);
	server_seg(&s, &tc, PB_TCP_ACK);
	s2c_ok(f, &tc, &s);
	assert_int_equal(records(f, r, 8), 0);
	/* an RST closes it: reported */
	client_seg(&p, &tc, PB_TCP_RST | PB_TCP_ACK);
	c2s_ok(f, &tc, &p);
	assert_int_equal(records(f, r, 8), 0);   /* closing, not closed yet */
	f->vnow_ms += 2000;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1024);
	n = records(f, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].op, NC_SYNC_CLOSE);
	assert_key(&r[0], IP_CLIENT, 41000, WEB_PORT, IPPROTO_TCP);
	/* the UDP flow idles out later: reported too */
	f->vnow_ms += 31000;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1024);
	n = records(f, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].op, NC_SYNC_CLOSE);
	assert_key(&r[0], IP_CLIENT, 35000, DNS_PORT, IPPROTO_UDP);
	assert_no_leak(f);
}

/*
 * A peer's TCP flow installed here: the client's segments go to its server
 * from the peer's local IP and port, the server's come back to the client
 * through them; installing it again keeps it as it is.
 */
static void
test_adopt_tcp(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r;
	struct nc_dp_stats st;
	struct pb_pkt p, s, want;
	struct frame fr;

	peer_flow(&r, IPPROTO_TCP, 42000, 5000, SB);
	install_now(f, &r);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	client_pkt(&p, IPPROTO_TCP, 42000);
	p.tcp_flags = PB_TCP_ACK;
	via_peer(f, &p, SB, 5000);
	server_pkt(&s, &p, SB, 5000);
	s.dip = IP_PEER_LIP;
	s.tcp_flags = PB_TCP_ACK;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat_s2c(&s, &p);
	assert_wire(&fr, &want);
	/* again: here already */
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), 0);
	nc_worker_sync_poll(wk(f, 0));
	stats(f, &st);
	assert_int_equal(st.sync_adopted, 1);
	assert_int_equal(st.sync_adopt_exists, 1);
	/* a local IP that is no one's: refused */
	r.lip = htonl(PB_IP(10, 0, 0, 77));
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), -ENOENT);
	/* the client opens a new connection from the same port (the old one
	 * ended through another dispatcher): a new flow, from a port of ours */
	p.tcp_flags = PB_TCP_SYN;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_LIP);
	assert_no_leak(f);
}

/*
 * A worker's install queue is bounded: what it can still take is told before
 * a takeover queues a peer's flows, so that a full queue delays installs
 * instead of losing them; one queued past it is refused and counted.
 */
static void
test_adopt_room(void **state)
{
	struct fx *f = *state;
	struct nc_ctl_stats cs;
	struct nc_sync_rec r;
	unsigned int room0, i;

	room0 = nc_dp_sync_adopt_room(f->dp);
	assert_true(room0 > 64);
	for (i = 0; i < room0; i++) {
		peer_flow(&r, IPPROTO_TCP, (uint16_t)(1024 + i % 60000), (uint16_t)(5000 + i % 60000), SB);
		assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), 0);
		if (i == 9)
			assert_int_equal(nc_dp_sync_adopt_room(f->dp), room0 - 10);
	}
	assert_int_equal(nc_dp_sync_adopt_room(f->dp), 0);
	assert_false(nc_dp_sync_adopt_idle(f->dp));
	peer_flow(&r, IPPROTO_TCP, 999, 4999, SB);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), -ENOBUFS);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.sync_adopt_full, 1);
	/* the worker takes a burst: room again */
	assert_true(nc_worker_sync_poll(wk(f, 0)) > 0);
	assert_true(nc_dp_sync_adopt_room(f->dp) > 0);
	for (i = 0; i < room0 && !nc_dp_sync_adopt_idle(f->dp); i++)
		nc_worker_sync_poll(wk(f, 0));
	assert_true(nc_dp_sync_adopt_idle(f->dp));
	assert_int_equal(nc_dp_sync_adopt_room(f->dp), room0);
	assert_no_leak(f);
}

/*
 * A copy left here from an earlier takeover on the peer's address and port
 * (the peer took its addresses back and gave the port to a new connection
 * since): the peer's newer flow replaces it, unreported.
 */
static void
test_adopt_stale_port(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r, out[4];
	struct nc_dp_stats st;
	struct pb_pkt p;

	peer_flow(&r, IPPROTO_TCP, 48000, 5400, SB);
	install_now(f, &r);
	peer_flow(&r, IPPROTO_TCP, 48001, 5400, SA);
	install_now(f, &r);
	stats(f, &st);
	assert_int_equal(st.sync_adopted, 2);
	assert_int_equal(st.sync_adopt_replaced, 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_int_equal(nc_dp_sync_take(f->dp, out, rec6, 4), 0);   /* no close reported */
	client_pkt(&p, IPPROTO_TCP, 48001);
	p.tcp_flags = PB_TCP_ACK;
	via_peer(f, &p, SA, 5400);
	assert_no_leak(f);
}

/*
 * A peer's connection installed here by an earlier takeover ended at the
 * peer once it had its local IPs back (its end passed there, not here), and
 * the client opened a new one from the same port through the peer: at the
 * next takeover the peer's record of the new connection - another local
 * port, another server - replaces the copy left here, unreported, and the
 * client's segments go where the new connection is.
 */
static void
test_adopt_stale_copy(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r, out[4];
	struct nc_dp_stats st;
	struct pb_pkt p;

	peer_flow(&r, IPPROTO_TCP, 48100, 5500, SA);
	install_now(f, &r);
	client_pkt(&p, IPPROTO_TCP, 48100);
	p.tcp_flags = PB_TCP_ACK;
	via_peer(f, &p, SA, 5500);
	peer_flow(&r, IPPROTO_TCP, 48100, 5600, SB);
	install_now(f, &r);
	stats(f, &st);
	assert_int_equal(st.sync_adopted, 2);
	assert_int_equal(st.sync_adopt_replaced, 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_int_equal(nc_dp_sync_take(f->dp, out, rec6, 4), 0);   /* no close reported */
	via_peer(f, &p, SB, 5600);
	assert_no_leak(f);
}

/*
 * A peer's connection installed before its client's first byte: the client's
 * SYN again (its dispatcher died holding the SYN-ACK back) is the same
 * connection's and goes on to the server from the peer's local port; a SYN
 * with another initial sequence number is a new connection on that port.
 */
static void
test_syn_again(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r;
	struct pb_pkt p;
	struct frame fr;

	fresh_flow(&r, 47000, 5300, SB, 1000, 90000);
	install_now(f, &r);
	client_pkt(&p, IPPROTO_TCP, 47000);
	p.tcp_flags = PB_TCP_SYN;
	p.seq = 1000;
	via_peer(f, &p, SB, 5300);
	/* another connection on the port: a flow of ours */
	p.seq = 777777;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_LIP);
	assert_no_leak(f);
}

static void
tweak_sync_proxy(struct nc_config *c)
{
	tweak_sync(c);
	c->services[SVC_WEB].client_address = NC_CA_PROXY_V2;
}

static int setup_sync_proxy(void **state) { return setup_with(state, tweak_sync_proxy, 0); }

/* The client's segment <p> (seq, ack) of an installed flow reaches SB from the
 * peer's local IP and <lport> at <seq>; SB's answer <ack> reaches the client at
 * <cack>. */
static void
proxy_legs(struct fx *f, struct pb_pkt *p, uint16_t lport, uint32_t seq, uint32_t sseq,
	   uint32_t ack, uint32_t cack)
{
	struct pb_pkt s, want;
	struct frame fr;

	rx(f, 0, p);
	expect_one(f, 0, &fr);
	want = nat_c2s(p, SB, lport);
	want.sip = IP_PEER_LIP;
	want.seq = seq;
	assert_wire(&fr, &want);
	server_pkt(&s, p, SB, lport);
	s.dip = IP_PEER_LIP;
	s.tcp_flags = PB_TCP_ACK;
	s.seq = sseq;
	s.ack = ack;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat_s2c(&s, p);
	want.ack = cack;
	assert_wire(&fr, &want);
}

/*
 * A peer's TCP flow of a PROXY service keeps the shift its header made when
 * it is installed here: a bulk copy's (no ISNs) as acknowledged; one
 * reported at its server's SYN-ACK (with both ISNs) from the header's start,
 * its server's acknowledgement marking it acknowledged. Without the record's
 * client address the client's bytes would land 28 bytes early in the
 * server's stream.
 */
static void
test_adopt_proxy(void **state)
{
	struct fx *f = *state;
	const uint32_t hl = 28;   /* PROXY v2, TCP over IPv4 */
	struct nc_sync_rec r;
	struct pb_pkt p;

	/* a bulk copy: acknowledged long ago */
	peer_flow(&r, IPPROTO_TCP, 42100, 5100, SB);
	r.ca = NC_CA_PROXY_V2;
	install_now(f, &r);
	client_pkt(&p, IPPROTO_TCP, 42100);
	p.tcp_flags = PB_TCP_ACK;
	p.seq = 1000;
	p.ack = 7000;
	proxy_legs(f, &p, 5100, 1000 + hl, 7000, 1000 + hl, 1000);

	/* just accepted there: the header went at 5001 */
	fresh_flow(&r, 42101, 5101, SB, 5000, 9000);
	r.ca = NC_CA_PROXY_V2;
	install_now(f, &r);
	client_pkt(&p, IPPROTO_TCP, 42101);
	p.tcp_flags = PB_TCP_ACK;
	p.seq = 5001;
	p.ack = 9001;
	/* the server had only the SYN: its ack stays below the header */
	proxy_legs(f, &p, 5101, 5001 + hl, 9001, 5001, 5001);
	/* then the header: the client sees its own 5001 */
	proxy_legs(f, &p, 5101, 5001 + hl, 9001, 5001 + hl, 5001);

	/* and a flow of this dispatcher's reports its mode and both ISNs at
	 * its server's SYN-ACK, which sent the header */
	{
		struct nc_sync_rec rec[4];
		struct pb_pkt sa;
		struct flow tc;
		unsigned int n, i, hdr = 0;
		struct frame fr[4];

		open_tcp(f, 41100, &tc);
		server_seg(&sa, &tc, PB_TCP_SYN | PB_TCP_ACK);
		rx(f, 0, &sa);
		n = take(f, 0, fr, 4);   /* the header segment to the server */
		for (i = 0; i < n; i++)
			hdr += pb_get32(fr[i].b + PB_IP_OFF + 16) == IP_SA ||
			       pb_get32(fr[i].b + PB_IP_OFF + 16) == IP_SB;
		assert_int_equal(hdr, 1);
		n = records(f, rec, 4);
		assert_int_equal(n, 1);
		assert_int_equal(rec[0].op, NC_SYNC_FLOW);
		assert_int_equal(rec[0].ca, NC_CA_PROXY_V2);
		assert_int_equal(rec[0].tcp.c_isn, tc.c.seq);
		assert_int_equal(rec[0].tcp.srv_isn, sa.seq);
		nc_dp_sync_send_frame(f->dp, rec[0].m);
		ctl_round(f);
		take(f, 0, fr, 4);
	}
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * A peer's held request: unanswered at its deadline, it goes again to the
 * same server - the dispatcher failed, not the server, which stays up - and
 * is held again until the answer comes through here.
 */
static void
test_adopt_held(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r, h;
	struct nc_failsafe_view v;
	struct nc_service_view sv;
	struct nc_server_view srv[2];
	uint8_t q[16], a[8];
	struct pb_pkt p, s, want;
	struct frame fr;

	memset(q, 0x61, sizeof(q));
	memset(a, 0x62, sizeof(a));
	peer_flow(&r, IPPROTO_UDP, 36000, 6000, SA);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);   /* taken over */
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), 0);
	dns_req(&p, IP_CLIENT, 36000, q, sizeof(q));
	h = r;
	h.op = NC_SYNC_HELD;
	h.ttl_ms = 20;
	h.m = mk(&p);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &h, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 2);
	fs_view(f, &v);
	assert_int_equal(v.held_now, 1);
	assert_int_equal(fs_wait(f, 0, 10), 0);
	expect_none(f, 0);
	assert_int_equal(fs_wait(f, 0, 15), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, 6000);
	want.sip = IP_PEER_LIP;
	assert_wire(&fr, &want);
	ctl_round(f);   /* the report: logged, a not taken down */
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_DNS, &sv, srv);
	assert_true(srv[SA].up);
	/* the answer through here: to the client, released */
	server_pkt(&s, &p, SA, 6000);
	s.dip = IP_PEER_LIP;
	s.payload = a;
	s.payload_len = sizeof(a);
	rx(f, 0, &s);
	expect_none(f, 0);   /* until its release has left */
	{
		struct nc_sync_rec rr[4];
		unsigned int k = nc_dp_sync_take(f->dp, rr, rec6, 4);

		/* the replay's record (its server), then the release with the answer */
		assert_int_equal(k, 2);
		assert_int_equal(rr[0].op, NC_SYNC_FLOW);
		assert_int_equal(rr[1].op, NC_SYNC_RELEASE);
		nc_dp_sync_send_frame(f->dp, rr[1].m);
	}
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = nat_s2c(&s, &p);
	assert_wire(&fr, &want);
	fs_view(f, &v);
	assert_int_equal(v.held_now, 0);
	assert_int_equal(fs_wait(f, 0, 50), 0);
	expect_none(f, 0);
	/* given back to its dispatcher: the answers go there, so the next
	 * request opens a flow of ours, held as ours */
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, false), 0);
	tick(f, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_LIP);
	fs_view(f, &v);
	assert_int_equal(v.held_now, 1);
	assert_no_leak(f);
}

/* The sync lab with one move per request on dns. */
static void
tweak_sync_one_replay(struct nc_config *c)
{
	tweak_sync(c);
	failsafe_set(&c->services[SVC_DNS], 30, 1);
}

static int setup_sync_one_replay(void **state) { return setup_with(state, tweak_sync_one_replay, 0); }

/*
 * A peer's held request moved once for its dead dispatcher (to the same
 * server) leaves max_replays to the servers: when that server then fails it
 * too, with one replay allowed, the request goes on to b rather than being
 * given up.
 */
static void
test_adopt_held_then_failure(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r, h;
	struct nc_failsafe_view v;
	uint8_t q[16];
	struct pb_pkt p, s, want;
	struct frame fr;

	memset(q, 0x63, sizeof(q));
	peer_flow(&r, IPPROTO_UDP, 36001, 6001, SA);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), 0);
	dns_req(&p, IP_CLIENT, 36001, q, sizeof(q));
	h = r;
	h.op = NC_SYNC_HELD;
	h.ttl_ms = 20;
	h.m = mk(&p);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &h, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 2);
	/* the dispatcher's failure: to a again */
	assert_int_equal(fs_wait(f, 0, 25), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, 6001);
	want.sip = IP_PEER_LIP;
	assert_wire(&fr, &want);
	ctl_round(f);
	/* a's: on to b */
	assert_int_equal(fs_wait(f, 0, 30), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, 6001);
	want.sip = IP_PEER_LIP;
	assert_wire(&fr, &want);
	fs_view(f, &v);
	assert_int_equal(v.resets, 0);
	assert_int_equal(v.replays, 1);
	assert_int_equal(v.held_now, 1);
	/* b's answer: to the client once its release has left */
	server_pkt(&s, &p, SB, 6001);
	s.dip = IP_PEER_LIP;
	s.payload = q;
	s.payload_len = 8;
	rx(f, 0, &s);
	expect_none(f, 0);
	{
		struct nc_sync_rec rr[8];
		unsigned int i, k = nc_dp_sync_take(f->dp, rr, rec6, 8);

		for (i = 0; i < k; i++)
			if (rr[i].op == NC_SYNC_RELEASE)
				nc_dp_sync_send_frame(f->dp, rr[i].m);
			else if (rr[i].m != NULL)
				rte_pktmbuf_free(rr[i].m);
	}
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = nat_s2c(&s, &p);
	assert_wire(&fr, &want);
	fs_view(f, &v);
	assert_int_equal(v.held_now, 0);
	assert_no_leak(f);
}

/* A walk reports every synced flow again (bulk) with its held requests; a
 * flush drops every flow without a close record. */
static void
test_walk_flush(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r[8];
	uint8_t q[12];
	struct pb_pkt p;
	struct flow fl, tc;
	unsigned int n, i, flows = 0, held = 0;

	memset(q, 0x71, sizeof(q));
	dns_req(&p, IP_CLIENT, 37000, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	open_tcp(f, 43000, &tc);   /* not established: not synced, not walked */
	n = records(f, r, 8);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(r[i].m);
	walk_all(f);
	n = records(f, r, 8);
	for (i = 0; i < n; i++) {
		assert_true(r[i].flags & NC_SYNC_F_BULK);
		flows += r[i].op == NC_SYNC_FLOW;
		held += r[i].op == NC_SYNC_HELD;
		rte_pktmbuf_free(r[i].m);
	}
	assert_int_equal(flows, 1);
	assert_int_equal(held, 1);
	nc_dp_sync_flush(f->dp);
	assert_false(nc_dp_sync_flush_done(f->dp));
	nc_worker_sync_poll(wk(f, 0));
	assert_true(nc_dp_sync_flush_done(f->dp));
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_int_equal(records(f, r, 8), 0);
	assert_no_leak(f);
}

/* A gratuitous ARP for a local IP: from our MAC, sender and target it. */
static void
test_lip_hold(void **state)
{
	struct fx *f = *state;
	struct frame fr;
	uint32_t ip;

	/* with sync, even ours wait for the cluster */
	assert_false(nc_dp_lip_held(f->dp, IP_LIP));
	assert_false(nc_dp_lip_held(f->dp, IP_PEER_LIP));
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	assert_true(nc_dp_lip_held(f->dp, IP_PEER_LIP));
	assert_int_equal(nc_dp_lip_hold(f->dp, PB_IP(10, 0, 0, 77), true), -ENOENT);
	assert_int_equal(nc_dp_lip_garp(f->dp, IP_PEER_LIP), 0);
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_int_equal(fr.b[12], 0x08);
	assert_int_equal(fr.b[13], 0x06);            /* ARP */
	assert_int_equal(fr.b[21], 1);               /* a request */
	assert_memory_equal(fr.b + 22, mac_port, 6); /* from us */
	memcpy(&ip, fr.b + 28, 4);
	assert_int_equal(ntohl(ip), IP_PEER_LIP);    /* sender */
	memcpy(&ip, fr.b + 38, 4);
	assert_int_equal(ntohl(ip), IP_PEER_LIP);    /* target */
	assert_no_leak(f);
}

/* Our own local IPs announced: one gratuitous ARP for IP_LIP, which both
 * services list, and none for the peer's, held or not. */
static void
test_own_lips_announce(void **state)
{
	struct fx *f = *state;
	struct frame fr[4];
	uint32_t ip;

	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	assert_int_equal(nc_dp_own_lips_announce(f->dp), 1);
	ctl_round(f);
	assert_int_equal(take(f, 0, fr, RTE_DIM(fr)), 1);
	assert_int_equal(pb_get16(fr[0].b + 12), 0x0806);
	memcpy(&ip, fr[0].b + 28, 4);
	assert_int_equal(ntohl(ip), IP_LIP);         /* sender */
	memcpy(&ip, fr[0].b + 38, 4);
	assert_int_equal(ntohl(ip), IP_LIP);         /* target */
	assert_no_leak(f);
}

/*
 * A peer's UDP flow taken over goes on from the peer's local IP while this
 * dispatcher holds that address; once the address is given back the answers
 * go to the peer, so the client's next datagram opens a flow of ours.
 */
static void
test_udp_given_back(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r;
	struct pb_pkt p;
	struct frame fr;

	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	peer_flow(&r, IPPROTO_UDP, 46000, 5200, SA);
	install_now(f, &r);
	client_pkt(&p, IPPROTO_UDP, 46000);
	via_peer(f, &p, SA, 5200);
	/* given back */
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, false), 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_LIP);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_no_leak(f);
}

static enum nc_miss miss_verdict;
static unsigned int miss_calls;
static uint32_t miss_key[4];   /* the last key asked about */

static enum nc_miss
miss_cb(void *arg, const struct rte_mbuf *m, uint16_t pidx, const uint32_t key[4],
	const struct nc_sync_addr6 *seg6, struct nc_sync_rec *r, struct nc_sync_addr6 *r6,
	struct rte_ether_addr *mac)
{
	static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0x0d, 0x01 };

	(void)arg;
	(void)m;
	(void)pidx;
	(void)r6;
	assert_null(seg6);   /* IPv4 segments */
	miss_calls++;
	memcpy(miss_key, key, sizeof(miss_key));
	assert_int_equal(ntohl(key[0]), IP_CLIENT);
	peer_flow(r, IPPROTO_TCP, 44000, 7000, SA);
	memcpy(mac->addr_bytes, peer_mac, 6);
	return miss_verdict;
}

/* Client packet <p> in on worker 0 and up to the control lcore, whose
 * callback says <verdict>. */
static void
rx_up(struct fx *f, enum nc_miss verdict, const struct pb_pkt *p)
{
	miss_verdict = verdict;
	rx(f, 0, p);
	ctl_round(f);
}

/* A TCP segment of no flow goes up; the callback installs its flow (the
 * segment follows) or sends it on to a peer's MAC, or it is dropped. */
static void
test_miss(void **state)
{
	struct fx *f = *state;
	struct pb_pkt p, want;
	struct frame fr;

	nc_dp_set_miss_cb(f->dp, miss_cb, NULL);
	client_pkt(&p, IPPROTO_TCP, 44000);
	p.tcp_flags = PB_TCP_ACK;
	/* sent on */
	miss_verdict = NC_MISS_REDIRECT;
	rx(f, 0, &p);
	expect_none(f, 0);
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_int_equal(miss_calls, 1);
	assert_int_equal(fr.b[4], 0x0d);             /* to the peer */
	assert_memory_equal(fr.b + 6, mac_port, 6);
	/* dropped */
	rx_up(f, NC_MISS_DROP, &p);
	expect_none(f, 0);
	/* installed: the segment follows */
	rx_up(f, NC_MISS_ADOPT, &p);
	nc_worker_sync_poll(wk(f, 0));
	nc_worker_handoff_poll(wk(f, 0));
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, 7000);
	want.sip = IP_PEER_LIP;
	assert_wire(&fr, &want);
	/* the flow is here now: no more trips up */
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(miss_calls, 3);
	assert_no_leak(f);
}



/*
 * A router hashes its ICMP error by its own header, so in a cluster
 * fragmentation needed about a peer's flow's packet to its client may come
 * here: up it goes with that flow's key, read from the quote (the outer
 * header is the router's), and on to the peer, or, the flow installed
 * here, to the flow's server from the peer's local IP about its own packet.
 */
static void
test_miss_icmp(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[PB_MAX_FRAME];
	struct pb_pkt c, s, e, w;
	struct frame q, fr;
	struct nc_sync_rec r;
	unsigned int calls = miss_calls;

	nc_dp_set_miss_cb(f->dp, miss_cb, NULL);
	/* the peer's answer to the client as it left the peer */
	client_pkt(&c, IPPROTO_TCP, 44000);
	server_pkt(&s, &c, SA, 7000);
	s.tcp_flags = PB_TCP_ACK;
	s.seq = 0x1234;
	w = nat_s2c(&s, &c);
	q.len = pb_build(&w, q.b, sizeof(q.b));
	icmp_err(&e, 0, 3, 1400, &q, buf, 20 + 20);
	memcpy(e.src_mac, mac_gw, 6);
	e.sip = IP_GW;
	e.dip = IP_VIP;
	/* sent on to the peer as it came */
	miss_verdict = NC_MISS_REDIRECT;
	rx(f, 0, &e);
	expect_none(f, 0);
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_int_equal(miss_calls, calls + 1);
	peer_flow(&r, IPPROTO_TCP, 44000, 7000, SA);
	assert_memory_equal(miss_key, r.key, sizeof(miss_key));
	assert_int_equal(fr.b[4], 0x0d);
	assert_int_equal(fr.b[23], IPPROTO_ICMP);
	assert_int_equal(pb_get32(fr.b + 30), IP_VIP);
	/* installed here: the error follows, to the server */
	miss_verdict = NC_MISS_ADOPT;
	rx(f, 0, &e);
	ctl_round(f);
	nc_worker_sync_poll(wk(f, 0));
	nc_worker_handoff_poll(wk(f, 0));
	expect_one(f, 0, &fr);
	assert_frag_needed(&fr, mac_srv[SA], IP_PEER_LIP, IP_SA, 1400);
	assert_int_equal(pb_get32(fr.b + 42 + 12), IP_SA);        /* the quote: */
	assert_int_equal(pb_get32(fr.b + 42 + 16), IP_PEER_LIP);  /* the server's */
	assert_int_equal(pb_get16(fr.b + 62), WEB_SPORT);         /* own packet */
	assert_int_equal(pb_get16(fr.b + 64), 7000);
	assert_int_equal(pb_get32(fr.b + 66), 0x1234);
	assert_int_equal(miss_calls, calls + 2);
	assert_no_leak(f);
}

/*
 * A client reuses the port of a connection that ended here (FIN both ways or
 * RST) for a new one the routers sent through a peer. Installed from that
 * peer's copy, the new connection replaces the ended one; before that, its
 * data on the ended flow is not sent to the old connection's server but
 * looked up like a segment of no flow.
 */
static void
test_port_reused(void **state)
{
	struct fx *f = *state;
	static const uint8_t data[] = "GET / HTTP/1.1\r\n\r\n";
	struct nc_dp_stats st;
	struct nc_sync_rec r;
	struct pb_pkt p;
	struct frame fr;
	unsigned int calls;

	nc_dp_set_miss_cb(f->dp, miss_cb, NULL);
	/* ours, ended by the client's RST */
	client_pkt(&p, IPPROTO_TCP, 45000);
	p.tcp_flags = PB_TCP_SYN;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_LIP);
	p.tcp_flags = PB_TCP_RST;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	/* its port's new connection, a peer's: installed over the ended one */
	peer_flow(&r, IPPROTO_TCP, 45000, 5100, SB);
	install_now(f, &r);
	stats(f, &st);
	assert_int_equal(st.sync_adopted, 1);
	assert_int_equal(st.sync_adopt_exists, 0);
	p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	p.payload = data;
	p.payload_len = sizeof(data) - 1;
	via_peer(f, &p, SB, 5100);

	/* another port: ended here, then data of a peer's connection before
	 * its copy is installed - up to the control lcore, on to the peer */
	client_pkt(&p, IPPROTO_TCP, 45001);
	p.tcp_flags = PB_TCP_SYN;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	p.tcp_flags = PB_TCP_RST;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	p.payload = data;
	p.payload_len = sizeof(data) - 1;
	miss_verdict = NC_MISS_REDIRECT;
	calls = miss_calls;
	rx(f, 0, &p);
	expect_none(f, 0);
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_int_equal(miss_calls, calls + 1);
	assert_memory_equal(fr.b + 6, mac_port, 6);
	assert_no_leak(f);
}

/*
 * A client's SYN went through a peer as well (its retransmission came here:
 * the routers' path changed) and the client took the peer's SYN-ACK. Its
 * acknowledgement here, where the server's SYN-ACK never passed, does not
 * go to this flow's server - which never answered it and would reset the
 * client's connection - but up like a segment of no flow, on to the peer;
 * the flow here is gone (counted), and so are its server's answers. The
 * control: where the SYN-ACK passed here, the client's acknowledgement goes
 * on to the server, nothing counted.
 */
static void
test_answered_elsewhere(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r[4];
	struct nc_dp_stats st;
	struct pb_pkt p, s;
	struct flow tc;
	struct frame fr;
	unsigned int calls, n;

	nc_dp_set_miss_cb(f->dp, miss_cb, NULL);
	open_tcp(f, 45200, &tc);
	client_seg(&p, &tc, PB_TCP_ACK);   /* acknowledges the peer's server's ISN */
	miss_verdict = NC_MISS_REDIRECT;
	calls = miss_calls;
	rx(f, 0, &p);
	expect_none(f, 0);                 /* nothing to this flow's server */
	ctl_round(f);
	expect_one(f, 0, &fr);             /* on to the peer, from us */
	assert_int_equal(miss_calls, calls + 1);
	assert_memory_equal(fr.b + 6, mac_port, 6);
	assert_int_equal(pb_get16(fr.b + 34), 45200);   /* the client's segment as it came */
	assert_int_equal(pb_get32(fr.b + 30), IP_VIP);
	stats(f, &st);
	assert_int_equal(st.sync_answered_elsewhere, 1);
	assert_int_equal(nc_dp_flow_count(f->dp), 0);
	/* its server's SYN-ACK, late: no flow, nothing to the client */
	server_seg(&s, &tc, PB_TCP_SYN | PB_TCP_ACK);
	rx_up(f, NC_MISS_DROP, &s);
	expect_none(f, 0);
	/* the client's next segment: up again, as of no flow */
	rx_up(f, NC_MISS_REDIRECT, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(miss_calls, calls + 2);
	records_drop(f);

	/* the control: the server's SYN-ACK passed here */
	open_tcp(f, 45201, &tc);
	server_seg(&s, &tc, PB_TCP_SYN | PB_TCP_ACK);
	rx(f, 0, &s);
	n = records(f, r, 4);
	assert_int_equal(n, 1);
	nc_dp_sync_send_frame(f->dp, r[0].m);
	ctl_round(f);
	expect_one(f, 0, &fr);
	client_seg(&p, &tc, PB_TCP_ACK);
	p.ack = s.seq + 1;
	c2s_ok(f, &tc, &p);
	stats(f, &st);
	assert_int_equal(st.sync_answered_elsewhere, 1);
	assert_int_equal(miss_calls, calls + 2);
	assert_no_leak(f);
}

static void
tweak_sync_tcpfs(struct nc_config *c)
{
	tweak_sync(c);
	tweak_tcpfs(c);
}

static int setup_sync_tcpfs(void **state) { return setup_with(state, tweak_sync_tcpfs, 0); }

static const char get_req[] = "GET /obj HTTP/1.1\r\nHost: vip\r\n\r\n";
static const char ok_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/* The client's get_req from <cport> at <seq>, acknowledging <ack>. */
static void
get_from(struct pb_pkt *p, uint16_t cport, uint32_t seq, uint32_t ack)
{
	client_pkt(p, IPPROTO_TCP, cport);
	p->tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	p->seq = seq;
	p->ack = ack;
	p->payload = (const uint8_t *)get_req;
	p->payload_len = (uint16_t)(sizeof(get_req) - 1);
}

/*
 * TCP with the fail-safe: a complete request held is reported with its
 * bytes and where the connection stands, and released when its answer
 * begins. A survivor given such a request follows the connection as the
 * fail-safe would: unanswered at its deadline - its answer may have gone to
 * the dead dispatcher - it goes once more to the same server (the old
 * connection reset from the peer's local port, a new one from a port of ours
 * whose SYN starts at the request's first byte), and unanswered again it
 * moves to b.
 */
static void
test_tcp_held(void **state)
{
	struct fx *f = *state;
	const uint16_t len = (uint16_t)(sizeof(get_req) - 1);
	struct nc_sync_rec r[8], pr, h;
	struct pb_pkt p;
	struct flow fl;
	struct frame fr[4];
	unsigned int n;
	uint32_t seq;

	tc_syn(f, 45000, 1000, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, 5000, 1001, NULL, 0);
	rx(f, 0, &p);
	n = records(f, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_true(r[0].flags & NC_SYNC_F_FRESH);   /* where both streams start */
	assert_int_equal(r[0].tcp.c_isn, 1000);
	assert_int_equal(r[0].tcp.srv_isn, 5000);
	nc_dp_sync_send_frame(f->dp, r[0].m);   /* the SYN-ACK, once the record left */
	ctl_round(f);
	assert_int_equal(take(f, 0, fr, 4), 1);
	tc_client(&p, &fl, PB_TCP_ACK, 1001, 5001, NULL, 0);
	c2s_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, 1001, 5001, get_req, len);
	c2s_ok(f, &fl, &p);
	n = records(f, r, 8);
	assert_int_equal(n, 2);
	/* the first byte: no longer just accepted (the SYN-ACK's record was) */
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_false(r[0].flags & NC_SYNC_F_FRESH);
	r[0] = r[1];
	assert_int_equal(r[0].op, NC_SYNC_HELD);
	assert_int_equal(r[0].tcp.start, 1001);
	assert_int_equal(r[0].tcp.c_isn, 1000);
	assert_int_equal(r[0].tcp.srv_isn, 5000);
	assert_int_equal(r[0].tcp.s_next, 5001);
	assert_int_equal(r[0].tcp.method, 1);   /* GET */
	assert_int_equal(rte_pktmbuf_data_len(r[0].m), len);
	assert_memory_equal(rte_pktmbuf_mtod(r[0].m, uint8_t *), get_req, len);
	rte_pktmbuf_free(r[0].m);
	/* a retransmission is not reported again */
	c2s_ok(f, &fl, &p);
	assert_int_equal(records(f, r, 8), 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, 5001, 1001 + len, ok_resp,
		  (uint16_t)(sizeof(ok_resp) - 1));
	s2c_ok(f, &fl, &p);
	n = records(f, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].op, NC_SYNC_RELEASE);

	/* a peer's connection with its request unanswered */
	peer_flow(&pr, IPPROTO_TCP, 46000, 8000, SA);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);   /* taken over */
	assert_int_equal(nc_dp_sync_adopt(f->dp, &pr, NULL, NULL), 0);
	client_pkt(&p, IPPROTO_TCP, 46000);
	p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	p.seq = 2001;
	p.ack = 6001;
	p.payload = (const uint8_t *)get_req;
	p.payload_len = len;
	h = pr;
	h.op = NC_SYNC_HELD;
	h.ttl_ms = 30;
	h.m = mk(&p);
	h.tcp = (struct nc_sync_tcp){ .start = 2001, .c_isn = 2000, .srv_isn = 6000, .s_next = 6001,
				      .method = 1, .minor = 1 };
	assert_int_equal(nc_dp_sync_adopt(f->dp, &h, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 2);
	assert_int_equal(fs_wait(f, 0, 10), 0);
	expect_none(f, 0);
	/* unanswered at its deadline: its answer may have gone to the dead
	 * dispatcher, so once more to the same server, on a new connection */
	assert_int_equal(fs_wait(f, 0, 25), 1);
	n = take(f, 0, fr, 4);
	assert_int_equal(n, 2);
	/* the old connection reset, from the peer's local port */
	assert_int_equal(pb_get32(fr[0].b + 26), IP_PEER_LIP);
	assert_int_equal(pb_get32(fr[0].b + 30), IP_SA);
	assert_int_equal(pb_get16(fr[0].b + 34), 8000);
	assert_true(fr[0].b[47] & PB_TCP_RST);
	/* a new one from ours, its SYN at the request's first byte */
	assert_int_equal(pb_get32(fr[1].b + 26), IP_LIP);
	assert_int_equal(pb_get32(fr[1].b + 30), IP_SA);
	assert_int_equal(fr[1].b[47], PB_TCP_SYN);
	seq = pb_get32(fr[1].b + 38);
	assert_int_equal(seq, 2000);
	/* a does not answer that either: now it is a's failure, to b */
	assert_int_equal(fs_wait(f, 0, 35), 1);
	n = take(f, 0, fr, 4);
	assert_int_equal(n, 2);
	assert_int_equal(pb_get32(fr[0].b + 30), IP_SA);
	assert_true(fr[0].b[47] & PB_TCP_RST);
	assert_int_equal(pb_get32(fr[1].b + 26), IP_LIP);
	assert_int_equal(pb_get32(fr[1].b + 30), IP_SB);
	assert_int_equal(fr[1].b[47], PB_TCP_SYN);
	assert_int_equal(pb_get32(fr[1].b + 38), 2000);
	/* b accepts: the appliance acknowledges it and sends it the request,
	 * acknowledging what the client had (6001) in b's space */
	{
		struct flow nf = { .c = p, .server = SB, .lport = pb_get16(fr[1].b + 34), .owner = 0 };
		struct nc_failsafe_view v;

		nf.c.tcp_flags = PB_TCP_SYN;
		nf.c.payload = NULL;
		nf.c.payload_len = 0;
		expect_splice(f, &nf, 9000, 2001, &p, 1, 9001);
		n = records(f, r, 8);   /* the moves and the splice are reported */
		for (unsigned int i = 0; i < n; i++)
			rte_pktmbuf_free(r[i].m);
		fs_web(f, &v);
		assert_int_equal(v.held_now, 1);   /* until b answers */
		assert_int_equal(v.replays, 1);
		/* b's answer reaches the client where it expects the server's
		 * next byte, and lets the request go */
		tc_server(&p, &nf, SB, PB_TCP_ACK | PB_TCP_PSH, 9001, 2001 + len, ok_resp,
			  (uint16_t)(sizeof(ok_resp) - 1));
		s2c_at(f, &nf, &p, 6001);
		fs_web(f, &v);
		assert_int_equal(v.held_now, 0);
	}
}


static void
tweak_sync_plain(struct nc_config *c)
{
	tweak_sync(c);
	c->services[SVC_DNS].failsafe.enabled = false;   /* the workers on the real clock */
}

static int setup_sync_stall(void **state) { return setup_with(state, tweak_sync_plain, 50); }

/* A worker loop that stood still longer than the stall limit (a frozen
 * process) quarantines the data plane: its flows' packets are dropped as
 * "stalled" - a peer may have them now - until the control lcore resumes
 * it; the control lcore's traffic still goes up. */
static void
test_quarantine(void **state)
{
	struct fx *f = *state;
	uint8_t q[8] = { 0 };
	struct nc_dp_stats st;
	struct pb_pkt p;
	struct flow fl;

	dns_req(&p, IP_CLIENT, 38000, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_false(nc_dp_sync_quarantined(f->dp));
	sleep_ms(80);
	tick(f, 0);
	assert_true(nc_dp_sync_quarantined(f->dp));
	rx(f, 0, &p);
	expect_none(f, 0);
	stats(f, &st);
	assert_int_equal(st.drop[NC_DROP_STALLED], 1);
	nc_dp_sync_resume(f->dp);
	c2s_ok(f, &fl, &p);
	records(f, (struct nc_sync_rec[4]){ 0 }, 4);
	assert_no_leak(f);
}


/* UDP flows idle out after 1 s. */
static void
tweak_sync_idle(struct nc_config *c)
{
	tweak_sync_plain(c);
	c->limits.udp_idle_s = 1;
}

static int setup_sync_stall_idle(void **state) { return setup_with(state, tweak_sync_idle, 50); }

/*
 * Frozen with a frame built and not yet sent, and past a flow's idle time:
 * once the stall is seen, the frame is dropped as "stalled" (it is as old
 * as the stall, and a peer may use its 4-tuple now) and the flow is not
 * expired - nor its close reported to the peers - while quarantined; it
 * expires once the data plane resumes.
 */
static void
test_quarantine_stale(void **state)
{
	struct fx *f = *state;
	uint8_t q[8] = { 0 };
	struct nc_sync_rec r[4];
	struct nc_dp_stats st;
	struct pb_pkt p;
	struct flow fl;

	dns_req(&p, IP_CLIENT, 38010, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	records_drop(f);
	rx(f, 0, &p);   /* forwarded: waits in the worker's buffer */
	sleep_ms(1200);
	tick(f, 0);
	assert_true(nc_dp_sync_quarantined(f->dp));
	expect_none(f, 0);
	stats(f, &st);
	assert_int_equal(st.drop[NC_DROP_STALLED], 1);
	assert_int_equal(nc_worker_expire(wk(f, 0), 256), 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_int_equal(records(f, r, 4), 0);
	nc_dp_sync_resume(f->dp);
	assert_int_equal(nc_worker_expire(wk(f, 0), 256), 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_int_equal(records(f, r, 4), 1);
	assert_int_equal(r[0].op, NC_SYNC_CLOSE);
	assert_no_leak(f);
}

/* <sv>: a's segment to the peer's local IP and <lport> on client <c>'s
 * connection, <flags> at <seq> acknowledging <ack>, carrying ok_resp when
 * <answer>. */
static void
peer_server_seg(struct pb_pkt *sv, const struct pb_pkt *c, uint16_t lport, uint8_t flags,
		uint32_t seq, uint32_t ack, int answer)
{
	server_pkt(sv, c, SA, lport);
	sv->dip = IP_PEER_LIP;
	sv->tcp_flags = flags;
	sv->seq = seq;
	sv->ack = ack;
	sv->payload = answer ? (const uint8_t *)ok_resp : NULL;
	sv->payload_len = answer ? (uint16_t)(sizeof(ok_resp) - 1) : 0;
}

/* On a taken-over connection of the peer's local IP and <lport>, client
 * <cport>'s request get_req at <seq> acknowledging <ack> goes to SA and is
 * held; SA's answer at <ack> comes back and releases it. */
static void
request_answered(struct fx *f, uint16_t cport, uint16_t lport, uint32_t seq, uint32_t ack)
{
	const uint16_t len = (uint16_t)(sizeof(get_req) - 1);
	struct nc_failsafe_view v;
	struct pb_pkt p, sv;
	struct frame fr;

	get_from(&p, cport, seq, ack);
	via_peer(f, &p, SA, lport);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 1);   /* held: it can move now */
	peer_server_seg(&sv, &p, lport, PB_TCP_ACK | PB_TCP_PSH, ack, seq + len, 1);
	rx(f, 0, &sv);
	expect_one(f, 0, &fr);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 0);   /* answered */
	{
		struct nc_sync_rec r[8];
		unsigned int n = records(f, r, 8), i;

		for (i = 0; i < n; i++)
			rte_pktmbuf_free(r[i].m);
	}
}

/* A peer's connection taken over mid-life with nothing unanswered: the
 * fail-safe picks it up at the client's next request - its sequence number
 * and acknowledgement say where both streams stand - and holds that
 * request until its answer. */
static void
test_resume(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec pr;

	peer_flow(&pr, IPPROTO_TCP, 47000, 9000, SA);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &pr, NULL, NULL), 0);
	nc_worker_sync_poll(wk(f, 0));
	request_answered(f, 47000, 9000, 3001, 7001);
	assert_no_leak(f);
}

/* A peer's connection taken over mid-life from the record <flags> (client
 * ISN 3000, told with NC_SYNC_F_ISN), requests passed through the peer
 * before: the fail-safe takes it up at the client's request from 5001. Its
 * client's SYN at <seq> is then sent; returns the frame that leaves. */
static void
resumed_syn(struct fx *f, uint16_t cport, uint16_t lport, uint8_t flags, uint32_t seq,
	    struct frame *fr)
{
	struct nc_sync_rec pr;
	struct pb_pkt p;

	peer_flow(&pr, IPPROTO_TCP, cport, lport, SA);
	pr.flags = flags;
	pr.tcp.c_isn = 3000;
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	install_now(f, &pr);
	request_answered(f, cport, lport, 5001, 8001);
	client_pkt(&p, IPPROTO_TCP, cport);
	p.tcp_flags = PB_TCP_SYN;
	p.seq = seq;
	rx(f, 0, &p);
	expect_one(f, 0, fr);
	assert_true(fr->b[47] & PB_TCP_SYN);
}

/*
 * The client's SYN sent again on a connection taken over mid-life (a late
 * copy of it, say) goes on to its server, which has the connection and
 * answers it with an acknowledgement: the record said where the connection
 * started, though the fail-safe took it up only at a later request.
 * Another SYN on the port is a new connection: a flow of ours.
 */
static void
test_resume_syn_again(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r[8];
	struct frame fr;

	resumed_syn(f, 47200, 9200, NC_SYNC_F_ISN, 3000, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_PEER_LIP);
	assert_int_equal(pb_get16(fr.b + 34), 9200);
	assert_int_equal(pb_get32(fr.b + 38), 3000);
	/* its bulk copy passes the ISN on (the fail-safe reads from 5001) */
	records_drop(f);
	walk_all(f);
	assert_int_equal(records(f, r, 8), 1);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_true(r[0].flags & NC_SYNC_F_ISN);
	assert_int_equal(r[0].tcp.c_isn, 3000);
	resumed_syn(f, 47201, 9201, NC_SYNC_F_ISN, 777777, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_LIP);
	records_drop(f);
}

/* Without the client's ISN in the record, any SYN on a connection taken
 * over mid-life is a new connection. */
static void
test_resume_syn_unknown(void **state)
{
	struct fx *f = *state;
	struct frame fr;

	resumed_syn(f, 47202, 9202, 0, 3000, &fr);
	assert_int_equal(pb_get32(fr.b + 26), IP_LIP);
	records_drop(f);
}

/*
 * The records of a connection of a fail-safe service carry its client's
 * ISN from its server's SYN-ACK on (NC_SYNC_F_ISN), bulk copies of it too,
 * after requests passed: a survivor knows the connection's own SYN for
 * the connection's whole life.
 */
static void
test_records_isn(void **state)
{
	struct fx *f = *state;
	const uint16_t len = (uint16_t)(sizeof(get_req) - 1);
	struct nc_sync_rec r[8];
	struct pb_pkt p;
	struct frame fr;
	struct flow fl;
	unsigned int n, i, flows = 0;

	tc_syn(f, 45100, 1000, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, 5000, 1001, NULL, 0);
	rx(f, 0, &p);
	n = records(f, r, 8);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].flags & (NC_SYNC_F_FRESH | NC_SYNC_F_ISN), NC_SYNC_F_FRESH | NC_SYNC_F_ISN);
	assert_int_equal(r[0].tcp.c_isn, 1000);
	nc_dp_sync_send_frame(f->dp, r[0].m);
	ctl_round(f);
	expect_one(f, 0, &fr);   /* the SYN-ACK, once the record left */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, 1001, 5001, get_req, len);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, 5001, 1001 + len, ok_resp,
		  (uint16_t)(sizeof(ok_resp) - 1));
	s2c_ok(f, &fl, &p);
	records_drop(f);
	walk_all(f);
	n = records(f, r, 8);
	for (i = 0; i < n; i++) {
		if (r[i].op == NC_SYNC_FLOW) {
			flows++;
			assert_true(r[i].flags & NC_SYNC_F_BULK);
			assert_true(r[i].flags & NC_SYNC_F_ISN);
			assert_false(r[i].flags & NC_SYNC_F_FRESH);
			assert_int_equal(r[i].tcp.c_isn, 1000);
		}
		rte_pktmbuf_free(r[i].m);
	}
	assert_int_equal(flows, 1);
	assert_no_leak(f);
}

/*
 * A peer's connection reported as just accepted, whose first exchange then
 * went through the peer before it died - the record saying so died with it:
 * the client's next request (past its first byte, acknowledging server
 * bytes) is that of a connection mid-life. It goes on and is held from
 * there, and its answer comes back; followed from the first byte, it would
 * have been dropped as a gap, and a move would have replayed it
 * acknowledging bytes the new server never sent.
 */
static void
test_fresh_stale(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec pr;

	fresh_flow(&pr, 47100, 9100, SA, 1000, 90000);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	install_now(f, &pr);
	/* a 50-byte request and a 200-byte answer went through the peer */
	request_answered(f, 47100, 9100, 1001 + 50, 90001 + 200);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* A peer's connection as the peer last told it (its record's <flags>):
 * request get_req held from 2001 (client ISN 2000), the server's stream at
 * 6001 (ISN 6000), on the peer's local IP and <lport>, both installed here
 * as a takeover does. */
static void
adopt_peer_held(struct fx *f, uint16_t cport, uint16_t lport, uint8_t flags, struct pb_pkt *p)
{
	struct nc_sync_rec pr, h;

	peer_flow(&pr, IPPROTO_TCP, cport, lport, SA);
	pr.flags = flags;
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &pr, NULL, NULL), 0);
	get_from(p, cport, 2001, 6001);
	h = pr;
	h.op = NC_SYNC_HELD;
	h.ttl_ms = 30;
	h.m = mk(p);
	h.tcp = (struct nc_sync_tcp){ .start = 2001, .c_isn = 2000, .srv_isn = 6000, .s_next = 6001,
				      .method = 1, .minor = 1 };
	assert_int_equal(nc_dp_sync_adopt(f->dp, &h, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 2);
}

/*
 * A peer's held request whose answer reached its client through the peer
 * just before the peer died, the release record lost with it: the client's
 * next request acknowledges the whole answer, past where the record left
 * the server's stream. That request is the one owed an answer now: it goes
 * to the server, whose answer reaches the client where it expects it and
 * lets it go; the old request is not sent anywhere again.
 */
static void
test_tcp_held_answered(void **state)
{
	struct fx *f = *state;
	const uint16_t len = (uint16_t)(sizeof(get_req) - 1), rlen = (uint16_t)(sizeof(ok_resp) - 1);
	struct nc_failsafe_view v;
	struct pb_pkt p, sv, want;
	struct frame fr;

	adopt_peer_held(f, 46100, 8100, 0, &p);
	/* the next request, after the whole answer to the first */
	p.seq = 2001 + len;
	p.ack = 6001 + rlen;
	via_peer(f, &p, SA, 8100);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 1);   /* that request, until its answer */
	peer_server_seg(&sv, &p, 8100, PB_TCP_ACK | PB_TCP_PSH, 6001 + rlen, 2001 + 2 * len, 1);
	rx(f, 0, &sv);
	expect_one(f, 0, &fr);
	want = nat_s2c(&sv, &p);
	assert_wire(&fr, &want);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 0);   /* answered */
	/* past the old request's deadline: nothing moves, nothing is sent */
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	fs_web(f, &v);
	assert_int_equal(v.replays, 0);
	assert_int_equal(v.resets, 0);
	records_drop(f);
	assert_no_leak(f);
}

/*
 * The same, the server first: the next request reached it through the peer
 * (which died before reporting it), and its answer, sent again, comes here
 * before anything of the client's. It is past where the record left the
 * server's stream: the held request had its answer, and this one goes on to
 * the client as the server sent it.
 */
static void
test_tcp_held_answered_server_first(void **state)
{
	struct fx *f = *state;
	const uint16_t len = (uint16_t)(sizeof(get_req) - 1), rlen = (uint16_t)(sizeof(ok_resp) - 1);
	struct nc_failsafe_view v;
	struct pb_pkt p, sv, want;
	struct frame fr;

	adopt_peer_held(f, 46200, 8200, 0, &p);
	peer_server_seg(&sv, &p, 8200, PB_TCP_ACK | PB_TCP_PSH, 6001 + rlen, 2001 + 2 * len, 1);
	rx(f, 0, &sv);
	expect_one(f, 0, &fr);
	want = nat_s2c(&sv, &p);
	assert_wire(&fr, &want);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 0);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	/* the client's next request is followed from where it stands */
	p.seq = 2001 + 2 * len;
	p.ack = 6001 + 2 * rlen;
	via_peer(f, &p, SA, 8200);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 1);
	assert_int_equal(v.replays, 0);
	records_drop(f);
	assert_no_leak(f);
}

/*
 * The same with "Connection: close": the answer went through the peer and
 * only the server's FIN after it comes here - alone, past where the record
 * left the server's stream. The held request had its answer: the FIN goes
 * on to the client, nothing moves, nothing is reset, nothing is dropped.
 */
static void
test_tcp_held_answered_fin(void **state)
{
	struct fx *f = *state;
	const uint16_t len = (uint16_t)(sizeof(get_req) - 1), rlen = (uint16_t)(sizeof(ok_resp) - 1);
	struct nc_failsafe_view v;
	struct pb_pkt p, sv, want;
	struct frame fr;

	adopt_peer_held(f, 46250, 8250, 0, &p);
	peer_server_seg(&sv, &p, 8250, PB_TCP_ACK | PB_TCP_FIN, 6001 + rlen, 2001 + len, 0);
	rx(f, 0, &sv);
	expect_one(f, 0, &fr);
	want = nat_s2c(&sv, &p);
	assert_wire(&fr, &want);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 0);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	fs_web(f, &v);
	assert_int_equal(v.replays, 0);
	assert_int_equal(v.resets, 0);
	assert_int_equal(drops_total(f), 0);
	records_drop(f);
	assert_no_leak(f);
}

/* Frame <fr> is a move's SYN asking for SACK: SACK-permitted alone (a
 * survivor has no MSS of the client's). */
static void
expect_sack_syn(const struct frame *fr)
{
	static const uint8_t sack_p[4] = { 1, 1, 4, 2 };

	assert_int_equal(fr->b[47], PB_TCP_SYN);
	assert_int_equal(fr->b[46], 0x60);
	assert_memory_equal(fr->b + 54, sack_p, sizeof(sack_p));
}

/*
 * SACK, agreed by a client and its server, travels with the flow's record
 * (not when the server declined it); a survivor's move of such a connection
 * with a request taken over asks the new connection's server for SACK too.
 */
static void
test_tcp_sack_synced(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r[8];
	struct pb_pkt p;
	struct flow fl;
	struct frame fr[4];
	unsigned int n, i;

	web_b_up(f, 0);   /* both connections on a */
	for (i = 0; i < 2; i++) {
		tc_syn(f, (uint16_t)(45300 + i), 1000, 1, &fl);
		tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, 5000, 1001, NULL, 0);
		if (i == 0)
			rx_opt(f, &p, mss_sack_opt, sizeof(mss_sack_opt));
		else
			rx(f, 0, &p);
		n = records(f, r, 8);
		assert_int_equal(n, 1);
		assert_int_equal(r[0].op, NC_SYNC_FLOW);
		assert_true(r[0].flags & NC_SYNC_F_FRESH);
		assert_int_equal(!!(r[0].flags & NC_SYNC_F_SACK), i == 0);
		nc_dp_sync_send_frame(f->dp, r[0].m);
		ctl_round(f);
		assert_int_equal(take(f, 0, fr, 4), 1);
	}
	web_b_up(f, 1);

	/* a peer's connection that has SACK, its request unanswered */
	adopt_peer_held(f, 46300, 8300, NC_SYNC_F_SACK, &p);
	assert_int_equal(fs_wait(f, 0, 35), 1);
	n = take(f, 0, fr, 4);
	assert_int_equal(n, 2);
	assert_true(fr[0].b[47] & PB_TCP_RST);
	expect_sack_syn(&fr[1]);
	records_drop(f);
}

/* The same for a peer's connection with SACK taken over just accepted,
 * followed here from its first byte. */
static void
test_tcp_sack_fresh(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec pr;
	struct pb_pkt p;
	struct frame fr[4];

	fresh_flow(&pr, 46301, 8301, SA, 1000, 90000);
	pr.flags |= NC_SYNC_F_SACK;
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	install_now(f, &pr);
	get_from(&p, 46301, 1001, 90001);
	via_peer(f, &p, SA, 8301);
	assert_int_equal(fs_wait(f, 0, 35), 1);
	assert_int_equal(take(f, 0, fr, 4), 2);
	expect_sack_syn(&fr[1]);
	records_drop(f);
}

/*
 * A request with a hole (a client segment lost inside its body, the next
 * one passed and held) is not reported while the hole is open; the
 * client's resend of the hole makes it whole, and the peers get it then,
 * its bytes in order.
 */
static void
test_tcp_held_hole(void **state)
{
	struct fx *f = *state;
	static const char head[] = "POST /up HTTP/1.1\r\nContent-Length: 600\r\n\r\n";
	const uint16_t h = (uint16_t)(sizeof(head) - 1);
	uint8_t req[sizeof(head) - 1 + 600];
	struct nc_sync_rec r[8];
	struct pb_pkt p;
	struct flow fl;
	unsigned int i;

	memcpy(req, head, h);
	for (i = 0; i < 600; i++)
		req[h + i] = (uint8_t)('a' + i % 26);
	tc_syn(f, 45100, 1000, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, 5000, 1001, NULL, 0);
	rx(f, 0, &p);
	records_drop(f);
	tc_client(&p, &fl, PB_TCP_ACK, 1001, 5001, NULL, 0);
	c2s_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK, 1001, 5001, req, h);
	c2s_ok(f, &fl, &p);
	/* body bytes 300..600 past the lost 0..300 */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, 1001 + h + 300, 5001, req + h + 300, 300);
	c2s_ok(f, &fl, &p);
	for (i = records(f, r, 8); i-- > 0;) {
		assert_int_not_equal(r[i].op, NC_SYNC_HELD);
		if (r[i].m != NULL)
			rte_pktmbuf_free(r[i].m);
	}
	tc_client(&p, &fl, PB_TCP_ACK, 1001 + h, 5001, req + h, 300);
	c2s_ok(f, &fl, &p);
	assert_int_equal(records(f, r, 8), 1);
	assert_int_equal(r[0].op, NC_SYNC_HELD);
	assert_int_equal(r[0].tcp.start, 1001);
	assert_int_equal(rte_pktmbuf_data_len(r[0].m), sizeof(req));
	assert_memory_equal(rte_pktmbuf_mtod(r[0].m, uint8_t *), req, sizeof(req));
	rte_pktmbuf_free(r[0].m);
	assert_int_equal(drops_total(f), 0);
	records_drop(f);
}

/*
 * A peer's connection installed here, then its client's next request
 * (followed from there: it stands at a message boundary), and only then the
 * peer's record of an older request held, from a later slice of the
 * takeover: what this dispatcher followed itself is newer, and stays. The
 * request owed an answer is the client's latest: unanswered, it moves to b
 * as a failure of a, from its own first byte.
 */
static void
test_tcp_held_after_resume(void **state)
{
	struct fx *f = *state;
	const uint16_t len = (uint16_t)(sizeof(get_req) - 1), rlen = (uint16_t)(sizeof(ok_resp) - 1);
	struct nc_failsafe_view v;
	struct nc_sync_rec pr, h;
	struct pb_pkt p, old;
	struct frame fr[4];

	peer_flow(&pr, IPPROTO_TCP, 46300, 8300, SA);
	assert_int_equal(nc_dp_lip_hold(f->dp, IP_PEER_LIP, true), 0);
	install_now(f, &pr);
	client_pkt(&p, IPPROTO_TCP, 46300);
	p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	p.seq = 2001 + len;
	p.ack = 6001 + rlen;
	p.payload = (const uint8_t *)get_req;
	p.payload_len = len;
	via_peer(f, &p, SA, 8300);
	old = p;
	old.seq = 2001;
	old.ack = 6001;
	h = pr;
	h.op = NC_SYNC_HELD;
	h.ttl_ms = 30;
	h.m = mk(&old);
	h.tcp = (struct nc_sync_tcp){ .start = 2001, .c_isn = 2000, .srv_isn = 6000, .s_next = 6001,
				      .method = 1, .minor = 1 };
	assert_int_equal(nc_dp_sync_adopt(f->dp, &h, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	fs_web(f, &v);
	assert_int_equal(v.held_now, 1);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	assert_int_equal(take(f, 0, fr, 4), 2);
	assert_int_equal(pb_get32(fr[0].b + 30), IP_SA);   /* a's connection reset */
	assert_true(fr[0].b[47] & PB_TCP_RST);
	assert_int_equal(pb_get32(fr[1].b + 30), IP_SB);   /* b's opened at the latest request */
	assert_int_equal(fr[1].b[47], PB_TCP_SYN);
	assert_int_equal(pb_get32(fr[1].b + 38), 2001 + len - 1);
	records_drop(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpsync"); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_records, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_proxy, setup_sync_proxy, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_tcp, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_stale_port, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_stale_copy, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_again, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_again, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_held, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_held_then_failure, setup_sync_one_replay,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_adopt_room, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_walk_flush, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_lip_hold, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_own_lips_announce, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_udp_given_back, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_miss, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_miss_icmp, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_port_reused, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_answered_elsewhere, setup_sync, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_held, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_quarantine, setup_sync_stall, fx_teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_stale, setup_sync_stall_idle, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resume_syn_again, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resume_syn_unknown, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_records_isn, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fresh_stale, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_held_answered, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_held_answered_server_first, setup_sync_tcpfs,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_held_answered_fin, setup_sync_tcpfs,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_held_hole, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_sack_synced, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_sack_fresh, setup_sync_tcpfs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp_held_after_resume, setup_sync_tcpfs, fx_teardown),
	};

	return cmocka_run_group_tests_name("dp_sync", tests, eal_setup, fx_eal_teardown);
}
