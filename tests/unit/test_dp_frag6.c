/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: IPv6 fragments through the data-path fixture (dp_fixture.h), as
 * test_dp_frag.c does for IPv4. UDP datagrams cut here into fragments (a
 * Fragment header after the IPv6 header) reach the server whole - in order,
 * reversed, from the server to the client, across NAT64 as one IPv4
 * datagram - or cut again to the MTU when they are longer: the fragments
 * that leave are joined here as a receiver would (same identification, not
 * 0, offsets without hole or overlap, M on all but the last) and compared
 * byte for byte with the datagram the other side should get, its UDP
 * checksum computed here. Overlaps (RFC 5722), tiny first fragments (RFC
 * 7112), a datagram that never completes are dropped under their reasons;
 * destination options and a routing header before each Fragment header are
 * passed over; an atomic fragment (RFC 6946) goes on as the packet it is. Every test ends with the mbuf
 * pool as full as it started.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_thash.h>

#include "nc_dp.h"
#include "nc_net.h"
#include "nc_test_support.h"
#include "pkt_build.h"
#include "dp_fixture.h"

#define DGRAM_MAX 9100
#define IP6_AT    PB_ETH_LEN
#define L4_6      (PB_ETH_LEN + 40)      /* past the IPv6 header */
#define L4_4      (PB_ETH_LEN + 20)
#define FH_LEN    8
#define IP_MF     0x2000
#define IP_DF     0x4000

/* The frame of <p>'s UDP datagram (IPv6 or IPv4) with <n> payload bytes of a
 * pattern, into <out>; lengths and checksums computed here. Returns its length. */
static uint32_t
dgram(const struct pb_pkt *p, uint16_t n, uint8_t *out)
{
	struct pb_pkt h = *p;
	uint32_t hl, i, l4 = p->v6 ? L4_6 : L4_4;
	uint16_t c;

	h.payload = NULL;
	h.payload_len = 0;
	hl = pb_build(&h, out, PB_MAX_FRAME);
	assert_int_equal(hl, l4 + 8);
	for (i = 0; i < n; i++)
		out[hl + i] = (uint8_t)(i * 13 + 5);
	pb_put16(out + l4 + 4, (uint16_t)(8 + n));
	pb_put16(out + l4 + 6, 0);
	if (p->v6) {
		pb_put16(out + IP6_AT + 4, (uint16_t)(8 + n));
		c = pb_csum(out + l4, 8u + n, pb_pseudo_sum6(p->sip6, p->dip6, IPPROTO_UDP, 8u + n));
	} else {
		pb_put16(out + PB_IP_OFF + 2, (uint16_t)(20 + 8 + n));
		pb_put16(out + PB_IP_OFF + 10, 0);
		pb_put16(out + PB_IP_OFF + 10, pb_csum(out + PB_IP_OFF, 20, 0));
		c = pb_csum(out + l4, 8u + n, pb_pseudo_sum(p->sip, p->dip, IPPROTO_UDP, (uint16_t)(8 + n)));
	}
	pb_put16(out + l4 + 6, c == 0 ? 0xffff : c);
	return hl + n;
}

static int frag_rss;   /* rx_bytes(): an IPv6 fragment carries a NIC's RSS hash */

/* An mbuf of fx_pool with <len> bytes of <b>, from port 0, received by
 * worker <w>; with frag_rss, an IPv6 fragment with the hash a NIC gives
 * it: of its addresses alone. */
static void
rx_bytes(struct fx *f, unsigned int w, const uint8_t *b, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_pool);
	uint8_t *d;

	assert_non_null(m);
	d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, b, len);
	m->port = 0;
	if (frag_rss && pb_get16(b + 12) == 0x86dd && b[IP6_AT + 6] == 44) {
		uint32_t t[8], i;

		for (i = 0; i < 8; i++)
			t[i] = pb_get32(b + IP6_AT + 8 + 4 * i);
		m->hash.rss = rte_softrss(t, 8, nc_rss_key_default);
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	}
	nc_worker_rx(wk(f, w), 0, &m, 1);
}

/* rx_frag6(): extension headers before the Fragment header, as a sender
 * puts them in each fragment's unfragmentable part (RFC 8200 4.5): none, or
 * destination options (8 bytes, PadN) and a routing header with no segment
 * left (type 4, 24 bytes). */
