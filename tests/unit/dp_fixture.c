/* SPDX-License-Identifier: BSD-3-Clause
 * The data-path fixture (dp_fixture.h): the lab, the data plane around each
 * test, packets in and out, expected frames, probes and the fail-safe's
 * segments. Packets built by pkt_build go in through nc_worker_rx(); what
 * would be transmitted comes out of nc_worker_tx_take() and is compared byte
 * for byte with the frame built from the expected fields, so IP and L4
 * checksums are checked against a full recomputation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_thash.h>

#include "nc_dp.h"
#include "nc_sched.h"
#include "dp_priv.h"     /* the workers' clocks, dp->sched, dp->txpool, probe ports */
#include "nc_test_support.h"
#include "pkt_build.h"
#include "dp_fixture.h"

/* ------------------------------------------------------------ the lab */

const uint8_t mac_port[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
const uint8_t mac_gw[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
const uint8_t mac_srv[2][6] = {
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x0b },
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x0c },
};
const uint32_t ip_srv[2] = { IP_SA, IP_SB };

struct rte_mempool *fx_pool;

/* One port 10.0.0.1/24, static neighbors for both servers and the gateway,
 * default route via the gateway; web tcp/80 ratio 30/70, dns udp/5353 50/50;
 * both services on VIP 10.0.0.100 with local IP 10.0.0.200. */
static void
cfg_lab(struct nc_config *c)
{
	struct nc_cfg_service *s;
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->workers.lcores[0] = 1;
	c->workers.n_lcores = 1;
	c->workers.burst = 32;
	snprintf(c->ports[0].name, sizeof(c->ports[0].name), "p0");
	snprintf(c->ports[0].device, sizeof(c->ports[0].device), "net_test0");
	c->ports[0].ipv4[0] = (struct nc_prefix){ IP_PORT, 24 };
	c->ports[0].n_ipv4 = 1;
	c->ports[0].rx_desc = c->ports[0].tx_desc = 1024;
	c->n_ports = 1;
	for (i = 0; i < 2; i++) {
		c->neighbors[i].ipv4 = ip_srv[i];
		memcpy(c->neighbors[i].mac, mac_srv[i], 6);
	}
	c->neighbors[2].ipv4 = IP_GW;
	memcpy(c->neighbors[2].mac, mac_gw, 6);
	c->n_neighbors = 3;
	c->routes[0] = (struct nc_cfg_route){ { 0, 0 }, IP_GW };
	c->n_routes = 1;
	c->limits = (struct nc_cfg_limits){ .max_flows = 1024, .tcp_idle_s = 300,
					    .udp_idle_s = 30, .tcp_fin_s = 1, .tcp_syn_s = 10 };
	s = &c->services[SVC_WEB];
	snprintf(s->name, sizeof(s->name), "web");
	s->vip = IP_VIP;
	s->port = WEB_PORT;
	s->proto = IPPROTO_TCP;
	s->local_ips[0] = IP_LIP;
	s->n_local_ips = 1;
	s->scheduler = NC_SCHED_RATIO;
	s->servers[0] = (struct nc_cfg_server){ "a", IP_SA, WEB_SPORT, 30 };
	s->servers[1] = (struct nc_cfg_server){ "b", IP_SB, WEB_SPORT, 70 };
	s->n_servers = 2;
	s = &c->services[SVC_DNS];
	snprintf(s->name, sizeof(s->name), "dns");
	s->vip = IP_VIP;
	s->port = DNS_PORT;
	s->proto = IPPROTO_UDP;
	s->local_ips[0] = IP_LIP;
	s->n_local_ips = 1;
	s->scheduler = NC_SCHED_RATIO;
	s->servers[0] = (struct nc_cfg_server){ "a", IP_SA, DNS_PORT, 50 };
	s->servers[1] = (struct nc_cfg_server){ "b", IP_SB, DNS_PORT, 50 };
	s->n_servers = 2;
	c->n_services = 2;
}

void
tweak_two_workers(struct nc_config *c)
{
	c->workers.lcores[0] = 1;
	c->workers.lcores[1] = 2;
	c->workers.n_lcores = 2;
}

/* fx_setup_ext() on a port sending single-segment frames only (<tx_one_seg>)
 * or spreading packets by RSS with the default key (<rss>). */
static int
fx_setup_port(void **state, void (*tweak)(struct nc_config *c), size_t size, bool tx_one_seg,
	      bool rss)
{
	struct nc_dp_port_setup ps = { .port_id = 0, .tx_one_seg = tx_one_seg,
					.rss_default_key = rss };
	struct fx *f;
	unsigned int i;

	if (size < sizeof(*f))
		return -1;
	f = calloc(1, size);
	if (f == NULL)
		return -1;
	f->cfg = calloc(1, sizeof(*f->cfg));
	if (f->cfg == NULL) {
		free(f);
		return -1;
	}
	cfg_lab(f->cfg);
	if (tweak != NULL)
		tweak(f->cfg);
	memcpy(ps.mac.addr_bytes, mac_port, 6);
	f->dp = nc_dp_create(f->cfg, &ps, fx_pool, SOCKET_ID_ANY);
	if (f->dp == NULL) {
		print_error("nc_dp_create: %s\n", rte_strerror(rte_errno));
		free(f->cfg);
		free(f);
		return -1;
	}
	f->n_workers = nc_dp_n_workers(f->dp);
	for (i = 0; i < f->cfg->n_services; i++)
		f->vclock |= f->cfg->services[i].failsafe.enabled;
	f->vnow_ms = 1000000;
	for (i = 0; i < f->n_workers; i++)
		tick(f, i);
	f->avail0 = rte_mempool_avail_count(fx_pool);
	*state = f;
	return 0;
}

int
fx_setup_ext(void **state, void (*tweak)(struct nc_config *c), size_t size)
{
	return fx_setup_port(state, tweak, size, false, false);
}

int
fx_setup_one_seg(void **state, void (*tweak)(struct nc_config *c))
{
	return fx_setup_port(state, tweak, sizeof(struct fx), true, false);
}

int
fx_setup_rss(void **state, void (*tweak)(struct nc_config *c))
{
	return fx_setup_port(state, tweak, sizeof(struct fx), false, true);
}

int
fx_setup(void **state, void (*tweak)(struct nc_config *c))
{
	return fx_setup_ext(state, tweak, sizeof(struct fx));
}

int setup_lab(void **state) { return fx_setup(state, NULL); }

