/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the worker's NAT, driven without a NIC through the data-path
 * fixture (dp_fixture.h): bytes on the wire of both legs, checksums on the
 * one's complement edges, schedule order, stickiness, UDP, flows that open,
 * close and expire, a full flow table, malformed frames in one burst, the
 * NIC's checksum flag, a full transmit buffer, bursts over 64 and two
 * workers handing packets to each other. Every test ends with the mbuf pool
 * as full as it started: nothing is lost or leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_dp.h"
#include "nc_net.h"
#include "nc_sched.h"
#include "pkt_build.h"
#include "dp_fixture.h"

static void
tweak_small_table(struct nc_config *c)
{
	c->limits.max_flows = 4;
}

static void
tweak_burst_512(struct nc_config *c)
{
	c->workers.burst = 512;
}

/* web on server a alone: a flow opened again goes to the same server */
static void
tweak_web_one_server(struct nc_config *c)
{
	c->services[SVC_WEB].n_servers = 1;
}

static int setup_small_table(void **state) { return fx_setup(state, tweak_small_table); }
static int setup_web_one_server(void **state) { return fx_setup(state, tweak_web_one_server); }
static int setup_two_workers(void **state) { return fx_setup(state, tweak_two_workers); }
static int setup_burst_512(void **state) { return fx_setup(state, tweak_burst_512); }
static int setup_two_workers_rss(void **state) { return fx_setup_rss(state, tweak_two_workers); }

/*
 * Choose the 16-bit word at byte <off> of <payload> so that the L4 checksum
 * of the frame built from <out> is exactly <csum> by full recomputation (0xffff
 * cannot be computed: it gives 0x0000, or 0xffff for UDP). <payload> is the
 * buffer <out> and the packet sent both point to.
 */
static void
force_l4_csum(struct pb_pkt *out, uint8_t *payload, uint16_t off, uint16_t csum)
{
	uint8_t b[PB_MAX_FRAME];
	uint32_t l4off = PB_ETH_LEN + 20, l4len, s, target, x;

	pb_put16(payload + off, 0);
	pb_build(out, b, sizeof(b));
	l4len = pb_get16(b + PB_IP_OFF + 2) - 20u;
	pb_put16(b + l4off + (out->proto == IPPROTO_TCP ? 16 : 6), 0);
	/* s: folded sum of everything but the chosen word */
	s = (uint16_t)~pb_csum(b + l4off, l4len, pb_pseudo_sum(out->sip, out->dip, out->proto,
							       (uint16_t)l4len));
	target = (uint16_t)~csum;   /* the folded sum the checksum is the complement of */
	if (target == 0)
		target = 0xffff;        /* a non-zero sum folds to 1..0xffff */
	x = (target + 0xffff - s) % 0xffff;
	pb_put16(payload + off, (uint16_t)x);
}

/* -------------------------------------------------------------- tests */

/* Full NAT both ways on a TCP connection: every byte on the wire. */
static void
test_nat_tcp_both_ways(void **state)
{
	struct fx *f = *state;
	static const char get[] = "GET /index.html HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	static struct nc_dp_stats st;
	struct pb_pkt p, s;
	struct flow fl;

	client_pkt(&p, IPPROTO_TCP, 40000);
	p.tcp_doff = 10;              /* SYN with 20 option bytes */
	p.tos = 0x28;
	p.ip_id = 0xa1b2;
	p.ttl = 57;
	p.window = 29200;
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);   /* ratio 30/70 starts at A */

	server_seg(&s, &fl, PB_TCP_SYN | PB_TCP_ACK);
	s.tcp_doff = 8;
	s2c_ok(f, &fl, &s);

	client_seg(&p, &fl, PB_TCP_ACK | PB_TCP_PSH);
	p.payload = (const uint8_t *)get;
	p.payload_len = sizeof(get) - 1;
	c2s_ok(f, &fl, &p);

	server_seg(&s, &fl, PB_TCP_ACK | PB_TCP_PSH);
	s.payload = (const uint8_t *)resp;
	s.payload_len = sizeof(resp) - 1;
	s.frag = 0;
	s2c_ok(f, &fl, &s);

	/* short ACK with Ethernet padding: padding kept, lengths untouched */
	client_seg(&p, &fl, PB_TCP_ACK);
	p.pad = 6;
	c2s_ok(f, &fl, &p);

	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, 1);
	assert_int_equal(st.svc[SVC_WEB].pkts_c2s, 3);
	assert_int_equal(st.svc[SVC_WEB].pkts_s2c, 2);
	assert_int_equal(st.rx[0], 5);
	assert_int_equal(st.tx[0], 5);
	assert_int_equal(drops_total(f), 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_int_equal(nc_dp_flow_count(f->dp), 1);
	assert_no_leak(f);
}

