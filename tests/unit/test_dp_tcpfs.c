/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the TCP transaction fail-safe moving connections, driven without a
 * NIC through the data-path fixture (dp_fixture.h), on the test's own clock,
 * frame by frame: the SYN's options stripped and the SYN replayed (also after
 * a server answered it from a 4-tuple it still held), moves
 * spliced from a new local port, keep-alive requests, 100-continue, the
 * idempotent policy, held bytes sent as the new server's window allows and
 * resent on duplicate ACKs, and a given-up splice leaving nothing behind.
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
#include "dp_priv.h"     /* dp->txpool: none without a fail-safe */
#include "pkt_build.h"
#include "dp_fixture.h"

/* ------------------------------------------- TCP transaction fail-safe */

/*
 * A client SYN on a fail-safe service reaches its server with the window
 * scale and timestamp options turned into NOPs (same length; MSS and
 * SACK-permitted kept), checksums right; it is held until the SYN-ACK.
 */
static void
test_tcpfs_syn_strip(void **state)
{
	struct fx *f = *state;
	struct pb_pkt p, want;
	struct flow fl;
	struct frame fr;

	tick(f, 0);
	tc_syn(f, 41000, 0x1000a000, 1, &fl);
	assert_fs_svc(f, SVC_WEB, 1, 1, 0, 0, 0, 0, 0);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, 0x7000, 0x1000a001, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 1, 1, 0, 0, 0, 0);
	/* a retransmitted SYN is stripped as well */
	client_pkt(&p, IPPROTO_TCP, 41001);
	p.seq = 0x2000;
	rx_opt(f, &p, syn_opts, sizeof(syn_opts));
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, server_of(&fr), lport_of(&fr));
	assert_wire_opt(&fr, &want, syn_opts_stripped, sizeof(syn_opts_stripped));
	rx_opt(f, &p, syn_opts, sizeof(syn_opts));
	expect_one(f, 0, &fr);
	assert_wire_opt(&fr, &want, syn_opts_stripped, sizeof(syn_opts_stripped));
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/* Without a fail-safe the SYN's options reach the server untouched. */
static void
test_tcpfs_syn_kept(void **state)
{
	struct fx *f = *state;
	struct pb_pkt p, want;
	struct frame fr;

	assert_null(f->dp->txpool);
	client_pkt(&p, IPPROTO_TCP, 41100);
	p.seq = 0x1000a000;
	rx_opt(f, &p, syn_opts, sizeof(syn_opts));
	expect_one(f, 0, &fr);
	assert_int_equal(server_of(&fr), SA);
	want = nat_c2s(&p, SA, lport_of(&fr));
	assert_wire_opt(&fr, &want, syn_opts, sizeof(syn_opts));
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* a answers the SYN with RST|ACK: the client sees nothing, the same stripped
 * SYN goes to b, and b's SYN-ACK reaches the client as it is (no splice). */
static void
test_tcpfs_syn_replay_on_rst(void **state)
{
	struct fx *f = *state;
	static struct nc_dp_stats st;
	struct pb_pkt p, want;
	struct flow fl;
	struct frame fr;

	tick(f, 0);
	tc_syn(f, 41200, 0xfffffff0, 1, &fl);
	tc_server(&p, &fl, SA, PB_TCP_RST | PB_TCP_ACK, 0, 0xfffffff1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&fl.c, SB, fl.lport);
	assert_wire_opt(&fr, &want, syn_opts_stripped, sizeof(syn_opts_stripped));
	assert_fs_svc(f, SVC_WEB, 1, 1, 0, 1, 0, 1, 0);

	fl.server = SB;
	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, 0x3000b000, 0xfffffff1, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 1, 1, 1, 0, 1, 0);
	tc_client(&p, &fl, PB_TCP_ACK, 0xfffffff1, 0x3000b001, NULL, 0);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SB, PB_TCP_ACK, 0x3000b001, 0xfffffff1, "hello", 5);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_opened, 1);
	assert_fs_clean(f);
}

/*
 * a answers the client's SYN with a bare ACK of an earlier connection on the
 * same 4-tuple (its TIME_WAIT: the local port came back within it). The
 * client sees nothing; a gets a reset with the sequence number it
 * acknowledged (which ends that TIME_WAIT) and the held SYN again at once.
 * A second such ACK is reset only (the client's retransmission follows in
 * its time). a's SYN-ACK then reaches the client as usual.
 */
