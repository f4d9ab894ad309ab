/* SPDX-License-Identifier: BSD-3-Clause
 * lib/monitor arithmetic: response-time histograms and quantiles, health
 * rise/fall, weight bookkeeping of servers going down and coming back, and
 * the adaptive controllers ("paper" and "fast"). EAL-free.
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
#include <cmocka.h>

#include "nc_monitor.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static void
print_weights(const char *what, const uint8_t *w, unsigned int n)
{
	char line[512];
	unsigned int i;
	int o = 0;

	for (i = 0; i < n && o < (int)sizeof(line) - 8; i++)
		o += snprintf(line + o, sizeof(line) - (size_t)o, "%u ", w[i]);
	print_error("%s: %s\n", what, line);
}

/* xorshift64: reproducible pseudo-random cases */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* -------------------------------------------------------------- buckets */

struct bucket_case {
	uint32_t us;
	unsigned int bucket;
};

static const struct bucket_case bucket_cases[] = {
	{ 0, 0 }, { 1, 1 }, { 5, 5 }, { 7, 7 },
	{ 8, 8 }, { 9, 8 }, { 10, 9 }, { 11, 9 }, { 12, 10 }, { 14, 11 }, { 15, 11 },
	{ 16, 12 }, { 19, 12 }, { 20, 13 }, { 31, 15 }, { 32, 16 },
	{ 100, 22 }, { 1000, 35 }, { 100000, 62 },
	{ (UINT32_C(1) << 24), 92 }, { (UINT32_C(1) << 25) - 1, 95 },
	{ UINT32_C(1) << 25, 95 }, { UINT32_C(1) << 31, 95 }, { UINT32_MAX, 95 },
};

static void
test_rt_bucket_table(void **state)
{
	unsigned int i, fails = 0;

	(void)state;
	for (i = 0; i < DIM(bucket_cases); i++)
		if (nc_rt_bucket(bucket_cases[i].us) != bucket_cases[i].bucket) {
			print_error("bucket(%u) = %u, want %u\n", bucket_cases[i].us,
				    nc_rt_bucket(bucket_cases[i].us), bucket_cases[i].bucket);
			fails++;
		}
	assert_int_equal(fails, 0);
}

/* low/high agree with nc_rt_bucket, tile the range without gap, and no
 * bucket from 8 us on is wider than 25% of its low. */
static void
test_rt_bucket_bounds(void **state)
{
	unsigned int b;
	uint32_t us;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_int_equal(nc_rt_bucket_low(0), 0);
	for (b = 0; b < NC_RT_BUCKETS; b++) {
		uint32_t low = nc_rt_bucket_low(b), high = nc_rt_bucket_high(b);

		assert_true(low < high);
		assert_int_equal(nc_rt_bucket(low), b);
		assert_int_equal(nc_rt_bucket(high - 1), b);
		if (b + 1 < NC_RT_BUCKETS)
			assert_int_equal(high, nc_rt_bucket_low(b + 1));
		if (b >= 8 && b + 1 < NC_RT_BUCKETS)
			assert_true((uint64_t)(high - low) * 4 <= low);
	}
	assert_int_equal(nc_rt_bucket_high(NC_RT_BUCKETS - 1), UINT32_MAX);
	assert_int_equal(nc_rt_bucket_low(NC_RT_BUCKETS - 1), 7u << 22);
	/* every value up to 2^21 and random ones above lie in their bucket */
	for (us = 0; us < (1u << 21); us++) {
		b = nc_rt_bucket(us);
		if (us < nc_rt_bucket_low(b) || us >= nc_rt_bucket_high(b))
			fail_msg("%u outside bucket %u", us, b);
	}
	for (b = 0; b < 100000; b++) {
		unsigned int k;

		us = (uint32_t)rnd(&x);
		k = nc_rt_bucket(us);
		assert_true(us >= nc_rt_bucket_low(k));
		assert_true(us < nc_rt_bucket_high(k) || k == NC_RT_BUCKETS - 1);
	}
}

/* ------------------------------------------------------------ quantiles */

struct rt_run {
	uint32_t us;
	uint32_t times;
};

struct quantile_case {
	const char *desc;
	struct rt_run runs[4];     /* times == 0 ends */
	uint32_t spread_to;        /* also one sample of each of 1..spread_to */
	double q;
	uint32_t lo, hi;           /* expected result in [lo, hi] */
};

static const struct quantile_case quantile_cases[] = {
	{ "empty", { { 0, 0 } }, 0, 0.5, 0, 0 },
	{ "one sample of 3: exact", { { 3, 1 } }, 0, 0.5, 3, 3 },
	{ "all 100 us: inside 100's bucket", { { 100, 50 } }, 0, 0.5, 96, 111 },
	{ "all 100 us, q=1", { { 100, 50 } }, 0, 1.0, 96, 111 },
	{ "all 100 us, tiny q", { { 100, 50 } }, 0, 1e-9, 96, 111 },
	{ "all 100000 us", { { 100000, 7 } }, 0, 0.9, 98304, 114687 },
	{ "99 x 100 + 1 x 100000: p99", { { 100, 99 }, { 100000, 1 } }, 0, 0.99, 75, 125 },
	{ "99 x 100 + 1 x 100000: p100", { { 100, 99 }, { 100000, 1 } }, 0, 1.0, 75000, 125000 },
	{ "99 x 100 + 1 x 100000: p50", { { 100, 99 }, { 100000, 1 } }, 0, 0.5, 75, 125 },
	{ "1..100: q=0.07 is rank 7, not 8", { { 0, 0 } }, 100, 0.07, 7, 7 },
	{ "1..100: q=0.05", { { 0, 0 } }, 100, 0.05, 5, 5 },
	{ "1..1000: median", { { 0, 0 } }, 1000, 0.5, 450, 550 },
	{ "1..1000: p90", { { 0, 0 } }, 1000, 0.9, 810, 990 },
	{ "1..1000: p1", { { 0, 0 } }, 1000, 0.01, 9, 11 },
	{ "two values, rank in the second", { { 10, 1 }, { 1000, 1 } }, 0, 0.6, 750, 1250 },
	{ "over 33 s: last bucket, capped", { { UINT32_MAX, 3 } }, 0, 0.5,
	  7u << 22, (1u << 25) - 1 },
	{ "q > 1 is the largest", { { 10, 1 }, { 50, 1 } }, 0, 3.0, 48, 55 },
	{ "q <= 0 is the smallest", { { 10, 1 }, { 50, 1 } }, 0, -1.0, 10, 11 },
	{ "q NaN is the smallest", { { 10, 1 }, { 50, 1 } }, 0, NAN, 10, 11 },
};

static void
acc_fill(struct nc_rt_acc *a, const struct rt_run *runs, uint32_t spread_to)
{
	unsigned int r;
	uint32_t k;

	memset(a, 0, sizeof(*a));
	for (r = 0; r < 4 && runs[r].times != 0; r++)
		for (k = 0; k < runs[r].times; k++)
			nc_rt_record(a, runs[r].us);
	for (k = 1; k <= spread_to; k++)
		nc_rt_record(a, k);
}

