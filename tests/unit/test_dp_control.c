/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the control lcore's packet work, driven without a NIC through the
 * data-path fixture (dp_fixture.h): ARP replies, ICMP echo replies and the
 * resolution of a next hop nobody has resolved, each answer compared byte
 * for byte with the frame built from the expected fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "nc_dp.h"
#include "dp_priv.h"     /* NC_PENDING_MS: how long a packet waits for its next hop */
#include "pkt_build.h"
#include "dp_fixture.h"

#define IP_HOST   PB_IP(10, 0, 0, 60)      /* an on-link host that ARPs for us */

static const uint8_t mac_host[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x3c };

static void
tweak_no_route(struct nc_config *c)
{
	c->n_routes = 0;
	c->n_neighbors = 2;   /* servers only */
}

static int setup_no_route(void **state) { return fx_setup(state, tweak_no_route); }

static struct rte_mbuf *
mk_arp(const struct pb_arp *a)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_pool);
	uint8_t buf[PB_MAX_FRAME];
	uint32_t len = pb_arp_build(a, buf, sizeof(buf));
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, buf, len);
	m->port = 0;
	return m;
}

static void
assert_wire_arp(const struct frame *got, const struct pb_arp *want)
{
	uint8_t b[PB_MAX_FRAME];
	uint32_t len = pb_arp_build(want, b, sizeof(b));
	char why[128];

	pb_diff(got->b, got->len, b, len, why, sizeof(why));
	if (why[0] != '\0') {
		print_error("ARP frame differs: %s\n", why);
		fail();
	}
}

/* -------------------------------------------------- control lcore path */

/* ARP requests for each of our addresses from an on-link host are answered
 * through the control lcore and worker 0; others are not. */
static void
test_arp(void **state)
{
	struct fx *f = *state;
	static const uint32_t ours[] = { IP_VIP, IP_LIP, IP_PORT };
	static struct nc_dp_stats st;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_ctl_stats cs;
	unsigned int i;

	for (i = 0; i < RTE_DIM(ours); i++) {
		struct pb_arp q, r;
		struct rte_mbuf *m;
		struct frame fr;

		pb_arp_init(&q, 1);
		memcpy(q.src_mac, mac_host, 6);
		memcpy(q.sha, mac_host, 6);
		q.sip = IP_HOST;
		q.tip = ours[i];
		q.pad = 18;
		m = mk_arp(&q);
		nc_worker_rx(wk(f, 0), 0, &m, 1);
		expect_none(f, 0);   /* nothing sent before the control lcore answers */
		ctl_round(f);
		expect_one(f, 0, &fr);
		pb_arp_init(&r, 2);
		memcpy(r.dst_mac, mac_host, 6);
		memcpy(r.src_mac, mac_port, 6);
		memcpy(r.sha, mac_port, 6);
		r.sip = ours[i];
		memcpy(r.tha, mac_host, 6);
		r.tip = IP_HOST;
		assert_wire_arp(&fr, &r);
	}
	/* a static neighbor (server A's address) asking for the local IP from
	 * another MAC: answered, but the configured MAC stays in use */
	{
		static const uint8_t mac_other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
		struct pb_arp q;
		struct rte_mbuf *m;
		struct frame fr;
		struct flow fl;

		pb_arp_init(&q, 1);
		memcpy(q.src_mac, mac_other, 6);
		memcpy(q.sha, mac_other, 6);
		q.sip = IP_SA;
		q.tip = IP_LIP;
		m = mk_arp(&q);
		nc_worker_rx(wk(f, 0), 0, &m, 1);
		ctl_round(f);
		expect_one(f, 0, &fr);
		assert_int_equal(pb_get16(fr.b + PB_ETH_LEN + 6), 2);
		assert_memory_equal(fr.b, mac_other, 6);
		open_tcp(f, 40123, &fl);   /* to A: open_flow checks A's configured MAC */
		assert_int_equal(fl.server, SA);
	}
	/* not ours, and from off the subnet: no answer, each counted */
	{
		struct pb_arp q;
		struct rte_mbuf *m;

		pb_arp_init(&q, 1);
		memcpy(q.sha, mac_host, 6);
		q.sip = IP_HOST;
		q.tip = PB_IP(10, 0, 0, 77);
		m = mk_arp(&q);
		nc_worker_rx(wk(f, 0), 0, &m, 1);
		q.sip = PB_IP(172, 16, 0, 1);
		q.tip = IP_VIP;
		m = mk_arp(&q);
		nc_worker_rx(wk(f, 0), 0, &m, 1);
		ctl_round(f);
		expect_none(f, 0);
	}
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.arp_replied, RTE_DIM(ours) + 1);
	assert_int_equal(cs.arp_ignored, 1);
	assert_int_equal(cs.tx_failed, 0);
	stats(f, &st);
	assert_int_equal(st.to_ctl, RTE_DIM(ours) + 3);
	want[NC_DROP_ARP_NOT_FOR_US] = 1;
	want[NC_DROP_ARP_INVALID] = 1;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* The host learned from its ARP request is used as a next hop: a UDP client
 * on the subnet gets its answers at its own MAC. */
