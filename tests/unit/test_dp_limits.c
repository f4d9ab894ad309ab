/* SPDX-License-Identifier: BSD-3-Clause
 * Limits against floods (limits.*): a UDP flow no server answered expires
 * after udp_unreplied_s, an answered one after udp_idle_s; new flows per
 * client (IPv6: per /64) beyond new_flows_per_source (a token bucket,
 * new_flows_burst at once) refused as source_rate, other clients served, the
 * bucket refilled with time; a service's handshakes under way capped at
 * half_open_max and its unanswered UDP flows at udp_unreplied_max, each
 * released by the handshake's end, the first answer, or the flow's end; the
 * gauges in the service's counters.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "dp_fixture.h"

/* The fixture with <tweak>, its workers on the virtual clock (vnow_ms) at 0. */
static int
setup_clocked(void **state, void (*tweak)(struct nc_config *))
{
	if (fx_setup(state, tweak) != 0)
		return -1;
	((struct fx *)*state)->vclock = 1;
	tick(*state, 0);
	return 0;
}

/* the caps and the unanswered timeout */
static void
tweak_caps(struct nc_config *c)
{
	c->limits.udp_idle_s = 30;
	c->limits.udp_unreplied_s = 5;
	c->limits.half_open_max = 3;
	c->limits.udp_unreplied_max = 2;
}

static int setup_caps(void **state) { return setup_clocked(state, tweak_caps); }

/* 4 new flows a second per client, 4 at once */
static void
tweak_rate(struct nc_config *c)
{
	c->limits.new_flows_per_source = 4;
	c->limits.new_flows_burst = 4;
}

static int setup_rate(void **state) { return setup_clocked(state, tweak_rate); }

/* the lab, dual-stack, 4 new flows a second per client */
static void
tweak_rate6(struct nc_config *c)
{
	tweak_v6(c);
	c->limits.new_flows_per_source = 4;
	c->limits.new_flows_burst = 4;
}

static int setup_rate6(void **state) { return setup_clocked(state, tweak_rate6); }

/* ... counted by /48 (limits.source_prefix6) */
static void
tweak_rate48(struct nc_config *c)
{
	tweak_rate6(c);
	c->limits.source_prefix6 = 48;
}

static int setup_rate48(void **state) { return setup_clocked(state, tweak_rate48); }

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdplimits"); }

static uint64_t
drops_of(struct fx *f, enum nc_drop why)
{
	struct nc_dp_stats st;

	stats(f, &st);
	return st.drop[why];
}

static void
svc_gauges(struct fx *f, unsigned int svc, uint64_t *half_open, uint64_t *unreplied)
{
	struct nc_dp_stats st;

	stats(f, &st);
	*half_open = st.svc[svc].half_open;
	*unreplied = st.svc[svc].udp_unreplied;
}

/* Client packet <p> from <client>:<sport> opens a flow (forwarded), or is
 * refused as <why>. */
static void
new_flow(struct fx *f, struct pb_pkt *p, uint8_t proto, uint32_t client, uint16_t sport, int why)
{
	uint64_t before = why >= 0 ? drops_of(f, (enum nc_drop)why) : 0;
	struct frame fr;

	client_pkt(p, proto, sport);
	p->sip = client;
	rx(f, 0, p);
	if (why < 0) {
		expect_one(f, 0, &fr);
		return;
	}
	expect_none(f, 0);
	assert_int_equal(drops_of(f, (enum nc_drop)why), before + 1);
}

/* An unanswered UDP flow goes after udp_unreplied_s; an answered one lives
 * to udp_idle_s. */
static void
test_udp_unreplied_timeout(void **state)
{
	struct fx *f = *state;
	struct pb_pkt p, s;
	struct flow a, b;

	client_pkt(&p, IPPROTO_UDP, 30000);
	open_flow(f, 0, &p, &a);
	client_pkt(&p, IPPROTO_UDP, 30001);
	open_flow(f, 0, &p, &b);
	server_pkt(&s, &b.c, b.server, b.lport);
	s2c_ok(f, &b, &s);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 2);
	f->vnow_ms += 6000;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1024);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);   /* a: never answered */
	f->vnow_ms += 25000;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1024);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_no_leak(f);
}

/* 4 new flows at once from one client, the 5th refused; its flows go on;
 * another client served; a quarter of a second later one more (4 a
 * second), not two. */
static void
test_source_rate(void **state)
{
	struct fx *f = *state;
	uint32_t other = PB_IP(192, 168, 1, 11);
	struct pb_pkt p;
	struct frame fr;
	unsigned int i;

	for (i = 0; i < 4; i++)
		new_flow(f, &p, i < 2 ? IPPROTO_UDP : IPPROTO_TCP, IP_CLIENT, (uint16_t)(31000 + i), -1);
	new_flow(f, &p, IPPROTO_UDP, IP_CLIENT, 31004, NC_DROP_SOURCE_RATE);
	new_flow(f, &p, IPPROTO_TCP, IP_CLIENT, 31005, NC_DROP_SOURCE_RATE);
	/* the limit is on new flows: an open one goes on */
	client_pkt(&p, IPPROTO_UDP, 31000);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	new_flow(f, &p, IPPROTO_TCP, other, 31006, -1);
	f->vnow_ms += 250;
	tick(f, 0);
	new_flow(f, &p, IPPROTO_TCP, IP_CLIENT, 31007, -1);
	new_flow(f, &p, IPPROTO_TCP, IP_CLIENT, 31008, NC_DROP_SOURCE_RATE);
	assert_no_leak(f);
}

