/* SPDX-License-Identifier: BSD-3-Clause
 * lib/metrics: the Prometheus text exposition of a data plane driven without
 * a NIC through the data-path fixture (dp_fixture.h: EAL with --no-huge, one
 * fake port, packets in through nc_worker_rx()). The worker's microsecond
 * clock is set by hand around each request and response, so every response
 * time is known. The rendered text is read back by a small parser of format
 * 0.0.4 (HELP and TYPE before a family's samples, one family at a time, label
 * escapes, numeric values, no series twice) and checked series by series
 * against what the packets sent imply.
 * NC_METRICS_DUMP=<prefix> keeps every text rendered, in <prefix>.1, .2 ...
 * (e.g. for promtool check metrics).
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "nc_metrics.h"
#include "nc_net.h"
#include "dp_priv.h"     /* w->now_us: the worker's clock, set by hand */
#include "pkt_build.h"
#include "dp_fixture.h"

/* ------------------------------------------------------------ the lab */

/* The data-path lab (dp_fixture.h) and a third service. */
#define ESC_PORT  81

enum { SVC_ESC = SVC_DNS + 1, N_SVC };
#define N_SRV 2

/* Names as configured; esc's need escaping in label values. */
static const char *const svc_name[N_SVC] = { "web", "dns", "e\"s\\c" };
static const char *const srv_name[N_SVC][N_SRV] = {
	{ "n0", "n1" }, { "n0", "n1" }, { "x\\y", "l1\nl2" },
};
static const uint8_t srv_weight[N_SVC][N_SRV] = { { 30, 70 }, { 50, 50 }, { 50, 50 } };
static const uint16_t svc_port[N_SVC] = { WEB_PORT, DNS_PORT, ESC_PORT };
static const uint8_t svc_proto[N_SVC] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_TCP };

/* The histogram bounds as a reader sees them. */
static const char *const le_str[] = { "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
				      "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5" };
static const uint32_t le_us[] = { 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
				  500000, 1000000, 2500000, 5000000 };
#define N_LE (sizeof(le_us) / sizeof(le_us[0]))

/* What the packets sent imply, per server and per service. */
struct want_srv {
	uint64_t flows;
	uint64_t requests;
	uint64_t bytes;
	unsigned int n_rt;
	uint32_t rt[16];
};

struct want_svc {
	uint64_t opened;
	uint64_t pkts[2];     /* c2s, s2c */
	uint64_t bytes[2];
	struct want_srv srv[N_SRV];
};

/* The shared fixture and this suite's state after it (fx_setup_ext). */
struct mfx {
	struct fx fx;
	uint32_t clock_us;
	uint16_t next_sport;
	struct want_svc want[N_SVC];
	uint64_t drops[NC_DROP_MAX];
};

/* The lab's port, neighbors and default route (dp_fixture.h) with these
 * services: web tcp/80 ratio 30/70, dns udp/5353 50/50 with the fail-safe
 * on, e"s\c tcp/81 50/50 with servers x\y and l1<LF>l2; VIP 10.0.0.100,
 * local IP 10.0.0.200. */
static void
tweak_metrics(struct nc_config *c)
{
	unsigned int s, i;

	for (s = 0; s < N_SVC; s++) {
		struct nc_cfg_service *cs = &c->services[s];

		snprintf(cs->name, sizeof(cs->name), "%s", svc_name[s]);
		cs->vip = IP_VIP;
		cs->port = svc_port[s];
		cs->proto = svc_proto[s];
		cs->local_ips[0] = IP_LIP;
		cs->n_local_ips = 1;
		cs->scheduler = NC_SCHED_RATIO;
		for (i = 0; i < N_SRV; i++) {
			snprintf(cs->servers[i].name, sizeof(cs->servers[i].name), "%s", srv_name[s][i]);
			cs->servers[i].address = ip_srv[i];
			cs->servers[i].port = s == SVC_WEB ? WEB_SPORT : svc_port[s];
			cs->servers[i].weight = srv_weight[s][i];
		}
		cs->n_servers = N_SRV;
	}
	c->services[SVC_DNS].failsafe = (struct nc_cfg_failsafe){ .enabled = true,
		.response_timeout_ms = 30000, .max_replays = 2, .store_size = 64 };
	c->n_services = N_SVC;
}

static void
tweak_two(struct nc_config *c)
{
	tweak_metrics(c);
	tweak_two_workers(c);
}

/* The fixture with <tweak> (which starts with tweak_metrics): the workers run
 * on their own clocks (clock_at), not the fixture's fail-safe clock. */
static int
mx_setup(void **state, void (*tweak)(struct nc_config *c))
{
	struct mfx *m;
	unsigned int i;

	if (fx_setup_ext(state, tweak, sizeof(*m)) != 0)
		return -1;
	m = *state;
	m->fx.vclock = 0;
	for (i = 0; i < m->fx.n_workers; i++)
		nc_worker_tick(wk(&m->fx, i));
	m->clock_us = 1000000;
	m->next_sport = 40000;
	return 0;
}

/* This suite's state around the fixture <f>. */
static struct mfx *
mx(struct fx *f)
{
	return (struct mfx *)f;    /* the fixture comes first */
}

/* e"s\c's servers probed over TCP, every 50 ms, 10 ms to answer, down after
 * one bad probe: nothing answers in this lab. */
static void
tweak_probed(struct nc_config *c)
{
	tweak_metrics(c);
	c->services[SVC_ESC].health = (struct nc_cfg_health){ .type = NC_HEALTH_TCP,
		.interval_ms = 50, .timeout_ms = 10, .rise = 1, .fall = 1 };
}

static int setup_one(void **state) { return mx_setup(state, tweak_metrics); }
static int setup_two(void **state) { return mx_setup(state, tweak_two); }
static int setup_probed(void **state) { return mx_setup(state, tweak_probed); }

/* ------------------------------------------------------ packets in, out */

/* Receive <p> on worker <w>; every worker takes what was handed to it
 * (deliver()). The one frame that comes out: its destination IP and source
 * port; returns the worker that sent it. */
static unsigned int
deliver_to(struct fx *f, unsigned int w, const struct pb_pkt *p, uint32_t *dip, uint16_t *sport)
{
	struct frame fr;
	unsigned int sender = deliver(f, w, p, &fr);

	*dip = pb_get32(fr.b + PB_IP_OFF + 16);
	*sport = pb_get16(fr.b + pb_l4_off(fr.b));
	return sender;
}

/* Set every worker's microsecond clock to the test's clock plus <us>. */
static void
clock_at(struct fx *f, uint32_t us)
{
	unsigned int i;

	for (i = 0; i < f->n_workers; i++) {
		struct nc_worker *w = wk(f, i);

		nc_worker_tick(w);
		w->now_us = mx(f)->clock_us + us;
	}
}

/* A packet from the client to service <svc> from port <sport>. */
static void
svc_client_pkt(struct pb_pkt *p, unsigned int svc, uint16_t sport)
{
	pb_init(p, svc_proto[svc]);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_gw, 6);
	p->sip = IP_CLIENT;
	p->dip = IP_VIP;
	p->sport = sport;
	p->dport = svc_port[svc];
}

/* A packet from <server> of service <svc> to LIP:<lport>. */
static void
svc_server_pkt(struct pb_pkt *p, unsigned int svc, int server, uint16_t lport)
{
	pb_init(p, svc_proto[svc]);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, mac_srv[server], 6);
	p->sip = ip_srv[server];
	p->dip = IP_LIP;
	p->sport = svc == SVC_WEB ? WEB_SPORT : svc_port[svc];
	p->dport = lport;
	p->ttl = 61;
}

/* Client packet <p> on worker <w>, forwarded: the server it went to, the
 * local port and the worker owning the flow (if <owner>); counted in <svc>'s
 * expectations. */
