/* SPDX-License-Identifier: BSD-3-Clause
 * lib/monitor probe frames: each probe's first frame byte for byte against the
 * independent builder (pkt_build), each conversation (tcp, http, udp, icmp)
 * with the server's answers built by pkt_build, the answers that must be
 * ignored, ICMP destination unreachable, timeouts and their RSTs, too little
 * room, and answers truncated at every length or with any one bit flipped
 * (read from exact-size heap copies: the sanitize build catches any read past
 * the end); the same over IPv6 (ICMPv6 echo and unreachable).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nc_probe.h"
#include "pkt_build.h"

#define LOCAL_IP    PB_IP(10, 201, 0, 1)
#define LOCAL_IP2   PB_IP(10, 201, 0, 2)
#define SERVER_IP   PB_IP(10, 201, 0, 11)
#define SERVER_IP2  PB_IP(10, 201, 0, 12)
#define ROUTER_IP   PB_IP(10, 201, 0, 254)
#define PROBE_PORT  61000
#define SERVER_PORT 8080
#define PEER_ISN    0xfffffff0u      /* the server's ISN: its sequence numbers wrap */
#define T0          1000000u         /* when each probe starts (us) */

#define PROTO_ICMP 1
#define PROTO_TCP  6
#define PROTO_UDP  17

/* Ours is 02:..:01 and the next hop 02:..:02, as pkt_build's defaults for a
 * frame coming in from the next hop. */
static const uint8_t our_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t hop_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static const uint8_t udp_ping[4] = { 'p', 'i', 'n', 'g' };

#define HTTP_REQ "GET /health HTTP/1.0\r\nHost: 10.201.0.11\r\n" \
	"User-Agent: netchestra-health\r\nConnection: close\r\n\r\n"
#define HTTP_REQ_LEN ((uint32_t)sizeof(HTTP_REQ) - 1)

static void
tgt_init(struct nc_probe_target *t, enum nc_health_type type)
{
	memset(t, 0, sizeof(*t));
	t->type = type;
	memcpy(t->src_mac.addr_bytes, our_mac, 6);
	memcpy(t->dst_mac.addr_bytes, hop_mac, 6);
	t->src_ip = rte_cpu_to_be_32(LOCAL_IP);
	t->dst_ip = rte_cpu_to_be_32(SERVER_IP);
	t->src_port = rte_cpu_to_be_16(PROBE_PORT);
	t->dst_port = rte_cpu_to_be_16(SERVER_PORT);
	t->http_path = "/health";
	t->udp_payload = udp_ping;
	t->udp_payload_len = sizeof(udp_ping);
}

/* ------------------------------------------------------------ checks */

static void
check_csums(const uint8_t *f, size_t len)
{
	char why[128];

	if (!pb_csum_verify(f, (uint32_t)len, why, sizeof(why)))
		fail_msg("checksum: %s", why);
}

/* <f> must equal the frame pkt_build makes of <want> (IP id taken from <f>:
 * it may be anything). Both checksums are compared through the bytes. */
static void
check_same(const uint8_t *f, size_t len, struct pb_pkt *want)
{
	uint8_t exp[PB_MAX_FRAME];
	char diff[128];
	uint32_t elen;

	assert_true(len >= PB_ETH_LEN + 20);
	want->ip_id = pb_get16(f + PB_IP_OFF + 4);
	elen = pb_build(want, exp, sizeof(exp));
	assert_true(elen != 0);
	pb_diff(f, (uint32_t)len, exp, elen, diff, sizeof(diff));
	if (diff[0] != '\0')
		fail_msg("frame differs from the expected one: %s", diff);
}

/* A frame from the probe to the server, as pkt_build makes it. */
static void
pb_probe_init(struct pb_pkt *w, uint8_t proto)
{
	pb_init(w, proto);
	memcpy(w->dst_mac, hop_mac, 6);
	memcpy(w->src_mac, our_mac, 6);
	w->sip = LOCAL_IP;
	w->dip = SERVER_IP;
	w->sport = PROBE_PORT;
	w->dport = SERVER_PORT;
}

/* Field by field check of the Ethernet and IPv4 headers of a probe frame. */
static void
check_ip(const uint8_t *f, size_t len, uint8_t proto)
{
	const uint8_t *ip = f + PB_IP_OFF;

	assert_true(len >= PB_ETH_LEN + 20);
	assert_memory_equal(f, hop_mac, 6);
	assert_memory_equal(f + 6, our_mac, 6);
	assert_int_equal(pb_get16(f + 12), PB_ETH_IPV4);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(pb_get16(ip + 2), len - PB_ETH_LEN);
	assert_int_equal(pb_get16(ip + 6), 0x4000);          /* DF, offset 0 */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], proto);
	assert_int_equal(pb_get32(ip + 12), LOCAL_IP);
	assert_int_equal(pb_get32(ip + 16), SERVER_IP);
	assert_int_equal(pb_csum(ip, 20, 0), 0);
	check_csums(f, len);
}

/*
 * A TCP frame of the probe: fields one by one, then byte for byte against
 * pkt_build (data offset 5, no option).
 */
static void
check_tcp(const uint8_t *f, size_t len, uint32_t seq, uint32_t ack, uint8_t flags,
	  uint16_t win, const char *data, uint16_t dlen)
{
	const uint8_t *th = f + PB_ETH_LEN + 20;
	struct pb_pkt w;

	check_ip(f, len, PROTO_TCP);
	assert_int_equal(len, PB_ETH_LEN + 20 + 20 + dlen);
	assert_int_equal(pb_get16(th), PROBE_PORT);
	assert_int_equal(pb_get16(th + 2), SERVER_PORT);
	assert_int_equal(pb_get32(th + 4), seq);
	assert_int_equal(pb_get32(th + 8), ack);
	assert_int_equal(th[12], 0x50);
	assert_int_equal(th[13], flags);
	assert_int_equal(pb_get16(th + 14), win);
	if (dlen != 0)
		assert_memory_equal(th + 20, data, dlen);
	pb_probe_init(&w, PROTO_TCP);
	w.seq = seq;
	w.ack = ack;
	w.tcp_flags = flags;
	w.window = win;
	w.payload = (const uint8_t *)data;
	w.payload_len = dlen;
	check_same(f, len, &w);
}

/*
 * The SYN: data offset 6 with the MSS option 1460 and nothing else. pkt_build
 * pads options with NOPs, so the expected frame gets the option written over
 * them and its TCP checksum recomputed here.
 */
static void
check_syn(const uint8_t *f, size_t len, uint32_t isn)
{
	const uint8_t *th = f + PB_ETH_LEN + 20;
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t exp[PB_MAX_FRAME], *l4 = exp + PB_ETH_LEN + 20;
	struct pb_pkt w;
	char diff[128];
	uint32_t elen;

	check_ip(f, len, PROTO_TCP);
	assert_int_equal(len, PB_ETH_LEN + 20 + 24);
	assert_int_equal(pb_get16(th), PROBE_PORT);
	assert_int_equal(pb_get16(th + 2), SERVER_PORT);
	assert_int_equal(pb_get32(th + 4), isn);
	assert_int_equal(pb_get32(th + 8), 0);
	assert_int_equal(th[12], 0x60);
	assert_int_equal(th[13], PB_TCP_SYN);
	assert_int_equal(pb_get16(th + 14), 65535);
	assert_int_equal(pb_get16(th + 18), 0);
	assert_memory_equal(th + 20, mss, 4);

	pb_probe_init(&w, PROTO_TCP);
	w.seq = isn;
	w.tcp_flags = PB_TCP_SYN;
	w.tcp_doff = 6;
	w.ip_id = pb_get16(f + PB_IP_OFF + 4);
	elen = pb_build(&w, exp, sizeof(exp));
	memcpy(l4 + 20, mss, 4);
	pb_put16(l4 + 16, 0);
	pb_put16(l4 + 16, pb_csum(l4, 24, pb_pseudo_sum(LOCAL_IP, SERVER_IP, PROTO_TCP, 24)));
	pb_diff(f, (uint32_t)len, exp, elen, diff, sizeof(diff));
	if (diff[0] != '\0')
		fail_msg("SYN differs: %s", diff);
}

/* ------------------------------------------------------------ answers */

/* A TCP segment from the server to the probe. */
static void
ans_tcp(struct pb_pkt *a, uint32_t seq, uint32_t ack, uint8_t flags)
{
	pb_init(a, PROTO_TCP);
	a->sip = SERVER_IP;
	a->dip = LOCAL_IP;
	a->sport = SERVER_PORT;
	a->dport = PROBE_PORT;
	a->seq = seq;
	a->ack = ack;
	a->tcp_flags = flags;
}

static void
ans_udp(struct pb_pkt *a)
{
	pb_init(a, PROTO_UDP);
	a->sip = SERVER_IP;
	a->dip = LOCAL_IP;
	a->sport = SERVER_PORT;
	a->dport = PROBE_PORT;
}

static void
ans_echo(struct pb_pkt *a, uint16_t seq)
{
	pb_init(a, PROTO_ICMP);
	a->sip = SERVER_IP;
	a->dip = LOCAL_IP;
	a->icmp_type = 0;
	a->icmp_id = PROBE_PORT;
	a->icmp_seq = seq;
}

/* ICMP destination unreachable (code 3: port) from a router to the probe's
 * local IP, quoting <qlen> bytes at <quoted> (an IP packet). */
static void
ans_unreach(struct pb_pkt *a, const uint8_t *quoted, uint16_t qlen)
{
	pb_init(a, PROTO_ICMP);
	a->sip = ROUTER_IP;
	a->dip = LOCAL_IP;
	a->icmp_type = 3;
	a->icmp_code = 3;
	a->icmp_id = 0;
	a->icmp_seq = 0;
	a->payload = quoted;
	a->payload_len = qlen;
}

/* A running probe of one type, with its first frame. */
struct run {
	struct nc_probe_target t;
	struct nc_probe p;
	uint8_t first[NC_PROBE_FRAME_MAX];
	size_t first_len;
	uint8_t out[NC_PROBE_FRAME_MAX];
	size_t out_len;
	uint32_t rt;
};

static void
run_start(struct run *r, enum nc_health_type type, uint32_t seed)
{
	int n;

	tgt_init(&r->t, type);
	memset(&r->p, 0x5a, sizeof(r->p));            /* whatever was there before */
	n = nc_probe_start(&r->p, &r->t, T0, seed, r->first, sizeof(r->first));
	assert_true(n > 0);
	r->first_len = (size_t)n;
	r->out_len = 12345;
	r->rt = 0;
}

/* Feed <a>, built, from an exact-size heap copy. */
static int
run_feed(struct run *r, const struct pb_pkt *a, uint64_t now)
{
	uint8_t f[PB_MAX_FRAME], *copy;
	uint32_t len = pb_build(a, f, sizeof(f));
	int v;

	assert_true(len != 0);
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, f, len);
	r->out_len = 12345;
	v = nc_probe_input(&r->p, &r->t, copy, len, now, r->out, sizeof(r->out), &r->out_len,
			   &r->rt);
	free(copy);
	return v;
}

/* Bring an http probe to REQ_SENT; the SYN-ACK comes at T0 + 100. */
static void
run_http_req_sent(struct run *r)
{
	struct pb_pkt a;

	run_start(r, NC_HEALTH_HTTP, 7);
	ans_tcp(&a, PEER_ISN, r->p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	assert_int_equal(run_feed(r, &a, T0 + 100), NC_PROBE_PENDING);
	assert_int_equal(r->p.state, NC_PROBE_REQ_SENT);
}

/* ------------------------------------------------------------ start */

static void
test_start_tcp(void **state)
{
	static const enum nc_health_type types[] = { NC_HEALTH_TCP, NC_HEALTH_HTTP };
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		run_start(&r, types[i], 42);
		assert_int_equal(r.first_len, 58);
		check_syn(r.first, r.first_len, r.p.isn);
		assert_int_equal(r.p.state, NC_PROBE_SYN_SENT);
		assert_int_equal(r.p.t_sent_us, T0);
		if (types[i] == NC_HEALTH_HTTP)
			assert_int_equal(r.p.req_len, HTTP_REQ_LEN);
	}
}

static uint8_t zero_sum[2];

/*
 * A 2-byte payload w with which the UDP checksum computes to 0, to be sent as
 * 0xffff (RFC 768). With w = 0 the checksum is c0 = ~S, S the sum of the
 * rest; with w = c0 the sum is S + ~S = 0xffff, whose complement is 0.
 */
static void
zero_sum_payload(void)
{
	uint8_t f[PB_MAX_FRAME];
	struct pb_pkt w;
	uint32_t len;

	memset(zero_sum, 0, sizeof(zero_sum));
	pb_probe_init(&w, PROTO_UDP);
	w.payload = zero_sum;
	w.payload_len = sizeof(zero_sum);
	len = pb_build(&w, f, sizeof(f));
	assert_int_equal(len, PB_ETH_LEN + 20 + 8 + 2);
	pb_put16(zero_sum, pb_get16(f + 40));
	pb_put16(f + 42, pb_get16(f + 40));
	pb_put16(f + 40, 0);
	assert_int_equal(pb_csum(f + 34, 10, pb_pseudo_sum(LOCAL_IP, SERVER_IP, PROTO_UDP, 10)), 0);
}

