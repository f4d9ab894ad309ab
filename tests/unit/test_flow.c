/* SPDX-License-Identifier: BSD-3-Clause
 * lib/flow: the per-worker flow table (add, lookup, bulk lookup, delete,
 * capacity), local ports (partition between workers, FIFO reuse, skip list,
 * exhaustion, several local IPs), the local port map and expiry.
 * Also the client-key tables' buckets: room made by moving an entry, a key
 * refused when there is none, nothing lost either way; IPv6 keys beside IPv4.
 * Needs the EAL (rte_hash, rte_malloc): --no-huge, no devices.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "nc_flow.h"

#define VIP_BE  RTE_BE32(0x0a000064)   /* 10.0.0.100 */

static unsigned int table_seq;

/* Client key number <i>: distinct source address and port, TCP or UDP. */
static struct nc_flow_key
key_of(uint32_t i, uint8_t proto)
{
	struct nc_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src_ip = rte_cpu_to_be_32(0xc0a80000u + (i >> 8));   /* 192.168.x.y */
	k.dst_ip = VIP_BE;
	k.src_port = rte_cpu_to_be_16((uint16_t)(20000 + (i & 0xff)));
	k.dst_port = RTE_BE16(80);
	k.proto = proto;
	return k;
}

struct table {
	struct nc_flow_table *t;
	uint32_t *map;
	uint16_t n_lips;
};

static void
table_open(struct table *tb, uint32_t capacity, uint16_t worker, uint16_t n_workers,
	   uint16_t n_lips, uint32_t *shared_map,
	   int (*skip)(uint16_t lip_idx, uint16_t port, void *arg), void *arg)
{
	char name[32];

	snprintf(name, sizeof(name), "tflow%u", table_seq++);
	tb->n_lips = n_lips;
	tb->map = shared_map != NULL ? shared_map : calloc((size_t)n_lips * 65536, sizeof(uint32_t));
	assert_non_null(tb->map);
	tb->t = nc_flow_table_create(name, capacity, SOCKET_ID_ANY, worker, n_workers, n_lips,
				     tb->map, skip, arg);
	if (tb->t == NULL)
		print_error("nc_flow_table_create: %s\n", rte_strerror(rte_errno));
	assert_non_null(tb->t);
}

static void
table_close(struct table *tb, int own_map)
{
	nc_flow_table_free(tb->t);
	if (own_map)
		free(tb->map);
}

static struct nc_flow *
add(struct table *tb, const struct nc_flow_key *k, int *err)
{
	static const uint16_t lip0[] = { 0 };
	uint16_t cursor = 0;

	*err = 0;
	return nc_flow_add(tb->t, k, nc_flow_hash(k), lip0, 1, &cursor, 0, NC_LPORT_ANY, err);
}

static int32_t
lookup(struct table *tb, const struct nc_flow_key *k)
{
	return nc_flow_lookup(tb->t, k, nc_flow_hash(k));
}

static int32_t
index_of(struct table *tb, const struct nc_flow *f)
{
	int32_t idx = lookup(tb, &f->key);

	assert_true(idx >= 0);
	assert_ptr_equal(nc_flow_at(tb->t, (uint32_t)idx), f);
	return idx;
}

/* ------------------------------------------------------------- basics */

static void
test_add_lookup_del(void **state)
{
	enum { N = 50 };
	struct table tb;
	struct nc_flow_key k[N];
	int32_t idx[N];
	uint16_t port[N];
	uint32_t i;
	int err;

	(void)state;
	table_open(&tb, 64, 0, 1, 1, NULL, NULL, NULL);
	assert_int_equal(nc_flow_capacity(tb.t), 64);
	for (i = 0; i < N; i++) {
		struct nc_flow *f;

		k[i] = key_of(i, i % 2 ? IPPROTO_UDP : IPPROTO_TCP);
		assert_int_equal(lookup(&tb, &k[i]), -ENOENT);
		f = add(&tb, &k[i], &err);
		assert_non_null(f);
		assert_memory_equal(&f->key, &k[i], sizeof(k[i]));
		assert_int_equal(f->lip_idx, 0);
		assert_int_equal(f->state, i % 2 ? NC_FLOW_UDP : NC_FLOW_SYN);
		port[i] = rte_be_to_cpu_16(f->lport);
		assert_true(port[i] >= NC_LPORT_MIN);
		idx[i] = index_of(&tb, f);
		assert_int_equal(nc_flow_count(tb.t), i + 1);
	}
	/* the same address and ports over another protocol are another flow */
	{
		struct nc_flow_key u = k[0];

		u.proto = IPPROTO_UDP;
		assert_int_equal(lookup(&tb, &u), -ENOENT);
	}
	for (i = 0; i < N; i++)
		for (uint32_t j = 0; j < i; j++) {
			assert_int_not_equal(idx[i], idx[j]);
			assert_int_not_equal(port[i], port[j]);
		}
	/* delete every third flow */
	for (i = 0; i < N; i += 3) {
		nc_flow_del(tb.t, (uint32_t)idx[i]);
		assert_int_equal(nc_flow_at(tb.t, (uint32_t)idx[i])->state, NC_FLOW_FREE);
	}
	for (i = 0; i < N; i++) {
		if (i % 3 == 0) {
			assert_int_equal(lookup(&tb, &k[i]), -ENOENT);
			assert_int_equal(nc_flow_by_lport(tb.t, 0, port[i]), -ENOENT);
		} else {
			assert_int_equal(lookup(&tb, &k[i]), idx[i]);
			assert_int_equal(nc_flow_by_lport(tb.t, 0, port[i]), idx[i]);
		}
	}
	assert_int_equal(nc_flow_count(tb.t), N - (N + 2) / 3);
	/* deleting a free slot again changes nothing */
	nc_flow_del(tb.t, (uint32_t)idx[0]);
	assert_int_equal(nc_flow_count(tb.t), N - (N + 2) / 3);
	table_close(&tb, 1);
}

/* Bulk lookup agrees with single lookups, hits and misses interleaved, for
 * every burst size a worker may pass (workers.burst goes up to 512). */
static void
test_lookup_bulk(void **state)
{
	enum { N = 600 };
	static const uint32_t sizes[] = { 1, 2, 31, 32, 63, 64, 65, 100, 512 };
	struct table tb;
	static struct nc_flow_key k[N];
	static const struct nc_flow_key *kp[N];
	static uint32_t h[N];
	static int32_t want[N], pos[N];
	uint32_t i, s;
	int err;

	(void)state;
	table_open(&tb, N, 0, 1, 1, NULL, NULL, NULL);
	for (i = 0; i < N; i++) {
		k[i] = key_of(i * 7 + 3, IPPROTO_TCP);
		kp[i] = &k[i];
		h[i] = nc_flow_hash(&k[i]);
		if (i % 4 == 1) {
			want[i] = -ENOENT;   /* never added */
			continue;
		}
		assert_non_null(add(&tb, &k[i], &err));
		want[i] = lookup(&tb, &k[i]);
		assert_true(want[i] >= 0);
	}
	for (s = 0; s < RTE_DIM(sizes); s++) {
		uint32_t n = sizes[s], bad = 0;

		for (i = 0; i < n; i++)
			pos[i] = 0x5a5a5a5a;
		nc_flow_lookup_bulk(tb.t, kp, h, n, pos);
		for (i = 0; i < n; i++)
			bad += pos[i] != want[i];
		if (bad != 0)
			print_error("bulk lookup of %u keys: %u wrong positions (pos[0] = %d, want %d)\n",
				    n, bad, pos[0], want[0]);
		assert_int_equal(bad, 0);
	}
	table_close(&tb, 1);
}

/* Exactly <capacity> flows, for capacities below, at and above rte_hash's
 * smallest table; a refused add leaves no trace; a freed slot is usable. */