static void
test_rt_quantile_table(void **state)
{
	unsigned int i, fails = 0;

	(void)state;
	for (i = 0; i < DIM(quantile_cases); i++) {
		const struct quantile_case *c = &quantile_cases[i];
		struct nc_rt_acc a;
		uint32_t got;

		acc_fill(&a, c->runs, c->spread_to);
		got = nc_rt_quantile(&a, c->q);
		if (got < c->lo || got > c->hi) {
			print_error("case '%s': %u, want %u..%u\n", c->desc, got, c->lo, c->hi);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

/* Any single value comes back from every quantile inside its own bucket,
 * and quantiles never decrease with q. */
static void
test_rt_quantile_single_values(void **state)
{
	static const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 1.0 };
	uint64_t x = 12345;
	unsigned int k, j;

	(void)state;
	for (k = 0; k < 2000; k++) {
		struct nc_rt_acc a;
		unsigned int shift = 24 + (unsigned int)(rnd(&x) % 40), b;
		uint32_t us = (uint32_t)(rnd(&x) >> shift), prev = 0;

		b = nc_rt_bucket(us);

		memset(&a, 0, sizeof(a));
		for (j = 0; j < 1 + k % 5; j++)
			nc_rt_record(&a, us);
		for (j = 0; j < DIM(qs); j++) {
			uint32_t got = nc_rt_quantile(&a, qs[j]);

			assert_int_equal(nc_rt_bucket(got), b);
			assert_true(got >= prev);
			prev = got;
		}
	}
}

/* ------------------------------------------------------ add, delta, avg */

static void
test_rt_add_delta(void **state)
{
	struct nc_rt_acc w0, w1, sum0, sum1, d;
	unsigned int b;

	(void)state;
	memset(&w0, 0, sizeof(w0));
	memset(&w1, 0, sizeof(w1));
	nc_rt_record(&w0, 100);
	nc_rt_record(&w1, 300);
	memset(&sum0, 0, sizeof(sum0));
	nc_rt_add(&sum0, &w0);
	nc_rt_add(&sum0, &w1);
	assert_int_equal(sum0.count, 2);
	assert_int_equal(sum0.sum_us, 400);
	assert_int_equal(sum0.hist[nc_rt_bucket(100)], 1);
	assert_int_equal(sum0.hist[nc_rt_bucket(300)], 1);
	assert_int_equal(nc_rt_avg(&sum0), 200);

	/* an interval: worker 0 times 3 x 5 us, worker 1 one of 1000 us */
	nc_rt_record(&w0, 5);
	nc_rt_record(&w0, 5);
	nc_rt_record(&w0, 5);
	nc_rt_record(&w1, 1000);
	memset(&sum1, 0, sizeof(sum1));
	nc_rt_add(&sum1, &w0);
	nc_rt_add(&sum1, &w1);
	nc_rt_delta(&sum1, &sum0, &d);
	assert_int_equal(d.count, 4);
	assert_int_equal(d.sum_us, 1015);
	assert_int_equal(nc_rt_avg(&d), 254);   /* 253.75 */
	for (b = 0; b < NC_RT_BUCKETS; b++)
		assert_int_equal(d.hist[b], b == 5 ? 3 : b == nc_rt_bucket(1000) ? 1 : 0);
	assert_int_equal(nc_rt_quantile(&d, 0.5), 5);
	assert_int_equal(nc_rt_bucket(nc_rt_quantile(&d, 1.0)), nc_rt_bucket(1000));

	/* the delta may be written over its own input */
	nc_rt_delta(&sum1, &sum0, &sum1);
	assert_memory_equal(&sum1, &d, sizeof(d));
}

/* A histogram count that wrapped at 2^32 between two readings. */
static void
test_rt_delta_wrap(void **state)
{
	struct nc_rt_acc before, now, d;
	unsigned int b100 = nc_rt_bucket(100), b5k = nc_rt_bucket(5000), k;

	(void)state;
	memset(&before, 0, sizeof(before));
	before.count = (uint64_t)UINT32_MAX * 3;
	before.sum_us = before.count * 100;
	before.hist[b100] = UINT32_MAX - 5;
	before.hist[b5k] = 1000;
	now = before;
	/* 99 more at 100 us (the count wraps), 1 at 5000 us */
	for (k = 0; k < 99; k++)
		nc_rt_record(&now, 100);
	nc_rt_record(&now, 5000);
	assert_true(now.hist[b100] < before.hist[b100]);
	nc_rt_delta(&now, &before, &d);
	assert_int_equal(d.count, 100);
	assert_int_equal(d.hist[b100], 99);
	assert_int_equal(d.hist[b5k], 1);
	assert_int_equal(nc_rt_avg(&d), 149);   /* (9900 + 5000) / 100 */
	assert_int_equal(nc_rt_bucket(nc_rt_quantile(&d, 0.99)), b100);
	assert_int_equal(nc_rt_bucket(nc_rt_quantile(&d, 1.0)), b5k);
}

static void
test_rt_avg(void **state)
{
	struct nc_rt_acc a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(nc_rt_avg(&a), 0);
	a.count = 2;
	a.sum_us = 3;
	assert_int_equal(nc_rt_avg(&a), 2);    /* 1.5 rounds up */
	a.sum_us = 2;
	assert_int_equal(nc_rt_avg(&a), 1);
	a.count = 3;
	a.sum_us = 4;
	assert_int_equal(nc_rt_avg(&a), 1);    /* 1.33 */
	a.count = 1;
	a.sum_us = (uint64_t)UINT32_MAX + 10;
	assert_int_equal(nc_rt_avg(&a), UINT32_MAX);
	a.count = UINT64_MAX;
	a.sum_us = UINT64_MAX;
	assert_int_equal(nc_rt_avg(&a), 1);
	a.sum_us = UINT64_MAX - 1;
	assert_int_equal(nc_rt_avg(&a), 1);    /* no overflow in the rounding */
}

/* --------------------------------------------------------------- health */

struct health_case {
	const char *desc;
	unsigned int rise, fall;
	const char *feed;     /* g good, b bad */
	const char *want;     /* per result: . nothing, D went down, U went up */
	int up_after;
};

static const struct health_case health_cases[] = {
	{ "starts up, good keeps it", 2, 3, "gggg", "....", 1 },
	{ "fall 3", 2, 3, "bbbbbb", "..D...", 0 },
	{ "a good resets the bad run", 2, 3, "bbgbbgbbb", "........D", 0 },
	{ "rise 2", 2, 3, "bbbgg", "..D.U", 1 },
	{ "a bad resets the good run", 2, 3, "bbbgbgbgg", "..D.....U", 1 },
	{ "rise 1 fall 1", 1, 1, "bgbbgg", "DUD.U.", 1 },
	{ "down and up again", 2, 2, "bbggbbgg", ".D.U.D.U", 1 },
	{ "rise 3", 3, 1, "bgggg", "D..U.", 1 },
	{ "rise/fall 0 act as 1", 0, 0, "bg", "DU", 1 },
};

static void
test_health_table(void **state)
{
	unsigned int i, k, fails = 0;

	(void)state;
	for (i = 0; i < DIM(health_cases); i++) {
		const struct health_case *c = &health_cases[i];
		char got[32];
		struct nc_health h;

		nc_health_init(&h);
		assert_int_equal(h.up, 1);
		for (k = 0; c->feed[k] != '\0'; k++) {
			int r = nc_health_feed(&h, c->feed[k] == 'g', c->rise, c->fall);

			got[k] = r == NC_HEALTH_WENT_UP ? 'U' : r == NC_HEALTH_WENT_DOWN ? 'D' :
				 r == 0 ? '.' : '?';
		}
		got[k] = '\0';
		if (strcmp(got, c->want) != 0 || h.up != c->up_after) {
			print_error("case '%s': %s up %u, want %s up %d\n", c->desc, got, h.up,
				    c->want, c->up_after);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

static void
test_health_saturates(void **state)
{
	struct nc_health h;
	unsigned int k, events = 0;

	(void)state;
	nc_health_init(&h);
	for (k = 0; k < 1000; k++)
		events += nc_health_feed(&h, false, 2, 3) != 0;
	assert_int_equal(events, 1);
	assert_int_equal(h.up, 0);
	assert_int_equal(h.bad_run, UINT8_MAX);
	/* 1000 good: back once, and the run stays at its maximum */
	for (k = 0, events = 0; k < 1000; k++)
		events += nc_health_feed(&h, true, 100, 3) != 0;
	assert_int_equal(events, 1);
	assert_int_equal(h.up, 1);
	assert_int_equal(h.good_run, UINT8_MAX);
	assert_int_equal(h.bad_run, 0);
	/* rise 100 takes exactly 100 good results */
	for (k = 0; k < 3; k++)
		nc_health_feed(&h, false, 100, 3);
	assert_int_equal(h.up, 0);
	for (k = 0; k < 99; k++)
		assert_int_equal(nc_health_feed(&h, true, 100, 3), 0);
	assert_int_equal(nc_health_feed(&h, true, 100, 3), NC_HEALTH_WENT_UP);
}

/* ------------------------------------------------------- distribute */

struct dist_case {
	const char *desc;
	double target[6];
	uint8_t eligible[6];
	unsigned int n, total, min_weight;
	int rc;
	uint8_t want[6];
};

static const struct dist_case dist_cases[] = {
	{ "exact shares", { 30, 70 }, { 1, 1 }, 2, 100, 1, 0, { 30, 70 } },
	{ "any scale", { 0.3, 0.7 }, { 1, 1 }, 2, 100, 1, 0, { 30, 70 } },
	{ "all equal: ties to the lower index", { 5, 5, 5 }, { 1, 1, 1 }, 3, 100, 1, 0,
	  { 34, 33, 33 } },
	{ "largest remainder", { 34, 33 }, { 1, 1 }, 2, 100, 0, 0, { 51, 49 } },
	{ "tie .4/.4 for one point: the lower", { 1, 1, 3 }, { 1, 1, 1 }, 3, 7, 0, 0, { 2, 1, 4 } },
	{ "largest fraction .5 over .25/.25", { 1, 1, 2 }, { 1, 1, 1 }, 3, 9, 0, 0, { 2, 2, 5 } },
	{ "four ties for two points", { 1, 1, 1, 1 }, { 1, 1, 1, 1 }, 4, 6, 0, 0, { 2, 2, 1, 1 } },
	{ "ineligible get 0", { 50, 99, 50 }, { 1, 0, 1 }, 3, 100, 1, 0, { 50, 0, 50 } },
	{ "one eligible gets the total", { 1, 2, 3 }, { 0, 0, 1 }, 3, 100, 5, 0, { 0, 0, 100 } },
	{ "floor: 1/rt 100, 10000, 100000", { 1e-2, 1e-4, 1e-5 }, { 1, 1, 1 }, 3, 100, 1, 0,
	  { 98, 1, 1 } },
	{ "floor raises, others rescale", { 1, 2, 97 }, { 1, 1, 1 }, 3, 100, 5, 0, { 5, 5, 90 } },
	{ "several floored at once", { 1, 4, 8, 87 }, { 1, 1, 1, 1 }, 4, 100, 10, 0,
	  { 10, 10, 10, 70 } },
	{ "floored by the rescale (water-filling)", { 20, 31, 149 }, { 1, 1, 1 }, 3, 100, 15, 0,
	  { 15, 15, 70 } },
	{ "1/rt 1000, 4000, 16000", { 1.0 / 1000, 1.0 / 4000, 1.0 / 16000 }, { 1, 1, 1 }, 3,
	  100, 1, 0, { 76, 19, 5 } },
	{ "zero share gets the floor", { 0, 1, 1 }, { 1, 1, 1 }, 3, 100, 2, 0, { 2, 49, 49 } },
	{ "negative, NaN, infinite shares get the floor", { -4, NAN, 1, INFINITY }, { 1, 1, 1, 1 },
	  4, 100, 3, 0, { 3, 3, 91, 3 } },
	{ "no share at all: even split", { 0, 0, 0 }, { 1, 1, 1 }, 3, 100, 1, 0, { 34, 33, 33 } },
	{ "no share, no floor: even split", { 0, -1 }, { 1, 1 }, 2, 9, 0, 0, { 5, 4 } },
	{ "total exactly n * min", { 1, 1000 }, { 1, 1 }, 2, 10, 5, 0, { 5, 5 } },
	{ "huge shares do not overflow", { 1e308, 1e308 }, { 1, 1 }, 2, 100, 1, 0, { 50, 50 } },
	{ "tiny shares", { 1e-300, 3e-300 }, { 1, 1 }, 2, 100, 1, 0, { 25, 75 } },
	{ "total 0", { 1, 1 }, { 1, 1 }, 2, 0, 0, 0, { 0, 0 } },
	{ "total 255", { 1, 1 }, { 1, 1 }, 2, 255, 0, 0, { 128, 127 } },
	{ "total < n * min", { 1, 1, 1 }, { 1, 1, 1 }, 3, 100, 34, -EINVAL, { 0 } },
	{ "nobody eligible", { 1, 1 }, { 0, 0 }, 2, 100, 1, -EINVAL, { 0 } },
	{ "no server", { 0 }, { 0 }, 0, 100, 1, -EINVAL, { 0 } },
	{ "total above a weight's range", { 1 }, { 1 }, 1, 256, 1, -EINVAL, { 0 } },
};

static void
test_distribute_table(void **state)
{
	unsigned int i, fails = 0;

	(void)state;
	for (i = 0; i < DIM(dist_cases); i++) {
		const struct dist_case *c = &dist_cases[i];
		uint8_t out[6];
		int rc;

		memset(out, 0xee, sizeof(out));
		rc = nc_weights_distribute(c->target, c->eligible, c->n, c->total, c->min_weight,
					   out);
		if (rc != c->rc || (rc == 0 && memcmp(out, c->want, c->n) != 0)) {
			print_error("case '%s': rc %d, want %d\n", c->desc, rc, c->rc);
			if (rc == 0)
				print_weights("  got ", out, c->n);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
	{
		double t[NC_MAX_SERVERS + 1] = { 0 };
		uint8_t e[NC_MAX_SERVERS + 1], out[NC_MAX_SERVERS + 1];

		memset(e, 1, sizeof(e));
		assert_int_equal(nc_weights_distribute(t, e, NC_MAX_SERVERS + 1, 100, 0, out),
				 -EINVAL);
		assert_int_equal(nc_weights_distribute(t, e, NC_MAX_SERVERS, 100, 1, out), 0);
	}
}

/*
 * Random shares: sum exact, floors kept, ineligible 0, and each server off its
 * water-filled real share by less than one point. The reference share is
 * computed here independently: servers are floored in ascending share order
 * while their share of what is left falls below the floor.
 */
static void
test_distribute_random(void **state)
{
	uint64_t x = 0xdeadbeefcafef00dull;
	unsigned int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		unsigned int n = 1 + (unsigned int)(rnd(&x) % NC_MAX_SERVERS), i, j, m = 0;
		unsigned int min_w = (unsigned int)(rnd(&x) % 4), total, sum = 0, order[NC_MAX_SERVERS];
		double t[NC_MAX_SERVERS], ideal[NC_MAX_SERVERS], rest, tsum = 0;
		uint8_t e[NC_MAX_SERVERS], out[NC_MAX_SERVERS];
		int rc;

		for (i = 0; i < n; i++) {
			e[i] = rnd(&x) % 4 != 0;
			t[i] = (double)(rnd(&x) % 1000) * (rnd(&x) % 2 ? 1e-3 : 1.0);
			if (e[i])
				order[m++] = i;
		}
		total = m * min_w + (unsigned int)(rnd(&x) % 101);
		if (total > 255)
			total = 255;
		rc = nc_weights_distribute(t, e, n, total, min_w, out);
		if (m == 0 || m * min_w > total) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		for (i = 0; i < n; i++) {
			sum += out[i];
			if (!e[i])
				assert_int_equal(out[i], 0);
			else
				assert_true(out[i] >= min_w);
		}
		assert_int_equal(sum, total);
		/* reference water-filling, smallest shares first */
		for (i = 1; i < m; i++)
			for (j = i; j > 0 && t[order[j]] < t[order[j - 1]]; j--) {
				unsigned int tmp = order[j];

				order[j] = order[j - 1];
				order[j - 1] = tmp;
			}
		for (i = 0; i < m; i++)
			tsum += t[order[i]];
		rest = total;
		if (tsum == 0) {
			for (i = 0; i < m; i++)
				ideal[order[i]] = (double)total / m;
		} else {
			for (i = 0; i < m; i++) {
				double share = tsum > 0 ? t[order[i]] * rest / tsum : 0;

				if (share >= min_w && tsum > 0)
					break;
				ideal[order[i]] = min_w;
				rest -= min_w;
				tsum -= t[order[i]];
			}
			for (; i < m; i++)
				ideal[order[i]] = tsum > 0 ? t[order[i]] * rest / tsum : rest / (m - i);
		}
		for (i = 0; i < n; i++)
			if (e[i] && fabs(out[i] - ideal[i]) >= 1.0 + 1e-9) {
				print_error("iter %u server %u: %u, ideal %f\n", iter, i, out[i],
					    ideal[i]);
				fail();
			}
		/* bigger share, never a smaller weight */
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (e[i] && e[j] && t[i] > t[j])
					assert_true(out[i] >= out[j]);
	}
}

/* ----------------------------------------------------------- down / up */

static void
assert_wset_ok(const struct nc_wset *s)
{
	unsigned int i, sum = 0, ups = 0;

	for (i = 0; i < s->n; i++) {
		if (s->up[i]) {
			ups++;
			sum += s->w[i];
		} else {
			assert_int_equal(s->w[i], 0);
		}
	}
	if (sum != (ups ? 100u : 0u)) {
		print_weights("weights", s->w, s->n);
		fail_msg("%u servers up, sum %u", ups, sum);
	}
}

static void
expect_w(const struct nc_wset *s, const uint8_t *want)
{
	if (memcmp(s->w, want, s->n) != 0) {
		print_weights("got ", s->w, s->n);
		print_weights("want", want, s->n);
		fail();
	}
	assert_wset_ok(s);
}

static void
test_wset_down_up(void **state)
{
	static const uint8_t w0[] = { 34, 33, 33 };
	struct nc_wset s;

	(void)state;
	nc_wset_init(&s, w0, 3);
	expect_w(&s, (const uint8_t[]){ 34, 33, 33 });
	/* n2 down: 33 points go to n0, n1 in proportion 34:33 = 50.7 + 49.3,
	 * largest remainder gives the point left to n0 */
	nc_wset_down(&s, 2);
	expect_w(&s, (const uint8_t[]){ 51, 49, 0 });
	assert_int_equal(s.down_w[2], 33);
	assert_int_equal(s.up[2], 0);
	nc_wset_down(&s, 2);    /* already down */
	expect_w(&s, (const uint8_t[]){ 51, 49, 0 });
	/* n2 back at 33: the others keep 1 each plus 65 of their excess 50:48,
	 * 33.2 + 31.8, the point left to n1: 34/33/33 again */
	nc_wset_up(&s, 2, 1);
	expect_w(&s, (const uint8_t[]){ 34, 33, 33 });
	nc_wset_up(&s, 2, 1);   /* already up */
	expect_w(&s, (const uint8_t[]){ 34, 33, 33 });

	nc_wset_down(&s, 0);
	expect_w(&s, (const uint8_t[]){ 0, 50, 50 });
	nc_wset_down(&s, 1);
	expect_w(&s, (const uint8_t[]){ 0, 0, 100 });
	nc_wset_down(&s, 2);    /* the last one: all 0 */
	expect_w(&s, (const uint8_t[]){ 0, 0, 0 });
	assert_int_equal(s.down_w[2], 100);
	nc_wset_up(&s, 1, 1);   /* the first one back: 100 */
	expect_w(&s, (const uint8_t[]){ 0, 100, 0 });
	/* n0 went down at 34 and comes back at 34 */
	nc_wset_up(&s, 0, 1);
	expect_w(&s, (const uint8_t[]){ 34, 66, 0 });
	/* n2 remembers 100: it gets all but the floors of the others */
	nc_wset_up(&s, 2, 5);
	expect_w(&s, (const uint8_t[]){ 5, 5, 90 });
	nc_wset_up(&s, 7, 1);   /* no such server */
	nc_wset_down(&s, 7);
	expect_w(&s, (const uint8_t[]){ 5, 5, 90 });
}

static void
test_wset_up_floor(void **state)
{
	static const uint8_t w0[] = { 0, 60, 40 };
	static const uint8_t w1[] = { 10, 10, 10, 70 };
	struct nc_wset s;

	(void)state;
	/* down at weight 0: back at min_weight, taken from the others' excess
	 * (56:36 above 4 -> 53.6 + 34.4 of 88, the point left to n1) */
	nc_wset_init(&s, w0, 3);
	nc_wset_down(&s, 0);
	expect_w(&s, (const uint8_t[]){ 0, 60, 40 });
	assert_int_equal(s.down_w[0], 0);
	nc_wset_up(&s, 0, 4);
	expect_w(&s, (const uint8_t[]){ 4, 58, 38 });
	/* the others at their floor give nothing; n3 takes from n2 only */
	nc_wset_init(&s, w1, 4);
	nc_wset_down(&s, 3);
	expect_w(&s, (const uint8_t[]){ 34, 33, 33, 0 });
	nc_wset_init(&s, w1, 4);
	s.up[3] = 0;
	s.w[3] = 0;
	s.down_w[3] = 70;
	s.w[0] = 10;
	s.w[1] = 10;
	s.w[2] = 80;
	nc_wset_up(&s, 3, 10);
	expect_w(&s, (const uint8_t[]){ 10, 10, 10, 70 });
	/* a floor that cannot fit every server is lowered to one that can */
	nc_wset_init(&s, (const uint8_t[]){ 50, 50 }, 2);
	nc_wset_down(&s, 1);
	nc_wset_up(&s, 1, 80);
	expect_w(&s, (const uint8_t[]){ 50, 50 });
}

/* Random downs and ups keep the invariant and every up server's floor. */
static void
test_wset_random(void **state)
{
	uint64_t x = 77;
	unsigned int iter, k;

	(void)state;
	for (iter = 0; iter < 2000; iter++) {
		unsigned int n = 1 + (unsigned int)(rnd(&x) % 12), i, min_w = 1 + iter % 3;
		uint8_t w[12];
		struct nc_wset s;
		uint8_t div[12];

		/* weights summing to 100, each at least min_w */
		for (i = 0; i < n; i++)
			div[i] = 1;
		for (k = 0; k < 100; k++)
			div[rnd(&x) % n]++;
		{
			double t[12];
			uint8_t e[12];

			for (i = 0; i < n; i++) {
				t[i] = div[i];
				e[i] = 1;
			}
			assert_int_equal(nc_weights_distribute(t, e, n, 100,
					 n * min_w <= 100 ? min_w : 0, w), 0);
		}
		nc_wset_init(&s, w, n);
		assert_wset_ok(&s);
		for (k = 0; k < 50; k++) {
			i = (unsigned int)(rnd(&x) % n);
			if (rnd(&x) % 2) {
				nc_wset_down(&s, i);
			} else {
				bool was_up = s.up[i];
				unsigned int want = s.down_w[i] > min_w ? s.down_w[i] : min_w, ups = 0, j;

				for (j = 0; j < n; j++)
					ups += s.up[j];
				nc_wset_up(&s, i, min_w);
				if (!was_up && ups == 0)
					assert_int_equal(s.w[i], 100);
				else if (!was_up && want + ups * min_w <= 100)
					assert_int_equal(s.w[i], want);
			}
			assert_wset_ok(&s);
			for (i = 0; i < n; i++)
				if (s.up[i])
					assert_true(s.w[i] >= min_w);
		}
	}
}

/* -------------------------------------------------------------- adaptive */

static struct nc_cfg_adaptive
adaptive(enum nc_adaptive_mode mode, unsigned int step, unsigned int min_weight)
{
	struct nc_cfg_adaptive c;

	memset(&c, 0, sizeof(c));
	c.enabled = true;
	c.mode = mode;
	c.interval_ms = 1000;
	c.step = (uint8_t)step;
	c.min_weight = (uint8_t)min_weight;
	return c;
}

static void
set_in(struct nc_adapt_in *in, const double *rt, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		in[i].samples = rt[i] < 0 ? 0 : 100;
		in[i].rt_us = rt[i] < 0 ? 0 : rt[i];
		in[i].rt_p50_us = 0;
	}
}

static void
test_adapt_bad_cfg(void **state)
{
	static const uint8_t w0[] = { 50, 50 };
	struct nc_adapt_in in[2] = { { 10, 100.0 }, { 10, 200.0 } };
	struct nc_adapt_state st;
	struct nc_cfg_adaptive c;
	struct nc_wset s;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, w0, 2);
	c = adaptive(NC_ADAPT_PAPER, 0, 1);
	assert_int_equal(nc_adapt_step(&c, &st, &s, in), -EINVAL);
	c = adaptive(NC_ADAPT_FAST, 1, 0);
	assert_int_equal(nc_adapt_step(&c, &st, &s, in), -EINVAL);
	c = adaptive((enum nc_adaptive_mode)7, 1, 1);
	assert_int_equal(nc_adapt_step(&c, &st, &s, in), -EINVAL);
	c = adaptive(NC_ADAPT_PAPER, 1, 1);
	assert_int_equal(nc_adapt_step(NULL, &st, &s, in), -EINVAL);
	s.n = NC_MAX_SERVERS + 1;
	assert_int_equal(nc_adapt_step(&c, &st, &s, in), -EINVAL);
	s.n = 2;
	expect_w(&s, w0);
	/* disabled: nothing moves */
	c.enabled = false;
	assert_int_equal(nc_adapt_step(&c, &st, &s, in), 0);
	expect_w(&s, w0);
	c.enabled = true;
	assert_int_equal(nc_adapt_step(&c, &st, &s, in), 1);
	expect_w(&s, (const uint8_t[]){ 51, 49 });
}

/* The paper's experiment: 3 servers, 100 / 10000 / 100000 us: every interval
 * the slowest gives one point to the fastest, N1 never moves. */
static void
test_adapt_paper_replay(void **state)
{
	static const double rt[] = { 100, 10000, 100000 };
	struct nc_cfg_adaptive c = adaptive(NC_ADAPT_PAPER, 1, 1);
	struct nc_adapt_in in[3] = { 0 };
	struct nc_adapt_state st;
	struct nc_wset s;
	unsigned int k;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 33, 33, 34 }, 3);
	set_in(in, rt, 3);
	for (k = 1; k <= 33; k++) {
		assert_int_equal(nc_adapt_step(&c, &st, &s, in), 1);
		assert_int_equal(s.w[0], 33 + k);
		assert_int_equal(s.w[1], 33);
		assert_int_equal(s.w[2], 34 - k);
		assert_wset_ok(&s);
		if (k == 23) {
			assert_int_equal(s.w[2], 11);
			assert_int_equal(s.w[0], 56);
		}
	}
	/* at the floor: n2 stays, nothing else moves */
	for (k = 0; k < 5; k++) {
		assert_int_equal(nc_adapt_step(&c, &st, &s, in), 0);
		expect_w(&s, (const uint8_t[]){ 66, 33, 1 });
	}
	assert_int_equal(st.moves, 33);
}

struct paper_case {
	const char *desc;
	uint8_t w[4];
	uint8_t up[4];
	double rt[4];          /* < 0: no samples */
	unsigned int n, step, min_weight;
	int rc;
	uint8_t want[4];
};

static const struct paper_case paper_cases[] = {
	{ "slowest -1, fastest +1", { 50, 50 }, { 1, 1 }, { 200, 100 }, 2, 1, 1, 1, { 49, 51 } },
	{ "step 5", { 50, 50 }, { 1, 1 }, { 200, 100 }, 2, 5, 1, 1, { 45, 55 } },
	{ "step above what is left: only that", { 3, 97 }, { 1, 1 }, { 200, 100 }, 2, 5, 1, 1,
	  { 1, 99 } },
	{ "at min_weight: nothing", { 2, 98 }, { 1, 1 }, { 200, 100 }, 2, 5, 2, 0, { 2, 98 } },
	{ "below min_weight: nothing", { 1, 99 }, { 1, 1 }, { 200, 100 }, 2, 1, 2, 0, { 1, 99 } },
	{ "equal rts: nothing", { 20, 30, 50 }, { 1, 1, 1 }, { 70, 70, 70 }, 3, 1, 1, 0,
	  { 20, 30, 50 } },
	{ "tie slowest: the higher index", { 30, 30, 40 }, { 1, 1, 1 }, { 100, 300, 300 }, 3, 1, 1,
	  1, { 31, 30, 39 } },
	{ "tie fastest: the lower index", { 30, 30, 40 }, { 1, 1, 1 }, { 100, 100, 300 }, 3, 1, 1,
	  1, { 31, 30, 39 } },
	{ "down server excluded", { 0, 50, 50 }, { 0, 1, 1 }, { 1, 100, 200 }, 3, 1, 1, 1,
	  { 0, 51, 49 } },
	{ "no samples excluded", { 30, 30, 40 }, { 1, 1, 1 }, { 1000, -1, 10 }, 3, 1, 1, 1,
	  { 29, 30, 41 } },
	{ "one taking part: nothing", { 30, 30, 40 }, { 1, 1, 1 }, { -1, -1, 10 }, 3, 1, 1, 0,
	  { 30, 30, 40 } },
	{ "one up: nothing", { 0, 100 }, { 0, 1 }, { 10, 500 }, 2, 1, 1, 0, { 0, 100 } },
	{ "NaN rt excluded", { 50, 50, 0 }, { 1, 1, 0 }, { NAN, 10, 5 }, 3, 1, 1, 0,
	  { 50, 50, 0 } },
	{ "rt 0 is fastest", { 25, 25, 25, 25 }, { 1, 1, 1, 1 }, { 5, 0, 9, 9 }, 4, 2, 1, 1,
	  { 25, 27, 25, 23 } },
};

static void
test_adapt_paper_table(void **state)
{
	unsigned int i, j, fails = 0;

	(void)state;
	for (i = 0; i < DIM(paper_cases); i++) {
		const struct paper_case *c = &paper_cases[i];
		struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_PAPER, c->step, c->min_weight);
		struct nc_adapt_in in[4] = { 0 };
		struct nc_adapt_state st;
		struct nc_wset s;
		int rc;

		memset(&st, 0, sizeof(st));
		nc_wset_init(&s, c->w, c->n);
		for (j = 0; j < c->n; j++)
			s.up[j] = c->up[j];
		set_in(in, c->rt, c->n);
		rc = nc_adapt_step(&cfg, &st, &s, in);
		if (rc != c->rc || memcmp(s.w, c->want, c->n) != 0 || st.moves != (uint64_t)rc) {
			print_error("case '%s': rc %d, want %d\n", c->desc, rc, c->rc);
			print_weights("  got ", s.w, c->n);
			fails++;
		}
	}
	assert_int_equal(fails, 0);
}

/* ----------------------------------------------------------- fast mode */

/* Integer targets of the fast rule, computed here from the rule: shares of
 * 1/rt over <total>, each at least <min_weight>. */
static void
fast_target(const double *rt, unsigned int n, unsigned int total, unsigned int min_weight,
	    uint8_t *t)
{
	double speed[NC_MAX_SERVERS];
	uint8_t e[NC_MAX_SERVERS];
	unsigned int i;

	for (i = 0; i < n; i++) {
		speed[i] = 1.0 / rt[i];
		e[i] = 1;
	}
	assert_int_equal(nc_weights_distribute(speed, e, n, total, min_weight, t), 0);
}

static bool
within_band(const uint8_t *w, const uint8_t *t, unsigned int n, double times)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		double band = fmax(NC_ADAPT_FAST_BAND * t[i], NC_ADAPT_FAST_BAND_MIN);

		if (fabs((double)w[i] - t[i]) > times * band)
			return false;
	}
	return true;
}

