/* SPDX-License-Identifier: BSD-3-Clause
 * lib/sched's Maglev builder alone (EAL-free): tables that are the same from
 * the same servers whatever their order, shares that follow the weights,
 * little disruption when a server leaves and none left when it comes back,
 * and keys spread as the table says. The disruption figures are printed:
 *   build/tests/unit/test_maglev    (or: meson test -C build maglev -v)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nc_sched.h"
#include "nc_monitor.h"   /* nc_wset_down/up: weights as the monitor moves them */

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define SIZE NC_MAGLEV_SIZE_DEFAULT
#define SEED NC_MAGLEV_SEED_DEFAULT

static uint8_t *
table_new(uint32_t size)
{
	uint8_t *t = malloc(size);

	assert_non_null(t);
	return t;
}

/* <n> servers 10.1.0.11.. port 8080 with <w> (NULL: all 1). */
static void
servers(struct nc_maglev_server *s, unsigned int n, const uint8_t *w)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		s[i].addr = IP4(10, 1, i / 200, 11 + i % 200);
		s[i].port = 8080;
		s[i].weight = w != NULL ? w[i] : 1;
	}
}

/* (address << 16 | port) of each entry's server: a table as every
 * dispatcher sees it, whatever the order of its servers. */
static uint64_t *
by_address(const uint8_t *t, uint32_t size, const struct nc_maglev_server *s)
{
	uint64_t *a = malloc(size * sizeof(*a));
	uint32_t e;

	assert_non_null(a);
	for (e = 0; e < size; e++) {
		assert_true(t[e] < NC_MAX_SERVERS);
		a[e] = (uint64_t)s[t[e]].addr << 16 | s[t[e]].port;
	}
	return a;
}

/* ------------------------------------------------------------ determinism */

/* Same servers, weights and seed: byte for byte the same table, built
 * twice; the same servers listed backwards and shuffled: every entry names
 * the same address and port; another seed: another table. */
static void
test_maglev_same_table(void **state)
{
	static const uint8_t w[5] = { 10, 20, 30, 25, 15 };
	struct nc_maglev_server s[5], rev[5], shuf[5];
	static const unsigned int perm[5] = { 2, 4, 0, 3, 1 };
	unsigned int inv[5];
	uint8_t *t1 = table_new(SIZE), *t2 = table_new(SIZE), *t3 = table_new(SIZE);
	uint64_t *a1, *a2;
	uint32_t e, differ = 0;
	unsigned int i;

	(void)state;
	servers(s, 5, w);
	assert_int_equal(nc_maglev_build(s, 5, SIZE, SEED, t1), 5);
	assert_int_equal(nc_maglev_build(s, 5, SIZE, SEED, t2), 5);
	assert_memory_equal(t1, t2, SIZE);

	for (i = 0; i < 5; i++) {
		rev[i] = s[4 - i];
		shuf[i] = s[perm[i]];
	}
	a1 = by_address(t1, SIZE, s);
	assert_int_equal(nc_maglev_build(rev, 5, SIZE, SEED, t2), 5);
	a2 = by_address(t2, SIZE, rev);
	assert_memory_equal(a1, a2, SIZE * sizeof(*a1));
	free(a2);
	assert_int_equal(nc_maglev_build(shuf, 5, SIZE, SEED, t2), 5);
	a2 = by_address(t2, SIZE, shuf);
	assert_memory_equal(a1, a2, SIZE * sizeof(*a1));
	free(a2);
	/* the indexes themselves follow the caller's order: shuf[j] is s[perm[j]] */
	for (i = 0; i < 5; i++)
		inv[perm[i]] = i;
	for (e = 0; e < SIZE; e++)
		assert_int_equal(t2[e], inv[t1[e]]);

	assert_int_equal(nc_maglev_build(s, 5, SIZE, SEED + 1, t3), 5);
	for (e = 0; e < SIZE; e++)
		differ += t3[e] != t1[e];
	printf("maglev: another seed changes %.1f%% of the entries\n", 100.0 * differ / SIZE);
	assert_true(differ > SIZE / 2);
	free(a1);
	free(t1);
	free(t2);
	free(t3);
}