static void
test_arp_learned_client(void **state)
{
	struct fx *f = *state;
	struct pb_arp q;
	struct rte_mbuf *m;
	struct frame fr;
	struct pb_pkt u, s, want;
	struct flow fl;

	pb_arp_init(&q, 1);
	memcpy(q.src_mac, mac_host, 6);
	memcpy(q.sha, mac_host, 6);
	q.sip = IP_HOST;
	q.tip = IP_VIP;
	m = mk_arp(&q);
	nc_worker_rx(wk(f, 0), 0, &m, 1);
	ctl_round(f);
	expect_one(f, 0, &fr);
	client_pkt(&u, IPPROTO_UDP, 5000);
	memcpy(u.src_mac, mac_host, 6);
	u.sip = IP_HOST;
	open_flow(f, 0, &u, &fl);
	server_pkt(&s, &fl.c, fl.server, fl.lport);
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat_s2c(&s, &fl.c);
	memcpy(want.dst_mac, mac_host, 6);
	assert_wire(&fr, &want);
	assert_no_leak(f);
}

static struct pb_pkt
echo_reply_of(const struct pb_pkt *q)
{
	struct pb_pkt r = *q;

	memcpy(r.dst_mac, q->src_mac, 6);
	memcpy(r.src_mac, mac_port, 6);
	r.sip = q->dip;
	r.dip = q->sip;
	r.ttl = 64;
	r.icmp_type = 0;
	r.pad = 0;
	return r;
}

/* Ping of the VIP, the local IP and the port address: echo replies. */
static void
test_icmp_echo(void **state)
{
	struct fx *f = *state;
	static const uint32_t ours[] = { IP_VIP, IP_LIP, IP_PORT };
	struct nc_ctl_stats cs;
	uint8_t payload[56];
	unsigned int i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	for (i = 0; i < RTE_DIM(ours); i++) {
		struct pb_pkt q, r;
		struct frame fr;

		echo_request(&q, ours[i], payload, (uint16_t)(i == 2 ? 0 : sizeof(payload)));
		q.pad = i == 2 ? 18 : 0;
		rx(f, 0, &q);
		expect_none(f, 0);
		ctl_round(f);
		expect_one(f, 0, &fr);
		r = echo_reply_of(&q);
		assert_wire(&fr, &r);
	}
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.icmp_echo_replied, RTE_DIM(ours));
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* An echo request sent to the broadcast MAC (the parser accepts it): the
 * reply must leave from the port's own MAC, never from ff:ff:ff:ff:ff:ff. */
static void
test_icmp_echo_broadcast_mac(void **state)
{
	struct fx *f = *state;
	struct pb_pkt q, r;
	struct frame fr;

	echo_request(&q, IP_VIP, NULL, 0);
	memset(q.dst_mac, 0xff, 6);
	rx(f, 0, &q);
	ctl_round(f);
	expect_one(f, 0, &fr);
	r = echo_reply_of(&q);
	if (fr.b[6] & 1)
		print_error("echo reply sent from a group MAC %02x:%02x:%02x:%02x:%02x:%02x\n",
			    fr.b[6], fr.b[7], fr.b[8], fr.b[9], fr.b[10], fr.b[11]);
	assert_wire(&fr, &r);
	assert_no_leak(f);
}