static int frag_pre;
#define PRE_LEN 32

/* Receive on worker 0 the IPv6 fragment of payload bytes [<ofs>, <ofs> +
 * <len>) (past the IPv6 header) of datagram frame <dg>, identification
 * <id>, M set when <more>. */
static void
rx_frag6(struct fx *f, const uint8_t *dg, uint32_t ofs, uint32_t len, int more, uint32_t id)
{
	static uint8_t b[DGRAM_MAX];
	uint32_t pre = frag_pre ? PRE_LEN : 0;
	uint8_t *fh = b + L4_6 + pre;

	memcpy(b, dg, L4_6);
	b[IP6_AT + 6] = 44;
	if (frag_pre) {
		b[IP6_AT + 6] = 60;
		memset(b + L4_6, 0, PRE_LEN);
		b[L4_6] = 43;                     /* destination options, then routing */
		b[L4_6 + 2] = 1;                  /* PadN over the rest */
		b[L4_6 + 3] = 4;
		b[L4_6 + 8] = 44;                 /* routing, then the Fragment header */
		b[L4_6 + 9] = 2;
		b[L4_6 + 10] = 4;                 /* segment routing, */
		b[L4_6 + 11] = 0;                 /* no segment left */
	}
	pb_put16(b + IP6_AT + 4, (uint16_t)(pre + FH_LEN + len));
	fh[0] = dg[IP6_AT + 6];           /* next header: the datagram's */
	fh[1] = 0;
	pb_put16(fh + 2, (uint16_t)(ofs | (more ? 1 : 0)));
	pb_put32(fh + 4, id);
	memcpy(fh + FH_LEN, dg + L4_6 + ofs, len);
	rx_bytes(f, 0, b, L4_6 + pre + FH_LEN + len);
}

/* Receive on worker 0 the IPv4 fragment of bytes [<ofs>, <ofs> + <len>) of
 * IPv4 datagram frame <dg>, MF set when <more>. */
static void
rx_frag4(struct fx *f, const uint8_t *dg, uint32_t ofs, uint32_t len, int more)
{
	static uint8_t b[DGRAM_MAX];

	memcpy(b, dg, L4_4);
	memcpy(b + L4_4, dg + L4_4 + ofs, len);
	pb_put16(b + PB_IP_OFF + 2, (uint16_t)(20 + len));
	pb_put16(b + PB_IP_OFF + 6, (uint16_t)((more ? IP_MF : 0) | ofs / 8));
	pb_put16(b + PB_IP_OFF + 10, 0);
	pb_put16(b + PB_IP_OFF + 10, pb_csum(b + PB_IP_OFF, 20, 0));
	rx_bytes(f, 0, b, L4_4 + len);
}

/*
 * Join the <n> IPv6 fragments <fr> (any order) into the frame of their
 * datagram at <out>, as a receiver would: each a Fragment header right
 * after the IPv6 header, the same Ethernet and IPv6 header but for the
 * payload length, the same identification (not 0) and next header, M on
 * all but the last, no hole, no overlap, none over 1514 bytes, each
 * fragment's data a multiple of 8 but the last's. Returns its length.
 */
static uint32_t
join6(const struct frame *fr, unsigned int n, uint8_t *out)
{
	uint32_t next = 0, id = pb_get32(fr[0].b + L4_6 + 4);
	unsigned int done = 0, i;

	assert_int_not_equal(id, 0);
	while (done < n) {
		for (i = 0; i < n; i++) {
			const uint8_t *b = fr[i].b;
			uint16_t fd = pb_get16(b + L4_6 + 2);
			uint32_t len = pb_get16(b + IP6_AT + 4) - (uint32_t)FH_LEN;

			if ((uint32_t)(fd & ~7u) != next)
				continue;
			assert_true(fr[i].len <= 1514);
			assert_int_equal(fr[i].len, L4_6 + FH_LEN + len);
			assert_int_equal(b[IP6_AT + 6], 44);
			assert_int_equal(pb_get32(b + L4_6 + 4), id);
			assert_int_equal(b[L4_6 + 1], 0);
			if (done == 0) {
				memcpy(out, b, L4_6);
				out[IP6_AT + 6] = b[L4_6];
			} else {
				assert_memory_equal(out, b, IP6_AT + 4);
				assert_memory_equal(out + IP6_AT + 7, b + IP6_AT + 7, 33);
				assert_int_equal(out[IP6_AT + 6], b[L4_6]);
			}
			memcpy(out + L4_6 + next, b + L4_6 + FH_LEN, len);
			next += len;
			done++;
			assert_int_equal(fd & 1, done < n);
			if (done < n)
				assert_int_equal(len % 8, 0);
			break;
		}
		assert_true(i < n);   /* a hole, or an overlap */
	}
	pb_put16(out + IP6_AT + 4, (uint16_t)next);
	return L4_6 + next;
}

