/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the client's address for the servers (dp_client_addr.c), driven
 * through the data-path fixture: the PROXY header segment the appliance
 * sends at the server's SYN-ACK (v1 and v2, every byte, timestamps), the
 * sequence shift of both legs across it (acknowledgements, SACK blocks),
 * its retransmission and the reset when it is never acknowledged, PROXY v2
 * per UDP datagram (lengths, checksums, the MTU), TOA in the first data
 * segment, and a fail-safe move that sends the header again on the new
 * connection before the held request, and a reload that changes the mode
 * for new flows only. Every test ends with both pools full.
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
#include "pkt_build.h"
#include "dp_fixture.h"
#include "dp_client_addr.h"

static void tweak_v2(struct nc_config *c)
{
	c->services[SVC_WEB].client_address = NC_CA_PROXY_V2;
	c->services[SVC_DNS].client_address = NC_CA_PROXY_V2;
}
static void tweak_v1(struct nc_config *c) { c->services[SVC_WEB].client_address = NC_CA_PROXY_V1; }
static void tweak_toa(struct nc_config *c) { c->services[SVC_WEB].client_address = NC_CA_TOA; }
static void tweak_fs_v2(struct nc_config *c)
{
	tweak_tcpfs(c);
	c->services[SVC_WEB].client_address = NC_CA_PROXY_V2;
}

static int setup_v2(void **state) { return fx_setup(state, tweak_v2); }
static int setup_v1(void **state) { return fx_setup(state, tweak_v1); }
static int setup_toa(void **state) { return fx_setup(state, tweak_toa); }
static void tweak_fs_toa(struct nc_config *c)
{
	tweak_tcpfs(c);
	c->services[SVC_WEB].client_address = NC_CA_TOA;
}
static int setup_fs_v2(void **state) { return fx_setup(state, tweak_fs_v2); }
static int setup_fs_toa(void **state) { return fx_setup(state, tweak_fs_toa); }

/* Event <ev> of service <svc>, summed over the workers. */
static uint64_t
ca_ev(struct fx *f, unsigned int svc, enum nc_ca_event ev)
{
	static struct nc_dp_stats st;

	stats(f, &st);
	return st.svc[svc].ca[ev];
}

/* Both pools as full as they started: the fixture's and the header segments'. */
static void
assert_pools(struct fx *f)
{
	assert_no_leak(f);
	assert_true(rte_mempool_full(f->dp->ca_pool));
}

/* The server's SYN-ACK (ISN <a>) for <fl> (client ISN <c>): the header goes
 * to the server first, then the SYN-ACK to the client, as it came. */
