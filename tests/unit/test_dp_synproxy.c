/* SPDX-License-Identifier: BSD-3-Clause
 * The SYN proxy (syn_proxy): a SYN answered by the appliance with a cookie
 * and no flow; the client's ACK with a valid cookie opens the flow and sends
 * its server a SYN with the client's ISN and the MSS, window scale, SACK the
 * cookie kept; the server's SYN-ACK acknowledged by the appliance, and from
 * then on every segment translated both ways (sequence numbers, timestamps,
 * SACK blocks, windows of another scale) with exact bytes and checksums;
 * forged, expired and wrong-MSS-index cookies dropped and counted; data with
 * the ACK held and delivered after the SYN-ACK; a server's refusal reaching
 * the client; "auto" turning on above its threshold and off below half; the
 * client-address header (PROXY v2, TOA) on a proxied connection. The same
 * over an IPv6 service (web6 of the dual-stack lab): the cookie SYN-ACK's
 * bytes (MSS 1440, hop limit 64, the checksum over the IPv6 pseudo-header),
 * the server's SYN and the client's ACK made in the client's place, data and
 * SACK blocks translated both ways, the held request, forged (other client
 * addresses among them) and expired cookies, "auto".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_cycles.h>

#include "dp_fixture.h"
#include "dp_priv.h"
#include "dp_synproxy.h"   /* NC_SP_RTO_MS, NC_SP_SYN_TRIES */

#define CISN  0x10000000u   /* the client's ISN */
#define SISN  0x50000000u   /* the server's */
#define C_TS  0x11223344u   /* the client's SYN TSval (syn_opts) */

static void
tweak_on(struct nc_config *c)
{
	c->services[SVC_WEB].syn_proxy = NC_SYNP_ON;
}

static void
tweak_auto(struct nc_config *c)
{
	c->services[SVC_WEB].syn_proxy = NC_SYNP_AUTO;
	c->services[SVC_WEB].syn_proxy_threshold = 4;
}

static int
setup_vclock(void **state, void (*tweak)(struct nc_config *c))
{
	if (fx_setup(state, tweak) != 0)
		return -1;
	((struct fx *)*state)->vclock = 1;   /* the workers on vnow_ms */
	tick(*state, 0);
	return 0;
}

/* web with the TCP fail-safe (30 ms, 2 moves) and syn_proxy on */
static void
tweak_fs(struct nc_config *c)
{
	tweak_tcpfs(c);
	c->services[SVC_WEB].syn_proxy = NC_SYNP_ON;
}

/* syn_proxy on with a client-address header: PROXY v2, or TOA */
static void
tweak_v2(struct nc_config *c)
{
	tweak_on(c);
	c->services[SVC_WEB].client_address = NC_CA_PROXY_V2;
}

static void
tweak_toa(struct nc_config *c)
{
	tweak_on(c);
	c->services[SVC_WEB].client_address = NC_CA_TOA;
}

static void
tweak_fs_v2(struct nc_config *c)
{
	tweak_fs(c);
	c->services[SVC_WEB].client_address = NC_CA_PROXY_V2;
}

static int setup_on(void **state) { return setup_vclock(state, tweak_on); }
static int setup_fs_v2(void **state) { return setup_vclock(state, tweak_fs_v2); }
static int setup_v2(void **state) { return setup_vclock(state, tweak_v2); }
static int setup_toa(void **state) { return setup_vclock(state, tweak_toa); }
static int setup_fs(void **state) { return setup_vclock(state, tweak_fs); }
static int setup_auto(void **state) { return setup_vclock(state, tweak_auto); }

/* The dual-stack lab (web6 tcp/80 on fd00::100 over fd00::11 and fd00::12)
 * with syn_proxy on web6, or "auto" at 4 handshakes under way. */
static void
tweak_on6(struct nc_config *c)
{
	tweak_v6(c);
	c->services[SVC_WEB6].syn_proxy = NC_SYNP_ON;
}

static void
tweak_auto6(struct nc_config *c)
{
	tweak_v6(c);
	c->services[SVC_WEB6].syn_proxy = NC_SYNP_AUTO;
	c->services[SVC_WEB6].syn_proxy_threshold = 4;
}

/* ... and web64 (tcp/80 on fd00::164 over the IPv4 servers: NAT64) with
 * syn_proxy on */
static void
tweak_on64(struct nc_config *c)
{
	tweak_v6_64(c);
	c->services[SVC_WEB64].syn_proxy = NC_SYNP_ON;
}

static int setup_on6(void **state) { return setup_vclock(state, tweak_on6); }
static int setup_on64(void **state) { return setup_vclock(state, tweak_on64); }
static int setup_auto6(void **state) { return setup_vclock(state, tweak_auto6); }

/* syn_proxy on web (web6), with flow sync to a peer dispatcher */
static void
tweak_sync(struct nc_config *c)
{
	c->cluster.enabled = true;
	c->cluster.sync = true;
	c->cluster.n_peers = 1;
	c->cluster.peers[0] = PB_IP(10, 0, 0, 2);
}

static void tweak_sync_on(struct nc_config *c) { tweak_on(c); tweak_sync(c); }
static void tweak_sync_on6(struct nc_config *c) { tweak_on6(c); tweak_sync(c); }
static void tweak_sync_on64(struct nc_config *c) { tweak_on64(c); tweak_sync(c); }

static int
setup_sync_vclock(void **state, void (*tweak)(struct nc_config *c))
{
	if (fx_setup(state, tweak) != 0 || nc_dp_sync_start(((struct fx *)*state)->dp, 0) != 0)
		return -1;
	((struct fx *)*state)->vclock = 1;
	tick(*state, 0);
	return 0;
}

static int setup_sync_on(void **state) { return setup_sync_vclock(state, tweak_sync_on); }
static int setup_sync_on6(void **state) { return setup_sync_vclock(state, tweak_sync_on6); }
static int setup_sync_on64(void **state) { return setup_sync_vclock(state, tweak_sync_on64); }
static int setup_sync_plain(void **state) { return setup_sync_vclock(state, tweak_sync); }

/* The cookie the appliance should compute for the client's port <sport>. */
static uint32_t
cookie_for(struct fx *f, uint16_t sport, uint32_t isn, uint32_t count, uint32_t mssi)
{
	return nc_syncookie_make(&f->dp->synp_key, nc_be32(IP_CLIENT), nc_be32(IP_VIP),
				 rte_cpu_to_be_16(sport), rte_cpu_to_be_16(WEB_PORT), isn, count, mssi);
}

static uint32_t
now_count(struct fx *f)
{
	return nc_syncookie_count(f->vnow_ms + f->dp->synp_clock);
}

/* SYN proxy event <e>'s count on service <svc>. */
static uint64_t
sp_ev(struct fx *f, unsigned int svc, enum nc_sp_event e)
{
	struct nc_dp_stats st;

	stats(f, &st);
	return st.svc[svc].sp[e];
}

static uint64_t
ca_ev(struct fx *f, enum nc_ca_event e)
{
	struct nc_dp_stats st;

	stats(f, &st);
	return st.svc[SVC_WEB].ca[e];
}

static uint64_t
drops_of(struct fx *f, enum nc_drop why)
{
	struct nc_dp_stats st;

	stats(f, &st);
	return st.drop[why];
}

/* TCP option bytes: the SYN-ACK's to a client with syn_opts (MSS 1460,
 * SACK-permitted, timestamps <tsval>/<tsecr>, NOP, window scale <ws>). */
static void
opts_full(uint8_t o[20], uint16_t mss, uint32_t tsval, uint32_t tsecr, uint8_t ws)
{
	const uint8_t b[20] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss, 4, 2, 8, 10,
				(uint8_t)(tsval >> 24), (uint8_t)(tsval >> 16), (uint8_t)(tsval >> 8),
				(uint8_t)tsval, (uint8_t)(tsecr >> 24), (uint8_t)(tsecr >> 16),
				(uint8_t)(tsecr >> 8), (uint8_t)tsecr, 1, 3, 3, ws };

	memcpy(o, b, sizeof(b));
}

/* NOP, NOP, timestamps: 12 bytes. */
static void
opts_ts(uint8_t o[12], uint32_t tsval, uint32_t tsecr)
{
	const uint8_t b[12] = { 1, 1, 8, 10, (uint8_t)(tsval >> 24), (uint8_t)(tsval >> 16),
				(uint8_t)(tsval >> 8), (uint8_t)tsval, (uint8_t)(tsecr >> 24),
				(uint8_t)(tsecr >> 16), (uint8_t)(tsecr >> 8), (uint8_t)tsecr };

	memcpy(o, b, sizeof(b));
}

/* An IPv6 client's SYN options as Linux sends them: MSS 1440 (index 2),
 * SACK-permitted, timestamps C_TS/0, NOP, window scale 7. */
static const uint8_t syn_opts6[20] = { 2, 4, 0x05, 0xa0, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44,
				       0, 0, 0, 0, 1, 3, 3, 7 };