static int
c2s(struct fx *f, unsigned int w, unsigned int svc, const struct pb_pkt *p, uint16_t *lport,
    unsigned int *owner)
{
	struct want_svc *ws = &mx(f)->want[svc];
	unsigned int o;
	uint32_t dip;
	int server;

	o = deliver_to(f, w, p, &dip, lport);
	if (owner != NULL)
		*owner = o;
	assert_true(dip == IP_SA || dip == IP_SB);
	server = dip == IP_SA ? 0 : 1;
	ws->pkts[0]++;
	ws->bytes[0] += flen(p);
	ws->srv[server].bytes += flen(p);
	return server;
}

/* Server packet <p> received on worker <w> reaches the client as VIP:port;
 * counted in <svc>'s expectations. */
static void
s2c(struct fx *f, unsigned int w, unsigned int svc, int server, const struct pb_pkt *p)
{
	struct want_svc *ws = &mx(f)->want[svc];
	uint32_t dip;
	uint16_t sport;

	deliver_to(f, w, p, &dip, &sport);
	assert_int_equal(dip, IP_CLIENT);
	assert_int_equal(sport, svc_port[svc]);
	ws->pkts[1]++;
	ws->bytes[1] += flen(p);
	ws->srv[server].bytes += flen(p);
}

/* A DNS query received on worker <w> (a new flow: a request) at the test's
 * clock. Returns the server it went to; <lport>: the flow's local port,
 * <owner>: the worker holding the flow. */
static int
dns_query(struct fx *f, unsigned int w, uint16_t *lport, unsigned int *owner)
{
	static const uint8_t q[24] = { 0x31 };
	struct pb_pkt p;
	int server;

	svc_client_pkt(&p, SVC_DNS, mx(f)->next_sport++);
	p.payload = q;
	p.payload_len = sizeof(q);
	clock_at(f, 0);
	server = c2s(f, w, SVC_DNS, &p, lport, owner);
	mx(f)->want[SVC_DNS].opened++;
	mx(f)->want[SVC_DNS].srv[server].flows++;
	mx(f)->want[SVC_DNS].srv[server].requests++;
	return server;
}

/* <server>'s answer to the query on <lport>, <rt_us> after the test's clock. */
static void
dns_answer(struct fx *f, int server, uint16_t lport, uint32_t rt_us)
{
	static const uint8_t a[60] = { 0x32 };
	struct want_srv *ws = &mx(f)->want[SVC_DNS].srv[server];
	struct pb_pkt s;

	svc_server_pkt(&s, SVC_DNS, server, lport);
	s.payload = a;
	s.payload_len = sizeof(a);
	clock_at(f, rt_us);
	s2c(f, 0, SVC_DNS, server, &s);
	ws->rt[ws->n_rt++] = rt_us;
}

/* A DNS transaction answered <rt_us> later; the test's clock moves on by
 * 10 s. Returns the server; <owner>: the worker holding the flow. */
static int
dns_txn(struct fx *f, uint32_t rt_us, unsigned int *owner)
{
	uint16_t lport;
	int server = dns_query(f, 0, &lport, owner);

	dns_answer(f, server, lport, rt_us);
	mx(f)->clock_us += 10000000;
	return server;
}

/* A TCP connection to web on worker 0: SYN, SYN-ACK, a request, its
 * response <rt_us> later. The connection stays open. */
static void
web_txn(struct fx *f, uint32_t rt_us)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: vip\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct want_srv *ws;
	struct pb_pkt p, s;
	uint16_t lport, lp;
	int server;

	svc_client_pkt(&p, SVC_WEB, mx(f)->next_sport++);
	p.tcp_flags = PB_TCP_SYN;
	p.seq = 0x10000000;
	clock_at(f, 0);
	server = c2s(f, 0, SVC_WEB, &p, &lport, NULL);
	ws = &mx(f)->want[SVC_WEB].srv[server];
	mx(f)->want[SVC_WEB].opened++;
	ws->flows++;
	svc_server_pkt(&s, SVC_WEB, server, lport);
	s.tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	s.seq = 0x50000000;
	s.ack = p.seq + 1;
	s2c(f, 0, SVC_WEB, server, &s);
	p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	p.seq += 1;
	p.ack = s.seq + 1;
	p.payload = (const uint8_t *)req;
	p.payload_len = sizeof(req) - 1;
	clock_at(f, 100);
	assert_int_equal(c2s(f, 0, SVC_WEB, &p, &lp, NULL), server);
	ws->requests++;
	s.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
	s.seq += 1;
	s.ack = p.seq + p.payload_len;
	s.payload = (const uint8_t *)resp;
	s.payload_len = sizeof(resp) - 1;
	clock_at(f, 100 + rt_us);
	s2c(f, 0, SVC_WEB, server, &s);
	ws->rt[ws->n_rt++] = rt_us;
	/* the client acknowledges: no request, no response */
	p.tcp_flags = PB_TCP_ACK;
	p.seq += p.payload_len;
	p.ack = s.seq + s.payload_len;
	p.payload = NULL;
	p.payload_len = 0;
	assert_int_equal(c2s(f, 0, SVC_WEB, &p, &lp, NULL), server);
	mx(f)->clock_us += 10000000;
}

/* A packet the worker drops for <reason>. */
static void
dropped(struct fx *f, enum nc_drop reason)
{
	static struct rte_mbuf *m[64];
	struct pb_pkt p;

	svc_client_pkt(&p, SVC_WEB, mx(f)->next_sport++);
	if (reason == NC_DROP_NO_FLOW)
		p.tcp_flags = PB_TCP_ACK;          /* no SYN, no flow */
	else if (reason == NC_DROP_IP_BAD_CSUM)
		p.ip_csum_xor = 0x0400;
	else
		fail_msg("no packet for drop reason %s", nc_drop_name[reason]);
	rx(f, 0, &p);
	assert_int_equal(nc_worker_handoff_poll(nc_dp_worker(f->dp, 0)), 0);
	assert_int_equal(nc_worker_tx_take(nc_dp_worker(f->dp, 0), 0, m), 0);
	mx(f)->drops[reason]++;
}

/* ------------------------------------------ reading the exposition back */

#define MAX_SAMPLES 1024
#define MAX_FAMS    64
#define MAX_LABELS  4

struct sample {
	char name[80];
	unsigned int fam;
	unsigned int nl;
	char key[MAX_LABELS][16];
	char val[MAX_LABELS][NC_NAME_MAX + 8];   /* unescaped */
	char value[40];                          /* as written */
	double v;
};

struct expo {
	unsigned int n;
	struct sample s[MAX_SAMPLES];
	unsigned int n_fam;
	char fam[MAX_FAMS][80];
	char type[MAX_FAMS][16];
};

static void
bad_line(unsigned int no, const char *line, size_t len, const char *why)
{
	print_error("exposition line %u: %s: %.*s\n", no, why, (int)(len > 160 ? 160 : len), line);
	fail();
}

/* Length of the metric or label name at <p> ([a-zA-Z_:][a-zA-Z0-9_:]*; no
 * colon in label names), 0 if none. */
static size_t
name_len(const char *p, int colon)
{
	size_t n = 0;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_' ||
	       (colon && p[n] == ':') || (n > 0 && p[n] >= '0' && p[n] <= '9'))
		n++;
	return n;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Parse one sample line [p, end) into <sm>; returns NULL or the reason it is bad. */
