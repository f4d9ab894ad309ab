/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the TCP transaction fail-safe following HTTP framing, driven
 * without a NIC through the data-path fixture (dp_fixture.h), on the test's
 * own clock, frame by frame: pipelined requests, early answers, opaque
 * first flights, one-way streams, gaps in what the framing needs, and a
 * server taken down mid-response in twenty framings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_dp.h"
#include "nc_sched.h"
#include "nc_txstore.h"
#include "dp_priv.h"     /* NC_PROBE_FIRST_MS */
#include "pkt_build.h"
#include "dp_fixture.h"

/* ------------------------------------------- TCP transaction fail-safe */

/*
 * Three GETs in one segment, the last with "Connection: close": each
 * response answers its own request in order (the segment goes when the
 * last one is answered), the FIN reaches the client, nothing fails. A
 * request pipelined behind a response still arriving is not owed its answer
 * yet: the deadline waits; once that response ended, it is, and when it
 * then goes unanswered it moves with b's bytes landing right after a's.
 */
static void
test_tcpfs_pipelined(void **state)
{
	struct fx *f = *state;
	static const char reqs[] = "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"
				   "GET /3 HTTP/1.1\r\nConnection: close\r\n\r\n";
	static const char resp12[] = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1"
				     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n2\r\n0\r\n\r\n";
	static const char resp3[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthree";
	static const char req1[] = "GET /a HTTP/1.1\r\n\r\n", req2[] = "GET /b HTTP/1.1\r\n\r\n";
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n";
	static const char resp2b[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nbb";
	const uint32_t c = 0x55550000, a = 0x66660000, b = 0x77770000;
	const uint16_t rs = sizeof(reqs) - 1, l12 = sizeof(resp12) - 1, l3 = sizeof(resp3) - 1;
	const uint16_t r1 = sizeof(req1) - 1, r2 = sizeof(req2) - 1, h = sizeof(head) - 1;
	struct nc_failsafe_view fs;
	uint8_t seg[PB_MAX_FRAME];
	struct pb_pkt p, rq;
	struct flow fl;

	tick(f, 0);
	web_b_up(f, 0);
	tc_connect(f, 41560, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, reqs, rs);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + rs, resp12, l12);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);   /* the third is not answered */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1 + l12, c + 1 + rs, resp3, l3);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 0, 0, 0);
	/* delimited by the close: the FIN ends it and reaches the client */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l12 + l3, c + 1 + rs, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);

	/* the second connection: a request behind a response under way */
	tc_connect(f, 41561, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &fl, &p);
	memcpy(seg, head, h);
	memset(seg + h, 'y', 300);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r1, seg, (uint16_t)(h + 300));
	s2c_ok(f, &fl, &p);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1, a + 1 + h + 300, req2, r2);
	c2s_ok(f, &fl, &rq);
	assert_int_equal(fs_wait(f, 0, 40), 0);   /* not owed yet */
	expect_none(f, 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1 + h + 300, c + 1 + r1 + r2, seg + h, 300);
	s2c_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r1 + r2, a + 1 + h + 600, NULL, 0);
	c2s_ok(f, &fl, &p);
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 29), 0);
	expect_none(f, 0);
	assert_int_equal(fs_wait(f, 0, 1), 1);
	expect_move(f, &fl, 1, c + 1 + r1 + r2, SB, c + r1, 0);
	expect_splice(f, &fl, b, c + 1 + r1, &rq, 1, nc_seq_to_server(a + 1 + h + 600,
					  (a + 1 + h + 600) - (b + 1)));
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r1 + r2, resp2b,
		  sizeof(resp2b) - 1);
	s2c_at(f, &fl, &p, a + 1 + h + 600);
	fs_web(f, &fs);
	assert_int_equal(fs.replays, 1);
	assert_int_equal(fs.resets, 0);
	assert_fs_clean(f);
}

static const char req_a[] = "GET /a HTTP/1.1\r\n\r\n";
static const char resp_300[] = "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n";
#define ANS_300 ((uint32_t)(sizeof(resp_300) - 1 + 300))   /* a's answer to req_a */

/* Connection <fl> from <sport> (client ISN <c>, a's <a>): req_a answered
 * by a (ANS_300 bytes), then <more> (<n> bytes, held as <rq>) acknowledging
 * only the answer's first 100; b comes up and, <more> owed past the
 * response limit, its move waits for the client's acknowledgement. */
static void
owed_unacked(struct fx *f, uint16_t sport, uint32_t c, uint32_t a, const char *more, uint16_t n,
	     struct pb_pkt *rq, struct flow *fl)
{
	const uint16_t r1 = sizeof(req_a) - 1, h = sizeof(resp_300) - 1;
	uint8_t seg[PB_MAX_FRAME];
	struct pb_pkt p;

	memcpy(seg, resp_300, h);
	memset(seg + h, 'z', 300);
	web_b_up(f, 0);
	tc_connect(f, sport, c, a, 0, fl);
	tc_client(&p, fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req_a, r1);
	c2s_ok(f, fl, &p);
	tc_server(&p, fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, seg, (uint16_t)ANS_300);
	s2c_ok(f, fl, &p);
	tc_client(rq, fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1, a + 101, more, n);
	c2s_ok(f, fl, rq);
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 30), 1);   /* owed, but the move waits */
	expect_none(f, 0);
}

/*
 * A request owed its answer while the client has not acknowledged all of
 * the answer before it: those bytes may have been lost past the appliance,
 * and only a resends them - not once its connection is reset. The move
 * waits for the client's acknowledgement and goes the moment it comes; when
 * it never comes within the response limit, the bytes the client lacks are
 * lost and it is reset, where it last acknowledged and past every byte
 * forwarded. When it comes with no other server up any more, the client is
 * reset, and its acknowledgement goes nowhere.
 */