static void
test_tcpfs_syn_stale_tuple(void **state)
{
	struct fx *f = *state;
	const uint32_t c = 0x05550000, old = 0x12345678;
	struct nc_failsafe_view v;
	struct pb_pkt p, want;
	struct flow fl;
	struct frame fr[4];
	unsigned int i;

	tick(f, 0);
	tc_syn(f, 41500, c, 1, &fl);
	tc_server(&p, &fl, SA, PB_TCP_ACK, 0x7777, old, NULL, 0);
	for (i = 0; i < 2; i++) {
		rx(f, 0, &p);
		assert_int_equal(take(f, 0, fr, 4), i == 0 ? 2 : 1);
		tc_own(&want, &fl, SA, PB_TCP_RST, old, 0);
		assert_wire(&fr[0], &want);
	}
	want = nat_c2s(&fl.c, SA, fl.lport);
	assert_wire_opt(&fr[1], &want, syn_opts_stripped, sizeof(syn_opts_stripped));
	fs_web(f, &v);
	assert_int_equal(v.stale_tuple, 2);
	assert_fs_svc(f, SVC_WEB, 1, 1, 0, 0, 0, 0, 0);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, 0x7000, c + 1, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 1, 1, 0, 0, 0, 0);
	assert_fs_clean(f);
}

/*
 * A move's SYN answered by b with a bare ACK of an earlier connection on the
 * new 4-tuple: b is reset with the sequence number it acknowledged and gets
 * the SYN again at once (not after the 1 s resend), and the splice completes
 * on b's SYN-ACK; b is not failed for it.
 */
static void
test_tcpfs_splice_stale_tuple(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /stale HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x66660000, a = 0x77770000, b = 0x88880000, old = 0xabcdef01;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	struct nc_failsafe_view v;
	struct pb_pkt p, rq, want;
	struct flow fl;
	struct frame fr[4];

	tick(f, 0);
	tc_connect(f, 41600, c, a, 1, &fl);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &rq);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 30), 1);
	expect_move(f, &fl, 1, c + 1 + r, SB, c, 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK, 0x9999, old, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	tc_own(&want, &fl, SB, PB_TCP_RST, old, 0);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, SB, PB_TCP_SYN, c, 0);
	assert_wire_opt(&fr[1], &want, mss_opt, sizeof(mss_opt));
	fs_web(f, &v);
	assert_int_equal(v.stale_tuple, 1);
	assert_int_equal(v.syn_resent, 0);
	expect_splice(f, &fl, b, c + 1, &rq, 1, b + 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	s2c_at(f, &fl, &p, a + 1);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 1, 0, 1, 0);
	assert_fs_clean(f);
}

/*
 * A request owed its answer for the response limit moves to b: a is reset
 * from the connection's local port (it may be alive: it must free it), b
 * gets a SYN with the request's sequence number - 1 and the client's MSS
 * from a new local port, b's SYN-ACK is answered by the dispatcher (never
 * seen by the client), the request replayed with its acknowledgement in b's
 * space; b's response then reaches the client in a's sequence space and the
 * client's ACK goes back in b's. Sequence numbers wrap on the way.
 */
static void
test_tcpfs_splice(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x11110000, a = 0xffffffe0, b = 0x00c0ffee;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	struct pb_pkt p, rq, want;
	struct flow fl;
	struct frame fr;
	uint16_t old;

	tick(f, 0);
	tc_connect(f, 41300, c, a, 1, &fl);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &rq);
	/* a's bare ACK is no answer */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	assert_int_equal(fs_wait(f, 0, 29), 0);
	expect_none(f, 0);

	old = fl.lport;
	assert_int_equal(fs_wait(f, 0, 1), 1);
	expect_move(f, &fl, 1, c + 1 + r, SB, c, 1);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 1, 0, 1, 0);
	/* the client's retransmission while the move is pending: the SYN
	 * again, the request not held twice */
	rx(f, 0, &rq);
	expect_one(f, 0, &fr);
	tc_own(&want, &fl, SB, PB_TCP_SYN, c, 0);
	assert_wire_opt(&fr, &want, mss_opt, sizeof(mss_opt));
	expect_splice(f, &fl, b, c + 1, &rq, 1, b + 1);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 1, 0, 1, 0);
	/* a's late answer on the old port reaches nobody */
	{
		struct flow gone = fl;

		gone.lport = old;
		tc_server(&p, &gone, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r, resp, l);
		rx(f, 0, &p);
		expect_none(f, 0);
		want_drops[NC_DROP_NO_FLOW] = 1;
	}

	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	s2c_at(f, &fl, &p, a + 1);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 1, 0, 1, 0);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r, a + 1 + l, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	want.ack = b + 1 + l;
	assert_wire(&fr, &want);
	/* answered: the next deadline moves nothing */
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_drops(f, want_drops);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * SACK across a move. The client's SACK-permitted reaches a, whose SYN-ACK
 * agrees (its options reach the client as sent); the request goes with a
 * SACK block, as it came. Moved for want of an answer, b's SYN asks for SACK
 * too, and the replayed request's SACK block (a's bytes) is gone. Then the
 * client's SACK blocks name b's bytes in the client's view: they reach b in
 * b's space, like the acknowledgement, the checksum right whatever the
 * blocks' alignment.
 */
