/* SPDX-License-Identifier: BSD-3-Clause
 * lib/cluster: the channel's wire format (round trip; every bad input counted
 * under its reason and never trusted), heartbeats between instances on
 * 127.0.0.1 (up, down after dead_ms, stopping), configuration digests, and
 * merged measurements: three dispatchers with a third of the samples each
 * publish the weights one dispatcher with all of them would. EAL-free.
 *
 * Time is passed in: the tests never wait on a clock. Datagrams on the
 * loopback may take a moment to arrive, so pump() polls the sockets until
 * none is readable (a short poll() timeout ends it, it asserts nothing).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "nc_cluster.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define LO 0x7f000001u
#define HB 100
#define DEAD 500
#define MAXI 4

static const uint8_t secret[] = "0123456789abcdef-cluster-test";
static const uint8_t other_secret[] = "fedcba9876543210-cluster-test";

/* ---------------------------------------------------------------- helpers */

/* A free UDP port on 127.0.0.1 (bound once, then released). */
static uint16_t
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port;

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(LO);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

struct logbook {
	unsigned int warnings, notices, infos;
	unsigned int mismatches;
	char last[256];
};

static void
log_cb(void *arg, enum nc_cluster_log level, const char *text)
{
	struct logbook *lb = arg;

	if (level == NC_CL_LOG_WARNING)
		lb->warnings++;
	else if (level == NC_CL_LOG_NOTICE)
		lb->notices++;
	else
		lb->infos++;
	if (strstr(text, "configuration differs") != NULL)
		lb->mismatches++;
	snprintf(lb->last, sizeof(lb->last), "%s", text);
}

/* <n> instances, ids 0..n-1, every one the peer of every other. */
struct group {
	unsigned int n;
	uint16_t port[MAXI];
	struct nc_cluster *c[MAXI];
	struct logbook lb[MAXI];
};

static struct nc_cluster *
make_one(struct group *g, unsigned int i, uint64_t epoch, uint64_t now)
{
	struct nc_cluster_params p = {
		.id = (uint8_t)i, .bind_addr = LO, .bind_port = g->port[i],
		.secret = secret, .secret_len = sizeof(secret) - 1,
		.heartbeat_ms = HB, .dead_ms = DEAD, .epoch = epoch,
		.log = log_cb, .log_arg = &g->lb[i],
	};
	struct nc_cluster *c;
	unsigned int j;
	int err;

	for (j = 0; j < g->n; j++) {
		if (j == i)
			continue;
		p.peer_addr[p.n_peers] = LO;
		p.peer_port[p.n_peers] = g->port[j];
		p.n_peers++;
	}
	c = nc_cluster_create(&p, now, &err);
	assert_non_null(c);
	assert_int_equal(err, 0);
	return c;
}

static void
group_make(struct group *g, unsigned int n, uint64_t now)
{
	unsigned int i;

	memset(g, 0, sizeof(*g));
	g->n = n;
	for (i = 0; i < n; i++)
		g->port[i] = free_port();
	for (i = 0; i < n; i++)
		g->c[i] = make_one(g, i, 1000 + i, now);
}

static void
group_free(struct group *g)
{
	unsigned int i;

	for (i = 0; i < g->n; i++)
		nc_cluster_free(g->c[i]);
}

/* Poll the live instances (mask) at <now> until no datagram is waiting. */
static void
pump(struct group *g, unsigned int live, uint64_t now)
{
	unsigned int i, rounds;

	for (i = 0; i < g->n; i++)
		if (live & (1u << i))
			nc_cluster_poll(g->c[i], now);
	for (rounds = 0; rounds < 1000; rounds++) {
		struct pollfd pf[MAXI];
		unsigned int k = 0, idx[MAXI];

		for (i = 0; i < g->n; i++)
			if (live & (1u << i)) {
				pf[k].fd = nc_cluster_fd(g->c[i]);
				pf[k].events = POLLIN;
				idx[k++] = i;
			}
		if (poll(pf, k, 20) <= 0)
			break;
		for (i = 0; i < k; i++)
			if (pf[i].revents & POLLIN)
				nc_cluster_poll(g->c[idx[i]], now);
	}
}

static void
counters(const struct nc_cluster *c, struct nc_cluster_counters *k)
{
	nc_cluster_counters_get(c, k);
}

/* ------------------------------------------------------------------- wire */

static void
test_wire_round_trip(void **state)
{
	struct nc_cl_msg m;
	struct nc_cl_hdr h;
	const uint8_t *pl, *val;
	uint8_t a[3] = { 1, 2, 3 }, b[200];
	uint16_t type, vlen;
	size_t len, off = 0;

	(void)state;
	memset(b, 0xab, sizeof(b));
	nc_cl_msg_init(&m, NC_CL_MSG_HEARTBEAT, 7, 0x0102030405060708ull);
	assert_int_equal(nc_cl_msg_add(&m, 1, a, sizeof(a)), 0);
	assert_int_equal(nc_cl_msg_add(&m, 999, NULL, 0), 0);
	assert_int_equal(nc_cl_msg_add(&m, 5, b, sizeof(b)), 0);
	len = nc_cl_msg_seal(&m, 42, secret, sizeof(secret) - 1);
	assert_int_equal(len, NC_CL_HDR_LEN + 4 + 3 + 4 + 4 + 200 + NC_CL_MAC_LEN);
	assert_int_equal(nc_cl_msg_check(m.buf, len, secret, sizeof(secret) - 1, &h, &pl),
			 NC_CL_RX_OK);
	assert_int_equal(h.magic, NC_CL_MAGIC);
	assert_int_equal(h.version, NC_CL_VERSION);
	assert_int_equal(h.type, NC_CL_MSG_HEARTBEAT);
	assert_int_equal(h.af, NC_CL_AF_INET);
	assert_int_equal(h.id, 7);
	assert_true(h.epoch == 0x0102030405060708ull);
	assert_int_equal(h.seq, 42);
	assert_int_equal(h.payload_len, 4 + 3 + 4 + 4 + 200);
	assert_int_equal(nc_cl_rec_next(pl, h.payload_len, &off, &type, &val, &vlen), 1);
	assert_int_equal(type, 1);
	assert_int_equal(vlen, 3);
	assert_memory_equal(val, a, 3);
	assert_int_equal(nc_cl_rec_next(pl, h.payload_len, &off, &type, &val, &vlen), 1);
	assert_int_equal(type, 999);
	assert_int_equal(vlen, 0);
	assert_int_equal(nc_cl_rec_next(pl, h.payload_len, &off, &type, &val, &vlen), 1);
	assert_int_equal(type, 5);
	assert_int_equal(vlen, 200);
	assert_memory_equal(val, b, 200);
	assert_int_equal(nc_cl_rec_next(pl, h.payload_len, &off, &type, &val, &vlen), 0);
	/* big-endian on the wire: magic "NCCL", sequence last in the header */
	assert_memory_equal(m.buf, "NCCL", 4);
	assert_int_equal(m.buf[31], 42);
	/* a full message refuses a record rather than overflow */
	nc_cl_msg_init(&m, NC_CL_MSG_MEASURE, 1, 1);
	while (nc_cl_msg_add(&m, 5, b, sizeof(b)) == 0)
		;
	assert_true(m.len + NC_CL_MAC_LEN <= NC_CL_MSG_MAX);
	assert_int_equal(nc_cl_msg_add(&m, 5, b, 70000), -EINVAL);
}