/* The cookie of the IPv6 client's port <sport> (the IPv6 tuple whole). */
static uint32_t
cookie6_vip(struct fx *f, const uint8_t *client, const uint8_t *vip, uint16_t sport, uint32_t isn,
	    uint32_t count, uint32_t mssi)
{
	struct nc_syncookie_tuple t;

	nc_syncookie_tuple6(&t, client, vip, rte_cpu_to_be_16(sport), rte_cpu_to_be_16(WEB_PORT));
	return nc_syncookie_make_t(&f->dp->synp_key, &t, isn, count, mssi);
}

/* <v6> says the connection's families: 0 IPv4, FAM6 an IPv6 client over
 * IPv6 servers, FAM64 an IPv6 client over IPv4 servers (NAT64). Where only
 * the client's family matters it is read as a truth value. */
#define FAM6  1
#define FAM64 2

/* The proxied service: web, web6 or web64 of the dual-stack lab. */
static unsigned int
svc_of(int v6)
{
	return v6 == FAM64 ? SVC_WEB64 : v6 ? SVC_WEB6 : SVC_WEB;
}

/* Local ports free on the local address of the family's service (svc_of()). */
static uint32_t
lports_free(struct fx *f, int v6)
{
	struct nc_worker *w = wk(f, 0);

	return nc_flow_free_lports(w->flows, w->tb->svc[svc_of(v6)].lip[0]);
}
/* A segment of IPv6 connection <fl> from <server>; a bare one the dispatcher
 * makes itself: to <server> from the local address, or (server < 0) to the
 * client from the VIP, hop limit 64. */
static void
tc6_server(struct pb_pkt *p, const struct flow *fl, int server, uint8_t flags, uint32_t seq,
	   uint32_t ack, const void *pay, uint16_t len)
{
	server6(p, &fl->c, server, fl->lport);
	tc_set(p, flags, seq, ack, pay, len);
}

static void
tc6_own(struct pb_pkt *p, const struct flow *fl, int server, uint8_t flags, uint32_t seq,
	uint32_t ack)
{
	pb_init6(p, IPPROTO_TCP);
	memcpy(p->src_mac, mac_port, 6);
	if (server >= 0) {
		memcpy(p->dst_mac, mac_srv[server], 6);
		memcpy(p->sip6, ip6_lip, 16);
		memcpy(p->dip6, ip6_srv[server], 16);
		p->sport = fl->lport;
		p->dport = WEB_SPORT;
	} else {
		memcpy(p->dst_mac, mac_gw, 6);
		memcpy(p->sip6, fl->c.dip6, 16);   /* web6's VIP, or web64's */
		memcpy(p->dip6, fl->c.sip6, 16);
		p->sport = WEB_PORT;
		p->dport = fl->c.sport;
	}
	p->ttl = 64;
	p->tcp_flags = flags;
	p->seq = seq;
	p->ack = ack;
}

/* ------------------------------------------- every family (<v6>) */


/* The family's MSS over a 1500-byte MTU (less the IP and TCP headers,
 * 20 + 20 or 40 + 20): what Linux clients send and the cookie offers. */
static uint16_t
mss_of(int v6)
{
	return v6 ? 1440 : 1460;
}

/* tc_own() or tc6_own(); NAT64's to a server: the IPv6 segment the
 * appliance makes from the client to the VIP (hop limit 64), translated. */
static void
own(struct pb_pkt *p, int v6, const struct flow *fl, int server, uint8_t flags, uint32_t seq,
    uint32_t ack)
{
	struct pb_pkt c;

	if (v6 == FAM64 && server >= 0) {
		tc_client(&c, fl, flags, seq, ack, NULL, 0);
		c.ttl = 64;
		*p = nat64_c2s(&c, server, fl->lport);
	} else if (v6) {
		tc6_own(p, fl, server, flags, seq, ack);
	} else {
		tc_own(p, fl, server, flags, seq, ack);
	}
}

/* A segment of connection <fl> from its server (tc_server(), tc6_server()). */
static void
srv_seg(struct pb_pkt *p, int v6, const struct flow *fl, uint8_t flags, uint32_t seq, uint32_t ack,
	const void *pay, uint16_t len)
{
	if (v6 == FAM6)
		tc6_server(p, fl, fl->server, flags, seq, ack, pay, len);
	else
		tc_server(p, fl, fl->server, flags, seq, ack, pay, len);
}

/* Client segment <in> as connection <fl>'s server gets it, and server
 * segment <in> as the client gets it (before the SYN proxy's translation). */
static struct pb_pkt
c2s(const struct pb_pkt *in, int v6, const struct flow *fl)
{
	return v6 == FAM64 ? nat64_c2s(in, fl->server, fl->lport) :
	       v6 ? nat6_c2s(in, fl->server, fl->lport) : nat_c2s(in, fl->server, fl->lport);
}

static struct pb_pkt
s2c(const struct pb_pkt *in, int v6, const struct flow *fl)
{
	return v6 == FAM64 ? nat64_s2c(in, &fl->c) : v6 ? nat6_s2c(in, &fl->c) : nat_s2c(in, &fl->c);
}

/* <fr> is the SYN the appliance makes for connection <fl>'s client (the
 * client's timestamps from syn_cookie(): its MSS, SACK, clock C_TS + 5 and
 * scale 7; the window unscaled, at most 65535), to its server. */
static void
assert_client_syn(const struct frame *fr, int v6, const struct flow *fl)
{
	struct pb_pkt want;
	uint8_t o[20];

	own(&want, v6, fl, fl->server, PB_TCP_SYN, CISN, 0);
	want.ttl = 63;   /* the client's segment, as the client would have sent it */
	want.window = 65535;
	opts_full(o, mss_of(v6), C_TS + 5, 0, 7);
	assert_wire_opt(fr, &want, o, 20);
}

/* <fr> is the ACK the appliance makes for connection <fl>'s client to its
 * server's SYN-ACK (SISN, clock 777): the client's window in the scale the
 * server knows, its clock C_TS + 5 echoing the server's. */
static void
assert_client_ack(const struct frame *fr, int v6, const struct flow *fl)
{
	struct pb_pkt want;
	uint8_t o[12];

	own(&want, v6, fl, fl->server, PB_TCP_ACK, CISN + 1, SISN + 1);
	want.ttl = 63;
	want.window = 64240;
	opts_ts(o, C_TS + 5, 777);
	assert_wire_opt(fr, &want, o, 12);
}

/* The client's SYN from <sport> (full options, syn_opts or syn_opts6, if
 * <opts>) is answered with a cookie SYN-ACK from the VIP: addresses and
 * ports swapped, ack ISN + 1, the family's MSS (1460, 1440; and with <opts>
 * window scale 7, SACK and the timestamps), TTL or hop limit 64, every
 * checksum right (IPv6's over its pseudo-header); no flow made, no local
 * port taken. Returns the cookie (the SYN-ACK's TSval in *<ts_out>). */
static uint32_t
syn_cookie(struct fx *f, int v6, uint16_t sport, int opts, struct flow *fl, uint32_t *ts_out)
{
	const uint16_t mss = mss_of(v6);
	const uint8_t mss_o[4] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	/* the client's MSS in the cookie: 1460 is index 3, 1440 index 2 */
	const uint32_t mssi = opts ? (v6 ? 2 : 3) : 0;
	struct pb_pkt p, want;
	struct frame fr;
	uint32_t flows = nc_worker_flow_count(wk(f, 0)), ports = lports_free(f, v6);
	uint32_t cookie, ts = 0;
	uint8_t o[20];

	if (v6)
		client6(&p, IPPROTO_TCP, sport);
	else
		client_pkt(&p, IPPROTO_TCP, sport);
	if (v6 == FAM64)
		memcpy(p.dip6, ip6_vip64, 16);
	p.seq = CISN;
	p.window = 64240;
	if (opts && v6)
		rx_opt(f, &p, syn_opts6, sizeof(syn_opts6));
	else if (opts)
		rx_opt(f, &p, syn_opts, sizeof(syn_opts));
	else
		rx(f, 0, &p);
	expect_one(f, 0, &fr);
	memset(fl, 0, sizeof(*fl));
	fl->c = p;
	cookie = v6 ? cookie6_vip(f, ip6_client, p.dip6, sport, CISN, now_count(f), mssi)
		    : cookie_for(f, sport, CISN, now_count(f), mssi);
	own(&want, v6, fl, -1, PB_TCP_SYN | PB_TCP_ACK, cookie, CISN + 1);
	if (opts) {
		ts = nc_syncookie_ts(f->vnow_ms, 7, 1);
		opts_full(o, mss, ts, C_TS, 7);
		assert_wire_opt(&fr, &want, o, 20);
	} else {
		assert_wire_opt(&fr, &want, mss_o, sizeof(mss_o));
	}
	assert_int_equal(fr.b[14 + (v6 ? 7 : 8)], 64);   /* the hop limit or TTL, as built */
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), flows);   /* nothing kept */
	assert_int_equal(lports_free(f, v6), ports);
	if (ts_out != NULL)
		*ts_out = ts;
	return cookie;
}

/* The client's ACK of <cookie> (timestamps <tsval>/<tsecr> if <ts>, payload
 * <pay>): the server (a, for IPv4) gets the client's SYN from a new local
 * port (its ISN, its MSS, with <ts> SACK, timestamps and scale 7; 536
 * without); fl learns the server and port. */
