/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: health probes through the port, driven without a NIC through the
 * data-path fixture (dp_fixture.h): every probe segment on the wire, answers
 * of every kind taking a server down and back, timeouts, what is steered to
 * the control lcore (with one worker or two) and what is not, and probe
 * ports never given to clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_dp.h"
#include "nc_sched.h"
#include "dp_priv.h"     /* NC_PROBE_PORT_BASE, NC_PROBE_FIRST_MS */
#include "pkt_build.h"
#include "dp_fixture.h"

/* web (TCP) and dns (UDP) probed: probe ports 1024..1027. */
static void
tweak_health_both(struct nc_config *c)
{
	tweak_health(c);
	health_set(&c->services[SVC_DNS], NC_HEALTH_UDP);
}

static void
tweak_health_two_workers(struct nc_config *c)
{
	tweak_health(c);
	tweak_two_workers(c);
}

static int setup_health(void **state) { return fx_setup(state, tweak_health); }
static int setup_health_both(void **state) { return fx_setup(state, tweak_health_both); }
static int setup_health_2w(void **state) { return fx_setup(state, tweak_health_two_workers); }

/* The gateway reports server <s> unreachable, quoting the probe's SYN. */
static void
answer_unreach(struct fx *f, struct probes *pr, int s)
{
	uint8_t syn[PB_MAX_FRAME];
	struct pb_pkt q, u;

	pb_init(&q, IPPROTO_TCP);
	q.sip = IP_LIP;
	q.dip = ip_srv[s];
	q.sport = PROBE_PORT(s);
	q.dport = WEB_SPORT;
	q.seq = pr->isn[s];
	q.tcp_doff = 6;
	assert_true(pb_build(&q, syn, sizeof(syn)) > 0);
	pb_init(&u, IPPROTO_ICMP);
	memcpy(u.dst_mac, mac_port, 6);
	memcpy(u.src_mac, mac_gw, 6);
	u.sip = IP_GW;
	u.dip = IP_LIP;
	u.icmp_type = 3;
	u.icmp_code = 1;          /* host unreachable */
	u.icmp_id = 0;
	u.icmp_seq = 0;
	u.payload = syn + PB_IP_OFF;
	u.payload_len = 20 + 8;
	to_ctl(f, pr, &u);
	ctl_round(f);
	expect_none(f, 0);
}

static void
assert_to_ctl(struct fx *f, uint64_t n)
{
	static struct nc_dp_stats st;

	stats(f, &st);
	assert_int_equal(st.to_ctl, n);
}

/* Open <n> web flows; count how many went to each server. */
static void
open_web_flows(struct fx *f, uint16_t sport0, unsigned int n, unsigned int *per_server)
{
	unsigned int i;

	per_server[SA] = per_server[SB] = 0;
	for (i = 0; i < n; i++) {
		struct flow fl;

		open_tcp(f, (uint16_t)(sport0 + i), &fl);
		assert_true(fl.lport < NC_PROBE_PORT_BASE || fl.lport >= PROBE_PORT(NC_MAX_SERVICES * NC_MAX_SERVERS));
		per_server[fl.server]++;
	}
}

/* ------------------------------------------------------- health probes */

/*
 * TCP health probes through the port: one SYN per server from its probe port
 * once the first probes are due; a SYN-ACK is good (RST|ACK ends it), an
 * RST is bad. After two bad probes B is down: its weight goes to A and new
 * flows all go to A; down, it is still probed, and after two good probes it
 * is back at the weight it had (70), A at 30.
 */