static void
test_wire_check_pure(void **state)
{
	struct nc_cl_msg m;
	struct nc_cl_hdr h;
	const uint8_t *pl;
	uint8_t d[NC_CL_MSG_MAX + 8];
	size_t len, i;

	(void)state;
	nc_cl_msg_init(&m, NC_CL_MSG_HEARTBEAT, 1, 5);
	nc_cl_msg_add(&m, 1, "abcdefgh", 8);
	len = nc_cl_msg_seal(&m, 9, secret, sizeof(secret) - 1);
	/* truncated at every byte */
	for (i = 0; i < len; i++)
		assert_int_equal(nc_cl_msg_check(m.buf, i, secret, sizeof(secret) - 1, &h, &pl),
				 NC_CL_RX_MALFORMED);
	/* a byte too many */
	memcpy(d, m.buf, len);
	d[len] = 0;
	assert_int_equal(nc_cl_msg_check(d, len + 1, secret, sizeof(secret) - 1, &h, &pl),
			 NC_CL_RX_MALFORMED);
	/* wrong secret */
	assert_int_equal(nc_cl_msg_check(m.buf, len, other_secret, sizeof(other_secret) - 1, &h,
					 &pl), NC_CL_RX_BAD_AUTH);
	/* version 2, even with a valid HMAC over it */
	nc_cl_msg_init(&m, NC_CL_MSG_HEARTBEAT, 1, 5);
	m.buf[4] = 2;
	len = nc_cl_msg_seal(&m, 10, secret, sizeof(secret) - 1);
	assert_int_equal(nc_cl_msg_check(m.buf, len, secret, sizeof(secret) - 1, &h, &pl),
			 NC_CL_RX_VERSION);
	/* an address family we do not speak, authenticated */
	nc_cl_msg_init(&m, NC_CL_MSG_HEARTBEAT, 1, 5);
	m.buf[6] = 6;
	len = nc_cl_msg_seal(&m, 11, secret, sizeof(secret) - 1);
	assert_int_equal(nc_cl_msg_check(m.buf, len, secret, sizeof(secret) - 1, &h, &pl),
			 NC_CL_RX_VERSION);
}

/* A forger bound to a peer's address and port: what it sends comes "from" that peer. */
struct forger {
	int fd;
	struct sockaddr_in to;
	uint64_t seq;
};

static void
forger_open(struct forger *f, uint16_t from_port, uint16_t to_port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(f->fd >= 0);
	sa.sin_addr.s_addr = htonl(LO);
	sa.sin_port = htons(from_port);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	memset(&f->to, 0, sizeof(f->to));
	f->to.sin_family = AF_INET;
	f->to.sin_addr.s_addr = htonl(LO);
	f->to.sin_port = htons(to_port);
	f->seq = 0;
}

static void
forger_send(struct forger *f, const uint8_t *d, size_t len)
{
	assert_int_equal(sendto(f->fd, d, len, 0, (struct sockaddr *)&f->to, sizeof(f->to)),
			 (ssize_t)len);
}

/* A valid heartbeat of id <id>, epoch <epoch>, with one STATE record and an
 * optional extra record. */
static size_t
forge_hb(struct nc_cl_msg *m, uint8_t id, uint64_t epoch, uint64_t seq, const uint8_t *key,
	 size_t klen, uint16_t extra_type, const uint8_t *extra, size_t extra_len)
{
	uint8_t st[16] = { NC_CLUSTER_READY, 0 };

	nc_cl_msg_init(m, NC_CL_MSG_HEARTBEAT, id, epoch);
	if (extra != NULL || extra_type != 0)
		assert_int_equal(nc_cl_msg_add(m, extra_type, extra, extra_len), 0);
	assert_int_equal(nc_cl_msg_add(m, NC_CL_REC_STATE, st, sizeof(st)), 0);
	return nc_cl_msg_seal(m, seq, key, klen);
}

/* The victim: instance 0 of a group of 2 whose instance 1 is never created;
 * the forger takes instance 1's port. */
struct victim {
	struct group g;
	struct forger f;
};

static void
victim_open(struct victim *v)
{
	memset(v, 0, sizeof(*v));
	v->g.n = 2;
	v->g.port[0] = free_port();
	v->g.port[1] = free_port();
	v->g.c[0] = make_one(&v->g, 0, 1, 0);
	v->g.n = 1;   /* pump only instance 0 */
	forger_open(&v->f, v->g.port[1], v->g.port[0]);
}

static void
victim_close(struct victim *v)
{
	close(v->f.fd);
	nc_cluster_free(v->g.c[0]);
}

/* Pump until instance 0 counted <total> datagrams received. */
static void
victim_settle(struct victim *v, uint64_t total)
{
	struct nc_cluster_counters k;
	unsigned int i, r, tries;

	for (tries = 0; tries < 200; tries++) {
		uint64_t sum = 0;

		pump(&v->g, 1, 0);
		counters(v->g.c[0], &k);
		for (r = 0; r < NC_CL_RX_MAX; r++)
			sum += k.rx[r];
		if (sum >= total)
			break;
	}
	counters(v->g.c[0], &k);
	for (i = 0, r = 0; r < NC_CL_RX_MAX; r++)
		i += (unsigned int)k.rx[r];
	assert_int_equal(i, total);
}

static void
test_rx_truncated_every_byte(void **state)
{
	struct nc_cluster_counters k;
	struct victim v;
	struct nc_cl_msg m;
	size_t len, i;

	(void)state;
	victim_open(&v);
	len = forge_hb(&m, 1, 50, 1, secret, sizeof(secret) - 1, 0, NULL, 0);
	for (i = 0; i < len; i++)
		forger_send(&v.f, m.buf, i);
	victim_settle(&v, len);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_MALFORMED], len);
	assert_int_equal(k.rx[NC_CL_RX_OK], 0);
	/* the whole one is accepted afterwards: nothing of the pieces was trusted */
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, len + 1);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_OK], 1);
	victim_close(&v);
}

static void
test_rx_bit_flips(void **state)
{
	struct nc_cluster_counters k;
	struct nc_cluster_peer_info pi;
	struct victim v;
	struct nc_cl_msg m;
	uint8_t d[NC_CL_MSG_MAX];
	size_t len, bit;
	uint64_t sent = 0, malformed = 0, version = 0, auth = 0;

	(void)state;
	victim_open(&v);
	len = forge_hb(&m, 1, 50, 1, secret, sizeof(secret) - 1, 0, NULL, 0);
	for (bit = 0; bit < len * 8; bit++) {
		size_t byte = bit / 8;

		memcpy(d, m.buf, len);
		d[byte] ^= (uint8_t)(1u << (bit % 8));
		forger_send(&v.f, d, len);
		sent++;
		if (byte < 4 || (byte >= 8 && byte < 10))
			malformed++;    /* magic, payload length */
		else if (byte == 4)
			version++;
		else
			auth++;         /* anything else the HMAC covers, or the HMAC itself */
		if (sent % 64 == 0)
			victim_settle(&v, sent);
	}
	victim_settle(&v, sent);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_OK], 0);
	assert_int_equal(k.rx[NC_CL_RX_MALFORMED], malformed);
	assert_int_equal(k.rx[NC_CL_RX_VERSION], version);
	assert_int_equal(k.rx[NC_CL_RX_BAD_AUTH], auth);
	nc_cluster_peer_get(v.g.c[0], 0, 0, &pi);
	assert_int_equal(pi.state, NC_PEER_DOWN);
	assert_int_equal(pi.id, -1);
	victim_close(&v);
}