static void
test_tcpfs_move_waits_for_ack(void **state)
{
	struct fx *f = *state;
	static const char req2[] = "GET /b HTTP/1.1\r\n\r\n";
	static const char resp2b[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nbb";
	const uint16_t r1 = sizeof(req_a) - 1, r2 = sizeof(req2) - 1;
	const uint32_t c[3] = { 0x55660000, 0x55670000, 0x55680000 };
	const uint32_t a[3] = { 0x66770000, 0x66780000, 0x66790000 };
	const uint32_t b = 0x77880000;
	struct nc_failsafe_view fs;
	struct pb_pkt p, rq, want;
	struct frame fr[3];
	struct flow fl;
	unsigned int i;

	tick(f, 0);
	for (i = 0; i < 3; i++) {
		owed_unacked(f, (uint16_t)(41570 + i), c[i], a[i], req2, r2, &rq, &fl);
		if (i == 0) {
			/* the rest acknowledged: the move goes at once */
			tc_client(&p, &fl, PB_TCP_ACK, c[i] + 1 + r1 + r2, a[i] + 1 + ANS_300, NULL, 0);
			rx(f, 0, &p);
			expect_move(f, &fl, 1, c[i] + 1 + r1, SB, c[i] + r1, 0);
			expect_splice(f, &fl, b, c[i] + 1 + r1, &rq, 1, b + 1);
			/* b answers, after a's bytes */
			tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c[i] + 1 + r1 + r2, resp2b,
				  sizeof(resp2b) - 1);
			s2c_at(f, &fl, &p, a[i] + 1 + ANS_300);
			continue;
		}
		if (i == 2) {
			/* b went down meanwhile: nowhere to move */
			web_b_up(f, 0);
			tc_client(&p, &fl, PB_TCP_ACK, c[i] + 1 + r1 + r2, a[i] + 1 + ANS_300, NULL, 0);
			rx(f, 0, &p);
			assert_int_equal(take(f, 0, fr, RTE_DIM(fr)), 2);
			tc_own(&want, &fl, -1, PB_TCP_RST, a[i] + 1 + ANS_300, 0);
			assert_wire(&fr[0], &want);
			tc_own(&want, &fl, SA, PB_TCP_RST, c[i] + 1 + r1, 0);
			assert_wire(&fr[1], &want);
			assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);   /* the first's */
			continue;
		}
		/* never acknowledged: the client is reset where it waits */
		assert_int_equal(fs_wait(f, 0, 30), 1);
		assert_int_equal(take(f, 0, fr, RTE_DIM(fr)), 3);
		tc_own(&want, &fl, -1, PB_TCP_RST, a[i] + 1 + ANS_300, 0);
		assert_wire(&fr[0], &want);
		tc_own(&want, &fl, -1, PB_TCP_RST, a[i] + 101, 0);
		assert_wire(&fr[1], &want);
		tc_own(&want, &fl, SA, PB_TCP_RST, c[i] + 1 + r1, 0);   /* what a acknowledged */
		assert_wire(&fr[2], &want);
	}
	fs_web(f, &fs);
	assert_int_equal(fs.move_waited, 3);   /* each of the three waited */
	assert_int_equal(fs.replays, 1);
	assert_int_equal(fs.resets, 2);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * A move waiting for the client's acknowledgement is no longer owed once
 * its server answers the request: a pipelined request after it is owed from
 * then on, and is not given up on the first one's clock (the client's
 * acknowledgements still behind); it moves once they catch up.
 */
static void
test_tcpfs_move_wait_answered(void **state)
{
	struct fx *f = *state;
	static const char req23[] = "GET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n";
	static const char resp2[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nbb";
	const uint16_t r1 = sizeof(req_a) - 1, r23 = sizeof(req23) - 1;
	const uint16_t l2 = sizeof(resp2) - 1, r2 = r23 / 2;
	const uint32_t c = 0x55690000, a = 0x667a0000, b = 0x778a0000;
	struct nc_failsafe_view fs;
	struct pb_pkt p, rq;
	struct flow fl;

	tick(f, 0);
	owed_unacked(f, 41580, c, a, req23, r23, &rq, &fl);
	/* a answers the second */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1 + ANS_300, c + 1 + r1 + r23, resp2, l2);
	s2c_ok(f, &fl, &p);
	/* the third is owed from then: not given up on the second's clock */
	fs_wait(f, 0, 20);
	expect_none(f, 0);
	fs_wait(f, 0, 10);
	expect_none(f, 0);
	/* the client catches up: the third moves */
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r1 + r23, a + 1 + ANS_300 + l2, NULL, 0);
	rx(f, 0, &p);
	expect_move(f, &fl, 1, c + 1 + r1 + r23, SB, c + r1 + r2, 0);
	/* the held segment goes whole (b's TCP takes what lies past its start) */
	expect_splice(f, &fl, b, c + 1 + r1 + r2, &rq, 1, b + 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r1 + r23, resp2, l2);
	s2c_at(f, &fl, &p, a + 1 + ANS_300 + l2);
	fs_web(f, &fs);
	assert_int_equal(fs.resets, 0);
	assert_int_equal(fs.replays, 1);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * A server answering before the request's body is in (nginx "return 200",
 * an error for an upload): the request is let go as answered and the rest
 * of its body is not held; no deadline, no failure; the server's FIN after
 * it reaches the client (the connection cannot go on clean).
 */