int
fx_teardown(void **state)
{
	struct fx *f = *state;
	static struct rte_mbuf *m[4096];
	unsigned int i;

	if (f == NULL)
		return 0;
	for (i = 0; i < f->n_workers; i++) {
		uint16_t n = nc_worker_tx_take(nc_dp_worker(f->dp, i), 0, m);

		rte_pktmbuf_free_bulk(m, n);
	}
	nc_dp_free(f->dp);
	free(f->cfg);
	free(f);
	return 0;
}

struct nc_worker *
wk(struct fx *f, unsigned int i)
{
	return nc_dp_worker(f->dp, i);
}

void
tick(struct fx *f, unsigned int i)
{
	struct nc_worker *w = wk(f, i);

	nc_worker_tick(w);
	if (f->vclock) {
		w->now_ms = f->vnow_ms;
		nc_flow_set_clock(w->flows, f->vnow_ms);
	}
}

/* ------------------------------------------------------ packets in, out */

struct rte_mbuf *
mk(const struct pb_pkt *p)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_pool);
	uint8_t buf[PB_MAX_FRAME];
	uint32_t len = pb_build(p, buf, sizeof(buf));
	char *d;

	assert_non_null(m);
	assert_true(len > 0);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, buf, len);
	m->port = 0;
	return m;
}

void
rx(struct fx *f, unsigned int w, const struct pb_pkt *p)
{
	struct rte_mbuf *m = mk(p);

	nc_worker_rx(wk(f, w), 0, &m, 1);
}

unsigned int
take(struct fx *f, unsigned int w, struct frame *out, unsigned int max)
{
	static struct rte_mbuf *m[4096];
	uint16_t n = nc_worker_tx_take(wk(f, w), 0, m), i;

	for (i = 0; i < n; i++) {
		assert_int_equal(m[i]->nb_segs, 1);
		if (i < max) {
			out[i].len = rte_pktmbuf_data_len(m[i]);
			assert_int_equal(rte_pktmbuf_pkt_len(m[i]), out[i].len);
			memcpy(out[i].b, rte_pktmbuf_mtod(m[i], uint8_t *), out[i].len);
		}
	}
	rte_pktmbuf_free_bulk(m, n);
	return n;
}

unsigned int
take_chained(struct fx *f, unsigned int w, struct frame *out, unsigned int max)
{
	static struct rte_mbuf *m[4096];
	uint16_t n = nc_worker_tx_take(wk(f, w), 0, m), i;

	for (i = 0; i < n && i < max; i++) {
		const void *d;

		out[i].len = rte_pktmbuf_pkt_len(m[i]);
		assert_true(out[i].len <= sizeof(out[i].b));
		f->tx_segs_max = RTE_MAX(f->tx_segs_max, (unsigned int)m[i]->nb_segs);
		d = rte_pktmbuf_read(m[i], 0, out[i].len, out[i].b);
		assert_non_null(d);
		if (d != out[i].b)
			memcpy(out[i].b, d, out[i].len);
	}
	rte_pktmbuf_free_bulk(m, n);
	return n;
}

void
assert_bytes(const uint8_t *got, uint32_t glen, const uint8_t *want, uint32_t wlen)
{
	char why[256];

	pb_diff(got, glen, want, wlen, why, sizeof(why));
	if (why[0] != '\0')
		print_error("%s\n", why);
	assert_string_equal(why, "");
}

void
expect_none(struct fx *f, unsigned int w)
{
	struct frame fr;

	assert_int_equal(take(f, w, &fr, 1), 0);
}

void
expect_one(struct fx *f, unsigned int w, struct frame *out)
{
	unsigned int n = take(f, w, out, 1);

	if (n != 1)
		print_error("worker %u transmitted %u frames, want 1\n", w, n);
	assert_int_equal(n, 1);
}

void
assert_wire(const struct frame *got, const struct pb_pkt *want)
{
	uint8_t b[PB_MAX_FRAME];
	uint32_t len = pb_build(want, b, sizeof(b));
	char why[128];

	if (pb_get16(got->b + 12) == PB_ETH_IPV4 && !pb_csum_verify(got->b, got->len, why, sizeof(why))) {
		print_error("checksum: %s\n", why);
		fail();
	}
	pb_diff(got->b, got->len, b, len, why, sizeof(why));
	if (why[0] != '\0') {
		print_error("frame on the wire differs: %s\n", why);
		fail();
	}
}

void
assert_no_leak(struct fx *f)
{
	assert_int_equal(rte_mempool_avail_count(fx_pool), f->avail0);
}

void
stats(struct fx *f, struct nc_dp_stats *st)
{
	nc_dp_stats_get(f->dp, st);
}

void
assert_drops(struct fx *f, const uint64_t *want)
{
	static struct nc_dp_stats st;
	unsigned int i, bad = 0;

	stats(f, &st);
	for (i = 0; i < NC_DROP_MAX; i++)
		if (st.drop[i] != want[i]) {
			print_error("drop %s: %lu, want %lu\n", nc_drop_name[i],
				    (unsigned long)st.drop[i], (unsigned long)want[i]);
			bad++;
		}
	assert_int_equal(bad, 0);
}

uint64_t
drops_total(struct fx *f)
{
	static struct nc_dp_stats st;
	uint64_t n = 0;
	unsigned int i;

	stats(f, &st);
	for (i = 0; i < NC_DROP_MAX; i++)
		n += st.drop[i];
	return n;
}

unsigned int
nic_queue(const struct pb_pkt *p, uint32_t *hash)
{
	uint32_t t[9], n = 0, i;

	if (p->v6) {
		for (i = 0; i < 4; i++)
			t[n++] = pb_get32(p->sip6 + 4 * i);
		for (i = 0; i < 4; i++)
			t[n++] = pb_get32(p->dip6 + 4 * i);
	} else {
		t[n++] = p->sip;
		t[n++] = p->dip;
	}
	t[n++] = (uint32_t)p->sport << 16 | p->dport;
	*hash = rte_softrss(t, n, nc_rss_key_default);
	return *hash & 1;
}

unsigned int
deliver(struct fx *f, unsigned int w, const struct pb_pkt *p, struct frame *out)
{
	return deliver_m(f, w, mk(p), out);
}

unsigned int
deliver_m(struct fx *f, unsigned int w, struct rte_mbuf *m, struct frame *out)
{
	unsigned int i, sender = ~0u, total = 0;

	nc_worker_rx(wk(f, w), 0, &m, 1);
	for (i = 0; i < f->n_workers; i++)
		nc_worker_handoff_poll(wk(f, i));
	for (i = 0; i < f->n_workers; i++) {
		struct frame fr[4];
		unsigned int n = take(f, i, fr, 4);

		if (n != 0) {
			sender = i;
			*out = fr[0];
		}
		total += n;
	}
	assert_int_equal(total, 1);
	return sender;
}