static void
test_rx_reasons(void **state)
{
	struct nc_cluster_counters k;
	struct nc_cluster_peer_info pi;
	struct victim v;
	struct nc_cl_msg m, m2;
	uint8_t big[NC_CL_MSG_MAX + 1], unk[12] = { 9, 9, 9 };
	size_t len, len2;
	int fd;
	struct sockaddr_in sa = { .sin_family = AF_INET };

	(void)state;
	victim_open(&v);
	/* wrong secret */
	len = forge_hb(&m, 1, 50, 1, other_secret, sizeof(other_secret) - 1, 0, NULL, 0);
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 1);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_BAD_AUTH], 1);
	/* bad magic */
	len = forge_hb(&m, 1, 50, 1, secret, sizeof(secret) - 1, 0, NULL, 0);
	m.buf[0] = 'X';
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 2);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_MALFORMED], 1);
	/* oversize: longer than any message */
	memset(big, 0, sizeof(big));
	forger_send(&v.f, big, sizeof(big));
	victim_settle(&v, 3);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_MALFORMED], 2);
	/* a record longer than the payload, authenticated */
	nc_cl_msg_init(&m, NC_CL_MSG_HEARTBEAT, 1, 50);
	nc_cl_msg_add(&m, 77, unk, sizeof(unk));
	m.buf[NC_CL_HDR_LEN + 3] = 200;   /* the record's length */
	len = nc_cl_msg_seal(&m, 1, secret, sizeof(secret) - 1);
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 4);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_MALFORMED], 3);
	/* a known record of the wrong length, authenticated */
	nc_cl_msg_init(&m, NC_CL_MSG_HEARTBEAT, 1, 50);
	nc_cl_msg_add(&m, NC_CL_REC_STATE, unk, 5);
	len = nc_cl_msg_seal(&m, 1, secret, sizeof(secret) - 1);
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 5);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_MALFORMED], 4);
	/* version 2 */
	len = forge_hb(&m, 1, 50, 1, secret, sizeof(secret) - 1, 0, NULL, 0);
	m.buf[4] = 2;
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 6);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_VERSION], 1);
	/* claiming our own id */
	len = forge_hb(&m, 0, 50, 1, secret, sizeof(secret) - 1, 0, NULL, 0);
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 7);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_UNKNOWN_PEER], 1);
	/* from an address:port not among the peers, even with the secret */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	sa.sin_addr.s_addr = htonl(LO);
	sa.sin_port = htons(v.g.port[0]);
	len = forge_hb(&m, 1, 50, 1, secret, sizeof(secret) - 1, 0, NULL, 0);
	assert_int_equal(sendto(fd, m.buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)len);
	close(fd);
	victim_settle(&v, 8);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_UNKNOWN_PEER], 2);
	assert_int_equal(k.rx[NC_CL_RX_OK], 0);
	/* an unknown record type is skipped by its length; the rest is used */
	len = forge_hb(&m, 1, 50, 5, secret, sizeof(secret) - 1, 4242, unk, sizeof(unk));
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 9);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_OK], 1);
	assert_int_equal(k.rx_records_skipped, 1);
	nc_cluster_peer_get(v.g.c[0], 0, 0, &pi);
	assert_int_equal(pi.state, NC_PEER_UP);
	assert_int_equal(pi.id, 1);
	/* the same datagram again: replayed */
	forger_send(&v.f, m.buf, len);
	victim_settle(&v, 10);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_REPLAYED], 1);
	/* an older sequence of the same epoch: replayed; a newer one: accepted */
	len2 = forge_hb(&m2, 1, 50, 4, secret, sizeof(secret) - 1, 0, NULL, 0);
	forger_send(&v.f, m2.buf, len2);
	len2 = forge_hb(&m2, 1, 50, 6, secret, sizeof(secret) - 1, 0, NULL, 0);
	forger_send(&v.f, m2.buf, len2);
	victim_settle(&v, 12);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_REPLAYED], 2);
	assert_int_equal(k.rx[NC_CL_RX_OK], 2);
	/* a restart: newer epoch, sequence from 1 again, accepted; then the old
	 * epoch, whatever its sequence, is replayed */
	len2 = forge_hb(&m2, 1, 60, 1, secret, sizeof(secret) - 1, 0, NULL, 0);
	forger_send(&v.f, m2.buf, len2);
	len2 = forge_hb(&m2, 1, 50, 1000, secret, sizeof(secret) - 1, 0, NULL, 0);
	forger_send(&v.f, m2.buf, len2);
	victim_settle(&v, 14);
	counters(v.g.c[0], &k);
	assert_int_equal(k.rx[NC_CL_RX_OK], 3);
	assert_int_equal(k.rx[NC_CL_RX_REPLAYED], 3);
	nc_cluster_peer_get(v.g.c[0], 0, 0, &pi);
	assert_true(pi.epoch == 60);
	victim_close(&v);
}

/* ------------------------------------------------------------- heartbeats */

static void
test_heartbeats_up_down_stopping(void **state)
{
	struct nc_cluster_peer_info pi;
	struct nc_cluster_counters k;
	struct group g;
	uint64_t t;
	unsigned int i, j;
	bool all_up = false;

	(void)state;
	group_make(&g, 3, 0);
	for (t = 0; t <= 5 * HB && !all_up; t += HB / 2) {
		pump(&g, 7, t);
		all_up = true;
		for (i = 0; i < 3; i++)
			for (j = 0; j < 2; j++) {
				nc_cluster_peer_get(g.c[i], j, t, &pi);
				all_up &= pi.state == NC_PEER_UP;
			}
	}
	assert_true(all_up);
	nc_cluster_peer_get(g.c[0], 1, t, &pi);   /* instance 0's second peer: id 2 */
	assert_int_equal(pi.id, 2);
	assert_int_equal(pi.said, NC_CLUSTER_READY);
	assert_true(pi.last_heard_ms >= 0 && pi.last_heard_ms <= HB);
	/* a few more heartbeats: the echoes give round trips (0 ms here: one clock) */
	for (i = 0; i < 3; i++, t += HB)
		pump(&g, 7, t);
	nc_cluster_peer_get(g.c[0], 0, t, &pi);
	assert_int_equal(pi.rtt_us, 0);
	counters(g.c[0], &k);
	assert_true(k.tx > 0 && k.rx[NC_CL_RX_OK] > 0);
	assert_int_equal(k.rx[NC_CL_RX_BAD_AUTH] + k.rx[NC_CL_RX_MALFORMED] +
			 k.rx[NC_CL_RX_REPLAYED] + k.rx[NC_CL_RX_UNKNOWN_PEER], 0);

	/* instance 2 goes silent: up until dead_ms passed, then down */
	{
		uint64_t silent = t - HB;   /* its last heartbeat, in the last pump */

		for (; t <= silent + DEAD; t += HB / 2) {
			pump(&g, 3, t);
			nc_cluster_peer_get(g.c[0], 1, t, &pi);
			assert_int_equal(pi.state, NC_PEER_UP);
		}
		for (; t <= silent + DEAD + 2 * HB; t += HB / 2)
			pump(&g, 3, t);
		nc_cluster_peer_get(g.c[0], 1, t, &pi);
		assert_int_equal(pi.state, NC_PEER_DOWN);
		nc_cluster_peer_get(g.c[1], 1, t, &pi);
		assert_int_equal(pi.state, NC_PEER_DOWN);
		/* instance 0 still sees instance 1 */
		nc_cluster_peer_get(g.c[0], 0, t, &pi);
		assert_int_equal(pi.state, NC_PEER_UP);
	}
	/* it comes back, then stops cleanly: stopping at once, not after dead_ms */
	for (i = 0; i < 3; i++, t += HB)
		pump(&g, 7, t);
	nc_cluster_peer_get(g.c[0], 1, t, &pi);
	assert_int_equal(pi.state, NC_PEER_UP);
	nc_cluster_set_state(g.c[2], NC_CLUSTER_STOPPING);
	nc_cluster_heartbeat(g.c[2], t);
	pump(&g, 3, t);
	nc_cluster_peer_get(g.c[0], 1, t, &pi);
	assert_int_equal(pi.state, NC_PEER_STOPPING);
	assert_int_equal(pi.said, NC_CLUSTER_STOPPING);
	nc_cluster_peer_get(g.c[1], 1, t, &pi);
	assert_int_equal(pi.state, NC_PEER_STOPPING);
	/* and stays so (not "down") while silent */
	for (i = 0; i < 10; i++, t += HB)
		pump(&g, 3, t);
	nc_cluster_peer_get(g.c[0], 1, t, &pi);
	assert_int_equal(pi.state, NC_PEER_STOPPING);
	/* draining is a state the heartbeats carry */
	nc_cluster_set_state(g.c[1], NC_CLUSTER_DRAINING);
	t += HB;
	pump(&g, 3, t);
	nc_cluster_peer_get(g.c[0], 0, t, &pi);
	assert_int_equal(pi.said, NC_CLUSTER_DRAINING);
	assert_int_equal(pi.state, NC_PEER_UP);
	group_free(&g);
}