static void
test_capacity(void **state)
{
	static const uint32_t caps[] = { 1, 5, 8, 9, 100, 1000, 5000 };
	unsigned int c;

	(void)state;
	for (c = 0; c < RTE_DIM(caps); c++) {
		uint32_t cap = caps[c], i, free_before;
		struct nc_flow_key extra = key_of(cap + 1000, IPPROTO_TCP);
		struct table tb;
		struct nc_flow *f;
		int err;

		table_open(&tb, cap, 0, 1, 1, NULL, NULL, NULL);
		for (i = 0; i < cap; i++) {
			struct nc_flow_key k = key_of(i, IPPROTO_UDP);

			f = add(&tb, &k, &err);
			if (f == NULL)
				print_error("capacity %u: add %u refused: %d\n", cap, i, err);
			assert_non_null(f);
		}
		assert_int_equal(nc_flow_count(tb.t), cap);
		free_before = nc_flow_free_lports(tb.t, 0);
		f = add(&tb, &extra, &err);
		assert_null(f);
		assert_int_equal(err, -ENOSPC);
		assert_int_equal(lookup(&tb, &extra), -ENOENT);
		assert_int_equal(nc_flow_count(tb.t), cap);
		assert_int_equal(nc_flow_free_lports(tb.t, 0), free_before);
		/* free one, then the refused flow fits */
		{
			struct nc_flow_key k0 = key_of(cap / 2, IPPROTO_UDP);

			nc_flow_del(tb.t, (uint32_t)lookup(&tb, &k0));
		}
		f = add(&tb, &extra, &err);
		assert_non_null(f);
		assert_int_equal(nc_flow_count(tb.t), cap);
		table_close(&tb, 1);
	}
}

/*
 * The client-key table's buckets (lib/flow/flow.c): a capacity of 64 gives 16
 * buckets of 8 ways. A key's primary bucket is its hash mixed and scaled to
 * the bucket count, its other one the primary plus an offset (1 .. 15) made
 * of its 16-bit signature, modulo 16; the two below are that layout, written
 * out to pick keys that crowd buckets 0 and 1.
 */
#define CAP_SMALL 64
#define N_BKT     16u

static uint32_t
bkt_primary(uint32_t h)
{
	return (uint32_t)((uint64_t)(h * 0x9e3779b1u) * N_BKT >> 32);
}

static uint32_t
bkt_other(uint32_t h)
{
	uint32_t sig = h >> 16 != 0 ? h >> 16 : 1;
	uint32_t off = 1 + (uint32_t)((uint64_t)(sig * 0x85ebca6bu) * (N_BKT - 1) >> 32);

	return (bkt_primary(h) + off) % N_BKT;
}

/* The next key from <*i> on whose buckets are <prim> and (unless -1) <other>,
 * or whose other bucket is not 0 or 1 (<other> == -2). */
static struct nc_flow_key
key_in(uint32_t *i, uint32_t prim, int other)
{
	for (;; (*i)++) {
		struct nc_flow_key k = key_of(*i, IPPROTO_TCP);
		uint32_t h = nc_flow_hash(&k);

		if (bkt_primary(h) != prim)
			continue;
		if ((other >= 0 && bkt_other(h) != (uint32_t)other) || (other == -2 && bkt_other(h) < 2))
			continue;
		(*i)++;
		return k;
	}
}

/* Every key of <k> found where it was added, one at a time and in bulk. */
static void
assert_all_found(struct table *tb, const struct nc_flow_key *k, const int32_t *want, uint32_t n)
{
	const struct nc_flow_key *kp[32];
	uint32_t h[32], i;
	int32_t pos[32];

	assert_true(n <= 32);
	for (i = 0; i < n; i++) {
		assert_int_equal(lookup(tb, &k[i]), want[i]);
		kp[i] = &k[i];
		h[i] = nc_flow_hash(&k[i]);
	}
	nc_flow_lookup_bulk(tb->t, kp, h, n, pos);
	for (i = 0; i < n; i++)
		assert_int_equal(pos[i], want[i]);
}

/* Both buckets of a key full: an entry of its primary one moves to its own
 * other bucket to make room; when every entry's other bucket is full too, the
 * add is refused (a full table to the caller) and no entry is lost. */
/* Keys <k>[0..n) added, each's slot in <want>. */
static void
add_all(struct table *tb, const struct nc_flow_key *k, int32_t *want, uint32_t n)
{
	struct nc_flow *f;
	uint32_t i;
	int err;

	for (i = 0; i < n; i++) {
		f = add(tb, &k[i], &err);
		assert_non_null(f);
		want[i] = index_of(tb, f);
	}
}

static void
test_bucket_room(void **state)
{
	struct nc_flow_key k[25];
	struct table tb;
	int32_t want[25];
	uint32_t i, n = 0, free_before;
	struct nc_flow *f;
	int err;

	(void)state;
	/* bucket 0: 8 keys whose other bucket is elsewhere; bucket 1: 8 keys;
	 * then a key of buckets 0 and 1, both full */
	table_open(&tb, CAP_SMALL, 0, 1, 1, NULL, NULL, NULL);
	for (i = 0; i < 8; i++)
		k[i] = key_in(&n, 0, -2);
	for (; i < 16; i++)
		k[i] = key_in(&n, 1, -1);
	k[16] = key_in(&n, 0, 1);
	add_all(&tb, k, want, 17);
	assert_all_found(&tb, k, want, 17);
	/* deleted and added again, in the other order */
	for (i = 0; i < 17; i++)
		nc_flow_del(tb.t, (uint32_t)want[i]);
	assert_int_equal(nc_flow_count(tb.t), 0);
	for (i = 17; i-- > 0;) {
		f = add(&tb, &k[i], &err);
		assert_non_null(f);
		want[i] = index_of(&tb, f);
	}
	assert_all_found(&tb, k, want, 17);
	table_close(&tb, 1);

	/* buckets 0 and 1 full of keys of those two buckets only: no room */
	table_open(&tb, CAP_SMALL, 0, 1, 1, NULL, NULL, NULL);
	n = 0;
	for (i = 0; i < 8; i++)
		k[i] = key_in(&n, 0, 1);
	for (; i < 16; i++)
		k[i] = key_in(&n, 1, 0);
	k[16] = key_in(&n, 0, 1);
	add_all(&tb, k, want, 16);
	free_before = nc_flow_free_lports(tb.t, 0);
	assert_null(add(&tb, &k[16], &err));
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(lookup(&tb, &k[16]), -ENOENT);
	assert_int_equal(nc_flow_count(tb.t), 16);
	assert_int_equal(nc_flow_free_lports(tb.t, 0), free_before);
	assert_all_found(&tb, k, want, 16);
	/* one leaves: the refused key fits */
	nc_flow_del(tb.t, (uint32_t)want[3]);
	f = add(&tb, &k[16], &err);
	assert_non_null(f);
	want[3] = index_of(&tb, f);
	k[3] = k[16];
	assert_all_found(&tb, k, want, 16);
	table_close(&tb, 1);

	/* an entry already in its other bucket moved again, back to its primary
	 * (below the other in the bucket order: the offset wraps round): bucket
	 * 1 full of its own keys, k[8] of buckets 1 and 0 goes to 0, which then
	 * fills with its own; bucket 2 full; one of bucket 1's leaves; a key of
	 * buckets 0 and 2 makes room in 0 by moving k[8] (its first way) home */
	table_open(&tb, CAP_SMALL, 0, 1, 1, NULL, NULL, NULL);
	n = 0;
	for (i = 0; i < 8; i++)
		k[i] = key_in(&n, 1, -2);
	k[8] = key_in(&n, 1, 0);
	for (i = 9; i < 16; i++)
		k[i] = key_in(&n, 0, -2);
	for (i = 16; i < 24; i++)
		k[i] = key_in(&n, 2, -2);
	k[24] = key_in(&n, 0, 2);
	add_all(&tb, k, want, 24);
	nc_flow_del(tb.t, (uint32_t)want[5]);
	k[5] = k[24];
	f = add(&tb, &k[5], &err);
	assert_non_null(f);
	want[5] = index_of(&tb, f);
	assert_all_found(&tb, k, want, 24);
	table_close(&tb, 1);
}

/* Adds and deletes at random up to a full table (half of every bucket's ways
 * on average, so that keys spill into their other buckets and move), checked
 * against a model: each key present found at its slot, one at a time and in
 * bulk, each key absent not found; a table emptied finds nothing. */