static void
test_tcpfs_sack(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x11110000, a = 0xffffffe0, b = 0x00c0ffee;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	uint8_t sack_a[12] = { 1, 1, 5, 10 }, sack_c[12] = { 1, 5, 10 }, sack_b[12] = { 1, 5, 10 };
	struct pb_pkt p, rq, want;
	struct flow fl;
	struct frame fr;

	tick(f, 0);
	tc_syn(f, 41310, c, 1, &fl);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	rx_opt(f, &p, mss_sack_opt, sizeof(mss_sack_opt));
	expect_one(f, 0, &fr);
	want = nat_s2c(&p, &fl.c);
	assert_wire_opt(&fr, &want, mss_sack_opt, sizeof(mss_sack_opt));
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	c2s_ok(f, &fl, &p);
	/* the request, with a SACK block (edges at even offsets) */
	pb_put32(sack_a + 4, a + 100);
	pb_put32(sack_a + 8, a + 200);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	rx_opt(f, &rq, sack_a, sizeof(sack_a));
	expect_one(f, 0, &fr);
	want = nat_c2s(&rq, SA, fl.lport);
	assert_wire_opt(&fr, &want, sack_a, sizeof(sack_a));
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 30), 1);
	expect_move(f, &fl, 1, c + 1 + r, SB, c, 2);
	/* replayed: its options NOPs */
	rq.tcp_doff = 8;
	expect_splice(f, &fl, b, c + 1, &rq, 1, b + 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	s2c_at(f, &fl, &p, a + 1);
	/* a SACK block of b's bytes (edges at odd offsets), client's view */
	pb_put32(sack_c + 3, a + 1 + l + 100);
	pb_put32(sack_c + 7, a + 1 + l + 200);
	sack_c[11] = 1;
	pb_put32(sack_b + 3, b + 1 + l + 100);
	pb_put32(sack_b + 7, b + 1 + l + 200);
	sack_b[11] = 1;
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r, a + 1 + l, NULL, 0);
	rx_opt(f, &p, sack_c, sizeof(sack_c));
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	want.ack = b + 1 + l;
	assert_wire_opt(&fr, &want, sack_b, sizeof(sack_b));
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/* A keep-alive connection's second request moves from where it starts: the
 * SYN to b carries its sequence number - 1 and b's first byte lands just
 * after the first response in the client's stream. */
static void
test_tcpfs_splice_keepalive(void **state)
{
	struct fx *f = *state;
	static const char req1[] = "GET /1 HTTP/1.1\r\n\r\n", req2[] = "GET /second HTTP/1.1\r\n\r\n";
	static const char resp1[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
	static const char resp2[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo";
	const uint32_t c = 0x7ffffff0, a = 0x40000000, b = 0xfffffffe;
	const uint16_t r1 = sizeof(req1) - 1, r2 = sizeof(req2) - 1;
	const uint16_t l1 = sizeof(resp1) - 1, l2 = sizeof(resp2) - 1;
	struct pb_pkt p, rq, want;
	struct flow fl;
	struct frame fr;

	tick(f, 0);
	tc_connect(f, 41400, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp1, l1);
	s2c_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r1, a + 1 + l1, NULL, 0);
	c2s_ok(f, &fl, &p);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1, a + 1 + l1, req2, r2);
	c2s_ok(f, &fl, &rq);
	assert_fs_svc(f, SVC_WEB, 1, 3, 2, 0, 0, 0, 0);

	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, &fl, 1, c + 1 + r1, SB, c + r1, 0);   /* no MSS: the client sent none */
	expect_splice(f, &fl, b, c + 1 + r1, &rq, 1, b + 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r1 + r2, resp2, l2);
	s2c_at(f, &fl, &p, a + 1 + l1);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r1 + r2, a + 1 + l1 + l2, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	want.ack = b + 1 + l2;
	assert_wire(&fr, &want);
	assert_fs_svc(f, SVC_WEB, 0, 3, 3, 1, 0, 1, 0);
	assert_fs_clean(f);
}

/*
 * "Expect: 100-continue": a's interim 100 reached the client, which then
 * sent the body; a never answers. The request moves whole - head and body -
 * to b, b's own 100 Continue and its final response land after a's 100 in
 * the client's stream (a client takes any number of 1xx before the final).
 */
