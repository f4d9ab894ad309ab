/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for the worker's receive path (lib/dp) on the fixed
 * configuration of tests/fuzz/worker.json: two workers, one port; IPv4 web
 * (TCP: fail-safe, affinity, PROXY v2) and dns (UDP: fail-safe, maglev),
 * IPv6 web6 (PROXY v1) and dns6, NAT64 web64 (TOA), IPv4 syn, IPv6 syn6 and
 * NAT64 syn64 (TCP port 81: syn_proxy on, SYNs answered with cookies); every neighbor
 * static.
 * The data plane is made once, as the unit tests' fixture does (EAL
 * --no-huge, no NIC, port id 0), and runs on a clock of the target's own.
 *
 * The input is a list of frames, each: a control byte, a 16-bit big-endian
 * length, that many bytes. Control bit 0: the worker it arrives on; bit 1:
 * after it, a round (each worker takes its handoffs and runs its fail-safe
 * timers, the control lcore handles what the workers passed up - ARP, ND,
 * ICMP echo - and everything sent is taken off the wire); bits 2-7: the
 * clock moves by that many times 8 ms first. Frames for one worker without a
 * round between them arrive in one burst; a frame longer than an mbuf's room
 * arrives as a chain of segments. An input of odd length runs with the
 * port's RSS predicted (nc_dp_port_setup.rss_default_key: flows owned by
 * their client's queue, local ports steered), one of even length without.
 *
 * After each input, the clock moves past every timeout (a jump at a time
 * until no flow is left, at most 16): the workers expire their flows and
 * affinity entries, the control lcore drops the packets
 * that wait for a neighbor. Then, beyond no crash, leak or
 * sanitizer report: no flow is left, every local port is free again, and
 * every mbuf pool (packets, held requests, PROXY headers) is as full as it
 * was before the input; else abort().
 *
 * NC_FUZZ_WRITE_SEEDS=<dir>: write a seed corpus of real frames (built by
 * tests/support's pkt_build, as the unit and pcap tests build theirs; IPv6
 * datagrams cut into fragments here) into <dir> and exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "nc_config.h"
#include "nc_dp.h"
#include "nc_flow.h"
#include "nc_affinity.h"
#include "dp_priv.h"     /* the workers' clocks, flow tables and pools */
#include "fuzz_wind_up.h"
#include "pkt_build.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s (line %d)\n", \
					#cond, __LINE__); abort(); } } while (0)

#define CONFIG       NC_SOURCE_ROOT "/tests/fuzz/worker.json"
#define SEG_ROOM     2048           /* data room of the pool's mbufs */
#define FRAME_MAX    (4 * SEG_ROOM)
#define PAST_ALL_MS  (400u * 1000)  /* past every idle timeout of worker.json */

static struct {
	struct nc_config cfg;
	struct rte_mempool *pool;
	struct nc_dp *dp;
	const struct nc_rss *rss;   /* the data plane's, for the inputs that run with it */
	unsigned int n_workers;
	uint32_t now_ms;
	unsigned int pool_full, tx_full, ca_full;
	uint32_t lports[NC_MAX_WORKERS][NC_DP_MAX_LIPS];
} fz;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void write_seeds(const char *dir);

static void
tick_all(void)
{
	unsigned int i;

	for (i = 0; i < fz.n_workers; i++) {
		struct nc_worker *w = nc_dp_worker(fz.dp, i);

		nc_worker_tick(w);
		w->now_ms = fz.now_ms;
		nc_flow_set_clock(w->flows, fz.now_ms);
	}
}