static void
synack_v2(struct fx *f, const struct flow *fl, uint32_t c, uint32_t a)
{
	struct frame fr[4];
	struct pb_pkt p, want;
	uint8_t h[NC_PROXY_V2_LEN];

	proxy_v2_of(h, IPPROTO_TCP, fl->c.sport, WEB_PORT);
	tc_server(&p, fl, fl->server, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	hdr_seg(&want, fl, fl->server, c + 1, a + 1, h, sizeof(h), fl->c.window);
	assert_wire(&fr[0], &want);
	want = nat_s2c(&p, &fl->c);
	assert_wire(&fr[1], &want);
}

/* The client's SYN from <sport> (ISN <isn>) to whichever server the
 * schedule gives: it passes as it came. */
static void
syn_any(struct fx *f, uint16_t sport, uint32_t isn, struct flow *fl)
{
	struct pb_pkt p, want;
	struct frame fr;

	client_pkt(&p, IPPROTO_TCP, sport);
	p.seq = isn;
	p.window = 64240;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	fl->c = p;
	fl->server = server_of(&fr);
	fl->lport = lport_of(&fr);
	fl->owner = 0;
	want = nat_c2s(&p, fl->server, fl->lport);
	assert_wire(&fr, &want);
}

/* ------------------------------------------------------------------ tests */

/* proxy-v2: the header is the server's first bytes; the client's stream
 * reaches the server 28 bytes on, its acknowledgements come back 28 less. */
static void
test_ca_v2_shift(void **state)
{
	struct fx *f = *state;
	static const char get[] = "GET / HTTP/1.1\r\nHost: vip\r\n\r\n";
	const uint32_t c = 0xfffffff0u, a = 0x7000;   /* the client's numbers wrap */
	const uint16_t n = sizeof(get) - 1;
	struct pb_pkt p, want;
	struct frame fr;
	struct flow fl;

	tc_syn(f, 40000, c, 0, &fl);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_SENT), 0);
	synack_v2(f, &fl, c, a);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_SENT), 1);
	/* the client's ACK and request: 28 on */
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, fl.lport);
	want.seq = c + 1 + 28;
	assert_wire(&fr, &want);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, get, n);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, fl.lport);
	want.seq = c + 1 + 28;
	assert_wire(&fr, &want);
	/* half the header: the client's SYN only */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + 14, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_s2c(&p, &fl.c);
	want.ack = c + 1;
	assert_wire(&fr, &want);
	/* the header whole: still the SYN only */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + 28, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_s2c(&p, &fl.c);
	want.ack = c + 1;
	assert_wire(&fr, &want);
	/* from now on in line: an old acknowledgement, reordered, comes back
	 * 28 less too (below what the client has: it ignores it) */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + 14, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_s2c(&p, &fl.c);
	want.ack = c + 1 - 14;
	assert_wire(&fr, &want);
	/* the answer, acknowledging the request */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + 28 + n, "HTTP/1.1 200 OK\r\n", 17);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_s2c(&p, &fl.c);
	want.ack = c + 1 + n;
	assert_wire(&fr, &want);
	/* acknowledged: the timer sends nothing */
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 0);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_RESENT), 0);
	assert_int_equal(drops_total(f), 0);
	assert_pools(f);
}

/* proxy-v2: fragmentation needed on the server's path quotes the request
 * 28 bytes on; the client hears it about its own request, at its own
 * number (the quote byte for byte its segment, checksum included). */
static void
test_ca_v2_frag_needed(void **state)
{
	struct fx *f = *state;
	static const char get[] = "GET /big HTTP/1.1\r\nHost: vip\r\n\r\n";
	static uint8_t buf[PB_MAX_FRAME];
	const uint32_t c = 0x100, a = 0x7000;
	const uint16_t n = sizeof(get) - 1;
	struct frame sent, fwd, out;
	struct pb_pkt p, e;
	struct flow fl;

	tc_syn(f, 40100, c, 0, &fl);
	synack_v2(f, &fl, c, a);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, get, n);
	sent.len = pb_build(&p, sent.b, sizeof(sent.b));
	rx(f, 0, &p);
	expect_one(f, 0, &fwd);
	assert_int_equal(pb_get32(fwd.b + 38), c + 1 + 28);
	icmp_err(&e, 0, 3, 1300, &fwd, buf, (uint16_t)(20 + 20 + n));
	memcpy(e.src_mac, mac_srv[fl.server], 6);
	e.sip = PB_IP(10, 0, 0, 77);
	e.dip = IP_LIP;
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_gw, IP_VIP, IP_CLIENT, 1300);
	assert_quote(&out, 20, &sent, (uint16_t)(20 + 20 + n), 0);
	assert_int_equal(drops_total(f), 0);
	assert_pools(f);
}

static const uint8_t syn_ts_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44,
					 0, 0, 0, 0, 1, 3, 3, 7 };
static const uint8_t synack_ts_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x55, 0x66, 0x77, 0x88,
					    0x11, 0x22, 0x33, 0x44, 1, 3, 3, 7 };
static const uint8_t hdr_ts_opts[12] = { 1, 1, 8, 10, 0x11, 0x22, 0x33, 0x44,
					 0x55, 0x66, 0x77, 0x88 };

/* proxy-v1 with timestamps and window scaling: the header's text, its
 * timestamps (the client SYN's value, echoing the server's), the client's
 * window unscaled; SACK blocks back in the client's view. */
