/* SPDX-License-Identifier: BSD-3-Clause
 * Data path, IPv6 services with affinity and maglev: a client's new flows go
 * to the server first chosen for its prefix (per /64: two clients of one /64
 * share it; per address: they do not), a down server is not kept; with two
 * workers a prefix's flows meet on one; a maglev table sends a prefix (with
 * persistence) or a 5-tuple (without) to the same server on two dispatchers
 * listing their servers in opposite orders, the one lib/sched predicts; the
 * weight controller moves weights by IPv6 flows' response times. Over IPv6
 * servers (full NAT) and IPv4 ones (NAT64).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "dp_fixture.h"
#include "nc_dp.h"
#include "nc_sched.h"

enum { AFF_WEB6 = 2, AFF_WEB64 = 3 };

#define N_SRV  4
#define N_KEYS 120

static uint8_t aff_port6[16], aff_vip6[16], aff_vip64[16], aff_lip6[16], aff_gw6[16];
static uint8_t aff_srv6[N_SRV][16];
static const uint8_t srv_w[N_SRV] = { 40, 30, 20, 10 };
static const uint32_t ip4_srv[N_SRV] = { IP_SA, IP_SB, PB_IP(10, 0, 0, 13), PB_IP(10, 0, 0, 14) };

static void
addrs(void)
{
	unsigned int i;
	char t[32];

	pb_ip6(aff_port6, "fd00::1");
	pb_ip6(aff_vip6, "fd00::100");
	pb_ip6(aff_vip64, "fd00::164");
	pb_ip6(aff_lip6, "fd00::200");
	pb_ip6(aff_gw6, "fd00::fe");
	for (i = 0; i < N_SRV; i++) {
		snprintf(t, sizeof(t), "fd00::%x", 0x11 + i);
		pb_ip6(aff_srv6[i], t);
	}
}

/* Client <j> of /64 number <i>: 2001:db8:<i>::<j>, behind the gateway. */
static void
client_ip6(uint8_t *a, unsigned int i, unsigned int j)
{
	pb_ip6(a, "2001:db8::");
	a[6] = (uint8_t)(i >> 8);
	a[7] = (uint8_t)i;
	a[14] = (uint8_t)(j >> 8);
	a[15] = (uint8_t)j;
}

struct setup {
	unsigned int n_srv;      /* servers of each service: 2 (SA, SB) or N_SRV */
	int rev;                 /* servers listed backwards, under other names */
	enum nc_sched_kind kind;
	uint32_t persistence_s;
	uint8_t prefix6;
	int two_workers;
	uint32_t max_flows;      /* limits.max_flows; 0: the fixture's */
};

static struct setup cur;

/* web6 (tcp/80 over IPv6 servers) and web64 (tcp/80 on another VIP over the
 * IPv4 ones), both as <cur> says, equal weights with two servers. */
static void
svc_of(struct nc_config *c, unsigned int si, int nat64)
{
	struct nc_cfg_service *s = &c->services[si];
	unsigned int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", nat64 ? "web64" : "web6");
	s->family = AF_INET6;
	memcpy(s->vip6, nat64 ? aff_vip64 : aff_vip6, 16);
	s->port = WEB_PORT;
	s->proto = IPPROTO_TCP;
	if (nat64) {
		s->local_ips[0] = IP_LIP;
		s->n_local_ips = 1;
		s->server_family = AF_INET;
	} else {
		memcpy(s->local_ips6[0], aff_lip6, 16);
		s->n_local_ips6 = 1;
		s->server_family = AF_INET6;
	}
	s->scheduler = cur.kind;
	s->maglev_size = NC_MAGLEV_SIZE_DEFAULT;
	s->maglev_seed = NC_MAGLEV_SEED_DEFAULT;
	s->persistence_s = cur.persistence_s;
	s->persistence_prefix6 = cur.prefix6;
	for (i = 0; i < cur.n_srv; i++) {
		unsigned int k = cur.rev ? cur.n_srv - 1 - i : i;

		snprintf(s->servers[i].name, sizeof(s->servers[i].name), "%s%u", cur.rev ? "x" : "n", k);
		s->servers[i].family = nat64 ? AF_INET : AF_INET6;
		s->servers[i].address = nat64 ? ip4_srv[k] : 0;
		if (!nat64)
			memcpy(s->servers[i].address6, aff_srv6[k], 16);
		s->servers[i].port = WEB_SPORT;
		s->servers[i].weight = cur.n_srv == 2 ? 50 : srv_w[k];
	}
	s->n_servers = (uint16_t)cur.n_srv;
}