static void
test_tcpfs_expect_continue(void **state)
{
	struct fx *f = *state;
	static const char head[] = "PUT /f HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n";
	static const char body[] = "data";
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	static const char fin[] = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	const uint32_t c = 0x31000000, a = 0x32000000, b = 0x33000000;
	const uint16_t h = sizeof(head) - 1, k = sizeof(cont) - 1, l = sizeof(fin) - 1;
	struct pb_pkt p, held[2];
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41600, c, a, 0, &fl);
	tc_client(&held[0], &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, head, h);
	c2s_ok(f, &fl, &held[0]);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + h, cont, k);
	s2c_ok(f, &fl, &p);
	tc_client(&held[1], &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + h, a + 1 + k, body, 4);
	c2s_ok(f, &fl, &held[1]);
	assert_fs_svc(f, SVC_WEB, 2, 3, 1, 0, 0, 0, 0);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, &fl, 1, c + 1 + h, SB, c, 0);
	/* the client's last acknowledgement, past a's 100, in b's space */
	expect_splice(f, &fl, b, c + 1, held, 2, b + 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + h + 4, cont, k);
	s2c_at(f, &fl, &p, a + 1 + k);
	assert_fs_svc(f, SVC_WEB, 2, 3, 1, 1, 0, 1, 0);   /* still held: interim */
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1 + k, c + 1 + h + 4, fin, l);
	s2c_at(f, &fl, &p, a + 1 + 2 * k);
	assert_fs_svc(f, SVC_WEB, 0, 3, 3, 1, 0, 1, 0);
	assert_fs_clean(f);
}

/* web with the fail-safe, the replay policy "idempotent". */
static void
tweak_tcpfs_idempotent(struct nc_config *c)
{
	tweak_tcpfs(c);
	c->services[SVC_WEB].failsafe.replay = NC_FS_REPLAY_IDEMPOTENT;
}

static int setup_tcpfs_idempotent(void **state) { return fx_setup(state, tweak_tcpfs_idempotent); }

/*
 * Replay policy "idempotent": a POST that a acknowledged whole may have been
 * acted on, so it does not go to b - the client is reset cleanly (a too, it
 * may still be alive); a POST a has not acknowledged whole, and a GET, move.
 */
static void
test_tcpfs_replay_idempotent(void **state)
{
	struct fx *f = *state;
	static const char post[] = "POST /order HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
	static const char get[] = "GET /order HTTP/1.1\r\n\r\n";
	const uint32_t c = 0x1000, a = 0x2000;
	const uint16_t pl = sizeof(post) - 1, gl = sizeof(get) - 1;
	struct nc_failsafe_view fs;
	struct pb_pkt p, want;
	struct flow fl;
	struct frame fr[4];

	tick(f, 0);
	web_b_up(f, 0);
	tc_connect(f, 41610, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, post, pl);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + pl, NULL, 0);
	s2c_ok(f, &fl, &p);
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	assert_int_equal(take(f, 0, fr, 4), 2);
	tc_own(&want, &fl, -1, PB_TCP_RST, a + 1, 0);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, SA, PB_TCP_RST, c + 1 + pl, 0);
	assert_wire(&fr[1], &want);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);

	web_b_up(f, 0);
	tc_connect(f, 41611, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, post, pl);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + pl - 1, NULL, 0);   /* not the last byte */
	s2c_ok(f, &fl, &p);
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, &fl, 1, c + pl, SB, c, 0);
	/* the client gives up while b is silent: b's half-open connection goes */
	tc_client(&p, &fl, PB_TCP_RST, c + 1 + pl, 0, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	tc_own(&want, &fl, SB, PB_TCP_RST, c + 1, 0);
	assert_wire(&fr[0], &want);

	web_b_up(f, 0);
	tc_connect(f, 41612, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, get, gl);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + gl, NULL, 0);
	s2c_ok(f, &fl, &p);
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, &fl, 1, c + 1 + gl, SB, c, 0);
	fs_web(f, &fs);
	assert_int_equal(fs.replays, 2);
	assert_int_equal(fs.resets, 1);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/* web with the fail-safe, at most 2 KiB held per connection. */
static void
tweak_tcpfs_limit(struct nc_config *c)
{
	tweak_tcpfs(c);
	c->services[SVC_WEB].failsafe.hold_limit_kb = 2;
}

static int setup_tcpfs_limit(void **state) { return fx_setup(state, tweak_tcpfs_limit); }

