/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the TCP transaction fail-safe when a server closes or resets,
 * driven without a NIC through the data-path fixture (dp_fixture.h), on the
 * test's own clock, frame by frame: a keep-alive connection's FIN or RST
 * kept from the client and its next request reconnected, a new connection
 * on the port of one whose close was kept, the close race,
 * requests after a last exchange, a FIN before the answer moved, and a
 * response cut by an RST or an ICMP unreachable.
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
#include "pkt_build.h"
#include "dp_fixture.h"

/* ------------------------------------------- TCP transaction fail-safe */

/*
 * A keep-alive connection its server closes between two requests (a's FIN
 * after a complete response, both sides HTTP/1.1 without "close"): the
 * appliance answers the FIN itself and keeps it from the client; the
 * client's next request goes on a new connection to a (up: the same server
 * will do) from a new local port - never the old 4-tuple, which a holds in
 * TIME_WAIT - spliced onto the client's, which never notices. Not a
 * failure: a reconnect, no down, no failed_over. Otherwise the FIN reaches
 * the client at once: after "Connection: close" in the response or the
 * request, after an HTTP/1.0 request without keep-alive, or answering the
 * client's own; and a client that closes while a FIN is kept gets it then.
 */
static void
test_tcpfs_server_closes_idle(void **state)
{
	struct fx *f = *state;
	static const char req1[] = "GET /1 HTTP/1.1\r\n\r\n", req2[] = "GET /2 HTTP/1.1\r\n\r\n";
	static const char resp1[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
	static const char respc[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfirst";
	static const char reqc[] = "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n";
	static const char req10[] = "GET /old HTTP/1.0\r\n\r\n";
	static const char resp2[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo";
	static const struct { const char *req, *resp; } passes[] = {
		{ req1, respc }, { reqc, resp1 }, { req10, resp1 },
	};
	const uint32_t c = 0x00001000, a = 0xfffff000, b = 0x33330000;
	const uint16_t r1 = sizeof(req1) - 1, r2 = sizeof(req2) - 1;
	const uint16_t l1 = sizeof(resp1) - 1, l2 = sizeof(resp2) - 1;
	struct nc_failsafe_view fs;
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct pb_pkt p, rq, want;
	struct flow fl, f2;
	struct frame fr;
	unsigned int i;

	tick(f, 0);
	/* b drained: every new connection goes to a */
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SB, NC_ADMIN_DRAIN), 0);
	tick(f, 0);
	tc_connect(f, 41500, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp1, l1);
	s2c_ok(f, &fl, &p);
	/* a closes the idle connection: FIN|ACK back from the client's side */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l1, c + 1 + r1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_own(&want, &fl, SA, PB_TCP_FIN | PB_TCP_ACK, c + 1 + r1, a + 1 + l1 + 1);
	assert_wire(&fr, &want);
	/* a acknowledges it: nothing for the client */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 2 + l1, c + 2 + r1, NULL, 0);
	rx(f, 0, &p);
	expect_none(f, 0);
	/* the next request: a new connection to a, from a new local port */
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1, a + 1 + l1, req2, r2);
	rx(f, 0, &rq);
	expect_move(f, &fl, 0, 0, SA, c + r1, 0);
	expect_splice(f, &fl, b, c + 1 + r1, &rq, 1, b + 1);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r1 + r2, resp2, l2);
	s2c_at(f, &fl, &p, a + 1 + l1);
	fs_web(f, &fs);
	assert_int_equal(fs.fin_kept, 1);
	assert_int_equal(fs.reconnects, 1);
	assert_int_equal(fs.replays, 0);
	assert_int_equal(fs.resets, 0);
	assert_int_equal(fs.failed_over[SA], 0);
	ctl_round(f);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].up, 1);    /* closing an idle connection is no failure */
	assert_int_equal(v[SA].down_count, 0);

	/* the server's FIN is the end the client waits for */
	for (i = 0; i < RTE_DIM(passes); i++) {
		uint16_t rl = (uint16_t)strlen(passes[i].req), sl = (uint16_t)strlen(passes[i].resp);

		tc_connect(f, (uint16_t)(41510 + i), c, a, 0, &f2);
		tc_client(&p, &f2, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, passes[i].req, rl);
		c2s_ok(f, &f2, &p);
		tc_server(&p, &f2, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + rl, passes[i].resp, sl);
		s2c_ok(f, &f2, &p);
		tc_server(&p, &f2, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + sl, c + 1 + rl, NULL, 0);
		s2c_ok(f, &f2, &p);
	}

	/* a FIN kept while the client closes: the client gets it then */
	tc_connect(f, 41502, c, a, 0, &f2);
	tc_client(&p, &f2, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &f2, &p);
	tc_server(&p, &f2, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp1, l1);
	s2c_ok(f, &f2, &p);
	tc_server(&p, &f2, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l1, c + 1 + r1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);   /* the FIN|ACK to a */
	tc_client(&p, &f2, PB_TCP_ACK | PB_TCP_FIN, c + 1 + r1, a + 1 + l1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_own(&want, &f2, -1, PB_TCP_FIN | PB_TCP_ACK, a + 1 + l1, c + 1 + r1 + 1);
	assert_wire(&fr, &want);
	/* its FIN again (that FIN|ACK lost): the same FIN|ACK again */
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_wire(&fr, &want);
	/* a late copy of its request, which a had: acknowledged again, as a
	 * did, and nothing more (no reset, no new connection) */
	tc_client(&p, &f2, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_own(&want, &f2, -1, PB_TCP_ACK, a + 2 + l1, c + 1 + r1 + 1);
	assert_wire(&fr, &want);

	/* a server's FIN answering the client's: the normal close, forwarded */
	tc_connect(f, 41504, c, a, 0, &f2);
	tc_client(&p, &f2, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &f2, &p);
	tc_server(&p, &f2, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp1, l1);
	s2c_ok(f, &f2, &p);
	tc_client(&p, &f2, PB_TCP_ACK | PB_TCP_FIN, c + 1 + r1, a + 1 + l1, NULL, 0);
	c2s_ok(f, &f2, &p);
	tc_server(&p, &f2, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l1, c + 2 + r1, NULL, 0);
	s2c_ok(f, &f2, &p);

	fs_web(f, &fs);
	assert_int_equal(fs.fin_kept, 2);
	assert_int_equal(fs.reconnects, 1);
	assert_int_equal(fs.replays, 0);
	assert_int_equal(fs.resets, 0);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

static const char req_one[] = "GET /1 HTTP/1.1\r\n\r\n";

/* On port <sport>, connection <fl> to a (b drained; ISNs <c> and <a>): its
 * request <req_one> answered by <resp>, with a FIN on the answer when <fin>. */
static void
answered_on_a(struct fx *f, uint16_t sport, uint32_t c, uint32_t a, const char *resp, int fin,
	      struct flow *fl)
{
	const uint16_t r = sizeof(req_one) - 1, l = (uint16_t)strlen(resp);
	struct pb_pkt p;

	tick(f, 0);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SB, NC_ADMIN_DRAIN), 0);
	tick(f, 0);
	tc_connect(f, sport, c, a, 0, fl);
	tc_client(&p, fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req_one, r);
	c2s_ok(f, fl, &p);
	tc_server(&p, fl, SA, PB_TCP_ACK | PB_TCP_PSH | (fin ? PB_TCP_FIN : 0), a + 1, c + 1 + r,
		  resp, l);
	s2c_ok(f, fl, &p);
}