/* -------------------------------------------------------------- digests */

static struct nc_cfg_service
svc_example(void)
{
	struct nc_cfg_service s;
	unsigned int i;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "web");
	s.vip = 0x0ac80001;
	s.port = 80;
	s.proto = 6;
	s.n_servers = 3;
	for (i = 0; i < 3; i++) {
		snprintf(s.servers[i].name, sizeof(s.servers[i].name), "n%u", i);
		s.servers[i].address = 0x0ac9000b + i;
		s.servers[i].port = 8080;
		s.servers[i].weight = i == 0 ? 34 : 33;
	}
	s.adaptive.enabled = true;
	s.adaptive.mode = NC_ADAPT_FAST;
	s.adaptive.interval_ms = 1000;
	s.adaptive.step = 1;
	s.adaptive.min_weight = 1;
	return s;
}

static void
test_digest(void **state)
{
	struct nc_cfg_service a = svc_example(), b;
	uint8_t da[NC_CL_DIGEST_LEN], db[NC_CL_DIGEST_LEN];

	(void)state;
	nc_cluster_service_digest(&a, da);
	b = a;
	b.local_ips[0] = 12345;   /* not part of it: each dispatcher has its own */
	b.n_local_ips = 1;
	b.health.type = NC_HEALTH_HTTP;
	nc_cluster_service_digest(&b, db);
	assert_memory_equal(da, db, sizeof(da));
	b = a;
	b.servers[1].weight = 34;
	b.servers[0].weight = 33;
	nc_cluster_service_digest(&b, db);
	assert_memory_not_equal(da, db, sizeof(da));
	b = a;
	b.servers[2].port = 8081;
	nc_cluster_service_digest(&b, db);
	assert_memory_not_equal(da, db, sizeof(da));
	b = a;
	b.adaptive.mode = NC_ADAPT_PAPER;
	nc_cluster_service_digest(&b, db);
	assert_memory_not_equal(da, db, sizeof(da));
	b = a;
	b.failsafe.enabled = true;
	nc_cluster_service_digest(&b, db);
	assert_memory_not_equal(da, db, sizeof(da));
	b = a;
	b.scheduler = NC_SCHED_SMOOTH;
	nc_cluster_service_digest(&b, db);
	assert_memory_not_equal(da, db, sizeof(da));
	b = a;
	b.maglev_seed = 12345;
	nc_cluster_service_digest(&b, db);
	assert_memory_not_equal(da, db, sizeof(da));
	b = a;
	b.maglev_size = 65537;
	nc_cluster_service_digest(&b, db);
	assert_memory_not_equal(da, db, sizeof(da));
}

static void
test_digest_mismatch(void **state)
{
	struct nc_cfg_service a = svc_example(), b = svc_example();
	struct nc_cluster_peer_svc ps;
	uint8_t da[NC_CL_DIGEST_LEN], db[NC_CL_DIGEST_LEN];
	struct group g;
	uint64_t t = 0;
	unsigned int i;

	(void)state;
	b.servers[2].port = 9090;
	nc_cluster_service_digest(&a, da);
	nc_cluster_service_digest(&b, db);
	group_make(&g, 3, 0);
	nc_cluster_service_set(g.c[0], 0, "web", da, 3, 1000);
	nc_cluster_service_set(g.c[1], 0, "web", da, 3, 1000);
	nc_cluster_service_set(g.c[2], 0, "web", db, 3, 1000);
	for (i = 0; i < 10; i++, t += HB)
		pump(&g, 7, t);
	/* 0 sees 1 matching, 2 not; one warning naming the service and the peer,
	 * however many heartbeats repeated it */
	nc_cluster_peer_service(g.c[0], 0, 0, &ps);
	assert_true(ps.digest_known && ps.digest_match);
	nc_cluster_peer_service(g.c[0], 1, 0, &ps);
	assert_true(ps.digest_known);
	assert_false(ps.digest_match);
	assert_int_equal(g.lb[0].mismatches, 1);
	assert_int_equal(g.lb[1].mismatches, 1);
	assert_int_equal(g.lb[2].mismatches, 2);   /* 2 differs from both */
	/* 2 is fixed: a notice, no new warning */
	nc_cluster_service_set(g.c[2], 0, "web", da, 3, 1000);
	for (i = 0; i < 3; i++, t += HB)
		pump(&g, 7, t);
	nc_cluster_peer_service(g.c[0], 1, 0, &ps);
	assert_true(ps.digest_match);
	assert_int_equal(g.lb[0].mismatches, 1);
	assert_non_null(strstr(g.lb[0].last, "matches"));
	/* and broken again: logged again */
	nc_cluster_service_set(g.c[2], 0, "web", db, 3, 1000);
	for (i = 0; i < 3; i++, t += HB)
		pump(&g, 7, t);
	assert_int_equal(g.lb[0].mismatches, 2);
	assert_non_null(strstr(g.lb[0].last, "web"));
	group_free(&g);
}

/* ------------------------------------------------- merged measurements */

static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* One interval of samples of 3 servers (server i about (i + 1) ms, noisy;
 * some probe round trips), sample j going to dispatcher j % 3 in <part> and
 * to <all>. */
static void
interval_samples(uint64_t *seed, unsigned int k, struct nc_rt_agg part[3][3],
		 struct nc_rt_agg all[3])
{
	unsigned int i, j;

