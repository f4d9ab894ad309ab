/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for flow sync's receive side (app/netchestra/sync.c): the
 * records a peer dispatcher sends (REC_FLOW af 4 and af 6 - NAT64 with
 * IPv4-mapped addresses, a SYN-proxied connection's bridge -, REC_CLOSE, REC_HELD, REC_HELD_TCP, REC_RELEASE,
 * the bulk copy's REC_BULK_REQ/BEGIN/END, REC_SYNCSTATE) kept as replicas,
 * and what the replicas become when a peer dies (installed in the workers,
 * held requests replayed).
 *
 * The data plane is the one of tests/fuzz/worker.json (two workers; IPv4
 * web and dns with the fail-safe, IPv6 web6 and dns6, NAT64 web64), made
 * once with a cluster of its own filled in here: this dispatcher id 0 on
 * 127.0.0.1, peers 127.0.0.2 (id 1) and 127.0.0.3 (id 2) with local IPs on
 * the back segment, sync on, 64 replicas per family, 16 held requests per
 * peer. Per input the cluster channel and flow sync start afresh
 * (nc_cluster_app_init) and the input is a list of steps:
 *   0 RECS  u16 length, bytes: a sync message's payload from peer 0 - records
 *           (u16 type, u16 length, value), walked as the channel walks an
 *           authenticated message (nc_cl_rec_next), each application record
 *           handed to nc_sync_app_rec as the channel hands it
 *   3 RECS  the same from peer 1
 *   1 EVENT one byte: what the channel tells flow sync of peer (byte >> 7):
 *           down, stopping, restarted, a sequence gap, this dispatcher stalled
 *   2 POLL  one byte: the clock moves by that many * 10 ms; flow sync polls
 *           (installs of a dead peer's replicas, bulk rounds, its addresses)
 *           and the workers take what it queued for them
 * After the steps: the replica table is consistent (nc_sync_app_check: each
 * entry found by its key, the counts, the held requests within
 * sync_max_held), and once flow sync stopped and the clock moved past every
 * timeout (a jump at a time, at most 16: a timeout's end may start another)
 * no flow is left in the workers and every mbuf pool is full again.
 * Beyond that: no crash, leak or sanitizer report; else abort().
 *
 * NC_FUZZ_WRITE_SEEDS=<dir>: write a seed corpus (every record type, both
 * families, NAT64, held requests of both protocols, SYN-proxied connections,
 * bulk rounds, a peer's death with its replicas installed) into <dir> and
 * exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "app.h"
#include "nc_flow.h"
#include "nc_affinity.h"
#include "dp_priv.h"     /* the workers' clocks, flow tables and pools */
#include "fuzz_wind_up.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s (line %d)\n", \
					#cond, __LINE__); abort(); } } while (0)

#define CONFIG       NC_SOURCE_ROOT "/tests/fuzz/worker.json"
#define PAST_ALL_MS  (400u * 1000)  /* past every idle timeout of worker.json */
#define LO           0x7f000001u
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* sync.c's record types (NC_CL_REC_APP up), as on the wire */
enum { R_FLOW = NC_CL_REC_APP, R_CLOSE, R_HELD, R_RELEASE, R_BULK_REQ, R_BULK_BEGIN, R_BULK_END,
       R_SYNCSTATE, R_HELD_TCP };

static struct {
	struct nc_config cfg;
	struct rte_mempool *pool;
	struct nc_app a;
	unsigned int n_workers;
	uint32_t now_ms;
	int winding_up;   /* the end of an input: the clock jumps past every timeout */
	unsigned int pool_full, tx_full, ca_full, held_full;
} fz;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void write_seeds(const char *dir);

static unsigned int
avail(const struct rte_mempool *mp)
{
	return mp != NULL ? rte_mempool_avail_count(mp) : 0;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A UDP port of 127.0.0.1 free now: the channel's (and its peers'). */
static uint16_t
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(LO) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(fd >= 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static void
cluster_config(struct nc_cfg_cluster *cl)
{
	static const char secret[] = "netchestra fuzz sync secret 0123456789";
	unsigned int q;

	memset(cl, 0, sizeof(*cl));
	cl->enabled = true;
	cl->sync = true;
	cl->id = 0;
	cl->n_peers = 2;
	for (q = 0; q < 2; q++) {
		cl->peers[q] = LO + 1 + q;
		cl->peer_lips[q][0] = IP4(10, 1, 0, 2 + q);
		cl->peer_n_lips[q] = 1;
		CHECK(inet_pton(AF_INET6, q == 0 ? "fd01::2" : "fd01::3", cl->peer_lips6[q][0]) == 1);
		cl->peer_n_lips6[q] = 1;
	}
	cl->sync_max_flows = 64;
	cl->sync_max_held = 16;
	cl->sync_port = free_port();
	memcpy(cl->secret, secret, sizeof(secret) - 1);
	cl->secret_len = sizeof(secret) - 1;
	cl->heartbeat_ms = 100;
	cl->dead_ms = 500;
	cl->bind_addr = LO;
}

static void
tick_all(void)
{
	unsigned int i;

	for (i = 0; i < fz.n_workers; i++) {
		struct nc_worker *w = nc_dp_worker(fz.a.dp, i);

		/* the workers' stall check runs on the real clock, which the fuzz
		 * clock leaves behind: a stall now and then, as the input goes;
		 * at its end the jump past every timeout is none */
		if (fz.winding_up)
			w->now_ms = 0;
		nc_worker_tick(w);
		w->now_ms = fz.now_ms;
		nc_flow_set_clock(w->flows, fz.now_ms);
	}
}

/* The workers take what the control lcore queued (installs), run their
 * timers; everything sent is taken off the wire. */
static void
round_all(void)
{
	static struct rte_mbuf *m[8192];
	unsigned int i;

	tick_all();
	for (i = 0; i < fz.n_workers; i++) {
		struct nc_worker *w = nc_dp_worker(fz.a.dp, i);

		nc_worker_sync_poll(w);
		nc_worker_handoff_poll(w);
		nc_worker_failsafe_poll(w);
		nc_worker_ca_poll(w);
	}
	nc_dp_ctl_poll(fz.a.dp);
	nc_worker_ctl_tx_poll(nc_dp_worker(fz.a.dp, 0));
	for (i = 0; i < fz.n_workers; i++) {
		uint16_t n = nc_worker_tx_take(nc_dp_worker(fz.a.dp, i), 0, m);

		rte_pktmbuf_free_bulk(m, n);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_sync", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
			"--no-shconf", "--file-prefix", "ncfuzzsync", "--log-level", "*:error", NULL };
	struct nc_dp_port_setup ps = { .port_id = 0 };
	static struct nc_errors errs;
	const char *seeds = getenv("NC_FUZZ_WRITE_SEEDS");

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
	cluster_config(&fz.cfg.cluster);
	CHECK(rte_eal_init((int)RTE_DIM(eal) - 1, eal) >= 0);
	fz.pool = rte_pktmbuf_pool_create("fuzz_sync_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	CHECK(fz.pool != NULL);
	fz.a.cfg = &fz.cfg;
	fz.a.socket = SOCKET_ID_ANY;
	fz.a.pool = fz.a.ctl_pool = fz.pool;
	memcpy(ps.mac.addr_bytes, fz.cfg.ports[0].mac, 6);
	fz.a.port[0] = ps;
	fz.a.dp = nc_dp_create(&fz.cfg, &ps, fz.pool, SOCKET_ID_ANY);
	CHECK(fz.a.dp != NULL);
	fz.n_workers = nc_dp_n_workers(fz.a.dp);
	fz.now_ms = 1000000;
	tick_all();
	fz.pool_full = avail(fz.pool);
	fz.tx_full = avail(fz.a.dp->txpool);
	fz.ca_full = avail(fz.a.dp->ca_pool);
	fz.held_full = avail(nc_dp_held_pool(fz.a.dp));
	return 0;
}

/* A sync message's payload <p> (<n> bytes) from peer <q>, as the channel
 * hands its records on once the message is authenticated. */
static void
recs(unsigned int q, const uint8_t *p, size_t n, uint64_t now)
{
	const uint8_t *val;
	uint16_t type, vlen;
	size_t off = 0;

	while (nc_cl_rec_next(p, n, &off, &type, &val, &vlen) == 1)
		if (type >= NC_CL_REC_APP)
			nc_sync_app_rec(&fz.a, q, (uint8_t)(q + 1), NC_CL_MSG_SYNC, type, val, vlen, now);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum nc_cluster_event evs[] = { NC_CL_EV_PEER_DOWN, NC_CL_EV_PEER_STOPPING,
						     NC_CL_EV_PEER_RESTARTED, NC_CL_EV_GAP,
						     NC_CL_EV_STALLED };
	uint64_t now = mono_ms();
	char why[256];
	size_t o = 0;
	unsigned int i;

	CHECK(nc_cluster_app_init(&fz.a) == 0);
	CHECK(fz.a.sync != NULL);
	while (o < size) {
		uint8_t op = data[o++] & 3;

		if ((op == 0 || op == 3) && size - o >= 2) {
			size_t len = (size_t)data[o] << 8 | data[o + 1];

			o += 2;
			if (len > size - o)
				len = size - o;
			if (len > NC_CL_MSG_MAX - NC_CL_HDR_LEN - NC_CL_MAC_LEN)
				len = NC_CL_MSG_MAX - NC_CL_HDR_LEN - NC_CL_MAC_LEN;
			recs(op == 0 ? 0 : 1, data + o, len, now);
			o += len;
		} else if (op == 1 && o < size) {
			uint8_t e = data[o++];

			nc_sync_app_event(&fz.a, evs[(e & 0x7f) % RTE_DIM(evs)], e >> 7, 0);
		} else if (op == 2 && o < size) {
			uint32_t dt = (uint32_t)data[o++] * 10;

			now += dt;
			fz.now_ms += dt;
			nc_sync_app_poll(&fz.a, now);
			round_all();
		} else {
			break;
		}
		if (nc_sync_app_check(&fz.a, why, sizeof(why)) != 0) {
			fprintf(stderr, "replica table: %s\n", why);
			abort();
		}
	}
	nc_sync_app_poll(&fz.a, now);
	CHECK(nc_sync_app_check(&fz.a, why, sizeof(why)) == 0 || (fprintf(stderr, "%s\n", why), 0));
	nc_cluster_app_fini(&fz.a);
	/* what the workers were given, then past every timeout: each installed
	 * flow and held request ends (a quarantine, which holds expiry back,
	 * lifted as the cluster would) */
	fz.winding_up = 1;
	nc_dp_sync_resume(fz.a.dp);
	round_all();
	/* past every timeout: each flow, held request and affinity entry ends */
	fuzz_wind_up(fz.a.dp, fz.n_workers, &fz.now_ms, PAST_ALL_MS, round_all);
	for (i = 0; i < fz.a.dp->ctl->n_pending; i++)
		fz.a.dp->ctl->pending[i].deadline = 0;
	round_all();
	CHECK(fz.a.dp->ctl->n_pending == 0);
	for (i = 0; i < fz.n_workers; i++)
		CHECK(nc_worker_flow_count(nc_dp_worker(fz.a.dp, i)) == 0);
	CHECK(avail(fz.pool) == fz.pool_full);
	CHECK(avail(fz.a.dp->txpool) == fz.tx_full);
	CHECK(avail(fz.a.dp->ca_pool) == fz.ca_full);
	CHECK(avail(nc_dp_held_pool(fz.a.dp)) == fz.held_full);
	fz.winding_up = 0;
	return 0;
}

/* ---- seeds: records as sync.c's header comment lays them out ---- */

struct seed {
	uint8_t b[8192];
	size_t n;
	size_t msg;      /* where the RECS step's length goes */
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* A RECS step of peer <q>: its records follow, end_msg() closes it. */
static void
msg(struct seed *s, unsigned int q)
{
	s->b[s->n++] = q == 0 ? 0 : 3;
	s->msg = s->n;
	s->n += 2;
}

static void
end_msg(struct seed *s)
{
	put16(s->b + s->msg, (uint16_t)(s->n - s->msg - 2));
}

static void
step(struct seed *s, uint8_t op, uint8_t arg)
{
	s->b[s->n++] = op;
	s->b[s->n++] = arg;
}

/* A record header: <type>, <len>; returns where its value goes. */
static uint8_t *
rec(struct seed *s, uint16_t type, size_t len)
{
	uint8_t *v = s->b + s->n + 4;

	put16(s->b + s->n, type);
	put16(s->b + s->n + 2, (uint16_t)len);
	memset(v, 0, len);
	s->n += 4 + len;
	return v;
}

/* Flow <i>'s key (af, proto): client 192.168.1.<i> or fd00::1:<i>, VIP
 * 10.0.0.1 / fd00::1 (fd00::64 for NAT64); returns the bytes after the af
 * byte's word. */
static size_t
key(uint8_t *v, int af, uint8_t proto, unsigned int i, bool nat64)
{
	uint16_t vport = proto == IPPROTO_TCP ? 80 : 53;

	v[0] = (uint8_t)af;
	if (af == 4) {
		put32(v + 4, IP4(192, 168, 1, i));
		put32(v + 8, IP4(10, 0, 0, 1));
		put16(v + 12, (uint16_t)(40000 + i));
		put16(v + 14, vport);
		v[16] = proto;
		return 20;
	}
	CHECK(inet_pton(AF_INET6, "fd00::1:0", v + 4) == 1);
	v[4 + 15] = (uint8_t)i;
	CHECK(inet_pton(AF_INET6, nat64 ? "fd00::64" : "fd00::1", v + 20) == 1);
	put16(v + 36, (uint16_t)(40000 + i));
	put16(v + 38, vport);
	v[40] = proto;
	return 44;
}

static void
mapped(uint8_t *p, uint32_t ip)
{
	p[10] = p[11] = 0xff;
	put32(p + 12, ip);
}

/* REC_FLOW of flow <i> from peer <q> (its local IP, server a); <proxied>: a
 * TCP connection of the SYN proxy's service syn or syn6 (port 81), its
 * bridge after the record. */
static void
flow_rec(struct seed *s, int af, uint8_t proto, unsigned int i, unsigned int q, bool nat64,
	 bool proxied)
{
	uint8_t *v = rec(s, R_FLOW, (af == 4 ? 44 : 92) + (proxied ? 12 : 0));
	size_t o = key(v, af, proto, i, nat64);

	v[1] = proto == IPPROTO_TCP ? NC_FLOW_EST : NC_FLOW_UDP;
	v[2] = proxied ? NC_SYNC_F_PROXIED : 0;
	v[3] = 0;
	if (proxied)
		put16(v + (af == 4 ? 14 : 38), 81);
	if (af == 4 || nat64) {
		uint32_t lip = IP4(10, 1, 0, 2 + q), srv = IP4(10, 1, 0, 11);

		if (af == 4) {
			put32(v + o, lip);
			put32(v + o + 4, srv);
			o += 8;
		} else {
			mapped(v + o, lip);
			mapped(v + o + 16, srv);
			o += 32;
		}
	} else {
		CHECK(inet_pton(AF_INET6, q == 0 ? "fd01::2" : "fd01::3", v + o) == 1);
		CHECK(inet_pton(AF_INET6, "fd01::11", v + o + 16) == 1);
		o += 32;
	}
	put16(v + o, (uint16_t)(20000 + i));             /* local port */
	put16(v + o + 2, proxied ? 8081 : proto == IPPROTO_TCP ? 8080 : 53);
	put32(v + o + 4, 0);                              /* delta */
	put32(v + o + 8, 1000 + i);                       /* client ISN */
	put32(v + o + 12, 5000 + i);                      /* server ISN */
	if (proxied) {
		put32(v + o + 16, 0x70000000u + i);       /* the bridge's delta */
		put32(v + o + 20, 12345);                 /* its clocks' offset */
		v[o + 24] = 7;                            /* the client's scale */
		v[o + 25] = 9;                            /* the server's */
		v[o + 26] = NC_SYNC_SP_TS | NC_SYNC_SP_CTS;
	}
}

static void
flow(struct seed *s, int af, uint8_t proto, unsigned int i, unsigned int q, bool nat64)
{
	flow_rec(s, af, proto, i, q, nat64, false);
}

static void
keyrec(struct seed *s, uint16_t type, int af, uint8_t proto, unsigned int i, bool nat64)
{
	key(rec(s, type, af == 4 ? 20 : 44), af, proto, i, nat64);
}

static void
held_udp(struct seed *s, int af, unsigned int i)
{
	static const uint8_t q[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x00\x00\x01\x00\x01";
	size_t kl = af == 4 ? 20 : 44;
	uint8_t *v = rec(s, R_HELD, kl + 4 + sizeof(q) - 1);

	key(v, af, IPPROTO_UDP, i, false);
	put32(v + kl, 80);                                 /* ms to its deadline */
	memcpy(v + kl + 4, q, sizeof(q) - 1);
}

static void
held_tcp(struct seed *s, int af, unsigned int i, bool nat64)
{
	static const uint8_t get[] = "GET / HTTP/1.1\r\nHost: web\r\n\r\n";
	size_t kl = af == 4 ? 20 : 44;
	uint8_t *v = rec(s, R_HELD_TCP, kl + 20 + sizeof(get) - 1);

	key(v, af, IPPROTO_TCP, i, nat64);
	v[1] = 1;              /* GET */
	v[2] = 1;              /* HTTP/1.1 */
	v[3] = 0;
	put32(v + kl, 80);
	put32(v + kl + 4, 1001 + i);      /* first byte: past the client's ISN */
	put32(v + kl + 8, 1000 + i);
	put32(v + kl + 12, 5000 + i);
	put32(v + kl + 16, 5001 + i);
	memcpy(v + kl + 20, get, sizeof(get) - 1);
}

static void
u32rec(struct seed *s, uint16_t type, uint32_t x)
{
	put32(rec(s, type, 4), x);
}

static void
seed_write(const char *dir, const char *name, const struct seed *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK(fwrite(s->b, 1, s->n, f) == s->n);
	fclose(f);
}

/* Every flow kind from peer <q>, numbered from <i>. */
static void
flows(struct seed *s, unsigned int q, unsigned int i)
{
	msg(s, q);
	flow(s, 4, IPPROTO_TCP, i, q, false);
	flow(s, 4, IPPROTO_UDP, i + 1, q, false);
	flow(s, 6, IPPROTO_TCP, i + 2, q, false);
	flow(s, 6, IPPROTO_UDP, i + 3, q, false);
	flow(s, 6, IPPROTO_TCP, i + 4, q, true);
	end_msg(s);
}

static void
write_seeds(const char *dir)
{
	static struct seed s;
	unsigned int i;

	/* one of each record type, each family */
	memset(&s, 0, sizeof(s));
	flows(&s, 0, 1);
	seed_write(dir, "flows", &s);

	memset(&s, 0, sizeof(s));
	flows(&s, 0, 1);
	msg(&s, 0);
	held_tcp(&s, 4, 1, false);
	held_udp(&s, 4, 2);
	held_tcp(&s, 6, 3, false);
	held_udp(&s, 6, 4);
	held_tcp(&s, 6, 5, true);
	end_msg(&s);
	seed_write(dir, "held", &s);

	memset(&s, 0, sizeof(s));
	flows(&s, 0, 1);
	msg(&s, 0);
	held_udp(&s, 4, 2);
	held_udp(&s, 6, 4);
	keyrec(&s, R_RELEASE, 4, IPPROTO_UDP, 2, false);
	keyrec(&s, R_RELEASE, 6, IPPROTO_UDP, 4, false);
	keyrec(&s, R_CLOSE, 4, IPPROTO_TCP, 1, false);
	keyrec(&s, R_CLOSE, 6, IPPROTO_TCP, 3, false);
	keyrec(&s, R_CLOSE, 6, IPPROTO_TCP, 5, true);
	end_msg(&s);
	seed_write(dir, "release-close", &s);

	/* a bulk round: what it did not refresh is swept */
	memset(&s, 0, sizeof(s));
	flows(&s, 0, 1);
	msg(&s, 0);
	u32rec(&s, R_BULK_BEGIN, 7);
	flow(&s, 4, IPPROTO_TCP, 1, 0, false);
	flow(&s, 6, IPPROTO_UDP, 4, 0, false);
	u32rec(&s, R_BULK_END, 7);
	u32rec(&s, R_SYNCSTATE, 0x01000002);
	end_msg(&s);
	msg(&s, 1);
	{
		uint8_t *v = rec(&s, R_BULK_REQ, 4);

		v[0] = 0;      /* asks us */
	}
	end_msg(&s);
	step(&s, 2, 10);
	seed_write(dir, "bulk", &s);

	/* peer 0 dies: its replicas and held requests go to the workers */
	memset(&s, 0, sizeof(s));
	flows(&s, 0, 1);
	msg(&s, 0);
	held_tcp(&s, 4, 1, false);
	held_udp(&s, 4, 2);
	held_tcp(&s, 6, 3, false);
	held_udp(&s, 6, 4);
	held_tcp(&s, 6, 5, true);
	end_msg(&s);
	flows(&s, 1, 20);
	step(&s, 1, 0);          /* peer 0 down */
	step(&s, 2, 1);
	step(&s, 2, 50);
	step(&s, 1, 0x80 | 3);   /* a gap of peer 1 */
	step(&s, 2, 200);
	seed_write(dir, "takeover", &s);

	/* SYN-proxied connections of both families, taken over */
	memset(&s, 0, sizeof(s));
	msg(&s, 0);
	flow_rec(&s, 4, IPPROTO_TCP, 30, 0, false, true);
	flow_rec(&s, 6, IPPROTO_TCP, 31, 0, false, true);
	flow_rec(&s, 4, IPPROTO_TCP, 32, 0, false, false);
	end_msg(&s);
	step(&s, 1, 0);          /* peer 0 down */
	step(&s, 2, 1);
	step(&s, 2, 50);
	seed_write(dir, "proxied", &s);

	/* the same flow moves from one peer to the other; the table fills */
	memset(&s, 0, sizeof(s));
	flows(&s, 0, 1);
	flows(&s, 1, 1);
	for (i = 0; i < 72; i++) {   /* 12 a message, as they fit */
		if (i % 12 == 0)
			msg(&s, 0);
		flow(&s, 6, IPPROTO_UDP, 100 + i, 0, false);
		if (i % 12 == 11)
			end_msg(&s);
	}
	step(&s, 1, 4);          /* stalled */
	step(&s, 2, 100);
	seed_write(dir, "moved-full", &s);
}