/* The same port's new connection <f2> (ISNs <c> and <a>): a new flow to a
 * from a new local port (not <old>'s), its request answered. */
static void
anew_on_port(struct fx *f, const struct flow *old, uint32_t c, uint32_t a, const char *resp,
	     struct flow *f2)
{
	const uint16_t r = sizeof(req_one) - 1, l = (uint16_t)strlen(resp);
	struct pb_pkt p;

	tc_connect(f, old->c.sport, c, a, 0, f2);
	assert_int_not_equal(f2->lport, old->lport);
	tc_client(&p, f2, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req_one, r);
	c2s_ok(f, f2, &p);
	tc_server(&p, f2, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r, resp, l);
	s2c_ok(f, f2, &p);
}

/*
 * A kept close whose client end never reached this dispatcher (its FIN went
 * through a peer after the routers moved it, or the client host died): the
 * flow stays established, its server's side closed. The client's new
 * connection from the same port opens a new flow - its SYN to a server from a
 * new local port, the SYN-ACK back to the client, a request answered - where
 * it used to go to the old server side, whose every answer the kept close
 * swallowed: the client's connect timed out.
 */
static void
test_tcpfs_syn_after_kept_close(void **state)
{
	struct fx *f = *state;
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
	const uint32_t c = 0x71000000, a = 0x72000000;
	const uint16_t r = sizeof(req_one) - 1, l = sizeof(resp) - 1;
	struct nc_failsafe_view fs;
	struct pb_pkt p, want;
	struct flow fl, f2;
	struct frame fr;

	answered_on_a(f, 41600, c, a, resp, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l, c + 1 + r, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_own(&want, &fl, SA, PB_TCP_FIN | PB_TCP_ACK, c + 1 + r, a + 1 + l + 1);
	assert_wire(&fr, &want);
	anew_on_port(f, &fl, 0x7a000000, 0x7b000000, resp, &f2);
	/* the old server side's late segment: no flow */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 2 + l, c + 2 + r, NULL, 0);
	rx(f, 0, &p);
	expect_none(f, 0);
	fs_web(f, &fs);
	assert_int_equal(fs.fin_kept, 1);
	assert_int_equal(fs.replays + fs.resets + fs.reconnects + fs.failed_over[SA], 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * The same with the server's FIN passed on ("Connection: close"): the flow
 * stays established, half closed. A new connection from the same port
 * (another ISN: past the old stream, or behind it) is not the old one's: a
 * new flow, a new local port, a request answered through it. A copy of the
 * old connection's SYN (its ISN) still goes to the old server side, whose
 * TCP answers it.
 */
static void
test_tcpfs_syn_after_server_close(void **state)
{
	struct fx *f = *state;
	static const char resp[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nfirst";
	const uint32_t c = 0x81000000;
	struct pb_pkt p;
	struct flow fl, f2;

	answered_on_a(f, 41610, c, 0x82000000, resp, 1, &fl);
	/* the old SYN again: on to the old server side */
	tc_client(&p, &fl, PB_TCP_SYN, c, 0, NULL, 0);
	c2s_ok(f, &fl, &p);
	anew_on_port(f, &fl, 0x8a000000, 0x8b000000, resp, &f2);
	/* the same once more, the third connection's ISN behind the second's */
	tc_server(&p, &f2, SA, PB_TCP_ACK | PB_TCP_FIN, 0x8b000001 + (uint32_t)strlen(resp),
		  0x8a000001 + sizeof(req_one) - 1, NULL, 0);
	s2c_ok(f, &f2, &p);
	anew_on_port(f, &f2, 0x70000000, 0x71000000, resp, &fl);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * A server killed as it answers: the FIN rides on the segment that ends the
 * response. The response reaches the client without the FIN; the appliance
 * answers the FIN itself, and the client's next request goes on a new
 * connection, as after a FIN of its own segment (the client used to get the
 * FIN, and its next request "closed before a response").
 */
static void
test_tcpfs_fin_on_last_segment(void **state)
{
	struct fx *f = *state;
	static const char req1[] = "GET /1 HTTP/1.1\r\n\r\n", req2[] = "GET /2 HTTP/1.1\r\n\r\n";
	static const char resp1[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
	static const char resp2[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo";
	const uint32_t c = 0x00002000, a = 0x7ffff000, b = 0x44440000;
	const uint16_t r1 = sizeof(req1) - 1, r2 = sizeof(req2) - 1;
	const uint16_t l1 = sizeof(resp1) - 1, l2 = sizeof(resp2) - 1;
	const uint16_t head = l1 - 5;   /* the body "first" comes with the FIN */
	struct nc_failsafe_view fs;
	struct pb_pkt p, rq, want, body;
	struct frame fr[4];
	struct flow fl;
	unsigned int n, i, got_fin = 0, got_body = 0;

	tick(f, 0);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, SB, NC_ADMIN_DRAIN), 0);
	tick(f, 0);
	tc_connect(f, 41600, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp1, head);
	s2c_ok(f, &fl, &p);
	/* the last five bytes with the FIN */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH | PB_TCP_FIN, a + 1 + head, c + 1 + r1,
		  resp1 + head, 5);
	rx(f, fl.owner, &p);
	n = take(f, fl.owner, fr, RTE_DIM(fr));
	assert_int_equal(n, 2);
	tc_own(&want, &fl, SA, PB_TCP_FIN | PB_TCP_ACK, c + 1 + r1, a + 1 + l1 + 1);
	tc_server(&body, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1 + head, c + 1 + r1,
		  resp1 + head, 5);
	body = nat_s2c(&body, &fl.c);
	for (i = 0; i < n; i++) {
		if (pb_get32(fr[i].b + PB_IP_OFF + 16) == IP_SA) {
			assert_wire(&fr[i], &want);
			got_fin++;
		} else {
			assert_wire(&fr[i], &body);
			got_body++;
		}
	}
	assert_int_equal(got_fin, 1);
	assert_int_equal(got_body, 1);
	/* a acknowledges the FIN: nothing for the client */
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 2 + l1, c + 2 + r1, NULL, 0);
	rx(f, fl.owner, &p);
	expect_none(f, fl.owner);
	/* the next request: a new connection, spliced */
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1, a + 1 + l1, req2, r2);
	rx(f, fl.owner, &rq);
	expect_move(f, &fl, 0, 0, SA, c + r1, 0);
	expect_splice(f, &fl, b, c + 1 + r1, &rq, 1, b + 1);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r1 + r2, resp2, l2);
	s2c_at(f, &fl, &p, a + 1 + l1);
	fs_web(f, &fs);
	assert_int_equal(fs.fin_kept, 1);
	assert_int_equal(fs.reconnects, 1);
	assert_int_equal(fs.replays, 0);
	assert_int_equal(fs.failed_over[SA], 0);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * The server closes just as the client's next request is on its way (its
 * FIN acknowledges only what came before it): the request never reached
 * it, so it goes on a new connection to a from a new local port; the old
 * one is answered FIN|ACK. A reconnect, not a failure.
 */