static void
test_start_udp(void **state)
{
	static uint8_t big[256];
	static const struct {
		const char *desc;
		const uint8_t *payload;
		uint16_t len;
	} cases[] = {
		{ "empty payload", NULL, 0 },
		{ "4 bytes", udp_ping, 4 },
		{ "odd length", udp_ping, 3 },
		{ "256 bytes (config maximum)", big, 256 },
		{ "payload whose checksum computes to 0", zero_sum, 2 },
	};
	struct nc_probe_target t;
	struct nc_probe p;
	uint8_t buf[NC_PROBE_FRAME_MAX];
	struct pb_pkt w;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("udp start: %s\n", cases[i].desc);
		if (cases[i].payload == zero_sum)
			zero_sum_payload();
		tgt_init(&t, NC_HEALTH_UDP);
		t.udp_payload = cases[i].payload;
		t.udp_payload_len = cases[i].len;
		n = nc_probe_start(&p, &t, T0, 9, buf, sizeof(buf));
		assert_int_equal(n, PB_ETH_LEN + 20 + 8 + cases[i].len);
		check_ip(buf, (size_t)n, PROTO_UDP);
		assert_int_equal(pb_get16(buf + 34), PROBE_PORT);
		assert_int_equal(pb_get16(buf + 36), SERVER_PORT);
		assert_int_equal(pb_get16(buf + 38), 8 + cases[i].len);
		assert_int_not_equal(pb_get16(buf + 40), 0);  /* a checksum, not "none" */
		if (cases[i].payload == zero_sum)
			assert_int_equal(pb_get16(buf + 40), 0xffff);
		pb_probe_init(&w, PROTO_UDP);
		w.payload = cases[i].payload;
		w.payload_len = cases[i].len;
		check_same(buf, (size_t)n, &w);
		assert_int_equal(p.state, NC_PROBE_UDP_SENT);
		assert_int_equal(p.t_sent_us, T0);
	}
}

static void
test_start_icmp(void **state)
{
	static const uint32_t seeds[] = { 0, 1, 0x1234abcd, 0xffffffff };
	struct run r;
	struct pb_pkt w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		run_start(&r, NC_HEALTH_ICMP, seeds[i]);
		assert_int_equal(r.first_len, PB_ETH_LEN + 20 + 8 + 16);
		check_ip(r.first, r.first_len, PROTO_ICMP);
		assert_int_equal(r.first[34], 8);
		assert_int_equal(r.first[35], 0);
		assert_int_equal(pb_get16(r.first + 38), PROBE_PORT);   /* id: the probe port */
		assert_int_equal(pb_get16(r.first + 40), (uint16_t)seeds[i]);
		assert_memory_equal(r.first + 42, "netchestra probe", 16);
		assert_int_equal(r.p.echo_seq, (uint16_t)seeds[i]);
		assert_int_equal(r.p.state, NC_PROBE_ECHO_SENT);
		pb_probe_init(&w, PROTO_ICMP);
		w.icmp_type = 8;
		w.icmp_id = PROBE_PORT;
		w.icmp_seq = (uint16_t)seeds[i];
		w.payload = (const uint8_t *)"netchestra probe";
		w.payload_len = 16;
		check_same(r.first, r.first_len, &w);
	}
}

static char long_path[1024];

static void t_none(struct nc_probe_target *t) { t->type = NC_HEALTH_NONE; }
static void t_bad_type(struct nc_probe_target *t) { t->type = (enum nc_health_type)99; }
static void t_no_path(struct nc_probe_target *t) { t->http_path = NULL; }
static void t_empty_path(struct nc_probe_target *t) { t->http_path = ""; }
static void t_space_path(struct nc_probe_target *t) { t->http_path = "/a b"; }
static void t_crlf_path(struct nc_probe_target *t) { t->http_path = "/a\r\nX-Evil: 1"; }
static void t_del_path(struct nc_probe_target *t) { t->http_path = "/a\x7f"; }
static void t_long_path(struct nc_probe_target *t) { t->http_path = long_path; }
static void t_udp_null(struct nc_probe_target *t) { t->udp_payload = NULL; }
static void t_keep(struct nc_probe_target *t) { (void)t; }

struct start_case {
	const char *desc;
	enum nc_health_type type;
	void (*edit)(struct nc_probe_target *t);
	size_t cap;
	int want;                /* frame length, or -errno */
};

static const struct start_case start_cases[] = {
	{ "type none", NC_HEALTH_TCP, t_none, NC_PROBE_FRAME_MAX, -EINVAL },
	{ "unknown type", NC_HEALTH_TCP, t_bad_type, NC_PROBE_FRAME_MAX, -EINVAL },
	{ "http without path", NC_HEALTH_HTTP, t_no_path, NC_PROBE_FRAME_MAX, -EINVAL },
	{ "http with empty path", NC_HEALTH_HTTP, t_empty_path, NC_PROBE_FRAME_MAX, -EINVAL },
	{ "http path with a space", NC_HEALTH_HTTP, t_space_path, NC_PROBE_FRAME_MAX, -EINVAL },
	{ "http path with CR LF", NC_HEALTH_HTTP, t_crlf_path, NC_PROBE_FRAME_MAX, -EINVAL },
	{ "http path with DEL", NC_HEALTH_HTTP, t_del_path, NC_PROBE_FRAME_MAX, -EINVAL },
	{ "http request longer than a frame", NC_HEALTH_HTTP, t_long_path, NC_PROBE_FRAME_MAX,
	  -EINVAL },
	{ "udp payload length without payload", NC_HEALTH_UDP, t_udp_null, NC_PROBE_FRAME_MAX,
	  -EINVAL },
	{ "tcp, cap one short", NC_HEALTH_TCP, t_keep, 57, -ENOSPC },
	{ "tcp, cap exact", NC_HEALTH_TCP, t_keep, 58, 58 },
	{ "http, cap one short", NC_HEALTH_HTTP, t_keep, 57, -ENOSPC },
	{ "udp, cap one short", NC_HEALTH_UDP, t_keep, 45, -ENOSPC },
	{ "udp, cap exact", NC_HEALTH_UDP, t_keep, 46, 46 },
	{ "icmp, cap one short", NC_HEALTH_ICMP, t_keep, 57, -ENOSPC },
	{ "icmp, cap exact", NC_HEALTH_ICMP, t_keep, 58, 58 },
	{ "tcp, cap 0", NC_HEALTH_TCP, t_keep, 0, -ENOSPC },
};

