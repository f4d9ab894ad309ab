/* SPDX-License-Identifier: BSD-3-Clause
 * Data path, IPv6: a TCP and a UDP service on an IPv6 VIP over IPv6 servers
 * (full NAT both ways, every byte of both legs against frames built from
 * scratch), Neighbor Discovery and echo for our addresses, a client's first
 * packet held until its address is resolved, the drops, the lab's IPv4
 * services untouched beside them, a server added at run time, and the
 * client's address for the servers (PROXY v1/v2 headers, their shift and
 * retransmission, PROXY v2 per UDP datagram, TOA) over IPv6 and NAT64.
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
#include <sys/socket.h>
#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include "dp_fixture.h"
#include "dp_client_addr.h"   /* NC_CA_RTO_MS, NC_CA_TRIES, nc_worker_ca_poll */
#include "dp_priv.h"     /* nc_dp_admin_poll: the control lcore's tick, seconds ahead */
#include "nc_net.h"

static uint8_t ip6_near[16];
static const uint8_t mac_near[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x50 };

static int
setup_v6(void **state)
{
	pb_ip6(ip6_near, "fd00::50");           /* on-link, not in the table */
	return fx_setup(state, tweak_v6_64);
}

/* the fail-safe on web6, web64 and dns6: 30 ms to answer, 2 replays */
static void
tweak_v6_fs(struct nc_config *c)
{
	tweak_v6_64(c);
	failsafe_set(&c->services[SVC_WEB6], 30, 2);
	failsafe_set(&c->services[SVC_WEB64], 30, 2);
	failsafe_set(&c->services[SVC_DNS6], 30, 2);
}

static int
setup_v6_fs(void **state)
{
	return fx_setup(state, tweak_v6_fs);
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

/* ports[0].host6 (fd00::5/64): the dispatcher's own IPv6 address, its kernel's */
static uint8_t ip6_host6[16];

static void
tweak_v6_host6(struct nc_config *c)
{
	tweak_v6_64(c);
	pb_ip6(ip6_host6, "fd00::5");
	c->ports[0].has_host6 = true;
	memcpy(c->ports[0].host6.addr, ip6_host6, 16);
	c->ports[0].host6.len = 64;
	c->ports[0].exception = true;
}

static int
setup_v6_host6(void **state)
{
	pb_ip6(ip6_near, "fd00::50");
	return fx_setup(state, tweak_v6_host6);
}

/* A ring device in the TAP's place: what the data plane writes to the
 * kernel is read from <to_kernel>, what is put in <from_kernel> the kernel's. */
static struct rte_ring *to_kernel, *from_kernel;

static uint16_t
kernel_attach(struct fx *f)
{
	struct rte_eth_conf conf = { 0 };
	int tp;

	to_kernel = rte_ring_create("nc_to_kernel", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	from_kernel = rte_ring_create("nc_from_kernel", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(to_kernel);
	assert_non_null(from_kernel);
	tp = rte_eth_from_rings("net_ring_host6", &from_kernel, 1, &to_kernel, 1, 0);
	assert_true(tp >= 0);
	assert_int_equal(rte_eth_dev_configure((uint16_t)tp, 1, 1, &conf), 0);
	assert_int_equal(rte_eth_rx_queue_setup((uint16_t)tp, 0, 64, 0, NULL, fx_pool), 0);
	assert_int_equal(rte_eth_tx_queue_setup((uint16_t)tp, 0, 64, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start((uint16_t)tp), 0);
	nc_dp_exc_attach(f->dp, 0, (uint16_t)tp);
	return (uint16_t)tp;
}

static void
kernel_detach(struct fx *f, uint16_t tp)
{
	nc_dp_exc_attach(f->dp, 0, NC_DP_NO_EXC);
	rte_eth_dev_stop(tp);
	rte_eth_dev_close(tp);
	rte_ring_free(to_kernel);
	rte_ring_free(from_kernel);
}

/* The one frame the kernel got, byte for byte <want>. */
static void
kernel_got(const struct pb_pkt *want)
{
	struct rte_mbuf *m[4];
	uint8_t b[PB_MAX_FRAME];
	uint32_t n = pb_build(want, b, sizeof(b));
	unsigned int k = rte_ring_dequeue_burst(to_kernel, (void **)m, RTE_DIM(m), NULL);

	assert_int_equal(k, 1);
	assert_bytes(rte_pktmbuf_mtod(m[0], const uint8_t *), rte_pktmbuf_data_len(m[0]), b, n);
	rte_pktmbuf_free_bulk(m, k);
}

/* ports[].host6 through the exception path: TCP, UDP, an echo reply and the
 * advertisement answering the kernel's solicitation reach the kernel
 * unchanged; a solicitation for host6 and an echo request to it are answered
 * by the data plane (as ARP and echo for the IPv4 host); what the kernel
 * sends leaves through the port unchanged. */
static void
test_host6(void **state)
{
	struct fx *f = *state;
	uint8_t body[24], na[24], data[] = "to the kernel";
	struct pb_pkt q, want;
	struct nc_ctl_stats cs;
	struct frame fr;
	uint16_t tp = kernel_attach(f);

	/* BGP over IPv6 from the router */
	client6(&q, IPPROTO_TCP, 40179);
	memcpy(q.dip6, ip6_host6, 16);
	q.dport = 179;
	rx(f, 0, &q);
	expect_none(f, 0);
	ctl_round(f);
	expect_none(f, 0);
	kernel_got(&q);
	/* UDP (BFD) from an on-link neighbor */
	client6(&q, IPPROTO_UDP, 49152);
	memcpy(q.src_mac, mac_near, 6);
	memcpy(q.sip6, ip6_near, 16);
	memcpy(q.dip6, ip6_host6, 16);
	q.dport = 3784;
	q.payload = data;
	q.payload_len = sizeof(data) - 1;
	rx(f, 0, &q);
	ctl_round(f);
	expect_none(f, 0);
	kernel_got(&q);
	/* an echo reply: the answer to the kernel's ping */
	pb_init6(&q, PB_PROTO_ICMPV6);
	memcpy(q.dst_mac, mac_port, 6);
	memcpy(q.src_mac, mac_gw, 6);
	memcpy(q.sip6, ip6_client, 16);
	memcpy(q.dip6, ip6_host6, 16);
	q.icmp_type = 129;
	q.payload = data;
	q.payload_len = sizeof(data) - 1;
	rx(f, 0, &q);
	ctl_round(f);
	expect_none(f, 0);
	kernel_got(&q);
	/* the neighbor's advertisement answering the kernel's solicitation */
	pb_init6(&q, PB_PROTO_ICMPV6);
	memcpy(q.src_mac, mac_near, 6);
	memcpy(q.dst_mac, mac_port, 6);
	memcpy(q.sip6, ip6_near, 16);
	memcpy(q.dip6, ip6_host6, 16);
	q.ttl = 255;
	q.icmp_type = 136;
	q.icmp_code = 0;
	q.icmp_id = 0x6000;
	q.icmp_seq = 0;
	memcpy(body, ip6_near, 16);
	body[16] = 2;
	body[17] = 1;
	memcpy(body + 18, mac_near, 6);
	q.payload = body;
	q.payload_len = sizeof(body);
	rx(f, 0, &q);
	ctl_round(f);
	expect_none(f, 0);
	kernel_got(&q);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.exc_to_kernel, 4);
	assert_int_equal(cs.exc_dropped, 0);

	/* a solicitation for host6: the data plane answers, the kernel sees none */
	pb_init6(&q, PB_PROTO_ICMPV6);
	memcpy(q.src_mac, mac_near, 6);
	memcpy(q.dst_mac, (uint8_t[6]){ 0x33, 0x33, 0xff, 0x00, 0x00, 0x05 }, 6);
	memcpy(q.sip6, ip6_near, 16);
	pb_ip6(q.dip6, "ff02::1:ff00:5");
	q.ttl = 255;
	q.icmp_type = 135;
	q.icmp_code = 0;
	q.icmp_id = 0;
	q.icmp_seq = 0;
	memcpy(body, ip6_host6, 16);
	body[16] = 1;
	body[17] = 1;
	memcpy(body + 18, mac_near, 6);
	q.payload = body;
	q.payload_len = sizeof(body);
	rx(f, 0, &q);
	ctl_round(f);
	expect_one(f, 0, &fr);
	pb_init6(&want, PB_PROTO_ICMPV6);
	memcpy(want.src_mac, mac_port, 6);
	memcpy(want.dst_mac, mac_near, 6);
	memcpy(want.sip6, ip6_host6, 16);
	memcpy(want.dip6, ip6_near, 16);
	want.ttl = 255;
	want.icmp_type = 136;
	want.icmp_code = 0;
	want.icmp_id = 0x6000;
	want.icmp_seq = 0;
	memcpy(na, ip6_host6, 16);
	na[16] = 2;
	na[17] = 1;
	memcpy(na + 18, mac_port, 6);
	want.payload = na;
	want.payload_len = sizeof(na);
	assert_wire(&fr, &want);
	/* an echo request to host6: answered by the data plane */
	pb_init6(&q, PB_PROTO_ICMPV6);
	memcpy(q.dst_mac, mac_port, 6);
	memcpy(q.src_mac, mac_gw, 6);
	memcpy(q.sip6, ip6_client, 16);
	memcpy(q.dip6, ip6_host6, 16);
	q.payload = data;
	q.payload_len = sizeof(data) - 1;
	rx(f, 0, &q);
	ctl_round(f);
	expect_one(f, 0, &fr);
	want = q;
	memcpy(want.dst_mac, mac_gw, 6);
	memcpy(want.src_mac, mac_port, 6);
	memcpy(want.sip6, ip6_host6, 16);
	memcpy(want.dip6, ip6_client, 16);
	want.icmp_type = 129;
	want.ttl = 64;
	assert_wire(&fr, &want);
	assert_int_equal(rte_ring_count(to_kernel), 0);

	/* the kernel's SYN-ACK leaves through the port as it was written */
	client6(&q, IPPROTO_TCP, 40179);
	memcpy(q.src_mac, mac_port, 6);
	memcpy(q.dst_mac, mac_gw, 6);
	memcpy(q.sip6, ip6_host6, 16);
	memcpy(q.dip6, ip6_client, 16);
	q.sport = 179;
	q.dport = 40179;
	q.tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	{
		struct rte_mbuf *m = mk(&q);

		assert_int_equal(rte_ring_enqueue(from_kernel, m), 0);
	}
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_wire(&fr, &q);
	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.exc_from_kernel, 1);
	assert_int_equal(cs.exc_to_kernel, 4);
	assert_int_equal(drops_total(f), 0);
	kernel_detach(f, tp);
	assert_no_leak(f);
}

/* Client SYN <c> to a NAT64 service: the IPv4 SYN its server gets, every
 * byte; the server's SYN-ACK <s> (TOS <tos>) as the client gets it. */
static void
handshake64(struct fx *f, const struct pb_pkt *c, uint8_t tos, struct pb_pkt *s, int *server,
	    uint16_t *lport)
{
	struct pb_pkt want;
	struct frame fr;

	rx(f, 0, c);
	expect_one(f, 0, &fr);
	*server = server4_of(&fr);
	*lport = lport_of(&fr);
	want = nat64_c2s(c, *server, *lport);
	assert_wire(&fr, &want);
	server_pkt(s, &want, *server, *lport);
	s->tos = tos;
	rx(f, 0, s);
	expect_one(f, 0, &fr);
	want = nat64_s2c(s, c);
	assert_wire(&fr, &want);
}

/* NAT64, TCP: the handshake and a request both ways, every byte of both legs */
static void
test_nat64_tcp(void **state)
{
	struct fx *f = *state;
	uint8_t req[] = "GET /64 HTTP/1.1\r\n\r\n", resp[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct pb_pkt c, s, want;
	struct nc_dp_stats st;
	struct frame fr;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_TCP, 46000);
	memcpy(c.dip6, ip6_vip64, 16);
	c.tclass = 0x28;
	handshake64(f, &c, 0x10, &s, &server, &lport);
	c.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	c.payload = req;
	c.payload_len = sizeof(req) - 1;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	want = nat64_c2s(&c, server, lport);
	assert_wire(&fr, &want);
	s.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	s.payload = resp;
	s.payload_len = sizeof(resp) - 1;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat64_s2c(&s, &c);
	assert_wire(&fr, &want);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB64].flows_opened, 1);
	assert_int_equal(st.svc[SVC_WEB64].pkts_s2c, 2);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* NAT64, UDP: a server's datagram without a checksum gets one over IPv6 */
static void
test_nat64_udp(void **state)
{
	struct fx *f = *state;
	uint8_t q[] = "q64", a[] = "a64 answer";
	struct pb_pkt c, s, want;
	struct frame fr;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_UDP, 54000);
	memcpy(c.dip6, ip6_vip64, 16);
	c.payload = q;
	c.payload_len = sizeof(q) - 1;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	server = server4_of(&fr);
	lport = lport_of(&fr);
	want = nat64_c2s(&c, server, lport);
	assert_wire(&fr, &want);
	server_pkt(&s, &want, server, lport);
	s.payload = a;
	s.payload_len = sizeof(a) - 1;
	s.udp_no_csum = true;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	s.udp_no_csum = false;
	want = nat64_s2c(&s, &c);
	assert_wire(&fr, &want);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* NAT64: a server's datagram too big once 20 bytes longer - with DF, its
 * server is told the MTU (ICMP fragmentation needed, 1480); without, dropped */
static void
test_nat64_too_big(void **state)
{
	struct fx *f = *state;
	static uint8_t big[1453];
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	struct pb_pkt c, s;
	struct frame fr;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_UDP, 55000);
	memcpy(c.dip6, ip6_vip64, 16);
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	server = server4_of(&fr);
	lport = lport_of(&fr);
	server_pkt(&s, &(struct pb_pkt){ .sip = IP_LIP, .dip = ip_srv[server], .proto = IPPROTO_UDP,
					  .sport = lport, .dport = DNS_PORT }, server, lport);
	s.payload = big;
	s.payload_len = sizeof(big);           /* 20 + 8 + 1453 = 1481 */
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	assert_int_equal(fr.len, 14 + 20 + 8 + 28);
	assert_int_equal(pb_get32(fr.b + PB_IP_OFF + 12), IP_LIP);
	assert_int_equal(pb_get32(fr.b + PB_IP_OFF + 16), ip_srv[server]);
	assert_int_equal(fr.b[PB_IP_OFF + 9], 1);              /* ICMP */
	assert_int_equal(fr.b[PB_IP_OFF + 20], 3);             /* unreachable */
	assert_int_equal(fr.b[PB_IP_OFF + 21], 4);             /* fragmentation needed */
	assert_int_equal(pb_get16(fr.b + PB_IP_OFF + 26), 1480);
	assert_int_equal(pb_get32(fr.b + PB_IP_OFF + 28 + 12), ip_srv[server]);   /* quoted */
	assert_true(pb_csum_verify(fr.b, fr.len, NULL, 0));
	want_drops[NC_DROP_NAT64_TOO_BIG]++;
	s.frag = 0;                            /* no DF */
	rx(f, 0, &s);
	expect_none(f, 0);
	want_drops[NC_DROP_NAT64_TOO_BIG]++;
	assert_drops(f, want_drops);
	assert_no_leak(f);
}