static void
ack_opens(struct fx *f, int v6, struct flow *fl, uint32_t cookie, int ts, uint32_t tsval,
	  uint32_t tsecr, const void *pay, uint16_t len)
{
	struct pb_pkt p, want;
	struct frame fr;
	uint32_t ports = lports_free(f, v6);
	uint8_t o[20];

	tc_client(&p, fl, PB_TCP_ACK | (len ? PB_TCP_PSH : 0), CISN + 1, cookie + 1, pay, len);
	if (ts) {
		opts_ts(o, tsval, tsecr);
		rx_opt(f, &p, o, 12);
	} else {
		rx(f, 0, &p);
	}
	expect_one(f, 0, &fr);
	fl->server = v6 == FAM6 ? server6_of(&fr) : server_of(&fr);
	fl->lport = v6 == FAM6 ? lport6_of(&fr) : lport_of(&fr);
	if (v6 != FAM6)
		assert_int_equal(fl->server, SA);
	own(&want, v6, fl, fl->server, PB_TCP_SYN, CISN, 0);
	want.ttl = 63;   /* the client's segment, as the client would have sent it */
	/* a SYN's window is unscaled: the client's, in its scale 7, at most 65535 */
	want.window = ts ? 65535 : 64240;
	if (ts) {   /* the client's MSS, SACK, clock and scale */
		opts_full(o, mss_of(v6), tsval, 0, 7);
		assert_wire_opt(&fr, &want, o, 20);
	} else {    /* 536: what a SYN without MSS means */
		assert_wire_opt(&fr, &want, (const uint8_t[]){ 2, 4, 0x02, 0x18 }, 4);
	}
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_int_equal(lports_free(f, v6), ports - 1);
}
/* Linux's SYN: the client's MSS (index 3 for 1460, 2 for 1440), window
 * scale and SACK in the TSval; no options: MSS 536 (index 0), neither
 * timestamps nor the rest offered. Only the family's service counts. */
static void
syn_cookie_case(struct fx *f, int v6)
{
	struct nc_dp_stats st;
	struct flow fl;
	uint32_t ts;

	syn_cookie(f, v6, 40000, 1, &fl, &ts);
	assert_int_equal(ts & 0x3f, 7 | 0x10);
	assert_true(ts <= f->vnow_ms);
	syn_cookie(f, v6, 40001, 0, &fl, NULL);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_COOKIE_SENT), 2);
	if (v6)   /* web beside it: none */
		assert_int_equal(sp_ev(f, SVC_WEB, NC_SP_EV_COOKIE_SENT), 0);
	stats(f, &st);
	assert_int_equal(st.svc[svc_of(v6)].flows_opened, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void test_syn_cookie(void **state) { syn_cookie_case(*state, 0); }
static void test_syn_cookie6(void **state) { syn_cookie_case(*state, 1); }
static void test_syn_cookie64(void **state) { syn_cookie_case(*state, FAM64); }

/* The whole proxied connection: the ACK opens it, the server's SYN-ACK (its
 * own scale 9 and clock) is answered with the client's ACK, then data both
 * ways in the other side's numbers, a SACK block too; the server's SYN-ACK
 * again (our ACK lost) is acknowledged again. */
static void
bridged_case(struct fx *f, int v6)
{
	const unsigned int svc = svc_of(v6);
	struct nc_dp_stats st;
	struct pb_pkt p, want;
	struct frame fr;
	struct flow fl;
	uint32_t cookie, ts, ts_off;
	uint8_t o[20];
	const uint8_t sack[12] = { 1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t sk[12], skw[12];

	cookie = syn_cookie(f, v6, 40000, 1, &fl, &ts);
	ack_opens(f, v6, &fl, cookie, 1, C_TS + 5, ts, NULL, 0);
	assert_int_equal(sp_ev(f, svc, NC_SP_EV_COOKIE_VALID), 1);

	/* the server accepts with window scale 9 and its own clock: the
	 * appliance acknowledges it from the client's place */
	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, mss_of(v6), 777, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	expect_one(f, 0, &fr);
	assert_client_ack(&fr, v6, &fl);
	assert_int_equal(sp_ev(f, svc, NC_SP_EV_OPENED), 1);
	ts_off = ts - 777;

	/* client data: acknowledgement and timestamp echo in the server's numbers */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET", 3);
	opts_ts(o, C_TS + 9, ts);
	rx_opt(f, &p, o, 12);
	expect_one(f, 0, &fr);
	want = c2s(&p, v6, &fl);
	want.ack = SISN + 1;
	opts_ts(o, C_TS + 9, 777);
	assert_wire_opt(&fr, &want, o, 12);

	/* server data: sequence number and clock in the client's, its window
	 * (scale 9) in the client's scale 7 */
	srv_seg(&p, v6, &fl, PB_TCP_ACK | PB_TCP_PSH, SISN + 1, CISN + 4, "HTTP", 4);
	p.window = 1000;
	opts_ts(o, 900, C_TS + 9);
	rx_opt(f, &p, o, 12);
	expect_one(f, 0, &fr);
	want = s2c(&p, v6, &fl);
	want.seq = cookie + 1;
	want.window = 4000;
	opts_ts(o, 900 + ts_off, C_TS + 9);
	assert_wire_opt(&fr, &want, o, 12);

	/* a SACK block of the server's stream comes down by the same delta */
	memcpy(sk, sack, sizeof(sk));
	pb_put32(sk + 4, cookie + 3);
	pb_put32(sk + 8, cookie + 5);
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 4, cookie + 2, NULL, 0);
	rx_opt(f, &p, sk, 12);
	expect_one(f, 0, &fr);
	want = c2s(&p, v6, &fl);
	want.ack = SISN + 2;
	memcpy(skw, sack, sizeof(skw));
	pb_put32(skw + 4, SISN + 3);
	pb_put32(skw + 8, SISN + 5);
	assert_wire_opt(&fr, &want, skw, 12);

	/* the server's SYN-ACK again (our ACK lost): acknowledged again */
	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, mss_of(v6), 778, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	expect_one(f, 0, &fr);
	assert_client_ack(&fr, v6, &fl);   /* again, its echo of the first clock */

	stats(f, &st);
	assert_int_equal(st.svc[svc].sp[NC_SP_EV_COOKIE_VALID], 1);
	assert_int_equal(st.svc[svc].sp[NC_SP_EV_OPENED], 1);
	assert_int_equal(st.svc[svc].flows_opened, 1);
	assert_int_equal(st.svc[svc].half_open, 0);   /* the handshake completed */
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void test_bridged(void **state) { bridged_case(*state, 0); }
static void test_bridged6(void **state) { bridged_case(*state, 1); }
static void test_bridged64(void **state) { bridged_case(*state, FAM64); }

/* Data both ways on bridged connection <fl> (the server's scale 9, clock
 * 777 at its SYN-ACK, the client's 7; <off> client bytes sent before):
 * the client's acknowledgement and echo reach the server in its numbers,
 * the server's sequence number, clock and window the client in its own. */
static void
bridged_data_at(struct fx *f, int v6, const struct flow *fl, uint32_t cookie, uint32_t ts,
		uint32_t c_ts, uint32_t off)
{
	struct pb_pkt p, want;
	struct frame fr;
	uint8_t o[12];

	tc_client(&p, fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1 + off, cookie + 1, "GET", 3);
	opts_ts(o, c_ts, ts);
	rx_opt(f, &p, o, 12);
	expect_one(f, 0, &fr);
	want = c2s(&p, v6, fl);
	want.ack = SISN + 1;
	opts_ts(o, c_ts, 777);
	assert_wire_opt(&fr, &want, o, 12);

	srv_seg(&p, v6, fl, PB_TCP_ACK | PB_TCP_PSH, SISN + 1, CISN + 4 + off, "HTTP", 4);
	p.window = 1000;
	opts_ts(o, 900, c_ts);
	rx_opt(f, &p, o, 12);
	expect_one(f, 0, &fr);
	want = s2c(&p, v6, fl);
	want.seq = cookie + 1;
	want.window = 4000;
	opts_ts(o, 900 + (ts - 777), c_ts);
	assert_wire_opt(&fr, &want, o, 12);
}

/*
 * The server answers the SYN made in the client's place from a TIME_WAIT of
 * the same 4-tuple (its bare ACK of an older connection): the appliance
 * resets it there (an RST at that acknowledgement, from the local address
 * and port, nothing to the client) and sends the same SYN again; the
 * server's SYN-ACK then bridges as usual. A second such ACK gets the reset
 * only. Counted as stale_tuple.
 */
static void
stale_case(struct fx *f, int v6)
{
	struct pb_pkt p, want;
	struct frame fr[3];
	struct flow fl;
	uint32_t cookie, ts;
	uint8_t o[20];

	cookie = syn_cookie(f, v6, 40000, 1, &fl, &ts);
	ack_opens(f, v6, &fl, cookie, 1, C_TS + 5, ts, NULL, 0);
	srv_seg(&p, v6, &fl, PB_TCP_ACK, 0x66666666, 0x77777777, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 3), 2);
	if (v6 == FAM6)
		tc6_own(&want, &fl, fl.server, PB_TCP_RST, 0x77777777, 0);
	else
		tc_own(&want, &fl, fl.server, PB_TCP_RST, 0x77777777, 0);
	want.window = 0;
	assert_wire(&fr[0], &want);
	assert_client_syn(&fr[1], v6, &fl);   /* as ack_opens had it */
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_STALE_TUPLE), 1);

	rx(f, 0, &p);   /* again: the reset only */
	expect_one(f, 0, &fr[0]);
	assert_wire(&fr[0], &want);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_STALE_TUPLE), 2);

	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, mss_of(v6), 777, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	expect_one(f, 0, &fr[0]);   /* the client's ACK */
	bridged_data_at(f, v6, &fl, cookie, ts, C_TS + 9, 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * The server does not answer the SYN made for the client (lost): the
 * client's first data sent again, its timer standing for one of ours, sends
 * that SYN again (counted as syn_again, not syn_timer); its later data does not. The
 * server's SYN-ACK then gets the client's ACK and the held request, and the
 * SYN's timer nothing more.
 */
static void
syn_again_case(struct fx *f, int v6)
{
	struct pb_pkt p;
	struct frame fr[3];
	struct flow fl;
	uint32_t cookie, ts;
	uint8_t o[20];

	cookie = syn_cookie(f, v6, 40000, 1, &fl, &ts);
	ack_opens(f, v6, &fl, cookie, 1, C_TS + 5, ts, "GET /", 5);   /* the request held */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET /", 5);
	opts_ts(o, C_TS + 400, ts);
	rx_opt(f, &p, o, 12);   /* sent again */
	expect_one(f, 0, &fr[0]);
	assert_client_syn(&fr[0], v6, &fl);   /* the SYN ack_opens saw */
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_SYN_AGAIN), 1);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_SYN_TIMER), 0);   /* the client's timer */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 6, cookie + 1, "x", 1);
	rx(f, 0, &p);   /* more data: dropped, no SYN */
	expect_none(f, 0);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_SYN_AGAIN), 1);
	assert_int_equal(drops_of(f, NC_DROP_SYNPROXY_PENDING), 2);

	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, mss_of(v6), 777, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	assert_int_equal(take(f, 0, fr, 3), 2);   /* the client's ACK, the held request */
	assert_client_ack(&fr[0], v6, &fl);
	/* answered: the timer the SYN again set sends nothing */
	f->vnow_ms += 2 * NC_SP_RTO_MS;
	tick(f, 0);
	assert_int_equal(nc_worker_sp_poll(wk(f, 0)), 0);
	expect_none(f, 0);
	assert_int_equal(drops_total(f), 2);
	assert_no_leak(f);
}

