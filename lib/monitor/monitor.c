/* SPDX-License-Identifier: BSD-3-Clause
 * Server monitor arithmetic: response-time histograms and their quantiles,
 * the health run counters, and the weight bookkeeping of servers going down
 * and coming back. Pure functions, no EAL.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "nc_monitor.h"

/* Nominal end of the histogram. The last bucket holds everything from its
 * low on, but quantiles interpolate inside it as if it ended here. */
#define RT_TOP_US (UINT32_C(1) << 25)

/* Float slack of the weight arithmetic: shares are sums and quotients of at
 * most NC_MAX_SERVERS doubles, so their error is far below this. */
#define W_EPS 1e-9

/* ------------------------------------------------------------- histogram */

uint32_t
nc_rt_bucket_low(unsigned int b)
{
	unsigned int e;

	if (b < 8)
		return b;
	if (b >= NC_RT_BUCKETS)
		return UINT32_MAX;
	/* inverse of nc_rt_bucket: exponent e, quarter (b - 8) % 4 of [2^e, 2^e+1) */
	e = 3u + (b - 8u) / 4u;
	return (uint32_t)(4u + (b - 8u) % 4u) << (e - 2u);
}

uint32_t
nc_rt_bucket_high(unsigned int b)
{
	return b + 1 < NC_RT_BUCKETS ? nc_rt_bucket_low(b + 1) : UINT32_MAX;
}

void
nc_rt_add(struct nc_rt_acc *sum, const struct nc_rt_acc *a)
{
	unsigned int b;

	sum->count += __atomic_load_n(&a->count, __ATOMIC_RELAXED);
	sum->sum_us += __atomic_load_n(&a->sum_us, __ATOMIC_RELAXED);
	for (b = 0; b < NC_RT_BUCKETS; b++)
		sum->hist[b] += __atomic_load_n(&a->hist[b], __ATOMIC_RELAXED);
}

void
nc_rt_delta(const struct nc_rt_acc *now, const struct nc_rt_acc *before, struct nc_rt_acc *out)
{
	unsigned int b;

	out->count = now->count - before->count;
	out->sum_us = now->sum_us - before->sum_us;
	/* unsigned 32-bit subtraction: right across a wrap of the count */
	for (b = 0; b < NC_RT_BUCKETS; b++)
		out->hist[b] = (uint32_t)(now->hist[b] - before->hist[b]);
}

/*
 * ceil(q * total), within 1..total. The product is rounded (0.07 * 100 is
 * 7.000000000000001), so a relative excess below 1e-12 does not count as a
 * fraction: rank 7, not 8.
 */
static uint64_t
quantile_rank(double q, uint64_t total)
{
	double r;
	uint64_t k;

	if (!(q > 0.0))
		return 1;
	if (q >= 1.0)
		return total;
	r = q * (double)total;
	k = (uint64_t)r;
	if ((double)k < r * (1.0 - 1e-12))
		k++;
	if (k < 1)
		k = 1;
	return k > total ? total : k;
}

uint32_t
nc_rt_quantile(const struct nc_rt_acc *a, double q)
{
	uint64_t total = 0, cum = 0, rank;
	unsigned int b;

	/* the histogram, not <count>: a reading taken while a worker records
	 * may have one without the other */
	for (b = 0; b < NC_RT_BUCKETS; b++)
		total += a->hist[b];
	if (total == 0)
		return 0;
	rank = quantile_rank(q, total);
	for (b = 0; b < NC_RT_BUCKETS; b++) {
		uint32_t h = a->hist[b], low, high;

		if (h == 0 || cum + h < rank) {
			cum += h;
			continue;
		}
		low = nc_rt_bucket_low(b);
		high = b + 1 < NC_RT_BUCKETS ? nc_rt_bucket_high(b) : RT_TOP_US;
		/* the h samples spread evenly over [low, high): the r-th sits at the
		 * middle of the r-th h-th of it, so the result stays inside */
		return low + (uint32_t)((double)(high - low) * ((double)(rank - cum) - 0.5) / h);
	}
	return nc_rt_bucket_low(NC_RT_BUCKETS - 1);   /* not reached: rank <= total */
}