uint32_t
flen(const struct pb_pkt *p)
{
	uint8_t b[PB_MAX_FRAME];

	return pb_build(p, b, sizeof(b));
}

/* ------------------------------------------------------ expected frames */

void
client_pkt(struct pb_pkt *p, uint8_t proto, uint16_t sport)
{
	pb_init(p, proto);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_gw, 6);
	p->sip = IP_CLIENT;
	p->dip = IP_VIP;
	p->sport = sport;
	p->dport = proto == IPPROTO_TCP ? WEB_PORT : DNS_PORT;
	p->tcp_flags = PB_TCP_SYN;
}

struct pb_pkt
nat_c2s(const struct pb_pkt *in, int server, uint16_t lport)
{
	struct pb_pkt o = *in;

	memcpy(o.dst_mac, mac_srv[server], 6);
	memcpy(o.src_mac, mac_port, 6);
	o.sip = IP_LIP;
	o.dip = ip_srv[server];
	o.sport = lport;
	o.dport = in->proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT;
	o.ttl = (uint8_t)(in->ttl - 1);
	return o;
}

void
server_pkt(struct pb_pkt *p, const struct pb_pkt *client, int server, uint16_t lport)
{
	pb_init(p, client->proto);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_srv[server], 6);
	p->sip = ip_srv[server];
	p->dip = IP_LIP;
	p->sport = client->proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT;
	p->dport = lport;
	p->tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	p->ttl = 61;
}

struct pb_pkt
nat_s2c(const struct pb_pkt *in, const struct pb_pkt *client)
{
	struct pb_pkt o = *in;

	memcpy(o.dst_mac, mac_gw, 6);
	memcpy(o.src_mac, mac_port, 6);
	o.sip = IP_VIP;
	o.dip = client->sip;
	o.sport = client->dport;
	o.dport = client->sport;
	o.ttl = (uint8_t)(in->ttl - 1);
	return o;
}

int
server_of(const struct frame *fr)
{
	uint32_t dip = pb_get32(fr->b + PB_IP_OFF + 16);

	if (dip == IP_SA)
		return SA;
	if (dip == IP_SB)
		return SB;
	print_error("forwarded to %08x, not a server\n", dip);
	fail();
	return -1;
}

uint16_t
lport_of(const struct frame *fr)
{
	return pb_get16(fr->b + pb_l4_off(fr->b));
}

int
find_frame(const struct frame *fr, unsigned int n, uint8_t *used, const struct pb_pkt *want)
{
	uint8_t b[PB_MAX_FRAME];
	uint32_t len = pb_build(want, b, sizeof(b));
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!used[i] && fr[i].len == len && memcmp(fr[i].b, b, len) == 0) {
			used[i] = 1;
			return (int)i;
		}
	return -1;
}

void
expect_in_burst(const struct frame *fr, unsigned int n, uint8_t *used, const struct pb_pkt *want,
		unsigned int i)
{
	if (find_frame(fr, n, used, want) < 0) {
		print_error("packet %u of the burst not forwarded as expected\n", i);
		fail();
	}
}

void
open_flow(struct fx *f, unsigned int w, const struct pb_pkt *p, struct flow *fl)
{
	struct frame fr;
	struct pb_pkt want;

	rx(f, w, p);
	expect_one(f, w, &fr);
	fl->c = *p;
	fl->server = server_of(&fr);
	fl->lport = lport_of(&fr);
	fl->owner = w;
	assert_true(fl->lport >= 1024);
	want = nat_c2s(p, fl->server, fl->lport);
	assert_wire(&fr, &want);
}

void
open_tcp(struct fx *f, uint16_t sport, struct flow *fl)
{
	struct pb_pkt p;

	client_pkt(&p, IPPROTO_TCP, sport);
	open_flow(f, 0, &p, fl);
}

void
c2s_ok(struct fx *f, const struct flow *fl, const struct pb_pkt *p)
{
	struct frame fr;
	struct pb_pkt want = nat_c2s(p, fl->server, fl->lport);

	rx(f, fl->owner, p);
	expect_one(f, fl->owner, &fr);
	assert_wire(&fr, &want);
}

void
s2c_ok(struct fx *f, const struct flow *fl, const struct pb_pkt *p)
{
	struct frame fr;
	struct pb_pkt want = nat_s2c(p, &fl->c);

	rx(f, fl->owner, p);
	expect_one(f, fl->owner, &fr);
	assert_wire(&fr, &want);
}

void
client_seg(struct pb_pkt *p, const struct flow *fl, uint8_t flags)
{
	*p = fl->c;
	p->tcp_flags = flags;
	p->seq = fl->c.seq + 1;
	p->ack = 0x50000001;
}

void
server_seg(struct pb_pkt *p, const struct flow *fl, uint8_t flags)
{
	server_pkt(p, &fl->c, fl->server, fl->lport);
	p->tcp_flags = flags;
	p->seq = 0x50000000;
	p->ack = fl->c.seq + 1;
}

void
echo_request(struct pb_pkt *p, uint32_t dip, const uint8_t *payload, uint16_t len)
{
	pb_init(p, IPPROTO_ICMP);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_gw, 6);
	p->sip = IP_CLIENT;
	p->dip = dip;
	p->ttl = 1;            /* to us: TTL does not matter */
	p->icmp_id = 0x77;
	p->icmp_seq = 9;
	p->payload = payload;
	p->payload_len = len;
}

/* -------------------------------------------------- control lcore path */

void
ctl_round(struct fx *f)
{
	nc_dp_ctl_poll(f->dp);
	nc_worker_ctl_tx_poll(wk(f, 0));
}

void
sleep_ms(unsigned int ms)
{
	rte_delay_us_sleep(ms * 1000u);
}

void
mon_view(struct fx *f, unsigned int svc, struct nc_service_view *sv, struct nc_server_view *v)
{
	assert_int_equal(nc_dp_service_view(f->dp, svc, sv, v, 2), 2);
}

/* ------------------------------------------------------- health probes */