static void
test_ca_v1_ts_sack(void **state)
{
	struct fx *f = *state;
	static const char line[] = "PROXY TCP4 192.168.1.10 10.0.0.100 40001 80\r\n";
	const uint32_t c = 0x1000, a = 0x9000;
	const uint16_t hl = sizeof(line) - 1;
	uint8_t sack[12] = { 1, 1, 5, 10 }, sack_c[12] = { 1, 1, 5, 10 };
	struct pb_pkt p, want;
	struct frame fr[4];
	struct flow fl;

	client_pkt(&p, IPPROTO_TCP, 40001);
	p.seq = c;
	p.window = 64240;
	rx_opt(f, &p, syn_ts_opts, sizeof(syn_ts_opts));
	expect_one(f, 0, &fr[0]);
	fl.c = p;
	fl.server = server_of(&fr[0]);
	fl.lport = lport_of(&fr[0]);
	fl.owner = 0;
	want = nat_c2s(&p, fl.server, fl.lport);
	assert_wire_opt(&fr[0], &want, syn_ts_opts, sizeof(syn_ts_opts));   /* as it came */
	tc_server(&p, &fl, fl.server, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	rx_opt(f, &p, synack_ts_opts, sizeof(synack_ts_opts));
	assert_int_equal(take(f, 0, fr, 4), 2);
	hdr_seg(&want, &fl, fl.server, c + 1, a + 1, (const uint8_t *)line, hl, 64240 >> 7);
	assert_wire_opt(&fr[0], &want, hdr_ts_opts, sizeof(hdr_ts_opts));
	want = nat_s2c(&p, &fl.c);
	assert_wire_opt(&fr[1], &want, synack_ts_opts, sizeof(synack_ts_opts));
	/* a SACK block of client bytes 100..200 past the header */
	pb_put32(sack + 4, c + 1 + hl + 100);
	pb_put32(sack + 8, c + 1 + hl + 200);
	pb_put32(sack_c + 4, c + 1 + 100);
	pb_put32(sack_c + 8, c + 1 + 200);
	tc_server(&p, &fl, fl.server, PB_TCP_ACK, a + 1, c + 1 + hl, NULL, 0);
	rx_opt(f, &p, sack, sizeof(sack));
	assert_int_equal(take(f, 0, fr, 4), 1);
	want = nat_s2c(&p, &fl.c);
	want.ack = c + 1;
	assert_wire_opt(&fr[0], &want, sack_c, sizeof(sack_c));
	/* acknowledged: later segments shift in line, timestamps and SACK
	 * blocks as well */
	{
		uint8_t ts_sack[24] = { 1, 1, 8, 10, 0x55, 0x66, 0x77, 0x99, 0x11, 0x22, 0x33, 0x45,
					1, 1, 5, 10 }, ts_sack_c[24];

		pb_put32(ts_sack + 16, c + 1 + hl + 300);
		pb_put32(ts_sack + 20, c + 1 + hl + 400);
		memcpy(ts_sack_c, ts_sack, 16);
		pb_put32(ts_sack_c + 16, c + 1 + 300);
		pb_put32(ts_sack_c + 20, c + 1 + 400);
		tc_server(&p, &fl, fl.server, PB_TCP_ACK, a + 1, c + 1 + hl + 50, NULL, 0);
		rx_opt(f, &p, ts_sack, sizeof(ts_sack));
		assert_int_equal(take(f, 0, fr, 4), 1);
		want = nat_s2c(&p, &fl.c);
		want.ack = c + 1 + 50;
		assert_wire_opt(&fr[0], &want, ts_sack_c, sizeof(ts_sack_c));
	}
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_SENT), 1);
	assert_int_equal(drops_total(f), 0);
	assert_pools(f);
}

/* A header the server does not acknowledge goes again: on the server's
 * repeated SYN-ACK and every NC_CA_RTO_MS, NC_CA_TRIES sends in all; then
 * both ends are reset. One acknowledged is never sent again. */