/* As join6() for IPv4 fragments (each IP checksum right, DF clear). */
static uint32_t
join4(const struct frame *fr, unsigned int n, uint8_t *out)
{
	uint32_t next = 0;
	unsigned int done = 0, i;

	while (done < n) {
		for (i = 0; i < n; i++) {
			const uint8_t *b = fr[i].b;
			uint16_t fo = pb_get16(b + PB_IP_OFF + 6);
			uint32_t len = pb_get16(b + PB_IP_OFF + 2) - 20u;

			if ((uint32_t)(fo & 0x1fff) * 8 != next)
				continue;
			assert_true(fr[i].len <= 1514);
			assert_int_equal(pb_csum(b + PB_IP_OFF, 20, 0), 0);
			assert_int_equal(fo & IP_DF, 0);
			if (done == 0)
				memcpy(out, b, L4_4);
			else
				assert_memory_equal(out + PB_IP_OFF + 4, b + PB_IP_OFF + 4, 2);
			memcpy(out + L4_4 + next, b + L4_4, len);
			next += len;
			done++;
			assert_int_equal(!!(fo & IP_MF), done < n);
			break;
		}
		assert_true(i < n);
	}
	pb_put16(out + PB_IP_OFF + 2, (uint16_t)(20 + next));
	pb_put16(out + PB_IP_OFF + 6, 0);
	pb_put16(out + PB_IP_OFF + 10, 0);
	pb_put16(out + PB_IP_OFF + 10, pb_csum(out + PB_IP_OFF, 20, 0));
	return L4_4 + next;
}

static unsigned int handed;   /* datagrams out_dgram() found handed to worker 1 */

/* The frames out of worker 0 as one datagram at <got>: joined when they
 * are fragments (IPv6 or IPv4), else the one frame. Returns its length. */
static uint32_t
out_dgram(struct fx *f, unsigned int want_frames, uint8_t *got)
{
	static struct frame fr[64];
	unsigned int nf = take_chained(f, 0, fr, RTE_DIM(fr));

	if (f->n_workers > 1 && nc_worker_handoff_poll(wk(f, 1)) != 0) {
		/* reassembled by worker 0, handed whole to the flow's owner */
		assert_int_equal(nf, 0);
		nf = take_chained(f, 1, fr, RTE_DIM(fr));
		handed++;
	}

	assert_int_equal(nf, want_frames);
	if (pb_get16(fr[0].b + 12) == 0x86dd && fr[0].b[IP6_AT + 6] == 44)
		return join6(fr, nf, got);
	if (pb_get16(fr[0].b + 12) == 0x0800 && nf > 1)
		return join4(fr, nf, got);
	memcpy(got, fr[0].b, fr[0].len);
	return fr[0].len;
}

/* Send datagram frame <dg> (<len> bytes) as IPv6 fragments of <cut> bytes
 * (the last what remains), in order or <reversed>. */
static void
send_frags6(struct fx *f, const uint8_t *dg, uint32_t len, uint32_t cut, int reversed, uint32_t id)
{
	uint32_t pl = len - L4_6, cnt = (pl + cut - 1) / cut, k;

	for (k = 0; k < cnt; k++) {
		uint32_t i = reversed ? cnt - 1 - k : k, ofs = i * cut;

		rx_frag6(f, dg, ofs, RTE_MIN(cut, pl - ofs), i + 1 < cnt, id);
	}
}

/* A client's UDP datagram to dns6 (or dns64 with <nat64>). */
static void
client_udp6(struct pb_pkt *p, uint16_t sport, int nat64)
{
	client6(p, IPPROTO_UDP, sport);
	if (nat64)
		memcpy(p->dip6, ip6_vip64, 16);
}