void
health_set(struct nc_cfg_service *s, enum nc_health_type type)
{
	memset(&s->health, 0, sizeof(s->health));
	s->health.type = type;
	s->health.interval_ms = 50;
	s->health.timeout_ms = 40;
	s->health.rise = 2;
	s->health.fall = 2;
	snprintf(s->health.http_path, sizeof(s->health.http_path), "/health");
	if (type == NC_HEALTH_UDP) {
		memcpy(s->health.udp_payload, "ping", 4);
		s->health.udp_payload_len = 4;
	}
	s->adaptive = (struct nc_cfg_adaptive){ .enabled = false, .mode = NC_ADAPT_PAPER,
						.interval_ms = 1000, .step = 1, .min_weight = 1 };
}

void
tweak_health(struct nc_config *c)
{
	health_set(&c->services[SVC_WEB], NC_HEALTH_TCP);
	c->limits.tcp_timewait_s = 0;
}

/*
 * A probe segment on the wire: LIP:<probe port of server> -> server:8080 from
 * the port's MAC to the server's, IP TTL 64, DF, no TOS; a SYN has data offset
 * 6 with the MSS option 1460 and nothing else. The IP id is read from the
 * frame (any value will do with DF set); every other byte is built here.
 */
static void
assert_probe_seg(const struct frame *got, int server, uint32_t seq, uint32_t ack, uint8_t flags,
		 uint16_t win)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	uint8_t b[PB_MAX_FRAME];
	struct pb_pkt w;
	uint32_t len, l4;
	char why[128];

	pb_init(&w, IPPROTO_TCP);
	memcpy(w.dst_mac, mac_srv[server], 6);
	memcpy(w.src_mac, mac_port, 6);
	w.ip_id = pb_get16(got->b + PB_IP_OFF + 4);
	w.sip = IP_LIP;
	w.dip = ip_srv[server];
	w.sport = PROBE_PORT(server);
	w.dport = WEB_SPORT;
	w.seq = seq;
	w.ack = ack;
	w.tcp_flags = flags;
	w.window = win;
	w.tcp_doff = flags == PB_TCP_SYN ? 6 : 5;
	len = pb_build(&w, b, sizeof(b));
	if (flags == PB_TCP_SYN) {
		l4 = pb_l4_off(b);
		memcpy(b + l4 + 20, mss, sizeof(mss));
		pb_put16(b + l4 + 16, 0);
		pb_put16(b + l4 + 16, pb_csum(b + l4, 24, pb_pseudo_sum(w.sip, w.dip, IPPROTO_TCP, 24)));
	}
	if (!pb_csum_verify(got->b, got->len, why, sizeof(why))) {
		print_error("probe to %c: checksum: %s\n", 'a' + server, why);
		fail();
	}
	pb_diff(got->b, got->len, b, len, why, sizeof(why));
	if (why[0] != '\0') {
		print_error("probe to %c differs: %s\n", 'a' + server, why);
		fail();
	}
}

void
probe_round(struct fx *f, struct probes *pr, unsigned int ms)
{
	struct frame fr[8];
	unsigned int n, i;

	sleep_ms(ms);
	ctl_round(f);
	n = take(f, 0, fr, RTE_DIM(fr));
	assert_true(n <= RTE_DIM(fr));
	memset(pr->syn, 0, sizeof(pr->syn));
	memset(pr->rst, 0, sizeof(pr->rst));
	for (i = 0; i < n; i++) {
		int s = server_of(&fr[i]);
		const uint8_t *th = fr[i].b + pb_l4_off(fr[i].b);

		assert_int_equal(fr[i].b[PB_IP_OFF + 9], IPPROTO_TCP);
		if (th[13] == PB_TCP_SYN) {
			pr->isn[s] = pb_get32(th + 4);
			assert_probe_seg(&fr[i], s, pr->isn[s], 0, PB_TCP_SYN, 65535);
			pr->syn[s]++;
		} else {
			/* the old probe's RST comes before the new SYN */
			assert_int_equal(pr->syn[s], 0);
			assert_probe_seg(&fr[i], s, pr->isn[s] + 1, 0, PB_TCP_RST, 0);
			pr->rst[s]++;
		}
	}
}

void
probe_reply(struct pb_pkt *p, int s, uint8_t flags, uint32_t seq, uint32_t ack)
{
	pb_init(p, IPPROTO_TCP);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_srv[s], 6);
	p->sip = ip_srv[s];
	p->dip = IP_LIP;
	p->sport = WEB_SPORT;
	p->dport = PROBE_PORT(s);
	p->seq = seq;
	p->ack = ack;
	p->tcp_flags = flags;
}

void
to_ctl(struct fx *f, struct probes *pr, const struct pb_pkt *p)
{
	rx(f, 0, p);
	expect_none(f, 0);
	pr->to_ctl++;
}

void
answer_synack(struct fx *f, struct probes *pr, int s)
{
	uint32_t seq = 0x70000000u + (uint32_t)s * 0x10000u + pr->to_ctl;
	struct pb_pkt p;
	struct frame fr;

	probe_reply(&p, s, PB_TCP_SYN | PB_TCP_ACK, seq, pr->isn[s] + 1);
	to_ctl(f, pr, &p);
	ctl_round(f);
	expect_one(f, 0, &fr);
	assert_probe_seg(&fr, s, pr->isn[s] + 1, seq + 1, PB_TCP_RST | PB_TCP_ACK, 0);
}

void
answer_rst(struct fx *f, struct probes *pr, int s)
{
	struct pb_pkt p;

	probe_reply(&p, s, PB_TCP_RST | PB_TCP_ACK, 0, pr->isn[s] + 1);
	to_ctl(f, pr, &p);
	ctl_round(f);
	expect_none(f, 0);
}

/* ------------------------------------------- transaction fail-safe */

void
failsafe_set(struct nc_cfg_service *s, uint32_t timeout_ms, uint8_t max_replays)
{
	s->failsafe = (struct nc_cfg_failsafe){ .enabled = true, .response_timeout_ms = timeout_ms,
						.max_replays = max_replays, .store_size = 64,
						.protocol = NC_FS_PROTO_AUTO, .replay = NC_FS_REPLAY_ALL,
						.hold_limit_kb = 4096 };
}

void
fs_view(struct fx *f, struct nc_failsafe_view *v)
{
	assert_int_equal(nc_dp_failsafe_view(f->dp, SVC_DNS, v), 2);
}

void
assert_txpool(struct fx *f)
{
	struct nc_failsafe_view v;

	fs_view(f, &v);
	assert_non_null(f->dp->txpool);
	assert_int_equal(rte_mempool_avail_count(f->dp->txpool) + v.held_now, f->dp->txpool->size);
}

