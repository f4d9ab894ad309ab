/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: IPv4 fragments through the data-path fixture (dp_fixture.h). UDP
 * datagrams cut into fragments here reach the server whole (in order, in
 * reverse), or cut again to the MTU when they are longer: the fragments
 * that leave are joined here and compared byte for byte with the datagram
 * the server should get (the server leg's addresses, a UDP checksum
 * computed here). The server's fragmented answer reaches the client the
 * same way. Overlaps, tiny fragments, a datagram that never completes and
 * one with DF over the MTU are dropped under their own reasons. Every test
 * ends with the mbuf pool as full as it started.
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
#define IP_MF     0x2000
#define IP_DF     0x4000
#define L4_AT     (PB_ETH_LEN + 20)

/*
 * The frame of the UDP datagram of <p>'s headers (no DF unless p->frag has
 * it) with <n> payload bytes of a pattern, into <out>; its IP and UDP
 * checksums computed here. Longer than pb_build() allows. Returns its length.
 */
static uint32_t
dgram(const struct pb_pkt *p, uint16_t n, uint8_t *out)
{
	struct pb_pkt h = *p;
	uint32_t hl, i;
	uint16_t c;

	h.payload = NULL;
	h.payload_len = 0;
	hl = pb_build(&h, out, PB_MAX_FRAME);
	assert_int_equal(hl, L4_AT + 8);
	for (i = 0; i < n; i++)
		out[hl + i] = (uint8_t)(i * 7 + 3);
	pb_put16(out + PB_IP_OFF + 2, (uint16_t)(20 + 8 + n));
	pb_put16(out + PB_IP_OFF + 10, 0);
	pb_put16(out + PB_IP_OFF + 10, pb_csum(out + PB_IP_OFF, 20, 0));
	pb_put16(out + L4_AT + 4, (uint16_t)(8 + n));
	pb_put16(out + L4_AT + 6, 0);
	c = pb_csum(out + L4_AT, 8u + n, pb_pseudo_sum(p->sip, p->dip, IPPROTO_UDP, (uint16_t)(8 + n)));
	pb_put16(out + L4_AT + 6, c == 0 ? 0xffff : c);
	return hl + n;
}

static int frag_rss;   /* rx_frag(): the mbuf carries a NIC's RSS hash of a fragment */

/* Receive on worker 0 the fragment of IP payload bytes [<ofs>, <ofs> + <len>)
 * of datagram frame <dg>, MF set when <more>; with frag_rss, the hash a
 * NIC gives a fragment: of its addresses alone. */
static void
rx_frag(struct fx *f, const uint8_t *dg, uint32_t ofs, uint32_t len, int more)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_pool);
	uint8_t *b;

	assert_non_null(m);
	b = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(L4_AT + len));
	assert_non_null(b);
	memcpy(b, dg, L4_AT);
	memcpy(b + L4_AT, dg + L4_AT + ofs, len);
	pb_put16(b + PB_IP_OFF + 2, (uint16_t)(20 + len));
	pb_put16(b + PB_IP_OFF + 6, (uint16_t)((pb_get16(dg + PB_IP_OFF + 6) & IP_DF) |
					       (more ? IP_MF : 0) | ofs / 8));
	pb_put16(b + PB_IP_OFF + 10, 0);
	pb_put16(b + PB_IP_OFF + 10, pb_csum(b + PB_IP_OFF, 20, 0));
	m->port = 0;
	if (frag_rss) {
		uint32_t t[2] = { pb_get32(b + PB_IP_OFF + 12), pb_get32(b + PB_IP_OFF + 16) };

		m->hash.rss = rte_softrss(t, 2, nc_rss_key_default);
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	}
	nc_worker_rx(wk(f, 0), 0, &m, 1);
}

/*
 * Join the <n> fragments <fr> (in any order) into the frame of their
 * datagram at <out>, as a receiver would: each fragment's IP checksum
 * right, the same Ethernet and IP header but for length, flags and offset,
 * MF on all but the last, no hole, no overlap, none over 1514 bytes. The
 * joined header gets offset 0, no MF and its checksum. Returns its length.
 */