	memset(part, 0, sizeof(struct nc_rt_agg) * 9);
	memset(all, 0, sizeof(struct nc_rt_agg) * 3);
	for (i = 0; i < 3; i++) {
		unsigned int n = 30 + (unsigned int)(rnd(seed) % 60);

		if (k % 7 == 3 && i == 2)
			n = 2;   /* thin traffic: the probes count too */
		for (j = 0; j < n; j++) {
			uint32_t us = (uint32_t)(1000 * (i + 1) + rnd(seed) % (500 * (i + 1)));

			nc_rt_record(&part[j % 3][i].rt, us);
			nc_rt_record(&all[i].rt, us);
		}
		for (j = 0; j < 3; j++) {
			uint64_t p = 800 + rnd(seed) % 400;

			part[j][i].probe_sum_us += p;
			part[j][i].probe_n++;
			all[i].probe_sum_us += p;
			all[i].probe_n++;
		}
	}
}

static void
steady(struct group *g, unsigned int live, uint64_t *t, unsigned int beats)
{
	unsigned int i;

	for (i = 0; i < beats; i++, *t += HB)
		pump(g, live, *t);
}

static void
run_merged(enum nc_adaptive_mode mode)
{
	struct nc_cfg_service svc = svc_example();
	struct nc_cfg_adaptive *cfg = &svc.adaptive;
	uint8_t dg[NC_CL_DIGEST_LEN], w0[3] = { 34, 33, 33 };
	struct nc_wset ws1, ws[3];
	struct nc_adapt_state ad1, ad[3];
	struct nc_rt_agg part[3][3], all[3], merged[3][3];
	struct group g;
	uint64_t seed = 0x9e3779b97f4a7c15ull, t = 0, k;
	unsigned int d, i, moved = 0;

	cfg->mode = mode;
	nc_cluster_service_digest(&svc, dg);
	group_make(&g, 3, 0);
	for (d = 0; d < 3; d++) {
		nc_cluster_service_set(g.c[d], 0, "web", dg, 3, 1000);
		nc_wset_init(&ws[d], w0, 3);
		memset(&ad[d], 0, sizeof(ad[d]));
	}
	nc_wset_init(&ws1, w0, 3);
	memset(&ad1, 0, sizeof(ad1));
	steady(&g, 7, &t, 8);   /* all up, digests known, start-up wait over */
	for (d = 0; d < 3; d++) {
		struct nc_wset x;
		struct nc_adapt_state y;

		assert_int_equal(nc_cluster_adopt(g.c[d], 0, &x, &y, &k, t), 0);
	}
	for (k = 100; k < 130; k++) {
		struct nc_adapt_in in1[3], in[3][3];
		unsigned int contrib, tries;
		uint64_t kk;
		int r1;

		interval_samples(&seed, (unsigned int)k, part, all);
		for (d = 0; d < 3; d++)
			assert_int_equal(nc_cluster_measure_put(g.c[d], 0, k, part[d], 3, t), 0);
		for (d = 0; d < 3; d++) {
			int r = 0;

			for (tries = 0; tries < 200 && r == 0; tries++) {
				pump(&g, 7, t);
				r = nc_cluster_merge(g.c[d], 0, false, merged[d], &kk, &contrib, t);
			}
			assert_int_equal(r, 1);
			assert_true(kk == k);
			assert_int_equal(contrib, 3);
			/* the merged figures are the single dispatcher's, byte for byte */
			assert_memory_equal(merged[d], all, sizeof(all));
			/* merged once */
			assert_int_equal(nc_cluster_merge(g.c[d], 0, true, merged[d], &kk, &contrib, t), 0);
		}
		/* one dispatcher with everything */
		for (i = 0; i < 3; i++)
			nc_rt_agg_in(&all[i], 3, &in1[i], NULL);
		r1 = nc_adapt_step(cfg, &ad1, &ws1, in1);
		assert_true(r1 >= 0);
		moved += r1 > 0;
		for (d = 0; d < 3; d++) {
			for (i = 0; i < 3; i++)
				nc_rt_agg_in(&merged[d][i], 3, &in[d][i], NULL);
			assert_int_equal(nc_adapt_step(cfg, &ad[d], &ws[d], in[d]), r1);
			assert_memory_equal(ws[d].w, ws1.w, 3);
			assert_memory_equal(&ad[d], &ad1, sizeof(ad1));
			nc_cluster_weights_set(g.c[d], 0, k, &ws[d], &ad[d]);
		}
		t += HB;
	}
	assert_true(moved > 0);
	assert_true(ws1.w[0] > ws1.w[2]);   /* the fastest server has the most weight */
	/* what each publishes in its heartbeats: byte-identical weights */
	steady(&g, 7, &t, 2);
	for (d = 0; d < 3; d++) {
		struct nc_cluster_svc_info si;
		struct nc_cluster_peer_svc ps;

		nc_cluster_service_info(g.c[d], 0, &si);
		assert_true(si.synced && si.has_weights);
		assert_int_equal(si.contributors, 3);
		assert_int_equal(si.merges, 30);
		assert_int_equal(si.merges_partial, 0);
		assert_memory_equal(si.ws.w, ws1.w, 3);
		for (i = 0; i < 2; i++) {
			nc_cluster_peer_service(g.c[d], i, 0, &ps);
			assert_true(ps.has_weights && ps.synced);
			assert_int_equal(ps.k, 129);
			assert_memory_equal(ps.ws.w, ws1.w, 3);
		}
	}
	group_free(&g);
}

static void
test_merge_fast(void **state)
{
	(void)state;
	run_merged(NC_ADAPT_FAST);
}

static void
test_merge_paper(void **state)
{
	(void)state;
	run_merged(NC_ADAPT_PAPER);
}

/* A dead peer is not waited for; a silent but live one is, until the caller's bound. */
static void
test_merge_partial(void **state)
{
	struct nc_cfg_service svc = svc_example();
	uint8_t dg[NC_CL_DIGEST_LEN];
	struct nc_rt_agg part[3][3], all[3], out[3];
	struct group g;
	uint64_t seed = 7, t = 0, k;
	unsigned int d, contrib, i;

	(void)state;
	nc_cluster_service_digest(&svc, dg);
	group_make(&g, 3, 0);
	for (d = 0; d < 3; d++)
		nc_cluster_service_set(g.c[d], 0, "web", dg, 3, 1000);
	steady(&g, 7, &t, 4);
	interval_samples(&seed, 1, part, all);
	/* 2 live but it sends nothing this interval: 0 waits, then gives up */
	nc_cluster_measure_put(g.c[0], 0, 1, part[0], 3, t);
	nc_cluster_measure_put(g.c[1], 0, 1, part[1], 3, t);
	for (i = 0; i < 5; i++)
		pump(&g, 3, t);
	assert_int_equal(nc_cluster_merge(g.c[0], 0, false, out, &k, &contrib, t), 0);
	assert_int_equal(nc_cluster_merge(g.c[0], 0, true, out, &k, &contrib, t), 1);
	assert_int_equal(contrib, 2);
	for (i = 0; i < 3; i++) {
		struct nc_rt_agg x = part[0][i];

		nc_rt_agg_add(&x, &part[1][i]);
		assert_memory_equal(&out[i], &x, sizeof(x));
	}
	/* 2 goes down: 0 no longer waits for it */
	t += DEAD + 2 * HB;
	pump(&g, 3, t);
	interval_samples(&seed, 2, part, all);
	nc_cluster_measure_put(g.c[0], 0, 2, part[0], 3, t);
	nc_cluster_measure_put(g.c[1], 0, 2, part[1], 3, t);
	for (i = 0; i < 200; i++) {
		pump(&g, 3, t);
		if (nc_cluster_merge(g.c[0], 0, false, out, &k, &contrib, t) == 1)
			break;
	}
	assert_true(i < 200);
	assert_int_equal(contrib, 2);
	group_free(&g);
}