struct fast_case {
	const char *desc;
	double rt[3];
	uint8_t w0[3];
	uint8_t target[3];     /* the rule's integer targets, worked out by hand */
	uint8_t held_at[3];    /* where the weights stop */
	unsigned int steps;    /* moving intervals before the hold */
};

/*
 * 100/10000/100000: 1/rt shares 98.9/0.99/0.1, the two slow ones floored at 1:
 * target 98/1/1. Moves of 0.7 of the distance 65 (46 points), 19 (13), 6 (4):
 * 79/10/11, 92/4/4, 96/2/2, inside the band (9.8, 1, 1 points): held.
 * 1000/4000/16000: shares 76.2/19.0/4.8 -> 76/19/5 by largest remainder;
 * 63/23/14, 72/20/8, 75/19/6, held (bands 3.8, 1, 1 points).
 * Equal rts, target 34/33/33. From 60/30/10: 18 points to n1 n2 as 3:23 ->
 * 42/32/26; 6 as 1:7 -> 36/33/31 (n0 2 off, band 1.7); 1 -> 35/33/32, held.
 * From 10/20/70: 26 as 24:13 -> 27/29/44; 8 as 7:4 -> 32/32/36 (n2 3 off);
 * 2 -> 33/33/34, held.
 */
static const struct fast_case fast_cases[] = {
	{ "100/10000/100000", { 100, 10000, 100000 }, { 33, 33, 34 }, { 98, 1, 1 },
	  { 96, 2, 2 }, 3 },
	{ "1000/4000/16000", { 1000, 4000, 16000 }, { 33, 33, 34 }, { 76, 19, 5 },
	  { 75, 19, 6 }, 3 },
	{ "equal rts from 60/30/10", { 500, 500, 500 }, { 60, 30, 10 }, { 34, 33, 33 },
	  { 35, 33, 32 }, 3 },
	{ "equal rts from 10/20/70", { 500, 500, 500 }, { 10, 20, 70 }, { 34, 33, 33 },
	  { 33, 33, 34 }, 3 },
	{ "equal rts from 33/33/34: already there", { 800, 800, 800 }, { 33, 33, 34 },
	  { 34, 33, 33 }, { 33, 33, 34 }, 0 },
	{ "already at target", { 1000, 4000, 16000 }, { 76, 19, 5 }, { 76, 19, 5 },
	  { 76, 19, 5 }, 0 },
};