static const char *
parse_sample(const char *p, const char *end, struct sample *sm)
{
	size_t n = name_len(p, 1);
	char num[64], *ep;

	if (n == 0 || n >= sizeof(sm->name))
		return "bad metric name";
	memcpy(sm->name, p, n);
	sm->name[n] = '\0';
	p += n;
	sm->nl = 0;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			size_t k = 0;

			if (sm->nl == MAX_LABELS)
				return "too many labels";
			n = name_len(p, 0);
			if (n == 0 || n >= sizeof(sm->key[0]) || p[n] != '=' || p[n + 1] != '"')
				return "bad label name";
			memcpy(sm->key[sm->nl], p, n);
			sm->key[sm->nl][n] = '\0';
			for (p += n + 2; *p != '"'; p++) {
				char c = *p;

				if (p >= end)
					return "unterminated label value";
				if (c == '\\') {
					p++;
					if (*p == 'n')
						c = '\n';
					else if (*p == '\\' || *p == '"')
						c = *p;
					else
						return "bad escape in a label value";
				}
				if (k + 1 >= sizeof(sm->val[0]))
					return "label value too long";
				sm->val[sm->nl][k++] = c;
			}
			sm->val[sm->nl][k] = '\0';
			sm->nl++;
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return "no , or } after a label";
		}
		p++;
	}
	if (*p != ' ')
		return "no space before the value";
	p++;
	n = (size_t)(end - p);
	if (n == 0 || n >= sizeof(num) || n >= sizeof(sm->value))
		return "bad value length";
	memcpy(num, p, n);
	num[n] = '\0';
	memcpy(sm->value, num, n + 1);
	sm->v = strtod(num, &ep);
	if (*ep != '\0' || (num[0] != '-' && num[0] != '+' && (num[0] < '0' || num[0] > '9')))
		return "value not a number";
	return NULL;
}

static int
same_labels(const struct sample *a, const struct sample *b)
{
	unsigned int i;

	if (a->nl != b->nl)
		return 0;
	for (i = 0; i < a->nl; i++)
		if (strcmp(a->key[i], b->key[i]) != 0 || strcmp(a->val[i], b->val[i]) != 0)
			return 0;
	return 1;
}

/* Read <text> into <e>, failing the test on anything format 0.0.4 forbids or
 * this exporter promises not to do: every family has HELP then TYPE, once,
 * before its samples, which are all together; counters end in _total. */
static void
parse_expo(const char *text, struct expo *e)
{
	const char *line = text;
	char help[80] = "";
	unsigned int no = 0, cur = UINT32_MAX, i;

	memset(e, 0, sizeof(*e));
	assert_true(text[0] != '\0' && text[strlen(text) - 1] == '\n');
	while (*line != '\0') {
		const char *end = strchr(line, '\n');
		size_t len = (size_t)(end - line);

		no++;
		if (strncmp(line, "# HELP ", 7) == 0) {
			size_t n = name_len(line + 7, 1);

			if (n == 0 || n >= sizeof(help) || line[7 + n] != ' ' || 8 + n >= len)
				bad_line(no, line, len, "bad HELP line");
			memcpy(help, line + 7, n);
			help[n] = '\0';
			for (i = 0; i < e->n_fam; i++)
				if (strcmp(e->fam[i], help) == 0)
					bad_line(no, line, len, "family described twice");
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			size_t n = name_len(line + 7, 1);
			const char *t = line + 8 + n;
			size_t tl = (size_t)(end - t);

			if (n == 0 || line[7 + n] != ' ' || strncmp(line + 7, help, n) != 0 ||
			    help[n] != '\0')
				bad_line(no, line, len, "TYPE not right after its HELP");
			if (!((tl == 7 && strncmp(t, "counter", 7) == 0) ||
			      (tl == 5 && strncmp(t, "gauge", 5) == 0) ||
			      (tl == 9 && strncmp(t, "histogram", 9) == 0)))
				bad_line(no, line, len, "unknown type");
			assert_true(e->n_fam < MAX_FAMS);
			cur = e->n_fam++;
			snprintf(e->fam[cur], sizeof(e->fam[cur]), "%s", help);
			snprintf(e->type[cur], sizeof(e->type[cur]), "%.*s", (int)tl, t);
			if (strcmp(e->type[cur], "counter") == 0 && !ends_with(help, "_total"))
				bad_line(no, line, len, "counter name without _total");
			help[0] = '\0';
		} else if (line[0] == '#') {
			bad_line(no, line, len, "unexpected comment");
		} else {
			struct sample *sm;
			const char *why;
			char base[80];

			assert_true(e->n < MAX_SAMPLES);
			sm = &e->s[e->n];
			why = parse_sample(line, end, sm);
			if (why != NULL)
				bad_line(no, line, len, why);
			if (cur == UINT32_MAX)
				bad_line(no, line, len, "sample before any TYPE");
			snprintf(base, sizeof(base), "%s", sm->name);
			if (strcmp(e->type[cur], "histogram") == 0) {
				if (ends_with(base, "_bucket"))
					base[strlen(base) - 7] = '\0';
				else if (ends_with(base, "_count"))
					base[strlen(base) - 6] = '\0';
				else if (ends_with(base, "_sum"))
					base[strlen(base) - 4] = '\0';
			}
			if (strcmp(base, e->fam[cur]) != 0)
				bad_line(no, line, len, "sample outside its family's block");
			for (i = 0; i < e->n; i++)
				if (strcmp(e->s[i].name, sm->name) == 0 && same_labels(&e->s[i], sm))
					bad_line(no, line, len, "series written twice");
			sm->fam = cur;
			e->n++;
		}
		line = end + 1;
	}
}

/* The sample <name> whose labels are exactly the (key, value) pairs that
 * follow, up to a NULL key; NULL if there is none. */
static const struct sample *
vfind(const struct expo *e, const char *name, va_list ap)
{
	struct sample want;
	const char *k;
	unsigned int i;

	memset(&want, 0, sizeof(want));
	while ((k = va_arg(ap, const char *)) != NULL) {
		assert_true(want.nl < MAX_LABELS);
		snprintf(want.key[want.nl], sizeof(want.key[0]), "%s", k);
		snprintf(want.val[want.nl], sizeof(want.val[0]), "%s", va_arg(ap, const char *));
		want.nl++;
	}
	for (i = 0; i < e->n; i++)
		if (strcmp(e->s[i].name, name) == 0 && same_labels(&e->s[i], &want))
			return &e->s[i];
	return NULL;
}

static const struct sample *
find(const struct expo *e, const char *name, ...)
{
	const struct sample *s;
	va_list ap;

	va_start(ap, name);
	s = vfind(e, name, ap);
	va_end(ap);
	return s;
}

/* The integer value of a sample that must be there. */
static uint64_t
val(const struct expo *e, const char *name, ...)
{
	const struct sample *s;
	va_list ap;

	va_start(ap, name);
	s = vfind(e, name, ap);
	va_end(ap);
	if (s == NULL)
		fail_msg("no sample %s with those labels", name);
	if (s->v < 0 || s->v != floor(s->v) || strchr(s->value, '.') != NULL)
		fail_msg("%s: %s is not a whole number", name, s->value);
	return (uint64_t)s->v;
}

/* Samples named <name>; with <key>, only those whose label <key> is <v>. */
static unsigned int
count(const struct expo *e, const char *name, const char *key, const char *v)
{
	unsigned int i, j, n = 0;

	for (i = 0; i < e->n; i++) {
		if (strcmp(e->s[i].name, name) != 0)
			continue;
		if (key == NULL) {
			n++;
			continue;
		}
		for (j = 0; j < e->s[i].nl; j++)
			if (strcmp(e->s[i].key[j], key) == 0 && strcmp(e->s[i].val[j], v) == 0)
				n++;
	}
	return n;
}

static const char *
type_of(const struct expo *e, const char *fam)
{
	unsigned int i;

	for (i = 0; i < e->n_fam; i++)
		if (strcmp(e->fam[i], fam) == 0)
			return e->type[i];
	return "";
}