/* Without a route to the client: no_route. An on-link client nobody has
 * resolved: its SYN is held (not dropped), an ARP request goes out, and once
 * the client answers the held SYN goes to a server and the server's answer
 * reaches the client's MAC. A held packet whose sender never answers is
 * dropped and counted once its wait is over. */
static void
test_neighbor_resolution(void **state)
{
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct frame fr[8];
	struct pb_pkt p;
	unsigned int n, i;
	struct flow fl;
	struct nc_ctl_stats cs;

	client_pkt(&p, IPPROTO_TCP, 52000);
	rx(f, 0, &p);                  /* 192.168.1.10: no route */
	expect_none(f, 0);
	want[NC_DROP_NO_ROUTE] = 1;
	client_pkt(&p, IPPROTO_TCP, 52001);
	memcpy(p.src_mac, mac_host, 6);
	p.sip = IP_HOST;
	rx(f, 0, &p);
	expect_none(f, 0);
	assert_drops(f, want);
	ctl_round(f);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.resolve_held, 1);
	n = take(f, 0, fr, RTE_DIM(fr));
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		struct pb_arp r;

		pb_arp_init(&r, 1);
		memcpy(r.src_mac, mac_port, 6);
		memcpy(r.sha, mac_port, 6);
		r.sip = IP_PORT;
		r.tip = IP_HOST;
		assert_wire_arp(&fr[i], &r);
	}
	/* the host answers: the held SYN goes on to a server */
	{
		struct pb_arp a;
		struct rte_mbuf *m;
		struct pb_pkt w;

		pb_arp_init(&a, 2);
		memcpy(a.dst_mac, mac_port, 6);
		memcpy(a.src_mac, mac_host, 6);
		memcpy(a.sha, mac_host, 6);
		a.sip = IP_HOST;
		memcpy(a.tha, mac_port, 6);
		a.tip = IP_PORT;
		m = mk_arp(&a);
		nc_worker_rx(wk(f, 0), 0, &m, 1);
		ctl_round(f);
		expect_none(f, 0);
		nc_dp_ctl_stats_get(f->dp, &cs);
		assert_int_equal(cs.arp_learned, 1);
		assert_int_equal(nc_worker_handoff_poll(wk(f, 0)), 1);
		expect_one(f, 0, &fr[0]);
		fl.c = p;
		fl.server = server_of(&fr[0]);
		fl.lport = lport_of(&fr[0]);
		fl.owner = 0;
		w = nat_c2s(&p, fl.server, fl.lport);
		assert_wire(&fr[0], &w);
	}
	/* the server's SYN-ACK goes to the host's MAC */
	{
		struct pb_pkt s, w;
		struct frame one;

		server_seg(&s, &fl, PB_TCP_SYN | PB_TCP_ACK);
		rx(f, 0, &s);
		expect_one(f, 0, &one);
		w = nat_s2c(&s, &fl.c);
		memcpy(w.dst_mac, mac_host, 6);
		assert_wire(&one, &w);
	}
	/* a second unknown host that never answers: held, then dropped */
	client_pkt(&p, IPPROTO_TCP, 52002);
	p.sip = IP_HOST + 1;
	rx(f, 0, &p);
	ctl_round(f);
	take(f, 0, fr, RTE_DIM(fr));   /* its ARP request */
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.resolve_held, 2);
	assert_int_equal(cs.resolve_dropped, 0);
	rte_delay_us_sleep(NC_PENDING_MS * 1000 + 10000);
	ctl_round(f);
	take(f, 0, fr, RTE_DIM(fr));   /* any re-probe */
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.resolve_dropped, 1);
	assert_int_equal(nc_worker_handoff_poll(wk(f, 0)), 0);
	want[NC_DROP_NEIGH_TIMEOUT] = 1;   /* counted with the workers' drops too */
	assert_drops(f, want);
	assert_no_leak(f);
}

