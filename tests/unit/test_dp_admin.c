/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: changes at run time, driven without a NIC through the data-path
 * fixture (dp_fixture.h): servers drained, weighted, removed and added,
 * services added and removed, and a drained server under the fail-safe and
 * client affinity.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "nc_dp.h"
#include "nc_sched.h"
#include "dp_priv.h"     /* dp->sched: publish a drained server as the monitor does */
#include "pkt_build.h"
#include "dp_fixture.h"

/* web and dns with the fail-safe, dns with client affinity. */
static void
tweak_drain(struct nc_config *c)
{
	failsafe_set(&c->services[SVC_WEB], 30, 2);
	failsafe_set(&c->services[SVC_DNS], 30, 2);
	c->services[SVC_DNS].persistence_s = 30;
}

static int setup_drain(void **state) { return fx_setup(state, tweak_drain); }

/* Publish service <svc> with a drained (up, weight 0) and b at 100. */
static void
drain_a(struct fx *f, unsigned int svc)
{
	struct nc_sched_server srv[2];
	unsigned int i;

	for (i = 0; i < 2; i++)
		srv[i] = nc_dp_schedule(f->dp, svc)->server[i];
	srv[SA].weight = 0;
	srv[SB].weight = 100;
	assert_int_equal(nc_sched_publish(f->dp->sched, svc, NC_SCHED_RATIO, srv, 2), 0);
	tick(f, 0);
	assert_int_equal(nc_dp_schedule(f->dp, svc)->server[SA].up, 1);
	assert_int_equal(nc_dp_schedule(f->dp, svc)->server[SA].weight, 0);
}

/* ------------------------------------------------- run-time changes (API) */

/* Web (ratio 30/70, no probes): a drained server gets no new flow while its
 * flow carries on; back up at its old weight; a weight set by hand; a server
 * being removed keeps its flows, the last one cannot go, and its slot is freed
 * once its flow has expired; a server added (here at b's address, a static
 * neighbor) comes up once its next hop is known and gets new flows. */
static void
test_admin_changes(void **state)
{
	struct fx *f = *state;
	struct nc_cfg_server c = { "c", IP_SB, WEB_SPORT, 0 };
	struct nc_service_view sv;
	struct nc_server_view v[3];
	struct flow fa, fb, fl;
	struct pb_pkt p;
	unsigned int i;

	tick(f, 0);
	open_tcp(f, 41000, &fa);
	assert_int_equal(fa.server, SA);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SA, NC_ADMIN_DRAIN), 0);
	for (i = 0; i < 6; i++) {
		open_tcp(f, (uint16_t)(41001 + i), &fl);
		assert_int_equal(fl.server, SB);
	}
	fb = fl;
	client_seg(&p, &fa, PB_TCP_ACK);
	c2s_ok(f, &fa, &p);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].admin, NC_ADMIN_DRAIN);
	assert_int_equal(v[SA].health_up, 1);
	assert_int_equal(v[SA].weight, 0);
	assert_int_equal(v[SB].weight, 100);
	assert_string_equal(nc_admin_state_name(NC_ADMIN_DRAIN), "drain");

	/* back up at its earlier weight; then 60 by hand, b gets the rest */
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SA, NC_ADMIN_UP), 0);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].weight, 30);
	assert_int_equal(v[SB].weight, 70);
	assert_int_equal(nc_dp_server_set_weight(f->dp, SVC_WEB, SA, 60), 0);
	assert_int_equal(nc_dp_server_set_weight(f->dp, SVC_WEB, SA, 0), -EINVAL);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].weight, 60);
	assert_int_equal(v[SB].weight, 40);
	assert_int_equal(nc_dp_config(f->dp)->services[SVC_WEB].servers[SA].weight, 60);

	/* remove a: its flow stays; b is then the last and stays */
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SA, NC_ADMIN_REMOVING), 0);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SB, NC_ADMIN_REMOVING), -EBUSY);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SB, (enum nc_admin_state)9), -EINVAL);
	for (i = 0; i < 3; i++) {
		open_tcp(f, (uint16_t)(41010 + i), &fl);
		assert_int_equal(fl.server, SB);
	}
	c2s_ok(f, &fa, &p);
	nc_dp_admin_poll(f->dp, rte_rdtsc() + rte_get_tsc_hz());
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].admin, NC_ADMIN_REMOVING);
	assert_int_equal(nc_dp_server_find(f->dp, SVC_WEB, "a"), SA);
	/* a's flow ends (RST, tcp_fin_s 1) and expires: the slot is free */
	client_seg(&p, &fa, PB_TCP_RST);
	c2s_ok(f, &fa, &p);
	usleep(1100 * 1000);
	tick(f, 0);
	assert_true(nc_worker_expire(wk(f, 0), 4096) >= 1);
	nc_dp_admin_poll(f->dp, rte_rdtsc() + 2 * rte_get_tsc_hz());
	assert_int_equal(nc_dp_service_view(f->dp, SVC_WEB, &sv, v, 3), 2);
	assert_int_equal(v[SA].admin, NC_ADMIN_FREE);
	assert_string_equal(v[SA].name, "");
	assert_int_equal(nc_dp_server_find(f->dp, SVC_WEB, "a"), -ENOENT);
	assert_int_equal(v[SB].weight, 100);
	assert_string_equal(nc_dp_config(f->dp)->services[SVC_WEB].servers[SA].name, "");

	/* add c in the free slot: down until its next hop is known, then up */
	assert_int_equal(nc_dp_server_add(f->dp, SVC_WEB, &c), SA);
	assert_int_equal(nc_dp_server_add(f->dp, SVC_WEB, &c), -EEXIST);
	mon_view(f, SVC_WEB, &sv, v);
	assert_string_equal(v[SA].name, "c");
	assert_int_equal(v[SA].up, 0);
	assert_int_equal(v[SA].flows, 0);
	nc_dp_admin_poll(f->dp, rte_rdtsc() + 3 * rte_get_tsc_hz());
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].up, 1);
	assert_int_equal(v[SA].weight, 50);   /* an equal share */
	assert_int_equal(v[SB].weight, 50);
	/* ratio 50/50: the next two new flows go to c and b; c is at b's address */
	client_seg(&p, &fb, PB_TCP_ACK);
	c2s_ok(f, &fb, &p);
	for (i = 0; i < 2; i++)
		open_tcp(f, (uint16_t)(41020 + i), &fl);
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].flows, 1);
	assert_no_leak(f);
}