/* Checksums that land on the one's complement edges after the rewrite. */
static void
test_nat_checksum_edges(void **state)
{
	struct fx *f = *state;
	static const uint16_t targets[] = { 0x0000, 0x0001, 0xfffe, 0xffff };
	uint8_t payload[32];
	struct pb_pkt p, s, want;
	struct flow fl;
	struct frame fr;
	unsigned int i;

	memset(payload, 0x5a, sizeof(payload));
	open_tcp(f, 40001, &fl);
	for (i = 0; i < RTE_DIM(targets); i++) {
		/* client -> server: the rewritten TCP checksum is targets[i] */
		client_seg(&p, &fl, PB_TCP_ACK);
		p.payload = payload;
		p.payload_len = sizeof(payload);
		want = nat_c2s(&p, fl.server, fl.lport);
		force_l4_csum(&want, payload, 10, targets[i]);
		rx(f, 0, &p);
		expect_one(f, 0, &fr);
		if (targets[i] != 0xffff)   /* TCP never computes 0xffff: 0x0000 instead */
			assert_int_equal(pb_get16(fr.b + 34 + 16), targets[i]);
		assert_wire(&fr, &want);
		/* server -> client */
		server_seg(&s, &fl, PB_TCP_ACK);
		s.payload = payload;
		s.payload_len = sizeof(payload);
		want = nat_s2c(&s, &fl.c);
		force_l4_csum(&want, payload, 4, targets[i]);
		rx(f, 0, &s);
		expect_one(f, 0, &fr);
		assert_wire(&fr, &want);
		/* the received frame itself had the edge checksum */
		client_seg(&p, &fl, PB_TCP_ACK);
		p.payload = payload;
		p.payload_len = sizeof(payload);
		force_l4_csum(&p, payload, 20, targets[i]);
		want = nat_c2s(&p, fl.server, fl.lport);
		rx(f, 0, &p);
		expect_one(f, 0, &fr);
		assert_wire(&fr, &want);
	}
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* New flows follow the 30/70 ratio schedule: A B B A B B. */
static void
test_schedule_sequence(void **state)
{
	struct fx *f = *state;
	static const int want[] = { SA, SB, SB, SA, SB, SB, SA, SB, SB };
	static struct nc_dp_stats st;
	struct flow fl[RTE_DIM(want)];
	const struct nc_schedule *s = nc_dp_schedule(f->dp, SVC_WEB);
	unsigned int i;

	assert_non_null(s);
	assert_int_equal(s->n_slots, 3);
	assert_int_equal(s->slot[0], 0);
	assert_int_equal(s->slot[1], 1);
	assert_int_equal(s->slot[2], 1);
	for (i = 0; i < RTE_DIM(want); i++) {
		open_tcp(f, (uint16_t)(41000 + i), &fl[i]);
		if (fl[i].server != want[i])
			print_error("flow %u went to %c, want %c\n", i, 'A' + fl[i].server, 'A' + want[i]);
		assert_int_equal(fl[i].server, want[i]);
	}
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, RTE_DIM(want));
	assert_int_equal(st.svc[SVC_WEB].server_flows[SA], 3);
	assert_int_equal(st.svc[SVC_WEB].server_flows[SB], 6);
	/* flows of one service do not move another service's cursor */
	{
		struct pb_pkt u;
		struct flow d0, d1;

		client_pkt(&u, IPPROTO_UDP, 53000);
		open_flow(f, 0, &u, &d0);
		client_pkt(&u, IPPROTO_UDP, 53001);
		open_flow(f, 0, &u, &d1);
		assert_int_equal(d0.server, SA);
		assert_int_equal(d1.server, SB);
	}
	assert_no_leak(f);
}

/* Every packet of a flow goes to the server and local port it started with,
 * in any order and in one burst; a retransmitted SYN opens nothing new. */
static void
test_stickiness(void **state)
{
	enum { N = 12 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	struct flow fl[N];
	struct rte_mbuf *m[N * 2];
	struct frame fr[N * 2];
	struct pb_pkt p[N * 2];
	unsigned int i, n;

	for (i = 0; i < N; i++)
		open_tcp(f, (uint16_t)(42000 + i), &fl[i]);
	/* one burst: ACKs in reverse order, then SYN retransmits */
	for (i = 0; i < N; i++) {
		client_seg(&p[i], &fl[N - 1 - i], PB_TCP_ACK);
		p[N + i] = fl[i].c;
	}
	for (i = 0; i < 2 * N; i++)
		m[i] = mk(&p[i]);
	nc_worker_rx(wk(f, 0), 0, m, 2 * N);
	n = take(f, 0, fr, 2 * N);
	assert_int_equal(n, 2 * N);
	for (i = 0; i < 2 * N; i++) {
		const struct flow *x = i < N ? &fl[N - 1 - i] : &fl[i - N];
		struct pb_pkt want = nat_c2s(&p[i], x->server, x->lport);

		assert_wire(&fr[i], &want);
	}
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, N);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), N);
	assert_no_leak(f);
}

/* Two packets of a new flow in one burst make one flow. */
static void
test_new_flow_twice_in_burst(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	struct rte_mbuf *m[3];
	struct frame fr[3];
	struct pb_pkt u[3];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		client_pkt(&u[i], IPPROTO_UDP, 53100);
		u[i].ip_id = (uint16_t)(100 + i);
		m[i] = mk(&u[i]);
	}
	nc_worker_rx(wk(f, 0), 0, m, 3);
	assert_int_equal(take(f, 0, fr, 3), 3);
	for (i = 0; i < 3; i++) {
		struct pb_pkt want = nat_c2s(&u[i], SA, lport_of(&fr[0]));

		assert_wire(&fr[i], &want);
	}
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].flows_opened, 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_no_leak(f);
}

/* UDP: NAT both ways; checksum 0 ("none") stays 0; a rewritten checksum that
 * computes to 0 is sent as 0xffff; a received 0xffff is handled. */
static void
test_udp(void **state)
{
	struct fx *f = *state;
	uint8_t q[40], a[40];
	struct pb_pkt p, s, want;
	struct flow fl;
	struct frame fr;

	memset(q, 0x11, sizeof(q));
	memset(a, 0x22, sizeof(a));
	client_pkt(&p, IPPROTO_UDP, 33333);
	p.payload = q;
	p.payload_len = 29;
	open_flow(f, 0, &p, &fl);
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	s.payload = a;
	s.payload_len = 33;
	s2c_ok(f, &fl, &s);

	/* no checksum, both ways: the expected frames carry 0 */
	p.udp_no_csum = true;
	c2s_ok(f, &fl, &p);
	s.udp_no_csum = true;
	s2c_ok(f, &fl, &s);
	p.udp_no_csum = s.udp_no_csum = false;

	/* the rewritten datagram sums to zero: 0xffff on the wire */
	p.payload_len = 40;
	want = nat_c2s(&p, fl.server, fl.lport);
	force_l4_csum(&want, q, 12, 0x0000);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get16(fr.b + 34 + 6), 0xffff);
	assert_wire(&fr, &want);
	s.payload_len = 40;
	want = nat_s2c(&s, &fl.c);
	force_l4_csum(&want, a, 12, 0x0000);
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get16(fr.b + 34 + 6), 0xffff);
	assert_wire(&fr, &want);

	/* the client's own checksum is 0xffff (its datagram sums to zero) */
	force_l4_csum(&p, q, 20, 0x0000);
	{
		uint8_t b[PB_MAX_FRAME];

		pb_build(&p, b, sizeof(b));
		assert_int_equal(pb_get16(b + 34 + 6), 0xffff);
	}
	c2s_ok(f, &fl, &p);

	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* TCP that does not open a flow, without one: dropped as no_flow. */