/* A dispatcher that (re)joins takes the weights and controller state of the
 * lowest-id live synced peer before it takes part; a synced one whose
 * weights differ from the reference's for the same interval follows it. */
static void
test_rejoin_adopts(void **state)
{
	struct nc_cfg_service svc = svc_example();
	uint8_t dg[NC_CL_DIGEST_LEN], w0[3] = { 34, 33, 33 };
	struct nc_wset ws, ref, got;
	struct nc_adapt_state ad, refad, gotad;
	struct group g;
	uint64_t t = 0, k;
	unsigned int d;

	(void)state;
	nc_cluster_service_digest(&svc, dg);
	group_make(&g, 3, 0);
	for (d = 0; d < 3; d++)
		nc_cluster_service_set(g.c[d], 0, "web", dg, 3, 1000);
	steady(&g, 7, &t, 8);
	nc_wset_init(&ws, w0, 3);
	memset(&ad, 0, sizeof(ad));
	for (d = 0; d < 3; d++)
		assert_int_equal(nc_cluster_adopt(g.c[d], 0, &got, &gotad, &k, t), 0);
	/* the cluster moved on: weights 60/30/10 after interval 41 */
	ref = ws;
	ref.w[0] = 60;
	ref.w[1] = 30;
	ref.w[2] = 10;
	memset(&refad, 0, sizeof(refad));
	refad.held = true;
	refad.has_rt[0] = refad.has_rt[1] = refad.has_rt[2] = 1;
	refad.rt_smooth[0] = 1000.25;
	refad.rt_smooth[1] = 2000.5;
	refad.rt_smooth[2] = 6000.125;
	for (d = 0; d < 3; d++)
		nc_cluster_weights_set(g.c[d], 0, 41, &ref, &refad);
	steady(&g, 7, &t, 2);
	/* 0 restarts: a new epoch, unsynced */
	nc_cluster_free(g.c[0]);
	g.c[0] = make_one(&g, 0, 5000, t);
	nc_cluster_service_set(g.c[0], 0, "web", dg, 3, 1000);
	assert_int_equal(nc_cluster_adopt(g.c[0], 0, &got, &gotad, &k, t), 0);
	steady(&g, 7, &t, 2);
	assert_int_equal(nc_cluster_adopt(g.c[0], 0, &got, &gotad, &k, t), 1);
	assert_int_equal(k, 41);
	assert_memory_equal(got.w, ref.w, 3);
	assert_memory_equal(&gotad, &refad, sizeof(refad));
	nc_cluster_weights_set(g.c[0], 0, k, &got, &gotad);
	assert_int_equal(nc_cluster_adopt(g.c[0], 0, &got, &gotad, &k, t), 0);
	/* 2 drifted for interval 42 (it missed a figure): it follows 0, the lowest id */
	ref.w[0] = 61;
	ref.w[1] = 29;
	nc_cluster_weights_set(g.c[0], 0, 42, &ref, &refad);
	nc_cluster_weights_set(g.c[1], 0, 42, &ref, &refad);
	ws = ref;
	ws.w[0] = 59;
	ws.w[1] = 31;
	nc_cluster_weights_set(g.c[2], 0, 42, &ws, &refad);
	steady(&g, 7, &t, 2);
	assert_int_equal(nc_cluster_adopt(g.c[1], 0, &got, &gotad, &k, t), 0);
	assert_int_equal(nc_cluster_adopt(g.c[0], 0, &got, &gotad, &k, t), 0);
	assert_int_equal(nc_cluster_adopt(g.c[2], 0, &got, &gotad, &k, t), 1);
	assert_int_equal(k, 42);
	assert_memory_equal(got.w, ref.w, 3);
	group_free(&g);
}

/* Alone: after dead_ms without a synced peer a dispatcher goes on with its own. */
static void
test_alone_goes_on(void **state)
{
	struct nc_cfg_service svc = svc_example();
	struct nc_cluster_svc_info si;
	uint8_t dg[NC_CL_DIGEST_LEN];
	struct nc_wset got;
	struct nc_adapt_state gotad;
	struct group g;
	uint64_t t = 0, k;

	(void)state;
	nc_cluster_service_digest(&svc, dg);
	group_make(&g, 2, 0);
	nc_cluster_service_set(g.c[0], 0, "web", dg, 3, 1000);
	for (; t < DEAD; t += HB) {
		pump(&g, 1, t);
		assert_int_equal(nc_cluster_adopt(g.c[0], 0, &got, &gotad, &k, t), 0);
		nc_cluster_service_info(g.c[0], 0, &si);
		assert_false(si.synced);
	}
	pump(&g, 1, t);
	assert_int_equal(nc_cluster_adopt(g.c[0], 0, &got, &gotad, &k, t), 0);
	nc_cluster_service_info(g.c[0], 0, &si);
	assert_true(si.synced);
	group_free(&g);
}

static void
test_create_checks(void **state)
{
	struct nc_cluster_params p = {
		.id = 1, .bind_addr = LO, .bind_port = 0, .n_peers = 1, .peer_addr = { LO },
		.peer_port = { 9 }, .secret = secret, .secret_len = 8, .heartbeat_ms = 100,
		.dead_ms = 500,
	};
	struct nc_cluster *c;
	int err;

	(void)state;
	assert_null(nc_cluster_create(&p, 0, &err));   /* secret too short */
	assert_int_equal(err, -EINVAL);
	p.secret_len = 16;
	p.dead_ms = 100;
	assert_null(nc_cluster_create(&p, 0, &err));   /* dead_ms not above heartbeat_ms */
	p.dead_ms = 500;
	p.id = 16;
	assert_null(nc_cluster_create(&p, 0, &err));
	p.id = 1;
	p.bind_addr = 0x0a0b0c0d;   /* not ours: bind fails with the errno */
	assert_null(nc_cluster_create(&p, 0, &err));
	assert_int_equal(err, -EADDRNOTAVAIL);
	p.bind_addr = LO;
	c = nc_cluster_create(&p, 0, &err);
	assert_non_null(c);
	assert_true(nc_cluster_epoch(c) > 0);   /* the wall clock when none is given */
	assert_string_equal(nc_cl_rx_name[NC_CL_RX_BAD_AUTH], "bad_auth");
	assert_string_equal(nc_cl_rx_name[NC_CL_RX_UNKNOWN_PEER], "unknown_peer");
	assert_string_equal(nc_cluster_state_name(NC_CLUSTER_DRAINING), "draining");
	assert_string_equal(nc_cluster_peer_state_name(NC_PEER_STOPPING), "stopping");
	nc_cluster_free(c);
}

/* ---- application records, events, gaps, stalls (flow sync's plumbing) ---- */