static unsigned int
avail(const struct rte_mempool *mp)
{
	return mp != NULL ? rte_mempool_avail_count(mp) : 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_worker", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
			"--no-shconf", "--file-prefix", "ncfuzzworker", "--log-level", "*:error", NULL };
	struct nc_dp_port_setup ps = { .port_id = 0, .rss_default_key = true };
	static struct nc_errors errs;
	const char *seeds = getenv("NC_FUZZ_WRITE_SEEDS");
	unsigned int i, l;

	(void)argc;
	(void)argv;
	if (seeds != NULL) {
		write_seeds(seeds);
		exit(0);
	}
	if (nc_config_load(CONFIG, &fz.cfg, &errs) != 0) {
		nc_errors_print(&errs, stderr);
		abort();
	}
	CHECK(rte_eal_init((int)RTE_DIM(eal) - 1, eal) >= 0);
	fz.pool = rte_pktmbuf_pool_create("fuzz_pool", 4095, 0, 0, RTE_PKTMBUF_HEADROOM + SEG_ROOM,
					  SOCKET_ID_ANY);
	CHECK(fz.pool != NULL);
	memcpy(ps.mac.addr_bytes, fz.cfg.ports[0].mac, 6);
	fz.dp = nc_dp_create(&fz.cfg, &ps, fz.pool, SOCKET_ID_ANY);
	CHECK(fz.dp != NULL);
	fz.n_workers = nc_dp_n_workers(fz.dp);
	fz.rss = fz.dp->rss;
	CHECK(fz.rss != NULL);
	fz.now_ms = 1000000;
	tick_all();
	fz.pool_full = avail(fz.pool);
	fz.tx_full = avail(fz.dp->txpool);
	fz.ca_full = avail(fz.dp->ca_pool);
	for (i = 0; i < fz.n_workers; i++)
		for (l = 0; l < fz.dp->n_lips; l++)
			fz.lports[i][l] = nc_flow_free_lports(nc_dp_worker(fz.dp, i)->flows, (uint16_t)l);
	return 0;
}

/* Everything the workers would send: off the wire, freed. */
static void
take_all(void)
{
	static struct rte_mbuf *m[8192];
	unsigned int i;

	for (i = 0; i < fz.n_workers; i++) {
		uint16_t n = nc_worker_tx_take(nc_dp_worker(fz.dp, i), 0, m);

		rte_pktmbuf_free_bulk(m, n);
	}
}

static void
round_all(void)
{
	unsigned int i;

	tick_all();
	for (i = 0; i < fz.n_workers; i++) {
		nc_worker_handoff_poll(nc_dp_worker(fz.dp, i));
		nc_worker_failsafe_poll(nc_dp_worker(fz.dp, i));
		nc_worker_ca_poll(nc_dp_worker(fz.dp, i));
		nc_worker_sp_poll(nc_dp_worker(fz.dp, i));
	}
	nc_dp_ctl_poll(fz.dp);
	nc_worker_ctl_tx_poll(nc_dp_worker(fz.dp, 0));
	take_all();
}

/* An mbuf chain holding <len> bytes of <d>, from port 0. NULL when the pool
 * is out (the burst so far goes in first). */
static struct rte_mbuf *
to_mbuf(const uint8_t *d, size_t len)
{
	struct rte_mbuf *head = NULL, *last = NULL;
	size_t o = 0;

	do {
		size_t n = len - o < SEG_ROOM ? len - o : SEG_ROOM;
		struct rte_mbuf *m = rte_pktmbuf_alloc(fz.pool);
		char *p;

		if (m == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		p = rte_pktmbuf_append(m, (uint16_t)n);
		CHECK(p != NULL || n == 0);
		if (n != 0)
			memcpy(p, d + o, n);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += (uint32_t)n;
		}
		last = m;
		o += n;
	} while (o < len);
	head->port = 0;
	return head;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *burst[NC_MAX_BURST];
	unsigned int n = 0, bw = 0, i, l;
	size_t o = 0;

	/* no flow is open between inputs: the owner rule may change */
	fz.dp->rss = size % 2 ? fz.rss : NULL;
	tick_all();
	while (size - o >= 3) {
		uint8_t ctl = data[o];
		size_t len = (size_t)data[o + 1] << 8 | data[o + 2];
		unsigned int w = (ctl & 1) % fz.n_workers;
		struct rte_mbuf *m;

		o += 3;
		if (len > size - o)
			len = size - o;
		if (len > FRAME_MAX)
			len = FRAME_MAX;
		if (n != 0 && (w != bw || n == RTE_DIM(burst) || (ctl >> 2) != 0)) {
			nc_worker_rx(nc_dp_worker(fz.dp, bw), 0, burst, (uint16_t)n);
			n = 0;
		}
		if ((ctl >> 2) != 0) {
			fz.now_ms += (uint32_t)(ctl >> 2) * 8;
			tick_all();
		}
		m = to_mbuf(data + o, len);
		o += len;
		if (m != NULL) {
			bw = w;
			burst[n++] = m;
		}
		if (ctl & 2) {
			if (n != 0)
				nc_worker_rx(nc_dp_worker(fz.dp, bw), 0, burst, (uint16_t)n);
			n = 0;
			round_all();
		}
	}
	if (n != 0)
		nc_worker_rx(nc_dp_worker(fz.dp, bw), 0, burst, (uint16_t)n);
	round_all();
	/* past every timeout: each flow, held request and affinity entry ends */
	fuzz_wind_up(fz.dp, fz.n_workers, &fz.now_ms, PAST_ALL_MS, round_all);
	/* and the packets the control lcore holds for a neighbor being resolved
	 * wait their longest (it runs on the TSC: their deadlines are moved) */
	for (i = 0; i < fz.dp->ctl->n_pending; i++)
		fz.dp->ctl->pending[i].deadline = 0;
	round_all();
	CHECK(fz.dp->ctl->n_pending == 0);
	for (i = 0; i < fz.n_workers; i++) {
		struct nc_worker *w = nc_dp_worker(fz.dp, i);

		CHECK(nc_worker_flow_count(w) == 0);
		for (l = 0; l < fz.dp->n_lips; l++)
			CHECK(nc_flow_free_lports(w->flows, (uint16_t)l) == fz.lports[i][l]);
	}
	CHECK(avail(fz.pool) == fz.pool_full);
	CHECK(avail(fz.dp->txpool) == fz.tx_full);
	CHECK(avail(fz.dp->ca_pool) == fz.ca_full);
	return 0;
}