static void
test_probe_tcp_rise_fall(void **state)
{
	struct fx *f = *state;
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct nc_ctl_stats cs;
	struct probes pr;
	unsigned int per[2];

	memset(&pr, 0, sizeof(pr));
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(sv.health, NC_HEALTH_TCP);
	assert_int_equal(sv.n_up, 2);
	/* nothing before NC_PROBE_FIRST_MS - unless a loaded machine took
	 * that long since the data plane started (its clock is real time) */
	if (rte_get_tsc_cycles() < f->dp->ctl->mon[SVC_WEB].srv[SA].probe_next) {
		ctl_round(f);
		expect_none(f, 0);
	}

	probe_round(f, &pr, NC_PROBE_FIRST_MS + 50);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	assert_int_equal(pr.rst[SA] + pr.rst[SB], 0);
	answer_synack(f, &pr, SA);
	answer_rst(f, &pr, SB);
	assert_to_ctl(f, pr.to_ctl);
	assert_int_equal(drops_total(f), 0);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].probes_good, 1);
	assert_int_equal(v[SA].probes_bad, 0);
	assert_true(v[SA].probe_rt_us < 40000);   /* answered within its timeout */
	assert_int_equal(v[SB].probes_good, 0);
	assert_int_equal(v[SB].probes_bad, 1);
	assert_int_equal(v[SB].up, 1);            /* one bad probe: still up */

	probe_round(f, &pr, PROBE_WAIT_MS);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	assert_int_equal(pr.rst[SA] + pr.rst[SB], 0);
	answer_synack(f, &pr, SA);
	answer_rst(f, &pr, SB);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(sv.n_up, 1);
	assert_int_equal(v[SA].up, 1);
	assert_int_equal(v[SA].weight, 100);
	assert_int_equal(v[SA].probes_good, 2);
	assert_int_equal(v[SB].up, 0);
	assert_int_equal(v[SB].weight, 0);
	assert_int_equal(v[SB].probes_bad, 2);
	assert_int_equal(v[SB].down_count, 1);
	assert_int_equal(nc_dp_schedule(f->dp, SVC_WEB)->server[SB].up, 0);
	tick(f, 0);
	open_web_flows(f, 56300, 4, per);
	assert_int_equal(per[SA], 4);

	/* B answers again: one good probe is not enough */
	probe_round(f, &pr, PROBE_WAIT_MS);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	answer_synack(f, &pr, SA);
	answer_synack(f, &pr, SB);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SB].up, 0);
	assert_int_equal(v[SB].probes_good, 1);
	open_web_flows(f, 56310, 2, per);
	assert_int_equal(per[SA], 2);

	probe_round(f, &pr, PROBE_WAIT_MS);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	answer_synack(f, &pr, SA);
	answer_synack(f, &pr, SB);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(sv.n_up, 2);
	assert_int_equal(v[SA].up, 1);
	assert_int_equal(v[SA].weight, 30);
	assert_int_equal(v[SB].up, 1);
	assert_int_equal(v[SB].weight, 70);
	assert_int_equal(v[SB].probes_good, 2);
	assert_int_equal(v[SB].probes_bad, 2);
	assert_int_equal(v[SB].down_count, 1);
	assert_int_equal(v[SA].probes_good, 4);
	assert_int_equal(v[SA].probes_bad, 0);
	assert_int_equal(v[SA].down_count, 0);
	tick(f, 0);
	open_web_flows(f, 56320, 3, per);
	assert_int_equal(per[SA], 1);
	assert_int_equal(per[SB], 2);

	assert_to_ctl(f, pr.to_ctl);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.probe_unmatched, 0);
	assert_int_equal(cs.tx_failed, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * A probe with no answer within timeout_ms is bad, and the control lcore
 * resets the half-open connection (RST at ISN + 1); after two B is down. A
 * late SYN-ACK for a probe that already timed out does not count. An ICMP
 * unreachable quoting the SYN is bad too.
 */
static void
test_probe_timeout(void **state)
{
	struct fx *f = *state;
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct probes pr;
	uint32_t old_isn;

	memset(&pr, 0, sizeof(pr));
	probe_round(f, &pr, NC_PROBE_FIRST_MS + 50);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	answer_synack(f, &pr, SA);
	old_isn = pr.isn[SB];       /* B never answers */

	probe_round(f, &pr, PROBE_WAIT_MS);
	assert_int_equal(pr.rst[SA], 0);
	assert_int_equal(pr.rst[SB], 1);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	assert_int_not_equal(pr.isn[SB], old_isn);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SB].probes_bad, 1);
	assert_int_equal(v[SB].up, 1);
	/* B's answer to the first probe arrives now: too late, and reset at
	 * its acknowledgement (RFC 793: the ACK is not the new SYN's) */
	{
		struct pb_pkt p;
		struct frame fr;

		probe_reply(&p, SB, PB_TCP_SYN | PB_TCP_ACK, 0x71000000, old_isn + 1);
		to_ctl(f, &pr, &p);
		ctl_round(f);
		expect_one(f, 0, &fr);
		assert_int_equal(fr.b[pb_l4_off(fr.b) + 13], PB_TCP_RST);
		assert_int_equal(pb_get32(fr.b + pb_l4_off(fr.b) + 4), old_isn + 1);
	}
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SB].probes_good, 0);
	answer_synack(f, &pr, SA);

	probe_round(f, &pr, PROBE_WAIT_MS);
	assert_int_equal(pr.rst[SB], 1);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SB].probes_bad, 2);
	assert_int_equal(v[SB].up, 0);
	assert_int_equal(v[SB].weight, 0);
	assert_int_equal(v[SB].down_count, 1);
	assert_int_equal(v[SA].weight, 100);
	assert_int_equal(sv.n_up, 1);
	/* A's third probe: unreachable, bad, but one is not enough to go down */
	answer_unreach(f, &pr, SA);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].probes_good, 2);
	assert_int_equal(v[SA].probes_bad, 1);
	assert_int_equal(v[SA].up, 1);
	assert_int_equal(v[SA].weight, 100);
	assert_to_ctl(f, pr.to_ctl);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * Probes paused (this dispatcher's local IPs are another's while it
 * resyncs): one under way ends with its reset and no verdict, so that the
 * server keeps no half-open connection on the probe's address and port to
 * meet the next probe; nothing more is sent until they resume.
 */
