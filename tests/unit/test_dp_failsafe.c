/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the transaction fail-safe on UDP and client affinity, driven
 * without a NIC through the data-path fixture (dp_fixture.h), on the test's
 * own clock: requests held, replayed to the next server when unanswered or
 * refused, given up, released by answers; a store that fills up; affinity
 * with one worker and two.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_dp.h"
#include "dp_priv.h"     /* dp->txpool: none without a fail-safe */
#include "pkt_build.h"
#include "dp_fixture.h"

static void tweak_failsafe(struct nc_config *c) { failsafe_set(&c->services[SVC_DNS], 30, 2); }
static void tweak_failsafe_1(struct nc_config *c) { failsafe_set(&c->services[SVC_DNS], 30, 1); }
static void tweak_failsafe_200(struct nc_config *c) { failsafe_set(&c->services[SVC_DNS], 200, 2); }
static void tweak_persist(struct nc_config *c) { c->services[SVC_DNS].persistence_s = 30; }

static void
tweak_persist_two_workers(struct nc_config *c)
{
	tweak_persist(c);
	tweak_two_workers(c);
}

static int setup_failsafe(void **state) { return fx_setup(state, tweak_failsafe); }
static int setup_failsafe_1(void **state) { return fx_setup(state, tweak_failsafe_1); }
static int setup_failsafe_200(void **state) { return fx_setup(state, tweak_failsafe_200); }
static int setup_persist(void **state) { return fx_setup(state, tweak_persist); }
static int setup_persist_2w(void **state) { return fx_setup(state, tweak_persist_two_workers); }

/* Every fail-safe counter of dns is as given. */
static void
assert_fs(struct fx *f, uint64_t held_now, uint64_t held, uint64_t released, uint64_t replays,
	  uint64_t resets, uint64_t store_full, uint64_t fo_a, uint64_t fo_b)
{
	struct nc_failsafe_view v;

	fs_view(f, &v);
	if (v.held_now != held_now || v.held != held || v.released != released ||
	    v.replays != replays || v.resets != resets || v.store_full != store_full ||
	    v.failed_over[SA] != fo_a || v.failed_over[SB] != fo_b)
		print_error("fail-safe: held_now %lu held %lu released %lu replays %lu resets %lu "
			    "store_full %lu failed_over %lu/%lu\n", (unsigned long)v.held_now,
			    (unsigned long)v.held, (unsigned long)v.released, (unsigned long)v.replays,
			    (unsigned long)v.resets, (unsigned long)v.store_full,
			    (unsigned long)v.failed_over[SA], (unsigned long)v.failed_over[SB]);
	assert_int_equal(v.held_now, held_now);
	assert_int_equal(v.held, held);
	assert_int_equal(v.released, released);
	assert_int_equal(v.replays, replays);
	assert_int_equal(v.resets, resets);
	assert_int_equal(v.store_full, store_full);
	assert_int_equal(v.failed_over[SA], fo_a);
	assert_int_equal(v.failed_over[SB], fo_b);
}

/* ------------------------------------------- transaction fail-safe, affinity */

/*
 * An unanswered request is replayed to the next server once its deadline
 * passes: the same datagram as the client sent it, rewritten for b (same
 * local IP and port, TTL one below the client's). b's answer reaches the
 * client and releases the request: nothing more is replayed. The report of
 * the fail-over takes a down at the control lcore; new flows go to b.
 */