void
assert_fs_clean(struct fx *f)
{
	assert_int_equal(drops_total(f), 0);
	ctl_round(f);
	assert_txpool(f);
	assert_no_leak(f);
}

unsigned int
fs_wait(struct fx *f, unsigned int w, unsigned int ms)
{
	f->vnow_ms += ms;
	tick(f, w);
	return nc_worker_failsafe_poll(wk(f, w));
}

void
dns_req(struct pb_pkt *p, uint32_t sip, uint16_t sport, const uint8_t *q, uint16_t len)
{
	client_pkt(p, IPPROTO_UDP, sport);
	p->sip = sip;
	p->payload = q;
	p->payload_len = len;
}

void
assert_fs_svc(struct fx *f, unsigned int svc, uint64_t held_now, uint64_t held, uint64_t released,
	      uint64_t replays, uint64_t resets, uint64_t fo_a, uint64_t fo_b)
{
	struct nc_failsafe_view v;

	assert_int_equal(nc_dp_failsafe_view(f->dp, svc, &v), 2);
	if (v.held_now != held_now || v.held != held || v.released != released ||
	    v.replays != replays || v.resets != resets || v.store_full != 0 ||
	    v.failed_over[SA] != fo_a || v.failed_over[SB] != fo_b)
		print_error("fail-safe: held_now %lu held %lu released %lu replays %lu resets %lu "
			    "store_full %lu failed_over %lu/%lu\n", (unsigned long)v.held_now,
			    (unsigned long)v.held, (unsigned long)v.released, (unsigned long)v.replays,
			    (unsigned long)v.resets, (unsigned long)v.store_full,
			    (unsigned long)v.failed_over[SA], (unsigned long)v.failed_over[SB]);
	assert_int_equal(v.held_now, held_now);
	assert_int_equal(v.held, held);
	assert_int_equal(v.released, released);
	assert_int_equal(v.replays, replays);
	assert_int_equal(v.resets, resets);
	assert_int_equal(v.store_full, 0);
	assert_int_equal(v.failed_over[SA], fo_a);
	assert_int_equal(v.failed_over[SB], fo_b);
}

/* ------------------------------------------- TCP transaction fail-safe */

void tweak_tcpfs(struct nc_config *c) { failsafe_set(&c->services[SVC_WEB], 30, 2); }
int setup_tcpfs(void **state) { return fx_setup(state, tweak_tcpfs); }

const uint8_t syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44,
			       0, 0, 0, 0, 1, 3, 3, 7 };
const uint8_t syn_opts_stripped[20] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 1, 1, 1, 1, 1,
					1, 1, 1, 1, 1, 1, 1, 1 };
const uint8_t mss_opt[4] = { 2, 4, 0x05, 0xb4 };
const uint8_t mss_sack_opt[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };

/* The frame of <p> with the TCP option bytes <opt> (<olen>, a multiple of
 * 4) in place of pb_build's NOPs, TCP checksum computed afresh. */
static uint32_t
build_opt(const struct pb_pkt *p, const uint8_t *opt, uint8_t olen, uint8_t *b)
{
	struct pb_pkt q = *p;
	uint32_t len, l4;
	uint16_t l4len;

	q.tcp_doff = (uint8_t)(5 + olen / 4);
	len = pb_build(&q, b, PB_MAX_FRAME);
	assert_true(len > 0);
	l4 = q.v6 ? PB_IP_OFF + 40 : pb_l4_off(b);   /* IPv6: no extension headers */
	if (q.v6)
		l4len = (uint16_t)(pb_get16(b + PB_IP_OFF + 4) - (l4 - PB_IP_OFF - 40));
	else
		l4len = (uint16_t)(pb_get16(b + PB_IP_OFF + 2) - (l4 - PB_IP_OFF));
	memcpy(b + l4 + 20, opt, olen);
	pb_put16(b + l4 + 16, 0);
	pb_put16(b + l4 + 16, pb_csum(b + l4, l4len,
				      q.v6 ? pb_pseudo_sum6(q.sip6, q.dip6, q.proto, l4len) :
					     pb_pseudo_sum(q.sip, q.dip, q.proto, l4len)));
	return len;
}

void
rx_opt(struct fx *f, const struct pb_pkt *p, const uint8_t *opt, uint8_t olen)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fx_pool);
	uint8_t b[PB_MAX_FRAME];
	uint32_t len = build_opt(p, opt, olen, b);
	char *d;

	assert_non_null(m);
	d = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(d);
	memcpy(d, b, len);
	m->port = 0;
	nc_worker_rx(wk(f, 0), 0, &m, 1);
}

void
assert_wire_opt(const struct frame *got, const struct pb_pkt *want, const uint8_t *opt, uint8_t olen)
{
	uint8_t b[PB_MAX_FRAME];
	uint32_t len = build_opt(want, opt, olen, b);
	char why[128];

	if (!pb_csum_verify(got->b, got->len, why, sizeof(why))) {
		print_error("checksum: %s\n", why);
		fail();
	}
	pb_diff(got->b, got->len, b, len, why, sizeof(why));
	if (why[0] != '\0') {
		print_error("frame on the wire differs: %s\n", why);
		fail();
	}
}

void
tc_set(struct pb_pkt *p, uint8_t flags, uint32_t seq, uint32_t ack, const void *pay, uint16_t len)
{
	p->tcp_flags = flags;
	p->seq = seq;
	p->ack = ack;
	p->payload = pay;
	p->payload_len = len;
}

void
tc_client(struct pb_pkt *p, const struct flow *fl, uint8_t flags, uint32_t seq, uint32_t ack,
	  const void *pay, uint16_t len)
{
	*p = fl->c;
	p->tcp_doff = 5;
	tc_set(p, flags, seq, ack, pay, len);
}

void
tc_server(struct pb_pkt *p, const struct flow *fl, int server, uint8_t flags, uint32_t seq,
	  uint32_t ack, const void *pay, uint16_t len)
{
	server_pkt(p, &fl->c, server, fl->lport);
	tc_set(p, flags, seq, ack, pay, len);
}

void
tc_own(struct pb_pkt *p, const struct flow *fl, int server, uint8_t flags, uint32_t seq, uint32_t ack)
{
	pb_init(p, IPPROTO_TCP);
	p->ip_id = 0;
	memcpy(p->src_mac, mac_port, 6);
	if (server >= 0) {
		memcpy(p->dst_mac, mac_srv[server], 6);
		p->sip = IP_LIP;
		p->dip = ip_srv[server];
		p->sport = fl->lport;
		p->dport = WEB_SPORT;
	} else {
		memcpy(p->dst_mac, mac_gw, 6);
		p->sip = IP_VIP;
		p->dip = fl->c.sip;
		p->sport = WEB_PORT;
		p->dport = fl->c.sport;
	}
	p->tcp_flags = flags;
	p->seq = seq;
	p->ack = ack;
}

