/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: what the server monitor sees and publishes, driven without a NIC
 * through the data-path fixture (dp_fixture.h): schedules published and
 * republished (and lib/sched's RCU path on its own), passive response times
 * of TCP and UDP, the interval callback and adaptive weights published to
 * the workers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "nc_dp.h"
#include "nc_sched.h"
#include "dp_priv.h"     /* dp->sched: republish a schedule as the health monitor does */
#include "pkt_build.h"
#include "dp_fixture.h"

/* A server that has seen nothing: up at its configured weight, every counter 0. */
static void
assert_srv_quiet(const struct nc_server_view *v, const char *name, uint32_t addr, uint16_t port,
		 uint8_t weight)
{
	assert_string_equal(v->name, name);
	assert_int_equal(v->addr, addr);
	assert_int_equal(v->port, port);
	assert_int_equal(v->up, 1);
	assert_int_equal(v->weight, weight);
	assert_int_equal(v->rt_avg_us, 0);
	assert_int_equal(v->rt_p99_us, 0);
	assert_int_equal(v->rt_samples, 0);
	assert_int_equal(v->flows_active, 0);
	assert_int_equal(v->flows, 0);
	assert_int_equal(v->requests, 0);
	assert_int_equal(v->responses, 0);
	assert_int_equal(v->bytes, 0);
	assert_int_equal(v->probes_good, 0);
	assert_int_equal(v->probes_bad, 0);
	assert_int_equal(v->probe_rt_us, 0);
	assert_int_equal(v->down_count, 0);
}

/* One response time of at least <min_us> (and far below a second): average,
 * and a 99th percentile inside the average's histogram bucket. */
static void
assert_one_rt(const struct nc_server_view *v, uint32_t min_us)
{
	unsigned int b;

	assert_int_equal(v->rt_samples, 1);
	if (v->rt_avg_us < min_us || v->rt_avg_us >= 1000000)
		print_error("response time %u us, want %u us .. 1 s\n", v->rt_avg_us, min_us);
	assert_true(v->rt_avg_us >= min_us && v->rt_avg_us < 1000000);
	b = nc_rt_bucket(v->rt_avg_us);
	assert_true(v->rt_p99_us >= nc_rt_bucket_low(b) && v->rt_p99_us < nc_rt_bucket_high(b));
}

static void
tweak_intervals_100(struct nc_config *c)
{
	c->services[SVC_WEB].adaptive.interval_ms = 100;
	c->services[SVC_DNS].adaptive.interval_ms = 100;
}

static void
tweak_intervals_100_250(struct nc_config *c)
{
	c->services[SVC_WEB].adaptive.interval_ms = 100;
	c->services[SVC_DNS].adaptive.interval_ms = 250;
}

static void
tweak_adaptive(struct nc_config *c)
{
	c->services[SVC_WEB].adaptive = (struct nc_cfg_adaptive){
		.enabled = true, .mode = NC_ADAPT_PAPER, .interval_ms = 100, .step = 5, .min_weight = 1 };
}

static int setup_iv100(void **state) { return fx_setup(state, tweak_intervals_100); }
static int setup_iv100_250(void **state) { return fx_setup(state, tweak_intervals_100_250); }
static int setup_adaptive(void **state) { return fx_setup(state, tweak_adaptive); }

/* -------------------------------------------------------------- tests */

/* Republishing a schedule as the health monitor would: all servers down ->
 * new flows refused (no_server), open flows unaffected; B alone up -> new
 * flows all go to B. */
static void
test_schedule_republish(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_sched_server srv[2];
	struct flow a, b;
	struct pb_pkt p;
	unsigned int i;

	open_tcp(f, 53000, &a);
	for (i = 0; i < 2; i++) {
		srv[i] = nc_dp_schedule(f->dp, SVC_WEB)->server[i];
		srv[i].up = 0;
	}
	assert_int_equal(nc_sched_publish(f->dp->sched, SVC_WEB, NC_SCHED_RATIO, srv, 2), 0);
	tick(f, 0);
	assert_int_equal(nc_dp_schedule(f->dp, SVC_WEB)->n_slots, 0);
	client_pkt(&p, IPPROTO_TCP, 53001);
	rx(f, 0, &p);
	expect_none(f, 0);
	want[NC_DROP_NO_SERVER] = 1;
	assert_drops(f, want);
	client_seg(&p, &a, PB_TCP_ACK);
	c2s_ok(f, &a, &p);

	srv[SB].up = 1;
	assert_int_equal(nc_sched_publish(f->dp->sched, SVC_WEB, NC_SCHED_RATIO, srv, 2), 0);
	tick(f, 0);
	nc_dp_ctl_poll(f->dp);   /* reclaims the old schedules */
	for (i = 0; i < 4; i++) {
		client_pkt(&p, IPPROTO_TCP, (uint16_t)(53010 + i));
		open_flow(f, 0, &p, &b);
		assert_int_equal(b.server, SB);
	}
	assert_drops(f, want);
	assert_no_leak(f);
}

/* --------------------------------------------- schedules, published */

/* Publish, read back, republish with servers down, reclaim: the RCU path
 * of lib/sched on its own. */
static void
test_sched_publish(void **state)
{
	struct nc_sched_server srv[3] = {
		{ RTE_BE32(0x0a00000b), RTE_BE16(8080), 1, 30, 7 },
		{ RTE_BE32(0x0a00000c), RTE_BE16(8080), 1, 70, 8 },
		{ RTE_BE32(0x0a00000d), RTE_BE16(8081), 1, 0, 9 },
	};
	struct rte_rcu_qsbr *q;
	struct nc_sched_set *set;
	struct nc_schedule *const *slot0, *const *slot1;
	const struct nc_schedule *s;
	unsigned int round;

	(void)state;
	q = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	assert_non_null(q);
	assert_int_equal(rte_rcu_qsbr_init(q, 1), 0);
	assert_int_equal(rte_rcu_qsbr_thread_register(q, 0), 0);
	rte_rcu_qsbr_thread_online(q, 0);
	set = nc_sched_set_create(2, q);
	assert_non_null(set);
	slot0 = nc_sched_slot(set, 0);
	slot1 = nc_sched_slot(set, 1);
	assert_null(nc_sched_get(slot0));
	assert_int_equal(nc_sched_publish(set, 0, NC_SCHED_RATIO, srv, 3), 0);
	s = nc_sched_get(slot0);
	assert_non_null(s);
	assert_int_equal(s->version, 1);
	assert_int_equal(s->n_servers, 3);
	assert_int_equal(s->n_slots, 3);
	assert_int_equal(s->slot[0], 0);
	assert_int_equal(s->slot[1], 1);
	assert_int_equal(s->slot[2], 1);
	assert_memory_equal(s->server, srv, sizeof(srv));
	assert_null(nc_sched_get(slot1));
	/* many republishes with a reader passing quiescent states: versions
	 * count up and old schedules are reclaimed as they go */
	for (round = 0; round < 3000; round++) {
		srv[0].up = (uint8_t)(round % 3 != 0);
		assert_int_equal(nc_sched_publish(set, 0, round % 2 ? NC_SCHED_SMOOTH : NC_SCHED_RATIO,
						  srv, 3), 0);
		rte_rcu_qsbr_quiescent(q, 0);
		nc_sched_reclaim(set);
		s = nc_sched_get(slot0);
		assert_int_equal(s->version, round + 2);
		assert_int_equal(s->n_slots, round % 2 ? (srv[0].up ? 100 : 70) : (srv[0].up ? 3 : 1));
	}
	srv[0].up = srv[1].up = 0;
	assert_int_equal(nc_sched_publish(set, 1, NC_SCHED_SMOOTH, srv, 3), 0);
	assert_int_equal(nc_sched_get(slot1)->n_slots, 0);
	assert_int_equal(nc_sched_get(slot1)->version, 1);
	assert_int_equal(nc_sched_publish(set, 2, NC_SCHED_SMOOTH, srv, 3), -EINVAL);
	rte_rcu_qsbr_thread_offline(q, 0);
	rte_rcu_qsbr_thread_unregister(q, 0);
	nc_sched_set_free(set);
	rte_free(q);
}

/* ------------------------------------------------------ server monitor */

/* Passive response time on TCP: from the client's first data while nothing
 * is unanswered to the server's first data back. Pure ACKs (padded too), a
 * second segment of a request still unanswered and a second segment of the
 * response count no request and no response; every frame both ways counts
 * its bytes. The interval turns the worker's counters into the view. */
static void
test_passive_rt_tcp(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET / HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct pb_pkt p, s;
	struct flow fl;
	uint64_t bytes;

	open_tcp(f, 56000, &fl);
	assert_int_equal(fl.server, SA);
	bytes = flen(&fl.c);
	server_seg(&s, &fl, PB_TCP_SYN | PB_TCP_ACK);
	s2c_ok(f, &fl, &s);
	bytes += flen(&s);
	client_seg(&p, &fl, PB_TCP_ACK);
	p.pad = 6;
	c2s_ok(f, &fl, &p);
	bytes += flen(&p);
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].requests, 0);
	assert_int_equal(v[SA].flows, 1);
	assert_int_equal(v[SA].flows_active, 1);
	assert_int_equal(v[SA].bytes, bytes);

	/* the request, in two segments */
	tick(f, 0);
	client_seg(&p, &fl, PB_TCP_ACK | PB_TCP_PSH);
	p.payload = (const uint8_t *)req;
	p.payload_len = 16;
	c2s_ok(f, &fl, &p);
	bytes += flen(&p);
	p.seq += 16;
	p.payload = (const uint8_t *)req + 16;
	p.payload_len = sizeof(req) - 1 - 16;
	c2s_ok(f, &fl, &p);
	bytes += flen(&p);
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].requests, 1);
	assert_int_equal(v[SA].responses, 0);

	/* the server's pure ACK is not the response */
	server_seg(&s, &fl, PB_TCP_ACK);
	s.seq = 0x50000001;
	s.ack = p.seq + p.payload_len;
	s2c_ok(f, &fl, &s);
	bytes += flen(&s);

	/* the response, in two segments, 2 ms later; then the client's ACK */
	usleep(2000);
	tick(f, 0);
	server_seg(&s, &fl, PB_TCP_ACK | PB_TCP_PSH);
	s.seq = 0x50000001;
	s.ack = p.seq + p.payload_len;
	s.payload = (const uint8_t *)resp;
	s.payload_len = 17;
	s2c_ok(f, &fl, &s);
	bytes += flen(&s);
	s.seq += 17;
	s.payload = (const uint8_t *)resp + 17;
	s.payload_len = sizeof(resp) - 1 - 17;
	s2c_ok(f, &fl, &s);
	bytes += flen(&s);
	client_seg(&p, &fl, PB_TCP_ACK);
	p.seq += sizeof(req) - 1;
	c2s_ok(f, &fl, &p);
	bytes += flen(&p);
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].requests, 1);
	assert_int_equal(v[SA].responses, 1);
	assert_int_equal(v[SA].rt_samples, 0);   /* response times come with the interval */
	assert_int_equal(sv.intervals, 0);

	sleep_ms(120);
	ctl_round(f);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(sv.intervals, 1);
	assert_int_equal(sv.interval_ms, 100);
	assert_one_rt(&v[SA], 2000);
	assert_int_equal(v[SA].requests, 1);
	assert_int_equal(v[SA].responses, 1);
	assert_int_equal(v[SA].bytes, bytes);
	assert_int_equal(v[SA].flows, 1);
	assert_int_equal(v[SA].flows_active, 1);
	assert_srv_quiet(&v[SB], "b", IP_SB, WEB_SPORT, 70);

	/* a request after the answer is a new one; a refresh keeps the last
	 * interval's response time */
	{
		uint32_t rt = v[SA].rt_avg_us;

		client_seg(&p, &fl, PB_TCP_ACK | PB_TCP_PSH);
		p.seq += sizeof(req) - 1;
		p.payload = (const uint8_t *)req;
		p.payload_len = sizeof(req) - 1;
		c2s_ok(f, &fl, &p);
		bytes += flen(&p);
		nc_dp_mon_refresh(f->dp);
		mon_view(f, SVC_WEB, &sv, v);
		assert_int_equal(v[SA].requests, 2);
		assert_int_equal(v[SA].responses, 1);
		assert_int_equal(v[SA].rt_avg_us, rt);
		assert_int_equal(v[SA].bytes, bytes);
	}
	expect_none(f, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Passive response time on UDP: the datagram that opens the flow is the
 * request; another one before the reply is not; the first reply is the
 * response, a second reply is not. */
static void
test_passive_rt_udp(void **state)
{
	struct fx *f = *state;
	uint8_t q[24], a[60];
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct pb_pkt p, s;
	struct flow fl;
	uint64_t bytes;

	memset(q, 0x31, sizeof(q));
	memset(a, 0x32, sizeof(a));
	tick(f, 0);
	client_pkt(&p, IPPROTO_UDP, 56100);
	p.payload = q;
	p.payload_len = sizeof(q);
	open_flow(f, 0, &p, &fl);
	assert_int_equal(fl.server, SA);
	bytes = flen(&p);
	p.payload_len = 7;
	c2s_ok(f, &fl, &p);
	bytes += flen(&p);
	nc_dp_mon_refresh(f->dp);
	mon_view(f, SVC_DNS, &sv, v);
	assert_int_equal(v[SA].requests, 1);
	assert_int_equal(v[SA].responses, 0);

	usleep(2000);
	tick(f, 0);
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	s2c_ok(f, &fl, &s);
	bytes += flen(&s);
	s.payload_len = 11;
	s2c_ok(f, &fl, &s);
	bytes += flen(&s);

	sleep_ms(120);
	ctl_round(f);
	mon_view(f, SVC_DNS, &sv, v);
	assert_string_equal(sv.name, "dns");
	assert_int_equal(sv.intervals, 1);
	assert_one_rt(&v[SA], 2000);
	assert_int_equal(v[SA].requests, 1);
	assert_int_equal(v[SA].responses, 1);
	assert_int_equal(v[SA].bytes, bytes);
	assert_int_equal(v[SA].flows, 1);
	assert_int_equal(v[SA].flows_active, 1);
	assert_srv_quiet(&v[SB], "b", IP_SB, DNS_PORT, 50);
	/* the other service saw nothing */
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(sv.intervals, 1);
	assert_srv_quiet(&v[SA], "a", IP_SA, WEB_SPORT, 30);
	assert_srv_quiet(&v[SB], "b", IP_SB, WEB_SPORT, 70);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* What the interval callback saw. */
struct iv_log {
	unsigned int calls[2];
	unsigned int bad;        /* calls with another service index or server count */
	struct nc_service_view sv[2];
	struct nc_server_view v[2][2];
};

static void
iv_record(void *arg, unsigned int svc, const struct nc_service_view *sv,
	  const struct nc_server_view *v, unsigned int n)
{
	struct iv_log *l = arg;

	if (svc >= 2 || n != 2) {
		l->bad++;
		return;
	}
	l->calls[svc]++;
	l->sv[svc] = *sv;
	memcpy(l->v[svc], v, sizeof(l->v[svc]));
}

/* The control lcore's monitor at <ms> after web's intervals began, on a
 * clock of the test's own (no real time: the machine may be slow). */
static void
mon_at(struct fx *f, uint64_t base, unsigned int ms)
{
	nc_dp_mon_poll(f->dp, base + f->dp->tsc_per_ms * ms);
}

/* The interval callback runs once per interval of each service, with that
 * service's views; an interval that fell behind runs once, not once per
 * missed interval; without a callback the intervals still run. */
static void
test_interval_callback(void **state)
{
	struct fx *f = *state;
	static struct iv_log l;
	struct nc_service_view sv;
	/* web's first interval ends 100 ms after this, dns's 250 ms */
	const uint64_t base = f->dp->ctl->mon[SVC_WEB].next_interval - 100 * f->dp->tsc_per_ms;

	memset(&l, 0, sizeof(l));
	assert_int_equal(nc_dp_n_services(f->dp), 2);
	assert_int_equal(nc_dp_service_find(f->dp, "web"), SVC_WEB);
	assert_int_equal(nc_dp_service_find(f->dp, "dns"), SVC_DNS);
	assert_int_equal(nc_dp_service_find(f->dp, "ftp"), -ENOENT);
	assert_int_equal(nc_dp_service_view(f->dp, 2, &sv, NULL, 0), -ENOENT);
	nc_dp_set_interval_cb(f->dp, iv_record, &l);
	mon_at(f, base, 10);
	assert_int_equal(l.calls[SVC_WEB] + l.calls[SVC_DNS], 0);

	mon_at(f, base, 130);     /* web's first interval (100 ms) is over */
	mon_at(f, base, 132);
	assert_int_equal(l.calls[SVC_WEB], 1);
	assert_int_equal(l.calls[SVC_DNS], 0);
	mon_at(f, base, 280);     /* web's second, dns's first */
	assert_int_equal(l.calls[SVC_WEB], 2);
	assert_int_equal(l.calls[SVC_DNS], 1);
	assert_int_equal(l.bad, 0);

	assert_string_equal(l.sv[SVC_WEB].name, "web");
	assert_int_equal(l.sv[SVC_WEB].vip, IP_VIP);
	assert_int_equal(l.sv[SVC_WEB].port, WEB_PORT);
	assert_int_equal(l.sv[SVC_WEB].proto, IPPROTO_TCP);
	assert_int_equal(l.sv[SVC_WEB].health, NC_HEALTH_NONE);
	assert_int_equal(l.sv[SVC_WEB].adaptive, 0);
	assert_int_equal(l.sv[SVC_WEB].n_servers, 2);
	assert_int_equal(l.sv[SVC_WEB].n_up, 2);
	assert_int_equal(l.sv[SVC_WEB].interval_ms, 100);
	assert_int_equal(l.sv[SVC_WEB].intervals, 2);
	assert_true(l.sv[SVC_WEB].t_s > 0.25 && l.sv[SVC_WEB].t_s < 5.0);
	assert_srv_quiet(&l.v[SVC_WEB][SA], "a", IP_SA, WEB_SPORT, 30);
	assert_srv_quiet(&l.v[SVC_WEB][SB], "b", IP_SB, WEB_SPORT, 70);
	assert_string_equal(l.sv[SVC_DNS].name, "dns");
	assert_int_equal(l.sv[SVC_DNS].port, DNS_PORT);
	assert_int_equal(l.sv[SVC_DNS].proto, IPPROTO_UDP);
	assert_int_equal(l.sv[SVC_DNS].interval_ms, 250);
	assert_int_equal(l.sv[SVC_DNS].intervals, 1);
	assert_srv_quiet(&l.v[SVC_DNS][SA], "a", IP_SA, DNS_PORT, 50);
	assert_srv_quiet(&l.v[SVC_DNS][SB], "b", IP_SB, DNS_PORT, 50);

	mon_at(f, base, 630);     /* web missed three intervals, dns one */
	mon_at(f, base, 632);
	assert_int_equal(l.calls[SVC_WEB], 3);
	assert_int_equal(l.calls[SVC_DNS], 2);
	assert_int_equal(l.sv[SVC_WEB].intervals, 3);

	nc_dp_set_interval_cb(f->dp, NULL, NULL);
	mon_at(f, base, 740);
	assert_int_equal(l.calls[SVC_WEB], 3);
	mon_view(f, SVC_WEB, &sv, l.v[SVC_WEB]);
	assert_int_equal(sv.intervals, 4);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Adaptive weights (paper rule, step 5): A answers in 2 ms, B in 12 ms; the
 * interval moves 5 points from B to A, in the view and in the schedule the
 * workers use. */
static void
test_adaptive_publish(void **state)
{
	struct fx *f = *state;
	static const char text[] = "0123456789";
	const uint8_t *data = (const uint8_t *)text;
	struct nc_service_view sv;
	struct nc_server_view v[2];
	const struct nc_schedule *s1;
	uint32_t version0 = nc_dp_schedule(f->dp, SVC_WEB)->version;
	struct flow fa, fb;
	struct pb_pkt p, s;

	open_tcp(f, 56200, &fa);
	open_tcp(f, 56201, &fb);
	assert_int_equal(fa.server, SA);
	assert_int_equal(fb.server, SB);
	tick(f, 0);
	client_seg(&p, &fa, PB_TCP_ACK | PB_TCP_PSH);
	p.payload = data;
	p.payload_len = sizeof(text) - 1;
	c2s_ok(f, &fa, &p);
	client_seg(&p, &fb, PB_TCP_ACK | PB_TCP_PSH);
	p.payload = data;
	p.payload_len = sizeof(text) - 1;
	c2s_ok(f, &fb, &p);
	usleep(2000);
	tick(f, 0);
	server_seg(&s, &fa, PB_TCP_ACK | PB_TCP_PSH);
	s.payload = data;
	s.payload_len = sizeof(text) - 1;
	s2c_ok(f, &fa, &s);
	usleep(10000);
	tick(f, 0);
	server_seg(&s, &fb, PB_TCP_ACK | PB_TCP_PSH);
	s.payload = data;
	s.payload_len = sizeof(text) - 1;
	s2c_ok(f, &fb, &s);

	sleep_ms(120);
	ctl_round(f);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(sv.adaptive, 1);
	assert_int_equal(sv.mode, NC_ADAPT_PAPER);
	assert_int_equal(sv.intervals, 1);
	assert_int_equal(sv.moves, 1);
	assert_one_rt(&v[SA], 2000);
	assert_one_rt(&v[SB], 12000);
	assert_true(v[SB].rt_avg_us >= v[SA].rt_avg_us + 10000);
	assert_int_equal(v[SA].weight, 35);
	assert_int_equal(v[SB].weight, 65);
	s1 = nc_dp_schedule(f->dp, SVC_WEB);
	assert_true(s1->version > version0);
	assert_int_equal(s1->n_servers, 2);
	assert_int_equal(s1->server[SA].weight, 35);
	assert_int_equal(s1->server[SB].weight, 65);
	assert_int_equal(s1->server[SA].up, 1);
	assert_int_equal(s1->server[SB].up, 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpmonitor"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_schedule_republish, setup_lab),
		cmocka_unit_test(test_sched_publish),
		T(test_passive_rt_tcp, setup_iv100),
		T(test_passive_rt_udp, setup_iv100),
		T(test_interval_callback, setup_iv100_250),
		T(test_adaptive_publish, setup_adaptive),
	};

	return cmocka_run_group_tests_name("dp_monitor", tests, eal_setup, fx_eal_teardown);
}