static void
test_tcpfs_close_race(void **state)
{
	struct fx *f = *state;
	static const char req1[] = "GET /1 HTTP/1.1\r\n\r\n", req2[] = "GET /2 HTTP/1.1\r\n\r\n";
	static const char resp1[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
	static const char resp2[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo";
	const uint32_t c = 0x9000, a = 0xa000, b = 0xb000;
	const uint16_t r1 = sizeof(req1) - 1, r2 = sizeof(req2) - 1;
	const uint16_t l1 = sizeof(resp1) - 1, l2 = sizeof(resp2) - 1;
	struct nc_failsafe_view fs;
	struct pb_pkt p, rq, want;
	struct flow fl;
	struct frame fr[4];

	tick(f, 0);
	tc_connect(f, 41550, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp1, l1);
	s2c_ok(f, &fl, &p);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1, a + 1 + l1, req2, r2);
	c2s_ok(f, &fl, &rq);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l1, c + 1 + r1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	tc_own(&want, &fl, SA, PB_TCP_FIN | PB_TCP_ACK, c + 1 + r1, a + 1 + l1 + 1);
	assert_wire(&fr[0], &want);
	fl.lport = lport_of(&fr[1]);
	tc_own(&want, &fl, SA, PB_TCP_SYN, c + r1, 0);
	assert_wire(&fr[1], &want);
	/* a's RST for the request that reached its closed socket: nobody's */
	{
		struct flow gone = fl;

		gone.lport = lport_of(&fr[0]);
		tc_server(&p, &gone, SA, PB_TCP_RST, c + 1 + r1, 0, NULL, 0);
		rx(f, 0, &p);
		expect_none(f, 0);
	}
	expect_splice(f, &fl, b, c + 1 + r1, &rq, 1, b + 1);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r1 + r2, resp2, l2);
	s2c_at(f, &fl, &p, a + 1 + l1);
	fs_web(f, &fs);
	assert_int_equal(fs.reconnects, 1);
	assert_int_equal(fs.replays, 0);
	assert_int_equal(fs.failed_over[SA], 0);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * After a request that ends the connection ("Connection: close", HTTP/1.0),
 * a client that sends another one on it anyway (curl reuses a connection
 * whose response did not say close) is owed nothing: the request is not
 * held, and the server's FIN after it - even acknowledging it - reaches the
 * client, no failure (the client opens a new connection itself).
 */
static void
test_tcpfs_after_last_exchange(void **state)
{
	struct fx *f = *state;
	static const char req1[] = "GET /1 HTTP/1.1\r\nConnection: close\r\n\r\n";
	static const char req2[] = "GET /2 HTTP/1.1\r\n\r\n";
	static const char resp1[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst";
	const uint32_t c = 0x61000000, a = 0x62000000;
	const uint16_t r1 = sizeof(req1) - 1, r2 = sizeof(req2) - 1, l1 = sizeof(resp1) - 1;
	struct nc_failsafe_view fs;
	struct pb_pkt p;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41590, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req1, r1);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + r1, resp1, l1);
	s2c_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r1, a + 1 + l1, req2, r2);
	c2s_ok(f, &fl, &p);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 0, 0, 0);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l1, c + 1 + r1 + r2, NULL, 0);
	s2c_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_RST, a + 2 + l1, 0, NULL, 0);
	s2c_ok(f, &fl, &p);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	fs_web(f, &fs);
	assert_int_equal(fs.replays + fs.resets + fs.reconnects + fs.failed_over[SA], 0);
	assert_fs_clean(f);
}