uint32_t
nc_rt_avg(const struct nc_rt_acc *a)
{
	uint64_t q, r;

	if (a->count == 0)
		return 0;
	q = a->sum_us / a->count;
	r = a->sum_us % a->count;
	if (r >= a->count - r)   /* round half up, without overflowing 2 r */
		q++;
	return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

void
nc_rt_agg_add(struct nc_rt_agg *sum, const struct nc_rt_agg *a)
{
	unsigned int b;

	sum->rt.count += a->rt.count;
	sum->rt.sum_us += a->rt.sum_us;
	for (b = 0; b < NC_RT_BUCKETS; b++)
		sum->rt.hist[b] += a->rt.hist[b];
	sum->probe_sum_us += a->probe_sum_us;
	sum->probe_n += a->probe_n;
}

void
nc_rt_agg_in(const struct nc_rt_agg *a, unsigned int min_samples, struct nc_adapt_in *in,
	     uint32_t *p99)
{
	uint32_t q99;

	in->samples = a->rt.count;
	in->rt_us = (double)nc_rt_avg(&a->rt);
	in->rt_p50_us = (double)nc_rt_quantile(&a->rt, 0.5);
	q99 = nc_rt_quantile(&a->rt, 0.99);
	/* too little traffic to measure passively: probe round trips count too */
	if (a->rt.count < min_samples && a->probe_n != 0) {
		in->samples = a->rt.count + a->probe_n;
		in->rt_us = (double)(a->rt.sum_us + a->probe_sum_us) / (double)in->samples;
		in->rt_p50_us = 0.0;   /* mixed samples: the average stands in */
		if (a->rt.count == 0)
			q99 = (uint32_t)in->rt_us;
	}
	if (p99 != NULL)
		*p99 = q99;
}

/* ---------------------------------------------------------------- health */

void
nc_health_init(struct nc_health *h)
{
	h->up = 1;
	h->good_run = 0;
	h->bad_run = 0;
}

int
nc_health_feed(struct nc_health *h, bool good, unsigned int rise, unsigned int fall)
{
	/* a run of 0 cannot be reached after a result: it means 1 */
	if (rise == 0)
		rise = 1;
	if (fall == 0)
		fall = 1;
	if (good) {
		h->bad_run = 0;
		if (h->good_run < UINT8_MAX)
			h->good_run++;
		if (!h->up && h->good_run >= rise) {
			h->up = 1;
			return NC_HEALTH_WENT_UP;
		}
		return 0;
	}
	h->good_run = 0;
	if (h->bad_run < UINT8_MAX)
		h->bad_run++;
	if (h->up && h->bad_run >= fall) {
		h->up = 0;
		return NC_HEALTH_WENT_DOWN;
	}
	return 0;
}

/* --------------------------------------------------------------- weights */

void
nc_wset_init(struct nc_wset *s, const uint8_t *w, unsigned int n)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->n = n < NC_MAX_SERVERS ? n : NC_MAX_SERVERS;
	for (i = 0; i < s->n; i++) {
		s->w[i] = w[i];
		s->up[i] = 1;
	}
}

/*
 * Largest remainder: reals <x> of the eligible entries, summing to <total>,
 * to integers summing to <total>. Each is rounded down (W_EPS below an integer
 * counts as that integer, so the floors never sum above <total>), then the
 * points left go one each to the largest fractions, ties to the lower index.
 */
static void
round_largest_remainder(const double *x, const uint8_t *eligible, unsigned int n,
			unsigned int total, uint8_t *out)
{
	double rem[NC_MAX_SERVERS];
	uint8_t bumped[NC_MAX_SERVERS] = { 0 };
	unsigned int i, sum = 0;
	int left;

	for (i = 0; i < n; i++) {
		double f;

		out[i] = 0;
		if (!eligible[i])
			continue;
		f = floor(x[i] + W_EPS);
		out[i] = (uint8_t)f;
		rem[i] = x[i] - f;
		sum += out[i];
	}
	for (left = (int)total - (int)sum; left > 0; left--) {
		int best = -1;

		for (i = 0; i < n; i++)
			if (eligible[i] && !bumped[i] &&
			    (best < 0 || rem[i] > rem[best] + W_EPS))
				best = (int)i;
		if (best < 0)
			break;
		bumped[best] = 1;
		out[best]++;
	}
}

/*
 * Water-filling: scale the shares to what is left after the servers already
 * held at <min_weight>; any share that lands below it is held there too and
 * the rest scaled again. Holding a server at the floor only lowers what the
 * others get, so no server once held ever needs releasing and the loop ends
 * after at most one pass per server.
 */