/* ---- seeds ---- */

static void
seed_write(const char *dir, const char *name, const uint8_t *d, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(d, 1, len, f) == len);
	fclose(f);
}

/* Append the frame of <p> to <buf> as one record (<ctl>). */
static size_t
rec(uint8_t *buf, size_t o, uint8_t ctl, const struct pb_pkt *p)
{
	uint32_t len = pb_build(p, buf + o + 3, PB_MAX_FRAME);

	CHECK(len > 0);
	buf[o] = ctl;
	buf[o + 1] = (uint8_t)(len >> 8);
	buf[o + 2] = (uint8_t)len;
	return o + 3 + len;
}

/* Append the IPv6 frame <f> (<len> bytes, no extension header) as fragments
 * of <cut> bytes of its payload (the last what remains), identification
 * <id>, one record each (<ctl> on the last, 0 before). */
static size_t
frags6(uint8_t *buf, size_t o, const uint8_t *f, uint32_t len, uint32_t cut, uint32_t id, uint8_t ctl)
{
	const uint32_t hl = 14 + 40, pl = len - hl;
	uint32_t ofs;

	for (ofs = 0; ofs < pl; ofs += cut) {
		uint32_t n = pl - ofs < cut ? pl - ofs : cut, fl = hl + 8 + n;
		uint8_t *r = buf + o + 3;

		memcpy(r, f, hl);
		r[20] = 44;                            /* next header: Fragment */
		pb_put16(r + 18, (uint16_t)(8 + n));
		r[hl] = f[20];
		r[hl + 1] = 0;
		pb_put16(r + hl + 2, (uint16_t)(ofs | (ofs + n < pl)));
		pb_put32(r + hl + 4, id);
		memcpy(r + hl + 8, f + hl + ofs, n);
		buf[o] = ofs + n < pl ? 0 : ctl;
		buf[o + 1] = (uint8_t)(fl >> 8);
		buf[o + 2] = (uint8_t)fl;
		o += 3 + fl;
	}
	return o;
}