/* A known table, so that a change of hash or fill order (which would split
 * a cluster running two versions) cannot pass unnoticed: the first entries
 * of three equal servers at the smallest size, seed 0 and the default
 * (seed 0 happens to give servers 0 and 1 the same skip at this size, one
 * chance in 250: they take turns along one walk), and two key hashes. */
#define PINNED_SEED0        "10101210101010102010101010121010"
#define PINNED_SEED_DEFAULT "02220012000111011012222102221021"
#define PINNED_HASH_IP      0x5f02bbb9933e0690ull
#define PINNED_HASH_5T      0xb8541dbfbe4fe821ull
#define PINNED_HASH_IP6     0xca46a6f6742cfd42ull
#define PINNED_HASH_5T6     0x0e6e6c53fa0f467aull
static void
test_maglev_pinned(void **state)
{
	struct nc_maglev_server s[3];
	uint8_t t[NC_MAGLEV_SIZE_MIN];
	char got[2][33];
	unsigned int k, i;

	(void)state;
	servers(s, 3, NULL);
	for (k = 0; k < 2; k++) {
		assert_int_equal(nc_maglev_build(s, 3, NC_MAGLEV_SIZE_MIN, k ? SEED : 0, t), 3);
		for (i = 0; i < 32; i++)
			got[k][i] = (char)('0' + t[i]);
		got[k][32] = '\0';
		printf("maglev: 3 servers, size %u, seed %u: %s...\n", NC_MAGLEV_SIZE_MIN,
		       k ? SEED : 0, got[k]);
	}
	assert_string_equal(got[0], PINNED_SEED0);
	assert_string_equal(got[1], PINNED_SEED_DEFAULT);
	/* the key hashes too */
	assert_true(nc_maglev_hash_ip(nc_maglev_salt(SEED), IP4(192, 168, 1, 10)) ==
		    PINNED_HASH_IP);
	assert_true(nc_maglev_hash_5tuple(nc_maglev_salt(SEED), IP4(192, 168, 1, 10),
					  IP4(10, 0, 0, 100), 40000, 80, 6) == PINNED_HASH_5T);
}

/* ----------------------------------------------------------------- shares */

struct share_case {
	const char *desc;
	unsigned int n;
	uint8_t w[NC_MAX_SERVERS];
};

static const struct share_case share_cases[] = {
	{ "50/30/20", 3, { 50, 30, 20 } },
	{ "34/33/33", 3, { 34, 33, 33 } },
	{ "1/99", 2, { 1, 99 } },
	{ "99/1", 2, { 99, 1 } },
	{ "10 equal servers", 10, { 10, 10, 10, 10, 10, 10, 10, 10, 10, 10 } },
	{ "30/70", 2, { 30, 70 } },
	{ "1/1/98", 3, { 1, 1, 98 } },
	{ "a zero weight gets nothing", 4, { 25, 0, 25, 50 } },
	{ "weights at another scale: 2/3/5", 3, { 2, 3, 5 } },
	{ "weights at another scale: 200/255", 2, { 200, 255 } },
};

/* Each server's share of the table is its weight's share within 1% of it
 * (relative), at the default size; a server of weight 0 has no entry. */
static void
test_maglev_shares(void **state)
{
	uint8_t *t = table_new(SIZE);
	unsigned int c, i;

	(void)state;
	for (c = 0; c < DIM(share_cases); c++) {
		const struct share_case *sc = &share_cases[c];
		struct nc_maglev_server s[NC_MAX_SERVERS];
		uint32_t cnt[NC_MAX_SERVERS] = { 0 }, e, wsum = 0;
		double worst = 0.0;

		servers(s, sc->n, sc->w);
		for (i = 0; i < sc->n; i++)
			wsum += sc->w[i];
		assert_true(nc_maglev_build(s, sc->n, SIZE, SEED, t) > 0);
		for (e = 0; e < SIZE; e++) {
			assert_true(t[e] < sc->n);
			cnt[t[e]]++;
		}
		for (i = 0; i < sc->n; i++) {
			double want = (double)SIZE * sc->w[i] / wsum, err;

			if (sc->w[i] == 0) {
				assert_int_equal(cnt[i], 0);
				continue;
			}
			err = (cnt[i] - want) / want;
			if (err < 0)
				err = -err;
			if (err > worst)
				worst = err;
			if (err >= 0.01)
				print_error("%s: server %u has %u entries, want %.1f\n", sc->desc, i,
					    cnt[i], want);
			assert_true(err < 0.01);
		}
		printf("maglev: shares %-34s worst relative error %.4f%%\n", sc->desc, 100.0 * worst);
	}
	free(t);
}