#define CHURN_CAP  4096
#define CHURN_KEYS (CHURN_CAP + 256)
static void
test_churn(void **state)
{
	static struct nc_flow_key k[CHURN_KEYS];
	static int32_t at[CHURN_KEYS];   /* the key's slot, -1: absent */
	const struct nc_flow_key *kp[32];
	uint32_t h[32], i, op, n = 0, j;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct table tb;
	int32_t pos[32];
	struct nc_flow *f;
	int err;

	(void)state;
	table_open(&tb, CHURN_CAP, 0, 1, 1, NULL, NULL, NULL);
	for (i = 0; i < CHURN_KEYS; i++) {
		/* addresses and ports at random: the CRC of keys counted up
		 * spreads them over the buckets too evenly to ever spill */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k[i] = key_of(0, IPPROTO_UDP);
		k[i].src_ip = (uint32_t)x;
		k[i].src_port = (uint16_t)(x >> 32);
		at[i] = -1;
	}
	for (op = 0; op < 60000; op++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (uint32_t)(x % CHURN_KEYS);
		if (at[i] >= 0 && (x >> 32) % 4 == 0) {   /* mostly near full */
			nc_flow_del(tb.t, (uint32_t)at[i]);
			at[i] = -1;
			n--;
		} else if (at[i] < 0 && n < CHURN_CAP) {
			f = add(&tb, &k[i], &err);
			assert_non_null(f);
			at[i] = index_of(&tb, f);
			n++;
		}
		if (op % 3000 != 2999)
			continue;
		assert_int_equal(nc_flow_count(tb.t), n);
		for (i = 0; i < CHURN_KEYS; i += j) {
			for (j = 0; j < 32 && i + j < CHURN_KEYS; j++) {
				assert_int_equal(lookup(&tb, &k[i + j]), at[i + j] >= 0 ? at[i + j] : -ENOENT);
				kp[j] = &k[i + j];
				h[j] = nc_flow_hash(&k[i + j]);
			}
			nc_flow_lookup_bulk(tb.t, kp, h, j, pos);
			while (j-- > 0)
				assert_int_equal(pos[j], at[i + j] >= 0 ? at[i + j] : -ENOENT);
			j = 32;
		}
	}
	for (i = 0; i < CHURN_KEYS; i++)
		if (at[i] >= 0)
			nc_flow_del(tb.t, (uint32_t)at[i]);
	assert_int_equal(nc_flow_count(tb.t), 0);
	for (i = 0; i < CHURN_KEYS; i++)
		assert_int_equal(lookup(&tb, &k[i]), -ENOENT);
	table_close(&tb, 1);
}

/*
 * Free slots are taken from where the last one was taken, going up and round
 * the end, whatever order flows closed in: a table filled (slots 0, 1, 2, ...
 * in turn), a random third of its flows closed, then as many new ones - each
 * in a slot freed, the freed ones of the last word first (the last taken was
 * there), then from slot 0 up - and the table is full again. 5000 slots: 79
 * words of a bit each, under two summary words.
 */
#define SLOTS_CAP 5000

static void
test_free_slots(void **state)
{
	static uint8_t freed[SLOTS_CAP];
	static int32_t want[SLOTS_CAP];
	uint64_t x = 0x2545f4914f6cdd1dull;
	uint32_t i, n_freed = 0, n_want = 0, last_word = (SLOTS_CAP - 1) / 64 * 64;
	struct nc_flow_key extra = key_of(3 * SLOTS_CAP, IPPROTO_UDP);
	struct table tb;
	struct nc_flow *f;
	int err;

	(void)state;
	table_open(&tb, SLOTS_CAP, 0, 1, 1, NULL, NULL, NULL);
	for (i = 0; i < SLOTS_CAP; i++) {
		struct nc_flow_key k = key_of(i, IPPROTO_UDP);

		f = add(&tb, &k, &err);
		assert_non_null(f);
		assert_int_equal(index_of(&tb, f), i);
	}
	for (i = 0; i < SLOTS_CAP; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x % 3 != 0)
			continue;
		nc_flow_del(tb.t, i);
		freed[i] = 1;
		n_freed++;
	}
	for (i = last_word; i < SLOTS_CAP; i++)
		if (freed[i])
			want[n_want++] = (int32_t)i;
	for (i = 0; i < last_word; i++)
		if (freed[i])
			want[n_want++] = (int32_t)i;
	assert_int_equal(n_want, n_freed);
	assert_int_equal(nc_flow_count(tb.t), SLOTS_CAP - n_freed);
	for (i = 0; i < n_freed; i++) {
		struct nc_flow_key k = key_of(SLOTS_CAP + i, IPPROTO_UDP);

		f = add(&tb, &k, &err);
		assert_non_null(f);
		assert_int_equal(index_of(&tb, f), want[i]);
	}
	assert_int_equal(nc_flow_count(tb.t), SLOTS_CAP);
	assert_null(add(&tb, &extra, &err));
	assert_int_equal(err, -ENOSPC);
	table_close(&tb, 1);
}

/* IPv6 client key number <i>: 2001:db8::<i>, port 20000 + (i & 0xff). */
static struct nc_flow6_key
key6_of(uint32_t i)
{
	struct nc_flow6_key k;

	memset(&k, 0, sizeof(k));
	k.src_ip[0] = 0x20;
	k.src_ip[1] = 0x01;
	k.src_ip[2] = 0x0d;
	k.src_ip[3] = 0xb8;
	k.src_ip[12] = (uint8_t)(i >> 24);
	k.src_ip[13] = (uint8_t)(i >> 16);
	k.src_ip[14] = (uint8_t)(i >> 8);
	k.src_ip[15] = (uint8_t)i;
	k.dst_ip[0] = 0xfd;
	k.dst_ip[15] = 1;
	k.src_port = rte_cpu_to_be_16((uint16_t)(20000 + (i & 0xff)));
	k.dst_port = RTE_BE16(80);
	k.proto = IPPROTO_TCP;
	return k;
}

/* IPv6 flows beside IPv4 ones, one capacity over both: each family's keys
 * found in their own slots only, deleted and taken over (adopted) alike. */
static void
test_v6_keys(void **state)
{
	enum { N = 400 };
	static const uint16_t lip0[] = { 0 };
	static int32_t i4[N], i6[N];
	struct table tb;
	struct nc_flow *f;
	uint16_t cursor = 0;
	uint32_t i;
	int err;

	(void)state;
	table_open(&tb, 2 * N, 0, 1, 1, NULL, NULL, NULL);
	assert_int_equal(nc_flow_table_add_v6(tb.t, SOCKET_ID_ANY), 0);
	for (i = 0; i < N; i++) {
		struct nc_flow6_key k6 = key6_of(i);
		struct nc_flow_key k = key_of(i, IPPROTO_TCP);

		f = nc_flow6_add(tb.t, &k6, nc_flow6_hash(&k6), lip0, 1, &cursor, 0, NC_LPORT_ANY, &err);
		assert_non_null(f);
		i6[i] = (int32_t)nc_flow_index(tb.t, f);
		assert_true(i6[i] >= (int32_t)(nc_flow_slots(tb.t) / 2));
		assert_memory_equal(nc_flow6_addr_at(tb.t, (uint32_t)i6[i])->client, k6.src_ip, 16);
		f = add(&tb, &k, &err);
		assert_non_null(f);
		i4[i] = index_of(&tb, f);
		assert_null(nc_flow6_addr_at(tb.t, (uint32_t)i4[i]));
	}
	assert_int_equal(nc_flow_count(tb.t), 2 * N);
	/* full over both families */
	{
		struct nc_flow6_key k6 = key6_of(N);

		assert_null(nc_flow6_add(tb.t, &k6, nc_flow6_hash(&k6), lip0, 1, &cursor, 0,
					 NC_LPORT_ANY, &err));
		assert_int_equal(err, -ENOSPC);
	}
	for (i = 0; i < N; i++) {
		struct nc_flow6_key k6 = key6_of(i);

		assert_int_equal(nc_flow6_lookup(tb.t, &k6, nc_flow6_hash(&k6)), i6[i]);
	}
	/* every other IPv6 flow closes: gone, the rest and the IPv4 ones stay */
	for (i = 0; i < N; i += 2)
		nc_flow_del(tb.t, (uint32_t)i6[i]);
	for (i = 0; i < N; i++) {
		struct nc_flow6_key k6 = key6_of(i);
		struct nc_flow_key k = key_of(i, IPPROTO_TCP);

		assert_int_equal(nc_flow6_lookup(tb.t, &k6, nc_flow6_hash(&k6)), i % 2 ? i6[i] : -ENOENT);
		assert_int_equal(lookup(&tb, &k), i4[i]);
	}
	/* taken over with its own port; a second time refused */
	{
		struct nc_flow6_key k6 = key6_of(0);
		uint16_t port = 60000;

		f = nc_flow6_adopt(tb.t, &k6, nc_flow6_hash(&k6), 0, port, &err);
		assert_non_null(f);
		assert_int_equal(nc_flow6_lookup(tb.t, &k6, nc_flow6_hash(&k6)),
				 (int32_t)nc_flow_index(tb.t, f));
		assert_int_equal(nc_flow_by_lport(tb.t, 0, port), (int32_t)nc_flow_index(tb.t, f));
		assert_null(nc_flow6_adopt(tb.t, &k6, nc_flow6_hash(&k6), 0, 60002, &err));
		assert_int_equal(err, -EEXIST);
	}
	table_close(&tb, 1);
}