/* The service's handshakes under way: 3 at most; a completed handshake, an
 * RST and an expiry each make room. */
static void
test_half_open(void **state)
{
	struct fx *f = *state;
	uint64_t ho, un;
	struct pb_pkt p;
	struct flow a, b, c;

	open_tcp(f, 32000, &a);
	open_tcp(f, 32001, &b);
	open_tcp(f, 32002, &c);
	svc_gauges(f, SVC_WEB, &ho, &un);
	assert_int_equal(ho, 3);
	new_flow(f, &p, IPPROTO_TCP, PB_IP(192, 168, 1, 12), 32003, NC_DROP_HALF_OPEN_MAX);
	/* a's handshake completes: room for one */
	client_seg(&p, &a, PB_TCP_ACK);
	c2s_ok(f, &a, &p);
	svc_gauges(f, SVC_WEB, &ho, &un);
	assert_int_equal(ho, 2);
	new_flow(f, &p, IPPROTO_TCP, PB_IP(192, 168, 1, 12), 32004, -1);
	new_flow(f, &p, IPPROTO_TCP, PB_IP(192, 168, 1, 13), 32005, NC_DROP_HALF_OPEN_MAX);
	/* b reset by its client */
	client_seg(&p, &b, PB_TCP_RST);
	c2s_ok(f, &b, &p);
	new_flow(f, &p, IPPROTO_TCP, PB_IP(192, 168, 1, 13), 32006, -1);
	/* the handshakes that never complete expire (tcp_syn_s): all room back */
	f->vnow_ms += 11000;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1024);
	svc_gauges(f, SVC_WEB, &ho, &un);
	assert_int_equal(ho, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);   /* a, established */
	assert_no_leak(f);
}

/* The service's unanswered UDP flows: 2 at most; the first answer makes
 * room. */
static void
test_udp_unreplied_max(void **state)
{
	struct fx *f = *state;
	uint64_t ho, un;
	struct pb_pkt p, s;
	struct flow a, b;

	client_pkt(&p, IPPROTO_UDP, 33000);
	open_flow(f, 0, &p, &a);
	client_pkt(&p, IPPROTO_UDP, 33001);
	open_flow(f, 0, &p, &b);
	svc_gauges(f, SVC_DNS, &ho, &un);
	assert_int_equal(un, 2);
	new_flow(f, &p, IPPROTO_UDP, PB_IP(192, 168, 1, 12), 33002, NC_DROP_UDP_UNREPLIED_MAX);
	server_pkt(&s, &a.c, a.server, a.lport);
	s2c_ok(f, &a, &s);
	svc_gauges(f, SVC_DNS, &ho, &un);
	assert_int_equal(un, 1);
	new_flow(f, &p, IPPROTO_UDP, PB_IP(192, 168, 1, 12), 33003, -1);
	/* the service's other protocol is not counted here */
	svc_gauges(f, SVC_WEB, &ho, &un);
	assert_int_equal(ho, 0);
	assert_int_equal(un, 0);
	assert_no_leak(f);
}

/*
 * The IPv6 client's bucket is a prefix: four new flows from addresses that
 * differ in byte <inside> of it (the burst), a fifth from another such
 * address refused, one whose byte <outside> differs (another prefix) taken.
 */
static void
bucket_is_prefix(struct fx *f, unsigned int inside, unsigned int outside)
{
	uint64_t before = drops_of(f, NC_DROP_SOURCE_RATE);
	struct pb_pkt c;
	struct frame fr;
	unsigned int i;

	for (i = 0; i < 5; i++) {
		client6(&c, IPPROTO_UDP, (uint16_t)(34000 + i));
		c.sip6[inside] = (uint8_t)(0x10 + i);
		rx(f, 0, &c);
		if (i < 4) {
			expect_one(f, 0, &fr);
		} else {
			expect_none(f, 0);
			assert_int_equal(drops_of(f, NC_DROP_SOURCE_RATE), before + 1);
		}
	}
	c.sip6[outside] ^= 1;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	assert_no_leak(f);
}

/* IPv6: the bucket is the client's /64 - other addresses in it share it,
 * another /64 has its own. */
static void
test_source_rate6(void **state)
{
	bucket_is_prefix(*state, 15, 7);
}

/* With source_prefix6 48 the bucket is the client's /48: its /64s share it,
 * another /48 has its own. */
static void
test_source_prefix48(void **state)
{
	bucket_is_prefix(*state, 7, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_unreplied_timeout, setup_caps, fx_teardown),
		cmocka_unit_test_setup_teardown(test_source_rate, setup_rate, fx_teardown),
		cmocka_unit_test_setup_teardown(test_half_open, setup_caps, fx_teardown),
		cmocka_unit_test_setup_teardown(test_udp_unreplied_max, setup_caps, fx_teardown),
		cmocka_unit_test_setup_teardown(test_source_rate6, setup_rate6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_source_prefix48, setup_rate48, fx_teardown),
	};

	return cmocka_run_group_tests_name("dp_limits", tests, eal_setup, fx_eal_teardown);
}