static void
test_adapt_fast_settles(void **state)
{
	unsigned int i, k, fails = 0;

	(void)state;
	for (i = 0; i < DIM(fast_cases); i++) {
		const struct fast_case *c = &fast_cases[i];
		struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 1);
		struct nc_adapt_in in[3] = { 0 };
		struct nc_adapt_state st;
		struct nc_wset s;
		uint8_t t[3];
		unsigned int moved = 0, last_move = 0;

		fast_target(c->rt, 3, 100, 1, t);
		assert_memory_equal(t, c->target, 3);
		memset(&st, 0, sizeof(st));
		nc_wset_init(&s, c->w0, 3);
		set_in(in, c->rt, 3);
		for (k = 1; k <= 30; k++) {
			uint8_t before[3];
			int rc;

			memcpy(before, s.w, 3);
			rc = nc_adapt_step(&cfg, &st, &s, in);
			assert_true(rc == 0 || rc == 1);
			assert_wset_ok(&s);
			if (rc == 1) {
				unsigned int j;

				moved++;
				last_move = k;
				/* every weight off its target moves towards it, never past */
				for (j = 0; j < 3; j++) {
					int d0 = (int)c->target[j] - before[j];
					int d1 = (int)c->target[j] - s.w[j];

					assert_true(abs(d1) < abs(d0) || d0 == 0);
					assert_true(d0 * d1 >= 0);
					assert_true(s.w[j] >= 1);
				}
			} else {
				assert_memory_equal(before, s.w, 3);
			}
		}
		if (moved != c->steps || last_move != c->steps || !st.held ||
		    memcmp(s.w, c->held_at, 3) != 0 || !within_band(s.w, c->target, 3, 1.0)) {
			print_error("case '%s': %u moves, last at %u, held %d\n", c->desc, moved,
				    last_move, st.held);
			print_weights("  held at", s.w, 3);
			fails++;
		}
		assert_int_equal(st.moves, moved);
		assert_true(last_move <= 8);
	}
	assert_int_equal(fails, 0);
}