static uint32_t
join(const struct frame *fr, unsigned int n, uint8_t *out)
{
	uint32_t next = 0, total = 0;
	unsigned int done = 0, i;

	while (done < n) {
		for (i = 0; i < n; i++) {
			const uint8_t *b = fr[i].b;
			uint16_t fo = pb_get16(b + PB_IP_OFF + 6);
			uint32_t len = pb_get16(b + PB_IP_OFF + 2) - 20u;

			if ((uint32_t)(fo & 0x1fff) * 8 != next)
				continue;
			assert_true(fr[i].len <= 1514);
			assert_int_equal(fr[i].len, L4_AT + len);
			assert_int_equal(pb_csum(b + PB_IP_OFF, 20, 0), 0);
			if (done == 0)
				memcpy(out, b, L4_AT);
			else   /* the same header but for length, offset and checksum */
				assert_memory_equal(out + PB_IP_OFF + 4, b + PB_IP_OFF + 4, 2);
			assert_memory_equal(out, b, PB_IP_OFF + 2);
			assert_memory_equal(out + PB_IP_OFF + 8, b + PB_IP_OFF + 8, 2);
			assert_memory_equal(out + PB_IP_OFF + 12, b + PB_IP_OFF + 12, 8);
			memcpy(out + L4_AT + next, b + L4_AT, len);
			next += len;
			done++;
			assert_int_equal(!!(fo & IP_MF), done < n);
			break;
		}
		assert_true(i < n);   /* a hole, or an overlap */
	}
	total = L4_AT + next;
	pb_put16(out + PB_IP_OFF + 2, (uint16_t)(20 + next));
	pb_put16(out + PB_IP_OFF + 6, pb_get16(out + PB_IP_OFF + 6) & IP_DF);
	pb_put16(out + PB_IP_OFF + 10, 0);
	pb_put16(out + PB_IP_OFF + 10, pb_csum(out + PB_IP_OFF, 20, 0));
	return total;
}

/* A client's UDP datagram to the DNS service, DF clear. */
static void
client_udp(struct pb_pkt *p, uint16_t sport, uint16_t id)
{
	client_pkt(p, IPPROTO_UDP, sport);
	p->frag = 0;
	p->ip_id = id;
}

/*
 * Send the client's datagram of <n> payload bytes as fragments of <cut>
 * IP payload bytes each (the last what remains), in order or <reversed>;
 * the frames out are joined and compared with the datagram the server
 * should get. The flow is learnt into <fl>.
 */
static void
client_dgram(struct fx *f, const struct pb_pkt *p, uint16_t n, uint32_t cut, int reversed,
	     unsigned int want_frames, struct flow *fl)
{
	static uint8_t dg[DGRAM_MAX], want[DGRAM_MAX], got[DGRAM_MAX];
	static struct frame fr[64];
	uint32_t len = dgram(p, n, dg), ipl = len - L4_AT, k, cnt = (ipl + cut - 1) / cut, glen, wlen;
	unsigned int nf;
	struct pb_pkt w;

	for (k = 0; k < cnt; k++) {
		uint32_t i = reversed ? cnt - 1 - k : k, ofs = i * cut;

		rx_frag(f, dg, ofs, RTE_MIN(cut, ipl - ofs), i + 1 < cnt);
	}
	nf = take_chained(f, 0, fr, RTE_DIM(fr));
	fl->owner = 0;
	if (f->n_workers > 1 && nc_worker_handoff_poll(wk(f, 1)) != 0) {
		/* reassembled by the receiving worker, handed to the flow's owner */
		assert_int_equal(nf, 0);
		nf = take_chained(f, 1, fr, RTE_DIM(fr));
		fl->owner = 1;
	}
	assert_int_equal(nf, want_frames);
	glen = join(fr, nf, got);
	fl->c = *p;
	fl->server = server_of(&fr[0]);
	fl->lport = lport_of(&fr[0]);
	w = nat_c2s(p, fl->server, fl->lport);
	wlen = dgram(&w, n, want);
	assert_bytes(got, glen, want, wlen);
}