static void
test_start_errors(void **state)
{
	struct nc_probe_target t;
	struct nc_probe p, before;
	uint8_t *buf;
	size_t i;
	int n;

	(void)state;
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	for (i = 0; i < sizeof(start_cases) / sizeof(start_cases[0]); i++) {
		const struct start_case *c = &start_cases[i];

		print_message("start: %s\n", c->desc);
		tgt_init(&t, c->type);
		c->edit(&t);
		memset(&p, 0, sizeof(p));
		p.isn = 0xdeadbeef;
		before = p;
		buf = c->cap != 0 ? malloc(c->cap) : NULL;   /* exact size: no write past cap */
		n = nc_probe_start(&p, &t, T0, 1, buf, c->cap);
		assert_int_equal(n, c->want);
		if (n < 0)
			assert_memory_equal(&p, &before, sizeof(p));
		else
			check_csums(buf, (size_t)n);
		free(buf);
	}
	/* buf NULL */
	tgt_init(&t, NC_HEALTH_ICMP);
	assert_int_equal(nc_probe_start(&p, &t, T0, 1, NULL, 0), -ENOSPC);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The ISN follows the seed (no two seeds alike for one target), differs
 * between targets, and the SYN carries it. */
static void
test_seed(void **state)
{
	enum { LOW = 4096, N = LOW + 4095 };
	static uint32_t isn[N];
	struct nc_probe_target t;
	struct nc_probe p, p2;
	uint8_t buf[NC_PROBE_FRAME_MAX];
	uint32_t i;
	int n;

	(void)state;
	tgt_init(&t, NC_HEALTH_TCP);
	for (i = 0; i < N; i++) {
		/* 0..4095, then 1..4095 << 20: seeds that differ in their high bits only */
		n = nc_probe_start(&p, &t, T0, i < LOW ? i : (i - LOW + 1) << 20, buf, sizeof(buf));
		assert_int_equal(n, 58);
		assert_int_equal(pb_get32(buf + 38), p.isn);
		isn[i] = p.isn;
	}
	qsort(isn, N, sizeof(isn[0]), cmp_u32);
	for (i = 1; i < N; i++)
		assert_int_not_equal(isn[i], isn[i - 1]);
	/* same seed, other server or other probe port: other ISN */
	assert_int_equal(nc_probe_start(&p, &t, T0, 5, buf, sizeof(buf)), 58);
	t.dst_ip = rte_cpu_to_be_32(SERVER_IP2);
	assert_int_equal(nc_probe_start(&p2, &t, T0, 5, buf, sizeof(buf)), 58);
	assert_int_not_equal(p.isn, p2.isn);
	tgt_init(&t, NC_HEALTH_TCP);
	t.src_port = rte_cpu_to_be_16(PROBE_PORT + 1);
	assert_int_equal(nc_probe_start(&p2, &t, T0, 5, buf, sizeof(buf)), 58);
	assert_int_not_equal(p.isn, p2.isn);
	/* the same again: the same ISN (a pure function of seed and target) */
	tgt_init(&t, NC_HEALTH_TCP);
	assert_int_equal(nc_probe_start(&p2, &t, T0, 5, buf, sizeof(buf)), 58);
	assert_int_equal(p.isn, p2.isn);
}

/* ------------------------------------------------------------ tcp */

static void e_none(struct pb_pkt *a) { (void)a; }
static void e_tcp_opts(struct pb_pkt *a) { a->tcp_doff = 8; }
static void e_pad(struct pb_pkt *a) { a->pad = 6; }
static void e_ip_opts(struct pb_pkt *a) { a->ihl = 6; }
static void e_other_mac(struct pb_pkt *a) { a->dst_mac[5] = 0x77; }

/* SYN-ACKs that are the answer: GOOD and the RST|ACK. */
static void
test_tcp_good(void **state)
{
	static const struct {
		const char *desc;
		void (*edit)(struct pb_pkt *a);
	} cases[] = {
		{ "plain SYN-ACK", e_none },
		{ "SYN-ACK with 12 bytes of options", e_tcp_opts },
		{ "SYN-ACK with Ethernet padding", e_pad },
		{ "SYN-ACK with an IP option word", e_ip_opts },
		{ "SYN-ACK to another MAC (the port filters MACs)", e_other_mac },
	};
	struct pb_pkt a;
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("tcp: %s\n", cases[i].desc);
		run_start(&r, NC_HEALTH_TCP, (uint32_t)i);
		ans_tcp(&a, PEER_ISN + 15, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
		cases[i].edit(&a);
		assert_int_equal(run_feed(&r, &a, T0 + 350), NC_PROBE_GOOD);
		assert_int_equal(r.rt, 350);
		assert_int_equal(r.p.state, NC_PROBE_IDLE);
		/* peer ISN 0xffffffff: the ack wraps to 0 */
		check_tcp(r.out, r.out_len, r.p.isn + 1, 0, PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);
		/* IDLE now: the same SYN-ACK again is nothing */
		assert_int_equal(run_feed(&r, &a, T0 + 400), NC_PROBE_PENDING);
		assert_int_equal(r.out_len, 0);
	}
}

/* Answers in SYN_SENT, tcp and http alike. */
struct syn_case {
	const char *desc;
	int want;                /* verdict */
	/* the frame: a TCP segment from the server unless <build> is set */
	uint32_t seq;
	int ack_off;             /* ack = isn + ack_off */
	uint8_t flags;
	void (*edit)(struct pb_pkt *a);
	void (*build)(struct pb_pkt *a, const struct run *r, uint8_t *q, uint16_t *qlen);
	int rst;                 /* answered with a reset at the segment's ACK (RFC 793) */
};

static void e_sip(struct pb_pkt *a) { a->sip = SERVER_IP2; }
static void e_dip(struct pb_pkt *a) { a->dip = LOCAL_IP2; }
static void e_sport(struct pb_pkt *a) { a->sport = SERVER_PORT + 1; }
static void e_dport(struct pb_pkt *a) { a->dport = PROBE_PORT + 1; }
static void e_ip_csum(struct pb_pkt *a) { a->ip_csum_xor = 1; }
static void e_l4_csum(struct pb_pkt *a) { a->l4_csum_xor = 0x0100; }
static void e_mf(struct pb_pkt *a) { a->frag = 0x2000; }
static void e_frag_off(struct pb_pkt *a) { a->frag = 0x0010; }
static void e_doff4(struct pb_pkt *a) { a->doff_field = 4; }
static void e_doff15(struct pb_pkt *a) { a->doff_field = 15; }
static void e_ver6(struct pb_pkt *a) { a->ip_version = 6; }
static void e_ipv6_type(struct pb_pkt *a) { a->ethertype = PB_ETH_IPV6; }
static void e_tot_short(struct pb_pkt *a) { a->tot_len_adj = -1; }
static void e_tot_long(struct pb_pkt *a) { a->tot_len_adj = 1; }
/* IP packet and frame end 12 bytes into the TCP header (before the data offset) */
static void e_tcp12(struct pb_pkt *a) { a->tot_len_adj = -8; a->truncate = PB_ETH_LEN + 20 + 12; }

/* UDP from the server's port to the probe port. */
static void
b_udp(struct pb_pkt *a, const struct run *r, uint8_t *q, uint16_t *qlen)
{
	(void)r; (void)q; (void)qlen;
	ans_udp(a);
}

/* Unreachable quoting the probe's first frame (IP header + 8 bytes, RFC 792). */
static void
b_unreach_first(struct pb_pkt *a, const struct run *r, uint8_t *q, uint16_t *qlen)
{
	*qlen = 28;
	memcpy(q, r->first + PB_ETH_LEN, *qlen);
	ans_unreach(a, q, *qlen);
}

/* The same, quoting the whole packet (as Linux does). */
static void
b_unreach_whole(struct pb_pkt *a, const struct run *r, uint8_t *q, uint16_t *qlen)
{
	*qlen = (uint16_t)(r->first_len - PB_ETH_LEN);
	memcpy(q, r->first + PB_ETH_LEN, *qlen);
	ans_unreach(a, q, *qlen);
	a->icmp_code = 1;        /* host unreachable */
}

/* Host unreachable from the server itself, with a mangled quote: <fix>
 * changes one field of the quoted packet (the quoted IP checksum is left
 * alone: routers are not trusted to keep it). */
static void
unreach_edit(struct pb_pkt *a, const struct run *r, uint8_t *q, uint16_t *qlen, int what)
{
	b_unreach_first(a, r, q, qlen);
	switch (what) {
	case 0: q[12 + 3] ^= 1; break;                                 /* quoted source IP */
	case 1: q[16 + 3] ^= 1; break;                                 /* quoted destination IP */
	case 2: q[20 + 1] ^= 1; break;                                 /* quoted source port */
	case 3: q[20 + 3] ^= 1; break;                                 /* quoted destination port */
	case 4: pb_put32(q + 24, pb_get32(q + 24) + 1); break;         /* quoted seq ISN + 1 */
	case 5: pb_put32(q + 24, pb_get32(q + 24) - 1); break;         /* quoted seq ISN - 1 */
	case 6: q[9] = PROTO_UDP; break;                               /* quoted protocol */
	case 7: *qlen = 27; break;                                     /* 7 L4 bytes */
	case 8: q[0] = 0x44; break;                                    /* quoted IHL 4 */
	case 9: pb_put16(q + 6, 0x0001); break;                        /* quoted later fragment */
	case 10: a->dip = LOCAL_IP2; break;                            /* to another local IP */
	case 11: a->icmp_type = 11; break;                             /* time exceeded */
	case 12: a->icmp_type = 12; break;                             /* parameter problem */
	case 13: a->l4_csum_xor = 1; break;                            /* ICMP checksum */
	case 14: q[0] = 0x65; break;                                   /* quoted version 6 */
	default: break;
	}
	a->payload_len = *qlen;
}

#define UNREACH_EDIT(n) \
	static void b_unreach_##n(struct pb_pkt *a, const struct run *r, uint8_t *q, uint16_t *qlen) \
	{ unreach_edit(a, r, q, qlen, n); }
UNREACH_EDIT(0) UNREACH_EDIT(1) UNREACH_EDIT(2) UNREACH_EDIT(3) UNREACH_EDIT(4)
UNREACH_EDIT(5) UNREACH_EDIT(6) UNREACH_EDIT(7) UNREACH_EDIT(8) UNREACH_EDIT(9)
UNREACH_EDIT(10) UNREACH_EDIT(11) UNREACH_EDIT(12) UNREACH_EDIT(13) UNREACH_EDIT(14)

/* Unreachable with a quoted IP option word: the L4 bytes follow it. */
static void
b_unreach_qopts(struct pb_pkt *a, const struct run *r, uint8_t *q, uint16_t *qlen)
{
	memcpy(q, r->first + PB_ETH_LEN, 20);
	q[0] = 0x46;
	memset(q + 20, 1, 4);
	memcpy(q + 24, r->first + PB_ETH_LEN + 20, 8);
	*qlen = 32;
	ans_unreach(a, q, *qlen);
}

#define SA (PB_TCP_SYN | PB_TCP_ACK)
#define RA (PB_TCP_RST | PB_TCP_ACK)
#define SEG(d, w, s, off, fl, e) { d, NC_PROBE_##w, s, off, fl, e, NULL, 0 }
#define SEG_RST(d, s, off, fl)   { d, NC_PROBE_PENDING, s, off, fl, e_none, NULL, 1 }
#define FRAME(d, w, b)           { d, NC_PROBE_##w, 0, 0, 0, NULL, b, 0 }

static const struct syn_case syn_cases[] = {
	SEG_RST("SYN-ACK acking the ISN itself", PEER_ISN, 0, SA),
	SEG_RST("SYN-ACK acking ISN + 2", PEER_ISN, 2, SA),
	SEG_RST("ACK of an earlier connection the server still has on the port", PEER_ISN, 100000,
		PB_TCP_ACK),
	SEG("SYN alone (simultaneous open)", PENDING, PEER_ISN, 1, PB_TCP_SYN, e_none),
	SEG("ACK alone", PENDING, PEER_ISN, 1, PB_TCP_ACK, e_none),
	SEG("SYN-ACK with FIN", PENDING, PEER_ISN, 1, SA | PB_TCP_FIN, e_none),
	SEG("SYN-ACK from another server", PENDING, PEER_ISN, 1, SA, e_sip),
	SEG("SYN-ACK to another local IP", PENDING, PEER_ISN, 1, SA, e_dip),
	SEG("SYN-ACK from another port", PENDING, PEER_ISN, 1, SA, e_sport),
	SEG("SYN-ACK to another probe port", PENDING, PEER_ISN, 1, SA, e_dport),
	SEG("SYN-ACK with a bad IP checksum", PENDING, PEER_ISN, 1, SA, e_ip_csum),
	SEG("SYN-ACK with a bad TCP checksum", PENDING, PEER_ISN, 1, SA, e_l4_csum),
	SEG("SYN-ACK as a first fragment", PENDING, PEER_ISN, 1, SA, e_mf),
	SEG("SYN-ACK as a later fragment", PENDING, PEER_ISN, 1, SA, e_frag_off),
	SEG("SYN-ACK with data offset 4", PENDING, PEER_ISN, 1, SA, e_doff4),
	SEG("SYN-ACK with data offset past the segment", PENDING, PEER_ISN, 1, SA, e_doff15),
	SEG("SYN-ACK in IP version 6 header", PENDING, PEER_ISN, 1, SA, e_ver6),
	SEG("SYN-ACK with the IPv6 ethertype", PENDING, PEER_ISN, 1, SA, e_ipv6_type),
	SEG("SYN-ACK with IP total length one short", PENDING, PEER_ISN, 1, SA, e_tot_short),
	SEG("SYN-ACK with IP total length past the frame", PENDING, PEER_ISN, 1, SA, e_tot_long),
	SEG("segment of 12 bytes ending the frame", PENDING, PEER_ISN, 1, SA, e_tcp12),
	SEG("RST without ACK", PENDING, PEER_ISN, 1, PB_TCP_RST, e_none),
	SEG("RST|ACK acking the ISN itself", PENDING, 0, 0, RA, e_none),
	SEG("RST|ACK from another port", PENDING, 0, 1, RA, e_sport),
	SEG("RST|ACK with a bad checksum", PENDING, 0, 1, RA, e_l4_csum),
	FRAME("UDP from the server's port", PENDING, b_udp),
	FRAME("unreachable quoting another local IP", PENDING, b_unreach_0),
	FRAME("unreachable quoting another server", PENDING, b_unreach_1),
	FRAME("unreachable quoting another source port", PENDING, b_unreach_2),
	FRAME("unreachable quoting another server port", PENDING, b_unreach_3),
	FRAME("unreachable quoting seq ISN + 1 (not sent yet)", PENDING, b_unreach_4),
	FRAME("unreachable quoting seq ISN - 1", PENDING, b_unreach_5),
	FRAME("unreachable quoting UDP", PENDING, b_unreach_6),
	FRAME("unreachable quoting 7 L4 bytes", PENDING, b_unreach_7),
	FRAME("unreachable quoting IHL 4", PENDING, b_unreach_8),
	FRAME("unreachable quoting a later fragment", PENDING, b_unreach_9),
	FRAME("unreachable to another local IP", PENDING, b_unreach_10),
	FRAME("time exceeded quoting the SYN", PENDING, b_unreach_11),
	FRAME("parameter problem quoting the SYN", PENDING, b_unreach_12),
	FRAME("unreachable with a bad ICMP checksum", PENDING, b_unreach_13),
	FRAME("unreachable quoting IP version 6", PENDING, b_unreach_14),
	/* verdicts */
	SEG("RST|ACK acking the SYN (closed port)", BAD, 0, 1, RA, e_none),
	SEG("RST|ACK|SYN acking the SYN", BAD, 0, 1, RA | PB_TCP_SYN, e_none),
	FRAME("port unreachable quoting IP header + 8 bytes of the SYN", BAD, b_unreach_first),
	FRAME("host unreachable quoting the whole SYN", BAD, b_unreach_whole),
	FRAME("unreachable quoting the SYN with an IP option", BAD, b_unreach_qopts),
};

static void
build_case(const struct syn_case *c, const struct run *r, struct pb_pkt *a, uint8_t *q)
{
	uint16_t qlen = 0;

	if (c->build != NULL) {
		c->build(a, r, q, &qlen);
		return;
	}
	ans_tcp(a, c->seq, r->p.isn + (uint32_t)c->ack_off, c->flags);
	c->edit(a);
}

static void
test_tcp_syn_sent(void **state)
{
	static const enum nc_health_type types[] = { NC_HEALTH_TCP, NC_HEALTH_HTTP };
	uint8_t q[PB_MAX_FRAME];
	struct nc_probe before;
	struct pb_pkt a;
	struct run r;
	size_t i, k;
	int v;

	(void)state;
	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(syn_cases) / sizeof(syn_cases[0]); i++) {
			const struct syn_case *c = &syn_cases[i];

			print_message("%s SYN_SENT: %s\n", types[k] == NC_HEALTH_TCP ? "tcp" : "http",
				      c->desc);
			run_start(&r, types[k], 1000 + (uint32_t)i);
			build_case(c, &r, &a, q);
			r.rt = 777;
			before = r.p;
			v = run_feed(&r, &a, T0 + 50);
			assert_int_equal(v, c->want);
			if (c->rst) {
				/* RST alone, at the segment's acknowledgement */
				assert_true(r.out_len >= PB_ETH_LEN + 40);
				assert_int_equal(r.out[PB_ETH_LEN + 33], PB_TCP_RST);
				assert_int_equal(pb_get32(r.out + PB_ETH_LEN + 24), a.ack);
				r.out_len = 0;
			}
			assert_int_equal(r.out_len, 0);
			assert_int_equal(r.rt, 777);             /* no round trip for a bad one */
			if (v == NC_PROBE_PENDING) {
				assert_memory_equal(&r.p, &before, sizeof(before));
				/* still waiting: the right SYN-ACK is taken afterwards */
				ans_tcp(&a, PEER_ISN, r.p.isn + 1, SA);
				v = run_feed(&r, &a, T0 + 80);
				if (types[k] == NC_HEALTH_TCP) {
					assert_int_equal(v, NC_PROBE_GOOD);
					assert_int_equal(r.rt, 80);
				} else {
					assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
				}
			} else {
				assert_int_equal(r.p.state, NC_PROBE_IDLE);
			}
		}
}

/* ------------------------------------------------------------ http */

static void
test_http_request(void **state)
{
	static const struct {
		const char *path;
		uint32_t server;
		const char *req;
	} cases[] = {
		{ "/health", SERVER_IP, HTTP_REQ },
		{ "/", PB_IP(192, 168, 255, 0),
		  "GET / HTTP/1.0\r\nHost: 192.168.255.0\r\n"
		  "User-Agent: netchestra-health\r\nConnection: close\r\n\r\n" },
		{ "/a/b?c=d&e=%20", PB_IP(1, 2, 3, 4),
		  "GET /a/b?c=d&e=%20 HTTP/1.0\r\nHost: 1.2.3.4\r\n"
		  "User-Agent: netchestra-health\r\nConnection: close\r\n\r\n" },
	};
	uint32_t isn, rlen;
	struct pb_pkt a, w;
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rlen = (uint32_t)strlen(cases[i].req);
		tgt_init(&r.t, NC_HEALTH_HTTP);
		r.t.http_path = cases[i].path;
		r.t.dst_ip = rte_cpu_to_be_32(cases[i].server);
		assert_int_equal(nc_probe_start(&r.p, &r.t, T0, 3, r.first, sizeof(r.first)), 58);
		assert_int_equal(r.p.req_len, rlen);
		isn = r.p.isn;
		ans_tcp(&a, PEER_ISN, isn + 1, SA);
		a.sip = cases[i].server;
		assert_int_equal(run_feed(&r, &a, T0 + 120), NC_PROBE_PENDING);
		assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
		assert_int_equal(r.p.peer_next, PEER_ISN + 1);
		assert_int_equal(r.p.req_len, rlen);
		assert_int_equal(r.p.t_sent_us, T0 + 120);
		/* the ACK with the request: one segment, ACK|PSH, seq ISN + 1 */
		assert_int_equal(r.out_len, PB_ETH_LEN + 40 + rlen);
		assert_memory_equal(r.out + PB_ETH_LEN + 40, cases[i].req, rlen);
		check_csums(r.out, r.out_len);
		pb_probe_init(&w, PROTO_TCP);
		w.dip = cases[i].server;
		w.seq = isn + 1;
		w.ack = PEER_ISN + 1;
		w.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
		w.window = 65535;
		w.payload = (const uint8_t *)cases[i].req;
		w.payload_len = (uint16_t)rlen;
		check_same(r.out, r.out_len, &w);
		/* the server's pure ACK of the request: nothing */
		ans_tcp(&a, PEER_ISN + 1, isn + 1 + rlen, PB_TCP_ACK);
		a.sip = cases[i].server;
		assert_int_equal(run_feed(&r, &a, T0 + 130), NC_PROBE_PENDING);
		assert_int_equal(r.out_len, 0);
		assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
	}
}

/* health.proxy: the request segment opens with the PROXY header of the
 * probe's own connection (local IP:probe port -> server:port), v1 or v2; the
 * server acknowledges both as one. */