static void
test_probe_paused(void **state)
{
	struct fx *f = *state;
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct probes pr;

	memset(&pr, 0, sizeof(pr));
	probe_round(f, &pr, NC_PROBE_FIRST_MS + 50);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	nc_dp_probes_pause(f->dp, true);
	probe_round(f, &pr, 1);
	assert_int_equal(pr.rst[SA], 1);
	assert_int_equal(pr.rst[SB], 1);
	assert_int_equal(pr.syn[SA] + pr.syn[SB], 0);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].probes_bad + v[SB].probes_bad, 0);
	probe_round(f, &pr, PROBE_WAIT_MS);
	assert_int_equal(pr.syn[SA] + pr.syn[SB] + pr.rst[SA] + pr.rst[SB], 0);
	nc_dp_probes_pause(f->dp, false);
	probe_round(f, &pr, PROBE_WAIT_MS);
	assert_int_equal(pr.syn[SA], 1);
	assert_int_equal(pr.syn[SB], 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * With health probes configured, replies to the probes go to the control
 * lcore: a TCP or UDP segment to the local IP's probe ports (1024..3071: one
 * per server slot of every service slot), ICMP echo replies and unreachables
 * to us. Port 3072 is a client port: without a flow, no_flow. What answers no probe at all (an echo
 * id or a quoted port outside the probe ports, a quoted source that is not the
 * probes' local IP) is counted and freed.
 */
static void
test_probe_steering(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct nc_ctl_stats cs;
	struct probes pr;
	struct pb_pkt p;
	unsigned int i;

	memset(&pr, 0, sizeof(pr));
	/* echo reply to the local IP, id 0x77 */
	echo_request(&p, IP_LIP, NULL, 0);
	p.icmp_type = 0;
	p.sip = IP_SA;
	memcpy(p.src_mac, mac_srv[SA], 6);
	to_ctl(f, &pr, &p);
	/* unreachables quoting a segment from LIP:5000 (not a probe port: a
	 * client port no flow has, counted by the worker), and from the port's
	 * own address at port 1024 (not the probes' source: for the control
	 * lcore, unmatched) */
	for (i = 0; i < 2; i++) {
		uint8_t quoted[PB_MAX_FRAME];
		struct pb_pkt q;

		pb_init(&q, IPPROTO_TCP);
		q.sip = i == 0 ? IP_LIP : IP_PORT;
		q.dip = IP_SA;
		q.sport = i == 0 ? 5000 : PROBE_PORT(SA);
		q.dport = WEB_SPORT;
		pb_build(&q, quoted, sizeof(quoted));
		pb_init(&p, IPPROTO_ICMP);
		memcpy(p.dst_mac, mac_port, 6);
		memcpy(p.src_mac, mac_gw, 6);
		p.sip = IP_GW;
		p.dip = q.sip;
		p.icmp_type = 3;
		p.icmp_code = 3;
		p.icmp_id = p.icmp_seq = 0;
		p.payload = quoted + PB_IP_OFF;
		p.payload_len = 28;
		if (i == 0) {
			rx(f, 0, &p);
			expect_none(f, 0);
		} else {
			to_ctl(f, &pr, &p);
		}
	}
	want[NC_DROP_ICMP_NO_FLOW] = 1;
	assert_drops(f, want);
	assert_to_ctl(f, 2);
	ctl_round(f);
	expect_none(f, 0);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.probe_unmatched, 2);

	/* segments to the probe ports, while no probe is out yet */
	for (i = 0; i < 2; i++) {
		probe_reply(&p, (int)i, PB_TCP_ACK, 0x1000, 0x2000);
		to_ctl(f, &pr, &p);
	}
	pb_init(&p, IPPROTO_UDP);
	memcpy(p.dst_mac, mac_port, 6);
	memcpy(p.src_mac, mac_srv[SB], 6);
	p.sip = IP_SB;
	p.dip = IP_LIP;
	p.sport = DNS_PORT;
	p.dport = PROBE_PORT(SA);
	to_ctl(f, &pr, &p);
	/* the port after the probe ports: a client port */
	probe_reply(&p, SA, PB_TCP_ACK, 0x1000, 0x2000);
	p.dport = PROBE_PORT(NC_MAX_SERVICES * NC_MAX_SERVERS);
	rx(f, 0, &p);
	expect_none(f, 0);
	want[NC_DROP_NO_FLOW] = 1;
	assert_drops(f, want);
	assert_to_ctl(f, 5);
	ctl_round(f);
	expect_none(f, 0);
	/* none of it is a verdict */
	mon_view(f, SVC_WEB, &sv, v);
	for (i = 0; i < 2; i++) {
		assert_int_equal(v[i].probes_good, 0);
		assert_int_equal(v[i].probes_bad, 0);
		assert_int_equal(v[i].up, 1);
	}
	assert_drops(f, want);
	assert_no_leak(f);
}