/*
 * A server that resets a connection before any request came (killed between
 * its SYN-ACK and the client's ACK, whose arrival at its closed port is
 * answered with an RST): the client, connected, never sees it; its request
 * goes on a new connection (to a while a is up; a new local port). Not a
 * failure.
 */
static void
test_tcpfs_reset_before_request(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /r HTTP/1.1\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = 0x4400, a = 0x5500, b = 0x6600;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	struct nc_failsafe_view fs;
	struct pb_pkt p, rq;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41595, c, a, 0, &fl);
	tc_server(&p, &fl, SA, PB_TCP_RST, a + 1, 0, NULL, 0);
	rx(f, 0, &p);
	expect_none(f, 0);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	rx(f, 0, &rq);
	expect_move(f, &fl, 0, 0, SA, c, 0);
	expect_splice(f, &fl, b, c + 1, &rq, 1, b + 1);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	s2c_at(f, &fl, &p, a + 1);
	fs_web(f, &fs);
	assert_int_equal(fs.fin_kept, 1);
	assert_int_equal(fs.reconnects, 1);
	assert_int_equal(fs.replays + fs.resets + fs.failed_over[SA], 0);
	assert_fs_clean(f);
}

/* a resets the connection after part of its response: nothing moves to b,
 * the server's RST reaches the client as any forwarded segment, and one
 * where the client last acknowledged goes before it (the only one a client
 * waiting on a hole takes: a's last bytes may have been lost on the way). */