static void
test_http_request_proxy(void **state)
{
	uint8_t want[128 + sizeof(HTTP_REQ)];
	uint32_t isn, hl, rlen;
	struct pb_pkt a;
	struct run r;
	int v;

	(void)state;
	for (v = NC_CA_PROXY_V1; v <= NC_CA_PROXY_V2; v++) {
		if (v == NC_CA_PROXY_V1) {
			const uint8_t l[4] = { LOCAL_IP >> 24, (LOCAL_IP >> 16) & 0xff,
					       (LOCAL_IP >> 8) & 0xff, LOCAL_IP & 0xff };
			const uint8_t s[4] = { SERVER_IP >> 24, (SERVER_IP >> 16) & 0xff,
					       (SERVER_IP >> 8) & 0xff, SERVER_IP & 0xff };

			hl = (uint32_t)snprintf((char *)want, sizeof(want),
						"PROXY TCP4 %u.%u.%u.%u %u.%u.%u.%u %u %u\r\n",
						l[0], l[1], l[2], l[3], s[0], s[1], s[2], s[3],
						PROBE_PORT, SERVER_PORT);
		} else {
			memcpy(want, "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c", 16);
			pb_put32(want + 16, LOCAL_IP);
			pb_put32(want + 20, SERVER_IP);
			pb_put16(want + 24, PROBE_PORT);
			pb_put16(want + 26, SERVER_PORT);
			hl = 28;
		}
		memcpy(want + hl, HTTP_REQ, HTTP_REQ_LEN);
		rlen = hl + HTTP_REQ_LEN;
		tgt_init(&r.t, NC_HEALTH_HTTP);
		r.t.proxy = (uint8_t)v;
		assert_int_equal(nc_probe_start(&r.p, &r.t, T0, 3, r.first, sizeof(r.first)), 58);
		assert_int_equal(r.p.req_len, rlen);
		isn = r.p.isn;
		ans_tcp(&a, PEER_ISN, isn + 1, SA);
		assert_int_equal(run_feed(&r, &a, T0 + 120), NC_PROBE_PENDING);
		assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
		assert_int_equal(r.out_len, PB_ETH_LEN + 40 + rlen);
		assert_memory_equal(r.out + PB_ETH_LEN + 40, want, rlen);
		check_csums(r.out, r.out_len);
		ans_tcp(&a, PEER_ISN + 1, isn + 1 + rlen, PB_TCP_ACK);
		assert_int_equal(run_feed(&r, &a, T0 + 130), NC_PROBE_PENDING);
		assert_int_equal(r.out_len, 0);
		assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
	}
}

struct status_case {
	const char *resp;
	int want;
};

static const struct status_case status_cases[] = {
	{ "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", NC_PROBE_GOOD },
	{ "HTTP/1.0 204 No Content\r\n\r\n", NC_PROBE_GOOD },
	{ "HTTP/1.1 301 Moved Permanently\r\nLocation: /x\r\n\r\n", NC_PROBE_GOOD },
	{ "HTTP/1.1 302 Found\r\n\r\n", NC_PROBE_GOOD },
	{ "HTTP/1.1 399 Whatever\r\n\r\n", NC_PROBE_GOOD },
	{ "HTTP/1.1 200", NC_PROBE_GOOD },                   /* exactly 12 bytes */
	{ "HTTP/1.1 200\r\n", NC_PROBE_GOOD },               /* no reason phrase */
	{ "HTTP/1.9 250 X\r\n", NC_PROBE_GOOD },
	{ "HTTP/1.1 199 Odd\r\n\r\n", NC_PROBE_BAD },
	{ "HTTP/1.1 100 Continue\r\n\r\n", NC_PROBE_BAD },
	{ "HTTP/1.1 400 Bad Request\r\n\r\n", NC_PROBE_BAD },
	{ "HTTP/1.1 404 Not Found\r\n\r\n", NC_PROBE_BAD },
	{ "HTTP/1.1 500 Internal Server Error\r\n\r\n", NC_PROBE_BAD },
	{ "HTTP/1.1 503 Service Unavailable\r\n\r\n", NC_PROBE_BAD },
	{ "HTTP/1.1 20", NC_PROBE_BAD },                     /* 11 bytes */
	{ "H", NC_PROBE_BAD },
	{ "HTTP/1.1 2000 OK\r\n", NC_PROBE_BAD },            /* 4-digit status */
	{ "HTTP/1.1 2x0 OK\r\n", NC_PROBE_BAD },
	{ "HTTP/1.1  200 OK\r\n", NC_PROBE_BAD },
	{ "HTTP/2 200 OK\r\n\r\n", NC_PROBE_BAD },
	{ "HTTP/1.x 200 OK\r\n", NC_PROBE_BAD },
	{ "http/1.1 200 OK\r\n", NC_PROBE_BAD },
	{ "SSH-2.0-OpenSSH_9.2p1\r\n", NC_PROBE_BAD },
	{ "<html>200</html>", NC_PROBE_BAD },
};

/* The first response segment decides; the round trip runs from the request. */
static void
test_http_status(void **state)
{
	uint32_t rlen;
	struct pb_pkt a;
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++) {
		const struct status_case *c = &status_cases[i];

		print_message("http response: %.16s...\n", c->resp);
		rlen = (uint32_t)strlen(c->resp);
		run_http_req_sent(&r);
		ans_tcp(&a, PEER_ISN + 1, r.p.isn + 1 + HTTP_REQ_LEN, PB_TCP_ACK | PB_TCP_PSH);
		a.payload = (const uint8_t *)c->resp;
		a.payload_len = (uint16_t)rlen;
		r.rt = 777;
		assert_int_equal(run_feed(&r, &a, T0 + 100 + 2500), c->want);
		assert_int_equal(r.rt, c->want == NC_PROBE_GOOD ? 2500 : 777);
		assert_int_equal(r.p.state, NC_PROBE_IDLE);
		/* RST|ACK at the end of our request, acking what came */
		check_tcp(r.out, r.out_len, r.p.isn + 1 + HTTP_REQ_LEN, PEER_ISN + 1 + rlen,
			  PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);
	}
}

/* Segments in REQ_SENT other than a plain first response. */
struct req_case {
	const char *desc;
	int want;
	int seq_off;             /* seq = peer_next + seq_off */
	int ack_off;             /* ack = isn + 1 + req_len + ack_off */
	uint8_t flags;
	const char *data;
	void (*edit)(struct pb_pkt *a);
	bool rst;                /* our RST|ACK expected */
	uint32_t rst_ack_add;    /* its ack: peer_next + this */
};

static const struct req_case req_cases[] = {
	{ "data one byte ahead", NC_PROBE_PENDING, 1, 0, PB_TCP_ACK, "HTTP/1.1 500 X\r\n", e_none,
	  false, 0 },
	{ "data one byte behind", NC_PROBE_PENDING, -1, 0, PB_TCP_ACK, "HTTP/1.1 500 X\r\n",
	  e_none, false, 0 },
	{ "data without ACK", NC_PROBE_PENDING, 0, 0, PB_TCP_PSH, "HTTP/1.1 500 X\r\n", e_none,
	  false, 0 },
	{ "data acking past the request", NC_PROBE_PENDING, 0, 1, PB_TCP_ACK,
	  "HTTP/1.1 500 X\r\n", e_none, false, 0 },
	{ "data acking below ISN + 1", NC_PROBE_PENDING, 0, -(int)HTTP_REQ_LEN - 1, PB_TCP_ACK,
	  "HTTP/1.1 500 X\r\n", e_none, false, 0 },
	{ "data from another port", NC_PROBE_PENDING, 0, 0, PB_TCP_ACK, "HTTP/1.1 500 X\r\n",
	  e_sport, false, 0 },
	{ "data from another server", NC_PROBE_PENDING, 0, 0, PB_TCP_ACK, "HTTP/1.1 500 X\r\n",
	  e_sip, false, 0 },
	{ "data with a bad checksum", NC_PROBE_PENDING, 0, 0, PB_TCP_ACK, "HTTP/1.1 500 X\r\n",
	  e_l4_csum, false, 0 },
	{ "retransmitted SYN-ACK", NC_PROBE_PENDING, -1, -(int)HTTP_REQ_LEN,
	  PB_TCP_SYN | PB_TCP_ACK, NULL, e_none, false, 0 },
	{ "SYN-ACK with a 200 at the next sequence", NC_PROBE_PENDING, 0, 0,
	  PB_TCP_SYN | PB_TCP_ACK, "HTTP/1.1 200 OK\r\n", e_none, false, 0 },
	{ "ACK acking half the request", NC_PROBE_PENDING, 0, -10, PB_TCP_ACK, NULL, e_none,
	  false, 0 },
	{ "RST one ahead", NC_PROBE_PENDING, 1, 0, PB_TCP_RST | PB_TCP_ACK, NULL, e_none,
	  false, 0 },
	{ "RST one behind", NC_PROBE_PENDING, -1, 0, PB_TCP_RST, NULL, e_none, false, 0 },
	{ "FIN one ahead", NC_PROBE_PENDING, 1, 0, PB_TCP_FIN | PB_TCP_ACK, NULL, e_none,
	  false, 0 },
	{ "RST from another port", NC_PROBE_PENDING, 0, 0, PB_TCP_RST, NULL, e_sport, false, 0 },
	{ "ACK acking the request (before data)", NC_PROBE_PENDING, 0, 0, PB_TCP_ACK, NULL,
	  e_none, false, 0 },
	/* verdicts */
	{ "RST at the next sequence", NC_PROBE_BAD, 0, 0, PB_TCP_RST, NULL, e_none, false, 0 },
	{ "RST|ACK at the next sequence", NC_PROBE_BAD, 0, 0, PB_TCP_RST | PB_TCP_ACK, NULL,
	  e_none, false, 0 },
	{ "FIN without data", NC_PROBE_BAD, 0, 0, PB_TCP_FIN | PB_TCP_ACK, NULL, e_none, true,
	  1 },
	{ "FIN with a 200", NC_PROBE_GOOD, 0, 0, PB_TCP_FIN | PB_TCP_ACK | PB_TCP_PSH,
	  "HTTP/1.0 200 OK\r\n\r\n", e_none, true, 20 },
	{ "200 acking only part of the request", NC_PROBE_GOOD, 0, -5, PB_TCP_ACK,
	  "HTTP/1.0 200 OK\r\n\r\n", e_none, true, 19 },
	{ "500 in a segment with TCP options", NC_PROBE_BAD, 0, 0, PB_TCP_ACK,
	  "HTTP/1.1 500 X\r\n", e_tcp_opts, true, 16 },
	{ "200 with Ethernet padding", NC_PROBE_GOOD, 0, 0, PB_TCP_ACK, "HTTP/1.1 200 ", e_pad,
	  true, 13 },
};

static void
test_http_req_sent(void **state)
{
	struct nc_probe before;
	struct pb_pkt a;
	struct run r;
	size_t i;
	int v;

	(void)state;
	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *c = &req_cases[i];

		print_message("http REQ_SENT: %s\n", c->desc);
		run_http_req_sent(&r);
		before = r.p;
		ans_tcp(&a, PEER_ISN + 1 + (uint32_t)c->seq_off,
			r.p.isn + 1 + HTTP_REQ_LEN + (uint32_t)c->ack_off, c->flags);
		if (c->data != NULL) {
			a.payload = (const uint8_t *)c->data;
			a.payload_len = (uint16_t)strlen(c->data);
		}
		c->edit(&a);
		r.rt = 777;
		v = run_feed(&r, &a, T0 + 900);
		assert_int_equal(v, c->want);
		if (v == NC_PROBE_PENDING) {
			assert_memory_equal(&r.p, &before, sizeof(before));
			assert_int_equal(r.out_len, 0);
			continue;
		}
		assert_int_equal(r.p.state, NC_PROBE_IDLE);
		assert_int_equal(r.rt, v == NC_PROBE_GOOD ? 800 : 777);
		if (c->rst)
			check_tcp(r.out, r.out_len, r.p.isn + 1 + HTTP_REQ_LEN,
				  PEER_ISN + 1 + c->rst_ack_add, PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);
		else
			assert_int_equal(r.out_len, 0);
	}
}

/* ICMP unreachable in REQ_SENT, quoting the SYN or the request segment. */
static void
test_http_unreach(void **state)
{
	static const struct {
		const char *desc;
		uint32_t seq_add;     /* quoted seq = isn + this */
		int want;
	} cases[] = {
		{ "quoting the request (ISN + 1)", 1, NC_PROBE_BAD },
		{ "quoting the SYN (ISN)", 0, NC_PROBE_BAD },
		{ "quoting ISN + 2", 2, NC_PROBE_PENDING },
		{ "quoting ISN + 1 + request", 1 + HTTP_REQ_LEN, NC_PROBE_PENDING },
	};
	uint8_t q[PB_MAX_FRAME];
	struct pb_pkt a;
	struct run r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("http unreachable: %s\n", cases[i].desc);
		run_http_req_sent(&r);
		memcpy(q, r.out + PB_ETH_LEN, 28);
		pb_put32(q + 24, r.p.isn + cases[i].seq_add);
		ans_unreach(&a, q, 28);
		assert_int_equal(run_feed(&r, &a, T0 + 300), cases[i].want);
		assert_int_equal(r.out_len, 0);
		assert_int_equal(r.p.state, cases[i].want == NC_PROBE_BAD ? NC_PROBE_IDLE :
				 NC_PROBE_REQ_SENT);
	}
}

/* ------------------------------------------------------------ udp, icmp */