/*
 * The client sends nothing after its ACK (its server speaks first: SMTP, FTP,
 * a database) and the SYN made for it is lost: that SYN goes again after
 * NC_SP_RTO_MS, byte for byte, NC_SP_SYN_TRIES times one after another
 * (counted as syn_again and syn_timer), never more; the server's SYN-ACK then gets the
 * client's ACK and the server's words reach the client in its numbers.
 */
static void
syn_timer_case(struct fx *f, int v6)
{
	struct pb_pkt p;
	struct frame fr;
	struct flow fl;
	uint32_t cookie, ts;
	uint8_t o[20];
	int i;

	cookie = syn_cookie(f, v6, 40000, 1, &fl, &ts);
	ack_opens(f, v6, &fl, cookie, 1, C_TS + 5, ts, NULL, 0);
	f->vnow_ms += NC_SP_RTO_MS - 1;
	tick(f, 0);
	assert_int_equal(nc_worker_sp_poll(wk(f, 0)), 0);
	expect_none(f, 0);
	f->vnow_ms += 1;
	for (i = 0; i < NC_SP_SYN_TRIES; i++) {
		tick(f, 0);
		assert_int_equal(nc_worker_sp_poll(wk(f, 0)), 1);
		expect_one(f, 0, &fr);
		assert_client_syn(&fr, v6, &fl);   /* the SYN ack_opens saw */
		f->vnow_ms += NC_SP_RTO_MS;
	}
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_SYN_AGAIN), NC_SP_SYN_TRIES);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_SYN_TIMER), NC_SP_SYN_TRIES);
	tick(f, 0);
	assert_int_equal(nc_worker_sp_poll(wk(f, 0)), 0);
	expect_none(f, 0);

	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, mss_of(v6), 777, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	expect_one(f, 0, &fr);
	assert_client_ack(&fr, v6, &fl);
	bridged_data_at(f, v6, &fl, cookie, ts, C_TS + 9, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static void test_syn_timer(void **state) { syn_timer_case(*state, 0); }
static void test_syn_timer6(void **state) { syn_timer_case(*state, FAM6); }
static void test_syn_timer64(void **state) { syn_timer_case(*state, FAM64); }

static void test_syn_again(void **state) { syn_again_case(*state, 0); }
static void test_syn_again6(void **state) { syn_again_case(*state, FAM6); }
static void test_syn_again64(void **state) { syn_again_case(*state, FAM64); }

static void test_stale(void **state) { stale_case(*state, 0); }
static void test_stale6(void **state) { stale_case(*state, FAM6); }
static void test_stale64(void **state) { stale_case(*state, FAM64); }

/*
 * Flow sync: a proxied connection is reported once its server accepted it
 * (the record carrying the bridge: the cookie's delta to the server's ISN,
 * the clocks' offset, both window scales, where both streams start), with
 * the server's SYN-ACK, and nothing goes to the server until the record
 * left and the SYN-ACK came back (then the client's ACK and the held
 * request); nothing is reported for its data. This dispatcher then dies (its
 * flows dropped unreported) and takes the record as a survivor would: the
 * installed flow translates both ways as before, and the first server's
 * SYN-ACK again (its ACK stayed with the dead one) is not answered. A
 * SYN-ACK handed back to a flow that ended meanwhile is dropped.
 */
static void
synced_case(struct fx *f, int v6)
{
	struct nc_sync_addr6 a6[4];
	struct nc_sync_rec r[4];
	struct nc_dp_stats st;
	struct pb_pkt p;
	struct flow fl;
	uint32_t cookie, ts;
	uint8_t o[20];

	cookie = syn_cookie(f, v6, 40000, 1, &fl, &ts);
	ack_opens(f, v6, &fl, cookie, 1, C_TS + 5, ts, "GET /", 5);   /* the request held */
	assert_int_equal(nc_dp_sync_take(f->dp, r, a6, 4), 0);   /* not before its server */
	/* its request again before the server's SYN-ACK: the flow stays (its
	 * client answered the cookie, not a peer's SYN-ACK) */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET /", 5);
	rx(f, 0, &p);
	{   /* held already: dropped, the SYN to the server sent again for it */
		struct frame x[2];

		assert_int_equal(take(f, 0, x, 2), 1);
	}
	assert_int_equal(drops_of(f, NC_DROP_SYNPROXY_PENDING), 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, mss_of(v6), 777, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	expect_none(f, 0);   /* until the record left */
	/* the client's request again meanwhile: as before the SYN-ACK (held
	 * already: dropped, the client sends it again) */
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET /", 5);
	rx(f, 0, &p);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_SYNPROXY_PENDING), 2);
	assert_int_equal(nc_dp_sync_take(f->dp, r, a6, 4), 1);
	assert_int_equal(r[0].op, NC_SYNC_FLOW);
	assert_true(r[0].m != NULL);
	nc_dp_sync_frame_back(f->dp, r[0].m);
	r[0].m = NULL;
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	{   /* the client's ACK, then the held request in the server's numbers */
		struct frame two[3];
		uint32_t l4;

		assert_int_equal(take(f, 0, two, 3), 2);
		assert_client_ack(&two[0], v6, &fl);
		/* the server's side: IPv6 over IPv6 servers, else IPv4 */
		l4 = v6 == FAM6 ? 14 + 40 : pb_l4_off(two[1].b);
		assert_int_equal(pb_get32(two[1].b + l4 + 4), CISN + 1);   /* seq */
		assert_int_equal(pb_get32(two[1].b + l4 + 8), SISN + 1);    /* ack */
		assert_memory_equal(two[1].b + l4 + 4 * (two[1].b[l4 + 12] >> 4), "GET /", 5);
	}
	bridged_data_at(f, v6, &fl, cookie, ts, C_TS + 9, 5);
	assert_int_equal(nc_dp_sync_take(f->dp, r + 1, a6 + 1, 3), 0);   /* nothing for data */
	assert_int_equal(r[0].flags & (NC_SYNC_F_PROXIED | NC_SYNC_F_FRESH),
			 NC_SYNC_F_PROXIED | NC_SYNC_F_FRESH);
	assert_int_equal(r[0].sp.delta, cookie - SISN);
	assert_int_equal(r[0].sp.ts_off, ts - 777);
	assert_int_equal(r[0].sp.ws_c, 7);
	assert_int_equal(r[0].sp.ws_s, 9);
	assert_int_equal(r[0].sp.flags, NC_SYNC_SP_TS | NC_SYNC_SP_CTS);
	assert_int_equal(r[0].tcp.c_isn, CISN);
	assert_int_equal(r[0].tcp.srv_isn, SISN);   /* the server's own */
	assert_int_equal(nc_sync_rec_v6(&r[0]), !!v6);
	assert_int_equal(nc_sync_rec_64(&r[0]) != 0, v6 == FAM64);

	/* the dispatcher dies; the record is all a survivor has */
	nc_dp_sync_flush(f->dp);
	nc_worker_sync_poll(wk(f, 0));
	assert_true(nc_dp_sync_flush_done(f->dp));
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r[0], v6 ? &a6[0] : NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	bridged_data_at(f, v6, &fl, cookie, ts, C_TS + 13, 5);

	/* the first server's SYN-ACK again: its ACK is the dead one's to make */
	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, mss_of(v6), 778, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_NO_FLOW), 1);

	stats(f, &st);
	assert_int_equal(st.sync_adopted, 1);
	assert_int_equal(st.sync_adopt_unproxied, 0);
	assert_int_equal(st.svc[svc_of(v6)].sp[NC_SP_EV_OPENED], 1);
	assert_int_equal(drops_total(f), 3);
	assert_no_leak(f);
}