static void
tweak(struct nc_config *c)
{
	unsigned int i, n = c->n_neighbors;

	addrs();
	memcpy(c->ports[0].ipv6[0].addr, aff_port6, 16);
	c->ports[0].ipv6[0].len = 64;
	c->ports[0].n_ipv6 = 1;
	for (i = 0; i <= N_SRV; i++) {
		struct nc_cfg_neighbor *nb = &c->neighbors[n++];

		nb->family = AF_INET6;
		memcpy(nb->ipv6, i < N_SRV ? aff_srv6[i] : aff_gw6, 16);
		memcpy(nb->mac, i < N_SRV ? mac_srv[i % 2] : mac_gw, 6);
		if (i >= 2 && i < N_SRV)
			nb->mac[5] = (uint8_t)(0x20 + i);
	}
	for (i = 2; i < N_SRV; i++) {
		struct nc_cfg_neighbor *nb = &c->neighbors[n++];

		nb->ipv4 = ip4_srv[i];
		memcpy(nb->mac, mac_srv[1], 6);
		nb->mac[5] = (uint8_t)(0x20 + i);
	}
	c->n_neighbors = (uint16_t)n;
	c->routes[c->n_routes].family = AF_INET6;
	memcpy(c->routes[c->n_routes].via6, aff_gw6, 16);
	c->n_routes++;
	svc_of(c, AFF_WEB6, 0);
	svc_of(c, AFF_WEB64, 1);
	c->n_services = 4;
	if (cur.two_workers)
		tweak_two_workers(c);
	if (cur.max_flows != 0)
		c->limits.max_flows = cur.max_flows;
}

static struct fx *
start(const struct setup *s, void **fx)
{
	cur = *s;
	assert_int_equal(fx_setup(fx, tweak), 0);
	return *fx;
}

/* A client's TCP packet (<flags>) from <sip>:<sport> to <svc>, behind the
 * gateway. */
static void
client6_pkt(struct pb_pkt *p, unsigned int svc, const uint8_t *sip, uint16_t sport, uint8_t flags)
{
	pb_init6(p, IPPROTO_TCP);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_gw, 6);
	memcpy(p->sip6, sip, 16);
	memcpy(p->dip6, svc == AFF_WEB64 ? aff_vip64 : aff_vip6, 16);
	p->sport = sport;
	p->dport = WEB_PORT;
	p->tcp_flags = flags;
}

/* A client packet (<flags>, <pay>) from <sip>:<sport> to <svc>, received by
 * worker <w>: the index (in the first dispatcher's order) of the server it
 * leaves for; *sender: the worker that forwarded it; *lport: its local port. */
static unsigned int
c2s6(struct fx *f, unsigned int w, unsigned int svc, const uint8_t *sip, uint16_t sport,
     uint8_t flags, const char *pay, unsigned int *sender, uint16_t *lport)
{
	struct pb_pkt p;
	struct frame fr;
	unsigned int i, by;
	uint16_t lp;

	client6_pkt(&p, svc, sip, sport, flags);
	if (pay != NULL) {
		p.payload = (const uint8_t *)pay;
		p.payload_len = (uint16_t)strlen(pay);
	}
	by = deliver(f, w, &p, &fr);
	if (sender != NULL)
		*sender = by;
	if (svc == AFF_WEB64) {
		uint32_t dip = pb_get32(fr.b + PB_IP_OFF + 16);

		for (i = 0; i < N_SRV && ip4_srv[i] != dip; i++)
			;
		lp = lport_of(&fr);
	} else {
		for (i = 0; i < N_SRV && memcmp(fr.b + 14 + 24, aff_srv6[i], 16) != 0; i++)
			;
		lp = (uint16_t)(fr.b[14 + 40] << 8 | fr.b[14 + 41]);
	}
	assert_true(i < cur.n_srv);
	if (lport != NULL)
		*lport = lp;
	return i;
}

