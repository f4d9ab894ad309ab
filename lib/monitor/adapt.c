/* SPDX-License-Identifier: BSD-3-Clause
 * Adaptive weight controllers, one step per adjustment interval: the paper's
 * rule (slowest -step, fastest +step) and "fast" (weights proportional to
 * speed, reached in a few intervals, then held inside a dead band).
 * Pure functions, no EAL.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nc_monitor.h"

/* Below a microsecond the measurements cannot tell servers apart; this also
 * keeps a speed of 1 / rt finite. */
#define RT_FLOOR_US 1.0

/* Up, measured this interval, and with a usable average. */
static bool
takes_part(const struct nc_wset *s, const struct nc_adapt_in *in, unsigned int i)
{
	return s->up[i] && in[i].samples > 0 && isfinite(in[i].rt_us) && in[i].rt_us >= 0.0;
}

static int
step_paper(const struct nc_cfg_adaptive *cfg, struct nc_adapt_state *st, struct nc_wset *s,
	   const struct nc_adapt_in *in)
{
	int slow = -1, fast = -1;
	unsigned int i, k = 0, amount;

	for (i = 0; i < s->n; i++) {
		if (!takes_part(s, in, i))
			continue;
		k++;
		if (slow < 0 || in[i].rt_us >= in[slow].rt_us)
			slow = (int)i;
		if (fast < 0 || in[i].rt_us < in[fast].rt_us)
			fast = (int)i;
	}
	/* all equal: slow and fast are then the last and the first, same rt */
	if (k < 2 || in[slow].rt_us == in[fast].rt_us || s->w[slow] <= cfg->min_weight)
		return 0;
	amount = s->w[slow] - cfg->min_weight;
	if (amount > cfg->step)
		amount = cfg->step;
	s->w[slow] = (uint8_t)(s->w[slow] - amount);
	s->w[fast] = (uint8_t)(s->w[fast] + amount);
	st->moves++;
	return 1;
}

/*
 * Move the taking part servers from weights <s> towards integer targets <t>
 * (same sum). The points to move, A = GAIN * D rounded (D: the total distance
 * of the servers below target, which equals that of the servers above), are
 * given to the ones below in proportion to their distance and taken from the
 * ones above likewise, at least one point each and never past a target. Both
 * fit: each side's distances sum to D, and D is at least the number of
 * servers on either side, so A can be raised to that number.
 */
static void
move_towards(struct nc_wset *s, const uint8_t *part, const uint8_t *t)
{
	double dist_up[NC_MAX_SERVERS], dist_down[NC_MAX_SERVERS];
	uint8_t below[NC_MAX_SERVERS], above[NC_MAX_SERVERS];
	uint8_t gain[NC_MAX_SERVERS] = { 0 }, loss[NC_MAX_SERVERS] = { 0 };
	unsigned int i, d = 0, n_below = 0, n_above = 0, a;

	for (i = 0; i < s->n; i++) {
		below[i] = part[i] && t[i] > s->w[i];
		above[i] = part[i] && t[i] < s->w[i];
		dist_up[i] = below[i] ? t[i] - s->w[i] : 0.0;
		dist_down[i] = above[i] ? s->w[i] - t[i] : 0.0;
		n_below += below[i];
		n_above += above[i];
		if (below[i])
			d += (unsigned int)(t[i] - s->w[i]);
	}
	a = (unsigned int)lround(NC_ADAPT_FAST_GAIN * d);
	if (a < n_below)
		a = n_below;
	if (a < n_above)
		a = n_above;
	if (a > d)
		a = d;
	/* each side: distances sum to d >= a, a >= its count: both succeed */
	nc_weights_distribute(dist_up, below, s->n, a, 1, gain);
	nc_weights_distribute(dist_down, above, s->n, a, 1, loss);
	for (i = 0; i < s->n; i++)
		s->w[i] = (uint8_t)(s->w[i] + gain[i] - loss[i]);
}

/* Targets of the taking part servers from their speeds (1 / rt): they share
 * what they hold together, each at least min_weight if that fits. */
static int
fast_target(const struct nc_cfg_adaptive *cfg, const struct nc_wset *s, const uint8_t *part,
	    const double *rt, unsigned int k, unsigned int held_w, uint8_t *t)
{
	double speed[NC_MAX_SERVERS];
	unsigned int i, floor_w;

	for (i = 0; i < s->n; i++)
		speed[i] = part[i] ? 1.0 / fmax(rt[i], RT_FLOOR_US) : 0.0;
	floor_w = cfg->min_weight < held_w / k ? cfg->min_weight : held_w / k;
	return nc_weights_distribute(speed, part, s->n, held_w, floor_w, t);
}