/* With sync, a server's SYN-ACK waiting for its flow's record: the same
 * SYN-ACK sent again meanwhile is answered at once (the record left long
 * before a server's timeout), and the one handed back then sends nothing
 * twice; one handed back to a dispatcher taken over meanwhile (its flows
 * flushed) finds no flow. Both dropped and counted, nothing leaked. */
static void
test_synced_again(void **state)
{
	struct fx *f = *state;
	struct nc_sync_addr6 a6[4];
	struct nc_sync_rec r[4];
	struct pb_pkt p;
	struct frame fr[3];
	struct flow fl;
	uint32_t cookie, ts;

	cookie = syn_cookie(f, 0, 40000, 1, &fl, &ts);
	ack_opens(f, 0, &fl, cookie, 1, C_TS + 5, ts, NULL, 0);
	srv_seg(&p, 0, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	expect_none(f, 0);
	rx(f, 0, &p);   /* again: answered */
	assert_int_equal(take(f, 0, fr, 3), 1);
	assert_int_equal(nc_dp_sync_take(f->dp, r, a6, 4), 1);
	nc_dp_sync_frame_back(f->dp, r[0].m);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_NO_FLOW), 1);
	assert_no_leak(f);
}

static void
test_synced_flushed(void **state)
{
	struct fx *f = *state;
	struct nc_sync_addr6 a6[4];
	struct nc_sync_rec r[4];
	struct pb_pkt p;
	struct flow fl;
	uint32_t cookie, ts;

	cookie = syn_cookie(f, 0, 40001, 1, &fl, &ts);
	ack_opens(f, 0, &fl, cookie, 1, C_TS + 5, ts, "GET /", 5);
	srv_seg(&p, 0, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	expect_none(f, 0);
	assert_int_equal(nc_dp_sync_take(f->dp, r, a6, 4), 1);
	nc_dp_sync_flush(f->dp);
	nc_worker_sync_poll(wk(f, 0));
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	nc_dp_sync_frame_back(f->dp, r[0].m);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_NO_FLOW), 1);
	assert_no_leak(f);
}

static void test_synced(void **state) { synced_case(*state, 0); }
static void test_synced6(void **state) { synced_case(*state, 1); }
static void test_synced64(void **state) { synced_case(*state, FAM64); }

/* A peer's record of a proxied connection to a service with no syn_proxy
 * here is refused (its client's numbers would reach the server untranslated)
 * and counted; the same flow unproxied installs. */
static void
test_synced_unproxied(void **state)
{
	struct fx *f = *state;
	struct nc_sync_rec r;
	struct nc_dp_stats st;
	uint16_t p;

	memset(&r, 0, sizeof(r));
	r.op = NC_SYNC_FLOW;
	r.state = 2;   /* established */
	r.flags = NC_SYNC_F_PROXIED;
	r.key[0] = htonl(IP_CLIENT);
	r.key[1] = htonl(IP_VIP);
	p = htons(40000);
	memcpy((uint8_t *)r.key + 8, &p, 2);
	p = htons(WEB_PORT);
	memcpy((uint8_t *)r.key + 10, &p, 2);
	((uint8_t *)r.key)[12] = IPPROTO_TCP;
	r.lip = htonl(IP_LIP);
	r.server_ip = htonl(IP_SA);
	r.lport = htons(50000);
	r.server_port = htons(WEB_SPORT);
	r.sp.delta = 12345;
	r.sp.ws_c = r.sp.ws_s = 0xff;
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	r.flags = 0;
	assert_int_equal(nc_dp_sync_adopt(f->dp, &r, NULL, NULL), 0);
	assert_int_equal(nc_worker_sync_poll(wk(f, 0)), 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	stats(f, &st);
	assert_int_equal(st.sync_adopt_unproxied, 1);
	assert_int_equal(st.sync_adopted, 1);
	assert_no_leak(f);
}

/* Forged ACKs: a cookie bit off, another client ISN, another port; over
 * IPv6 also the right cookie from other client addresses - one byte off,
 * and pairs of bytes off alike 8 or 4 bytes apart, which a fold of the
 * address into 64 or 32 bits would not tell apart. None is ours: dropped
 * and counted; the right one still opens. */
static void
forged_case(struct fx *f, int v6)
{
	static const struct { int a, b; } at[] = { { 8, -1 }, { 15, -1 }, { 0, 8 }, { 4, 12 }, { 7, 15 } };
	const unsigned int bad = v6 ? 3 + RTE_DIM(at) : 3;
	struct pb_pkt p;
	struct flow fl;
	uint32_t cookie;
	unsigned int i;

	cookie = syn_cookie(f, v6, 40000, 0, &fl, NULL);
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 1, (cookie ^ 0x100) + 1, NULL, 0);
	rx(f, 0, &p);
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 2, cookie + 1, NULL, 0);
	rx(f, 0, &p);
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 1, cookie + 1, NULL, 0);
	p.sport = 40002;
	rx(f, 0, &p);
	for (i = 0; v6 && i < RTE_DIM(at); i++) {
		tc_client(&p, &fl, PB_TCP_ACK, CISN + 1, cookie + 1, NULL, 0);
		p.sip6[at[i].a] ^= 0x40;
		if (at[i].b >= 0)
			p.sip6[at[i].b] ^= 0x40;
		rx(f, 0, &p);
	}
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_SYNCOOKIE_BAD), bad);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_COOKIE_BAD), bad);
	assert_int_equal(drops_of(f, NC_DROP_SYNCOOKIE_EXPIRED), 0);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	ack_opens(f, v6, &fl, cookie, 0, 0, 0, NULL, 0);
	assert_no_leak(f);
}

static void test_forged(void **state) { forged_case(*state, 0); }
static void test_forged6(void **state) { forged_case(*state, 1); }

/* A cookie one period old still opens; two periods old it is expired. */
static void
expired_case(struct fx *f, int v6)
{
	struct pb_pkt p;
	struct flow fl, fl2;
	uint32_t c1, c2;

	c1 = syn_cookie(f, v6, 40000, 0, &fl, NULL);
	c2 = syn_cookie(f, v6, 40001, 0, &fl2, NULL);
	f->vnow_ms += 1u << NC_SYNCOOKIE_PERIOD_SHIFT;   /* one period: still good */
	tick(f, 0);
	ack_opens(f, v6, &fl, c1, 0, 0, 0, NULL, 0);
	f->vnow_ms += 1u << NC_SYNCOOKIE_PERIOD_SHIFT;   /* two: too old */
	tick(f, 0);
	tc_client(&p, &fl2, PB_TCP_ACK, CISN + 1, c2 + 1, NULL, 0);
	rx(f, 0, &p);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_SYNCOOKIE_EXPIRED), 1);
	assert_int_equal(drops_of(f, NC_DROP_SYNCOOKIE_BAD), 0);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_COOKIE_EXPIRED), 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_no_leak(f);
}

static void test_expired(void **state) { expired_case(*state, 0); }
static void test_expired6(void **state) { expired_case(*state, 1); }
static void
test_mss_index(void **state)
{
	struct fx *f = *state;
	struct pb_pkt p;
	struct flow fl;
	uint32_t k;

	/* a cookie made with the right secret, tuple and time but an MSS
	 * index no cookie carries: refused */
	syn_cookie(f, 0, 40000, 0, &fl, NULL);
	for (k = 4; k < 8; k++) {
		tc_client(&p, &fl, PB_TCP_ACK, CISN + 1,
			  cookie_for(f, 40000, CISN, now_count(f), k) + 1, NULL, 0);
		rx(f, 0, &p);
	}
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_SYNCOOKIE_BAD), 4);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	/* index 3 made the same way is good, and the server gets MSS 1460 */
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 1, cookie_for(f, 40000, CISN, now_count(f), 3) + 1,
		  NULL, 0);
	rx(f, 0, &p);
	{
		struct frame fr;
		struct pb_pkt want;

		expect_one(f, 0, &fr);
		fl.lport = lport_of(&fr);
		tc_own(&want, &fl, SA, PB_TCP_SYN, CISN, 0);
		want.ttl = 63;   /* the client's segment, as the client would have sent it */
		want.window = 64240;
		assert_wire_opt(&fr, &want, (const uint8_t[]){ 2, 4, 0x05, 0xb4 }, 4);
	}
	assert_no_leak(f);
}