struct dgram_case {
	const char *desc;
	enum nc_health_type type;
	int want;
	void (*build)(struct pb_pkt *a, const struct run *r, uint8_t *q);
};

static const uint8_t pong[5] = { 'p', 'o', 'n', 'g', '!' };

/* A variant of answer <base> with one change. */
#define DEDIT(name, base, body) \
	static void name(struct pb_pkt *a, const struct run *r, uint8_t *q) \
	{ base(a, r, q); body; }

static void d_udp(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)r; (void)q;
	ans_udp(a);
	a->payload = pong;
	a->payload_len = sizeof(pong);
}
DEDIT(d_udp_empty, d_udp, a->payload_len = 0)
DEDIT(d_udp_nocsum, d_udp, a->udp_no_csum = true)
DEDIT(d_udp_pad, d_udp, a->pad = 12)
DEDIT(d_udp_sport, d_udp, a->sport++)
DEDIT(d_udp_dport, d_udp, a->dport++)
DEDIT(d_udp_sip, d_udp, a->sip = SERVER_IP2)
DEDIT(d_udp_dip, d_udp, a->dip = LOCAL_IP2)
DEDIT(d_udp_csum, d_udp, a->l4_csum_xor = 0x8000)
DEDIT(d_udp_len_long, d_udp, a->udp_len_adj = 1)
DEDIT(d_udp_len7, d_udp, a->udp_len_adj = -6)
DEDIT(d_udp_len7_nocsum, d_udp_len7, a->udp_no_csum = true)
static void d_udp_len_short(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	/* UDP length 9 inside a 13-byte IP payload (no checksum: pkt_build would
	 * sum all 13 bytes) */
	d_udp(a, r, q);
	a->udp_len_adj = -4;
	a->udp_no_csum = true;
}
static void d_tcp_from_port(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans_tcp(a, 1, r->p.isn + 1, SA);
}
static void d_echo(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans_echo(a, r->p.echo_seq);
	a->payload = (const uint8_t *)"netchestra probe";
	a->payload_len = 16;
}
DEDIT(d_echo_bare, d_echo, a->payload_len = 0)
DEDIT(d_echo_id, d_echo, a->icmp_id++)
DEDIT(d_echo_seq, d_echo, a->icmp_seq++)
DEDIT(d_echo_sip, d_echo, a->sip = SERVER_IP2)
DEDIT(d_echo_dip, d_echo, a->dip = LOCAL_IP2)
DEDIT(d_echo_req, d_echo, a->icmp_type = 8)
DEDIT(d_echo_code, d_echo, a->icmp_code = 1)
DEDIT(d_echo_csum, d_echo, a->l4_csum_xor = 4)
DEDIT(d_echo_short, d_echo, a->payload_len = 0; a->tot_len_adj = -1)
static void d_unreach(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	memcpy(q, r->first + PB_ETH_LEN, r->first_len - PB_ETH_LEN);
	ans_unreach(a, q, (uint16_t)(r->first_len - PB_ETH_LEN));
}
DEDIT(d_unreach28, d_unreach, a->payload_len = 28)
DEDIT(d_unreach_server, d_unreach, a->sip = SERVER_IP; a->icmp_code = 10)
DEDIT(d_unreach_sport, d_unreach, q[21] ^= 1)
DEDIT(d_unreach_dport, d_unreach, q[23] ^= 1)
DEDIT(d_unreach_qdip, d_unreach, q[19] ^= 1)
DEDIT(d_unreach_proto, d_unreach, q[9] = PROTO_TCP)
DEDIT(d_unreach_dip, d_unreach, a->dip = LOCAL_IP2)
DEDIT(d_unreach_texc, d_unreach, a->icmp_type = 11)
DEDIT(d_unreach_qid, d_unreach, q[24] ^= 1)
DEDIT(d_unreach_qseq, d_unreach, q[27] ^= 1)
DEDIT(d_unreach_qreply, d_unreach, q[20] = 0)

#define DG(d, ty, w, b) { d, NC_HEALTH_##ty, NC_PROBE_##w, b }

static const struct dgram_case dgram_cases[] = {
	DG("reply from the server's port", UDP, GOOD, d_udp),
	DG("empty reply", UDP, GOOD, d_udp_empty),
	DG("reply without UDP checksum", UDP, GOOD, d_udp_nocsum),
	DG("reply with Ethernet padding", UDP, GOOD, d_udp_pad),
	DG("datagram shorter than the IP payload", UDP, GOOD, d_udp_len_short),
	DG("reply from another port", UDP, PENDING, d_udp_sport),
	DG("reply to another probe port", UDP, PENDING, d_udp_dport),
	DG("reply from another server", UDP, PENDING, d_udp_sip),
	DG("reply to another local IP", UDP, PENDING, d_udp_dip),
	DG("reply with a bad checksum", UDP, PENDING, d_udp_csum),
	DG("UDP length past the IP payload", UDP, PENDING, d_udp_len_long),
	DG("UDP length 7", UDP, PENDING, d_udp_len7),
	DG("UDP length 7 without checksum", UDP, PENDING, d_udp_len7_nocsum),
	DG("TCP from the server's port", UDP, PENDING, d_tcp_from_port),
	DG("echo reply from the server", UDP, PENDING, d_echo),
	DG("port unreachable quoting the datagram", UDP, BAD, d_unreach),
	DG("port unreachable quoting IP header + 8 bytes", UDP, BAD, d_unreach28),
	DG("admin prohibited from the server itself", UDP, BAD, d_unreach_server),
	DG("unreachable quoting another source port", UDP, PENDING, d_unreach_sport),
	DG("unreachable quoting another server port", UDP, PENDING, d_unreach_dport),
	DG("unreachable quoting another server", UDP, PENDING, d_unreach_qdip),
	DG("unreachable quoting TCP", UDP, PENDING, d_unreach_proto),
	DG("unreachable to another local IP", UDP, PENDING, d_unreach_dip),
	DG("time exceeded quoting the datagram", UDP, PENDING, d_unreach_texc),
	DG("echo reply", ICMP, GOOD, d_echo),
	DG("echo reply without data", ICMP, GOOD, d_echo_bare),
	DG("echo reply with another id", ICMP, PENDING, d_echo_id),
	DG("echo reply with another sequence", ICMP, PENDING, d_echo_seq),
	DG("echo reply from another server", ICMP, PENDING, d_echo_sip),
	DG("echo reply to another local IP", ICMP, PENDING, d_echo_dip),
	DG("echo request from the server", ICMP, PENDING, d_echo_req),
	DG("echo reply with code 1", ICMP, PENDING, d_echo_code),
	DG("echo reply with a bad checksum", ICMP, PENDING, d_echo_csum),
	DG("echo reply of 7 bytes", ICMP, PENDING, d_echo_short),
	DG("UDP from the server", ICMP, PENDING, d_udp),
	DG("host unreachable quoting the echo request", ICMP, BAD, d_unreach),
	DG("host unreachable quoting IP header + 8 bytes", ICMP, BAD, d_unreach28),
	DG("unreachable quoting another id", ICMP, PENDING, d_unreach_qid),
	DG("unreachable quoting another sequence", ICMP, PENDING, d_unreach_qseq),
	DG("unreachable quoting an echo reply", ICMP, PENDING, d_unreach_qreply),
	DG("unreachable quoting another server", ICMP, PENDING, d_unreach_qdip),
	DG("time exceeded quoting the echo request", ICMP, PENDING, d_unreach_texc),
};

static void
test_datagram(void **state)
{
	uint8_t q[PB_MAX_FRAME];
	struct nc_probe before;
	struct pb_pkt a;
	struct run r;
	size_t i;
	int v;

	(void)state;
	for (i = 0; i < sizeof(dgram_cases) / sizeof(dgram_cases[0]); i++) {
		const struct dgram_case *c = &dgram_cases[i];

		print_message("%s: %s\n", c->type == NC_HEALTH_UDP ? "udp" : "icmp", c->desc);
		run_start(&r, c->type, 0x10000 + (uint32_t)i * 77);
		before = r.p;
		c->build(&a, &r, q);
		r.rt = 777;
		v = run_feed(&r, &a, T0 + 1234);
		assert_int_equal(v, c->want);
		assert_int_equal(r.out_len, 0);
		assert_int_equal(r.rt, v == NC_PROBE_GOOD ? 1234 : 777);
		if (v == NC_PROBE_PENDING)
			assert_memory_equal(&r.p, &before, sizeof(before));
		else
			assert_int_equal(r.p.state, NC_PROBE_IDLE);
	}
}

/* ------------------------------------------------------------ timeout */

static void
test_timeout(void **state)
{
	uint8_t out[NC_PROBE_FRAME_MAX];
	struct nc_probe p;
	struct run r;
	size_t out_len;

	(void)state;
	/* IDLE: nothing */
	tgt_init(&r.t, NC_HEALTH_TCP);
	memset(&p, 0, sizeof(p));
	out_len = 99;
	assert_int_equal(nc_probe_timeout(&p, &r.t, out, sizeof(out), &out_len), NC_PROBE_PENDING);
	assert_int_equal(out_len, 0);

	/* SYN_SENT: RST alone at ISN + 1 (the sequence a SYN-RECEIVED server expects) */
	run_start(&r, NC_HEALTH_TCP, 11);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	check_tcp(r.out, r.out_len, r.p.isn + 1, 0, PB_TCP_RST, 0, NULL, 0);
	assert_int_equal(r.p.state, NC_PROBE_IDLE);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_PENDING);
	assert_int_equal(r.out_len, 0);

	/* http in SYN_SENT: the same */
	run_start(&r, NC_HEALTH_HTTP, 12);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	check_tcp(r.out, r.out_len, r.p.isn + 1, 0, PB_TCP_RST, 0, NULL, 0);

	/* REQ_SENT: RST|ACK after the request, acking the server's SYN */
	run_http_req_sent(&r);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	check_tcp(r.out, r.out_len, r.p.isn + 1 + HTTP_REQ_LEN, PEER_ISN + 1,
		  PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);
	assert_int_equal(r.p.state, NC_PROBE_IDLE);

	/* UDP and echo: no frame */
	run_start(&r, NC_HEALTH_UDP, 13);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	assert_int_equal(r.out_len, 0);
	assert_int_equal(r.p.state, NC_PROBE_IDLE);
	run_start(&r, NC_HEALTH_ICMP, 14);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	assert_int_equal(r.out_len, 0);
	assert_int_equal(r.p.state, NC_PROBE_IDLE);
	/* the late answer after the timeout: nothing */
	{
		struct pb_pkt a;
		uint8_t q[PB_MAX_FRAME];

		d_echo(&a, &r, q);
		assert_int_equal(run_feed(&r, &a, T0 + 5), NC_PROBE_PENDING);
	}
}

/* Room too small for the frame to send: the verdict stands, nothing is sent. */
static void
test_small_cap(void **state)
{
	uint8_t small[53];
	struct pb_pkt a;
	struct run r;
	size_t out_len;
	uint32_t rt = 0;

	(void)state;
	/* tcp: GOOD without the RST (53 < 54) */
	run_start(&r, NC_HEALTH_TCP, 21);
	ans_tcp(&a, PEER_ISN, r.p.isn + 1, SA);
	{
		uint8_t f[PB_MAX_FRAME];
		uint32_t len = pb_build(&a, f, sizeof(f));

		out_len = 99;
		assert_int_equal(nc_probe_input(&r.p, &r.t, f, len, T0 + 10, small, sizeof(small),
						&out_len, &rt), NC_PROBE_GOOD);
		assert_int_equal(out_len, 0);
		assert_int_equal(rt, 10);
		/* out NULL */
		run_start(&r, NC_HEALTH_TCP, 22);
		pb_put32(f + 42, r.p.isn + 1);               /* ack */
		pb_put16(f + 50, 0);
		pb_put16(f + 50, pb_csum(f + 34, 20, pb_pseudo_sum(SERVER_IP, LOCAL_IP, 6, 20)));
		out_len = 99;
		assert_int_equal(nc_probe_input(&r.p, &r.t, f, len, T0 + 11, NULL, 0, &out_len, &rt),
				 NC_PROBE_GOOD);
		assert_int_equal(out_len, 0);
		assert_int_equal(rt, 11);
	}

	/* http: the request does not fit; stays SYN_SENT, and the server's
	 * retransmitted SYN-ACK with room goes on */
	run_start(&r, NC_HEALTH_HTTP, 23);
	ans_tcp(&a, PEER_ISN, r.p.isn + 1, SA);
	{
		uint8_t f[PB_MAX_FRAME], out[PB_ETH_LEN + 40 + HTTP_REQ_LEN];
		uint32_t len = pb_build(&a, f, sizeof(f));

		out_len = 99;
		assert_int_equal(nc_probe_input(&r.p, &r.t, f, len, T0 + 10, out, sizeof(out) - 1,
						&out_len, &rt), NC_PROBE_PENDING);
		assert_int_equal(out_len, 0);
		assert_int_equal(r.p.state, NC_PROBE_SYN_SENT);
		assert_int_equal(nc_probe_input(&r.p, &r.t, f, len, T0 + 20, out, sizeof(out),
						&out_len, &rt), NC_PROBE_PENDING);
		assert_int_equal(out_len, sizeof(out));
		assert_memory_equal(out + PB_ETH_LEN + 40, HTTP_REQ, HTTP_REQ_LEN);
		assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
		assert_int_equal(r.p.t_sent_us, T0 + 20);
	}
	/* http response: verdict without the RST */
	ans_tcp(&a, PEER_ISN + 1, r.p.isn + 1 + HTTP_REQ_LEN, PB_TCP_ACK);
	a.payload = (const uint8_t *)"HTTP/1.1 503 Busy\r\n";
	a.payload_len = 19;
	{
		uint8_t f[PB_MAX_FRAME];
		uint32_t len = pb_build(&a, f, sizeof(f));

		out_len = 99;
		assert_int_equal(nc_probe_input(&r.p, &r.t, f, len, T0 + 30, small, sizeof(small),
						&out_len, &rt), NC_PROBE_BAD);
		assert_int_equal(out_len, 0);
		assert_int_equal(r.p.state, NC_PROBE_IDLE);
	}
	/* timeouts */
	run_start(&r, NC_HEALTH_TCP, 24);
	out_len = 99;
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, small, sizeof(small), &out_len),
			 NC_PROBE_BAD);
	assert_int_equal(out_len, 0);
	run_http_req_sent(&r);
	out_len = 99;
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, NULL, 0, &out_len), NC_PROBE_BAD);
	assert_int_equal(out_len, 0);
	assert_int_equal(r.p.state, NC_PROBE_IDLE);
}