static void
test_failsafe_replay(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	uint8_t q[37], a[61];
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct pb_pkt p, s, want;
	struct flow fl, nf;
	struct frame fr;
	unsigned int i;

	memset(q, 0x41, sizeof(q));
	memset(a, 0x42, sizeof(a));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 35000, q, sizeof(q));
	p.ttl = 50;
	p.ip_id = 0x4321;
	p.tos = 0x10;
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	assert_fs(f, 1, 1, 0, 0, 0, 0, 0, 0);
	/* held per server, as the management API shows it */
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(v[SA].held_now, 1);
	assert_int_equal(v[SB].held_now, 0);
	/* before the deadline nothing moves */
	assert_int_equal(fs_wait(f, 0, 0), 0);
	expect_none(f, 0);

	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	assert_wire(&fr, &want);
	/* the replayed request is held again (not counted as a new one) */
	assert_fs(f, 1, 1, 0, 1, 0, 0, 1, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(v[SA].held_now, 0);
	assert_int_equal(v[SB].held_now, 1);

	fl.server = SB;
	tick(f, 0);
	server_pkt(&s, &fl.c, SB, fl.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	s2c_ok(f, &fl, &s);
	assert_fs(f, 0, 1, 1, 1, 0, 0, 1, 0);
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(v[SB].held_now, 0);
	/* the flow's later requests go to b */
	p.ip_id = 0x4322;
	c2s_ok(f, &fl, &p);
	s2c_ok(f, &fl, &s);
	assert_fs(f, 0, 2, 2, 1, 0, 0, 1, 0);
	/* answered: another deadline sends nothing */
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);

	/* the control lcore takes a down on the worker's report */
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(v[SA].up, 1);
	ctl_round(f);
	expect_none(f, 0);
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(sv.n_up, 1);
	assert_int_equal(v[SA].up, 0);
	assert_int_equal(v[SA].weight, 0);
	assert_int_equal(v[SA].down_count, 1);
	assert_int_equal(v[SB].up, 1);
	assert_int_equal(v[SB].weight, 100);
	assert_int_equal(v[SB].down_count, 0);
	tick(f, 0);
	for (i = 0; i < 4; i++) {
		dns_req(&p, IP_CLIENT, (uint16_t)(35100 + i), q, sizeof(q));
		open_flow(f, 0, &p, &nf);
		assert_int_equal(nf.server, SB);
		server_pkt(&s, &nf.c, SB, nf.lport);
		s2c_ok(f, &nf, &s);
	}
	/* a being down moves nothing: no request is held for it */
	assert_int_equal(nc_worker_failsafe_poll(wk(f, 0)), 0);
	expect_none(f, 0);
	assert_fs(f, 0, 6, 6, 1, 0, 0, 1, 0);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].flows_opened, 5);
	assert_int_equal(st.svc[SVC_DNS].server_flows[SA], 1);
	assert_int_equal(st.svc[SVC_DNS].server_flows[SB], 5);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/* After the move, a's late answer is dropped (the client never gets answers
 * from two servers) and releases nothing; b's answer goes through. */