/* 64 servers, weights 1..7 and 100/64 as the monitor spreads it: shares
 * within one entry of exact, at the smallest size too. */
static void
test_maglev_max_servers(void **state)
{
	struct nc_maglev_server s[NC_MAX_SERVERS];
	uint8_t w[NC_MAX_SERVERS];
	uint8_t *t = table_new(SIZE);
	static const uint32_t sizes[] = { NC_MAGLEV_SIZE_MIN, 65537 };
	unsigned int i, k;

	(void)state;
	for (k = 0; k < DIM(sizes); k++) {
		uint32_t cnt[NC_MAX_SERVERS] = { 0 }, e, wsum = 0;

		for (i = 0; i < NC_MAX_SERVERS; i++) {
			w[i] = (uint8_t)(1 + i % 7);
			wsum += w[i];
		}
		servers(s, NC_MAX_SERVERS, w);
		assert_int_equal(nc_maglev_build(s, NC_MAX_SERVERS, sizes[k], SEED, t),
				 NC_MAX_SERVERS);
		for (e = 0; e < sizes[k]; e++)
			cnt[t[e]]++;
		for (i = 0; i < NC_MAX_SERVERS; i++) {
			double want = (double)sizes[k] * w[i] / wsum;

			assert_true(cnt[i] + 1.0 > want && cnt[i] < want + 1.0);
		}
	}
	free(t);
}

/* --------------------------------------------------------------- removal */

/* Server <gone> of <s> (<n>) leaves: the fraction of entries that change,
 * and of those that go from one remaining server to another. Leaving is
 * tried both ways the appliance does it: weight 0 in place (down, drained),
 * and out of the list (removed). Returns the first; both must agree. */
static void
removal(const struct nc_maglev_server *s, unsigned int n, unsigned int gone, const uint8_t *t0,
	double *changed, double *between)
{
	struct nc_maglev_server d[NC_MAX_SERVERS], r[NC_MAX_SERVERS];
	uint8_t *t1 = table_new(SIZE), *t2 = table_new(SIZE);
	uint64_t *a0, *a2;
	uint32_t e, ch = 0, bw = 0;
	unsigned int i, m = 0;

	memcpy(d, s, n * sizeof(*s));
	d[gone].weight = 0;
	for (i = 0; i < n; i++)
		if (i != gone)
			r[m++] = s[i];
	assert_int_equal(nc_maglev_build(d, n, SIZE, SEED, t1), (int)n - 1);
	assert_int_equal(nc_maglev_build(r, m, SIZE, SEED, t2), (int)m);
	a0 = by_address(t0, SIZE, s);
	a2 = by_address(t2, SIZE, r);
	for (e = 0; e < SIZE; e++) {
		assert_int_not_equal(t1[e], gone);
		/* down in place or out of the list: the same servers at the same entries */
		assert_true(a2[e] == ((uint64_t)d[t1[e]].addr << 16 | d[t1[e]].port));
		if (t1[e] != t0[e]) {
			ch++;
			bw += t0[e] != gone;
		}
	}
	*changed = (double)ch / SIZE;
	*between = (double)bw / SIZE;
	free(a0);
	free(a2);
	free(t1);
	free(t2);
}

/*
 * One of N servers (N = 3, 5, 10, equal and unequal weights) leaves: close
 * to 1/N of the entries change (Maglev is not minimal: a few entries move
 * between the servers that stay, as its fill order shifts); the figures are
 * printed. When the server comes back, the table is the first one again,
 * byte for byte.
 */