/* -------------------------------------------------------- local ports */

static uint32_t
ports_of_worker(uint16_t w, uint16_t n)
{
	uint32_t p, c = 0;

	for (p = NC_LPORT_MIN; p <= NC_LPORT_MAX; p++)
		c += p % n == w;
	return c;
}

/* Worker w of n owns exactly the ports p % n == w, handed out in ascending
 * order from a fresh table, until none is left. */
static void
test_lport_partition(void **state)
{
	static const uint16_t nw[] = { 1, 2, 3, 4, 7 };
	unsigned int c;

	(void)state;
	for (c = 0; c < RTE_DIM(nw); c++) {
		uint16_t n = nw[c], w;

		for (w = 0; w < n; w++) {
			struct table tb;
			uint32_t want = ports_of_worker(w, n), i, expect_port;
			int err;

			table_open(&tb, 16, w, n, 1, NULL, NULL, NULL);
			assert_int_equal(nc_flow_free_lports(tb.t, 0), want);
			expect_port = NC_LPORT_MIN;
			while (expect_port % n != w)
				expect_port++;
			for (i = 0; i < 16; i++) {
				struct nc_flow_key k = key_of(i, IPPROTO_TCP);
				struct nc_flow *f = add(&tb, &k, &err);

				assert_non_null(f);
				assert_int_equal(rte_be_to_cpu_16(f->lport), expect_port);
				expect_port += n;
			}
			assert_int_equal(nc_flow_free_lports(tb.t, 0), want - 16);
			table_close(&tb, 1);
		}
	}
}

/* Take every port of worker 3 of 4: all distinct and owned, then NC_ENOPORTS;
 * a freed port is the only one to come back. */
static void
test_lport_exhaustion(void **state)
{
	const uint16_t n = 4, w = 3;
	uint32_t want = ports_of_worker(w, n), i;
	static uint8_t seen[65536];
	struct nc_flow_key k;
	struct table tb;
	struct nc_flow *f;
	int err;

	(void)state;
	memset(seen, 0, sizeof(seen));
	table_open(&tb, want + 100, w, n, 1, NULL, NULL, NULL);
	for (i = 0; i < want; i++) {
		uint16_t p;

		k = key_of(i, IPPROTO_UDP);
		f = add(&tb, &k, &err);
		assert_non_null(f);
		p = rte_be_to_cpu_16(f->lport);
		assert_int_equal(p % n, w);
		assert_true(p >= NC_LPORT_MIN);
		assert_int_equal(seen[p], 0);
		seen[p] = 1;
	}
	assert_int_equal(nc_flow_free_lports(tb.t, 0), 0);
	k = key_of(want, IPPROTO_UDP);
	assert_null(add(&tb, &k, &err));
	assert_int_equal(err, -NC_ENOPORTS);
	assert_int_equal(lookup(&tb, &k), -ENOENT);
	assert_int_equal(nc_flow_count(tb.t), want);
	/* free flow 1234's port: the next flow gets exactly that port */
	{
		struct nc_flow_key k1 = key_of(1234, IPPROTO_UDP);
		int32_t idx = lookup(&tb, &k1);
		uint16_t p = rte_be_to_cpu_16(nc_flow_at(tb.t, (uint32_t)idx)->lport);

		nc_flow_del(tb.t, (uint32_t)idx);
		assert_int_equal(nc_flow_free_lports(tb.t, 0), 1);
		f = add(&tb, &k, &err);
		assert_non_null(f);
		assert_int_equal(rte_be_to_cpu_16(f->lport), p);
	}
	table_close(&tb, 1);
}

/* Allow only ports [lo, lo + n) on each local IP. */
struct allow {
	uint16_t lo[2];
	uint16_t n[2];
	unsigned int calls;
	unsigned int bad_lip;
};

static int
skip_outside(uint16_t lip_idx, uint16_t port, void *arg)
{
	struct allow *a = arg;

	a->calls++;
	if (lip_idx > 1) {
		a->bad_lip++;
		return 1;
	}
	return !(port >= a->lo[lip_idx] && port < a->lo[lip_idx] + a->n[lip_idx]);
}

/* A freed port is reused last (FIFO), the skip callback is honoured and
 * called with each local IP and the caller's argument. */
static void
test_lport_fifo_and_skip(void **state)
{
	struct allow a = { .lo = { 5000, 0 }, .n = { 8, 0 } };
	struct nc_flow_key k[16];
	int32_t idx[16];
	struct table tb;
	struct nc_flow *f;
	uint16_t got[16];
	unsigned int i;
	int err;

	(void)state;
	table_open(&tb, 64, 0, 1, 1, NULL, skip_outside, &a);
	assert_int_equal(a.calls, NC_LPORT_MAX - NC_LPORT_MIN + 1);
	assert_int_equal(a.bad_lip, 0);
	assert_int_equal(nc_flow_free_lports(tb.t, 0), 8);
	for (i = 0; i < 4; i++) {
		k[i] = key_of(i, IPPROTO_TCP);
		f = add(&tb, &k[i], &err);
		assert_non_null(f);
		assert_int_equal(rte_be_to_cpu_16(f->lport), 5000 + i);
		idx[i] = index_of(&tb, f);
	}
	/* free 5001, then 5003: they come back after 5004..5007, in that order */
	nc_flow_del(tb.t, (uint32_t)idx[1]);
	nc_flow_del(tb.t, (uint32_t)idx[3]);
	for (i = 4; i < 10; i++) {
		k[i] = key_of(i, IPPROTO_TCP);
		f = add(&tb, &k[i], &err);
		assert_non_null(f);
		got[i] = rte_be_to_cpu_16(f->lport);
	}
	assert_int_equal(got[4], 5004);
	assert_int_equal(got[5], 5005);
	assert_int_equal(got[6], 5006);
	assert_int_equal(got[7], 5007);
	assert_int_equal(got[8], 5001);
	assert_int_equal(got[9], 5003);
	/* all 8 taken */
	k[10] = key_of(10, IPPROTO_TCP);
	assert_null(add(&tb, &k[10], &err));
	assert_int_equal(err, -NC_ENOPORTS);
	assert_int_equal(nc_flow_count(tb.t), 8);
	table_close(&tb, 1);
}

/* Several local IPs: flows take them in turn from the service's cursor; an
 * exhausted IP is passed over; the port map tells (IP, port) -> flow. */