static void
test_ca_v2_retransmit(void **state)
{
	struct fx *f = *state;
	const uint32_t c = 0x2000, a = 0x3000;
	uint8_t h[NC_PROXY_V2_LEN];
	struct pb_pkt p, want;
	struct frame fr[4];
	struct flow fl, ok;
	unsigned int i;

	f->vclock = 1;
	tick(f, 0);
	tc_syn(f, 40002, c, 0, &fl);
	synack_v2(f, &fl, c, a);
	proxy_v2_of(h, IPPROTO_TCP, 40002, WEB_PORT);
	hdr_seg(&want, &fl, SA, c + 1, a + 1, h, sizeof(h), fl.c.window);
	/* another connection whose header is acknowledged at once */
	syn_any(f, 40003, 0x5000, &ok);
	synack_v2(f, &ok, 0x5000, 0x6000);
	tc_server(&p, &ok, ok.server, PB_TCP_ACK, 0x6001, 0x5001 + 28, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	/* before its deadline, nothing */
	f->vnow_ms += NC_CA_RTO_MS - 1;
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 0);
	expect_none(f, 0);
	/* the server's SYN-ACK again: the header with it */
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	assert_wire(&fr[0], &want);
	/* then the timer: sends 3 .. NC_CA_TRIES */
	f->vnow_ms += 1;
	for (i = 2; i < NC_CA_TRIES; i++) {
		tick(f, 0);
		assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 1);
		expect_one(f, 0, &fr[0]);
		assert_wire(&fr[0], &want);
		f->vnow_ms += NC_CA_RTO_MS;
	}
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_RESENT), NC_CA_TRIES - 1);
	/* the last deadline: both ends reset */
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 1);
	assert_int_equal(take(f, 0, fr, 4), 2);
	tc_own(&want, &fl, SA, PB_TCP_RST, c + 1, 0);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, -1, PB_TCP_RST, a + 1, 0);
	assert_wire(&fr[1], &want);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_LOST), 1);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_SENT), 2);
	/* nothing more, ever */
	f->vnow_ms += 10 * NC_CA_RTO_MS;
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 0);
	expect_none(f, 0);
	assert_int_equal(drops_total(f), 0);
	assert_pools(f);
}

/* proxy-v2 on UDP: every datagram starts with the header; lengths and both
 * checksums follow (none stays none); the server's answers pass as they
 * are; a datagram the header would take past the MTU is dropped, counted. */
static void
test_ca_udp_v2(void **state)
{
	struct fx *f = *state;
	static uint8_t q[1500], qh[1500];
	struct pb_pkt p, want, r;
	struct frame fr;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	unsigned int i;
	int srv;
	uint16_t lport;

	for (i = 0; i < sizeof(q); i++)
		q[i] = (uint8_t)(i * 7 + 1);
	proxy_v2_of(qh, IPPROTO_UDP, 5000, DNS_PORT);
	memcpy(qh + NC_PROXY_V2_LEN, q, sizeof(q) - NC_PROXY_V2_LEN);
	dns_req(&p, IP_CLIENT, 5000, q, 33);   /* odd: the sum's alignment holds */
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	srv = server_of(&fr);
	lport = lport_of(&fr);
	want = nat_c2s(&p, srv, lport);
	want.payload = qh;
	want.payload_len = 33 + NC_PROXY_V2_LEN;
	assert_wire(&fr, &want);
	/* no checksum: none still */
	p.udp_no_csum = true;
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want.udp_no_csum = true;
	assert_wire(&fr, &want);
	/* the answer: unchanged but for the NAT */
	server_pkt(&r, &p, srv, lport);
	r.payload = q;
	r.payload_len = 40;
	rx(f, 0, &r);
	expect_one(f, 0, &fr);
	want = nat_s2c(&r, &p);
	assert_wire(&fr, &want);
	/* exactly the MTU with the header, and one byte over */
	dns_req(&p, IP_CLIENT, 5000, q, 1500 - 20 - 8 - NC_PROXY_V2_LEN);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, srv, lport);
	want.payload = qh;
	want.payload_len = 1500 - 20 - 8;
	assert_wire(&fr, &want);
	dns_req(&p, IP_CLIENT, 5000, q, 1500 - 20 - 8 - NC_PROXY_V2_LEN + 1);
	rx(f, 0, &p);
	expect_none(f, 0);
	want_drops[NC_DROP_CA_TOO_BIG] = 1;
	assert_drops(f, want_drops);
	assert_int_equal(ca_ev(f, SVC_DNS, NC_CA_EV_UDP_HDR), 3);
	assert_pools(f);
}