/* SIGHUP adds and removes services: "mail" (TCP 25 on the VIP, local IP
 * LIP, server a) gets flows at once; what needs a restart is refused with
 * the reason; removed, it takes no new flow while its flow carries on, and
 * once that flow has expired it is gone and its address can come back. */
static void
test_admin_services(void **state)
{
	struct fx *f = *state;
	struct nc_cfg_service m = nc_dp_config(f->dp)->services[SVC_WEB];
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_service_view sv;
	struct flow fl;
	struct pb_pkt p;
	char why[160];
	int s;

	snprintf(m.name, sizeof(m.name), "mail");
	m.port = 25;
	m.servers[0] = (struct nc_cfg_server){ "a", IP_SA, WEB_SPORT, 100 };
	m.n_servers = 1;
	/* what cannot be added now */
	{
		struct nc_cfg_service bad = m;

		snprintf(bad.name, sizeof(bad.name), "web");
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -EEXIST);
		bad = m;
		bad.port = WEB_PORT;
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -EEXIST);
		assert_non_null(strstr(why, "service web has that address"));
		bad = m;
		bad.local_ips[0] = IP_LIP + 1;
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -ENOTSUP);
		assert_non_null(strstr(why, "needs a restart"));
		bad = m;
		bad.persistence_s = 30;
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -ENOTSUP);
		bad = m;
		bad.failsafe.enabled = true;
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -ENOTSUP);
		bad = m;
		bad.family = AF_INET6;
		pb_ip6(bad.vip6, "fd00::100");
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -ENOTSUP);
		assert_non_null(strstr(why, "no service had an IPv6 VIP at start"));
	}
	assert_int_equal(nc_dp_service_check_add(f->dp, &m, why, sizeof(why)), 2);
	s = nc_dp_service_add(f->dp, &m);
	assert_int_equal(s, 2);
	assert_int_equal(nc_dp_n_services(f->dp), 3);
	assert_int_equal(nc_dp_service_find(f->dp, "mail"), 2);
	tick(f, 0);
	client_pkt(&p, IPPROTO_TCP, 42000);
	p.dport = 25;
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);

	/* removed: no new flow (no server), the open one carries on */
	assert_int_equal(nc_dp_service_remove(f->dp, 2), 0);
	assert_int_equal(nc_dp_server_set_admin(f->dp, 2, 0, NC_ADMIN_UP), -EBUSY);
	p.sport = 42001;
	rx(f, 0, &p);
	expect_none(f, 0);
	want[NC_DROP_NO_SERVER] = 1;
	assert_drops(f, want);
	client_seg(&p, &fl, PB_TCP_ACK);
	c2s_ok(f, &fl, &p);
	nc_dp_service_view(f->dp, 2, &sv, NULL, 0);
	assert_int_equal(sv.state, NC_SVC_REMOVING);
	assert_int_equal(nc_dp_service_check_add(f->dp, &m, why, sizeof(why)), -EEXIST);
	client_seg(&p, &fl, PB_TCP_RST);
	c2s_ok(f, &fl, &p);
	usleep(1100 * 1000);
	tick(f, 0);
	assert_true(nc_worker_expire(wk(f, 0), 4096) >= 1);
	nc_dp_admin_poll(f->dp, rte_rdtsc() + rte_get_tsc_hz());
	nc_dp_service_view(f->dp, 2, &sv, NULL, 0);
	assert_int_equal(sv.state, NC_SVC_REMOVED);
	assert_int_equal(nc_dp_service_find(f->dp, "mail"), -ENOENT);
	/* back under another name: the same slot */
	snprintf(m.name, sizeof(m.name), "smtp");
	assert_int_equal(nc_dp_service_add(f->dp, &m), 2);
	assert_int_equal(nc_dp_n_services(f->dp), 3);
	tick(f, 0);   /* a worker takes run-time changes at its tick */
	client_pkt(&p, IPPROTO_TCP, 42002);
	p.dport = 25;
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	nc_dp_service_view(f->dp, 2, &sv, NULL, 0);
	assert_string_equal(sv.name, "smtp");
	assert_int_equal(sv.state, NC_SVC_LIVE);
	assert_no_leak(f);
}