static void
test_in_order(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p;
	struct flow fl;

	client_udp(&p, 40001, 0x1001);
	client_dgram(f, &p, 1000, 400, 0, 1, &fl);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 1);
	assert_int_equal(st.frag_fragmented, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void
test_reversed(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p;
	struct flow fl;

	client_udp(&p, 40002, 0x1002);
	client_dgram(f, &p, 1200, 304, 1, 1, &fl);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* Longer than the MTU: cut again on the way out, to the server; and the
 * server's fragmented answer reaches the client, cut again too. */
static void
test_over_mtu_both_legs(void **state)
{
	static uint8_t dg[DGRAM_MAX], want[DGRAM_MAX], got[DGRAM_MAX];
	static struct frame fr[64];
	struct fx *f = *state;
	struct nc_dp_stats st;
	struct pb_pkt p, s, w;
	struct flow fl;
	uint32_t len, glen, wlen;

	client_udp(&p, 40003, 0x1003);
	/* 4000 bytes of IP payload in 8 fragments of 504: out in 1480s */
	client_dgram(f, &p, 3992, 504, 0, 3, &fl);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 1);
	assert_int_equal(st.frag_fragmented, 1);
	assert_int_equal(st.frag_out, 3);

	server_pkt(&s, &p, fl.server, fl.lport);
	s.frag = 0;
	s.ip_id = 0x2002;
	len = dgram(&s, 2900, dg);
	rx_frag(f, dg, 0, 1480, 1);
	rx_frag(f, dg, 1480, len - L4_AT - 1480, 0);
	assert_int_equal(take_chained(f, 0, fr, RTE_DIM(fr)), 2);
	glen = join(fr, 2, got);
	w = nat_s2c(&s, &p);
	wlen = dgram(&w, 2900, want);
	assert_bytes(got, glen, want, wlen);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 2);
	assert_int_equal(st.frag_fragmented, 2);
	assert_int_equal(st.frag_out, 5);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* DF on the fragments of a datagram longer than the MTU: not forwarded. */
static void
test_df_over_mtu(void **state)
{
	static uint8_t dg[DGRAM_MAX];
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt p;

	client_udp(&p, 40004, 0x1004);
	p.frag = IP_DF;
	dgram(&p, 1600, dg);
	rx_frag(f, dg, 0, 1000, 1);
	rx_frag(f, dg, 1000, 608, 0);
	expect_none(f, 0);
	want[NC_DROP_FRAG_DF] = 1;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* RFC 1858: a fragment over bytes already received is dropped, and so is
 * every later fragment of its datagram; the first one held expires. */
static void
test_overlap(void **state)
{
	static uint8_t dg[DGRAM_MAX];
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct nc_dp_stats st;
	struct pb_pkt p;
	struct flow fl;

	f->vclock = 1;
	tick(f, 0);
	client_udp(&p, 40005, 0x1005);
	dgram(&p, 1000, dg);
	rx_frag(f, dg, 0, 400, 1);
	rx_frag(f, dg, 392, 400, 1);   /* 8 bytes over the first */
	rx_frag(f, dg, 792, 216, 0);   /* fits, but its datagram had an overlap */
	rx_frag(f, dg, 400, 392, 1);   /* so does this one */
	expect_none(f, 0);
	want[NC_DROP_FRAG_OVERLAP] = 3;
	assert_drops(f, want);
	f->vnow_ms += 2001;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	want[NC_DROP_FRAG_EXPIRED] = 1;
	assert_drops(f, want);
	assert_no_leak(f);
	/* a new datagram of the same client is reassembled */
	client_udp(&p, 40005, 0x1006);
	client_dgram(f, &p, 1000, 400, 0, 1, &fl);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 1);
	assert_drops(f, want);
	assert_no_leak(f);
}

/* RFC 3128: a first fragment without the whole TCP header, a TCP fragment
 * at offset 8; a fragment of a bad length and a protocol not reassembled. */
static void
test_tiny(void **state)
{
	static uint8_t dg[DGRAM_MAX];
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt p;
	uint8_t pay[64] = { 0 };

	client_udp(&p, 40006, 0x1007);
	dgram(&p, 100, dg);
	rx_frag(f, dg, 0, 4, 1);                /* 4 bytes: no fragment but the last
						 * has a length not a multiple of 8 */
	client_pkt(&p, IPPROTO_TCP, 40007);
	p.frag = 0;
	p.tcp_doff = 8;                         /* 32 bytes of TCP header */
	p.payload = pay;
	p.payload_len = sizeof(pay);
	{
		uint8_t b[PB_MAX_FRAME];

		pb_build(&p, b, sizeof(b));
		rx_frag(f, b, 0, 24, 1);        /* 24 of the 32 */
		rx_frag(f, b, 8, 24, 1);        /* TCP at offset 8 */
	}
	p.proto = IPPROTO_ICMP;
	p.frag = IP_MF;
	rx(f, 0, &p);                           /* ICMP: not reassembled */
	expect_none(f, 0);
	want[NC_DROP_IP_FRAGMENT] = 2;
	want[NC_DROP_FRAG_TINY] = 2;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* A datagram whose last fragment never comes: its fragments expire after
 * 2 s, counted, back in the pool; the late last one waits alone again. */
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
	client_udp(&p, 40008, 0x1008);
	dgram(&p, 1200, dg);
	rx_frag(f, dg, 0, 400, 1);
	rx_frag(f, dg, 400, 400, 1);
	expect_none(f, 0);
	assert_int_equal(rte_mempool_avail_count(fx_pool), avail - 2);
	f->vnow_ms += 1999;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	assert_int_equal(drops_total(f), 0);   /* not yet */
	f->vnow_ms += 2;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	want[NC_DROP_FRAG_EXPIRED] = 2;
	assert_drops(f, want);
	assert_no_leak(f);
	rx_frag(f, dg, 800, 408, 0);
	expect_none(f, 0);
	f->vnow_ms += 2001;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	want[NC_DROP_FRAG_EXPIRED] = 3;
	assert_drops(f, want);
	assert_no_leak(f);
}

/* Two workers: the one that receives the fragments reassembles; the
 * datagram goes to its flow's owner through the handoff ring, whole. */
static void
test_two_workers(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	unsigned int i, handed = 0;

	assert_int_equal(f->n_workers, 2);
	for (i = 0; i < 8; i++) {
		struct pb_pkt p;
		struct flow fl;

		client_udp(&p, (uint16_t)(41000 + i), (uint16_t)(0x3000 + i));
		client_dgram(f, &p, 2000, 504, i % 2, 2, &fl);
		handed += fl.owner;
	}
	assert_true(handed > 0 && handed < 8);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 8);
	assert_int_equal(st.handoff_out, handed);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* With the port's RSS predicted (two workers), a datagram reassembled from
 * fragments - which a NIC hashes by their addresses alone - belongs to the
 * worker its ports' hash names, as the flow's whole datagrams do: the
 * datagram, then a whole one at the queue RSS gives it, are one flow on one
 * worker, and the server's answer reaches that worker unhanded. */
static void
test_two_workers_rss(void **state)
{
	struct fx *f = *state;
	struct nc_dp_stats st;
	unsigned int i, owners[2] = { 0, 0 };

	assert_int_equal(f->n_workers, 2);
	frag_rss = 1;
	for (i = 0; i < 8; i++) {
		struct pb_pkt p, s, want;
		struct frame fr;
		struct flow fl;
		struct rte_mbuf *m;
		uint32_t t[3], q;

		client_udp(&p, (uint16_t)(42000 + 3 * i), (uint16_t)(0x4000 + i));
		client_dgram(f, &p, 2000, 504, i % 2, 2, &fl);
		t[0] = p.sip;
		t[1] = p.dip;
		t[2] = (uint32_t)p.sport << 16 | p.dport;
		q = rte_softrss(t, 3, nc_rss_key_default) & 1;
		assert_int_equal(fl.owner, q);
		owners[q]++;
		/* a whole datagram of the flow, where RSS puts it: no new flow */
		p.ip_id = (uint16_t)(0x5000 + i);
		m = mk(&p);
		m->hash.rss = rte_softrss(t, 3, nc_rss_key_default);
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
		assert_int_equal(deliver_m(f, q, m, &fr), q);
		want = nat_c2s(&p, fl.server, fl.lport);
		assert_wire(&fr, &want);
		server_pkt(&s, &p, fl.server, fl.lport);
		t[0] = s.sip;
		t[1] = s.dip;
		t[2] = (uint32_t)s.sport << 16 | s.dport;
		assert_int_equal(rte_softrss(t, 3, nc_rss_key_default) & 1, q);
	}
	frag_rss = 0;
	assert_true(owners[0] > 0 && owners[1] > 0);
	assert_int_equal(nc_dp_flow_count(f->dp), 8);
	stats(f, &st);
	assert_int_equal(st.frag_reassembled, 8);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* More fragments than the table keeps for a datagram (8): it refuses the
 * datagram, every fragment held counted with the one that overflowed; the
 * last, alone again, expires. */
static void
test_too_many(void **state)
{
	static uint8_t dg[DGRAM_MAX];
	struct fx *f = *state;
	uint64_t want[NC_DROP_MAX] = { 0 };
	struct pb_pkt p;
	uint32_t ofs;

	f->vclock = 1;
	tick(f, 0);
	client_udp(&p, 40010, 0x100a);
	dgram(&p, 1000, dg);   /* 1008 bytes of IP payload: 9 fragments of 112 */
	for (ofs = 0; ofs < 1008; ofs += 112)
		rx_frag(f, dg, ofs, 112, ofs + 112 < 1008);
	expect_none(f, 0);
	want[NC_DROP_FRAG_REFUSED] = 8;
	assert_drops(f, want);
	f->vnow_ms += 2001;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 16);
	want[NC_DROP_FRAG_EXPIRED] = 1;
	assert_drops(f, want);
	assert_no_leak(f);
}

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

static int setup_one_seg(void **state) { return fx_setup_one_seg(state, NULL); }

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpfrag"); }

static int setup_two_workers(void **state) { return fx_setup(state, tweak_two_workers); }
static int setup_two_workers_rss(void **state) { return fx_setup_rss(state, tweak_two_workers); }

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_lab, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_in_order),
		T(test_reversed),
		T(test_over_mtu_both_legs),
		T(test_df_over_mtu),
		T(test_overlap),
		T(test_tiny),
		T(test_timeout),
		T(test_too_many),
		cmocka_unit_test_setup_teardown(test_two_workers, setup_two_workers, fx_teardown),
		cmocka_unit_test_setup_teardown(test_two_workers_rss, setup_two_workers_rss,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_in_order_one_seg, setup_one_seg, fx_teardown),
		cmocka_unit_test_setup_teardown(test_over_mtu_both_legs_one_seg, setup_one_seg, fx_teardown),
	};

	return cmocka_run_group_tests_name("dp_frag", tests, eal_setup, fx_eal_teardown);
}