static void
test_tcp_no_flow(void **state)
{
	struct fx *f = *state;
	static const uint8_t flags[] = { PB_TCP_ACK, PB_TCP_SYN | PB_TCP_ACK, PB_TCP_FIN | PB_TCP_ACK,
					 PB_TCP_RST, PB_TCP_PSH | PB_TCP_ACK, 0 };
	uint64_t want[NC_DROP_MAX] = { 0 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(flags); i++) {
		struct pb_pkt p;

		client_pkt(&p, IPPROTO_TCP, (uint16_t)(43000 + i));
		p.tcp_flags = flags[i];
		rx(f, 0, &p);
		expect_none(f, 0);
	}
	/* the last, no flag at all, is impossible: counted as such */
	want[NC_DROP_NO_FLOW] = RTE_DIM(flags) - 1;
	want[NC_DROP_TCP_BAD_FLAGS] = 1;
	assert_drops(f, want);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_no_leak(f);
}

/* A SYN on a flow that is closing (RST seen) starts a new flow: next server
 * in the schedule, a new local port; the old port is dead. So does one on an
 * established flow whose server is down; one whose server is up goes on. */
static void
test_syn_reopens_closing(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt p, s;
	struct flow a, b;

	open_tcp(f, 44000, &a);
	assert_int_equal(a.server, SA);
	client_seg(&p, &a, PB_TCP_ACK);
	c2s_ok(f, &a, &p);
	client_seg(&p, &a, PB_TCP_RST | PB_TCP_ACK);
	c2s_ok(f, &a, &p);
	/* same 5-tuple, new SYN */
	open_tcp(f, 44000, &b);
	assert_int_equal(b.server, SB);
	assert_int_not_equal(b.lport, a.lport);
	server_seg(&s, &b, PB_TCP_SYN | PB_TCP_ACK);
	s2c_ok(f, &b, &s);
	/* the closed flow's port and server get nothing through */
	server_seg(&s, &a, PB_TCP_ACK);
	rx(f, 0, &s);
	expect_none(f, 0);
	want[NC_DROP_NO_FLOW] = 1;
	assert_drops(f, want);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, 2);
	assert_int_equal(st.svc[SVC_WEB].flows_closed, 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	/* a SYN on a flow that is not closing does not reopen it */
	open_tcp(f, 44001, &a);
	rx(f, 0, &a.c);
	{
		struct frame fr;
		struct pb_pkt w = nat_c2s(&a.c, a.server, a.lport);

		expect_one(f, 0, &fr);
		assert_wire(&fr, &w);
	}
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, 3);

	/* established (the client's own end passed elsewhere, or never came),
	 * a new SYN on its port: on to its server while that is up (its TCP
	 * judges it); once it is down, a new flow to a server up */
	open_tcp(f, 44002, &a);
	client_seg(&p, &a, PB_TCP_ACK);
	c2s_ok(f, &a, &p);
	p = a.c;
	p.seq += 100000;
	c2s_ok(f, &a, &p);
	svc_server_up(f, SVC_WEB, (unsigned int)a.server, 0);
	open_flow(f, 0, &p, &b);
	assert_int_not_equal(b.server, a.server);
	assert_int_not_equal(b.lport, a.lport);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, 5);
	assert_int_equal(st.svc[SVC_WEB].flows_closed, 2);
	assert_no_leak(f);
}

/* FIN both ways, RST from either side: the flow lingers tcp_fin_s (1 s) and
 * then expires; open and half-closed flows stay. */
static void
test_close_and_expiry(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct flow fin2, rst_c, rst_s, open, half, syn_only;
	struct pb_pkt p, s;

	open_tcp(f, 45000, &fin2);
	open_tcp(f, 45001, &rst_c);
	open_tcp(f, 45002, &rst_s);
	open_tcp(f, 45003, &open);
	open_tcp(f, 45004, &half);
	open_tcp(f, 45005, &syn_only);
	client_seg(&p, &fin2, PB_TCP_ACK);
	c2s_ok(f, &fin2, &p);
	client_seg(&p, &rst_c, PB_TCP_ACK);
	c2s_ok(f, &rst_c, &p);
	client_seg(&p, &open, PB_TCP_ACK);
	c2s_ok(f, &open, &p);
	client_seg(&p, &half, PB_TCP_ACK);
	c2s_ok(f, &half, &p);

	client_seg(&p, &fin2, PB_TCP_FIN | PB_TCP_ACK);
	c2s_ok(f, &fin2, &p);
	server_seg(&s, &fin2, PB_TCP_FIN | PB_TCP_ACK);
	s2c_ok(f, &fin2, &s);
	client_seg(&p, &rst_c, PB_TCP_RST);
	c2s_ok(f, &rst_c, &p);
	server_seg(&s, &rst_s, PB_TCP_RST | PB_TCP_ACK);
	s2c_ok(f, &rst_s, &s);
	client_seg(&p, &half, PB_TCP_FIN | PB_TCP_ACK);
	c2s_ok(f, &half, &p);

	tick(f, 0);
	assert_int_equal(nc_worker_expire(wk(f, 0), 4096), 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 6);
	usleep(1100 * 1000);
	tick(f, 0);
	assert_int_equal(nc_worker_expire(wk(f, 0), 4096), 3);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 3);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_closed, 3);

	/* closed: the client's ACK and the server's segment find nothing */
	client_seg(&p, &fin2, PB_TCP_ACK);
	rx(f, 0, &p);
	expect_none(f, 0);
	server_seg(&s, &rst_s, PB_TCP_ACK);
	rx(f, 0, &s);
	expect_none(f, 0);
	want[NC_DROP_NO_FLOW] = 2;
	assert_drops(f, want);
	/* still open */
	client_seg(&p, &open, PB_TCP_ACK);
	c2s_ok(f, &open, &p);
	server_seg(&s, &half, PB_TCP_ACK);
	s2c_ok(f, &half, &s);
	client_seg(&p, &syn_only, PB_TCP_ACK);
	c2s_ok(f, &syn_only, &p);
	assert_no_leak(f);
}