static void
test_tcpfs_early_response(void **state)
{
	struct fx *f = *state;
	static const char head[] = "POST /up HTTP/1.1\r\nContent-Length: 3000\r\n\r\n";
	static const char resp[] = "HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n";
	const uint32_t c = 0x1234, a = 0x5678;
	const uint16_t h = sizeof(head) - 1, l = sizeof(resp) - 1;
	struct nc_failsafe_view fs;
	uint8_t body[1000];
	struct pb_pkt p;
	struct flow fl;

	memset(body, 'z', sizeof(body));
	tick(f, 0);
	tc_connect(f, 41570, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, head, h);
	c2s_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + h, a + 1, body, sizeof(body));
	c2s_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 2, 3, 1, 0, 0, 0, 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + h, resp, l);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 3, 3, 0, 0, 0, 0);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + h + 1000, a + 1 + l, body, sizeof(body));
	c2s_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 3, 3, 0, 0, 0, 0);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l, c + 1 + h + 2000, NULL, 0);
	s2c_ok(f, &fl, &p);
	fs_web(f, &fs);
	assert_int_equal(fs.early, 1);
	assert_int_equal(fs.fin_kept, 0);
	assert_int_equal(fs.resets, 0);
	assert_fs_clean(f);
}

/*
 * Not HTTP (a TLS ClientHello): opaque. Its first flight is held until the
 * server's first byte; from there the connection is plain - the client's
 * close_notify is not held, the server's FIN is never a failure - and
 * nothing moves. A flight left unanswered past the limit moves to b from
 * the connection's start, b's first byte landing where a's would have.
 */
static void
test_tcpfs_opaque(void **state)
{
	struct fx *f = *state;
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t shello[] = { 0x16, 0x03, 0x03, 0x00, 0x02, 0x02, 0x00 };
	static const uint8_t notify[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00 };
	const uint32_t c = 0x4000, a = 0x8000, b = 0xc000;
	struct nc_failsafe_view fs;
	struct pb_pkt p, rq;
	struct flow fl;

	tick(f, 0);
	web_b_up(f, 0);
	tc_connect(f, 41580, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, hello, sizeof(hello));
	c2s_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + sizeof(hello), shello,
		  sizeof(shello));
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 0, 0, 0);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + sizeof(hello), a + 1 + sizeof(shello),
		  notify, sizeof(notify));
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + sizeof(shello),
		  c + 1 + sizeof(hello) + sizeof(notify), NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 0, 0, 0);

	/* unanswered: moved, from the connection's start */
	tc_connect(f, 41581, c, a, 0, &fl);
	web_b_up(f, 1);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, hello, sizeof(hello));
	c2s_ok(f, &fl, &rq);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, &fl, 1, c + 1, SB, c, 0);
	expect_splice(f, &fl, b, c + 1, &rq, 1, b + 1);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + sizeof(hello), shello,
		  sizeof(shello));
	s2c_at(f, &fl, &p, a + 1);
	fs_web(f, &fs);
	assert_int_equal(fs.opaque, 2);
	assert_int_equal(fs.replays, 1);
	assert_int_equal(fs.resets, 0);
	assert_fs_clean(f);
}

/*
 * One-way traffic passes untouched: a client that sends and shuts down, a
 * server that acknowledges and closes without a byte (a sink) - its FIN is
 * no failure; a client that goes on sending after the server acknowledged
 * all of its first flight is a stream, not a request: nothing more is held
 * and no deadline fails its server. A server that speaks first (a banner)
 * is answered opaque before the client said anything: nothing is held.
 */
static void
test_tcpfs_one_way(void **state)
{
	struct fx *f = *state;
	static const uint8_t data[] = "\x01log line one\n";
	static const char banner[] = "220 mail ready\r\n";
	const uint16_t d = sizeof(data) - 1;
	const uint32_t c = 0x100, a = 0x200;
	struct nc_failsafe_view fs;
	struct pb_pkt p;
	struct flow fl;

	tick(f, 0);
	web_b_up(f, 0);
	tc_connect(f, 41590, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH | PB_TCP_FIN, c + 1, a + 1, data, d);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 2 + d, NULL, 0);
	s2c_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1, c + 2 + d, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	assert_fs_svc(f, SVC_WEB, 0, 2, 1, 0, 0, 0, 0);

	tc_connect(f, 41591, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, data, d);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + d, NULL, 0);
	s2c_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + d, a + 1, data, d);
	c2s_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 4, 2, 0, 0, 0, 0);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);

	tc_connect(f, 41592, c, a, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1, banner, sizeof(banner) - 1);
	s2c_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + sizeof(banner), data, d);
	c2s_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 5, 3, 0, 0, 0, 0);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	fs_web(f, &fs);
	assert_int_equal(fs.opaque, 3);
	assert_int_equal(fs.unframed, 1);
	assert_int_equal(fs.replays + fs.resets + fs.failed_over[SA], 0);
	assert_fs_clean(f);
}

/*
 * A server segment that lies past bytes the framing needs (a lost segment's
 * gap in a header block) is dropped, counted: its sender resends it, and in
 * order it goes through (a client's is held: test_tcpfs_head_gap). Inside a body of known length a gap costs nothing.
 */
