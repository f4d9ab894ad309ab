/* SPDX-License-Identifier: BSD-3-Clause
 * Server monitor arithmetic: response-time histograms, the health state
 * machine (rise/fall), weight bookkeeping when servers go down and come back,
 * and the adaptive weight controllers (the paper's rule and "fast").
 * Pure functions and plain structs, no EAL: any thread, unit-testable alone.
 */
#ifndef NC_MONITOR_H
#define NC_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "nc_config_types.h"

/*
 * Log-scale histogram of response times in microseconds. Values 0..7 get one
 * bucket each; from 8 us on, every power of two is split in 4 buckets (a
 * bucket is at most 25% wide), up to 2^25 us (33 s); the last bucket also
 * holds everything above.
 */
#define NC_RT_BUCKETS 96

/* Bucket of a response time of <us> microseconds. Fast path. */
static inline unsigned int
nc_rt_bucket(uint32_t us)
{
	unsigned int e, b;

	if (us < 8)
		return us;
	e = 31u - (unsigned int)__builtin_clz(us);           /* 3..31 */
	b = 8u + (e - 3u) * 4u + ((us >> (e - 2u)) & 3u);
	return b < NC_RT_BUCKETS ? b : NC_RT_BUCKETS - 1;
}

/* Smallest value in bucket <b>, and the first value past it (bucket width). */
uint32_t nc_rt_bucket_low(unsigned int b);
uint32_t nc_rt_bucket_high(unsigned int b);

/*
 * Response-time accumulator of one server, written by one worker only (plain
 * increments) and read by the control lcore, which works on differences
 * between two readings. Counters only grow; histogram counts wrap at 2^32,
 * which differences tolerate.
 */
struct nc_rt_acc {
	uint64_t count;                  /* responses timed */
	uint64_t sum_us;
	uint32_t hist[NC_RT_BUCKETS];
};

/* Record one response time. Worker lcore owning <a>; fast path. */
static inline void
nc_rt_record(struct nc_rt_acc *a, uint32_t us)
{
	a->count++;
	a->sum_us += us;
	a->hist[nc_rt_bucket(us)]++;
}

/* <sum> += a reading of <a> (loads are relaxed atomics: <a> may be changing). */
void nc_rt_add(struct nc_rt_acc *sum, const struct nc_rt_acc *a);

/* <out> = <now> - <before>, both readings (sums) of the same accumulators. */
void nc_rt_delta(const struct nc_rt_acc *now, const struct nc_rt_acc *before,
		 struct nc_rt_acc *out);

/*
 * The <q> quantile (0 < q <= 1) of the samples in <a> (usually a delta), in
 * microseconds, interpolated linearly inside its bucket. 0 when <a> is empty.
 */
uint32_t nc_rt_quantile(const struct nc_rt_acc *a, double q);

/* Average in microseconds (0 when empty). */
uint32_t nc_rt_avg(const struct nc_rt_acc *a);

/*
 * Health of one server from its probe results. A server starts up; it goes
 * down after <fall> bad results in a row and comes back after <rise> good
 * ones in a row.
 */
struct nc_health {
	uint8_t up;
	uint8_t good_run;    /* consecutive good results */
	uint8_t bad_run;     /* consecutive bad results */
};

#define NC_HEALTH_WENT_UP    1
#define NC_HEALTH_WENT_DOWN (-1)

/* Start as up, with no run counted. */
void nc_health_init(struct nc_health *h);

/* Feed one result; returns NC_HEALTH_WENT_UP, NC_HEALTH_WENT_DOWN or 0. */
int nc_health_feed(struct nc_health *h, bool good, unsigned int rise, unsigned int fall);

/*
 * Weights of one service's servers, in percent. The weights of the up servers
 * sum to 100 (all 0 when none is up); a down server has weight 0 and keeps the
 * weight it had when it went down in <down_w>.
 */
struct nc_wset {
	unsigned int n;
	uint8_t w[NC_MAX_SERVERS];
	uint8_t up[NC_MAX_SERVERS];
	uint8_t down_w[NC_MAX_SERVERS];
};

/* All <n> servers up at <w> (which sums to 100). */
void nc_wset_init(struct nc_wset *s, const uint8_t *w, unsigned int n);

/*
 * Real-valued shares <target> (any positive scale) of the servers with
 * <eligible>[i] set -> integers in <out> summing to <total>, each at least
 * <min_weight> (a share below it is raised to it and the others scaled down
 * to make room), by largest remainder, ties to the lower index. Others get 0.
 * Returns 0, or -EINVAL when no server is eligible or <total> cannot give
 * every eligible one <min_weight>.
 */
int nc_weights_distribute(const double *target, const uint8_t *eligible, unsigned int n,
			  unsigned int total, unsigned int min_weight, uint8_t *out);

/*
 * Server <i> went down: remember its weight, give it to the up servers in
 * proportion to their weights (nc_weights_distribute). No-op if already down.
 */
void nc_wset_down(struct nc_wset *s, unsigned int i);