static void
test_maglev_removal(void **state)
{
	static const struct { unsigned int n; uint8_t w[10]; } cases[] = {
		{ 3, { 0 } }, { 5, { 0 } }, { 10, { 0 } },
		{ 3, { 50, 30, 20 } }, { 5, { 10, 15, 20, 25, 30 } },
	};
	uint8_t *t0 = table_new(SIZE), *t3 = table_new(SIZE);
	unsigned int c, gone;

	(void)state;
	for (c = 0; c < DIM(cases); c++) {
		unsigned int n = cases[c].n;
		struct nc_maglev_server s[NC_MAX_SERVERS], d[NC_MAX_SERVERS];
		double ch, bw, ch_max = 0, bw_max = 0, ch_sum = 0, share_max = 0;
		uint32_t wsum = 0;
		unsigned int i;

		servers(s, n, cases[c].w[0] != 0 ? cases[c].w : NULL);
		for (i = 0; i < n; i++)
			wsum += s[i].weight;
		assert_int_equal(nc_maglev_build(s, n, SIZE, SEED, t0), (int)n);
		for (gone = 0; gone < n; gone++) {
			double share = (double)s[gone].weight / wsum;

			removal(s, n, gone, t0, &ch, &bw);
			/* what had to move (the server's share) and a little more */
			if (ch > share * 1.2 + 0.005)
				print_error("%u servers, server %u leaves: %.4f changed, share %.4f\n",
					    n, gone, ch, share);
			assert_true(ch > share - 0.005);
			assert_true(ch < share * 1.2 + 0.005);
			assert_true(bw < 0.05);
			ch_sum += ch;
			ch_max = ch > ch_max ? ch : ch_max;
			bw_max = bw > bw_max ? bw : bw_max;
			share_max = share > share_max ? share : share_max;
			/* back again: the first table, byte for byte */
			memcpy(d, s, n * sizeof(*s));
			d[gone].weight = 0;
			assert_int_equal(nc_maglev_build(d, n, SIZE, SEED, t3), (int)n - 1);
			d[gone].weight = s[gone].weight;
			assert_int_equal(nc_maglev_build(d, n, SIZE, SEED, t3), (int)n);
			assert_memory_equal(t3, t0, SIZE);
		}
		if (cases[c].w[0] == 0)
			printf("maglev: %2u equal servers, one leaves: %.2f%% of entries change "
			       "(mean; max %.2f%%, ideal 1/N = %.2f%%), at most %.2f%% move between "
			       "servers that stay\n", n, 100.0 * ch_sum / n, 100.0 * ch_max,
			       100.0 / n, 100.0 * bw_max);
		else
			printf("maglev: %2u weighted servers (largest share %.0f%%), one leaves: at most "
			       "%.2f%% of entries change, at most %.2f%% move between servers that "
			       "stay\n", n, 100.0 * share_max, 100.0 * ch_max, 100.0 * bw_max);
	}
	free(t0);
	free(t3);
}

/*
 * The same as the appliance does it: N = 3, 5, 10 servers start at equal
 * percentages (34/33/33, 20 x 5, 10 x 10), one goes down and the monitor
 * shares its weight among the others in whole percent (nc_wset_down: 50/50,
 * 25 x 4, 12/11 x 8 ...), so the survivors' weights are no longer exactly in
 * their old ratio and a few more entries move between them than above; it
 * comes back (nc_wset_up) at its old weight: the first table again when the
 * weights are the first ones again. Printed: mean and worst over which
 * server goes down.
 */