static unsigned int
syn6(struct fx *f, unsigned int w, unsigned int svc, const uint8_t *sip, uint16_t sport,
     unsigned int *sender)
{
	return c2s6(f, w, svc, sip, sport, PB_TCP_SYN, NULL, sender, NULL);
}

/* Server <srv> of <svc> answers on local port <lport> (<flags>, <pay>):
 * IPv6 from an IPv6 server, IPv4 from a NAT64 one; it reaches the client. */
static void
s2c6(struct fx *f, unsigned int svc, unsigned int srv, uint16_t lport, uint8_t flags,
     const char *pay)
{
	struct pb_pkt p;
	struct frame fr;

	if (svc == AFF_WEB64) {
		pb_init(&p, IPPROTO_TCP);
		p.sip = ip4_srv[srv];
		p.dip = IP_LIP;
	} else {
		pb_init6(&p, IPPROTO_TCP);
		memcpy(p.sip6, aff_srv6[srv], 16);
		memcpy(p.dip6, aff_lip6, 16);
	}
	memcpy(p.dst_mac, mac_port, 6);
	memcpy(p.src_mac, mac_srv[srv % 2], 6);
	p.sport = WEB_SPORT;
	p.dport = lport;
	p.tcp_flags = flags;
	if (pay != NULL) {
		p.payload = (const uint8_t *)pay;
		p.payload_len = (uint16_t)strlen(pay);
	}
	deliver(f, 0, &p, &fr);
	assert_int_equal(pb_get16(fr.b + 12), 0x86dd);
}

static void
done(struct fx *f, void **fx)
{
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	fx_teardown(fx);
}

/* Per /64 (smooth 50/50, whose next slot alternates): the first client of a
 * /64 gets A, its neighbour in the /64 and its own next connections follow
 * it; a client of another /64 gets B; web6 and web64 alike. */
static void
test_aff6_per_64(void **state)
{
	static const struct setup s = { 2, 0, NC_SCHED_SMOOTH, 30, 64, 0 };
	unsigned int svc, first;
	struct nc_dp_stats st;
	uint8_t c1[16], c2[16], c3[16];
	void *fx = NULL;
	struct fx *f = start(&s, &fx);

	(void)state;
	client_ip6(c1, 1, 0x10);
	client_ip6(c2, 1, 0x20);
	client_ip6(c3, 2, 0x10);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++) {
		first = syn6(f, 0, svc, c1, 40000, NULL);
		assert_int_equal(syn6(f, 0, svc, c2, 40000, NULL), first);
		assert_int_equal(syn6(f, 0, svc, c1, 40001, NULL), first);
		assert_int_equal(syn6(f, 0, svc, c2, 40001, NULL), first);
		assert_int_equal(syn6(f, 0, svc, c3, 40000, NULL), 1 - first);
		assert_int_equal(syn6(f, 0, svc, c3, 40001, NULL), 1 - first);
		stats(f, &st);
		assert_int_equal(st.svc[svc].flows_opened, 6);
		assert_int_equal(st.svc[svc].affinity_hits, 4);
	}
	done(f, &fx);
}

/* A flow refused for a full table is no affinity hit: its client's prefix
 * keeps its server, but nothing opened on it; the hit is counted when a
 * flow of that prefix does open. */