static void
test_tcpfs_partial_response_rst(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /big HTTP/1.1\r\n\r\n";
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
	const uint32_t c = 0x01000000, a = 0x02000000;
	const uint16_t r = sizeof(req) - 1, l = sizeof(part) - 1;
	struct pb_pkt p, want;
	struct frame fr[3];
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41600, c, a, 1, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, part, l);
	s2c_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_RST | PB_TCP_ACK, a + 1 + l, c + 1 + r, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, RTE_DIM(fr)), 2);
	tc_own(&want, &fl, -1, PB_TCP_RST, a + 1, 0);
	assert_wire(&fr[0], &want);
	want = nat_s2c(&p, &fl.c);
	assert_wire(&fr[1], &want);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 1, 0, 0);   /* the reset counted */
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * After part of a's response reached the client, an ICMP unreachable reports
 * a gone: the connection cannot move, so the client gets a clean RST from the
 * VIP past every byte forwarded to it, and one where it last acknowledged
 * (the only one a client waiting on a hole takes); the flow closes and the
 * reset counts.
 */
static void
test_tcpfs_partial_response_unreachable(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /big HTTP/1.1\r\n\r\n";
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
	const uint32_t c = 0x05000000, a = 0xffffffe8;
	const uint16_t r = sizeof(req) - 1, l = sizeof(part) - 1;
	uint8_t sent[PB_MAX_FRAME];
	struct pb_pkt p, q, u, want;
	struct flow fl;
	struct frame fr, frs[3];
	const uint8_t *d;

	tick(f, 0);
	tc_connect(f, 41660, c, a, 1, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, part, l);
	s2c_ok(f, &fl, &p);
	/* the quoted packet: a later ACK of the client's, as it went to a */
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r, a + 1 + l, NULL, 0);
	q = nat_c2s(&p, SA, fl.lport);
	assert_true(pb_build(&q, sent, sizeof(sent)) > 0);
	pb_init(&u, IPPROTO_ICMP);
	memcpy(u.dst_mac, mac_port, 6);
	memcpy(u.src_mac, mac_gw, 6);
	u.sip = IP_GW;
	u.dip = IP_LIP;
	u.icmp_type = 3;
	u.icmp_code = 1;          /* host unreachable, from a router */
	u.icmp_id = 0;
	u.icmp_seq = 0;
	u.payload = sent + PB_IP_OFF;
	u.payload_len = 20 + 8;
	rx(f, 0, &u);
	/* the client reset past what it got, and where it last acknowledged
	 * (it may wait on a hole there); a, maybe alive, reset too */
	assert_int_equal(take(f, 0, frs, 3), 3);
	tc_own(&want, &fl, SA, PB_TCP_RST, c + 1 + r, 0);
	assert_wire(&frs[2], &want);
	for (unsigned int i = 0; i < 2; i++) {
		fr = frs[i];
		d = fr.b;
		assert_int_equal(pb_get32(d + 26), IP_VIP);
		assert_int_equal(pb_get32(d + 30), IP_CLIENT);
		assert_int_equal(pb_get32(d + 38), i == 0 ? a + 1 + l : a + 1);
		assert_int_equal(d[47], PB_TCP_RST);
		assert_true(pb_csum_verify(d, fr.len, NULL, 0));
	}
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 1, 1, 0);
	assert_fs_clean(f);
}