/*
 * A request of several segments moves as the new server's window allows:
 * b's SYN-ACK offers 800 bytes, so the head and the first part of the body
 * go; its ACK opens the window for the rest; three duplicate ACKs resend
 * what it has not acknowledged.
 * A request past hold_limit_kb (2 KiB here) is not held at all (counted):
 * it cannot move, its deadline fails nothing.
 */
static void
test_tcpfs_replay_window(void **state)
{
	struct fx *f = *state;
	static const char head[] = "POST /u HTTP/1.1\r\nContent-Length: 1600\r\n\r\n";
	static const char head2[] = "POST /u HTTP/1.1\r\nContent-Length: 2400\r\n\r\n";
	static const char done[] = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	const uint32_t c = 0xfffff000, a = 0xa0000000, b = 0xb0000000;
	const uint16_t h = sizeof(head) - 1, d = sizeof(done) - 1;
	struct nc_failsafe_view fs;
	uint8_t body[800];
	struct pb_pkt p, held[3], want;
	struct frame fr[4];
	struct flow fl;
	unsigned int i;

	memset(body, 'q', sizeof(body));
	tick(f, 0);
	tc_connect(f, 41620, c, a, 0, &fl);
	tc_client(&held[0], &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, head, h);
	c2s_ok(f, &fl, &held[0]);
	tc_client(&held[1], &fl, PB_TCP_ACK, c + 1 + h, a + 1, body, 800);
	c2s_ok(f, &fl, &held[1]);
	tc_client(&held[2], &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + h + 800, a + 1, body, 800);
	c2s_ok(f, &fl, &held[2]);
	assert_fs_svc(f, SVC_WEB, 3, 4, 1, 0, 0, 0, 0);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, &fl, 1, c + 1, SB, c, 0);
	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, b, c + 1, NULL, 0);
	p.window = 800;
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 3);   /* the ACK, head, first body part */
	for (i = 0; i < 2; i++) {
		want = nat_c2s(&held[i], SB, fl.lport);
		want.ack = b + 1;
		assert_wire(&fr[1 + i], &want);
	}
	/* b's ACKs go on to the client too (translated: a's sequence space) */
	tc_server(&p, &fl, SB, PB_TCP_ACK, b + 1, c + 1 + h, NULL, 0);
	p.window = 2000;
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	want = nat_c2s(&held[2], SB, fl.lport);
	want.ack = b + 1;
	assert_wire(&fr[0], &want);
	want = nat_s2c(&p, &fl.c);
	want.seq = a + 1;
	assert_wire(&fr[1], &want);
	for (i = 0; i < 3; i++) {
		tc_server(&p, &fl, SB, PB_TCP_ACK, b + 1, c + 1 + h, NULL, 0);
		p.window = 2000;
		rx(f, 0, &p);
		/* three alike: what b has not acknowledged goes again */
		assert_int_equal(take(f, 0, fr, 4), i < 2 ? 1 : 3);
	}
	want = nat_c2s(&held[1], SB, fl.lport);
	want.ack = b + 1;
	assert_wire(&fr[0], &want);
	want = nat_c2s(&held[2], SB, fl.lport);
	want.ack = b + 1;
	assert_wire(&fr[1], &want);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + h + 1600, done, d);
	s2c_at(f, &fl, &p, a + 1);
	assert_fs_svc(f, SVC_WEB, 0, 4, 4, 1, 0, 1, 0);

	/* past the limit: nothing held, no move */
	web_b_up(f, 0);
	tc_connect(f, 41621, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, head2, h);
	c2s_ok(f, &fl, &p);
	for (i = 0; i < 3; i++) {
		tc_client(&p, &fl, PB_TCP_ACK, c + 1 + h + i * 800, a + 1, body, 800);
		c2s_ok(f, &fl, &p);
	}
	fs_web(f, &fs);
	assert_int_equal(fs.abandoned, 1);
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 2);
	assert_fs_clean(f);
}

/*
 * Past a lost segment of a request's head the bytes are held unread (the
 * framing stalls); past hold_limit_kb they are let go, and with them the
 * framing: the connection is plain full NAT from there (nothing more held,
 * nothing dropped, no move).
 */