static void
test_lips_round_robin(void **state)
{
	struct allow a = { .lo = { 3000, 4000 }, .n = { 4, 2 } };
	static const uint16_t lips[] = { 0, 1 };
	static const uint16_t only1[] = { 1 };
	struct table tb;
	struct nc_flow *f;
	uint16_t cursor = 0;
	unsigned int i;
	int err;
	/* lip 0 gives 3000..3003, lip 1 gives 4000..4001 */
	static const struct { uint16_t lip, port; } want[] = {
		{ 0, 3000 }, { 1, 4000 }, { 0, 3001 }, { 1, 4001 }, { 0, 3002 }, { 0, 3003 },
	};

	(void)state;
	table_open(&tb, 64, 0, 1, 2, NULL, skip_outside, &a);
	assert_int_equal(nc_flow_free_lports(tb.t, 0), 4);
	assert_int_equal(nc_flow_free_lports(tb.t, 1), 2);
	assert_int_equal(nc_flow_free_lports(tb.t, 2), 0);
	for (i = 0; i < RTE_DIM(want); i++) {
		struct nc_flow_key k = key_of(i, IPPROTO_UDP);
		int32_t idx;

		f = nc_flow_add(tb.t, &k, nc_flow_hash(&k), lips, 2, &cursor, 0, NC_LPORT_ANY, &err);
		assert_non_null(f);
		assert_int_equal(f->lip_idx, want[i].lip);
		assert_int_equal(rte_be_to_cpu_16(f->lport), want[i].port);
		idx = index_of(&tb, f);
		assert_int_equal(nc_flow_by_lport(tb.t, want[i].lip, want[i].port), idx);
		/* the same port number on the other IP is not this flow */
		assert_int_not_equal(nc_flow_by_lport(tb.t, (uint16_t)(1 - want[i].lip),
						      want[i].port), idx);
	}
	{
		struct nc_flow_key k = key_of(100, IPPROTO_UDP);

		assert_null(nc_flow_add(tb.t, &k, nc_flow_hash(&k), lips, 2, &cursor, 0, NC_LPORT_ANY, &err));
		assert_int_equal(err, -NC_ENOPORTS);
		/* a service with only IP 1 */
		cursor = 0;
		assert_null(nc_flow_add(tb.t, &k, nc_flow_hash(&k), only1, 1, &cursor, 0, NC_LPORT_ANY, &err));
		assert_int_equal(err, -NC_ENOPORTS);
		/* free 4001 on IP 1: a service limited to IP 1 gets it */
		nc_flow_del(tb.t, (uint32_t)nc_flow_by_lport(tb.t, 1, 4001));
		f = nc_flow_add(tb.t, &k, nc_flow_hash(&k), only1, 1, &cursor, 0, NC_LPORT_ANY, &err);
		assert_non_null(f);
		assert_int_equal(f->lip_idx, 1);
		assert_int_equal(rte_be_to_cpu_16(f->lport), 4001);
	}
	/* out-of-range IP index and unused ports map to nothing */
	assert_int_equal(nc_flow_by_lport(tb.t, 2, 3000), -ENOENT);
	assert_int_equal(nc_flow_by_lport(tb.t, 0, 3999), -ENOENT);
	table_close(&tb, 1);
}

/* Two workers share one port map: each writes only its own ports. */
static void
test_lport_map_shared(void **state)
{
	uint32_t *map = calloc(65536, sizeof(uint32_t));
	struct table t0, t1;
	unsigned int i;
	int err;

	(void)state;
	assert_non_null(map);
	table_open(&t0, 64, 0, 2, 1, map, NULL, NULL);
	table_open(&t1, 64, 1, 2, 1, map, NULL, NULL);
	for (i = 0; i < 20; i++) {
		struct nc_flow_key k = key_of(i, IPPROTO_TCP);
		struct table *tb = i % 2 ? &t1 : &t0;
		struct nc_flow *f = add(tb, &k, &err);
		uint16_t p;

		assert_non_null(f);
		p = rte_be_to_cpu_16(f->lport);
		assert_int_equal(p % 2, i % 2);
		assert_int_equal(nc_flow_by_lport(tb->t, 0, p), index_of(tb, f));
	}
	for (i = 0; i < 20; i++) {
		struct nc_flow_key k = key_of(i, IPPROTO_TCP);
		struct table *tb = i % 2 ? &t1 : &t0, *other = i % 2 ? &t0 : &t1;

		assert_int_equal(lookup(other, &k), -ENOENT);
		assert_true(lookup(tb, &k) >= 0);
	}
	table_close(&t0, 0);
	table_close(&t1, 0);
	free(map);
}

/* ------------------------------------------------------------- expiry */

struct closed {
	unsigned int n;
	struct nc_flow_key key[64];
	uint8_t state[64];
};

static void
on_close(const struct nc_flow *f, void *arg)
{
	struct closed *c = arg;

	/* the flow is still whole when the callback sees it */
	assert_int_not_equal(f->state, NC_FLOW_FREE);
	if (c->n < RTE_DIM(c->key)) {
		c->key[c->n] = f->key;
		c->state[c->n] = f->state;
	}
	c->n++;
}

static int
closed_has(const struct closed *c, const struct nc_flow_key *k)
{
	unsigned int i;

	for (i = 0; i < c->n && i < RTE_DIM(c->key); i++)
		if (memcmp(&c->key[i], k, sizeof(*k)) == 0)
			return 1;
	return 0;
}

/* Only flows whose expire_ms has passed close, each reported once; their
 * ports return to the pool; the rest stay. */
static void
test_expire(void **state)
{
	enum { CAP = 32, N = 20 };
	struct closed c = { 0 };
	struct nc_flow_key k[N];
	struct table tb;
	uint32_t i, free0;
	int err;

	(void)state;
	table_open(&tb, CAP, 0, 1, 1, NULL, NULL, NULL);
	free0 = nc_flow_free_lports(tb.t, 0);
	for (i = 0; i < N; i++) {
		struct nc_flow *f;

		k[i] = key_of(i, IPPROTO_TCP);
		f = add(&tb, &k[i], &err);
		assert_non_null(f);
		f->expire_ms = 1000 + i * 10;
	}
	/* nothing due yet */
	assert_int_equal(nc_flow_expire(tb.t, 999, CAP, on_close, &c), 0);
	assert_int_equal(c.n, 0);
	/* at 1095: flows 0..9 (expire 1000..1090) are due */
	assert_int_equal(nc_flow_expire(tb.t, 1095, CAP, on_close, &c), 10);
	assert_int_equal(c.n, 10);
	for (i = 0; i < N; i++) {
		if (i < 10) {
			assert_true(closed_has(&c, &k[i]));
			assert_int_equal(lookup(&tb, &k[i]), -ENOENT);
		} else {
			assert_false(closed_has(&c, &k[i]));
			assert_true(lookup(&tb, &k[i]) >= 0);
		}
	}
	assert_int_equal(nc_flow_count(tb.t), N - 10);
	assert_int_equal(nc_flow_free_lports(tb.t, 0), free0 - (N - 10));
	/* a second pass at the same time closes nothing more */
	assert_int_equal(nc_flow_expire(tb.t, 1095, CAP, on_close, &c), 0);
	/* exactly at the deadline counts as passed */
	assert_int_equal(nc_flow_expire(tb.t, 1100, CAP, on_close, &c), 1);
	assert_true(closed_has(&c, &k[10]));
	/* without a callback */
	assert_int_equal(nc_flow_expire(tb.t, 5000, CAP, NULL, NULL), N - 11);
	assert_int_equal(nc_flow_count(tb.t), 0);
	assert_int_equal(nc_flow_free_lports(tb.t, 0), free0);
	assert_int_equal(c.n, 11);
	table_close(&tb, 1);
}

/* The budget bounds the slots checked per call; the scan resumes where it
 * stopped and a full round closes everything due. */
static void
test_expire_budget(void **state)
{
	enum { CAP = 64 };
	struct closed c = { 0 };
	struct table tb;
	uint32_t i, total = 0, calls = 0, r;
	int err;

	(void)state;
	table_open(&tb, CAP, 0, 1, 1, NULL, NULL, NULL);
	for (i = 0; i < CAP; i++) {
		struct nc_flow_key k = key_of(i, IPPROTO_UDP);
		struct nc_flow *f = add(&tb, &k, &err);

		assert_non_null(f);
		f->expire_ms = i % 2 ? 100 : 1000000;   /* half of them due at 100 */
	}
	while (calls < CAP / 4) {
		r = nc_flow_expire(tb.t, 200, 4, on_close, &c);
		assert_true(r <= 4);
		total += r;
		calls++;
	}
	/* CAP/4 calls of 4 slots cover the whole table once */
	assert_int_equal(total, CAP / 2);
	assert_int_equal(c.n, CAP / 2);
	assert_int_equal(nc_flow_count(tb.t), CAP / 2);
	table_close(&tb, 1);
}