struct heard {
	unsigned int n;
	uint8_t msg_type[16], id[16];
	uint16_t type[16], len[16];
	uint8_t val[16][8];
	unsigned int ev_n;
	enum nc_cluster_event ev[16];
	int ev_peer[16];
	uint64_t ev_value[16];
};

static void
heard_rec(void *arg, unsigned int peer, uint8_t id, uint8_t msg_type, uint16_t type,
	  const uint8_t *val, uint16_t len, uint64_t now)
{
	struct heard *h = arg;

	(void)peer;
	(void)now;
	if (h->n == 16)
		return;
	h->msg_type[h->n] = msg_type;
	h->id[h->n] = id;
	h->type[h->n] = type;
	h->len[h->n] = len;
	memcpy(h->val[h->n], val, len < 8 ? len : 8);
	h->n++;
}

static void
heard_event(void *arg, enum nc_cluster_event ev, int peer, uint64_t value)
{
	struct heard *h = arg;

	if (h->ev_n == 16)
		return;
	h->ev[h->ev_n] = ev;
	h->ev_peer[h->ev_n] = peer;
	h->ev_value[h->ev_n++] = value;
}

/* Whether event <ev> was heard, and its value. */
static bool
heard_ev(const struct heard *h, enum nc_cluster_event ev, uint64_t *value)
{
	unsigned int i;

	for (i = 0; i < h->ev_n; i++)
		if (h->ev[i] == ev) {
			if (value != NULL)
				*value = h->ev_value[i];
			return true;
		}
	return false;
}

static struct nc_cluster *
make_cb(uint8_t id, uint16_t port, uint16_t peer_port, struct heard *h, bool stall)
{
	struct nc_cluster_params p = {
		.id = id, .bind_addr = LO, .bind_port = port, .n_peers = 1,
		.secret = secret, .secret_len = sizeof(secret) - 1,
		.heartbeat_ms = HB, .dead_ms = DEAD, .epoch = 1000 + id,
		.detect_stall = stall, .event = heard_event, .rec = heard_rec, .cb_arg = h,
	};
	struct nc_cluster *c;
	int err;

	p.peer_addr[0] = LO;
	p.peer_port[0] = peer_port;
	c = nc_cluster_create(&p, 0, &err);
	assert_non_null(c);
	return c;
}

/* Wait for a datagram on <c> and take everything waiting. */
static void
take(struct nc_cluster *c, uint64_t now)
{
	struct pollfd pf = { .fd = nc_cluster_fd(c), .events = POLLIN };

	if (poll(&pf, 1, 200) > 0)
		nc_cluster_poll(c, now);
}

/*
 * Records of types 16 and up are the application's: sent in sync messages
 * (in order, batched until a flush) or in every heartbeat, and handed to the
 * receiver's callback with the sender's id; lower types are refused. A peer
 * heard is an event; a skipped sequence number is a gap of that many
 * messages; a peer silent for dead_ms is down.
 */
static void
test_app_records(void **state)
{
	struct heard h0, h1;
	struct nc_cluster *c0, *c1;
	uint16_t p0 = free_port(), p1 = free_port();
	uint8_t a[3] = { 1, 2, 3 }, b[5] = { 9, 8, 7, 6, 5 }, hb[2] = { 0x55, 0xaa };
	struct nc_cl_msg m;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	uint64_t v = 0;
	size_t len;

	(void)state;
	memset(&h0, 0, sizeof(h0));
	memset(&h1, 0, sizeof(h1));
	c0 = make_cb(0, p0, p1, &h0, false);
	c1 = make_cb(1, p1, p0, &h1, false);
	assert_int_equal(nc_cluster_send_rec(c0, NC_CL_REC_APP - 1, a, sizeof(a)), -EINVAL);
	/* sync messages go to live peers only: c1 is not heard yet */
	assert_int_equal(nc_cluster_send_rec(c0, 16, a, sizeof(a)), 0);
	nc_cluster_send_flush(c0);
	take(c1, 1);
	assert_int_equal(h1.n, 0);
	nc_cluster_heartbeat(c1, 1);
	take(c0, 1);
	assert_int_equal(nc_cluster_send_rec(c0, 16, a, sizeof(a)), 0);
	assert_int_equal(nc_cluster_send_rec(c0, 17, b, sizeof(b)), 0);
	nc_cluster_send_flush(c0);
	take(c1, 1);
	assert_int_equal(h1.n, 2);
	assert_int_equal(h1.msg_type[0], NC_CL_MSG_SYNC);
	assert_int_equal(h1.id[0], 0);
	assert_int_equal(h1.type[0], 16);
	assert_int_equal(h1.len[0], 3);
	assert_memory_equal(h1.val[0], a, 3);
	assert_int_equal(h1.type[1], 17);
	assert_memory_equal(h1.val[1], b, 5);
	/* a heartbeat record */
	assert_int_equal(nc_cluster_set_hb_rec(c0, 23, hb, sizeof(hb)), 0);
	nc_cluster_heartbeat(c0, 2);
	h1.n = 0;
	take(c1, 2);
	assert_int_equal(h1.n, 1);
	assert_int_equal(h1.msg_type[0], NC_CL_MSG_HEARTBEAT);
	assert_int_equal(h1.type[0], 23);
	assert_memory_equal(h1.val[0], hb, 2);
	assert_true(heard_ev(&h1, NC_CL_EV_PEER_UP, NULL));
	/* dropped again: the next heartbeat has none */
	assert_int_equal(nc_cluster_set_hb_rec(c0, 23, NULL, 0), 0);
	nc_cluster_heartbeat(c0, 3);
	h1.n = 0;
	take(c1, 3);
	assert_int_equal(h1.n, 0);
	/* a gap: c0 sent 1..5 (1, a sync message, not to c1); one numbered 9 */
	nc_cl_msg_init(&m, NC_CL_MSG_SYNC, 0, 1000);
	assert_int_equal(nc_cl_msg_add(&m, 16, a, sizeof(a)), 0);
	len = nc_cl_msg_seal(&m, 9, secret, sizeof(secret) - 1);
	sa.sin_addr.s_addr = htonl(LO);
	sa.sin_port = htons(p1);
	assert_int_equal(sendto(nc_cluster_fd(c0), m.buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)),
			 (ssize_t)len);
	take(c1, 4);
	assert_true(heard_ev(&h1, NC_CL_EV_GAP, &v));
	assert_int_equal(v, 3);
	{
		struct nc_cluster_counters k;

		nc_cluster_counters_get(c1, &k);
		assert_int_equal(k.gaps, 1);
	}
	/* silence: down */
	nc_cluster_poll(c1, 4 + DEAD + 1);
	assert_true(heard_ev(&h1, NC_CL_EV_PEER_DOWN, NULL));
	nc_cluster_free(c0);
	nc_cluster_free(c1);
}

/* A free UDP port on ::1 (bound once, then released). */
static uint16_t
free_port6(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	uint16_t port;

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin6_port);
	close(fd);
	return port;
}

static struct nc_cluster *
make6(uint8_t id, uint16_t port, uint16_t peer_port, struct heard *h)
{
	struct nc_cluster_params p = {
		.id = id, .family = AF_INET6, .bind_addr6 = { [15] = 1 }, .bind_port = port,
		.n_peers = 1, .peer_addr6 = { { [15] = 1 } }, .peer_port = { peer_port },
		.secret = secret, .secret_len = sizeof(secret) - 1,
		.heartbeat_ms = HB, .dead_ms = DEAD, .epoch = 1000 + id,
		.event = heard_event, .rec = heard_rec, .cb_arg = h,
	};
	struct nc_cluster *c;
	int err;

	c = nc_cluster_create(&p, 0, &err);
	assert_non_null(c);
	assert_int_equal(err, 0);
	return c;
}