void
tc_syn(struct fx *f, uint16_t sport, uint32_t isn, int opts, struct flow *fl)
{
	struct pb_pkt p, want;
	struct frame fr;

	client_pkt(&p, IPPROTO_TCP, sport);
	p.seq = isn;
	p.window = 64240;
	p.ttl = 57;
	if (opts)
		rx_opt(f, &p, syn_opts, sizeof(syn_opts));
	else
		rx(f, 0, &p);
	expect_one(f, 0, &fr);
	fl->c = p;
	fl->server = server_of(&fr);
	fl->lport = lport_of(&fr);
	fl->owner = 0;
	assert_int_equal(fl->server, SA);
	want = nat_c2s(&p, SA, fl->lport);
	if (opts)
		assert_wire_opt(&fr, &want, syn_opts_stripped, sizeof(syn_opts_stripped));
	else
		assert_wire(&fr, &want);
}

void
tc_connect(struct fx *f, uint16_t sport, uint32_t c, uint32_t a, int opts, struct flow *fl)
{
	struct pb_pkt p;

	tc_syn(f, sport, c, opts, fl);
	tc_server(&p, fl, SA, PB_TCP_SYN | PB_TCP_ACK, a, c + 1, NULL, 0);
	s2c_ok(f, fl, &p);
	tc_client(&p, fl, PB_TCP_ACK, c + 1, a + 1, NULL, 0);
	c2s_ok(f, fl, &p);
}

void
svc_server_up(struct fx *f, unsigned int svc, unsigned int server, uint8_t up)
{
	struct nc_sched_server srv[2];
	unsigned int i;

	for (i = 0; i < 2; i++)
		srv[i] = nc_dp_schedule(f->dp, svc)->server[i];
	srv[server].up = up;
	assert_int_equal(nc_sched_publish(f->dp->sched, svc, NC_SCHED_RATIO, srv, 2), 0);
	tick(f, 0);
}

void
svc_b_up(struct fx *f, unsigned int svc, uint8_t up)
{
	svc_server_up(f, svc, SB, up);
}

void
web_b_up(struct fx *f, uint8_t up)
{
	svc_b_up(f, SVC_WEB, up);
}

void
fs_web(struct fx *f, struct nc_failsafe_view *v)
{
	assert_int_equal(nc_dp_failsafe_view(f->dp, SVC_WEB, v), 2);
}

void
expect_move(struct fx *f, struct flow *fl, int rst, uint32_t rst_seq, int to, uint32_t syn_seq,
	    int mss)
{
	struct frame fr[4];
	struct pb_pkt want;
	unsigned int n = take(f, fl->owner, fr, 4), k = 0;
	uint16_t old = fl->lport;

	if (n != (unsigned int)(rst ? 2 : 1))
		print_error("the move transmitted %u frames, want %d\n", n, rst ? 2 : 1);
	assert_int_equal(n, rst ? 2 : 1);
	if (rst) {
		tc_own(&want, fl, fl->server, PB_TCP_RST, rst_seq, 0);
		assert_wire(&fr[k++], &want);
	}
	fl->server = to;
	fl->lport = lport_of(&fr[k]);
	assert_int_not_equal(fl->lport, old);
	tc_own(&want, fl, to, PB_TCP_SYN, syn_seq, 0);
	if (mss == 2)
		assert_wire_opt(&fr[k], &want, mss_sack_opt, sizeof(mss_sack_opt));
	else if (mss)
		assert_wire_opt(&fr[k], &want, mss_opt, sizeof(mss_opt));
	else
		assert_wire(&fr[k], &want);
}

void
expect_splice(struct fx *f, const struct flow *fl, uint32_t isn, uint32_t start,
	      const struct pb_pkt *held, unsigned int n, uint32_t ack)
{
	struct frame fr[8];
	struct pb_pkt p, want;
	unsigned int i;

	tc_server(&p, fl, fl->server, PB_TCP_SYN | PB_TCP_ACK, isn, start, NULL, 0);
	rx(f, fl->owner, &p);
	assert_int_equal(take(f, fl->owner, fr, 8), n + 1);
	tc_own(&want, fl, fl->server, PB_TCP_ACK, start, isn + 1);
	assert_wire(&fr[0], &want);
	for (i = 0; i < n; i++) {
		want = nat_c2s(&held[i], fl->server, fl->lport);
		want.ack = ack;
		assert_wire(&fr[1 + i], &want);
	}
}

void
s2c_at(struct fx *f, const struct flow *fl, const struct pb_pkt *p, uint32_t client_seq)
{
	struct frame fr;
	struct pb_pkt want;

	rx(f, fl->owner, p);
	expect_one(f, fl->owner, &fr);
	want = nat_s2c(p, &fl->c);
	want.seq = client_seq;
	assert_wire(&fr, &want);
}

/* ------------------------------------------------------------ the EAL */