/* max_flows 4: the fifth new flow is refused and counted; the four go on. */
static void
test_flow_table_full(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct flow fl[4];
	struct pb_pkt p;
	unsigned int i;

	for (i = 0; i < 4; i++)
		open_tcp(f, (uint16_t)(46000 + i), &fl[i]);
	client_pkt(&p, IPPROTO_TCP, 46004);
	rx(f, 0, &p);
	expect_none(f, 0);
	client_pkt(&p, IPPROTO_UDP, 46005);
	rx(f, 0, &p);
	expect_none(f, 0);
	want[NC_DROP_FLOW_TABLE_FULL] = 2;
	assert_drops(f, want);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 4);
	for (i = 0; i < 4; i++) {
		client_seg(&p, &fl[i], PB_TCP_ACK);
		c2s_ok(f, &fl[i], &p);
	}
	/* the refused flow gets in once one closes and expires */
	client_seg(&p, &fl[0], PB_TCP_RST);
	c2s_ok(f, &fl[0], &p);
	usleep(1100 * 1000);
	tick(f, 0);
	assert_int_equal(nc_worker_expire(wk(f, 0), 64), 1);
	{
		struct flow again;

		client_pkt(&p, IPPROTO_TCP, 46004);
		open_flow(f, 0, &p, &again);
	}
	assert_drops(f, want);
	assert_no_leak(f);
}

/* Replies that are not from the flow's server, port and protocol. */
static void
test_reply_wrong_source(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt s;
	struct flow fl;

	open_tcp(f, 47000, &fl);
	assert_int_equal(fl.server, SA);
	/* the other server */
	server_pkt(&s, &fl.c, SB, fl.lport);
	rx(f, 0, &s);
	expect_none(f, 0);
	/* the right server, another port */
	server_seg(&s, &fl, PB_TCP_SYN | PB_TCP_ACK);
	s.sport = WEB_SPORT + 1;
	rx(f, 0, &s);
	expect_none(f, 0);
	/* UDP to the TCP flow's port */
	{
		struct pb_pkt u;

		pb_init(&u, IPPROTO_UDP);
		memcpy(u.dst_mac, mac_port, 6);
		memcpy(u.src_mac, mac_srv[SA], 6);
		u.sip = IP_SA;
		u.dip = IP_LIP;
		u.sport = WEB_SPORT;
		u.dport = fl.lport;
		rx(f, 0, &u);
		expect_none(f, 0);
	}
	/* a local port no flow holds */
	server_seg(&s, &fl, PB_TCP_SYN | PB_TCP_ACK);
	s.dport = (uint16_t)(fl.lport + 1);
	rx(f, 0, &s);
	expect_none(f, 0);
	want[NC_DROP_NO_FLOW] = 4;
	assert_drops(f, want);
	/* the real reply still passes */
	server_seg(&s, &fl, PB_TCP_SYN | PB_TCP_ACK);
	s2c_ok(f, &fl, &s);
	assert_no_leak(f);
}

/* -------------------------------------------- malformed, in one burst */

#define EDIT(name, body) static void name(struct pb_pkt *p) { body; }

EDIT(m_short, p->truncate = 20)
EDIT(m_other_mac, p->dst_mac[5] = 0x42)
EDIT(m_ipv6, p->v6 = true; p->ethertype = PB_ETH_IPV6; p->ip_version = 6;
     pb_ip6(p->sip6, "2001:db8:1::10"); pb_ip6(p->dip6, "2001:db8::100"))
EDIT(m_ihl4, p->ihl_field = 4)
EDIT(m_totlen, p->tot_len_adj = 3)
EDIT(m_options, p->ihl = 6)
EDIT(m_csum, p->ip_csum_xor = 0x0400)
EDIT(m_frag, p->frag = 0x2000)
EDIT(m_frag8, p->frag = 0x0001)
EDIT(m_gre, p->proto = 47)
EDIT(m_doff, p->doff_field = 3)
EDIT(m_udplen, p->udp_len_adj = 5)
EDIT(m_not_us, p->dip = PB_IP(10, 0, 0, 99))
EDIT(m_not_us_far, p->dip = PB_IP(8, 8, 8, 8))
EDIT(m_icmp_ts, p->icmp_type = 13)
EDIT(m_icmp_reply, p->icmp_type = 0)
EDIT(m_icmp_code, p->icmp_code = 1)
EDIT(m_ttl1, p->ttl = 1)
EDIT(m_ttl0, p->ttl = 0)
EDIT(m_port81, p->dport = 81)
EDIT(m_udp_to_web, p->dport = WEB_PORT)
EDIT(m_to_port_ip, p->dip = IP_PORT; p->dport = 22)
EDIT(m_to_lip_nothing, p->sip = IP_SA; p->dip = IP_LIP; p->sport = WEB_SPORT; p->dport = 9999;
     p->tcp_flags = PB_TCP_ACK)
EDIT(m_to_lip_ttl1, p->sip = IP_SA; p->dip = IP_LIP; p->sport = WEB_SPORT; p->dport = 9999;
     p->tcp_flags = PB_TCP_ACK; p->ttl = 1)
EDIT(m_ack, p->tcp_flags = PB_TCP_ACK)
EDIT(m_icmp_not_us, p->dip = PB_IP(10, 0, 0, 99))

struct bad_case {
	const char *desc;
	uint8_t proto;
	void (*edit)(struct pb_pkt *p);
	enum nc_drop why;
};