/*
 * The client's datagram of <n> payload bytes to dns6 in fragments of <cut>;
 * what leaves (<want_frames> frames) is joined and compared with the
 * datagram the server should get. Returns the server and local port.
 */
static void
client_dgram6(struct fx *f, const struct pb_pkt *p, uint16_t n, uint32_t cut, int reversed,
	      unsigned int want_frames, int *server, uint16_t *lport)
{
	static uint8_t dg[DGRAM_MAX], want[DGRAM_MAX], got[DGRAM_MAX];
	uint32_t len = dgram(p, n, dg), glen, wlen;
	struct frame fr;
	struct pb_pkt w;

	send_frags6(f, dg, len, cut, reversed, 0x12345678u + n);
	glen = out_dgram(f, want_frames, got);
	memcpy(fr.b, got, 64);
	fr.len = glen;
	*server = server6_of(&fr);
	*lport = lport6_of(&fr);
	w = nat6_c2s(p, *server, *lport);
	wlen = dgram(&w, n, want);
	assert_bytes(got, glen, want, wlen);
}

/* The client's 300-byte datagram from <sport> to dns6 as an atomic fragment
 * (identification <id>): the server gets it whole, without the header. */
static void
atomic6(struct fx *f, uint16_t sport, uint32_t id)
{
	static uint8_t dg[DGRAM_MAX], want[DGRAM_MAX], got[DGRAM_MAX];
	uint32_t len, glen, wlen;
	struct pb_pkt p, w;
	struct frame fr;

	client_udp6(&p, sport, 0);
	len = dgram(&p, 300, dg);
	rx_frag6(f, dg, 0, len - L4_6, 0, id);
	glen = out_dgram(f, 1, got);
	memcpy(fr.b, got, 64);
	w = nat6_c2s(&p, server6_of(&fr), lport6_of(&fr));
	wlen = dgram(&w, 300, want);
	assert_bytes(got, glen, want, wlen);
}

static void
test_in_order(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p;
	uint16_t lport;
	int s;

	client_udp6(&p, 40001, 0);
	client_dgram6(f, &p, 1000, 400, 0, 1, &s, &lport);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 1);
	assert_int_equal(st.frag6_reassembled, 1);
	assert_int_equal(st.frag_fragmented, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Destination options and a routing header with no segment left before
 * each fragment's Fragment header (the unfragmentable part, RFC 8200 4.5;
 * ours to read, as on an unfragmented packet): taken out, the datagram
 * reassembled and forwarded as any, in order and reversed; an atomic
 * fragment so too. */
