/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for lib/cluster: the channel's receive side
 * (nc_cl_msg_check, the record walk and each record's handler), reached as a
 * real datagram on 127.0.0.1 through nc_cluster_poll().
 *
 * Per input, a fresh channel A (id 0, two services: web adaptive with 2
 * servers, dns with 3) and its peer B (id 1, the same services), each a real
 * nc_cluster on a socket of its own. The input is a list of steps:
 *   0 SEALED  type, id, seq step, epoch, u16 length, payload: a message with
 *             that payload (any record bytes), sealed with the cluster key
 *             as a real peer would, so the record parsers are reached
 *   1 RAW     u16 length, bytes: a datagram as is (the check's own paths)
 *   2 PEER    B's own heartbeat and measurements (the builders), flags byte
 *   3 TIME    one byte: the clock moves by that many * 10 ms, A polls
 * each datagram sent from B's socket to A, which polls after it. At the end
 * A merges and adopts for each service and its peers are read. Beyond no
 * crash, leak or sanitizer report: every datagram A received is counted under
 * exactly one verdict (the counters sum to what was sent); else abort().
 *
 * NC_FUZZ_WRITE_SEEDS=<dir>: write a seed corpus built by the channel's own
 * builders into <dir> and exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nc_cluster.h"

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "check failed: %s (line %d)\n", \
					#cond, __LINE__); abort(); } } while (0)

static const uint8_t key[] = "netchestra fuzz cluster key 0123456789";
#define KEY_LEN (sizeof(key) - 1)
#define LO      0x7f000001u

static const uint8_t digest_web[NC_CL_DIGEST_LEN] = "web digest 0001";
static const uint8_t digest_dns[NC_CL_DIGEST_LEN] = "dns digest 0002";

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void write_seeds(const char *dir);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("NC_FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (seeds != NULL) {
		write_seeds(seeds);
		exit(0);
	}
	return 0;
}

static uint16_t
port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	CHECK(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	return ntohs(sa.sin_port);
}

/* A (<id> 0) or B (<id> 1), bound to an ephemeral port of 127.0.0.1, the
 * other at <peer_port> (0: an address nobody answers, 127.0.0.2:9). */
static struct nc_cluster *
make(uint8_t id, uint16_t peer_port, uint64_t now)
{
	struct nc_cluster_params p = {
		.id = id, .bind_addr = LO, .n_peers = 1,
		.peer_addr = { peer_port != 0 ? LO : LO + 1 }, .peer_port = { peer_port != 0 ? peer_port : 9 },
		.secret = key, .secret_len = KEY_LEN, .heartbeat_ms = 100, .dead_ms = 300,
		.epoch = 1000 + id,
	};
	struct nc_cluster *c;
	int err;

	c = nc_cluster_create(&p, now, &err);
	CHECK(c != NULL);
	CHECK(nc_cluster_service_set(c, 0, "web", digest_web, 2, 1000) == 0);
	CHECK(nc_cluster_service_set(c, 1, "dns", digest_dns, 3, 0) == 0);
	nc_cluster_set_n_services(c, 2);
	return c;
}

/* Point A's only peer at B: A is made knowing B's port, B then learns A's. */
static void
make_pair(struct nc_cluster **a, struct nc_cluster **b, uint64_t now)
{
	struct nc_cluster *tmp = make(1, 0, now);
	uint16_t bport = port_of(nc_cluster_fd(tmp));

	*a = make(0, bport, now);
	/* B again, now knowing A: the same port (freed a moment ago) */
	nc_cluster_free(tmp);
	{
		struct nc_cluster_params p = {
			.id = 1, .bind_addr = LO, .bind_port = bport, .n_peers = 1,
			.peer_addr = { LO }, .peer_port = { port_of(nc_cluster_fd(*a)) },
			.secret = key, .secret_len = KEY_LEN, .heartbeat_ms = 100, .dead_ms = 300,
			.epoch = 1001,
		};
		int err;

		*b = nc_cluster_create(&p, now, &err);
		CHECK(*b != NULL);
		CHECK(nc_cluster_service_set(*b, 0, "web", digest_web, 2, 1000) == 0);
		CHECK(nc_cluster_service_set(*b, 1, "dns", digest_dns, 3, 0) == 0);
		nc_cluster_set_n_services(*b, 2);
	}
}

static void
send_to(struct nc_cluster *from, struct nc_cluster *to, const uint8_t *d, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(LO),
				  .sin_port = htons(port_of(nc_cluster_fd(to))) };

	CHECK(sendto(nc_cluster_fd(from), d, len, 0, (struct sockaddr *)&sa, sizeof(sa)) ==
	      (ssize_t)len);
}