static const uint8_t toa_opt[8] = { 254, 8, 40004 >> 8, 40004 & 0xff, 192, 168, 1, 10 };

/* TOA: the option in the first data segment and its retransmission, in no
 * other; no room (40 option bytes already) is counted and the segment goes
 * on as it came. */
static void
test_ca_toa(void **state)
{
	struct fx *f = *state;
	static const char get[] = "GET / HTTP/1.1\r\n\r\n";
	static const uint8_t full[40] = { 1 };   /* a NOP, then the end of options */
	const uint32_t c = 0x4000, a = 0x8000;
	const uint16_t n = sizeof(get) - 1;
	struct pb_pkt p, want;
	struct frame fr;
	struct flow fl;

	tc_syn(f, 40004, c, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	s2c_ok(f, &fl, &p);   /* no header segment */
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	c2s_ok(f, &fl, &p);   /* no data: no option */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, get, n);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, fl.lport);
	assert_wire_opt(&fr, &want, toa_opt, sizeof(toa_opt));
	rx(f, 0, &p);   /* its retransmission */
	expect_one(f, 0, &fr);
	assert_wire_opt(&fr, &want, toa_opt, sizeof(toa_opt));
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + n, a + 1, get, n);
	c2s_ok(f, &fl, &p);   /* the next one: none */
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_TOA_ADDED), 2);
	/* another connection whose first data has no option space left */
	syn_any(f, 40005, c, &fl);
	tc_server(&p, &fl, fl.server, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	s2c_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, get, n);
	rx_opt(f, &p, full, sizeof(full));
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, fl.server, fl.lport);
	assert_wire_opt(&fr, &want, full, sizeof(full));
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_TOA_NO_ROOM), 1);
	assert_int_equal(drops_total(f), 0);
	assert_pools(f);
}

/* Fail-safe and proxy-v2: the request held on a's connection moves to b
 * after a's timeout; b's SYN-ACK gets the header again, then the
 * appliance's ACK and the held request, all 28 on in b's view; b's answer
 * reaches the client in a's sequence space with its acknowledgement 28 back:
 * both translations at once. */
static void
test_ca_failsafe_move(void **state)
{
	struct fx *f = *state;
	static const char get[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	const uint32_t c = 0x10000, a = 0x20000, b = 0xfffffff8u;
	const uint16_t n = sizeof(get) - 1;
	uint8_t h[NC_PROXY_V2_LEN];
	struct pb_pkt p, req, want;
	struct frame fr[6];
	struct flow fl;

	web_b_up(f, 1);
	tc_syn(f, 40006, c, 0, &fl);
	synack_v2(f, &fl, c, a);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + 28, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	tc_client(&req, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, get, n);
	rx(f, 0, &req);
	expect_one(f, 0, &fr[0]);
	want = nat_c2s(&req, SA, fl.lport);
	want.seq = c + 1 + 28;
	assert_wire(&fr[0], &want);
	/* a never answers: the old connection is reset where a stands (28
	 * on), b gets the appliance's SYN just before the request */
	assert_int_equal(fs_wait(f, 0, 31), 1);
	expect_move(f, &fl, 1, c + 1 + 28, SB, c, 0);
	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, b, c + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 6), 3);
	proxy_v2_of(h, IPPROTO_TCP, 40006, WEB_PORT);
	hdr_seg(&want, &fl, SB, c + 1, b + 1, h, sizeof(h), fl.c.window);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, SB, PB_TCP_ACK, c + 1 + 28, b + 1);
	assert_wire(&fr[1], &want);
	want = nat_c2s(&req, SB, fl.lport);
	want.seq = c + 1 + 28;
	want.ack = b + 1;
	assert_wire(&fr[2], &want);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_SENT), 2);
	/* b answers: a's sequence space, the request acknowledged */
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + 28 + n, resp, sizeof(resp) - 1);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = nat_s2c(&p, &fl.c);
	want.seq = a + 1;
	want.ack = c + 1 + n;
	assert_wire(&fr[0], &want);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_pools(f);
}

