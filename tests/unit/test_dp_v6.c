/* SPDX-License-Identifier: BSD-3-Clause
 * Data path, IPv6: a TCP and a UDP service on an IPv6 VIP over IPv6 servers
 * (full NAT both ways, every byte of both legs against frames built from
 * scratch), Neighbor Discovery and echo for our addresses, a client's first
 * packet held until its address is resolved, the drops, the lab's IPv4
 * services untouched beside them, and a server added at run time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <rte_cycles.h>

#include "dp_fixture.h"
#include "dp_priv.h"     /* nc_dp_admin_poll: the control lcore's tick, seconds ahead */
#include "nc_net.h"

enum { SVC_WEB6 = 2, SVC_DNS6 = 3 };

static uint8_t ip6_port[16], ip6_vip[16], ip6_lip[16], ip6_gw[16], ip6_client[16],
	ip6_near[16], ip6_srv[2][16];
static const uint8_t mac_near[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x50 };

static void
addrs(void)
{
	pb_ip6(ip6_port, "fd00::1");
	pb_ip6(ip6_vip, "fd00::100");
	pb_ip6(ip6_lip, "fd00::200");
	pb_ip6(ip6_gw, "fd00::fe");
	pb_ip6(ip6_srv[SA], "fd00::11");
	pb_ip6(ip6_srv[SB], "fd00::12");
	pb_ip6(ip6_client, "2001:db8:1::10");   /* behind the gateway */
	pb_ip6(ip6_near, "fd00::50");           /* on-link, not in the table */
}

static void
svc6(struct nc_config *c, unsigned int si, const char *name, uint8_t proto, uint16_t port,
     uint16_t sport, uint8_t wa, uint8_t wb)
{
	struct nc_cfg_service *s = &c->services[si];
	unsigned int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->family = AF_INET6;
	memcpy(s->vip6, ip6_vip, 16);
	s->port = port;
	s->proto = proto;
	memcpy(s->local_ips6[0], ip6_lip, 16);
	s->n_local_ips6 = 1;
	s->server_family = AF_INET6;
	s->scheduler = NC_SCHED_RATIO;
	for (i = 0; i < 2; i++) {
		snprintf(s->servers[i].name, sizeof(s->servers[i].name), "%c6", 'a' + i);
		s->servers[i].family = AF_INET6;
		memcpy(s->servers[i].address6, ip6_srv[i], 16);
		s->servers[i].port = sport;
	}
	s->servers[0].weight = wa;
	s->servers[1].weight = wb;
	s->n_servers = 2;
}

/* The lab dual-stack: fd00::1/64 on the port, static servers and gateway,
 * ::/0 via the gateway; web6 tcp/80 (30/70) and dns6 udp/5353 (50/50) on
 * fd00::100 with local address fd00::200. */
static void
tweak_v6(struct nc_config *c)
{
	unsigned int i, n = c->n_neighbors;

	addrs();
	memcpy(c->ports[0].ipv6[0].addr, ip6_port, 16);
	c->ports[0].ipv6[0].len = 64;
	c->ports[0].n_ipv6 = 1;
	for (i = 0; i < 3; i++) {
		struct nc_cfg_neighbor *nb = &c->neighbors[n + i];

		nb->family = AF_INET6;
		memcpy(nb->ipv6, i < 2 ? ip6_srv[i] : ip6_gw, 16);
		memcpy(nb->mac, i < 2 ? mac_srv[i] : mac_gw, 6);
	}
	c->n_neighbors = n + 3;
	c->routes[c->n_routes].family = AF_INET6;
	memcpy(c->routes[c->n_routes].via6, ip6_gw, 16);
	c->n_routes++;
	svc6(c, SVC_WEB6, "web6", IPPROTO_TCP, WEB_PORT, WEB_SPORT, 30, 70);
	svc6(c, SVC_DNS6, "dns6", IPPROTO_UDP, DNS_PORT, DNS_PORT, 50, 50);
	c->n_services = 4;
}

static int
setup_v6(void **state)
{
	return fx_setup(state, tweak_v6);
}