/* Render <f>'s data plane and ports; the caller frees the text. */
static char *
render(struct fx *f, const struct nc_metrics_port *ports, unsigned int n_ports)
{
	const char *dump = getenv("NC_METRICS_DUMP");
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);

	assert_non_null(o);
	assert_int_equal(nc_metrics_write(o, f->dp, ports, n_ports), 0);
	assert_int_equal(fclose(o), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	if (dump != NULL && *dump != '\0') {
		static unsigned int seq;
		char path[512];
		FILE *d;

		snprintf(path, sizeof(path), "%s.%u", dump, ++seq);
		d = fopen(path, "w");
		assert_non_null(d);
		fputs(buf, d);
		assert_int_equal(fclose(d), 0);
	}
	return buf;
}

/* Every response-time series: le bounds as configured and increasing, counts
 * cumulative, +Inf last and equal to _count. Returns the series seen. */
static unsigned int
assert_histograms(const struct expo *e)
{
	static const char name[] = "netchestra_response_time_seconds";
	unsigned int i, series = 0;

	assert_string_equal(type_of(e, name), "histogram");
	for (i = 0; i < e->n; i++) {
		const struct sample *s = &e->s[i];
		const char *svc, *srv;
		uint64_t prev = 0, inf;
		unsigned int k;

		if (strcmp(s->name, "netchestra_response_time_seconds_bucket") != 0)
			continue;
		assert_int_equal(s->nl, 3);
		if (strcmp(s->val[2], le_str[0]) != 0)
			continue;
		assert_string_equal(s->key[0], "service");
		assert_string_equal(s->key[1], "server");
		assert_string_equal(s->key[2], "le");
		svc = s->val[0];
		srv = s->val[1];
		/* the series' lines follow in order */
		for (k = 0; k <= N_LE; k++) {
			const struct sample *b = &e->s[i + k];
			uint64_t c;

			assert_true(i + k < e->n);
			assert_string_equal(b->name, "netchestra_response_time_seconds_bucket");
			assert_string_equal(b->val[0], svc);
			assert_string_equal(b->val[1], srv);
			assert_string_equal(b->val[2], k < N_LE ? le_str[k] : "+Inf");
			c = val(e, b->name, "service", svc, "server", srv, "le", b->val[2], NULL);
			assert_true(c >= prev);
			prev = c;
		}
		inf = prev;
		assert_string_equal(e->s[i + N_LE + 1].name, "netchestra_response_time_seconds_sum");
		assert_string_equal(e->s[i + N_LE + 2].name, "netchestra_response_time_seconds_count");
		assert_int_equal(val(e, "netchestra_response_time_seconds_count", "service", svc,
				     "server", srv, NULL), inf);
		series++;
	}
	assert_int_equal(count(e, "netchestra_response_time_seconds_bucket", NULL, NULL),
			 series * (N_LE + 1));
	assert_int_equal(count(e, "netchestra_response_time_seconds_sum", NULL, NULL), series);
	assert_int_equal(count(e, "netchestra_response_time_seconds_count", NULL, NULL), series);
	return series;
}

/* Server <i> of <svc>'s series against what its packets imply. */
static void
assert_server(const struct expo *e, const struct fx *f, unsigned int svc, unsigned int i,
	      const char *state, uint8_t weight)
{
	const struct mfx *m = (const struct mfx *)f;    /* the fixture comes first */
	const struct want_srv *w = &m->want[svc].srv[i];
	const char *sv = svc_name[svc], *sr = srv_name[svc][i];
	static const char *const states[] = { "up", "drain", "down", "removing" };
	const struct sample *sum;
	uint64_t sum_us = 0;
	unsigned int k, j;
	char le[8];

	assert_int_equal(val(e, "netchestra_server_up", "service", sv, "server", sr, NULL), 1);
	for (k = 0; k < 4; k++)
		assert_int_equal(val(e, "netchestra_server_state", "service", sv, "server", sr,
				     "state", states[k], NULL), strcmp(states[k], state) == 0);
	assert_int_equal(val(e, "netchestra_server_weight", "service", sv, "server", sr, NULL),
			 weight);
	assert_int_equal(val(e, "netchestra_server_flows_active", "service", sv, "server", sr,
			     NULL), w->flows);
	assert_int_equal(val(e, "netchestra_server_flows_total", "service", sv, "server", sr,
			     NULL), w->flows);
	assert_int_equal(val(e, "netchestra_server_requests_total", "service", sv, "server", sr,
			     NULL), w->requests);
	assert_int_equal(val(e, "netchestra_server_bytes_total", "service", sv, "server", sr,
			     NULL), w->bytes);
	assert_int_equal(val(e, "netchestra_server_probes_total", "service", sv, "server", sr,
			     "result", "good", NULL), 0);
	assert_int_equal(val(e, "netchestra_server_probes_total", "service", sv, "server", sr,
			     "result", "bad", NULL), 0);
	assert_int_equal(val(e, "netchestra_server_down_total", "service", sv, "server", sr,
			     NULL), 0);
	assert_int_equal(val(e, "netchestra_server_failed_over_total", "service", sv, "server",
			     sr, NULL), 0);
	/* every response time is in a log bucket no bound falls inside: the
	 * counts are exact */
	for (k = 0; k < N_LE; k++) {
		uint64_t n = 0;

		for (j = 0; j < w->n_rt; j++)
			n += w->rt[j] <= le_us[k];
		assert_int_equal(val(e, "netchestra_response_time_seconds_bucket", "service", sv,
				     "server", sr, "le", le_str[k], NULL), n);
	}
	snprintf(le, sizeof(le), "+Inf");
	assert_int_equal(val(e, "netchestra_response_time_seconds_bucket", "service", sv,
			     "server", sr, "le", le, NULL), w->n_rt);
	assert_int_equal(val(e, "netchestra_response_time_seconds_count", "service", sv,
			     "server", sr, NULL), w->n_rt);
	for (j = 0; j < w->n_rt; j++)
		sum_us += w->rt[j];
	sum = find(e, "netchestra_response_time_seconds_sum", "service", sv, "server", sr, NULL);
	assert_non_null(sum);
	assert_true(fabs(sum->v - (double)sum_us / 1e6) < 1e-9);
}

static void
assert_service(const struct expo *e, const struct fx *f, unsigned int svc, uint64_t held,
	       uint64_t released)
{
	const struct mfx *m = (const struct mfx *)f;    /* the fixture comes first */
	const struct want_svc *w = &m->want[svc];
	const char *sv = svc_name[svc];
	unsigned int k;

	assert_int_equal(val(e, "netchestra_service_flows_opened_total", "service", sv, NULL),
			 w->opened);
	assert_int_equal(val(e, "netchestra_service_flows_active", "service", sv, NULL), w->opened);
	assert_int_equal(val(e, "netchestra_service_packets_total", "service", sv,
			     "direction", "c2s", NULL), w->pkts[0]);
	assert_int_equal(val(e, "netchestra_service_packets_total", "service", sv,
			     "direction", "s2c", NULL), w->pkts[1]);
	assert_int_equal(val(e, "netchestra_service_bytes_total", "service", sv,
			     "direction", "c2s", NULL), w->bytes[0]);
	assert_int_equal(val(e, "netchestra_service_bytes_total", "service", sv,
			     "direction", "s2c", NULL), w->bytes[1]);
	assert_int_equal(val(e, "netchestra_failsafe_held_total", "service", sv, NULL), held);
	assert_int_equal(val(e, "netchestra_failsafe_released_total", "service", sv, NULL),
			 released);
	assert_int_equal(val(e, "netchestra_failsafe_replays_total", "service", sv, NULL), 0);
	assert_int_equal(val(e, "netchestra_failsafe_resets_total", "service", sv, NULL), 0);
	assert_int_equal(val(e, "netchestra_failsafe_store_full_total", "service", sv, NULL), 0);
	assert_int_equal(val(e, "netchestra_affinity_hits_total", "service", sv, NULL), 0);
	/* every client-address event, by its X-macro name (none here: no
	 * client_address) */
	for (k = 0; k < NC_CA_EV_MAX; k++)
		assert_int_equal(val(e, "netchestra_client_address_events_total", "service", sv,
				     "event", nc_ca_event_name[k], NULL), 0);
}