/* Fail-safe and TOA: the request held on a's connection, moved to b, is the
 * new connection's first data segment: it carries the option there too. */
static void
test_ca_failsafe_toa(void **state)
{
	struct fx *f = *state;
	static const char get[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	static const uint8_t toa[8] = { 254, 8, 40020 >> 8, 40020 & 0xff, 192, 168, 1, 10 };
	const uint32_t c = 0x30000, a = 0x40000, b = 0x50000;
	struct pb_pkt p, req, want;
	struct frame fr[4];
	struct flow fl;

	web_b_up(f, 1);
	tc_syn(f, 40020, c, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	s2c_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	c2s_ok(f, &fl, &p);
	tc_client(&req, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, get, sizeof(get) - 1);
	rx(f, 0, &req);
	expect_one(f, 0, &fr[0]);
	want = nat_c2s(&req, SA, fl.lport);
	assert_wire_opt(&fr[0], &want, toa, sizeof(toa));
	assert_int_equal(fs_wait(f, 0, 31), 1);
	expect_move(f, &fl, 1, c + 1, SB, c, 0);
	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, b, c + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	tc_own(&want, &fl, SB, PB_TCP_ACK, c + 1, b + 1);
	assert_wire(&fr[0], &want);
	want = nat_c2s(&req, SB, fl.lport);
	want.ack = b + 1;
	assert_wire_opt(&fr[1], &want, toa, sizeof(toa));
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_TOA_ADDED), 2);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_pools(f);
}

/* The pipelined pair of the straddle tests: the first request, then the
 * second, in two segments - the first request's head, then its tail with
 * the whole second one. */