/*
 * Server <i> came back: it gets max(<down_w>, <min_weight>) back, taken from
 * the others in proportion to what each has above <min_weight>; none goes below
 * <min_weight>. The only up server gets 100. No-op if already up.
 */
void nc_wset_up(struct nc_wset *s, unsigned int i, unsigned int min_weight);

/* One server's measurement over the last interval, as the controllers see it. */
struct nc_adapt_in {
	uint64_t samples;    /* response times measured (passive, or probe round trips) */
	double rt_us;        /* their average; ignored when samples == 0 */
	double rt_p50_us;    /* their median (0: unknown, the average stands in) */
};

/*
 * One server's measurements over one interval as the monitor collects them
 * (a delta of the workers' accumulators, and the health probes' round trips)
 * and as the cluster channel sums them over dispatchers: every field adds.
 */
struct nc_rt_agg {
	struct nc_rt_acc rt;       /* passive response times */
	uint64_t probe_sum_us;     /* good health-probe round trips */
	uint64_t probe_n;
};

/* <sum> += <a>, field by field (histogram counts wrap as nc_rt_delta's do). Any thread. */
void nc_rt_agg_add(struct nc_rt_agg *sum, const struct nc_rt_agg *a);

/*
 * The controller's input from one server's aggregate <a>: samples, average
 * and median of the passive response times; with fewer than <min_samples>
 * of them and some probe round trips, both kinds mixed (average only, the
 * median unknown). <p99> (may be NULL) gets the 99th percentile, or the
 * mixed average when there was no passive sample. Pure: equal aggregates
 * give equal inputs on every dispatcher. Any thread.
 */
void nc_rt_agg_in(const struct nc_rt_agg *a, unsigned int min_samples, struct nc_adapt_in *in,
		  uint32_t *p99);

/* A controller's memory between intervals (per service). Zero it to start. */
struct nc_adapt_state {
	bool held;                          /* fast: inside the dead band, weights kept */
	uint8_t out_of_band;                /* fast: intervals in a row outside it while held */
	uint8_t has_rt[NC_MAX_SERVERS];
	double rt_smooth[NC_MAX_SERVERS];   /* fast: smoothed response time */
	uint64_t moves;                     /* intervals that changed a weight */
};

/* Fast controller constants (see nc_adapt_step). */
#define NC_ADAPT_FAST_SMOOTH  0.5   /* weight of the newest interval in rt_smooth */
#define NC_ADAPT_FAST_GAIN    0.7   /* fraction of the way to the target per interval */
#define NC_ADAPT_FAST_BAND    0.05  /* dead band: |target - weight| <= 5% of target ... */
#define NC_ADAPT_FAST_BAND_MIN 1.0  /* ... or 1 point, whichever is larger */
#define NC_ADAPT_FAST_RELEASE 3     /* intervals in a row outside RELEASE_X bands to move again */
#define NC_ADAPT_FAST_RELEASE_X 3.0
#define NC_ADAPT_FAST_ORDER_X 2.0   /* this many times faster: weighs more, if targets allow */

/*
 * One adjustment interval of service weights <s> from measurements <in>
 * (indexed like the servers), under <cfg> (enabled, mode, step, min_weight).
 * Only up servers with samples take part; the others keep their weights.
 *
 * "paper": the slowest such server (highest rt_us; ties: the higher index)
 * loses min(step, weight - min_weight) and the fastest (lowest rt_us; ties:
 * the lower index) gains it. Nothing moves with fewer than two such servers or
 * when all their response times are equal.
 *
 * "fast": takes each server's median (rt_p50_us, else rt_us): on a shared
 * machine a few stalled requests move an average far more than the typical
 * response. It smooths it (NC_ADAPT_FAST_SMOOTH); the target share of
 * each server is proportional to its speed, 1/rt, over the weight the taking
 * part servers hold together (each at least min_weight): the balance at which
 * every server carries the same number of requests in flight (Little's law),
 * which is also equal response times when the servers are alike. Weights move
 * NC_ADAPT_FAST_GAIN of the way to the target each interval (at least one point
 * towards it). Once every weight is within the dead band of its target the
 * weights are held; they move again only after NC_ADAPT_FAST_RELEASE intervals
 * in a row whose own measurements put a weight outside NC_ADAPT_FAST_RELEASE_X
 * times the band (a busy machine's response times are noisy: a bad second must
 * not move the weights, while a narrow band keeps the controller following a
 * target that drifts as the load shifts, until it is really there).
 *
 * Returns 1 if a weight changed, 0 if not, -EINVAL on a bad <cfg>.
 */
int nc_adapt_step(const struct nc_cfg_adaptive *cfg, struct nc_adapt_state *st,
		  struct nc_wset *s, const struct nc_adapt_in *in);

/* "paper" / "fast". */
const char *nc_adapt_mode_name(enum nc_adaptive_mode m);

/* "none" / "tcp" / "http" / "udp" / "icmp". */
const char *nc_health_type_name(enum nc_health_type t);

#endif /* NC_MONITOR_H */