/* -------------------------------------------------------------- tests */

/* Response times recorded as runs: <times> values from <us> on, <step> apart. */
struct rt_run {
	uint32_t us;
	uint32_t times;
	uint32_t step;
};

static const struct rt_case {
	const char *desc;
	struct rt_run run[6];       /* ends at times == 0 */
	int count_adj;              /* added to count: a reading taken mid-record */
	unsigned int n;
	uint32_t bound[5];
	uint64_t want[5];
} rt_cases[] = {
	{ "no response", { { 0, 0, 0 } }, 0, 2, { 500, 1000 }, { 0, 0 } },
	{ "whole buckets below, between and above bounds",
	  { { 300, 1, 0 }, { 700, 1, 0 }, { 1500, 1, 0 }, { 40000, 1, 0 }, { 3000000, 1, 0 } }, 0,
	  5, { 500, 1000, 50000, 2500000, 5000000 }, { 1, 2, 4, 4, 5 } },
	{ "one-microsecond buckets at the bottom", { { 0, 2, 0 }, { 1, 1, 0 }, { 7, 1, 0 } }, 0,
	  4, { 0, 1, 6, 7 }, { 2, 3, 3, 4 } },
	{ "bound inside a bucket [448, 512): one response per microsecond",
	  { { 448, 64, 1 } }, 0, 5, { 447, 448, 500, 511, 512 }, { 0, 1, 53, 64, 64 } },
	{ "bound inside a bucket: its share, rounded half up", { { 480, 3, 0 } }, 0,
	  3, { 471, 479, 500 }, { 1, 2, 2 } },
	{ "above every bound", { { 10000000, 2, 0 } }, 0, 2, { 500, 5000000 }, { 0, 0 } },
	{ "count behind the buckets: no bucket above it", { { 300, 2, 0 } }, -1,
	  2, { 200, 500 }, { 0, 1 } },
};

static void
test_rt_cumulative(void **state)
{
	unsigned int c, r, t, k;

	(void)state;
	for (c = 0; c < sizeof(rt_cases) / sizeof(rt_cases[0]); c++) {
		const struct rt_case *tc = &rt_cases[c];
		struct nc_dp_rt_hist h;
		uint64_t got[5];

		memset(&h, 0, sizeof(h));
		for (r = 0; r < 6 && tc->run[r].times != 0; r++)
			for (t = 0; t < tc->run[r].times; t++) {
				uint32_t us = tc->run[r].us + t * tc->run[r].step;

				h.hist[nc_rt_bucket(us)]++;
				h.count++;
				h.sum_us += us;
			}
		h.count = (uint64_t)((int64_t)h.count + tc->count_adj);
		nc_metrics_rt_cumulative(&h, tc->bound, tc->n, got);
		for (k = 0; k < tc->n; k++)
			if (got[k] != tc->want[k])
				fail_msg("%s: at %u us: %lu, want %lu", tc->desc, tc->bound[k],
					 (unsigned long)got[k], (unsigned long)tc->want[k]);
	}
}

/* Traffic on every kind of counter, then every family and series checked. */
static void
test_exposition(void **state)
{
	static const uint32_t dns_rt[] = { 300, 700, 1500, 40000, 3000000 };
	static const struct nc_metrics_port ports[] = {
		{ "client", 101, 102, 103, 104, 105, 106, 107, 108 },
		{ "ser\"ver\\\n", 201, 202, 203, 204, 205, 206, 207, 208 },
	};
	static const char *const port_fam[] = {
		"netchestra_port_rx_packets_total", "netchestra_port_tx_packets_total",
		"netchestra_port_rx_bytes_total", "netchestra_port_tx_bytes_total",
		"netchestra_port_rx_missed_total", "netchestra_port_rx_errors_total",
		"netchestra_port_tx_errors_total", "netchestra_port_rx_nombuf_total",
	};
	static struct expo e;
	struct fx *f = *state;
	unsigned int s, i, k;
	char *text;

	for (k = 0; k < sizeof(dns_rt) / sizeof(dns_rt[0]); k++)
		dns_txn(f, dns_rt[k], NULL);
	web_txn(f, 4000);
	dropped(f, NC_DROP_NO_FLOW);
	dropped(f, NC_DROP_IP_BAD_CSUM);
	nc_dp_mon_refresh(f->dp);   /* the control lcore's views, up to now */

	text = render(f, ports, 2);
	parse_expo(text, &e);

	assert_int_equal(val(&e, "netchestra_info", "version", NC_VERSION, NULL), 1);
	assert_int_equal(count(&e, "netchestra_info", NULL, NULL), 1);
	for (s = 0; s < N_SVC; s++) {
		for (i = 0; i < N_SRV; i++)
			assert_server(&e, f, s, i, "up", srv_weight[s][i]);
		assert_service(&e, f, s, s == SVC_DNS ? 5 : 0, s == SVC_DNS ? 5 : 0);
	}
	/* every response was timed: five on dns, one on web */
	assert_int_equal(mx(f)->want[SVC_DNS].srv[0].n_rt + mx(f)->want[SVC_DNS].srv[1].n_rt, 5);
	assert_int_equal(mx(f)->want[SVC_WEB].srv[0].n_rt + mx(f)->want[SVC_WEB].srv[1].n_rt, 1);
	/* only the configured servers, once each */
	assert_int_equal(count(&e, "netchestra_server_up", NULL, NULL), N_SVC * N_SRV);
	assert_int_equal(count(&e, "netchestra_server_state", NULL, NULL), N_SVC * N_SRV * 4);
	assert_int_equal(assert_histograms(&e), N_SVC * N_SRV);
	assert_int_equal(count(&e, "netchestra_service_packets_total", NULL, NULL), N_SVC * 2);
	assert_int_equal(val(&e, "netchestra_failsafe_held_now", NULL), 0);
	assert_string_equal(type_of(&e, "netchestra_failsafe_held_now"), "gauge");
	assert_string_equal(type_of(&e, "netchestra_server_weight"), "gauge");
	assert_string_equal(type_of(&e, "netchestra_server_requests_total"), "counter");
	/* every drop reason, by its name */
	assert_int_equal(count(&e, "netchestra_drops_total", NULL, NULL), NC_DROP_MAX);
	for (k = 0; k < NC_DROP_MAX; k++)
		assert_int_equal(val(&e, "netchestra_drops_total", "reason", nc_drop_name[k], NULL),
				 mx(f)->drops[k]);
	assert_int_equal(mx(f)->drops[NC_DROP_NO_FLOW], 1);
	/* ports: the counters as given, in the order of the struct */
	for (k = 0; k < sizeof(port_fam) / sizeof(port_fam[0]); k++) {
		assert_int_equal(count(&e, port_fam[k], NULL, NULL), 2);
		for (i = 0; i < 2; i++)
			assert_int_equal(val(&e, port_fam[k], "port", ports[i].name, NULL),
					 100 * (i + 1) + k + 1);
	}
	/* escaping, as written on the wire */
	assert_non_null(strstr(text, "\nnetchestra_server_up{service=\"e\\\"s\\\\c\","
				     "server=\"l1\\nl2\"} 1\n"));
	assert_non_null(strstr(text, "{service=\"e\\\"s\\\\c\",server=\"x\\\\y\"}"));
	assert_non_null(strstr(text, "{port=\"ser\\\"ver\\\\\\n\"} 201\n"));
	assert_non_null(strstr(text, "\nnetchestra_response_time_seconds_bucket{service=\"dns\","));
	assert_int_equal(count(&e, "netchestra_server_up", "service", "e\"s\\c"), N_SRV);
	free(text);
}