static const char pair[] = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
#define PAIR_FIRST 28u   /* bytes of the first request */
#define PAIR_CUT   22u   /* where the second segment starts */
static const char resp0[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
#define RESP0_LEN ((uint16_t)(sizeof(resp0) - 1))

/* The client sends the pair on <fl> (client ISN <c>, a's <a>), a the
 * header's length <h> on, and a answers the first request: segments
 * <s1> and <s2> as the client sent them. */
static void
pair_first_answered(struct fx *f, struct flow *fl, uint32_t c, uint32_t a, uint32_t h,
		    struct pb_pkt *s1, struct pb_pkt *s2)
{
	const uint16_t n = sizeof(pair) - 1;
	struct pb_pkt p;
	struct frame fr;

	tc_client(s1, fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, pair, PAIR_CUT);
	rx(f, 0, s1);
	expect_one(f, 0, &fr);
	tc_client(s2, fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + PAIR_CUT, a + 1, pair + PAIR_CUT,
		  n - PAIR_CUT);
	rx(f, 0, s2);
	expect_one(f, 0, &fr);
	tc_server(&p, fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + h + n, resp0, RESP0_LEN);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_client(&p, fl, PB_TCP_ACK, c + 1 + n, a + 1 + RESP0_LEN, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
}

/* <s> as the client's frame it is, from the second request's first byte
 * <start> on: the segment b must get. */
static struct pb_pkt
pair_tail(const struct pb_pkt *s, uint32_t start)
{
	struct pb_pkt t = *s;
	const uint32_t cut = start - s->seq;

	t.seq = start;
	t.payload = (const uint8_t *)s->payload + cut;
	t.payload_len = (uint16_t)(s->payload_len - cut);
	return t;
}

/* A late copy of the pair's first segment <s1>, all before the moved
 * connection's start <start>: b gets an acknowledgement there (<h> on, in
 * b's view), acknowledging <ack>. */
static void
late_first_acks(struct fx *f, const struct flow *fl, const struct pb_pkt *s1, uint32_t start,
		uint32_t h, uint32_t ack)
{
	struct pb_pkt p, want;
	struct frame fr;

	rx(f, 0, s1);
	expect_one(f, 0, &fr);
	tc_client(&p, fl, s1->tcp_flags, start, 0, NULL, 0);
	want = nat_c2s(&p, SB, fl->lport);
	want.seq = start + h;
	want.ack = ack;
	assert_wire(&fr, &want);
}

/*
 * Fail-safe and proxy-v2: the pair's second request moves (a answered the
 * first and never the second). The held segment began in the first
 * request: b gets it without those bytes, which would lie where b's header
 * goes (a b that lost the header, or got it late, would read them as one).
 * So does a late copy of that segment; a late copy of one all before the
 * moved connection's start reaches b as an acknowledgement at the start.
 */
static void
test_ca_failsafe_move_straddle(void **state)
{
	struct fx *f = *state;
	const uint16_t n = sizeof(pair) - 1;
	const uint32_t c = 0x61000, a = 0x62000, b = 0x63000, start = c + 1 + PAIR_FIRST;
	uint8_t h[NC_PROXY_V2_LEN];
	struct pb_pkt p, s1, s2, tail, want;
	struct frame fr[6];
	struct flow fl;

	web_b_up(f, 1);
	tc_syn(f, 40030, c, 0, &fl);
	synack_v2(f, &fl, c, a);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + 28, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	pair_first_answered(f, &fl, c, a, 28, &s1, &s2);
	assert_int_equal(fs_wait(f, 0, 31), 1);
	expect_move(f, &fl, 1, c + 1 + 28 + n, SB, start - 1, 0);
	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, b, start, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 6), 3);
	proxy_v2_of(h, IPPROTO_TCP, 40030, WEB_PORT);
	hdr_seg(&want, &fl, SB, start, b + 1, h, sizeof(h), fl.c.window);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, SB, PB_TCP_ACK, start + 28, b + 1);
	assert_wire(&fr[1], &want);
	tail = pair_tail(&s2, start);
	want = nat_c2s(&tail, SB, fl.lport);
	want.seq = start + 28;
	want.ack = b + 1;
	assert_wire(&fr[2], &want);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_REPLAY_TRIMMED), 1);
	/* b has the header and the request */
	tc_server(&p, &fl, SB, PB_TCP_ACK, b + 1, start + 28 + tail.payload_len, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	/* late copies: the straddling segment, as b got it; the first, all
	 * before the start */
	rx(f, 0, &s2);
	expect_one(f, 0, &fr[0]);
	assert_wire(&fr[0], &want);
	late_first_acks(f, &fl, &s1, start, 28, b + 1);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_REPLAY_TRIMMED), 3);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_pools(f);
}

/*
 * Fail-safe and TOA, the same pair: the moved connection's first data
 * segment is the held one cut to its start, with the option (whole, it
 * would start before b's first byte and carry none); a resend of the
 * client's from the start carries it too, a late copy of the first
 * segment none.
 */
