/* SPDX-License-Identifier: BSD-3-Clause
 * lib/dp: health probes of IPv6 servers through the port (dp_fixture.h's
 * IPv6 lab): the probe frames on the wire byte for byte, answers steered to
 * the control lcore by the workers, an IPv6 server going down when its
 * probes fail (TCP RST, ICMPv6 unreachable) and up again when they pass, for
 * tcp, udp and icmp (ICMPv6 echo).
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
#include "nc_sched.h"
#include "dp_priv.h"     /* NC_PROBE_PORT_BASE, NC_PROBE_FIRST_MS */
#include "pkt_build.h"
#include "dp_fixture.h"

#define ETH_IP6 (PB_ETH_LEN + 40)

/* web6 probed with tcp (or icmp), dns6 with udp, as tweak_health does web. */
static void
tweak_health6(struct nc_config *c)
{
	tweak_v6(c);
	health_set(&c->services[SVC_WEB6], NC_HEALTH_TCP);
	health_set(&c->services[SVC_DNS6], NC_HEALTH_UDP);
	c->limits.tcp_timewait_s = 0;
}

static void
tweak_icmp6(struct nc_config *c)
{
	tweak_health6(c);
	health_set(&c->services[SVC_WEB6], NC_HEALTH_ICMP);
}

static int setup_health6(void **state) { return fx_setup(state, tweak_health6); }
static int setup_icmp6(void **state) { return fx_setup(state, tweak_icmp6); }

static uint16_t
probe_port6(unsigned int svc, int s)
{
	return (uint16_t)(NC_PROBE_PORT_BASE + svc * NC_MAX_SERVERS + (unsigned int)s);
}

/* A frame of the probe of server <s> of <svc>, as pkt_build makes it. */
static void
probe6_pkt(struct pb_pkt *w, unsigned int svc, int s, uint8_t proto)
{
	pb_init6(w, proto);
	memcpy(w->dst_mac, mac_srv[s], 6);
	memcpy(w->src_mac, mac_port, 6);
	memcpy(w->sip6, ip6_lip, 16);
	memcpy(w->dip6, ip6_srv[s], 16);
	w->sport = probe_port6(svc, s);
	w->dport = svc == SVC_WEB6 ? WEB_SPORT : DNS_PORT;
}

/* An answer of server <s> to its probe of <svc>. */
static void
answer6_pkt(struct pb_pkt *a, unsigned int svc, int s, uint8_t proto)
{
	pb_init6(a, proto);
	memcpy(a->dst_mac, mac_port, 6);
	memcpy(a->src_mac, mac_srv[s], 6);
	memcpy(a->sip6, ip6_srv[s], 16);
	memcpy(a->dip6, ip6_lip, 16);
	a->sport = svc == SVC_WEB6 ? WEB_SPORT : DNS_PORT;
	a->dport = probe_port6(svc, s);
}

static void
same(const struct frame *got, const uint8_t *exp, uint32_t elen)
{
	char why[128];

	if (!pb_csum_verify(got->b, got->len, why, sizeof(why)))
		fail_msg("checksum: %s", why);
	pb_diff(got->b, got->len, exp, elen, why, sizeof(why));
	if (why[0] != '\0')
		fail_msg("probe frame differs: %s", why);
}

static void
assert_pkt(const struct frame *got, const struct pb_pkt *want)
{
	uint8_t b[PB_MAX_FRAME];

	same(got, b, pb_build(want, b, sizeof(b)));
}

/* Server a probe frame goes to. */
static int
srv_of6(const struct frame *fr)
{
	assert_int_equal(pb_get16(fr->b + 12), PB_ETH_IPV6);
	if (memcmp(fr->b + PB_ETH_LEN + 24, ip6_srv[SA], 16) == 0)
		return SA;
	assert_memory_equal(fr->b + PB_ETH_LEN + 24, ip6_srv[SB], 16);
	return SB;
}

/* Wait <ms>, run the control lcore, and collect the probes of <svc> sent:
 * one per server (<fr>[SA], <fr>[SB]); *<isn> for a TCP probe's SYN. */
static void
round6(struct fx *f, unsigned int ms, unsigned int svc, struct frame *fr, uint32_t *isn)
{
	struct frame got[8];
	unsigned int n, i, seen = 0;

	sleep_ms(ms);
	ctl_round(f);
	n = take(f, 0, got, RTE_DIM(got));
	for (i = 0; i < n; i++) {
		int s = srv_of6(&got[i]);
		uint16_t sport = pb_get16(got[i].b + ETH_IP6);

		if (got[i].b[PB_ETH_LEN + 6] == PB_PROTO_ICMPV6)
			sport = pb_get16(got[i].b + ETH_IP6 + 4);   /* echo id */
		if (sport != probe_port6(svc, s))
			continue;
		fr[s] = got[i];
		seen |= 1u << s;
		if (isn != NULL && got[i].b[PB_ETH_LEN + 6] == IPPROTO_TCP)
			isn[s] = pb_get32(got[i].b + ETH_IP6 + 4);
	}
	assert_int_equal(seen, 3);
}