/* a's FIN after it had a held request and before it answered is a failure:
 * the client does not see it, a's half-closed connection is reset, and the
 * connection is spliced onto b. */
static void
test_tcpfs_fin_before_answer(void **state)
{
	struct fx *f = *state;
	static const char req[] = "POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
	static const char resp[] = "HTTP/1.1 204 No Content\r\n\r\n";
	const uint32_t c = 0xabcdef00, a = 0x12345678, b = 0x87654321;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	static struct nc_dp_stats st;
	struct pb_pkt p, rq, want;
	struct flow fl;
	struct frame fr[4];

	tick(f, 0);
	tc_connect(f, 41700, c, a, 1, &fl);
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &rq);
	tc_server(&p, &fl, SA, PB_TCP_FIN | PB_TCP_ACK, a + 1, c + 1 + r, NULL, 0);
	rx(f, 0, &p);
	/* a had the request (its FIN acknowledges it): reset, and moved */
	expect_move(f, &fl, 1, c + 1 + r, SB, c, 1);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 1, 0, 1, 0);

	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, b, c + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	tc_own(&want, &fl, SB, PB_TCP_ACK, c + 1, b + 1);
	assert_wire(&fr[0], &want);
	want = nat_c2s(&rq, SB, fl.lport);
	want.ack = b + 1;
	assert_wire(&fr[1], &want);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = nat_s2c(&p, &fl.c);
	want.seq = a + 1;
	assert_wire(&fr[0], &want);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 1, 0, 1, 0);
	/* the client never saw a FIN: the connection is open */
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB].flows_closed, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_fs_clean(f);
}