#define IP_OWN_HOST PB_IP(10, 0, 0, 5)   /* ports[0].host: the kernel's */

static void
tweak_host(struct nc_config *c)
{
	c->ports[0].has_host = true;
	c->ports[0].host.addr = (10u << 24) | 5;
	c->ports[0].host.len = 24;
}

static int setup_host(void **state) { return fx_setup(state, tweak_host); }

/* The host address (exception path): TCP, UDP and ICMP other than echo
 * requests go to the control lcore and on to the port's kernel interface -
 * with none attached, counted as exc_dropped, nothing forwarded; an echo
 * request is answered by the data plane itself. */
static void
test_host_address(void **state)
{
	struct fx *f = *state;
	struct nc_ctl_stats cs;
	struct nc_dp_stats st;
	struct pb_pkt q, r;
	struct frame fr;

	client_pkt(&q, IPPROTO_TCP, 40179);
	q.dip = IP_OWN_HOST;
	q.dport = 179;   /* BGP */
	rx(f, 0, &q);
	expect_none(f, 0);
	client_pkt(&q, IPPROTO_UDP, 49152);
	q.dip = IP_OWN_HOST;
	q.dport = 3784;  /* BFD */
	rx(f, 0, &q);
	expect_none(f, 0);
	ctl_round(f);
	expect_none(f, 0);
	stats(f, &st);
	assert_int_equal(st.to_ctl, 2);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.exc_dropped, 2);
	assert_int_equal(cs.exc_to_kernel, 0);

	echo_request(&q, IP_OWN_HOST, NULL, 0);
	rx(f, 0, &q);
	ctl_round(f);
	expect_one(f, 0, &fr);
	r = echo_reply_of(&q);
	assert_wire(&fr, &r);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* A TCP segment of no known flow: dropped (no_flow); while a peer
 * dispatcher drains, sent on to its MAC on the same port unchanged but for
 * the MACs; dropped again once the redirect is cleared. */
static void
test_redirect_to_draining_peer(void **state)
{
	static const struct rte_ether_addr peer = { { 0x02, 0, 0, 0xcb, 0, 0x03 } };
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_dp_stats st;
	struct pb_pkt q, r;
	struct frame fr;

	client_pkt(&q, IPPROTO_TCP, 40000);
	q.tcp_flags = RTE_TCP_ACK_FLAG;
	rx(f, 0, &q);
	expect_none(f, 0);
	want[NC_DROP_NO_FLOW] = 1;
	assert_drops(f, want);

	nc_dp_set_redirect(f->dp, 0, &peer);
	rx(f, 0, &q);
	expect_one(f, 0, &fr);
	r = q;
	memcpy(r.dst_mac, peer.addr_bytes, 6);
	memcpy(r.src_mac, mac_port, 6);
	assert_wire(&fr, &r);
	stats(f, &st);
	assert_int_equal(st.redirected, 1);
	assert_drops(f, want);

	/* a SYN still opens a flow here */
	client_pkt(&q, IPPROTO_TCP, 40001);
	rx(f, 0, &q);
	expect_one(f, 0, &fr);
	assert_true(server_of(&fr) == SA || server_of(&fr) == SB);

	nc_dp_set_redirect(f->dp, 0, NULL);
	client_pkt(&q, IPPROTO_TCP, 40000);
	q.tcp_flags = RTE_TCP_ACK_FLAG;
	rx(f, 0, &q);
	expect_none(f, 0);
	want[NC_DROP_NO_FLOW] = 2;
	assert_drops(f, want);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpcontrol"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_arp, setup_lab),
		T(test_arp_learned_client, setup_lab),
		T(test_icmp_echo, setup_lab),
		T(test_icmp_echo_broadcast_mac, setup_lab),
		T(test_neighbor_resolution, setup_no_route),
		T(test_host_address, setup_host),
		T(test_redirect_to_draining_peer, setup_lab),
	};

	return cmocka_run_group_tests_name("dp_control", tests, eal_setup, fx_eal_teardown);
}