/* The SYN of web6's probe of <s>: MSS 1460 over pkt_build's NOPs. */
static void
assert_syn6(const struct frame *got, int s, uint32_t isn)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t b[PB_MAX_FRAME], *l4 = b + ETH_IP6;
	struct pb_pkt w;
	uint32_t len;

	probe6_pkt(&w, SVC_WEB6, s, IPPROTO_TCP);
	w.seq = isn;
	w.tcp_flags = PB_TCP_SYN;
	w.tcp_doff = 6;
	len = pb_build(&w, b, sizeof(b));
	memcpy(l4 + 20, mss, 4);
	pb_put16(l4 + 16, 0);
	pb_put16(l4 + 16, pb_csum(l4, 24, pb_pseudo_sum6(w.sip6, w.dip6, IPPROTO_TCP, 24)));
	same(got, b, len);
}

/* Answer <a> reaches the control lcore (nothing forwarded, nothing dropped);
 * what the control lcore sends back is left on worker 0. */
static void
to_ctl6(struct fx *f, const struct pb_pkt *a)
{
	rx(f, 0, a);
	expect_none(f, 0);
	ctl_round(f);
}

static void
view6(struct fx *f, unsigned int svc, struct nc_server_view *v)
{
	struct nc_service_view sv;

	mon_view(f, svc, &sv, v);
}

/* SA accepts web6's probe, SB refuses it (<sb_up>: accepts too). */
static void
tcp_round6(struct fx *f, unsigned int ms, int sb_up)
{
	struct frame fr[2], out;
	uint32_t isn[2];
	struct pb_pkt a, w;
	int s;

	round6(f, ms, SVC_WEB6, fr, isn);
	for (s = SA; s <= SB; s++) {
		assert_syn6(&fr[s], s, isn[s]);
		answer6_pkt(&a, SVC_WEB6, s, IPPROTO_TCP);
		a.seq = 0x70000000u + (uint32_t)s;
		a.ack = isn[s] + 1;
		if (s == SB && !sb_up) {
			a.tcp_flags = PB_TCP_RST | PB_TCP_ACK;
			to_ctl6(f, &a);
			expect_none(f, 0);
			continue;
		}
		a.tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
		to_ctl6(f, &a);
		expect_one(f, 0, &out);
		probe6_pkt(&w, SVC_WEB6, s, IPPROTO_TCP);
		w.seq = isn[s] + 1;
		w.ack = a.seq + 1;
		w.tcp_flags = PB_TCP_RST | PB_TCP_ACK;
		w.window = 0;
		assert_pkt(&out, &w);
	}
}

static void
assert_clean(struct fx *f)
{
	struct nc_ctl_stats cs;

	nc_dp_ctl_stats_get(f->dp, &cs);
	assert_int_equal(cs.probe_unmatched, 0);
	assert_int_equal(cs.tx_failed, 0);
	assert_int_equal(drops_total(f), 0);
	assert_no_leak(f);
}

/*
 * tcp over IPv6: SB refuses two probes in a row (RST) and goes down, out of
 * web6's schedule; two good probes bring it back at its weight.
 */
static void
test_tcp6_down_up(void **state)
{
	struct fx *f = *state;
	struct nc_server_view v[2];

	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SA].up + v[SB].up, 2);
	tcp_round6(f, NC_PROBE_FIRST_MS + 50, 0);
	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SA].probes_good, 1);
	assert_int_equal(v[SB].probes_bad, 1);
	assert_int_equal(v[SB].up, 1);

	tcp_round6(f, PROBE_WAIT_MS, 0);
	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SB].up, 0);
	assert_int_equal(v[SB].weight, 0);
	assert_int_equal(v[SB].down_count, 1);
	assert_int_equal(v[SA].weight, 100);
	assert_int_equal(nc_dp_schedule(f->dp, SVC_WEB6)->server[SB].up, 0);

	tcp_round6(f, PROBE_WAIT_MS, 1);
	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SB].up, 0);
	tcp_round6(f, PROBE_WAIT_MS, 1);
	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SB].up, 1);
	assert_int_equal(v[SB].weight, 70);
	assert_int_equal(v[SA].weight, 30);
	assert_int_equal(v[SB].probes_good, 2);
	assert_int_equal(v[SB].probes_bad, 2);
	assert_int_equal(v[SA].probes_good, 4);
	assert_int_equal(nc_dp_schedule(f->dp, SVC_WEB6)->server[SB].up, 1);
	ctl_round(f);
	take(f, 0, NULL, 0);
	assert_clean(f);
}

/* dns6's probes: SA answers, SB's port is unreachable (ICMPv6 type 1 from
 * the server, quoting the datagram) or, with <sb_up>, SB answers too. */