/*
 * The server answers and closes ("Connection: close"), and the segment with
 * its answer is lost on the way: its FIN arrives first, past bytes the
 * appliance has not seen. It says nothing yet of the request (the answer is
 * in the gap): dropped, counted, as a data segment past a gap is. The
 * server resends the answer with the FIN; the client gets both, nothing
 * moved, nothing reset, the server not taken down.
 */
static void
test_tcpfs_fin_past_lost_answer(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\ndone";
	const uint32_t c = 0x0badc0de, a = 0x5eed0000;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	uint64_t want_drops[NC_DROP_MAX] = { 0 };
	struct nc_failsafe_view fs;
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct pb_pkt p;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41710, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	/* the answer [a + 1, a + 1 + l) lost: the FIN after it comes alone */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1 + l, c + 1 + r, NULL, 0);
	rx(f, fl.owner, &p);
	expect_none(f, fl.owner);
	want_drops[NC_DROP_FS_GAP] = 1;
	assert_drops(f, want_drops);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	/* resent with the FIN: to the client as the server meant it */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH | PB_TCP_FIN, a + 1, c + 1 + r, resp, l);
	s2c_ok(f, &fl, &p);
	assert_drops(f, want_drops);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 0, 0, 0, 0);
	fs_web(f, &fs);
	assert_int_equal(fs.fin_kept, 0);
	ctl_round(f);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].up, 1);
	assert_int_equal(v[SA].down_count, 0);
	assert_txpool(f);
	assert_no_leak(f);
}

/*
 * A client that closes after its request (it gives up, or half-closes as
 * `nc -N` does), and the server that closes in turn without answering: the
 * server answered the client's close, it did not fail. Its FIN reaches the
 * client; nothing moves, nothing is reset, the server stays up.
 */
static void
test_tcpfs_fin_after_client_fin(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /slow HTTP/1.1\r\n\r\n";
	const uint32_t c = 0x0c1e0000, a = 0x5e7e0000;
	const uint16_t r = sizeof(req) - 1;
	struct nc_failsafe_view fs;
	struct nc_service_view sv;
	struct nc_server_view v[2];
	struct pb_pkt p;
	struct flow fl;

	tick(f, 0);
	tc_connect(f, 41720, c, a, 0, &fl);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, a + 1, req, r);
	c2s_ok(f, &fl, &p);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_FIN, c + 1 + r, a + 1, NULL, 0);
	c2s_ok(f, &fl, &p);
	/* a acknowledges the request and the FIN, and closes */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_FIN, a + 1, c + 2 + r, NULL, 0);
	s2c_ok(f, &fl, &p);
	fs_web(f, &fs);
	assert_int_equal(fs.replays, 0);
	assert_int_equal(fs.resets, 0);
	assert_int_equal(fs.failed_over[SA], 0);
	assert_int_equal(fs.held_now, 0);
	assert_int_equal(fs_wait(f, 0, 40), 0);
	expect_none(f, 0);
	ctl_round(f);
	mon_view(f, SVC_WEB, &sv, v);
	assert_int_equal(v[SA].up, 1);
	assert_int_equal(v[SA].down_count, 0);
	assert_int_equal(drops_total(f), 0);
	assert_txpool(f);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdptcpfsclose"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tcpfs_server_closes_idle, setup_tcpfs),
		T(test_tcpfs_syn_after_kept_close, setup_tcpfs),
		T(test_tcpfs_syn_after_server_close, setup_tcpfs),
		T(test_tcpfs_fin_on_last_segment, setup_tcpfs),
		T(test_tcpfs_close_race, setup_tcpfs),
		T(test_tcpfs_after_last_exchange, setup_tcpfs),
		T(test_tcpfs_reset_before_request, setup_tcpfs),
		T(test_tcpfs_partial_response_rst, setup_tcpfs),
		T(test_tcpfs_partial_response_unreachable, setup_tcpfs),
		T(test_tcpfs_fin_before_answer, setup_tcpfs),
		T(test_tcpfs_fin_past_lost_answer, setup_tcpfs),
		T(test_tcpfs_fin_after_client_fin, setup_tcpfs),
	};

	return cmocka_run_group_tests_name("dp_tcpfs_close", tests, eal_setup, fx_eal_teardown);
}