/*
 * Held weights ignore noisy intervals (this interval's own response times
 * putting a weight outside twice the band) unless NC_ADAPT_FAST_RELEASE come in
 * a row; a lasting change then moves them.
 */
static void
test_adapt_fast_noise(void **state)
{
	static const double rt[] = { 1000, 4000, 16000 };
	/* n1 four times slower: its raw target drops from 19 to about 5 */
	static const double noisy[] = { 1000, 16000, 16000 };
	struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 1);
	struct nc_adapt_in in[3] = { 0 };
	struct nc_adapt_state st;
	struct nc_wset s;
	uint8_t held[3];
	unsigned int k, r;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 33, 33, 34 }, 3);
	set_in(in, rt, 3);
	for (k = 0; k < 10; k++)
		nc_adapt_step(&cfg, &st, &s, in);
	assert_true(st.held);
	memcpy(held, s.w, 3);
	/* up to RELEASE - 1 noisy intervals, then quiet: nothing moves */
	for (r = 1; r < NC_ADAPT_FAST_RELEASE; r++) {
		set_in(in, noisy, 3);
		for (k = 0; k < r; k++) {
			assert_int_equal(nc_adapt_step(&cfg, &st, &s, in), 0);
			assert_int_equal(st.out_of_band, k + 1);
		}
		set_in(in, rt, 3);
		for (k = 0; k < 5; k++) {
			assert_int_equal(nc_adapt_step(&cfg, &st, &s, in), 0);
			assert_int_equal(st.out_of_band, 0);
			expect_w(&s, held);
		}
	}
	assert_true(st.held);
	/* a lasting change: n1 stays four times slower; the weights move once
	 * the release count is reached (and the smoothed time has followed) and
	 * settle again with n1 lower */
	set_in(in, noisy, 3);
	for (k = 0; k < 20 && !(st.held && s.w[1] < held[1]); k++)
		nc_adapt_step(&cfg, &st, &s, in);
	assert_true(k >= NC_ADAPT_FAST_RELEASE);
	assert_true(st.held);
	assert_true(s.w[1] < held[1]);
	assert_true(s.w[0] > held[0]);
	assert_wset_ok(&s);
}