static const struct bad_case bad_cases[] = {
	{ "20-byte frame", IPPROTO_TCP, m_short, NC_DROP_SHORT_FRAME },
	{ "another host's MAC", IPPROTO_TCP, m_other_mac, NC_DROP_L2_OTHER_HOST },
	{ "IPv6 to an address not ours", IPPROTO_UDP, m_ipv6, NC_DROP_NOT_FOR_US },
	{ "IHL 4", IPPROTO_TCP, m_ihl4, NC_DROP_IP_BAD_HEADER },
	{ "total length beyond the frame", IPPROTO_UDP, m_totlen, NC_DROP_IP_BAD_LEN },
	{ "IP options", IPPROTO_TCP, m_options, NC_DROP_IP_OPTIONS },
	{ "IP checksum", IPPROTO_TCP, m_csum, NC_DROP_IP_BAD_CSUM },
	{ "ICMP fragment (only TCP and UDP are reassembled)", IPPROTO_ICMP, m_frag, NC_DROP_IP_FRAGMENT },
	{ "TCP fragment at offset 8 (RFC 3128)", IPPROTO_TCP, m_frag8, NC_DROP_FRAG_TINY },
	{ "GRE", IPPROTO_TCP, m_gre, NC_DROP_L4_UNSUPPORTED },
	{ "TCP data offset 3", IPPROTO_TCP, m_doff, NC_DROP_L4_BAD_HEADER },
	{ "UDP length", IPPROTO_UDP, m_udplen, NC_DROP_L4_BAD_HEADER },
	{ "to 10.0.0.99", IPPROTO_TCP, m_not_us, NC_DROP_NOT_FOR_US },
	{ "to 8.8.8.8", IPPROTO_UDP, m_not_us_far, NC_DROP_NOT_FOR_US },
	{ "ping to 10.0.0.99", IPPROTO_ICMP, m_icmp_not_us, NC_DROP_NOT_FOR_US },
	{ "ICMP timestamp to the VIP", IPPROTO_ICMP, m_icmp_ts, NC_DROP_ICMP_UNSUPPORTED },
	{ "ICMP echo reply to the VIP", IPPROTO_ICMP, m_icmp_reply, NC_DROP_ICMP_UNSUPPORTED },
	{ "ICMP echo code 1", IPPROTO_ICMP, m_icmp_code, NC_DROP_ICMP_UNSUPPORTED },
	{ "SYN with TTL 1", IPPROTO_TCP, m_ttl1, NC_DROP_TTL_EXPIRED },
	{ "UDP with TTL 0", IPPROTO_UDP, m_ttl0, NC_DROP_TTL_EXPIRED },
	{ "server leg with TTL 1", IPPROTO_TCP, m_to_lip_ttl1, NC_DROP_TTL_EXPIRED },
	{ "TCP to VIP:81", IPPROTO_TCP, m_port81, NC_DROP_NO_SERVICE },
	{ "UDP to VIP:80", IPPROTO_UDP, m_udp_to_web, NC_DROP_NO_SERVICE },
	{ "TCP to the port address", IPPROTO_TCP, m_to_port_ip, NC_DROP_NO_SERVICE },
	{ "ACK without a flow", IPPROTO_TCP, m_ack, NC_DROP_NO_FLOW },
	{ "to a local port without a flow", IPPROTO_TCP, m_to_lip_nothing, NC_DROP_NO_FLOW },
};

/* Each malformed or unwanted packet is counted under its reason, in a burst
 * mixed with valid datagrams that all get through. */
static void
test_drops_in_one_burst(void **state)
{
	enum { N = RTE_DIM(bad_cases) };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct rte_mbuf *m[2 * N];
	struct frame fr[2 * N];
	struct pb_pkt good[N];
	unsigned int i, n = 0;

	for (i = 0; i < N; i++) {
		struct pb_pkt p;

		client_pkt(&p, bad_cases[i].proto, (uint16_t)(48000 + i));
		bad_cases[i].edit(&p);
		m[n++] = mk(&p);
		want[bad_cases[i].why]++;
		client_pkt(&good[i], IPPROTO_UDP, (uint16_t)(49000 + i));
		m[n++] = mk(&good[i]);
	}
	assert_true(n <= 64);
	nc_worker_rx(wk(f, 0), 0, m, (uint16_t)n);
	assert_int_equal(take(f, 0, fr, 2 * N), N);
	for (i = 0; i < N; i++) {
		struct pb_pkt w = nat_c2s(&good[i], i % 2 ? SB : SA, lport_of(&fr[i]));

		assert_wire(&fr[i], &w);
	}
	assert_drops(f, want);
	stats(f, &st);
	assert_int_equal(st.rx[0], 2 * N);
	assert_int_equal(st.tx[0], N);
	assert_int_equal(st.to_ctl, 0);
	assert_no_leak(f);
}

/* A bad IP checksum the NIC already vouched for (RX_IP_CKSUM_GOOD) is not
 * checked again; one the NIC found bad is. */