static void
test_tcpfs_gap(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /x HTTP/1.1\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n";
	const uint32_t c = 0x7000, a = 0x8000;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	uint8_t body[1000];
	struct pb_pkt p;
	struct flow fl;

	memset(body, 'g', sizeof(body));
	tick(f, 0);
	tc_connect(f, 41630, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	/* 10 bytes of the status line lost before this segment */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 11, c + 1 + r, resp + 10, (uint16_t)(l - 10));
	rx(f, 0, &p);
	expect_none(f, 0);
	want_drops[NC_DROP_FS_GAP] = 1;
	assert_drops(f, want_drops);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, resp, l);
	s2c_ok(f, &fl, &p);
	/* the body's first 1000 bytes lost: its last 1000 go through */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1 + l + 1000, c + 1 + r, body, 1000);
	s2c_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1 + l, c + 1 + r, body, 1000);
	s2c_ok(f, &fl, &p);
	assert_drops(f, want_drops);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 0, 0, 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * A server segment past a gap is an answer on its way: the request's time
 * starts again there (the lost bytes come with the sender's resend), so a
 * lossy path does not make a server that answered look dead.
 */
static void
test_tcpfs_gap_answering(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /y HTTP/1.1\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x7100, a = 0x8100;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	struct pb_pkt p;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41640, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 20), 0);
	/* 20 ms on (the limit is 30): the answer's tail, its head lost */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 11, c + 1 + r, resp + 10, (uint16_t)(l - 10));
	rx(f, 0, &p);
	expect_none(f, 0);
	/* 35 ms after the request, 15 after the server was last heard */
	assert_int_equal(fs_wait(f, 0, 15), 0);
	expect_none(f, 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r, resp, l);
	s2c_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 0, 0, 0);
	assert_no_leak(f);
}

/* b comes up and a never answers connection <fl> (client ISN <c>): its
 * whole request moves to b (ISN <b>), the <n> segments <held> in order. */
static void
whole_to_b(struct fx *f, struct flow *fl, uint32_t c, uint32_t b, const struct pb_pkt *held,
	   unsigned int n)
{
	web_b_up(f, 1);
	assert_int_equal(fs_wait(f, 0, 40), 1);
	expect_move(f, fl, 1, c + 1, SB, c, 0);
	expect_splice(f, fl, b, c + 1, held, n, b + 1);
	assert_no_leak(f);
}

/*
 * Client segments past a gap - one lost inside a request body of known
 * length - go on to the server (its duplicate ACKs tell the client what is
 * missing) and are held; the gap is the hole, whose bytes are held when the
 * client resends them, in the stream's order. A second gap widens the hole
 * over the bytes between, which the client's resends do not hold twice.
 * Nothing is dropped; a move carries the whole request, in order, each
 * byte once.
 */
static void
test_tcpfs_request_gap(void **state)
{
	struct fx *f = *state;
	static const char head[] = "POST /up HTTP/1.1\r\nContent-Length: 1500\r\n\r\n";
	const uint32_t c = 0x9000, a = 0xa000, b = 0xb000;
	const uint16_t h = sizeof(head) - 1;
	const uint32_t body0 = c + 1 + h;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	uint8_t seg[PB_MAX_FRAME], body[1500];
	struct pb_pkt held[5];
	struct flow fl;
	unsigned int i;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)('a' + i % 26);
	tick(f, 0);
	web_b_up(f, 0);
	tc_connect(f, 41650, c, a, 0, &fl);
	/* the head and 300 bytes; 300 lost; 300; 300 lost; the last 300 */
	memcpy(seg, head, h);
	memcpy(seg + h, body, 300);
	tc_client(&held[0], &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, seg, (uint16_t)(h + 300));
	for (i = 1; i < 5; i++)
		tc_client(&held[i], &fl, PB_TCP_ACK | (i == 4 ? PB_TCP_PSH : 0), body0 + 300 * i, a + 1,
			  body + 300 * i, 300);
	c2s_ok(f, &fl, &held[0]);
	c2s_ok(f, &fl, &held[2]);
	c2s_ok(f, &fl, &held[4]);
	/* the client resends from the hole, all it has not had acknowledged */
	for (i = 1; i < 5; i++)
		c2s_ok(f, &fl, &held[i]);
	assert_drops(f, want_drops);
	whole_to_b(f, &fl, c, b, held, 5);
	assert_drops(f, want_drops);
}

/*
 * A client segment lost inside a request's head: the segments past it go on
 * to the server (its SACK blocks and duplicate ACKs tell the client what is
 * missing) and are held, not read (the framing stalls there); the resend
 * fills the gap and the request is read on from the held copies. Nothing is
 * dropped; a resend of a held segment is not held again; the move carries
 * the whole request, in order, each byte once.
 */
static void
test_tcpfs_head_gap(void **state)
{
	struct fx *f = *state;
	static const char head[] = "POST /up HTTP/1.1\r\nHost: vip\r\nX-Pad: 0123456789abcdef\r\n"
				   "Content-Length: 600\r\n\r\n";
	const uint32_t c = 0x19000, a = 0x1a000, b = 0x1b000;
	const uint16_t h = sizeof(head) - 1, cut0 = 20, cut1 = 45;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	uint8_t seg[PB_MAX_FRAME], body[600];
	struct pb_pkt held[4];
	struct flow fl;
	unsigned int i;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)('A' + i % 26);
	tick(f, 0);
	web_b_up(f, 0);
	tc_connect(f, 41660, c, a, 0, &fl);
	/* the head's first 20 bytes; its next 25 (lost); its rest with 300
	 * bytes of body; the body's last 300 */
	tc_client(&held[0], &fl, PB_TCP_ACK, c + 1, a + 1, head, cut0);
	tc_client(&held[1], &fl, PB_TCP_ACK, c + 1 + cut0, a + 1, head + cut0, cut1 - cut0);
	memcpy(seg, head + cut1, h - cut1);
	memcpy(seg + h - cut1, body, 300);
	tc_client(&held[2], &fl, PB_TCP_ACK, c + 1 + cut1, a + 1, seg, (uint16_t)(h - cut1 + 300));
	tc_client(&held[3], &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + h + 300, a + 1, body + 300, 300);
	c2s_ok(f, &fl, &held[0]);
	c2s_ok(f, &fl, &held[2]);
	c2s_ok(f, &fl, &held[3]);
	c2s_ok(f, &fl, &held[2]);   /* resent before the gap's resend */
	c2s_ok(f, &fl, &held[3]);
	assert_drops(f, want_drops);
	/* not complete yet: a request still arriving is owed nothing */
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	/* the gap's resend: the request is read whole from here */
	c2s_ok(f, &fl, &held[1]);
	c2s_ok(f, &fl, &held[3]);   /* resent after it */
	assert_drops(f, want_drops);
	whole_to_b(f, &fl, c, b, held, 4);
	assert_drops(f, want_drops);
}