static void
test_maglev_removal_monitor(void **state)
{
	static const unsigned int ns[] = { 3, 5, 10 };
	uint8_t *t0 = table_new(SIZE), *t1 = table_new(SIZE);
	unsigned int k;

	(void)state;
	for (k = 0; k < DIM(ns); k++) {
		unsigned int n = ns[k], gone, i, restored = 0;
		double eq[NC_MAX_SERVERS], ch_sum = 0, ch_max = 0, bw_max = 0;
		uint8_t all[NC_MAX_SERVERS], w0[NC_MAX_SERVERS];
		struct nc_maglev_server s[NC_MAX_SERVERS];
		struct nc_wset ws;

		for (i = 0; i < n; i++) {
			eq[i] = 1.0;
			all[i] = 1;
		}
		assert_int_equal(nc_weights_distribute(eq, all, n, 100, 1, w0), 0);
		servers(s, n, w0);
		assert_int_equal(nc_maglev_build(s, n, SIZE, SEED, t0), (int)n);
		for (gone = 0; gone < n; gone++) {
			uint32_t e, ch = 0, bw = 0;

			nc_wset_init(&ws, w0, n);
			nc_wset_down(&ws, gone);
			for (i = 0; i < n; i++)
				s[i].weight = ws.w[i];
			assert_int_equal(nc_maglev_build(s, n, SIZE, SEED, t1), (int)n - 1);
			for (e = 0; e < SIZE; e++)
				if (t1[e] != t0[e]) {
					ch++;
					bw += t0[e] != gone;
				}
			ch_sum += (double)ch / SIZE;
			ch_max = (double)ch / SIZE > ch_max ? (double)ch / SIZE : ch_max;
			bw_max = (double)bw / SIZE > bw_max ? (double)bw / SIZE : bw_max;
			assert_true((double)ch / SIZE < w0[gone] / 100.0 * 1.2 + 0.005);
			assert_true((double)bw / SIZE < 0.05);
			nc_wset_up(&ws, gone, 1);
			for (i = 0; i < n; i++)
				s[i].weight = ws.w[i];
			if (memcmp(ws.w, w0, n) == 0) {
				assert_int_equal(nc_maglev_build(s, n, SIZE, SEED, t1), (int)n);
				assert_memory_equal(t1, t0, SIZE);
				restored++;
			}
		}
		printf("maglev: %2u servers, one down as the monitor reweights: %.2f%% of entries "
		       "change (mean; max %.2f%%), at most %.2f%% move between servers that stay; "
		       "back up: the first table in %u of %u\n", n, 100.0 * ch_sum / n,
		       100.0 * ch_max, 100.0 * bw_max, restored, n);
		assert_int_equal(restored, n);
	}
	free(t0);
	free(t1);
}

/* A server joins N = 3, 5, 10: it takes close to 1/(N + 1), back to the
 * first table when it leaves again (covered above); here what it takes. */
static void
test_maglev_addition(void **state)
{
	static const unsigned int ns[] = { 3, 5, 10 };
	uint8_t *t0 = table_new(SIZE), *t1 = table_new(SIZE);
	unsigned int k;

	(void)state;
	for (k = 0; k < DIM(ns); k++) {
		struct nc_maglev_server s[NC_MAX_SERVERS];
		uint32_t e, ch = 0, bw = 0;
		unsigned int n = ns[k];

		servers(s, n + 1, NULL);
		assert_int_equal(nc_maglev_build(s, n, SIZE, SEED, t0), (int)n);
		assert_int_equal(nc_maglev_build(s, n + 1, SIZE, SEED, t1), (int)n + 1);
		for (e = 0; e < SIZE; e++)
			if (t1[e] != t0[e]) {
				ch++;
				bw += t1[e] != n;
			}
		printf("maglev: a server joins %2u: %.2f%% of entries change (ideal %.2f%%), "
		       "%.2f%% between the others\n", n, 100.0 * ch / SIZE, 100.0 / (n + 1),
		       100.0 * bw / SIZE);
		assert_true((double)ch / SIZE < 1.2 / (n + 1) + 0.005);
		assert_true((double)bw / SIZE < 0.05);
	}
	free(t0);
	free(t1);
}

/* The weight controller moves <step> points from one server to another
 * (50/30/20 -> 50+step/30/20-step): a little more than step% of the entries
 * change, most of them from the server that lost weight (the others' turns
 * shift a little in the fill order). */