int
fx_eal_setup(void **state, const char *prefix)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
			 "--file-prefix", (char *)prefix, "--log-level", "lib.eal:error", NULL };

	(void)state;
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		print_error("rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	fx_pool = rte_pktmbuf_pool_create("tdp_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (fx_pool == NULL) {
		print_error("mbuf pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

int
fx_eal_teardown(void **state)
{
	(void)state;
	rte_mempool_free(fx_pool);
	rte_eal_cleanup();
	return 0;
}

/* ------------------------------------------------------------ IPv6 lab */

uint8_t ip6_port[16], ip6_vip[16], ip6_lip[16], ip6_gw[16], ip6_client[16], ip6_srv[2][16];

static void
addrs(void)
{
	pb_ip6(ip6_port, "fd00::1");
	pb_ip6(ip6_vip, "fd00::100");
	pb_ip6(ip6_lip, "fd00::200");
	pb_ip6(ip6_gw, "fd00::fe");
	pb_ip6(ip6_srv[SA], "fd00::11");
	pb_ip6(ip6_srv[SB], "fd00::12");
	pb_ip6(ip6_client, "2001:db8:1::10");   /* behind the gateway */
}

static void
svc6(struct nc_config *c, unsigned int si, const char *name, uint8_t proto, uint16_t port,
     uint16_t sport, uint8_t wa, uint8_t wb)
{
	struct nc_cfg_service *s = &c->services[si];
	unsigned int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->family = AF_INET6;
	memcpy(s->vip6, ip6_vip, 16);
	s->port = port;
	s->proto = proto;
	memcpy(s->local_ips6[0], ip6_lip, 16);
	s->n_local_ips6 = 1;
	s->server_family = AF_INET6;
	s->scheduler = NC_SCHED_RATIO;
	for (i = 0; i < 2; i++) {
		snprintf(s->servers[i].name, sizeof(s->servers[i].name), "%c6", 'a' + i);
		s->servers[i].family = AF_INET6;
		memcpy(s->servers[i].address6, ip6_srv[i], 16);
		s->servers[i].port = sport;
	}
	s->servers[0].weight = wa;
	s->servers[1].weight = wb;
	s->n_servers = 2;
}

/* The lab dual-stack: fd00::1/64 on the port, static servers and gateway,
 * ::/0 via the gateway; web6 tcp/80 (30/70) and dns6 udp/5353 (50/50) on
 * fd00::100 with local address fd00::200. */
void
tweak_v6(struct nc_config *c)
{
	unsigned int i, n = c->n_neighbors;

	addrs();
	memcpy(c->ports[0].ipv6[0].addr, ip6_port, 16);
	c->ports[0].ipv6[0].len = 64;
	c->ports[0].n_ipv6 = 1;
	for (i = 0; i < 3; i++) {
		struct nc_cfg_neighbor *nb = &c->neighbors[n + i];

		nb->family = AF_INET6;
		memcpy(nb->ipv6, i < 2 ? ip6_srv[i] : ip6_gw, 16);
		memcpy(nb->mac, i < 2 ? mac_srv[i] : mac_gw, 6);
	}
	c->n_neighbors = n + 3;
	c->routes[c->n_routes].family = AF_INET6;
	memcpy(c->routes[c->n_routes].via6, ip6_gw, 16);
	c->n_routes++;
	svc6(c, SVC_WEB6, "web6", IPPROTO_TCP, WEB_PORT, WEB_SPORT, 30, 70);
	svc6(c, SVC_DNS6, "dns6", IPPROTO_UDP, DNS_PORT, DNS_PORT, 50, 50);
	c->n_services = 4;
}

void
client6(struct pb_pkt *p, uint8_t proto, uint16_t sport)
{
	pb_init6(p, proto);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_gw, 6);
	memcpy(p->sip6, ip6_client, 16);
	memcpy(p->dip6, ip6_vip, 16);
	p->sport = sport;
	p->dport = proto == IPPROTO_TCP ? WEB_PORT : DNS_PORT;
	p->tcp_flags = PB_TCP_SYN;
}

struct pb_pkt
nat6_c2s(const struct pb_pkt *in, int server, uint16_t lport)
{
	struct pb_pkt o = *in;

	memcpy(o.dst_mac, mac_srv[server], 6);
	memcpy(o.src_mac, mac_port, 6);
	memcpy(o.sip6, ip6_lip, 16);
	memcpy(o.dip6, ip6_srv[server], 16);
	o.sport = lport;
	o.dport = in->proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT;
	o.ttl = (uint8_t)(in->ttl - 1);
	return o;
}

void
server6(struct pb_pkt *p, const struct pb_pkt *client, int server, uint16_t lport)
{
	pb_init6(p, client->proto);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_srv[server], 6);
	memcpy(p->sip6, ip6_srv[server], 16);
	memcpy(p->dip6, ip6_lip, 16);
	p->sport = client->proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT;
	p->dport = lport;
	p->tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	p->ttl = 61;
}

struct pb_pkt
nat6_s2c(const struct pb_pkt *in, const struct pb_pkt *client)
{
	struct pb_pkt o = *in;

	memcpy(o.dst_mac, client->src_mac, 6);
	memcpy(o.src_mac, mac_port, 6);
	memcpy(o.sip6, ip6_vip, 16);
	memcpy(o.dip6, client->sip6, 16);
	o.sport = client->dport;
	o.dport = client->sport;
	o.ttl = (uint8_t)(in->ttl - 1);
	return o;
}

int
server6_of(const struct frame *fr)
{
	const uint8_t *dst = fr->b + 14 + 24;

	if (memcmp(dst, ip6_srv[SA], 16) == 0)
		return SA;
	if (memcmp(dst, ip6_srv[SB], 16) == 0)
		return SB;
	fail_msg("forwarded to no server");
	return -1;
}

uint16_t
lport6_of(const struct frame *fr)
{
	return (uint16_t)(fr->b[14 + 40] << 8 | fr->b[14 + 41]);
}

/* Open a flow with the client's first packet <p>: forwarded to a server
 * from the local address, every byte as built from scratch. */
void
open6(struct fx *f, const struct pb_pkt *p, int *server, uint16_t *lport)
{
	struct frame fr;
	struct pb_pkt want;

	rx(f, 0, p);
	expect_one(f, 0, &fr);
	*server = server6_of(&fr);
	*lport = lport6_of(&fr);
	assert_true(*lport >= 1024);
	want = nat6_c2s(p, *server, *lport);
	assert_wire(&fr, &want);
}

uint8_t ip6_vip64[16];

/* NAT64: an IPv6 VIP (fd00::164) over the lab's IPv4 servers and local IP */
void
svc64(struct nc_config *c, unsigned int si, const char *name, uint8_t proto, uint16_t port,
      uint16_t sport)
{
	struct nc_cfg_service *s = &c->services[si];
	unsigned int i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->family = AF_INET6;
	memcpy(s->vip6, ip6_vip64, 16);
	s->port = port;
	s->proto = proto;
	s->local_ips[0] = IP_LIP;
	s->n_local_ips = 1;
	s->server_family = AF_INET;
	s->scheduler = NC_SCHED_RATIO;
	for (i = 0; i < 2; i++) {
		snprintf(s->servers[i].name, sizeof(s->servers[i].name), "%c4", 'a' + i);
		s->servers[i].family = AF_INET;
		s->servers[i].address = ip_srv[i];
		s->servers[i].port = sport;
		s->servers[i].weight = 50;
	}
	s->n_servers = 2;
}

/* The fixture's IPv6 lab, and web64 tcp/80, dns64 udp/5353 through NAT64 */
void
tweak_v6_64(struct nc_config *c)
{
	tweak_v6(c);
	pb_ip6(ip6_vip64, "fd00::164");
	svc64(c, SVC_WEB64, "web64", IPPROTO_TCP, WEB_PORT, WEB_SPORT);
	svc64(c, SVC_DNS64, "dns64", IPPROTO_UDP, DNS_PORT, DNS_PORT);
	c->n_services = 6;
}

/* The IPv4 packet a NAT64 client packet <in> becomes (RFC 7915 5.1). */
struct pb_pkt
nat64_c2s(const struct pb_pkt *in, int server, uint16_t lport)
{
	struct pb_pkt o = *in;

	pb_init(&o, in->proto);
	memcpy(o.dst_mac, mac_srv[server], 6);
	memcpy(o.src_mac, mac_port, 6);
	o.tos = in->tclass;
	o.ip_id = 0;
	o.frag = 0x4000;                       /* DF */
	o.ttl = (uint8_t)(in->ttl - 1);
	o.sip = IP_LIP;
	o.dip = ip_srv[server];
	o.sport = lport;
	o.dport = in->proto == IPPROTO_TCP ? WEB_SPORT : DNS_PORT;
	o.seq = in->seq;
	o.ack = in->ack;
	o.tcp_flags = in->tcp_flags;
	o.window = in->window;
	o.payload = in->payload;
	o.payload_len = in->payload_len;
	return o;
}

/* The IPv6 packet the server's IPv4 answer <in> becomes for <client> (RFC 7915 4.1). */
struct pb_pkt
nat64_s2c(const struct pb_pkt *in, const struct pb_pkt *client)
{
	struct pb_pkt o;

	pb_init6(&o, in->proto);
	memcpy(o.dst_mac, client->src_mac, 6);
	memcpy(o.src_mac, mac_port, 6);
	o.tclass = in->tos;
	o.ttl = (uint8_t)(in->ttl - 1);
	memcpy(o.sip6, ip6_vip64, 16);
	memcpy(o.dip6, client->sip6, 16);
	o.sport = client->dport;
	o.dport = client->sport;
	o.seq = in->seq;
	o.ack = in->ack;
	o.tcp_flags = in->tcp_flags;
	o.window = in->window;
	o.payload = in->payload;
	o.payload_len = in->payload_len;
	return o;
}

int
server4_of(const struct frame *fr)
{
	uint32_t dip = pb_get32(fr->b + PB_IP_OFF + 16);

	assert_true(dip == IP_SA || dip == IP_SB);
	return dip == IP_SA ? SA : SB;
}

/* The PROXY v2 header of the fixture's client (IP_CLIENT:<sport> -> VIP:<vport>). */
void
proxy_v2_of(uint8_t *h, uint8_t proto, uint16_t sport, uint16_t vport)
{
	static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

	memcpy(h, sig, 12);
	h[12] = 0x21;
	h[13] = proto == IPPROTO_TCP ? 0x11 : 0x12;
	h[14] = 0;
	h[15] = 12;
	pb_put32(h + 16, IP_CLIENT);
	pb_put32(h + 20, IP_VIP);
	pb_put16(h + 24, sport);
	pb_put16(h + 26, vport);
}

/* The header segment to server <s> of <fl> at <seq> acknowledging <ack>,
 * carrying <h> (<n> bytes), window <win>. */
void
hdr_seg(struct pb_pkt *p, const struct flow *fl, int s, uint32_t seq, uint32_t ack,
	const uint8_t *h, uint16_t n, uint16_t win)
{
	tc_own(p, fl, s, PB_TCP_PSH | PB_TCP_ACK, seq, ack);
	p->payload = h;
	p->payload_len = n;
	p->window = win;
}

/* An ICMP error frame about the packet in <quoted> (a whole frame; its IP
 * header on): ICMPv6 (<v6>) type <type> with <mtu>, or ICMPv4 type 3 code 4. */
void
icmp_err(struct pb_pkt *p, int v6, uint8_t type, uint32_t mtu, const struct frame *quoted,
	 uint8_t *buf, uint16_t qlen)
{
	memcpy(buf, quoted->b + 14, qlen);
	if (v6) {
		pb_init6(p, PB_PROTO_ICMPV6);
		p->icmp_type = type;
		p->icmp_code = 0;
		p->icmp_id = (uint16_t)(mtu >> 16);
		p->icmp_seq = (uint16_t)mtu;
	} else {
		pb_init(p, IPPROTO_ICMP);
		p->icmp_type = 3;
		p->icmp_code = 4;
		p->icmp_id = 0;
		p->icmp_seq = (uint16_t)mtu;
	}
	memcpy(p->dst_mac, mac_port, 6);
	p->payload = buf;
	p->payload_len = qlen;
}

/* The quoted packet of ICMP error <fr> (its outer L3 <outer> bytes, ICMP 8)
 * is exactly <orig>'s IP packet as it left its sender, but for the hop limit
 * or TTL one router took off (and IPv4's header checksum with it; an IPv4
 * quote rebuilt from IPv6 has identification 0, RFC 7915 5.1). */
void
assert_quote(const struct frame *fr, uint16_t outer, const struct frame *orig, uint16_t qlen, int v6)
{
	const uint8_t *q = fr->b + 14 + outer + 8, *o = orig->b + 14;
	uint16_t i;

	assert_true(fr->len >= 14u + outer + 8u + qlen);
	for (i = 0; i < qlen; i++) {
		if (v6 ? i == 7 : (i == 4 || i == 5 || i == 8 || i == 10 || i == 11))
			continue;
		if (q[i] != o[i])
			fail_msg("quoted byte %u: %02x, want %02x", i, q[i], o[i]);
	}
}

/* ICMP error <out> went from <sip> to <dip> through <mac>, fragmentation
 * needed naming <mtu>, every checksum right. */
void
assert_frag_needed(const struct frame *out, const uint8_t *mac, uint32_t sip, uint32_t dip,
		   uint16_t mtu)
{
	char why[128];

	if (!pb_csum_verify(out->b, out->len, why, sizeof(why)))
		fail_msg("relayed error: %s", why);
	assert_memory_equal(out->b, mac, 6);
	assert_memory_equal(out->b + 6, mac_port, 6);
	assert_int_equal(pb_get32(out->b + 26), sip);
	assert_int_equal(pb_get32(out->b + 30), dip);
	assert_int_equal(out->b[23], IPPROTO_ICMP);
	assert_int_equal(out->b[34], 3);
	assert_int_equal(out->b[35], 4);
	assert_int_equal(pb_get16(out->b + 40), mtu);
}