/* A frame the appliance made itself on a server leg: to <server>'s address
 * (IPv6 or, for NAT64, IPv4) with <flags>, <seq>; its local port back. */
static uint16_t
own_to_server(const struct frame *fr, int v4, int server, uint8_t flags, uint32_t seq)
{
	uint16_t l4 = v4 ? 14 + 20 : 14 + 40;

	assert_true(pb_csum_verify(fr->b, fr->len, NULL, 0));
	if (v4)
		assert_int_equal(pb_get32(fr->b + PB_IP_OFF + 16), ip_srv[server]);
	else
		assert_memory_equal(fr->b + 14 + 24, ip6_srv[server], 16);
	assert_int_equal(fr->b[l4 + 13], flags);
	assert_int_equal(pb_get32(fr->b + l4 + 4), seq);
	return pb_get16(fr->b + l4);
}

/*
 * The fail-safe's splice over IPv6 (<v4>: through NAT64): a request held, its
 * server silent past the deadline - reset, the connection moved to the other
 * server on a new local port (SYN with the client's ISN), the request
 * replayed there with the acknowledgement in the new server's space, and the
 * answer reaching the client in the first server's sequence space. Every
 * frame the client sees, byte for byte.
 */
static void
fs6_splice(struct fx *f, int v4)
{
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x11110000, a = 0xffffffe0, b = 0x00c0ffee;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	struct pb_pkt syn, cp, sp, want;
	struct frame fr[4];
	uint16_t lport, lport2;
	int x, y;

	tick(f, 0);
	client6(&syn, IPPROTO_TCP, 47000);
	if (v4)
		memcpy(syn.dip6, ip6_vip64, 16);
	syn.seq = c;
	rx(f, 0, &syn);
	expect_one(f, 0, &fr[0]);
	x = v4 ? server4_of(&fr[0]) : server6_of(&fr[0]);
	y = 1 - x;
	lport = v4 ? lport_of(&fr[0]) : lport6_of(&fr[0]);
	/* x's SYN-ACK, the client's ACK and request, x's bare ACK */
	if (v4) {
		want = nat64_c2s(&syn, x, lport);
		server_pkt(&sp, &want, x, lport);
	} else {
		server6(&sp, &syn, x, lport);
	}
	sp.seq = a;
	sp.ack = c + 1;
	rx(f, 0, &sp);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_s2c(&sp, &syn) : nat6_s2c(&sp, &syn);
	assert_wire(&fr[0], &want);
	cp = syn;
	cp.tcp_flags = PB_TCP_ACK;
	cp.seq = c + 1;
	cp.ack = a + 1;
	rx(f, 0, &cp);
	expect_one(f, 0, &fr[0]);
	cp.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	cp.payload = (const uint8_t *)req;
	cp.payload_len = r;
	rx(f, 0, &cp);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_c2s(&cp, x, lport) : nat6_c2s(&cp, x, lport);
	assert_wire(&fr[0], &want);
	sp.tcp_flags = PB_TCP_ACK;
	sp.seq = a + 1;
	sp.ack = c + 1 + r;
	rx(f, 0, &sp);
	expect_one(f, 0, &fr[0]);
	/* x stays silent: at the deadline, reset there, SYN to y */
	assert_int_equal(fs_wait(f, 0, 29), 0);
	expect_none(f, 0);
	assert_int_equal(fs_wait(f, 0, 1), 1);
	assert_int_equal(take(f, 0, fr, 4), 2);
	assert_int_equal(own_to_server(&fr[0], v4, x, PB_TCP_RST, c + 1 + r), lport);
	lport2 = own_to_server(&fr[1], v4, y, PB_TCP_SYN, c);
	assert_int_not_equal(lport2, lport);
	/* y's SYN-ACK: our ACK, then the request replayed, ack in y's space */
	if (v4) {
		want = nat64_c2s(&syn, y, lport2);
		server_pkt(&sp, &want, y, lport2);
	} else {
		server6(&sp, &syn, y, lport2);
	}
	sp.seq = b;
	sp.ack = c + 1;
	rx(f, 0, &sp);
	assert_int_equal(take(f, 0, fr, 4), 2);
	own_to_server(&fr[0], v4, y, PB_TCP_ACK, c + 1);
	want = v4 ? nat64_c2s(&cp, y, lport2) : nat6_c2s(&cp, y, lport2);
	want.ack = b + 1;
	assert_wire(&fr[1], &want);
	/* y's answer reaches the client where x's would have been */
	sp.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	sp.seq = b + 1;
	sp.ack = c + 1 + r;
	sp.payload = (const uint8_t *)resp;
	sp.payload_len = l;
	rx(f, 0, &sp);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_s2c(&sp, &syn) : nat6_s2c(&sp, &syn);
	want.seq = a + 1;
	assert_wire(&fr[0], &want);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

static void
test_fs6_splice(void **state)
{
	fs6_splice(*state, 0);
}

static void
test_fs64_splice(void **state)
{
	fs6_splice(*state, 1);
}

/* UDP over IPv6 under the fail-safe: an unanswered datagram goes again to
 * the other server at its deadline, and its answer reaches the client. */
static void
test_fs6_udp(void **state)
{
	struct fx *f = *state;
	uint8_t q[] = "who?", a[] = "me";
	struct pb_pkt c, s, want;
	struct frame fr;
	uint16_t lport, lport2;
	int x;

	tick(f, 0);
	client6(&c, IPPROTO_UDP, 56000);
	c.payload = q;
	c.payload_len = sizeof(q) - 1;
	open6(f, &c, &x, &lport);
	assert_int_equal(fs_wait(f, 0, 30), 1);
	expect_one(f, 0, &fr);
	assert_int_equal(server6_of(&fr), 1 - x);
	lport2 = lport6_of(&fr);
	want = nat6_c2s(&c, 1 - x, lport2);
	assert_wire(&fr, &want);
	server6(&s, &c, 1 - x, lport2);
	s.payload = a;
	s.payload_len = sizeof(a) - 1;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/* Packet too big on a server's path over IPv6: the client hears it from the
 * VIP about its own packet; and on the client's path: the server hears it
 * from the local address about its own. */
static void
test_ptb6(void **state)
{
	struct fx *f = *state;
	static uint8_t data[1200], q[1300];
	struct pb_pkt c, s, e;
	struct frame sent, fwd, out;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_TCP, 48000);
	c.tcp_flags = PB_TCP_SYN;
	sent.len = pb_build(&c, sent.b, sizeof(sent.b));
	open6(f, &c, &server, &lport);
	/* the SYN as it went to the server, quoted by a router on its path */
	{
		struct pb_pkt w = nat6_c2s(&c, server, lport);

		fwd.len = pb_build(&w, fwd.b, sizeof(fwd.b));
	}
	icmp_err(&e, 1, 2, 1400, &fwd, q, 40 + 20);
	memcpy(e.src_mac, mac_srv[server], 6);
	pb_ip6(e.sip6, "fd00::77");
	memcpy(e.dip6, ip6_lip, 16);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_true(pb_csum_verify(out.b, out.len, NULL, 0));
	assert_memory_equal(out.b, mac_gw, 6);
	assert_memory_equal(out.b + 14 + 8, ip6_vip, 16);
	assert_memory_equal(out.b + 14 + 24, ip6_client, 16);
	assert_int_equal(out.b[54], 2);
	assert_int_equal(pb_get32(out.b + 58), 1400);
	assert_quote(&out, 40, &sent, 40 + 20, 1);
	/* the server's answer, too big on the client's path */
	server6(&s, &c, server, lport);
	s.payload = data;
	s.payload_len = sizeof(data);
	rx(f, 0, &s);
	expect_one(f, 0, &fwd);
	sent.len = pb_build(&s, sent.b, sizeof(sent.b));
	icmp_err(&e, 1, 2, 1280, &fwd, q, 40 + 20 + 100);
	memcpy(e.src_mac, mac_gw, 6);
	pb_ip6(e.sip6, "2001:db8:2::1");
	memcpy(e.dip6, ip6_vip, 16);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_true(pb_csum_verify(out.b, out.len, NULL, 0));
	assert_memory_equal(out.b, mac_srv[server], 6);
	assert_memory_equal(out.b + 14 + 8, ip6_lip, 16);
	assert_memory_equal(out.b + 14 + 24, ip6_srv[server], 16);
	assert_int_equal(pb_get32(out.b + 58), 1280);
	assert_quote(&out, 40, &sent, 40 + 20 + 100, 1);
	{
		struct nc_dp_stats st;

		stats(f, &st);
		assert_int_equal(st.icmp_relayed, 2);
	}
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* The server's segment and a packet too big quoting it as it left for the
 * client, in one burst: the error is checked against the client leg's window
 * after the segment moved it (in its place among the legs), so it is relayed
 * to the server, not dropped as out of window. */
static void
test_ptb6_same_burst(void **state)
{
	struct fx *f = *state;
	static uint8_t data[1200], q[1300];
	static struct frame out[4];
	struct rte_mbuf *m[2];
	struct pb_pkt c, s, e, w;
	struct frame fwd;
	struct nc_dp_stats st;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_TCP, 48100);
	open6(f, &c, &server, &lport);
	server6(&s, &c, server, lport);
	s.payload = data;
	s.payload_len = sizeof(data);
	w = nat6_s2c(&s, &c);
	fwd.len = pb_build(&w, fwd.b, sizeof(fwd.b));
	icmp_err(&e, 1, 2, 1280, &fwd, q, 40 + 20 + 100);
	memcpy(e.src_mac, mac_gw, 6);
	pb_ip6(e.sip6, "2001:db8:2::1");
	memcpy(e.dip6, ip6_vip, 16);
	m[0] = mk(&s);
	m[1] = mk(&e);
	nc_worker_rx(wk(f, 0), 0, m, 2);
	assert_int_equal(take(f, 0, out, 4), 2);
	assert_wire(&out[0], &w);
	assert_memory_equal(out[1].b, mac_srv[server], 6);
	assert_int_equal(out[1].b[54], 2);
	stats(f, &st);
	assert_int_equal(st.icmp_relayed, 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* NAT64: fragmentation needed on the IPv4 server's path becomes packet too
 * big for the IPv6 client, 20 more; packet too big on the client's path
 * becomes fragmentation needed for the server, 20 less. */
static void
test_ptb64(void **state)
{
	struct fx *f = *state;
	static uint8_t data[1200], q[1300];
	struct pb_pkt c, s, e, w;
	struct frame sent, fwd, out;
	uint16_t lport;
	int server;

	client6(&c, IPPROTO_TCP, 49000);
	memcpy(c.dip6, ip6_vip64, 16);
	sent.len = pb_build(&c, sent.b, sizeof(sent.b));
	rx(f, 0, &c);
	expect_one(f, 0, &fwd);
	server = server4_of(&fwd);
	lport = lport_of(&fwd);
	icmp_err(&e, 0, 3, 1400, &fwd, q, 20 + 20);
	memcpy(e.src_mac, mac_srv[server], 6);
	e.sip = PB_IP(10, 0, 0, 77);
	e.dip = IP_LIP;
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_true(pb_csum_verify(out.b, out.len, NULL, 0));
	assert_memory_equal(out.b + 14 + 8, ip6_vip64, 16);
	assert_memory_equal(out.b + 14 + 24, ip6_client, 16);
	assert_int_equal(out.b[54], 2);
	assert_int_equal(pb_get32(out.b + 58), 1420);
	assert_quote(&out, 40, &sent, 40 + 20, 1);
	/* the server's answer, too big for the client's path */
	w = nat64_c2s(&c, server, lport);
	server_pkt(&s, &w, server, lport);
	s.payload = data;
	s.payload_len = sizeof(data);
	sent.len = pb_build(&s, sent.b, sizeof(sent.b));
	rx(f, 0, &s);
	expect_one(f, 0, &fwd);
	icmp_err(&e, 1, 2, 1300, &fwd, q, 40 + 20 + 8);
	memcpy(e.src_mac, mac_gw, 6);
	pb_ip6(e.sip6, "2001:db8:2::1");
	memcpy(e.dip6, ip6_vip64, 16);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_true(pb_csum_verify(out.b, out.len, NULL, 0));
	assert_int_equal(pb_get32(out.b + PB_IP_OFF + 12), IP_LIP);
	assert_int_equal(pb_get32(out.b + PB_IP_OFF + 16), ip_srv[server]);
	assert_int_equal(out.b[PB_IP_OFF + 20], 3);
	assert_int_equal(out.b[PB_IP_OFF + 21], 4);
	assert_int_equal(pb_get16(out.b + PB_IP_OFF + 26), 1280);
	assert_quote(&out, 20, &sent, 20 + 20 + 8, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* The quoted TCP sequence number of an ICMP error's quote in <buf> (its IP
 * header <l3> bytes) set to <seq>: a blind sender's guess. */
static void
quote_seq(uint8_t *buf, uint16_t l3, uint32_t seq)
{
	buf[l3 + 4] = (uint8_t)(seq >> 24);
	buf[l3 + 5] = (uint8_t)(seq >> 16);
	buf[l3 + 6] = (uint8_t)(seq >> 8);
	buf[l3 + 7] = (uint8_t)seq;
}

/*
 * RFC 5927 on packet too big, both legs of an IPv6 flow: relayed only when
 * the quote is a live flow's segment with a sequence number between what the
 * leg's peer acknowledged and the next one sent. A server-side error past
 * the client's bytes or before its ISN, a client-side one past the server's
 * bytes, one quoting a local port or a client port no flow has: dropped and
 * counted, nothing relayed. In window: relayed, as test_ptb6 shows byte for
 * byte. Once the client acknowledged the server's bytes, an error quoting
 * them is out of window.
 */
static void
test_ptb6_window(void **state)
{
	struct fx *f = *state;
	static uint8_t req[1000], data[1200], q[1300];
	const uint32_t c = 0xfffffc00, a = 0x00abcdef;   /* the client's numbers wrap */
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt cp, sp, e;
	struct frame fwd, back, out;
	struct nc_dp_stats st;
	uint16_t lport;
	int server;

	client6(&cp, IPPROTO_TCP, 48100);
	cp.seq = c;
	open6(f, &cp, &server, &lport);
	server6(&sp, &cp, server, lport);
	sp.seq = a;
	sp.ack = c + 1;
	rx(f, 0, &sp);
	expect_one(f, 0, &out);
	cp.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	cp.seq = c + 1;
	cp.ack = a + 1;
	cp.payload = req;
	cp.payload_len = sizeof(req);
	rx(f, 0, &cp);
	expect_one(f, 0, &fwd);
	sp.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	sp.seq = a + 1;
	sp.ack = c + 1;                 /* the request not acknowledged yet */
	sp.payload = data;
	sp.payload_len = sizeof(data);
	rx(f, 0, &sp);
	expect_one(f, 0, &back);

	/* the server's path: about the request as it went to the server */
	icmp_err(&e, 1, 2, 1400, &fwd, q, 40 + 20);
	memcpy(e.src_mac, mac_srv[server], 6);
	pb_ip6(e.sip6, "fd00::77");
	memcpy(e.dip6, ip6_lip, 16);
	quote_seq(q, 40, c + 1 + sizeof(req) + 1);
	rx(f, 0, &e);
	quote_seq(q, 40, c - 1);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW] += 2;
	quote_seq(q, 40, c + 1);
	q[40] ^= 0x01;                  /* another local port */
	rx(f, 0, &e);
	want[NC_DROP_ICMP_NO_FLOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	q[40] ^= 0x01;
	quote_seq(q, 40, c + 1 + sizeof(req));   /* the next byte: in */
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_memory_equal(out.b + 14 + 24, ip6_client, 16);
	assert_int_equal(out.b[54], 2);

	/* the client's path: about the server's bytes as they went to the client */
	icmp_err(&e, 1, 2, 1280, &back, q, 40 + 20);
	memcpy(e.src_mac, mac_gw, 6);
	pb_ip6(e.sip6, "2001:db8:2::1");
	memcpy(e.dip6, ip6_vip, 16);
	quote_seq(q, 40, a + 1 + sizeof(data) + 1);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW]++;
	quote_seq(q, 40, a + 1);
	q[42] ^= 0x01;                  /* another client port */
	rx(f, 0, &e);
	want[NC_DROP_ICMP_NO_FLOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	q[42] ^= 0x01;
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_memory_equal(out.b + 14 + 24, ip6_srv[server], 16);
	assert_int_equal(out.b[54], 2);
	/* the client has the server's bytes: an error about them is stale */
	cp.tcp_flags = PB_TCP_ACK;
	cp.seq = c + 1 + sizeof(req);
	cp.ack = a + 1 + sizeof(data);
	cp.payload = NULL;
	cp.payload_len = 0;
	rx(f, 0, &cp);
	expect_one(f, 0, &out);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	stats(f, &st);
	assert_int_equal(st.icmp_relayed, 2);
	assert_no_leak(f);
}

/* NAT64 client <cp> (port <sport>, sequence number <seq>) opens a flow: its
 * SYN as its server gets it in <fwd>; <e> fragmentation needed about that SYN
 * from the server's path (MTU 1400), the quote in <q>. */
static void
syn64_frag_needed(struct fx *f, uint16_t sport, uint32_t seq, struct pb_pkt *cp, struct frame *fwd,
		  struct pb_pkt *e, uint8_t *q, int *server, uint16_t *lport)
{
	client6(cp, IPPROTO_TCP, sport);
	memcpy(cp->dip6, ip6_vip64, 16);
	cp->seq = seq;
	rx(f, 0, cp);
	expect_one(f, 0, fwd);
	*server = server4_of(fwd);
	*lport = lport_of(fwd);
	icmp_err(e, 0, 3, 1400, fwd, q, 20 + 20);
	memcpy(e->src_mac, mac_srv[*server], 6);
	e->sip = PB_IP(10, 0, 0, 77);
	e->dip = IP_LIP;
}

/* <e> (syn64_frag_needed()'s) quoting sequence number <seq> reaches the
 * client as packet too big. */
static void
frag_needed_relayed(struct fx *f, const struct pb_pkt *e, uint8_t *q, uint32_t seq)
{
	struct frame out;

	quote_seq(q, 20, seq);
	rx(f, 0, e);
	expect_one(f, 0, &out);
	assert_memory_equal(out.b + 14 + 24, ip6_client, 16);
	assert_int_equal(out.b[54], 2);   /* packet too big */
}

/*
 * The same across NAT64: IPv4 fragmentation needed from the server's path
 * quoting a sequence number the client never sent, a local port no flow has
 * or another server is dropped (no packet too big for the client), the SYN's
 * own number is relayed; packet too big from the client's path quoting one
 * past the server's SYN or another client port is dropped (no fragmentation
 * needed for the server), the SYN-ACK's own is relayed.
 */
static void
test_ptb64_window(void **state)
{
	struct fx *f = *state;
	static uint8_t q[1300];
	const uint32_t c = 0x00001000, a = 0x80000000;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt cp, sp, e, w;
	struct frame fwd, back, out;
	struct nc_dp_stats st;
	uint16_t lport;
	int server;

	syn64_frag_needed(f, 49100, c, &cp, &fwd, &e, q, &server, &lport);
	quote_seq(q, 20, c + 2);
	rx(f, 0, &e);
	quote_seq(q, 20, c ^ 0x80000000u);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW] += 2;
	quote_seq(q, 20, c);
	q[20] ^= 0x40;                  /* a local port no flow has */
	rx(f, 0, &e);
	q[20] ^= 0x40;
	q[19] ^= 0x01;                  /* the flow's port, another server */
	rx(f, 0, &e);
	q[19] ^= 0x01;
	want[NC_DROP_ICMP_NO_FLOW] += 2;
	expect_none(f, 0);
	assert_drops(f, want);
	frag_needed_relayed(f, &e, q, c);
	/* the server's SYN-ACK to the client, then packet too big about it */
	w = nat64_c2s(&cp, server, lport);
	server_pkt(&sp, &w, server, lport);
	sp.tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	sp.seq = a;
	sp.ack = c + 1;
	rx(f, 0, &sp);
	expect_one(f, 0, &back);
	icmp_err(&e, 1, 2, 1300, &back, q, 40 + 20);
	memcpy(e.src_mac, mac_gw, 6);
	pb_ip6(e.sip6, "2001:db8:2::1");
	memcpy(e.dip6, ip6_vip64, 16);
	quote_seq(q, 40, a + 2);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW]++;
	quote_seq(q, 40, a);
	q[42] ^= 0x01;                  /* another client port */
	rx(f, 0, &e);
	q[42] ^= 0x01;
	want[NC_DROP_ICMP_NO_FLOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_int_equal(pb_get32(out.b + PB_IP_OFF + 16), ip_srv[server]);
	assert_int_equal(out.b[PB_IP_OFF + 20], 3);
	assert_int_equal(out.b[PB_IP_OFF + 21], 4);
	stats(f, &st);
	assert_int_equal(st.icmp_relayed, 2);
	assert_drops(f, want);
	assert_no_leak(f);
}

/*
 * The fail-safe over IPv6: a destination unreachable from the server's path
 * quoting a held request's port with a number the client never sent moves
 * nothing and resets nobody; quoting the request's own, it moves the
 * connection at once (RST to its server, SYN to the other).
 */
static void
test_fs6_unreach_window(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /6 HTTP/1.1\r\n\r\n";
	const uint32_t c = 0x22220000, a = 0x33330000;
	const uint16_t r = sizeof(req) - 1;
	uint64_t want[NC_DROP_MAX] = { 0 };
	static uint8_t q[1300];
	struct pb_pkt syn, cp, sp, e;
	struct frame fr[4];
	struct nc_failsafe_view v;
	uint16_t lport;
	int x;

	tick(f, 0);
	client6(&syn, IPPROTO_TCP, 47100);
	syn.seq = c;
	open6(f, &syn, &x, &lport);
	server6(&sp, &syn, x, lport);
	sp.seq = a;
	sp.ack = c + 1;
	rx(f, 0, &sp);
	expect_one(f, 0, &fr[0]);
	cp = syn;
	cp.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	cp.seq = c + 1;
	cp.ack = a + 1;
	cp.payload = (const uint8_t *)req;
	cp.payload_len = r;
	rx(f, 0, &cp);
	expect_one(f, 0, &fr[1]);
	icmp_err(&e, 1, 1, 0, &fr[1], q, 40 + 20);   /* no route to the server */
	memcpy(e.src_mac, mac_srv[x], 6);
	pb_ip6(e.sip6, "fd00::77");
	memcpy(e.dip6, ip6_lip, 16);
	quote_seq(q, 40, c + 1 + r + 1000);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	assert_int_equal(nc_dp_failsafe_view(f->dp, SVC_WEB6, &v), 2);
	assert_int_equal(v.replays, 0);
	assert_int_equal(v.resets, 0);
	quote_seq(q, 40, c + 1);
	rx(f, 0, &e);
	assert_int_equal(take(f, 0, fr, 4), 2);
	assert_int_equal(own_to_server(&fr[0], 0, x, PB_TCP_RST, c + 1), lport);
	assert_int_not_equal(own_to_server(&fr[1], 0, 1 - x, PB_TCP_SYN, c), lport);
	assert_int_equal(nc_dp_failsafe_view(f->dp, SVC_WEB6, &v), 2);
	assert_int_equal(v.replays, 1);
	assert_drops(f, want);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * One burst of 40 (five of the fast path's 8-packet groups) mixing both
 * families: segments of 6 open IPv6 flows both ways, of 6 open IPv4 ones,
 * and a new IPv6 flow's datagram in groups 0, 2 and 4 - one flow, one local
 * port, however far apart the lookups of its packets ran. Everything
 * arrives as sent, NATed.
 */
static void
test_burst6_groups(void **state)
{
	enum { N = 6, B = 40 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	static struct frame fr[B];
	struct pb_pkt c6[N], want[B];
	struct flow fl4[N];
	int srv6[N], j;
	uint16_t lp6[N], udp_lport = 0;
	struct rte_mbuf *m[B];
	struct pb_pkt p[B];
	uint8_t used[B] = { 0 };
	unsigned int i, n, k = 0, udp = 0;

	for (i = 0; i < N; i++) {
		client6(&c6[i], IPPROTO_TCP, (uint16_t)(47000 + i));
		open6(f, &c6[i], &srv6[i], &lp6[i]);
		open_tcp(f, (uint16_t)(47100 + i), &fl4[i]);
	}
	for (i = 0; i < B; i++) {
		if (i == 1 || i == 17 || i == 33) {
			client6(&p[i], IPPROTO_UDP, 47900);
			p[i].flow_label = 700 + i;   /* three datagrams, each its own */
		} else {
			switch (i % 4) {
			case 0:
				p[i] = c6[k];
				p[i].tcp_flags = PB_TCP_ACK;
				p[i].seq = c6[k].seq + 1;
				want[i] = nat6_c2s(&p[i], srv6[k], lp6[k]);
				break;
			case 1:
				server6(&p[i], &c6[k], srv6[k], lp6[k]);
				p[i].tcp_flags = PB_TCP_ACK;
				want[i] = nat6_s2c(&p[i], &c6[k]);
				break;
			case 2:
				client_seg(&p[i], &fl4[k], PB_TCP_ACK);
				want[i] = nat_c2s(&p[i], fl4[k].server, fl4[k].lport);
				break;
			default:
				server_seg(&p[i], &fl4[k], PB_TCP_ACK);
				want[i] = nat_s2c(&p[i], &fl4[k].c);
				k = (k + 1) % N;
				break;
			}
		}
		m[i] = mk(&p[i]);
	}
	nc_worker_rx(wk(f, 0), 0, m, B);
	n = take(f, 0, fr, B);
	assert_int_equal(n, B);
	for (i = 0; i < B; i++) {
		if (i == 1 || i == 17 || i == 33)
			continue;
		expect_in_burst(fr, n, used, &want[i], i);
	}
	for (j = 0; j < (int)n; j++) {
		if (used[j])
			continue;
		if (udp == 0)
			udp_lport = lport6_of(&fr[j]);
		assert_int_equal(lport6_of(&fr[j]), udp_lport);
		for (i = 1; i < B; i += 16) {
			struct pb_pkt w = nat6_c2s(&p[i], server6_of(&fr[j]), udp_lport);

			if (find_frame(fr, n, used, &w) >= 0)
				udp++;
		}
	}
	assert_int_equal(udp, 3);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_DNS6].flows_opened, 1);
	assert_int_equal(st.svc[SVC_WEB6].flows_opened, N);
	assert_int_equal(drops_total(f), 0);
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
 * a6 and b6 down every new flow reaches it at its own address and MAC. */
static void
test_admin_server6(void **state)
{
	struct fx *f = *state;
	struct nc_cfg_server c = { .family = AF_INET6, .port = WEB_SPORT };
	struct nc_server_view v[NC_MAX_SERVERS];
	struct nc_service_view sv;
	struct pb_pkt p, want;
	struct frame fr;
	uint8_t ip6_c[16];
	uint16_t lport;
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
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* web6b's client <sport> opens a flow to a server and gets its answer, every
 * byte as built from scratch (the VIP's port 8443 both ways). */
static void
web6b_flow(struct fx *f, uint16_t sport, struct pb_pkt *c)
{
	struct pb_pkt a, want;
	struct frame fr;
	uint16_t lport;
	int server;

	client6(c, IPPROTO_TCP, sport);
	c->dport = 8443;
	open6(f, c, &server, &lport);
	server6(&a, c, server, lport);
	rx(f, 0, &a);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&a, c);
	assert_wire(&fr, &want);
}

/* An IPv6 service added at run time (SIGHUP's way): web6b, tcp/8443 on web6's
 * VIP with its local address and servers, gets flows at once. What needs a
 * restart is refused with the reason: a new local address, a VIP that is a
 * local IP with a local port; a taken address is named. Removed, it takes no new flow
 * while its flow carries on; once that flow has ended it comes back under
 * another name in the same slot. */
static void
test_admin_service6(void **state)
{
	struct fx *f = *state;
	struct nc_cfg_service m = nc_dp_config(f->dp)->services[SVC_WEB6];
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_service_view sv;
	struct pb_pkt p;
	struct frame fr;
	char why[160] = "";
	int s;

	snprintf(m.name, sizeof(m.name), "web6b");
	m.port = 8443;
	{
		struct nc_cfg_service bad = m;

		bad.port = WEB_PORT;
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -EEXIST);
		assert_non_null(strstr(why, "service web6 has that address"));
		bad = m;
		pb_ip6(bad.local_ips6[0], "fd00::201");
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -ENOTSUP);
		assert_non_null(strstr(why, "local IP fd00::201 is new"));
		bad = m;
		memcpy(bad.vip6, ip6_lip, 16);
		bad.port = 40000;
		assert_int_equal(nc_dp_service_check_add(f->dp, &bad, why, sizeof(why)), -ENOTSUP);
		assert_non_null(strstr(why, "its VIP is a local IP"));
	}
	s = nc_dp_service_check_add(f->dp, &m, why, sizeof(why));
	assert_int_equal(s, nc_dp_n_services(f->dp));
	assert_int_equal(nc_dp_service_add(f->dp, &m), s);
	assert_int_equal(nc_dp_service_find(f->dp, "web6b"), s);
	nc_dp_service_view(f->dp, (unsigned int)s, &sv, NULL, 0);
	assert_int_equal(sv.family, AF_INET6);
	assert_memory_equal(sv.vip6, ip6_vip, 16);
	assert_int_equal(sv.port, 8443);
	tick(f, 0);   /* the worker takes the new tables */
	web6b_flow(f, 42000, &p);
	assert_int_equal(drops_total(f), 0);

	/* removed: no new flow, the open one carries on */
	assert_int_equal(nc_dp_service_remove(f->dp, (unsigned int)s), 0);
	{
		struct pb_pkt q;

		client6(&q, IPPROTO_TCP, 42001);
		q.dport = 8443;
		rx(f, 0, &q);
		expect_none(f, 0);
		want[NC_DROP_NO_SERVER] = 1;
		assert_drops(f, want);
	}
	p.tcp_flags = PB_TCP_RST;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	usleep(1100 * 1000);
	tick(f, 0);
	assert_true(nc_worker_expire(wk(f, 0), 4096) >= 1);
	nc_dp_admin_poll(f->dp, rte_rdtsc() + rte_get_tsc_hz());
	nc_dp_service_view(f->dp, (unsigned int)s, &sv, NULL, 0);
	assert_int_equal(sv.state, NC_SVC_REMOVED);
	/* back under another name: the same slot, flows again */
	snprintf(m.name, sizeof(m.name), "web6c");
	assert_int_equal(nc_dp_service_add(f->dp, &m), s);
	tick(f, 0);
	web6b_flow(f, 42002, &p);
	nc_dp_service_view(f->dp, (unsigned int)s, &sv, NULL, 0);
	assert_string_equal(sv.name, "web6c");
	assert_int_equal(sv.state, NC_SVC_LIVE);
	assert_no_leak(f);
}

/* A NAT64 service added at run time beside the one of the start: web64b,
 * tcp/8443 on web64's VIP over its IPv4 servers and local IP, translated
 * both ways at once, every byte. */
static void
test_admin_service64(void **state)
{
	struct fx *f = *state;
	struct nc_cfg_service m = nc_dp_config(f->dp)->services[SVC_WEB64];
	struct pb_pkt c, a;
	uint16_t lport;
	int s, server;

	snprintf(m.name, sizeof(m.name), "web64b");
	m.port = 8443;
	s = nc_dp_service_add(f->dp, &m);
	assert_int_equal(s, 6);
	tick(f, 0);
	client6(&c, IPPROTO_TCP, 46000);
	memcpy(c.dip6, ip6_vip64, 16);
	c.dport = 8443;
	handshake64(f, &c, 0, &a, &server, &lport);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * The first NAT64 service, added at run time to a data plane that started
 * with IPv6 services only: its flows keep their TCP windows in their address
 * lines, so nothing sized at start is missing. web64 on a new VIP translates
 * at once; fragmentation needed from the server's path quoting a sequence
 * number the client never sent is dropped, quoting the SYN's own relayed as
 * packet too big; the server's answer reaches the client byte for byte.
 */
static void
test_admin_service64_first(void **state)
{
	struct fx *f = *state;
	static struct nc_config scratch;
	static uint8_t q[1300];
	const uint32_t c = 0x00001000;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt cp, sp, e, w, back;
	struct frame fwd, out;
	char why[160] = "";
	uint16_t lport;
	int s, server;

	pb_ip6(ip6_vip64, "fd00::164");
	svc64(&scratch, 0, "web64", IPPROTO_TCP, WEB_PORT, WEB_SPORT);
	s = nc_dp_service_check_add(f->dp, &scratch.services[0], why, sizeof(why));
	assert_int_equal(s, nc_dp_n_services(f->dp));
	assert_int_equal(nc_dp_service_add(f->dp, &scratch.services[0]), s);
	tick(f, 0);   /* the worker takes the new tables */
	syn64_frag_needed(f, 49200, c, &cp, &fwd, &e, q, &server, &lport);
	w = nat64_c2s(&cp, server, lport);
	assert_wire(&fwd, &w);
	quote_seq(q, 20, c + 2);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	frag_needed_relayed(f, &e, q, c);
	server_pkt(&sp, &w, server, lport);
	sp.tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	sp.ack = c + 1;
	rx(f, 0, &sp);
	expect_one(f, 0, &out);
	back = nat64_s2c(&sp, &cp);
	assert_wire(&out, &back);
	assert_no_leak(f);
}

/* ------------------------------------------------ the client's address */

/* proxy-v2 on web6 and dns6, proxy-v1 on web64, proxy-v2 on dns64 */
static void
tweak_v6_ca(struct nc_config *c)
{
	tweak_v6_64(c);
	c->services[SVC_WEB6].client_address = NC_CA_PROXY_V2;
	c->services[SVC_DNS6].client_address = NC_CA_PROXY_V2;
	c->services[SVC_WEB64].client_address = NC_CA_PROXY_V1;
	c->services[SVC_DNS64].client_address = NC_CA_PROXY_V2;
}

static void
tweak_v6_toa(struct nc_config *c)
{
	tweak_v6_64(c);
	c->services[SVC_WEB6].client_address = NC_CA_TOA;
	c->services[SVC_WEB64].client_address = NC_CA_TOA;
}

static int setup_v6_ca(void **state) { return fx_setup(state, tweak_v6_ca); }
static int setup_v6_toa(void **state) { return fx_setup(state, tweak_v6_toa); }

/* The PROXY v2 header (AF_INET6) naming client packet <c>'s addresses and
 * ports, built here from the protocol's text. Returns its length. */
static uint16_t
v2_6_of(uint8_t *h, const struct pb_pkt *c)
{
	static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

	memcpy(h, sig, 12);
	h[12] = 0x21;
	h[13] = c->proto == IPPROTO_TCP ? 0x21 : 0x22;
	h[14] = 0;
	h[15] = 36;
	memcpy(h + 16, c->sip6, 16);
	memcpy(h + 32, c->dip6, 16);
	pb_put16(h + 48, c->sport);
	pb_put16(h + 50, c->dport);
	return 52;
}

/* A segment the appliance makes on flow <lport>'s server leg, to <server>:
 * IPv6 from the local address, or (<v4>, NAT64) IPv4 from the local IP. */
static void
own6(struct pb_pkt *p, int v4, int server, uint16_t lport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	if (v4) {
		pb_init(p, IPPROTO_TCP);
		p->ip_id = 0;
		p->sip = IP_LIP;
		p->dip = ip_srv[server];
	} else {
		pb_init6(p, IPPROTO_TCP);
		memcpy(p->sip6, ip6_lip, 16);
		memcpy(p->dip6, ip6_srv[server], 16);
	}
	memcpy(p->src_mac, mac_port, 6);
	memcpy(p->dst_mac, mac_srv[server], 6);
	p->sport = lport;
	p->dport = WEB_SPORT;
	p->tcp_flags = flags;
	p->seq = seq;
	p->ack = ack;
	p->window = 65535;
}

/* A connection to web6 or (<v4>) web64 from <sport>, client ISN <cs>: the
 * SYN forwarded as it came; its server and local port back. */
static void
ca6_syn(struct fx *f, int v4, uint16_t sport, uint32_t cs, struct pb_pkt *c, int *server,
	uint16_t *lport)
{
	struct pb_pkt want;
	struct frame fr;

	client6(c, IPPROTO_TCP, sport);
	if (v4)
		memcpy(c->dip6, ip6_vip64, 16);
	c->seq = cs;
	rx(f, 0, c);
	expect_one(f, 0, &fr);
	*server = v4 ? server4_of(&fr) : server6_of(&fr);
	*lport = v4 ? lport_of(&fr) : lport6_of(&fr);
	want = v4 ? nat64_c2s(c, *server, *lport) : nat6_c2s(c, *server, *lport);
	assert_wire(&fr, &want);
}

/* The server's SYN-ACK (ISN <a>) of that connection */
static void
ca6_synack(struct pb_pkt *s, int v4, const struct pb_pkt *c, int server, uint16_t lport, uint32_t a)
{
	if (v4) {
		struct pb_pkt fwd = nat64_c2s(c, server, lport);

		server_pkt(s, &fwd, server, lport);
	} else {
		server6(s, c, server, lport);
	}
	s->tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	s->seq = a;
	s->ack = c->seq + 1;
}

/*
 * A PROXY header over IPv6 (<v4>: web64's v1 line through NAT64, else web6's
 * v2 AF_INET6 header): at the server's SYN-ACK the header goes to the server
 * first in the server leg's family, then the SYN-ACK to the client; the
 * client's bytes reach the server <hl> on, the server's acknowledgements
 * come back <hl> less.
 */
static void
ca6_shift(struct fx *f, int v4)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: vip6\r\n\r\n";
	static const char resp[] = "HTTP/1.1 204 No Content\r\n\r\n";
	static const char line[] = "PROXY TCP6 2001:db8:1::10 fd00::164 46001 80\r\n";
	const uint32_t cs = 0xffffffe8u, a = 0x4000;   /* the client's numbers wrap */
	const uint16_t n = sizeof(req) - 1;
	unsigned int svc = v4 ? SVC_WEB64 : SVC_WEB6;
	struct pb_pkt c, s, want;
	struct nc_dp_stats st;
	struct frame fr[4];
	uint8_t h[NC_PROXY_V1_MAX];
	uint16_t lport, hl;
	int server;

	ca6_syn(f, v4, v4 ? 46001 : 40000, cs, &c, &server, &lport);
	if (v4) {
		hl = sizeof(line) - 1;
		memcpy(h, line, hl);
	} else {
		hl = v2_6_of(h, &c);
	}
	ca6_synack(&s, v4, &c, server, lport, a);
	rx(f, 0, &s);
	assert_int_equal(take(f, 0, fr, 4), 2);
	own6(&want, v4, server, lport, PB_TCP_PSH | PB_TCP_ACK, cs + 1, a + 1);
	want.window = c.window;
	want.payload = h;
	want.payload_len = hl;
	assert_wire(&fr[0], &want);
	want = v4 ? nat64_s2c(&s, &c) : nat6_s2c(&s, &c);
	assert_wire(&fr[1], &want);
	/* the client's ACK and request: hl on */
	c.tcp_flags = PB_TCP_ACK;
	c.seq = cs + 1;
	c.ack = a + 1;
	rx(f, 0, &c);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
	want.seq = cs + 1 + hl;
	assert_wire(&fr[0], &want);
	c.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	c.payload = (const uint8_t *)req;
	c.payload_len = n;
	rx(f, 0, &c);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
	want.seq = cs + 1 + hl;
	assert_wire(&fr[0], &want);
	/* the header acknowledged alone: the client's SYN */
	s.tcp_flags = PB_TCP_ACK;
	s.seq = a + 1;
	s.ack = cs + 1 + hl;
	rx(f, 0, &s);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_s2c(&s, &c) : nat6_s2c(&s, &c);
	want.ack = cs + 1;
	assert_wire(&fr[0], &want);
	/* the answer, acknowledging the request: hl less, in line now */
	s.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	s.ack = cs + 1 + hl + n;
	s.payload = (const uint8_t *)resp;
	s.payload_len = sizeof(resp) - 1;
	rx(f, 0, &s);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_s2c(&s, &c) : nat6_s2c(&s, &c);
	want.ack = cs + 1 + n;
	assert_wire(&fr[0], &want);
	stats(f, &st);
	assert_int_equal(st.svc[svc].ca[NC_CA_EV_HDR_SENT], 1);
	assert_int_equal(st.svc[svc].ca[NC_CA_EV_HDR_RESENT], 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	assert_true(rte_mempool_full(f->dp->ca_pool));
}

/*
 * The server leg's window is in the server's numbers: behind a PROXY header
 * the client's bytes reach the server <hl> on, and so does a quote of them.
 * Packet too big about the request as the server got it, quoting its end,
 * is in window and relayed to the client; one byte past it is not (<v4>:
 * fragmentation needed through NAT64).
 */
static void
ca6_ptb(struct fx *f, int v4)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: vip6\r\n\r\n";
	const uint32_t cs = 0x7ffffff0u, a = 0x9000;
	const uint16_t n = sizeof(req) - 1, l3 = v4 ? 20 : 40;
	uint64_t want[NC_DROP_MAX] = { 0 };
	static uint8_t q[200];
	struct pb_pkt c, s, e;
	struct frame fr[4], out;
	uint8_t h[NC_PROXY_V1_MAX];
	uint16_t lport, hl;
	int server;

	ca6_syn(f, v4, v4 ? 46003 : 40003, cs, &c, &server, &lport);
	hl = v4 ? (uint16_t)strlen("PROXY TCP6 2001:db8:1::10 fd00::164 46003 80\r\n") : v2_6_of(h, &c);
	ca6_synack(&s, v4, &c, server, lport, a);
	rx(f, 0, &s);
	assert_int_equal(take(f, 0, fr, 4), 2);
	c.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	c.seq = cs + 1;
	c.ack = a + 1;
	c.payload = (const uint8_t *)req;
	c.payload_len = n;
	rx(f, 0, &c);
	expect_one(f, 0, &fr[0]);
	assert_int_equal(pb_get32(fr[0].b + 14 + l3 + 4), cs + 1 + hl);
	icmp_err(&e, !v4, 2, 1300, &fr[0], q, (uint16_t)(l3 + 20));
	memcpy(e.src_mac, mac_srv[server], 6);
	if (v4) {
		e.sip = PB_IP(10, 0, 0, 77);
		e.dip = IP_LIP;
	} else {
		pb_ip6(e.sip6, "fd00::77");
		memcpy(e.dip6, ip6_lip, 16);
	}
	quote_seq(q, l3, cs + 1 + hl + n + 1);
	rx(f, 0, &e);
	want[NC_DROP_ICMP_OUT_OF_WINDOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	quote_seq(q, l3, cs + 1 + hl + n);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_memory_equal(out.b + 14 + 24, ip6_client, 16);
	assert_int_equal(out.b[54], 2);
	assert_drops(f, want);
	assert_no_leak(f);
}

static void
test_ca6_ptb_window(void **state)
{
	ca6_ptb(*state, 0);
}

static void
test_ca64_ptb_window(void **state)
{
	ca6_ptb(*state, 1);
}

static void
test_ca6_v2_shift(void **state)
{
	ca6_shift(*state, 0);
}

static void
test_ca64_v1_shift(void **state)
{
	ca6_shift(*state, 1);
}

/*
 * A header the server does not acknowledge goes again, in the server leg's
 * family: with the server's repeated SYN-ACK, then every NC_CA_RTO_MS,
 * NC_CA_TRIES sends in all; then the server is reset from the local address
 * and the IPv6 client from the VIP (<v4>: through NAT64).
 */
static void
ca6_retransmit(struct fx *f, int v4)
{
	static const char line[] = "PROXY TCP6 2001:db8:1::10 fd00::164 46002 80\r\n";
	const uint32_t cs = 0x2000, a = 0x3000;
	unsigned int svc = v4 ? SVC_WEB64 : SVC_WEB6, i;
	struct pb_pkt c, s, want, hdr;
	struct nc_dp_stats st;
	struct frame fr[4];
	uint8_t h[NC_PROXY_V1_MAX];
	uint16_t lport, hl;
	int server;

	f->vclock = 1;
	tick(f, 0);
	ca6_syn(f, v4, v4 ? 46002 : 40002, cs, &c, &server, &lport);
	if (v4) {
		hl = sizeof(line) - 1;
		memcpy(h, line, hl);
	} else {
		hl = v2_6_of(h, &c);
	}
	own6(&hdr, v4, server, lport, PB_TCP_PSH | PB_TCP_ACK, cs + 1, a + 1);
	hdr.window = c.window;
	hdr.payload = h;
	hdr.payload_len = hl;
	ca6_synack(&s, v4, &c, server, lport, a);
	rx(f, 0, &s);
	assert_int_equal(take(f, 0, fr, 4), 2);
	assert_wire(&fr[0], &hdr);
	/* before its deadline, nothing */
	f->vnow_ms += NC_CA_RTO_MS - 1;
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 0);
	expect_none(f, 0);
	/* the server's SYN-ACK again: the header with it */
	rx(f, 0, &s);
	assert_int_equal(take(f, 0, fr, 4), 2);
	assert_wire(&fr[0], &hdr);
	want = v4 ? nat64_s2c(&s, &c) : nat6_s2c(&s, &c);
	assert_wire(&fr[1], &want);
	/* then the timer: sends 3 .. NC_CA_TRIES */
	f->vnow_ms += 1;
	for (i = 2; i < NC_CA_TRIES; i++) {
		tick(f, 0);
		assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 1);
		expect_one(f, 0, &fr[0]);
		assert_wire(&fr[0], &hdr);
		f->vnow_ms += NC_CA_RTO_MS;
	}
	/* the last deadline: both ends reset, each in its own family */
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 1);
	assert_int_equal(take(f, 0, fr, 4), 2);
	own6(&want, v4, server, lport, PB_TCP_RST, cs + 1, 0);
	assert_wire(&fr[0], &want);
	pb_init6(&want, IPPROTO_TCP);
	memcpy(want.src_mac, mac_port, 6);
	memcpy(want.dst_mac, mac_gw, 6);
	memcpy(want.sip6, c.dip6, 16);
	memcpy(want.dip6, c.sip6, 16);
	want.sport = WEB_PORT;
	want.dport = c.sport;
	want.tcp_flags = PB_TCP_RST;
	want.seq = a + 1;
	want.ack = 0;
	want.window = 65535;
	assert_wire(&fr[1], &want);
	stats(f, &st);
	assert_int_equal(st.svc[svc].ca[NC_CA_EV_HDR_RESENT], NC_CA_TRIES - 1);
	assert_int_equal(st.svc[svc].ca[NC_CA_EV_HDR_LOST], 1);
	f->vnow_ms += 10 * NC_CA_RTO_MS;
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 0);
	expect_none(f, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	assert_true(rte_mempool_full(f->dp->ca_pool));
}

static void
test_ca6_retransmit(void **state)
{
	ca6_retransmit(*state, 0);
}

static void
test_ca64_retransmit(void **state)
{
	ca6_retransmit(*state, 1);
}

/*
 * proxy-v2 per UDP datagram over IPv6 (<v4>: dns64 through NAT64): every
 * datagram to the server starts with the AF_INET6 DGRAM header, lengths and
 * checksum following; the answers pass as they are; a datagram the header
 * takes past the MTU on the server leg is dropped, counted.
 */
static void
ca6_udp(struct fx *f, int v4)
{
	static uint8_t q[1500], qh[1500];
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	const uint16_t room = (uint16_t)(1500 - (v4 ? 20 : 40) - 8 - NC_PROXY_V2_LEN6);
	uint8_t a[] = "answer";
	struct pb_pkt c, s, want;
	struct frame fr;
	uint16_t lport, hl, len;
	unsigned int i;
	int server;

	for (i = 0; i < sizeof(q); i++)
		q[i] = (uint8_t)(i * 7 + 1);
	client6(&c, IPPROTO_UDP, 53001);
	if (v4)
		memcpy(c.dip6, ip6_vip64, 16);
	hl = v2_6_of(qh, &c);
	memcpy(qh + hl, q, sizeof(q) - hl);
	c.payload = q;
	c.payload_len = 5;
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	server = v4 ? server4_of(&fr) : server6_of(&fr);
	lport = v4 ? lport_of(&fr) : lport6_of(&fr);
	want = v4 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
	want.payload = qh;
	want.payload_len = (uint16_t)(hl + 5);
	assert_wire(&fr, &want);
	/* the answer, as it is */
	if (v4) {
		struct pb_pkt fwd = nat64_c2s(&c, server, lport);

		server_pkt(&s, &fwd, server, lport);
	} else {
		server6(&s, &c, server, lport);
	}
	s.payload = a;
	s.payload_len = sizeof(a) - 1;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = v4 ? nat64_s2c(&s, &c) : nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	/* the largest datagram that fits with its header, then one byte more */
	for (len = room; len <= room + 1; len++) {
		c.payload_len = len;
		rx(f, 0, &c);
		if (len > room) {
			expect_none(f, 0);
			want_drops[NC_DROP_CA_TOO_BIG]++;
			break;
		}
		expect_one(f, 0, &fr);
		assert_int_equal(fr.len, 14 + 1500);
		want = v4 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
		want.payload = qh;
		want.payload_len = (uint16_t)(hl + len);
		assert_wire(&fr, &want);
	}
	assert_drops(f, want_drops);
	assert_no_leak(f);
}

static void
test_ca6_udp(void **state)
{
	ca6_udp(*state, 0);
}

static void
test_ca64_udp(void **state)
{
	ca6_udp(*state, 1);
}

/*
 * TOA over IPv6: the client's first data segment carries option 254 of 20
 * bytes (port, IPv6 address) on web6 and, through NAT64 in an IPv4 segment,
 * on web64; its later segments none.
 */
static void
test_ca6_toa(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /toa HTTP/1.1\r\n\r\n";
	struct pb_pkt c, s, want;
	struct nc_dp_stats st;
	struct frame fr;
	uint8_t toa[NC_TOA6_LEN];
	uint16_t lport;
	int server, v4;

	for (v4 = 0; v4 < 2; v4++) {
		ca6_syn(f, v4, (uint16_t)(40010 + v4), 0x100, &c, &server, &lport);
		ca6_synack(&s, v4, &c, server, lport, 0x900);
		rx(f, 0, &s);
		expect_one(f, 0, &fr);   /* the SYN-ACK only: no header */
		c.tcp_flags = PB_TCP_ACK;
		c.seq = 0x101;
		c.ack = 0x901;
		rx(f, 0, &c);
		expect_one(f, 0, &fr);
		want = v4 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
		assert_wire(&fr, &want);
		c.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
		c.payload = (const uint8_t *)req;
		c.payload_len = sizeof(req) - 1;
		rx(f, 0, &c);
		expect_one(f, 0, &fr);
		toa[0] = 254;
		toa[1] = 20;
		pb_put16(toa + 2, c.sport);
		memcpy(toa + 4, ip6_client, 16);
		want = v4 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
		assert_wire_opt(&fr, &want, toa, sizeof(toa));
		/* the next segment: none */
		c.seq = 0x101 + sizeof(req) - 1;
		rx(f, 0, &c);
		expect_one(f, 0, &fr);
		want = v4 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
		assert_wire(&fr, &want);
	}
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB6].ca[NC_CA_EV_TOA_ADDED], 1);
	assert_int_equal(st.svc[SVC_WEB64].ca[NC_CA_EV_TOA_ADDED], 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* the fail-safe on web6, web64 and dns6 as tweak_v6_fs, with client addresses */
static void
tweak_v6_fs_ca(struct nc_config *c)
{
	tweak_v6_fs(c);
	c->services[SVC_WEB6].client_address = NC_CA_PROXY_V2;
	c->services[SVC_WEB64].client_address = NC_CA_PROXY_V1;
	c->services[SVC_DNS6].client_address = NC_CA_PROXY_V2;
}

static int setup_v6_fs_ca(void **state) { return fx_setup(state, tweak_v6_fs_ca); }

/*
 * The fail-safe's move with a PROXY header over IPv6 (<v4>: web64's v1 line
 * through NAT64, else web6's v2): the request held on x's connection, x
 * silent - x reset where it stands (hl on), y's SYN at the client's ISN; y's
 * SYN-ACK gets the header again, then the appliance's ACK and the held
 * request, hl on in y's view; y's answer reaches the client in x's sequence
 * space with its acknowledgement hl back.
 */
static void
ca6_fs_move(struct fx *f, int v4)
{
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x11110000, a = 0xffffffe0, b = 0x00c0ffee;
	const uint16_t r = sizeof(req) - 1;
	struct pb_pkt syn, cp, sp, want;
	struct frame fr[4];
	uint8_t h[NC_PROXY_V1_MAX + 1];
	uint16_t lport, lport2, hl;
	int x, y;

	tick(f, 0);
	ca6_syn(f, v4, (uint16_t)(47100 + v4), c, &syn, &x, &lport);
	y = 1 - x;
	if (v4)
		hl = (uint16_t)snprintf((char *)h, sizeof(h), "PROXY TCP6 2001:db8:1::10 fd00::164 %u 80\r\n",
					syn.sport);
	else
		hl = v2_6_of(h, &syn);
	ca6_synack(&sp, v4, &syn, x, lport, a);
	rx(f, 0, &sp);
	assert_int_equal(take(f, 0, fr, 4), 2);
	own6(&want, v4, x, lport, PB_TCP_PSH | PB_TCP_ACK, c + 1, a + 1);
	want.window = syn.window;
	want.payload = h;
	want.payload_len = hl;
	assert_wire(&fr[0], &want);
	cp = syn;
	cp.tcp_flags = PB_TCP_ACK;
	cp.seq = c + 1;
	cp.ack = a + 1;
	rx(f, 0, &cp);
	expect_one(f, 0, &fr[0]);
	cp.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	cp.payload = (const uint8_t *)req;
	cp.payload_len = r;
	rx(f, 0, &cp);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_c2s(&cp, x, lport) : nat6_c2s(&cp, x, lport);
	want.seq = c + 1 + hl;
	assert_wire(&fr[0], &want);
	sp.tcp_flags = PB_TCP_ACK;
	sp.seq = a + 1;
	sp.ack = c + 1 + hl + r;
	rx(f, 0, &sp);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_s2c(&sp, &syn) : nat6_s2c(&sp, &syn);
	want.ack = c + 1 + r;
	assert_wire(&fr[0], &want);
	/* x stays silent: reset where it stands, SYN to y */
	assert_int_equal(fs_wait(f, 0, 29), 0);
	expect_none(f, 0);
	assert_int_equal(fs_wait(f, 0, 1), 1);
	assert_int_equal(take(f, 0, fr, 4), 2);
	assert_int_equal(own_to_server(&fr[0], v4, x, PB_TCP_RST, c + 1 + hl + r), lport);
	lport2 = own_to_server(&fr[1], v4, y, PB_TCP_SYN, c);
	/* y's SYN-ACK: the header, our ACK, the request replayed */
	ca6_synack(&sp, v4, &syn, y, lport2, b);
	rx(f, 0, &sp);
	assert_int_equal(take(f, 0, fr, 4), 3);
	own6(&want, v4, y, lport2, PB_TCP_PSH | PB_TCP_ACK, c + 1, b + 1);
	want.window = syn.window;
	want.payload = h;
	want.payload_len = hl;
	assert_wire(&fr[0], &want);
	assert_int_equal(own_to_server(&fr[1], v4, y, PB_TCP_ACK, c + 1 + hl), lport2);
	want = v4 ? nat64_c2s(&cp, y, lport2) : nat6_c2s(&cp, y, lport2);
	want.seq = c + 1 + hl;
	want.ack = b + 1;
	assert_wire(&fr[2], &want);
	/* y's answer: x's sequence space, the request acknowledged hl back */
	sp.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	sp.seq = b + 1;
	sp.ack = c + 1 + hl + r;
	sp.payload = (const uint8_t *)resp;
	sp.payload_len = sizeof(resp) - 1;
	rx(f, 0, &sp);
	expect_one(f, 0, &fr[0]);
	want = v4 ? nat64_s2c(&sp, &syn) : nat6_s2c(&sp, &syn);
	want.seq = a + 1;
	want.ack = c + 1 + r;
	assert_wire(&fr[0], &want);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
	assert_true(rte_mempool_full(f->dp->ca_pool));
}

static void
test_ca6_fs_move(void **state)
{
	ca6_fs_move(*state, 0);
}

static void
test_ca64_fs_move(void **state)
{
	ca6_fs_move(*state, 1);
}

/* An unanswered datagram of dns6 (proxy-v2, the fail-safe on) goes again to
 * the other server with its AF_INET6 header, once: held as it came. */
static void
test_ca6_fs_udp(void **state)
{
	struct fx *f = *state;
	uint8_t q[] = "who?", a[] = "me", qh[64];
	struct pb_pkt c, s, want;
	struct frame fr;
	uint16_t lport, lport2, hl;
	int x;

	tick(f, 0);
	client6(&c, IPPROTO_UDP, 56100);
	c.payload = q;
	c.payload_len = sizeof(q) - 1;
	hl = v2_6_of(qh, &c);
	memcpy(qh + hl, q, sizeof(q) - 1);
	rx(f, 0, &c);
	expect_one(f, 0, &fr);
	x = server6_of(&fr);
	lport = lport6_of(&fr);
	want = nat6_c2s(&c, x, lport);
	want.payload = qh;
	want.payload_len = (uint16_t)(hl + sizeof(q) - 1);
	assert_wire(&fr, &want);
	assert_int_equal(fs_wait(f, 0, 30), 1);
	expect_one(f, 0, &fr);
	assert_int_equal(server6_of(&fr), 1 - x);
	lport2 = lport6_of(&fr);
	want = nat6_c2s(&c, 1 - x, lport2);
	want.payload = qh;
	want.payload_len = (uint16_t)(hl + sizeof(q) - 1);
	assert_wire(&fr, &want);
	server6(&s, &c, 1 - x, lport2);
	s.payload = a;
	s.payload_len = sizeof(a) - 1;
	rx(f, 0, &s);
	expect_one(f, 0, &fr);
	want = nat6_s2c(&s, &c);
	assert_wire(&fr, &want);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpv6"); }

/*
 * The IPv6 address and service tables, full: every one of NC_ADDR6_MAX
 * addresses (many alike but for a bit or a word, so that hash slots
 * collide) and NC_MAX_SERVICES services (one VIP, ports and protocols apart,
 * and VIPs apart) is found as its own entry, one more address is refused,
 * and near misses are not found.
 */
static void
test_v6_tables_full(void **state)
{
	static struct nc_dp_v6 t;
	uint8_t ip[16];
	uint16_t i;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (i = 0; i < NC_ADDR6_MAX; i++) {
		pb_ip6(ip, "fd00::1");
		ip[i % 16] ^= (uint8_t)(1u << (i / 16));
		assert_int_equal(nc_dp_addr6_insert(&t, ip, i % 3 == 0 ? i : -1, -1, -1), 0);
	}
	assert_int_equal(t.n_addr, NC_ADDR6_MAX);
	pb_ip6(ip, "fd00::2");
	assert_int_equal(nc_dp_addr6_insert(&t, ip, -1, -1, -1), -ENOSPC);
	assert_null(nc_dp_addr6_find(&t, ip));
	for (i = 0; i < NC_ADDR6_MAX; i++) {
		const struct nc_addr6_ent *e;

		pb_ip6(ip, "fd00::1");
		ip[i % 16] ^= (uint8_t)(1u << (i / 16));
		e = nc_dp_addr6_find(&t, ip);
		assert_non_null(e);
		assert_ptr_equal(e, &t.addr[i]);
		assert_int_equal(e->lip_plus1, i % 3 == 0 ? i + 1 : 0);
		/* an address already in: its local IP set, nothing added */
		assert_int_equal(nc_dp_addr6_insert(&t, ip, 7, 1, -1), 0);
		assert_int_equal(e->lip_plus1, 8);
		assert_int_equal(e->port_plus1, 2);
		assert_int_equal(e->host_plus1, 0);
		/* ... and a port's host address, the rest kept */
		assert_int_equal(nc_dp_addr6_insert(&t, ip, -1, -1, 2), 0);
		assert_int_equal(e->host_plus1, 3);
		assert_int_equal(e->lip_plus1, 8);
		ip[15] ^= 0x80;   /* a bit no address differs in */
		assert_null(nc_dp_addr6_find(&t, ip));
	}
	assert_int_equal(t.n_addr, NC_ADDR6_MAX);
	for (i = 0; i < NC_MAX_SERVICES; i++) {
		struct nc_svc6_ent *e = &t.svc[t.n_svc];

		pb_ip6(e->vip, i < NC_MAX_SERVICES / 2 ? "2001:db8::80" : "2001:db8::81");
		e->port = rte_cpu_to_be_16((uint16_t)(80 + i % 8));
		e->proto = i % 2 ? IPPROTO_UDP : IPPROTO_TCP;
		e->svc = (uint8_t)i;
		nc_dp_svc6_index(&t, t.n_svc++);
	}
	for (i = 0; i < NC_MAX_SERVICES; i++) {
		const struct nc_svc6_ent *e;

		pb_ip6(ip, i < NC_MAX_SERVICES / 2 ? "2001:db8::80" : "2001:db8::81");
		e = nc_dp_svc6_find(&t, ip, rte_cpu_to_be_16((uint16_t)(80 + i % 8)),
				    i % 2 ? IPPROTO_UDP : IPPROTO_TCP);
		/* the first service of each (VIP, port, protocol) */
		assert_non_null(e);
		assert_int_equal(e->svc, i % 8 + (i < NC_MAX_SERVICES / 2 ? 0 : NC_MAX_SERVICES / 2));
		assert_null(nc_dp_svc6_find(&t, ip, rte_cpu_to_be_16((uint16_t)(88 + i % 8)),
					    IPPROTO_TCP));
		ip[0] ^= 1;
		assert_null(nc_dp_svc6_find(&t, ip, rte_cpu_to_be_16((uint16_t)(80 + i % 8)),
					    i % 2 ? IPPROTO_UDP : IPPROTO_TCP));
	}
}

/* ------------------------------------------------- two workers, RSS */

static void
tweak_v6_64_two(struct nc_config *c)
{
	tweak_v6_64(c);
	tweak_two_workers(c);
}

static int setup_v6_rss(void **state) { return fx_setup_rss(state, tweak_v6_64_two); }

/* nic_queue() with the hash left in <m>, as a NIC leaves it. */
static unsigned int
nic_queue6(const struct pb_pkt *p, struct rte_mbuf *m)
{
	m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	return nic_queue(p, &m->hash.rss);
}

/* With the port's RSS predicted, IPv6 and NAT64 flows as IPv4 ones
 * (test_dp_nat's test_two_workers_rss): each owned by the worker its
 * client's packets reach (by the NIC's hash, or computed when a packet
 * comes without it), its IPv6 or IPv4 local port chosen so that its
 * server's answers reach that worker: nothing handed over, TCP and UDP,
 * every frame as built from scratch. */
static void
test_two_workers_rss6(void **state)
{
	enum { N = 32 };
	struct fx *f = *state;
	static struct nc_dp_stats st;
	unsigned int i, owners[2] = { 0, 0 };

	assert_int_equal(f->n_workers, 2);
	for (i = 0; i < N; i++) {
		int nat64 = i % 4 >= 2;
		struct pb_pkt c, s, want;
		struct rte_mbuf *m;
		struct frame fr;
		unsigned int q;
		uint16_t lport;
		int server;

		client6(&c, i % 2 ? IPPROTO_UDP : IPPROTO_TCP, (uint16_t)(43000 + 5 * i));
		if (nat64)
			memcpy(c.dip6, ip6_vip64, 16);
		m = mk(&c);
		q = nic_queue6(&c, m);
		if (i % 3 == 0)
			m->ol_flags &= ~RTE_MBUF_F_RX_RSS_HASH;   /* computed instead */
		assert_int_equal(deliver_m(f, q, m, &fr), q);
		owners[q]++;
		server = nat64 ? server4_of(&fr) : server6_of(&fr);
		lport = nat64 ? lport_of(&fr) : lport6_of(&fr);
		assert_int_equal(lport % 2, q);
		want = nat64 ? nat64_c2s(&c, server, lport) : nat6_c2s(&c, server, lport);
		assert_wire(&fr, &want);
		if (nat64)
			server_pkt(&s, &want, server, lport);
		else
			server6(&s, &c, server, lport);
		m = mk(&s);
		assert_int_equal(nic_queue6(&s, m), q);
		assert_int_equal(deliver_m(f, q, m, &fr), q);
		want = nat64 ? nat64_s2c(&s, &c) : nat6_s2c(&s, &c);
		assert_wire(&fr, &want);
	}
	assert_true(owners[0] > 0 && owners[1] > 0);
	stats(f, &st);
	assert_int_equal(st.handoff_out, 0);
	assert_int_equal(st.lport_steer_missed, 0);
	assert_int_equal(nc_dp_flow_count(f->dp), N);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v6_tables_full),
		cmocka_unit_test_setup_teardown(test_tcp6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tcp6_ratio, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_udp6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_drops6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nd6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resolve6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_echo6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_host6, setup_v6_host6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nat64_tcp, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nat64_udp, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nat64_too_big, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fs6_splice, setup_v6_fs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fs64_splice, setup_v6_fs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fs6_udp, setup_v6_fs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ptb6, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ptb6_same_burst, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ptb64, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ptb6_window, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ptb64_window, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fs6_unreach_window, setup_v6_fs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca6_v2_shift, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca64_v1_shift, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca6_ptb_window, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca64_ptb_window, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca6_retransmit, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca64_retransmit, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca6_udp, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca64_udp, setup_v6_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca6_toa, setup_v6_toa, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca6_fs_move, setup_v6_fs_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca64_fs_move, setup_v6_fs_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ca6_fs_udp, setup_v6_fs_ca, fx_teardown),
		cmocka_unit_test_setup_teardown(test_burst6_groups, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_two_workers_rss6, setup_v6_rss, fx_teardown),
		cmocka_unit_test_setup_teardown(test_v4_beside, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_admin_server6, setup_v6_spare, fx_teardown),
		cmocka_unit_test_setup_teardown(test_admin_service6, setup_v6_spare, fx_teardown),
		cmocka_unit_test_setup_teardown(test_admin_service64, setup_v6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_admin_service64_first, setup_v6_spare, fx_teardown),
	};

	return cmocka_run_group_tests(tests, eal_setup, fx_eal_teardown);
}