/* The clock is a wrapping 32-bit millisecond counter. */
static void
test_expire_wraps(void **state)
{
	struct nc_flow_key a = key_of(1, IPPROTO_TCP), b = key_of(2, IPPROTO_TCP);
	struct closed c = { 0 };
	struct table tb;
	struct nc_flow *f;
	int err;

	(void)state;
	table_open(&tb, 8, 0, 1, 1, NULL, NULL, NULL);
	f = add(&tb, &a, &err);
	assert_non_null(f);
	f->expire_ms = 0xfffffff0u;         /* due just before the wrap */
	f = add(&tb, &b, &err);
	assert_non_null(f);
	f->expire_ms = 0x00000010u;         /* due just after it */
	assert_int_equal(nc_flow_expire(tb.t, 0xffffff00u, 8, on_close, &c), 0);
	assert_int_equal(nc_flow_expire(tb.t, 0x00000005u, 8, on_close, &c), 1);
	assert_true(closed_has(&c, &a));
	assert_int_equal(nc_flow_expire(tb.t, 0x00000010u, 8, on_close, &c), 1);
	assert_true(closed_has(&c, &b));
	table_close(&tb, 1);
}

static void
test_create_invalid(void **state)
{
	uint32_t *map = calloc(65536, sizeof(uint32_t));

	(void)state;
	assert_non_null(map);
	assert_null(nc_flow_table_create("tbad0", 0, SOCKET_ID_ANY, 0, 1, 1, map, NULL, NULL));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(nc_flow_table_create("tbad1", 8, SOCKET_ID_ANY, 2, 2, 1, map, NULL, NULL));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(nc_flow_table_create("tbad2", 8, SOCKET_ID_ANY, 0, 0, 1, map, NULL, NULL));
	assert_int_equal(rte_errno, EINVAL);
	free(map);
}

/* Same key, same hash; different keys differ (a sanity check of the mix). */
static void
test_hash(void **state)
{
	struct nc_flow_key a = key_of(1, IPPROTO_TCP), b = a;
	unsigned int i, same = 0;

	(void)state;
	assert_int_equal(nc_flow_hash(&a), nc_flow_hash(&b));
	for (i = 0; i < 1000; i++) {
		struct nc_flow_key x = key_of(i, IPPROTO_TCP), y = key_of(i + 1, IPPROTO_TCP);

		same += nc_flow_hash(&x) == nc_flow_hash(&y);
	}
	assert_int_equal(same, 0);
	b.proto = IPPROTO_UDP;
	assert_int_not_equal(nc_flow_hash(&a), nc_flow_hash(&b));
}

static int
eal_setup(void **state)
{
	char *argv[] = { "test", "--no-huge", "-m", "256", "--no-pci", "-l", "0", "--no-shconf",
			 "--file-prefix", "nctestflow", "--log-level", "lib.eal:error", NULL };

	(void)state;
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		print_error("rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
eal_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

/* Add and at once delete one flow of <proto> on local IP <lip> of <tb>, to a
 * server of rest bit <rest>; its port. */
static uint16_t
churn_to(struct table *tb, uint16_t lip, uint8_t proto, uint8_t rest)
{
	const uint16_t lips[] = { lip };
	struct nc_flow_key k = key_of(7, proto);
	uint16_t cursor = 0, port;
	struct nc_flow *f;
	int err = 0;

	f = nc_flow_add(tb->t, &k, nc_flow_hash(&k), lips, 1, &cursor, rest, NC_LPORT_ANY, &err);
	assert_non_null(f);
	assert_int_equal(f->rest, rest);
	port = rte_be_to_cpu_16(f->lport);
	nc_flow_del(tb->t, (uint32_t)lookup(tb, &k));
	return port;
}

static uint16_t
churn(struct table *tb, uint16_t lip, uint8_t proto)
{
	return churn_to(tb, lip, proto, 0);
}

/* A TCP flow on local IP <lip> that stays open; returns its port. */
static uint16_t
churn_keep(struct table *tb, uint16_t lip)
{
	static uint32_t seq = 1000;
	const uint16_t lips[] = { lip };
	struct nc_flow_key k = key_of(seq++, IPPROTO_TCP);
	uint16_t cursor = 0;
	struct nc_flow *f;
	int err = 0;

	f = nc_flow_add(tb->t, &k, nc_flow_hash(&k), lips, 1, &cursor, 0, NC_LPORT_ANY, &err);
	assert_non_null(f);
	return rte_be_to_cpu_16(f->lport);
}

/* A port freed by a TCP flow rests tcp_timewait before another TCP flow gets
 * it while a rested port is free elsewhere; when none is, the oldest is taken
 * and counted. UDP flows take any port. A fresh table starts its port order
 * where the wall clock says (restarts). */
static void
test_lport_rest(void **state)
{
	const uint32_t n_ports = NC_LPORT_MAX - NC_LPORT_MIN + 1;
	const uint16_t both[] = { 0, 1 };
	struct nc_flow_key k;
	struct table tb;
	struct nc_flow *f;
	uint16_t cursor = 0, first, second;
	uint32_t i;
	int err;

	(void)state;
	table_open(&tb, 16, 0, 1, 2, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 3005);   /* 5 ms into a 1000 ms round */
	nc_flow_set_clock(tb.t, 5000);
	/* rotated start; then every port of local IP 0 used once at t=5000 */
	first = churn(&tb, 0, IPPROTO_TCP);
	assert_int_equal(first, NC_LPORT_MIN + 5 * n_ports / 1000);
	for (i = 1; i < n_ports; i++)
		churn(&tb, 0, IPPROTO_TCP);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	/* t=5500: IP 0's ports all rest; a TCP flow goes to IP 1 instead */
	nc_flow_set_clock(tb.t, 5500);
	k = key_of(1, IPPROTO_TCP);
	f = nc_flow_add(tb.t, &k, nc_flow_hash(&k), both, 2, &cursor, 0, NC_LPORT_ANY, &err);
	assert_non_null(f);
	assert_int_equal(f->lip_idx, 1);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	nc_flow_del(tb.t, (uint32_t)lookup(&tb, &k));
	/* only IP 0 allowed: the oldest port anyway, counted; UDP: not counted */
	assert_int_equal(churn(&tb, 0, IPPROTO_TCP), first);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	second = churn(&tb, 0, IPPROTO_UDP);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	/* t=6000: the ports freed at t=5000 have rested */
	nc_flow_set_clock(tb.t, 6000);
	churn(&tb, 0, IPPROTO_TCP);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	/* the port reused early at t=5500 rests until t=6500 again: a TCP
	 * flow takes the free port after it, which has rested since t=6000 (a
	 * UDP flow between leaves it so); then every port near the head rests
	 * (freed at t=6000): the oldest, counted */
	for (i = 3; i < n_ports; i++)
		churn(&tb, 0, IPPROTO_TCP);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	assert_int_equal(churn(&tb, 0, IPPROTO_TCP), second);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	assert_int_equal(churn(&tb, 0, IPPROTO_TCP), first);
	assert_int_equal(nc_flow_early_reuse(tb.t), 2);
	table_close(&tb, 1);
}

/*
 * A port rests for the server its TCP flow went to, not for the others (the
 * 4-tuple differs): a flow to server B takes a port resting for A at once;
 * one to A takes it only early (counted). A UDP flow on a resting port leaves
 * its resting as it was. Servers' rest bits are spread (bits of 3 lab servers).
 */
static void
test_lport_rest_per_server(void **state)
{
	const uint32_t n_ports = NC_LPORT_MAX - NC_LPORT_MIN + 1;
	const uint8_t A = 3, B = 17;
	struct table tb;
	uint16_t p;
	uint32_t i;

	(void)state;
	assert_int_not_equal(nc_flow_rest_bit(RTE_BE32(0x0ac9000b), RTE_BE16(80)),
			     nc_flow_rest_bit(RTE_BE32(0x0ac9000c), RTE_BE16(80)));
	assert_int_not_equal(nc_flow_rest_bit(RTE_BE32(0x0ac9000c), RTE_BE16(80)),
			     nc_flow_rest_bit(RTE_BE32(0x0ac9000d), RTE_BE16(80)));
	table_open(&tb, 16, 0, 1, 1, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 0);
	nc_flow_set_clock(tb.t, 5000);
	/* t=5000: every port used once by a TCP flow to A: all rest for A */
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, A);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	/* t=5500: B's flows take them at once, in order */
	nc_flow_set_clock(tb.t, 5500);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN + 1);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	/* A's flow: every port rests for A, the oldest taken early */
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN + 2);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	/* t=6400: the ports of t=5000 have rested for A, NC_LPORT_MIN and +1
	 * too (they rest until 6500 for B only); +2, used for A at 5500, rests
	 * for A until 6500: taken early after the others */
	nc_flow_set_clock(tb.t, 6400);
	for (i = 3; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, A);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN + 1);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN + 2);
	assert_int_equal(nc_flow_early_reuse(tb.t), 2);
	table_close(&tb, 1);

	/* UDP flows between: the ports still rest for A, and only for A */
	table_open(&tb, 16, 0, 1, 1, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 0);
	nc_flow_set_clock(tb.t, 5000);
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, A);
	nc_flow_set_clock(tb.t, 5100);
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_UDP, A);
	nc_flow_set_clock(tb.t, 5200);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN + 1);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	table_close(&tb, 1);

	/* a port resting for A at the head: A's flow takes a ready one among
	 * the next NC_LPORT_SCAN (8) free ports, the order otherwise kept */
	table_open(&tb, 16, 0, 1, 1, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 0);
	nc_flow_set_clock(tb.t, 5000);
	for (i = 0; i < 5; i++)   /* NC_LPORT_MIN .. +4 rest for A, at the tail */
		churn_to(&tb, 0, IPPROTO_TCP, A);
	for (i = 5; i < n_ports; i++)   /* the others used by B: ready for A */
		churn_to(&tb, 0, IPPROTO_TCP, B);
	p = churn_to(&tb, 0, IPPROTO_TCP, B);   /* head: NC_LPORT_MIN, resting for A */
	assert_int_equal(p, NC_LPORT_MIN);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN + 5);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	table_close(&tb, 1);
}