static uint64_t
rx_total(const struct nc_cluster *c)
{
	struct nc_cluster_counters cnt;
	uint64_t n = 0;
	unsigned int i;

	nc_cluster_counters_get(c, &cnt);
	for (i = 0; i < NC_CL_RX_MAX; i++)
		n += cnt.rx[i];
	return n;
}

/* B's figures and weights for web's interval <k>, from <f> (any byte). */
static void
peer_figures(struct nc_cluster *b, uint64_t k, uint8_t f, uint64_t now)
{
	struct nc_rt_agg agg[2];
	struct nc_wset ws;
	struct nc_adapt_state ad;
	const uint8_t w[2] = { (uint8_t)(f % 101), (uint8_t)(100 - f % 101) };

	memset(agg, 0, sizeof(agg));
	agg[0].rt.count = f;
	agg[0].rt.sum_us = (uint64_t)f * 1000;
	agg[0].rt.hist[f % NC_RT_BUCKETS] = f;
	agg[1].probe_n = 3;
	agg[1].probe_sum_us = 900;
	nc_cluster_measure_put(b, 0, k, agg, 2, now);
	nc_wset_init(&ws, w, 2);
	memset(&ad, 0, sizeof(ad));
	ad.held = f & 1;
	ad.moves = f;
	nc_cluster_weights_set(b, 0, k, &ws, &ad);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nc_cluster *a, *b;
	uint64_t now = 5000, seq = 100, sent = 0;
	size_t o = 0;
	unsigned int s, i;

	make_pair(&a, &b, now);
	nc_cluster_poll(b, now);      /* B's first heartbeat to A */
	nc_cluster_poll(a, now);      /* A hears it, says its own */
	nc_cluster_poll(b, now);
	while (o < size) {
		uint8_t op = data[o++] & 3;

		if (op == 0 && size - o >= 6) {
			struct nc_cl_msg m;
			size_t plen = (size_t)data[o + 4] << 8 | data[o + 5], dlen;

			nc_cl_msg_init(&m, data[o], data[o + 1], 1001 + (data[o + 3] & 1));
			seq += (uint64_t)data[o + 2] - 1;   /* 0: a replay, 1: the next, more: a gap */
			o += 6;
			if (plen > size - o)
				plen = size - o;
			if (plen > NC_CL_MSG_MAX - NC_CL_HDR_LEN - NC_CL_MAC_LEN)
				plen = NC_CL_MSG_MAX - NC_CL_HDR_LEN - NC_CL_MAC_LEN;
			memcpy(m.buf + NC_CL_HDR_LEN, data + o, plen);
			m.len = NC_CL_HDR_LEN + plen;
			o += plen;
			dlen = nc_cl_msg_seal(&m, seq, key, KEY_LEN);
			CHECK(dlen == m.len + NC_CL_MAC_LEN);
			send_to(b, a, m.buf, dlen);
			sent++;
		} else if (op == 1 && size - o >= 2) {
			size_t len = (size_t)data[o] << 8 | data[o + 1];

			o += 2;
			if (len > size - o)
				len = size - o;
			if (len > NC_CL_MSG_MAX + 1)
				len = NC_CL_MSG_MAX + 1;
			send_to(b, a, data + o, len);
			o += len;
			sent++;
		} else if (op == 2 && o < size) {
			uint8_t f = data[o++];

			if (f & 0x80)
				nc_cluster_set_state(b, (enum nc_cluster_state)(NC_CLUSTER_READY + (f & 3) % 3));
			if (f & 0x40)
				peer_figures(b, nc_cluster_interval_of(b, 0, now) - (f & 1), f, now);
			nc_cluster_heartbeat(b, now);
		} else if (op == 3 && o < size) {
			now += (uint64_t)data[o++] * 10;
		} else {
			break;
		}
		nc_cluster_poll(a, now);
		nc_cluster_poll(b, now);
	}
	while (nc_cluster_poll(a, now) != 0)
		;
	for (s = 0; s < 2; s++) {
		struct nc_rt_agg agg[NC_MAX_SERVERS];
		struct nc_wset ws;
		struct nc_adapt_state ad;
		unsigned int contrib;
		uint64_t k;

		nc_cluster_merge(a, s, true, agg, &k, &contrib, now);
		nc_cluster_adopt(a, s, &ws, &ad, &k, now);
	}
	for (i = 0; i < (unsigned int)nc_cluster_n_peers(a); i++) {
		struct nc_cluster_peer_info pi;

		nc_cluster_peer_get(a, i, now, &pi);
	}
	/* every datagram A got has exactly one verdict: those of the input and
	 * what B sent itself (heartbeats, measurements) */
	{
		struct nc_cluster_counters cb;

		nc_cluster_counters_get(b, &cb);
		CHECK(cb.tx_failed == 0);
		CHECK(rx_total(a) == sent + cb.tx);
	}
	nc_cluster_free(a);
	nc_cluster_free(b);
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

/* What B's builders send A: a heartbeat with its state, digests and
 * weights, and its measurements; each datagram as a RAW step and its
 * payload as a SEALED step, then steps that make B speak itself. */
static void
write_seeds(const char *dir)
{
	static uint8_t d[NC_CL_MSG_MAX + 1], seed[NC_CL_MSG_MAX + 16];
	struct nc_cluster *a, *b;
	uint64_t now = 5000;
	unsigned int n = 0;
	char name[64];
	ssize_t len;

	make_pair(&a, &b, now);
	nc_cluster_set_state(b, NC_CLUSTER_DRAINING);
	{
		const uint8_t mac[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };

		nc_cluster_set_macs(b, mac, 2);
	}
	peer_figures(b, nc_cluster_interval_of(b, 0, now), 0x41, now);
	nc_cluster_heartbeat(b, now);
	while ((len = recv(nc_cluster_fd(a), d, sizeof(d), 0)) > 0) {
		seed[0] = 1;
		seed[1] = (uint8_t)(len >> 8);
		seed[2] = (uint8_t)len;
		memcpy(seed + 3, d, (size_t)len);
		snprintf(name, sizeof(name), "raw-%u-type%u", n, d[5]);
		seed_write(dir, name, seed, 3 + (size_t)len);
		seed[0] = 0;
		seed[1] = d[5];       /* type */
		seed[2] = d[7];       /* id */
		seed[3] = 1;          /* the next sequence number */
		seed[4] = 0;          /* B's epoch */
		seed[5] = d[8];       /* payload length */
		seed[6] = d[9];
		memcpy(seed + 7, d + NC_CL_HDR_LEN, (size_t)len - NC_CL_HDR_LEN - NC_CL_MAC_LEN);
		snprintf(name, sizeof(name), "sealed-%u-type%u", n, d[5]);
		seed_write(dir, name, seed, 7 + (size_t)len - NC_CL_HDR_LEN - NC_CL_MAC_LEN);
		n++;
	}
	nc_cluster_free(a);
	nc_cluster_free(b);
	/* B's figures, its heartbeats over time, a restart's epoch */
	{
		static const uint8_t steps[] = { 2, 0xc1, 3, 10, 2, 0x40, 3, 50, 2, 0x80, 3, 200,
						 0, 1, 1, 1, 1, 0, 0 };

		seed_write(dir, "peer-steps", steps, sizeof(steps));
	}
}