static void
test_failsafe_old_server_dropped(void **state)
{
	struct fx *f = *state;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	uint8_t q[20], a[30];
	struct pb_pkt p, s, want;
	struct flow fl;
	struct frame fr;

	memset(q, 0x51, sizeof(q));
	memset(a, 0x52, sizeof(a));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 35200, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	assert_wire(&fr, &want);

	server_pkt(&s, &fl.c, SA, fl.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	rx(f, 0, &s);
	expect_none(f, 0);
	want_drops[NC_DROP_NO_FLOW] = 1;
	assert_drops(f, want_drops);
	assert_fs(f, 1, 1, 0, 1, 0, 0, 1, 0);

	fl.server = SB;
	server_pkt(&s, &fl.c, SB, fl.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	s2c_ok(f, &fl, &s);
	assert_fs(f, 0, 1, 1, 1, 0, 0, 1, 0);
	/* and a again, after b answered: still dropped */
	server_pkt(&s, &fl.c, SA, fl.lport);
	rx(f, 0, &s);
	expect_none(f, 0);
	want_drops[NC_DROP_NO_FLOW] = 2;
	assert_drops(f, want_drops);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * max_replays 1: a's deadline moves the flow to b; b's deadline finds the
 * request replayed once already, so the flow is given up: closed, nothing
 * sent. b's late answer then finds no flow. a is taken down; b, the last
 * server up, is kept up.
 */
static void
test_failsafe_give_up(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	uint8_t q[25];
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct pb_pkt p, s, want;
	struct flow fl;
	struct frame fr;

	memset(q, 0x61, sizeof(q));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 35300, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);

	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	assert_wire(&fr, &want);
	assert_fs(f, 1, 1, 0, 1, 0, 0, 1, 0);
	ctl_round(f);
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(v[SA].up, 0);
	assert_int_equal(v[SB].up, 1);
	/* a down: the flow is on b, the worker moves nothing */
	assert_int_equal(fs_wait(f, 0, 0), 0);
	expect_none(f, 0);

	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_none(f, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_fs(f, 0, 1, 0, 1, 1, 0, 1, 1);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].flows_opened, 1);
	assert_int_equal(st.svc[SVC_DNS].flows_closed, 1);
	/* given up: nothing left to replay */
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);

	server_pkt(&s, &fl.c, SB, fl.lport);
	rx(f, 0, &s);
	expect_none(f, 0);
	want_drops[NC_DROP_NO_FLOW] = 1;
	assert_drops(f, want_drops);

	/* b is the last server up: one unanswered request does not take the
	 * whole service down (probes still could) */
	ctl_round(f);
	expect_none(f, 0);
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(sv.n_up, 1);
	assert_int_equal(v[SB].up, 1);
	assert_int_equal(v[SB].down_count, 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * max_replays 2, UDP: a's deadline moves the flow to b and a goes down; b's
 * deadline finds no other server up, so the datagram goes to b once more (it
 * or its answer may just have been lost) rather than nowhere; b's answer then
 * reaches the client.
 */
static void
test_failsafe_same_server_retry(void **state)
{
	struct fx *f = *state;
	uint8_t q[19], a[12];
	struct pb_pkt p, s, want;
	struct flow fl;
	struct frame fr;

	memset(q, 0x63, sizeof(q));
	memset(a, 0x64, sizeof(a));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 35310, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	assert_wire(&fr, &want);
	ctl_round(f);   /* a down */
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_one(f, 0, &fr);
	assert_wire(&fr, &want);   /* to b again, byte for byte */
	fl.server = SB;
	server_pkt(&s, &fl.c, SB, fl.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	s2c_ok(f, &fl, &s);
	assert_fs(f, 0, 1, 1, 2, 0, 0, 1, 1);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/* A flow holding a request for a server the control lcore took down is
 * replayed at once, before its own deadline. */
static void
test_failsafe_server_down(void **state)
{
	struct fx *f = *state;
	uint8_t q[22], a[10];
	struct pb_pkt p, s, want;
	struct flow f1, f2, f3;
	struct frame fr;

	memset(q, 0x71, sizeof(q));
	memset(a, 0x72, sizeof(a));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 35400, q, sizeof(q));
	open_flow(f, 0, &p, &f1);
	assert_int_equal(f1.server, SA);
	f->vnow_ms += 100;
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 35401, q, sizeof(q));
	open_flow(f, 0, &p, &f2);
	assert_int_equal(f2.server, SB);
	server_pkt(&s, &f2.c, SB, f2.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	s2c_ok(f, &f2, &s);
	dns_req(&p, IP_CLIENT, 35402, q, sizeof(q));
	open_flow(f, 0, &p, &f3);
	assert_int_equal(f3.server, SA);
	assert_fs(f, 2, 3, 1, 0, 0, 0, 0, 0);

	/* f1's deadline (200 ms) has passed, f3's has not */
	assert_int_equal(fs_wait(f, 0, 120), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&f1.c, SB, f1.lport);
	assert_wire(&fr, &want);
	assert_fs(f, 2, 3, 1, 1, 0, 0, 1, 0);
	ctl_round(f);
	assert_int_equal(fs_wait(f, 0, 0), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&f3.c, SB, f3.lport);
	assert_wire(&fr, &want);
	assert_fs(f, 2, 3, 1, 2, 0, 0, 2, 0);
	/* a server-down move is not reported as a new failure of a */
	ctl_round(f);
	{
		struct nc_service_view sv;
		struct nc_server_view v[2];

		mon_view(f, SVC_DNS, &sv, v);
		assert_int_equal(v[SA].down_count, 1);
		assert_int_equal(v[SB].up, 1);
	}
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * Server a's host answers the held datagram with ICMP port unreachable
 * (quoting the datagram as the appliance sent it; a router's would do as
 * well): the request moves to b at once, before its deadline. One quoting
 * another server than the flow's is no flow's: nothing changes (counted
 * icmp_no_flow).
 */
static void
test_failsafe_icmp_unreachable(void **state)
{
	struct fx *f = *state;
	uint8_t q[21], sent[PB_MAX_FRAME];
	struct pb_pkt p, u, want, quoted;
	struct flow fl;
	struct frame fr;
	static struct nc_dp_stats st;

	memset(q, 0x51, sizeof(q));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 36100, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	quoted = nat_c2s(&p, SA, fl.lport);   /* what a received */
	assert_true(pb_build(&quoted, sent, sizeof(sent)) > 0);
	pb_init(&u, IPPROTO_ICMP);
	memcpy(u.dst_mac, mac_port, 6);
	memcpy(u.src_mac, mac_srv[SA], 6);
	u.sip = IP_SA;
	u.dip = IP_LIP;
	u.icmp_type = 3;
	u.icmp_code = 3;          /* port unreachable */
	u.icmp_id = 0;
	u.icmp_seq = 0;
	u.payload = sent + PB_IP_OFF;
	u.payload_len = 20 + 8;
	/* quoting a packet to b (the flow's server is a): ignored, counted */
	quoted.dip = IP_SB;
	assert_true(pb_build(&quoted, sent, sizeof(sent)) > 0);
	rx(f, 0, &u);
	expect_none(f, 0);
	stats(f, &st);
	assert_int_equal(st.drop[NC_DROP_ICMP_NO_FLOW], 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	/* a's own unreachable: moved to b at once */
	quoted.dip = IP_SA;
	assert_true(pb_build(&quoted, sent, sizeof(sent)) > 0);
	u.sip = IP_SA;
	rx(f, 0, &u);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	assert_wire(&fr, &want);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].fs_replays, 1);
	assert_int_equal(st.drop[NC_DROP_ICMP_NO_FLOW], 1);
	assert_int_equal(drops_total(f), 1);
	ctl_round(f);
	expect_none(f, 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * max_replays counts moves per request ("failsafe.max_replays": moves per
 * request before the client is reset): with 1, a flow whose first request
 * was moved to b and answered there still has its one move for its next
 * request, so when b leaves that one unanswered it goes to a (still up: the
 * control lcore has not run), not a reset.
 */
static void
test_failsafe_replays_per_request(void **state)
{
	struct fx *f = *state;
	uint8_t q[18], a[14];
	struct pb_pkt p, s, want;
	struct flow fl;
	struct frame fr;

	memset(q, 0xc1, sizeof(q));
	memset(a, 0xc2, sizeof(a));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 35500, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	assert_wire(&fr, &want);
	fl.server = SB;
	server_pkt(&s, &fl.c, SB, fl.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	s2c_ok(f, &fl, &s);
	assert_fs(f, 0, 1, 1, 1, 0, 0, 1, 0);

	/* a second request on the flow, unanswered by b */
	tick(f, 0);
	p.ip_id = 0x2222;
	c2s_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	if (nc_worker_flow_count(wk(f, 0)) == 0)
		print_error("the flow's second request was given up: max_replays counted per flow\n");
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, fl.lport);
	assert_wire(&fr, &want);
	assert_fs(f, 1, 2, 1, 2, 0, 0, 1, 1);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/* 70 new flows in one burst with a store of 64: 64 held, 6 counted as not
 * held, all 70 forwarded. The answers release every held request. */
static void
test_failsafe_store_full(void **state)
{
	enum { N = 70 };
	struct fx *f = *state;
	static struct frame fr[N];
	static struct pb_pkt p[N], s[N];
	static struct flow fl[N];
	static struct nc_dp_stats st;
	struct rte_mbuf *m[N];
	uint8_t q[16], a[16];
	unsigned int i, per[2] = { 0, 0 };

	memset(q, 0x81, sizeof(q));
	memset(a, 0x82, sizeof(a));
	tick(f, 0);
	for (i = 0; i < N; i++) {
		dns_req(&p[i], IP_CLIENT, (uint16_t)(36000 + i), q, sizeof(q));
		m[i] = mk(&p[i]);
	}
	nc_worker_rx(wk(f, 0), 0, m, N);
	assert_int_equal(take(f, 0, fr, N), N);
	for (i = 0; i < N; i++) {
		struct pb_pkt want;

		fl[i].c = p[i];
		fl[i].server = server_of(&fr[i]);
		fl[i].lport = lport_of(&fr[i]);
		fl[i].owner = 0;
		want = nat_c2s(&p[i], fl[i].server, fl[i].lport);
		assert_wire(&fr[i], &want);
		per[fl[i].server]++;
	}
	assert_int_equal(per[SA], N / 2);
	assert_int_equal(per[SB], N / 2);
	assert_fs(f, 64, 64, 0, 0, 0, N - 64, 0, 0);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].pkts_c2s, N);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);

	for (i = 0; i < N; i++) {
		server_pkt(&s[i], &fl[i].c, fl[i].server, fl[i].lport);
		s[i].payload = a;
		s[i].payload_len = sizeof(a);
		s2c_ok(f, &fl[i], &s[i]);
	}
	assert_fs(f, 0, 64, 64, 0, 0, N - 64, 0, 0);
	/* the store has room again */
	dns_req(&p[0], IP_CLIENT, 36100, q, sizeof(q));
	open_flow(f, 0, &p[0], &fl[0]);
	assert_fs(f, 1, 65, 64, 0, 0, N - 64, 0, 0);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	assert_int_equal(take(f, 0, fr, 1), 1);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/* Without a fail-safe nothing is held and nothing is replayed. */
static void
test_failsafe_off(void **state)
{
	struct fx *f = *state;
	struct nc_failsafe_view v;
	uint8_t q[12];
	struct pb_pkt p;
	struct flow fl;

	memset(q, 0x91, sizeof(q));
	assert_null(f->dp->txpool);
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 36200, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	dns_req(&p, IP_CLIENT, 36201, q, sizeof(q));
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SB);   /* no affinity either */
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	fs_view(f, &v);
	assert_int_equal(v.held_now, 0);
	assert_int_equal(v.held, 0);
	assert_int_equal(v.replays, 0);
	assert_int_equal(v.store_full, 0);
	assert_int_equal(v.affinity_hits, 0);
	assert_int_equal(nc_dp_failsafe_view(f->dp, 2, &v), -ENOENT);
	assert_no_leak(f);
}

/* persistence_s: a client's new flows go to the server its first flow got;
 * another client gets the schedule's next server. */
static void
test_affinity(void **state)
{
	static const struct {
		uint32_t ip;
		int server;
	} c[] = {
		{ PB_IP(192, 168, 1, 10), SA },
		{ PB_IP(192, 168, 1, 11), SB },
		{ PB_IP(192, 168, 1, 12), SA },
		{ PB_IP(192, 168, 1, 13), SB },
	};
	enum { PER = 5 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	struct nc_failsafe_view v;
	uint8_t q[12];
	unsigned int i, k;

	memset(q, 0xa1, sizeof(q));
	tick(f, 0);
	/* clients interleaved: each one's flows keep their server */
	for (k = 0; k < PER; k++)
		for (i = 0; i < RTE_DIM(c); i++) {
			struct pb_pkt p;
			struct flow fl;

			dns_req(&p, c[i].ip, (uint16_t)(37000 + k * 16 + i), q, sizeof(q));
			open_flow(f, 0, &p, &fl);
			if (fl.server != c[i].server)
				print_error("client %u flow %u went to %c\n", i, k, 'a' + fl.server);
			assert_int_equal(fl.server, c[i].server);
		}
	fs_view(f, &v);
	assert_int_equal(v.affinity_hits, RTE_DIM(c) * (PER - 1));
	assert_int_equal(v.held, 0);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].flows_opened, RTE_DIM(c) * PER);
	assert_int_equal(st.svc[SVC_DNS].server_flows[SA], 2 * PER);
	assert_int_equal(st.svc[SVC_DNS].server_flows[SB], 2 * PER);
	/* the other service has no affinity: one client alternates there */
	{
		struct flow w0, w1;

		open_tcp(f, 37500, &w0);
		open_tcp(f, 37501, &w1);
		assert_int_equal(w0.server, SA);
		assert_int_equal(w1.server, SB);
		assert_int_equal(nc_dp_failsafe_view(f->dp, SVC_WEB, &v), 2);
		assert_int_equal(v.affinity_hits, 0);
	}
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* With two workers and affinity, every flow of one client is owned by one
 * worker (whichever worker it arrives at), so its affinity holds. */
static void
test_affinity_two_workers(void **state)
{
	enum { CLIENTS = 8, PER = 6 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	struct nc_failsafe_view v;
	unsigned int i, k, owner[CLIENTS], per_worker[2] = { 0, 0 }, handed = 0;
	uint8_t q[12];

	assert_int_equal(f->n_workers, 2);
	memset(q, 0xb1, sizeof(q));
	tick(f, 0);
	tick(f, 1);
	for (i = 0; i < CLIENTS; i++) {
		int server = -1;

		for (k = 0; k < PER; k++) {
			struct pb_pkt p, s, want;
			struct frame fr;
			struct flow fl;
			unsigned int in = k % 2;

			dns_req(&p, PB_IP(192, 168, 2, 10 + i), (uint16_t)(38000 + k), q, sizeof(q));
			fl.owner = deliver(f, in, &p, &fr);
			fl.c = p;
			fl.server = server_of(&fr);
			fl.lport = lport_of(&fr);
			want = nat_c2s(&p, fl.server, fl.lport);
			assert_wire(&fr, &want);
			assert_int_equal(fl.lport % 2, fl.owner);
			handed += fl.owner != in;
			if (k == 0) {
				owner[i] = fl.owner;
				server = fl.server;
			}
			assert_int_equal(fl.owner, owner[i]);
			assert_int_equal(fl.server, server);
			/* the answer, at the other worker, reaches the owner */
			server_pkt(&s, &fl.c, fl.server, fl.lport);
			assert_int_equal(deliver(f, 1 - fl.owner, &s, &fr), fl.owner);
			want = nat_s2c(&s, &fl.c);
			assert_wire(&fr, &want);
			handed++;
		}
		per_worker[owner[i]] += PER;
	}
	/* these clients spread over both workers */
	assert_true(per_worker[0] > 0 && per_worker[1] > 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), per_worker[0]);
	assert_int_equal(nc_worker_flow_count(wk(f, 1)), per_worker[1]);
	fs_view(f, &v);
	assert_int_equal(v.affinity_hits, CLIENTS * (PER - 1));
	stats(f, &st);
	assert_int_equal(st.handoff_out, handed);
	assert_int_equal(st.handoff_in, handed);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpfailsafe"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_failsafe_replay, setup_failsafe),
		T(test_failsafe_old_server_dropped, setup_failsafe),
		T(test_failsafe_give_up, setup_failsafe_1),
		T(test_failsafe_same_server_retry, setup_failsafe),
		T(test_failsafe_replays_per_request, setup_failsafe_1),
		T(test_failsafe_icmp_unreachable, setup_failsafe),
		T(test_failsafe_server_down, setup_failsafe_200),
		T(test_failsafe_store_full, setup_failsafe),
		T(test_failsafe_off, setup_lab),
		T(test_affinity, setup_persist),
		T(test_affinity_two_workers, setup_persist_2w),
	};

	return cmocka_run_group_tests_name("dp_failsafe", tests, eal_setup, fx_eal_teardown);
}