static void
test_aff6_full_table(void **state)
{
	static const struct setup s = { 2, 0, NC_SCHED_SMOOTH, 30, 64, 0, 1 };
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_dp_stats st;
	struct pb_pkt p;
	uint8_t c1[16];
	void *fx = NULL;
	struct fx *f = start(&s, &fx);
	unsigned int first;
	uint16_t lport;

	(void)state;
	client_ip6(c1, 1, 0x10);
	first = c2s6(f, 0, AFF_WEB6, c1, 40000, PB_TCP_SYN, NULL, NULL, &lport);
	/* the table's one flow is taken: the next SYN is refused */
	client6_pkt(&p, AFF_WEB6, c1, 40001, PB_TCP_SYN);
	rx(f, 0, &p);
	expect_none(f, 0);
	want[NC_DROP_FLOW_TABLE_FULL] = 1;
	assert_drops(f, want);
	stats(f, &st);
	assert_int_equal(st.svc[AFF_WEB6].flows_opened, 1);
	assert_int_equal(st.svc[AFF_WEB6].affinity_hits, 0);
	/* the first one ends (its server's RST) and its port is used again: the
	 * flow opens afresh in the room it leaves, on the same server */
	s2c6(f, AFF_WEB6, first, lport, PB_TCP_RST | PB_TCP_ACK, NULL);
	assert_int_equal(c2s6(f, 0, AFF_WEB6, c1, 40000, PB_TCP_SYN, NULL, NULL, NULL), first);
	stats(f, &st);
	assert_int_equal(st.svc[AFF_WEB6].flows_opened, 2);
	assert_int_equal(st.svc[AFF_WEB6].affinity_hits, 1);
	assert_no_leak(f);
	fx_teardown(&fx);
}

/* Per address: two clients of one /64 each keep their own server, and
 * they are not the same one; a server taken down is not kept: the client
 * moves, and stays on its new server after it comes back. */
static void
test_aff6_per_128(void **state)
{
	static const struct setup s = { 2, 0, NC_SCHED_SMOOTH, 30, 128, 0 };
	unsigned int svc, a, b;
	uint8_t c1[16], c2[16];
	void *fx = NULL;
	struct fx *f = start(&s, &fx);

	(void)state;
	client_ip6(c1, 1, 0x10);
	client_ip6(c2, 1, 0x20);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++) {
		a = syn6(f, 0, svc, c1, 40000, NULL);
		b = syn6(f, 0, svc, c2, 40000, NULL);
		assert_int_not_equal(a, b);
		assert_int_equal(syn6(f, 0, svc, c1, 40001, NULL), a);
		assert_int_equal(syn6(f, 0, svc, c2, 40001, NULL), b);
		assert_int_equal(nc_dp_server_set_admin(f->dp, svc, a, NC_ADMIN_DOWN), 0);
		assert_int_equal(syn6(f, 0, svc, c1, 40002, NULL), b);
		assert_int_equal(nc_dp_server_set_admin(f->dp, svc, a, NC_ADMIN_UP), 0);
		assert_int_equal(syn6(f, 0, svc, c1, 40003, NULL), b);
		assert_int_equal(syn6(f, 0, svc, c2, 40002, NULL), b);
	}
	done(f, &fx);
}

/* Two workers: a /64's flows, whichever worker receives them, are forwarded
 * by one worker (its affinity table's) and go to one server; the /64s
 * spread over both workers. */
static void
test_aff6_owner(void **state)
{
	static const struct setup s = { 2, 0, NC_SCHED_SMOOTH, 30, 64, 1 };
	unsigned int i, j, by, owner, server, per_worker[2] = { 0, 0 };
	uint8_t c[16];
	void *fx = NULL;
	struct fx *f = start(&s, &fx);

	(void)state;
	assert_int_equal(f->n_workers, 2);
	for (i = 0; i < 32; i++) {
		client_ip6(c, 100 + i, 1);
		server = syn6(f, 0, AFF_WEB6, c, 40000, &owner);
		per_worker[owner]++;
		for (j = 2; j < 8; j++) {
			client_ip6(c, 100 + i, j);
			assert_int_equal(syn6(f, j % 2, AFF_WEB6, c, (uint16_t)(40000 + j), &by), server);
			assert_int_equal(by, owner);
		}
	}
	assert_true(per_worker[0] > 0 && per_worker[1] > 0);
	done(f, &fx);
}

/* lib/sched's table of the four servers, as every dispatcher builds it
 * (IPv6 servers: by their identity digest). */