static void
test_maglev_weight_step(void **state)
{
	static const unsigned int steps[] = { 1, 5 };
	static const uint8_t w0[3] = { 50, 30, 20 };
	struct nc_maglev_server s[3];
	uint8_t *t0 = table_new(SIZE), *t1 = table_new(SIZE);
	unsigned int k;

	(void)state;
	servers(s, 3, w0);
	assert_int_equal(nc_maglev_build(s, 3, SIZE, SEED, t0), 3);
	for (k = 0; k < DIM(steps); k++) {
		uint32_t e, ch = 0, from_other = 0;

		s[0].weight = (uint8_t)(w0[0] + steps[k]);
		s[2].weight = (uint8_t)(w0[2] - steps[k]);
		assert_int_equal(nc_maglev_build(s, 3, SIZE, SEED, t1), 3);
		for (e = 0; e < SIZE; e++)
			if (t1[e] != t0[e]) {
				ch++;
				from_other += t0[e] != 2;
			}
		printf("maglev: 50/30/20 -> %u/30/%u: %.2f%% of entries change (ideal %u%%), "
		       "%.2f%% taken from a server that did not lose weight\n", s[0].weight,
		       s[2].weight, 100.0 * ch / SIZE, steps[k], 100.0 * from_other / SIZE);
		assert_true((double)ch / SIZE < steps[k] * 0.014 + 0.005);
		assert_true((double)from_other / SIZE < steps[k] * 0.004 + 0.005);
	}
	free(t0);
	free(t1);
}

/* ------------------------------------------------------------ keys, limits */

/* A million client addresses (10.0.0.0 up) and a million 5-tuples land on
 * each server in proportion to its weight (within half a point). */
static void
test_maglev_keys_spread(void **state)
{
	static const uint8_t w[3] = { 50, 30, 20 };
	struct nc_maglev_server s[3];
	uint8_t *t = table_new(SIZE);
	uint64_t salt = nc_maglev_salt(SEED);
	uint32_t ip_cnt[3] = { 0 }, tu_cnt[3] = { 0 }, k;
	unsigned int i;

	(void)state;
	servers(s, 3, w);
	assert_int_equal(nc_maglev_build(s, 3, SIZE, SEED, t), 3);
	for (k = 0; k < 1000000; k++) {
		ip_cnt[t[nc_maglev_entry(nc_maglev_hash_ip(salt, IP4(10, 0, 0, 0) + k), SIZE)]]++;
		tu_cnt[t[nc_maglev_entry(nc_maglev_hash_5tuple(salt, IP4(192, 168, 1, 10) + k / 60000,
							       IP4(10, 0, 0, 100),
							       (uint16_t)(1024 + k % 60000), 80, 6),
					 SIZE)]]++;
	}
	for (i = 0; i < 3; i++) {
		printf("maglev: weight %u: %.2f%% of client addresses, %.2f%% of 5-tuples\n", w[i],
		       ip_cnt[i] / 1e4, tu_cnt[i] / 1e4);
		assert_true(ip_cnt[i] / 1e4 > w[i] - 0.5 && ip_cnt[i] / 1e4 < w[i] + 0.5);
		assert_true(tu_cnt[i] / 1e4 > w[i] - 0.5 && tu_cnt[i] / 1e4 < w[i] + 0.5);
	}
	/* fast range: every hash maps inside the table, the extremes included */
	assert_int_equal(nc_maglev_entry(0, SIZE), 0);
	assert_int_equal(nc_maglev_entry(UINT64_MAX, SIZE), SIZE - 1);
	free(t);
}