/*
 * The channel over IPv6 ([::1]): the same messages, heartbeats bring the
 * peer up (its address IPv6 in the peer view), sync records arrive; a
 * message under another secret from the peer's own address, a truncated one
 * and a valid one from a port that is no peer's are counted drops, never a
 * peer's; an IPv6 address that is not ours refuses the bind with its errno.
 */
static void
test_ipv6_channel(void **state)
{
	static const uint8_t lo6[16] = { [15] = 1 };
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct heard h0, h1;
	struct nc_cluster *c0, *c1;
	struct nc_cluster_peer_info pi;
	struct nc_cluster_counters k;
	struct nc_cluster_params bad;
	uint16_t p0 = free_port6(), p1 = free_port6(), p2 = free_port6();
	uint8_t a[3] = { 1, 2, 3 };
	struct nc_cl_msg m;
	size_t len;
	int fd, err;

	(void)state;
	memset(&h0, 0, sizeof(h0));
	memset(&h1, 0, sizeof(h1));
	c0 = make6(0, p0, p1, &h0);
	c1 = make6(1, p1, p0, &h1);
	nc_cluster_heartbeat(c1, 1);
	take(c0, 1);
	nc_cluster_heartbeat(c0, 1);
	take(c1, 1);
	assert_true(heard_ev(&h0, NC_CL_EV_PEER_UP, NULL));
	assert_true(heard_ev(&h1, NC_CL_EV_PEER_UP, NULL));
	assert_int_equal(nc_cluster_peer_get(c0, 0, 1, &pi), 0);
	assert_int_equal(pi.family, AF_INET6);
	assert_memory_equal(pi.addr6, lo6, 16);
	assert_int_equal(pi.port, p1);
	assert_int_equal(pi.id, 1);
	assert_int_equal(pi.state, NC_PEER_UP);
	assert_int_equal(nc_cluster_send_rec(c0, 16, a, sizeof(a)), 0);
	nc_cluster_send_flush(c0);
	take(c1, 2);
	assert_int_equal(h1.n, 1);
	assert_int_equal(h1.msg_type[0], NC_CL_MSG_SYNC);
	assert_int_equal(h1.type[0], 16);
	assert_memory_equal(h1.val[0], a, 3);

	/* from c1's own address and port, under another secret: bad_auth */
	nc_cl_msg_init(&m, NC_CL_MSG_SYNC, 1, 1001);
	assert_int_equal(nc_cl_msg_add(&m, 16, a, sizeof(a)), 0);
	len = nc_cl_msg_seal(&m, 50, other_secret, sizeof(other_secret) - 1);
	sa.sin6_port = htons(p0);
	assert_int_equal(sendto(nc_cluster_fd(c1), m.buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)),
			 (ssize_t)len);
	/* truncated: malformed */
	assert_int_equal(sendto(nc_cluster_fd(c1), m.buf, 5, 0, (struct sockaddr *)&sa, sizeof(sa)), 5);
	/* valid, from a port that is no peer's: unknown_peer */
	len = nc_cl_msg_seal(&m, 51, secret, sizeof(secret) - 1);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	{
		struct sockaddr_in6 from = sa;

		from.sin6_port = htons(p2);
		assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	}
	assert_int_equal(sendto(fd, m.buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)len);
	close(fd);
	h0.n = 0;
	take(c0, 3);
	take(c0, 3);
	take(c0, 3);
	nc_cluster_counters_get(c0, &k);
	assert_int_equal(k.rx[NC_CL_RX_BAD_AUTH], 1);
	assert_int_equal(k.rx[NC_CL_RX_MALFORMED], 1);
	assert_int_equal(k.rx[NC_CL_RX_UNKNOWN_PEER], 1);
	assert_int_equal(h0.n, 0);   /* none of them handed on */
	assert_int_equal(nc_cluster_peer_get(c0, 0, 3, &pi), 0);
	assert_int_equal(pi.state, NC_PEER_UP);
	nc_cluster_free(c0);
	nc_cluster_free(c1);

	/* an address that is not ours */
	memset(&bad, 0, sizeof(bad));
	bad.id = 1;
	bad.family = AF_INET6;
	bad.bind_addr6[0] = 0xfd;
	bad.bind_addr6[15] = 9;
	bad.n_peers = 1;
	bad.peer_addr6[0][15] = 1;
	bad.peer_port[0] = p1;
	bad.secret = secret;
	bad.secret_len = sizeof(secret) - 1;
	bad.heartbeat_ms = HB;
	bad.dead_ms = DEAD;
	assert_null(nc_cluster_create(&bad, 0, &err));
	assert_int_equal(err, -EADDRNOTAVAIL);
}

/* With detect_stall, a poll more than dead_ms after the last is this
 * instance's stall: reported, and the peer's silence meanwhile is not held
 * against it. */
static void
test_stall(void **state)
{
	struct heard h0, h1;
	struct nc_cluster *c0, *c1;
	uint16_t p0 = free_port(), p1 = free_port();
	struct nc_cluster_peer_info pi;
	uint64_t v = 0;

	(void)state;
	memset(&h0, 0, sizeof(h0));
	memset(&h1, 0, sizeof(h1));
	c0 = make_cb(0, p0, p1, &h0, false);
	c1 = make_cb(1, p1, p0, &h1, true);
	nc_cluster_heartbeat(c0, 10);
	take(c1, 10);
	assert_int_equal(nc_cluster_peer_get(c1, 0, 10, &pi), 0);
	assert_int_equal(pi.state, NC_PEER_UP);
	nc_cluster_poll(c1, 10 + 3 * DEAD);
	assert_true(heard_ev(&h1, NC_CL_EV_STALLED, &v));
	assert_int_equal(v, 3 * DEAD);
	assert_int_equal(nc_cluster_peer_get(c1, 0, 10 + 3 * DEAD, &pi), 0);
	assert_int_equal(pi.state, NC_PEER_UP);
	assert_false(heard_ev(&h1, NC_CL_EV_PEER_DOWN, NULL));
	/* then silent for dead_ms of its own time: down */
	nc_cluster_poll(c1, 10 + 3 * DEAD + DEAD / 2);
	nc_cluster_poll(c1, 10 + 3 * DEAD + DEAD + 10);
	assert_true(heard_ev(&h1, NC_CL_EV_PEER_DOWN, NULL));
	nc_cluster_free(c0);
	nc_cluster_free(c1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_wire_check_pure),
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_ipv6_channel),
		cmocka_unit_test(test_rx_truncated_every_byte),
		cmocka_unit_test(test_rx_bit_flips),
		cmocka_unit_test(test_rx_reasons),
		cmocka_unit_test(test_heartbeats_up_down_stopping),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_digest_mismatch),
		cmocka_unit_test(test_merge_fast),
		cmocka_unit_test(test_merge_paper),
		cmocka_unit_test(test_merge_partial),
		cmocka_unit_test(test_rejoin_adopts),
		cmocka_unit_test(test_alone_goes_on),
		cmocka_unit_test(test_app_records),
		cmocka_unit_test(test_stall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