/* The request rides on the ACK: held; more before the server answered is
 * dropped (the client sends it again). At the server's SYN-ACK the
 * client's ACK, then the held request in the server's numbers; the answer
 * comes back in the cookie's. */
static void
held_case(struct fx *f, int v6)
{
	struct pb_pkt p, want, more;
	struct frame fr[3];
	struct flow fl;
	uint32_t cookie;

	cookie = syn_cookie(f, v6, 40000, 0, &fl, NULL);
	ack_opens(f, v6, &fl, cookie, 0, 0, 0, "GET /", 5);
	assert_int_equal(sp_ev(f, svc_of(v6), NC_SP_EV_HELD), 1);
	tc_client(&more, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 6, cookie + 1, "x", 1);
	rx(f, 0, &more);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_SYNPROXY_PENDING), 1);
	srv_seg(&p, v6, &fl, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 3), 2);
	own(&want, v6, &fl, fl.server, PB_TCP_ACK, CISN + 1, SISN + 1);
	want.ttl = 63;   /* the client's segment, as the client would have sent it */
	want.window = 64240;
	assert_wire(&fr[0], &want);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET /", 5);
	want = c2s(&p, v6, &fl);
	want.ack = SISN + 1;
	assert_wire(&fr[1], &want);
	srv_seg(&p, v6, &fl, PB_TCP_ACK | PB_TCP_PSH, SISN + 1, CISN + 6, "200", 3);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = s2c(&p, v6, &fl);
	want.seq = cookie + 1;
	assert_wire(&fr[0], &want);
	assert_int_equal(drops_total(f), 1);   /* the segment sent too early */
	assert_no_leak(f);
}

static void test_held(void **state) { held_case(*state, 0); }
static void test_held6(void **state) { held_case(*state, 1); }
static void test_held64(void **state) { held_case(*state, FAM64); }
static void
test_held_freed(void **state)
{
	struct fx *f = *state;
	struct flow fl;
	uint32_t cookie;

	/* the server never answers: the flow expires with what it held */
	cookie = syn_cookie(f, 0, 40000, 0, &fl, NULL);
	ack_opens(f, 0, &fl, cookie, 0, 0, 0, "GET /", 5);
	f->vnow_ms += 11000;   /* past limits.tcp_syn_s */
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1024);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	assert_no_leak(f);
}

static void
test_refused(void **state)
{
	struct fx *f = *state;
	struct pb_pkt p, want;
	struct frame fr;
	struct flow fl;
	uint32_t cookie;

	/* the server's port is closed: the client gets the reset at the
	 * number it expects next */
	cookie = syn_cookie(f, 0, 40000, 0, &fl, NULL);
	ack_opens(f, 0, &fl, cookie, 0, 0, 0, NULL, 0);
	tc_server(&p, &fl, SA, PB_TCP_RST | PB_TCP_ACK, 0, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_s2c(&p, &fl.c);
	want.seq = cookie + 1;
	assert_wire(&fr, &want);
	assert_no_leak(f);
}

static void
test_auto(void **state)
{
	struct fx *f = *state;
	struct nc_dp *dp = f->dp;
	struct flow fl;
	struct pb_pkt p;
	struct frame fr;
	uint64_t now = rte_rdtsc();
	uint16_t i;

	/* off: SYNs go on to the servers, each a flow under way */
	for (i = 0; i < 4; i++) {
		client_pkt(&p, IPPROTO_TCP, (uint16_t)(41000 + i));
		rx(f, 0, &p);
		expect_one(f, 0, &fr);
		assert_int_equal(server_of(&fr) >= 0, 1);
	}
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 4);
	/* the threshold reached (4, one worker): the worker answers the next
	 * SYN with a cookie at once, before the control lcore looks */
	syn_cookie(f, 0, 41004, 0, &fl, NULL);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 4);
	assert_int_equal(dp->synp_on[SVC_WEB], 0);
	/* 4 under way, at the threshold: on */
	nc_dp_synproxy_poll(dp, now);
	assert_int_equal(dp->synp_on[SVC_WEB], 1);
	assert_int_equal(sp_ev(f, SVC_WEB, NC_SP_EV_AUTO_ON), 1);
	syn_cookie(f, 0, 40000, 0, &fl, NULL);
	/* the handshakes expire; the cookie never came back: its SYN stands
	 * for a handshake under way (x limits.tcp_syn_s), so it stays on */
	f->vnow_ms += 11000;
	tick(f, 0);
	nc_worker_expire(wk(f, 0), 1024);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 0);
	now += 2 * dp->tsc_hz;
	nc_dp_synproxy_poll(dp, now);
	assert_int_equal(dp->synp_on[SVC_WEB], 1);
	/* a quiet second: below 2, off */
	now += 2 * dp->tsc_hz;
	nc_dp_synproxy_poll(dp, now);
	assert_int_equal(dp->synp_on[SVC_WEB], 0);
	assert_int_equal(sp_ev(f, SVC_WEB, NC_SP_EV_AUTO_OFF), 1);
	/* and SYNs go to the servers again */
	client_pkt(&p, IPPROTO_TCP, 42000);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 1);
	assert_no_leak(f);
}

/*
 * The fail-safe on a proxied connection: the cookie's SYN-ACK offers only the
 * MSS (a second server could not keep more); the SYN and the request are held
 * as any; a moves to b when a does not answer, b's SYN-ACK answered by the
 * fail-safe with the request again; b's response reaches the client in the
 * cookie's numbers, and the client's acknowledgement goes to b in b's.
 */
static void
test_failsafe(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = CISN, a = SISN, b = 0x00c0ffee;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	struct pb_pkt p, rq, want;
	struct frame fr;
	struct flow fl;
	uint32_t cookie;

	/* Linux's SYN: only the MSS comes back */
	client_pkt(&p, IPPROTO_TCP, 41300);
	p.seq = c;
	rx_opt(f, &p, syn_opts, sizeof(syn_opts));
	expect_one(f, 0, &fr);
	memset(&fl, 0, sizeof(fl));
	fl.c = p;
	cookie = cookie_for(f, 41300, c, now_count(f), 3);
	tc_own(&want, &fl, -1, PB_TCP_SYN | PB_TCP_ACK, cookie, c + 1);
	assert_wire_opt(&fr, &want, mss_opt, sizeof(mss_opt));
	/* the ACK: a gets the SYN with the MSS */
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, cookie + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	fl.server = server_of(&fr);
	fl.lport = lport_of(&fr);
	assert_int_equal(fl.server, SA);
	tc_own(&want, &fl, SA, PB_TCP_SYN, c, 0);
	want.ttl = 63;
	assert_wire_opt(&fr, &want, mss_opt, sizeof(mss_opt));
	/* a accepts: the client's ACK */
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_own(&want, &fl, SA, PB_TCP_ACK, c + 1, a + 1);
	want.ttl = 63;
	assert_wire(&fr, &want);
	/* the request, held and forwarded; a's bare ACK reaches the client */
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, cookie + 1, req, r);
	rx(f, 0, &rq);
	expect_one(f, 0, &fr);
	want = nat_c2s(&rq, SA, fl.lport);
	want.ack = a + 1;
	assert_wire(&fr, &want);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + r, NULL, 0);
	s2c_at(f, &fl, &p, cookie + 1);
	assert_fs_svc(f, SVC_WEB, 1, 2, 1, 0, 0, 0, 0);
	/* a never answers: the request moves to b */
	assert_int_equal(fs_wait(f, 0, 29), 0);
	expect_none(f, 0);
	assert_int_equal(fs_wait(f, 0, 1), 1);
	expect_move(f, &fl, 1, c + 1 + r, SB, c, 1);
	expect_splice(f, &fl, b, c + 1, &rq, 1, b + 1);
	/* b's response in the cookie's numbers, the client's ACK in b's */
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + r, resp, l);
	s2c_at(f, &fl, &p, cookie + 1);
	assert_fs_svc(f, SVC_WEB, 0, 2, 2, 1, 0, 1, 0);
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r, cookie + 1 + l, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SB, fl.lport);
	want.ack = b + 1 + l;
	assert_wire(&fr, &want);
	/* the next request on the moved connection, and its answer */
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1 + r, cookie + 1 + l, req, r);
	rx(f, 0, &rq);
	expect_one(f, 0, &fr);
	want = nat_c2s(&rq, SB, fl.lport);
	want.ack = b + 1 + l;
	assert_wire(&fr, &want);
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1 + l, c + 1 + 2 * r, resp, l);
	s2c_at(f, &fl, &p, cookie + 1 + l);
	assert_fs_svc(f, SVC_WEB, 0, 3, 3, 1, 0, 1, 0);
	assert_int_equal(sp_ev(f, SVC_WEB, NC_SP_EV_OPENED), 1);
	ctl_round(f);
	assert_txpool(f);
	assert_int_equal(rte_mempool_avail_count(f->dp->txpool), f->dp->txpool->size);
	assert_no_leak(f);
}