/*
 * A drained server (published up with weight 0) gets no new flow: not from
 * a client's affinity, not as a fail-over target. A dns client whose
 * affinity points to drained a opens its next flow on b; that flow's
 * unanswered request goes to b again (a datagram's same-server resend), not
 * to a. A web connection on b whose SYN goes unanswered has no other server
 * to move to: b being up, the SYN waits again, held (a timeout alone does not
 * break a connection on the only server up), and b's late SYN-ACK releases it.
 */
static void
test_drained_server(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	uint8_t q[20], ans[8];
	struct pb_pkt p, s, want;
	struct flow d1, d2, w1;
	struct frame fr;

	memset(q, 0x51, sizeof(q));
	memset(ans, 0x52, sizeof(ans));
	tick(f, 0);
	dns_req(&p, IP_CLIENT, 36000, q, sizeof(q));
	open_flow(f, 0, &p, &d1);
	assert_int_equal(d1.server, SA);
	server_pkt(&s, &d1.c, SA, d1.lport);
	s.payload = ans;
	s.payload_len = sizeof(ans);
	s2c_ok(f, &d1, &s);

	drain_a(f, SVC_DNS);
	drain_a(f, SVC_WEB);
	dns_req(&p, IP_CLIENT, 36001, q, sizeof(q));
	open_flow(f, 0, &p, &d2);
	assert_int_equal(d2.server, SB);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS].affinity_hits, 0);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_one(f, 0, &fr);
	want = nat_c2s(&d2.c, SB, d2.lport);
	assert_wire(&fr, &want);
	server_pkt(&s, &d2.c, SB, d2.lport);
	s.payload = ans;
	s.payload_len = sizeof(ans);
	s2c_ok(f, &d2, &s);

	client_pkt(&p, IPPROTO_TCP, 42800);
	p.seq = 0x0f000000;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	w1.c = p;
	w1.server = server_of(&fr);
	w1.lport = lport_of(&fr);
	w1.owner = 0;
	assert_int_equal(w1.server, SB);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	assert_fs_svc(f, SVC_WEB, 1, 1, 0, 0, 0, 0, 0);
	nc_dp_stats_get(f->dp, &st);
	assert_int_equal(st.svc[SVC_WEB].fs_waited, 1);
	tc_server(&s, &w1, SB, PB_TCP_SYN | PB_TCP_ACK, 0x70000000, 0x0f000001, NULL, 0);
	s2c_ok(f, &w1, &s);
	assert_fs_svc(f, SVC_WEB, 0, 1, 1, 0, 0, 0, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 3);
	assert_int_equal(drops_total(f), 0);
	ctl_round(f);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpadmin"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_admin_changes, setup_lab),
		T(test_admin_services, setup_lab),
		T(test_drained_server, setup_drain),
	};

	return cmocka_run_group_tests_name("dp_admin", tests, eal_setup, fx_eal_teardown);
}