/* A server without samples keeps its weight; the measured ones share the rest. */
static void
test_adapt_fast_partial(void **state)
{
	struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 1);
	struct nc_adapt_in in[3] = { 0 };
	struct nc_adapt_state st;
	struct nc_wset s;
	unsigned int k;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 30, 30, 40 }, 3);
	/* n1 unmeasured (-1: no samples); n0 three times faster than n2 */
	set_in(in, (const double[]){ 1000, -1, 3000 }, 3);
	for (k = 0; k < 12; k++) {
		assert_true(nc_adapt_step(&cfg, &st, &s, in) >= 0);
		assert_int_equal(s.w[1], 30);
		assert_wset_ok(&s);
	}
	assert_true(st.held);
	/* n0 and n2 share 70 as 3:1 (52.5/17.5), within the band */
	assert_true(within_band(s.w, (const uint8_t[]){ 53, 30, 17 }, 3, 1.0));
	/* one measured server alone: nothing to compare, nothing moves */
	memset(&st, 0, sizeof(st));
	set_in(in, (const double[]){ 1000, -1, -1 }, 3);
	assert_int_equal(nc_adapt_step(&cfg, &st, &s, in), 0);
}

/* The target follows the smoothed response time: after a step change the
 * smoothed value moves NC_ADAPT_FAST_SMOOTH of the way per interval. */