static void
test_tcpfs_stall_past_limit(void **state)
{
	struct fx *f = *state;
	static const char head[] = "POST /u HTTP/1.1\r\nContent-Length: 3200\r\n\r\n";
	static const char done[] = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
	const uint32_t c = 0x3000, a = 0x4000;
	const uint16_t h = sizeof(head) - 1, d = sizeof(done) - 1;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	struct nc_failsafe_view fs;
	uint8_t body[800];
	struct pb_pkt p;
	struct flow fl;
	unsigned int i;

	memset(body, 's', sizeof(body));
	tick(f, 0);
	web_b_up(f, 0);
	tc_connect(f, 41622, c, a, 0, &fl);
	/* the head lost; the body past it, its third part past 2 KiB, then
	 * its last part before the head's resend */
	for (i = 0; i < 4; i++) {
		tc_client(&p, &fl, PB_TCP_ACK, c + 1 + h + i * 800, a + 1, body, 800);
		c2s_ok(f, &fl, &p);
	}
	fs_web(f, &fs);
	assert_int_equal(fs.abandoned, 1);
	assert_int_equal(fs.held_now, 0);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, head, h);
	c2s_ok(f, &fl, &p);
	fs_web(f, &fs);
	assert_int_equal(fs.held_now, 0);
	assert_drops(f, want_drops);
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + h + 3200, done, d);
	s2c_ok(f, &fl, &p);
	assert_fs_clean(f);
}

/* web with the fail-safe and one move per request, in a table of 4 flows. */
static void
tweak_tcpfs_small(struct nc_config *c)
{
	failsafe_set(&c->services[SVC_WEB], 30, 1);
	c->limits.max_flows = 4;
}

static int setup_tcpfs_small(void **state) { return fx_setup(state, tweak_tcpfs_small); }

/*
 * A connection given up while its splice was pending (b never answered the
 * SYN) leaves nothing behind: every connection that later takes its place in
 * the flow table (a small one, so one does) gets its handshake through.
 */
static void
test_tcpfs_slot_after_splice_given_up(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	const uint32_t c = 0x01010000, a = 0x02020000;
	const uint16_t r = sizeof(req) - 1;
	struct pb_pkt p, want;
	struct flow fl, nf;
	struct frame fr, frs[2];
	unsigned int k;

	tick(f, 0);
	tc_connect(f, 42700, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, &fl, 1, c + 1, SB, c, 0);
	/* b silent: given up, the client reset, b's half-open connection too */
	assert_int_equal(fs_wait(f, 0, 40), 1);
	assert_int_equal(take(f, 0, frs, 2), 2);
	tc_own(&want, &fl, -1, PB_TCP_RST, a + 1, 0);
	assert_wire(&frs[0], &want);
	tc_own(&want, &fl, SB, PB_TCP_RST, c + 1, 0);
	assert_wire(&frs[1], &want);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);

	for (k = 0; k < 24; k++) {
		client_pkt(&p, IPPROTO_TCP, 42701);
		p.seq = 0x100000u * (k + 1);
		rx(f, 0, &p);
		expect_one(f, 0, &fr);
		nf.c = p;
		nf.server = server_of(&fr);
		nf.lport = lport_of(&fr);
		nf.owner = 0;
		want = nat_c2s(&p, nf.server, nf.lport);
		assert_wire(&fr, &want);
		tc_server(&p, &nf, nf.server, PB_TCP_SYN | PB_TCP_ACK, 0x7000, nf.c.seq + 1, NULL, 0);
		s2c_ok(f, &nf, &p);
		/* the client gives up at once: its port reopens on the next SYN */
		tc_client(&p, &nf, PB_TCP_RST, nf.c.seq + 1, 0, NULL, 0);
		c2s_ok(f, &nf, &p);
	}
	assert_fs_clean(f);
}

/* web with the fail-safe, a response limit of 3 s and two moves per request. */
static void tweak_tcpfs_slow(struct nc_config *c) { failsafe_set(&c->services[SVC_WEB], 3000, 2); }
static int setup_tcpfs_slow(void **state) { return fx_setup(state, tweak_tcpfs_slow); }

/*
 * The SYN of a move is the appliance's own: lost (or its SYN-ACK lost), it
 * goes again after 1 s and again 1 s later, as TCP's would, and b is not
 * failed for it within its response limit (3 s); b's SYN-ACK then completes
 * the splice as usual.
 */
static void
test_tcpfs_splice_syn_lost(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /lost HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x22220000, a = 0x33330000, b = 0x44440000;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	struct nc_failsafe_view v;
	struct pb_pkt p, rq, want;
	struct flow fl;
	struct frame fr;
	unsigned int i;

	tick(f, 0);
	tc_connect(f, 41400, c, a, 1, &fl);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &rq);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 3000), 1);
	expect_move(f, &fl, 1, c + 1 + r, SB, c, 1);
	for (i = 0; i < 2; i++) {
		assert_int_equal(fs_wait(f, 0, 999), 0);
		expect_none(f, 0);
		assert_int_equal(fs_wait(f, 0, 1), 1);
		expect_one(f, 0, &fr);
		tc_own(&want, &fl, SB, PB_TCP_SYN, c, 0);
		assert_wire_opt(&fr, &want, mss_opt, sizeof(mss_opt));
	}
	fs_web(f, &v);
	assert_int_equal(v.syn_resent, 2);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 1, 0, 1, 0);
	expect_splice(f, &fl, b, c + 1, &rq, 1, b + 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	s2c_at(f, &fl, &p, a + 1);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 1, 0, 1, 0);
	assert_fs_clean(f);
}