static uint8_t *
predicted_table(int v6)
{
	struct nc_maglev_server m[N_SRV];
	uint8_t *t = malloc(NC_MAGLEV_SIZE_DEFAULT);
	unsigned int i;

	assert_non_null(t);
	for (i = 0; i < N_SRV; i++)
		m[i] = (struct nc_maglev_server){ v6 ? nc_maglev_server_id6(aff_srv6[i]) : ip4_srv[i],
						  WEB_SPORT, srv_w[i] };
	assert_int_equal(nc_maglev_build(m, N_SRV, NC_MAGLEV_SIZE_DEFAULT, NC_MAGLEV_SEED_DEFAULT, t),
			 N_SRV);
	return t;
}

/*
 * Maglev with persistence per /64: dispatcher A (one worker, servers
 * n0..n3) and B (two workers, x3..x0) send each of N_KEYS /64s - any
 * client of it, any port - to the same server, the one lib/sched predicts
 * for the /64; without persistence, each 5-tuple. Both web6 and web64.
 */
static void
maglev_two_dispatchers(uint32_t persistence_s)
{
	struct setup a = { N_SRV, 0, NC_SCHED_MAGLEV, persistence_s, 64, 0 }, b = a;
	uint64_t salt = nc_maglev_salt(NC_MAGLEV_SEED_DEFAULT), h;
	unsigned int *got = calloc(2 * N_KEYS, sizeof(*got)), cnt[N_SRV] = { 0 };
	uint8_t *t[2], c[16], p[16];
	unsigned int k, svc, i;
	void *fx = NULL;
	struct fx *f;

	assert_non_null(got);
	b.rev = 1;
	b.two_workers = 1;
	f = start(&a, &fx);
	t[0] = predicted_table(1);
	t[1] = predicted_table(0);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++) {
		for (k = 0; k < N_KEYS; k++) {
			unsigned int *g = &got[(svc - AFF_WEB6) * N_KEYS + k];
			uint16_t sport = (uint16_t)(30000 + 7 * k);

			client_ip6(c, 1 + k, 0x10);
			*g = syn6(f, 0, svc, c, sport, NULL);
			if (persistence_s != 0) {
				memset(p, 0, 16);
				memcpy(p, c, 8);
				h = nc_maglev_hash_ip6(salt, p);
			} else {
				h = nc_maglev_hash_5tuple6(salt, c, svc == AFF_WEB64 ? aff_vip64 : aff_vip6,
							   sport, WEB_PORT, IPPROTO_TCP);
			}
			assert_int_equal(*g, t[svc - AFF_WEB6][nc_maglev_entry(h, NC_MAGLEV_SIZE_DEFAULT)]);
			cnt[*g]++;
			if (persistence_s != 0) {
				client_ip6(c, 1 + k, 0x99);
				assert_int_equal(syn6(f, 0, svc, c, 50000, NULL), *g);
			}
		}
	}
	done(f, &fx);

	f = start(&b, &fx);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++)
		for (k = 0; k < N_KEYS; k++) {
			unsigned int g = got[(svc - AFF_WEB6) * N_KEYS + k];

			client_ip6(c, 1 + k, persistence_s != 0 ? 0x42 : 0x10);
			assert_int_equal(syn6(f, k % 2, svc, c, persistence_s != 0 ? (uint16_t)(20000 + k) :
					      (uint16_t)(30000 + 7 * k), NULL), g);
		}
	done(f, &fx);
	for (i = 0; i < N_SRV; i++) {
		print_message("maglev over IPv6, %s: weight %u: %u of %u keys\n",
			      persistence_s != 0 ? "/64 key" : "5-tuple key", srv_w[i], cnt[i], 2 * N_KEYS);
		assert_true(cnt[i] > 0);
	}
	free(t[0]);
	free(t[1]);
	free(got);
}

static void
test_maglev6_prefix(void **state)
{
	(void)state;
	maglev_two_dispatchers(30);
}

static void
test_maglev6_tuple(void **state)
{
	(void)state;
	maglev_two_dispatchers(0);
}

/* Adaptive weights (paper rule, step 5) on web6 and web64: of two
 * connections, A's server answers in 2 ms, B's in 12 ms; the interval moves
 * 5 points to A's, in the view and in the schedule the worker uses. */
