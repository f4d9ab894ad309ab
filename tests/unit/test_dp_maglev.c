/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp with the maglev scheduler, through the data-path fixture
 * (dp_fixture.h): two dispatchers built independently (one after the other,
 * as the fixture's names are per process), with their servers listed in
 * another order and another number of workers, send the same client (with
 * persistence) or the same 5-tuple (without) to the same server, the one the
 * table and key hash of lib/sched say; a server taken down and back, and a
 * weight moved, rebuild the table through the monitor's publish path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_dp.h"
#include "nc_sched.h"
#include "pkt_build.h"
#include "dp_fixture.h"

#define N_SRV  4
#define N_KEYS 200

/* web's four servers as the first dispatcher lists them: SA and SB of the
 * lab and two more on its subnet. */
static const uint32_t srv_ip[N_SRV] = { IP_SA, IP_SB, PB_IP(10, 0, 0, 13), PB_IP(10, 0, 0, 14) };
static const uint8_t srv_w[N_SRV] = { 40, 30, 20, 10 };

/* web on maglev with four servers, listed in order (<rev> 0) or backwards
 * under other names (<rev> 1); neighbors for the two new ones. */
static void
maglev_web(struct nc_config *c, int rev, uint32_t persistence_s)
{
	struct nc_cfg_service *s = &c->services[SVC_WEB];
	unsigned int i;

	s->scheduler = NC_SCHED_MAGLEV;
	s->maglev_size = NC_MAGLEV_SIZE_DEFAULT;
	s->maglev_seed = NC_MAGLEV_SEED_DEFAULT;
	s->persistence_s = persistence_s;
	for (i = 0; i < N_SRV; i++) {
		unsigned int k = rev ? N_SRV - 1 - i : i;

		snprintf(s->servers[i].name, sizeof(s->servers[i].name), "%s%u", rev ? "x" : "n", k);
		s->servers[i].address = srv_ip[k];
		s->servers[i].port = WEB_SPORT;
		s->servers[i].weight = srv_w[k];
	}
	s->n_servers = N_SRV;
	for (i = 2; i < N_SRV; i++) {
		struct nc_cfg_neighbor *n = &c->neighbors[c->n_neighbors++];

		n->ipv4 = srv_ip[i];
		memcpy(n->mac, mac_srv[1], 6);
		n->mac[5] = (uint8_t)(0x20 + i);
	}
}

static void tweak_a_persist(struct nc_config *c) { maglev_web(c, 0, 30); }
static void tweak_a_tuple(struct nc_config *c) { maglev_web(c, 0, 0); }
static void
tweak_b_persist(struct nc_config *c)
{
	maglev_web(c, 1, 30);
	tweak_two_workers(c);
}
static void
tweak_b_tuple(struct nc_config *c)
{
	maglev_web(c, 1, 0);
	tweak_two_workers(c);
}

static uint32_t
client_ip(unsigned int k)
{
	return PB_IP(192, 168, 2 + k / 250, 1 + k % 250);
}

/* A SYN from <sip>:<sport> to web received by worker <w>: the address it is
 * forwarded to (exactly one frame, to a web server). */
static uint32_t
syn_to(struct fx *f, unsigned int w, uint32_t sip, uint16_t sport)
{
	struct pb_pkt p;
	struct frame fr;
	uint32_t dip;
	unsigned int i;

	client_pkt(&p, IPPROTO_TCP, sport);
	p.sip = sip;
	deliver(f, w, &p, &fr);   /* on the worker that owns the flow */
	dip = pb_get32(fr.b + PB_IP_OFF + 16);
	for (i = 0; i < N_SRV && srv_ip[i] != dip; i++)
		;
	assert_true(i < N_SRV);
	return dip;
}

/* The client resets its connection from <sip>:<sport>: the flow closes,
 * its next SYN is scheduled afresh. */
static void
rst_from(struct fx *f, uint32_t sip, uint16_t sport)
{
	struct pb_pkt p;
	struct frame fr;

	client_pkt(&p, IPPROTO_TCP, sport);
	p.sip = sip;
	p.tcp_flags = PB_TCP_RST;
	p.seq = 1;
	deliver(f, 0, &p, &fr);
}

/* What lib/sched says: the server of <h> in the table of web's servers and
 * weights, as every dispatcher builds it. */
static uint32_t
predicted(const uint8_t *t, uint64_t h)
{
	return srv_ip[t[nc_maglev_entry(h, NC_MAGLEV_SIZE_DEFAULT)]];
}

static uint8_t *
predicted_table(const uint8_t *w)
{
	struct nc_maglev_server s[N_SRV];
	uint8_t *t = malloc(NC_MAGLEV_SIZE_DEFAULT);
	unsigned int i, m = 0;

	assert_non_null(t);
	for (i = 0; i < N_SRV; i++) {
		s[i] = (struct nc_maglev_server){ srv_ip[i], WEB_SPORT, w[i] };
		m += w[i] != 0;
	}
	assert_int_equal(nc_maglev_build(s, N_SRV, NC_MAGLEV_SIZE_DEFAULT, NC_MAGLEV_SEED_DEFAULT, t),
			 (int)m);
	return t;
}

static unsigned int
srv_index(uint32_t ip)
{
	unsigned int i;

	for (i = 0; i < N_SRV && srv_ip[i] != ip; i++)
		;
	assert_true(i < N_SRV);
	return i;
}

/* With persistence the key is the client's address: dispatcher A (one
 * worker, servers n0..n3) and dispatcher B (two workers, the same servers
 * listed x3..x0) send each of N_KEYS clients to the same server, whatever
 * its source port, and it is the server lib/sched predicts. Every server
 * gets clients, about as its weight says. */
static void
test_maglev_client_two_dispatchers(void **state)
{
	uint32_t *got_a = calloc(N_KEYS, sizeof(*got_a));
	uint8_t *t = predicted_table(srv_w);
	uint64_t salt = nc_maglev_salt(NC_MAGLEV_SEED_DEFAULT);
	unsigned int cnt[N_SRV] = { 0 }, k, i;
	void *fx = NULL;
	struct fx *f;

	(void)state;
	assert_non_null(got_a);
	assert_int_equal(fx_setup(&fx, tweak_a_persist), 0);
	f = fx;
	for (k = 0; k < N_KEYS; k++) {
		got_a[k] = syn_to(f, 0, client_ip(k), 40000);
		assert_int_equal(got_a[k], predicted(t, nc_maglev_hash_ip(salt, client_ip(k))));
		cnt[srv_index(got_a[k])]++;
		/* a second connection of the client: the same server */
		assert_int_equal(syn_to(f, 0, client_ip(k), 40001), got_a[k]);
	}
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	fx_teardown(&fx);

	assert_int_equal(fx_setup(&fx, tweak_b_persist), 0);
	f = fx;
	assert_int_equal(f->n_workers, 2);
	for (k = 0; k < N_KEYS; k++)
		assert_int_equal(syn_to(f, k % 2, client_ip(k), (uint16_t)(50000 + k)), got_a[k]);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	fx_teardown(&fx);

	for (i = 0; i < N_SRV; i++) {
		print_message("maglev, client key: weight %u: %u of %u clients\n", srv_w[i], cnt[i],
			      N_KEYS);
		assert_true(cnt[i] * 100 > srv_w[i] * N_KEYS / 2 && cnt[i] * 100 < srv_w[i] * N_KEYS * 2);
	}
	free(t);
	free(got_a);
}

/* Without persistence the key is the 5-tuple: one client's connections
 * from N_KEYS source ports spread over every server, and dispatchers A and
 * B agree on each, as lib/sched predicts. */
static void
test_maglev_tuple_two_dispatchers(void **state)
{
	uint32_t *got_a = calloc(N_KEYS, sizeof(*got_a));
	uint8_t *t = predicted_table(srv_w);
	uint64_t salt = nc_maglev_salt(NC_MAGLEV_SEED_DEFAULT);
	unsigned int cnt[N_SRV] = { 0 }, k, i;
	void *fx = NULL;
	struct fx *f;

	(void)state;
	assert_non_null(got_a);
	assert_int_equal(fx_setup(&fx, tweak_a_tuple), 0);
	f = fx;
	for (k = 0; k < N_KEYS; k++) {
		uint16_t sport = (uint16_t)(30000 + 7 * k);

		got_a[k] = syn_to(f, 0, IP_CLIENT, sport);
		assert_int_equal(got_a[k], predicted(t, nc_maglev_hash_5tuple(salt, IP_CLIENT, IP_VIP,
									       sport, WEB_PORT,
									       IPPROTO_TCP)));
		cnt[srv_index(got_a[k])]++;
	}
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	fx_teardown(&fx);

	assert_int_equal(fx_setup(&fx, tweak_b_tuple), 0);
	f = fx;
	for (k = 0; k < N_KEYS; k++)
		assert_int_equal(syn_to(f, (k / 3) % 2, IP_CLIENT, (uint16_t)(30000 + 7 * k)), got_a[k]);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	fx_teardown(&fx);

	for (i = 0; i < N_SRV; i++) {
		print_message("maglev, 5-tuple key: weight %u: %u of %u connections\n", srv_w[i],
			      cnt[i], N_KEYS);
		assert_true(cnt[i] > 0);
	}
	free(t);
	free(got_a);
}

/* Open (then reset) a connection for each of N_KEYS 5-tuples: where each went. */
static void
round_of(struct fx *f, uint32_t *to)
{
	unsigned int k;

	for (k = 0; k < N_KEYS; k++) {
		uint16_t sport = (uint16_t)(20000 + k);

		to[k] = syn_to(f, 0, IP_CLIENT, sport);
		rst_from(f, IP_CLIENT, sport);
	}
}

/* Server n2 taken down by the operator: the monitor republishes and the
 * table is built again without it: its connections go elsewhere, nearly all
 * others stay where they were; back up, its weights as before: every
 * connection goes where it first went. A weight moved (as the controller
 * does) rebuilds the table too: the published table follows the weights. */
static void
test_maglev_rebuilt(void **state)
{
	struct fx *f = *state;
	uint32_t to0[N_KEYS], to1[N_KEYS], to2[N_KEYS];
	const struct nc_schedule *s;
	unsigned int k, moved = 0, gone = 0, i;
	uint32_t cnt[N_SRV] = { 0 }, e, version;

	round_of(f, to0);
	version = nc_dp_schedule(f->dp, SVC_WEB)->version;
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, 2, NC_ADMIN_DOWN), 0);
	s = nc_dp_schedule(f->dp, SVC_WEB);
	assert_true(s->version > version);
	assert_non_null(s->maglev);
	for (e = 0; e < s->maglev_size; e++)
		assert_int_not_equal(s->maglev[e], 2);
	round_of(f, to1);
	for (k = 0; k < N_KEYS; k++) {
		assert_int_not_equal(to1[k], srv_ip[2]);
		gone += to0[k] == srv_ip[2];
		moved += to0[k] != srv_ip[2] && to1[k] != to0[k];
	}
	print_message("maglev: n2 down: %u of %u connections were on it, %u others moved\n", gone,
		      N_KEYS, moved);
	assert_true(gone > 0);
	assert_true(moved <= N_KEYS / 20);

	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, 2, NC_ADMIN_UP), 0);
	s = nc_dp_schedule(f->dp, SVC_WEB);
	for (i = 0; i < N_SRV; i++)
		assert_int_equal(s->server[i].weight, srv_w[i]);
	round_of(f, to2);
	assert_memory_equal(to2, to0, sizeof(to0));

	/* 40/30/20/10 -> n3 at 50: the others share the rest in proportion */
	assert_int_equal(nc_dp_server_set_weight(f->dp, SVC_WEB, 3, 50), 0);
	s = nc_dp_schedule(f->dp, SVC_WEB);
	for (e = 0; e < s->maglev_size; e++)
		cnt[s->maglev[e]]++;
	for (i = 0; i < N_SRV; i++) {
		double want = (double)s->maglev_size * s->server[i].weight / 100.0;

		print_message("maglev: weight %u: %u entries\n", s->server[i].weight, cnt[i]);
		assert_true(cnt[i] > want * 0.99 && cnt[i] < want * 1.01);
	}
	assert_int_equal(s->server[3].weight, 50);
	assert_int_equal(drops_total(f), 0);
	ctl_round(f);
	assert_no_leak(f);
}

static int setup_tuple(void **state) { return fx_setup(state, tweak_a_tuple); }

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpmaglev"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maglev_client_two_dispatchers),
		cmocka_unit_test(test_maglev_tuple_two_dispatchers),
		T(test_maglev_rebuilt, setup_tuple),
	};

	return cmocka_run_group_tests_name("dp_maglev", tests, eal_setup, fx_eal_teardown);
}