static const uint8_t mac_port[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_gw[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t mac_sa[6] = { 0x02, 0, 0, 0, 0x01, 0x11 };

/* From the gateway (a client behind it) or server a, to the port's MAC. */
static void
frame(struct pb_pkt *p, uint8_t proto, bool v6, bool from_server)
{
	if (v6)
		pb_init6(p, proto);
	else
		pb_init(p, proto);
	memcpy(p->dst_mac, mac_port, 6);
	memcpy(p->src_mac, from_server ? mac_sa : mac_gw, 6);
	if (v6) {
		pb_ip6(p->dip6, "fd00::1");
	} else {
		p->sip = PB_IP(192, 168, 1, 10);
		p->dip = PB_IP(10, 0, 0, 1);
	}
}

/* An ICMP error frame (ICMPv6 packet too big with <v6>, else fragmentation
 * needed, MTU 1280) from <mac> and <src> (<src6>) to the address <w> was
 * sent from, quoting <w>'s first 68 bytes (its IP header on); <qb> holds
 * the quote. */
static void
too_big(struct pb_pkt *e, uint8_t *qb, const struct pb_pkt *w, bool v6, const uint8_t *mac,
	const char *src6, uint32_t src)
{
	CHECK(pb_build(w, qb, PB_MAX_FRAME) > 14 + 68);
	frame(e, v6 ? PB_PROTO_ICMPV6 : IPPROTO_ICMP, v6, false);
	memcpy(e->src_mac, mac, 6);
	if (v6) {
		pb_ip6(e->sip6, src6);
		memcpy(e->dip6, w->sip6, 16);
	} else {
		e->sip = src;
		e->dip = w->sip;
	}
	e->icmp_type = v6 ? 2 : 3;
	e->icmp_code = v6 ? 0 : 4;
	e->icmp_id = 0;
	e->icmp_seq = 1280;
	e->payload = qb + 14;
	e->payload_len = 68;
}

/* <p> as it left the appliance from <sip>/<sip6>:<sport> to <dip>/<dip6>:<dport>
 * towards <mac>. */
static struct pb_pkt
as_sent(const struct pb_pkt *p, const uint8_t *mac, bool v6, const struct pb_pkt *from,
	const struct pb_pkt *to)
{
	struct pb_pkt w = *p;

	memcpy(w.dst_mac, mac, 6);
	memcpy(w.src_mac, mac_port, 6);
	if (v6) {
		memcpy(w.sip6, from->dip6, 16);
		memcpy(w.dip6, to->sip6, 16);
	} else {
		w.sip = from->dip;
		w.dip = to->sip;
	}
	w.sport = from->dport;
	w.dport = to->sport;
	return w;
}

/* web: path MTU discovery - the client's SYN, a's SYN-ACK, the request
 * <req> and a's answer <resp> of web-http, each followed by fragmentation
 * needed (packet too big) quoting it as it left: the request towards a from
 * local port 1024, from the servers' side; the answer towards the client,
 * from the clients' side; a round after each frame. Returns the bytes in
 * <buf>. */
static size_t
pmtu_seed(uint8_t *buf, const struct pb_pkt *req, const struct pb_pkt *resp, bool v6)
{
	static uint8_t qb[PB_MAX_FRAME];
	struct pb_pkt p = *req, q = *resp, w, e;
	size_t o;

	p.seq = 1000;
	p.ack = 0;
	p.tcp_flags = PB_TCP_SYN;
	p.payload_len = 0;
	o = rec(buf, 0, 2, &p);
	q.seq = 5000;
	q.ack = 1001;
	q.tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
	q.payload_len = 0;
	o = rec(buf, o, 2, &q);
	o = rec(buf, o, 2, req);
	w = as_sent(req, mac_sa, v6, resp, resp);   /* local IP:1024 -> a:8080 */
	too_big(&e, qb, &w, v6, mac_sa, "fd01::77", PB_IP(10, 1, 0, 77));
	o = rec(buf, o, 2, &e);
	o = rec(buf, o, 2, resp);
	w = as_sent(resp, mac_gw, v6, req, req);    /* VIP:80 -> client */
	too_big(&e, qb, &w, v6, mac_gw, "fd00::fe", PB_IP(10, 0, 0, 254));
	return rec(buf, o, 2, &e);
}

static void
write_seeds(const char *dir)
{
	static const uint8_t get[] = "GET /index.html HTTP/1.1\r\nHost: web\r\n\r\n";
	static const uint8_t resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	static const uint8_t query[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
				       "\x03www\x07" "example\x00\x00\x01\x00\x01";
	static uint8_t buf[16 * (PB_MAX_FRAME + 3)];
	struct pb_pkt p, q, req, ans;
	struct pb_arp a;
	uint8_t ns[24];
	size_t o;
	unsigned int v6;

	for (v6 = 0; v6 < 2; v6++) {
		const char *sfx = v6 ? "6" : "";
		char name[64];

		/* web: handshake, a request, its answer from a (local port 1024, the
		 * first of a fresh table), the close; a round after each step */
		frame(&p, IPPROTO_TCP, v6, false);
		p.sport = 40000;
		p.dport = 80;
		p.seq = 1000;
		p.tcp_flags = PB_TCP_SYN;
		o = rec(buf, 0, 2, &p);
		q = p;
		frame(&q, IPPROTO_TCP, v6, true);
		if (v6) {
			pb_ip6(q.sip6, "fd01::11");
			pb_ip6(q.dip6, "fd01::1");
		} else {
			q.sip = PB_IP(10, 1, 0, 11);
			q.dip = PB_IP(10, 1, 0, 1);
		}
		q.sport = 8080;
		q.dport = 1024;
		q.seq = 5000;
		q.ack = 1001;
		q.tcp_flags = PB_TCP_SYN | PB_TCP_ACK;
		o = rec(buf, o, 2, &q);
		p.seq = 1001;
		p.ack = 5001;
		p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
		p.payload = get;
		p.payload_len = sizeof(get) - 1;
		o = rec(buf, o, 2, &p);
		req = p;
		q.seq = 5001;
		q.ack = 1001 + p.payload_len;
		q.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
		q.payload = resp;
		q.payload_len = sizeof(resp) - 1;
		o = rec(buf, o, 2, &q);
		ans = q;
		p.seq += p.payload_len;
		p.payload_len = 0;
		p.tcp_flags = PB_TCP_ACK | PB_TCP_FIN;
		o = rec(buf, o, 2, &p);
		snprintf(name, sizeof(name), "web%s-http", sfx);
		seed_write(dir, name, buf, o);
		o = pmtu_seed(buf, &req, &ans, v6);
		snprintf(name, sizeof(name), "web%s-pmtu", sfx);
		seed_write(dir, name, buf, o);

		/* web: SYNs of two clients on both workers in one burst, then a
		 * request held past the fail-safe's timeout (12 * 8 ms later) */
		p.seq = 7000;
		p.payload_len = 0;
		p.tcp_flags = PB_TCP_SYN;
		o = rec(buf, 0, 0, &p);
		p.sport = 40001;
		o = rec(buf, o, 1, &p);
		p.sport = 40002;
		o = rec(buf, o, 2, &p);
		p.seq = 7001;
		p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
		p.payload = get;
		p.payload_len = sizeof(get) - 1;
		o = rec(buf, o, 2, &p);
		p.payload_len = 0;
		p.tcp_flags = PB_TCP_RST;
		o = rec(buf, o, 12 << 2 | 2, &p);
		snprintf(name, sizeof(name), "web%s-burst-failsafe", sfx);
		seed_write(dir, name, buf, o);

		/* dns: a query, its answer from a, a query unanswered */
		frame(&p, IPPROTO_UDP, v6, false);
		p.sport = 41000;
		p.dport = 53;
		p.payload = query;
		p.payload_len = sizeof(query) - 1;
		o = rec(buf, 0, 2, &p);
		q = p;
		frame(&q, IPPROTO_UDP, v6, true);
		if (v6) {
			pb_ip6(q.sip6, "fd01::11");
			pb_ip6(q.dip6, "fd01::1");
		} else {
			q.sip = PB_IP(10, 1, 0, 11);
			q.dip = PB_IP(10, 1, 0, 1);
		}
		q.sport = 53;
		q.dport = 1024;
		q.payload = query;
		q.payload_len = sizeof(query) - 1;
		o = rec(buf, o, 2, &q);
		p.sport = 41001;
		o = rec(buf, o, 1, &p);
		snprintf(name, sizeof(name), "dns%s", sfx);
		seed_write(dir, name, buf, o);

		/* an echo request to the port's address */
		frame(&p, v6 ? PB_PROTO_ICMPV6 : IPPROTO_ICMP, v6, false);
		p.payload = query;
		p.payload_len = 16;
		o = rec(buf, 0, 2, &p);
		snprintf(name, sizeof(name), "echo%s", sfx);
		seed_write(dir, name, buf, o);
	}

	/* ARP: the gateway asks for the port's address; a reply; a request for
	 * an address not ours */
	pb_arp_init(&a, 1);
	memcpy(a.src_mac, mac_gw, 6);
	memcpy(a.sha, mac_gw, 6);
	a.sip = PB_IP(10, 0, 0, 254);
	a.tip = PB_IP(10, 0, 0, 1);
	buf[0] = 2;
	o = 3 + pb_arp_build(&a, buf + 3, PB_MAX_FRAME);
	buf[1] = (uint8_t)((o - 3) >> 8);
	buf[2] = (uint8_t)(o - 3);
	seed_write(dir, "arp-request", buf, o);
	pb_arp_init(&a, 2);
	memcpy(a.dst_mac, mac_port, 6);
	memcpy(a.src_mac, mac_sa, 6);
	memcpy(a.sha, mac_sa, 6);
	memcpy(a.tha, mac_port, 6);
	a.sip = PB_IP(10, 1, 0, 50);
	a.tip = PB_IP(10, 1, 0, 1);
	buf[0] = 2;
	o = 3 + pb_arp_build(&a, buf + 3, PB_MAX_FRAME);
	buf[1] = (uint8_t)((o - 3) >> 8);
	buf[2] = (uint8_t)(o - 3);
	seed_write(dir, "arp-reply", buf, o);

	/* ND: a neighbor solicitation for fd00::1 with the source's link-layer
	 * address option */
	frame(&p, PB_PROTO_ICMPV6, true, false);
	pb_ip6(p.sip6, "fd00::fe");
	pb_ip6(p.dip6, "ff02::1:ff00:1");
	p.dst_mac[0] = 0x33;
	p.dst_mac[1] = 0x33;
	p.ttl = 255;
	p.icmp_type = 135;
	p.icmp_id = 0;
	p.icmp_seq = 0;
	pb_ip6(ns, "fd00::1");
	ns[16] = 1;
	ns[17] = 1;
	memcpy(ns + 18, mac_gw, 6);
	p.payload = ns;
	p.payload_len = sizeof(ns);
	o = rec(buf, 0, 2, &p);
	seed_write(dir, "nd-solicit", buf, o);

	/* NAT64: an IPv6 client's SYN to web64 */
	frame(&p, IPPROTO_TCP, true, false);
	pb_ip6(p.dip6, "fd00::64");
	p.sport = 42000;
	p.dport = 80;
	p.tcp_flags = PB_TCP_SYN;
	o = rec(buf, 0, 2, &p);
	seed_write(dir, "nat64-syn", buf, o);

	/* syn_proxy: a SYN to syn, to syn6 and to syn64 (NAT64), answered with
	 * a cookie; then the client's ACK with a request, whose cookie (the
	 * secret is drawn at start) is no cookie of ours */
	for (v6 = 0; v6 < 3; v6++) {
		frame(&p, IPPROTO_TCP, v6 != 0, false);
		if (v6 == 2)
			pb_ip6(p.dip6, "fd00::64");
		p.sport = 43000;
		p.dport = 81;
		p.seq = 9000;
		p.tcp_flags = PB_TCP_SYN;
		o = rec(buf, 0, 2, &p);
		p.seq = 9001;
		p.ack = 0x12345679;
		p.tcp_flags = PB_TCP_ACK | PB_TCP_PSH;
		p.payload = get;
		p.payload_len = sizeof(get) - 1;
		o = rec(buf, o, 2, &p);
		seed_write(dir, v6 == 2 ? "syn64-cookie" : v6 ? "syn6-cookie" : "syn-cookie", buf, o);
	}

	/* IPv6 fragments: a dns6 query of 1,900 bytes in 5 (cut again on the
	 * way out), the same as an atomic fragment, and a TCP segment of 1,200
	 * bytes to web64 in 3 (NAT64 of a reassembled datagram) */
	{
		static uint8_t big[PB_MAX_FRAME], fr[PB_MAX_FRAME];
		uint32_t len;

		memset(big, 'q', sizeof(big));
		frame(&p, IPPROTO_UDP, true, false);
		p.sport = 41010;
		p.dport = 53;
		p.payload = big;
		p.payload_len = 1900;
		len = pb_build(&p, fr, sizeof(fr));
		CHECK(len > 0);
		o = frags6(buf, 0, fr, len, 400, 0x01020304, 2);
		seed_write(dir, "dns6-frags", buf, o);
		p.payload_len = 100;
		len = pb_build(&p, fr, sizeof(fr));
		o = frags6(buf, 0, fr, len, len, 0x0a0b0c0d, 2);
		seed_write(dir, "dns6-atomic-frag", buf, o);
		frame(&p, IPPROTO_TCP, true, false);
		pb_ip6(p.dip6, "fd00::64");
		p.sport = 42001;
		p.dport = 80;
		p.tcp_flags = PB_TCP_SYN;
		p.payload = big;
		p.payload_len = 1200;
		len = pb_build(&p, fr, sizeof(fr));
		o = frags6(buf, 0, fr, len, 512, 0x11223344, 2);
		seed_write(dir, "nat64-frags", buf, o);
	}
}