static void
test_ext_before(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p;
	uint16_t lport;
	int s;

	client_udp6(&p, 40011, 0);
	client_dgram6(f, &p, 1000, 400, 0, 1, &s, &lport);
	client_udp6(&p, 40012, 0);
	client_dgram6(f, &p, 1200, 304, 1, 1, &s, &lport);
	atomic6(f, 40013, 0xabcd);
	stats(f, &st);
	assert_int_equal(st.frag6_reassembled, 2);
	assert_int_equal(st.frag_atomic, 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void
test_reversed(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p;
	uint16_t lport;
	int s;

	client_udp6(&p, 40002, 0);
	client_dgram6(f, &p, 1200, 304, 1, 1, &s, &lport);
	stats(f, &st);
	assert_int_equal(st.frag6_reassembled, 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Longer than the MTU: cut again on the way to the server (1448 bytes of
 * data a fragment); the server's fragmented answer reaches the client
 * whole when it fits, cut again when it does not. */
static void
test_over_mtu_both_legs(void **state)
{
	static uint8_t dg[DGRAM_MAX], want[DGRAM_MAX], got[DGRAM_MAX];
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p, s, w;
	uint32_t len, glen, wlen;
	uint16_t lport;
	int srv;

	client_udp6(&p, 40003, 0);
	/* 4008 bytes of UDP in 8 fragments of 504: out in 1448s, 3 of them */
	client_dgram6(f, &p, 4000, 504, 0, 3, &srv, &lport);
	stats(f, &st);
	assert_int_equal(st.frag6_reassembled, 1);
	assert_int_equal(st.frag_fragmented, 1);
	assert_int_equal(st.frag6_fragmented, 1);
	assert_int_equal(st.frag_out, 3);

	server6(&s, &p, srv, lport);
	len = dgram(&s, 1200, dg);                  /* fits: whole */
	send_frags6(f, dg, len, 608, 0, 77);
	glen = out_dgram(f, 1, got);
	w = nat6_s2c(&s, &p);
	wlen = dgram(&w, 1200, want);
	assert_bytes(got, glen, want, wlen);
	len = dgram(&s, 2900, dg);                  /* does not: 3 fragments */
	send_frags6(f, dg, len, 1448, 1, 78);
	glen = out_dgram(f, 3, got);
	wlen = dgram(&w, 2900, want);
	assert_bytes(got, glen, want, wlen);
	stats(f, &st);
	assert_int_equal(st.frag6_reassembled, 3);
	assert_int_equal(st.frag6_fragmented, 2);
	assert_int_equal(st.frag_out, 6);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* RFC 5722: a fragment over bytes already received drops the datagram:
 * it and every later fragment counted, the first held one expires; a new
 * datagram of the same client is reassembled. */
static void
test_overlap(void **state)
{
	static uint8_t dg[DGRAM_MAX];
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_dp_stats st;
	struct pb_pkt p;
	uint32_t len;
	uint16_t lport;
	int s;

	f->vclock = 1;
	tick(f, 0);
	client_udp6(&p, 40005, 0);
	len = dgram(&p, 1000, dg);
	rx_frag6(f, dg, 0, 400, 1, 5);
	rx_frag6(f, dg, 392, 400, 1, 5);   /* 8 bytes over the first */
	rx_frag6(f, dg, 792, len - L4_6 - 792, 0, 5);
	rx_frag6(f, dg, 400, 392, 1, 5);
	expect_none(f, 0);
	want[NC_DROP_FRAG_OVERLAP] = 3;
	assert_drops(f, want);
	f->vnow_ms += 2001;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	want[NC_DROP_FRAG_EXPIRED] = 1;
	assert_drops(f, want);
	assert_no_leak(f);
	client_dgram6(f, &p, 1000, 400, 0, 1, &s, &lport);
	stats(f, &st);
	assert_int_equal(st.frag6_reassembled, 1);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* RFC 7112 / 3128: a first TCP fragment without the whole TCP header, a
 * TCP fragment at offset 8; ICMPv6 in fragments, a fragment whose length is
 * not a multiple of 8 with M set: not reassembled. */
static void
test_tiny_and_refused(void **state)
{
	static uint8_t b[256];
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt p;
	uint8_t pay[64] = { 0 };
	uint32_t len;

	client6(&p, IPPROTO_TCP, 40006);
	p.payload = pay;
	p.payload_len = sizeof(pay);
	len = pb_build(&p, b, sizeof(b));
	assert_int_equal(len, L4_6 + 20 + 64);
	rx_frag6(f, b, 0, 16, 1, 6);          /* 16 of 20 header bytes */
	rx_frag6(f, b, 8, 24, 1, 6);          /* TCP at offset 8 */
	want[NC_DROP_FRAG_TINY] = 2;
	assert_drops(f, want);
	rx_frag6(f, b, 0, 20, 1, 7);          /* 20 with M: not a multiple of 8 */
	want[NC_DROP_IP_FRAGMENT] = 1;
	assert_drops(f, want);
	/* ICMPv6 echo request in fragments */
	client6(&p, 58, 0);
	len = pb_build(&p, b, sizeof(b));
	b[IP6_AT + 6] = 58;
	rx_frag6(f, b, 0, 8, 1, 9);
	want[NC_DROP_IP_FRAGMENT] = 2;
	expect_none(f, 0);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* A datagram whose last fragment never comes: its fragments expire after
 * 2 s (the worker's virtual clock), counted, back in the pool. */
static void
test_timeout(void **state)
{
	static uint8_t dg[DGRAM_MAX];
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	unsigned int avail;
	struct pb_pkt p;

	f->vclock = 1;
	tick(f, 0);
	avail = rte_mempool_avail_count(fx_pool);
	client_udp6(&p, 40008, 0);
	dgram(&p, 1200, dg);
	rx_frag6(f, dg, 0, 400, 1, 8);
	rx_frag6(f, dg, 400, 400, 1, 8);
	expect_none(f, 0);
	assert_int_equal(rte_mempool_avail_count(fx_pool), avail - 2);
	f->vnow_ms += 1999;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	assert_int_equal(drops_total(f), 0);
	f->vnow_ms += 2;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	want[NC_DROP_FRAG_EXPIRED] = 2;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* RFC 6946: offset 0 and M clear - the whole packet, whatever its
 * identification: forwarded at once without the Fragment header. */
static void
test_atomic(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;

	atomic6(f, 40009, 0xabcdef);
	stats(f, &st);
	assert_int_equal(st.frag_atomic, 1);
	assert_int_equal(st.frag6_reassembled, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * NAT64: the client's IPv6 datagram in fragments becomes one IPv4
 * datagram for the server (DF clear: it came in fragments, RFC 7915
 * 5.1.1), cut to 1480-byte IPv4 fragments when it is longer than the MTU;
 * the server's IPv4 answer in fragments becomes IPv6 for the client, cut
 * into IPv6 fragments when over the MTU.
 */
static void
test_nat64(void **state)
{
	static uint8_t dg[DGRAM_MAX], want[DGRAM_MAX], got[DGRAM_MAX];
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p, w, s;
	struct frame fr;
	uint32_t len, glen, wlen;
	uint16_t lport;
	int srv;

	client_udp6(&p, 40010, 1);
	len = dgram(&p, 1000, dg);
	send_frags6(f, dg, len, 504, 0, 10);
	glen = out_dgram(f, 1, got);
	memcpy(fr.b, got, 64);
	srv = server4_of(&fr);
	lport = (uint16_t)pb_get16(got + L4_4);
	w = nat64_c2s(&p, srv, lport);
	w.frag = 0;
	w.ip_id = pb_get16(got + PB_IP_OFF + 4);   /* one of the worker's */
	wlen = dgram(&w, 1000, want);
	assert_bytes(got, glen, want, wlen);

	/* over the MTU as IPv4: cut to it */
	len = dgram(&p, 3000, dg);
	send_frags6(f, dg, len, 1232, 0, 11);
	glen = out_dgram(f, 3, got);
	w.ip_id = pb_get16(got + PB_IP_OFF + 4);
	wlen = dgram(&w, 3000, want);
	assert_bytes(got, glen, want, wlen);

	/* the server's answer in IPv4 fragments, 2900 bytes: over the MTU as
	 * IPv6, out in IPv6 fragments */
	pb_init(&s, IPPROTO_UDP);
	memcpy(s.dst_mac, mac_port, 6);
	memcpy(s.src_mac, mac_srv[srv], 6);
	s.sip = ip_srv[srv];
	s.dip = IP_LIP;
	s.sport = DNS_PORT;
	s.dport = lport;
	s.frag = 0;
	s.ip_id = 0x4242;
	s.ttl = 61;
	len = dgram(&s, 2900, dg);
	rx_frag4(f, dg, 0, 1480, 1);
	rx_frag4(f, dg, 1480, len - L4_4 - 1480, 0);
	glen = out_dgram(f, 3, got);
	w = nat64_s2c(&s, &p);
	wlen = dgram(&w, 2900, want);
	assert_bytes(got, glen, want, wlen);
	stats(f, &st);
	assert_int_equal(st.frag6_reassembled, 2);
	assert_int_equal(st.frag_reassembled, 3);
	assert_int_equal(st.frag6_fragmented, 1);
	assert_int_equal(st.frag_fragmented, 2);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Two workers: the one that receives the fragments reassembles; the
 * datagram goes to its flow's owner through the handoff ring, whole. */
static void
test_two_workers(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	unsigned int i;

	assert_int_equal(f->n_workers, 2);
	handed = 0;
	for (i = 0; i < 8; i++) {
		struct pb_pkt p;
		uint16_t lport;
		int s;

		client_udp6(&p, (uint16_t)(41000 + i), 0);
		client_dgram6(f, &p, 2000, 504, i % 2, 2, &s, &lport);
	}
	assert_true(handed > 0 && handed < 8);
	stats(f, &st);
	assert_int_equal(st.frag6_reassembled, 8);
	assert_int_equal(st.handoff_out, handed);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* With the port's RSS predicted: a datagram reassembled from fragments,
 * which a NIC hashes by addresses alone, is owned by the worker its ports'
 * hash names, as the flow's whole datagrams are, and its local port sends
 * the server's answers there. */
static void
test_two_workers_rss(void **state)
{
	struct fx *f = *state;
	unsigned int i, owners[2] = { 0, 0 };

	assert_int_equal(f->n_workers, 2);
	handed = 0;
	frag_rss = 1;
	for (i = 0; i < 8; i++) {
		struct pb_pkt p;
		uint32_t t[9], j, q, before = handed;
		uint16_t lport;
		int s;

		client_udp6(&p, (uint16_t)(44000 + 3 * i), 0);
		client_dgram6(f, &p, 2000, 504, i % 2, 2, &s, &lport);
		for (j = 0; j < 4; j++) {
			t[j] = pb_get32(p.sip6 + 4 * j);
			t[4 + j] = pb_get32(p.dip6 + 4 * j);
		}
		t[8] = (uint32_t)p.sport << 16 | p.dport;
		q = rte_softrss(t, 9, nc_rss_key_default) & 1;
		assert_int_equal(handed - before, q);   /* sent by the owner */
		assert_int_equal(lport % 2, q);
		owners[q]++;
	}
	frag_rss = 0;
	assert_true(owners[0] > 0 && owners[1] > 0);
	assert_int_equal(nc_dp_flow_count(f->dp), 8);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void
tweak_v6_two(struct nc_config *c)
{
	tweak_v6(c);
	tweak_two_workers(c);
}

static int setup_v6_two(void **state) { return fx_setup(state, tweak_v6_two); }
static int setup_v6_two_rss(void **state) { return fx_setup_rss(state, tweak_v6_two); }

/* A port that sends single-segment frames only (net_af_xdp): every frame
 * that leaves is one buffer - a reassembled datagram within the MTU, and
 * each fragment of one cut again - with the same bytes as on other ports. */
static void
test_in_order_one_seg(void **state)
{
	test_in_order(state);
	assert_int_equal(((struct fx *)*state)->tx_segs_max, 1);
}

static void
test_over_mtu_both_legs_one_seg(void **state)
{
	test_over_mtu_both_legs(state);
	assert_int_equal(((struct fx *)*state)->tx_segs_max, 1);
}

static void
test_nat64_one_seg(void **state)
{
	test_nat64(state);
	assert_int_equal(((struct fx *)*state)->tx_segs_max, 1);
}

static int setup_one_seg(void **state) { return fx_setup_one_seg(state, tweak_v6); }

static int setup_one_seg_64(void **state) { return fx_setup_one_seg(state, tweak_v6_64); }

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpfrag6"); }

static int setup_v6(void **state) { return fx_setup(state, tweak_v6); }

/* test_ext_before: every fragment with extension headers before its own */
static int setup_pre(void **state) { frag_pre = 1; return fx_setup(state, tweak_v6); }
static int teardown_pre(void **state) { frag_pre = 0; return fx_teardown(state); }

static int setup_v6_64(void **state) { return fx_setup(state, tweak_v6_64); }

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_v6, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_in_order),
		T(test_reversed),
		cmocka_unit_test_setup_teardown(test_ext_before, setup_pre, teardown_pre),
		T(test_over_mtu_both_legs),
		T(test_overlap),
		T(test_tiny_and_refused),
		T(test_timeout),
		T(test_atomic),
		cmocka_unit_test_setup_teardown(test_nat64, setup_v6_64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_two_workers, setup_v6_two, fx_teardown),
		cmocka_unit_test_setup_teardown(test_two_workers_rss, setup_v6_two_rss, fx_teardown),
		cmocka_unit_test_setup_teardown(test_in_order_one_seg, setup_one_seg, fx_teardown),
		cmocka_unit_test_setup_teardown(test_over_mtu_both_legs_one_seg, setup_one_seg, fx_teardown),
		cmocka_unit_test_setup_teardown(test_nat64_one_seg, setup_one_seg_64, fx_teardown),
	};

	return cmocka_run_group_tests_name("dp_frag6", tests, eal_setup, fx_eal_teardown);
}