/* ------------------------------------------------------------ untrusted frames */

/* Every answer that ends a probe, as a complete frame, with its verdict and
 * what nc_probe_match must say of it. */
struct answer {
	const char *desc;
	enum nc_health_type type;
	bool req_sent;           /* http: after the request */
	int want;
	uint32_t match_ip;
	uint16_t match_port;
	void (*build)(struct pb_pkt *a, const struct run *r, uint8_t *q);
};

static void w_synack(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans_tcp(a, PEER_ISN, r->p.isn + 1, SA);
	a->tcp_doff = 8;
}
static void w_rst(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans_tcp(a, 0, r->p.isn + 1, RA);
}
static void w_resp(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans_tcp(a, PEER_ISN + 1, r->p.isn + 1 + HTTP_REQ_LEN, PB_TCP_ACK | PB_TCP_PSH);
	a->payload = (const uint8_t *)"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	a->payload_len = 38;
}
static void w_fin(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans_tcp(a, PEER_ISN + 1, r->p.isn + 1 + HTTP_REQ_LEN, PB_TCP_ACK | PB_TCP_FIN);
}
static void w_unreach_tcp(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	uint16_t qlen;

	b_unreach_first(a, r, q, &qlen);
}

static const struct answer answers[] = {
	{ "SYN-ACK with options", NC_HEALTH_TCP, false, NC_PROBE_GOOD, LOCAL_IP, PROBE_PORT,
	  w_synack },
	{ "RST|ACK", NC_HEALTH_TCP, false, NC_PROBE_BAD, LOCAL_IP, PROBE_PORT, w_rst },
	{ "port unreachable quoting the SYN", NC_HEALTH_TCP, false, NC_PROBE_BAD, LOCAL_IP,
	  PROBE_PORT, w_unreach_tcp },
	{ "http 200", NC_HEALTH_HTTP, true, NC_PROBE_GOOD, LOCAL_IP, PROBE_PORT, w_resp },
	{ "http FIN", NC_HEALTH_HTTP, true, NC_PROBE_BAD, LOCAL_IP, PROBE_PORT, w_fin },
	{ "UDP reply", NC_HEALTH_UDP, false, NC_PROBE_GOOD, LOCAL_IP, PROBE_PORT, d_udp },
	{ "port unreachable quoting the datagram", NC_HEALTH_UDP, false, NC_PROBE_BAD, LOCAL_IP,
	  PROBE_PORT, d_unreach },
	{ "echo reply", NC_HEALTH_ICMP, false, NC_PROBE_GOOD, LOCAL_IP, PROBE_PORT, d_echo },
	{ "host unreachable quoting the echo", NC_HEALTH_ICMP, false, NC_PROBE_BAD, LOCAL_IP,
	  PROBE_PORT, d_unreach },
};

static void
answer_setup(const struct answer *w, struct run *r)
{
	if (w->req_sent)
		run_http_req_sent(r);
	else
		run_start(r, w->type, 31);
}

/* Input and match on <len> bytes of <f>, from an exact-size heap copy. */
static int
feed_bytes(struct run *r, const uint8_t *f, size_t len, int *match, uint32_t *ip, uint16_t *port)
{
	uint8_t *copy = malloc(len);
	int v;

	assert_true(copy != NULL || len == 0);
	if (len != 0)
		memcpy(copy, f, len);
	*match = nc_probe_match(copy, len, ip, port);
	r->out_len = 12345;
	v = nc_probe_input(&r->p, &r->t, copy, len, T0 + 5, r->out, sizeof(r->out), &r->out_len,
			   &r->rt);
	free(copy);
	return v;
}

/* Each answer cut at every length: ignored, no match; whole: its verdict. */
static void
test_truncated(void **state)
{
	uint8_t f[PB_MAX_FRAME], q[PB_MAX_FRAME];
	struct nc_probe before;
	struct pb_pkt a;
	struct run r;
	uint32_t full, len, ip;
	uint16_t port;
	size_t i;
	int m;

	(void)state;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer *w = &answers[i];

		print_message("truncated: %s\n", w->desc);
		answer_setup(w, &r);
		w->build(&a, &r, q);
		full = pb_build(&a, f, sizeof(f));
		assert_true(full != 0);
		before = r.p;
		for (len = 0; len < full; len++) {
			assert_int_equal(feed_bytes(&r, f, len, &m, &ip, &port), NC_PROBE_PENDING);
			assert_int_equal(r.out_len, 0);
			assert_int_equal(m, -EINVAL);
			assert_memory_equal(&r.p, &before, sizeof(before));
		}
		assert_int_equal(feed_bytes(&r, f, full, &m, &ip, &port), w->want);
		assert_int_equal(m, 0);
		assert_int_equal(ip, rte_cpu_to_be_32(w->match_ip));
		assert_int_equal(port, rte_cpu_to_be_16(w->match_port));
		assert_int_equal(r.p.state, NC_PROBE_IDLE);
	}
}

/*
 * Each answer with any one bit flipped. The MAC addresses are not checked
 * (the port filters them): the verdict stands. Every other bit is the
 * ethertype or is covered by the IP or the L4 checksum, and a one's-complement
 * sum catches every single-bit error: ignored, and no match.
 */
static void
test_bitflip(void **state)
{
	uint8_t f[PB_MAX_FRAME], q[PB_MAX_FRAME];
	struct nc_probe before;
	struct pb_pkt a;
	struct run r;
	uint32_t full, byte, ip;
	uint16_t port;
	unsigned int bit;
	size_t i;
	int m, v;

	(void)state;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer *w = &answers[i];

		print_message("bit flips: %s\n", w->desc);
		for (byte = 0;; byte++) {
			answer_setup(w, &r);
			w->build(&a, &r, q);
			full = pb_build(&a, f, sizeof(f));
			if (byte >= full)
				break;
			before = r.p;
			for (bit = 0; bit < 8; bit++) {
				r.p = before;
				f[byte] ^= (uint8_t)(1u << bit);
				v = feed_bytes(&r, f, full, &m, &ip, &port);
				f[byte] ^= (uint8_t)(1u << bit);
				if (byte < 12) {
					assert_int_equal(v, w->want);
					assert_int_equal(m, 0);
				} else {
					if (v != NC_PROBE_PENDING || m != -EINVAL)
						fail_msg("byte %u bit %u: verdict %d, match %d", byte, bit,
							 v, m);
					assert_memory_equal(&r.p, &before, sizeof(before));
				}
			}
		}
	}
}

/* ------------------------------------------------------------ match */

struct match_case {
	const char *desc;
	void (*build)(struct pb_pkt *a, uint8_t *q);
	int want;
	uint32_t ip;
	uint16_t port;
};

/* A packet the appliance sent, to be quoted: from LOCAL_IP2:61005 (or echo id 0x1234). */
static uint16_t
quoted(uint8_t *q, uint8_t proto, uint8_t icmp_type, uint16_t l4_keep)
{
	uint8_t f[PB_MAX_FRAME];
	struct pb_pkt p;
	uint32_t len;

	pb_probe_init(&p, proto);
	p.sip = LOCAL_IP2;
	p.sport = 61005;
	p.icmp_type = icmp_type;
	p.icmp_id = 0x1234;
	len = pb_build(&p, f, sizeof(f));
	memcpy(q, f + PB_ETH_LEN, len - PB_ETH_LEN);
	return (uint16_t)(20 + l4_keep);
}

/* A variant of frame <base> with one change. */
#define MEDIT(name, base, body) \
	static void name(struct pb_pkt *a, uint8_t *q) { base(a, q); body; }

static void m_tcp(struct pb_pkt *a, uint8_t *q) { (void)q; ans_tcp(a, 1, 2, SA); }
static void m_udp(struct pb_pkt *a, uint8_t *q) { (void)q; ans_udp(a); a->dport = 53000; }
static void m_echo(struct pb_pkt *a, uint8_t *q) { (void)q; ans_echo(a, 9); a->icmp_id = 0xbeef; }
MEDIT(m_echo_req, m_echo, a->icmp_type = 8)
MEDIT(m_echo_code, m_echo, a->icmp_code = 3)
/* Unreachable quoting a packet of <proto> (ICMP type <ty>) with <keep> L4 bytes. */
#define QUOTE(name, proto, ty, keep) \
	static void name(struct pb_pkt *a, uint8_t *q) { ans_unreach(a, q, quoted(q, proto, ty, keep)); }

QUOTE(m_q_tcp, PROTO_TCP, 0, 8)
QUOTE(m_q_tcp_whole, PROTO_TCP, 0, 20)
QUOTE(m_q_udp, PROTO_UDP, 0, 8)
QUOTE(m_q_echo, PROTO_ICMP, 8, 8)
QUOTE(m_q_reply, PROTO_ICMP, 0, 8)
QUOTE(m_q_short, PROTO_UDP, 0, 7)
QUOTE(m_q_ip_only, PROTO_UDP, 0, 0)
MEDIT(m_q_ihl, m_q_udp, q[0] = 0x43)
MEDIT(m_q_ihl15, m_q_udp, q[0] = 0x4f)
MEDIT(m_q_gre, m_q_udp, q[9] = 47)
MEDIT(m_q_frag, m_q_udp, pb_put16(q + 6, 0x2001))
MEDIT(m_q_first_frag, m_q_udp, pb_put16(q + 6, 0x2000))
MEDIT(m_time_exc, m_q_udp, a->icmp_type = 11)
static void m_empty_unreach(struct pb_pkt *a, uint8_t *q) { (void)q; ans_unreach(a, NULL, 0); }
static void m_gre(struct pb_pkt *a, uint8_t *q) { (void)q; pb_init(a, 47); a->dip = LOCAL_IP; }
MEDIT(m_tcp_frag, m_tcp, a->frag = 0x2000)
MEDIT(m_tcp_csum, m_tcp, a->ip_csum_xor = 0x10)
MEDIT(m_udp_csum, m_udp, a->l4_csum_xor = 0x10)
MEDIT(m_udp_len7, m_udp, a->udp_len_adj = -1; a->udp_no_csum = true)
MEDIT(m_vlan, m_tcp, a->ethertype = PB_ETH_VLAN)
MEDIT(m_tcp12, m_tcp, e_tcp12(a))

static const struct match_case match_cases[] = {
	{ "TCP: destination IP and port", m_tcp, 0, LOCAL_IP, PROBE_PORT },
	{ "UDP: destination IP and port", m_udp, 0, LOCAL_IP, 53000 },
	{ "echo reply: destination IP and id", m_echo, 0, LOCAL_IP, 0xbeef },
	{ "unreachable quoting TCP: quoted source", m_q_tcp, 0, LOCAL_IP2, 61005 },
	{ "unreachable quoting a whole TCP header", m_q_tcp_whole, 0, LOCAL_IP2, 61005 },
	{ "unreachable quoting UDP: quoted source", m_q_udp, 0, LOCAL_IP2, 61005 },
	{ "unreachable quoting an echo request: its id", m_q_echo, 0, LOCAL_IP2, 0x1234 },
	{ "unreachable quoting a first fragment", m_q_first_frag, 0, LOCAL_IP2, 61005 },
	{ "echo request", m_echo_req, -EINVAL, 0, 0 },
	{ "echo reply with code 3", m_echo_code, -EINVAL, 0, 0 },
	{ "unreachable quoting an echo reply", m_q_reply, -EINVAL, 0, 0 },
	{ "unreachable quoting 7 L4 bytes", m_q_short, -EINVAL, 0, 0 },
	{ "unreachable quoting an IP header only", m_q_ip_only, -EINVAL, 0, 0 },
	{ "unreachable quoting IHL 3", m_q_ihl, -EINVAL, 0, 0 },
	{ "unreachable quoting IHL 15 (past the message)", m_q_ihl15, -EINVAL, 0, 0 },
	{ "unreachable quoting GRE", m_q_gre, -EINVAL, 0, 0 },
	{ "unreachable quoting a later fragment", m_q_frag, -EINVAL, 0, 0 },
	{ "unreachable quoting nothing", m_empty_unreach, -EINVAL, 0, 0 },
	{ "time exceeded", m_time_exc, -EINVAL, 0, 0 },
	{ "GRE", m_gre, -EINVAL, 0, 0 },
	{ "TCP first fragment", m_tcp_frag, -EINVAL, 0, 0 },
	{ "TCP with a bad IP checksum", m_tcp_csum, -EINVAL, 0, 0 },
	{ "UDP with a bad checksum", m_udp_csum, -EINVAL, 0, 0 },
	{ "UDP length 7, no checksum", m_udp_len7, -EINVAL, 0, 0 },
	{ "802.1Q tagged", m_vlan, -EINVAL, 0, 0 },
	{ "TCP segment of 12 bytes ending the frame", m_tcp12, -EINVAL, 0, 0 },
};