static void
test_adapt_fast_smoothing(void **state)
{
	struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 1);
	struct nc_adapt_in in[2] = { 0 };
	struct nc_adapt_state st;
	struct nc_wset s;
	double want;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 50, 50 }, 2);
	set_in(in, (const double[]){ 1000, 1000 }, 2);
	nc_adapt_step(&cfg, &st, &s, in);
	assert_true(st.has_rt[0] && st.has_rt[1]);
	assert_true(fabs(st.rt_smooth[1] - 1000) < 1e-9);   /* first sample taken as is */
	set_in(in, (const double[]){ 1000, 5000 }, 2);
	nc_adapt_step(&cfg, &st, &s, in);
	want = NC_ADAPT_FAST_SMOOTH * 5000 + (1 - NC_ADAPT_FAST_SMOOTH) * 1000;
	assert_true(fabs(st.rt_smooth[1] - want) < 1e-9);
	nc_adapt_step(&cfg, &st, &s, in);
	want = NC_ADAPT_FAST_SMOOTH * 5000 + (1 - NC_ADAPT_FAST_SMOOTH) * want;
	assert_true(fabs(st.rt_smooth[1] - want) < 1e-9);
	/* a server that goes down forgets its smoothed time */
	nc_wset_down(&s, 1);
	nc_adapt_step(&cfg, &st, &s, in);
	assert_false(st.has_rt[1]);
}

/* "fast" follows the median when it is given: equal averages, medians 1:3. */
static void
test_adapt_fast_median(void **state)
{
	struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 1);
	struct nc_adapt_in in[2] = { { 100, 3000.0, 1000.0 }, { 100, 3000.0, 3000.0 } };
	struct nc_adapt_state st;
	struct nc_wset s;
	unsigned int k;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 50, 50 }, 2);
	for (k = 0; k < 12; k++)
		assert_true(nc_adapt_step(&cfg, &st, &s, in) >= 0);
	assert_true(st.held);
	assert_true(within_band(s.w, (const uint8_t[]){ 75, 25 }, 2, 1.0));
	/* the paper's rule keeps the average: equal, nothing moves */
	cfg = adaptive(NC_ADAPT_PAPER, 1, 1);
	nc_wset_init(&s, (const uint8_t[]){ 50, 50 }, 2);
	assert_int_equal(nc_adapt_step(&cfg, &st, &s, in), 0);
}

/* The floor: a server 1000 times slower keeps min_weight, never less. */
static void
test_adapt_fast_floor(void **state)
{
	struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 5);
	struct nc_adapt_in in[3] = { 0 };
	struct nc_adapt_state st;
	struct nc_wset s;
	unsigned int k;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 10, 10, 80 }, 3);
	set_in(in, (const double[]){ 10, 10, 10000 }, 3);
	for (k = 0; k < 12; k++) {
		assert_true(nc_adapt_step(&cfg, &st, &s, in) >= 0);
		assert_true(s.w[2] >= 5);
		assert_wset_ok(&s);
	}
	assert_true(st.held);
	/* target 48/47/5 */
	assert_true(within_band(s.w, (const uint8_t[]){ 48, 47, 5 }, 3, 1.0));
	assert_true(s.w[2] >= 5);
}

/* Near the floor the band is one point, yet the weights keep the servers'
 * order: 96 2 2 is within a point of targets 96 3 1 or 97 2 1 and still
 * moves, and a table held at 97 1 2 is released; equal servers held a point
 * apart stay held. */
static void
test_adapt_fast_order(void **state)
{
	struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 1);
	struct nc_adapt_in in[3] = { 0 };
	struct nc_adapt_state st;
	struct nc_wset s;
	unsigned int k;

	(void)state;
	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 96, 2, 2 }, 3);
	set_in(in, (const double[]){ 300, 10000, 240000 }, 3);
	for (k = 0; k < 6; k++) {
		assert_true(nc_adapt_step(&cfg, &st, &s, in) >= 0);
		assert_wset_ok(&s);
	}
	assert_true(st.held);
	assert_true(s.w[0] > s.w[1] && s.w[1] > s.w[2]);
	assert_int_equal(s.w[2], 1);

	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 96, 2, 2 }, 3);
	set_in(in, (const double[]){ 280, 11000, 240000 }, 3);
	for (k = 0; k < 6; k++)
		assert_true(nc_adapt_step(&cfg, &st, &s, in) >= 0);
	assert_true(st.held);
	assert_true(s.w[0] > s.w[1] && s.w[1] > s.w[2]);

	/* held already (on a noisy second) at 97 1 2: released by its own
	 * intervals' measurements, as one far outside the band would be */
	memset(&st, 0, sizeof(st));
	st.held = true;
	nc_wset_init(&s, (const uint8_t[]){ 97, 1, 2 }, 3);
	set_in(in, (const double[]){ 250, 6000, 480000 }, 3);
	for (k = 0; k < 8; k++)
		assert_true(nc_adapt_step(&cfg, &st, &s, in) >= 0);
	assert_true(st.held);
	assert_true(s.w[0] > s.w[1] && s.w[1] > s.w[2]);

	memset(&st, 0, sizeof(st));
	nc_wset_init(&s, (const uint8_t[]){ 33, 34, 33 }, 3);
	set_in(in, (const double[]){ 1000, 1000, 1000 }, 3);
	assert_int_equal(nc_adapt_step(&cfg, &st, &s, in), 0);
	assert_true(st.held);
	assert_int_equal(s.w[1], 34);
}