/* A frame to a probe port while no probe is in flight answers no probe:
 * counted in probe_unmatched (and freed). */
static void
test_probe_unmatched_idle(void **state)
{
	struct fx *f = *state;
	struct nc_ctl_stats cs;
	struct probes pr;
	struct pb_pkt p;

	memset(&pr, 0, sizeof(pr));
	probe_reply(&p, SA, PB_TCP_SYN | PB_TCP_ACK, 0x1000, 0x2000);
	to_ctl(f, &pr, &p);
	probe_reply(&p, SB, PB_TCP_RST | PB_TCP_ACK, 0, 0x2000);
	to_ctl(f, &pr, &p);
	ctl_round(f);             /* before the first probes (NC_PROBE_FIRST_MS) */
	expect_none(f, 0);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.probe_unmatched, 2);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* A probe answer is addressed to the appliance itself, not forwarded: its
 * TTL does not matter (as for an echo request to us), even at 1. */
static void
test_probe_answer_ttl1(void **state)
{
	struct fx *f = *state;
	uint64_t none[NC_DROP_MAX] = { 0 };
	struct probes pr;
	struct pb_pkt p;

	memset(&pr, 0, sizeof(pr));
	probe_reply(&p, SA, PB_TCP_SYN | PB_TCP_ACK, 0x1000, 0x2000);
	p.ttl = 1;
	to_ctl(f, &pr, &p);
	assert_drops(f, none);
	assert_to_ctl(f, 1);
	ctl_round(f);
	expect_none(f, 0);
	assert_no_leak(f);
}