static void
client6(struct pb_pkt *p, uint8_t proto, uint16_t sport)
{
	pb_init6(p, proto);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_gw, 6);
	memcpy(p->sip6, ip6_client, 16);
	memcpy(p->dip6, ip6_vip, 16);
	p->sport = sport;
	p->dport = proto == IPPROTO_TCP ? WEB_PORT : DNS_PORT;
	p->tcp_flags = PB_TCP_SYN;
}

static struct pb_pkt
nat6_c2s(const struct pb_pkt *in, int server, uint16_t lport)
{
	struct pb_pkt o = *in;

	memcpy(o.dst_mac, mac_srv[server], 6);
	memcpy(o.src_mac, mac_port, 6);
	memcpy(o.sip6, ip6_lip, 16);
	memcpy(o.dip6, ip6_srv[server], 16);
	o.sport = lport;
	o.dport = in->proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT;
	o.ttl = (uint8_t)(in->ttl - 1);
	return o;
}

static void
server6(struct pb_pkt *p, const struct pb_pkt *client, int server, uint16_t lport)
{
	pb_init6(p, client->proto);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_srv[server], 6);
	memcpy(p->sip6, ip6_srv[server], 16);
	memcpy(p->dip6, ip6_lip, 16);
	p->sport = client->proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT;
	p->dport = lport;
	p->tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	p->ttl = 61;
}

static struct pb_pkt
nat6_s2c(const struct pb_pkt *in, const struct pb_pkt *client)
{
	struct pb_pkt o = *in;

	memcpy(o.dst_mac, client->src_mac, 6);
	memcpy(o.src_mac, mac_port, 6);
	memcpy(o.sip6, ip6_vip, 16);
	memcpy(o.dip6, client->sip6, 16);
	o.sport = client->dport;
	o.dport = client->sport;
	o.ttl = (uint8_t)(in->ttl - 1);
	return o;
}

static int
server6_of(const struct frame *fr)
{
	const uint8_t *dst = fr->b + 14 + 24;

	if (memcmp(dst, ip6_srv[SA], 16) == 0)
		return SA;
	if (memcmp(dst, ip6_srv[SB], 16) == 0)
		return SB;
	fail_msg("forwarded to no server");
	return -1;
}

static uint16_t
lport6_of(const struct frame *fr)
{
	return (uint16_t)(fr->b[14 + 40] << 8 | fr->b[14 + 41]);
}

/* Open a flow with the client's first packet <p>: forwarded to a server
 * from the local address, every byte as built from scratch. */
static void
open6(struct fx *f, const struct pb_pkt *p, int *server, uint16_t *lport)
{
	struct frame fr;
	struct pb_pkt want;

	rx(f, 0, p);
	expect_one(f, 0, &fr);
	*server = server6_of(&fr);
	*lport = lport6_of(&fr);
	assert_true(*lport >= 1024);
	want = nat6_c2s(p, *server, *lport);
	assert_wire(&fr, &want);
}

static void
test_tcp6(void **state)
{
	struct fx *f = *state;
	struct pb_pkt c, s, want;
	struct nc_dp_stats st;
	struct frame fr;
	uint8_t req[] = "GET / HTTP/1.1\r\n\r\n", resp[] = "HTTP/1.1 200 OK\r\n\r\n";
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_TCP, 40000);
	open6(f, &c, &server, &lport);
	/* the SYN-ACK back to the client, from the VIP, via the gateway */
	server6(&s, &c, server, lport);
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	/* a request and its answer */
	c.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	c.payload = req;
	c.payload_len = sizeof(req) - 1;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	want = nat6_c2s(&c, server, lport);
	assert_wire(&fr, &want);
	s.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	s.payload = resp;
	s.payload_len = sizeof(resp) - 1;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB6].flows_opened, 1);
	assert_int_equal(st.svc[SVC_WEB6].pkts_c2s, 2);
	assert_int_equal(st.svc[SVC_WEB6].pkts_s2c, 2);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* 30/70 by the paper's ratio rule (1:2, A B B) over ten new connections, as over IPv4 */