/*
 * The worker clock is 32-bit milliseconds: it goes round every 49.7 days. A
 * port given back 24.8 days and more before, unused since, has rested: taken
 * at once for the server it rested for, in order, nothing counted as early
 * (a signed difference of the clock called it resting for 24.8 days more:
 * the test fails on it, every port taken early, 0xfbff != 0). Rests given
 * just before still hold, across the clock's wrap too.
 */
static void
test_lport_rest_wrap(void **state)
{
	const uint32_t n_ports = NC_LPORT_MAX - NC_LPORT_MIN + 1;
	const uint8_t A = 3, B = 17;
	const uint32_t t0 = 5000, later = t0 + 1000 + (1u << 31) + 1;
	struct table tb;
	uint32_t i;

	(void)state;
	table_open(&tb, 16, 0, 1, 1, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 0);
	nc_flow_set_clock(tb.t, t0);
	/* every port used once for A, then the first two for B within A's
	 * rest: those rest for A (folded in) and B */
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, A);
	nc_flow_set_clock(tb.t, t0 + 500);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN + 1);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	/* 24.8 days on: all rested, for A as for B */
	nc_flow_set_clock(tb.t, later);
	for (i = 2; i < n_ports; i++)
		assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN + i);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN + 1);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	/* rests given now hold: the ports just used for A rest for A, the
	 * clock going round within their rest */
	nc_flow_set_clock(tb.t, UINT32_MAX - 200);
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, A);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	nc_flow_set_clock(tb.t, 300);   /* 501 ms later: A's flow takes the head early,
					 * B's the next */
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN + 2);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN + 3);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	table_close(&tb, 1);
}

/*
 * Ports that go round faster than a rest, each round to another server (one
 * dispatcher carrying a cluster's load): each server's rest ends at its own
 * time, so a round to A finds every port ready again once A's rest is over,
 * though B's and C's go on. Three servers within one rest share the latest
 * end (longer, never shorter).
 */
static void
test_lport_rest_rounds(void **state)
{
	const uint32_t n_ports = NC_LPORT_MAX - NC_LPORT_MIN + 1;
	const uint8_t A = 3, B = 17, C = 26;
	struct table tb;
	uint32_t i;

	(void)state;
	table_open(&tb, 16, 0, 1, 1, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 0);
	nc_flow_set_clock(tb.t, 5000);
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, A);
	nc_flow_set_clock(tb.t, 5600);
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, B);
	nc_flow_set_clock(tb.t, 6200);
	for (i = 0; i < n_ports; i++)
		churn_to(&tb, 0, IPPROTO_TCP, C);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	/* t=6300: A's rest ended at 6000; B's goes on until 6600 */
	nc_flow_set_clock(tb.t, 6300);
	for (i = 0; i < n_ports; i++)
		assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), NC_LPORT_MIN + i);
	assert_int_equal(nc_flow_early_reuse(tb.t), 0);
	/* B (until 6600), C (until 7200) and A (until 7300) rest within one
	 * rest: B's flow takes the oldest early, and B's rest lasts until
	 * 7200 now, C's */
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN);
	assert_int_equal(nc_flow_early_reuse(tb.t), 1);
	nc_flow_set_clock(tb.t, 7000);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN + 1);
	assert_int_equal(nc_flow_early_reuse(tb.t), 2);
	nc_flow_set_clock(tb.t, 7200);
	assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), NC_LPORT_MIN + 2);
	assert_int_equal(nc_flow_early_reuse(tb.t), 2);
	table_close(&tb, 1);
}

/* With several workers each table rests its own ports only (p % workers ==
 * worker), every one apart: after all rest for A, B's flows take them in
 * order at once (a port B freed rests for B, its neighbours not), and A's
 * flow takes the oldest early. */
static void
test_lport_rest_workers(void **state)
{
	const uint8_t A = 3, B = 17;
	uint16_t n, w, first, p;
	uint32_t i, owned;
	struct table tb;

	(void)state;
	for (n = 2; n <= 3; n++)
		for (w = 0; w < n; w++) {
			table_open(&tb, 16, w, n, 1, NULL, NULL, NULL);
			nc_flow_set_tcp_reuse(tb.t, 1000, 0);
			nc_flow_set_clock(tb.t, 5000);
			owned = nc_flow_pool_lports(tb.t, 0);
			first = churn_to(&tb, 0, IPPROTO_TCP, A);
			assert_int_equal(first % n, w);
			for (i = 1; i < owned; i++)
				churn_to(&tb, 0, IPPROTO_TCP, A);
			nc_flow_set_clock(tb.t, 5500);
			for (i = 0, p = first; i < 4; i++, p = (uint16_t)(p + n))
				assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, B), p);
			assert_int_equal(nc_flow_early_reuse(tb.t), 0);
			assert_int_equal(churn_to(&tb, 0, IPPROTO_TCP, A), (uint16_t)(first + 4 * n));
			assert_int_equal(nc_flow_early_reuse(tb.t), 1);
			table_close(&tb, 1);
		}
}

/*
 * A flow moved to another local port keeps its key and index; the reply leg
 * finds it by the new port only; the old TCP port rests before any flow gets
 * it again; with no other free port the flow keeps its own.
 */