static void
tweak_adaptive(struct nc_config *c)
{
	unsigned int si;

	tweak(c);
	for (si = AFF_WEB6; si <= AFF_WEB64; si++)
		c->services[si].adaptive = (struct nc_cfg_adaptive){
			.enabled = true, .mode = NC_ADAPT_PAPER, .interval_ms = 100, .step = 5,
			.min_weight = 1 };
}

static void
test_adaptive6(void **state)
{
	static const struct setup s = { 2, 0, NC_SCHED_SMOOTH, 0, 128, 0 };
	static const char req[] = "GET / HTTP/1.1\r\n\r\n", resp[] = "HTTP/1.1 200 OK\r\n\r\n";
	unsigned int svc, a[2], b[2];
	uint16_t la[2], lb[2];
	struct nc_service_view sv;
	struct nc_server_view v[2];
	const struct nc_schedule *sc;
	uint8_t c[16];
	void *fx = NULL;
	struct fx *f;

	(void)state;
	cur = s;
	assert_int_equal(fx_setup(&fx, tweak_adaptive), 0);
	f = fx;
	client_ip6(c, 1, 1);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++) {
		unsigned int i = svc - AFF_WEB6;

		a[i] = c2s6(f, 0, svc, c, 41000, PB_TCP_SYN, NULL, NULL, &la[i]);
		b[i] = c2s6(f, 0, svc, c, 41001, PB_TCP_SYN, NULL, NULL, &lb[i]);
		assert_int_not_equal(a[i], b[i]);
		s2c6(f, svc, a[i], la[i], PB_TCP_SYN | PB_TCP_ACK, NULL);
		s2c6(f, svc, b[i], lb[i], PB_TCP_SYN | PB_TCP_ACK, NULL);
	}
	tick(f, 0);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++) {
		c2s6(f, 0, svc, c, 41000, PB_TCP_ACK | PB_TCP_PSH, req, NULL, NULL);
		c2s6(f, 0, svc, c, 41001, PB_TCP_ACK | PB_TCP_PSH, req, NULL, NULL);
	}
	usleep(2000);
	tick(f, 0);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++)
		s2c6(f, svc, a[svc - AFF_WEB6], la[svc - AFF_WEB6], PB_TCP_ACK | PB_TCP_PSH, resp);
	usleep(10000);
	tick(f, 0);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++)
		s2c6(f, svc, b[svc - AFF_WEB6], lb[svc - AFF_WEB6], PB_TCP_ACK | PB_TCP_PSH, resp);

	sleep_ms(120);
	ctl_round(f);
	for (svc = AFF_WEB6; svc <= AFF_WEB64; svc++) {
		unsigned int i = svc - AFF_WEB6;

		mon_view(f, svc, &sv, v);
		assert_int_equal(sv.adaptive, 1);
		assert_int_equal(sv.moves, 1);
		assert_int_equal(v[a[i]].rt_samples, 1);
		assert_int_equal(v[b[i]].rt_samples, 1);
		assert_true(v[a[i]].rt_avg_us >= 2000);
		assert_true(v[b[i]].rt_avg_us >= v[a[i]].rt_avg_us + 10000);
		assert_int_equal(v[a[i]].weight, 55);
		assert_int_equal(v[b[i]].weight, 45);
		sc = nc_dp_schedule(f->dp, svc);
		assert_int_equal(sc->server[a[i]].weight, 55);
		assert_int_equal(sc->server[b[i]].weight, 45);
	}
	done(f, &fx);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpv6aff"); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aff6_per_64),
		cmocka_unit_test(test_aff6_full_table),
		cmocka_unit_test(test_aff6_per_128),
		cmocka_unit_test(test_aff6_owner),
		cmocka_unit_test(test_maglev6_prefix),
		cmocka_unit_test(test_maglev6_tuple),
		cmocka_unit_test(test_adaptive6),
	};

	return cmocka_run_group_tests_name("dp_v6_aff", tests, eal_setup, fx_eal_teardown);
}