/*
 * PROXY v2 on a proxied connection: the request rides on the cookie's ACK and
 * is held; at the server's SYN-ACK the header goes first (the bytes after
 * the client's ISN), then the client's ACK and the request 28 on; the
 * server's acknowledgements come back 28 less and its bytes in the cookie's
 * numbers: both translations at once, one per direction.
 */
static void
test_proxy_v2(void **state)
{
	struct fx *f = *state;
	static const char resp[] = "HTTP/1.1 200 OK\r\n\r\n";
	const uint16_t l = sizeof(resp) - 1;
	uint8_t h[NC_PROXY_V2_LEN];
	struct pb_pkt p, want;
	struct frame fr[4];
	struct flow fl;
	uint32_t cookie;

	cookie = syn_cookie(f, 0, 40000, 0, &fl, NULL);
	ack_opens(f, 0, &fl, cookie, 0, 0, 0, "GET /", 5);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 3);
	proxy_v2_of(h, IPPROTO_TCP, 40000, WEB_PORT);
	hdr_seg(&want, &fl, SA, CISN + 1, SISN + 1, h, sizeof(h), 64240);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, SA, PB_TCP_ACK, CISN + 1 + 28, SISN + 1);
	want.ttl = 63;   /* the client's ACK, after the header */
	want.window = 64240;
	assert_wire(&fr[1], &want);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET /", 5);
	want = nat_c2s(&p, SA, fl.lport);
	want.seq = CISN + 1 + 28;
	want.ack = SISN + 1;
	assert_wire(&fr[2], &want);
	/* the answer, acknowledging header and request */
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, SISN + 1, CISN + 1 + 28 + 5, resp, l);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 1);
	want = nat_s2c(&p, &fl.c);
	want.seq = cookie + 1;
	want.ack = CISN + 1 + 5;
	assert_wire(&fr[0], &want);
	/* the client's acknowledgement: 28 on, in the server's numbers */
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 6, cookie + 1 + l, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = nat_c2s(&p, SA, fl.lport);
	want.seq = CISN + 6 + 28;
	want.ack = SISN + 1 + l;
	assert_wire(&fr[0], &want);
	assert_int_equal(sp_ev(f, SVC_WEB, NC_SP_EV_OPENED), 1);
	assert_int_equal(ca_ev(f, NC_CA_EV_HDR_SENT), 1);
	/* acknowledged: the header's timer sends nothing again */
	f->vnow_ms += 1000;
	tick(f, 0);
	assert_int_equal(nc_worker_ca_poll(wk(f, 0)), 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
	assert_true(rte_mempool_full(f->dp->ca_pool));
}

/* TOA on a proxied connection: the held request, the connection's first
 * bytes, carries the client's address and port; the next segment none. */
static void
test_toa(void **state)
{
	struct fx *f = *state;
	const uint8_t toa[8] = { 254, 8, 40000 >> 8, 40000 & 0xff, 192, 168, 1, 10 };
	struct pb_pkt p, want;
	struct frame fr[3];
	struct flow fl;
	uint32_t cookie;

	cookie = syn_cookie(f, 0, 40000, 0, &fl, NULL);
	ack_opens(f, 0, &fl, cookie, 0, 0, 0, "GET /", 5);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 3), 2);   /* no header segment */
	tc_own(&want, &fl, SA, PB_TCP_ACK, CISN + 1, SISN + 1);
	want.ttl = 63;
	want.window = 64240;
	assert_wire(&fr[0], &want);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET /", 5);
	want = nat_c2s(&p, SA, fl.lport);
	want.ack = SISN + 1;
	assert_wire_opt(&fr[1], &want, toa, sizeof(toa));
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 6, cookie + 1, "x", 1);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = nat_c2s(&p, SA, fl.lport);
	want.ack = SISN + 1;
	assert_wire(&fr[0], &want);
	assert_int_equal(ca_ev(f, NC_CA_EV_TOA_ADDED), 1);
	assert_int_equal(ca_ev(f, NC_CA_EV_TOA_NO_ROOM), 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * All three on one connection: the fail-safe, PROXY v2 and the SYN proxy. a
 * takes the header and the request and never answers; the request moves to
 * b, which gets the header again, then the request 28 on; b's answer
 * reaches the client in the cookie's numbers, acknowledging the request in
 * the client's.
 */
static void
test_failsafe_proxy_v2(void **state)
{
	struct fx *f = *state;
	static const char req[] = "GET /slow HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const uint32_t c = CISN, a = SISN, b = 0x00c0ffee;
	const uint16_t r = sizeof(req) - 1, l = sizeof(resp) - 1;
	uint8_t h[NC_PROXY_V2_LEN];
	struct pb_pkt p, rq, want;
	struct frame fr[4];
	struct flow fl;
	uint32_t cookie;

	proxy_v2_of(h, IPPROTO_TCP, 40000, WEB_PORT);
	/* a SYN with MSS 1460: the cookie's SYN-ACK and a's SYN carry it */
	client_pkt(&p, IPPROTO_TCP, 40000);
	p.seq = c;
	p.window = 64240;
	rx_opt(f, &p, mss_opt, sizeof(mss_opt));
	expect_one(f, 0, &fr[0]);
	memset(&fl, 0, sizeof(fl));
	fl.c = p;
	cookie = cookie_for(f, 40000, c, now_count(f), 3);
	tc_own(&want, &fl, -1, PB_TCP_SYN | PB_TCP_ACK, cookie, c + 1);
	assert_wire_opt(&fr[0], &want, mss_opt, sizeof(mss_opt));
	tc_client(&p, &fl, PB_TCP_ACK, c + 1, cookie + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	fl.server = server_of(&fr[0]);
	fl.lport = lport_of(&fr[0]);
	assert_int_equal(fl.server, SA);
	tc_own(&want, &fl, SA, PB_TCP_SYN, c, 0);
	want.ttl = 63;
	want.window = 64240;
	assert_wire_opt(&fr[0], &want, mss_opt, sizeof(mss_opt));
	/* a accepts: the header, then the client's ACK after it */
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 2);
	hdr_seg(&want, &fl, SA, c + 1, a + 1, h, sizeof(h), 64240);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, SA, PB_TCP_ACK, c + 1 + 28, a + 1);
	want.ttl = 63;
	want.window = 64240;
	assert_wire(&fr[1], &want);
	/* the request, 28 on; a acknowledges header and request */
	tc_client(&rq, &fl, PB_TCP_ACK | PB_TCP_PSH, c + 1, cookie + 1, req, r);
	rx(f, 0, &rq);
	expect_one(f, 0, &fr[0]);
	want = nat_c2s(&rq, SA, fl.lport);
	want.seq = c + 1 + 28;
	want.ack = a + 1;
	assert_wire(&fr[0], &want);
	tc_server(&p, &fl, SA, PB_TCP_ACK, a + 1, c + 1 + 28 + r, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = nat_s2c(&p, &fl.c);
	want.seq = cookie + 1;
	want.ack = c + 1 + r;
	assert_wire(&fr[0], &want);
	/* a never answers: reset where it stands, b gets a SYN at the client's ISN */
	assert_int_equal(fs_wait(f, 0, 29), 0);
	expect_none(f, 0);
	assert_int_equal(fs_wait(f, 0, 1), 1);
	expect_move(f, &fl, 1, c + 1 + 28 + r, SB, c, 1);
	/* b accepts: the header again, the acknowledgement, the request */
	tc_server(&p, &fl, SB, PB_TCP_SYN | PB_TCP_ACK, b, c + 1, NULL, 0);
	rx(f, 0, &p);
	assert_int_equal(take(f, 0, fr, 4), 3);
	hdr_seg(&want, &fl, SB, c + 1, b + 1, h, sizeof(h), 64240);
	assert_wire(&fr[0], &want);
	tc_own(&want, &fl, SB, PB_TCP_ACK, c + 1 + 28, b + 1);
	assert_wire(&fr[1], &want);
	want = nat_c2s(&rq, SB, fl.lport);
	want.seq = c + 1 + 28;
	want.ack = b + 1;
	assert_wire(&fr[2], &want);
	/* b's answer in the cookie's numbers, the request acknowledged */
	tc_server(&p, &fl, SB, PB_TCP_ACK | PB_TCP_PSH, b + 1, c + 1 + 28 + r, resp, l);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = nat_s2c(&p, &fl.c);
	want.seq = cookie + 1;
	want.ack = c + 1 + r;
	assert_wire(&fr[0], &want);
	/* the client's acknowledgement in b's numbers, 28 on */
	tc_client(&p, &fl, PB_TCP_ACK, c + 1 + r, cookie + 1 + l, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr[0]);
	want = nat_c2s(&p, SB, fl.lport);
	want.seq = c + 1 + r + 28;
	want.ack = b + 1 + l;
	assert_wire(&fr[0], &want);
	assert_int_equal(ca_ev(f, NC_CA_EV_HDR_SENT), 2);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/* Fragmentation needed on the client's path about the server's data as the
 * client got it (in the cookie's numbers) reaches the server in the
 * server's own: the SYN proxy's translation undone in the quote. */
static void
test_frag_needed(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[PB_MAX_FRAME];
	struct pb_pkt p, e;
	struct frame fr, out;
	struct flow fl;
	uint32_t cookie, ts;
	uint8_t o[20];

	cookie = syn_cookie(f, 0, 40300, 1, &fl, &ts);
	ack_opens(f, 0, &fl, cookie, 1, C_TS + 5, ts, NULL, 0);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	opts_full(o, 1460, 777, C_TS + 5, 9);
	rx_opt(f, &p, o, 20);
	expect_one(f, 0, &fr);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, SISN + 1, CISN + 1, "HTTP", 4);
	opts_ts(o, 900, C_TS + 5);
	rx_opt(f, &p, o, 12);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 38), cookie + 1);
	icmp_err(&e, 0, 3, 1300, &fr, buf, 20 + 8);
	memcpy(e.src_mac, mac_gw, 6);
	e.sip = IP_GW;
	e.dip = IP_VIP;
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_srv[SA], IP_LIP, IP_SA, 1300);
	assert_int_equal(pb_get32(out.b + 42 + 12), IP_SA);     /* the quote: */
	assert_int_equal(pb_get32(out.b + 42 + 16), IP_LIP);    /* the server's */
	assert_int_equal(pb_get16(out.b + 62), WEB_SPORT);      /* own segment */
	assert_int_equal(pb_get16(out.b + 64), fl.lport);
	assert_int_equal(pb_get32(out.b + 66), SISN + 1);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/* The same on a fail-safe service, whose flows keep their windows: relayed
 * while the quoted bytes are in flight; once the client acknowledged them
 * (in the cookie's numbers, as the window is kept) out of the window. */