/* Two workers: a server's histogram is the sum of both workers' counters. */
static void
test_two_workers(void **state)
{
	static struct expo e;
	struct fx *f = *state;
	struct nc_dp_rt_hist h;
	unsigned int tries, owner, o;
	uint16_t lport;
	int first;
	char *text;

	assert_int_equal(f->n_workers, 2);
	first = dns_txn(f, 700, &owner);
	/* query until a flow lands on the other worker and the same server
	 * (the others stay unanswered), answer that one */
	for (tries = 0; tries < 64; tries++)
		if (dns_query(f, 0, &lport, &o) == first && o != owner)
			break;
	assert_true(tries < 64);
	dns_answer(f, first, lport, 2700000);
	assert_int_equal(nc_dp_server_rt_hist(f->dp, SVC_DNS, (unsigned int)first, &h), 0);
	assert_int_equal(h.count, 2);
	assert_int_equal(h.sum_us, 700 + 2700000);
	assert_int_equal(h.hist[nc_rt_bucket(700)], 1);
	assert_int_equal(h.hist[nc_rt_bucket(2700000)], 1);
	assert_int_equal(nc_dp_server_rt_hist(f->dp, SVC_DNS, NC_MAX_SERVERS, &h), -ENOENT);
	assert_int_equal(nc_dp_server_rt_hist(f->dp, N_SVC, 0, &h), -ENOENT);

	nc_dp_mon_refresh(f->dp);
	text = render(f, NULL, 0);
	parse_expo(text, &e);
	assert_server(&e, f, SVC_DNS, (unsigned int)first, "up", 50);
	assert_server(&e, f, SVC_DNS, (unsigned int)!first, "up", 50);
	/* every query held, the answered ones released */
	assert_service(&e, f, SVC_DNS, 2 + tries, 2);
	assert_int_equal(mx(f)->want[SVC_DNS].opened, 2 + tries);
	assert_int_equal(val(&e, "netchestra_response_time_seconds_bucket", "service", "dns",
			     "server", srv_name[SVC_DNS][first], "le", "0.001", NULL), 1);
	assert_int_equal(val(&e, "netchestra_response_time_seconds_bucket", "service", "dns",
			     "server", srv_name[SVC_DNS][first], "le", "2.5", NULL), 1);
	assert_int_equal(val(&e, "netchestra_response_time_seconds_bucket", "service", "dns",
			     "server", srv_name[SVC_DNS][first], "le", "5", NULL), 2);
	/* held now: the queries left unanswered */
	assert_int_equal(val(&e, "netchestra_failsafe_held_now", NULL), tries);
	/* no port: the port families are described, with no sample */
	assert_string_equal(type_of(&e, "netchestra_port_rx_packets_total"), "counter");
	assert_int_equal(count(&e, "netchestra_port_rx_packets_total", NULL, NULL), 0);
	assert_int_equal(assert_histograms(&e), N_SVC * N_SRV);
	free(text);
}

/* Operator states, a removed server's slot (gone from every family), and a
 * server added at run time. */
static void
test_servers_come_and_go(void **state)
{
	static struct expo e;
	struct fx *f = *state;
	struct nc_cfg_server n2 = { "n2", IP_SB, WEB_SPORT, 0 };
	unsigned int k;
	int slot;
	char *text;

	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_ESC, 1, NC_ADMIN_DRAIN), 0);
	assert_int_equal(nc_dp_server_set_admin(f->dp, SVC_WEB, 0, NC_ADMIN_REMOVING), 0);
	text = render(f, NULL, 0);
	parse_expo(text, &e);
	assert_int_equal(val(&e, "netchestra_server_state", "service", svc_name[SVC_ESC],
			     "server", "l1\nl2", "state", "drain", NULL), 1);
	assert_int_equal(val(&e, "netchestra_server_state", "service", svc_name[SVC_ESC],
			     "server", "l1\nl2", "state", "up", NULL), 0);
	assert_int_equal(val(&e, "netchestra_server_state", "service", "web", "server", "n0",
			     "state", "removing", NULL), 1);
	assert_int_equal(val(&e, "netchestra_server_weight", "service", "web", "server", "n1",
			     NULL), 100);
	free(text);

	/* no flow on n0: the control lcore frees its slot */
	nc_dp_ctl_poll(f->dp);
	text = render(f, NULL, 0);
	parse_expo(text, &e);
	for (k = 0; k < e.n; k++)
		if (e.s[k].nl >= 2 && strcmp(e.s[k].val[0], "web") == 0 &&
		    strcmp(e.s[k].key[1], "server") == 0)
			assert_string_equal(e.s[k].val[1], "n1");
	assert_int_equal(count(&e, "netchestra_server_up", NULL, NULL), N_SVC * N_SRV - 1);
	assert_int_equal(count(&e, "netchestra_server_failed_over_total", NULL, NULL),
			 N_SVC * N_SRV - 1);
	assert_int_equal(assert_histograms(&e), N_SVC * N_SRV - 1);
	free(text);

	slot = nc_dp_server_add(f->dp, SVC_WEB, &n2);
	assert_true(slot >= 0);
	text = render(f, NULL, 0);
	parse_expo(text, &e);
	assert_int_equal(count(&e, "netchestra_server_up", NULL, NULL), N_SVC * N_SRV);
	assert_int_equal(val(&e, "netchestra_server_state", "service", "web", "server", "n2",
			     "state", "up", NULL), 1);
	assert_int_equal(val(&e, "netchestra_server_weight", "service", "web", "server", "n2",
			     NULL) + val(&e, "netchestra_server_weight", "service", "web",
					 "server", "n1", NULL), 100);
	assert_int_equal(val(&e, "netchestra_response_time_seconds_count", "service", "web",
			     "server", "n2", NULL), 0);
	assert_int_equal(assert_histograms(&e), N_SVC * N_SRV);
	free(text);
}

/* Probes that go unanswered take e"s\c's servers down: health 0, bad probes
 * counted, one fall each, no weight; the other services' servers stay up. */
static void
test_servers_down(void **state)
{
	static struct rte_mbuf *m[4096];
	static struct expo e;
	struct fx *f = *state;
	struct nc_server_view v[N_SRV];
	struct nc_service_view sv;
	unsigned int i, ms;
	char *text;

	for (ms = 0; ms < 3000; ms += 10) {
		nc_dp_ctl_poll(f->dp);
		nc_worker_ctl_tx_poll(nc_dp_worker(f->dp, 0));
		rte_pktmbuf_free_bulk(m, nc_worker_tx_take(nc_dp_worker(f->dp, 0), 0, m));
		assert_int_equal(nc_dp_service_view(f->dp, SVC_ESC, &sv, v, N_SRV), N_SRV);
		if (sv.n_up == 0)
			break;
		rte_delay_us_sleep(10000);
	}
	assert_int_equal(sv.n_up, 0);
	text = render(f, NULL, 0);
	parse_expo(text, &e);
	for (i = 0; i < N_SRV; i++) {
		const char *sr = srv_name[SVC_ESC][i];

		assert_int_equal(val(&e, "netchestra_server_up", "service", svc_name[SVC_ESC],
				     "server", sr, NULL), 0);
		assert_int_equal(val(&e, "netchestra_server_state", "service", svc_name[SVC_ESC],
				     "server", sr, "state", "up", NULL), 1);
		assert_int_equal(val(&e, "netchestra_server_weight", "service", svc_name[SVC_ESC],
				     "server", sr, NULL), 0);
		assert_int_equal(val(&e, "netchestra_server_down_total", "service",
				     svc_name[SVC_ESC], "server", sr, NULL), 1);
		assert_int_equal(val(&e, "netchestra_server_probes_total", "service",
				     svc_name[SVC_ESC], "server", sr, "result", "good", NULL), 0);
		assert_true(val(&e, "netchestra_server_probes_total", "service", svc_name[SVC_ESC],
				"server", sr, "result", "bad", NULL) >= 1);
		assert_int_equal(val(&e, "netchestra_server_up", "service", "web", "server",
				     srv_name[SVC_WEB][i], NULL), 1);
	}
	free(text);
}