/* How far weights <w> are from targets <t>: all inside the band, or some
 * outside NC_ADAPT_FAST_RELEASE_X times the band. Weights that order two
 * servers against their targets and their response times (one
 * NC_ADAPT_FAST_ORDER_X times faster) are not inside it, however close:
 * near the floor a one-point band would otherwise hold a slower server level
 * with a faster one (targets 96 3 1 or 97 2 1 held at 96 2 2). A held
 * table whose own interval's measurements say so moves again like one far
 * outside the band. */
static void
fast_band(const struct nc_wset *s, const uint8_t *part, const double *rt, const uint8_t *t,
	  bool *in_band, bool *out_far, bool *misordered)
{
	unsigned int i, j;

	*in_band = true;
	*out_far = false;
	*misordered = false;
	for (i = 0; i < s->n; i++) {
		double dist, band;

		if (!part[i])
			continue;
		dist = fabs((double)t[i] - (double)s->w[i]);
		band = fmax(NC_ADAPT_FAST_BAND * t[i], NC_ADAPT_FAST_BAND_MIN);
		if (dist > band)
			*in_band = false;
		if (dist > NC_ADAPT_FAST_RELEASE_X * band)
			*out_far = true;
		for (j = 0; j < s->n; j++)
			if (part[j] && t[i] > t[j] && s->w[i] <= s->w[j] &&
			    NC_ADAPT_FAST_ORDER_X * rt[i] < rt[j])
				*misordered = true;
	}
	if (*misordered)
		*in_band = false;
}

static int
step_fast(const struct nc_cfg_adaptive *cfg, struct nc_adapt_state *st, struct nc_wset *s,
	  const struct nc_adapt_in *in)
{
	double raw[NC_MAX_SERVERS];
	uint8_t part[NC_MAX_SERVERS], t[NC_MAX_SERVERS];
	unsigned int i, k = 0, held_w = 0;
	bool in_band, out_far, misordered;
	int rc;

	for (i = 0; i < s->n; i++) {
		part[i] = 0;
		raw[i] = 0.0;
		if (!s->up[i]) {
			st->has_rt[i] = 0;   /* back up, it starts from fresh measurements */
			continue;
		}
		if (!takes_part(s, in, i))
			continue;
		raw[i] = in[i].rt_p50_us > 0.0 && isfinite(in[i].rt_p50_us) ? in[i].rt_p50_us :
									    in[i].rt_us;
		if (st->has_rt[i])
			st->rt_smooth[i] = NC_ADAPT_FAST_SMOOTH * raw[i] +
					   (1.0 - NC_ADAPT_FAST_SMOOTH) * st->rt_smooth[i];
		else
			st->rt_smooth[i] = raw[i];
		st->has_rt[i] = 1;
		part[i] = 1;
		k++;
		held_w += s->w[i];
	}
	if (k < 2 || held_w == 0)
		return 0;
	if (st->held) {
		/* Held: only this interval's own measurements can release it (the
		 * smoothed ones would carry one bad second over several intervals),
		 * and only NC_ADAPT_FAST_RELEASE of them in a row. */
		rc = fast_target(cfg, s, part, raw, k, held_w, t);
		if (rc < 0)
			return rc;
		fast_band(s, part, raw, t, &in_band, &out_far, &misordered);
		if (!out_far && !misordered) {
			st->out_of_band = 0;
			return 0;
		}
		if (++st->out_of_band < NC_ADAPT_FAST_RELEASE)
			return 0;
		st->held = false;
		st->out_of_band = 0;
	}
	rc = fast_target(cfg, s, part, st->rt_smooth, k, held_w, t);
	if (rc < 0)
		return rc;   /* weights far off 100: not a weight set */
	fast_band(s, part, st->rt_smooth, t, &in_band, &out_far, &misordered);
	if (in_band) {
		st->held = true;
		st->out_of_band = 0;
		return 0;
	}
	/* out of the band, so at least one weight is off its target */
	move_towards(s, part, t);
	st->moves++;
	return 1;
}

int
nc_adapt_step(const struct nc_cfg_adaptive *cfg, struct nc_adapt_state *st,
	      struct nc_wset *s, const struct nc_adapt_in *in)
{
	if (cfg == NULL || st == NULL || s == NULL || in == NULL || s->n > NC_MAX_SERVERS)
		return -EINVAL;
	if (cfg->step == 0 || cfg->min_weight == 0)
		return -EINVAL;
	switch (cfg->mode) {
	case NC_ADAPT_PAPER:
		return cfg->enabled ? step_paper(cfg, st, s, in) : 0;
	case NC_ADAPT_FAST:
		return cfg->enabled ? step_fast(cfg, st, s, in) : 0;
	}
	return -EINVAL;
}