/* ------------------------------------------- ICMP errors in window */

/*
 * A router on the servers' side says host unreachable (<code> 1) about
 * client segment <seg> of <fl> as it went to <server> from <lport>, with
 * the sequence number <seq> in its quote (IP header and 8 TCP bytes, RFC
 * 792): the frame in <u>, its quote built in <buf>.
 */
static void
unreach_about(struct pb_pkt *u, uint8_t *buf, const struct pb_pkt *seg, int server,
	      uint16_t lport, uint32_t seq)
{
	struct pb_pkt q = nat_c2s(seg, server, lport);

	q.seq = seq;
	assert_true(pb_build(&q, buf, PB_MAX_FRAME) > 0);
	pb_init(u, IPPROTO_ICMP);
	memcpy(u->dst_mac, mac_port, 6);
	memcpy(u->src_mac, mac_srv[server], 6);
	u->sip = PB_IP(10, 0, 0, 77);
	u->dip = IP_LIP;
	u->icmp_type = 3;
	u->icmp_code = 1;
	u->icmp_id = 0;
	u->icmp_seq = 0;
	u->payload = buf + PB_IP_OFF;
	u->payload_len = 20 + 8;
}

/*
 * RFC 5927 on a held request: an unreachable quoting the request's local
 * port with a sequence number past what the client sent, or before its
 * ISN, moves nothing and resets nobody (icmp_out_of_window); one quoting a
 * local port no flow has, or the flow's port towards another server, is no
 * flow's (icmp_no_flow). The same error quoting the request itself is a's
 * failure: the connection moves to b at once (RST to a, SYN to b). After
 * the move the window is the new connection's: its SYN's number is in, the
 * request's end before b has it, and the old local port no flow's.
 */
static void
test_tcpfs_icmp_window(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /x HTTP/1.1\r\n\r\n";
	const uint32_t c = 0xfffffff0, a = 0x40000000;   /* the client's numbers wrap */
	const uint16_t r = sizeof(req) - 1;
	uint64_t want[NC_DROP_MAX] = { 0 };
	static uint8_t buf[PB_MAX_FRAME];
	struct pb_pkt p, u;
	struct flow fl;
	uint16_t old;

	tick(f, 0);
	tc_connect(f, 42800, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	/* blind guesses: past the request's end, a window's worth on, below the ISN */
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1 + r + 1);
	rx(f, 0, &u);
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1 + r + 65536);
	rx(f, 0, &u);
	unreach_about(&u, buf, &p, SA, fl.lport, c - 1);
	rx(f, 0, &u);
	want[NC_DROP_ICMP_OUT_OF_WINDOW] = 3;
	/* another local port; the flow's port, but towards b */
	unreach_about(&u, buf, &p, SA, (uint16_t)(fl.lport + 1), c + 1);
	rx(f, 0, &u);
	unreach_about(&u, buf, &p, SB, fl.lport, c + 1);
	rx(f, 0, &u);
	want[NC_DROP_ICMP_NO_FLOW] = 2;
	expect_none(f, 0);
	assert_drops(f, want);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	/* the request's own number, and its end (a bare ACK's): in window */
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1 + r);
	rx(f, 0, &u);
	old = fl.lport;
	expect_move(f, &fl, 1, c + 1, SB, c, 0);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 1, 0, 1, 0);
	/* b's connection: its SYN (c) and up to it are in, the request is not
	 * there yet; a's old port is no flow's now */
	unreach_about(&u, buf, &p, SB, fl.lport, c + 1 + r);
	rx(f, 0, &u);
	want[NC_DROP_ICMP_OUT_OF_WINDOW]++;
	unreach_about(&u, buf, &p, SA, old, c + 1);
	rx(f, 0, &u);
	want[NC_DROP_ICMP_NO_FLOW]++;
	expect_none(f, 0);
	assert_drops(f, want);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 1, 0, 1, 0);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * The window's lower edge is what the server acknowledged: once a has
 * acknowledged the request (and owes its answer), an error quoting the
 * request's bytes is about data a has - out of window, as Linux's
 * tcp_v4_err judges it - while one quoting the next byte (a bare ACK of
 * the client's) is in and moves the request.
 */
static void
test_tcpfs_icmp_acked(void **state)
{
	struct fx *f = *state;
	static const char req[] = "POST /y HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
	const uint32_t c = 0x7fffff00, a = 0x10;
	const uint16_t r = sizeof(req) - 1;
	uint64_t want[NC_DROP_MAX] = { 0 };
	static uint8_t buf[PB_MAX_FRAME];
	struct pb_pkt p, s, u;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 42900, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	tc_server(&s, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, NULL, 0);
	s2c_ok(f, &fl, &s);
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1);
	rx(f, 0, &u);
	unreach_about(&u, buf, &p, SA, fl.lport, c + r);
	rx(f, 0, &u);
	want[NC_DROP_ICMP_OUT_OF_WINDOW] = 2;
	expect_none(f, 0);
	assert_drops(f, want);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1 + r);
	rx(f, 0, &u);
	expect_move(f, &fl, 1, c + 1 + r, SB, c, 0);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 1, 0, 1, 0);
	assert_drops(f, want);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * Fragmentation needed is path MTU discovery, not a server's failure:
 * quoting the held request in window, it reaches the client from the VIP
 * about its own request and nothing moves (past the bytes sent: counted,
 * nothing sent). After a move, one on the client's path quoting the new
 * server's answer as the client got it (in the splice's numbers) reaches the
 * new server from its local port about its own segment, in its own numbers.
 */