static const uint8_t client6[16] = { 0xfd, 0, 2, 0x02, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x10 };
static const uint8_t vip6[16] = { 0xfd, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

/* IPv6 keys: pinned values (the same on every machine: the bytes are read
 * big-endian), and every byte of the key moves the hash. */
static void
test_maglev_hash6_pinned(void **state)
{
	uint64_t salt = nc_maglev_salt(SEED), h = nc_maglev_hash_ip6(salt, client6);
	uint8_t a[16];
	unsigned int i;

	(void)state;
	printf("maglev: IPv6 address %#llx, 5-tuple %#llx\n", (unsigned long long)h,
	       (unsigned long long)nc_maglev_hash_5tuple6(salt, client6, vip6, 40000, 80, 6));
	assert_true(h == PINNED_HASH_IP6);
	assert_true(nc_maglev_hash_5tuple6(salt, client6, vip6, 40000, 80, 6) == PINNED_HASH_5T6);
	assert_true(nc_maglev_hash_ip6(salt, client6) == h);
	assert_true(nc_maglev_hash_ip6(nc_maglev_salt(0), client6) != h);
	for (i = 0; i < 16; i++) {
		memcpy(a, client6, 16);
		a[i] ^= 0x01;
		assert_true(nc_maglev_hash_ip6(salt, a) != h);
		assert_true(nc_maglev_hash_5tuple6(salt, a, vip6, 40000, 80, 6) !=
			    nc_maglev_hash_5tuple6(salt, client6, vip6, 40000, 80, 6));
		assert_true(nc_maglev_hash_5tuple6(salt, client6, a, 40000, 80, 6) !=
			    nc_maglev_hash_5tuple6(salt, client6, vip6, 40000, 80, 6));
	}
	assert_true(nc_maglev_hash_5tuple6(salt, client6, vip6, 40001, 80, 6) !=
		    nc_maglev_hash_5tuple6(salt, client6, vip6, 40000, 80, 6));
	assert_true(nc_maglev_hash_5tuple6(salt, client6, vip6, 40000, 80, 17) !=
		    nc_maglev_hash_5tuple6(salt, client6, vip6, 40000, 80, 6));
	/* two servers' identities differ, and stay the same */
	memcpy(a, client6, 16);
	a[15] = 0x11;
	assert_true(nc_maglev_server_id6(a) != nc_maglev_server_id6(client6));
	assert_true(nc_maglev_server_id6(a) == nc_maglev_server_id6(a));
}

/* IPv6 keys spread as the table says: /64 prefixes (the host bits cleared,
 * the /64 counting up), addresses of one /64, and 5-tuples. */
static void
test_maglev_keys_spread6(void **state)
{
	static const uint8_t w[3] = { 50, 30, 20 };
	struct nc_maglev_server s[3];
	uint8_t *t = table_new(SIZE), a[16];
	uint64_t salt = nc_maglev_salt(SEED);
	uint32_t p64[3] = { 0 }, p128[3] = { 0 }, tu[3] = { 0 }, k;
	unsigned int i;

	(void)state;
	servers(s, 3, w);
	assert_int_equal(nc_maglev_build(s, 3, SIZE, SEED, t), 3);
	for (k = 0; k < 1000000; k++) {
		memcpy(a, client6, 16);
		memset(a + 8, 0, 8);
		a[4] = (uint8_t)(k >> 16);
		a[5] = (uint8_t)(k >> 8);
		a[7] = (uint8_t)k;
		p64[t[nc_maglev_entry(nc_maglev_hash_ip6(salt, a), SIZE)]]++;
		memcpy(a, client6, 16);
		a[13] = (uint8_t)(k >> 16);
		a[14] = (uint8_t)(k >> 8);
		a[15] = (uint8_t)k;
		p128[t[nc_maglev_entry(nc_maglev_hash_ip6(salt, a), SIZE)]]++;
		a[15] = (uint8_t)(k / 60000);
		a[14] = a[13] = 0;
		tu[t[nc_maglev_entry(nc_maglev_hash_5tuple6(salt, a, vip6, (uint16_t)(1024 + k % 60000),
							   80, 6), SIZE)]]++;
	}
	for (i = 0; i < 3; i++) {
		printf("maglev: weight %u: %.2f%% of /64s, %.2f%% of addresses, %.2f%% of IPv6 5-tuples\n",
		       w[i], p64[i] / 1e4, p128[i] / 1e4, tu[i] / 1e4);
		assert_true(p64[i] / 1e4 > w[i] - 0.5 && p64[i] / 1e4 < w[i] + 0.5);
		assert_true(p128[i] / 1e4 > w[i] - 0.5 && p128[i] / 1e4 < w[i] + 0.5);
		assert_true(tu[i] / 1e4 > w[i] - 0.5 && tu[i] / 1e4 < w[i] + 0.5);
	}
	free(t);
}

/* Sizes: primes in range only; bad sizes and too many servers refused;
 * no server with a weight: nothing but empty entries. */
static void
test_maglev_limits(void **state)
{
	struct nc_maglev_server s[NC_MAX_SERVERS + 1];
	uint8_t *t = table_new(NC_MAGLEV_SIZE_MAX);
	uint8_t empty[NC_MAGLEV_SIZE_MIN];
	uint32_t e;

	(void)state;
	assert_true(nc_maglev_size_ok(NC_MAGLEV_SIZE_MIN));
	assert_true(nc_maglev_size_ok(65537));
	assert_true(nc_maglev_size_ok(NC_MAGLEV_SIZE_MAX));
	assert_false(nc_maglev_size_ok(0));
	assert_false(nc_maglev_size_ok(2));
	assert_false(nc_maglev_size_ok(241));           /* prime, below the range */
	assert_false(nc_maglev_size_ok(65536));
	assert_false(nc_maglev_size_ok(65535));
	assert_false(nc_maglev_size_ok(1000033));       /* prime, above the range */
	assert_false(nc_maglev_size_ok(999999));
	servers(s, NC_MAX_SERVERS + 1, NULL);
	assert_int_equal(nc_maglev_build(s, 3, 65536, SEED, t), -EINVAL);
	assert_int_equal(nc_maglev_build(s, 3, 0, SEED, t), -EINVAL);
	assert_int_equal(nc_maglev_build(s, NC_MAX_SERVERS + 1, SIZE, SEED, t), -EINVAL);
	/* the largest table with the most servers fills */
	assert_int_equal(nc_maglev_build(s, NC_MAX_SERVERS, NC_MAGLEV_SIZE_MAX, SEED, t),
			 NC_MAX_SERVERS);
	for (e = 0; e < NC_MAGLEV_SIZE_MAX; e++)
		assert_true(t[e] < NC_MAX_SERVERS);
	/* one server: every entry */
	assert_int_equal(nc_maglev_build(s, 1, SIZE, SEED, t), 1);
	for (e = 0; e < SIZE; e++)
		assert_int_equal(t[e], 0);
	/* every weight 0 */
	s[0].weight = s[1].weight = 0;
	memset(empty, NC_MAGLEV_EMPTY, sizeof(empty));
	assert_int_equal(nc_maglev_build(s, 2, NC_MAGLEV_SIZE_MIN, SEED, t), 0);
	assert_memory_equal(t, empty, sizeof(empty));
	assert_int_equal(nc_maglev_build(s, 0, NC_MAGLEV_SIZE_MIN, SEED, t), 0);
	free(t);
}

/* The slot cycle a maglev schedule carries (the fail-safe's next server) is
 * the smooth one; the name is "maglev". */
static void
test_maglev_kind(void **state)
{
	static const uint8_t w[3] = { 50, 30, 20 };
	uint16_t a[NC_SCHED_MAX_SLOTS], b[NC_SCHED_MAX_SLOTS];

	(void)state;
	assert_string_equal(nc_sched_kind_name(NC_SCHED_MAGLEV), "maglev");
	assert_int_equal(nc_sched_build(NC_SCHED_MAGLEV, w, 3, a, NC_SCHED_MAX_SLOTS), 100);
	assert_int_equal(nc_sched_build_smooth(w, 3, b, NC_SCHED_MAX_SLOTS), 100);
	assert_memory_equal(a, b, 100 * sizeof(a[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maglev_same_table),
		cmocka_unit_test(test_maglev_pinned),
		cmocka_unit_test(test_maglev_shares),
		cmocka_unit_test(test_maglev_max_servers),
		cmocka_unit_test(test_maglev_removal),
		cmocka_unit_test(test_maglev_removal_monitor),
		cmocka_unit_test(test_maglev_addition),
		cmocka_unit_test(test_maglev_weight_step),
		cmocka_unit_test(test_maglev_keys_spread),
		cmocka_unit_test(test_maglev_hash6_pinned),
		cmocka_unit_test(test_maglev_keys_spread6),
		cmocka_unit_test(test_maglev_limits),
		cmocka_unit_test(test_maglev_kind),
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("maglev", tests, NULL, NULL);
}