/*
 * The same with requests pipelined, the second one's first segment lost
 * (nothing of it read yet): its second goes on and is held, and stays held
 * when the first request's answer lets that one's bytes go, and while it
 * waits for the gap past the response limit (a request still arriving is
 * owed nothing); filled, it is read, answered, and nothing is left held.
 */
static void
test_tcpfs_head_gap_answered(void **state)
{
	struct fx *f = *state;
	static const char req1[] = "GET /a HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char req2[] = "GET /b HTTP/1.1\r\nHost: vip\r\nX-Pad: 0123456789\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x29000, a = 0x2a000;
	const uint16_t r1 = sizeof(req1) - 1, r2 = sizeof(req2) - 1, l = sizeof(resp) - 1, cut = 16;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	struct nc_failsafe_view fs;
	struct pb_pkt p;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41670, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &fl, &p);
	/* the second request: its first 16 bytes lost, the rest goes on */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1 + cut, a + 1, req2 + cut,
		  (uint16_t)(r2 - cut));
	c2s_ok(f, &fl, &p);
	fs_web(f, &fs);
	assert_int_equal(fs.held_now, 2);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp, l);
	s2c_ok(f, &fl, &p);
	fs_web(f, &fs);
	assert_int_equal(fs.held_now, 1);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r1, a + 1 + l, req2, cut);
	c2s_ok(f, &fl, &p);
	assert_drops(f, want_drops);
	fs_web(f, &fs);
	assert_int_equal(fs.held_now, 2);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1 + l, c + 1 + r1 + r2, resp, l);
	s2c_ok(f, &fl, &p);
	fs_web(f, &fs);
	assert_int_equal(fs.held_now, 0);
	assert_int_equal(fs.unframed, 0);
	assert_int_equal(fs.replays + fs.resets + fs.failed_over[SA], 0);
	assert_drops(f, want_drops);
	assert_txpool(f);
	assert_no_leak(f);
}

/* --------------------------------- TCP fail-safe: where a response ends */

/* web with the fail-safe and TCP probes (the monitor can take a down). */
static void
tweak_tcpfs_health(struct nc_config *c)
{
	tweak_tcpfs(c);
	tweak_health(c);
}

static int setup_tcpfs_health(void **state) { return fx_setup(state, tweak_tcpfs_health); }

/* The health monitor takes a down (two refused probes; b answers its own),
 * as for a server frozen or cut off: its schedule and down_gen change. */
static void
probes_take_a_down(struct fx *f)
{
	struct probes pr;
	unsigned int round;

	memset(&pr, 0, sizeof(pr));
	for (round = 0; round < 2; round++) {
		probe_round(f, &pr, round == 0 ? NC_PROBE_FIRST_MS + 50 : PROBE_WAIT_MS);
		assert_int_equal(pr.syn[SA], 1);
		assert_int_equal(pr.syn[SB], 1);
		answer_rst(f, &pr, SA);
		answer_synack(f, &pr, SB);
	}
	assert_int_equal(nc_dp_schedule(f->dp, SVC_WEB)->server[SA].up, 0);
	assert_int_equal(nc_dp_schedule(f->dp, SVC_WEB)->server[SB].up, 1);
	tick(f, 0);
}

/* A segment's text followed by <fill> bytes of body. */
struct resp_seg {
	const char *text;
	uint16_t fill;
};

enum { DOWN_RESET, DOWN_IDLE };

struct resp_case {
	const char *desc;
	const char *req;            /* NULL: a GET */
	struct resp_seg seg[2];     /* what of a's response reached the client */
	int down;                   /* when a goes down: DOWN_* */
};

static const char get_req[] = "GET /obj HTTP/1.1\r\nHost: vip\r\n\r\n";