static void
test_ca_failsafe_toa_straddle(void **state)
{
	struct fx *f = *state;
	static const uint8_t toa[8] = { 254, 8, 40031 >> 8, 40031 & 0xff, 192, 168, 1, 10 };
	const uint32_t c = 0x71000, a = 0x72000, b = 0x73000, start = c + 1 + PAIR_FIRST;
	struct pb_pkt p, s1, s2, tail, want;
	struct frame fr[4];
	struct flow fl;

	web_b_up(f, 1);
	tc_connect(f, 40031, c, a, 0, &fl);
	pair_first_answered(f, &fl, c, a, 0, &s1, &s2);
	assert_int_equal(fs_wait(f, 0, 31), 1);
	expect_move(f, &fl, 1, c + 1 + sizeof(pair) - 1, SB, start - 1, 0);
	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, b, start, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	tc_own(&want, &fl, SB, PB_TCP_ACK, start, b + 1);
	assert_wire(&fr[0], &want);
	tail = pair_tail(&s2, start);
	want = nat_c2s(&tail, SB, fl.lport);
	want.ack = b + 1;
	assert_wire_opt(&fr[1], &want, toa, sizeof(toa));
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_TOA_ADDED), 2);
	tc_server(&p, &fl, SB, PB_TCP_ACK, b + 1, start + tail.payload_len, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	/* the client resends from the start: the option */
	tail.ack = a + 1 + RESP0_LEN;
	rx(f, 0, &tail);
	expect_one(f, 0, &fr[0]);
	assert_wire_opt(&fr[0], &want, toa, sizeof(toa));
	/* a late copy of the first segment: before b's first byte, none */
	late_first_acks(f, &fl, &s1, start, 0, b + 1);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_TOA_ADDED), 3);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_pools(f);
}

/* A reload's new client_address (nc_dp_service_set_client_address) is for
 * new flows: an open connection keeps its shift, a new one gets none; a TCP
 * mode where no TCP service had one at start and a UDP one that UDP cannot
 * take are refused. */
static void
test_ca_reload_new_flows(void **state)
{
	struct fx *f = *state;
	const uint32_t c = 0x100, a = 0x200;
	struct pb_pkt p, want;
	struct frame fr;
	struct flow old, nw;

	tc_syn(f, 40010, c, 0, &old);
	synack_v2(f, &old, c, a);
	assert_int_equal(nc_dp_service_set_client_address(f->dp, SVC_WEB, NC_CA_NONE), 0);
	assert_int_equal(nc_dp_service_set_client_address(f->dp, SVC_DNS, NC_CA_TOA), -EINVAL);
	tick(f, 0);
	/* the open connection: still 28 on */
	tc_client(&p, &old, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, old.server, old.lport);
	want.seq = c + 1 + 28;
	assert_wire(&fr, &want);
	/* a new one: no header at its SYN-ACK, its numbers as they are */
	syn_any(f, 40011, c, &nw);
	tc_server(&p, &nw, nw.server, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	s2c_ok(f, &nw, &p);
	tc_client(&p, &nw, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	c2s_ok(f, &nw, &p);
	assert_int_equal(ca_ev(f, SVC_WEB, NC_CA_EV_HDR_SENT), 1);
	assert_int_equal(drops_total(f), 0);
	assert_pools(f);
}

/* Without a TCP client address at start, one cannot be turned on for TCP. */
static void
test_ca_reload_needs_state(void **state)
{
	struct fx *f = *state;

	assert_false(nc_dp_client_address_ready(f->dp));
	assert_int_equal(nc_dp_service_set_client_address(f->dp, SVC_WEB, NC_CA_PROXY_V1), -ENOTSUP);
	assert_int_equal(nc_dp_service_set_client_address(f->dp, SVC_DNS, NC_CA_PROXY_V2), 0);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpca"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ca_v2_shift, setup_v2),
		T(test_ca_v2_frag_needed, setup_v2),
		T(test_ca_v1_ts_sack, setup_v1),
		T(test_ca_v2_retransmit, setup_v2),
		T(test_ca_udp_v2, setup_v2),
		T(test_ca_toa, setup_toa),
		T(test_ca_failsafe_move, setup_fs_v2),
		T(test_ca_failsafe_toa, setup_fs_toa),
		T(test_ca_failsafe_move_straddle, setup_fs_v2),
		T(test_ca_failsafe_toa_straddle, setup_fs_toa),
		T(test_ca_reload_new_flows, setup_v2),
		T(test_ca_reload_needs_state, setup_lab),
	};

	return cmocka_run_group_tests_name("dp_client_addr", tests, eal_setup, fx_eal_teardown);
}