static void
test_match(void **state)
{
	uint8_t f[PB_MAX_FRAME], q[PB_MAX_FRAME], *copy;
	struct pb_arp arp;
	struct pb_pkt a;
	uint32_t len, ip;
	uint16_t port;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];

		print_message("match: %s\n", c->desc);
		c->build(&a, q);
		len = pb_build(&a, f, sizeof(f));
		assert_true(len != 0);
		ip = 0xffffffff;
		port = 0xffff;
		copy = malloc(len);                 /* exact size: ASan sees any read past it */
		assert_non_null(copy);
		memcpy(copy, f, len);
		assert_int_equal(nc_probe_match(copy, len, &ip, &port), c->want);
		free(copy);
		if (c->want == 0) {
			assert_int_equal(ip, rte_cpu_to_be_32(c->ip));
			assert_int_equal(port, rte_cpu_to_be_16(c->port));
		}
	}
	pb_arp_init(&arp, 2);
	len = pb_arp_build(&arp, f, sizeof(f));
	assert_int_equal(nc_probe_match(f, len, &ip, &port), -EINVAL);
	assert_int_equal(nc_probe_match(NULL, 0, &ip, &port), -EINVAL);
}

/* Two probes in a row: an answer to the first one is nothing to the second. */
static void
test_stale_answer(void **state)
{
	uint32_t old_isn;
	struct pb_pkt a;
	struct run r;

	(void)state;
	run_start(&r, NC_HEALTH_TCP, 100);
	old_isn = r.p.isn;
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	assert_int_equal(nc_probe_start(&r.p, &r.t, T0 + 1000000, 101, r.first, sizeof(r.first)),
			 58);
	assert_int_not_equal(r.p.isn, old_isn);
	ans_tcp(&a, PEER_ISN, old_isn + 1, SA);
	assert_int_equal(run_feed(&r, &a, T0 + 1000100), NC_PROBE_PENDING);
	ans_tcp(&a, PEER_ISN, r.p.isn + 1, SA);
	assert_int_equal(run_feed(&r, &a, T0 + 1000100), NC_PROBE_GOOD);
	assert_int_equal(r.rt, 100);

	/* echo: the reply to the previous sequence is nothing */
	run_start(&r, NC_HEALTH_ICMP, 200);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	assert_int_equal(nc_probe_start(&r.p, &r.t, T0, 201, r.first, sizeof(r.first)), 58);
	ans_echo(&a, 200);
	assert_int_equal(run_feed(&r, &a, T0 + 7), NC_PROBE_PENDING);
	ans_echo(&a, 201);
	assert_int_equal(run_feed(&r, &a, T0 + 7), NC_PROBE_GOOD);
	assert_int_equal(r.rt, 7);
}

/* ------------------------------------------------------------ IPv6 */

#define PROTO_ICMP6 PB_PROTO_ICMPV6

#define HTTP_REQ6 "GET /health HTTP/1.0\r\nHost: [fd00:201::11]\r\n" \
	"User-Agent: netchestra-health\r\nConnection: close\r\n\r\n"
#define HTTP_REQ6_LEN ((uint32_t)sizeof(HTTP_REQ6) - 1)

#define ETH_IP6 (PB_ETH_LEN + 40)

static uint8_t local6[16], local6b[16], server6[16], server6b[16], router6[16];

static void
addrs6(void)
{
	pb_ip6(local6, "fd00:201::1");
	pb_ip6(local6b, "fd00:201::2");
	pb_ip6(server6, "fd00:201::11");
	pb_ip6(server6b, "fd00:201::12");
	pb_ip6(router6, "fd00:201::fe");
}

static void
run_start6(struct run *r, enum nc_health_type type, uint32_t seed)
{
	int n;

	addrs6();
	tgt_init(&r->t, type);
	r->t.family = AF_INET6;
	r->t.src_ip = r->t.dst_ip = 0;
	memcpy(r->t.src_ip6, local6, 16);
	memcpy(r->t.dst_ip6, server6, 16);
	memset(&r->p, 0x5a, sizeof(r->p));
	n = nc_probe_start(&r->p, &r->t, T0, seed, r->first, sizeof(r->first));
	assert_true(n > 0);
	r->first_len = (size_t)n;
	r->out_len = 12345;
	r->rt = 0;
}

/* A frame from the probe to the server over IPv6, as pkt_build makes it. */
static void
pb_probe6_init(struct pb_pkt *w, uint8_t proto)
{
	pb_init6(w, proto);
	memcpy(w->dst_mac, hop_mac, 6);
	memcpy(w->src_mac, our_mac, 6);
	memcpy(w->sip6, local6, 16);
	memcpy(w->dip6, server6, 16);
	w->sport = PROBE_PORT;
	w->dport = SERVER_PORT;
}

/* <f> must be the frame pkt_build makes of <want>, its checksums right. */
static void
check_same6(const uint8_t *f, size_t len, const struct pb_pkt *want)
{
	uint8_t exp[PB_MAX_FRAME];
	char diff[128];
	uint32_t elen;

	assert_true(len >= ETH_IP6);
	assert_int_equal(pb_get16(f + 12), PB_ETH_IPV6);
	assert_int_equal(pb_get32(f + PB_ETH_LEN), 6u << 28);   /* no class, no flow label */
	assert_int_equal(pb_get16(f + PB_ETH_LEN + 4), len - ETH_IP6);
	assert_int_equal(f[PB_ETH_LEN + 7], 64);                 /* hop limit */
	check_csums(f, len);
	elen = pb_build(want, exp, sizeof(exp));
	assert_true(elen != 0);
	pb_diff(f, (uint32_t)len, exp, elen, diff, sizeof(diff));
	if (diff[0] != '\0')
		fail_msg("frame differs from the expected one: %s", diff);
}

/* A TCP segment of the probe without option, over IPv6. */
static void
check_tcp6(const uint8_t *f, size_t len, uint32_t seq, uint32_t ack, uint8_t flags,
	   uint16_t win, const char *data, uint16_t dlen)
{
	struct pb_pkt w;

	assert_int_equal(len, ETH_IP6 + 20 + dlen);
	pb_probe6_init(&w, PROTO_TCP);
	w.seq = seq;
	w.ack = ack;
	w.tcp_flags = flags;
	w.window = win;
	w.payload = (const uint8_t *)data;
	w.payload_len = dlen;
	check_same6(f, len, &w);
}

/* The SYN over IPv6: MSS 1460 written over pkt_build's NOPs, the checksum
 * recomputed with the IPv6 pseudo-header. */
static void
check_syn6(const uint8_t *f, size_t len, uint32_t isn)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t exp[PB_MAX_FRAME], *l4 = exp + ETH_IP6;
	struct pb_pkt w;
	char diff[128];
	uint32_t elen;

	assert_int_equal(len, ETH_IP6 + 24);
	check_csums(f, len);
	assert_int_equal(f[PB_ETH_LEN + 6], PROTO_TCP);
	pb_probe6_init(&w, PROTO_TCP);
	w.seq = isn;
	w.tcp_flags = PB_TCP_SYN;
	w.tcp_doff = 6;
	elen = pb_build(&w, exp, sizeof(exp));
	memcpy(l4 + 20, mss, 4);
	pb_put16(l4 + 16, 0);
	pb_put16(l4 + 16, pb_csum(l4, 24, pb_pseudo_sum6(local6, server6, PROTO_TCP, 24)));
	pb_diff(f, (uint32_t)len, exp, elen, diff, sizeof(diff));
	if (diff[0] != '\0')
		fail_msg("SYN differs: %s", diff);
}

/* Answers from the server to the probe over IPv6. */
static void
ans6(struct pb_pkt *a, uint8_t proto)
{
	pb_init6(a, proto);
	memcpy(a->sip6, server6, 16);
	memcpy(a->dip6, local6, 16);
	a->sport = SERVER_PORT;
	a->dport = PROBE_PORT;
}

static void
ans6_tcp(struct pb_pkt *a, uint32_t seq, uint32_t ack, uint8_t flags)
{
	ans6(a, PROTO_TCP);
	a->seq = seq;
	a->ack = ack;
	a->tcp_flags = flags;
}

static void
test_start6(void **state)
{
	static const enum nc_health_type tcp[] = { NC_HEALTH_TCP, NC_HEALTH_HTTP };
	struct run r;
	struct pb_pkt w;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		run_start6(&r, tcp[i], 42);
		check_syn6(r.first, r.first_len, r.p.isn);
		assert_int_equal(r.p.state, NC_PROBE_SYN_SENT);
		if (tcp[i] == NC_HEALTH_HTTP)
			assert_int_equal(r.p.req_len, HTTP_REQ6_LEN);
	}

	run_start6(&r, NC_HEALTH_UDP, 9);
	assert_int_equal(r.first_len, ETH_IP6 + 8 + sizeof(udp_ping));
	pb_probe6_init(&w, PROTO_UDP);
	w.payload = udp_ping;
	w.payload_len = sizeof(udp_ping);
	check_same6(r.first, r.first_len, &w);
	assert_int_equal(r.p.state, NC_PROBE_UDP_SENT);

	run_start6(&r, NC_HEALTH_ICMP, 0x1234abcd);
	assert_int_equal(r.first_len, ETH_IP6 + 8 + 16);
	assert_int_equal(r.first[ETH_IP6], 128);
	pb_probe6_init(&w, PROTO_ICMP6);
	w.icmp_type = 128;
	w.icmp_id = PROBE_PORT;
	w.icmp_seq = 0xabcd;
	w.payload = (const uint8_t *)"netchestra probe";
	w.payload_len = 16;
	check_same6(r.first, r.first_len, &w);
	assert_int_equal(r.p.state, NC_PROBE_ECHO_SENT);

}

/* health.proxy over IPv6: the request opens with the TCP6 line or the
 * AF_INET6 header of the probe's own connection. */
static void
test_http6_proxy(void **state)
{
	static const char line[] = "PROXY TCP6 fd00:201::1 fd00:201::11 61000 8080\r\n";
	uint8_t want[128 + HTTP_REQ6_LEN];
	uint32_t hl;
	struct pb_pkt a;
	struct run r;
	int v;

	(void)state;
	for (v = NC_CA_PROXY_V1; v <= NC_CA_PROXY_V2; v++) {
		if (v == NC_CA_PROXY_V1) {
			hl = sizeof(line) - 1;
			memcpy(want, line, hl);
		} else {
			memcpy(want, "\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24", 16);
			memcpy(want + 16, local6, 16);
			memcpy(want + 32, server6, 16);
			pb_put16(want + 48, PROBE_PORT);
			pb_put16(want + 50, SERVER_PORT);
			hl = 52;
		}
		memcpy(want + hl, HTTP_REQ6, HTTP_REQ6_LEN);
		run_start6(&r, NC_HEALTH_HTTP, 7);
		r.t.proxy = (uint8_t)v;
		assert_true(nc_probe_start(&r.p, &r.t, T0, 7, r.first, sizeof(r.first)) > 0);
		ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
		assert_int_equal(run_feed(&r, &a, T0 + 100), NC_PROBE_PENDING);
		assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
		check_tcp6(r.out, r.out_len, r.p.isn + 1, PEER_ISN + 1, PB_TCP_ACK | PB_TCP_PSH, 65535,
			   (const char *)want, hl + HTTP_REQ6_LEN);
	}
}

/* tcp and http conversations over IPv6, the RST rules as over IPv4. */
static void
test_tcp6(void **state)
{
	struct run r;
	struct pb_pkt a;

	(void)state;
	/* SYN-ACK: good, and the RST */
	run_start6(&r, NC_HEALTH_TCP, 5);
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 30), NC_PROBE_GOOD);
	assert_int_equal(r.rt, 30);
	check_tcp6(r.out, r.out_len, r.p.isn + 1, PEER_ISN + 1, PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);

	/* RST acknowledging the SYN: bad, nothing sent */
	run_start6(&r, NC_HEALTH_TCP, 5);
	ans6_tcp(&a, 0, r.p.isn + 1, PB_TCP_RST | PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_BAD);
	assert_int_equal(r.out_len, 0);

	/* RST with another ack, or without ACK: ignored (RFC 793, SYN-SENT) */
	run_start6(&r, NC_HEALTH_TCP, 5);
	ans6_tcp(&a, 0, r.p.isn + 2, PB_TCP_RST | PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	ans6_tcp(&a, 0, 0, PB_TCP_RST);
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	/* an unacceptable ACK gets a reset at its acknowledgement */
	ans6_tcp(&a, PEER_ISN, r.p.isn + 7, PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	check_tcp6(r.out, r.out_len, r.p.isn + 7, 0, PB_TCP_RST, 0, NULL, 0);
	/* from another server, to another local IP, from another port, bad
	 * checksum, IPv4: ignored */
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	memcpy(a.sip6, server6b, 16);
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	memcpy(a.dip6, local6b, 16);
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	a.sport++;
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	a.l4_csum_xor = 0x0100;
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	ans_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 1), NC_PROBE_PENDING);
	assert_int_equal(r.p.state, NC_PROBE_SYN_SENT);
	/* the timeout's RST at the sequence the server expects */
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	check_tcp6(r.out, r.out_len, r.p.isn + 1, 0, PB_TCP_RST, 0, NULL, 0);
}

