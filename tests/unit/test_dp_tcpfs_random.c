/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: the TCP transaction fail-safe under arbitrary loss, reordering and
 * duplication of a client's segments, through the data-path fixture
 * (dp_fixture.h). Each round, drawn from a fixed seed: pipelined HTTP/1.1
 * requests (a GET with a header of any length, a POST of known length, a
 * chunked POST) cut at random places - inside a request line, a header, a
 * chunk's size line - and sent as a client's TCP would over a lossy path:
 * segments lost, resent from the first one missing, sometimes out of order
 * or twice, or all in any order (SACK-driven resends).
 * test_tcpfs_random_loss: then a never answers (or answers the first
 * request only) and b comes up: what b receives must be exactly the
 * client's stream from the first unanswered request on, each byte once, in
 * order (a held segment that began in the answered request is sent whole:
 * b's TCP drops its part before the connection's start); every client
 * segment on the way went on to a, none dropped; once b answers, nothing is
 * left held and nothing leaked.
 * test_tcpfs_random_down: a fails at any point of the sending instead
 * (one_down_round). test_tcpfs_random_answers: the other way, a's answers
 * over a lossy path and a failing under them (one_answers_round).
 * Each runs on web (IPv4), again with web's client_address proxy-v1,
 * proxy-v2 and toa, with syn_proxy (the client numbering a's bytes from the
 * cookie; plain, proxy-v1, proxy-v2, toa), with two workers (each packet
 * arriving on either, handed to the flow's owner when not), and on web6
 * (IPv6; plain and proxy-v2) and web64 (NAT64: IPv6 clients, IPv4 servers;
 * plain, proxy-v1, toa); two workers again under proxy-v2, IPv6, NAT64 with
 * toa, and syn_proxy (plain and proxy-v2); syn_proxy on web6 (plain,
 * proxy-v2, two workers) and on web64 (plain, toa, two workers under
 * proxy-v1): struct variant, one per fixture.
 * TCPFS_RANDOM_VERBOSE=1 prints each round before it runs (the last one
 * printed is the one that failed); TCPFS_RANDOM_SEED=<n> draws other rounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_dp.h"
#include "dp_priv.h"
#include "pkt_build.h"
#include "dp_fixture.h"
#include "dp_client_addr.h"

#define ROUNDS     400
#define REQ_MAX    3
#define STREAM_MAX 4096
#define SEG_MAX    48        /* segments of a round's stream */
#define SENDS_MAX  512       /* sends of a round, resends included */

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
	/* xorshift64*: the same rounds on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n;
}

/*
 * The client-address mode of the test's fixture (set by its setup): a PROXY
 * header (v1 or v2) before each server connection's first client byte - the
 * client's stream shifted by its length, hdr (set at each connect), on the
 * servers' side - or TOA in each server connection's first data segment.
 */
enum { CA_PLAIN, CA_V1, CA_V2, CA_TOA };
static int ca;
static uint32_t hdr;
static int toa;

/* The service under test (set by the setup): web, web6 or web64, and the
 * family of its clients (6 for both IPv6 ones) and servers. */
static unsigned int svc;
static int c6, s6;

/* Two workers (set by the setup): each packet arrives on either, the
 * flow's owner or the other, which hands it over. */
static unsigned int n_workers = 1;

/* syn_proxy on (set by the setup): the appliance answers the client's SYN
 * with a cookie and opens a's connection itself; the client numbers a's
 * stream from the cookie, sp_shift on from a's own (set at each connect). */
static int synp;
static uint32_t sp_shift;

/* ------------------------------------------- frames of either family */

static int
frame_v6(const struct frame *fr)
{
	return pb_get16(fr->b + 12) == PB_ETH_IPV6;
}

static uint32_t
frame_l4(const struct frame *fr)
{
	return frame_v6(fr) ? PB_IP_OFF + 40u : pb_l4_off(fr->b);
}

/* Is <fr> on its way to the client? */
static int
to_client(const struct frame *fr)
{
	if (frame_v6(fr))
		return memcmp(fr->b + PB_IP_OFF + 24, ip6_client, 16) == 0;
	return pb_get32(fr->b + PB_IP_OFF + 16) == IP_CLIENT;
}

/* The server frame <fr> goes to, and its local port. */
static int
srv_of(const struct frame *fr)
{
	return frame_v6(fr) ? server6_of(fr) : server_of(fr);
}

static uint16_t
lp_of(const struct frame *fr)
{
	return pb_get16(fr->b + frame_l4(fr));
}

/* A segment of connection <fl> from <server> (tc_server of either family). */
static void
srv_seg(struct pb_pkt *p, const struct flow *fl, int server, uint8_t flags, uint32_t seq,
	uint32_t ack, const void *pay, uint16_t len)
{
	struct pb_pkt c4;

	if (!c6) {
		tc_server(p, fl, server, flags, seq, ack, pay, len);
		return;
	}
	if (s6) {
		server6(p, &fl->c, server, fl->lport);
	} else {
		c4 = nat64_c2s(&fl->c, server, fl->lport);
		server_pkt(p, &c4, server, fl->lport);
	}
	p->tcp_flags = flags;
	p->seq = seq;
	p->ack = ack;
	p->payload = pay;
	p->payload_len = len;
}

/* What client packet <p> of <fl> and server packet <p> become. */
static struct pb_pkt
want_c2s(const struct pb_pkt *p, const struct flow *fl)
{
	if (!c6)
		return nat_c2s(p, fl->server, fl->lport);
	return s6 ? nat6_c2s(p, fl->server, fl->lport) : nat64_c2s(p, fl->server, fl->lport);
}

static struct pb_pkt
want_s2c(const struct pb_pkt *p, const struct flow *fl)
{
	if (!c6)
		return nat_s2c(p, &fl->c);
	return s6 ? nat6_s2c(p, &fl->c) : nat64_s2c(p, &fl->c);
}

/* Packet <p> of <fl> arrives: on its owner, or with two workers on either
 * at random; every worker then takes what was handed to it. */
static void
in(struct fx *f, const struct flow *fl, const struct pb_pkt *p)
{
	unsigned int i;

	rx(f, n_workers == 1 ? fl->owner : rnd(n_workers), p);
	for (i = 0; i < n_workers && n_workers > 1; i++)
		nc_worker_handoff_poll(wk(f, i));
}

/* What every worker sends now, the owner's frames first. */
static unsigned int
wire_out(struct fx *f, const struct flow *fl, struct frame *fr, unsigned int max)
{
	unsigned int n = take(f, fl->owner, fr, max), i;

	for (i = 0; i < n_workers; i++)
		if (i != fl->owner)
			n += take(f, i, fr + n, max - n);
	return n;
}

/* One frame, and only one, out of the workers. */
static void
one_out(struct fx *f, const struct flow *fl, struct frame *fr)
{
	struct frame got[4];

	assert_int_equal(wire_out(f, fl, got, RTE_DIM(got)), 1);
	*fr = got[0];
}

/* Every worker's clock; then, <ms> on, every worker's fail-safe timers (the
 * connections they move). */
static unsigned int
timers(struct fx *f, unsigned int ms)
{
	unsigned int n = fs_wait(f, 0, ms), i;

	for (i = 1; i < n_workers; i++)
		n += fs_wait(f, i, 0);
	return n;
}

static void
tick_all(struct fx *f)
{
	unsigned int i;

	for (i = 0; i < n_workers; i++)
		tick(f, i);
}

/* Server <s> of the service under test taken down or up by its operator. */
static void
admin(struct fx *f, int s, enum nc_admin_state st)
{
	assert_int_equal(nc_dp_server_set_admin(f->dp, svc, (uint16_t)s, st), 0);
}

struct stream {
	uint8_t b[STREAM_MAX];
	uint32_t len;
	uint32_t start[REQ_MAX];   /* offset of each request */
	unsigned int n_req;
	uint32_t cut[SEG_MAX + 1]; /* segment i: [cut[i], cut[i + 1]) */
	unsigned int n_seg;
};

static void
put(struct stream *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((char *)s->b + s->len, STREAM_MAX - s->len, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (uint32_t)n < STREAM_MAX - s->len);
	s->len += (uint32_t)n;
}

static void
fill(struct stream *s, uint32_t n)
{
	uint32_t i;

	assert_true(n < STREAM_MAX - s->len);
	for (i = 0; i < n; i++)
		s->b[s->len++] = (uint8_t)('a' + rnd(26));
}

/* A chunked body: <k> chunks of 1 to <max> bytes, then the last chunk. */
static void
put_chunks(struct stream *s, uint32_t k, uint32_t max)
{
	uint32_t n, i;

	for (i = 0; i < k; i++) {
		n = 1 + rnd(max);
		put(s, "%x\r\n", n);
		fill(s, n);
		put(s, "\r\n");
	}
	put(s, "0\r\n\r\n");
}

/* One request of a random kind appended to <s>. */
static void
add_request(struct stream *s)
{
	uint32_t n;

	s->start[s->n_req++] = s->len;
	switch (rnd(3)) {
	case 0:
		put(s, "GET /r%u HTTP/1.1\r\nHost: vip\r\nX-Pad: ", rnd(1000));
		fill(s, rnd(300));
		put(s, "\r\n\r\n");
		break;
	case 1:
		n = rnd(700);
		put(s, "POST /p HTTP/1.1\r\nHost: vip\r\nContent-Length: %u\r\n\r\n", n);
		fill(s, n);
		break;
	default:
		put(s, "POST /c HTTP/1.1\r\nHost: vip\r\nTransfer-Encoding: chunked\r\n\r\n");
		put_chunks(s, 1 + rnd(3), 200);
		break;
	}
}

/* Cut <s> into segments: mostly short ones, so that cuts fall inside
 * request lines, headers and chunk size lines. */
static void
cut_stream(struct stream *s)
{
	uint32_t at = 0, n;

	s->n_seg = 0;
	while (at < s->len) {
		assert_true(s->n_seg < SEG_MAX);
		n = rnd(4) == 0 ? 1 + rnd(400) : 1 + rnd(90);
		if (n > s->len - at || s->n_seg == SEG_MAX - 1)
			n = s->len - at;
		s->cut[s->n_seg++] = at;
		at += n;
	}
	s->cut[s->n_seg] = s->len;
}

/*
 * The order the client's segments arrive in: each at least once. Mostly as
 * a TCP sender on a lossy path sends them: in order, some lost, resent from
 * the first missing one (a neighbor pair sometimes swapped, a segment
 * sometimes twice); sometimes in any order at all.
 */
static unsigned int
schedule(const struct stream *s, unsigned int *send)
{
	uint8_t got[SEG_MAX] = { 0 };
	unsigned int n = 0, i, j, t, first = 0;

	if (rnd(4) == 0) {
		for (i = 0; i < s->n_seg; i++)
			send[n++] = i;
		for (i = 0; i < s->n_seg / 3; i++)
			send[n++] = rnd(s->n_seg);
		for (i = n - 1; i > 0; i--) {
			j = rnd(i + 1);
			t = send[i];
			send[i] = send[j];
			send[j] = t;
		}
		return n;
	}
	while (first < s->n_seg) {
		for (i = first; i < s->n_seg && n < SENDS_MAX - 2; i++) {
			if (rnd(10) < 3)
				continue;   /* lost on the way */
			send[n++] = i;
			got[i] = 1;
			if (rnd(12) == 0)
				send[n++] = i;
			if (n >= 2 && rnd(8) == 0) {
				t = send[n - 1];
				send[n - 1] = send[n - 2];
				send[n - 2] = t;
			}
		}
		while (first < s->n_seg && got[first])
			first++;
		if (n >= SENDS_MAX - 2 && first < s->n_seg) {
			/* bounded: the rest once, in order */
			for (i = first; i < s->n_seg; i++)
				if (!got[i])
					send[n++] = i;
			break;
		}
	}
	return n;
}

struct tcp_view {
	uint32_t seq;
	uint8_t flags;
	const uint8_t *pay;
	uint16_t len;
};

static void
tcp_view(const struct frame *fr, struct tcp_view *v)
{
	const uint8_t *ip = fr->b + PB_IP_OFF, *tcp = fr->b + frame_l4(fr);
	uint16_t doff = (uint16_t)((tcp[12] >> 4) * 4);
	/* the L4 bytes: IPv6's payload length (no extension headers here),
	 * IPv4's total length less its header */
	uint16_t l4 = frame_v6(fr) ? pb_get16(ip + 4)
				   : (uint16_t)(pb_get16(ip + 2) - (ip[0] & 0xf) * 4);

	v->seq = pb_get32(tcp + 4);
	v->flags = tcp[13];
	v->pay = tcp + doff;
	v->len = (uint16_t)(l4 - doff);
}

/* The TOA option of the fixture's client at <sport> (DPVS's 20-byte one
 * for an IPv6 client, NAT64's too). Its length. */
static uint8_t
toa_of(uint8_t *o, uint16_t sport)
{
	o[0] = 254;
	o[1] = c6 ? NC_TOA6_LEN : NC_TOA_LEN;
	pb_put16(o + 2, sport);
	if (c6)
		memcpy(o + 4, ip6_client, 16);
	else
		pb_put32(o + 4, IP_CLIENT);
	return o[1];
}

/* Does client frame <fr> to a server carry the TOA option? */
static int
has_toa(const struct frame *fr)
{
	const uint8_t *tcp = fr->b + frame_l4(fr);
	uint16_t doff = (uint16_t)((tcp[12] >> 4) * 4), i = 20;

	while (i < doff && tcp[i] != 0) {
		if (tcp[i] == 1) {
			i++;
			continue;
		}
		if (tcp[i] == 254)
			return 1;
		if (i + 1 >= doff || tcp[i + 1] < 2)
			break;
		i = (uint16_t)(i + tcp[i + 1]);
	}
	return 0;
}

/* With TOA: a client segment to a server carries it when it starts with
 * data at its connection's first byte <first>, and only then. Returns 1
 * for such a segment (the server has the client's address from it). */
static int
toa_check(const struct frame *fr, const struct tcp_view *v, uint32_t first)
{
	int want = v->len != 0 && v->seq == first;

	if (!toa)
		return 0;
	if (has_toa(fr) != want)
		print_error("a segment at %+d of its connection's first byte, %u bytes, %s TOA\n",
			    (int32_t)(v->seq - first), v->len, want ? "without" : "with");
	assert_int_equal(has_toa(fr), want);
	return want;
}

/* The PROXY header of the client at <sport>, as the protocol's text (v1)
 * and layout (v2) say it is: TCP6 / AF_INET6 for an IPv6 client, NAT64's
 * too, its VIP the one it connected to. Its length. */
static uint32_t
hdr_of(uint8_t *h, uint16_t sport)
{
	const uint8_t *vip6 = s6 ? ip6_vip : ip6_vip64;
	char cs[INET6_ADDRSTRLEN], vs[INET6_ADDRSTRLEN];
	struct in_addr a4;

	if (ca == CA_V1) {
		if (c6) {
			inet_ntop(AF_INET6, ip6_client, cs, sizeof(cs));
			inet_ntop(AF_INET6, vip6, vs, sizeof(vs));
		} else {
			a4.s_addr = htonl(IP_CLIENT);
			inet_ntop(AF_INET, &a4, cs, sizeof(cs));
			a4.s_addr = htonl(IP_VIP);
			inet_ntop(AF_INET, &a4, vs, sizeof(vs));
		}
		return (uint32_t)snprintf((char *)h, 108, "PROXY TCP%c %s %s %u %u\r\n", c6 ? '6' : '4',
					  cs, vs, sport, WEB_PORT);
	}
	proxy_v2_of(h, IPPROTO_TCP, sport, WEB_PORT);   /* signature, version, command */
	if (!c6)
		return NC_PROXY_V2_LEN;
	h[13] = 0x21;   /* AF_INET6, STREAM */
	h[15] = 36;
	memcpy(h + 16, ip6_client, 16);
	memcpy(h + 32, vip6, 16);
	pb_put16(h + 48, sport);
	pb_put16(h + 50, WEB_PORT);
	return NC_PROXY_V2_LEN6;
}

/* Is frame <fr> to a server of a connection opened with SYN <syn> its
 * PROXY header? It is the first segment past the SYN, the header whole. */
static int
is_hdr(const struct frame *fr, const struct tcp_view *v, uint32_t syn, uint16_t sport)
{
	uint8_t h[NC_PROXY_V2_LEN6 + 108];

	if (hdr == 0 || v->seq != syn + 1 || v->len == 0)
		return 0;
	(void)fr;
	assert_int_equal(hdr_of(h, sport), hdr);
	if (v->len != hdr || memcmp(v->pay, h, hdr) != 0)
		print_error("%u bytes where the PROXY header goes, not the header\n", v->len);
	assert_int_equal(v->len, hdr);
	assert_memory_equal(v->pay, h, hdr);
	return 1;
}

/* Client segment <p> on a's connection goes on to a as it came, its
 * sequence number past the PROXY header, with TOA at the first byte. */
static void
c2s(struct fx *f, const struct flow *fl, const struct pb_pkt *p)
{
	struct pb_pkt want = want_c2s(p, fl);
	uint8_t o[NC_TOA6_LEN];
	struct frame fr;

	want.seq += hdr;
	want.ack -= sp_shift;
	in(f, fl, p);
	one_out(f, fl, &fr);
	if (toa && p->payload_len != 0 && p->seq == fl->c.seq + 1) {
		assert_wire_opt(&fr, &want, o, toa_of(o, fl->c.sport));
		return;
	}
	assert_wire(&fr, &want);
}

/* a's segment <p> reaches the client as it came, its acknowledgement back
 * before the PROXY header, its sequence number in the cookie's numbers. */
static void
s2c(struct fx *f, const struct flow *fl, const struct pb_pkt *p)
{
	struct pb_pkt want = want_s2c(p, fl);
	struct frame fr;

	want.ack -= hdr;
	want.seq += sp_shift;
	in(f, fl, p);
	one_out(f, fl, &fr);
	assert_wire(&fr, &want);
}

/* The handshake with a (client ISN <c>, a's <a>); with PROXY, a gets the
 * header at its SYN-ACK and acknowledges it; with syn_proxy, the client's
 * with the appliance's cookie, then the appliance's with a. */
static void
connect_a(struct fx *f, uint16_t sport, uint32_t c, uint32_t a, struct flow *fl)
{
	uint8_t h[NC_PROXY_V2_LEN6 + 108];
	struct pb_pkt p, want;
	struct frame fr[4];
	struct tcp_view v;

	sp_shift = 0;
	hdr = 0;
	if (synp) {
		unsigned int n;

		if (c6) {
			client6(&p, IPPROTO_TCP, sport);
			if (!s6)
				memcpy(p.dip6, ip6_vip64, 16);
		} else {
			client_pkt(&p, IPPROTO_TCP, sport);
		}
		p.seq = c;
		p.window = 64240;
		p.ttl = 57;
		memset(fl, 0, sizeof(*fl));
		fl->c = p;
		fl->owner = deliver(f, n_workers == 1 ? 0 : rnd(n_workers), &p, &fr[0]);
		tcp_view(&fr[0], &v);
		assert_true(to_client(&fr[0]));
		assert_int_equal(v.flags, PB_TCP_SYN | PB_TCP_ACK);
		sp_shift = v.seq - a;   /* the cookie, a's ISN to the client */
		tc_client(&p, fl, PB_TCP_ACK, c + 1, v.seq + 1, NULL, 0);
		fl->owner = deliver(f, n_workers == 1 ? 0 : rnd(n_workers), &p, &fr[0]);
		fl->server = srv_of(&fr[0]);
		fl->lport = lp_of(&fr[0]);
		assert_int_equal(fl->server, SA);
		tcp_view(&fr[0], &v);
		assert_int_equal(v.flags, PB_TCP_SYN);
		assert_int_equal(v.seq, c);
		/* a accepts: with PROXY the header first, then the appliance's
		 * ACK after it */
		srv_seg(&p, fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
		in(f, fl, &p);
		n = wire_out(f, fl, fr, RTE_DIM(fr));
		if (ca == CA_V1 || ca == CA_V2) {
			assert_int_equal(n, 2);
			hdr = hdr_of(h, sport);
			tcp_view(&fr[0], &v);
			assert_int_equal(srv_of(&fr[0]), SA);
			assert_int_equal(v.seq, c + 1);
			assert_int_equal(v.len, hdr);
			assert_memory_equal(v.pay, h, hdr);
			fr[0] = fr[1];
		} else {
			assert_int_equal(n, 1);
		}
		tcp_view(&fr[0], &v);
		assert_int_equal(srv_of(&fr[0]), SA);
		assert_int_equal(v.flags, PB_TCP_ACK);
		assert_int_equal(v.seq, c + 1 + hdr);
		assert_int_equal(pb_get32(fr[0].b + frame_l4(&fr[0]) + 8), a + 1);
		return;
	}

	{
		if (c6) {
			client6(&p, IPPROTO_TCP, sport);
			if (!s6)
				memcpy(p.dip6, ip6_vip64, 16);
		} else {
			client_pkt(&p, IPPROTO_TCP, sport);
		}
		p.seq = c;
		p.window = 64240;
		p.ttl = 57;
		fl->owner = deliver(f, n_workers == 1 ? 0 : rnd(n_workers), &p, &fr[0]);
		fl->c = p;
		fl->server = srv_of(&fr[0]);
		fl->lport = lp_of(&fr[0]);
		assert_int_equal(fl->server, SA);
		want = want_c2s(&p, fl);
		assert_wire(&fr[0], &want);
	}
	srv_seg(&p, fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	if (ca != CA_V1 && ca != CA_V2) {
		s2c(f, fl, &p);
		tc_client(&p, fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
		c2s(f, fl, &p);
		return;
	}
	/* a's SYN-ACK: the header to a (its own segment, acknowledging a's
	 * SYN), then the SYN-ACK to the client as it came */
	in(f, fl, &p);
	assert_int_equal(wire_out(f, fl, fr, RTE_DIM(fr)), 2);
	tcp_view(&fr[0], &v);
	assert_int_equal(srv_of(&fr[0]), SA);
	assert_int_equal(lp_of(&fr[0]), fl->lport);
	assert_int_equal(v.flags, PB_TCP_ACK | PB_TCP_PSH);
	assert_int_equal(pb_get32(fr[0].b + frame_l4(&fr[0]) + 8), a + 1);
	hdr = hdr_of(h, sport);
	assert_int_equal(v.seq, c + 1);
	assert_int_equal(v.len, hdr);
	assert_memory_equal(v.pay, h, hdr);
	want = want_s2c(&p, fl);
	assert_wire(&fr[1], &want);
	tc_client(&p, fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	c2s(f, fl, &p);
	srv_seg(&p, fl, SA, PB_TCP_ACK, a + 1, c + 1 + hdr, NULL, 0);
	s2c(f, fl, &p);
}

/*
 * After the move: the SYN to b found among the frames, b's SYN-ACK given,
 * and every byte b gets placed by its sequence number. They must be the
 * stream from offset <from> to its end, each byte once, sent in order.
 */
static uint32_t
splice_to_b(struct fx *f, struct flow *fl, const struct stream *s, uint32_t from, uint32_t bisn)
{
	static struct frame fr[SEG_MAX + 8];
	static uint8_t got[STREAM_MAX], seen[STREAM_MAX];
	struct tcp_view v;
	struct pb_pkt p;
	uint32_t syn = 0, want = s->len - from, bytes = 0, off, last = 0, i;
	unsigned int n, k;
	int found = 0, toa_got = 0;

	n = wire_out(f, fl, fr, RTE_DIM(fr));
	for (k = 0; k < n; k++) {
		tcp_view(&fr[k], &v);
		if (srv_of(&fr[k]) == SB && (v.flags & PB_TCP_SYN)) {
			syn = v.seq;
			fl->server = SB;
			fl->lport = lp_of(&fr[k]);
			found = 1;
		}
	}
	assert_true(found);
	srv_seg(&p, fl, SB, PB_TCP_SYN | PB_TCP_ACK, bisn, syn + 1, NULL, 0);
	in(f, fl, &p);
	n = wire_out(f, fl, fr, RTE_DIM(fr));
	memset(seen, 0, sizeof(seen));
	for (k = 0; k < n; k++) {
		assert_int_equal(srv_of(&fr[k]), SB);
		tcp_view(&fr[k], &v);
		if (v.len == 0 || is_hdr(&fr[k], &v, syn, fl->c.sport))
			continue;
		toa_got |= toa_check(&fr[k], &v, syn + 1);
		/* a held segment that began in the answered request goes
		 * whole: b's TCP drops what lies before its connection's start
		 * (those bytes must still be the client's) */
		off = v.seq - (syn + 1 + hdr);
		/* with PROXY no client byte lies in the header's place: a
		 * server that had lost the header would read it there */
		if (hdr != 0 && (int32_t)off < 0 && (int32_t)off + v.len > -(int32_t)hdr)
			print_error("client bytes [%d, %d) in the PROXY header's place\n",
				    (int32_t)off, (int32_t)off + v.len);
		assert_false(hdr != 0 && (int32_t)off < 0 && (int32_t)off + v.len > -(int32_t)hdr);
		if ((int32_t)off + (int32_t)from < 0 || (int32_t)off + v.len > (int32_t)want)
			print_error("b got bytes [%d, %d) of the %u from the request on\n",
				    (int32_t)off, (int32_t)off + v.len, want);
		assert_true((int32_t)off + (int32_t)from >= 0 && (int32_t)off + v.len <= (int32_t)want);
		/* in the stream's order */
		assert_true(bytes == 0 || (int32_t)last <= (int32_t)off);
		last = off;
		for (i = 0; i < v.len; i++) {
			int32_t at = (int32_t)off + (int32_t)i;

			if (at < 0) {
				assert_int_equal(v.pay[i], s->b[from + (uint32_t)at]);
				continue;
			}
			if (seen[at])
				print_error("byte %d of the moved stream sent twice\n", at);
			assert_false(seen[at]);
			seen[at] = 1;
			got[at] = v.pay[i];
			bytes++;
		}
	}
	if (bytes != want)
		print_error("b got %u bytes of the %u from request on\n", bytes, want);
	assert_int_equal(bytes, want);
	assert_bytes(got, want, s->b + from, want);
	assert_int_equal(toa_got, toa);   /* b has the client's address */
	return syn;
}

/* ROUNDS rounds of <round> drawn from <seed> (TCPFS_RANDOM_SEED another). */
static void
run_rounds(void **state, uint64_t seed, void (*round)(struct fx *f, unsigned int r))
{
	struct fx *f = *state;
	const char *other = getenv("TCPFS_RANDOM_SEED");
	unsigned int r;

	tick_all(f);
	rng_state = other != NULL ? strtoull(other, NULL, 0) * 2 + 1 : seed;
	for (r = 0; r < ROUNDS; r++)
		round(f, r);
	/* with two workers, each owned flows and handed the other's packets over */
	for (r = 0; r < n_workers && n_workers > 1; r++)
		assert_true(wk(f, r)->st.handoff_out > 0);
}

/* A round's end: the client resets the connection, so that no later round's
 * failure touches it (closed already, its reset is one of no flow, counted
 * after the round's own checks); every buffer back in its pool. */
static void
round_end(struct fx *f, const struct flow *fl, uint32_t rst_seq)
{
	static struct frame out[4];
	struct pb_pkt p;

	tc_client(&p, fl, PB_TCP_RST, rst_seq, 0, NULL, 0);
	in(f, fl, &p);
	wire_out(f, fl, out, RTE_DIM(out));
	assert_txpool(f);
	assert_no_leak(f);
}

/* The answer every server gives, to any request. */
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
#define RESP_LEN ((uint16_t)(sizeof(resp) - 1))

/* A round's stream, its segments and the order they are sent in (<send>,
 * the count returned). */
static unsigned int
draw_round(struct stream *s, unsigned int *send)
{
	unsigned int n, i;

	memset(s, 0, sizeof(*s));
	n = 1 + rnd(REQ_MAX);
	for (i = 0; i < n; i++)
		add_request(s);
	cut_stream(s);
	return schedule(s, send);
}

static void
one_round(struct fx *f, unsigned int round)
{
	static struct stream s;
	static unsigned int send[SENDS_MAX];
	static struct frame out[2];
	/* every fifth client's sequence numbers wrap inside its stream */
	const uint32_t c = round % 5 == 4 ? 0xfffff800u + round
					  : 0x10000000u * (round % 16) + 0x1000u * round;
	const uint32_t a = 0x40000000u + round;
	const uint32_t b = 0x70000000u + round;
	struct nc_failsafe_view fs;
	uint32_t syn, ack_a = a + 1, from, at;
	unsigned int n, i, answered = 0;
	struct pb_pkt p;
	struct flow fl;

	n = draw_round(&s, send);
	if (getenv("TCPFS_RANDOM_VERBOSE") != NULL)
		print_message("round %u: %u requests, %u bytes, %u segments, %u sends\n", round,
			      s.n_req, s.len, s.n_seg, n);

	svc_b_up(f, svc, 0);
	connect_a(f, (uint16_t)(20000 + round), c, a, &fl);
	ack_a += sp_shift;
	for (i = 0; i < n; i++) {
		at = s.cut[send[i]];
		tc_client(&p, &fl, PB_TCP_ACK | (send[i] == s.n_seg - 1 ? PB_TCP_PSH : 0), c + 1 + at,
			  ack_a, s.b + at, (uint16_t)(s.cut[send[i] + 1] - at));
		c2s(f, &fl, &p);
	}
	assert_int_equal(drops_total(f), 0);

	/* a answers the first request only, or nothing */
	from = 0;
	if (s.n_req > 1 && rnd(2)) {
		srv_seg(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1, c + 1 + hdr + s.len, resp,
			  RESP_LEN);
		s2c(f, &fl, &p);
		/* the client acknowledges it */
		tc_client(&p, &fl, PB_TCP_ACK, c + 1 + s.len, a + 1 + sp_shift + RESP_LEN, NULL, 0);
		c2s(f, &fl, &p);
		answered = 1;
		from = s.start[1];
	}
	svc_b_up(f, svc, 1);
	assert_int_equal(timers(f, 40), 1);
	syn = splice_to_b(f, &fl, &s, from, b);
	/* b answers each request it got; then nothing is held */
	for (i = answered; i < s.n_req; i++) {
		srv_seg(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1 + (i - answered) * RESP_LEN,
			  syn + 1 + hdr + s.len - from, resp, RESP_LEN);
		in(f, &fl, &p);
		n = wire_out(f, &fl, out, RTE_DIM(out));
		assert_int_equal(n, 1);
	}
	assert_int_equal(nc_dp_failsafe_view(f->dp, svc, &fs), 2);
	assert_int_equal(fs.held_now, 0);
	assert_int_equal(drops_total(f), 0);
	round_end(f, &fl, c + 1 + s.len);
}

static void
test_tcpfs_random_loss(void **state)
{
	run_rounds(state, 0x6e6574636865737ull, one_round);
}

/* The server a moved connection reaches, as a TCP receiver: every byte it
 * got placed by its place in the client's stream (a byte got twice must be
 * the same byte), its next expected byte, what it acknowledged. */
struct receiver {
	uint8_t b[STREAM_MAX];
	uint8_t seen[STREAM_MAX];
	uint32_t base;       /* the client's sequence number of stream byte 0 */
	uint32_t syn;        /* the new connection's SYN: its byte 0 is syn + 1 */
	int srv;             /* the server it went to */
	uint16_t old_lport;  /* the connection before the move */
	uint32_t isn;        /* the server's own */
	uint32_t nxt;        /* stream bytes [from, nxt) all got */
	uint32_t acked;      /* rcv_nxt() as last acknowledged */
	int open;            /* the SYN seen */
	int answered;        /* SYN-ACK sent */
	int fin;             /* the client's FIN got, after the stream's last byte */
	int toa;             /* TOA got at the new connection's first byte */
	uint8_t a_seen[STREAM_MAX];   /* the stream bytes a got */
	uint32_t a_got;      /* stream bytes [0, a_got) a got */
	int a_fin;           /* the client's FIN went to a */
};

/* a's TCP has the client's FIN: it went to a, every byte before it too. */
static int
a_had_fin(const struct stream *s, const struct receiver *r)
{
	return r->a_fin && r->a_got == s->len;
}

/* Client bytes [pos, pos + len) reached a. */
static void
a_gets(struct receiver *r, const struct stream *s, uint32_t pos, uint32_t len)
{
	memset(r->a_seen + pos, 1, len);
	while (r->a_got < s->len && r->a_seen[r->a_got])
		r->a_got++;
}

/*
 * Frames <fr>[0..n) off the wire after a failed: client bytes to the old
 * connection only while no new one is open (one kept for the last answer's
 * tail, its next request going on to a until it moves); the new
 * connection's SYN (again only as the same SYN); its bytes placed in <r>.
 * Frames to the client (the new server's acknowledgements passed on) are
 * let be.
 */
static void
wire_after_kill(struct flow *fl, const struct stream *s, struct receiver *r,
		const struct frame *fr, unsigned int n)
{
	struct tcp_view v;
	unsigned int k;
	uint32_t pos, i;

	for (k = 0; k < n; k++) {
		if (to_client(&fr[k]))
			continue;
		tcp_view(&fr[k], &v);
		if (lp_of(&fr[k]) == r->old_lport) {
			if (v.len != 0 && r->open)
				print_error("the old connection got %u bytes after the move\n", v.len);
			assert_true(v.len == 0 || !r->open);
			if (v.len == 0)
				continue;   /* a reset or a close: past the client's FIN, maybe */
			toa_check(&fr[k], &v, r->base);
			pos = v.seq - r->base;
			assert_true(pos + v.len <= s->len && v.len <= s->len);
			a_gets(r, s, pos, v.len);
			continue;
		}
		if (v.flags & PB_TCP_SYN) {
			/* sent again (a client segment while the new server has
			 * not answered): the same connection */
			assert_true(!r->open || (v.seq == r->syn && lp_of(&fr[k]) == fl->lport));
			r->open = 1;
			r->syn = v.seq;
			r->srv = srv_of(&fr[k]);
			fl->server = r->srv;
			fl->lport = lp_of(&fr[k]);
			continue;
		}
		assert_true(r->open);
		assert_int_equal(srv_of(&fr[k]), r->srv);
		assert_int_equal(lp_of(&fr[k]), fl->lport);
		if (is_hdr(&fr[k], &v, r->syn, fl->c.sport)) {
			/* the new server has all before its connection's start */
			pos = v.seq + v.len - r->base;
			if (nc_seq_lt(r->nxt, pos))
				r->nxt = pos;
			while (r->nxt < s->len && r->seen[r->nxt])
				r->nxt++;
			continue;
		}
		r->toa |= toa_check(&fr[k], &v, r->syn + 1);
		pos = v.seq - r->base;
		/* with PROXY no client byte lies in the header's place */
		if (hdr != 0 && nc_seq_lt(v.seq, r->syn + 1 + hdr) &&
		    nc_seq_lt(r->syn + 1, v.seq + v.len))
			print_error("client bytes [%d, %d) in the PROXY header's place\n",
				    (int32_t)(v.seq - (r->syn + 1 + hdr)),
				    (int32_t)(v.seq + v.len - (r->syn + 1 + hdr)));
		assert_false(hdr != 0 && nc_seq_lt(v.seq, r->syn + 1 + hdr) &&
			     nc_seq_lt(r->syn + 1, v.seq + v.len));
		if (pos + v.len > s->len || v.len > s->len)
			print_error("the new server got bytes [%d, %d) of a %u-byte stream\n",
				    (int32_t)pos, (int32_t)(pos + v.len), s->len);
		assert_true(pos + v.len <= s->len && v.len <= s->len);
		if (v.flags & PB_TCP_FIN) {
			assert_int_equal(pos + v.len, s->len);
			r->fin = 1;
		}
		for (i = 0; i < v.len; i++) {
			if (r->seen[pos + i] && r->b[pos + i] != v.pay[i])
				print_error("byte %u of the stream got twice, different\n", pos + i);
			assert_true(!r->seen[pos + i] || r->b[pos + i] == v.pay[i]);
			r->seen[pos + i] = 1;
			r->b[pos + i] = v.pay[i];
		}
		while (r->nxt < s->len && r->seen[r->nxt])
			r->nxt++;
	}
}

/* What the new server acknowledges: the bytes it has in order, and the
 * client's FIN after the last. */
static uint32_t
rcv_nxt(const struct stream *s, const struct receiver *r)
{
	return r->nxt + (r->fin && r->nxt == s->len);
}

/* Take what the worker sends, and let the new server answer as its TCP
 * would: its SYN with a SYN-ACK (when <synack>), new bytes with an
 * acknowledgement, until the wire is quiet. */
static void
wire_settle(struct fx *f, struct flow *fl, const struct stream *s, struct receiver *r, int synack)
{
	static struct frame fr[SEG_MAX + 8];
	struct pb_pkt p;
	unsigned int n, rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		n = wire_out(f, fl, fr, RTE_DIM(fr));
		wire_after_kill(fl, s, r, fr, n);
		if (r->open && synack && !r->answered) {
			r->answered = 1;
			srv_seg(&p, fl, r->srv, PB_TCP_SYN | PB_TCP_ACK, r->isn, r->syn + 1, NULL, 0);
			in(f, fl, &p);
			continue;
		}
		if (r->answered && rcv_nxt(s, r) != r->acked) {
			r->acked = rcv_nxt(s, r);
			srv_seg(&p, fl, r->srv, PB_TCP_ACK, r->isn + 1, r->base + r->acked, NULL, 0);
			in(f, fl, &p);
			continue;
		}
		if (n == 0)
			return;
	}
	fail_msg("the wire never settled");
}

enum { KILL_ADMIN, KILL_RST, KILL_FIN, KILL_KINDS };
static const char *const kill_name[KILL_KINDS] = { "taken down", "reset", "closed" };

/* Where request <k> of <s> ends. */
static uint32_t
req_end(const struct stream *s, unsigned int k)
{
	return k + 1 < s->n_req ? s->start[k + 1] : s->len;
}

/* The flags of a client segment beside ACK: PSH on the one ending the
 * stream (<last>), and FIN with it when the client closes (<fin>). */
static uint8_t
last_flags(const struct stream *s, int last, int fin)
{
	(void)s;
	return last ? (uint8_t)(PB_TCP_PSH | (fin ? PB_TCP_FIN : 0)) : 0;
}

/*
 * a fails: taken down by its operator (b up), or its segment - a reset, as
 * from a crashed server's kernel, or a close - acknowledging what it got,
 * after its first <a_sent> bytes; the wire settles (the new server answers
 * its SYN when <synack>). When a had any byte of a request it has not
 * answered (past <from>) - even one past a lost request head - that
 * request moves at once; unless a closed or reset after it had the
 * client's own close, which is its answer to that close (as nginx ends such
 * a request: 499). Returns 1 when something is owed after it.
 */
static int
kill_a(struct fx *f, struct flow *fl, int kind, const struct stream *s, struct receiver *r,
       uint32_t a, uint32_t a_sent, uint32_t from, int synack)
{
	struct pb_pkt p;
	uint32_t i;
	int owed = 0;

	for (i = from; i < s->len; i++)
		owed |= r->a_seen[i];
	if (kind != KILL_ADMIN && a_had_fin(s, r))
		owed = 0;
	admin(f, SB, NC_ADMIN_UP);
	if (kind == KILL_ADMIN) {
		admin(f, SA, NC_ADMIN_DOWN);
		timers(f, 0);
	} else {
		tick_all(f);
		srv_seg(&p, fl, SA, PB_TCP_ACK | (kind == KILL_RST ? PB_TCP_RST : PB_TCP_FIN),
			  a + 1 + a_sent, r->base + r->a_got + a_had_fin(s, r), NULL, 0);
		in(f, fl, &p);
	}
	wire_settle(f, fl, s, r, synack);
	if (owed && !r->open)
		print_error("a %s owing an answer, and nothing moved\n", kill_name[kind]);
	assert_true(!owed || r->open);
	return owed || kind == KILL_ADMIN || !a_had_fin(s, r);
}

/*
 * The same streams, but a fails at a random point of the client's sending -
 * mid-request, on a hole, on a stall at a request's head - by its operator
 * taking it down, by a reset or by a close; sometimes after answering the
 * first request. The client's later segments (some held during the splice)
 * and its resends of what the new server has not acknowledged (cut afresh,
 * as a sender collapses its retransmissions) must give the new server the
 * whole stream from the first request not answered, its SYN right before
 * it; nothing of the client's reaches the old connection after the failure.
 */
static void
one_down_round(struct fx *f, unsigned int round)
{
	static struct stream s;
	static struct receiver r;
	static unsigned int send[SENDS_MAX];
	static struct frame out[2];
	const uint32_t c = round % 5 == 4 ? 0xfffff900u + round : 0x20000000u + 0x1000u * round;
	const uint32_t a = 0x50000000u + round;
	struct nc_failsafe_view fs;
	unsigned int n, i, kill, synack_at, tries, n_ans = 0;
	uint64_t drops;
	int owed = 1;
	uint32_t at, len, a_sent = 0, from = 0, k, sent_end = 0;
	int kind, answers, fin;
	struct pb_pkt p;
	struct flow fl;

	drops = drops_total(f);
	memset(&r, 0, sizeof(r));
	r.isn = 0x60000000u + round;
	n = draw_round(&s, send);
	kill = 1 + rnd(n);                      /* after this many sends */
	synack_at = kill + rnd(n - kill + 1);   /* the new server answers after this many */
	kind = (int)rnd(KILL_KINDS);
	answers = rnd(2);   /* a answers the requests it has whole, in order, now and then */
	fin = rnd(4) == 0;  /* the client closes after its last request */
	if (getenv("TCPFS_RANDOM_VERBOSE") != NULL)
		print_message("down round %u: %u requests, %u bytes, %u segments, %u sends%s, a %s "
			      "after %u%s, the SYN-ACK after %u\n", round, s.n_req, s.len, s.n_seg, n,
			      fin ? " and a FIN" : "", kill_name[kind], kill,
			      answers ? " (answering)" : "", synack_at);

	admin(f, SA, NC_ADMIN_UP);
	admin(f, SB, NC_ADMIN_DOWN);
	tick_all(f);
	connect_a(f, (uint16_t)(30000 + round), c, a, &fl);
	r.base = c + 1 + hdr;
	r.old_lport = fl.lport;
	for (i = 0; i < n; i++) {
		if (i == kill)
			owed = kill_a(f, &fl, kind, &s, &r, a, a_sent, from, i >= synack_at);
		/* the client acknowledges what it got of a */
		at = s.cut[send[i]];
		tc_client(&p, &fl, PB_TCP_ACK | last_flags(&s, send[i] == s.n_seg - 1, fin), c + 1 + at,
			  a + 1 + sp_shift + a_sent, s.b + at, (uint16_t)(s.cut[send[i] + 1] - at));
		if (i >= kill) {
			in(f, &fl, &p);
			wire_settle(f, &fl, &s, &r, i >= synack_at);
			continue;
		}
		c2s(f, &fl, &p);
		if (sent_end < s.cut[send[i] + 1])
			sent_end = s.cut[send[i] + 1];
		a_gets(&r, &s, at, s.cut[send[i] + 1] - at);
		r.a_fin |= fin && send[i] == s.n_seg - 1;
		while (answers && n_ans < s.n_req && r.a_got >= req_end(&s, n_ans) && rnd(2)) {
			srv_seg(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, a + 1 + a_sent,
				  r.base + r.a_got + a_had_fin(&s, &r), resp, RESP_LEN);
			s2c(f, &fl, &p);
			a_sent += RESP_LEN;
			from = req_end(&s, n_ans++);
			/* the client acknowledges it, from past all it sent */
			tc_client(&p, &fl, PB_TCP_ACK, c + 1 + sent_end + (r.a_fin ? 1u : 0u),
				  a + 1 + sp_shift + a_sent,
				  NULL, 0);
			c2s(f, &fl, &p);
		}
	}
	if (kill == n)
		owed = kill_a(f, &fl, kind, &s, &r, a, a_sent, from, 1);
	if (!owed) {
		/* the close reaches the client: nothing moves, nothing is held */
		assert_false(r.open);
		goto clean;
	}
	/* the client resends what its server has not acknowledged, as its
	 * retransmission timer would, collapsed into segments of its own; the
	 * fail-safe's timers run between (a request a kept connection still
	 * carried to a moves once a is owing it its answer) */
	for (tries = 0; tries < 6; tries++) {
		wire_settle(f, &fl, &s, &r, 1);
		if (r.open) {
			if (r.nxt < from)
				r.nxt = from;
			while (r.nxt < s.len && r.seen[r.nxt])
				r.nxt++;
			if (r.nxt == s.len)
				break;
		}
		for (k = r.open ? r.nxt : r.a_got; k < s.len; k += len) {
			len = 1 + rnd(500);
			if (len > s.len - k)
				len = s.len - k;
			tc_client(&p, &fl, PB_TCP_ACK | last_flags(&s, k + len == s.len, fin), c + 1 + k,
				  a + 1 + sp_shift + a_sent, s.b + k, (uint16_t)len);
			in(f, &fl, &p);
			wire_settle(f, &fl, &s, &r, 1);
		}
		timers(f, 40);
	}
	if (from == s.len) {
		/* every request answered: nothing moves */
		assert_false(r.open);
		goto clean;
	}
	if (!r.open)
		print_error("no new connection after a was %s\n", kill_name[kind]);
	assert_true(r.open);
	assert_int_equal(r.syn, c + from);
	assert_int_equal(r.fin, fin);
	if (r.nxt != s.len)
		print_error("the new server has the stream up to %u of %u, from %u\n", r.nxt, s.len,
			    from);
	assert_int_equal(r.nxt, s.len);
	assert_bytes(r.b + from, s.len - from, s.b + from, s.len - from);
	assert_int_equal(r.toa, toa);   /* the new server has the client's address */
	if (kind == KILL_ADMIN && rnd(4) == 0) {
		/* the new server fails too before it answers, a down: no
		 * server is left. The client is reset at the byte it waits
		 * for - a's next - and nothing stays held */
		static struct frame bfr[8];
		struct tcp_view v;
		int reset = 0;

		srv_seg(&p, &fl, r.srv, PB_TCP_RST | PB_TCP_ACK, r.isn + 1, r.base + rcv_nxt(&s, &r),
			NULL, 0);
		in(f, &fl, &p);
		n = wire_out(f, &fl, bfr, RTE_DIM(bfr));
		for (i = 0; i < n; i++) {
			if (!to_client(&bfr[i]))
				continue;
			tcp_view(&bfr[i], &v);
			reset |= (v.flags & PB_TCP_RST) && v.seq == a + 1 + sp_shift + a_sent;
		}
		if (!reset)
			print_error("the new server reset, none left, and the client not reset\n");
		assert_true(reset);
		goto clean;
	}
	/* the new server answers each request; then nothing is held */
	for (i = 0; i < s.n_req - n_ans; i++) {
		srv_seg(&p, &fl, r.srv, PB_TCP_ACK | PB_TCP_PSH, r.isn + 1 + i * RESP_LEN,
			  r.base + rcv_nxt(&s, &r), resp, RESP_LEN);
		in(f, &fl, &p);
		assert_int_equal(wire_out(f, &fl, out, RTE_DIM(out)), 1);
	}
clean:
	assert_int_equal(nc_dp_failsafe_view(f->dp, svc, &fs), 2);
	assert_int_equal(fs.held_now, 0);
	assert_int_equal(drops_total(f), drops);
	round_end(f, &fl, c + 1 + s.len + fin);
}

static void
test_tcpfs_random_down(void **state)
{
	run_rounds(state, 0x646f776e1ull, one_down_round);
}

/* ------------------------------------------- the answers, under loss */

/* One response of a random kind appended to <s>: a body of known length
 * or chunked, its bytes random letters (each server's its own). */
static void
add_response(struct stream *s)
{
	uint32_t n;

	s->start[s->n_req++] = s->len;
	if (rnd(2)) {
		n = rnd(4) == 0 ? rnd(1000) : rnd(120);
		put(s, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\n", n);
		fill(s, n);
		return;
	}
	put(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
	put_chunks(s, rnd(3), 250);
}

/* Where response <k> of <s> ends. */
#define resp_end req_end

/* A server's side of a connection: the responses it sends (from <from>
 * of <r> on), what the client acknowledged (una) and what it sent (nxt),
 * as offsets from its first byte; how much it may send yet (avail: the
 * answers to the requests it has). */
struct sender {
	const struct stream *r;
	uint32_t from;       /* offset in r of its first byte */
	uint32_t isn;
	uint32_t una, nxt, avail;
	int srv;
	int open;            /* b: the appliance's SYN answered */
	int dead;            /* reset: sends nothing more */
	uint32_t syn;        /* b: the appliance's SYN */
	uint32_t got;        /* b: request bytes got in order */
	uint16_t lport;      /* the connection's local port */
	int toa;             /* b: TOA got at its connection's first byte */
	int hdr_got;         /* b: the PROXY header got, */
	int hdr_acked;       /* and acknowledged */
};

/* The client's side: the server bytes it got, by offset in its view of the
 * server's stream, in order up to nxt; reset by an RST at its nxt. */
struct client_view {
	uint8_t b[STREAM_MAX];
	uint8_t seen[STREAM_MAX];
	uint32_t nxt;
	int got;             /* bytes came since it last acknowledged */
	int reset;
};

struct answers {
	struct stream q;          /* the client's requests, sent whole at once */
	struct stream ra, rb;     /* a's answers to them, b's */
	struct sender a, b;
	struct client_view cv;
	uint32_t c, a_isn;        /* ISNs: the client's, a's (the client's view of the server) */
	int a_passed;             /* a byte of a's reached the client's side of the appliance */
	uint16_t sport;           /* the client's port */
};

/* Client bytes [0, n) reached b in order: it may answer the requests they
 * complete. */
static void
b_has(struct answers *x, uint32_t n)
{
	struct sender *b = &x->b;
	unsigned int j0 = 0, k;

	while (j0 < x->q.n_req && x->q.start[j0] != b->syn + 1 - (x->c + 1))
		j0++;
	assert_true(j0 < x->q.n_req);
	b->got = n;
	b->from = x->rb.start[j0];
	for (k = j0; k < x->q.n_req && x->q.start[j0] + n >= req_end(&x->q, k); k++)
		b->avail = resp_end(&x->rb, k) - b->from;
}

/*
 * Frames <fr>[0..n) off the wire: to the client (each data frame lost on
 * its way with one chance in ten), to a or b (acknowledgements, the
 * appliance's SYN and resets, request bytes replayed). Every byte the
 * client gets is checked against the answers the servers sent by the
 * caller; an RST to the client must be at the byte it waits for.
 */
static void
answers_wire(struct answers *x, const struct frame *fr, unsigned int n)
{
	struct tcp_view v;
	unsigned int k;
	uint32_t i, off, ack;

	for (k = 0; k < n; k++) {
		const uint8_t *tcp = fr[k].b + frame_l4(&fr[k]);

		tcp_view(&fr[k], &v);
		ack = pb_get32(tcp + 8);
		if (to_client(&fr[k])) {
			/* its TCP takes a reset only at the byte it waits for
			 * (RFC 5961); another it lets be */
			if (v.flags & PB_TCP_RST) {
				x->cv.reset |= v.seq == x->a_isn + 1 + x->cv.nxt;
				continue;
			}
			if (v.len == 0 || rnd(10) == 0)
				continue;
			x->cv.got = 1;
			off = v.seq - (x->a_isn + 1);
			assert_true(off + v.len <= STREAM_MAX && v.len <= STREAM_MAX);
			for (i = 0; i < v.len; i++) {
				if (x->cv.seen[off + i] && x->cv.b[off + i] != v.pay[i])
					print_error("the client got byte %u twice, different\n", off + i);
				assert_true(!x->cv.seen[off + i] || x->cv.b[off + i] == v.pay[i]);
				x->cv.seen[off + i] = 1;
				x->cv.b[off + i] = v.pay[i];
			}
			while (x->cv.nxt < STREAM_MAX && x->cv.seen[x->cv.nxt])
				x->cv.nxt++;
			continue;
		}
		if (srv_of(&fr[k]) == SA && lp_of(&fr[k]) == x->a.lport) {
			toa_check(&fr[k], &v, x->c + 1);
			if (v.flags & PB_TCP_RST)
				x->a.dead = 1;
			else if ((v.flags & PB_TCP_ACK) && nc_seq_lt(x->a.isn + 1 + x->a.una, ack) &&
				 !nc_seq_lt(x->a.isn + 1 + x->a.nxt, ack))
				x->a.una = ack - (x->a.isn + 1);
			continue;
		}
		/* the moved connection */
		if (v.flags & PB_TCP_SYN) {
			assert_true(x->b.lport == 0 || lp_of(&fr[k]) == x->b.lport);
			x->b.srv = srv_of(&fr[k]);
			x->b.lport = lp_of(&fr[k]);
			x->b.syn = v.seq;
			continue;
		}
		assert_int_equal(lp_of(&fr[k]), x->b.lport);
		if (v.flags & PB_TCP_RST) {
			x->b.dead = 1;
			continue;
		}
		if (is_hdr(&fr[k], &v, x->b.syn, x->sport)) {
			x->b.hdr_got = 1;
			continue;
		}
		x->b.toa |= toa_check(&fr[k], &v, x->b.syn + 1);
		if (hdr != 0 && v.len != 0 && nc_seq_lt(v.seq, x->b.syn + 1 + hdr) &&
		    nc_seq_lt(x->b.syn + 1, v.seq + v.len))
			print_error("client bytes in the PROXY header's place\n");
		assert_false(hdr != 0 && v.len != 0 && nc_seq_lt(v.seq, x->b.syn + 1 + hdr) &&
			     nc_seq_lt(x->b.syn + 1, v.seq + v.len));
		if (v.len != 0) {
			/* request bytes, the client's (a held segment that began
			 * in an answered request comes whole: b's TCP takes what
			 * lies past its connection's start); in order, b has more */
			uint32_t pos = v.seq - (x->c + 1 + hdr), start = x->b.syn - x->c;

			assert_true(pos + v.len <= x->q.len && v.len <= x->q.len);
			assert_memory_equal(v.pay, x->q.b + pos, v.len);
			if (nc_seq_le(pos, start + x->b.got) && nc_seq_lt(start + x->b.got, pos + v.len))
				b_has(x, pos + v.len - start);
		}
		if ((v.flags & PB_TCP_ACK) && x->b.open && nc_seq_lt(x->b.isn + 1 + x->b.una, ack) &&
		    !nc_seq_lt(x->b.isn + 1 + x->b.nxt, ack))
			x->b.una = ack - (x->b.isn + 1);
	}
}

/* What the worker sends now, to the wire; the client acknowledges what
 * bytes it got at once, as its TCP does out of order and, near enough,
 * in order. */
static void
answers_take(struct fx *f, struct answers *x, const struct flow *fl)
{
	static struct frame fr[SEG_MAX + 8];
	struct pb_pkt p;
	unsigned int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		answers_wire(x, fr, wire_out(f, fl, fr, RTE_DIM(fr)));
		if (!x->cv.got || x->cv.reset)
			return;
		x->cv.got = 0;
		tc_client(&p, fl, PB_TCP_ACK, x->c + 1 + x->q.len, x->a_isn + 1 + x->cv.nxt, NULL, 0);
		in(f, fl, &p);
	}
	fail_msg("the wire never settled");
}

/* Server <sd> sends its next segment (or from where the client's
 * acknowledgement stands, after a timeout <resend>); lost before the
 * appliance with one chance in seven. */
static void
server_send(struct fx *f, struct answers *x, struct flow *fl, struct sender *sd, int resend)
{
	struct pb_pkt p;
	uint32_t len;

	if (resend)
		sd->nxt = sd->una;
	if (sd->dead || sd->nxt >= sd->avail)
		return;
	len = 1 + rnd(rnd(3) == 0 ? 700 : 120);
	if (len > sd->avail - sd->nxt)
		len = sd->avail - sd->nxt;
	fl->server = sd->srv;
	fl->lport = sd->lport;
	srv_seg(&p, fl, sd->srv, PB_TCP_ACK | PB_TCP_PSH, sd->isn + 1 + sd->nxt,
		  sd == &x->a ? x->c + 1 + hdr + x->q.len : sd->syn + 1 + hdr + sd->got,
		  sd->r->b + sd->from + sd->nxt, (uint16_t)len);
	sd->nxt += len;
	if (rnd(7) == 0)
		return;   /* lost on the way */
	if (sd == &x->a)
		x->a_passed = 1;
	in(f, fl, &p);
	answers_take(f, x, fl);
}

/* The client acknowledges what it has of the server's stream. */
static void
client_ack(struct fx *f, struct answers *x, struct flow *fl)
{
	struct pb_pkt p;

	if (x->cv.reset)
		return;
	tc_client(&p, fl, PB_TCP_ACK, x->c + 1 + x->q.len, x->a_isn + 1 + x->cv.nxt, NULL, 0);
	in(f, fl, &p);
	answers_take(f, x, fl);
}

/* The client gives up with a reset: its server - a, or b once the request
 * moved - gets one too, and nothing stays held. */
static void
client_quits(struct fx *f, struct answers *x, struct flow *fl)
{
	static struct frame fr[SEG_MAX + 8];
	struct nc_failsafe_view fs;
	struct tcp_view v;
	struct pb_pkt p;
	unsigned int n, k, rst = 0;

	tc_client(&p, fl, PB_TCP_RST, x->c + 1 + x->q.len, 0, NULL, 0);
	in(f, fl, &p);
	n = wire_out(f, fl, fr, RTE_DIM(fr));
	for (k = 0; k < n; k++) {
		tcp_view(&fr[k], &v);
		rst += !to_client(&fr[k]) && (v.flags & PB_TCP_RST);
	}
	if (rst == 0 && !(x->a.dead && (x->b.lport == 0 || x->b.dead)))
		print_error("the client's reset reached no server\n");
	assert_true(rst != 0 || (x->a.dead && (x->b.lport == 0 || x->b.dead)));
	assert_int_equal(nc_dp_failsafe_view(f->dp, svc, &fs), 2);
	assert_int_equal(fs.held_now, 0);
}

/* The client's stream of answers if a answered the first <j> requests and b
 * the rest: does every byte it got fit it, and does it have it whole? */
static int
answers_fit(const struct answers *x, unsigned int j, int *whole)
{
	uint32_t na = j == 0 ? 0 : resp_end(&x->ra, j - 1), nb = x->rb.len - (j < x->rb.n_req ? x->rb.start[j] : x->rb.len);
	uint32_t i;

	for (i = 0; i < STREAM_MAX; i++) {
		uint8_t want;

		if (!x->cv.seen[i])
			continue;
		if (i >= na + nb)
			return 0;
		want = i < na ? x->ra.b[i] : x->rb.b[x->rb.start[j] + i - na];
		if (x->cv.b[i] != want)
			return 0;
	}
	*whole = x->cv.nxt == na + nb;
	return 1;
}

/*
 * a answers pipelined requests over a lossy path - its segments lost on
 * the way in and out, resent after its timeouts from what the client
 * acknowledged, a response's head past a gap dropped by the appliance as
 * the sender resends it - and fails at a random point (taken down, or
 * reset too); b then answers what moved. The client's bytes must be a's
 * first answers followed by b's for the rest, each in its place; in the
 * end it has them all, or it was reset at the byte it waits for - never
 * when a failed before any of its answer reached the appliance.
 */
static void
one_answers_round(struct fx *f, unsigned int round)
{
	static struct answers x;
	static const char *const paths[] = { "/a", "/bb", "/ccc" };
	unsigned int n, i, step, kill, quit, j;
	int kind, fit = 0, whole = 0, any_whole = 0, passed_at_kill = 0;
	struct pb_pkt p;
	struct flow fl;

	memset(&x, 0, sizeof(x));
	x.c = 0x30000000u + 0x1000u * round;
	x.a_isn = round % 5 == 4 ? 0xfffffa00u + round : 0x68000000u + round;
	n = 1 + rnd(REQ_MAX);
	for (i = 0; i < n; i++) {
		x.q.start[x.q.n_req++] = x.q.len;
		put(&x.q, "GET %s HTTP/1.1\r\nHost: vip\r\n\r\n", paths[i]);
		add_response(&x.ra);
		add_response(&x.rb);
	}
	x.a = (struct sender){ .r = &x.ra, .isn = x.a_isn, .avail = x.ra.len, .srv = SA };
	x.b = (struct sender){ .r = &x.rb, .isn = 0x78000000u + round };
	kill = rnd(60);
	kind = (int)rnd(2);
	quit = rnd(8) == 0 ? rnd(80) : ~0u;   /* the client gives up at this step */
	if (getenv("TCPFS_RANDOM_VERBOSE") != NULL)
		print_message("answers round %u: %u requests, answers %u bytes (a) %u (b), a %s at "
			      "step %u\n", round, n, x.ra.len, x.rb.len, kind ? "reset" : "taken down",
			      kill);

	admin(f, SA, NC_ADMIN_UP);
	admin(f, SB, NC_ADMIN_DOWN);
	tick_all(f);
	x.sport = (uint16_t)(40000 + round);
	connect_a(f, x.sport, x.c, x.a_isn, &fl);
	x.a_isn += sp_shift;   /* from here, a's ISN as the client numbers it */
	x.a.lport = fl.lport;
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, x.c + 1, x.a_isn + 1, x.q.b, (uint16_t)x.q.len);
	c2s(f, &fl, &p);
	for (step = 0; step < 400 && !x.cv.reset; step++) {
		if (step == quit) {
			client_quits(f, &x, &fl);
			break;
		}
		if (step == kill) {
			passed_at_kill = x.a_passed;
			admin(f, SB, NC_ADMIN_UP);
			if (kind) {
				/* its kernel's reset, as it dies */
				fl.server = SA;
				fl.lport = x.a.lport;
				srv_seg(&p, &fl, SA, PB_TCP_RST | PB_TCP_ACK, x.a.isn + 1 + x.a.nxt,
					  x.c + 1 + hdr + x.q.len, NULL, 0);
				x.a.dead = 1;
				in(f, &fl, &p);
				answers_take(f, &x, &fl);
			}
			admin(f, SA, NC_ADMIN_DOWN);
			timers(f, 0);
			answers_take(f, &x, &fl);
		}
		if (x.b.lport != 0 && !x.b.open && !x.b.dead) {
			/* b answers the appliance's SYN */
			x.b.open = 1;
			fl.server = x.b.srv;
			fl.lport = x.b.lport;
			srv_seg(&p, &fl, x.b.srv, PB_TCP_SYN | PB_TCP_ACK, x.b.isn, x.b.syn + 1, NULL, 0);
			in(f, &fl, &p);
			answers_take(f, &x, &fl);
		}
		if (x.b.hdr_got && !x.b.hdr_acked && !x.b.dead) {
			/* b's TCP acknowledges the PROXY header */
			x.b.hdr_acked = 1;
			srv_seg(&p, &fl, x.b.srv, PB_TCP_ACK, x.b.isn + 1 + x.b.nxt,
				  x.b.syn + 1 + hdr + x.b.got, NULL, 0);
			in(f, &fl, &p);
			answers_take(f, &x, &fl);
		}
		switch (rnd(8)) {
		case 0:
			if (step > kill) {
				timers(f, 40);   /* the appliance's timers */
				answers_take(f, &x, &fl);
			}
			break;
		case 1:
			server_send(f, &x, &fl, &x.a, 1);
			server_send(f, &x, &fl, &x.b, 1);
			break;
		case 2:
		case 3:
			client_ack(f, &x, &fl);
			break;
		default:
			server_send(f, &x, &fl, &x.a, 0);
			if (x.b.open)
				server_send(f, &x, &fl, &x.b, 0);
			break;
		}
		for (j = 0, any_whole = 0; j <= n; j++)
			if (answers_fit(&x, j, &whole) && whole)
				any_whole = 1;
		if (any_whole && step > kill)
			break;
	}
	for (j = 0, fit = 0, any_whole = 0; j <= n; j++)
		if (answers_fit(&x, j, &whole)) {
			fit = 1;
			any_whole |= whole;
		}
	if (!fit)
		print_error("the client's bytes are no sequence of a's and b's answers\n");
	assert_true(fit);
	if (!any_whole && !x.cv.reset && step != quit)
		print_error("the client has %u bytes, not all its answers, and was not reset\n",
			    x.cv.nxt);
	assert_true(any_whole || x.cv.reset || step == quit);
	if (kind && !passed_at_kill && x.cv.reset)
		print_error("a reset before any answer, and the client was reset\n");
	assert_false(kind && !passed_at_kill && x.cv.reset);
	/* b got a request: it has the client's address */
	assert_true(!toa || x.b.got == 0 || x.b.toa);
	round_end(f, &fl, x.c + 1 + x.q.len);
}

static void
test_tcpfs_random_answers(void **state)
{
	run_rounds(state, 0x616e73776572ull, one_answers_round);
}

/* The fixtures the three tests run on: the service, its client_address,
 * the workers, syn_proxy. */
struct variant {
	unsigned int svc;       /* SVC_WEB, SVC_WEB6 or SVC_WEB64 */
	int ca;                 /* CA_* */
	unsigned int workers;
	int synp;
};

static const struct variant *cur;

/* The lab (dual-stack for web6 and web64) with cur's service as it says,
 * its fail-safe at 30 ms and 2 moves. */
static void
tweak_variant(struct nc_config *c)
{
	static const enum nc_client_addr mode[] = {
		[CA_PLAIN] = NC_CA_NONE, [CA_V1] = NC_CA_PROXY_V1,
		[CA_V2] = NC_CA_PROXY_V2, [CA_TOA] = NC_CA_TOA,
	};
	struct nc_cfg_service *sv;

	if (cur->svc != SVC_WEB)
		tweak_v6_64(c);
	sv = &c->services[cur->svc];
	failsafe_set(sv, 30, 2);
	sv->client_address = mode[cur->ca];
	if (cur->synp)
		sv->syn_proxy = NC_SYNP_ON;
	if (cur->workers > 1)
		tweak_two_workers(c);
}

/* Test setup: the variant in *<state> (the test's initial state). */
static int
setup_variant(void **state)
{
	cur = *state;
	svc = cur->svc;
	c6 = svc != SVC_WEB;
	s6 = svc == SVC_WEB6;
	ca = cur->ca;
	toa = ca == CA_TOA;
	hdr = 0;
	n_workers = cur->workers;
	synp = cur->synp;
	return fx_setup(state, tweak_variant);
}

static const struct variant plain = { SVC_WEB, CA_PLAIN, 1, 0 };
static const struct variant v1 = { SVC_WEB, CA_V1, 1, 0 };
static const struct variant v2 = { SVC_WEB, CA_V2, 1, 0 };
static const struct variant toa4 = { SVC_WEB, CA_TOA, 1, 0 };
static const struct variant two = { SVC_WEB, CA_PLAIN, 2, 0 };
static const struct variant sp = { SVC_WEB, CA_PLAIN, 1, 1 };
static const struct variant v6 = { SVC_WEB6, CA_PLAIN, 1, 0 };
static const struct variant v6_v2 = { SVC_WEB6, CA_V2, 1, 0 };
static const struct variant n64 = { SVC_WEB64, CA_PLAIN, 1, 0 };
static const struct variant n64_v1 = { SVC_WEB64, CA_V1, 1, 0 };
static const struct variant n64_toa = { SVC_WEB64, CA_TOA, 1, 0 };
static const struct variant two_v2 = { SVC_WEB, CA_V2, 2, 0 };
static const struct variant two_v6 = { SVC_WEB6, CA_PLAIN, 2, 0 };
static const struct variant two_n64_toa = { SVC_WEB64, CA_TOA, 2, 0 };
static const struct variant sp_v1 = { SVC_WEB, CA_V1, 1, 1 };
static const struct variant sp_v2 = { SVC_WEB, CA_V2, 1, 1 };
static const struct variant sp_toa = { SVC_WEB, CA_TOA, 1, 1 };
static const struct variant two_sp = { SVC_WEB, CA_PLAIN, 2, 1 };
static const struct variant two_sp_v2 = { SVC_WEB, CA_V2, 2, 1 };
static const struct variant v6_sp = { SVC_WEB6, CA_PLAIN, 1, 1 };
static const struct variant v6_sp_v2 = { SVC_WEB6, CA_V2, 1, 1 };
static const struct variant two_v6_sp = { SVC_WEB6, CA_PLAIN, 2, 1 };
static const struct variant n64_sp = { SVC_WEB64, CA_PLAIN, 1, 1 };
static const struct variant n64_sp_toa = { SVC_WEB64, CA_TOA, 1, 1 };
static const struct variant two_n64_sp_v1 = { SVC_WEB64, CA_V1, 2, 1 };

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdptcpfsrandom"); }

int
main(void)
{
#define TESTS(name, v)                                                                     \
	{ "test_tcpfs_random_loss" name, test_tcpfs_random_loss, setup_variant, fx_teardown,      \
	  (void *)&(v) },                                                                      \
	{ "test_tcpfs_random_down" name, test_tcpfs_random_down, setup_variant, fx_teardown,      \
	  (void *)&(v) },                                                                      \
	{ "test_tcpfs_random_answers" name, test_tcpfs_random_answers, setup_variant,           \
	  fx_teardown, (void *)&(v) }
	const struct CMUnitTest tests[] = {
		TESTS("", plain),
		TESTS("_proxy_v1", v1),
		TESTS("_proxy_v2", v2),
		TESTS("_toa", toa4),
		TESTS("_two_workers", two),
		TESTS("_syn_proxy", sp),
		TESTS("_v6", v6),
		TESTS("_v6_proxy_v2", v6_v2),
		TESTS("_nat64", n64),
		TESTS("_nat64_proxy_v1", n64_v1),
		TESTS("_nat64_toa", n64_toa),
		TESTS("_two_workers_proxy_v2", two_v2),
		TESTS("_two_workers_v6", two_v6),
		TESTS("_two_workers_nat64_toa", two_n64_toa),
		TESTS("_syn_proxy_proxy_v1", sp_v1),
		TESTS("_syn_proxy_proxy_v2", sp_v2),
		TESTS("_syn_proxy_toa", sp_toa),
		TESTS("_two_workers_syn_proxy", two_sp),
		TESTS("_two_workers_syn_proxy_proxy_v2", two_sp_v2),
		TESTS("_v6_syn_proxy", v6_sp),
		TESTS("_v6_syn_proxy_proxy_v2", v6_sp_v2),
		TESTS("_two_workers_v6_syn_proxy", two_v6_sp),
		TESTS("_nat64_syn_proxy", n64_sp),
		TESTS("_nat64_syn_proxy_toa", n64_sp_toa),
		TESTS("_two_workers_nat64_syn_proxy_proxy_v1", two_n64_sp_v1),
	};

	return cmocka_run_group_tests_name("dp_tcpfs_random", tests, eal_setup, fx_eal_teardown);
}