static void
test_frag_needed_window(void **state)
{
	struct fx *f = *state;
	static uint8_t buf[PB_MAX_FRAME];
	struct pb_pkt p, e, want;
	struct frame fr, out;
	struct flow fl;
	uint32_t cookie;

	cookie = syn_cookie(f, 0, 40300, 0, &fl, NULL);
	ack_opens(f, 0, &fl, cookie, 0, 0, 0, NULL, 0);
	tc_server(&p, &fl, SA, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_client(&p, &fl, PB_TCP_ACK | PB_TCP_PSH, CISN + 1, cookie + 1, "GET", 3);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc_server(&p, &fl, SA, PB_TCP_ACK | PB_TCP_PSH, SISN + 1, CISN + 4, "HTTP", 4);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 38), cookie + 1);
	icmp_err(&e, 0, 3, 1300, &fr, buf, 20 + 8);
	memcpy(e.src_mac, mac_gw, 6);
	e.sip = IP_GW;
	e.dip = IP_VIP;
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_frag_needed(&out, mac_srv[SA], IP_LIP, IP_SA, 1300);
	assert_int_equal(pb_get32(out.b + 66), SISN + 1);
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 4, cookie + 5, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	want = nat_c2s(&p, SA, fl.lport);
	want.ack = SISN + 5;
	assert_wire(&fr, &want);
	rx(f, 0, &e);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_ICMP_OUT_OF_WINDOW), 1);
	assert_int_equal(drops_total(f), 1);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

/* ------------------------------------------------------ IPv6 services */

/* Packet too big on the IPv6 client's path about the server's data as the
 * client got it (in the cookie's numbers): the server hears it about its
 * own segment, in its own numbers. Once the client acknowledged those bytes
 * (in the cookie's numbers too) the same error is out of the window. */
static void
test_ptb6(void **state)
{
	struct fx *f = *state;
	static uint8_t data[1200], q[1400];
	struct pb_pkt p, e;
	struct frame fr, out;
	struct flow fl;
	uint32_t cookie;

	cookie = syn_cookie(f, 1, 40300, 0, &fl, NULL);
	ack_opens(f, 1, &fl, cookie, 0, 0, 0, NULL, 0);
	tc6_server(&p, &fl, fl.server, PB_TCP_SYN | PB_TCP_ACK, SISN, CISN + 1, NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	tc6_server(&p, &fl, fl.server, PB_TCP_ACK | PB_TCP_PSH, SISN + 1, CISN + 1, data,
		   sizeof(data));
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(pb_get32(fr.b + 14 + 40 + 4), cookie + 1);
	icmp_err(&e, 1, 2, 1280, &fr, q, 40 + 20 + 100);
	memcpy(e.src_mac, mac_gw, 6);
	pb_ip6(e.sip6, "2001:db8:2::1");
	memcpy(e.dip6, ip6_vip, 16);
	rx(f, 0, &e);
	expect_one(f, 0, &out);
	assert_true(pb_csum_verify(out.b, out.len, NULL, 0));
	assert_memory_equal(out.b, mac_srv[fl.server], 6);
	assert_memory_equal(out.b + 14 + 8, ip6_lip, 16);
	assert_memory_equal(out.b + 14 + 24, ip6_srv[fl.server], 16);
	assert_int_equal(out.b[54], 2);
	assert_int_equal(pb_get32(out.b + 58), 1280);
	assert_memory_equal(out.b + 62 + 8, ip6_srv[fl.server], 16);   /* the quote: */
	assert_memory_equal(out.b + 62 + 24, ip6_lip, 16);             /* the server's */
	assert_int_equal(pb_get16(out.b + 102), WEB_SPORT);             /* own segment */
	assert_int_equal(pb_get16(out.b + 104), fl.lport);
	assert_int_equal(pb_get32(out.b + 106), SISN + 1);
	/* the client has those bytes: the same error is no longer in the window */
	tc_client(&p, &fl, PB_TCP_ACK, CISN + 1, cookie + 1 + sizeof(data), NULL, 0);
	rx(f, 0, &p);
	expect_one(f, 0, &out);
	assert_int_equal(pb_get32(out.b + 14 + 40 + 8), SISN + 1 + sizeof(data));
	rx(f, 0, &e);
	expect_none(f, 0);
	assert_int_equal(drops_of(f, NC_DROP_ICMP_OUT_OF_WINDOW), 1);
	assert_int_equal(drops_total(f), 1);
	assert_no_leak(f);
}

/* "auto" on web6: SYNs go to the servers until 4 are under way, then the
 * worker answers with cookies; the control lcore turns it on. */
static void
test_auto6(void **state)
{
	struct fx *f = *state;
	struct nc_dp *dp = f->dp;
	struct nc_dp_stats st;
	struct pb_pkt p;
	struct frame fr;
	struct flow fl;
	uint16_t i, lport;
	int server;

	for (i = 0; i < 4; i++) {
		client6(&p, IPPROTO_TCP, (uint16_t)(41000 + i));
		open6(f, &p, &server, &lport);
	}
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 4);
	syn_cookie(f, 1, 41004, 0, &fl, NULL);
	assert_int_equal(dp->synp_on[SVC_WEB6], 0);
	nc_dp_synproxy_poll(dp, rte_rdtsc());
	assert_int_equal(dp->synp_on[SVC_WEB6], 1);
	assert_int_equal(dp->synp_on[SVC_WEB], 0);
	stats(f, &st);
	assert_int_equal(st.svc[SVC_WEB6].sp[NC_SP_EV_AUTO_ON], 1);
	syn_cookie(f, 1, 40000, 0, &fl, NULL);
	/* the IPv4 service beside it is untouched */
	client_pkt(&p, IPPROTO_TCP, 42000);
	rx(f, 0, &p);
	expect_one(f, 0, &fr);
	assert_int_equal(server_of(&fr) >= 0, 1);
	assert_int_equal(nc_worker_flow_count(wk(f, 0)), 5);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdpsynproxy"); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_syn_cookie, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bridged, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_frag_needed, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_frag_needed_window, setup_fs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_forged, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_expired, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_mss_index, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_held, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_held_freed, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_auto, setup_auto, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failsafe, setup_fs, fx_teardown),
		cmocka_unit_test_setup_teardown(test_proxy_v2, setup_v2, fx_teardown),
		cmocka_unit_test_setup_teardown(test_toa, setup_toa, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failsafe_proxy_v2, setup_fs_v2, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_cookie6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bridged6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_held6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_forged6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_expired6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ptb6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_auto6, setup_auto6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_synced, setup_sync_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_synced6, setup_sync_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_synced64, setup_sync_on64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_cookie64, setup_on64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bridged64, setup_on64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_held64, setup_on64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_synced_unproxied, setup_sync_plain, fx_teardown),
		cmocka_unit_test_setup_teardown(test_synced_again, setup_sync_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_again, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_again6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_again64, setup_on64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_timer, setup_on, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_timer6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_syn_timer64, setup_on64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale6, setup_on6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stale64, setup_on64, fx_teardown),
		cmocka_unit_test_setup_teardown(test_synced_flushed, setup_sync_on, fx_teardown),
	};

	return cmocka_run_group_tests_name("dp_synproxy", tests, eal_setup, fx_eal_teardown);
}