static void
test_tcp6_ratio(void **state)
{
	struct fx *f = *state;
	unsigned int i, n[2] = { 0, 0 };

	for (i = 0; i < 10; i++) {
		struct pb_pkt c;
		uint16_t lport;
		int server;

		client6(&c, IPPROTO_TCP, (uint16_t)(41000 + i));
		open6(f, &c, &server, &lport);
		n[server]++;
	}
	assert_int_equal(n[SA], 4);
	assert_int_equal(n[SB], 6);
	assert_no_leak(f);
}

static void
test_udp6(void **state)
{
	struct fx *f = *state;
	uint8_t q[] = "query", a[] = "answer!";
	struct pb_pkt c, s, want;
	struct frame fr;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_UDP, 53000);
	c.payload = q;
	c.payload_len = sizeof(q) - 1;
	open6(f, &c, &server, &lport);
	server6(&s, &c, server, lport);
	s.payload = a;
	s.payload_len = sizeof(a) - 1;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	/* the same client's next datagram takes the same flow */
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	want = nat6_c2s(&c, server, lport);
	assert_wire(&fr, &want);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void
test_drops6(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt c, s;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_TCP, 42000);
	c.tcp_flags = PB_TCP_ACK;              /* no flow */
	rx(f, 0, &c);
	want[NC_DROP_NO_FLOW]++;
	client6(&c, IPPROTO_TCP, 42000);
	c.dport = 81;                          /* our VIP, no service there */
	rx(f, 0, &c);
	want[NC_DROP_NO_SERVICE]++;
	client6(&c, IPPROTO_TCP, 42000);
	pb_ip6(c.dip6, "fd00::99");            /* not ours */
	rx(f, 0, &c);
	want[NC_DROP_NOT_FOR_US]++;
	client6(&c, IPPROTO_TCP, 42000);
	c.ttl = 1;
	rx(f, 0, &c);
	want[NC_DROP_TTL_EXPIRED]++;
	/* an answer from the other server, or to a port with no flow */
	client6(&c, IPPROTO_TCP, 42001);
	open6(f, &c, &server, &lport);
	server6(&s, &c, 1 - server, lport);
	rx(f, 0, &s);
	want[NC_DROP_NO_FLOW]++;
	server6(&s, &c, server, (uint16_t)(lport + 1));
	rx(f, 0, &s);
	want[NC_DROP_NO_FLOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* A neighbor solicitation for the VIP from an on-link host: answered with
 * the port's MAC, and the host learned - its SYN then opens a flow whose
 * answer goes straight to it. */
static void
test_nd6(void **state)
{
	struct fx *f = *state;
	uint8_t body[24], na[24];
	struct pb_pkt ns, want, c, s;
	struct nc_ctl_stats cs;
	struct frame fr;
	uint16_t lport;
	int server;

	pb_init6(&ns, PB_PROTO_ICMPV6);
	memcpy(ns.src_mac, mac_near, 6);
	memcpy(ns.dst_mac, (uint8_t[6]){ 0x33, 0x33, 0xff, 0x00, 0x01, 0x00 }, 6);
	memcpy(ns.sip6, ip6_near, 16);
	pb_ip6(ns.dip6, "ff02::1:ff00:100");
	ns.ttl = 255;
	ns.icmp_type = 135;
	ns.icmp_code = 0;
	ns.icmp_id = 0;
	ns.icmp_seq = 0;
	memcpy(body, ip6_vip, 16);
	body[16] = 1;                          /* source link-layer address */
	body[17] = 1;
	memcpy(body + 18, mac_near, 6);
	ns.payload = body;
	ns.payload_len = sizeof(body);
	rx(f, 0, &ns);
	expect_none(f, 0);
	ctl_round(f);
	expect_one(f, 0, &fr);
	pb_init6(&want, PB_PROTO_ICMPV6);
	memcpy(want.src_mac, mac_port, 6);
	memcpy(want.dst_mac, mac_near, 6);
	memcpy(want.sip6, ip6_vip, 16);
	memcpy(want.dip6, ip6_near, 16);
	want.ttl = 255;
	want.icmp_type = 136;
	want.icmp_code = 0;
	want.icmp_id = 0x6000;                 /* solicited, override */
	want.icmp_seq = 0;
	memcpy(na, ip6_vip, 16);
	na[16] = 2;                            /* target link-layer address */
	na[17] = 1;
	memcpy(na + 18, mac_port, 6);
	want.payload = na;
	want.payload_len = sizeof(na);
	assert_wire(&fr, &want);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.nd_replied, 1);
	assert_int_equal(cs.nd_learned, 1);
	/* the host's SYN: its SYN-ACK goes to the learned MAC */
	client6(&c, IPPROTO_TCP, 43000);
	memcpy(c.src_mac, mac_near, 6);
	memcpy(c.sip6, ip6_near, 16);
	open6(f, &c, &server, &lport);
	server6(&s, &c, server, lport);
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* A SYN from an on-link host we never heard of waits for its address: a
 * solicitation goes out, the advertisement answers it, the SYN goes on. */
static void
test_resolve6(void **state)
{
	struct fx *f = *state;
	uint8_t body[24];
	struct pb_pkt c, na, want;
	struct nc_ctl_stats cs;
	struct frame fr;
	int server;

	client6(&c, IPPROTO_TCP, 44000);
	memcpy(c.src_mac, mac_near, 6);
	memcpy(c.sip6, ip6_near, 16);
	rx(f, 0, &c);
	expect_none(f, 0);
	ctl_round(f);
	expect_one(f, 0, &fr);                 /* our solicitation */
	assert_int_equal(fr.b[14 + 40], 135);
	assert_memory_equal(fr.b, ((uint8_t[6]){ 0x33, 0x33, 0xff, 0x00, 0x00, 0x50 }), 6);
	assert_memory_equal(fr.b + 14 + 40 + 8, ip6_near, 16);
	pb_init6(&na, PB_PROTO_ICMPV6);
	memcpy(na.src_mac, mac_near, 6);
	memcpy(na.dst_mac, mac_port, 6);
	memcpy(na.sip6, ip6_near, 16);
	memcpy(na.dip6, ip6_port, 16);
	na.ttl = 255;
	na.icmp_type = 136;
	na.icmp_code = 0;
	na.icmp_id = 0x6000;
	na.icmp_seq = 0;
	memcpy(body, ip6_near, 16);
	body[16] = 2;
	body[17] = 1;
	memcpy(body + 18, mac_near, 6);
	na.payload = body;
	na.payload_len = sizeof(body);
	rx(f, 0, &na);
	ctl_round(f);                          /* learned; the SYN handed back */
	nc_worker_handoff_poll(wk(f, 0));
	expect_one(f, 0, &fr);
	server = server6_of(&fr);
	want = nat6_c2s(&c, server, lport6_of(&fr));
	assert_wire(&fr, &want);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.nd_solicits_sent, 1);
	assert_int_equal(cs.resolve_held, 1);
	assert_int_equal(cs.resolve_dropped, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void
test_echo6(void **state)
{
	struct fx *f = *state;
	uint8_t data[] = "ping6 payload";
	struct pb_pkt e, want;
	struct frame fr;

	pb_init6(&e, PB_PROTO_ICMPV6);
	memcpy(e.dst_mac, mac_port, 6);
	memcpy(e.src_mac, mac_gw, 6);
	memcpy(e.sip6, ip6_client, 16);
	memcpy(e.dip6, ip6_vip, 16);
	e.payload = data;
	e.payload_len = sizeof(data) - 1;
	rx(f, 0, &e);
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = e;
	memcpy(want.dst_mac, mac_gw, 6);
	memcpy(want.src_mac, mac_port, 6);
	memcpy(want.sip6, ip6_vip, 16);
	memcpy(want.dip6, ip6_client, 16);
	want.icmp_type = 129;
	want.ttl = 64;
	assert_wire(&fr, &want);
	/* to an address not ours: not answered */
	pb_ip6(e.dip6, "fd00::99");
	rx(f, 0, &e);
	ctl_round(f);
	expect_none(f, 0);
	assert_no_leak(f);
}

/* the IPv4 services beside them work as before */
static void
test_v4_beside(void **state)
{
	struct fx *f = *state;
	struct flow fl;
	struct pb_pkt s;

	open_tcp(f, 45000, &fl);
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	s2c_ok(f, &fl, &s);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* The lab above and a static neighbor fd00::13 no server uses yet. */
static const uint8_t mac_c6[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x13 };

static void
tweak_v6_spare(struct nc_config *c)
{
	struct nc_cfg_neighbor *nb;

	tweak_v6(c);
	nb = &c->neighbors[c->n_neighbors++];
	nb->family = AF_INET6;
	pb_ip6(nb->ipv6, "fd00::13");
	memcpy(nb->mac, mac_c6, 6);
}

static int
setup_v6_spare(void **state)
{
	return fx_setup(state, tweak_v6_spare);
}

/* A server added to web6 at run time (the API's and SIGHUP's way): the view
 * shows its IPv6 address, it comes up once its next hop is known, and with
 * a6 and b6 down every new flow reaches it at its own address and MAC. An
 * IPv6 service is not added at run time: refused with its reason. */
static void
test_admin_server6(void **state)
{
	struct fx *f = *state;
	struct nc_cfg_server c = { .family = AF_INET6, .port = WEB_SPORT };
	struct nc_cfg_service m = nc_dp_config(f->dp)->services[SVC_WEB6];
	struct nc_server_view v[NC_MAX_SERVERS];
	struct nc_service_view sv;
	struct pb_pkt p, want;
	struct frame fr;
	uint8_t ip6_c[16];
	uint16_t lport;
	char why[160] = "";
	int i;

	pb_ip6(ip6_c, "fd00::13");
	snprintf(c.name, sizeof(c.name), "c6");
	memcpy(c.address6, ip6_c, 16);
	i = nc_dp_server_add(f->dp, SVC_WEB6, &c);
	assert_int_equal(i, 2);
	assert_int_equal(nc_dp_service_view(f->dp, SVC_WEB6, &sv, v, NC_MAX_SERVERS), 3);
	assert_int_equal(sv.family, AF_INET6);
	assert_memory_equal(sv.vip6, ip6_vip, 16);
	assert_int_equal(v[i].family, AF_INET6);
	assert_memory_equal(v[i].addr6, ip6_c, 16);
	assert_int_equal(v[i].addr, 0);
	assert_int_equal(v[i].up, 0);
	nc_dp_admin_poll(f->dp, rte_rdtsc() + 3 * rte_get_tsc_hz());
	assert_int_equal(nc_dp_service_view(f->dp, SVC_WEB6, &sv, v, NC_MAX_SERVERS), 3);
	assert_int_equal(v[i].up, 1);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB6, SA, NC_ADMIN_DOWN), 0);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB6, SB, NC_ADMIN_DOWN), 0);

	tick(f, 0);   /* the worker takes the new tables, as at every loop */
	client6(&p, IPPROTO_TCP, 42000);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	lport = lport6_of(&fr);
	want = nat6_c2s(&p, SA, lport);
	memcpy(want.dip6, ip6_c, 16);
	memcpy(want.dst_mac, mac_c6, 6);
	assert_wire(&fr, &want);
	nc_dp_mon_refresh(f->dp);
	assert_int_equal(nc_dp_service_view(f->dp, SVC_WEB6, &sv, v, NC_MAX_SERVERS), 3);
	assert_int_equal(v[i].flows, 1);

	snprintf(m.name, sizeof(m.name), "web6b");
	m.port = 8443;
	assert_int_equal(nc_dp_service_check_add(f->dp, &m, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "restart"));
	assert_int_equal(nc_dp_service_add(f->dp, &m), -ENOTSUP);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpv6"); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp6_ratio, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_udp6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drops6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nd6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resolve6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_echo6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_v4_beside, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_admin_server6, setup_v6_spare, fx_teardown),
	};

	return cmocka_run_group_tests(tests, eal_setup, fx_eal_teardown);
}