static void
test_move_lport(void **state)
{
	const uint16_t both[] = { 0, 1 };
	struct nc_flow_key k = key_of(3, IPPROTO_TCP), k2;
	uint16_t cursor = 0, old, lip_old;
	struct table tb;
	struct nc_flow *f;
	int32_t idx;
	int err;

	(void)state;
	table_open(&tb, 70000, 0, 1, 2, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 0);
	nc_flow_set_clock(tb.t, 100);
	f = nc_flow_add(tb.t, &k, nc_flow_hash(&k), both, 2, &cursor, 0, NC_LPORT_ANY, &err);
	assert_non_null(f);
	idx = index_of(&tb, f);
	old = rte_be_to_cpu_16(f->lport);
	lip_old = f->lip_idx;
	assert_int_equal(nc_flow_move_lport(tb.t, (uint32_t)idx, both, 2, &cursor, 0, NC_LPORT_ANY), 0);
	assert_int_equal(lookup(&tb, &k), idx);
	assert_ptr_equal(nc_flow_at(tb.t, (uint32_t)idx), f);
	assert_false(f->lip_idx == lip_old && rte_be_to_cpu_16(f->lport) == old);
	assert_int_equal(nc_flow_by_lport(tb.t, f->lip_idx, rte_be_to_cpu_16(f->lport)), idx);
	assert_int_equal(nc_flow_by_lport(tb.t, lip_old, old), -ENOENT);
	assert_int_equal(nc_flow_count(tb.t), 1);
	/* the old port rests: every other port of its IP goes first */
	assert_int_equal(nc_flow_free_lports(tb.t, lip_old),
			 NC_LPORT_MAX - NC_LPORT_MIN + 1 - (f->lip_idx == lip_old ? 1 : 0));
	while (nc_flow_free_lports(tb.t, lip_old) > 1)
		assert_false(churn_keep(&tb, lip_old) == old);
	nc_flow_set_clock(tb.t, 1100);
	/* now the rested port is the only one left on that IP: a move there
	 * takes it, and one with no free port at all fails, port kept */
	k2 = key_of(4, IPPROTO_TCP);
	{
		const uint16_t only[] = { lip_old };
		uint16_t c = 0;
		struct nc_flow *g = nc_flow_add(tb.t, &k2, nc_flow_hash(&k2), only, 1, &c, 0,
						NC_LPORT_ANY, &err);

		assert_non_null(g);
		assert_int_equal(rte_be_to_cpu_16(g->lport), old);
		c = 0;
		assert_int_equal(nc_flow_move_lport(tb.t, (uint32_t)index_of(&tb, g), only, 1, &c, 0,
						    NC_LPORT_ANY), -NC_ENOPORTS);
		assert_int_equal(rte_be_to_cpu_16(g->lport), old);
		assert_int_equal(nc_flow_by_lport(tb.t, lip_old, old), index_of(&tb, g));
	}
	table_close(&tb, 1);
}

/* The share of port <p> in its answers' queue under masks <m> (2 bits). */
static unsigned int
share_of(const uint16_t *m, uint16_t p)
{
	return (unsigned int)__builtin_parity(p & m[0]) | (unsigned int)__builtin_parity(p & m[1]) << 1;
}

/* Steered local ports: every flow asked for a queue gets a port whose share
 * XOR its local IP's makes it, on each of two local IPs (one not steered:
 * never used for a steered flow while the other has ports), TCP ports
 * resting for their server skipped as before; a queue no port can make
 * (all-zero masks) still gets a port, counted as missed. Moves too. */
static void
test_steer(void **state)
{
	static const uint16_t both[] = { 1, 0 };   /* lip 1 first: the steered one */
	const uint16_t mask[2] = { 0x8421, 0x1248 }, zero[2] = { 0, 0 };
	const uint8_t share[2] = { 0, 2 };
	uint16_t cursor = 0, first = 0;
	struct table tb;
	unsigned int i;
	int err;

	(void)state;
	table_open(&tb, 4096, 1, 2, 2, NULL, NULL, NULL);
	nc_flow_set_tcp_reuse(tb.t, 1000, 0);
	nc_flow_set_clock(tb.t, 100);
	assert_int_equal(nc_flow_table_steer(tb.t, 1, 4, mask, share[1]), -EINVAL);
	assert_int_equal(nc_flow_table_steer(tb.t, 2, 2, mask, share[1]), -EINVAL);
	assert_int_equal(nc_flow_table_steer(tb.t, 1, 2, mask, share[1]), 0);
	for (i = 0; i < 2000; i++) {
		struct nc_flow_key k = key_of(i, i % 3 ? IPPROTO_TCP : IPPROTO_UDP);
		uint8_t steer = (uint8_t)(i % 4);
		struct nc_flow *f = nc_flow_add(tb.t, &k, nc_flow_hash(&k), both, 2, &cursor, 0,
						steer, &err);
		uint16_t p;

		assert_non_null(f);
		p = rte_be_to_cpu_16(f->lport);
		assert_int_equal(f->lip_idx, 1);
		assert_int_equal(p % 2, 1);   /* still worker 1's port */
		assert_int_equal(share_of(mask, p) ^ share[1], steer);
		if (i == 0)
			first = p;
		/* a TCP flow's port freed rests for its server: the next flow
		 * to that server takes another port of the same share */
		if (i == 10) {
			int32_t idx = lookup(&tb, &k);
			struct nc_flow *g;
			struct nc_flow_key k2 = key_of(100000, IPPROTO_TCP);

			assert_int_equal(k.proto, IPPROTO_TCP);
			nc_flow_del(tb.t, (uint32_t)idx);
			g = nc_flow_add(tb.t, &k2, nc_flow_hash(&k2), both, 2, &cursor, 0, steer, &err);
			assert_non_null(g);
			assert_int_not_equal(rte_be_to_cpu_16(g->lport), p);
			assert_int_equal(share_of(mask, rte_be_to_cpu_16(g->lport)) ^ share[1], steer);
		}
	}
	assert_true(first != 0);
	assert_int_equal(nc_flow_steer_missed(tb.t), 0);
	/* a move keeps to the asked queue as well */
	{
		struct nc_flow_key k = key_of(5, IPPROTO_TCP);
		int32_t idx = lookup(&tb, &k);

		assert_true(idx >= 0);
		assert_int_equal(nc_flow_move_lport(tb.t, (uint32_t)idx, both, 2, &cursor, 7, 3), 0);
		assert_int_equal(share_of(mask, rte_be_to_cpu_16(nc_flow_at(tb.t, (uint32_t)idx)->lport)) ^
				 share[1], 3);
	}
	/* no port can make queue 1: ports are given all the same, counted */
	assert_int_equal(nc_flow_table_steer(tb.t, 1, 2, zero, share[1]), 0);
	for (i = 0; i < 8; i++) {
		struct nc_flow_key k = key_of(50000 + i, IPPROTO_UDP);

		assert_non_null(nc_flow_add(tb.t, &k, nc_flow_hash(&k), both, 2, &cursor, 0, 1, &err));
	}
	assert_int_equal(nc_flow_steer_missed(tb.t), 8);
	/* not steered: NC_LPORT_ANY asks nothing and counts nothing, nor does
	 * a queue asked of local IPs none of which is steered */
	{
		static const uint16_t lip0[] = { 0 };
		struct nc_flow_key k = key_of(60000, IPPROTO_UDP), k2 = key_of(60001, IPPROTO_UDP);
		uint16_t c = 0;

		assert_non_null(nc_flow_add(tb.t, &k, nc_flow_hash(&k), both, 2, &cursor, 0,
					    NC_LPORT_ANY, &err));
		assert_non_null(nc_flow_add(tb.t, &k2, nc_flow_hash(&k2), lip0, 1, &c, 0, 1, &err));
	}
	assert_int_equal(nc_flow_steer_missed(tb.t), 8);
	table_close(&tb, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_lookup_del),
		cmocka_unit_test(test_lookup_bulk),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_bucket_room),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_free_slots),
		cmocka_unit_test(test_v6_keys),
		cmocka_unit_test(test_lport_partition),
		cmocka_unit_test(test_lport_exhaustion),
		cmocka_unit_test(test_lport_fifo_and_skip),
		cmocka_unit_test(test_lips_round_robin),
		cmocka_unit_test(test_lport_map_shared),
		cmocka_unit_test(test_lport_rest),
		cmocka_unit_test(test_lport_rest_per_server),
		cmocka_unit_test(test_lport_rest_wrap),
		cmocka_unit_test(test_lport_rest_rounds),
		cmocka_unit_test(test_lport_rest_workers),
		cmocka_unit_test(test_move_lport),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_expire_budget),
		cmocka_unit_test(test_expire_wraps),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_steer),
	};

	return cmocka_run_group_tests_name("flow", tests, eal_setup, eal_teardown);
}