/* A reader on another thread, as the HTTP server's: renders while the
 * worker forwards and the control lcore refreshes the views. */
#define READER_RENDERS 24

struct reader {
	struct nc_dp *dp;
	int stop;
	int err;                         /* first nc_metrics_write error */
	unsigned int n;
	char *text[READER_RENDERS];
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) && r->n < READER_RENDERS) {
		char *buf = NULL;
		size_t len = 0;
		FILE *o = open_memstream(&buf, &len);
		int rc;

		if (o == NULL) {
			r->err = -ENOMEM;
			break;
		}
		rc = nc_metrics_write(o, r->dp, NULL, 0);
		fclose(o);
		if (rc != 0) {
			r->err = rc;
			free(buf);
			break;
		}
		r->text[r->n] = buf;
		__atomic_store_n(&r->n, r->n + 1, __ATOMIC_RELEASE);
		usleep(500);
	}
	return NULL;
}

/* Every text is well formed with consistent histograms, and the counters of
 * one text are never below those of an earlier one. */
static void
test_concurrent_reader(void **state)
{
	static const uint8_t q[24] = { 0x31 }, a[60] = { 0x32 };
	static const char *const mono[] = {
		"netchestra_response_time_seconds_count", "netchestra_server_requests_total",
		"netchestra_server_bytes_total", "netchestra_response_time_seconds_bucket",
	};
	static struct expo e[2];
	static struct rte_mbuf *m[4096];
	struct fx *f = *state;
	struct reader r = { .dp = f->dp };
	struct nc_worker *w = nc_dp_worker(f->dp, 0);
	uint16_t lport[8];
	uint8_t server[8];
	unsigned int i, k, rounds = 0;
	pthread_t th;

	/* eight DNS flows, then queries and answers on them until the reader
	 * has rendered enough */
	for (i = 0; i < 8; i++) {
		struct pb_pkt p;

		svc_client_pkt(&p, SVC_DNS, (uint16_t)(50000 + i));
		p.payload = q;
		p.payload_len = sizeof(q);
		clock_at(f, 0);
		server[i] = (uint8_t)c2s(f, 0, SVC_DNS, &p, &lport[i], NULL);
		svc_server_pkt(&p, SVC_DNS, server[i], lport[i]);
		p.payload = a;
		p.payload_len = sizeof(a);
		s2c(f, 0, SVC_DNS, server[i], &p);
	}
	assert_int_equal(pthread_create(&th, NULL, reader_main, &r), 0);
	while (__atomic_load_n(&r.n, __ATOMIC_ACQUIRE) < READER_RENDERS && rounds < 2000000) {
		struct pb_pkt p;

		i = rounds % 8;
		svc_client_pkt(&p, SVC_DNS, (uint16_t)(50000 + i));
		p.payload = q;
		p.payload_len = sizeof(q);
		nc_worker_tick(w);
		rx(f, 0, &p);
		svc_server_pkt(&p, SVC_DNS, server[i], lport[i]);
		p.payload = a;
		p.payload_len = sizeof(a);
		w->now_us += 1 + rounds % 4096;
		rx(f, 0, &p);
		rte_pktmbuf_free_bulk(m, nc_worker_tx_take(w, 0, m));
		if (rounds % 64 == 0)
			nc_dp_mon_refresh(f->dp);
		rounds++;
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.n, READER_RENDERS);
	for (k = 0; k < r.n; k++) {
		struct expo *cur = &e[k % 2], *prev = &e[(k + 1) % 2];

		parse_expo(r.text[k], cur);
		assert_int_equal(assert_histograms(cur), N_SVC * N_SRV);
		for (i = 0; k > 0 && i < cur->n; i++) {
			const struct sample *s = &cur->s[i];
			unsigned int j;

			for (j = 0; j < sizeof(mono) / sizeof(mono[0]); j++)
				if (strcmp(s->name, mono[j]) == 0) {
					const struct sample *ps = &prev->s[i];

					assert_string_equal(ps->name, s->name);
					assert_true(same_labels(ps, s));
					assert_true(s->v >= ps->v);
				}
		}
		free(r.text[k]);
	}
	assert_true(rounds > 0);
}

/* Bad arguments, and a stream that cannot be written. */
static void
test_errors(void **state)
{
	struct fx *f = *state;
	struct nc_metrics_port p = { "p0", 0, 0, 0, 0, 0, 0, 0, 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len), *ro;

	assert_non_null(o);
	assert_int_equal(nc_metrics_write(NULL, f->dp, &p, 1), -EINVAL);
	assert_int_equal(nc_metrics_write(o, NULL, &p, 1), -EINVAL);
	assert_int_equal(nc_metrics_write(o, f->dp, NULL, 1), -EINVAL);
	assert_int_equal(fclose(o), 0);
	assert_int_equal(len, 0);
	free(buf);
	ro = fopen("/dev/null", "r");
	assert_non_null(ro);
	assert_int_equal(nc_metrics_write(ro, f->dp, &p, 1), -EIO);
	fclose(ro);
}

/* The lab and an IPv6 service beside it: web6 tcp/80 on fd00::100 over
 * v0 fd00::11 and v1 fd00::12 (static neighbors), local address fd00::200,
 * clients behind the gateway fd00::fe. */
#define SVC_WEB6 N_SVC

static void
tweak_v6_metrics(struct nc_config *c)
{
	struct nc_cfg_service *cs = &c->services[SVC_WEB6];
	unsigned int i;

	tweak_metrics(c);
	pb_ip6(c->ports[0].ipv6[0].addr, "fd00::1");
	c->ports[0].ipv6[0].len = 64;
	c->ports[0].n_ipv6 = 1;
	memset(cs, 0, sizeof(*cs));
	snprintf(cs->name, sizeof(cs->name), "web6");
	cs->family = AF_INET6;
	pb_ip6(cs->vip6, "fd00::100");
	cs->port = WEB_PORT;
	cs->proto = IPPROTO_TCP;
	pb_ip6(cs->local_ips6[0], "fd00::200");
	cs->n_local_ips6 = 1;
	cs->server_family = AF_INET6;
	cs->scheduler = NC_SCHED_RATIO;
	for (i = 0; i < N_SRV; i++) {
		struct nc_cfg_neighbor *nb = &c->neighbors[c->n_neighbors++];

		snprintf(cs->servers[i].name, sizeof(cs->servers[i].name), "v%u", i);
		cs->servers[i].family = AF_INET6;
		pb_ip6(cs->servers[i].address6, i == 0 ? "fd00::11" : "fd00::12");
		cs->servers[i].port = WEB_SPORT;
		cs->servers[i].weight = 50;
		nb->family = AF_INET6;
		memcpy(nb->ipv6, cs->servers[i].address6, 16);
		memcpy(nb->mac, mac_srv[i], 6);
	}
	cs->n_servers = N_SRV;
	c->n_services = N_SVC + 1;
	/* clients behind the gateway fd00::fe (::/0) */
	c->neighbors[c->n_neighbors].family = AF_INET6;
	pb_ip6(c->neighbors[c->n_neighbors].ipv6, "fd00::fe");
	memcpy(c->neighbors[c->n_neighbors].mac, mac_gw, 6);
	c->n_neighbors++;
	c->routes[c->n_routes].family = AF_INET6;
	pb_ip6(c->routes[c->n_routes].via6, "fd00::fe");
	c->n_routes++;
}