/*
 * Servers that slow down with load: rt = base * (1 + w / 10). The target
 * moves with the weights; the controller must still reach the band within 12
 * intervals and then stay held.
 */
static void
test_adapt_fast_load_dependent(void **state)
{
	static const double bases[][3] = {
		{ 1000, 2000, 4000 }, { 100, 1000, 10000 }, { 1000, 4000, 16000 },
		{ 500, 500, 500 }, { 300, 900, 900 }, { 2000, 1000, 100 },
	};
	static const uint8_t starts[][3] = { { 33, 33, 34 }, { 80, 10, 10 }, { 1, 1, 98 } };
	unsigned int b, w0, k, j;

	(void)state;
	for (b = 0; b < DIM(bases); b++)
		for (w0 = 0; w0 < DIM(starts); w0++) {
			struct nc_cfg_adaptive cfg = adaptive(NC_ADAPT_FAST, 1, 1);
			struct nc_adapt_in in[3] = { 0 };
			struct nc_adapt_state st;
			struct nc_wset s;
			uint8_t held[3];

			memset(&st, 0, sizeof(st));
			nc_wset_init(&s, starts[w0], 3);
			for (k = 1; k <= 30; k++) {
				for (j = 0; j < 3; j++) {
					in[j].samples = 50;
					in[j].rt_us = bases[b][j] * (1.0 + s.w[j] / 10.0);
				}
				assert_true(nc_adapt_step(&cfg, &st, &s, in) >= 0);
				assert_wset_ok(&s);
				for (j = 0; j < 3; j++)
					assert_true(s.w[j] >= 1);
				if (k == 12) {
					if (!st.held) {
						print_error("bases %u start %u: not held\n", b, w0);
						print_weights("  weights", s.w, 3);
						fail();
					}
					memcpy(held, s.w, 3);
				}
				if (k > 12 && (!st.held || memcmp(held, s.w, 3) != 0)) {
					print_error("bases %u start %u: moved at %u\n", b, w0, k);
					fail();
				}
			}
		}
}

/* Random speeds, samples, ups and downs: weights of the up servers always
 * sum to 100, the measured ones keep min_weight, the others do not move. */
static void
test_adapt_random(void **state)
{
	uint64_t x = 4242;
	unsigned int iter, k, i;

	(void)state;
	for (iter = 0; iter < 600; iter++) {
		unsigned int n = 2 + (unsigned int)(rnd(&x) % 10), min_w = 1 + iter % 4;
		struct nc_cfg_adaptive cfg = adaptive(iter % 2 ? NC_ADAPT_FAST : NC_ADAPT_PAPER,
						      1 + iter % 7, min_w);
		uint8_t w[NC_MAX_SERVERS], e[NC_MAX_SERVERS];
		double t[NC_MAX_SERVERS];
		struct nc_adapt_in in[NC_MAX_SERVERS] = { 0 };
		struct nc_adapt_state st;
		struct nc_wset s;

		for (i = 0; i < n; i++) {
			t[i] = 1 + (double)(rnd(&x) % 50);
			e[i] = 1;
		}
		assert_int_equal(nc_weights_distribute(t, e, n, 100, min_w, w), 0);
		memset(&st, 0, sizeof(st));
		nc_wset_init(&s, w, n);
		for (k = 0; k < 40; k++) {
			uint8_t before[NC_MAX_SERVERS];
			int rc;

			if (rnd(&x) % 8 == 0)
				nc_wset_down(&s, (unsigned int)(rnd(&x) % n));
			if (rnd(&x) % 6 == 0)
				nc_wset_up(&s, (unsigned int)(rnd(&x) % n), min_w);
			for (i = 0; i < n; i++) {
				in[i].samples = rnd(&x) % 5 ? 10 : 0;
				in[i].rt_us = (double)(rnd(&x) % 100000);
			}
			memcpy(before, s.w, n);
			rc = nc_adapt_step(&cfg, &st, &s, in);
			assert_true(rc == 0 || rc == 1);
			assert_wset_ok(&s);
			for (i = 0; i < n; i++) {
				if (!s.up[i] || in[i].samples == 0)
					assert_int_equal(s.w[i], before[i]);
				else if (before[i] >= min_w)
					assert_true(s.w[i] >= min_w);
			}
			if (rc == 0)
				assert_memory_equal(before, s.w, n);
			else
				assert_memory_not_equal(before, s.w, n);
		}
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(nc_adapt_mode_name(NC_ADAPT_PAPER), "paper");
	assert_string_equal(nc_adapt_mode_name(NC_ADAPT_FAST), "fast");
	assert_string_equal(nc_health_type_name(NC_HEALTH_NONE), "none");
	assert_string_equal(nc_health_type_name(NC_HEALTH_TCP), "tcp");
	assert_string_equal(nc_health_type_name(NC_HEALTH_HTTP), "http");
	assert_string_equal(nc_health_type_name(NC_HEALTH_UDP), "udp");
	assert_string_equal(nc_health_type_name(NC_HEALTH_ICMP), "icmp");
	assert_string_equal(nc_health_type_name((enum nc_health_type)99), "unknown");
	assert_string_equal(nc_adapt_mode_name((enum nc_adaptive_mode)99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rt_bucket_table),
		cmocka_unit_test(test_rt_bucket_bounds),
		cmocka_unit_test(test_rt_quantile_table),
		cmocka_unit_test(test_rt_quantile_single_values),
		cmocka_unit_test(test_rt_add_delta),
		cmocka_unit_test(test_rt_delta_wrap),
		cmocka_unit_test(test_rt_avg),
		cmocka_unit_test(test_health_table),
		cmocka_unit_test(test_health_saturates),
		cmocka_unit_test(test_distribute_table),
		cmocka_unit_test(test_distribute_random),
		cmocka_unit_test(test_wset_down_up),
		cmocka_unit_test(test_wset_up_floor),
		cmocka_unit_test(test_wset_random),
		cmocka_unit_test(test_adapt_bad_cfg),
		cmocka_unit_test(test_adapt_paper_replay),
		cmocka_unit_test(test_adapt_paper_table),
		cmocka_unit_test(test_adapt_fast_settles),
		cmocka_unit_test(test_adapt_fast_noise),
		cmocka_unit_test(test_adapt_fast_median),
		cmocka_unit_test(test_adapt_fast_partial),
		cmocka_unit_test(test_adapt_fast_smoothing),
		cmocka_unit_test(test_adapt_fast_floor),
		cmocka_unit_test(test_adapt_fast_order),
		cmocka_unit_test(test_adapt_fast_load_dependent),
		cmocka_unit_test(test_adapt_random),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