static void
test_tcpfs_frag_needed(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /big HTTP/1.1\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x1000, a = 0x20000000, b = 0x90000000;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	uint64_t want[NC_DROP_MAX] = { 0 };
	static uint8_t buf[PB_MAX_FRAME];
	struct frame sent, fwd, out;
	struct pb_pkt p, s, u;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 43100, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	sent.len = pb_build(&p, sent.b, sizeof(sent.b));
	c2s_ok(f, &fl, &p);
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1 + r + 1);
	u.icmp_code = 4;
	u.icmp_seq = 1300;
	rx(f, 0, &u);
	want[NC_DROP_ICMP_OUT_OF_WINDOW] = 1;
	expect_none(f, 0);
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1);
	u.icmp_code = 4;
	u.icmp_seq = 1300;
	rx(f, 0, &u);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_gw, IP_VIP, IP_CLIENT, 1300);
	assert_quote(&out, 20, &sent, 20 + 8, 0);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	assert_drops(f, want);
	/* a's failure moves the request; b answers through the splice */
	unreach_about(&u, buf, &p, SA, fl.lport, c + 1);
	rx(f, 0, &u);
	expect_move(f, &fl, 1, c + 1, SB, c, 0);
	expect_splice(f, &fl, b, c + 1, &p, 1, b + 1);
	tc_server(&s, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	sent.len = pb_build(&s, sent.b, sizeof(sent.b));
	rx(f, 0, &s);
	expect_one(f, 0, &fwd);
	assert_int_equal(pb_get32(fwd.b + 38), a + 1);   /* the client's view */
	icmp_err(&u, 0, 3, 1280, &fwd, buf, 20 + 20 + l);
	memcpy(u.src_mac, mac_gw, 6);
	u.sip = IP_GW;
	u.dip = IP_VIP;
	rx(f, 0, &u);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_srv[SB], IP_LIP, IP_SB, 1280);
	assert_quote(&out, 20, &sent, 20 + 20 + l, 0);
	assert_drops(f, want);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdptcpfs"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcpfs_syn_strip, setup_tcpfs),
		T(test_tcpfs_syn_kept, setup_lab),
		T(test_tcpfs_syn_replay_on_rst, setup_tcpfs),
		T(test_tcpfs_syn_stale_tuple, setup_tcpfs),
		T(test_tcpfs_splice_stale_tuple, setup_tcpfs),
		T(test_tcpfs_splice, setup_tcpfs),
		T(test_tcpfs_sack, setup_tcpfs),
		T(test_tcpfs_splice_keepalive, setup_tcpfs),
		T(test_tcpfs_expect_continue, setup_tcpfs),
		T(test_tcpfs_replay_idempotent, setup_tcpfs_idempotent),
		T(test_tcpfs_replay_window, setup_tcpfs_limit),
		T(test_tcpfs_stall_past_limit, setup_tcpfs_limit),
		T(test_tcpfs_slot_after_splice_given_up, setup_tcpfs_small),
		T(test_tcpfs_splice_syn_lost, setup_tcpfs_slow),
		T(test_tcpfs_icmp_window, setup_tcpfs),
		T(test_tcpfs_icmp_acked, setup_tcpfs),
		T(test_tcpfs_frag_needed, setup_tcpfs),
	};

	return cmocka_run_group_tests_name("dp_tcpfs", tests, eal_setup, fx_eal_teardown);
}