/* With two workers, a probe answer arriving at the worker that does not own
 * its port still goes to the control lcore, not through a handoff. */
static void
test_probe_steering_two_workers(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	struct pb_pkt p;
	unsigned int w;

	for (w = 0; w < 2; w++) {
		/* local ports are split by parity: 1025 is worker 1's, 1024 worker 0's */
		probe_reply(&p, 1 - (int)w, PB_TCP_ACK, 0x1000, 0x2000);
		rx(f, w, &p);
		expect_none(f, w);
	}
	stats(f, &st);
	assert_int_equal(st.to_ctl, 2);
	assert_int_equal(st.handoff_out, 0);
	ctl_round(f);
	expect_none(f, 0);
	expect_none(f, 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Without health probes nothing is steered: an echo reply or an unreachable
 * to us is icmp_unsupported, a segment to LIP:1024 is no_flow. The probe
 * ports stay reserved for services given probes at run time: the first
 * client port is the one after them. */
static void
test_probe_steering_plain(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_ctl_stats cs;
	struct pb_pkt p;
	struct flow fl;

	echo_request(&p, IP_LIP, NULL, 0);
	p.icmp_type = 0;
	rx(f, 0, &p);
	p.icmp_type = 3;
	p.icmp_id = NC_PROBE_PORT_BASE;
	rx(f, 0, &p);
	probe_reply(&p, SA, PB_TCP_SYN | PB_TCP_ACK, 0x1000, 0x2000);
	rx(f, 0, &p);
	expect_none(f, 0);
	want[NC_DROP_ICMP_UNSUPPORTED] = 2;
	want[NC_DROP_NO_FLOW] = 1;
	assert_drops(f, want);
	assert_to_ctl(f, 0);
	ctl_round(f);
	expect_none(f, 0);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.probe_unmatched, 0);
	open_tcp(f, 56400, &fl);
	assert_int_equal(fl.lport, NC_PROBE_PORT_BASE + NC_MAX_SERVICES * NC_MAX_SERVERS);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* Probe ports (1024..3071: a port per server slot of every service slot, so
 * servers and services added at run time have theirs) are never given to
 * client flows, which otherwise start at 1024 (tcp_timewait_s 0); replies to
 * the first client port reach the client. */
static void
test_probe_ports_reserved(void **state)
{
	enum { N = 8 };
	struct fx *f = *state;
	struct flow fl[2 * N];
	unsigned int i;

	for (i = 0; i < 2 * N; i++) {
		struct pb_pkt p;

		client_pkt(&p, i % 2 ? IPPROTO_UDP : IPPROTO_TCP, (uint16_t)(56500 + i));
		open_flow(f, 0, &p, &fl[i]);
		if (fl[i].lport >= NC_PROBE_PORT_BASE &&
		    fl[i].lport < NC_PROBE_PORT_BASE + NC_MAX_SERVICES * NC_MAX_SERVERS)
			print_error("flow %u got probe port %u\n", i, fl[i].lport);
		assert_false(fl[i].lport >= NC_PROBE_PORT_BASE &&
			     fl[i].lport < NC_PROBE_PORT_BASE + NC_MAX_SERVICES * NC_MAX_SERVERS);
	}
	assert_int_equal(fl[0].lport, NC_PROBE_PORT_BASE + NC_MAX_SERVICES * NC_MAX_SERVERS);
	{
		struct pb_pkt s;

		server_seg(&s, &fl[0], PB_TCP_SYN | PB_TCP_ACK);
		s2c_ok(f, &fl[0], &s);
	}
	assert_to_ctl(f, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdphealth"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_tcp_rise_fall, setup_health),
		T(test_probe_timeout, setup_health),
		T(test_probe_paused, setup_health),
		T(test_probe_steering, setup_health),
		T(test_probe_unmatched_idle, setup_health),
		T(test_probe_answer_ttl1, setup_health),
		T(test_probe_steering_two_workers, setup_health_2w),
		T(test_probe_steering_plain, setup_lab),
		T(test_probe_ports_reserved, setup_health_both),
	};

	return cmocka_run_group_tests_name("dp_health", tests, eal_setup, fx_eal_teardown);
}