static void
test_nic_checksum_flag(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct rte_mbuf *m;
	struct pb_pkt p;
	struct frame fr;

	client_pkt(&p, IPPROTO_UDP, 50000);
	p.ip_csum_xor = 0x0001;
	m = mk(&p);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	nc_worker_rx(wk(f, 0), 0, &m, 1);
	expect_one(f, 0, &fr);
	m = mk(&p);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	nc_worker_rx(wk(f, 0), 0, &m, 1);
	expect_none(f, 0);
	m = mk(&p);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	nc_worker_rx(wk(f, 0), 0, &m, 1);
	expect_none(f, 0);
	want[NC_DROP_IP_BAD_CSUM] = 2;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* The transmit buffer overflows into a counter, never into a leak. */
static void
test_tx_full(void **state)
{
	enum { BATCH = 64, BATCHES = 18 };
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	static struct frame fr[BATCH * BATCHES];
	struct flow fl;
	unsigned int b, i, n;

	{
		struct pb_pkt u;

		client_pkt(&u, IPPROTO_UDP, 51000);
		open_flow(f, 0, &u, &fl);
	}
	for (b = 0; b < BATCHES; b++) {
		struct rte_mbuf *m[BATCH];

		for (i = 0; i < BATCH; i++)
			m[i] = mk(&fl.c);
		nc_worker_rx(wk(f, 0), 0, m, BATCH);
	}
	n = take(f, 0, fr, RTE_DIM(fr));
	assert_true(n > 0 && n < BATCH * BATCHES);
	want[NC_DROP_TX_FULL] = BATCH * BATCHES - n;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* ------------------------------------------------------- two workers */

/* Frame <p> received where a NIC's RSS puts it, with the hash in the mbuf
 * when <with_hash> (else the data plane computes it), then handed over if
 * need be; the one frame sent comes back in <out>, the sender returned. */
static unsigned int
deliver_rss(struct fx *f, const struct pb_pkt *p, int with_hash, struct frame *out)
{
	struct rte_mbuf *m = mk(p);
	unsigned int q = nic_queue(p, &m->hash.rss);

	if (with_hash)
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	return deliver_m(f, q, m, out);
}

/* With the port's RSS known, a flow belongs to the worker its client's
 * packets reach, and its local port is one whose server answers reach that
 * worker's queue too: nothing is handed over, either way, TCP and UDP, the
 * NIC's hash in the mbuf or not. Without the steering of local ports half
 * the answers cross (test_two_workers_handoff). */
static void
test_two_workers_rss(void **state)
{
	enum { N = 64 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	unsigned int i, owners[2] = { 0, 0 };

	assert_int_equal(f->n_workers, 2);
	for (i = 0; i < N; i++) {
		struct pb_pkt p, s, want;
		struct frame fr;
		struct flow fl;
		uint32_t h;

		client_pkt(&p, i % 4 < 2 ? IPPROTO_TCP : IPPROTO_UDP, (uint16_t)(41000 + 7 * i));
		fl.owner = deliver_rss(f, &p, i % 2, &fr);
		assert_int_equal(fl.owner, nic_queue(&p, &h));
		fl.c = p;
		fl.server = server_of(&fr);
		fl.lport = lport_of(&fr);
		assert_int_equal(fl.lport % 2, fl.owner);
		want = nat_c2s(&p, fl.server, fl.lport);
		assert_wire(&fr, &want);
		owners[fl.owner]++;
		/* the server's answer: the NIC puts it on the owner's queue */
		server_pkt(&s, &fl.c, fl.server, fl.lport);
		assert_int_equal(nic_queue(&s, &h), fl.owner);
		assert_int_equal(deliver_rss(f, &s, i % 3 == 0, &fr), fl.owner);
		want = nat_s2c(&s, &fl.c);
		assert_wire(&fr, &want);
		p.tcp_flags = PB_TCP_ACK;
		assert_int_equal(deliver_rss(f, &p, i % 3 == 1, &fr), fl.owner);
		want = nat_c2s(&p, fl.server, fl.lport);
		assert_wire(&fr, &want);
	}
	assert_true(owners[0] > 0 && owners[1] > 0);
	stats(f, &st);
	assert_int_equal(st.handoff_out, 0);
	assert_int_equal(st.handoff_in, 0);
	assert_int_equal(st.lport_steer_missed, 0);
	assert_int_equal(nc_dp_flow_count(f->dp), N);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Flows live on the worker their hash names; a client packet or a server
 * reply that arrives at the other worker is handed off through its ring and
 * forwarded correctly by the owner. */
static void
test_two_workers_handoff(void **state)
{
	enum { N = 16 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	unsigned int i, owners[2] = { 0, 0 }, handed = 0;

	assert_int_equal(f->n_workers, 2);
	for (i = 0; i < N; i++) {
		struct pb_pkt p, s, want;
		struct frame fr;
		struct flow fl;
		unsigned int in = i % 2, other;

		client_pkt(&p, i % 4 < 2 ? IPPROTO_TCP : IPPROTO_UDP, (uint16_t)(54000 + i));
		fl.owner = deliver(f, in, &p, &fr);
		fl.c = p;
		fl.server = server_of(&fr);
		fl.lport = lport_of(&fr);
		/* the owner's local ports are its own: lport % workers == owner */
		assert_int_equal(fl.lport % 2, fl.owner);
		want = nat_c2s(&p, fl.server, fl.lport);
		assert_wire(&fr, &want);
		owners[fl.owner]++;
		handed += fl.owner != in;
		/* the server's reply arrives at the worker that does not own it */
		other = 1 - fl.owner;
		server_pkt(&s, &fl.c, fl.server, fl.lport);
		assert_int_equal(deliver(f, other, &s, &fr), fl.owner);
		want = nat_s2c(&s, &fl.c);
		assert_wire(&fr, &want);
		/* and once more at the owner itself: no handoff */
		assert_int_equal(deliver(f, fl.owner, &s, &fr), fl.owner);
		assert_wire(&fr, &want);
		/* a later client packet at either worker ends up at the owner */
		p.tcp_flags = PB_TCP_ACK;
		assert_int_equal(deliver(f, other, &p, &fr), fl.owner);
		want = nat_c2s(&p, fl.server, fl.lport);
		assert_wire(&fr, &want);
	}
	/* the hash spreads 16 flows over both workers */
	assert_true(owners[0] > 0 && owners[1] > 0);
	stats(f, &st);
	assert_int_equal(st.handoff_out, st.handoff_in);
	assert_int_equal(st.handoff_out, handed + N + N);
	assert_int_equal(nc_dp_flow_count(f->dp), N);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* ------------------------------------------------- bursts above 64 */

/* workers.burst may be up to 512: a burst of 100 packets of 100 open flows
 * goes through whole, each packet on its own flow. The preceding burst fills
 * the lookup results with another flow's position, so results that were not
 * written show as traffic sent to the wrong place. */
static void
test_burst_over_64(void **state)
{
	enum { N = 100 };
	struct fx *f = *state;
	static struct flow fl[N];
	static struct frame fr[N];
	struct rte_mbuf *m[N];
	struct pb_pkt p[N], x;
	unsigned int i, wrong = 0;

	for (i = 0; i < N; i++)
		open_tcp(f, (uint16_t)(55000 + i), &fl[i]);
	{
		struct flow other;

		client_pkt(&x, IPPROTO_UDP, 55999);
		open_flow(f, 0, &x, &other);
		for (i = 0; i < 64; i++)
			m[i] = mk(&x);
		nc_worker_rx(wk(f, 0), 0, m, 64);
		assert_int_equal(take(f, 0, fr, N), 64);
	}
	for (i = 0; i < N; i++) {
		client_seg(&p[i], &fl[i], PB_TCP_ACK);
		m[i] = mk(&p[i]);
	}
	nc_worker_rx(wk(f, 0), 0, m, N);
	assert_int_equal(take(f, 0, fr, N), N);
	for (i = 0; i < N; i++) {
		uint8_t b[PB_MAX_FRAME];
		struct pb_pkt w = nat_c2s(&p[i], fl[i].server, fl[i].lport);
		uint32_t len = pb_build(&w, b, sizeof(b));

		wrong += len != fr[i].len || memcmp(b, fr[i].b, len) != 0;
	}
	if (wrong != 0)
		print_error("%u of %u packets forwarded wrongly\n", wrong, N);
	assert_int_equal(wrong, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * One burst of 40 (five of the fast path's 8-packet groups, each looked up
 * while earlier ones go through their legs), mixing both legs of 16 open
 * flows with what changes the table mid-burst: a new flow's datagram in
 * groups 0, 2 and 4 (one flow, one local port); flow 0's client resets it
 * (group 0), then sends a SYN on the same 5-tuple (group 1: a new flow, a new
 * local port, the old flow's slot, on the same server: web has one here),
 * and its server's segment to the old port (group 3) finds no flow, though
 * that port's flow was found before the SYN's leg ran. Everything else
 * arrives as sent, NATed.
 */
static void
test_burst_groups_change_table(void **state)
{
	enum { N = 16, B = 40 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	static struct frame fr[B];
	struct flow fl[N];
	struct rte_mbuf *m[B];
	struct pb_pkt p[B], want;
	uint8_t used[B] = { 0 };
	uint64_t drops[NC_DROP_MAX] = { 0 };
	unsigned int i, k = 1, n, udp = 0;
	uint16_t udp_lport = 0;
	int j, syn_fr = -1;

	for (i = 0; i < N; i++)
		open_tcp(f, (uint16_t)(46000 + i), &fl[i]);
	for (i = 0; i < B; i++) {
		if (i == 1 || i == 17 || i == 33) {
			client_pkt(&p[i], IPPROTO_UDP, 46900);
			p[i].ip_id = (uint16_t)(700 + i);
		} else if (i == 2) {
			client_seg(&p[i], &fl[0], PB_TCP_RST | PB_TCP_ACK);
		} else if (i == 12) {
			p[i] = fl[0].c;   /* its SYN again */
		} else if (i == 30) {
			server_seg(&p[i], &fl[0], PB_TCP_ACK);
		} else {
			if (i & 1)
				server_seg(&p[i], &fl[k], PB_TCP_ACK);
			else
				client_seg(&p[i], &fl[k], PB_TCP_ACK);
			p[i].ip_id = (uint16_t)(800 + i);
			k = k % (N - 1) + 1;
		}
		m[i] = mk(&p[i]);
	}
	nc_worker_rx(wk(f, 0), 0, m, B);
	n = take(f, 0, fr, B);
	assert_int_equal(n, B - 1);
	/* the segments of open flows, and flow 0's reset, each once as NATed */
	for (i = 0, k = 1; i < B; i++) {
		if (i == 1 || i == 17 || i == 33 || i == 12 || i == 30)
			continue;
		if (i == 2)
			want = nat_c2s(&p[i], fl[0].server, fl[0].lport);
		else if (i & 1)
			want = nat_s2c(&p[i], &fl[k].c);
		else
			want = nat_c2s(&p[i], fl[k].server, fl[k].lport);
		if (i != 2)
			k = k % (N - 1) + 1;
		expect_in_burst(fr, n, used, &want, i);
	}
	/* the three datagrams on one new flow; the SYN on a new port */
	for (j = 0; j < (int)n; j++) {
		if (used[j])
			continue;
		if (fr[j].b[PB_IP_OFF + 9] == IPPROTO_UDP) {
			if (udp == 0)
				udp_lport = lport_of(&fr[j]);
			assert_int_equal(lport_of(&fr[j]), udp_lport);
			udp++;
		} else {
			assert_int_equal(syn_fr, -1);
			syn_fr = j;
		}
	}
	assert_int_equal(udp, 3);
	assert_true(syn_fr >= 0);
	assert_int_not_equal(lport_of(&fr[syn_fr]), fl[0].lport);
	want = nat_c2s(&p[12], SA, lport_of(&fr[syn_fr]));
	assert_wire(&fr[syn_fr], &want);
	drops[NC_DROP_NO_FLOW] = 1;
	assert_drops(f, drops);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].flows_opened, 1);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, N + 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), N + 1);
	assert_no_leak(f);
}

/* ------------------------------------------- path MTU through the NAT */

/* Fragmentation needed from router <rip> (MAC <rmac>) to <dip>, quoting
 * the first <qlen> IP bytes of frame <quoted> as it left us. */
static void
frag_needed(struct pb_pkt *e, uint8_t *buf, const struct frame *quoted, uint16_t qlen,
	    uint16_t mtu, uint32_t rip, const uint8_t *rmac, uint32_t dip)
{
	icmp_err(e, 0, 3, mtu, quoted, buf, qlen);
	memcpy(e->src_mac, rmac, 6);
	e->sip = rip;
	e->dip = dip;
}

/*
 * Path MTU discovery through the full NAT, a plain service (no windows):
 * fragmentation needed on a server's path, quoting the client's segment as
 * it went to the server, reaches the client from the VIP about its own
 * segment to the VIP; on the client's path, quoting the server's answer as
 * it went to the client, it reaches the server from the local IP about its
 * own segment to the local IP - each quote exactly the other leg's packet,
 * its TCP or UDP checksum right. A quote of no flow's packet (another local
 * port, another client port, another server) is counted as icmp_no_flow,
 * another unreachable about a plain flow as icmp_unsupported; nothing
 * leaves for them.
 */
static void
test_frag_needed_relayed(void **state)
{
	struct fx *f = *state;
	static uint8_t data[1400], buf[PB_MAX_FRAME];
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct frame sent, fwd, out;
	struct nc_dp_stats st;
	struct pb_pkt p, s, e, w;
	struct flow fl, fu;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	open_tcp(f, 40100, &fl);
	/* the client's data segment, too big for the server's path */
	client_seg(&p, &fl, PB_TCP_ACK | PB_TCP_PSH);
	p.payload = data;
	p.payload_len = 1400;
	sent.len = pb_build(&p, sent.b, sizeof(sent.b));
	rx(f, 0, &p);
	expect_one(f, 0, &fwd);
	frag_needed(&e, buf, &fwd, 20 + 20 + 64, 1300, PB_IP(10, 0, 0, 77), mac_srv[fl.server], IP_LIP);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_gw, IP_VIP, IP_CLIENT, 1300);
	assert_quote(&out, 20, &sent, 20 + 20 + 64, 0);
	/* a router's quote of 8 L4 bytes, as RFC 792 asks */
	frag_needed(&e, buf, &fwd, 20 + 8, 1300, PB_IP(10, 0, 0, 77), mac_srv[fl.server], IP_LIP);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_gw, IP_VIP, IP_CLIENT, 1300);
	assert_quote(&out, 20, &sent, 20 + 8, 0);

	/* the server's answer, too big for the client's path */
	server_seg(&s, &fl, PB_TCP_ACK | PB_TCP_PSH);
	s.payload = data;
	s.payload_len = 1400;
	sent.len = pb_build(&s, sent.b, sizeof(sent.b));
	rx(f, 0, &s);
	expect_one(f, 0, &fwd);
	frag_needed(&e, buf, &fwd, 20 + 20 + 100, 1280, IP_GW, mac_gw, IP_VIP);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_srv[fl.server], IP_LIP, ip_srv[fl.server], 1280);
	assert_quote(&out, 20, &sent, 20 + 20 + 100, 0);

	/* UDP: a datagram's quote with its checksum, to the server */
	client_pkt(&p, IPPROTO_UDP, 40200);
	p.payload = data;
	p.payload_len = 1000;
	open_flow(f, 0, &p, &fu);
	server_pkt(&s, &fu.c, fu.server, fu.lport);
	s.payload = data;
	s.payload_len = 1200;
	sent.len = pb_build(&s, sent.b, sizeof(sent.b));
	rx(f, 0, &s);
	expect_one(f, 0, &fwd);
	frag_needed(&e, buf, &fwd, 20 + 8 + 40, 1000, IP_GW, mac_gw, IP_VIP);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_srv[fu.server], IP_LIP, ip_srv[fu.server], 1000);
	assert_quote(&out, 20, &sent, 20 + 8 + 40, 0);

	/* quotes of no flow's packet: another client port, another local
	 * port, the flow's local port towards the other server */
	server_seg(&s, &fl, PB_TCP_ACK);
	w = nat_s2c(&s, &fl.c);
	w.dport = 40101;
	fwd.len = pb_build(&w, fwd.b, sizeof(fwd.b));
	frag_needed(&e, buf, &fwd, 20 + 8, 1280, IP_GW, mac_gw, IP_VIP);
	rx(f, 0, &e);
	client_seg(&p, &fl, PB_TCP_ACK);
	w = nat_c2s(&p, fl.server, (uint16_t)(fl.lport + 1));
	fwd.len = pb_build(&w, fwd.b, sizeof(fwd.b));
	frag_needed(&e, buf, &fwd, 20 + 8, 1280, IP_GW, mac_gw, IP_LIP);
	rx(f, 0, &e);
	w = nat_c2s(&p, 1 - fl.server, fl.lport);
	fwd.len = pb_build(&w, fwd.b, sizeof(fwd.b));
	frag_needed(&e, buf, &fwd, 20 + 8, 1280, IP_GW, mac_gw, IP_LIP);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_NO_FLOW] = 3;
	/* host unreachable about the flow's packet: nothing acts on it here */
	w = nat_c2s(&p, fl.server, fl.lport);
	fwd.len = pb_build(&w, fwd.b, sizeof(fwd.b));
	frag_needed(&e, buf, &fwd, 20 + 8, 0, IP_GW, mac_gw, IP_LIP);
	e.icmp_code = 1;
	rx(f, 0, &e);
	want[NC_DROP_ICMP_UNSUPPORTED] = 1;
	expect_none(f, 0);
	assert_drops(f, want);
	stats(f, &st);
	assert_int_equal(st.icmp_relayed, 4);
	assert_no_leak(f);
}

/*
 * Two workers: fragmentation needed reaches the worker that does not own
 * the flow and is handed to the one that does, on either leg - the client
 * leg's owner as the client's packets are given it (RSS predicted), the
 * server leg's by local port.
 */
static void
test_frag_needed_two_workers(void **state)
{
	enum { N = 8 };
	struct fx *f = *state;
	static uint8_t buf[PB_MAX_FRAME];
	struct nc_dp_stats st;
	unsigned int i;

	assert_int_equal(f->n_workers, 2);
	for (i = 0; i < N; i++) {
		struct pb_pkt p, s, e;
		struct frame sent, fwd, out;
		struct flow fl;
		uint32_t h;

		client_pkt(&p, IPPROTO_TCP, (uint16_t)(55000 + i));
		fl.owner = deliver(f, nic_queue(&p, &h), &p, &fwd);
		fl.c = p;
		fl.server = server_of(&fwd);
		fl.lport = lport_of(&fwd);
		sent.len = pb_build(&p, sent.b, sizeof(sent.b));
		frag_needed(&e, buf, &fwd, 20 + 20, 1300, PB_IP(10, 0, 0, 77), mac_srv[fl.server], IP_LIP);
		assert_int_equal(deliver(f, 1 - fl.owner, &e, &out), fl.owner);
		assert_frag_needed(&out, mac_gw, IP_VIP, IP_CLIENT, 1300);
		assert_quote(&out, 20, &sent, 20 + 20, 0);
		server_pkt(&s, &fl.c, fl.server, fl.lport);
		sent.len = pb_build(&s, sent.b, sizeof(sent.b));
		assert_int_equal(deliver(f, fl.owner, &s, &fwd), fl.owner);
		frag_needed(&e, buf, &fwd, 20 + 20, 1300, IP_GW, mac_gw, IP_VIP);
		assert_int_equal(deliver(f, 1 - fl.owner, &e, &out), fl.owner);
		assert_frag_needed(&out, mac_srv[fl.server], IP_LIP, ip_srv[fl.server], 1300);
		assert_quote(&out, 20, &sent, 20 + 20, 0);
	}
	stats(f, &st);
	assert_int_equal(st.icmp_relayed, 2 * N);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpnat"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_nat_tcp_both_ways, setup_lab),
		T(test_nat_checksum_edges, setup_lab),
		T(test_schedule_sequence, setup_lab),
		T(test_stickiness, setup_lab),
		T(test_new_flow_twice_in_burst, setup_lab),
		T(test_udp, setup_lab),
		T(test_tcp_no_flow, setup_lab),
		T(test_syn_reopens_closing, setup_lab),
		T(test_close_and_expiry, setup_lab),
		T(test_flow_table_full, setup_small_table),
		T(test_reply_wrong_source, setup_lab),
		T(test_drops_in_one_burst, setup_lab),
		T(test_nic_checksum_flag, setup_lab),
		T(test_tx_full, setup_lab),
		T(test_two_workers_handoff, setup_two_workers),
		T(test_two_workers_rss, setup_two_workers_rss),
		T(test_burst_groups_change_table, setup_web_one_server),
		T(test_burst_over_64, setup_burst_512),
		T(test_frag_needed_relayed, setup_lab),
		T(test_frag_needed_two_workers, setup_two_workers_rss),
	};

	return cmocka_run_group_tests_name("dp_nat", tests, eal_setup, fx_eal_teardown);
}