static void
test_http6(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	static const char busy[] = "HTTP/1.0 503 Service Unavailable\r\n\r\n";
	struct run r;
	struct pb_pkt a;

	(void)state;
	run_start6(&r, NC_HEALTH_HTTP, 7);
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 100), NC_PROBE_PENDING);
	assert_int_equal(r.p.state, NC_PROBE_REQ_SENT);
	check_tcp6(r.out, r.out_len, r.p.isn + 1, PEER_ISN + 1, PB_TCP_ACK | PB_TCP_PSH, 65535,
		   HTTP_REQ6, HTTP_REQ6_LEN);
	ans6_tcp(&a, PEER_ISN + 1, r.p.isn + 1 + HTTP_REQ6_LEN, PB_TCP_ACK | PB_TCP_PSH);
	a.payload = (const uint8_t *)ok;
	a.payload_len = sizeof(ok) - 1;
	assert_int_equal(run_feed(&r, &a, T0 + 150), NC_PROBE_GOOD);
	assert_int_equal(r.rt, 50);
	check_tcp6(r.out, r.out_len, r.p.isn + 1 + HTTP_REQ6_LEN, PEER_ISN + 1 + (uint32_t)sizeof(ok) - 1,
		   PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);

	run_start6(&r, NC_HEALTH_HTTP, 7);
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 100), NC_PROBE_PENDING);
	ans6_tcp(&a, PEER_ISN + 1, r.p.isn + 1 + HTTP_REQ6_LEN, PB_TCP_ACK | PB_TCP_PSH);
	a.payload = (const uint8_t *)busy;
	a.payload_len = sizeof(busy) - 1;
	assert_int_equal(run_feed(&r, &a, T0 + 150), NC_PROBE_BAD);
	check_tcp6(r.out, r.out_len, r.p.isn + 1 + HTTP_REQ6_LEN, PEER_ISN + 1 + (uint32_t)sizeof(busy) - 1,
		   PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);

	/* the timeout in REQ_SENT resets at the end of the request */
	run_start6(&r, NC_HEALTH_HTTP, 7);
	ans6_tcp(&a, PEER_ISN, r.p.isn + 1, PB_TCP_SYN | PB_TCP_ACK);
	assert_int_equal(run_feed(&r, &a, T0 + 100), NC_PROBE_PENDING);
	assert_int_equal(nc_probe_timeout(&r.p, &r.t, r.out, sizeof(r.out), &r.out_len),
			 NC_PROBE_BAD);
	check_tcp6(r.out, r.out_len, r.p.isn + 1 + HTTP_REQ6_LEN, PEER_ISN + 1,
		   PB_TCP_RST | PB_TCP_ACK, 0, NULL, 0);
}

/* UDP, echo and destination unreachable over IPv6. */
static void e6_udp(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)r; (void)q;
	ans6(a, PROTO_UDP);
	a->payload = udp_ping;
	a->payload_len = sizeof(udp_ping);
}
DEDIT(e6_udp_nocsum, e6_udp, a->udp_no_csum = true)
DEDIT(e6_udp_csum, e6_udp, a->l4_csum_xor = 0x0100)
DEDIT(e6_udp_sport, e6_udp, a->sport++)
DEDIT(e6_udp_sip, e6_udp, memcpy(a->sip6, server6b, 16))
DEDIT(e6_udp_dip, e6_udp, memcpy(a->dip6, local6b, 16))
DEDIT(e6_udp_dstopt, e6_udp, a->n_ext = 1; a->ext[0].type = 60)
DEDIT(e6_udp_frag, e6_udp, a->n_ext = 1; a->ext[0].type = 44; a->ext[0].frag = 1)
static void e6_udp4(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)r; (void)q;
	ans_udp(a);
}
static void e6_echo(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans6(a, PROTO_ICMP6);
	a->icmp_type = 129;
	a->icmp_id = PROBE_PORT;
	a->icmp_seq = r->p.echo_seq;
	a->payload = (const uint8_t *)"netchestra probe";
	a->payload_len = 16;
}
DEDIT(e6_echo_id, e6_echo, a->icmp_id++)
DEDIT(e6_echo_seq, e6_echo, a->icmp_seq++)
DEDIT(e6_echo_sip, e6_echo, memcpy(a->sip6, server6b, 16))
DEDIT(e6_echo_v4type, e6_echo, a->icmp_type = 0)
DEDIT(e6_echo_req, e6_echo, a->icmp_type = 128)
DEDIT(e6_echo_csum, e6_echo, a->l4_csum_xor = 4)
static void e6_echo4(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	(void)q;
	ans_echo(a, r->p.echo_seq);
}
/* destination unreachable (code 4: port) from a router, quoting the probe */
static void e6_unreach(struct pb_pkt *a, const struct run *r, uint8_t *q)
{
	memcpy(q, r->first + PB_ETH_LEN, r->first_len - PB_ETH_LEN);
	ans6(a, PROTO_ICMP6);
	memcpy(a->sip6, router6, 16);
	a->icmp_type = 1;
	a->icmp_code = 4;
	a->icmp_id = 0;
	a->icmp_seq = 0;
	a->payload = q;
	a->payload_len = (uint16_t)(r->first_len - PB_ETH_LEN);
}
DEDIT(e6_unreach48, e6_unreach, a->payload_len = 48)
DEDIT(e6_unreach47, e6_unreach, a->payload_len = 47)
DEDIT(e6_unreach_sport, e6_unreach, q[41] ^= 1)
DEDIT(e6_unreach_qdip, e6_unreach, q[39] ^= 1)
DEDIT(e6_unreach_qsip, e6_unreach, q[23] ^= 1)
DEDIT(e6_unreach_dip, e6_unreach, memcpy(a->dip6, local6b, 16))
DEDIT(e6_unreach_texc, e6_unreach, a->icmp_type = 3)
DEDIT(e6_unreach_v4type, e6_unreach, a->icmp_type = 3; a->icmp_code = 3)
DEDIT(e6_unreach_qseq, e6_unreach, q[47] ^= 1)
DEDIT(e6_unreach_qtcpseq, e6_unreach, q[47] ^= 1)

static const struct dgram_case dgram6_cases[] = {
	DG("reply from the server's port", UDP, GOOD, e6_udp),
	DG("reply after a destination options header", UDP, GOOD, e6_udp_dstopt),
	DG("reply without UDP checksum (wrong over IPv6)", UDP, PENDING, e6_udp_nocsum),
	DG("reply with a bad checksum", UDP, PENDING, e6_udp_csum),
	DG("reply from another port", UDP, PENDING, e6_udp_sport),
	DG("reply from another server", UDP, PENDING, e6_udp_sip),
	DG("reply to another local IP", UDP, PENDING, e6_udp_dip),
	DG("a fragment", UDP, PENDING, e6_udp_frag),
	DG("IPv4 reply", UDP, PENDING, e6_udp4),
	DG("echo reply from the server", UDP, PENDING, e6_echo),
	DG("port unreachable quoting the datagram", UDP, BAD, e6_unreach),
	DG("unreachable quoting IPv6 header + 8 bytes", UDP, BAD, e6_unreach48),
	DG("unreachable quoting IPv6 header + 7 bytes", UDP, PENDING, e6_unreach47),
	DG("unreachable quoting another source port", UDP, PENDING, e6_unreach_sport),
	DG("unreachable quoting another server", UDP, PENDING, e6_unreach_qdip),
	DG("unreachable quoting another local IP", UDP, PENDING, e6_unreach_qsip),
	DG("unreachable to another local IP", UDP, PENDING, e6_unreach_dip),
	DG("time exceeded quoting the datagram", UDP, PENDING, e6_unreach_texc),
	DG("echo reply", ICMP, GOOD, e6_echo),
	DG("echo reply with another id", ICMP, PENDING, e6_echo_id),
	DG("echo reply with another sequence", ICMP, PENDING, e6_echo_seq),
	DG("echo reply from another server", ICMP, PENDING, e6_echo_sip),
	DG("ICMPv6 type 0", ICMP, PENDING, e6_echo_v4type),
	DG("echo request from the server", ICMP, PENDING, e6_echo_req),
	DG("echo reply with a bad checksum", ICMP, PENDING, e6_echo_csum),
	DG("ICMP (IPv4) echo reply", ICMP, PENDING, e6_echo4),
	DG("unreachable quoting the echo request", ICMP, BAD, e6_unreach),
	DG("unreachable quoting IPv6 header + 8 bytes", ICMP, BAD, e6_unreach48),
	DG("unreachable quoting another sequence", ICMP, PENDING, e6_unreach_qseq),
	DG("ICMPv6 type 3 quoting the echo request", ICMP, PENDING, e6_unreach_v4type),
	DG("unreachable quoting the SYN", TCP, BAD, e6_unreach),
	DG("unreachable quoting another sequence number", TCP, PENDING, e6_unreach_qtcpseq),
	DG("unreachable quoting another local IP", TCP, PENDING, e6_unreach_qsip),
};

static void
test_datagram6(void **state)
{
	uint8_t q[PB_MAX_FRAME];
	struct nc_probe before;
	struct pb_pkt a;
	struct run r;
	size_t i;
	int v;

	(void)state;
	for (i = 0; i < sizeof(dgram6_cases) / sizeof(dgram6_cases[0]); i++) {
		const struct dgram_case *c = &dgram6_cases[i];

		print_message("ipv6 %s: %s\n", c->type == NC_HEALTH_UDP ? "udp" :
			      c->type == NC_HEALTH_ICMP ? "icmp" : "tcp", c->desc);
		run_start6(&r, c->type, 0x10000 + (uint32_t)i * 77);
		before = r.p;
		c->build(&a, &r, q);
		r.rt = 777;
		v = run_feed(&r, &a, T0 + 20);
		assert_int_equal(v, c->want);
		assert_int_equal(r.out_len, 0);
		assert_int_equal(r.rt, v == NC_PROBE_GOOD ? 20 : 777);
		if (v == NC_PROBE_PENDING)
			assert_memory_equal(&r.p, &before, sizeof(before));
		else
			assert_int_equal(r.p.state, NC_PROBE_IDLE);
	}
}

/* Every IPv6 answer cut short, from an exact-size copy, is no verdict. */
static void
test_truncated6(void **state)
{
	uint8_t f[PB_MAX_FRAME], q[PB_MAX_FRAME], *copy;
	static void (*const build[])(struct pb_pkt *, const struct run *, uint8_t *) = {
		e6_udp, e6_echo, e6_unreach,
	};
	static const enum nc_health_type type[] = { NC_HEALTH_UDP, NC_HEALTH_ICMP, NC_HEALTH_UDP };
	struct pb_pkt a;
	struct run r;
	uint32_t len, n;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		run_start6(&r, type[i], 3);
		build[i](&a, &r, q);
		len = pb_build(&a, f, sizeof(f));
		for (n = 0; n < len; n++) {
			copy = malloc(n + 1);
			assert_non_null(copy);
			memcpy(copy, f, n);
			assert_int_equal(nc_probe_input(&r.p, &r.t, copy, n, T0, r.out, sizeof(r.out),
							&r.out_len, &r.rt), NC_PROBE_PENDING);
			free(copy);
		}
	}
}

static void
test_match6(void **state)
{
	uint8_t f[PB_MAX_FRAME], q[PB_MAX_FRAME], lip[16];
	struct pb_pkt a;
	struct run r;
	uint32_t len, lip4;
	uint16_t port;

	(void)state;
	run_start6(&r, NC_HEALTH_UDP, 3);
	e6_udp(&a, &r, q);
	len = pb_build(&a, f, sizeof(f));
	assert_int_equal(nc_probe_match6(f, len, lip, &port), 0);
	assert_memory_equal(lip, local6, 16);
	assert_int_equal(port, rte_cpu_to_be_16(PROBE_PORT));
	assert_int_equal(nc_probe_match(f, len, &lip4, &port), -EINVAL);

	e6_unreach(&a, &r, q);
	len = pb_build(&a, f, sizeof(f));
	memset(lip, 0, sizeof(lip));
	assert_int_equal(nc_probe_match6(f, len, lip, &port), 0);
	assert_memory_equal(lip, local6, 16);
	assert_int_equal(port, rte_cpu_to_be_16(PROBE_PORT));

	run_start6(&r, NC_HEALTH_ICMP, 3);
	e6_echo(&a, &r, q);
	len = pb_build(&a, f, sizeof(f));
	assert_int_equal(nc_probe_match6(f, len, lip, &port), 0);
	assert_int_equal(port, rte_cpu_to_be_16(PROBE_PORT));
	e6_unreach(&a, &r, q);
	len = pb_build(&a, f, sizeof(f));
	assert_int_equal(nc_probe_match6(f, len, lip, &port), 0);
	assert_int_equal(port, rte_cpu_to_be_16(PROBE_PORT));
	/* an echo request, and IPv4 frames, are not IPv6 answers */
	e6_echo_req(&a, &r, q);
	len = pb_build(&a, f, sizeof(f));
	assert_int_equal(nc_probe_match6(f, len, lip, &port), -EINVAL);
	ans_udp(&a);
	len = pb_build(&a, f, sizeof(f));
	assert_int_equal(nc_probe_match6(f, len, lip, &port), -EINVAL);
	assert_int_equal(nc_probe_match(f, len, &lip4, &port), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_tcp),
		cmocka_unit_test(test_start_udp),
		cmocka_unit_test(test_start_icmp),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_tcp_good),
		cmocka_unit_test(test_tcp_syn_sent),
		cmocka_unit_test(test_http_request),
		cmocka_unit_test(test_http_request_proxy),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_http_req_sent),
		cmocka_unit_test(test_http_unreach),
		cmocka_unit_test(test_datagram),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_small_cap),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bitflip),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_stale_answer),
		cmocka_unit_test(test_start6),
		cmocka_unit_test(test_tcp6),
		cmocka_unit_test(test_http6),
		cmocka_unit_test(test_http6_proxy),
		cmocka_unit_test(test_datagram6),
		cmocka_unit_test(test_truncated6),
		cmocka_unit_test(test_match6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