static void
udp_round6(struct fx *f, unsigned int ms, int sb_up)
{
	static const uint8_t ping[4] = { 'p', 'i', 'n', 'g' };
	struct frame fr[2];
	struct pb_pkt a, w;
	int s;

	round6(f, ms, SVC_DNS6, fr, NULL);
	for (s = SA; s <= SB; s++) {
		probe6_pkt(&w, SVC_DNS6, s, IPPROTO_UDP);
		w.payload = ping;
		w.payload_len = sizeof(ping);
		assert_pkt(&fr[s], &w);
		if (s == SB && !sb_up) {
			pb_init6(&a, PB_PROTO_ICMPV6);
			memcpy(a.dst_mac, mac_port, 6);
			memcpy(a.src_mac, mac_srv[s], 6);
			memcpy(a.sip6, ip6_srv[s], 16);
			memcpy(a.dip6, ip6_lip, 16);
			a.icmp_type = 1;
			a.icmp_code = 4;
			a.icmp_id = 0;
			a.icmp_seq = 0;
			a.payload = fr[s].b + PB_ETH_LEN;
			a.payload_len = (uint16_t)(fr[s].len - PB_ETH_LEN);
		} else {
			answer6_pkt(&a, SVC_DNS6, s, IPPROTO_UDP);
			a.payload = ping;
			a.payload_len = sizeof(ping);
		}
		to_ctl6(f, &a);
		expect_none(f, 0);
	}
}

static void
test_udp6_down_up(void **state)
{
	struct fx *f = *state;
	struct nc_server_view v[2];

	udp_round6(f, NC_PROBE_FIRST_MS + 50, 0);
	udp_round6(f, PROBE_WAIT_MS, 0);
	view6(f, SVC_DNS6, v);
	assert_int_equal(v[SA].up, 1);
	assert_int_equal(v[SA].probes_good, 2);
	assert_int_equal(v[SB].up, 0);
	assert_int_equal(v[SB].probes_bad, 2);
	assert_int_equal(nc_dp_schedule(f->dp, SVC_DNS6)->server[SB].up, 0);
	udp_round6(f, PROBE_WAIT_MS, 1);
	udp_round6(f, PROBE_WAIT_MS, 1);
	view6(f, SVC_DNS6, v);
	assert_int_equal(v[SB].up, 1);
	assert_int_equal(v[SB].probes_good, 2);
	assert_int_equal(nc_dp_schedule(f->dp, SVC_DNS6)->server[SB].up, 1);
	ctl_round(f);
	take(f, 0, NULL, 0);
	assert_clean(f);
}

/* icmp on an IPv6 server: ICMPv6 echo request from the local IP, the echo
 * reply is good; SB silent: its probes time out and it goes down, then its
 * replies bring it back. */
static void
icmp_round6(struct fx *f, unsigned int ms, int sb_up)
{
	struct frame fr[2];
	struct pb_pkt a, w;
	int s;

	round6(f, ms, SVC_WEB6, fr, NULL);
	for (s = SA; s <= SB; s++) {
		uint16_t seq = pb_get16(fr[s].b + ETH_IP6 + 6);

		probe6_pkt(&w, SVC_WEB6, s, PB_PROTO_ICMPV6);
		w.icmp_type = 128;
		w.icmp_id = probe_port6(SVC_WEB6, s);
		w.icmp_seq = seq;
		w.payload = (const uint8_t *)"netchestra probe";
		w.payload_len = 16;
		assert_pkt(&fr[s], &w);
		if (s == SB && !sb_up)
			continue;
		answer6_pkt(&a, SVC_WEB6, s, PB_PROTO_ICMPV6);
		a.icmp_type = 129;
		a.icmp_id = w.icmp_id;
		a.icmp_seq = seq;
		a.payload = w.payload;
		a.payload_len = 16;
		to_ctl6(f, &a);
		expect_none(f, 0);
	}
}

static void
test_icmp6_down_up(void **state)
{
	struct fx *f = *state;
	struct nc_server_view v[2];

	icmp_round6(f, NC_PROBE_FIRST_MS + 50, 0);
	icmp_round6(f, PROBE_WAIT_MS, 0);
	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SB].probes_bad, 1);     /* the first timed out */
	assert_int_equal(v[SB].up, 1);
	/* the second times out in this round, before SB answers again */
	icmp_round6(f, PROBE_WAIT_MS, 1);
	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SA].probes_good, 3);
	assert_int_equal(v[SB].probes_bad, 2);
	assert_int_equal(v[SB].down_count, 1);
	assert_int_equal(v[SB].probes_good, 1);
	assert_int_equal(v[SB].up, 0);
	icmp_round6(f, PROBE_WAIT_MS, 1);
	view6(f, SVC_WEB6, v);
	assert_int_equal(v[SB].probes_good, 2);
	assert_int_equal(v[SB].up, 1);
	ctl_round(f);
	take(f, 0, NULL, 0);
	assert_clean(f);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestdphealth6"); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp6_down_up, setup_health6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_udp6_down_up, setup_health6, fx_teardown),
		cmocka_unit_test_setup_teardown(test_icmp6_down_up, setup_icmp6, fx_teardown),
	};

	return cmocka_run_group_tests_name("dp_health6", tests, eal_setup, fx_eal_teardown);
}