int
nc_weights_distribute(const double *target, const uint8_t *eligible, unsigned int n,
		      unsigned int total, unsigned int min_weight, uint8_t *out)
{
	double share[NC_MAX_SERVERS], x[NC_MAX_SERVERS], top = 0.0;
	uint8_t floored[NC_MAX_SERVERS] = { 0 };
	unsigned int i, m = 0, n_floored = 0;
	bool again = true;

	if (n > NC_MAX_SERVERS || total > UINT8_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		share[i] = 0.0;
		if (!eligible[i])
			continue;
		m++;
		if (isfinite(target[i]) && target[i] > 0.0)
			share[i] = target[i];
		if (share[i] > top)
			top = share[i];
	}
	if (m == 0 || (uint64_t)m * min_weight > total)
		return -EINVAL;
	/* relative to the largest, so that their sum cannot overflow */
	for (i = 0; i < n; i++)
		if (eligible[i])
			share[i] = top > 0.0 ? share[i] / top : 0.0;

	while (again) {
		double rest = (double)total - (double)n_floored * min_weight, sum = 0.0;
		unsigned int k = 0;

		again = false;
		for (i = 0; i < n; i++)
			if (eligible[i] && !floored[i]) {
				sum += share[i];
				k++;
			}
		if (k == 0)
			break;
		for (i = 0; i < n; i++) {
			if (!eligible[i])
				continue;
			if (floored[i]) {
				x[i] = min_weight;
				continue;
			}
			/* no share left at all: what remains is split evenly */
			x[i] = sum > 0.0 ? share[i] * rest / sum : rest / k;
			if (x[i] < (double)min_weight - W_EPS) {
				floored[i] = 1;
				n_floored++;
				x[i] = min_weight;
				again = true;
			}
		}
	}
	round_largest_remainder(x, eligible, n, total, out);
	return 0;
}

void
nc_wset_down(struct nc_wset *s, unsigned int i)
{
	double share[NC_MAX_SERVERS];
	uint8_t out[NC_MAX_SERVERS];
	unsigned int j;

	if (i >= s->n || !s->up[i])
		return;
	s->down_w[i] = s->w[i];
	s->up[i] = 0;
	s->w[i] = 0;
	for (j = 0; j < s->n; j++)
		share[j] = s->w[j];
	/* -EINVAL: nobody is up, and every weight is already 0 */
	if (nc_weights_distribute(share, s->up, s->n, 100, 0, out) == 0)
		memcpy(s->w, out, s->n);
}

void
nc_wset_up(struct nc_wset *s, unsigned int i, unsigned int min_weight)
{
	double excess[NC_MAX_SERVERS];
	uint8_t others[NC_MAX_SERVERS] = { 0 }, out[NC_MAX_SERVERS];
	unsigned int j, k = 0, give, floor_w;

	if (i >= s->n || s->up[i])
		return;
	for (j = 0; j < s->n; j++)
		if (s->up[j]) {
			others[j] = 1;
			k++;
		}
	s->up[i] = 1;
	if (k == 0) {
		s->w[i] = 100;
		return;
	}
	/* a floor the k + 1 servers cannot all have is lowered to one they can */
	floor_w = min_weight < 100 / (k + 1) ? min_weight : 100 / (k + 1);
	give = s->down_w[i] > floor_w ? s->down_w[i] : floor_w;
	if (give > 100 - k * floor_w)
		give = 100 - k * floor_w;
	/*
	 * The others keep floor_w each plus a part of what is left, 100 - give -
	 * k floor_w, in proportion to what each had above floor_w: each gives up
	 * the same fraction of its excess.
	 */
	for (j = 0; j < s->n; j++)
		excess[j] = others[j] && s->w[j] > floor_w ? s->w[j] - floor_w : 0.0;
	nc_weights_distribute(excess, others, s->n, 100 - give - k * floor_w, 0, out);
	for (j = 0; j < s->n; j++)
		if (others[j])
			s->w[j] = (uint8_t)(floor_w + out[j]);
	s->w[i] = (uint8_t)give;
}

/* ----------------------------------------------------------------- names */

const char *
nc_adapt_mode_name(enum nc_adaptive_mode m)
{
	switch (m) {
	case NC_ADAPT_PAPER:
		return "paper";
	case NC_ADAPT_FAST:
		return "fast";
	}
	return "unknown";
}

const char *
nc_health_type_name(enum nc_health_type t)
{
	switch (t) {
	case NC_HEALTH_NONE:
		return "none";
	case NC_HEALTH_TCP:
		return "tcp";
	case NC_HEALTH_HTTP:
		return "http";
	case NC_HEALTH_UDP:
		return "udp";
	case NC_HEALTH_ICMP:
		return "icmp";
	}
	return "unknown";
}
