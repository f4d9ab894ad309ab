/* SPDX-License-Identifier: BSD-3-Clause
 * Schedule builders. Pure functions: no EAL, no allocation.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nc_sched.h"

/*
 * Smooth weighted round robin (as nginx's upstream balancer): every pick adds
 * each server's count to its running credit, takes the server with the largest
 * credit (lowest index on ties) and charges it the total. Over sum(count)
 * picks every server is taken exactly count times, evenly spread.
 */
static int
swrr_fill(const unsigned int *count, unsigned int n, uint16_t *slots, unsigned int max_slots)
{
	int credit[NC_MAX_SERVERS] = { 0 };
	unsigned int total = 0, i, k;

	for (i = 0; i < n; i++)
		total += count[i];
	if (total > max_slots)
		return -ENOSPC;
	for (k = 0; k < total; k++) {
		int best = -1;

		for (i = 0; i < n; i++) {
			if (count[i] == 0)
				continue;
			credit[i] += (int)count[i];
			if (best < 0 || credit[i] > credit[best])
				best = (int)i;
		}
		credit[best] -= (int)total;
		slots[k] = (uint16_t)best;
	}
	return (int)total;
}

int
nc_sched_build_ratio(const uint8_t *weight, unsigned int n, uint16_t *slots, unsigned int max_slots)
{
	unsigned int count[NC_MAX_SERVERS];
	unsigned int i, wmin = 0, lightest = 0, start = 0;
	uint16_t tmp[NC_SCHED_MAX_SLOTS];
	int total;

	if (n > NC_MAX_SERVERS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (weight[i] != 0 && (wmin == 0 || weight[i] < wmin)) {
			wmin = weight[i];
			lightest = i;
		}
	if (wmin == 0)
		return 0;
	/* round(w / wmin), half up, in integers: (2w + wmin) / (2 wmin) */
	for (i = 0; i < n; i++)
		count[i] = weight[i] ? (2u * weight[i] + wmin) / (2u * wmin) : 0;
	total = swrr_fill(count, n, tmp, max_slots < NC_SCHED_MAX_SLOTS ? max_slots : NC_SCHED_MAX_SLOTS);
	if (total <= 0)
		return total;
	/* The paper lists the cycle lightest server first (A B B, A B B B):
	 * rotate so that it starts at the lightest server's first slot. */
	for (i = 0; i < (unsigned int)total; i++)
		if (tmp[i] == lightest) {
			start = i;
			break;
		}
	for (i = 0; i < (unsigned int)total; i++)
		slots[i] = tmp[(start + i) % (unsigned int)total];
	return total;
}

int
nc_sched_build_smooth(const uint8_t *weight, unsigned int n, uint16_t *slots, unsigned int max_slots)
{
	unsigned int count[NC_MAX_SERVERS];
	unsigned int i;

	if (n > NC_MAX_SERVERS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		count[i] = weight[i];
	return swrr_fill(count, n, slots, max_slots);
}

int
nc_sched_build(enum nc_sched_kind kind, const uint8_t *weight, unsigned int n,
	       uint16_t *slots, unsigned int max_slots)
{
	switch (kind) {
	case NC_SCHED_RATIO:
		return nc_sched_build_ratio(weight, n, slots, max_slots);
	case NC_SCHED_SMOOTH:
	case NC_SCHED_MAGLEV:
		return nc_sched_build_smooth(weight, n, slots, max_slots);
	}
	return -EINVAL;
}

const char *
nc_sched_kind_name(enum nc_sched_kind kind)
{
	switch (kind) {
	case NC_SCHED_SMOOTH:
		return "smooth";
	case NC_SCHED_MAGLEV:
		return "maglev";
	case NC_SCHED_RATIO:
		break;
	}
	return "ratio";
}

/* ------------------------------------------------------------------ maglev */

int
nc_maglev_size_ok(uint32_t size)
{
	uint32_t d;

	if (size < NC_MAGLEV_SIZE_MIN || size > NC_MAGLEV_SIZE_MAX)
		return 0;
	for (d = 2; d <= size / d; d++)
		if (size % d == 0)
			return 0;
	return 1;
}

/* A server taking turns: where it is in its permutation and when it plays next. */
struct mg_turn {
	uint32_t pos;       /* next entry of its permutation to try */
	uint32_t skip;
	uint32_t turns;     /* taken so far: the next comes at (turns + 1) / weight */
	uint32_t weight;
	uint16_t rank;      /* place in (address, port) order: ties */
	uint8_t idx;        /* index in the caller's array */
};

/* <a> plays before <b>: (a.turns + 1) / a.weight < (b.turns + 1) / b.weight,
 * compared exactly as (a.turns + 1) * b.weight < (b.turns + 1) * a.weight
 * (turns < 2^20, weights < 2^8: no overflow in 64 bits); ties by rank. */
static inline int
mg_before(const struct mg_turn *a, const struct mg_turn *b)
{
	uint64_t x = (uint64_t)(a->turns + 1) * b->weight;
	uint64_t y = (uint64_t)(b->turns + 1) * a->weight;

	return x < y || (x == y && a->rank < b->rank);
}

/* Binary min-heap of turns by mg_before(): sift <h>[i] down. */
static void
mg_sift_down(struct mg_turn *h, unsigned int n, unsigned int i)
{
	for (;;) {
		unsigned int l = 2 * i + 1, r = l + 1, m = i;
		struct mg_turn t;

		if (l < n && mg_before(&h[l], &h[m]))
			m = l;
		if (r < n && mg_before(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* (address, port) order of two servers; the caller's index last, so that two
 * entries of one address and port (never in a valid config) still sort one way. */
static int
mg_less(const struct nc_maglev_server *srv, uint8_t a, uint8_t b)
{
	if (srv[a].addr != srv[b].addr)
		return srv[a].addr < srv[b].addr;
	if (srv[a].port != srv[b].port)
		return srv[a].port < srv[b].port;
	return a < b;
}

int
nc_maglev_build(const struct nc_maglev_server *srv, unsigned int n, uint32_t size,
		uint32_t seed, uint8_t *table)
{
	struct mg_turn heap[NC_MAX_SERVERS];
	uint8_t order[NC_MAX_SERVERS];
	uint64_t salt = nc_maglev_salt(seed), salt2 = nc_mix64(salt ^ 0x5851f42d4c957f2dull);
	unsigned int i, j, m = 0;
	uint32_t filled;

	if (n > NC_MAX_SERVERS || !nc_maglev_size_ok(size))
		return -EINVAL;
	memset(table, NC_MAGLEV_EMPTY, size);
	/* the servers with entries, in (address, port) order (insertion sort: n <= 64) */
	for (i = 0; i < n; i++) {
		if (srv[i].weight == 0)
			continue;
		for (j = m; j > 0 && mg_less(srv, (uint8_t)i, order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = (uint8_t)i;
		m++;
	}
	if (m == 0)
		return 0;
	if (m == 1) {
		memset(table, order[0], size);
		return 1;
	}
	/* permutations: offset in [0, size), skip in [1, size - 1], from the
	 * seeded hashes of (address, port) alone */
	for (j = 0; j < m; j++) {
		const struct nc_maglev_server *sv = &srv[order[j]];
		uint64_t key = (uint64_t)sv->addr << 16 | sv->port;

		heap[j].pos = (uint32_t)(nc_mix64(key ^ salt) % size);
		heap[j].skip = (uint32_t)(nc_mix64(key ^ salt2) % (size - 1)) + 1;
		heap[j].turns = 0;
		heap[j].weight = sv->weight;
		heap[j].rank = (uint16_t)j;
		heap[j].idx = order[j];
	}
	for (i = m / 2; i-- > 0;)
		mg_sift_down(heap, m, i);
	/* each turn: the server due first claims the next free entry of its
	 * permutation; it walks at most size entries in all, as the
	 * permutation visits each once */
	for (filled = 0; filled < size; filled++) {
		struct mg_turn *t = &heap[0];

		while (table[t->pos] != NC_MAGLEV_EMPTY) {
			t->pos += t->skip;
			if (t->pos >= size)
				t->pos -= size;
		}
		table[t->pos] = t->idx;
		t->pos += t->skip;
		if (t->pos >= size)
			t->pos -= size;
		t->turns++;
		mg_sift_down(heap, m, 0);
	}
	return (int)m;
}