static const struct resp_case resp_cases[] = {
	{ "Content-Length 1000, 500 bytes of body", NULL,
	  { { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 500 } }, DOWN_RESET },
	{ "Content-Length 1000 over two segments, one byte short", NULL,
	  { { "HTTP/1.1 200 OK\r\nServer: t\r\ncontent-length:1000\r\n\r\n", 600 }, { "", 399 } },
	  DOWN_RESET },
	{ "field name in capitals, blanks around the value", NULL,
	  { { "HTTP/1.0 200 OK\r\nCONTENT-LENGTH: \t1000 \r\n\r\n", 10 } }, DOWN_RESET },
	{ "lines ended by LF alone", NULL,
	  { { "HTTP/1.1 200 OK\nContent-Length: 1000\n\n", 10 } }, DOWN_RESET },
	{ "a header block only, the body to come", "POST /f HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
	  { { "HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\n", 0 } }, DOWN_RESET },
	{ "Content-Length 1000, all of it", NULL,
	  { { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 500 }, { "", 500 } }, DOWN_IDLE },
	{ "304 with a Content-Length: no body", NULL,
	  { { "HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n", 0 } }, DOWN_IDLE },
	{ "204: no body", NULL, { { "HTTP/1.1 204 No Content\r\n\r\n", 0 } }, DOWN_IDLE },
	{ "answer to HEAD: no body", "HEAD /obj HTTP/1.1\r\nHost: vip\r\n\r\n",
	  { { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 0 } }, DOWN_IDLE },
	{ "chunked, all of it", NULL,
	  { { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 0 } },
	  DOWN_IDLE },
	{ "chunked, a chunk under way", NULL,
	  { { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n", 100 } }, DOWN_RESET },
	{ "chunked beside a Content-Length (chunked wins)", NULL,
	  { { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n",
	      100 } }, DOWN_RESET },
	{ "no length: ends at the close", NULL,
	  { { "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 100 } }, DOWN_RESET },
	{ "header block split over two segments", NULL,
	  { { "HTTP/1.1 200 OK\r\nContent-Le", 0 }, { "ngth: 1000\r\n\r\n", 100 } }, DOWN_RESET },
	{ "interim 100 Continue first", NULL,
	  { { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 10 } },
	  DOWN_RESET },
	{ "a length past 2^32", NULL,
	  { { "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n", 10 } }, DOWN_RESET },
	{ "two different Content-Lengths: not followed", NULL,
	  { { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Length: 900\r\n\r\n", 10 } },
	  DOWN_RESET },
	{ "not HTTP: not followed", NULL, { { "SSH-2.0-OpenSSH_9.2\r\n", 10 } }, DOWN_RESET },
	{ "not an HTTP request: opaque, answered", "\x16\x03\x01\x02\x00",
	  { { "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 10 } }, DOWN_RESET },
	{ "a folded field line: not followed", NULL,
	  { { "HTTP/1.1 200 OK\r\nX-A: 1\r\n b: 2\r\nContent-Length: 1000\r\n\r\n", 10 } }, DOWN_RESET },
};

/* Segment <s> of a case into <b>; its length. */
static uint16_t
resp_seg_build(const struct resp_seg *s, uint8_t *b)
{
	uint16_t t = (uint16_t)strlen(s->text);

	memcpy(b, s->text, t);
	memset(b + t, 'x', s->fill);
	return (uint16_t)(t + s->fill);
}

/* The frame in <fr>[0..n) from the appliance to <dip>:<dport> from port
 * <sport>, or NULL. */
static const struct frame *
frame_to(const struct frame *fr, unsigned int n, uint32_t dip, uint16_t sport, uint16_t dport)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		const uint8_t *l4 = fr[k].b + pb_l4_off(fr[k].b);

		if (pb_get32(fr[k].b + PB_IP_OFF + 16) == dip && pb_get16(l4) == sport &&
		    pb_get16(l4 + 2) == dport)
			return &fr[k];
	}
	return NULL;
}

/*
 * A server frozen or cut off while its connections are in every state: once
 * the monitor takes it down, a client whose response is half-way (known from
 * the framing: a length or a chunk not reached, a body delimited by a close
 * that will not come, a header block not ended) gets a clean RST from the
 * VIP past every byte forwarded to it, and so does one whose connection is
 * not followed any more (not HTTP, a framing error, opaque after its first
 * answer): nothing else would tell it, and a is reset too. An idle
 * keep-alive connection after a complete response stays: a is reset, and
 * the client's next request goes at once on a new connection to b (a
 * reconnect, not a failure). Server sequence numbers wrap inside responses.
 */
/* The workers' fail-over reports waiting for the control lcore whose flow
 * went <to> (left in the ring, in their order). */
static unsigned int
failover_reports(struct fx *f, uint8_t to)
{
	struct nc_ctl_msg m[256];
	unsigned int n, i, k = 0;

	n = rte_ring_dequeue_burst_elem(f->dp->ctl_ring, m, sizeof(m[0]), RTE_DIM(m), NULL);
	for (i = 0; i < n; i++)
		k += m[i].type == NC_CTL_FAILOVER && m[i].ev.to == to;
	assert_int_equal(rte_ring_enqueue_burst_elem(f->dp->ctl_ring, m, sizeof(m[0]), n, NULL), n);
	return k;
}

static void
test_tcpfs_down_mid_response(void **state)
{
	enum { N = RTE_DIM(resp_cases) };
	struct fx *f = *state;
	static const char req2[] = "GET /next HTTP/1.1\r\n\r\n";
	static const char resp2[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo";
	const uint16_t r2 = sizeof(req2) - 1, l2 = sizeof(resp2) - 1;
	const uint32_t b = 0x0badf00d;
	uint32_t c[N], a[N], sent[N];
	uint16_t rlen[N];
	unsigned int i, k, n, resets = 0, idle = 0;
	int complete = -1;
	struct nc_failsafe_view fs;
	struct flow fl[N];
	struct frame fr[2 * N];
	struct pb_pkt p, rq, want;

	tick(f, 0);
	web_b_up(f, 0);
	for (i = 0; i < N; i++) {
		const struct resp_case *rc = &resp_cases[i];
		const char *req = rc->req != NULL ? rc->req : get_req;
		uint8_t seg[PB_MAX_FRAME];

		c[i] = 0x20000000u + i * 0x10000u;
		a[i] = 0xfffffd00u + i * 8u;    /* 1000 bytes of body wrap */
		rlen[i] = (uint16_t)strlen(req);
		tc_connect(f, (uint16_t)(42000 + i), c[i], a[i], 0, &fl[i]);
		tc_client(&p, &fl[i], PB_TCP_ACK | PB_TCP_PSH, c[i] + 1, a[i] + 1, req, rlen[i]);
		c2s_ok(f, &fl[i], &p);
		sent[i] = 0;
		for (k = 0; k < 2 && rc->seg[k].text != NULL; k++) {
			uint16_t len = resp_seg_build(&rc->seg[k], seg);

			tc_server(&p, &fl[i], SA, PB_TCP_ACK | PB_TCP_PSH, a[i] + 1 + sent[i],
				  c[i] + 1 + rlen[i], seg, len);
			s2c_ok(f, &fl[i], &p);
			sent[i] += len;
		}
		tc_client(&p, &fl[i], PB_TCP_ACK, c[i] + 1 + rlen[i], a[i] + 1 + sent[i], NULL, 0);
		c2s_ok(f, &fl[i], &p);
		resets += rc->down == DOWN_RESET;
		idle += rc->down == DOWN_IDLE;
		if (strcmp(rc->desc, "Content-Length 1000, all of it") == 0)
			complete = (int)i;
	}
	assert_true(complete >= 0);
	web_b_up(f, 1);
	assert_fs_svc(f, SVC_WEB, 0, 2 * N, 2 * N, 0, 0, 0, 0);
	/* nothing is held and nothing is late: the deadline moves nothing */
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);

	probes_take_a_down(f);
	assert_int_equal(fs_wait(f, 0, 0), N);
	n = take(f, 0, fr, 2 * N);
	assert_int_equal(n, 2 * resets + idle);
	for (i = 0; i < N; i++) {
		const struct frame *to_c = frame_to(fr, n, IP_CLIENT, WEB_PORT, fl[i].c.sport);
		const struct frame *to_a = frame_to(fr, n, IP_SA, fl[i].lport, WEB_SPORT);
		int reset = resp_cases[i].down == DOWN_RESET;

		if ((to_c != NULL) != reset || to_a == NULL)
			print_error("%s: client %s, a %s\n", resp_cases[i].desc,
				    to_c != NULL ? "reset" : "left alone", to_a != NULL ? "reset" : "left");
		assert_int_equal(to_c != NULL, reset);
		assert_non_null(to_a);
		tc_own(&want, &fl[i], SA, PB_TCP_RST, c[i] + 1 + rlen[i], 0);
		assert_wire(to_a, &want);
		if (!reset)
			continue;
		tc_own(&want, &fl[i], -1, PB_TCP_RST, a[i] + 1 + sent[i], 0);
		assert_wire(to_c, &want);
	}
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), idle);
	assert_fs_svc(f, SVC_WEB, 0, 2 * N, 2 * N, 0, resets, resets, 0);
	/* each reset client's report says its connection could not move */
	assert_int_equal(failover_reports(f, NC_FAILOVER_STUCK), resets);
	assert_int_equal(failover_reports(f, NC_FAILOVER_RESET), 0);
	/* the reports are logged as given-up transactions; a stays down once */
	ctl_round(f);
	{
		struct nc_service_view sv;
		struct nc_server_view v[2];

		mon_view(f, SVC_WEB, &sv, v);
		assert_int_equal(v[SA].down_count, 1);
		assert_int_equal(v[SB].up, 1);
	}
	assert_int_equal(fs_wait(f, 0, 0), 0);
	expect_none(f, 0);

	/* the complete response's connection: its next request goes to b */
	i = (unsigned int)complete;
	tc_client(&rq, &fl[i], PB_TCP_ACK | PB_TCP_PSH, c[i] + 1 + rlen[i], a[i] + 1 + sent[i], req2, r2);
	rx(f, 0, &rq);
	expect_move(f, &fl[i], 0, 0, SB, c[i] + rlen[i], 0);
	expect_splice(f, &fl[i], b, c[i] + 1 + rlen[i], &rq, 1, b + 1);
	tc_server(&p, &fl[i], SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c[i] + 1 + rlen[i] + r2, resp2, l2);
	s2c_at(f, &fl[i], &p, a[i] + 1 + sent[i]);
	fs_web(f, &fs);
	assert_int_equal(fs.reconnects, 1);
	assert_int_equal(fs.replays, 0);
	assert_int_equal(fs.failed_over[SA], resets);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), idle);
	assert_fs_clean(f);
}

/*
 * a taken down while two clients wait on a hole: a segment of each answer
 * lost, the one after it passed (inside a body of known length), the
 * clients acknowledging up to the hole. Where the framing says the answer
 * ended, the connection is left to a - only a resends the hole - and its
 * resend reaches the client (reset as idle, the client would wait for ever);
 * where it had not, the client is reset at the byte it waits for too (an
 * RST past it is not one it takes).
 */
static void
test_tcpfs_down_with_hole(void **state)
{
	struct fx *f = *state;
	static const char *const heads[2] = { "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n",
					      "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" };
	const uint16_t r = (uint16_t)strlen(get_req);
	uint8_t seg[PB_MAX_FRAME], body[1000];
	uint32_t c[2], a[2];
	uint16_t l[2];
	struct flow fl[2];
	struct frame fr[6];
	struct pb_pkt p, want;
	const struct frame *x;
	unsigned int i, n;

	memset(body, 'h', sizeof(body));
	tick(f, 0);
	web_b_up(f, 0);
	for (i = 0; i < 2; i++) {
		c[i] = 0x31000000u + i * 0x10000u;
		a[i] = 0x41000000u + i * 0x10000u;
		l[i] = (uint16_t)strlen(heads[i]);
		tc_connect(f, (uint16_t)(42100 + i), c[i], a[i], 0, &fl[i]);
		tc_client(&p, &fl[i], PB_TCP_ACK | PB_TCP_PSH, c[i] + 1, a[i] + 1, get_req, r);
		c2s_ok(f, &fl[i], &p);
		/* the head and 500 bytes; 1000 lost; 500 more */
		memcpy(seg, heads[i], l[i]);
		memcpy(seg + l[i], body, 500);
		tc_server(&p, &fl[i], SA, PB_TCP_ACK | PB_TCP_PSH, a[i] + 1, c[i] + 1 + r, seg,
			  (uint16_t)(l[i] + 500));
		s2c_ok(f, &fl[i], &p);
		tc_server(&p, &fl[i], SA, PB_TCP_ACK | PB_TCP_PSH, a[i] + 1 + l[i] + 1500, c[i] + 1 + r,
			  body, 500);
		s2c_ok(f, &fl[i], &p);
		/* the client acknowledges up to the hole */
		tc_client(&p, &fl[i], PB_TCP_ACK, c[i] + 1 + r, a[i] + 1 + l[i] + 500, NULL, 0);
		c2s_ok(f, &fl[i], &p);
	}
	web_b_up(f, 1);
	probes_take_a_down(f);
	assert_int_equal(fs_wait(f, 0, 0), 1);
	n = take(f, 0, fr, RTE_DIM(fr));
	assert_int_equal(n, 3);
	/* the first: nothing sent either way */
	assert_null(frame_to(fr, n, IP_CLIENT, WEB_PORT, fl[0].c.sport));
	assert_null(frame_to(fr, n, IP_SA, fl[0].lport, WEB_SPORT));
	/* the second: a reset, the client at both ends of what it may have */
	tc_own(&want, &fl[1], SA, PB_TCP_RST, c[1] + 1 + r, 0);
	x = frame_to(fr, n, IP_SA, fl[1].lport, WEB_SPORT);
	assert_non_null(x);
	assert_wire(x, &want);
	tc_own(&want, &fl[1], -1, PB_TCP_RST, a[1] + 1 + l[1] + 2000, 0);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl[1], -1, PB_TCP_RST, a[1] + 1 + l[1] + 500, 0);
	assert_wire(&fr[1], &want);
	/* a resends the first's hole: to its client */
	tc_server(&p, &fl[0], SA, PB_TCP_ACK, a[0] + 1 + l[0] + 500, c[0] + 1 + r, body, 1000);
	s2c_ok(f, &fl[0], &p);
	tc_client(&p, &fl[0], PB_TCP_ACK, c[0] + 1 + r, a[0] + 1 + l[0] + 2000, NULL, 0);
	c2s_ok(f, &fl[0], &p);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_fs_svc(f, SVC_WEB, 0, 4, 4, 0, 1, 1, 0);
	ctl_round(f);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdptcpfsframing"); }

/*
 * A server taken down after it closed: its FIN reached the client (after
 * "Connection: close", after a response whose end the close marks, or at
 * the end of a stream that is not HTTP), and the client has not closed yet.
 * The server sent all it ever will and the client knows it: nothing is
 * reset, nothing moves, and the client's own FIN still goes through to a
 * (whose kernel answers it even with its process gone).
 */
static void
test_tcpfs_down_after_server_close(void **state)
{
	static const char *const reqs[] = {
		"GET /c HTTP/1.1\r\nConnection: close\r\n\r\n",
		"GET /e HTTP/1.1\r\n\r\n",
		"\x16\x03\x01\x02\x00",
	};
	static const char *const resps[] = {
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nbody",
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nup to the close",
		"not HTTP, then the close",
	};
	enum { N = RTE_DIM(reqs) };
	struct fx *f = *state;
	uint32_t c[N], a[N];
	uint16_t r[N], l[N];
	struct flow fl[N];
	struct pb_pkt p;
	unsigned int i;

	tick(f, 0);
	web_b_up(f, 0);
	for (i = 0; i < N; i++) {
		c[i] = 0x30000000u + i * 0x10000u;
		a[i] = 0xfffffff0u + i;   /* the server's FIN wraps for one */
		r[i] = (uint16_t)strlen(reqs[i]);
		l[i] = (uint16_t)strlen(resps[i]);
		tc_connect(f, (uint16_t)(43000 + i), c[i], a[i], 0, &fl[i]);
		tc_client(&p, &fl[i], PB_TCP_ACK | PB_TCP_PSH, c[i] + 1, a[i] + 1, reqs[i], r[i]);
		c2s_ok(f, &fl[i], &p);
		/* the response and the FIN in one segment, as a server that
		 * writes and closes at once sends them */
		tc_server(&p, &fl[i], SA, PB_TCP_ACK | PB_TCP_PSH | PB_TCP_FIN, a[i] + 1,
			  c[i] + 1 + r[i], resps[i], l[i]);
		s2c_ok(f, &fl[i], &p);
		tc_client(&p, &fl[i], PB_TCP_ACK, c[i] + 1 + r[i], a[i] + 2 + l[i], NULL, 0);
		c2s_ok(f, &fl[i], &p);
	}
	web_b_up(f, 1);
	probes_take_a_down(f);
	assert_int_equal(fs_wait(f, 0, 0), 0);
	expect_none(f, 0);
	assert_int_equal(failover_reports(f, NC_FAILOVER_STUCK), 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), N);
	for (i = 0; i < N; i++) {
		tc_client(&p, &fl[i], PB_TCP_ACK | PB_TCP_FIN, c[i] + 1 + r[i], a[i] + 2 + l[i], NULL, 0);
		c2s_ok(f, &fl[i], &p);
	}
	assert_fs_svc(f, SVC_WEB, 0, 2 * N, 2 * N, 0, 0, 0, 0);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
}

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcpfs_pipelined, setup_tcpfs),
		T(test_tcpfs_move_waits_for_ack, setup_tcpfs),
		T(test_tcpfs_move_wait_answered, setup_tcpfs),
		T(test_tcpfs_early_response, setup_tcpfs),
		T(test_tcpfs_opaque, setup_tcpfs),
		T(test_tcpfs_one_way, setup_tcpfs),
		T(test_tcpfs_gap, setup_tcpfs),
		T(test_tcpfs_gap_answering, setup_tcpfs),
		T(test_tcpfs_request_gap, setup_tcpfs),
		T(test_tcpfs_head_gap, setup_tcpfs),
		T(test_tcpfs_head_gap_answered, setup_tcpfs),
		T(test_tcpfs_down_mid_response, setup_tcpfs_health),
		T(test_tcpfs_down_after_server_close, setup_tcpfs_health),
		T(test_tcpfs_down_with_hole, setup_tcpfs_health),
	};

	return cmocka_run_group_tests_name("dp_tcpfs_framing", tests, eal_setup, fx_eal_teardown);
}