static int setup_v6(void **state) { return mx_setup(state, tweak_v6_metrics); }

/* An IPv6 service's series beside the IPv4 ones: labelled by the names of
 * the service and its servers like every other (no address in a label),
 * its flows counted, the exposition as valid as without it. */
static void
test_ipv6_service(void **state)
{
	static struct expo e;
	struct fx *f = *state;
	struct pb_pkt p;
	struct frame fr;
	unsigned int k, i, srv = N_SRV;
	char *text;

	pb_init6(&p, IPPROTO_TCP);
	memcpy(p.dst_mac, mac_port, 6);
	memcpy(p.src_mac, mac_gw, 6);
	pb_ip6(p.sip6, "2001:db8:1::10");
	pb_ip6(p.dip6, "fd00::100");
	p.sport = 40000;
	p.dport = WEB_PORT;
	p.tcp_flags = PB_TCP_SYN;
	clock_at(f, 0);
	deliver(f, 0, &p, &fr);
	for (i = 0; i < N_SRV; i++) {
		uint8_t a[16];

		pb_ip6(a, i == 0 ? "fd00::11" : "fd00::12");
		if (memcmp(fr.b + PB_IP_OFF + 24, a, 16) == 0)
			srv = i;
	}
	assert_true(srv < N_SRV);
	nc_dp_mon_refresh(f->dp);
	text = render(f, NULL, 0);
	parse_expo(text, &e);
	assert_int_equal(val(&e, "netchestra_service_flows_opened_total", "service", "web6", NULL), 1);
	assert_int_equal(val(&e, "netchestra_service_flows_active", "service", "web6", NULL), 1);
	for (i = 0; i < N_SRV; i++) {
		char name[4];

		snprintf(name, sizeof(name), "v%u", i);
		assert_int_equal(val(&e, "netchestra_server_up", "service", "web6", "server", name,
				     NULL), 1);
		assert_int_equal(val(&e, "netchestra_server_weight", "service", "web6", "server",
				     name, NULL), 50);
		assert_int_equal(val(&e, "netchestra_server_flows_total", "service", "web6",
				     "server", name, NULL), i == srv);
	}
	assert_int_equal(count(&e, "netchestra_server_up", NULL, NULL), (N_SVC + 1) * N_SRV);
	assert_int_equal(assert_histograms(&e), (N_SVC + 1) * N_SRV);
	/* ... but a port pool, which belongs to its local IP: the IPv6 one's too */
	for (k = 0; k < e.n; k++)
		for (i = 0; i < e.s[k].nl; i++)
			if (strstr(e.s[k].val[i], "fd00") != NULL && strcmp(e.s[k].key[i], "local_ip") != 0)
				fail_msg("%s: label %s holds an address", e.s[k].name, e.s[k].key[i]);
	assert_int_equal(val(&e, "netchestra_flows_open", NULL), 1);
	assert_int_equal(count(&e, "netchestra_local_ports_used", "local_ip", "10.0.0.200"), 1);
	assert_int_equal(count(&e, "netchestra_local_ports_used", NULL, NULL), 2);
	for (k = 0, i = 0; k < e.n; k++)
		if (strcmp(e.s[k].name, "netchestra_local_ports_used") == 0 &&
		    strstr(e.s[k].val[0], "fd00") != NULL)
			i += (unsigned int)e.s[k].v;
	assert_int_equal(i, 1);   /* the IPv6 flow's port, on the IPv6 local IP */
	free(text);
}

/* Ports a worker's pools leave out of 1024..65535: the probe ports. */
static uint32_t
probe_ports(const struct fx *f)
{
	uint32_t p, n = 0;

	for (p = f->dp->probe_lo; p < f->dp->probe_hi; p++)
		n += p >= NC_LPORT_MIN;
	return n;
}

/* The flow tables' fill and the local port pool, what a flood uses up: <n>
 * handshakes opened (each a flow and a local port), with one worker or two
 * (their sums). */
static void
test_tables(void **state)
{
	static struct expo e;
	struct fx *f = *state;
	struct nc_dp_lport_pool pool;
	const unsigned int n = 7;
	uint32_t size = NC_LPORT_MAX - NC_LPORT_MIN + 1 - probe_ports(f);
	uint32_t per = (1024 + f->n_workers - 1) / f->n_workers;
	unsigned int k;
	char *text;

	text = render(f, NULL, 0);
	parse_expo(text, &e);
	assert_int_equal(val(&e, "netchestra_flows_open", NULL), 0);
	assert_int_equal(val(&e, "netchestra_flows_max", NULL), per * f->n_workers);
	assert_int_equal(val(&e, "netchestra_local_ports_used", "local_ip", "10.0.0.200", NULL), 0);
	assert_int_equal(val(&e, "netchestra_local_ports_size", "local_ip", "10.0.0.200", NULL), size);
	free(text);

	for (k = 0; k < n; k++) {
		struct pb_pkt p;
		uint16_t lport;

		svc_client_pkt(&p, SVC_WEB, mx(f)->next_sport++);
		p.tcp_flags = PB_TCP_SYN;
		clock_at(f, 0);
		c2s(f, 0, SVC_WEB, &p, &lport, NULL);
	}
	dropped(f, NC_DROP_NO_FLOW);   /* a segment of no flow takes nothing */
	text = render(f, NULL, 0);
	parse_expo(text, &e);
	assert_string_equal(type_of(&e, "netchestra_flows_open"), "gauge");
	assert_string_equal(type_of(&e, "netchestra_flows_max"), "gauge");
	assert_string_equal(type_of(&e, "netchestra_local_ports_used"), "gauge");
	assert_string_equal(type_of(&e, "netchestra_local_ports_size"), "gauge");
	assert_int_equal(val(&e, "netchestra_flows_open", NULL), n);
	assert_int_equal(val(&e, "netchestra_flows_max", NULL), per * f->n_workers);
	/* one local IP, one sample each */
	assert_int_equal(count(&e, "netchestra_local_ports_used", NULL, NULL), 1);
	assert_int_equal(count(&e, "netchestra_local_ports_size", NULL, NULL), 1);
	assert_int_equal(val(&e, "netchestra_local_ports_used", "local_ip", "10.0.0.200", NULL), n);
	assert_int_equal(val(&e, "netchestra_local_ports_size", "local_ip", "10.0.0.200", NULL), size);
	free(text);

	assert_int_equal(nc_dp_lport_pool(f->dp, 0, &pool), 0);
	assert_string_equal(pool.addr, "10.0.0.200");
	assert_int_equal(pool.used, n);
	assert_int_equal(nc_dp_lport_pool(f->dp, 1, &pool), -ENOENT);
}

static int eal_setup(void **state) { return fx_eal_setup(state, "nctestmetrics"); }

#define T(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rt_cumulative),
		T(test_exposition, setup_one),
		T(test_two_workers, setup_two),
		T(test_servers_come_and_go, setup_one),
		T(test_servers_down, setup_probed),
		T(test_concurrent_reader, setup_one),
		T(test_errors, setup_one),
		T(test_ipv6_service, setup_v6),
		T(test_tables, setup_one),
		T(test_tables, setup_two),
	};

	return cmocka_run_group_tests_name("metrics", tests, eal_setup, fx_eal_teardown);
}
